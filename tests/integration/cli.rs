//! The command line for a newcomer: `init`, `fonts`, the second publication
//! type, `--help` snapshots, and the conventions (version, quiet, colours,
//! completions, `--input`).

use std::process::{Command, Output};

use crate::common::*;

fn pamphlet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pamphlet"))
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn init_then_build_yields_a_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("brochure");
    let out = pamphlet(&["init", project.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("Next: cd"), "{}", stderr(&out));
    for f in [
        "pamphlet.toml",
        "content/sheet.yaml",
        "layouts/starter/schema.yaml",
        "layouts/starter/sheet.typ",
        "layouts/_lib/pamphlet.typ",
        "layouts/_lib/helpers.typ",
        "layouts/_lib/source.typ",
        "fonts/BIZUDPGothic-Regular.ttf",
        "fonts/OFL-BIZUD.txt",
        ".gitignore",
    ] {
        assert!(project.join(f).is_file(), "{f} missing");
    }
    // No --font-path: the project is self-contained.
    let out = pamphlet(&["build", "--project", project.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let pdf = project.join("out/sheet.pdf");
    let text = pdf_pages(&pdf).join("\n");
    assert!(
        compact(&text).contains(&compact("はじめての冊子")),
        "{text}"
    );
    assert!(project.join("out/sheet.screen.pdf").is_file());
    // And it checks clean, with the fonts covering its content.
    assert!(
        pamphlet(&["check", "--project", project.to_str().unwrap()])
            .status
            .success()
    );
    assert!(
        pamphlet(&[
            "fonts",
            "--coverage",
            "--project",
            project.to_str().unwrap()
        ])
        .status
        .success()
    );
}

#[test]
fn init_refuses_a_folder_that_is_not_empty() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
    let out = pamphlet(&["init", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is not empty; `pamphlet init` only writes into an empty or new folder (found notes.txt)"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("notes.txt")).unwrap(),
        "mine"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "nothing written"
    );
}

#[test]
fn the_flyer_builds_validates_and_is_in_the_walkthrough() {
    let built = default_build();
    let pdf = built.out.path().join("flyer.pdf");
    let text = compact(&pdf_pages(&pdf).join("\n"));
    let prep = session().prepare(&["flyer".into()]).unwrap();
    assert!(prep.diagnostics.is_empty());
    for leaf in &prep.prepared[0].content.leaves {
        assert!(
            find_in_chunks(&text, &leaf.plain, 2).is_ok(),
            "{} missing from the flyer",
            leaf.path
        );
    }
    // A misspelt field in the flyer's content is caught by its schema.
    let dir = tempfile::tempdir().unwrap();
    copy_project(dir.path());
    edit(
        &dir.path().join("content/flyer.yaml"),
        "headline:",
        "hedline:",
    );
    let out = run_in(
        dir.path(),
        &["check", "-p", "flyer", "--diagnostic-format", "short"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("content/flyer.yaml:5:1: error: unknown field `hedline` (hint: did you mean `headline`?)"), "{}", stderr(&out));
    // The guide walks through it, and the README points there.
    let guide = std::fs::read_to_string(repo().join("layouts/README.md")).unwrap();
    for step in [
        "## Worked example: adding an event flyer",
        "layouts/flyer/schema.yaml",
        "layouts/flyer/flyer.typ",
        "content/flyer.yaml",
        "[publications.flyer]",
        "pamphlet build -p flyer",
    ] {
        assert!(
            guide.contains(step),
            "`{step}` missing from layouts/README.md"
        );
    }
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    assert!(readme.contains("out/flyer.pdf") && readme.contains("layouts/README.md"));
}

#[test]
fn help_for_every_command_matches_its_snapshot() {
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let dir = repo().join("tests/fixtures/help");
    let mut failures = Vec::new();
    for cmd in [
        "",
        "build",
        "check",
        "watch",
        "preflight",
        "fonts",
        "inputs",
        "init",
        "completions",
        "schema",
        "preview",
        "diff",
    ] {
        let mut args: Vec<&str> = cmd.split_whitespace().collect();
        args.push("--help");
        let out = pamphlet(&args);
        assert!(out.status.success());
        let help = stdout(&out);
        assert!(
            cmd.is_empty() || help.contains("Examples:"),
            "`{cmd} --help` has examples"
        );
        let file = dir.join(format!(
            "{}.txt",
            if cmd.is_empty() { "pamphlet" } else { cmd }
        ));
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&file, &help).unwrap();
        } else if std::fs::read_to_string(&file).ok().as_deref() != Some(help.as_str()) {
            failures.push(format!(
                "{} differs (UPDATE_SNAPSHOTS=1 rewrites):\n{help}",
                file.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn version_quiet_colour_and_completions() {
    let out = pamphlet(&["--version"]);
    assert_eq!(
        stdout(&out).trim(),
        format!("pamphlet {}", env!("CARGO_PKG_VERSION"))
    );

    // --quiet: nothing on success.
    let dir = fixture_project("mini");
    let out = run_in(dir.path(), &["build", "--quiet"]);
    assert!(out.status.success());
    assert_eq!(stderr(&out), "");

    // Problems are still printed with --quiet, and without colour when not
    // on a terminal.
    edit(
        &dir.path().join("content/staff.yaml"),
        "status: final",
        "status: finale",
    );
    let out = run_in(dir.path(), &["check", "--quiet"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("error: `finale` is not allowed for `status`"));
    assert!(
        !stderr(&out).contains('\u{1b}'),
        "no colour codes off a terminal"
    );

    for shell in ["bash", "zsh", "fish"] {
        let out = pamphlet(&["completions", shell]);
        assert!(out.status.success());
        let script = stdout(&out);
        assert!(
            script.contains("pamphlet") && script.contains("preflight") && script.contains("shard"),
            "{shell}"
        );
    }
}

#[test]
fn input_flags_reach_the_template_like_typst_cli() {
    let dir = fixture_project("mini");
    edit(
        &dir.path().join("layouts/sheet/sheet.typ"),
        "= #rich(c.title)",
        "#sys.inputs.at(\"edition\", default: \"\")\n= #rich(c.title)",
    );
    let out_dir = dir.path().join("out");
    let out = Command::new(env!("CARGO_BIN_EXE_pamphlet"))
        .args([
            "build",
            "--root",
            dir.path().to_str().unwrap(),
            "--font-path",
            fonts().to_str().unwrap(),
            "--input",
            "edition=第2版",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(compact(&pdf_pages(&out_dir.join("sheet.screen.pdf")).join("")).contains("第2版"));
    // pamphlet's own inputs cannot be overridden.
    let out = pamphlet(&[
        "build",
        "--project",
        dir.path().to_str().unwrap(),
        "--input",
        "content=x",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("`content` is set by pamphlet"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn fonts_lists_families_and_finds_uncovered_characters() {
    let out = pamphlet(&["fonts", "--project", repo().to_str().unwrap()]);
    assert!(out.status.success());
    let list = stdout(&out);
    for family in [
        "BIZ UDPGothic",
        "BIZ UDPMincho",
        "Inter Display",
        "Noto Sans Symbols2",
    ] {
        assert!(list.contains(family), "{family} missing from:\n{list}");
    }
    assert!(list.contains("fonts/BIZUDPGothic-Bold.ttf") && list.contains("700"));

    let dir = fixture_project("mini");
    edit(
        &dir.path().join("content/staff.yaml"),
        "title: 職員紹介",
        "title: 職員紹介ᚠ",
    );
    let out = pamphlet(&[
        "fonts",
        "--coverage",
        "--diagnostic-format",
        "short",
        "--project",
        dir.path().to_str().unwrap(),
        "--font-path",
        fonts().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("content/staff.yaml:1:12: error: character `ᚠ` (U+16A0) in `title` is not in any of the project's fonts"), "{}", stderr(&out));
}

/// Every way a command can stop has its exit status: 1 for problems in
/// the input (shown as diagnostics at their place), 2 for usage and I/O
/// (one line).
#[test]
fn exit_statuses_say_whose_problem_it_is() {
    let dir = tempfile::tempdir().unwrap();
    copy_project(dir.path());
    let p = dir.path();
    // Usage: an unknown publication, a resolution out of range, a record
    // that does not exist.
    let out = run_in(p, &["schema", "leaflet"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).trim(),
        "error: no publication `leaflet` in pamphlet.toml (known: crosstalk, flyer, handout)"
    );
    let out = run_in(p, &["build", "--png", "--ppi", "0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("error: --ppi 0 is out of range (1 to 1200)"),
        "{}",
        stderr(&out)
    );
    // I/O: the preview's port is taken.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = run_in(p, &["preview", "--port", &port]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(&format!("error: cannot listen on 127.0.0.1:{port}: ")),
        "{}",
        stderr(&out)
    );
    // Input: a schema with a problem, through `schema` and `inputs`.
    let schema = p.join("layouts/flyer/schema.yaml");
    let text = std::fs::read_to_string(&schema).unwrap();
    std::fs::write(&schema, text.replacen("type: string", "type: strin", 1)).unwrap();
    for args in [&["schema", "flyer"][..], &["inputs", "flyer"][..]] {
        let out = run_in(p, &[args, &["--diagnostic-format", "short"]].concat());
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&out).contains("layouts/flyer/schema.yaml:") && stderr(&out).contains("strin"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    // Input: a manifest with a problem is shown at its line.
    edit(
        &p.join("pamphlet.toml"),
        "[publications.flyer]",
        "[publications.flyer]\nlayot = \"x\"",
    );
    let out = run_in(p, &["check", "--diagnostic-format", "short"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("pamphlet.toml:"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("unknown key `layot`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_allocator_leaves_memory_to_the_kernel_at_exit() {
    // mimalloc prints its statistics from its exit hook; pamphlet sets that
    // hook to return at once (`destroy_on_exit` = 2: about 4.5 ms of a
    // one-document build), and the environment still overrides it. This
    // checks both the option's index and its effect.
    let run = |env: &[(&str, &str)]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pamphlet"));
        cmd.arg("--version").env("MIMALLOC_SHOW_STATS", "1");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stdout(&out).starts_with("pamphlet "), "{}", stdout(&out));
        stderr(&out)
    };
    let fast = run(&[]);
    assert!(!fast.contains("peak rss"), "the exit hook ran:\n{fast}");
    let collected = run(&[("MIMALLOC_DESTROY_ON_EXIT", "0")]);
    assert!(collected.contains("peak rss"), "{collected}");
}
