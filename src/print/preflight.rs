//! Preflight: the checks a print shop runs on submitted PDFs (入稿データ),
//! run on our own output after every build and on any PDF with
//! `pamphlet preflight`.
//!
//! - every font embedded and subset;
//! - no encryption;
//! - page boxes present and consistent (MediaBox ⊇ BleedBox ⊇ TrimBox), the
//!   trim as declared and the bleed as declared, to 0.01 mm;
//! - page count as the layout declares;
//! - raster images' effective resolution at their placed size (warning under
//!   300 ppi, error under 150 ppi);
//! - RGB colour in a print PDF.

use std::collections::BTreeSet;
use std::path::Path;

use lopdf::content::Content;
use lopdf::{Dictionary, Document, Object, ObjectId};

use super::rect;
use crate::diag::{Diagnostic, Position};
use crate::project::{PageRule, mm};

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

/// Runs preflight on `bytes`, the PDF shown as `path`.
pub fn check(path: &Path, bytes: &[u8], expect: &Expectations) -> Report {
    match Document::load_mem(bytes) {
        Ok(doc) => check_document(path, &doc, expect, None),
        Err(e) => {
            let encrypted =
                e.to_string().to_lowercase().contains("encrypt") || contains(bytes, b"/Encrypt");
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
    let mut report = Report::default();
    let at = || Some(Position::file(path));
    if doc.was_encrypted() || doc.trailer.get(b"Encrypt").is_ok() {
        report.encrypted = true;
        report.diagnostics.push(
            Diagnostic::error(
                at(),
                "the PDF is encrypted (has security settings); print shops need unprotected files",
            )
            .with_hint("export without a password or permissions"),
        );
    }
    let pages = doc.get_pages();
    report.pages = pages.len();
    if let Err(msg) = expect.pages.check(pages.len()) {
        report.diagnostics.push(Diagnostic::error(at(), msg));
    }
    report.fonts = fonts(doc);
    for f in &report.fonts {
        if !f.embedded {
            report.diagnostics.push(
                Diagnostic::error(at(), format!("font `{}` is not embedded", f.name))
                    .with_hint("every font must be embedded for print; a printer will substitute a missing one"),
            );
        } else if !f.subset && f.subtype != "Type3" {
            report.diagnostics.push(Diagnostic::warning(
                at(),
                format!("font `{}` is embedded in full, not as a subset", f.name),
            ));
        }
    }
    let scan_content = findings.is_none();
    if let Some(f) = findings {
        report.images = f.images;
        report.rgb_pages = f.rgb_pages;
        for (page, text, distance) in f.unsafe_text {
            report.diagnostics.push(
                Diagnostic::warning(
                    at(),
                    format!("text `{text}` on page {page} is {distance:.1} mm from the trim edge, inside the safe area"),
                )
                .with_hint("keep text at least `print.safe` (3 mm) inside the trim: use page-setup margins"),
            );
        }
    }
    for (&number, &id) in &pages {
        let page = number as usize;
        let boxes = page_boxes(doc, id);
        check_boxes(page, &boxes, expect, &mut report.diagnostics, path);
        report.boxes.push(boxes);
        if scan_content {
            let mut scan = Scan::default();
            if let Ok(content) = Content::decode(&doc.get_page_content(id)) {
                let resources = resources(doc, id);
                scan.run(doc, &content, &resources, [1.0, 0.0, 0.0, 1.0, 0.0, 0.0], 0);
            }
            for (pixels, ppi) in scan.images {
                report.images.push(ImageReport { page, pixels, ppi });
            }
            if scan.rgb {
                report.rgb_pages.push(page);
            }
        }
    }
    for i in &report.images {
        let (px, page, ppi) = (i.pixels, i.page, i.ppi);
        if ppi < 150.0 {
            report.diagnostics.push(
                Diagnostic::error(at(), format!("image of {}×{} px on page {page} is {ppi:.0} ppi at its placed size; print needs 300–350 ppi (under 150 is unusable)", px.0, px.1))
                    .with_hint("use a larger image or place it smaller"),
            );
        } else if ppi < 300.0 {
            report.diagnostics.push(Diagnostic::warning(at(), format!("image of {}×{} px on page {page} is {ppi:.0} ppi at its placed size; print needs 300–350 ppi", px.0, px.1)));
        }
    }
    if expect.print && !report.rgb_pages.is_empty() {
        report.diagnostics.push(
            Diagnostic::warning(at(), format!("RGB colour on page(s) {:?} of a print PDF", report.rgb_pages))
                .with_hint("define colours with cmyk(…) for print; RGB is converted by the printer, often with dull results"),
        );
    }
    report
}

/// Finds raster images (with their effective resolution), RGB colour, and
/// text closer than `safe` (points) to the trim edge in a laid-out document.
pub fn findings(document: &typst_layout::PagedDocument, safe: f64) -> Findings {
    let mut f = Findings::default();
    for (i, page) in document.pages().iter().enumerate() {
        let mut rgb = page
            .fill_or_transparent()
            .as_ref()
            .is_some_and(paint_is_rgb);
        walk(&page.frame, (1.0, 1.0), i + 1, &mut f.images, &mut rgb);
        if rgb {
            f.rgb_pages.push(i + 1);
        }
        if let Some((text, d)) = closest_text(&page.frame, safe) {
            f.unsafe_text.push((i + 1, text, d));
        }
    }
    f
}

/// The text run closest to the trim edge, if closer than `safe` points:
/// its first characters and its distance in millimetres.
fn closest_text(frame: &typst::layout::Frame, safe: f64) -> Option<(String, f64)> {
    use typst::layout::Transform;
    let size = frame.size();
    let mut worst = None;
    visit_text(
        frame,
        Transform::identity(),
        (size.x.to_pt(), size.y.to_pt()),
        safe,
        &mut worst,
    );
    worst
}

fn visit_text(
    frame: &typst::layout::Frame,
    ts: typst::layout::Transform,
    page: (f64, f64),
    safe: f64,
    worst: &mut Option<(String, f64)>,
) {
    use typst::layout::{FrameItem, Point, Transform};
    for (pos, item) in frame.items() {
        match item {
            FrameItem::Group(g) => {
                let inner = ts
                    .pre_concat(Transform::translate(pos.x, pos.y))
                    .pre_concat(g.transform);
                visit_text(&g.frame, inner, page, safe, worst);
            }
            FrameItem::Text(t) if !t.text.trim().is_empty() => {
                let a = Point::new(pos.x, pos.y - t.size * 0.88).transform(ts);
                let b = Point::new(pos.x + t.width(), pos.y + t.size * 0.12).transform(ts);
                let (x0, x1) = (a.x.to_pt().min(b.x.to_pt()), a.x.to_pt().max(b.x.to_pt()));
                let (y0, y1) = (a.y.to_pt().min(b.y.to_pt()), a.y.to_pt().max(b.y.to_pt()));
                let d = x0.min(y0).min(page.0 - x1).min(page.1 - y1);
                // Allow a hair for glyph metrics (a tenth of the text size).
                if d + t.size.to_pt() * 0.1 < safe
                    && worst.as_ref().is_none_or(|(_, w)| d * 25.4 / 72.0 < *w)
                {
                    *worst = Some((t.text.chars().take(16).collect(), d * 25.4 / 72.0));
                }
            }
            _ => {}
        }
    }
}

fn color_is_rgb(c: &typst::visualize::Color) -> bool {
    use typst::visualize::{Color, ProcessColor};
    match c {
        Color::Process(p) => !matches!(p, ProcessColor::Luma(_) | ProcessColor::Cmyk(_)),
        Color::Spot(s) => !matches!(
            s.colorant.fallback,
            ProcessColor::Luma(_) | ProcessColor::Cmyk(_)
        ),
    }
}

fn paint_is_rgb(p: &typst::visualize::Paint) -> bool {
    use typst::visualize::Paint;
    match p {
        Paint::Solid(c) => color_is_rgb(c),
        Paint::Gradient(g) => g.stops_ref().iter().any(|(c, _)| color_is_rgb(c)),
        Paint::Tiling(_) => false,
    }
}

fn walk(
    frame: &typst::layout::Frame,
    scale: (f64, f64),
    page: usize,
    images: &mut Vec<ImageReport>,
    rgb: &mut bool,
) {
    use typst::layout::FrameItem;
    use typst::visualize::{ImageKind, Paint};
    for (_, item) in frame.items() {
        match item {
            FrameItem::Group(g) => {
                let t = g.transform;
                let sx = (t.sx.get().powi(2) + t.ky.get().powi(2)).sqrt();
                let sy = (t.kx.get().powi(2) + t.sy.get().powi(2)).sqrt();
                walk(&g.frame, (scale.0 * sx, scale.1 * sy), page, images, rgb);
            }
            FrameItem::Text(t) => {
                *rgb |= paint_is_rgb(&t.fill)
                    || t.stroke.as_ref().is_some_and(|s| paint_is_rgb(&s.paint));
            }
            FrameItem::Shape(s, _) => {
                *rgb |= s.fill.as_ref().is_some_and(paint_is_rgb)
                    || s.stroke.as_ref().is_some_and(|s| paint_is_rgb(&s.paint));
                for p in s.fill.iter().chain(s.stroke.as_ref().map(|s| &s.paint)) {
                    if let Paint::Tiling(t) = p {
                        walk(t.frame(), scale, page, images, rgb);
                    }
                }
            }
            FrameItem::Image(image, size, _) => {
                if let ImageKind::Raster(raster) = image.kind() {
                    let w_in = size.x.to_pt() * scale.0 / 72.0;
                    let h_in = size.y.to_pt() * scale.1 / 72.0;
                    if w_in > 0.0 && h_in > 0.0 {
                        let ppi = (image.width() / w_in).min(image.height() / h_in);
                        images.push(ImageReport {
                            page,
                            pixels: (image.width() as i64, image.height() as i64),
                            ppi,
                        });
                    }
                    // Colour images are RGB (PNG, JPEG); grayscale ones are fine.
                    *rgb |= !is_gray(raster);
                }
            }
            _ => {}
        }
    }
}

fn is_gray(raster: &typst::visualize::RasterImage) -> bool {
    raster.dynamic().color().channel_count() <= 2
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn name_of(o: &Object) -> String {
    match o {
        Object::Name(n) => String::from_utf8_lossy(n).into_owned(),
        _ => String::new(),
    }
}

fn deref<'a>(doc: &'a Document, o: &'a Object) -> &'a Object {
    doc.dereference(o).map(|(_, o)| o).unwrap_or(o)
}

fn fonts(doc: &Document) -> Vec<FontReport> {
    let mut out = BTreeSet::new();
    for obj in doc.objects.values() {
        let Ok(dict) = obj.as_dict() else { continue };
        if dict.get(b"Type").ok().map(name_of).as_deref() != Some("Font") {
            continue;
        }
        let subtype = dict.get(b"Subtype").map(name_of).unwrap_or_default();
        if subtype == "CIDFontType0" || subtype == "CIDFontType2" {
            continue; // reported through their Type0 parent
        }
        let name = dict
            .get(b"BaseFont")
            .map(name_of)
            .unwrap_or_else(|_| "(unnamed)".into());
        let descriptor = if subtype == "Type0" {
            dict.get(b"DescendantFonts")
                .ok()
                .map(|d| deref(doc, d))
                .and_then(|d| d.as_array().ok())
                .and_then(|a| a.first())
                .map(|d| deref(doc, d))
                .and_then(|d| d.as_dict().ok())
                .and_then(|d| d.get(b"FontDescriptor").ok())
        } else {
            dict.get(b"FontDescriptor").ok()
        };
        let descriptor = descriptor
            .map(|d| deref(doc, d))
            .and_then(|d| d.as_dict().ok());
        let embedded = subtype == "Type3"
            || descriptor
                .is_some_and(|d| d.has(b"FontFile") || d.has(b"FontFile2") || d.has(b"FontFile3"));
        let subset = name.len() > 7
            && name.as_bytes()[6] == b'+'
            && name[..6].bytes().all(|b| b.is_ascii_uppercase());
        out.insert(FontReport {
            name,
            subtype,
            embedded,
            subset,
        });
    }
    out.into_iter().collect()
}

/// Reads the boxes of a page, following inherited MediaBox.
pub fn page_boxes(doc: &Document, id: ObjectId) -> PageBoxes {
    let get = |key: &[u8]| -> Option<[f32; 4]> {
        let mut node = doc.get_dictionary(id).ok()?;
        for _ in 0..32 {
            if let Ok(o) = node.get(key) {
                return rect(deref(doc, o));
            }
            let parent = node.get(b"Parent").ok()?.as_reference().ok()?;
            node = doc.get_dictionary(parent).ok()?;
        }
        None
    };
    PageBoxes {
        media: get(b"MediaBox").unwrap_or([0.0; 4]),
        bleed: get(b"BleedBox"),
        trim: get(b"TrimBox"),
    }
}

fn contains_box(outer: [f32; 4], inner: [f32; 4]) -> bool {
    let e = mm(TOLERANCE_MM) as f32;
    outer[0] <= inner[0] + e
        && outer[1] <= inner[1] + e
        && outer[2] + e >= inner[2]
        && outer[3] + e >= inner[3]
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

fn resources(doc: &Document, page: ObjectId) -> Dictionary {
    let mut node = doc.get_dictionary(page).ok();
    for _ in 0..32 {
        let Some(n) = node else { break };
        if let Ok(r) = n.get(b"Resources") {
            return deref(doc, r).as_dict().cloned().unwrap_or_default();
        }
        node = n
            .get(b"Parent")
            .ok()
            .and_then(|p| p.as_reference().ok())
            .and_then(|p| doc.get_dictionary(p).ok());
    }
    Dictionary::new()
}

#[derive(Default)]
struct Scan {
    images: Vec<((i64, i64), f64)>,
    rgb: bool,
}

type Matrix = [f64; 6];

fn mul(a: Matrix, b: Matrix) -> Matrix {
    [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]
}

fn num(o: &Object) -> f64 {
    o.as_float()
        .map(f64::from)
        .or_else(|_| o.as_i64().map(|i| i as f64))
        .unwrap_or(0.0)
}

impl Scan {
    fn is_rgb_space(doc: &Document, space: &Object) -> bool {
        match deref(doc, space) {
            Object::Name(n) => n == b"DeviceRGB" || n == b"CalRGB",
            Object::Array(a) => match a.first().map(name_of).as_deref() {
                Some("ICCBased") => a
                    .get(1)
                    .map(|s| deref(doc, s))
                    .and_then(|s| s.as_stream().ok())
                    .and_then(|s| s.dict.get(b"N").ok())
                    .is_some_and(|n| num(n) == 3.0),
                Some("CalRGB") => true,
                Some("Indexed") => a.get(1).is_some_and(|b| Self::is_rgb_space(doc, b)),
                _ => false,
            },
            _ => false,
        }
    }

    fn run(
        &mut self,
        doc: &Document,
        content: &Content,
        res: &Dictionary,
        base: Matrix,
        depth: usize,
    ) {
        if depth > 8 {
            return;
        }
        let mut ctm = base;
        let mut stack = Vec::new();
        let space_is_rgb = |name: &Object| -> bool {
            let n = name_of(name);
            if n == "DeviceRGB" {
                return true;
            }
            res.get(b"ColorSpace")
                .ok()
                .map(|c| deref(doc, c))
                .and_then(|c| c.as_dict().ok())
                .and_then(|d| d.get(n.as_bytes()).ok())
                .is_some_and(|s| Self::is_rgb_space(doc, s))
        };
        for op in &content.operations {
            match op.operator.as_str() {
                "q" => stack.push(ctm),
                "Q" => ctm = stack.pop().unwrap_or(base),
                "cm" if op.operands.len() == 6 => {
                    let m: Vec<f64> = op.operands.iter().map(num).collect();
                    ctm = mul([m[0], m[1], m[2], m[3], m[4], m[5]], ctm);
                }
                "rg" | "RG" => self.rgb = true,
                "cs" | "CS" if op.operands.first().is_some_and(space_is_rgb) => self.rgb = true,
                "Do" => {
                    let name = op.operands.first().map(name_of).unwrap_or_default();
                    let xobject = res
                        .get(b"XObject")
                        .ok()
                        .map(|x| deref(doc, x))
                        .and_then(|x| x.as_dict().ok())
                        .and_then(|x| x.get(name.as_bytes()).ok())
                        .map(|x| deref(doc, x))
                        .and_then(|x| x.as_stream().ok());
                    let Some(stream) = xobject else { continue };
                    match stream.dict.get(b"Subtype").map(name_of).as_deref() {
                        Ok("Image") => {
                            let w = stream.dict.get(b"Width").map(num).unwrap_or(0.0);
                            let h = stream.dict.get(b"Height").map(num).unwrap_or(0.0);
                            let placed_w = (ctm[0].powi(2) + ctm[1].powi(2)).sqrt();
                            let placed_h = (ctm[2].powi(2) + ctm[3].powi(2)).sqrt();
                            let is_mask = stream
                                .dict
                                .get(b"ImageMask")
                                .is_ok_and(|m| matches!(m, Object::Boolean(true)));
                            if placed_w > 0.0 && placed_h > 0.0 && !is_mask {
                                let ppi = (w / (placed_w / 72.0)).min(h / (placed_h / 72.0));
                                self.images.push(((w as i64, h as i64), ppi));
                            }
                            if stream
                                .dict
                                .get(b"ColorSpace")
                                .is_ok_and(|s| Self::is_rgb_space(doc, s))
                            {
                                self.rgb = true;
                            }
                        }
                        Ok("Form") => {
                            let matrix = stream
                                .dict
                                .get(b"Matrix")
                                .ok()
                                .and_then(|m| m.as_array().ok())
                                .filter(|m| m.len() == 6)
                                .map(|m| {
                                    [
                                        num(&m[0]),
                                        num(&m[1]),
                                        num(&m[2]),
                                        num(&m[3]),
                                        num(&m[4]),
                                        num(&m[5]),
                                    ]
                                })
                                .unwrap_or([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
                            let form_res = stream
                                .dict
                                .get(b"Resources")
                                .ok()
                                .map(|r| deref(doc, r))
                                .and_then(|r| r.as_dict().ok())
                                .cloned()
                                .unwrap_or_else(|| res.clone());
                            let data = stream
                                .decompressed_content()
                                .unwrap_or_else(|_| stream.content.clone());
                            if let Ok(inner) = Content::decode(&data) {
                                self.run(doc, &inner, &form_res, mul(matrix, ctm), depth + 1);
                            }
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
    }
}
