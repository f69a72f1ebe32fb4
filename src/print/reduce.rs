//! Camera-sized photos made into the image the output needs before Typst
//! decodes them, kept in memory for the session and on disk between builds.
//!
//! A JPEG is decoded at a reduced scale (1/8, 2/8 … in the DCT domain, by
//! libjpeg-turbo as `mozjpeg`): a 12-megapixel portrait for a 50 mm frame
//! is never held at full size. It is then sized to its frame at the
//! output's resolution and encoded as the print stage would
//! ([`images::encode`]: for print, a CMYK JPEG in the output profile), so
//! that a photo placed at its frame's size passes the print stage as it
//! is. The result is kept by the hash of the file's bytes, the frame and
//! the output: in memory ([`Reduced::BUDGET`]) and, during a build, in the
//! output folder (`.pamphlet-cache/images/`), so the next build reads a
//! small JPEG instead of decoding the photo again.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use image::DynamicImage;
use image::metadata::Orientation;
use typst::foundations::Bytes;

use super::images::{self, Cache, Kept, Target};
use crate::raster::jpeg_components;

/// Bumped when what [`reduce`] makes changes: cached files from before are
/// not used.
const VERSION: u32 = 4;

/// Image files already reduced, by content, frame and resolution: shared
/// by the compilations of a session. Holds at most [`Reduced::BUDGET`]
/// bytes in memory; beyond that it starts again (a batch of distinct photos
/// does not keep them all). With a folder ([`Reduced::keep_in`]), reduced
/// files are also kept there between builds.
#[derive(Default)]
pub struct Reduced {
    files: Mutex<Files>,
    kept: Kept,
}

#[derive(Default)]
struct Files {
    map: HashMap<u128, Bytes>,
    bytes: usize,
}

impl std::fmt::Debug for Reduced {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("raster::Reduced")
    }
}

impl Reduced {
    /// Bytes kept in memory before the cache is emptied: 32 MB (a photo
    /// used again in a batch is found on disk as well).
    pub const BUDGET: usize = 32 << 20;

    /// The folder, inside an output folder, where reduced images are kept
    /// between builds.
    pub const FOLDER: &str = ".pamphlet-cache/images";

    /// Keeps reduced images in `folder` from now on, and reads them from
    /// there (`None`: in memory only, as `check` and `preview` do).
    pub fn keep_in(&self, folder: Option<PathBuf>) {
        self.kept.set(folder);
    }

    /// An image file (whose [`crate::digest`] is `digest`, its bytes read
    /// by `load` only if they are needed: a reduced file kept by a build
    /// before is not made again), reduced to what a `frame` (width and
    /// height in points) can show in `output` ([`reduce`]), once per
    /// content, frame and output; `cache` holds the colour transforms.
    pub fn get<E>(
        &self,
        load: impl FnOnce() -> Result<Bytes, E>,
        digest: u128,
        frame: (f64, f64),
        output: &Target,
        cache: &Cache,
    ) -> Result<Bytes, E> {
        let key = typst::utils::hash128(&(
            VERSION,
            digest,
            frame.0.to_bits(),
            frame.1.to_bits(),
            output.max_ppi.to_bits(),
            output.quality,
            output.cmyk.as_ref().map(|(p, i)| (p.hash, *i)),
        ));
        if let Some(hit) = self
            .files
            .lock()
            .ok()
            .and_then(|m| m.map.get(&key).cloned())
        {
            return Ok(hit);
        }
        let (out, made) = match self.kept.read(key) {
            Some(kept) => (Bytes::new(kept), true),
            None => {
                let bytes = load()?;
                match reduce(&bytes, frame, output, cache) {
                    Some(small) => {
                        self.kept.keep(key, &small);
                        (small, true)
                    }
                    // Not reduced: the file itself.
                    None => (bytes, false),
                }
            }
        };
        if made {
            // Made by pamphlet (now, or by a build before): its pixels
            // decode.
            cache.vouch(&out);
        }
        if let Ok(mut files) = self.files.lock() {
            if files.bytes + out.len() > Self::BUDGET {
                files.map.clear();
                files.bytes = 0;
            }
            files.bytes += out.len();
            files.map.insert(key, out.clone());
        }
        Ok(out)
    }
}

/// Removes the oldest files of the image cache in `folder` until what is
/// left is at most `limit` bytes.
pub fn prune(folder: &Path, limit: u64) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    let mut files: Vec<(std::time::SystemTime, u64, PathBuf)> = entries
        .flatten()
        .filter_map(|e| {
            let m = e.metadata().ok()?;
            Some((m.modified().ok()?, m.len(), e.path())).filter(|_| m.is_file())
        })
        .collect();
    let mut total: u64 = files.iter().map(|(_, len, _)| len).sum();
    files.sort();
    for (_, len, path) in files {
        if total <= limit {
            break;
        }
        if crate::output::remove(&path).is_ok() {
            total -= len;
        }
    }
}

/// An image file (JPEG or PNG, not CMYK) reduced to what a `frame`
/// (points) can show in `output` when the image covers it, before Typst
/// decodes it: a 12-megapixel photo for a 50 mm frame at 450 ppi becomes
/// 886 pixels wide. Turned upright (EXIF) and encoded for the output
/// ([`images::encode`]: a CMYK JPEG for print, its profile kept
/// otherwise). `None` when it is small enough, or not one pamphlet reduces
/// (Typst then reads the file as it is, and the print stage sizes it).
pub fn reduce(bytes: &[u8], frame: (f64, f64), output: &Target, cache: &Cache) -> Option<Bytes> {
    if jpeg_components(bytes) == Some(4) {
        return None;
    }
    let format = image::guess_format(bytes).ok()?;
    let target = (
        frame.0 / 72.0 * output.max_ppi,
        frame.1 / 72.0 * output.max_ppi,
    );
    let (img, icc) = match format {
        image::ImageFormat::Jpeg => decode_jpeg(bytes, target)?,
        image::ImageFormat::Png => decode_png(bytes, target)?,
        _ => return None,
    };
    // The image covers the frame: the scale that fills both of its sides
    // (none when it was decoded at that size already, give or take the 5 %
    // the print stage allows).
    let (w, h) = (img.width(), img.height());
    let scale = (target.0 / f64::from(w)).max(target.1 / f64::from(h));
    let (nw, nh) = if scale >= 1.0 / 1.05 {
        (w, h)
    } else {
        (
            ((f64::from(w) * scale).ceil() as u32).max(1),
            ((f64::from(h) * scale).ceil() as u32).max(1),
        )
    };
    let was_png = format == image::ImageFormat::Png;
    // A PNG stays a PNG (Typst reads a file by its name's extension): its
    // colour is the print stage's to convert. An image the output cannot
    // take (an RGB one with transparency, for a CMYK print) is reduced as it
    // is: the print stage says why at the layout line that places it.
    let screen = Target {
        cmyk: None,
        ..output.clone()
    };
    let first = if was_png { &screen } else { output };
    images::encode(&img, icc.clone(), was_png, (nw, nh), first, cache)
        .or_else(|_| images::encode(&img, icc, was_png, (nw, nh), &screen, cache))
        .ok()
        .map(|(bytes, _)| bytes)
}

/// Decodes a JPEG at the smallest scale of 1/8, 2/8 … 8/8 that still
/// covers `target` (pixels, upright), in the DCT domain (libjpeg-turbo, as
/// `mozjpeg`), turned upright; `None` when it needs no reducing or cannot
/// be read (Typst then reads it, and says what is wrong).
fn decode_jpeg(bytes: &[u8], target: (f64, f64)) -> Option<(DynamicImage, Option<Vec<u8>>)> {
    let (orientation, icc) = jpeg_metadata(bytes);
    let turned = matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    );
    // The frame's sides in the file's own axes.
    let (tw, th) = if turned { (target.1, target.0) } else { target };
    // libjpeg reports a broken file by unwinding (without the panic hook):
    // caught here, the file is left to Typst.
    let decoded = std::panic::catch_unwind(|| -> Option<(u32, u32, bool, Vec<u8>)> {
        let mut decoder = mozjpeg::Decompress::new_mem(bytes).ok()?;
        let (w, h) = decoder.size();
        let scale = (tw / w as f64).max(th / h as f64);
        if scale > 0.8 {
            return None;
        }
        // Ask for a tenth less than the frame needs, so that a photo a few
        // pixels short of a scale step is decoded at that step (445 ppi
        // where 450 was asked: not to be seen) instead of at the next one.
        decoder.scale((8.0 * scale * 0.9).ceil().clamp(1.0, 8.0) as u8);
        let grey = decoder.color_space() == mozjpeg::ColorSpace::JCS_GRAYSCALE;
        let mut started = if grey {
            decoder.grayscale()
        } else {
            decoder.rgb()
        }
        .ok()?;
        let (dw, dh) = (started.width() as u32, started.height() as u32);
        let pixels: Vec<u8> = started.read_scanlines().ok()?;
        started.finish().ok()?;
        Some((dw, dh, grey, pixels))
    });
    let (dw, dh, grey, pixels) = decoded.ok().flatten()?;
    let mut img = if grey {
        DynamicImage::ImageLuma8(image::GrayImage::from_raw(dw, dh, pixels)?)
    } else {
        DynamicImage::ImageRgb8(image::RgbImage::from_raw(dw, dh, pixels)?)
    };
    img.apply_orientation(orientation);
    Some((img, icc))
}

/// A JPEG's EXIF orientation and its ICC profile (APP2 chunks, joined in
/// their order).
fn jpeg_metadata(bytes: &[u8]) -> (Orientation, Option<Vec<u8>>) {
    let mut orientation = Orientation::NoTransforms;
    let mut chunks: Vec<(u8, &[u8])> = Vec::new();
    for (marker, body) in crate::raster::segments(bytes) {
        if marker == 0xE1
            && let Some(exif) = body.strip_prefix(b"Exif\0\0")
        {
            orientation = Orientation::from_exif_chunk(exif).unwrap_or(orientation);
        } else if marker == 0xE2
            && let Some(chunk) = body.strip_prefix(b"ICC_PROFILE\0")
            && chunk.len() > 2
        {
            chunks.push((chunk[0], &chunk[2..]));
        }
    }
    chunks.sort_by_key(|(n, _)| *n);
    let icc =
        (!chunks.is_empty()).then(|| chunks.iter().flat_map(|(_, c)| c.iter().copied()).collect());
    (orientation, icc)
}

/// Decodes a PNG that is larger than `target` needs, turned upright.
fn decode_png(bytes: &[u8], target: (f64, f64)) -> Option<(DynamicImage, Option<Vec<u8>>)> {
    use image::ImageDecoder;
    let reader =
        image::ImageReader::with_format(std::io::Cursor::new(bytes), image::ImageFormat::Png);
    let (w, h) = reader.into_dimensions().ok()?;
    let scale = (target.0 / f64::from(w)).max(target.1 / f64::from(h));
    if scale > 0.8 {
        return None;
    }
    let mut decoder =
        image::ImageReader::with_format(std::io::Cursor::new(bytes), image::ImageFormat::Png)
            .into_decoder()
            .ok()?;
    let orientation = decoder.orientation().ok()?;
    let icc = decoder.icc_profile().ok().flatten();
    let mut img = DynamicImage::from_decoder(decoder).ok()?;
    img.apply_orientation(orientation);
    Some((img, icc))
}
