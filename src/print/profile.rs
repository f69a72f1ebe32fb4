//! The output profile: the CMYK printing condition a print PDF is made
//! for (Japan Color 2011 Coated unless the manifest names another), read
//! and checked once, and its converter from sRGB, made once when the first
//! RGB colour needs it. The colour stage ([`super::colour`]), the image
//! stage ([`super::images`]) and PDF/X ([`super::pdfx`], which embeds it)
//! all take it from here.

use std::borrow::Cow;
use std::io::Write;
use std::sync::{Arc, OnceLock};

use moxcms::{ColorProfile, Layout, RenderingIntent, TransformF32Executor, TransformOptions};
use typst::visualize::Cmyk;

/// A CMYK output profile: the printing condition the PDF is made for.
#[derive(Debug)]
pub struct OutputProfile {
    /// The ICC profile, exactly as in its file (the bundled one borrowed
    /// from the binary, not copied).
    pub bytes: Cow<'static, [u8]>,
    /// Its description (`Japan Color 2011 Coated`): the output condition.
    pub description: String,
    /// The [`crate::digest`] of the bytes, for fingerprints and caches.
    pub hash: u128,
    /// The bytes Flate-compressed, made once.
    compressed: OnceLock<Cow<'static, [u8]>>,
    /// The sRGB to CMYK conversion into this profile, made once, when the
    /// first RGB colour needs it.
    converter: OnceLock<Result<Converter, String>>,
}

/// The default output profile's file, in the repository.
const JAPAN_COLOR_2011_COATED: &[u8] = include_bytes!("../../profiles/JapanColor2011Coated.icc");

/// The same, Flate-compressed by `build.rs`.
const JAPAN_COLOR_2011_COATED_ZLIB: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/JapanColor2011Coated.icc.zlib"));

impl OutputProfile {
    /// Reads an ICC profile and checks that it describes a CMYK printing
    /// condition: an ICC profile (`acsp`), device class output (`prtr`),
    /// colour space CMYK, and a size that matches its header.
    pub fn parse(bytes: impl Into<Cow<'static, [u8]>>) -> Result<OutputProfile, String> {
        let bytes = bytes.into();
        if bytes.len() < 132 || &bytes[36..40] != b"acsp" {
            return Err("not an ICC profile".into());
        }
        let declared = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
        if declared != bytes.len() {
            return Err(format!(
                "the ICC profile is cut short or padded: its header says {declared} bytes, the file has {}",
                bytes.len()
            ));
        }
        let class = String::from_utf8_lossy(&bytes[12..16]).trim().to_string();
        let space = String::from_utf8_lossy(&bytes[16..20]).trim().to_string();
        if class != "prtr" {
            return Err(format!(
                "the ICC profile is a `{class}` profile, not an output (`prtr`) profile of a printing condition"
            ));
        }
        if space != "CMYK" {
            return Err(format!(
                "the ICC profile's colour space is {space}, not CMYK"
            ));
        }
        let description = description(&bytes).unwrap_or_else(|| "Custom CMYK".into());
        Ok(OutputProfile {
            // XXH3 rather than Typst's SipHash: the profile is hashed on
            // every start of a print build (2 MB, about 1 ms with SipHash).
            hash: crate::digest::of(&bytes),
            bytes,
            description,
            compressed: OnceLock::new(),
            converter: OnceLock::new(),
        })
    }

    /// Japan Color 2011 Coated, the default: the condition of most Japanese
    /// sheet-fed offset printing on coated paper (see `profiles/README.md`
    /// for its licence).
    pub fn japan_color_2011_coated() -> Arc<OutputProfile> {
        static PROFILE: OnceLock<Arc<OutputProfile>> = OnceLock::new();
        PROFILE
            .get_or_init(|| {
                let profile = OutputProfile::parse(JAPAN_COLOR_2011_COATED)
                    .expect("the bundled profile is a CMYK output profile");
                let _ = profile
                    .compressed
                    .set(Cow::Borrowed(JAPAN_COLOR_2011_COATED_ZLIB));
                Arc::new(profile)
            })
            .clone()
    }

    /// The conversion from sRGB into this profile's CMYK.
    pub fn converter(&self) -> Result<&Converter, String> {
        self.converter
            .get_or_init(|| Converter::new(self))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The profile, Flate-compressed (once per process: a batch embeds the
    /// same bytes in every PDF; the bundled one at build time).
    pub(super) fn compressed(&self) -> &[u8] {
        self.compressed.get_or_init(|| {
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
            // Writing to a Vec cannot fail.
            let _ = e.write_all(&self.bytes);
            Cow::Owned(e.finish().unwrap_or_default())
        })
    }
}

/// The text of an ICC profile's `desc` tag (v2 `desc` or v4 `mluc`).
fn description(bytes: &[u8]) -> Option<String> {
    let be32 = |at: usize| -> Option<usize> {
        let b = bytes.get(at..at + 4)?;
        Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    let count = be32(128)?;
    for i in 0..count.min(1024) {
        let entry = 132 + 12 * i;
        if bytes.get(entry..entry + 4)? != b"desc" {
            continue;
        }
        let (offset, size) = (be32(entry + 4)?, be32(entry + 8)?);
        let tag = bytes.get(offset..offset.checked_add(size)?)?;
        return match tag.get(0..4)? {
            b"desc" => {
                let len = u32::from_be_bytes(tag.get(8..12)?.try_into().ok()?) as usize;
                let text = tag.get(12..12 + len)?;
                let text = text.split(|b| *b == 0).next()?;
                Some(String::from_utf8_lossy(text).trim().to_string())
            }
            b"mluc" => {
                let len = u32::from_be_bytes(tag.get(20..24)?.try_into().ok()?) as usize;
                let at = u32::from_be_bytes(tag.get(24..28)?.try_into().ok()?) as usize;
                let units: Vec<u16> = tag
                    .get(at..at + len)?
                    .chunks_exact(2)
                    .map(|c| u16::from_be_bytes([c[0], c[1]]))
                    .collect();
                Some(String::from_utf16_lossy(&units).trim().to_string())
            }
            _ => None,
        };
    }
    None
}

/// Converts sRGB colours to the CMYK of an output profile.
pub struct Converter {
    transform: Arc<TransformF32Executor>,
}

impl std::fmt::Debug for Converter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Converter(sRGB → CMYK)")
    }
}

impl Converter {
    /// A converter into `profile`'s CMYK.
    pub fn new(profile: &OutputProfile) -> Result<Converter, String> {
        let dst = ColorProfile::new_from_slice(&profile.bytes)
            .map_err(|e| format!("cannot read the output profile for colour conversion: {e}"))?;
        let src = ColorProfile::new_srgb();
        let options = TransformOptions {
            rendering_intent: RenderingIntent::Perceptual,
            ..Default::default()
        };
        let transform = src
            .create_transform_f32(Layout::Rgb, &dst, Layout::Rgba, options)
            .map_err(|e| format!("cannot convert sRGB to the output profile: {e}"))?;
        Ok(Converter { transform })
    }

    /// The CMYK of an sRGB colour (components 0 to 1).
    pub fn cmyk(&self, rgb: [f32; 3]) -> Cmyk {
        let mut out = [0.0f32; 4];
        // One pixel in, one out: the lengths match, so this cannot fail.
        let _ = self.transform.transform(&rgb, &mut out);
        let c = |v: f32| (v.clamp(0.0, 1.0) * 1000.0).round() / 1000.0;
        Cmyk {
            c: c(out[0]),
            m: c(out[1]),
            y: c(out[2]),
            k: c(out[3]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_profile_is_japan_color_2011_coated() {
        let p = OutputProfile::japan_color_2011_coated();
        assert_eq!(p.description, "Japan Color 2011 Coated");
        assert_eq!(p.bytes.len(), 1_979_304);
    }

    #[test]
    fn profiles_that_are_not_cmyk_output_profiles_are_refused() {
        let mut bytes = JAPAN_COLOR_2011_COATED.to_vec();
        bytes[12..16].copy_from_slice(b"mntr");
        assert!(OutputProfile::parse(bytes).unwrap_err().contains("`mntr`"));
        let mut bytes = JAPAN_COLOR_2011_COATED.to_vec();
        bytes[16..20].copy_from_slice(b"RGB ");
        assert!(OutputProfile::parse(bytes).unwrap_err().contains("RGB"));
        let bytes = JAPAN_COLOR_2011_COATED[..5000].to_vec();
        assert!(
            OutputProfile::parse(bytes)
                .unwrap_err()
                .contains("cut short")
        );
        assert_eq!(
            OutputProfile::parse(b"%PDF-1.7 not a profile".repeat(10)).unwrap_err(),
            "not an ICC profile"
        );
    }

    #[test]
    fn srgb_converts_through_the_profile() {
        let conv = Converter::new(&OutputProfile::japan_color_2011_coated()).unwrap();
        let white = conv.cmyk([1.0, 1.0, 1.0]);
        assert!(white.c + white.m + white.y + white.k < 0.02, "{white:?}");
        // Black is the profile's rich black, within its ink limit (350 %).
        let black = conv.cmyk([0.0, 0.0, 0.0]);
        let total = black.c + black.m + black.y + black.k;
        assert!(
            black.k >= 0.75 && (3.0..=3.55).contains(&total),
            "{black:?}"
        );
        // A pure red needs magenta and yellow, hardly any cyan.
        let red = conv.cmyk([1.0, 0.0, 0.0]);
        assert!(red.m > 0.7 && red.y > 0.7 && red.c < 0.1, "{red:?}");
    }
}
