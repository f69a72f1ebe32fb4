//! Helpers shared by the benchmarks.

// Each benchmark uses a part of these.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Copies a folder recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    pamphlet::output::copy_dir(from, to).expect("copy a folder");
}

/// Waits until the files written so far are on disk, so that their
/// write-back does not slow the run timed next.
pub fn flush_to_disk() {
    // SAFETY: sync has no preconditions.
    unsafe { libc::sync() };
}

/// The median of some durations.
pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Wall time and peak resident memory of a run.
#[derive(Debug, Clone, Copy)]
pub struct Measure {
    /// Wall time.
    pub wall: Duration,
    /// Peak RSS of the largest single process, KiB.
    pub peak_kib: i64,
    /// Sum of the peak RSS of processes that ran at the same time (an upper
    /// bound for the parallel loop), KiB.
    pub concurrent_kib: i64,
}

impl Measure {
    /// Two parts of one run measured apart (a loop split in halves): the
    /// walls summed, the peaks the larger.
    pub fn then(self, other: Measure) -> Measure {
        Measure {
            wall: self.wall + other.wall,
            peak_kib: self.peak_kib.max(other.peak_kib),
            concurrent_kib: self.concurrent_kib.max(other.concurrent_kib),
        }
    }
}

/// Spawns `cmd`; `wait_any` reaps it with `wait4` to read its peak RSS.
#[allow(clippy::zombie_processes, reason = "reaped by wait4 in wait_any")]
pub fn spawn(cmd: &mut Command) -> libc::pid_t {
    let child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    child.id() as libc::pid_t
}

pub fn wait_any() -> (libc::pid_t, i32, i64) {
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: plain wait4 on our own children with valid out pointers.
    let pid = unsafe { libc::wait4(-1, &mut status, 0, &mut usage) };
    assert!(pid > 0, "wait4 failed");
    (pid, status, usage.ru_maxrss)
}

/// Runs `commands` with at most `parallel` at a time.
pub fn run_all(commands: Vec<Command>, parallel: usize) -> Measure {
    let start = Instant::now();
    let mut running = 0;
    let mut peak = 0;
    let mut concurrent = 0;
    let mut failures = 0;
    for mut cmd in commands {
        if running == parallel {
            let (_, status, rss) = wait_any();
            failures += i32::from(status != 0);
            peak = peak.max(rss);
            running -= 1;
        }
        spawn(&mut cmd);
        running += 1;
    }
    while running > 0 {
        let (_, status, rss) = wait_any();
        failures += i32::from(status != 0);
        peak = peak.max(rss);
        running -= 1;
    }
    concurrent = concurrent.max(peak * parallel as i64);
    assert_eq!(failures, 0, "some commands failed");
    Measure {
        wall: start.elapsed(),
        peak_kib: peak,
        concurrent_kib: concurrent,
    }
}

pub fn typst_cli() -> PathBuf {
    let candidates = [PathBuf::from("typst"), dirs_home().join(".cargo/bin/typst")];
    for c in &candidates {
        if Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return c.clone();
        }
    }
    eprintln!("typst CLI not found: installing it with `cargo install typst-cli --locked` (slow)…");
    let status = Command::new("cargo")
        .args(["install", "typst-cli", "--locked"])
        .status()
        .expect("cargo install");
    assert!(status.success(), "cargo install typst-cli failed");
    dirs_home().join(".cargo/bin/typst")
}

pub fn dirs_home() -> PathBuf {
    PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
}

pub fn pamphlet_cmd(project: &Path, fonts: &Path, args: &[&str]) -> Command {
    binary_cmd(
        Path::new(env!("CARGO_BIN_EXE_pamphlet")),
        project,
        fonts,
        args,
    )
}

/// `binary` (this pamphlet or a baseline) run on `project` with `args`.
pub fn binary_cmd(binary: &Path, project: &Path, fonts: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(binary);
    // The subcommand, then the project, then the rest (callers may append).
    cmd.arg(args[0])
        .arg("--project")
        .arg(project)
        .arg("--font-path")
        .arg(fonts)
        .args(&args[1..]);
    cmd.env_remove("SOURCE_DATE_EPOCH");
    cmd
}

pub fn typst_cmd(
    typst: &Path,
    project: &Path,
    fonts: &Path,
    layout: &str,
    record: Option<&str>,
    out: &Path,
) -> Command {
    let mut cmd = Command::new(typst);
    cmd.arg("compile")
        .arg("--root")
        .arg(project)
        .arg("--font-path")
        .arg(fonts)
        .arg("--ignore-system-fonts")
        .arg("--input")
        .arg(format!("pamphlet-data={}", data_for(record)));
    if let Some(r) = record {
        cmd.arg("--input").arg(format!("pamphlet-record={r}"));
    }
    cmd.arg(project.join(layout)).arg(out);
    cmd
}

/// Where the typst CLI reads a job's data: the whole content
/// (`/out/inputs/data.json`), or with `PER_RECORD` set, the record's own file
/// that [`write_per_record_inputs`] wrote.
fn data_for(record: Option<&str>) -> String {
    match record {
        Some(r) if PER_RECORD.with(|p| p.get()) => format!("/out/inputs/records/{r}.json"),
        _ => "/out/inputs/data.json".to_string(),
    }
}

std::thread_local! {
    /// Whether [`typst_cmd`] gives each record its own data file.
    pub static PER_RECORD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Writes one data file per record beside `out/inputs/data.json`, as a
/// careful user of the typst CLI would, so that each compilation reads only
/// what its record needs: the content with only the record's own answers
/// (the members list stays whole: the layout takes a member's colour from
/// its place in it). `list` is the list of records, `refs` the lists whose
/// items name a record in their `member` field.
pub fn write_per_record_inputs(project: &Path, ids: &[String]) {
    let data: serde_json::Value = serde_json::from_slice(
        &std::fs::read(project.join("out/inputs/data.json")).expect("data.json"),
    )
    .expect("data.json is JSON");
    let dir = project.join("out/inputs/records");
    std::fs::create_dir_all(&dir).unwrap();
    for id in ids {
        let mut own = data.clone();
        if let Some(questions) = own["content"]["questions"].as_array_mut() {
            for q in questions {
                if let Some(answers) = q["answers"].as_array_mut() {
                    answers.retain(|a| a["member"] == serde_json::Value::String(id.clone()));
                }
            }
        }
        std::fs::write(
            dir.join(format!("{id}.json")),
            serde_json::to_vec(&own).unwrap(),
        )
        .unwrap();
    }
}

pub fn mib(kib: i64) -> String {
    format!("{:.0} MiB", kib as f64 / 1024.0)
}

/// Writes the handout publication's data as JSON where [`typst_cmd`] has
/// the typst CLI read it (`out/inputs/data.json` in `project`).
pub fn write_cli_inputs(project: &Path, fonts: &Path) {
    std::fs::create_dir_all(project.join("out/inputs")).unwrap();
    let s = pamphlet_cmd(project, fonts, &["inputs", "handout", "-o"])
        .arg(project.join("out/inputs/data.json"))
        .status()
        .unwrap();
    assert!(s.success(), "pamphlet inputs handout");
}
