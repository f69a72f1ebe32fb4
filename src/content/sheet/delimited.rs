//! Delimited text (CSV, TSV): decoded from UTF-8, UTF-16 or Shift_JIS
//! (CP932), split into fields by the `csv` crate, each field located in the
//! decoded text so that a problem points at its line and column.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use super::{
    Cell, Origin, Places, SheetFormat, SheetInput, Table, TextEncoding, report_blanks, text_cell,
};
use crate::diag::{Diagnostic, Position};

/// Decodes a CSV/TSV file's bytes as `encoding`; the text has no BOM.
fn decode(path: &Path, bytes: &[u8], encoding: TextEncoding) -> Result<Arc<str>, Box<Diagnostic>> {
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

/// The byte ranges of the fields of the record starting at `start` (inside
/// quotes for quoted fields), and where the record ends.
fn field_ranges(text: &str, start: usize, delimiter: u8) -> (Vec<Range<usize>>, usize) {
    let b = text.as_bytes();
    let stop = |c: u8| c == delimiter || c == b'\n' || c == b'\r';
    let mut ranges = Vec::new();
    let mut i = start;
    loop {
        if i < b.len() && b[i] == b'"' {
            let s = i + 1;
            i += 1;
            while i < b.len() {
                if b[i] == b'"' {
                    if b.get(i + 1) == Some(&b'"') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            ranges.push(s..i.min(b.len()));
            i = (i + 1).min(b.len());
            while i < b.len() && !stop(b[i]) {
                i += 1;
            }
        } else {
            let s = i;
            while i < b.len() && !stop(b[i]) {
                i += 1;
            }
            ranges.push(s..i);
        }
        if i < b.len() && b[i] == delimiter {
            i += 1;
            continue;
        }
        return (ranges, i);
    }
}

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
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut diags = Vec::new();
    let mut header: Option<Vec<(String, Range<usize>)>> = None;
    let mut rows = Vec::new();
    // Blank rows are held back until a record follows them: at the end of
    // the file they are ignored.
    let mut blank: Vec<Range<usize>> = Vec::new();
    let mut prev_end = 0;
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let at = e.position().map_or(prev_end, |p| p.byte() as usize);
                diags.push(Diagnostic::error(
                    Some(origin.position(base + at..base + at)),
                    format!(
                        "cannot read the file as {}: {e}",
                        if delimiter == b'\t' { "TSV" } else { "CSV" }
                    ),
                ));
                return Err(diags);
            }
        }
        let start = record.position().map_or(prev_end, |p| p.byte() as usize);
        // Lines the csv reader skipped (wholly blank) between two records:
        // what follows the previous record's line break.
        if header.is_some() && start > prev_end {
            let gap = &text[prev_end..start];
            let mut off = prev_end + if gap.starts_with("\r\n") { 2 } else { 1 };
            for line in text[off.min(start)..start].split_inclusive('\n') {
                blank.push(base + off..base + off);
                off += line.len();
            }
        }
        let (ranges, end) = field_ranges(&text, start, delimiter);
        prev_end = end;
        let cells: super::Cells = record
            .iter()
            .zip(ranges.iter().chain(std::iter::repeat(&(end..end))))
            .map(|(value, r)| {
                let range = base + r.start..base + r.end;
                let cell = text_cell(value);
                (cell, range)
            })
            .collect();
        let row_range = base + start..base + end;
        match &header {
            None => {
                header = Some(
                    record
                        .iter()
                        .zip(&ranges)
                        .map(|(name, r)| {
                            (
                                name.trim().trim_start_matches('\u{FEFF}').to_string(),
                                base + r.start..base + r.end,
                            )
                        })
                        .collect(),
                );
            }
            Some(h) => {
                if cells.iter().all(|(c, _)| *c == Cell::Empty) {
                    blank.push(row_range);
                    continue;
                }
                report_blanks(&origin, &mut blank, &mut diags);
                if cells.len() > h.len() && cells[h.len()..].iter().any(|(c, _)| *c != Cell::Empty)
                {
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
                        .with_hint(
                            "a value with the delimiter in it needs double quotes around it",
                        ),
                    );
                }
                rows.push((row_range, cells));
            }
        }
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

    #[test]
    fn finds_fields_inside_quotes() {
        let text = "a,\"b,\"\"c\"\"\",d\r\nx";
        let (r, end) = field_ranges(text, 0, b',');
        let fields: Vec<&str> = r.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(fields, ["a", "b,\"\"c\"\"", "d"]);
        assert_eq!(&text[end..], "\r\nx");
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
