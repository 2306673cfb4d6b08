//! Resolutions remembered across builds: `<local repository>/.stormpack/resolutions/<key>.json`
//! holds the resolved list of a request, with every file the resolver read (the poms, parents
//! and imports in the local repository, settings) and its size and modification time. The key
//! covers stormpack itself (version and binary), the request (root, dependencies, management,
//! repositories), the repository settings (local path, offline, remotes, mirrors), the user
//! properties (`-Dkey=value`) and the
//! properties profiles activate on (`java.*`, `os.*`); the environment variables the files
//! mention (`env.X`) are stored with their values and compared. A cached resolution is used only
//! when all of those files are unchanged and every resolved jar is still there; it is never
//! stored for SNAPSHOT or range versions (whose answer can change without a local file
//! changing). A clean build then parses no pom of its dependencies.
//! `STORMPACK_RESOLUTION_CACHE=off` resolves from the poms (and still stores the result).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::maven::coord::{Artifact, Scope};
use crate::maven::resolve::{Resolution, ResolvedArtifact};
use crate::plan::BuildPlan;

const FORMAT: &str = "stormpack-resolution-2";

/// A file read less than this before the resolution started is not trusted by its times.
const RACY_NS: u128 = 2_000_000_000;

#[derive(Serialize, Deserialize)]
struct Cached {
    format: String,
    key: String,
    /// (path, size, modification time in ns)
    files: Vec<(PathBuf, u64, u128)>,
    artifacts: Vec<CachedArtifact>,
    /// The environment variables the files mention (`env.X`), with their values then.
    env: BTreeMap<String, Option<String>>,
    parents: Vec<Option<usize>>,
    warnings: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct CachedArtifact {
    artifact: Coord,
    scope: String,
    optional: bool,
    file: PathBuf,
    size: u64,
    trail: Vec<Coord>,
}

#[derive(Serialize, Deserialize)]
struct Coord {
    g: String,
    a: String,
    v: String,
    kind: String,
    classifier: Option<String>,
}

impl Coord {
    fn of(a: &Artifact) -> Coord {
        Coord {
            g: a.group_id.clone(),
            a: a.artifact_id.clone(),
            v: a.version.clone(),
            kind: a.kind.clone(),
            classifier: a.classifier.clone(),
        }
    }

    fn artifact(&self) -> Artifact {
        Artifact {
            group_id: self.g.clone(),
            artifact_id: self.a.clone(),
            version: self.v.clone(),
            kind: self.kind.clone(),
            classifier: self.classifier.clone(),
        }
    }
}

/// The `X` of every `env.X` in `text` (`${env.X}`, `<name>env.X</name>`), not part of a longer
/// word.
fn env_mentions(text: &[u8]) -> Vec<String> {
    let is_name = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-';
    let mut names = Vec::new();
    let mut from = 0;
    while let Some(pos) = text[from..].windows(4).position(|w| w == b"env.") {
        let start = from + pos;
        from = start + 4;
        if start > 0 && (text[start - 1].is_ascii_alphanumeric() || text[start - 1] == b'_') {
            continue;
        }
        let end = text[from..]
            .iter()
            .position(|&b| !is_name(b))
            .map_or(text.len(), |n| from + n);
        if end > from {
            names.push(String::from_utf8_lossy(&text[from..end]).into_owned());
        }
    }
    names
}

fn cache_file(plan: &BuildPlan, key: &str) -> PathBuf {
    plan.repos
        .local
        .join(".stormpack")
        .join("resolutions")
        .join(format!("{key}.json"))
}

/// The key of `plan`'s resolution (see the module comment).
pub(super) fn key(plan: &BuildPlan) -> String {
    let mut h = Sha256::new();
    let mut field = |tag: &str, text: &str| {
        h.update(tag.as_bytes());
        h.update((text.len() as u64).to_le_bytes());
        h.update(text.as_bytes());
    };
    field("format", FORMAT);
    field("version", env!("CARGO_PKG_VERSION"));
    if let Some(meta) = std::env::current_exe()
        .ok()
        .and_then(|e| std::fs::metadata(e).ok())
    {
        field("exe", &format!("{} {:?}", meta.len(), meta.modified().ok()));
    }
    field("request", &format!("{:?}", plan.request));
    field("local", &plan.repos.local.to_string_lossy());
    field("offline", &plan.repos.offline.to_string());
    field("remotes", &format!("{:?}", plan.repos.remotes));
    field("mirrors", &format!("{:?}", plan.repos.mirrors));
    // -Dkey=value: profile activation and interpolation in every pom the resolver reads.
    field("user", &format!("{:?}", plan.repos.user_properties));
    // The JDK and OS properties; environment variables only as the poms mention them (checked
    // by `load`), so that a changed OLDPWD does not throw the resolution away.
    let env = crate::maven::environment::Environment::detect(Some(&plan.repos.local));
    for (k, v) in env.system.iter().filter(|(k, _)| !k.starts_with("env.")) {
        field("property", &format!("{k}={v}"));
    }
    hex::encode(h.finalize())
}

/// The cached resolution for `key`, when every file it read is unchanged and every jar there.
pub(super) fn load(plan: &BuildPlan, key: &str) -> Option<Resolution> {
    if std::env::var_os("STORMPACK_RESOLUTION_CACHE").is_some_and(|v| v == "off") {
        return None; // benches/run.sh measures the resolver itself this way
    }
    let bytes = std::fs::read(cache_file(plan, key)).ok()?;
    let cached: Cached = serde_json::from_slice(&bytes).ok()?;
    if cached.format != FORMAT || cached.key != key {
        return None;
    }
    if cached
        .env
        .iter()
        .any(|(name, value)| std::env::var(name).ok() != *value)
    {
        return None;
    }
    for (path, size, mtime) in &cached.files {
        let meta = std::fs::metadata(path).ok()?;
        if meta.len() != *size || super::fingerprint::mtime_ns(&meta) != *mtime {
            return None;
        }
    }
    let mut artifacts = Vec::with_capacity(cached.artifacts.len());
    for a in cached.artifacts {
        let meta = std::fs::metadata(&a.file).ok()?;
        if !meta.is_file() || meta.len() != a.size {
            return None;
        }
        artifacts.push(ResolvedArtifact {
            artifact: a.artifact.artifact(),
            scope: Scope::parse(&a.scope)?,
            optional: a.optional,
            file: a.file,
            trail: a.trail.iter().map(Coord::artifact).collect(),
        });
    }
    Some(Resolution {
        artifacts,
        parents: cached.parents,
        warnings: cached.warnings,
    })
}

/// Remember `resolution` under `key`: `opened` are the files read while resolving (with their
/// metadata then), `started_at` when that began (ns since the epoch). Nothing is stored when a
/// version can change without a file changing, or a file changed or is too recent to trust.
pub(super) fn store(
    plan: &BuildPlan,
    key: &str,
    resolution: &Resolution,
    opened: &std::collections::BTreeMap<PathBuf, std::fs::Metadata>,
    started_at: u128,
) -> anyhow::Result<()> {
    let volatile = |v: &str| v.contains("SNAPSHOT") || v.contains(['[', '(', ',']) || v.is_empty();
    if plan
        .request
        .dependencies
        .iter()
        .any(|d| volatile(&d.artifact.version))
        || resolution
            .artifacts
            .iter()
            .any(|a| volatile(&a.artifact.version))
    {
        return Ok(());
    }
    let mut files = Vec::new();
    let mut env = BTreeMap::new();
    for (path, then) in opened {
        if let Ok(text) = std::fs::read(path) {
            for name in env_mentions(&text) {
                let value = std::env::var(&name).ok();
                env.insert(name, value);
            }
        }
        let Ok(now) = std::fs::metadata(path) else {
            return Ok(());
        };
        let mtime = super::fingerprint::mtime_ns(&now);
        if now.len() != then.len()
            || mtime != super::fingerprint::mtime_ns(then)
            || mtime + RACY_NS >= started_at
        {
            return Ok(());
        }
        files.push((path.clone(), now.len(), mtime));
    }
    let mut artifacts = Vec::new();
    for a in &resolution.artifacts {
        artifacts.push(CachedArtifact {
            artifact: Coord::of(&a.artifact),
            scope: a.scope.as_str().to_string(),
            optional: a.optional,
            file: std::path::absolute(&a.file)?,
            size: std::fs::metadata(&a.file)?.len(),
            trail: a.trail.iter().map(Coord::of).collect(),
        });
    }
    let cached = Cached {
        format: FORMAT.into(),
        key: key.into(),
        files,
        artifacts,
        env,
        parents: resolution.parents.clone(),
        warnings: resolution.warnings.clone(),
    };
    let file = cache_file(plan, key);
    let dir = file.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    serde_json::to_writer(&mut tmp, &cached)?;
    tmp.persist(&file)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_mentions_in_poms() {
        let pom = b"<name>env.BUILD_NUMBER</name> ${env.JAVA_HOME}/lib myenv.NOT ${environment.x}";
        assert_eq!(env_mentions(pom), vec!["BUILD_NUMBER", "JAVA_HOME"]);
    }
}
