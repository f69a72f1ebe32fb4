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
//! Decoding is `image` (the decoders Typst and krilla use) and, for CMYK,
//! libjpeg-turbo (`mozjpeg`); resampling `fast_image_resize`'s Catmull-Rom
//! filter; encoding libjpeg-turbo (which writes CMYK as Adobe-inverted
//! JPEG, the convention krilla expects). For pages rendered to PNG, CMYK
//! JPEGs are soft-proofed to sRGB ([`proofed`]).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use image::{DynamicImage, GenericImageView, ImageBuffer};
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
/// transforms made for them: shared by the jobs of a batch. Holds at most
/// [`Cache::BUDGET`] bytes of pixels; beyond that it starts again (a batch
/// of distinct photos does not keep them all). With a folder
/// ([`Cache::keep_in`]), what the print stage made of an image is also
/// kept there between builds: a photo placed smaller than its schema's
/// frame (a handout's portrait), reduced for the frame as it is read, is
/// then not decoded, resized and encoded again at every build.
#[derive(Default)]
pub struct Cache {
    inner: Mutex<CacheInner>,
    kept: Kept,
}

/// The folder where made images are kept between builds, by key: the
/// output folder's image cache, shared by [`Cache`] and
/// [`super::reduce::Reduced`]. Without one, nothing is read or kept.
#[derive(Default)]
pub(super) struct Kept(Mutex<Option<PathBuf>>);

impl Kept {
    /// Reads and keeps images in `folder` from now on (`None`: neither).
    pub(super) fn set(&self, folder: Option<PathBuf>) {
        if let Ok(mut f) = self.0.lock() {
            *f = folder;
        }
    }

    fn file(&self, key: u128) -> Option<PathBuf> {
        let folder = self.0.lock().ok().and_then(|f| f.clone())?;
        Some(folder.join(format!("{key:032x}.img")))
    }

    /// The image kept for `key`, if there is one.
    pub(super) fn read(&self, key: u128) -> Option<Vec<u8>> {
        std::fs::read(self.file(key)?).ok()
    }

    /// Keeps `bytes` for `key`, if there is a folder: a cache, so a failure
    /// to keep them costs the next build time, nothing else.
    pub(super) fn keep(&self, key: u128, bytes: &[u8]) {
        if let Some(file) = self.file(key) {
            let _ = crate::output::write_atomic(&file, bytes);
        }
    }
}

/// Bumped when what [`fitted`] makes changes: files kept from before are
/// not used.
const KEPT_VERSION: u32 = 1;

#[derive(Default)]
struct CacheInner {
    map: HashMap<u128, Result<Image, Unfit>>,
    bytes: usize,
    /// Whether a JPEG's pixels decode, by the hash of its bytes: the files
    /// pamphlet made ([`Cache::vouch`]) and those it has decoded. Never
    /// emptied (a few dozen bytes an image).
    decodes: HashMap<u128, Result<(), Unfit>>,
    /// Colour transforms by source profile, output profile and intent.
    transforms: HashMap<u128, Arc<RgbToCmyk>>,
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

    /// Keeps processed images in `folder` from now on, and reads them from
    /// there (`None`: in memory only). The folder is shared with
    /// [`super::reduce::Reduced`]'s, and pruned with it.
    pub fn keep_in(&self, folder: Option<PathBuf>) {
        self.kept.set(folder);
    }

    /// Notes that `bytes` are an image file pamphlet made (a photo reduced
    /// as it was read): its pixels decode, and the print stage need not
    /// decode them to know it.
    pub fn vouch(&self, bytes: &Bytes) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.decodes.insert(typst::utils::hash128(bytes), Ok(()));
        }
    }

    /// Whether the pixels of `raster` decode, found once per file: a JPEG
    /// is loaded from its headers and decoded only when its pixels are
    /// needed (PDF export embeds it as it is), so a JPEG that is damaged
    /// past its headers would otherwise go into the PDF unnoticed.
    fn decodes(&self, raster: &RasterImage) -> Result<(), Unfit> {
        let key = typst::utils::hash128(raster.data());
        if let Some(known) = self
            .inner
            .lock()
            .ok()
            .and_then(|m| m.decodes.get(&key).cloned())
        {
            return known;
        }
        let decodes = pixels(raster).map(|_| ());
        if let Ok(mut inner) = self.inner.lock() {
            inner.decodes.insert(key, decodes.clone());
        }
        decodes
    }

    fn get_or(
        &self,
        key: u128,
        make: impl FnOnce() -> Result<Image, Unfit>,
    ) -> Result<Image, Unfit> {
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

    /// The conversion from `icc` (or sRGB) into `profile`'s CMYK, made
    /// once.
    fn transform(
        &self,
        icc: Option<&[u8]>,
        profile: &OutputProfile,
        intent: RenderingIntent,
    ) -> Result<Arc<RgbToCmyk>, String> {
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
        let transform = Arc::new(RgbToCmyk::sampled(transform.as_ref())?);
        if let Ok(mut inner) = self.inner.lock() {
            inner.transforms.insert(key, transform.clone());
        }
        Ok(transform)
    }
}

/// An RGB to CMYK conversion sampled on a 33 × 33 × 33 grid and
/// interpolated between its points (tetrahedral), as colour management
/// systems precalculate 8-bit transforms (LittleCMS does so with the same
/// grid): many times faster than evaluating the profiles' pipeline for
/// every pixel of a photo, on average within a quarter of a level of it.
pub(crate) struct RgbToCmyk {
    /// CMYK at each grid point, by (r, g, b) index: the four levels in the
    /// four 16-bit lanes of a `u64` (C in the lowest), so that a pixel's
    /// four inks are interpolated at once.
    grid: Vec<u64>,
    /// For each axis (r, g, b) and 8-bit level: where its grid cell starts
    /// along that axis (an index step in `grid`) and where in the cell the
    /// level is (0–256), so that a pixel costs no division.
    cells: [[(u16, u16); 256]; 3],
}

/// Points per side of [`RgbToCmyk`]'s grid.
const GRID: usize = 33;

impl RgbToCmyk {
    /// `transform` (RGB to CMYK, 8 bits) sampled on the grid.
    fn sampled(transform: &Transform8BitExecutor) -> Result<RgbToCmyk, String> {
        let level = |i: usize| ((i * 255 + (GRID - 1) / 2) / (GRID - 1)) as u8;
        let mut rgb = Vec::with_capacity(GRID * GRID * GRID * 3);
        for r in 0..GRID {
            for g in 0..GRID {
                for b in 0..GRID {
                    rgb.extend_from_slice(&[level(r), level(g), level(b)]);
                }
            }
        }
        let mut cmyk = vec![0u8; GRID * GRID * GRID * 4];
        transform
            .transform(&rgb, &mut cmyk)
            .map_err(|e| format!("cannot convert the image to the output profile: {e}"))?;
        let grid = cmyk
            .chunks_exact(4)
            .map(|c| {
                c.iter()
                    .rev()
                    .fold(0u64, |lanes, &v| lanes << 16 | u64::from(v))
            })
            .collect();
        let steps = GRID as u32 - 1;
        let cell = |v: usize| {
            let x = v as u32 * steps;
            let (i, f) = (x / 255, x % 255);
            if i == steps {
                (i - 1, 256)
            } else {
                (i, (f * 256 + 127) / 255)
            }
        };
        // The largest start, 31 × 33 × 33 (along r), fits in 16 bits.
        let cells = [GRID * GRID, GRID, 1].map(|step| {
            std::array::from_fn(|v| {
                let (i, f) = cell(v);
                ((i as usize * step) as u16, f as u16)
            })
        });
        Ok(RgbToCmyk { grid, cells })
    }

    /// Converts `rgb` pixels into `cmyk`, four bytes a pixel as Adobe
    /// software stores them in a JPEG (inverted: 255 = no ink), the form
    /// [`encode_jpeg`] takes.
    fn convert(&self, rgb: &[u8], cmyk: &mut [u8]) {
        // Steps between neighbouring grid points along r, g and b.
        const R: usize = GRID * GRID;
        const G: usize = GRID;
        const B: usize = 1;
        let [rs, gs, bs] = &self.cells;
        for (px, out) in rgb.chunks_exact(3).zip(cmyk.chunks_exact_mut(4)) {
            let (r, fr) = rs[usize::from(px[0])];
            let (g, fg) = gs[usize::from(px[1])];
            let (b, fb) = bs[usize::from(px[2])];
            let base = usize::from(r) + usize::from(g) + usize::from(b);
            // The cell's corners (one bounds check for the four: a cell
            // starts at most 31 steps along each axis).
            let corners = &self.grid[base..=base + R + G + B];
            // The tetrahedron of the cell the pixel is in: the corners met
            // going from the cell's first corner to its last along the
            // largest fraction first (w1 along o1), then the middle one
            // (w2, to o2), then the smallest (w3), chosen without branches
            // (which a photo's pixels would mispredict). Where fractions
            // are equal, the corner they choose between has no weight.
            let w1 = fr.max(fg).max(fb);
            let w3 = fr.min(fg).min(fb);
            let w2 = fr + fg + fb - w1 - w3;
            let o1 = if fr == w1 {
                R
            } else if fg == w1 {
                G
            } else {
                B
            };
            let last = if fb == w3 {
                B
            } else if fg == w3 {
                G
            } else {
                R
            };
            let o2 = R + G + B - last;
            // A mean of the four corners with weights of 256 in all
            // (256 ≥ w1 ≥ w2 ≥ w3 ≥ 0): no lane exceeds 255 × 256 + 128,
            // so none carries into the next.
            let v = corners[0] * u64::from(256 - w1)
                + corners[o1] * u64::from(w1 - w2)
                + corners[o2] * u64::from(w2 - w3)
                + corners[R + G + B] * u64::from(w3)
                + 0x0080_0080_0080_0080;
            // Each lane's high byte, the four packed into C, M, Y, K.
            let v = (v >> 8) & 0x00FF_00FF_00FF_00FF;
            let v = (v | v >> 8) & 0x0000_FFFF_0000_FFFF;
            let v = (v | v >> 16) as u32;
            out.copy_from_slice(&(!v).to_le_bytes());
        }
    }
}

/// The bytes of `image`'s pixels once decoded (a JPEG is decoded only if
/// it is rendered: this is the most it holds).
fn pixel_bytes(image: &Image) -> usize {
    match image.kind() {
        ImageKind::Raster(r) => {
            r.width() as usize * r.height() as usize * usize::from(r.color().bytes_per_pixel())
        }
        _ => 0,
    }
}

/// Why an image cannot go into the output as it is.
#[derive(Debug, Clone)]
enum Unfit {
    /// Its pixels cannot be decoded.
    Damaged(String),
    /// It cannot be made what the output needs.
    Unconvertible(String),
}

impl From<String> for Unfit {
    fn from(message: String) -> Unfit {
        Unfit::Unconvertible(message)
    }
}

/// The decoded pixels of a grey or RGB `raster` (a JPEG is decoded here,
/// the first time they are asked for).
fn pixels(raster: &RasterImage) -> Result<&Arc<DynamicImage>, Unfit> {
    raster
        .decoded()
        .map_err(|e| Unfit::Damaged(format!("the image's pixels cannot be read: {e}")))
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

fn unconverted(span: Span, unfit: Unfit) -> Unconverted {
    match unfit {
        Unfit::Damaged(message) => Unconverted {
            span,
            message,
            hint: "the file is damaged: export it again, or copy it again from its source",
        },
        Unfit::Unconvertible(message) => Unconverted {
            span,
            message,
            hint: "flatten the image onto its background (or use SVG for a logo), or leave PDF/X out with `pdf_standard = []`",
        },
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
) -> Result<Option<Image>, Unfit> {
    let ImageKind::Raster(raster) = image.kind() else {
        return Ok(None);
    };
    let jpeg = matches!(
        raster.format(),
        typst::visualize::RasterFormat::Exchange(ExchangeFormat::Jpg)
    );
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
        // Goes into the PDF as it is: a JPEG's pixels were not decoded.
        if jpeg {
            cache.decodes(raster)?;
        }
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
    let made = |bytes: Bytes, format| -> Result<Image, Unfit> {
        let raster = RasterImage::new(bytes, format, Smart::Auto).map_err(|e| e.to_string())?;
        Ok(Image::new(
            ImageKind::Raster(raster),
            image.alt().map(Into::into),
            image.scaling(),
        ))
    };
    let processed = cache.get_or(key, || {
        // Kept by a build before, by the file's bytes and the target.
        let kept_key = typst::utils::hash128(&(
            "print",
            KEPT_VERSION,
            crate::digest::of(raster.data()),
            target,
            output.quality,
            output.cmyk.as_ref().map(|(p, i)| (p.hash, *i)),
        ));
        if let Some(kept) = cache.kept.read(kept_key) {
            let format = if kept.starts_with(b"\x89PNG") {
                ExchangeFormat::Png
            } else {
                ExchangeFormat::Jpg
            };
            if let Ok(image) = made(Bytes::new(kept), format) {
                return Ok(image);
            }
        }
        let (bytes, format) = process(raster, source, target, output, cache)?;
        cache.kept.keep(kept_key, &bytes);
        made(bytes, format)
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
) -> Result<(Bytes, ExchangeFormat), Unfit> {
    let was_png = matches!(
        raster.format(),
        typst::visualize::RasterFormat::Exchange(ExchangeFormat::Png)
    );
    let icc = raster.icc().map(|b| b.as_slice().to_vec());
    match source {
        Source::CmykJpeg => {
            let pixels = decode_cmyk(raster.data()).map_err(Unfit::Damaged)?;
            let mut small = resize(pixels, tw, th);
            small.iter_mut().for_each(|v| *v = !*v);
            let jpeg = encode_jpeg(&small, tw, th, Colour::AdobeCmyk, icc, output)?;
            Ok((jpeg, ExchangeFormat::Jpg))
        }
        Source::Grey | Source::Rgb => Ok(encode(
            pixels(raster)?,
            icc,
            was_png,
            (tw, th),
            output,
            cache,
        )?),
    }
}

/// A decoded grey or RGB `image` (with its colour profile `icc`, from a PNG
/// file if `was_png`) at `tw` × `th` pixels, encoded for `output`: for
/// PDF/X an RGB image becomes a CMYK JPEG, a photo a JPEG at the output's
/// quality, a PNG stays PNG. Also what [`reduce`](super::reduce) makes of
/// a photo as it is read, so that the print stage has nothing left to do.
pub fn encode(
    image: &DynamicImage,
    icc: Option<Vec<u8>>,
    was_png: bool,
    (tw, th): (u32, u32),
    output: &Target,
    cache: &Cache,
) -> Result<(Bytes, ExchangeFormat), String> {
    let transparent = image.color().has_alpha() && !opaque(image);
    let grey = image.color().channel_count() <= 2;
    if !grey && let Some((profile, intent)) = &output.cmyk {
        if transparent {
            return Err("an RGB image with transparency in a PDF/X print PDF: pamphlet converts images to CMYK JPEGs, which have no transparency".into());
        }
        // The decoded pixels themselves when they are RGB at the size
        // wanted (a photo reduced as it is read), else a sized copy.
        let copy;
        let rgb = match image {
            DynamicImage::ImageRgb8(rgb) if rgb.dimensions() == (tw, th) => rgb.as_raw(),
            _ => {
                copy = sized(DynamicImage::ImageRgb8(image.to_rgb8()), tw, th);
                copy.as_bytes()
            }
        };
        let transform = cache.transform(icc.as_deref(), profile, *intent)?;
        let mut cmyk = vec![0u8; rgb.len() / 3 * 4];
        transform.convert(rgb, &mut cmyk);
        let jpeg = encode_jpeg(&cmyk, tw, th, Colour::AdobeCmyk, None, output)?;
        return Ok((jpeg, ExchangeFormat::Jpg));
    }
    // Grey or RGB as it is: a PNG when it has transparency or was one,
    // else a JPEG.
    let (small, colour) = match (grey, transparent) {
        (true, true) => (
            DynamicImage::ImageLumaA8(image.to_luma_alpha8()),
            Colour::Grey,
        ),
        (true, false) => (DynamicImage::ImageLuma8(image.to_luma8()), Colour::Grey),
        (false, true) => (DynamicImage::ImageRgba8(image.to_rgba8()), Colour::Rgb),
        (false, false) => (DynamicImage::ImageRgb8(image.to_rgb8()), Colour::Rgb),
    };
    let small = sized(small, tw, th);
    if transparent || was_png {
        return Ok((encode_png(&small)?, ExchangeFormat::Png));
    }
    let jpeg = encode_jpeg(small.as_bytes(), tw, th, colour, icc, output)?;
    Ok((jpeg, ExchangeFormat::Jpg))
}

/// `image` (8 bits per channel) at `tw` × `th` (itself when it is that
/// size already).
fn sized(image: DynamicImage, tw: u32, th: u32) -> DynamicImage {
    let (w, h) = (image.width(), image.height());
    if (w, h) == (tw, th) {
        return image;
    }
    let channels = image.color().channel_count();
    let pixels = resample(image.into_bytes(), (w, h), channels, true, (tw, th));
    let made = match channels {
        1 => ImageBuffer::from_raw(tw, th, pixels).map(DynamicImage::ImageLuma8),
        2 => ImageBuffer::from_raw(tw, th, pixels).map(DynamicImage::ImageLumaA8),
        3 => ImageBuffer::from_raw(tw, th, pixels).map(DynamicImage::ImageRgb8),
        _ => ImageBuffer::from_raw(tw, th, pixels).map(DynamicImage::ImageRgba8),
    };
    made.unwrap_or_else(|| DynamicImage::new_rgb8(tw, th))
}

/// `pixels` (`w` × `h`, `channels` of 8 bits each, the last an alpha
/// channel if `alpha`) resampled to `tw` × `th` with a Catmull-Rom filter.
fn resample(
    pixels: Vec<u8>,
    (w, h): (u32, u32),
    channels: u8,
    alpha: bool,
    (tw, th): (u32, u32),
) -> Vec<u8> {
    use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer, images};
    let kind = match channels {
        1 => PixelType::U8,
        2 => PixelType::U8x2,
        3 => PixelType::U8x3,
        _ => PixelType::U8x4,
    };
    let mut out = images::Image::new(tw, th, kind);
    let resized = images::Image::from_vec_u8(w, h, pixels, kind).is_ok_and(|src| {
        let options = ResizeOptions::new()
            .resize_alg(ResizeAlg::Convolution(FilterType::CatmullRom))
            .use_alpha(alpha);
        Resizer::new().resize(&src, &mut out, &options).is_ok()
    });
    if resized { out.into_vec() } else { Vec::new() }
}

/// Whether every pixel of an image with alpha is fully opaque.
fn opaque(image: &DynamicImage) -> bool {
    image.pixels().all(|(_, _, p)| p.0[3] == u8::MAX)
}

/// Four-channel pixels (CMYK) resized to `tw` × `th`.
fn resize((data, w, h): (Vec<u8>, u32, u32), tw: u32, th: u32) -> Vec<u8> {
    resample(data, (w, h), 4, false, (tw, th))
}

/// A CMYK JPEG's pixels (0 = no ink), with its width and height, decoded
/// by libjpeg-turbo (zune-jpeg 0.5 misreads subsampled CMYK).
fn decode_cmyk(data: &[u8]) -> Result<(Vec<u8>, u32, u32), String> {
    // libjpeg reports a broken file by unwinding (without the panic hook).
    let decoded = std::panic::catch_unwind(|| -> std::io::Result<(Vec<u8>, u32, u32)> {
        let decoder = mozjpeg::Decompress::new_mem(data)?;
        let mut started = decoder.to_colorspace(mozjpeg::ColorSpace::JCS_CMYK)?;
        let (w, h) = (started.width() as u32, started.height() as u32);
        let pixels: Vec<u8> = started.read_scanlines()?;
        started.finish()?;
        Ok((pixels, w, h))
    });
    let (pixels, w, h) = match decoded {
        Ok(Ok(decoded)) => decoded,
        Ok(Err(e)) => return Err(format!("cannot decode a CMYK JPEG: {e}")),
        Err(_) => return Err("cannot decode a CMYK JPEG: the file is damaged".into()),
    };
    // JPEGs from Adobe software (and from pamphlet) store CMYK inverted.
    let pixels = if crate::raster::is_adobe(data) {
        pixels.into_iter().map(|v| u8::MAX - v).collect()
    } else {
        pixels
    };
    Ok((pixels, w, h))
}

/// `document` with its CMYK JPEGs shown as they print: converted to sRGB
/// through their own profile or the output `profile` (a soft proof), for
/// pages rendered to PNG. A renderer would otherwise turn ink into light by
/// formula, and a photo in the PNG would not look like the print.
pub fn proofed(document: &PagedDocument, profile: &OutputProfile, cache: &Cache) -> PagedDocument {
    super::rebuilt(document, &mut |page| {
        super::walk(&mut page.frame, &mut |item| {
            if let FrameItem::Image(image, _, _) = item
                && let ImageKind::Raster(raster) = image.kind()
                && crate::raster::jpeg_components(raster.data()) == Some(4)
                && let Ok(rgb) = cache.get_or(
                    typst::utils::hash128(&("proof", raster, profile.hash)),
                    || Ok(proof(raster, profile, image)?),
                )
            {
                *image = rgb;
            }
        })
    })
}

/// A CMYK JPEG in sRGB (see [`proofed`]).
fn proof(raster: &RasterImage, profile: &OutputProfile, image: &Image) -> Result<Image, String> {
    let (cmyk, w, h) = decode_cmyk(raster.data())?;
    let own = raster.icc().map(|b| b.as_slice().to_vec());
    let src = own
        .and_then(|b| ColorProfile::new_from_slice(&b).ok())
        .map_or_else(|| ColorProfile::new_from_slice(&profile.bytes), Ok)
        .map_err(|e| format!("cannot read the output profile: {e}"))?;
    let transform = src
        .create_transform_8bit(
            Layout::Rgba,
            &ColorProfile::new_srgb(),
            Layout::Rgb,
            TransformOptions::default(),
        )
        .map_err(|e| format!("cannot proof the image: {e}"))?;
    let mut rgb = vec![0u8; cmyk.len() / 4 * 3];
    transform
        .transform(&cmyk, &mut rgb)
        .map_err(|e| format!("cannot proof the image: {e}"))?;
    let format = typst::visualize::PixelFormat {
        encoding: typst::visualize::PixelEncoding::Rgb8,
        width: w,
        height: h,
    };
    let raster =
        RasterImage::new(Bytes::new(rgb), format, Smart::Auto).map_err(|e| e.to_string())?;
    Ok(Image::new(
        ImageKind::Raster(raster),
        image.alt().map(Into::into),
        image.scaling(),
    ))
}

/// What the pixels handed to [`encode_jpeg`] are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Colour {
    /// One byte a pixel.
    Grey,
    /// Three bytes a pixel.
    Rgb,
    /// Four bytes a pixel as Adobe software stores them (inverted: 255 =
    /// no ink).
    AdobeCmyk,
}

/// `pixels` (`w` × `h`) as a JPEG at the output's quality, with `icc`
/// embedded, by libjpeg-turbo (SIMD; the same bytes on every machine, as
/// its integer DCT is exact). CMYK comes inverted, as Adobe software
/// stores it, and is written so, with an Adobe marker (what krilla and
/// pamphlet read back),
/// every ink at full resolution, cyan, magenta and yellow with the
/// chrominance tables and black with the luminance ones.
fn encode_jpeg(
    pixels: &[u8],
    w: u32,
    h: u32,
    colour: Colour,
    icc: Option<Vec<u8>>,
    output: &Target,
) -> Result<Bytes, String> {
    use mozjpeg::{ColorSpace, Compress};
    // libjpeg's JPEG_MAX_DIMENSION: a side beyond it would only make the
    // encoder fail without saying why.
    const MAX_SIDE: u32 = 65_500;
    if w > MAX_SIDE || h > MAX_SIDE {
        return Err(format!(
            "an image of {w} × {h} pixels is too large to encode"
        ));
    }
    let space = match colour {
        Colour::Grey => ColorSpace::JCS_GRAYSCALE,
        Colour::Rgb => ColorSpace::JCS_RGB,
        Colour::AdobeCmyk => ColorSpace::JCS_CMYK,
    };
    let quality = f32::from(output.quality);
    // libjpeg reports an error by unwinding (without the panic hook).
    let encoded = std::panic::catch_unwind(|| -> std::io::Result<Vec<u8>> {
        let mut compress = Compress::new(space);
        // libjpeg-turbo's own settings (mozjpeg's trellis quantisation
        // would take five times as long).
        compress.set_fastest_defaults();
        compress.set_size(w as usize, h as usize);
        compress.set_quality(quality);
        if colour == Colour::AdobeCmyk {
            // Subsampled magenta and yellow would blur colour edges in
            // print, and zune-jpeg (Typst's decoder) misreads subsampled
            // four-component JPEGs (0.5.15).
            for (i, component) in compress.components_mut().iter_mut().enumerate() {
                let table = if i < 3 { 1 } else { 0 };
                component.h_samp_factor = 1;
                component.v_samp_factor = 1;
                component.quant_tbl_no = table;
                component.dc_tbl_no = table;
                component.ac_tbl_no = table;
            }
        }
        let mut started = compress.start_compress(Vec::new())?;
        if let Some(icc) = &icc {
            started.write_icc_profile(icc);
        }
        started.write_scanlines(pixels)?;
        started.finish()
    });
    match encoded {
        Ok(Ok(jpeg)) => Ok(Bytes::new(jpeg)),
        Ok(Err(e)) => Err(format!("cannot encode the image: {e}")),
        Err(_) => Err("cannot encode the image: the encoder failed".into()),
    }
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
    raster.color().channel_count() > 2 && crate::raster::jpeg_components(raster.data()) != Some(4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jpeg_wider_than_libjpeg_allows_is_refused_by_name() {
        let output = Target {
            max_ppi: 450.0,
            quality: 85,
            cmyk: None,
        };
        let err =
            encode_jpeg(&vec![0; 65_501], 65_501, 1, Colour::Grey, None, &output).unwrap_err();
        assert_eq!(err, "an image of 65501 × 1 pixels is too large to encode");
        assert!(encode_jpeg(&vec![0; 65_500], 65_500, 1, Colour::Grey, None, &output).is_ok());
    }

    /// RGB pixels of every combination of `levels` (r slowest, b fastest).
    fn every_colour_of(levels: &[u8]) -> Vec<u8> {
        let mut rgb = Vec::with_capacity(levels.len().pow(3) * 3);
        for &r in levels {
            for &g in levels {
                for &b in levels {
                    rgb.extend_from_slice(&[r, g, b]);
                }
            }
        }
        rgb
    }

    /// The conversion picks each pixel's tetrahedron without branches: it
    /// gives, byte for byte, what choosing it case by case (by the order
    /// of the three fractions, as LittleCMS does) gives, on every 3rd
    /// level of each channel (636,056 colours, with every tie between
    /// fractions that levels meet).
    #[test]
    fn the_branchless_tetrahedra_are_the_ones_chosen_case_by_case() {
        const R: usize = GRID * GRID;
        const G: usize = GRID;
        const B: usize = 1;
        let profile = OutputProfile::japan_color_2011_coated();
        let lut = Cache::default()
            .transform(None, &profile, RenderingIntent::Perceptual)
            .unwrap();
        let by_cases = |px: [u8; 3]| -> [u8; 4] {
            let [(r, fr), (g, fg), (b, fb)] = [0, 1, 2].map(|a| lut.cells[a][usize::from(px[a])]);
            let base = usize::from(r) + usize::from(g) + usize::from(b);
            let (w1, o1, w2, o2, w3) = if fr >= fg {
                if fg >= fb {
                    (fr, R, fg, R + G, fb)
                } else if fr >= fb {
                    (fr, R, fb, R + B, fg)
                } else {
                    (fb, B, fr, R + B, fg)
                }
            } else if fr >= fb {
                (fg, G, fr, R + G, fb)
            } else if fg >= fb {
                (fg, G, fb, G + B, fr)
            } else {
                (fb, B, fg, G + B, fr)
            };
            let lanes = |v: u64| [0, 16, 32, 48].map(|s| (v >> s) as u16);
            let mut out = [0u8; 4];
            for (i, o) in out.iter_mut().enumerate() {
                let corner = |at: usize| u32::from(lanes(lut.grid[at])[i]);
                let sum = corner(base) * u32::from(256 - w1)
                    + corner(base + o1) * u32::from(w1 - w2)
                    + corner(base + o2) * u32::from(w2 - w3)
                    + corner(base + R + G + B) * u32::from(w3);
                *o = !(((sum + 128) >> 8) as u8);
            }
            out
        };
        let levels: Vec<u8> = (0..=255u8).step_by(3).collect();
        let rgb = every_colour_of(&levels);
        let mut got = vec![0u8; rgb.len() / 3 * 4];
        lut.convert(&rgb, &mut got);
        for (px, got) in rgb.chunks_exact(3).zip(got.chunks_exact(4)) {
            let px = [px[0], px[1], px[2]];
            assert_eq!(got, by_cases(px), "RGB {px:?}");
        }
    }

    /// The sampled conversion against the profiles' pipeline itself, on
    /// every 7th level of each channel (50,000 colours): on average within
    /// a quarter of a level, at worst 7 levels of one ink (2.7 %, at the
    /// gamut's edge, where the pipeline bends).
    #[test]
    fn the_sampled_conversion_is_within_a_few_levels_of_the_pipeline() {
        let profile = OutputProfile::japan_color_2011_coated();
        let cache = Cache::default();
        for intent in [
            RenderingIntent::Perceptual,
            RenderingIntent::RelativeColorimetric,
        ] {
            let lut = cache.transform(None, &profile, intent).unwrap();
            let dst = ColorProfile::new_from_slice(&profile.bytes).unwrap();
            let options = TransformOptions {
                rendering_intent: match intent {
                    RenderingIntent::Perceptual => moxcms::RenderingIntent::Perceptual,
                    RenderingIntent::RelativeColorimetric => {
                        moxcms::RenderingIntent::RelativeColorimetric
                    }
                },
                ..Default::default()
            };
            let exact = ColorProfile::new_srgb()
                .create_transform_8bit(Layout::Rgb, &dst, Layout::Rgba, options)
                .unwrap();
            let levels: Vec<u8> = (0..=255u8).step_by(7).chain([255]).collect();
            let rgb = every_colour_of(&levels);
            let mut want = vec![0u8; rgb.len() / 3 * 4];
            exact.transform(&rgb, &mut want).unwrap();
            let mut got = vec![0u8; want.len()];
            lut.convert(&rgb, &mut got);
            got.iter_mut().for_each(|v| *v = !*v);
            let diffs: Vec<i32> = want
                .iter()
                .zip(&got)
                .map(|(a, b)| (i32::from(*a) - i32::from(*b)).abs())
                .collect();
            let max = *diffs.iter().max().unwrap();
            let mean = diffs.iter().sum::<i32>() as f64 / diffs.len() as f64;
            assert!(
                max <= 8 && mean < 0.5,
                "{intent:?}: largest difference {max}, mean {mean:.3}"
            );
            // Grid points are the pipeline's own values.
            let mut corner = [0u8; 4];
            lut.convert(&[255, 0, 0], &mut corner);
            corner.iter_mut().for_each(|v| *v = !*v);
            assert_eq!(
                &corner[..],
                &want[(levels.len() - 1) * levels.len() * levels.len() * 4..][..4]
            );
        }
    }
}
