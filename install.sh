#!/bin/sh
# Installs a released pamphlet on Linux or macOS: picks the build for this
# machine, downloads it with the release's SHA256SUMS, verifies the
# checksum, and puts `pamphlet` in a folder on PATH. Refuses, installing
# nothing, when the checksum does not match.
#
#   curl -fsSL https://github.com/OWNER/pamphlet/releases/latest/download/install.sh | sh
#   sh install.sh --version 0.2.0 --to /usr/local/bin
#
# Settings (options win over the environment):
#   --version V   PAMPHLET_VERSION    a release (0.2.0 or v0.2.0); default: the latest
#   --to DIR      PAMPHLET_INSTALL_DIR where to install; default: ~/.local/bin
#   --base-url U  PAMPHLET_BASE_URL   where the release's files are (a URL or a
#                                     folder): a mirror, or a test
#   --target T    PAMPHLET_TARGET     a build other than this machine's
#                 PAMPHLET_REPO       owner/name on GitHub (set in a release's copy)
set -eu

repo="${PAMPHLET_REPO:-@REPOSITORY@}"
version="${PAMPHLET_VERSION:-}"
dir="${PAMPHLET_INSTALL_DIR:-${HOME:-}/.local/bin}"
base="${PAMPHLET_BASE_URL:-}"
target="${PAMPHLET_TARGET:-}"

say() { printf 'pamphlet install: %s\n' "$*" >&2; }
fail() {
  say "error: $*"
  exit 1
}

while [ $# -gt 0 ]; do
  case "$1" in
    --version) version="${2:?--version needs a value}"; shift 2 ;;
    --to) dir="${2:?--to needs a folder}"; shift 2 ;;
    --base-url) base="${2:?--base-url needs a URL or a folder}"; shift 2 ;;
    --target) target="${2:?--target needs a target}"; shift 2 ;;
    -h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) fail "unknown option '$1' (see --help)" ;;
  esac
done
version="${version#v}"

# The build for this machine: the targets a release has.
if [ -z "$target" ]; then
  os="$(uname -s)"
  arch="$(uname -m)"
  case "$arch" in
    x86_64 | amd64) arch=x86_64 ;;
    aarch64 | arm64) arch=aarch64 ;;
    *) fail "no prebuilt pamphlet for a $arch processor; build it from source (README: Install)" ;;
  esac
  case "$os" in
    Linux) target="$arch-unknown-linux-gnu" ;;
    Darwin)
      # An x86_64 shell under Rosetta on Apple silicon: the native build.
      if [ "$arch" = x86_64 ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || echo 0)" = 1 ]; then
        arch=aarch64
      fi
      target="$arch-apple-darwin"
      ;;
    *) fail "no prebuilt pamphlet for $os here; on Windows use install.ps1, elsewhere build from source (README: Install)" ;;
  esac
fi

if [ -z "$base" ]; then
  case "$repo" in
    @*) fail "this copy of the script does not name its repository: set PAMPHLET_REPO=owner/name or --base-url" ;;
  esac
  if [ -n "$version" ]; then
    base="https://github.com/$repo/releases/download/v$version"
  else
    base="https://github.com/$repo/releases/latest/download"
  fi
fi

tmp="$(mktemp -d 2>/dev/null || mktemp -d -t pamphlet)"
trap 'rm -rf "$tmp"' EXIT INT TERM

# Copies `$base/$1` to `$2`: from a folder, or over HTTPS (curl or wget).
fetch() {
  case "$base" in
    http://*) fail "refusing to download over plain HTTP: $base (use https://)" ;;
    https://* | file://*)
      if command -v curl >/dev/null 2>&1; then
        curl --proto '=https,file' --tlsv1.2 -fsSL "$base/$1" -o "$2" ||
          fail "cannot download $base/$1"
      elif command -v wget >/dev/null 2>&1; then
        wget -q -O "$2" "$base/$1" || fail "cannot download $base/$1"
      else
        fail "neither curl nor wget is installed"
      fi
      ;;
    *) cp "$base/$1" "$2" 2>/dev/null || fail "cannot read $base/$1" ;;
  esac
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d' ' -f1
  elif command -v openssl >/dev/null 2>&1; then
    openssl dgst -sha256 -r "$1" | cut -d' ' -f1
  else
    fail "no sha256sum, shasum or openssl to verify the download with"
  fi
}

fetch SHA256SUMS "$tmp/SHA256SUMS"
# The archive for the target, named with its version: the latest release
# is found without asking GitHub's API.
line="$(grep -E "^[0-9a-f]{64}  pamphlet-[^ ]+-$target\.tar\.xz\$" "$tmp/SHA256SUMS" | head -n 1 || true)"
[ -n "$line" ] || fail "the release at $base has no build for $target"
want="${line%% *}"
archive="${line#*  }"
found="${archive#pamphlet-}"
found="${found%-"$target".tar.xz}"
if [ -n "$version" ] && [ "$found" != "$version" ]; then
  fail "asked for $version, but the release at $base is $found"
fi

say "downloading pamphlet $found for $target"
fetch "$archive" "$tmp/$archive"
got="$(sha256 "$tmp/$archive")"
if [ "$got" != "$want" ]; then
  fail "checksum mismatch for $archive: SHA256SUMS says $want, the download is $got; nothing was installed"
fi

mkdir -p "$tmp/unpacked"
tar -xJf "$tmp/$archive" -C "$tmp/unpacked" || fail "cannot unpack $archive (is xz installed?)"
binary="$tmp/unpacked/pamphlet-$found-$target/pamphlet"
[ -f "$binary" ] || fail "$archive holds no pamphlet binary"

mkdir -p "$dir" || fail "cannot create $dir"
# Copied beside its place, then renamed: a running pamphlet, or one cut
# off half-way, is never replaced by half a file.
cp "$binary" "$dir/.pamphlet.$$" || fail "cannot write to $dir"
chmod 755 "$dir/.pamphlet.$$"
mv -f "$dir/.pamphlet.$$" "$dir/pamphlet" || {
  rm -f "$dir/.pamphlet.$$"
  fail "cannot install to $dir/pamphlet"
}
say "installed pamphlet $found to $dir/pamphlet"
case ":${PATH:-}:" in
  *":$dir:"*) ;;
  *) say "$dir is not on PATH: add it, e.g. export PATH=\"$dir:\$PATH\"" ;;
esac
