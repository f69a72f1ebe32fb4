//! Preflight findings read from the laid-out document of a PDF we make
//! ourselves — cheaper and more exact than scanning content streams:
//! raster images with their effective resolution, RGB colour, and text
//! closer to the trim edge than the safe distance.

use super::{Findings, ImageReport};

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
                    *rgb |= crate::print::images::is_rgb(raster);
                }
            }
            _ => {}
        }
    }
}
