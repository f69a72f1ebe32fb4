//! Preparation: everything a publication needs before it can be compiled,
//! done once per build for all its jobs.
//!
//! 1. load the layout's schema and the content (each file once, however
//!    many publications share it) and validate the content — every problem
//!    at its line and column ([`crate::content`]);
//! 2. turn the content into Typst values ([`values`]) and, for `each`
//!    publications, prepare the record views ([`views`]);
//! 3. check what Typst would pass over silently: characters that no font
//!    covers, files the content names that are not in the project
//!    ([`checks`]), images that are damaged, hostile, or too small for
//!    their frame ([`images`]).
//!
//! Preparation reads files but writes none, and never compiles.

pub mod checks;
pub mod images;
pub mod values;
pub mod views;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use typst::Library;
use typst::foundations::Value;
use typst::syntax::FileId;
use typst::utils::LazyHash;

pub use self::checks::coverage;
use crate::content::{Content, Limits, Schema, SheetFormat, SheetInput, TextEncoding};
use crate::diag::{Diagnostic, Diagnostics, Sources};
use crate::print::profile::OutputProfile;
use crate::project::{self, Project, ProjectPath, Publication};
use crate::world::{self, Fonts, ProjectWorld};

/// A publication ready to compile: its manifest entry, validated content and
/// entry file.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The manifest entry.
    pub publication: Publication,
    /// The validated content.
    pub content: Arc<Content>,
    /// The whole content as a Typst value, made when first asked for
    /// ([`Prepared::content_value`]): an `each` publication whose records
    /// see only their own items never needs it.
    pub whole: Arc<OnceLock<Value>>,
    /// The layout entry file.
    pub main: FileId,
    /// Record views, for `each` publications of `scope = "record"`.
    pub record_views: Option<Arc<views::RecordViews>>,
    /// Extra strings for `sys.inputs` (`--input KEY=VALUE`).
    pub extra_inputs: Arc<Vec<(String, String)>>,
    /// Characters of the content that no font covers (reported with their
    /// place in the content when it was loaded).
    pub uncovered: Arc<BTreeSet<char>>,
    /// The content's images whose resolution was reported when it was
    /// loaded, by size in pixels, with whether as an error (preflight then
    /// does not report them again).
    pub reported_images: Arc<BTreeMap<(i64, i64), bool>>,
    /// The output profile of the print variant: the CMYK its images are
    /// converted to, and for PDF/X its output intent.
    pub output_profile: Option<Arc<OutputProfile>>,
    /// The project's image settings (`[images]`).
    pub images: crate::project::ImageSettings,
    /// For an `each` publication showing record views: the content leaves
    /// of each record (for checks on one record's pages).
    pub record_leaves: Option<Arc<views::RecordLeaves>>,
    /// The content's images with the frames their schema gives.
    pub image_frames: Arc<crate::world::ImageFrames>,
    /// The library of each variant (print, screen) and a hash of its
    /// `sys.inputs`, built by the first job that needs it and shared by the
    /// others.
    pub libraries: Arc<[OnceLock<SharedLibrary>; 2]>,
}

impl Prepared {
    /// The whole content as a Typst value (made once, shared by the
    /// publications that read the same content).
    pub fn content_value(&self) -> &Value {
        self.whole
            .get_or_init(|| values::to_value(&self.content.data))
    }
}

/// A library shared by the jobs of a publication and variant, and a
/// stable hash of its `sys.inputs`.
pub type SharedLibrary = (Arc<LazyHash<Library>>, u128);

/// The content's `image` files with a schema frame, the one their schema
/// gives for `layout` (the publication's layout file name without `.typ`,
/// when it is beside the schema); a file in several fields gets the
/// largest.
fn image_frames(content: &Content, layout: Option<&str>) -> crate::world::ImageFrames {
    let mut frames = crate::world::ImageFrames::new();
    for f in &content.files {
        let Some((w, h)) = f
            .image
            .as_ref()
            .and_then(|r| layout.map_or(r.frame, |l| r.frame_in(l)))
        else {
            continue;
        };
        let Ok(id) = ProjectWorld::file_id(&f.file) else {
            continue;
        };
        let e = frames.entry(id).or_insert((0.0, 0.0));
        *e = (e.0.max(w), e.1.max(h));
    }
    frames
}

/// The name of `publication`'s layout file without `.typ`, when it is
/// beside its schema (where the schema's `frames` name layouts).
fn layout_beside(publication: &Publication) -> Option<&str> {
    let layout = &publication.layout.rel;
    (layout.parent() == publication.schema.rel.parent())
        .then(|| layout.file_stem()?.to_str())
        .flatten()
}

/// A warning for each record of `each` that no record-scoped item refers
/// to: its PDF would show nothing of its own (a member without answers).
fn nothing_to_print(
    content: &Content,
    views: &views::RecordViews,
    each: &str,
    key: &str,
    context: &str,
) -> Vec<Diagnostic> {
    let Some(records) = content.records(each) else {
        return Vec::new();
    };
    records
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let id = r.get(key).and_then(crate::content::Data::plain)?;
            if views.has_own(&id) {
                return None;
            }
            Some(
                Diagnostic::warning(
                    content.item_position(each, i),
                    format!("`{each}[{i}]` (`{id}`) has nothing of its own to print: no item of the lists that belong to records refers to it"),
                )
                .with_hint("add its items (answers, say) or remove it; a schema can make this an error with `covers`")
                .with_context(context),
            )
        })
        .collect()
}

/// Publications ready to build, and what was found on the way.
#[derive(Debug, Default)]
pub struct Preparation {
    /// The publications whose content passed validation.
    pub prepared: Vec<Prepared>,
    /// Problems found.
    pub diagnostics: Diagnostics,
    /// Texts of the files they point into.
    pub sources: Sources,
}

/// A publication name that the manifest does not declare.
#[derive(Debug, Clone, thiserror::Error)]
#[error("no publication `{name}` in {} (known: {})", project::MANIFEST, .known.join(", "))]
pub struct UnknownPublication {
    /// The name asked for.
    pub name: String,
    /// The names the manifest declares.
    pub known: Vec<String>,
}

impl UnknownPublication {
    /// `name`, which `project` does not declare.
    pub fn new(project: &Project, name: &str) -> Self {
        UnknownPublication {
            name: name.to_string(),
            known: project
                .publications
                .iter()
                .map(|p| p.name.clone())
                .collect(),
        }
    }
}

/// What preparation needs besides the project and its fonts.
#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    /// Limits on content and schema files.
    pub limits: Limits,
    /// Extra strings for `sys.inputs` (`--input KEY=VALUE`).
    pub inputs: &'a Arc<Vec<(String, String)>>,
}

/// How a publication reads a list from a spreadsheet, as part of a key:
/// publications that read the same list the same way share the content.
type RecordsKey = (PathBuf, String, SheetFormat, TextEncoding, Option<String>);

/// A content file loaded once, with its Typst value when made.
type LoadedContent = (Arc<Content>, Arc<OnceLock<Value>>);

/// Loads and validates the content of the publications named in `names`
/// (all when empty). Publications whose content is valid are prepared even
/// when another's is not: every problem is reported in one run.
pub fn prepare(
    project: &Project,
    fonts: &Fonts,
    options: Options,
    names: &[String],
) -> Result<Preparation, UnknownPublication> {
    if let Some(name) = names.iter().find(|n| project.publication(n).is_none()) {
        return Err(UnknownPublication::new(project, name));
    }
    let mut loader = Loader::new(project, options.limits);
    for publication in &project.publications {
        if names.is_empty() || names.contains(&publication.name) {
            loader.publication(publication, options.inputs);
        }
    }
    let mut prep = loader.prep;
    checks::run(project, fonts, &mut prep);
    Ok(prep)
}

/// Why [`schema_of`] has no schema to give.
#[derive(Debug)]
pub enum SchemaError {
    /// The manifest declares no such publication.
    Unknown(UnknownPublication),
    /// The schema has problems: the diagnostics, with the texts they point
    /// into.
    Invalid(Preparation),
}

/// The schema of the publication `name`, without its content (which may be
/// broken while an editor works on it).
pub fn schema_of(
    project: &Project,
    name: &str,
    limits: Limits,
) -> Result<Arc<Schema>, SchemaError> {
    let Some(publication) = project.publication(name) else {
        return Err(SchemaError::Unknown(UnknownPublication::new(project, name)));
    };
    let mut loader = Loader::new(project, limits);
    loader
        .schema(publication)
        .ok_or(SchemaError::Invalid(loader.prep))
}

/// Loads schemas and content files, each once, into a preparation.
struct Loader<'a> {
    project: &'a Project,
    limits: Limits,
    prep: Preparation,
    /// Schemas by path; `None` where the schema had problems.
    schemas: BTreeMap<PathBuf, Option<Arc<Schema>>>,
    /// Content by (content path, schema path, records); `None` where it
    /// was invalid.
    contents: BTreeMap<(PathBuf, PathBuf, Option<RecordsKey>), Option<LoadedContent>>,
    /// Output profiles by path; `None` where the file is not one.
    profiles: BTreeMap<PathBuf, Option<Arc<OutputProfile>>>,
}

impl<'a> Loader<'a> {
    /// A loader with nothing loaded yet; the manifest's text is among the
    /// sources, for diagnostics that point into it.
    fn new(project: &'a Project, limits: Limits) -> Self {
        let mut prep = Preparation::default();
        prep.sources
            .insert(project::MANIFEST, project.manifest_text.clone());
        Loader {
            project,
            limits,
            prep,
            schemas: BTreeMap::new(),
            contents: BTreeMap::new(),
            profiles: BTreeMap::new(),
        }
    }

    /// Prepares one publication, or records why it cannot be built.
    fn publication(&mut self, publication: &Publication, inputs: &Arc<Vec<(String, String)>>) {
        let context = format!("publication `{}`", publication.name);
        let Some(schema) = self.schema(publication) else {
            return;
        };
        let Some((content, whole)) = self.content(publication, &schema) else {
            return;
        };
        let main = match ProjectWorld::file_id(&publication.layout.rel) {
            Ok(id) => id,
            Err(msg) => {
                self.prep.diagnostics.push(
                    Diagnostic::error(publication.layout.named_at.clone(), msg)
                        .with_context(&context),
                );
                return;
            }
        };
        if !publication.layout.under(&self.project.root).is_file() {
            self.prep.diagnostics.push(
                Diagnostic::error(
                    publication.layout.named_at.clone(),
                    format!("layout file not found: {}", publication.layout),
                )
                .with_context(&context),
            );
            return;
        }
        // Print variants convert their images to CMYK through the output
        // profile, PDF/X or not; PDF/X also embeds it as the output intent.
        let print = publication
            .variants
            .contains(&crate::project::Variant::Print);
        let output_profile = match (print, &publication.output_intent) {
            (false, _) => None,
            (true, None) => Some(OutputProfile::japan_color_2011_coated()),
            (true, Some(path)) => match self.profile(path) {
                Some(p) => Some(p),
                None => return,
            },
        };
        let record_views = match &publication.each {
            Some(each) if publication.scope == project::Scope::Record => {
                let path: Vec<String> = each.split('.').map(String::from).collect();
                views::RecordViews::new(content.clone(), &schema.root, &path, &publication.key)
                    .map(Arc::new)
            }
            _ => None,
        };
        if let (Some(views), Some(each)) = (&record_views, &publication.each) {
            self.prep.diagnostics.extend(nothing_to_print(
                &content,
                views,
                each,
                &publication.key,
                &context,
            ));
        }
        let record_leaves = match &publication.each {
            Some(each) if publication.scope == project::Scope::Record => {
                let path: Vec<String> = each.split('.').map(String::from).collect();
                Some(Arc::new(views::RecordLeaves::new(
                    &content,
                    &schema.root,
                    &path,
                    &publication.key,
                )))
            }
            _ => None,
        };
        let image_frames = Arc::new(image_frames(&content, layout_beside(publication)));
        self.prep.prepared.push(Prepared {
            image_frames,
            record_leaves,
            publication: publication.clone(),
            content,
            whole,
            main,
            record_views,
            extra_inputs: inputs.clone(),
            output_profile,
            images: self.project.images,
            libraries: Arc::default(),
            uncovered: Arc::default(),
            reported_images: Arc::default(),
        });
    }

    /// The publication's schema, loaded once per schema file.
    fn schema(&mut self, publication: &Publication) -> Option<Arc<Schema>> {
        if let Some(schema) = self.schemas.get(&publication.schema.rel) {
            return schema.clone();
        }
        let schema = self.load_schema(&publication.schema);
        self.schemas
            .insert(publication.schema.rel.clone(), schema.clone());
        schema
    }

    fn load_schema(&mut self, path: &ProjectPath) -> Option<Arc<Schema>> {
        let schema = self.read_schema(path)?;
        if schema.image_rules().iter().all(|r| r.frames.is_empty()) {
            return Some(schema);
        }
        // A frame for a layout that is not there is a misspelt name.
        let folder = path.under(&self.project.root);
        let folder = folder.parent().unwrap_or(&self.project.root);
        let layouts: Vec<String> = std::fs::read_dir(folder)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                name.strip_suffix(".typ").map(String::from)
            })
            .collect();
        let mut unknown = Vec::new();
        for rule in schema.image_rules() {
            for f in rule.frames.iter().filter(|f| !layouts.contains(&f.layout)) {
                let beside = path.rel.parent().unwrap_or(std::path::Path::new(""));
                let file = beside.join(format!("{}.typ", f.layout));
                let hint = match crate::content::schema::did_you_mean(
                    &f.layout,
                    layouts.iter().map(String::as_str),
                ) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "name a layout file beside the schema, without `.typ`".into(),
                };
                unknown.push(
                    Diagnostic::error(
                        Some(f.at.clone()),
                        format!(
                            "`frames` names `{}`, but there is no {}",
                            f.layout,
                            file.display()
                        ),
                    )
                    .with_hint(hint),
                );
            }
        }
        if !unknown.is_empty() {
            self.prep.diagnostics.extend(unknown);
            return None;
        }
        Some(schema)
    }

    fn read_schema(&mut self, path: &ProjectPath) -> Option<Arc<Schema>> {
        let bytes = self.read(path, "schema")?;
        let file = match crate::content::yaml::parse(&path.rel, &bytes, &self.limits) {
            Ok(f) => f,
            Err(d) => {
                self.prep.diagnostics.push(*d);
                return None;
            }
        };
        self.prep.sources.insert(&file.path, file.text.clone());
        match Schema::from_yaml(&file) {
            Ok(s) => Some(Arc::new(s)),
            Err(diags) => {
                self.prep.diagnostics.extend(diags);
                None
            }
        }
    }

    /// The publication's content validated against `schema`, loaded once
    /// per content and schema file.
    fn content(&mut self, publication: &Publication, schema: &Schema) -> Option<LoadedContent> {
        let key = (
            publication.content.rel.clone(),
            publication.schema.rel.clone(),
            publication.records.as_ref().map(|r| {
                (
                    r.file.rel.clone(),
                    r.list.clone(),
                    r.format,
                    r.encoding,
                    r.sheet.clone(),
                )
            }),
        );
        if let Some(loaded) = self.contents.get(&key) {
            return loaded.clone();
        }
        let loaded = self.load_content(&publication.content, schema, publication.records.as_ref());
        self.contents.insert(key, loaded.clone());
        loaded
    }

    fn load_content(
        &mut self,
        path: &ProjectPath,
        schema: &Schema,
        records: Option<&project::RecordSource>,
    ) -> Option<LoadedContent> {
        let bytes = self.read(path, "content file")?;
        let sheet = match records {
            Some(r) => Some((r, self.read(&r.file, "records file")?)),
            None => None,
        };
        let input = sheet.as_ref().map(|(r, bytes)| SheetInput {
            path: &r.file.rel,
            bytes,
            format: r.format,
            encoding: r.encoding,
            sheet: r.sheet.as_deref(),
            sheet_at: r.sheet_at.as_ref(),
            list: &r.list,
            named_at: r.file.named_at.as_ref(),
        });
        let loaded = Content::load_with(&path.rel, &bytes, schema, &self.limits, input.as_ref());
        // A CSV's text, for the diagnostics' snippets.
        if let Some((r, bytes)) = &sheet
            && let Some(text) =
                crate::content::sheet::text_of(&r.file.rel, bytes, r.format, r.encoding)
        {
            self.prep.sources.insert(&r.file.rel, text);
        }
        match loaded {
            Ok(content) => {
                self.prep
                    .sources
                    .insert(&content.file.path, content.file.text.clone());
                Some((Arc::new(content), Arc::default()))
            }
            Err(diags) => {
                // The text, for the diagnostics' snippets, if it is text.
                if let Ok(text) =
                    std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes))
                {
                    self.prep.sources.insert(&path.rel, Arc::from(text));
                }
                self.prep.diagnostics.extend(diags);
                None
            }
        }
    }

    /// The output profile at `path` (`print.output_intent`), read and
    /// checked once; a file that is not a CMYK output profile is an error
    /// at the manifest line.
    fn profile(&mut self, path: &ProjectPath) -> Option<Arc<OutputProfile>> {
        if let Some(profile) = self.profiles.get(&path.rel) {
            return profile.clone();
        }
        let profile = self.read(path, "output profile").and_then(|bytes| {
            match OutputProfile::parse(bytes) {
                Ok(p) => Some(Arc::new(p)),
                Err(msg) => {
                    self.prep.diagnostics.push(
                        Diagnostic::error(path.named_at.clone(), format!("{path}: {msg}"))
                            .with_hint("`print.output_intent` names the ICC profile of the printing condition (a CMYK output profile, like Japan Color 2011 Coated or FOGRA39)"),
                    );
                    None
                }
            }
        });
        self.profiles.insert(path.rel.clone(), profile.clone());
        profile
    }

    /// Reads a project file named in the manifest; a problem is a
    /// diagnostic at the manifest line that names it.
    fn read(&mut self, path: &ProjectPath, what: &str) -> Option<Vec<u8>> {
        let full = path.under(&self.project.root);
        match world::read_confined(&full, &self.project.root) {
            Ok(bytes) => Some(bytes.as_slice().to_vec()),
            Err(e) => {
                let message = match e {
                    typst::diag::FileError::NotFound(_) => format!("{what} not found: {path}"),
                    typst::diag::FileError::IsDirectory => {
                        format!("{what} {path} is a folder, not a file")
                    }
                    other => format!("cannot read {what} {path}: {other}"),
                };
                self.prep
                    .diagnostics
                    .push(Diagnostic::error(path.named_at.clone(), message));
                None
            }
        }
    }
}
