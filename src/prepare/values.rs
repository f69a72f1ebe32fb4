//! Validated content as Typst values: objects become dictionaries, lists
//! arrays, strings strings, `text` values dictionaries of inline nodes.
//! The one place where content data meets Typst's types.

use typst::foundations::{Array, Dict, IntoValue, Str, Value};

use crate::content::{Data, Inline, Rich};

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
    let plain = Str::from(rich.plain());
    let paragraphs: Array = match rich.paragraphs.as_slice() {
        // Text without markup (most): the node and `plain` share one
        // string (Typst's strings are reference-counted).
        [p] if matches!(p.as_slice(), [Inline::Text(t)] if t.as_str() == plain.as_str()) => {
            let node = text_node(plain.clone());
            Array::from([Value::Array(Array::from([node].as_slice()))].as_slice())
        }
        _ => rich
            .paragraphs
            .iter()
            .map(|p| Value::Array(nodes_to_array(p)))
            .collect(),
    };
    let mut dict = Dict::new();
    dict.insert("kind".into(), "rich".into_value());
    dict.insert("plain".into(), Value::Str(plain));
    dict.insert("paragraphs".into(), Value::Array(paragraphs));
    Value::Dict(dict)
}

fn nodes_to_array(nodes: &[Inline]) -> Array {
    nodes
        .iter()
        .map(|n| {
            let mut d = Dict::new();
            match n {
                Inline::Text(t) => return text_node(t.as_str().into()),
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

/// `(kind: "text", text: str)`.
fn text_node(text: Str) -> Value {
    let mut d = Dict::new();
    d.insert("kind".into(), "text".into_value());
    d.insert("text".into(), Value::Str(text));
    Value::Dict(d)
}
