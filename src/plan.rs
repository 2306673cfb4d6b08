//! The build plan: the command line, the manifest and the environment resolved once, up front,
//! into one immutable description of the build. Nothing is built or downloaded here except what
//! reading the manifest needs (a parent pom); `--dry-run` prints the plan and stops.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::Serialize;

use crate::error::Diagnostic;
use crate::manifest::rust::RustManifest;
use crate::maven::project::MavenProject;
use crate::maven::repository::RepositorySystem;
use crate::maven::resolve::ResolveRequest;
use crate::maven::{Artifact, Dependency, Scope};
use crate::resources::ResourceSet;
use crate::timestamp::Timestamp;

pub use crate::manifest::{Project, ProjectOptions};
pub use crate::storm::DEFAULT_STORM_VERSION;

/// What a caller may choose about a build, beyond what the project's manifest says.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub project: ProjectOptions,
    /// Rust target triples for the components (empty: the manifest's, else [`crate::target::DEFAULT_TARGET`]).
    pub targets: Vec<String>,
    /// Write the jar into this directory instead of the project's build directory.
    pub out_dir: Option<PathBuf>,
    /// The `--filter` properties file Flux will be given, so the build's topology check
    /// substitutes `${...}` the same way.
    pub flux_filter: Option<PathBuf>,
    /// Flux's `--env-filter`.
    pub flux_env_filter: bool,
}

impl BuildOptions {
    /// Default options for the project in `dir`.
    pub fn for_project(dir: impl Into<PathBuf>) -> BuildOptions {
        BuildOptions {
            project: ProjectOptions {
                project: dir.into(),
                ..ProjectOptions::default()
            },
            ..BuildOptions::default()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProjectKind {
    /// pom.xml only.
    Maven,
    /// Cargo.toml with `[package.metadata.stormpack]` (a pom.xml may add to it).
    Rust,
}

/// The Rust half of a plan.
#[derive(Debug, Clone, Serialize)]
pub struct RustPlan {
    pub manifest: RustManifest,
    pub targets: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BuildPlan {
    pub kind: ProjectKind,
    pub project_dir: PathBuf,
    pub group_id: String,
    pub artifact_id: String,
    pub version: String,
    pub output_dir: PathBuf,
    /// The deployable jar (`run`, `submit` and `check` use it); [`BuildPlan::packaging`] lists
    /// every jar the build writes.
    pub jar: PathBuf,
    /// The jars the build writes, as `mvn package` would (which plugins, which names).
    pub packaging: crate::packaging::Packaging,
    pub timestamp: String,
    pub timestamp_origin: &'static str,
    pub resources: Vec<ResourceSet>,
    /// The jar path Flux reads the topology from (`-R /<this>`), when the project has one.
    pub topology: Option<String>,
    pub storm_version: String,
    pub rust: Option<RustPlan>,
    /// The Java sources to compile (and test), if the project can have any.
    pub java: Option<crate::java::JavaPlan>,
    /// Declared dependencies, `g:a:type:version:scope`.
    pub dependencies: Vec<String>,
    pub local_repository: PathBuf,
    pub remote_repositories: Vec<String>,
    pub offline: bool,
    pub locked: bool,
    pub lockfile: PathBuf,
    /// Main-Class configured by the project (shade ManifestResourceTransformer); when unset,
    /// Flux's main class is used if flux-core is resolved into the jar.
    pub configured_main_class: Option<String>,
    /// The pom's maven-shade-plugin configuration, when it has one (`None`: today's defaults).
    #[serde(skip)]
    pub shade: Option<crate::shade::ShadeConfig>,
    /// The `--filter` properties file Flux will be given (`stormpack run --filter`), so the
    /// build's topology check substitutes `${...}` the same way.
    pub flux_filter: Option<PathBuf>,
    /// Flux's `--env-filter`.
    pub flux_env_filter: bool,
    #[serde(skip)]
    pub epoch: Timestamp,
    #[serde(skip)]
    pub filter_properties: BTreeMap<String, String>,
    /// maven-resources-plugin's delimiters, escape string and unfiltered extensions.
    pub filtering: crate::resources::Filtering,
    #[serde(skip)]
    pub pom_bytes: Vec<u8>,
    #[serde(skip)]
    pub request: ResolveRequest,
    #[serde(skip)]
    pub repos: RepositorySystem,
}

impl BuildPlan {
    /// Load the project `options` name and make its plan ([`Project::load`] + [`BuildPlan::new`]).
    pub fn resolve(options: &BuildOptions) -> anyhow::Result<BuildPlan> {
        BuildPlan::new(Project::load(&options.project)?, options)
    }

    /// The jar path of the topology, or the error for a project without one: what it was wanted
    /// for (`purpose`: "to submit", "for Flux to run") and how to declare one.
    pub fn required_topology(&self, purpose: &str) -> anyhow::Result<String> {
        self.topology.clone().with_context(|| {
            Diagnostic::new(format!(
                "{} has no topology {purpose}",
                self.project_dir.display()
            ))
            .fix(
                "add resources/topology.yaml (Maven) or \
                 `topology = \"topology.yaml\"` under [package.metadata.stormpack] (Cargo.toml)",
            )
        })
    }

    /// The plan for a loaded project, the caller's options and the environment.
    pub fn new(project: Project, options: &BuildOptions) -> anyhow::Result<BuildPlan> {
        let sde = std::env::var("SOURCE_DATE_EPOCH").ok();
        let Project {
            dir,
            repos,
            rust,
            pom,
            locked,
        } = project;
        let mut plan = match pom {
            Some(pom) => Self::from_pom(&dir, pom, rust, sde.as_deref(), &repos)?,
            None => {
                let rust = rust.context("a project without pom.xml has a Rust manifest")?;
                Self::from_cargo(&dir, rust, sde.as_deref(), &repos)?
            }
        };
        if let Some(rust) = plan.rust.as_mut() {
            if !options.targets.is_empty() {
                rust.targets = dedup(options.targets.clone());
            }
        }
        if let Some(out) = &options.out_dir {
            let out = if out.is_absolute() {
                out.clone()
            } else {
                std::env::current_dir()?.join(out)
            };
            plan.packaging.relocate(&plan.output_dir, &out);
            plan.jar = plan.packaging.deployable().path.clone();
            plan.output_dir = out;
        }
        // `stormpack verify`'s rebuild compiles the Java sources again, into its scratch
        // directory, instead of taking the first build's classes.
        if let (Some(java), Some(dir)) = (
            plan.java.as_mut(),
            std::env::var_os(crate::java::JAVA_OUTPUT_ENV),
        ) {
            java.relocate(Path::new(&dir));
        }
        // One home for offline mode: the repository system's, which includes settings.xml.
        plan.offline = repos.offline;
        plan.locked = locked;
        plan.flux_filter = options.flux_filter.clone();
        plan.flux_env_filter = options.flux_env_filter;
        Ok(plan)
    }

    fn from_pom(
        dir: &Path,
        pom: MavenProject,
        rust: Option<RustManifest>,
        sde: Option<&str>,
        repos: &RepositorySystem,
    ) -> anyhow::Result<BuildPlan> {
        let epoch = pom_epoch(&pom, sde)?;
        let resources = pom_resources(&pom);
        let storm_version = pom_storm_version(&pom, rust.as_ref());
        let request = pom_request(&pom);
        let plugin_props = plugin_properties(&pom, repos);
        let packaging = pom_packaging(&pom, &plugin_props, rust.is_some())?;
        let jar = packaging.deployable().path.clone();
        let topology = rust.as_ref().map(|r| topology_jar_path(&r.topology));
        let mut shade = crate::shade::config::from_lineage(&pom.build_layers, &plugin_props)?;
        if let Some(config) = shade.as_mut() {
            config.set_default_charset(|| crate::jvm::maven_default_charset(Some(&repos.local)))?;
        }
        let filtering = crate::resources::Filtering::from_pom(&pom.build_layers, &plugin_props)?;
        Ok(BuildPlan {
            kind: if rust.is_some() {
                ProjectKind::Rust
            } else {
                ProjectKind::Maven
            },
            project_dir: dir.to_path_buf(),
            group_id: pom.group_id.clone(),
            artifact_id: pom.artifact_id.clone(),
            version: pom.version.clone(),
            output_dir: pom.build_directory.clone(),
            jar,
            packaging,
            timestamp: epoch.rfc3339(),
            timestamp_origin: epoch.origin,
            resources,
            topology: topology.or_else(|| Some("topology.yaml".to_string())),
            storm_version,
            rust: rust.map(rust_plan),
            java: Some(crate::java::JavaPlan::from_pom(
                dir,
                &pom.build_directory,
                &pom.build_lineage,
                &pom.properties,
            )),
            dependencies: describe(&request.dependencies),
            local_repository: repos.local.clone(),
            remote_repositories: remotes(repos, &request),
            offline: false,
            locked: false,
            lockfile: dir.join("stormpack.lock"),
            configured_main_class: shade.as_ref().and_then(|s| s.main_class.clone()),
            shade,
            flux_filter: None,
            flux_env_filter: false,
            epoch,
            filter_properties: filter_properties(&pom, repos),
            filtering,
            pom_bytes: pom.pom_bytes.clone(),
            request,
            repos: repos.clone(),
        })
    }

    fn from_cargo(
        dir: &Path,
        rust: RustManifest,
        sde: Option<&str>,
        repos: &RepositorySystem,
    ) -> anyhow::Result<BuildPlan> {
        let epoch = Timestamp::decide(sde, None)?;
        let declared_at = format!(
            "{} [package.metadata.stormpack]",
            rust.manifest_path.display()
        );
        let topology_name = topology_jar_path(&rust.topology);
        let resources = cargo_resources(dir, &rust, &topology_name, &declared_at);
        let dependencies = rust_dependencies(&rust, &declared_at)?;
        let request = ResolveRequest {
            root: Artifact::new(&rust.group_id, &rust.artifact_id, &rust.version),
            dependencies,
            dependency_management: Vec::new(),
            repositories: Vec::new(),
        };
        let pom_bytes = generated_pom(&request.root, &request.dependencies).into_bytes();
        let output_dir = dir.join("target");
        let jar = output_dir.join(format!("{}-{}.jar", rust.artifact_id, rust.version));
        let mut filter_properties = BTreeMap::new();
        filter_properties.insert("project.version".to_string(), rust.version.clone());
        Ok(BuildPlan {
            kind: ProjectKind::Rust,
            project_dir: dir.to_path_buf(),
            group_id: rust.group_id.clone(),
            artifact_id: rust.artifact_id.clone(),
            version: rust.version.clone(),
            output_dir,
            packaging: crate::packaging::Packaging::single(jar.clone()),
            jar,
            timestamp: epoch.rfc3339(),
            timestamp_origin: epoch.origin,
            resources,
            topology: Some(topology_name),
            storm_version: rust.storm_version.clone(),
            dependencies: describe(&request.dependencies),
            local_repository: repos.local.clone(),
            remote_repositories: remotes(repos, &request),
            offline: false,
            locked: false,
            lockfile: dir.join("stormpack.lock"),
            configured_main_class: None,
            shade: None,
            flux_filter: None,
            flux_env_filter: false,
            java: rust.java_sources.as_ref().map(|sources| {
                crate::java::JavaPlan::from_dir(
                    dir,
                    &dir.join("target"),
                    sources,
                    &format!("{declared_at} java-sources"),
                )
            }),
            rust: Some(rust_plan(rust)),
            epoch,
            filter_properties,
            filtering: crate::resources::Filtering::default(),
            pom_bytes,
            request,
            repos: repos.clone(),
        })
    }

    /// The source file of the plan's topology (the resource set that puts it at its jar path),
    /// and whether that set filters it.
    pub fn topology_source(&self) -> Option<(PathBuf, bool)> {
        let jar_path = self.topology.as_deref()?;
        self.resources.iter().find_map(|set| {
            let prefix = set.target_path.trim_matches('/');
            let relative = if prefix.is_empty() {
                Some(jar_path)
            } else {
                jar_path.strip_prefix(prefix)?.strip_prefix('/')
            }?;
            let file = set.directory.join(relative);
            file.is_file().then_some((file, set.filtering))
        })
    }

    /// The jar paths of the project's Maven metadata, written right after the manifest.
    pub fn maven_metadata_paths(&self) -> (String, String) {
        let base = format!("META-INF/maven/{}/{}", self.group_id, self.artifact_id);
        (format!("{base}/pom.xml"), format!("{base}/pom.properties"))
    }

    /// A human-readable rendering for `--dry-run`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut line = |k: &str, v: String| out.push_str(&format!("{k:<14} {v}\n"));
        line(
            "project",
            format!("{} ({:?})", self.project_dir.display(), self.kind),
        );
        line(
            "coordinates",
            format!("{}:{}:{}", self.group_id, self.artifact_id, self.version),
        );
        line("jar", self.jar.display().to_string());
        if let Some(refused) = &self.packaging.refused {
            line(
                "refused",
                format!("a build stops here: {}", refused.message()),
            );
        }
        for other in self.packaging.jars.iter().filter(|j| j.path != self.jar) {
            line(
                "also writes",
                format!("{} ({:?})", other.path.display(), other.contents).to_lowercase(),
            );
        }
        line(
            "timestamp",
            format!("{} (from {})", self.timestamp, self.timestamp_origin),
        );
        line("storm", self.storm_version.clone());
        if let Some(t) = &self.topology {
            line("topology", format!("/{t}"));
        }
        for r in &self.resources {
            line("resources", render_resource_set(r));
        }
        if let Some(rust) = &self.rust {
            line("components", render_components(rust));
        }
        if let Some(java) = &self.java {
            line("java", render_java(java));
        }
        for d in &self.dependencies {
            line("dependency", d.clone());
        }
        line("local repo", self.local_repository.display().to_string());
        for r in &self.remote_repositories {
            line("repository", r.clone());
        }
        line(
            "mode",
            format!("offline={} locked={}", self.offline, self.locked),
        );
        out
    }
}

/// A resource set in `--dry-run`: where from, where to, which files, and where it was declared.
fn render_resource_set(r: &ResourceSet) -> String {
    format!(
        "{} -> /{} includes={:?} excludes={:?} filtering={} ({})",
        r.directory.display(),
        r.target_path,
        r.includes,
        r.excludes,
        r.filtering,
        r.declared_at
    )
}

/// The Rust components in `--dry-run`, and the targets they are built for.
fn render_components(rust: &RustPlan) -> String {
    format!(
        "{} for {}",
        rust.manifest.components.join(", "),
        rust.targets.join(", ")
    )
}

/// The Java compile in `--dry-run`: sources, classes, javac's options and where they come from.
fn render_java(java: &crate::java::JavaPlan) -> String {
    format!(
        "{} -> {} javac {} ({})",
        java.source_dir.display(),
        java.classes_dir.display(),
        java.options.javac_args(false).join(" "),
        java.options.declared_at
    )
}

/// The archive timestamp of a pom's build: SOURCE_DATE_EPOCH wins; only an outputTimestamp
/// error is the pom's.
fn pom_epoch(pom: &MavenProject, sde: Option<&str>) -> anyhow::Result<Timestamp> {
    if sde.is_some_and(|s| !s.trim().is_empty()) {
        Timestamp::decide(sde, None)
    } else {
        Timestamp::decide(None, pom.output_timestamp.as_deref())
            .with_context(|| format!("in {}", pom.pom_path.display()))
    }
}

/// The pom's resource sets, each saying where it was declared.
fn pom_resources(pom: &MavenProject) -> Vec<ResourceSet> {
    pom.resources
        .iter()
        // Maven skips its default src/main/resources when the project has none; only a
        // declared directory that does not exist is an error.
        .filter(|r| r.location.is_some() || r.directory.is_dir())
        .map(|r| ResourceSet {
            directory: r.directory.clone(),
            includes: r.includes.clone(),
            excludes: r.excludes.clone(),
            target_path: r.target_path.clone().unwrap_or_default(),
            filtering: r.filtering,
            declared_at: match &r.location {
                Some(loc) => format!("<resource> at {loc}"),
                None => format!(
                    "Maven's default resource directory {} (no <resources> in {})",
                    r.declared_directory,
                    pom.pom_path.display()
                ),
            },
        })
        .collect()
}

/// The Storm the cluster runs: the version of Storm's own API the project compiles against
/// (storm-client/-core/-server), else Flux's, else the Rust manifest's, else the default.
fn pom_storm_version(pom: &MavenProject, rust: Option<&RustManifest>) -> String {
    ["storm-client", "storm-core", "storm-server", "flux-core"]
        .iter()
        .find_map(|name| {
            pom.dependencies
                .iter()
                .chain(&pom.dependency_management)
                .find(|d| {
                    d.artifact.group_id == "org.apache.storm" && d.artifact.artifact_id == *name
                })
        })
        .map(|d| d.artifact.version.clone())
        .or_else(|| rust.map(|r| r.storm_version.clone()))
        .unwrap_or_else(|| DEFAULT_STORM_VERSION.to_string())
}

/// What resolving a pom's dependencies asks for.
fn pom_request(pom: &MavenProject) -> ResolveRequest {
    ResolveRequest {
        // The packaging is the root's type, as dependency:tree prints it.
        root: Artifact {
            kind: pom.packaging.clone(),
            ..Artifact::new(&pom.group_id, &pom.artifact_id, &pom.version)
        },
        dependencies: pom.dependencies.clone(),
        dependency_management: pom.dependency_management.clone(),
        repositories: pom.repositories.clone(),
    }
}

/// A Rust-first project's resource sets: its topology file, put at the jar's root, then the
/// `resources` globs of `[package.metadata.stormpack]`, if any.
fn cargo_resources(
    dir: &Path,
    rust: &RustManifest,
    topology_name: &str,
    declared_at: &str,
) -> Vec<ResourceSet> {
    let topology_file = dir.join(&rust.topology);
    let topology_dir = topology_file
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| dir.to_path_buf());
    let mut resources = vec![ResourceSet {
        directory: topology_dir,
        includes: vec![topology_name.to_string()],
        excludes: Vec::new(),
        target_path: String::new(),
        filtering: false,
        declared_at: format!("{declared_at} topology"),
    }];
    if !rust.resources.is_empty() {
        resources.push(ResourceSet {
            directory: dir.to_path_buf(),
            includes: rust.resources.clone(),
            excludes: vec!["target/**".to_string()],
            target_path: String::new(),
            filtering: false,
            declared_at: format!("{declared_at} resources"),
        });
    }
    resources
}

/// The jars a pom's build writes ([`crate::packaging`]); a Rust-first project is packaged by
/// stormpack: one uber jar.
fn pom_packaging(
    pom: &MavenProject,
    properties: &BTreeMap<String, String>,
    rust_first: bool,
) -> anyhow::Result<crate::packaging::Packaging> {
    let main = pom.build_directory.join(format!("{}.jar", pom.final_name));
    if rust_first {
        return Ok(crate::packaging::Packaging::single(main));
    }
    crate::packaging::Packaging::decide_or_refuse(
        &pom.build_layers,
        &crate::packaging::ProjectFacts {
            artifact_id: &pom.artifact_id,
            version: &pom.version,
            final_name: &pom.final_name,
            build_directory: &pom.build_directory,
            properties,
            name: &pom.name,
            organization: pom.organization.as_deref(),
            inception_year: pom.inception_year.as_deref(),
        },
    )
}

/// A `--storm-version` value names a directory of the local repository: it must be a version as
/// Maven accepts it (no `..`, no path separators).
pub fn check_storm_version(version: &str) -> anyhow::Result<()> {
    crate::maven::coord::check_file_component(version).map_err(|reason| {
        Diagnostic::new(format!(
            "--storm-version `{}` is not a Maven version: it {reason}",
            crate::maven::coord::escape(version)
        ))
        .fix(format!(
            "pass a Storm release such as {DEFAULT_STORM_VERSION}"
        ))
        .into()
    })
}

/// What `${...}` in plugin configuration resolves to, in Maven's order: user properties
/// (`-D`), then the model's properties and `project.*`, then the JVM's system properties and
/// `env.*`.
fn plugin_properties(
    pom: &crate::maven::project::MavenProject,
    repos: &RepositorySystem,
) -> BTreeMap<String, String> {
    let mut props = crate::maven::environment::Environment::detect(Some(&repos.local)).system;
    props.extend(pom.properties.clone());
    props.extend(repos.user_properties.clone());
    props
}

/// What `${...}` in a filtered resource resolves to, in maven-filtering's order: the model's
/// properties (and `project.*`), then the JVM's system properties (with `env.*`), then user
/// properties (`-D`), each over the one before.
fn filter_properties(
    pom: &crate::maven::project::MavenProject,
    repos: &RepositorySystem,
) -> BTreeMap<String, String> {
    let mut props = pom.properties.clone();
    props.extend(crate::maven::environment::Environment::detect(Some(&repos.local)).system);
    props.extend(repos.user_properties.clone());
    props
}

fn rust_plan(manifest: RustManifest) -> RustPlan {
    // The manifest never has an empty list: it defaults to target::DEFAULT_TARGET.
    let targets = dedup(manifest.targets.clone());
    RustPlan { manifest, targets }
}

fn dedup(mut v: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    v.retain(|t| seen.insert(t.clone()));
    v
}

fn topology_jar_path(topology: &Path) -> String {
    topology
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "topology.yaml".to_string())
}

fn describe(deps: &[Dependency]) -> Vec<String> {
    deps.iter()
        .map(|d| {
            format!(
                "{}:{}{}",
                d.artifact,
                d.scope.unwrap_or(Scope::Compile),
                if d.optional { " (optional)" } else { "" }
            )
        })
        .collect()
}

fn remotes(repos: &RepositorySystem, request: &ResolveRequest) -> Vec<String> {
    request
        .repositories
        .iter()
        .chain(&repos.remotes)
        .map(|r| format!("{} {}", r.id, r.url))
        .collect()
}

/// A Rust-first project's Maven dependencies: as declared, else Flux and its wrappers at the
/// project's Storm version; Storm's client API is always there as `provided` (it is on the
/// cluster), so the topology check can see its classes.
fn rust_dependencies(rust: &RustManifest, declared_at: &str) -> anyhow::Result<Vec<Dependency>> {
    let mut deps = Vec::new();
    let declared: Vec<String> = if rust.dependencies.is_empty() {
        ["flux-core", "flux-wrappers"]
            .iter()
            .map(|a| format!("org.apache.storm:{a}:{}", rust.storm_version))
            .collect()
    } else {
        rust.dependencies.clone()
    };
    for coord in &declared {
        let parts: Vec<&str> = coord.split(':').collect();
        let (g, a, v, scope) = match parts.as_slice() {
            [g, a, v] => (*g, *a, *v, Scope::Compile),
            [g, a, v, s] => (
                *g,
                *a,
                *v,
                Scope::parse(s).with_context(|| {
                    Diagnostic::new(format!(
                        "unknown scope `{s}` in dependency `{coord}` ({declared_at})"
                    ))
                    .fix("use compile, runtime or provided")
                })?,
            ),
            _ => bail!(Diagnostic::new(format!(
                "dependency `{coord}` is not `groupId:artifactId:version[:scope]` ({declared_at})"
            ))
            .fix("write it like \"org.apache.storm:flux-core:2.8.3\"")),
        };
        if [g, a, v].iter().any(|s| s.trim().is_empty()) {
            bail!(Diagnostic::new(format!(
                "dependency `{coord}` has an empty part ({declared_at})"
            ))
            .fix("write it like \"org.apache.storm:flux-core:2.8.3\""));
        }
        let mut d = Dependency::compile(Artifact::new(g, a, v));
        d.scope = Some(scope);
        deps.push(d);
    }
    if !deps.iter().any(|d| {
        d.artifact.group_id == "org.apache.storm" && d.artifact.artifact_id == "storm-client"
    }) {
        let mut client = Dependency::compile(Artifact::new(
            "org.apache.storm",
            "storm-client",
            &rust.storm_version,
        ));
        client.scope = Some(Scope::Provided);
        deps.push(client);
    }
    Ok(deps)
}

/// The pom.xml shipped in a Rust-first project's jar (META-INF/maven/...): its coordinates and
/// dependencies, so tools that read jar metadata see what it is.
fn generated_pom(root: &Artifact, deps: &[Dependency]) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- Generated by stormpack from Cargo.toml [package.metadata.stormpack]. -->\n\
         <project xmlns=\"http://maven.apache.org/POM/4.0.0\">\n  <modelVersion>4.0.0</modelVersion>\n",
    );
    s.push_str(&format!(
        "  <groupId>{}</groupId>\n  <artifactId>{}</artifactId>\n  <version>{}</version>\n  <packaging>jar</packaging>\n  <dependencies>\n",
        xml_escape(&root.group_id),
        xml_escape(&root.artifact_id),
        xml_escape(&root.version)
    ));
    for d in deps {
        s.push_str(&format!(
            "    <dependency>\n      <groupId>{}</groupId>\n      <artifactId>{}</artifactId>\n      <version>{}</version>\n      <scope>{}</scope>\n    </dependency>\n",
            xml_escape(&d.artifact.group_id),
            xml_escape(&d.artifact.artifact_id),
            xml_escape(&d.artifact.version),
            d.scope.unwrap_or(Scope::Compile)
        ));
    }
    s.push_str("  </dependencies>\n</project>\n");
    s
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
