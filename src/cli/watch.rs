//! `pamphlet watch`: rebuild on every change, with the World and Typst's
//! caches kept warm between rebuilds.
//!
//! The project folder is watched recursively (the output folder, `target/`
//! and hidden files excepted). Changes are collected until the file system
//! is quiet for a moment, then:
//!
//! - a changed manifest or font reopens the project (new settings, new
//!   fonts);
//! - anything else only forgets cached file contents (parsed sources are
//!   reused where unchanged) and rebuilds incrementally: the outputs whose
//!   inputs did not change are skipped.
//!
//! A broken edit prints its diagnostics; the last good PDFs stay.
//!
//! [`Watching`], the loop itself, is shared with `pamphlet preview`.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use notify::{RecursiveMode, Watcher};

use std::process::ExitCode;

use pamphlet::{
    BuildReport, BuildRequest, Error, JobStatus, Progress, Session, SessionOptions, project,
};

use super::args::WatchArgs;
use super::terminal;

/// What happened in one round of watching.
#[derive(Debug)]
pub struct Round {
    /// The files whose changes started it (empty for the first build).
    pub changed: Vec<PathBuf>,
    /// The build.
    pub report: BuildReport,
    /// From the first change seen to the end of the build.
    pub latency: Duration,
}

/// How long the file system must be quiet before a rebuild starts.
const QUIET: Duration = Duration::from_millis(40);

fn ignored(path: &Path, root: &Path, out_dir: &Path) -> bool {
    let rel = path.strip_prefix(root).unwrap_or(path);
    path.starts_with(out_dir)
        || rel.starts_with("target")
        || rel
            .components()
            .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
}

/// What wakes the loop: a file changed, or someone (the preview's browser
/// choosing another record) asks for a new round.
#[derive(Debug, Clone)]
pub enum Wake {
    /// A file in the project changed.
    Path(PathBuf),
    /// Nothing changed on disk; go round anyway.
    Poke,
}

/// A change to act on.
pub struct Change {
    /// The files that changed (empty when only poked).
    pub changed: Vec<PathBuf>,
    /// When the first of them was seen.
    pub started: Instant,
    /// When the manifest could not be read again: its problems, as a
    /// report (the session is the last good one). `None`: the session is
    /// ready for a new round.
    pub broken: Option<BuildReport>,
}

/// A warm session following the project folder: the loop of `watch` and
/// `preview`.
pub struct Watching {
    /// The open project, reopened when its manifest or fonts change.
    pub session: Session,
    dir: PathBuf,
    options: SessionOptions,
    root: PathBuf,
    ignore: PathBuf,
    font_dirs: Vec<PathBuf>,
    tx: mpsc::Sender<Wake>,
    rx: mpsc::Receiver<Wake>,
    _watcher: notify::RecommendedWatcher,
}

impl Watching {
    /// Opens the project in `dir` and starts watching it; changes under
    /// the project's `out/` are not changes (see [`Watching::ignore`]).
    pub fn start(dir: &Path, options: &SessionOptions) -> Result<Watching, Error> {
        let session = Session::open(dir, options)?;
        let root = session.project.root.clone();
        let (tx, rx) = mpsc::channel::<Wake>();
        let events = tx.clone();
        let mut watcher =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                if let Ok(event) = event
                    && !matches!(event.kind, notify::EventKind::Access(_))
                {
                    for path in event.paths {
                        let _ = events.send(Wake::Path(path));
                    }
                }
            })
            .map_err(|e| Error::Io {
                path: root.clone(),
                source: std::io::Error::other(e),
            })?;
        watcher
            .watch(&root, RecursiveMode::Recursive)
            .map_err(|e| Error::Io {
                path: root.clone(),
                source: std::io::Error::other(e),
            })?;
        let font_dirs = session
            .project
            .font_dirs
            .iter()
            .map(|d| d.under(&root))
            .collect();
        Ok(Watching {
            session,
            dir: dir.to_path_buf(),
            options: options.clone(),
            ignore: root.join("out"),
            root,
            font_dirs,
            tx,
            rx,
            _watcher: watcher,
        })
    }

    /// Changes under `dir` (the output folder) are not changes.
    pub fn ignore(&mut self, dir: PathBuf) {
        self.ignore = dir;
    }

    /// The project folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A sender that wakes the loop.
    pub fn waker(&self) -> mpsc::Sender<Wake> {
        self.tx.clone()
    }

    /// Waits for a change (then for quiet), and makes the session ready for
    /// it: a changed manifest or font reopens the project, anything else
    /// only forgets cached file contents. `None` when nothing can wake the
    /// loop any more.
    pub fn next(&mut self) -> Option<Change> {
        loop {
            let first = self.rx.recv().ok()?;
            let started = Instant::now();
            let mut wakes = vec![first];
            while let Ok(w) = self.rx.recv_timeout(QUIET) {
                wakes.push(w);
            }
            let poked = wakes.iter().any(|w| matches!(w, Wake::Poke));
            let mut changed: Vec<PathBuf> = wakes
                .into_iter()
                .filter_map(|w| match w {
                    Wake::Path(p) => Some(p),
                    Wake::Poke => None,
                })
                .filter(|p| !ignored(p, &self.root, &self.ignore))
                .collect();
            changed.sort();
            changed.dedup();
            if changed.is_empty() && !poked {
                continue;
            }
            let reopen = changed.iter().any(|p| {
                p.file_name().is_some_and(|n| n == project::MANIFEST)
                    || self.font_dirs.iter().any(|d| p.starts_with(d))
            });
            if reopen {
                match Session::open(&self.dir, &self.options) {
                    Ok(s) => self.session = s,
                    Err(e) => {
                        let mut report = BuildReport::default();
                        match e {
                            Error::Project(pamphlet::ProjectError::Invalid(diags, text)) => {
                                report.sources.insert(project::MANIFEST, text);
                                report.diagnostics.extend(diags);
                            }
                            other => report
                                .diagnostics
                                .push(pamphlet::diag::Diagnostic::error(None, other.to_string())),
                        }
                        return Some(Change {
                            changed,
                            started,
                            broken: Some(report),
                        });
                    }
                }
            } else if !changed.is_empty() {
                match std::sync::Arc::get_mut(&mut self.session.world) {
                    Some(world) => world.reset(),
                    // A compilation that timed out still holds the world:
                    // start afresh (Typst's caches stay warm).
                    None => match Session::open(&self.dir, &self.options) {
                        Ok(s) => self.session = s,
                        Err(_) => continue,
                    },
                }
            }
            return Some(Change {
                changed,
                started,
                broken: None,
            });
        }
    }
}

/// Builds, then rebuilds on every change until `on_round` returns `false`.
/// Errors opening the project at the start are returned; later ones are
/// reported through the round's diagnostics and watching goes on.
pub fn watch(
    dir: &Path,
    options: &SessionOptions,
    request: &BuildRequest,
    progress: &mut dyn Progress,
    mut on_round: impl FnMut(&Round) -> bool,
) -> Result<(), Error> {
    let mut watching = Watching::start(dir, options)?;
    let out_dir = request
        .out_dir
        .clone()
        .unwrap_or_else(|| watching.root().join("out"));
    let out_dir = std::fs::create_dir_all(&out_dir)
        .and_then(|_| out_dir.canonicalize())
        .unwrap_or(out_dir);
    let request = BuildRequest {
        out_dir: Some(out_dir.clone()),
        write: true,
        ..request.clone()
    };
    watching.ignore(out_dir);
    let start = Instant::now();
    let report = watching.session.build(&request, progress);
    if !on_round(&Round {
        changed: Vec::new(),
        report,
        latency: start.elapsed(),
    }) {
        return Ok(());
    }
    while let Some(change) = watching.next() {
        let report = change
            .broken
            .unwrap_or_else(|| watching.session.build(&request, progress));
        let round = Round {
            changed: change.changed,
            report,
            latency: change.started.elapsed(),
        };
        if !on_round(&round) {
            return Ok(());
        }
    }
    Ok(())
}

/// Runs the command: builds, then prints one line per rebuild with what
/// changed and what was written.
pub fn run(args: &WatchArgs) -> Result<ExitCode, Error> {
    let mut request = args.select.request(
        args.output.out.clone(),
        true,
        args.diagnostics.deny_warnings,
    );
    request.png_ppi = args.output.png_ppi().map_err(Error::Usage)?;
    let root = args
        .project
        .project
        .canonicalize()
        .unwrap_or_else(|_| args.project.project.clone());
    say!("watching {} (Ctrl-C to stop)", root.display());
    watch(
        &args.project.project,
        &args.project.session_options(),
        &request,
        &mut pamphlet::NoProgress,
        |round| {
            let r = &round.report;
            terminal::emit(&r.diagnostics, &r.sources, &args.diagnostics);
            // Editors write through temporary files: name the files that exist.
            let existing: Vec<&PathBuf> = round.changed.iter().filter(|p| p.exists()).collect();
            let shown = if existing.is_empty() {
                round.changed.iter().collect()
            } else {
                existing
            };
            let names: Vec<String> = shown
                .iter()
                .map(|p| p.strip_prefix(&root).unwrap_or(p).display().to_string())
                .collect();
            let cause = if names.is_empty() {
                "built".to_string()
            } else {
                format!("{} changed; rebuilt", names.join(", "))
            };
            let written: Vec<String> = r
                .jobs
                .iter()
                .filter(|j| matches!(j.status, JobStatus::Built { written: true, .. }))
                .map(|j| j.job.output.display().to_string())
                .collect();
            eprintln!(
                "[watch] {cause} in {} ms: {} written{}, {} skipped, {} failed{}",
                round.latency.as_millis(),
                written.len(),
                if written.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", written.join(", "))
                },
                r.skipped(),
                r.failed(),
                if r.diagnostics.has_errors() {
                    " — last good PDFs kept"
                } else {
                    ""
                },
            );
            true
        },
    )?;
    Ok(ExitCode::SUCCESS)
}
