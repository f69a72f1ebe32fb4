//! Records from spreadsheets: a CSV/TSV export or an XLSX/ODS workbook read
//! into the same positioned tree as YAML, so that the schema checks them
//! exactly as it checks YAML, every problem at its cell.
//!
//! A spreadsheet has a header row naming the fields (`photo_focus.x` names
//! a field of an object field) and one record per row below it. Cells
//! become YAML-like [`Node`]s typed by the schema's field (a cell of an
//! integer field that reads `12` is the integer 12; a date cell of a string
//! field reads `2026-04-01`); empty cells are left-out values. The nodes'
//! ranges live past the content file's text, in an address space that an
//! [`Origin`] maps back to a place a spreadsheet user knows: a line and
//! column of the CSV (with its line shown), or a sheet and cell.
//!
//! Parsing is done by maintained crates: `csv` for delimited text,
//! `encoding_rs` for Shift_JIS (CP932) and UTF-16, `calamine` for
//! workbooks (formulas read as the values the spreadsheet last calculated).

mod delimited;
mod workbook;

pub use self::delimited::text_of;

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use super::origin::{Origin, Places, cell_name};
use super::schema::{Kind, Spec, did_you_mean};
use super::yaml::{Key, Node, Value};
use crate::diag::{Diagnostic, Position};

/// The text encoding of a CSV/TSV file (`encoding` in the manifest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum TextEncoding {
    /// UTF-8 if the bytes are UTF-8 (with or without a BOM), UTF-16 with a
    /// BOM, else Shift_JIS (CP932).
    #[default]
    Auto,
    /// UTF-8, with or without a BOM.
    Utf8,
    /// Shift_JIS as Windows writes it (CP932, Windows-31J).
    ShiftJis,
    /// UTF-16 with a BOM (Excel's "Unicode text").
    Utf16,
}

impl TextEncoding {
    /// The encoding named `name` in the manifest.
    pub fn from_name(name: &str) -> Option<TextEncoding> {
        match name.to_ascii_lowercase().replace('_', "-").as_str() {
            "auto" => Some(TextEncoding::Auto),
            "utf-8" | "utf8" => Some(TextEncoding::Utf8),
            "shift-jis" | "sjis" | "cp932" | "windows-31j" | "ms932" => {
                Some(TextEncoding::ShiftJis)
            }
            "utf-16" | "utf16" => Some(TextEncoding::Utf16),
            _ => None,
        }
    }

    /// The names the manifest accepts, for hints.
    pub const NAMES: &'static str = "\"auto\", \"utf-8\", \"shift_jis\" (CP932), \"utf-16\"";
}

/// The kinds of spreadsheet files records can come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SheetFormat {
    /// Delimited text (`.csv`, `.tsv`, `.txt`).
    Delimited {
        /// The field separator.
        delimiter: u8,
    },
    /// A workbook (`.xlsx`, `.xlsm`, `.xls`, `.ods`).
    Workbook,
}

impl SheetFormat {
    /// The format of a file by its extension: `.csv` is comma-separated,
    /// `.tsv` and `.txt` (InDesign's Data Merge export) tab-separated.
    pub fn from_path(path: &Path) -> Option<SheetFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(SheetFormat::Delimited { delimiter: b',' }),
            "tsv" | "tab" | "txt" => Some(SheetFormat::Delimited { delimiter: b'\t' }),
            "xlsx" | "xlsm" | "xls" | "xlsb" | "ods" => Some(SheetFormat::Workbook),
            _ => None,
        }
    }
}

/// A spreadsheet to read records from, with how to read it.
#[derive(Debug, Clone)]
pub struct SheetInput<'a> {
    /// The file as shown to users (relative to the project root).
    pub path: &'a Path,
    /// Its bytes.
    pub bytes: &'a [u8],
    /// How to read it.
    pub format: SheetFormat,
    /// For CSV/TSV: the encoding.
    pub encoding: TextEncoding,
    /// For a workbook: the sheet (the first when `None`).
    pub sheet: Option<&'a str>,
    /// Where the sheet is named in the manifest, for an unknown name.
    pub sheet_at: Option<&'a Position>,
    /// The dotted path of the content list the rows become (`members`).
    pub list: &'a str,
    /// Where the manifest names the spreadsheet.
    pub named_at: Option<&'a Position>,
}

/// A cell's value as the spreadsheet holds it.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Empty,
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// A date or time, written as `2026-04-01` or `2026-04-01 09:30`.
    Date(String),
    /// An error value (`#REF!`), usually from a formula.
    Error(String),
}

/// A row's cells with their ranges.
type Cells = Vec<(Cell, Range<usize>)>;

/// A sheet read into rows, before the schema types it.
struct Table {
    origin: Origin,
    /// Header names with their ranges.
    header: Vec<(String, Range<usize>)>,
    /// For workbooks: header cells covered by a merged cell, with its name.
    merged: Vec<(usize, String)>,
    /// Data rows (empty rows at the end dropped), each with its range
    /// (for row-level messages) and cells.
    rows: Vec<(Range<usize>, Cells)>,
    /// Problems found while reading (empty rows in the middle, rows with
    /// too many fields).
    diags: Vec<Diagnostic>,
}

/// Records read from a spreadsheet: the list node to put into the content
/// tree, where its places are, and what was wrong.
#[derive(Debug)]
pub struct Records {
    /// The list of records, one mapping per row.
    pub node: Node,
    /// How its ranges map back to the spreadsheet.
    pub origin: Arc<Origin>,
    /// Problems found in the spreadsheet that the schema does not see
    /// (header, empty rows, error cells). Fatal ones leave `node` empty.
    pub diags: Vec<Diagnostic>,
    /// Cells already reported (error values): the schema's complaint about
    /// the value left in their place is not repeated.
    pub reported: Vec<Position>,
    /// Required fields (dotted) that have no column: reported once at the
    /// header, not again as missing from every row.
    pub absent: Vec<String>,
}

/// Reads `input` as the records of the list whose items `item` describes;
/// its address space starts at `base`.
pub fn read(input: &SheetInput, item: &Spec, base: usize) -> Result<Records, Vec<Diagnostic>> {
    let table = match input.format {
        SheetFormat::Delimited { delimiter } => delimited::read(input, delimiter, base)?,
        SheetFormat::Workbook => workbook::read(input, base)?,
    };
    let Kind::Object { fields } = &item.kind else {
        return Err(vec![Diagnostic::error(
            Some(Position::file(input.path)),
            format!(
                "the items of `{}` are not mappings of fields, so they cannot come from a spreadsheet's rows",
                input.list
            ),
        )]);
    };
    Ok(build(table, fields, input.list))
}

/// The field a column names (`photo_focus.x`): its path and spec, or why
/// it names none.
fn column_field<'s>(
    name: &str,
    fields: &'s [(String, Spec)],
) -> Result<(Vec<String>, &'s Spec), String> {
    let mut spec_fields = fields;
    let mut path = Vec::new();
    let segments: Vec<&str> = name.split('.').collect();
    for (i, seg) in segments.iter().enumerate() {
        let Some((n, spec)) = spec_fields.iter().find(|(n, _)| n == seg) else {
            let known: Vec<String> = all_columns(spec_fields, &path.join("."));
            let hint = did_you_mean(name, known.iter().map(String::as_str))
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| format!("columns the schema knows: {}", known.join(", ")));
            return Err(hint);
        };
        path.push(n.clone());
        match &spec.kind {
            Kind::Object { fields } if i + 1 < segments.len() => spec_fields = fields,
            Kind::Object { .. } => {
                return Err(format!(
                    "`{name}` is a group of fields; name one column for each: {}",
                    all_columns(std::slice::from_ref(&(n.clone(), spec.clone())), "").join(", ")
                ));
            }
            Kind::List { .. } => {
                return Err(format!(
                    "`{name}` is a list, which a spreadsheet cell cannot hold; keep it in the YAML content"
                ));
            }
            _ if i + 1 < segments.len() => {
                return Err(format!("`{}` has no fields", path.join(".")));
            }
            _ => return Ok((path, spec)),
        }
    }
    Err("an empty column name".into())
}

/// The column names for `fields` (dotted for object fields), under `prefix`.
fn all_columns(fields: &[(String, Spec)], prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (name, spec) in fields {
        let full = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        match &spec.kind {
            Kind::Object { fields } => out.extend(all_columns(fields, &full)),
            Kind::List { .. } => {}
            _ => out.push(full),
        }
    }
    out
}

/// The required columns of `fields` (fields of optional objects are not).
fn required_columns(fields: &[(String, Spec)], prefix: &str, out: &mut Vec<String>) {
    for (name, spec) in fields {
        if spec.optional {
            continue;
        }
        let full = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        match &spec.kind {
            Kind::Object { fields } => required_columns(fields, &full, out),
            _ => out.push(full),
        }
    }
}

/// A column of the header: the field it fills (its path and spec), or
/// `None` for a column left out.
type Column<'s> = Option<(Vec<String>, &'s Spec)>;

/// Types `table`'s rows by the schema's `fields` into the records of
/// `list`: the header first (each column names a field once, every
/// required field has a column), then the rows. A column the header gets
/// wrong is reported and left out, and the rows are still read, so that
/// every problem of the sheet is found in one run.
fn build(mut table: Table, fields: &[(String, Spec)], list: &str) -> Records {
    let origin = Arc::new(table.origin.clone());
    let mut diags = std::mem::take(&mut table.diags);
    let columns = header_columns(&table, &origin, fields, list, &mut diags);
    let absent = missing_columns(&table, &origin, &columns, fields, list, &mut diags);
    let header_range = table
        .header
        .first()
        .map_or(origin.base..origin.base, |(_, r)| r.clone());
    let (items, reported) = rows(table, &origin, &columns, &mut diags);
    let node = Node {
        value: Value::Seq(items),
        range: header_range,
    };
    Records {
        node,
        origin,
        diags,
        reported,
        absent,
    }
}

/// The field each header cell names; a column without a name but with
/// values, a duplicate and an unknown column are reported (and left out).
fn header_columns<'s>(
    table: &Table,
    origin: &Origin,
    fields: &'s [(String, Spec)],
    list: &str,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Column<'s>> {
    let at = |range: &Range<usize>| Some(origin.position(range.clone()));
    let mut columns: Vec<Column<'s>> = Vec::with_capacity(table.header.len());
    for (i, (name, range)) in table.header.iter().enumerate() {
        if name.is_empty() {
            let has_data = table
                .rows
                .iter()
                .any(|(_, cells)| cells.get(i).is_some_and(|(c, _)| *c != Cell::Empty));
            if let Some((_, merged)) = table.merged.iter().find(|(c, _)| *c == i) {
                diags.push(
                    Diagnostic::error(
                        at(range),
                        format!("this header cell is part of the merged cell {merged}; every column needs its own header"),
                    )
                    .with_hint("unmerge the header cells and name each column after a field of the schema"),
                );
            } else if has_data {
                diags.push(
                    Diagnostic::error(at(range), "this column has values but no header name")
                        .with_hint("name the column in the header row after a field of the schema"),
                );
            }
            columns.push(None);
            continue;
        }
        if let Some((first, first_range)) = table.header[..i].iter().find(|(n, _)| n == name) {
            let first_place = origin.position(first_range.clone()).place();
            diags.push(
                Diagnostic::error(at(range), format!("duplicate column `{first}`"))
                    .with_hint(format!("the column is already named at {first_place}")),
            );
            columns.push(None);
            continue;
        }
        match column_field(name, fields) {
            Ok(field) => columns.push(Some(field)),
            Err(hint) => {
                diags.push(
                    Diagnostic::error(
                        at(range),
                        format!(
                            "unknown column `{name}`: the items of `{list}` have no such field"
                        ),
                    )
                    .with_hint(hint),
                );
                columns.push(None);
            }
        }
    }
    columns
}

/// Reports each required field without a column once, at the header
/// (unless a misspelt column was already reported for it); the fields
/// without a column, which the rows then lack.
fn missing_columns(
    table: &Table,
    origin: &Origin,
    columns: &[Column],
    fields: &[(String, Spec)],
    list: &str,
    diags: &mut Vec<Diagnostic>,
) -> Vec<String> {
    let mut required = Vec::new();
    required_columns(fields, "", &mut required);
    let present: Vec<String> = columns.iter().flatten().map(|(p, _)| p.join(".")).collect();
    let header_range = table
        .header
        .first()
        .map_or(origin.base..origin.base, |(_, r)| r.clone());
    let mut missing = Vec::new();
    for name in required.iter().filter(|r| !present.contains(r)) {
        missing.push(name.clone());
        // A misspelt column was reported as unknown, with this name.
        let suggested = table.header.iter().any(|(n, _)| {
            !present.contains(n) && did_you_mean(n, std::iter::once(name.as_str())).is_some()
        });
        if !suggested {
            diags.push(
                Diagnostic::error(
                    Some(origin.position(header_range.clone())),
                    format!("no column `{name}`: every item of `{list}` needs one"),
                )
                .with_hint(format!("add a column named `{name}` to the header row")),
            );
        }
    }
    missing
}

/// The rows as mappings of the fields their `columns` fill; error values
/// are reported, and their cells returned so that the schema does not
/// report them again as empty.
fn rows(
    table: Table,
    origin: &Origin,
    columns: &[Column],
    diags: &mut Vec<Diagnostic>,
) -> (Vec<Node>, Vec<Position>) {
    let mut reported = Vec::new();
    let mut items = Vec::with_capacity(table.rows.len());
    for (row_range, cells) in table.rows {
        let mut entries: Vec<(Key, Node)> = Vec::new();
        for (i, column) in columns.iter().enumerate() {
            let Some((path, spec)) = column else { continue };
            let (cell, range) = cells
                .get(i)
                .cloned()
                // A row cut short: where the cell would be, at its end.
                .unwrap_or((Cell::Empty, row_range.end..row_range.end));
            if let Cell::Error(e) = &cell {
                diags.push(
                    Diagnostic::error(Some(origin.position(range.clone())), format!("the cell holds the error value {e}"))
                        .with_hint("fix the formula or value in the spreadsheet (pamphlet reads the values it last calculated)"),
                );
                reported.push(origin.position(range.clone()));
            }
            let value = typed(cell, &spec.kind);
            // The field's key in this row is its cell: a problem with the
            // value (an empty required cell) is placed there, not at the
            // header.
            let key_range = range.clone();
            insert(
                &mut entries,
                path,
                &key_range,
                Node { value, range },
                &row_range,
            );
        }
        items.push(Node {
            value: Value::Map(entries),
            range: row_range,
        });
    }
    (items, reported)
}

/// Puts `node` at `path` in a row's entries, making the mappings of
/// object fields on the way.
fn insert(
    entries: &mut Vec<(Key, Node)>,
    path: &[String],
    key_range: &Range<usize>,
    node: Node,
    row: &Range<usize>,
) {
    let (first, rest) = path.split_first().expect("a column names a field");
    if rest.is_empty() {
        entries.push((
            Key {
                name: first.clone(),
                range: key_range.clone(),
            },
            node,
        ));
        return;
    }
    let i = match entries.iter().position(|(k, _)| &k.name == first) {
        Some(i) => i,
        None => {
            entries.push((
                Key {
                    name: first.clone(),
                    range: key_range.clone(),
                },
                Node {
                    value: Value::Map(Vec::new()),
                    range: row.clone(),
                },
            ));
            entries.len() - 1
        }
    };
    if let Value::Map(inner) = &mut entries[i].1.value {
        insert(inner, rest, key_range, node, row);
    }
}

/// A cell's value as the YAML value a field of `kind` would have: numbers
/// for numeric fields where the cell reads as one, text otherwise.
fn typed(cell: Cell, kind: &Kind) -> Value {
    let numeric = matches!(kind, Kind::Integer { .. } | Kind::Number { .. });
    match cell {
        Cell::Empty | Cell::Error(_) => Value::Null,
        Cell::Text(s) => {
            let t = s.trim();
            match kind {
                Kind::Integer { .. } | Kind::Number { .. } => {
                    if let Ok(i) = t.parse::<i64>() {
                        Value::Int(i)
                    } else if let Ok(f) = t
                        .parse::<f64>()
                        .map_err(|_| ())
                        .and_then(|f| if f.is_finite() { Ok(f) } else { Err(()) })
                    {
                        Value::Float(f)
                    } else {
                        Value::Str(s)
                    }
                }
                Kind::Boolean => match t.to_ascii_lowercase().as_str() {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    _ => Value::Str(s),
                },
                _ => Value::Str(s),
            }
        }
        Cell::Int(i) if numeric => Value::Int(i),
        Cell::Int(i) => Value::Str(i.to_string()),
        Cell::Float(f) if numeric && f.fract() == 0.0 && f.abs() < 9.0e15 => Value::Int(f as i64),
        Cell::Float(f) if numeric => Value::Float(f),
        Cell::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
            Value::Str(format!("{}", f as i64))
        }
        Cell::Float(f) => Value::Str(format!("{f}")),
        Cell::Bool(b) if matches!(kind, Kind::Boolean) => Value::Bool(b),
        Cell::Bool(b) => Value::Str(if b { "TRUE" } else { "FALSE" }.into()),
        Cell::Date(d) => Value::Str(d),
    }
}

/// Reports blank rows followed by a record (rows in the middle).
fn report_blanks(origin: &Origin, blank: &mut Vec<Range<usize>>, diags: &mut Vec<Diagnostic>) {
    for range in blank.drain(..) {
        diags.push(
            Diagnostic::error(Some(origin.position(range)), "empty row between records")
                .with_hint("delete the row: records are the rows under the header, without gaps (empty rows at the end are ignored)"),
        );
    }
}

/// The error values spreadsheets show, which a CSV export writes as text.
const ERROR_VALUES: &[&str] = &[
    "#REF!", "#N/A", "#VALUE!", "#DIV/0!", "#NAME?", "#NULL!", "#NUM!", "#SPILL!", "#CALC!",
];

/// A cell holding text: empty if only spaces, an error value if it reads
/// as one (CSV exports write `#REF!` as text).
fn text_cell(s: &str) -> Cell {
    let t = s.trim();
    if t.is_empty() {
        Cell::Empty
    } else if ERROR_VALUES.contains(&t) {
        Cell::Error(t.to_string())
    } else {
        Cell::Text(s.to_string())
    }
}
