//! Lengths and paper sizes as the manifest and the command line write them
//! (`3mm`, `a4`, `210mm x 297mm`), in PDF points.

/// Millimetres to points.
pub fn mm(v: f64) -> f64 {
    v * 72.0 / 25.4
}

/// Parses a length like `3mm`, `0.5cm`, `10pt`, `0.125in` into points.
pub fn parse_length(s: &str) -> Result<f64, String> {
    let s = s.trim();
    let split = s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let v: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a length (like `3mm`)"))?;
    let pt = match unit.trim() {
        "mm" => mm(v),
        "cm" => mm(v * 10.0),
        "pt" => v,
        "in" => v * 72.0,
        _ => return Err(format!("`{s}` has no unit; use mm, cm, pt or in")),
    };
    if !(0.0..=mm(1000.0)).contains(&pt) {
        return Err(format!("`{s}` is out of range"));
    }
    Ok(pt)
}

/// Named trim sizes (portrait), in millimetres.
pub const PAPER_SIZES: &[(&str, f64, f64)] = &[
    ("a3", 297.0, 420.0),
    ("a4", 210.0, 297.0),
    ("a5", 148.0, 210.0),
    ("a6", 105.0, 148.0),
    ("b4-jis", 257.0, 364.0),
    ("b5-jis", 182.0, 257.0),
    ("b6-jis", 128.0, 182.0),
    ("letter", 215.9, 279.4),
];

/// Parses a trim size: a name (`a4`, `b5-jis`) or `WIDTH x HEIGHT` with units.
pub fn parse_size(s: &str) -> Result<(f64, f64), String> {
    let lower = s.trim().to_ascii_lowercase();
    if let Some((_, w, h)) = PAPER_SIZES.iter().find(|(n, ..)| *n == lower) {
        return Ok((mm(*w), mm(*h)));
    }
    if let Some((w, h)) = lower.split_once('x') {
        return Ok((parse_length(w)?, parse_length(h)?));
    }
    let names: Vec<&str> = PAPER_SIZES.iter().map(|(n, ..)| *n).collect();
    Err(format!(
        "unknown trim size `{s}`; use one of {} or `WIDTH x HEIGHT` like `210mm x 297mm`",
        names.join(", ")
    ))
}
