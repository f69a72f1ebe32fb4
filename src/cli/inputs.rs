//! `pamphlet inputs`: writes the data a layout receives, as JSON, for the
//! typst CLI or an editor.

use std::process::ExitCode;

use pamphlet::Error;

use super::args::InputsArgs;
use super::terminal;

/// Runs the command.
pub fn run(args: &InputsArgs) -> Result<ExitCode, Error> {
    let session = terminal::open(&args.project)?;
    let prep = session.prepare(std::slice::from_ref(&args.publication))?;
    if prep.diagnostics.has_errors() || prep.prepared.is_empty() {
        return Err(Error::Problems {
            diagnostics: prep.diagnostics,
            sources: prep.sources,
        });
    }
    let json = pamphlet::compile::inputs_json(&prep.prepared[0], args.variant.into());
    let text = serde_json::to_string(&json).map_err(|e| Error::Usage(e.to_string()))? + "\n";
    terminal::write_output(args.output.as_deref(), &text)?;
    Ok(ExitCode::SUCCESS)
}
