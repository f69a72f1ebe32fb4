//! The `pamphlet` binary: parses arguments and hands each command to its
//! body in [`cli`], which calls the library and renders diagnostics; an
//! error that stops a command is shown by one reporter
//! ([`cli::terminal::report`]) with its exit status (0 success, 1 problems
//! in the input, 2 usage or I/O error: [`pamphlet::Error::exit_code`]).

mod cli;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::args::{Cli, Command};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    cli::process::tune_allocator();
    let args = Cli::parse();
    cli::terminal::set_verbosity(args.quiet, args.verbose);
    cli::process::limit_memory(args.memory_limit);
    let diagnostics = args.command.diagnostics();
    let result = match args.command {
        Command::Build(args) => cli::build::run(&args),
        Command::Check(args) => cli::check::run(&args),
        Command::Preflight(args) => cli::preflight::run(&args),
        Command::Inputs(args) => cli::inputs::run(&args),
        Command::Diff(args) => cli::diff::run(&args),
        Command::Schema(args) => cli::schema::run(&args),
        Command::Watch(args) => cli::watch::run(&args),
        Command::Preview(args) => cli::preview::run(&args),
        Command::Init(args) => cli::init::run(&args),
        Command::Fonts(args) => cli::fonts::run(&args),
        Command::Completions(args) => cli::completions::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => cli::terminal::report(e, &diagnostics),
    }
}
