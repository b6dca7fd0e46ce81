//! The stop rule for CloudWatch Logs pagination.
//!
//! `GetLogEvents` always returns a `nextForwardToken`; the end of the stream
//! is signalled by getting back the token that was sent. Invariant: the loop
//! that uses [`Pager`] ends after a page whose token repeats the previous one,
//! or when the page limit runs out, never later — a service that keeps
//! answering the same token cannot make vanish loop forever.

/// Tracks the forward token across pages.
#[derive(Debug, Clone, Default)]
pub struct Pager {
    token: Option<String>,
    pages: usize,
    max_pages: usize,
}

/// What to do after a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Ask again with this token.
    Fetch(String),
    /// The stream is drained for now (the token repeated, or none came back).
    Done,
    /// The page limit ran out before the stream was drained.
    Truncated,
}

impl Pager {
    /// A pager that gives up after `max_pages` pages (a safety net; real
    /// streams end by the token rule well before).
    pub fn new(max_pages: usize) -> Self {
        Pager {
            token: None,
            pages: 0,
            max_pages,
        }
    }

    /// Resumes from a token kept from an earlier drain (`--follow`).
    pub fn resume(token: Option<String>, max_pages: usize) -> Self {
        Pager {
            token,
            pages: 0,
            max_pages,
        }
    }

    /// The token to send with the next request.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// Records a page's `nextForwardToken` and decides what comes next.
    pub fn page(&mut self, next_forward_token: Option<&str>) -> Next {
        self.pages += 1;
        let Some(next) = next_forward_token else {
            return Next::Done;
        };
        if self.token.as_deref() == Some(next) {
            return Next::Done;
        }
        self.token = Some(next.to_owned());
        if self.pages >= self.max_pages {
            return Next::Truncated;
        }
        Next::Fetch(next.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        // (tokens returned page after page, expected decisions)
        let cases: [(&[Option<&str>], &[Next]); 4] = [
            (
                &[Some("f/1"), Some("f/2"), Some("f/2")],
                &[
                    Next::Fetch("f/1".into()),
                    Next::Fetch("f/2".into()),
                    Next::Done,
                ],
            ),
            (&[None], &[Next::Done]),
            (
                &[Some("a"), Some("a")],
                &[Next::Fetch("a".into()), Next::Done],
            ),
            (
                &[Some("1"), Some("2"), Some("3"), Some("4")],
                &[
                    Next::Fetch("1".into()),
                    Next::Fetch("2".into()),
                    Next::Truncated,
                ],
            ),
        ];
        for (tokens, want) in cases {
            let mut p = Pager::new(3);
            let got: Vec<Next> = tokens.iter().take(want.len()).map(|t| p.page(*t)).collect();
            assert_eq!(got, want, "{tokens:?}");
        }
    }

    #[test]
    fn resumed_pager_stops_on_the_kept_token() {
        let mut p = Pager::resume(Some("f/9".into()), 10);
        assert_eq!(p.token(), Some("f/9"));
        assert_eq!(p.page(Some("f/9")), Next::Done);
    }
}
