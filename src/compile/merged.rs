//! A merged file (`merge` in the manifest): the staged pages of many
//! records — each typeset and run through the print stage on its own, in
//! parallel, as for its own file — joined into one document and exported
//! once, so that each font is subset and embedded once for the whole file
//! and each image once however many records place it. The print stage then
//! finishes the PDF ([`crate::print::merged`]): page boxes, PDF/X with the
//! PDF/VT-1 document part tree, or a bookmark per record.
//!
//! What joining means for what Typst knows of a document: every record was
//! laid out alone, so its introspection tags and its internal links
//! (`link(<label>)`, links to a location) would point into whichever record
//! happens to share the location; they are left out ([`detached`]), and
//! with them Typst's outline. Links to URLs stay (where the standard allows
//! annotations). The merged file is not tagged (a tag tree per record would
//! need one structure root per record); PDF/A and PDF/UA, which require
//! tags, are the separate files' to claim.

use std::path::Path;

use ecow::EcoVec;
use typst::foundations::Smart;
use typst::layout::{Frame, FrameItem, Size};
use typst::model::{Destination, Document};
use typst_layout::{Page, PagedDocument};

use super::{CompileOptions, Staged, export_as};
use crate::diag::Diagnostic;
use crate::prepare::Prepared;
use crate::print::merged::Finish;
use crate::print::pdfvt::RecordPages;
use crate::print::{self, preflight};
use crate::project::{Merge, PageRule, Variant};

/// `document` without introspection tags and internal links, ready to be
/// joined with other records' pages.
pub fn detached(document: &PagedDocument) -> PagedDocument {
    fn strip(frame: &mut Frame) {
        frame.retain(|item| match item {
            FrameItem::Group(g) => {
                strip(&mut g.frame);
                true
            }
            FrameItem::Tag(_) => false,
            FrameItem::Link(dest, _) => matches!(dest, Destination::Url(_)),
            _ => true,
        });
    }
    let pages: EcoVec<Page> = document
        .pages()
        .iter()
        .map(|page| {
            let mut page = page.clone();
            strip(&mut page.frame);
            page
        })
        .collect();
    PagedDocument::new(pages, document.info().clone())
}

/// One record of a merged file.
#[derive(Debug)]
pub struct Part {
    /// Its key (the record's `id`).
    pub key: String,
    /// The record fields the manifest asks to carry into the file's
    /// document part metadata (`record_metadata`).
    pub metadata: Vec<(String, String)>,
    /// Its pages.
    pub staged: Staged,
}

/// A merged file made.
#[derive(Debug)]
pub struct Merged {
    /// The PDF, unless it failed.
    pub pdf: Option<Vec<u8>>,
    /// Its pages.
    pub pages: usize,
    /// Each record's first and last page (1-based, padding included).
    pub ranges: Vec<(String, usize, usize)>,
    /// What the export and preflight found.
    pub diagnostics: Vec<Diagnostic>,
    /// Time joining and exporting (`export`), and in the print stage's
    /// work on the PDF and preflight (`finish`).
    pub phases: super::Phases,
}

/// Joins `parts` (in order) into one file of `p` in `variant`, each record
/// padded with blank pages to a multiple of the merge's `pad_to`, exported
/// once and finished by the print stage. `chunk` numbers the file among the
/// merge's files; `shown` is its path as users see it. The records' pages
/// leave memory once exported, before the print stage reads the PDF.
pub fn merge(
    p: &Prepared,
    merge: &Merge,
    variant: Variant,
    chunk: usize,
    parts: Vec<Part>,
    options: &CompileOptions,
    shown: &Path,
) -> Merged {
    let publication = &p.publication;
    let print = variant == Variant::Print;
    let settings = publication.print.for_variant(variant);
    let mut clock = super::Clock(std::time::Instant::now());
    let mut phases = super::Phases::default();
    let mut pages: EcoVec<Page> = EcoVec::new();
    let mut ranges = Vec::with_capacity(parts.len());
    let mut findings = preflight::Findings::default();
    let mut records = Vec::with_capacity(parts.len());
    let count_parts = parts.len();
    let mut info = parts
        .first()
        .map(|p| p.staged.document.info().clone())
        .unwrap_or_default();
    for part in parts {
        let first = pages.len() + 1;
        let own = part.staged.document.pages();
        pages.extend(own.iter().cloned());
        if let Some(f) = &part.staged.findings {
            findings.extend_shifted(f, first - 1);
        }
        let padding = (merge.pad_to - own.len() % merge.pad_to) % merge.pad_to;
        if padding > 0 {
            let blank = blank_page(own.last(), &settings);
            pages.extend(std::iter::repeat_n(blank, padding));
        }
        ranges.push((part.key.clone(), first, pages.len()));
        records.push(RecordPages {
            key: part.key,
            metadata: part.metadata,
            first,
            last: pages.len(),
        });
    }
    let count = pages.len();
    info.title = Some(format!("{} ({count_parts} records)", publication.name).into());
    let document = PagedDocument::new(pages, info);
    let pdfx = merge.pdfx.filter(|_| print);
    let standards: Vec<String> = match (variant, pdfx) {
        (Variant::Print, Some(part)) => vec![part.pdf_version().to_string()],
        // Untagged: the PDF versions of the standards only.
        (Variant::Print, None) => merge
            .print_standards
            .iter()
            .filter(|s| s.starts_with(|c: char| c.is_ascii_digit()))
            .cloned()
            .collect(),
        (Variant::Screen, _) => publication
            .screen_standards
            .iter()
            .filter(|s| s.starts_with(|c: char| c.is_ascii_digit()))
            .cloned()
            .collect(),
    };
    let ident = format!("pamphlet/{}/merged/{variant}/{chunk}", publication.name);
    let mut diagnostics = Vec::new();
    let bytes = match export_as(&document, &standards, ident, false, options) {
        Ok(bytes) => bytes,
        Err(errors) => {
            diagnostics.extend(errors.iter().map(|e| {
                Diagnostic::error(
                    merge.at.clone(),
                    format!("cannot export {}: {}", shown.display(), e.message),
                )
            }));
            return Merged {
                pdf: None,
                pages: count,
                ranges,
                diagnostics,
                phases,
            };
        }
    };
    drop(document);
    phases.export = clock.lap();
    let profile = p.output_profile.as_deref();
    let expect = preflight::Expectations {
        trim: Some((publication.print.trim_width, publication.print.trim_height)),
        bleed: Some(publication.print.bleed),
        print: true,
        // Each record's page count was checked when it was typeset.
        pages: PageRule::default(),
        standard: pdfx,
        max_ink: pdfx.map(|_| publication.print.max_ink),
        reported_images: (*p.reported_images).clone(),
        images: p.images,
        vt: pdfx.is_some(),
    };
    let finish = Finish {
        settings: &settings,
        pdfx: pdfx.zip(profile).map(|(part, profile)| print::PdfXOutput {
            part,
            profile,
            timestamp: options.creation_timestamp.unwrap_or(0),
        }),
        records: &records,
        job: &publication.name,
        preflight: print.then_some((&expect, findings)),
    };
    let finished = print::merged::finish(&bytes, finish, shown);
    phases.finish = clock.lap();
    let pdf = match finished {
        Ok((pdf, found)) => {
            diagnostics.extend(found);
            Some(pdf)
        }
        Err(msg) => {
            diagnostics.push(Diagnostic::error(merge.at.clone(), msg));
            None
        }
    };
    Merged {
        pdf,
        pages: count,
        ranges,
        diagnostics,
        phases,
    }
}

/// A blank page the size of `like` (before the print stage: the trim),
/// with the same marks and bleed.
fn blank_page(like: Option<&Page>, settings: &crate::project::PrintSettings) -> Page {
    let trim = Size::new(
        typst::layout::Abs::pt(settings.trim_width),
        typst::layout::Abs::pt(settings.trim_height),
    );
    let page = Page {
        frame: Frame::hard(trim),
        bleed: Default::default(),
        fill: Smart::Custom(None),
        numbering: None,
        supplement: like.map(|l| l.supplement.clone()).unwrap_or_default(),
        number: 0,
    };
    let document = PagedDocument::new(EcoVec::from([page]), Default::default());
    print::apply(&document, settings).pages()[0].clone()
}
