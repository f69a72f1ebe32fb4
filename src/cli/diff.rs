//! `pamphlet diff`: what a change did to the outputs, against a git
//! revision or another copy of the project.

use std::path::Path;
use std::process::ExitCode;

use pamphlet::diff::{PageKind, Status};
use pamphlet::{DiffBase, DiffRequest, Error};

use super::args::DiffArgs;
use super::terminal::{self, Report};

/// Runs the command.
pub fn run(args: &DiffArgs) -> Result<ExitCode, Error> {
    if !(1.0..=600.0).contains(&args.ppi) {
        return Err(Error::Usage(format!(
            "--ppi {} is out of range (1 to 600)",
            args.ppi
        )));
    }
    let session = terminal::open(&args.project)?;
    let request = DiffRequest {
        base: base(args.base.as_deref()),
        publications: args.publications.clone(),
        records: args.records.clone(),
        out_dir: args.out.clone(),
        report_dir: args.output.clone(),
        summary: args.summary.clone(),
        ppi: args.ppi,
        jobs: args.jobs.unwrap_or(0),
    };
    let diff = session.diff(&request, &mut Report::new(true))?;
    // The head's warnings, then a note on each changed content line.
    let mut diagnostics = diff.build.diagnostics;
    diagnostics.extend(diff.report.diagnostics.iter().cloned());
    diagnostics.extend(pamphlet::diff::notices(&diff.report));
    let mut sources = diff.build.sources;
    sources.merge(diff.sources);
    terminal::emit(&diagnostics, &sources, &args.diagnostics);

    let report = &diff.report;
    say!("{} → {}", report.base, report.head);
    for o in report
        .outputs
        .iter()
        .filter(|o| o.status != Status::Unchanged)
    {
        let pages = o.pages_summary();
        say!(
            "{:>9} {}{}{}",
            o.status.to_string(),
            o.output,
            if pages.is_empty() {
                String::new()
            } else {
                format!(" ({pages})")
            },
            if o.causes.is_empty() {
                String::new()
            } else {
                let causes: Vec<String> = o
                    .causes
                    .iter()
                    .map(|c| format!("{} {}", c.kind, c.path))
                    .collect();
                format!(" [{}]", causes.join(", "))
            }
        );
        for f in &o.fields {
            say!(
                "          {} ({})",
                f.path,
                f.new_at.as_deref().or(f.old_at.as_deref()).unwrap_or("")
            );
        }
    }
    let reflowed: usize = report
        .outputs
        .iter()
        .map(|o| o.pages_of_kind(PageKind::Reflowed).len())
        .sum();
    say!(
        "{} changed, {} added, {} removed, {} unchanged output(s); {} field(s) changed, {reflowed} page(s) only reflowed",
        report.count(Status::Changed),
        report.count(Status::Added),
        report.count(Status::Removed),
        report.count(Status::Unchanged),
        report.outputs.iter().map(|o| o.fields.len()).sum::<usize>(),
    );
    for path in &diff.written {
        say!("    wrote {}", path.display());
    }
    if report.diagnostics.iter().any(|d| d.is_error()) {
        return Ok(ExitCode::from(1));
    }
    Ok(if args.exit_code && report.changed() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The base `--base` names: a folder when one exists at that path (relative
/// to the current folder), else a git revision.
fn base(arg: Option<&str>) -> DiffBase {
    match arg {
        None => DiffBase::Default,
        Some(s) if Path::new(s).is_dir() => DiffBase::Folder(s.into()),
        Some(s) => DiffBase::Revision(s.to_string()),
    }
}
