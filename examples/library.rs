//! Using pamphlet as a library: load a project, check it, build one
//! publication to bytes, and build everything into a folder.
//!
//! `cargo run --example library` (from the repository root).

use pamphlet::{BuildRequest, JobStatus, NoProgress, Session, SessionOptions, Variant};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let project = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let session = Session::open(project, &SessionOptions::default())?;

    // The publications and where their content is.
    for p in &session.project.publications {
        println!("{:<10} {} → {}", p.name, p.content, p.output);
    }

    // One handout, as PDF bytes in memory.
    let pdf = session.compile_pdf("handout", Some("sotetsu"), Variant::Print)?;
    println!("handout for sotetsu: {} bytes", pdf.len());

    // Everything, into a temporary folder, with every problem as data.
    let out = std::env::temp_dir().join("pamphlet-example");
    let request = BuildRequest {
        out_dir: Some(out.clone()),
        write: true,
        ..Default::default()
    };
    let report = session.build(&request, &mut NoProgress);
    for d in report.diagnostics.iter() {
        println!("{d}");
    }
    for job in &report.jobs {
        if let JobStatus::Built { pages, bytes, .. } = job.status {
            println!("{} ({pages} pages, {bytes} bytes)", job.path.display());
        }
    }
    println!(
        "{} built, {} skipped, {} failed, in {:?}",
        report.built(),
        report.skipped(),
        report.failed(),
        report.duration
    );
    Ok(())
}
