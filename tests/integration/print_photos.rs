//! Photos in the output: sized for the variant (downsampled over 450 ppi
//! for print, 150 ppi for screen), coloured for it (CMYK through the output
//! profile for PDF/X, grey kept grey, CMYK JPEGs kept CMYK, RGB for screen),
//! embedded once however often placed, and noticed by incremental builds.
//! Every check reads the PDF back with poppler's `pdfimages`; the images are
//! made here.

use std::io::Cursor;
use std::path::Path;

use crate::common::*;

/// One image as `pdfimages -list` reports it.
#[derive(Debug, Clone, PartialEq)]
struct Embedded {
    page: u32,
    width: u32,
    height: u32,
    colour: String,
    components: u32,
    encoding: String,
    object: u32,
}

/// The images of a PDF (soft masks left out).
fn images(pdf: &Path) -> Vec<Embedded> {
    tool("pdfimages", &["-list", pdf.to_str().unwrap()])
        .lines()
        .skip(2)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            (f.len() > 10 && f[2] == "image").then(|| Embedded {
                page: f[0].parse().unwrap(),
                width: f[3].parse().unwrap(),
                height: f[4].parse().unwrap(),
                colour: f[5].into(),
                components: f[6].parse().unwrap(),
                encoding: f[8].into(),
                object: f[10].parse().unwrap(),
            })
        })
        .collect()
}

/// [`crate::prepare_images::project_with_logo`], built for print (PDF/X-4, the default) and screen,
/// placing its `logo` image field in a 30 × 40 mm frame (`times` times),
/// with the image `file` holding `bytes`.
fn sheet_with_photo(file: &str, bytes: &[u8], times: usize) -> tempfile::TempDir {
    let dir = crate::prepare_images::project_with_logo(file, bytes);
    edit(
        &dir.path().join("pamphlet.toml"),
        "variants = [\"screen\"]",
        "variants = [\"print\", \"screen\"]",
    );
    edit(
        &dir.path().join("layouts/sheet/sheet.typ"),
        "#if c.logo != none { image(\"/\" + c.logo, width: 20mm) }",
        &format!("#for _ in range({times}) {{ photo(c.logo, width: 30mm, height: 40mm) }}"),
    );
    dir
}

fn encode(img: image::DynamicImage, format: image::ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// A smooth RGB photo of `w` × `h` pixels.
fn rgb_photo(w: u32, h: u32) -> image::DynamicImage {
    image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([
            (x * 255 / w) as u8,
            (y * 255 / h) as u8,
            (((x + y) * 255) / (w + h)) as u8,
        ])
    }))
}

/// A CMYK JPEG (Adobe-inverted, as Photoshop writes it) of `w` × `h`.
fn cmyk_jpeg(w: u16, h: u16) -> Vec<u8> {
    let mut pixels = Vec::with_capacity(usize::from(w) * usize::from(h) * 4);
    for y in 0..h {
        for x in 0..w {
            pixels.extend_from_slice(&[(x % 200) as u8, 40, (y % 200) as u8, 20]);
        }
    }
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 90)
        .encode(&pixels, w, h, jpeg_encoder::ColorType::Cmyk)
        .unwrap();
    out
}

/// Builds `dir`; the images of its print and screen PDFs.
fn build(dir: &Path) -> (Vec<Embedded>, Vec<Embedded>) {
    let report = build_into(&open(dir), &dir.join("out"), |_| {});
    assert_success(&report);
    (
        images(&dir.join("out/sheet.pdf")),
        images(&dir.join("out/sheet.screen.pdf")),
    )
}

/// Whether `n` is the pixel count of `mm` at `ppi` (to the nearest pixel).
#[track_caller]
fn at_ppi(n: u32, mm: f64, ppi: f64) {
    let want = mm / 25.4 * ppi;
    assert!((f64::from(n) - want).abs() <= 1.0, "{n} px, want {want:.1}");
}

#[test]
fn an_rgb_photo_becomes_cmyk_at_450_ppi_for_print_and_stays_rgb_at_150_for_screen() {
    // 1200 × 1600 px in 30 × 40 mm: 1016 ppi.
    let dir = sheet_with_photo(
        "photo.jpg",
        &encode(rgb_photo(1200, 1600), image::ImageFormat::Jpeg),
        1,
    );
    let (print, screen) = build(dir.path());
    assert_eq!(print.len(), 1, "{print:?}");
    let p = &print[0];
    assert_eq!(
        (p.colour.as_str(), p.components, p.encoding.as_str()),
        ("cmyk", 4, "jpeg"),
        "{p:?}"
    );
    at_ppi(p.width, 30.0, 450.0);
    at_ppi(p.height, 40.0, 450.0);
    let s = &screen[0];
    assert_eq!(
        (s.colour.as_str(), s.encoding.as_str()),
        ("icc", "jpeg"),
        "{s:?}"
    );
    assert_eq!(s.components, 3);
    at_ppi(s.width, 30.0, 150.0);
    at_ppi(s.height, 40.0, 150.0);
    // The converted photo is valid PDF/X-4 for a tool we did not write.
    let (valid, errors) = crate::print_pdfx::pdf_oxide(&dir.path().join("out/sheet.pdf"), "4");
    assert!(valid, "{errors:?}");
}

/// The diagnostics of a build of `dir` that speak of resolution (ppi).
fn resolution_diagnostics(dir: &Path) -> Vec<pamphlet::diag::Diagnostic> {
    let report = build_into(&open(dir), &dir.join("out"), |_| {});
    report
        .diagnostics
        .iter()
        .filter(|d| d.message.contains(" ppi"))
        .cloned()
        .collect()
}

#[test]
fn a_coarse_photo_is_reported_once_at_its_content_line_unless_placed_larger() {
    // 200 × 260 px in its 30 × 40 mm frame: 165 ppi, a warning from the
    // content check; the print PDF's preflight sees the same image at the
    // same size and does not say it again.
    let dir = sheet_with_photo(
        "coarse.jpg",
        &encode(rgb_photo(200, 260), image::ImageFormat::Jpeg),
        2,
    );
    let found = resolution_diagnostics(dir.path());
    assert_eq!(found.len(), 1, "{found:?}");
    let d = &found[0];
    assert!(!d.is_error(), "{d}");
    assert!(
        d.message
            .starts_with("`coarse.jpg` is 200 × 260 px: 165 ppi in its 30 × 40 mm frame"),
        "{d}"
    );
    let at = d.position.as_ref().unwrap();
    assert_eq!(
        (at.path.to_str().unwrap(), at.line, at.column),
        ("content/staff.yaml", 1, 7),
        "{d}"
    );
    // A layout that places it at twice its frame makes it worse (83 ppi,
    // an error) than the content check could know: preflight says so too.
    edit(
        &dir.path().join("layouts/sheet/sheet.typ"),
        "photo(c.logo, width: 30mm, height: 40mm)",
        "photo(c.logo, width: 60mm, height: 80mm)",
    );
    let found = resolution_diagnostics(dir.path());
    assert_eq!(found.len(), 2, "{found:?}");
    let placed = found
        .iter()
        .find(|d| {
            d.message
                .starts_with("image of 200×260 px on page 1 is 83 ppi at its placed size")
        })
        .unwrap_or_else(|| panic!("{found:?}"));
    assert!(placed.is_error(), "{placed}");
    // The manifest's limits apply to both: at `min_ppi = 50`,
    // `warn_ppi = 80` the photo is fine in its frame and placed larger.
    let manifest = dir.path().join("pamphlet.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        format!("[images]\nmin_ppi = 50\nwarn_ppi = 80\n\n{text}"),
    )
    .unwrap();
    let found = resolution_diagnostics(dir.path());
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn a_16_bit_png_and_a_grey_photo_keep_their_colour_a_cmyk_jpeg_stays_cmyk() {
    // 16-bit RGB PNG: 8-bit CMYK for print.
    let png16 = image::DynamicImage::ImageRgb16(rgb_photo(900, 1200).to_rgb16());
    let dir = sheet_with_photo("deep.png", &encode(png16, image::ImageFormat::Png), 1);
    let (print, _) = build(dir.path());
    assert_eq!(
        (print[0].colour.as_str(), print[0].components),
        ("cmyk", 4),
        "{print:?}"
    );
    at_ppi(print[0].width, 30.0, 450.0);

    // Grey stays grey (one component) in print, downsampled.
    let grey = image::DynamicImage::ImageLuma8(rgb_photo(1200, 1600).to_luma8());
    let dir = sheet_with_photo("grey.jpg", &encode(grey, image::ImageFormat::Jpeg), 1);
    let (print, _) = build(dir.path());
    assert_eq!(print[0].components, 1, "{print:?}");
    at_ppi(print[0].height, 40.0, 450.0);

    // A CMYK JPEG at 380 ppi passes through as it is; at 1016 ppi it is
    // downsampled and stays CMYK, its inks where they were.
    let small = cmyk_jpeg(449, 598);
    let dir = sheet_with_photo("cmyk.jpg", &small, 1);
    let (print, _) = build(dir.path());
    assert_eq!(
        (print[0].colour.as_str(), print[0].width, print[0].height),
        ("cmyk", 449, 598),
        "{print:?}"
    );
    let dir = sheet_with_photo("cmyk.jpg", &cmyk_jpeg(1200, 1600), 1);
    let (print, _) = build(dir.path());
    assert_eq!(print[0].colour, "cmyk", "{print:?}");
    at_ppi(print[0].width, 30.0, 450.0);
    // The print PDF rendered in CMYK (mupdf): the photo's magenta (40 of
    // 255) and black (20) are where they were, not inverted.
    let inks = cmyk_render(&dir.path().join("out/sheet.pdf"));
    let near = |v: u8, want: u8| v.abs_diff(want) <= 6;
    let photo = inks
        .chunks(4)
        .filter(|p| near(p[1], 40) && near(p[3], 20))
        .count();
    // 30 × 40 mm at 72 dpi: 85 × 113 pixels.
    assert!(
        photo > 85 * 113 * 8 / 10,
        "{photo} pixels with the photo's inks"
    );
}

/// Page 1 of `pdf` rendered by mupdf at 72 dpi in CMYK: its pixels.
fn cmyk_render(pdf: &Path) -> Vec<u8> {
    let out = pdf.with_extension("pam");
    tool(
        "mutool",
        &[
            "draw",
            "-q",
            "-r",
            "72",
            "-c",
            "cmyk",
            "-o",
            out.to_str().unwrap(),
            pdf.to_str().unwrap(),
            "1",
        ],
    );
    let pam = std::fs::read(&out).unwrap();
    let end = pam.windows(7).position(|w| w == b"ENDHDR\n").unwrap() + 7;
    pam[end..].to_vec()
}

#[test]
fn a_photo_placed_three_times_is_embedded_once() {
    let dir = sheet_with_photo(
        "photo.jpg",
        &encode(rgb_photo(1200, 1600), image::ImageFormat::Jpeg),
        3,
    );
    let (print, screen) = build(dir.path());
    for list in [&print, &screen] {
        assert_eq!(list.len(), 3, "{list:?}");
        assert!(list.iter().all(|i| i.object == list[0].object), "{list:?}");
    }
}

#[test]
fn a_transparent_png_in_pdf_x_is_an_error_at_its_layout_line_and_fine_on_screen() {
    let alpha = image::DynamicImage::ImageRgba8(image::RgbaImage::from_fn(600, 800, |x, _| {
        image::Rgba([200, 30, 30, (x % 256) as u8])
    }));
    let dir = sheet_with_photo("mark.png", &encode(alpha, image::ImageFormat::Png), 1);
    let report = build_into(&open(dir.path()), &dir.path().join("out"), |_| {});
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.message.contains("with transparency in a PDF/X print PDF"))
        .unwrap_or_else(|| panic!("{:?}", report.diagnostics));
    let at = d.position.as_ref().unwrap();
    assert_eq!(at.path.to_str().unwrap(), "layouts/_lib/helpers.typ", "{d}");
    // The screen variant is still written, with the PNG's transparency.
    let screen = images(&dir.path().join("out/sheet.screen.pdf"));
    assert_eq!(screen[0].colour, "icc", "{screen:?}");
    assert!(!dir.path().join("out/sheet.pdf").exists());
}

/// The hashes a build state (its JSON) records for the dependency `file`,
/// one per output that read it.
fn recorded(state: &serde_json::Value, file: &str) -> Vec<String> {
    match state {
        serde_json::Value::Array(pair) if pair.len() == 2 && pair[0] == file => {
            vec![pair[1].as_str().unwrap_or_default().to_string()]
        }
        serde_json::Value::Array(items) => items.iter().flat_map(|v| recorded(v, file)).collect(),
        serde_json::Value::Object(map) => map.values().flat_map(|v| recorded(v, file)).collect(),
        _ => Vec::new(),
    }
}

#[test]
fn a_changed_photo_rebuilds_the_pdfs_that_show_it() {
    // A photo served as it is, and a camera-sized one that the world
    // reduces as it reads it (and hashes then: the state must record the
    // same digest that reading the file again gives, or nothing would ever
    // be skipped).
    for (w, h) in [(600, 800), (2400, 3200)] {
        let photo = encode(rgb_photo(w, h), image::ImageFormat::Jpeg);
        let dir = sheet_with_photo("photo.jpg", &photo, 1);
        let session = open(dir.path());
        let out = dir.path().join("out");
        assert_success(&build_into(&session, &out, |_| {}));
        let state: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join(".pamphlet-state.json")).unwrap())
                .unwrap();
        assert_eq!(
            recorded(&state, "photo.jpg"),
            vec![format!("{:032x}", pamphlet::digest::of(&photo)); 2],
            "{w} × {h}: each variant records the photo's digest"
        );
        let again = build_into(&open(dir.path()), &out, |_| {});
        assert!(
            again
                .jobs
                .iter()
                .all(|j| matches!(j.status, pamphlet::JobStatus::Skipped)),
            "{w} × {h}: nothing changed, nothing rebuilt"
        );
        let before = std::fs::read(out.join("sheet.pdf")).unwrap();
        std::fs::write(
            dir.path().join("photo.jpg"),
            encode(rgb_photo(h, w).rotate90(), image::ImageFormat::Jpeg),
        )
        .unwrap();
        let after = build_into(&open(dir.path()), &out, |_| {});
        assert_success(&after);
        assert!(
            after
                .jobs
                .iter()
                .all(|j| matches!(j.status, pamphlet::JobStatus::Built { .. })),
            "{w} × {h}: {:?}",
            after.jobs.iter().map(|j| &j.status).collect::<Vec<_>>()
        );
        assert_ne!(before, std::fs::read(out.join("sheet.pdf")).unwrap());
    }
}

/// Sets the modification time of `path` to `ago` before now.
fn modified_ago(path: &Path, ago: std::time::Duration) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(std::time::SystemTime::now() - ago)
        .unwrap();
}

#[test]
fn a_photo_as_a_build_before_stamped_it_is_not_read_again_and_a_change_is_seen() {
    let hour = std::time::Duration::from_secs(3600);
    let photo = encode(rgb_photo(2400, 3200), image::ImageFormat::Jpeg);
    let dir = sheet_with_photo("photo.jpg", &photo, 1);
    let file = dir.path().join("photo.jpg");
    modified_ago(&file, hour);
    let out = dir.path().join("out");
    assert_success(&build_into(&open(dir.path()), &out, |_| {}));
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join(".pamphlet-state.json")).unwrap()).unwrap();
    let stamp = &state["files"]["photo.jpg"];
    let meta = std::fs::metadata(&file).unwrap();
    let mtime = meta
        .modified()
        .unwrap()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    assert_eq!(stamp["len"], meta.len());
    assert_eq!(
        stamp["mtime"].as_u64(),
        u64::try_from(mtime.as_nanos()).ok()
    );
    assert_eq!(
        stamp["hash"],
        format!("{:032x}", pamphlet::digest::of(&photo))
    );
    let before = std::fs::read(out.join("sheet.pdf")).unwrap();

    // The scan overwritten in the middle, size and time kept: a forced
    // build takes the photo's digest from its stamp and the kept reduced
    // file, and never reads the photo (the check reads its headers and its
    // end, which are whole): the PDF is the same.
    let mut damaged = photo.clone();
    let middle = damaged.len() / 2;
    damaged[middle..middle + 4096].fill(0);
    std::fs::write(&file, &damaged).unwrap();
    let handle = std::fs::File::options().write(true).open(&file).unwrap();
    handle.set_modified(meta.modified().unwrap()).unwrap();
    drop(handle);
    assert_success(&build_into(&open(dir.path()), &out, |r| r.force = true));
    let again = std::fs::read(out.join("sheet.pdf")).unwrap();
    assert!(before == again, "the photo was read again");

    // Another photo, an older time than stamped: read, and rebuilt.
    let other = encode(rgb_photo(3200, 2400).rotate90(), image::ImageFormat::Jpeg);
    std::fs::write(&file, &other).unwrap();
    modified_ago(&file, 2 * hour);
    let after = build_into(&open(dir.path()), &out, |_| {});
    assert_success(&after);
    assert!(
        after
            .jobs
            .iter()
            .all(|j| matches!(j.status, pamphlet::JobStatus::Built { .. })),
        "{:?}",
        after.jobs.iter().map(|j| &j.status).collect::<Vec<_>>()
    );
    let changed = std::fs::read(out.join("sheet.pdf")).unwrap();
    assert!(before != changed, "the new photo is in the PDF");
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join(".pamphlet-state.json")).unwrap()).unwrap();
    assert_eq!(
        state["files"]["photo.jpg"]["hash"],
        format!("{:032x}", pamphlet::digest::of(&other))
    );
}

#[test]
fn a_members_photo_shows_in_the_pamphlet_and_in_their_handout_only() {
    let dir = tempfile::tempdir().unwrap();
    copy_project(dir.path());
    std::fs::create_dir_all(dir.path().join("photos")).unwrap();
    std::fs::write(
        dir.path().join("photos/sotetsu.jpg"),
        pamphlet::synth::portrait_jpeg(1600, 1200, 1, 88),
    )
    .unwrap();
    edit(
        &dir.path().join("content/crosstalk.yaml"),
        "  - id: sotetsu\n",
        "  - id: sotetsu\n    photo: photos/sotetsu.jpg\n    photo_focus: {x: 50, y: 30}\n",
    );
    let out = dir.path().join("out");
    let report = build_into(&open(dir.path()), &out, |_| {});
    assert_success(&report);
    // The pamphlet's member card (57 × 36 mm, cropped from 4:3) on page 1:
    // CMYK in the PDF/X print variant, RGB (ICC-based) on screen.
    let print = images(&out.join("crosstalk.pdf"));
    assert_eq!(print.len(), 1, "{print:?}");
    assert_eq!((print[0].page, print[0].colour.as_str()), (1, "cmyk"));
    let screen = images(&out.join("crosstalk.screen.pdf"));
    assert_eq!((screen[0].page, screen[0].colour.as_str()), (1, "icc"));
    // The handout of that member has it; the others have none.
    let own = images(&out.join("handouts/sotetsu.pdf"));
    assert_eq!((own.len(), own[0].colour.as_str()), (1, "cmyk"), "{own:?}");
    assert!(images(&out.join("handouts/itoen.pdf")).is_empty());
    // The text is all still there (the pamphlet keeps its four pages).
    assert_eq!(pdf_pages(&out.join("crosstalk.pdf")).len(), 4);
}

/// `jpeg` with an EXIF APP1 segment saying `orientation` (1–8), as cameras
/// write it right after SOI.
fn with_exif_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    // TIFF header (big-endian), one IFD entry: 0x0112 SHORT 1 = orientation.
    let mut tiff = b"MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01".to_vec();
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    let mut body = b"Exif\0\0".to_vec();
    body.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&body);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// The first image of page 1 of `pdf` as poppler extracts it, in RGB.
fn extracted(pdf: &Path) -> image::RgbImage {
    let root = pdf.with_extension("img");
    tool(
        "pdfimages",
        &[
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            pdf.to_str().unwrap(),
            root.to_str().unwrap(),
        ],
    );
    let file = format!("{}-000.png", root.display());
    image::open(file).unwrap().to_rgb8()
}

#[test]
fn a_camera_photo_is_turned_upright_decoded_small_and_kept_for_the_next_build() {
    // A landscape file, red on the left and blue on the right, that the
    // camera says to turn 90° clockwise (EXIF orientation 6): upright, it
    // is a portrait with red at the top.
    let file = image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(2400, 1800, |x, _| {
        if x < 1200 {
            image::Rgb([220, 30, 30])
        } else {
            image::Rgb([30, 30, 220])
        }
    }));
    let jpeg = with_exif_orientation(&encode(file, image::ImageFormat::Jpeg), 6);
    let dir = sheet_with_photo("photo.jpg", &jpeg, 1);
    let (print, screen) = build(dir.path());
    // Upright in the 30 × 40 mm frame: portrait, at each variant's ppi.
    at_ppi(print[0].width, 30.0, 450.0);
    at_ppi(print[0].height, 40.0, 450.0);
    at_ppi(screen[0].width, 30.0, 150.0);
    at_ppi(screen[0].height, 40.0, 150.0);
    for pdf in ["out/sheet.pdf", "out/sheet.screen.pdf"] {
        let img = extracted(&dir.path().join(pdf));
        let (top, bottom) = (
            img.get_pixel(img.width() / 2, img.height() / 8),
            img.get_pixel(img.width() / 2, img.height() * 7 / 8),
        );
        assert!(top[0] > 150 && top[2] < 100, "{pdf}: top {top:?}");
        assert!(
            bottom[2] > 150 && bottom[0] < 100,
            "{pdf}: bottom {bottom:?}"
        );
    }
    // What was made of the photo is kept in the output folder, one file per
    // variant, and read from there by the next build: replaced by a green
    // picture, the next build shows green without decoding the photo.
    let cache = dir
        .path()
        .join("out")
        .join(pamphlet::print::reduce::Reduced::FOLDER);
    let kept: Vec<_> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(kept.len(), 2, "{kept:?}");
    for file in &kept {
        let size = image::ImageReader::open(file)
            .unwrap()
            .with_guessed_format()
            .unwrap()
            .into_dimensions()
            .unwrap();
        let green = image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(
            size.0,
            size.1,
            image::Rgb([30, 200, 30]),
        ));
        std::fs::write(file, encode(green, image::ImageFormat::Jpeg)).unwrap();
    }
    let report = build_into(&open(dir.path()), &dir.path().join("out"), |r| {
        r.force = true
    });
    assert_success(&report);
    for pdf in ["out/sheet.pdf", "out/sheet.screen.pdf"] {
        let img = extracted(&dir.path().join(pdf));
        let p = img.get_pixel(img.width() / 2, img.height() / 2);
        assert!(p[1] > 150 && p[0] < 100 && p[2] < 100, "{pdf}: {p:?}");
    }
}

/// A camera-sized photo in the sheet's 30 × 40 mm frame, placed at 24 ×
/// 32 mm (a handout's smaller card); `frames`, if given, the schema's
/// option of that name.
fn photo_placed_at_24_mm(frames: Option<&str>) -> tempfile::TempDir {
    let dir = sheet_with_photo(
        "photo.jpg",
        &encode(rgb_photo(2400, 3200), image::ImageFormat::Jpeg),
        1,
    );
    edit(
        &dir.path().join("layouts/sheet/sheet.typ"),
        "photo(c.logo, width: 30mm, height: 40mm)",
        "photo(c.logo, width: 24mm, height: 32mm)",
    );
    if let Some(frames) = frames {
        edit(
            &dir.path().join("layouts/sheet/schema.yaml"),
            "frame: 30mm x 40mm}",
            &format!("frame: 30mm x 40mm, frames: {frames}}}"),
        );
    }
    dir
}

/// The folder of `dir`'s kept images.
fn kept_images(dir: &Path) -> std::path::PathBuf {
    dir.join("out")
        .join(pamphlet::print::reduce::Reduced::FOLDER)
}

#[test]
fn a_photo_placed_smaller_than_its_frame_is_sized_once_and_kept_for_the_next_build() {
    // Reduced as it is read for its 30 × 40 mm frame, the photo is placed
    // smaller: the print stage sizes it again, to 24 mm at each variant's
    // ppi, and keeps that too.
    let dir = photo_placed_at_24_mm(None);
    let (print, screen) = build(dir.path());
    at_ppi(print[0].width, 24.0, 450.0);
    at_ppi(screen[0].width, 24.0, 150.0);
    // Four files: the photo reduced for the frame, and sized for its
    // place, for each variant. The next build reads the sized ones as they
    // are: each given a comment (the reduced ones left as they were), the
    // next build's PDFs embed the commented JPEGs.
    let cache = kept_images(dir.path());
    let mut commented = 0;
    for file in std::fs::read_dir(&cache).unwrap() {
        let file = file.unwrap().path();
        let (w, _) = image::ImageReader::open(&file)
            .unwrap()
            .with_guessed_format()
            .unwrap()
            .into_dimensions()
            .unwrap();
        if [print[0].width, screen[0].width].contains(&w) {
            let jpeg = std::fs::read(&file).unwrap();
            let comment = b"kept by the build before";
            let mut with = jpeg[..2].to_vec();
            with.extend_from_slice(&[0xFF, 0xFE, 0, comment.len() as u8 + 2]);
            with.extend_from_slice(comment);
            with.extend_from_slice(&jpeg[2..]);
            std::fs::write(&file, with).unwrap();
            commented += 1;
        }
    }
    assert_eq!(std::fs::read_dir(&cache).unwrap().count(), 4);
    assert_eq!(commented, 2);
    let report = build_into(&open(dir.path()), &dir.path().join("out"), |r| {
        r.force = true
    });
    assert_success(&report);
    for pdf in ["out/sheet.pdf", "out/sheet.screen.pdf"] {
        let bytes = std::fs::read(dir.path().join(pdf)).unwrap();
        assert!(
            bytes.windows(24).any(|w| w == b"kept by the build before"),
            "{pdf} does not embed the kept JPEG"
        );
    }
}

#[test]
fn a_layout_with_a_frame_of_its_own_is_served_the_photo_at_that_size() {
    // As above, but the schema gives the sheet's smaller frame (`frames`):
    // the photo is reduced for 24 × 32 mm as it is read, and the print
    // stage has nothing left to do — the PDFs embed the reduced files as
    // they are, and nothing else is kept.
    let dir = photo_placed_at_24_mm(Some("{sheet: 24mm x 32mm}"));
    let (print, screen) = build(dir.path());
    at_ppi(print[0].width, 24.0, 450.0);
    at_ppi(screen[0].width, 24.0, 150.0);
    let cache = kept_images(dir.path());
    let kept: Vec<Vec<u8>> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|f| std::fs::read(f.unwrap().path()).unwrap())
        .collect();
    assert_eq!(
        kept.len(),
        2,
        "one reduced file per variant, nothing sized after"
    );
    for pdf in ["out/sheet.pdf", "out/sheet.screen.pdf"] {
        let bytes = std::fs::read(dir.path().join(pdf)).unwrap();
        let embeds = |file: &Vec<u8>| bytes.windows(file.len()).any(|w| w == file.as_slice());
        assert!(
            kept.iter().any(embeds),
            "{pdf} embeds a reduced file as it is"
        );
    }
}

#[test]
fn a_print_photo_in_a_png_page_looks_as_it_prints() {
    // A flat olive photo, large enough to be reduced as it is read: for
    // print it becomes a CMYK JPEG, which the PNG page shows through the
    // output profile (a soft proof), close to the photo's own colour.
    let olive = [120u8, 140, 90];
    let photo =
        image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(1800, 2400, image::Rgb(olive)));
    let dir = sheet_with_photo("photo.jpg", &encode(photo, image::ImageFormat::Jpeg), 1);
    let out = dir.path().join("out");
    let report = build_into(&open(dir.path()), &out, |r| {
        r.variants = Some(vec![pamphlet::Variant::Print]);
        r.png_ppi = Some(72.0);
    });
    assert_success(&report);
    let (print, _) = (images(&out.join("sheet.pdf")), ());
    assert_eq!(print[0].colour, "cmyk", "{print:?}");
    let png = image::open(out.join("png/sheet-1.png")).unwrap().to_rgb8();
    let close = png
        .pixels()
        .filter(|p| (0..3).all(|c| (i32::from(p[c]) - i32::from(olive[c])).abs() <= 10))
        .count();
    // 30 × 40 mm at 72 ppi is 85 × 113 pixels.
    assert!(
        close > 85 * 113 * 3 / 4,
        "{close} pixels of the photo's colour"
    );
}

/// `jpeg` damaged inside its scan, past every header: a Huffman table
/// marker where entropy-coded data should be, as a bad copy or a broken
/// card writes. zune-jpeg (Typst's decoder) refuses it, but only when it
/// decodes the pixels.
fn damaged_in_its_scan(jpeg: &[u8]) -> Vec<u8> {
    let sos = jpeg.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    let header = usize::from(u16::from_be_bytes([jpeg[sos + 2], jpeg[sos + 3]]));
    let at = sos + 2 + header + 8;
    let mut out = jpeg[..at].to_vec();
    out.extend_from_slice(&[0xFF, 0xC4, 0x00, 0x03, 0x00]);
    out.extend_from_slice(&jpeg[at + 5..]);
    out
}

#[test]
fn a_jpeg_is_read_from_its_headers_and_decoded_only_when_its_pixels_are_needed() {
    use typst::foundations::{Bytes, Smart};
    use typst::visualize::{ExchangeFormat, RasterImage};
    // 64 × 48, turned 90° clockwise by its EXIF orientation: upright it is
    // 48 × 64.
    let file = with_exif_orientation(&encode(rgb_photo(64, 48), image::ImageFormat::Jpeg), 6);
    let load = |bytes: &[u8]| {
        RasterImage::new(Bytes::new(bytes.to_vec()), ExchangeFormat::Jpg, Smart::Auto)
    };
    let good = load(&file).unwrap();
    assert_eq!((good.width(), good.height()), (48, 64));
    assert_eq!(good.color(), image::ColorType::Rgb8);
    assert_eq!(good.exif_rotation(), Some(6));
    // Decoded when asked: the pixels `image` decodes, turned upright.
    let pixels = good.decoded().unwrap();
    let expected = image::load_from_memory(&file).unwrap().rotate90();
    assert_eq!((pixels.width(), pixels.height()), (48, 64));
    assert_eq!(pixels.as_bytes(), expected.as_bytes());
    assert!(
        std::sync::Arc::ptr_eq(pixels, good.dynamic()),
        "decoded once"
    );

    // Damaged past its headers: upstream Typst refuses it when loading
    // (it decodes at once); here it loads, with its size, and says what is
    // wrong when its pixels are asked for.
    let bad = damaged_in_its_scan(&file);
    assert!(image::load_from_memory(&bad).is_err(), "the damage is real");
    let bad = load(&bad).expect("loaded from its headers");
    assert_eq!((bad.width(), bad.height()), (48, 64));
    let error = bad.decoded().unwrap_err();
    assert!(error.contains("failed to decode image"), "{error}");
    // Whoever asks for the image anyway gets a blank one of its size.
    assert_eq!((bad.dynamic().width(), bad.dynamic().height()), (48, 64));
    assert!(bad.dynamic().as_bytes().iter().all(|&v| v == 0));
}

#[test]
fn a_layout_image_damaged_past_its_headers_is_an_error_at_its_layout_line() {
    // A designer's asset in the layout folder, not content: nothing checks
    // it before typesetting. Typst only reads its headers (it is embedded as
    // it is), so the print stage decodes what goes into a PDF unchanged.
    let dir = fixture_project("mini");
    edit(
        &dir.path().join("pamphlet.toml"),
        "variants = [\"screen\"]",
        "variants = [\"print\", \"screen\"]",
    );
    // Grey, 400 ppi at 20 mm: print embeds it as it is (the path where
    // nothing else decodes it), screen downsamples it.
    let grey = image::DynamicImage::ImageLuma8(rgb_photo(315, 236).to_luma8());
    let mark = encode(grey, image::ImageFormat::Jpeg);
    std::fs::write(
        dir.path().join("layouts/sheet/mark.jpg"),
        damaged_in_its_scan(&mark),
    )
    .unwrap();
    edit(
        &dir.path().join("layouts/sheet/sheet.typ"),
        "= #rich(c.title)",
        "#image(\"mark.jpg\", width: 20mm)\n= #rich(c.title)",
    );
    let report = build_into(&open(dir.path()), &dir.path().join("out"), |_| {});
    let damaged: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("pixels cannot be read"))
        .collect();
    // Said once, for both variants.
    assert_eq!(damaged.len(), 1, "{:?}", report.diagnostics);
    for d in damaged {
        let context = d.context.as_deref().unwrap_or_default();
        assert!(
            context.contains("print variant") && context.contains("screen variant"),
            "{d:?}"
        );
        let at = d.position.as_ref().unwrap();
        assert_eq!(
            (at.path.to_str().unwrap(), at.line, at.column),
            ("layouts/sheet/sheet.typ", 9, 2),
            "{d}"
        );
        assert!(d.message.contains("Bogus Huffman table"), "{d}");
        assert!(
            d.hints.iter().any(|h| h.contains("the file is damaged")),
            "{d:?}"
        );
    }
    assert!(!dir.path().join("out/sheet.pdf").exists());
    assert!(!dir.path().join("out/sheet.screen.pdf").exists());

    // The same asset undamaged builds.
    std::fs::write(dir.path().join("layouts/sheet/mark.jpg"), &mark).unwrap();
    let report = build_into(&open(dir.path()), &dir.path().join("out"), |_| {});
    assert!(
        !report.diagnostics.iter().any(|d| d.is_error()),
        "{:?}",
        report.diagnostics
    );
    assert_eq!(images(&dir.path().join("out/sheet.screen.pdf")).len(), 1);
}
