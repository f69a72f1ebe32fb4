//! Everything the binary owns (the library, `src/lib.rs`, knows nothing of
//! it): the arguments, the terminal output, process set-up, and one file
//! per command body, as typst-cli and cargo do.

/// Prints a progress or summary line unless `--quiet`.
macro_rules! say {
    ($($t:tt)*) => { if $crate::cli::terminal::verbosity() > 0 { eprintln!($($t)*); } };
}

pub mod args;
pub mod process;
pub mod terminal;

pub mod build;
pub mod check;
pub mod completions;
pub mod diff;
pub mod fonts;
pub mod init;
pub mod inputs;
pub mod preflight;
pub mod preview;
pub mod schema;
pub mod watch;
