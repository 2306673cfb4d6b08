//! `${...}` substitution exactly as Flux 2.8.8 does it for `--filter` and `--env-filter`: before
//! the YAML is parsed, line by line, with one regular expression per line. What that implies and
//! what this reproduces:
//! - only one placeholder per line is replaced (the last `${` on the line, up to the last `}`),
//!   every occurrence of that exact placeholder on the line; other placeholders stay as text;
//! - `${ENV-NAME}` reads the environment only with `--env-filter`;
//! - `${list[1]}` picks an element of a property written as `["a", "b"]`;
//! - without `--filter`, any other placeholder makes Flux stop with a NullPointerException, even
//!   in a comment;
//! - an unknown key is only logged by Flux, and the text `${key}` stays in the topology.
//!
//! The substituted text keeps its line count; [`Substituted::original_pos`] maps positions in it
//! back to the file as written.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::OnceLock;

use regex::Regex;

use super::yaml::Pos;
use super::{Diagnostic, Severity};

/// What the substitution is done with.
pub struct Filter<'a> {
    /// The `--filter` properties and the file they came from.
    pub properties: Option<(&'a Path, &'a BTreeMap<String, String>)>,
    pub env_filter: bool,
    pub env_var: &'a dyn Fn(&str) -> Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Replaced,
    /// No `--filter` file: Flux would stop on this line; the user may deploy with one.
    NoFilter,
    /// Flux leaves the text in place (logs a warning).
    Unresolved(String),
    /// Flux stops with an exception.
    Crash(String),
}

#[derive(Debug, Clone)]
struct Placeholder {
    pos: Pos,
    text: String,
    var: String,
    outcome: Outcome,
    in_comment: bool,
}

/// A placeholder Flux does not look at because another one on the same line was chosen.
#[derive(Debug, Clone)]
struct Skipped {
    pos: Pos,
    text: String,
    chosen: String,
    in_comment: bool,
}

/// One replaced span on a line, in characters: where it starts in the new and the old line.
#[derive(Debug, Clone, Copy)]
struct Edit {
    new_start: usize,
    new_len: usize,
    old_start: usize,
    old_len: usize,
}

/// The text Flux would hand to SnakeYAML, and what happened on the way.
#[derive(Debug, Clone)]
pub struct Substituted {
    pub text: String,
    placeholders: Vec<Placeholder>,
    skipped: Vec<Skipped>,
    edits: HashMap<usize, Vec<Edit>>,
}

fn pattern() -> &'static Regex {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    PATTERN.get_or_init(|| {
        // Flux's own expression (FluxParser.propertyPattern); the Rust engine picks the same
        // captures as Java's backtracking one for it (leftmost-first, greedy).
        Regex::new(r".*\$\{(?<var>ENV-(?<envVar>.+)|(?<list>.+)\[(?<listIndex>\d+)\]|.+)\}.*")
            .unwrap_or_else(|e| panic!("built-in pattern: {e}"))
    })
}

fn char_col(line: &str, byte: usize) -> usize {
    line[..byte].chars().count()
}

impl Filter<'_> {
    fn resolve(&self, caps: &regex::Captures<'_>) -> (Outcome, Option<String>) {
        let var = &caps["var"];
        if var.contains('}') {
            return (
                Outcome::Unresolved(format!(
                    "Flux reads the placeholder up to the last `}}` on the line, as `${{{var}}}`, and finds no value for it"
                )),
                None,
            );
        }
        if let (Some(list), Some(index)) = (caps.name("list"), caps.name("listIndex")) {
            let Some((file, props)) = self.properties else {
                return (Outcome::NoFilter, None);
            };
            let Some(value) = props.get(list.as_str()) else {
                return (
                    Outcome::Crash(format!(
                        "`{}` is not defined in {}: Flux stops with a NullPointerException",
                        list.as_str(),
                        file.display()
                    )),
                    None,
                );
            };
            return match list_element(value, index.as_str()) {
                Some(elem) => (Outcome::Replaced, Some(elem)),
                None => (
                    Outcome::Crash(format!(
                        "`{}` in {} is `{value}`, which has no element {}: Flux stops with an exception",
                        list.as_str(),
                        file.display(),
                        index.as_str()
                    )),
                    None,
                ),
            };
        }
        if let (true, Some(name)) = (self.env_filter, caps.name("envVar")) {
            return match (self.env_var)(name.as_str()) {
                Some(value) => (Outcome::Replaced, Some(value)),
                None => (
                    Outcome::Unresolved(format!(
                        "the environment variable `{}` is not set",
                        name.as_str()
                    )),
                    None,
                ),
            };
        }
        let Some((file, props)) = self.properties else {
            return (Outcome::NoFilter, None);
        };
        match props.get(var) {
            Some(value) => (Outcome::Replaced, Some(value.clone())),
            None => {
                let hint = if var.starts_with("ENV-") && !self.env_filter {
                    " (an `ENV-` placeholder needs --env-filter)"
                } else {
                    ""
                };
                (
                    Outcome::Unresolved(format!(
                        "`{var}` is not defined in {}{hint}",
                        file.display()
                    )),
                    None,
                )
            }
        }
    }

    /// Substitute `text` as Flux would.
    pub fn apply(&self, text: &str) -> Substituted {
        let mut out = Vec::new();
        let mut placeholders = Vec::new();
        let mut skipped = Vec::new();
        let mut edits = HashMap::new();
        for (index, line) in text.lines().enumerate() {
            let line_no = index + 1;
            let Some(caps) = pattern().captures(line) else {
                out.push(line.to_string());
                continue;
            };
            let in_comment = line.trim_start().starts_with('#');
            let var = caps["var"].to_string();
            let placeholder = format!("${{{var}}}");
            let start = caps.name("var").map_or(0, |m| m.start()) - 2;
            let (outcome, value) = self.resolve(&caps);
            let occurrences: Vec<usize> =
                line.match_indices(&placeholder).map(|(i, _)| i).collect();
            for (i, _) in line.match_indices("${") {
                if !occurrences.contains(&i) && i != start {
                    let end = line[i..].find('}').map_or(line.len(), |e| i + e + 1);
                    skipped.push(Skipped {
                        pos: Pos {
                            line: line_no,
                            column: char_col(line, i) + 1,
                        },
                        text: line[i..end].to_string(),
                        chosen: placeholder.clone(),
                        in_comment,
                    });
                }
            }
            placeholders.push(Placeholder {
                pos: Pos {
                    line: line_no,
                    column: char_col(line, start) + 1,
                },
                text: placeholder.clone(),
                var,
                outcome,
                in_comment,
            });
            match value {
                Some(value) => {
                    let mut line_edits = Vec::new();
                    let mut delta: isize = 0;
                    let old_len = placeholder.chars().count();
                    let new_len = value.chars().count();
                    for &i in &occurrences {
                        let old_start = char_col(line, i);
                        line_edits.push(Edit {
                            new_start: (old_start as isize + delta) as usize,
                            new_len,
                            old_start,
                            old_len,
                        });
                        delta += new_len as isize - old_len as isize;
                    }
                    edits.insert(line_no, line_edits);
                    out.push(line.replace(&placeholder, &value));
                }
                None => out.push(line.to_string()),
            }
        }
        let mut text_out = out.join("\n");
        if text.ends_with('\n') {
            text_out.push('\n');
        }
        Substituted {
            text: text_out,
            placeholders,
            skipped,
            edits,
        }
    }
}

/// Flux's `${list[i]}`: the property is `[ "a", "b" ]`; split at commas, trim, drop the quotes.
fn list_element(value: &str, index: &str) -> Option<String> {
    let inner = value.get(1..value.len().checked_sub(1)?)?;
    let mut parts: Vec<&str> = inner.split(',').collect();
    while parts.last() == Some(&"") {
        parts.pop();
    }
    let elem = parts.get(index.parse::<usize>().ok()?)?.trim();
    elem.get(1..elem.len().checked_sub(1)?).map(str::to_string)
}

impl Substituted {
    /// Where a position in the substituted text was in the file as written.
    pub fn original_pos(&self, pos: Pos) -> Pos {
        let Some(edits) = self.edits.get(&pos.line) else {
            return pos;
        };
        let col = pos.column.saturating_sub(1);
        let mut mapped = col;
        for edit in edits {
            if col < edit.new_start {
                break;
            }
            if col < edit.new_start + edit.new_len {
                return Pos {
                    line: pos.line,
                    column: edit.old_start + 1,
                };
            }
            mapped = col - (edit.new_start + edit.new_len) + edit.old_start + edit.old_len;
        }
        Pos {
            line: pos.line,
            column: mapped + 1,
        }
    }

    /// The placeholder findings, as diagnostics for `file`. `filter_active` is true when the
    /// user gave `--filter` or `--env-filter`: then an unresolved placeholder is an error.
    pub fn diagnostics(&self, file: &Path, filter_active: bool) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let severity = if filter_active {
            Severity::Error
        } else {
            Severity::Warning
        };
        for p in &self.placeholders {
            let (severity, message, fix) = match &p.outcome {
                Outcome::Replaced => continue,
                Outcome::NoFilter => (
                    Severity::Warning,
                    format!(
                        "`{}` is not substituted: no --filter file was given, and Flux 2.8.8 run without --filter stops on this line with a NullPointerException",
                        p.text
                    ),
                    "check with the properties file you deploy with (`stormpack check --filter FILE`, and `--filter FILE` for Flux), or write the value in place".to_string(),
                ),
                Outcome::Unresolved(_) if p.in_comment => continue,
                Outcome::Unresolved(reason) => (
                    Severity::Error,
                    format!("`{}` is not substituted: {reason}; Flux leaves the text `{}` in the topology", p.text, p.text),
                    if p.var.contains('}') {
                        "keep one placeholder per line and no `}` after it on that line (use block style instead of `{...}` / `[...]` on one line)".to_string()
                    } else if p.var.starts_with("ENV-") {
                        format!("set `{}` in the environment and pass --env-filter", &p.var[4..])
                    } else {
                        format!("define `{}=<value>` in the --filter file", p.var)
                    },
                ),
                Outcome::Crash(reason) => (
                    Severity::Error,
                    format!("`{}` cannot be substituted: {reason}", p.text),
                    format!("define `{}` in the --filter file as a list such as [\"a\", \"b\"]", p.var),
                ),
            };
            out.push(Diagnostic::new(severity, file, p.pos, message, fix));
        }
        for s in &self.skipped {
            if s.in_comment {
                continue;
            }
            out.push(Diagnostic::new(
                severity,
                file,
                s.pos,
                format!(
                    "`{}` is never substituted: Flux replaces only one placeholder per line, and on this line it takes `{}`",
                    s.text, s.chosen
                ),
                "put each `${...}` on its own line (a block list `- ${a}` instead of `[${a}, ${b}]`)".to_string(),
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props() -> BTreeMap<String, String> {
        BTreeMap::from([
            ("workers".to_string(), "3".to_string()),
            ("py".to_string(), "python3".to_string()),
            ("hosts".to_string(), "[\"h1\", \"h2\"]".to_string()),
        ])
    }

    fn env(name: &str) -> Option<String> {
        (name == "HOME_DIR").then(|| "/home/storm".to_string())
    }

    fn with_props(p: &BTreeMap<String, String>) -> Filter<'_> {
        Filter {
            properties: Some((Path::new("dev.properties"), p)),
            env_filter: true,
            env_var: &env,
        }
    }

    #[test]
    fn replaces_one_placeholder_per_line_like_flux() {
        let p = props();
        let s = with_props(&p)
            .apply("a: ${workers}\nb: [${py}, ${workers}]\nc: ${hosts[1]}\nd: ${ENV-HOME_DIR}\n");
        assert_eq!(s.text, "a: 3\nb: [${py}, 3]\nc: h2\nd: /home/storm\n");
        let diags = s.diagnostics(Path::new("t.yaml"), true);
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!((diags[0].line, diags[0].column), (2, 5));
        assert!(diags[0].message.contains("only one placeholder per line"));
    }

    #[test]
    fn unresolved_and_missing_filter() {
        let p = props();
        let s = with_props(&p).apply("a: ${nope}\nb: ${ENV-UNSET}\n# ${nope}\n");
        let diags = s.diagnostics(Path::new("t.yaml"), true);
        assert_eq!(diags.len(), 2);
        assert!(diags[0]
            .message
            .contains("`nope` is not defined in dev.properties"));
        assert!(diags[1].message.contains("`UNSET` is not set"));
        let none = Filter {
            properties: None,
            env_filter: false,
            env_var: &env,
        };
        let diags = none
            .apply("a: ${workers}\n")
            .diagnostics(Path::new("t.yaml"), false);
        assert_eq!(diags[0].severity, Severity::Warning);
        assert!(diags[0].message.contains("NullPointerException"));
    }

    #[test]
    fn greedy_brace_in_flow_mapping() {
        let p = props();
        let s = with_props(&p).apply("x: {a: ${py}}\n");
        assert_eq!(s.text, "x: {a: ${py}}\n");
        let diags = s.diagnostics(Path::new("t.yaml"), true);
        assert!(diags[0].message.contains("last `}`"), "{diags:?}");
    }

    #[test]
    fn maps_columns_back_to_the_file() {
        let p = props();
        let s = with_props(&p).apply("a: ${workers} b: c\n");
        assert_eq!(s.text, "a: 3 b: c\n");
        assert_eq!(
            s.original_pos(Pos { line: 1, column: 6 }),
            Pos {
                line: 1,
                column: 15
            }
        );
        assert_eq!(
            s.original_pos(Pos { line: 1, column: 4 }),
            Pos { line: 1, column: 4 }
        );
    }
}
