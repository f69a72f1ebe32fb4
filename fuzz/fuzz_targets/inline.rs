//! The inline-markup parser: any text. Must never panic; errors point at
//! character boundaries inside the text; what parses has plain text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pamphlet::content::inline::{Newlines, parse};

fuzz_target!(|text: &str| {
    for mode in [Newlines::Paragraphs, Newlines::LineBreaks] {
        match parse(text, mode) {
            Ok(rich) => {
                let plain = rich.plain();
                assert!(plain.chars().count() <= text.chars().count() + rich.paragraphs.len());
            }
            Err(errors) => {
                for e in errors {
                    assert!(e.range.start <= e.range.end && e.range.end <= text.len());
                    assert!(text.is_char_boundary(e.range.start) && text.is_char_boundary(e.range.end));
                    assert!(!e.message.is_empty() && !e.hint.is_empty());
                }
            }
        }
    }
});
