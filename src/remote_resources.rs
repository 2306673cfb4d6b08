//! maven-remote-resources-plugin's `process` goal, as the Apache parent pom (`org.apache:apache`)
//! binds it: each resource bundle's files (`META-INF/remote-resources.xml` lists them) rendered
//! into the project's own entries, where they win over a dependency's copy (the project's entries
//! come first in the plain jar and in shade's merge).
//!
//! A bundle's `.vm` files are Velocity templates. stormpack knows the templates of the Apache
//! bundles (`org.apache:apache-jar-resource-bundle:1.4` of parents 6..29 and
//! `org.apache.apache.resources:apache-jar-resource-bundle` of parents 30 on) by their text with
//! the `##` comment lines taken out, and renders them as the plugin's Velocity does:
//! - `LICENSE.vm` has no directive: the text itself.
//! - `NOTICE.vm`: the project's name, `Copyright <span> <organization>` (span: the inception year
//!   and the year, or the year alone).
//! - `DEPENDENCIES.vm`: the runtime closure (compile and runtime scope, the plugin's default
//!   `includeScope`) grouped by each dependency pom's `<organization>` (name, then url, without
//!   regard to case; an "unknown organization" for those without), each with its name, url, its
//!   coordinate `groupId:artifactId:packaging:version` and its licenses, from the dependency's
//!   effective model (parents' organization, licenses and url inherited, the url with each
//!   child's artifactId appended).
//!
//! The engine decides the whitespace: plugin 3.1.0 and later run Velocity 2 (a line holding a
//! directive alone disappears, and a `#if` opening a line takes the newline after its `#end`);
//! earlier ones Velocity 1.7 (every `#end`, `#else`, `#if(...)`, `#foreach(...)` takes the
//! newline right after it). The year: plugin 3.3.0 on, `project.build.outputTimestamp` (else
//! now) in UTC+10; 1.7.0 to 3.2.x, the same in the JVM's zone (stormpack takes UTC); earlier, now.
//!
//! The project's `src/main/appended-resources/<path>` is appended to the generated file, as the
//! plugin does. A template stormpack does not know, a project template
//! (`src/main/appended-resources/<path>.vm`) or supplemental models it does not read: the file is
//! left out of the jar with a warning naming it and why, rather than the build stopping — these
//! files are legal notices, the topology runs the same, and every Storm example's parent chain
//! binds the plugin.

use std::cmp::Ordering;

use anyhow::Context;
use sha2::{Digest, Sha256};

use crate::error::Diagnostic;
use crate::maven::model::{EffectiveModel, ModelBuilder};
use crate::maven::resolve::Resolution;
use crate::maven::version::Version;
use crate::maven::Artifact;
use crate::packaging::RemoteResources;
use crate::plan::BuildPlan;
use crate::report::{Event, Reporter};

/// SHA-256 of `DEPENDENCIES.vm` without its `##` lines (bundles 1.4 to 1.7).
const DEPENDENCIES_VM: &str = "ba16160fd261394c2c3493578969d4b5baf20dfd027129e11df711f579acb50b";
/// SHA-256 of `NOTICE.vm` without its `##` lines: bundle 1.4 (a blank line before and two after).
const NOTICE_VM_1_4: &str = "856f20f8d9aed6bec82bd5cd0f2ea4f9f6a10b36b0990358f7421a2965a19dc5";
/// The same for bundle 1.7 (no blank line around).
const NOTICE_VM_1_7: &str = "ce6102167fae93ff632d5bf0672b4b2093ec21c1cb048f550ef27ae38446c0dd";

/// Bounds on what a bundle jar may hold for us (bytes).
const ENTRY_LIMIT: u64 = 1 << 20;

/// One generated file: its path in the jar and bytes.
pub struct Generated {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// Which Velocity the plugin runs (see the module comment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Engine {
    V1,
    V2,
}

/// The files the execution generates, in the bundle's order; `has` says whether the project's
/// own resources already hold a path (the plugin then copies the project's file: nothing to add).
pub fn generate(
    plan: &BuildPlan,
    rr: &RemoteResources,
    resolution: &Resolution,
    has: &dyn Fn(&str) -> bool,
    reporter: &mut dyn Reporter,
) -> anyhow::Result<Vec<Generated>> {
    let mut out: Vec<Generated> = Vec::new();
    let mut dependencies: Option<Vec<Dep>> = None;
    for coordinate in &rr.bundles {
        let mut parts = coordinate.split(':');
        let (Some(g), Some(a), Some(v)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let jar = plan
            .repos
            .fetch(&Artifact::new(g, a, v), &plan.request.repositories)
            .with_context(|| {
                Diagnostic::new(format!(
                    "cannot fetch the resource bundle {coordinate} that maven-remote-resources-plugin (execution `{}`) renders into the jar",
                    rr.execution
                ))
                .fix("check the network and the repositories, or the bundle's coordinate in the pom")
            })?;
        for name in bundle_resources(&jar)? {
            let (path, template) = match name.strip_suffix(".vm") {
                Some(p) => (p.to_string(), true),
                None => (name.clone(), false),
            };
            if has(&path) {
                continue;
            }
            let bytes =
                crate::jar::read::entry_bytes(&jar, &name, Some(ENTRY_LIMIT)).unwrap_or_default();
            let rendered = if template {
                render(plan, rr, resolution, &mut dependencies, &bytes, reporter)
                    .map_err(|why| format!("its template {name} {why}"))
            } else {
                Ok(bytes)
            };
            let mut bytes = match rendered {
                Ok(bytes) => bytes,
                Err(why) => {
                    left_out(reporter, &path, coordinate, &why);
                    continue;
                }
            };
            if !append_project_file(plan, &path, &mut bytes)? {
                left_out(reporter, &path, coordinate, &format!("the project appends src/main/appended-resources/{path}.vm to it, a Velocity template stormpack does not render"));
                continue;
            }
            // A later bundle's file replaces an earlier one's, as the plugin writes it again.
            out.retain(|g| g.path != path);
            out.push(Generated { path, bytes });
        }
    }
    Ok(out)
}

/// The resources a bundle jar lists in `META-INF/maven/remote-resources.xml`.
fn bundle_resources(jar: &std::path::Path) -> anyhow::Result<Vec<String>> {
    let listed = crate::jar::read::entry_bytes(
        jar,
        "META-INF/maven/remote-resources.xml",
        Some(ENTRY_LIMIT),
    )
    .with_context(|| {
        Diagnostic::new(format!(
            "{} is not a remote resources bundle: it has no META-INF/maven/remote-resources.xml",
            jar.display()
        ))
        .fix("correct <resourceBundle> in the pom")
    })?;
    let doc = crate::maven::xml::parse_element(jar, &listed)?;
    Ok(doc
        .child("remoteResources")
        .map(|r| {
            r.children_named("remoteResource")
                .map(|e| e.text.trim().to_string())
                .collect()
        })
        .unwrap_or_default())
}

/// The plugin appends the project's `src/main/appended-resources/<path>` to the file it
/// generated; `false` when the project has a `<path>.vm` there instead (a Velocity template,
/// which stormpack does not render).
fn append_project_file(plan: &BuildPlan, path: &str, bytes: &mut Vec<u8>) -> anyhow::Result<bool> {
    let dir = plan.project_dir.join("src/main/appended-resources");
    let plain = dir.join(path);
    if plain.exists() {
        let extra = crate::fsread::read_regular(&plain, ENTRY_LIMIT).with_context(|| {
            Diagnostic::new(format!(
                "cannot read src/main/appended-resources/{path}, which maven-remote-resources-plugin appends to {path}"
            ))
            .fix("make it a readable regular file, or remove it")
        })?;
        bytes.extend_from_slice(&extra);
        return Ok(true);
    }
    Ok(!dir.join(format!("{path}.vm")).exists())
}

/// A bundle template rendered, or why it cannot be.
fn render(
    plan: &BuildPlan,
    rr: &RemoteResources,
    resolution: &Resolution,
    dependencies: &mut Option<Vec<Dep>>,
    template: &[u8],
    reporter: &mut dyn Reporter,
) -> Result<Vec<u8>, String> {
    let engine = engine(rr.plugin_version.as_deref());
    let text = strip_comments(&String::from_utf8_lossy(template));
    let digest = hex(&Sha256::digest(text.as_bytes()));
    if !text.contains('$') && !text.lines().any(|l| l.starts_with('#')) {
        return Ok(text.into_bytes());
    }
    if digest == NOTICE_VM_1_4 || digest == NOTICE_VM_1_7 {
        return Ok(notice(rr, engine, digest == NOTICE_VM_1_4).into_bytes());
    }
    if digest != DEPENDENCIES_VM {
        return Err("is not one stormpack knows how to render".to_string());
    }
    if plan
        .project_dir
        .join("src/main/appended-resources/supplemental-models.xml")
        .exists()
    {
        return Err("lists the dependencies from their models, which src/main/appended-resources/supplemental-models.xml changes and stormpack does not read".to_string());
    }
    let deps = dependencies.get_or_insert_with(|| runtime_dependencies(plan, resolution, reporter));
    Ok(dependencies_file(rr, engine, deps).into_bytes())
}

fn left_out(reporter: &mut dyn Reporter, path: &str, bundle: &str, why: &str) {
    reporter.report(Event::Warning(
        Diagnostic::new(format!(
            "{path} is not in the jar, where mvn package puts the one maven-remote-resources-plugin generates from {bundle}: {why}"
        ))
        .fix(format!(
            "put your own {path} under src/main/resources, or build with mvn package when the jar must carry the generated one"
        )),
    ));
}

/// Velocity 2 from plugin 3.1.0 on; an unpinned plugin is the latest (3.x).
fn engine(plugin_version: Option<&str>) -> Engine {
    match plugin_version {
        Some(v) if Version::parse(v) < Version::parse("3.1.0") => Engine::V1,
        _ => Engine::V2,
    }
}

/// The template's text without Velocity's `##` line comments (each takes its newline).
fn strip_comments(text: &str) -> String {
    text.split_inclusive('\n')
        .filter(|l| !l.starts_with("##"))
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The year the plugin writes (see the module comment).
fn year(rr: &RemoteResources) -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let version = rr.plugin_version.as_deref().map(Version::parse);
    let reproducible = version
        .as_ref()
        .is_none_or(|v| *v >= Version::parse("1.7.0"));
    let seconds = rr
        .output_timestamp
        .as_deref()
        .map(str::trim)
        .filter(|t| reproducible && t.chars().count() > 1)
        .and_then(|t| crate::timestamp::parse_output_timestamp(t).ok())
        .unwrap_or(now);
    let utc_plus_10 = version
        .as_ref()
        .is_none_or(|v| *v >= Version::parse("3.3.0"));
    let seconds = if utc_plus_10 {
        seconds + 10 * 3600
    } else {
        seconds
    };
    crate::timestamp::civil_from_days(seconds.div_euclid(86_400)).0
}

/// `NOTICE`: `bundle_1_4` is the older template (a blank line before, two after).
fn notice(rr: &RemoteResources, engine: Engine, bundle_1_4: bool) -> String {
    let year = year(rr).to_string();
    let span = match rr.inception_year.as_deref().filter(|y| !y.is_empty()) {
        Some(inception) if inception != year => format!("{inception}-{year}"),
        _ => year,
    };
    let organization = rr
        .organization
        .as_deref()
        .filter(|o| truthy(engine, Some(o)))
        .unwrap_or("The Apache Software Foundation");
    let copyright = format!("Copyright {span} {organization}\n");
    let mut out = String::new();
    if bundle_1_4 {
        out.push('\n');
    }
    out.push_str(&rr.project_name);
    out.push('\n');
    out.push_str(&copyright);
    out.push('\n');
    if engine == Engine::V2 {
        // Velocity 2 keeps the newline after an `#end` that does not close a line-opening `#if`.
        out.push('\n');
    }
    out.push_str("This product includes software developed at\nThe Apache Software Foundation (http://www.apache.org/).\n");
    if bundle_1_4 {
        out.push_str("\n\n");
    }
    out
}

/// `#if($x)`: Velocity 2 takes an empty string as false, 1.7 only a missing value.
fn truthy(engine: Engine, value: Option<&str>) -> bool {
    match engine {
        Engine::V1 => value.is_some(),
        Engine::V2 => value.is_some_and(|v| !v.is_empty()),
    }
}

/// One dependency as the template shows it.
#[derive(Debug, Clone)]
struct Dep {
    group_id: String,
    artifact_id: String,
    packaging: String,
    version: String,
    name: String,
    url: Option<String>,
    organization: (Option<String>, Option<String>),
    licenses: Vec<(Option<String>, Option<String>)>,
}

impl Dep {
    fn of(a: &Artifact, m: &EffectiveModel) -> Dep {
        Dep {
            group_id: a.group_id.clone(),
            artifact_id: a.artifact_id.clone(),
            packaging: m.packaging.clone(),
            version: a.version.clone(),
            name: m
                .name
                .clone()
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| m.artifact_id.clone()),
            url: m.url.clone(),
            organization: m.organization.clone(),
            licenses: m.licenses.clone(),
        }
    }

    /// Maven's `Artifact.compareTo`: groupId, artifactId, type, then version.
    fn compare(&self, other: &Dep) -> Ordering {
        self.group_id
            .cmp(&other.group_id)
            .then_with(|| self.artifact_id.cmp(&other.artifact_id))
            .then_with(|| self.packaging.cmp(&other.packaging))
            .then_with(|| Version::parse(&self.version).cmp(&Version::parse(&other.version)))
    }
}

/// The compile- and runtime-scope closure with each dependency's effective model, sorted as the
/// plugin sorts them. A dependency whose pom cannot be built is left out, as the plugin does
/// (with a warning).
fn runtime_dependencies(
    plan: &BuildPlan,
    resolution: &Resolution,
    reporter: &mut dyn Reporter,
) -> Vec<Dep> {
    let mut builder = ModelBuilder::new(&plan.repos);
    let mut deps = Vec::new();
    for a in resolution.packaged() {
        let pom = Artifact::new(
            &a.artifact.group_id,
            &a.artifact.artifact_id,
            &a.artifact.version,
        );
        match builder.repository_model(&pom, &plan.request.repositories, &mut Vec::new()) {
            Ok(m) => deps.push(Dep::of(&a.artifact, &m)),
            Err(e) => reporter.report(Event::Warning(Diagnostic::new(format!(
                "META-INF/DEPENDENCIES leaves out {}:{}:{}: its pom cannot be read ({e:#}), as maven-remote-resources-plugin leaves it out",
                pom.group_id, pom.artifact_id, pom.version
            )))),
        }
    }
    deps.sort_by(Dep::compare);
    deps
}

/// Java's `String.compareToIgnoreCase`, character by character.
fn compare_ignore_case(a: &str, b: &str) -> Ordering {
    let fold = |c: char| {
        c.to_uppercase()
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    a.chars().map(fold).cmp(b.chars().map(fold))
}

/// The plugin's OrganizationComparator: name, then url, without regard to case; a missing
/// value last.
fn compare_organizations(a: &(String, Option<String>), b: &(String, Option<String>)) -> Ordering {
    let opt = |x: &Option<String>, y: &Option<String>| match (x, y) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => compare_ignore_case(x, y),
    };
    compare_ignore_case(&a.0, &b.0).then_with(|| opt(&a.1, &b.1))
}

/// An organization (name, url) and its dependencies.
type Group<'a> = ((String, Option<String>), Vec<&'a Dep>);

/// The dependencies grouped as the plugin's `projectsSortedByOrganization`: a sorted map keyed
/// by organization (the first key of equal ones kept), projects in their sorted order, the ones
/// without an organization name under "an unknown organization" (which replaces an equal key's
/// list, as the plugin's `TreeMap.put` does).
fn by_organization(deps: &[Dep]) -> Vec<Group<'_>> {
    fn put<'a>(
        groups: &mut Vec<Group<'a>>,
        key: (String, Option<String>),
        deps: Vec<&'a Dep>,
        replace: bool,
    ) {
        match groups.binary_search_by(|(k, _)| compare_organizations(k, &key)) {
            Ok(i) if replace => groups[i].1 = deps,
            Ok(i) => groups[i].1.extend(deps),
            Err(i) => groups.insert(i, (key, deps)),
        }
    }
    let mut groups: Vec<Group<'_>> = Vec::new();
    let mut unknown = Vec::new();
    for d in deps {
        match &d.organization.0 {
            Some(name) if !name.is_empty() => put(
                &mut groups,
                (name.clone(), d.organization.1.clone()),
                vec![d],
                false,
            ),
            _ => unknown.push(d),
        }
    }
    if !unknown.is_empty() {
        put(
            &mut groups,
            ("an unknown organization".to_string(), None),
            unknown,
            true,
        );
    }
    groups
}

/// `DEPENDENCIES`.
fn dependencies_file(rr: &RemoteResources, engine: Engine, deps: &[Dep]) -> String {
    let mut out = String::from(
        "// ------------------------------------------------------------------\n\
         // Transitive dependencies of this project determined from the\n\
         // maven pom organized by organization.\n\
         // ------------------------------------------------------------------\n\n",
    );
    out.push_str(&rr.project_name);
    out.push_str("\n\n\n");
    // Velocity 1.7 takes the newline after an inline `#end`: the line is ended by the template's
    // next (blank) line instead, and the blank lines between the parts are one fewer.
    let v2 = engine == Engine::V2;
    for ((name, url), projects) in by_organization(deps) {
        out.push_str(&format!("From: '{name}'"));
        if truthy(engine, url.as_deref()) {
            out.push_str(&format!(" ({})", url.unwrap_or_default()));
        }
        out.push('\n');
        if v2 {
            out.push('\n');
        }
        for p in projects {
            out.push_str(&format!("  - {} ", p.name));
            if truthy(engine, p.url.as_deref()) {
                out.push_str(&format!("({})", p.url.as_deref().unwrap_or_default()));
            }
            out.push_str(&format!(
                " {}:{}:{}:{}\n",
                p.group_id, p.artifact_id, p.packaging, p.version
            ));
            for (license, url) in &p.licenses {
                out.push_str("    License: ");
                // A missing name is printed as the reference itself, as Velocity does.
                out.push_str(license.as_deref().unwrap_or("$license.name"));
                out.push(' ');
                if truthy(engine, url.as_deref()) {
                    out.push_str(&format!(" ({})", url.as_deref().unwrap_or_default()));
                }
                if v2 {
                    out.push('\n');
                }
            }
            // The template's blank line after the licenses: it ends Velocity 1.7's license line.
            out.push('\n');
        }
        out.push('\n');
    }
    out.push_str("\n\n\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rr(version: &str) -> RemoteResources {
        RemoteResources {
            plugin_version: Some(version.to_string()),
            bundles: Vec::new(),
            execution: "process-resource-bundles".to_string(),
            project_name: "wordcount".to_string(),
            organization: Some("The Apache Software Foundation".to_string()),
            inception_year: Some("2013".to_string()),
            output_timestamp: Some("2024-12-31T20:00:00Z".to_string()),
        }
    }

    #[test]
    fn the_year_follows_the_plugin_version() {
        // 3.3.0 reads the timestamp in UTC+10: 2024-12-31T20:00Z is already 2025 there.
        assert_eq!(year(&rr("3.3.0")), 2025);
        assert_eq!(year(&rr("3.1.0")), 2024);
        let mut now = rr("3.3.0");
        now.output_timestamp = None;
        assert!(year(&now) >= 2025);
    }

    #[test]
    fn notice_spans_the_inception_year() {
        let n = notice(&rr("3.3.0"), Engine::V2, false);
        assert_eq!(
            n,
            "wordcount\nCopyright 2013-2025 The Apache Software Foundation\n\n\nThis product includes software developed at\nThe Apache Software Foundation (http://www.apache.org/).\n"
        );
        let old = notice(&rr("3.1.0"), Engine::V1, true);
        assert!(old.starts_with(
            "\nwordcount\nCopyright 2013-2024 The Apache Software Foundation\n\nThis"
        ));
        assert!(old.ends_with(").\n\n\n"));
    }

    fn dep(g: &str, a: &str, org: Option<&str>, url: Option<&str>) -> Dep {
        Dep {
            group_id: g.to_string(),
            artifact_id: a.to_string(),
            packaging: "jar".to_string(),
            version: "1.0".to_string(),
            name: a.to_string(),
            url: Some(format!("https://example.org/{a}")),
            organization: (org.map(str::to_string), url.map(str::to_string)),
            licenses: vec![(Some("MIT".to_string()), None)],
        }
    }

    #[test]
    fn organizations_sort_without_case_and_unknown_ones_group_together() {
        let deps = [
            dep("a", "x", Some("beta"), None),
            dep("b", "y", None, None),
            dep("c", "z", Some("Alpha"), Some("https://alpha")),
            dep("d", "w", Some("ALPHA"), Some("https://ALPHA")),
        ];
        let groups: Vec<(String, Vec<&str>)> = by_organization(&deps)
            .into_iter()
            .map(|((n, _), ps)| (n, ps.iter().map(|p| p.artifact_id.as_str()).collect()))
            .collect();
        assert_eq!(
            groups,
            [
                ("Alpha".to_string(), vec!["z", "w"]),
                ("an unknown organization".to_string(), vec!["y"]),
                ("beta".to_string(), vec!["x"]),
            ]
        );
    }

    #[test]
    fn a_license_without_url_and_velocity_1_joins_lines() {
        let deps = [dep("g", "a", Some("Org"), None)];
        let v2 = dependencies_file(&rr("3.3.0"), Engine::V2, &deps);
        assert!(
            v2.contains(
                "From: 'Org'\n\n  - a (https://example.org/a) g:a:jar:1.0\n    License: MIT \n\n\n"
            ),
            "{v2}"
        );
        let v1 = dependencies_file(&rr("1.2.1"), Engine::V1, &deps);
        assert!(
            v1.contains(
                "From: 'Org'\n  - a (https://example.org/a) g:a:jar:1.0\n    License: MIT \n\n"
            ),
            "{v1}"
        );
    }
}
