//! `pamphlet completions`: shell completions, generated from the arguments.

use std::process::ExitCode;

use pamphlet::Error;

use super::args::{Cli, CompletionsArgs};

/// Runs the command.
pub fn run(args: &CompletionsArgs) -> Result<ExitCode, Error> {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    clap_complete::generate(args.shell, &mut cmd, "pamphlet", &mut std::io::stdout());
    Ok(ExitCode::SUCCESS)
}
