//! Workbooks (XLSX, XLS, ODS), read by `calamine`: the values the
//! spreadsheet last calculated, each cell placed by sheet and cell name.

use std::ops::Range;

use super::{Cell, Origin, Places, SheetInput, Table, cell_name, report_blanks, text_cell};
use crate::content::schema::did_you_mean;
use crate::diag::{Diagnostic, Position};

pub(super) fn read(input: &SheetInput, base: usize) -> Result<Table, Vec<Diagnostic>> {
    use calamine::{Data, Reader};
    let file_error =
        |message: String| vec![Diagnostic::error(Some(Position::file(input.path)), message)];
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(input.bytes))
        .map_err(|e| file_error(format!("cannot read the workbook: {e}")))?;
    let names = book.sheet_names();
    let sheet = match input.sheet {
        Some(name) if names.iter().any(|n| n == name) => name.to_string(),
        Some(name) => {
            let mut d = Diagnostic::error(
                input
                    .sheet_at
                    .cloned()
                    .or_else(|| Some(Position::file(input.path))),
                format!("{} has no sheet named `{name}`", input.path.display()),
            );
            d.hints
                .push(match did_you_mean(name, names.iter().map(String::as_str)) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("its sheets: {}", names.join(", ")),
                });
            return Err(vec![d]);
        }
        None => match names.first() {
            Some(n) => n.clone(),
            None => return Err(file_error("the workbook has no sheets".into())),
        },
    };
    let merged: Vec<calamine::Dimensions> = match &mut book {
        calamine::Sheets::Xlsx(x) => x.merge_cells_by_sheet_name(&sheet).unwrap_or_default(),
        calamine::Sheets::Xls(x) => x.merge_cells_by_sheet_name(&sheet).unwrap_or_default(),
        _ => Vec::new(),
    };
    let range = book
        .worksheet_range(&sheet)
        .map_err(|e| file_error(format!("cannot read sheet `{sheet}`: {e}")))?;
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let (row0, col0) = (row0 as usize, col0 as usize);
    let width = col0 + range.width() + 1;
    let origin = Origin {
        path: input.path.to_path_buf(),
        base,
        places: Places::Cells {
            sheet: sheet.clone(),
            width,
        },
    };
    let mut rows_iter = range.rows().enumerate();
    let Some((_, header_row)) = rows_iter.next() else {
        return Err(vec![
            Diagnostic::error(
                Some(origin.position(origin.cell_offset(0, 0))),
                format!("sheet `{sheet}` is empty"),
            )
            .with_hint("the first row names the fields, the rows below are the records"),
        ]);
    };
    let header: Vec<(String, Range<usize>)> = header_row
        .iter()
        .enumerate()
        .map(|(j, c)| {
            let name = match c {
                Data::String(s) => s.trim().to_string(),
                Data::Empty => String::new(),
                other => other.to_string(),
            };
            (name, origin.cell_offset(row0, col0 + j))
        })
        .collect();
    // Header cells covered by a merged cell that starts left of them.
    let merged_header: Vec<(usize, String)> = (0..header.len())
        .filter_map(|j| {
            let (r, c) = (row0 as u32, (col0 + j) as u32);
            merged
                .iter()
                .find(|m| {
                    m.start.0 <= r
                        && r <= m.end.0
                        && m.start.1 <= c
                        && c <= m.end.1
                        && (m.start.0, m.start.1) != (r, c)
                })
                .map(|m| {
                    let name = format!(
                        "{}:{}",
                        cell_name(m.start.0 as usize, m.start.1 as usize),
                        cell_name(m.end.0 as usize, m.end.1 as usize)
                    );
                    (j, name)
                })
        })
        .collect();
    let mut diags = Vec::new();
    let mut rows = Vec::new();
    let mut blank = Vec::new();
    for (i, row) in rows_iter {
        let r = row0 + i;
        let cells: super::Cells = row
            .iter()
            .enumerate()
            .map(|(j, c)| (cell(c), origin.cell_offset(r, col0 + j)))
            .collect();
        let row_range = origin.cell_offset(r, col0);
        if cells.iter().all(|(c, _)| *c == Cell::Empty) {
            blank.push(row_range);
            continue;
        }
        report_blanks(&origin, &mut blank, &mut diags);
        rows.push((row_range, cells));
    }
    Ok(Table {
        origin,
        header,
        merged: merged_header,
        rows,
        diags,
    })
}

/// A workbook cell as a [`Cell`].
fn cell(data: &calamine::Data) -> Cell {
    use calamine::Data;
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) if s.trim().is_empty() => Cell::Empty,
        Data::String(s) => text_cell(s),
        Data::Int(i) => Cell::Int(*i),
        Data::Float(f) => Cell::Float(*f),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(d) if d.is_duration() => {
            let secs = (d.as_f64() * 86_400.0).round() as i64;
            Cell::Date(format!(
                "{}:{:02}:{:02}",
                secs / 3600,
                secs / 60 % 60,
                secs % 60
            ))
        }
        Data::DateTime(d) => {
            let (y, mo, day, h, mi, s, _) = d.to_ymd_hms_milli();
            Cell::Date(match (d.as_f64().fract() == 0.0, s) {
                (true, _) => format!("{y:04}-{mo:02}-{day:02}"),
                (false, 0) => format!("{y:04}-{mo:02}-{day:02} {h:02}:{mi:02}"),
                (false, _) => format!("{y:04}-{mo:02}-{day:02} {h:02}:{mi:02}:{s:02}"),
            })
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Date(s.replace('T', " ")),
        Data::Error(e) => Cell::Error(e.to_string()),
    }
}
