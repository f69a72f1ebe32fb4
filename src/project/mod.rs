//! The project manifest, `pamphlet.toml`: which publications exist, where
//! their content and layout are, where their PDFs go, and how they are
//! printed.
//!
//! ```toml
//! [project]
//! fonts = ["fonts"]        # font folders (default: ["fonts"])
//!
//! [publications.crosstalk]
//! content = "content/crosstalk.yaml"
//! layout = "layouts/crosstalk/pamphlet.typ"   # schema: layouts/crosstalk/schema.yaml
//! output = "crosstalk.pdf"                    # inside the output folder
//! pages = 4                                   # the layout's page count
//!
//! [publications.handout]
//! content = "content/crosstalk.yaml"
//! layout = "layouts/crosstalk/handout.typ"
//! each = "members"                            # one PDF per item of this list
//! output = "handouts/{id}.pdf"                # fields of the item
//! ```
//!
//! Unknown keys are errors, reported at their line and column. Every path is
//! relative to the project root and may not leave it.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::content::{SheetFormat, TextEncoding};
use crate::diag::{Diagnostic, Position};

mod read;

/// The manifest's file name.
pub const MANIFEST: &str = "pamphlet.toml";

/// A loaded project.
#[derive(Debug, Clone)]
pub struct Project {
    /// The project's name (`[project] name`), if given.
    pub name: Option<String>,
    /// The project root, absolute and canonical.
    pub root: PathBuf,
    /// The manifest's text, for diagnostics.
    pub manifest_text: Arc<str>,
    /// Font folders, relative to the root.
    pub font_dirs: Vec<ProjectPath>,
    /// The publications, by name.
    pub publications: Vec<Publication>,
    /// The content's and the output's images (`[images]`).
    pub images: ImageSettings,
}

/// The `[images]` table of the manifest: what the content's images must
/// be (resolution in their frame, cropping), and how the output's images
/// are made (resolution, JPEG quality, rendering intent).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ImageSettings {
    /// Under this effective resolution in its frame an image is an error.
    pub min_ppi: f64,
    /// Under this it is a warning.
    pub warn_ppi: f64,
    /// Cropping an image to its frame may cut off at most this share of it.
    pub max_crop: f64,
    /// Print variants: images sharper than this are downsampled to it.
    pub print_ppi: f64,
    /// Screen variants: the same.
    pub screen_ppi: f64,
    /// The JPEG quality (1–100) of images pamphlet re-encodes.
    pub jpeg_quality: u8,
    /// How RGB images become the output profile's CMYK (PDF/X).
    pub intent: RenderingIntent,
}

impl Default for ImageSettings {
    fn default() -> Self {
        Self {
            min_ppi: 150.0,
            warn_ppi: 300.0,
            max_crop: 0.25,
            print_ppi: 450.0,
            screen_ppi: 150.0,
            jpeg_quality: 85,
            intent: RenderingIntent::Perceptual,
        }
    }
}

/// The ICC rendering intent of image colour conversion
/// (`[images] rendering_intent`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RenderingIntent {
    /// The profile's own gamut mapping: the whole image is compressed into
    /// the printable gamut (the default; what photos want).
    Perceptual,
    /// Colours inside the gamut are kept exactly, those outside clipped.
    /// (Without black point compensation, which `moxcms` lacks.)
    RelativeColorimetric,
}

/// A path inside the project, relative to its root, with the place in the
/// manifest that named it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProjectPath {
    /// Relative to the project root, `/`-separated, no `..`.
    pub rel: PathBuf,
    /// Where the manifest names it (for "file not found" and the like).
    pub named_at: Option<Position>,
}

impl ProjectPath {
    /// The absolute path under `root`.
    pub fn under(&self, root: &Path) -> PathBuf {
        root.join(&self.rel)
    }
}

impl fmt::Display for ProjectPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.rel.display())
    }
}

/// One publication: a layout applied to content, giving one PDF or one PDF
/// per record.
#[derive(Debug, Clone)]
pub struct Publication {
    /// Its name in the manifest.
    pub name: String,
    /// The content file.
    pub content: ProjectPath,
    /// The layout's entry `.typ` file.
    pub layout: ProjectPath,
    /// The layout's schema (default: `schema.yaml` beside the layout).
    pub schema: ProjectPath,
    /// Output path pattern, relative to the output folder.
    pub output: String,
    /// Where `output` is written in the manifest.
    pub output_at: Option<Position>,
    /// The list in the content to repeat over (one PDF per item).
    pub each: Option<String>,
    /// Where `each` is written in the manifest.
    pub each_at: Option<Position>,
    /// The field that identifies an item (`--record`), default `id`.
    pub key: String,
    /// What a record's template sees (`scope`).
    pub scope: Scope,
    /// The page count the layout promises.
    pub pages: PageRule,
    /// Print settings.
    pub print: PrintSettings,
    /// The variants to build.
    pub variants: Vec<Variant>,
    /// PDF standards for the print variant (default `["x-4"]`).
    pub print_standards: Vec<String>,
    /// The PDF/X part of the print variant, if its standards name one.
    pub pdfx: Option<PdfX>,
    /// The output profile for PDF/X (`print.output_intent`); `None` for the
    /// default, Japan Color 2011 Coated.
    pub output_intent: Option<ProjectPath>,
    /// Where the print variant's standards are named in the manifest.
    pub print_standards_at: Option<Position>,
    /// PDF standards for the screen variant.
    pub screen_standards: Vec<String>,
    /// Where the screen variant's standards are named in the manifest.
    pub screen_standards_at: Option<Position>,
    /// Output path pattern for the screen variant.
    pub screen_output: String,
    /// The typographic lint's settings (`[publications.NAME.lint]`).
    pub lint: LintSettings,
    /// A list of the content read from a spreadsheet
    /// (`[publications.NAME.records]`).
    pub records: Option<RecordSource>,
    /// One file with every record of an `each` publication (`merge`).
    pub merge: Option<Merge>,
}

/// One file with every record of an `each` publication, for a print shop's
/// digital press (PDF/VT-1 when the file is PDF/X-4) or the office printer
/// (`merge` and its keys in the manifest).
#[derive(Debug, Clone, PartialEq)]
pub struct Merge {
    /// The print variant's file, inside the output folder (`handouts.pdf`).
    pub output: String,
    /// The screen variant's file (`handouts.screen.pdf`).
    pub screen_output: String,
    /// Where `merge` is written in the manifest.
    pub at: Option<Position>,
    /// The print variant's PDF standards for the merged file
    /// (`merge_pdf_standard`; default: the print variant's).
    pub print_standards: Vec<String>,
    /// Its PDF/X part, if its standards name one: the file is then PDF/VT-1.
    pub pdfx: Option<PdfX>,
    /// Also write one file per record (`separate`, default `true`).
    pub separate: bool,
    /// Each record is padded with blank pages to a multiple of this
    /// (`pad_to`; 2 starts every record on a new sheet in duplex).
    pub pad_to: usize,
    /// At most this many records per file (`split`): the files are then
    /// numbered, `handouts-0001.pdf`, `handouts-0002.pdf`, …
    pub split: Option<usize>,
    /// The record field that orders the records (`sort`; default: their
    /// order in the data).
    pub sort: Option<String>,
    /// Where `sort` is written in the manifest.
    pub sort_at: Option<Position>,
    /// Record fields written into each record's document part metadata
    /// besides its key (`record_metadata`; none by default: no personal
    /// data leaves the content unless asked for).
    pub metadata: Vec<String>,
    /// Where `record_metadata` is written in the manifest.
    pub metadata_at: Option<Position>,
}

impl Merge {
    /// The merged file of `variant`: `output` (or `screen_output`),
    /// numbered `-0001`… for chunk `chunk` when the records are split.
    pub fn file(&self, variant: Variant, chunk: usize) -> PathBuf {
        let base = match variant {
            Variant::Print => &self.output,
            Variant::Screen => &self.screen_output,
        };
        if self.split.is_none() {
            return PathBuf::from(base);
        }
        let stem = base.strip_suffix(".pdf").unwrap_or(base);
        PathBuf::from(format!("{stem}-{:04}.pdf", chunk + 1))
    }

    /// The CSV beside the merged files of `variant` that lists each
    /// record's file and pages: `handouts.pages.csv`.
    pub fn sidecar(&self, variant: Variant) -> PathBuf {
        let base = match variant {
            Variant::Print => &self.output,
            Variant::Screen => &self.screen_output,
        };
        let stem = base.strip_suffix(".pdf").unwrap_or(base);
        PathBuf::from(format!("{stem}.pages.csv"))
    }
}

/// What the template of one record of an `each` publication sees
/// (`scope` in the manifest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Only its own items of the lists that belong to records (`"record"`,
    /// the default): one changed answer rebuilds one handout.
    #[default]
    Record,
    /// The whole content (`"all"`).
    All,
}

/// Where a list of the content comes from when it is read from a
/// spreadsheet (`[publications.NAME.records]`): one item per row.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordSource {
    /// The CSV/TSV file or workbook.
    pub file: ProjectPath,
    /// The dotted path of the list its rows become (default: `each`).
    pub list: String,
    /// How the file is read.
    pub format: SheetFormat,
    /// For CSV/TSV: the text encoding.
    pub encoding: TextEncoding,
    /// For a workbook: the sheet (the first when `None`).
    pub sheet: Option<String>,
    /// Where `sheet` is written in the manifest.
    pub sheet_at: Option<Position>,
}

/// The typographic lint's rules, by their names in the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LintRule {
    /// A paragraph's last line too short.
    Runt,
    /// Too few lines of a paragraph or block on one side of a break.
    Widow,
    /// A heading parted from its text.
    Heading,
    /// A line starting or ending with a character that may not.
    Kinsoku,
    /// A page of a fixed-page publication left too empty.
    Underfull,
    /// A line running past its frame.
    Overfull,
    /// Body lines too long to read comfortably.
    Measure,
}

impl LintRule {
    /// Every rule.
    pub const ALL: [LintRule; 7] = [
        LintRule::Runt,
        LintRule::Widow,
        LintRule::Heading,
        LintRule::Kinsoku,
        LintRule::Underfull,
        LintRule::Overfull,
        LintRule::Measure,
    ];

    /// Its name in the manifest (`lint.skip`) and in messages.
    pub fn name(self) -> &'static str {
        match self {
            LintRule::Runt => "runt",
            LintRule::Widow => "widow",
            LintRule::Heading => "heading",
            LintRule::Kinsoku => "kinsoku",
            LintRule::Underfull => "underfull",
            LintRule::Overfull => "overfull",
            LintRule::Measure => "measure",
        }
    }
}

/// Thresholds of the typographic lint, and the rules left out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LintSettings {
    /// A last line of at most this many characters is a runt.
    pub runt_chars: usize,
    /// A last line shorter than this share of the paragraph's longest is a
    /// runt too (0: only `runt_chars` counts).
    pub runt_share: f64,
    /// Lines a paragraph or block keeps on each side of a break.
    pub min_lines: usize,
    /// The share of the type area a page of a fixed-page publication fills.
    pub pages_fill: f64,
    /// The longest body line, in full-width characters.
    pub measure: usize,
    /// Rules not run.
    pub skip: Vec<LintRule>,
}

impl Default for LintSettings {
    fn default() -> Self {
        Self {
            runt_chars: 2,
            runt_share: 0.0,
            min_lines: 3,
            pages_fill: 0.7,
            measure: 45,
            skip: Vec::new(),
        }
    }
}

/// What page counts a layout allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct PageRule {
    /// Exactly this many pages.
    pub exact: Option<usize>,
    /// At most this many pages.
    pub max: Option<usize>,
    /// A multiple of this (4 for saddle stitching).
    pub multiple_of: Option<usize>,
}

impl PageRule {
    /// The most pages the rule allows, if bounded.
    pub fn limit(&self) -> Option<usize> {
        match (self.exact, self.max) {
            (Some(e), _) => Some(e),
            (None, m) => m,
        }
    }

    /// Checks `count`; the message says what was expected.
    pub fn check(&self, count: usize) -> Result<(), String> {
        if let Some(e) = self.exact.filter(|e| *e != count) {
            return Err(format!(
                "the document has {count} pages; the layout is made for exactly {e}"
            ));
        }
        if let Some(m) = self.max.filter(|m| count > *m) {
            return Err(format!(
                "the document has {count} pages; the layout allows at most {m}"
            ));
        }
        if let Some(k) = self
            .multiple_of
            .filter(|k| *k > 0 && !count.is_multiple_of(*k))
        {
            return Err(format!(
                "the document has {count} pages; it must be a multiple of {k}"
            ));
        }
        Ok(())
    }
}

/// A variant of a publication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Variant {
    /// For the print shop: bleed, trim marks, CMYK.
    Print,
    /// For the web: no marks, no bleed, RGB.
    Screen,
}

impl Variant {
    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Variant::Print => "print",
            Variant::Screen => "screen",
        }
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A part of PDF/X that pamphlet writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum PdfX {
    /// PDF/X-4 (ISO 15930-7:2010): PDF 1.6, CMYK, ICC-based and spot
    /// colour, transparency allowed.
    X4,
    /// PDF/X-1a:2003 (ISO 15930-4): PDF 1.4, CMYK and spot colour only, no
    /// transparency.
    X1a,
}

impl PdfX {
    /// The part named in `pdf_standard` (`x-4`, `x-1a`).
    pub fn from_name(name: &str) -> Option<PdfX> {
        match name {
            "x-4" => Some(PdfX::X4),
            "x-1a" => Some(PdfX::X1a),
            _ => None,
        }
    }

    /// Its name in `pdf_standard`.
    pub fn name(self) -> &'static str {
        match self {
            PdfX::X4 => "x-4",
            PdfX::X1a => "x-1a",
        }
    }

    /// The value of `GTS_PDFXVersion`.
    pub fn version_key(self) -> &'static str {
        match self {
            PdfX::X4 => "PDF/X-4",
            PdfX::X1a => "PDF/X-1a:2003",
        }
    }

    /// The PDF version the part is based on.
    pub fn pdf_version(self) -> &'static str {
        match self {
            PdfX::X4 => "1.6",
            PdfX::X1a => "1.4",
        }
    }
}

/// Print settings of a publication, lengths in points.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PrintSettings {
    /// Finished (trimmed) page width.
    pub trim_width: f64,
    /// Finished page height.
    pub trim_height: f64,
    /// Bleed on every side.
    pub bleed: f64,
    /// Whether trim marks are drawn (print variant).
    pub marks: bool,
    /// Distance of text from the trim edge that layouts must keep.
    pub safe: f64,
    /// Most total ink (C+M+Y+K) a print PDF may use, in percent.
    pub max_ink: f64,
}

impl PrintSettings {
    /// The settings as they apply to `variant`: the screen variant has no
    /// bleed and no marks.
    pub fn for_variant(&self, variant: Variant) -> PrintSettings {
        match variant {
            Variant::Print => *self,
            Variant::Screen => PrintSettings {
                bleed: 0.0,
                marks: false,
                ..*self
            },
        }
    }
}

impl Default for PrintSettings {
    fn default() -> Self {
        Self {
            trim_width: crate::units::mm(210.0),
            trim_height: crate::units::mm(297.0),
            bleed: crate::units::mm(3.0),
            marks: true,
            safe: crate::units::mm(3.0),
            max_ink: 350.0,
        }
    }
}

/// An error loading the project: diagnostics, or a problem finding it at all.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// No manifest where one was expected.
    #[error("no {MANIFEST} in {0} (run `pamphlet init` to create a project)")]
    NotFound(PathBuf),
    /// The manifest could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The manifest's path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The manifest has problems; each is a diagnostic.
    #[error("{} problem(s) in {MANIFEST}", .0.len())]
    Invalid(Vec<Diagnostic>, Arc<str>),
}

/// The PDF standards that may be named in `pdf_standard`.
pub const PDF_STANDARDS: &[&str] = &[
    "1.4", "1.5", "1.6", "1.7", "2.0", "a-1b", "a-1a", "a-2b", "a-2u", "a-2a", "a-3b", "a-3u",
    "a-3a", "a-4", "a-4f", "a-4e", "ua-1", "x-4", "x-1a",
];

/// The standards of a print variant that names none: PDF/X-4.
pub const DEFAULT_PRINT_STANDARDS: &[&str] = &["x-4"];

impl Project {
    /// Loads the project whose manifest is in `dir`.
    pub fn load(dir: &Path) -> Result<Project, ProjectError> {
        let root = dir
            .canonicalize()
            .map_err(|_| ProjectError::NotFound(dir.to_path_buf()))?;
        let manifest = root.join(MANIFEST);
        let bytes = match std::fs::read(&manifest) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ProjectError::NotFound(dir.to_path_buf()));
            }
            Err(source) => {
                return Err(ProjectError::Io {
                    path: manifest,
                    source,
                });
            }
        };
        let text = crate::content::yaml::decode_text(Path::new(MANIFEST), &bytes)
            .map_err(|d| ProjectError::Invalid(vec![*d], Arc::from("")))?;
        Self::parse(root, text)
    }

    /// Parses manifest `text` for a project rooted at `root` (canonical).
    pub fn parse(root: PathBuf, text: Arc<str>) -> Result<Project, ProjectError> {
        let reader = read::Reader { text: &text };
        let parsed = match reader.toml() {
            Ok(m) => m,
            Err(d) => return Err(ProjectError::Invalid(vec![*d], text)),
        };
        let mut diags = Vec::new();
        let font_dirs = match &parsed.project.fonts {
            Some(dirs) => dirs.iter().map(|d| reader.path(d, &mut diags)).collect(),
            None => vec![ProjectPath {
                rel: PathBuf::from("fonts"),
                named_at: None,
            }],
        };
        let images = reader.images(parsed.images.as_ref(), &mut diags);
        let publications: Vec<Publication> = parsed
            .publications
            .iter()
            .map(|(name, p)| reader.publication(name, p, &mut diags))
            .collect();
        if publications.is_empty() && diags.is_empty() {
            diags.push(
                Diagnostic::error(
                    Some(reader.pos(0..0)),
                    "the manifest declares no publications",
                )
                .with_hint(
                    "add a `[publications.<name>]` table with `content`, `layout` and `output`",
                ),
            );
        }
        if diags.is_empty() {
            Ok(Project {
                name: parsed.project.name,
                root,
                manifest_text: text,
                font_dirs,
                publications,
                images,
            })
        } else {
            Err(ProjectError::Invalid(diags, text))
        }
    }

    /// The publication named `name`.
    pub fn publication(&self, name: &str) -> Option<&Publication> {
        self.publications.iter().find(|p| p.name == name)
    }
}

/// Replaces each `{field}` of an output pattern with what `fill` gives for
/// the field's name.
pub fn fill_pattern(
    pattern: &str,
    mut fill: impl FnMut(&str) -> Result<String, String>,
) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            return Err(format!("`{pattern}` has an unclosed `{{`"));
        };
        out.push_str(&fill(&rest[open + 1..open + close])?);
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn check_output_pattern(pattern: &str) -> Result<(), String> {
    let probe = fill_pattern(pattern, |field| {
        if crate::content::schema::is_field_name(field) {
            Ok("x".into())
        } else {
            Err(format!("`{{{field}}}` in `{pattern}` is not a field name"))
        }
    })?;
    if !probe.ends_with(".pdf") {
        return Err(format!("output `{pattern}` must end in `.pdf`"));
    }
    crate::paths::relative_path(&probe).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> Result<Project, Vec<Diagnostic>> {
        Project::parse(PathBuf::from("/p"), Arc::from(src)).map_err(|e| match e {
            ProjectError::Invalid(d, _) => d,
            other => panic!("{other}"),
        })
    }

    #[test]
    fn reads_publications() {
        let p = parse(
            "[publications.a]\ncontent = \"c.yaml\"\nlayout = \"layouts/a/main.typ\"\noutput = \"a.pdf\"\npages = 4\n[publications.a.print]\ntrim = \"a5\"\nbleed = \"5mm\"\n",
        )
        .unwrap();
        let a = &p.publications[0];
        assert_eq!(a.schema.rel, PathBuf::from("layouts/a/schema.yaml"));
        assert!((a.print.bleed - crate::units::mm(5.0)).abs() < 1e-9);
        assert!((a.print.trim_width - crate::units::mm(148.0)).abs() < 1e-9);
        assert_eq!(a.screen_output, "a.screen.pdf");
    }

    #[test]
    fn unknown_keys_and_bad_paths_have_positions() {
        let e = parse("[publications.a]\ncontent = \"c.yaml\"\nlayot = \"x.typ\"\n").unwrap_err();
        assert_eq!(e[0].message, "unknown key `layot`");
        assert_eq!(e[0].hints, ["did you mean `layout`?"]);
        let p = e[0].position.as_ref().unwrap();
        assert_eq!((p.line, p.column), (3, 1));

        let e = parse("[publications.a]\ncontent = \"../c.yaml\"\nlayout = \"/etc/x.typ\"\noutput = \"a.pdf\"\n").unwrap_err();
        assert_eq!(e.len(), 2);
        assert!(e[0].message.contains("leaves the project"));
        assert_eq!(e[0].position.as_ref().unwrap().line, 2);
        assert!(e[1].message.contains("absolute"));
    }

    #[test]
    fn output_patterns() {
        assert!(check_output_pattern("handouts/{id}.pdf").is_ok());
        assert!(check_output_pattern("../x.pdf").is_err());
        assert!(check_output_pattern("x.png").is_err());
        assert!(check_output_pattern("{id.pdf").is_err());
    }
}
