//! The typographic lint: one fixture publication per rule, each made to
//! break it (`tests/fixtures/projects/lint`), asserted with its page and
//! its place in the content; a clean fixture and the repository's own
//! publications asserted clean.

use std::path::Path;

use pamphlet::diag::Diagnostic;

use crate::common::*;

/// The lint's warnings of building `publication` of the lint fixture.
fn lint(dir: &Path, publication: &str) -> Vec<Diagnostic> {
    let report = build_into(&open(dir), &dir.join("out"), |r| {
        r.publications = vec![publication.to_string()];
        r.write = false;
    });
    assert!(report.success(), "{:?}", report.diagnostics);
    report
        .diagnostics
        .iter()
        .filter(|d| is_lint(d))
        .cloned()
        .collect()
}

fn is_lint(d: &Diagnostic) -> bool {
    [
        "runt",
        "widow",
        "heading",
        "kinsoku",
        "underfull",
        "overfull",
        "measure",
    ]
    .iter()
    .any(|r| d.message.starts_with(&format!("{r}: ")))
}

/// The one finding, which must start with `rule: `, be on `page`, and point
/// at `line` of the content (or nowhere, for `None`).
#[track_caller]
fn one(findings: &[Diagnostic], rule: &str, page: usize, line: Option<usize>) -> Diagnostic {
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let d = &findings[0];
    assert!(d.message.starts_with(&format!("{rule}: ")), "{d}");
    assert!(d.message.contains(&format!("on page {page}")), "{d}");
    match line {
        Some(line) => {
            let at = d.position.as_ref().unwrap_or_else(|| panic!("{d}"));
            assert_eq!(
                (at.path.to_str().unwrap(), at.line),
                ("content/lint.yaml", line),
                "{d}"
            );
        }
        None => assert!(d.position.is_none(), "{d}"),
    }
    d.clone()
}

#[test]
fn each_rule_is_reported_at_its_page_and_content_line() {
    let dir = fixture_project("lint");
    let d = one(&lint(dir.path(), "runt"), "runt", 1, Some(3));
    assert!(
        d.message.contains("「漢す」") && d.message.contains("(in `runt`)"),
        "{d}"
    );
    let d = one(&lint(dir.path(), "widow"), "widow", 1, Some(5));
    assert!(
        d.message
            .contains("1 line(s) before and 3 after a page break"),
        "{d}"
    );
    let d = one(&lint(dir.path(), "heading"), "heading", 1, Some(6));
    assert!(d.message.contains("(in `heading`)"), "{d}");
    let d = one(&lint(dir.path(), "kinsoku"), "kinsoku", 1, Some(9));
    assert!(d.message.contains("starts with 「。」"), "{d}");
    let d = one(&lint(dir.path(), "underfull"), "underfull", 2, None);
    assert!(d.message.contains("the page is 16 % filled"), "{d}");
    let d = one(&lint(dir.path(), "overfull"), "overfull", 1, Some(10));
    assert!(d.message.contains("past the paragraph's edge"), "{d}");
    let d = one(&lint(dir.path(), "measure"), "measure", 1, Some(11));
    assert!(d.message.contains("lines of 53 characters"), "{d}");
}

#[test]
fn a_clean_layout_has_no_findings_and_rules_can_be_left_out() {
    let dir = fixture_project("lint");
    let findings = lint(dir.path(), "clean");
    assert!(findings.is_empty(), "{findings:#?}");
    // `skip` leaves a rule out; thresholds are settings too.
    edit(
        &dir.path().join("pamphlet.toml"),
        "layout = \"layouts/lint/runt.typ\"",
        "layout = \"layouts/lint/runt.typ\"\nlint = { skip = [\"runt\"] }",
    );
    assert!(lint(dir.path(), "runt").is_empty());
    edit(
        &dir.path().join("pamphlet.toml"),
        "layout = \"layouts/lint/measure.typ\"",
        "layout = \"layouts/lint/measure.typ\"\nlint = { measure = 60 }",
    );
    assert!(lint(dir.path(), "measure").is_empty());
}

#[test]
fn an_unknown_rule_is_an_error_at_its_manifest_line() {
    let dir = fixture_project("lint");
    edit(
        &dir.path().join("pamphlet.toml"),
        "layout = \"layouts/lint/runt.typ\"",
        "layout = \"layouts/lint/runt.typ\"\nlint = { skip = [\"runts\"] }",
    );
    let out = run_in(dir.path(), &["check"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("`runts` is not a lint rule"), "{err}");
    assert!(err.contains("did you mean `runt`?"), "{err}");
    assert!(err.contains("pamphlet.toml:6:18"), "{err}");
}

#[test]
fn the_repositorys_publications_have_no_findings() {
    let built = default_build();
    let findings: Vec<String> = built
        .report
        .diagnostics
        .iter()
        .filter(|d| is_lint(d))
        .map(|d| format!("{d}"))
        .collect();
    assert!(findings.is_empty(), "{}", findings.join("\n"));
}
