//! `pamphlet check`: validates all content and compiles every selected
//! output without writing anything.

use std::process::ExitCode;

use pamphlet::Error;

use super::args::CheckArgs;
use super::terminal;

/// Runs the command.
pub fn run(args: &CheckArgs) -> Result<ExitCode, Error> {
    let session = terminal::open(&args.project)?;
    let request = args
        .select
        .request(None, false, args.diagnostics.deny_warnings);
    let report = session.build(&request, &mut pamphlet::NoProgress);
    Ok(terminal::finish(&report, &args.diagnostics, "checked"))
}
