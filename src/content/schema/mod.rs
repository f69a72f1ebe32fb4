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

pub mod json;
mod read;

use super::yaml::YamlFile;
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
    /// An image inside the project: a path like `file`, whose bytes (not
    /// its extension) must be one of the allowed formats, checked for
    /// resolution and cropping against the frame the layout fills.
    Image(ImageRule),
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
        /// A `ref` field of the items whose values must cover every item
        /// of the list it refers to (`covers: member`: every member answers).
        covers: Option<String>,
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

/// What an `image` field accepts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ImageRule {
    /// Allowed formats (`jpeg`, `png`, `svg`); all of them when empty.
    pub formats: Vec<String>,
    /// The frame the layout fills with the image (width, height in
    /// points), for resolution and cropping; unknown when `None`.
    pub frame: Option<(f64, f64)>,
    /// Frames of other sizes, each in a layout beside the schema that shows
    /// the image at another size than `frame` (`frames:`): the image is
    /// made for that frame when that layout is typeset, and its resolution
    /// is checked where it needs the most pixels.
    pub frames: Vec<LayoutFrame>,
}

impl ImageRule {
    /// The frame the image fills in the layout named `layout` (its file
    /// name without `.typ`, beside the schema): its own in `frames`, else
    /// `frame`.
    pub fn frame_in(&self, layout: &str) -> Option<(f64, f64)> {
        self.frames
            .iter()
            .find(|f| f.layout == layout)
            .map(|f| f.size)
            .or(self.frame)
    }
}

/// A frame of its own for an image in one layout (see [`ImageRule::frames`]).
#[derive(Debug, Clone, PartialEq)]
pub struct LayoutFrame {
    /// The layout's file name without `.typ`, beside the schema.
    pub layout: String,
    /// Width and height in points.
    pub size: (f64, f64),
    /// Where the schema names the layout.
    pub at: crate::diag::Position,
}

/// The image formats an `image` field may allow.
pub const IMAGE_FORMATS: &[&str] = &["jpeg", "png", "svg"];

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
        let mut reader = read::Reader {
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

    /// Every `image` field's rule, in the order of the schema.
    pub fn image_rules(&self) -> Vec<&ImageRule> {
        fn visit<'a>(spec: &'a Spec, out: &mut Vec<&'a ImageRule>) {
            match &spec.kind {
                Kind::Image(rule) => out.push(rule),
                Kind::Object { fields } => fields.iter().for_each(|(_, s)| visit(s, out)),
                Kind::List { items, .. } => visit(items, out),
                _ => {}
            }
        }
        let mut out = Vec::new();
        visit(&self.root, &mut out);
        out
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
