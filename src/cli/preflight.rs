//! `pamphlet preflight`: checks PDFs (ours or another tool's) as a print
//! shop would.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use pamphlet::Error;
use pamphlet::diag::{Diagnostics, Sources};
use pamphlet::print::preflight::{Expectations, check};

use super::args::{PreflightArgs, StandardArg};
use super::terminal;

/// Runs the command.
pub fn run(args: &PreflightArgs) -> Result<ExitCode, Error> {
    let trim = args
        .trim
        .as_deref()
        .map(pamphlet::units::parse_size)
        .transpose()
        .map_err(Error::Usage)?;
    let bleed = args
        .bleed
        .as_deref()
        .map(pamphlet::units::parse_length)
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
        standard: args.standard.map(StandardArg::pdfx),
        max_ink: (args.standard.is_some() || bleed.is_some()).then_some(args.max_ink),
        reported_images: Default::default(),
        images: Default::default(),
        vt: args.standard == Some(StandardArg::Vt1),
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
    terminal::emit(&all, &Sources::new(), &args.diagnostics);
    let failed = all.has_errors() || (args.diagnostics.deny_warnings && all.warnings() > 0);
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
