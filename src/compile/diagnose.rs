//! Diagnostics of one compilation: Typst's own, converted to ours with
//! their places in the layout's files, and the checks on the laid-out
//! document that Typst does not make — characters drawn as empty boxes,
//! and the page count, naming the content field whose text ran over.

use std::collections::BTreeSet;
use std::sync::Arc;

use ecow::EcoString;
use typst::diag::{SourceDiagnostic, Tracepoint};
use typst::layout::{Frame, FrameItem};
use typst::{World, WorldExt};
use typst_layout::PagedDocument;

use crate::diag::{Diagnostic, Position, Sources};
use crate::prepare::Prepared;
use crate::world::{JobWorld, ProjectWorld};

/// Converts a Typst diagnostic into ours, recording the source it points
/// into.
pub fn convert(world: &JobWorld, d: &SourceDiagnostic, sources: &mut Sources) -> Diagnostic {
    let position = locate(world, d.span, sources);
    let mut out = match d.severity {
        typst::diag::Severity::Error => Diagnostic::error(position, d.message.to_string()),
        typst::diag::Severity::Warning => Diagnostic::warning(position, d.message.to_string()),
    };
    for hint in &d.hints {
        out.hints.push(hint.v.to_string());
    }
    for point in &d.trace {
        let at = locate(world, point.span.into(), sources);
        let what = match &point.v {
            Tracepoint::Call(Some(name)) => format!("in this call of `{name}`"),
            Tracepoint::Call(None) => "in this function call".to_string(),
            Tracepoint::Show(name) => format!("in this show rule for `{name}`"),
            Tracepoint::Import(_) => "in this import".to_string(),
            Tracepoint::Include(_) => "in this include".to_string(),
        };
        if let Some(at) = at {
            out.hints.push(format!("{what} at {at}"));
        }
    }
    out
}

/// The place `span` points at, its file's text recorded in `sources`.
pub(super) fn locate(
    world: &JobWorld,
    span: typst::syntax::DiagSpan,
    sources: &mut Sources,
) -> Option<Position> {
    let id = span.id()?;
    let range = world.range(span)?;
    let text: Arc<str> = match world.source(id) {
        Ok(source) => Arc::from(source.text()),
        Err(_) => {
            // Not a Typst source (a data file the template loaded).
            let bytes = world.file(id).ok()?;
            Arc::from(std::str::from_utf8(bytes.as_slice()).ok()?)
        }
    };
    let path = ProjectWorld::display_path(id);
    let position = Position::new(&path, &text, range);
    sources.insert(path, text);
    Some(position)
}

/// Text drawn with glyph 0 (`.notdef`, the empty box): a character that no
/// font had. Typst draws these silently; we report each once, except those
/// in `reported` (already found in the content, with their place there).
pub fn missing_glyphs(document: &PagedDocument, reported: &BTreeSet<char>) -> Vec<Diagnostic> {
    let mut missing = BTreeSet::new();
    for (page, p) in document.pages().iter().enumerate() {
        walk_text(&p.frame, &mut |item| {
            for g in item.glyphs.iter().filter(|g| g.id == 0) {
                let text: String = item.text[g.range()].to_string();
                for c in text
                    .chars()
                    .filter(|c| !c.is_whitespace() && !c.is_control() && !reported.contains(c))
                {
                    missing.insert((c, page + 1, item.font.font().info().family.clone()));
                }
            }
        });
    }
    let mut seen = BTreeSet::new();
    missing
        .into_iter()
        .filter(|(c, ..)| seen.insert(*c))
        .map(|(c, page, family)| {
            Diagnostic::error(
                None,
                format!("character `{c}` (U+{:04X}) on page {page} {} (drawn as an empty box with {family})", c as u32, super::NO_GLYPH),
            )
            .with_hint("add a font that covers it to the project's fonts folder")
        })
        .collect()
}

fn walk_text(frame: &Frame, f: &mut dyn FnMut(&typst::text::TextItem)) {
    for (_, item) in frame.items() {
        match item {
            FrameItem::Group(g) => walk_text(&g.frame, f),
            FrameItem::Text(t) => f(t),
            _ => {}
        }
    }
}

/// The text of a page, run by run, in drawing order.
pub fn page_text_runs(frame: &Frame) -> Vec<EcoString> {
    let mut runs = Vec::new();
    walk_text(frame, &mut |t| runs.push(t.text.clone()));
    runs
}

/// The typographic lint ([`crate::print::lint`]) on the laid-out
/// `document` of `record` (for an `each` publication), run once per
/// publication (on its first variant: the others set the same lines), each
/// finding a warning at the content it is about.
pub(super) fn lint(
    p: &Prepared,
    record: Option<&str>,
    document: &PagedDocument,
) -> Vec<Diagnostic> {
    use crate::print::lint::{Paragraph, Rule};
    let pages = crate::print::lint::Pages::new(document);
    let starts = pages.starts();
    // The fields this record's pages can show (all, outside record views).
    let shown: Vec<usize> = match (&p.record_leaves, record) {
        (Some(r), Some(record)) => r.of(record),
        _ => (0..p.content.leaves.len()).collect(),
    };
    let mut paragraphs = Vec::new();
    let mut leaves = Vec::new();
    for block in shown {
        let leaf = &p.content.leaves[block];
        // Only the fields whose text starts a line on these pages.
        if !starts.contains(crate::print::lint::start_of(&leaf.plain).as_str()) {
            continue;
        }
        for text in leaf.plain.split('\n') {
            paragraphs.push(Paragraph { text, block });
            leaves.push(leaf);
        }
    }
    let settings = &p.publication.lint;
    let fixed = p.publication.pages.exact.is_some();
    crate::print::lint::lint(document, &pages, &paragraphs, settings, fixed)
        .into_iter()
        .map(|f| {
            let leaf = f.paragraph.map(|i| leaves[i]);
            let position = leaf.map(|l| p.content.position(l));
            let field = leaf.map_or(String::new(), |l| format!(" (in `{}`)", l.path));
            let hint = match f.rule {
                Rule::Runt => "change a few words so the paragraph ends on a fuller line, or let Typst balance it (`par(linebreaks: \"optimized\")`, `text(costs: (runt: …))`)",
                Rule::Widow => "keep the text together (`block(breakable: false)`), or move the break",
                Rule::Heading => "keep the heading with its text: both in one `block(breakable: false)`, or a `colbreak()` before it",
                Rule::Kinsoku => "set `lang: \"ja\"` on the text (Typst then applies kinsoku), or move the manual line break",
                Rule::Underfull => "spread the content over the pages, or give this page more",
                Rule::Overfull => "allow a break in the long word or URL, or widen the frame",
                Rule::Measure => "set body text in columns, or in a narrower frame",
            };
            Diagnostic::warning(
                position,
                format!("{}: {} on page {}{field}", f.rule.name(), f.message, f.page),
            )
            .with_hint(hint)
        })
        .collect()
}

/// Checks the page count against the publication's rule, and names the
/// content field whose text ran onto pages past the limit.
pub(super) fn check_pages(p: &Prepared, document: &PagedDocument) -> Vec<Diagnostic> {
    let rule = p.publication.pages;
    let count = document.pages().len();
    let Err(message) = rule.check(count) else {
        return Vec::new();
    };
    let manifest_at = p.publication.layout.named_at.clone();
    if let Some(limit) = rule.limit().filter(|l| count > *l) {
        // Text on the allowed pages (running heads repeat there).
        let earlier: BTreeSet<String> = document.pages()[..limit]
            .iter()
            .flat_map(|pg| page_text_runs(&pg.frame))
            .map(|s| s.to_string())
            .collect();
        for page in &document.pages()[limit..] {
            for run in page_text_runs(&page.frame) {
                let run = run.trim().to_string();
                if run.chars().count() < 2 || earlier.contains(&run) {
                    continue;
                }
                if let Some(leaf) = p.content.leaf_containing(&run) {
                    let position = p.content.position(leaf);
                    return vec![
                        Diagnostic::error(
                            Some(position),
                            format!("overset text: `{}` does not fit the layout's {limit} page(s); {message}", leaf.path),
                        )
                        .with_hint("shorten this text (or other text before it on the same pages)"),
                    ];
                }
            }
        }
    }
    vec![Diagnostic::error(manifest_at, message)]
}
