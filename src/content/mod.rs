//! Content: YAML files that editors write, loaded with positions, checked
//! against the layout's schema, and turned into typed values for templates.
//!
//! Content is data and only data: this module knows nothing of Typst.
//! What passes validation is [`Data`] (typed values, inline markup parsed
//! into nodes), which the preparation stage ([`crate::prepare`]) turns into
//! Typst values; nothing from a content file is ever evaluated as Typst
//! markup or code.

pub mod data;
pub mod inline;
pub mod origin;
pub mod schema;
pub mod sheet;
pub mod validate;
pub mod yaml;

use std::path::Path;

pub use self::data::{Data, FileRef, Leaf};
pub use self::inline::{Inline, Rich};
pub use self::schema::Schema;
pub use self::sheet::{SheetFormat, SheetInput, TextEncoding};
pub use self::yaml::{Limits, Source, YamlFile};
use crate::diag::{Diagnostic, Position};

/// Content that passed validation.
#[derive(Debug, Clone)]
pub struct Content {
    /// The content file's path and text, with the spreadsheets it holds
    /// rows of: what positions need (its YAML tree is let go once
    /// validated; [`Content::data`] holds the values).
    pub file: Source,
    /// Where each item of the lists reached through object fields starts
    /// (dotted path, item starts), for [`Content::item_position`].
    lists: Vec<(String, Vec<usize>)>,
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
        Self::load_with(path, bytes, schema, limits, None)
    }

    /// Like [`Content::load`], with the list `records.list` read from a
    /// spreadsheet instead of the YAML: its rows are checked by the same
    /// schema, each problem at its cell.
    pub fn load_with(
        path: &Path,
        bytes: &[u8],
        schema: &Schema,
        limits: &Limits,
        records: Option<&sheet::SheetInput>,
    ) -> Result<Content, Vec<Diagnostic>> {
        let mut file = yaml::parse(path, bytes, limits).map_err(|d| vec![*d])?;
        let attached = match records {
            Some(input) => attach(&mut file, schema, limits, input)?,
            None => Attached::default(),
        };
        let mut diags = attached.diags.clone();
        match validate::validate(&file, schema) {
            Ok(v) if diags.is_empty() => Ok(Content {
                lists: list_starts(&file.root),
                // The tree goes: at 10,000 records it is tens of megabytes.
                file: file.into_parts().0,
                data: v.data,
                leaves: v.leaves,
                files: v.files,
            }),
            Ok(_) => Err(diags),
            Err(more) => {
                diags.extend(more.into_iter().filter(|d| !attached.said(d)));
                Err(diags)
            }
        }
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

    /// Where item `index` of the list at dotted `path` starts, in the
    /// content file or the spreadsheet it came from.
    pub fn item_position(&self, path: &str, index: usize) -> Option<Position> {
        let (_, starts) = self.lists.iter().find(|(p, _)| p == path)?;
        let start = *starts.get(index)?;
        Some(self.file.position(start..start))
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

/// Where the items of each list reached through object fields start, by
/// dotted path (`members`, `exchange.flow`).
fn list_starts(root: &yaml::Node) -> Vec<(String, Vec<usize>)> {
    fn walk(node: &yaml::Node, path: &mut String, out: &mut Vec<(String, Vec<usize>)>) {
        match &node.value {
            yaml::Value::Seq(items) => {
                out.push((path.clone(), items.iter().map(|i| i.range.start).collect()));
            }
            yaml::Value::Map(entries) => {
                for (key, child) in entries {
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(&key.name);
                    walk(child, path, out);
                    path.truncate(len);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(root, &mut String::new(), &mut out);
    out
}

/// What reading a spreadsheet's rows into the content found, and what it
/// already said.
#[derive(Debug, Default)]
struct Attached {
    /// Problems the schema does not see (the header, error values, gaps).
    diags: Vec<Diagnostic>,
    /// Cells already reported (error values).
    reported: Vec<Position>,
    /// The list the rows became (`members`), and its required fields that
    /// have no column (reported once, at the header).
    list: String,
    absent: Vec<String>,
}

impl Attached {
    /// Whether the schema's diagnostic `d` repeats what reading the sheet
    /// said: an error cell found empty again, or a field without a column
    /// found missing from a row.
    fn said(&self, d: &Diagnostic) -> bool {
        let at_reported = d.position.as_ref().is_some_and(|p| {
            self.reported
                .iter()
                .any(|r| (&r.path, r.line, r.column) == (&p.path, p.line, p.column))
        });
        let absent = d
            .message
            .strip_prefix(&format!("missing field `{}[", self.list))
            .is_some_and(|rest| {
                self.absent
                    .iter()
                    .any(|field| rest.ends_with(&format!("].{field}`")))
            });
        at_reported || absent
    }
}

/// Reads `input`'s rows into `file`'s tree as the list `input.list`;
/// returns what reading them found.
fn attach(
    file: &mut YamlFile,
    schema: &Schema,
    limits: &Limits,
    input: &sheet::SheetInput,
) -> Result<Attached, Vec<Diagnostic>> {
    let manifest_error = |message: String| {
        vec![Diagnostic::error(
            input
                .named_at
                .cloned()
                .or_else(|| Some(Position::file(input.path))),
            message,
        )]
    };
    if input.bytes.len() > limits.max_file_bytes {
        return Err(vec![Diagnostic::error(
            Some(Position::file(input.path)),
            format!(
                "file is too large: {} bytes (the limit is {} bytes)",
                input.bytes.len(),
                limits.max_file_bytes
            ),
        )]);
    }
    let path: Vec<String> = input.list.split('.').map(String::from).collect();
    let items = match schema.spec_at(&path).map(|s| &s.kind) {
        Some(schema::Kind::List { items, .. }) => items,
        _ => {
            return Err(manifest_error(format!(
                "the records of {} go into `{}`, but the schema has no list there",
                input.path.display(),
                input.list
            )));
        }
    };
    // The list comes from one place: the spreadsheet.
    let mut at = &file.root;
    for (i, seg) in path.iter().enumerate() {
        let yaml::Value::Map(entries) = &at.value else {
            break;
        };
        let Some((key, node)) = entries.iter().find(|(k, _)| &k.name == seg) else {
            break;
        };
        if i + 1 == path.len() {
            return Err(vec![
                Diagnostic::error(
                    Some(file.position(key.range.clone())),
                    format!(
                        "`{}` comes from {} (the publication's `records` in pamphlet.toml), so it cannot also be written here",
                        input.list,
                        input.path.display()
                    ),
                )
                .with_hint("remove the list from the YAML, or `records` from the manifest"),
            ]);
        }
        at = node;
    }
    let records = sheet::read(input, items, file.next_base())?;
    let attached = Attached {
        diags: records.diags,
        reported: records.reported,
        list: input.list.to_string(),
        absent: records.absent,
    };
    file.origins.push(records.origin.clone());
    let range = records.node.range.clone();
    let mut list = Some(records.node);
    let mut node = &mut file.root;
    for (i, seg) in path.iter().enumerate() {
        let yaml::Value::Map(entries) = &mut node.value else {
            // The schema validation reports a content that is not a mapping.
            return Ok(attached);
        };
        let found = entries.iter().position(|(k, _)| &k.name == seg);
        let index = match found {
            Some(index) => index,
            None => {
                let value = if i + 1 == path.len() {
                    list.take().map_or(yaml::Value::Null, |n| n.value)
                } else {
                    yaml::Value::Map(Vec::new())
                };
                entries.push((
                    yaml::Key {
                        name: seg.clone(),
                        range: range.clone(),
                    },
                    yaml::Node {
                        value,
                        range: range.clone(),
                    },
                ));
                entries.len() - 1
            }
        };
        node = &mut entries[index].1;
    }
    Ok(attached)
}
