//! Scheduling: the jobs of a build on a pool of worker threads sharing one
//! Typst world.
//!
//! - **Workers** take jobs from a shared queue, in plan order; results come
//!   back in plan order whatever order they finish in.
//! - **Compile threads**: each worker compiles on a long-lived thread of its
//!   own ([`CompileThread`]), so that a layout that runs too long can be
//!   abandoned at the timeout and a panic inside Typst becomes an internal
//!   error instead of ending the build.
//! - **Cache eviction**: Typst's memoisation caches are shared; entries
//!   unused for two chunks of jobs are evicted, so memory stays bounded
//!   over thousands of records.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, SendError};
use std::sync::{Arc, Mutex};

use super::job::{self, JobResult, Task};
use super::merge::Merging;
use super::{Context, DEFAULT_TIMEOUT, Progress};
use crate::compile::{self, CompileOptions, Compiled, Inputs, Job, Wanted};
use crate::diag::{Diagnostic, Sources};
use crate::prepare::Prepared;
use crate::world::ProjectWorld;

/// Jobs between two evictions of Typst's caches. Each distinct photo a
/// job places stays decoded in them (Typst decodes every raster image it
/// loads; 4 MB for a handout's portrait and its sized form) until evicted:
/// with 32, 200 handouts with portraits of their own peaked at 658 MB
/// (1,000 at 690 MB), with 8 at 402 MB, and 1,000 photo-less handouts
/// took no longer (ABBA, 3 rounds: 2.80 → 2.70 s, CPU 5.29 → 5.08 s;
/// 245 → 175 MB). BENCHMARKS.md has the benchmarks' figures.
const CHUNK: usize = 8;

/// Runs `tasks` on the request's number of worker threads and returns their
/// results in task order, then those of the merged files `merging` made
/// (each made by the worker that finished its last record).
pub(super) fn run(
    tasks: &[Task],
    merging: &Merging,
    outputs: usize,
    ctx: &Context,
    progress: &mut dyn Progress,
) -> Vec<JobResult> {
    let jobs = tasks;
    progress.start(outputs);
    let threads = match ctx.request.jobs {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let slots: Mutex<Vec<Option<JobResult>>> = Mutex::new((0..jobs.len()).map(|_| None).collect());
    let merged: Mutex<Vec<JobResult>> = Mutex::new(Vec::new());
    let progress = Mutex::new(progress);
    // Fewer jobs than threads (one pamphlet): each compile thread's pool
    // gets the spare cores, for Typst's own parallel page layout.
    let workers = threads.clamp(1, jobs.len().max(1));
    let pool_size = (threads / workers).max(1);
    std::thread::scope(|scope| {
        let work = || {
            // This worker's compile thread, kept across its jobs.
            let mut slot = CompileSlot::new(pool_size);
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(task) = jobs.get(i) else { break };
                let mut result = job::run(task, ctx, &mut slot);
                if let (Some(report), Ok(mut p)) = (&result.report, progress.lock()) {
                    p.done(report);
                }
                let staged = result.staged.take();
                if let Ok(mut slots) = slots.lock() {
                    slots[i] = Some(result);
                }
                if let (Some(merge), Some(staged)) = (task.merge, staged)
                    && let Some(made) = merging.put(merge, staged, ctx)
                {
                    if let (Some(report), Ok(mut p)) = (&made.report, progress.lock()) {
                        p.done(report);
                    }
                    if let Ok(mut merged) = merged.lock() {
                        merged.push(made);
                    }
                }
                if (done.fetch_add(1, Ordering::Relaxed) + 1).is_multiple_of(CHUNK) {
                    comemo::evict(2);
                }
            }
        };
        // Workers share the queue; if no thread can be started (a tight
        // memory limit), this thread does the work itself.
        let mut started = 0;
        for _ in 0..workers {
            if std::thread::Builder::new()
                .spawn_scoped(scope, work)
                .is_ok()
            {
                started += 1;
            }
        }
        if started == 0 {
            work();
        }
    });
    if let Ok(mut p) = progress.lock() {
        p.finish();
    }
    let mut results: Vec<JobResult> = slots
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect();
    let mut merged = merged.into_inner().unwrap_or_default();
    // In the order of the files, whichever worker made them.
    merged.sort_by(|a, b| {
        let path = |r: &JobResult| r.report.as_ref().map(|r| r.path.clone());
        path(a).cmp(&path(b))
    });
    results.extend(merged);
    results
}

/// A worker's compile thread: started on first use, kept across the
/// worker's jobs, and replaced after a timeout or a panic.
pub(super) struct CompileSlot {
    thread: Option<CompileThread>,
    /// Threads in the compile thread's rayon pool.
    pool_size: usize,
}

impl CompileSlot {
    /// An empty slot whose thread will get a pool of `pool_size` threads.
    fn new(pool_size: usize) -> CompileSlot {
        CompileSlot {
            thread: None,
            pool_size,
        }
    }

    /// The thread, started if there is none; `None` if none can be started
    /// (a tight memory limit).
    fn get(&mut self) -> Option<&CompileThread> {
        if self.thread.is_none() {
            self.thread = CompileThread::spawn(self.pool_size);
        }
        self.thread.as_ref()
    }

    /// Lets go of the thread (it timed out, panicked or is gone); the next
    /// job starts a fresh one.
    fn abandon(&mut self) {
        self.thread = None;
    }

    /// Compiles on the compile thread, waiting at most the request's
    /// timeout. The thread lives across jobs (its caches stay warm); a
    /// layout that does not finish in time is reported and its thread
    /// abandoned (it ends with the process), and the next job gets a fresh
    /// one. A panic inside Typst is reported as an internal error instead
    /// of ending the build.
    pub(super) fn compile(
        &mut self,
        prepared: &Prepared,
        job: &Job,
        inputs: Inputs,
        ctx: &Context,
        shown: &Path,
        wanted: Wanted,
    ) -> Compiled {
        let timeout = ctx.request.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let here =
            |inputs| compile::compile(ctx.world, prepared, job, inputs, ctx.options, shown, wanted);
        let Some(thread) = self.get() else {
            // No thread to spare (a tight memory limit): compile here,
            // without the timeout.
            return here(inputs);
        };
        let task = CompileTask {
            world: ctx.world.clone(),
            prepared: prepared.clone(),
            job: job.clone(),
            inputs,
            options: ctx.options.clone(),
            shown: shown.to_path_buf(),
            wanted,
        };
        if let Err(SendError(task)) = thread.tasks.send(task) {
            self.abandon();
            return here(task.inputs);
        }
        let failed = |message: String, hint: &str| Compiled {
            pdf: None,
            staged: None,
            pages: 0,
            diagnostics: vec![
                Diagnostic::error(prepared.publication.layout.named_at.clone(), message)
                    .with_hint(hint)
                    .with_context(job.describe()),
            ],
            sources: Sources::new(),
            accessed: Vec::new(),
            duration: timeout,
            phases: Default::default(),
            pngs: Vec::new(),
        };
        match thread.results.recv_timeout(timeout) {
            Ok(compiled) => compiled,
            Err(RecvTimeoutError::Timeout) => {
                self.abandon();
                failed(
                    format!(
                        "the layout {} did not finish within {} s",
                        prepared.publication.layout,
                        timeout.as_secs_f64()
                    ),
                    "look for a loop that runs too long in the layout; raise the limit with --timeout if the document is just large",
                )
            }
            Err(RecvTimeoutError::Disconnected) => {
                self.abandon();
                failed(
                    format!(
                        "internal error while compiling {} (Typst panicked)",
                        prepared.publication.layout
                    ),
                    "this is a bug in Typst or pamphlet; please report it with the layout and content",
                )
            }
        }
    }
}

/// One compilation to run on a compile thread.
struct CompileTask {
    world: Arc<ProjectWorld>,
    prepared: Prepared,
    job: Job,
    inputs: Inputs,
    options: CompileOptions,
    shown: PathBuf,
    wanted: Wanted,
}

/// A long-lived thread that compiles the tasks it is sent, one at a time.
///
/// The thread is a worker of its own rayon pool. Typst hands some of its
/// work to rayon (`Engine::parallelize` lays out runs of pages through a
/// parallel iterator); called from outside a pool, rayon would move that
/// work to another thread and block this one until it is done, once per
/// document. Inside the pool the work starts on this thread, whose caches
/// are warm; the pool's other threads (only when a build has fewer jobs
/// than cores) help with documents of many pages. A batch's parallelism
/// comes from running one compile thread per worker.
struct CompileThread {
    tasks: mpsc::Sender<CompileTask>,
    results: mpsc::Receiver<Compiled>,
    /// Owns the thread; it ends when `tasks` is dropped.
    _pool: rayon::ThreadPool,
}

impl CompileThread {
    /// Starts one, with a stack deep enough for deeply nested documents, in
    /// a pool of `pool_size` threads (the others help with Typst's parallel
    /// work).
    fn spawn(pool_size: usize) -> Option<CompileThread> {
        let (task_tx, task_rx) = mpsc::channel::<CompileTask>();
        let (result_tx, result_rx) = mpsc::channel();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(pool_size.max(1))
            .thread_name(|_| "compile".into())
            .stack_size(16 * 1024 * 1024)
            .panic_handler(|_| {})
            .build()
            .ok()?;
        pool.spawn(move || {
            for t in task_rx {
                // A panic inside Typst ends this thread's loop: the waiting
                // worker sees the channel close and reports an internal
                // error (rayon would abort the process on an uncaught one).
                let compiled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    compile::compile(
                        &t.world,
                        &t.prepared,
                        &t.job,
                        t.inputs,
                        &t.options,
                        &t.shown,
                        t.wanted,
                    )
                }));
                let Ok(compiled) = compiled else { break };
                if result_tx.send(compiled).is_err() {
                    break;
                }
            }
        });
        Some(CompileThread {
            tasks: task_tx,
            results: result_rx,
            _pool: pool,
        })
    }
}
