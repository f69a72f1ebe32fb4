//! Merged files in a build (`merge`): which ones must be made, the records
//! each waits for, and the file made by the worker that finishes its last
//! record.
//!
//! A merged file is up to date when its fingerprint — the merge's settings
//! and its records' fingerprints, in order — and the files its records
//! read are what they were; then none of its records is staged for it. Else
//! every record of the file is typeset (Typst's frames cannot be kept from
//! one process to the next), a changed record's own file is rewritten and
//! an unchanged one's is not; with `split`, only the chunks that hold a
//! changed record are made again. The records of one file are queued
//! together, in the file's order, so that a file is made as soon as its
//! last record is staged and its pages leave memory: with `split`, memory
//! holds about one chunk per worker.

use std::sync::Mutex;
use std::time::Instant;

use serde::Serialize;

use super::job::{self, JobResult, MergeSlot, StagedRecord, Task};
use super::plan::MergedFile;
use super::state::{self, OutputStamp, StampUpdate, hex};
use super::{Context, JobReport, JobStatus, fingerprint};
use crate::compile;
use crate::compile::merged::{self, Part};
use crate::content::Data;
use crate::diag::{Diagnostic, Sources};

/// A record's staged pages, once its task has run.
type Slot = Option<StagedRecord>;

/// The merged files of a build, collecting their records' pages.
pub(super) struct Merging<'a> {
    files: &'a [MergedFile],
    /// Per file: its fingerprint (when writing), and its records' pages as
    /// they come.
    pending: Vec<Mutex<Pending>>,
}

struct Pending {
    fingerprint: Option<String>,
    slots: Vec<Slot>,
    left: usize,
}

impl<'a> Merging<'a> {
    /// The merged `files` of a build: each up-to-date one is reported
    /// skipped (`skipped`), the others wait for their records.
    pub(super) fn new(files: &'a [MergedFile], ctx: &Context) -> (Merging<'a>, Vec<JobResult>) {
        let mut skipped = Vec::new();
        let mut pending = Vec::with_capacity(files.len());
        for file in files {
            let fingerprint = ctx.request.write.then(|| of(file, ctx));
            let key = state::key(&file.output);
            let path = ctx.out_dir.join(&file.output);
            let fresh = ctx.fresh(&key, &path, fingerprint.as_deref());
            let left = if fresh { 0 } else { file.records.len() };
            if fresh {
                skipped.push(JobResult {
                    report: Some(JobReport {
                        job: file.job(ctx.prepared),
                        path,
                        status: JobStatus::Skipped,
                        duration: Default::default(),
                        phases: Default::default(),
                    }),
                    diagnostics: Vec::new(),
                    sources: Sources::new(),
                    stamp: StampUpdate::Keep,
                    staged: None,
                });
            }
            pending.push(Mutex::new(Pending {
                fingerprint,
                slots: (0..left).map(|_| None).collect(),
                left,
            }));
        }
        (Merging { files, pending }, skipped)
    }

    /// The tasks of a build: `jobs` (the outputs of their own, `write`
    /// telling which are written), in plan order, except that the records of
    /// the merged files to make come together, in each file's order, each
    /// staged for its file.
    pub(super) fn tasks(&self, jobs: &[(compile::Job, bool)], ctx: &Context) -> Vec<Task> {
        let mut staged_for: std::collections::HashMap<&compile::Job, MergeSlot> =
            std::collections::HashMap::new();
        for (f, file) in self.files.iter().enumerate() {
            if self.lock(f).left == 0 {
                continue;
            }
            let pdfx = ctx.prepared[file.publication]
                .publication
                .merge
                .as_ref()
                .and_then(|m| m.pdfx)
                .filter(|_| file.variant == crate::project::Variant::Print);
            for (position, job) in file.records.iter().enumerate() {
                staged_for.insert(
                    job,
                    MergeSlot {
                        file: f,
                        position,
                        pdfx,
                    },
                );
            }
        }
        let mut tasks: Vec<Task> = jobs
            .iter()
            .filter(|(job, _)| !staged_for.contains_key(job))
            .filter(|(_, write)| *write)
            .map(|(job, _)| Task {
                job: job.clone(),
                write: true,
                merge: None,
            })
            .collect();
        for (f, file) in self.files.iter().enumerate() {
            for job in &file.records {
                let Some(slot) = staged_for.get(job).filter(|s| s.file == f) else {
                    continue;
                };
                let write = jobs.iter().any(|(j, w)| j == job && *w);
                tasks.push(Task {
                    job: job.clone(),
                    write,
                    merge: Some(*slot),
                });
            }
        }
        tasks
    }

    fn lock(&self, f: usize) -> std::sync::MutexGuard<'_, Pending> {
        self.pending[f].lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes a record's staged pages; when they were its file's last, makes
    /// the file (on this thread) and returns its result.
    pub(super) fn put(
        &self,
        slot: MergeSlot,
        staged: StagedRecord,
        ctx: &Context,
    ) -> Option<JobResult> {
        let (slots, fingerprint) = {
            let mut p = self.lock(slot.file);
            p.slots[slot.position] = Some(staged);
            p.left -= 1;
            if p.left > 0 {
                return None;
            }
            (std::mem::take(&mut p.slots), p.fingerprint.take())
        };
        Some(make(&self.files[slot.file], slots, fingerprint, ctx))
    }
}

/// Makes `file` from its records' pages (all staged, or some failed),
/// writes it and returns its result.
fn make(
    file: &MergedFile,
    slots: Vec<Slot>,
    fingerprint: Option<String>,
    ctx: &Context,
) -> JobResult {
    let start = Instant::now();
    let prepared = &ctx.prepared[file.publication];
    let merge = prepared
        .publication
        .merge
        .as_ref()
        .expect("a merged file's publication has `merge`");
    let job = file.job(ctx.prepared);
    let path = ctx.out_dir.join(&file.output);
    let key = state::key(&file.output);
    let shown = path
        .strip_prefix(ctx.world.root())
        .unwrap_or(&path)
        .to_path_buf();
    let mut result = JobResult {
        report: Some(JobReport {
            job: job.clone(),
            path: path.clone(),
            status: JobStatus::Failed,
            duration: Default::default(),
            phases: Default::default(),
        }),
        diagnostics: Vec::new(),
        sources: Sources::new(),
        stamp: StampUpdate::Forget(key.clone()),
        staged: None,
    };
    let failed: Vec<&str> = file
        .records
        .iter()
        .zip(&slots)
        .filter(|(_, s)| s.as_ref().is_none_or(|s| s.staged.is_none()))
        .filter_map(|(j, _)| j.record_key())
        .collect();
    if !failed.is_empty() {
        result.diagnostics.push(
            Diagnostic::error(
                merge.at.clone(),
                format!(
                    "{} is not made: record(s) {} failed (their problems are reported above)",
                    shown.display(),
                    failed.join(", ")
                ),
            )
            .with_context(job.describe()),
        );
        return finished(result, start);
    }
    let each = prepared.publication.each.as_deref().unwrap_or_default();
    let items = prepared.content.records(each).unwrap_or_default();
    let mut deps: Vec<(String, String)> = Vec::new();
    let mut parts = Vec::with_capacity(slots.len());
    for (j, slot) in file.records.iter().zip(slots) {
        let Some(StagedRecord {
            staged: Some(staged),
            deps: own,
        }) = slot
        else {
            continue;
        };
        deps.extend(own);
        let Some(record) = &j.record else { continue };
        let metadata = merge
            .metadata
            .iter()
            .filter_map(|field| {
                let value = items.get(record.index)?.get(field).and_then(Data::plain)?;
                Some((field.clone(), value))
            })
            .collect();
        parts.push(Part {
            key: record.key.clone(),
            metadata,
            staged,
        });
    }
    let merged = merged::merge(
        prepared,
        merge,
        file.variant,
        file.chunk,
        parts,
        ctx.options,
        &shown,
    );
    if let Some(report) = &mut result.report {
        report.phases = merged.phases;
    }
    result.diagnostics.extend(
        merged
            .diagnostics
            .into_iter()
            .map(|d| d.with_context(job.describe())),
    );
    let failed = result
        .diagnostics
        .iter()
        .any(|d| d.is_error() || ctx.request.deny_warnings);
    let Some(pdf) = merged.pdf.filter(|_| !failed) else {
        return finished(result, start);
    };
    let mut written = false;
    if ctx.request.write {
        written = job::write(ctx, &job, &file.output, &pdf, &mut result.diagnostics);
    }
    if result.diagnostics.iter().any(Diagnostic::is_error) {
        return finished(result, start);
    }
    if let Some(report) = &mut result.report {
        report.status = JobStatus::Built {
            pages: merged.pages,
            bytes: pdf.len(),
            written,
        };
    }
    if let (Some(fp), Some((len, mtime))) = (fingerprint, state::stat(&path)) {
        deps.sort();
        deps.dedup();
        result.stamp = StampUpdate::Record(
            key,
            OutputStamp {
                inputs: fp,
                deps,
                len,
                mtime,
                pngs: Vec::new(),
                pages: merged.ranges,
            },
        );
    }
    finished(result, start)
}

fn finished(mut result: JobResult, start: Instant) -> JobResult {
    if let Some(report) = &mut result.report {
        report.duration = start.elapsed();
    }
    result
}

/// What a merged file depends on besides its records' files: the merge's
/// settings and its records' fingerprints, in order.
#[derive(Serialize)]
struct Fingerprint<'a> {
    merge: MergeSettings<'a>,
    variant: crate::project::Variant,
    chunk: usize,
    records: Vec<String>,
}

/// The settings of a merge that shape its files.
#[derive(Serialize)]
struct MergeSettings<'a> {
    output: &'a str,
    standards: &'a [String],
    pad_to: usize,
    split: Option<usize>,
    sort: Option<&'a str>,
    metadata: &'a [String],
}

/// The fingerprint of `file` in this build.
fn of(file: &MergedFile, ctx: &Context) -> String {
    let prepared = &ctx.prepared[file.publication];
    let m = prepared
        .publication
        .merge
        .as_ref()
        .expect("a merged file's publication has `merge`");
    let records = file
        .records
        .iter()
        .map(|job| {
            let inputs = compile::inputs(prepared, job);
            fingerprint::of(job, prepared, &inputs, &ctx.shared())
        })
        .collect();
    let fingerprint = Fingerprint {
        merge: MergeSettings {
            output: &m.output,
            standards: &m.print_standards,
            pad_to: m.pad_to,
            split: m.split,
            sort: m.sort.as_deref(),
            metadata: &m.metadata,
        },
        variant: file.variant,
        chunk: file.chunk,
        records,
    };
    let encoded = serde_json::to_vec(&fingerprint).expect("settings serialise to JSON");
    hex(typst::utils::hash128(&encoded))
}

/// Writes the CSV beside each merge's files (`handouts.pages.csv`): each
/// record's key, file, first and last page. Written when one of the files
/// was made again, or when it is missing; the pages of files left as they
/// were come from the build state.
pub(super) fn sidecars(
    files: &[MergedFile],
    updates: &[StampUpdate],
    state: &state::State,
    ctx: &Context,
    report: &mut super::BuildReport,
) {
    let mut groups: Vec<(usize, crate::project::Variant)> =
        files.iter().map(|f| (f.publication, f.variant)).collect();
    groups.dedup();
    for (publication, variant) in groups {
        let Some(merge) = &ctx.prepared[publication].publication.merge else {
            continue;
        };
        let sidecar = merge.sidecar(variant);
        let mut rebuilt = !ctx.out_dir.join(&sidecar).is_file();
        let mut csv = String::from("record,file,first_page,last_page\n");
        for file in files
            .iter()
            .filter(|f| f.publication == publication && f.variant == variant)
        {
            let key = state::key(&file.output);
            let fresh = updates.iter().find_map(|u| match u {
                StampUpdate::Record(k, stamp) if *k == key => Some(stamp),
                _ => None,
            });
            rebuilt |= fresh.is_some();
            let Some(stamp) = fresh.or_else(|| state.outputs.get(&key)) else {
                // The file failed: no sidecar that would say otherwise.
                rebuilt = false;
                break;
            };
            for (record, first, last) in &stamp.pages {
                csv.push_str(&format!("{},{key},{first},{last}\n", csv_field(record)));
            }
        }
        if !rebuilt {
            continue;
        }
        let target = ctx.out_dir.join(&sidecar);
        if crate::output::unchanged(&target, csv.as_bytes()) {
            continue;
        }
        if let Err(e) = crate::output::write_atomic(&target, csv.as_bytes()) {
            report.diagnostics.push(Diagnostic::error(
                None,
                format!("cannot write {}: {e}", target.display()),
            ));
        }
    }
}

/// A CSV field, quoted when it must be.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
