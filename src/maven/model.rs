//! The effective model of a pom, built the way Maven's model builder builds it: the parent chain
//! (relative path or repository), active profiles injected into each pom of the chain, inheritance
//! (child first, parent's additions after), `${...}` interpolation, BOM imports, and
//! dependencyManagement injected into the pom's own dependencies.
//!
//! The same builder serves the project's pom.xml (strict: unknown properties in coordinates are
//! errors) and the poms of dependencies in the repository (lenient, as Maven is).

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::OnceLock;

use anyhow::{bail, Context};

use super::coord::{Artifact, Dependency, Exclusion, Scope};
use super::pom::{
    Field, RawBody, RawDependency, RawModel, RawProfile, RawRelocation, RawRepository, RawResource,
};
use super::project::SourceLocation;
use super::repository::{RemoteRepository, RepositorySystem};

/// The Java and OS properties Maven exposes (`java.version`, `os.name`, ..., `env.*`), used for
/// interpolation and profile activation.
#[derive(Debug, Clone)]
pub struct Environment {
    pub system: BTreeMap<String, String>,
}

impl Environment {
    /// The running machine's properties; the Java ones come from `java -XshowSettings` once
    /// (`STORMPACK_JAVA_VERSION` overrides the version; Java 17 is assumed without a JDK).
    pub fn detect() -> Environment {
        static DETECTED: OnceLock<Environment> = OnceLock::new();
        DETECTED.get_or_init(detect_environment).clone()
    }
}

fn detect_environment() -> Environment {
    let mut system = BTreeMap::new();
    let java_props = std::process::Command::new("java")
        .args(["-XshowSettings:properties", "-version"])
        .stdin(std::process::Stdio::null())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
        .unwrap_or_default();
    for line in java_props.lines() {
        if let Some((k, v)) = line.trim().split_once(" = ") {
            if k.starts_with("java.") || k.starts_with("os.") {
                system.insert(k.to_string(), v.to_string());
            }
        }
    }
    if let Ok(v) = std::env::var("STORMPACK_JAVA_VERSION") {
        system.insert("java.version".into(), v);
    }
    system
        .entry("java.version".into())
        .or_insert_with(|| "17".into());
    let spec = system["java.version"]
        .split('.')
        .next()
        .unwrap_or("17")
        .to_string();
    system
        .entry("java.specification.version".into())
        .or_insert(spec);
    let os_name = match std::env::consts::OS {
        "linux" => "Linux",
        "macos" => "Mac OS X",
        "windows" => "Windows",
        other => other,
    };
    system
        .entry("os.name".into())
        .or_insert_with(|| os_name.into());
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        other => other,
    };
    system
        .entry("os.arch".into())
        .or_insert_with(|| arch.into());
    let os_version = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    system
        .entry("os.version".into())
        .or_insert_with(|| os_version.trim().to_string());
    system.insert("file.separator".into(), "/".into());
    system.insert("path.separator".into(), ":".into());
    system.insert("line.separator".into(), "\n".into());
    if let Ok(home) = std::env::var("HOME") {
        system.insert("user.home".into(), home);
    }
    for (k, v) in std::env::vars() {
        system.insert(format!("env.{k}"), v);
    }
    Environment { system }
}

/// A `<resource>` after interpolation.
#[derive(Debug, Clone)]
pub struct ResourceSpec {
    pub directory: Option<String>,
    pub includes: Vec<String>,
    pub excludes: Vec<String>,
    pub target_path: Option<String>,
    pub filtering: bool,
    pub location: SourceLocation,
}

/// A pom's effective model (the parts stormpack uses).
#[derive(Debug, Clone)]
pub struct EffectiveModel {
    pub file: PathBuf,
    pub group_id: String,
    pub artifact_id: String,
    pub version: String,
    pub packaging: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub url: Option<String>,
    /// `groupId:artifactId:version` of the parent.
    pub parent: Option<(String, String, String)>,
    /// `<properties>` (inherited and profile-injected), interpolated.
    pub properties: BTreeMap<String, String>,
    pub dependencies: Vec<Dependency>,
    /// Where each of `dependencies` was declared.
    pub dependency_locations: Vec<SourceLocation>,
    pub dependency_management: Vec<Dependency>,
    pub repositories: Vec<RemoteRepository>,
    pub relocation: Option<RawRelocation>,
    pub final_name: String,
    pub final_name_location: Option<SourceLocation>,
    /// `<build><directory>` as interpolated (may be relative).
    pub build_directory: String,
    pub build_directory_location: Option<SourceLocation>,
    /// `None` when no pom in the chain declares `<resources>`.
    pub resources: Option<Vec<ResourceSpec>>,
    pub shade_main_class: Option<String>,
    /// Why the model is unusable for transitive resolution (Maven: "The POM is invalid").
    pub invalid: Option<String>,
}

/// How strictly a pom is treated.
#[derive(Debug, Clone)]
pub enum Mode {
    /// The project's own pom: `basedir` known, parents by relative path, unknown properties in
    /// coordinates are errors.
    Project { basedir: PathBuf },
    /// A pom from the repository: lenient, as Maven is with dependency poms.
    Repository,
}

/// A pom that could not be turned into a model; callers branch on cycles.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("pom cycle: {chain}{at}\n  fix: a pom cannot be its own ancestor (or import itself); correct the <parent> or the import of the last pom named")]
    Cycle { chain: String, at: String },
}

/// Builds effective models, caching repository poms by coordinate.
pub struct ModelBuilder<'a> {
    pub repos: &'a RepositorySystem,
    pub env: Environment,
    raw_cache: HashMap<PathBuf, Rc<RawModel>>,
    model_cache: HashMap<String, Rc<EffectiveModel>>,
    /// Warnings Maven would print (invalid dependency poms); shown once each.
    pub warnings: Vec<String>,
}

/// One pom in a lineage and whether it came from the project's file system.
struct Lineage {
    raw: Rc<RawModel>,
    body: RawBody,
}

impl<'a> ModelBuilder<'a> {
    pub fn new(repos: &'a RepositorySystem) -> Self {
        ModelBuilder {
            repos,
            env: Environment::detect(),
            raw_cache: HashMap::new(),
            model_cache: HashMap::new(),
            warnings: Vec::new(),
        }
    }

    fn read_raw(&mut self, path: &Path) -> anyhow::Result<Rc<RawModel>> {
        if let Some(m) = self.raw_cache.get(path) {
            return Ok(m.clone());
        }
        let m = Rc::new(RawModel::read(path)?);
        self.raw_cache.insert(path.to_path_buf(), m.clone());
        Ok(m)
    }

    /// The pom file of `artifact` in the local repository, downloading it if needed.
    pub fn fetch_pom(
        &mut self,
        artifact: &Artifact,
        extra: &[RemoteRepository],
    ) -> anyhow::Result<PathBuf> {
        fetch_file(self.repos, &artifact.pom(), extra)
    }

    /// The effective model of the pom of `g:a:v` from the repository (cached).
    pub fn repository_model(
        &mut self,
        artifact: &Artifact,
        extra: &[RemoteRepository],
        chain: &mut Vec<String>,
    ) -> anyhow::Result<Rc<EffectiveModel>> {
        let key = format!(
            "{}:{}:{}",
            artifact.group_id, artifact.artifact_id, artifact.version
        );
        if let Some(m) = self.model_cache.get(&key) {
            return Ok(m.clone());
        }
        if chain.contains(&key) {
            chain.push(key);
            return Err(ModelError::Cycle {
                chain: chain.join(" -> "),
                at: String::new(),
            }
            .into());
        }
        let path = self.fetch_pom(artifact, extra)?;
        let raw = self
            .read_raw(&path)
            .with_context(|| format!("reading the pom of {key}"))?;
        chain.push(key.clone());
        let built = self.build(raw, &Mode::Repository, extra, chain);
        chain.pop();
        let model = Rc::new(built.with_context(|| format!("building the model of {key}"))?);
        self.model_cache.insert(key, model.clone());
        Ok(model)
    }

    /// The effective model of the project pom at `path`.
    pub fn project_model(&mut self, path: &Path) -> anyhow::Result<EffectiveModel> {
        let raw = self.read_raw(path)?;
        let basedir = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let mut chain = Vec::new();
        self.build(raw, &Mode::Project { basedir }, &[], &mut chain)
    }

    fn build(
        &mut self,
        raw: Rc<RawModel>,
        mode: &Mode,
        extra: &[RemoteRepository],
        chain: &mut Vec<String>,
    ) -> anyhow::Result<EffectiveModel> {
        let strict = matches!(mode, Mode::Project { .. });
        let basedir = match mode {
            Mode::Project { basedir } => Some(basedir.as_path()),
            Mode::Repository => None,
        };
        let lineage = self.lineage(raw, mode, extra, chain.as_slice())?;
        let merged = merge_lineage(&lineage, &self.env, basedir);
        let interp = Interpolator {
            merged: &merged,
            lineage: &lineage,
            env: &self.env,
            basedir,
            cache: RefCell::new(HashMap::new()),
            stack: RefCell::new(Vec::new()),
        };
        let mut errors: Vec<String> = Vec::new();
        let mut get = |f: &Option<Field>, what: &str, strict_here: bool| -> Option<String> {
            let f = f.as_ref()?;
            let (value, problems) = interp.interpolate(&f.value);
            if strict && strict_here {
                for p in problems {
                    errors.push(p.message(&f.location(), what));
                }
            }
            Some(value)
        };
        let group_id = get(&merged.group_id, "groupId", true).unwrap_or_default();
        let artifact_id = get(&merged.artifact_id, "artifactId", true).unwrap_or_default();
        let version = get(&merged.version, "version", true).unwrap_or_default();
        let packaging = get(&merged.packaging, "packaging", true)
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "jar".to_string());
        let name = get(&merged.name, "name", false);
        let description = get(&merged.description, "description", false);
        let url = get(&merged.url, "url", false);
        let final_name = match &merged.final_name {
            Some(_) => get(&merged.final_name, "build.finalName", true).unwrap_or_default(),
            None => format!("{artifact_id}-{version}"),
        };
        let build_directory = match &merged.directory {
            Some(_) => get(&merged.directory, "build.directory", true).unwrap_or_default(),
            None => match basedir {
                Some(b) => b.join("target").to_string_lossy().into_owned(),
                None => "target".to_string(),
            },
        };
        let mut properties = BTreeMap::new();
        for (k, f) in &merged.properties {
            let (value, _) = interp.interpolate(&f.value);
            properties.insert(k.clone(), value);
        }
        let resources = merged.resources.as_ref().map(|rs| {
            rs.iter()
                .map(|r| ResourceSpec {
                    directory: get(&r.directory, "resource directory", true),
                    includes: r.includes.iter().map(|s| interp.interpolate(s).0).collect(),
                    excludes: r.excludes.iter().map(|s| interp.interpolate(s).0).collect(),
                    target_path: get(&r.target_path, "resource targetPath", true),
                    filtering: get(&r.filtering, "filtering", false).as_deref() == Some("true"),
                    location: SourceLocation {
                        file: r
                            .directory
                            .as_ref()
                            .map(|d| d.file.to_path_buf())
                            .unwrap_or_else(|| raw_file(&lineage)),
                        line: r.line,
                        column: r.column,
                    },
                })
                .collect()
        });
        let shade_main_class = get(&merged.shade_main_class, "mainClass", false);
        let repositories = merged
            .repositories
            .iter()
            .filter(|r| r.releases_enabled)
            .map(|r| RemoteRepository {
                id: r.id.clone(),
                url: interp
                    .interpolate(&r.url.value)
                    .0
                    .trim_end_matches('/')
                    .to_string(),
            })
            .collect::<Vec<_>>();
        // Managed entries are checked only where a dependency uses them (below), as an unused
        // entry with an unresolvable expression (a parent's, say) is harmless to Maven.
        let mut interp_dep = |d: &RawDependency, checked: bool| -> InterpDep {
            InterpDep {
                group_id: get(&d.group_id, "dependency groupId", checked),
                artifact_id: get(&d.artifact_id, "dependency artifactId", checked),
                version: get(&d.version, "dependency version", checked),
                kind: get(&d.kind, "dependency type", checked),
                classifier: get(&d.classifier, "dependency classifier", checked),
                scope: get(&d.scope, "dependency scope", checked),
                optional: get(&d.optional, "optional", false),
                system_path: get(&d.system_path, "systemPath", false),
                exclusions: d.exclusions.as_ref().map(|ex| {
                    ex.iter()
                        .map(|e| Exclusion {
                            group_id: interp.interpolate(&e.group_id).0,
                            artifact_id: interp.interpolate(&e.artifact_id).0,
                        })
                        .collect()
                }),
                location: SourceLocation {
                    file: d
                        .group_id
                        .as_ref()
                        .or(d.artifact_id.as_ref())
                        .map(|f| f.file.to_path_buf())
                        .unwrap_or_else(|| raw_file(&lineage)),
                    line: d.line,
                    column: d.column,
                },
            }
        };
        let deps: Vec<InterpDep> = merged
            .dependencies
            .iter()
            .map(|d| interp_dep(d, true))
            .collect();
        let managed: Vec<InterpDep> = merged
            .dependency_management
            .iter()
            .map(|d| interp_dep(d, false))
            .collect();
        let relocation = lineage[0].raw.relocation.as_ref().map(|r| RawRelocation {
            group_id: r.group_id.as_ref().map(|s| interp.interpolate(s).0),
            artifact_id: r.artifact_id.as_ref().map(|s| interp.interpolate(s).0),
            version: r.version.as_ref().map(|s| interp.interpolate(s).0),
        });
        let parent = lineage[0].raw.parent.as_ref().map(|p| {
            let v = |f: &Option<Field>| {
                f.as_ref()
                    .map(|f| interp.interpolate(&f.value).0)
                    .unwrap_or_default()
            };
            (v(&p.group_id), v(&p.artifact_id), v(&p.version))
        });
        drop(interp);
        if strict {
            if let Some(first) = errors.first() {
                let more = errors.len() - 1;
                if more > 0 {
                    bail!("{first}\n  ({more} more unresolved expression(s) in this pom)");
                }
                bail!("{first}");
            }
            let file = raw_file(&lineage);
            for (what, value) in [
                ("groupId", &group_id),
                ("artifactId", &artifact_id),
                ("version", &version),
            ] {
                if value.is_empty() {
                    bail!(
                        "{}: the project has no {what}\n  fix: add <{what}> to the pom (or a <parent> to inherit it from)",
                        file.display()
                    );
                }
            }
        }

        // BOM imports, then the pom's own management injected into its dependencies.
        let mut management: Vec<InterpDep> = Vec::new();
        let mut imports: Vec<InterpDep> = Vec::new();
        for m in managed {
            if m.scope.as_deref() == Some("import") && m.kind.as_deref() == Some("pom") {
                imports.push(m);
            } else {
                management.push(m);
            }
        }
        let mut seen: HashSet<String> = management.iter().map(InterpDep::key).collect();
        let mut repos_for_imports = repositories.clone();
        repos_for_imports.extend(extra.iter().cloned());
        for imp in imports {
            let (Some(g), Some(a), Some(v)) = (&imp.group_id, &imp.artifact_id, &imp.version)
            else {
                if strict {
                    bail!(
                        "{}: an imported BOM needs groupId, artifactId and version\n  fix: complete the <dependency> with <scope>import</scope>",
                        imp.location
                    );
                }
                continue;
            };
            let bom = Artifact {
                kind: "pom".into(),
                ..Artifact::new(g, a, v)
            };
            let model = self
                .repository_model(&bom, &repos_for_imports, chain)
                .with_context(|| {
                    format!("importing the BOM {g}:{a}:{v} declared at {}", imp.location)
                })?;
            for d in &model.dependency_management {
                let key = management_key(&d.artifact);
                if seen.insert(key) {
                    management.push(InterpDep::from_dependency(d, &imp.location));
                }
            }
        }
        let by_key: HashMap<String, &InterpDep> = management.iter().map(|m| (m.key(), m)).collect();
        let mut dependencies = Vec::new();
        let mut dependency_locations = Vec::new();
        let mut invalid = None;
        for mut d in deps {
            if let Some(m) = by_key.get(&d.key()) {
                if d.version.as_deref().is_none_or(str::is_empty) {
                    d.version.clone_from(&m.version);
                    if strict {
                        if let Some(v) = m.version.as_deref().filter(|v| v.contains("${")) {
                            bail!(
                                "{}: the version of dependency {} comes from <dependencyManagement> at {}, where `{v}` has an unknown property\n  fix: define it in <properties>, or give the dependency its own <version>",
                                d.location,
                                d.key(),
                                m.location
                            );
                        }
                    }
                }
                if d.scope.is_none() {
                    d.scope.clone_from(&m.scope);
                }
                if d.optional.is_none() {
                    d.optional.clone_from(&m.optional);
                }
                if d.system_path.is_none() {
                    d.system_path.clone_from(&m.system_path);
                }
                if d.exclusions.as_ref().is_none_or(Vec::is_empty) {
                    d.exclusions.clone_from(&m.exclusions);
                }
            }
            match d.to_dependency() {
                Ok(dep) => {
                    dependencies.push(dep);
                    dependency_locations.push(d.location.clone());
                }
                Err(problem) => {
                    if strict {
                        bail!("{}: {problem}", d.location);
                    }
                    invalid.get_or_insert(format!("{}: {problem}", d.location));
                }
            }
        }
        let dependency_management = management
            .iter()
            .filter_map(|m| m.to_dependency().ok())
            .collect();
        Ok(EffectiveModel {
            file: raw_file(&lineage),
            group_id,
            artifact_id,
            version,
            packaging,
            name,
            description,
            url,
            parent,
            properties,
            dependencies,
            dependency_locations,
            dependency_management,
            repositories,
            relocation,
            final_name,
            final_name_location: merged.final_name.as_ref().map(Field::location),
            build_directory,
            build_directory_location: merged.directory.as_ref().map(Field::location),
            resources,
            shade_main_class,
            invalid,
        })
    }

    /// The pom and its ancestors (child first), each with its active profiles injected.
    fn lineage(
        &mut self,
        raw: Rc<RawModel>,
        mode: &Mode,
        extra: &[RemoteRepository],
        chain: &[String],
    ) -> anyhow::Result<Vec<Lineage>> {
        let mut out: Vec<Lineage> = Vec::new();
        let mut seen: Vec<String> = chain.to_vec();
        let mut current = raw;
        let mut on_disk = matches!(mode, Mode::Project { .. });
        let basedir = match mode {
            Mode::Project { basedir } => Some(basedir.clone()),
            Mode::Repository => None,
        };
        loop {
            let body = inject_profiles(&current, &self.env, basedir.as_deref());
            let me = format!(
                "{}:{}:{}",
                current.declared_group_id().unwrap_or("?"),
                current
                    .artifact_id
                    .as_ref()
                    .map_or("?", |f| f.value.as_str()),
                current.declared_version().unwrap_or("?")
            );
            if !seen.contains(&me) {
                seen.push(me);
            }
            let parent = current.parent.clone();
            out.push(Lineage {
                raw: current.clone(),
                body,
            });
            let Some(p) = parent else { break };
            let (Some(g), Some(a), Some(v)) = (&p.group_id, &p.artifact_id, &p.version) else {
                bail!(
                    "{}:{}:{}: <parent> needs groupId, artifactId and version\n  fix: complete the <parent> element",
                    current.file.display(),
                    p.line,
                    p.column
                );
            };
            let key = format!("{}:{}:{}", g.value, a.value, v.value);
            if seen.contains(&key) {
                seen.push(key);
                return Err(ModelError::Cycle {
                    chain: seen.join(" -> "),
                    at: format!(
                        "\n  the last <parent> is at {}:{}:{}",
                        current.file.display(),
                        p.line,
                        p.column
                    ),
                }
                .into());
            }
            let mut next = None;
            if on_disk {
                let rel = p
                    .relative_path
                    .as_ref()
                    .map_or("../pom.xml", |f| f.value.as_str());
                if !rel.is_empty() {
                    let dir = current.file.parent().unwrap_or(Path::new("."));
                    let mut candidate = dir.join(rel);
                    if candidate.is_dir() {
                        candidate = candidate.join("pom.xml");
                    }
                    if candidate.is_file() {
                        let parent_raw = self.read_raw(&candidate)?;
                        let matches = parent_raw.declared_group_id() == Some(g.value.as_str())
                            && parent_raw.artifact_id.as_ref().map(|f| f.value.as_str())
                                == Some(a.value.as_str())
                            && parent_raw.declared_version() == Some(v.value.as_str());
                        if matches {
                            next = Some(parent_raw);
                        }
                    }
                }
            }
            let next = match next {
                Some(n) => n,
                None => {
                    on_disk = false;
                    let artifact = Artifact::new(&g.value, &a.value, &v.value).pom();
                    let mut repos: Vec<RemoteRepository> = current
                        .body
                        .repositories
                        .iter()
                        .map(|r| RemoteRepository {
                            id: r.id.clone(),
                            url: r.url.value.trim_end_matches('/').to_string(),
                        })
                        .filter(|r| !r.url.contains("${"))
                        .collect();
                    repos.extend(extra.iter().cloned());
                    let path = fetch_file(self.repos, &artifact, &repos).with_context(|| {
                        format!(
                            "{}:{}:{}: cannot get the parent pom {key}",
                            current.file.display(),
                            p.line,
                            p.column
                        )
                    })?;
                    self.read_raw(&path)
                        .with_context(|| format!("reading the parent pom {key}"))?
                }
            };
            current = next;
        }
        Ok(out)
    }
}

fn raw_file(lineage: &[Lineage]) -> PathBuf {
    lineage[0].raw.file.clone()
}

/// The local file of `artifact`, downloaded into the local repository if needed.
pub(crate) fn fetch_file(
    repos: &RepositorySystem,
    artifact: &Artifact,
    extra: &[RemoteRepository],
) -> anyhow::Result<PathBuf> {
    repos.fetch(artifact, extra)
}

/// `groupId:artifactId:type:classifier`, the key dependencyManagement matches on.
pub fn management_key(a: &Artifact) -> String {
    format!(
        "{}:{}:{}:{}",
        a.group_id,
        a.artifact_id,
        a.kind,
        a.classifier.as_deref().unwrap_or("")
    )
}

/// A dependency after interpolation, before it is checked.
#[derive(Debug, Clone)]
struct InterpDep {
    group_id: Option<String>,
    artifact_id: Option<String>,
    version: Option<String>,
    kind: Option<String>,
    classifier: Option<String>,
    scope: Option<String>,
    optional: Option<String>,
    system_path: Option<String>,
    exclusions: Option<Vec<Exclusion>>,
    location: SourceLocation,
}

impl InterpDep {
    fn key(&self) -> String {
        format!(
            "{}:{}:{}:{}",
            self.group_id.as_deref().unwrap_or(""),
            self.artifact_id.as_deref().unwrap_or(""),
            self.kind
                .as_deref()
                .filter(|k| !k.is_empty())
                .unwrap_or("jar"),
            self.classifier.as_deref().unwrap_or("")
        )
    }

    fn from_dependency(d: &Dependency, location: &SourceLocation) -> InterpDep {
        InterpDep {
            group_id: Some(d.artifact.group_id.clone()),
            artifact_id: Some(d.artifact.artifact_id.clone()),
            version: Some(d.artifact.version.clone()).filter(|v| !v.is_empty()),
            kind: Some(d.artifact.kind.clone()),
            classifier: d.artifact.classifier.clone(),
            scope: d.scope.map(|s| s.as_str().to_string()),
            optional: d.optional.then(|| "true".to_string()),
            system_path: d.system_path.clone(),
            exclusions: Some(d.exclusions.clone()).filter(|e| !e.is_empty()),
            location: location.clone(),
        }
    }

    fn to_dependency(&self) -> Result<Dependency, String> {
        let g = self.group_id.clone().unwrap_or_default();
        let a = self.artifact_id.clone().unwrap_or_default();
        let coord = format!("{g}:{a}");
        if g.is_empty() || a.is_empty() {
            return Err(format!(
                "dependency {coord} has no {}\n  fix: add it to the <dependency>",
                if g.is_empty() {
                    "groupId"
                } else {
                    "artifactId"
                }
            ));
        }
        let version = self.version.clone().unwrap_or_default();
        if version.is_empty() {
            return Err(format!(
                "dependency {coord} has no version and no <dependencyManagement> entry supplies one\n  fix: add <version> to the dependency, or manage it (a BOM import or a parent's dependencyManagement)"
            ));
        }
        let scope = match self.scope.as_deref() {
            None | Some("") => None,
            Some(s) => Some(Scope::parse(s).ok_or_else(|| {
                format!("dependency {coord} has unknown scope `{s}`\n  fix: use compile, provided, runtime, test or system")
            })?),
        };
        Ok(Dependency {
            artifact: Artifact {
                group_id: g,
                artifact_id: a,
                version,
                kind: self
                    .kind
                    .clone()
                    .filter(|k| !k.is_empty())
                    .unwrap_or_else(|| "jar".into()),
                classifier: self.classifier.clone().filter(|c| !c.is_empty()),
            },
            scope,
            optional: self.optional.as_deref() == Some("true"),
            exclusions: self.exclusions.clone().unwrap_or_default(),
            system_path: self.system_path.clone(),
        })
    }
}

/// Inheritance result before interpolation.
#[derive(Debug, Default)]
struct Merged {
    group_id: Option<Field>,
    artifact_id: Option<Field>,
    version: Option<Field>,
    packaging: Option<Field>,
    name: Option<Field>,
    description: Option<Field>,
    url: Option<Field>,
    properties: BTreeMap<String, Field>,
    dependencies: Vec<RawDependency>,
    dependency_management: Vec<RawDependency>,
    repositories: Vec<RawRepository>,
    final_name: Option<Field>,
    directory: Option<Field>,
    resources: Option<Vec<RawResource>>,
    shade_main_class: Option<Field>,
    /// `build.outputTimestamp`-like raw lookups go through the lineage's XML.
    parent_fields: Option<(Option<Field>, Option<Field>, Option<Field>)>,
}

fn raw_key(d: &RawDependency) -> String {
    d.key_with(|s| s.to_string())
}

/// Child entries first, then the parent's whose key the child does not declare.
fn merge_keyed(child: &[RawDependency], parent: &[RawDependency]) -> Vec<RawDependency> {
    let mut out: Vec<RawDependency> = Vec::with_capacity(child.len() + parent.len());
    let mut index: HashMap<String, usize> = HashMap::new();
    for d in child {
        match index.get(&raw_key(d)) {
            Some(&i) => out[i] = d.clone(),
            None => {
                index.insert(raw_key(d), out.len());
                out.push(d.clone());
            }
        }
    }
    for d in parent {
        if let std::collections::hash_map::Entry::Vacant(e) = index.entry(raw_key(d)) {
            e.insert(out.len());
            out.push(d.clone());
        }
    }
    out
}

fn merge_lineage(lineage: &[Lineage], env: &Environment, basedir: Option<&Path>) -> Merged {
    let _ = (env, basedir);
    let mut m = Merged::default();
    for (i, l) in lineage.iter().enumerate().rev() {
        let raw = &l.raw;
        let body = &l.body;
        let is_leaf = i == 0;
        if raw.group_id.is_some() {
            m.group_id.clone_from(&raw.group_id);
        } else if let Some(p) = &raw.parent {
            if m.group_id.is_none() {
                m.group_id.clone_from(&p.group_id);
            }
        }
        if raw.version.is_some() {
            m.version.clone_from(&raw.version);
        } else if let Some(p) = &raw.parent {
            if m.version.is_none() {
                m.version.clone_from(&p.version);
            }
        }
        if raw.description.is_some() {
            m.description.clone_from(&raw.description);
        }
        if raw.url.is_some() {
            m.url.clone_from(&raw.url);
        }
        if is_leaf {
            m.artifact_id.clone_from(&raw.artifact_id);
            m.packaging.clone_from(&raw.packaging);
            m.name.clone_from(&raw.name);
            m.parent_fields = raw
                .parent
                .as_ref()
                .map(|p| (p.group_id.clone(), p.artifact_id.clone(), p.version.clone()));
        }
        for (k, v) in &body.properties {
            m.properties.insert(k.clone(), v.clone());
        }
        m.dependencies = merge_keyed(&body.dependencies, &m.dependencies);
        m.dependency_management =
            merge_keyed(&body.dependency_management, &m.dependency_management);
        let mut repos = body.repositories.clone();
        for r in std::mem::take(&mut m.repositories) {
            if !repos.iter().any(|x| x.id == r.id) {
                repos.push(r);
            }
        }
        m.repositories = repos;
        if body.final_name.is_some() {
            m.final_name.clone_from(&body.final_name);
        }
        if body.directory.is_some() {
            m.directory.clone_from(&body.directory);
        }
        if body.resources.is_some() {
            m.resources.clone_from(&body.resources);
        }
        if body.shade_main_class.is_some() {
            m.shade_main_class.clone_from(&body.shade_main_class);
        }
    }
    m
}

/// The pom's body with its active profiles injected (profile values win).
fn inject_profiles(raw: &RawModel, env: &Environment, basedir: Option<&Path>) -> RawBody {
    let mut body = raw.body.clone();
    let by_condition: Vec<&RawProfile> = raw
        .profiles
        .iter()
        .filter(|p| profile_condition(p, env, basedir) == Some(true))
        .collect();
    let active: Vec<&RawProfile> = if by_condition.is_empty() {
        raw.profiles
            .iter()
            .filter(|p| p.active_by_default)
            .collect()
    } else {
        by_condition
    };
    for p in active {
        let pb = &p.body;
        for (k, v) in &pb.properties {
            body.properties.push((k.clone(), v.clone()));
        }
        body.dependencies = merge_dominant(&body.dependencies, &pb.dependencies);
        body.dependency_management =
            merge_dominant(&body.dependency_management, &pb.dependency_management);
        for r in &pb.repositories {
            body.repositories.retain(|x| x.id != r.id);
            body.repositories.push(r.clone());
        }
        if pb.final_name.is_some() {
            body.final_name.clone_from(&pb.final_name);
        }
        if pb.directory.is_some() {
            body.directory.clone_from(&pb.directory);
        }
        if pb.resources.is_some() {
            body.resources.clone_from(&pb.resources);
        }
        if pb.shade_main_class.is_some() {
            body.shade_main_class.clone_from(&pb.shade_main_class);
        }
    }
    body
}

/// Model entries in place, a profile's entry replacing the one with its key, new ones appended.
fn merge_dominant(model: &[RawDependency], profile: &[RawDependency]) -> Vec<RawDependency> {
    let mut out = model.to_vec();
    for d in profile {
        let key = raw_key(d);
        match out.iter().position(|x| raw_key(x) == key) {
            Some(i) => out[i] = d.clone(),
            None => out.push(d.clone()),
        }
    }
    out
}

/// `Some(true)` when every activation condition holds, `Some(false)` when one fails, `None`
/// when the profile has no condition (only `activeByDefault`, or nothing).
pub fn profile_condition(
    p: &RawProfile,
    env: &Environment,
    basedir: Option<&Path>,
) -> Option<bool> {
    let mut results = Vec::new();
    if let Some(jdk) = &p.jdk {
        let version = env.system.get("java.version").map_or("17", String::as_str);
        results.push(jdk_matches(jdk, version));
    }
    if let Some(os) = &p.os {
        let sys = |k: &str| {
            env.system
                .get(k)
                .map(|s| s.to_lowercase())
                .unwrap_or_default()
        };
        let check = |spec: &Option<String>, actual: &dyn Fn(&str) -> bool| {
            spec.as_ref().is_none_or(|s| {
                let s = s.to_lowercase();
                match s.strip_prefix('!') {
                    Some(rest) => !actual(rest),
                    None => actual(&s),
                }
            })
        };
        let name = sys("os.name");
        let arch = sys("os.arch");
        let version = sys("os.version");
        results.push(
            check(&os.name, &|s| s == name)
                && check(&os.family, &|s| os_family_matches(s, &name))
                && check(&os.arch, &|s| s == arch)
                && check(&os.version, &|s| s == version),
        );
    }
    if let Some((name, value)) = &p.property {
        let (negate_name, name) = match name.strip_prefix('!') {
            Some(n) => (true, n),
            None => (false, name.as_str()),
        };
        let actual = env.system.get(name);
        let ok = match value {
            None => {
                let present = actual.is_some_and(|v| !v.is_empty());
                present != negate_name
            }
            Some(v) => match v.strip_prefix('!') {
                Some(v) => actual.map(String::as_str) != Some(v),
                None => actual.map(String::as_str) == Some(v.as_str()),
            },
        };
        results.push(ok);
    }
    let file_check = |spec: &str| -> Option<PathBuf> {
        if spec.contains("${basedir}") || spec.contains("${project.basedir}") {
            let b = basedir?;
            let b = b.to_string_lossy();
            return Some(PathBuf::from(
                spec.replace("${project.basedir}", &b)
                    .replace("${basedir}", &b),
            ));
        }
        let path = PathBuf::from(spec);
        Some(match basedir {
            Some(b) if path.is_relative() => b.join(path),
            _ => path,
        })
    };
    if let Some(f) = &p.file_exists {
        results.push(file_check(f).is_some_and(|p| p.exists()));
    }
    if let Some(f) = &p.file_missing {
        results.push(file_check(f).is_some_and(|p| !p.exists()));
    }
    if results.is_empty() {
        None
    } else {
        Some(results.iter().all(|r| *r))
    }
}

fn os_family_matches(family: &str, os_name: &str) -> bool {
    let windows = os_name.contains("windows");
    let mac = os_name.contains("mac");
    match family {
        "windows" => windows,
        "unix" => !windows && (!mac || os_name.ends_with('x')),
        "mac" => mac,
        "dos" => windows,
        _ => false,
    }
}

/// Maven's JDK activation: a prefix of `java.version`, or a range like `[11,)`; `!` negates.
pub fn jdk_matches(spec: &str, java_version: &str) -> bool {
    let spec = spec.trim();
    let (negate, spec) = match spec.strip_prefix('!') {
        Some(s) => (true, s.trim()),
        None => (false, spec),
    };
    let matched = if spec.starts_with('[') || spec.starts_with('(') {
        split_ranges(spec)
            .iter()
            .any(|r| range_contains(r, java_version))
    } else {
        java_version.starts_with(spec)
    };
    matched != negate
}

fn split_ranges(spec: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in spec.chars() {
        if cur.is_empty() && c == ',' {
            continue;
        }
        cur.push(c);
        if c == ']' || c == ')' {
            out.push(std::mem::take(&mut cur));
        }
    }
    out
}

fn version_tokens(v: &str) -> Vec<u64> {
    v.split(['.', '-', '_'])
        .map(|t| {
            t.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
                .parse()
                .unwrap_or(0)
        })
        .collect()
}

fn compare_padded(a: &str, b: &str) -> std::cmp::Ordering {
    let mut x = version_tokens(a);
    let mut y = version_tokens(b);
    let n = x.len().max(y.len());
    x.resize(n, 0);
    y.resize(n, 0);
    x.cmp(&y)
}

fn range_contains(range: &str, version: &str) -> bool {
    use std::cmp::Ordering::{Equal, Greater, Less};
    let lower_inclusive = range.starts_with('[');
    let upper_inclusive = range.ends_with(']');
    let inner = &range[1..range.len().saturating_sub(1)];
    let (lo, hi) = match inner.split_once(',') {
        Some((lo, hi)) => (lo.trim(), hi.trim()),
        None => (inner.trim(), inner.trim()),
    };
    let lo_ok = lo.is_empty()
        || match compare_padded(version, lo) {
            Greater => true,
            Equal => lower_inclusive,
            Less => false,
        };
    let hi_ok = hi.is_empty()
        || match compare_padded(version, hi) {
            Less => true,
            Equal => upper_inclusive,
            Greater => false,
        };
    lo_ok && hi_ok
}

/// A problem with one `${...}` expression.
#[derive(Debug, Clone)]
enum InterpProblem {
    Unknown(String),
    Cycle(Vec<String>),
}

impl InterpProblem {
    fn message(&self, at: &SourceLocation, what: &str) -> String {
        match self {
            InterpProblem::Unknown(name) => format!(
                "{at}: unknown property `${{{name}}}` in {what}\n  fix: define it in <properties> (<{name}>...</{name}>), or correct the name"
            ),
            InterpProblem::Cycle(chain) => format!(
                "{at}: recursive property definition in {what}: {}\n  fix: make one of these properties a literal value",
                chain.iter().map(|n| format!("${{{n}}}")).collect::<Vec<_>>().join(" -> ")
            ),
        }
    }
}

/// A resolved expression: its value (`None`: unknown), or the cycle it is part of.
type Resolved = Result<Option<String>, Vec<String>>;

/// `${...}` resolution over one effective model: basedir, `project.*`/`pom.*`, `<properties>`,
/// Java/OS properties, `env.*`, and Maven's unprefixed model fields (`${version}`).
struct Interpolator<'m> {
    merged: &'m Merged,
    lineage: &'m [Lineage],
    env: &'m Environment,
    basedir: Option<&'m Path>,
    cache: RefCell<HashMap<String, Resolved>>,
    stack: RefCell<Vec<String>>,
}

impl Interpolator<'_> {
    /// The interpolated string (unresolvable expressions left as written) and the problems.
    fn interpolate(&self, s: &str) -> (String, Vec<InterpProblem>) {
        let mut out = String::with_capacity(s.len());
        let mut problems = Vec::new();
        let mut rest = s;
        while let Some(start) = rest.find("${") {
            let Some(len) = rest[start + 2..].find('}') else {
                break;
            };
            out.push_str(&rest[..start]);
            let name = &rest[start + 2..start + 2 + len];
            match self.resolve(name) {
                Ok(Some(v)) => out.push_str(&v),
                Ok(None) => {
                    problems.push(InterpProblem::Unknown(name.to_string()));
                    out.push_str(&rest[start..start + 3 + len]);
                }
                Err(chain) => {
                    problems.push(InterpProblem::Cycle(chain));
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
                return Err(chain);
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
            .find(|p| matches!(p, InterpProblem::Cycle(_)))
        {
            Some(InterpProblem::Cycle(chain)) => Err(chain),
            _ => Ok(Some(value)),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jdk_activation_follows_maven() {
        assert!(jdk_matches("17", "17.0.15"));
        assert!(!jdk_matches("1.8", "17.0.15"));
        assert!(jdk_matches("!1.8", "17.0.15"));
        assert!(jdk_matches("[1.8,)", "17.0.15"));
        assert!(jdk_matches("[9,)", "17.0.15"));
        assert!(!jdk_matches("(,1.8]", "17.0.15"));
        assert!(!jdk_matches("[11,17)", "17.0.15"));
        assert!(jdk_matches("[11,17]", "17"));
        assert!(jdk_matches("(,1.8],[17,)", "17.0.15"));
    }

    #[test]
    fn os_family_unix_matches_linux() {
        assert!(os_family_matches("unix", "linux"));
        assert!(!os_family_matches("windows", "linux"));
        assert!(!os_family_matches("mac", "linux"));
    }
}
