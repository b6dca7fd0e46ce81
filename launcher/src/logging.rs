//! stderr logging for `vanish`: tracing with fields, never on stdout.
//!
//! Invariant: stdout carries only results (URLs, JSON); every log line and
//! progress line goes to stderr.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. `filter` (from `--log`/`VANISH_LOG`) wins
/// over `-v`/`-q`.
pub fn init(verbose: u8, quiet: bool, filter: Option<&str>) {
    let default = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "info",
        (false, 1) => "debug",
        (false, _) => "trace",
    };
    let filter = filter
        .and_then(|f| EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| EnvFilter::new(format!("warn,vanish={default}")));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .with_ansi(
            std::io::IsTerminal::is_terminal(&std::io::stderr())
                && std::env::var_os("NO_COLOR").is_none(),
        )
        .try_init();
}
