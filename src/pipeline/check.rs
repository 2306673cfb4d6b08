//! The topology check, as the build's last stage ([`topology_stage`], against the jar just
//! written) and on its own ([`check`], what `stormpack check` runs): find the topology and the
//! jar, look classes up in the jar, storm-client and the JDK, read `resources/` from the jar.
//! Both run the same checks ([`check_against_jar`]).

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::error::Diagnostic as Error;
use crate::maven::resolve::Resolution;
use crate::plan::{BuildOptions, BuildPlan, ProjectOptions, DEFAULT_STORM_VERSION};
use crate::report::{Event, Reporter};
use crate::staging::{EntrySource, Staging};
use crate::topology::classpath::{ClassLookup, JarIndex};
use crate::topology::{self, CheckContext, Diagnostic, Resource, Severity};

/// Where a project keeps its topology, in the order they are tried.
const TOPOLOGY_CANDIDATES: &[&str] = &[
    "topology.yaml",
    "resources/topology.yaml",
    "src/main/resources/topology.yaml",
];

/// What `stormpack check` may be told.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    pub project: ProjectOptions,
    /// The topology file (default: the project's).
    pub topology: Option<PathBuf>,
    /// The jar to check against (default: the project's built jar).
    pub jar: Option<PathBuf>,
    /// The Storm version whose storm-client provides the runtime classes.
    pub storm_version: Option<String>,
    /// Flux's `--filter` properties file.
    pub filter: Option<PathBuf>,
    /// Flux's `--env-filter`.
    pub env_filter: bool,
    /// Also render the topology graph in Graphviz DOT.
    pub dot: bool,
}

/// What a check found.
#[derive(Debug, Clone)]
pub struct CheckReport {
    /// The topology file checked.
    pub topology: PathBuf,
    /// What could not be checked and why (`note: ...` lines).
    pub notes: Vec<String>,
    pub diagnostics: Vec<Diagnostic>,
    /// The DOT graph, when asked for.
    pub dot: Option<String>,
}

impl CheckReport {
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    /// `checked <file>: N errors, M warnings`.
    pub fn summary(&self) -> String {
        let errors = self.errors();
        let warnings = self.diagnostics.len() - errors;
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        format!(
            "checked {}: {}, {}",
            self.topology.display(),
            plural(errors, "error"),
            plural(warnings, "warning")
        )
    }
}

/// Check a project's topology (or the one `options` names) against its jar.
pub fn check(options: &CheckOptions) -> anyhow::Result<CheckReport> {
    if let Some(version) = &options.storm_version {
        crate::plan::check_storm_version(version)?;
    }
    let project = &options.project.project;
    let mut notes = Vec::new();
    let plan = project_plan(&options.project, &mut notes);
    let plan_topology = plan.as_ref().and_then(BuildPlan::topology_source);
    let topology = match (&options.topology, &plan_topology) {
        (Some(file), _) => find_topology(project, Some(file))?,
        (None, Some((file, _))) => file.clone(),
        (None, None) => find_topology(project, None)?,
    };
    let jar = match (&options.jar, &plan) {
        (Some(jar), _) => Some(jar.clone()),
        (None, Some(plan)) => plan.jar.is_file().then(|| plan.jar.clone()),
        (None, None) => find_jar(project)?,
    };
    let index = jar.as_deref().map(JarIndex::read).transpose()?;
    let runtime = match &index {
        Some(_) => storm_runtime(options, plan.as_ref(), &mut notes)?,
        None => {
            notes.push(no_jar_note(project, plan.as_ref()));
            None
        }
    };
    // A topology the project Maven-filters is checked filtered, as `build` stages and checks
    // it, with diagnostics naming its source file.
    let filtered = match (&options.topology, &plan, plan_topology) {
        (None, Some(plan), Some((file, true))) if file == topology => {
            Some(filtered_topology(&file, plan)?)
        }
        _ => None,
    };
    let text = filtered.as_deref();
    let filter = (options.filter.clone(), options.env_filter);
    let (diagnostics, dot) = match &index {
        Some(index) => check_against_jar(
            &topology,
            text,
            index,
            runtime.as_ref(),
            filter,
            options.dot,
        )?,
        None => {
            let ctx = CheckContext::bare().with_filter(filter.0, filter.1);
            run_checks(&topology, text, &ctx, options.dot)?
        }
    };
    Ok(CheckReport {
        topology,
        notes,
        diagnostics,
        dot,
    })
}

/// The note `check` prints when there is no jar to check against: where it looked.
fn no_jar_note(project: &Path, plan: Option<&BuildPlan>) -> String {
    let expected = plan.map_or_else(|| project.join("target"), |p| p.jar.clone());
    format!(
        "note: no jar at {}: class and resources/ checks skipped; run `stormpack build` first (or pass --jar FILE)",
        expected.display()
    )
}

/// A topology the project Maven-filters, read and filtered with the pom's `properties` as
/// `build` stages it; a property the pom could not expand is an error naming file and line.
fn filtered_topology(file: &Path, plan: &BuildPlan) -> anyhow::Result<String> {
    let properties = &plan.filter_properties;
    let bytes = crate::fsread::read_regular(file, crate::fsread::MAX_TEXT_FILE)?;
    if let Some((key, line)) = crate::resources::unexpanded_reference(&bytes, properties) {
        anyhow::bail!(Error::new(format!(
            "{}:{line}: `{key}` cannot be filtered in: the pom could not expand its value \
             (properties that repeat other properties past 1 MiB, or that refer to each \
             other in a cycle)",
            file.display()
        ))
        .fix(format!(
            "give `{key}` (or the properties it refers to) a shorter, literal value in the pom"
        )));
    }
    let bytes = crate::resources::filter(&bytes, properties, &plan.filtering);
    String::from_utf8(bytes).with_context(|| {
        Error::new(format!("the topology {} is not UTF-8", file.display())).fix("save it as UTF-8")
    })
}

/// storm-client's classes for `check`: from `--maven-repo-local`, else the plan's local
/// repository, else ~/.m2; a note when it is not there.
fn storm_runtime(
    options: &CheckOptions,
    plan: Option<&BuildPlan>,
    notes: &mut Vec<String>,
) -> anyhow::Result<Option<JarIndex>> {
    let storm_version = options
        .storm_version
        .clone()
        .or_else(|| plan.map(|p| p.storm_version.clone()))
        .unwrap_or_else(|| DEFAULT_STORM_VERSION.to_string());
    let repo = match (&options.project.maven_repo_local, plan) {
        (Some(repo), _) => repo.clone(),
        (None, Some(plan)) => plan.local_repository.clone(),
        (None, None) => default_local_repository(),
    };
    let client = crate::storm::storm_client_jar(&repo, &storm_version);
    if client.is_file() {
        return Ok(Some(JarIndex::read(&client)?));
    }
    notes.push(format!(
        "note: {} is not in the local repository: classes of Storm's runtime (org.apache.storm.*) are assumed present",
        client.display()
    ));
    Ok(None)
}

/// The build's check stage: the topology (Maven-filtered as staged) against the jar just
/// written (`jar`), storm-client as resolved (else from the local repository) and Flux's filter
/// as `run` will pass it. Findings go to the reporter; errors fail the build. Returns the
/// warnings' text.
pub(super) fn topology_stage(
    plan: &BuildPlan,
    staging: &Staging,
    jar: &Path,
    resolution: &Resolution,
    reporter: &mut dyn Reporter,
) -> anyhow::Result<Vec<String>> {
    let Some(topology) = &plan.topology else {
        return Ok(Vec::new());
    };
    let Some(entry) = staging.get(topology) else {
        if plan.rust.is_some() {
            anyhow::bail!(Error::new(format!(
                "the topology `{topology}` named in Cargo.toml is not in the jar"
            ))
            .fix("check `topology` in [package.metadata.stormpack]"));
        }
        reporter.report(Event::Note(Error::new(format!(
            "no /{topology} in the jar, so no topology was checked"
        ))));
        return Ok(Vec::new());
    };
    let (source, text) = match &entry.source {
        EntrySource::File(path) => (path.clone(), None),
        EntrySource::Bytes(bytes) => {
            let source = plan
                .topology_source()
                .map_or_else(|| plan.project_dir.join(topology), |(file, _)| file);
            let text = String::from_utf8(bytes.clone()).with_context(|| {
                Error::new(format!(
                    "the filtered topology {} is not UTF-8",
                    source.display()
                ))
                .fix("save it as UTF-8")
            })?;
            (source, Some(text))
        }
    };
    let index = JarIndex::read(jar)?;
    let runtime = storm_client(plan, resolution)
        .map(|client| JarIndex::read(&client))
        .transpose()?;
    let filter = (plan.flux_filter.clone(), plan.flux_env_filter);
    let (diagnostics, _) = check_against_jar(
        &source,
        text.as_deref(),
        &index,
        runtime.as_ref(),
        filter,
        false,
    )?;
    report_findings(plan, diagnostics, reporter)
}

/// storm-client as resolved, else where the local repository keeps the plan's version.
fn storm_client(plan: &BuildPlan, resolution: &Resolution) -> Option<PathBuf> {
    resolution
        .artifacts
        .iter()
        .find(|a| {
            a.artifact.group_id == crate::storm::GROUP
                && a.artifact.artifact_id == "storm-client"
                && a.artifact.classifier.is_none()
                && a.file.is_file()
        })
        .map(|a| a.file.clone())
        .or_else(|| {
            let client =
                crate::storm::storm_client_jar(&plan.local_repository, &plan.storm_version);
            client.is_file().then_some(client)
        })
}

/// Every finding to the reporter; an error if any is an error, else the warnings' text.
fn report_findings(
    plan: &BuildPlan,
    diagnostics: Vec<Diagnostic>,
    reporter: &mut dyn Reporter,
) -> anyhow::Result<Vec<String>> {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let mut warnings = Vec::new();
    for d in diagnostics {
        if d.severity == Severity::Warning {
            warnings.push(d.to_string());
        }
        reporter.report(Event::Finding(d));
    }
    if errors > 0 {
        // A pom without shade or assembly gets maven-jar-plugin's jar: no dependency is in it.
        let fix = if plan.packaging.uber().is_none() && !plan.request.dependencies.is_empty() {
            "correct the topology; or, if the missing classes come from dependencies, put them \
             into the jar: this pom binds neither maven-shade-plugin's shade goal nor \
             maven-assembly-plugin's jar-with-dependencies, so its jar is maven-jar-plugin's, \
             the project's own classes and resources only"
        } else {
            "correct the topology, or run `stormpack check` to see the findings again"
        };
        anyhow::bail!(Error::new(format!(
            "the topology has {errors} error(s) (listed above); {} was not changed",
            plan.jar.display()
        ))
        .fix(fix));
    }
    Ok(warnings)
}

/// Check (the file's own text unless `text` is given), and with `dot` render the graph.
fn run_checks(
    topology: &Path,
    text: Option<&str>,
    ctx: &CheckContext<'_>,
    dot: bool,
) -> anyhow::Result<(Vec<Diagnostic>, Option<String>)> {
    let diags = topology::check_text(topology, text, ctx)?;
    let graph = if dot {
        Some(topology::to_dot_text(topology, text, ctx)?)
    } else {
        None
    };
    Ok((diags, graph))
}

/// The checks `check` and `build` share: `topology` against the jar's entries, with Storm's
/// provided runtime (storm-client's classes) when known and the JDK's classes.
fn check_against_jar(
    topology: &Path,
    text: Option<&str>,
    index: &JarIndex,
    runtime: Option<&JarIndex>,
    (filter, env_filter): (Option<PathBuf>, bool),
    dot: bool,
) -> anyhow::Result<(Vec<Diagnostic>, Option<String>)> {
    let lookup = ClassLookup::new(index, runtime);
    let exists = |name: &str| lookup.exists(name);
    let read = |entry: &str| jar_resource(index, entry);
    let ctx = CheckContext::with_jar(&index.entries, &exists, &read)
        .with_filter(filter, env_filter)
        .with_class_names(&lookup.classes);
    run_checks(topology, text, &ctx, dot)
}

fn jar_resource(index: &JarIndex, entry: &str) -> Option<Resource> {
    let text = index.read_text(entry)?;
    Some((
        PathBuf::from(format!("{}!/{entry}", index.path.display())),
        text,
    ))
}

fn find_topology(project: &Path, explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
    let not_regular = |path: &Path| -> anyhow::Result<()> {
        if path.exists() && !path.is_file() {
            if let Err(e) = crate::fsread::open_regular(path) {
                anyhow::bail!("the topology {}: {e}", path.display());
            }
        }
        Ok(())
    };
    if let Some(file) = explicit {
        not_regular(file)?;
        if !file.is_file() {
            anyhow::bail!(
                Error::new(format!("the topology {} does not exist", file.display())).fix(
                    "correct the --topology path (a relative path starts in the current directory)"
                )
            );
        }
        return Ok(file.to_path_buf());
    }
    for candidate in TOPOLOGY_CANDIDATES {
        let path = project.join(candidate);
        not_regular(&path)?;
        if path.is_file() {
            return Ok(path);
        }
    }
    let tried: Vec<String> = TOPOLOGY_CANDIDATES
        .iter()
        .map(|c| project.join(c).display().to_string())
        .collect();
    anyhow::bail!(Error::new(format!("no topology found (tried {})", tried.join(", ")))
        .fix("pass it with --topology FILE, or run check in the project's directory (or pass --project DIR)"))
}

/// The jar in `<project>/target/`: the only `*.jar` there that is not a by-product
/// (`original-*`, `-sources`, `-javadoc`, `-tests`). Several candidates is an error asking for --jar.
fn find_jar(project: &Path) -> anyhow::Result<Option<PathBuf>> {
    let target = project.join("target");
    let Ok(entries) = std::fs::read_dir(&target) else {
        return Ok(None);
    };
    let mut jars: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.ends_with(".jar")
                && !name.starts_with("original-")
                && !["-sources.jar", "-javadoc.jar", "-tests.jar"]
                    .iter()
                    .any(|s| name.ends_with(s))
        })
        .collect();
    jars.sort();
    match jars.len() {
        0 => Ok(None),
        1 => Ok(jars.pop()),
        _ => {
            let names: Vec<String> = jars.iter().map(|j| j.display().to_string()).collect();
            anyhow::bail!(
                "several jars in {}: {}; pass the one to check with --jar FILE",
                target.display(),
                names.join(", ")
            )
        }
    }
}

fn default_local_repository() -> PathBuf {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    home.join(".m2/repository")
}

/// The project's build plan (jar path, Storm version, local repository, resource sets), when
/// the project has a manifest stormpack can read. A manifest that does not load is a note, not
/// a failure: the topology can still be checked.
fn project_plan(project: &ProjectOptions, notes: &mut Vec<String>) -> Option<BuildPlan> {
    let dir = &project.project;
    if !dir.join("pom.xml").exists() && !dir.join("Cargo.toml").exists() {
        return None;
    }
    let options = BuildOptions {
        project: project.clone(),
        ..BuildOptions::default()
    };
    match BuildPlan::resolve(&options) {
        Ok(plan) => Some(plan),
        Err(err) => {
            notes.push(format!(
                "note: the project manifest could not be read ({}); looking for the jar in {}",
                err.to_string().lines().next().unwrap_or(""),
                dir.join("target").display()
            ));
            None
        }
    }
}
