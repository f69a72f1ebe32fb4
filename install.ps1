# Installs a released pamphlet on Windows (x86_64): downloads the build with
# the release's SHA256SUMS, verifies the checksum, and puts pamphlet.exe in
# a folder on the user's PATH. Refuses, installing nothing, when the
# checksum does not match.
#
#   irm https://github.com/OWNER/pamphlet/releases/latest/download/install.ps1 | iex
#   .\install.ps1 -Version 0.2.0 -To C:\tools\pamphlet
#
# Settings (parameters win over the environment):
#   -Version  PAMPHLET_VERSION      a release (0.2.0 or v0.2.0); default: the latest
#   -To       PAMPHLET_INSTALL_DIR  default: %LOCALAPPDATA%\Programs\pamphlet\bin
#   -BaseUrl  PAMPHLET_BASE_URL     where the release's files are (a URL or a folder)
#             PAMPHLET_REPO         owner/name on GitHub (set in a release's copy)
param(
    [string]$Version = $env:PAMPHLET_VERSION,
    [string]$To = $env:PAMPHLET_INSTALL_DIR,
    [string]$BaseUrl = $env:PAMPHLET_BASE_URL
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

function Fail([string]$message) {
    [Console]::Error.WriteLine("pamphlet install: error: $message")
    exit 1
}

$repo = if ($env:PAMPHLET_REPO) { $env:PAMPHLET_REPO } else { '@REPOSITORY@' }
$target = 'x86_64-pc-windows-msvc'
if ($Version) { $Version = $Version.TrimStart('v') }
if (-not $To) { $To = Join-Path $env:LOCALAPPDATA 'Programs\pamphlet\bin' }
if ([Environment]::Is64BitOperatingSystem -eq $false) { Fail 'no prebuilt pamphlet for 32-bit Windows' }
if (-not $BaseUrl) {
    if ($repo.StartsWith('@')) { Fail 'this copy of the script does not name its repository: set PAMPHLET_REPO=owner/name or -BaseUrl' }
    $BaseUrl = if ($Version) { "https://github.com/$repo/releases/download/v$Version" } else { "https://github.com/$repo/releases/latest/download" }
}

$tmp = Join-Path ([IO.Path]::GetTempPath()) ("pamphlet-" + [Guid]::NewGuid())
New-Item -ItemType Directory -Path $tmp | Out-Null
try {
    function Fetch([string]$name, [string]$dest) {
        if ($BaseUrl -match '^(https?|file)://') {
            try { Invoke-WebRequest -UseBasicParsing -Uri "$BaseUrl/$name" -OutFile $dest }
            catch { Fail "cannot download $BaseUrl/$name" }
        } else {
            try { Copy-Item -LiteralPath (Join-Path $BaseUrl $name) -Destination $dest }
            catch { Fail "cannot read $BaseUrl/$name" }
        }
    }

    Fetch 'SHA256SUMS' (Join-Path $tmp 'SHA256SUMS')
    $pattern = "^([0-9a-f]{64})  (pamphlet-(\S+)-$([regex]::Escape($target))\.zip)$"
    $line = Get-Content (Join-Path $tmp 'SHA256SUMS') | Where-Object { $_ -match $pattern } | Select-Object -First 1
    if (-not $line -or -not ($line -match $pattern)) { Fail "the release at $BaseUrl has no build for $target" }
    $want = $Matches[1]; $archive = $Matches[2]; $found = $Matches[3]
    if ($Version -and $found -ne $Version) { Fail "asked for $Version, but the release at $BaseUrl is $found" }

    Write-Host "pamphlet install: downloading pamphlet $found for $target"
    $zip = Join-Path $tmp $archive
    Fetch $archive $zip
    $got = (Get-FileHash -Algorithm SHA256 -LiteralPath $zip).Hash.ToLowerInvariant()
    if ($got -ne $want) { Fail "checksum mismatch for ${archive}: SHA256SUMS says $want, the download is $got; nothing was installed" }

    $unpacked = Join-Path $tmp 'unpacked'
    Expand-Archive -LiteralPath $zip -DestinationPath $unpacked
    $binary = Join-Path $unpacked "pamphlet-$found-$target\pamphlet.exe"
    if (-not (Test-Path -LiteralPath $binary)) { Fail "$archive holds no pamphlet.exe" }

    New-Item -ItemType Directory -Force -Path $To | Out-Null
    # Copied beside its place, then renamed over the old one.
    $staged = Join-Path $To ".pamphlet.$PID.exe"
    Copy-Item -LiteralPath $binary -Destination $staged
    Move-Item -Force -LiteralPath $staged -Destination (Join-Path $To 'pamphlet.exe')
    Write-Host "pamphlet install: installed pamphlet $found to $(Join-Path $To 'pamphlet.exe')"

    $userPath = [Environment]::GetEnvironmentVariable('Path', 'User')
    if (-not (($userPath -split ';') -contains $To)) {
        [Environment]::SetEnvironmentVariable('Path', ($(if ($userPath) { "$userPath;" } else { '' }) + $To), 'User')
        Write-Host "pamphlet install: added $To to your PATH (open a new terminal to use it)"
    }
    if ($env:GITHUB_PATH) { Add-Content -LiteralPath $env:GITHUB_PATH -Value $To }
}
finally {
    Remove-Item -Recurse -Force -LiteralPath $tmp -ErrorAction SilentlyContinue
}
