//! The layering rules of the source, read from the files themselves:
//!
//! - **No import cycle** between the files of a crate. A file that imports from a file
//!   that (through others) imports from it is one room split in two, or two rooms that
//!   should share a third; `routes` and `web` in the api both use the shared plumbing
//!   and never each other. Tests (`#[cfg(test)] mod ...`) are left out.
//! - **No SQL built with `format!`.** Text and values go together through
//!   `db::Statement` (or a literal query); a `format!` that makes SQL hides the
//!   statement from compile-time checking and lets a value into its text. The one
//!   kind of SQL a bind cannot carry, an identifier, is allowed where the line before
//!   says `// sql-identifier:` and why.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const CRATES: [&str; 3] = ["core", "api", "indexer"];

#[test]
fn no_crate_has_an_import_cycle_between_its_files_or_its_top_modules() {
    let mut cycles = Vec::new();
    for krate in CRATES {
        let files = crate_files(krate);
        let graph = import_graph(&files);
        // The same imports between a crate's top modules (`routes`, `web`, `booking`):
        // two folders whose files import each other, even without a cycle of files.
        let mut top: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
        for (from, targets) in &graph {
            let from_top: Module = from.iter().take(1).cloned().collect();
            let entry = top.entry(from_top.clone()).or_default();
            for target in targets {
                let target_top: Module = target.iter().take(1).cloned().collect();
                if target_top != from_top {
                    entry.insert(target_top);
                }
            }
        }
        for graph in [graph, top] {
            cycles.extend(find_cycles(&graph).into_iter().map(|cycle| {
                let names: Vec<String> = cycle.iter().map(|m| display(krate, m)).collect();
                names.join(" -> ")
            }));
        }
    }
    assert!(
        cycles.is_empty(),
        "import cycles between files:\n{}",
        cycles.join("\n")
    );
}

#[test]
fn no_sql_is_built_with_format() {
    let found = lines_where(sql_formats);
    assert!(
        found.is_empty(),
        "SQL built with format! (bind values with db::Statement instead):\n{}",
        found.join("\n")
    );
}

#[test]
fn every_static_statement_is_checked_at_compile_time() {
    let found = lines_where(unchecked_literals);
    assert!(
        found.is_empty(),
        "a literal statement outside sqlx's query macros (use query!/query_as!, or say \
         `// not checked at compile time:` and why on the line before):\n{}",
        found.join("\n")
    );
}

/// `crate::module:line` for each line of each crate's sources that `check` finds.
fn lines_where(check: fn(&str) -> Vec<usize>) -> Vec<String> {
    let mut found = Vec::new();
    for krate in CRATES {
        for (module, file) in crate_files(krate) {
            let source = std::fs::read_to_string(&file.path).unwrap();
            let place = display(krate, &module);
            found.extend(
                check(&source)
                    .into_iter()
                    .map(|line| format!("{place}:{line}")),
            );
        }
    }
    found
}

#[test]
fn the_checks_see_a_cycle_and_a_formatted_statement() {
    let a = SourceFile {
        path: PathBuf::new(),
        code: "use crate::b::Thing; fn f() { crate::c::g(); }".into(),
    };
    let b = SourceFile {
        path: PathBuf::new(),
        code: "use super::c;".into(),
    };
    let c = SourceFile {
        path: PathBuf::new(),
        code: "use crate::{a::{self, X}};".into(),
    };
    let files: BTreeMap<Module, SourceFile> = [
        (vec!["a".to_string()], a),
        (vec!["b".to_string()], b),
        (vec!["c".to_string()], c),
    ]
    .into_iter()
    .collect();
    let graph = import_graph(&files);
    assert_eq!(graph[&vec!["b".to_string()]].len(), 1, "{graph:?}");
    assert_eq!(find_cycles(&graph).len(), 1, "{graph:?}");

    let formatted = "let sql = format!(\"select id from seats where id = {id}\");\n\
                     // sql-identifier: validated above\n\
                     let ok = format!(\"create database `{name}`\");\n\
                     let text = format!(\"{count} seats from the map\");\n\
                     words.push(format!(\"{word}{c}\"));\n\
                     query.push(format!(\" and {STATUS} = \"));";
    assert_eq!(sql_formats(formatted), vec![1, 6]);

    let unchecked = "let a = sqlx::query(\"select 1\");\n\
                     // Not checked at compile time: a reason\n\
                     let b = sqlx::query_as(\n    \"select 2\",\n);\n\
                     let c = sqlx::query_scalar(\n    \"select 3\",\n);\n\
                     let d = sqlx::query!(\"select 4\");";
    assert_eq!(unchecked_literals(unchecked), vec![1, 6]);
}

/// A module's path inside its crate: `["booking", "holds"]`, `[]` for the root.
type Module = Vec<String>;

struct SourceFile {
    path: PathBuf,
    /// The code without comments, string literals and test modules.
    code: String,
}

fn display(krate: &str, module: &Module) -> String {
    if module.is_empty() {
        format!("{krate}::(root)")
    } else {
        format!("{krate}::{}", module.join("::"))
    }
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Every file of the crate's library and binaries, by module path.
fn crate_files(krate: &str) -> BTreeMap<Module, SourceFile> {
    let src = workspace().join(krate).join("src");
    let mut files = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|ext| ext != "rs") {
                continue;
            }
            let relative = path.strip_prefix(&src).unwrap().with_extension("");
            let mut module: Module = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if matches!(
                module.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                module.pop();
            }
            let source = std::fs::read_to_string(&path).unwrap();
            let code = without_test_modules(&strip_comments_and_strings(&source));
            // main.rs and lib.rs are both the root: the binary only calls the library.
            files
                .entry(module)
                .and_modify(|file: &mut SourceFile| {
                    file.code.push('\n');
                    file.code.push_str(&code)
                })
                .or_insert(SourceFile {
                    path: path.clone(),
                    code,
                });
        }
    }
    files
}

/// Edges from each file to the files whose items it names (by `use` or by a path in
/// its code), not counting itself.
fn import_graph(files: &BTreeMap<Module, SourceFile>) -> BTreeMap<Module, BTreeSet<Module>> {
    let mut graph = BTreeMap::new();
    for (module, file) in files {
        let mut targets = BTreeSet::new();
        for path in named_paths(&file.code) {
            let Some(absolute) = absolute(module, &path, files) else {
                continue;
            };
            // The longest prefix that is a file: the rest names an item inside it.
            let target = (0..=absolute.len())
                .rev()
                .map(|n| absolute[..n].to_vec())
                .find(|prefix| files.contains_key(prefix));
            if let Some(target) = target {
                if &target != module {
                    targets.insert(target);
                }
            }
        }
        graph.insert(module.clone(), targets);
    }
    graph
}

/// A path resolved against the crate: `crate::`, `super::`, `self::` or a child module
/// of this file; anything else (other crates, std, local names) is not followed.
fn absolute(
    module: &Module,
    path: &[String],
    files: &BTreeMap<Module, SourceFile>,
) -> Option<Module> {
    let (first, rest) = path.split_first()?;
    let mut base = match first.as_str() {
        "crate" => Vec::new(),
        "self" => module.clone(),
        "super" => {
            let mut base = module.clone();
            base.pop()?;
            base
        }
        child => {
            let mut candidate = module.clone();
            candidate.push(child.to_string());
            if !files.contains_key(&candidate) {
                return None;
            }
            return Some(candidate.into_iter().chain(rest.iter().cloned()).collect());
        }
    };
    let mut rest = rest.iter().peekable();
    while rest.peek().map(|s| s.as_str()) == Some("super") {
        base.pop()?;
        rest.next();
    }
    base.extend(rest.cloned());
    Some(base)
}

/// The paths a file names: every `use` tree, expanded, and every `a::b::c` path in
/// its code.
fn named_paths(code: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = find_keyword(rest, "use") {
        let after = &rest[at + 3..];
        let Some(end) = after.find(';') else { break };
        expand_use_tree(after[..end].trim(), &mut Vec::new(), &mut paths);
        rest = &after[end + 1..];
    }
    // Paths in expressions and types: `crate::web::PageError::from(...)`.
    let bytes: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        if is_ident_start(bytes[i]) && (i == 0 || !is_ident_char(bytes[i - 1])) {
            let mut segments = Vec::new();
            let mut j = i;
            loop {
                let start = j;
                while j < bytes.len() && is_ident_char(bytes[j]) {
                    j += 1;
                }
                segments.push(bytes[start..j].iter().collect::<String>());
                if j + 2 < bytes.len()
                    && bytes[j] == ':'
                    && bytes[j + 1] == ':'
                    && is_ident_start(bytes[j + 2])
                {
                    j += 2;
                } else {
                    break;
                }
            }
            if segments.len() > 1 {
                paths.push(segments);
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    paths
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Where `word` stands as a whole word followed by white space.
fn find_keyword(text: &str, word: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = text[from..].find(word) {
        let at = from + found;
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        if before.is_none_or(|c| !is_ident_char(c)) && after.is_some_and(char::is_whitespace) {
            return Some(at);
        }
        from = at + word.len();
    }
    None
}

/// `a::{b, c::{d, self}}` into `a::b`, `a::c::d`, `a::c`.
fn expand_use_tree(tree: &str, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let head = tree[..open].trim().trim_end_matches("::");
        let depth = prefix.len();
        prefix.extend(
            head.split("::")
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from),
        );
        let close = tree.rfind('}').unwrap_or(tree.len());
        for part in split_top_level(&tree[open + 1..close]) {
            expand_use_tree(part, prefix, out);
        }
        prefix.truncate(depth);
        return;
    }
    let path = tree.split(" as ").next().unwrap_or("").trim();
    let mut full = prefix.clone();
    for segment in path.split("::").map(str::trim).filter(|s| !s.is_empty()) {
        if segment == "self" && !full.is_empty() {
            continue;
        }
        if segment == "*" {
            break;
        }
        full.push(segment.to_string());
    }
    if !full.is_empty() {
        out.push(full);
    }
}

fn split_top_level(list: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in list.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&list[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&list[start..]);
    parts.into_iter().filter(|p| !p.trim().is_empty()).collect()
}

/// The source with comments removed and string and char literals emptied, so a path
/// in a doc comment or a message is not an import.
fn strip_comments_and_strings(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && raw_string_at(&chars, i) {
            let mut j = i + 1;
            let mut hashes = 0;
            while chars[j] == '#' {
                hashes += 1;
                j += 1;
            }
            j += 1;
            loop {
                if j >= chars.len() {
                    break;
                }
                if chars[j] == '"' && (0..hashes).all(|h| chars.get(j + 1 + h) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' && is_char_literal(&chars, i) {
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("' '");
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn raw_string_at(chars: &[char], i: usize) -> bool {
    if i > 0 && is_ident_char(chars[i - 1]) {
        return false;
    }
    let mut j = i + 1;
    while chars.get(j) == Some(&'#') {
        j += 1;
    }
    chars.get(j) == Some(&'"')
}

/// A quote that opens a char literal (`'a'`, `'\n'`), not a lifetime (`'a`).
fn is_char_literal(chars: &[char], i: usize) -> bool {
    matches!(
        (chars.get(i + 1), chars.get(i + 2)),
        (Some('\\'), _) | (Some(_), Some('\''))
    )
}

/// The code without `#[cfg(test)] mod name { ... }` blocks.
fn without_test_modules(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        let after = &rest[at + "#[cfg(test)]".len()..];
        let trimmed = after.trim_start();
        let is_module = trimmed.starts_with("mod ") || trimmed.starts_with("pub mod ");
        let open = trimmed.find(['{', ';']);
        match (is_module, open) {
            (true, Some(open)) if trimmed.as_bytes()[open] == b'{' => {
                out.push_str(&rest[..at]);
                let body = &trimmed[open..];
                let mut depth = 0;
                let mut end = body.len();
                for (i, c) in body.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = i + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                rest = &body[end..];
            }
            _ => {
                out.push_str(&rest[..at + "#[cfg(test)]".len()]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Each file's cycles, one per strongly connected group of files (Tarjan), each shown
/// as a closed walk through the group.
fn find_cycles(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    struct Walk<'g> {
        graph: &'g BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'g Module, usize>,
        low: BTreeMap<&'g Module, usize>,
        stack: Vec<&'g Module>,
        on_stack: BTreeSet<&'g Module>,
        groups: Vec<Vec<&'g Module>>,
    }
    impl<'g> Walk<'g> {
        fn visit(&mut self, node: &'g Module) {
            let n = self.index.len();
            self.index.insert(node, n);
            self.low.insert(node, n);
            self.stack.push(node);
            self.on_stack.insert(node);
            for next in self.graph.get(node).into_iter().flatten() {
                let Some((next, _)) = self.graph.get_key_value(next) else {
                    continue;
                };
                if !self.index.contains_key(next) {
                    self.visit(next);
                    let low = self.low[node].min(self.low[next]);
                    self.low.insert(node, low);
                } else if self.on_stack.contains(next) {
                    let low = self.low[node].min(self.index[next]);
                    self.low.insert(node, low);
                }
            }
            if self.low[node] == self.index[node] {
                let mut group = Vec::new();
                while let Some(member) = self.stack.pop() {
                    self.on_stack.remove(member);
                    group.push(member);
                    if member == node {
                        break;
                    }
                }
                if group.len() > 1 {
                    self.groups.push(group);
                }
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        groups: Vec::new(),
    };
    for node in graph.keys() {
        if !walk.index.contains_key(node) {
            walk.visit(node);
        }
    }
    walk.groups
        .into_iter()
        .map(|group| {
            let members: BTreeSet<&Module> = group.iter().copied().collect();
            closed_walk(graph, &members)
        })
        .collect()
}

/// A cycle through the group, starting at its first member: breadth-first back to it.
fn closed_walk(
    graph: &BTreeMap<Module, BTreeSet<Module>>,
    members: &BTreeSet<&Module>,
) -> Vec<Module> {
    let start = members.iter().next().copied().unwrap();
    let mut came_from: BTreeMap<&Module, &Module> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for next in &graph[node] {
            if !members.contains(next) {
                continue;
            }
            if next == start {
                let mut path = vec![node.clone()];
                let mut at = node;
                while at != start {
                    at = came_from[at];
                    path.push(at.clone());
                }
                path.reverse();
                path.push(start.clone());
                return path;
            }
            let next = graph.get_key_value(next).unwrap().0;
            if !came_from.contains_key(next) {
                came_from.insert(next, node);
                queue.push_back(next);
            }
        }
    }
    members.iter().map(|m| (*m).clone()).collect()
}

/// Lines (1-based) where a `format!` builds SQL: its literal reads as a statement, or
/// it goes straight into a query.
fn sql_formats(source: &str) -> Vec<usize> {
    let lines: Vec<&str> = source.lines().collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(at) = line.find("format!(") else {
            continue;
        };
        let allowed = i > 0 && lines[i - 1].trim_start().starts_with("// sql-identifier:");
        let before = line[..at].trim_end().trim_end_matches('&');
        let into_query = ["query(", "query_as(", "query_scalar(", "Statement::new("]
            .iter()
            .any(|call| before.ends_with(call));
        let pushed = before.ends_with(".push(");
        // The literal may start on the next line (rustfmt breaks long calls).
        let literal: String = std::iter::once(&line[at..])
            .chain(lines.iter().skip(i + 1).take(2).copied())
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        let literal = literal
            .split_once('"')
            .and_then(|(_, rest)| rest.split_once('"'))
            .map(|(text, _)| text.to_string())
            .unwrap_or_default();
        let sql_words = [
            "and", "or", "where", "select", "from", "join", "set", "order", "limit",
        ];
        let pushed_sql = pushed
            && literal
                .split(|c: char| !c.is_ascii_alphanumeric())
                .any(|word| sql_words.contains(&word));
        if !allowed && (into_query || pushed_sql || reads_as_sql(&literal)) {
            found.push(i + 1);
        }
    }
    found
}

/// Lines (1-based) where `sqlx::query`, `query_as` or `query_scalar` is called with a
/// string literal (on its line or the next) without the macro's `!`, unless a comment
/// just above says why it is not checked.
fn unchecked_literals(source: &str) -> Vec<usize> {
    let lines: Vec<&str> = source.lines().collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let call = ["sqlx::query(", "sqlx::query_as(", "sqlx::query_scalar("]
            .iter()
            .find_map(|call| line.find(call).map(|at| at + call.len()));
        let Some(after) = call else { continue };
        let rest = line[after..].trim_start();
        let literal = rest.starts_with('"')
            || rest.starts_with("r#\"")
            || (rest.is_empty()
                && lines.get(i + 1).is_some_and(|next| {
                    let next = next.trim_start();
                    next.starts_with('"') || next.starts_with("r#\"")
                }));
        let explained = lines[i.saturating_sub(3)..i].iter().any(|above| {
            let above = above.trim_start().to_lowercase();
            above.starts_with("// not checked at compile time:")
                || above.starts_with("// sql-identifier:")
        });
        if literal && !explained {
            found.push(i + 1);
        }
    }
    found
}

fn reads_as_sql(text: &str) -> bool {
    let words: Vec<&str> = text
        .split(|c: char| {
            !(c.is_ascii_alphanumeric() || c == '_' || c == '?' || c == '{' || c == '}')
        })
        .filter(|w| !w.is_empty())
        .collect();
    let has = |w: &str| words.contains(&w);
    (has("select") && has("from"))
        || (has("insert") && has("into"))
        || (has("update") && has("set"))
        || (has("delete") && has("from"))
        || (has("where") && text.contains('?'))
        || text.contains("= ?")
        || words
            .iter()
            .any(|w| w.ends_with("_select}") || w.ends_with("_columns}"))
}
