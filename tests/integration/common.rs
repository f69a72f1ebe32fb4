//! Helpers shared by the integration tests: the repository's project, one
//! shared build of it, PDF text extraction, and project copies to edit.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use pamphlet::world::Fonts;
use pamphlet::{BuildReport, BuildRequest, JobStatus, NoProgress, Session, SessionOptions};
use unicode_normalization::UnicodeNormalization;

/// The repository root (the default project).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The repository's fonts folder.
pub fn fonts() -> PathBuf {
    repo().join("fonts")
}

/// The repository's fonts, discovered once and shared by every session
/// the tests open (the fonts are parsed once, not once per test).
pub fn shared_fonts() -> Arc<Fonts> {
    static FONTS: OnceLock<Arc<Fonts>> = OnceLock::new();
    FONTS
        .get_or_init(|| Arc::new(Fonts::discover(&[fonts()], false)))
        .clone()
}

/// Session options with the repository's fonts, shared.
pub fn with_fonts() -> SessionOptions {
    SessionOptions {
        fonts: Some(shared_fonts()),
        ..Default::default()
    }
}

/// Opens the project in `dir` with the repository's fonts (shared; a
/// project's own `fonts/` is not read: see `build_incremental.rs` for that).
pub fn open(dir: &Path) -> Session {
    Session::open(dir, &with_fonts()).unwrap_or_else(|e| panic!("open {}: {e}", dir.display()))
}

/// The default project's session, shared by all tests of this binary (one
/// World: fonts parsed once, Typst's caches shared).
pub fn session() -> &'static Session {
    static SESSION: OnceLock<Session> = OnceLock::new();
    SESSION.get_or_init(|| Session::open(&repo(), &with_fonts()).expect("open the default project"))
}

/// One build of the default project into a temporary folder.
pub struct Built {
    /// The output folder.
    pub out: tempfile::TempDir,
    /// The report.
    pub report: BuildReport,
}

/// Builds the default project once per test binary.
pub fn default_build() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        let out = tempfile::tempdir().unwrap();
        let request = BuildRequest {
            out_dir: Some(out.path().to_path_buf()),
            write: true,
            ..Default::default()
        };
        let report = session().build(&request, &mut NoProgress);
        assert_success(&report);
        Built { out, report }
    })
}

/// Builds `session` into `out` with `request` tweaks.
pub fn build_into(
    session: &Session,
    out: &Path,
    tweak: impl FnOnce(&mut BuildRequest),
) -> BuildReport {
    let mut request = BuildRequest {
        out_dir: Some(out.to_path_buf()),
        write: true,
        ..Default::default()
    };
    tweak(&mut request);
    session.build(&request, &mut NoProgress)
}

/// Panics with every diagnostic unless the build succeeded.
#[track_caller]
pub fn assert_success(report: &BuildReport) {
    if !report.success() {
        let lines: Vec<String> = report
            .diagnostics
            .iter()
            .map(|d| format!("{d} {:?}", d.hints))
            .collect();
        panic!("build failed:\n{}", lines.join("\n"));
    }
    for j in &report.jobs {
        assert!(
            matches!(j.status, JobStatus::Built { .. } | JobStatus::Skipped),
            "{} did not build",
            j.job.describe()
        );
    }
}

/// The tools the tests read our output with, which the repository cannot
/// carry: the name a test asks for, how to see that it is there, and
/// where `.ci/run` gets it.
const TOOLS: &[(&str, &[&str], &str)] = &[
    ("pdftotext", &["pdftotext", "-v"], "Debian's poppler-utils"),
    ("pdftoppm", &["pdftoppm", "-v"], "Debian's poppler-utils"),
    ("pdfimages", &["pdfimages", "-v"], "Debian's poppler-utils"),
    ("pdffonts", &["pdffonts", "-v"], "Debian's poppler-utils"),
    ("pdfinfo", &["pdfinfo", "-v"], "Debian's poppler-utils"),
    ("qpdf", &["qpdf", "--version"], "Debian's qpdf"),
    ("mutool", &["mutool", "-v"], "Debian's mupdf-tools"),
    ("chromium", &["chromium", "--version"], "Debian's chromium"),
    (
        "chromedriver",
        &["chromedriver", "--version"],
        "Debian's chromium-driver",
    ),
    (
        "pdf-oxide",
        &["python3", "-c", "import pdf_oxide"],
        "PyPI's pdf-oxide",
    ),
    (
        "pikepdf",
        &["python3", "-c", "import pikepdf"],
        "PyPI's pikepdf",
    ),
    (
        "pdf.js",
        &[
            "node",
            "tests/pdfjs/node_modules/pdfjs-dist/legacy/build/pdf.mjs",
        ],
        "npm's pdfjs-dist, in tests/pdfjs",
    ),
];

/// Fails the test in one line when a tool it reads our output with is
/// missing, naming the tool and where `.ci/run` installs it from.
#[track_caller]
pub fn require(name: &str) {
    let (_, check, source) = TOOLS
        .iter()
        .find(|(n, ..)| *n == name)
        .unwrap_or_else(|| panic!("require({name:?}): add the tool to TOOLS in common.rs"));
    let found = Command::new(check[0])
        .args(&check[1..])
        .current_dir(repo())
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "this test needs `{name}` ({source}), which is not installed here: run .ci/run, which installs it"
    );
}

/// Runs a tool that `.ci/run` installs; a clear failure if it is missing.
#[track_caller]
pub fn tool(name: &str, args: &[&str]) -> String {
    if TOOLS.iter().any(|(n, ..)| *n == name) {
        require(name);
    }
    let out = Command::new(name)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{name}`: {e}"));
    assert!(
        out.status.success(),
        "{name} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("tool output is UTF-8")
}

/// The text of each page of a PDF, in content-stream order (`pdftotext -raw`).
pub fn pdf_pages(path: &Path) -> Vec<String> {
    let text = tool(
        "pdftotext",
        &["-raw", "-enc", "UTF-8", path.to_str().unwrap(), "-"],
    );
    let mut pages: Vec<String> = text.split('\u{c}').map(String::from).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    pages
}

/// Text normalised for comparison: NFKC, without any white space.
pub fn compact(s: &str) -> String {
    s.nfkc().filter(|c| !c.is_whitespace()).collect()
}

/// Checks that `needle` appears in `haystack` (both compacted), allowing it
/// to be split into at most `max_chunks` contiguous pieces in order (a
/// paragraph that continues on the next page or column). Returns a message
/// on failure.
pub fn find_in_chunks(haystack: &str, needle: &str, max_chunks: usize) -> Result<(), String> {
    let hay: Vec<char> = compact(haystack).chars().collect();
    let need: Vec<char> = compact(needle).chars().collect();
    let hay_s: String = hay.iter().collect();
    let mut pos_chars = 0; // search position in hay, in chars
    let mut i = 0;
    let mut chunks = 0;
    while i < need.len() {
        chunks += 1;
        if chunks > max_chunks {
            return Err(format!(
                "`{}` is split into more than {max_chunks} pieces",
                needle
            ));
        }
        // The longest prefix of need[i..] found at or after pos.
        let rest_hay: String = hay[pos_chars..].iter().collect();
        let mut best: Option<(usize, usize)> = None; // (len, at)
        let mut len = need.len() - i;
        while len > 0 {
            let piece: String = need[i..i + len].iter().collect();
            if let Some(at) = rest_hay.find(&piece) {
                best = Some((len, rest_hay[..at].chars().count()));
                break;
            }
            len = if len > 64 { len * 3 / 4 } else { len - 1 };
        }
        let Some((len, at)) = best else {
            return Err(format!(
                "`{}` not found (missing from `{}`)",
                needle,
                need[i..].iter().collect::<String>()
            ));
        };
        // A short piece in the middle would be a coincidence, not the text.
        if len < 6 && i + len < need.len() {
            return Err(format!(
                "`{}` not found contiguously (stuck at `{}`)",
                needle,
                need[i..].iter().take(20).collect::<String>()
            ));
        }
        i += len;
        pos_chars += at + len;
    }
    let _ = hay_s;
    Ok(())
}

/// Copies the default project (manifest, content, layouts; not fonts or
/// outputs) into `dir`.
pub fn copy_project(dir: &Path) {
    std::fs::copy(repo().join("pamphlet.toml"), dir.join("pamphlet.toml")).unwrap();
    copy_dir(&repo().join("content"), &dir.join("content"));
    copy_dir(&repo().join("layouts"), &dir.join("layouts"));
}

/// Copies a folder recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    pamphlet::output::copy_dir(from, to).unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
}

/// Replaces `from` with `to` in a file (exactly once).
pub fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert_eq!(
        text.matches(from).count(),
        1,
        "`{from}` must occur once in {}",
        path.display()
    );
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// A copy of the test project `tests/fixtures/projects/<name>` with the
/// repository's shared layout library, in a temporary folder.
pub fn fixture_project(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &repo().join("tests/fixtures/projects").join(name),
        dir.path(),
    );
    copy_dir(
        &repo().join("layouts/_lib"),
        &dir.path().join("layouts/_lib"),
    );
    dir
}

/// Runs the `pamphlet` binary with `args`, then `--project DIR --font-path
/// <the repository's fonts>`.
pub fn run_in(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pamphlet"))
        .args(args)
        .arg("--project")
        .arg(dir)
        .arg("--font-path")
        .arg(fonts())
        .output()
        .expect("run pamphlet")
}
