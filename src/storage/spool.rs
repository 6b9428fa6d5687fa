//! The spool directory where uploads wait while they are de-identified. Each running process
//! has a folder of its own under the data dir's `tmp/`, held with an exclusive file lock for as
//! long as it runs. At start, the folders whose lock can be taken belong to processes that are
//! gone (a crash, a SIGKILL): they are removed with the half-received uploads in them.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use anyhow::Context;

const LOCK_FILE: &str = ".lock";

#[derive(Debug)]
pub struct SpoolDir {
    path: PathBuf,
    /// Held while the process runs; the OS releases it when the process ends, however it ends.
    _lock: File,
}

impl SpoolDir {
    /// Removes what dead processes left under `root`, then claims a folder for this process.
    pub fn claim(root: &Path, instance_id: &str) -> anyhow::Result<SpoolDir> {
        fs::create_dir_all(root)
            .with_context(|| format!("cannot create the spool dir {}", root.display()))?;
        let removed = remove_stale(root)?;
        if removed > 0 {
            tracing::info!(
                removed,
                "removed uploads left in the spool dir by a stopped process"
            );
        }
        let safe: String = instance_id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        let path = root.join(safe);
        fs::create_dir_all(&path)
            .with_context(|| format!("cannot create the spool dir {}", path.display()))?;
        let lock = File::create(path.join(LOCK_FILE))
            .with_context(|| format!("cannot create the spool lock in {}", path.display()))?;
        lock.lock()
            .with_context(|| format!("cannot lock the spool dir {}", path.display()))?;
        Ok(SpoolDir { path, _lock: lock })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Removes the entries of `root` that no running process holds; returns how many.
fn remove_stale(root: &Path) -> anyhow::Result<usize> {
    let mut removed = 0;
    for entry in fs::read_dir(root).with_context(|| format!("cannot list {}", root.display()))? {
        let entry = entry?;
        let path = entry.path();
        if !entry.file_type()?.is_dir() {
            // A spool file of the layout before per-process folders.
            fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
            removed += 1;
            continue;
        }
        let held = match File::open(path.join(LOCK_FILE)) {
            Ok(lock) => match lock.try_lock() {
                Ok(()) => false,
                Err(std::fs::TryLockError::WouldBlock) => true,
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(e).with_context(|| format!("cannot check {}", path.display()));
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => return Err(e).with_context(|| format!("cannot check {}", path.display())),
        };
        if !held {
            removed += fs::read_dir(&path)
                .map(|d| d.count())
                .unwrap_or(0)
                .saturating_sub(1);
            fs::remove_dir_all(&path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_running_process_keeps_its_folder_and_a_dead_one_loses_it() {
        let root = tempfile::tempdir().unwrap();
        let first = SpoolDir::claim(root.path(), "first").unwrap();
        fs::write(first.path().join("upload"), b"half").unwrap();
        fs::write(root.path().join("old-layout-file"), b"x").unwrap();
        // While the first holds its lock, a second start leaves its folder alone.
        let second = SpoolDir::claim(root.path(), "second").unwrap();
        assert!(first.path().join("upload").exists());
        assert!(!root.path().join("old-layout-file").exists());
        // Once it is gone, the next start removes its folder.
        let gone = first.path().to_path_buf();
        drop(first);
        let _third = SpoolDir::claim(root.path(), "third").unwrap();
        assert!(!gone.exists());
        assert!(second.path().exists());
    }
}
