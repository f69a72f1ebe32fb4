//! Print production: page boxes read back, trim marks found in the render,
//! the screen variant without them, and a preflight that catches what a
//! print shop would reject.

use std::path::Path;
use std::process::Command;

use pamphlet::print::preflight::{self, Expectations, page_boxes};
use pamphlet::units::mm;

use crate::common::*;

const A4: (f64, f64) = (595.2756, 841.8898);
/// 0.01 mm in points.
const TOL: f64 = 0.01 * 72.0 / 25.4;

/// A grayscale render of one page: `pdftoppm -gray` at `dpi`.
struct Gray {
    width: usize,
    height: usize,
    dpi: f64,
    pixels: Vec<u8>,
}

impl Gray {
    fn render(pdf: &Path, page: usize, dpi: f64) -> Gray {
        let dir = tempfile::tempdir().unwrap();
        let prefix = dir.path().join("p");
        let p = page.to_string();
        tool(
            "pdftoppm",
            &[
                "-gray",
                "-r",
                &dpi.to_string(),
                "-f",
                &p,
                "-l",
                &p,
                pdf.to_str().unwrap(),
                prefix.to_str().unwrap(),
            ],
        );
        let file = std::fs::read_dir(dir.path())
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        let data = std::fs::read(file).unwrap();
        // Binary PGM: "P5\n<w> <h>\n<max>\n" then bytes.
        let mut fields = Vec::new();
        let mut i = 0;
        while fields.len() < 4 {
            while data[i].is_ascii_whitespace() {
                i += 1;
            }
            let start = i;
            while !data[i].is_ascii_whitespace() {
                i += 1;
            }
            fields.push(String::from_utf8_lossy(&data[start..i]).into_owned());
        }
        assert_eq!(fields[0], "P5");
        let (width, height) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
        Gray {
            width,
            height,
            dpi,
            pixels: data[i + 1..].to_vec(),
        }
    }

    /// The darkest pixel within `r` pixels of the point (x, y) in points
    /// from the page's top-left corner.
    fn darkest_near(&self, x: f64, y: f64, r: i64) -> u8 {
        let (cx, cy) = ((x * self.dpi / 72.0) as i64, (y * self.dpi / 72.0) as i64);
        let mut min = 255;
        for dy in -r..=r {
            for dx in -r..=r {
                let (px, py) = (cx + dx, cy + dy);
                if px >= 0 && py >= 0 && (px as usize) < self.width && (py as usize) < self.height {
                    min = min.min(self.pixels[py as usize * self.width + px as usize]);
                }
            }
        }
        min
    }
}

#[test]
fn print_page_boxes_read_back_exactly() {
    let built = default_build();
    for name in ["crosstalk.pdf", "handouts/sotetsu.pdf"] {
        let path = built.out.path().join(name);
        let doc = lopdf::Document::load(&path).unwrap();
        let pages = doc.get_pages();
        assert!(!pages.is_empty());
        for (n, id) in pages {
            let b = page_boxes(&doc, id);
            let (trim, bleed, media) = (b.trim.unwrap(), b.bleed.unwrap(), b.media);
            let w = |r: [f32; 4]| f64::from(r[2] - r[0]);
            let h = |r: [f32; 4]| f64::from(r[3] - r[1]);
            assert!(
                (w(trim) - A4.0).abs() < TOL && (h(trim) - A4.1).abs() < TOL,
                "{name} p{n}: TrimBox {trim:?} is not A4"
            );
            for i in 0..4 {
                let grow = if i < 2 { -1.0 } else { 1.0 };
                let expected = f64::from(trim[i]) + grow * mm(3.0);
                assert!(
                    (f64::from(bleed[i]) - expected).abs() < TOL,
                    "{name} p{n}: BleedBox {bleed:?} is not TrimBox + 3 mm"
                );
            }
            assert!(
                media[0] <= bleed[0]
                    && media[1] <= bleed[1]
                    && media[2] >= bleed[2]
                    && media[3] >= bleed[3],
                "MediaBox contains BleedBox"
            );
            assert!(
                w(media) > w(bleed) + mm(20.0),
                "a slug wide enough for marks"
            );
        }
    }
    // poppler agrees.
    let info = tool(
        "pdfinfo",
        &[
            "-box",
            built.out.path().join("crosstalk.pdf").to_str().unwrap(),
        ],
    );
    let line = |k: &str| {
        info.lines()
            .find(|l| l.starts_with(k))
            .unwrap()
            .split_whitespace()
            .skip(1)
            .map(|v| v.parse::<f64>().unwrap())
            .collect::<Vec<_>>()
    };
    let (t, b) = (line("TrimBox:"), line("BleedBox:"));
    assert!(
        (t[2] - t[0] - A4.0).abs() < TOL && (t[3] - t[1] - A4.1).abs() < TOL,
        "{info}"
    );
    assert!((t[0] - b[0] - mm(3.0)).abs() < TOL, "{info}");
}

#[test]
fn trim_marks_are_in_the_slug_and_nowhere_else() {
    let built = default_build();
    let pdf = built.out.path().join("crosstalk.pdf");
    let doc = lopdf::Document::load(&pdf).unwrap();
    let first = *doc.get_pages().values().next().unwrap();
    let b = page_boxes(&doc, first);
    let media_h = f64::from(b.media[3]);
    let trim = b.trim.unwrap();
    // Page coordinates (from the media box's top-left, y down) of the trim.
    let (x0, x1) = (f64::from(trim[0]), f64::from(trim[2]));
    let (y0, y1) = (media_h - f64::from(trim[3]), media_h - f64::from(trim[1]));
    let bleed = mm(3.0);
    let len = pamphlet::print::mark_length();
    let g = Gray::render(&pdf, 1, 300.0);
    let ink = |x: f64, y: f64| g.darkest_near(x, y, 2) < 128;

    // Corner marks: for each corner, lines on the trim and on the bleed,
    // beside and above/below the page, in the slug.
    for (cx, cy, sx, sy) in [
        (x0, y0, -1.0, -1.0),
        (x1, y0, 1.0, -1.0),
        (x0, y1, -1.0, 1.0),
        (x1, y1, 1.0, 1.0),
    ] {
        let out = bleed + len / 2.0;
        assert!(
            ink(cx + sx * out, cy),
            "trim line beside corner ({cx:.0}, {cy:.0})"
        );
        assert!(
            ink(cx + sx * out, cy + sy * bleed),
            "bleed line beside corner ({cx:.0}, {cy:.0})"
        );
        assert!(
            ink(cx, cy + sy * out),
            "trim line above/below corner ({cx:.0}, {cy:.0})"
        );
        assert!(
            ink(cx + sx * bleed, cy + sy * out),
            "bleed line above/below corner ({cx:.0}, {cy:.0})"
        );
    }
    // Centre marks on all four sides.
    let (mx, my) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    for (x, y) in [
        (mx, y0 - bleed - len * 0.25),
        (mx, y1 + bleed + len * 0.25),
        (x0 - bleed - len * 0.25, my),
        (x1 + bleed + len * 0.25, my),
    ] {
        assert!(ink(x, y), "centre mark at ({x:.0}, {y:.0})");
    }
    // Between the marks, the slug is blank.
    assert!(
        !ink(x0 - bleed - len / 2.0, (y0 + my) / 2.0),
        "slug between marks is blank"
    );
    // The marks do not reach into the page: inside the trim, along the
    // marks' lines, the white foot of page 1 has no ink within the safe
    // margin (the marks stop at the bleed box).
    for x in [x0 + mm(1.0), x0 + mm(2.5), x1 - mm(1.0), mx - mm(5.0)] {
        assert!(
            !ink(x, y1 - mm(1.5)),
            "ink inside the trim near ({x:.0}, bottom)"
        );
    }
    assert!(
        !ink(x0 + mm(1.5), y1 - mm(5.0)),
        "ink inside the trim at the left foot"
    );
    // Hairlines: a mark is a fraction of a millimetre wide (0.1 mm ≈ 1.2 px
    // at 300 dpi), not a rule: two pixels off the line there is no ink.
    let y = y1 + bleed + len / 2.0;
    assert!(
        g.darkest_near(x0, y, 1) < 128,
        "the trim line below the bottom-left corner"
    );
    assert!(
        g.darkest_near(x0 + 1.2, y, 1) > 200,
        "1.2 pt beside it there is no ink: a hairline"
    );
}

#[test]
fn marks_use_registration_colour_and_print_colours_are_cmyk() {
    let built = default_build();
    let bytes = std::fs::read(built.out.path().join("crosstalk.pdf")).unwrap();
    let doc = lopdf::Document::load_mem(&bytes).unwrap();
    // The marks' colour space: Separation /All, alternate DeviceCMYK.
    let mut found = false;
    for obj in doc.objects.values() {
        if let Ok(a) = obj.as_array()
            && a.len() >= 3
            && a[0].as_name().is_ok_and(|n| n == b"Separation")
            && a[1].as_name().is_ok_and(|n| n == b"All")
        {
            found = true;
        }
    }
    assert!(found, "a Separation /All colour space for the marks");
    let report = preflight::check(
        Path::new("crosstalk.pdf"),
        &bytes,
        &Expectations {
            print: true,
            ..Default::default()
        },
    );
    assert!(
        report.rgb_pages.is_empty(),
        "no RGB in the print PDF: {:?}",
        report.rgb_pages
    );
}

#[test]
fn the_screen_variant_has_no_marks_and_trim_equals_media() {
    let built = default_build();
    let pdf = built.out.path().join("crosstalk.screen.pdf");
    let doc = lopdf::Document::load(&pdf).unwrap();
    for (n, id) in doc.get_pages() {
        let b = page_boxes(&doc, id);
        let media = b.media;
        assert!(
            (f64::from(media[2] - media[0]) - A4.0).abs() < TOL
                && (f64::from(media[3] - media[1]) - A4.1).abs() < TOL,
            "page {n}: media is A4"
        );
        assert!(
            b.trim.is_none_or(|t| t == media),
            "page {n}: TrimBox = MediaBox"
        );
    }
    let text = String::from_utf8_lossy(&std::fs::read(&pdf).unwrap()).into_owned();
    assert!(!text.contains("/Separation"), "no registration colour");
    // No ink at the page's bottom corners (white paper, no marks).
    let g = Gray::render(&pdf, 1, 100.0);
    assert!(
        g.darkest_near(3.0, A4.1 - 3.0, 3) > 200 && g.darkest_near(A4.0 - 3.0, A4.1 - 3.0, 3) > 200
    );
    // And the screen variant is RGB.
    let report = preflight::check(
        &pdf,
        &std::fs::read(&pdf).unwrap(),
        &Expectations::default(),
    );
    assert!(!report.rgb_pages.is_empty());
}

#[test]
fn preflight_catches_a_font_that_is_not_embedded() {
    use lopdf::{Object, Stream, dictionary};
    // A tiny PDF that uses Helvetica without embedding it.
    let mut doc = lopdf::Document::with_version("1.7");
    let font = doc.add_object(
        dictionary! {"Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica"},
    );
    let content = doc.add_object(Stream::new(
        dictionary! {},
        b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET".to_vec(),
    ));
    let pages = doc.new_object_id();
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages, "Contents" => content,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        "Resources" => dictionary! {"Font" => dictionary! {"F1" => font}},
    });
    doc.objects.insert(
        pages,
        Object::Dictionary(
            dictionary! {"Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1},
        ),
    );
    let catalog = doc.add_object(dictionary! {"Type" => "Catalog", "Pages" => pages});
    doc.trailer.set("Root", catalog);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    let report = preflight::check(Path::new("tiny.pdf"), &bytes, &Expectations::default());
    assert_eq!(report.fonts.len(), 1);
    assert!(!report.fonts[0].embedded);
    assert!(
        report
            .diagnostics
            .iter()
            .any(|d| d.is_error() && d.message == "font `Helvetica` is not embedded"),
        "{:?}",
        report.diagnostics
    );

    // The command line says so too, and fails.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tiny.pdf");
    std::fs::write(&file, &bytes).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pamphlet"))
        .args(["preflight", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Helvetica [Type1] NOT EMBEDDED"));
}

#[test]
fn preflight_catches_encryption() {
    let built = default_build();
    let dir = tempfile::tempdir().unwrap();
    let locked = dir.path().join("locked.pdf");
    let src = built.out.path().join("handouts/itoen.pdf");
    tool(
        "qpdf",
        &[
            "--encrypt",
            "",
            "owner",
            "256",
            "--",
            src.to_str().unwrap(),
            locked.to_str().unwrap(),
        ],
    );
    let report = preflight::check(
        &locked,
        &std::fs::read(&locked).unwrap(),
        &Expectations::default(),
    );
    assert!(report.encrypted);
    assert!(
        report
            .diagnostics
            .iter()
            .any(|d| d.is_error() && d.message.contains("encrypted")),
        "{:?}",
        report.diagnostics
    );
}

#[test]
fn preflight_of_the_crosstalk_pamphlet_is_clean() {
    let built = default_build();
    let pdf = built.out.path().join("crosstalk.pdf");
    let out = Command::new(env!("CARGO_BIN_EXE_pamphlet"))
        .args([
            "preflight",
            "--trim",
            "a4",
            "--bleed",
            "3mm",
            "--pages",
            "4",
            pdf.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in [
        "pages: 4",
        "fonts: 6 (6 embedded, 6 subset)",
        "TrimBox:  210.00 × 297.00 mm",
        "BleedBox: 216.00 × 303.00 mm",
        "encryption: none",
        "RGB colour: none",
    ] {
        assert!(stdout.contains(line), "`{line}` missing from:\n{stdout}");
    }
    // The wrong trim is caught.
    let out = Command::new(env!("CARGO_BIN_EXE_pamphlet"))
        .args([
            "preflight",
            "--trim",
            "b5-jis",
            "--bleed",
            "3mm",
            pdf.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("trim is 210.00 × 297.00 mm; the publication is 182.00 × 257.00 mm")
    );
}

#[test]
fn overset_text_names_the_field_that_overflowed() {
    let dir = tempfile::tempdir().unwrap();
    copy_project(dir.path());
    // Make every answer about 390 characters long: the feature no longer
    // fits its four pages.
    let path = dir.path().join("content/crosstalk.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let filler = "人事交流で得た経験を、これからの横浜市の仕事に活かしていきたいと考えています。";
    let lines: Vec<&str> = text.lines().collect();
    let longer: String = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            // Single-paragraph answers only (each answer stays within 400).
            let single = i > 0
                && lines[i - 1].trim() == "text: |-"
                && !lines
                    .get(i + 1)
                    .is_some_and(|n| n.starts_with("          "));
            if single && l.chars().count() > 100 {
                let mut l = l.to_string();
                while l.chars().count() < 390 {
                    l.push_str(filler);
                }
                l.chars().take(395).collect::<String>()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&path, longer).unwrap();
    let session = open(dir.path());
    let out = dir.path().join("out");
    let report = build_into(&session, &out, |r| {
        r.publications = vec!["crosstalk".into()]
    });
    assert!(!report.success());
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.message.starts_with("overset text"))
        .unwrap_or_else(|| panic!("{:?}", report.diagnostics));
    assert!(d.message.contains("`questions["), "{}", d.message);
    assert!(
        d.message.contains("does not fit the layout's 4 page(s)"),
        "{}",
        d.message
    );
    let p = d.position.as_ref().unwrap();
    assert_eq!(p.path, Path::new("content/crosstalk.yaml"));
    assert!(p.line > 90, "points into the questions: {p}");
    assert!(!out.join("crosstalk.pdf").exists(), "nothing written");
}

#[test]
fn preflight_catches_low_resolution_images_in_print_and_rgb_photos_become_cmyk() {
    let dir = fixture_project("cards");
    // c's photo: 40 px placed 40 mm wide is 25 ppi.
    // A 40×40 grey PNG, written by hand (no image crate needed).
    let tiny = png_gray(40, 40);
    std::fs::write(dir.path().join("photos/c.png"), tiny).unwrap();
    std::fs::copy(
        dir.path().join("photos/a.png"),
        dir.path().join("photos/b.png"),
    )
    .unwrap();
    let session = open(dir.path());
    let report = build_into(&session, &dir.path().join("out"), |_| {});
    let c_error = report
        .diagnostics
        .iter()
        .find(|d| {
            d.is_error()
                && d.context
                    .as_deref()
                    .is_some_and(|c| c.contains("record `c`"))
        })
        .unwrap_or_else(|| panic!("{:?}", report.diagnostics));
    assert!(
        c_error.message.contains("40×40 px on page 1 is 25 ppi"),
        "{}",
        c_error.message
    );
    // a's photo is 600 px at 40 mm: 381 ppi, fine; it is RGB, and the
    // print variant converts it to CMYK, so preflight finds no RGB.
    let a = report
        .diagnostics
        .iter()
        .filter(|d| {
            d.context
                .as_deref()
                .is_some_and(|c| c.contains("record `a`"))
        })
        .collect::<Vec<_>>();
    assert!(a.iter().all(|d| !d.is_error()), "{a:?}");
    assert!(
        a.iter().all(|d| !d.message.starts_with("RGB colour")),
        "{a:?}"
    );
}

#[test]
fn text_outside_the_safe_area_is_reported() {
    let dir = fixture_project("mini");
    edit(
        &dir.path().join("pamphlet.toml"),
        "variants = [\"screen\"]",
        "variants = [\"print\"]",
    );
    edit(
        &dir.path().join("layouts/sheet/sheet.typ"),
        "= #rich(c.title)",
        "#place(top + left, dx: -14mm, dy: -14mm)[端]\n= #rich(c.title)",
    );
    let report = build_into(&open(dir.path()), &dir.path().join("out"), |_| {});
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.message.contains("inside the safe area"))
        .unwrap_or_else(|| panic!("{:?}", report.diagnostics));
    assert!(
        d.message.starts_with("text `端` on page 1 is "),
        "{}",
        d.message
    );
    assert!(!d.is_error(), "a warning");
}

#[test]
fn pdf_standards_are_passed_to_typst_pdf() {
    let dir = fixture_project("mini");
    edit(
        &dir.path().join("pamphlet.toml"),
        "variants = [\"screen\"]",
        "variants = [\"screen\"]\n[publications.sheet.screen]\npdf_standard = [\"a-2b\"]",
    );
    // PDF/A needs a date; without one the error says how to give it.
    let report = build_into(&open(dir.path()), &dir.path().join("out"), |_| {});
    let d = report.diagnostics.iter().find(|d| d.is_error()).unwrap();
    assert!(
        d.message.contains("PDF/A-2b error: missing document date"),
        "{d}"
    );
    assert_eq!(
        d.position.as_ref().unwrap().line,
        9,
        "points at pdf_standard in the manifest"
    );
    assert!(d.hints.iter().any(|h| h.contains("SOURCE_DATE_EPOCH")));
    // With a date it conforms.
    let options = pamphlet::SessionOptions {
        creation_timestamp: Some(1_764_028_800),
        ..with_fonts()
    };
    let session = pamphlet::Session::open(dir.path(), &options).unwrap();
    let report = build_into(&session, &dir.path().join("out"), |_| {});
    assert_success(&report);
    let bytes = std::fs::read(dir.path().join("out/sheet.screen.pdf")).unwrap();
    assert!(String::from_utf8_lossy(&bytes).contains("pdfaid:part>2<"));
}

/// A grey PNG of `w`×`h` pixels, stored (uncompressed deflate blocks).
pub fn png_gray(w: u32, h: u32) -> Vec<u8> {
    fn crc(data: &[u8]) -> u32 {
        let mut c = 0xFFFF_FFFFu32;
        for b in data {
            c ^= u32::from(*b);
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    }
    fn adler(data: &[u8]) -> u32 {
        let (mut a, mut b) = (1u32, 0u32);
        for d in data {
            a = (a + u32::from(*d)) % 65521;
            b = (b + a) % 65521;
        }
        (b << 16) | a
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend(data);
        out.extend(&body);
        out.extend(crc(&body).to_be_bytes());
    }
    let mut raw = Vec::new();
    for _ in 0..h {
        raw.push(0);
        raw.extend(std::iter::repeat_n(128u8, w as usize));
    }
    let mut z = vec![0x78, 0x01];
    for (i, block) in raw.chunks(65535).enumerate() {
        let last = (i + 1) * 65535 >= raw.len();
        z.push(u8::from(last));
        z.extend((block.len() as u16).to_le_bytes());
        z.extend((!(block.len() as u16)).to_le_bytes());
        z.extend(block);
    }
    z.extend(adler(&raw).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(w.to_be_bytes());
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 0, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", &[]);
    out
}

#[test]
fn a_character_no_font_has_in_the_layout_itself_is_reported() {
    // Not in the content (that is caught before typesetting), but written
    // in the template: found on the page, where Typst drew an empty box.
    let dir = fixture_project("mini");
    edit(
        &dir.path().join("layouts/sheet/sheet.typ"),
        "= #rich(c.title)",
        "ᚠ\n= #rich(c.title)",
    );
    // Both variants, the screen one PDF/UA, which also refuses empty boxes.
    edit(
        &dir.path().join("pamphlet.toml"),
        "variants = [\"screen\"]",
        "variants = [\"print\", \"screen\"]\n[publications.sheet.screen]\npdf_standard = [\"ua-1\"]",
    );
    let out = dir.path().join("out");
    let report = build_into(&open(dir.path()), &out, |_| {});
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.message.contains("has no glyph"))
        .unwrap_or_else(|| panic!("{:?}", report.diagnostics));
    assert!(d.is_error());
    assert!(
        d.message
            .starts_with("character `ᚠ` (U+16A0) on page 1 has no glyph in any font"),
        "{}",
        d.message
    );
    assert!(!out.join("sheet.screen.pdf").exists(), "nothing written");
    // Said once: for both variants, and not again by the PDF standard
    // that refuses the empty box.
    let said: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| {
            d.message.contains("has no glyph") || d.message.contains("could not be displayed")
        })
        .collect();
    assert_eq!(said.len(), 1, "{said:#?}");
}
