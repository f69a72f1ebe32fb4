//! One print job for a batch: N synthetic handouts built as separate files
//! (the repository's handouts: one plain PDF each) and as one merged
//! PDF/VT-1 file (`merge`, `merge_pdf_standard = ["x-4"]`, `separate =
//! false`), alternating whole builds in one run: wall time (median of
//! three), peak RSS and the total bytes written. Then 10,000 handouts
//! merged with `split = 1000` (the records benchmark's project: members
//! from a CSV, answers of 60–140 characters): ten files, memory bounded by
//! the chunk.
//!
//! Run with `cargo bench --bench merged` (`PAMPHLET_BENCH_N=1000` sets N;
//! `PAMPHLET_BENCH_SPLIT_N=10000` the split run, 0 to leave it out).

#[path = "support/mod.rs"]
mod support;
use support::{Measure, mib, pamphlet_cmd, run_all};

use std::path::{Path, PathBuf};

/// Bytes of every PDF under `dir`.
fn total_bytes(dir: &Path) -> (u64, usize) {
    let mut total = 0;
    let mut files = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "pdf") {
                total += e.metadata().map_or(0, |m| m.len());
                files += 1;
            }
        }
    }
    (total, files)
}

/// A synthetic project of `n` handouts, with `merge` lines added to the
/// handout publication (none: separate files only).
fn project(dir: &Path, n: usize, merge: &str) {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    pamphlet::synth::write_handout_project(dir, &repo.join("layouts"), n, 42).unwrap();
    let manifest = dir.join("pamphlet.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let text = text.replacen("max_pages = 2\n", &format!("max_pages = 2\n{merge}"), 1);
    std::fs::write(&manifest, text).unwrap();
}

fn build(project: &Path, fonts: &Path) -> Measure {
    let mut cmd = pamphlet_cmd(project, fonts, &["build", "--force", "--quiet"]);
    cmd.arg("--out").arg(project.join("out"));
    run_all(vec![cmd], 1)
}

fn main() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let fonts = repo.join("fonts");
    let n: usize = std::env::var("PAMPHLET_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let split_n: usize = std::env::var("PAMPHLET_BENCH_SPLIT_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let separate = tempfile::tempdir().unwrap();
    let merged = tempfile::tempdir().unwrap();
    project(separate.path(), n, "");
    project(
        merged.path(),
        n,
        "merge = \"handouts.pdf\"\nmerge_pdf_standard = [\"x-4\"]\nseparate = false\n",
    );
    let mut sep = Vec::new();
    let mut mer = Vec::new();
    for _ in 0..3 {
        sep.push(build(separate.path(), &fonts));
        mer.push(build(merged.path(), &fonts));
    }
    sep.sort_by_key(|m| m.wall);
    mer.sort_by_key(|m| m.wall);
    let (s, m) = (sep[1], mer[1]);
    let (sb, sf) = total_bytes(&separate.path().join("out"));
    let (mb, mf) = total_bytes(&merged.path().join("out"));
    println!("{n} handouts, median of 3 alternating whole builds:\n");
    println!(
        "| output | files | total size | wall | peak RSS | time vs separate | size vs separate |"
    );
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| separate plain PDFs | {sf} | {:.1} MiB | {:.2} s | {} | 1.00× | 100 % |",
        sb as f64 / 1048576.0,
        s.wall.as_secs_f64(),
        mib(s.peak_kib)
    );
    println!(
        "| one merged PDF/VT-1 | {mf} | {:.1} MiB | {:.2} s | {} | {:.2}× | {:.1} % |",
        mb as f64 / 1048576.0,
        m.wall.as_secs_f64(),
        mib(m.peak_kib),
        m.wall.as_secs_f64() / s.wall.as_secs_f64(),
        100.0 * mb as f64 / sb as f64
    );
    if split_n == 0 {
        return;
    }
    // The records benchmark's project: 10,000 members' answers at the
    // synthetic content's usual length would pass the 32 MB content limit.
    let big = tempfile::tempdir().unwrap();
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    pamphlet::synth::write_records_project(
        big.path(),
        &repo.join("layouts"),
        split_n,
        42,
        (60, 140),
        true,
    )
    .unwrap();
    let manifest = big.path().join("pamphlet.toml");
    let text = std::fs::read_to_string(&manifest).unwrap().replacen(
        "max_pages = 2\n",
        "max_pages = 2\nmerge = \"handouts.pdf\"\nmerge_pdf_standard = [\"x-4\"]\nseparate = false\nsplit = 1000\n",
        1,
    );
    std::fs::write(&manifest, text).unwrap();
    let run = build(big.path(), &fonts);
    let (bytes, files) = total_bytes(&big.path().join("out"));
    println!(
        "\n{split_n} handouts merged with split = 1000: {files} files, {:.1} MiB, {:.2} s ({:.2} ms per handout), peak RSS {}",
        bytes as f64 / 1048576.0,
        run.wall.as_secs_f64(),
        run.wall.as_secs_f64() * 1000.0 / split_n as f64,
        mib(run.peak_kib)
    );
}
