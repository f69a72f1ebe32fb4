//! `pamphlet fonts`: lists the fonts the project sees, or (`--coverage`)
//! the characters of the content that no font covers.

use std::io::Write;
use std::process::ExitCode;

use pamphlet::Error;
use pamphlet::diag::Diagnostics;

use super::args::FontsArgs;
use super::terminal;

/// Runs the command.
pub fn run(args: &FontsArgs) -> Result<ExitCode, Error> {
    let session = terminal::open(&args.project)?;
    if !args.coverage {
        return Ok(list(&session));
    }
    let prep = session.prepare(&[])?;
    // Each content file that loaded, once; if none did, say why.
    let contents: std::collections::BTreeMap<_, _> = prep
        .prepared
        .iter()
        .map(|p| (p.content.file.path.clone(), &p.content))
        .collect();
    let mut diags = if contents.is_empty() {
        prep.diagnostics.clone()
    } else {
        Diagnostics::new()
    };
    for content in contents.values() {
        diags.extend(pamphlet::coverage(content, session.fonts()));
    }
    terminal::emit(&diags, &prep.sources, &args.diagnostics);
    let files: Vec<String> = contents.keys().map(|f| f.display().to_string()).collect();
    if diags.is_empty() {
        say!(
            "every character of {} is in the project's fonts",
            files.join(", ")
        );
        Ok(ExitCode::SUCCESS)
    } else {
        say!("{} character(s) without a font", diags.errors());
        Ok(ExitCode::from(1))
    }
}

/// Prints the fonts: family, style, weight, characters, file.
fn list(session: &pamphlet::Session) -> ExitCode {
    let root = &session.project.root;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "{:<28} {:<8} {:>6} {:>7}  file",
        "family", "style", "weight", "chars"
    );
    for e in session.fonts().entries() {
        let v = e.info.variant;
        let file = e.path.strip_prefix(root).unwrap_or(&e.path);
        let glyphs = e.info.coverage.iter().count();
        let _ = writeln!(
            out,
            "{:<28} {:<8} {:>6} {:>7}  {}",
            e.info.family,
            format!("{:?}", v.style).to_lowercase(),
            v.weight.to_number(),
            glyphs,
            file.display()
        );
    }
    if session.fonts().entries().is_empty() {
        say!("no fonts found: put .ttf or .otf files in the project's fonts folder");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
