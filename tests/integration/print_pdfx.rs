//! PDF/X: print PDFs are PDF/X-4 by default, with the Japan Color 2011
//! Coated output intent; read back with lopdf and poppler, validated with
//! pdf-oxide's PDF/X validator (a tool we did not write; `.ci/run` installs
//! it from PyPI), and checked by our own `preflight --standard`.

use std::path::Path;
use std::process::Command;

use lopdf::{Document, Object};

use crate::common::*;

/// The default output profile, as committed.
fn japan_color() -> Vec<u8> {
    std::fs::read(repo().join("profiles/JapanColor2011Coated.icc")).unwrap()
}

/// pdf-oxide's verdict on `path` for a PDF/X `level` (`4`, `1a_2001`):
/// whether it is valid, and its errors.
pub fn pdf_oxide(path: &Path, level: &str) -> (bool, Vec<String>) {
    require("pdf-oxide");
    let script = "import json, sys, pdf_oxide\n\
        r = pdf_oxide.PdfDocument(sys.argv[1]).validate_pdf_x(sys.argv[2])\n\
        print(json.dumps({'valid': r['valid'], 'errors': [str(e) for e in r['errors']]}))";
    let out = Command::new("python3")
        .args(["-c", script, path.to_str().unwrap(), level])
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "pdf-oxide failed on {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap().to_string())
        .collect();
    (v["valid"].as_bool().unwrap(), errors)
}

fn text(o: &Object) -> String {
    pamphlet::print::pdfx::read_text_string(o).unwrap()
}

fn deref<'a>(doc: &'a Document, o: &'a Object) -> &'a Object {
    doc.dereference(o).map(|(_, o)| o).unwrap_or(o)
}

/// The catalog's XMP packet.
fn xmp(doc: &Document) -> String {
    let meta = deref(doc, doc.catalog().unwrap().get(b"Metadata").unwrap());
    let stream = meta.as_stream().unwrap();
    String::from_utf8(stream.content.clone()).unwrap()
}

/// A copy of the `mini` test project whose sheet is built for print, with
/// `print` (more TOML) after its `variants` line.
fn print_sheet(print: &str) -> tempfile::TempDir {
    let dir = fixture_project("mini");
    edit(
        &dir.path().join("pamphlet.toml"),
        "variants = [\"screen\"]",
        &format!("variants = [\"print\"]{print}"),
    );
    dir
}

#[test]
fn the_pamphlet_and_the_flyer_are_pdf_x4_with_a_japan_color_output_intent() {
    let built = default_build();
    let profile = japan_color();
    for name in ["crosstalk.pdf", "flyer.pdf"] {
        let path = built.out.path().join(name);
        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes.starts_with(b"%PDF-1.6"), "{name}: PDF/X-4 is PDF 1.6");
        let doc = Document::load_mem(&bytes).unwrap();
        // The output intent, with the profile's bytes unchanged.
        let intents = deref(&doc, doc.catalog().unwrap().get(b"OutputIntents").unwrap())
            .as_array()
            .unwrap();
        assert_eq!(intents.len(), 1, "{name}");
        let intent = deref(&doc, &intents[0]).as_dict().unwrap();
        assert_eq!(intent.get(b"S").unwrap().as_name().unwrap(), b"GTS_PDFX");
        assert_eq!(
            text(intent.get(b"OutputConditionIdentifier").unwrap()),
            "Japan Color 2011 Coated"
        );
        let stream = deref(&doc, intent.get(b"DestOutputProfile").unwrap())
            .as_stream()
            .unwrap();
        assert_eq!(stream.dict.get(b"N").unwrap().as_i64().unwrap(), 4);
        assert!(
            stream.decompressed_content().unwrap() == profile,
            "{name}: the embedded profile is the committed file, byte for byte"
        );
        // Version keys, dates and Trapped, in Info and XMP alike.
        let info = deref(&doc, doc.trailer.get(b"Info").unwrap())
            .as_dict()
            .unwrap();
        assert_eq!(text(info.get(b"GTS_PDFXVersion").unwrap()), "PDF/X-4");
        assert_eq!(info.get(b"Trapped").unwrap().as_name().unwrap(), b"False");
        assert_eq!(
            text(info.get(b"CreationDate").unwrap()),
            "D:19700101000000Z"
        );
        let xmp = xmp(&doc);
        for expected in [
            "<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>",
            "<pdf:Trapped>False</pdf:Trapped>",
            "<xmp:CreateDate>1970-01-01T00:00:00Z</xmp:CreateDate>",
            "<xmp:ModifyDate>1970-01-01T00:00:00Z</xmp:ModifyDate>",
            "<xmpMM:VersionID>1</xmpMM:VersionID>",
            "<xmpMM:RenditionClass>default</xmpMM:RenditionClass>",
            "<xmpMM:DocumentID>uuid:",
        ] {
            assert!(xmp.contains(expected), "{name}: {expected} in\n{xmp}");
        }
        let title = text(info.get(b"Title").unwrap());
        assert!(
            xmp.contains(&format!("<rdf:li xml:lang=\"x-default\">{title}</rdf:li>")),
            "{name}: the XMP title is the Info title `{title}`"
        );
        // Every page: TrimBox inside BleedBox inside MediaBox, no annotations.
        for (_, id) in doc.get_pages() {
            let b = pamphlet::print::preflight::page_boxes(&doc, id);
            let (trim, bleed) = (b.trim.unwrap(), b.bleed.unwrap());
            assert!(bleed[0] <= trim[0] && bleed[2] >= trim[2] && b.media[0] <= bleed[0]);
            assert!(!doc.get_dictionary(id).unwrap().has(b"Annots"));
        }
        // poppler recognises it; pdf-oxide finds nothing wrong.
        let pdfinfo = tool("pdfinfo", &[path.to_str().unwrap()]);
        assert!(pdfinfo.contains("PDF subtype:    PDF/X-4"), "{pdfinfo}");
        let (valid, errors) = pdf_oxide(&path, "4");
        assert!(valid && errors.is_empty(), "{name}: {errors:?}");
        // Our preflight agrees.
        let report = pamphlet::print::preflight::check(
            &path,
            &bytes,
            &pamphlet::print::preflight::Expectations {
                standard: Some(pamphlet::project::PdfX::X4),
                max_ink: Some(350.0),
                ..Default::default()
            },
        );
        assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
    }
}

#[test]
fn no_device_rgb_in_a_print_pdf_and_rgb_colours_become_cmyk_through_the_profile() {
    let dir = print_sheet("");
    edit(
        &dir.path().join("layouts/sheet/sheet.typ"),
        "= #rich(c.title)",
        "#rect(width: 20mm, height: 5mm, fill: rgb(255, 0, 0))\n= #rich(c.title)",
    );
    let report = build_into(&open(dir.path()), &dir.path().join("out"), |_| {});
    assert_success(&report);
    let path = dir.path().join("out/sheet.pdf");
    let doc = Document::load(&path).unwrap();
    let (_, page) = doc.get_pages().into_iter().next().unwrap();
    let content = lopdf::content::Content::decode(&doc.get_page_content(page)).unwrap();
    let ops: Vec<&str> = content
        .operations
        .iter()
        .map(|o| o.operator.as_str())
        .collect();
    assert!(
        !ops.iter().any(|o| *o == "rg" || *o == "RG"),
        "no DeviceRGB colour operator: {ops:?}"
    );
    // The red is the profile's red: magenta and yellow, hardly any cyan.
    let red = content
        .operations
        .iter()
        .filter(|o| o.operator == "k")
        .map(|o| {
            o.operands
                .iter()
                .map(|v| v.as_float().unwrap_or(0.0))
                .collect::<Vec<f32>>()
        })
        .find(|v| v[1] > 0.7 && v[2] > 0.7)
        .unwrap_or_else(|| panic!("a converted red among the fills: {ops:?}"));
    assert!(red[0] < 0.1 && red[3] < 0.1, "{red:?}");
    let (valid, errors) = pdf_oxide(&path, "4");
    assert!(valid, "{errors:?}");
}

#[test]
fn what_cannot_be_converted_is_an_error_at_its_layout_line() {
    let dir = print_sheet("");
    edit(
        &dir.path().join("layouts/sheet/sheet.typ"),
        "= #rich(c.title)",
        "#rect(width: 20mm, height: 5mm, fill: rgb(0, 0, 255, 50%))\n= #rich(c.title)",
    );
    let report = build_into(&open(dir.path()), &dir.path().join("out"), |_| {});
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.message.contains("partly transparent RGB colour"))
        .unwrap_or_else(|| panic!("{:?}", report.diagnostics));
    assert!(d.is_error());
    let at = d.position.as_ref().unwrap();
    assert_eq!(
        (at.path.to_str().unwrap(), at.line),
        ("layouts/sheet/sheet.typ", 9)
    );
    assert!(
        !dir.path().join("out/sheet.pdf").exists(),
        "nothing written"
    );
}

#[test]
fn x1a_is_pdf_14_with_its_own_version_key() {
    let dir = print_sheet("\n[publications.sheet.print]\npdf_standard = [\"x-1a\"]");
    let report = build_into(&open(dir.path()), &dir.path().join("out"), |_| {});
    assert_success(&report);
    let path = dir.path().join("out/sheet.pdf");
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.starts_with(b"%PDF-1.4"));
    let doc = Document::load_mem(&bytes).unwrap();
    let info = deref(&doc, doc.trailer.get(b"Info").unwrap())
        .as_dict()
        .unwrap();
    assert_eq!(text(info.get(b"GTS_PDFXVersion").unwrap()), "PDF/X-1a:2003");
    assert!(xmp(&doc).contains("<pdfx:GTS_PDFXVersion>PDF/X-1a:2003</pdfx:GTS_PDFXVersion>"));
    // pdf-oxide knows the 2001 edition of PDF/X-1a, whose rules the 2003
    // one keeps (less the PDF version, 1.3 there).
    let (valid, errors) = pdf_oxide(&path, "1a_2001");
    assert!(valid, "{errors:?}");
    let out = Command::new(env!("CARGO_BIN_EXE_pamphlet"))
        .args(["preflight", "--standard", "x-1a"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_output_intent_that_is_not_a_cmyk_output_profile_is_an_error_at_its_manifest_line() {
    let dir = print_sheet("\n[publications.sheet.print]\noutput_intent = \"profiles/display.icc\"");
    std::fs::create_dir_all(dir.path().join("profiles")).unwrap();
    // A display (monitor) profile: the Japan Color header with another class.
    let mut display = japan_color();
    display[12..16].copy_from_slice(b"mntr");
    std::fs::write(dir.path().join("profiles/display.icc"), display).unwrap();
    let report = build_into(&open(dir.path()), &dir.path().join("out"), |_| {});
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.is_error())
        .unwrap_or_else(|| panic!("{:?}", report.diagnostics));
    assert!(
        d.message
            .contains("profiles/display.icc: the ICC profile is a `mntr` profile, not an output (`prtr`) profile"),
        "{}",
        d.message
    );
    let at = d.position.as_ref().unwrap();
    assert_eq!(
        (at.path.to_str().unwrap(), at.line, at.column),
        ("pamphlet.toml", 9, 17)
    );
    // Another CMYK profile is embedded as it is.
    std::fs::write(dir.path().join("profiles/other.icc"), japan_color()).unwrap();
    edit(
        &dir.path().join("pamphlet.toml"),
        "profiles/display.icc",
        "profiles/other.icc",
    );
    let report = build_into(&open(dir.path()), &dir.path().join("out"), |_| {});
    assert_success(&report);
}

#[test]
fn pdf_x_cannot_be_combined_with_other_standards_or_the_screen_variant() {
    let dir = fixture_project("mini");
    edit(
        &dir.path().join("pamphlet.toml"),
        "variants = [\"screen\"]",
        "variants = [\"print\", \"screen\"]\n[publications.sheet.print]\npdf_standard = [\"x-4\", \"a-2b\"]\n[publications.sheet.screen]\npdf_standard = [\"x-4\"]",
    );
    let out = run_in(dir.path(), &["check"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("`x-4` cannot be combined with other standards (x-4, a-2b)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("`x-4` is a print standard; the screen variant cannot be PDF/X"),
        "{stderr}"
    );
}

/// A PDF/X-4 pamphlet from the default build, changed by `change`, and
/// what `pamphlet preflight --standard PART` says of it.
fn preflight_changed(part: &str, change: impl FnOnce(&mut Document)) -> (bool, String) {
    let built = default_build();
    let mut doc = Document::load(built.out.path().join("crosstalk.pdf")).unwrap();
    change(&mut doc);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("changed.pdf");
    doc.save(&path).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pamphlet"))
        .args([
            "preflight",
            "--standard",
            part,
            "--diagnostic-format",
            "short",
        ])
        .arg(&path)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Adds `ops` to the end of the first page's content stream, with `gs`
/// resources if given.
fn draw_on_first_page(doc: &mut Document, ops: &str, gs: Option<lopdf::Dictionary>) {
    let (_, page) = doc.get_pages().into_iter().next().unwrap();
    let mut content = doc.get_page_content(page);
    content.extend_from_slice(ops.as_bytes());
    doc.change_page_content(page, content).unwrap();
    if let Some(gs) = gs {
        let gs_id = doc.add_object(gs);
        let resources = doc.get_or_create_resources(page).unwrap();
        let resources = resources.as_dict_mut().unwrap();
        let mut ext = lopdf::Dictionary::new();
        ext.set("GSx", Object::Reference(gs_id));
        resources.set("ExtGState", Object::Dictionary(ext));
    }
}

#[test]
fn preflight_rejects_each_broken_file_with_its_reason() {
    // Ours passes.
    let (ok, stderr) = preflight_changed("x-4", |_| {});
    assert!(ok, "{stderr}");
    // No output intent.
    let (ok, stderr) = preflight_changed("x-4", |doc| {
        doc.catalog_mut().unwrap().remove(b"OutputIntents");
    });
    assert!(!ok);
    assert!(stderr.contains("no PDF/X output intent"), "{stderr}");
    // RGB colour: PDF/X-4 refuses DeviceRGB.
    let (ok, stderr) = preflight_changed("x-4", |doc| {
        draw_on_first_page(doc, "\n1 0 0 rg 0 0 10 10 re f\n", None);
    });
    assert!(!ok);
    assert!(
        stderr.contains("page 1 uses DeviceRGB colour, which PDF/X-4 does not allow"),
        "{stderr}"
    );
    let (ok, stderr) = preflight_changed("x-1a", |doc| {
        draw_on_first_page(doc, "\n1 0 0 rg 0 0 10 10 re f\n", None);
    });
    assert!(!ok);
    assert!(
        stderr.contains("page 1 uses DeviceRGB colour, which PDF/X-1a:2003 does not allow"),
        "{stderr}"
    );
    // Transparency: fine in PDF/X-4, not in PDF/X-1a.
    let mut gs = lopdf::Dictionary::new();
    gs.set("ca", Object::Real(0.5));
    let transparent = |doc: &mut Document| {
        draw_on_first_page(
            doc,
            "\n/GSx gs 0 0 0 1 k 0 0 10 10 re f\n",
            Some(gs.clone()),
        );
    };
    let (_, stderr) = preflight_changed("x-4", transparent);
    assert!(!stderr.contains("transparency"), "{stderr}");
    let (ok, stderr) = preflight_changed("x-1a", transparent);
    assert!(!ok);
    assert!(
        stderr.contains("page 1 uses transparency (constant alpha 0.5 (ca)); PDF/X-1a allows none"),
        "{stderr}"
    );
    // A wrong version key.
    let (ok, stderr) = preflight_changed("x-4", |doc| {
        let info = doc.trailer.get(b"Info").unwrap().as_reference().unwrap();
        doc.get_dictionary_mut(info)
            .unwrap()
            .set("GTS_PDFXVersion", Object::string_literal("PDF/X-3:2002"));
    });
    assert!(!ok);
    assert!(
        stderr.contains("GTS_PDFXVersion is `PDF/X-3:2002`, not PDF/X-4"),
        "{stderr}"
    );
    // Too much ink: 390 % in a square inside the trim; not in the slug.
    let (ok, stderr) = preflight_changed("x-4", |doc| {
        draw_on_first_page(doc, "\nq 1 1 1 0.9 k 100 100 50 50 re f Q\n", None);
    });
    assert!(!ok);
    assert!(
        stderr.contains("page 1: total ink 390 % at ") && stderr.contains("; the limit is 350 %"),
        "{stderr}"
    );
    let (ok, stderr) = preflight_changed("x-4", |doc| {
        draw_on_first_page(doc, "\nq 1 1 1 0.9 k 1 1 5 5 re f Q\n", None);
    });
    assert!(ok, "the slug's corner is outside the trim: {stderr}");
    // Small text in four-colour black, and a hairline.
    let (ok, stderr) = preflight_changed("x-4", |doc| {
        draw_on_first_page(
            doc,
            "\nq 0.6 0.4 0.4 1 k BT /F1 8 Tf 1 0 0 1 200 300 Tm (x) Tj ET Q\nq 0.05 w 0 0 0 1 K 100 400 m 300 400 l S Q\n",
            None,
        );
    });
    assert!(ok, "warnings only: {stderr}");
    assert!(
        stderr.contains("page 1: 8 pt text in four-colour black (C60 M40 Y40 K100) at "),
        "{stderr}"
    );
    assert!(
        stderr.contains("page 1: a line 0.018 mm wide at ")
            && stderr.contains("lines under 0.1 mm may not print"),
        "{stderr}"
    );
    // A font that is not embedded.
    let (ok, stderr) = preflight_changed("x-4", |doc| {
        let ids: Vec<_> = doc
            .objects
            .iter()
            .filter(|(_, o)| {
                o.as_dict().is_ok_and(|d| {
                    d.get(b"Type")
                        .is_ok_and(|t| t.as_name().ok() == Some(b"FontDescriptor"))
                })
            })
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            let d = doc.get_dictionary_mut(id).unwrap();
            for key in [b"FontFile".as_slice(), b"FontFile2", b"FontFile3"] {
                d.remove(key);
            }
        }
    });
    assert!(!ok);
    assert!(stderr.contains("is not embedded"), "{stderr}");
}

#[test]
fn the_builds_own_preflight_holds_print_pdfs_to_the_ink_limit() {
    // The sheet's black text is 100 % K: within a limit of 100 %.
    let dir = print_sheet("\n[publications.sheet.print]\nmax_ink = 100");
    let report = build_into(&open(dir.path()), &dir.path().join("out"), |_| {});
    assert_success(&report);
    let dir = print_sheet("\n[publications.sheet.print]\nmax_ink = 500");
    let out = run_in(dir.path(), &["check", "--diagnostic-format", "short"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("pamphlet.toml:9:11: error: `max_ink = 500` is not a total ink limit"),
        "{stderr}"
    );
    // A red converted through the profile is M+Y of about 190 %.
    let dir = print_sheet("\n[publications.sheet.print]\nmax_ink = 150");
    edit(
        &dir.path().join("layouts/sheet/sheet.typ"),
        "= #rich(c.title)",
        "#rect(width: 20mm, height: 5mm, fill: rgb(255, 0, 0))\n= #rich(c.title)",
    );
    let report = build_into(&open(dir.path()), &dir.path().join("out"), |_| {});
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.message.contains("total ink"))
        .unwrap_or_else(|| panic!("{:?}", report.diagnostics));
    assert!(d.is_error());
    assert!(
        d.message.starts_with("page 1: total ink ") && d.message.ends_with("the limit is 150 %"),
        "{}",
        d.message
    );
}

#[test]
fn with_source_date_epoch_two_builds_are_byte_identical_and_dated() {
    let options = pamphlet::SessionOptions {
        creation_timestamp: Some(1_700_000_000),
        ..with_fonts()
    };
    let session = pamphlet::Session::open(&repo(), &options).unwrap();
    let build = || {
        let dir = tempfile::tempdir().unwrap();
        let report = build_into(&session, dir.path(), |r| {
            r.publications = vec!["crosstalk".into()];
            r.variants = Some(vec![pamphlet::Variant::Print]);
        });
        assert_success(&report);
        std::fs::read(dir.path().join("crosstalk.pdf")).unwrap()
    };
    let (a, b) = (build(), build());
    assert!(a == b, "two builds differ");
    let doc = Document::load_mem(&a).unwrap();
    let info = deref(&doc, doc.trailer.get(b"Info").unwrap())
        .as_dict()
        .unwrap();
    assert_eq!(
        text(info.get(b"CreationDate").unwrap()),
        "D:20231114221320Z"
    );
    assert!(xmp(&doc).contains("<xmp:ModifyDate>2023-11-14T22:13:20Z</xmp:ModifyDate>"));
}

#[test]
fn an_image_pdf_x1a_cannot_take_is_an_error_at_its_layout_line() {
    let dir = print_sheet("\n[publications.sheet.print]\npdf_standard = [\"x-1a\"]");
    std::fs::write(
        dir.path().join("logo.png"),
        crate::print_marks::png_gray(600, 600),
    )
    .unwrap();
    edit(
        &dir.path().join("content/staff.yaml"),
        "title:",
        "logo: logo.png\ntitle:",
    );
    let report = build_into(&open(dir.path()), &dir.path().join("out"), |_| {});
    let d = report
        .diagnostics
        .iter()
        .find(|d| {
            d.message
                .contains("not a CMYK JPEG in a PDF/X-1a print PDF")
        })
        .unwrap_or_else(|| panic!("{:?}", report.diagnostics));
    let at = d.position.as_ref().unwrap();
    assert_eq!(
        (at.path.to_str().unwrap(), at.line),
        ("layouts/sheet/sheet.typ", 8)
    );
}
