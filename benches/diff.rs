//! `pamphlet diff` after one changed answer, against builds in the same run,
//! on the default project and on 1,000 synthetic handouts (a git repository
//! made for the run, the base being the commit):
//!
//! - a full build (`build --force`) and a no-op build;
//! - the reference: after the edit, `build --png` in a folder built with PNG
//!   pages, so that exactly the outputs the answer changes are rebuilt and
//!   their pages rendered (one handout; for the default project also the
//!   pamphlet's two variants and the merged handouts);
//! - `pamphlet diff` after the same edit: the head built incrementally, the
//!   base read from git, both sides' changed outputs typeset and rendered,
//!   the report and the proofs written.
//!
//! Target: the diff under 2× the reference. Medians of `PAMPHLET_BENCH_RUNS`
//! runs (default 5). `PAMPHLET_BENCH_N` sets the number of handouts (default
//! 1,000). Run with `cargo bench --bench diff`.

#[path = "support/mod.rs"]
mod support;
use support::{copy_dir, median};

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=Bench",
            "-c",
            "user.email=bench@example.invalid",
        ])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}");
}

/// Runs `pamphlet ARGS --project DIR --font-path FONTS`; its wall time.
fn run(project: &Path, fonts: &Path, args: &[&str]) -> Duration {
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_pamphlet"))
        .args(args)
        .arg("--project")
        .arg(project)
        .arg("--font-path")
        .arg(fonts)
        .arg("--quiet")
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    start.elapsed()
}

/// Changes the first answer of `content` (one record's) for run `i`.
fn edit_answer(content: &Path, i: usize) {
    let text = std::fs::read_to_string(content).unwrap();
    // The default project's answers are block scalars; the synthetic
    // project's are quoted on their `text:` line.
    let line = text
        .lines()
        .find(|l| l.contains("スタートアップ支援を行っています") && !l.contains("text:"))
        .or_else(|| {
            text.lines()
                .find(|l| l.trim_start().starts_with("text: \""))
        })
        .unwrap()
        .to_string();
    let marker = [
        "変更", "改訂", "修正", "追記", "更新", "訂正", "校正", "確認", "再校",
    ][i % 9];
    let new = if line.contains("text: \"") {
        line.replacen("text: \"", &format!("text: \"{marker}："), 1)
    } else {
        line.replacen("モビリティ", &format!("{marker}：モビリティ"), 1)
    };
    std::fs::write(content, text.replacen(&line, &new, 1)).unwrap();
}

/// The figures of one project: full, no-op, reference and diff.
fn measure(label: &str, project: &Path, fonts: &Path, runs: usize) {
    let content = project.join("content/crosstalk.yaml");
    let original = std::fs::read_to_string(&content).unwrap();
    std::fs::write(project.join(".gitignore"), "out*/\n").unwrap();
    git(project, &["init", "-q"]);
    git(project, &["add", "-A"]);
    git(project, &["commit", "-q", "-m", "base"]);
    let out = project.join("out");
    let png = project.join("out-png");
    let o = out.to_str().unwrap();
    let p = png.to_str().unwrap();
    run(project, fonts, &["build", "-o", o]);
    run(project, fonts, &["build", "-o", p, "--png", "--ppi", "96"]);
    let full = median(
        (0..runs)
            .map(|_| run(project, fonts, &["build", "-o", o, "--force"]))
            .collect(),
    );
    let noop = median(
        (0..runs)
            .map(|_| run(project, fonts, &["build", "-o", o]))
            .collect(),
    );
    let (mut reference, mut diff) = (Vec::new(), Vec::new());
    for i in 0..runs {
        // The same edit for both, each measured on its own folder: the
        // reference rebuilds and renders, the diff builds and compares.
        std::fs::write(&content, &original).unwrap();
        edit_answer(&content, i);
        reference.push(run(
            project,
            fonts,
            &["build", "-o", p, "--png", "--ppi", "96"],
        ));
        diff.push(run(project, fonts, &["diff", "--base", "HEAD", "--out", o]));
    }
    std::fs::write(&content, &original).unwrap();
    let (reference, diff) = (median(reference), median(diff));
    println!("\n{label}, medians of {runs}:\n");
    println!("| run | time | vs reference |");
    println!("|---|---|---|");
    for (what, t) in [
        ("full build (`build --force`)", full),
        ("no-op build", noop),
        (
            "reference: one answer changed, `build --png` (its outputs rebuilt and rendered)",
            reference,
        ),
        ("`pamphlet diff --base HEAD` after the same edit", diff),
    ] {
        println!(
            "| {what} | {:.0} ms | {:.2}× |",
            ms(t),
            ms(t) / ms(reference)
        );
    }
}

fn main() {
    let repo = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let fonts = repo.join("fonts");
    let runs: usize = std::env::var("PAMPHLET_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let n: usize = std::env::var("PAMPHLET_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);

    let dir = tempfile::tempdir().unwrap();
    let project = dir.path();
    std::fs::copy(repo.join("pamphlet.toml"), project.join("pamphlet.toml")).unwrap();
    copy_dir(&repo.join("content"), &project.join("content"));
    copy_dir(&repo.join("layouts"), &project.join("layouts"));
    measure(
        "Default project (crosstalk ×2 variants, 3 handouts and their merged file, flyer ×2 variants)",
        project,
        &fonts,
        runs,
    );

    let dir = tempfile::tempdir().unwrap();
    pamphlet::synth::write_handout_project(dir.path(), &repo.join("layouts"), n, 42).unwrap();
    measure(
        &format!("{n} synthetic handouts, one answer of one record changed"),
        dir.path(),
        &fonts,
        runs,
    );
}
