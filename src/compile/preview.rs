//! One document for the screen, not for print: typeset and checked as in a
//! build, then rendered to PNG pages with a map of where each line of text
//! came from — the content field and its line, or, for the layout's own
//! words, the layout line that set them. Nothing is exported or written;
//! this is what `pamphlet preview` shows in the browser.
//!
//! Text reaches Typst as data, so the glyphs' spans point at the layout;
//! a line is matched back to the content by its text, among the fields
//! this job can show (a record's own and the shared ones).

use serde::Serialize;
use typst::WorldExt;
use typst_layout::PagedDocument;

use super::{Inputs, Job, Phases, Typeset, diagnose, image_target, job_world, typeset};
use crate::diag::{Diagnostic, Sources};
use crate::prepare::Prepared;
use crate::print::images::Target;
use crate::print::lint::{Line, Pages};
use crate::project::Variant;
use crate::world::{JobWorld, ProjectWorld};

/// A document rendered for the screen.
#[derive(Debug, Default)]
pub struct Rendered {
    /// Its pages, or `None` when it could not be typeset (the diagnostics
    /// say why).
    pub pages: Option<Vec<Page>>,
    /// What Typst and the checks on the pages found.
    pub diagnostics: Vec<Diagnostic>,
    /// Texts of the files they point into.
    pub sources: Sources,
}

/// One page as an image, and where its text came from.
#[derive(Debug, Clone)]
pub struct Page {
    /// The page as PNG.
    pub png: Vec<u8>,
    /// Its width in pixels.
    pub width: u32,
    /// Its height in pixels.
    pub height: u32,
    /// Its lines of text, with their sources.
    pub spots: Vec<Spot>,
}

/// A line of text on a page and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spot {
    /// Left edge, as a fraction of the page's width.
    pub x: f64,
    /// Top edge, as a fraction of the page's height.
    pub y: f64,
    /// Width, as a fraction of the page's width.
    pub w: f64,
    /// Height, as a fraction of the page's height.
    pub h: f64,
    /// The line's text (without spaces).
    pub text: String,
    /// The content field it shows (`questions[0].answers[1].text`), if it
    /// is content.
    pub field: Option<String>,
    /// Where to edit it: the content's file, line and column, or the
    /// layout's for the layout's own words.
    pub at: Option<String>,
    /// Where each character of `text` starts and ends, as fractions of the
    /// page's width (for marking characters, as `pamphlet diff`'s proof
    /// does).
    #[serde(skip)]
    pub chars: Vec<(f64, f64)>,
}

/// Typesets `job` and renders its pages at `ppi`, with the same checks on
/// the laid-out pages as a build (export and preflight are left out).
pub fn render(world: &ProjectWorld, p: &Prepared, job: &Job, inputs: Inputs, ppi: f64) -> Rendered {
    render_document(world, p, job, inputs, ppi).0
}

/// Like [`render`], also giving the laid-out document (for a PDF made of
/// its pages, as `pamphlet diff`'s proof is).
pub fn render_document(
    world: &ProjectWorld,
    p: &Prepared,
    job: &Job,
    inputs: Inputs,
    ppi: f64,
) -> (Rendered, Option<PagedDocument>) {
    // Photos in RGB at print resolution: the page shown on a screen.
    let images = Target {
        cmyk: None,
        ..image_target(p, Variant::Print)
    };
    let job_world = job_world(world, p, images, inputs);
    let mut sources = Sources::new();
    let Typeset {
        document,
        diagnostics,
    } = typeset(&job_world, p, job, &mut sources, &mut Phases::default());
    let context = job.describe();
    let diagnostics: Vec<Diagnostic> = diagnostics
        .into_iter()
        .map(|d| d.with_context(&context))
        .collect();
    let pages = document.as_ref().map(|document| {
        let mut spots = spots(&job_world, p, job, document, &mut sources);
        crate::render::pngs(document, ppi)
            .into_iter()
            .enumerate()
            .map(|(i, (width, height, png))| Page {
                png,
                width,
                height,
                spots: std::mem::take(&mut spots[i]),
            })
            .collect()
    });
    (
        Rendered {
            pages,
            diagnostics,
            sources,
        },
        document,
    )
}

/// The lines of each page of `document`, with their sources.
fn spots(
    world: &JobWorld,
    p: &Prepared,
    job: &Job,
    document: &PagedDocument,
    sources: &mut Sources,
) -> Vec<Vec<Spot>> {
    let shown: Vec<usize> = match (&p.record_leaves, &job.record) {
        (Some(r), Some(record)) => r.of(&record.key),
        _ => (0..p.content.leaves.len()).collect(),
    };
    let plains: Vec<(usize, String)> = shown
        .into_iter()
        .map(|i| {
            let plain = &p.content.leaves[i].plain;
            (i, plain.chars().filter(|c| !c.is_whitespace()).collect())
        })
        .collect();
    let pages = Pages::with_chars(document);
    let mut out = vec![Vec::new(); document.pages().len()];
    let mut previous: Option<&Line> = None;
    for line in pages.lines() {
        let page = &document.pages()[line.page - 1].frame;
        let (pw, ph) = (page.width().to_pt(), page.height().to_pt());
        let leaf = source_of(line, previous.filter(|l| l.page == line.page), &plains)
            .map(|i| &p.content.leaves[i]);
        let (field, at) = match leaf {
            Some(leaf) => (
                Some(leaf.path.clone()),
                Some(p.content.position(leaf).to_string()),
            ),
            None => (None, layout_place(world, line.span, sources)),
        };
        // Ascender to descender, roughly: the line as the eye sees it.
        let top = line.y - 0.9 * line.size;
        out[line.page - 1].push(Spot {
            x: line.x0 / pw,
            y: top / ph,
            w: (line.x1 - line.x0) / pw,
            h: 1.15 * line.size / ph,
            text: line.text.clone(),
            field,
            at,
            chars: line.chars.iter().map(|(a, b)| (a / pw, b / pw)).collect(),
        });
        previous = Some(line);
    }
    out
}

/// The leaf (index) whose text holds `line`: of several, the one that also
/// holds the line before it, else the first.
fn source_of(line: &Line, previous: Option<&Line>, plains: &[(usize, String)]) -> Option<usize> {
    if line.text.chars().count() < 2 {
        return None;
    }
    let mut found = plains.iter().filter(|(_, t)| t.contains(&line.text));
    let first = found.next()?;
    let Some(previous) = previous else {
        return Some(first.0);
    };
    let both = format!("{}{}", previous.text, line.text);
    Some(
        std::iter::once(first)
            .chain(found)
            .find(|(_, t)| t.contains(&both))
            .unwrap_or(first)
            .0,
    )
}

/// Where the layout set a line of its own words.
fn layout_place(
    world: &JobWorld,
    span: typst::syntax::Span,
    sources: &mut Sources,
) -> Option<String> {
    world.range(span)?;
    diagnose::locate(world, span.into(), sources).map(|p| p.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str) -> Line {
        Line {
            page: 1,
            x0: 0.0,
            x1: 10.0,
            y: 10.0,
            size: 10.0,
            bold: false,
            text: text.into(),
            chars: Vec::new(),
            span: typst::syntax::Span::detached(),
        }
    }

    #[test]
    fn a_line_is_found_in_the_field_that_also_holds_the_line_before() {
        let plains = vec![
            (0, "はい。そう思います。".to_string()),
            (1, "最初はそう思いました。はい。そう思います。".to_string()),
        ];
        assert_eq!(source_of(&line("はい。"), None, &plains), Some(0));
        let before = line("最初はそう思いました。");
        assert_eq!(source_of(&line("はい。"), Some(&before), &plains), Some(1));
        assert_eq!(source_of(&line("ない"), None, &plains), None);
        // One character says too little to name a field.
        assert_eq!(source_of(&line("は"), None, &plains), None);
    }
}
