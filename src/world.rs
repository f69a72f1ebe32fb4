//! The Typst [`World`]: what a template may see.
//!
//! - **Files** come from the project folder only. Paths are resolved by
//!   Typst inside the project root; we additionally resolve symbolic links
//!   and refuse anything that ends up outside the root.
//! - **Packages** are never downloaded. `@preview/name:1.0.0` resolves from
//!   the project's vendored `packages/preview/name/1.0.0/`, `@local/…` from
//!   `packages/local/…` and then Typst's usual local package folder.
//! - **Fonts** come from the project's font folders, discovered with
//!   `fontdb` (through `typst-kit`), and from the system only when asked.
//! - **Data** is never source. What is the same for every job of a
//!   publication and variant (publication, print settings, `--input`
//!   strings) is in `sys.inputs`; the job's own data (its content or record
//!   view) is a CBOR file served at [`DATA_PATH`], which the layout decodes
//!   with `cbor()`. Keeping `sys.inputs` (and so the standard library)
//!   identical across a batch lets Typst's memoisation share the work that
//!   does not depend on the record: evaluating the layout's modules and
//!   laying out the fixed parts of the page.
//!
//! A [`ProjectWorld`] is built once and shared by every compilation of a
//! batch (fonts are parsed once, files read once). Each compilation gets a
//! light [`JobWorld`] holding its own main file, the batch's library and its
//! data.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use typst::diag::{FileError, FileResult, PackageError};
use typst::foundations::{Bytes, Datetime, Dict, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook, FontInfo};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_kit::files::{FileLoader, FileStore};
use typst_kit::fonts::{FontPath, FontStore};

/// A font the project can use, and where it came from.
#[derive(Debug, Clone)]
pub struct FontEntry {
    /// The font file.
    pub path: PathBuf,
    /// Index in a font collection (0 for single fonts).
    pub index: u32,
    /// Family, style, weight and coverage.
    pub info: FontInfo,
}

/// The fonts of a project, discovered once and loaded lazily.
pub struct Fonts {
    store: FontStore,
    entries: Vec<FontEntry>,
    /// How many of the entries come from the folders given to
    /// [`Fonts::discover`] (the rest are the system's).
    own: usize,
    /// The code points any font covers, as sorted, disjoint ranges (start,
    /// end exclusive): made on the first [`Fonts::covers`].
    covered: std::sync::OnceLock<Vec<(u32, u32)>>,
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Fonts({} faces)", self.entries.len())
    }
}

impl Fonts {
    /// Discovers the fonts in `dirs` (recursively), and the system's fonts
    /// if `system` is set. The order is stable: by file path, then index. A
    /// font file found twice (a folder given twice, however spelled, or
    /// inside another one given) is listed once.
    pub fn discover(dirs: &[PathBuf], system: bool) -> Fonts {
        let mut found: Vec<(FontPath, FontInfo)> = Vec::new();
        let mut scanned: Vec<PathBuf> = Vec::new();
        for dir in dirs {
            let dir = dir.canonicalize().unwrap_or_else(|_| dir.clone());
            if scanned.contains(&dir) {
                continue;
            }
            found.extend(typst_kit::fonts::scan(&dir));
            scanned.push(dir);
        }
        found.sort_by(|a, b| (&a.0.path, a.0.index).cmp(&(&b.0.path, b.0.index)));
        found.dedup_by(|a, b| (&a.0.path, a.0.index) == (&b.0.path, b.0.index));
        let own = found.len();
        if system {
            let mut sys: Vec<_> = typst_kit::fonts::system().collect();
            sys.sort_by(|a, b| (&a.0.path, a.0.index).cmp(&(&b.0.path, b.0.index)));
            found.extend(sys);
        }
        let entries = found
            .iter()
            .map(|(p, info)| FontEntry {
                path: p.path.clone(),
                index: p.index,
                info: info.clone(),
            })
            .collect();
        let mut store = FontStore::new();
        store.extend(found);
        Fonts {
            store,
            entries,
            own,
            covered: std::sync::OnceLock::new(),
        }
    }

    /// Bytes of font files a session has [`Fonts::warm`] load at most.
    pub const WARM_BUDGET: u64 = 64 << 20;

    /// Loads the fonts of the folders given to [`Fonts::discover`] (not the
    /// system's), in their order, while their files come to at most
    /// `budget` bytes, and hashes their data, on a thread of its own (which
    /// says how many it loaded). Typst reads a font and hashes all of it the
    /// first time a document uses it (a 4.6 MB CJK font: about 4 ms); done
    /// here, a single document's typesetting finds its fonts ready, loaded
    /// by the core that would otherwise wait. `None` when no thread could
    /// be started: the fonts then load when first used, as without this.
    pub fn warm(self: &Arc<Self>, budget: u64) -> Option<std::thread::JoinHandle<usize>> {
        let fonts = Arc::clone(self);
        std::thread::Builder::new()
            .name("fonts".into())
            .spawn(move || {
                let mut left = budget;
                let mut loaded = 0;
                for (index, entry) in fonts.entries[..fonts.own].iter().enumerate() {
                    let size = std::fs::metadata(&entry.path).map_or(u64::MAX, |m| m.len());
                    if size > left {
                        break;
                    }
                    left -= size;
                    if let Some(font) = fonts.font(index) {
                        typst::utils::hash128(&font);
                        loaded += 1;
                    }
                }
                loaded
            })
            .ok()
    }

    /// The fonts found.
    pub fn entries(&self) -> &[FontEntry] {
        &self.entries
    }

    /// Whether any font covers `c`.
    pub fn covers(&self, c: char) -> bool {
        let c = c as u32;
        let covered = self.covered.get_or_init(|| {
            // Each font's code points (ascending) as ranges, then all
            // fonts' ranges merged: a character is then found by binary
            // search instead of by walking every font's coverage.
            let mut ranges: Vec<(u32, u32)> = Vec::new();
            for entry in &self.entries {
                for point in entry.info.coverage.iter() {
                    match ranges.last_mut() {
                        Some(last) if last.1 == point => last.1 += 1,
                        _ => ranges.push((point, point + 1)),
                    }
                }
            }
            ranges.sort_unstable();
            let mut merged: Vec<(u32, u32)> = Vec::with_capacity(ranges.len());
            for (start, end) in ranges {
                match merged.last_mut() {
                    Some(last) if start <= last.1 => last.1 = last.1.max(end),
                    _ => merged.push((start, end)),
                }
            }
            merged
        });
        let after = covered.partition_point(|r| r.0 <= c);
        after > 0 && c < covered[after - 1].1
    }

    /// The font book.
    pub fn book(&self) -> &LazyHash<FontBook> {
        self.store.book()
    }

    /// Loads font `index`.
    pub fn font(&self, index: usize) -> Option<Font> {
        self.store.font(index)
    }
}

/// Serves project files confined to the root, and vendored packages.
struct SandboxLoader {
    root: PathBuf,
}

impl SandboxLoader {
    fn package_dir(&self, spec: &typst::syntax::package::PackageSpec) -> FileResult<PathBuf> {
        let rel = format!("{}/{}/{}", spec.namespace, spec.name, spec.version);
        let vendored = self.root.join("packages").join(&rel);
        if vendored.is_dir() {
            return Ok(vendored);
        }
        if spec.namespace == "local"
            && let Some(data) = local_packages_dir()
        {
            let dir = data.join(&spec.name[..]).join(spec.version.to_string());
            if dir.is_dir() {
                return Ok(dir);
            }
        }
        Err(FileError::Package(PackageError::Other(Some(
            format!(
                "package {spec} is not vendored in this project (looked in packages/{rel}); pamphlet never downloads packages — copy the package there"
            )
            .into(),
        ))))
    }
}

/// Typst's standard folder for `@local` packages.
fn local_packages_dir() -> Option<PathBuf> {
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))?;
    Some(data.join("typst/packages/local"))
}

impl FileLoader for SandboxLoader {
    fn load(&self, id: FileId) -> FileResult<Bytes> {
        let (base, confine) = match id.root() {
            VirtualRoot::Project => (self.root.clone(), self.root.clone()),
            VirtualRoot::Package(spec) => {
                let dir = self.package_dir(spec)?;
                let canon = dir
                    .canonicalize()
                    .map_err(|e| FileError::from_io(e, &dir))?;
                (dir, canon)
            }
        };
        let path = id.vpath().realize(&base).map_err(FileError::Realize)?;
        read_confined(&path, &confine)
    }
}

/// Why a path may not be read.
#[derive(Debug)]
pub enum Unconfined {
    /// It does not resolve (missing, or a broken link).
    Missing(std::io::Error),
    /// With symbolic links resolved it is here, outside the root.
    Outside(PathBuf),
    /// It is a folder.
    Directory,
}

/// Resolves `path` (following symbolic links) if it stays inside `root`
/// (canonical) and is not a folder.
pub fn confine(path: &Path, root: &Path) -> Result<PathBuf, Unconfined> {
    let real = path.canonicalize().map_err(Unconfined::Missing)?;
    if !real.starts_with(root) {
        return Err(Unconfined::Outside(real));
    }
    if real.is_dir() {
        return Err(Unconfined::Directory);
    }
    Ok(real)
}

/// Reads `path` if, with symbolic links resolved, it is inside `root`
/// (canonical).
pub fn read_confined(path: &Path, root: &Path) -> FileResult<Bytes> {
    let real = confine(path, root).map_err(|e| match e {
        Unconfined::Missing(e) => FileError::from_io(e, path),
        Unconfined::Outside(real) => FileError::Other(Some(
            format!(
                "access denied: {} resolves to {}, outside the project folder",
                path.display(),
                real.display()
            )
            .into(),
        )),
        Unconfined::Directory => FileError::IsDirectory,
    })?;
    std::fs::read(&real)
        .map(Bytes::new)
        .map_err(|e| FileError::from_io(e, path))
}

/// The part of the world shared by all compilations of a project.
pub struct ProjectWorld {
    root: PathBuf,
    fonts: Arc<Fonts>,
    files: FileStore<SandboxLoader>,
    /// Reads the content's photos without keeping them: what is kept is
    /// what [`Self::reduced`] made of them (a thousand distinct 12 MP
    /// portraits would otherwise stay in memory, 400 MB).
    uncached: SandboxLoader,
    today: Option<Datetime>,
    reduced: crate::print::reduce::Reduced,
    images: crate::print::images::Cache,
    /// The digests of the content's photos known from a build before
    /// ([`Self::use_stamps`]).
    stamps: Mutex<Arc<crate::digest::Stamps>>,
}

impl ProjectWorld {
    /// A world for the project at `root` (canonical) with `fonts`.
    /// `today` is what `datetime.today()` returns (fixed for reproducible
    /// output; `None` makes it fail).
    pub fn new(root: PathBuf, fonts: Arc<Fonts>, today: Option<Datetime>) -> Self {
        let files = FileStore::new(SandboxLoader { root: root.clone() });
        let uncached = SandboxLoader { root: root.clone() };
        Self {
            root,
            fonts,
            files,
            uncached,
            today,
            reduced: Default::default(),
            images: Default::default(),
            stamps: Default::default(),
        }
    }

    /// Takes the digests of the content's photos from `stamps` where the
    /// files are as stamped (the key of a reduced photo kept by a build
    /// before is then known without reading the photo), and stamps those
    /// it reads.
    pub fn use_stamps(&self, stamps: Arc<crate::digest::Stamps>) {
        if let Ok(mut s) = self.stamps.lock() {
            *s = stamps;
        }
    }

    fn stamps(&self) -> Arc<crate::digest::Stamps> {
        self.stamps.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// The project root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The fonts.
    pub fn fonts(&self) -> &Arc<Fonts> {
        &self.fonts
    }

    /// Image files reduced to their frames, shared by every compilation.
    pub fn reduced(&self) -> &crate::print::reduce::Reduced {
        &self.reduced
    }

    /// Images processed for the output, shared by every compilation.
    pub fn images(&self) -> &crate::print::images::Cache {
        &self.images
    }

    /// Forgets cached file contents, so that the next compilation sees
    /// changes on disk (watch mode). Parsed sources are reused where
    /// unchanged.
    pub fn reset(&mut self) {
        self.files.reset();
    }

    /// The id of the project file at `rel` (relative to the root).
    pub fn file_id(rel: &Path) -> Result<FileId, String> {
        let s = rel
            .to_str()
            .ok_or_else(|| format!("{} is not valid UTF-8", rel.display()))?;
        let vpath = VirtualPath::new(s).map_err(|e| format!("invalid path {s}: {e:?}"))?;
        Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
    }

    /// The path to show users for file `id`: relative to the project root
    /// for project files, `@ns/name:version/path` for packages.
    pub fn display_path(id: FileId) -> PathBuf {
        match id.root() {
            VirtualRoot::Project => PathBuf::from(id.vpath().get_without_slash()),
            VirtualRoot::Package(spec) => {
                PathBuf::from(format!("{spec}{}", id.vpath().get_with_slash()))
            }
        }
    }

    /// A world for one compilation with `main` as the entry, `library`
    /// (from [`library`], shared by the jobs of a batch) and `data` served
    /// at [`DATA_PATH`].
    pub fn job(&self, main: FileId, library: Arc<LazyHash<Library>>, data: Bytes) -> JobWorld<'_> {
        JobWorld {
            base: self,
            main,
            library,
            data,
            accessed: Mutex::default(),
            reduce: None,
        }
    }
}

/// The content's images and the frames they fill (points), for serving
/// them reduced ([`JobWorld::reducing`]).
pub type ImageFrames = std::collections::HashMap<FileId, (f64, f64)>;

/// Where a job's own data is served: a virtual file that shadows any
/// project file of that name. Layouts read it through
/// `layouts/_lib/pamphlet.typ`, which finds this path in
/// `sys.inputs.pamphlet-cbor`.
pub const DATA_PATH: &str = "/.pamphlet/data.cbor";

/// The file id of [`DATA_PATH`].
fn data_id() -> FileId {
    static ID: std::sync::OnceLock<FileId> = std::sync::OnceLock::new();
    *ID.get_or_init(|| {
        let vpath = VirtualPath::new(DATA_PATH).expect("a valid virtual path");
        RootedPath::new(VirtualRoot::Project, vpath).intern()
    })
}

/// The standard library with `inputs` as `sys.inputs`. Build it once for
/// all the jobs that share those inputs: jobs with the same library share
/// Typst's memoised work.
pub fn library(inputs: Dict) -> Arc<LazyHash<Library>> {
    Arc::new(LazyHash::new(
        Library::builder().with_inputs(inputs).build(),
    ))
}

/// One compilation's view of the world.
pub struct JobWorld<'a> {
    base: &'a ProjectWorld,
    main: FileId,
    library: Arc<LazyHash<Library>>,
    data: Bytes,
    /// Each file read, with the digest of its bytes if it was hashed.
    accessed: Mutex<HashMap<FileId, Option<u128>>>,
    reduce: Option<(Arc<ImageFrames>, crate::print::images::Target)>,
}

impl JobWorld<'_> {
    /// Serves the content's images in `frames` made into what their frame
    /// shows in `output` ([`crate::print::reduce::reduce()`], cached for
    /// the session): Typst then never decodes a camera-sized photo, and the
    /// print stage finds it ready.
    pub fn reducing(
        mut self,
        frames: Arc<ImageFrames>,
        output: crate::print::images::Target,
    ) -> Self {
        self.reduce = Some((frames, output));
        self
    }

    /// The files this compilation read (sources, data, images), each with
    /// the [`crate::digest`] of its bytes where it was hashed as it was
    /// read (the content's photos, for the key of their reduced form).
    pub fn accessed(&self) -> Vec<(PathBuf, Option<u128>)> {
        let mut paths: Vec<(PathBuf, Option<u128>)> = self
            .accessed
            .lock()
            .map(|s| {
                s.iter()
                    .map(|(id, digest)| (ProjectWorld::display_path(*id), *digest))
                    .collect()
            })
            .unwrap_or_default();
        // A digest first among files of one path (a Typst file id and a
        // project path can name the same file).
        paths.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        paths.dedup_by(|a, b| a.0 == b.0);
        paths
    }

    /// Notes that `id` was read (with its digest, if hashed).
    fn read(&self, id: FileId, digest: Option<u128>) {
        if let Ok(mut a) = self.accessed.lock() {
            let seen = a.entry(id).or_insert(None);
            *seen = digest.or(*seen);
        }
    }

    /// The shared part.
    pub fn base(&self) -> &ProjectWorld {
        self.base
    }
}

impl World for JobWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        self.base.fonts.book()
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        self.read(id, None);
        self.base.files.source(id)
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == data_id() {
            return Ok(self.data.clone());
        }
        if let Some((frames, output)) = &self.reduce
            && let Some(frame) = frames.get(&id)
        {
            // Read only if it is not as a build before stamped it, or if
            // its reduced form was not kept.
            let key = ProjectWorld::display_path(id);
            let key = key.to_string_lossy().replace('\\', "/");
            let path = id.vpath().realize(&self.base.root).ok();
            let path = path.as_deref().unwrap_or(Path::new(""));
            let (digest, bytes) = self
                .base
                .stamps()
                .digest(&key, path, || self.base.uncached.load(id))?;
            self.read(id, Some(digest));
            return self.base.reduced.get(
                || bytes.map_or_else(|| self.base.uncached.load(id), Ok),
                digest,
                *frame,
                output,
                &self.base.images,
            );
        }
        self.read(id, None);
        self.base.files.file(id)
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.base.fonts.font(index)
    }

    fn today(&self, offset: Option<Duration>) -> Option<Datetime> {
        // A fixed date: output must not depend on when it was built.
        let _ = offset;
        self.base.today
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warming_loads_the_project_fonts_in_order_within_its_budget() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fonts");
        let fonts = Arc::new(Fonts::discover(std::slice::from_ref(&dir), false));
        let sizes: Vec<u64> = fonts
            .entries()
            .iter()
            .map(|e| std::fs::metadata(&e.path).unwrap().len())
            .collect();
        assert!(sizes.len() >= 2, "{:?}", fonts.entries());
        let warmed = |budget: u64| fonts.warm(budget).unwrap().join().unwrap();
        assert_eq!(warmed(0), 0);
        assert_eq!(warmed(sizes[0]), 1);
        assert_eq!(warmed(sizes[0] + sizes[1] - 1), 1);
        assert_eq!(warmed(sizes.iter().sum()), sizes.len());
        // What it loaded is what the fonts serve.
        assert!(fonts.font(0).is_some());
    }

    #[test]
    fn a_font_folder_given_twice_lists_its_fonts_once() {
        // As `--font-path fonts` on a project whose manifest already names
        // `fonts/`: once as given, once spelled differently, and a folder
        // holding another one that is given as well.
        let fonts = Path::new(env!("CARGO_MANIFEST_DIR")).join("fonts");
        let once = Fonts::discover(std::slice::from_ref(&fonts), false);
        let twice = Fonts::discover(&[fonts.clone(), fonts.join("."), fonts.clone()], false);
        let paths = |f: &Fonts| {
            f.entries()
                .iter()
                .map(|e| (e.path.clone(), e.index))
                .collect::<Vec<_>>()
        };
        assert_eq!(paths(&twice), paths(&once));
        assert_eq!(
            twice.book().families().count(),
            once.book().families().count()
        );

        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        std::fs::copy(
            fonts.join("InterDisplay-Bold.otf"),
            sub.join("InterDisplay-Bold.otf"),
        )
        .unwrap();
        let nested = Fonts::discover(&[dir.path().to_path_buf(), sub.clone()], false);
        assert_eq!(nested.entries().len(), 1, "{:?}", nested.entries());
    }

    #[test]
    fn covers_what_some_font_covers_and_nothing_else() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fonts");
        let fonts = Fonts::discover(std::slice::from_ref(&dir), false);
        // Every code point up to the end of the BMP and a band above,
        // against each font's own coverage.
        for c in (0..0x2_0000).filter_map(char::from_u32) {
            let any = fonts
                .entries()
                .iter()
                .any(|e| e.info.coverage.contains(c as u32));
            assert_eq!(fonts.covers(c), any, "U+{:04X}", c as u32);
        }
        assert!(fonts.covers('漢') && fonts.covers('A'));
        assert!(!fonts.covers('\u{10FFFF}'));
    }
}
