//! The editor's loop: the content schema as a JSON Schema that an editor's
//! YAML language server checks while typing, agreeing with our own
//! validation (`pamphlet schema`, `init`). The live preview is in
//! `cli_preview.rs`.

use std::path::Path;

use pamphlet::content::schema::json::to_json_schema;

use crate::common::*;

/// The JSON Schema of `publication` in the project at `dir`.
fn json_schema(dir: &Path, publication: &str) -> serde_json::Value {
    let schema = open(dir)
        .schema(publication)
        .unwrap_or_else(|e| panic!("{e}"));
    to_json_schema(&schema, publication)
}

/// A YAML file as JSON, as the YAML language server sees it.
fn yaml_as_json(path: &Path) -> serde_json::Value {
    serde_saphyr::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_json_schemas_accept_the_content_and_are_up_to_date() {
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    for (publication, content) in [
        ("crosstalk", "content/crosstalk.yaml"),
        ("handout", "content/crosstalk.yaml"),
        ("flyer", "content/flyer.yaml"),
    ] {
        let schema = json_schema(&repo(), publication);
        // A valid JSON Schema (the validator checks it against the
        // meta-schema), and the content passes it.
        let validator = jsonschema::validator_for(&schema)
            .unwrap_or_else(|e| panic!("{publication}: not a valid JSON Schema: {e}"));
        let instance = yaml_as_json(&repo().join(content));
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{publication}: {errors:#?}");
        if publication == "handout" {
            continue;
        }
        // The committed file, which .vscode/settings.json points the editor
        // at, is what `pamphlet schema` writes now.
        let committed = repo().join(format!("schemas/{publication}.schema.json"));
        let fresh = serde_json::to_string_pretty(&schema).unwrap() + "\n";
        if update {
            std::fs::write(&committed, &fresh).unwrap();
        }
        assert_eq!(
            std::fs::read_to_string(&committed).unwrap_or_default(),
            fresh,
            "{} is out of date: run `pamphlet schema {publication} -o {}` (or UPDATE_SNAPSHOTS=1 cargo test)",
            committed.display(),
            committed.display()
        );
    }
    // The CLI writes the same.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c.json");
    let run = run_in(
        &repo(),
        &["schema", "crosstalk", "-o", out.to_str().unwrap()],
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(out).unwrap(),
        std::fs::read_to_string(repo().join("schemas/crosstalk.schema.json")).unwrap()
    );
}

#[test]
fn every_shape_error_of_the_invalid_corpus_is_rejected_by_the_json_schema() {
    // The corpus cases whose problem is the content's shape: a type, a
    // missing or unknown field, a length of a `string`, a value not
    // allowed, an id's form, a number's range, an item count, a repeated
    // scalar item. (References, unique ids, `covers`, markup, glyphs and
    // a `text` field's length without markup are ours alone.)
    let shape = [
        "06-unknown-field-typo",
        "07-missing-field",
        "08-string-expected",
        "09-list-expected",
        "10-empty-string",
        "12-value-not-allowed",
        "15-invalid-id",
        "21-integer-out-of-range",
        "22-number-not-integer",
        "23-too-few-items",
        "24-too-many-items",
        "25-null-required",
        "26-duplicate-list-item",
        "27-mapping-expected",
        "28-not-a-mapping",
        "41-string-too-long",
    ];
    let mini = fixture_project("mini");
    let schema = json_schema(mini.path(), "sheet");
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(
        validator.is_valid(&yaml_as_json(&mini.path().join("content/staff.yaml"))),
        "the valid mini content passes"
    );
    let corpus = repo().join("tests/fixtures/invalid");
    for case in shape {
        let content = corpus.join(case).join("content/staff.yaml");
        assert!(content.is_file(), "{case}");
        assert!(
            !validator.is_valid(&yaml_as_json(&content)),
            "{case}: our validation rejects it, the JSON Schema accepts it"
        );
    }
    // And no case our validation accepts is rejected by the JSON Schema:
    // the content that builds (the repository's, the corpus's non-shape
    // cases made valid are covered above) passes.
}
