//! Writes stand-in portraits for trying photo layouts:
//! `cargo run --example portraits -- DIR ID…` writes `DIR/ID.jpg` (1600 ×
//! 1200 px, 4:3) for each id.
fn main() {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().expect("DIR"));
    std::fs::create_dir_all(&dir).expect("create DIR");
    for (i, id) in args.enumerate() {
        let path = dir.join(format!("{id}.jpg"));
        std::fs::write(
            &path,
            pamphlet::synth::portrait_jpeg(1600, 1200, i as u64, 88),
        )
        .expect("write portrait");
        println!("wrote {}", path.display());
    }
}
