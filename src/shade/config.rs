//! The pom's maven-shade-plugin configuration as stormpack honours it: `artifactSet`, `filters`
//! and the standard resource transformers. The configuration is the one Maven hands the `shade`
//! goal ([`crate::maven::plugin_config`]: parents' `<plugins>` and `<pluginManagement>` merged as
//! Maven merges them, executions by id, properties interpolated and evaluated). Everything
//! stormpack cannot honour yet is an error naming the element, never ignored.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use crate::error::{Diagnostic, Location};
use crate::maven::model::BuildLayer;
use crate::maven::plugin_config::PACKAGE_PHASES;
use crate::maven::plugin_config::{effective_plugin, Dom, Execution};
use crate::maven::xml::Element;

use super::notice::{Charset, NoticeSettings};
use super::pattern::{path_glob, ArtifactPattern};
use super::properties::{parse_java_int, PropertiesSettings};

const PREFIX: &str = "org.apache.maven.plugins.shade.resource.";

/// SisuIndexResourceTransformer's entry.
pub const SISU_INDEX: &str = "META-INF/sisu/javax.inject.Named";

/// One `<filter>`: which artifacts it applies to, and the entry globs kept or dropped.
#[derive(Debug, Clone)]
pub struct Filter {
    pub artifact: ArtifactPattern,
    pub includes: Vec<String>,
    pub excludes: Vec<String>,
    /// `excludeDefaults` (default true): with false, `includes` do not narrow anything.
    pub exclude_defaults: bool,
}

impl Filter {
    /// shade's SimpleFilter: an entry is dropped when includes exist and none matches, or when an
    /// exclude matches.
    pub fn drops(&self, path: &str) -> bool {
        (self.exclude_defaults
            && !self.includes.is_empty()
            && !self.includes.iter().any(|g| path_glob(g, path)))
            || self.excludes.iter().any(|g| path_glob(g, path))
    }
}

/// The honoured configuration.
#[derive(Debug, Clone, Default)]
pub struct ShadeConfig {
    pub artifact_includes: Vec<ArtifactPattern>,
    pub artifact_excludes: Vec<ArtifactPattern>,
    pub filters: Vec<Filter>,
    /// `ManifestResourceTransformer/mainClass`; `None` also when its expression resolves to
    /// nothing (Maven then writes no Main-Class).
    pub main_class: Option<String>,
    /// `ManifestResourceTransformer/manifestEntries`, in document order; an entry without a
    /// value removes the attribute, as ManifestResourceTransformer does with a `null`.
    pub manifest_entries: Vec<(String, Option<String>)>,
    /// The resource transformers but the manifest's, in configuration order: an entry goes to
    /// the first one that takes it ([`ShadeConfig::claim`]).
    pub resources: Vec<Resource>,
    /// Where each of `resources` is in the pom, for errors.
    pub resource_locations: Vec<Location>,
    /// A `ManifestResourceTransformer` is configured: the manifest is the project's (filters do
    /// not apply to it). Without one the manifest is an entry like any other: the first copy
    /// the filters and resource transformers leave, the project's or a dependency's, or none.
    pub manifest_transformer: bool,
    /// `relocations`, in order (empty without any).
    pub relocations: super::relocator::Relocators,
}

/// One resource transformer (maven-shade-plugin's `org.apache.maven.plugins.shade.resource`).
#[derive(Debug, Clone)]
pub enum Resource {
    /// ServicesResourceTransformer: every path under `META-INF/services` merged.
    Services,
    /// DontIncludeResourceTransformer: `resource`/`resources` suffixes dropped.
    DontInclude(Vec<String>),
    /// ApacheLicenseResourceTransformer: `META-INF/LICENSE` (and `.txt`, `.md`) dropped.
    ApacheLicense,
    /// ApacheNoticeResourceTransformer: `META-INF/NOTICE` (and `.txt`, `.md`) merged into
    /// `META-INF/NOTICE`, always written.
    ApacheNotice(NoticeSettings),
    /// AppendingTransformer: every copy of `resource` (any case), each followed by a newline.
    Appending { resource: String },
    /// ResourceBundleAppendingTransformer: the files of the bundle `basename` (a Java regular
    /// expression, then up to three `_xx` locale parts and `.properties`), each name's copies
    /// appended as AppendingTransformer appends them.
    ResourceBundle { pattern: regex::Regex },
    /// properties.PropertiesTransformer: the copies of `resource` (exact name) merged as
    /// `java.util.Properties` ([`super::properties`]).
    Properties(PropertiesSettings),
    /// SisuIndexResourceTransformer: every line of every `META-INF/sisu/javax.inject.Named`, in
    /// order (duplicates kept), each followed by a newline.
    SisuIndex,
    /// IncludeResourceTransformer: `file` (inside the project) added as `resource`.
    Include {
        resource: String,
        file: PathBuf,
        /// The project's directory: `file` must stay in it.
        project: PathBuf,
        /// The transformer in the pom, for errors.
        at: Location,
    },
}

impl Resource {
    /// The transformer's `canTransformResource`.
    fn takes(&self, path: &str) -> bool {
        match self {
            Resource::Services => path.starts_with("META-INF/services"),
            Resource::DontInclude(suffixes) => suffixes
                .iter()
                .any(|s| !s.is_empty() && path.ends_with(s.as_str())),
            Resource::ApacheLicense => is_license(path),
            Resource::ApacheNotice(_) => [
                "META-INF/NOTICE",
                "META-INF/NOTICE.txt",
                "META-INF/NOTICE.md",
            ]
            .iter()
            .any(|n| java_equals_ignore_case(n, path)),
            Resource::Appending { resource } => java_equals_ignore_case(resource, path),
            Resource::ResourceBundle { pattern } => pattern.is_match(path),
            Resource::Properties(p) => p.resource == path,
            Resource::SisuIndex => path == SISU_INDEX,
            Resource::Include { .. } => false,
        }
    }

    /// The entry the transformer writes at the end, if any.
    pub fn output(&self) -> Option<&str> {
        match self {
            Resource::ApacheNotice(_) => Some("META-INF/NOTICE"),
            Resource::Properties(p) => Some(&p.resource),
            Resource::SisuIndex => Some(SISU_INDEX),
            Resource::Appending { resource } | Resource::Include { resource, .. } => Some(resource),
            _ => None,
        }
    }
}

/// What happens to an entry a resource transformer takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Dropped (DontInclude, ApacheLicense).
    Drop,
    /// Merged by ServicesResourceTransformer.
    Services,
    /// Merged by the transformer at this index of [`ShadeConfig::resources`].
    Merge(usize),
}

impl ShadeConfig {
    /// artifactSet: included when no include is given or one matches, and no exclude matches.
    pub fn includes_artifact(&self, a: &crate::maven::Artifact) -> bool {
        (self.artifact_includes.is_empty() || self.artifact_includes.iter().any(|p| p.matches(a)))
            && !self.artifact_excludes.iter().any(|p| p.matches(a))
    }

    /// Whether the entry `path` of artifact `a` is dropped by a filter or a resource transformer.
    pub fn drops_entry(&self, a: &crate::maven::Artifact, path: &str) -> bool {
        self.filters
            .iter()
            .any(|f| f.artifact.matches(a) && f.drops(path))
            || self.drops_resource(path)
    }

    /// Dropped by DontIncludeResourceTransformer or ApacheLicenseResourceTransformer (the first
    /// transformer that takes the entry).
    pub fn drops_resource(&self, path: &str) -> bool {
        self.claim(path) == Some(Claim::Drop)
    }

    /// ApacheNoticeResourceTransformers without `<encoding>` read and write in the default
    /// charset of the JVM mvn runs on: `jvm_charset` gives its `file.encoding` (asked only when
    /// one needs it; `None`, no JVM: UTF-8, the default since Java 18).
    pub fn set_default_charset(
        &mut self,
        jvm_charset: impl FnOnce() -> Option<String>,
    ) -> anyhow::Result<()> {
        let mut jvm_charset = Some(jvm_charset);
        let mut name: Option<Option<String>> = None;
        for (i, r) in self.resources.iter_mut().enumerate() {
            let Resource::ApacheNotice(settings) = r else {
                continue;
            };
            if settings.encoding_given {
                continue;
            }
            let name = name.get_or_insert_with(|| jvm_charset.take().and_then(|f| f()));
            settings.encoding = match name.as_deref() {
                None => Charset::Utf8,
                Some(n) => Charset::from_java_name(n).ok_or_else(|| {
                    let d = Diagnostic::new(format!(
                        "ApacheNoticeResourceTransformer reads NOTICE files in the JVM's default charset, {n}, which stormpack does not read"
                    ))
                    .fix("give it <encoding>UTF-8</encoding> (or ISO-8859-1, US-ASCII)");
                    anyhow::Error::from(match self.resource_locations.get(i) {
                        Some(at) => d.at(at.clone()),
                        None => d,
                    })
                })?,
            };
        }
        Ok(())
    }

    /// Whether a merging transformer (not Services) takes the entry `path`: its copy ends in the
    /// transformer's generated entry.
    pub fn merges(&self, path: &str) -> bool {
        matches!(self.claim(path), Some(Claim::Merge(_)))
    }

    /// The first resource transformer, in configuration order, that takes the entry `path`, as
    /// maven-shade-plugin asks them. Class files never reach them, whatever their names.
    pub fn claim(&self, path: &str) -> Option<Claim> {
        if path.ends_with(".class") {
            return None;
        }
        let (index, t) = self
            .resources
            .iter()
            .enumerate()
            .find(|(_, t)| t.takes(path))?;
        Some(match t {
            Resource::Services => Claim::Services,
            Resource::DontInclude(_) | Resource::ApacheLicense => Claim::Drop,
            _ => Claim::Merge(index),
        })
    }
}

/// ApacheLicenseResourceTransformer's match: `META-INF/LICENSE` exactly, or a name that starts
/// with `META-INF/LICENSE.txt` or `META-INF/LICENSE.md`, any case.
fn is_license(path: &str) -> bool {
    let starts = |prefix: &str| {
        path.get(..prefix.len())
            .is_some_and(|head| java_equals_ignore_case(prefix, head))
    };
    java_equals_ignore_case("META-INF/LICENSE", path)
        || starts("META-INF/LICENSE.txt")
        || starts("META-INF/LICENSE.md")
}

/// Java's `String.equalsIgnoreCase`: same length in UTF-16 units, and each pair of characters
/// equal, equal upper-cased, or equal lower-cased after that.
pub fn java_equals_ignore_case(a: &str, b: &str) -> bool {
    fn single(mut it: impl Iterator<Item = char>, c: char) -> char {
        match (it.next(), it.next()) {
            (Some(one), None) => one,
            _ => c,
        }
    }
    a.encode_utf16().count() == b.encode_utf16().count()
        && a.chars().count() == b.chars().count()
        && a.chars().zip(b.chars()).all(|(x, y)| {
            if x == y {
                return true;
            }
            let (ux, uy) = (single(x.to_uppercase(), x), single(y.to_uppercase(), y));
            ux == uy || single(ux.to_lowercase(), ux) == single(uy.to_lowercase(), uy)
        })
}

/// Configuration elements that do not change the uber jar's contents.
const NEUTRAL: &[&str] = &[
    "createDependencyReducedPom",
    "dependencyReducedPomLocation",
    "generateUniqueDependencyReducedPom",
    "keepDependenciesWithProvidedScope",
    "promoteTransitiveDependencies",
    "useBaseVersion",
    "createSourcesJar",
    "createTestSourcesJar",
    "shadeSourcesContent",
    "shadeTestJar",
    // Which file the uber jar is: read by `crate::packaging`.
    "shadedArtifactAttached",
    "shadedClassifierName",
    "shadedArtifactId",
    "finalName",
    "outputFile",
    "outputDirectory",
];

/// The configuration the `shade` goal runs with, or `None` when the pom does not run
/// maven-shade-plugin's `shade` goal in `mvn package` (not declared in `<build><plugins>`, or no
/// execution binds the goal). `lineage`: each pom's `<build>` (and its active profiles'),
/// nearest first; `properties`:
/// what `${...}` resolves to (user, model and system properties).
pub fn from_lineage(
    lineage: &[BuildLayer],
    properties: &BTreeMap<String, String>,
) -> anyhow::Result<Option<ShadeConfig>> {
    let Some(plugin) = effective_plugin(
        lineage,
        "org.apache.maven.plugins",
        "maven-shade-plugin",
        properties,
    ) else {
        return Ok(None);
    };
    let Some(execution) = shade_execution(&plugin.executions)? else {
        return Ok(None);
    };
    let config = execution.configuration.clone();
    // `<skip>true</skip>`: the goal does nothing, the build is as without the plugin.
    if config
        .as_ref()
        .and_then(|c| c.value_of("skip"))
        .is_some_and(|v| v.trim() == "true")
    {
        return Ok(None);
    }
    let out = read_parameters(config.as_ref(), &basedir(lineage, properties))?;
    super::relocator::check_manifest_relocation(config.as_ref(), &out.relocations)?;
    Ok(Some(out))
}

/// The one execution that runs the `shade` goal in `mvn package`, or `None` when none does. A
/// shade goal bound before package, or more than one execution running it, is an error.
fn shade_execution(executions: &[Execution]) -> anyhow::Result<Option<&Execution>> {
    let mut running = Vec::new();
    for e in executions {
        if !e.goals.iter().any(|g| g == "shade") {
            continue;
        }
        // The goal's default phase is package.
        match e.phase.as_deref().unwrap_or("package") {
            "package" => running.push(e),
            phase if phase != "package" && PACKAGE_PHASES.contains(&phase) => {
                return Err(Diagnostic::new(format!(
                    "maven-shade-plugin's execution `{}` runs the shade goal in phase `{phase}`, before the project's jar exists; Maven fails there",
                    e.id
                ))
                .at(at(&e.at))
                .fix("bind the shade goal to the package phase (<phase>package</phase>)")
                .into())
            }
            // `none`, or a phase after package: not part of `mvn package`.
            _ => {}
        }
    }
    match running.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one)),
        [_, second, ..] => Err(Diagnostic::new(
            "maven-shade-plugin runs its shade goal in more than one execution; each shades the jar the previous one wrote, which stormpack does not reproduce",
        )
        .at(at(&second.at))
        .fix("keep a single execution of the shade goal")
        .into()),
    }
}

/// The shade goal's parameters read from its `<configuration>`; an element stormpack cannot
/// honour is an error naming it.
fn read_parameters(config: Option<&Dom>, basedir: &Path) -> anyhow::Result<ShadeConfig> {
    let mut out = ShadeConfig::default();
    for el in config.iter().flat_map(|c| &c.children) {
        let flag = || el.value.as_deref().map(str::trim) == Some("true");
        match el.name.as_str() {
            "artifactSet" => {
                only_children(el, &["includes", "excludes"], "artifactSet")?;
                out.artifact_includes = patterns(el.list("includes", "include"));
                out.artifact_excludes = patterns(el.list("excludes", "exclude"));
            }
            "filters" => {
                for f in el.children_named("filter") {
                    out.filters.push(filter(f)?);
                }
            }
            "transformers" => {
                for t in el.children_named("transformer") {
                    transformer(t, basedir, &mut out)?;
                }
            }
            "minimizeJar" | "useDependencyReducedPomInJar" if !flag() => {}
            "skip" => {}
            "relocations" => out.relocations = super::relocator::from_config(el)?,
            name if NEUTRAL.contains(&name) => {}
            name => {
                return Err(Diagnostic::new(format!(
                    "maven-shade-plugin's <{name}> is not supported by stormpack yet; building without it would give a different jar than mvn package"
                ))
                .at(at(&el.at))
                .fix(format!(
                    "remove <{name}> from the shade plugin's configuration, or build this project with mvn package"
                ))
                .into());
            }
        }
    }
    Ok(out)
}

/// One `<filter>` of `<filters>`.
fn filter(f: &Dom) -> anyhow::Result<Filter> {
    only_children(
        f,
        &["artifact", "includes", "excludes", "excludeDefaults"],
        "filter",
    )?;
    let pattern = f.value_of("artifact").unwrap_or("*");
    Ok(Filter {
        artifact: ArtifactPattern::parse(pattern),
        includes: f.list("includes", "include"),
        excludes: f.list("excludes", "exclude"),
        exclude_defaults: f.value_of("excludeDefaults").map(str::trim) != Some("false"),
    })
}

/// The project's basedir, which relative File parameters are aligned to (as Maven aligns them).
fn basedir(lineage: &[BuildLayer], properties: &BTreeMap<String, String>) -> PathBuf {
    properties
        .get("basedir")
        .map(PathBuf::from)
        .or_else(|| {
            lineage
                .first()
                .and_then(|l| l.file.parent())
                .map(Path::to_path_buf)
        })
        .unwrap_or_default()
}

/// A child Maven cannot configure on `what` (its class has no such field) fails Maven's build;
/// it is an error here too, never ignored.
fn only_children(el: &Dom, allowed: &[&str], what: &str) -> anyhow::Result<()> {
    match el
        .children
        .iter()
        .find(|c| !allowed.contains(&c.name.as_str()))
    {
        Some(c) => Err(Diagnostic::new(format!(
            "maven-shade-plugin's <{what}> has no parameter <{}>; Maven fails to configure it",
            c.name
        ))
        .at(at(&c.at))
        .fix(format!(
            "remove <{}>; <{what}> takes {}",
            c.name,
            allowed
                .iter()
                .map(|a| format!("<{a}>"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .into()),
        None => Ok(()),
    }
}

fn at(l: &crate::maven::xml::SourceLocation) -> Location {
    Location::at(l.file.clone(), l.line, l.column)
}

fn patterns(items: Vec<String>) -> Vec<ArtifactPattern> {
    items.iter().map(|s| ArtifactPattern::parse(s)).collect()
}

fn transformer(t: &Dom, basedir: &Path, out: &mut ShadeConfig) -> anyhow::Result<()> {
    let implementation = t.attribute("implementation").unwrap_or("").trim();
    let short = implementation
        .strip_prefix(PREFIX)
        .unwrap_or(implementation);
    match short {
        "ManifestResourceTransformer" => {
            // additionalAttributes only matter with relocations (refused there: relocator::check_manifest_relocation).
            only(t, short, &["mainClass", "manifestEntries", "additionalAttributes"])?;
            out.manifest_transformer = true;
            out.main_class = t.value_of("mainClass").map(|s| s.trim().to_string());
            if let Some(entries) = t.child("manifestEntries") {
                for e in &entries.children {
                    out.manifest_entries.push((e.name.clone(), e.value.clone()));
                }
            }
        }
        "" => {
            return Err(Diagnostic::new(
                "a maven-shade-plugin <transformer> has no implementation attribute",
            )
            .at(at(&t.at))
            .fix("name the transformer class: <transformer implementation=\"org.apache.maven.plugins.shade.resource.ServicesResourceTransformer\"/>")
            .into())
        }
        _ => {
            if let Some(resource) = resource_transformer(t, implementation, short, basedir)? {
                out.resources.push(resource);
                out.resource_locations.push(at(&t.at));
            }
        }
    }
    Ok(())
}

/// A parameter the transformer class does not have fails Maven's configuration of it (as when
/// a merge pairs two different transformers).
fn only(t: &Dom, short: &str, allowed: &[&str]) -> anyhow::Result<()> {
    match t
        .children
        .iter()
        .find(|c| !allowed.contains(&c.name.as_str()))
    {
        Some(c) => Err(unsupported(&format!("{short}'s <{}>", c.name), at(&c.at))),
        None => Ok(()),
    }
}

/// A resource transformer other than the manifest's; `None` for one that takes nothing (an
/// AppendingTransformer without a resource, ...), as in Maven.
fn resource_transformer(
    t: &Dom,
    implementation: &str,
    short: &str,
    basedir: &Path,
) -> anyhow::Result<Option<Resource>> {
    let only = |allowed: &[&str]| only(t, short, allowed);
    Ok(Some(match short {
        // Service names and lines are relocated by the shade plan (relocator::service_name, service_content).
        "ServicesResourceTransformer" => {
            only(&[])?;
            Resource::Services
        }
        "DontIncludeResourceTransformer" => {
            only(&["resource", "resources"])?;
            let mut suffixes: Vec<String> = t
                .value_of("resource")
                .map(str::to_string)
                .into_iter()
                .collect();
            suffixes.extend(t.list("resources", "resource"));
            Resource::DontInclude(suffixes)
        }
        "ApacheLicenseResourceTransformer" => {
            only(&[])?;
            Resource::ApacheLicense
        }
        "ApacheNoticeResourceTransformer" => Resource::ApacheNotice(notice_settings(t, short)?),
        "AppendingTransformer" => {
            only(&["resource"])?;
            let Some(resource) = t.value_of("resource") else {
                return Ok(None);
            };
            let resource = resource.trim().to_string();
            check_resource(&resource, short, t)?;
            Resource::Appending { resource }
        }
        "ResourceBundleAppendingTransformer" => {
            only(&["basename"])?;
            match t.child("basename").filter(|c| c.value.is_some()) {
                Some(c) => resource_bundle(c, short)?,
                None => return Ok(None),
            }
        }
        "properties.PropertiesTransformer"
        | "properties.MicroprofileConfigTransformer"
        | "properties.OpenWebBeansPropertiesTransformer" => {
            only(&[
                "resource",
                "alreadyMergedKey",
                "ordinalKey",
                "defaultOrdinal",
                "reverseOrder",
            ])?;
            let Some(settings) = properties_settings(t, implementation, short)? else {
                return Ok(None);
            };
            check_resource(&settings.resource, short, t)?;
            Resource::Properties(settings)
        }
        "SisuIndexResourceTransformer" => {
            only(&[])?;
            Resource::SisuIndex
        }
        "IncludeResourceTransformer" => {
            only(&["resource", "file"])?;
            include(t, basedir)?
        }
        _ => {
            return Err(unsupported(
                &format!("the transformer {implementation}"),
                at(&t.at),
            ))
        }
    }))
}

/// A transformer's entry name: a path inside the jar, and not the manifest (it is
/// ManifestResourceTransformer's or the first copy's; a transformer writing it too makes a second
/// `META-INF/MANIFEST.MF`, which Maven refuses).
fn check_resource(resource: &str, short: &str, t: &Dom) -> anyhow::Result<()> {
    // The entry must also stay inside the jar (Storm's supervisor extracts the jar).
    let bad = resource.is_empty()
        || resource.starts_with('/')
        || resource.ends_with('/')
        || resource.contains(['\\', '\0'])
        || resource
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..");
    if bad {
        return Err(Diagnostic::new(format!(
            "{short}'s <resource>{resource}</resource> is not a valid path inside a jar"
        ))
        .at(at(&t.at))
        .fix("use a relative path with `/` separators and no `.` or `..` segments")
        .into());
    }
    if java_equals_ignore_case(resource, "META-INF/MANIFEST.MF") {
        return Err(Diagnostic::new(format!(
            "{short} cannot write META-INF/MANIFEST.MF; Maven fails with a duplicate entry or a damaged manifest"
        ))
        .at(at(&t.at))
        .fix("set manifest attributes with ManifestResourceTransformer's <manifestEntries>")
        .into());
    }
    Ok(())
}

/// ApacheNoticeResourceTransformer's parameters over its defaults; an empty element keeps the
/// default, as Maven leaves a field alone when the element has no value.
fn notice_settings(t: &Dom, short: &str) -> anyhow::Result<NoticeSettings> {
    let mut s = NoticeSettings::default();
    for c in &t.children {
        let Some(value) = c.value.clone() else {
            if c.children.is_empty() {
                continue;
            }
            return Err(unsupported(
                &format!("{short}'s <{}> with child elements", c.name),
                at(&c.at),
            ));
        };
        match c.name.as_str() {
            "projectName" => s.project_name = value,
            // Boolean.valueOf: only "true" (any case) is true.
            "addHeader" => s.add_header = value.trim().eq_ignore_ascii_case("true"),
            "preamble1" => s.preamble1 = value,
            "preamble2" => s.preamble2 = value,
            "preamble3" => s.preamble3 = value,
            "organizationName" => s.organization_name = value,
            "organizationURL" => s.organization_url = value,
            "inceptionYear" => s.inception_year = value,
            "copyright" => s.copyright = Some(value),
            "encoding" => {
                s.encoding_given = true;
                s.encoding = Charset::from_java_name(&value).ok_or_else(|| {
                    anyhow::Error::from(
                        Diagnostic::new(format!(
                            "{short}'s <encoding>{value}</encoding> is not an encoding stormpack reads NOTICE files in"
                        ))
                        .at(at(&c.at))
                        .fix("use UTF-8, ISO-8859-1 or US-ASCII, or build this project with mvn package"),
                    )
                })?;
            }
            _ => return Err(unsupported(&format!("{short}'s <{}>", c.name), at(&c.at))),
        }
    }
    Ok(s)
}

/// `Pattern.compile(basename + "(_[a-zA-Z]+){0,3}\\.properties")`, matched against the whole
/// entry name; a basename the regex crate reads differently from Java (lookaround,
/// backreferences) is an error.
fn resource_bundle(c: &Dom, short: &str) -> anyhow::Result<Resource> {
    let basename = c.value.as_deref().unwrap_or("");
    let source = format!("^(?:{basename}(_[a-zA-Z]+){{0,3}}\\.properties)$");
    let pattern = regex::Regex::new(&source).map_err(|e| {
        anyhow::Error::from(
            Diagnostic::new(format!(
                "{short}'s <basename>{basename}</basename> is not a regular expression stormpack reads: {e}"
            ))
            .at(at(&c.at))
            .fix("name the bundle by its path, e.g. com/example/Messages (no lookaround or backreferences)"),
        )
    })?;
    Ok(Resource::ResourceBundle { pattern })
}

/// PropertiesTransformer's (or its subclass's) parameters over the class's defaults (`None`
/// without a resource).
fn properties_settings(
    t: &Dom,
    class: &str,
    short: &str,
) -> anyhow::Result<Option<PropertiesSettings>> {
    let text = |name: &str| t.value_of(name).map(|v| v.trim().to_string());
    let (resource, ordinal_key, default_ordinal) = match short {
        "properties.MicroprofileConfigTransformer" => (None, Some("config_ordinal"), 1000),
        "properties.OpenWebBeansPropertiesTransformer" => (
            Some("META-INF/openwebbeans/openwebbeans.properties"),
            Some("configuration.ordinal"),
            100,
        ),
        _ => (None, None, 0),
    };
    let Some(resource) = text("resource").or(resource.map(str::to_string)) else {
        return Ok(None);
    };
    let default_ordinal = match t
        .child("defaultOrdinal")
        .and_then(|c| c.value.as_deref().map(|v| (c, v)))
    {
        None => default_ordinal,
        Some((c, v)) => parse_java_int(v.trim()).ok_or_else(|| {
            anyhow::Error::from(
                Diagnostic::new(format!(
                    "{short}'s <defaultOrdinal>{v}</defaultOrdinal> is not an int; Maven fails to configure it"
                ))
                .at(at(&c.at))
                .fix("give a whole number, e.g. <defaultOrdinal>0</defaultOrdinal>"),
            )
        })?,
    };
    Ok(Some(PropertiesSettings {
        resource,
        already_merged_key: text("alreadyMergedKey"),
        ordinal_key: text("ordinalKey").or(ordinal_key.map(str::to_string)),
        default_ordinal,
        // Boolean.valueOf: only "true" (any case) is true.
        reverse_order: text("reverseOrder").is_some_and(|v| v.eq_ignore_ascii_case("true")),
        class: class.to_string(),
    }))
}

/// IncludeResourceTransformer: `file` aligned to the basedir as Maven aligns a File parameter
/// (a relative path joined to it, `.` and `..` resolved), and refused when it leaves the project.
/// Maven silently writes nothing for a missing file; stormpack refuses that at build time.
fn include(t: &Dom, basedir: &Path) -> anyhow::Result<Resource> {
    let short = "IncludeResourceTransformer";
    let resource = t.value_of("resource").map(|r| r.trim().to_string());
    let file = t.value_of("file").map(|f| f.trim().to_string());
    let (Some(resource), Some(file)) = (resource, file) else {
        let missing = if t.value_of("resource").is_none() {
            "resource"
        } else {
            "file"
        };
        return Err(Diagnostic::new(format!(
            "{short} has no <{missing}>; Maven fails (no resource) or adds nothing (no file)"
        ))
        .at(at(&t.at))
        .fix("give it <resource> (the entry's path in the jar) and <file> (a file in the project)")
        .into());
    };
    check_resource(&resource, short, t)?;
    let basedir = std::path::absolute(basedir).unwrap_or_else(|_| basedir.to_path_buf());
    let given = PathBuf::from(&file);
    let joined = if given.is_absolute() {
        given
    } else {
        basedir.join(given)
    };
    let resolved = lexical(&joined);
    let project = lexical(&basedir);
    if !resolved.starts_with(&project) {
        return Err(Diagnostic::new(format!(
            "{short}'s <file>{file}</file> is {}, outside the project {}; stormpack reads no file from outside the project",
            resolved.display(),
            project.display()
        ))
        .at(at(&t.at))
        .fix("copy the file into the project and name it relative to the pom's directory")
        .into());
    }
    Ok(Resource::Include {
        resource,
        file: resolved,
        project,
        at: at(&t.at),
    })
}

/// `path` without `.` and `..` components (no file system access), as `URI.normalize` does.
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

fn unsupported(what: &str, at: Location) -> anyhow::Error {
    Diagnostic::new(format!(
        "{what} is not supported by stormpack yet; building without it would give a different jar than mvn package"
    ))
    .at(at)
    .fix("remove it from the shade plugin's configuration, or build this project with mvn package")
    .into()
}

/// For tests and callers that hold a single pom's `<build>`.
pub fn from_build(file: &Path, build: &Element) -> anyhow::Result<Option<ShadeConfig>> {
    let layer = BuildLayer {
        file: file.to_path_buf(),
        build: Some(build.clone()),
        profile_builds: Vec::new(),
    };
    from_lineage(&[layer], &BTreeMap::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maven::Artifact;

    fn build(xml: &str) -> Element {
        crate::maven::xml::parse_element(Path::new("pom.xml"), xml.as_bytes()).unwrap()
    }

    const HEAD: &str = "<build><plugins><plugin><artifactId>maven-shade-plugin</artifactId>\
        <executions><execution><goals><goal>shade</goal></goals></execution></executions><configuration>";
    const TAIL: &str = "</configuration></plugin></plugins></build>";

    fn config(body: &str) -> anyhow::Result<Option<ShadeConfig>> {
        from_build(Path::new("pom.xml"), &build(&format!("{HEAD}{body}{TAIL}")))
    }

    #[test]
    fn no_shade_plugin_no_config() {
        let b = build("<build><plugins><plugin><artifactId>maven-jar-plugin</artifactId></plugin></plugins></build>");
        assert!(from_build(Path::new("pom.xml"), &b).unwrap().is_none());
    }

    #[test]
    fn reads_sets_filters_and_transformers() {
        let c = config(
            "<artifactSet><excludes><exclude>junit:*</exclude></excludes></artifactSet>\
             <filters><filter><artifact>*:*</artifact><excludes><exclude>META-INF/*.SF</exclude></excludes></filter></filters>\
             <transformers>\
               <transformer implementation=\"org.apache.maven.plugins.shade.resource.ManifestResourceTransformer\">\
                 <mainClass>a.B</mainClass><manifestEntries><X-A>1</X-A></manifestEntries></transformer>\
               <transformer implementation=\"org.apache.maven.plugins.shade.resource.DontIncludeResourceTransformer\"><resource>.txt</resource></transformer>\
             </transformers>",
        )
        .unwrap()
        .unwrap();
        let junit = Artifact::new("junit", "junit", "4");
        let other = Artifact::new("a", "b", "1");
        assert!(!c.includes_artifact(&junit));
        assert!(c.includes_artifact(&other));
        assert!(c.drops_entry(&other, "META-INF/X.SF"));
        assert!(c.drops_entry(&other, "x/y.txt"));
        assert!(!c.drops_entry(&other, "x/Y.class"));
        let classes = config(
            "<transformers><transformer implementation=\"org.apache.maven.plugins.shade.resource.DontIncludeResourceTransformer\">\
               <resource>module-info.class</resource></transformer></transformers>",
        )
        .unwrap()
        .unwrap();
        assert!(!classes.drops_entry(&other, "META-INF/versions/9/module-info.class"));
        assert_eq!(
            c.manifest_entries,
            [("X-A".to_string(), Some("1".to_string()))]
        );
        assert_eq!(c.main_class.as_deref(), Some("a.B"));
    }

    #[test]
    fn exclude_defaults_false_ignores_includes() {
        let c = config(
            "<filters><filter><artifact>*:*</artifact><excludeDefaults>false</excludeDefaults>\
               <includes><include>a/**</include></includes><excludes><exclude>b/**</exclude></excludes></filter></filters>",
        )
        .unwrap()
        .unwrap();
        let a = Artifact::new("a", "b", "1");
        assert!(!c.drops_entry(&a, "c/X.class"));
        assert!(c.drops_entry(&a, "b/X.class"));
        assert!(config("<filters><filter><artefact>x</artefact></filter></filters>").is_err());
    }

    #[test]
    fn what_is_not_honoured_is_an_error() {
        for body in [
            "<minimizeJar>true</minimizeJar>",
            "<relocations><relocation><pattern>a</pattern><rawString>true</rawString></relocation></relocations>",
            "<relocations><relocation><shadedPattern>a</shadedPattern></relocation></relocations>",
            "<relocations><relocation><pattern>a</pattern><shaded>b</shaded></relocation></relocations>",
            "<transformers><transformer implementation=\"com.example.Mine\"/></transformers>",
            "<transformers><transformer/></transformers>",
            "<useDependencyReducedPomInJar>true</useDependencyReducedPomInJar>",
            "<transformers><transformer implementation=\"org.apache.maven.plugins.shade.resource.ServicesResourceTransformer\">\
               <mainClass>a.B</mainClass></transformer></transformers>",
        ] {
            let err = config(body).unwrap_err();
            let d = err.downcast_ref::<Diagnostic>().unwrap();
            assert!(d.location().is_some(), "{body}");
        }
        assert!(config("<skip>true</skip>").unwrap().is_none());
        assert!(config("<minimizeJar>false</minimizeJar>")
            .unwrap()
            .is_some());
    }

    const T: &str = "org.apache.maven.plugins.shade.resource.";

    #[test]
    fn the_first_transformer_that_takes_an_entry_has_it() {
        let c = config(&format!(
            "<transformers>\
               <transformer implementation=\"{T}AppendingTransformer\"><resource>Reference.CONF</resource></transformer>\
               <transformer implementation=\"{T}DontIncludeResourceTransformer\"><resource>.conf</resource></transformer>\
               <transformer implementation=\"{T}ApacheNoticeResourceTransformer\"/>\
               <transformer implementation=\"{T}AppendingTransformer\"><resource>x.conf</resource></transformer>\
               <transformer implementation=\"{T}ServicesResourceTransformer\"/>\
               <transformer implementation=\"{T}ApacheLicenseResourceTransformer\"/>\
             </transformers>"
        ))
        .unwrap()
        .unwrap();
        assert_eq!(c.claim("reference.conf"), Some(Claim::Merge(0)));
        // The DontInclude listed before it takes x.conf: the second AppendingTransformer never sees it.
        assert_eq!(c.claim("x.conf"), Some(Claim::Drop));
        assert_eq!(c.claim("META-INF/notice.TXT"), Some(Claim::Merge(2)));
        assert_eq!(c.claim("META-INF/NOTICE.md"), Some(Claim::Merge(2)));
        assert_eq!(c.claim("META-INF/NOTICE.html"), None);
        assert_eq!(c.claim("META-INF/services/a.B"), Some(Claim::Services));
        assert_eq!(c.claim("META-INF/LICENSE.txt.old"), Some(Claim::Drop));
        assert_eq!(c.claim("META-INF/LICENSE.html"), None);
        assert_eq!(c.claim("a/reference.conf"), Some(Claim::Drop));
        assert_eq!(c.claim("Reference.class"), None);
        assert_eq!(c.resources[0].output(), Some("Reference.CONF"));
        assert_eq!(c.resources[2].output(), Some("META-INF/NOTICE"));
    }

    #[test]
    fn notice_parameters_over_the_defaults() {
        let c = config(&format!(
            "<transformers><transformer implementation=\"{T}ApacheNoticeResourceTransformer\">\
               <projectName>P</projectName><addHeader>FALSE</addHeader><inceptionYear>2001</inceptionYear>\
               <organizationName>O</organizationName><organizationURL>u</organizationURL>\
               <preamble3>pre</preamble3><encoding>latin1</encoding><preamble1></preamble1>\
             </transformer></transformers>"
        ))
        .unwrap()
        .unwrap();
        let Resource::ApacheNotice(s) = &c.resources[0] else {
            panic!("{:?}", c.resources);
        };
        assert_eq!(s.project_name, "P");
        assert!(!s.add_header);
        assert_eq!(s.inception_year, "2001");
        assert_eq!(
            (s.organization_name.as_str(), s.organization_url.as_str()),
            ("O", "u")
        );
        assert_eq!(s.preamble3, "pre");
        assert_eq!(s.encoding, Charset::Latin1);
        assert_eq!(s.preamble1, NoticeSettings::default().preamble1);
        for bad in ["<encoding>EBCDIC-XYZ</encoding>", "<entries>x</entries>"] {
            let body = format!(
                "<transformers><transformer implementation=\"{T}ApacheNoticeResourceTransformer\">{bad}</transformer></transformers>"
            );
            let err = config(&body).unwrap_err();
            let d = err.downcast_ref::<Diagnostic>().unwrap();
            assert!(d.location().is_some() && d.fix_text().is_some(), "{bad}");
        }
    }

    #[test]
    fn include_file_is_the_basedirs_and_stays_in_it() {
        let with = |file: &str| {
            let xml = format!(
                "{HEAD}<transformers><transformer implementation=\"{T}IncludeResourceTransformer\">\
                   <resource>META-INF/LICENSE</resource><file>{file}</file></transformer></transformers>{TAIL}"
            );
            from_build(Path::new("/work/p/pom.xml"), &build(&xml))
        };
        let c = with("docs/../LICENSE").unwrap().unwrap();
        let Resource::Include { file, project, .. } = &c.resources[0] else {
            panic!("{:?}", c.resources);
        };
        assert_eq!(file, Path::new("/work/p/LICENSE"));
        assert_eq!(project, Path::new("/work/p"));
        assert_eq!(c.claim("META-INF/LICENSE"), None);
        for outside in ["../LICENSE", "/etc/passwd", "a/../../p2/LICENSE"] {
            let err = with(outside).unwrap_err();
            assert!(
                err.to_string().contains("outside the project"),
                "{outside}: {err}"
            );
        }
        assert!(with("").is_err(), "no file");
        let manifest = format!(
            "<transformers><transformer implementation=\"{T}AppendingTransformer\"><resource>meta-inf/manifest.mf</resource></transformer></transformers>"
        );
        assert!(config(&manifest).is_err());
        for bad in ["../evil", "/abs", "a//b", "a/./b", "dir/", "a\\b"] {
            for class in ["AppendingTransformer", "properties.PropertiesTransformer"] {
                let body = format!(
                    "<transformers><transformer implementation=\"{T}{class}\"><resource>{bad}</resource></transformer></transformers>"
                );
                let err = config(&body).unwrap_err();
                assert!(
                    err.to_string().contains("not a valid path inside a jar"),
                    "{bad}: {err}"
                );
            }
        }
        // The second never takes a copy, so never writes: Maven does not fail.
        let twice = format!(
            "<transformers><transformer implementation=\"{T}AppendingTransformer\"><resource>a.txt</resource></transformer>\
               <transformer implementation=\"{T}AppendingTransformer\"><resource>A.TXT</resource></transformer></transformers>"
        );
        assert_eq!(
            config(&twice).unwrap().unwrap().claim("a.txt"),
            Some(Claim::Merge(0))
        );
    }

    #[test]
    fn resource_bundle_basename_is_a_java_regular_expression() {
        let bundle = |basename: &str| {
            config(&format!(
                "<transformers><transformer implementation=\"{T}ResourceBundleAppendingTransformer\">\
                   <basename>{basename}</basename></transformer></transformers>"
            ))
        };
        let c = bundle("com.example.Msg").unwrap().unwrap();
        for (path, taken) in [
            ("com/example/Msg.properties", true),
            ("com/example/Msg_fr_CA_x.properties", true),
            ("com/example/Msg_fr_CA_x_y.properties", false),
            ("com/example/Msg_1.properties", false),
            ("com/example/Msg.properties.bak", false),
            ("a/com/example/Msg.properties", false),
        ] {
            assert_eq!(c.claim(path) == Some(Claim::Merge(0)), taken, "{path}");
        }
        // Java's concatenation: the locale and `.properties` go to the last alternative only.
        let c = bundle("a/One|b/Two").unwrap().unwrap();
        for (path, taken) in [
            ("a/One", true),
            ("a/One.properties", false),
            ("b/Two_de.properties", true),
        ] {
            assert_eq!(c.claim(path) == Some(Claim::Merge(0)), taken, "{path}");
        }
        assert!(bundle("(a)\\1").is_err());
    }

    #[test]
    fn properties_transformer_takes_its_exact_resource() {
        let props = |body: &str| {
            config(&format!(
                "<transformers><transformer implementation=\"{T}properties.PropertiesTransformer\">{body}</transformer></transformers>"
            ))
        };
        let c = props(
            "<resource>a/b.properties</resource><ordinalKey>o</ordinalKey><defaultOrdinal>-2</defaultOrdinal><reverseOrder>TRUE</reverseOrder>",
        )
        .unwrap()
        .unwrap();
        assert_eq!(c.claim("a/b.properties"), Some(Claim::Merge(0)));
        assert_eq!(c.claim("a/B.properties"), None);
        let Resource::Properties(p) = &c.resources[0] else {
            panic!("{:?}", c.resources);
        };
        assert_eq!((p.default_ordinal, p.reverse_order), (-2, true));
        assert_eq!(p.ordinal_key.as_deref(), Some("o"));
        assert!(props("").unwrap().unwrap().resources.is_empty());
        let err = props("<resource>x</resource><defaultOrdinal>one</defaultOrdinal>").unwrap_err();
        let d = err.downcast_ref::<Diagnostic>().unwrap();
        assert!(
            d.location().is_some() && d.message().contains("one"),
            "{err}"
        );
        assert!(props("<resource>x</resource><ordinal>1</ordinal>").is_err());
    }

    #[test]
    fn notice_without_encoding_takes_the_jvms_default_charset() {
        let notice = |body: &str| {
            config(&format!(
                "<transformers><transformer implementation=\"{T}ServicesResourceTransformer\"/>\
                   <transformer implementation=\"{T}ApacheNoticeResourceTransformer\">{body}</transformer></transformers>"
            ))
            .unwrap()
            .unwrap()
        };
        let encoding = |c: &ShadeConfig| match &c.resources[1] {
            Resource::ApacheNotice(s) => s.encoding,
            other => panic!("{other:?}"),
        };
        let mut c = notice("");
        c.set_default_charset(|| Some("ANSI_X3.4-1968".to_string()))
            .unwrap();
        assert_eq!(encoding(&c), Charset::Ascii);
        let mut c = notice("<encoding>ISO-8859-1</encoding>");
        c.set_default_charset(|| panic!("not asked when given"))
            .unwrap();
        assert_eq!(encoding(&c), Charset::Latin1);
        let mut c = notice("");
        c.set_default_charset(|| None).unwrap();
        assert_eq!(encoding(&c), Charset::Utf8);
        let mut c = notice("");
        let err = c
            .set_default_charset(|| Some("Cp1252".to_string()))
            .unwrap_err();
        let d = err.downcast_ref::<Diagnostic>().unwrap();
        assert!(
            d.location().is_some() && d.message().contains("Cp1252"),
            "{err}"
        );
        let mut none = config("").unwrap().unwrap();
        none.set_default_charset(|| panic!("no notice transformer"))
            .unwrap();
    }

    #[test]
    fn java_equals_ignore_case_as_java() {
        assert!(java_equals_ignore_case(
            "META-INF/Notice.TXT",
            "meta-inf/notice.txt"
        ));
        assert!(java_equals_ignore_case("Ä", "ä"));
        assert!(!java_equals_ignore_case("a", "ab"));
        assert!(!java_equals_ignore_case("ß", "SS"));
    }
}
