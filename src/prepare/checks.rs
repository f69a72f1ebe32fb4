//! Checks on validated content that need the project around it: every
//! character is in some font (Typst would silently draw an empty box), and
//! every file the content names is a file inside the project.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use super::Preparation;
use crate::content::Content;
use crate::diag::Diagnostic;
use crate::project::Project;
use crate::world::{self, Fonts};

/// What the checks of one content file reported that its compilations
/// would otherwise report again.
struct Reported {
    /// The characters no font has.
    uncovered: Arc<BTreeSet<char>>,
    /// The images whose resolution was reported, by pixel size, with
    /// whether as an error.
    images: Arc<BTreeMap<(i64, i64), bool>>,
}

/// Runs the checks once per content file and tells each prepared
/// publication what they reported: the characters no font has and the
/// images too coarse for their frames (its compilations then do not
/// report them again).
pub(super) fn run(project: &Project, fonts: &Fonts, prep: &mut Preparation) {
    let mut checked: BTreeMap<PathBuf, Reported> = BTreeMap::new();
    for p in &mut prep.prepared {
        let path = p.content.file.path.clone();
        let reported = checked.entry(path).or_insert_with(|| {
            let (chars, diags): (BTreeSet<char>, Vec<Diagnostic>) =
                uncovered(&p.content, fonts).into_iter().unzip();
            prep.diagnostics.extend(diags);
            let (diags, images) = files(project, &p.content);
            prep.diagnostics.extend(diags);
            Reported {
                uncovered: Arc::new(chars),
                images: Arc::new(images),
            }
        });
        p.uncovered = reported.uncovered.clone();
        p.reported_images = reported.images.clone();
    }
}

/// Checks that the fonts cover every character of the content; each
/// missing character is an error at its place in the content file.
pub fn coverage(content: &Content, fonts: &Fonts) -> Vec<Diagnostic> {
    uncovered(content, fonts)
        .into_iter()
        .map(|(_, d)| d)
        .collect()
}

/// The characters of the content that no font covers, each with its
/// diagnostic at its first place in the content.
fn uncovered(content: &Content, fonts: &Fonts) -> Vec<(char, Diagnostic)> {
    let mut out = Vec::new();
    // Each distinct character is looked up once.
    let mut seen = HashSet::new();
    for leaf in &content.leaves {
        for (i, c) in leaf.raw().char_indices() {
            if !seen.insert(c) || c.is_whitespace() || c.is_control() || fonts.covers(c) {
                continue;
            }
            let start = content.file.offset_in(&leaf.range, leaf.raw(), i);
            let position = content.file.position(start..start + c.len_utf8());
            out.push((
                c,
                Diagnostic::error(
                    Some(position),
                    format!("character `{c}` (U+{:04X}) in `{}` is not in any of the project's fonts; it would print as an empty box", c as u32, leaf.path),
                )
                .with_hint("add a font that covers it to the fonts folder, or replace the character"),
            ));
        }
    }
    out
}

/// Checks an image the content names: its problems at its place in the
/// content; a resolution problem also enters `resolution` (pixel size →
/// whether an error).
fn image(
    project: &Project,
    real: &std::path::Path,
    f: &crate::content::FileRef,
    rule: &crate::content::schema::ImageRule,
    position: &dyn Fn() -> Option<crate::diag::Position>,
    resolution: &mut BTreeMap<(i64, i64), bool>,
) -> Vec<Diagnostic> {
    let name = f.file.display().to_string();
    // Read at most what a sane image needs: a larger file is refused
    // without reading it all.
    let limit = super::images::MAX_FILE;
    let bytes = match std::fs::metadata(real) {
        Ok(m) if m.len() > limit => {
            return vec![
                Diagnostic::error(
                    position(),
                    format!(
                        "`{name}` in `{}` is {:.0} MB; pamphlet takes images of at most {} MB",
                        f.path,
                        m.len() as f64 / 1e6,
                        limit / 1_000_000
                    ),
                )
                .with_hint("scale the image down or compress it"),
            ];
        }
        _ => match checked_part(real) {
            Ok(b) => b,
            Err(e) => {
                return vec![Diagnostic::error(
                    position(),
                    format!("cannot read `{name}` (in `{}`): {e}", f.path),
                )];
            }
        },
    };
    super::images::check(&name, &bytes, rule, &project.images)
        .into_iter()
        .map(|p| {
            if let Some((w, h)) = p.resolution {
                let worst = resolution.entry((w.into(), h.into())).or_default();
                *worst |= p.error;
            }
            let message = format!("{} (in `{}`)", p.message, f.path);
            let d = if p.error {
                Diagnostic::error(position(), message)
            } else {
                Diagnostic::warning(position(), message)
            };
            d.with_hint(p.hint)
        })
        .collect()
}

/// What [`super::images::check`] needs of an image file: all of it, or,
/// for a large JPEG, its headers (up to its scan) and its last 4 KB (where
/// its end of image marker is): the entropy-coded data between them is
/// never looked at, and a camera's 5 MB need not be read to check it.
fn checked_part(real: &std::path::Path) -> std::io::Result<Vec<u8>> {
    use std::io::{Read, Seek, SeekFrom};
    const HEAD: u64 = 128 * 1024;
    const TAIL: u64 = 4096 + 2;
    let mut file = std::fs::File::open(real)?;
    let len = file.metadata()?.len();
    if len <= 2 * HEAD {
        return std::fs::read(real);
    }
    let mut head = Vec::with_capacity(HEAD as usize);
    (&mut file).take(HEAD).read_to_end(&mut head)?;
    // Where the scan starts, if the headers end within the head; else the
    // rest is read after it.
    let Some(scan) = crate::raster::scan_start(&head) else {
        file.read_to_end(&mut head)?;
        return Ok(head);
    };
    head.truncate(scan);
    file.seek(SeekFrom::Start(len - TAIL))?;
    file.take(TAIL).read_to_end(&mut head)?;
    Ok(head)
}

/// Checks that each file the content names exists inside the project
/// (following symbolic links), and that each image is one pamphlet can use;
/// also returns the images whose resolution it reported.
fn files(project: &Project, content: &Content) -> (Vec<Diagnostic>, BTreeMap<(i64, i64), bool>) {
    let mut out = Vec::new();
    let mut resolution = BTreeMap::new();
    for f in &content.files {
        let full = project.root.join(&f.file);
        // Found only for a diagnostic (a position counts the lines before
        // it: for every photo of a long list, that added up).
        let position = || Some(content.file.position(f.range.clone()));
        let not_a_file = || {
            Diagnostic::error(
                position(),
                format!("`{}` in `{}` is not a file", f.file.display(), f.path),
            )
        };
        match world::confine(&full, &project.root) {
            Ok(real) if !real.is_file() => out.push(not_a_file()),
            Ok(real) => {
                if let Some(rule) = &f.image {
                    out.extend(image(project, &real, f, rule, &position, &mut resolution));
                }
            }
            Err(world::Unconfined::Directory) => out.push(not_a_file()),
            Err(world::Unconfined::Outside(real)) => out.push(
                Diagnostic::error(
                    position(),
                    format!(
                        "`{}` in `{}` resolves to {}, outside the project folder",
                        f.file.display(),
                        f.path,
                        real.display()
                    ),
                )
                .with_hint("a symbolic link may not point outside the project; copy the file in"),
            ),
            Err(world::Unconfined::Missing(_)) => out.push(Diagnostic::error(
                position(),
                format!("file not found: `{}` (in `{}`)", f.file.display(), f.path),
            )),
        }
    }
    (out, resolution)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn of_a_large_jpeg_only_its_headers_and_its_last_4_kb_are_read() {
        // Headers (SOI, a 60 KB comment as EXIF would be, a frame header,
        // SOS), then 1 MB of scan data and EOI.
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xFE, 0xEA, 0x62];
        jpeg.extend(std::iter::repeat_n(b'x', 0xEA62 - 2));
        jpeg.extend_from_slice(&[0xFF, 0xC0, 0, 11, 8, 0, 16, 0, 16, 1, 1, 0x11, 0]);
        jpeg.extend_from_slice(&[0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 63, 0]);
        let scan = jpeg.len();
        jpeg.extend((0..1_000_000u32).map(|i| (i % 251) as u8));
        jpeg.extend_from_slice(&[0xFF, 0xD9]);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.jpg");
        std::fs::write(&file, &jpeg).unwrap();
        let part = checked_part(&file).unwrap();
        assert_eq!(crate::raster::scan_start(&jpeg), Some(scan));
        assert_eq!(part.len(), scan + 4098);
        assert_eq!(part[..scan], jpeg[..scan]);
        assert_eq!(part[scan..], jpeg[jpeg.len() - 4098..]);
        // A small file, or one whose headers run past the first 128 KB, is
        // read whole.
        std::fs::write(&file, &jpeg[..200_000]).unwrap();
        assert_eq!(checked_part(&file).unwrap(), jpeg[..200_000]);
        let mut long = jpeg[..2].to_vec();
        for _ in 0..3 {
            long.extend_from_slice(&[0xFF, 0xFE, 0xEA, 0x62]);
            long.extend(std::iter::repeat_n(b'x', 0xEA62 - 2));
        }
        long.extend_from_slice(&jpeg[2..]);
        std::fs::write(&file, &long).unwrap();
        assert_eq!(checked_part(&file).unwrap(), long);
    }
}
