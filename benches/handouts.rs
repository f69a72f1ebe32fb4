//! Handouts at scale: `pamphlet` (one process, one shared World, parallel)
//! against the typst CLI run once per handout on the same template and data
//! — serially, and `nproc` at a time — for N = 10, 100, 1000 members.
//!
//! Run with `cargo bench --bench handouts`. Sizes can be chosen with
//! `PAMPHLET_BENCH_N=10,100`. The typst CLI is taken from `PATH` (or
//! `~/.cargo/bin`); when missing it is installed with
//! `cargo install typst-cli --locked` (about 25 minutes on 2 cores).
//!
//! pamphlet's figure is the median of its builds: three before the typst
//! CLI's loops and one after each half of every loop (eleven in all), so
//! that its builds and the loops they are compared with see the same
//! minutes of a machine whose speed drifts. Prints, per N: wall
//! time, time per handout, peak RSS, and the ratio of
//! each baseline to pamphlet, all measured in the same run. Also times one
//! pamphlet (the crosstalk feature) both ways.
//!
//! `PAMPHLET_BENCH_BASELINE=/path/to/an/older/pamphlet` also times that
//! binary on the same projects, its builds alternating with this one's
//! (each of ours paired with one of its, first in turns; the same median),
//! for a before/after comparison in one run, and
//! checks that both write byte-identical handouts when the output should
//! not have changed (`PAMPHLET_BENCH_SAME_OUTPUT=1`).
//! `PAMPHLET_BENCH_CLI=0` leaves the typst CLI out.

#[path = "support/mod.rs"]
mod support;
use support::{
    Measure, binary_cmd, copy_dir, flush_to_disk, median, mib, pamphlet_cmd, run_all, typst_cli,
    typst_cmd, write_cli_inputs, write_per_record_inputs,
};

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn row(name: &str, n: usize, m: Measure, base: Duration) {
    println!(
        "| {n:>5} | {name:<28} | {:>8.2} s | {:>7.1} ms | {:>8} | {:>6.1}× |",
        m.wall.as_secs_f64(),
        m.wall.as_secs_f64() * 1000.0 / n as f64,
        mib(m.peak_kib),
        m.wall.as_secs_f64() / base.as_secs_f64()
    );
}

fn main() {
    // `cargo bench` passes `--bench`; ignore arguments.
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let fonts = repo.join("fonts");
    let with_cli = std::env::var("PAMPHLET_BENCH_CLI").map_or(true, |v| v != "0");
    let baseline = std::env::var_os("PAMPHLET_BENCH_BASELINE").map(PathBuf::from);
    let same_output = std::env::var("PAMPHLET_BENCH_SAME_OUTPUT").is_ok_and(|v| v == "1");
    let typst = if with_cli {
        typst_cli()
    } else {
        PathBuf::from("typst")
    };
    let nproc = std::thread::available_parallelism().map_or(1, |n| n.get());
    let sizes: Vec<usize> = std::env::var("PAMPHLET_BENCH_N")
        .unwrap_or_else(|_| "10,100,1000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let version = if !with_cli {
        "no typst CLI (PAMPHLET_BENCH_CLI=0)".to_string()
    } else {
        Command::new(&typst)
            .arg("--version")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default()
    };
    println!(
        "pamphlet {} vs {version}; {nproc} cores\n",
        env!("CARGO_PKG_VERSION")
    );

    // One pamphlet (the print variant) against a baseline binary: median
    // of 11 alternating whole-process runs each, and the PDFs' sizes.
    if let Some(b) = &baseline {
        let out = tempfile::tempdir().unwrap();
        let mut ours = Vec::new();
        let mut theirs = Vec::new();
        let size = |dir: &str| {
            std::fs::metadata(out.path().join(dir).join("crosstalk.pdf")).map_or(0, |m| m.len())
        };
        // The repository's project with only the keys an older pamphlet
        // knows (its newer ones are about other publications).
        let project = tempfile::tempdir().unwrap();
        let manifest = std::fs::read_to_string(repo.join("pamphlet.toml")).unwrap();
        let known: String = manifest
            .lines()
            .filter(|l| {
                !["merge", "merge_pdf_standard", "pad_to"]
                    .iter()
                    .any(|k| l.starts_with(&format!("{k} =")))
            })
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(project.path().join("pamphlet.toml"), known).unwrap();
        copy_dir(&repo.join("content"), &project.path().join("content"));
        copy_dir(&repo.join("layouts"), &project.path().join("layouts"));
        let repo = project.path().to_path_buf();
        for run in 0..12 {
            for (binary, dir, times) in [
                (Path::new(env!("CARGO_BIN_EXE_pamphlet")), "this", &mut ours),
                (b.as_path(), "baseline", &mut theirs),
            ] {
                let t = Instant::now();
                let s = binary_cmd(
                    binary,
                    &repo,
                    &fonts,
                    &[
                        "build",
                        "-p",
                        "crosstalk",
                        "--variant",
                        "print",
                        "--force",
                        "--out",
                    ],
                )
                .arg(out.path().join(dir))
                .output()
                .unwrap();
                assert!(s.status.success(), "{}", String::from_utf8_lossy(&s.stderr));
                if run > 0 {
                    times.push(t.elapsed());
                }
            }
        }
        let (o, t) = (median(ours), median(theirs));
        println!("One pamphlet (crosstalk, print), median of 11 alternating whole-process runs:");
        println!(
            "  this pamphlet: {:.0} ms, {:.0} KiB; baseline: {:.0} ms, {:.0} KiB; ratio this / baseline = {:.2}×\n",
            o.as_secs_f64() * 1000.0,
            size("this") as f64 / 1024.0,
            t.as_secs_f64() * 1000.0,
            size("baseline") as f64 / 1024.0,
            o.as_secs_f64() / t.as_secs_f64()
        );
    }

    // One pamphlet, both ways (median of 11 each, whole processes).
    if with_cli {
        let out = tempfile::tempdir().unwrap();
        let mut ours = Vec::new();
        let mut theirs = Vec::new();
        let status = pamphlet_cmd(&repo, &fonts, &["inputs", "crosstalk", "-o"])
            .arg(out.path().join("data.json"))
            .status()
            .unwrap();
        assert!(status.success());
        // The typst CLI reads the data from inside its root.
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("out/inputs")).unwrap();
        std::fs::copy(
            out.path().join("data.json"),
            root.path().join("out/inputs/data.json"),
        )
        .unwrap();
        copy_dir(&repo.join("layouts"), &root.path().join("layouts"));
        // One warm-up run of each (file cache), then 11 alternating runs,
        // each after the files written before it are on disk (as for the
        // batches below): a run's 2 MB PDF otherwise goes to disk during
        // the next.
        for run in 0..12 {
            flush_to_disk();
            let t = Instant::now();
            let s = pamphlet_cmd(
                &repo,
                &fonts,
                &["build", "-p", "crosstalk", "--variant", "print", "--out"],
            )
            .arg(out.path())
            .output()
            .unwrap();
            assert!(s.status.success());
            if run > 0 {
                ours.push(t.elapsed());
            }
            let _ = std::fs::remove_file(out.path().join("crosstalk.pdf"));
            flush_to_disk();
            let t = Instant::now();
            let s = typst_cmd(
                &typst,
                root.path(),
                &fonts,
                "layouts/crosstalk/pamphlet.typ",
                None,
                &out.path().join("cli.pdf"),
            )
            .output()
            .unwrap();
            assert!(s.status.success(), "{}", String::from_utf8_lossy(&s.stderr));
            if run > 0 {
                theirs.push(t.elapsed());
            }
        }
        let (o, t) = (median(ours), median(theirs));
        println!("One pamphlet (crosstalk, 4 pages), median of 11 whole-process runs:");
        println!(
            "  pamphlet build (with marks, page boxes, preflight): {:.0} ms",
            o.as_secs_f64() * 1000.0
        );
        println!(
            "  typst compile (same layout and data):              {:.0} ms",
            t.as_secs_f64() * 1000.0
        );
        println!(
            "  ratio: typst CLI / pamphlet = {:.2}×\n",
            t.as_secs_f64() / o.as_secs_f64()
        );
    }

    println!(
        "| N     | run                          | wall       | per handout | peak RSS | vs pamphlet |"
    );
    println!(
        "|-------|------------------------------|------------|-------------|----------|-------------|"
    );
    for &n in &sizes {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path();
        pamphlet::synth::write_handout_project(project, &repo.join("layouts"), n, 42).unwrap();
        // Data for the CLI baseline: the whole content, as JSON.
        write_cli_inputs(project, &fonts);
        let ids: Vec<String> = (1..=n).map(|i| format!("m{i:04}")).collect();

        // pamphlet: median of three full builds (--force), the machine is
        // noisy; a baseline's builds alternate with ours.
        let build = |binary: &Path, out: &str| {
            let mut cmd = binary_cmd(
                binary,
                project,
                &fonts,
                &["build", "-p", "handout", "--force"],
            );
            cmd.arg("--out").arg(project.join(out));
            run_all(vec![cmd], 1)
        };
        let mut runs = Vec::new();
        let mut base_runs = Vec::new();
        // One build of ours and one of the baseline's, in turns first (a
        // build right after a CLI loop would otherwise always be ours), each
        // after the loop's hundred megabytes of PDFs are flushed to disk:
        // their write-back would slow whichever build came first.
        let sample = |runs: &mut Vec<Measure>, base_runs: &mut Vec<Measure>| {
            let timed = |binary: &Path, out: &str| {
                flush_to_disk();
                build(binary, out)
            };
            let ours = || timed(Path::new(env!("CARGO_BIN_EXE_pamphlet")), "out");
            match &baseline {
                Some(b) if runs.len() % 2 == 1 => {
                    base_runs.push(timed(b, "out-baseline"));
                    runs.push(ours());
                }
                Some(b) => {
                    runs.push(ours());
                    base_runs.push(timed(b, "out-baseline"));
                }
                None => runs.push(ours()),
            }
        };
        for _ in 0..3 {
            sample(&mut runs, &mut base_runs);
        }
        // Each handout's size in an output folder (0 if missing).
        let sizes_in = |out: &str| -> Vec<u64> {
            ids.iter()
                .map(|id| {
                    std::fs::metadata(project.join(format!("{out}/handouts/{id}.pdf")))
                        .map(|m| m.len())
                        .unwrap_or(0)
                })
                .collect()
        };
        let sizes = sizes_in("out");
        assert!(sizes.iter().all(|s| *s > 0), "every handout written");
        let cli_dir = project.join("cli");
        std::fs::create_dir_all(&cli_dir).unwrap();
        let commands = |ids: &[String]| -> Vec<Command> {
            ids.iter()
                .map(|id| {
                    typst_cmd(
                        &typst,
                        project,
                        &fonts,
                        "layouts/crosstalk/handout.typ",
                        Some(id),
                        &cli_dir.join(format!("{id}.pdf")),
                    )
                })
                .collect()
        };
        // A CLI loop in two halves, with a build of ours (and of the
        // baseline) after each.
        let (first, second) = ids.split_at(n / 2);
        let cli_loop = |parallel: usize, runs: &mut Vec<Measure>, base_runs: &mut Vec<Measure>| {
            let a = run_all(commands(first), parallel);
            sample(runs, base_runs);
            let b = run_all(commands(second), parallel);
            sample(runs, base_runs);
            a.then(b)
        };
        let cli = with_cli.then(|| {
            let parallel = cli_loop(nproc, &mut runs, &mut base_runs);
            let serial = cli_loop(1, &mut runs, &mut base_runs);
            // The strongest baseline: each compilation reads only its record's
            // data, so the CLI's time per handout does not grow with N.
            write_per_record_inputs(project, &ids);
            support::PER_RECORD.with(|p| p.set(true));
            let per_record_serial = cli_loop(1, &mut runs, &mut base_runs);
            let per_record_parallel = cli_loop(nproc, &mut runs, &mut base_runs);
            support::PER_RECORD.with(|p| p.set(false));
            [parallel, serial, per_record_serial, per_record_parallel]
        });
        let median_of = |runs: &mut Vec<Measure>| {
            runs.sort_by_key(|m| m.wall);
            runs[runs.len() / 2]
        };
        let ours = median_of(&mut runs);

        if let Some(b) = &baseline {
            let theirs = median_of(&mut base_runs);
            row(
                &format!("pamphlet, median of {} builds", runs.len()),
                n,
                ours,
                ours.wall,
            );
            row(
                &format!(
                    "baseline {}",
                    b.file_name().unwrap_or_default().to_string_lossy()
                ),
                n,
                theirs,
                ours.wall,
            );
            let base_sizes = sizes_in("out-baseline");
            println!(
                "|       | handout PDF size             | this one: mean {:.0} KiB, max {:.0} KiB; baseline: mean {:.0} KiB, max {:.0} KiB |  |  |",
                sizes.iter().sum::<u64>() as f64 / sizes.len() as f64 / 1024.0,
                *sizes.iter().max().unwrap() as f64 / 1024.0,
                base_sizes.iter().sum::<u64>() as f64 / base_sizes.len() as f64 / 1024.0,
                *base_sizes.iter().max().unwrap() as f64 / 1024.0,
            );
            if same_output {
                let differing = ids
                    .iter()
                    .filter(|id| {
                        let a =
                            std::fs::read(project.join(format!("out/handouts/{id}.pdf"))).unwrap();
                        let b =
                            std::fs::read(project.join(format!("out-baseline/handouts/{id}.pdf")))
                                .unwrap();
                        a != b
                    })
                    .count();
                println!(
                    "|       | byte-identical to baseline    | {} of {n} handouts differ |  |  |",
                    differing
                );
                assert_eq!(differing, 0, "handouts differ from the baseline's");
            }
        }
        let Some([parallel, serial, per_record_serial, per_record_parallel]) = cli else {
            if baseline.is_none() {
                row("pamphlet build (1 process)", n, ours, ours.wall);
            }
            continue;
        };

        row(
            &format!("pamphlet, median of {} builds", runs.len()),
            n,
            ours,
            ours.wall,
        );
        row("typst CLI, serial loop", n, serial, ours.wall);
        row(
            &format!("typst CLI, {nproc} at a time"),
            n,
            parallel,
            ours.wall,
        );
        row(
            "CLI, a data file per record",
            n,
            per_record_serial,
            ours.wall,
        );
        row(
            &format!("…and {nproc} at a time"),
            n,
            per_record_parallel,
            ours.wall,
        );
        println!(
            "|       | handout PDF size (pamphlet)  | max {:.0} KiB, mean {:.0} KiB; CLI loop peak total ≈ {} |  |  |",
            *sizes.iter().max().unwrap() as f64 / 1024.0,
            sizes.iter().sum::<u64>() as f64 / sizes.len() as f64 / 1024.0,
            mib(parallel.concurrent_kib),
        );
    }
}
