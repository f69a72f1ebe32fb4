//! Inline markup in content strings, parsed into data.
//!
//! Editors need a few things inside a sentence. In fields whose schema type is
//! `text`, this small syntax is recognised — and nothing else:
//!
//! | write               | get                                           |
//! |---------------------|-----------------------------------------------|
//! | `**強調**`          | emphasis (set in bold by the layouts)          |
//! | `{横浜|よこはま}`   | ruby (furigana): base text and its reading     |
//! | `{br}`              | an explicit line break                         |
//! | a new line          | a paragraph break (`paragraphs: true`) or a line break |
//! | `\*` `\{` `\}` `\|` `\\` | the character itself                      |
//!
//! Every other character prints as itself: `#`, `$`, `@`, `<`, `]`, a lone
//! `*`, a backslash before anything else. The result is a tree of
//! [`Inline`] nodes that templates render; it is never evaluated as Typst
//! markup. Malformed markup (an unclosed `**` or `{`, a `{…}` that is neither
//! ruby nor `{br}`, an empty ruby) is an [`InlineError`] with the byte range
//! in the string.

use std::ops::Range;

/// A piece of inline content.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Inline {
    /// Plain text.
    Text(String),
    /// Emphasised text.
    Strong(Vec<Inline>),
    /// Base text with its reading above it.
    Ruby {
        /// The text that is read.
        base: String,
        /// The reading (furigana).
        ruby: String,
    },
    /// An explicit line break.
    Break,
}

/// A parsed `text` value: paragraphs of inline nodes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Rich {
    /// The paragraphs, each a run of inline nodes.
    pub paragraphs: Vec<Vec<Inline>>,
}

impl Rich {
    /// The text as it reads, without markup: paragraphs joined by newlines,
    /// ruby as its base text.
    pub fn plain(&self) -> String {
        self.joined('\n')
    }

    /// The plain text with paragraphs joined by newlines and line breaks
    /// as U+2028 (LINE SEPARATOR), so that the two can be told apart.
    pub fn plain_paragraphs(&self) -> String {
        self.joined('\u{2028}')
    }

    fn joined(&self, line_break: char) -> String {
        let mut out = String::new();
        for (i, p) in self.paragraphs.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            plain_into(p, line_break, &mut out);
        }
        out
    }

    /// Number of characters of the plain text, without line breaks.
    pub fn len_chars(&self) -> usize {
        self.plain().chars().filter(|c| *c != '\n').count()
    }
}

fn plain_into(nodes: &[Inline], line_break: char, out: &mut String) {
    for n in nodes {
        match n {
            Inline::Text(t) => out.push_str(t),
            Inline::Strong(children) => plain_into(children, line_break, out),
            Inline::Ruby { base, .. } => out.push_str(base),
            Inline::Break => out.push(line_break),
        }
    }
}

/// Malformed markup at a byte range of the parsed string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineError {
    /// Where in the string.
    pub range: Range<usize>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: String,
}

/// How newlines in the string are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Newlines {
    /// A newline separates paragraphs; blank lines are ignored.
    Paragraphs,
    /// A newline is a line break within one paragraph.
    LineBreaks,
}

/// Parses `src` into paragraphs, collecting every error found.
pub fn parse(src: &str, newlines: Newlines) -> Result<Rich, Vec<InlineError>> {
    let mut errors = Vec::new();
    let mut paragraphs = Vec::new();
    let mut current: Vec<Inline> = Vec::new();
    // Split into lines, keeping their offsets so errors point into `src`.
    let mut offset = 0;
    let body = src.trim_end_matches(['\n', '\r']);
    for (i, line) in body.split('\n').enumerate() {
        let start = offset;
        offset += line.len() + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        match newlines {
            Newlines::Paragraphs => {
                if line.trim().is_empty() {
                    continue;
                }
                let nodes = Parser::new(line, start, &mut errors).run();
                paragraphs.push(nodes);
            }
            Newlines::LineBreaks => {
                if i > 0 {
                    current.push(Inline::Break);
                }
                current.extend(Parser::new(line, start, &mut errors).run());
            }
        }
    }
    if newlines == Newlines::LineBreaks {
        paragraphs.push(current);
    }
    for p in &mut paragraphs {
        merge_text(p);
    }
    if errors.is_empty() {
        Ok(Rich { paragraphs })
    } else {
        Err(errors)
    }
}

/// Merges adjacent text nodes.
fn merge_text(nodes: &mut Vec<Inline>) {
    let mut out: Vec<Inline> = Vec::with_capacity(nodes.len());
    for n in nodes.drain(..) {
        match (out.last_mut(), n) {
            (Some(Inline::Text(a)), Inline::Text(b)) => a.push_str(&b),
            (_, Inline::Strong(mut children)) => {
                merge_text(&mut children);
                out.push(Inline::Strong(children));
            }
            (_, Inline::Text(t)) if t.is_empty() => {}
            (_, n) => out.push(n),
        }
    }
    *nodes = out;
}

struct Parser<'a, 'e> {
    src: &'a str,
    base: usize,
    pos: usize,
    errors: &'e mut Vec<InlineError>,
}

const ESCAPABLE: &[char] = &['*', '{', '}', '|', '\\'];

impl<'a, 'e> Parser<'a, 'e> {
    fn new(src: &'a str, base: usize, errors: &'e mut Vec<InlineError>) -> Self {
        Self {
            src,
            base,
            pos: 0,
            errors,
        }
    }

    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn error(&mut self, range: Range<usize>, message: &str, hint: &str) {
        self.errors.push(InlineError {
            range: self.base + range.start..self.base + range.end,
            message: message.into(),
            hint: hint.into(),
        });
    }

    fn run(mut self) -> Vec<Inline> {
        self.inlines(false)
    }

    /// Parses until the end, or until `**` when inside emphasis.
    fn inlines(&mut self, in_strong: bool) -> Vec<Inline> {
        let mut nodes = Vec::new();
        let mut text = String::new();
        while let Some(c) = self.rest().chars().next() {
            if self.rest().starts_with("**") {
                if in_strong {
                    break;
                }
                let open = self.pos;
                self.pos += 2;
                flush(&mut text, &mut nodes);
                let children = self.inlines(true);
                if self.rest().starts_with("**") {
                    self.pos += 2;
                    if children.is_empty() {
                        self.error(open..self.pos, "empty emphasis `****`", "remove the `****`");
                    }
                    nodes.push(Inline::Strong(children));
                } else {
                    self.error(
                        open..open + 2,
                        "unclosed emphasis: `**` has no closing `**` on this line",
                        "close it with `**`, or write `\\*\\*` for literal asterisks",
                    );
                    nodes.extend(children);
                }
                continue;
            }
            match c {
                '\\' => text.push(self.escape()),
                '{' => {
                    flush(&mut text, &mut nodes);
                    if let Some(node) = self.brace() {
                        nodes.push(node);
                    }
                }
                _ => {
                    text.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
        flush(&mut text, &mut nodes);
        nodes
    }

    /// Reads a backslash at the current position: `\*`, `\{`, `\}`, `\|` and
    /// `\\` give the character; before anything else the backslash is
    /// literal.
    fn escape(&mut self) -> char {
        match self.rest()[1..].chars().next() {
            Some(n) if ESCAPABLE.contains(&n) => {
                self.pos += 1 + n.len_utf8();
                n
            }
            _ => {
                self.pos += 1;
                '\\'
            }
        }
    }

    /// Parses `{br}` or `{base|ruby}` at `{`.
    fn brace(&mut self) -> Option<Inline> {
        let open = self.pos;
        self.pos += 1;
        let mut parts = vec![String::new()];
        let mut bars = Vec::new();
        loop {
            let Some(c) = self.rest().chars().next() else {
                self.error(
                    open..open + 1,
                    "unclosed `{`: no matching `}` on this line",
                    "ruby is written `{横浜|よこはま}`; write `\\{` for a literal brace",
                );
                return Some(Inline::Text(parts.join("|")));
            };
            match c {
                '}' => {
                    self.pos += 1;
                    break;
                }
                '|' => {
                    bars.push(self.pos);
                    parts.push(String::new());
                    self.pos += 1;
                }
                '\\' => {
                    let c = self.escape();
                    parts.last_mut().expect("at least one part").push(c);
                }
                '{' => {
                    self.error(
                        self.pos..self.pos + 1,
                        "`{` inside `{…}`",
                        "ruby cannot be nested; write `\\{` for a literal brace",
                    );
                    self.pos += 1;
                }
                _ => {
                    parts.last_mut().expect("at least one part").push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
        let whole = open..self.pos;
        match parts.as_slice() {
            [word] if word == "br" => Some(Inline::Break),
            [word] => {
                self.error(
                    whole,
                    &format!("unknown markup `{{{word}}}`"),
                    "write ruby as `{base|reading}`, a line break as `{br}`, or `\\{` for a literal brace",
                );
                None
            }
            [base, ruby] => {
                if base.trim().is_empty() || ruby.trim().is_empty() {
                    self.error(
                        whole,
                        "ruby needs both a base text and a reading",
                        "write it as `{横浜|よこはま}`",
                    );
                    None
                } else {
                    Some(Inline::Ruby {
                        base: base.clone(),
                        ruby: ruby.clone(),
                    })
                }
            }
            _ => {
                let second = bars[1];
                self.error(
                    second..second + 1,
                    "ruby has more than one `|`",
                    "write it as `{base|reading}`; write `\\|` for a literal bar",
                );
                None
            }
        }
    }
}

fn flush(text: &mut String, nodes: &mut Vec<Inline>) {
    if !text.is_empty() {
        // Exactly as long as it is: content holds tens of thousands.
        let mut text = std::mem::take(text);
        text.shrink_to_fit();
        nodes.push(Inline::Text(text));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(src: &str) -> Vec<Inline> {
        let mut r = parse(src, Newlines::LineBreaks).unwrap();
        assert_eq!(r.paragraphs.len(), 1);
        r.paragraphs.remove(0)
    }

    fn t(s: &str) -> Inline {
        Inline::Text(s.into())
    }

    #[test]
    fn plain_text_and_typst_syntax_are_literal() {
        let s = "#read(\"/etc/passwd\") $x$ @ref <l> ] `raw` \\ * _a_";
        assert_eq!(one(s), vec![t(s)]);
    }

    #[test]
    fn markup() {
        assert_eq!(
            one("これは**大切**です{br}{横浜|よこはま}"),
            vec![
                t("これは"),
                Inline::Strong(vec![t("大切")]),
                t("です"),
                Inline::Break,
                Inline::Ruby {
                    base: "横浜".into(),
                    ruby: "よこはま".into()
                }
            ]
        );
        assert_eq!(one("\\*\\*a\\{b\\}\\|\\\\"), vec![t("**a{b}|\\")]);
    }

    #[test]
    fn paragraphs_and_line_breaks() {
        let r = parse("一\n\n二\n三\n", Newlines::Paragraphs).unwrap();
        assert_eq!(
            r.paragraphs,
            vec![vec![t("一")], vec![t("二")], vec![t("三")]]
        );
        assert_eq!(r.plain(), "一\n二\n三");
        let r = parse("一\n二", Newlines::LineBreaks).unwrap();
        assert_eq!(r.paragraphs, vec![vec![t("一"), Inline::Break, t("二")]]);
    }

    #[test]
    fn errors_have_ranges() {
        let src = "ok\nあ**い";
        let e = parse(src, Newlines::Paragraphs).unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(&src[e[0].range.clone()], "**");
        let e = parse("{横浜}{a|}{a|b|c}{x", Newlines::Paragraphs).unwrap_err();
        let msgs: Vec<_> = e.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "unknown markup `{横浜}`",
                "ruby needs both a base text and a reading",
                "ruby has more than one `|`",
                "unclosed `{`: no matching `}` on this line"
            ]
        );
    }
}
