//! Record views: what the template of an `each` publication receives as
//! `content` for one record.
//!
//! A handout for one member must not depend on the other members' answers.
//! The schema says which data belongs to which record: a list whose items
//! have a `ref` field pointing at the `each` list (`answers[].member` →
//! `members.id`) is *record-scoped*. In a record's view, such lists keep only
//! the items that reference that record, and the `each` list itself holds
//! only the record (so that a change to one row of a 10,000-row list
//! rebuilds one PDF); everything else is whole. A layout that lists every
//! member in every handout sets `scope = "all"`.
//!
//! This makes each record's input small (the template does not scan
//! thousands of answers), and it is the exact set of data a record's PDF can
//! depend on — the basis of its fingerprint for incremental builds.
//!
//! Views are built from an index prepared once per publication: only the
//! containers on the way to record-scoped lists are rebuilt per record; all
//! other values are shared (Typst values are reference-counted).

use std::collections::HashMap;

use typst::foundations::{Array, Dict, Str, Value};

use crate::content::Data;
use crate::content::schema::{Kind, Spec};

/// A prepared view builder.
#[derive(Debug, Clone)]
pub struct RecordViews {
    root: Node,
}

#[derive(Debug, Clone)]
enum Node {
    /// A subtree without record-scoped lists: shared as is.
    Keep(Value),
    /// An object with some fields to rebuild.
    Object {
        base: Dict,
        rebuild: Vec<(Str, Node)>,
    },
    /// A list whose items contain record-scoped lists.
    List(Vec<Node>),
    /// A record-scoped list: its items grouped by the record they name.
    Grouped(HashMap<String, Array>),
    /// The `each` list itself: each record's own item.
    Record(HashMap<String, Array>),
}

impl RecordViews {
    /// Prepares views of `data` (typed by `spec`, converted to `value`) for
    /// records of the list at `each` whose identifying field is `key`.
    pub fn new(data: &Data, spec: &Spec, value: &Value, each: &[String], key: &str) -> RecordViews {
        RecordViews {
            root: build(data, spec, value, each, key, &mut Vec::new()),
        }
    }

    /// Whether any list is record-scoped (else every view is the whole).
    pub fn is_scoped(&self) -> bool {
        !matches!(self.root, Node::Keep(_))
    }

    /// The view for the record whose key is `record`.
    pub fn view(&self, record: &str) -> Value {
        instantiate(&self.root, record)
    }

    /// Whether `record` has anything of its own to show: some item of a
    /// record-scoped list refers to it (always, when there are no such
    /// lists).
    pub fn has_own(&self, record: &str) -> bool {
        fn walk(node: &Node, record: &str) -> Option<bool> {
            match node {
                Node::Keep(_) | Node::Record(_) => None,
                Node::Grouped(groups) => Some(groups.get(record).is_some_and(|g| !g.is_empty())),
                Node::Object { rebuild, .. } => rebuild
                    .iter()
                    .filter_map(|(_, c)| walk(c, record))
                    .reduce(|a, b| a || b),
                Node::List(children) => children
                    .iter()
                    .filter_map(|c| walk(c, record))
                    .reduce(|a, b| a || b),
            }
        }
        walk(&self.root, record).unwrap_or(true)
    }

    /// Whether views split into a [`RecordViews::base`] and per-record
    /// [`RecordViews::varying`] fields (the content is an object).
    pub fn splits(&self) -> bool {
        matches!(self.root, Node::Keep(_) | Node::Object { .. })
    }

    /// The part of every view that no record changes: the content with
    /// its top-level fields that hold record-scoped lists set to `none`
    /// (so no record's own data is in it), or `None` when the content is
    /// not an object. [`RecordViews::varying`] gives those fields for a record;
    /// merged over the base, they make [`RecordViews::view`].
    pub fn base(&self) -> Option<Value> {
        match &self.root {
            Node::Keep(v) => Some(v.clone()),
            Node::Object { base, rebuild } => {
                let mut dict = base.clone();
                for (name, _) in rebuild {
                    dict.insert(name.clone(), Value::None);
                }
                Some(Value::Dict(dict))
            }
            Node::List(_) | Node::Grouped(_) | Node::Record(_) => None,
        }
    }

    /// The top-level fields of `record`'s view that differ between records
    /// (see [`RecordViews::base`]).
    pub fn varying(&self, record: &str) -> Dict {
        match &self.root {
            Node::Object { rebuild, .. } => rebuild
                .iter()
                .map(|(name, child)| (name.clone(), instantiate(child, record)))
                .collect(),
            _ => Dict::new(),
        }
    }
}

/// Which content leaves (text fields) a record's pages can show: those
/// of no record (shared), and those of the record itself — its item of the
/// `each` list and the items of record-scoped lists that reference it. A
/// check on one record's pages looks only at these, so its cost does not
/// grow with the number of records.
#[derive(Debug, Default)]
pub struct RecordLeaves {
    shared: Vec<usize>,
    by_record: HashMap<String, Vec<usize>>,
}

impl RecordLeaves {
    /// Sorts the leaves of `content` (typed by `spec`) by the record of
    /// the list at `each`, identified by its field `key`, they belong to.
    pub fn new(content: &crate::content::Content, spec: &Spec, each: &[String], key: &str) -> Self {
        let mut out = RecordLeaves::default();
        for (i, leaf) in content.leaves.iter().enumerate() {
            match owner(&content.data, spec, &leaf.path, each, key) {
                Some(record) => out.by_record.entry(record).or_default().push(i),
                None => out.shared.push(i),
            }
        }
        out
    }

    /// The leaves `record`'s pages can show, in content order.
    pub fn of(&self, record: &str) -> Vec<usize> {
        let own = self.by_record.get(record).map_or(&[][..], Vec::as_slice);
        let mut all: Vec<usize> = self.shared.iter().chain(own).copied().collect();
        all.sort_unstable();
        all
    }
}

/// The record the leaf at `path` (`questions[2].answers[5].text`) belongs
/// to, if any.
fn owner(data: &Data, spec: &Spec, path: &str, each: &[String], key: &str) -> Option<String> {
    let (mut data, mut spec) = (data, spec);
    let mut names: Vec<&str> = Vec::new();
    for segment in path.split('.') {
        let mut parts = segment.split('[');
        let name = parts.next().unwrap_or_default();
        if !name.is_empty() {
            let Kind::Object { fields } = &spec.kind else {
                return None;
            };
            spec = &fields.iter().find(|(n, _)| n == name)?.1;
            data = data.get(name)?;
            names.push(name);
        }
        for index in parts {
            let index: usize = index.strip_suffix(']')?.parse().ok()?;
            let (Kind::List { items, .. }, Data::List(datas)) = (&spec.kind, data) else {
                return None;
            };
            data = datas.get(index)?;
            if names.iter().copied().eq(each.iter().map(String::as_str)) {
                return data.get(key).and_then(Data::plain);
            }
            if let Kind::Object { fields } = &items.kind
                && let Some(field) = ref_field(fields, each, key)
            {
                return data.get(field).and_then(Data::plain);
            }
            spec = items;
        }
    }
    None
}

/// The name of the field of `fields` that references `each.key`, if any.
fn ref_field<'a>(fields: &'a [(String, Spec)], each: &[String], key: &str) -> Option<&'a str> {
    fields.iter().find_map(|(name, spec)| match &spec.kind {
        Kind::Ref { list, key: k } if list == each && k == key => Some(name.as_str()),
        _ => None,
    })
}

/// The view builder of `data` (at the object-field path `here`).
fn build(
    data: &Data,
    spec: &Spec,
    value: &Value,
    each: &[String],
    key: &str,
    here: &mut Vec<String>,
) -> Node {
    if here.as_slice() == each
        && let (Data::List(datas), Value::Array(values)) = (data, value)
    {
        // The `each` list itself: a record sees only its own item.
        let mut groups: HashMap<String, Array> = HashMap::new();
        for (d, v) in datas.iter().zip(values.iter()) {
            if let Some(k) = d.get(key).and_then(Data::plain) {
                groups.entry(k).or_default().push(v.clone());
            }
        }
        return Node::Record(groups);
    }
    match (&spec.kind, data, value) {
        (Kind::List { items, .. }, Data::List(datas), Value::Array(values)) => {
            if let Kind::Object { fields } = &items.kind
                && let Some(field) = ref_field(fields, each, key)
            {
                let mut groups: HashMap<String, Vec<Value>> = HashMap::new();
                for (d, v) in datas.iter().zip(values.iter()) {
                    if let Some(r) = d.get(field).and_then(Data::plain) {
                        groups.entry(r).or_default().push(v.clone());
                    }
                }
                return Node::Grouped(
                    groups
                        .into_iter()
                        .map(|(k, v)| (k, v.into_iter().collect()))
                        .collect(),
                );
            }
            let children: Vec<Node> = datas
                .iter()
                .zip(values.iter())
                .map(|(d, v)| build(d, items, v, each, key, here))
                .collect();
            if children.iter().all(|c| matches!(c, Node::Keep(_))) {
                Node::Keep(value.clone())
            } else {
                Node::List(children)
            }
        }
        (Kind::Object { fields }, Data::Object(datas), Value::Dict(dict)) => {
            let mut rebuild = Vec::new();
            for ((name, spec), (_, d)) in fields.iter().zip(datas.iter()) {
                if let Ok(v) = dict.get(name.as_str()) {
                    here.push(name.clone());
                    let child = build(d, spec, v, each, key, here);
                    here.pop();
                    if !matches!(child, Node::Keep(_)) {
                        rebuild.push((Str::from(name.as_str()), child));
                    }
                }
            }
            if rebuild.is_empty() {
                Node::Keep(value.clone())
            } else {
                Node::Object {
                    base: dict.clone(),
                    rebuild,
                }
            }
        }
        _ => Node::Keep(value.clone()),
    }
}

fn instantiate(node: &Node, record: &str) -> Value {
    match node {
        Node::Keep(v) => v.clone(),
        Node::Object { base, rebuild } => {
            let mut dict = base.clone();
            for (name, child) in rebuild {
                dict.insert(name.clone(), instantiate(child, record));
            }
            Value::Dict(dict)
        }
        Node::List(children) => {
            Value::Array(children.iter().map(|c| instantiate(c, record)).collect())
        }
        Node::Grouped(groups) | Node::Record(groups) => {
            Value::Array(groups.get(record).cloned().unwrap_or_default())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::Content;
    use crate::content::schema::Schema;
    use crate::content::yaml::{Limits, parse};
    use crate::prepare::values::to_value;
    use std::path::Path;

    #[test]
    fn views_keep_only_the_records_own_items() {
        let schema = Schema::from_yaml(
            &parse(
                Path::new("s.yaml"),
                br#"fields:
  members: {type: list, unique: id, items: {type: object, fields: {id: id}}}
  questions:
    type: list
    items:
      type: object
      fields:
        q: string
        answers: {type: list, items: {type: object, fields: {member: {type: ref, to: members.id}, text: string}}}
"#,
                &Limits::default(),
            )
            .unwrap(),
        )
        .unwrap();
        let src = "members: [{id: a}, {id: b}]\nquestions:\n  - q: Q1\n    answers: [{member: b, text: B1}, {member: a, text: A1}]\n  - q: Q2\n    answers: [{member: a, text: A2}]\n";
        let content = Content::load(
            Path::new("c.yaml"),
            src.as_bytes(),
            &schema,
            &Limits::default(),
        )
        .unwrap();
        let value = to_value(&content.data);
        let scoped = RecordViews::new(
            &content.data,
            &schema.root,
            &value,
            &["members".into()],
            "id",
        );
        assert!(scoped.is_scoped());
        let repr = |v: Value| format!("{v:?}");
        let a = repr(scoped.view("a"));
        assert!(
            a.contains("A1") && a.contains("A2") && !a.contains("B1"),
            "{a}"
        );
        let b = repr(scoped.view("b"));
        assert!(
            b.contains("B1") && !b.contains("A1") && !b.contains("A2"),
            "{b}"
        );
        // The list of members holds only the record: a change to another
        // member does not change this view.
        assert!(b.contains("\"b\"") && !b.contains("\"a\""), "{b}");
        assert!(a.contains("\"a\"") && !a.contains("\"b\""), "{a}");
        // A record's pages can show the shared fields and its own, never
        // another record's answers.
        let leaves = RecordLeaves::new(&content, &schema.root, &["members".into()], "id");
        let texts = |record: &str| -> Vec<String> {
            leaves
                .of(record)
                .into_iter()
                .map(|i| content.leaves[i].plain.clone())
                .collect()
        };
        let (ta, tb) = (texts("a"), texts("b"));
        for t in ["Q1", "Q2", "A1", "A2"] {
            assert!(ta.iter().any(|x| x == t), "{t} in {ta:?}");
        }
        assert!(!ta.iter().any(|x| x == "B1"), "{ta:?}");
        assert!(
            tb.iter().any(|x| x == "B1") && !tb.iter().any(|x| x == "A1"),
            "{tb:?}"
        );
        // The base holds no record's answers; merged with a record's
        // varying fields it is that record's view, in the same field order.
        let base = scoped.base().unwrap();
        let base_repr = repr(base.clone());
        assert!(
            !base_repr.contains("A1") && !base_repr.contains("B1"),
            "{base_repr}"
        );
        for record in ["a", "b"] {
            let Value::Dict(mut merged) = base.clone() else {
                panic!("base is an object")
            };
            for (k, v) in scoped.varying(record) {
                merged.insert(k, v);
            }
            assert_eq!(Value::Dict(merged), scoped.view(record));
        }
    }
}
