//! Reading a `schema.yaml` into a [`Schema`], every problem a diagnostic
//! at its line and column.

use std::ops::Range;

use super::{
    IMAGE_FORMATS, ImageRule, Kind, LayoutFrame, Schema, Spec, StringRules, Unique, did_you_mean,
    is_field_name, object,
};
use crate::content::yaml::{Node, Value, YamlFile};
use crate::diag::Diagnostic;

pub(super) struct Reader<'a> {
    pub(super) file: &'a YamlFile,
    pub(super) diags: Vec<Diagnostic>,
    /// Every `ref` read: its list, key field, and where `to` names them.
    pub(super) refs: Vec<(Vec<String>, String, Range<usize>)>,
}

const TYPES: &[&str] = &[
    "string", "text", "id", "ref", "file", "image", "integer", "number", "boolean", "list",
    "object",
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

    pub(super) fn schema(&mut self, node: &Node) -> Schema {
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
        let (type_node, entries): (&Node, &[(crate::content::yaml::Key, Node)]) = match &node.value
        {
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
            "image" => &["formats", "frame", "frames"],
            "ref" => &["to"],
            "integer" | "number" => &["min", "max"],
            "boolean" => &[],
            "list" => &["items", "min_items", "max_items", "unique", "covers"],
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
        let mut options = Options::default();
        for (k, v) in entries {
            match k.name.as_str() {
                "type" => {}
                "optional" => spec.optional = self.boolean(v),
                "description" => spec.description = self.string(v),
                name if known.contains(&name) => self.option(&mut options, name, v, &type_name),
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
        spec.kind = self.kind(&type_name, options, node);
        spec
    }

    /// Reads option `name` (known for the type) into `o`.
    fn option(&mut self, o: &mut Options, name: &str, v: &Node, type_name: &str) {
        match name {
            "formats" => match &v.value {
                Value::Seq(list) => {
                    for item in list {
                        let Some(f) = self.string(item) else { continue };
                        let f = f.to_lowercase();
                        let f = if f == "jpg" { "jpeg".to_string() } else { f };
                        if IMAGE_FORMATS.contains(&f.as_str()) {
                            o.formats.push(f);
                        } else {
                            self.err_hint(
                                item.range.clone(),
                                format!("`{f}` is not an image format pamphlet takes"),
                                format!("one of: {}", IMAGE_FORMATS.join(", ")),
                            );
                        }
                    }
                }
                _ => self.err(v.range.clone(), "`formats` is a list like [jpeg, png]"),
            },
            "frame" => match &v.value {
                Value::Str(s) => match crate::units::parse_size(s) {
                    Ok(size) => o.frame = Some(size),
                    Err(msg) => self.err_hint(
                        v.range.clone(),
                        msg,
                        "the frame the layout fills, like `30mm x 40mm`",
                    ),
                },
                _ => self.err(v.range.clone(), "`frame` is a size like `30mm x 40mm`"),
            },
            "frames" => match &v.value {
                Value::Map(entries) => {
                    for (k, size) in entries {
                        let layout = k.name.strip_suffix(".typ").unwrap_or(&k.name);
                        if layout.is_empty() || layout.contains(['/', '\\']) {
                            self.err_hint(
                                k.range.clone(),
                                format!("`{}` is not a layout's name", k.name),
                                "the name of a layout file beside this schema, without `.typ`, like `handout`",
                            );
                            continue;
                        }
                        let Value::Str(text) = &size.value else {
                            self.err(size.range.clone(), "a frame is a size like `30mm x 40mm`");
                            continue;
                        };
                        match crate::units::parse_size(text) {
                            Ok(parsed) => o.frames.push(LayoutFrame {
                                layout: layout.to_string(),
                                size: parsed,
                                at: self.file.position(k.range.clone()),
                            }),
                            Err(msg) => self.err_hint(
                                size.range.clone(),
                                msg,
                                "the frame that layout fills, like `30mm x 40mm`",
                            ),
                        }
                    }
                }
                _ => self.err_hint(
                    v.range.clone(),
                    "`frames` is a mapping of layouts to sizes",
                    "like `frames: {handout: 50mm x 37.5mm}`",
                ),
            },
            "extensions" => match &v.value {
                Value::Seq(list) => {
                    o.extensions = list
                        .iter()
                        .filter_map(|i| self.string(i))
                        .map(|e| e.trim_start_matches('.').to_lowercase())
                        .collect()
                }
                _ => self.err(v.range.clone(), "`extensions` is a list like [png, jpg]"),
            },
            "values" => match &v.value {
                Value::Seq(list) => {
                    o.rules.values = Some(list.iter().filter_map(|i| self.string(i)).collect())
                }
                _ => self.err(v.range.clone(), "`values` is a list of the allowed strings"),
            },
            "max_length" => o.rules.max_length = self.usize(v),
            "min_length" => o.rules.min_length = self.usize(v),
            "allow_empty" => o.rules.allow_empty = self.boolean(v),
            "paragraphs" => o.paragraphs = self.boolean(v),
            "to" => o.to = self.string(v).map(|s| (s, v.range.clone())),
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
                    (o.min, o.fmin) = (i, f);
                } else {
                    (o.max, o.fmax) = (i, f);
                }
            }
            "items" => o.items = Some(self.spec(v)),
            "min_items" => o.min_items = self.usize(v),
            "max_items" => o.max_items = self.usize(v),
            "unique" => {
                o.unique = match &v.value {
                    Value::Bool(true) => Some(Unique::Items),
                    Value::Bool(false) => None,
                    Value::Str(s) => Some(Unique::Field(s.clone())),
                    _ => {
                        self.err(v.range.clone(), "`unique` is `true` or the name of a field");
                        None
                    }
                }
            }
            "covers" => match &v.value {
                Value::Str(s) => o.covers = Some((s.clone(), v.range.clone())),
                _ => self.err_hint(
                    v.range.clone(),
                    "`covers` is the name of a `ref` field of the items",
                    "for example `covers: member`: every member has an item",
                ),
            },
            "fields" => o.fields = Some(self.fields(v)),
            _ => unreachable!("all known keys are handled"),
        }
    }

    /// The type from its name and options; a missing required option is
    /// an error at the field.
    fn kind(&mut self, type_name: &str, o: Options, node: &Node) -> Kind {
        let Options {
            rules,
            paragraphs,
            min,
            max,
            fmin,
            fmax,
            items,
            min_items,
            max_items,
            unique,
            covers,
            fields,
            to,
            extensions,
            formats,
            frame,
            frames,
        } = o;
        match type_name {
            "string" => Kind::String(rules),
            "text" => Kind::Text { rules, paragraphs },
            "id" => Kind::Id,
            "file" => Kind::File { extensions },
            "image" => {
                if let (None, Some(f)) = (frame, frames.first()) {
                    self.diags.push(
                        Diagnostic::error(
                            Some(f.at.clone()),
                            format!("a frame for `{}` but no `frame`", f.layout),
                        )
                        .with_hint("give `frame`, the largest place the image fills; `frames` gives the frame of a layout that shows it at another size"),
                    );
                }
                Kind::Image(ImageRule {
                    formats,
                    frame,
                    frames,
                })
            }
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
                    let covers = covers.and_then(|(f, range)| {
                        let is_ref = matches!(&items.kind, Kind::Object { fields } if fields.iter().any(|(n, s)| n == &f && matches!(s.kind, Kind::Ref { .. })));
                        if is_ref {
                            Some(f)
                        } else {
                            self.err_hint(
                                range,
                                format!("`covers: {f}` but the items have no `ref` field `{f}`"),
                                "`covers` names a field of type `ref`; every item of the list it refers to must have an item here",
                            );
                            None
                        }
                    });
                    Kind::List {
                        items: Box::new(items),
                        min_items,
                        max_items,
                        unique,
                        covers,
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
        }
    }
}

/// The options of a field, as read; which apply depends on its type.
#[derive(Default)]
struct Options {
    rules: StringRules,
    paragraphs: bool,
    min: Option<i64>,
    max: Option<i64>,
    fmin: Option<f64>,
    fmax: Option<f64>,
    items: Option<Spec>,
    min_items: Option<usize>,
    max_items: Option<usize>,
    unique: Option<Unique>,
    covers: Option<(String, Range<usize>)>,
    fields: Option<Vec<(String, Spec)>>,
    to: Option<(String, Range<usize>)>,
    extensions: Vec<String>,
    formats: Vec<String>,
    frame: Option<(f64, f64)>,
    frames: Vec<LayoutFrame>,
}
