//! The diff as Markdown for a CI job summary (`--summary FILE`): the counts,
//! then a table of the changed fields with their old and new words
//! (`<del>`/`<ins>`), the pages they stand on, reflowed pages told apart.
//! No images (GitHub strips `data:` URIs), and under GitHub's 1 MiB limit
//! for a step's summary: past [`LIMIT`], the rest is left out with a note.

use std::fmt::Write;

use super::html::{escape, ops_html};
use super::{DiffReport, Status, page_list};

/// The most a summary may take: GitHub's limit for one step, less room for
/// the note that says what was left out.
pub const LIMIT: usize = 1024 * 1024 - 4096;

/// The report as Markdown.
pub fn render(report: &DiffReport) -> String {
    let mut md = String::new();
    let counts = report.counts();
    let heads: Vec<&str> = counts.iter().map(|(what, _)| *what).collect();
    let values: Vec<String> = counts.iter().map(|(_, n)| n.to_string()).collect();
    let _ = writeln!(
        md,
        "## pamphlet diff\n\n{} → {}\n\n| {} |\n|---:|---:|---:|---:|\n| {} |\n",
        escape(&report.base),
        escape(&report.head),
        heads.join(" | "),
        values.join(" | "),
    );
    if !report.changed() {
        md.push_str("No output changed.\n");
        return md;
    }
    let mut left_out = 0;
    for o in report
        .outputs
        .iter()
        .filter(|o| o.status != Status::Unchanged)
    {
        let mut part = String::new();
        let _ = write!(part, "### `{}` ({})", o.output, o.status);
        let pages = o.pages_summary();
        if !pages.is_empty() {
            let _ = write!(part, ": {pages}");
        }
        part.push_str("\n\n");
        for c in &o.causes {
            let _ = writeln!(part, "- {} changed: `{}`", c.kind, c.path);
        }
        if !o.causes.is_empty() {
            part.push('\n');
        }
        if !o.fields.is_empty() {
            part.push_str("| field | where | change | pages |\n|---|---|---|---|\n");
            for f in &o.fields {
                let at = f.new_at.as_deref().or(f.old_at.as_deref()).unwrap_or("");
                let _ = writeln!(
                    part,
                    "| `{}` | {} | {} | {} |",
                    f.path,
                    escape(at),
                    ops_html(&f.ops).replace('|', "&#124;"),
                    page_list(&f.pages)
                );
            }
            part.push('\n');
        }
        if md.len() + part.len() > LIMIT {
            left_out += 1;
            continue;
        }
        md.push_str(&part);
    }
    if left_out > 0 {
        let _ = writeln!(
            md,
            "\n{left_out} more changed outputs are left out here (GitHub's 1 MiB limit); the HTML report lists them all."
        );
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{FieldChange, Op, OpKind, OutputDiff};

    fn changed(i: usize, chars: usize) -> OutputDiff {
        let old = "あ".repeat(chars);
        let new = "い".repeat(chars);
        OutputDiff {
            publication: "handout".into(),
            output: format!("handouts/m{i:05}.pdf"),
            record: Some(format!("m{i:05}")),
            status: Status::Changed,
            fields: vec![FieldChange {
                path: format!("questions[Q1].answers[m{i:05}].text"),
                old: Some(old.clone()),
                new: Some(new.clone()),
                old_at: Some("content/crosstalk.yaml:10:11".into()),
                new_at: Some("content/crosstalk.yaml:10:11".into()),
                new_position: None,
                ops: vec![
                    Op {
                        kind: OpKind::Delete,
                        text: old,
                    },
                    Op {
                        kind: OpKind::Insert,
                        text: new,
                    },
                ],
                pages: vec![1],
                old_pages: vec![1],
            }],
            causes: Vec::new(),
            pages: Vec::new(),
            page_counts: (1, 1),
            rendered: None,
        }
    }

    #[test]
    fn a_summary_stays_under_githubs_limit_and_says_what_it_left_out() {
        // 2,000 records each with 400 characters replaced: ~5 MB of tables.
        let report = DiffReport {
            base: "HEAD".into(),
            head: "working tree".into(),
            outputs: (0..2000).map(|i| changed(i, 400)).collect(),
            diagnostics: Vec::new(),
        };
        let md = render(&report);
        assert!(md.len() < 1024 * 1024, "{} bytes", md.len());
        assert!(md.contains("handouts/m00000.pdf"));
        assert!(!md.contains("handouts/m01999.pdf"));
        let kept = md.matches("### `handouts/").count();
        assert!(md.contains(&format!(
            "{} more changed outputs are left out here",
            2000 - kept
        )));
        // A small one is whole.
        let small = DiffReport {
            outputs: vec![changed(1, 3)],
            ..DiffReport::default()
        };
        let md = render(&small);
        assert!(md.contains("<del>あああ</del><ins>いいい</ins>"), "{md}");
        assert!(!md.contains("left out"));
    }
}
