//! Reading `pamphlet.toml`: the TOML as written, and the checks that turn
//! it into a [`Project`]'s publications, each problem a diagnostic at its
//! line and column.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

use super::{
    DEFAULT_PRINT_STANDARDS, ImageSettings, LintRule, LintSettings, MANIFEST, Merge, PDF_STANDARDS,
    PageRule, PdfX, PrintSettings, ProjectPath, Publication, RecordSource, RenderingIntent, Scope,
    Variant, check_output_pattern,
};
use crate::content::schema::did_you_mean;
use crate::content::{SheetFormat, TextEncoding};
use crate::diag::{Diagnostic, Position};
use crate::paths::relative_path;
use crate::units::{parse_length, parse_size};

/// What a publication's `[print]` table gives.
struct PrintVariant {
    settings: PrintSettings,
    standards: Vec<String>,
    standards_at: Option<Position>,
    pdfx: Option<PdfX>,
    output_intent: Option<ProjectPath>,
}

/// What a publication's `[screen]` table gives.
struct ScreenVariant {
    standards: Vec<String>,
    standards_at: Option<Position>,
    output: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ManifestToml {
    #[serde(default)]
    pub(super) project: ProjectToml,
    #[serde(default)]
    pub(super) publications: BTreeMap<String, Spanned<PublicationToml>>,
    #[serde(default)]
    pub(super) images: Option<ImagesToml>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ImagesToml {
    #[serde(default)]
    pub(super) min_ppi: Option<Spanned<f64>>,
    #[serde(default)]
    pub(super) warn_ppi: Option<Spanned<f64>>,
    #[serde(default)]
    pub(super) max_crop: Option<Spanned<f64>>,
    #[serde(default)]
    pub(super) print_ppi: Option<Spanned<f64>>,
    #[serde(default)]
    pub(super) screen_ppi: Option<Spanned<f64>>,
    #[serde(default)]
    pub(super) jpeg_quality: Option<Spanned<f64>>,
    #[serde(default)]
    pub(super) rendering_intent: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LintToml {
    #[serde(default)]
    pub(super) runt_chars: Option<Spanned<f64>>,
    #[serde(default)]
    pub(super) runt_share: Option<Spanned<f64>>,
    #[serde(default)]
    pub(super) min_lines: Option<Spanned<f64>>,
    #[serde(default)]
    pub(super) pages_fill: Option<Spanned<f64>>,
    #[serde(default)]
    pub(super) measure: Option<Spanned<f64>>,
    #[serde(default)]
    pub(super) skip: Option<Vec<Spanned<String>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ProjectToml {
    #[serde(default)]
    pub(super) name: Option<String>,
    #[serde(default)]
    pub(super) fonts: Option<Vec<Spanned<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PublicationToml {
    pub(super) content: Spanned<String>,
    pub(super) layout: Spanned<String>,
    #[serde(default)]
    pub(super) schema: Option<Spanned<String>>,
    pub(super) output: Spanned<String>,
    #[serde(default)]
    pub(super) each: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) key: Option<String>,
    #[serde(default)]
    pub(super) scope: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) pages: Option<usize>,
    #[serde(default)]
    pub(super) max_pages: Option<usize>,
    #[serde(default)]
    pub(super) page_multiple: Option<usize>,
    #[serde(default)]
    pub(super) variants: Option<Vec<Variant>>,
    #[serde(default)]
    pub(super) print: Option<PrintToml>,
    #[serde(default)]
    pub(super) screen: Option<ScreenToml>,
    #[serde(default)]
    pub(super) lint: Option<LintToml>,
    #[serde(default)]
    pub(super) records: Option<Spanned<RecordsToml>>,
    #[serde(default)]
    pub(super) merge: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) merge_pdf_standard: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    pub(super) separate: Option<Spanned<bool>>,
    #[serde(default)]
    pub(super) pad_to: Option<Spanned<i64>>,
    #[serde(default)]
    pub(super) split: Option<Spanned<i64>>,
    #[serde(default)]
    pub(super) sort: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) record_metadata: Option<Spanned<Vec<String>>>,
}

/// `[publications.NAME.records]`: a list of the content read from a
/// spreadsheet.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RecordsToml {
    pub(super) file: Spanned<String>,
    #[serde(default)]
    pub(super) list: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) sheet: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) encoding: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) delimiter: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PrintToml {
    #[serde(default)]
    pub(super) trim: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) bleed: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) safe: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) marks: Option<bool>,
    #[serde(default)]
    pub(super) pdf_standard: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    pub(super) output_intent: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) max_ink: Option<Spanned<f64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ScreenToml {
    #[serde(default)]
    pub(super) output: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) pdf_standard: Option<Spanned<Vec<String>>>,
}

/// Reads the manifest's text into a project, every problem a diagnostic
/// at its line and column.
pub(super) struct Reader<'a> {
    /// The manifest's text.
    pub(super) text: &'a Arc<str>,
}

impl Reader<'_> {
    /// The position of `range` in the manifest.
    pub(super) fn pos(&self, range: Range<usize>) -> Position {
        Position::new(MANIFEST, self.text, range)
    }

    /// The TOML, with the first problem (an unknown key gets "did you
    /// mean").
    pub(super) fn toml(&self) -> Result<ManifestToml, Box<Diagnostic>> {
        toml::from_str(self.text).map_err(|e| {
            let range = e.span().unwrap_or(0..0);
            let mut message = e.message().trim().to_string();
            let mut d = Diagnostic::error(Some(self.pos(range)), String::new());
            if let Some(rest) = message.strip_prefix("unknown field `") {
                // "unknown field `x`, expected one of `a`, `b`"
                let name = rest.split('`').next().unwrap_or_default().to_string();
                let expected: Vec<&str> = rest.split('`').skip(2).step_by(2).collect();
                if let Some(s) = did_you_mean(&name, expected.iter().copied()) {
                    d.hints.push(format!("did you mean `{s}`?"));
                } else if !expected.is_empty() {
                    d.hints.push(format!("known keys: {}", expected.join(", ")));
                }
                message = format!("unknown key `{name}`");
            }
            d.message = message;
            Box::new(d)
        })
    }

    /// The `[images]` table over the defaults.
    pub(super) fn images(
        &self,
        t: Option<&ImagesToml>,
        diags: &mut Vec<Diagnostic>,
    ) -> ImageSettings {
        let mut limits = ImageSettings::default();
        let Some(t) = t else { return limits };
        let mut set = |v: &Option<Spanned<f64>>,
                       range: std::ops::RangeInclusive<f64>,
                       what: &str,
                       target: &mut f64| {
            if let Some(v) = v {
                if range.contains(v.get_ref()) {
                    *target = *v.get_ref();
                } else {
                    diags.push(Diagnostic::error(
                        Some(self.pos(v.span())),
                        format!("{what} must be from {} to {}", range.start(), range.end()),
                    ));
                }
            }
        };
        set(&t.min_ppi, 1.0..=2400.0, "`min_ppi`", &mut limits.min_ppi);
        set(
            &t.warn_ppi,
            1.0..=2400.0,
            "`warn_ppi`",
            &mut limits.warn_ppi,
        );
        set(
            &t.max_crop,
            0.0..=1.0,
            "`max_crop` (a share, like 0.25)",
            &mut limits.max_crop,
        );
        set(
            &t.print_ppi,
            72.0..=2400.0,
            "`print_ppi`",
            &mut limits.print_ppi,
        );
        set(
            &t.screen_ppi,
            36.0..=2400.0,
            "`screen_ppi`",
            &mut limits.screen_ppi,
        );
        let mut quality = f64::from(limits.jpeg_quality);
        set(&t.jpeg_quality, 1.0..=100.0, "`jpeg_quality`", &mut quality);
        limits.jpeg_quality = quality.round() as u8;
        if let Some(v) = &t.rendering_intent {
            match v.get_ref().as_str() {
                "perceptual" => limits.intent = RenderingIntent::Perceptual,
                "relative-colorimetric" => limits.intent = RenderingIntent::RelativeColorimetric,
                other => diags.push(Diagnostic::error(
                    Some(self.pos(v.span())),
                    format!("`rendering_intent` is \"perceptual\" or \"relative-colorimetric\", not \"{other}\""),
                )),
            }
        }
        limits
    }

    /// A path named in the manifest, checked to stay inside the project.
    pub(super) fn path(&self, s: &Spanned<String>, diags: &mut Vec<Diagnostic>) -> ProjectPath {
        let at = self.pos(s.span());
        match relative_path(s.get_ref()) {
            Ok(rel) => ProjectPath {
                rel,
                named_at: Some(at),
            },
            Err(msg) => {
                diags.push(Diagnostic::error(Some(at.clone()), msg).with_hint(
                    "paths in pamphlet.toml are relative to the project folder and stay inside it",
                ));
                ProjectPath {
                    rel: PathBuf::new(),
                    named_at: Some(at),
                }
            }
        }
    }

    /// One `[publications.NAME]` table.
    pub(super) fn publication(
        &self,
        name: &str,
        p: &Spanned<PublicationToml>,
        diags: &mut Vec<Diagnostic>,
    ) -> Publication {
        let at = self.pos(p.span());
        let p = p.get_ref();
        if !crate::content::schema::is_id(name) {
            diags.push(
                Diagnostic::error(
                    Some(at),
                    format!("`{name}` is not a valid publication name"),
                )
                .with_hint("use lowercase ASCII letters, digits, `-` and `_`"),
            );
        }
        let content = self.path(&p.content, diags);
        let layout = self.path(&p.layout, diags);
        let schema = match &p.schema {
            Some(s) => self.path(s, diags),
            // `schema.yaml` beside the layout.
            None => ProjectPath {
                rel: layout
                    .rel
                    .parent()
                    .unwrap_or(Path::new(""))
                    .join("schema.yaml"),
                named_at: layout.named_at.clone(),
            },
        };
        let output = p.output.get_ref().clone();
        let output_at = Some(self.pos(p.output.span()));
        self.check_output(name, p, &output, &output_at, diags);
        let print = self.print_variant(name, p.print.as_ref(), diags);
        let screen = self.screen_variant(name, p.screen.as_ref(), &output, diags);
        let merge = self.merge(name, p, &print.standards, diags);
        let mut variants = p.variants.clone().unwrap_or_else(|| vec![Variant::Print]);
        variants.sort();
        variants.dedup();
        Publication {
            name: name.to_string(),
            content,
            layout,
            schema,
            output,
            output_at,
            each: p.each.as_ref().map(|e| e.get_ref().clone()),
            each_at: p.each.as_ref().map(|e| self.pos(e.span())),
            key: p.key.clone().unwrap_or_else(|| "id".into()),
            scope: self.scope(p.scope.as_ref(), diags),
            pages: PageRule {
                exact: p.pages,
                max: p.max_pages,
                multiple_of: p.page_multiple,
            },
            print: print.settings,
            variants,
            print_standards: print.standards,
            print_standards_at: print.standards_at,
            pdfx: print.pdfx,
            output_intent: print.output_intent,
            screen_standards: screen.standards,
            screen_standards_at: screen.standards_at,
            screen_output: screen.output,
            lint: self.lint(p.lint.as_ref(), diags),
            records: p
                .records
                .as_ref()
                .and_then(|r| self.records(r, p.each.as_ref(), diags)),
            merge,
        }
    }

    /// A publication's `merge` and the keys that shape the merged file;
    /// they are errors without `merge` (and `merge` without `each`).
    fn merge(
        &self,
        name: &str,
        p: &PublicationToml,
        print_standards: &[String],
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Merge> {
        let keys: [(&str, Option<Range<usize>>); 6] = [
            (
                "merge_pdf_standard",
                p.merge_pdf_standard.as_ref().map(|s| s.span()),
            ),
            ("separate", p.separate.as_ref().map(|s| s.span())),
            ("pad_to", p.pad_to.as_ref().map(|s| s.span())),
            ("split", p.split.as_ref().map(|s| s.span())),
            ("sort", p.sort.as_ref().map(|s| s.span())),
            (
                "record_metadata",
                p.record_metadata.as_ref().map(|s| s.span()),
            ),
        ];
        let Some(merge) = &p.merge else {
            for (key, span) in keys {
                if let Some(span) = span {
                    diags.push(
                        Diagnostic::error(
                            Some(self.pos(span)),
                            format!(
                                "`{key}` shapes the merged file, but the publication has no `merge`"
                            ),
                        )
                        .with_hint(
                            "add `merge = \"<file>.pdf\"` to write every record into one file",
                        ),
                    );
                }
            }
            return None;
        };
        let at = Some(self.pos(merge.span()));
        let output = merge.get_ref().clone();
        if p.each.is_none() {
            diags.push(
                Diagnostic::error(
                    at.clone(),
                    "`merge` puts every record in one file, but the publication has no `each`",
                )
                .with_hint("`merge` is for publications with one PDF per record"),
            );
        }
        if output.contains('{') {
            diags.push(
                Diagnostic::error(at.clone(), format!("`merge = \"{output}\"` is one file for every record; it cannot use `{{…}}` fields"))
                    .with_hint(format!("name the file, like `merge = \"{name}.pdf\"`")),
            );
        } else if let Err(msg) = check_output_pattern(&output) {
            diags.push(Diagnostic::error(at.clone(), msg));
        }
        let (mut standards, standards_at) =
            self.standards(name, p.merge_pdf_standard.as_ref(), diags);
        if p.merge_pdf_standard.is_none() {
            standards = print_standards.to_vec();
        }
        let pdfx = self.pdfx(&standards, &standards_at, diags);
        let count = |v: &Option<Spanned<i64>>, key: &str, diags: &mut Vec<Diagnostic>| {
            let v = v.as_ref()?;
            match usize::try_from(*v.get_ref()) {
                Ok(n) if n >= 1 => Some(n),
                _ => {
                    diags.push(Diagnostic::error(
                        Some(self.pos(v.span())),
                        format!(
                            "`{key}` must be a whole number of 1 or more, not {}",
                            v.get_ref()
                        ),
                    ));
                    None
                }
            }
        };
        let separate = p.separate.as_ref().is_none_or(|s| *s.get_ref());
        let screen_output = match output.strip_suffix(".pdf") {
            Some(stem) => format!("{stem}.screen.pdf"),
            None => format!("{output}.screen.pdf"),
        };
        Some(Merge {
            pad_to: count(&p.pad_to, "pad_to", diags).unwrap_or(1),
            split: count(&p.split, "split", diags),
            sort: p.sort.as_ref().map(|s| s.get_ref().clone()),
            sort_at: p.sort.as_ref().map(|s| self.pos(s.span())),
            metadata: p
                .record_metadata
                .as_ref()
                .map(|m| m.get_ref().clone())
                .unwrap_or_default(),
            metadata_at: p.record_metadata.as_ref().map(|m| self.pos(m.span())),
            output,
            screen_output,
            at,
            print_standards: standards,
            pdfx,
            separate,
        })
    }

    /// A publication's `scope`: `"record"` (the default) or `"all"`.
    fn scope(&self, scope: Option<&Spanned<String>>, diags: &mut Vec<Diagnostic>) -> Scope {
        match scope.map(|s| (s.get_ref().as_str(), s.span())) {
            None | Some(("record", _)) => Scope::Record,
            Some(("all", _)) => Scope::All,
            Some((other, span)) => {
                diags.push(
                    Diagnostic::error(Some(self.pos(span)), format!("unknown scope `{other}`"))
                        .with_hint("`scope` is \"record\" (the default) or \"all\""),
                );
                Scope::Record
            }
        }
    }

    /// A publication's `[print]` table: trim, bleed and marks, its PDF
    /// standards (PDF/X-4 unless it names others) and output profile.
    fn print_variant(
        &self,
        name: &str,
        print: Option<&PrintToml>,
        diags: &mut Vec<Diagnostic>,
    ) -> PrintVariant {
        let settings = self.print_settings(print, diags);
        let named = print.and_then(|p| p.pdf_standard.as_ref());
        let (mut standards, standards_at) = self.standards(name, named, diags);
        if named.is_none() {
            standards = DEFAULT_PRINT_STANDARDS
                .iter()
                .map(|s| s.to_string())
                .collect();
        }
        let pdfx = self.pdfx(&standards, &standards_at, diags);
        let output_intent = print
            .and_then(|p| p.output_intent.as_ref())
            .map(|o| self.path(o, diags));
        PrintVariant {
            settings,
            standards,
            standards_at,
            pdfx,
            output_intent,
        }
    }

    /// A publication's `[screen]` table: its PDF standards (never PDF/X)
    /// and output path (default: the print output's with `.screen.pdf`).
    fn screen_variant(
        &self,
        name: &str,
        screen: Option<&ScreenToml>,
        print_output: &str,
        diags: &mut Vec<Diagnostic>,
    ) -> ScreenVariant {
        let (standards, standards_at) =
            self.standards(name, screen.and_then(|s| s.pdf_standard.as_ref()), diags);
        if let Some(x) = standards.iter().find(|s| PdfX::from_name(s).is_some()) {
            diags.push(
                Diagnostic::error(
                    standards_at.clone(),
                    format!("`{x}` is a print standard; the screen variant cannot be PDF/X"),
                )
                .with_hint("name PDF/X under `[publications.NAME.print]`"),
            );
        }
        let output = match screen.and_then(|s| s.output.as_ref()) {
            Some(o) => {
                if let Err(msg) = check_output_pattern(o.get_ref()) {
                    diags.push(Diagnostic::error(Some(self.pos(o.span())), msg));
                }
                o.get_ref().clone()
            }
            None => match print_output.strip_suffix(".pdf") {
                Some(stem) => format!("{stem}.screen.pdf"),
                None => format!("{print_output}.screen.pdf"),
            },
        };
        ScreenVariant {
            standards,
            standards_at,
            output,
        }
    }

    /// A publication's `records` table: which list comes from which
    /// spreadsheet, and how to read it.
    fn records(
        &self,
        r: &Spanned<RecordsToml>,
        each: Option<&Spanned<String>>,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<RecordSource> {
        let at = self.pos(r.span());
        let r = r.get_ref();
        let file = self.path(&r.file, diags);
        let list = match (&r.list, each) {
            (Some(l), _) => l.get_ref().clone(),
            (None, Some(e)) => e.get_ref().clone(),
            (None, None) => {
                diags.push(
                    Diagnostic::error(Some(at), "`records` names no list to fill")
                        .with_hint("add `list = \"members\"` (the content's list the rows become), or `each` to the publication"),
                );
                return None;
            }
        };
        let Some(format) = SheetFormat::from_path(&file.rel) else {
            diags.push(
                Diagnostic::error(
                    Some(self.pos(r.file.span())),
                    format!("`{}` is not a spreadsheet pamphlet reads", r.file.get_ref()),
                )
                .with_hint("records come from .csv, .tsv or .txt (tab-separated) text, or an .xlsx, .xls or .ods workbook"),
            );
            return None;
        };
        let format = match (&r.delimiter, format) {
            (None, f) => f,
            (Some(d), SheetFormat::Delimited { .. }) => {
                match d.get_ref().as_str() {
                    "," => SheetFormat::Delimited { delimiter: b',' },
                    ";" => SheetFormat::Delimited { delimiter: b';' },
                    "\t" | "tab" => SheetFormat::Delimited { delimiter: b'\t' },
                    other => {
                        diags.push(
                        Diagnostic::error(
                            Some(self.pos(d.span())),
                            format!("`delimiter = {other:?}` is not a field separator pamphlet knows"),
                        )
                        .with_hint("`delimiter` is \",\", \";\" or \"\\t\" (tab)"),
                    );
                        return None;
                    }
                }
            }
            (Some(d), SheetFormat::Workbook) => {
                diags.push(Diagnostic::error(
                    Some(self.pos(d.span())),
                    "`delimiter` is for CSV and TSV files, not workbooks",
                ));
                return None;
            }
        };
        let encoding = match &r.encoding {
            None => TextEncoding::Auto,
            Some(e) if matches!(format, SheetFormat::Workbook) => {
                diags.push(Diagnostic::error(
                    Some(self.pos(e.span())),
                    "`encoding` is for CSV and TSV files; a workbook says its own",
                ));
                return None;
            }
            Some(e) => match TextEncoding::from_name(e.get_ref()) {
                Some(enc) => enc,
                None => {
                    diags.push(
                        Diagnostic::error(
                            Some(self.pos(e.span())),
                            format!("unknown encoding `{}`", e.get_ref()),
                        )
                        .with_hint(format!("encodings: {}", TextEncoding::NAMES)),
                    );
                    return None;
                }
            },
        };
        if let (Some(s), SheetFormat::Delimited { .. }) = (&r.sheet, format) {
            diags.push(Diagnostic::error(
                Some(self.pos(s.span())),
                "`sheet` is for workbooks; a CSV or TSV file has one table",
            ));
            return None;
        }
        Some(RecordSource {
            file,
            list,
            format,
            encoding,
            sheet: r.sheet.as_ref().map(|s| s.get_ref().clone()),
            sheet_at: r.sheet.as_ref().map(|s| self.pos(s.span())),
        })
    }

    /// A publication's `[lint]` table over the defaults.
    fn lint(&self, t: Option<&LintToml>, diags: &mut Vec<Diagnostic>) -> LintSettings {
        let mut lint = LintSettings::default();
        let Some(t) = t else { return lint };
        let mut number =
            |v: &Option<Spanned<f64>>, range: std::ops::RangeInclusive<f64>, what: &str| {
                let v = v.as_ref()?;
                if range.contains(v.get_ref()) {
                    Some(*v.get_ref())
                } else {
                    diags.push(Diagnostic::error(
                        Some(self.pos(v.span())),
                        format!(
                            "`lint.{what}` must be from {} to {}",
                            range.start(),
                            range.end()
                        ),
                    ));
                    None
                }
            };
        if let Some(v) = number(&t.runt_chars, 0.0..=20.0, "runt_chars") {
            lint.runt_chars = v as usize;
        }
        if let Some(v) = number(&t.runt_share, 0.0..=1.0, "runt_share") {
            lint.runt_share = v;
        }
        if let Some(v) = number(&t.min_lines, 1.0..=10.0, "min_lines") {
            lint.min_lines = v as usize;
        }
        if let Some(v) = number(&t.pages_fill, 0.0..=1.0, "pages_fill") {
            lint.pages_fill = v;
        }
        if let Some(v) = number(&t.measure, 10.0..=200.0, "measure") {
            lint.measure = v as usize;
        }
        for name in t.skip.iter().flatten() {
            match LintRule::ALL.iter().find(|r| r.name() == name.get_ref()) {
                Some(r) => lint.skip.push(*r),
                None => {
                    let names: Vec<&str> = LintRule::ALL.iter().map(|r| r.name()).collect();
                    let hint = match did_you_mean(name.get_ref(), names.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("the rules: {}", names.join(", ")),
                    };
                    diags.push(
                        Diagnostic::error(
                            Some(self.pos(name.span())),
                            format!("`{}` is not a lint rule", name.get_ref()),
                        )
                        .with_hint(hint),
                    );
                }
            }
        }
        lint
    }

    /// Checks a publication's `output` pattern against its `each` and `key`.
    fn check_output(
        &self,
        name: &str,
        p: &PublicationToml,
        output: &str,
        output_at: &Option<Position>,
        diags: &mut Vec<Diagnostic>,
    ) {
        if let Err(msg) = check_output_pattern(output) {
            diags.push(Diagnostic::error(output_at.clone(), msg));
        }
        if p.each.is_none() && output.contains('{') {
            diags.push(
                Diagnostic::error(
                    output_at.clone(),
                    "`output` uses `{…}` fields, but the publication has no `each`",
                )
                .with_hint(
                    "add `each = \"<list>\"` to make one PDF per item, or remove the braces",
                ),
            );
        }
        let key = p.key.as_deref().unwrap_or("id");
        if let Some(each) = &p.each
            && !output.contains(&format!("{{{key}}}"))
        {
            diags.push(
                Diagnostic::error(output_at.clone(), format!("`output` must contain `{{{key}}}` so that every item of `{}` gets its own file", each.get_ref()))
                    .with_hint(format!("for example `output = \"{name}/{{{key}}}.pdf\"`")),
            );
        }
    }

    /// A publication's `[print]` table over the defaults.
    fn print_settings(&self, pt: Option<&PrintToml>, diags: &mut Vec<Diagnostic>) -> PrintSettings {
        let mut print = PrintSettings::default();
        let Some(pt) = pt else { return print };
        if let Some(trim) = &pt.trim {
            match parse_size(trim.get_ref()) {
                Ok((w, h)) => (print.trim_width, print.trim_height) = (w, h),
                Err(msg) => diags.push(Diagnostic::error(Some(self.pos(trim.span())), msg)),
            }
        }
        for (field, target) in [(&pt.bleed, &mut print.bleed), (&pt.safe, &mut print.safe)] {
            if let Some(v) = field {
                match parse_length(v.get_ref()) {
                    Ok(l) => *target = l,
                    Err(msg) => diags.push(Diagnostic::error(Some(self.pos(v.span())), msg)),
                }
            }
        }
        if let Some(m) = pt.marks {
            print.marks = m;
        }
        if let Some(ink) = &pt.max_ink {
            match *ink.get_ref() {
                v if (100.0..=400.0).contains(&v) => print.max_ink = v,
                v => diags.push(
                    Diagnostic::error(
                        Some(self.pos(ink.span())),
                        format!("`max_ink = {v}` is not a total ink limit"),
                    )
                    .with_hint("the sum of C, M, Y and K in percent, from 100 to 400 (350 is usual for coated paper, 300–320 for uncoated)"),
                ),
            }
        }
        print
    }

    /// The PDF/X part among a print variant's standards: at most one, and
    /// on its own (PDF/X fixes the PDF version and the colour, which the
    /// other standards would set otherwise).
    fn pdfx(
        &self,
        standards: &[String],
        at: &Option<Position>,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<PdfX> {
        let parts: Vec<PdfX> = standards
            .iter()
            .filter_map(|s| PdfX::from_name(s))
            .collect();
        let part = *parts.first()?;
        if standards.len() > 1 {
            diags.push(
                Diagnostic::error(
                    at.clone(),
                    format!(
                        "`{}` cannot be combined with other standards ({})",
                        part.name(),
                        standards.join(", ")
                    ),
                )
                .with_hint("PDF/X sets the PDF version and the colour spaces itself; name it alone, like `pdf_standard = [\"x-4\"]`"),
            );
        }
        Some(part)
    }

    /// A `pdf_standard` list, each name checked, and where it is written.
    fn standards(
        &self,
        name: &str,
        s: Option<&Spanned<Vec<String>>>,
        diags: &mut Vec<Diagnostic>,
    ) -> (Vec<String>, Option<Position>) {
        let Some(s) = s else {
            return (Vec::new(), None);
        };
        let at = Some(self.pos(s.span()));
        for standard in s.get_ref() {
            if !PDF_STANDARDS.contains(&standard.as_str()) {
                let mut d = Diagnostic::error(
                    at.clone(),
                    format!("unknown PDF standard `{standard}` in publication `{name}`"),
                );
                d.hints.push(
                    match did_you_mean(standard, PDF_STANDARDS.iter().copied()) {
                        Some(m) => format!("did you mean `{m}`?"),
                        None => format!("known: {}", PDF_STANDARDS.join(", ")),
                    },
                );
                diags.push(d);
            }
        }
        (s.get_ref().clone(), at)
    }
}
