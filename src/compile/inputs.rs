//! What a job's template receives: the `sys.inputs` shared by every job of
//! a publication and variant (and so one Typst library for all of them),
//! and the job's own data as CBOR, served by the World at
//! [`crate::world::DATA_PATH`]. Also the same data as JSON, for the typst
//! CLI (`pamphlet inputs`).

use std::hash::Hasher;
use std::sync::Arc;

use typst::Library;
use typst::foundations::{Bytes, Dict, IntoValue, Value};
use typst::layout::Abs;
use typst::utils::LazyHash;

use super::Job;
use crate::prepare::Prepared;
use crate::project::Variant;

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
/// views that no record changes, see [`crate::prepare::views::Scoped::base`]),
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
    let content = match &p.record_views {
        Some(scoped) => scoped.base().unwrap_or(Value::None),
        None => p.content_value().clone(),
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
    // The record as a value, from its item of the content.
    let record = job
        .record
        .as_ref()
        .and_then(|r| {
            let items = p.content.records(publication.each.as_deref()?)?;
            items.get(r.index).map(crate::prepare::values::to_value)
        })
        .unwrap_or(Value::None);
    let mut data = Dict::new();
    match (&job.record, &p.record_views) {
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
        "content": serde_json::to_value(p.content_value()).unwrap_or_default(),
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
