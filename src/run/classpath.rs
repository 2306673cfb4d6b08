//! The classpath `stormpack run` starts Storm with: the topology jar first (local mode extracts
//! `resources/` from the first classpath jar that has one, as a supervisor extracts it from the
//! topology jar), then the runtime closure of `org.apache.storm:storm-server:<version>`, resolved
//! by stormpack's own Maven resolver into the shared local repository, in Maven's classpath order.
//!
//! One exception to "jar first": a jar that shades its own copy of a logging API (flux-core 2.4.0
//! carries slf4j 1.7) would shadow Storm's, and slf4j 1.7 without its binding turns every log
//! line — component logs included — into nothing. Storm's own copy of such an API goes ahead of
//! the jar, with a note; none of those jars holds `resources/`, so the extraction is unchanged.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::error::Diagnostic;
use crate::maven::repository::{RemoteRepository, RepositorySystem};
use crate::maven::resolve::{ResolveRequest, ResolvedArtifact};
use crate::maven::{Artifact, Dependency};

/// Storm's runtime as `storm local` has it: storm-server and everything it pulls in.
pub fn resolve_storm_runtime(
    storm_version: &str,
    repositories: &[RemoteRepository],
    repos: &RepositorySystem,
) -> anyhow::Result<Vec<ResolvedArtifact>> {
    let server = Artifact::new("org.apache.storm", "storm-server", storm_version);
    let request = ResolveRequest {
        root: Artifact::new("stormpack", "stormpack-run", storm_version),
        dependencies: vec![Dependency::compile(server.clone())],
        dependency_management: Vec::new(),
        repositories: repositories.to_vec(),
    };
    let resolution = crate::maven::resolve::resolve(&request, repos).with_context(|| {
        Diagnostic::new(format!(
            "cannot resolve Storm's runtime {server} (needed to run the topology locally)"
        ))
        .fix(
            "check the Storm version (--storm-version, or the project's storm-client version) \
             and that the repositories are reachable; with --offline, run once online first",
        )
    })?;
    let runtime: Vec<ResolvedArtifact> = resolution.packaged().cloned().collect();
    if !runtime
        .iter()
        .any(|a| is(&a.artifact, "org.apache.storm", "storm-server"))
    {
        anyhow::bail!(
            "resolving {server} returned no storm-server jar; the resolver result is incomplete"
        );
    }
    Ok(runtime)
}

/// The names of a jar's entries.
pub fn jar_entry_names(jar: &Path) -> anyhow::Result<BTreeSet<String>> {
    let inspection = crate::jar::inspect::inspect(jar)?;
    Ok(inspection
        .entries
        .into_iter()
        .map(|e| e.info.path)
        .collect())
}

/// A logging API Storm configures, and the Maven artifacts of Storm's copy of it.
struct LoggingApi {
    package: &'static str,
    artifacts: &'static [(&'static str, &'static str)],
}

const LOGGING_APIS: &[LoggingApi] = &[
    LoggingApi {
        package: "org/slf4j/",
        artifacts: &[("org.slf4j", "slf4j-api")],
    },
    LoggingApi {
        package: "org/apache/logging/log4j/",
        artifacts: &[
            ("org.apache.logging.log4j", "log4j-api"),
            ("org.apache.logging.log4j", "log4j-core"),
        ],
    },
];

/// The ordered classpath, plus a note for every Storm jar moved ahead of the topology jar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classpath {
    pub entries: Vec<PathBuf>,
    pub notes: Vec<String>,
}

/// Order the classpath: the topology jar first, except Storm's copy of any logging API the jar
/// also carries; then the rest of Storm's runtime in Maven's order; then `extra` (a directory of
/// run-time resources such as Flux's `--filter` file).
pub fn assemble(
    jar: &Path,
    jar_entries: &BTreeSet<String>,
    storm: &[ResolvedArtifact],
    extra: &[PathBuf],
) -> Classpath {
    let mut ahead = Vec::new();
    let mut notes = Vec::new();
    for api in LOGGING_APIS {
        if !jar_entries
            .iter()
            .any(|e| e.starts_with(api.package) && e.ends_with(".class"))
        {
            continue;
        }
        for (group, name) in api.artifacts {
            if let Some(a) = storm.iter().find(|a| is(&a.artifact, group, name)) {
                notes.push(format!(
                    "{} carries its own {} classes (shaded from a dependency); Storm's {} goes \
                     ahead of it on the classpath so that Storm's logging, and the components' \
                     log lines, work",
                    jar.display(),
                    api.package.trim_end_matches('/').replace('/', "."),
                    a.artifact
                ));
                ahead.push(a.file.clone());
            }
        }
    }
    let mut entries = ahead.clone();
    entries.push(jar.to_path_buf());
    entries.extend(
        storm
            .iter()
            .map(|a| a.file.clone())
            .filter(|f| !ahead.contains(f)),
    );
    entries.extend(extra.iter().cloned());
    Classpath { entries, notes }
}

fn is(artifact: &Artifact, group: &str, name: &str) -> bool {
    artifact.group_id == group && artifact.artifact_id == name
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maven::Scope;

    fn resolved(group: &str, name: &str, version: &str) -> ResolvedArtifact {
        let artifact = Artifact::new(group, name, version);
        ResolvedArtifact {
            file: PathBuf::from(format!("/m2/{}", artifact.repository_path())),
            artifact,
            scope: Scope::Compile,
            optional: false,
            trail: Vec::new(),
        }
    }

    fn storm() -> Vec<ResolvedArtifact> {
        vec![
            resolved("org.apache.storm", "storm-server", "2.8.3"),
            resolved("org.apache.storm", "storm-client", "2.8.3"),
            resolved("org.slf4j", "slf4j-api", "2.0.17"),
            resolved("org.apache.logging.log4j", "log4j-api", "2.25.2"),
            resolved("org.apache.logging.log4j", "log4j-core", "2.25.2"),
            resolved("org.yaml", "snakeyaml", "2.2"),
        ]
    }

    fn names(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn jar_goes_first_then_storm_in_order_then_extras() {
        let jar = Path::new("/p/target/app.jar");
        let cp = assemble(
            jar,
            &names(&[
                "topology.yaml",
                "org/apache/storm/flux/Flux.class",
                "resources/storm.py",
            ]),
            &storm(),
            &[PathBuf::from("/p/target/stormpack-run/cp")],
        );
        assert!(cp.notes.is_empty());
        let mut expected = vec![jar.to_path_buf()];
        expected.extend(storm().iter().map(|a| a.file.clone()));
        expected.push(PathBuf::from("/p/target/stormpack-run/cp"));
        assert_eq!(cp.entries, expected);
    }

    #[test]
    fn a_shaded_slf4j_puts_storms_slf4j_ahead_of_the_jar_and_says_so() {
        let jar = Path::new("/p/target/app.jar");
        let cp = assemble(
            jar,
            &names(&[
                "org/slf4j/LoggerFactory.class",
                "org/slf4j/helpers/NOPLogger.class",
            ]),
            &storm(),
            &[],
        );
        let slf4j = PathBuf::from("/m2/org/slf4j/slf4j-api/2.0.17/slf4j-api-2.0.17.jar");
        assert_eq!(cp.entries[0], slf4j);
        assert_eq!(cp.entries[1], jar);
        assert_eq!(cp.entries.iter().filter(|e| **e == slf4j).count(), 1);
        assert_eq!(cp.entries.len(), storm().len() + 1);
        assert_eq!(cp.notes.len(), 1);
        assert!(
            cp.notes[0].contains("org.slf4j:slf4j-api:jar:2.0.17"),
            "{}",
            cp.notes[0]
        );
    }

    #[test]
    fn a_directory_entry_alone_does_not_count_as_a_shaded_api() {
        let cp = assemble(
            Path::new("/a.jar"),
            &names(&["org/slf4j/", "org/apache/logging/log4j/"]),
            &storm(),
            &[],
        );
        assert_eq!(cp.entries[0], PathBuf::from("/a.jar"));
    }

    #[test]
    fn a_shaded_log4j_moves_log4j_api_and_core() {
        let cp = assemble(
            Path::new("/a.jar"),
            &names(&["org/apache/logging/log4j/LogManager.class"]),
            &storm(),
            &[],
        );
        assert!(cp.entries[0].ends_with("log4j-api-2.25.2.jar"));
        assert!(cp.entries[1].ends_with("log4j-core-2.25.2.jar"));
        assert_eq!(cp.entries[2], PathBuf::from("/a.jar"));
    }
}
