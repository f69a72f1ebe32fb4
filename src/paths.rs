//! Paths as the manifest and the content write them: relative to the
//! project folder, `/`-separated, never leaving it. Below both
//! [`crate::content`] (a `file` field) and [`crate::project`] (the
//! manifest's paths), which check them the same way.

use std::path::{Component, Path, PathBuf};

/// Checks that `s` is a relative path that stays inside the project, and
/// normalises it.
pub fn relative_path(s: &str) -> Result<PathBuf, String> {
    if s.is_empty() {
        return Err("the path is empty".into());
    }
    if s.contains('\\') {
        return Err(format!("`{s}` contains a backslash; write paths with `/`"));
    }
    let p = Path::new(s);
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return Err(format!("`{s}` leaves the project folder"));
                }
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(format!(
                    "`{s}` is an absolute path; it must be relative to the project folder"
                ));
            }
        }
    }
    if out.as_os_str().is_empty() {
        return Err(format!("`{s}` names the project folder itself"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_and_confines() {
        assert_eq!(
            relative_path("./a/../b/c.yaml").unwrap(),
            PathBuf::from("b/c.yaml")
        );
        assert!(relative_path("../c.yaml").unwrap_err().contains("leaves"));
        assert!(relative_path("/etc/x").unwrap_err().contains("absolute"));
        assert!(relative_path("a\\b").unwrap_err().contains("backslash"));
        assert!(relative_path("a/..").unwrap_err().contains("itself"));
    }
}
