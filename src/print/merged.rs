//! The print stage's work on a merged file's PDF (`merge` in the
//! manifest), exported once from every record's staged pages
//! ([`crate::compile::merged`]): page boxes for print, PDF/X with the
//! PDF/VT-1 document part tree ([`super::pdfvt`]) when the file is
//! PDF/X-4, else one bookmark per record; then preflight, which for
//! PDF/VT-1 also checks the tree.

use std::path::Path;

use lopdf::{Dictionary, Document, Object, ObjectId};

use super::pdfvt::RecordPages;
use super::pdfx::text_string;
use super::preflight::{self, Expectations, Findings};
use super::{PdfXOutput, pdfvt, pdfx, set_page_boxes};
use crate::diag::Diagnostic;
use crate::project::{PdfX, PrintSettings};

/// What finishing a merged file needs.
#[derive(Debug)]
pub struct Finish<'a> {
    /// The print settings of its variant (no bleed for screen).
    pub settings: &'a PrintSettings,
    /// PDF/X, when its standard is a part of it: PDF/VT-1 for PDF/X-4.
    pub pdfx: Option<PdfXOutput<'a>>,
    /// Its records, in page order.
    pub records: &'a [RecordPages],
    /// The job's name (the publication), for the document part metadata.
    pub job: &'a str,
    /// For print: what preflight expects, and what the frames showed.
    pub preflight: Option<(&'a Expectations, Findings)>,
}

/// Finishes the merged file exported as `pdf` (shown as `shown`): returns
/// its bytes and what preflight found.
pub fn finish(
    pdf: &[u8],
    finish: Finish,
    shown: &Path,
) -> Result<(Vec<u8>, Vec<Diagnostic>), String> {
    let mut doc =
        Document::load_mem(pdf).map_err(|e| format!("cannot read back the exported PDF: {e}"))?;
    if finish.preflight.is_some() {
        set_page_boxes(&mut doc, finish.settings)?;
    }
    recompress_contents(&mut doc);
    match finish.pdfx {
        Some(x) => {
            let vt = x.part == PdfX::X4;
            pdfx::write_as(&mut doc, x.part, x.profile, x.timestamp, vt)?;
            if vt {
                pdfvt::write(&mut doc, finish.records, finish.job)?;
            }
        }
        None => bookmarks(&mut doc, finish.records)?,
    }
    let diagnostics = match finish.preflight {
        Some((expect, findings)) => {
            preflight::check_document(shown, &doc, expect, Some(findings)).diagnostics
        }
        None => Vec::new(),
    };
    let mut out = Vec::with_capacity(pdf.len() + 64 * finish.records.len());
    doc.save_to(&mut out)
        .map_err(|e| format!("cannot write the merged PDF: {e}"))?;
    Ok((out, diagnostics))
}

/// Deflate level of a merged file's page content.
const CONTENT_LEVEL: u32 = 6;

/// The pages' content streams compressed harder than the fast level every
/// PDF is exported with (`vendor/krilla`: Deflate level 1, chosen for the
/// time of a batch of small files): a merged file is written once and sent
/// whole, and its thousands of pages are most of it. On every core; a
/// stream that does not decompress stays as it is.
fn recompress_contents(doc: &mut Document) {
    use rayon::prelude::*;
    use std::io::Write;
    let mut ids: Vec<ObjectId> = Vec::new();
    for (_, page) in doc.get_pages() {
        match doc.get_dictionary(page).and_then(|p| p.get(b"Contents")) {
            Ok(Object::Reference(id)) => ids.push(*id),
            Ok(Object::Array(parts)) => {
                ids.extend(parts.iter().filter_map(|p| p.as_reference().ok()))
            }
            _ => {}
        }
    }
    ids.sort();
    ids.dedup();
    let streams: Vec<(ObjectId, &lopdf::Stream)> = ids
        .iter()
        .filter_map(|&id| Some((id, doc.get_object(id).ok()?.as_stream().ok()?)))
        .filter(|(_, s)| {
            s.dict.get(b"Filter").ok().and_then(|f| f.as_name().ok()) == Some(b"FlateDecode")
                && !s.dict.has(b"DecodeParms")
        })
        .collect();
    let smaller: Vec<(ObjectId, Vec<u8>)> = streams
        .par_iter()
        .filter_map(|(id, stream)| {
            let plain = stream.decompressed_content().ok()?;
            let mut e = flate2::write::ZlibEncoder::new(
                Vec::with_capacity(stream.content.len()),
                flate2::Compression::new(CONTENT_LEVEL),
            );
            e.write_all(&plain).ok()?;
            let packed = e.finish().ok()?;
            (packed.len() < stream.content.len()).then_some((*id, packed))
        })
        .collect();
    for (id, packed) in smaller {
        if let Ok(stream) = doc.get_object_mut(id).and_then(Object::as_stream_mut) {
            stream.set_content(packed);
        }
    }
}

/// One bookmark per record, titled with its key, at its first page (the
/// outline of a merged file that is not PDF/VT).
fn bookmarks(doc: &mut Document, records: &[RecordPages]) -> Result<(), String> {
    let pages: Vec<ObjectId> = doc.get_pages().into_values().collect();
    let outlines = doc.new_object_id();
    let ids: Vec<ObjectId> = records.iter().map(|_| doc.new_object_id()).collect();
    for (i, record) in records.iter().enumerate() {
        let page = *pages
            .get(record.first - 1)
            .ok_or_else(|| format!("record `{}` starts past the last page", record.key))?;
        let mut item = Dictionary::new();
        item.set("Title", text_string(&record.key));
        item.set("Parent", Object::Reference(outlines));
        item.set(
            "Dest",
            Object::Array(vec![Object::Reference(page), Object::Name(b"Fit".to_vec())]),
        );
        if i > 0 {
            item.set("Prev", Object::Reference(ids[i - 1]));
        }
        if let Some(next) = ids.get(i + 1) {
            item.set("Next", Object::Reference(*next));
        }
        doc.objects.insert(ids[i], Object::Dictionary(item));
    }
    let mut root = Dictionary::new();
    root.set("Type", Object::Name(b"Outlines".to_vec()));
    if let (Some(first), Some(last)) = (ids.first(), ids.last()) {
        root.set("First", Object::Reference(*first));
        root.set("Last", Object::Reference(*last));
        root.set("Count", Object::Integer(ids.len() as i64));
    }
    doc.objects.insert(outlines, Object::Dictionary(root));
    let catalog_id = doc
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|_| "the PDF has no catalog")?;
    let catalog = doc
        .get_dictionary_mut(catalog_id)
        .map_err(|e| format!("the PDF's catalog: {e}"))?;
    catalog.set("Outlines", Object::Reference(outlines));
    catalog.set("PageMode", Object::Name(b"UseOutlines".to_vec()));
    Ok(())
}
