//! The print stage: bleed, Japanese trim marks (トンボ) and PDF page boxes,
//! added by the pipeline so that every layout gets them for free.
//!
//! A layout sets its page to the trim size with `bleed: sys.inputs.print.bleed`
//! and paints backgrounds to the bleed edge. For the print variant this
//! stage then, on every page:
//!
//! 1. clips the layout's drawing to the bleed box, so nothing spills into
//!    the slug;
//! 2. widens the page by a slug around the bleed and draws the marks there:
//!    double corner marks (one line on the trim, one on the bleed, the bleed
//!    lines meeting in an L) and centre marks (センタートンボ) on all four
//!    sides, as hairlines (0.1 mm) in registration colour (the `All`
//!    separation: every plate at 100%, falling back to CMYK 100/100/100/100);
//! 3. after PDF export, writes the BleedBox next to the TrimBox that Typst
//!    writes, so that MediaBox ⊃ BleedBox ⊃ TrimBox on every page;
//! 4. for PDF/X (the default of print variants), converts RGB colours to
//!    the output profile's CMYK before export ([`colour`]) and adds the
//!    output intent and the standard's metadata after it ([`pdfx`]), both
//!    for the output profile of [`profile`].

pub mod colour;
pub mod images;
pub mod lint;
pub mod merged;
pub mod pdfvt;
pub mod pdfx;
pub mod preflight;
pub mod profile;
pub mod reduce;

use std::sync::Arc;

use typst::layout::{Abs, Frame, FrameItem, GroupItem, Point, Ratio, Sides, Size};
use typst::model::Document;
use typst::syntax::Span;
use typst::visualize::{
    Cmyk, Color, Curve, FixedStroke, Geometry, Paint, ProcessColor, SpotColor, SpotColorant,
    SpotColorantName,
};
use typst_layout::PagedDocument;

use crate::project::PrintSettings;
use crate::units::mm;

/// A colour or image the print stage could not convert for the output,
/// and where the layout drew it.
#[derive(Debug, Clone, PartialEq)]
pub struct Unconverted {
    /// The layout element that drew it.
    pub span: Span,
    /// Why.
    pub message: String,
    /// What to do about it.
    pub hint: &'static str,
}

/// Calls `f` on every item of `frame` and of the groups inside it (a
/// group's items before the group).
pub fn walk(frame: &mut Frame, f: &mut dyn FnMut(&mut FrameItem)) {
    frame.retain(|item| {
        if let FrameItem::Group(g) = item {
            walk(&mut g.frame, f);
        }
        f(item);
        true
    });
}

/// `document` with each of its pages changed by `f` (the stages that
/// rewrite frames before export: images, colour).
pub fn rebuilt(
    document: &PagedDocument,
    f: &mut dyn FnMut(&mut typst_layout::Page),
) -> PagedDocument {
    let pages = document
        .pages()
        .iter()
        .map(|page| {
            let mut page = page.clone();
            f(&mut page);
            page
        })
        .collect();
    PagedDocument::new(pages, document.info().clone())
}

/// Length of a mark line beyond the bleed, in points.
pub fn mark_length() -> f64 {
    mm(10.0)
}

/// Width of the slug: the area outside the bleed that holds the marks.
pub fn slug() -> f64 {
    mark_length() + mm(3.0)
}

/// Hairline width of marks (0.1 mm).
pub fn mark_width() -> f64 {
    mm(0.1)
}

/// Registration colour: the `All` separation at 100%, with CMYK
/// 100/100/100/100 as its alternate.
pub fn registration() -> Paint {
    let colorant = SpotColorant {
        name: Some(SpotColorantName::All),
        fallback: ProcessColor::Cmyk(Cmyk {
            c: 1.0,
            m: 1.0,
            y: 1.0,
            k: 1.0,
        }),
    };
    Paint::Solid(Color::Spot(SpotColor::new(
        Arc::new(colorant),
        Ratio::one(),
    )))
}

/// The marks of one page as line segments `(from, to)` in points, in page
/// coordinates (origin at the trim box's top left, y downwards).
pub fn mark_lines(width: f64, height: f64, bleed: f64) -> Vec<((f64, f64), (f64, f64))> {
    let (b, l) = (bleed, mark_length());
    let mut lines = Vec::new();
    // Corners: for each, the trim lines and the bleed lines, outside the
    // bleed box. (sx, sy) point away from the page at that corner.
    for (cx, cy, sx, sy) in [
        (0.0, 0.0, -1.0, -1.0),
        (width, 0.0, 1.0, -1.0),
        (0.0, height, -1.0, 1.0),
        (width, height, 1.0, 1.0),
    ] {
        // Horizontal lines beside the page: at the trim and at the bleed.
        for y in [cy, cy + sy * b] {
            lines.push(((cx + sx * b, y), (cx + sx * (b + l), y)));
        }
        // Vertical lines above/below the page: at the trim and at the bleed.
        for x in [cx, cx + sx * b] {
            lines.push(((x, cy + sy * b), (x, cy + sy * (b + l))));
        }
    }
    // Centre marks: a cross on each side's centre line, in the slug.
    let half = l / 2.0;
    let (mx, my) = (width / 2.0, height / 2.0);
    for (sy, y0) in [(-1.0, 0.0), (1.0, height)] {
        let mid = y0 + sy * (b + half);
        lines.push(((mx, y0 + sy * b), (mx, y0 + sy * (b + l))));
        lines.push(((mx - half, mid), (mx + half, mid)));
    }
    for (sx, x0) in [(-1.0, 0.0), (1.0, width)] {
        let mid = x0 + sx * (b + half);
        lines.push(((x0 + sx * b, my), (x0 + sx * (b + l), my)));
        lines.push(((mid, my - half), (mid, my + half)));
    }
    lines
}

/// Applies the print stage to a laid-out document with the settings of its
/// variant ([`PrintSettings::for_variant`]): clip to the bleed, widen by the
/// slug and draw marks. Without marks (the screen variant) the document is
/// returned as it is.
pub fn apply(document: &PagedDocument, settings: &PrintSettings) -> PagedDocument {
    if !settings.marks {
        return document.clone();
    }
    let b = Abs::pt(settings.bleed);
    let paint = registration();
    let stroke = FixedStroke::from_pair(paint, Abs::pt(mark_width()));
    let pages = document
        .pages()
        .iter()
        .map(|page| {
            let mut page = page.clone();
            let size = page.frame.size();
            // The layout's drawing, clipped to the bleed box.
            let bleed_size = Size::new(size.x + b * 2.0, size.y + b * 2.0);
            let mut inner = Frame::hard(bleed_size);
            inner.push_frame(
                Point::new(b, b),
                std::mem::replace(&mut page.frame, Frame::hard(size)),
            );
            let mut group = GroupItem::new(inner);
            group.clip = Some(Curve::rect(bleed_size));
            page.frame.push(Point::new(-b, -b), FrameItem::Group(group));
            for ((x0, y0), (x1, y1)) in mark_lines(size.x.to_pt(), size.y.to_pt(), settings.bleed) {
                let shape = Geometry::Line(Point::new(Abs::pt(x1 - x0), Abs::pt(y1 - y0)))
                    .stroked(stroke.clone());
                page.frame.push(
                    Point::new(Abs::pt(x0), Abs::pt(y0)),
                    FrameItem::Shape(shape, Span::detached()),
                );
            }
            page.bleed = Sides::splat(Abs::pt(settings.bleed + slug()));
            page
        })
        .collect();
    PagedDocument::new(pages, document.info().clone())
}

/// Finishes a print PDF: writes the page boxes and runs preflight on the
/// result (images and colours from `findings`). Returns the final bytes and
/// the preflight report.
pub fn finish(
    pdf: &[u8],
    settings: &PrintSettings,
    pdfx: Option<PdfXOutput>,
    expect: &preflight::Expectations,
    shown: &std::path::Path,
    findings: preflight::Findings,
) -> Result<(Vec<u8>, preflight::Report), String> {
    let mut doc = lopdf::Document::load_mem(pdf)
        .map_err(|e| format!("cannot read back the exported PDF: {e}"))?;
    set_page_boxes(&mut doc, settings)?;
    if let Some(x) = pdfx {
        pdfx::write(&mut doc, x.part, x.profile, x.timestamp)?;
    }
    let report = preflight::check_document(shown, &doc, expect, Some(findings));
    // Room for the whole file at once: the profile PDF/X adds (1.6 MB for
    // Japan Color 2011) would otherwise grow the buffer, and copy it, four
    // times over.
    let profile = pdfx.map_or(0, |x| x.profile.compressed().len());
    let mut out = Vec::with_capacity(pdf.len() + profile + 64 * 1024);
    doc.save_to(&mut out)
        .map_err(|e| format!("cannot write the PDF with page boxes: {e}"))?;
    Ok((out, report))
}

/// What a PDF/X print PDF is made for.
#[derive(Debug, Clone, Copy)]
pub struct PdfXOutput<'a> {
    /// The part.
    pub part: crate::project::PdfX,
    /// The printing condition.
    pub profile: &'a profile::OutputProfile,
    /// Its dates, in seconds since the Unix epoch.
    pub timestamp: i64,
}

/// Writes a BleedBox (TrimBox grown by the bleed) on every page of a print
/// PDF, and checks that the TrimBox Typst wrote is there.
pub fn set_page_boxes(doc: &mut lopdf::Document, settings: &PrintSettings) -> Result<(), String> {
    use lopdf::Object;
    let pages: Vec<_> = doc.get_pages().into_values().collect();
    for id in pages {
        let page = doc
            .get_object_mut(id)
            .and_then(Object::as_dict_mut)
            .map_err(|e| e.to_string())?;
        let media = page
            .get(b"MediaBox")
            .ok()
            .and_then(rect)
            .ok_or("page without MediaBox")?;
        let trim = match page.get(b"TrimBox").ok().and_then(rect) {
            Some(t) => t,
            // No marks and no bleed: the trim is the media box.
            None if settings.bleed == 0.0 => media,
            None => {
                // Typst writes a TrimBox only when the page has a bleed: the
                // layout did not set one. The page is then the trim.
                let b = settings.bleed as f32;
                [media[0] + b, media[1] + b, media[2] - b, media[3] - b]
            }
        };
        let b = settings.bleed as f32;
        let bleed = [trim[0] - b, trim[1] - b, trim[2] + b, trim[3] + b];
        let arr = |r: [f32; 4]| Object::Array(r.iter().map(|v| Object::Real(round(*v))).collect());
        page.set("TrimBox", arr(trim));
        page.set("BleedBox", arr(bleed));
    }
    Ok(())
}

fn round(v: f32) -> f32 {
    (v * 1000.0).round() / 1000.0
}

/// Reads a PDF rectangle `[x0 y0 x1 y1]`.
pub fn rect(o: &lopdf::Object) -> Option<[f32; 4]> {
    let a = o.as_array().ok()?;
    if a.len() != 4 {
        return None;
    }
    let mut r = [0.0; 4];
    for (i, v) in a.iter().enumerate() {
        r[i] = v
            .as_float()
            .ok()
            .or_else(|| v.as_i64().ok().map(|i| i as f32))?;
    }
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_stay_outside_the_bleed_box() {
        let (w, h, b) = (mm(210.0), mm(297.0), mm(3.0));
        let lines = mark_lines(w, h, b);
        assert_eq!(lines.len(), 4 * 4 + 4 * 2);
        for ((x0, y0), (x1, y1)) in lines {
            for (x, y) in [(x0, y0), (x1, y1)] {
                let inside = x > -b + 1e-6 && x < w + b - 1e-6 && y > -b + 1e-6 && y < h + b - 1e-6;
                assert!(!inside, "mark point ({x}, {y}) inside the bleed box");
                assert!(x >= -b - slug() && x <= w + b + slug());
            }
        }
    }
}
