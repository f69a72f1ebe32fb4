//! `pamphlet diff` on a git repository made here with the default project:
//! a round of content edits (an answer edited, answers lengthened so that
//! text moves onto the next page, a member added) against `HEAD`, then a
//! layout colour and a photo changed against the commit before. Each
//! classification, field, line and page is checked; the proof PDF is read
//! back with pikepdf, pdf.js, poppler and qpdf, the HTML report in
//! headless Chromium.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use pamphlet::diff::{CauseKind, DiffReport, OpKind, OutputDiff, PageKind, Status};
use pamphlet::{DiffBase, DiffRequest, JobStatus, NoProgress};

use crate::browser::Browser;
use crate::common::{assert_success, build_into, copy_project, edit, open, require, run_in, tool};

/// Runs git in `dir`, as a user with a name (CI has no global one).
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.invalid",
        ])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The 1-based line of the first line containing `needle`.
fn line_of(path: &Path, needle: &str) -> usize {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("`{needle}` not in {}", path.display()))
        + 1
}

/// Appends `extra` to the answer line that starts with `start`.
fn lengthen(path: &Path, start: &str, extra: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with(start))
        .unwrap_or_else(|| panic!("no answer starting `{start}`"));
    edit(path, line, &format!("{line}{extra}"));
}

fn by_output(report: &DiffReport) -> BTreeMap<&str, &OutputDiff> {
    report
        .outputs
        .iter()
        .map(|o| (o.output.as_str(), o))
        .collect()
}

fn pages(o: &OutputDiff) -> Vec<(usize, PageKind)> {
    o.pages.iter().map(|p| (p.page, p.kind)).collect()
}

fn fields(o: &OutputDiff) -> Vec<&str> {
    o.fields.iter().map(|f| f.path.as_str()).collect()
}

/// The annotations of a PDF as pikepdf reads them: per annotation its
/// page, subtype, id, author, contents, quad points and whether it has a
/// popup; and the page heights.
fn annotations(pdf: &Path) -> serde_json::Value {
    let script = r#"
import json, sys, pikepdf
pdf = pikepdf.open(sys.argv[1])
out = {"heights": [], "annots": []}
for i, page in enumerate(pdf.pages):
    out["heights"].append(float(page.MediaBox[3]))
    for a in page.get("/Annots", []):
        out["annots"].append({
            "page": i + 1,
            "subtype": str(a.Subtype),
            "id": str(a.get("/NM", "")),
            "author": str(a.get("/T", "")),
            "contents": str(a.get("/Contents", "")),
            "quads": [float(v) for v in a.get("/QuadPoints", [])],
            "popup": "/Popup" in a,
            "date": str(a.get("/M", "")),
        })
print(json.dumps(out))
"#;
    let out = Command::new("python3")
        .args(["-c", script, pdf.to_str().unwrap()])
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "pikepdf (pip install pikepdf, as .ci/run does): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Where poppler places the characters `chars` on `page` (1-based): the
/// word holding them, each of its characters taking an equal share of its
/// width (CJK text is set on a grid). `(x0, x1, top, bottom)`, y down.
fn poppler_place(pdf: &Path, page: usize, chars: &str) -> (f64, f64, f64, f64) {
    let n = page.to_string();
    let html = tool(
        "pdftotext",
        &["-bbox", "-f", &n, "-l", &n, pdf.to_str().unwrap(), "-"],
    );
    for line in html.lines().filter(|l| l.contains("<word")) {
        let attr = |name: &str| -> f64 {
            let at = line.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
            line[at..].split('"').next().unwrap().parse().unwrap()
        };
        let word: String = line
            .split('>')
            .nth(1)
            .and_then(|w| w.split('<').next())
            .unwrap_or("")
            .to_string();
        let letters: Vec<char> = word.chars().collect();
        let Some(byte) = word.find(chars) else {
            continue;
        };
        let k = word[..byte].chars().count();
        let (x0, x1) = (attr("xMin"), attr("xMax"));
        let pitch = (x1 - x0) / letters.len() as f64;
        let len = chars.chars().count();
        return (
            x0 + pitch * k as f64,
            x0 + pitch * (k + len) as f64,
            attr("yMin"),
            attr("yMax"),
        );
    }
    panic!(
        "`{chars}` is on no line of page {page} of {}",
        pdf.display()
    );
}

#[test]
fn a_content_change_is_traced_to_its_fields_pages_and_reflow_then_layout_and_photo_changes_to_their_files()
 {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    copy_project(root);
    std::fs::create_dir_all(root.join("photos")).unwrap();
    std::fs::write(
        root.join("photos/sotetsu.jpg"),
        pamphlet::synth::portrait_jpeg(1600, 1200, 1, 88),
    )
    .unwrap();
    let content = root.join("content/crosstalk.yaml");
    edit(
        &content,
        "  - id: sotetsu\n",
        "  - id: sotetsu\n    photo: photos/sotetsu.jpg\n",
    );
    // The pamphlet may grow: a fourth member makes four narrower columns
    // (the manifest's `pages = 4` would refuse it as overset).
    edit(&root.join("pamphlet.toml"), "pages = 4\n", "");
    std::fs::write(root.join(".gitignore"), "out/\n").unwrap();
    git(root, &["init", "-q"]);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "base"]);
    let out = root.join("out");
    let session = open(root);
    assert_success(&build_into(&session, &out, |_| {}));

    // Round 1, in the working tree: one answer edited, two lengthened, a
    // member added with an answer to each question.
    edit(&content, "移動手段のイノベーション", "移動手段の革新");
    lengthen(
        &content,
        "横浜市への居住促進プロモーション",
        &"街の魅力を伝えるため、写真や動画の撮影にも立ち会いました。".repeat(6),
    );
    lengthen(
        &content,
        "相模鉄道株式会社の経",
        &"沿線の商業施設と組んだ催しでは、来場者の声を集めて次の企画に活かしました。".repeat(5),
    );
    edit(
        &content,
        "    dispatched_to: 株式会社伊藤園\n",
        "    dispatched_to: 株式会社伊藤園\n  - id: kanagawa\n    bureau: 都市整備局\n    department: 都市交通部\n    section: 都市交通課\n    dispatched_to: 神奈川中央交通株式会社\n",
    );
    let text = std::fs::read_to_string(&content).unwrap();
    let answers = [
        "バス路線の再編",
        "運行計画",
        "乗務員の働き方",
        "利用者の声",
        "地域との連携",
    ];
    let mut parts = text.split("    answers:\n");
    let mut text = parts.next().unwrap().to_string();
    for (part, topic) in parts.zip(answers) {
        text.push_str(&format!(
            "    answers:\n      - member: kanagawa\n        text: {topic}に取り組んでいます。\n{part}"
        ));
    }
    std::fs::write(&content, text).unwrap();

    let request = DiffRequest {
        out_dir: Some(out.clone()),
        summary: Some(root.join("summary.md")),
        ..DiffRequest::default()
    };
    let diff = session.diff(&request, &mut NoProgress).unwrap();
    let report = &diff.report;
    assert!(report.base.starts_with("HEAD ("), "{}", report.base);
    let outputs = by_output(report);
    let status = |key: &str| outputs.get(key).map(|o| o.status);

    // Untouched handouts: unchanged, and neither rebuilt nor rendered.
    assert_eq!(status("handouts/ntt-east.pdf"), Some(Status::Unchanged));
    assert!(outputs["handouts/ntt-east.pdf"].rendered.is_none());
    let job = diff
        .build
        .jobs
        .iter()
        .find(|j| j.path.ends_with("handouts/ntt-east.pdf"))
        .expect("the handout was planned");
    assert_eq!(job.status, JobStatus::Skipped);
    assert_eq!(status("flyer.pdf"), Some(Status::Unchanged));
    // The new member's handout.
    assert_eq!(status("handouts/kanagawa.pdf"), Some(Status::Added));

    // The edited answer: its path by ids, its line on both sides, the
    // change by character, the one page it stands on.
    let itoen = outputs["handouts/itoen.pdf"];
    assert_eq!(itoen.status, Status::Changed);
    assert_eq!(fields(itoen), ["questions[Q1].answers[itoen].text"]);
    let f = &itoen.fields[0];
    let line = line_of(&content, "移動手段の革新");
    assert_eq!(
        f.new_at.as_deref(),
        Some(format!("content/crosstalk.yaml:{line}:11").as_str())
    );
    // In the base, seven lines higher (before the new member's).
    let base_text = git(root, &["show", "HEAD:content/crosstalk.yaml"]);
    let base_line = base_text
        .lines()
        .position(|l| l.contains("移動手段のイノベーション"))
        .unwrap()
        + 1;
    assert_eq!(
        f.old_at.as_deref(),
        Some(format!("content/crosstalk.yaml:{base_line}:11").as_str())
    );
    assert_ne!(base_line, line);
    let changed: Vec<(OpKind, &str)> = f
        .ops
        .iter()
        .filter(|o| o.kind != OpKind::Equal)
        .map(|o| (o.kind, o.text.as_str()))
        .collect();
    assert_eq!(
        changed,
        [(OpKind::Delete, "イノベーション"), (OpKind::Insert, "革新")]
    );
    assert_eq!(pages(itoen), [(1, PageKind::Edited)]);
    assert!(itoen.causes.is_empty(), "{:?}", itoen.causes);

    // The lengthened answers push Q4 onto page 2: page 1 edited, page 2
    // only reflowed.
    let sotetsu = outputs["handouts/sotetsu.pdf"];
    assert_eq!(
        fields(sotetsu),
        [
            "questions[Q1].answers[sotetsu].text",
            "questions[Q2].answers[sotetsu].text"
        ]
    );
    assert_eq!(
        pages(sotetsu),
        [(1, PageKind::Edited), (2, PageKind::Reflowed)]
    );
    assert_eq!(sotetsu.page_counts, (2, 2));

    // The pamphlet: the new member's fields added (no base side), the
    // edited answer on page 2.
    let pamphlet = outputs["crosstalk.pdf"];
    assert_eq!(pamphlet.status, Status::Changed);
    let added: Vec<&str> = pamphlet
        .fields
        .iter()
        .filter(|f| f.old.is_none())
        .map(|f| f.path.as_str())
        .collect();
    assert!(
        added.contains(&"members[kanagawa].dispatched_to"),
        "{added:?}"
    );
    assert!(
        added.contains(&"questions[Q5].answers[kanagawa].text"),
        "{added:?}"
    );
    let edited = pamphlet
        .fields
        .iter()
        .find(|f| f.path == "questions[Q1].answers[itoen].text")
        .unwrap();
    assert!(!edited.pages.is_empty());
    for page in &edited.pages {
        assert!(
            pamphlet
                .pages
                .iter()
                .any(|p| p.page == *page && p.kind == PageKind::Edited),
            "{:?}",
            pages(pamphlet)
        );
    }
    // Four columns take more pages: the new ones are added.
    assert!(pamphlet.page_counts.1 > pamphlet.page_counts.0);
    assert_eq!(
        pamphlet.pages.last().map(|p| (p.page, p.kind)),
        Some((pamphlet.page_counts.1, PageKind::Added))
    );

    // The summary: under GitHub's 1 MiB, no images, the words changed.
    let summary = std::fs::read_to_string(root.join("summary.md")).unwrap();
    assert!(summary.len() < 1 << 20);
    assert!(!summary.contains("data:"));
    assert!(
        summary.contains("<del>イノベーション</del><ins>革新</ins>"),
        "{summary}"
    );
    assert!(summary.contains("page 2 reflowed"), "{summary}");

    check_proof(&out.join("diff/handout.proof.pdf"));
    check_report_in_a_browser(&out.join("diff/index.html"), report);

    // The CLI, for CI: a notice on each changed line, naming the pages
    // moved; with --exit-code a change is status 1.
    let cli = run_in(
        root,
        &["diff", "--diagnostic-format", "github", "--exit-code"],
    );
    let stdout = String::from_utf8_lossy(&cli.stdout);
    assert_eq!(
        cli.status.code(),
        Some(1),
        "{stdout}\n{}",
        String::from_utf8_lossy(&cli.stderr)
    );
    let sotetsu_line = line_of(&content, "横浜市への居住促進プロモーション");
    let notice = stdout
        .lines()
        .find(|l| {
            l.starts_with(&format!(
                "::notice file=content/crosstalk.yaml,line={sotetsu_line},"
            ))
        })
        .unwrap_or_else(|| panic!("no notice at line {sotetsu_line}:\n{stdout}"));
    assert!(
        notice.contains("and moves text on handouts/sotetsu.pdf page 2"),
        "{notice}"
    );

    // Round 2, against the commit before: a layout colour and the photo.
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "round 1"]);
    edit(
        &root.join("layouts/crosstalk/style.typ"),
        "#let sea = ink(cmyk(78%, 8%, 0%, 0%))",
        "#let sea = ink(cmyk(0%, 80%, 60%, 0%))",
    );
    std::fs::write(
        root.join("photos/sotetsu.jpg"),
        pamphlet::synth::portrait_jpeg(1600, 1200, 7, 88),
    )
    .unwrap();
    git(root, &["commit", "-q", "-a", "-m", "round 2"]);
    let request = DiffRequest {
        base: DiffBase::Revision("HEAD~1".into()),
        out_dir: Some(out.clone()),
        ..DiffRequest::default()
    };
    let diff = session.diff(&request, &mut NoProgress).unwrap();
    let outputs = by_output(&diff.report);
    let causes = |o: &OutputDiff| -> Vec<(CauseKind, String)> {
        o.causes.iter().map(|c| (c.kind, c.path.clone())).collect()
    };
    let style = (CauseKind::Layout, "layouts/crosstalk/style.typ".to_string());
    let photo = (CauseKind::Image, "photos/sotetsu.jpg".to_string());
    let pamphlet = outputs["crosstalk.pdf"];
    assert!(pamphlet.fields.is_empty(), "{:?}", fields(pamphlet));
    assert_eq!(causes(pamphlet), [style.clone(), photo.clone()]);
    assert!(!pamphlet.pages.is_empty());
    assert!(
        pamphlet.pages.iter().all(|p| p.kind == PageKind::Graphics),
        "{:?}",
        pages(pamphlet)
    );
    assert_eq!(
        causes(outputs["handouts/itoen.pdf"]),
        std::slice::from_ref(&style)
    );
    assert_eq!(causes(outputs["handouts/sotetsu.pdf"]), [style, photo]);
    assert_eq!(
        pages(outputs["handouts/sotetsu.pdf"]),
        [(1, PageKind::Graphics)],
        "the photo and the coloured label are on page 1 only"
    );
    // No words changed; the proof shows the pages that look different.
    assert!(diff.report.outputs.iter().all(|o| o.fields.is_empty()));
    assert!(out.join("diff/handout.proof.pdf").is_file());

    // A clean tree on main: the default base is HEAD, nothing differs.
    let diff = session
        .diff(
            &DiffRequest {
                out_dir: Some(out.clone()),
                ..DiffRequest::default()
            },
            &mut NoProgress,
        )
        .unwrap();
    assert!(!diff.report.changed(), "{:?}", diff.report.outputs);
    assert!(
        !out.join("diff/handout.proof.pdf").exists(),
        "a stale proof is removed"
    );
}

/// The proof: annotations as the JTCA guideline uses them, read back by
/// pikepdf and pdf.js; the highlight over the new characters where
/// poppler places them; qpdf finds nothing wrong.
fn check_proof(proof: &Path) {
    require("qpdf");
    let check = tool("qpdf", &["--check", proof.to_str().unwrap()]);
    assert!(
        check.contains("No syntax or stream encoding errors"),
        "{check}"
    );
    let read = annotations(proof);
    let annots = read["annots"].as_array().unwrap();
    let highlight = annots
        .iter()
        .find(|a| a["subtype"] == "/Highlight" && a["contents"].as_str().unwrap().contains("革新"))
        .unwrap_or_else(|| panic!("no highlight for the edit: {annots:?}"));
    let contents = highlight["contents"].as_str().unwrap();
    assert!(
        contents.contains("旧: …") && contents.contains("移動手段のイノベーションを"),
        "{contents}"
    );
    assert!(
        contents.contains("→ 新: …") && contents.contains("移動手段の革新を"),
        "{contents}"
    );
    assert!(contents.contains("questions[Q1].answers[itoen].text content/crosstalk.yaml:"));
    assert_eq!(highlight["author"], "pamphlet diff");
    assert!(highlight["id"].as_str().unwrap().starts_with("pamphlet-"));
    assert!(highlight["popup"].as_bool().unwrap());
    assert!(highlight["date"].as_str().unwrap().starts_with("D:"));
    // Every annotation has its own id.
    let mut ids: Vec<&str> = annots
        .iter()
        .filter_map(|a| a["id"].as_str())
        .filter(|s| !s.is_empty())
        .collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "ids are unique");

    // The quad covers 革新 as poppler places it (PDF y up, poppler y down).
    let page = highlight["page"].as_u64().unwrap() as usize;
    let height = read["heights"][page - 1].as_f64().unwrap();
    let q: Vec<f64> = highlight["quads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(q.len(), 8, "one line: {q:?}");
    let (x0, x1, top, bottom) = poppler_place(proof, page, "革新");
    let (qx0, qx1) = (q[0].min(q[2]), q[0].max(q[2]));
    let (qtop, qbottom) = (height - q[1].max(q[5]), height - q[1].min(q[5]));
    assert!(
        (qx0 - x0).abs() < 2.0 && (qx1 - x1).abs() < 2.0,
        "quad x {qx0}–{qx1}, glyphs {x0}–{x1}"
    );
    let middle = (top + bottom) / 2.0;
    assert!(
        qtop < middle && middle < qbottom,
        "quad y {qtop}–{qbottom}, glyphs {top}–{bottom}"
    );

    // The appended sentences are highlighted too, and a cover lists all.
    assert!(annots.iter().any(|a| {
        a["subtype"] == "/Highlight"
            && a["contents"]
                .as_str()
                .unwrap()
                .contains("questions[Q1].answers[sotetsu].text")
    }));
    let cover = tool(
        "pdftotext",
        &["-f", "1", "-l", "1", proof.to_str().unwrap(), "-"],
    );
    assert!(
        cover.contains("赤字") && cover.contains("handouts/itoen.pdf"),
        "{cover}"
    );

    // pdf.js (Mozilla's reader) lists the same comments.
    let out = Command::new("node")
        .arg(crate::common::repo().join("tests/pdfjs/open.mjs"))
        .arg(proof)
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let comments: Vec<(String, String)> = seen["pages_"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["annotations"].as_array().unwrap().clone())
        .filter(|a| a["subtype"] != "Popup")
        .map(|a| {
            (
                a["subtype"].as_str().unwrap_or("").to_string(),
                a["contents"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert!(
        comments
            .iter()
            .any(|(s, c)| s == "Highlight" && c == contents),
        "{comments:?}"
    );
    assert_eq!(
        comments.len(),
        annots.iter().filter(|a| a["subtype"] != "/Popup").count()
    );
}

/// The report in headless Chromium: the change list, every page image
/// decoded, the side-by-side view shown; a screenshot kept in target/ to
/// look at.
fn check_report_in_a_browser(index: &Path, report: &DiffReport) {
    let html = std::fs::read_to_string(index).unwrap();
    assert!(!html.contains("src=\"http"), "self-contained");
    let browser = Browser::start();
    browser.resize(1400, 1000);
    browser.open(&format!("file://{}", index.display()));
    let rows = browser.until("return document.querySelectorAll('table.changes tr').length > 1 && document.querySelectorAll('table.changes tr').length");
    let fields: usize = report.outputs.iter().map(|o| o.fields.len()).sum();
    // One row per changed field, and a header row per table.
    assert!(rows.as_u64().unwrap() as usize > fields, "{rows}");
    let images = browser.until(
        "const i = [...document.querySelectorAll('img.pg')]; \
         return i.length > 0 && i.every(x => x.complete && x.naturalWidth > 0) && i.length",
    );
    assert!(images.as_u64().unwrap() >= 4, "{images}");
    let text = browser.run("return document.body.innerText");
    let text = text.as_str().unwrap();
    assert!(text.contains("questions[Q1].answers[itoen].text"));
    assert!(text.contains("reflowed"));
    // The first page shown side by side: two images next to each other.
    let side = browser.run(
        "const s = document.querySelector('.view.side'); const r = [...s.querySelectorAll('img')].map(i => i.getBoundingClientRect()); \
         return getComputedStyle(s).display + ' ' + (r.length == 2 && Math.abs(r[0].top - r[1].top) < 2 && r[0].right <= r[1].left)",
    );
    assert_eq!(side, "flex true");
    let shot = browser.screenshot();
    let keep = Path::new(env!("CARGO_TARGET_TMPDIR")).join("diff-report.png");
    std::fs::write(&keep, &shot).unwrap();
    let img = image::load_from_memory(&shot).unwrap().to_rgb8();
    assert!(img.width() >= 1000);
}

#[test]
fn the_base_can_be_another_copy_and_a_wrong_base_is_named_with_its_fix() {
    // Not a git repository: the message says to give a folder.
    let head = tempfile::tempdir().unwrap();
    copy_project(head.path());
    let out = run_in(head.path(), &["diff"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("is not in a git repository: give --base DIR"),
        "{err}"
    );

    // Another copy of the project as the base: the flyer's date changed.
    let base = tempfile::tempdir().unwrap();
    copy_project(base.path());
    edit(
        &head.path().join("content/flyer.yaml"),
        "date: 20XX年X月X日(土)",
        "date: 20XX年X月Y日(日)",
    );
    let session = open(head.path());
    let diff = session
        .diff(
            &DiffRequest {
                base: DiffBase::Folder(base.path().to_path_buf()),
                publications: vec!["flyer".into()],
                ..DiffRequest::default()
            },
            &mut NoProgress,
        )
        .unwrap();
    let outputs = by_output(&diff.report);
    let flyer = outputs["flyer.pdf"];
    assert_eq!(fields(flyer), ["date"]);
    assert_eq!(pages(flyer), [(1, PageKind::Edited)]);
    assert_eq!(diff.report.outputs.len(), 1, "only the flyer was asked for");

    // An output folder holds no content: refused, with what to give.
    let out = run_in(
        head.path(),
        &["diff", "--base", head.path().join("out").to_str().unwrap()],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("is an output folder"), "{err}");

    // A revision that is not one.
    git(head.path(), &["init", "-q"]);
    git(head.path(), &["add", "-A"]);
    git(head.path(), &["commit", "-q", "-m", "base"]);
    let out = run_in(head.path(), &["diff", "--base", "no-such-branch"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("`no-such-branch` is not a commit in this repository"),
        "{err}"
    );
}

#[test]
fn a_font_removed_from_the_project_is_a_cause_and_its_pages_are_compared() {
    // The project's own fonts in git (not the shared ones): the base reads
    // its fonts from the commit, the head from the working tree.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    copy_project(root);
    crate::common::copy_dir(&crate::common::fonts(), &root.join("fonts"));
    std::fs::write(root.join(".gitignore"), "out/\n").unwrap();
    git(root, &["init", "-q"]);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "base"]);
    let session = pamphlet::Session::open(root, &pamphlet::SessionOptions::default()).unwrap();
    let unchanged = session
        .diff(&DiffRequest::default(), &mut NoProgress)
        .unwrap();
    assert!(!unchanged.report.changed(), "same fonts, same pages");

    // The display face of the question labels and figures is gone: every
    // output that sets text in it changes, for that reason only.
    std::fs::remove_file(root.join("fonts/InterDisplay-Black.otf")).unwrap();
    let session = pamphlet::Session::open(root, &pamphlet::SessionOptions::default()).unwrap();
    let diff = session
        .diff(&DiffRequest::default(), &mut NoProgress)
        .unwrap();
    let outputs = by_output(&diff.report);
    let pamphlet = outputs["crosstalk.pdf"];
    assert_eq!(pamphlet.status, Status::Changed);
    assert!(pamphlet.fields.is_empty());
    assert!(
        pamphlet.causes.iter().any(|c| c.kind == CauseKind::Font),
        "{:?}",
        pamphlet.causes
    );
    assert!(
        !pamphlet.pages.is_empty(),
        "the pages were compared with each side's fonts"
    );
}
