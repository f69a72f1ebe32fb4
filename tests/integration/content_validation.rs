//! Validation and diagnostics: a corpus of bad inputs, each with the exact
//! diagnostics it must produce (snapshots in `tests/fixtures/invalid/*/
//! expected.txt`; `UPDATE_SNAPSHOTS=1 cargo test` rewrites them), the
//! output formats, exit statuses, and that a failed build loses nothing.

use std::path::Path;

use pamphlet::diag::{DiagnosticFormat, Diagnostics, Sources, render};
use pamphlet::{Error, ProjectError, Session};

use crate::common::*;

/// Checks the project in `dir` as `pamphlet check` does and renders every
/// diagnostic in `format`.
fn check_rendered(dir: &Path, format: DiagnosticFormat) -> (String, bool) {
    let (diags, sources) = match Session::open(dir, &with_fonts()) {
        Ok(session) => {
            let out = tempfile::tempdir().unwrap();
            let report = build_into(&session, out.path(), |r| r.write = false);
            (report.diagnostics, report.sources)
        }
        Err(Error::Project(ProjectError::Invalid(d, text))) => {
            let mut sources = Sources::new();
            sources.insert(pamphlet::project::MANIFEST, text);
            (Diagnostics(d), sources)
        }
        Err(e) => panic!("{e}"),
    };
    let mut buf = Vec::new();
    render(&mut buf, &diags, &sources, format, false).unwrap();
    (String::from_utf8(buf).unwrap(), diags.has_errors())
}

/// Copies the case's files over a fresh copy of the `mini` project.
fn case_project(case: &Path) -> tempfile::TempDir {
    let dir = fixture_project("mini");
    for entry in std::fs::read_dir(case).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "expected.txt" || name == "README" {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &dir.path().join(&name));
        } else {
            std::fs::copy(entry.path(), dir.path().join(&name)).unwrap();
        }
    }
    dir
}

#[test]
fn the_valid_mini_project_checks_clean() {
    let dir = fixture_project("mini");
    let (out, errors) = check_rendered(dir.path(), DiagnosticFormat::Short);
    assert!(!errors && out.is_empty(), "{out}");
}

#[test]
fn every_bad_input_gives_its_expected_diagnostics() {
    let root = repo().join("tests/fixtures/invalid");
    let mut cases: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    assert!(cases.len() >= 25, "the corpus has {} cases", cases.len());
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let mut failures = Vec::new();
    for case in &cases {
        let dir = case_project(case);
        let (actual, errors) = check_rendered(dir.path(), DiagnosticFormat::Short);
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        assert!(errors, "{name}: no error reported:\n{actual}");
        let expected_path = case.join("expected.txt");
        if update {
            std::fs::write(&expected_path, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != actual {
            failures.push(format!("── {name}\nexpected:\n{expected}actual:\n{actual}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) differ (UPDATE_SNAPSHOTS=1 rewrites):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn several_problems_in_one_file_are_all_reported() {
    let dir = case_project(&repo().join("tests/fixtures/invalid/36-several-problems"));
    let (out, _) = check_rendered(dir.path(), DiagnosticFormat::Short);
    let errors: Vec<&str> = out.lines().filter(|l| l.contains(": error: ")).collect();
    assert!(errors.len() >= 5, "{out}");
    for needle in [
        "`finished` is not allowed",
        "unknown field `staff[0].dispached_to`",
        "`bab` is not the id",
        "unknown markup `{横浜}`",
        "`year` must be a whole number",
    ] {
        assert!(out.contains(needle), "`{needle}` missing from:\n{out}");
    }
}

#[test]
fn a_broken_template_reports_its_file_line_and_column() {
    let dir = case_project(&repo().join("tests/fixtures/invalid/34-template-error"));
    let (out, _) = check_rendered(dir.path(), DiagnosticFormat::Short);
    assert!(out.starts_with("layouts/sheet/sheet.typ:9:"), "{out}");
    assert!(out.contains("yaer"), "{out}");
}

#[test]
fn formats_human_json_and_github() {
    let dir = case_project(&repo().join("tests/fixtures/invalid/06-unknown-field-typo"));
    let (human, _) = check_rendered(dir.path(), DiagnosticFormat::Human);
    assert!(
        human.contains("error: unknown field `staff[0].dispached_to`"),
        "{human}"
    );
    assert!(human.contains("┌─ content/staff.yaml:7:5"), "{human}");
    assert!(
        human.contains("7 │     dispached_to: 株式会社伊藤園"),
        "{human}"
    );
    assert!(human.contains("^^^^^^^^^^^^"), "{human}");
    assert!(
        human.contains("= hint: did you mean `dispatched_to`?"),
        "{human}"
    );

    let (json, _) = check_rendered(dir.path(), DiagnosticFormat::Json);
    let v: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert_eq!(v["severity"], "error");
    assert_eq!(v["file"], "content/staff.yaml");
    assert_eq!(
        (v["line"].as_u64(), v["column"].as_u64()),
        (Some(7), Some(5))
    );
    assert_eq!(v["hints"][0], "did you mean `dispatched_to`?");

    let (gh, _) = check_rendered(dir.path(), DiagnosticFormat::Github);
    assert!(
        gh.starts_with("::error file=content/staff.yaml,line=7,col=5,endColumn=17,title=pamphlet::unknown field `staff[0].dispached_to`%0Ahint: did you mean `dispatched_to`?"),
        "{gh}"
    );
}

#[test]
fn check_exit_statuses() {
    let good = fixture_project("mini");
    let out = run_in(good.path(), &["check"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!good.path().join("out").exists(), "check writes nothing");

    let bad = case_project(&repo().join("tests/fixtures/invalid/12-value-not-allowed"));
    let out = run_in(bad.path(), &["check", "--diagnostic-format", "short"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("content/staff.yaml:2:9: error: `finished` is not allowed")
    );

    // A broken manifest is a problem found (1); no project at all, or a
    // usage error, is 2.
    let bad = case_project(&repo().join("tests/fixtures/invalid/30-manifest-unknown-key"));
    assert_eq!(run_in(bad.path(), &["check"]).status.code(), Some(1));
    let empty = tempfile::tempdir().unwrap();
    let out = run_in(empty.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no pamphlet.toml"));
    assert_eq!(
        run_in(good.path(), &["check", "--shard", "3/2"])
            .status
            .code(),
        Some(2)
    );

    // GitHub annotations go to standard output.
    let bad = case_project(&repo().join("tests/fixtures/invalid/14-unknown-reference"));
    let out = run_in(bad.path(), &["check", "--diagnostic-format", "github"]);
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .starts_with("::error file=content/staff.yaml,line=17,col=13"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn warnings_fail_only_with_deny_warnings() {
    // A layout that warns: an unknown font family.
    let dir = fixture_project("mini");
    edit(
        &dir.path().join("layouts/sheet/sheet.typ"),
        "#set text(font: (\"BIZ UDPGothic\"",
        "#set text(font: (\"No Such Font\", \"BIZ UDPGothic\"",
    );
    let out = run_in(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: unknown font family: no such font"),
        "{stderr}"
    );
    assert!(stderr.contains("layouts/sheet/sheet.typ:6:"), "{stderr}");
    assert_eq!(
        run_in(dir.path(), &["check", "--deny-warnings"])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn files_as_users_have_them() {
    // A UTF-8 BOM is fine.
    let dir = fixture_project("mini");
    let content = dir.path().join("content/staff.yaml");
    let text = std::fs::read(&content).unwrap();
    std::fs::write(&content, [b"\xEF\xBB\xBF".as_slice(), &text].concat()).unwrap();
    let (out, errors) = check_rendered(dir.path(), DiagnosticFormat::Short);
    assert!(!errors, "{out}");
}

#[test]
fn a_failed_build_leaves_the_previous_output_byte_identical() {
    let dir = fixture_project("mini");
    let out = dir.path().join("out");
    let session = open(dir.path());
    assert_success(&build_into(&session, &out, |_| {}));
    let pdf = out.join("sheet.screen.pdf");
    let before = std::fs::read(&pdf).unwrap();
    let modified = std::fs::metadata(&pdf).unwrap().modified().unwrap();

    // A content error, then a template error: neither touches the PDF.
    edit(
        &dir.path().join("content/staff.yaml"),
        "status: final",
        "status: finished",
    );
    let report = build_into(&open(dir.path()), &out, |_| {});
    assert!(!report.success());
    edit(
        &dir.path().join("content/staff.yaml"),
        "status: finished",
        "status: final",
    );
    edit(
        &dir.path().join("layouts/sheet/sheet.typ"),
        "#c.status / #c.year",
        "#c.status / #c.yaer",
    );
    let report = build_into(&open(dir.path()), &out, |_| {});
    assert!(!report.success());
    assert_eq!(std::fs::read(&pdf).unwrap(), before);
    assert_eq!(
        std::fs::metadata(&pdf).unwrap().modified().unwrap(),
        modified
    );
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [".pamphlet-state.json", "sheet.screen.pdf"],
        "no temporary files"
    );
}

/// A copy of the default project with `edit` applied to its content.
fn crosstalk_with(from: &str, to: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_project(dir.path());
    edit(&dir.path().join("content/crosstalk.yaml"), from, to);
    dir
}

#[test]
fn a_member_without_answers_is_one_error_at_the_members_line() {
    // A fourth member, who answers nothing: the crosstalk schema's
    // `covers: member` makes every question need an answer from each.
    let dir = crosstalk_with(
        "    dispatched_to: 株式会社伊藤園\n",
        "    dispatched_to: 株式会社伊藤園\n  - id: suzuki\n    bureau: 総務局\n    department: 人事部\n    section: 人事課\n    dispatched_to: 株式会社横浜\n",
    );
    let (out, errors) = check_rendered(dir.path(), DiagnosticFormat::Short);
    assert!(errors);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            "content/crosstalk.yaml:46:5: error: `members[3]` (`suzuki`) has no item in any `questions[].answers`; each of the 5 must have one (hint: add an item with `member: suzuki` to every `questions[].answers`, or remove `suzuki` from `members`)"
        ],
        "{out}"
    );
    // One answer left out: one error, at that question's answers (Q3's
    // first answer is itoen's; the list starts there).
    let text = std::fs::read_to_string(repo().join("content/crosstalk.yaml")).unwrap();
    let q3 = text.find("  - label: Q3").unwrap();
    let first = text[q3..].find("      - member: itoen").unwrap() + q3;
    let second = text[first..].find("      - member: ntt-east").unwrap() + first;
    let dir = crosstalk_with(&text[first..second], "");
    let (out, _) = check_rendered(dir.path(), DiagnosticFormat::Short);
    let line = text[..first].lines().count() + 1;
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [format!(
            "content/crosstalk.yaml:{line}:7: error: `questions[2].answers` has no item for `itoen` (`members[2]`); it must cover every item of `members` (hint: add an item with `member: itoen`)"
        )],
        "{out}"
    );
}

#[test]
fn without_covers_a_record_with_nothing_to_print_is_a_warning() {
    let dir = crosstalk_with(
        "    dispatched_to: 株式会社伊藤園\n",
        "    dispatched_to: 株式会社伊藤園\n  - id: suzuki\n    bureau: 総務局\n    department: 人事部\n    section: 人事課\n    dispatched_to: 株式会社横浜\n",
    );
    edit(
        &dir.path().join("layouts/crosstalk/schema.yaml"),
        "          covers: member\n",
        "",
    );
    // The handouts only: the pamphlet has no room for a fourth member.
    let prep = open(dir.path()).prepare(&["handout".into()]).unwrap();
    let got: Vec<String> = prep.diagnostics.iter().map(|d| d.to_string()).collect();
    assert_eq!(
        got,
        [
            "content/crosstalk.yaml:46:5: warning: `members[3]` (`suzuki`) has nothing of its own to print: no item of the lists that belong to records refers to it [publication `handout`]"
        ],
    );
}

#[test]
fn covers_must_name_a_ref_field() {
    let dir = tempfile::tempdir().unwrap();
    copy_project(dir.path());
    edit(
        &dir.path().join("layouts/crosstalk/schema.yaml"),
        "          covers: member\n",
        "          covers: text\n",
    );
    let (out, errors) = check_rendered(dir.path(), DiagnosticFormat::Short);
    assert!(errors);
    assert!(
        out.contains("layouts/crosstalk/schema.yaml:")
            && out.contains("error: `covers: text` but the items have no `ref` field `text`"),
        "{out}"
    );
}
