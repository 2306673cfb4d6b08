//! The Storm guard. Storm's own runtime (storm-client, storm-core, storm-server) is on every
//! worker's classpath already; shading it puts a second `defaults.yaml` there and submission fails
//! with "Found multiple defaults.yaml resources". Maven builds that jar without complaint; stormpack
//! refuses it and names the dependency path and the fix.

use std::fmt;
use std::path::PathBuf;

use crate::maven::Artifact;

/// The artifacts Storm provides at run time.
const STORM_RUNTIME: [&str; 3] = ["storm-client", "storm-core", "storm-server"];

pub fn is_storm_runtime(artifact: &Artifact) -> bool {
    artifact.group_id == "org.apache.storm"
        && STORM_RUNTIME.contains(&artifact.artifact_id.as_str())
}

/// One dependency that would bring Storm's runtime into the jar.
#[derive(Debug, Clone)]
pub struct Offender {
    pub artifact: Artifact,
    pub file: PathBuf,
    /// The dependency path from the project's direct dependency down to this artifact.
    pub trail: Vec<Artifact>,
    pub storm_runtime: bool,
    pub has_defaults_yaml: bool,
}

/// The guard's verdict: every offender, and the fix for each.
#[derive(Debug, Clone)]
pub struct StormGuardError {
    pub offenders: Vec<Offender>,
}

impl std::error::Error for StormGuardError {}

/// `group:artifact:version` (and classifier), as a user writes it.
pub fn short(a: &Artifact) -> String {
    match a.classifier.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => format!("{}:{}:{}:{}", a.group_id, a.artifact_id, a.version, c),
        None => format!("{}:{}:{}", a.group_id, a.artifact_id, a.version),
    }
}

/// The trail as `the project -> a -> b`, ending with `artifact` even if the caller's trail stops
/// before it.
pub fn trail_text(trail: &[Artifact], artifact: &Artifact) -> String {
    let mut parts: Vec<String> = vec!["the project".to_string()];
    parts.extend(trail.iter().map(short));
    if trail.last() != Some(artifact) {
        parts.push(short(artifact));
    }
    parts.join(" -> ")
}

impl Offender {
    /// The dependency declared in the project's pom that pulls this one in.
    fn direct(&self) -> &Artifact {
        self.trail.first().unwrap_or(&self.artifact)
    }

    fn fix(&self) -> String {
        let a = &self.artifact;
        let direct = self.direct();
        if direct.group_id == a.group_id && direct.artifact_id == a.artifact_id {
            format!(
                "fix: add <scope>provided</scope> to the dependency {}:{} in pom.xml",
                a.group_id, a.artifact_id
            )
        } else {
            format!(
                "fix: declare {g}:{ar} directly with <scope>provided</scope> in pom.xml, or add \
                 <exclusion><groupId>{g}</groupId><artifactId>{ar}</artifactId></exclusion> to the dependency {d}",
                g = a.group_id,
                ar = a.artifact_id,
                d = short(direct)
            )
        }
    }
}

impl fmt::Display for StormGuardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Storm's own runtime would be shaded into the topology jar; Storm provides it on every worker, \
             and a second defaults.yaml on the classpath makes submission fail with \
             \"Found multiple defaults.yaml resources\":"
        )?;
        for (i, o) in self.offenders.iter().enumerate() {
            let what = match (o.storm_runtime, o.has_defaults_yaml) {
                (true, true) => "a Storm runtime artifact, with defaults.yaml at its root",
                (true, false) => "a Storm runtime artifact",
                _ => "holds defaults.yaml at its root",
            };
            writeln!(f, "  - {} ({what})", short(&o.artifact))?;
            writeln!(f, "    file: {}", o.file.display())?;
            writeln!(
                f,
                "    dependency path: {}",
                trail_text(&o.trail, &o.artifact)
            )?;
            write!(f, "    {}", o.fix())?;
            if i + 1 < self.offenders.len() {
                writeln!(f)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offender(trail: &[Artifact]) -> Offender {
        let artifact = Artifact::new("org.apache.storm", "storm-client", "2.8.8");
        Offender {
            artifact: artifact.clone(),
            file: PathBuf::from("/repo/storm-client-2.8.8.jar"),
            trail: trail.to_vec(),
            storm_runtime: true,
            has_defaults_yaml: true,
        }
    }

    #[test]
    fn direct_dependency_gets_the_provided_scope_fix() {
        let storm = Artifact::new("org.apache.storm", "storm-client", "2.8.8");
        let err = StormGuardError {
            offenders: vec![offender(&[storm])],
        }
        .to_string();
        assert!(
            err.contains("dependency path: the project -> org.apache.storm:storm-client:2.8.8"),
            "{err}"
        );
        assert!(err.contains("fix: add <scope>provided</scope> to the dependency org.apache.storm:storm-client in pom.xml"), "{err}");
    }

    #[test]
    fn transitive_dependency_names_the_direct_one() {
        let mid = Artifact::new("a", "b", "1");
        let err = StormGuardError {
            offenders: vec![offender(&[mid])],
        }
        .to_string();
        assert!(
            err.contains("the project -> a:b:1 -> org.apache.storm:storm-client:2.8.8"),
            "{err}"
        );
        assert!(err.contains("<exclusion><groupId>org.apache.storm</groupId><artifactId>storm-client</artifactId></exclusion> to the dependency a:b:1"), "{err}");
    }
}
