//! Merged files (`merge`): every record of a per-record publication in one
//! PDF — PDF/VT-1 when it is PDF/X-4 — read back with tools we did not
//! write: pikepdf walks the document part tree and the XMP metadata, qpdf
//! checks the file, pdffonts lists each font once, pdf.js opens it, MuPDF
//! renders each record's pages to compare them with the record's own file;
//! and our preflight rejects files whose tree or metadata is wrong.

use std::path::{Path, PathBuf};
use std::process::Command;

use lopdf::{Document, Object};
use pamphlet::JobStatus;

use crate::common::*;

/// What pikepdf sees of a merged file: the DPart tree and the XMP keys.
fn pikepdf_view(path: &Path) -> serde_json::Value {
    require("pikepdf");
    let script = r#"
import json, sys, pikepdf
pdf = pikepdf.open(sys.argv[1])
pages = {p.objgen: i + 1 for i, p in enumerate(pdf.pages)}
out = {"pages": len(pdf.pages)}
root = pdf.Root.get("/DPartRoot")
if root is not None:
    node = root.DPartRootNode
    out["record_level"] = int(root.RecordLevel)
    out["node_names"] = [str(n) for n in root.NodeNameList]
    out["root_parent_ok"] = node.Parent.objgen == root.objgen
    meta = node.DPM.CIP4_Root.CIP4_Metadata
    out["job"] = str(meta.CIP4_JobID)
    leaves = []
    for arr in node.DParts:
        for leaf in arr:
            rec = leaf.DPM.CIP4_Root.CIP4_Recipient
            leaves.append({
                "id": str(rec.CIP4_UniqueID),
                "fields": {str(k)[1:]: str(v) for k, v in rec.items() if k != "/CIP4_UniqueID"},
                "first": pages[leaf.Start.objgen],
                "last": pages[leaf.End.objgen],
                "parent_ok": leaf.Parent.objgen == node.objgen,
            })
    out["leaves"] = leaves
    out["back"] = [str(p.DPart.DPM.CIP4_Root.CIP4_Recipient.CIP4_UniqueID) for p in pdf.pages]
m = pdf.open_metadata()
vt = "{http://www.npes.org/pdfvt/ns/id/}"
out["vt_version"] = m.get(vt + "GTS_PDFVTVersion")
out["vt_moddate"] = m.get(vt + "GTS_PDFVTModDate")
out["modify_date"] = m.get("xmp:ModifyDate")
out["pdfx"] = m.get("pdfxid:GTS_PDFXVersion")
out["outline"] = [str(o.title) for o in pdf.open_outline().root]
scopes = []
for obj in pdf.objects:
    if isinstance(obj, pikepdf.Stream) and "/GTS_Scope" in obj:
        scopes.append({"subtype": str(obj.get("/Subtype")), "scope": str(obj.GTS_Scope), "xid": str(obj.GTS_XID)})
out["scopes"] = scopes
print(json.dumps(out))
"#;
    let out = Command::new("python3")
        .args(["-c", script, path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pikepdf on {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// What pdf.js sees: the page count, each page's text, the outline.
pub fn pdfjs_view(path: &Path) -> serde_json::Value {
    require("pdf.js");
    let out = Command::new("node")
        .arg(repo().join("tests/pdfjs/open.mjs"))
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pdf.js on {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Runs `pamphlet preflight --standard vt-1` on `path`: exit code, stdout
/// and stderr.
fn preflight_vt(path: &Path) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pamphlet"))
        .args([
            "preflight",
            "--standard",
            "vt-1",
            "--diagnostic-format",
            "short",
        ])
        .arg(path)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_default_build_writes_one_pdf_vt_file_with_every_handout() {
    let built = default_build();
    let out = built.out.path();
    let merged = out.join("handouts.pdf");
    let report = built
        .report
        .jobs
        .iter()
        .find(|j| j.path == merged)
        .expect("the merged file is one of the build's outputs");
    assert!(
        matches!(report.status, JobStatus::Built { pages: 6, .. }),
        "{:?}",
        report.status
    );
    // The tree, the metadata and the back-references, as pikepdf reads them.
    let v = pikepdf_view(&merged);
    assert_eq!(v["pages"], 6);
    assert_eq!(v["node_names"], serde_json::json!(["/Job", "/Record"]));
    assert_eq!(v["record_level"], 1);
    assert_eq!(v["root_parent_ok"], true);
    assert_eq!(v["job"], "handout");
    let leaves: Vec<(String, u64, u64, bool)> = v["leaves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["id"].as_str().unwrap().to_string(),
                l["first"].as_u64().unwrap(),
                l["last"].as_u64().unwrap(),
                l["parent_ok"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        leaves,
        [
            ("sotetsu".to_string(), 1, 2, true),
            ("ntt-east".to_string(), 3, 4, true),
            ("itoen".to_string(), 5, 6, true),
        ]
    );
    // No personal data unless asked for: the key only.
    assert!(
        v["leaves"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["fields"] == serde_json::json!({}))
    );
    assert_eq!(
        v["back"],
        serde_json::json!([
            "sotetsu", "sotetsu", "ntt-east", "ntt-east", "itoen", "itoen"
        ])
    );
    assert_eq!(v["vt_version"], "PDF/VT-1");
    assert_eq!(v["vt_moddate"], v["modify_date"]);
    assert_eq!(v["pdfx"], "PDF/X-4");
    // qpdf finds nothing wrong; each font is embedded once.
    let qpdf = tool("qpdf", &["--check", merged.to_str().unwrap()]);
    assert!(
        qpdf.contains("No syntax or stream encoding errors"),
        "{qpdf}"
    );
    let fonts = tool("pdffonts", &[merged.to_str().unwrap()]);
    let names: Vec<&str> = fonts
        .lines()
        .skip(2)
        .filter_map(|l| l.split_whitespace().next())
        .map(|n| n.split_once('+').map_or(n, |(_, n)| n))
        .collect();
    let mut distinct = names.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(
        names.len(),
        distinct.len(),
        "a font embedded twice:\n{fonts}"
    );
    assert!(names.len() >= 4, "{fonts}");
    // Our preflight and pdf-oxide's PDF/X validator accept it.
    let (code, stderr) = preflight_vt(&merged);
    assert_eq!(code, 0, "{stderr}");
    let (valid, errors) = crate::print_pdfx::pdf_oxide(&merged, "4");
    assert!(valid, "{errors:?}");
    // pdf.js opens it, and each record's pages hold that record's text.
    let js = pdfjs_view(&merged);
    assert_eq!(js["pages"], 6);
    for (id, first) in [("sotetsu", 1), ("ntt-east", 3), ("itoen", 5)] {
        let own = pdf_pages(&out.join(format!("handouts/{id}.pdf")));
        let merged_text: String = (first..first + 2)
            .map(|p| js["pages_"][p - 1]["text"].as_str().unwrap().to_string())
            .collect();
        for page in own {
            for line in page.lines().filter(|l| l.chars().count() > 8) {
                assert!(
                    compact(&merged_text).contains(&compact(line)),
                    "{id}: `{line}` is not on its pages of the merged file"
                );
            }
        }
    }
    // The sidecar lists each record's pages.
    assert_eq!(
        std::fs::read_to_string(out.join("handouts.pages.csv")).unwrap(),
        "record,file,first_page,last_page\n\
         sotetsu,handouts.pdf,1,2\n\
         ntt-east,handouts.pdf,3,4\n\
         itoen,handouts.pdf,5,6\n"
    );
}

/// A copy of the default project whose handouts are PDF/X-4 like their
/// merged file, with `lines` added to the handout's table.
fn project_with(lines: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_project(dir.path());
    let manifest = dir.path().join("pamphlet.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let start = text.find("merge = \"handouts.pdf\"").unwrap();
    let end = text.find("pad_to = 2\n").unwrap() + "pad_to = 2\n".len();
    let text = format!("{}{{lines}}{}", &text[..start], &text[end..]);
    let text = text
        .replacen("pdf_standard = []\n", "", 1)
        .replacen("{lines}", lines, 1);
    std::fs::write(&manifest, text).unwrap();
    dir
}

/// The pages of `pdf` rendered by MuPDF at `ppi`, as RGB pixels.
fn rendered(pdf: &Path, ppi: u32) -> Vec<image::RgbImage> {
    let dir = tempfile::tempdir().unwrap();
    tool(
        "mutool",
        &[
            "draw",
            "-q",
            "-r",
            &ppi.to_string(),
            "-o",
            dir.path().join("p%03d.png").to_str().unwrap(),
            pdf.to_str().unwrap(),
        ],
    );
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| image::open(f).unwrap().to_rgb8())
        .collect()
}

/// The share of pixels that differ by more than antialiasing does.
fn differing(a: &image::RgbImage, b: &image::RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let off = a
        .pixels()
        .zip(b.pixels())
        .filter(|(p, q)| p.0.iter().zip(q.0).any(|(x, y)| x.abs_diff(y) > 24))
        .count();
    off as f64 / (a.width() * a.height()) as f64
}

#[test]
fn each_records_pages_render_as_its_own_file_and_padding_is_blank() {
    let dir = project_with("merge = \"handouts.pdf\"\npad_to = 2\n");
    let out = dir.path().join("out");
    assert_success(&build_into(&open(dir.path()), &out, |r| {
        r.publications = vec!["handout".into()]
    }));
    let merged = rendered(&out.join("handouts.pdf"), 50);
    assert_eq!(merged.len(), 6);
    for (id, first) in [("sotetsu", 0), ("ntt-east", 2), ("itoen", 4)] {
        let own = rendered(&out.join(format!("handouts/{id}.pdf")), 50);
        for (i, page) in own.iter().enumerate() {
            let share = differing(page, &merged[first + i]);
            assert!(
                share < 0.0005,
                "{id} page {}: {share} of the pixels differ",
                i + 1
            );
        }
        if own.len() == 1 {
            // The padding page: only the marks on white.
            let blank = &merged[first + 1];
            let ink = blank
                .pixels()
                .filter(|p| p.0.iter().any(|&c| c < 200))
                .count();
            assert!(
                ink > 0 && (ink as f64) < 0.01 * blank.len() as f64 / 3.0,
                "{id}: padding page has {ink} inked pixels"
            );
        }
    }
}

#[test]
fn preflight_rejects_a_pdf_vt_file_whose_tree_or_dates_are_wrong() {
    let built = default_build();
    let good = std::fs::read(built.out.path().join("handouts.pdf")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let broken = |name: &str, change: &dyn Fn(&mut Document)| {
        let mut doc = Document::load_mem(&good).unwrap();
        change(&mut doc);
        let path = dir.path().join(name);
        doc.save(&path).unwrap();
        preflight_vt(&path)
    };
    let root = |doc: &Document| doc.trailer.get(b"Root").unwrap().as_reference().unwrap();
    // No DPartRoot.
    let (code, stderr) = broken("no-root.pdf", &|doc| {
        let catalog = root(doc);
        doc.get_dictionary_mut(catalog)
            .unwrap()
            .remove(b"DPartRoot");
    });
    assert_eq!(code, 1);
    assert!(stderr.contains("the catalog has no DPartRoot"), "{stderr}");
    // The second record starting on the first record's last page.
    let (code, stderr) = broken("overlap.pdf", &|doc| {
        let pages: Vec<_> = doc.get_pages().into_values().collect();
        let leaf = doc
            .get_dictionary(pages[2])
            .unwrap()
            .get(b"DPart")
            .unwrap()
            .as_reference()
            .unwrap();
        doc.get_dictionary_mut(leaf)
            .unwrap()
            .set("Start", Object::Reference(pages[1]));
    });
    assert_eq!(code, 1);
    assert!(
        stderr.contains("the document parts overlap or are out of order: one starts at page 2, after one that ends at page 2"),
        "{stderr}"
    );
    // GTS_PDFVTModDate not the file's modification date.
    let (code, stderr) = broken("dates.pdf", &|doc| {
        let catalog = root(doc);
        let meta = doc
            .get_dictionary(catalog)
            .unwrap()
            .get(b"Metadata")
            .unwrap()
            .as_reference()
            .unwrap();
        let stream = doc.get_object_mut(meta).unwrap().as_stream_mut().unwrap();
        let xmp = String::from_utf8(stream.content.clone()).unwrap();
        let at = xmp.find("<pdfvtid:GTS_PDFVTModDate>").unwrap();
        let xmp = format!(
            "{}<pdfvtid:GTS_PDFVTModDate>2020{}",
            &xmp[..at],
            &xmp[at + 30..]
        );
        stream.set_content(xmp.into_bytes());
    });
    assert_eq!(code, 1);
    assert!(
        stderr.contains("GTS_PDFVTModDate (2020-01-01T00:00:00Z) is not its xmp:ModifyDate (1970-01-01T00:00:00Z)"),
        "{stderr}"
    );
    // A page left out of every record.
    let (code, stderr) = broken("orphan.pdf", &|doc| {
        let pages: Vec<_> = doc.get_pages().into_values().collect();
        let leaf = doc
            .get_dictionary(pages[5])
            .unwrap()
            .get(b"DPart")
            .unwrap()
            .as_reference()
            .unwrap();
        doc.get_dictionary_mut(leaf)
            .unwrap()
            .set("End", Object::Reference(pages[4]));
    });
    assert_eq!(code, 1);
    assert!(stderr.contains("page(s) 6 belong to no record"), "{stderr}");
    // The good file passes.
    let path = dir.path().join("good.pdf");
    std::fs::write(&path, &good).unwrap();
    assert_eq!(preflight_vt(&path).0, 0);
}

#[test]
fn split_sort_record_metadata_and_no_separate_files() {
    let dir = project_with(
        "merge = \"handouts.pdf\"\nseparate = false\nsplit = 2\nsort = \"bureau\"\nrecord_metadata = [\"bureau\"]\n",
    );
    let out = dir.path().join("out");
    let report = build_into(&open(dir.path()), &out, |r| {
        r.publications = vec!["handout".into()]
    });
    assert_success(&report);
    assert!(!out.join("handouts").exists(), "no separate files");
    let outputs: Vec<String> = report
        .jobs
        .iter()
        .map(|j| j.path.strip_prefix(&out).unwrap().display().to_string())
        .collect();
    assert_eq!(outputs, ["handouts-0001.pdf", "handouts-0002.pdf"]);
    // By bureau, as text: 市民局 < 政策経営局 < 経済局 (by code point).
    assert_eq!(
        std::fs::read_to_string(out.join("handouts.pages.csv")).unwrap(),
        "record,file,first_page,last_page\n\
         ntt-east,handouts-0001.pdf,1,1\n\
         sotetsu,handouts-0001.pdf,2,3\n\
         itoen,handouts-0002.pdf,1,1\n"
    );
    let first = pikepdf_view(&out.join("handouts-0001.pdf"));
    assert_eq!(first["leaves"][0]["id"], "ntt-east");
    assert_eq!(first["leaves"][0]["fields"]["bureau"], "市民局");
    assert_eq!(first["leaves"][1]["last"], 3);
    let second = pikepdf_view(&out.join("handouts-0002.pdf"));
    assert_eq!(second["pages"], 1);
    assert_eq!(second["leaves"][0]["id"], "itoen");
}

#[test]
fn a_merged_file_that_is_not_pdf_x_has_a_bookmark_per_record() {
    let dir = project_with("merge = \"handouts.pdf\"\nmerge_pdf_standard = []\n");
    let out = dir.path().join("out");
    assert_success(&build_into(&open(dir.path()), &out, |r| {
        r.publications = vec!["handout".into()]
    }));
    let merged = out.join("handouts.pdf");
    let v = pikepdf_view(&merged);
    assert!(v.get("leaves").is_none(), "no DPart tree: {v}");
    assert_eq!(v["pdfx"], serde_json::Value::Null);
    assert_eq!(
        v["outline"],
        serde_json::json!(["sotetsu", "ntt-east", "itoen"])
    );
    let js = pdfjs_view(&merged);
    assert_eq!(
        js["outline"],
        serde_json::json!(["sotetsu", "ntt-east", "itoen"])
    );
    assert_eq!(js["pages"], 4);
}

#[test]
fn a_changed_record_makes_the_merged_file_again_and_only_its_own_file() {
    let dir = project_with("merge = \"handouts.pdf\"\n");
    let session = || open(dir.path());
    let out = dir.path().join("out");
    let only_handouts = |r: &mut pamphlet::BuildRequest| r.publications = vec!["handout".into()];
    assert_success(&build_into(&session(), &out, only_handouts));
    let status = |report: &pamphlet::BuildReport, file: &str| {
        report
            .jobs
            .iter()
            .find(|j| j.path == out.join(file))
            .map(|j| j.status.clone())
            .unwrap()
    };
    // Nothing changed: nothing made.
    let again = build_into(&session(), &out, only_handouts);
    assert_success(&again);
    assert_eq!(again.built(), 0, "{:?}", again.jobs);
    assert_eq!(status(&again, "handouts.pdf"), JobStatus::Skipped);
    // One of itoen's answers changed: itoen's file and the merged file.
    let yaml = dir.path().join("content/crosstalk.yaml");
    let text = std::fs::read_to_string(&yaml).unwrap();
    let at = text.find("- member: itoen").unwrap();
    let line_end = at + text[at..].find("text: ").unwrap() + "text: ".len();
    let changed = format!("{}新しい一文。{}", &text[..line_end], &text[line_end..]);
    std::fs::write(&yaml, changed).unwrap();
    let after = build_into(&session(), &out, only_handouts);
    assert_success(&after);
    assert!(matches!(
        status(&after, "handouts.pdf"),
        JobStatus::Built { written: true, .. }
    ));
    assert!(matches!(
        status(&after, "handouts/itoen.pdf"),
        JobStatus::Built { written: true, .. }
    ));
    assert_eq!(status(&after, "handouts/sotetsu.pdf"), JobStatus::Skipped);
    assert_eq!(status(&after, "handouts/ntt-east.pdf"), JobStatus::Skipped);
    let text = pdf_pages(&out.join("handouts.pdf")).join("\n");
    assert!(compact(&text).contains("新しい一文。"), "{text}");
}

#[test]
fn the_merge_keys_are_checked_in_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    copy_project(dir.path());
    let manifest = dir.path().join("pamphlet.toml");
    edit(
        &manifest,
        "pad_to = 2\n",
        "pad_to = 0\nsort = \"nickname\"\n",
    );
    edit(
        &manifest,
        "output = \"flyer.pdf\"\n",
        "output = \"flyer.pdf\"\nmerge = \"flyers.pdf\"\n",
    );
    edit(
        &manifest,
        "output = \"crosstalk.pdf\"\n",
        "output = \"crosstalk.pdf\"\nseparate = false\n",
    );
    let out = run_in(dir.path(), &["check", "--diagnostic-format", "short"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let line = |needle: &str| text.lines().position(|l| l.starts_with(needle)).unwrap() + 1;
    for (needle, message) in [
        (
            "pad_to = 0",
            "`pad_to` must be a whole number of 1 or more, not 0",
        ),
        (
            "merge = \"flyers.pdf\"",
            "`merge` puts every record in one file, but the publication has no `each`",
        ),
        (
            "separate = false",
            "`separate` shapes the merged file, but the publication has no `merge`",
        ),
    ] {
        let want = format!("pamphlet.toml:{}:", line(needle));
        assert!(
            stderr
                .lines()
                .any(|l| l.starts_with(&want) && l.contains(message)),
            "missing `{want} … {message}` in:\n{stderr}"
        );
    }
    // A sort field the records lack, once the manifest is otherwise right.
    edit(&manifest, "pad_to = 0\n", "pad_to = 2\n");
    edit(&manifest, "merge = \"flyers.pdf\"\n", "");
    edit(&manifest, "separate = false\n", "");
    let out = run_in(dir.path(), &["check", "--diagnostic-format", "short"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let text = std::fs::read_to_string(&manifest).unwrap();
    let line = text.lines().position(|l| l.starts_with("sort = ")).unwrap() + 1;
    assert!(
        stderr.contains(&format!(
            "pamphlet.toml:{line}:8: error: `sort = \"nickname\"`: record `sotetsu` has no text field `nickname` to sort by"
        )),
        "{stderr}"
    );
}

#[test]
fn images_placed_by_several_records_are_marked_for_the_press() {
    let png = {
        let img = image::RgbImage::from_fn(400, 300, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        });
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    };
    let dir = crate::prepare_images::project_with_logo("logo.png", &png);
    let manifest = dir.path().join("pamphlet.toml");
    edit(
        &manifest,
        "output = \"sheet.pdf\"\nmax_pages = 1\nvariants = [\"screen\"]\n",
        "each = \"staff\"\noutput = \"sheets/{id}.pdf\"\nmax_pages = 1\nmerge = \"sheets.pdf\"\n",
    );
    let out = dir.path().join("out");
    assert_success(&build_into(&open(dir.path()), &out, |_| {}));
    let v = pikepdf_view(&out.join("sheets.pdf"));
    let images: Vec<&serde_json::Value> = v["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["subtype"] == "/Image")
        .collect();
    assert_eq!(images.len(), 1, "{v}");
    assert_eq!(images[0]["scope"], "/File");
    assert!(
        images[0]["xid"].as_str().unwrap().starts_with("uuid:"),
        "{v}"
    );
    let (code, stderr) = preflight_vt(&out.join("sheets.pdf"));
    assert_eq!(code, 0, "{stderr}");
}

/// Sets the handout's merge lines of the project in `dir` (as
/// [`project_with`] wrote them) to `lines`.
fn set_merge_lines(dir: &Path, old: &str, lines: &str) {
    let manifest = dir.join("pamphlet.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert!(text.contains(old), "{text}");
    std::fs::write(&manifest, text.replacen(old, lines, 1)).unwrap();
}

#[test]
fn a_whole_build_removes_the_files_an_earlier_build_wrote_and_the_project_no_longer_makes() {
    let first = "merge = \"handouts.pdf\"\nsplit = 1\n";
    let dir = project_with(first);
    let out = dir.path().join("out");
    assert_success(&build_into(&open(dir.path()), &out, |_| {}));
    let chunks = [
        "handouts-0001.pdf",
        "handouts-0002.pdf",
        "handouts-0003.pdf",
    ];
    for f in chunks
        .iter()
        .chain(&["handouts/sotetsu.pdf", "crosstalk.pdf"])
    {
        assert!(out.join(f).is_file(), "{f}");
    }
    // Files pamphlet did not write stay, whatever their names.
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    std::fs::write(out.join("handouts/mine.pdf"), "%PDF-1.7 mine").unwrap();
    std::fs::write(out.join("handouts-0009.pdf"), "%PDF-1.7 mine").unwrap();

    // Two files of two records each, no separate files.
    set_merge_lines(
        dir.path(),
        first,
        "merge = \"handouts.pdf\"\nsplit = 2\nseparate = false\n",
    );
    // A build of one publication plans only its outputs: nothing removed.
    let partial = build_into(&open(dir.path()), &out, |r| {
        r.publications = vec!["handout".into()]
    });
    assert_success(&partial);
    assert!(out.join("handouts-0003.pdf").is_file());
    assert!(out.join("handouts/sotetsu.pdf").is_file());
    assert!(
        !partial
            .diagnostics
            .iter()
            .any(|d| d.message.contains("removed")),
        "{:?}",
        partial.diagnostics
    );

    let whole = build_into(&open(dir.path()), &out, |_| {});
    assert_success(&whole);
    assert!(out.join("handouts-0001.pdf").is_file());
    assert!(out.join("handouts-0002.pdf").is_file());
    assert!(
        !out.join("handouts-0003.pdf").exists(),
        "the third chunk is gone"
    );
    for member in ["sotetsu", "ntt-east", "itoen"] {
        let f = out.join(format!("handouts/{member}.pdf"));
        assert!(!f.exists(), "{} is gone", f.display());
    }
    assert!(out.join("crosstalk.pdf").is_file(), "other outputs stay");
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );
    assert!(out.join("handouts/mine.pdf").is_file());
    assert!(out.join("handouts-0009.pdf").is_file());
    // Said once, naming what went.
    let notes: Vec<&str> = whole
        .diagnostics
        .iter()
        .filter(|d| d.message.starts_with("removed "))
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].starts_with("removed 4 file(s) from ")
            && notes[0].contains("handouts-0003.pdf")
            && notes[0].contains("handouts/sotetsu.pdf"),
        "{}",
        notes[0]
    );
    // The sidecar lists the two files that are left.
    let csv = std::fs::read_to_string(out.join("handouts.pages.csv")).unwrap();
    assert!(!csv.contains("handouts-0003.pdf"), "{csv}");
    // And the next whole build has nothing to remove.
    let again = build_into(&open(dir.path()), &out, |_| {});
    assert!(
        !again
            .diagnostics
            .iter()
            .any(|d| d.message.starts_with("removed "))
    );
}
