//! PDF/X: print PDFs that a print shop takes as they are.
//!
//! Neither typst-pdf nor krilla writes PDF/X, so the print stage does, on
//! the exported PDF it already rewrites for the page boxes (one extra pass
//! would cost more than the few objects it adds). Typst is asked for the
//! part's PDF version (1.6 for PDF/X-4, 1.4 for PDF/X-1a:2003), so that
//! krilla keeps to what that version allows; colours are CMYK already
//! (the layouts use `cmyk()`, and [`super::colour`] converts what is not).
//! Here the document gets what the standard adds:
//!
//! - the output intent: a `GTS_PDFX` OutputIntent with the CMYK output
//!   profile embedded unchanged (compressed once per process and reused),
//!   its output condition identifier, registry name and info;
//! - `GTS_PDFXVersion` and `Trapped` in the Info dictionary, with creation
//!   and modification dates (PDF/X requires them: without
//!   `SOURCE_DATE_EPOCH` the date is the Unix epoch, so that identical input
//!   still gives identical bytes);
//! - XMP metadata that agrees with the Info dictionary (title, dates, tool,
//!   `pdfxid:`/`pdfx:GTS_PDFXVersion`, `pdf:Trapped`, document, instance
//!   and version ids, rendition class);
//! - no annotations: links mean nothing on paper, and PDF/X forbids
//!   annotations inside the trim.

use lopdf::{Dictionary, Document, Object, Stream, StringFormat};

use super::profile::OutputProfile;
use crate::project::PdfX;

/// Makes `doc` a PDF/X file of `part` for the printing condition of
/// `profile`, dated `timestamp` (seconds since the Unix epoch).
pub fn write(
    doc: &mut Document,
    part: PdfX,
    profile: &OutputProfile,
    timestamp: i64,
) -> Result<(), String> {
    write_as(doc, part, profile, timestamp, false)
}

/// Like [`write()`]; with `vt`, the XMP metadata also says the file is
/// PDF/VT-1 (ISO 16612-2): `GTS_PDFVTVersion`, and `GTS_PDFVTModDate` equal
/// to `xmp:ModifyDate`. The document part tree is [`super::pdfvt`]'s.
pub fn write_as(
    doc: &mut Document,
    part: PdfX,
    profile: &OutputProfile,
    timestamp: i64,
    vt: bool,
) -> Result<(), String> {
    doc.version = part.pdf_version().to_string();
    let catalog_id = doc
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|_| "the PDF has no catalog")?;
    let intent = output_intent(doc, profile);
    let info = info(doc, part, timestamp);
    let (document_id, instance_id) = ids(doc);
    let xmp = xmp(&info, part, timestamp, &document_id, &instance_id, vt);
    let mut meta = Dictionary::new();
    meta.set("Type", Object::Name(b"Metadata".to_vec()));
    meta.set("Subtype", Object::Name(b"XML".to_vec()));
    // Uncompressed, so that tools that do not parse PDF can find it.
    let metadata = doc.add_object(Stream::new(meta, xmp.into_bytes()).with_compression(false));
    let catalog = doc
        .get_object_mut(catalog_id)
        .and_then(Object::as_dict_mut)
        .map_err(|e| format!("the PDF's catalog: {e}"))?;
    catalog.set("OutputIntents", Object::Array(vec![intent]));
    catalog.set("Metadata", Object::Reference(metadata));
    remove_annotations(doc);
    Ok(())
}

/// The `GTS_PDFX` output intent, its profile added to `doc`.
fn output_intent(doc: &mut Document, profile: &OutputProfile) -> Object {
    let mut dict = Dictionary::new();
    dict.set("N", Object::Integer(4));
    dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
    let stream = Stream::new(dict, profile.compressed().to_vec()).with_compression(false);
    let profile_id = doc.add_object(stream);
    let text = |s: &str| Object::String(s.as_bytes().to_vec(), StringFormat::Literal);
    let mut intent = Dictionary::new();
    intent.set("Type", Object::Name(b"OutputIntent".to_vec()));
    intent.set("S", Object::Name(b"GTS_PDFX".to_vec()));
    intent.set(
        "OutputConditionIdentifier",
        text_string(&profile.description),
    );
    intent.set("OutputCondition", text_string(&profile.description));
    intent.set("RegistryName", text("http://www.color.org"));
    intent.set("Info", text_string(&profile.description));
    intent.set("DestOutputProfile", Object::Reference(profile_id));
    Object::Dictionary(intent)
}

/// What the Info dictionary says, as strings, for the XMP.
struct Info {
    title: Option<String>,
    author: Option<String>,
    creator: Option<String>,
    producer: Option<String>,
}

/// Sets the Info dictionary's PDF/X keys and dates; returns what the XMP
/// must repeat.
fn info(doc: &mut Document, part: PdfX, timestamp: i64) -> Info {
    let existing = doc.trailer.get(b"Info").and_then(Object::as_reference).ok();
    let info_id = match existing {
        Some(id) if doc.get_dictionary(id).is_ok() => id,
        _ => {
            let id = doc.add_object(Dictionary::new());
            doc.trailer.set("Info", Object::Reference(id));
            id
        }
    };
    let date = pdf_date(timestamp);
    let Ok(dict) = doc.get_dictionary_mut(info_id) else {
        return Info {
            title: None,
            author: None,
            creator: None,
            producer: None,
        };
    };
    dict.set("GTS_PDFXVersion", text_string(part.version_key()));
    if part == PdfX::X1a {
        // Not required by the 2003 edition, but read by tools made for the
        // 2001 one (which required it).
        dict.set("GTS_PDFXConformance", text_string(part.version_key()));
    }
    dict.set("Trapped", Object::Name(b"False".to_vec()));
    dict.set("CreationDate", text_string(&date));
    dict.set("ModDate", text_string(&date));
    let get = |key: &[u8]| dict.get(key).ok().and_then(read_text_string);
    Info {
        title: get(b"Title"),
        author: get(b"Author"),
        creator: get(b"Creator"),
        producer: get(b"Producer"),
    }
}

/// The document's two ids (from the trailer's `/ID`, which krilla derives
/// from the document's identity and content), as XMP uuids.
fn ids(doc: &Document) -> (String, String) {
    let id = |i: usize| -> Option<Vec<u8>> {
        match doc.trailer.get(b"ID").ok()?.as_array().ok()?.get(i)? {
            Object::String(bytes, _) => Some(bytes.clone()),
            _ => None,
        }
    };
    let fallback = typst::utils::hash128(&doc.version).to_be_bytes().to_vec();
    let first = id(0).unwrap_or_else(|| fallback.clone());
    let second = id(1).unwrap_or(first.clone());
    (uuid(&first), uuid(&second))
}

/// `uuid:xxxxxxxx-xxxx-…` from (up to) 16 bytes.
fn uuid(bytes: &[u8]) -> String {
    let mut b = [0u8; 16];
    for (i, v) in bytes.iter().take(16).enumerate() {
        b[i] = *v;
    }
    let hex: String = b.iter().map(|v| format!("{v:02x}")).collect();
    format!(
        "uuid:{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The XMP packet: the Info dictionary's values and the PDF/X keys (and
/// with `vt`, the PDF/VT-1 keys).
fn xmp(
    info: &Info,
    part: PdfX,
    timestamp: i64,
    document_id: &str,
    instance_id: &str,
    vt: bool,
) -> String {
    let date = xmp_date(timestamp);
    let mut fields = String::new();
    fields.push_str("   <dc:format>application/pdf</dc:format>\n");
    if let Some(title) = &info.title {
        fields.push_str(&format!(
            "   <dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">{}</rdf:li></rdf:Alt></dc:title>\n",
            escape(title)
        ));
    }
    if let Some(author) = &info.author {
        fields.push_str(&format!(
            "   <dc:creator><rdf:Seq><rdf:li>{}</rdf:li></rdf:Seq></dc:creator>\n",
            escape(author)
        ));
    }
    for (key, value) in [
        ("xmp:CreateDate", Some(date.clone())),
        ("xmp:ModifyDate", Some(date.clone())),
        ("xmp:MetadataDate", Some(date.clone())),
        ("xmp:CreatorTool", info.creator.clone()),
        ("pdf:Producer", info.producer.clone()),
        ("pdf:Trapped", Some("False".into())),
        ("xmpMM:DocumentID", Some(document_id.into())),
        ("xmpMM:InstanceID", Some(instance_id.into())),
        ("xmpMM:VersionID", Some("1".into())),
        ("xmpMM:RenditionClass", Some("default".into())),
        (
            match part {
                PdfX::X4 => "pdfxid:GTS_PDFXVersion",
                PdfX::X1a => "pdfx:GTS_PDFXVersion",
            },
            Some(part.version_key().into()),
        ),
        ("pdfvtid:GTS_PDFVTVersion", vt.then(|| "PDF/VT-1".into())),
        ("pdfvtid:GTS_PDFVTModDate", vt.then(|| date.clone())),
    ] {
        if let Some(v) = value {
            fields.push_str(&format!("   <{key}>{}</{key}>\n", escape(&v)));
        }
    }
    let vt_ns = if vt {
        "\n    xmlns:pdfvtid=\"http://www.npes.org/pdfvt/ns/id/\""
    } else {
        ""
    };
    format!(
        "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n\
<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n\
 <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n\
  <rdf:Description rdf:about=\"\"\n\
    xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n\
    xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"\n\
    xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\"\n\
    xmlns:xmpMM=\"http://ns.adobe.com/xap/1.0/mm/\"\n\
    xmlns:pdfx=\"http://ns.adobe.com/pdfx/1.3/\"\n\
    xmlns:pdfxid=\"http://www.npes.org/pdfx/ns/id/\"{vt_ns}>\n\
{fields}  </rdf:Description>\n\
 </rdf:RDF>\n\
</x:xmpmeta>\n\
<?xpacket end=\"w\"?>"
    )
}

/// Removes every page's annotations (links): a print PDF has no use for
/// them, and PDF/X forbids them inside the trim.
fn remove_annotations(doc: &mut Document) {
    let pages: Vec<_> = doc.get_pages().into_values().collect();
    for id in pages {
        if let Ok(page) = doc.get_object_mut(id).and_then(Object::as_dict_mut) {
            page.remove(b"Annots");
        }
    }
}

/// Escapes text for XML.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A PDF text string: PDFDocEncoding where the text is ASCII, else
/// UTF-16BE with a byte order mark.
pub fn text_string(s: &str) -> Object {
    if s.is_ascii() {
        Object::String(s.as_bytes().to_vec(), StringFormat::Literal)
    } else {
        let mut bytes = vec![0xFE, 0xFF];
        for unit in s.encode_utf16() {
            bytes.extend_from_slice(&unit.to_be_bytes());
        }
        Object::String(bytes, StringFormat::Hexadecimal)
    }
}

/// Decodes a PDF text string (UTF-16BE with a byte order mark, UTF-8 with
/// one, or PDFDocEncoding read as Latin-1).
pub fn read_text_string(o: &Object) -> Option<String> {
    let Object::String(bytes, _) = o else {
        return None;
    };
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        return Some(String::from_utf16_lossy(&units));
    }
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return Some(String::from_utf8_lossy(rest).into_owned());
    }
    Some(bytes.iter().map(|b| char::from(*b)).collect())
}

/// `(year, month, day, hour, minute, second)` in UTC.
fn utc(timestamp: i64) -> (i32, u8, u8, i64, i64, i64) {
    let (y, m, d) = civil(timestamp.div_euclid(86_400));
    let rem = timestamp.rem_euclid(86_400);
    (y, m, d, rem / 3600, rem % 3600 / 60, rem % 60)
}

/// A PDF date: `D:YYYYMMDDHHmmSSZ`.
pub fn pdf_date(timestamp: i64) -> String {
    let (y, m, d, h, min, s) = utc(timestamp);
    format!("D:{y:04}{m:02}{d:02}{h:02}{min:02}{s:02}Z")
}

/// An XMP date: `YYYY-MM-DDTHH:mm:SSZ`.
pub fn xmp_date(timestamp: i64) -> String {
    let (y, m, d, h, min, s) = utc(timestamp);
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}Z")
}

/// Civil date (year, month, day) of a day count since 1970-01-01.
pub fn civil(days: i64) -> (i32, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    ((yoe + era * 400 + i64::from(month <= 2)) as i32, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(pdf_date(0), "D:19700101000000Z");
        assert_eq!(xmp_date(1_700_000_000), "2023-11-14T22:13:20Z");
    }
}
