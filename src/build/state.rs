//! Incremental builds: the recorded state of an output folder — each
//! output's fingerprint of everything it depends on.
//!
//! An output is skipped when all of these are as they were when it was last
//! written:
//!
//! - its **data**: what its template received (`sys.inputs` and its own
//!   data, see [`crate::compile::Inputs`]) — for a record of
//!   an `each` publication only that record's view (see
//!   [`crate::project::Scope`]), so editing one member's answer does not
//!   touch the other members' handouts;
//! - the **files Typst read** while compiling it (layout sources, their
//!   imports, images, data files), by content hash — measured by the World,
//!   not guessed;
//! - the **fonts** (every font file the project sees, by content hash);
//! - the **settings** of the publication (print settings, standards, page
//!   rule, output pattern) and of the build (creation date, PNG pages), as
//!   a typed encoding ([`super::fingerprint`]);
//! - the **tool**: pamphlet's and Typst's versions;
//! - the **output file** itself: still there, same size and modification
//!   time as written.
//!
//! The fingerprints live in `out/.pamphlet-state.json`, written atomically at
//! the end of a build; an interrupted build leaves the previous state, which
//! at worst makes the next build redo some work. With them, each project
//! file's hash is kept with its size and modification time
//! ([`crate::digest::Stamps`]): a file that kept both is not read again to
//! know it is unchanged (a thousand portraits are several gigabytes).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::world::FontEntry;

/// The state file's name, inside the output folder.
pub const STATE_FILE: &str = ".pamphlet-state.json";

/// The format version of the state file (2: files hashed with
/// [`crate::digest`], no longer SipHash).
const STATE_VERSION: u32 = 2;

/// What the tool is: part of every fingerprint.
pub fn tool_id() -> String {
    format!("pamphlet {} / typst 0.15.1", env!("CARGO_PKG_VERSION"))
}

/// A hex string of a 128-bit hash.
pub fn hex(hash: u128) -> String {
    format!("{hash:032x}")
}

/// Hashes file contents ([`crate::digest`]).
pub fn hash_bytes(bytes: &[u8]) -> String {
    hex(crate::digest::of(bytes))
}

/// The recorded state of an output folder.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct State {
    /// Format version.
    pub version: u32,
    /// Font files' hashes, cached by size and modification time.
    pub fonts: BTreeMap<String, FileStamp>,
    /// Per output (path relative to the output folder, `/`-separated).
    pub outputs: BTreeMap<String, OutputStamp>,
    /// The project files outputs read, by path relative to the project
    /// (`/`-separated): hashes by size and modification time.
    #[serde(default)]
    pub files: BTreeMap<String, FileStamp>,
}

/// A file's size, modification time and content hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStamp {
    /// Size in bytes.
    pub len: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    pub mtime: u128,
    /// Content hash.
    pub hash: String,
}

/// What an output was built from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputStamp {
    /// Fingerprint of its data, settings, fonts and the tool.
    pub inputs: String,
    /// The files Typst read, relative to the project root, with their hashes.
    pub deps: Vec<(String, String)>,
    /// The output file as written: size and modification time.
    pub len: u64,
    /// Modification time of the output, nanoseconds since the epoch.
    pub mtime: u128,
    /// PNG pages written with it (relative to the output folder).
    #[serde(default)]
    pub pngs: Vec<String>,
    /// For a merged file: each record's key, first and last page (the
    /// sidecar CSV is written from these).
    #[serde(default)]
    pub pages: Vec<(String, usize, usize)>,
}

/// What a job did to its output's stamp.
#[derive(Debug, Clone, PartialEq)]
pub enum StampUpdate {
    /// Nothing: the output was up to date (skipped), or not to be written.
    Keep,
    /// Record this stamp for the output with this key: it was built.
    Record(String, OutputStamp),
    /// Forget the output's stamp: it failed, so the next build redoes it.
    Forget(String),
}

pub use crate::digest::stat;

impl State {
    /// Loads the state of `out_dir`; missing or unreadable state (an older
    /// format, a hand edit) is an empty state: everything is rebuilt.
    pub fn load(out_dir: &Path) -> State {
        std::fs::read(out_dir.join(STATE_FILE))
            .ok()
            .and_then(|b| serde_json::from_slice::<State>(&b).ok())
            .filter(|s| s.version == STATE_VERSION)
            .unwrap_or_default()
    }

    /// Applies what a build's jobs did to their outputs' stamps.
    pub fn update(&mut self, updates: Vec<StampUpdate>) {
        for update in updates {
            match update {
                StampUpdate::Keep => {}
                StampUpdate::Record(key, stamp) => {
                    self.outputs.insert(key, stamp);
                }
                StampUpdate::Forget(key) => {
                    self.outputs.remove(&key);
                }
            }
        }
    }

    /// Forgets the outputs this state records that are not in `planned`
    /// (keys, as [`key`] makes them) and returns them with their stamps:
    /// written by an earlier build, no longer made.
    pub fn take_unplanned(
        &mut self,
        planned: &std::collections::HashSet<String>,
    ) -> Vec<(String, OutputStamp)> {
        let (stale, kept) = std::mem::take(&mut self.outputs)
            .into_iter()
            .partition(|(key, _)| !planned.contains(key));
        self.outputs = kept;
        stale.into_iter().collect()
    }

    /// The project files' stamps, for a build to trust ([`FileHashes`]).
    pub fn stamps(&self) -> crate::digest::Stamps {
        let known = self
            .files
            .iter()
            .filter_map(|(path, s)| {
                let digest = u128::from_str_radix(&s.hash, 16).ok()?;
                let stamp = crate::digest::Stamp {
                    len: s.len,
                    mtime: s.mtime,
                    digest,
                };
                Some((path.clone(), stamp))
            })
            .collect();
        crate::digest::Stamps::new(known)
    }

    /// Keeps the stamps of the files this build looked at (`seen`), and
    /// of the others that some output still depends on.
    pub fn keep_stamps(&mut self, seen: HashMap<String, crate::digest::Stamp>) {
        let deps: std::collections::HashSet<&str> = self
            .outputs
            .values()
            .flat_map(|o| o.deps.iter().map(|(path, _)| path.as_str()))
            .collect();
        let mut files: BTreeMap<String, FileStamp> = std::mem::take(&mut self.files)
            .into_iter()
            .filter(|(path, _)| deps.contains(path.as_str()))
            .collect();
        for (path, s) in seen {
            if deps.contains(path.as_str()) {
                let stamp = FileStamp {
                    len: s.len,
                    mtime: s.mtime,
                    hash: hex(s.digest),
                };
                files.insert(path, stamp);
            }
        }
        self.files = files;
    }

    /// Writes the state atomically.
    pub fn save(&mut self, out_dir: &Path) -> std::io::Result<()> {
        self.version = STATE_VERSION;
        let json = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        crate::output::write_atomic(&out_dir.join(STATE_FILE), &json)
    }

    /// The fingerprint of the fonts, updating the cached hashes: a file is
    /// only read again when its size or modification time changed.
    /// Paths are recorded relative to `root` where they are inside it, so
    /// that the state survives moving the project (a CI cache).
    pub fn fonts_fingerprint(&mut self, fonts: &[FontEntry], root: &Path) -> String {
        let mut paths: Vec<&PathBuf> = fonts.iter().map(|f| &f.path).collect();
        paths.sort();
        paths.dedup();
        let mut parts = Vec::new();
        let mut fresh = BTreeMap::new();
        for path in paths {
            let key = path
                .strip_prefix(root)
                .unwrap_or(path)
                .to_string_lossy()
                .into_owned();
            let Some((len, mtime)) = stat(path) else {
                continue;
            };
            let stamp = match self.fonts.get(&key) {
                Some(s) if s.len == len && s.mtime == mtime => s.clone(),
                _ => {
                    let hash = std::fs::read(path)
                        .map(|b| hash_bytes(&b))
                        .unwrap_or_default();
                    FileStamp { len, mtime, hash }
                }
            };
            parts.push((key.clone(), stamp.hash.clone()));
            fresh.insert(key, stamp);
        }
        self.fonts = fresh;
        hex(typst::utils::hash128(&parts))
    }
}

/// Hashes of project files, each read once per build, and not at all
/// when it is as `stamps` recorded it.
#[derive(Debug, Default)]
pub struct FileHashes {
    root: PathBuf,
    cache: Mutex<HashMap<String, Option<String>>>,
    stamps: Arc<crate::digest::Stamps>,
}

impl FileHashes {
    /// Hashes files under `root`, trusting `stamps`.
    pub fn new(root: &Path, stamps: Arc<crate::digest::Stamps>) -> Self {
        Self {
            root: root.to_path_buf(),
            cache: Mutex::default(),
            stamps,
        }
    }

    /// The hash of the project file at `rel`, or `None` if it is gone.
    pub fn get(&self, rel: &str) -> Option<String> {
        if let Ok(cache) = self.cache.lock()
            && let Some(h) = cache.get(rel)
        {
            return h.clone();
        }
        let path = self.root.join(rel);
        let hash = self
            .stamps
            .digest(rel, &path, || std::fs::read(&path))
            .ok()
            .map(|(digest, _)| hex(digest));
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(rel.to_string(), hash.clone());
        }
        hash
    }

    /// Takes `hash` (a [`crate::digest`]) as the hash of the project file
    /// at `rel`, read and hashed as it was compiled: the file is not read
    /// again.
    pub fn known(&self, rel: &str, hash: u128) -> String {
        let hash = hex(hash);
        if let Ok(mut cache) = self.cache.lock() {
            cache
                .entry(rel.to_string())
                .or_insert_with(|| Some(hash.clone()));
        }
        hash
    }

    /// Whether every dependency still has its recorded hash.
    pub fn unchanged(&self, deps: &[(String, String)]) -> bool {
        deps.iter()
            .all(|(path, hash)| self.get(path).as_deref() == Some(hash.as_str()))
    }
}

/// The key of an output in the state: its path, `/`-separated.
pub fn key(output: &Path) -> String {
    output
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether the output at `path` is as `stamp` recorded it.
pub fn output_intact(path: &Path, stamp: &OutputStamp, out_dir: &Path) -> bool {
    stat(path).is_some_and(|(len, mtime)| len == stamp.len && mtime == stamp.mtime)
        && stamp.pngs.iter().all(|p| out_dir.join(p).is_file())
}
