//! Checking content against its layout's schema.
//!
//! Validation walks the YAML tree and the schema together and reports every
//! problem at once, each at the exact line and column of the offending key or
//! value. What passes becomes [`Data`]: typed values in schema order, with
//! `text` fields parsed into inline nodes, ready to hand to a template. Every
//! string also becomes a [`Leaf`] that remembers its field path and file
//! position, for later checks (missing glyphs, overflowing pages).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;

use super::data::{Data, FileRef, Leaf};
use super::inline::{self, Newlines};
use super::schema::{ImageRule, Kind, Schema, Spec, StringRules, Unique, did_you_mean, is_id};
use super::yaml::{Key, Node, Value, YamlFile};
use crate::diag::Diagnostic;

/// Validates `file` against `schema`, returning typed data and the leaves,
/// or every problem found.
pub fn validate(file: &YamlFile, schema: &Schema) -> Result<Validated, Vec<Diagnostic>> {
    let mut v = Validator {
        file,
        diags: Vec::new(),
        leaves: Vec::new(),
        refs: Vec::new(),
        covers: Vec::new(),
        files: Vec::new(),
    };
    let data = v.value(&file.root, &schema.root, "", file.root.range.clone());
    v.check_refs(&data);
    v.check_covers(&data);
    if v.diags.is_empty() {
        // Kept for the whole build: no room to grow.
        v.leaves.shrink_to_fit();
        Ok(Validated {
            data,
            leaves: v.leaves,
            files: v.files,
        })
    } else {
        Err(v.diags)
    }
}

/// What validation produces.
#[derive(Debug, Clone)]
pub struct Validated {
    /// The typed data.
    pub data: Data,
    /// Every string with its path and position.
    pub leaves: Vec<Leaf>,
    /// Every `file` value, to be checked against the project folder.
    pub files: Vec<FileRef>,
}

/// The keys of a referenced list: in list order without repeats (for
/// hints), and as a set (for lookups).
type ListKeys = (Vec<String>, HashSet<String>);

struct PendingRef {
    list: Vec<String>,
    key: String,
    value: String,
    range: Range<usize>,
}

/// A list with `covers`, checked once the whole content is read.
struct PendingCover {
    /// The list (`questions[2].answers`).
    path: String,
    /// Its items' `ref` field (`member`).
    field: String,
    /// The list and key that field refers to (`members`, `id`).
    target: (Vec<String>, String),
    /// The keys its items name.
    present: HashSet<String>,
    range: Range<usize>,
}

struct Validator<'a> {
    file: &'a YamlFile,
    diags: Vec<Diagnostic>,
    leaves: Vec<Leaf>,
    refs: Vec<PendingRef>,
    covers: Vec<PendingCover>,
    files: Vec<FileRef>,
}

fn join(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_string()
    } else {
        format!("{path}.{field}")
    }
}

fn show(path: &str) -> String {
    if path.is_empty() {
        "the content".to_string()
    } else {
        format!("`{path}`")
    }
}

impl Validator<'_> {
    fn error(&mut self, range: Range<usize>, message: impl Into<String>) -> &mut Diagnostic {
        self.diags
            .push(Diagnostic::error(Some(self.file.position(range)), message));
        self.diags.last_mut().expect("just pushed")
    }

    fn mismatch(&mut self, node: &Node, path: &str, expected: &str) -> Data {
        let found = node.value.kind();
        let d = self.error(
            node.range.clone(),
            format!("{} must be {expected}, found {found}", show(path)),
        );
        if expected.contains("string")
            && matches!(node.value, Value::Int(_) | Value::Float(_) | Value::Bool(_))
        {
            d.hints
                .push("put the value in quotes to make it a string, like \"10\"".into());
        }
        Data::None
    }

    fn value(&mut self, node: &Node, spec: &Spec, path: &str, owner: Range<usize>) -> Data {
        if matches!(node.value, Value::Null) {
            if spec.optional {
                return Data::None;
            }
            let range = if node.range.is_empty() {
                owner
            } else {
                node.range.clone()
            };
            self.error(
                range,
                format!("{} is empty, but it is required", show(path)),
            );
            return Data::None;
        }
        match (&spec.kind, &node.value) {
            (Kind::String(rules), Value::Str(s)) => {
                self.check_string(node, s, s, rules, path);
                self.leaf(node, path, s, s);
                Data::Str(s.clone())
            }
            (Kind::String(_), _) => self.mismatch(node, path, "a string"),
            (Kind::Text { rules, paragraphs }, Value::Str(s)) => {
                self.text(node, s, rules, *paragraphs, path)
            }
            (Kind::Text { .. }, _) => self.mismatch(node, path, "a string of text"),
            (Kind::File { extensions }, Value::Str(s)) => {
                self.file(node, s, extensions, None, path)
            }
            (Kind::Image(rule), Value::Str(s)) => self.file(node, s, &[], Some(rule), path),
            (Kind::Image(_), _) => self.mismatch(node, path, "an image path"),
            (Kind::File { .. }, _) => self.mismatch(node, path, "a file path"),
            (Kind::Id, Value::Str(s)) if is_id(s) => Data::Str(s.clone()),
            (Kind::Id, Value::Str(s)) => {
                self.error(node.range.clone(), format!("`{s}` is not a valid id for {}", show(path)))
                    .hints
                    .push("ids use lowercase ASCII letters, digits, `-` and `_` (for example `ntt-east`); they name output files".into());
                Data::None
            }
            (Kind::Id, _) => self.mismatch(node, path, "an id string"),
            (Kind::Ref { list, key }, Value::Str(s)) => {
                self.refs.push(PendingRef {
                    list: list.clone(),
                    key: key.clone(),
                    value: s.clone(),
                    range: node.range.clone(),
                });
                Data::Str(s.clone())
            }
            (Kind::Ref { .. }, _) => self.mismatch(node, path, "a reference (an id string)"),
            (Kind::Integer { min, max }, Value::Int(i)) => {
                let (min, max) = (min.map(|m| m as f64), max.map(|m| m as f64));
                self.check_range(node, path, *i as f64, min, max);
                Data::Int(*i)
            }
            (Kind::Integer { .. }, _) => self.mismatch(node, path, "a whole number"),
            (Kind::Number { min, max }, Value::Int(i)) => {
                self.check_range(node, path, *i as f64, *min, *max);
                Data::Int(*i)
            }
            (Kind::Number { min, max }, Value::Float(f)) => {
                self.check_range(node, path, *f, *min, *max);
                Data::Float(*f)
            }
            (Kind::Number { .. }, _) => self.mismatch(node, path, "a number"),
            (Kind::Boolean, Value::Bool(b)) => Data::Bool(*b),
            (Kind::Boolean, _) => self.mismatch(node, path, "true or false"),
            (kind @ Kind::List { .. }, Value::Seq(list)) => self.list(node, list, kind, path),
            (Kind::List { .. }, _) => self.mismatch(node, path, "a list"),
            (Kind::Object { fields }, Value::Map(entries)) => {
                self.object(node, entries, fields, path)
            }
            (Kind::Object { .. }, _) => self.mismatch(node, path, "a mapping of fields"),
        }
    }

    /// A `text` value: inline markup parsed, each markup error at its place.
    fn text(
        &mut self,
        node: &Node,
        s: &str,
        rules: &StringRules,
        paragraphs: bool,
        path: &str,
    ) -> Data {
        let newlines = if paragraphs {
            Newlines::Paragraphs
        } else {
            Newlines::LineBreaks
        };
        match inline::parse(s, newlines) {
            Ok(rich) => {
                let plain = rich.plain();
                self.check_string(node, s, &plain, rules, path);
                self.leaf(node, path, s, &rich.plain_paragraphs());
                Data::Rich(rich)
            }
            Err(errors) => {
                for e in errors {
                    let start = self.file.offset_in(&node.range, s, e.range.start);
                    let end = self.file.offset_in(&node.range, s, e.range.end);
                    let message = format!("{} in {}", e.message, show(path));
                    self.error(start..end.max(start), message)
                        .hints
                        .push(e.hint);
                }
                Data::None
            }
        }
    }

    /// A `file` value: a relative path inside the project with an allowed
    /// extension (whether the file exists is checked later, against the
    /// project folder).
    fn file(
        &mut self,
        node: &Node,
        s: &str,
        extensions: &[String],
        image: Option<&ImageRule>,
        path: &str,
    ) -> Data {
        match crate::paths::relative_path(s) {
            Ok(rel) => {
                let ext = rel
                    .extension()
                    .map(|e| e.to_string_lossy().to_lowercase())
                    .unwrap_or_default();
                if !extensions.is_empty() && !extensions.contains(&ext) {
                    self.error(
                        node.range.clone(),
                        format!(
                            "`{s}` in {} is not a {} file",
                            show(path),
                            extensions.join(", ")
                        ),
                    );
                    Data::None
                } else {
                    self.files.push(FileRef {
                        path: path.to_string(),
                        file: rel,
                        range: node.range.clone(),
                        image: image.cloned(),
                    });
                    Data::Str(s.to_string())
                }
            }
            Err(msg) => {
                self.error(node.range.clone(), format!("{msg} (in {})", show(path)))
                    .hints
                    .push("name files relative to the project folder, like photos/aoki.jpg".into());
                Data::None
            }
        }
    }

    /// A list: its size, its items, their uniqueness.
    fn list(&mut self, node: &Node, list: &[Node], kind: &Kind, path: &str) -> Data {
        let Kind::List {
            items,
            min_items,
            max_items,
            unique,
            covers,
        } = kind
        else {
            return Data::None;
        };
        if let Some(min) = min_items.filter(|m| list.len() < *m) {
            self.error(
                node.range.clone(),
                format!(
                    "{} has {} item(s); it needs at least {min}",
                    show(path),
                    list.len()
                ),
            );
        }
        if let Some(max) = max_items.filter(|m| list.len() > *m) {
            let at = list
                .get(max)
                .map_or(node.range.clone(), |n| n.range.clone());
            self.error(
                at,
                format!(
                    "{} has {} items; the layout has room for {max}",
                    show(path),
                    list.len()
                ),
            );
        }
        let data: Vec<Data> = list
            .iter()
            .enumerate()
            .map(|(i, item)| self.value(item, items, &format!("{path}[{i}]"), item.range.clone()))
            .collect();
        if let Some(unique) = unique {
            self.check_unique(list, &data, unique, path);
        }
        if let Some(field) = covers
            && let Kind::Object { fields } = &items.kind
            && let Some((
                _,
                Spec {
                    kind: Kind::Ref { list: target, key },
                    ..
                },
            )) = fields.iter().find(|(n, _)| n == field)
        {
            self.covers.push(PendingCover {
                path: path.to_string(),
                field: field.clone(),
                target: (target.clone(), key.clone()),
                present: data
                    .iter()
                    .filter_map(|d| d.get(field).and_then(Data::plain))
                    .collect(),
                range: node.range.clone(),
            });
        }
        Data::List(data)
    }

    /// An object: unknown fields (with "did you mean"), then every declared
    /// field in schema order, missing required ones reported.
    fn object(
        &mut self,
        node: &Node,
        entries: &[(Key, Node)],
        fields: &[(String, Spec)],
        path: &str,
    ) -> Data {
        let known: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
        // A typo of a missing field is reported once, as the typo.
        let suggested = self.unknown_fields(entries, &known, path);
        let mut out = Vec::with_capacity(fields.len());
        for (name, spec) in fields {
            let field = join(path, name);
            let data = match entries.iter().find(|(k, _)| &k.name == name) {
                Some((k, v)) => self.value(v, spec, &field, k.range.clone()),
                None if spec.optional || suggested.contains(&name.as_str()) => Data::None,
                None => {
                    let at = if path.is_empty() {
                        0..0
                    } else {
                        node.range.start..node.range.start
                    };
                    self.error(at, format!("missing field `{field}`"))
                        .hints
                        .push(format!(
                            "add `{name}:` to {}",
                            if path.is_empty() {
                                "the file".to_string()
                            } else {
                                format!("`{path}`")
                            }
                        ));
                    Data::None
                }
            };
            out.push((name.clone(), data));
        }
        Data::Object(out)
    }

    /// Reports the fields of `entries` that the schema does not declare;
    /// returns the declared names suggested for them.
    fn unknown_fields<'k>(
        &mut self,
        entries: &[(Key, Node)],
        known: &[&'k str],
        path: &str,
    ) -> Vec<&'k str> {
        let mut suggested = Vec::new();
        for (k, _) in entries {
            if known.contains(&k.name.as_str()) {
                continue;
            }
            let field = join(path, &k.name);
            let missing: Vec<&str> = known
                .iter()
                .copied()
                .filter(|n| !entries.iter().any(|(e, _)| e.name == *n))
                .collect();
            let guess = did_you_mean(&k.name, missing.iter().copied())
                .or_else(|| did_you_mean(&k.name, known.iter().copied()));
            let d = self.error(k.range.clone(), format!("unknown field `{field}`"));
            match guess {
                Some(s) => {
                    d.hints.push(format!("did you mean `{s}`?"));
                    suggested.push(s);
                }
                None => d.hints.push(format!("fields here: {}", known.join(", "))),
            }
        }
        suggested
    }

    fn leaf(&mut self, node: &Node, path: &str, raw: &str, plain: &str) {
        self.leaves
            .push(Leaf::new(path, node.range.clone(), raw, plain));
    }

    fn check_string(
        &mut self,
        node: &Node,
        raw: &str,
        plain: &str,
        rules: &StringRules,
        path: &str,
    ) {
        // Characters that do not print, or reorder what prints around them.
        for (i, c) in raw.char_indices() {
            let what = if c.is_control() && c != '\n' && c != '\t' {
                Some("control character")
            } else if matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}') {
                Some("bidirectional control character")
            } else {
                None
            };
            if let Some(what) = what {
                let at = self.file.offset_in(&node.range, raw, i);
                self.error(at..at + c.len_utf8(), format!("{what} U+{:04X} in {}", c as u32, show(path)))
                    .hints
                    .push("it does not print, or makes the printed text read differently from the file; remove it".into());
                return;
            }
        }
        let len = plain.chars().filter(|c| *c != '\n').count();
        if len == 0 && !rules.allow_empty {
            self.error(
                node.range.clone(),
                format!("{} is an empty string", show(path)),
            )
            .hints
            .push("write the text, or remove the field if it is optional".into());
            return;
        }
        if let Some(max) = rules.max_length.filter(|m| len > *m) {
            let start = self
                .file
                .offset_in(&node.range, raw, nth_char_offset(raw, plain, max));
            self.error(
                start..node.range.end.max(start),
                format!(
                    "{} is {len} characters long; the layout has room for {max}",
                    show(path)
                ),
            )
            .hints
            .push(format!("shorten it by {} characters", len - max));
        }
        if let Some(min) = rules.min_length.filter(|m| len < *m) {
            self.error(
                node.range.clone(),
                format!(
                    "{} is {len} characters long; at least {min} are needed",
                    show(path)
                ),
            );
        }
        if let Some(values) = &rules.values
            && !values.iter().any(|v| v == raw)
        {
            let d = self.error(
                node.range.clone(),
                format!("`{raw}` is not allowed for {}", show(path)),
            );
            match did_you_mean(raw, values.iter().map(String::as_str)) {
                Some(s) => d.hints.push(format!("did you mean `{s}`?")),
                None => d.hints.push(format!("allowed: {}", values.join(", "))),
            }
        }
    }

    fn check_range(&mut self, node: &Node, path: &str, v: f64, min: Option<f64>, max: Option<f64>) {
        if let Some(min) = min.filter(|m| v < *m) {
            self.error(
                node.range.clone(),
                format!("{} is {v}; the smallest allowed is {min}", show(path)),
            );
        }
        if let Some(max) = max.filter(|m| v > *m) {
            self.error(
                node.range.clone(),
                format!("{} is {v}; the largest allowed is {max}", show(path)),
            );
        }
    }

    fn check_unique(&mut self, list: &[Node], data: &[Data], unique: &Unique, path: &str) {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for (i, (node, d)) in list.iter().zip(data).enumerate() {
            let (key, at) = match unique {
                Unique::Items => (d.plain(), node.range.clone()),
                Unique::Field(f) => (
                    d.get(f).and_then(Data::plain),
                    node.get(f).map_or(node.range.clone(), |n| n.range.clone()),
                ),
            };
            let Some(key) = key else { continue };
            if let Some(first) = seen.get(&key) {
                let first_place = self.file.position(list[*first].range.clone()).place();
                let what = match unique {
                    Unique::Items => format!("item `{key}`"),
                    Unique::Field(f) => format!("{f} `{key}`"),
                };
                self.error(at, format!("duplicate {what} in {}", show(path)))
                    .hints
                    .push(format!(
                        "it is already used by {path}[{first}] on {first_place}"
                    ));
            } else {
                seen.insert(key, i);
            }
        }
    }

    /// References to an item that does not exist: one problem per missing
    /// key, at its first reference, with the other places in its hint (a
    /// member's row missing makes every answer that names it dangle, and
    /// that is one cause).
    fn check_refs(&mut self, data: &Data) {
        let refs = std::mem::take(&mut self.refs);
        // The keys of each referenced list, gathered once per list and key
        // (in list order, without repeats, for the hints): thousands of
        // references to a list of thousands stay linear.
        let mut lists: HashMap<(Vec<String>, String), ListKeys> = HashMap::new();
        // The dangling references, grouped by what they name, in order.
        let mut dangling: Vec<(&PendingRef, Vec<Range<usize>>)> = Vec::new();
        let mut seen: HashMap<(&[String], &str, &str), usize> = HashMap::new();
        for r in &refs {
            let (_, known) = lists
                .entry((r.list.clone(), r.key.clone()))
                .or_insert_with(|| list_keys(data, &r.list, &r.key));
            if known.contains(&r.value) {
                continue;
            }
            match seen.get(&(r.list.as_slice(), r.key.as_str(), r.value.as_str())) {
                Some(&i) => dangling[i].1.push(r.range.clone()),
                None => {
                    seen.insert((&r.list, &r.key, &r.value), dangling.len());
                    dangling.push((r, Vec::new()));
                }
            }
        }
        for (r, others) in dangling {
            let list = r.list.join(".");
            let keys = &lists[&(r.list.clone(), r.key.clone())].0;
            let others: Vec<String> = others
                .into_iter()
                .map(|range| self.file.position(range).place())
                .collect();
            let d = self.error(
                r.range.clone(),
                format!("`{}` is not the {} of any item of `{list}`", r.value, r.key),
            );
            match did_you_mean(&r.value, keys.iter().map(String::as_str)) {
                Some(s) => d.hints.push(format!("did you mean `{s}`?")),
                None if keys.is_empty() => d.hints.push(format!("`{list}` has no items")),
                None => d.hints.push(format!("known: {}", keys.join(", "))),
            }
            if !others.is_empty() {
                d.hints.push(format!(
                    "`{}` is also named on {}",
                    r.value,
                    others.join(", ")
                ));
            }
        }
    }
}

/// The keys of the list at `list` (their `key` field): in list order
/// without repeats, and as a set.
fn list_keys(data: &Data, list: &[String], key: &str) -> ListKeys {
    let mut known = HashSet::new();
    let keys = match data.at_path(list) {
        Some(Data::List(items)) => items
            .iter()
            .filter_map(|i| i.get(key)?.plain())
            .filter(|k| known.insert(k.clone()))
            .collect(),
        _ => Vec::new(),
    };
    (keys, known)
}

impl Validator<'_> {
    /// Lists with `covers` must name every item of the list they refer to.
    /// An item missing from all such lists is one problem, at the item (a
    /// member who answered nothing); missing from some, one per list, at
    /// the list.
    fn check_covers(&mut self, data: &Data) {
        let covers = std::mem::take(&mut self.covers);
        let mut targets: Vec<&(Vec<String>, String)> = covers.iter().map(|c| &c.target).collect();
        targets.dedup();
        for target @ (list, key) in targets {
            let lists: Vec<&PendingCover> = covers.iter().filter(|c| &c.target == target).collect();
            let Some(Data::List(items)) = data.at_path(list) else {
                continue;
            };
            let nodes = list
                .iter()
                .try_fold(&self.file.root, |n, seg| n.get(seg))
                .and_then(|n| match &n.value {
                    Value::Seq(items) => Some(items),
                    _ => None,
                });
            let list_name = list.join(".");
            let pattern = generic_path(&lists[0].path);
            for (i, item) in items.iter().enumerate() {
                let Some(k) = item.get(key).and_then(Data::plain) else {
                    continue;
                };
                let missing: Vec<&PendingCover> = lists
                    .iter()
                    .copied()
                    .filter(|c| !c.present.contains(&k))
                    .collect();
                if missing.is_empty() {
                    continue;
                }
                let field = &lists[0].field;
                if missing.len() == lists.len() && lists.len() > 1 {
                    let at = nodes
                        .and_then(|n| n.get(i))
                        .map_or(0..0, |n| n.range.start..n.range.start);
                    self.error(
                        at,
                        format!(
                            "`{list_name}[{i}]` (`{k}`) has no item in any `{pattern}`; each of the {} must have one",
                            lists.len()
                        ),
                    )
                    .hints
                    .push(format!(
                        "add an item with `{field}: {k}` to every `{pattern}`, or remove `{k}` from `{list_name}`"
                    ));
                    continue;
                }
                for c in missing {
                    self.error(
                        c.range.start..c.range.start,
                        format!(
                            "`{}` has no item for `{k}` (`{list_name}[{i}]`); it must cover every item of `{list_name}`",
                            c.path
                        ),
                    )
                    .hints
                    .push(format!("add an item with `{field}: {k}`"));
                }
            }
        }
    }
}

/// A path with its list indices left out: `questions[].answers`.
fn generic_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push('[');
            }
            ']' => {
                in_index = false;
                out.push(']');
            }
            _ if in_index => {}
            c => out.push(c),
        }
    }
    out
}

/// The byte offset in `raw` of the character where `plain` passes `n`
/// characters (markup and newlines don't count).
fn nth_char_offset(raw: &str, plain: &str, n: usize) -> usize {
    let target: String = plain.chars().filter(|c| *c != '\n').take(n).collect();
    // Walk raw, matching the plain characters in order.
    let mut want = target.chars().peekable();
    for (i, c) in raw.char_indices() {
        match want.peek() {
            None => return i,
            Some(w) if *w == c => {
                want.next();
            }
            _ => {}
        }
    }
    raw.len()
}
