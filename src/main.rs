//! The `pamphlet` binary: parses arguments, calls the library, renders
//! diagnostics and maps the outcome to an exit status (0 success, 1
//! problems found, 2 usage or I/O error).

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use pamphlet::cli::{
    BuildArgs, CheckArgs, Cli, Command, DiagnosticArgs, InputsArgs, PreflightArgs, WatchArgs,
};
use pamphlet::diag::{self, Diagnostics, Sources};
use pamphlet::{BuildReport, Error, JobReport, JobStatus, Progress, Session};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc.h (the same in mimalloc 2 and 3).
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

/// Keeps freed memory in the process instead of handing it back to the
/// kernel 10 ms later (mimalloc's default). A batch frees and allocates
/// the same amounts for every document, and memory that went back had to
/// be faulted in and zeroed again: 1,000 handouts took 4 % less CPU
/// without it. Memory stays bounded by the build's cache eviction (peak
/// RSS 226 → 247 MiB for 1,000 handouts). `MIMALLOC_PURGE_DELAY` in the
/// environment still wins.
fn tune_allocator() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets one of mimalloc's option values, a plain store; the
        // option exists in every mimalloc version the crate builds.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
    }
}

/// How much to print: 0 quiet, 1 normal, 2 verbose.
static VERBOSITY: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(1);

fn verbosity() -> u8 {
    VERBOSITY.load(std::sync::atomic::Ordering::Relaxed)
}

/// Prints a progress or summary line unless `--quiet`.
macro_rules! say {
    ($($t:tt)*) => { if verbosity() > 0 { eprintln!($($t)*); } };
}

fn main() -> ExitCode {
    tune_allocator();
    let cli = Cli::parse();
    VERBOSITY.store(
        if cli.quiet {
            0
        } else if cli.verbose {
            2
        } else {
            1
        },
        std::sync::atomic::Ordering::Relaxed,
    );
    limit_memory(cli.memory_limit);
    let result = match cli.command {
        Command::Build(args) => build(&args),
        Command::Check(args) => check(&args),
        Command::Preflight(args) => preflight(&args),
        Command::Inputs(args) => inputs(&args),
        Command::Watch(args) => watch(&args),
        Command::Init(args) => init(&args),
        Command::Fonts(args) => fonts(&args),
        Command::Completions(args) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(args.shell, &mut cmd, "pamphlet", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Opens the project; a manifest with problems is reported like any other
/// input problem (exit status 1), other failures are returned (status 2).
fn open(
    project: &pamphlet::cli::ProjectArgs,
    diagnostics: &DiagnosticArgs,
) -> Result<Result<Session, ExitCode>, Error> {
    match Session::open(&project.project, &project.session_options()) {
        Ok(session) => Ok(Ok(session)),
        Err(Error::Project(pamphlet::ProjectError::Invalid(diags, text))) => {
            let mut sources = Sources::new();
            sources.insert(pamphlet::project::MANIFEST, text);
            let diags = Diagnostics(diags);
            emit(&diags, &sources, diagnostics);
            eprintln!(
                "{} error(s) in {}",
                diags.errors(),
                pamphlet::project::MANIFEST
            );
            Ok(Err(ExitCode::from(1)))
        }
        Err(e) => Err(e),
    }
}

fn emit(diags: &Diagnostics, sources: &Sources, args: &DiagnosticArgs) {
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
enum Report {
    Lines,
    Bar(indicatif::ProgressBar),
}

impl Report {
    fn new(expected_batch: bool) -> Self {
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
                        "          typeset {} ms, export {} ms, boxes and preflight {} ms, write {} ms",
                        p.typeset.as_millis(),
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

fn finish(report: &BuildReport, args: &DiagnosticArgs, verb: &str) -> ExitCode {
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

fn build(args: &BuildArgs) -> Result<ExitCode, Error> {
    let session = match open(&args.project, &args.diagnostics)? {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let mut request = args.select.request(
        args.output.out.clone(),
        true,
        args.diagnostics.deny_warnings,
    );
    request.force = args.force;
    request.preview_ppi = args.output.preview_ppi().map_err(Error::Usage)?;
    if args.trace.is_some() {
        typst_timing::enable();
    }
    let report = session.build(&request, &mut Report::new(true));
    if let Some(path) = &args.trace {
        let mut buf = Vec::new();
        typst_timing::export_json(&mut buf, |_| (String::new(), 0)).map_err(Error::Usage)?;
        std::fs::write(path, buf).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
    }
    if args.timings {
        let mut sum = pamphlet::compile::Phases::default();
        for j in &report.jobs {
            sum += j.phases;
        }
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
        eprintln!(
            "timings (summed over {} jobs): typeset {:.0} ms, export {:.0} ms, boxes and preflight {:.0} ms, write {:.0} ms",
            report.jobs.len(),
            ms(sum.typeset),
            ms(sum.export),
            ms(sum.finish),
            ms(sum.write)
        );
    }
    Ok(finish(&report, &args.diagnostics, "built"))
}

fn check(args: &CheckArgs) -> Result<ExitCode, Error> {
    let session = match open(&args.project, &args.diagnostics)? {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let request = args
        .select
        .request(None, false, args.diagnostics.deny_warnings);
    let report = session.build(&request, &mut pamphlet::NoProgress);
    Ok(finish(&report, &args.diagnostics, "checked"))
}

fn preflight(args: &PreflightArgs) -> Result<ExitCode, Error> {
    use pamphlet::print::preflight::{Expectations, check};
    let trim = args
        .trim
        .as_deref()
        .map(pamphlet::project::parse_size)
        .transpose()
        .map_err(Error::Usage)?;
    let bleed = args
        .bleed
        .as_deref()
        .map(pamphlet::project::parse_length)
        .transpose()
        .map_err(Error::Usage)?;
    let expect = Expectations {
        trim,
        bleed,
        print: bleed.is_some(),
        pages: pamphlet::project::PageRule {
            exact: args.pages,
            ..Default::default()
        },
    };
    let mut all = Diagnostics::new();
    let mut out = std::io::stdout().lock();
    for file in &args.files {
        let bytes = std::fs::read(file).map_err(|source| Error::Io {
            path: file.clone(),
            source,
        })?;
        let report = check(Path::new(file), &bytes, &expect);
        let _ = writeln!(out, "{}", file.display());
        for line in report.summary() {
            let _ = writeln!(out, "  {line}");
        }
        all.extend(report.diagnostics);
    }
    emit(&all, &Sources::new(), &args.diagnostics);
    let failed = all.has_errors() || (args.diagnostics.deny_warnings && all.warnings() > 0);
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn inputs(args: &InputsArgs) -> Result<ExitCode, Error> {
    let session = match open(&args.project, &args.diagnostics)? {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let prep = session.prepare(std::slice::from_ref(&args.publication))?;
    if prep.diagnostics.has_errors() || prep.prepared.is_empty() {
        emit(&prep.diagnostics, &prep.sources, &args.diagnostics);
        return Ok(ExitCode::from(1));
    }
    let json = pamphlet::compile::inputs_json(&prep.prepared[0], args.variant.into());
    let text = serde_json::to_string(&json).map_err(|e| Error::Usage(e.to_string()))? + "\n";
    match &args.output {
        Some(path) => {
            pamphlet::output::write_atomic(path, text.as_bytes()).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?
        }
        None => {
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn watch(args: &WatchArgs) -> Result<ExitCode, Error> {
    let mut request = args.select.request(
        args.output.out.clone(),
        true,
        args.diagnostics.deny_warnings,
    );
    request.preview_ppi = args.output.preview_ppi().map_err(Error::Usage)?;
    let root = args
        .project
        .project
        .canonicalize()
        .unwrap_or_else(|_| args.project.project.clone());
    say!("watching {} (Ctrl-C to stop)", root.display());
    pamphlet::watch::watch(
        &args.project.project,
        &args.project.session_options(),
        &request,
        &mut pamphlet::NoProgress,
        |round| {
            let r = &round.report;
            emit(&r.diagnostics, &r.sources, &args.diagnostics);
            // Editors write through temporary files: name the files that exist.
            let existing: Vec<&std::path::PathBuf> =
                round.changed.iter().filter(|p| p.exists()).collect();
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

/// Watches the process's resident memory and stops it, with a message,
/// when it exceeds `mib` — a runaway layout must not exhaust the machine.
/// (PDFs are written atomically; an interrupted write leaves only a
/// temporary file, removed by the next build.)
fn limit_memory(mib: u64) {
    let limit = mib.saturating_mul(1024 * 1024);
    // SAFETY: sysconf has no preconditions.
    let page = u64::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096);
    let _ = std::thread::Builder::new().name("memory watchdog".into()).stack_size(64 * 1024).spawn(move || {
        loop {
            std::thread::sleep(std::time::Duration::from_millis(50));
            let Ok(statm) = std::fs::read_to_string("/proc/self/statm") else { return };
            let resident: u64 = statm.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
            if resident * page > limit {
                eprintln!(
                    "error: pamphlet used more than {mib} MiB of memory and was stopped (a layout that allocates without end?); raise the limit with --memory-limit"
                );
                std::process::exit(2);
            }
        }
    });
}

fn init(args: &pamphlet::cli::InitArgs) -> Result<ExitCode, Error> {
    match pamphlet::init::init(&args.dir) {
        Ok(files) => {
            for f in &files {
                say!("  created {}", f.display());
            }
            say!(
                "A new project in {}. Next: cd {} && pamphlet build",
                args.dir.display(),
                args.dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => Err(Error::Usage(e.to_string())),
    }
}

fn fonts(args: &pamphlet::cli::FontsArgs) -> Result<ExitCode, Error> {
    let session = match open(&args.project, &args.diagnostics)? {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let root = &session.project.root;
    if !args.coverage {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "{:<28} {:<8} {:>6} {:>7}  file",
            "family", "style", "weight", "chars"
        );
        for e in session.fonts().entries() {
            let v = e.info.variant;
            let file = e.path.strip_prefix(root).unwrap_or(&e.path);
            let glyphs = e.info.coverage.iter().count();
            let _ = writeln!(
                out,
                "{:<28} {:<8} {:>6} {:>7}  {}",
                e.info.family,
                format!("{:?}", v.style).to_lowercase(),
                v.weight.to_number(),
                glyphs,
                file.display()
            );
        }
        if session.fonts().entries().is_empty() {
            say!("no fonts found: put .ttf or .otf files in the project's fonts folder");
            return Ok(ExitCode::from(1));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let prep = session.prepare(&[])?;
    // Each content file that loaded, once; if none did, say why.
    let contents: std::collections::BTreeMap<_, _> = prep
        .prepared
        .iter()
        .map(|p| (p.content.file.path.clone(), &p.content))
        .collect();
    let mut diags = if contents.is_empty() {
        prep.diagnostics.clone()
    } else {
        Diagnostics::new()
    };
    for content in contents.values() {
        diags.extend(pamphlet::coverage(content, session.fonts()));
    }
    emit(&diags, &prep.sources, &args.diagnostics);
    let files: Vec<String> = contents.keys().map(|f| f.display().to_string()).collect();
    if diags.is_empty() {
        say!(
            "every character of {} is in the project's fonts",
            files.join(", ")
        );
        Ok(ExitCode::SUCCESS)
    } else {
        say!("{} character(s) without a font", diags.errors());
        Ok(ExitCode::from(1))
    }
}
