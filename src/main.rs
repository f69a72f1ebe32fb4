//! The `pamphlet` binary: parses arguments, calls the library, renders
//! diagnostics and maps the outcome to an exit status (0 success, 1
//! problems found, 2 usage or I/O error).

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use pamphlet::cli::{BuildArgs, CheckArgs, Cli, Command, DiagnosticArgs, PreflightArgs};
use pamphlet::diag::{self, Diagnostics, Sources};
use pamphlet::{BuildReport, Error, JobReport, JobStatus, Progress, Session};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Build(args) => build(&args),
        Command::Check(args) => check(&args),
        Command::Preflight(args) => preflight(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            report_error(&e);
            ExitCode::from(2)
        }
    }
}

fn color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn report_error(e: &Error) {
    match e {
        Error::Project(pamphlet::ProjectError::Invalid(diags, text)) => {
            let mut sources = Sources::new();
            sources.insert(pamphlet::project::MANIFEST, text.clone());
            let diags = Diagnostics(diags.clone());
            emit(
                &diags,
                &sources,
                &DiagnosticArgs {
                    diagnostic_format: pamphlet::cli::FormatArg::Human,
                    deny_warnings: false,
                },
            );
        }
        other => eprintln!("error: {other}"),
    }
}

fn emit(diags: &Diagnostics, sources: &Sources, args: &DiagnosticArgs) {
    let format = args.diagnostic_format.into();
    // Machine formats go to stdout, people's to stderr.
    let result = match format {
        diag::DiagnosticFormat::Human | diag::DiagnosticFormat::Short => diag::render(
            &mut std::io::stderr().lock(),
            diags,
            sources,
            format,
            color(),
        ),
        _ => diag::render(&mut std::io::stdout().lock(), diags, sources, format, false),
    };
    let _ = result;
}

/// Prints one line per finished job.
struct Lines;

impl Progress for Lines {
    fn start(&mut self, _: usize) {}
    fn done(&mut self, r: &JobReport) {
        let shown = r.path.display();
        match &r.status {
            JobStatus::Built {
                pages,
                bytes,
                written,
            } => eprintln!(
                "{:>9} {shown} ({pages} {}, {}, {} ms)",
                if *written { "wrote" } else { "unchanged" },
                if *pages == 1 { "page" } else { "pages" },
                human_size(*bytes),
                r.duration.as_millis()
            ),
            JobStatus::Failed => eprintln!("{:>9} {shown} ({})", "FAILED", r.job.describe()),
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
    eprintln!(
        "{verb} {} of {} output(s), {} failed, {errors} error(s), {warnings} warning(s) in {:.2} s",
        report.built(),
        report.jobs.len(),
        report.failed(),
        report.duration.as_secs_f64()
    );
    if report.success() && !(args.deny_warnings && warnings > 0) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn build(args: &BuildArgs) -> Result<ExitCode, Error> {
    let session = Session::open(&args.project.project, &args.project.session_options())?;
    let request = args
        .select
        .request(args.out.clone(), true, args.diagnostics.deny_warnings);
    let report = session.build(&request, &mut Lines);
    Ok(finish(&report, &args.diagnostics, "built"))
}

fn check(args: &CheckArgs) -> Result<ExitCode, Error> {
    let session = Session::open(&args.project.project, &args.project.session_options())?;
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
