//! The hash by which file contents are known: XXH3 with 128 bits of the
//! bytes. The build state records it for every file an output read, and
//! the image cache names a reduced photo by it. A 12-megapixel camera JPEG
//! (several megabytes) is hashed in a fraction of a millisecond, about a
//! tenth of what Typst's SipHash takes.
//!
//! [`Stamps`]: a file's digest kept with its size and modification time,
//! and trusted while they are the same (as make, cargo and git trust
//! them), so that a build need not read a thousand unchanged portraits to
//! know that they are unchanged.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The digest of `bytes`. Stable across builds, machines and versions of
/// pamphlet (the state file's format version changes if it ever changes).
pub fn of(bytes: &[u8]) -> u128 {
    twox_hash::XxHash3_128::oneshot(bytes)
}

/// Size in bytes and modification time (nanoseconds since the Unix
/// epoch) of the file at `path`.
pub fn stat(path: &Path) -> Option<(u64, u128)> {
    let m = std::fs::metadata(path).ok()?;
    let mtime = m
        .modified()
        .ok()?
        .duration_since(UNIX_EPOCH)
        .ok()?
        .as_nanos();
    Some((m.len(), mtime))
}

/// A file's size and modification time, with the digest of its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// Size in bytes.
    pub len: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    pub mtime: u128,
    /// [`of`] the file's bytes.
    pub digest: u128,
}

/// Files modified this recently are not stamped: a change within the
/// clock's resolution of the moment a file was read (same size, same time)
/// would otherwise go unseen, the "racy" case git guards against so.
pub const SETTLED: Duration = Duration::from_secs(2);

/// Digests of project files known from a build before, by path relative
/// to the project (`/`-separated), each trusted while the file's size and
/// modification time are as stamped; and the stamps of the files read and
/// hashed during this build, for the next.
#[derive(Debug, Default)]
pub struct Stamps {
    known: HashMap<String, Stamp>,
    seen: Mutex<HashMap<String, Stamp>>,
}

impl Stamps {
    /// Stamps known from a build before.
    pub fn new(known: HashMap<String, Stamp>) -> Stamps {
        Stamps {
            known,
            seen: Mutex::default(),
        }
    }

    /// The digest of the file `key` (at `path`) if it is as stamped;
    /// otherwise `read` it, hash it and stamp it. The file is looked at
    /// before it is read, so a change while it is read is seen next time.
    pub fn digest<B: AsRef<[u8]>, E>(
        &self,
        key: &str,
        path: &Path,
        read: impl FnOnce() -> Result<B, E>,
    ) -> Result<(u128, Option<B>), E> {
        let before = stat(path);
        if let Some((len, mtime)) = before
            && let Some(s) = self.known.get(key)
            && (s.len, s.mtime) == (len, mtime)
        {
            self.note(key, *s);
            return Ok((s.digest, None));
        }
        let bytes = read()?;
        let digest = of(bytes.as_ref());
        if let Some((len, mtime)) = before {
            self.note(key, Stamp { len, mtime, digest });
        }
        Ok((digest, Some(bytes)))
    }

    /// Keeps `stamp` for the next build, unless the file was modified too
    /// recently to be sure of it ([`SETTLED`]).
    fn note(&self, key: &str, stamp: Stamp) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        if now.saturating_sub(stamp.mtime) < SETTLED.as_nanos() {
            return;
        }
        if let Ok(mut seen) = self.seen.lock() {
            seen.insert(key.to_string(), stamp);
        }
    }

    /// The stamps of the files this build looked at (read, or found as
    /// stamped).
    pub fn seen(&self) -> HashMap<String, Stamp> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_stamped_file_is_trusted_while_its_size_and_time_are_the_same() {
        use super::*;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.jpg");
        std::fs::write(&path, b"first").unwrap();
        let hour_ago = SystemTime::now() - Duration::from_secs(3600);
        let set_time = |t: SystemTime| {
            let f = std::fs::File::options().write(true).open(&path).unwrap();
            f.set_modified(t).unwrap();
        };
        set_time(hour_ago);
        let read = || std::fs::read(&path);
        // Unknown: read, hashed and stamped.
        let first = Stamps::default();
        let (digest, bytes) = first.digest("p.jpg", &path, read).unwrap();
        assert_eq!(
            (digest, bytes.as_deref()),
            (of(b"first"), Some(&b"first"[..]))
        );
        let seen = first.seen();
        assert_eq!(seen["p.jpg"].digest, of(b"first"));
        // As stamped: not read (the stamp is believed).
        let next = Stamps::new(seen.clone());
        let (digest, bytes) = next
            .digest("p.jpg", &path, || -> std::io::Result<Vec<u8>> {
                panic!("read")
            })
            .unwrap();
        assert_eq!((digest, bytes), (of(b"first"), None));
        assert_eq!(next.seen(), seen);
        // Changed (another size, another time): read again.
        std::fs::write(&path, b"second!").unwrap();
        set_time(hour_ago + Duration::from_secs(60));
        let (digest, _) = Stamps::new(seen.clone())
            .digest("p.jpg", &path, read)
            .unwrap();
        assert_eq!(digest, of(b"second!"));
        // The same size, another time: read again.
        std::fs::write(&path, b"fir5t").unwrap();
        set_time(hour_ago + Duration::from_secs(120));
        let (digest, _) = Stamps::new(seen.clone())
            .digest("p.jpg", &path, read)
            .unwrap();
        assert_eq!(digest, of(b"fir5t"));
        // Modified just now: hashed, but not stamped (a change within the
        // clock's resolution could not be told from it).
        let now = Stamps::default();
        std::fs::write(&path, b"third").unwrap();
        let (digest, _) = now.digest("p.jpg", &path, read).unwrap();
        assert_eq!(digest, of(b"third"));
        assert!(now.seen().is_empty());
    }

    #[test]
    fn is_xxh3_128() {
        // The reference value of XXH3-128 for the empty input (xxHash's
        // own test vectors), so that the state's hashes mean the same
        // thing to every build of pamphlet.
        assert_eq!(crate::digest::of(b""), 0x99aa06d3014798d86001c324468d497f);
        assert_ne!(crate::digest::of(b"a"), crate::digest::of(b"b"));
    }
}
