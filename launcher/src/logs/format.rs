//! How log lines are printed: `service | message`, one event per line.
//!
//! Invariants: with one service there is no prefix (the output is the app's
//! own log, byte for byte less the trailing newline); with several, each
//! prefix is padded to the widest name and, when colour is on, each service
//! keeps one colour for the whole run. Colour is on only for a terminal
//! without `NO_COLOR` — decided by the caller and passed in.

/// ANSI colours cycled over services, in order of first appearance.
const PALETTE: [&str; 6] = ["36", "33", "32", "35", "34", "31"];

/// Formats events for stdout.
#[derive(Debug, Clone)]
pub struct LineFormat {
    services: Vec<String>,
    width: usize,
    color: bool,
}

impl LineFormat {
    /// `services` in display order; `color` from [`color_wanted`].
    pub fn new(services: &[String], color: bool) -> Self {
        let width = services
            .iter()
            .map(|s| s.chars().count())
            .max()
            .unwrap_or(0);
        LineFormat {
            services: services.to_vec(),
            width,
            color,
        }
    }

    /// One printable line (no trailing newline) for `message` from `service`.
    pub fn line(&self, service: &str, message: &str) -> String {
        let message = message.strip_suffix('\n').unwrap_or(message);
        let message = message.strip_suffix('\r').unwrap_or(message);
        if self.services.len() <= 1 {
            return message.to_owned();
        }
        let pad = self.width.saturating_sub(service.chars().count());
        let name = format!("{service}{:pad$}", "");
        match (self.color, self.services.iter().position(|s| s == service)) {
            (true, Some(i)) => format!(
                "\x1b[{}m{name} |\x1b[0m {message}",
                PALETTE[i % PALETTE.len()]
            ),
            _ => format!("{name} | {message}"),
        }
    }
}

/// Colour only for a terminal, and never when `NO_COLOR` is set (to anything
/// non-empty, per no-color.org).
pub fn color_wanted(is_terminal: bool, no_color: Option<&str>) -> bool {
    is_terminal && no_color.is_none_or(str::is_empty)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn lines() {
        let one = LineFormat::new(&names(&["web"]), true);
        let two = LineFormat::new(&names(&["web", "proxy"]), false);
        let col = LineFormat::new(&names(&["web", "proxy"]), true);
        let cases = [
            (&one, "web", "hello\n", "hello"),
            (&one, "web", "crlf\r\n", "crlf"),
            (&two, "web", "GET /", "web   | GET /"),
            (&two, "proxy", "200", "proxy | 200"),
            (&col, "web", "x", "\x1b[36mweb   |\x1b[0m x"),
            (&col, "proxy", "y", "\x1b[33mproxy |\x1b[0m y"),
        ];
        for (f, service, msg, want) in cases {
            assert_eq!(f.line(service, msg), want);
        }
    }

    #[test]
    fn color_rules() {
        let table = [
            (true, None, true),
            (true, Some(""), true),
            (true, Some("1"), false),
            (false, None, false),
        ];
        for (tty, no_color, want) in table {
            assert_eq!(color_wanted(tty, no_color), want, "{tty} {no_color:?}");
        }
    }
}
