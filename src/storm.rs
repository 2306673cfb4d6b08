//! Facts about Apache Storm that several stages need, each stated once: its Maven groupId,
//! Flux's main class, and where storm-client's jar sits in a local repository.

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
