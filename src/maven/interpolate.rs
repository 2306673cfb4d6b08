//! `${...}` interpolation over one merged model: `basedir`, `project.*`/`pom.*` (model fields and
//! any leaf element of the lineage's XML), `<properties>`, Java/OS/`env.*` properties, and Maven's
//! unprefixed model fields; cycles and over-deep chains are reported, not looped.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;

use super::environment::Environment;
use super::inherit::{Lineage, Merged};
use super::pom::Field;
use super::xml::SourceLocation;

/// How deep `${a}` -> `${b}` -> ... may nest (resolution recurses; a hostile pom must not
/// overflow the stack). Real poms stay in single digits.
const MAX_PROPERTY_DEPTH: usize = 64;

/// The longest value an expansion may produce. Properties that double at each level
/// (`e2 = ${e1}${e1}`, ...) reach gigabytes in 30 steps; real values (a class path, a list of
/// arguments) stay far below this. Expansion stops as soon as a value passes the bound, so
/// memory stays within a few times this size however the pom nests.
pub(crate) const MAX_VALUE_LEN: usize = 1 << 20;

/// A problem with one `${...}` expression.
#[derive(Debug, Clone)]
pub(crate) enum InterpProblem {
    Unknown(String),
    Cycle(Vec<String>),
    /// The expansion of this property passed [`MAX_VALUE_LEN`].
    TooLong(String),
}

impl InterpProblem {
    pub(crate) fn message(&self, at: &SourceLocation, what: &str) -> String {
        match self {
            InterpProblem::Unknown(name) => format!(
                "{at}: unknown property `${{{name}}}` in {what}\n  fix: define it in <properties> (<{name}>...</{name}>), or correct the name"
            ),
            // A chain that does not end where it started hit the depth limit.
            InterpProblem::Cycle(chain) if chain.first() != chain.last() => format!(
                "{at}: property references in {what} nest deeper than {MAX_PROPERTY_DEPTH} levels (${{{}}} -> ... -> ${{{}}})\n  fix: make one of these properties a literal value",
                chain.first().map_or("", String::as_str),
                chain.last().map_or("", String::as_str)
            ),
            InterpProblem::Cycle(chain) => format!(
                "{at}: recursive property definition in {what}: {}\n  fix: make one of these properties a literal value",
                chain.iter().map(|n| format!("${{{n}}}")).collect::<Vec<_>>().join(" -> ")
            ),
            InterpProblem::TooLong(name) => format!(
                "{at}: `${{{name}}}` in {what} expands to more than {} MiB (properties that repeat other properties)\n  fix: give `{name}` (or the properties it repeats) a shorter, literal value",
                MAX_VALUE_LEN >> 20
            ),
        }
    }
}

/// A resolved expression: its value (`None`: unknown), or why it has none (a cycle it is part
/// of, or an expansion past [`MAX_VALUE_LEN`]).
type Resolved = Result<Option<String>, InterpProblem>;

/// `${...}` resolution over one effective model: basedir, `project.*`/`pom.*`, `<properties>`,
/// Java/OS properties, `env.*`, and Maven's unprefixed model fields (`${version}`).
pub(crate) struct Interpolator<'m> {
    pub(crate) merged: &'m Merged,
    pub(crate) lineage: &'m [Lineage],
    pub(crate) env: &'m Environment,
    pub(crate) basedir: Option<&'m Path>,
    pub(crate) cache: RefCell<HashMap<String, Resolved>>,
    pub(crate) stack: RefCell<Vec<String>>,
}

impl Interpolator<'_> {
    /// The interpolated string (unresolvable expressions left as written) and the problems. An
    /// expansion past [`MAX_VALUE_LEN`] stops there: `s` comes back as written, with the problem.
    pub(crate) fn interpolate(&self, s: &str) -> (String, Vec<InterpProblem>) {
        let mut out = String::with_capacity(s.len().min(MAX_VALUE_LEN));
        let mut problems = Vec::new();
        let mut rest = s;
        while let Some(start) = rest.find("${") {
            let Some(len) = rest[start + 2..].find('}') else {
                break;
            };
            out.push_str(&rest[..start]);
            let name = &rest[start + 2..start + 2 + len];
            match self.resolve(name) {
                Ok(Some(v)) if out.len() + v.len() > MAX_VALUE_LEN => {
                    problems.push(InterpProblem::TooLong(name.to_string()));
                    return (s.to_string(), problems);
                }
                Ok(Some(v)) => out.push_str(&v),
                Ok(None) => {
                    problems.push(InterpProblem::Unknown(name.to_string()));
                    out.push_str(&rest[start..start + 3 + len]);
                }
                Err(problem @ InterpProblem::TooLong(_)) => {
                    problems.push(problem);
                    return (s.to_string(), problems);
                }
                Err(problem) => {
                    problems.push(problem);
                    out.push_str(&rest[start..start + 3 + len]);
                }
            }
            rest = &rest[start + 3 + len..];
        }
        out.push_str(rest);
        (out, problems)
    }

    fn resolve(&self, name: &str) -> Resolved {
        if let Some(v) = self.cache.borrow().get(name) {
            return v.clone();
        }
        {
            let stack = self.stack.borrow();
            if let Some(pos) = stack.iter().position(|n| n == name) {
                let mut chain: Vec<String> = stack[pos..].to_vec();
                chain.push(name.to_string());
                return Err(InterpProblem::Cycle(chain));
            }
            if stack.len() >= MAX_PROPERTY_DEPTH {
                let mut chain = stack.clone();
                chain.push(name.to_string());
                return Err(InterpProblem::Cycle(chain));
            }
        }
        let Some(raw) = self.lookup(name) else {
            return Ok(None);
        };
        self.stack.borrow_mut().push(name.to_string());
        let (value, problems) = self.interpolate(&raw);
        self.stack.borrow_mut().pop();
        let result = match problems
            .into_iter()
            .find(|p| !matches!(p, InterpProblem::Unknown(_)))
        {
            // The outermost name is the one the user wrote where the value is used.
            Some(InterpProblem::TooLong(_)) => Err(InterpProblem::TooLong(name.to_string())),
            Some(problem) => Err(problem),
            None => Ok(Some(value)),
        };
        self.cache
            .borrow_mut()
            .insert(name.to_string(), result.clone());
        result
    }

    fn lookup(&self, name: &str) -> Option<String> {
        match name {
            "basedir" | "project.basedir" | "pom.basedir" => {
                return self.basedir.map(|b| b.to_string_lossy().into_owned())
            }
            "project.baseUri" | "pom.baseUri" => {
                return self
                    .basedir
                    .map(|b| format!("file://{}/", b.to_string_lossy()))
            }
            _ => {}
        }
        if let Some(path) = name
            .strip_prefix("project.")
            .or_else(|| name.strip_prefix("pom."))
        {
            return self.model_value(path);
        }
        if let Some(v) = self.env.user.get(name) {
            return Some(v.clone());
        }
        if let Some(v) = self.merged.properties.get(name) {
            return Some(v.value.clone());
        }
        if let Some(v) = self.env.system.get(name) {
            return Some(v.clone());
        }
        self.model_value(name)
    }

    fn model_value(&self, path: &str) -> Option<String> {
        let m = self.merged;
        let f = |x: &Option<Field>| x.as_ref().map(|f| f.value.clone());
        let parent = m.parent_fields.as_ref();
        match path {
            "groupId" => f(&m.group_id),
            "artifactId" => f(&m.artifact_id),
            "version" => f(&m.version),
            "packaging" => Some(f(&m.packaging).unwrap_or_else(|| "jar".into())),
            "name" => f(&m.name),
            "description" => f(&m.description),
            "url" => f(&m.url),
            "parent.groupId" => parent.and_then(|p| f(&p.0)),
            "parent.artifactId" => parent.and_then(|p| f(&p.1)),
            "parent.version" => parent.and_then(|p| f(&p.2)),
            "build.directory" => {
                Some(f(&m.directory).unwrap_or_else(|| "${project.basedir}/target".into()))
            }
            "build.finalName" => Some(
                f(&m.final_name)
                    .unwrap_or_else(|| "${project.artifactId}-${project.version}".into()),
            ),
            "build.outputDirectory" => Some("${project.build.directory}/classes".into()),
            "build.testOutputDirectory" => Some("${project.build.directory}/test-classes".into()),
            "build.sourceDirectory" => Some("${project.basedir}/src/main/java".into()),
            "build.testSourceDirectory" => Some("${project.basedir}/src/test/java".into()),
            _ => {
                let parts: Vec<&str> = path.split('.').collect();
                self.lineage.iter().find_map(|l| {
                    let e = l.raw.root.at(&parts)?;
                    (e.children.is_empty() && !e.text.is_empty()).then(|| e.text.clone())
                })
            }
        }
    }
}
