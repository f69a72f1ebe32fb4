//! Visual regression: the pamphlet's pages and one handout, rendered with
//! the same renderer as `--png`, against reference images in
//! `tests/visual/`. `UPDATE_REFS=1 cargo test` rewrites the references; a
//! failure writes `<name>.actual.png` and `<name>.diff.png` beside them.

use std::path::Path;

use tiny_skia::Pixmap;

use crate::common::*;

/// Resolution of the reference images.
const PPI: f64 = 40.0;
/// A pixel differs when a channel differs by more than this.
const CHANNEL_TOLERANCE: u8 = 40;
/// At most this share of pixels may differ (anti-aliasing across platforms).
const PIXEL_TOLERANCE: f64 = 0.002;

/// Compares `actual` with the reference at `reference`, writing the actual
/// image and a diff beside it on failure. Returns a message on failure.
fn compare(actual: &[u8], reference: &Path) -> Result<(), String> {
    if std::env::var_os("UPDATE_REFS").is_some() {
        std::fs::create_dir_all(reference.parent().unwrap()).unwrap();
        std::fs::write(reference, actual).unwrap();
        return Ok(());
    }
    let name = reference.display();
    let Ok(expected) = std::fs::read(reference) else {
        return Err(format!("{name}: no reference (run with UPDATE_REFS=1)"));
    };
    let a = Pixmap::decode_png(actual).unwrap();
    let e = Pixmap::decode_png(&expected).unwrap();
    let fail = |msg: String, diff: Option<Pixmap>| {
        std::fs::write(reference.with_extension("actual.png"), actual).unwrap();
        if let Some(d) = diff {
            std::fs::write(
                reference.with_extension("diff.png"),
                d.encode_png().unwrap(),
            )
            .unwrap();
        }
        Err(msg)
    };
    if (a.width(), a.height()) != (e.width(), e.height()) {
        return fail(
            format!(
                "{name}: size {}×{} instead of {}×{}",
                a.width(),
                a.height(),
                e.width(),
                e.height()
            ),
            None,
        );
    }
    let (differing, diff) = differing_pixels(&a, &e, CHANNEL_TOLERANCE);
    let share = differing as f64 / a.pixels().len() as f64;
    if share > PIXEL_TOLERANCE {
        return fail(
            format!("{name}: {differing} pixels ({:.2} %) differ", share * 100.0),
            Some(diff),
        );
    }
    Ok(())
}

/// Counts the pixels of `a` where a channel differs from `e` by more than
/// `tolerance`, and draws them red on a faded copy of `e`.
fn differing_pixels(a: &Pixmap, e: &Pixmap, tolerance: u8) -> (usize, Pixmap) {
    let mut diff = Pixmap::new(a.width(), a.height()).unwrap();
    let mut differing = 0usize;
    for (i, (pa, pe)) in a.pixels().iter().zip(e.pixels()).enumerate() {
        let d = [
            pa.red().abs_diff(pe.red()),
            pa.green().abs_diff(pe.green()),
            pa.blue().abs_diff(pe.blue()),
        ];
        let out = &mut diff.pixels_mut()[i];
        if d.iter().any(|c| *c > tolerance) {
            differing += 1;
            *out = tiny_skia::PremultipliedColorU8::from_rgba(255, 0, 0, 255).unwrap();
        } else {
            let g = pe.red() / 3 + 170;
            *out = tiny_skia::PremultipliedColorU8::from_rgba(g, g, g, 255).unwrap();
        }
    }
    (differing, diff)
}

#[test]
fn pages_match_their_reference_images() {
    let out = tempfile::tempdir().unwrap();
    let report = build_into(session(), out.path(), |r| {
        r.variants = Some(vec![pamphlet::Variant::Print]);
        r.png_ppi = Some(PPI);
        r.records = vec!["sotetsu".into()];
        r.publications = vec!["handout".into()];
    });
    assert_success(&report);
    let report = build_into(session(), out.path(), |r| {
        r.variants = Some(vec![pamphlet::Variant::Print]);
        r.png_ppi = Some(PPI);
        r.publications = vec!["crosstalk".into()];
    });
    assert_success(&report);
    let refs = repo().join("tests/visual");
    let mut failures = Vec::new();
    for (actual, reference) in [
        ("png/crosstalk-1.png", "crosstalk-1.png"),
        ("png/crosstalk-2.png", "crosstalk-2.png"),
        ("png/crosstalk-3.png", "crosstalk-3.png"),
        ("png/crosstalk-4.png", "crosstalk-4.png"),
        ("png/handouts/sotetsu-1.png", "handout-sotetsu-1.png"),
    ] {
        let bytes = std::fs::read(out.path().join(actual)).unwrap();
        if let Err(e) = compare(&bytes, &refs.join(reference)) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_comparison_catches_a_change() {
    // A changed word must fail the comparison, not slip under the tolerance.
    let dir = tempfile::tempdir().unwrap();
    copy_project(dir.path());
    edit(
        &dir.path().join("content/crosstalk.yaml"),
        "title: クロストーク",
        "title: クロスロード",
    );
    let out = dir.path().join("out");
    let report = build_into(&open(dir.path()), &out, |r| {
        r.publications = vec!["crosstalk".into()];
        r.variants = Some(vec![pamphlet::Variant::Print]);
        r.png_ppi = Some(PPI);
    });
    assert_success(&report);
    let refs = tempfile::tempdir().unwrap();
    let reference = refs.path().join("crosstalk-1.png");
    std::fs::copy(repo().join("tests/visual/crosstalk-1.png"), &reference).unwrap();
    let err = compare(
        &std::fs::read(out.join("png/crosstalk-1.png")).unwrap(),
        &reference,
    )
    .unwrap_err();
    assert!(err.contains("pixels"), "{err}");
    assert!(
        reference.with_extension("actual.png").is_file()
            && reference.with_extension("diff.png").is_file()
    );
}

#[test]
fn one_shaping_run_per_paragraph_changes_no_glyph() {
    // The crosstalk layout sets `script: "hani"` so that Typst shapes a
    // Japanese paragraph as one run instead of one run per change between
    // kanji, kana and Latin. That is only right while every font has the
    // same OpenType features under every script: render every page with
    // and without it, at print-proof resolution, and compare.
    const PROOF_PPI: f64 = 150.0;
    let pngs = |session: &pamphlet::Session, out: &Path| {
        for (publication, records) in [("crosstalk", vec![]), ("handout", vec!["sotetsu".into()])] {
            let report = build_into(session, out, |r| {
                r.variants = Some(vec![pamphlet::Variant::Print]);
                r.png_ppi = Some(PROOF_PPI);
                r.publications = vec![publication.into()];
                r.records = records;
            });
            assert_success(&report);
        }
        out.join("png")
    };
    // With it: the repository's own project, in the shared session.
    let with = tempfile::tempdir().unwrap();
    let a = pngs(session(), with.path());
    // Without it: a copy with the setting taken out.
    let without = tempfile::tempdir().unwrap();
    copy_project(without.path());
    edit(
        &without.path().join("layouts/crosstalk/style.typ"),
        r#"region: "JP", script: "hani","#,
        r#"region: "JP","#,
    );
    let b = pngs(&open(without.path()), &without.path().join("out"));
    let pages = [
        "crosstalk-1.png",
        "crosstalk-2.png",
        "crosstalk-3.png",
        "crosstalk-4.png",
        "handouts/sotetsu-1.png",
    ];
    for page in pages {
        let pa = Pixmap::decode_png(&std::fs::read(a.join(page)).unwrap()).unwrap();
        let pb = Pixmap::decode_png(&std::fs::read(b.join(page)).unwrap()).unwrap();
        assert_eq!(
            (pa.width(), pa.height()),
            (pb.width(), pb.height()),
            "{page}"
        );
        // Positions may differ by float rounding (1e-4 pt); a different
        // glyph or advance shows as a run of clearly different pixels.
        let (differing, _) = differing_pixels(&pa, &pb, 24);
        assert_eq!(differing, 0, "{page}: {differing} pixels differ");
    }
}
