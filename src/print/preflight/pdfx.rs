//! Preflight against a PDF/X part, for any PDF: what ISO 15930 requires of
//! the document (output intent, version keys in the Info dictionary and in
//! XMP, dates, PDF version) and of each page (a TrimBox or ArtBox, colour
//! spaces the part allows, no transparency in PDF/X-1a, no annotation
//! inside the trim). Fonts, encryption and the boxes' nesting are checked
//! for every print PDF by the module above.

use std::path::Path;

use lopdf::{Dictionary, Document, ObjectId};

use super::PageBoxes;
use super::pdf::{PageScan, deref};
use crate::diag::{Diagnostic, Position};
use crate::print::pdfx::read_text_string;
use crate::print::rect;
use crate::project::PdfX;

/// What the document-level checks read of a PDF, once: its catalog, its
/// Info dictionary (and `Trapped` in it), and its XMP metadata.
pub(super) struct Facts<'a> {
    catalog: Option<&'a Dictionary>,
    info: Option<&'a Dictionary>,
    /// The Info dictionary's `Trapped`, as a name.
    trapped: Option<String>,
    /// The XMP packet, decompressed.
    pub(super) xmp: Option<String>,
}

impl<'a> Facts<'a> {
    /// Reads them from `doc`.
    pub(super) fn read(doc: &'a Document) -> Facts<'a> {
        let catalog = doc.catalog().ok();
        let info = doc
            .trailer
            .get(b"Info")
            .ok()
            .map(|i| deref(doc, i))
            .and_then(|i| i.as_dict().ok());
        let trapped = info
            .and_then(|i| i.get(b"Trapped").ok())
            .and_then(|t| t.as_name().ok())
            .map(|t| String::from_utf8_lossy(t).into_owned());
        let xmp = catalog
            .and_then(|c| c.get(b"Metadata").ok())
            .map(|m| deref(doc, m))
            .and_then(|m| m.as_stream().ok())
            .map(|s| {
                let bytes = s
                    .decompressed_content()
                    .unwrap_or_else(|_| s.content.clone());
                String::from_utf8_lossy(&bytes).into_owned()
            });
        Facts {
            catalog,
            info,
            trapped,
            xmp,
        }
    }

    /// A text string of the Info dictionary.
    fn info_text(&self, key: &[u8]) -> Option<String> {
        self.info
            .and_then(|i| i.get(key).ok())
            .and_then(read_text_string)
    }
}

/// Reports a document-level error of `path`.
pub(super) struct Errors<'d> {
    diags: &'d mut Vec<Diagnostic>,
    path: &'d Path,
}

impl<'d> Errors<'d> {
    /// Errors go to `diags`, placed at `path`.
    pub(super) fn new(diags: &'d mut Vec<Diagnostic>, path: &'d Path) -> Self {
        Errors { diags, path }
    }

    /// One error with its hint.
    pub(super) fn error(&mut self, message: String, hint: &str) {
        self.diags
            .push(Diagnostic::error(Some(Position::file(self.path)), message).with_hint(hint));
    }
}

/// Checks what the part requires of the whole document: its PDF version,
/// the output intent, the Info dictionary and the XMP metadata.
pub(super) fn check_pdfx(doc: &Document, part: PdfX, diags: &mut Vec<Diagnostic>, path: &Path) {
    let facts = Facts::read(doc);
    let mut errors = Errors::new(diags, path);
    check_version(doc, part, &mut errors);
    check_intent(doc, &facts, part, &mut errors);
    check_info(&facts, part, &mut errors);
    check_xmp(&facts, part, &mut errors);
}

/// The PDF version: the part's, or older.
fn check_version(doc: &Document, part: PdfX, errors: &mut Errors) {
    let version = doc.version.trim();
    if version_number(version) > version_number(part.pdf_version()) {
        errors.error(
            format!(
                "the file is PDF {version}; {} is based on PDF {} and allows nothing newer",
                part.version_key(),
                part.pdf_version()
            ),
            "export with the part's PDF version",
        );
    }
}

/// A `GTS_PDFX` output intent naming its condition, with a CMYK profile
/// (embedded, for PDF/X-4).
fn check_intent(doc: &Document, facts: &Facts, part: PdfX, errors: &mut Errors) {
    let intent = facts
        .catalog
        .and_then(|c| c.get(b"OutputIntents").ok())
        .map(|o| deref(doc, o))
        .and_then(|o| o.as_array().ok())
        .and_then(|a| {
            a.iter()
                .map(|i| deref(doc, i))
                .filter_map(|i| i.as_dict().ok())
                .find(|i| i.get(b"S").ok().and_then(|s| s.as_name().ok()) == Some(b"GTS_PDFX"))
        });
    let Some(intent) = intent else {
        errors.error(
            format!(
                "no PDF/X output intent (an OutputIntent with /S /GTS_PDFX); {} requires one",
                part.version_key()
            ),
            "the output intent names the printing condition (for example Japan Color 2011 Coated) and embeds its ICC profile",
        );
        return;
    };
    if intent.get(b"OutputConditionIdentifier").is_err() {
        errors.error(
            "the PDF/X output intent has no OutputConditionIdentifier".into(),
            "name the printing condition",
        );
    }
    let profile = intent
        .get(b"DestOutputProfile")
        .ok()
        .map(|p| deref(doc, p))
        .and_then(|p| p.as_stream().ok());
    match profile {
        Some(stream) => {
            let n = stream.dict.get(b"N").ok().and_then(|n| n.as_i64().ok());
            if n != Some(4) {
                errors.error(
                    format!("the output intent's profile has {} colour components; a CMYK printing condition has 4", n.map_or("no".into(), |n| n.to_string())),
                    "embed a CMYK output (prtr) profile",
                );
            }
        }
        None if part == PdfX::X4 => errors.error(
            "the PDF/X output intent embeds no DestOutputProfile; PDF/X-4 requires the profile in the file".into(),
            "embed the ICC profile of the printing condition",
        ),
        None => {}
    }
}

/// The Info dictionary: the version key, `Trapped`, and both dates.
fn check_info(facts: &Facts, part: PdfX, errors: &mut Errors) {
    let version_key = facts.info_text(b"GTS_PDFXVersion");
    if !version_key
        .as_deref()
        .is_some_and(|v| v.starts_with(part.version_key()))
    {
        errors.error(
            format!(
                "the Info dictionary's GTS_PDFXVersion is {}, not {}",
                version_key.map_or("missing".into(), |v| format!("`{v}`")),
                part.version_key()
            ),
            "PDF/X files say which part they conform to in the Info dictionary",
        );
    }
    if !matches!(facts.trapped.as_deref(), Some("True" | "False")) {
        errors.error(
            format!(
                "the Info dictionary's Trapped is {}; PDF/X requires True or False",
                facts
                    .trapped
                    .as_ref()
                    .map_or("missing".into(), |t| format!("/{t}"))
            ),
            "say whether the file has been trapped",
        );
    }
    for key in ["CreationDate", "ModDate"] {
        if facts.info_text(key.as_bytes()).is_none() {
            errors.error(
                format!("the Info dictionary has no {key}; PDF/X requires it"),
                "set SOURCE_DATE_EPOCH for a reproducible date",
            );
        }
    }
}

/// The XMP metadata: present for PDF/X-4, agreeing with the Info
/// dictionary, with the dates and ids PDF/X-4 requires.
fn check_xmp(facts: &Facts, part: PdfX, errors: &mut Errors) {
    let Some(xmp) = &facts.xmp else {
        if part == PdfX::X4 {
            errors.error(
                "the document has no XMP metadata; PDF/X-4 requires it".into(),
                "the metadata repeats the version key, the dates and the document ids",
            );
        }
        return;
    };
    let in_xmp = xmp_value(xmp, "GTS_PDFXVersion");
    if in_xmp.as_deref() != facts.info_text(b"GTS_PDFXVersion").as_deref() {
        errors.error(
            format!(
                "the XMP metadata's GTS_PDFXVersion ({}) does not agree with the Info dictionary's",
                in_xmp.unwrap_or_else(|| "missing".into())
            ),
            "the Info dictionary and the XMP metadata must say the same",
        );
    }
    if part != PdfX::X4 {
        return;
    }
    if xmp_value(xmp, "pdf:Trapped") != facts.trapped {
        errors.error(
            "pdf:Trapped in the XMP metadata does not agree with the Info dictionary's Trapped"
                .into(),
            "the Info dictionary and the XMP metadata must say the same",
        );
    }
    for key in [
        "xmp:CreateDate",
        "xmp:ModifyDate",
        "xmpMM:DocumentID",
        "xmpMM:VersionID",
        "xmpMM:RenditionClass",
    ] {
        if xmp_value(xmp, key).is_none() {
            errors.error(
                format!("the XMP metadata has no {key}; PDF/X-4 requires it"),
                "write the document's dates and ids in its metadata",
            );
        }
    }
}

/// Checks what the part requires of one page.
#[allow(clippy::too_many_arguments)]
pub(super) fn check_page(
    doc: &Document,
    id: ObjectId,
    part: PdfX,
    page: usize,
    boxes: &PageBoxes,
    scan: &PageScan,
    diags: &mut Vec<Diagnostic>,
    path: &Path,
) {
    let at = || Some(Position::file(path));
    let has_art = doc.get_dictionary(id).is_ok_and(|p| p.has(b"ArtBox"));
    if boxes.trim.is_none() && !has_art {
        diags.push(Diagnostic::error(
            at(),
            format!("page {page} has neither TrimBox nor ArtBox; PDF/X requires one"),
        ));
    }
    for family in &scan.spaces {
        let allowed = match part {
            PdfX::X4 => family != "DeviceRGB",
            PdfX::X1a => matches!(
                family.as_str(),
                "DeviceCMYK" | "DeviceGray" | "Separation" | "DeviceN"
            ),
        };
        if !allowed {
            let hint = match part {
                PdfX::X4 => {
                    "with a CMYK output intent, PDF/X-4 allows DeviceCMYK, DeviceGray, ICC-based and spot colour; convert RGB to CMYK"
                }
                PdfX::X1a => {
                    "PDF/X-1a allows only CMYK, grey and spot colour (no RGB, no ICC-based colour)"
                }
            };
            diags.push(
                Diagnostic::error(
                    at(),
                    format!(
                        "page {page} uses {family} colour, which {} does not allow",
                        part.version_key()
                    ),
                )
                .with_hint(hint),
            );
        }
    }
    if part == PdfX::X1a {
        for what in &scan.transparency {
            diags.push(
                Diagnostic::error(
                    at(),
                    format!("page {page} uses transparency ({what}); PDF/X-1a allows none"),
                )
                .with_hint("flatten the transparency, or use PDF/X-4"),
            );
        }
    }
    let trim = boxes.trim.or(boxes.bleed).unwrap_or(boxes.media);
    let annots = doc
        .get_dictionary(id)
        .ok()
        .and_then(|p| p.get(b"Annots").ok())
        .map(|a| deref(doc, a))
        .and_then(|a| a.as_array().ok())
        .cloned()
        .unwrap_or_default();
    for annot in annots {
        let Ok(annot) = deref(doc, &annot).as_dict() else {
            continue;
        };
        let subtype = annot
            .get(b"Subtype")
            .ok()
            .and_then(|s| s.as_name().ok())
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .unwrap_or_default();
        if matches!(subtype.as_str(), "PrinterMark" | "TrapNet") {
            continue;
        }
        let Some(r) = annot.get(b"Rect").ok().and_then(rect) else {
            continue;
        };
        let outside = r[2] <= trim[0] || r[0] >= trim[2] || r[3] <= trim[1] || r[1] >= trim[3];
        if !outside {
            diags.push(
                Diagnostic::error(
                    at(),
                    format!(
                        "page {page} has a {subtype} annotation at ({:.0}, {:.0}) inside the trim; PDF/X forbids annotations there",
                        r[0], r[1]
                    ),
                )
                .with_hint("remove links and comments from print PDFs"),
            );
        }
    }
}

/// The value of `key` in an XMP packet, as an element or an attribute.
pub(super) fn xmp_value(xmp: &str, key: &str) -> Option<String> {
    let local = key.rsplit(':').next().unwrap_or(key);
    // An element <ns:key>value</ns:key> (any prefix).
    let mut rest = xmp;
    while let Some(i) = rest.find(&format!(":{local}>")) {
        let after = &rest[i + local.len() + 2..];
        let before = &rest[..i];
        // An opening tag: `<prefix:local>`, not `</prefix:local>`.
        if let Some(lt) = before.rfind('<')
            && !before[lt..].starts_with("</")
            && let Some(end) = after.find('<')
        {
            return Some(after[..end].trim().to_string());
        }
        rest = after;
    }
    // An attribute ns:key="value".
    let attr = format!(":{local}=\"");
    let i = xmp.find(&attr)?;
    let after = &xmp[i + attr.len()..];
    Some(after[..after.find('"')?].to_string())
}

/// A PDF version as a comparable number (`1.6` → 16).
fn version_number(v: &str) -> u32 {
    let (major, minor) = v.split_once('.').unwrap_or((v, "0"));
    major.trim().parse::<u32>().unwrap_or(0) * 10 + minor.trim().parse::<u32>().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xmp_values_as_elements_and_attributes() {
        let xmp = r#"<rdf:Description pdf:Trapped="False"><pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion></rdf:Description>"#;
        assert_eq!(
            xmp_value(xmp, "GTS_PDFXVersion").as_deref(),
            Some("PDF/X-4")
        );
        assert_eq!(xmp_value(xmp, "pdf:Trapped").as_deref(), Some("False"));
        assert_eq!(xmp_value(xmp, "xmp:CreateDate"), None);
        assert!(version_number("1.7") > version_number("1.6"));
    }
}
