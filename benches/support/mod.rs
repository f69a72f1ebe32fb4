//! Helpers shared by the benchmarks.

use std::path::Path;
use std::time::Duration;

/// Copies a folder recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    pamphlet::output::copy_dir(from, to).expect("copy a folder");
}

/// The median of some durations.
pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}
