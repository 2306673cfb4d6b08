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

use anyhow::{bail, Context};

use super::coord::{Artifact, Dependency, Exclusion, Scope};
use super::environment::Environment;
use super::inherit::{merge_lineage, raw_file, Lineage, Merged};
use super::interpolate::Interpolator;
use super::pom::{Field, RawDependency, RawModel, RawParent, RawRelocation, RawResource};
use super::profile::{active_profiles, inject_profiles};
use super::repository::{aggregate_repositories, RemoteRepository, RepositorySystem};
use super::xml::{Element, SourceLocation};

/// One `<build><resources><resource>` (or Maven's default `src/main/resources`): interpolated
/// by the model builder, its directory made absolute by `project`.
#[derive(Debug, Clone)]
pub struct ResourceDecl {
    /// The pom's `directory` (absolute once `project` resolved it against the project dir).
    pub directory: PathBuf,
    /// The directory as written in the pom, for messages.
    pub declared_directory: String,
    pub includes: Vec<String>,
    pub excludes: Vec<String>,
    pub target_path: Option<String>,
    pub filtering: bool,
    /// Where the `<resource>` element is; `None` for Maven's implicit default.
    pub location: Option<SourceLocation>,
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
    /// `<organization>` name and url (inherited field by field).
    pub organization: (Option<String>, Option<String>),
    pub inception_year: Option<String>,
    /// `<licenses>`: name and url of each (a parent's when the pom has none).
    pub licenses: Vec<(Option<String>, Option<String>)>,
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
    pub resources: Option<Vec<ResourceDecl>>,
    /// The project's pom and its parents' `<build>` elements, nearest first, uninterpolated
    /// (for plugin configuration Maven inherits, such as maven-compiler-plugin's); empty for
    /// repository poms.
    pub build_lineage: Vec<(PathBuf, Element)>,
    /// Each pom of the lineage with its `<build>` and its active profiles' `<build>`s, nearest
    /// first (for plugin configuration as Maven merges it); empty for repository poms.
    pub build_layers: Vec<BuildLayer>,
    /// Why the model is unusable for transitive resolution (Maven: "The POM is invalid").
    pub invalid: Option<String>,
}

/// One pom's `<build>` and the `<build>` of each of its active profiles (in pom order),
/// uninterpolated.
#[derive(Debug, Clone)]
pub struct BuildLayer {
    pub file: PathBuf,
    pub build: Option<Element>,
    pub profile_builds: Vec<Element>,
}

fn build_layer(l: &Lineage) -> BuildLayer {
    let profiles: Vec<&Element> = l
        .raw
        .root
        .child("profiles")
        .map(|ps| ps.children_named("profile").collect())
        .unwrap_or_default();
    BuildLayer {
        file: l.raw.file.clone(),
        build: l.raw.root.child("build").cloned(),
        profile_builds: l
            .active_profiles
            .iter()
            .filter_map(|&i| profiles.get(i)?.child("build").cloned())
            .collect(),
    }
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

impl<'a> ModelBuilder<'a> {
    pub fn new(repos: &'a RepositorySystem) -> Self {
        ModelBuilder {
            repos,
            env: Environment::detect(Some(&repos.local)).with_user(&repos.user_properties),
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
        let build_lineage = if strict {
            lineage
                .iter()
                .filter_map(|l| Some((l.raw.file.clone(), l.raw.root.child("build")?.clone())))
                .collect()
        } else {
            Vec::new()
        };
        let build_layers = if strict {
            lineage.iter().map(build_layer).collect()
        } else {
            Vec::new()
        };
        let merged = merge_lineage(&lineage);
        let read = self.read(&lineage, &merged, basedir, strict)?;
        let head = read.head;

        let repos_for_imports = aggregate_repositories(extra, &head.repositories);
        let management = self.management(read.managed, &repos_for_imports, chain, strict)?;
        let (dependencies, dependency_locations, invalid) =
            inject_management(read.deps, &management, strict)?;
        let dependency_management = management
            .iter()
            .filter_map(|m| m.to_dependency().ok())
            .collect();
        Ok(EffectiveModel {
            file: read.file,
            group_id: head.group_id,
            artifact_id: head.artifact_id,
            version: head.version,
            packaging: head.packaging,
            name: head.name,
            description: head.description,
            url: head.url,
            organization: head.organization,
            inception_year: head.inception_year,
            licenses: head.licenses,
            parent: read.parent,
            properties: head.properties,
            dependencies,
            dependency_locations,
            dependency_management,
            repositories: head.repositories,
            relocation: read.relocation,
            final_name: head.final_name,
            final_name_location: merged.final_name.as_ref().map(Field::location),
            build_directory: head.build_directory,
            build_directory_location: merged.directory.as_ref().map(Field::location),
            resources: head.resources,
            build_lineage,
            build_layers,
            invalid,
        })
    }

    /// The merged model interpolated: its scalar fields, dependencies, managed dependencies,
    /// relocation and parent; a strict (project) pom's unresolved expressions are one error.
    fn read(
        &self,
        lineage: &[Lineage],
        merged: &Merged,
        basedir: Option<&Path>,
        strict: bool,
    ) -> anyhow::Result<ReadModel> {
        let interp = Interpolator {
            merged,
            lineage,
            env: &self.env,
            basedir,
            cache: RefCell::new(HashMap::new()),
            stack: RefCell::new(Vec::new()),
        };
        let mut reading = Reading {
            interp: &interp,
            strict,
            file: raw_file(lineage),
            errors: Vec::new(),
        };
        let head = reading.head(merged, basedir);
        // Managed entries are checked only where a dependency uses them (in `build`), as an
        // unused entry with an unresolvable expression (a parent's, say) is harmless to Maven.
        let deps: Vec<InterpDep> = merged
            .dependencies
            .iter()
            .map(|d| reading.dependency(d, true))
            .collect();
        let managed: Vec<InterpDep> = merged
            .dependency_management
            .iter()
            .map(|d| reading.dependency(d, false))
            .collect();
        let (relocation, parent) = reading.origin(&lineage[0].raw);
        reading.finish(&head)?;
        Ok(ReadModel {
            file: reading.file,
            head,
            deps,
            managed,
            relocation,
            parent,
        })
    }

    /// The pom's own `<dependencyManagement>` with its BOM imports expanded in place of the
    /// import entries (an entry the pom declares itself wins over an imported one).
    fn management(
        &mut self,
        managed: Vec<InterpDep>,
        repos_for_imports: &[RemoteRepository],
        chain: &mut Vec<String>,
        strict: bool,
    ) -> anyhow::Result<Vec<InterpDep>> {
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
                .repository_model(&bom, repos_for_imports, chain)
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
        Ok(management)
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
            let active = active_profiles(&current, &self.env, basedir.as_deref());
            let body = inject_profiles(&current, &active);
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
                active_profiles: active,
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
            current = match self.parent_on_disk(&current, &p, on_disk)? {
                Some(parent) => parent,
                None => {
                    on_disk = false;
                    self.parent_from_repository(&current, &p, &key, extra)?
                }
            };
        }
        Ok(out)
    }

    /// The parent at `relativePath` (default `../pom.xml`) when it is the declared parent, as
    /// Maven looks it up for a pom read from the file system.
    fn parent_on_disk(
        &mut self,
        current: &RawModel,
        p: &RawParent,
        on_disk: bool,
    ) -> anyhow::Result<Option<Rc<RawModel>>> {
        let (Some(g), Some(a), Some(v)) = (&p.group_id, &p.artifact_id, &p.version) else {
            return Ok(None);
        };
        if !on_disk {
            return Ok(None);
        }
        let rel = p
            .relative_path
            .as_ref()
            .map_or("../pom.xml", |f| f.value.as_str());
        if rel.is_empty() {
            return Ok(None);
        }
        let dir = current.file.parent().unwrap_or(Path::new("."));
        let mut candidate = dir.join(rel);
        if candidate.is_dir() {
            candidate = candidate.join("pom.xml");
        }
        if !candidate.is_file() {
            return Ok(None);
        }
        let parent_raw = self.read_raw(&candidate)?;
        let matches = parent_raw.declared_group_id() == Some(g.value.as_str())
            && parent_raw.artifact_id.as_ref().map(|f| f.value.as_str()) == Some(a.value.as_str())
            && parent_raw.declared_version() == Some(v.value.as_str());
        Ok(matches.then_some(parent_raw))
    }

    /// The parent pom from the repositories: `extra` (the path's repositories, dominant), then
    /// the child's own `<repositories>` whose ids are new (Maven's `DefaultModelResolver`
    /// ignores a pom's repository with an id already in use).
    fn parent_from_repository(
        &mut self,
        current: &RawModel,
        p: &RawParent,
        key: &str,
        extra: &[RemoteRepository],
    ) -> anyhow::Result<Rc<RawModel>> {
        let (Some(g), Some(a), Some(v)) = (&p.group_id, &p.artifact_id, &p.version) else {
            bail!(
                "{}: <parent> needs groupId, artifactId and version",
                current.file.display()
            );
        };
        let artifact = Artifact::new(&g.value, &a.value, &v.value).pom();
        let own: Vec<RemoteRepository> = current
            .body
            .repositories
            .iter()
            .map(|r| {
                RemoteRepository::new(&r.id, &r.url.value)
                    .with_policies(r.releases_enabled, r.snapshots_enabled)
            })
            .filter(|r| !r.url.contains("${"))
            .collect();
        let repos = aggregate_repositories(extra, &own);
        let path = fetch_file(self.repos, &artifact, &repos).with_context(|| {
            format!(
                "{}:{}:{}: cannot get the parent pom {key}",
                current.file.display(),
                p.line,
                p.column
            )
        })?;
        self.read_raw(&path)
            .with_context(|| format!("reading the parent pom {key}"))
    }
}

/// The local file of `artifact`, downloaded into the local repository if needed.
pub(crate) fn fetch_file(
    repos: &RepositorySystem,
    artifact: &Artifact,
    extra: &[RemoteRepository],
) -> anyhow::Result<PathBuf> {
    repos.fetch(artifact, extra)
}

/// The model's scalar fields after interpolation.
struct Head {
    group_id: String,
    artifact_id: String,
    version: String,
    packaging: String,
    name: Option<String>,
    description: Option<String>,
    url: Option<String>,
    organization: (Option<String>, Option<String>),
    inception_year: Option<String>,
    licenses: Vec<(Option<String>, Option<String>)>,
    final_name: String,
    build_directory: String,
    properties: BTreeMap<String, String>,
    repositories: Vec<RemoteRepository>,
    resources: Option<Vec<ResourceDecl>>,
}

/// What [`ModelBuilder::read`] takes from the merged model.
struct ReadModel {
    file: PathBuf,
    head: Head,
    deps: Vec<InterpDep>,
    managed: Vec<InterpDep>,
    relocation: Option<RawRelocation>,
    parent: Option<(String, String, String)>,
}

/// Interpolates the merged model's fields, collecting the problems a strict (project) pom
/// reports; a repository pom is read leniently, as Maven reads it.
struct Reading<'i, 'm> {
    interp: &'i Interpolator<'m>,
    strict: bool,
    file: PathBuf,
    errors: Vec<String>,
}

impl Reading<'_, '_> {
    /// The field's interpolated value; its unresolved expressions are errors when both the pom
    /// and this field are strict.
    fn get(&mut self, f: &Option<Field>, what: &str, strict_here: bool) -> Option<String> {
        let f = f.as_ref()?;
        let (value, problems) = self.interp.interpolate(&f.value);
        if self.strict && strict_here {
            for p in problems {
                self.errors.push(p.message(&f.location(), what));
            }
        }
        Some(value)
    }

    fn head(&mut self, merged: &Merged, basedir: Option<&Path>) -> Head {
        let group_id = self
            .get(&merged.group_id, "groupId", true)
            .unwrap_or_default();
        let artifact_id = self
            .get(&merged.artifact_id, "artifactId", true)
            .unwrap_or_default();
        let version = self
            .get(&merged.version, "version", true)
            .unwrap_or_default();
        let packaging = self
            .get(&merged.packaging, "packaging", true)
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "jar".to_string());
        let name = self.get(&merged.name, "name", false);
        let description = self.get(&merged.description, "description", false);
        let url = self.get(&merged.url, "url", false);
        let organization = (
            self.get(&merged.organization.0, "organization.name", false),
            self.get(&merged.organization.1, "organization.url", false),
        );
        let inception_year = self.get(&merged.inception_year, "inceptionYear", false);
        let licenses = self.licenses(merged);
        let final_name = self.final_name(merged, &artifact_id, &version);
        let build_directory = self.build_directory(merged, basedir);
        let properties = self.properties(merged);
        let repositories = self.repositories(merged);
        let resources = merged
            .resources
            .as_ref()
            .map(|rs| rs.iter().map(|r| self.resource(r)).collect());
        Head {
            group_id,
            artifact_id,
            version,
            packaging,
            name,
            description,
            url,
            organization,
            inception_year,
            licenses,
            final_name,
            build_directory,
            properties,
            repositories,
            resources,
        }
    }

    /// Each inherited or own `<license>`'s name and url.
    fn licenses(&mut self, merged: &Merged) -> Vec<(Option<String>, Option<String>)> {
        merged
            .licenses
            .iter()
            .map(|(n, u)| {
                (
                    self.get(n, "license.name", false),
                    self.get(u, "license.url", false),
                )
            })
            .collect()
    }

    /// `<build><finalName>`, by default `artifactId-version`.
    fn final_name(&mut self, merged: &Merged, artifact_id: &str, version: &str) -> String {
        match &merged.final_name {
            Some(_) => self
                .get(&merged.final_name, "build.finalName", true)
                .unwrap_or_default(),
            None => format!("{artifact_id}-{version}"),
        }
    }

    /// `<build><directory>`, by default `target` in the basedir.
    fn build_directory(&mut self, merged: &Merged, basedir: Option<&Path>) -> String {
        match &merged.directory {
            Some(_) => self
                .get(&merged.directory, "build.directory", true)
                .unwrap_or_default(),
            None => match basedir {
                Some(b) => b.join("target").to_string_lossy().into_owned(),
                None => "target".to_string(),
            },
        }
    }

    /// The model's properties, interpolated (leniently, as Maven reads them).
    fn properties(&self, merged: &Merged) -> BTreeMap<String, String> {
        merged
            .properties
            .iter()
            .map(|(k, f)| (k.clone(), self.interp.interpolate(&f.value).0))
            .collect()
    }

    /// The model's `<repositories>`, their urls interpolated.
    fn repositories(&self, merged: &Merged) -> Vec<RemoteRepository> {
        merged
            .repositories
            .iter()
            .map(|r| {
                RemoteRepository::new(&r.id, &self.interp.interpolate(&r.url.value).0)
                    .with_policies(r.releases_enabled, r.snapshots_enabled)
            })
            .collect()
    }

    /// The pom's own `<relocation>` and `<parent>` coordinates, interpolated.
    #[allow(clippy::type_complexity)]
    fn origin(&self, raw: &RawModel) -> (Option<RawRelocation>, Option<(String, String, String)>) {
        let interp = self.interp;
        let relocation = raw.relocation.as_ref().map(|r| RawRelocation {
            group_id: r.group_id.as_ref().map(|s| interp.interpolate(s).0),
            artifact_id: r.artifact_id.as_ref().map(|s| interp.interpolate(s).0),
            version: r.version.as_ref().map(|s| interp.interpolate(s).0),
        });
        let parent = raw.parent.as_ref().map(|p| {
            let v = |f: &Option<Field>| {
                f.as_ref()
                    .map(|f| interp.interpolate(&f.value).0)
                    .unwrap_or_default()
            };
            (v(&p.group_id), v(&p.artifact_id), v(&p.version))
        });
        (relocation, parent)
    }

    /// A `<resource>` as declared; `project` resolves its directory against the project.
    fn resource(&mut self, r: &RawResource) -> ResourceDecl {
        let declared = self
            .get(&r.directory, "resource directory", true)
            .unwrap_or_default();
        ResourceDecl {
            directory: PathBuf::from(&declared),
            declared_directory: declared,
            includes: r
                .includes
                .iter()
                .map(|s| self.interp.interpolate(s).0)
                .collect(),
            excludes: r
                .excludes
                .iter()
                .map(|s| self.interp.interpolate(s).0)
                .collect(),
            target_path: self.get(&r.target_path, "resource targetPath", true),
            filtering: self.get(&r.filtering, "filtering", false).as_deref() == Some("true"),
            location: Some(SourceLocation {
                file: r
                    .directory
                    .as_ref()
                    .map_or_else(|| self.file.clone(), |d| d.file.to_path_buf()),
                line: r.line,
                column: r.column,
            }),
        }
    }

    fn dependency(&mut self, d: &RawDependency, checked: bool) -> InterpDep {
        InterpDep {
            group_id: self.get(&d.group_id, "dependency groupId", checked),
            artifact_id: self.get(&d.artifact_id, "dependency artifactId", checked),
            version: self.get(&d.version, "dependency version", checked),
            kind: self.get(&d.kind, "dependency type", checked),
            classifier: self.get(&d.classifier, "dependency classifier", checked),
            scope: self.get(&d.scope, "dependency scope", checked),
            optional: self.get(&d.optional, "optional", false),
            system_path: self.get(&d.system_path, "systemPath", false),
            exclusions: d.exclusions.as_ref().map(|ex| {
                ex.iter()
                    .map(|e| Exclusion {
                        group_id: self.interp.interpolate(&e.group_id).0,
                        artifact_id: self.interp.interpolate(&e.artifact_id).0,
                    })
                    .collect()
            }),
            location: SourceLocation {
                file: d
                    .group_id
                    .as_ref()
                    .or(d.artifact_id.as_ref())
                    .map_or_else(|| self.file.clone(), |f| f.file.to_path_buf()),
                line: d.line,
                column: d.column,
            },
        }
    }

    /// A strict pom's first unresolved expression, or a missing coordinate, as the error.
    fn finish(&self, head: &Head) -> anyhow::Result<()> {
        if !self.strict {
            return Ok(());
        }
        if let Some(first) = self.errors.first() {
            let more = self.errors.len() - 1;
            if more > 0 {
                bail!("{first}\n  ({more} more unresolved expression(s) in this pom)");
            }
            bail!("{first}");
        }
        for (what, value) in [
            ("groupId", &head.group_id),
            ("artifactId", &head.artifact_id),
            ("version", &head.version),
        ] {
            if value.is_empty() {
                bail!(
                    "{}: the project has no {what}\n  fix: add <{what}> to the pom (or a <parent> to inherit it from)",
                    self.file.display()
                );
            }
        }
        Ok(())
    }
}

/// The pom's management injected into its dependencies (version, scope, systemPath and
/// exclusions where the dependency declares none; never optional); returns the checked dependencies, where
/// each was declared, and why the model is invalid for transitive use, if it is.
#[allow(clippy::type_complexity)]
fn inject_management(
    deps: Vec<InterpDep>,
    management: &[InterpDep],
    strict: bool,
) -> anyhow::Result<(Vec<Dependency>, Vec<SourceLocation>, Option<String>)> {
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
            // `<optional>` is not managed here (Maven's management injector skips it).
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
    Ok((dependencies, dependency_locations, invalid))
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
