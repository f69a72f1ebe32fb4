//! Laid-out pages rendered to PNG with `typst-render` (`pamphlet build
//! --png`), and a contact sheet with all pages of a document on one image —
//! for reviewing a change without opening PDFs. The browser preview
//! (`pamphlet preview`, [`crate::compile::preview`]) renders through
//! [`pngs`] too.

use std::path::{Path, PathBuf};

use tiny_skia as sk;
use typst_layout::PagedDocument;

/// The folder, inside the output folder, that holds the PNG files.
pub const DIR: &str = "png";

/// Pages per row on a contact sheet.
const SHEET_COLUMNS: usize = 4;

/// Rendering at `ppi`, trim size.
fn options(ppi: f64) -> typst_render::RenderOptions {
    typst_render::RenderOptions {
        pixel_per_pt: typst::utils::Scalar::new(ppi / 72.0),
        render_bleed: false,
    }
}

/// Renders every page at `ppi` (trim size, without marks).
pub fn pages(document: &PagedDocument, ppi: f64) -> Vec<sk::Pixmap> {
    let options = options(ppi);
    document
        .pages()
        .iter()
        .map(|p| typst_render::render(p, &options))
        .collect()
}

/// Renders every page at `ppi` and encodes it as PNG, pages in parallel:
/// `(width, height, bytes)` each.
pub fn pngs(document: &PagedDocument, ppi: f64) -> Vec<(u32, u32, Vec<u8>)> {
    use rayon::prelude::*;
    let options = options(ppi);
    document
        .pages()
        .par_iter()
        .map(|p| {
            let pixmap = typst_render::render(p, &options);
            let png = pixmap.encode_png().unwrap_or_default();
            (pixmap.width(), pixmap.height(), png)
        })
        .collect()
}

/// Lays `pages` out in rows of four on a grey background.
pub fn contact_sheet(pages: &[sk::Pixmap]) -> Option<sk::Pixmap> {
    let gap = 12u32;
    let w = pages.iter().map(sk::Pixmap::width).max()?;
    let h = pages.iter().map(sk::Pixmap::height).max()?;
    let cols = pages.len().min(SHEET_COLUMNS) as u32;
    let rows = pages.len().div_ceil(SHEET_COLUMNS) as u32;
    let mut sheet = sk::Pixmap::new(cols * w + (cols + 1) * gap, rows * h + (rows + 1) * gap)?;
    sheet.fill(sk::Color::from_rgba8(200, 200, 200, 255));
    for (i, page) in pages.iter().enumerate() {
        let (c, r) = ((i % SHEET_COLUMNS) as u32, (i / SHEET_COLUMNS) as u32);
        let x = (gap + c * (w + gap)) as i32;
        let y = (gap + r * (h + gap)) as i32;
        sheet.draw_pixmap(
            x,
            y,
            page.as_ref(),
            &sk::PixmapPaint::default(),
            sk::Transform::identity(),
            None,
        );
    }
    Some(sheet)
}

/// The PNG files of the output `output` (relative to the output folder):
/// `png/<output without .pdf>-<page>.png` and
/// `png/<output without .pdf>-sheet.png`.
pub fn paths(output: &Path, pages: usize) -> (Vec<PathBuf>, PathBuf) {
    let stem = output.with_extension("");
    let base = Path::new(DIR).join(stem);
    let name = |suffix: String| {
        let mut s = base.clone().into_os_string();
        s.push(suffix);
        PathBuf::from(s)
    };
    (
        (1..=pages).map(|n| name(format!("-{n}.png"))).collect(),
        name("-sheet.png".into()),
    )
}

/// Renders the pages of a document and its contact sheet as PNG files:
/// `(path relative to the output folder, bytes)`.
pub fn files(document: &PagedDocument, output: &Path, ppi: f64) -> Vec<(PathBuf, Vec<u8>)> {
    let pixmaps = pages(document, ppi);
    let (page_paths, sheet_path) = paths(output, pixmaps.len());
    let mut files: Vec<(PathBuf, Vec<u8>)> = page_paths
        .into_iter()
        .zip(&pixmaps)
        .filter_map(|(p, pm)| pm.encode_png().ok().map(|b| (p, b)))
        .collect();
    if let Some(sheet) = contact_sheet(&pixmaps).and_then(|s| s.encode_png().ok()) {
        files.push((sheet_path, sheet));
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_paths() {
        let (pages, sheet) = paths(Path::new("handouts/itoen.pdf"), 2);
        assert_eq!(
            pages,
            [
                PathBuf::from("png/handouts/itoen-1.png"),
                PathBuf::from("png/handouts/itoen-2.png")
            ]
        );
        assert_eq!(sheet, PathBuf::from("png/handouts/itoen-sheet.png"));
    }
}
