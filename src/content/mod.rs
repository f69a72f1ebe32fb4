//! Content: YAML files that editors write, loaded with positions, checked
//! against the layout's schema, and turned into typed values for templates.
//!
//! Content is data and only data. Strings reach the template as Typst
//! strings (or, for `text` fields, as inline-markup nodes); nothing from a
//! content file is ever evaluated as Typst markup or code.

pub mod inline;
pub mod schema;
pub mod scope;
pub mod validate;
pub mod yaml;

use std::path::Path;

use typst::foundations::{Array, Dict, IntoValue, Str, Value};

pub use self::inline::{Inline, Rich};
pub use self::schema::Schema;
pub use self::validate::{Data, FileRef, Leaf};
pub use self::yaml::{Limits, YamlFile};
use crate::diag::{Diagnostic, Position};

/// Content that passed validation.
#[derive(Debug, Clone)]
pub struct Content {
    /// The parsed file (path, text, tree).
    pub file: YamlFile,
    /// The typed data.
    pub data: Data,
    /// Every string in it, with its field path and position.
    pub leaves: Vec<Leaf>,
    /// Every file it names (`file` fields).
    pub files: Vec<FileRef>,
}

impl Content {
    /// Parses `bytes` (the file shown as `path`) and validates it against
    /// `schema`. Returns the content or every problem found.
    pub fn load(
        path: &Path,
        bytes: &[u8],
        schema: &Schema,
        limits: &Limits,
    ) -> Result<Content, Vec<Diagnostic>> {
        let file = yaml::parse(path, bytes, limits).map_err(|d| vec![*d])?;
        let v = validate::validate(&file, schema)?;
        Ok(Content {
            file,
            data: v.data,
            leaves: v.leaves,
            files: v.files,
        })
    }

    /// The position of a leaf in the content file.
    pub fn position(&self, leaf: &Leaf) -> Position {
        self.file.position(leaf.range.clone())
    }

    /// The list at a dotted path (`members`), for publications that repeat
    /// over records.
    pub fn records(&self, path: &str) -> Option<&[Data]> {
        let path: Vec<String> = path.split('.').map(String::from).collect();
        match self.data.at_path(&path)? {
            Data::List(items) => Some(items),
            _ => None,
        }
    }

    /// The leaf whose plain text contains `needle` (used to name the field
    /// that overflowed a page).
    pub fn leaf_containing(&self, needle: &str) -> Option<&Leaf> {
        let needle: String = needle.chars().filter(|c| !c.is_whitespace()).collect();
        if needle.is_empty() {
            return None;
        }
        self.leaves.iter().find(|l| {
            let plain: String = l.plain.chars().filter(|c| !c.is_whitespace()).collect();
            plain.contains(&needle)
        })
    }
}

/// Converts validated data to a Typst value: objects become dictionaries,
/// lists arrays, strings strings, `text` values dictionaries of inline nodes
/// (see [`rich_to_value`]), left-out optional fields `none`.
pub fn to_value(data: &Data) -> Value {
    match data {
        Data::None => Value::None,
        Data::Bool(b) => Value::Bool(*b),
        Data::Int(i) => Value::Int(*i),
        Data::Float(f) => Value::Float(*f),
        Data::Str(s) => Value::Str(s.as_str().into()),
        Data::Rich(r) => rich_to_value(r),
        Data::List(items) => Value::Array(items.iter().map(to_value).collect::<Array>()),
        Data::Object(fields) => Value::Dict(
            fields
                .iter()
                .map(|(k, v)| (Str::from(k.as_str()), to_value(v)))
                .collect::<Dict>(),
        ),
    }
}

/// A `text` value for templates: `(kind: "rich", plain: str, paragraphs:
/// array of arrays of nodes)`, where a node is one of `(kind: "text", text:
/// str)`, `(kind: "strong", children: array)`, `(kind: "ruby", base: str,
/// ruby: str)`, `(kind: "br")`.
pub fn rich_to_value(rich: &Rich) -> Value {
    let paragraphs: Array = rich
        .paragraphs
        .iter()
        .map(|p| Value::Array(nodes_to_array(p)))
        .collect();
    let mut dict = Dict::new();
    dict.insert("kind".into(), "rich".into_value());
    dict.insert("plain".into(), rich.plain().into_value());
    dict.insert("paragraphs".into(), Value::Array(paragraphs));
    Value::Dict(dict)
}

fn nodes_to_array(nodes: &[Inline]) -> Array {
    nodes
        .iter()
        .map(|n| {
            let mut d = Dict::new();
            match n {
                Inline::Text(t) => {
                    d.insert("kind".into(), "text".into_value());
                    d.insert("text".into(), t.as_str().into_value());
                }
                Inline::Strong(children) => {
                    d.insert("kind".into(), "strong".into_value());
                    d.insert("children".into(), Value::Array(nodes_to_array(children)));
                }
                Inline::Ruby { base, ruby } => {
                    d.insert("kind".into(), "ruby".into_value());
                    d.insert("base".into(), base.as_str().into_value());
                    d.insert("ruby".into(), ruby.as_str().into_value());
                }
                Inline::Break => {
                    d.insert("kind".into(), "br".into_value());
                }
            }
            Value::Dict(d)
        })
        .collect()
}
