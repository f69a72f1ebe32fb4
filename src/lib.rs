//! `pamphlet`: print-ready Japanese PDFs from structured YAML content and
//! Typst layouts, compiled in-process.
//!
//! The pipeline, as a library:
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

pub mod cli;
pub mod compile;
pub mod content;
pub mod diag;
pub mod incremental;
pub mod init;
pub mod output;
pub mod preview;
pub mod print;
pub mod project;
pub mod synth;
pub mod watch;
pub mod world;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use crate::compile::{CompileOptions, Job, Prepared, Record};
use crate::content::{Content, Limits, Schema};
use crate::diag::{Diagnostic, Diagnostics, Position, Sources};
pub use crate::project::{Project, ProjectError, Publication, Variant};
use crate::world::{Fonts, ProjectWorld};

/// A job's report with its diagnostics, their sources, and the update to
/// its fingerprint (`None`: keep; `Some((key, None))`: forget).
type JobResult = (
    JobReport,
    Vec<Diagnostic>,
    Sources,
    Option<(String, Option<incremental::OutputStamp>)>,
);

/// A content file loaded once, with its Typst value.
type LoadedContent = (Arc<Content>, typst::foundations::Value);

/// What can stop the pipeline before it produces diagnostics.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The project could not be loaded.
    #[error(transparent)]
    Project(#[from] ProjectError),
    /// A command-line request that cannot be honoured.
    #[error("{0}")]
    Usage(String),
    /// The input has problems (content, layout, preflight); each is a
    /// diagnostic with its place.
    #[error("{} problem(s), the first: {}", .0.errors(), .0.iter().find(|d| d.is_error()).map(ToString::to_string).unwrap_or_default())]
    Problems(Diagnostics),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
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
}

/// An open project: manifest, fonts and the shared Typst world.
pub struct Session {
    /// The project.
    pub project: Project,
    /// The shared world (shared with compilations running on their own
    /// threads, so that a runaway one can be abandoned).
    pub world: Arc<ProjectWorld>,
    options: SessionOptions,
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

/// What to build.
#[derive(Debug, Clone, Default)]
pub struct BuildRequest {
    /// Only these publications (all when empty).
    pub publications: Vec<String>,
    /// Only these records (all when empty).
    pub records: Vec<String>,
    /// Only these variants (all declared when `None`).
    pub variants: Option<Vec<Variant>>,
    /// Only shard `k` of `n` (1-based).
    pub shard: Option<(usize, usize)>,
    /// Parallel jobs (0: one per core).
    pub jobs: usize,
    /// The output folder (default: `out/` in the project).
    pub out_dir: Option<PathBuf>,
    /// Write PDFs (false: compile and check only).
    pub write: bool,
    /// Treat warnings as errors.
    pub deny_warnings: bool,
    /// Rebuild every output, even those whose inputs are unchanged.
    pub force: bool,
    /// Also write PNG previews at this resolution (pixels per inch).
    pub preview_ppi: Option<f64>,
    /// Identifies the tool in fingerprints (default: pamphlet's and Typst's
    /// versions); a different one invalidates every output.
    pub tool_id: Option<String>,
    /// Stop compiling a document after this long (default: 60 s).
    pub timeout: Option<Duration>,
}

/// How long one document may take to compile unless told otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// How a job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobStatus {
    /// A PDF was produced (and written, unless checking).
    Built {
        /// Pages.
        pages: usize,
        /// Size in bytes.
        bytes: usize,
        /// Whether the file on disk changed.
        written: bool,
    },
    /// Errors; nothing was written.
    Failed,
    /// Nothing it depends on changed since it was written: not rebuilt.
    Skipped,
}

/// One job's result.
#[derive(Debug, Clone)]
pub struct JobReport {
    /// The job.
    pub job: Job,
    /// Where its PDF goes.
    pub path: PathBuf,
    /// How it ended.
    pub status: JobStatus,
    /// How long it took.
    pub duration: Duration,
    /// Time per phase.
    pub phases: compile::Phases,
}

/// The result of a build.
#[derive(Debug, Default)]
pub struct BuildReport {
    /// Per job, in plan order.
    pub jobs: Vec<JobReport>,
    /// Every problem found.
    pub diagnostics: Diagnostics,
    /// Texts for the diagnostics.
    pub sources: Sources,
    /// Wall time.
    pub duration: Duration,
}

impl BuildReport {
    /// Jobs that produced a PDF.
    pub fn built(&self) -> usize {
        self.jobs
            .iter()
            .filter(|j| matches!(j.status, JobStatus::Built { .. }))
            .count()
    }

    /// Jobs skipped because nothing they depend on changed.
    pub fn skipped(&self) -> usize {
        self.jobs
            .iter()
            .filter(|j| j.status == JobStatus::Skipped)
            .count()
    }

    /// Jobs that failed.
    pub fn failed(&self) -> usize {
        self.jobs
            .iter()
            .filter(|j| j.status == JobStatus::Failed)
            .count()
    }

    /// Whether the build succeeded: no errors anywhere.
    pub fn success(&self) -> bool {
        !self.diagnostics.has_errors() && self.failed() == 0
    }
}

/// Receives progress while jobs run.
pub trait Progress: Send {
    /// `total` jobs are about to run.
    fn start(&mut self, total: usize);
    /// One job finished.
    fn done(&mut self, report: &JobReport);
    /// All jobs finished.
    fn finish(&mut self) {}
}

/// Progress that reports nothing.
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&mut self, _: usize) {}
    fn done(&mut self, _: &JobReport) {}
}

impl Session {
    /// Opens the project in `dir`: reads its manifest and discovers fonts.
    pub fn open(dir: &Path, options: &SessionOptions) -> Result<Session, Error> {
        for (key, _) in &options.inputs {
            if compile::RESERVED_INPUTS.contains(&key.as_str()) {
                return Err(Error::Usage(format!(
                    "--input {key}=…: `{key}` is set by pamphlet; choose another name"
                )));
            }
        }
        let project = Project::load(dir)?;
        let mut dirs: Vec<PathBuf> = project
            .font_dirs
            .iter()
            .map(|d| d.under(&project.root))
            .collect();
        dirs.extend(options.font_paths.iter().cloned());
        let fonts = Arc::new(Fonts::discover(&dirs, options.system_fonts));
        let today = options.creation_timestamp.and_then(|t| {
            let days = t.div_euclid(86_400);
            let (y, m, d) = civil(days);
            typst::foundations::Datetime::from_ymd(y, m, d)
        });
        let world = Arc::new(ProjectWorld::new(project.root.clone(), fonts, today));
        Ok(Session {
            project,
            world,
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
        for n in names {
            if self.project.publication(n).is_none() {
                let known: Vec<&str> = self
                    .project
                    .publications
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect();
                return Err(Error::Usage(format!(
                    "no publication `{n}` in {} (known: {})",
                    project::MANIFEST,
                    known.join(", ")
                )));
            }
        }
        let limits = self.options.limits.unwrap_or_default();
        let mut prep = Preparation::default();
        prep.sources
            .insert(project::MANIFEST, self.project.manifest_text.clone());
        // Content and schemas are shared between publications: load each once.
        let mut schemas: BTreeMap<PathBuf, Option<Arc<Schema>>> = BTreeMap::new();
        let mut contents: BTreeMap<(PathBuf, PathBuf), Option<LoadedContent>> = BTreeMap::new();
        for publication in &self.project.publications {
            if !names.is_empty() && !names.contains(&publication.name) {
                continue;
            }
            let context = format!("publication `{}`", publication.name);
            let schema = schemas
                .entry(publication.schema.rel.clone())
                .or_insert_with(|| self.load_schema(publication, &limits, &mut prep))
                .clone();
            let Some(schema) = schema else { continue };
            let key = (
                publication.content.rel.clone(),
                publication.schema.rel.clone(),
            );
            let loaded = contents
                .entry(key)
                .or_insert_with(|| {
                    let bytes =
                        self.read(&publication.content, "content file", &mut prep.diagnostics)?;
                    match Content::load(&publication.content.rel, &bytes, &schema, &limits) {
                        Ok(content) => {
                            prep.sources
                                .insert(&content.file.path, content.file.text.clone());
                            let value = crate::content::to_value(&content.data);
                            Some((Arc::new(content), value))
                        }
                        Err(diags) => {
                            if let Ok(text) = std::str::from_utf8(
                                bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes),
                            ) {
                                prep.sources
                                    .insert(&publication.content.rel, Arc::from(text));
                            }
                            prep.diagnostics.extend(diags);
                            None
                        }
                    }
                })
                .clone();
            let Some((content, content_value)) = loaded else {
                continue;
            };
            let main = match ProjectWorld::file_id(&publication.layout.rel) {
                Ok(id) => id,
                Err(msg) => {
                    prep.diagnostics.push(
                        Diagnostic::error(publication.layout.named_at.clone(), msg)
                            .with_context(&context),
                    );
                    continue;
                }
            };
            if !publication.layout.under(&self.project.root).is_file() {
                prep.diagnostics.push(
                    Diagnostic::error(
                        publication.layout.named_at.clone(),
                        format!("layout file not found: {}", publication.layout),
                    )
                    .with_context(&context),
                );
                continue;
            }
            let scoped = match &publication.each {
                Some(each) if !publication.whole_content => {
                    let path: Vec<String> = each.split('.').map(String::from).collect();
                    let scoped = content::scope::Scoped::new(
                        &content.data,
                        &schema.root,
                        &content_value,
                        &path,
                        &publication.key,
                    );
                    scoped.is_scoped().then(|| Arc::new(scoped))
                }
                _ => None,
            };
            prep.prepared.push(Prepared {
                publication: publication.clone(),
                content,
                content_value,
                main,
                scoped,
                extra_inputs: Arc::new(self.options.inputs.clone()),
                libraries: Arc::default(),
                uncovered: Arc::default(),
            });
        }
        // Every character must be in some font: Typst would draw empty boxes.
        // Every file the content names must be in the project. Once per
        // content file; the compilations learn which characters were found.
        let mut checked: BTreeMap<PathBuf, Arc<std::collections::BTreeSet<char>>> = BTreeMap::new();
        for p in &mut prep.prepared {
            let path = p.content.file.path.clone();
            p.uncovered = match checked.get(&path) {
                Some(set) => set.clone(),
                None => {
                    let (chars, diags): (std::collections::BTreeSet<char>, Vec<Diagnostic>) =
                        uncovered(&p.content, self.fonts()).into_iter().unzip();
                    prep.diagnostics.extend(diags);
                    prep.diagnostics.extend(self.check_files(&p.content));
                    let set = Arc::new(chars);
                    checked.insert(path, set.clone());
                    set
                }
            };
        }
        Ok(prep)
    }

    /// Checks that each file the content names exists inside the project
    /// (following symbolic links).
    fn check_files(&self, content: &Content) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for f in &content.files {
            let full = self.project.root.join(&f.file);
            let position = Some(content.file.position(f.range.clone()));
            let not_a_file = || {
                Diagnostic::error(
                    position.clone(),
                    format!("`{}` in `{}` is not a file", f.file.display(), f.path),
                )
            };
            match world::confine(&full, &self.project.root) {
                Ok(real) if !real.is_file() => out.push(not_a_file()),
                Ok(_) => {}
                Err(world::Unconfined::Directory) => out.push(not_a_file()),
                Err(world::Unconfined::Outside(real)) => out.push(
                    Diagnostic::error(
                        position,
                        format!(
                            "`{}` in `{}` resolves to {}, outside the project folder",
                            f.file.display(),
                            f.path,
                            real.display()
                        ),
                    )
                    .with_hint(
                        "a symbolic link may not point outside the project; copy the file in",
                    ),
                ),
                Err(world::Unconfined::Missing(_)) => out.push(Diagnostic::error(
                    position,
                    format!("file not found: `{}` (in `{}`)", f.file.display(), f.path),
                )),
            }
        }
        out
    }

    fn read(
        &self,
        path: &project::ProjectPath,
        what: &str,
        diags: &mut Diagnostics,
    ) -> Option<Vec<u8>> {
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
                diags.push(Diagnostic::error(path.named_at.clone(), message));
                None
            }
        }
    }

    fn load_schema(
        &self,
        publication: &Publication,
        limits: &Limits,
        prep: &mut Preparation,
    ) -> Option<Arc<Schema>> {
        let bytes = self.read(&publication.schema, "schema", &mut prep.diagnostics)?;
        let file = match content::yaml::parse(&publication.schema.rel, &bytes, limits) {
            Ok(f) => f,
            Err(d) => {
                prep.diagnostics.push(*d);
                return None;
            }
        };
        prep.sources.insert(&file.path, file.text.clone());
        match Schema::from_yaml(&file) {
            Ok(s) => Some(Arc::new(s)),
            Err(diags) => {
                prep.diagnostics.extend(diags);
                None
            }
        }
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
            return Err(Error::Problems(prep.diagnostics));
        }
        let (jobs, diags) = compile::plan(&prep.prepared, Some(&[variant]));
        if diags.iter().any(Diagnostic::is_error) {
            return Err(Error::Problems(Diagnostics(diags)));
        }
        let job = jobs
            .iter()
            .find(|j| j.record.as_ref().map(|r| r.key.as_str()) == record)
            .ok_or_else(|| match record {
                Some(r) => Error::Usage(format!(
                    "publication `{name}` has no record `{r}` (or no {variant} variant)"
                )),
                None => Error::Usage(format!(
                    "publication `{name}` needs a record, or has no {variant} variant"
                )),
            })?;
        let options = CompileOptions {
            creation_timestamp: self.options.creation_timestamp,
            preview_ppi: None,
        };
        let prepared = &prep.prepared[job.publication];
        let inputs = compile::inputs(prepared, job);
        let compiled = compile::compile(&self.world, prepared, job, inputs, &options, &job.output);
        match compiled.pdf {
            Some(pdf) => Ok(pdf),
            None => Err(Error::Problems(Diagnostics(compiled.diagnostics))),
        }
    }

    /// Validates, plans and compiles; writes PDFs when `request.write`.
    pub fn build(&self, request: &BuildRequest, progress: &mut dyn Progress) -> BuildReport {
        let start = Instant::now();
        let mut report = BuildReport::default();
        let prep = match self.prepare(&request.publications) {
            Ok(p) => p,
            Err(e) => {
                report
                    .diagnostics
                    .push(Diagnostic::error(None, e.to_string()));
                return report;
            }
        };
        let Preparation {
            prepared,
            diagnostics,
            sources,
        } = prep;
        report.diagnostics.extend(diagnostics);
        report.sources.merge(sources);
        // Publications whose content is valid are still built when another's
        // is not: every problem is reported in one run.
        let (mut jobs, plan_diags) = compile::plan(&prepared, request.variants.as_deref());
        let plan_failed = plan_diags.iter().any(Diagnostic::is_error);
        report.diagnostics.extend(plan_diags);
        if plan_failed {
            report.diagnostics.sort();
            report.duration = start.elapsed();
            return report;
        }
        if !request.records.is_empty() {
            let known: std::collections::BTreeSet<&str> = jobs
                .iter()
                .filter_map(|j| j.record.as_ref().map(|r| r.key.as_str()))
                .collect();
            for r in &request.records {
                if !known.contains(r.as_str()) {
                    report.diagnostics.push(Diagnostic::error(
                        None,
                        format!("no record `{r}` in any selected publication"),
                    ));
                }
            }
            jobs.retain(|j| {
                j.record
                    .as_ref()
                    .is_some_and(|r| request.records.contains(&r.key))
            });
        }
        if let Some((k, n)) = request.shard {
            jobs.retain(|j| j.in_shard(k, n));
        }
        let out_dir = request
            .out_dir
            .clone()
            .unwrap_or_else(|| self.project.root.join("out"));
        let options = CompileOptions {
            creation_timestamp: self.options.creation_timestamp,
            preview_ppi: request.preview_ppi,
        };
        if request.write {
            // Temporary files left by an interrupted build.
            output::clean_temporaries(&out_dir);
        }
        // Incremental: what every output was built from last time.
        let mut state = if request.write {
            incremental::State::load(&out_dir)
        } else {
            incremental::State::default()
        };
        // Fingerprints are only kept (and fonts only hashed) when writing.
        let fonts = if request.write {
            state.fonts_fingerprint(self.fonts().entries(), &self.project.root)
        } else {
            String::new()
        };
        let ctx = JobContext {
            prepared: &prepared,
            out_dir: &out_dir,
            options: &options,
            request,
            state: &state,
            hashes: incremental::FileHashes::new(&self.project.root),
            fonts,
            tool: request.tool_id.clone().unwrap_or_else(incremental::tool_id),
        };
        progress.start(jobs.len());
        let threads = if request.jobs == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            request.jobs
        };
        let results = self.run_jobs(&jobs, &ctx, threads, progress);
        let mut updates = Vec::new();
        for (job, diags, sources, stamp) in results {
            report.jobs.push(job);
            report.diagnostics.extend(diags);
            report.sources.merge(sources);
            updates.extend(stamp);
        }
        if request.write {
            for (key, stamp) in updates {
                match stamp {
                    Some(stamp) => state.outputs.insert(key, stamp),
                    None => state.outputs.remove(&key),
                };
            }
            if let Err(e) = state.save(&out_dir) {
                report.diagnostics.push(Diagnostic::warning(
                    None,
                    format!(
                        "cannot save the build state in {}: {e} (the next build redoes everything)",
                        out_dir.display()
                    ),
                ));
            }
        }
        report.diagnostics.sort();
        report.duration = start.elapsed();
        report
    }

    /// Runs `jobs` on `threads` worker threads sharing this session's world,
    /// and returns their results in plan order. Typst's memoisation caches
    /// are shared; entries unused for two chunks of jobs are evicted, so
    /// memory stays bounded over thousands of records.
    fn run_jobs(
        &self,
        jobs: &[Job],
        ctx: &JobContext,
        threads: usize,
        progress: &mut dyn Progress,
    ) -> Vec<JobResult> {
        const CHUNK: usize = 32;
        let next = AtomicUsize::new(0);
        let done = AtomicUsize::new(0);
        let slots: Mutex<Vec<Option<JobResult>>> =
            Mutex::new((0..jobs.len()).map(|_| None).collect());
        let progress = Mutex::new(progress);
        // Fewer jobs than threads (one pamphlet): each compile thread's pool
        // gets the spare cores, for Typst's own parallel page layout.
        let workers = threads.clamp(1, jobs.len().max(1));
        let pool_size = (threads / workers).max(1);
        std::thread::scope(|scope| {
            let work = || {
                // This worker's compile thread, kept across its jobs.
                let mut thread = CompileSlot::new(pool_size);
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(i) else { break };
                    let result = self.run_job(job, ctx, &mut thread);
                    if let Ok(mut p) = progress.lock() {
                        p.done(&result.0);
                    }
                    if let Ok(mut slots) = slots.lock() {
                        slots[i] = Some(result);
                    }
                    if (done.fetch_add(1, Ordering::Relaxed) + 1).is_multiple_of(CHUNK) {
                        comemo::evict(2);
                    }
                }
            };
            // Workers share the queue; if no thread can be started (a tight
            // memory limit), this thread does the work itself.
            let mut started = 0;
            for _ in 0..workers {
                if std::thread::Builder::new()
                    .spawn_scoped(scope, work)
                    .is_ok()
                {
                    started += 1;
                }
            }
            if started == 0 {
                work();
            }
        });
        if let Ok(mut p) = progress.lock() {
            p.finish();
        }
        slots
            .into_inner()
            .unwrap_or_default()
            .into_iter()
            .flatten()
            .collect()
    }

    /// The fingerprint of a job's inputs: its data, the publication's
    /// settings, the build options, the fonts and the tool.
    fn fingerprint(
        &self,
        job: &Job,
        prepared: &Prepared,
        inputs: &compile::Inputs,
        ctx: &JobContext,
    ) -> String {
        let p = &prepared.publication;
        let settings = format!(
            "{:?}|{:?}|{:?}|{:?}|{:?}|{}|{}|{:?}|{}|{:?}|{:?}|{:?}",
            p.layout.rel,
            p.print,
            p.pages,
            p.print_standards,
            p.screen_standards,
            p.output,
            p.screen_output,
            p.each,
            p.key,
            p.whole_content,
            ctx.options.creation_timestamp,
            ctx.options.preview_ppi.map(f64::to_bits),
        );
        let data = typst::utils::hash128(inputs);
        incremental::hex(typst::utils::hash128(&(
            &ctx.tool,
            &ctx.fonts,
            settings,
            job.variant,
            data,
        )))
    }

    /// Compiles on the worker's compile thread, waiting at most the
    /// request's timeout. The thread lives across jobs (its caches stay
    /// warm); a layout that does not finish in time is reported and its
    /// thread abandoned (it ends with the process), and the next job gets a
    /// fresh one. A panic inside Typst is reported as an internal error
    /// instead of ending the build.
    fn compile_with_timeout(
        &self,
        prepared: &Prepared,
        job: &Job,
        inputs: compile::Inputs,
        ctx: &JobContext,
        shown: &Path,
        thread: &mut CompileSlot,
    ) -> compile::Compiled {
        let timeout = ctx.request.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let Some(t) = thread.get() else {
            // No thread to spare (a tight memory limit): compile here,
            // without the timeout.
            return compile::compile(&self.world, prepared, job, inputs, ctx.options, shown);
        };
        let task = CompileTask {
            world: self.world.clone(),
            prepared: prepared.clone(),
            job: job.clone(),
            inputs,
            options: ctx.options.clone(),
            shown: shown.to_path_buf(),
        };
        if let Err(std::sync::mpsc::SendError(task)) = t.tasks.send(task) {
            thread.abandon();
            return compile::compile(&self.world, prepared, job, task.inputs, ctx.options, shown);
        }
        let failed = |message: String, hint: &str| compile::Compiled {
            pdf: None,
            pages: 0,
            diagnostics: vec![
                Diagnostic::error(prepared.publication.layout.named_at.clone(), message)
                    .with_hint(hint)
                    .with_context(job.describe()),
            ],
            sources: Sources::new(),
            accessed: Vec::new(),
            duration: timeout,
            phases: Default::default(),
            previews: Vec::new(),
        };
        match t.results.recv_timeout(timeout) {
            Ok(compiled) => compiled,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                thread.abandon();
                failed(
                    format!(
                        "the layout {} did not finish within {} s",
                        prepared.publication.layout,
                        timeout.as_secs_f64()
                    ),
                    "look for a loop that runs too long in the layout; raise the limit with --timeout if the document is just large",
                )
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                thread.abandon();
                failed(
                    format!(
                        "internal error while compiling {} (Typst panicked)",
                        prepared.publication.layout
                    ),
                    "this is a bug in Typst or pamphlet; please report it with the layout and content",
                )
            }
        }
    }

    fn run_job(&self, job: &Job, ctx: &JobContext, thread: &mut CompileSlot) -> JobResult {
        let start = Instant::now();
        let prepared = &ctx.prepared[job.publication];
        let path = ctx.out_dir.join(&job.output);
        let key = incremental::key(&job.output);
        // The template's data, made once: fingerprinted, then compiled.
        let inputs = compile::inputs(prepared, job);
        let fingerprint = ctx
            .request
            .write
            .then(|| self.fingerprint(job, prepared, &inputs, ctx));
        // Skip what is up to date.
        if let Some(fp) = &fingerprint
            && !ctx.request.force
            && let Some(stamp) = ctx.state.outputs.get(&key)
            && stamp.inputs == *fp
            && incremental::output_intact(&path, stamp, ctx.out_dir)
            && ctx.hashes.unchanged(&stamp.deps)
        {
            let report = JobReport {
                job: job.clone(),
                path,
                status: JobStatus::Skipped,
                duration: start.elapsed(),
                phases: Default::default(),
            };
            return (report, Vec::new(), Sources::new(), None);
        }
        let shown = path
            .strip_prefix(&self.project.root)
            .unwrap_or(&path)
            .to_path_buf();
        let compiled = self.compile_with_timeout(prepared, job, inputs, ctx, &shown, thread);
        let mut phases = compiled.phases;
        let mut diagnostics = compiled.diagnostics;
        let mut status = JobStatus::Failed;
        let mut stamp_update = Some((key.clone(), None));
        if let Some(pdf) = compiled.pdf {
            let failed = diagnostics
                .iter()
                .any(|d| d.is_error() || ctx.request.deny_warnings);
            if !failed {
                let mut written = false;
                let clock = Instant::now();
                let write = |rel: &Path, bytes: &[u8], diagnostics: &mut Vec<Diagnostic>| -> bool {
                    let target = ctx.out_dir.join(rel);
                    if output::unchanged(&target, bytes) {
                        return false;
                    }
                    match output::write_atomic(&target, bytes) {
                        Ok(()) => true,
                        Err(e) => {
                            let shown = target
                                .strip_prefix(&self.project.root)
                                .unwrap_or(&target)
                                .to_path_buf();
                            diagnostics.push(
                                Diagnostic::error(
                                    Some(Position::file(&shown)),
                                    format!("cannot write {}: {e}", shown.display()),
                                )
                                .with_context(job.describe()),
                            );
                            false
                        }
                    }
                };
                if ctx.request.write {
                    written = write(&job.output, &pdf, &mut diagnostics);
                    for (rel, png) in &compiled.previews {
                        write(rel, png, &mut diagnostics);
                    }
                }
                phases.write = clock.elapsed();
                if !diagnostics.iter().any(Diagnostic::is_error) {
                    status = JobStatus::Built {
                        pages: compiled.pages,
                        bytes: pdf.len(),
                        written,
                    };
                    if let (Some(fp), Some((len, mtime))) = (fingerprint, incremental::stat(&path))
                    {
                        let deps = compiled
                            .accessed
                            .iter()
                            .filter_map(|p| {
                                let rel = incremental::key(p);
                                ctx.hashes.get(&rel).map(|h| (rel, h))
                            })
                            .collect();
                        let previews = compiled
                            .previews
                            .iter()
                            .map(|(p, _)| incremental::key(p))
                            .collect();
                        stamp_update = Some((
                            key,
                            Some(incremental::OutputStamp {
                                inputs: fp,
                                deps,
                                len,
                                mtime,
                                previews,
                            }),
                        ));
                    }
                }
            }
        }
        let report = JobReport {
            job: job.clone(),
            path,
            status,
            duration: start.elapsed(),
            phases,
        };
        (report, diagnostics, compiled.sources, stamp_update)
    }
}

/// One compilation to run on a compile thread.
struct CompileTask {
    world: Arc<ProjectWorld>,
    prepared: Prepared,
    job: Job,
    inputs: compile::Inputs,
    options: CompileOptions,
    shown: PathBuf,
}

/// A worker's compile thread: started on first use, kept across the
/// worker's jobs, and replaced after a timeout or a panic.
struct CompileSlot {
    thread: Option<CompileThread>,
    /// Threads in the compile thread's rayon pool.
    pool_size: usize,
}

impl CompileSlot {
    /// An empty slot whose thread will get a pool of `pool_size` threads.
    fn new(pool_size: usize) -> CompileSlot {
        CompileSlot {
            thread: None,
            pool_size,
        }
    }

    /// The thread, started if there is none; `None` if none can be started
    /// (a tight memory limit).
    fn get(&mut self) -> Option<&CompileThread> {
        if self.thread.is_none() {
            self.thread = CompileThread::spawn(self.pool_size);
        }
        self.thread.as_ref()
    }

    /// Lets go of the thread (it timed out, panicked or is gone); the next
    /// job starts a fresh one.
    fn abandon(&mut self) {
        self.thread = None;
    }
}

/// A long-lived thread that compiles the tasks it is sent, one at a time.
///
/// The thread is a worker of its own rayon pool. Typst hands some of its
/// work to rayon (`Engine::parallelize` lays out runs of pages through a
/// parallel iterator); called from outside a pool, rayon would move that
/// work to another thread and block this one until it is done, once per
/// document. Inside the pool the work starts on this thread, whose caches
/// are warm; the pool's other threads (only when a build has fewer jobs
/// than cores) help with documents of many pages. A batch's parallelism
/// comes from running one compile thread per worker.
struct CompileThread {
    tasks: std::sync::mpsc::Sender<CompileTask>,
    results: std::sync::mpsc::Receiver<compile::Compiled>,
    /// Owns the thread; it ends when `tasks` is dropped.
    _pool: rayon::ThreadPool,
}

impl CompileThread {
    /// Starts one, with a stack deep enough for deeply nested documents, in
    /// a pool of `pool_size` threads (the others help with Typst's parallel
    /// work).
    fn spawn(pool_size: usize) -> Option<CompileThread> {
        let (task_tx, task_rx) = std::sync::mpsc::channel::<CompileTask>();
        let (result_tx, result_rx) = std::sync::mpsc::channel();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(pool_size.max(1))
            .thread_name(|_| "compile".into())
            .stack_size(16 * 1024 * 1024)
            .panic_handler(|_| {})
            .build()
            .ok()?;
        pool.spawn(move || {
            for t in task_rx {
                // A panic inside Typst ends this thread's loop: the waiting
                // worker sees the channel close and reports an internal
                // error (rayon would abort the process on an uncaught one).
                let compiled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    compile::compile(
                        &t.world,
                        &t.prepared,
                        &t.job,
                        t.inputs,
                        &t.options,
                        &t.shown,
                    )
                }));
                let Ok(compiled) = compiled else { break };
                if result_tx.send(compiled).is_err() {
                    break;
                }
            }
        });
        Some(CompileThread {
            tasks: task_tx,
            results: result_rx,
            _pool: pool,
        })
    }
}

/// What every job of a build shares.
struct JobContext<'a> {
    prepared: &'a [Prepared],
    out_dir: &'a Path,
    options: &'a CompileOptions,
    request: &'a BuildRequest,
    state: &'a incremental::State,
    hashes: incremental::FileHashes,
    fonts: String,
    tool: String,
}

/// Checks that the fonts cover every character of the content; each
/// missing character is an error at its place in the content file.
pub fn coverage(content: &Content, fonts: &Fonts) -> Vec<Diagnostic> {
    uncovered(content, fonts)
        .into_iter()
        .map(|(_, d)| d)
        .collect()
}

/// The characters of the content that no font covers, each with its
/// diagnostic at its first place in the content.
fn uncovered(content: &Content, fonts: &Fonts) -> Vec<(char, Diagnostic)> {
    let mut out = Vec::new();
    // Each distinct character is looked up once.
    let mut seen = std::collections::HashSet::new();
    for leaf in &content.leaves {
        for (i, c) in leaf.raw.char_indices() {
            if !seen.insert(c) || c.is_whitespace() || c.is_control() || fonts.covers(c) {
                continue;
            }
            let start =
                content::validate::map_offset(&content.file.text, &leaf.range, &leaf.raw, i);
            let position = content.file.position(start..start + c.len_utf8());
            out.push((
                c,
                Diagnostic::error(
                    Some(position),
                    format!("character `{c}` (U+{:04X}) in `{}` is not in any of the project's fonts; it would print as an empty box", c as u32, leaf.path),
                )
                .with_hint("add a font that covers it to the fonts folder, or replace the character"),
            ));
        }
    }
    out
}

/// Civil date (year, month, day) of a day count since 1970-01-01.
pub(crate) fn civil(days: i64) -> (i32, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    ((yoe + era * 400 + i64::from(month <= 2)) as i32, month, day)
}
