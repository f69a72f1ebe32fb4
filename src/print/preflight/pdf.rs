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

/// `o`, or the object it refers to.
pub(super) fn deref<'a>(doc: &'a Document, o: &'a Object) -> &'a Object {
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

pub(super) fn resources(doc: &Document, page: ObjectId) -> Dictionary {
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

/// What a page draws, read from its content stream and the forms it draws.
#[derive(Debug, Default)]
pub(super) struct PageScan {
    /// Raster images with their effective resolution.
    pub images: Vec<Placed>,
    /// Whether it uses RGB colour (device or calibrated).
    pub rgb: bool,
    /// The colour space families it uses: `DeviceRGB`, `DeviceCMYK`,
    /// `DeviceGray`, `ICCBased RGB`, `ICCBased CMYK`, `ICCBased Gray`,
    /// `CalRGB`, `Lab`, `Separation`, …
    pub spaces: BTreeSet<String>,
    /// Where it uses transparency: constant alpha below 1, soft masks,
    /// blend modes other than Normal, transparency groups.
    pub transparency: BTreeSet<String>,
}

/// Scans a page's content stream and the forms it draws.
pub(super) fn scan_page(doc: &Document, id: ObjectId, content: Option<&Content>) -> PageScan {
    let mut scan = PageScan::default();
    if let Ok(page) = doc.get_dictionary(id)
        && let Ok(group) = page.get(b"Group").map(|g| deref(doc, g))
        && group
            .as_dict()
            .is_ok_and(|g| g.get(b"S").map(name_of).is_ok_and(|s| s == "Transparency"))
    {
        scan.transparency
            .insert("a transparency group on the page".into());
    }
    if let Some(content) = content {
        let resources = resources(doc, id);
        scan.run(doc, content, &resources, [1.0, 0.0, 0.0, 1.0, 0.0, 0.0], 0);
    }
    scan
}

/// A page's content stream, decoded once for every check that reads it.
pub(super) fn page_content(doc: &Document, id: ObjectId) -> Option<Content> {
    super::content::decode(&doc.get_page_content(id))
}

/// The family of a colour space object: `DeviceRGB`, `ICCBased CMYK`, ….
fn space_family(doc: &Document, space: &Object) -> String {
    match deref(doc, space) {
        Object::Name(n) => String::from_utf8_lossy(n).into_owned(),
        Object::Array(a) => match a.first().map(name_of).as_deref() {
            Some("ICCBased") => {
                let n = a
                    .get(1)
                    .map(|s| deref(doc, s))
                    .and_then(|s| s.as_stream().ok())
                    .and_then(|s| s.dict.get(b"N").ok())
                    .map(num)
                    .unwrap_or(0.0);
                match n as i64 {
                    1 => "ICCBased Gray".into(),
                    3 => "ICCBased RGB".into(),
                    4 => "ICCBased CMYK".into(),
                    n => format!("ICCBased ({n} components)"),
                }
            }
            Some("Indexed") => a
                .get(1)
                .map(|b| space_family(doc, b))
                .unwrap_or_else(|| "Indexed".into()),
            Some(other) => other.to_string(),
            None => "(empty colour space)".into(),
        },
        _ => "(unknown colour space)".into(),
    }
}

/// Whether a colour space family is RGB.
fn is_rgb_family(family: &str) -> bool {
    matches!(family, "DeviceRGB" | "CalRGB" | "ICCBased RGB")
}

/// The XObject named `name` in `res`.
pub(super) fn xobject<'a>(
    doc: &'a Document,
    res: &'a Dictionary,
    name: &Object,
) -> Option<&'a lopdf::Stream> {
    res.get(b"XObject")
        .ok()
        .map(|x| deref(doc, x))
        .and_then(|x| x.as_dict().ok())
        .and_then(|x| x.get(name_of(name).as_bytes()).ok())
        .map(|x| deref(doc, x))
        .and_then(|x| x.as_stream().ok())
}

/// A form XObject, ready to run: its matrix, resources (its own, or those
/// it is drawn with) and content.
pub(super) struct Form {
    /// Form space to the space it is drawn in.
    pub matrix: Matrix,
    /// The resources its content uses.
    pub resources: Dictionary,
    /// Its content.
    pub content: Content,
}

impl Form {
    /// Reads a form XObject drawn with resources `res`.
    pub(super) fn read(doc: &Document, stream: &lopdf::Stream, res: &Dictionary) -> Option<Form> {
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
        let resources = stream
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
        let content = super::content::decode(&data)?;
        Some(Form {
            matrix,
            resources,
            content,
        })
    }
}

/// A raster image as drawn: its pixels, and its effective resolution at
/// the placed size.
pub(super) type Placed = ((i64, i64), f64);

/// A PDF transformation matrix.
pub(super) type Matrix = [f64; 6];

/// `a` then `b`.
pub(super) fn mul(a: Matrix, b: Matrix) -> Matrix {
    [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]
}

/// A number operand (integer or real).
pub(super) fn num(o: &Object) -> f64 {
    o.as_float()
        .map(f64::from)
        .or_else(|_| o.as_i64().map(|i| i as f64))
        .unwrap_or(0.0)
}

impl PageScan {
    fn space(&mut self, family: String) {
        self.rgb |= is_rgb_family(&family);
        self.spaces.insert(family);
    }

    /// Notes the transparency an ExtGState sets.
    fn ext_gstate(&mut self, doc: &Document, gs: &Dictionary) {
        for key in [b"CA".as_slice(), b"ca"] {
            if let Ok(v) = gs.get(key)
                && num(v) < 1.0
            {
                self.transparency.insert(format!(
                    "constant alpha {} ({})",
                    num(v),
                    String::from_utf8_lossy(key)
                ));
            }
        }
        if let Ok(mask) = gs.get(b"SMask").map(|m| deref(doc, m))
            && !matches!(mask, Object::Name(n) if n == b"None")
        {
            self.transparency.insert("a soft mask".into());
        }
        if let Ok(bm) = gs.get(b"BM").map(|m| deref(doc, m)) {
            let mode = match bm {
                Object::Array(a) => a.first().map(name_of).unwrap_or_default(),
                other => name_of(other),
            };
            if mode != "Normal" && mode != "Compatible" {
                self.transparency.insert(format!("blend mode {mode}"));
            }
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
        let resource = |kind: &[u8], name: &Object| -> Option<Object> {
            res.get(kind)
                .ok()
                .map(|c| deref(doc, c))
                .and_then(|c| c.as_dict().ok())
                .and_then(|d| d.get(name_of(name).as_bytes()).ok())
                .map(|o| deref(doc, o).clone())
        };
        for op in &content.operations {
            match op.operator.as_str() {
                "q" => stack.push(ctm),
                "Q" => ctm = stack.pop().unwrap_or(base),
                "cm" if op.operands.len() == 6 => {
                    let m: Vec<f64> = op.operands.iter().map(num).collect();
                    ctm = mul([m[0], m[1], m[2], m[3], m[4], m[5]], ctm);
                }
                "rg" | "RG" => self.space("DeviceRGB".into()),
                "k" | "K" => self.space("DeviceCMYK".into()),
                "g" | "G" => self.space("DeviceGray".into()),
                "cs" | "CS" => {
                    if let Some(name) = op.operands.first() {
                        let family = match name_of(name).as_str() {
                            n @ ("DeviceRGB" | "DeviceCMYK" | "DeviceGray" | "Pattern") => {
                                n.to_string()
                            }
                            _ => match resource(b"ColorSpace", name) {
                                Some(space) => space_family(doc, &space),
                                None => name_of(name),
                            },
                        };
                        if family != "Pattern" {
                            self.space(family);
                        }
                    }
                }
                "gs" => {
                    if let Some(Object::Dictionary(gs)) =
                        op.operands.first().and_then(|n| resource(b"ExtGState", n))
                    {
                        self.ext_gstate(doc, &gs);
                    }
                }
                "sh" => {
                    if let Some(space) = op
                        .operands
                        .first()
                        .and_then(|n| resource(b"Shading", n))
                        .and_then(|sh| match sh {
                            Object::Dictionary(d) => d.get(b"ColorSpace").ok().cloned(),
                            Object::Stream(s) => s.dict.get(b"ColorSpace").ok().cloned(),
                            _ => None,
                        })
                    {
                        self.space(space_family(doc, &space));
                    }
                }
                "Do" => {
                    let Some(stream) = op.operands.first().and_then(|n| xobject(doc, res, n))
                    else {
                        continue;
                    };
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
                            if let Ok(space) = stream.dict.get(b"ColorSpace") {
                                self.space(space_family(doc, space));
                            }
                            if stream.dict.has(b"SMask") || stream.dict.has(b"SMaskInData") {
                                self.transparency.insert("an image with a soft mask".into());
                            }
                        }
                        Ok("Form") => {
                            if stream
                                .dict
                                .get(b"Group")
                                .map(|g| deref(doc, g))
                                .ok()
                                .and_then(|g| g.as_dict().ok())
                                .is_some_and(|g| {
                                    g.get(b"S").map(name_of).is_ok_and(|s| s == "Transparency")
                                })
                            {
                                self.transparency.insert("a transparency group".into());
                            }
                            if let Some(form) = Form::read(doc, stream, res) {
                                self.run(
                                    doc,
                                    &form.content,
                                    &form.resources,
                                    mul(form.matrix, ctm),
                                    depth + 1,
                                );
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
