//! Flux topology validation (`stormpack check`, also run by `build`): YAML errors with positions,
//! unknown keys, ids, streams, groupings, class names, shell commands, and the DOT graph.
//!
//! The pipeline mirrors what Flux 2.8.8 does with the file, so each finding names what Flux or
//! Storm would do with it: `filter` (`${...}` substitution, line by line) -> `yaml` (a tree with a
//! position on every node) -> `model` (Flux's model classes; unknown keys and wrong types) ->
//! `include` (includes and their override rules) -> `checks` + `shell` (what `FluxBuilder` and
//! Nimbus would reject or silently drop, and what the jar must hold) -> `dot` (the graph).

mod checks;
pub mod classpath;
mod dot;
mod filter;
mod include;
mod model;
mod properties;
mod shell;
mod streams;
mod suggest;
mod yaml;

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

pub use yaml::Pos;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum Severity {
    Warning,
    Error,
}

/// One finding: file, line, column, what is wrong and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub fix: String,
}

impl Diagnostic {
    pub fn new(
        severity: Severity,
        file: &Path,
        pos: Pos,
        message: String,
        fix: String,
    ) -> Diagnostic {
        Diagnostic {
            severity,
            file: file.to_path_buf(),
            line: pos.line,
            column: pos.column,
            message,
            fix,
        }
    }

    fn at(severity: Severity, loc: &model::Loc, message: String, fix: String) -> Diagnostic {
        Diagnostic::new(severity, &loc.file, loc.pos, message, fix)
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// `file:line:col: error: message` and, on the next line, `  fix: ...`.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{}:{}:{}: {level}: {}\n  fix: {}",
            self.file.display(),
            self.line,
            self.column,
            self.message,
            self.fix
        )
    }
}

/// A jar entry read for a `resource: true` include: the path to show in messages and the text.
pub type Resource = (PathBuf, String);

/// Reads a jar entry by path (no leading `/`).
pub type ReadResource<'a> = &'a dyn Fn(&str) -> Option<Resource>;

/// Reads an environment variable.
pub type EnvVar<'a> = &'a dyn Fn(&str) -> Option<String>;

fn no_class(_: &str) -> bool {
    false
}

fn no_resource(_: &str) -> Option<Resource> {
    None
}

fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

static NO_PATHS: BTreeSet<String> = BTreeSet::new();

/// What the topology is checked against. Build it with [`CheckContext::with_jar`],
/// [`CheckContext::without_jar`] or [`CheckContext::bare`], then `with_filter`.
pub struct CheckContext<'a> {
    /// Every file path in the jar (project and shaded entries), `/`-separated.
    pub jar_paths: &'a BTreeSet<String>,
    /// True for a class name found in the jar or in Storm's provided runtime. JDK classes
    /// (`java.*`, `javax.*`, ...) always count as present.
    pub class_exists: &'a dyn Fn(&str) -> bool,
    /// `--filter` properties file.
    pub filter: Option<PathBuf>,
    /// `--env-filter`.
    pub env_filter: bool,
    /// True when `jar_paths`/`class_exists` describe a built jar. False skips the class and
    /// `resources/` checks (there is nothing to check against yet).
    pub jar_known: bool,
    /// Reads a jar entry by path (no leading `/`), for `includes` with `resource: true`. When it
    /// finds nothing and there is no jar, the file beside the topology is read instead (the
    /// topology's directory is a resource root: topology.yaml lands at the jar root).
    pub read_resource: ReadResource<'a>,
    /// Reads an environment variable, for `--env-filter` (the process environment by default).
    pub env_var: EnvVar<'a>,
    /// Class names known beyond the jar (e.g. storm-client's), for "did you mean".
    pub class_names: Option<&'a BTreeSet<String>>,
}

impl<'a> CheckContext<'a> {
    /// Check against a built jar: its entry paths, a class lookup (jar + Storm runtime), and a
    /// reader for its entries.
    pub fn with_jar(
        jar_paths: &'a BTreeSet<String>,
        class_exists: &'a dyn Fn(&str) -> bool,
        read_resource: ReadResource<'a>,
    ) -> CheckContext<'a> {
        CheckContext {
            jar_paths,
            class_exists,
            filter: None,
            env_filter: false,
            jar_known: true,
            read_resource,
            env_var: &process_env,
            class_names: None,
        }
    }

    /// Check the topology alone: class and `resources/` checks are skipped. `read_resource`
    /// stands in for the jar for `resource: true` includes.
    pub fn without_jar(read_resource: ReadResource<'a>) -> CheckContext<'a> {
        CheckContext {
            jar_paths: &NO_PATHS,
            class_exists: &no_class,
            filter: None,
            env_filter: false,
            jar_known: false,
            read_resource,
            env_var: &process_env,
            class_names: None,
        }
    }

    /// Neither a jar nor a resource reader (resource includes are read beside the topology).
    pub fn bare() -> CheckContext<'static> {
        CheckContext::without_jar(&no_resource)
    }

    pub fn with_filter(mut self, filter: Option<PathBuf>, env_filter: bool) -> Self {
        self.filter = filter;
        self.env_filter = env_filter;
        self
    }

    /// More class names to suggest from when a class is missing.
    pub fn with_class_names(mut self, names: &'a BTreeSet<String>) -> Self {
        self.class_names = Some(names);
        self
    }

    fn class_present(&self, name: &str) -> bool {
        (self.class_exists)(name) || classpath::is_jdk_class(name)
    }
}

/// Load, substitute, parse and merge; shared by `check` and `to_dot`.
fn load(
    path: &Path,
    text: Option<&str>,
    ctx: &CheckContext<'_>,
    diags: &mut Vec<Diagnostic>,
) -> anyhow::Result<include::Loaded> {
    let read;
    let text = match text {
        Some(text) => text,
        None => {
            read = read_text(path)
                .with_context(|| format!("cannot read the topology {}", path.display()))?;
            read.as_str()
        }
    };
    let props = match &ctx.filter {
        Some(file) => {
            let text = crate::fsread::read_regular_to_string(file, crate::fsread::MAX_TEXT_FILE)
                .with_context(|| {
                    crate::error::Diagnostic::new(format!(
                        "cannot read the --filter properties file {}",
                        file.display()
                    ))
                    .fix("pass --filter an existing properties file (`key=value` lines)")
                })?;
            Some(properties::parse(&text))
        }
        None => None,
    };
    let filter = filter::Filter {
        properties: ctx.filter.as_deref().zip(props.as_ref()),
        env_filter: ctx.env_filter,
        env_var: ctx.env_var,
    };
    Ok(include::load(path, text, ctx, &filter, diags))
}

/// Check the topology at `path`. Diagnostics come sorted by file, line and column.
pub fn check(path: &Path, ctx: &CheckContext<'_>) -> anyhow::Result<Vec<Diagnostic>> {
    check_text(path, None, ctx)
}

/// Like [`check`], with the topology's `text` given instead of read from `path` (a topology
/// Maven-filtered into the jar: the jar's text is checked, diagnostics name `path`, and
/// includes resolve next to it).
pub fn check_text(
    path: &Path,
    text: Option<&str>,
    ctx: &CheckContext<'_>,
) -> anyhow::Result<Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let loaded = load(path, text, ctx, &mut diags)?;
    if let Some(merged) = &loaded.merged {
        checks::run(&loaded.files, merged, ctx, &mut diags);
    }
    diags.sort_by(|a, b| {
        (a.file != path, &a.file, a.line, a.column, &a.message).cmp(&(
            b.file != path,
            &b.file,
            b.line,
            b.column,
            &b.message,
        ))
    });
    diags.dedup();
    Ok(diags)
}

/// The topology graph in Graphviz DOT: spouts and bolts as nodes, streams as edges labelled with
/// their grouping. Fails only when the file cannot be read or parsed.
pub fn to_dot(path: &Path, ctx: &CheckContext<'_>) -> anyhow::Result<String> {
    to_dot_text(path, None, ctx)
}

/// Like [`to_dot`], with the topology's `text` given (see [`check_text`]).
pub fn to_dot_text(
    path: &Path,
    text: Option<&str>,
    ctx: &CheckContext<'_>,
) -> anyhow::Result<String> {
    let mut diags = Vec::new();
    let loaded = load(path, text, ctx, &mut diags)?;
    match &loaded.merged {
        Some(merged) => Ok(dot::render(merged)),
        None => {
            let first = diags
                .iter()
                .find(|d| d.is_error())
                .map(ToString::to_string)
                .unwrap_or_default();
            anyhow::bail!("cannot draw {}: it does not parse\n{first}", path.display())
        }
    }
}

/// The topology text after Flux's `--filter`/`--env-filter` substitution, as Flux would hand it
/// to its YAML parser (for submitting a topology without Flux).
pub fn substitute(text: &str, filter: Option<&Path>, env_filter: bool) -> anyhow::Result<String> {
    let props = match filter {
        Some(file) => {
            let text = crate::fsread::read_regular_to_string(file, crate::fsread::MAX_TEXT_FILE)
                .with_context(|| {
                    crate::error::Diagnostic::new(format!(
                        "cannot read the --filter properties file {}",
                        file.display()
                    ))
                    .fix("pass --filter an existing properties file (`key=value` lines)")
                })?;
            Some(properties::parse(&text))
        }
        None => None,
    };
    let env = |name: &str| std::env::var(name).ok();
    let f = filter::Filter {
        properties: filter.zip(props.as_ref()),
        env_filter,
        env_var: &env,
    };
    Ok(f.apply(text).text)
}

/// A topology file's text as Flux's YAML reader (SnakeYAML's `UnicodeReader`) decodes it:
/// UTF-16 after a UTF-16 byte order mark, else UTF-8 (a UTF-8 byte order mark is skipped when
/// parsing). Bytes that are not UTF-8 (a Latin-1 file) are an error naming line and column,
/// as Flux stops on them too. Only a regular file is read (see [`crate::fsread`]).
pub fn read_text(path: &Path) -> std::io::Result<String> {
    let bytes = crate::fsread::read_regular(path, crate::fsread::MAX_TEXT_FILE)?;
    let invalid = |message: String| std::io::Error::new(std::io::ErrorKind::InvalidData, message);
    let utf16 = match bytes.as_slice() {
        [0xFF, 0xFE, rest @ ..] => Some((rest, false)),
        [0xFE, 0xFF, rest @ ..] => Some((rest, true)),
        _ => None,
    };
    if let Some((rest, big_endian)) = utf16 {
        let units = rest.chunks(2).map(|c| {
            let pair = [c[0], c.get(1).copied().unwrap_or(0)];
            if big_endian {
                u16::from_be_bytes(pair)
            } else {
                u16::from_le_bytes(pair)
            }
        });
        return char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .ok()
            .filter(|_| rest.len() % 2 == 0)
            .ok_or_else(|| {
                invalid(format!(
                    "{}: not valid UTF-16 although it starts with a UTF-16 byte order mark\n  fix: save the file as UTF-8",
                    path.display()
                ))
            });
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let byte = e.as_bytes()[valid.len()];
        let valid = String::from_utf8_lossy(valid);
        let line = valid.matches('\n').count() + 1;
        let column = valid.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        invalid(format!(
            "{}:{line}:{column}: byte 0x{byte:02X} is not UTF-8: Flux reads a topology as UTF-8 (or UTF-16 \
             with a byte order mark) and stops here (a Latin-1 or Windows-1252 file?)\n  fix: save the file as UTF-8",
            path.display()
        ))
    })
}
