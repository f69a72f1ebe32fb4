//! Camera-sized photos reduced to their frame before Typst decodes them.

use std::collections::HashMap;
use std::sync::Mutex;

use image::DynamicImage;
use typst::foundations::Bytes;

use super::jpeg_components;

/// Image files already reduced, by content, frame and resolution: shared
/// by the compilations of a session. Holds at most [`Reduced::BUDGET`]
/// bytes; beyond that it starts again (a batch of distinct photos does not
/// keep them all).
#[derive(Default)]
pub struct Reduced {
    files: Mutex<Files>,
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
    /// Bytes kept before the cache is emptied: 128 MB.
    pub const BUDGET: usize = 128 << 20;

    /// `bytes` of an image file, reduced to what a `frame` (width and
    /// height in points) filled at `ppi` can show ([`reduce`]), once per
    /// content and frame.
    pub fn get(&self, bytes: Bytes, frame: (f64, f64), ppi: f64) -> Bytes {
        let key =
            typst::utils::hash128(&(&bytes, frame.0.to_bits(), frame.1.to_bits(), ppi.to_bits()));
        if let Some(hit) = self
            .files
            .lock()
            .ok()
            .and_then(|m| m.map.get(&key).cloned())
        {
            return hit;
        }
        let out = reduce(&bytes, frame, ppi).map_or(bytes, Bytes::new);
        if let Ok(mut files) = self.files.lock() {
            if files.bytes + out.len() > Self::BUDGET {
                files.map.clear();
                files.bytes = 0;
            }
            files.bytes += out.len();
            files.map.insert(key, out.clone());
        }
        out
    }
}

/// An image file (JPEG or PNG, not CMYK) reduced to what a `frame` (points)
/// can show at `ppi` when the image covers it, before Typst decodes it: a
/// 12-megapixel photo for a 57 mm frame becomes about 1,000 pixels wide.
/// Turned upright (EXIF), its profile kept, re-encoded without visible
/// loss (JPEG quality 95, or PNG); the print stage then sizes it exactly
/// for its placement. `None` when it is small enough, or not one pamphlet
/// reduces (Typst then reads the file as it is).
pub fn reduce(bytes: &[u8], frame: (f64, f64), ppi: f64) -> Option<Vec<u8>> {
    use image::ImageDecoder;
    if jpeg_components(bytes) == Some(4) {
        return None;
    }
    let reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .ok()?;
    let format = reader.format()?;
    if !matches!(format, image::ImageFormat::Jpeg | image::ImageFormat::Png) {
        return None;
    }
    let (w, h) = reader.into_dimensions().ok()?;
    let (tw, th) = (frame.0 / 72.0 * ppi, frame.1 / 72.0 * ppi);
    let scale = (tw / f64::from(w)).max(th / f64::from(h));
    if scale > 0.8 {
        return None;
    }
    let mut decoder = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .ok()?
        .into_decoder()
        .ok()?;
    let orientation = decoder.orientation().ok()?;
    let icc = decoder.icc_profile().ok().flatten();
    let mut img = DynamicImage::from_decoder(decoder).ok()?;
    img.apply_orientation(orientation);
    let (w, h) = (img.width(), img.height());
    let (nw, nh) = (
        ((f64::from(w) * scale).ceil() as u32).max(1),
        ((f64::from(h) * scale).ceil() as u32).max(1),
    );
    let small = match &img {
        DynamicImage::ImageLuma8(_) | DynamicImage::ImageLuma16(_) => {
            DynamicImage::ImageLuma8(image::imageops::thumbnail(&img.to_luma8(), nw, nh))
        }
        i if i.color().has_alpha() => {
            DynamicImage::ImageRgba8(image::imageops::thumbnail(&img.to_rgba8(), nw, nh))
        }
        _ => DynamicImage::ImageRgb8(image::imageops::thumbnail(&img.to_rgb8(), nw, nh)),
    };
    let mut out = Vec::new();
    if format == image::ImageFormat::Jpeg {
        let colour = if small.color().channel_count() == 1 {
            jpeg_encoder::ColorType::Luma
        } else {
            jpeg_encoder::ColorType::Rgb
        };
        let mut encoder = jpeg_encoder::Encoder::new(&mut out, 95);
        if let Some(icc) = &icc {
            encoder.add_icc_profile(icc).ok()?;
        }
        encoder
            .encode(
                small.as_bytes(),
                u16::try_from(nw).ok()?,
                u16::try_from(nh).ok()?,
                colour,
            )
            .ok()?;
    } else {
        use image::ImageEncoder;
        let mut encoder = image::codecs::png::PngEncoder::new(&mut out);
        if let Some(icc) = icc {
            let _ = encoder.set_icc_profile(icc);
        }
        encoder
            .write_image(small.as_bytes(), nw, nh, small.color().into())
            .ok()?;
    }
    Some(out)
}
