//! Preflight against PDF/VT-1 (ISO 16612-2), for any PDF: on top of
//! PDF/X-4, a document part tree whose record leaves cover every page
//! exactly once, in order, with each page pointing back to its leaf, and
//! the XMP keys that say the file is PDF/VT (`GTS_PDFVTVersion`, and
//! `GTS_PDFVTModDate` equal to `xmp:ModifyDate`). No open validator checks
//! PDF/VT; this is ours, and the tests read the tree back with pikepdf.

use std::collections::BTreeMap;
use std::path::Path;

use lopdf::{Dictionary, Document, Object, ObjectId};

use super::pdf::deref;
use super::pdfx::{Errors, Facts, xmp_value};
use crate::diag::Diagnostic;

/// Hint for problems of the tree.
const TREE: &str = "PDF/VT needs one DPart tree whose record leaves hold every page once, in order";

/// Checks the document part tree and the PDF/VT keys of `doc`.
pub(super) fn check(doc: &Document, diags: &mut Vec<Diagnostic>, path: &Path) {
    let facts = Facts::read(doc);
    let mut errors = Errors::new(diags, path);
    check_xmp(facts.xmp.as_deref(), &mut errors);
    let pages: BTreeMap<ObjectId, usize> = doc
        .get_pages()
        .into_iter()
        .map(|(n, id)| (id, n as usize))
        .collect();
    let Some(root) = doc
        .catalog()
        .ok()
        .and_then(|c| c.get(b"DPartRoot").ok())
        .and_then(|r| deref(doc, r).as_dict().ok())
    else {
        errors.error(
            "the catalog has no DPartRoot; a PDF/VT file marks its records with a document part tree".into(),
            TREE,
        );
        return;
    };
    let root_id = doc
        .catalog()
        .ok()
        .and_then(|c| c.get(b"DPartRoot").ok())
        .and_then(|r| r.as_reference().ok());
    let level = root.get(b"RecordLevel").ok().and_then(|l| l.as_i64().ok());
    let names = root
        .get(b"NodeNameList")
        .ok()
        .map(|n| deref(doc, n))
        .and_then(|n| n.as_array().ok())
        .map_or(0, Vec::len);
    match level {
        Some(l) if l >= 0 && (l as usize) < names.max(1) => {}
        Some(l) => errors.error(
            format!(
                "the DPartRoot's RecordLevel is {l}, but its NodeNameList names {names} level(s)"
            ),
            "name every level of the tree in NodeNameList, the records' level among them",
        ),
        None => errors.error(
            "the DPartRoot has no RecordLevel: a press cannot tell which level is a record".into(),
            "say which level of the tree holds the records (1 under a job)",
        ),
    }
    let Some(node_ref) = root
        .get(b"DPartRootNode")
        .ok()
        .and_then(|n| n.as_reference().ok())
    else {
        errors.error("the DPartRoot has no DPartRootNode".into(), TREE);
        return;
    };
    let mut walk = Walk {
        doc,
        pages: &pages,
        leaves: Vec::new(),
        problems: Vec::new(),
        records: 0,
        record_level: level.unwrap_or(0).max(0) as usize,
    };
    walk.node(node_ref, root_id, 0);
    for p in walk.problems.drain(..) {
        errors.error(p, TREE);
    }
    if walk.records == 0 {
        errors.error(
            format!(
                "no node at RecordLevel {} of the tree: the file marks no record",
                walk.record_level
            ),
            TREE,
        );
    }
    check_coverage(doc, &pages, &walk.leaves, &mut errors);
}

/// `GTS_PDFVTVersion` is PDF/VT-1, and `GTS_PDFVTModDate` is the file's
/// modification date.
fn check_xmp(xmp: Option<&str>, errors: &mut Errors) {
    let Some(xmp) = xmp else {
        errors.error(
            "the document has no XMP metadata; PDF/VT-1 says what it is there".into(),
            "write GTS_PDFVTVersion and GTS_PDFVTModDate in the XMP metadata",
        );
        return;
    };
    match xmp_value(xmp, "GTS_PDFVTVersion") {
        Some(v) if v.starts_with("PDF/VT-1") => {}
        other => errors.error(
            format!(
                "the XMP metadata's GTS_PDFVTVersion is {}, not PDF/VT-1",
                other.map_or("missing".into(), |v| format!("`{v}`"))
            ),
            "a PDF/VT file says its part in the XMP metadata (pdfvtid namespace)",
        ),
    }
    let modified = xmp_value(xmp, "xmp:ModifyDate");
    match xmp_value(xmp, "GTS_PDFVTModDate") {
        None => errors.error(
            "the XMP metadata has no GTS_PDFVTModDate; PDF/VT-1 requires it".into(),
            "write the date the file was last changed as GTS_PDFVTModDate",
        ),
        Some(d) if Some(&d) != modified.as_ref() => errors.error(
            format!(
                "the XMP metadata's GTS_PDFVTModDate ({d}) is not its xmp:ModifyDate ({})",
                modified.unwrap_or_else(|| "missing".into())
            ),
            "a file changed after it was made PDF/VT is no longer known to be PDF/VT; write both dates the same",
        ),
        Some(_) => {}
    }
}

/// A walk down the document part tree.
struct Walk<'a> {
    doc: &'a Document,
    pages: &'a BTreeMap<ObjectId, usize>,
    /// Each leaf: its object, its first and last page (1-based).
    leaves: Vec<(ObjectId, usize, usize)>,
    problems: Vec<String>,
    /// Nodes found at the record level.
    records: usize,
    record_level: usize,
}

impl Walk<'_> {
    /// Visits node `id`, whose parent must be `parent`, at `depth`.
    fn node(&mut self, id: ObjectId, parent: Option<ObjectId>, depth: usize) {
        if depth > 64 {
            self.problems
                .push("the document part tree is deeper than 64 levels (a cycle?)".into());
            return;
        }
        let Ok(node) = self.doc.get_dictionary(id) else {
            self.problems
                .push(format!("DPart {} {} R is not a dictionary", id.0, id.1));
            return;
        };
        if node.get(b"Type").ok().and_then(|t| t.as_name().ok()) != Some(b"DPart") {
            self.problems
                .push(format!("DPart {} {} R has no /Type /DPart", id.0, id.1));
        }
        let up = node.get(b"Parent").ok().and_then(|p| p.as_reference().ok());
        if up != parent {
            self.problems.push(format!(
                "DPart {} {} R names {} as its parent, not the node that holds it",
                id.0,
                id.1,
                up.map_or("no node".into(), |u| format!("{} {} R", u.0, u.1))
            ));
        }
        if depth == self.record_level {
            self.records += 1;
        }
        match (node.get(b"DParts"), node.get(b"Start")) {
            (Ok(kids), Err(_)) => self.kids(id, node, kids, depth),
            (Err(_), Ok(start)) => self.leaf(id, node, start),
            (Ok(_), Ok(_)) => self.problems.push(format!(
                "DPart {} {} R has both DParts and Start; a node holds parts or pages, not both",
                id.0, id.1
            )),
            (Err(_), Err(_)) => self.problems.push(format!(
                "DPart {} {} R has neither DParts nor Start",
                id.0, id.1
            )),
        }
    }

    fn kids(&mut self, id: ObjectId, _node: &Dictionary, kids: &Object, depth: usize) {
        let arrays = deref(self.doc, kids)
            .as_array()
            .cloned()
            .unwrap_or_default();
        for array in arrays {
            let Ok(array) = deref(self.doc, &array).as_array().cloned() else {
                self.problems.push(format!(
                    "DPart {} {} R's DParts is not an array of arrays",
                    id.0, id.1
                ));
                continue;
            };
            for kid in array {
                match kid.as_reference() {
                    Ok(k) => self.node(k, Some(id), depth + 1),
                    Err(_) => self.problems.push(format!(
                        "DPart {} {} R lists a part that is not an indirect reference",
                        id.0, id.1
                    )),
                }
            }
        }
    }

    fn leaf(&mut self, id: ObjectId, node: &Dictionary, start: &Object) {
        let page = |o: &Object| {
            o.as_reference()
                .ok()
                .and_then(|r| self.pages.get(&r).copied())
        };
        let first = page(start);
        let last = node.get(b"End").ok().map_or(first, page);
        match (first, last) {
            (Some(f), Some(l)) if f <= l => self.leaves.push((id, f, l)),
            (Some(f), Some(l)) => self.problems.push(format!(
                "DPart {} {} R starts at page {f} and ends at page {l}, before it",
                id.0, id.1
            )),
            _ => self.problems.push(format!(
                "DPart {} {} R's Start or End is not a page of the file",
                id.0, id.1
            )),
        }
    }
}

/// Every page in exactly one leaf, the leaves in page order, and every
/// page pointing back to its leaf.
fn check_coverage(
    doc: &Document,
    pages: &BTreeMap<ObjectId, usize>,
    leaves: &[(ObjectId, usize, usize)],
    errors: &mut Errors,
) {
    let count = pages.len();
    let mut owner: Vec<Option<ObjectId>> = vec![None; count + 1];
    let mut last_end = 0;
    for &(leaf, first, last) in leaves {
        if first <= last_end {
            errors.error(
                format!("the document parts overlap or are out of order: one starts at page {first}, after one that ends at page {last_end}"),
                TREE,
            );
        }
        last_end = last_end.max(last);
        for slot in owner.iter_mut().take(last + 1).skip(first) {
            if slot.is_none() {
                *slot = Some(leaf);
            }
        }
    }
    let orphans: Vec<usize> = (1..=count).filter(|&p| owner[p].is_none()).collect();
    if !orphans.is_empty() {
        errors.error(
            format!(
                "page(s) {} belong to no record of the document part tree",
                ranges(&orphans)
            ),
            TREE,
        );
    }
    let mut wrong = Vec::new();
    for (&id, &n) in pages {
        let back = doc
            .get_dictionary(id)
            .ok()
            .and_then(|p| p.get(b"DPart").ok())
            .and_then(|d| d.as_reference().ok());
        if owner[n].is_some() && back != owner[n] {
            wrong.push(n);
        }
    }
    if !wrong.is_empty() {
        errors.error(
            format!(
                "page(s) {} do not point back to their document part (/DPart)",
                ranges(&wrong)
            ),
            "every page of a record names its leaf in /DPart",
        );
    }
}

/// Page numbers as ranges: `1–3, 7`.
fn ranges(pages: &[usize]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < pages.len() {
        let start = pages[i];
        let mut end = start;
        while i + 1 < pages.len() && pages[i + 1] == end + 1 {
            i += 1;
            end = pages[i];
        }
        out.push(if start == end {
            start.to_string()
        } else {
            format!("{start}–{end}")
        });
        i += 1;
    }
    out.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_lists_read_as_ranges() {
        assert_eq!(ranges(&[1, 2, 3, 7, 9, 10]), "1–3, 7, 9–10");
        assert_eq!(ranges(&[]), "");
    }
}
