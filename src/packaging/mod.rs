//! Which files `mvn package` leaves in the build directory, and which one is the deliverable
//! (the jar `run`, `submit` and `check` use). Read from the plugins the pom binds:
//!
//! - maven-shade-plugin's `shade` goal: the uber jar replaces the main jar (the thin one is kept as
//!   `original-<finalName>.jar`), or, with `shadedArtifactAttached`, goes beside it as
//!   `<shadedArtifactId>-<version>-<shadedClassifierName>.jar`; `finalName` renames it (the main
//!   jar then stays thin), `outputFile` puts it there (the main jar stays thin), both under
//!   `outputDirectory`. `createDependencyReducedPom` writes `dependency-reduced-pom.xml` into the
//!   project directory, outside `target/`: stormpack does not write it (it is not in the jar).
//! - maven-assembly-plugin's `single` goal with the `jar-with-dependencies` descriptor: the main
//!   jar stays thin and the assembly is `<finalName>-jar-with-dependencies.jar` (or replaces the
//!   main jar without `appendAssemblyId`). Other descriptors are errors naming the element.
//! - neither: the thin jar maven-jar-plugin writes, the project's classes and resources only.
//!
//! A plugin bound to the build that stormpack does not run and that can change the jar is an error
//! naming the plugin and its execution ([`check_unsupported`]).

pub mod assembly;
pub mod plugins;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Diagnostic, Location};
use crate::maven::model::BuildLayer;
use crate::maven::xml::Element;
use plugins::{interpolate, Execution, Plugin};

/// What goes into one jar the build writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Contents {
    /// The project's own entries, as maven-jar-plugin writes them.
    Thin,
    /// The project and its runtime dependencies, as maven-shade-plugin merges them (or
    /// stormpack's own merge for a Rust-first project).
    Shaded,
    /// The project and its runtime dependencies, as maven-assembly-plugin's jar-with-dependencies
    /// unpacks them.
    Assembly,
}

/// One jar the build writes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutputJar {
    pub path: PathBuf,
    pub contents: Contents,
    /// The jar to deploy (`storm jar`, `run`, `submit`).
    pub deployable: bool,
}

/// A jar's manifest as a plugin's `<archive>` configures it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Archive {
    pub main_class: Option<String>,
    /// `manifestEntries` in document order; a blank value removes the attribute (`None`).
    pub manifest_entries: Vec<(String, Option<String>)>,
    /// Whether the plugin's configuration has an `<archive>` at all: without one,
    /// maven-assembly-plugin leaves maven-archiver out and its manifest is `Manifest-Version`
    /// alone (no `Build-Jdk-Spec`).
    pub configured: bool,
    /// maven-archiver's `addDefaultSpecificationEntries` and `addDefaultImplementationEntries`,
    /// in its order (after `Build-Jdk-Spec`, before `Main-Class`).
    pub default_entries: Vec<(String, String)>,
    /// maven-jar-plugin's version when the pom pins one below 3 (maven-archiver 2): its
    /// manifest (`Built-By`, `Build-Jdk`, `Created-By: Apache Maven ...`) and pom.properties (a
    /// date comment, another key order) carry the build host and time, which stormpack's jar
    /// does not.
    pub archiver_2: Option<String>,
}

/// What maven-remote-resources-plugin's `process` execution needs to generate its files
/// ([`crate::remote_resources`]).
#[derive(Debug, Clone, Serialize)]
pub struct RemoteResources {
    /// The plugin's version as the effective model has it (`None`: not pinned anywhere).
    pub plugin_version: Option<String>,
    /// `resourceBundles`, each `groupId:artifactId:version`.
    pub bundles: Vec<String>,
    /// The execution's id, for messages.
    pub execution: String,
    /// `project.name` (the artifactId when the pom has none).
    pub project_name: String,
    pub organization: Option<String>,
    pub inception_year: Option<String>,
    /// `project.build.outputTimestamp` as the effective model has it.
    pub output_timestamp: Option<String>,
}

/// The files the build writes, and how.
#[derive(Debug, Clone, Serialize)]
pub struct Packaging {
    /// Every jar, the deployable one among them.
    pub jars: Vec<OutputJar>,
    /// maven-jar-plugin's archive (the thin jar's manifest; shade keeps it in the uber jar).
    pub jar_archive: Archive,
    /// maven-assembly-plugin's archive (the assembly's manifest).
    pub assembly_archive: Archive,
    /// maven-remote-resources-plugin's `process` goal, when the build runs it (the Apache parent
    /// pom binds it): the files it generates go into the project's entries.
    pub remote_resources: Option<RemoteResources>,
    /// Why stormpack cannot give mvn's jars for this pom: a build stops with it, while `deps`,
    /// `test` and `check` still work on the project.
    #[serde(skip)]
    pub refused: Option<Diagnostic>,
}

impl Packaging {
    /// One uber jar at `jar`: a Rust-first project (stormpack's own packaging).
    pub fn single(jar: PathBuf) -> Packaging {
        Packaging {
            jars: vec![OutputJar {
                path: jar,
                contents: Contents::Shaded,
                deployable: true,
            }],
            jar_archive: Archive::default(),
            assembly_archive: Archive::default(),
            remote_resources: None,
            refused: None,
        }
    }

    /// [`decide`], with a refusal kept for the build instead of failing now (the thin jar at
    /// `<finalName>.jar` stands in for the plan).
    pub fn decide_or_refuse(
        lineage: &[BuildLayer],
        facts: &ProjectFacts,
    ) -> anyhow::Result<Packaging> {
        match decide(lineage, facts) {
            Ok(p) => Ok(p),
            Err(e) => {
                let d = e.downcast::<Diagnostic>()?;
                let mut p = Packaging::single(
                    facts
                        .build_directory
                        .join(format!("{}.jar", facts.final_name)),
                );
                p.jars[0].contents = Contents::Thin;
                p.refused = Some(d);
                Ok(p)
            }
        }
    }

    pub fn deployable(&self) -> &OutputJar {
        self.jars
            .iter()
            .find(|j| j.deployable)
            .unwrap_or(&self.jars[0])
    }

    /// Whether dependencies are merged into some jar (and how).
    pub fn uber(&self) -> Option<Contents> {
        self.jars
            .iter()
            .map(|j| j.contents)
            .find(|c| *c != Contents::Thin)
    }

    /// `--out-dir`: every jar moves there, keeping its place relative to the build directory.
    pub fn relocate(&mut self, build_dir: &Path, out: &Path) {
        for jar in &mut self.jars {
            let rel = jar
                .path
                .strip_prefix(build_dir)
                .map(Path::to_path_buf)
                .unwrap_or_else(|_| jar.path.file_name().map(PathBuf::from).unwrap_or_default());
            jar.path = out.join(rel);
        }
    }
}

/// The project's facts the decision needs.
pub struct ProjectFacts<'a> {
    pub artifact_id: &'a str,
    pub version: &'a str,
    pub final_name: &'a str,
    pub build_directory: &'a Path,
    pub properties: &'a BTreeMap<String, String>,
    /// `project.name` as Maven reads it: `<name>`, else the artifactId.
    pub name: &'a str,
    /// `<organization><name>` (inherited).
    pub organization: Option<&'a str>,
    /// `<inceptionYear>` (inherited).
    pub inception_year: Option<&'a str>,
}

/// Whether an execution runs in `mvn package`: no phase (the goal's default phase, which for the
/// goals asked about here is at most `package`) or a phase of the lifecycle up to `package`.
fn runs_in_package(e: &Execution) -> bool {
    e.phase
        .as_deref()
        .is_none_or(|p| crate::maven::plugin_config::PACKAGE_PHASES.contains(&p))
}

fn text<'a>(config: &'a [Element], name: &str) -> Option<&'a Element> {
    config.iter().find(|e| e.name == name)
}

fn element_location(file: &Location, e: &Element) -> Location {
    Location::at(file.path().to_path_buf(), e.line, e.column)
}

fn unsupported(plugin: &str, what: &str, at: Location, fix: &str) -> anyhow::Error {
    Diagnostic::new(format!(
        "{plugin}'s {what} is not supported by stormpack yet; building without it would give a different jar than mvn package"
    ))
    .at(at)
    .fix(fix.to_string())
    .into()
}

fn is_true(e: Option<&Element>, props: &BTreeMap<String, String>) -> bool {
    e.is_some_and(|e| interpolate(&e.text, props) == "true")
}

/// A path the pom configures: absolute, or relative to the project directory (Maven resolves a
/// relative File parameter against the basedir).
fn path_value(e: &Element, facts: &ProjectFacts) -> PathBuf {
    let value = interpolate(&e.text, facts.properties);
    let p = PathBuf::from(&value);
    if p.is_absolute() {
        p
    } else {
        facts
            .properties
            .get("basedir")
            .map_or_else(|| p.clone(), |b| Path::new(b).join(&p))
    }
}

/// `path` without `.` and `..` components (no file system access).
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// stormpack writes only inside the build directory.
fn inside_build_dir(
    path: PathBuf,
    facts: &ProjectFacts,
    plugin: &str,
    e: &Element,
    file: &Location,
) -> anyhow::Result<PathBuf> {
    let normal = lexical(&path);
    let build = lexical(facts.build_directory);
    if normal.starts_with(&build) && normal != build {
        return Ok(normal);
    }
    Err(Diagnostic::new(format!(
        "{plugin}'s <{}> puts the jar at {}, outside the build directory {}; stormpack writes only inside it",
        e.name,
        normal.display(),
        build.display()
    ))
    .at(element_location(file, e))
    .fix("point it inside ${project.build.directory}, or build this project with mvn package")
    .into())
}

/// The files `mvn package` writes for a pom with these plugins.
pub fn decide(lineage: &[BuildLayer], facts: &ProjectFacts) -> anyhow::Result<Packaging> {
    let plugins = plugins::declared(lineage, facts.properties);
    check_unsupported(&plugins)?;
    let main = facts
        .build_directory
        .join(format!("{}.jar", facts.final_name));
    // maven-jar-plugin runs in every jar build: declared, or as its pluginManagement has it.
    let managed_jar = plugins::managed(lineage, facts.properties, "maven-jar-plugin");
    let mut jar_archive = match find(&plugins, "org.apache.maven.plugins", "maven-jar-plugin")
        .or(managed_jar.as_ref())
    {
        Some(p) => jar_plugin_archive(p, facts)?,
        None => Archive::default(),
    };
    jar_archive.archiver_2 =
        plugin_version(lineage, facts.properties, "maven-jar-plugin").filter(|v| {
            crate::maven::version::Version::parse(v) < crate::maven::version::Version::parse("3")
        });
    let shade = bound(&plugins, "maven-shade-plugin", "shade");
    let assembly = bound(&plugins, "maven-assembly-plugin", "single");
    let thin = |path: PathBuf, deployable| OutputJar {
        path,
        contents: Contents::Thin,
        deployable,
    };
    let mut assembly_archive = Archive::default();
    let jars = match (shade.as_slice(), assembly.as_slice()) {
        ([], []) => vec![thin(main, true)],
        ([(_, e)], []) => shade_jars(e, facts, main)?,
        ([], [(_, e)]) => {
            let (jars, archive) = assembly_jars(e, facts, main)?;
            assembly_archive = archive;
            jars
        }
        _ => {
            let (p, e) = shade.get(1).or(assembly.get(1)).unwrap_or(&shade[0]);
            return Err(Diagnostic::new(format!(
                "{} runs {} in this build ({} execution(s) of maven-shade-plugin:shade, {} of maven-assembly-plugin:single); stormpack builds one uber jar, with one of them",
                p.artifact_id,
                if shade.len() + assembly.len() > 1 { "more than one uber-jar execution" } else { "an uber-jar execution" },
                shade.len(),
                assembly.len()
            ))
            .at(e.location.clone())
            .fix("keep one execution of maven-shade-plugin:shade or maven-assembly-plugin:single (jar-with-dependencies), or build this project with mvn package")
            .into());
        }
    };
    let remote_resources = match bound(&plugins, "maven-remote-resources-plugin", "process")
        .as_slice()
    {
        [] => None,
        [(_, e)] => remote_resources(e, lineage, facts)?,
        [_, (p, e), ..] => {
            return Err(unsupported(
                &p.artifact_id,
                &format!("a second `process` execution (`{}`)", e.id),
                e.location.clone(),
                "keep one execution of maven-remote-resources-plugin:process, or build this project with mvn package",
            ))
        }
    };
    Ok(Packaging {
        jars,
        jar_archive,
        assembly_archive,
        remote_resources,
        refused: None,
    })
}

/// maven-remote-resources-plugin's `process` execution `e`: its bundles; `None` when it attaches
/// nothing to the main resources (`attachToMain` false). An element that would change what it
/// generates and that stormpack does not honour is an error naming it.
fn remote_resources(
    e: &Execution,
    lineage: &[BuildLayer],
    facts: &ProjectFacts,
) -> anyhow::Result<Option<RemoteResources>> {
    let plugin = "maven-remote-resources-plugin";
    let mut bundles = Vec::new();
    for el in &e.configuration {
        match el.name.as_str() {
            "resourceBundles" => {
                for b in &el.children {
                    let coordinate = interpolate(&b.text, facts.properties).trim().to_string();
                    if coordinate.split(':').count() != 3 {
                        return Err(unsupported(
                            plugin,
                            &format!("resource bundle `{coordinate}` (a type or classifier)"),
                            element_location(&e.location, b),
                            "name the bundle as groupId:artifactId:version, or build this project with mvn package",
                        ));
                    }
                    bundles.push(coordinate);
                }
            }
            "attachToMain" if interpolate(&el.text, facts.properties).trim() == "false" => {
                return Ok(None)
            }
            // attachToTest: test resources never reach the jar; skip is handled by `bound`;
            // encoding: the bundles stormpack renders declare their own.
            "attachToMain" | "attachToTest" | "skip" | "encoding" => {}
            name => {
                return Err(unsupported(
                    plugin,
                    &format!("<{name}>"),
                    element_location(&e.location, el),
                    "remove it from maven-remote-resources-plugin's configuration, or build this project with mvn package",
                ))
            }
        }
    }
    Ok(Some(RemoteResources {
        plugin_version: plugin_version(lineage, facts.properties, plugin),
        bundles,
        execution: e.id.clone(),
        project_name: facts.name.to_string(),
        organization: facts.organization.map(str::to_string),
        inception_year: facts.inception_year.map(str::to_string),
        output_timestamp: facts
            .properties
            .get("project.build.outputTimestamp")
            .cloned(),
    }))
}

/// The version of the Apache plugin `artifact` as the effective model has it: the nearest
/// `<plugins>` declaration with a version (profiles' builds included), else the nearest
/// `<pluginManagement>` one.
fn plugin_version(
    lineage: &[BuildLayer],
    properties: &BTreeMap<String, String>,
    artifact: &str,
) -> Option<String> {
    let in_list = |list: Option<&Element>| {
        list?
            .children_named("plugin")
            .filter(|p| {
                p.text_of("artifactId").map(str::trim) == Some(artifact)
                    && p.text_of("groupId")
                        .map_or("org.apache.maven.plugins", str::trim)
                        == "org.apache.maven.plugins"
            })
            .find_map(|p| {
                p.text_of("version")
                    .map(|v| interpolate(v.trim(), properties))
            })
    };
    for path in [&["plugins"][..], &["pluginManagement", "plugins"][..]] {
        for layer in lineage {
            let builds = layer
                .profile_builds
                .iter()
                .rev()
                .chain(layer.build.as_ref());
            for build in builds {
                if let Some(v) = in_list(build.at(path)) {
                    return Some(v);
                }
            }
        }
    }
    None
}

fn find<'a>(plugins: &'a [Plugin], group: &str, artifact: &str) -> Option<&'a Plugin> {
    plugins
        .iter()
        .find(|p| p.group_id == group && p.artifact_id == artifact)
}

/// The executions of `goal` of the Apache plugin `artifact` that run in `mvn package`.
fn bound<'a>(
    plugins: &'a [Plugin],
    artifact: &str,
    goal: &'a str,
) -> Vec<(&'a Plugin, &'a Execution)> {
    find(plugins, "org.apache.maven.plugins", artifact)
        .into_iter()
        .flat_map(|p| p.executions_of(goal).map(move |e| (p, e)))
        .filter(|(_, e)| runs_in_package(e))
        .filter(|(_, e)| {
            let skip = ["skip", "skipAssembly"]
                .iter()
                .any(|n| text(&e.configuration, n).is_some_and(|s| s.text.trim() == "true"));
            !skip
        })
        .collect()
}

/// maven-jar-plugin's `<archive>`: `manifest/mainClass` and `manifestEntries` honoured.
fn jar_plugin_archive(p: &Plugin, facts: &ProjectFacts) -> anyhow::Result<Archive> {
    // The default-jar execution: the plugin's configuration, overlaid by a `default-jar`
    // execution's when the pom writes one.
    let config = p
        .executions
        .iter()
        .find(|e| e.id == "default-jar")
        .map(|e| e.configuration.clone())
        .unwrap_or_else(|| p.configuration.clone());
    for e in &config {
        match e.name.as_str() {
            "archive" => {}
            "forceCreation" | "skipIfEmpty" => {}
            name => {
                return Err(unsupported(
                    "maven-jar-plugin",
                    &format!("<{name}>"),
                    element_location(&p.location, e),
                    "remove it from maven-jar-plugin's configuration, or build this project with mvn package",
                ))
            }
        }
    }
    archive(
        text(&config, "archive"),
        facts,
        "maven-jar-plugin",
        &p.location,
    )
}

/// `<archive>`: `manifest/mainClass` and `manifestEntries`; anything else is an error.
fn archive(
    el: Option<&Element>,
    facts: &ProjectFacts,
    plugin: &str,
    file: &Location,
) -> anyhow::Result<Archive> {
    let mut out = Archive::default();
    let Some(el) = el else {
        return Ok(out);
    };
    out.configured = true;
    let fix =
        format!("remove it from {plugin}'s <archive>, or build this project with mvn package");
    for child in &el.children {
        match child.name.as_str() {
            "manifest" => {
                for m in &child.children {
                    match m.name.as_str() {
                        "addDefaultSpecificationEntries" | "addDefaultImplementationEntries" => {
                            if interpolate(&m.text, facts.properties) == "true" {
                                default_entries(&m.name, facts, &mut out.default_entries);
                            }
                        }
                        "mainClass" => {
                            let v = interpolate(&m.text, facts.properties);
                            // An expression Maven cannot resolve gives no Main-Class at all.
                            if !v.is_empty() && !v.contains("${") {
                                out.main_class = Some(v);
                            }
                        }
                        name => {
                            return Err(unsupported(
                                plugin,
                                &format!("<archive><manifest><{name}>"),
                                element_location(file, m),
                                &fix,
                            ))
                        }
                    }
                }
            }
            "manifestEntries" => {
                for m in &child.children {
                    let value = interpolate(&m.text, facts.properties);
                    out.manifest_entries
                        .push((m.name.clone(), (!value.is_empty()).then_some(value)));
                }
            }
            "addMavenDescriptor" if interpolate(&child.text, facts.properties) == "true" => {}
            name => {
                return Err(unsupported(
                    plugin,
                    &format!("<archive><{name}>"),
                    element_location(file, child),
                    &fix,
                ))
            }
        }
    }
    Ok(out)
}

/// maven-archiver's default specification (`Specification-Title`, `-Version` as the version's
/// major.minor, `-Vendor` with an organization) or implementation entries (`Implementation-Title`,
/// `-Version`, `-Vendor`); the specification ones come first whatever the pom's order.
fn default_entries(which: &str, facts: &ProjectFacts, out: &mut Vec<(String, String)>) {
    let (prefix, version) = if which == "addDefaultSpecificationEntries" {
        ("Specification", major_minor(facts.version))
    } else {
        ("Implementation", facts.version.to_string())
    };
    let mut entries = vec![
        (format!("{prefix}-Title"), facts.name.to_string()),
        (format!("{prefix}-Version"), version),
    ];
    if let Some(org) = facts.organization {
        entries.push((format!("{prefix}-Vendor"), org.to_string()));
    }
    if prefix == "Specification" {
        out.splice(0..0, entries);
    } else {
        out.extend(entries);
    }
}

/// `major.minor` of a version as Maven's `DefaultArtifactVersion` parses it: `2.8.3` -> `2.8`,
/// `1.0-SNAPSHOT` -> `1.0`, `3` -> `3.0`, `1.0.0.RELEASE` -> `1.0`; what it cannot parse (a
/// non-number, a leading zero, a fourth numeric part, an empty part) is `0.0`.
fn major_minor(version: &str) -> String {
    let base = version.split_once('-').map_or(version, |(b, _)| b);
    let parts: Vec<&str> = base.split('.').collect();
    let int = |s: &str| {
        (!s.is_empty()
            && s.len() <= 9
            && s.bytes().all(|b| b.is_ascii_digit())
            && !(s.len() > 1 && s.starts_with('0')))
        .then(|| s.parse::<u64>().unwrap_or(0))
    };
    let numbers: Option<Vec<u64>> = parts.iter().take(3).map(|p| int(p)).collect();
    let fourth_numeric = parts
        .get(3)
        .is_some_and(|q| !q.is_empty() && q.bytes().all(|b| b.is_ascii_digit()));
    match numbers {
        Some(n) if !fourth_numeric && parts.iter().all(|p| !p.is_empty()) => {
            format!("{}.{}", n[0], n.get(1).copied().unwrap_or(0))
        }
        _ => "0.0".to_string(),
    }
}

/// The jars maven-shade-plugin's execution `e` leaves (see the module doc).
fn shade_jars(
    e: &Execution,
    facts: &ProjectFacts,
    main: PathBuf,
) -> anyhow::Result<Vec<OutputJar>> {
    let plugin = "maven-shade-plugin";
    let c = &e.configuration;
    let props = facts.properties;
    if is_true(text(c, "useDependencyReducedPomInJar"), props) {
        let el = text(c, "useDependencyReducedPomInJar")
            .map_or(e.location.clone(), |el| element_location(&e.location, el));
        return Err(unsupported(
            plugin,
            "<useDependencyReducedPomInJar>true",
            el,
            "remove it (the jar then carries the project's pom.xml), or build this project with mvn package",
        ));
    }
    let output_directory = match text(c, "outputDirectory") {
        Some(el) => inside_build_dir(path_value(el, facts), facts, plugin, el, &e.location)?,
        None => facts.build_directory.to_path_buf(),
    };
    let uber = |path| OutputJar {
        path,
        contents: Contents::Shaded,
        deployable: true,
    };
    let thin = |path| OutputJar {
        path,
        contents: Contents::Thin,
        deployable: false,
    };
    if let Some(el) = text(c, "outputFile") {
        let file = inside_build_dir(path_value(el, facts), facts, plugin, el, &e.location)?;
        return Ok(vec![thin(main), uber(file)]);
    }
    let attached = is_true(text(c, "shadedArtifactAttached"), props);
    let classifier = text(c, "shadedClassifierName")
        .map_or_else(|| "shaded".to_string(), |el| interpolate(&el.text, props));
    let shaded_id = text(c, "shadedArtifactId").map_or_else(
        || facts.artifact_id.to_string(),
        |el| interpolate(&el.text, props),
    );
    let renamed = text(c, "finalName")
        .map(|el| interpolate(&el.text, props))
        .filter(|n| !n.is_empty() && n != facts.final_name);
    if let Some(name) = renamed {
        return Ok(vec![
            thin(main),
            uber(output_directory.join(format!("{name}.jar"))),
        ]);
    }
    if attached {
        let name = format!("{shaded_id}-{}-{classifier}.jar", facts.version);
        return Ok(vec![thin(main), uber(output_directory.join(name))]);
    }
    let original = output_directory.join(format!(
        "original-{}",
        main.file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    ));
    Ok(vec![uber(main), thin(original)])
}

/// The jars maven-assembly-plugin's execution `e` leaves, and the assembly's archive.
fn assembly_jars(
    e: &Execution,
    facts: &ProjectFacts,
    main: PathBuf,
) -> anyhow::Result<(Vec<OutputJar>, Archive)> {
    let plugin = "maven-assembly-plugin";
    let AssemblyConfig {
        refs,
        archive_el,
        append,
        final_name,
        output_directory,
    } = assembly_config(e, facts)?;
    jar_with_dependencies_only(&refs, e)?;
    let archive = archive(archive_el, facts, plugin, &e.location)?;
    let name = if append {
        format!("{final_name}-jar-with-dependencies.jar")
    } else {
        format!("{final_name}.jar")
    };
    let path = output_directory.join(name);
    let assembled = OutputJar {
        path: path.clone(),
        contents: Contents::Assembly,
        deployable: true,
    };
    let jars = if path == main {
        vec![assembled]
    } else {
        vec![
            OutputJar {
                path: main,
                contents: Contents::Thin,
                deployable: false,
            },
            assembled,
        ]
    };
    Ok((jars, archive))
}

/// What one maven-assembly-plugin execution configures.
struct AssemblyConfig<'a> {
    /// `descriptorRefs`, each with its location.
    refs: Vec<(String, Location)>,
    archive_el: Option<&'a Element>,
    append: bool,
    final_name: String,
    output_directory: PathBuf,
}

const ASSEMBLY_FIX: &str = "use <descriptorRefs><descriptorRef>jar-with-dependencies</descriptorRef></descriptorRefs>, or build this project with mvn package";

/// The execution's configuration; an element stormpack does not honour is an error.
fn assembly_config<'a>(
    e: &'a Execution,
    facts: &ProjectFacts,
) -> anyhow::Result<AssemblyConfig<'a>> {
    let plugin = "maven-assembly-plugin";
    let props = facts.properties;
    let mut out = AssemblyConfig {
        refs: Vec::new(),
        archive_el: None,
        append: true,
        final_name: facts.final_name.to_string(),
        output_directory: facts.build_directory.to_path_buf(),
    };
    for el in &e.configuration {
        match el.name.as_str() {
            "descriptorRefs" => {
                for r in &el.children {
                    out.refs.push((
                        interpolate(&r.text, props),
                        element_location(&e.location, r),
                    ));
                }
            }
            "archive" => out.archive_el = Some(el),
            "appendAssemblyId" => out.append = interpolate(&el.text, props) != "false",
            "finalName" => out.final_name = interpolate(&el.text, props),
            "outputDirectory" => {
                out.output_directory =
                    inside_build_dir(path_value(el, facts), facts, plugin, el, &e.location)?
            }
            // They change nothing in the jar.
            "attach"
            | "skipAssembly"
            | "recompressZippedFiles"
            | "tarLongFileMode"
            | "ignoreDirFormatExtensions"
            | "updateOnly"
            | "dryRun" => {}
            name => {
                return Err(unsupported(
                    plugin,
                    &format!("<{name}>"),
                    element_location(&e.location, el),
                    ASSEMBLY_FIX,
                ))
            }
        }
    }
    Ok(out)
}

/// Exactly one descriptor, `jar-with-dependencies`.
fn jar_with_dependencies_only(refs: &[(String, Location)], e: &Execution) -> anyhow::Result<()> {
    let plugin = "maven-assembly-plugin";
    match refs {
        [(r, _)] if r == "jar-with-dependencies" => Ok(()),
        [] => Err(Diagnostic::new(format!(
            "maven-assembly-plugin's execution `{}` names no descriptor; stormpack builds the jar-with-dependencies assembly only",
            e.id
        ))
        .at(e.location.clone())
        .fix(ASSEMBLY_FIX.to_string())
        .into()),
        [(r, at)] => Err(unsupported(
            plugin,
            &format!("descriptor `{r}`"),
            at.clone(),
            ASSEMBLY_FIX,
        )),
        [_, (r, at), ..] => Err(unsupported(
            plugin,
            &format!("second <descriptorRef> `{r}`"),
            at.clone(),
            ASSEMBLY_FIX,
        )),
    }
}

/// Plugins whose goals never change the jar `mvn package` writes (or that stormpack does itself):
/// skipped quietly.
const QUIET: &[&str] = &[
    "maven-clean-plugin",
    "maven-resources-plugin",
    "maven-compiler-plugin",
    "maven-surefire-plugin",
    "maven-failsafe-plugin",
    "maven-jar-plugin",
    "maven-shade-plugin",
    "maven-assembly-plugin",
    "maven-install-plugin",
    "maven-deploy-plugin",
    "maven-site-plugin",
    "maven-checkstyle-plugin",
    "maven-enforcer-plugin",
    "maven-javadoc-plugin",
    "maven-source-plugin",
    "maven-gpg-plugin",
    "maven-release-plugin",
    "maven-pmd-plugin",
    "maven-project-info-reports-plugin",
    "apache-rat-plugin",
    "exec-maven-plugin",
    "spotbugs-maven-plugin",
    "findbugs-maven-plugin",
    "jacoco-maven-plugin",
    "animal-sniffer-maven-plugin",
    "license-maven-plugin",
    "spotless-maven-plugin",
    "versions-maven-plugin",
    "nexus-staging-maven-plugin",
];

/// A plugin the pom binds that stormpack does not run and that can change the jar is an error
/// naming the plugin and the execution; the ones in [`QUIET`] are skipped.
pub fn check_unsupported(plugins: &[Plugin]) -> anyhow::Result<()> {
    for p in plugins {
        // Goals of otherwise quiet plugins that write into the classes directory.
        let writes_classes = |goal: &str| match p.artifact_id.as_str() {
            "maven-resources-plugin" => goal == "copy-resources",
            "maven-dependency-plugin" => goal.starts_with("unpack"),
            // `process` is stormpack's (crate::remote_resources); `bundle` writes no jar entry.
            "maven-remote-resources-plugin" => goal != "process" && goal != "bundle",
            _ => !QUIET.contains(&p.artifact_id.as_str()),
        };
        let Some(e) = p
            .executions
            .iter()
            .find(|e| runs_in_package(e) && e.goals.iter().any(|g| writes_classes(g)))
        else {
            continue;
        };
        return Err(Diagnostic::new(format!(
            "{}:{} runs in this build (execution `{}`, goal{} {}{}), and stormpack does not run it; it can change the jar (generated sources or resources), so building without it could give a different jar than mvn package",
            p.group_id,
            p.artifact_id,
            e.id,
            if e.goals.len() == 1 { "" } else { "s" },
            e.goals.join(", "),
            e.phase
                .as_deref()
                .map_or_else(String::new, |ph| format!(", phase {ph}"))
        ))
        .at(e.location.clone())
        .fix("generate the files into the source tree once and remove the execution (or bind it to phase `none`), or build this project with mvn package")
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plugins(body: &str) -> Vec<Plugin> {
        let build = crate::maven::xml::parse_element(
            Path::new("pom.xml"),
            format!("<build><plugins>{body}</plugins></build>").as_bytes(),
        )
        .unwrap();
        plugins::declared(
            &[BuildLayer {
                file: PathBuf::from("pom.xml"),
                build: Some(build),
                profile_builds: Vec::new(),
            }],
            &BTreeMap::new(),
        )
    }

    fn decided(body: &str) -> anyhow::Result<Packaging> {
        let build = crate::maven::xml::parse_element(
            Path::new("/p/pom.xml"),
            format!("<build><plugins>{body}</plugins></build>").as_bytes(),
        )
        .unwrap();
        let properties: BTreeMap<String, String> = [
            ("basedir", "/p"),
            ("project.build.directory", "/p/target"),
            ("project.artifactId", "app"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        decide(
            &[BuildLayer {
                file: PathBuf::from("/p/pom.xml"),
                build: Some(build),
                profile_builds: Vec::new(),
            }],
            &ProjectFacts {
                artifact_id: "app",
                version: "1.0",
                final_name: "app-1.0",
                build_directory: Path::new("/p/target"),
                properties: &properties,
                name: "app",
                organization: None,
                inception_year: None,
            },
        )
    }

    fn names(p: &Packaging) -> Vec<(String, Contents, bool)> {
        p.jars
            .iter()
            .map(|j| (j.path.display().to_string(), j.contents, j.deployable))
            .collect()
    }

    const SHADE: &str =
        "<plugin><artifactId>maven-shade-plugin</artifactId><executions><execution>\
                         <goals><goal>shade</goal></goals><configuration>";
    const END: &str = "</configuration></execution></executions></plugin>";

    #[test]
    fn the_jars_each_shade_configuration_leaves() {
        let s = |x: &str| x.to_string();
        for (config, expected) in [
            (
                "",
                vec![
                    (s("/p/target/app-1.0.jar"), Contents::Shaded, true),
                    (s("/p/target/original-app-1.0.jar"), Contents::Thin, false),
                ],
            ),
            (
                "<shadedArtifactAttached>true</shadedArtifactAttached><shadedClassifierName>topo</shadedClassifierName>",
                vec![
                    (s("/p/target/app-1.0.jar"), Contents::Thin, false),
                    (s("/p/target/app-1.0-topo.jar"), Contents::Shaded, true),
                ],
            ),
            (
                "<finalName>${project.artifactId}-uber</finalName><outputDirectory>target/out</outputDirectory>",
                vec![
                    (s("/p/target/app-1.0.jar"), Contents::Thin, false),
                    (s("/p/target/out/app-uber.jar"), Contents::Shaded, true),
                ],
            ),
            (
                // finalName equal to the build's: as if not given.
                "<finalName>app-1.0</finalName>",
                vec![
                    (s("/p/target/app-1.0.jar"), Contents::Shaded, true),
                    (s("/p/target/original-app-1.0.jar"), Contents::Thin, false),
                ],
            ),
            (
                "<outputFile>${project.build.directory}/x/../t.jar</outputFile>",
                vec![
                    (s("/p/target/app-1.0.jar"), Contents::Thin, false),
                    (s("/p/target/t.jar"), Contents::Shaded, true),
                ],
            ),
        ] {
            let p = decided(&format!("{SHADE}{config}{END}")).unwrap();
            assert_eq!(names(&p), expected, "{config}");
        }
    }

    #[test]
    fn what_cannot_give_mvns_jars_is_an_error_naming_the_element() {
        for (body, needle) in [
            (
                format!("{SHADE}<outputFile>/elsewhere/t.jar</outputFile>{END}"),
                "<outputFile> puts the jar at /elsewhere/t.jar, outside the build directory",
            ),
            (
                format!("{SHADE}<useDependencyReducedPomInJar>true</useDependencyReducedPomInJar>{END}"),
                "<useDependencyReducedPomInJar>true",
            ),
            (
                "<plugin><artifactId>maven-jar-plugin</artifactId><configuration><archive><manifest>\
                 <addClasspath>true</addClasspath></manifest></archive></configuration></plugin>"
                    .to_string(),
                "maven-jar-plugin's <archive><manifest><addClasspath>",
            ),
            (
                "<plugin><artifactId>maven-assembly-plugin</artifactId><executions><execution>\
                 <goals><goal>single</goal></goals><configuration><descriptorRefs>\
                 <descriptorRef>bin</descriptorRef></descriptorRefs></configuration></execution></executions></plugin>"
                    .to_string(),
                "maven-assembly-plugin's descriptor `bin`",
            ),
            (
                format!(
                    "{SHADE}{END}<plugin><artifactId>maven-assembly-plugin</artifactId><executions><execution>\
                     <goals><goal>single</goal></goals></execution></executions></plugin>"
                ),
                "stormpack builds one uber jar",
            ),
        ] {
            let err = decided(&body).unwrap_err();
            let d = err.downcast_ref::<Diagnostic>().unwrap();
            assert!(d.message().contains(needle), "{body}: {}", d.message());
            assert!(d.location().is_some(), "{body}");
        }
    }

    #[test]
    fn a_shade_plugin_that_does_not_run_leaves_the_plain_jar() {
        for body in [
            "<plugin><artifactId>maven-shade-plugin</artifactId></plugin>".to_string(),
            format!("{SHADE}<skip>true</skip>{END}"),
            "<plugin><artifactId>maven-shade-plugin</artifactId><executions><execution><phase>none</phase>\
             <goals><goal>shade</goal></goals></execution></executions></plugin>"
                .to_string(),
        ] {
            let p = decided(&body).unwrap();
            assert_eq!(
                names(&p),
                [("/p/target/app-1.0.jar".to_string(), Contents::Thin, true)],
                "{body}"
            );
        }
    }

    fn plugin(group: &str, artifact: &str, execution: &str) -> String {
        format!(
            "<plugin><groupId>{group}</groupId><artifactId>{artifact}</artifactId>\
             <executions>{execution}</executions></plugin>"
        )
    }

    #[test]
    fn a_bound_plugin_that_can_change_the_jar_is_named_with_its_execution() {
        for (group, artifact, execution, needle) in [
            (
                "org.codehaus.mojo",
                "build-helper-maven-plugin",
                "<execution><id>gen</id><phase>generate-sources</phase><goals><goal>add-source</goal></goals></execution>",
                "org.codehaus.mojo:build-helper-maven-plugin runs in this build (execution `gen`, goal add-source, phase generate-sources)",
            ),
            (
                "org.apache.maven.plugins",
                "maven-resources-plugin",
                "<execution><id>extra</id><goals><goal>copy-resources</goal></goals></execution>",
                "maven-resources-plugin runs in this build (execution `extra`, goal copy-resources)",
            ),
            (
                "org.apache.maven.plugins",
                "maven-dependency-plugin",
                "<execution><goals><goal>unpack-dependencies</goal></goals></execution>",
                "(execution `default`, goal unpack-dependencies)",
            ),
            (
                "org.xolstice.maven.plugins",
                "protobuf-maven-plugin",
                "<execution><goals><goal>compile</goal><goal>test-compile</goal></goals></execution>",
                "goals compile, test-compile",
            ),
        ] {
            let err = check_unsupported(&plugins(&plugin(group, artifact, execution))).unwrap_err();
            let d = err.downcast_ref::<Diagnostic>().unwrap();
            assert!(d.message().contains(needle), "{}", d.message());
            assert!(d.location().is_some());
        }
    }

    #[test]
    fn plugins_that_never_change_the_jar_and_unbound_ones_are_quiet() {
        for (group, artifact, execution) in [
            (
                "org.apache.maven.plugins",
                "maven-enforcer-plugin",
                "<execution><goals><goal>enforce</goal></goals></execution>",
            ),
            (
                "org.apache.maven.plugins",
                "maven-checkstyle-plugin",
                "<execution><phase>validate</phase><goals><goal>check</goal></goals></execution>",
            ),
            (
                "org.apache.rat",
                "apache-rat-plugin",
                "<execution><goals><goal>check</goal></goals></execution>",
            ),
            (
                "org.apache.maven.plugins",
                "maven-dependency-plugin",
                "<execution><goals><goal>copy-dependencies</goal></goals></execution>",
            ),
            (
                "org.codehaus.mojo",
                "exec-maven-plugin",
                "<execution><goals><goal>java</goal></goals></execution>",
            ),
            // Not bound, or bound after package, or disabled.
            ("org.apache.maven.plugins", "maven-antrun-plugin", ""),
            (
                "org.apache.maven.plugins",
                "maven-antrun-plugin",
                "<execution><phase>none</phase><goals><goal>run</goal></goals></execution>",
            ),
            (
                "org.apache.maven.plugins",
                "maven-antrun-plugin",
                "<execution><phase>install</phase><goals><goal>run</goal></goals></execution>",
            ),
        ] {
            check_unsupported(&plugins(&plugin(group, artifact, execution)))
                .unwrap_or_else(|e| panic!("{artifact} {execution}: {e:#}"));
        }
    }

    #[test]
    fn specification_version_is_major_minor_as_maven_parses_it() {
        assert_eq!(major_minor("2.8.3"), "2.8");
        assert_eq!(major_minor("1.0.2-SNAPSHOT"), "1.0");
        assert_eq!(major_minor("3"), "3.0");
        assert_eq!(major_minor("1.0.0.1"), "0.0");
        assert_eq!(major_minor("wc-1"), "0.0");
        assert_eq!(major_minor("1.0.0.RELEASE"), "1.0");
        assert_eq!(major_minor("01.2"), "0.0");
    }

    #[test]
    fn the_jar_archive_takes_default_entries_and_flags_maven_archiver_2() {
        let jar = |version: &str| {
            format!(
                "<plugin><artifactId>maven-jar-plugin</artifactId><version>{version}</version>\
                 <configuration><archive><manifest>\
                 <addDefaultImplementationEntries>true</addDefaultImplementationEntries>\
                 <addDefaultSpecificationEntries>true</addDefaultSpecificationEntries>\
                 </manifest></archive></configuration></plugin>"
            )
        };
        let p = decided(&jar("2.4")).unwrap();
        assert_eq!(p.jar_archive.archiver_2.as_deref(), Some("2.4"));
        let names: Vec<&str> = p
            .jar_archive
            .default_entries
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();
        // maven-archiver's order, whatever the pom's.
        assert_eq!(
            names,
            [
                "Specification-Title",
                "Specification-Version",
                "Implementation-Title",
                "Implementation-Version"
            ]
        );
        assert!(decided(&jar("3.4.1"))
            .unwrap()
            .jar_archive
            .archiver_2
            .is_none());
    }
}
