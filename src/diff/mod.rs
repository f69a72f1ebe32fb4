//! `pamphlet diff`: what a change to a project did to its outputs, page by
//! page, and where each change came from.
//!
//! Two sides, a base (a git revision, or a folder) and a head (the working
//! tree), are each prepared as for a build. Every output (the first variant
//! of each publication) is matched by its path:
//!
//! 1. **Which outputs changed**, without compiling: the head was just built
//!    (its fingerprints and the files each output read are in the output
//!    folder's state), and the base's fingerprints are computed from its
//!    content and settings ([`crate::build::fingerprints`]); an output whose
//!    fingerprint and files are the same on both sides is unchanged and is
//!    neither rebuilt nor rendered — one changed answer among 1,000
//!    handouts costs one handout on each side.
//! 2. **What changed in it**: the content fields it shows, compared by their
//!    path (list items named by their `id`, `key`, `member` or `label`, so that a
//!    member added in the middle does not shift the others), each diffed by
//!    character; and the files it read that differ (layouts, fonts, images,
//!    the manifest), as causes that change pages without changing words.
//! 3. **Which pages**: both sides typeset and rendered with the same fonts
//!    and engine; a page whose pixels differ is *edited* when it holds a
//!    line of a changed field, *reflowed* when its words only moved, and
//!    *graphics* when its text stands where it stood (a colour, a photo).
//!
//! The report ([`DiffReport`]) is data; [`html`], [`proof`] and
//! [`summary`] present it. Nothing here writes but through
//! [`crate::output`].

pub mod git;
pub mod html;
pub mod proof;
pub mod summary;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use typst_layout::PagedDocument;

use crate::build::state::{FileHashes, OutputStamp};
use crate::compile::preview::{Page, Spot};
use crate::compile::{self, Job};
use crate::content::{Content, Data};
use crate::diag::Diagnostic;
use crate::prepare::Prepared;
use crate::world::ProjectWorld;

/// One side of a comparison: a project prepared as for a build.
pub struct Side<'a> {
    /// Its world.
    pub world: &'a Arc<ProjectWorld>,
    /// Its publications, prepared.
    pub prepared: &'a [Prepared],
    /// What it is, for people: `HEAD (1a2b3c4 subject)`, `working tree`.
    pub label: String,
    /// The outputs' stamps from its last build (the head's: which files
    /// each output read), by output key.
    pub stamps: BTreeMap<String, OutputStamp>,
    /// Its fonts' fingerprint when known ([`crate::build::fonts_fingerprint`];
    /// the head's state has it from hashes cached by size and date).
    pub fonts: Option<String>,
}

/// What to compare and how.
#[derive(Debug, Clone)]
pub struct DiffOptions {
    /// Only these records of `each` publications (all when empty).
    pub records: Vec<String>,
    /// Pixels per inch of the rendered pages.
    pub ppi: f64,
    /// `SOURCE_DATE_EPOCH`, as for a build.
    pub creation_timestamp: Option<i64>,
}

impl Default for DiffOptions {
    fn default() -> Self {
        DiffOptions {
            records: Vec::new(),
            ppi: 96.0,
            creation_timestamp: None,
        }
    }
}

/// The comparison of two sides.
#[derive(Debug, Default, Serialize)]
pub struct DiffReport {
    /// The base, for people.
    pub base: String,
    /// The head, for people.
    pub head: String,
    /// Every output of either side, in the head's order (removed ones
    /// last).
    pub outputs: Vec<OutputDiff>,
    /// Problems met on the way (an output that did not typeset).
    #[serde(skip)]
    pub diagnostics: Vec<Diagnostic>,
}

impl DiffReport {
    /// Whether anything differs.
    pub fn changed(&self) -> bool {
        self.outputs.iter().any(|o| o.status != Status::Unchanged)
    }

    /// How many outputs were changed, added, removed and unchanged, with
    /// those words.
    pub fn counts(&self) -> [(&'static str, usize); 4] {
        [
            ("changed", self.count(Status::Changed)),
            ("added", self.count(Status::Added)),
            ("removed", self.count(Status::Removed)),
            ("unchanged", self.count(Status::Unchanged)),
        ]
    }

    /// How many outputs have `status`.
    pub fn count(&self, status: Status) -> usize {
        self.outputs.iter().filter(|o| o.status == status).count()
    }

    /// The publications with a changed or added output.
    pub fn changed_publications(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for o in &self.outputs {
            if matches!(o.status, Status::Changed | Status::Added)
                && !names.contains(&o.publication.as_str())
            {
                names.push(&o.publication);
            }
        }
        names
    }
}

/// What happened to an output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Only the head has it.
    Added,
    /// Only the base had it.
    Removed,
    /// The same inputs on both sides: not rebuilt, not rendered.
    Unchanged,
    /// Its inputs differ (its pages may or may not).
    Changed,
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Status::Added => "added",
            Status::Removed => "removed",
            Status::Unchanged => "unchanged",
            Status::Changed => "changed",
        })
    }
}

/// One output compared.
#[derive(Debug, Serialize)]
pub struct OutputDiff {
    /// Its publication.
    pub publication: String,
    /// Its path in the output folder.
    pub output: String,
    /// Its record's key, for an `each` publication.
    pub record: Option<String>,
    /// What happened to it.
    pub status: Status,
    /// The content fields it shows that changed.
    pub fields: Vec<FieldChange>,
    /// What else it depends on that changed.
    pub causes: Vec<Cause>,
    /// Its pages that look different, in order.
    pub pages: Vec<PageChange>,
    /// Pages on each side (base, head).
    pub page_counts: (usize, usize),
    /// The rendered pages, for the report and the proof.
    #[serde(skip)]
    pub rendered: Option<Renders>,
}

impl OutputDiff {
    /// Its pages that changed in this way, in order.
    pub fn pages_of_kind(&self, kind: PageKind) -> Vec<usize> {
        self.pages
            .iter()
            .filter(|p| p.kind == kind)
            .map(|p| p.page)
            .collect()
    }

    /// Its changed pages by kind: "pages 2–3 edited, page 4 reflowed"
    /// (empty when none looks different).
    pub fn pages_summary(&self) -> String {
        let parts: Vec<String> = [
            PageKind::Edited,
            PageKind::Reflowed,
            PageKind::Graphics,
            PageKind::Added,
            PageKind::Removed,
        ]
        .into_iter()
        .filter_map(|kind| {
            let pages = self.pages_of_kind(kind);
            (!pages.is_empty()).then(|| format!("{} {kind}", page_list(&pages)))
        })
        .collect();
        parts.join(", ")
    }
}

/// Both sides' pages of an output, as rendered.
#[derive(Debug, Default)]
pub struct Renders {
    /// The base's pages.
    pub base: Vec<Page>,
    /// The head's pages.
    pub head: Vec<Page>,
    /// The head's laid-out document (for the proof PDF).
    pub document: Option<PagedDocument>,
}

/// A content field whose words changed.
#[derive(Debug, Clone, Serialize)]
pub struct FieldChange {
    /// Its path, list items by their id where they have one
    /// (`questions[1].answers[sotetsu].text`).
    pub path: String,
    /// Its text in the base (markup removed), if it was there.
    pub old: Option<String>,
    /// Its text in the head, if it is there.
    pub new: Option<String>,
    /// Where it is written on each side (`content/crosstalk.yaml:96:15`).
    pub old_at: Option<String>,
    /// Where it is written in the head.
    pub new_at: Option<String>,
    /// The head's line of it, for annotations on that line.
    #[serde(skip)]
    pub new_position: Option<crate::diag::Position>,
    /// The change, character by character.
    pub ops: Vec<Op>,
    /// The head's pages that hold its lines.
    pub pages: Vec<usize>,
    /// The base's pages that held them.
    pub old_pages: Vec<usize>,
}

/// A run of characters in a character diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Op {
    /// Kept, removed or added.
    pub kind: OpKind,
    /// The characters.
    pub text: String,
}

/// What a run of characters did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OpKind {
    /// The same on both sides.
    Equal,
    /// Only in the base.
    Delete,
    /// Only in the head.
    Insert,
}

/// A changed input that is not content words.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Cause {
    /// What kind of input.
    pub kind: CauseKind,
    /// The file (relative to the project), if one.
    pub path: String,
}

/// Kinds of [`Cause`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CauseKind {
    /// A file of the layout.
    Layout,
    /// The fonts.
    Font,
    /// An image.
    Image,
    /// The manifest (print settings, pages).
    Manifest,
    /// Content data that is not words (a date, a number, a photo's focus).
    Data,
    /// Another file the layout read.
    Other,
}

impl std::fmt::Display for CauseKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CauseKind::Layout => "layout",
            CauseKind::Font => "fonts",
            CauseKind::Image => "image",
            CauseKind::Manifest => "manifest",
            CauseKind::Data => "data",
            CauseKind::Other => "file",
        })
    }
}

/// A page that looks different.
#[derive(Debug, Clone, Serialize)]
pub struct PageChange {
    /// The page (1-based; the head's, or the base's for a page gone).
    pub page: usize,
    /// How it changed.
    pub kind: PageKind,
    /// The changed fields with lines on it.
    pub fields: Vec<String>,
    /// Share of its pixels that differ (0–1).
    pub differs: f64,
}

/// How a page changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PageKind {
    /// It holds words that changed.
    Edited,
    /// Its words are the same, moved (text flowed onto or off it).
    Reflowed,
    /// Its text stands where it stood; something drawn changed.
    Graphics,
    /// A page the base did not have.
    Added,
    /// A page the head no longer has.
    Removed,
}

impl std::fmt::Display for PageKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PageKind::Edited => "edited",
            PageKind::Reflowed => "reflowed",
            PageKind::Graphics => "graphics",
            PageKind::Added => "added",
            PageKind::Removed => "removed",
        })
    }
}

/// A job of one side, with its output key.
struct Output<'a> {
    job: &'a Job,
    key: String,
    fingerprint: String,
}

/// The jobs of the first variant of each publication of `prepared`, keyed
/// by output, with their fingerprints.
fn outputs<'a>(
    side: &Side,
    jobs: &'a [Job],
    fonts: &str,
    options: &DiffOptions,
) -> Vec<Output<'a>> {
    let chosen: Vec<&Job> = jobs
        .iter()
        .filter(|j| {
            let p = &side.prepared[j.publication].publication;
            p.variants.first() == Some(&j.variant)
                && (options.records.is_empty()
                    || j.record_key()
                        .is_none_or(|k| options.records.iter().any(|r| r == k)))
        })
        .collect();
    // The head's fingerprints are in its state, from the build just made
    // (the same settings); the others are computed.
    let keys: Vec<String> = chosen
        .iter()
        .map(|j| crate::build::state::key(&j.output))
        .collect();
    let missing: Vec<Job> = chosen
        .iter()
        .zip(&keys)
        .filter(|(_, k)| !side.stamps.contains_key(*k))
        .map(|(j, _)| (*j).clone())
        .collect();
    let mut computed =
        crate::build::fingerprints(side.prepared, &missing, fonts, options.creation_timestamp)
            .into_iter();
    chosen
        .into_iter()
        .zip(keys)
        .map(|(job, key)| {
            let fingerprint = match side.stamps.get(&key) {
                Some(stamp) => stamp.inputs.clone(),
                None => computed.next().unwrap_or_default(),
            };
            Output {
                job,
                key,
                fingerprint,
            }
        })
        .collect()
}

/// Compares `base` with `head`.
pub fn compare(base: &Side, head: &Side, options: &DiffOptions) -> DiffReport {
    let (base_jobs, mut diagnostics) = crate::build::plan::plan(base.prepared, None);
    let (head_jobs, more) = crate::build::plan::plan(head.prepared, None);
    diagnostics.extend(more);
    // Fonts shared by the two sides are one set of files: one fingerprint
    // (the base's root is elsewhere, so it would name them otherwise).
    let fonts_of = |side: &Side| {
        side.fonts
            .clone()
            .unwrap_or_else(|| crate::build::fonts_fingerprint(side.world))
    };
    let head_fonts = fonts_of(head);
    let base_fonts = if Arc::ptr_eq(base.world.fonts(), head.world.fonts()) {
        head_fonts.clone()
    } else {
        fonts_of(base)
    };
    let fonts_differ = base_fonts != head_fonts;
    let base_outputs = outputs(base, &base_jobs, &base_fonts, options);
    let head_outputs = outputs(head, &head_jobs, &head_fonts, options);
    let base_by_key: HashMap<&str, &Output> =
        base_outputs.iter().map(|o| (o.key.as_str(), o)).collect();
    let head_keys: BTreeSet<&str> = head_outputs.iter().map(|o| o.key.as_str()).collect();
    let base_files = FileHashes::new(base.world.root(), Default::default());
    let head_files = FileHashes::new(head.world.root(), Default::default());

    let mut report = DiffReport {
        base: base.label.clone(),
        head: head.label.clone(),
        ..DiffReport::default()
    };
    // Which outputs changed: cheap, without compiling.
    // Per output to look at: its index, the base's and the head's job,
    // and whether the base's job reads only files the head has as they
    // were (then it is typeset in the head's world, whose caches are warm).
    let mut todo: Vec<(usize, Option<&Output>, Option<&Output>, bool)> = Vec::new();
    let same = |path: &str| base_files.get(path) == head_files.get(path);
    for h in &head_outputs {
        let publication = head.prepared[h.job.publication].publication.name.clone();
        let mut share = false;
        let status = match base_by_key.get(h.key.as_str()) {
            None => Status::Added,
            Some(b) => {
                let same_files = head
                    .stamps
                    .get(&h.key)
                    .is_some_and(|s| s.deps.iter().all(|(path, _)| same(path)));
                share = same_files
                    && !fonts_differ
                    && files_of(&base.prepared[b.job.publication], b.job)
                        .all(|f| same(&crate::build::state::key(f)));
                if same_files && b.fingerprint == h.fingerprint {
                    Status::Unchanged
                } else {
                    Status::Changed
                }
            }
        };
        report.outputs.push(OutputDiff {
            publication,
            output: h.key.clone(),
            record: h.job.record_key().map(String::from),
            status,
            fields: Vec::new(),
            causes: Vec::new(),
            pages: Vec::new(),
            page_counts: (0, 0),
            rendered: None,
        });
        if status != Status::Unchanged {
            todo.push((
                report.outputs.len() - 1,
                base_by_key.get(h.key.as_str()).copied(),
                Some(h),
                share,
            ));
        }
    }
    for b in &base_outputs {
        if !head_keys.contains(b.key.as_str()) {
            report.outputs.push(OutputDiff {
                publication: base.prepared[b.job.publication].publication.name.clone(),
                output: b.key.clone(),
                record: b.job.record_key().map(String::from),
                status: Status::Removed,
                fields: Vec::new(),
                causes: Vec::new(),
                pages: Vec::new(),
                page_counts: (0, 0),
                rendered: None,
            });
            todo.push((report.outputs.len() - 1, Some(b), None, false));
        }
    }
    // What changed in those, and on which pages: typeset and rendered.
    for (index, b, h, share) in todo {
        let out = &mut report.outputs[index];
        let base_world = if share { head.world } else { base.world };
        // The two sides on two threads.
        let (mut base_diags, mut head_diags) = (Vec::new(), Vec::new());
        let (base_render, head_render) = std::thread::scope(|scope| {
            let base_side = scope
                .spawn(|| b.map(|b| render(base_world, base, b.job, options.ppi, &mut base_diags)));
            let head_side =
                h.map(|h| render(head.world, head, h.job, options.ppi, &mut head_diags));
            (
                base_side.join().expect("rendering the base does not panic"),
                head_side,
            )
        });
        report.diagnostics.extend(base_diags);
        report.diagnostics.extend(head_diags);
        let shown =
            |side: &Side, o: Option<&Output>, paths: &StablePaths| -> BTreeMap<String, Shown> {
                o.map(|o| shown_fields(side, o.job, paths))
                    .unwrap_or_default()
            };
        // Each side's paths named by ids, in its own content.
        let base_paths = StablePaths::new(b.map(|b| &*base.prepared[b.job.publication].content));
        let head_paths = StablePaths::new(h.map(|h| &*head.prepared[h.job.publication].content));
        let old_fields = shown(base, b, &base_paths);
        let new_fields = shown(head, h, &head_paths);
        let (base_pages, _) = base_render.unwrap_or_default();
        let (head_pages, document) = head_render.unwrap_or_default();
        out.fields = field_changes(
            &old_fields,
            &new_fields,
            &base_pages,
            &head_pages,
            &base_paths,
            &head_paths,
        );
        if let (Some(b), Some(h)) = (b, h) {
            out.causes = causes(
                base,
                head,
                b.job,
                h.job,
                &base_files,
                &head_files,
                fonts_differ,
            );
        }
        out.pages = page_changes(&base_pages, &head_pages, &out.fields);
        out.page_counts = (base_pages.len(), head_pages.len());
        out.rendered = Some(Renders {
            base: base_pages,
            head: head_pages,
            document,
        });
    }
    report
}

/// The files `job`'s content names: for a record of an `each` publication,
/// those of its own item and those outside the list (a batch's content
/// names a photo per record; a record's pages show one).
fn files_of<'a>(p: &'a Prepared, job: &'a Job) -> impl Iterator<Item = &'a Path> + 'a {
    let own = match (&p.publication.each, &job.record) {
        (Some(each), Some(record)) => {
            Some((format!("{each}["), format!("{each}[{}]", record.index)))
        }
        _ => None,
    };
    p.content
        .files
        .iter()
        .filter(move |f| match &own {
            Some((list, item)) => {
                !f.path.starts_with(list.as_str()) || f.path.starts_with(item.as_str())
            }
            None => true,
        })
        .map(|f| f.file.as_path())
}

/// Typesets and renders `job` of `side` in `world` (its own, or one with
/// the same files): its pages and document.
fn render(
    world: &ProjectWorld,
    side: &Side,
    job: &Job,
    ppi: f64,
    diagnostics: &mut Vec<Diagnostic>,
) -> (Vec<Page>, Option<PagedDocument>) {
    let p = &side.prepared[job.publication];
    let (rendered, document) =
        compile::preview::render_document(world, p, job, compile::inputs(p, job), ppi);
    diagnostics.extend(
        rendered
            .diagnostics
            .into_iter()
            .filter(Diagnostic::is_error)
            .map(|d| d.with_context(format!("{} ({})", job.describe(), side.label))),
    );
    (rendered.pages.unwrap_or_default(), document)
}

/// A field an output shows: its text and where it is written.
struct Shown {
    plain: String,
    position: crate::diag::Position,
}

/// The content fields `job` of `side` shows, by stable path.
fn shown_fields(side: &Side, job: &Job, paths: &StablePaths) -> BTreeMap<String, Shown> {
    let p = &side.prepared[job.publication];
    let indices: Vec<usize> = match (&p.record_leaves, job.record_key()) {
        (Some(r), Some(key)) => r.of(key),
        _ => (0..p.content.leaves.len()).collect(),
    };
    indices
        .into_iter()
        .map(|i| {
            let leaf = &p.content.leaves[i];
            (
                paths.of(&leaf.path),
                Shown {
                    plain: leaf.plain.clone(),
                    position: p.content.position(leaf),
                },
            )
        })
        .collect()
}

/// Field paths with list items named by their id: `answers[1]` becomes
/// `answers[sotetsu]` when that item has `id`, `key`, `member` or `label`
/// `sotetsu`; found in one output's content as they are asked for (a batch's
/// content has thousands of fields, an output shows a few).
struct StablePaths<'a> {
    content: Option<&'a Content>,
    cache: std::cell::RefCell<HashMap<String, String>>,
}

impl<'a> StablePaths<'a> {
    fn new(content: Option<&'a Content>) -> StablePaths<'a> {
        StablePaths {
            content,
            cache: Default::default(),
        }
    }

    fn of(&self, path: &str) -> String {
        let Some(content) = self.content else {
            return path.to_string();
        };
        self.cache
            .borrow_mut()
            .entry(path.to_string())
            .or_insert_with(|| stable(content, path))
            .clone()
    }

    /// The stable path of a spot's field.
    fn of_spot(&self, spot: &Spot) -> Option<String> {
        spot.field.as_deref().map(|field| self.of(field))
    }
}

/// `path` with each list index replaced by the item's id, where it has one.
fn stable(content: &Content, path: &str) -> String {
    let mut out = String::new();
    let mut walked: Vec<String> = Vec::new();
    for part in path.split('.') {
        let (name, indices) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(name);
        walked.push(name.to_string());
        for index in indices.split('[').filter(|s| !s.is_empty()) {
            let index = index.trim_end_matches(']');
            walked.push(index.to_string());
            let id = content.data.at_path(&walked).and_then(|item| match item {
                Data::Object(fields) => ["id", "key", "member", "label"].iter().find_map(|k| {
                    fields
                        .iter()
                        .find(|(name, _)| name == k)
                        .and_then(|(_, v)| v.as_str())
                }),
                _ => None,
            });
            out.push('[');
            out.push_str(id.unwrap_or(index));
            out.push(']');
        }
    }
    out
}

/// The fields whose words differ between `old` and `new`, with the pages
/// their lines stand on.
fn field_changes(
    old: &BTreeMap<String, Shown>,
    new: &BTreeMap<String, Shown>,
    base_pages: &[Page],
    head_pages: &[Page],
    base_paths: &StablePaths,
    head_paths: &StablePaths,
) -> Vec<FieldChange> {
    let mut paths: Vec<&String> = new.keys().chain(old.keys()).collect();
    paths.sort();
    paths.dedup();
    // The pages whose lines came from the field; for a field set inside a
    // line of the layout's own words (`日時 ${date}`), which no line is
    // traced to, the pages whose text holds it.
    let pages_of =
        |pages: &[Page], paths: &StablePaths, path: &str, plain: Option<&str>| -> Vec<usize> {
            let traced: Vec<usize> = pages
                .iter()
                .enumerate()
                .filter(|(_, p)| {
                    p.spots
                        .iter()
                        .any(|s| paths.of_spot(s).as_deref() == Some(path))
                })
                .map(|(i, _)| i + 1)
                .collect();
            let wanted: String = plain
                .unwrap_or("")
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            if !traced.is_empty() || wanted.chars().count() < 2 {
                return traced;
            }
            pages
                .iter()
                .enumerate()
                .filter(|(_, p)| {
                    let text: String = p.spots.iter().map(|s| s.text.as_str()).collect();
                    text.contains(&wanted)
                })
                .map(|(i, _)| i + 1)
                .collect()
        };
    let mut out = Vec::new();
    for path in paths {
        let (o, n) = (old.get(path), new.get(path));
        if let (Some(o), Some(n)) = (o, n)
            && o.plain == n.plain
        {
            continue;
        }
        out.push(FieldChange {
            path: path.clone(),
            old: o.map(|s| s.plain.clone()),
            new: n.map(|s| s.plain.clone()),
            old_at: o.map(|s| s.position.to_string()),
            new_at: n.map(|s| s.position.to_string()),
            new_position: n.map(|s| s.position.clone()),
            ops: char_diff(
                o.map_or("", |s| s.plain.as_str()),
                n.map_or("", |s| s.plain.as_str()),
            ),
            pages: pages_of(head_pages, head_paths, path, n.map(|s| s.plain.as_str())),
            old_pages: pages_of(base_pages, base_paths, path, o.map(|s| s.plain.as_str())),
        });
    }
    // In the order they are read: by where the head writes them.
    out.sort_by_key(|f| {
        f.new_position
            .as_ref()
            .map(|p| (p.path.clone(), p.range.start))
    });
    out
}

/// `old` to `new`, character by character (Japanese has no spaces: a word
/// diff would mark whole sentences).
pub fn char_diff(old: &str, new: &str) -> Vec<Op> {
    let diff = similar::TextDiff::configure()
        .algorithm(similar::Algorithm::Myers)
        .timeout(std::time::Duration::from_secs(1))
        .diff_chars(old, new);
    let mut ops: Vec<Op> = Vec::new();
    for change in diff.iter_all_changes() {
        let kind = match change.tag() {
            similar::ChangeTag::Equal => OpKind::Equal,
            similar::ChangeTag::Delete => OpKind::Delete,
            similar::ChangeTag::Insert => OpKind::Insert,
        };
        match ops.last_mut() {
            Some(last) if last.kind == kind => last.text.push_str(change.value()),
            _ => ops.push(Op {
                kind,
                text: change.value().to_string(),
            }),
        }
    }
    ops
}

/// Each change of a character diff with `context` characters on either
/// side, as (old, new): `移動手段の<イノベーション>を活性化` becomes
/// `("…移動手段のイノベーションを活性化…", "…移動手段の革新を活性化…")`.
pub fn hunks(ops: &[Op], context: usize) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < ops.len() {
        if ops[i].kind == OpKind::Equal {
            i += 1;
            continue;
        }
        let start = i;
        while i < ops.len() && ops[i].kind != OpKind::Equal {
            i += 1;
        }
        let before = match start.checked_sub(1).map(|k| &ops[k]) {
            Some(op) => {
                let chars: Vec<char> = op.text.chars().collect();
                let keep = chars.len().min(context);
                let mark = if keep < chars.len() { "…" } else { "" };
                format!(
                    "{mark}{}",
                    chars[chars.len() - keep..].iter().collect::<String>()
                )
            }
            None => String::new(),
        };
        let after = match ops.get(i) {
            Some(op) => {
                let chars: Vec<char> = op.text.chars().collect();
                let keep = chars.len().min(context);
                let mark = if keep < chars.len() { "…" } else { "" };
                format!("{}{mark}", chars[..keep].iter().collect::<String>())
            }
            None => String::new(),
        };
        let side = |kind: OpKind| -> String {
            ops[start..i]
                .iter()
                .filter(|op| op.kind == kind)
                .map(|op| op.text.as_str())
                .collect()
        };
        out.push((
            format!("{before}{}{after}", side(OpKind::Delete)),
            format!("{before}{}{after}", side(OpKind::Insert)),
        ));
    }
    out
}

/// The inputs other than words that differ between the two jobs.
#[allow(clippy::too_many_arguments)]
fn causes(
    base: &Side,
    head: &Side,
    base_job: &Job,
    head_job: &Job,
    base_files: &FileHashes,
    head_files: &FileHashes,
    fonts_differ: bool,
) -> Vec<Cause> {
    let mut out = BTreeSet::new();
    let hp = &head.prepared[head_job.publication];
    let bp = &base.prepared[base_job.publication];
    let images: BTreeSet<PathBuf> = hp.content.files.iter().map(|f| f.file.clone()).collect();
    let layouts = hp
        .publication
        .layout
        .rel
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let key = crate::build::state::key(&head_job.output);
    if let Some(stamp) = head.stamps.get(&key) {
        for (path, _) in &stamp.deps {
            if base_files.get(path) == head_files.get(path) {
                continue;
            }
            let rel = Path::new(path);
            let kind = if images.contains(rel) {
                CauseKind::Image
            } else if rel.starts_with(&layouts) || rel.starts_with("layouts") {
                CauseKind::Layout
            } else if path.ends_with(".yaml") || path.ends_with(".csv") || path.ends_with(".xlsx") {
                continue;
            } else {
                CauseKind::Other
            };
            out.insert(Cause {
                kind,
                path: path.clone(),
            });
        }
    }
    if fonts_differ {
        out.insert(Cause {
            kind: CauseKind::Font,
            path: "fonts/".into(),
        });
    }
    if base_files.get(crate::project::MANIFEST) != head_files.get(crate::project::MANIFEST)
        && (bp.publication.print != hp.publication.print
            || bp.publication.pages != hp.publication.pages)
    {
        out.insert(Cause {
            kind: CauseKind::Manifest,
            path: crate::project::MANIFEST.into(),
        });
    }
    // Data that is not words: the job's data differs, its words do not.
    let (bi, hi) = (compile::inputs(bp, base_job), compile::inputs(hp, head_job));
    if bi.data != hi.data {
        let words = |p: &Prepared, job: &Job| -> Vec<String> {
            let indices: Vec<usize> = match (&p.record_leaves, job.record_key()) {
                (Some(r), Some(key)) => r.of(key),
                _ => (0..p.content.leaves.len()).collect(),
            };
            indices
                .into_iter()
                .map(|i| p.content.leaves[i].plain.clone())
                .collect()
        };
        if words(bp, base_job) == words(hp, head_job) {
            out.insert(Cause {
                kind: CauseKind::Data,
                path: hp.publication.content.rel.display().to_string(),
            });
        }
    }
    out.into_iter().collect()
}

/// The pages that look different, told apart: edited (a changed field
/// stands on it, on either side), reflowed (its words moved), graphics.
fn page_changes(base: &[Page], head: &[Page], fields: &[FieldChange]) -> Vec<PageChange> {
    let mut out = Vec::new();
    for i in 0..base.len().max(head.len()) {
        match (base.get(i), head.get(i)) {
            (Some(b), Some(h)) => {
                let differs = pixels_differ(b, h);
                if differs == 0.0 {
                    continue;
                }
                let page = i + 1;
                let mut on_it: Vec<String> = fields
                    .iter()
                    .filter(|f| f.pages.contains(&page) || f.old_pages.contains(&page))
                    .map(|f| f.path.clone())
                    .collect();
                on_it.dedup();
                let lines = |p: &Page| -> Vec<(String, i64, i64)> {
                    p.spots
                        .iter()
                        .map(|s| {
                            (
                                s.text.clone(),
                                (s.x * 1000.0).round() as i64,
                                (s.y * 1000.0).round() as i64,
                            )
                        })
                        .collect()
                };
                let kind = if !on_it.is_empty() {
                    PageKind::Edited
                } else if lines(b) != lines(h) {
                    PageKind::Reflowed
                } else {
                    PageKind::Graphics
                };
                out.push(PageChange {
                    page,
                    kind,
                    fields: on_it,
                    differs,
                });
            }
            (None, Some(_)) => out.push(PageChange {
                page: i + 1,
                kind: PageKind::Added,
                fields: Vec::new(),
                differs: 1.0,
            }),
            (Some(_), None) => out.push(PageChange {
                page: i + 1,
                kind: PageKind::Removed,
                fields: Vec::new(),
                differs: 1.0,
            }),
            (None, None) => {}
        }
    }
    out
}

/// The share of pixels that differ visibly between two renders (antialiasing
/// of the same ink, under a tenth of the range, does not count); 0 when the
/// images are the same.
fn pixels_differ(a: &Page, b: &Page) -> f64 {
    if a.png == b.png {
        return 0.0;
    }
    let (Ok(x), Ok(y)) = (
        image::load_from_memory(&a.png),
        image::load_from_memory(&b.png),
    ) else {
        return 1.0;
    };
    let (x, y) = (x.to_rgb8(), y.to_rgb8());
    if x.dimensions() != y.dimensions() {
        return 1.0;
    }
    let differ = x
        .pixels()
        .zip(y.pixels())
        .filter(|(p, q)| (0..3).any(|c| p[c].abs_diff(q[c]) > 24))
        .count();
    differ as f64 / (x.width() as f64 * x.height() as f64)
}

/// The two renders of a page overlaid, as PNG: ink only in the base red,
/// ink only in the head blue, ink in both grey.
pub fn overlay(base: &Page, head: &Page) -> Option<Vec<u8>> {
    let x = image::load_from_memory(&base.png).ok()?.to_luma8();
    let y = image::load_from_memory(&head.png).ok()?.to_luma8();
    let (w, h) = (x.width().min(y.width()), x.height().min(y.height()));
    let out = image::RgbImage::from_fn(w, h, |i, j| {
        let (a, b) = (x.get_pixel(i, j)[0], y.get_pixel(i, j)[0]);
        let (ink_a, ink_b) = (255 - a, 255 - b);
        if ink_a.abs_diff(ink_b) <= 24 {
            // The same on both: faded, so the changes stand out.
            let v = 255 - ink_b / 3;
            image::Rgb([v, v, v])
        } else if ink_a > ink_b {
            let k = ink_a - ink_b;
            image::Rgb([255, 255 - k, 255 - k])
        } else {
            let k = ink_b - ink_a;
            image::Rgb([255 - k, 255 - k, 255])
        }
    });
    let mut png = std::io::Cursor::new(Vec::new());
    out.write_to(&mut png, image::ImageFormat::Png).ok()?;
    Some(png.into_inner())
}

/// Notices for CI: one on each changed content line of the head, saying
/// which outputs and pages it changes and where it only moves text
/// ("changes crosstalk.pdf page 2 and moves text on crosstalk.pdf pages
/// 3–4").
pub fn notices(report: &DiffReport) -> Vec<Diagnostic> {
    // Per place: the field, the pages it changes, the pages it moves.
    type Entry = (String, Vec<String>, Vec<String>);
    let mut by_place: BTreeMap<(PathBuf, usize), (crate::diag::Position, Entry)> = BTreeMap::new();
    for o in report
        .outputs
        .iter()
        .filter(|o| o.status == Status::Changed)
    {
        let reflowed = o.pages_of_kind(PageKind::Reflowed);
        for f in &o.fields {
            let Some(at) = &f.new_position else { continue };
            let (_, (_, changes, moves)) = by_place
                .entry((at.path.clone(), at.range.start))
                .or_insert_with(|| (at.clone(), (f.path.clone(), Vec::new(), Vec::new())));
            changes.push(format!("{} {}", o.output, page_list(&f.pages)));
            if !reflowed.is_empty() {
                moves.push(format!("{} {}", o.output, page_list(&reflowed)));
            }
        }
    }
    by_place
        .into_values()
        .map(|(at, (path, changes, moves))| {
            let mut message = format!("changes {}", changes.join(", "));
            if !moves.is_empty() {
                message.push_str(&format!(" and moves text on {}", moves.join(", ")));
            }
            message.push_str(&format!(" ({path})"));
            Diagnostic::note(Some(at), message)
        })
        .collect()
}

/// `page 3`, `pages 3–4`, `pages 1, 3`.
pub fn page_list(pages: &[usize]) -> String {
    match pages {
        [] => "no page".into(),
        [one] => format!("page {one}"),
        _ => {
            let contiguous = pages.windows(2).all(|w| w[1] == w[0] + 1);
            if contiguous {
                format!("pages {}–{}", pages[0], pages[pages.len() - 1])
            } else {
                let list: Vec<String> = pages.iter().map(ToString::to_string).collect();
                format!("pages {}", list.join(", "))
            }
        }
    }
}
