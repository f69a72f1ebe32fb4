//! The content loader and validator: any bytes, against the real schemas.
//! Must never panic; every diagnostic must point inside the file.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pamphlet::content::{Content, Schema, yaml};

fn schemas() -> &'static [Schema] {
    static SCHEMAS: OnceLock<Vec<Schema>> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        [
            include_str!("../../layouts/crosstalk/schema.yaml"),
            include_str!("../../tests/fixtures/projects/mini/layouts/sheet/schema.yaml"),
        ]
        .iter()
        .map(|src| {
            let file = yaml::parse(Path::new("schema.yaml"), src.as_bytes(), &pamphlet::content::Limits::default()).unwrap();
            Schema::from_yaml(&file).unwrap()
        })
        .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let limits = pamphlet::content::Limits::default();
    // The schema reader too: fuzz input as a schema.
    if let Ok(file) = yaml::parse(Path::new("s.yaml"), data, &limits) {
        let _ = Schema::from_yaml(&file);
    }
    for schema in schemas() {
        match Content::load(Path::new("c.yaml"), data, schema, &limits) {
            Ok(content) => {
                for leaf in &content.leaves {
                    assert!(leaf.range.end <= content.file.text.len());
                }
                let _ = pamphlet::prepare::values::to_value(&content.data);
            }
            Err(diags) => {
                assert!(!diags.is_empty());
                for d in diags {
                    if let Some(p) = d.position {
                        assert!(p.line >= 1 && p.column >= 1);
                    }
                }
            }
        }
    }
});
