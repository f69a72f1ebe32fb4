//! Raster image files by their bytes, below every stage that looks at
//! them: the content's image checks ([`crate::prepare`]), the reduced
//! images the Typst World serves ([`crate::world`]), and the print stage
//! that sizes and colours them ([`crate::print`]). Here: walking a JPEG's
//! marker segments, its components and Adobe marker.

/// A JPEG's marker segments, up to and including its start of scan (SOS,
/// whose body is the scan header): `(marker, body)`. Markers without a
/// body (fill bytes, RSTn, TEM, a stray SOI) are skipped. It ends early,
/// without an SOS, at a byte that is not a marker, at the end of image, or
/// at a segment cut short.
pub fn segments(data: &[u8]) -> impl Iterator<Item = (u8, &[u8])> {
    let mut i = if data.starts_with(&[0xFF, 0xD8]) {
        2
    } else {
        data.len()
    };
    let mut scan = false;
    std::iter::from_fn(move || {
        if scan {
            return None;
        }
        let marker = loop {
            if i + 4 > data.len() || data[i] != 0xFF {
                return None;
            }
            match data[i + 1] {
                0xFF => i += 1,
                0x01 | 0xD0..=0xD8 => i += 2,
                marker => break marker,
            }
        };
        if marker == 0xD9 {
            return None;
        }
        let len = usize::from(u16::from_be_bytes([data[i + 2], data[i + 3]]));
        let body = data.get(i + 4..i + 2 + len)?;
        i += 2 + len;
        scan = marker == 0xDA;
        Some((marker, body))
    })
}

/// Whether a JPEG marker starts a frame (SOF0–SOF15, except DHT, JPG and
/// DAC), whose header holds the size and the number of components.
pub fn is_frame_header(marker: u8) -> bool {
    (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC)
}

/// Where a JPEG's entropy-coded data starts (just after its first start
/// of scan segment), if `data` reaches that far.
pub fn scan_start(data: &[u8]) -> Option<usize> {
    let (marker, body) = segments(data).last()?;
    // A body is a slice of `data`: where it ends is where the scan starts.
    (marker == 0xDA).then(|| body.as_ptr() as usize + body.len() - data.as_ptr() as usize)
}

/// The number of colour components of a JPEG, from its frame header.
pub fn jpeg_components(data: &[u8]) -> Option<u8> {
    segments(data)
        .find(|(m, _)| is_frame_header(*m))
        .and_then(|(_, body)| body.get(5).copied())
}

/// Whether a JPEG has Adobe's APP14 marker (whose CMYK is stored inverted).
pub fn is_adobe(data: &[u8]) -> bool {
    segments(data).any(|(marker, body)| marker == 0xEE && body.starts_with(b"Adobe"))
}
