//! Where the index lives on disk, and who may write it.
//!
//! `INDEX_DIR` holds `generations/<name>/` (each a complete Tantivy index) and a
//! `current` symlink naming the one in use. A rebuild writes a fresh generation and
//! swaps the symlink with one `rename`, so a reader sees the old index or the new one,
//! never half of either. `indexer.lock` is held (an OS file lock, released when the
//! process dies) by the one indexer allowed to write; a second one is refused.

use std::fs::{self, File, TryLockError};
use std::path::{Path, PathBuf};

use chrono::Utc;

use crate::error::{Error, Result};

#[derive(Debug, Clone)]
pub struct IndexLayout {
    root: PathBuf,
}

/// Proof that this process is the index's only writer; dropping it lets another in.
#[derive(Debug)]
pub struct WriterLock {
    _file: File,
}

impl IndexLayout {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        IndexLayout { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn current_link(&self) -> PathBuf {
        self.root.join("current")
    }

    fn generations(&self) -> PathBuf {
        self.root.join("generations")
    }

    /// Takes the writer lock, or says who has it.
    pub fn lock_writer(&self) -> Result<WriterLock> {
        fs::create_dir_all(&self.root)?;
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.root.join("indexer.lock"))?;
        match file.try_lock() {
            Ok(()) => Ok(WriterLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(Error::IndexLocked {
                path: self.root.display().to_string(),
            }),
            Err(TryLockError::Error(err)) => Err(err.into()),
        }
    }

    /// The generation in use, if any.
    pub fn current(&self) -> Option<PathBuf> {
        let target = fs::read_link(self.current_link()).ok()?;
        let path = self.root.join(target);
        path.is_dir().then_some(path)
    }

    /// A new, empty generation directory.
    pub fn new_generation(&self, _lock: &WriterLock) -> Result<PathBuf> {
        let name = format!("g{}", Utc::now().format("%Y%m%dT%H%M%S%6f"));
        let path = self.generations().join(name);
        fs::create_dir_all(&path)?;
        Ok(path)
    }

    /// Makes `generation` current in one rename, then deletes the others. Readers that
    /// still have an old generation open keep reading it until they reopen: on Linux a
    /// deleted file stays readable while it is open.
    pub fn make_current(&self, _lock: &WriterLock, generation: &Path) -> Result<()> {
        let relative = generation
            .strip_prefix(&self.root)
            .map_err(|_| Error::internal("generation outside the index directory"))?;
        let staged = self.root.join("current.next");
        let _ = fs::remove_file(&staged);
        std::os::unix::fs::symlink(relative, &staged)?;
        fs::rename(&staged, self.current_link())?;
        for entry in fs::read_dir(self.generations())? {
            let path = entry?.path();
            if path != generation {
                fs::remove_dir_all(&path)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_root() -> PathBuf {
        let root = std::env::temp_dir().join(format!("marquee-layout-{}", rand::random::<u64>()));
        fs::create_dir_all(&root).unwrap();
        root
    }

    #[test]
    fn a_second_writer_is_refused_until_the_first_lets_go() {
        let layout = IndexLayout::new(temp_root());
        let first = layout.lock_writer().unwrap();
        assert!(matches!(
            layout.lock_writer(),
            Err(Error::IndexLocked { .. })
        ));
        drop(first);
        assert!(layout.lock_writer().is_ok());
        fs::remove_dir_all(layout.root()).unwrap();
    }

    #[test]
    fn making_a_generation_current_swaps_the_link_and_drops_the_old_one() {
        let layout = IndexLayout::new(temp_root());
        let lock = layout.lock_writer().unwrap();
        assert_eq!(layout.current(), None);
        let old = layout.new_generation(&lock).unwrap();
        layout.make_current(&lock, &old).unwrap();
        assert_eq!(layout.current(), Some(old.clone()));
        std::thread::sleep(std::time::Duration::from_millis(2));
        let new = layout.new_generation(&lock).unwrap();
        layout.make_current(&lock, &new).unwrap();
        assert_eq!(layout.current(), Some(new));
        assert!(!old.exists());
        fs::remove_dir_all(layout.root()).unwrap();
    }
}
