//! What the binary prints on the terminal: diagnostics (through the one
//! renderer, [`pamphlet::diag::render`]), a progress bar or one line per
//! job, and the summary of a build. People's output goes to standard
//! error, machine formats (JSON, GitHub annotations) to standard output.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU8, Ordering};

use pamphlet::diag::{self, Diagnostics, Sources};
use pamphlet::{BuildReport, Error, JobReport, JobStatus, Progress, Session};

use super::args::{DiagnosticArgs, ProjectArgs};

/// How much to print: 0 quiet, 1 normal, 2 verbose.
static VERBOSITY: AtomicU8 = AtomicU8::new(1);

/// Sets how much to print (`--quiet`, `--verbose`).
pub fn set_verbosity(quiet: bool, verbose: bool) {
    let level = if quiet {
        0
    } else if verbose {
        2
    } else {
        1
    };
    VERBOSITY.store(level, Ordering::Relaxed);
}

/// How much to print: 0 quiet, 1 normal, 2 verbose.
pub fn verbosity() -> u8 {
    VERBOSITY.load(Ordering::Relaxed)
}

/// Whether standard error takes colour.
fn color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Opens the project (a manifest with problems is an error like any
/// other; [`report`] shows its diagnostics).
pub fn open(project: &ProjectArgs) -> Result<Session, Error> {
    Session::open(&project.project, &project.session_options())
}

/// The one place an error that stopped a command is shown: problems in
/// the input as diagnostics in the chosen format (exit status 1), anything
/// else as one line (status 2).
pub fn report(error: Error, args: &DiagnosticArgs) -> ExitCode {
    let code = ExitCode::from(error.exit_code());
    match error {
        Error::Project(pamphlet::ProjectError::Invalid(diags, text)) => {
            let mut sources = Sources::new();
            sources.insert(pamphlet::project::MANIFEST, text);
            let diags = Diagnostics(diags);
            emit(&diags, &sources, args);
            eprintln!(
                "{} error(s) in {}",
                diags.errors(),
                pamphlet::project::MANIFEST
            );
        }
        Error::Problems {
            diagnostics,
            sources,
        } => emit(&diagnostics, &sources, args),
        other => eprintln!("error: {other}"),
    }
    code
}

/// Renders diagnostics in the chosen format.
pub fn emit(diags: &Diagnostics, sources: &Sources, args: &DiagnosticArgs) {
    let format = args.diagnostic_format.into();
    // Machine formats go to stdout, people's to stderr. A closed pipe is no
    // reason to fail the build: the result of writing is ignored.
    let _ = match format {
        diag::DiagnosticFormat::Human | diag::DiagnosticFormat::Short => diag::render(
            &mut std::io::stderr().lock(),
            diags,
            sources,
            format,
            color(),
        ),
        _ => diag::render(&mut std::io::stdout().lock(), diags, sources, format, false),
    };
}

/// One line describing a finished job.
fn job_line(r: &JobReport) -> String {
    let shown = r.path.display();
    match &r.status {
        JobStatus::Built {
            pages,
            bytes,
            written,
        } => format!(
            "{:>9} {shown} ({pages} {}, {}, {} ms)",
            if *written { "wrote" } else { "unchanged" },
            if *pages == 1 { "page" } else { "pages" },
            human_size(*bytes),
            r.duration.as_millis()
        ),
        JobStatus::Failed => format!("{:>9} {shown} ({})", "FAILED", r.job.describe()),
        JobStatus::Skipped => format!("{:>9} {shown} (nothing it depends on changed)", "skipped"),
    }
}

/// Progress on standard error: a bar on a terminal for batches, plain lines
/// otherwise (CI logs, pipes).
pub enum Report {
    /// One line per job.
    Lines,
    /// A progress bar.
    Bar(indicatif::ProgressBar),
}

impl Report {
    /// A bar if a batch is expected and standard error is a terminal.
    pub fn new(expected_batch: bool) -> Self {
        if expected_batch && verbosity() == 1 && std::io::stderr().is_terminal() {
            Report::Bar(indicatif::ProgressBar::hidden())
        } else {
            Report::Lines
        }
    }
}

impl Progress for Report {
    fn start(&mut self, total: usize) {
        if let Report::Bar(bar) = self {
            if total <= 4 {
                *self = Report::Lines;
                return;
            }
            *bar = indicatif::ProgressBar::new(total as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {per_sec} {msg}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
        }
    }
    fn done(&mut self, r: &JobReport) {
        match self {
            Report::Lines => {
                let show = match verbosity() {
                    0 => false,
                    1 => r.status != JobStatus::Skipped,
                    _ => true,
                };
                if show {
                    eprintln!("{}", job_line(r));
                }
                if verbosity() > 1 && r.status != JobStatus::Skipped {
                    let p = r.phases;
                    eprintln!(
                        "          typeset {} ms, lint {} ms, export {} ms, boxes and preflight {} ms, write {} ms",
                        p.typeset.as_millis(),
                        p.lint.as_millis(),
                        p.export.as_millis(),
                        p.finish.as_millis(),
                        p.write.as_millis()
                    );
                }
            }
            Report::Bar(bar) => {
                if r.status == JobStatus::Failed {
                    bar.println(job_line(r));
                }
                bar.set_message(
                    r.path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                );
                bar.inc(1);
            }
        }
    }
    fn finish(&mut self) {
        if let Report::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}

fn human_size(bytes: usize) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MiB", bytes as f64 / 1024.0 / 1024.0)
    } else {
        format!("{:.0} KiB", bytes as f64 / 1024.0)
    }
}

/// Prints a build's diagnostics and summary; its exit status.
pub fn finish(report: &BuildReport, args: &DiagnosticArgs, verb: &str) -> ExitCode {
    emit(&report.diagnostics, &report.sources, args);
    let warnings = report.diagnostics.warnings();
    let errors = report.diagnostics.errors();
    if verb == "checked" {
        say!(
            "checked {} of {} output(s), {} failed, {errors} error(s), {warnings} warning(s) in {:.2} s",
            report.built(),
            report.jobs.len(),
            report.failed(),
            report.duration.as_secs_f64()
        );
        return exit_code(report, args, warnings);
    }
    let written = report
        .jobs
        .iter()
        .filter(|j| matches!(j.status, JobStatus::Built { written: true, .. }))
        .count();
    say!(
        "{verb} {} of {} output(s): {written} written, {} unchanged, {} skipped, {} failed; {errors} error(s), {warnings} warning(s) in {:.2} s",
        report.built(),
        report.jobs.len(),
        report.built() - written,
        report.skipped(),
        report.failed(),
        report.duration.as_secs_f64()
    );
    exit_code(report, args, warnings)
}

fn exit_code(report: &BuildReport, args: &DiagnosticArgs, warnings: usize) -> ExitCode {
    if report.success() && !(args.deny_warnings && warnings > 0) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Writes `text` to `path` (atomically) or, without one, to standard output.
pub fn write_output(path: Option<&std::path::Path>, text: &str) -> Result<(), pamphlet::Error> {
    match path {
        Some(path) => pamphlet::output::write_atomic(path, text.as_bytes()).map_err(|source| {
            pamphlet::Error::Io {
                path: path.to_path_buf(),
                source,
            }
        }),
        None => {
            let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes());
            Ok(())
        }
    }
}
