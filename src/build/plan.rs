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
