//! `vanish`: the CLI a CI job calls. Parses flags, runs one subcommand, maps
//! the outcome to a documented exit code (see `exit.rs`).

use std::process::ExitCode;

use vanish::cli::Command;
use vanish::cmd;
use vanish::exit::{self, Exit, Failure};
use vanish::interrupt::Signals;

fn main() -> ExitCode {
    match run() {
        Ok(exit) => exit.into(),
        Err(err) => {
            eprintln!("{}", exit::render(&err));
            exit::code_of(&err).into()
        }
    }
}

fn run() -> anyhow::Result<Exit> {
    let cli = match vanish::cli_env::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are successes; anything else is bad input.
            let _ = e.print();
            return Ok(if e.use_stderr() {
                Exit::BadInput
            } else {
                Exit::Ok
            });
        }
    };
    vanish::logging::init(
        cli.global.verbose,
        cli.global.quiet,
        cli.global.log.as_deref(),
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let global = cli.global;
    let result = rt.block_on(async move {
        // Render and iam-policy touch no AWS and leave nothing behind: the
        // default signal disposition is right for them. Every other command
        // installs the handlers first, so a signal is an exit code and a line.
        match cli.command {
            Command::Render(args) => return cmd::render::run(&global, *args).await,
            Command::IamPolicy(args) => return cmd::iam_policy::run(&global, args).await,
            _ => {}
        }
        let mut signals = Signals::os();
        match cli.command {
            Command::Up(args) => cmd::up::run(&global, *args, &mut signals).await,
            Command::Run(args) => cmd::run::run(&global, *args, &mut signals).await,
            command => {
                let work = async {
                    match command {
                        Command::Ls(args) => cmd::ls::run(&global, args).await,
                        Command::Down(args) => cmd::down::run(&global, args).await,
                        Command::Sweep(args) => cmd::sweep::run(&global, args).await,
                        Command::Logs(args) => cmd::logs::run(&global, args).await,
                        Command::Render(_)
                        | Command::IamPolicy(_)
                        | Command::Up(_)
                        | Command::Run(_) => Ok(Exit::Ok),
                    }
                };
                tokio::select! {
                    r = work => r,
                    s = signals.next() => {
                        Err(Failure::new(s.exit(), format!("interrupted ({})", s.name())).into())
                    }
                }
            }
        }
    });
    // A blocking spec load cut short by a signal must not hold the exit.
    rt.shutdown_background();
    result
}
