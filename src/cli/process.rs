//! Process-wide settings made once at start-up: the allocator's tuning and
//! the memory watchdog.

/// `mi_option_purge_delay` in mimalloc.h (the same in mimalloc 2 and 3).
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;
/// `mi_option_destroy_on_exit` in mimalloc.h (the same in mimalloc 2 and 3).
const MI_OPTION_DESTROY_ON_EXIT: std::ffi::c_int = 22;

/// Hands freed memory back to the kernel once it has been unused for a
/// second, rather than after 10 ms (mimalloc's default) or never (pamphlet
/// before). A batch frees and allocates the same amounts for every
/// document, and memory handed back at once has to be faulted in and
/// zeroed again: 100 ms cost 1,000 handouts 4–5 % more time than never
/// (10 alternating pairs), a second costs nothing measurable (+1 %, within
/// the noise). Never handing it back let a merged file's large,
/// short-lived buffers (its PDF, the pages of a chunk of records) stay
/// resident: 10,000 records merged with `split = 1000` peaked at 505 MiB
/// that way and at 454 MiB with this delay. `MIMALLOC_PURGE_DELAY` in the
/// environment still wins.
pub fn tune_allocator() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets one of mimalloc's option values, a plain store; the
        // option exists in every mimalloc version the crate builds.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 1000) }
    }
    // Leaves the memory to the kernel at exit. mimalloc 3 otherwise collects
    // and purges every heap as the process ends (`mi_process_done`: madvise
    // on each free span, then the kernel unmaps it all again anyway): about
    // 4.5 ms of the ~50 ms a one-document build takes (30 alternating
    // whole-process runs, 52.4 → 47.9 ms). A value above 1 makes mimalloc's
    // own exit hook return at once (`_mi_auto_process_done`); it is not the
    // unsafe destroy that 1 asks for — in mimalloc 3; mimalloc 2 (the crate's
    // `v2` feature) would take any non-zero value as 1, so the version is
    // checked. The collection only matters when mimalloc lives in a library
    // that is unloaded, never for a binary.
    // SAFETY: mi_version has no preconditions; the store is as above.
    if std::env::var_os("MIMALLOC_DESTROY_ON_EXIT").is_none()
        && unsafe { libmimalloc_sys::mi_version() } >= 300
    {
        // SAFETY: as above, a plain store of an option value.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_DESTROY_ON_EXIT, 2) }
    }
}

/// Watches the process's resident memory and stops it, with a message,
/// when it exceeds `mib` — a runaway layout must not exhaust the machine.
/// (PDFs are written atomically; an interrupted write leaves only a
/// temporary file, removed by the next build.)
pub fn limit_memory(mib: u64) {
    let limit = mib.saturating_mul(1024 * 1024);
    // SAFETY: sysconf has no preconditions.
    let page = u64::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096);
    let _ = std::thread::Builder::new().name("memory watchdog".into()).stack_size(64 * 1024).spawn(move || {
        loop {
            std::thread::sleep(std::time::Duration::from_millis(50));
            let Ok(statm) = std::fs::read_to_string("/proc/self/statm") else { return };
            let resident: u64 = statm.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
            if resident * page > limit {
                eprintln!(
                    "error: pamphlet used more than {mib} MiB of memory and was stopped (a layout that allocates without end?); raise the limit with --memory-limit"
                );
                std::process::exit(2);
            }
        }
    });
}
