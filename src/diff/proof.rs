//! The 赤字 proof: for a publication with changes, one PDF
//! (`out/diff/NAME.proof.pdf`) of its new pages with each change marked by
//! a standard annotation, as the JTCA guideline for proofing on PDF uses
//! them, so that a reviewer can reply in Acrobat, Reader, Preview or pdf.js:
//!
//! - a **Highlight** over the characters that are new or replaced, its note
//!   holding `旧: … → 新: …` and the field's place in the content;
//! - a **Caret** where characters were removed, its note `削除: …`;
//! - a **Text** note on the first page of an output for a field that is
//!   gone, or a change that has no line of its own on the pages.
//!
//! Each annotation has a popup, a stable id (`/NM`, from the output, the
//! field and the change), the author and the revisions compared (`/T`,
//! `/Subj`) and a date. A cover page lists the changes in order. It is a
//! separate file from the print PDF: PDF/X allows no annotation inside
//! the trim.

use std::fmt::Write;
use std::sync::Arc;

use lopdf::{Dictionary, Object, ObjectId, StringFormat};
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

use super::{DiffReport, FieldChange, OpKind, OutputDiff, Status, page_list};
use crate::world::Fonts;

/// Who the annotations are from.
pub const AUTHOR: &str = "pamphlet diff";

/// The proof of `publication`: the cover, then the new pages of each of its
/// changed or added outputs, annotated. `None` when it has none.
pub fn proof(
    report: &DiffReport,
    publication: &str,
    fonts: &Arc<Fonts>,
    creation_timestamp: Option<i64>,
) -> Result<Option<Vec<u8>>, String> {
    let outputs: Vec<&OutputDiff> = report
        .outputs
        .iter()
        .filter(|o| {
            o.publication == publication
                && matches!(o.status, Status::Changed | Status::Added)
                && o.rendered.as_ref().is_some_and(|r| r.document.is_some())
                && (!o.pages.is_empty() || !o.fields.is_empty())
        })
        .collect();
    if outputs.is_empty() {
        return Ok(None);
    }
    let cover = cover(report, publication, &outputs, fonts)?;
    let mut pages = cover.pages().to_vec();
    let mut starts = Vec::new();
    for o in &outputs {
        let document = o
            .rendered
            .as_ref()
            .and_then(|r| r.document.as_ref())
            .expect("filtered above");
        starts.push(pages.len());
        pages.extend(document.pages().iter().cloned());
    }
    let heights: Vec<f64> = pages.iter().map(|p| p.frame.height().to_pt()).collect();
    let widths: Vec<f64> = pages.iter().map(|p| p.frame.width().to_pt()).collect();
    let info = typst::model::Document::info(&cover).clone();
    let document = PagedDocument::new(pages.into_iter().collect(), info);
    let pdf = crate::compile::export_plain(&document, creation_timestamp)?;
    let mut doc =
        lopdf::Document::load_mem(&pdf).map_err(|e| format!("cannot read the proof back: {e}"))?;
    let page_ids: Vec<ObjectId> = doc.get_pages().into_values().collect();
    let date = pdf_date(creation_timestamp);
    let subject = format!("赤字 {} → {}", report.base, report.head);
    for (o, start) in outputs.iter().zip(starts) {
        let rendered = o.rendered.as_ref().expect("filtered above");
        for (k, f) in o.fields.iter().enumerate() {
            let marks = marks(f, &rendered.head);
            let id_base = format!("{}#{}#{k}", o.output, f.path);
            let note = note(f);
            if marks.is_empty() {
                // No line of its own on the pages (a field that is gone, or
                // one the layout does not show): a note on the output's
                // first page.
                let page = start;
                let rect = [20.0, heights[page] - 40.0, 40.0, heights[page] - 20.0];
                add(
                    &mut doc,
                    page_ids[page],
                    Annotation {
                        subtype: "Text",
                        rect,
                        quads: Vec::new(),
                        contents: note.clone(),
                        id: stable_id(&id_base, 0),
                        subject: &subject,
                        date: &date,
                    },
                );
                continue;
            }
            for (m, mark) in marks.iter().enumerate() {
                let page = start + mark.page;
                let (w, h) = (widths[page], heights[page]);
                // Fractions of the page's frame, y down → PDF points, y up.
                // The frame is the trimmed page: with bleed, the PDF's page
                // is larger and the frame stands at its trim box.
                let [left, _, _, top] = trim_box(&doc, page_ids[page]).unwrap_or([0.0, 0.0, w, h]);
                let quads: Vec<[f64; 8]> = mark
                    .boxes
                    .iter()
                    .map(|b| {
                        let (x0, x1) = (left + b.0 * w, left + b.2 * w);
                        let (y0, y1) = (top - b.1 * h, top - b.3 * h);
                        [x0, y0, x1, y0, x0, y1, x1, y1]
                    })
                    .collect();
                let rect = bounds(&quads);
                let (subtype, contents) = match mark.kind {
                    MarkKind::Changed => ("Highlight", note.clone()),
                    MarkKind::Removed(ref gone) => (
                        "Caret",
                        format!("削除: {gone}\n({})", f.new_at.as_deref().unwrap_or("")),
                    ),
                };
                add(
                    &mut doc,
                    page_ids[page],
                    Annotation {
                        subtype,
                        rect,
                        quads: if subtype == "Highlight" {
                            quads
                        } else {
                            Vec::new()
                        },
                        contents,
                        id: stable_id(&id_base, m + 1),
                        subject: &subject,
                        date: &date,
                    },
                );
            }
        }
    }
    let mut out = Vec::new();
    doc.save_to(&mut out)
        .map_err(|e| format!("cannot write the proof: {e}"))?;
    Ok(Some(out))
}

/// The trim box of a page (its media box when it has none), as
/// `[left, bottom, right, top]`.
fn trim_box(doc: &lopdf::Document, page: ObjectId) -> Option<[f64; 4]> {
    let dict = doc.get_dictionary(page).ok()?;
    let array = dict
        .get(b"TrimBox")
        .or_else(|_| dict.get(b"MediaBox"))
        .ok()?
        .as_array()
        .ok()?;
    let v: Vec<f64> = array
        .iter()
        .filter_map(|o| o.as_float().ok().map(f64::from))
        .collect();
    let [a, b, c, d] = v[..] else { return None };
    Some([a.min(c), b.min(d), a.max(c), b.max(d)])
}

/// `旧: … → 新: …` and where the field is written.
fn note(f: &FieldChange) -> String {
    let at = f.new_at.as_deref().or(f.old_at.as_deref()).unwrap_or("");
    let place = format!("({} {at})", f.path);
    let body = match (&f.old, &f.new) {
        (None, Some(new)) => format!("新: {}", compact(new)),
        (Some(old), None) => format!("削除: {}", compact(old)),
        _ => {
            // Each change with a few characters around it: the whole of a
            // long answer would hide the two words that changed.
            let hunks = super::hunks(&f.ops, 12);
            let mut lines: Vec<String> = hunks
                .iter()
                .take(MAX_HUNKS)
                .map(|(old, new)| format!("旧: {} → 新: {}", compact(old), compact(new)))
                .collect();
            if hunks.len() > MAX_HUNKS {
                lines.push(format!("（ほか {} か所）", hunks.len() - MAX_HUNKS));
            }
            lines.join("\n")
        }
    };
    format!("{body}\n{place}")
}

/// The most changes one note lists.
const MAX_HUNKS: usize = 8;

/// Text for a note: line separators as newlines, at most 400 characters.
fn compact(text: &str) -> String {
    let text = text.replace('\u{2028}', "\n");
    let chars: Vec<char> = text.chars().collect();
    if chars.len() > 400 {
        chars[..399].iter().collect::<String>() + "…"
    } else {
        text
    }
}

/// A place to mark on the head's pages.
struct Mark {
    /// The output's page, 0-based.
    page: usize,
    /// Boxes, as fractions of the page: (left, top, right, bottom).
    boxes: Vec<(f64, f64, f64, f64)>,
    kind: MarkKind,
}

enum MarkKind {
    /// New or replaced characters.
    Changed,
    /// Characters removed just before this place.
    Removed(String),
}

/// Where the field's new and replaced characters, and its removals, stand
/// on `pages`: its lines found in order, each character placed by the
/// glyphs that set it.
fn marks(f: &FieldChange, pages: &[crate::compile::preview::Page]) -> Vec<Mark> {
    // The new text without spaces (as lines hold it): for each character,
    // whether it is new, and what was removed before it.
    let mut new_chars: Vec<char> = Vec::new();
    let mut inserted: Vec<bool> = Vec::new();
    let mut removed_before: Vec<Option<String>> = Vec::new();
    let mut pending: Option<String> = None;
    for op in &f.ops {
        match op.kind {
            OpKind::Delete => {
                let gone: String = op.text.chars().filter(|c| !c.is_whitespace()).collect();
                if !gone.is_empty() {
                    pending.get_or_insert_with(String::new).push_str(&gone);
                }
            }
            OpKind::Equal | OpKind::Insert => {
                for c in op.text.chars().filter(|c| !c.is_whitespace()) {
                    new_chars.push(c);
                    inserted.push(op.kind == OpKind::Insert);
                    // A removal followed by an insertion is a replacement:
                    // the highlight's note says what it replaced.
                    let removal = pending.take();
                    removed_before.push(removal.filter(|_| op.kind == OpKind::Equal));
                }
            }
        }
    }
    let trailing_removal = pending;
    let mut out = Vec::new();
    let mut cursor = 0;
    let mut last_place: Option<(usize, (f64, f64, f64, f64))> = None;
    for (page, p) in pages.iter().enumerate() {
        for spot in p.spots.iter().filter(|s| s.field.is_some()) {
            let line: Vec<char> = spot.text.chars().collect();
            if line.is_empty() || spot.chars.len() != line.len() {
                continue;
            }
            let Some(at) = find(&new_chars, &line, cursor) else {
                continue;
            };
            cursor = at + line.len();
            let place = |i: usize| -> (f64, f64, f64, f64) {
                let (x0, x1) = spot.chars[i];
                (x0, spot.y, x1, spot.y + spot.h)
            };
            // Runs of new characters on this line.
            let mut boxes = Vec::new();
            let mut run: Option<(usize, usize)> = None;
            for i in 0..line.len() {
                if inserted[at + i] {
                    run = Some(run.map_or((i, i), |(s, _)| (s, i)));
                } else if let Some((s, e)) = run.take() {
                    boxes.push((place(s).0, spot.y, place(e).2, spot.y + spot.h));
                }
                if let Some(gone) = &removed_before[at + i] {
                    let (x, _, _, _) = place(i);
                    let half = spot.h * 0.15;
                    out.push(Mark {
                        page,
                        boxes: vec![(x - half, spot.y, x + half, spot.y + spot.h)],
                        kind: MarkKind::Removed(gone.clone()),
                    });
                }
            }
            if let Some((s, e)) = run {
                boxes.push((place(s).0, spot.y, place(e).2, spot.y + spot.h));
            }
            if !boxes.is_empty() {
                out.push(Mark {
                    page,
                    boxes,
                    kind: MarkKind::Changed,
                });
            }
            last_place = Some((page, place(line.len() - 1)));
        }
    }
    if let (Some(gone), Some((page, (_, top, x1, bottom)))) = (trailing_removal, last_place) {
        let half = (bottom - top) * 0.15;
        out.push(Mark {
            page,
            boxes: vec![(x1 - half, top, x1 + half, bottom)],
            kind: MarkKind::Removed(gone),
        });
    }
    // Highlights of one page together: one annotation per line would bury
    // the comments pane.
    let mut merged: Vec<Mark> = Vec::new();
    for m in out {
        match (merged.last_mut(), &m.kind) {
            (Some(last), MarkKind::Changed)
                if last.page == m.page && matches!(last.kind, MarkKind::Changed) =>
            {
                last.boxes.extend(m.boxes);
            }
            _ => merged.push(m),
        }
    }
    merged
}

/// Where `line` stands in `text`, at or after `from`.
fn find(text: &[char], line: &[char], from: usize) -> Option<usize> {
    if line.len() > text.len() {
        return None;
    }
    (from..=text.len() - line.len()).find(|&i| text[i..i + line.len()] == *line)
}

/// The rectangle around quadrilaterals.
fn bounds(quads: &[[f64; 8]]) -> [f64; 4] {
    let mut r = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for q in quads {
        for k in 0..4 {
            let (x, y) = (q[2 * k], q[2 * k + 1]);
            r = [r[0].min(x), r[1].min(y), r[2].max(x), r[3].max(y)];
        }
    }
    r
}

struct Annotation<'a> {
    subtype: &'static str,
    rect: [f64; 4],
    quads: Vec<[f64; 8]>,
    contents: String,
    id: String,
    subject: &'a str,
    date: &'a str,
}

/// A PDF text string: UTF-16BE with its byte order mark.
fn text_string(s: &str) -> Object {
    let mut bytes = vec![0xFE, 0xFF];
    for unit in s.encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    Object::String(bytes, StringFormat::Hexadecimal)
}

fn real(v: f64) -> Object {
    Object::Real(((v * 100.0).round() / 100.0) as f32)
}

/// Adds `a` and its popup to the page `page`.
fn add(doc: &mut lopdf::Document, page: ObjectId, a: Annotation) {
    let mut d = Dictionary::new();
    d.set("Type", Object::Name(b"Annot".to_vec()));
    d.set("Subtype", Object::Name(a.subtype.as_bytes().to_vec()));
    d.set(
        "Rect",
        Object::Array(a.rect.iter().map(|v| real(*v)).collect()),
    );
    d.set("Contents", text_string(&a.contents));
    d.set("NM", text_string(&a.id));
    d.set("T", text_string(AUTHOR));
    d.set("Subj", text_string(a.subject));
    d.set("M", Object::string_literal(a.date));
    d.set("CreationDate", Object::string_literal(a.date));
    // Printable, as a proof is printed.
    d.set("F", Object::Integer(4));
    // 赤字: red.
    d.set("C", Object::Array(vec![real(0.9), real(0.1), real(0.1)]));
    d.set("CA", real(0.45));
    if !a.quads.is_empty() {
        d.set(
            "QuadPoints",
            Object::Array(a.quads.iter().flatten().map(|v| real(*v)).collect()),
        );
    }
    if a.subtype == "Text" {
        d.set("Name", Object::Name(b"Comment".to_vec()));
        d.set("Open", Object::Boolean(false));
    }
    let annot = doc.add_object(d);
    let mut popup = Dictionary::new();
    popup.set("Type", Object::Name(b"Annot".to_vec()));
    popup.set("Subtype", Object::Name(b"Popup".to_vec()));
    let [x0, _, x1, y1] = a.rect;
    popup.set(
        "Rect",
        Object::Array(vec![
            real(x1 + 4.0),
            real(y1 - 120.0),
            real(x1 + 204.0),
            real(y1),
        ]),
    );
    popup.set("Parent", Object::Reference(annot));
    popup.set("Open", Object::Boolean(false));
    let _ = x0;
    let popup = doc.add_object(popup);
    if let Ok(Object::Dictionary(d)) = doc.get_object_mut(annot) {
        d.set("Popup", Object::Reference(popup));
    }
    if let Ok(Object::Dictionary(p)) = doc.get_object_mut(page) {
        let mut annots = match p.get(b"Annots") {
            Ok(Object::Array(a)) => a.clone(),
            _ => Vec::new(),
        };
        annots.push(Object::Reference(annot));
        annots.push(Object::Reference(popup));
        p.set("Annots", Object::Array(annots));
    }
}

/// A stable annotation id: the same change in the same output gets the same
/// id in every proof round, so that replies stay attached.
fn stable_id(base: &str, k: usize) -> String {
    format!("pamphlet-{:032x}", typst::utils::hash128(&(base, k)))
}

/// A PDF date (`D:20261206120000Z`).
fn pdf_date(timestamp: Option<i64>) -> String {
    let secs = timestamp.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
    });
    crate::print::pdfx::pdf_date(secs)
}

/// The cover: the publication, the revisions, and the changes in order.
fn cover(
    report: &DiffReport,
    publication: &str,
    outputs: &[&OutputDiff],
    fonts: &Arc<Fonts>,
) -> Result<PagedDocument, String> {
    let s = |t: &str| -> String {
        let mut out = String::from("\"");
        for c in t.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '"' => out.push_str("\\\""),
                '\n' | '\u{2028}' => out.push_str("\\n"),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    };
    let family = japanese_family(fonts.book())
        .ok_or("no font in the project covers Japanese text for the proof's cover")?;
    let mut src = String::new();
    let _ = writeln!(
        src,
        "#set page(paper: \"a4\", margin: 18mm, numbering: none)\n#set text(font: {}, size: 9pt, lang: \"ja\")\n#set par(justify: false)",
        s(&family)
    );
    let _ = writeln!(
        src,
        "#text(size: 18pt, weight: \"bold\")[赤字 #h(0.5em) {}]\n\n#text(size: 10pt)[{} → {}]\n\n",
        "#".to_string() + &s(publication),
        "#".to_string() + &s(&report.base),
        "#".to_string() + &s(&report.head),
    );
    let _ = writeln!(
        src,
        "#table(columns: (auto, auto, 1fr), stroke: 0.4pt + luma(180), inset: 4pt, table.header[*No.*][*出力・ページ*][*変更（旧 → 新）*],"
    );
    let mut n = 0;
    for o in outputs {
        let pages: Vec<usize> = o.pages.iter().map(|p| p.page).collect();
        for f in &o.fields {
            n += 1;
            let mut diff = String::new();
            for op in &f.ops {
                let text = super::html::shorten(&op.text, false, false);
                match op.kind {
                    OpKind::Equal => diff.push_str(&format!("#{}", s(&text))),
                    OpKind::Delete => diff.push_str(&format!(
                        "#text(fill: rgb(\"#c62828\"), strike({}))",
                        s(&text)
                    )),
                    OpKind::Insert => diff.push_str(&format!(
                        "#text(fill: rgb(\"#1565c0\"), weight: \"bold\", {})",
                        s(&text)
                    )),
                }
            }
            let at = f.new_at.as_deref().or(f.old_at.as_deref()).unwrap_or("");
            let _ = writeln!(
                src,
                "[{n}], [#{} \\ #{}], [#text(size: 7.5pt, {}) \\ {diff}],",
                s(&o.output),
                s(&page_list(&f.pages)),
                s(&format!("{} {at}", f.path)),
            );
        }
        if o.fields.is_empty() {
            n += 1;
            let causes: Vec<String> = o
                .causes
                .iter()
                .map(|c| format!("{} {}", c.kind, c.path))
                .collect();
            let what = if causes.is_empty() {
                "pages changed".to_string()
            } else {
                causes.join(", ")
            };
            let _ = writeln!(
                src,
                "[{n}], [#{} \\ #{}], [#{}],",
                s(&o.output),
                s(&page_list(&pages)),
                s(&what),
            );
        }
    }
    src.push_str(")\n");
    let world = CoverWorld::new(src, fonts.clone());
    let warned = typst::compile::<PagedDocument>(&world);
    warned.output.map_err(|errors| {
        let messages: Vec<String> = errors.iter().map(|e| e.message.to_string()).collect();
        format!("cannot typeset the proof's cover: {}", messages.join("; "))
    })
}

/// The first font family that sets both Japanese and Latin text.
fn japanese_family(book: &FontBook) -> Option<String> {
    (0..)
        .map_while(|i| book.info(i))
        .find(|info| info.coverage.contains('新' as u32) && info.coverage.contains('A' as u32))
        .map(|info| info.family.clone())
}

/// A world of one generated file, with the project's fonts.
struct CoverWorld {
    library: LazyHash<Library>,
    fonts: Arc<Fonts>,
    main: FileId,
    source: Source,
}

impl CoverWorld {
    fn new(text: String, fonts: Arc<Fonts>) -> Self {
        let vpath = VirtualPath::new("/cover.typ").expect("a valid path");
        let main = typst::syntax::RootedPath::new(VirtualRoot::Project, vpath).intern();
        CoverWorld {
            library: LazyHash::new(Library::builder().build()),
            fonts,
            main,
            source: Source::new(main, text),
        }
    }
}

impl World for CoverWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        self.fonts.book()
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main {
            Ok(self.source.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn file(&self, _: FileId) -> FileResult<Bytes> {
        Err(FileError::AccessDenied)
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.font(index)
    }

    fn today(&self, _: Option<typst::foundations::Duration>) -> Option<Datetime> {
        None
    }
}
