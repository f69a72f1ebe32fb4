//! The crosstalk pamphlet end to end: the default project builds, every
//! word of the content and of the seed is in the PDF, fonts are embedded
//! and subset from `fonts/` only, output is byte-identical, and content
//! never becomes Typst code.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use pamphlet::print::preflight::{Expectations, check};

use crate::common::*;

fn all_text(path: &Path) -> String {
    pdf_pages(path).join("\n")
}

#[test]
fn the_default_project_builds_the_pamphlet_and_handouts() {
    let built = default_build();
    let outputs: BTreeSet<String> = built
        .report
        .jobs
        .iter()
        .map(|j| j.job.output.to_string_lossy().into_owned())
        .collect();
    for expected in [
        "crosstalk.pdf",
        "crosstalk.screen.pdf",
        "handouts/sotetsu.pdf",
        "handouts/ntt-east.pdf",
        "handouts/itoen.pdf",
    ] {
        assert!(
            outputs.contains(expected),
            "{expected} missing from {outputs:?}"
        );
        assert!(
            built.out.path().join(expected).is_file(),
            "{expected} not written"
        );
    }
    let pamphlet = built.out.path().join("crosstalk.pdf");
    assert_eq!(pdf_pages(&pamphlet).len(), 4, "the pamphlet has 4 pages");
}

#[test]
fn every_string_of_the_content_is_in_the_pdf() {
    let built = default_build();
    let prep = session().prepare(&["crosstalk".into()]).unwrap();
    let content = &prep.prepared[0].content;
    assert!(
        content.leaves.len() > 70,
        "all strings are leaves: {}",
        content.leaves.len()
    );
    for variant in ["crosstalk.pdf", "crosstalk.screen.pdf"] {
        let text = all_text(&built.out.path().join(variant));
        let mut missing = Vec::new();
        for leaf in &content.leaves {
            if let Err(e) = find_in_chunks(&text, &leaf.plain, 4) {
                missing.push(format!("{}: {e}", leaf.path));
            }
        }
        assert!(
            missing.is_empty(),
            "{variant}: content missing from the PDF:\n{}",
            missing.join("\n")
        );
    }
}

#[test]
fn every_line_of_the_seed_is_in_the_pdf() {
    let built = default_build();
    let seed = std::fs::read_to_string(repo().join("tests/fixtures/seed/crosstalk.txt")).unwrap();
    let text = all_text(&built.out.path().join("crosstalk.pdf"));
    let mut missing = Vec::new();
    let mut lines = 0;
    for line in seed.lines().filter(|l| !l.trim().is_empty()) {
        lines += 1;
        if let Err(e) = find_in_chunks(&text, line, 4) {
            missing.push(e);
        }
    }
    assert!(lines > 50);
    assert!(
        missing.is_empty(),
        "seed text missing from the pamphlet:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_fonts_cover_every_character_of_the_content() {
    let prep = session().prepare(&[]).unwrap();
    let content = &prep.prepared[0].content;
    let missing = pamphlet::coverage(content, session().fonts());
    assert!(missing.is_empty(), "{missing:?}");
    // And the check does find a character that no font has.
    let fonts = session().fonts();
    let rare = '\u{16A0}'; // ᚠ RUNIC LETTER FEHU
    assert!(
        !fonts.covers(rare),
        "precondition: no project font has {rare}"
    );
    let mut tofu = content.as_ref().clone();
    let leaf = &mut tofu.leaves[0];
    leaf.marked = Some(format!("{}{rare}", leaf.raw()));
    let found = pamphlet::coverage(&tofu, fonts);
    assert_eq!(found.len(), 1);
    assert!(found[0].message.contains("U+16A0"), "{}", found[0].message);
}

/// PostScript names of the fonts in `fonts/`.
fn project_font_names() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for e in std::fs::read_dir(fonts()).unwrap() {
        let path = e.unwrap().path();
        if !matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("ttf" | "otf")
        ) {
            continue;
        }
        let data = std::fs::read(&path).unwrap();
        for font in typst::text::Font::iter(typst::foundations::Bytes::new(data)) {
            let ps = font.post_script_name().expect("font has a PostScript name");
            names.insert(ps);
        }
    }
    names
}

#[test]
fn every_font_is_embedded_subset_and_from_the_fonts_folder() {
    let built = default_build();
    let allowed = project_font_names();
    for job in &built.report.jobs {
        let bytes = std::fs::read(&job.path).unwrap();
        let report = check(&job.path, &bytes, &Expectations::default());
        assert!(!report.fonts.is_empty());
        for f in &report.fonts {
            assert!(
                f.embedded,
                "{}: {} not embedded",
                job.path.display(),
                f.name
            );
            assert!(f.subset, "{}: {} not subset", job.path.display(), f.name);
            let base = f.name.split_once('+').map_or(f.name.as_str(), |(_, b)| b);
            let base = base.trim_end_matches("-Identity-H");
            assert!(
                allowed.contains(base),
                "{}: font {base} is not from fonts/ ({allowed:?})",
                job.path.display()
            );
        }
    }
    // The layout uses the Japanese faces (and the Latin display face).
    let bytes = std::fs::read(built.out.path().join("crosstalk.pdf")).unwrap();
    let names: Vec<String> = check(Path::new("x"), &bytes, &Expectations::default())
        .fonts
        .into_iter()
        .map(|f| f.name)
        .collect();
    for family in [
        "BIZUDPGothic-Regular",
        "BIZUDPGothic-Bold",
        "BIZUDPMincho-Regular",
        "InterDisplay-Black",
        "NotoSansSymbols2-Regular",
    ] {
        assert!(
            names.iter().any(|n| n.contains(family)),
            "{family} not used: {names:?}"
        );
    }
}

#[test]
fn two_builds_give_identical_bytes() {
    let built = default_build();
    // A second build in another process, through the command line.
    let out2 = tempfile::tempdir().unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_pamphlet"))
        .args([
            "build",
            "--project",
            repo().to_str().unwrap(),
            "--out",
            out2.path().to_str().unwrap(),
        ])
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    for job in &built.report.jobs {
        let a = std::fs::read(&job.path).unwrap();
        let b = std::fs::read(out2.path().join(&job.job.output)).unwrap();
        assert!(
            a == b,
            "{} differs between builds",
            job.job.output.display()
        );
    }
}

#[test]
fn pdf_metadata_title_author_language_and_no_date_by_default() {
    let built = default_build();
    let path = built.out.path().join("crosstalk.pdf");
    let info = tool("pdfinfo", &[path.to_str().unwrap()]);
    assert!(
        info.contains("Title:           SPECIAL 01 クロストーク"),
        "{info}"
    );
    assert!(info.contains("Author:          横浜市"), "{info}");
    // PDF/X requires dates: without SOURCE_DATE_EPOCH, the epoch, so that
    // identical input still gives identical bytes.
    let iso = tool("pdfinfo", &["-isodates", path.to_str().unwrap()]);
    assert!(
        iso.contains("CreationDate:    1970-01-01T00:00:00Z")
            && iso.contains("ModDate:         1970-01-01T00:00:00Z"),
        "{iso}"
    );
    let screen = built.out.path().join("crosstalk.screen.pdf");
    let screen_info = tool("pdfinfo", &[screen.to_str().unwrap()]);
    assert!(
        !screen_info.contains("CreationDate"),
        "no date in the screen variant unless SOURCE_DATE_EPOCH is set: {screen_info}"
    );
    let doc = lopdf::Document::load(&path).unwrap();
    let lang = doc
        .catalog()
        .unwrap()
        .get(b"Lang")
        .unwrap()
        .as_str()
        .unwrap()
        .to_vec();
    assert_eq!(String::from_utf8(lang).unwrap(), "ja-JP");
}

#[test]
fn creation_date_comes_from_source_date_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let options = pamphlet::SessionOptions {
        creation_timestamp: Some(1_700_000_000),
        ..with_fonts()
    };
    let session = pamphlet::Session::open(&repo(), &options).unwrap();
    let report = build_into(&session, dir.path(), |r| {
        r.publications = vec!["crosstalk".into()];
        r.variants = Some(vec![pamphlet::Variant::Screen]);
    });
    assert_success(&report);
    let info = tool(
        "pdfinfo",
        &[
            "-isodates",
            dir.path().join("crosstalk.screen.pdf").to_str().unwrap(),
        ],
    );
    assert!(
        info.lines()
            .any(|l| l.starts_with("CreationDate:") && l.contains("2023-11-14T22:13:20")),
        "{info}"
    );
}

#[test]
fn typst_syntax_in_content_prints_literally() {
    let dir = tempfile::tempdir().unwrap();
    copy_project(dir.path());
    let content = dir.path().join("content/crosstalk.yaml");
    // Plain strings (no inline markup at all) and text fields.
    let hostile_plain = r#"#read("/etc/passwd") $x^2$ @ref <label> ] [ \ `raw` _a_ *b* // c = d"#;
    let hostile_text = r#"#panic("no") $ @x <y> ] \n `code` #(1+1) *z*"#;
    edit(
        &content,
        "section: 広報戦略・プロモーション課",
        &format!("section: '{}'", hostile_plain.replace('\'', "''")),
    );
    edit(
        &content,
        "  heading: 人事交流とは?",
        &format!("  heading: '{}'", "#emph[x]"),
    );
    let q5 = "          積極的に新しいことを取り入れようとする組織マインドです。";
    edit(
        &content,
        q5,
        &format!(
            "          {hostile_text}積極的に新しいことを取り入れようとする組織マインドです。"
        ),
    );
    // The schema's maximum lengths would refuse the long string: widen them.
    edit(
        &dir.path().join("layouts/crosstalk/schema.yaml"),
        "section: {type: string, max_length: 18}",
        "section: {type: string, max_length: 80}",
    );
    let session = open(dir.path());
    let out = dir.path().join("out");
    let report = build_into(&session, &out, |r| {
        r.publications = vec!["crosstalk".into()]
    });
    assert_success(&report);
    let text = compact(&all_text(&out.join("crosstalk.pdf")));
    for s in [hostile_plain, hostile_text, "#emph[x]"] {
        assert!(text.contains(&compact(s)), "`{s}` not printed literally");
    }
}

#[test]
fn the_cli_says_what_it_wrote() {
    let out = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_pamphlet"))
        .args([
            "build",
            "--project",
            repo().to_str().unwrap(),
            "--out",
            out.path().to_str().unwrap(),
            "-p",
            "crosstalk",
            "--variant",
            "print",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr
        .lines()
        .find(|l| l.contains("crosstalk.pdf"))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        line.contains("wrote")
            && line.contains("4 pages")
            // With its PDF/X output profile the pamphlet is over a MiB.
            && line.contains(" MiB, ")
            && line.contains(" ms)"),
        "{line}"
    );
    assert!(
        stderr.contains("built 1 of 1 output(s): 1 written, 0 unchanged, 0 skipped, 0 failed"),
        "{stderr}"
    );
}

/// The sum of a font table's big-endian 32-bit words, the last one padded
/// with zeros (the OpenType spec's `CalcTableChecksum`).
fn table_checksum(bytes: &[u8]) -> u32 {
    let mut padded = bytes.to_vec();
    padded.resize(bytes.len().div_ceil(4) * 4, 0);
    let mut sum = 0u32;
    for i in (0..padded.len()).step_by(4) {
        let word = [padded[i], padded[i + 1], padded[i + 2], padded[i + 3]];
        sum = sum.wrapping_add(u32::from_be_bytes(word));
    }
    sum
}

#[test]
fn embedded_truetype_subsets_have_the_table_checksums_and_the_checksum_adjustment_the_spec_asks() {
    // The subsets are made by the vendored subsetter (vendor/README.md),
    // which sizes its buffers ahead and sums words its own way; the sums are
    // checked here as the OpenType spec defines them, on every TrueType font
    // program of the pamphlet.
    let built = default_build();
    let doc = lopdf::Document::load(built.out.path().join("crosstalk.pdf")).unwrap();
    let mut fonts = 0;
    for object in doc.objects.values() {
        let Ok(descriptor) = object.as_dict() else {
            continue;
        };
        let Ok(reference) = descriptor.get(b"FontFile2").and_then(|o| o.as_reference()) else {
            continue;
        };
        let stream = doc.get_object(reference).unwrap().as_stream().unwrap();
        let font = stream.decompressed_content().unwrap();
        let be16 = |at: usize| u16::from_be_bytes([font[at], font[at + 1]]) as usize;
        let be32 = |at: usize| u32::from_be_bytes(font[at..at + 4].try_into().unwrap());
        let tables = be16(4);
        assert!(tables >= 5, "a TrueType subset has its tables: {tables}");
        let mut head = None;
        for record in (0..tables).map(|i| 12 + 16 * i) {
            let tag = &font[record..record + 4];
            let (sum, offset, length) = (
                be32(record + 4),
                be32(record + 8) as usize,
                be32(record + 12) as usize,
            );
            assert_eq!(
                offset % 4,
                0,
                "table {} is 4-byte aligned",
                String::from_utf8_lossy(tag)
            );
            let mut data = font[offset..offset + length].to_vec();
            if tag == b"head" {
                head = Some(offset);
                // The head table is summed with its adjustment as zero.
                data[8..12].fill(0);
            }
            assert_eq!(
                table_checksum(&data),
                sum,
                "checksum of table {}",
                String::from_utf8_lossy(tag)
            );
        }
        let head = head.expect("a head table");
        // With the adjustment in place the whole font sums to the magic number.
        assert_eq!(
            0xB1B0_AFBAu32.wrapping_sub(table_checksum(&{
                let mut f = font.clone();
                f[head + 8..head + 12].fill(0);
                f
            })),
            be32(head + 8),
            "checkSumAdjustment"
        );
        fonts += 1;
    }
    // BIZ UDPGothic regular and bold, BIZ UDPMincho, Noto Sans Symbols 2.
    assert!(fonts >= 4, "TrueType font programs found: {fonts}");
}
