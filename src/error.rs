//! Errors as data: a [`Diagnostic`] is what failed (the message), where (an optional
//! `file:line:col` [`Location`]), what to do about it (an optional fix) and, for topology findings,
//! which rule found it. It is a `std::error::Error`, so `anyhow` carries it (`bail!(diag)`,
//! `.with_context(|| diag)`) and [`render`] finds it again in any error chain.
//!
//! One way to print every error, used by the binary:
//! ```text
//! error: <the outermost message>
//!   --> file:line:col
//!   fix: <what to do>
//!   caused by: <each cause, outermost first>
//! ```
//!
//! Writing one: `bail!(Diagnostic::new(format!("...")).at(location).fix("..."))`, or
//! `.map_err(|e| Diagnostic::new(format!("...: {e}")).fix("..."))?` — never `\nfix:` in a string.

use std::fmt;
use std::path::{Path, PathBuf};

/// `file`, `file:line` or `file:line:col` (lines and columns start at 1).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Location {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl Location {
    pub fn file(file: impl Into<PathBuf>) -> Location {
        Location {
            file: file.into(),
            line: None,
            column: None,
        }
    }

    pub fn line(file: impl Into<PathBuf>, line: usize) -> Location {
        Location {
            line: Some(line),
            ..Location::file(file)
        }
    }

    pub fn at(file: impl Into<PathBuf>, line: usize, column: usize) -> Location {
        Location {
            line: Some(line),
            column: Some(column),
            ..Location::file(file)
        }
    }

    pub fn path(&self) -> &Path {
        &self.file
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        Ok(())
    }
}

/// One error (or topology finding) as data. Build it with [`Diagnostic::new`] and the
/// `at`/`fix`/`rule` builders.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    message: String,
    location: Option<Location>,
    fix: Option<String>,
    rule: Option<&'static str>,
}

impl Diagnostic {
    pub fn new(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            message: message.into(),
            location: None,
            fix: None,
            rule: None,
        }
    }

    /// Where the problem is.
    pub fn at(mut self, location: Location) -> Diagnostic {
        self.location = Some(location);
        self
    }

    /// What the user should do about it (one sentence, imperative).
    pub fn fix(mut self, fix: impl Into<String>) -> Diagnostic {
        self.fix = Some(fix.into());
        self
    }

    /// The id of the check that found it (topology rules: `unknown-key`, `duplicate-id`, ...).
    pub fn rule(mut self, rule: &'static str) -> Diagnostic {
        self.rule = Some(rule);
        self
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn location(&self) -> Option<&Location> {
        self.location.as_ref()
    }

    pub fn fix_text(&self) -> Option<&str> {
        self.fix.as_deref()
    }

    pub fn rule_id(&self) -> Option<&'static str> {
        self.rule
    }
}

/// `location: message` and, when there is one, `\n  fix: ...` — the whole diagnostic, for
/// callers that only format errors (`{err:#}`). The binary prints the fields through [`render`].
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(location) = &self.location {
            write!(f, "{location}: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(fix) = &self.fix {
            write!(f, "\n  fix: {fix}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}

/// A bidirectional formatting character (LRM, RLM, the embeddings, overrides and isolates):
/// printed raw, it shows the text around it in another order than it has.
pub(crate) fn is_bidi(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with control characters (other than line feeds and tabs) and bidirectional
/// formatting characters written as `\u{1b}`, so a hostile entry name, manifest, topology key or
/// pom value cannot drive the terminal or show its text in another order than it has (`evil\u{202e}txt.exe`).
pub fn escape_control(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if (c.is_control() && c != '\n' && c != '\t') || is_bidi(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// The one way to print an error: `error: ...`, `  --> file:line:col`, `  fix: ...`, then each
/// cause as `  caused by: ...`. The location and fix come from the outermost [`Diagnostic`] in the
/// chain that has them; a diagnostic shown in the chain shows its message only.
pub fn render(err: &anyhow::Error) -> String {
    let diagnostic = err.downcast_ref::<Diagnostic>();
    let full = diagnostic.map(|d| d.to_string());
    let line = |cause: &dyn std::error::Error| -> String {
        let text = cause.to_string();
        match (diagnostic, &full) {
            (Some(d), Some(full)) if &text == full => d.message.clone(),
            _ => text,
        }
    };
    let mut chain = err.chain();
    let mut out = String::new();
    if let Some(top) = chain.next() {
        out.push_str(&format!("error: {}\n", line(top)));
    }
    if let Some(d) = diagnostic {
        if let Some(location) = &d.location {
            out.push_str(&format!("  --> {location}\n"));
        }
        if let Some(fix) = &d.fix {
            out.push_str(&format!("  fix: {fix}\n"));
        }
    }
    for cause in chain {
        out.push_str(&format!("  caused by: {}\n", line(cause)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context as _;

    fn failing() -> anyhow::Result<()> {
        Err(Diagnostic::new("`targets` is empty")
            .at(Location::line("Cargo.toml", 6))
            .fix("list target triples"))
        .context("loading the project")
    }

    #[test]
    fn fix_and_location_print_before_the_causes() {
        let err = failing().unwrap_err();
        assert_eq!(
            render(&err),
            "error: loading the project\n  --> Cargo.toml:6\n  fix: list target triples\n  \
             caused by: `targets` is empty\n"
        );
    }

    #[test]
    fn a_diagnostic_as_context_is_found_too() {
        let err = Err::<(), _>(std::io::Error::other("permission denied"))
            .with_context(|| Diagnostic::new("cannot read a.txt").fix("chmod u+r a.txt"))
            .unwrap_err();
        assert_eq!(
            render(&err),
            "error: cannot read a.txt\n  fix: chmod u+r a.txt\n  caused by: permission denied\n"
        );
    }

    #[test]
    fn display_carries_everything_for_other_callers() {
        let d = Diagnostic::new("bad")
            .at(Location::at("f.yaml", 2, 3))
            .fix("good");
        assert_eq!(d.to_string(), "f.yaml:2:3: bad\n  fix: good");
    }
}
