//! The labelled queries (tests/data/search_queries.tsv) and how answers are graded.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

pub struct Labelled {
    pub kind: String,
    pub query: String,
    /// The production the person means (a demo catalog title); empty for a negative,
    /// which no show answers.
    pub intended: String,
}

/// The committed set, or the file `BENCH_QUERIES` names (a held-out set written by the
/// same generator with other seeds: `make_search_queries.py --seed-offset N --out F`).
pub fn load() -> Vec<Labelled> {
    let committed = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/data/search_queries.tsv"
    );
    let path = std::env::var("BENCH_QUERIES").unwrap_or_else(|_| committed.to_string());
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let mut cells = line.split('\t');
            let mut cell = || cells.next().expect("three tab-separated cells").to_string();
            Labelled {
                kind: cell(),
                query: cell(),
                intended: cell(),
            }
        })
        .collect()
}

/// Which shows answer a production: its own title, its encore and its tour stops
/// (시카고, 시카고 앙코르, 시카고 - 부산), as the demo catalog names them.
pub fn relevant(catalog: &[(i64, String)], intended: &str) -> HashSet<i64> {
    if intended.is_empty() {
        return HashSet::new();
    }
    let encore = format!("{intended} 앙코르");
    let tour = format!("{intended} - ");
    catalog
        .iter()
        .filter(|(_, title)| title == intended || *title == encore || title.starts_with(&tour))
        .map(|(id, _)| *id)
        .collect()
}

/// Recall and reciprocal rank, summed over one kind's queries.
#[derive(Default, Clone)]
pub struct Grades {
    pub queries: usize,
    pub at_1: usize,
    pub at_5: usize,
    pub reciprocal_ranks: f64,
}

impl Grades {
    /// `ranked` is the answer, best first (the top 10). A negative (nothing relevant)
    /// is answered right only by no answer at all, which counts as found at rank 1: its
    /// recall is the share of negatives answered with nothing.
    pub fn add(&mut self, ranked: &[i64], relevant: &HashSet<i64>) -> Option<usize> {
        self.queries += 1;
        let rank = if relevant.is_empty() {
            ranked.is_empty().then_some(0)?
        } else {
            ranked.iter().position(|id| relevant.contains(id))?
        };
        self.at_1 += usize::from(rank == 0);
        self.at_5 += usize::from(rank < 5);
        self.reciprocal_ranks += 1.0 / (rank + 1) as f64;
        Some(rank)
    }

    pub fn recall_1(&self) -> f64 {
        self.at_1 as f64 / self.queries.max(1) as f64
    }

    pub fn recall_5(&self) -> f64 {
        self.at_5 as f64 / self.queries.max(1) as f64
    }

    pub fn mrr(&self) -> f64 {
        self.reciprocal_ranks / self.queries.max(1) as f64
    }
}

/// Grades per kind, in the order kinds first appear, plus all kinds together.
#[derive(Default)]
pub struct Report {
    pub order: Vec<String>,
    pub by_kind: HashMap<String, Grades>,
    pub all: Grades,
}

impl Report {
    pub fn add(&mut self, kind: &str, ranked: &[i64], relevant: &HashSet<i64>) -> Option<usize> {
        if !self.by_kind.contains_key(kind) {
            self.order.push(kind.to_string());
        }
        self.all.add(ranked, relevant);
        self.by_kind
            .entry(kind.to_string())
            .or_default()
            .add(ranked, relevant)
    }

    pub fn kinds(&self) -> impl Iterator<Item = (&str, &Grades)> {
        self.order
            .iter()
            .map(|kind| (kind.as_str(), &self.by_kind[kind]))
    }
}

/// The `p` quantile (0..=1) of some latencies, in milliseconds.
pub fn percentile_ms(latencies: &[Duration], p: f64) -> f64 {
    let mut sorted = latencies.to_vec();
    sorted.sort();
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}
