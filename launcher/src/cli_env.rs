//! Parses the command line with one rule clap lacks: an environment mirror
//! that is set but empty (`VANISH_NAME=`, a CI variable defined as "") counts
//! as unset, as in vanish-init. A flag given empty on the command line
//! (`--name ''`) stays empty, for the command to refuse.
//!
//! Invariant: only the environment is reinterpreted; the command line is
//! parsed exactly as `Cli::try_parse` would.

use std::ffi::{OsStr, OsString};

use clap::{CommandFactory, FromArgMatches};

use crate::cli::Cli;

/// `Cli::try_parse`, with empty environment mirrors ignored.
pub fn try_parse() -> Result<Cli, clap::Error> {
    try_parse_from(std::env::args_os(), &|name| std::env::var_os(name))
}

/// [`try_parse`] with the arguments and the environment given.
pub fn try_parse_from(
    args: impl IntoIterator<Item = OsString>,
    env: &dyn Fn(&OsStr) -> Option<OsString>,
) -> Result<Cli, clap::Error> {
    let mut matches = unset_empty(Cli::command(), env).try_get_matches_from(args)?;
    Cli::from_arg_matches_mut(&mut matches)
}

/// `cmd` with the environment mirror removed from every argument (in every
/// subcommand) whose variable is set to "".
fn unset_empty(cmd: clap::Command, env: &dyn Fn(&OsStr) -> Option<OsString>) -> clap::Command {
    cmd.mut_args(|a| {
        let empty = a.get_env().and_then(env).is_some_and(|v| v.is_empty());
        if empty { a.env(None::<&str>) } else { a }
    })
    .mut_subcommands(|sc| unset_empty(sc, env))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Command;

    #[test]
    fn empty_mirrors_are_unset_but_empty_flags_are_kept() {
        let parse = |args: &[&str]| {
            let args = std::iter::once("vanish")
                .chain(args.iter().copied())
                .map(OsString::from);
            // The process environment is not touched: only the scrub is
            // tested here; the e2e tests cover clap reading real variables.
            try_parse_from(args, &|n| (n == "VANISH_NAME").then(OsString::new))
        };
        let name = |cli: Cli| match cli.command {
            Command::Render(a) => a.spec.name,
            _ => None,
        };
        assert_eq!(parse(&["render"]).map(name).ok(), Some(None));
        assert_eq!(
            parse(&["render", "--name", ""]).map(name).ok(),
            Some(Some(String::new()))
        );
        assert_eq!(
            parse(&["render", "--name", "x"]).map(name).ok(),
            Some(Some("x".into()))
        );
    }
}
