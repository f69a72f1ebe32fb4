//! PDF/VT-1 (ISO 16612-2): a PDF/X-4 file whose records are marked, so
//! that a digital press can proof record 1, reprint records 120–135, or
//! impose each record on its own sheets.
//!
//! On a merged file's PDF (after PDF/X, [`super::pdfx::write_as`] with the
//! VT keys in the XMP metadata) this writes:
//!
//! - the document part tree: the catalog's `/DPartRoot` with
//!   `NodeNameList [/Job /Record]` and `RecordLevel 1`; its root node (the
//!   job) lists one leaf per record in `DParts` (an array of arrays), and
//!   each leaf has the record's first and last page (`Start`, `End`);
//! - document part metadata (DPM) in the CIP4 conventions: the job's
//!   `CIP4_Metadata` (conformance, creator, job id = the publication), and
//!   each record's `CIP4_Recipient` with `CIP4_UniqueID` = the record's
//!   key, plus the fields the manifest names in `record_metadata` (no
//!   other data of the record leaves the content);
//! - on every page, `/DPart` pointing back to its record's leaf;
//! - on images and forms placed by more than one record (a logo, the
//!   layout's artwork), `GTS_Scope /File` and a `GTS_XID`, and on those
//!   placed on several pages of one record, `GTS_Scope /Record`: a press
//!   may then cache them. `GTS_Encapsulated` is not written: Typst's forms
//!   are not checked to be self-contained, and the key is optional.

use std::collections::{BTreeMap, BTreeSet};

use lopdf::{Dictionary, Document, Object, ObjectId, StringFormat};

use super::pdfx::text_string;

/// One record's pages in a merged file, and what its part metadata says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordPages {
    /// Its key: the part's `CIP4_UniqueID`.
    pub key: String,
    /// More fields for its metadata (`record_metadata`).
    pub metadata: Vec<(String, String)>,
    /// First page, 1-based.
    pub first: usize,
    /// Last page, 1-based (padding included).
    pub last: usize,
}

/// Leaves per inner array of the root node's `DParts`.
const DPARTS_PER_ARRAY: usize = 1000;

/// Writes the document part tree of `records` (in page order) for the job
/// `job`, the back-references of the pages, and marks the shared images
/// and forms.
pub fn write(doc: &mut Document, records: &[RecordPages], job: &str) -> Result<(), String> {
    let pages: Vec<ObjectId> = doc.get_pages().into_values().collect();
    let catalog_id = doc
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|_| "the PDF has no catalog")?;
    let root_id = doc.new_object_id();
    let node_id = doc.new_object_id();
    let mut leaves = Vec::with_capacity(records.len());
    for record in records {
        let (Some(&start), Some(&end)) = (pages.get(record.first - 1), pages.get(record.last - 1))
        else {
            return Err(format!(
                "record `{}` has pages {}–{}, but the file has {}",
                record.key,
                record.first,
                record.last,
                pages.len()
            ));
        };
        let mut recipient = Dictionary::new();
        recipient.set("CIP4_UniqueID", text_string(&record.key));
        for (name, value) in &record.metadata {
            recipient.set(name.as_bytes().to_vec(), text_string(value));
        }
        let dpm = dict([("CIP4_Root", dict([("CIP4_Recipient", recipient.into())]))]);
        let leaf = doc.add_object(dict([
            ("Type", Object::Name(b"DPart".to_vec())),
            ("Parent", Object::Reference(node_id)),
            ("Start", Object::Reference(start)),
            ("End", Object::Reference(end)),
            ("DPM", dpm),
        ]));
        for &page in &pages[record.first - 1..record.last] {
            doc.get_dictionary_mut(page)
                .map_err(|e| format!("page: {e}"))?
                .set("DPart", Object::Reference(leaf));
        }
        leaves.push(leaf);
    }
    let dparts: Vec<Object> = leaves
        .chunks(DPARTS_PER_ARRAY)
        .map(|chunk| Object::Array(chunk.iter().map(|&l| Object::Reference(l)).collect()))
        .collect();
    let creator = format!("pamphlet {}", env!("CARGO_PKG_VERSION"));
    let metadata = dict([
        (
            "CIP4_Conformance",
            Object::String(b"base".to_vec(), StringFormat::Literal),
        ),
        ("CIP4_Creator", text_string(&creator)),
        ("CIP4_JobID", text_string(job)),
    ]);
    let node = dict([
        ("Type", Object::Name(b"DPart".to_vec())),
        ("Parent", Object::Reference(root_id)),
        ("DParts", Object::Array(dparts)),
        (
            "DPM",
            dict([("CIP4_Root", dict([("CIP4_Metadata", metadata)]))]),
        ),
    ]);
    doc.objects.insert(node_id, node);
    let root = dict([
        ("Type", Object::Name(b"DPartRoot".to_vec())),
        ("DPartRootNode", Object::Reference(node_id)),
        ("RecordLevel", Object::Integer(1)),
        (
            "NodeNameList",
            Object::Array(vec![
                Object::Name(b"Job".to_vec()),
                Object::Name(b"Record".to_vec()),
            ]),
        ),
    ]);
    doc.objects.insert(root_id, root);
    doc.get_dictionary_mut(catalog_id)
        .map_err(|e| format!("the PDF's catalog: {e}"))?
        .set("DPartRoot", Object::Reference(root_id));
    mark_shared_xobjects(doc, &pages, records);
    Ok(())
}

/// A dictionary of `entries`, as an object.
fn dict<const N: usize>(entries: [(&str, Object); N]) -> Object {
    let mut d = Dictionary::new();
    for (key, value) in entries {
        d.set(key, value);
    }
    Object::Dictionary(d)
}

/// Marks the XObjects placed by more than one record (`GTS_Scope /File`)
/// or on more than one page of one record (`/Record`), each with a
/// `GTS_XID` made from its content, so that it is the same in every build.
fn mark_shared_xobjects(doc: &mut Document, pages: &[ObjectId], records: &[RecordPages]) {
    // XObject → (records, pages) that place it.
    let mut used: BTreeMap<ObjectId, (BTreeSet<usize>, BTreeSet<usize>)> = BTreeMap::new();
    for (r, record) in records.iter().enumerate() {
        for page in record.first..=record.last {
            let mut found = BTreeSet::new();
            if let Some(&id) = pages.get(page - 1) {
                xobjects_of(doc, id, &mut found);
            }
            for x in found {
                let entry = used.entry(x).or_default();
                entry.0.insert(r);
                entry.1.insert(page);
            }
        }
    }
    for (id, (in_records, on_pages)) in used {
        let scope: &[u8] = match (in_records.len(), on_pages.len()) {
            (2.., _) => b"File",
            (_, 2..) => b"Record",
            _ => continue,
        };
        let Ok(stream) = doc.get_object_mut(id).and_then(Object::as_stream_mut) else {
            continue;
        };
        let hash = typst::utils::hash128(&stream.content);
        let xid = format!("uuid:{:032x}", hash);
        stream.dict.set("GTS_Scope", Object::Name(scope.to_vec()));
        stream.dict.set(
            "GTS_XID",
            Object::String(xid.into_bytes(), StringFormat::Literal),
        );
    }
}

/// The XObjects a page (or a form) places, through its resources and the
/// forms inside them.
fn xobjects_of(doc: &Document, holder: ObjectId, found: &mut BTreeSet<ObjectId>) {
    let dict = match doc.get_object(holder) {
        Ok(Object::Dictionary(d)) => d,
        Ok(Object::Stream(s)) => &s.dict,
        _ => return,
    };
    let resources = match dict.get(b"Resources") {
        Ok(Object::Reference(r)) => doc.get_dictionary(*r).ok(),
        Ok(Object::Dictionary(d)) => Some(d),
        _ => None,
    };
    let xobjects = resources.and_then(|r| match r.get(b"XObject") {
        Ok(Object::Reference(x)) => doc.get_dictionary(*x).ok(),
        Ok(Object::Dictionary(d)) => Some(d),
        _ => None,
    });
    let Some(xobjects) = xobjects else { return };
    for (_, x) in xobjects.iter() {
        if let Object::Reference(id) = x
            && found.insert(*id)
        {
            xobjects_of(doc, *id, found);
        }
    }
}
