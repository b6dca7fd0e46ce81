//! vanish-init: a tiny PID 1 for review-app containers. Runs COMMAND, reaps
//! every zombie, forwards signals, and expires after a TTL or at a deadline.
//!
//! Layout: pure logic (`machine`, `options`, `status`, `idle::count`) with
//! table-driven tests; thin effects around it (`signals`, `child`,
//! `reaper`, `idle::connections`); `run` glues them. No async runtime, no clap, no tracing: every byte ships in every
//! review-app image (what each would cost: bench/RESULTS-pid1.md).
//!
//! No Rust `main`: the libc calls ours with argc/argv directly, which skips
//! std's runtime set-up (a poll of fds 0-2, SIGPIPE ignored, a SIGSEGV/
//! SIGBUS stack-overflow handler with its own mmap'd alternate stack: 11
//! syscalls and page faults at every start and exit, for handlers that
//! every signal being blocked makes moot). The unit tests keep std's.

#![cfg_attr(not(test), no_main)]

mod child;
mod idle;
mod log;
mod machine;
mod options;
mod reaper;
mod run;
mod signals;
mod status;

#[cfg(not(test))]
#[unsafe(no_mangle)]
extern "C" fn main(argc: std::ffi::c_int, argv: *const *const std::ffi::c_char) -> std::ffi::c_int {
    use std::io::Write;
    use std::os::unix::ffi::OsStringExt;
    let n = usize::try_from(argc).unwrap_or(0);
    let args = (1..n).filter_map(|i| {
        // SAFETY: the libc passes argc valid, NUL-terminated strings in argv.
        let p = unsafe { *argv.add(i) };
        (!p.is_null()).then(|| {
            // SAFETY: `p` is one of those strings (checked non-null).
            let bytes = unsafe { std::ffi::CStr::from_ptr(p) }.to_bytes();
            std::ffi::OsString::from_vec(bytes.to_vec())
        })
    });
    let code = run::run(args.collect());
    // std's runtime would flush stdout at exit; without it, we do.
    let _ = std::io::stdout().flush();
    std::ffi::c_int::from(code)
}

/// Under `cargo test` the harness owns the entry point; this keeps `run`
/// and everything it reaches a root of the dead-code analysis, as the C
/// `main` above is in the real binary.
#[cfg(test)]
#[allow(dead_code)]
fn entry() -> u8 {
    run::run(Vec::new())
}
