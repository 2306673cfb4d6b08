//! The crate's error type: what went wrong between Storm and the component, or inside it.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Errors a user's `open`/`prepare`/`execute`/... may return: anything that converts into a boxed
/// error, so `?` works on most error types and `Err("text".into())` on plain strings.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a component run ended abnormally.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Reading from Storm (stdin) or writing to it (stdout) failed, e.g. the worker went away.
    Io {
        action: &'static str,
        source: io::Error,
    },
    /// Storm's input ended in the middle of a message (lines seen, but no `end` line).
    TruncatedMessage { partial: String },
    /// Storm's input ended before the handshake arrived.
    NoHandshake,
    /// A message from Storm is not what the multilang protocol allows.
    Malformed {
        expected: &'static str,
        problem: String,
        message: String,
    },
    /// The pid file in Storm's `pidDir` could not be created.
    PidFile { path: PathBuf, source: io::Error },
    /// The component's own code returned an error or panicked; it was reported to Storm.
    Component {
        during: &'static str,
        message: String,
    },
}

impl Error {
    pub(crate) fn malformed(
        expected: &'static str,
        problem: impl fmt::Display,
        message: &str,
    ) -> Self {
        Error::Malformed {
            expected,
            problem: problem.to_string(),
            message: excerpt(message),
        }
    }
}

/// The first 300 characters of a message, for error texts.
pub(crate) fn excerpt(message: &str) -> String {
    const MAX: usize = 300;
    match message.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &message[..cut]),
        None => message.to_string(),
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { action, source } => write!(
                f,
                "{action} failed: {source} (the Storm worker probably closed the pipe or exited)"
            ),
            Error::TruncatedMessage { partial } => write!(
                f,
                "malformed input from Storm: input ended in the middle of a message \
                 (no `end` line after {:?})",
                excerpt(partial)
            ),
            Error::NoHandshake => write!(
                f,
                "no handshake from Storm: stdin ended before the setup message \
                 ({{\"pidDir\",\"conf\",\"context\"}}). This program is a Storm multilang \
                 component; run it from a ShellSpout/ShellBolt (or FluxShellSpout/FluxShellBolt)"
            ),
            Error::Malformed { expected, problem, message } => write!(
                f,
                "malformed input from Storm: expected {expected}, but {problem}; message was: {message}"
            ),
            Error::PidFile { path, source } => write!(
                f,
                "cannot create the pid file {}: {source} (Storm's pidDir must be a writable directory)",
                path.display()
            ),
            Error::Component { during, message } => write!(f, "component failed in {during}: {message}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } | Error::PidFile { source, .. } => Some(source),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_cuts_long_messages_on_char_boundaries() {
        let long = "é".repeat(400);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), 301);
        assert!(cut.ends_with('…'));
        assert_eq!(excerpt("short"), "short");
    }

    #[test]
    fn malformed_names_expectation_problem_and_message() {
        let e = Error::malformed("a tuple", "missing field `tuple`", "{\"id\":\"1\"}");
        let text = e.to_string();
        assert!(text.contains("expected a tuple"), "{text}");
        assert!(text.contains("missing field `tuple`"), "{text}");
        assert!(text.contains("{\"id\":\"1\"}"), "{text}");
    }
}
