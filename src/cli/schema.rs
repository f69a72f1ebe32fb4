//! `pamphlet schema`: a layout's content schema as a JSON Schema, for the
//! editor (see [`pamphlet::content::schema::json`]).

use std::process::ExitCode;

use pamphlet::Error;
use pamphlet::content::schema::json::to_json_schema;

use super::args::SchemaArgs;
use super::terminal;

/// Runs the command.
pub fn run(args: &SchemaArgs) -> Result<ExitCode, Error> {
    let session = terminal::open(&args.project)?;
    let schema = session.schema(&args.publication)?;
    let json = to_json_schema(&schema, &args.publication);
    let text = serde_json::to_string_pretty(&json).map_err(|e| Error::Usage(e.to_string()))? + "\n";
    terminal::write_output(args.output.as_deref(), &text)?;
    Ok(ExitCode::SUCCESS)
}
