//! Colour for print: RGB colours of a print variant become CMYK through
//! the output profile, on the laid-out frames before export — colour
//! management by `moxcms` (the colour engine Typst itself uses), not by a
//! formula. sRGB is the source (what `rgb()` means in Typst), the output
//! profile the destination, with the perceptual intent (the profile's own
//! gamut mapping). Grey becomes a tint of black (K only: black text must
//! not turn into four-colour black). CMYK and spot colours (the
//! registration colour of the marks) stay as they are.
//!
//! What cannot be converted without changing how the page looks — an RGB
//! colour that is partly transparent (a CMYK colour in Typst has no alpha),
//! an RGB gradient — is reported at the layout line that drew it, and so
//! are raster images PDF/X-1a cannot take. RGB raster images were made
//! CMYK before this stage ([`super::images`]).

use std::collections::HashMap;

use typst::layout::FrameItem;
use typst::syntax::Span;
use typst::visualize::{Cmyk, Color, FixedStroke, ImageKind, Paint, ProcessColor};
use typst_layout::PagedDocument;

use super::Unconverted;
use super::profile::OutputProfile;
use crate::project::PdfX;
use crate::raster::jpeg_components;

/// The hint for colours that cannot be converted.
const COLOUR_HINT: &str = "define print colours with cmyk(…), without transparency";

/// The document with every RGB colour converted to `profile`'s CMYK (and
/// grey to K), and what could not be converted.
pub fn to_cmyk(
    document: &PagedDocument,
    profile: &OutputProfile,
    part: PdfX,
) -> (PagedDocument, Vec<Unconverted>) {
    let mut run = Run {
        profile,
        part,
        cache: HashMap::new(),
        problems: Vec::new(),
    };
    let document = super::rebuilt(document, &mut |page| {
        if let typst::foundations::Smart::Custom(Some(fill)) = &mut page.fill {
            run.paint(fill, Span::detached());
        }
        super::walk(&mut page.frame, &mut |item| run.item(item));
    });
    (document, run.problems)
}

/// One conversion of a document: colours already converted are cached.
struct Run<'a> {
    profile: &'a OutputProfile,
    part: PdfX,
    cache: HashMap<[u32; 3], Cmyk>,
    problems: Vec<Unconverted>,
}

impl Run<'_> {
    /// Converts one item (the items of groups are visited by `walk`).
    fn item(&mut self, item: &mut FrameItem) {
        match item {
            FrameItem::Text(t) => {
                let span = t.glyphs.first().map_or(Span::detached(), |g| g.span.0);
                self.paint(&mut t.fill, span);
                if let Some(s) = &mut t.stroke {
                    self.stroke(s, span);
                }
            }
            FrameItem::Image(image, _, span) => {
                let ImageKind::Raster(raster) = image.kind() else {
                    return;
                };
                if self.part == PdfX::X1a && raster.color().has_alpha() {
                    self.problems.push(Unconverted {
                        span: *span,
                        message: "an image with transparency (an alpha channel) in a PDF/X-1a print PDF".into(),
                        hint: "PDF/X-1a allows no transparency: use an image without alpha, or PDF/X-4",
                    });
                } else if self.part == PdfX::X1a && jpeg_components(raster.data()) != Some(4) {
                    self.problems.push(Unconverted {
                        span: *span,
                        message: "an image that is not a CMYK JPEG in a PDF/X-1a print PDF (Typst writes other images with ICC-based colour, which PDF/X-1a does not allow)".into(),
                        hint: "save the image as a CMYK JPEG, or use PDF/X-4",
                    });
                } else if super::images::is_rgb(raster) {
                    self.problems.push(Unconverted {
                        span: *span,
                        message: "an RGB image in a PDF/X print PDF that pamphlet could not convert to CMYK".into(),
                        hint: "save the image as a CMYK JPEG (or greyscale), or leave PDF/X out with `pdf_standard = []` in the publication's [print] table",
                    });
                }
            }
            FrameItem::Shape(shape, span) => {
                if let Some(fill) = &mut shape.fill {
                    self.paint(fill, *span);
                }
                if let Some(s) = &mut shape.stroke {
                    self.stroke(s, *span);
                }
            }
            _ => {}
        }
    }

    fn stroke(&mut self, stroke: &mut FixedStroke, span: Span) {
        self.paint(&mut stroke.paint, span);
    }

    fn paint(&mut self, paint: &mut Paint, span: Span) {
        match paint {
            Paint::Solid(color) => {
                if let Some(cmyk) = self.color(color, span) {
                    *color = Color::Process(ProcessColor::Cmyk(cmyk));
                }
            }
            Paint::Gradient(g) => {
                if g.stops_ref().iter().any(|(c, _)| is_rgb(c)) {
                    self.problems.push(Unconverted {
                        span,
                        message: "a gradient with RGB colours in a print PDF".into(),
                        hint: "give the gradient CMYK stops and `space: cmyk`",
                    });
                }
            }
            Paint::Tiling(_) => {}
        }
    }

    /// Reports a colour `what` with alpha `a`, which CMYK cannot carry.
    fn transparent(&mut self, what: &str, a: f32, span: Span) -> Option<Cmyk> {
        self.problems.push(Unconverted {
            span,
            message: format!(
                "a partly transparent {what} ({:.0} % opaque) in a print PDF",
                a * 100.0
            ),
            hint: COLOUR_HINT,
        });
        None
    }

    /// The CMYK for an RGB or grey colour; `None` for colours that stay.
    fn color(&mut self, color: &Color, span: Span) -> Option<Cmyk> {
        if let Color::Process(ProcessColor::Luma(_)) = color {
            // Grey is a tint of black: K only (converted through the profile
            // it would become four-colour black, which mis-registers in
            // small text).
            let [l, _, _, a] = color.to_vec4();
            if a < 1.0 {
                return self.transparent("grey", a, span);
            }
            let k = ((1.0 - l).clamp(0.0, 1.0) * 1000.0).round() / 1000.0;
            return Some(Cmyk {
                c: 0.0,
                m: 0.0,
                y: 0.0,
                k,
            });
        }
        if !is_rgb(color) {
            return None;
        }
        let rgb = Color::Process(ProcessColor::Rgb(color.to_rgb()));
        let [r, g, b, a] = rgb.to_vec4();
        if a < 1.0 {
            return self.transparent("RGB colour", a, span);
        }
        let key = [r.to_bits(), g.to_bits(), b.to_bits()];
        if let Some(cmyk) = self.cache.get(&key) {
            return Some(*cmyk);
        }
        let converter = match self.profile.converter() {
            Ok(c) => c,
            Err(message) => {
                self.problems.push(Unconverted {
                    span,
                    message,
                    hint: "name a CMYK output profile that can be read in `print.output_intent`",
                });
                return None;
            }
        };
        let cmyk = converter.cmyk([r, g, b]);
        self.cache.insert(key, cmyk);
        Some(cmyk)
    }
}

/// Whether a colour is RGB (in any of Typst's RGB-based spaces); grey,
/// CMYK and spot colours are not.
pub fn is_rgb(c: &Color) -> bool {
    matches!(c, Color::Process(p) if !matches!(p, ProcessColor::Luma(_) | ProcessColor::Cmyk(_)))
}
