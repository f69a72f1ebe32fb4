//! The plan: which PDFs a build makes. Publications expand into jobs (one
//! per variant, and per record for `each` publications); the request's
//! selection (records, a CI shard) narrows them. Problems are diagnostics:
//! a record without a key, output paths that collide, a record that does
//! not exist.

use std::collections::BTreeSet;
use std::hash::Hasher;
use std::path::PathBuf;

use super::BuildRequest;
use crate::compile::{Job, Record};
use crate::content::Data;
use crate::diag::Diagnostic;
use crate::prepare::Prepared;
use crate::project::Variant;

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
    // Two jobs must never write the same file (nor a merged file one of
    // theirs).
    let mut seen = std::collections::BTreeMap::new();
    for p in prepared {
        if let Some(m) = &p.publication.merge {
            for variant in &p.publication.variants {
                let name = format!("the merged file of publication `{}`", p.publication.name);
                seen.insert(m.file(*variant, 0), name.clone());
                seen.insert(m.sidecar(*variant), name);
            }
        }
    }
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
    crate::paths::relative_path(&out)
}

/// Keeps the jobs that `request` selects: its records (an unknown one is an
/// error) and its shard.
pub fn select(mut jobs: Vec<Job>, request: &BuildRequest) -> (Vec<Job>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    if !request.records.is_empty() {
        let known: BTreeSet<&str> = jobs.iter().filter_map(Job::record_key).collect();
        for r in &request.records {
            if !known.contains(r.as_str()) {
                diags.push(Diagnostic::error(
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
        jobs.retain(|j| in_shard(j, k, n));
    }
    (jobs, diags)
}

/// Whether `job` is in shard `k` of `n` (1-based): a stable share by a hash
/// of the output path, so every output is in exactly one shard and shards
/// do not move when other outputs are added.
pub fn in_shard(job: &Job, k: usize, n: usize) -> bool {
    let mut h = siphasher::sip::SipHasher13::new_with_keys(0, 0);
    h.write(job.output.to_string_lossy().as_bytes());
    (h.finish() % n as u64) as usize == k - 1
}

/// A merged file to make (`merge`): one file of a publication's records in
/// one variant, or one chunk of them (`split`).
#[derive(Debug, Clone)]
pub struct MergedFile {
    /// Index of the publication in the prepared list.
    pub publication: usize,
    /// Print or screen.
    pub variant: Variant,
    /// Which chunk of the records (0 when they are not split).
    pub chunk: usize,
    /// The file, relative to the output folder.
    pub output: PathBuf,
    /// Its records' jobs, in the file's order (their `output` is their
    /// separate file's, written or not).
    pub records: Vec<Job>,
}

impl MergedFile {
    /// The job that stands for the file in a build's report.
    pub fn job(&self, prepared: &[Prepared]) -> Job {
        Job {
            publication: self.publication,
            name: prepared[self.publication].publication.name.clone(),
            variant: self.variant,
            record: None,
            output: self.output.clone(),
        }
    }
}

/// The merged files of the publications with `merge`, their records taken
/// from `jobs` (every record job, written separately or not) and ordered by
/// the merge's `sort` field (else as in the data), then split into chunks.
/// A `sort` field that a record lacks is an error at the manifest line.
pub fn merged(prepared: &[Prepared], jobs: &[Job]) -> (Vec<MergedFile>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut diags = Vec::new();
    for (pi, p) in prepared.iter().enumerate() {
        let Some(merge) = &p.publication.merge else {
            continue;
        };
        let each = p.publication.each.as_deref().unwrap_or_default();
        let items = p.content.records(each).unwrap_or_default();
        for variant in [Variant::Print, Variant::Screen] {
            let mut records: Vec<Job> = jobs
                .iter()
                .filter(|j| j.publication == pi && j.variant == variant && j.record.is_some())
                .cloned()
                .collect();
            if records.is_empty() {
                continue;
            }
            if let Some(field) = &merge.sort {
                let value = |j: &Job| {
                    let index = j.record.as_ref().map_or(0, |r| r.index);
                    items
                        .get(index)
                        .and_then(|i| i.get(field))
                        .and_then(Data::plain)
                };
                if let Some(lacking) = records.iter().find(|j| value(j).is_none()) {
                    diags.push(
                        Diagnostic::error(
                            merge.sort_at.clone(),
                            format!(
                                "`sort = \"{field}\"`: record `{}` has no text field `{field}` to sort by",
                                lacking.record_key().unwrap_or_default()
                            ),
                        )
                        .with_hint("sort by a field every record has, like `id`"),
                    );
                    continue;
                }
                // Stable: records with the same value keep the data's order.
                records.sort_by_cached_key(|j| value(j).unwrap_or_default());
            }
            let size = merge.split.unwrap_or(records.len()).max(1);
            for (chunk, part) in records.chunks(size).enumerate() {
                files.push(MergedFile {
                    publication: pi,
                    variant,
                    chunk,
                    output: merge.file(variant, chunk),
                    records: part.to_vec(),
                });
            }
        }
    }
    (files, diags)
}
