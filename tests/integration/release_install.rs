//! Releases as a user meets them: the archives `.ci/package` packs (every
//! licence inside, the same bytes twice), and `install.sh` against a
//! folder laid out as a release — it installs a good one, and refuses a
//! tampered archive, a version it was not asked for, and a target the
//! release lacks, installing nothing and leaving what was there.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const VERSION: &str = "9.9.9";
const TARGET: &str = "x86_64-unknown-linux-gnu";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A stand-in for the binary (the test build's is hundreds of MB, slow to
/// pack): a script that says its version, as `pamphlet --version` does.
fn binary(dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("pamphlet-binary");
    std::fs::write(&path, format!("#!/bin/sh\necho 'pamphlet {VERSION}'\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// `.ci/package VERSION target <binary> out`: the archive.
fn package(target: &str, out: &Path) -> PathBuf {
    let licences = out.join("THIRD-PARTY-LICENSES.html");
    std::fs::create_dir_all(out).unwrap();
    std::fs::write(&licences, "<p>every crate's licence</p>").unwrap();
    let run = Command::new(repo().join(".ci/package"))
        .args([VERSION, target])
        .arg(binary(out))
        .arg(out)
        .env("THIRD_PARTY", &licences)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    PathBuf::from(String::from_utf8(run.stdout).unwrap().trim())
}

/// A folder laid out as a release: the archive and SHA256SUMS.
fn release(dir: &Path) -> PathBuf {
    let folder = dir.join("release");
    let archive = package(TARGET, &folder);
    std::fs::remove_file(folder.join("THIRD-PARTY-LICENSES.html")).unwrap();
    let name = archive.file_name().unwrap().to_str().unwrap().to_string();
    let sums = Command::new("sha256sum")
        .arg(&name)
        .current_dir(&folder)
        .output()
        .unwrap();
    std::fs::write(folder.join("SHA256SUMS"), sums.stdout).unwrap();
    folder
}

fn install(base: &str, to: &Path, extra: &[&str]) -> Output {
    Command::new("sh")
        .arg(repo().join("install.sh"))
        .args(["--base-url", base, "--target", TARGET, "--to"])
        .arg(to)
        .args(extra)
        .env_remove("PAMPHLET_VERSION")
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn an_archive_holds_the_binary_the_readme_and_every_licence_and_is_reproducible() {
    let dir = tempfile::tempdir().unwrap();
    let archive = package(TARGET, &dir.path().join("a"));
    let again = package(TARGET, &dir.path().join("b"));
    assert_eq!(
        std::fs::read(&archive).unwrap(),
        std::fs::read(&again).unwrap(),
        "the same inputs pack to the same bytes"
    );
    let list = Command::new("tar")
        .arg("-tJvf")
        .arg(&archive)
        .output()
        .unwrap();
    assert!(list.status.success(), "{}", stderr(&list));
    let list = String::from_utf8(list.stdout).unwrap();
    let root = format!("pamphlet-{VERSION}-{TARGET}");
    for file in [
        "pamphlet",
        "README.md",
        "LICENSE-MIT",
        "LICENSE-APACHE",
        "licenses/THIRD-PARTY-LICENSES.html",
        "licenses/fonts/OFL-BIZUD.txt",
        "licenses/fonts/OFL-NotoSansSymbols2.txt",
        "licenses/profiles/JapanColor2011Coated.md",
    ] {
        assert!(
            list.contains(&format!("{root}/{file}\n")),
            "{file} in\n{list}"
        );
    }
    // Owned by root, the binary executable, dated SOURCE_DATE_EPOCH.
    let binary = list
        .lines()
        .find(|l| l.ends_with(&format!("{root}/pamphlet")))
        .unwrap();
    assert!(binary.starts_with("-rwxr-xr-x 0/0"), "{binary}");
    assert!(binary.contains("2023-11-14"), "{binary}");

    // Windows: a zip with pamphlet.exe, as reproducible.
    let zip = package("x86_64-pc-windows-msvc", &dir.path().join("w"));
    let zip2 = package("x86_64-pc-windows-msvc", &dir.path().join("w2"));
    assert_eq!(std::fs::read(&zip).unwrap(), std::fs::read(&zip2).unwrap());
    let names = Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile; print('\\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))",
        ])
        .arg(&zip)
        .output()
        .unwrap();
    let names = String::from_utf8(names.stdout).unwrap();
    assert!(
        names.contains(&format!(
            "pamphlet-{VERSION}-x86_64-pc-windows-msvc/pamphlet.exe\n"
        )),
        "{names}"
    );
    assert!(
        names.contains("/licenses/THIRD-PARTY-LICENSES.html"),
        "{names}"
    );
}

#[test]
fn the_install_script_installs_a_verified_release_and_refuses_a_tampered_one() {
    let dir = tempfile::tempdir().unwrap();
    let folder = release(dir.path());
    let base = folder.to_str().unwrap();

    // A good release, from a folder and over file:// (the curl path): the
    // version is read from SHA256SUMS, the binary runs.
    let to = dir.path().join("bin");
    let out = install(base, &to, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "installed pamphlet {VERSION} to {}",
            to.join("pamphlet").display()
        )),
        "{}",
        stderr(&out)
    );
    let version = Command::new(to.join("pamphlet"))
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&version.stdout),
        format!("pamphlet {VERSION}\n")
    );
    let to_url = dir.path().join("bin-url");
    let out = install(&format!("file://{base}"), &to_url, &["--version", VERSION]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(to_url.join("pamphlet")).unwrap(),
        std::fs::read(folder.join("pamphlet-binary")).unwrap()
    );

    // A release asked for by another version, or without this target.
    let other = dir.path().join("other");
    let out = install(base, &other, &["--version", "v1.0.0"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains(&format!(
            "asked for 1.0.0, but the release at {base} is {VERSION}"
        )),
        "{}",
        stderr(&out)
    );
    let out = Command::new("sh")
        .arg(repo().join("install.sh"))
        .args([
            "--base-url",
            base,
            "--target",
            "riscv64gc-unknown-linux-gnu",
            "--to",
        ])
        .arg(&other)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("has no build for riscv64gc-unknown-linux-gnu"),
        "{}",
        stderr(&out)
    );
    assert!(!other.exists(), "nothing installed");

    // Plain HTTP is refused before anything is downloaded.
    let out = install("http://example.invalid/release", &other, &[]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("refusing to download over plain HTTP"),
        "{}",
        stderr(&out)
    );

    // One byte of the archive changed: refused, and the pamphlet already
    // installed there is left as it was.
    let archive = folder.join(format!("pamphlet-{VERSION}-{TARGET}.tar.xz"));
    let mut bytes = std::fs::read(&archive).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    std::fs::write(&archive, bytes).unwrap();
    std::fs::write(to.join("pamphlet"), "the old one").unwrap();
    let out = install(base, &to, &[]);
    assert!(!out.status.success(), "a tampered archive must be refused");
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "checksum mismatch for pamphlet-{VERSION}-{TARGET}.tar.xz"
        )) && err.contains("nothing was installed"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(to.join("pamphlet")).unwrap(),
        "the old one"
    );
    let left: Vec<_> = std::fs::read_dir(&to)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["pamphlet"], "no temporary file left");
}
