//! One job of a build: skipped when nothing it depends on changed,
//! otherwise compiled (on the worker's compile thread) and its PDF and
//! PNG pages written atomically; the fingerprint to record comes back with
//! the result.

use std::path::Path;
use std::time::Instant;

use super::schedule::CompileSlot;
use super::state::{self, OutputStamp, StampUpdate};
use super::{Context, JobReport, JobStatus, fingerprint};
use crate::compile::{self, Job};
use crate::diag::{Diagnostic, Position, Sources};
use crate::output;

/// A job's report with its diagnostics, their sources, and the update to
/// its fingerprint.
pub(super) struct JobResult {
    /// How it ended.
    pub report: JobReport,
    /// What it found.
    pub diagnostics: Vec<Diagnostic>,
    /// Texts the diagnostics point into.
    pub sources: Sources,
    /// What to record of its output.
    pub stamp: StampUpdate,
}

/// Runs `job`: skips it when up to date, else compiles it in `slot` and
/// writes what it made.
pub(super) fn run(job: &Job, ctx: &Context, slot: &mut CompileSlot) -> JobResult {
    let start = Instant::now();
    let prepared = &ctx.prepared[job.publication];
    let path = ctx.out_dir.join(&job.output);
    let key = state::key(&job.output);
    // The template's data, made once: fingerprinted, then compiled.
    let inputs = compile::inputs(prepared, job);
    let fingerprint = ctx
        .request
        .write
        .then(|| fingerprint::of(job, prepared, &inputs, ctx));
    if let Some(fp) = &fingerprint
        && !ctx.request.force
        && let Some(stamp) = ctx.state.outputs.get(&key)
        && stamp.inputs == *fp
        && state::output_intact(&path, stamp, ctx.out_dir)
        && ctx.hashes.unchanged(&stamp.deps)
    {
        return JobResult {
            report: JobReport {
                job: job.clone(),
                path,
                status: JobStatus::Skipped,
                duration: start.elapsed(),
                phases: Default::default(),
            },
            diagnostics: Vec::new(),
            sources: Sources::new(),
            stamp: StampUpdate::Keep,
        };
    }
    let root = ctx.world.root();
    let shown = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
    let compiled = slot.compile(prepared, job, inputs, ctx, &shown);
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
                let deps = compiled
                    .accessed
                    .iter()
                    .filter_map(|p| {
                        let rel = state::key(p);
                        ctx.hashes.get(&rel).map(|h| (rel, h))
                    })
                    .collect();
                let pngs = compiled.pngs.iter().map(|(p, _)| state::key(p)).collect();
                stamp = StampUpdate::Record(
                    key,
                    OutputStamp {
                        inputs: fp,
                        deps,
                        len,
                        mtime,
                        pngs,
                    },
                );
            }
        }
    }
    JobResult {
        report: JobReport {
            job: job.clone(),
            path,
            status,
            duration: start.elapsed(),
            phases,
        },
        diagnostics,
        sources: compiled.sources,
        stamp,
    }
}

/// Writes `bytes` to `rel` in the output folder unless the file already
/// holds them; returns whether it wrote. A failure is an error diagnostic.
fn write(
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
