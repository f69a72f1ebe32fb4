//! Jobs: one PDF each. Planning expands publications into jobs (one per
//! variant, and per record for `each` publications); compiling runs them in
//! parallel on one shared world and returns every warning and error as data.

use std::collections::BTreeSet;
use std::hash::Hasher;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use ecow::EcoString;
use typst::diag::{SourceDiagnostic, Tracepoint, Warned};
use typst::foundations::{Bytes, Dict, IntoValue, Smart, Value};
use typst::layout::{Abs, Frame, FrameItem};
use typst::syntax::FileId;
use typst::utils::LazyHash;
use typst::{Library, World, WorldExt};
use typst_layout::PagedDocument;

use crate::content::{Content, Data};
use crate::diag::{Diagnostic, Position, Sources};
use crate::project::{Publication, Variant};
use crate::world::{JobWorld, ProjectWorld};

/// A publication ready to compile: its manifest entry, validated content and
/// entry file.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The manifest entry.
    pub publication: Publication,
    /// The validated content.
    pub content: Arc<Content>,
    /// The whole content as a Typst value.
    pub content_value: Value,
    /// The layout entry file.
    pub main: FileId,
    /// Record views, for `each` publications.
    pub scoped: Option<Arc<crate::content::scope::Scoped>>,
    /// Extra strings for `sys.inputs` (`--input KEY=VALUE`).
    pub extra_inputs: Arc<Vec<(String, String)>>,
    /// Characters of the content that no font covers (reported with their
    /// place in the content when it was loaded).
    pub uncovered: Arc<BTreeSet<char>>,
    /// The library of each variant (print, screen) and a hash of its
    /// `sys.inputs`, built by the first job that needs it and shared by the
    /// others.
    pub libraries: Arc<[OnceLock<SharedLibrary>; 2]>,
}

/// A library shared by the jobs of a publication and variant, and a
/// stable hash of its `sys.inputs`.
pub type SharedLibrary = (Arc<LazyHash<Library>>, u128);

/// The keys of `sys.inputs` that pamphlet sets, or that a layout reads
/// its data from.
pub const RESERVED_INPUTS: &[&str] = &[
    "content",
    "record",
    "publication",
    "print",
    "pamphlet-cbor",
    "pamphlet-data",
    "pamphlet-record",
];

/// The item a job repeats over.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Record {
    /// Index in the list.
    pub index: usize,
    /// Its key (`id`) value.
    pub key: String,
}

/// One PDF to build.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Job {
    /// Index of the publication in the prepared list.
    pub publication: usize,
    /// Name of the publication.
    pub name: String,
    /// Print or screen.
    pub variant: Variant,
    /// The record, for `each` publications.
    pub record: Option<Record>,
    /// Output path relative to the output folder.
    pub output: PathBuf,
}

impl Job {
    /// A human description: `handout (record sotetsu, print)`.
    pub fn describe(&self) -> String {
        match &self.record {
            Some(r) => format!(
                "publication `{}`, record `{}`, {} variant",
                self.name, r.key, self.variant
            ),
            None => format!("publication `{}`, {} variant", self.name, self.variant),
        }
    }

    /// Whether this job is in shard `k` of `n` (1-based): a stable share by
    /// a hash of the output path, so every output is in exactly one shard
    /// and shards do not move when other outputs are added.
    pub fn in_shard(&self, k: usize, n: usize) -> bool {
        let mut h = siphasher::sip::SipHasher13::new_with_keys(0, 0);
        h.write(self.output.to_string_lossy().as_bytes());
        (h.finish() % n as u64) as usize == k - 1
    }
}

/// Expands prepared publications into jobs. Errors (a record without a
/// key, output paths that collide) are diagnostics.
pub fn plan(prepared: &[Prepared], variants: Option<&[Variant]>) -> (Vec<Job>, Vec<Diagnostic>) {
    let mut jobs = Vec::new();
    let mut diags = Vec::new();
    for (pi, p) in prepared.iter().enumerate() {
        let publication = &p.publication;
        for &variant in &publication.variants {
            if variants.is_some_and(|v| !v.contains(&variant)) {
                continue;
            }
            let pattern = match variant {
                Variant::Print => &publication.output,
                Variant::Screen => &publication.screen_output,
            };
            match &publication.each {
                None => jobs.push(Job {
                    publication: pi,
                    name: publication.name.clone(),
                    variant,
                    record: None,
                    output: PathBuf::from(pattern),
                }),
                Some(each) => {
                    let Some(items) = p.content.records(each) else {
                        diags.push(
                            Diagnostic::error(
                                publication.each_at.clone(),
                                format!(
                                    "`each = \"{each}\"`: the content {} has no list `{each}`",
                                    p.content.file.path.display()
                                ),
                            )
                            .with_hint("`each` names a list field of the content, like `members`"),
                        );
                        continue;
                    };
                    for (index, item) in items.iter().enumerate() {
                        let key = item.get(&publication.key).and_then(Data::plain);
                        let Some(key) = key else {
                            diags.push(Diagnostic::error(
                                publication.each_at.clone(),
                                format!(
                                    "item {index} of `{each}` has no `{}` to name its output",
                                    publication.key
                                ),
                            ));
                            continue;
                        };
                        match expand_output(pattern, item) {
                            Ok(output) => jobs.push(Job {
                                publication: pi,
                                name: publication.name.clone(),
                                variant,
                                record: Some(Record { index, key }),
                                output,
                            }),
                            Err(msg) => {
                                diags.push(Diagnostic::error(publication.output_at.clone(), msg))
                            }
                        }
                    }
                }
            }
        }
    }
    // Two jobs must never write the same file.
    let mut seen = std::collections::BTreeMap::new();
    for job in &jobs {
        if let Some(other) = seen.insert(job.output.clone(), job.describe()) {
            diags.push(
                Diagnostic::error(
                    prepared[job.publication].publication.output_at.clone(),
                    format!(
                        "{} and {} would both write {}",
                        other,
                        job.describe(),
                        job.output.display()
                    ),
                )
                .with_hint("give each publication its own `output` path"),
            );
        }
    }
    (jobs, diags)
}

/// Fills `{field}` in `pattern` from the record.
fn expand_output(pattern: &str, item: &Data) -> Result<PathBuf, String> {
    let out = crate::project::fill_pattern(pattern, |field| {
        let value = item.get(field).and_then(Data::plain).ok_or_else(|| {
            format!("`output` uses `{{{field}}}`, but the record has no such text field")
        })?;
        if value.is_empty() || value == "." || value == ".." || value.contains(['/', '\\', '\0']) {
            return Err(format!(
                "record field `{field}` = `{value}` cannot be used in a file name"
            ));
        }
        Ok(value)
    })?;
    crate::project::relative_path(&out)
}

/// Options that shape every compilation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CompileOptions {
    /// PDF creation date (seconds since the Unix epoch); `None` omits it.
    pub creation_timestamp: Option<i64>,
    /// Render PNG previews at this resolution.
    pub preview_ppi: Option<f64>,
}

/// The result of compiling one job.
#[derive(Debug)]
pub struct Compiled {
    /// The PDF, when compilation succeeded.
    pub pdf: Option<Vec<u8>>,
    /// Number of pages.
    pub pages: usize,
    /// Warnings and errors.
    pub diagnostics: Vec<Diagnostic>,
    /// Texts of the files the diagnostics point into.
    pub sources: Sources,
    /// Files the compilation read, as project-relative paths.
    pub accessed: Vec<PathBuf>,
    /// Time taken.
    pub duration: Duration,
    /// Time per phase.
    pub phases: Phases,
    /// PNG previews: (path relative to the output folder, bytes).
    pub previews: Vec<(PathBuf, Vec<u8>)>,
}

/// Time spent in each phase of a job.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Phases {
    /// Typst evaluation and layout.
    pub typeset: Duration,
    /// Print stage and PDF export (font subsetting, compression).
    pub export: Duration,
    /// Page boxes and preflight of print PDFs.
    pub finish: Duration,
    /// Writing the file.
    pub write: Duration,
}

impl std::ops::AddAssign for Phases {
    fn add_assign(&mut self, o: Self) {
        self.typeset += o.typeset;
        self.export += o.export;
        self.finish += o.finish;
        self.write += o.write;
    }
}

/// What a job's template receives: the batch's library (its `sys.inputs`
/// are the same for every job of a publication and variant) and the job's
/// own data, served as a CBOR file at [`crate::world::DATA_PATH`].
#[derive(Clone)]
pub struct Inputs {
    /// The standard library with the shared `sys.inputs`.
    pub library: Arc<LazyHash<Library>>,
    /// A hash of the shared `sys.inputs`, stable across processes (the
    /// library's own hash is not: it covers native function pointers).
    pub shared: u128,
    /// The job's own data as CBOR: the top-level content fields of its
    /// record's view that differ between records, the record, its key and
    /// its index.
    pub data: Bytes,
}

impl std::hash::Hash for Inputs {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.shared.hash(state);
        self.data.as_slice().hash(state);
    }
}

/// The inputs of a job: the shared library of its publication and variant
/// (built once) and its own data.
pub fn inputs(p: &Prepared, job: &Job) -> Inputs {
    let (library, shared) = p.libraries[match job.variant {
        Variant::Print => 0,
        Variant::Screen => 1,
    }]
    .get_or_init(|| {
        let inputs = shared_inputs(p, job.variant);
        let hash = typst::utils::hash128(&inputs);
        (crate::world::library(inputs), hash)
    })
    .clone();
    Inputs {
        library,
        shared,
        data: Bytes::new(data_cbor(p, job)),
    }
}

/// The `sys.inputs` shared by every job of a publication and variant:
/// `content` (for the records of an `each` publication, the part of their
/// views that no record changes, see [`crate::content::scope::Scoped::base`]),
/// `publication` (name, variant), `print`, the `--input` strings, and
/// `pamphlet-cbor`, the path of each job's own data.
fn shared_inputs(p: &Prepared, variant: Variant) -> Dict {
    let publication = &p.publication;
    let print = publication.print.for_variant(variant);
    let len = |pt: f64| Value::Length(Abs::pt(pt).into());
    let mut trim = Dict::new();
    trim.insert("width".into(), len(print.trim_width));
    trim.insert("height".into(), len(print.trim_height));
    let mut pr = Dict::new();
    pr.insert("variant".into(), variant.name().into_value());
    pr.insert("trim".into(), Value::Dict(trim));
    pr.insert("bleed".into(), len(print.bleed));
    pr.insert("safe".into(), len(print.safe));
    pr.insert("marks".into(), print.marks.into_value());
    let mut pb = Dict::new();
    pb.insert("name".into(), publication.name.as_str().into_value());
    pb.insert("variant".into(), variant.name().into_value());
    let mut inputs = Dict::new();
    for (k, v) in p.extra_inputs.iter() {
        inputs.insert(k.as_str().into(), v.as_str().into_value());
    }
    let content = match &p.scoped {
        Some(scoped) => scoped.base().unwrap_or(Value::None),
        None => p.content_value.clone(),
    };
    inputs.insert("content".into(), content);
    inputs.insert("publication".into(), Value::Dict(pb));
    inputs.insert("print".into(), Value::Dict(pr));
    inputs.insert("pamphlet-cbor".into(), crate::world::DATA_PATH.into_value());
    inputs
}

/// A job's own data as CBOR: `fields` (the top-level content fields of a
/// record's view that differ between records, merged by the layout over
/// the shared `content`; or `content`, the whole view, when the content
/// has no such split), `record` (the item, or none), `key` (its key, or
/// none) and `index` (its position in the list, or none). Its size depends
/// on the record, not on how many records there are.
fn data_cbor(p: &Prepared, job: &Job) -> Vec<u8> {
    let publication = &p.publication;
    // The record as a value: already in the content's value, by index.
    let record = job
        .record
        .as_ref()
        .and_then(|r| {
            let each = publication.each.as_deref()?;
            let list = each.split('.').try_fold(&p.content_value, |v, k| match v {
                Value::Dict(d) => d.get(k).ok(),
                _ => None,
            })?;
            match list {
                Value::Array(items) => items.as_slice().get(r.index).cloned(),
                _ => None,
            }
        })
        .unwrap_or(Value::None);
    let mut data = Dict::new();
    match (&job.record, &p.scoped) {
        (Some(r), Some(scoped)) if !scoped.splits() => {
            data.insert("content".into(), scoped.view(&r.key));
        }
        (Some(r), Some(scoped)) => {
            data.insert("fields".into(), Value::Dict(scoped.varying(&r.key)));
        }
        _ => {
            data.insert("fields".into(), Value::Dict(Dict::new()));
        }
    }
    data.insert("record".into(), record);
    data.insert(
        "key".into(),
        job.record
            .as_ref()
            .map_or(Value::None, |r| r.key.as_str().into_value()),
    );
    data.insert(
        "index".into(),
        job.record
            .as_ref()
            .map_or(Value::None, |r| (r.index as i64).into_value()),
    );
    let mut bytes = Vec::with_capacity(16 * 1024);
    // Content values are plain data (strings, numbers, lists, objects),
    // which CBOR holds exactly; writing to a Vec cannot fail.
    ciborium::into_writer(&Value::Dict(data), &mut bytes).expect("plain data serialises to CBOR");
    bytes
}

/// The data a publication's template receives, as JSON, for the typst CLI
/// or an editor (`--input pamphlet-data=FILE`, and `--input
/// pamphlet-record=ID` for one record of an `each` publication). Lengths
/// are in points; `layouts/_lib/pamphlet.typ` converts them back.
pub fn inputs_json(p: &Prepared, variant: Variant) -> serde_json::Value {
    let publication = &p.publication;
    let print = publication.print.for_variant(variant);
    serde_json::json!({
        "content": serde_json::to_value(&p.content_value).unwrap_or_default(),
        "each": publication.each,
        "key": publication.key,
        "publication": {"name": publication.name, "variant": variant.name(), "record": null},
        "print": {
            "variant": variant.name(),
            "trim": {"width": print.trim_width, "height": print.trim_height},
            "bleed": print.bleed,
            "safe": print.safe,
            "marks": print.marks,
        },
    })
}

/// Compiles one job to PDF bytes with its `inputs` (from [`inputs`]).
/// Nothing is written.
pub fn compile(
    world: &ProjectWorld,
    p: &Prepared,
    job: &Job,
    inputs: Inputs,
    options: &CompileOptions,
    shown: &Path,
) -> Compiled {
    let start = Instant::now();
    let context = job.describe();
    let job_world = world.job(p.main, inputs.library, inputs.data);
    let mut sources = Sources::new();
    let mut diagnostics = Vec::new();
    let mut phases = Phases::default();
    let mut clock = Instant::now();
    let mut lap = |slot: &mut Duration| {
        *slot = clock.elapsed();
        clock = Instant::now();
    };
    let Warned { output, warnings } = typst::compile::<PagedDocument>(&job_world);
    lap(&mut phases.typeset);
    for w in &warnings {
        diagnostics.push(convert(&job_world, w, &mut sources).with_context(&context));
    }
    let mut pdf = None;
    let mut pages = 0;
    let mut previews = Vec::new();
    match output {
        Err(errors) => {
            for e in &errors {
                diagnostics.push(convert(&job_world, e, &mut sources).with_context(&context));
            }
        }
        Ok(document) => {
            pages = document.pages().len();
            diagnostics.extend(
                missing_glyphs(&document, &p.uncovered)
                    .into_iter()
                    .map(|d| d.with_context(&context)),
            );
            diagnostics.extend(
                check_pages(p, &document)
                    .into_iter()
                    .map(|d| d.with_context(&context)),
            );
            if let Some(ppi) = options.preview_ppi {
                previews = crate::preview::render(&document, &job.output, ppi);
            }
            let findings = (job.variant == Variant::Print)
                .then(|| crate::print::preflight::findings(&document, p.publication.print.safe));
            let document =
                crate::print::apply(&document, &p.publication.print.for_variant(job.variant));
            let exported = export(&document, p, job, options);
            lap(&mut phases.export);
            match exported {
                Ok(bytes) => {
                    // Print PDFs get their page boxes and a preflight.
                    let bytes = match findings {
                        Some(findings) => {
                            let publication = &p.publication;
                            let expect = crate::print::preflight::Expectations {
                                trim: Some((
                                    publication.print.trim_width,
                                    publication.print.trim_height,
                                )),
                                bleed: Some(publication.print.bleed),
                                print: true,
                                pages: publication.pages,
                            };
                            crate::print::finish(
                                &bytes,
                                &publication.print,
                                &expect,
                                shown,
                                findings,
                            )
                            .map(|(bytes, report)| {
                                diagnostics.extend(
                                    report
                                        .diagnostics
                                        .into_iter()
                                        .map(|d| d.with_context(&context)),
                                );
                                bytes
                            })
                        }
                        None => Ok(bytes),
                    };
                    lap(&mut phases.finish);
                    match bytes {
                        Ok(bytes) => pdf = Some(bytes),
                        Err(msg) => {
                            diagnostics.push(Diagnostic::error(None, msg).with_context(&context))
                        }
                    }
                }
                Err(errors) => {
                    // Export errors come from the PDF standards: point at
                    // where the manifest asks for them.
                    let at = match job.variant {
                        Variant::Print => &p.publication.print_standards_at,
                        Variant::Screen => &p.publication.screen_standards_at,
                    };
                    for e in &errors {
                        let mut d = convert(&job_world, e, &mut sources).with_context(&context);
                        if d.position.is_none() {
                            d.position = at.clone();
                        }
                        if d.message.contains("missing document date") {
                            d.hints.push(
                                "set SOURCE_DATE_EPOCH or pass --creation-timestamp: pamphlet leaves the date out by default so that builds are reproducible".into(),
                            );
                        }
                        diagnostics.push(d);
                    }
                }
            }
        }
    }
    if diagnostics.iter().any(Diagnostic::is_error) {
        pdf = None;
    }
    Compiled {
        pdf,
        pages,
        diagnostics,
        sources,
        accessed: job_world.accessed(),
        duration: start.elapsed(),
        phases,
        previews,
    }
}

fn export(
    document: &PagedDocument,
    p: &Prepared,
    job: &Job,
    options: &CompileOptions,
) -> typst::diag::SourceResult<Vec<u8>> {
    let standards = match job.variant {
        Variant::Print => &p.publication.print_standards,
        Variant::Screen => &p.publication.screen_standards,
    };
    let list: Vec<typst_pdf::PdfStandard> = standards
        .iter()
        .filter_map(|s| serde_json::from_value(serde_json::Value::String(s.clone())).ok())
        .collect();
    let standards = typst_pdf::PdfStandards::new(&list).map_err(|e| {
        ecow::eco_vec![SourceDiagnostic::error(
            typst::syntax::Span::detached(),
            e.message().clone()
        )]
    })?;
    let ident = format!(
        "pamphlet/{}/{}/{}",
        job.name,
        job.record.as_ref().map_or("-", |r| r.key.as_str()),
        job.variant
    );
    let timestamp = options.creation_timestamp.and_then(timestamp);
    let pdf_options = typst_pdf::PdfOptions {
        ident: Smart::Custom(ident),
        creator: Smart::Custom(Some(format!(
            "pamphlet {} (typst 0.15.1)",
            env!("CARGO_PKG_VERSION")
        ))),
        timestamp,
        standards,
        // Print PDFs go to a print shop; the tag tree is for the screen variant.
        tagged: job.variant == Variant::Screen || !list.is_empty(),
        ..Default::default()
    };
    typst_pdf::pdf(document, &pdf_options)
}

fn timestamp(secs: i64) -> Option<typst_pdf::Timestamp> {
    let (year, month, day) = crate::civil(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    let dt = typst::foundations::Datetime::from_ymd_hms(
        year,
        month,
        day,
        (rem / 3600) as u8,
        (rem % 3600 / 60) as u8,
        (rem % 60) as u8,
    )?;
    Some(typst_pdf::Timestamp::new_utc(dt))
}

/// Converts a Typst diagnostic into ours, recording the source it points
/// into.
pub fn convert(world: &JobWorld, d: &SourceDiagnostic, sources: &mut Sources) -> Diagnostic {
    let position = locate(world, d.span, sources);
    let mut out = match d.severity {
        typst::diag::Severity::Error => Diagnostic::error(position, d.message.to_string()),
        typst::diag::Severity::Warning => Diagnostic::warning(position, d.message.to_string()),
    };
    for hint in &d.hints {
        out.hints.push(hint.v.to_string());
    }
    for point in &d.trace {
        let at = locate(world, point.span.into(), sources);
        let what = match &point.v {
            Tracepoint::Call(Some(name)) => format!("in this call of `{name}`"),
            Tracepoint::Call(None) => "in this function call".to_string(),
            Tracepoint::Show(name) => format!("in this show rule for `{name}`"),
            Tracepoint::Import(_) => "in this import".to_string(),
            Tracepoint::Include(_) => "in this include".to_string(),
        };
        if let Some(at) = at {
            out.hints.push(format!("{what} at {at}"));
        }
    }
    out
}

fn locate(
    world: &JobWorld,
    span: typst::syntax::DiagSpan,
    sources: &mut Sources,
) -> Option<Position> {
    let id = span.id()?;
    let range = world.range(span)?;
    let text: Arc<str> = match world.source(id) {
        Ok(source) => Arc::from(source.text()),
        Err(_) => {
            // Not a Typst source (a data file the template loaded).
            let bytes = world.file(id).ok()?;
            Arc::from(std::str::from_utf8(bytes.as_slice()).ok()?)
        }
    };
    let path = ProjectWorld::display_path(id);
    let position = Position::new(&path, &text, range);
    sources.insert(path, text);
    Some(position)
}

/// Text drawn with glyph 0 (`.notdef`, the empty box): a character that no
/// font had. Typst draws these silently; we report each once, except those
/// in `reported` (already found in the content, with their place there).
pub fn missing_glyphs(document: &PagedDocument, reported: &BTreeSet<char>) -> Vec<Diagnostic> {
    let mut missing = BTreeSet::new();
    for (page, p) in document.pages().iter().enumerate() {
        walk_text(&p.frame, &mut |item| {
            for g in item.glyphs.iter().filter(|g| g.id == 0) {
                let text: String = item.text[g.range()].to_string();
                for c in text
                    .chars()
                    .filter(|c| !c.is_whitespace() && !c.is_control() && !reported.contains(c))
                {
                    missing.insert((c, page + 1, item.font.font().info().family.clone()));
                }
            }
        });
    }
    let mut seen = BTreeSet::new();
    missing
        .into_iter()
        .filter(|(c, ..)| seen.insert(*c))
        .map(|(c, page, family)| {
            Diagnostic::error(
                None,
                format!("character `{c}` (U+{:04X}) on page {page} has no glyph in any font (drawn as an empty box with {family})", c as u32),
            )
            .with_hint("add a font that covers it to the project's fonts folder")
        })
        .collect()
}

fn walk_text(frame: &Frame, f: &mut dyn FnMut(&typst::text::TextItem)) {
    for (_, item) in frame.items() {
        match item {
            FrameItem::Group(g) => walk_text(&g.frame, f),
            FrameItem::Text(t) => f(t),
            _ => {}
        }
    }
}

/// The text of a page, run by run, in drawing order.
pub fn page_text_runs(frame: &Frame) -> Vec<EcoString> {
    let mut runs = Vec::new();
    walk_text(frame, &mut |t| runs.push(t.text.clone()));
    runs
}

/// Checks the page count against the publication's rule, and names the
/// content field whose text ran onto pages past the limit.
fn check_pages(p: &Prepared, document: &PagedDocument) -> Vec<Diagnostic> {
    let rule = p.publication.pages;
    let count = document.pages().len();
    let Err(message) = rule.check(count) else {
        return Vec::new();
    };
    let manifest_at = p.publication.layout.named_at.clone();
    if let Some(limit) = rule.limit().filter(|l| count > *l) {
        // Text on the allowed pages (running heads repeat there).
        let earlier: BTreeSet<String> = document.pages()[..limit]
            .iter()
            .flat_map(|pg| page_text_runs(&pg.frame))
            .map(|s| s.to_string())
            .collect();
        for page in &document.pages()[limit..] {
            for run in page_text_runs(&page.frame) {
                let run = run.trim().to_string();
                if run.chars().count() < 2 || earlier.contains(&run) {
                    continue;
                }
                if let Some(leaf) = p.content.leaf_containing(&run) {
                    let position = p.content.position(leaf);
                    return vec![
                        Diagnostic::error(
                            Some(position),
                            format!("overset text: `{}` does not fit the layout's {limit} page(s); {message}", leaf.path),
                        )
                        .with_hint("shorten this text (or other text before it on the same pages)"),
                    ];
                }
            }
        }
    }
    vec![Diagnostic::error(manifest_at, message)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_civil_dates() {
        let t = timestamp(1_700_000_000).unwrap();
        let s = format!("{t:?}");
        assert!(s.contains("2023"), "{s}");
    }
}
