//! The typographic lint: what a designer marks in red on a proof, measured
//! on the laid-out pages (Typst's frames, before export).
//!
//! Lines are rebuilt from the text runs on each page (runs on one baseline,
//! without a gap, are a line). The paragraphs to check are the content's:
//! the caller gives their plain text, and each is found as the lines whose
//! text, in reading order, spells it. That is what tells a runt from a
//! label, and lets every finding name its paragraph. Rules:
//!
//! - **runt**: a paragraph's last line holds at most `runt_chars`
//!   characters, or is shorter than `runt_share` of its longest line;
//! - **widow / orphan**: a paragraph, or a block of paragraphs (an answer),
//!   broken across a page or column with fewer than `min_lines` lines on a
//!   side;
//! - **separated heading**: a short bold or larger paragraph (a question)
//!   that ends its page or column, its text following elsewhere;
//! - **kinsoku**: a line that starts with a character JIS X 4051 forbids at
//!   a line start (、。」）ー small kana…) or ends with one forbidden at a
//!   line end (「（…); a paragraph may start with the bullet ・;
//! - **underfull page**: in a publication with a fixed page count, a page
//!   with an empty band (no text, image or shape) taller than
//!   `1 - pages_fill` of the type area (the height text spans on the
//!   fullest page);
//! - **overfull line**: a line running past its paragraph's right edge
//!   by more than hanging punctuation would (an em), or text past the edge
//!   of the page;
//! - **measure**: a body line longer than `measure` full-width characters.

use typst::layout::{Frame, FrameItem, Point, Transform};
use typst::text::TextItem;
use typst_layout::PagedDocument;

pub use crate::project::LintRule as Rule;
use crate::project::LintSettings;

/// One finding: the rule, its page (1-based), what is wrong, and the text
/// of the paragraph concerned (to find its place in the content).
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The rule broken.
    pub rule: Rule,
    /// The page (the first of the pages concerned).
    pub page: usize,
    /// What is wrong, for people.
    pub message: String,
    /// The paragraph's text (`None` for a page).
    pub paragraph: Option<usize>,
}

/// A paragraph to check: its plain text, and which block (content field)
/// it belongs to, so that a block split across pages is found too.
#[derive(Debug, Clone)]
pub struct Paragraph<'a> {
    /// The text as it reads.
    pub text: &'a str,
    /// The block it is part of (paragraphs of one block share it).
    pub block: usize,
}

/// A line of text on a page, rebuilt from its text runs (in points, from
/// the page's top left).
#[derive(Debug, Clone)]
pub struct Line {
    /// The page, 1-based.
    pub page: usize,
    /// Where the line starts.
    pub x0: f64,
    /// Where it ends.
    pub x1: f64,
    /// Its baseline.
    pub y: f64,
    /// The largest font size on it.
    pub size: f64,
    /// Whether any of it is bold.
    pub bold: bool,
    /// Its text, without spaces.
    pub text: String,
    /// Where each character of `text` starts and ends (x, points): the
    /// glyphs that set it. Only read by [`Pages::with_chars`] (empty from
    /// [`Pages::new`]).
    pub chars: Vec<(f64, f64)>,
    /// Where its first run was set in the layout.
    pub span: typst::syntax::Span,
}

/// Full-width characters a JIS X 4051 line may not start with.
const NO_START: &str = "、。，．,.)）]］}｝〕〉》」』】〙〗〟’”｠»ゝゞーァィゥェォッャュョヮヵヶぁぃぅぇぉっゃゅょゎゕゖㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ々〻‐゠–〜～？！?!‼⁇⁈⁉・：；:;";
/// Characters a line may not end with.
const NO_END: &str = "(（[［{｛〔〈《「『【〘〖〝‘“｟«";

/// The lines of a laid-out document, ready to be checked.
pub struct Pages {
    lines: Vec<Line>,
    boxes: Vec<Vec<(f64, f64)>>,
}

impl Pages {
    /// Rebuilds the lines of `document` (what the checks need).
    pub fn new(document: &PagedDocument) -> Pages {
        Pages::read(document, false)
    }

    /// Rebuilds the lines of `document` with each character's extent
    /// ([`Line::chars`]), for marking characters on the page.
    pub fn with_chars(document: &PagedDocument) -> Pages {
        Pages::read(document, true)
    }

    fn read(document: &PagedDocument, chars: bool) -> Pages {
        let mut lines = Vec::new();
        let mut boxes = Vec::new();
        for (i, page) in document.pages().iter().enumerate() {
            let (mut runs, mut b) = (Vec::new(), Vec::new());
            collect(&page.frame, Transform::identity(), chars, &mut runs, &mut b);
            lines.extend(join(i + 1, runs));
            boxes.push(b);
        }
        Pages { lines, boxes }
    }

    /// The lines, page by page, in reading order on each.
    pub fn lines(&self) -> &[Line] {
        &self.lines
    }

    /// The first characters of every line: a paragraph whose start is not
    /// among them is not on these pages (a batch's content is large, a
    /// record's pages hold little of it).
    pub fn starts(&self) -> std::collections::HashSet<&str> {
        self.lines.iter().map(|l| key(&l.text)).collect()
    }
}

/// The key of a paragraph's text for [`Pages::starts`].
pub fn start_of(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .take(4)
        .collect()
}

/// Runs the lint on `pages` (of `document`) for `paragraphs`;
/// `fixed_pages` turns on the underfull-page rule.
pub fn lint(
    document: &PagedDocument,
    pages: &Pages,
    paragraphs: &[Paragraph<'_>],
    settings: &LintSettings,
    fixed_pages: bool,
) -> Vec<Finding> {
    let (lines, boxes) = (&pages.lines, &pages.boxes);
    let mut out = Vec::new();
    let on = |r: Rule| !settings.skip.contains(&r);
    let found = find_paragraphs(lines, paragraphs);
    // Text past the page's edge that is not in a paragraph checked below.
    let mut in_paragraph = vec![false; lines.len()];
    for &i in found.iter().flatten().flatten() {
        in_paragraph[i] = true;
    }
    if on(Rule::Overfull) {
        for (i, page) in document.pages().iter().enumerate() {
            let width = page.frame.width().to_pt();
            if let Some(l) = lines
                .iter()
                .enumerate()
                .find(|(k, l)| {
                    !in_paragraph[*k] && l.page == i + 1 && (l.x1 > width + 0.5 || l.x0 < -0.5)
                })
                .map(|(_, l)| l)
            {
                out.push(Finding {
                    rule: Rule::Overfull,
                    page: i + 1,
                    message: format!(
                        "text runs past the edge of the page: 「{}」",
                        excerpt(&l.text)
                    ),
                    paragraph: None,
                });
            }
        }
    }
    let body = body_size(&found, lines);
    for (index, para) in found.iter().enumerate() {
        let Some(pl) = para else { continue };
        check_paragraph(index, pl, lines, settings, &mut out);
    }
    if on(Rule::Widow) {
        check_blocks(&found, paragraphs, lines, settings, &mut out);
    }
    if on(Rule::Heading) {
        check_headings(&found, lines, body, document.pages().len(), &mut out);
    }
    if fixed_pages && on(Rule::Underfull) {
        check_fill(lines, boxes, body, document, settings, &mut out);
    }
    out.retain(|f| on(f.rule));
    out.sort_by_key(|f| (f.page, f.rule, f.paragraph));
    out.dedup_by(|a, b| a.rule == b.rule && a.paragraph == b.paragraph && a.paragraph.is_some());
    out
}

/// The first characters of a line, for messages.
fn excerpt(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= 16 {
        text.to_string()
    } else {
        chars[..15].iter().collect::<String>() + "…"
    }
}

/// A text run in page coordinates.
struct Run {
    x: f64,
    y: f64,
    w: f64,
    size: f64,
    bold: bool,
    text: String,
    chars: Vec<(f64, f64)>,
    span: typst::syntax::Span,
}

/// The text runs of `frame`, and the vertical extent (top, bottom) of its
/// images and shapes.
fn collect(
    frame: &Frame,
    ts: Transform,
    chars: bool,
    runs: &mut Vec<Run>,
    boxes: &mut Vec<(f64, f64)>,
) {
    for (pos, item) in frame.items() {
        let extent = |from: typst::layout::Abs, to: typst::layout::Abs| {
            let top = pos.transform(ts).y.to_pt();
            let scale = ts.sy.get();
            (top + from.to_pt() * scale, top + to.to_pt() * scale)
        };
        match item {
            FrameItem::Group(g) => {
                let inner = ts
                    .pre_concat(Transform::translate(pos.x, pos.y))
                    .pre_concat(g.transform);
                collect(&g.frame, inner, chars, runs, boxes);
            }
            FrameItem::Text(t) => {
                if let Some(run) = run(t, *pos, ts, chars) {
                    runs.push(run);
                }
            }
            FrameItem::Image(_, size, _) => boxes.push(extent(typst::layout::Abs::zero(), size.y)),
            FrameItem::Shape(shape, _) => {
                let b = shape.bbox(true);
                boxes.push(extent(b.min.y, b.max.y));
            }
            _ => {}
        }
    }
}

fn run(t: &TextItem, pos: Point, ts: Transform, with_chars: bool) -> Option<Run> {
    // Rotated or mirrored text is not body text.
    if ts.kx.get().abs() > 1e-6 || ts.ky.get().abs() > 1e-6 || ts.sx.get() <= 0.0 {
        return None;
    }
    let scale = ts.sx.get();
    let p = pos.transform(ts);
    let text: String = t.text.chars().filter(|c| !c.is_whitespace()).collect();
    if text.is_empty() {
        return None;
    }
    let size = t.size.to_pt() * scale;
    let chars = if with_chars {
        extents(t, &text, p.x.to_pt(), size, scale)
    } else {
        Vec::new()
    };
    Some(Run {
        x: p.x.to_pt(),
        y: p.y.to_pt(),
        w: t.width().to_pt() * scale,
        size,
        bold: t.font.info().variant.weight.to_number() >= 600,
        text,
        chars,
        span: t
            .glyphs
            .first()
            .map_or(typst::syntax::Span::detached(), |g| g.span.0),
    })
}

/// Where each character of `text` (the run `t` without white space, set
/// from `x0` at `size`) starts and ends: the glyph (cluster) that sets it.
fn extents(t: &TextItem, text: &str, x0: f64, size: f64, scale: f64) -> Vec<(f64, f64)> {
    let mut chars = Vec::with_capacity(text.chars().count());
    let mut x = x0;
    for glyph in &t.glyphs {
        let advance = glyph.x_advance.get() * size;
        let start = x + glyph.x_offset.get() * size;
        let cluster = t.text.get(glyph.range()).unwrap_or("");
        for _ in cluster.chars().filter(|c| !c.is_whitespace()) {
            chars.push((start, start + advance));
        }
        x += advance;
    }
    // Glyphs that share characters (ligatures) or a cluster the text does
    // not hold: every character at the run's extent rather than none.
    let n = text.chars().count();
    if chars.len() != n {
        let w = t.width().to_pt() * scale;
        chars = (0..n)
            .map(|i| {
                (
                    x0 + w * i as f64 / n as f64,
                    x0 + w * (i + 1) as f64 / n as f64,
                )
            })
            .collect();
    }
    chars
}

/// Runs on one baseline without a gap wider than a character: lines.
fn join(page: usize, mut runs: Vec<Run>) -> Vec<Line> {
    runs.sort_by(|a, b| a.y.total_cmp(&b.y).then(a.x.total_cmp(&b.x)));
    let mut lines: Vec<Line> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    for r in runs {
        // Ruby and other small annotations are not part of the line.
        let found = open.iter().copied().find(|&i| {
            let l = &lines[i];
            (l.y - r.y).abs() < 0.25 * l.size.min(r.size)
                && r.x >= l.x1 - 0.5
                && r.x - l.x1 < 1.2 * l.size.max(r.size)
        });
        match found {
            Some(i) => {
                let l = &mut lines[i];
                l.x1 = r.x + r.w;
                l.text.push_str(&r.text);
                l.chars.extend(r.chars);
                l.size = l.size.max(r.size);
                l.bold |= r.bold;
            }
            None => {
                open.retain(|&i| (lines[i].y - r.y).abs() < lines[i].size);
                open.push(lines.len());
                lines.push(Line {
                    page,
                    x0: r.x,
                    x1: r.x + r.w,
                    y: r.y,
                    size: r.size,
                    bold: r.bold,
                    text: r.text,
                    chars: r.chars,
                    span: r.span,
                });
            }
        }
    }
    lines
}

/// The key lines and paragraphs are matched by: their first four
/// characters (all of a shorter one).
fn key(text: &str) -> &str {
    match text.char_indices().nth(4) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

/// For each paragraph, the indices of its lines in reading order, if it
/// was found on the pages. Bounded work: a few candidate starts per
/// paragraph, and each next line is looked for on one page at a time.
fn find_paragraphs(lines: &[Line], paragraphs: &[Paragraph<'_>]) -> Vec<Option<Vec<usize>>> {
    let mut starts: std::collections::HashMap<&str, Vec<usize>> = Default::default();
    let pages = lines.iter().map(|l| l.page).max().unwrap_or(0);
    let mut by_page: Vec<Vec<usize>> = vec![Vec::new(); pages + 1];
    for (i, l) in lines.iter().enumerate() {
        starts.entry(key(&l.text)).or_default().push(i);
        by_page[l.page].push(i);
    }
    let mut used = vec![false; lines.len()];
    paragraphs
        .iter()
        .map(|p| {
            // Most of a batch's content is not on this record's pages:
            // look its start up before anything else.
            let candidates = starts.get(start_of(p.text).as_str())?;
            let want: String = p.text.chars().filter(|c| !c.is_whitespace()).collect();
            if want.chars().count() < 2 {
                return None;
            }
            let mut tries = 0;
            for &start in candidates {
                if used[start] || !want.starts_with(&lines[start].text) {
                    continue;
                }
                tries += 1;
                if tries > 8 {
                    break;
                }
                if let Some(found) = follow(lines, &by_page, &mut used, start, &want) {
                    return Some(found);
                }
            }
            None
        })
        .collect()
}

/// The lines from `start` on that spell `want`, marked used; `None` (and
/// nothing marked) if they are not there.
fn follow(
    lines: &[Line],
    by_page: &[Vec<usize>],
    used: &mut [bool],
    start: usize,
    want: &str,
) -> Option<Vec<usize>> {
    let mut found = vec![start];
    used[start] = true;
    let mut rest = &want[lines[start].text.len()..];
    while !rest.is_empty() {
        let last = &lines[*found.last().unwrap_or(&start)];
        let fits =
            |i: usize| !used[i] && !lines[i].text.is_empty() && rest.starts_with(&lines[i].text);
        // Below on the same page, overlapping horizontally: the nearest.
        let same = &by_page[last.page];
        let below = same
            .iter()
            .copied()
            .filter(|&i| {
                let l = &lines[i];
                fits(i) && l.y > last.y + 0.3 * last.size && l.x0 < last.x1 && l.x1 > last.x0
            })
            .min_by(|&a, &b| lines[a].y.total_cmp(&lines[b].y));
        // Else the next column on the page, or the first page after it
        // with a line that continues the text.
        let order = |&a: &usize, &b: &usize| {
            let (a, b) = (&lines[a], &lines[b]);
            (a.x0.round() as i64, a.y.round() as i64)
                .cmp(&(b.x0.round() as i64, b.y.round() as i64))
        };
        let next = below
            .or_else(|| {
                same.iter()
                    .copied()
                    .filter(|&i| fits(i) && lines[i].x0 > last.x1 - 0.5)
                    .min_by(order)
            })
            .or_else(|| {
                by_page[last.page + 1..]
                    .iter()
                    .find_map(|page| page.iter().copied().filter(|&i| fits(i)).min_by(order))
            });
        let Some(next) = next else {
            for &i in &found {
                used[i] = false;
            }
            return None;
        };
        rest = &rest[lines[next].text.len()..];
        used[next] = true;
        found.push(next);
    }
    Some(found)
}

/// The body size: the font size most of the content's lines are set in.
fn body_size(found: &[Option<Vec<usize>>], lines: &[Line]) -> f64 {
    let mut counts: Vec<(i64, usize)> = Vec::new();
    for i in found.iter().flatten().flatten() {
        let key = (lines[*i].size * 10.0).round() as i64;
        match counts.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += lines[*i].text.chars().count(),
            None => counts.push((key, lines[*i].text.chars().count())),
        }
    }
    counts
        .iter()
        .max_by_key(|(_, n)| *n)
        .map_or(10.0, |(k, _)| *k as f64 / 10.0)
}

/// Whether line `b` follows `a` across a break (another page or column).
fn broken(a: &Line, b: &Line) -> bool {
    b.page != a.page || b.y < a.y
}

/// The rules on one paragraph's lines, in order: runt, widow, kinsoku,
/// overfull, measure.
fn check_paragraph(
    index: usize,
    pl: &[usize],
    lines: &[Line],
    settings: &LintSettings,
    out: &mut Vec<Finding>,
) {
    let p = Para { index, pl, lines };
    out.extend(runt(&p, settings));
    out.extend(widows(&p, settings));
    out.extend(kinsoku(&p));
    out.extend(overfull(&p));
    out.extend(measure(&p, settings));
}

/// A paragraph found on the pages: its index among the content's
/// paragraphs and its lines (indices into `lines`).
struct Para<'a> {
    index: usize,
    pl: &'a [usize],
    lines: &'a [Line],
}

impl Para<'_> {
    fn line(&self, k: usize) -> &Line {
        &self.lines[self.pl[k]]
    }

    fn last(&self) -> &Line {
        self.line(self.pl.len() - 1)
    }

    fn finding(&self, rule: Rule, page: usize, message: String) -> Finding {
        Finding {
            rule,
            page,
            message,
            paragraph: Some(self.index),
        }
    }
}

/// A last line of at most `runt_chars` characters, or shorter than
/// `runt_share` of the longest.
fn runt(p: &Para, settings: &LintSettings) -> Option<Finding> {
    if p.pl.len() < 2 {
        return None;
    }
    let last = p.last();
    let chars = last.text.chars().count();
    let longest =
        p.pl.iter()
            .map(|&i| p.lines[i].x1 - p.lines[i].x0)
            .fold(0.0, f64::max);
    let width = last.x1 - last.x0;
    (chars <= settings.runt_chars || width < settings.runt_share * longest).then(|| {
        p.finding(
            Rule::Runt,
            last.page,
            format!(
                "the paragraph's last line holds only 「{}」 ({chars} character(s))",
                last.text
            ),
        )
    })
}

/// Broken across a page or column with fewer than `min_lines` lines on a
/// side.
fn widows(p: &Para, settings: &LintSettings) -> Vec<Finding> {
    let mut out = Vec::new();
    if p.pl.len() < 2 {
        return out;
    }
    for (side, w) in (1..).zip(p.pl.windows(2)) {
        let (a, b) = (&p.lines[w[0]], &p.lines[w[1]]);
        if broken(a, b) {
            let after = p.pl.len() - side;
            if side < settings.min_lines || after < settings.min_lines {
                out.push(p.finding(
                    Rule::Widow,
                    a.page,
                    format!(
                        "the paragraph is broken {side} line(s) before and {after} after a {}; keep at least {} on each side",
                        if b.page != a.page { "page break" } else { "column break" },
                        settings.min_lines
                    ),
                ));
            }
        }
    }
    out
}

/// Kinsoku: a line may not start with a closing bracket or small kana (a
/// bullet may open a paragraph), nor end with an opening bracket.
fn kinsoku(p: &Para) -> Vec<Finding> {
    let mut out = Vec::new();
    for k in 0..p.pl.len() {
        let l = p.line(k);
        let (Some(c0), Some(cn)) = (l.text.chars().next(), l.text.chars().last()) else {
            continue;
        };
        let bullet = k == 0 && c0 == '・';
        if NO_START.contains(c0) && !bullet && k > 0 {
            out.push(p.finding(
                Rule::Kinsoku,
                l.page,
                format!(
                    "a line starts with 「{c0}」, which may not begin a line: 「{}」",
                    excerpt(&l.text)
                ),
            ));
        }
        if NO_END.contains(cn) && k + 1 < p.pl.len() {
            out.push(p.finding(
                Rule::Kinsoku,
                l.page,
                format!(
                    "a line ends with 「{cn}」, which may not end a line: 「{}」",
                    excerpt(&l.text)
                ),
            ));
        }
    }
    out
}

/// Overfull: a line past the right edge the paragraph's other lines share.
fn overfull(p: &Para) -> Option<Finding> {
    if p.pl.len() < 3 {
        return None;
    }
    let (pl, lines) = (p.pl, p.lines);
    let mut rights: Vec<f64> = pl[..pl.len() - 1].iter().map(|&i| lines[i].x1).collect();
    rights.sort_by(f64::total_cmp);
    let edge = rights[rights.len() / 2];
    // Punctuation may hang into the margin (Typst's `overhang`), by up
    // to about an em; more is a line that did not break.
    let over = |i: usize| lines[i].x1 > edge + lines[i].size && !broken_column(lines, pl, i);
    let &i = pl.iter().find(|&&i| over(i))?;
    let l = &lines[i];
    Some(p.finding(
        Rule::Overfull,
        l.page,
        format!(
            "a line runs {:.1} mm past the paragraph's edge: 「{}」",
            (l.x1 - edge) * 25.4 / 72.0,
            excerpt(&l.text)
        ),
    ))
}

/// Measure: the paragraph's usual line (not an overfull one) longer than
/// `measure` characters, for paragraphs of two lines or more (not
/// headings and labels).
fn measure(p: &Para, settings: &LintSettings) -> Option<Finding> {
    if p.pl.len() < 2 {
        return None;
    }
    let mut ems: Vec<f64> = p.pl[..p.pl.len() - 1]
        .iter()
        .map(|&i| (p.lines[i].x1 - p.lines[i].x0) / p.lines[i].size)
        .collect();
    ems.sort_by(f64::total_cmp);
    let ems = ems[ems.len() / 2];
    (ems > settings.measure as f64 + 0.5).then(|| {
        p.finding(
            Rule::Measure,
            p.line(0).page,
            format!(
                "lines of {ems:.0} characters; body text reads best at {} or fewer (set it in columns, or narrower)",
                settings.measure
            ),
        )
    })
}

/// Whether line `i` of `pl` is in another column than the paragraph's
/// others (its right edge is then not comparable).
fn broken_column(lines: &[Line], pl: &[usize], i: usize) -> bool {
    let l = &lines[i];
    pl.iter()
        .filter(|&&j| j != i)
        .all(|&j| lines[j].page != l.page || (lines[j].x0 - l.x0).abs() > 2.0 * l.size)
}

/// Blocks (paragraphs of one content field) broken across pages or
/// columns with too few lines on a side, where no single paragraph already
/// is (each problem once).
fn check_blocks(
    found: &[Option<Vec<usize>>],
    paragraphs: &[Paragraph<'_>],
    lines: &[Line],
    settings: &LintSettings,
    out: &mut Vec<Finding>,
) {
    // The paragraphs that were found, by block (one pass: a batch's
    // content is large, the record's pages hold few of its paragraphs).
    let mut blocks: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for (k, f) in found.iter().enumerate() {
        if f.is_some() {
            blocks.entry(paragraphs[k].block).or_default().push(k);
        }
    }
    for members in blocks.into_values() {
        if members.len() < 2 {
            continue;
        }
        let all: Vec<(usize, usize)> = members
            .iter()
            .flat_map(|&k| found[k].iter().flatten().map(move |&i| (k, i)))
            .collect();
        for (n, w) in all.windows(2).enumerate() {
            let ((ka, a), (kb, b)) = (w[0], w[1]);
            // A break between two paragraphs of the block.
            if ka != kb && broken(&lines[a], &lines[b]) {
                let before = n + 1;
                let after = all.len() - before;
                if before < settings.min_lines || after < settings.min_lines {
                    out.push(Finding {
                        rule: Rule::Widow,
                        page: lines[a].page,
                        message: format!(
                            "the text is broken {before} line(s) before and {after} after a {}; keep at least {} on each side, or all of it together",
                            if lines[b].page != lines[a].page { "page break" } else { "column break" },
                            settings.min_lines
                        ),
                        paragraph: Some(kb),
                    });
                }
            }
        }
    }
}

/// A short bold or larger paragraph that is the last text of its page or
/// column while content follows.
fn check_headings(
    found: &[Option<Vec<usize>>],
    lines: &[Line],
    body: f64,
    pages: usize,
    out: &mut Vec<Finding>,
) {
    let content: Vec<usize> = found.iter().flatten().flatten().copied().collect();
    for (k, pl) in found.iter().enumerate() {
        let Some(pl) = pl else { continue };
        let last = &lines[*pl.last().unwrap_or(&pl[0])];
        let heading = pl.len() <= 2
            && pl
                .iter()
                .all(|&i| lines[i].bold || lines[i].size > body * 1.05);
        if !heading || last.page >= pages {
            continue;
        }
        // Content below it on its page, in its column?
        let below = content.iter().any(|&i| {
            let l = &lines[i];
            l.page == last.page && l.y > last.y && l.x0 < last.x1 + 1.0 && l.x1 > last.x0 - 1.0
        });
        // Its text: the next paragraph, in body type, on a later page.
        let next = found
            .get(k + 1)
            .and_then(|n| n.as_ref())
            .map(|n| &lines[n[0]]);
        let text_follows =
            next.is_some_and(|n| n.page > last.page && !n.bold && (n.size - body).abs() < 0.5);
        if !below && text_follows {
            out.push(Finding {
                rule: Rule::Heading,
                page: last.page,
                message: "the heading ends the page; its text starts on the next".into(),
                paragraph: Some(k),
            });
        }
    }
}

/// Pages with an empty band taller than `1 - pages_fill` of the type
/// area (the height the text spans on the fullest page): nothing there,
/// neither text nor an image or shape.
fn check_fill(
    lines: &[Line],
    boxes: &[Vec<(f64, f64)>],
    body: f64,
    document: &PagedDocument,
    settings: &LintSettings,
    out: &mut Vec<Finding>,
) {
    // Running heads and feet (small text near the top or bottom edge) are
    // not the page's text.
    let text: Vec<&Line> = lines
        .iter()
        .filter(|l| {
            let h = document.pages()[l.page - 1].frame.height().to_pt();
            !(l.size < body * 0.95 && (l.y > h * 0.9 || l.y < h * 0.08))
        })
        .collect();
    let Some(top) = text.iter().map(|l| l.y - l.size).min_by(f64::total_cmp) else {
        return;
    };
    let bottom = text.iter().map(|l| l.y + 0.2 * l.size).fold(top, f64::max);
    let area = bottom - top;
    if area < 1.0 {
        return;
    }
    for page in 1..=document.pages().len() {
        let height = document.pages()[page - 1].frame.height().to_pt();
        // What is drawn on the page within the type area, top to bottom.
        let mut spans: Vec<(f64, f64)> = text
            .iter()
            .filter(|l| l.page == page)
            .map(|l| (l.y - l.size, l.y + 0.2 * l.size))
            .chain(
                boxes[page - 1]
                    .iter()
                    .copied()
                    // Not a background covering the page.
                    .filter(|(a, b)| b - a < 0.9 * height),
            )
            .map(|(a, b)| (a.max(top), b.min(bottom)))
            .filter(|(a, b)| b > a)
            .collect();
        spans.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (mut reached, mut gap, mut at) = (top, 0.0f64, top);
        for (a, b) in spans.iter().copied().chain([(bottom, bottom)]) {
            if a - reached > gap {
                (gap, at) = (a - reached, reached);
            }
            reached = reached.max(b);
        }
        let fill = 1.0 - gap / area;
        if fill < settings.pages_fill {
            out.push(Finding {
                rule: Rule::Underfull,
                page,
                message: format!(
                    "the page is {:.0} % filled: {:.0} mm of its type area, from {:.0} mm below its top, hold nothing (at least {:.0} % wanted)",
                    fill * 100.0,
                    gap * 25.4 / 72.0,
                    (at - top) * 25.4 / 72.0,
                    settings.pages_fill * 100.0
                ),
                paragraph: None,
            });
        }
    }
}
