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
pub mod schema;
pub mod validate;
pub mod yaml;

use std::path::Path;

pub use self::data::{Data, FileRef, Leaf};
pub use self::inline::{Inline, Rich};
pub use self::schema::Schema;
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
