//! Checks on the images the content names (`image` fields), before any
//! typesetting: the bytes are one of the allowed formats (whatever the
//! extension says), whole, of a sane size, and sharp enough for the frame
//! the layout fills; cropping to the frame does not cut off too much.
//! Hostile files — a decompression bomb, a huge embedded profile, an SVG
//! that reaches outside itself — are refused here, from their headers,
//! without decoding them.

use crate::content::schema::ImageRule;
use crate::project::ImageSettings;

/// The most pixels an image may declare (a decompression bomb declares
/// billions in a few bytes): 100 megapixels, more than any camera photo.
pub const MAX_PIXELS: u64 = 100_000_000;

/// The largest image file pamphlet reads (bytes): 64 MB.
pub const MAX_FILE: u64 = 64_000_000;

/// The largest chunk of metadata (an ICC profile, EXIF) a PNG may carry.
pub const MAX_PNG_CHUNK: usize = 4 * 1024 * 1024;

/// A problem with an image: an error or a warning, its message and a hint.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Whether the image cannot be used.
    pub error: bool,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub hint: String,
    /// For a resolution problem, the image's size in pixels: the build's
    /// preflight, which sees the image only by its pixels, then does not
    /// report the same image again.
    pub resolution: Option<(u32, u32)>,
}

/// The formats pamphlet recognises by their bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JPEG.
    Jpeg,
    /// PNG.
    Png,
    /// SVG.
    Svg,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Jpeg => "jpeg",
            Format::Png => "png",
            Format::Svg => "svg",
        }
    }

    fn shown(self) -> &'static str {
        match self {
            Format::Jpeg => "JPEG",
            Format::Png => "PNG",
            Format::Svg => "SVG",
        }
    }
}

/// The format of `bytes`, from their first bytes.
pub fn sniff(bytes: &[u8]) -> Option<Format> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(Format::Jpeg);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(Format::Png);
    }
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = text
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    let head = &text[start..text.len().min(start + 1024)];
    let head = String::from_utf8_lossy(head);
    if head.starts_with("<svg") || (head.starts_with("<?xml") && head.contains("<svg")) {
        return Some(Format::Svg);
    }
    None
}

/// Checks an image file's `bytes` (shown as `name`) against `rule` and
/// the project's `limits`.
pub fn check(name: &str, bytes: &[u8], rule: &ImageRule, limits: &ImageSettings) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut error = |message: String, hint: &str| {
        problems.push(Problem {
            error: true,
            message,
            hint: hint.into(),
            resolution: None,
        })
    };
    let Some(format) = sniff(bytes) else {
        error(
            format!(
                "`{name}` is not a JPEG, PNG or SVG image (its first bytes say otherwise, whatever its name)"
            ),
            "export the image as JPEG (photos), PNG or SVG (logos)",
        );
        return problems;
    };
    if !rule.formats.is_empty() && !rule.formats.iter().any(|f| f == format.name()) {
        let allowed: Vec<String> = rule.formats.iter().map(|f| f.to_uppercase()).collect();
        error(
            format!(
                "`{name}` is a {} image; this field takes {}",
                format.shown(),
                allowed.join(" or ")
            ),
            "convert the image, or name another file",
        );
        return problems;
    }
    let size = match format {
        Format::Jpeg => jpeg(name, bytes, &mut error),
        Format::Png => png(name, bytes, &mut error),
        Format::Svg => {
            svg(name, bytes, &mut error);
            None
        }
    };
    let Some((w, h)) = size else {
        return problems;
    };
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        error(
            format!(
                "`{name}` declares {w} × {h} pixels, more than the {} megapixels pamphlet opens",
                MAX_PIXELS / 1_000_000
            ),
            "a real photo has far fewer; scale it down (or the file is damaged or hostile)",
        );
        return problems;
    }
    if let Some(frame) = rule.frame {
        // Resolution where the image needs the most pixels (a layout's own
        // frame may be narrower but taller); cropping in `frame`.
        let ppi = |(fw, fh): (f64, f64)| (f64::from(w) / fw).min(f64::from(h) / fh);
        let sharpest = rule
            .frames
            .iter()
            .map(|f| f.size)
            .fold(frame, |a, b| if ppi(b) < ppi(a) { b } else { a });
        problems.extend(fit(name, (w, h), sharpest, frame, limits));
    }
    problems
}

/// Resolution of a `w` × `h` image filling (scaled to cover it, the rest
/// cropped) a frame of `fw` × `fh` points, and its cropping in `crop`
/// (points).
fn fit(
    name: &str,
    pixels: (u32, u32),
    (fw, fh): (f64, f64),
    crop: (f64, f64),
    limits: &ImageSettings,
) -> Vec<Problem> {
    let mut out = Vec::new();
    let (w, h) = (f64::from(pixels.0), f64::from(pixels.1));
    if w <= 0.0 || h <= 0.0 || [fw, fh, crop.0, crop.1].iter().any(|&v| v <= 0.0) {
        return out;
    }
    let mm = |(fw, fh): (f64, f64)| format!("{:.0} × {:.0} mm", fw * 25.4 / 72.0, fh * 25.4 / 72.0);
    let ppi = (w * 72.0 / fw).min(h * 72.0 / fh);
    let frame = mm((fw, fh));
    if ppi < limits.min_ppi {
        out.push(Problem {
            error: true,
            message: format!("`{name}` is {w:.0} × {h:.0} px: {ppi:.0} ppi in its {frame} frame; print needs {:.0} ppi, and under {:.0} it looks blurred", limits.warn_ppi, limits.min_ppi),
            hint: format!("use a larger original: at least {:.0} × {:.0} px", (fw / 72.0 * limits.warn_ppi).ceil(), (fh / 72.0 * limits.warn_ppi).ceil()),
            resolution: Some(pixels),
        });
    } else if ppi < limits.warn_ppi {
        out.push(Problem {
            error: false,
            message: format!("`{name}` is {w:.0} × {h:.0} px: {ppi:.0} ppi in its {frame} frame; print needs {:.0} ppi", limits.warn_ppi),
            hint: format!("a larger original, at least {:.0} × {:.0} px, prints sharper", (fw / 72.0 * limits.warn_ppi).ceil(), (fh / 72.0 * limits.warn_ppi).ceil()),
            resolution: Some(pixels),
        });
    }
    let (fw, fh) = crop;
    let frame = mm(crop);
    let (image, frame_aspect) = (w / h, fw / fh);
    let kept = (image / frame_aspect).min(frame_aspect / image);
    let cut = 1.0 - kept;
    if cut > limits.max_crop {
        out.push(Problem {
            error: false,
            message: format!(
                "`{name}` is {w:.0} × {h:.0} px; filling its {frame} frame cuts off {:.0} % of it",
                cut * 100.0
            ),
            hint: "crop the photo to the frame's proportions yourself, choosing what stays".into(),
            resolution: None,
        });
    }
    out
}

/// A JPEG's size from its frame header; a file cut short is an error.
fn jpeg(name: &str, bytes: &[u8], error: &mut impl FnMut(String, &str)) -> Option<(u32, u32)> {
    let truncated = |error: &mut dyn FnMut(String, &str)| {
        error(
            format!("`{name}` is a JPEG that is cut short or damaged"),
            "copy the file again from its source",
        )
    };
    use crate::raster::{is_frame_header, segments};
    let mut size = None;
    for (marker, body) in segments(bytes) {
        if is_frame_header(marker) {
            let (h, w) = (body.get(1..3)?, body.get(3..5)?);
            size = Some((
                u32::from(u16::from_be_bytes([w[0], w[1]])),
                u32::from(u16::from_be_bytes([h[0], h[1]])),
            ));
        }
        if marker == 0xDA {
            // Entropy-coded data runs to the end of image marker.
            let ends = bytes.len() >= 2 && bytes[bytes.len() - 2..] == [0xFF, 0xD9]
                || bytes.windows(2).rev().take(4096).any(|w| w == [0xFF, 0xD9]);
            if !ends || size.is_none() {
                truncated(error);
                return None;
            }
            return size;
        }
    }
    truncated(error);
    None
}

/// A PNG's size from its header, walking every chunk: a chunk that runs
/// past the end (a file cut short), a metadata chunk over
/// [`MAX_PNG_CHUNK`] and a missing end chunk are errors.
fn png(name: &str, bytes: &[u8], error: &mut impl FnMut(String, &str)) -> Option<(u32, u32)> {
    let mut i = 8;
    let mut size = None;
    while i + 8 <= bytes.len() {
        let len = u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]) as usize;
        let kind = &bytes[i + 4..i + 8];
        if kind == b"IHDR" && len >= 8 && i + 16 <= bytes.len() {
            let w = u32::from_be_bytes([bytes[i + 8], bytes[i + 9], bytes[i + 10], bytes[i + 11]]);
            let h =
                u32::from_be_bytes([bytes[i + 12], bytes[i + 13], bytes[i + 14], bytes[i + 15]]);
            size = Some((w, h));
            if u64::from(w) * u64::from(h) > MAX_PIXELS {
                // No need to read on: check() reports it.
                return size;
            }
        }
        if kind != b"IDAT" && len > MAX_PNG_CHUNK {
            error(
                format!(
                    "`{name}` carries a {} chunk of {:.1} MB; pamphlet takes at most {} MB of metadata",
                    String::from_utf8_lossy(kind),
                    len as f64 / 1e6,
                    MAX_PNG_CHUNK / (1024 * 1024)
                ),
                "save the image again without the embedded profile or metadata",
            );
            return None;
        }
        let end = i.checked_add(12)?.checked_add(len)?;
        if end > bytes.len() {
            break;
        }
        if kind == b"IEND" {
            return size;
        }
        i = end;
    }
    error(
        format!("`{name}` is a PNG that is cut short or damaged"),
        "copy the file again from its source",
    );
    None
}

/// An SVG must be self-contained: no link to another file or the network
/// (Typst would refuse it when typesetting; here it is said at the content
/// line).
fn svg(name: &str, bytes: &[u8], error: &mut impl FnMut(String, &str)) {
    let text = String::from_utf8_lossy(bytes);
    let doc = match roxmltree::Document::parse_with_options(
        &text,
        roxmltree::ParsingOptions {
            allow_dtd: false,
            ..Default::default()
        },
    ) {
        Ok(doc) => doc,
        Err(e) => {
            error(
                format!("`{name}` is not a readable SVG: {e}"),
                "export the SVG again (plain SVG, no DTD)",
            );
            return;
        }
    };
    for node in doc.descendants().filter(|n| n.is_element()) {
        for attr in node.attributes() {
            let value = attr.value().trim();
            let external = match attr.name() {
                "href" => !value.starts_with('#') && !value.starts_with("data:"),
                _ => {
                    value.contains("url(")
                        && !value.contains("url(#")
                        && !value.contains("url('#")
                        && !value.contains("url(\"#")
                }
            };
            if external {
                error(
                    format!(
                        "`{name}` refers to `{}` outside itself (in <{}>); an image must be self-contained",
                        value.chars().take(80).collect::<String>(),
                        node.tag_name().name()
                    ),
                    "embed what it refers to, or export the SVG with everything in it",
                );
                return;
            }
        }
        if node.tag_name().name() == "style"
            && node.text().is_some_and(|t| {
                t.contains("@import") || (t.contains("url(") && !t.contains("url(#"))
            })
        {
            error(
                format!("`{name}` loads a style sheet or a file from outside itself"),
                "inline the styles, without @import or url()",
            );
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_by_their_bytes() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest"), Some(Format::Png));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(Format::Jpeg));
        assert_eq!(
            sniff(b"  <?xml version=\"1.0\"?>\n<svg xmlns=\"x\"/>"),
            Some(Format::Svg)
        );
        assert_eq!(sniff(b"GIF89a"), None);
    }

    #[test]
    fn resolution_is_checked_in_the_frame_that_needs_the_most_pixels() {
        use crate::content::schema::LayoutFrame;
        let limits = ImageSettings::default();
        let mm = |v: f64| v * 72.0 / 25.4;
        // A 4:3 photo, 680 × 510 px: 303 ppi in a 57 × 36 mm card, 259 ppi
        // in a 40 × 50 mm frame of another layout (it covers its height).
        let jpeg = {
            let mut out = std::io::Cursor::new(Vec::new());
            image::DynamicImage::new_rgb8(680, 510)
                .write_to(&mut out, image::ImageFormat::Jpeg)
                .unwrap();
            out.into_inner()
        };
        let mut rule = ImageRule {
            frame: Some((mm(57.0), mm(36.0))),
            ..ImageRule::default()
        };
        assert!(check("p.jpg", &jpeg, &rule, &limits).is_empty());
        let at = crate::diag::Position::new("schema.yaml", "tall:", 0..4);
        rule.frames.push(LayoutFrame {
            layout: "tall".into(),
            size: (mm(40.0), mm(50.0)),
            at,
        });
        let p = check("p.jpg", &jpeg, &rule, &limits);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            !p[0].error && p[0].message.contains("259 ppi in its 40 × 50 mm frame"),
            "{p:?}"
        );
        // A smaller frame of its own changes nothing.
        rule.frames[0].size = (mm(50.0), mm(37.5));
        assert!(check("p.jpg", &jpeg, &rule, &limits).is_empty());
    }

    #[test]
    fn cropping_and_resolution_in_the_frame() {
        let limits = ImageSettings::default();
        let mm = |v: f64| v * 72.0 / 25.4;
        // Resolution and cropping judged in the same 30 × 40 mm frame.
        let frame = (mm(30.0), mm(40.0));
        let in_frame = |pixels| fit("a", pixels, frame, frame, &limits);
        // 30 × 40 mm at 300 ppi is 354 × 472 px.
        assert!(in_frame((400, 520)).is_empty());
        let p = in_frame((200, 260));
        assert!(!p[0].error && p[0].message.contains("165 ppi"), "{p:?}");
        let p = in_frame((100, 130));
        assert!(p[0].error && p[0].message.contains("83 ppi"), "{p:?}");
        // A 3:1 panorama in a 3:4 portrait frame keeps a quarter.
        let p = in_frame((3000, 1000));
        assert!(
            p.iter().any(|p| p.message.contains("cuts off 75 %")),
            "{p:?}"
        );
    }
}
