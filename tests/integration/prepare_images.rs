//! Images in content (`image` fields): every bad image is reported at its
//! line in the content before anything is typeset — wrong format by its
//! bytes, cut short, a decompression bomb, a huge embedded profile, an SVG
//! that reaches outside itself, too few pixels for its frame, too much
//! cropped. The test images are made here.

use std::io::Cursor;
use std::path::Path;

use crate::common::*;

/// A copy of the `mini` project whose `logo` is an `image` field for a
/// 30 × 40 mm frame, naming `file` (written with `bytes`).
pub fn project_with_logo(file: &str, bytes: &[u8]) -> tempfile::TempDir {
    let dir = fixture_project("mini");
    edit(
        &dir.path().join("layouts/sheet/schema.yaml"),
        "logo: {type: file, optional: true, extensions: [png, jpg, svg]}",
        "logo: {type: image, optional: true, formats: [jpeg, png, svg], frame: 30mm x 40mm}",
    );
    edit(
        &dir.path().join("content/staff.yaml"),
        "title: 職員紹介",
        &format!("logo: {file}\ntitle: 職員紹介"),
    );
    std::fs::write(dir.path().join(file), bytes).unwrap();
    dir
}

/// The diagnostics of checking `dir` (nothing is written).
fn check(dir: &Path) -> Vec<pamphlet::diag::Diagnostic> {
    let report = build_into(&open(dir), &dir.join("out"), |r| r.write = false);
    report.diagnostics.iter().cloned().collect()
}

/// The one diagnostic about `logo`, which must be at line 1, column 7.
#[track_caller]
fn logo_diagnostic(dir: &Path) -> pamphlet::diag::Diagnostic {
    let diags = check(dir);
    let d = diags
        .iter()
        .find(|d| d.message.contains("(in `logo`)"))
        .unwrap_or_else(|| panic!("{diags:?}"))
        .clone();
    let at = d.position.as_ref().unwrap();
    assert_eq!(
        (at.path.to_str().unwrap(), at.line, at.column),
        ("content/staff.yaml", 1, 7),
        "{d}"
    );
    d
}

fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(w, h, |x, _| image::Rgba([200, (x % 256) as u8, 0, 128]));
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A PNG chunk (the CRC is not checked before decoding, so it is zero).
fn chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
    let mut c = (data.len() as u32).to_be_bytes().to_vec();
    c.extend_from_slice(kind);
    c.extend_from_slice(data);
    c.extend_from_slice(&[0, 0, 0, 0]);
    c
}

#[test]
fn a_good_photo_passes() {
    let dir = project_with_logo("logo.jpg", &jpeg(400, 520));
    let diags = check(dir.path());
    assert!(diags.is_empty(), "{diags:?}");
}

#[test]
fn the_format_is_told_by_the_bytes_not_the_name() {
    let dir = project_with_logo("logo.jpg", &png(400, 520));
    edit(
        &dir.path().join("layouts/sheet/schema.yaml"),
        "formats: [jpeg, png, svg]",
        "formats: [jpeg]",
    );
    let d = logo_diagnostic(dir.path());
    assert!(d.is_error());
    assert_eq!(
        d.message,
        "`logo.jpg` is a PNG image; this field takes JPEG (in `logo`)"
    );
    let dir = project_with_logo("logo.jpg", b"Hello, this is text.");
    let d = logo_diagnostic(dir.path());
    assert!(
        d.message
            .starts_with("`logo.jpg` is not a JPEG, PNG or SVG image"),
        "{d}"
    );
}

#[test]
fn a_file_cut_short_is_an_error() {
    let full = jpeg(400, 520);
    let dir = project_with_logo("logo.jpg", &full[..full.len() / 2]);
    let d = logo_diagnostic(dir.path());
    assert_eq!(
        d.message,
        "`logo.jpg` is a JPEG that is cut short or damaged (in `logo`)"
    );
    let full = png(400, 520);
    let dir = project_with_logo("logo.png", &full[..full.len() / 2]);
    let d = logo_diagnostic(dir.path());
    assert_eq!(
        d.message,
        "`logo.png` is a PNG that is cut short or damaged (in `logo`)"
    );
}

#[test]
fn a_camera_sized_jpeg_cut_short_is_an_error_though_only_its_ends_are_read() {
    // Noise, 1200 × 1600 px: well over the 256 KB that are read whole (of a
    // larger JPEG the check reads its headers and its last 4 KB).
    let mut state = 0x2545_f491_u32;
    let img = image::RgbImage::from_fn(1200, 1600, |_, _| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let [r, g, b, _] = state.to_le_bytes();
        image::Rgb([r, g, b])
    });
    let mut full = Cursor::new(Vec::new());
    img.write_to(&mut full, image::ImageFormat::Jpeg).unwrap();
    let full = full.into_inner();
    assert!(full.len() > 1_000_000, "{}", full.len());
    let dir = project_with_logo("logo.jpg", &full);
    let diags = check(dir.path());
    assert!(
        diags.iter().all(|d| !d.message.contains("(in `logo`)")),
        "{diags:?}"
    );
    for cut in [full.len() * 3 / 4, full.len() - 3] {
        let dir = project_with_logo("logo.jpg", &full[..cut]);
        let d = logo_diagnostic(dir.path());
        assert_eq!(
            d.message,
            "`logo.jpg` is a JPEG that is cut short or damaged (in `logo`)"
        );
    }
}

#[test]
fn hostile_images_are_refused_from_their_headers() {
    // A decompression bomb: a few bytes declaring 100,000 × 100,000 pixels.
    let mut bomb = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = 100_000u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    bomb.extend(chunk(b"IHDR", &ihdr));
    bomb.extend(chunk(b"IEND", &[]));
    let started = std::time::Instant::now();
    let dir = project_with_logo("bomb.png", &bomb);
    let d = logo_diagnostic(dir.path());
    assert!(d.is_error());
    assert_eq!(
        d.message,
        "`bomb.png` declares 100000 × 100000 pixels, more than the 100 megapixels pamphlet opens (in `logo`)"
    );
    assert!(started.elapsed().as_secs() < 20, "refused without decoding");
    // A PNG carrying a 5 MB ICC profile chunk.
    let good = png(400, 520);
    let mut fat = good[..33].to_vec(); // signature and IHDR
    fat.extend(chunk(b"iCCP", &vec![0u8; 5_000_000]));
    fat.extend_from_slice(&good[33..]);
    let dir = project_with_logo("fat.png", &fat);
    let d = logo_diagnostic(dir.path());
    assert_eq!(
        d.message,
        "`fat.png` carries a iCCP chunk of 5.0 MB; pamphlet takes at most 4 MB of metadata (in `logo`)"
    );
    // An SVG that loads something from the network.
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="30" height="40"><image href="https://example.com/x.png" width="30" height="40"/></svg>"#;
    let dir = project_with_logo("logo.svg", svg);
    let d = logo_diagnostic(dir.path());
    assert!(
        d.message.starts_with(
            "`logo.svg` refers to `https://example.com/x.png` outside itself (in <image>)"
        ),
        "{d}"
    );
    // A self-contained one is fine.
    let svg = br##"<svg xmlns="http://www.w3.org/2000/svg" width="30" height="40"><defs><linearGradient id="g"/></defs><rect width="30" height="40" fill="url(#g)"/></svg>"##;
    let dir = project_with_logo("logo.svg", svg);
    let diags = check(dir.path());
    assert!(diags.is_empty(), "{diags:?}");
}

#[test]
fn resolution_and_cropping_in_the_frame() {
    // 100 × 130 px in 30 × 40 mm: 83 ppi, an error.
    let dir = project_with_logo("logo.jpg", &jpeg(100, 130));
    let d = logo_diagnostic(dir.path());
    assert!(d.is_error());
    assert!(
        d.message
            .starts_with("`logo.jpg` is 100 × 130 px: 83 ppi in its 30 × 40 mm frame"),
        "{d}"
    );
    assert_eq!(d.hints, ["use a larger original: at least 355 × 473 px"]);
    // 200 × 260 px: 165 ppi, a warning.
    let dir = project_with_logo("logo.jpg", &jpeg(200, 260));
    let d = logo_diagnostic(dir.path());
    assert!(!d.is_error());
    assert!(
        d.message
            .contains("165 ppi in its 30 × 40 mm frame; print needs 300 ppi"),
        "{d}"
    );
    // A 3:1 panorama in a 3:4 frame: three quarters cut off.
    let dir = project_with_logo("logo.jpg", &jpeg(3000, 1000));
    let d = logo_diagnostic(dir.path());
    assert!(!d.is_error());
    assert!(
        d.message
            .contains("filling its 30 × 40 mm frame cuts off 75 % of it"),
        "{d}"
    );
    // The manifest sets the limits.
    let dir = project_with_logo("logo.jpg", &jpeg(200, 260));
    let manifest = dir.path().join("pamphlet.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, format!("[images]\nwarn_ppi = 150\n\n{text}")).unwrap();
    let diags = check(dir.path());
    assert!(diags.is_empty(), "{diags:?}");
}
