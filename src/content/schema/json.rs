//! A layout's schema as a JSON Schema (draft 2020-12), for editors: with
//! the YAML language server (VS Code's YAML extension and others) it
//! completes keys, shows each field's description, and underlines a wrong
//! type, a missing or unknown field, a too-long string while typing.
//!
//! It says what JSON Schema can say of the schema, and no more, so that it
//! never rejects content that `pamphlet check` accepts: types, required
//! and unknown fields, lengths of `string` fields (a `text` field's length
//! is counted without its markup, so it is only described), `values`,
//! id patterns, number ranges, item counts, unique scalar items. What it
//! cannot say (references resolve, unique ids, `covers`, markup, files,
//! glyphs) `pamphlet check` still checks.

use serde_json::{Map, Value, json};

use super::{Kind, Schema, Spec, StringRules, Unique};

/// The JSON Schema of `schema`, titled `title` (the publication).
pub fn to_json_schema(schema: &Schema, title: &str) -> Value {
    let mut root = match spec(&schema.root) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    root.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    root.insert("title".into(), json!(format!("pamphlet content: {title}")));
    if let Some(d) = &schema.description {
        root.insert("description".into(), json!(d));
    }
    Value::Object(root)
}

/// One field's JSON Schema; an optional field may also be `null` (left
/// empty in YAML).
fn field(s: &Spec) -> Value {
    let mut v = spec(s);
    if let (Some(d), Value::Object(m)) = (&s.description, &mut v) {
        m.insert("description".into(), json!(d));
    }
    if s.optional {
        let description = v.get("description").cloned();
        let mut any = json!({"anyOf": [v, {"type": "null"}]});
        if let Some(d) = description {
            any["description"] = d;
        }
        return any;
    }
    v
}

fn string(rules: &StringRules, lengths: bool) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("type".into(), json!("string"));
    if let Some(values) = &rules.values {
        m.insert("enum".into(), json!(values));
        return m;
    }
    let min = rules
        .min_length
        .unwrap_or(0)
        .max(usize::from(!rules.allow_empty));
    if lengths {
        if min > 0 {
            m.insert("minLength".into(), json!(min));
        }
        if let Some(max) = rules.max_length {
            m.insert("maxLength".into(), json!(max));
        }
    } else if !rules.allow_empty {
        // Markup has at least one character too: a non-empty text is a
        // non-empty string.
        m.insert("minLength".into(), json!(1));
    }
    m
}

/// A number type with its bounds.
fn numeric(type_name: &str, min: Option<Value>, max: Option<Value>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("type".into(), json!(type_name));
    if let Some(min) = min {
        m.insert("minimum".into(), min);
    }
    if let Some(max) = max {
        m.insert("maximum".into(), max);
    }
    m
}

fn spec(s: &Spec) -> Value {
    let m: Map<String, Value> = match &s.kind {
        Kind::String(rules) => string(rules, true),
        Kind::Text { rules, .. } => {
            let mut m = string(rules, false);
            if let Some(max) = rules.max_length {
                m.insert(
                    "$comment".into(),
                    json!(format!(
                        "at most {max} characters, markup not counted (pamphlet check counts)"
                    )),
                );
            }
            m
        }
        Kind::File { .. } | Kind::Image(_) => {
            let mut m = Map::new();
            m.insert("type".into(), json!("string"));
            m.insert("minLength".into(), json!(1));
            m
        }
        Kind::Id => {
            let mut m = Map::new();
            m.insert("type".into(), json!("string"));
            m.insert("pattern".into(), json!("^[a-z0-9][a-z0-9_-]*$"));
            m.insert("maxLength".into(), json!(64));
            m
        }
        Kind::Ref { list, key } => {
            let mut m = Map::new();
            m.insert("type".into(), json!("string"));
            m.insert(
                "$comment".into(),
                json!(format!("the {key} of an item of {}", list.join("."))),
            );
            m
        }
        Kind::Integer { min, max } => {
            numeric("integer", min.map(|v| json!(v)), max.map(|v| json!(v)))
        }
        Kind::Number { min, max } => {
            numeric("number", min.map(|v| json!(v)), max.map(|v| json!(v)))
        }
        Kind::Boolean => {
            let mut m = Map::new();
            m.insert("type".into(), json!("boolean"));
            m
        }
        Kind::List {
            items,
            min_items,
            max_items,
            unique,
            ..
        } => {
            let mut m = Map::new();
            m.insert("type".into(), json!("array"));
            m.insert("items".into(), field(items));
            if let Some(n) = min_items {
                m.insert("minItems".into(), json!(n));
            }
            if let Some(n) = max_items {
                m.insert("maxItems".into(), json!(n));
            }
            if matches!(unique, Some(Unique::Items)) {
                m.insert("uniqueItems".into(), json!(true));
            }
            m
        }
        Kind::Object { fields } => {
            let mut m = Map::new();
            m.insert("type".into(), json!("object"));
            let properties: Map<String, Value> =
                fields.iter().map(|(n, s)| (n.clone(), field(s))).collect();
            let required: Vec<&str> = fields
                .iter()
                .filter(|(_, s)| !s.optional)
                .map(|(n, _)| n.as_str())
                .collect();
            m.insert("properties".into(), Value::Object(properties));
            if !required.is_empty() {
                m.insert("required".into(), json!(required));
            }
            m.insert("additionalProperties".into(), json!(false));
            m
        }
    };
    Value::Object(m)
}
