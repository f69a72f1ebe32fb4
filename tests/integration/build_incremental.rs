//! Incremental builds and watch mode: exactly what changed is rebuilt.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use pamphlet::{BuildReport, JobStatus, Session};

use crate::common::*;

/// Outputs the build compiled (not skipped), as paths.
fn rebuilt(report: &BuildReport) -> BTreeSet<String> {
    assert_success(report);
    report
        .jobs
        .iter()
        .filter(|j| j.status != JobStatus::Skipped)
        .map(|j| j.job.output.to_string_lossy().into_owned())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

const ALL: &[&str] = &[
    "crosstalk.pdf",
    "crosstalk.screen.pdf",
    "handouts/sotetsu.pdf",
    "handouts/ntt-east.pdf",
    "handouts/itoen.pdf",
    "handouts.pdf",
    "flyer.pdf",
    "flyer.screen.pdf",
];

/// The outputs of the crosstalk layouts (not the flyer).
const CROSSTALK: &[&str] = &[
    "crosstalk.pdf",
    "crosstalk.screen.pdf",
    "handouts/sotetsu.pdf",
    "handouts/ntt-east.pdf",
    "handouts/itoen.pdf",
    "handouts.pdf",
];

/// A copy of the default project, with its own fonts folder.
fn project_with_fonts() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_project(dir.path());
    copy_dir(&fonts(), &dir.path().join("fonts"));
    dir
}

fn open_own(dir: &Path) -> Session {
    Session::open(dir, &pamphlet::SessionOptions::default()).unwrap()
}

fn stamps(out: &Path) -> Vec<(String, Vec<u8>, SystemTime)> {
    ALL.iter()
        .map(|o| {
            let p = out.join(o);
            (
                o.to_string(),
                std::fs::read(&p).unwrap(),
                std::fs::metadata(&p).unwrap().modified().unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_second_build_with_no_change_writes_nothing() {
    let dir = project_with_fonts();
    let out = dir.path().join("out");
    assert_eq!(
        rebuilt(&build_into(&open_own(dir.path()), &out, |_| {})),
        set(ALL)
    );
    let before = stamps(&out);
    std::thread::sleep(Duration::from_millis(20));
    let report = build_into(&open_own(dir.path()), &out, |_| {});
    assert!(rebuilt(&report).is_empty(), "nothing rebuilt");
    assert_eq!(report.skipped(), 8);
    assert_eq!(
        stamps(&out),
        before,
        "bytes and modification times unchanged"
    );
    // The command line says so.
    let output = Command::new(env!("CARGO_BIN_EXE_pamphlet"))
        .args([
            "build",
            "--verbose",
            "--project",
            dir.path().to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("built 0 of 8 output(s): 0 written, 0 unchanged, 8 skipped, 0 failed"),
        "{stderr}"
    );
    assert!(
        stderr.contains("skipped") && stderr.contains("nothing it depends on changed"),
        "{stderr}"
    );
    assert_eq!(stamps(&out), before);
    // --force rebuilds everything (bytes identical, so nothing is rewritten).
    let report = build_into(&open_own(dir.path()), &out, |r| r.force = true);
    assert_eq!(rebuilt(&report), set(ALL));
    assert_eq!(stamps(&out), before);
}

#[test]
fn one_answer_rebuilds_the_pamphlet_and_that_members_handout() {
    let dir = project_with_fonts();
    let out = dir.path().join("out");
    build_into(&open_own(dir.path()), &out, |_| {});
    // An answer of ntt-east (市民局): the second answer of Q2.
    edit(
        &dir.path().join("content/crosstalk.yaml"),
        "東日本電信電話株式会社で法人営業を担当し",
        "東日本電信電話株式会社で法人営業を主に担当し",
    );
    let report = build_into(&open_own(dir.path()), &out, |_| {});
    assert_eq!(
        rebuilt(&report),
        set(&[
            "crosstalk.pdf",
            "crosstalk.screen.pdf",
            "handouts/ntt-east.pdf",
            // The file with every handout: made again with ntt-east's pages.
            "handouts.pdf"
        ])
    );
    assert!(
        pdf_pages(&out.join("handouts/ntt-east.pdf"))
            .join("")
            .contains("法人営業を主に担当し")
    );
    // A member's details are that member's alone (a record's view of the
    // members list holds only the record): the pamphlet, which shows all
    // members, and that member's handout are rebuilt, the others not.
    edit(
        &dir.path().join("content/crosstalk.yaml"),
        "    section: イノベーション推進課",
        "    section: イノベーション推進第一課",
    );
    let report = build_into(&open_own(dir.path()), &out, |_| {});
    assert_eq!(
        rebuilt(&report),
        set(&[
            "crosstalk.pdf",
            "crosstalk.screen.pdf",
            "handouts/itoen.pdf",
            "handouts.pdf"
        ]),
    );
}

#[test]
fn layout_font_and_tool_changes_invalidate_what_depends_on_them() {
    let dir = project_with_fonts();
    let out = dir.path().join("out");
    build_into(&open_own(dir.path()), &out, |_| {});

    // The handout's own layout file: only handouts.
    edit(
        &dir.path().join("layouts/crosstalk/handout.typ"),
        "#v(6mm)",
        "#v(6.5mm)",
    );
    assert_eq!(
        rebuilt(&build_into(&open_own(dir.path()), &out, |_| {})),
        set(&[
            "handouts/sotetsu.pdf",
            "handouts/ntt-east.pdf",
            "handouts/itoen.pdf",
            "handouts.pdf"
        ])
    );
    // The shared style: everything.
    edit(
        &dir.path().join("layouts/crosstalk/style.typ"),
        "#let rose = ",
        "// roses\n#let rose = ",
    );
    assert_eq!(
        rebuilt(&build_into(&open_own(dir.path()), &out, |_| {})),
        set(CROSSTALK),
        "not the flyer"
    );
    // The shared library too (imported by every layout, through
    // `_lib/pamphlet.typ` or directly).
    edit(
        &dir.path().join("layouts/_lib/helpers.typ"),
        "/// Whether this is the print variant",
        "// note\n/// Whether this is the print variant",
    );
    assert_eq!(
        rebuilt(&build_into(&open_own(dir.path()), &out, |_| {})),
        set(ALL)
    );

    // A font touched but unchanged: nothing. Changed: everything.
    let font = dir.path().join("fonts/NotoSansSymbols2-Regular.ttf");
    let bytes = std::fs::read(&font).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(&font, &bytes).unwrap();
    assert!(
        rebuilt(&build_into(&open_own(dir.path()), &out, |_| {})).is_empty(),
        "same font bytes"
    );
    let mut changed = bytes.clone();
    changed.extend_from_slice(&[0; 4]);
    std::fs::write(&font, &changed).unwrap();
    assert_eq!(
        rebuilt(&build_into(&open_own(dir.path()), &out, |_| {})),
        set(ALL)
    );

    // Another tool version: everything.
    assert!(rebuilt(&build_into(&open_own(dir.path()), &out, |_| {})).is_empty());
    let report = build_into(&open_own(dir.path()), &out, |r| {
        r.tool_id = Some("pamphlet 9.9.9 / typst 0.15.1".into())
    });
    assert_eq!(rebuilt(&report), set(ALL));

    // Print settings: only that publication.
    edit(
        &dir.path().join("pamphlet.toml"),
        "[publications.handout.print]\ntrim = \"a4\"\nbleed = \"3mm\"",
        "[publications.handout.print]\ntrim = \"a4\"\nbleed = \"5mm\"",
    );
    let report = build_into(&open_own(dir.path()), &out, |r| {
        r.tool_id = Some("pamphlet 9.9.9 / typst 0.15.1".into())
    });
    assert_eq!(
        rebuilt(&report),
        set(&[
            "handouts/sotetsu.pdf",
            "handouts/ntt-east.pdf",
            "handouts/itoen.pdf",
            "handouts.pdf"
        ])
    );

    // A deleted output is rebuilt.
    std::fs::remove_file(out.join("crosstalk.pdf")).unwrap();
    let report = build_into(&open_own(dir.path()), &out, |r| {
        r.tool_id = Some("pamphlet 9.9.9 / typst 0.15.1".into())
    });
    assert_eq!(rebuilt(&report), set(&["crosstalk.pdf"]));
}

#[test]
fn a_failed_output_is_rebuilt_next_time_and_state_survives_a_broken_state_file() {
    let dir = project_with_fonts();
    let out = dir.path().join("out");
    build_into(&open_own(dir.path()), &out, |_| {});
    std::fs::write(out.join(".pamphlet-state.json"), b"{ not json").unwrap();
    assert_eq!(
        rebuilt(&build_into(&open_own(dir.path()), &out, |_| {})),
        set(ALL),
        "unreadable state: rebuild all"
    );
    assert!(
        rebuilt(&build_into(&open_own(dir.path()), &out, |_| {})).is_empty(),
        "state rewritten"
    );
}

#[test]
fn pages_are_written_as_png_with_a_contact_sheet() {
    let dir = project_with_fonts();
    let out = dir.path().join("out");
    let report = build_into(&open_own(dir.path()), &out, |r| {
        r.publications = vec!["crosstalk".into()];
        r.variants = Some(vec![pamphlet::Variant::Print]);
        r.png_ppi = Some(30.0);
    });
    assert_success(&report);
    for n in 1..=4 {
        let png = std::fs::read(out.join(format!("png/crosstalk-{n}.png"))).unwrap();
        let pixmap = tiny_skia::Pixmap::decode_png(&png).unwrap();
        // A4 at 30 ppi, without bleed or marks.
        assert_eq!((pixmap.width(), pixmap.height()), (248, 351));
    }
    let sheet =
        tiny_skia::Pixmap::decode_png(&std::fs::read(out.join("png/crosstalk-sheet.png")).unwrap())
            .unwrap();
    assert!(
        sheet.width() > 4 * 248 && sheet.height() > 351,
        "four pages side by side"
    );
    // A deleted PNG page makes its output rebuild.
    std::fs::remove_file(out.join("png/crosstalk-2.png")).unwrap();
    let report = build_into(&open_own(dir.path()), &out, |r| {
        r.publications = vec!["crosstalk".into()];
        r.variants = Some(vec![pamphlet::Variant::Print]);
        r.png_ppi = Some(30.0);
    });
    assert_eq!(rebuilt(&report), set(&["crosstalk.pdf"]));
    assert!(out.join("png/crosstalk-2.png").is_file());
}

#[test]
fn watch_rebuilds_what_changed_and_keeps_the_last_good_pdf() {
    let dir = project_with_fonts();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pamphlet"))
        .args(["watch", "--project", dir.path().to_str().unwrap()])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let next_round = |what: &str| -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut seen = Vec::new();
        while Instant::now() < deadline {
            if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
                if line.starts_with("[watch]") {
                    return line;
                }
                seen.push(line);
            }
        }
        panic!("no rebuild after {what}; saw: {seen:?}");
    };
    let first = next_round("start");
    assert!(first.contains("8 written"), "{first}");
    let pdf = dir.path().join("out/handouts/itoen.pdf");
    let good = std::fs::read(&pdf).unwrap();

    edit(
        &dir.path().join("content/crosstalk.yaml"),
        "モビリティ関係のスタートアップ支援",
        "モビリティ関連のスタートアップ支援",
    );
    let line = next_round("an answer edit");
    assert!(
        line.contains(
            "4 written (crosstalk.pdf, crosstalk.screen.pdf, handouts/itoen.pdf, handouts.pdf), 4 skipped"
        ),
        "{line}"
    );
    let after_edit = std::fs::read(&pdf).unwrap();
    assert_ne!(after_edit, good);

    // A broken edit: diagnostics, and the PDFs stay.
    edit(
        &dir.path().join("content/crosstalk.yaml"),
        "status:\n    label: 実施状況",
        "status:\n    label: [実施状況",
    );
    let line = next_round("a broken edit");
    assert!(line.contains("last good PDFs kept"), "{line}");
    assert_eq!(std::fs::read(&pdf).unwrap(), after_edit);
    let _ = child.kill();
    let _ = child.wait();
}
