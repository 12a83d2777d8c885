//! A search index directory of its own for each test, removed when the test ends.

#![allow(dead_code)]

use std::path::PathBuf;

pub struct IndexDir(PathBuf);

impl std::ops::Deref for IndexDir {
    type Target = PathBuf;
    fn deref(&self) -> &PathBuf {
        &self.0
    }
}

impl Drop for IndexDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn index_dir() -> IndexDir {
    IndexDir(
        std::env::temp_dir().join(format!("marquee-test-index-{:016x}", rand::random::<u64>())),
    )
}
