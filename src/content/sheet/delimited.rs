//! Delimited text (CSV, TSV) as Excel, LibreOffice and Google Sheets write
//! it: decoded from UTF-8 (with or without a BOM), UTF-16 with a BOM
//! (Excel's "Unicode text") or Shift_JIS (CP932, Excel's "CSV" in Japan);
//! split into records and fields by the `csv` crate's own parser
//! (`csv-core`), which takes CR LF, LF or a lone CR between records and
//! quoted fields holding delimiters, doubled quotes and line breaks. Each
//! field is placed by the bytes the parser read for it, so a problem points
//! at the physical line and column of its cell.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use super::{
    Cell, Origin, Places, SheetFormat, SheetInput, Table, TextEncoding, report_blanks, text_cell,
};
use crate::diag::{Diagnostic, Position};

/// Decodes a CSV/TSV file's bytes as `encoding` ([`decode_bytes`]), with
/// lone carriage returns (the line ends of old Mac exports) as line feeds:
/// the same length, so every offset stays, and lines are counted as an
/// editor shows them.
fn decode(path: &Path, bytes: &[u8], encoding: TextEncoding) -> Result<Arc<str>, Box<Diagnostic>> {
    let text = decode_bytes(path, bytes, encoding)?;
    let b = text.as_bytes();
    let lone = |i: usize| b[i] == b'\r' && b.get(i + 1) != Some(&b'\n');
    if !(0..b.len()).any(lone) {
        return Ok(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(if c == '\r' && chars.peek() != Some(&'\n') {
            '\n'
        } else {
            c
        });
    }
    Ok(Arc::from(out))
}

/// Decodes a CSV/TSV file's bytes as `encoding`; the text has no BOM.
fn decode_bytes(
    path: &Path,
    bytes: &[u8],
    encoding: TextEncoding,
) -> Result<Arc<str>, Box<Diagnostic>> {
    use encoding_rs::{SHIFT_JIS, UTF_8, UTF_16BE, UTF_16LE};
    let bom = encoding_rs::Encoding::for_bom(bytes);
    let (enc, skip) = match (encoding, bom) {
        (TextEncoding::Auto | TextEncoding::Utf16, Some((e, n))) if e != UTF_8 => (e, n),
        (TextEncoding::Utf16, _) => (UTF_16LE, 0),
        (TextEncoding::Auto | TextEncoding::Utf8, Some((_, n))) => (UTF_8, n),
        (TextEncoding::Auto, None) if std::str::from_utf8(bytes).is_ok() => (UTF_8, 0),
        (TextEncoding::Auto | TextEncoding::ShiftJis, _) => (SHIFT_JIS, 0),
        (TextEncoding::Utf8, None) => (UTF_8, 0),
    };
    let body = &bytes[skip..];
    if enc == UTF_8 {
        return crate::content::yaml::decode_text(path, body).map_err(|mut d| {
            d.hints = vec![format!(
                "if the file is Shift_JIS (Excel's \"CSV\" in Japan), set `encoding = \"shift_jis\"` under the publication's `records` (encodings: {})",
                TextEncoding::NAMES
            )];
            d
        });
    }
    let (text, had_errors) = enc.decode_without_bom_handling(body);
    if had_errors {
        let at = text.find('\u{FFFD}').unwrap_or(0);
        let name = if enc == UTF_16LE || enc == UTF_16BE {
            "UTF-16"
        } else {
            "Shift_JIS (CP932)"
        };
        let auto = if encoding == TextEncoding::Auto {
            " (it is not UTF-8 either)"
        } else {
            ""
        };
        return Err(Box::new(
            Diagnostic::error(
                Some(Position::new(path, &text, at..at + '\u{FFFD}'.len_utf8())),
                format!("the file is not valid {name}{auto}: a byte here stands for no character"),
            )
            .with_hint(format!(
                "save it as UTF-8 CSV, or set `encoding` under the publication's `records` ({})",
                TextEncoding::NAMES
            )),
        ));
    }
    Ok(Arc::from(text.into_owned()))
}

/// The text of a CSV/TSV file, for showing its lines in diagnostics
/// (`None` for a workbook or a file that does not decode).
pub fn text_of(
    path: &Path,
    bytes: &[u8],
    format: SheetFormat,
    encoding: TextEncoding,
) -> Option<Arc<str>> {
    match format {
        SheetFormat::Delimited { .. } => decode(path, bytes, encoding).ok(),
        SheetFormat::Workbook => None,
    }
}

/// One field as the parser read it: its value (line breaks inside it as
/// `\n`) and where it stands in the text (inside its quotes, if quoted).
#[derive(Debug, Clone, PartialEq)]
struct Field {
    value: String,
    range: Range<usize>,
}

/// One record: its fields, and the empty lines between it and the record
/// before (where each starts).
#[derive(Debug, Clone, PartialEq)]
struct Record {
    fields: Vec<Field>,
    blank_lines: Vec<usize>,
}

/// Splits `text` into records with the `csv` crate's own parser
/// (`csv-core`): a record ends at CR LF, LF or a lone CR; a quoted field
/// holds delimiters, doubled quotes and line breaks. Each field is placed
/// by the bytes the parser consumed for it; a problem is the byte offset
/// where the parser stopped and why.
fn records(text: &str, delimiter: u8) -> Vec<Record> {
    use csv_core::ReadFieldResult;
    let bytes = text.as_bytes();
    let mut reader = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
    let mut out = vec![0u8; 4096];
    let mut records = Vec::new();
    let mut fields: Vec<Field> = Vec::new();
    let mut blank = Vec::new();
    let mut pos = 0;
    // Where the last record's content ended (before its line break).
    let mut last_end: Option<usize> = None;
    loop {
        let start = pos;
        let mut value = Vec::new();
        let record_end = loop {
            let (result, read, written) = reader.read_field(&bytes[pos..], &mut out);
            pos += read;
            value.extend_from_slice(&out[..written]);
            match result {
                ReadFieldResult::InputEmpty | ReadFieldResult::OutputFull => continue,
                ReadFieldResult::Field { record_end } => break Some(record_end),
                ReadFieldResult::End => break None,
            }
        };
        let Some(record_end) = record_end else {
            return records;
        };
        // A record's first field starts after the line breaks the parser
        // skipped (the last record's, and empty lines).
        let mut first = start;
        if fields.is_empty() {
            while first < pos && matches!(bytes[first], b'\r' | b'\n') {
                first += 1;
            }
        }
        // Its end: before the delimiter or line break that ended it.
        let mut end = pos;
        if record_end {
            while end > first && matches!(bytes[end - 1], b'\r' | b'\n') {
                end -= 1;
            }
        } else if end > first && bytes[end - 1] == delimiter {
            end -= 1;
        }
        let range = if end > first + 1 && bytes[first] == b'"' && bytes[end - 1] == b'"' {
            first + 1..end - 1
        } else if end > first && bytes[first] == b'"' {
            // An unclosed quote runs to the end of the record.
            first + 1..end
        } else {
            first..end
        };
        let value = String::from_utf8_lossy(&value)
            .replace("\r\n", "\n")
            .replace('\r', "\n");
        if fields.is_empty() {
            blank = last_end.map_or_else(Vec::new, |e| blank_lines(&text[e..first], e));
        }
        fields.push(Field { value, range });
        if record_end {
            last_end = Some(end);
            records.push(Record {
                fields: std::mem::take(&mut fields),
                blank_lines: std::mem::take(&mut blank),
            });
        }
    }
}

/// The empty lines in `gap`, the text between two records (which starts
/// at `base`): where each starts. The first line break ends the record
/// before; each one after it ends an empty line.
fn blank_lines(gap: &str, base: usize) -> Vec<usize> {
    let b = gap.as_bytes();
    let mut breaks = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\r' if b.get(i + 1) == Some(&b'\n') => {
                i += 2;
                breaks.push(i);
            }
            b'\r' | b'\n' => {
                i += 1;
                breaks.push(i);
            }
            _ => i += 1,
        }
    }
    breaks.pop();
    breaks.into_iter().map(|at| base + at).collect()
}

/// Reads a CSV/TSV file into a [`Table`]: the first record is the header,
/// the records under it the rows. Empty lines and rows of only
/// delimiters are held back until a record follows them (they are errors
/// in the middle, ignored at the end).
pub(super) fn read(
    input: &SheetInput,
    delimiter: u8,
    base: usize,
) -> Result<Table, Vec<Diagnostic>> {
    let text = decode(input.path, input.bytes, input.encoding).map_err(|d| vec![*d])?;
    let origin = Origin {
        path: input.path.to_path_buf(),
        base,
        places: Places::Text(text.clone()),
    };
    let at = |r: &Range<usize>| base + r.start..base + r.end;
    let mut diags = Vec::new();
    let mut header: Option<Vec<(String, Range<usize>)>> = None;
    let mut rows = Vec::new();
    let mut blank: Vec<Range<usize>> = Vec::new();
    for record in records(&text, delimiter) {
        let Some(h) = &header else {
            header = Some(
                record
                    .fields
                    .iter()
                    .map(|f| {
                        let name = f.value.trim().trim_start_matches('\u{FEFF}');
                        (name.to_string(), at(&f.range))
                    })
                    .collect(),
            );
            continue;
        };
        blank.extend(record.blank_lines.iter().map(|&b| base + b..base + b));
        let cells: super::Cells = record
            .fields
            .iter()
            .map(|f| (text_cell(&f.value), at(&f.range)))
            .collect();
        let first = record.fields.first().map_or(0, |f| f.range.start);
        let last = record.fields.last().map_or(first, |f| f.range.end);
        let row_range = base + first..base + last;
        if cells.iter().all(|(c, _)| *c == Cell::Empty) {
            blank.push(row_range.start..row_range.start);
            continue;
        }
        report_blanks(&origin, &mut blank, &mut diags);
        if cells.len() > h.len() && cells[h.len()..].iter().any(|(c, _)| *c != Cell::Empty) {
            let extra = cells[h.len()].1.clone();
            diags.push(
                Diagnostic::error(
                    Some(origin.position(extra)),
                    format!(
                        "this row has {} fields, but the header names {}",
                        cells.len(),
                        h.len()
                    ),
                )
                .with_hint("a value with the delimiter in it needs double quotes around it"),
            );
        }
        rows.push((row_range, cells));
    }
    let Some(header) = header else {
        return Err(vec![
            Diagnostic::error(
                Some(origin.position(base..base)),
                "the file has no header row",
            )
            .with_hint("the first row names the fields, like `id,bureau,department`"),
        ]);
    };
    Ok(Table {
        origin,
        header,
        merged: Vec::new(),
        rows,
        diags,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each field's value and the text at its range.
    fn split(text: &str) -> Vec<Vec<(String, String)>> {
        records(text, b',')
            .into_iter()
            .map(|r| {
                r.fields
                    .into_iter()
                    .map(|f| (f.value, text[f.range].to_string()))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn splits_records_as_spreadsheets_write_them() {
        let f = |v: &str, at: &str| (v.to_string(), at.to_string());
        // CR LF, quotes with a delimiter, doubled quotes and a line break
        // inside, an empty last field, no line break at the end.
        let text = "a,\"b,\"\"c\"\"\",d\r\n\"x\ny\",\r\nz";
        assert_eq!(
            split(text),
            [
                vec![f("a", "a"), f("b,\"c\"", "b,\"\"c\"\""), f("d", "d")],
                vec![f("x\ny", "x\ny"), f("", "")],
                vec![f("z", "z")],
            ]
        );
        // The empty field at the end of the second record stands after its
        // comma, on its line.
        let r = records(text, b',');
        assert_eq!(
            r[1].fields[1].range,
            text.find(",\r\nz").unwrap() + 1..text.find(",\r\nz").unwrap() + 1
        );
        // A lone CR ends a record (old Mac exports), and a CR LF inside
        // quotes is one line break in the value.
        assert_eq!(
            split("a,b\rc,\"d\r\ne\"\r"),
            [
                vec![f("a", "a"), f("b", "b")],
                vec![f("c", "c"), f("d\ne", "d\r\ne")]
            ]
        );
    }

    #[test]
    fn finds_the_empty_lines_between_records() {
        let text = "h\r\na\r\n\r\n\r\nb\n\nc\n";
        let r = records(text, b',');
        assert_eq!(r.len(), 4);
        assert_eq!(r[1].blank_lines, Vec::<usize>::new());
        let lines: Vec<usize> = r[2]
            .blank_lines
            .iter()
            .map(|&at| crate::diag::line_col(text, at).0)
            .collect();
        assert_eq!(lines, [3, 4]);
        assert_eq!(r[3].blank_lines.len(), 1);
        assert_eq!(crate::diag::line_col(text, r[3].blank_lines[0]).0, 6);
    }

    #[test]
    fn decodes_shift_jis_and_says_where_it_is_broken() {
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("id,名前\na,横浜\n");
        let text = decode(Path::new("s.csv"), &sjis, TextEncoding::Auto).unwrap();
        assert_eq!(&*text, "id,名前\na,横浜\n");
        // A lead byte without its trail byte, on line 2.
        let mut bad = sjis.to_vec();
        bad.extend_from_slice(b"b,\x82\n");
        let d = decode(Path::new("s.csv"), &bad, TextEncoding::ShiftJis).unwrap_err();
        let p = d.position.unwrap();
        assert_eq!((p.line, p.column), (3, 3), "{}", d.message);
    }
}
