//! Facts about Apache Storm that several stages need, each stated once: its Maven groupId,
//! Flux's main class, where storm-client's jar sits in a local repository, how Storm's artifacts
//! are resolved, and how `storm.options` is written.

pub mod shadow;

use std::path::{Path, PathBuf};

/// The Maven groupId of Storm and Flux.
pub const GROUP: &str = "org.apache.storm";

/// Flux's entry point: the jar's Main-Class when Flux is shaded in, and what `run` starts.
pub const FLUX_MAIN_CLASS: &str = "org.apache.storm.flux.Flux";

/// Where the local repository keeps `org.apache.storm:storm-client:<version>`'s jar.
pub fn storm_client_jar(local_repository: &Path, version: &str) -> PathBuf {
    local_repository
        .join("org/apache/storm/storm-client")
        .join(version)
        .join(format!("storm-client-{version}.jar"))
}

/// The Storm version assumed when the project names none.
pub const DEFAULT_STORM_VERSION: &str = "2.8.3";

/// Resolve `org.apache.storm:<artifact>:<version>` and its runtime closure (what a Storm
/// installation's `lib/` or `lib-worker/` holds); `purpose` says in the error what it was for.
pub fn resolve(
    repos: &crate::maven::repository::RepositorySystem,
    artifact: &str,
    version: &str,
    purpose: &str,
) -> anyhow::Result<Vec<crate::maven::resolve::ResolvedArtifact>> {
    use crate::maven::{resolve::ResolveRequest, Artifact, Dependency};
    use anyhow::Context;
    let root = Artifact::new(GROUP, artifact, version);
    let request = ResolveRequest {
        root: Artifact::new("stormpack", "stormpack-storm", version),
        dependencies: vec![Dependency::compile(root.clone())],
        dependency_management: Vec::new(),
        repositories: Vec::new(),
    };
    let resolution = crate::maven::resolve::resolve(&request, repos).with_context(|| {
        format!(
            "cannot resolve {root} (needed {purpose})\n\
             fix: check the Storm version and that Maven Central is reachable"
        )
    })?;
    Ok(resolution.packaged().cloned().collect())
}

/// `storm.options` as Storm's `Utils.readCommandLineOpts` reads it: `key=value` pairs joined by
/// commas, each URL-encoded as Java's `URLEncoder` does (so commas and `=` inside values
/// survive); Storm reads values as JSON when they parse, else as strings.
pub fn storm_options<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| url_encode(&format!("{}={}", k.as_ref(), v.as_ref())))
        .collect::<Vec<_>>()
        .join(",")
}

fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storm_options_are_url_encoded_pairs() {
        let s = storm_options(&[
            ("supervisor.slots.ports", "[6700,6701]".to_string()),
            ("storm.local.dir", "\"/a b\"".to_string()),
        ]);
        assert_eq!(
            s,
            "supervisor.slots.ports%3D%5B6700%2C6701%5D,storm.local.dir%3D%22%2Fa+b%22"
        );
    }
}
