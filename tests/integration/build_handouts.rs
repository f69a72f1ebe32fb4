//! Per-record publications: one handout per member with that member's
//! answers only, record and shard selection, and failure isolation.

use std::collections::BTreeSet;

use pamphlet::JobStatus;

use crate::common::*;

#[test]
fn each_handout_has_its_members_answers_and_no_others() {
    let built = default_build();
    let prep = session().prepare(&["handout".into()]).unwrap();
    let content = &prep.prepared[0].content;
    let members: Vec<String> = content
        .records("members")
        .unwrap()
        .iter()
        .map(|m| m.get("id").unwrap().plain().unwrap())
        .collect();
    assert_eq!(members, ["sotetsu", "ntt-east", "itoen"]);
    // Every answer's text, by member, from the content's leaves.
    let mut answers: Vec<(String, String)> = Vec::new();
    let questions = content.data.get("questions").unwrap();
    let pamphlet::content::Data::List(questions) = questions else {
        panic!()
    };
    for (qi, q) in questions.iter().enumerate() {
        let pamphlet::content::Data::List(list) = q.get("answers").unwrap() else {
            panic!()
        };
        for (ai, a) in list.iter().enumerate() {
            let member = a.get("member").unwrap().plain().unwrap();
            let leaf = content
                .leaves
                .iter()
                .find(|l| l.path == format!("questions[{qi}].answers[{ai}].text"))
                .unwrap();
            answers.push((member, leaf.plain.clone()));
        }
    }
    assert_eq!(answers.len(), 15);
    for id in &members {
        let path = built.out.path().join(format!("handouts/{id}.pdf"));
        let text = pdf_pages(&path).join("\n");
        let mut own = 0;
        for (member, answer) in &answers {
            let found = find_in_chunks(&text, answer, 3);
            if member == id {
                own += 1;
                assert!(found.is_ok(), "{id}: own answer missing: {:?}", found);
            } else {
                // Not even its first sentence may appear.
                let first: String = answer.split_inclusive('。').next().unwrap().to_string();
                assert!(
                    !compact(&text).contains(&compact(&first)),
                    "{id}: contains {member}'s answer `{first}`"
                );
            }
        }
        assert_eq!(own, 5, "{id} answers all five questions");
        // Its own department and secondment are on it.
        let record = content
            .records("members")
            .unwrap()
            .iter()
            .find(|m| m.get("id").unwrap().plain().as_deref() == Some(id))
            .unwrap();
        for field in ["bureau", "department", "section", "dispatched_to"] {
            let v = record.get(field).unwrap().plain().unwrap();
            assert!(
                compact(&text).contains(&compact(&v)),
                "{id}: {field} `{v}` missing"
            );
        }
    }
}

#[test]
fn record_selection_builds_only_that_record() {
    let out = tempfile::tempdir().unwrap();
    let report = build_into(session(), out.path(), |r| r.records = vec!["itoen".into()]);
    assert_success(&report);
    let outputs: Vec<String> = report
        .jobs
        .iter()
        .map(|j| j.job.output.to_string_lossy().into_owned())
        .collect();
    assert_eq!(outputs, ["handouts/itoen.pdf"]);
    assert!(!out.path().join("handouts/sotetsu.pdf").exists());

    // An unknown record is an error, not a silent no-op.
    let report = build_into(session(), out.path(), |r| r.records = vec!["nobody".into()]);
    assert!(!report.success());
    assert!(
        report
            .diagnostics
            .iter()
            .any(|d| d.message.contains("no record `nobody`"))
    );
}

#[test]
fn shards_cover_every_output_exactly_once() {
    // A larger project, so that shards are not trivially empty.
    let dir = tempfile::tempdir().unwrap();
    pamphlet::synth::write_handout_project(dir.path(), &repo().join("layouts"), 24, 1).unwrap();
    let session = open(dir.path());
    let all: BTreeSet<String> = {
        let out = tempfile::tempdir().unwrap();
        let mut r = build_into(&session, out.path(), |r| r.write = false);
        r.jobs
            .drain(..)
            .map(|j| j.job.output.to_string_lossy().into_owned())
            .collect()
    };
    assert_eq!(all.len(), 24);
    for n in [1, 3, 5] {
        let mut seen = BTreeSet::new();
        for k in 1..=n {
            let out = tempfile::tempdir().unwrap();
            let report = build_into(&session, out.path(), |r| r.shard = Some((k, n)));
            assert_success(&report);
            for j in &report.jobs {
                let o = j.job.output.to_string_lossy().into_owned();
                assert!(out.path().join(&o).is_file());
                assert!(seen.insert(o.clone()), "{o} built by two shards of {n}");
            }
        }
        assert_eq!(seen, all, "shards of {n} cover everything");
    }
}

#[test]
fn a_failing_record_is_isolated() {
    let dir = fixture_project("cards");
    let out = dir.path().join("out");
    // A previous good build of every card.
    std::fs::copy(
        dir.path().join("photos/a.png"),
        dir.path().join("photos/b.png"),
    )
    .unwrap();
    let session = open(dir.path());
    assert_success(&build_into(&session, &out, |_| {}));
    let before = std::fs::read(out.join("cards/b.pdf")).unwrap();

    // Now b's photo is missing: b fails, a and c are still written.
    std::fs::remove_file(dir.path().join("photos/b.png")).unwrap();
    std::fs::remove_file(out.join("cards/a.pdf")).unwrap();
    let session = open(dir.path());
    let report = build_into(&session, &out, |_| {});
    assert!(!report.success());
    let status = |id: &str| {
        report
            .jobs
            .iter()
            .find(|j| j.job.record.as_ref().unwrap().key == id)
            .unwrap()
            .status
            .clone()
    };
    assert!(matches!(status("a"), JobStatus::Built { .. }));
    // c did not change since the good build: it is skipped, still there.
    assert!(matches!(status("c"), JobStatus::Skipped));
    assert!(out.join("cards/c.pdf").is_file());
    assert_eq!(status("b"), JobStatus::Failed);
    assert!(out.join("cards/a.pdf").is_file(), "a was written");
    // The error names the record and the template's place.
    let d = report.diagnostics.iter().find(|d| d.is_error()).unwrap();
    assert!(
        d.context.as_deref().unwrap().contains("record `b`"),
        "{d:?}"
    );
    let p = d.position.as_ref().unwrap();
    assert_eq!(p.path, std::path::Path::new("layouts/card/card.typ"));
    assert_eq!(p.line, 10, "{d}");
    assert!(d.message.contains("not found"), "{d}");
    // b's previous PDF is untouched, and nothing half-written is left.
    assert_eq!(std::fs::read(out.join("cards/b.pdf")).unwrap(), before);
    let leftovers: Vec<_> = std::fs::read_dir(out.join("cards"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // Through the command line: the exit status is 1.
    let output = run_in(dir.path(), &["build"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("layouts/card/card.typ:10"), "{stderr}");
    assert!(stderr.contains("record `b`"), "{stderr}");
}

#[test]
fn a_records_layout_sees_only_its_view_even_in_sys_inputs() {
    // The batch shares `sys.inputs` (so Typst can reuse work across
    // records); it must still hold no record's own answers, and a project
    // file cannot stand in for the data pamphlet serves.
    let dir = tempfile::tempdir().unwrap();
    copy_project(dir.path());
    edit(
        &dir.path().join("layouts/crosstalk/handout.typ"),
        "// Last, so that no style above",
        "#pagebreak()\nSHARED #repr(sys.inputs.content.questions) \
         VIEW #content.questions.map(q => q.answers.len()).sum() \
         INDEX #publication.index KEY #publication.record\n\n\
         // Last, so that no style above",
    );
    std::fs::create_dir_all(dir.path().join(".pamphlet")).unwrap();
    std::fs::write(dir.path().join(".pamphlet/data.cbor"), b"not cbor").unwrap();
    let session = open(dir.path());
    let out = dir.path().join("out");
    let report = build_into(&session, &out, |r| {
        r.publications = vec!["handout".into()];
        r.records = vec!["itoen".into()];
    });
    assert_success(&report);
    let pages = pdf_pages(&out.join("handouts/itoen.pdf"));
    let last = compact(pages.last().unwrap());
    // itoen is the third member; each of the five questions keeps one answer.
    assert!(last.contains("SHAREDnoneVIEW5INDEX2KEYitoen"), "{last}");
}
