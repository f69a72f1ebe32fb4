//! Hostile input: the sandbox, content that never becomes code, bounded
//! resources, and that nothing is written outside `out/`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::common::*;

/// Checks the project and returns its diagnostics, one short line each.
fn check(dir: &Path, tweak: impl FnOnce(&mut pamphlet::BuildRequest)) -> Vec<String> {
    let session = open(dir);
    let out = tempfile::tempdir().unwrap();
    let report = build_into(&session, out.path(), |r| {
        r.write = false;
        tweak(r);
    });
    report.diagnostics.iter().map(|d| d.to_string()).collect()
}

fn append(path: &Path, text: &str) {
    let mut s = std::fs::read_to_string(path).unwrap();
    s.push_str(text);
    std::fs::write(path, s).unwrap();
}

#[test]
fn templates_cannot_read_outside_the_project() {
    let dir = fixture_project("mini");
    let sheet = dir.path().join("layouts/sheet/sheet.typ");
    let original = std::fs::read_to_string(&sheet).unwrap();
    let line = original.lines().count() + 1;

    append(&sheet, "#read(\"../../../../etc/passwd\")\n");
    let d = check(dir.path(), |_| {});
    assert!(d.iter().any(|l| l.starts_with(&format!("layouts/sheet/sheet.typ:{line}:7: error: path `\"../../../../etc/passwd\"` would escape the project root"))), "{d:?}");

    // An absolute path is the project's root, not the machine's.
    std::fs::write(&sheet, format!("{original}#read(\"/etc/passwd\")\n")).unwrap();
    let d = check(dir.path(), |_| {});
    assert!(
        d.iter().any(|l| l.contains(&format!(
            "sheet.typ:{line}:7: error: file not found (searched at {}",
            dir.path()
                .canonicalize()
                .unwrap()
                .join("etc/passwd")
                .display()
        ))),
        "{d:?}"
    );

    // A symbolic link that points outside is refused, for data and images.
    let secret = tempfile::tempdir().unwrap();
    std::fs::write(secret.path().join("secret.txt"), "secret").unwrap();
    std::os::unix::fs::symlink(
        secret.path().join("secret.txt"),
        dir.path().join("layouts/sheet/link.txt"),
    )
    .unwrap();
    std::fs::write(&sheet, format!("{original}#read(\"link.txt\")\n")).unwrap();
    let d = check(dir.path(), |_| {});
    assert!(
        d.iter().any(|l| l.contains(&format!(
            "sheet.typ:{line}:7: error: failed to load file (access denied:"
        )) && l.contains("outside the project folder")),
        "{d:?}"
    );
    std::os::unix::fs::symlink(
        repo().join("tests/fixtures/projects/cards/photos/a.png"),
        dir.path().join("layouts/sheet/photo.png"),
    )
    .unwrap();
    std::fs::write(&sheet, format!("{original}#image(\"photo.png\")\n")).unwrap();
    let d = check(dir.path(), |_| {});
    assert!(
        d.iter().any(|l| l.contains(&format!("sheet.typ:{line}:8"))
            && l.contains("outside the project folder")),
        "{d:?}"
    );
    // A link inside the project is fine.
    std::fs::copy(
        repo().join("tests/fixtures/projects/cards/photos/a.png"),
        dir.path().join("a.png"),
    )
    .unwrap();
    std::os::unix::fs::symlink(
        dir.path().join("a.png"),
        dir.path().join("layouts/sheet/inside.png"),
    )
    .unwrap();
    std::fs::write(
        &sheet,
        format!("{original}#image(\"inside.png\", width: 1cm)\n"),
    )
    .unwrap();
    assert!(check(dir.path(), |_| {}).is_empty());
}

#[test]
fn packages_come_only_from_the_project() {
    let dir = fixture_project("mini");
    let sheet = dir.path().join("layouts/sheet/sheet.typ");
    let line = std::fs::read_to_string(&sheet).unwrap().lines().count() + 1;
    append(&sheet, "#import \"@preview/hello:0.1.0\": hello\n#hello\n");
    let d = check(dir.path(), |_| {});
    assert!(
        d.iter().any(|l| l.starts_with(&format!("layouts/sheet/sheet.typ:{line}:9: error: failed to load package (package @preview/hello:0.1.0 is not vendored in this project (looked in packages/preview/hello/0.1.0); pamphlet never downloads packages"))),
        "{d:?}"
    );
    // Vendored, it works.
    let pkg = dir.path().join("packages/preview/hello/0.1.0");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(
        pkg.join("typst.toml"),
        "[package]\nname = \"hello\"\nversion = \"0.1.0\"\nentrypoint = \"lib.typ\"\n",
    )
    .unwrap();
    std::fs::write(pkg.join("lib.typ"), "#let hello = [こんにちは]\n").unwrap();
    assert!(check(dir.path(), |_| {}).is_empty());
    // A package cannot read the project's files through `..` either.
    std::fs::write(
        pkg.join("lib.typ"),
        "#let hello = read(\"../../../../pamphlet.toml\")\n",
    )
    .unwrap();
    let d = check(dir.path(), |_| {});
    assert!(d.iter().any(|l| l.contains("would escape")), "{d:?}");
}

#[test]
fn content_files_must_be_in_the_project() {
    let dir = fixture_project("mini");
    let content = dir.path().join("content/staff.yaml");
    let original = std::fs::read_to_string(&content).unwrap();
    let cases = [
        (
            "../../etc/passwd.png",
            "content/staff.yaml:20:7: error: `../../etc/passwd.png` leaves the project folder (in `logo`)",
        ),
        (
            "/etc/logo.png",
            "content/staff.yaml:20:7: error: `/etc/logo.png` is an absolute path; it must be relative to the project folder (in `logo`)",
        ),
        (
            "missing.png",
            "content/staff.yaml:20:7: error: file not found: `missing.png` (in `logo`)",
        ),
        (
            "content/staff.yaml",
            "content/staff.yaml:20:7: error: `content/staff.yaml` in `logo` is not a png, jpg, svg file",
        ),
    ];
    for (value, expected) in cases {
        std::fs::write(&content, format!("{original}logo: {value}\n")).unwrap();
        let d = check(dir.path(), |_| {});
        assert!(d.iter().any(|l| l == expected), "{value}: {d:?}");
    }
    let outside = tempfile::tempdir().unwrap();
    std::fs::copy(
        repo().join("tests/fixtures/projects/cards/photos/a.png"),
        outside.path().join("a.png"),
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path().join("a.png"), dir.path().join("logo.png")).unwrap();
    std::fs::write(&content, format!("{original}logo: logo.png\n")).unwrap();
    let d = check(dir.path(), |_| {});
    assert!(
        d.iter().any(|l| l
            .starts_with("content/staff.yaml:20:7: error: `logo.png` in `logo` resolves to")
            && l.contains("outside the project folder")),
        "{d:?}"
    );
}

#[test]
fn hostile_strings_print_literally_or_are_rejected() {
    let dir = fixture_project("mini");
    let content = dir.path().join("content/staff.yaml");
    let literal = [
        r#"#read("/etc/passwd")"#,
        "#panic()",
        "]]] unbalanced [[",
        "$ x^2 $ and a lone $",
        "```rust fn main() {}```",
        "#import \"/pamphlet.toml\"",
        "<label> @ref \\ \\n",
        "= not a heading",
        "// not a comment",
        "#let x = 1; #x",
    ];
    // All of them in a plain string field, joined; those without inline
    // markup characters also as paragraphs of a `text` field.
    let mut yaml = std::fs::read_to_string(&content).unwrap();
    let joined = literal.join("   ").replace('\'', "''");
    yaml = yaml.replace(
        "    dispatched_to: 株式会社伊藤園",
        &format!("    dispatched_to: '{joined}'"),
    );
    let paragraphs: Vec<String> = literal
        .iter()
        .filter(|s| !s.contains(['{', '}', '*', '|']))
        .map(|s| format!("      {s}"))
        .collect();
    assert!(paragraphs.len() >= 8);
    yaml = yaml.replace(
        "    text: 新しいことに挑戦しています。",
        &format!("    text: |-\n{}", paragraphs.join("\n")),
    );
    std::fs::write(&content, &yaml).unwrap();
    let out = dir.path().join("out");
    let report = build_into(&open(dir.path()), &out, |_| {});
    assert_success(&report);
    let text = compact(&pdf_pages(&out.join("sheet.screen.pdf")).join("\n"));
    for s in literal {
        assert!(
            text.contains(&compact(s)),
            "`{s}` not printed literally in {text}"
        );
    }

    // Rejected, each with its place: control and bidi characters, a string
    // too long for the page.
    let base =
        std::fs::read_to_string(repo().join("tests/fixtures/projects/mini/content/staff.yaml"))
            .unwrap();
    let rejected = [
        (
            "\"a\\0b\"",
            "content/staff.yaml:7:22: error: control character U+0000 in `staff[0].dispatched_to`",
        ),
        (
            "\"abc\\u202Eevil\"",
            "content/staff.yaml:7:24: error: bidirectional control character U+202E in `staff[0].dispatched_to`",
        ),
        (
            "\"a\\u2066b\"",
            "content/staff.yaml:7:22: error: bidirectional control character U+2066 in `staff[0].dispatched_to`",
        ),
    ];
    for (value, expected) in rejected {
        std::fs::write(
            &content,
            base.replace(
                "    dispatched_to: 株式会社伊藤園",
                &format!("    dispatched_to: {value}"),
            ),
        )
        .unwrap();
        let d = check(dir.path(), |_| {});
        assert!(d.iter().any(|l| l == expected), "{value}: {d:?}");
    }
    let long = "長".repeat(100_000);
    std::fs::write(
        &content,
        base.replace(
            "    dispatched_to: 株式会社伊藤園",
            &format!("    dispatched_to: {long}"),
        ),
    )
    .unwrap();
    let d = check(dir.path(), |_| {});
    assert!(d.iter().any(|l| l.starts_with("content/staff.yaml:7:20: error: overset text: `staff[0].dispatched_to` does not fit the layout's 1 page(s)")), "{:?}", d.iter().map(|l| l.chars().take(200).collect::<String>()).collect::<Vec<_>>());
}

fn load_content(
    yaml: &[u8],
) -> Result<pamphlet::content::Content, Vec<pamphlet::diag::Diagnostic>> {
    let schema_src =
        std::fs::read(repo().join("tests/fixtures/projects/mini/layouts/sheet/schema.yaml"))
            .unwrap();
    let limits = pamphlet::content::Limits::default();
    let schema_file =
        pamphlet::content::yaml::parse(Path::new("schema.yaml"), &schema_src, &limits).unwrap();
    let schema = pamphlet::content::Schema::from_yaml(&schema_file).unwrap();
    pamphlet::content::Content::load(Path::new("content.yaml"), yaml, &schema, &limits)
}

#[test]
fn resource_bombs_fail_fast_with_a_clear_error() {
    // Billion laughs: nine levels of nine aliases.
    let mut bomb = String::from(
        "a0: &a0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n",
    );
    for i in 1..10 {
        let p = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let e = load_content(bomb.as_bytes()).unwrap_err();
    assert_eq!(e.len(), 1);
    assert!(
        e[0].message.starts_with(
            "the YAML is too large or too complex once its anchors and aliases are expanded"
        ),
        "{}",
        e[0].message
    );
    assert!(
        e[0].hints.iter().any(|h| h.contains("limits")),
        "{:?}",
        e[0].hints
    );

    // Nesting 10 000 levels deep.
    let deep = format!("title: {}x{}\n", "[".repeat(10_000), "]".repeat(10_000));
    let e = load_content(deep.as_bytes()).unwrap_err();
    assert_eq!(e[0].message, "the YAML nests deeper than 64 levels");
    let p = e[0].position.as_ref().unwrap();
    assert_eq!(p.line, 1);

    // A 100 MB content file: refused before parsing.
    let big = vec![b'#'; 100 * 1024 * 1024];
    let e = load_content(&big).unwrap_err();
    assert!(
        e[0].message
            .starts_with("file is too large: 104857600 bytes"),
        "{}",
        e[0].message
    );
}

#[test]
fn fifty_thousand_records_load_and_validate() {
    // A 50 000-item list of small records: within the limits, it works.
    let mut yaml = String::from("title: 職員紹介\nstatus: final\nyear: 2025\nanswers: []\ntags:\n");
    for i in 0..50_000 {
        yaml.push_str(&format!("  - tag{i}\n"));
    }
    yaml.push_str("staff:\n  - id: a\n    name: あ\n    dispatched_to: い\n");
    let content = load_content(yaml.as_bytes()).unwrap();
    assert_eq!(content.leaves.len(), 50_000 + 4);
    // A duplicate among them is still found, at its line.
    let dup = yaml.replacen("  - tag49999\n", "  - tag7\n", 1);
    let e = load_content(dup.as_bytes()).unwrap_err();
    assert_eq!(e[0].position.as_ref().unwrap().line, 6 + 49_999, "{}", e[0]);
}

#[test]
fn a_layout_that_runs_too_long_is_stopped_and_named() {
    let dir = fixture_project("cards");
    std::fs::copy(
        dir.path().join("photos/a.png"),
        dir.path().join("photos/b.png"),
    )
    .unwrap();
    // A layout that takes very long for record b only.
    let layout = dir.path().join("layouts/card/card.typ");
    append(
        &layout,
        "#if p.id == \"b\" { let n = 0; for i in range(3000) { for j in range(3000) { n += 1 } } }\n",
    );
    let out = dir.path().join("out");
    let report = build_into(&open(dir.path()), &out, |r| {
        r.timeout = Some(Duration::from_millis(500))
    });
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.message.contains("did not finish"))
        .unwrap_or_else(|| panic!("{:?}", report.diagnostics));
    assert_eq!(
        d.message,
        "the layout layouts/card/card.typ did not finish within 0.5 s"
    );
    assert!(
        d.context.as_deref().unwrap().contains("record `b`"),
        "{d:?}"
    );
    assert!(out.join("cards/a.pdf").is_file() && out.join("cards/c.pdf").is_file());
    assert!(!out.join("cards/b.pdf").exists());
}

#[test]
fn a_runaway_process_is_stopped_by_the_memory_limit() {
    let dir = fixture_project("mini");
    append(
        &dir.path().join("layouts/sheet/sheet.typ"),
        "#{ let a = (); for i in range(50) { a.push(range(1000000)) }; a.len() }\n",
    );
    let out = run_in(dir.path(), &["--memory-limit", "300", "check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("used more than 300 MiB of memory and was stopped")
    );
}

/// Every file under `dir` with its size and modification time.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (u64, std::time::SystemTime)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let m = std::fs::symlink_metadata(e.path()).unwrap();
            if m.is_dir() {
                stack.push(e.path());
            } else {
                out.insert(
                    e.path().strip_prefix(dir).unwrap().to_path_buf(),
                    (m.len(), m.modified().unwrap()),
                );
            }
        }
    }
    out
}

#[test]
fn nothing_is_written_outside_out() {
    // A project in a folder of its own, with a hostile layout and content.
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("project");
    copy_dir(&repo().join("tests/fixtures/projects/mini"), &dir);
    copy_dir(&repo().join("layouts/_lib"), &dir.join("layouts/_lib"));
    append(
        &dir.join("layouts/sheet/sheet.typ"),
        "#read(\"../../out/../../x.txt\")\n",
    );
    let before = snapshot(parent.path());
    let out = run_in(&dir, &["build", "--png"]);
    assert_eq!(out.status.code(), Some(1));
    // Fix the layout and build for real, with PNG pages.
    let sheet = dir.join("layouts/sheet/sheet.typ");
    let text = std::fs::read_to_string(&sheet)
        .unwrap()
        .replace("#read(\"../../out/../../x.txt\")\n", "");
    std::fs::write(&sheet, text).unwrap();
    let before_good = snapshot(parent.path());
    // `--preview`, the old name of `--png`, is still accepted.
    let out = run_in(&dir, &["build", "--preview"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = snapshot(parent.path());
    for (path, stamp) in &after {
        let changed = before_good.get(path) != Some(stamp);
        if changed {
            assert!(
                path.starts_with("project/out"),
                "{} written outside out/",
                path.display()
            );
        }
    }
    // The failed build wrote nothing anywhere (an empty out/ at most).
    let failed_writes: Vec<_> = before_good
        .keys()
        .filter(|k| !before.contains_key(*k))
        .collect();
    assert!(
        failed_writes.iter().all(|p| p.starts_with("project/out")),
        "{failed_writes:?}"
    );
    assert!(after.keys().any(|p| p.starts_with("project/out/png")));
}

mod properties {
    //! Property tests of the inline-markup parser and the YAML loader.

    use pamphlet::content::inline::{Inline, Newlines, parse};
    use proptest::prelude::*;

    fn plain_only(nodes: &[Inline]) -> String {
        nodes
            .iter()
            .map(|n| match n {
                Inline::Text(t) => t.clone(),
                other => panic!("unexpected {other:?}"),
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Text without markup characters comes back unchanged.
        #[test]
        fn plain_text_round_trips(s in "[^*{}|\\\\\\n\\r]{0,200}") {
            let r = parse(&s, Newlines::LineBreaks).unwrap();
            let joined = plain_only(r.paragraphs.first().map(|p| p.as_slice()).unwrap_or(&[]));
            prop_assert_eq!(joined, s);
        }

        /// Escaping every markup character makes any text literal.
        #[test]
        fn escaped_text_is_literal(s in "[^\\n\\r]{0,200}") {
            let escaped: String = s.chars().flat_map(|c| {
                if matches!(c, '*' | '{' | '}' | '|' | '\\') { vec!['\\', c] } else { vec![c] }
            }).collect();
            let r = parse(&escaped, Newlines::LineBreaks).unwrap();
            prop_assert_eq!(r.plain(), s);
        }

        /// The parser never panics, and errors point inside the string.
        #[test]
        fn never_panics(s in "\\PC{0,300}") {
            if let Err(errors) = parse(&s, Newlines::Paragraphs) {
                for e in errors {
                    prop_assert!(e.range.start <= e.range.end && e.range.end <= s.len());
                    prop_assert!(s.is_char_boundary(e.range.start) && s.is_char_boundary(e.range.end));
                }
            }
        }

        /// The YAML loader never panics, whatever the bytes.
        #[test]
        fn yaml_loader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = pamphlet::content::yaml::parse(std::path::Path::new("x.yaml"), &bytes, &pamphlet::content::Limits::default());
        }
    }
}
