//! A page's content stream decoded into operations: the same operations
//! lopdf's `Content::decode` returns, in half the time.
//!
//! lopdf parses content with nom combinators, trying each kind of operand in
//! turn and reading a string or hex string a byte at a time: 2.4 ms for the
//! crosstalk pamphlet's four pages (115 KB, some 30,000 operands, mostly
//! glyph strings and kerning in `TJ` arrays), against 1.2 ms here — the
//! rest is allocating the operands, which both do. Preflight decodes every
//! page of every print PDF. This reads the syntax every producer writes
//! (numbers, names, strings, hex strings, arrays, dictionaries, operators)
//! in one pass with lopdf's exact rules: the same bytes, numbers parsed by
//! the same `f32::from_str`, names and escapes decoded alike. Anything else
//! — a comment, an inline image, nesting deeper than [`MAX_DEPTH`], or a
//! stream lopdf would stop early in (it then keeps the operations before
//! the error) — hands the whole stream to lopdf, so the result is always
//! exactly lopdf's.

use lopdf::content::{Content, Operation};
use lopdf::{Dictionary, Object, StringFormat};

/// Nesting (arrays, dictionaries, strings in strings) read here; deeper
/// streams go to lopdf, which allows 100.
pub const MAX_DEPTH: usize = 32;

/// The operations of `data`, as `Content::decode(data).ok()` gives them.
pub fn decode(data: &[u8]) -> Option<Content> {
    match fast(data) {
        Some(content) => Some(content),
        None => Content::decode(data).ok(),
    }
}

/// The operations of `data` when it holds only the syntax read here and
/// reads to its end; `None` sends it to lopdf.
pub fn fast(data: &[u8]) -> Option<Content> {
    let mut r = Reader { data, at: 0 };
    let mut operations = Vec::new();
    r.white();
    while r.at < data.len() {
        if data[r.at..].starts_with(b"BI") {
            return None; // an inline image
        }
        let mut operands = Vec::new();
        loop {
            r.white();
            match r.operand()? {
                Some(o) => operands.push(o),
                None => break,
            }
        }
        let operator = r.operator()?;
        r.white();
        operations.push(Operation { operator, operands });
    }
    Some(Content { operations })
}

/// PDF white space (ISO 32000-2, 7.2.3).
fn is_white(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\0' | b'\x0C')
}

/// PDF delimiters, `%` included.
fn is_delimiter(c: u8) -> bool {
    matches!(
        c,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

/// The value of a run of ASCII digits, `None` past `u64` (lopdf's
/// `digits_value`).
fn digits_value(digits: &[u8]) -> Option<u64> {
    digits.iter().try_fold(0u64, |v, &c| {
        v.checked_mul(10)?.checked_add(u64::from(c - b'0'))
    })
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|v| v as u8)
}

/// A position in the stream. Every method returns `None` where lopdf would
/// not read on exactly as it does (the stream then goes to lopdf).
struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.data.get(self.at).copied()
    }

    fn rest(&self) -> &[u8] {
        &self.data[self.at..]
    }

    /// White space (lopdf's `content_space`: no comments).
    fn white(&mut self) {
        while self.peek().is_some_and(is_white) {
            self.at += 1;
        }
    }

    /// White space between the parts of an array or dictionary (lopdf's
    /// `space`, which also skips comments: a comment goes to lopdf).
    fn space(&mut self) -> Option<()> {
        self.white();
        (self.peek() != Some(b'%')).then_some(())
    }

    /// The next operand (lopdf's `operand`, alternatives in its order), or
    /// `Some(None)` where the operator begins.
    fn operand(&mut self) -> Option<Option<Object>> {
        let rest = self.rest();
        let object = if rest.starts_with(b"null") {
            self.at += 4;
            Object::Null
        } else if rest.starts_with(b"true") {
            self.at += 4;
            Object::Boolean(true)
        } else if rest.starts_with(b"false") {
            self.at += 5;
            Object::Boolean(false)
        } else {
            match rest.first() {
                Some(b'0'..=b'9' | b'+' | b'-' | b'.') => self.number()?,
                Some(b'/') => Object::Name(self.name()),
                Some(b'(') => self.literal(MAX_DEPTH)?,
                Some(b'<') => self.angle(MAX_DEPTH)?,
                Some(b'[') => self.array(MAX_DEPTH)?,
                Some(b'%') | None => return None,
                Some(_) => return Some(None),
            }
        };
        Some(Some(object))
    }

    /// A real, or else an integer (lopdf's `real` then `integer`).
    fn number(&mut self) -> Option<Object> {
        let start = self.at;
        let d = self.data;
        let mut i = start;
        if matches!(d.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let digits = |mut j: usize| {
            while d.get(j).is_some_and(u8::is_ascii_digit) {
                j += 1;
            }
            j
        };
        let int_end = digits(i);
        let real_end = if int_end > i && d.get(int_end) == Some(&b'.') {
            Some(digits(int_end + 1))
        } else if int_end == i && d.get(i) == Some(&b'.') && digits(i + 1) > i + 1 {
            Some(digits(i + 1))
        } else {
            None
        };
        if let Some(mut end) = real_end {
            // A minus sign inside the fraction (`0.00-4142502`) is ignored.
            let fraction = end;
            while d.get(end).is_some_and(|c| *c == b'-' || c.is_ascii_digit()) {
                end += 1;
            }
            let text = &d[start..end];
            let value = if d[fraction..end].contains(&b'-') {
                let mut kept = vec![text[0]];
                kept.extend(text[1..].iter().filter(|&&c| c != b'-'));
                std::str::from_utf8(&kept).ok()?.parse::<f32>().ok()?
            } else {
                std::str::from_utf8(text).ok()?.parse::<f32>().ok()?
            };
            self.at = end;
            return Some(Object::Real(value));
        }
        if int_end == i {
            return None; // a sign or a point without digits
        }
        let magnitude = digits_value(&d[i..int_end])?;
        let value = if d[start] == b'-' {
            0i64.checked_sub_unsigned(magnitude)?
        } else {
            i64::try_from(magnitude).ok()?
        };
        self.at = int_end;
        Some(Object::Integer(value))
    }

    /// A name after its `/`, `#xx` escapes decoded; a `#` without two hex
    /// digits ends it.
    fn name(&mut self) -> Vec<u8> {
        self.at += 1;
        let mut out = Vec::new();
        while let Some(c) = self.peek() {
            if c == b'#' {
                match (
                    self.data.get(self.at + 1).copied().and_then(hex),
                    self.data.get(self.at + 2).copied().and_then(hex),
                ) {
                    (Some(h), Some(l)) => {
                        out.push((h << 4) | l);
                        self.at += 3;
                    }
                    _ => break,
                }
            } else if is_white(c) || is_delimiter(c) {
                break;
            } else {
                out.push(c);
                self.at += 1;
            }
        }
        out
    }

    /// A literal string, escapes and line ends decoded as lopdf does.
    fn literal(&mut self, depth: usize) -> Option<Object> {
        self.at += 1;
        let mut out = Vec::new();
        self.literal_inner(depth, &mut out)?;
        Some(Object::String(out, StringFormat::Literal))
    }

    /// The inside of a literal string up to and past its `)`; nested
    /// parentheses are kept.
    fn literal_inner(&mut self, depth: usize, out: &mut Vec<u8>) -> Option<()> {
        loop {
            let c = self.peek()?;
            self.at += 1;
            match c {
                b')' => return Some(()),
                b'(' => {
                    if depth == 0 {
                        return None;
                    }
                    out.push(b'(');
                    self.literal_inner(depth - 1, out)?;
                    out.push(b')');
                }
                b'\r' | b'\n' => {
                    if c == b'\r' && self.peek() == Some(b'\n') {
                        self.at += 1;
                    }
                    out.push(b'\n');
                }
                b'\\' => {
                    let e = self.peek()?;
                    self.at += 1;
                    match e {
                        b'0'..=b'7' => {
                            let mut v = u16::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        v = v * 8 + u16::from(d - b'0');
                                        self.at += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push(v as u8);
                        }
                        b'\r' => {
                            if self.peek() == Some(b'\n') {
                                self.at += 1;
                            }
                        }
                        b'\n' => {}
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(b'\x08'),
                        b'f' => out.push(b'\x0C'),
                        other => out.push(other),
                    }
                }
                other => out.push(other),
            }
        }
    }

    /// A hex string, or else (`<<`) a dictionary.
    fn angle(&mut self, depth: usize) -> Option<Object> {
        let start = self.at;
        self.at += 1;
        let mut bytes = Vec::new();
        let mut high = true;
        loop {
            self.white();
            match self.peek().and_then(hex) {
                Some(v) => {
                    if high {
                        bytes.push(v << 4);
                    } else {
                        *bytes.last_mut().expect("a high nibble came first") |= v;
                    }
                    high = !high;
                    self.at += 1;
                }
                None => break,
            }
        }
        if self.peek() == Some(b'>') {
            self.at += 1;
            return Some(Object::String(bytes, StringFormat::Hexadecimal));
        }
        self.at = start;
        if self.rest().starts_with(b"<<") {
            return self.dictionary(depth).map(Object::Dictionary);
        }
        None
    }

    /// Past the `width` bytes that open an array or dictionary and the
    /// space after them, unless it is nested too deep.
    fn open(&mut self, depth: usize, width: usize) -> Option<()> {
        if depth == 0 {
            return None;
        }
        self.at += width;
        self.space()
    }

    /// `<< /Key value … >>`.
    fn dictionary(&mut self, depth: usize) -> Option<Dictionary> {
        self.open(depth, 2)?;
        let mut dict = Dictionary::new();
        loop {
            if self.rest().starts_with(b">>") {
                self.at += 2;
                return Some(dict);
            }
            if self.peek() != Some(b'/') {
                return None;
            }
            let key = self.name();
            self.space()?;
            let value = self.direct(depth - 1)?;
            dict.set(key, value);
        }
    }

    /// `[ … ]`.
    fn array(&mut self, depth: usize) -> Option<Object> {
        self.open(depth, 1)?;
        let mut items = Vec::new();
        loop {
            if self.peek() == Some(b']') {
                self.at += 1;
                return Some(Object::Array(items));
            }
            items.push(self.direct(depth - 1)?);
        }
    }

    /// An object inside an array or dictionary (lopdf's `_direct_object`:
    /// chosen by its first byte, references read, then space).
    fn direct(&mut self, depth: usize) -> Option<Object> {
        let rest = self.rest();
        let object = match rest.first()? {
            b'n' if rest.starts_with(b"null") => {
                self.at += 4;
                Object::Null
            }
            b't' if rest.starts_with(b"true") => {
                self.at += 4;
                Object::Boolean(true)
            }
            b'f' if rest.starts_with(b"false") => {
                self.at += 5;
                Object::Boolean(false)
            }
            b'0'..=b'9' => match self.reference()? {
                Some(r) => r,
                None => self.number()?,
            },
            b'+' | b'-' | b'.' => self.number()?,
            b'/' => Object::Name(self.name()),
            b'(' => self.literal(depth)?,
            b'<' => self.angle(depth)?,
            b'[' => self.array(depth)?,
            _ => return None,
        };
        self.space()?;
        Some(object)
    }

    /// `1 0 R`, or `Some(None)` (and no move) when the digits are not one.
    fn reference(&mut self) -> Option<Option<Object>> {
        let start = self.at;
        let uint = |r: &mut Self| -> Option<u64> {
            let from = r.at;
            while r.peek().is_some_and(|c| c.is_ascii_digit()) {
                r.at += 1;
            }
            if r.at == from {
                return None;
            }
            digits_value(&r.data[from..r.at])
        };
        let found = (|| {
            let number = u32::try_from(uint(self)?).ok()?;
            self.space()?;
            let generation = u16::try_from(uint(self)?).ok()?;
            self.space()?;
            (self.peek() == Some(b'R')).then_some((number, generation))
        })();
        match found {
            Some(id) => {
                self.at += 1;
                Some(Some(Object::Reference(id)))
            }
            None => {
                // A comment after the number (the reading stopped at it:
                // only digits and white space were passed) goes to lopdf
                // with the rest.
                if self.peek() == Some(b'%') {
                    return None;
                }
                self.at = start;
                Some(None)
            }
        }
    }

    /// An operator: letters, digits (not first), `*`, `'` and `"`.
    fn operator(&mut self) -> Option<String> {
        let from = self.at;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'*' | b'\'' | b'"'))
        {
            self.at += 1;
        }
        let op = &self.data[from..self.at];
        if op.is_empty() || op[0].is_ascii_digit() {
            return None;
        }
        Some(String::from_utf8_lossy(op).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// lopdf's reading, as comparable values.
    fn lopdf(data: &[u8]) -> Option<Vec<(String, Vec<Object>)>> {
        Content::decode(data).ok().map(flat)
    }

    fn flat(c: Content) -> Vec<(String, Vec<Object>)> {
        c.operations
            .into_iter()
            .map(|o| (o.operator, o.operands))
            .collect()
    }

    fn same(data: &[u8]) {
        assert_eq!(
            decode(data).map(flat),
            lopdf(data),
            "{:?}",
            String::from_utf8_lossy(data)
        );
    }

    /// What Typst writes for a page of text, shapes and a marked span.
    const TYPICAL: &[u8] = b"1 0 0 -1 0 841.89 cm\nq\n0.5 0 0 0.2 k\n/F1 9.5 Tf\n[(Ab\\(c\\)) -12.5 <0012003A> 40 (x\\234y)] TJ\n/Span <</MCID 3 /Alt (a\\nb) /Lang (ja)>> BDC EMC\n0 0 m 10.25 -3 l h f*\nBT 1 0 0 -1 10 20 Tm (hi) Tj T* (there) ' 1 2 (q) \" ET\n/GS0 gs /Im1 Do Q\n";

    #[test]
    fn reads_typical_content_without_lopdf() {
        let plain: &[&[u8]] = &[
            TYPICAL,
            b"-.5 +3 .25 5. -0 0.00-4142502 1.5-3 -7.0-1 g",
            b"/A#20B /F/G /#41 n",
            b"(\\101\\1011\\8\\q) (x\\\r\ny) (a(b(c))d) (l\r\nm\rn) Tj",
            b"<48 65 6c6C 6> <> < > Tj",
            b"<</A 1 0 R /B [1 0 R 2 3 R] /C <</D null>> /E true /F false>> BDC",
            b"[1 0 R 1 [2 [3]] (s) <41> /N true false null] TJ",
            b"nullx 1 2 d1 4 5 6 \"",
        ];
        for data in plain {
            let read = fast(data).unwrap_or_else(|| panic!("{:?}", String::from_utf8_lossy(data)));
            assert_eq!(
                Some(flat(read)),
                lopdf(data),
                "{:?}",
                String::from_utf8_lossy(data)
            );
        }
        assert!(lopdf(TYPICAL).unwrap().len() > 15);
    }

    #[test]
    fn agrees_with_lopdf_on_edge_cases() {
        let cases: &[&[u8]] = &[
            b"",
            b"   \n",
            b"q Q",
            b"1 2 3 4 re f",
            b"-.5 +3 .25 5. -0 0.00-4142502 1.5-3 1.2.3 g",
            b"99999999999999999999 g",
            b"9223372036854775807 -9223372036854775808 g",
            b"9223372036854775808 g",
            b"+ g",
            b"- g",
            b". g",
            b"/A#20B /C#2 /D# /E#zz /F/G /#41 n",
            b"/ n",
            b"(a(b)c) (\\101\\1011\\8\\q) (x\\\r\ny\\\nz) (l\r\nm\rn\no) Tj",
            b"(unterminated Tj",
            b"(trailing backslash\\",
            b"<48 65 6c6C 6> <> < > <4 g",
            b"<<>> <</A 1 /B [1 0 R 2 3 R] /C <</D null>> /E true /F false>> d0",
            b"<</A 1 0 R /B 1 0 /C 4294967296 0 R /D 1 65536 R>> BDC",
            b"[1 0 R -1 0 R 1.0 0 R 1 [2 [3]] (s) <41> /N true false null] TJ",
            b"[1 % c\n 2] TJ",
            b"1 % comment\n 2 g",
            b"% leading comment\n q Q",
            b"q % trailing comment",
            b"nullx truey falsez",
            b"null true false Do",
            b"1 2 d1 3 T* 4 5 6 \"",
            b"1 2",
            b"1 2 ]",
            b"BI /W 1 /H 1 /BPC 8 /CS /G ID \x80 EI Q",
            b"q BI /W 2 ID xx EI Q",
            b"BIx",
            b"{ } g",
            b"1 0 R g",
            b"[1 0 R",
            b"<</A>> g",
            b"<</A 1 >> g",
            b"(\\0053\\377\\400) Tj",
            b"\x00\x0C1\x002 g",
        ];
        for case in cases {
            same(case);
        }
        let deep = format!("{}1{} TJ", "[".repeat(40), "]".repeat(40));
        same(deep.as_bytes());
        let deeper = format!("{}1{} TJ", "[".repeat(120), "]".repeat(120));
        same(deeper.as_bytes());
        let nested = format!("({}x{}) Tj", "(".repeat(40), ")".repeat(40));
        same(nested.as_bytes());
        let too_nested = format!("({}x{}) Tj", "(".repeat(120), ")".repeat(120));
        same(too_nested.as_bytes());
    }

    #[test]
    fn agrees_with_lopdf_on_damaged_streams() {
        // Every stream from the typical one by cutting it short, and by
        // changing, inserting or deleting bytes (a fixed pseudo-random
        // sequence): both readings must be the same, errors included.
        let alphabet = b" \n\r()<>[]{}/%\\#.-+0123456789aefnrtABIDEI'\"*R";
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for cut in 0..=TYPICAL.len() {
            same(&TYPICAL[..cut]);
        }
        let mut fast_ones = 0;
        for _ in 0..20_000 {
            let mut v = TYPICAL.to_vec();
            for _ in 0..1 + next() % 3 {
                let at = (next() as usize) % v.len();
                let c = alphabet[(next() as usize) % alphabet.len()];
                match next() % 3 {
                    0 => v[at] = c,
                    1 => v.insert(at, c),
                    _ => {
                        v.remove(at);
                    }
                }
            }
            fast_ones += usize::from(fast(&v).is_some());
            same(&v);
        }
        // Most damaged streams are still plain syntax, read here.
        assert!(fast_ones > 5_000, "{fast_ones}");
    }
}
