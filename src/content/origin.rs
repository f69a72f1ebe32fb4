//! Where nodes that did not come from the YAML text came from: a
//! spreadsheet's rows ([`super::sheet`]) live in an address space past the
//! content file's text, and an [`Origin`] maps their ranges back to a place
//! a spreadsheet user knows — a line and column of a CSV, or a sheet and
//! cell of a workbook.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use crate::diag::Position;

/// Where nodes made from a spreadsheet came from: maps the ranges of those
/// nodes back to a place in the spreadsheet.
#[derive(Debug, Clone, PartialEq)]
pub struct Origin {
    /// The file as shown to users.
    pub path: PathBuf,
    /// The first offset of this origin's address space.
    pub base: usize,
    /// How offsets map to places.
    pub places: Places,
}

/// How an [`Origin`]'s offsets map to places.
#[derive(Debug, Clone, PartialEq)]
pub enum Places {
    /// Delimited text: an offset is a byte of the decoded text.
    Text(Arc<str>),
    /// A workbook's sheet: an offset is `row * width + column`.
    Cells {
        /// The sheet's name.
        sheet: String,
        /// Columns per row in the address space.
        width: usize,
    },
}

impl Origin {
    /// The size of this origin's address space.
    pub fn len(&self, rows: usize) -> usize {
        match &self.places {
            Places::Text(t) => t.len() + 1,
            Places::Cells { width, .. } => rows.max(1) * width + 1,
        }
    }

    /// The offset of the cell at 0-based `row` and `col` (workbooks).
    pub(super) fn cell_offset(&self, row: usize, col: usize) -> Range<usize> {
        match &self.places {
            Places::Cells { width, .. } => {
                let at = self.base + row * width + col;
                at..at + 1
            }
            Places::Text(_) => self.base..self.base,
        }
    }

    /// The place of `range` (in this origin's address space).
    pub fn position(&self, range: Range<usize>) -> Position {
        let start = range.start.saturating_sub(self.base);
        let end = range.end.saturating_sub(self.base).max(start);
        match &self.places {
            Places::Text(text) => Position::new(&self.path, text, start..end),
            Places::Cells { sheet, width } => {
                let (row, col) = (start / width, start % width);
                Position::cell(
                    &self.path,
                    format!("sheet {sheet}, cell {}", cell_name(row, col)),
                    (row + 1, col + 1),
                    range,
                )
            }
        }
    }

    /// Maps byte `offset` of a cell's `value` (whose node covers `range`)
    /// to an offset in this origin's address space.
    pub fn offset_in(&self, range: &Range<usize>, value: &str, offset: usize) -> usize {
        match &self.places {
            Places::Text(text) => {
                let local = range.start - self.base..range.end - self.base;
                self.base + super::yaml::map_offset(text, &local, value, offset)
            }
            Places::Cells { .. } => range.start,
        }
    }
}

/// The A1 name of the cell at 0-based `row` and `col`: `C17`.
pub fn cell_name(row: usize, col: usize) -> String {
    let mut letters = Vec::new();
    let mut n = col + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8_lossy(&letters), row + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cells_as_spreadsheets_do() {
        assert_eq!(cell_name(0, 0), "A1");
        assert_eq!(cell_name(16, 2), "C17");
        assert_eq!(cell_name(0, 25), "Z1");
        assert_eq!(cell_name(0, 26), "AA1");
        assert_eq!(cell_name(9, 701), "ZZ10");
        assert_eq!(cell_name(0, 702), "AAA1");
    }
}
