//! Validated content: typed values in schema order, and every string of it
//! with the field path and file position it came from.

use std::ops::Range;

use super::inline::Rich;

/// Validated content, typed as the schema says.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    /// An optional field that was left out.
    None,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A number.
    Float(f64),
    /// A plain string (types `string`, `id`, `ref`).
    Str(String),
    /// A `text` value with inline markup parsed.
    Rich(Rich),
    /// A list.
    List(Vec<Data>),
    /// An object, fields in schema order.
    Object(Vec<(String, Data)>),
}

impl Data {
    /// The field `name` of an object.
    pub fn get(&self, name: &str) -> Option<&Data> {
        match self {
            Data::Object(fields) => fields.iter().find(|(n, _)| n == name).map(|(_, d)| d),
            _ => None,
        }
    }

    /// The value at a path of object fields and list indices
    /// (`["questions", "0", "answers"]`).
    pub fn at_path(&self, path: &[String]) -> Option<&Data> {
        path.iter().try_fold(self, |d, seg| match d {
            Data::List(items) => seg.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => d.get(seg),
        })
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Data::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The text as it reads: strings as they are, rich text without markup,
    /// numbers formatted.
    pub fn plain(&self) -> Option<String> {
        match self {
            Data::Str(s) => Some(s.clone()),
            Data::Rich(r) => Some(r.plain()),
            Data::Int(i) => Some(i.to_string()),
            Data::Float(f) => Some(f.to_string()),
            _ => None,
        }
    }
}

/// A string of the content with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leaf {
    /// The field path, like `questions[0].answers[2].text`.
    pub path: String,
    /// Byte range of the value in the content file.
    pub range: Range<usize>,
    /// The value as written in YAML (markup included) when it differs
    /// from [`Leaf::plain`]; `None` for text without markup, which most
    /// is (a 10,000-record content holds its text once less). Read it
    /// with [`Leaf::raw`].
    pub marked: Option<String>,
    /// The text as it reads (markup removed): paragraphs separated by
    /// newlines, line breaks within them by U+2028.
    pub plain: String,
}

impl Leaf {
    /// A leaf at `path` and `range` whose value is written as `raw` and
    /// reads as `plain`.
    pub fn new(path: &str, range: Range<usize>, raw: &str, plain: &str) -> Leaf {
        Leaf {
            path: path.to_string(),
            range,
            marked: (raw != plain).then(|| raw.to_string()),
            plain: plain.to_string(),
        }
    }

    /// The value as written in YAML (markup included).
    pub fn raw(&self) -> &str {
        self.marked.as_deref().unwrap_or(&self.plain)
    }
}

/// A file named by the content.
#[derive(Debug, Clone, PartialEq)]
pub struct FileRef {
    /// The field path.
    pub path: String,
    /// The file, relative to the project root (normalised).
    pub file: std::path::PathBuf,
    /// Where the value is in the content file.
    pub range: Range<usize>,
    /// For an `image` field: what it accepts.
    pub image: Option<super::schema::ImageRule>,
}
