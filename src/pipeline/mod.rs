//! The build pipeline, in one place and in the order it runs:
//!
//! project -> plan ([`crate::plan`], before this) -> [`resolve`] -> [`compile`] -> [`stage`] ->
//! [`shade`] -> [`write_jar`] -> [`check`](check::topology_stage) -> [`finish`].
//!
//! Each stage is a function that takes what earlier stages produced and returns what later ones
//! need; [`build`] calls them in order and announces each through the [`Reporter`]. To add a
//! stage, add a [`Stage`] variant and one call in [`build`]. Nothing here prints: progress,
//! notes, warnings and topology findings go to the reporter.
//!
//! The jar is written to a temporary file beside its target and renamed into place only after
//! the topology check passed: a failure at any stage leaves the previous jar untouched.

pub mod check;
mod commit;
pub mod fingerprint;
mod output;
mod resolution_cache;

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::cargo_build::BuiltBinary;
use crate::error::Diagnostic;
use crate::jar::{EntryInfo, JarBuild};
use crate::java::JavaOutcome;
use crate::maven::lock::{lockfile_update, sync_lockfile, Lockfile};
use crate::maven::resolve::Resolution;
use crate::packaging::Contents;
use crate::plan::{BuildOptions, BuildPlan};
use crate::report::{Event, Reporter, Stage};
use crate::shade::{ShadeInput, ShadePlan};
use crate::staging::{EntrySource, StagedEntry, Staging};

pub use output::{archiver_attributes, manifest};

pub use crate::storm::FLUX_MAIN_CLASS;

/// What a finished build produced (`build --json` prints it).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BuildOutcome {
    /// The deployable jar (what `storm jar`, `run` and `submit` take).
    pub jar: PathBuf,
    /// Every jar the build wrote (as `mvn package` leaves them), the deployable one marked.
    #[serde(default)]
    pub jars: Vec<crate::packaging::OutputJar>,
    pub sha256: String,
    pub size: u64,
    pub timestamp: String,
    pub main_class: Option<String>,
    /// The jar path Flux reads (`-R /<topology>`).
    pub topology: Option<String>,
    pub storm_version: String,
    pub warnings: Vec<String>,
    pub overlaps: Vec<String>,
    /// The Java compile (`None`: the project has no Java sources).
    #[serde(default)]
    pub java: Option<JavaOutcome>,
    pub entries: Vec<EntryInfo>,
    /// Nothing changed since the last build with these options: the jar was left as it was
    /// ([`fingerprint`]).
    #[serde(default)]
    pub up_to_date: bool,
}

/// Build the project `options` names, unless nothing that can change the jar changed since
/// the last build with the same options: then the jar is left alone and the last outcome is
/// returned with `up_to_date` ([`fingerprint`]). After a full build, its inputs are recorded.
pub fn build_incremental(
    options: &BuildOptions,
    reporter: &mut dyn Reporter,
) -> anyhow::Result<BuildOutcome> {
    let usual = fingerprint::usual_record_path(options);
    if let Some(outcome) = usual
        .as_deref()
        .and_then(|p| fingerprint::check(p, options))
    {
        report_up_to_date(&outcome, reporter);
        return Ok(outcome);
    }
    let started_at = fingerprint::now();
    crate::fsread::start_recording();
    let result = (|| {
        let plan = BuildPlan::resolve(options)?;
        let record_path = jar_dir(&plan).join(fingerprint::RECORD_NAME);
        if usual.as_ref() != Some(&record_path) {
            // The project keeps its jar elsewhere (`<build><directory>`): look there.
            if let Some(outcome) = fingerprint::check(&record_path, options) {
                return Ok((plan, outcome, None));
            }
        }
        // Whatever happens next, the old record no longer speaks for the jar.
        let _ = std::fs::remove_file(&record_path);
        let mut extra = fingerprint::Extra::default();
        let outcome = build_collect(&plan, reporter, &mut extra)?;
        Ok::<_, anyhow::Error>((plan, outcome, Some(extra)))
    })();
    let opened = crate::fsread::take_recording();
    let (plan, outcome, extra) = result?;
    match extra {
        None => report_up_to_date(&outcome, reporter),
        Some(extra) => {
            let recorded =
                fingerprint::record(&plan, options, &outcome, opened, &extra, started_at);
            crate::digest::flush();
            if let Err(e) = recorded {
                reporter.report(Event::Note(Diagnostic::new(format!(
                    "cannot record this build's inputs beside {} ({e:#}): the next build \
                     redoes everything",
                    plan.jar.display()
                ))));
            }
        }
    }
    Ok(outcome)
}

fn report_up_to_date(outcome: &BuildOutcome, reporter: &mut dyn Reporter) {
    // The topology check's warnings still hold: shown again, as the build printed them.
    for warning in &outcome.warnings {
        reporter.report(Event::Status(warning.clone()));
    }
    reporter.report(Event::Status(format!(
        "  Up to date {} (no input changed since it was built)",
        outcome.jar.display()
    )));
}

/// Carry out `plan`: the jar and its `.sha256` are in place when this returns `Ok`.
pub fn build(plan: &BuildPlan, reporter: &mut dyn Reporter) -> anyhow::Result<BuildOutcome> {
    let outcome = build_collect(plan, reporter, &mut fingerprint::Extra::default());
    crate::digest::flush();
    outcome
}

/// [`build`], keeping in `extra` what the fingerprint needs (the JDK, the Rust binaries).
fn build_collect(
    plan: &BuildPlan,
    reporter: &mut dyn Reporter,
    extra: &mut fingerprint::Extra,
) -> anyhow::Result<BuildOutcome> {
    if let Some(refused) = &plan.packaging.refused {
        return Err(refused.clone().into());
    }
    reporter.report(Event::Stage(Stage::Resolve));
    let resolved = resolve_locked(plan, reporter)?;
    reporter.report(Event::Stage(Stage::Compile));
    let compiled = compile(plan, &resolved.resolution, reporter)?;
    extra.binaries = compiled.binaries.clone();
    extra.jdk = compiled.java.as_ref().map(|(_, jdk)| jdk.clone());
    reporter.report(Event::Stage(Stage::Stage));
    let (mut staging, java) = stage(plan, compiled, &resolved.resolution, reporter)?;
    // The thin jar maven-jar-plugin writes: the project's entries only.
    let thin = plan
        .packaging
        .jars
        .iter()
        .any(|j| j.contents == Contents::Thin)
        .then(|| thin_staging(plan, &staging, java.as_ref(), reporter))
        .transpose()?;
    reporter.report(Event::Stage(Stage::Shade));
    let shaded = match plan.packaging.uber() {
        Some(Contents::Assembly) => assemble(plan, java, &mut staging, reporter)?,
        Some(_) => shade(plan, &resolved.resolution, java, &mut staging, reporter)?,
        None => Shaded {
            plan: ShadePlan::default(),
            main_class: plan.packaging.jar_archive.main_class.clone(),
            java,
        },
    };
    reporter.report(Event::Stage(Stage::WriteJar));
    let mut txn = commit::Transaction::begin(jar_dir(plan), &[lock_dir(plan)])?;
    let jars = write_jars(plan, &staging, thin.as_ref(), &shaded.plan, &mut txn)?;
    reporter.report(Event::Stage(Stage::Check));
    let warnings = check::topology_stage(
        plan,
        jars.deployable_content,
        &jars.deployable.tmp,
        &resolved.resolution,
        reporter,
    )?;
    for (tmp, dest) in &jars.others {
        if let Some(dir) = dest.parent() {
            fs_err::create_dir_all(dir)?;
        }
        txn.replace(tmp, dest, None);
    }
    let written = jars.deployable;
    finish(
        plan,
        written,
        txn,
        &shaded,
        resolved.lock,
        warnings,
        reporter,
    )
}

/// The plan's dependencies resolved (nothing to do without any); errors name the project and
/// resolution warnings go to the reporter.
pub fn resolve(plan: &BuildPlan, reporter: &mut dyn Reporter) -> anyhow::Result<Resolution> {
    if plan.request.dependencies.is_empty() {
        return Ok(Resolution::default());
    }
    let key = resolution_cache::key(plan);
    let resolution = match resolution_cache::load(plan, &key) {
        Some(cached) => cached,
        None => {
            let started_at = fingerprint::now();
            crate::fsread::start_recording();
            let resolved = crate::maven::resolve::resolve(&plan.request, &plan.repos);
            let opened = crate::fsread::take_recording();
            let resolution = resolved.with_context(|| {
                format!(
                    "cannot resolve the dependencies of {}:{}:{}",
                    plan.group_id, plan.artifact_id, plan.version
                )
            })?;
            // A cache that cannot be written only costs the next build the resolution.
            let _ = resolution_cache::store(plan, &key, &resolution, &opened, started_at);
            resolution
        }
    };
    for warning in &resolution.warnings {
        reporter.report(Event::Warning(Diagnostic::new(warning.clone())));
    }
    Ok(resolution)
}

/// A resolution and the lockfile it makes (`None` without dependencies: nothing to lock).
struct Resolved {
    resolution: Resolution,
    lock: Option<Lockfile>,
}

/// Resolve, check the local files against the lockfile's digests, and under `--locked` fail
/// on any change before anything is written.
fn resolve_locked(plan: &BuildPlan, reporter: &mut dyn Reporter) -> anyhow::Result<Resolved> {
    // The dependency jars' digests (lockfile, fingerprint) are remembered across builds.
    crate::digest::open_cache(&plan.repos.local);
    let resolution = resolve(plan, reporter)?;
    if plan.request.dependencies.is_empty() {
        return Ok(Resolved {
            resolution,
            lock: None,
        });
    }
    let lock = Lockfile::from_resolution(&resolution)?;
    // The lockfile pins every resolved file, in the jar or not: each is an input of the build.
    for a in &resolution.artifacts {
        crate::fsread::note(&a.file);
    }
    let files: Vec<_> = resolution
        .artifacts
        .iter()
        .map(|a| (&a.artifact, a.file.as_path()))
        .collect();
    crate::maven::lock::check_integrity(&plan.lockfile, &lock, &files)?;
    if plan.locked {
        sync_lockfile(&plan.lockfile, &lock, true)?;
    }
    Ok(Resolved {
        resolution,
        lock: Some(lock),
    })
}

/// What the compile stage produced: Rust component binaries, Java classes.
struct Compiled {
    binaries: Vec<BuiltBinary>,
    java: Option<(crate::java::Compiled, crate::java::Jdk)>,
}

/// The Rust components (cargo, for each target) and the Java sources (javac, skipped when
/// nothing changed).
fn compile(
    plan: &BuildPlan,
    resolution: &Resolution,
    reporter: &mut dyn Reporter,
) -> anyhow::Result<Compiled> {
    let binaries = compile_rust(plan, reporter)?;
    let java = match &plan.java {
        Some(java) => {
            if java.has_tests() {
                reporter.report(Event::Note(Diagnostic::new(format!(
                    "`stormpack build` does not run the tests in {}; `stormpack test` runs them",
                    java.test_source_dir
                        .strip_prefix(&plan.project_dir)
                        .unwrap_or(&java.test_source_dir)
                        .display()
                ))));
            }
            java.compile_main(resolution, &plan.request, &plan.repos)?
        }
        None => None,
    };
    Ok(Compiled { binaries, java })
}

/// The Rust components, built with cargo for each target (none for a Maven-only project).
fn compile_rust(plan: &BuildPlan, reporter: &mut dyn Reporter) -> anyhow::Result<Vec<BuiltBinary>> {
    let Some(rust) = &plan.rust else {
        return Ok(Vec::new());
    };
    for dep in &rust.manifest.outside_path_dependencies {
        reporter.report(Event::Note(
            Diagnostic::new(format!(
                "path dependency {dep} lies outside the Cargo workspace: cargo hashes its \
                 absolute path into symbol names, so the component binaries (and the jar) differ \
                 between checkout directories"
            ))
            .fix(
                "for byte-identical jars from any directory, depend on it from a registry or \
                 git, or move it inside the workspace",
            ),
        ));
    }
    crate::cargo_build::build(&rust.manifest, &rust.targets, &plan.output_dir)
}

/// The project's own entries: resources, the components' binaries and launchers, the compiled
/// Java classes, and the Maven metadata (`META-INF/maven/<g>/<a>/pom.xml`, `pom.properties`).
fn stage(
    plan: &BuildPlan,
    compiled: Compiled,
    resolution: &Resolution,
    reporter: &mut dyn Reporter,
) -> anyhow::Result<(Staging, Option<JavaOutcome>)> {
    let mut staging = Staging::new();
    for set in &plan.resources {
        crate::resources::stage(
            set,
            &plan.project_dir,
            &plan.filter_properties,
            &plan.filtering,
            &mut staging,
        )?;
    }
    if plan.rust.is_some() {
        crate::launcher::stage(&compiled.binaries, &mut staging)?;
    }
    let java = match (&plan.java, compiled.java) {
        (Some(java), Some((classes, jdk))) => {
            Some(stage_java(java, &classes, &jdk, &mut staging, reporter)?)
        }
        _ => None,
    };
    // maven-remote-resources-plugin's files, unless the project's resources have them (the
    // plugin then copies the project's own).
    if let Some(rr) = &plan.packaging.remote_resources {
        let generated = {
            let has = |p: &str| staging.contains(p);
            crate::remote_resources::generate(plan, rr, resolution, &has, reporter)?
        };
        for g in generated {
            staging.add(StagedEntry {
                origin: format!(
                    "{} (generated by maven-remote-resources-plugin, execution `{}`)",
                    g.path, rr.execution
                ),
                path: g.path,
                source: EntrySource::Bytes(g.bytes),
                executable: false,
            })?;
        }
    }
    let (pom_path, props_path) = plan.maven_metadata_paths();
    stage_generated(&mut staging, &pom_path, plan.pom_bytes.clone())?;
    stage_generated(&mut staging, &props_path, output::pom_properties(plan))?;
    Ok((staging, java))
}

/// Stage the compiled classes and say what javac did.
fn stage_java(
    java: &crate::java::JavaPlan,
    compiled: &crate::java::Compiled,
    jdk: &crate::java::Jdk,
    staging: &mut Staging,
    reporter: &mut dyn Reporter,
) -> anyhow::Result<JavaOutcome> {
    let classes = java.stage_classes(compiled, staging)?;
    reporter.report(Event::Status(if compiled.fresh {
        format!(
            "       Fresh {} Java source(s) unchanged: javac not started ({classes} classes, JDK {})",
            compiled.sources, jdk.version
        )
    } else {
        format!(
            "    Compiled {} Java source(s) with javac {} ({classes} classes{})",
            compiled.sources,
            jdk.version,
            match compiled.warnings {
                0 => String::new(),
                n => format!(", {n} warning(s)"),
            }
        )
    }));
    Ok(JavaOutcome {
        jdk_version: jdk.version.clone(),
        build_jdk_spec: jdk.feature.to_string(),
        sources: compiled.sources,
        classes,
        fresh: compiled.fresh,
    })
}

/// The dependency entries to copy raw, and `META-INF/MANIFEST.MF` (its Main-Class and
/// Multi-Release depend on what is shaded).
fn shade(
    plan: &BuildPlan,
    resolution: &Resolution,
    java: Option<JavaOutcome>,
    staging: &mut Staging,
    reporter: &mut dyn Reporter,
) -> anyhow::Result<Shaded> {
    let inputs: Vec<ShadeInput> = resolution
        .packaged()
        .map(|a| ShadeInput {
            artifact: a.artifact.clone(),
            file: a.file.clone(),
            trail: a.trail.clone(),
        })
        .collect();
    shade_project_entries(plan, staging)?;
    let options = crate::shade::ShadeOptions {
        allow_storm_runtime: false,
        config: plan.shade.clone(),
        assembly: false,
    };
    let shade = crate::shade::plan_with(staging, inputs, &options)?;
    if let Some(config) = &plan.shade {
        // The project's copies a merging transformer took are in its generated entry now.
        staging.retain(|path| !config.merges(path));
    }
    warn_shadowed_classes(&shade, reporter);
    let main_class = stage_shaded_manifest(plan, resolution, &shade, java.as_ref(), staging)?;
    Ok(Shaded {
        plan: shade,
        main_class,
        java,
    })
}

/// The pom's shade configuration applied to the project's own entries: its filters and
/// resource transformers (the project's artifact is the first jar shade reads) and its
/// relocations. The manifest is generated afterwards.
fn shade_project_entries(plan: &BuildPlan, staging: &mut Staging) -> anyhow::Result<()> {
    if let Some(config) = &plan.shade {
        let project = crate::maven::Artifact::new(&plan.group_id, &plan.artifact_id, &plan.version);
        staging.retain(|path| !config.drops_entry(&project, path));
        if !config.relocations.is_empty() {
            *staging = crate::shade::relocate_staging(staging, config)?;
        }
    }
    Ok(())
}

/// A project class shadowing a dependency's is what Maven does too, but rarely intended: a
/// warning for each.
fn warn_shadowed_classes(shade: &ShadePlan, reporter: &mut dyn Reporter) {
    for line in shade
        .overlaps
        .iter()
        .filter(|l| l.contains(".class: kept from the project,"))
    {
        reporter.report(Event::Warning(Diagnostic::new(format!(
            "a project class replaces a dependency's: {line}"
        ))));
    }
}

/// The uber jar's `META-INF/MANIFEST.MF` staged (or none, when the shade filters drop every
/// copy); its Main-Class returned.
fn stage_shaded_manifest(
    plan: &BuildPlan,
    resolution: &Resolution,
    shade: &ShadePlan,
    java: Option<&JavaOutcome>,
    staging: &mut Staging,
) -> anyhow::Result<Option<String>> {
    let build_jdk_spec = build_jdk_spec(plan, java);
    let mut base = jar_attributes(plan, build_jdk_spec.as_deref());
    // ManifestResourceTransformer relocates the OSGi headers of the project jar's manifest
    // before it adds its own manifestEntries.
    if let Some(c) = plan
        .shade
        .as_ref()
        .filter(|c| c.manifest_transformer && !c.relocations.is_empty())
    {
        c.relocations.relocate_manifest_entries(&mut base)?;
    }
    let (main_class, entries) = shaded_manifest(plan, resolution, &base);
    // Versioned classes (META-INF/versions/N/) of shaded dependencies only take effect when the
    // jar itself is a multi-release jar. With the pom's shade configuration in charge the
    // manifest is the project jar's, as maven-shade-plugin keeps it: a dependency's
    // Multi-Release never reaches it (only a manifestEntries line can set it).
    let multi_release = plan.shade.is_none() && !shade.multi_release.is_empty();
    // Without a ManifestResourceTransformer, maven-shade-plugin's manifest is the first copy its
    // filters keep: the project jar's, else a dependency's as it is, else none.
    let project = crate::maven::Artifact::new(&plan.group_id, &plan.artifact_id, &plan.version);
    if plan
        .shade
        .as_ref()
        .is_some_and(|c| !c.manifest_transformer && c.drops_entry(&project, "META-INF/MANIFEST.MF"))
    {
        let main_class = shade
            .first_manifest
            .as_deref()
            .and_then(|m| crate::shade::main_attribute(m, "Main-Class"));
        if let Some(bytes) = &shade.first_manifest {
            stage_generated(staging, "META-INF/MANIFEST.MF", bytes.clone())?;
        }
        return Ok(main_class);
    }
    stage_generated(
        staging,
        "META-INF/MANIFEST.MF",
        manifest(base, main_class.as_deref(), multi_release, &entries),
    )?;
    Ok(main_class)
}

/// maven-archiver writes the JVM's java.specification.version into every pom project's jar,
/// compiled or not; a Rust-first project records the JDK that compiled its Java sources.
fn build_jdk_spec(plan: &BuildPlan, java: Option<&JavaOutcome>) -> Option<String> {
    match plan.kind {
        crate::plan::ProjectKind::Maven => {
            crate::jvm::maven_build_jdk_spec(Some(&plan.local_repository))
        }
        crate::plan::ProjectKind::Rust => None,
    }
    .or_else(|| java.map(|j| j.build_jdk_spec.clone()))
}

/// The project's entries for the thin jar, with maven-jar-plugin's manifest.
fn thin_staging(
    plan: &BuildPlan,
    staging: &Staging,
    java: Option<&JavaOutcome>,
    reporter: &mut dyn Reporter,
) -> anyhow::Result<Staging> {
    let mut thin = staging.clone();
    let archive = &plan.packaging.jar_archive;
    if let Some(version) = &archive.archiver_2 {
        reporter.report(Event::Warning(Diagnostic::new(format!(
            "the pom pins maven-jar-plugin {version}, whose maven-archiver 2 writes the build host into META-INF/MANIFEST.MF (Built-By, Build-Jdk, Created-By: Apache Maven ...) and the build date into META-INF/maven/{}/{}/pom.properties; stormpack writes both as maven-jar-plugin 3 does (Build-Jdk-Spec, no date), so those two entries differ from mvn package's",
            plan.group_id, plan.artifact_id
        ))
        .fix("pin maven-jar-plugin 3.x (e.g. 3.4.1) in the pom, which writes reproducible entries")));
    }
    stage_generated(
        &mut thin,
        "META-INF/MANIFEST.MF",
        manifest(
            jar_attributes(plan, build_jdk_spec(plan, java).as_deref()),
            None,
            false,
            &[],
        ),
    )?;
    Ok(thin)
}

/// maven-assembly-plugin's jar-with-dependencies: the runtime closure resolved again without the
/// project's provided and test dependencies (as the plugin does), unpacked in the plugin's order
/// ([`crate::packaging::assembly`]), the first copy of an entry kept, the project's own entries
/// last (a dependency's copy of one of them wins).
fn assemble(
    plan: &BuildPlan,
    java: Option<JavaOutcome>,
    staging: &mut Staging,
    reporter: &mut dyn Reporter,
) -> anyhow::Result<Shaded> {
    let inputs = assembly_inputs(plan)?;
    let options = crate::shade::ShadeOptions {
        allow_storm_runtime: false,
        config: None,
        assembly: true,
    };
    let shade = crate::shade::plan_with(staging, inputs, &options)?;
    drop_replaced_project_entries(&shade, staging, reporter);
    let archive = &plan.packaging.assembly_archive;
    stage_generated(
        staging,
        "META-INF/MANIFEST.MF",
        manifest(
            archiver_attributes(
                archive.main_class.as_deref(),
                build_jdk_spec(plan, java.as_ref())
                    .filter(|_| archive.configured)
                    .as_deref(),
                &archive.default_entries,
                &archive.manifest_entries,
            ),
            None,
            false,
            &[],
        ),
    )?;
    Ok(Shaded {
        plan: shade,
        main_class: archive.main_class.clone(),
        java,
    })
}

/// The jars maven-assembly-plugin unpacks, in its order: the runtime closure resolved again
/// without the project's provided and test dependencies.
fn assembly_inputs(plan: &BuildPlan) -> anyhow::Result<Vec<ShadeInput>> {
    use crate::packaging::assembly;
    let mut request = plan.request.clone();
    request.dependencies.retain(|d| {
        matches!(
            d.scope.unwrap_or(crate::maven::Scope::Compile),
            crate::maven::Scope::Compile | crate::maven::Scope::Runtime
        )
    });
    let resolution = if request.dependencies.is_empty() {
        Resolution::default()
    } else {
        crate::maven::resolve::resolve(&request, &plan.repos).with_context(|| {
            format!(
                "cannot resolve the runtime dependencies of {}:{}:{} for maven-assembly-plugin",
                plan.group_id, plan.artifact_id, plan.version
            )
        })?
    };
    let post: Vec<usize> = assembly::post_order(&resolution.parents)
        .into_iter()
        .filter(|&i| resolution.artifacts[i].scope.is_packaged())
        .collect();
    let hashes: Vec<i32> = post
        .iter()
        .map(|&i| assembly::artifact_hash(&resolution.artifacts[i].artifact))
        .collect();
    let inputs: Vec<ShadeInput> = assembly::hash_set_order(&hashes)
        .into_iter()
        .map(|k| {
            let a = &resolution.artifacts[post[k]];
            ShadeInput {
                artifact: a.artifact.clone(),
                file: a.file.clone(),
                trail: a.trail.clone(),
            }
        })
        .collect();
    Ok(inputs)
}

/// The project's entries a dependency's copy replaces (the plugin adds the project's own jar
/// last and keeps the first copy) dropped from `staging`, each with a warning.
fn drop_replaced_project_entries(
    shade: &ShadePlan,
    staging: &mut Staging,
    reporter: &mut dyn Reporter,
) {
    let replaced: Vec<String> = shade
        .entries
        .iter()
        .filter(|e| staging.contains(&e.path))
        .map(|e| e.path.clone())
        .collect();
    for path in &replaced {
        reporter.report(Event::Warning(Diagnostic::new(format!(
            "a dependency's {path} replaces the project's: maven-assembly-plugin adds the project's own jar last and keeps the first copy"
        ))));
    }
    staging.retain(|p| !replaced.iter().any(|r| r == p));
}

/// maven-jar-plugin's manifest attributes (its archive), which the thin jar has and shade starts
/// from.
fn jar_attributes(plan: &BuildPlan, build_jdk_spec: Option<&str>) -> Vec<(String, String)> {
    let archive = &plan.packaging.jar_archive;
    archiver_attributes(
        archive.main_class.as_deref(),
        build_jdk_spec,
        &archive.default_entries,
        &archive.manifest_entries,
    )
}

/// The uber jar's Main-Class and extra manifest entries: maven-shade-plugin starts from the
/// project jar's manifest (`base`, maven-jar-plugin's archive) and applies its
/// ManifestResourceTransformer; a Rust-first project gets Flux's main class when Flux is in the
/// jar.
fn shaded_manifest(
    plan: &BuildPlan,
    resolution: &Resolution,
    base: &[(String, String)],
) -> (Option<String>, Vec<(String, Option<String>)>) {
    let main_class = plan
        .configured_main_class
        .clone()
        .or_else(|| {
            base.iter()
                .find(|(k, _)| k == "Main-Class")
                .map(|(_, v)| v.clone())
                .filter(|v| !v.is_empty())
        })
        .or_else(|| {
            // With the pom's shade configuration in charge, Main-Class is its mainClass (or the
            // project jar's) or nothing, as in Maven's jar.
            (plan.shade.is_none()
                && resolution.packaged().any(|a| {
                    a.artifact.group_id == crate::storm::GROUP
                        && a.artifact.artifact_id == "flux-core"
                }))
            .then(|| FLUX_MAIN_CLASS.to_string())
        });
    let entries = plan
        .shade
        .as_ref()
        .map_or(&[][..], |c| &c.manifest_entries[..])
        .to_vec();
    (main_class, entries)
}

/// The shade plan, the manifest's Main-Class, and the Java compile it recorded.
struct Shaded {
    plan: ShadePlan,
    main_class: Option<String>,
    java: Option<JavaOutcome>,
}

/// Every jar of the plan written to a temporary file: the deployable one (and the entries it
/// holds, for the topology check), the others with their destinations.
struct WrittenJars<'a> {
    deployable: Written,
    deployable_content: &'a Staging,
    others: Vec<(PathBuf, PathBuf)>,
}

/// Write each jar of [`crate::packaging::Packaging`]: thin ones from `thin` alone, the uber one
/// from `staging` and the shade (or assembly) plan.
fn write_jars<'a>(
    plan: &BuildPlan,
    staging: &'a Staging,
    thin: Option<&'a Staging>,
    shaded: &ShadePlan,
    txn: &mut commit::Transaction,
) -> anyhow::Result<WrittenJars<'a>> {
    let empty = ShadePlan::default();
    let mut others = Vec::new();
    let mut deployable = None;
    for (n, jar) in plan.packaging.jars.iter().enumerate() {
        let (content, shade_plan) = match (jar.contents, thin) {
            (Contents::Thin, Some(thin)) => (thin, &empty),
            _ => (staging, shaded),
        };
        let what = if jar.deployable {
            "jar".to_string()
        } else {
            format!("jar{n}")
        };
        let written = write_jar(plan, content, shade_plan, txn, &what)?;
        if jar.deployable && deployable.is_none() {
            deployable = Some((written, content));
        } else {
            others.push((written.tmp, jar.path.clone()));
        }
    }
    let (deployable, deployable_content) =
        deployable.context("the build writes no deployable jar")?;
    Ok(WrittenJars {
        deployable,
        deployable_content,
        others,
    })
}

/// The jar, written to a temporary file beside its target.
struct Written {
    tmp: PathBuf,
    entries: Vec<EntryInfo>,
}

/// The directory the jar goes to (its `.sha256` beside it).
fn jar_dir(plan: &BuildPlan) -> &Path {
    plan.jar
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(&plan.output_dir)
}

/// The directory of `stormpack.lock`.
fn lock_dir(plan: &BuildPlan) -> &Path {
    plan.lockfile
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

fn write_jar(
    plan: &BuildPlan,
    staging: &Staging,
    shaded: &ShadePlan,
    txn: &mut commit::Transaction,
    what: &str,
) -> anyhow::Result<Written> {
    let (file, tmp) = txn.temporary(jar_dir(plan), what)?;
    drop(file);
    let (pom_path, props_path) = plan.maven_metadata_paths();
    let summary = crate::jar::write_jar(
        &JarBuild {
            project: staging,
            // A shade filter may have dropped them.
            leading: [pom_path, props_path]
                .into_iter()
                .filter(|p| staging.contains(p))
                .collect(),
            shaded: shaded.for_jar(),
            timestamp: plan.epoch,
        },
        &tmp,
    )
    .map_err(|err| output_full(err, &plan.jar))?;
    Ok(Written {
        tmp,
        entries: summary.entries,
    })
}

/// A jar that could not be written because its file system is full, read-only or over quota
/// (kinds only a write gives, never a read of a shaded input): the error with the fix
/// ([`commit::write_error`]), naming the jar rather than its temporary file.
fn output_full(err: anyhow::Error, jar: &Path) -> anyhow::Error {
    use std::io::ErrorKind;
    let full = err
        .chain()
        .filter_map(|e| e.downcast_ref::<std::io::Error>())
        .find(|e| {
            matches!(
                e.kind(),
                ErrorKind::StorageFull
                    | ErrorKind::QuotaExceeded
                    | ErrorKind::ReadOnlyFilesystem
                    | ErrorKind::FileTooLarge
            )
        })
        .map(|e| match e.raw_os_error() {
            Some(code) => std::io::Error::from_raw_os_error(code),
            None => std::io::Error::from(e.kind()),
        });
    match full {
        Some(io) => commit::write_error(io, jar),
        None => err,
    }
}

/// Put the checked jar, `<jar>.sha256` and stormpack.lock in place together
/// ([`commit::Transaction`]): a failure before the commit leaves all three as they were.
fn finish(
    plan: &BuildPlan,
    written: Written,
    mut txn: commit::Transaction,
    shaded: &Shaded,
    lock: Option<Lockfile>,
    warnings: Vec<String>,
    reporter: &mut dyn Reporter,
) -> anyhow::Result<BuildOutcome> {
    // Streamed: a large uber jar is never held in memory.
    let sha256 = crate::digest::sha256_uncached(&written.tmp)?;
    let size = fs_err::metadata(&written.tmp)?.len();
    let name = plan
        .jar
        .file_name()
        .context("jar path has no file name")?
        .to_string_lossy()
        .into_owned();
    let sidecar = jar_dir(plan).join(format!("{name}.sha256"));
    // The lockfile first: if it cannot be replaced, nothing has changed yet.
    let mut lock_changes = Vec::new();
    if let (Some(lock), false) = (&lock, plan.locked) {
        if let Some(changes) = lockfile_update(&plan.lockfile, lock)? {
            txn.write(
                lock_dir(plan),
                "lock",
                lock.render().as_bytes(),
                &plan.lockfile,
            )?;
            lock_changes = changes;
        }
    }
    txn.replace(&written.tmp, &plan.jar, Some(&sidecar));
    txn.write(
        jar_dir(plan),
        "sha256",
        format!("{sha256}  {name}\n").as_bytes(),
        &sidecar,
    )?;
    txn.commit()?;
    for change in lock_changes {
        reporter.report(Event::Status(format!("    stormpack.lock: {change}")));
    }
    Ok(BuildOutcome {
        jar: plan.jar.clone(),
        jars: plan.packaging.jars.clone(),
        sha256,
        size,
        timestamp: plan.timestamp.clone(),
        main_class: shaded.main_class.clone(),
        topology: plan.topology.clone(),
        storm_version: plan.storm_version.clone(),
        warnings,
        overlaps: shaded.plan.overlaps.clone(),
        java: shaded.java.clone(),
        entries: written.entries,
        up_to_date: false,
    })
}

fn stage_generated(staging: &mut Staging, path: &str, bytes: Vec<u8>) -> anyhow::Result<()> {
    staging.add(StagedEntry {
        path: path.to_string(),
        source: EntrySource::Bytes(bytes),
        executable: false,
        origin: format!("{path} (generated by stormpack)"),
    })
}
