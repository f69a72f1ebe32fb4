//! Diagnostics as data, and one renderer for all of them.
//!
//! Every problem the pipeline finds — a YAML syntax error, a schema violation,
//! a Typst template error, a preflight finding — becomes a [`Diagnostic`]:
//! a severity, a message, an optional place in a file (path, byte range, line
//! and column), hints and a context (which publication and record). They are
//! collected, never bailed on at the first, and rendered at the edge in one of
//! the [`DiagnosticFormat`]s: a human report with the source snippet
//! underlined, one short line each, JSON lines, or GitHub workflow
//! annotations.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label};
use codespan_reporting::term::{self, termcolor};
use serde::Serialize;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The input cannot be built as it is.
    Error,
    /// The input builds, but something is likely wrong.
    Warning,
    /// Information, not a problem (what a change did, for a reviewer).
    Note,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        })
    }
}

/// A place in a text file: its path as shown to the user, a byte range, and
/// the 1-based line and column (in characters) where the range starts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Position {
    /// The file's path, relative to the project root where possible.
    pub path: PathBuf,
    /// 1-based line of the start of the range.
    pub line: usize,
    /// 1-based column, counted in Unicode characters, of the start.
    pub column: usize,
    /// Byte range in the file's text (after a UTF-8 BOM, if any).
    #[serde(skip)]
    pub range: Range<usize>,
    /// 1-based line where the range ends.
    pub end_line: usize,
    /// 1-based column where the range ends (exclusive).
    pub end_column: usize,
    /// For a place in a workbook, which has no lines: the sheet and cell
    /// (`sheet 名簿, cell C17`); `line` and `column` are then its row and
    /// column numbers.
    pub cell: Option<String>,
}

impl Position {
    /// Locates `range` in `text`, a file shown to the user as `path`.
    pub fn new(path: impl Into<PathBuf>, text: &str, range: Range<usize>) -> Self {
        let start = floor_char_boundary(text, range.start.min(text.len()));
        let end = floor_char_boundary(text, range.end.clamp(start, text.len()));
        let (line, column) = line_col(text, start);
        let (end_line, end_column) = line_col(text, end);
        Self {
            path: path.into(),
            line,
            column,
            range: start..end,
            end_line,
            end_column,
            cell: None,
        }
    }

    /// A cell of a workbook: `cell` names it (`sheet 名簿, cell C17`),
    /// `(row, column)` are 1-based, `range` orders it among the file's
    /// other places.
    pub fn cell(
        path: impl Into<PathBuf>,
        cell: String,
        (row, column): (usize, usize),
        range: Range<usize>,
    ) -> Self {
        Self {
            path: path.into(),
            line: row,
            column,
            range,
            end_line: row,
            end_column: column + 1,
            cell: Some(cell),
        }
    }

    /// The place within the file, for a sentence: `line 12` or
    /// `sheet 名簿, cell C17`.
    pub fn place(&self) -> String {
        match &self.cell {
            Some(cell) => cell.clone(),
            None => format!("line {}", self.line),
        }
    }

    /// A position that names a file but no place in it (for example a file
    /// that could not be read).
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            line: 1,
            column: 1,
            range: 0..0,
            end_line: 1,
            end_column: 1,
            cell: None,
        }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cell {
            Some(cell) => write!(f, "{}: {cell}", self.path.display()),
            None => write!(f, "{}:{}:{}", self.path.display(), self.line, self.column),
        }
    }
}

/// Computes the 1-based line and character column of `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// The byte offset of 1-based `line` and character `column` in `text`.
pub fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for _ in 1..line.max(1) {
        match text[offset..].find('\n') {
            Some(i) => offset += i + 1,
            None => return text.len(),
        }
    }
    let rest = &text[offset..];
    let line_end = rest.find('\n').unwrap_or(rest.len());
    offset
        + rest[..line_end]
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(line_end, |(i, _)| i)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// One problem found in the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, in one sentence.
    pub message: String,
    /// Where it is, when it is in a file.
    #[serde(flatten, serialize_with = "serialize_position")]
    pub position: Option<Position>,
    /// Suggestions to fix it.
    pub hints: Vec<String>,
    /// What was being built: publication, record, variant.
    pub context: Option<String>,
}

fn serialize_position<S: serde::Serializer>(
    position: &Option<Position>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = serializer.serialize_map(None)?;
    if let Some(p) = position {
        map.serialize_entry("file", &p.path)?;
        map.serialize_entry("line", &p.line)?;
        map.serialize_entry("column", &p.column)?;
        map.serialize_entry("end_line", &p.end_line)?;
        map.serialize_entry("end_column", &p.end_column)?;
        if let Some(cell) = &p.cell {
            map.serialize_entry("cell", cell)?;
        }
    }
    map.end()
}

impl Diagnostic {
    /// An error at `position`.
    pub fn error(position: Option<Position>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            message: message.into(),
            position,
            hints: Vec::new(),
            context: None,
        }
    }

    /// A warning at `position`.
    pub fn warning(position: Option<Position>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(position, message)
        }
    }

    /// A note at `position`: information for the reader, not a problem.
    pub fn note(position: Option<Position>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Note,
            ..Self::error(position, message)
        }
    }

    /// Adds a hint.
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    /// Sets what was being built when this was found, unless already set.
    #[must_use]
    pub fn with_context(mut self, context: impl Into<String>) -> Self {
        if self.context.is_none() {
            self.context = Some(context.into());
        }
        self
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    /// The short, one-line form: `path:line:col: error: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = &self.position {
            write!(f, "{p}: ")?;
        }
        write!(f, "{}: {}", self.severity, self.message)?;
        if let Some(context) = &self.context {
            write!(f, " [{context}]")?;
        }
        Ok(())
    }
}

/// A list of diagnostics with a few helpers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// No diagnostics.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    /// Adds many.
    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.0.extend(other);
    }

    /// Whether any is an error.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    /// Number of errors.
    pub fn errors(&self) -> usize {
        self.0.iter().filter(|d| d.is_error()).count()
    }

    /// Number of warnings.
    pub fn warnings(&self) -> usize {
        self.0
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count()
    }

    /// Whether there are none at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Iterates over them.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    /// Sorts by file, line, column, then message, and says each problem
    /// once: exact duplicates go, and one found in several outputs becomes
    /// one diagnostic whose context names them all. Output is stable
    /// whatever order work finished in.
    pub fn sort(&mut self) {
        fn key(d: &Diagnostic) -> Option<(&PathBuf, usize, usize)> {
            d.position
                .as_ref()
                .map(|p| (&p.path, p.range.start, p.range.end))
        }
        self.0.sort_by(|a, b| {
            key(a)
                .cmp(&key(b))
                .then_with(|| a.message.cmp(&b.message))
                .then_with(|| a.context.cmp(&b.context))
        });
        self.0.dedup();
        // One problem found in several outputs (both variants, every
        // record) is said once, naming them all.
        let mut merged: Vec<Diagnostic> = Vec::with_capacity(self.0.len());
        for d in std::mem::take(&mut self.0) {
            match merged.last_mut() {
                Some(last)
                    if (last.severity, &last.message, &last.position, &last.hints)
                        == (d.severity, &d.message, &d.position, &d.hints) =>
                {
                    last.context = join_contexts(last.context.take(), d.context);
                }
                _ => merged.push(d),
            }
        }
        self.0 = merged;
    }
}

/// Two contexts of one problem: `publication `p`, print variant` and
/// `publication `p`, screen variant` become `publication `p`, print
/// variant; screen variant`.
fn join_contexts(a: Option<String>, b: Option<String>) -> Option<String> {
    let (a, b) = match (a, b) {
        (Some(a), Some(b)) => (a, b),
        (a, b) => return a.or(b),
    };
    let first = a.split("; ").next().unwrap_or_default();
    // The common leading clauses (up to a ", ").
    let mut shared = 0;
    for (i, _) in b.match_indices(", ") {
        if first.len() > i && first[..i] == b[..i] {
            shared = i + 2;
        }
    }
    Some(format!("{a}; {}", &b[shared..]))
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl From<Vec<Diagnostic>> for Diagnostics {
    fn from(v: Vec<Diagnostic>) -> Self {
        Self(v)
    }
}

/// The texts of the files that diagnostics point into, for snippets.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: BTreeMap<PathBuf, Arc<str>>,
}

impl Sources {
    /// No sources.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the text of the file shown as `path`.
    pub fn insert(&mut self, path: impl Into<PathBuf>, text: Arc<str>) {
        self.files.insert(path.into(), text);
    }

    /// Adds all of `other`.
    pub fn merge(&mut self, other: Sources) {
        self.files.extend(other.files);
    }

    /// The text of the file shown as `path`.
    pub fn get(&self, path: &Path) -> Option<&Arc<str>> {
        self.files.get(path)
    }
}

/// The output format of diagnostics, as chosen with `--diagnostic-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DiagnosticFormat {
    /// A report with the source snippet and the span underlined.
    #[default]
    Human,
    /// One line each: `file:line:col: severity: message`.
    Short,
    /// One JSON object per line.
    Json,
    /// GitHub Actions workflow commands (`::error file=…,line=…,col=…::…`).
    Github,
}

/// Writes `diagnostics` to `out` in `format`; `color` only affects `Human`.
pub fn render(
    out: &mut dyn Write,
    diagnostics: &Diagnostics,
    sources: &Sources,
    format: DiagnosticFormat,
    color: bool,
) -> io::Result<()> {
    match format {
        DiagnosticFormat::Human => render_human(out, diagnostics, sources, color),
        DiagnosticFormat::Short => {
            for d in diagnostics.iter() {
                write!(out, "{d}")?;
                for hint in &d.hints {
                    write!(out, " (hint: {hint})")?;
                }
                writeln!(out)?;
            }
            Ok(())
        }
        DiagnosticFormat::Json => {
            for d in diagnostics.iter() {
                serde_json::to_writer(&mut *out, d)?;
                writeln!(out)?;
            }
            Ok(())
        }
        DiagnosticFormat::Github => {
            for d in diagnostics.iter() {
                writeln!(out, "{}", github_annotation(d))?;
            }
            Ok(())
        }
    }
}

/// Formats one diagnostic as a GitHub Actions workflow command.
pub fn github_annotation(d: &Diagnostic) -> String {
    let command = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    };
    let mut props = Vec::new();
    if let Some(p) = &d.position {
        props.push(format!(
            "file={}",
            escape_property(&p.path.to_string_lossy())
        ));
    }
    // A workbook has no lines: the cell goes into the message.
    if let Some(p) = d.position.as_ref().filter(|p| p.cell.is_none()) {
        props.push(format!("line={}", p.line));
        props.push(format!("col={}", p.column));
        if p.end_line == p.line && p.end_column > p.column {
            props.push(format!("endColumn={}", p.end_column));
        } else if p.end_line > p.line {
            props.push(format!("endLine={}", p.end_line));
        }
    }
    props.push("title=pamphlet".to_string());
    let mut message = match d.position.as_ref().and_then(|p| p.cell.as_ref()) {
        Some(cell) => format!("{cell}: {}", d.message),
        None => d.message.clone(),
    };
    if let Some(context) = &d.context {
        message.push_str(&format!(" [{context}]"));
    }
    for hint in &d.hints {
        message.push_str(&format!("\nhint: {hint}"));
    }
    format!("::{command} {}::{}", props.join(","), escape_data(&message))
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn render_human(
    out: &mut dyn Write,
    diagnostics: &Diagnostics,
    sources: &Sources,
    color: bool,
) -> io::Result<()> {
    let mut files = codespan_reporting::files::SimpleFiles::new();
    let mut ids = BTreeMap::new();
    let config = term::Config {
        tab_width: 2,
        ..Default::default()
    };
    let mut writer: Box<dyn termcolor::WriteColor> = if color {
        Box::new(termcolor::Ansi::new(&mut *out))
    } else {
        Box::new(termcolor::NoColor::new(&mut *out))
    };
    for d in diagnostics.iter() {
        let mut cs = match d.severity {
            Severity::Error => CsDiagnostic::error(),
            Severity::Warning => CsDiagnostic::warning(),
            Severity::Note => CsDiagnostic::note(),
        }
        .with_message(&d.message);
        let mut notes: Vec<String> = d.hints.iter().map(|h| format!("hint: {h}")).collect();
        if let Some(context) = &d.context {
            notes.insert(0, format!("while building {context}"));
        }
        if let Some(p) = &d.position {
            match sources.get(&p.path) {
                Some(text) => {
                    let id = *ids
                        .entry(p.path.clone())
                        .or_insert_with(|| files.add(p.path.display().to_string(), text.clone()));
                    cs = cs.with_labels(vec![Label::primary(id, p.range.clone())]);
                }
                // No text to show (an unreadable or binary file): name the
                // place in the header instead.
                None => cs.message = format!("{p}: {}", d.message),
            }
        }
        cs = cs.with_notes(notes);
        term::emit(&mut writer, &config, &files, &cs)
            .map_err(|e| io::Error::other(e.to_string()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_in_several_outputs_is_said_once_naming_them() {
        let at = Position::file("content/crosstalk.yaml");
        let d = |context: &str| {
            Diagnostic::error(Some(at.clone()), "overset text").with_context(context)
        };
        let mut all = Diagnostics(vec![
            d("publication `crosstalk`, print variant"),
            Diagnostic::warning(None, "other"),
            d("publication `crosstalk`, screen variant"),
            d("publication `crosstalk`, print variant"),
        ]);
        all.sort();
        assert_eq!(all.0.len(), 2, "{all:?}");
        let merged = all.iter().find(|d| d.is_error()).unwrap();
        assert_eq!(
            merged.context.as_deref(),
            Some("publication `crosstalk`, print variant; screen variant")
        );
    }

    #[test]
    fn line_col_counts_characters() {
        let text = "a: 1\nタイトル: 日本\n";
        let at = text.find("日本").unwrap();
        assert_eq!(line_col(text, at), (2, 7));
        assert_eq!(offset_of(text, 2, 7), at);
        assert_eq!(line_col(text, 0), (1, 1));
    }

    #[test]
    fn github_escapes() {
        let d = Diagnostic::error(Some(Position::new("a,b.yaml", "x\ny", 2..3)), "bad: 50%\nx");
        assert_eq!(
            github_annotation(&d),
            "::error file=a%2Cb.yaml,line=2,col=1,endColumn=2,title=pamphlet::bad: 50%25%0Ax"
        );
    }
}
