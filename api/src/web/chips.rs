//! The category chips that narrow the home page and search results: plain links
//! (`?category=MUSICAL`), so they work without JavaScript.

use marquee_core::catalog::Category;

use super::format;

pub const CATEGORIES: [Category; 6] = [
    Category::Musical,
    Category::Concert,
    Category::Play,
    Category::Classic,
    Category::Dance,
    Category::Exhibition,
];

/// One category chip: its link value, its name, and whether it is the one shown.
pub struct Chip {
    pub code: &'static str,
    pub name: &'static str,
    pub selected: bool,
}

pub fn chips(selected: Option<Category>) -> Vec<Chip> {
    CATEGORIES
        .iter()
        .map(|category| Chip {
            code: category.as_db(),
            name: format::category(category.as_db()),
            selected: selected == Some(*category),
        })
        .collect()
}

/// A category link's value; anything else (an old or mistyped link) shows everything
/// rather than an error page.
pub fn category(value: Option<&str>) -> Option<Category> {
    CATEGORIES
        .into_iter()
        .find(|category| Some(category.as_db()) == value)
}
