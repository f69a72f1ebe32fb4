//! Images sized and coloured for the output, on the laid-out frames before
//! export: every raster image is checked against the size it is placed at.
//!
//! - **Resolution**: an image with more pixels than the output needs (over
//!   `print_ppi` for print, `screen_ppi` for screen, in the manifest's
//!   `[images]`) is downsampled to that resolution and re-encoded (JPEG at
//!   `jpeg_quality` for photos; PNG stays PNG).
//! - **Colour**: for a PDF/X print variant, RGB images become CMYK JPEGs
//!   through the output profile (`moxcms`, the source being the image's own
//!   ICC profile or sRGB; perceptual or relative colorimetric intent). CMYK
//!   JPEGs keep their CMYK (and their profile), grey stays grey. Elsewhere
//!   RGB stays RGB.
//! - **Once**: results are cached by the image's content hash for the whole
//!   batch (a logo on 1,000 handouts is processed once), and the same
//!   processed image is placed wherever the original was, so a PDF embeds it
//!   once however often it appears.
//!
//! Decoding is `image`/`zune-jpeg` (the decoders Typst and krilla use),
//! resampling `image`'s Catmull-Rom filter, encoding `jpeg-encoder` (which
//! writes CMYK, as Adobe-inverted JPEG, the convention krilla expects).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use image::{DynamicImage, GenericImageView, ImageBuffer, imageops::FilterType};
use moxcms::{ColorProfile, Layout, Transform8BitExecutor, TransformOptions};
use typst::foundations::{Bytes, Smart};
use typst::layout::{FrameItem, Size};
use typst::syntax::Span;
use typst::visualize::{ExchangeFormat, Image, ImageKind, RasterImage};
use typst_layout::PagedDocument;

use super::Unconverted;
use super::profile::OutputProfile;
use crate::project::{ImageSettings, RenderingIntent};

/// How a variant's images come out.
#[derive(Debug, Clone)]
pub struct Target {
    /// Pixels per inch above which an image is downsampled.
    pub max_ppi: f64,
    /// JPEG quality of re-encoded images (1–100).
    pub quality: u8,
    /// For PDF/X: the profile RGB images are converted into.
    pub cmyk: Option<(Arc<OutputProfile>, RenderingIntent)>,
}

impl Target {
    /// The output of a print (`print = true`) or screen variant, converting
    /// to `cmyk` if given.
    pub fn new(settings: &ImageSettings, print: bool, cmyk: Option<Arc<OutputProfile>>) -> Target {
        Target {
            max_ppi: if print {
                settings.print_ppi
            } else {
                settings.screen_ppi
            },
            quality: settings.jpeg_quality,
            cmyk: cmyk.map(|p| (p, settings.intent)),
        }
    }
}

/// Images already processed, by content and target, and the colour
/// transforms made for them: shared by the jobs of a batch. Holds at most [`Cache::BUDGET`] bytes of pixels; beyond that it
/// starts again (a batch of distinct photos does not keep them all).
#[derive(Default)]
pub struct Cache {
    inner: Mutex<CacheInner>,
}

#[derive(Default)]
struct CacheInner {
    map: HashMap<u128, Result<Image, String>>,
    bytes: usize,
    /// Colour transforms by source profile, output profile and intent.
    transforms: HashMap<u128, Arc<Transform8BitExecutor>>,
}

impl CacheInner {
    /// Makes room for `size` more bytes: past [`Cache::BUDGET`], the cache
    /// starts again.
    fn admit(&mut self, size: usize) {
        if self.bytes + size > Cache::BUDGET {
            self.map.clear();
            self.bytes = 0;
        }
        self.bytes += size;
    }
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("images::Cache")
    }
}

impl Cache {
    /// Bytes kept before the cache is emptied: 128 MB.
    pub const BUDGET: usize = 128 << 20;

    fn get_or(
        &self,
        key: u128,
        make: impl FnOnce() -> Result<Image, String>,
    ) -> Result<Image, String> {
        if let Some(hit) = self
            .inner
            .lock()
            .ok()
            .and_then(|m| m.map.get(&key).cloned())
        {
            return hit;
        }
        let made = make();
        if let Ok(mut inner) = self.inner.lock() {
            inner.admit(made.as_ref().map_or(0, pixel_bytes));
            inner.map.insert(key, made.clone());
        }
        made
    }

    /// The transform from `icc` (or sRGB) into `profile`'s CMYK, made once.
    fn transform(
        &self,
        icc: Option<&[u8]>,
        profile: &OutputProfile,
        intent: RenderingIntent,
    ) -> Result<Arc<Transform8BitExecutor>, String> {
        let key = typst::utils::hash128(&(icc, profile.hash, intent));
        if let Some(t) = self
            .inner
            .lock()
            .ok()
            .and_then(|m| m.transforms.get(&key).cloned())
        {
            return Ok(t);
        }
        let src = icc
            .and_then(|b| ColorProfile::new_from_slice(b).ok())
            .unwrap_or_else(ColorProfile::new_srgb);
        let dst = ColorProfile::new_from_slice(&profile.bytes)
            .map_err(|e| format!("cannot read the output profile for colour conversion: {e}"))?;
        let options = TransformOptions {
            rendering_intent: match intent {
                RenderingIntent::Perceptual => moxcms::RenderingIntent::Perceptual,
                RenderingIntent::RelativeColorimetric => {
                    moxcms::RenderingIntent::RelativeColorimetric
                }
            },
            ..Default::default()
        };
        let transform = src
            .create_transform_8bit(Layout::Rgb, &dst, Layout::Rgba, options)
            .map_err(|e| format!("cannot convert the image to the output profile: {e}"))?;
        if let Ok(mut inner) = self.inner.lock() {
            inner.transforms.insert(key, transform.clone());
        }
        Ok(transform)
    }
}

fn pixel_bytes(image: &Image) -> usize {
    match image.kind() {
        ImageKind::Raster(r) => r.dynamic().as_bytes().len(),
        _ => 0,
    }
}

/// The document with its raster images sized (and for PDF/X coloured) for
/// `output`, and the images that could not be (at the layout line that
/// placed them).
pub fn convert(
    document: &PagedDocument,
    output: &Target,
    cache: &Cache,
) -> (PagedDocument, Vec<Unconverted>) {
    let mut problems = Vec::new();
    let document = super::rebuilt(document, &mut |page| {
        super::walk(&mut page.frame, &mut |item| {
            if let FrameItem::Image(image, size, span) = item {
                match fitted(image, *size, output, cache) {
                    Ok(Some(new)) => *image = new,
                    Ok(None) => {}
                    Err(message) => problems.push(unconverted(*span, message)),
                }
            }
        })
    });
    (document, problems)
}

fn unconverted(span: Span, message: String) -> Unconverted {
    Unconverted {
        span,
        message,
        hint: "flatten the image onto its background (or use SVG for a logo), or leave PDF/X out with `pdf_standard = []`",
    }
}

/// What the source image is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Source {
    Grey,
    Rgb,
    CmykJpeg,
}

/// `image` placed at `size`, processed for `output`; `None` if it can stay.
fn fitted(
    image: &Image,
    size: Size,
    output: &Target,
    cache: &Cache,
) -> Result<Option<Image>, String> {
    let ImageKind::Raster(raster) = image.kind() else {
        return Ok(None);
    };
    let (w, h) = (raster.width(), raster.height());
    let (pw, ph) = (size.x.to_pt(), size.y.to_pt());
    if w == 0 || h == 0 || pw <= 0.0 || ph <= 0.0 {
        return Ok(None);
    }
    let ppi = (f64::from(w) * 72.0 / pw).min(f64::from(h) * 72.0 / ph);
    let scale = if ppi > output.max_ppi * 1.05 {
        output.max_ppi / ppi
    } else {
        1.0
    };
    let source = if crate::raster::jpeg_components(raster.data()) == Some(4) {
        Source::CmykJpeg
    } else if is_rgb(raster) {
        Source::Rgb
    } else {
        Source::Grey
    };
    let convert = output.cmyk.is_some() && source == Source::Rgb;
    if scale >= 1.0 && !convert {
        return Ok(None);
    }
    let target = (
        ((f64::from(w) * scale).round() as u32).max(1),
        ((f64::from(h) * scale).round() as u32).max(1),
    );
    let key = typst::utils::hash128(&(
        raster,
        target,
        output.quality,
        output.cmyk.as_ref().map(|(p, i)| (p.hash, *i)),
    ));
    let processed = cache.get_or(key, || {
        let (bytes, format) = process(raster, source, target, output, cache)?;
        let raster = RasterImage::new(bytes, format, Smart::Auto).map_err(|e| e.to_string())?;
        Ok(Image::new(
            ImageKind::Raster(raster),
            image.alt().map(Into::into),
            image.scaling(),
        ))
    })?;
    Ok(Some(processed))
}

/// Re-encodes `raster` at `target` pixels for `output`.
fn process(
    raster: &RasterImage,
    source: Source,
    (tw, th): (u32, u32),
    output: &Target,
    cache: &Cache,
) -> Result<(Bytes, ExchangeFormat), String> {
    let was_png = matches!(
        raster.format(),
        typst::visualize::RasterFormat::Exchange(ExchangeFormat::Png)
    );
    let icc = raster.icc().map(|b| b.as_slice().to_vec());
    match source {
        Source::CmykJpeg => {
            let pixels = decode_cmyk(raster.data())?;
            let small = resize(pixels, tw, th);
            let jpeg = encode_jpeg(&small, tw, th, jpeg_encoder::ColorType::Cmyk, icc, output)?;
            Ok((jpeg, ExchangeFormat::Jpg))
        }
        Source::Grey => {
            let dynamic = raster.dynamic();
            if dynamic.color().has_alpha() && !opaque(dynamic) {
                let small = DynamicImage::ImageLumaA8(dynamic.to_luma_alpha8()).resize_exact(
                    tw,
                    th,
                    FilterType::CatmullRom,
                );
                return Ok((encode_png(&small)?, ExchangeFormat::Png));
            }
            let small = DynamicImage::ImageLuma8(dynamic.to_luma8()).resize_exact(
                tw,
                th,
                FilterType::CatmullRom,
            );
            if was_png {
                return Ok((encode_png(&small)?, ExchangeFormat::Png));
            }
            let jpeg = encode_jpeg(
                small.as_bytes(),
                tw,
                th,
                jpeg_encoder::ColorType::Luma,
                icc,
                output,
            )?;
            Ok((jpeg, ExchangeFormat::Jpg))
        }
        Source::Rgb => {
            let dynamic = raster.dynamic();
            let transparent = dynamic.color().has_alpha() && !opaque(dynamic);
            if let Some((profile, intent)) = &output.cmyk {
                if transparent {
                    return Err("an RGB image with transparency in a PDF/X print PDF: pamphlet converts images to CMYK JPEGs, which have no transparency".into());
                }
                let small = resize_rgb(dynamic, tw, th);
                let transform = cache.transform(icc.as_deref(), profile, *intent)?;
                let mut cmyk = vec![0u8; small.len() / 3 * 4];
                transform
                    .transform(&small, &mut cmyk)
                    .map_err(|e| format!("cannot convert the image to the output profile: {e}"))?;
                let jpeg = encode_jpeg(&cmyk, tw, th, jpeg_encoder::ColorType::Cmyk, None, output)?;
                return Ok((jpeg, ExchangeFormat::Jpg));
            }
            if transparent || was_png {
                let small = dynamic.resize_exact(tw, th, FilterType::CatmullRom);
                let small = if transparent {
                    DynamicImage::ImageRgba8(small.to_rgba8())
                } else {
                    DynamicImage::ImageRgb8(small.to_rgb8())
                };
                return Ok((encode_png(&small)?, ExchangeFormat::Png));
            }
            let small = resize_rgb(dynamic, tw, th);
            let jpeg = encode_jpeg(&small, tw, th, jpeg_encoder::ColorType::Rgb, icc, output)?;
            Ok((jpeg, ExchangeFormat::Jpg))
        }
    }
}

/// Whether every pixel of an image with alpha is fully opaque.
fn opaque(image: &DynamicImage) -> bool {
    image.pixels().all(|(_, _, p)| p.0[3] == u8::MAX)
}

/// The RGB pixels of `image` at `tw` × `th`.
fn resize_rgb(image: &DynamicImage, tw: u32, th: u32) -> Vec<u8> {
    let rgb = DynamicImage::ImageRgb8(image.to_rgb8());
    rgb.resize_exact(tw, th, FilterType::CatmullRom)
        .into_bytes()
}

/// Four-channel pixels (CMYK) resized to `tw` × `th`.
fn resize(pixels: (Vec<u8>, u32, u32), tw: u32, th: u32) -> Vec<u8> {
    let (data, w, h) = pixels;
    match ImageBuffer::<image::Rgba<u8>, _>::from_raw(w, h, data) {
        Some(buf) => image::imageops::resize(&buf, tw, th, FilterType::CatmullRom).into_raw(),
        None => Vec::new(),
    }
}

/// A CMYK JPEG's pixels (0 = no ink), with its width and height.
fn decode_cmyk(data: &[u8]) -> Result<(Vec<u8>, u32, u32), String> {
    use zune_jpeg::zune_core::colorspace::ColorSpace;
    use zune_jpeg::zune_core::options::DecoderOptions;
    let options = DecoderOptions::default().jpeg_set_out_colorspace(ColorSpace::CMYK);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(std::io::Cursor::new(data), options);
    let pixels = decoder
        .decode()
        .map_err(|e| format!("cannot decode a CMYK JPEG: {e}"))?;
    let (w, h) = decoder
        .dimensions()
        .ok_or("cannot read a CMYK JPEG's size")?;
    // JPEGs from Adobe software (and from pamphlet) store CMYK inverted.
    let inverted = crate::raster::is_adobe(data);
    let pixels = if inverted {
        pixels.into_iter().map(|v| u8::MAX - v).collect()
    } else {
        pixels
    };
    Ok((pixels, w as u32, h as u32))
}

fn encode_jpeg(
    pixels: &[u8],
    w: u32,
    h: u32,
    colour: jpeg_encoder::ColorType,
    icc: Option<Vec<u8>>,
    output: &Target,
) -> Result<Bytes, String> {
    let too_large = || format!("an image of {w} × {h} pixels is too large to encode");
    let (w16, h16) = (
        u16::try_from(w).map_err(|_| too_large())?,
        u16::try_from(h).map_err(|_| too_large())?,
    );
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, output.quality);
    if let Some(icc) = icc {
        encoder
            .add_icc_profile(&icc)
            .map_err(|e| format!("cannot keep the image's colour profile: {e}"))?;
    }
    encoder
        .encode(pixels, w16, h16, colour)
        .map_err(|e| format!("cannot encode the image: {e}"))?;
    Ok(Bytes::new(out))
}

fn encode_png(image: &DynamicImage) -> Result<Bytes, String> {
    let mut out = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| format!("cannot encode the image: {e}"))?;
    Ok(Bytes::new(out.into_inner()))
}

/// Whether a raster image is RGB: neither grey nor a CMYK JPEG.
pub fn is_rgb(raster: &RasterImage) -> bool {
    raster.dynamic().color().channel_count() > 2
        && crate::raster::jpeg_components(raster.data()) != Some(4)
}
