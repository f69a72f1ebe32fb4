//! Handouts with portraits: `cargo bench --bench photos`.
//!
//! Builds N synthetic handouts (`PAMPHLET_BENCH_N`, default 1000) four
//! ways in one run, alternating, median of three whole-process builds each:
//! without photos (the baseline), every member with the same 12-megapixel
//! JPEG, and every member with a picture of its own (two portraits'
//! rows of blocks mixed by the member's number, so that nothing is
//! shared, not even once reduced: each is decoded, reduced and sized on
//! its own) — cold (the output folder's image cache emptied before each
//! build) and warm (kept from the build before), each build starting once
//! the files of the one before are on disk. Reports time per handout and
//! its ratio to the baseline, peak RSS, and the handouts' mean and largest
//! size.

#[path = "support/mod.rs"]
mod support;
use support::flush_to_disk;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// One whole-process build: wall time and peak RSS (KiB). It starts once
/// the files of the build before are on disk: a cold build writes 160 MB
/// of handouts and reduced photos, whose write-back would otherwise slow
/// whichever build came next (the warm one), as in `benches/handouts.rs`.
fn build(project: &Path, fonts: &Path) -> (Duration, i64) {
    flush_to_disk();
    let t = Instant::now();
    // Waited for with wait4 below, which also reports its peak RSS.
    #[allow(clippy::zombie_processes)]
    let child = Command::new(env!("CARGO_BIN_EXE_pamphlet"))
        .args(["build", "-p", "handout", "--force", "--quiet", "--project"])
        .arg(project)
        .arg("--font-path")
        .arg(fonts)
        .spawn()
        .expect("pamphlet starts");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is valid; wait4 fills it in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our child, not waited for yet; the pointers are valid.
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(rc, pid, "wait4");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "build failed"
    );
    (t.elapsed(), usage.ru_maxrss)
}

fn sizes(project: &Path, n: usize) -> (f64, f64) {
    let all: Vec<u64> = (1..=n)
        .map(|i| {
            std::fs::metadata(project.join(format!("out/handouts/m{i:04}.pdf")))
                .expect("every handout written")
                .len()
        })
        .collect();
    (
        all.iter().sum::<u64>() as f64 / n as f64 / 1024.0,
        *all.iter().max().unwrap() as f64 / 1024.0,
    )
}

fn main() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fonts = repo.join("fonts");
    let n: usize = std::env::var("PAMPHLET_BENCH_N")
        .ok()
        .and_then(|s| s.split(',').next_back()?.trim().parse().ok())
        .unwrap_or(1000);
    // A 12-megapixel camera-sized portrait (4000 × 3000), and a second
    // from which each member's picture of its own takes some rows.
    let jpeg = pamphlet::synth::portrait_jpeg(4000, 3000, 7, 92);
    let other = pamphlet::synth::portrait_jpeg(4000, 3000, 8, 92);
    println!(
        "{n} handouts; the portrait is 4000 × 3000 px, {:.0} KiB\n",
        jpeg.len() as f64 / 1024.0
    );
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        "no photo",
        "same 12 MP JPEG",
        "distinct 12 MP JPEGs, cold cache",
        "distinct 12 MP JPEGs, warm cache",
    ];
    let projects: Vec<_> = cases
        .iter()
        .enumerate()
        .map(|(k, _)| {
            let p = dir.path().join(format!("case{k}"));
            pamphlet::synth::write_handout_project(&p, &repo.join("layouts"), n, 42).unwrap();
            if k > 0 {
                let portraits = if k >= 2 {
                    pamphlet::synth::Portraits::Distinct(&jpeg, &other)
                } else {
                    pamphlet::synth::Portraits::Shared(&jpeg)
                };
                pamphlet::synth::add_portraits(&p, n, portraits).unwrap();
            }
            p
        })
        .collect();
    let mut runs: Vec<Vec<(Duration, i64)>> = vec![Vec::new(); cases.len()];
    // The warm case's cache, made by a build before the measured ones.
    build(&projects[3], &fonts);
    for _ in 0..3 {
        for (k, p) in projects.iter().enumerate() {
            if k == 2 {
                let _ = std::fs::remove_dir_all(
                    p.join("out").join(pamphlet::print::reduce::Reduced::FOLDER),
                );
            }
            runs[k].push(build(p, &fonts));
        }
    }
    let median = |v: &mut Vec<(Duration, i64)>| {
        v.sort();
        v[v.len() / 2]
    };
    let base = median(&mut runs[0].clone()).0;
    println!("| batch | wall | per handout | vs no photo | peak RSS | mean size | largest |");
    println!("|---|---|---|---|---|---|---|");
    for (k, case) in cases.iter().enumerate() {
        let (wall, _) = median(&mut runs[k]);
        let rss = runs[k].iter().map(|r| r.1).max().unwrap();
        let (mean, max) = sizes(&projects[k], n);
        println!(
            "| {case} | {:.2} s | {:.2} ms | {:.2}× | {:.0} MiB | {mean:.0} KiB | {max:.0} KiB |",
            wall.as_secs_f64(),
            wall.as_secs_f64() * 1000.0 / n as f64,
            wall.as_secs_f64() / base.as_secs_f64(),
            rss as f64 / 1024.0,
        );
    }
}
