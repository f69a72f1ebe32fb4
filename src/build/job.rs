//! One job of a build: skipped when nothing it depends on changed,
//! otherwise compiled (on the worker's compile thread) and its PDF and
//! PNG pages written atomically; the fingerprint to record comes back with
//! the result.

use std::path::Path;
use std::time::Instant;

use super::schedule::CompileSlot;
use super::state::{self, OutputStamp, StampUpdate};
use super::{Context, JobReport, JobStatus, fingerprint};
use crate::compile::{self, Job, Staged, Wanted};
use crate::diag::{Diagnostic, Position, Sources};
use crate::output;

/// A job as a build runs it: the job, whether its own file is written,
/// and whether its pages also go into a merged file.
#[derive(Debug, Clone)]
pub(super) struct Task {
    /// The job.
    pub job: Job,
    /// Whether the job's own file is one of the build's outputs (else its
    /// pages only go into a merged file, with `merge = …` and `separate =
    /// false`, or from another CI shard).
    pub write: bool,
    /// The merged file its staged pages go to.
    pub merge: Option<MergeSlot>,
}

/// Where a record's pages go in a merged file.
#[derive(Debug, Clone, Copy)]
pub(super) struct MergeSlot {
    /// The merged file (index into the build's merged files).
    pub file: usize,
    /// The record's place in it.
    pub position: usize,
    /// The PDF/X part the file is made for (its pages are staged for it).
    pub pdfx: Option<crate::project::PdfX>,
}

/// A job's report with its diagnostics, their sources, and the update to
/// its fingerprint.
pub(super) struct JobResult {
    /// How it ended (`None` for a record whose pages only go into a merged
    /// file: it is no output of its own).
    pub report: Option<JobReport>,
    /// What it found.
    pub diagnostics: Vec<Diagnostic>,
    /// Texts the diagnostics point into.
    pub sources: Sources,
    /// What to record of its output.
    pub stamp: StampUpdate,
    /// For a merged file: the record's staged pages.
    pub staged: Option<StagedRecord>,
}

/// A record's pages staged for its merged file, and what they were made
/// from.
pub(super) struct StagedRecord {
    /// The pages (`None` when the record failed).
    pub staged: Option<Staged>,
    /// The project files they were made from, with their hashes.
    pub deps: Vec<(String, String)>,
}

/// Runs `task`: skips its own file when up to date, compiles it in `slot`
/// (for its file, for its merged file, or both) and writes what it made.
pub(super) fn run(task: &Task, ctx: &Context, slot: &mut CompileSlot) -> JobResult {
    let start = Instant::now();
    let job = &task.job;
    let prepared = &ctx.prepared[job.publication];
    let path = ctx.out_dir.join(&job.output);
    let key = state::key(&job.output);
    // The template's data, made once: fingerprinted, then compiled.
    let inputs = compile::inputs(prepared, job);
    let fingerprint = (ctx.request.write && task.write)
        .then(|| fingerprint::of(job, prepared, &inputs, &ctx.shared()));
    let fresh = ctx.fresh(&key, &path, fingerprint.as_deref());
    let skipped = |start: Instant| JobReport {
        job: job.clone(),
        path: path.clone(),
        status: JobStatus::Skipped,
        duration: start.elapsed(),
        phases: Default::default(),
    };
    if (fresh || !task.write) && task.merge.is_none() {
        return JobResult {
            report: task.write.then(|| skipped(start)),
            diagnostics: Vec::new(),
            sources: Sources::new(),
            stamp: StampUpdate::Keep,
            staged: None,
        };
    }
    let root = ctx.world.root();
    let shown = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
    let wanted = Wanted {
        pdf: task.write && !fresh,
        staged: task.merge.map(|m| m.pdfx),
    };
    let compiled = slot.compile(prepared, job, inputs, ctx, &shown, wanted);
    let deps: Vec<(String, String)> = compiled
        .accessed
        .iter()
        .filter_map(|(p, digest)| {
            let rel = state::key(p);
            let hash = match digest {
                Some(d) => Some(ctx.hashes.known(&rel, *d)),
                None => ctx.hashes.get(&rel),
            };
            hash.map(|h| (rel, h))
        })
        .collect();
    let staged = task.merge.map(|_| StagedRecord {
        staged: compiled.staged,
        deps: deps.clone(),
    });
    if !wanted.pdf {
        return JobResult {
            report: task.write.then(|| skipped(start)),
            diagnostics: compiled.diagnostics,
            sources: compiled.sources,
            stamp: StampUpdate::Keep,
            staged,
        };
    }
    let mut phases = compiled.phases;
    let mut diagnostics = compiled.diagnostics;
    let mut status = JobStatus::Failed;
    let mut stamp = StampUpdate::Forget(key.clone());
    let failed = diagnostics
        .iter()
        .any(|d| d.is_error() || ctx.request.deny_warnings);
    if let Some(pdf) = compiled.pdf.filter(|_| !failed) {
        let mut written = false;
        let clock = Instant::now();
        if ctx.request.write {
            written = write(ctx, job, &job.output, &pdf, &mut diagnostics);
            for (rel, png) in &compiled.pngs {
                write(ctx, job, rel, png, &mut diagnostics);
            }
        }
        phases.write = clock.elapsed();
        if !diagnostics.iter().any(Diagnostic::is_error) {
            status = JobStatus::Built {
                pages: compiled.pages,
                bytes: pdf.len(),
                written,
            };
            if let (Some(fp), Some((len, mtime))) = (fingerprint, state::stat(&path)) {
                let pngs = compiled.pngs.iter().map(|(p, _)| state::key(p)).collect();
                stamp = StampUpdate::Record(
                    key,
                    OutputStamp {
                        inputs: fp,
                        deps,
                        len,
                        mtime,
                        pngs,
                        pages: Vec::new(),
                    },
                );
            }
        }
    }
    JobResult {
        report: Some(JobReport {
            job: job.clone(),
            path,
            status,
            duration: start.elapsed(),
            phases,
        }),
        diagnostics,
        sources: compiled.sources,
        stamp,
        staged,
    }
}

/// Writes `bytes` to `rel` in the output folder unless the file already
/// holds them; returns whether it wrote. A failure is an error diagnostic.
pub(super) fn write(
    ctx: &Context,
    job: &Job,
    rel: &Path,
    bytes: &[u8],
    diagnostics: &mut Vec<Diagnostic>,
) -> bool {
    let target = ctx.out_dir.join(rel);
    if output::unchanged(&target, bytes) {
        return false;
    }
    match output::write_atomic(&target, bytes) {
        Ok(()) => true,
        Err(e) => {
            let shown = target
                .strip_prefix(ctx.world.root())
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
}
