//! Compresses the bundled output profile once, at build time: PDF/X files
//! embed it as a Flate stream, and compressing its 1.98 MB took 75 ms of
//! every process that wrote one. The stream decompresses to the profile's
//! bytes, unchanged (as its licence requires).

use std::io::Write;
use std::path::PathBuf;

fn main() {
    let profile = "profiles/JapanColor2011Coated.icc";
    println!("cargo:rerun-if-changed={profile}");
    let bytes = std::fs::read(profile).expect("the bundled output profile");
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(&bytes).expect("compress in memory");
    let compressed = encoder.finish().expect("compress in memory");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR is set by cargo"));
    std::fs::write(out.join("JapanColor2011Coated.icc.zlib"), compressed)
        .expect("write to OUT_DIR");
}
