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
use std::sync::Arc;

use typst::foundations::{Array, Dict, Str, Value};

use super::values::to_value;
use crate::content::schema::{Kind, Spec};
use crate::content::{Content, Data};

/// A prepared view builder.
#[derive(Debug, Clone)]
pub struct RecordViews {
    content: Arc<Content>,
    root: Node,
}

/// The shape of the views, mirroring the content: what every record
/// shares is converted to Typst values once; record-scoped items are kept
/// as indices into the content's lists and converted when a record's view
/// is made, so that the values of 50,000 answers are never all in memory
/// at once.
#[derive(Debug, Clone)]
enum Node {
    /// A subtree without record-scoped lists: shared as is.
    Keep(Value),
    /// An object with some fields to rebuild (field name, its index among
    /// the object's fields, its node); the others are in `base`, the
    /// rebuilt ones `none` there.
    Object {
        base: Dict,
        rebuild: Vec<(Str, usize, Node)>,
    },
    /// A list whose items contain record-scoped lists.
    List(Vec<Node>),
    /// A record-scoped list: the indices of its items, by the record they
    /// name.
    Grouped(HashMap<String, Vec<usize>>),
    /// The `each` list itself: each record's own item.
    Record(HashMap<String, Vec<usize>>),
}

impl RecordViews {
    /// Prepares views of `content` (typed by `spec`) for records of the
    /// list at `each` whose identifying field is `key`; `None` when no list
    /// is record-scoped (every view would be the whole content).
    pub fn new(
        content: Arc<Content>,
        spec: &Spec,
        each: &[String],
        key: &str,
    ) -> Option<RecordViews> {
        let root = build(&content.data, spec, each, key, &mut Vec::new())?;
        Some(RecordViews { content, root })
    }

    /// The view for the record whose key is `record`.
    pub fn view(&self, record: &str) -> Value {
        instantiate(&self.root, &self.content.data, record)
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
                    .filter_map(|(_, _, c)| walk(c, record))
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
            Node::Object { base, .. } => Some(Value::Dict(base.clone())),
            Node::List(_) | Node::Grouped(_) | Node::Record(_) => None,
        }
    }

    /// The top-level fields of `record`'s view that differ between records
    /// (see [`RecordViews::base`]).
    pub fn varying(&self, record: &str) -> Dict {
        match (&self.root, &self.content.data) {
            (Node::Object { rebuild, .. }, Data::Object(fields)) => rebuild
                .iter()
                .filter_map(|(name, i, child)| {
                    Some((name.clone(), instantiate(child, &fields.get(*i)?.1, record)))
                })
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

/// The view builder of `data` (at the object-field path `here`), or `None`
/// when it holds no record-scoped list (it is then shared as is).
fn build(
    data: &Data,
    spec: &Spec,
    each: &[String],
    key: &str,
    here: &mut Vec<String>,
) -> Option<Node> {
    /// The indices of `items`, grouped by the plain value of their `field`.
    fn group(items: &[Data], field: &str) -> HashMap<String, Vec<usize>> {
        let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, d) in items.iter().enumerate() {
            if let Some(k) = d.get(field).and_then(Data::plain) {
                groups.entry(k).or_default().push(i);
            }
        }
        groups
    }
    if here.as_slice() == each
        && let Data::List(items) = data
    {
        // The `each` list itself: a record sees only its own item.
        return Some(Node::Record(group(items, key)));
    }
    match (&spec.kind, data) {
        (
            Kind::List {
                items: item_spec, ..
            },
            Data::List(items),
        ) => {
            if let Kind::Object { fields } = &item_spec.kind
                && let Some(field) = ref_field(fields, each, key)
            {
                return Some(Node::Grouped(group(items, field)));
            }
            let children: Vec<Option<Node>> = items
                .iter()
                .map(|d| build(d, item_spec, each, key, here))
                .collect();
            if children.iter().all(Option::is_none) {
                return None;
            }
            Some(Node::List(
                children
                    .into_iter()
                    .zip(items)
                    .map(|(c, d)| c.unwrap_or_else(|| Node::Keep(to_value(d))))
                    .collect(),
            ))
        }
        (Kind::Object { fields: specs }, Data::Object(fields)) => {
            let mut rebuild = Vec::new();
            let mut base = Dict::new();
            for (i, (name, d)) in fields.iter().enumerate() {
                let child = specs.iter().find(|(n, _)| n == name).and_then(|(_, spec)| {
                    here.push(name.clone());
                    let child = build(d, spec, each, key, here);
                    here.pop();
                    child
                });
                let name = Str::from(name.as_str());
                match child {
                    Some(child) => {
                        base.insert(name.clone(), Value::None);
                        rebuild.push((name, i, child));
                    }
                    None => base.insert(name, to_value(d)),
                }
            }
            (!rebuild.is_empty()).then_some(Node::Object { base, rebuild })
        }
        _ => None,
    }
}

/// The value of `node` over `data` for `record`.
fn instantiate(node: &Node, data: &Data, record: &str) -> Value {
    match (node, data) {
        (Node::Keep(v), _) => v.clone(),
        (Node::Object { base, rebuild }, Data::Object(fields)) => {
            let mut dict = base.clone();
            for (name, i, child) in rebuild {
                if let Some((_, d)) = fields.get(*i) {
                    dict.insert(name.clone(), instantiate(child, d, record));
                }
            }
            Value::Dict(dict)
        }
        (Node::List(children), Data::List(items)) => Value::Array(
            children
                .iter()
                .zip(items)
                .map(|(c, d)| instantiate(c, d, record))
                .collect(),
        ),
        (Node::Grouped(groups) | Node::Record(groups), Data::List(items)) => Value::Array(
            groups
                .get(record)
                .into_iter()
                .flatten()
                .filter_map(|&i| items.get(i).map(to_value))
                .collect::<Array>(),
        ),
        // The nodes mirror the data they were built from.
        _ => Value::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::Content;
    use crate::content::schema::Schema;
    use crate::content::yaml::{Limits, parse};
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
        let content = Arc::new(content);
        let scoped =
            RecordViews::new(content.clone(), &schema.root, &["members".into()], "id").unwrap();
        // A view is the whole content's value, narrowed: a's answer to Q1
        // is the whole's second answer, value for value.
        let answers = |v: &Value, q: usize| -> Array {
            let Value::Dict(d) = v else { panic!("{v:?}") };
            let Ok(Value::Array(qs)) = d.get("questions") else {
                panic!("{d:?}")
            };
            let Value::Dict(q) = &qs.as_slice()[q] else {
                panic!("{qs:?}")
            };
            let Ok(Value::Array(a)) = q.get("answers") else {
                panic!("{q:?}")
            };
            a.clone()
        };
        let whole = to_value(&content.data);
        assert_eq!(
            answers(&scoped.view("a"), 0).as_slice(),
            &answers(&whole, 0).as_slice()[1..2]
        );
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
