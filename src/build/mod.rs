//! A build: from prepared publications to PDFs on disk.
//!
//! [`run`] is the whole sequence, each step in a room of its own:
//!
//! 1. [`plan`]: expand publications into jobs and apply the request's
//!    selection (records, shard);
//! 2. [`state`]: load what every output was built from last time;
//! 3. `schedule`: run the jobs on a pool of workers, each with its own
//!    compile thread (timeouts, panics, cache eviction) — a job
//!    (`job`) is skipped when its [`fingerprint`] and the files it read
//!    are unchanged, else compiled and written atomically;
//! 4. when the build planned every output, remove the files an earlier
//!    build wrote that the project no longer makes (a record removed, a
//!    merge's `split` changed) — only files the state records;
//! 5. save the new state.
//!
//! Compiling one document is [`crate::compile`]'s; writing files is
//! [`crate::output`]'s.

pub mod fingerprint;
mod job;
mod merge;
pub mod plan;
mod schedule;
pub mod state;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::compile::{self, CompileOptions, Job};
use crate::diag::{Diagnostic, Diagnostics, Sources};
use crate::output;
use crate::prepare::Preparation;
use crate::project::Variant;
use crate::world::ProjectWorld;

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
    /// Also write the pages as PNG at this resolution (pixels per inch).
    pub png_ppi: Option<f64>,
    /// Identifies the tool in fingerprints (default: pamphlet's and Typst's
    /// versions); a different one invalidates every output.
    pub tool_id: Option<String>,
    /// Stop compiling a document after this long (default: 60 s).
    pub timeout: Option<Duration>,
}

/// The most the reduced images kept in an output folder may take (the
/// oldest go first).
pub const IMAGE_CACHE_BYTES: u64 = 512 << 20;

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
    /// Of it, the preparation: reading and validating the content (and
    /// spreadsheets), the schema, the checks before typesetting.
    pub prepare: Duration,
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

    /// Sorts the diagnostics and records the wall time since `start`.
    fn finish(mut self, start: Instant) -> BuildReport {
        self.diagnostics.sort();
        self.duration = start.elapsed();
        self
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

/// What every job of a build shares.
pub(crate) struct Context<'a> {
    /// The world every compilation shares.
    pub world: &'a std::sync::Arc<ProjectWorld>,
    /// The publications.
    pub prepared: &'a [crate::prepare::Prepared],
    /// Where outputs go.
    pub out_dir: &'a Path,
    /// Options of every compilation.
    pub options: &'a CompileOptions,
    /// The request.
    pub request: &'a BuildRequest,
    /// What outputs were built from last time.
    pub state: &'a state::State,
    /// Hashes of the project's files, each read once.
    pub hashes: state::FileHashes,
    /// The fonts' fingerprint.
    pub fonts: String,
    /// The tool's identity.
    pub tool: String,
}

impl Context<'_> {
    /// Whether the output `key` at `path` is up to date: not forced, and
    /// written last time from this `fingerprint` (none: not to be written),
    /// still as written, and every file it read unchanged.
    fn fresh(&self, key: &str, path: &Path, fingerprint: Option<&str>) -> bool {
        fingerprint.is_some_and(|fp| {
            !self.request.force
                && self.state.outputs.get(key).is_some_and(|stamp| {
                    stamp.inputs == fp
                        && state::output_intact(path, stamp, self.out_dir)
                        && self.hashes.unchanged(&stamp.deps)
                })
        })
    }

    /// What every job's fingerprint shares.
    fn shared(&self) -> fingerprint::Shared<'_> {
        fingerprint::Shared {
            tool: &self.tool,
            fonts: &self.fonts,
            options: self.options,
        }
    }
}

/// The fingerprint of every font file `world` sees, by content (each read
/// once).
pub fn fonts_fingerprint(world: &ProjectWorld) -> String {
    state::State::default().fonts_fingerprint(world.fonts().entries(), world.root())
}

/// The fingerprints `jobs` of `prepared` would have in a build of
/// `world` with this creation date and no PNG pages, without compiling
/// anything: two equal fingerprints and equal files read mean equal PDFs.
/// `fonts` is [`fonts_fingerprint`] of `world`.
pub fn fingerprints(
    prepared: &[crate::prepare::Prepared],
    jobs: &[Job],
    fonts: &str,
    creation_timestamp: Option<i64>,
) -> Vec<String> {
    let tool = state::tool_id();
    let options = CompileOptions {
        creation_timestamp,
        png_ppi: None,
    };
    let shared = fingerprint::Shared {
        tool: &tool,
        fonts,
        options: &options,
    };
    jobs.iter()
        .map(|job| {
            let p = &prepared[job.publication];
            fingerprint::of(job, p, &compile::inputs(p, job), &shared)
        })
        .collect()
}

/// Builds what `request` asks for from `prep`: plans the jobs, runs them on
/// the shared `world`, writes the PDFs (when `request.write`) and the new
/// state. `start` is when the build began (its preparation included).
pub fn run(
    world: &std::sync::Arc<ProjectWorld>,
    prep: Preparation,
    creation_timestamp: Option<i64>,
    request: &BuildRequest,
    progress: &mut dyn Progress,
    start: Instant,
) -> BuildReport {
    let Preparation {
        prepared,
        diagnostics,
        sources,
    } = prep;
    // A publication that could not be prepared plans no outputs: its files
    // from an earlier build are not stale.
    let prepare_failed = diagnostics.iter().any(Diagnostic::is_error);
    let mut report = BuildReport {
        diagnostics,
        sources,
        prepare: start.elapsed(),
        ..Default::default()
    };
    // Publications whose content is valid are still built when another's
    // is not: every problem is reported in one run.
    let (jobs, plan_diags) = plan::plan(&prepared, request.variants.as_deref());
    let plan_failed = plan_diags.iter().any(Diagnostic::is_error);
    report.diagnostics.extend(plan_diags);
    if plan_failed {
        return report.finish(start);
    }
    // Merged files: of all the records (not when records are picked), in
    // the shard their own path falls in.
    let (merged, merge_diags) = if request.records.is_empty() {
        plan::merged(&prepared, &jobs)
    } else {
        (Vec::new(), Vec::new())
    };
    let merge_failed = merge_diags.iter().any(Diagnostic::is_error);
    report.diagnostics.extend(merge_diags);
    if merge_failed {
        return report.finish(start);
    }
    let merged: Vec<plan::MergedFile> = merged
        .into_iter()
        .filter(|f| {
            request
                .shard
                .is_none_or(|(k, n)| plan::in_shard(&f.job(&prepared), k, n))
        })
        .collect();
    let (selected, select_diags) = plan::select(jobs.clone(), request);
    report.diagnostics.extend(select_diags);
    // Which jobs' own files are outputs of this build: selected, and not
    // left out by their publication's merge (`separate = false`).
    let selected: std::collections::HashSet<Job> = selected.into_iter().collect();
    let jobs: Vec<(Job, bool)> = jobs
        .into_iter()
        .map(|j| {
            let separate = prepared[j.publication]
                .publication
                .merge
                .as_ref()
                .is_none_or(|m| m.separate);
            let write = separate && selected.contains(&j);
            (j, write)
        })
        .collect();

    let root = world.root();
    let out_dir = request.out_dir.clone().unwrap_or_else(|| root.join("out"));
    let options = CompileOptions {
        creation_timestamp,
        png_ppi: request.png_ppi,
    };
    if request.write {
        // Temporary files left by an interrupted build.
        output::clean_temporaries(&out_dir);
    }
    // Photos reduced to their frames, and what the print stage made of
    // images, are kept in the output folder between builds (a check or a
    // preview writes nothing, and keeps them in memory).
    let image_cache = request
        .write
        .then(|| out_dir.join(crate::print::reduce::Reduced::FOLDER));
    world.reduced().keep_in(image_cache.clone());
    world.images().keep_in(image_cache.clone());
    // Incremental: what every output was built from last time. Fingerprints
    // are only kept (and fonts only hashed) when writing.
    let mut state = if request.write {
        state::State::load(&out_dir)
    } else {
        state::State::default()
    };
    let fonts = if request.write {
        state.fonts_fingerprint(world.fonts().entries(), root)
    } else {
        String::new()
    };
    // Project files as the build before stamped them: those still the same
    // size and age are not read again to be hashed.
    let stamps = std::sync::Arc::new(state.stamps());
    world.use_stamps(stamps.clone());
    let ctx = Context {
        world,
        prepared: &prepared,
        out_dir: &out_dir,
        options: &options,
        request,
        state: &state,
        hashes: state::FileHashes::new(root, stamps.clone()),
        fonts,
        tool: request.tool_id.clone().unwrap_or_else(state::tool_id),
    };
    let (merging, skipped) = merge::Merging::new(&merged, &ctx);
    let tasks = merging.tasks(&jobs, &ctx);
    let outputs = jobs.iter().filter(|(_, w)| *w).count() + merged.len();
    let mut results = schedule::run(&tasks, &merging, outputs, &ctx, progress);
    results.extend(skipped);
    let mut updates = Vec::new();
    for result in results {
        report.jobs.extend(result.report);
        report.diagnostics.extend(result.diagnostics);
        report.sources.merge(result.sources);
        updates.push(result.stamp);
    }
    if request.write {
        merge::sidecars(&merged, &updates, &state, &ctx, &mut report);
    }
    world.reduced().keep_in(None);
    world.images().keep_in(None);
    world.use_stamps(Default::default());
    if let Some(folder) = &image_cache {
        crate::print::reduce::prune(folder, IMAGE_CACHE_BYTES);
    }
    if request.write {
        state.update(updates);
        state.keep_stamps(stamps.seen());
        // Outputs an earlier build wrote that the project no longer makes
        // (a record removed, `split` or `separate` changed), when this build
        // planned every output of every publication.
        let complete = request.publications.is_empty()
            && request.records.is_empty()
            && request.variants.is_none()
            && request.shard.is_none()
            && !prepare_failed;
        if complete {
            let planned: std::collections::HashSet<String> = jobs
                .iter()
                .filter(|(_, write)| *write)
                .map(|(job, _)| state::key(&job.output))
                .chain(merged.iter().map(|f| state::key(&f.output)))
                .collect();
            report
                .diagnostics
                .extend(remove_stale(&mut state, &planned, &out_dir));
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
    report.finish(start)
}

/// Removes the outputs `state` records that are not `planned` (with their
/// PNG pages) and forgets them: files this tool wrote, never others. One
/// note names what went; a file that cannot be removed is a warning.
fn remove_stale(
    state: &mut state::State,
    planned: &std::collections::HashSet<String>,
    out_dir: &Path,
) -> Vec<Diagnostic> {
    let mut removed = Vec::new();
    let mut diagnostics = Vec::new();
    for (key, stamp) in state.take_unplanned(planned) {
        for file in std::iter::once(&key).chain(&stamp.pngs) {
            let path = out_dir.join(file);
            match output::remove(&path) {
                Ok(()) => removed.push(file.clone()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => diagnostics.push(Diagnostic::warning(
                    None,
                    format!(
                        "cannot remove {}, which the project no longer makes: {e}",
                        path.display()
                    ),
                )),
            }
        }
    }
    if !removed.is_empty() {
        const SHOWN: usize = 5;
        let mut names = removed[..removed.len().min(SHOWN)].join(", ");
        if removed.len() > SHOWN {
            names.push_str(&format!(" and {} more", removed.len() - SHOWN));
        }
        diagnostics.push(Diagnostic::note(
            None,
            format!(
                "removed {} file(s) from {} that an earlier build wrote and the project no longer makes: {names}",
                removed.len(),
                out_dir.display()
            ),
        ));
    }
    diagnostics
}
