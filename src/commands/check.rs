//! `stormpack check`: find the topology and the built jar, run the topology checks, print
//! `file:line:col: error: message` / `  fix: ...` on stderr, exit 1 on any error. `--dot` prints
//! the graph on stdout instead. `build` reuses [`check_jar`] and [`report`].

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::cli::{BuildArgs, CheckArgs};
use crate::plan::{BuildPlan, DEFAULT_STORM_VERSION};
use crate::topology::classpath::{self, ClassLookup, JarIndex};
use crate::topology::{self, CheckContext, Diagnostic, Resource};

/// Where a project keeps its topology, in the order they are tried.
const TOPOLOGY_CANDIDATES: &[&str] = &[
    "topology.yaml",
    "resources/topology.yaml",
    "src/main/resources/topology.yaml",
];

pub fn run(args: &CheckArgs) -> anyhow::Result<i32> {
    if let Some(version) = &args.storm_version {
        check_storm_version(version)?;
    }
    let project = &args.project.project;
    let mut notes = Vec::new();
    let plan = project_plan(args, &mut notes);
    let topology = match (&args.topology, &plan) {
        (Some(file), _) => find_topology(project, Some(file))?,
        (None, Some(plan)) => match plan_topology(plan) {
            Some((file, _)) => file,
            None => find_topology(project, None)?,
        },
        (None, None) => find_topology(project, None)?,
    };
    let jar = match (&args.jar, &plan) {
        (Some(jar), _) => Some(jar.clone()),
        (None, Some(plan)) => plan.jar.is_file().then(|| plan.jar.clone()),
        (None, None) => find_jar(project)?,
    };
    let index = jar.as_deref().map(JarIndex::read).transpose()?;
    let runtime = match &index {
        Some(_) => {
            let storm_version = args
                .storm_version
                .clone()
                .or_else(|| plan.as_ref().map(|p| p.storm_version.clone()))
                .unwrap_or_else(|| DEFAULT_STORM_VERSION.to_string());
            let repo = match (&args.project.maven_repo_local, &plan) {
                (Some(repo), _) => repo.clone(),
                (None, Some(plan)) => plan.local_repository.clone(),
                (None, None) => default_local_repository(),
            };
            match storm_runtime_jar(&repo, &storm_version) {
                Ok(client) => Some(JarIndex::read(&client)?),
                Err(missing) => {
                    notes.push(format!(
                        "note: {} is not in the local repository: classes of Storm's runtime (org.apache.storm.*) are assumed present",
                        missing.display()
                    ));
                    None
                }
            }
        }
        None => {
            let expected = plan
                .as_ref()
                .map_or_else(|| project.join("target"), |p| p.jar.clone());
            notes.push(format!(
                "note: no jar at {}: class and resources/ checks skipped; run `stormpack build` first (or pass --jar FILE)",
                expected.display()
            ));
            None
        }
    };
    // A topology the project Maven-filters is checked filtered, as `build` stages and checks
    // it, with diagnostics naming its source file.
    let filtered = match (&args.topology, &plan) {
        (None, Some(plan)) => match plan_topology(plan) {
            Some((file, true)) if file == topology => {
                let bytes = fs_err::read(&file)?;
                let bytes = crate::resources::filter(&bytes, &plan.filter_properties);
                Some(String::from_utf8(bytes).with_context(|| {
                    crate::error::Diagnostic::new(format!(
                        "the topology {} is not UTF-8",
                        file.display()
                    ))
                    .fix("save it as UTF-8")
                })?)
            }
            _ => None,
        },
        _ => None,
    };
    let text = filtered.as_deref();
    let diags = match &index {
        Some(index) => check_against_jar(
            &topology,
            text,
            index,
            runtime.as_ref(),
            args.filter.clone(),
            args.env_filter,
            args.dot,
        )?,
        None => {
            let ctx = CheckContext::bare().with_filter(args.filter.clone(), args.env_filter);
            run_checks(&topology, text, &ctx, args.dot)?
        }
    };
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    for note in &notes {
        writeln!(err, "{note}")?;
    }
    let (errors, _) = report(&diags, &mut err)?;
    if !args.dot {
        writeln!(err, "{}", summary(&topology, &diags))?;
    }
    Ok(if errors > 0 { 1 } else { 0 })
}

/// Check (the file's own text unless `text` is given), and with `dot` print the graph on stdout.
fn run_checks(
    topology: &Path,
    text: Option<&str>,
    ctx: &CheckContext<'_>,
    dot: bool,
) -> anyhow::Result<Vec<Diagnostic>> {
    let diags = topology::check_text(topology, text, ctx)?;
    if dot {
        let graph = topology::to_dot_text(topology, text, ctx)?;
        std::io::stdout().lock().write_all(graph.as_bytes())?;
    }
    Ok(diags)
}

/// The checks `check` and `build` share: `topology` against the jar's entries, with Storm's
/// provided runtime (storm-client's classes) when known and the JDK's classes.
fn check_against_jar(
    topology: &Path,
    text: Option<&str>,
    index: &JarIndex,
    runtime: Option<&JarIndex>,
    filter: Option<PathBuf>,
    env_filter: bool,
    dot: bool,
) -> anyhow::Result<Vec<Diagnostic>> {
    let lookup = ClassLookup::new(index, runtime);
    let exists = |name: &str| lookup.exists(name);
    let read = |entry: &str| jar_resource(index, entry);
    let ctx = CheckContext::with_jar(&index.entries, &exists, &read)
        .with_filter(filter, env_filter)
        .with_class_names(&lookup.classes);
    run_checks(topology, text, &ctx, dot)
}

/// A `--storm-version` value names a directory of the local repository: it must be a version as
/// Maven accepts it (no `..`, no path separators).
pub fn check_storm_version(version: &str) -> anyhow::Result<()> {
    crate::maven::coord::check_file_component(version).map_err(|reason| {
        crate::error::Diagnostic::new(format!(
            "--storm-version `{}` is not a Maven version: it {reason}",
            crate::maven::coord::escape(version)
        ))
        .fix(format!(
            "pass a Storm release such as {DEFAULT_STORM_VERSION}"
        ))
        .into()
    })
}

/// storm-client's jar in the local repository, or the path where it was expected.
pub fn storm_runtime_jar(local_repository: &Path, storm_version: &str) -> Result<PathBuf, PathBuf> {
    let client = classpath::storm_client_jar(local_repository, storm_version);
    if client.is_file() {
        Ok(client)
    } else {
        Err(client)
    }
}

fn jar_resource(index: &JarIndex, entry: &str) -> Option<Resource> {
    let text = index.read_text(entry)?;
    Some((
        PathBuf::from(format!("{}!/{entry}", index.path.display())),
        text,
    ))
}

/// For `build` (and `run`): check `topology` (or its Maven-filtered `text`) against the jar
/// just written, with storm-client's classes as the provided runtime when its jar is given and
/// Flux's `--filter`/`--env-filter` as the run will pass them — the same checks `stormpack
/// check` runs. Errors fail the build.
pub fn check_jar(
    topology: &Path,
    text: Option<&str>,
    jar: &Path,
    storm_client: Option<&Path>,
    filter: Option<PathBuf>,
    env_filter: bool,
) -> anyhow::Result<Vec<Diagnostic>> {
    let index = JarIndex::read(jar)?;
    let runtime = storm_client.map(JarIndex::read).transpose()?;
    check_against_jar(
        topology,
        text,
        &index,
        runtime.as_ref(),
        filter,
        env_filter,
        false,
    )
}

/// Print each diagnostic; returns (errors, warnings).
pub fn report(diags: &[Diagnostic], out: &mut dyn Write) -> std::io::Result<(usize, usize)> {
    for diag in diags {
        writeln!(out, "{diag}")?;
    }
    let errors = diags.iter().filter(|d| d.is_error()).count();
    Ok((errors, diags.len() - errors))
}

fn summary(topology: &Path, diags: &[Diagnostic]) -> String {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "checked {}: {}, {}",
        topology.display(),
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

pub fn find_topology(project: &Path, explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
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
                "the topology {} does not exist; fix the --topology path",
                file.display()
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
    anyhow::bail!(
        "no topology found (tried {}); pass it with --topology FILE",
        tried.join(", ")
    )
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
fn project_plan(args: &CheckArgs, notes: &mut Vec<String>) -> Option<BuildPlan> {
    let dir = &args.project.project;
    if !dir.join("pom.xml").is_file() && !dir.join("Cargo.toml").is_file() {
        return None;
    }
    let build = BuildArgs {
        project: args.project.clone(),
        targets: Vec::new(),
        json: false,
        dry_run: true,
        out_dir: None,
    };
    match BuildPlan::resolve(&build) {
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

/// The source file of the plan's topology (the resource set that puts it at its jar path), and
/// whether that set filters it.
pub fn plan_topology(plan: &BuildPlan) -> Option<(PathBuf, bool)> {
    let jar_path = plan.topology.as_deref()?;
    plan.resources.iter().find_map(|set| {
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
