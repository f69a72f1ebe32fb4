//! Handouts from a spreadsheet at scale: the crosstalk handouts with their
//! members read from a CSV file against the same members in YAML, for
//! N = 1,000 and 10,000, in one run; and the typst CLI once per handout at
//! N = 1,000 for the ratio.
//!
//! Run with `cargo bench --bench records` (sizes: `PAMPHLET_BENCH_N=1000,10000`;
//! `PAMPHLET_BENCH_CLI=0` leaves the typst CLI out, which is installed when
//! missing, as for `benches/handouts.rs`).
//!
//! Answers are 60–140 characters (the synthetic content's usual 145–340
//! would put 10,000 members' 50,000 answers over the 32 MB content limit),
//! the same at every N, so time per handout compares across sizes. Each
//! figure is the median of three whole builds (`--force`); the YAML and CSV
//! builds alternate. Prints wall time, time per handout, peak RSS, the
//! preparation's share (reading and validating the content and the
//! spreadsheet, from `--timings`), and the growth from 1,000 to 10,000.

#[path = "support/mod.rs"]
mod support;
use support::{Measure, mib, pamphlet_cmd, run_all, typst_cli, typst_cmd, write_cli_inputs};

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const ANSWER_CHARS: (usize, usize) = (60, 140);

/// One build: its measure and the preparation's time from `--timings`.
fn build(project: &Path, fonts: &Path) -> (Measure, Duration) {
    let log = project.join("timings.txt");
    let mut cmd = pamphlet_cmd(
        project,
        fonts,
        &["build", "-p", "handout", "--force", "--timings"],
    );
    cmd.arg("--out").arg(project.join("out"));
    // run_all discards the output: keep the timings line with a shell.
    let mut sh = Command::new("sh");
    sh.arg("-c")
        .arg(format!("{} 2> {}", shell_words(&cmd), log.display()));
    let m = run_all(vec![sh], 1);
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let prepare = text
        .split("prepare (load and validate the content, checks) ")
        .nth(1)
        .and_then(|r| r.split(" ms").next())
        .and_then(|v| v.parse::<f64>().ok())
        .map_or(Duration::ZERO, |ms| Duration::from_secs_f64(ms / 1000.0));
    (m, prepare)
}

/// A command line for `sh -c`, arguments single-quoted.
fn shell_words(cmd: &Command) -> String {
    let quote = |s: &std::ffi::OsStr| format!("'{}'", s.to_string_lossy().replace('\'', "'\\''"));
    std::iter::once(quote(cmd.get_program()))
        .chain(cmd.get_args().map(quote))
        .collect::<Vec<_>>()
        .join(" ")
}

fn main() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let fonts = repo.join("fonts");
    let with_cli = std::env::var("PAMPHLET_BENCH_CLI").map_or(true, |v| v != "0");
    let sizes: Vec<usize> = std::env::var("PAMPHLET_BENCH_N")
        .unwrap_or_else(|_| "1000,10000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    println!("| N      | members from | wall       | per handout | peak RSS | prepare          |");
    println!("|--------|--------------|------------|-------------|----------|------------------|");
    let mut per_handout: Vec<(usize, &str, f64)> = Vec::new();
    for &n in &sizes {
        let dirs: Vec<(&str, tempfile::TempDir)> = ["YAML", "CSV"]
            .into_iter()
            .map(|source| {
                let dir = tempfile::tempdir().unwrap();
                pamphlet::synth::write_records_project(
                    dir.path(),
                    &repo.join("layouts"),
                    n,
                    42,
                    ANSWER_CHARS,
                    source == "CSV",
                )
                .unwrap();
                (source, dir)
            })
            .collect();
        let mut runs: Vec<Vec<(Measure, Duration)>> = vec![Vec::new(), Vec::new()];
        for _ in 0..3 {
            for (i, (_, dir)) in dirs.iter().enumerate() {
                runs[i].push(build(dir.path(), &fonts));
            }
        }
        // Both sources give the same handouts.
        for id in ["m0001", &format!("m{n:04}")] {
            let read = |d: &tempfile::TempDir| {
                std::fs::read(d.path().join(format!("out/handouts/{id}.pdf"))).unwrap()
            };
            assert!(
                read(&dirs[0].1) == read(&dirs[1].1),
                "{id}.pdf differs between YAML and CSV"
            );
        }
        for (i, (source, _)) in dirs.iter().enumerate() {
            let mut r = runs[i].clone();
            r.sort_by_key(|(m, _)| m.wall);
            let (m, prepare) = r[1];
            let per = m.wall.as_secs_f64() * 1000.0 / n as f64;
            per_handout.push((n, source, per));
            println!(
                "| {n:>6} | {source:<12} | {:>8.2} s | {:>8.2} ms | {:>8} | {:>5.0} ms ({:>4.1} %) |",
                m.wall.as_secs_f64(),
                per,
                mib(m.peak_kib),
                prepare.as_secs_f64() * 1000.0,
                prepare.as_secs_f64() / m.wall.as_secs_f64() * 100.0
            );
        }
        if with_cli && n <= 1000 {
            // The typst CLI once per handout on the same layout and data.
            let project = dirs[0].1.path();
            write_cli_inputs(project, &fonts);
            let typst = typst_cli();
            let cli_dir = project.join("cli");
            std::fs::create_dir_all(&cli_dir).unwrap();
            let nproc = std::thread::available_parallelism().map_or(1, |n| n.get());
            let commands: Vec<Command> = (1..=n)
                .map(|i| {
                    let id = format!("m{i:04}");
                    typst_cmd(
                        &typst,
                        project,
                        &fonts,
                        "layouts/crosstalk/handout.typ",
                        Some(&id),
                        &cli_dir.join(format!("{id}.pdf")),
                    )
                })
                .collect();
            let m = run_all(commands, nproc);
            let ours = per_handout
                .iter()
                .rev()
                .find(|(k, s, _)| *k == n && *s == "CSV")
                .map_or(f64::NAN, |p| p.2);
            let per = m.wall.as_secs_f64() * 1000.0 / n as f64;
            println!(
                "| {n:>6} | typst CLI, {nproc} at a time | {:>8.2} s | {:>8.2} ms | {:>8} | ratio CLI / pamphlet (CSV) = {:.1}× |",
                m.wall.as_secs_f64(),
                per,
                mib(m.peak_kib),
                per / ours
            );
        }
    }
    // Growth of the time per handout from the smallest to the largest N.
    if let (Some(&lo), Some(&hi)) = (sizes.iter().min(), sizes.iter().max())
        && lo != hi
    {
        for source in ["YAML", "CSV"] {
            let at = |n: usize| {
                per_handout
                    .iter()
                    .find(|(k, s, _)| *k == n && *s == source)
                    .map_or(f64::NAN, |p| p.2)
            };
            println!(
                "{source}: time per handout at N = {hi} / at N = {lo} = {:.2}×",
                at(hi) / at(lo)
            );
        }
    }
}
