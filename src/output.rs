//! The only place that writes files: atomically, so that nothing already
//! written is lost or half-written.
//!
//! A file is written to a temporary sibling (`.name.pdf.tmp-<pid>-<n>`),
//! then renamed over the target (no fsync: a build is reproducible, so
//! durability across power loss is not worth a disk flush per PDF). A reader sees the old file
//! or the new one, never a mix; a failed or interrupted build leaves the
//! previous good file in place.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Removes the file at `path` (a cache's old entry).
pub fn remove(path: &Path) -> io::Result<()> {
    fs::remove_file(path)
}

/// Writes `bytes` to `path` atomically, creating parent folders.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = parent.join(format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        drop(f);
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Copies the folder `from` into `to`, recursively (new projects, test and
/// benchmark copies).
pub fn copy_dir(from: &Path, to: &Path) -> io::Result<()> {
    fs::create_dir_all(to)?;
    for e in fs::read_dir(from)? {
        let e = e?;
        if e.file_type()?.is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()))?;
        } else {
            fs::copy(e.path(), to.join(e.file_name()))?;
        }
    }
    Ok(())
}

/// Whether `path` already holds exactly `bytes` (so writing can be skipped
/// and the file's modification time kept).
pub fn unchanged(path: &Path, bytes: &[u8]) -> bool {
    use std::io::Read;
    if !fs::metadata(path).is_ok_and(|m| m.len() == bytes.len() as u64) {
        return false;
    }
    // Compare chunk by chunk: a batch of thousands of PDFs does not
    // allocate a copy of each old file.
    let Ok(mut file) = fs::File::open(path) else {
        return false;
    };
    let mut buf = [0u8; 16 * 1024];
    let mut rest = bytes;
    loop {
        match file.read(&mut buf) {
            Ok(0) => return rest.is_empty(),
            Ok(n) if n <= rest.len() && buf[..n] == rest[..n] => rest = &rest[n..],
            Ok(_) => return false,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
}

/// Removes temporary files left by an interrupted build under `dir`.
pub fn clean_temporaries(dir: &Path) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return removed;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if p.is_dir() {
            removed.extend(clean_temporaries(&p));
        } else if name.starts_with('.') && name.contains(".tmp-") && fs::remove_file(&p).is_ok() {
            removed.push(p);
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a/b.pdf");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert!(unchanged(&p, b"two"));
        assert!(!unchanged(&p, b"one"));
        let names: Vec<_> = fs::read_dir(dir.path().join("a"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "no temporaries left: {names:?}");
    }

    #[test]
    fn unchanged_compares_every_byte_of_large_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.pdf");
        let bytes: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
        write_atomic(&p, &bytes).unwrap();
        assert!(unchanged(&p, &bytes));
        // Same length, one byte differs: in the last chunk, then the first.
        for at in [bytes.len() - 1, 0] {
            let mut other = bytes.clone();
            other[at] ^= 1;
            assert!(!unchanged(&p, &other), "difference at {at}");
        }
        assert!(!unchanged(&p, &bytes[..bytes.len() - 1]));
        assert!(!unchanged(&dir.path().join("missing.pdf"), &bytes));
    }
}
