//! The walls between the library's rooms stay where the README draws
//! them: each module of `src/` belongs to a room (its first path segment),
//! rooms are stacked, and a module may name (`crate::…`, or `super::` up to
//! the crate root) only rooms below its own. Comments are not code: a doc
//! link to a room above is allowed.

use std::path::{Path, PathBuf};

use crate::common::repo;

/// The rooms, from the bottom up; rooms on one line may not name each
/// other. The README's "Where things live" shows the same stack.
const STACK: &[&[&str]] = &[
    &["diag", "units", "paths", "raster", "output", "digest"],
    &["content"],
    &["project"],
    &["print", "render"],
    &["world"],
    &["prepare"],
    &["compile"],
    &["build"],
    // Comparing two sides' outputs: builds' fingerprints, compiled pages.
    &["diff"],
    // The library's face (`src/lib.rs`) and what only tools use.
    &["lib", "synth"],
];

/// The level of `room` in [`STACK`].
fn level(room: &str) -> Option<usize> {
    STACK.iter().position(|rooms| rooms.contains(&room))
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file under `src/` (`content/sheet/mod.rs` →
/// `["content", "sheet"]`, `lib.rs` → `[]`).
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let file = parts.pop().unwrap();
    match file.as_str() {
        "mod.rs" | "lib.rs" => {}
        other => parts.push(other.trim_end_matches(".rs").to_string()),
    }
    parts
}

/// A line's code: without its comment, and with string literals blanked.
fn code(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' if in_string => {
                chars.next();
            }
            '"' => {
                in_string = !in_string;
                out.push(' ');
            }
            '/' if !in_string && chars.peek() == Some(&'/') => break,
            _ if in_string => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The rooms a line of code names: after `crate::` (a group `crate::{a,
/// b::c}` names each), or after as many `super::` as climb to the root.
fn named_rooms(code: &str, module: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let word_start = |i: usize| {
        i == 0
            || !(bytes[i - 1].is_ascii_alphanumeric()
                || bytes[i - 1] == b'_'
                || bytes[i - 1] == b'$')
    };
    let first_segment = |rest: &str| -> String {
        rest.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut i = 0;
    while let Some(at) = code[i..].find("crate::") {
        let start = i + at;
        i = start + "crate::".len();
        if !word_start(start) {
            continue;
        }
        let rest = &code[i..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = &group[..group.find('}').unwrap_or(group.len())];
            out.extend(inner.split(',').map(|s| first_segment(s.trim())));
        } else {
            out.push(first_segment(rest));
        }
    }
    // `super::` chains that leave the room through the crate root.
    let mut i = 0;
    while let Some(at) = code[i..].find("super::") {
        let start = i + at;
        if !word_start(start) {
            i = start + 1;
            continue;
        }
        let mut rest = &code[start..];
        let mut ups = 0;
        while let Some(r) = rest.strip_prefix("super::") {
            ups += 1;
            rest = r;
        }
        i = code.len() - rest.len();
        if ups == module.len() {
            out.push(first_segment(rest));
        }
    }
    out.retain(|r| !r.is_empty() && r != "self");
    out
}

/// Every place a module names a room that is not below its own, as
/// `file:line: room → named`.
fn violations() -> Vec<String> {
    let src = repo().join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let rel = file.strip_prefix(&src).unwrap();
        let module = module_path(rel);
        let room = module.first().cloned().unwrap_or_else(|| "lib".into());
        if room == "cli" || room == "main" {
            // The binary: a client of the library's face, through `pamphlet::`.
            continue;
        }
        let own = level(&room).unwrap_or_else(|| {
            panic!(
                "src/{}: room `{room}` is not in the stack of rooms.rs (and the README)",
                rel.display()
            )
        });
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            for named in named_rooms(&code(line), &module) {
                if named == room {
                    continue;
                }
                // An item of lib.rs itself (`crate::Session`) is the face.
                let named_level = level(&named).unwrap_or(level("lib").unwrap());
                if named_level >= own {
                    out.push(format!(
                        "src/{}:{}: `{room}` names `{named}`, which is not below it",
                        rel.display(),
                        n + 1
                    ));
                }
            }
        }
    }
    out
}

#[test]
fn no_module_names_a_room_above_its_own() {
    let found = violations();
    assert!(
        found.is_empty(),
        "modules reach up or sideways (see README, \"Where things live\"):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_sees_what_it_must() {
    let m = |s: &str| s.split('/').map(String::from).collect::<Vec<_>>();
    assert_eq!(
        named_rooms(
            &code("use crate::project::relative_path; // crate::print"),
            &m("content/validate")
        ),
        ["project"]
    );
    assert_eq!(
        named_rooms(&code("use crate::{diag::X, print::Y};"), &m("world")),
        ["diag", "print"]
    );
    assert_eq!(
        named_rooms(&code("let s = \"crate::build\";"), &m("world")),
        Vec::<String>::new()
    );
    assert_eq!(
        named_rooms(&code("use super::super::build::x;"), &m("print/preflight")),
        ["build"]
    );
    assert_eq!(
        named_rooms(&code("use super::pdf::x;"), &m("print/preflight")),
        Vec::<String>::new()
    );
    assert_eq!(
        named_rooms(&code("use super::Session;"), &m("world")),
        ["Session"]
    );
    assert_eq!(
        named_rooms(&code("$crate::cli::x"), &m("diag")),
        Vec::<String>::new()
    );
    // A room above is named: `print` names `prepare`.
    let rooms = named_rooms(&code("use crate::prepare::Prepared;"), &m("print/images"));
    assert!(level(&rooms[0]).unwrap() >= level("print").unwrap());
}
