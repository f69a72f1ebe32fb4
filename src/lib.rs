//! `pamphlet`: print-ready Japanese PDFs from structured YAML content and
//! Typst layouts, compiled in-process.
//!
//! This file is the library's face: [`Session`], [`Error`] and the types a
//! caller uses, re-exported from the rooms where they live. The pipeline,
//! one module per stage:
//!
//! | stage | module | owns |
//! |---|---|---|
//! | manifest | [`project`] | `pamphlet.toml`: publications, print settings, paths |
//! | content | [`content`] | YAML with positions, schemas, validation, inline markup (knows nothing of Typst) |
//! | preparation | [`prepare`] | per publication: content as Typst values, record views, font and file checks |
//! | world | [`world`] | the Typst World: sandboxed files, shared fonts, the served data |
//! | one document | [`compile`] | a job's inputs, typesetting, diagnostics of the laid-out pages, export |
//! | print | [`print`](mod@print) | marks, bleed and page boxes on frames and PDFs; preflight |
//! | a build | [`build`] | plan, schedule (workers, timeouts, cache eviction), fingerprints, state |
//! | comparison | [`diff`] | two sides' outputs compared by fields and pages; report, 赤字 proof, summary |
//! | output | [`output`] | the only place that writes files, atomically |
//! | diagnostics | [`diag`] | problems as data, and one renderer for all of them |
//! | PNG pages | [`render`] | pages rendered to PNG, contact sheets |
//!
//! The `pamphlet` binary (`src/main.rs`, `src/cli/`) is a client of this
//! library like any other. A stage never reaches back up into this file.
//!
//! 1. [`Session::open`] reads the project manifest (`pamphlet.toml`) and
//!    discovers the project's fonts once.
//! 2. [`Session::prepare`] loads each publication's schema and content,
//!    validates the content (every problem at its line and column) and
//!    checks that the fonts cover every character.
//! 3. [`Session::build`] expands publications into jobs (one PDF each,
//!    per record for `each` publications), compiles them in parallel on one
//!    shared Typst world, adds bleed, trim marks and page boxes, runs
//!    preflight, and writes each PDF atomically.
//!
//! ```no_run
//! use pamphlet::{BuildRequest, Session, SessionOptions};
//! let session = Session::open("path/to/project".as_ref(), &SessionOptions::default())?;
//! let report = session.build(&BuildRequest::default(), &mut pamphlet::NoProgress);
//! for job in &report.jobs {
//!     println!("{} {:?}", job.job.output.display(), job.status);
//! }
//! # Ok::<(), pamphlet::Error>(())
//! ```

pub mod build;
pub mod compile;
pub mod content;
pub mod diag;
pub mod diff;
pub mod digest;
pub mod output;
pub mod paths;
pub mod prepare;
pub mod print;
pub mod project;
pub mod raster;
pub mod render;
pub mod synth;
pub mod units;
pub mod world;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

pub use crate::build::{
    BuildReport, BuildRequest, DEFAULT_TIMEOUT, JobReport, JobStatus, NoProgress, Progress,
};
pub use crate::compile::{CompileOptions, Job, Record};
use crate::content::{Limits, Schema};
use crate::diag::{Diagnostic, Diagnostics, Sources};
pub use crate::prepare::{Preparation, Prepared, coverage};
pub use crate::project::{Project, ProjectError, Publication, Variant};
use crate::world::{Fonts, ProjectWorld};

/// What can stop the pipeline before it produces its report. Each error
/// says which exit status a command ends with ([`Error::exit_code`]): 1 for
/// problems in the input, 2 for usage and I/O.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The project could not be found or read, or its manifest has
    /// problems (then each is a diagnostic).
    #[error(transparent)]
    Project(#[from] ProjectError),
    /// The input has problems (content, layout, preflight); each is a
    /// diagnostic with its place.
    #[error("{} problem(s), the first: {}", .diagnostics.errors(), .diagnostics.iter().find(|d| d.is_error()).map(ToString::to_string).unwrap_or_default())]
    Problems {
        /// The problems.
        diagnostics: Diagnostics,
        /// The texts they point into.
        sources: Sources,
    },
    /// A publication the manifest does not declare.
    #[error(transparent)]
    UnknownPublication(#[from] prepare::UnknownPublication),
    /// A record (or variant) that a publication does not have.
    #[error("publication `{publication}` has {}", match .record {
        Some(r) => format!("no record `{r}` (or no {} variant)", .variant),
        None => format!("records: name one (or it has no {} variant)", .variant),
    })]
    UnknownRecord {
        /// The publication.
        publication: String,
        /// The record asked for (`None`: none was, but one is needed).
        record: Option<String>,
        /// The variant asked for.
        variant: Variant,
    },
    /// A command-line request that cannot be honoured (an option out of
    /// range, options that conflict).
    #[error("{0}")]
    Usage(String),
    /// A file could not be read or written (or a folder watched).
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The base of a comparison could not be read from git
    /// (`pamphlet diff`).
    #[error(transparent)]
    Git(#[from] diff::git::GitError),
    /// A server could not listen at an address (`pamphlet preview`).
    #[error("cannot listen on {address}: {source}")]
    Listen {
        /// The address asked for.
        address: std::net::SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

impl Error {
    /// The exit status a command ends with: 1 for problems in the input
    /// (content, layout, manifest), 2 for usage and I/O.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Project(ProjectError::Invalid(..)) | Error::Problems { .. } => 1,
            Error::Project(_)
            | Error::UnknownPublication(_)
            | Error::UnknownRecord { .. }
            | Error::Usage(_)
            | Error::Io { .. }
            | Error::Git(_)
            | Error::Listen { .. } => 2,
        }
    }

    /// Problems with no texts to show.
    fn problems(diagnostics: Vec<Diagnostic>) -> Error {
        Error::Problems {
            diagnostics: Diagnostics(diagnostics),
            sources: Sources::new(),
        }
    }
}

/// One output rendered for the screen by [`Session::preview`].
#[derive(Debug, Default)]
pub struct Preview {
    /// The publication shown.
    pub publication: String,
    /// The record shown, for an `each` publication.
    pub record: Option<String>,
    /// The keys of its records, to choose from (empty for a publication
    /// that is one document).
    pub records: Vec<String>,
    /// The variant shown (`None` when the content could not be read).
    pub variant: Option<Variant>,
    /// The pages (none when the content or layout is broken) and every
    /// problem found on the way, content's included.
    pub rendered: compile::preview::Rendered,
}

/// What [`Session::diff`] compares the working tree with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum DiffBase {
    /// The merge base with the default branch, or `HEAD` when the
    /// project's files have changes not committed.
    #[default]
    Default,
    /// A git revision (`HEAD~1`, a branch, a commit id).
    Revision(String),
    /// Another copy of the project: a folder with its own `pamphlet.toml`.
    Folder(PathBuf),
}

/// What to compare, and where the report goes ([`Session::diff`]).
#[derive(Debug, Clone)]
pub struct DiffRequest {
    /// The base.
    pub base: DiffBase,
    /// Only these publications (all when empty).
    pub publications: Vec<String>,
    /// Only these records of `each` publications (all when empty).
    pub records: Vec<String>,
    /// The head's output folder (default: `out/` in the project); the
    /// head is built there first, incrementally.
    pub out_dir: Option<PathBuf>,
    /// Where the report and proofs go (default: `diff/` in the output
    /// folder).
    pub report_dir: Option<PathBuf>,
    /// Also write the Markdown summary here.
    pub summary: Option<PathBuf>,
    /// Pixels per inch of the compared pages.
    pub ppi: f64,
    /// Parallel jobs of the head's build (0: one per core).
    pub jobs: usize,
}

impl Default for DiffRequest {
    fn default() -> Self {
        DiffRequest {
            base: DiffBase::Default,
            publications: Vec::new(),
            records: Vec::new(),
            out_dir: None,
            report_dir: None,
            summary: None,
            ppi: diff::DiffOptions::default().ppi,
            jobs: 0,
        }
    }
}

/// What [`Session::diff`] found and wrote.
#[derive(Debug)]
pub struct Diff {
    /// The comparison.
    pub report: diff::DiffReport,
    /// The head's build (problems in it are the head's problems).
    pub build: BuildReport,
    /// The texts the report's places point into (the head's content).
    pub sources: Sources,
    /// The files written: the HTML report, the proofs, the summary.
    pub written: Vec<PathBuf>,
}

/// A publication's 赤字 proof, if it has one.
type Proof<'a> = (&'a str, Option<Vec<u8>>);

/// The base of a comparison, opened and prepared.
struct Base {
    /// The temporary folder it was read into from git (removed when
    /// dropped), if it was.
    checkout: Option<diff::git::Checkout>,
    /// Its session.
    session: Session,
    /// Its publications, prepared.
    prep: Preparation,
    /// What it is, for people.
    label: String,
}

/// Options for opening a project.
#[derive(Debug, Clone, Default)]
pub struct SessionOptions {
    /// Also use the system's fonts (off by default: output must not depend
    /// on the machine).
    pub system_fonts: bool,
    /// More font folders, besides the project's.
    pub font_paths: Vec<PathBuf>,
    /// Limits on content files.
    pub limits: Option<Limits>,
    /// PDF creation date and `datetime.today()`, in seconds since the Unix
    /// epoch (`SOURCE_DATE_EPOCH`); `None` omits the date.
    pub creation_timestamp: Option<i64>,
    /// Extra strings for `sys.inputs` (`--input KEY=VALUE`).
    pub inputs: Vec<(String, String)>,
    /// Fonts already discovered, shared with other sessions: when given,
    /// the project's font folders, `font_paths` and `system_fonts` are not
    /// read, and every session holding them shares their parsed fonts (a
    /// caller that opens many projects with one set of fonts, a test
    /// suite). [`Fonts::discover`] makes them.
    pub fonts: Option<Arc<Fonts>>,
}

/// An open project: manifest, fonts and the shared Typst world.
pub struct Session {
    /// The project.
    pub project: Project,
    /// The shared world (shared with compilations running on their own
    /// threads, so that a runaway one can be abandoned).
    pub world: Arc<ProjectWorld>,
    options: SessionOptions,
    /// The `--input` strings, shared by every prepared publication.
    inputs: Arc<Vec<(String, String)>>,
}

impl Session {
    /// Opens the project in `dir`: reads its manifest and discovers fonts.
    pub fn open(dir: &Path, options: &SessionOptions) -> Result<Session, Error> {
        if let Some((key, _)) = options
            .inputs
            .iter()
            .find(|(key, _)| compile::RESERVED_INPUTS.contains(&key.as_str()))
        {
            return Err(Error::Usage(format!(
                "--input {key}=…: `{key}` is set by pamphlet; choose another name"
            )));
        }
        let project = Project::load(dir)?;
        let fonts = match &options.fonts {
            Some(fonts) => fonts.clone(),
            None => {
                let mut dirs: Vec<PathBuf> = project
                    .font_dirs
                    .iter()
                    .map(|d| d.under(&project.root))
                    .collect();
                dirs.extend(options.font_paths.iter().cloned());
                let fonts = Arc::new(Fonts::discover(&dirs, options.system_fonts));
                // Detached: it ends with the process if not before.
                let _ = fonts.warm(Fonts::WARM_BUDGET);
                fonts
            }
        };
        let today = options.creation_timestamp.and_then(compile::today);
        let world = Arc::new(ProjectWorld::new(project.root.clone(), fonts, today));
        Ok(Session {
            project,
            world,
            inputs: Arc::new(options.inputs.clone()),
            options: options.clone(),
        })
    }

    /// The fonts the project sees.
    pub fn fonts(&self) -> &Arc<Fonts> {
        self.world.fonts()
    }

    /// Loads and validates the content of the publications named in
    /// `names` (all when empty). Unknown names are usage errors.
    pub fn prepare(&self, names: &[String]) -> Result<Preparation, Error> {
        let options = prepare::Options {
            limits: self.options.limits.unwrap_or_default(),
            inputs: &self.inputs,
        };
        Ok(prepare::prepare(
            &self.project,
            self.fonts(),
            options,
            names,
        )?)
    }

    /// The schema of the publication `name` (its content is not read); the
    /// problems in it are [`Error::Problems`].
    pub fn schema(&self, name: &str) -> Result<Arc<Schema>, Error> {
        let limits = self.options.limits.unwrap_or_default();
        prepare::schema_of(&self.project, name, limits).map_err(|e| match e {
            prepare::SchemaError::Unknown(u) => Error::UnknownPublication(u),
            prepare::SchemaError::Invalid(prep) => Error::Problems {
                diagnostics: prep.diagnostics,
                sources: prep.sources,
            },
        })
    }

    /// Compiles one output to PDF bytes, without writing anything: the
    /// publication `name`, the record with key `record` for an `each`
    /// publication, in `variant`. Print PDFs get their marks, page boxes and
    /// preflight as in a build.
    pub fn compile_pdf(
        &self,
        name: &str,
        record: Option<&str>,
        variant: Variant,
    ) -> Result<Vec<u8>, Error> {
        let prep = self.prepare(&[name.to_string()])?;
        if prep.diagnostics.has_errors() {
            return Err(Error::Problems {
                diagnostics: prep.diagnostics,
                sources: prep.sources,
            });
        }
        let (jobs, diags) = build::plan::plan(&prep.prepared, Some(&[variant]));
        if diags.iter().any(Diagnostic::is_error) {
            return Err(Error::problems(diags));
        }
        let job = jobs
            .iter()
            .find(|j| j.record_key() == record)
            .ok_or_else(|| Error::UnknownRecord {
                publication: name.to_string(),
                record: record.map(String::from),
                variant,
            })?;
        let options = CompileOptions {
            creation_timestamp: self.options.creation_timestamp,
            png_ppi: None,
        };
        let prepared = &prep.prepared[job.publication];
        let inputs = compile::inputs(prepared, job);
        let compiled = compile::compile(
            &self.world,
            prepared,
            job,
            inputs,
            &options,
            &job.output,
            compile::Wanted::default(),
        );
        match compiled.pdf {
            Some(pdf) => Ok(pdf),
            None => Err(Error::Problems {
                diagnostics: Diagnostics(compiled.diagnostics),
                sources: compiled.sources,
            }),
        }
    }

    /// Renders one output for the screen (`pamphlet preview`): the
    /// publication `name` in `variant` (its first variant if it has not
    /// that one), the record with key `record` of an `each` publication (the
    /// first when `None` or unknown), pages at `ppi`. Content problems and
    /// layout errors come back as diagnostics, with no pages; only an
    /// unknown publication is an error.
    pub fn preview(
        &self,
        name: &str,
        record: Option<&str>,
        variant: Option<Variant>,
        ppi: f64,
    ) -> Result<Preview, Error> {
        let prep = self.prepare(&[name.to_string()])?;
        let mut preview = Preview {
            publication: name.to_string(),
            ..Preview::default()
        };
        preview.rendered.sources = prep.sources;
        preview.rendered.diagnostics = prep.diagnostics.0;
        let Some(p) = prep.prepared.first() else {
            return Ok(preview);
        };
        let variant = variant
            .filter(|v| p.publication.variants.contains(v))
            .or_else(|| p.publication.variants.first().copied())
            .unwrap_or(Variant::Print);
        preview.variant = Some(variant);
        let (jobs, diags) = build::plan::plan(&prep.prepared, Some(&[variant]));
        preview.rendered.diagnostics.extend(diags);
        preview.records = jobs
            .iter()
            .filter_map(|j| j.record_key().map(String::from))
            .collect();
        let job = jobs
            .iter()
            .find(|j| j.record_key() == record)
            .or_else(|| jobs.first());
        let Some(job) = job else {
            return Ok(preview);
        };
        if preview
            .rendered
            .diagnostics
            .iter()
            .any(Diagnostic::is_error)
        {
            return Ok(preview);
        }
        preview.record = job.record_key().map(String::from);
        let rendered = compile::preview::render(&self.world, p, job, compile::inputs(p, job), ppi);
        preview.rendered.pages = rendered.pages;
        preview.rendered.diagnostics.extend(rendered.diagnostics);
        preview.rendered.sources.merge(rendered.sources);
        Ok(preview)
    }

    /// Compares the outputs of this project with those of a base
    /// ([`DiffRequest::base`]): builds the head incrementally into its
    /// output folder, reads the base (a git revision into a temporary
    /// folder, or another copy of the project), typesets and renders only
    /// the outputs whose inputs differ, and writes the HTML report
    /// (`index.html`), a 赤字 proof per changed publication
    /// (`NAME.proof.pdf`) and, when asked, the Markdown summary. The head's
    /// problems are an [`Error::Problems`].
    pub fn diff(&self, request: &DiffRequest, progress: &mut dyn Progress) -> Result<Diff, Error> {
        let start = Instant::now();
        let prep = self.prepare(&request.publications)?;
        let head_prepared = prep.prepared.clone();
        let head_sources = prep.sources.clone();
        let build_request = BuildRequest {
            publications: request.publications.clone(),
            records: request.records.clone(),
            out_dir: request.out_dir.clone(),
            write: true,
            jobs: request.jobs,
            ..BuildRequest::default()
        };
        // The head is built (incrementally: its state then records which
        // files each output read) while the base is read and prepared on
        // another thread: one changed record leaves a core free.
        let (build, base) = std::thread::scope(|scope| {
            let base = scope.spawn(|| self.open_base(request));
            let build = build::run(
                &self.world,
                prep,
                self.options.creation_timestamp,
                &build_request,
                progress,
                start,
            );
            (build, base.join().expect("reading the base does not panic"))
        });
        if !build.success() {
            return Err(Error::Problems {
                diagnostics: build.diagnostics,
                sources: build.sources,
            });
        }
        let Base {
            checkout,
            session: base,
            prep: base_prep,
            label,
        } = base?;
        let out_dir = request
            .out_dir
            .clone()
            .unwrap_or_else(|| self.project.root.join("out"));
        // What the head's build recorded: each output's fingerprint and
        // files, the fonts' hashes.
        let mut state = build::state::State::load(&out_dir);
        let head_fonts = state.fonts_fingerprint(self.world.fonts().entries(), self.world.root());
        let mut report = diff::compare(
            &diff::Side {
                world: &base.world,
                prepared: &base_prep.prepared,
                label,
                stamps: Default::default(),
                fonts: None,
            },
            &diff::Side {
                world: &self.world,
                prepared: &head_prepared,
                label: "working tree".into(),
                stamps: state.outputs,
                fonts: Some(head_fonts),
            },
            &diff::DiffOptions {
                records: request.records.clone(),
                ppi: request.ppi,
                creation_timestamp: self.options.creation_timestamp,
            },
        );
        if base_prep.diagnostics.has_errors() {
            report.diagnostics.push(Diagnostic::warning(
                None,
                format!(
                    "the base ({}) has problems in its content; its publications with errors are missing from the comparison, their outputs reported as added",
                    report.base
                ),
            ));
        }
        drop(checkout);
        let written = self.write_diff(&report, request, &out_dir)?;
        Ok(Diff {
            report,
            build,
            sources: head_sources,
            written,
        })
    }

    /// The base of [`Session::diff`], opened with this session's options
    /// and prepared. Its fonts are this session's when its font folders are
    /// unchanged since the base commit (they are then neither written nor
    /// parsed again).
    fn open_base(&self, request: &DiffRequest) -> Result<Base, Error> {
        let font_dirs: Vec<PathBuf> = self
            .project
            .font_dirs
            .iter()
            .map(|d| d.rel.clone())
            .collect();
        let (checkout, dir, label, same_fonts) = match &request.base {
            DiffBase::Folder(dir) => {
                if !dir.join(project::MANIFEST).is_file()
                    && dir.join(build::state::STATE_FILE).is_file()
                {
                    return Err(Error::Usage(format!(
                        "{} is an output folder: it holds PDFs, not the content they came from; compare with a git revision (--base REV) or a copy of the project (a folder with {})",
                        dir.display(),
                        project::MANIFEST
                    )));
                }
                (None, dir.clone(), dir.display().to_string(), false)
            }
            DiffBase::Default | DiffBase::Revision(_) => {
                let rev = match &request.base {
                    DiffBase::Revision(rev) => Some(rev.as_str()),
                    _ => None,
                };
                let c = diff::git::checkout(&self.project.root, rev, &font_dirs)?;
                let dir = c.dir.path().to_path_buf();
                let (label, shared) = (c.label.clone(), c.shared);
                (Some(c), dir, label, shared)
            }
        };
        // The same font folders as the head's, too: a base whose manifest
        // names others reads its own (and gets the folders left out).
        let mut checkout = checkout;
        let same_fonts = same_fonts
            && Project::load(&dir)
                .is_ok_and(|base| base.font_dirs.iter().map(|d| &d.rel).eq(font_dirs.iter()));
        if !same_fonts && let Some(c) = checkout.as_mut() {
            c.unshare()?;
        }
        let options = SessionOptions {
            fonts: if same_fonts {
                Some(self.fonts().clone())
            } else {
                self.options.fonts.clone()
            },
            ..self.options.clone()
        };
        let session = Session::open(&dir, &options)?;
        // Publications the base does not declare are all added.
        let names: Vec<String> = request
            .publications
            .iter()
            .filter(|n| session.project.publications.iter().any(|p| &p.name == *n))
            .cloned()
            .collect();
        let prep = if names.is_empty() && !request.publications.is_empty() {
            Preparation::default()
        } else {
            session.prepare(&names)?
        };
        Ok(Base {
            checkout,
            session,
            prep,
            label,
        })
    }

    /// Writes what [`Session::diff`] presents: the HTML report, the proofs,
    /// the summary; proofs of an earlier comparison that has none now are
    /// removed, so that the folder never shows a stale one.
    fn write_diff(
        &self,
        report: &diff::DiffReport,
        request: &DiffRequest,
        out_dir: &Path,
    ) -> Result<Vec<PathBuf>, Error> {
        let dir = request
            .report_dir
            .clone()
            .unwrap_or_else(|| out_dir.join("diff"));
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::Io { path, source }
        };
        // The page (overlays encoded) and the proofs (exported) at once.
        let (html, proofs) = std::thread::scope(|scope| {
            let html = scope.spawn(|| diff::html::render(report));
            let proofs: Result<Vec<Proof>, String> = report
                .changed_publications()
                .into_iter()
                .map(|name| {
                    diff::proof::proof(report, name, self.fonts(), self.options.creation_timestamp)
                        .map(|pdf| (name, pdf))
                })
                .collect();
            (html.join().expect("the report renders"), proofs)
        });
        let proofs =
            proofs.map_err(|message| Error::problems(vec![Diagnostic::error(None, message)]))?;
        let mut written = Vec::new();
        let index = dir.join("index.html");
        output::write_atomic(&index, html.as_bytes()).map_err(io(&index))?;
        written.push(index);
        let mut kept = std::collections::BTreeSet::new();
        for (name, pdf) in proofs {
            if let Some(pdf) = pdf {
                let path = dir.join(format!("{name}.proof.pdf"));
                output::write_atomic(&path, &pdf).map_err(io(&path))?;
                kept.insert(path.clone());
                written.push(path);
            }
        }
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for e in entries.flatten() {
                let path = e.path();
                if path.to_string_lossy().ends_with(".proof.pdf") && !kept.contains(&path) {
                    output::remove(&path).map_err(io(&path))?;
                }
            }
        }
        if let Some(summary) = &request.summary {
            output::write_atomic(summary, diff::summary::render(report).as_bytes())
                .map_err(io(summary))?;
            written.push(summary.clone());
        }
        Ok(written)
    }

    /// Validates, plans and compiles; writes PDFs when `request.write`.
    pub fn build(&self, request: &BuildRequest, progress: &mut dyn Progress) -> BuildReport {
        let start = Instant::now();
        match self.prepare(&request.publications) {
            Ok(prep) => build::run(
                &self.world,
                prep,
                self.options.creation_timestamp,
                request,
                progress,
                start,
            ),
            Err(e) => {
                let mut report = BuildReport::default();
                report
                    .diagnostics
                    .push(Diagnostic::error(None, e.to_string()));
                report
            }
        }
    }
}
