//! The schema of a layout: what content it accepts.
//!
//! Each layout folder has a `schema.yaml` that declares the shape of the
//! content, so that new layouts need no Rust. The format is small and is
//! documented in `layouts/README.md`:
//!
//! ```yaml
//! description: What this layout is for.
//! fields:                      # the top-level mapping of the content file
//!   title: {type: text, max_length: 20}
//!   members:
//!     type: list
//!     unique: id               # no two members share an id
//!     items:
//!       type: object
//!       fields:
//!         id: id
//!         name: string
//!   answers:
//!     type: list
//!     items:
//!       type: object
//!       fields:
//!         member: {type: ref, to: members.id}
//!         text: {type: text, paragraphs: true}
//! ```
//!
//! A field is a type name, or a mapping with `type` and the options of that
//! type. Every field is required unless `optional: true`; strings must not
//! be empty unless `allow_empty: true`; unknown fields are errors.

use std::ops::Range;

use super::yaml::{Node, Value, YamlFile};
use crate::diag::Diagnostic;

/// A field's type and its constraints.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    /// The type.
    pub kind: Kind,
    /// May the field be left out?
    pub optional: bool,
    /// A sentence about the field, for people.
    pub description: Option<String>,
}

/// The types a schema can declare.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// Plain text, printed exactly as written.
    String(StringRules),
    /// Text with inline markup (emphasis, ruby, line breaks).
    Text {
        /// Length and emptiness rules, on the text without markup.
        rules: StringRules,
        /// Whether a newline starts a new paragraph (else it breaks a line).
        paragraphs: bool,
    },
    /// A file inside the project (an image, say): a relative path that stays
    /// in the project folder and names an existing file.
    File {
        /// Allowed extensions (lowercase, without the dot); any when empty.
        extensions: Vec<String>,
    },
    /// An identifier: lowercase ASCII letters, digits, `-` and `_`, starting
    /// with a letter or digit. Safe in file names.
    Id,
    /// A reference to the key field of an item of a list elsewhere.
    Ref {
        /// Path of the list, from the top, dot-separated (`members`).
        list: Vec<String>,
        /// The key field in its items (`id`).
        key: String,
    },
    /// A whole number.
    Integer {
        /// Smallest allowed value.
        min: Option<i64>,
        /// Largest allowed value.
        max: Option<i64>,
    },
    /// A number.
    Number {
        /// Smallest allowed value.
        min: Option<f64>,
        /// Largest allowed value.
        max: Option<f64>,
    },
    /// `true` or `false`.
    Boolean,
    /// A list of items of one type.
    List {
        /// The items' type.
        items: Box<Spec>,
        /// Fewest items.
        min_items: Option<usize>,
        /// Most items.
        max_items: Option<usize>,
        /// Items must differ in this field (objects) or in value (scalars).
        unique: Option<Unique>,
    },
    /// A mapping with known fields.
    Object {
        /// The fields, in declaration order.
        fields: Vec<(String, Spec)>,
    },
}

/// Rules for string-like values.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StringRules {
    /// Most characters (without markup and line breaks).
    pub max_length: Option<usize>,
    /// Fewest characters.
    pub min_length: Option<usize>,
    /// Whether the empty string is allowed.
    pub allow_empty: bool,
    /// The only values allowed, when given.
    pub values: Option<Vec<String>>,
}

/// What must be unique across a list's items.
#[derive(Debug, Clone, PartialEq)]
pub enum Unique {
    /// The items themselves (lists of scalars).
    Items,
    /// This field of each item (lists of objects).
    Field(String),
}

/// A layout's schema: the fields of the content's top-level mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    /// What the layout is for.
    pub description: Option<String>,
    /// The top-level object.
    pub root: Spec,
}

impl Schema {
    /// The fields of the top-level mapping.
    pub fn fields(&self) -> &[(String, Spec)] {
        match &self.root.kind {
            Kind::Object { fields } => fields,
            _ => &[],
        }
    }

    /// Reads a schema from a parsed `schema.yaml`, reporting every problem in
    /// it with its position.
    pub fn from_yaml(file: &YamlFile) -> Result<Schema, Vec<Diagnostic>> {
        let mut reader = Reader {
            file,
            diags: Vec::new(),
            refs: Vec::new(),
        };
        let schema = reader.schema(&file.root);
        if reader.diags.is_empty() {
            // References must name lists that exist: checked at each `to`.
            for (list, key, range) in std::mem::take(&mut reader.refs) {
                if let Err(msg) = check_ref_target(&schema.root, &list, &key) {
                    reader
                        .diags
                        .push(Diagnostic::error(Some(file.position(range)), msg));
                }
            }
        }
        if reader.diags.is_empty() {
            Ok(schema)
        } else {
            Err(reader.diags)
        }
    }

    /// The spec at a dotted path of object fields from the top.
    pub fn spec_at(&self, path: &[String]) -> Option<&Spec> {
        let mut spec = &self.root;
        for seg in path {
            match &spec.kind {
                Kind::Object { fields } => {
                    spec = &fields.iter().find(|(n, _)| n == seg)?.1;
                }
                _ => return None,
            }
        }
        Some(spec)
    }
}

fn check_ref_target(root: &Spec, list: &[String], key: &str) -> Result<(), String> {
    let mut spec = root;
    for seg in list {
        match &spec.kind {
            Kind::Object { fields } => match fields.iter().find(|(n, _)| n == seg) {
                Some((_, s)) => spec = s,
                None => {
                    return Err(format!(
                        "`ref` names `{}`, which is not a field",
                        list.join(".")
                    ));
                }
            },
            _ => {
                return Err(format!(
                    "`ref` path `{}` goes through a non-object",
                    list.join(".")
                ));
            }
        }
    }
    match &spec.kind {
        Kind::List { items, .. } => match &items.kind {
            Kind::Object { fields } if fields.iter().any(|(n, _)| n == key) => Ok(()),
            _ => Err(format!(
                "the items of `{}` have no field `{key}`",
                list.join(".")
            )),
        },
        _ => Err(format!("`ref` target `{}` is not a list", list.join("."))),
    }
}

struct Reader<'a> {
    file: &'a YamlFile,
    diags: Vec<Diagnostic>,
    /// Every `ref` read: its list, key field, and where `to` names them.
    refs: Vec<(Vec<String>, String, Range<usize>)>,
}

const TYPES: &[&str] = &[
    "string", "text", "id", "ref", "file", "integer", "number", "boolean", "list", "object",
];

impl Reader<'_> {
    fn err(&mut self, range: Range<usize>, message: impl Into<String>) {
        self.diags
            .push(Diagnostic::error(Some(self.file.position(range)), message));
    }

    fn err_hint(
        &mut self,
        range: Range<usize>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.diags
            .push(Diagnostic::error(Some(self.file.position(range)), message).with_hint(hint));
    }

    fn schema(&mut self, node: &Node) -> Schema {
        let mut description = None;
        let mut fields = Vec::new();
        let Value::Map(entries) = &node.value else {
            self.err(node.range.clone(), "a schema is a mapping with `fields:`");
            return Schema {
                description,
                root: object(fields),
            };
        };
        let mut seen_fields = false;
        for (k, v) in entries {
            match k.name.as_str() {
                "description" => description = self.string(v),
                "fields" => {
                    seen_fields = true;
                    fields = self.fields(v);
                }
                other => self.unknown_key(k.range.clone(), other, &["description", "fields"]),
            }
        }
        if !seen_fields {
            self.err(
                node.range.start..node.range.start,
                "the schema has no `fields:`",
            );
        }
        Schema {
            description,
            root: object(fields),
        }
    }

    fn unknown_key(&mut self, range: Range<usize>, name: &str, known: &[&str]) {
        let message = format!("unknown key `{name}` in schema");
        match did_you_mean(name, known.iter().copied()) {
            Some(s) => self.err_hint(range, message, format!("did you mean `{s}`?")),
            None => self.err_hint(range, message, format!("known keys: {}", known.join(", "))),
        }
    }

    fn string(&mut self, node: &Node) -> Option<String> {
        match &node.value {
            Value::Str(s) => Some(s.clone()),
            other => {
                self.err(
                    node.range.clone(),
                    format!("expected a string, found {}", other.kind()),
                );
                None
            }
        }
    }

    fn usize(&mut self, node: &Node) -> Option<usize> {
        match &node.value {
            Value::Int(i) if *i >= 0 => Some(*i as usize),
            other => {
                self.err(
                    node.range.clone(),
                    format!("expected a count (0 or more), found {}", other.kind()),
                );
                None
            }
        }
    }

    fn boolean(&mut self, node: &Node) -> bool {
        match &node.value {
            Value::Bool(b) => *b,
            other => {
                self.err(
                    node.range.clone(),
                    format!("expected true or false, found {}", other.kind()),
                );
                false
            }
        }
    }

    fn fields(&mut self, node: &Node) -> Vec<(String, Spec)> {
        let Value::Map(entries) = &node.value else {
            self.err(
                node.range.clone(),
                "`fields` is a mapping of field names to types",
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, v) in entries {
            if !is_field_name(&k.name) {
                self.err_hint(
                    k.range.clone(),
                    format!("`{}` is not a usable field name", k.name),
                    "use lowercase ASCII letters, digits and `_`, starting with a letter",
                );
            }
            out.push((k.name.clone(), self.spec(v)));
        }
        out
    }

    fn spec(&mut self, node: &Node) -> Spec {
        let mut spec = Spec {
            kind: Kind::Boolean,
            optional: false,
            description: None,
        };
        let (type_node, entries): (&Node, &[(super::yaml::Key, Node)]) = match &node.value {
            Value::Str(_) => (node, &[]),
            Value::Map(entries) => match node.get("type") {
                Some(t) => (t, entries.as_slice()),
                None => {
                    self.err_hint(
                        node.range.clone(),
                        "this field has no `type`",
                        format!("one of: {}", TYPES.join(", ")),
                    );
                    return spec;
                }
            },
            other => {
                self.err(
                    node.range.clone(),
                    format!(
                        "expected a type name or a mapping with `type`, found {}",
                        other.kind()
                    ),
                );
                return spec;
            }
        };
        let Some(type_name) = self.string(type_node) else {
            return spec;
        };
        let known: &[&str] = match type_name.as_str() {
            "string" => &["values", "max_length", "min_length", "allow_empty"],
            "text" => &["max_length", "min_length", "allow_empty", "paragraphs"],
            "id" => &[],
            "file" => &["extensions"],
            "ref" => &["to"],
            "integer" | "number" => &["min", "max"],
            "boolean" => &[],
            "list" => &["items", "min_items", "max_items", "unique"],
            "object" => &["fields"],
            other => {
                let hint = match did_you_mean(other, TYPES.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("one of: {}", TYPES.join(", ")),
                };
                self.err_hint(
                    type_node.range.clone(),
                    format!("unknown type `{other}`"),
                    hint,
                );
                return spec;
            }
        };
        let mut rules = StringRules::default();
        let (mut paragraphs, mut min, mut max, mut fmin, mut fmax) =
            (false, None, None, None, None);
        let (mut items, mut min_items, mut max_items, mut unique) = (None, None, None, None);
        let (mut fields, mut to) = (None, None);
        let mut extensions = Vec::new();
        for (k, v) in entries {
            match k.name.as_str() {
                "type" => {}
                "optional" => spec.optional = self.boolean(v),
                "description" => spec.description = self.string(v),
                name if known.contains(&name) => match name {
                    "extensions" => match &v.value {
                        Value::Seq(list) => {
                            extensions = list
                                .iter()
                                .filter_map(|i| self.string(i))
                                .map(|e| e.trim_start_matches('.').to_lowercase())
                                .collect()
                        }
                        _ => self.err(v.range.clone(), "`extensions` is a list like [png, jpg]"),
                    },
                    "values" => match &v.value {
                        Value::Seq(list) => {
                            rules.values =
                                Some(list.iter().filter_map(|i| self.string(i)).collect())
                        }
                        _ => self.err(v.range.clone(), "`values` is a list of the allowed strings"),
                    },
                    "max_length" => rules.max_length = self.usize(v),
                    "min_length" => rules.min_length = self.usize(v),
                    "allow_empty" => rules.allow_empty = self.boolean(v),
                    "paragraphs" => paragraphs = self.boolean(v),
                    "to" => to = self.string(v).map(|s| (s, v.range.clone())),
                    "min" | "max" => {
                        let (i, f) = match &v.value {
                            Value::Int(i) => (Some(*i), Some(*i as f64)),
                            Value::Float(f) if type_name == "number" => (None, Some(*f)),
                            other => {
                                self.err(
                                    v.range.clone(),
                                    format!("expected a number, found {}", other.kind()),
                                );
                                (None, None)
                            }
                        };
                        if name == "min" {
                            (min, fmin) = (i, f);
                        } else {
                            (max, fmax) = (i, f);
                        }
                    }
                    "items" => items = Some(self.spec(v)),
                    "min_items" => min_items = self.usize(v),
                    "max_items" => max_items = self.usize(v),
                    "unique" => {
                        unique = match &v.value {
                            Value::Bool(true) => Some(Unique::Items),
                            Value::Bool(false) => None,
                            Value::Str(s) => Some(Unique::Field(s.clone())),
                            _ => {
                                self.err(
                                    v.range.clone(),
                                    "`unique` is `true` or the name of a field",
                                );
                                None
                            }
                        }
                    }
                    "fields" => fields = Some(self.fields(v)),
                    _ => unreachable!("all known keys are handled"),
                },
                other => {
                    let mut all = vec!["type", "optional", "description"];
                    all.extend_from_slice(known);
                    let message = format!("`{other}` is not an option of type `{type_name}`");
                    let hint = match did_you_mean(other, all.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("options of `{type_name}`: {}", all.join(", ")),
                    };
                    self.err_hint(k.range.clone(), message, hint);
                }
            }
        }
        spec.kind = match type_name.as_str() {
            "string" => Kind::String(rules),
            "text" => Kind::Text { rules, paragraphs },
            "id" => Kind::Id,
            "file" => Kind::File { extensions },
            "ref" => match to {
                Some((to, range)) => match to.rsplit_once('.') {
                    Some((list, key)) if !list.is_empty() && !key.is_empty() => {
                        let list: Vec<String> = list.split('.').map(String::from).collect();
                        self.refs.push((list.clone(), key.to_string(), range));
                        Kind::Ref {
                            list,
                            key: key.to_string(),
                        }
                    }
                    _ => {
                        self.err_hint(
                            range,
                            "`to` names a list and its key field",
                            "for example `to: members.id`",
                        );
                        Kind::Id
                    }
                },
                None => {
                    self.err_hint(
                        node.range.clone(),
                        "a `ref` needs `to`",
                        "for example `to: members.id`",
                    );
                    Kind::Id
                }
            },
            "integer" => Kind::Integer { min, max },
            "number" => Kind::Number {
                min: fmin,
                max: fmax,
            },
            "boolean" => Kind::Boolean,
            "list" => match items {
                Some(items) => {
                    if let Some(Unique::Field(f)) = &unique {
                        let has = matches!(&items.kind, Kind::Object { fields } if fields.iter().any(|(n, _)| n == f));
                        if !has {
                            self.err(
                                node.range.clone(),
                                format!("`unique: {f}` but the items have no field `{f}`"),
                            );
                        }
                    }
                    Kind::List {
                        items: Box::new(items),
                        min_items,
                        max_items,
                        unique,
                    }
                }
                None => {
                    self.err(node.range.clone(), "a `list` needs `items`");
                    Kind::Boolean
                }
            },
            "object" => match fields {
                Some(fields) => Kind::Object { fields },
                None => {
                    self.err(node.range.clone(), "an `object` needs `fields`");
                    Kind::Object { fields: Vec::new() }
                }
            },
            _ => unreachable!("checked above"),
        };
        spec
    }
}

fn object(fields: Vec<(String, Spec)>) -> Spec {
    Spec {
        kind: Kind::Object { fields },
        optional: false,
        description: None,
    }
}

/// Whether `name` is a usable field name: `[a-z][a-z0-9_]*`.
pub fn is_field_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('a'..='z'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
}

/// Whether `id` is a valid identifier: `[a-z0-9][a-z0-9_-]*`, at most 64
/// characters.
pub fn is_id(id: &str) -> bool {
    let mut chars = id.chars();
    id.len() <= 64
        && matches!(chars.next(), Some('a'..='z' | '0'..='9'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_' | '-'))
}

/// The closest of `candidates` to `name`, if close enough to be a typo.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = strsim::damerau_levenshtein(name, c);
        let limit = (c.chars().count().max(name.chars().count()) / 3).max(1);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::yaml::{Limits, parse};
    use std::path::Path;

    fn schema(src: &str) -> Result<Schema, Vec<Diagnostic>> {
        Schema::from_yaml(
            &parse(Path::new("schema.yaml"), src.as_bytes(), &Limits::default()).unwrap(),
        )
    }

    #[test]
    fn reads_a_schema() {
        let s = schema(
            "fields:\n  title: {type: text, max_length: 10}\n  members:\n    type: list\n    unique: id\n    items:\n      type: object\n      fields:\n        id: id\n  answer: {type: ref, to: members.id}\n",
        )
        .unwrap();
        assert_eq!(s.fields().len(), 3);
        assert!(matches!(s.fields()[2].1.kind, Kind::Ref { .. }));
    }

    #[test]
    fn reports_problems_with_positions() {
        let e = schema("fields:\n  a: strng\n  b: {type: string, max_lenght: 3}\n  c: {type: ref, to: nope.id}\n")
            .unwrap_err();
        let msgs: Vec<String> = e
            .iter()
            .map(|d| {
                format!(
                    "{}: {} {:?}",
                    d.position.as_ref().unwrap(),
                    d.message,
                    d.hints
                )
            })
            .collect();
        assert_eq!(
            msgs[0],
            "schema.yaml:2:6: unknown type `strng` [\"did you mean `string`?\"]"
        );
        assert_eq!(
            msgs[1],
            "schema.yaml:3:21: `max_lenght` is not an option of type `string` [\"did you mean `max_length`?\"]"
        );
        assert_eq!(msgs.len(), 2, "{msgs:?}");
    }

    #[test]
    fn a_reference_to_a_missing_list_points_at_its_to() {
        let e = schema("fields:\n  members: {type: list, items: {type: object, fields: {id: id}}}\n  a: {type: ref, to: membrs.id}\n")
            .unwrap_err();
        let p = e[0].position.as_ref().unwrap();
        assert_eq!((p.line, p.column), (3, 22), "{}", e[0].message);
        assert_eq!(e[0].message, "`ref` names `membrs`, which is not a field");
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            did_you_mean("dispached_to", ["bureau", "dispatched_to"]),
            Some("dispatched_to")
        );
        assert_eq!(did_you_mean("zzz", ["bureau"]), None);
        assert!(is_id("ntt-east") && !is_id("Ntt") && !is_id("../x") && !is_id(""));
    }
}
