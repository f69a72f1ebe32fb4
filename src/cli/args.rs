//! The command line: clap definitions, flattened argument groups shared by
//! commands, and their conversion into the library's request types.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use pamphlet::diag::DiagnosticFormat;
use pamphlet::project::Variant;
use pamphlet::{BuildRequest, SessionOptions};

/// Print-ready Japanese PDFs from YAML content and Typst layouts.
#[derive(Debug, Parser)]
#[command(
    name = "pamphlet",
    version,
    about,
    long_about = None,
    propagate_version = true,
    term_width = 100,
    after_help = "Start with `pamphlet init DIR`, or run `pamphlet build` in a project folder.\nExit status: 0 success, 1 problems in the input, 2 usage or I/O error."
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Most memory (resident) the process may use, in MiB; beyond it
    /// pamphlet stops instead of exhausting the machine (a runaway layout).
    #[arg(
        long,
        global = true,
        value_name = "MIB",
        default_value_t = 8192,
        env = "PAMPHLET_MEMORY_LIMIT",
        hide_env_values = true
    )]
    pub memory_limit: u64,
    /// Print only problems.
    #[arg(long, short = 'q', global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also print outputs that were skipped, and per-phase timings.
    #[arg(long, short = 'v', global = true)]
    pub verbose: bool,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build every publication of the project into PDFs.
    #[command(
        after_help = "Examples:\n  pamphlet build\n  pamphlet build --publication handout --record sotetsu\n  pamphlet build --shard 2/4 --diagnostic-format github"
    )]
    Build(BuildArgs),
    /// Validate all content and compile every publication without writing.
    #[command(
        after_help = "Exit status: 0 clean, 1 problems found, 2 usage or I/O error.\n\nExamples:\n  pamphlet check\n  pamphlet check --diagnostic-format github --deny-warnings"
    )]
    Check(CheckArgs),
    /// Check PDFs as a print shop would: fonts, boxes, encryption, images, colour.
    #[command(
        after_help = "Examples:\n  pamphlet preflight out/crosstalk.pdf\n  pamphlet preflight --trim a4 --bleed 3mm out/*.pdf\n  pamphlet preflight --standard x-4 out/crosstalk.pdf\n  pamphlet preflight --standard vt-1 out/handouts.pdf"
    )]
    Preflight(PreflightArgs),
    /// Create a new project: manifest, content, a starter layout and fonts.
    #[command(
        after_help = "Refuses to write into a folder that is not empty.\n\nExamples:\n  pamphlet init my-brochure\n  cd my-brochure && pamphlet build"
    )]
    Init(InitArgs),
    /// List the fonts the project sees, or the characters no font covers.
    #[command(after_help = "Examples:\n  pamphlet fonts\n  pamphlet fonts --coverage")]
    Fonts(FontsArgs),
    /// Print shell completions.
    #[command(
        after_help = "Examples:\n  pamphlet completions bash > ~/.local/share/bash-completion/completions/pamphlet\n  pamphlet completions zsh > ~/.zfunc/_pamphlet\n  pamphlet completions fish > ~/.config/fish/completions/pamphlet.fish"
    )]
    Completions(CompletionsArgs),
    /// Build, then rebuild on every change to content, layouts, fonts or the manifest.
    #[command(
        after_help = "Keeps fonts and Typst's caches warm; prints each rebuild's duration.\nA broken edit prints its diagnostics and the last good PDFs stay.\n\nExamples:\n  pamphlet watch\n  pamphlet watch -p crosstalk --variant screen --png"
    )]
    Watch(WatchArgs),
    /// Show a publication's pages in the browser, updated on every save.
    #[command(
        after_help = "Serves a page on 127.0.0.1 (only this machine) that shows the pages and follows\nevery change to content, layouts and fonts, keeping the last good pages while\nthe content is broken and listing its problems. Click on text to see the content\nfield and line it came from. Nothing is written.\n\nExamples:\n  pamphlet preview\n  pamphlet preview handout --record sotetsu --port 0"
    )]
    Preview(PreviewArgs),
    /// Show what a change did to the outputs: fields, pages, a report and 赤字 proofs.
    #[command(
        after_help = "Builds the working tree (incrementally), reads the base with git into a temporary\nfolder (the working tree is not touched), and compares only the outputs whose\ninputs differ. Writes out/diff/index.html (one file, pages side by side, overlay,\nflicker) and out/diff/NAME.proof.pdf (the new pages, each change an annotation).\nExit status: 0 whether or not anything changed (with --exit-code: 1 if it did),\n1 problems in the input, 2 usage or I/O error.\n\nExamples:\n  pamphlet diff\n  pamphlet diff --base HEAD~1 -p handout -r sotetsu\n  pamphlet diff --base origin/main --summary \"$GITHUB_STEP_SUMMARY\" --diagnostic-format github"
    )]
    Diff(DiffArgs),
    /// Write the data a layout receives, as JSON, for the typst CLI or an editor.
    #[command(
        after_help = "Examples:\n  pamphlet inputs handout -o out/inputs/handout.json\n  typst compile --root . --font-path fonts --ignore-system-fonts \\\n    --input pamphlet-data=/out/inputs/handout.json --input pamphlet-record=sotetsu \\\n    layouts/crosstalk/handout.typ /tmp/sotetsu.pdf"
    )]
    Inputs(InputsArgs),
    /// Write a layout's content schema for editors, as a JSON Schema.
    #[command(
        after_help = "With the YAML language server (VS Code's YAML extension), the editor then\ncompletes keys and underlines mistakes while typing; `pamphlet init` sets it up.\n\nExamples:\n  pamphlet schema crosstalk -o schemas/crosstalk.schema.json\n  # in content/crosstalk.yaml, first line:\n  # yaml-language-server: $schema=../schemas/crosstalk.schema.json"
    )]
    Schema(SchemaArgs),
}

impl Command {
    /// How the command shows diagnostics (the default for commands
    /// without diagnostic options): what an error that stops it is shown
    /// with.
    pub fn diagnostics(&self) -> DiagnosticArgs {
        match self {
            Command::Build(a) => a.diagnostics.clone(),
            Command::Check(a) => a.diagnostics.clone(),
            Command::Preflight(a) => a.diagnostics.clone(),
            Command::Fonts(a) => a.diagnostics.clone(),
            Command::Watch(a) => a.diagnostics.clone(),
            Command::Preview(a) => a.diagnostics.clone(),
            Command::Inputs(a) => a.diagnostics.clone(),
            Command::Diff(a) => a.diagnostics.clone(),
            Command::Schema(a) => a.diagnostics.clone(),
            Command::Init(_) | Command::Completions(_) => DiagnosticArgs {
                diagnostic_format: FormatArg::Human,
                deny_warnings: false,
            },
        }
    }
}

/// `pamphlet schema`.
#[derive(Debug, Clone, Args)]
pub struct SchemaArgs {
    /// The publication whose layout's schema to write.
    #[arg(value_name = "PUBLICATION")]
    pub publication: String,
    /// Project location and fonts.
    #[command(flatten)]
    pub project: ProjectArgs,
    /// The format to write.
    #[arg(long, value_enum, default_value = "json-schema")]
    pub format: SchemaFormat,
    /// Write to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Diagnostics.
    #[command(flatten)]
    pub diagnostics: DiagnosticArgs,
}

/// The formats `pamphlet schema` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SchemaFormat {
    /// JSON Schema, draft 2020-12.
    JsonSchema,
}

/// `pamphlet init`.
#[derive(Debug, Clone, Args)]
pub struct InitArgs {
    /// The folder to create the project in (must be empty or new).
    #[arg(value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
}

/// `pamphlet fonts`.
#[derive(Debug, Clone, Args)]
pub struct FontsArgs {
    /// Project location and fonts.
    #[command(flatten)]
    pub project: ProjectArgs,
    /// List the characters of the content that no font covers, with their places.
    #[arg(long)]
    pub coverage: bool,
    /// Diagnostics.
    #[command(flatten)]
    pub diagnostics: DiagnosticArgs,
}

/// `pamphlet completions`.
#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `pamphlet watch`.
#[derive(Debug, Clone, Args)]
pub struct WatchArgs {
    /// Project location and fonts.
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Output selection.
    #[command(flatten)]
    pub select: SelectArgs,
    /// Diagnostics.
    #[command(flatten)]
    pub diagnostics: DiagnosticArgs,
    /// Where outputs go, and the PNG pages.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `pamphlet preview`.
#[derive(Debug, Clone, Args)]
pub struct PreviewArgs {
    /// The publication to show first (default: the first in pamphlet.toml).
    #[arg(value_name = "PUBLICATION")]
    pub publication: Option<String>,
    /// The record to show first, for a publication made per record.
    #[arg(long, value_name = "KEY")]
    pub record: Option<String>,
    /// The variant (default: the publication's first).
    #[arg(long, value_enum)]
    pub variant: Option<VariantArg>,
    /// Project location and fonts.
    #[command(flatten)]
    pub project: ProjectArgs,
    /// The port to serve on (0: any free port, printed at the start).
    #[arg(long, value_name = "PORT", default_value_t = 7870)]
    pub port: u16,
    /// The address to serve on. Anything but a loopback address lets other
    /// machines see the content.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// Resolution of the pages, in pixels per inch.
    #[arg(long, value_name = "PPI", default_value_t = 120.0)]
    pub ppi: f64,
    /// Diagnostics (also printed on the terminal).
    #[command(flatten)]
    pub diagnostics: DiagnosticArgs,
}

/// `pamphlet diff`.
#[derive(Debug, Clone, Args)]
pub struct DiffArgs {
    /// What to compare with: a git revision, or a folder holding another
    /// copy of the project (default: the merge base with the default
    /// branch, or HEAD when the project has changes not committed).
    #[arg(long, value_name = "REV|DIR")]
    pub base: Option<String>,
    /// Only this publication (repeatable).
    #[arg(long = "publication", short = 'p', value_name = "NAME")]
    pub publications: Vec<String>,
    /// Only the record with this id (repeatable).
    #[arg(long = "record", short = 'r', value_name = "ID")]
    pub records: Vec<String>,
    /// Where the report and proofs go (default: diff/ in the output folder).
    #[arg(long, short = 'o', value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// The working tree's output folder, built first (default: out/).
    #[arg(long, value_name = "DIR", env = "PAMPHLET_OUT", hide_env_values = true)]
    pub out: Option<PathBuf>,
    /// Also write a Markdown summary here (for `$GITHUB_STEP_SUMMARY`).
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,
    /// Exit with status 1 when anything changed (as `git diff --exit-code`).
    #[arg(long)]
    pub exit_code: bool,
    /// Resolution of the compared pages, in pixels per inch.
    #[arg(long, value_name = "PPI", default_value_t = 96.0)]
    pub ppi: f64,
    /// Parallel jobs of the build (default: the machine's cores).
    #[arg(
        long,
        short = 'j',
        value_name = "N",
        env = "PAMPHLET_JOBS",
        hide_env_values = true
    )]
    pub jobs: Option<usize>,
    /// Project location and fonts.
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Diagnostics (with `github`, a notice on each changed content line).
    #[command(flatten)]
    pub diagnostics: DiagnosticArgs,
}

/// `pamphlet inputs`.
#[derive(Debug, Clone, Args)]
pub struct InputsArgs {
    /// The publication.
    #[arg(value_name = "PUBLICATION")]
    pub publication: String,
    /// Project location and fonts.
    #[command(flatten)]
    pub project: ProjectArgs,
    /// The variant whose print settings to include.
    #[arg(long, value_enum, default_value = "print")]
    pub variant: VariantArg,
    /// Write to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Diagnostics.
    #[command(flatten)]
    pub diagnostics: DiagnosticArgs,
}

/// Where the project is and what it sees.
#[derive(Debug, Clone, Args)]
pub struct ProjectArgs {
    /// The project folder (with pamphlet.toml).
    #[arg(
        long = "project",
        alias = "root",
        value_name = "DIR",
        default_value = ".",
        env = "PAMPHLET_PROJECT",
        hide_env_values = true
    )]
    pub project: PathBuf,
    /// Additional font folders (repeatable).
    #[arg(
        long = "font-path",
        value_name = "DIR",
        env = "PAMPHLET_FONT_PATHS",
        value_delimiter = ':',
        hide_env_values = true
    )]
    pub font_paths: Vec<PathBuf>,
    /// Also use the system's fonts (output then depends on the machine).
    #[arg(long)]
    pub system_fonts: bool,
    /// PDF creation date as a Unix timestamp (default: SOURCE_DATE_EPOCH, else none).
    #[arg(
        long,
        value_name = "UNIX_TIME",
        env = "SOURCE_DATE_EPOCH",
        hide_env_values = true
    )]
    pub creation_timestamp: Option<i64>,
    /// Extra string inputs for layouts, in `sys.inputs` (repeatable).
    #[arg(long = "input", value_name = "KEY=VALUE", value_parser = parse_input)]
    pub inputs: Vec<(String, String)>,
}

/// Parses `KEY=VALUE`.
pub fn parse_input(s: &str) -> Result<(String, String), String> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}` is not KEY=VALUE"))?;
    if k.is_empty() {
        return Err("the key is empty".into());
    }
    Ok((k.to_string(), v.to_string()))
}

impl ProjectArgs {
    /// The session options these arguments ask for.
    pub fn session_options(&self) -> SessionOptions {
        SessionOptions {
            system_fonts: self.system_fonts,
            font_paths: self.font_paths.clone(),
            limits: None,
            creation_timestamp: self.creation_timestamp,
            inputs: self.inputs.clone(),
            fonts: None,
        }
    }
}

/// Which outputs to build.
#[derive(Debug, Clone, Args)]
pub struct SelectArgs {
    /// Only this publication (repeatable).
    #[arg(long = "publication", short = 'p', value_name = "NAME")]
    pub publications: Vec<String>,
    /// Only the record with this id (repeatable).
    #[arg(long = "record", short = 'r', value_name = "ID")]
    pub records: Vec<String>,
    /// Only this variant (repeatable; default: the publication's variants).
    #[arg(long = "variant", value_name = "VARIANT")]
    pub variants: Vec<VariantArg>,
    /// Only a stable share K of N of all outputs (for CI matrices).
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<(usize, usize)>,
    /// Parallel jobs (default: the machine's cores).
    #[arg(
        long,
        short = 'j',
        value_name = "N",
        env = "PAMPHLET_JOBS",
        hide_env_values = true
    )]
    pub jobs: Option<usize>,
    /// Stop compiling a document after this many seconds.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 60.0,
        env = "PAMPHLET_TIMEOUT",
        hide_env_values = true
    )]
    pub timeout: f64,
}

/// A variant on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VariantArg {
    /// Bleed, trim marks, CMYK.
    Print,
    /// No marks, no bleed, RGB.
    Screen,
}

impl From<VariantArg> for Variant {
    fn from(v: VariantArg) -> Self {
        match v {
            VariantArg::Print => Variant::Print,
            VariantArg::Screen => Variant::Screen,
        }
    }
}

/// A print standard on the command line: a PDF/X part, or PDF/VT-1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StandardArg {
    /// PDF/X-4 (PDF 1.6; CMYK, ICC-based and spot colour; transparency).
    #[value(name = "x-4")]
    X4,
    /// PDF/X-1a:2003 (PDF 1.4; CMYK and spot colour only; no transparency).
    #[value(name = "x-1a")]
    X1a,
    /// PDF/VT-1: PDF/X-4 with its records marked (a document part tree).
    #[value(name = "vt-1")]
    Vt1,
}

impl StandardArg {
    /// The PDF/X part the standard is, or builds on.
    pub fn pdfx(self) -> pamphlet::project::PdfX {
        match self {
            StandardArg::X4 | StandardArg::Vt1 => pamphlet::project::PdfX::X4,
            StandardArg::X1a => pamphlet::project::PdfX::X1a,
        }
    }
}

/// How diagnostics are shown.
#[derive(Debug, Clone, Args)]
pub struct DiagnosticArgs {
    /// Format of diagnostics.
    #[arg(
        long,
        value_enum,
        default_value = "human",
        env = "PAMPHLET_DIAGNOSTIC_FORMAT",
        hide_env_values = true
    )]
    pub diagnostic_format: FormatArg,
    /// Treat warnings as errors.
    #[arg(long)]
    pub deny_warnings: bool,
}

/// A diagnostic format on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Report with source snippets.
    Human,
    /// One line per problem.
    Short,
    /// One JSON object per line.
    Json,
    /// GitHub Actions annotations.
    Github,
}

impl From<FormatArg> for DiagnosticFormat {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Human => DiagnosticFormat::Human,
            FormatArg::Short => DiagnosticFormat::Short,
            FormatArg::Json => DiagnosticFormat::Json,
            FormatArg::Github => DiagnosticFormat::Github,
        }
    }
}

/// `pamphlet build`.
#[derive(Debug, Clone, Args)]
pub struct BuildArgs {
    /// Project location and fonts.
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Output selection.
    #[command(flatten)]
    pub select: SelectArgs,
    /// Diagnostics.
    #[command(flatten)]
    pub diagnostics: DiagnosticArgs,
    /// Where outputs go, and the PNG pages.
    #[command(flatten)]
    pub output: OutputArgs,
    /// Rebuild every output, even those whose inputs did not change.
    #[arg(long)]
    pub force: bool,
    /// Print the time spent in each phase, summed over all jobs.
    #[arg(long)]
    pub timings: bool,
    /// Write a Chrome trace of Typst's work (open in chrome://tracing or Perfetto).
    #[arg(long, value_name = "FILE.json")]
    pub trace: Option<PathBuf>,
}

/// Where outputs go, and whether the pages are written as PNG with them.
#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// The output folder (default: out/ in the project).
    #[arg(
        long,
        short = 'o',
        value_name = "DIR",
        env = "PAMPHLET_OUT",
        hide_env_values = true
    )]
    pub out: Option<PathBuf>,
    /// Also write every page as PNG, and a contact sheet, to out/png/.
    #[arg(long, alias = "preview")]
    pub png: bool,
    /// Resolution of the PNG pages, in pixels per inch.
    #[arg(long, value_name = "PPI", default_value_t = 96.0)]
    pub ppi: f64,
}

impl OutputArgs {
    /// The PNG resolution asked for, checked.
    pub fn png_ppi(&self) -> Result<Option<f64>, String> {
        if !self.png {
            return Ok(None);
        }
        if !(1.0..=1200.0).contains(&self.ppi) {
            return Err(format!("--ppi {} is out of range (1 to 1200)", self.ppi));
        }
        Ok(Some(self.ppi))
    }
}

/// `pamphlet check`.
#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// Project location and fonts.
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Output selection.
    #[command(flatten)]
    pub select: SelectArgs,
    /// Diagnostics.
    #[command(flatten)]
    pub diagnostics: DiagnosticArgs,
}

/// `pamphlet preflight`.
#[derive(Debug, Clone, Args)]
pub struct PreflightArgs {
    /// PDF files to check.
    #[arg(required = true, value_name = "FILE.pdf")]
    pub files: Vec<PathBuf>,
    /// Expected trim size (`a4`, `b5-jis`, `210mm x 297mm`).
    #[arg(long)]
    pub trim: Option<String>,
    /// Expected bleed (checks boxes and CMYK as for print).
    #[arg(long)]
    pub bleed: Option<String>,
    /// Expected page count.
    #[arg(long)]
    pub pages: Option<usize>,
    /// Check against a PDF/X part: output intent, version keys and XMP,
    /// dates, PDF version, boxes, colour spaces, transparency, annotations.
    #[arg(long, value_enum, value_name = "PART")]
    pub standard: Option<StandardArg>,
    /// Most total ink (C+M+Y+K, percent) inside the trim, checked with
    /// `--standard` or `--bleed`.
    #[arg(long, value_name = "PERCENT", default_value_t = 350.0)]
    pub max_ink: f64,
    /// Diagnostics.
    #[command(flatten)]
    pub diagnostics: DiagnosticArgs,
}

impl SelectArgs {
    /// The build request these arguments ask for.
    pub fn request(&self, out: Option<PathBuf>, write: bool, deny_warnings: bool) -> BuildRequest {
        BuildRequest {
            publications: self.publications.clone(),
            records: self.records.clone(),
            variants: (!self.variants.is_empty())
                .then(|| self.variants.iter().map(|v| (*v).into()).collect()),
            shard: self.shard,
            jobs: self.jobs.unwrap_or(0),
            out_dir: out,
            write,
            deny_warnings,
            timeout: Some(std::time::Duration::from_secs_f64(
                self.timeout.clamp(0.001, 86_400.0),
            )),
            ..Default::default()
        }
    }
}

/// Parses `K/N` with 1 ≤ K ≤ N.
pub fn parse_shard(s: &str) -> Result<(usize, usize), String> {
    let (k, n) = s
        .split_once('/')
        .ok_or_else(|| format!("`{s}` is not K/N, like 1/4"))?;
    let k: usize = k
        .trim()
        .parse()
        .map_err(|_| format!("`{k}` is not a number"))?;
    let n: usize = n
        .trim()
        .parse()
        .map_err(|_| format!("`{n}` is not a number"))?;
    if n == 0 || k == 0 || k > n {
        return Err(format!("shard {k}/{n}: need 1 ≤ K ≤ N"));
    }
    Ok((k, n))
}
