//! One document: typeset a job's layout with its data, check the laid-out
//! pages, run the print stage on print variants, export the PDF. Every
//! warning and error comes back as data; nothing is written here.
//!
//! - [`inputs`](mod@inputs): what the template receives (`sys.inputs` and the job's own
//!   data);
//! - [`diagnose`]: Typst's diagnostics converted to ours, and the checks on
//!   the laid-out pages (empty boxes, page count and overset text).
//!
//! The print stage itself ([`crate::print`]) works on the laid-out frames
//! and on the exported PDF.

pub mod diagnose;
pub mod inputs;
pub mod merged;
pub mod preview;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use typst::diag::{SourceDiagnostic, Warned};
use typst::foundations::Smart;
use typst_layout::PagedDocument;

pub use self::diagnose::{convert, missing_glyphs, page_text_runs};
pub use self::inputs::{Inputs, RESERVED_INPUTS, inputs, inputs_json};
use crate::diag::{Diagnostic, Sources};
use crate::prepare::Prepared;
use crate::print::{self, preflight};
use crate::project::{PdfX, Variant};
use crate::world::{JobWorld, ProjectWorld};

/// The item a job repeats over.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Record {
    /// Index in the list.
    pub index: usize,
    /// Its key (`id`) value.
    pub key: String,
}

/// One PDF to build.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Job {
    /// Index of the publication in the prepared list.
    pub publication: usize,
    /// Name of the publication.
    pub name: String,
    /// Print or screen.
    pub variant: Variant,
    /// The record, for `each` publications.
    pub record: Option<Record>,
    /// Output path relative to the output folder.
    pub output: PathBuf,
}

impl Job {
    /// The key of its record, for `each` publications.
    pub fn record_key(&self) -> Option<&str> {
        self.record.as_ref().map(|r| r.key.as_str())
    }

    /// A human description: `handout (record sotetsu, print)`.
    pub fn describe(&self) -> String {
        match &self.record {
            Some(r) => format!(
                "publication `{}`, record `{}`, {} variant",
                self.name, r.key, self.variant
            ),
            None => format!("publication `{}`, {} variant", self.name, self.variant),
        }
    }
}

/// Options that shape every compilation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CompileOptions {
    /// PDF creation date (seconds since the Unix epoch); `None` omits it.
    pub creation_timestamp: Option<i64>,
    /// Also render the pages to PNG at this resolution (`build --png`).
    pub png_ppi: Option<f64>,
}

/// What a compilation is asked to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wanted {
    /// The job's own PDF.
    pub pdf: bool,
    /// Its pages staged for a merged file (`merge`) of this PDF/X part (or
    /// none): sized and coloured for it, with their marks.
    pub staged: Option<Option<PdfX>>,
}

impl Default for Wanted {
    /// The job's PDF, nothing else.
    fn default() -> Self {
        Wanted {
            pdf: true,
            staged: None,
        }
    }
}

/// A job's pages after the print stage, ready to be exported with other
/// records' into a merged file.
#[derive(Debug, Clone)]
pub struct Staged {
    /// The pages: images sized and coloured for the output, colours in
    /// the output profile's CMYK for PDF/X, marks and bleed for print;
    /// without introspection tags and internal links (they would mix
    /// between records).
    pub document: PagedDocument,
    /// What preflight needs to know of the pages (print variants).
    pub findings: Option<preflight::Findings>,
}

/// The result of compiling one job.
#[derive(Debug)]
pub struct Compiled {
    /// The PDF, when compilation succeeded.
    pub pdf: Option<Vec<u8>>,
    /// The staged pages, when asked for and compilation succeeded.
    pub staged: Option<Staged>,
    /// Number of pages.
    pub pages: usize,
    /// Warnings and errors.
    pub diagnostics: Vec<Diagnostic>,
    /// Texts of the files the diagnostics point into.
    pub sources: Sources,
    /// Files the compilation read, as project-relative paths, each with
    /// the [`crate::digest`] of its bytes where the world hashed them as it
    /// read them (the content's photos).
    pub accessed: Vec<(PathBuf, Option<u128>)>,
    /// Time taken.
    pub duration: Duration,
    /// Time per phase.
    pub phases: Phases,
    /// The pages as PNG files: (path relative to the output folder, bytes).
    pub pngs: Vec<(PathBuf, Vec<u8>)>,
}

/// Time spent in each phase of a job.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Phases {
    /// Typst evaluation and layout.
    pub typeset: Duration,
    /// The checks on the laid-out pages: missing glyphs, page count and
    /// the typographic lint.
    pub lint: Duration,
    /// Print stage and PDF export (font subsetting, compression).
    pub export: Duration,
    /// Page boxes and preflight of print PDFs.
    pub finish: Duration,
    /// Writing the file.
    pub write: Duration,
}

impl std::ops::AddAssign for Phases {
    fn add_assign(&mut self, o: Self) {
        self.typeset += o.typeset;
        self.lint += o.lint;
        self.export += o.export;
        self.finish += o.finish;
        self.write += o.write;
    }
}

/// Compiles one job with its `inputs` (from [`inputs()`]) to what is
/// `wanted`: its PDF bytes, its pages staged for a merged file, or both.
/// Nothing is written.
pub fn compile(
    world: &ProjectWorld,
    p: &Prepared,
    job: &Job,
    inputs: Inputs,
    options: &CompileOptions,
    shown: &Path,
    wanted: Wanted,
) -> Compiled {
    let start = Instant::now();
    let job_world = job_world(world, p, image_target(p, job.variant), inputs);
    let mut sources = Sources::new();
    let mut phases = Phases::default();
    let Typeset {
        document,
        mut diagnostics,
    } = typeset(&job_world, p, job, &mut sources, &mut phases);
    let mut clock = Clock(Instant::now());
    let (mut pdf, mut staged, mut pages, mut pngs) = (None, None, 0, Vec::new());
    if let Some(document) = document {
        pages = document.pages().len();
        if let Some(ppi) = options.png_ppi {
            // CMYK photos (print's, made as they were read) as they print.
            let proofed = p
                .output_profile
                .as_deref()
                .filter(|_| job.variant == Variant::Print)
                .map(|profile| print::images::proofed(&document, profile, world.images()));
            pngs = crate::render::files(proofed.as_ref().unwrap_or(&document), &job.output, ppi);
        }
        let mut exporting = Exporting {
            world: &job_world,
            p,
            job,
            options,
            sources: &mut sources,
            phases: &mut phases,
            clock: &mut clock,
        };
        if wanted.pdf {
            match exporting.pdf(&document, shown) {
                Ok((bytes, found)) => {
                    diagnostics.extend(found);
                    pdf = Some(bytes);
                }
                Err(errors) => {
                    // A character without a glyph is reported once, at its
                    // place in the content (or page): not again by the PDF
                    // standard that refuses it.
                    let glyphs_reported = !p.uncovered.is_empty()
                        || diagnostics.iter().any(|d| d.message.contains(NO_GLYPH));
                    diagnostics.extend(errors.into_iter().filter(|e| {
                        !(glyphs_reported && e.message.contains("could not be displayed with"))
                    }));
                }
            }
        }
        if let Some(part) = wanted.staged {
            match exporting.stage(&document, part) {
                Ok(mut s) => {
                    s.document = merged::detached(&s.document);
                    staged = Some(s);
                }
                // Said once: the PDF's own staging reported the same.
                Err(errors) if wanted.pdf && pdf.is_none() => drop(errors),
                Err(errors) => diagnostics.extend(errors),
            }
        }
    }
    let context = job.describe();
    let diagnostics: Vec<Diagnostic> = diagnostics
        .into_iter()
        .map(|d| d.with_context(&context))
        .collect();
    if diagnostics.iter().any(Diagnostic::is_error) {
        pdf = None;
        staged = None;
    }
    Compiled {
        pdf,
        staged,
        pages,
        diagnostics,
        sources,
        accessed: job_world.accessed(),
        duration: start.elapsed(),
        phases,
        pngs,
    }
}

/// What [`missing_glyphs`] says of a character without a glyph.
const NO_GLYPH: &str = "has no glyph in any font";

/// A job typeset, before export: its pages (when Typst succeeded) and what
/// Typst and the checks on the laid-out pages found.
pub struct Typeset {
    /// The laid-out document.
    pub document: Option<PagedDocument>,
    /// Typst's warnings and errors, missing glyphs, the page count and,
    /// on a publication's first variant, the typographic lint.
    pub diagnostics: Vec<Diagnostic>,
}

/// The world a job of `p` is typeset in: the project's, with the job's
/// library and data, and the content's images served made for their
/// frames in `images`.
fn job_world<'w>(
    world: &'w ProjectWorld,
    p: &Prepared,
    images: print::images::Target,
    inputs: Inputs,
) -> JobWorld<'w> {
    world
        .job(p.main, inputs.library, inputs.data)
        .reducing(p.image_frames.clone(), images)
}

/// How the images of `p` come out in `variant`: resolution, quality and,
/// for print, the output profile's CMYK.
fn image_target(p: &Prepared, variant: Variant) -> print::images::Target {
    let print = variant == Variant::Print;
    print::images::Target::new(&p.images, print, p.output_profile.clone().filter(|_| print))
}

/// Typesets `job` in `job_world` and checks the laid-out pages; the texts
/// the diagnostics point into go to `sources`, the time to `phases`.
pub fn typeset(
    job_world: &JobWorld,
    p: &Prepared,
    job: &Job,
    sources: &mut Sources,
    phases: &mut Phases,
) -> Typeset {
    let mut clock = Clock(Instant::now());
    let Warned { output, warnings } = typst::compile::<PagedDocument>(job_world);
    phases.typeset = clock.lap();
    let mut diagnostics: Vec<Diagnostic> = warnings
        .iter()
        .map(|w| convert(job_world, w, sources))
        .collect();
    let document = match output {
        Err(errors) => {
            diagnostics.extend(errors.iter().map(|e| convert(job_world, e, sources)));
            None
        }
        Ok(document) => {
            diagnostics.extend(missing_glyphs(&document, &p.uncovered));
            diagnostics.extend(diagnose::check_pages(p, &document));
            if p.publication.variants.first() == Some(&job.variant) {
                diagnostics.extend(diagnose::lint(p, job.record_key(), &document));
            }
            phases.lint = clock.lap();
            Some(document)
        }
    };
    Typeset {
        document,
        diagnostics,
    }
}

/// Measures the phases of a job one after the other.
struct Clock(Instant);

impl Clock {
    /// The time since the last lap.
    fn lap(&mut self) -> Duration {
        let now = Instant::now();
        std::mem::replace(&mut self.0, now).elapsed()
    }
}

/// A laid-out document on its way to PDF bytes.
struct Exporting<'a, 'w> {
    world: &'a JobWorld<'w>,
    p: &'a Prepared,
    job: &'a Job,
    options: &'a CompileOptions,
    sources: &'a mut Sources,
    phases: &'a mut Phases,
    clock: &'a mut Clock,
}

impl Exporting<'_, '_> {
    /// The print stage on the frames, for an output of PDF/X `part` (or
    /// none): images sized (and for print, CMYK), for PDF/X the colours in
    /// the output profile's CMYK, what preflight needs to know of the
    /// pages, and for print the marks and bleed.
    fn stage(
        &mut self,
        document: &PagedDocument,
        part: Option<PdfX>,
    ) -> Result<Staged, Vec<Diagnostic>> {
        let publication = &self.p.publication;
        let print = self.job.variant == Variant::Print;
        // PDF/X: RGB colours become the output profile's CMYK.
        let pdfx = part.filter(|_| print).zip(self.p.output_profile.as_deref());
        let images = image_target(self.p, self.job.variant);
        let (sized, problems) =
            print::images::convert(document, &images, self.world.base().images());
        self.report(problems)?;
        let converted = match pdfx {
            Some((part, profile)) => Some(self.in_cmyk(&sized, profile, part)?),
            None => None,
        };
        let document = converted.as_ref().unwrap_or(&sized);
        // What preflight sees on the frames: the pages as they will print.
        let findings = print.then(|| preflight::findings(document, publication.print.safe));
        let document = print::apply(document, &publication.print.for_variant(self.job.variant));
        Ok(Staged { document, findings })
    }

    /// Runs the print stage on the frames, exports, and for print variants
    /// writes the page boxes and runs preflight. Returns the bytes and what
    /// preflight found, or the errors that stopped the export.
    fn pdf(
        &mut self,
        document: &PagedDocument,
        shown: &Path,
    ) -> Result<(Vec<u8>, Vec<Diagnostic>), Vec<Diagnostic>> {
        let publication = &self.p.publication;
        let print = self.job.variant == Variant::Print;
        let pdfx = publication
            .pdfx
            .filter(|_| print)
            .zip(self.p.output_profile.as_deref());
        let Staged { document, findings } = self.stage(document, publication.pdfx)?;
        let exported = export(&document, self.p, self.job, self.options);
        self.phases.export = self.clock.lap();
        let bytes = exported.map_err(|errors| self.standard_errors(&errors))?;
        let Some(findings) = findings else {
            self.phases.finish = self.clock.lap();
            return Ok((bytes, Vec::new()));
        };
        let expect = preflight::Expectations {
            trim: Some((publication.print.trim_width, publication.print.trim_height)),
            bleed: Some(publication.print.bleed),
            print: true,
            pages: publication.pages,
            standard: pdfx.map(|(part, _)| part),
            max_ink: pdfx.map(|_| publication.print.max_ink),
            reported_images: (*self.p.reported_images).clone(),
            images: self.p.images,
            vt: false,
        };
        let output = pdfx.map(|(part, profile)| print::PdfXOutput {
            part,
            profile,
            // PDF/X requires dates: without SOURCE_DATE_EPOCH, the epoch,
            // so that identical input still gives identical bytes.
            timestamp: self.options.creation_timestamp.unwrap_or(0),
        });
        let finished = print::finish(&bytes, &publication.print, output, &expect, shown, findings);
        self.phases.finish = self.clock.lap();
        match finished {
            Ok((bytes, report)) => Ok((bytes, report.diagnostics)),
            Err(msg) => Err(vec![Diagnostic::error(None, msg)]),
        }
    }

    /// The document with its RGB colours in the output profile's CMYK; a
    /// colour that cannot be converted is an error at the layout line that
    /// drew it.
    fn in_cmyk(
        &mut self,
        document: &PagedDocument,
        profile: &print::profile::OutputProfile,
        part: PdfX,
    ) -> Result<PagedDocument, Vec<Diagnostic>> {
        let (converted, problems) = print::colour::to_cmyk(document, profile, part);
        self.report(problems)?;
        Ok(converted)
    }

    /// What the print stage could not do to the frames, as errors at the
    /// layout lines concerned.
    fn report(&mut self, problems: Vec<print::Unconverted>) -> Result<(), Vec<Diagnostic>> {
        if problems.is_empty() {
            return Ok(());
        }
        Err(problems
            .into_iter()
            .map(|u| {
                let d = SourceDiagnostic::error(u.span, u.message);
                convert(self.world, &d, self.sources).with_hint(u.hint)
            })
            .collect())
    }

    /// Export errors come from the PDF standards: they point at where the
    /// manifest asks for them.
    fn standard_errors(&mut self, errors: &[SourceDiagnostic]) -> Vec<Diagnostic> {
        let at = match self.job.variant {
            Variant::Print => &self.p.publication.print_standards_at,
            Variant::Screen => &self.p.publication.screen_standards_at,
        };
        errors
            .iter()
            .map(|e| {
                let mut d = convert(self.world, e, self.sources);
                if d.position.is_none() {
                    d.position = at.clone();
                }
                if d.message.contains("missing document date") {
                    d.hints.push(
                        "set SOURCE_DATE_EPOCH or pass --creation-timestamp: pamphlet leaves the date out by default so that builds are reproducible".into(),
                    );
                }
                d
            })
            .collect()
    }
}

fn export(
    document: &PagedDocument,
    p: &Prepared,
    job: &Job,
    options: &CompileOptions,
) -> typst::diag::SourceResult<Vec<u8>> {
    let pdfx = p.publication.pdfx.filter(|_| job.variant == Variant::Print);
    let standards = match (job.variant, pdfx) {
        // PDF/X is written by the print stage; Typst keeps to its PDF version.
        (Variant::Print, Some(part)) => vec![part.pdf_version().to_string()],
        (Variant::Print, None) => p.publication.print_standards.clone(),
        (Variant::Screen, _) => p.publication.screen_standards.clone(),
    };
    let ident = format!(
        "pamphlet/{}/{}/{}",
        job.name,
        job.record.as_ref().map_or("-", |r| r.key.as_str()),
        job.variant
    );
    // Print PDFs go to a print shop; the tag tree is for the screen variant.
    let tagged = job.variant == Variant::Screen || (!standards.is_empty() && pdfx.is_none());
    export_as(document, &standards, ident, tagged, options)
}

/// Exports `document` to PDF bytes for `standards` (as the manifest names
/// them), with its identity `ident`, tagged or not.
fn export_as(
    document: &PagedDocument,
    standards: &[String],
    ident: String,
    tagged: bool,
    options: &CompileOptions,
) -> typst::diag::SourceResult<Vec<u8>> {
    let list: Vec<typst_pdf::PdfStandard> = standards
        .iter()
        .filter_map(|s| serde_json::from_value(serde_json::Value::String(s.clone())).ok())
        .collect();
    let standards = typst_pdf::PdfStandards::new(&list).map_err(|e| {
        ecow::eco_vec![SourceDiagnostic::error(
            typst::syntax::Span::detached(),
            e.message().clone()
        )]
    })?;
    let timestamp = options.creation_timestamp.and_then(timestamp);
    let pdf_options = typst_pdf::PdfOptions {
        ident: Smart::Custom(ident),
        creator: Smart::Custom(Some(format!(
            "pamphlet {} (typst 0.15.1)",
            env!("CARGO_PKG_VERSION")
        ))),
        timestamp,
        standards,
        tagged,
        ..Default::default()
    };
    typst_pdf::pdf(document, &pdf_options)
}

/// `document` as a plain PDF (no standard, not tagged), dated
/// `creation_timestamp`: a working document such as `pamphlet diff`'s
/// proof, not an output.
pub fn export_plain(
    document: &PagedDocument,
    creation_timestamp: Option<i64>,
) -> Result<Vec<u8>, String> {
    let pdf_options = typst_pdf::PdfOptions {
        creator: Smart::Custom(Some(format!(
            "pamphlet {} (typst 0.15.1)",
            env!("CARGO_PKG_VERSION")
        ))),
        timestamp: creation_timestamp.and_then(timestamp),
        tagged: false,
        ..Default::default()
    };
    typst_pdf::pdf(document, &pdf_options).map_err(|errors| {
        let messages: Vec<String> = errors.iter().map(|e| e.message.to_string()).collect();
        format!("cannot export: {}", messages.join("; "))
    })
}

fn timestamp(secs: i64) -> Option<typst_pdf::Timestamp> {
    let (year, month, day) = print::pdfx::civil(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    let dt = typst::foundations::Datetime::from_ymd_hms(
        year,
        month,
        day,
        (rem / 3600) as u8,
        (rem % 3600 / 60) as u8,
        (rem % 60) as u8,
    )?;
    Some(typst_pdf::Timestamp::new_utc(dt))
}

/// What `datetime.today()` returns in layouts built at `timestamp`
/// (seconds since the Unix epoch).
pub fn today(timestamp: i64) -> Option<typst::foundations::Datetime> {
    let (y, m, d) = print::pdfx::civil(timestamp.div_euclid(86_400));
    typst::foundations::Datetime::from_ymd(y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_civil_dates() {
        let t = timestamp(1_700_000_000).unwrap();
        let s = format!("{t:?}");
        assert!(s.contains("2023"), "{s}");
    }
}
