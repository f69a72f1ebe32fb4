//! Writes a synthetic handout project: `cargo run --example synth -- DIR N`.
fn main() {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().expect("DIR"));
    let n: usize = args.next().expect("N").parse().expect("N is a number");
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    pamphlet::synth::write_handout_project(&dir, &repo.join("layouts"), n, 42)
        .expect("write project");
    println!("wrote {} with {n} members", dir.display());
}
