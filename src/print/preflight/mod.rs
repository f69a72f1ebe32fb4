//! Preflight: the checks a print shop runs on submitted PDFs (入稿データ),
//! run on our own output after every build and on any PDF with
//! `pamphlet preflight`.
//!
//! - every font embedded and subset;
//! - no encryption;
//! - page boxes present and consistent (MediaBox ⊇ BleedBox ⊇ TrimBox), the
//!   trim as declared and the bleed as declared, to 0.01 mm;
//! - page count as the layout declares;
//! - raster images' effective resolution at their placed size (the
//!   manifest's `[images]` limits; by default a warning under 300 ppi, an
//!   error under 150), unless the content check already reported the image;
//! - RGB colour in a print PDF.

mod content;
mod frames;
pub mod ink;
mod pdf;
mod pdfx;
mod vt;

use std::collections::BTreeMap;
use std::path::Path;

use lopdf::Document;

pub use self::frames::findings;
pub use self::pdf::page_boxes;
use crate::diag::{Diagnostic, Position};
use crate::project::{ImageSettings, PageRule, PdfX};
use crate::units::mm;

/// What a PDF is expected to be.
#[derive(Debug, Clone, Default)]
pub struct Expectations {
    /// Trim size (width, height) in points, when known.
    pub trim: Option<(f64, f64)>,
    /// Bleed in points, when the PDF is for print.
    pub bleed: Option<f64>,
    /// Whether this is a print PDF (CMYK only, boxes required).
    pub print: bool,
    /// The page count rule.
    pub pages: PageRule,
    /// The PDF/X part the PDF must conform to, if any.
    pub standard: Option<PdfX>,
    /// Run the print shop's checks (ink coverage, rich black text,
    /// hairlines) with this limit of total ink, in percent.
    pub max_ink: Option<f64>,
    /// Images whose resolution was already reported where it is most
    /// useful (the content check, at the line naming the file), by size in
    /// pixels, with whether as an error: preflight reports such an image
    /// again only when it finds it worse (placed smaller than its frame).
    pub reported_images: BTreeMap<(i64, i64), bool>,
    /// The manifest's `[images]`: a placed image under `min_ppi` is an
    /// error, under `warn_ppi` a warning.
    pub images: ImageSettings,
    /// The PDF must also be PDF/VT-1 (a PDF/X-4 file whose records are
    /// marked): its document part tree and XMP keys are checked.
    pub vt: bool,
}

/// One embedded (or not) font.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FontReport {
    /// The PDF font name (`ABCDEF+BIZUDPGothic`).
    pub name: String,
    /// Font type (`Type0`, `TrueType`, `Type3`, …).
    pub subtype: String,
    /// Whether the font program is in the file.
    pub embedded: bool,
    /// Whether it is a subset (name has a six-letter tag).
    pub subset: bool,
}

/// Page boxes of one page, in points: `[x0, y0, x1, y1]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageBoxes {
    /// The MediaBox.
    pub media: [f32; 4],
    /// The BleedBox, if any.
    pub bleed: Option<[f32; 4]>,
    /// The TrimBox, if any.
    pub trim: Option<[f32; 4]>,
}

/// A raster image as placed on a page.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageReport {
    /// 1-based page.
    pub page: usize,
    /// Pixels.
    pub pixels: (i64, i64),
    /// Effective resolution at the placed size (lower of both axes).
    pub ppi: f64,
}

/// Everything preflight found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Number of pages.
    pub pages: usize,
    /// Fonts.
    pub fonts: Vec<FontReport>,
    /// Page boxes, per page.
    pub boxes: Vec<PageBoxes>,
    /// Images, per placement.
    pub images: Vec<ImageReport>,
    /// Pages (1-based) that use RGB colour.
    pub rgb_pages: Vec<usize>,
    /// Whether the file is encrypted.
    pub encrypted: bool,
    /// Problems.
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    /// A short human summary, one line per check.
    pub fn summary(&self) -> Vec<String> {
        let mut lines = Vec::new();
        lines.push(format!("pages: {}", self.pages));
        let embedded = self.fonts.iter().filter(|f| f.embedded).count();
        let subset = self.fonts.iter().filter(|f| f.subset).count();
        lines.push(format!(
            "fonts: {} ({} embedded, {} subset)",
            self.fonts.len(),
            embedded,
            subset
        ));
        for f in &self.fonts {
            lines.push(format!(
                "  {} [{}]{}{}",
                f.name,
                f.subtype,
                if f.embedded {
                    " embedded"
                } else {
                    " NOT EMBEDDED"
                },
                if f.subset { " subset" } else { "" }
            ));
        }
        if let Some(b) = self.boxes.first() {
            let fmt =
                |r: [f32; 4]| format!("{:.2} × {:.2} mm", pt_mm(r[2] - r[0]), pt_mm(r[3] - r[1]));
            lines.push(format!("MediaBox: {}", fmt(b.media)));
            lines.push(format!("BleedBox: {}", b.bleed.map_or("none".into(), fmt)));
            lines.push(format!("TrimBox:  {}", b.trim.map_or("none".into(), fmt)));
        }
        lines.push(format!("images: {}", self.images.len()));
        for i in &self.images {
            lines.push(format!(
                "  page {}: {}×{} px at {:.0} ppi",
                i.page, i.pixels.0, i.pixels.1, i.ppi
            ));
        }
        lines.push(format!(
            "encryption: {}",
            if self.encrypted { "yes" } else { "none" }
        ));
        lines.push(format!(
            "RGB colour: {}",
            if self.rgb_pages.is_empty() {
                "none".to_string()
            } else {
                format!("on pages {:?}", self.rgb_pages)
            }
        ));
        lines
    }
}

fn pt_mm(pt: f32) -> f64 {
    f64::from(pt) * 25.4 / 72.0
}

/// Tolerance for box checks: 0.01 mm.
const TOLERANCE_MM: f64 = 0.01;

/// Images and colours found in the laid-out document, for PDFs we made
/// ourselves (cheaper and more exact than scanning content streams).
#[derive(Debug, Clone, Default)]
pub struct Findings {
    /// Raster images as placed.
    pub images: Vec<ImageReport>,
    /// Pages (1-based) that use RGB colour.
    pub rgb_pages: Vec<usize>,
    /// Text closer to the trim edge than the safe distance: (page, text,
    /// distance in mm).
    pub unsafe_text: Vec<(usize, String, f64)>,
}

impl Findings {
    /// Adds `other`'s findings, their pages `by` pages later (a record's
    /// pages in a merged file).
    pub fn extend_shifted(&mut self, other: &Findings, by: usize) {
        self.images.extend(other.images.iter().map(|i| ImageReport {
            page: i.page + by,
            ..*i
        }));
        self.rgb_pages
            .extend(other.rgb_pages.iter().map(|p| p + by));
        self.unsafe_text.extend(
            other
                .unsafe_text
                .iter()
                .map(|(p, t, d)| (p + by, t.clone(), *d)),
        );
    }
}

/// Runs preflight on `bytes`, the PDF shown as `path`.
pub fn check(path: &Path, bytes: &[u8], expect: &Expectations) -> Report {
    match Document::load_mem(bytes) {
        Ok(doc) => check_document(path, &doc, expect, None),
        Err(e) => {
            let encrypted = e.to_string().to_lowercase().contains("encrypt")
                || pdf::contains(bytes, b"/Encrypt");
            let message = if encrypted {
                "the PDF is encrypted; print shops need unprotected files".to_string()
            } else {
                format!("not a readable PDF: {e}")
            };
            Report {
                encrypted,
                diagnostics: vec![Diagnostic::error(Some(Position::file(path)), message)],
                ..Default::default()
            }
        }
    }
}

/// Runs preflight on a loaded PDF. Images and colours come from `findings`
/// when given, else from scanning the pages' content streams.
pub fn check_document(
    path: &Path,
    doc: &Document,
    expect: &Expectations,
    findings: Option<Findings>,
) -> Report {
    let mut run = Run {
        report: Report::default(),
        path,
    };
    run.encryption(doc);
    run.page_count(doc, expect);
    run.fonts(doc);
    let scan_content = findings.is_none();
    if let Some(f) = findings {
        run.findings(f);
    }
    // Pages are read on every core (a merged file has thousands), their
    // findings kept in page order.
    let pages: Vec<(u32, lopdf::ObjectId)> = doc.get_pages().into_iter().collect();
    let read: Vec<PageRead> = {
        use rayon::prelude::*;
        pages
            .par_iter()
            .map(|&(number, id)| read_page(doc, id, number as usize, expect, scan_content, path))
            .collect()
    };
    for r in read {
        run.report.diagnostics.extend(r.diagnostics);
        run.report.images.extend(r.images);
        run.report.rgb_pages.extend(r.rgb.then_some(r.page));
        run.report.boxes.push(r.boxes);
    }
    if let Some(part) = expect.standard {
        pdfx::check_pdfx(doc, part, &mut run.report.diagnostics, path);
    }
    if expect.vt {
        vt::check(doc, &mut run.report.diagnostics, path);
    }
    run.image_resolution(expect);
    if expect.print && !run.report.rgb_pages.is_empty() {
        let pages = format!("{:?}", run.report.rgb_pages);
        run.warning(format!("RGB colour on page(s) {pages} of a print PDF"))
            .hints
            .push("define colours with cmyk(…) for print; RGB is converted by the printer, often with dull results".into());
    }
    run.report
}

/// What preflight read of one page.
struct PageRead {
    page: usize,
    boxes: PageBoxes,
    /// Images and RGB colour, when the content streams were scanned for
    /// them.
    images: Vec<ImageReport>,
    rgb: bool,
    diagnostics: Vec<Diagnostic>,
}

/// One page: its boxes, what PDF/X requires of it (and, without findings
/// from the frames, its images and colours), its ink.
fn read_page(
    doc: &Document,
    id: lopdf::ObjectId,
    page: usize,
    expect: &Expectations,
    scan_content: bool,
    path: &Path,
) -> PageRead {
    let mut diags = Vec::new();
    let boxes = page_boxes(doc, id);
    check_boxes(page, &boxes, expect, &mut diags, path);
    let mut images = Vec::new();
    let mut rgb = false;
    // PDF/X's colour rules are about what the PDF says, so its pages are
    // read even when the laid-out document told us the rest.
    let scan = scan_content || expect.standard.is_some();
    let content = (scan || expect.max_ink.is_some())
        .then(|| pdf::page_content(doc, id))
        .flatten();
    if scan {
        let scan = pdf::scan_page(doc, id, content.as_ref());
        if scan_content {
            images.extend(scan.images.iter().map(|&(pixels, ppi)| ImageReport {
                page,
                pixels,
                ppi,
            }));
            rgb = scan.rgb;
        }
        if let Some(part) = expect.standard {
            pdfx::check_page(doc, id, part, page, &boxes, &scan, &mut diags, path);
        }
    }
    if let Some(max_ink) = expect.max_ink {
        let trim = boxes.trim.unwrap_or(boxes.media);
        let findings = ink::scan(doc, id, content.as_ref(), trim, max_ink);
        report_ink(page, &findings, max_ink, &mut diags, path);
    }
    PageRead {
        page,
        boxes,
        images,
        rgb,
        diagnostics: diags,
    }
}

/// One preflight of one file: the report so far.
struct Run<'a> {
    report: Report,
    path: &'a Path,
}

impl Run<'_> {
    fn push(&mut self, d: Diagnostic) -> &mut Diagnostic {
        self.report.diagnostics.push(d);
        self.report.diagnostics.last_mut().expect("just pushed")
    }

    fn error(&mut self, message: impl Into<String>) -> &mut Diagnostic {
        let at = Some(Position::file(self.path));
        self.push(Diagnostic::error(at, message))
    }

    fn warning(&mut self, message: impl Into<String>) -> &mut Diagnostic {
        let at = Some(Position::file(self.path));
        self.push(Diagnostic::warning(at, message))
    }

    /// No encryption: print shops need unprotected files.
    fn encryption(&mut self, doc: &Document) {
        if doc.was_encrypted() || doc.trailer.get(b"Encrypt").is_ok() {
            self.report.encrypted = true;
            self.error(
                "the PDF is encrypted (has security settings); print shops need unprotected files",
            )
            .hints
            .push("export without a password or permissions".into());
        }
    }

    /// The page count the layout promises.
    fn page_count(&mut self, doc: &Document, expect: &Expectations) {
        self.report.pages = doc.get_pages().len();
        if let Err(msg) = expect.pages.check(self.report.pages) {
            self.error(msg);
        }
    }

    /// Every font embedded, and as a subset.
    fn fonts(&mut self, doc: &Document) {
        let fonts = pdf::fonts(doc);
        for f in &fonts {
            if !f.embedded {
                self.error(format!("font `{}` is not embedded", f.name))
                    .hints
                    .push("every font must be embedded for print; a printer will substitute a missing one".into());
            } else if !f.subset && f.subtype != "Type3" {
                self.warning(format!(
                    "font `{}` is embedded in full, not as a subset",
                    f.name
                ));
            }
        }
        self.report.fonts = fonts;
    }

    /// What the laid-out frames told: images, RGB pages, text in the
    /// unsafe margin.
    fn findings(&mut self, f: Findings) {
        self.report.images = f.images;
        self.report.rgb_pages = f.rgb_pages;
        for (page, text, distance) in f.unsafe_text {
            self.warning(format!(
                "text `{text}` on page {page} is {distance:.1} mm from the trim edge, inside the safe area"
            ))
            .hints
            .push("keep text at least `print.safe` (3 mm) inside the trim: use page-setup margins".into());
        }
    }

    /// Placed images sharp enough for print, unless the content check
    /// already said so of the same image and it is placed no worse.
    fn image_resolution(&mut self, expect: &Expectations) {
        let (min, warn) = (expect.images.min_ppi, expect.images.warn_ppi);
        let images = std::mem::take(&mut self.report.images);
        for i in &images {
            let (px, page, ppi) = (i.pixels, i.page, i.ppi);
            let reported = expect.reported_images.get(&px);
            if reported == Some(&true) || (reported.is_some() && ppi >= min) {
                continue;
            }
            let message = format!(
                "image of {}×{} px on page {page} is {ppi:.0} ppi at its placed size; print needs {warn:.0} ppi",
                px.0, px.1
            );
            if ppi < min {
                self.error(format!("{message} (under {min:.0} it looks blurred)"))
                    .hints
                    .push("use a larger image or place it smaller".into());
            } else if ppi < warn {
                self.warning(message);
            }
        }
        self.report.images = images;
    }
}

fn contains_box(outer: [f32; 4], inner: [f32; 4]) -> bool {
    let e = mm(TOLERANCE_MM) as f32;
    outer[0] <= inner[0] + e
        && outer[1] <= inner[1] + e
        && outer[2] + e >= inner[2]
        && outer[3] + e >= inner[3]
}

/// Reports a page's print-shop findings: the worst of each kind, with its
/// position and how many more there are.
fn report_ink(
    page: usize,
    findings: &[ink::Finding],
    max_ink: f64,
    diags: &mut Vec<Diagnostic>,
    path: &Path,
) {
    use ink::FindingKind;
    let at = || Some(Position::file(path));
    let mm = |v: f64| v * 25.4 / 72.0;
    let place = |f: &ink::Finding| {
        format!(
            "{:.1} mm from the left, {:.1} mm from the bottom of the trim",
            mm(f.at.0),
            mm(f.at.1)
        )
    };
    let more = |n: usize| {
        if n > 1 {
            format!(" (and {} more)", n - 1)
        } else {
            String::new()
        }
    };
    let inks = valued(findings, |k| match k {
        FindingKind::Ink(v) => Some(*v),
        _ => None,
    });
    if let Some(&(worst, v)) = inks.iter().max_by(|a, b| a.1.total_cmp(&b.1)) {
        diags.push(
            Diagnostic::error(at(), format!("page {page}: total ink {v:.0} % at {}{}; the limit is {max_ink:.0} %", place(worst), more(inks.len())))
                .with_hint("lower the colour's C+M+Y+K (`print.max_ink` sets the limit); too much ink smears and dries slowly"),
        );
    }
    let rich: Vec<_> = findings
        .iter()
        .filter(|f| matches!(f.kind, FindingKind::RichBlackText(..)))
        .collect();
    if let Some(first) = rich.first()
        && let FindingKind::RichBlackText(size, c) = first.kind
    {
        diags.push(
            Diagnostic::warning(
                at(),
                format!(
                    "page {page}: {size} pt text in four-colour black (C{:.0} M{:.0} Y{:.0} K{:.0}) at {}{}",
                    c[0] * 100.0, c[1] * 100.0, c[2] * 100.0, c[3] * 100.0, place(first), more(rich.len())
                ),
            )
            .with_hint(format!("set text under {} pt in K only, like cmyk(0%, 0%, 0%, 100%): four plates never register exactly", ink::RICH_BLACK_TEXT_BELOW_PT)),
        );
    }
    let hairlines = valued(findings, |k| match k {
        FindingKind::Hairline(w) => Some(*w),
        _ => None,
    });
    if let Some(&(thinnest, w)) = hairlines.iter().min_by(|a, b| a.1.total_cmp(&b.1)) {
        diags.push(
            Diagnostic::warning(
                at(),
                format!(
                    "page {page}: a line {:.3} mm wide at {}{}; lines under 0.1 mm may not print",
                    mm(w),
                    place(thinnest),
                    more(hairlines.len())
                ),
            )
            .with_hint("make rules at least 0.1 mm (0.3 pt) wide"),
        );
    }
}

/// The findings of one kind, each with its value (`value` picks the kind).
fn valued(
    findings: &[ink::Finding],
    value: impl Fn(&ink::FindingKind) -> Option<f64>,
) -> Vec<(&ink::Finding, f64)> {
    findings
        .iter()
        .filter_map(|f| Some((f, value(&f.kind)?)))
        .collect()
}

fn check_boxes(
    page: usize,
    b: &PageBoxes,
    expect: &Expectations,
    diags: &mut Vec<Diagnostic>,
    path: &Path,
) {
    let at = || Some(Position::file(path));
    let tol = mm(TOLERANCE_MM);
    if !expect.print {
        return;
    }
    let (Some(trim), Some(bleed)) = (b.trim, b.bleed) else {
        diags.push(Diagnostic::error(
            at(),
            format!(
                "page {page} has no {}",
                if b.trim.is_none() {
                    "TrimBox"
                } else {
                    "BleedBox"
                }
            ),
        ));
        return;
    };
    if !contains_box(b.media, bleed) || !contains_box(bleed, trim) {
        diags.push(Diagnostic::error(at(), format!("page {page}: boxes are inconsistent; MediaBox must contain BleedBox, which must contain TrimBox")));
    }
    if let Some((w, h)) = expect.trim {
        let (tw, th) = (f64::from(trim[2] - trim[0]), f64::from(trim[3] - trim[1]));
        if (tw - w).abs() > tol || (th - h).abs() > tol {
            diags.push(Diagnostic::error(
                at(),
                format!("page {page}: trim is {:.2} × {:.2} mm; the publication is {:.2} × {:.2} mm", tw / mm(1.0), th / mm(1.0), w / mm(1.0), h / mm(1.0)),
            ).with_hint("set the page to the trim size in the layout: `set page(width: print.trim.width, height: print.trim.height, bleed: print.bleed)`"));
        }
    }
    if let Some(expected) = expect.bleed {
        let sides = [
            trim[0] - bleed[0],
            trim[1] - bleed[1],
            bleed[2] - trim[2],
            bleed[3] - trim[3],
        ];
        if sides.iter().any(|s| (f64::from(*s) - expected).abs() > tol) {
            diags.push(Diagnostic::error(
                at(),
                format!(
                    "page {page}: bleed is not {:.2} mm on every side",
                    expected / mm(1.0)
                ),
            ));
        }
    }
}
