//! What print shops check beyond the standard, read from any PDF's
//! content streams: total ink coverage above the limit (350 % by default),
//! small text in four-colour ("rich") black, which mis-registers, and
//! hairlines thinner than 0.1 mm, which may not print.
//!
//! Colours count where they are painted inside the trim: the marks in the
//! slug (and anything else outside the TrimBox) are left out. Ink is the
//! sum of a DeviceCMYK (or four-component) colour's components; where
//! objects overlap without transparency the topmost one's colour is what
//! is printed, so the largest sum of any painted colour is the page's
//! largest coverage from vector content. Images are not counted.

use lopdf::content::Content;
use lopdf::{Dictionary, Document, Object, ObjectId};

use super::pdf::{Form, Matrix, mul, num, xobject};

/// Text at or below this size must be K only (points).
pub const RICH_BLACK_TEXT_BELOW_PT: f64 = 12.0;

/// Lines thinner than this may not print (0.1 mm, in points).
pub const HAIRLINE_PT: f64 = 72.0 * 0.1 / 25.4;

/// A finding on a page, with where it is (points from the trim's bottom
/// left, PDF coordinates).
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// What was found.
    pub kind: FindingKind,
    /// Where: x, y in points.
    pub at: (f64, f64),
}

/// The kinds of findings.
#[derive(Debug, Clone, PartialEq)]
pub enum FindingKind {
    /// A colour whose total ink (percent) is over the limit.
    Ink(f64),
    /// Text of this size (points) in four-colour black, with its colour.
    RichBlackText(f64, [f64; 4]),
    /// A stroke of this width (points).
    Hairline(f64),
}

fn apply(m: Matrix, x: f64, y: f64) -> (f64, f64) {
    (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])
}

/// How much a matrix scales lengths (the geometric mean of its axes).
fn scale(m: Matrix) -> f64 {
    ((m[0] * m[3] - m[1] * m[2]).abs()).sqrt()
}

/// The graphics state this scan follows.
#[derive(Clone, Copy)]
struct State {
    ctm: Matrix,
    fill: Option<[f64; 4]>,
    stroke: Option<[f64; 4]>,
    line_width: f64,
    font_size: f64,
}

/// Scans one page for the findings, limiting ink to `max_ink` percent;
/// `trim` is the page's TrimBox (objects wholly outside it are left out).
pub fn scan(
    doc: &Document,
    page: ObjectId,
    content: Option<&Content>,
    trim: [f32; 4],
    max_ink: f64,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    if let Some(content) = content {
        let resources = super::pdf::resources(doc, page);
        let state = State {
            ctm: [1.0, 0.0, 0.0, 1.0, 0.0, 0.0],
            fill: None,
            stroke: None,
            line_width: 1.0,
            font_size: 0.0,
        };
        run(
            doc,
            content,
            &resources,
            state,
            trim,
            max_ink,
            0,
            &mut findings,
        );
    }
    findings
}

/// Four components from colour operands (DeviceCMYK `k`, or `sc`/`scn`
/// with four components).
fn cmyk(operands: &[Object]) -> Option<[f64; 4]> {
    let v: Vec<f64> = operands.iter().map(num).collect();
    (v.len() == 4).then(|| [v[0], v[1], v[2], v[3]])
}

#[allow(clippy::too_many_arguments)]
fn run(
    doc: &Document,
    content: &Content,
    res: &Dictionary,
    start: State,
    trim: [f32; 4],
    max_ink: f64,
    depth: usize,
    out: &mut Vec<Finding>,
) {
    if depth > 8 {
        return;
    }
    let inside = |(x, y): (f64, f64)| {
        x >= f64::from(trim[0]) - 0.5
            && x <= f64::from(trim[2]) + 0.5
            && y >= f64::from(trim[1]) - 0.5
            && y <= f64::from(trim[3]) + 0.5
    };
    let mut gs = start;
    let mut stack = Vec::new();
    // The current path's points (device space) and the text position.
    let mut path: Vec<(f64, f64)> = Vec::new();
    let mut tm: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];
    let mut line: Matrix = tm;
    let push = |out: &mut Vec<Finding>, kind: FindingKind, at: (f64, f64)| {
        let at = (at.0 - f64::from(trim[0]), at.1 - f64::from(trim[1]));
        out.push(Finding { kind, at });
    };
    for op in &content.operations {
        let o = &op.operands;
        match op.operator.as_str() {
            "q" => stack.push(gs),
            "Q" => gs = stack.pop().unwrap_or(start),
            "cm" if o.len() == 6 => {
                let m: Vec<f64> = o.iter().map(num).collect();
                gs.ctm = mul([m[0], m[1], m[2], m[3], m[4], m[5]], gs.ctm);
            }
            "w" => gs.line_width = o.first().map(num).unwrap_or(1.0),
            "k" | "sc" | "scn" => gs.fill = cmyk(o),
            "K" | "SC" | "SCN" => gs.stroke = cmyk(o),
            "g" | "rg" | "cs" => gs.fill = None,
            "G" | "RG" | "CS" => gs.stroke = None,
            "m" | "l" if o.len() == 2 => path.push(apply(gs.ctm, num(&o[0]), num(&o[1]))),
            "c" | "v" | "y" => {
                for pair in o.chunks(2).filter(|p| p.len() == 2) {
                    path.push(apply(gs.ctm, num(&pair[0]), num(&pair[1])));
                }
            }
            "re" if o.len() == 4 => {
                let (x, y, w, h) = (num(&o[0]), num(&o[1]), num(&o[2]), num(&o[3]));
                for (px, py) in [(x, y), (x + w, y), (x, y + h), (x + w, y + h)] {
                    path.push(apply(gs.ctm, px, py));
                }
            }
            paint @ ("f" | "F" | "f*" | "B" | "B*" | "b" | "b*" | "S" | "s" | "n") => {
                let within: Vec<(f64, f64)> = path.iter().copied().filter(|p| inside(*p)).collect();
                if let Some(&at) = within.first() {
                    let fills = !matches!(paint, "S" | "s" | "n");
                    let strokes = matches!(paint, "S" | "s" | "B" | "B*" | "b" | "b*");
                    if fills && let Some(c) = gs.fill {
                        let ink = c.iter().sum::<f64>() * 100.0;
                        if ink > max_ink + 0.5 {
                            push(out, FindingKind::Ink(ink), at);
                        }
                    }
                    if strokes {
                        if let Some(c) = gs.stroke {
                            let ink = c.iter().sum::<f64>() * 100.0;
                            if ink > max_ink + 0.5 {
                                push(out, FindingKind::Ink(ink), at);
                            }
                        }
                        let width = gs.line_width * scale(gs.ctm);
                        if width < HAIRLINE_PT - 0.001 {
                            push(out, FindingKind::Hairline(width), at);
                        }
                    }
                }
                path.clear();
            }
            "BT" => {
                tm = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];
                line = tm;
            }
            "Tf" if o.len() == 2 => gs.font_size = num(&o[1]),
            "Tm" if o.len() == 6 => {
                let m: Vec<f64> = o.iter().map(num).collect();
                tm = [m[0], m[1], m[2], m[3], m[4], m[5]];
                line = tm;
            }
            "Td" | "TD" if o.len() == 2 => {
                line = mul([1.0, 0.0, 0.0, 1.0, num(&o[0]), num(&o[1])], line);
                tm = line;
            }
            "Tj" | "TJ" | "'" | "\"" => {
                let m = mul(tm, gs.ctm);
                let at = apply(m, 0.0, 0.0);
                if inside(at)
                    && let Some(c) = gs.fill
                {
                    let size = gs.font_size * scale(m);
                    let ink = c.iter().sum::<f64>() * 100.0;
                    if ink > max_ink + 0.5 {
                        push(out, FindingKind::Ink(ink), at);
                    }
                    let rich_black = c[3] >= 0.8 && c[0] + c[1] + c[2] > 0.3;
                    if rich_black && size < RICH_BLACK_TEXT_BELOW_PT {
                        let size = (size * 10.0).round() / 10.0;
                        push(out, FindingKind::RichBlackText(size, c), at);
                    }
                }
            }
            "Do" => {
                let Some(stream) = o.first().and_then(|n| xobject(doc, res, n)) else {
                    continue;
                };
                if stream
                    .dict
                    .get(b"Subtype")
                    .ok()
                    .and_then(|s| s.as_name().ok())
                    != Some(b"Form")
                {
                    continue;
                }
                if let Some(form) = Form::read(doc, stream, res) {
                    let mut inner = gs;
                    inner.ctm = mul(form.matrix, gs.ctm);
                    run(
                        doc,
                        &form.content,
                        &form.resources,
                        inner,
                        trim,
                        max_ink,
                        depth + 1,
                        out,
                    );
                }
            }
            _ => {}
        }
    }
}
