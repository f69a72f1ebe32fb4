//! Writes a synthetic handout project: `cargo run --example synth -- DIR N`.
//! With a third argument `csv`, the records benchmark's project instead:
//! members in `content/members.csv`, answers of 60–140 characters; with
//! `photos`, the photos benchmark's project: a 12-megapixel portrait of
//! its own for each member.
fn main() {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().expect("DIR"));
    let n: usize = args.next().expect("N").parse().expect("N is a number");
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let layouts = repo.join("layouts");
    match args.next().as_deref() {
        Some("csv") => {
            pamphlet::synth::write_records_project(&dir, &layouts, n, 42, (60, 140), true)
        }
        Some("photos") => {
            pamphlet::synth::write_handout_project(&dir, &layouts, n, 42).and_then(|()| {
                let a = pamphlet::synth::portrait_jpeg(4000, 3000, 7, 92);
                let b = pamphlet::synth::portrait_jpeg(4000, 3000, 8, 92);
                let portraits = pamphlet::synth::Portraits::Distinct(&a, &b);
                pamphlet::synth::add_portraits(&dir, n, portraits)
            })
        }
        Some(other) => panic!("unknown kind {other:?} (give `csv`, `photos` or nothing)"),
        None => pamphlet::synth::write_handout_project(&dir, &layouts, n, 42),
    }
    .expect("write project");
    println!("wrote {} with {n} members", dir.display());
}
