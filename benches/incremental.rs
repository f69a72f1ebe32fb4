//! Incremental builds and watch mode against a full build, in one run:
//!
//! - a full `pamphlet build --force` of the default project;
//! - a no-op `pamphlet build` (nothing changed);
//! - a `pamphlet build` after one answer changed (rebuilds the pamphlet's two
//!   variants and one handout);
//! - `pamphlet watch`: from saving a one-answer edit to the rebuild being
//!   done (measured outside the process, and as the tool reports it);
//! - `pamphlet preview`: from saving a one-answer edit to the browser's
//!   event stream receiving the new pages.
//!
//! Builds are the median of 7 runs, watch and preview of 20. Run with
//! `cargo bench --bench incremental`.

#[path = "support/mod.rs"]
mod support;
use support::{copy_dir, median};

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// `pamphlet preview`: the median time from saving an edit to the page's
/// event stream delivering the new state, over 20 edits.
fn preview(project: &Path, fonts: &Path, content: &Path) -> Duration {
    use std::io::{Read, Write};
    let mut child = Command::new(env!("CARGO_BIN_EXE_pamphlet"))
        .args(["preview", "--port", "0", "--project"])
        .arg(project)
        .arg("--font-path")
        .arg(fonts)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let addr = line
        .trim()
        .strip_prefix("[preview] http://")
        .and_then(|s| s.split('/').next())
        .unwrap_or_else(|| panic!("{line}"))
        .to_string();
    std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = stderr.read_to_end(&mut sink);
    });
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    write!(s, "GET /events HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(s).lines().map_while(Result::ok) {
            if line.starts_with("data: ") && tx.send(Instant::now()).is_err() {
                return;
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("first state");
    let mut times = Vec::new();
    for i in 0..20 {
        std::thread::sleep(Duration::from_millis(300));
        while rx.try_recv().is_ok() {}
        let t = Instant::now();
        edit_answer(content, i + 5);
        let done = rx.recv_timeout(Duration::from_secs(60)).expect("update");
        times.push(done - t);
    }
    let _ = child.kill();
    let _ = child.wait();
    median(times)
}

fn build(project: &Path, fonts: &Path, extra: &[&str]) -> Duration {
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_pamphlet"))
        .arg("build")
        .arg("--project")
        .arg(project)
        .arg("--font-path")
        .arg(fonts)
        .args(extra)
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    start.elapsed()
}

const ANSWER: &str = "モビリティ関係のスタートアップ支援を行っています。";

fn edit_answer(content: &Path, n: usize) {
    let text = std::fs::read_to_string(content).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("スタートアップ支援を行っています"))
        .unwrap()
        .to_string();
    let new = format!("          {}{}", ANSWER, "。".repeat(n % 3));
    std::fs::write(content, text.replacen(&line, &new, 1)).unwrap();
}

fn main() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let fonts = repo.join("fonts");
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path();
    std::fs::copy(repo.join("pamphlet.toml"), project.join("pamphlet.toml")).unwrap();
    copy_dir(&repo.join("content"), &project.join("content"));
    copy_dir(&repo.join("layouts"), &project.join("layouts"));
    let content = project.join("content/crosstalk.yaml");
    const RUNS: usize = 7;
    // Live figures (watch, preview): cheap, so more runs.
    const LIVE_RUNS: usize = 20;

    build(project, &fonts, &[]);
    let full = median(
        (0..RUNS)
            .map(|_| build(project, &fonts, &["--force"]))
            .collect(),
    );
    let noop = median((0..RUNS).map(|_| build(project, &fonts, &[])).collect());
    let one = median(
        (0..RUNS)
            .map(|i| {
                edit_answer(&content, i + 1);
                build(project, &fonts, &[])
            })
            .collect(),
    );

    // Watch: the process stays up; time from the edit to its report.
    let mut child = Command::new(env!("CARGO_BIN_EXE_pamphlet"))
        .arg("watch")
        .arg("--project")
        .arg(project)
        .arg("--font-path")
        .arg(&fonts)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.starts_with("[watch]") {
                let _ = tx.send((Instant::now(), line));
            }
        }
    });
    let _ = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("first build");
    let mut outside = Vec::new();
    let mut reported = Vec::new();
    for i in 0..LIVE_RUNS {
        std::thread::sleep(Duration::from_millis(300));
        let t = Instant::now();
        edit_answer(&content, i + 2);
        let (done, line) = rx.recv_timeout(Duration::from_secs(60)).expect("rebuild");
        assert!(line.contains("written"), "{line}");
        outside.push(done - t);
        let ms: u64 = line
            .split(" in ")
            .nth(1)
            .and_then(|s| s.split(' ').next())
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        reported.push(Duration::from_millis(ms));
    }
    let _ = child.kill();
    let _ = child.wait();
    let (outside, reported) = (median(outside), median(reported));
    let preview = preview(project, &fonts, &content);

    println!(
        "Default project (crosstalk ×2 variants, 3 handouts, flyer ×2 variants), builds median of {RUNS}, watch and preview of {LIVE_RUNS}:\n"
    );
    println!("| run | time | vs full build |");
    println!("|---|---|---|");
    let rows = [
        ("full build (`build --force`, all 7 outputs)", full),
        ("no-op rebuild (nothing changed)", noop),
        ("one answer changed (3 of 7 outputs rebuilt)", one),
        (
            "watch: edit saved → rebuild done (outside the process)",
            outside,
        ),
        (
            "watch: first change seen → rebuild done (as reported; includes 40 ms of waiting for quiet)",
            reported,
        ),
        (
            "preview: edit saved → new state received by the page (server-sent event; pages rendered at 120 ppi)",
            preview,
        ),
    ];
    for (label, time) in rows {
        println!(
            "| {label} | {:.0} ms | {:.2}× |",
            ms(time),
            ms(time) / ms(full)
        );
    }
}
