//! `[package.metadata.stormpack]` in Cargo.toml, read through `cargo metadata`:
//!
//! ```toml
//! [package.metadata.stormpack]
//! group-id = "com.example"             # required unless a pom.xml beside Cargo.toml supplies it
//! artifact-id = "WordCount"            # default: the package name
//! version = "1.0-SNAPSHOT"             # default: the package version
//! topology = "topology.yaml"           # default: topology.yaml; stored at the jar root
//! resources = ["log4j2.xml"]           # files or globs, stored at the jar root (relative path kept)
//! storm-version = "2.8.3"              # default: storm::DEFAULT_STORM_VERSION
//! components = ["sentence-spout", "split-bolt", "count-bolt"]   # bins; default: every bin
//! targets = ["x86_64-unknown-linux-musl"]                       # default: x86_64 musl
//! dependencies = ["org.apache.storm:flux-core:2.8.3"]           # default (empty): the build plan's
//! java-sources = "src/main/java"       # Java sources compiled into the jar (javac --release 17)
//! ```
//!
//! Every key is checked: an unknown key, a component that is not a bin target, an unsupported
//! target triple or a malformed coordinate is an error naming Cargo.toml and the fix.

use std::path::{Component, Path, PathBuf};

use anyhow::{bail, Context};
use cargo_metadata::{MetadataCommand, Package, TargetKind};
use serde_json::{Map, Value};

use crate::error::{Diagnostic, Location};
use crate::maven::coord::Scope;
use crate::target;

use crate::storm::DEFAULT_STORM_VERSION;

/// The keys `[package.metadata.stormpack]` accepts.
pub const KEYS: &[&str] = &[
    "group-id",
    "artifact-id",
    "version",
    "topology",
    "resources",
    "storm-version",
    "components",
    "targets",
    "dependencies",
    "java-sources",
];

/// The Rust side of a project.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RustManifest {
    pub manifest_path: PathBuf,
    /// The directory holding Cargo.toml (cargo runs here).
    pub project_dir: PathBuf,
    /// Cargo's target directory for this package, as `cargo metadata` reports it (honours
    /// `CARGO_TARGET_DIR` and `build.target-dir`). `cargo_build` builds there.
    pub target_directory: PathBuf,
    pub package_name: String,
    pub package_version: String,
    pub group_id: String,
    pub artifact_id: String,
    pub version: String,
    /// Relative to the project directory.
    pub topology: PathBuf,
    /// Relative file paths or globs.
    pub resources: Vec<String>,
    pub storm_version: String,
    /// Binary target names that are Storm components.
    pub components: Vec<String>,
    pub targets: Vec<String>,
    /// `group:artifact:version[:scope]` coordinates as declared; empty when the key is absent
    /// (the build plan then uses Flux and its wrappers at `storm_version`).
    pub dependencies: Vec<String>,
    /// `java-sources`: a directory of Java sources compiled into the jar (relative).
    pub java_sources: Option<PathBuf>,
    /// Path dependencies outside the Cargo workspace (`name (path)`): cargo hashes their
    /// absolute path into symbol names, so the binaries differ between checkout directories.
    pub outside_path_dependencies: Vec<String>,
}

/// `Ok(None)` when `dir` has no Cargo.toml or it has no `[package.metadata.stormpack]`.
pub fn load(dir: &Path) -> anyhow::Result<Option<RustManifest>> {
    let manifest_path = dir.join("Cargo.toml");
    if !manifest_path.is_file() {
        return Ok(None);
    }
    let metadata = MetadataCommand::new()
        .manifest_path(&manifest_path)
        .current_dir(dir)
        .no_deps()
        .exec()
        .with_context(|| {
            Diagnostic::new(format!(
                "cannot read {} with `cargo metadata --no-deps --format-version 1`",
                manifest_path.display()
            ))
            .fix(format!(
                "make `cargo metadata` succeed in {} (cargo's message follows)",
                dir.display()
            ))
        })?;
    let wanted = fs_err::canonicalize(&manifest_path)?;
    let package = metadata
        .packages
        .iter()
        .find(|p| std::fs::canonicalize(p.manifest_path.as_std_path()).is_ok_and(|p| p == wanted));
    let Some(package) = package else {
        // A virtual workspace manifest: point at the member that has the table, if any.
        if let Some(member) = metadata
            .workspace_packages()
            .into_iter()
            .find(|p| p.metadata.get("stormpack").is_some())
        {
            bail!(Diagnostic::new(format!(
                "{} is a workspace manifest; the stormpack project is the member {}",
                manifest_path.display(),
                member.manifest_path,
            ))
            .fix(format!(
                "run stormpack with --project {}",
                member
                    .manifest_path
                    .parent()
                    .map_or("".into(), |p| p.to_string())
            )));
        }
        return Ok(None);
    };
    let Some(table) = package.metadata.get("stormpack") else {
        return Ok(None);
    };
    let loc = location(&manifest_path);
    let has_pom = dir.join("pom.xml").is_file();
    from_table(
        package,
        table,
        &loc,
        has_pom,
        dir,
        &manifest_path,
        metadata.target_directory.as_std_path(),
    )
    .map(|mut m| {
        m.outside_path_dependencies =
            outside_path_dependencies(package, metadata.workspace_root.as_std_path());
        Some(m)
    })
}

/// Declared path dependencies that lie outside the workspace root.
fn outside_path_dependencies(package: &Package, workspace_root: &Path) -> Vec<String> {
    let root = std::fs::canonicalize(workspace_root).unwrap_or_else(|_| workspace_root.into());
    let mut out: Vec<String> = package
        .dependencies
        .iter()
        .filter_map(|d| {
            let path = d.path.as_ref()?.as_std_path();
            let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.into());
            (!path.starts_with(&root)).then(|| format!("{} ({})", d.name, path.display()))
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// `path/Cargo.toml:LINE` of the `[package.metadata.stormpack]` header when it can be found.
fn location(manifest_path: &Path) -> Location {
    let line = std::fs::read_to_string(manifest_path)
        .ok()
        .and_then(|text| {
            text.lines()
                .position(|l| {
                    let l = l.trim_start();
                    !l.starts_with('#') && l.contains("metadata.stormpack")
                })
                .map(|i| i + 1)
        });
    match line {
        Some(n) => Location::line(manifest_path, n),
        None => Location::file(manifest_path),
    }
}

fn from_table(
    package: &Package,
    table: &Value,
    loc: &Location,
    has_pom: bool,
    dir: &Path,
    manifest_path: &Path,
    target_directory: &Path,
) -> anyhow::Result<RustManifest> {
    let t = Table {
        map: known_keys(table, loc)?,
        loc,
    };
    let [group_id, artifact_id, version, storm_version] = coordinates(&t, package, has_pom)?;
    let topology = topology_path(&t, has_pom, dir)?;

    let resources = t.strings("resources")?.unwrap_or_default();
    for r in &resources {
        check_relative(Path::new(r), "resources", loc)?;
    }

    let components = components(&t, package, manifest_path)?;
    let targets = targets(&t)?;

    let java_sources = t.string("java-sources")?.map(PathBuf::from);
    if let Some(j) = &java_sources {
        check_relative(j, "java-sources", loc)?;
    }

    let dependencies = t.strings("dependencies")?.unwrap_or_default();
    for d in &dependencies {
        check_dependency(d).with_context(|| format!("{loc}: in `dependencies`"))?;
    }

    Ok(RustManifest {
        manifest_path: manifest_path.to_path_buf(),
        project_dir: dir.to_path_buf(),
        target_directory: target_directory.to_path_buf(),
        package_name: package.name.to_string(),
        package_version: package.version.to_string(),
        group_id,
        artifact_id,
        version,
        topology,
        resources,
        storm_version,
        components,
        targets,
        dependencies,
        java_sources,
        outside_path_dependencies: Vec::new(),
    })
}

/// The metadata value as a table whose every key is one of [`KEYS`].
fn known_keys<'a>(table: &'a Value, loc: &Location) -> anyhow::Result<&'a Map<String, Value>> {
    let Some(table) = table.as_object() else {
        bail!(
            Diagnostic::new("`package.metadata.stormpack` must be a table")
                .at(loc.clone())
                .fix(format!(
                    "write it as [package.metadata.stormpack] with keys: {}",
                    KEYS.join(", ")
                ))
        );
    };
    for key in table.keys() {
        if !KEYS.contains(&key.as_str()) {
            let hint = KEYS
                .iter()
                .find(|k| **k == key.replace('_', "-").to_lowercase())
                .map(|k| format!(" (did you mean `{k}`?)"))
                .unwrap_or_default();
            bail!(Diagnostic::new(format!(
                "unknown key `{key}` in [package.metadata.stormpack]{hint}"
            ))
            .at(loc.clone())
            .fix(format!("use only these keys: {}", KEYS.join(", "))));
        }
    }
    Ok(table)
}

/// `[group-id, artifact-id, version, storm-version]` with their defaults, each checked.
fn coordinates(t: &Table, package: &Package, has_pom: bool) -> anyhow::Result<[String; 4]> {
    let loc = t.loc;
    let group_id = match t.string("group-id")? {
        Some(g) => g,
        None if has_pom => package.name.to_string(),
        None => bail!(Diagnostic::new(
            "[package.metadata.stormpack] has no `group-id` (the Maven groupId of the jar)"
        )
        .at(loc.clone())
        .fix("add a line such as `group-id = \"com.example\"`")),
    };
    let artifact_id = t
        .string("artifact-id")?
        .unwrap_or_else(|| package.name.to_string());
    let version = t
        .string("version")?
        .unwrap_or_else(|| package.version.to_string());
    let storm_version = t
        .string("storm-version")?
        .unwrap_or_else(|| DEFAULT_STORM_VERSION.to_string());
    for (key, value) in [
        ("group-id", &group_id),
        ("artifact-id", &artifact_id),
        ("version", &version),
        ("storm-version", &storm_version),
    ] {
        check_coordinate_part(key, value, loc)?;
    }
    Ok([group_id, artifact_id, version, storm_version])
}

/// `topology` (default topology.yaml): relative, and present unless a pom.xml may supply it.
fn topology_path(t: &Table, has_pom: bool, dir: &Path) -> anyhow::Result<PathBuf> {
    let loc = t.loc;
    let topology_explicit = t.string("topology")?;
    let topology = PathBuf::from(topology_explicit.as_deref().unwrap_or("topology.yaml"));
    check_relative(&topology, "topology", loc)?;
    if (topology_explicit.is_some() || !has_pom) && !dir.join(&topology).is_file() {
        bail!(Diagnostic::new(format!(
            "the topology file {} does not exist",
            dir.join(&topology).display()
        ))
        .at(loc.clone())
        .fix("create it, or point `topology = \"...\"` at the Flux YAML file"));
    }
    Ok(topology)
}

/// `components` (default: every bin target): non-empty, each listed once, each a bin target
/// whose name a launcher file can carry.
fn components(t: &Table, package: &Package, manifest_path: &Path) -> anyhow::Result<Vec<String>> {
    let loc = t.loc;
    let bins: Vec<&str> = package
        .targets
        .iter()
        .filter(|t| t.kind.contains(&TargetKind::Bin))
        .map(|t| t.name.as_str())
        .collect();
    let components = match t.strings("components")? {
        Some(list) => list,
        None => bins.iter().map(|b| b.to_string()).collect(),
    };
    if components.is_empty() {
        bail!(Diagnostic::new(format!(
            "package `{}` has no components (no bin targets)",
            package.name
        ))
        .at(loc.clone())
        .fix(
            "add a binary per spout/bolt (src/bin/<name>.rs or a [[bin]] section), or list \
             them in `components = [...]`"
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for c in &components {
        if !seen.insert(c.as_str()) {
            bail!(
                Diagnostic::new(format!("component `{c}` is listed twice in `components`"))
                    .at(loc.clone())
                    .fix("list it once")
            );
        }
        check_component(c, &bins, package, manifest_path, loc)?;
    }
    Ok(components)
}

/// One listed component: a bin target of the package, named with launcher-safe characters.
fn check_component(
    c: &str,
    bins: &[&str],
    package: &Package,
    manifest_path: &Path,
    loc: &Location,
) -> anyhow::Result<()> {
    if !bins.contains(&c) {
        bail!(Diagnostic::new(format!(
            "component `{c}` is not a bin target of package `{}` (its bins: {})",
            package.name,
            if bins.is_empty() {
                "none".to_string()
            } else {
                bins.join(", ")
            },
        ))
        .at(loc.clone())
        .fix(format!(
            "add src/bin/{c}.rs (or a [[bin]] with name = \"{c}\") to {}, or remove it \
             from `components`",
            manifest_path.display()
        )));
    }
    if !c
        .chars()
        .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
    {
        bail!(Diagnostic::new(format!(
            "component `{c}` has characters a launcher file name cannot carry"
        ))
        .at(loc.clone())
        .fix("rename the bin to letters, digits, `-` and `_` only"));
    }
    Ok(())
}

/// `targets` (default: the default target triple): non-empty and each one supported.
fn targets(t: &Table) -> anyhow::Result<Vec<String>> {
    let loc = t.loc;
    let targets = t
        .strings("targets")?
        .unwrap_or_else(|| vec![target::DEFAULT_TARGET.to_string()]);
    if targets.is_empty() {
        bail!(Diagnostic::new("`targets` is empty")
            .at(loc.clone())
            .fix(format!(
                "remove the key (default {}) or list target triples",
                target::DEFAULT_TARGET
            )));
    }
    target::check_list(&targets).with_context(|| format!("{loc}: in `targets`"))?;
    Ok(targets)
}

/// Typed access to the metadata table; a wrong type names the key.
struct Table<'a> {
    map: &'a Map<String, Value>,
    loc: &'a Location,
}

impl Table<'_> {
    fn string(&self, key: &str) -> anyhow::Result<Option<String>> {
        match self.map.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => bail!(Diagnostic::new(format!(
                "`{key}` must be a string, found {other}"
            ))
            .at(self.loc.clone())
            .fix(format!("write it as {key} = \"...\""))),
        }
    }

    fn strings(&self, key: &str) -> anyhow::Result<Option<Vec<String>>> {
        let Some(value) = self.map.get(key) else {
            return Ok(None);
        };
        let list = value.as_array().and_then(|a| {
            a.iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
        });
        match list {
            Some(list) => Ok(Some(list)),
            None => bail!(Diagnostic::new(format!(
                "`{key}` must be a list of strings, found {value}"
            ))
            .at(self.loc.clone())
            .fix(format!("write it as {key} = [\"...\"]"))),
        }
    }
}

/// A path from the manifest must stay inside the project.
fn check_relative(path: &Path, key: &str, loc: &Location) -> anyhow::Result<()> {
    let escapes = path.as_os_str().is_empty()
        || path
            .components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir));
    if escapes {
        bail!(Diagnostic::new(format!(
            "`{key}` entry {:?} is not a relative path inside the project",
            path.display().to_string()
        ))
        .at(loc.clone())
        .fix("use a path relative to the directory of Cargo.toml, without `..`"));
    }
    Ok(())
}

/// `group:artifact:version[:scope]`, every part non-empty, scope one that can reach a jar build.
/// A coordinate part names files (`target/<artifact-id>-<version>.jar`, the local repository
/// path of storm-client): no `:`, whitespace or path separator, so nothing lands outside
/// `target/`.
fn check_coordinate_part(key: &str, value: &str, loc: &Location) -> anyhow::Result<()> {
    let checked = match key {
        "group-id" => crate::maven::coord::check_id("groupId", value, true),
        "artifact-id" => crate::maven::coord::check_id("artifactId", value, false),
        _ => crate::maven::coord::check_file_component(value),
    };
    if let Err(reason) = checked {
        bail!(Diagnostic::new(format!(
            "`{key}` = {value:?} is not a valid Maven coordinate part: it {reason}"
        ))
        .at(loc.clone())
        .fix(
            "use a value as Maven accepts it (ids of A-Z, a-z, 0-9, `_`, `.`, `-`; versions \
             without spaces, `:`, `/` or `\\`)"
        ));
    }
    Ok(())
}

pub fn check_dependency(coord: &str) -> anyhow::Result<()> {
    let parts: Vec<&str> = coord.split(':').collect();
    let well_formed = (3..=4).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && !p.contains(char::is_whitespace));
    if !well_formed {
        bail!(
            Diagnostic::new(format!("`{coord}` is not a dependency coordinate")).fix(
                "write it as \"groupId:artifactId:version\" or \"groupId:artifactId:version:scope\", \
                 e.g. \"org.apache.storm:flux-core:2.8.8\""
            )
        );
    }
    if let Some(scope) = parts.get(3) {
        match Scope::parse(scope) {
            Some(Scope::Compile | Scope::Runtime | Scope::Provided | Scope::Test) => {}
            _ => bail!(Diagnostic::new(format!(
                "`{coord}` has scope `{scope}`, which a dependency here cannot have"
            ))
            .fix("use compile, runtime, provided or test")),
        }
    }
    crate::maven::coord::Artifact::new(parts[0], parts[1], parts[2])
        .validate()
        .map_err(|e| {
            Diagnostic::new(e.to_string()).fix(
                "write it as \"groupId:artifactId:version\" with the parts Maven accepts \
                 (ids of A-Z, a-z, 0-9, `_`, `.`, `-`)",
            )
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependency_coordinates() {
        check_dependency("org.apache.storm:flux-core:2.8.8").unwrap();
        check_dependency("org.apache.storm:storm-client:2.8.8:provided").unwrap();
        for bad in [
            "flux-core",
            "a:b",
            "a::1",
            "a:b:1:import",
            "a:b:1:compile:x",
            "a: b:1",
            ".etc:b:1",
            "a:..:1",
            "a:b:..",
            "a:b:1\\..\\x",
        ] {
            assert!(check_dependency(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn coordinate_parts_cannot_name_other_directories() {
        check_coordinate_part("version", "1.0-SNAPSHOT", &Location::file("Cargo.toml")).unwrap();
        for bad in ["../../evil", "a/b", "a\\b", "..", "a:b", "a b", " "] {
            let err = check_coordinate_part("artifact-id", bad, &Location::line("Cargo.toml", 7));
            assert!(err.is_err(), "{bad}");
        }
    }

    #[test]
    fn relative_paths_only() {
        check_relative(
            Path::new("conf/log4j2.xml"),
            "resources",
            &Location::file("Cargo.toml"),
        )
        .unwrap();
        check_relative(
            Path::new("./topology.yaml"),
            "topology",
            &Location::file("Cargo.toml"),
        )
        .unwrap();
        for bad in ["../x.yaml", "/etc/passwd", "a/../../b", ""] {
            let err = check_relative(Path::new(bad), "topology", &Location::line("Cargo.toml", 7));
            assert!(err.is_err(), "{bad}");
        }
    }
}
