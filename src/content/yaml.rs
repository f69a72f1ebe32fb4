//! YAML with positions: every node of a content or schema file keeps the
//! byte range, line and column it came from, so that every later check can
//! point at the exact place.
//!
//! Parsing is done by `serde-saphyr` (a maintained YAML 1.2 parser with
//! resource budgets) into a small tree of [`Node`]s. YAML is only ever data
//! here: tags that would construct objects are not supported, anchors and
//! aliases are bounded by [`Limits`], duplicate keys are errors.

use std::fmt;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{MessageFormatter, Spanned};

use crate::diag::{Diagnostic, Position, offset_of};

/// Bounds on what a YAML file may cost to load. Inputs beyond them fail fast
/// with a diagnostic instead of exhausting the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest file accepted, in bytes.
    pub max_file_bytes: usize,
    /// Deepest nesting of lists and mappings.
    pub max_depth: usize,
    /// Most nodes (scalars, lists, mappings), aliases expanded.
    pub max_nodes: usize,
    /// Most alias uses (`*name`).
    pub max_aliases: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_file_bytes: 32 * 1024 * 1024,
            max_depth: 64,
            max_nodes: 2_000_000,
            max_aliases: 10_000,
        }
    }
}

/// A YAML node with the place it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Byte range in the file's text.
    pub range: Range<usize>,
}

/// A key of a YAML mapping with the place it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    /// The key as text.
    pub name: String,
    /// Byte range in the file's text.
    pub range: Range<usize>,
}

/// The value of a YAML node.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`, `~` or nothing.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating point number.
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in file order.
    Map(Vec<(Key, Node)>),
}

impl Value {
    /// What kind of value this is, for messages ("a string", "a list", …).
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "nothing (null)",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

impl Node {
    /// The mapping entry named `key`, if this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k.name == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string value, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// A loaded YAML file: its [`Source`] (path, text, the spreadsheets whose
/// rows it holds) and its tree. Dereferences to the source.
#[derive(Debug, Clone)]
pub struct YamlFile {
    /// Where its values came from.
    pub source: Source,
    /// The root node.
    pub root: Node,
}

impl YamlFile {
    /// The source and the tree, apart: content keeps the source (for
    /// positions) and lets the tree go once it is validated.
    pub fn into_parts(self) -> (Source, Node) {
        (self.source, self.root)
    }
}

impl std::ops::Deref for YamlFile {
    type Target = Source;
    fn deref(&self) -> &Source {
        &self.source
    }
}

impl std::ops::DerefMut for YamlFile {
    fn deref_mut(&mut self) -> &mut Source {
        &mut self.source
    }
}

/// A YAML file's path as shown to users and its text, with the
/// spreadsheets whose rows were put into its tree: what a position in
/// it needs.
#[derive(Debug, Clone)]
pub struct Source {
    /// The path shown in diagnostics (relative to the project root).
    pub path: std::path::PathBuf,
    /// The text, without a UTF-8 BOM.
    pub text: Arc<str>,
    /// Spreadsheets whose rows were put into the tree: their nodes' ranges
    /// lie past the end of `text`, in each origin's address space.
    pub origins: Vec<Arc<super::origin::Origin>>,
}

impl Source {
    /// The spreadsheet `range` lies in, if it is not in this file's text.
    fn origin(&self, range: &Range<usize>) -> Option<&super::origin::Origin> {
        if range.start <= self.text.len() {
            return None;
        }
        self.origins
            .iter()
            .rev()
            .find(|o| o.base <= range.start)
            .map(|o| &**o)
    }

    /// The position of `range` in this file, or in the spreadsheet whose
    /// rows it holds.
    pub fn position(&self, range: Range<usize>) -> Position {
        match self.origin(&range) {
            Some(origin) => origin.position(range),
            None => Position::new(&self.path, &self.text, range),
        }
    }

    /// Maps byte `offset` of the string `value`, whose node covers `range`,
    /// to an offset in the file (through quoting, escapes and folding).
    pub fn offset_in(&self, range: &Range<usize>, value: &str, offset: usize) -> usize {
        match self.origin(range) {
            Some(origin) => origin.offset_in(range, value, offset),
            None => map_offset(&self.text, range, value, offset),
        }
    }

    /// Where the next spreadsheet's address space can start.
    pub fn next_base(&self) -> usize {
        self.origins
            .last()
            .map_or(self.text.len() + 1, |o| o.base + o.len(0))
    }
}

/// The outcome of reading a file's bytes as text: the text (without BOM) or a
/// diagnostic.
pub fn decode_text(path: &Path, bytes: &[u8]) -> Result<Arc<str>, Box<Diagnostic>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(Arc::from(text)),
        Err(err) => {
            let valid = err.valid_up_to();
            // The valid prefix is text; locate the first bad byte in it.
            let prefix = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
            let position = Position::new(path, prefix, valid..valid);
            let bad: Vec<String> = bytes[valid..]
                .iter()
                .take(err.error_len().unwrap_or(1).max(1))
                .map(|b| format!("0x{b:02X}"))
                .collect();
            Err(Box::new(
                Diagnostic::error(
                    Some(position),
                    format!("file is not valid UTF-8: invalid byte {}", bad.join(" ")),
                )
                .with_hint("save the file as UTF-8 (Shift_JIS and other legacy encodings are not supported)"),
            ))
        }
    }
}

/// Parses YAML `bytes` read from the file shown as `path`.
///
/// Returns the file with its tree, or diagnostics (with positions) for the
/// first syntax error — YAML cannot be parsed past one.
pub fn parse(path: &Path, bytes: &[u8], limits: &Limits) -> Result<YamlFile, Box<Diagnostic>> {
    parse_inner(path, bytes, limits)
}

fn parse_inner(path: &Path, bytes: &[u8], limits: &Limits) -> Result<YamlFile, Box<Diagnostic>> {
    if bytes.len() > limits.max_file_bytes {
        return Err(Box::new(
            Diagnostic::error(
                Some(Position::file(path)),
                format!(
                    "file is too large: {} bytes (the limit is {} bytes)",
                    bytes.len(),
                    limits.max_file_bytes
                ),
            )
            .with_hint("split the content into several files, one per publication"),
        ));
    }
    let text = decode_text(path, bytes)?;
    if text.trim().is_empty() {
        return Err(Box::new(
            Diagnostic::error(Some(Position::new(path, &text, 0..0)), "file is empty")
                .with_hint("a content file is a YAML mapping, for example `title: …`"),
        ));
    }
    let mut budget = serde_saphyr::budget::Budget::default();
    budget.max_depth = limits.max_depth;
    budget.max_nodes = limits.max_nodes;
    budget.max_aliases = limits.max_aliases;
    budget.max_events = limits.max_nodes.saturating_mul(4);
    budget.max_total_scalar_bytes = limits.max_file_bytes.saturating_mul(2);
    let options = serde_saphyr::options! {
        budget: Some(budget),
        with_snippet: false,
        strict_booleans: true,
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::Error,
    };
    match serde_saphyr::from_str_with_options::<Spanned<Raw>>(&text, options) {
        Ok(root) => {
            let root = convert(&text, root);
            Ok(YamlFile {
                source: Source {
                    path: path.to_path_buf(),
                    text,
                    origins: Vec::new(),
                },
                root,
            })
        }
        Err(err) => Err(Box::new(yaml_error(path, &text, &err, limits))),
    }
}

fn yaml_error(path: &Path, text: &str, err: &serde_saphyr::Error, limits: &Limits) -> Diagnostic {
    let message = serde_saphyr::UserMessageFormatter
        .format_message(err)
        .into_owned();
    let offset = err
        .location()
        .filter(|l| l.line() > 0)
        .map(|l| offset_of(text, l.line() as usize, l.column() as usize));
    let position = offset.map(|o| {
        // Underline the character at the error, at least.
        let end = text[o..].chars().next().map_or(o, |c| o + c.len_utf8());
        Position::new(path, text, o..end)
    });
    let mut message = message.replace('\n', " ");
    let mut hints = Vec::new();
    let lower = message.to_lowercase();
    if lower.contains("tab") {
        message = "tab character in indentation; YAML indents with spaces only".into();
        // Point at the tab itself (the parser counts a tab as several columns).
        // The parser may report the end of the previous line: look there and
        // on the next line.
        let line = err
            .location()
            .filter(|l| l.line() > 0)
            .map_or(1, |l| l.line() as usize);
        for line in [line, line + 1] {
            let start = offset_of(text, line, 1);
            let rest = &text[start..];
            let rest = &rest[..rest.find('\n').unwrap_or(rest.len())];
            let indent = rest.len() - rest.trim_start_matches([' ', '\t']).len();
            if let Some(tab) = rest[..indent].find('\t') {
                let at = start + tab;
                let mut d =
                    Diagnostic::error(Some(Position::new(path, text, at..at + 1)), message.clone());
                d.hints.push("replace the tab with spaces".to_string());
                return d;
            }
        }
        hints.push("replace the tab with spaces".to_string());
    } else if lower.contains("limits breached") || lower.contains("too large or too complex") {
        let detail = message
            .split("breached:")
            .nth(1)
            .unwrap_or("")
            .trim()
            .to_string();
        message = format!(
            "the YAML is too large or too complex once its anchors and aliases are expanded (limit reached: {detail})"
        );
        hints.push(format!(
            "pamphlet's limits: {} bytes per file, {} levels of nesting, {} nodes, {} aliases",
            limits.max_file_bytes, limits.max_depth, limits.max_nodes, limits.max_aliases
        ));
    } else if lower.contains("recursion") || lower.contains("depth") {
        message = format!("the YAML nests deeper than {} levels", limits.max_depth);
        hints.push("content is a few levels deep; this looks like a broken or hostile file".into());
    } else if lower.contains("duplicate") {
        hints.push("each key may appear once per mapping; remove or rename one of them".into());
    } else if lower.contains("budget") || lower.contains("limit") || lower.contains("exceed") {
        hints.push(
            "the file exceeds pamphlet's limits on size, nesting depth, nodes or aliases"
                .to_string(),
        );
    }
    let mut d = Diagnostic::error(position.or_else(|| Some(Position::file(path))), message);
    d.hints = hints;
    d
}

/// The raw tree as `serde-saphyr` hands it over.
#[derive(Debug)]
enum Raw {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<Raw>>),
    Map(Vec<(Spanned<String>, Spanned<Raw>)>),
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct RawVisitor;
        impl<'de> Visitor<'de> for RawVisitor {
            type Value = Raw;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_unit<E>(self) -> Result<Raw, E> {
                Ok(Raw::Null)
            }
            fn visit_none<E>(self) -> Result<Raw, E> {
                Ok(Raw::Null)
            }
            fn visit_bool<E>(self, v: bool) -> Result<Raw, E> {
                Ok(Raw::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Raw, E> {
                Ok(Raw::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Raw, E> {
                i64::try_from(v).map(Raw::Int).or(Ok(Raw::Float(v as f64)))
            }
            fn visit_i128<E>(self, v: i128) -> Result<Raw, E> {
                Ok(i64::try_from(v)
                    .map(Raw::Int)
                    .unwrap_or(Raw::Float(v as f64)))
            }
            fn visit_u128<E>(self, v: u128) -> Result<Raw, E> {
                Ok(i64::try_from(v)
                    .map(Raw::Int)
                    .unwrap_or(Raw::Float(v as f64)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Raw, E> {
                Ok(Raw::Float(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Raw, E> {
                Ok(Raw::Str(v.into()))
            }
            fn visit_string<E>(self, v: String) -> Result<Raw, E> {
                Ok(Raw::Str(v))
            }
            fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Raw, E> {
                Err(E::custom("binary values are not supported in content"))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Raw, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = a.next_element()? {
                    items.push(item);
                }
                Ok(Raw::Seq(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Raw, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = a.next_entry()? {
                    entries.push(entry);
                }
                Ok(Raw::Map(entries))
            }
        }
        d.deserialize_any(RawVisitor)
    }
}

fn range_of(text: &str, loc: &serde_saphyr::Location) -> Range<usize> {
    let span = loc.span();
    match (span.byte_offset(), span.byte_len()) {
        (Some(start), Some(len)) if (start + len) as usize <= text.len() => {
            start as usize..(start + len) as usize
        }
        _ if loc.line() > 0 => {
            let start = offset_of(text, loc.line() as usize, loc.column() as usize);
            start..start
        }
        _ => 0..0,
    }
}

fn convert(text: &str, raw: Spanned<Raw>) -> Node {
    let range = range_of(text, &raw.referenced);
    let value = match raw.value {
        Raw::Null => Value::Null,
        Raw::Bool(b) => Value::Bool(b),
        Raw::Int(i) => Value::Int(i),
        Raw::Float(f) => Value::Float(f),
        Raw::Str(s) => Value::Str(s),
        Raw::Seq(items) => Value::Seq(items.into_iter().map(|i| convert(text, i)).collect()),
        Raw::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| {
                    let key = Key {
                        range: range_of(text, &k.referenced),
                        name: k.value,
                    };
                    (key, convert(text, v))
                })
                .collect(),
        ),
    };
    Node { value, range }
}

/// Maps a byte offset in a YAML string value to a byte offset in the file,
/// by aligning the value's characters with the source text of its node
/// (which may be quoted, escaped, indented or folded).
pub fn map_offset(file_text: &str, node_range: &Range<usize>, value: &str, offset: usize) -> usize {
    let src =
        &file_text[node_range.start.min(file_text.len())..node_range.end.min(file_text.len())];
    let mut src_pos = 0;
    for (i, c) in value.char_indices() {
        if i >= offset {
            // Land on the character itself, past any indentation or quoting.
            let skip = src[src_pos..].find(c).unwrap_or(0);
            return node_range.start + src_pos + skip;
        }
        if let Some(found) = src[src_pos..].find(c) {
            src_pos += found + c.len_utf8();
        }
    }
    if offset >= value.len() {
        // At the end of the value: the end of the last matched character.
        return node_range.start + src_pos;
    }
    node_range.start
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_offsets_through_block_scalars() {
        let file = "a: |\n  一行目\n  **二**\n";
        let start = file.find("一").unwrap();
        let range = start..file.len();
        let value = "一行目\n**二**\n";
        let at = value.find("**").unwrap();
        let mapped = map_offset(file, &range, value, at);
        assert_eq!(&file[mapped..mapped + 2], "**");
    }

    fn load(src: &str) -> Result<YamlFile, Box<Diagnostic>> {
        parse(Path::new("t.yaml"), src.as_bytes(), &Limits::default())
    }

    #[test]
    fn keeps_positions_of_japanese_text() {
        let f = load("title: クロストーク\nlist:\n  - 日本\n").unwrap();
        let title = f.root.get("title").unwrap();
        assert_eq!(&f.text[title.range.clone()], "クロストーク");
        let p = f.position(title.range.clone());
        assert_eq!((p.line, p.column), (1, 8));
    }

    #[test]
    fn bom_is_accepted() {
        let f = load("\u{FEFF}a: b\n").unwrap();
        assert_eq!(f.root.get("a").unwrap().as_str(), Some("b"));
    }

    #[test]
    fn errors_have_positions() {
        let d = load("a: 1\nb: 2\na: 3\n").unwrap_err();
        let p = d.position.unwrap();
        assert_eq!((p.line, p.column), (3, 1));
        assert!(d.message.contains("duplicate"), "{}", d.message);

        let d = load("a:\n\tb: 1\n").unwrap_err();
        assert!(d.message.contains("tab"), "{}", d.message);
        assert_eq!(d.position.unwrap().line, 2);
        // The parser reports the end of the line before; we point at the tab.
        let d = load("s:\n  - id: a\n\tname: x\n").unwrap_err();
        let p = d.position.unwrap();
        assert_eq!((p.line, p.column), (3, 1), "{}", d.message);

        let d = load("  \n").unwrap_err();
        assert_eq!(d.message, "file is empty");

        let d = parse(Path::new("t.yaml"), b"a: \xff\n", &Limits::default()).unwrap_err();
        assert!(d.message.contains("UTF-8"));
        let p = d.position.unwrap();
        assert_eq!((p.line, p.column), (1, 4));
    }
}
