//! `pamphlet init`: a working project to start from — a manifest, a small
//! content file, a starter layout with its schema, the shared layout
//! library, and the default fonts with their licences.

use std::path::{Path, PathBuf};

/// The files of a new project: path relative to its folder, and contents.
pub fn files() -> Vec<(&'static str, &'static [u8])> {
    vec![
        ("pamphlet.toml", include_bytes!("init/pamphlet.toml")),
        ("content/sheet.yaml", include_bytes!("init/sheet.yaml")),
        (
            "layouts/starter/schema.yaml",
            include_bytes!("init/schema.yaml"),
        ),
        (
            "layouts/starter/sheet.typ",
            include_bytes!("init/sheet.typ"),
        ),
        (
            "layouts/_lib/pamphlet.typ",
            include_bytes!("../../layouts/_lib/pamphlet.typ"),
        ),
        (
            "layouts/_lib/helpers.typ",
            include_bytes!("../../layouts/_lib/helpers.typ"),
        ),
        (
            "layouts/_lib/source.typ",
            include_bytes!("../../layouts/_lib/source.typ"),
        ),
        (
            "layouts/README.md",
            include_bytes!("../../layouts/README.md"),
        ),
        (
            "fonts/BIZUDPGothic-Regular.ttf",
            include_bytes!("../../fonts/BIZUDPGothic-Regular.ttf"),
        ),
        (
            "fonts/BIZUDPGothic-Bold.ttf",
            include_bytes!("../../fonts/BIZUDPGothic-Bold.ttf"),
        ),
        (
            "fonts/NotoSansSymbols2-Regular.ttf",
            include_bytes!("../../fonts/NotoSansSymbols2-Regular.ttf"),
        ),
        (
            "fonts/OFL-BIZUD.txt",
            include_bytes!("../../fonts/OFL-BIZUD.txt"),
        ),
        (
            "fonts/OFL-NotoSansSymbols2.txt",
            include_bytes!("../../fonts/OFL-NotoSansSymbols2.txt"),
        ),
        (".gitignore", include_bytes!("init/gitignore")),
        (
            ".vscode/settings.json",
            include_bytes!("init/vscode-settings.json"),
        ),
        (
            ".vscode/extensions.json",
            include_bytes!("init/vscode-extensions.json"),
        ),
    ]
}

/// The starter layout's schema as a JSON Schema, for the editor
/// (`schemas/sheet.schema.json`, which `content/sheet.yaml` names).
fn starter_json_schema() -> Vec<u8> {
    let path = Path::new("layouts/starter/schema.yaml");
    let bytes = include_bytes!("init/schema.yaml");
    let file = pamphlet::content::yaml::parse(path, bytes, &Default::default())
        .expect("the starter schema is valid YAML");
    let schema = pamphlet::content::Schema::from_yaml(&file).expect("the starter schema is valid");
    let json = pamphlet::content::schema::json::to_json_schema(&schema, "sheet");
    let mut text = serde_json::to_vec_pretty(&json).expect("JSON values serialise");
    text.push(b'\n');
    text
}

/// Why a project could not be created.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// The folder has files already.
    #[error("{} is not empty; `pamphlet init` only writes into an empty or new folder (found {})", .0.display(), .1)]
    NotEmpty(PathBuf, String),
    /// A file could not be written.
    #[error("cannot write {}: {}", .0.display(), .1)]
    Io(PathBuf, std::io::Error),
}

/// Writes a new project into `dir`, which must not exist or be empty.
/// Returns the files written.
pub fn init(dir: &Path) -> Result<Vec<PathBuf>, InitError> {
    if let Ok(mut entries) = std::fs::read_dir(dir)
        && let Some(first) = entries.next()
    {
        let name = first
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .unwrap_or_default();
        return Err(InitError::NotEmpty(dir.to_path_buf(), name));
    }
    let mut written = Vec::new();
    let json_schema = starter_json_schema();
    let generated = [("schemas/sheet.schema.json", json_schema.as_slice())];
    for (rel, bytes) in files().into_iter().chain(generated) {
        let path = dir.join(rel);
        // create_new: never overwrite, even if a file appeared meanwhile.
        let result = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|_| {
                std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&path)
            })
            .and_then(|mut f| std::io::Write::write_all(&mut f, bytes));
        result.map_err(|e| InitError::Io(path.clone(), e))?;
        written.push(path);
    }
    Ok(written)
}

/// Runs the command.
pub fn run(args: &super::args::InitArgs) -> Result<std::process::ExitCode, pamphlet::Error> {
    match init(&args.dir) {
        Ok(files) => {
            for f in &files {
                say!("  created {}", f.display());
            }
            say!(
                "A new project in {}. Next: cd {} && pamphlet build",
                args.dir.display(),
                args.dir.display()
            );
            Ok(std::process::ExitCode::SUCCESS)
        }
        Err(InitError::Io(path, source)) => Err(pamphlet::Error::Io { path, source }),
        Err(e @ InitError::NotEmpty(..)) => Err(pamphlet::Error::Usage(e.to_string())),
    }
}
