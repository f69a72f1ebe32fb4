//! `pamphlet build`: builds the selected outputs into the output folder.

use std::process::ExitCode;

use pamphlet::Error;

use super::args::BuildArgs;
use super::terminal::{self, Report};

/// Runs the command.
pub fn run(args: &BuildArgs) -> Result<ExitCode, Error> {
    let session = terminal::open(&args.project)?;
    let mut request = args.select.request(
        args.output.out.clone(),
        true,
        args.diagnostics.deny_warnings,
    );
    request.force = args.force;
    request.png_ppi = args.output.png_ppi().map_err(Error::Usage)?;
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
            "timings: prepare (load and validate the content, checks) {:.0} ms; summed over {} jobs: typeset {:.0} ms, page checks and lint {:.0} ms, export {:.0} ms, boxes and preflight {:.0} ms, write {:.0} ms",
            ms(report.prepare),
            report.jobs.len(),
            ms(sum.typeset),
            ms(sum.lint),
            ms(sum.export),
            ms(sum.finish),
            ms(sum.write)
        );
    }
    Ok(terminal::finish(&report, &args.diagnostics, "built"))
}
