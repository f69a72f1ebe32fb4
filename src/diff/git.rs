//! The base of a comparison read from git: which revision (the merge base
//! with the default branch, or `HEAD` when the tree has changes), and the
//! project as it was there, written into a folder of its own with git's
//! plumbing (`ls-tree`, `cat-file`). The working tree, the index and the
//! refs are never touched.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Why the base could not be read from git.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GitError {
    /// git could not be run.
    #[error(
        "cannot run git: {0} (pamphlet diff reads the base from git; give --base DIR for a folder)"
    )]
    Missing(String),
    /// The project is not in a git repository.
    #[error(
        "{0} is not in a git repository: give --base DIR (a project folder, or an earlier out/ folder)"
    )]
    NotARepository(String),
    /// The revision does not name a commit.
    #[error("`{0}` is not a commit in this repository")]
    UnknownRevision(String),
    /// git failed otherwise.
    #[error("git {command} failed: {message}")]
    Failed {
        /// The git command, without `git`.
        command: String,
        /// What git said.
        message: String,
    },
    /// A file of the base could not be written.
    #[error("cannot write {0}: {1}")]
    Write(String, String),
}

/// Runs git in `dir` with `args`; its output, trimmed.
fn git(dir: &Path, args: &[&str]) -> Result<String, GitError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| GitError::Missing(e.to_string()))?;
    if !out.status.success() {
        return Err(GitError::Failed {
            command: args.join(" "),
            message: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim_end().to_string())
}

/// Where the project at `root` is in its repository: the repository's top
/// folder and the project's path in it (`""` at the top, else ending in
/// `/`).
pub fn locate(root: &Path) -> Result<(PathBuf, String), GitError> {
    let out =
        git(root, &["rev-parse", "--show-toplevel", "--show-prefix"]).map_err(|e| match e {
            GitError::Failed { .. } => GitError::NotARepository(root.display().to_string()),
            e => e,
        })?;
    let mut lines = out.lines();
    let top = lines.next().unwrap_or_default().to_string();
    let prefix = lines.next().unwrap_or_default().to_string();
    Ok((PathBuf::from(top), prefix))
}

/// The full id of the commit `rev` names.
pub fn resolve(root: &Path, rev: &str) -> Result<String, GitError> {
    git(
        root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .ok()
    .filter(|id| !id.is_empty())
    .ok_or_else(|| GitError::UnknownRevision(rev.to_string()))
}

/// The commit's one-line description: short id and subject.
pub fn describe(root: &Path, commit: &str) -> String {
    git(root, &["log", "-1", "--format=%h %s", commit])
        .unwrap_or_else(|_| commit[..7.min(commit.len())].to_string())
}

/// The default base: `HEAD` when the project's files have changes not
/// committed, else the merge base of `HEAD` with the default branch
/// (`origin/HEAD`, else `main` or `master`), else `HEAD`.
pub fn default_base(root: &Path) -> Result<String, GitError> {
    let dirty = git(
        root,
        &[
            "status",
            "--porcelain",
            "--untracked-files=normal",
            "--",
            ".",
        ],
    )?;
    // Changes only under out/ (the outputs) do not count.
    let dirty = dirty.lines().any(|l| {
        l.get(3..)
            .is_some_and(|p| !p.starts_with("out/") && !p.contains("/out/"))
    });
    if dirty {
        return Ok("HEAD".into());
    }
    let branch = [
        "refs/remotes/origin/HEAD",
        "refs/heads/main",
        "refs/heads/master",
    ]
    .into_iter()
    .find(|r| git(root, &["rev-parse", "--verify", "--quiet", r]).is_ok_and(|s| !s.is_empty()));
    match branch {
        Some(branch) => {
            Ok(git(root, &["merge-base", "HEAD", branch]).unwrap_or_else(|_| "HEAD".into()))
        }
        None => Ok("HEAD".into()),
    }
}

/// Writes the files under `prefix` of `commit` into `dest` (the project as
/// it was: `dest/<path below prefix>`) for which `wanted` holds (given
/// the path relative to the project). Symbolic links and submodules are
/// left out. Returns the number of files written.
pub fn extract(
    top: &Path,
    commit: &str,
    prefix: &str,
    dest: &Path,
    wanted: &dyn Fn(&Path) -> bool,
) -> Result<usize, GitError> {
    let mut args = vec!["ls-tree", "-r", "-z", "--full-tree", commit];
    if !prefix.is_empty() {
        args.extend(["--", prefix]);
    }
    let list = Command::new("git")
        .arg("-C")
        .arg(top)
        .args(&args)
        .output()
        .map_err(|e| GitError::Missing(e.to_string()))?;
    if !list.status.success() {
        return Err(GitError::Failed {
            command: args.join(" "),
            message: String::from_utf8_lossy(&list.stderr).trim().to_string(),
        });
    }
    // "<mode> blob <id>\t<path>", NUL-separated.
    let blobs: Vec<(String, PathBuf)> = list
        .stdout
        .split(|b| *b == 0)
        .filter_map(|entry| {
            let entry = std::str::from_utf8(entry).ok()?;
            let (meta, path) = entry.split_once('\t')?;
            let mut meta = meta.split(' ');
            let (mode, kind, id) = (meta.next()?, meta.next()?, meta.next()?);
            let rel = PathBuf::from(path.strip_prefix(prefix)?);
            let wanted = kind == "blob" && mode != "120000" && wanted(&rel);
            wanted.then(|| (id.to_string(), rel))
        })
        .collect();
    let mut child = Command::new("git")
        .arg("-C")
        .arg(top)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| GitError::Missing(e.to_string()))?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let ids: Vec<String> = blobs.iter().map(|(id, _)| id.clone()).collect();
    // Fed from its own thread: git writes blobs while it reads ids.
    let feeder = std::thread::spawn(move || {
        for id in ids {
            if writeln!(stdin, "{id}").is_err() {
                break;
            }
        }
    });
    let mut out = BufReader::new(child.stdout.take().expect("piped stdout"));
    let failed = |message: String| GitError::Failed {
        command: "cat-file --batch".into(),
        message,
    };
    for (_, rel) in &blobs {
        let mut header = String::new();
        out.read_line(&mut header)
            .map_err(|e| failed(e.to_string()))?;
        // "<id> blob <size>"
        let size: usize = header
            .split_whitespace()
            .nth(2)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| failed(format!("unexpected answer `{}`", header.trim())))?;
        let mut bytes = vec![0; size + 1];
        out.read_exact(&mut bytes)
            .map_err(|e| failed(e.to_string()))?;
        bytes.truncate(size);
        let path = dest.join(rel);
        crate::output::write_atomic(&path, &bytes)
            .map_err(|e| GitError::Write(path.display().to_string(), e.to_string()))?;
    }
    let _ = feeder.join();
    let _ = child.wait();
    Ok(blobs.len())
}

/// A revision of the project written into a temporary folder, removed when
/// dropped.
pub struct Checkout {
    /// The folder (the project as it was at the revision).
    pub dir: tempfile::TempDir,
    /// `REV (1a2b3c4 subject)`, for people.
    pub label: String,
    /// Whether the folders asked to be shared were unchanged (and so not
    /// written: the head's are the base's).
    pub shared: bool,
    top: PathBuf,
    commit: String,
    prefix: String,
    skipped: Vec<PathBuf>,
}

impl Checkout {
    /// Writes the folders left out as shared after all (the base turns out
    /// not to use them as the head does).
    pub fn unshare(&mut self) -> Result<(), GitError> {
        if self.skipped.is_empty() {
            return Ok(());
        }
        let skipped = std::mem::take(&mut self.skipped);
        extract(
            &self.top,
            &self.commit,
            &self.prefix,
            self.dir.path(),
            &|rel| skipped.iter().any(|s| rel.starts_with(s)),
        )?;
        self.shared = false;
        Ok(())
    }
}

/// Whether the files under `paths` (relative to the project at `root`) are
/// in the working tree as they are in `commit`: no change, no file that
/// git does not track.
pub fn unchanged_since(root: &Path, commit: &str, paths: &[PathBuf]) -> bool {
    if paths.is_empty() {
        return true;
    }
    let paths: Vec<String> = paths
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let mut diff = vec!["diff", "--quiet", commit, "--"];
    diff.extend(paths.iter().map(String::as_str));
    let mut others = vec!["ls-files", "--others", "--exclude-standard", "--"];
    others.extend(paths.iter().map(String::as_str));
    git(root, &diff).is_ok() && git(root, &others).is_ok_and(|out| out.is_empty())
}

/// The project at `root` as it was at `rev` (the default base when
/// `None`), written into a temporary folder. `shared` names folders
/// (relative to the project: the font folders) whose files are to be left
/// out when they are unchanged since that commit; [`Checkout::shared`]
/// says whether they were.
pub fn checkout(root: &Path, rev: Option<&str>, shared: &[PathBuf]) -> Result<Checkout, GitError> {
    let (top, prefix) = locate(root)?;
    let rev = match rev {
        Some(rev) => rev.to_string(),
        None => default_base(root)?,
    };
    let commit = resolve(root, &rev)?;
    let dir = tempfile::Builder::new()
        .prefix("pamphlet-diff-")
        .tempdir()
        .map_err(|e| GitError::Write(std::env::temp_dir().display().to_string(), e.to_string()))?;
    let unchanged = unchanged_since(root, &commit, shared);
    let skip = if unchanged { shared } else { &[] };
    extract(&top, &commit, &prefix, dir.path(), &|rel| {
        !skip.iter().any(|s| rel.starts_with(s))
    })?;
    let described = describe(root, &commit);
    let label = if commit == rev || described.starts_with(&rev) {
        described
    } else {
        format!("{rev} ({described})")
    };
    Ok(Checkout {
        dir,
        label,
        shared: unchanged,
        top,
        commit,
        prefix,
        skipped: skip.to_vec(),
    })
}
