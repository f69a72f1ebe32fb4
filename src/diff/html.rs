//! The diff as one self-contained HTML file (`out/diff/index.html`): every
//! image embedded, no script, no server — it opens from a CI artifact or a
//! laptop. For each changed output: its changed fields (old and new words,
//! diffed by character, with their places in the content), and each page
//! that looks different three ways — side by side, overlaid (ink only in
//! the base red, only in the head blue) and flickering (あおり) between the
//! two — each change linked to its pages.

use std::fmt::Write;

use base64::Engine;

use super::{DiffReport, FieldChange, OpKind, OutputDiff, PageChange, Status, overlay};

/// `text` safe inside HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\u{2028}' | '\n' => out.push_str("<br>"),
            c => out.push(c),
        }
    }
    out
}

fn data_uri(png: &[u8]) -> String {
    format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    )
}

const STYLE: &str = r#"
:root { --del: #c62828; --ins: #1565c0; --ink: #222; --muted: #666; --line: #ddd; }
* { box-sizing: border-box; }
body { font-family: system-ui, "Hiragino Sans", "BIZ UDPGothic", "Noto Sans JP", sans-serif; color: var(--ink); margin: 0; }
header { padding: 1rem 1.5rem; border-bottom: 1px solid var(--line); background: #fafafa; position: sticky; top: 0; z-index: 2; }
header h1 { font-size: 1.2rem; margin: 0 0 .3rem; }
main { padding: 0 1.5rem 3rem; max-width: 1400px; }
.counts span { margin-right: 1rem; }
nav ul { columns: 3; padding-left: 1.2rem; }
section.output { border-top: 2px solid var(--line); margin-top: 2rem; padding-top: .5rem; }
h2 { font-size: 1.1rem; }
.badge { display: inline-block; font-size: .75rem; padding: .05rem .45rem; border-radius: .6rem; background: #eee; margin-left: .4rem; vertical-align: middle; }
.badge.edited, .badge.changed { background: #fff3e0; } .badge.reflowed { background: #e3f2fd; } .badge.graphics { background: #f3e5f5; }
.badge.added { background: #e8f5e9; } .badge.removed { background: #ffebee; }
table.changes { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
table.changes td, table.changes th { border-bottom: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; }
table.changes th { font-weight: 600; font-size: .85rem; color: var(--muted); }
.path { font-family: ui-monospace, monospace; font-size: .85rem; }
.at { color: var(--muted); font-size: .8rem; font-family: ui-monospace, monospace; }
del { color: var(--del); background: #ffebee; text-decoration: line-through; }
ins { color: var(--ins); background: #e3f2fd; text-decoration: none; font-weight: 600; }
.page { margin: 1.5rem 0; }
.views > input { display: none; }
.views > label { display: inline-block; padding: .25rem .7rem; border: 1px solid var(--line); border-radius: .3rem; cursor: pointer; margin-right: .3rem; font-size: .85rem; }
.views > input:checked + label { background: #333; color: #fff; }
.view { display: none; margin-top: .6rem; }
.views > input.v-over:checked ~ .over, .views > input.v-flick:checked ~ .flick { display: block; }
.views > input.v-side:checked ~ .side { display: flex; gap: 1rem; align-items: flex-start; }
.side figure { flex: 1 1 0; min-width: 0; }
.side figure, .over figure, .flick figure { margin: 0; }
figcaption { font-size: .8rem; color: var(--muted); }
img.pg { max-width: 100%; border: 1px solid var(--line); display: block; }
figcaption { margin-bottom: .2rem; }
.flick .stack { position: relative; display: inline-block; }
.flick .stack img.head { position: absolute; left: 0; top: 0; animation: flick 1.2s steps(1) infinite; }
@keyframes flick { 0% { opacity: 0; } 50% { opacity: 1; } }
.legend .d { color: var(--del); font-weight: 600; } .legend .i { color: var(--ins); font-weight: 600; }
.none { color: var(--muted); }
"#;

/// The report as an HTML document.
pub fn render(report: &DiffReport) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>pamphlet diff: {} → {}</title><style>{STYLE}</style></head><body>",
        escape(&report.base),
        escape(&report.head)
    );
    let counts: String = report
        .counts()
        .iter()
        .map(|(what, n)| format!("<span>{what} {n}</span>"))
        .collect();
    let _ = write!(
        h,
        "<header><h1>pamphlet diff</h1><div>{} → {}</div><div class=\"counts\">{counts}</div></header><main>",
        escape(&report.base),
        escape(&report.head),
    );
    let shown: Vec<(usize, &OutputDiff)> = report
        .outputs
        .iter()
        .enumerate()
        .filter(|(_, o)| o.status != Status::Unchanged)
        .collect();
    if shown.is_empty() {
        h.push_str("<p class=\"none\">No output changed.</p>");
    } else {
        h.push_str("<nav><h2>Outputs</h2><ul>");
        for (i, o) in &shown {
            let _ = write!(
                h,
                "<li><a href=\"#o{i}\">{}</a><span class=\"badge {}\">{}</span> {}</li>",
                escape(&o.output),
                o.status,
                o.status,
                escape(&pages_note(o))
            );
        }
        h.push_str("</ul></nav>");
    }
    for (i, o) in shown {
        output(&mut h, i, o);
    }
    h.push_str("</main></body></html>\n");
    h
}

/// "pages 2–3 edited, page 4 reflowed", or that none looks different.
fn pages_note(o: &OutputDiff) -> String {
    let summary = o.pages_summary();
    if summary.is_empty() && o.status == Status::Changed {
        return "no page looks different".into();
    }
    summary
}

fn output(h: &mut String, i: usize, o: &OutputDiff) {
    let _ = write!(
        h,
        "<section class=\"output\" id=\"o{i}\"><h2>{}<span class=\"badge {}\">{}</span></h2>",
        escape(&o.output),
        o.status,
        o.status
    );
    let _ = write!(
        h,
        "<p>publication <b>{}</b>{} · pages {} → {}</p>",
        escape(&o.publication),
        o.record
            .as_ref()
            .map(|r| format!(", record <b>{}</b>", escape(r)))
            .unwrap_or_default(),
        o.page_counts.0,
        o.page_counts.1
    );
    if !o.causes.is_empty() {
        h.push_str("<p>Other changes: ");
        let list: Vec<String> = o
            .causes
            .iter()
            .map(|c| format!("{} <span class=\"path\">{}</span>", c.kind, escape(&c.path)))
            .collect();
        h.push_str(&list.join(", "));
        h.push_str("</p>");
    }
    if !o.fields.is_empty() {
        h.push_str("<table class=\"changes\"><tr><th>field</th><th>change</th><th>pages</th></tr>");
        for f in &o.fields {
            field(h, i, f);
        }
        h.push_str("</table>");
    }
    if let Some(r) = &o.rendered {
        for p in &o.pages {
            page(h, i, p, r);
        }
    }
    h.push_str("</section>");
}

fn field(h: &mut String, i: usize, f: &FieldChange) {
    let at = match (&f.old_at, &f.new_at) {
        (Some(a), Some(b)) if a == b => escape(b),
        (Some(a), Some(b)) => format!("{} → {}", escape(a), escape(b)),
        (None, Some(b)) => format!("new at {}", escape(b)),
        (Some(a), None) => format!("was at {}", escape(a)),
        (None, None) => String::new(),
    };
    let _ = write!(
        h,
        "<tr><td><div class=\"path\">{}</div><div class=\"at\">{at}</div></td><td>{}</td><td>",
        escape(&f.path),
        ops_html(&f.ops)
    );
    let links: Vec<String> = f
        .pages
        .iter()
        .map(|p| format!("<a href=\"#o{i}p{p}\">{p}</a>"))
        .collect();
    h.push_str(&links.join(", "));
    h.push_str("</td></tr>");
}

/// A character diff as HTML: removed in `<del>`, added in `<ins>`, long
/// unchanged stretches shortened around the changes.
pub fn ops_html(ops: &[super::Op]) -> String {
    let mut out = String::new();
    let n = ops.len();
    for (k, op) in ops.iter().enumerate() {
        match op.kind {
            OpKind::Delete => {
                let _ = write!(out, "<del>{}</del>", escape(&op.text));
            }
            OpKind::Insert => {
                let _ = write!(out, "<ins>{}</ins>", escape(&op.text));
            }
            OpKind::Equal => out.push_str(&escape(&shorten(&op.text, k == 0, k + 1 == n))),
        }
    }
    out
}

/// Unchanged text cut to the 24 characters next to a change on each side.
pub fn shorten(text: &str, first: bool, last: bool) -> String {
    let chars: Vec<char> = text.chars().collect();
    const KEEP: usize = 24;
    match (first, last) {
        (true, true) => text.to_string(),
        (true, false) if chars.len() > KEEP => format!(
            "…{}",
            chars[chars.len() - KEEP..].iter().collect::<String>()
        ),
        (false, true) if chars.len() > KEEP => {
            format!("{}…", chars[..KEEP].iter().collect::<String>())
        }
        (false, false) if chars.len() > 2 * KEEP => format!(
            "{}…{}",
            chars[..KEEP].iter().collect::<String>(),
            chars[chars.len() - KEEP..].iter().collect::<String>()
        ),
        _ => text.to_string(),
    }
}

fn page(h: &mut String, i: usize, p: &PageChange, r: &super::Renders) {
    let id = format!("o{i}p{}", p.page);
    let _ = write!(
        h,
        "<div class=\"page\" id=\"{id}\"><h3>page {}<span class=\"badge {}\">{}</span></h3>",
        p.page, p.kind, p.kind
    );
    if !p.fields.is_empty() {
        let _ = write!(
            h,
            "<div class=\"at\">{}</div>",
            escape(&p.fields.join(", "))
        );
    }
    let (old, new) = (r.base.get(p.page - 1), r.head.get(p.page - 1));
    match (old, new) {
        (Some(old), Some(new)) => {
            let (o, n) = (data_uri(&old.png), data_uri(&new.png));
            let _ = write!(
                h,
                "<div class=\"views\">\
                 <input type=\"radio\" class=\"v-side\" name=\"{id}\" id=\"{id}s\" checked><label for=\"{id}s\">side by side</label>\
                 <input type=\"radio\" class=\"v-over\" name=\"{id}\" id=\"{id}o\"><label for=\"{id}o\">overlay</label>\
                 <input type=\"radio\" class=\"v-flick\" name=\"{id}\" id=\"{id}f\"><label for=\"{id}f\">flicker</label>\
                 <div class=\"view side\"><figure><figcaption>before 旧</figcaption><img class=\"pg\" alt=\"page {p} before\" src=\"{o}\"></figure>\
                 <figure><figcaption>after 新</figcaption><img class=\"pg\" alt=\"page {p} after\" src=\"{n}\"></figure></div>",
                p = p.page
            );
            if let Some(png) = overlay(old, new) {
                let _ = write!(
                    h,
                    "<div class=\"view over\"><figure><img class=\"pg\" alt=\"page {} overlaid\" src=\"{}\"><figcaption class=\"legend\"><span class=\"d\">red</span>: only before · <span class=\"i\">blue</span>: only after</figcaption></figure></div>",
                    p.page,
                    data_uri(&png)
                );
            }
            let _ = write!(
                h,
                "<div class=\"view flick\"><figure><div class=\"stack\"><img class=\"pg base\" alt=\"\" src=\"{o}\"><img class=\"pg head\" alt=\"page {} flickering\" src=\"{n}\"></div><figcaption>before and after, in turn</figcaption></figure></div></div>",
                p.page
            );
        }
        (None, Some(new)) => {
            let _ = write!(
                h,
                "<figure><img class=\"pg\" alt=\"page {} added\" src=\"{}\"><figcaption>a new page</figcaption></figure>",
                p.page,
                data_uri(&new.png)
            );
        }
        (Some(old), None) => {
            let _ = write!(
                h,
                "<figure><img class=\"pg\" alt=\"page {} removed\" src=\"{}\"><figcaption>a page no longer there</figcaption></figure>",
                p.page,
                data_uri(&old.png)
            );
        }
        (None, None) => {}
    }
    h.push_str("</div>");
}
