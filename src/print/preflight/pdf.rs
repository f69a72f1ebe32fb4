//! Reading any PDF for preflight, ours or another tool's: its fonts, page
//! boxes, and what its pages' content streams draw (images and colour).

use std::collections::BTreeSet;

use lopdf::content::Content;
use lopdf::{Dictionary, Document, Object, ObjectId};

use super::{FontReport, PageBoxes};
use crate::print::rect;

pub(super) fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn name_of(o: &Object) -> String {
    match o {
        Object::Name(n) => String::from_utf8_lossy(n).into_owned(),
        _ => String::new(),
    }
}

fn deref<'a>(doc: &'a Document, o: &'a Object) -> &'a Object {
    doc.dereference(o).map(|(_, o)| o).unwrap_or(o)
}

pub(super) fn fonts(doc: &Document) -> Vec<FontReport> {
    let mut out = BTreeSet::new();
    for obj in doc.objects.values() {
        let Ok(dict) = obj.as_dict() else { continue };
        if dict.get(b"Type").ok().map(name_of).as_deref() != Some("Font") {
            continue;
        }
        let subtype = dict.get(b"Subtype").map(name_of).unwrap_or_default();
        if subtype == "CIDFontType0" || subtype == "CIDFontType2" {
            continue; // reported through their Type0 parent
        }
        let name = dict
            .get(b"BaseFont")
            .map(name_of)
            .unwrap_or_else(|_| "(unnamed)".into());
        let descriptor = if subtype == "Type0" {
            dict.get(b"DescendantFonts")
                .ok()
                .map(|d| deref(doc, d))
                .and_then(|d| d.as_array().ok())
                .and_then(|a| a.first())
                .map(|d| deref(doc, d))
                .and_then(|d| d.as_dict().ok())
                .and_then(|d| d.get(b"FontDescriptor").ok())
        } else {
            dict.get(b"FontDescriptor").ok()
        };
        let descriptor = descriptor
            .map(|d| deref(doc, d))
            .and_then(|d| d.as_dict().ok());
        let embedded = subtype == "Type3"
            || descriptor
                .is_some_and(|d| d.has(b"FontFile") || d.has(b"FontFile2") || d.has(b"FontFile3"));
        let subset = name.len() > 7
            && name.as_bytes()[6] == b'+'
            && name[..6].bytes().all(|b| b.is_ascii_uppercase());
        out.insert(FontReport {
            name,
            subtype,
            embedded,
            subset,
        });
    }
    out.into_iter().collect()
}

/// Reads the boxes of a page, following inherited MediaBox.
pub fn page_boxes(doc: &Document, id: ObjectId) -> PageBoxes {
    let get = |key: &[u8]| -> Option<[f32; 4]> {
        let mut node = doc.get_dictionary(id).ok()?;
        for _ in 0..32 {
            if let Ok(o) = node.get(key) {
                return rect(deref(doc, o));
            }
            let parent = node.get(b"Parent").ok()?.as_reference().ok()?;
            node = doc.get_dictionary(parent).ok()?;
        }
        None
    };
    PageBoxes {
        media: get(b"MediaBox").unwrap_or([0.0; 4]),
        bleed: get(b"BleedBox"),
        trim: get(b"TrimBox"),
    }
}

fn resources(doc: &Document, page: ObjectId) -> Dictionary {
    let mut node = doc.get_dictionary(page).ok();
    for _ in 0..32 {
        let Some(n) = node else { break };
        if let Ok(r) = n.get(b"Resources") {
            return deref(doc, r).as_dict().cloned().unwrap_or_default();
        }
        node = n
            .get(b"Parent")
            .ok()
            .and_then(|p| p.as_reference().ok())
            .and_then(|p| doc.get_dictionary(p).ok());
    }
    Dictionary::new()
}

/// The raster images of a page (pixels and effective resolution at their
/// placed size) and whether it uses RGB colour, from its content stream and
/// the forms it draws.
pub(super) fn scan_page(doc: &Document, id: ObjectId) -> (Vec<Placed>, bool) {
    let mut scan = Scan::default();
    if let Ok(content) = Content::decode(&doc.get_page_content(id)) {
        let resources = resources(doc, id);
        scan.run(doc, &content, &resources, [1.0, 0.0, 0.0, 1.0, 0.0, 0.0], 0);
    }
    (scan.images, scan.rgb)
}

/// A raster image as drawn: its pixels, and its effective resolution at
/// the placed size.
pub(super) type Placed = ((i64, i64), f64);

#[derive(Default)]
struct Scan {
    images: Vec<Placed>,
    rgb: bool,
}

type Matrix = [f64; 6];

fn mul(a: Matrix, b: Matrix) -> Matrix {
    [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]
}

fn num(o: &Object) -> f64 {
    o.as_float()
        .map(f64::from)
        .or_else(|_| o.as_i64().map(|i| i as f64))
        .unwrap_or(0.0)
}

impl Scan {
    fn is_rgb_space(doc: &Document, space: &Object) -> bool {
        match deref(doc, space) {
            Object::Name(n) => n == b"DeviceRGB" || n == b"CalRGB",
            Object::Array(a) => match a.first().map(name_of).as_deref() {
                Some("ICCBased") => a
                    .get(1)
                    .map(|s| deref(doc, s))
                    .and_then(|s| s.as_stream().ok())
                    .and_then(|s| s.dict.get(b"N").ok())
                    .is_some_and(|n| num(n) == 3.0),
                Some("CalRGB") => true,
                Some("Indexed") => a.get(1).is_some_and(|b| Self::is_rgb_space(doc, b)),
                _ => false,
            },
            _ => false,
        }
    }

    fn run(
        &mut self,
        doc: &Document,
        content: &Content,
        res: &Dictionary,
        base: Matrix,
        depth: usize,
    ) {
        if depth > 8 {
            return;
        }
        let mut ctm = base;
        let mut stack = Vec::new();
        let space_is_rgb = |name: &Object| -> bool {
            let n = name_of(name);
            if n == "DeviceRGB" {
                return true;
            }
            res.get(b"ColorSpace")
                .ok()
                .map(|c| deref(doc, c))
                .and_then(|c| c.as_dict().ok())
                .and_then(|d| d.get(n.as_bytes()).ok())
                .is_some_and(|s| Self::is_rgb_space(doc, s))
        };
        for op in &content.operations {
            match op.operator.as_str() {
                "q" => stack.push(ctm),
                "Q" => ctm = stack.pop().unwrap_or(base),
                "cm" if op.operands.len() == 6 => {
                    let m: Vec<f64> = op.operands.iter().map(num).collect();
                    ctm = mul([m[0], m[1], m[2], m[3], m[4], m[5]], ctm);
                }
                "rg" | "RG" => self.rgb = true,
                "cs" | "CS" if op.operands.first().is_some_and(space_is_rgb) => self.rgb = true,
                "Do" => {
                    let name = op.operands.first().map(name_of).unwrap_or_default();
                    let xobject = res
                        .get(b"XObject")
                        .ok()
                        .map(|x| deref(doc, x))
                        .and_then(|x| x.as_dict().ok())
                        .and_then(|x| x.get(name.as_bytes()).ok())
                        .map(|x| deref(doc, x))
                        .and_then(|x| x.as_stream().ok());
                    let Some(stream) = xobject else { continue };
                    match stream.dict.get(b"Subtype").map(name_of).as_deref() {
                        Ok("Image") => {
                            let w = stream.dict.get(b"Width").map(num).unwrap_or(0.0);
                            let h = stream.dict.get(b"Height").map(num).unwrap_or(0.0);
                            let placed_w = (ctm[0].powi(2) + ctm[1].powi(2)).sqrt();
                            let placed_h = (ctm[2].powi(2) + ctm[3].powi(2)).sqrt();
                            let is_mask = stream
                                .dict
                                .get(b"ImageMask")
                                .is_ok_and(|m| matches!(m, Object::Boolean(true)));
                            if placed_w > 0.0 && placed_h > 0.0 && !is_mask {
                                let ppi = (w / (placed_w / 72.0)).min(h / (placed_h / 72.0));
                                self.images.push(((w as i64, h as i64), ppi));
                            }
                            if stream
                                .dict
                                .get(b"ColorSpace")
                                .is_ok_and(|s| Self::is_rgb_space(doc, s))
                            {
                                self.rgb = true;
                            }
                        }
                        Ok("Form") => {
                            let matrix = stream
                                .dict
                                .get(b"Matrix")
                                .ok()
                                .and_then(|m| m.as_array().ok())
                                .filter(|m| m.len() == 6)
                                .map(|m| {
                                    [
                                        num(&m[0]),
                                        num(&m[1]),
                                        num(&m[2]),
                                        num(&m[3]),
                                        num(&m[4]),
                                        num(&m[5]),
                                    ]
                                })
                                .unwrap_or([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
                            let form_res = stream
                                .dict
                                .get(b"Resources")
                                .ok()
                                .map(|r| deref(doc, r))
                                .and_then(|r| r.as_dict().ok())
                                .cloned()
                                .unwrap_or_else(|| res.clone());
                            let data = stream
                                .decompressed_content()
                                .unwrap_or_else(|_| stream.content.clone());
                            if let Ok(inner) = Content::decode(&data) {
                                self.run(doc, &inner, &form_res, mul(matrix, ctm), depth + 1);
                            }
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
    }
}
