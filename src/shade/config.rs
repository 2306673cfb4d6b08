//! The pom's maven-shade-plugin configuration as stormpack honours it: `artifactSet`, `filters`
//! and the standard resource transformers. The plugin is looked up in `<build><plugins>` of the
//! pom and its parents (nearest first) with `<pluginManagement>` underneath, and the plugin-level
//! `<configuration>` overlaid by each execution's, element by element, as Maven merges
//! configuration. Everything stormpack cannot honour yet is an error naming the element, never
//! ignored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Diagnostic, Location};
use crate::maven::xml::Element;

use super::pattern::{path_glob, ArtifactPattern};

const PREFIX: &str = "org.apache.maven.plugins.shade.resource.";

/// One `<filter>`: which artifacts it applies to, and the entry globs kept or dropped.
#[derive(Debug, Clone)]
pub struct Filter {
    pub artifact: ArtifactPattern,
    pub includes: Vec<String>,
    pub excludes: Vec<String>,
}

impl Filter {
    /// shade's SimpleFilter: an entry is dropped when includes exist and none matches, or when an
    /// exclude matches.
    pub fn drops(&self, path: &str) -> bool {
        (!self.includes.is_empty() && !self.includes.iter().any(|g| path_glob(g, path)))
            || self.excludes.iter().any(|g| path_glob(g, path))
    }
}

/// The honoured configuration.
#[derive(Debug, Clone, Default)]
pub struct ShadeConfig {
    pub artifact_includes: Vec<ArtifactPattern>,
    pub artifact_excludes: Vec<ArtifactPattern>,
    pub filters: Vec<Filter>,
    /// `ManifestResourceTransformer/manifestEntries`, in document order.
    pub manifest_entries: Vec<(String, String)>,
    /// `DontIncludeResourceTransformer` `resource`/`resources` suffixes.
    pub dont_include: Vec<String>,
    /// An `ApacheLicenseResourceTransformer` is configured.
    pub apache_license: bool,
    /// A `ServicesResourceTransformer` is configured (without one, the first copy of a service
    /// file wins, as for any entry).
    pub services: bool,
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

    /// Dropped by DontIncludeResourceTransformer or ApacheLicenseResourceTransformer.
    pub fn drops_resource(&self, path: &str) -> bool {
        self.dont_include.iter().any(|s| path.ends_with(s.as_str()))
            || (self.apache_license && is_license(path))
    }
}

/// ApacheLicenseResourceTransformer's match: `META-INF/LICENSE`, `.txt` or `.md`, any case.
fn is_license(path: &str) -> bool {
    [
        "META-INF/LICENSE",
        "META-INF/LICENSE.TXT",
        "META-INF/LICENSE.MD",
    ]
    .iter()
    .any(|l| path.eq_ignore_ascii_case(l))
}

/// Configuration elements that do not change the uber jar's contents.
const NEUTRAL: &[&str] = &[
    "createDependencyReducedPom",
    "dependencyReducedPomLocation",
    "generateUniqueDependencyReducedPom",
    "keepDependenciesWithProvidedScope",
    "promoteTransitiveDependencies",
    "useBaseVersion",
    "useDependencyReducedPomInJar",
    "createSourcesJar",
    "createTestSourcesJar",
    "shadeSourcesContent",
    "shadeTestJar",
    "skip",
];

/// The shade plugin's merged configuration for the project, or `None` when the pom does not
/// configure maven-shade-plugin. `lineage`: each pom's `<build>`, nearest first.
pub fn from_lineage(
    lineage: &[(PathBuf, Element)],
    properties: &BTreeMap<String, String>,
) -> anyhow::Result<Option<ShadeConfig>> {
    let Some((file, config)) = merged(lineage) else {
        return Ok(None);
    };
    let interp = |s: &str| interpolate(s, properties);
    let at = |e: &Element| Location::at(file.clone(), e.line, e.column);
    let mut out = ShadeConfig::default();
    for el in &config {
        match el.name.as_str() {
            "artifactSet" => {
                out.artifact_includes = list(el, "includes", "include", &interp);
                out.artifact_excludes = list(el, "excludes", "exclude", &interp);
            }
            "filters" => {
                for f in el.children_named("filter") {
                    let pattern = f.text_of("artifact").map_or("*".to_string(), &interp);
                    out.filters.push(Filter {
                        artifact: ArtifactPattern::parse(&pattern),
                        includes: strings(f, "includes", "include", &interp),
                        excludes: strings(f, "excludes", "exclude", &interp),
                    });
                }
            }
            "transformers" => {
                for t in el.children_named("transformer") {
                    transformer(t, &mut out, &interp, at(t))?;
                }
            }
            "minimizeJar" if interp(&el.text) != "true" => {}
            "shadedArtifactAttached" if interp(&el.text) != "true" => {}
            "relocations" if el.children.is_empty() => {}
            name if NEUTRAL.contains(&name) => {}
            name => {
                return Err(Diagnostic::new(format!(
                    "maven-shade-plugin's <{name}> is not supported by stormpack yet; building without it would give a different jar than mvn package"
                ))
                .at(at(el))
                .fix(format!(
                    "remove <{name}> from the shade plugin's configuration, or build this project with mvn package"
                ))
                .into());
            }
        }
    }
    Ok(Some(out))
}

fn transformer(
    t: &Element,
    out: &mut ShadeConfig,
    interp: &dyn Fn(&str) -> String,
    at: Location,
) -> anyhow::Result<()> {
    let implementation = t.attribute("implementation").unwrap_or("");
    let short = implementation
        .strip_prefix(PREFIX)
        .unwrap_or(implementation);
    match short {
        // Relocating their contents needs relocations, which are rejected above.
        "ServicesResourceTransformer" => out.services = true,
        // mainClass is read with the pom (`MavenProject::shade_main_class`).
        "ManifestResourceTransformer" => {
            if let Some(entries) = t.child("manifestEntries") {
                for e in &entries.children {
                    out.manifest_entries.push((e.name.clone(), interp(&e.text)));
                }
            }
            for child in &t.children {
                if !matches!(child.name.as_str(), "mainClass" | "manifestEntries") {
                    return Err(unsupported(&format!("ManifestResourceTransformer's <{}>", child.name), at));
                }
            }
        }
        "DontIncludeResourceTransformer" => {
            out.dont_include.extend(t.text_of("resource").map(interp));
            out.dont_include
                .extend(strings(t, "resources", "resource", interp));
        }
        "ApacheLicenseResourceTransformer" => out.apache_license = true,
        "" => {
            return Err(Diagnostic::new(
                "a maven-shade-plugin <transformer> has no implementation attribute",
            )
            .at(at)
            .fix("name the transformer class: <transformer implementation=\"org.apache.maven.plugins.shade.resource.ServicesResourceTransformer\"/>")
            .into())
        }
        _ => return Err(unsupported(&format!("the transformer {implementation}"), at)),
    }
    Ok(())
}

fn unsupported(what: &str, at: Location) -> anyhow::Error {
    Diagnostic::new(format!(
        "{what} is not supported by stormpack yet; building without it would give a different jar than mvn package"
    ))
    .at(at)
    .fix("remove it from the shade plugin's configuration, or build this project with mvn package")
    .into()
}

fn strings(
    el: &Element,
    container: &str,
    item: &str,
    interp: &dyn Fn(&str) -> String,
) -> Vec<String> {
    el.list(container, item).iter().map(|s| interp(s)).collect()
}

fn list(
    el: &Element,
    container: &str,
    item: &str,
    interp: &dyn Fn(&str) -> String,
) -> Vec<ArtifactPattern> {
    strings(el, container, item, interp)
        .iter()
        .map(|s| ArtifactPattern::parse(s))
        .collect()
}

/// `${name}` replaced from `properties`; an unknown one is left as written (as Maven does).
fn interpolate(s: &str, properties: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end) => {
                let name = &after[..end];
                match properties.get(name) {
                    Some(v) => out.push_str(v),
                    None => out.push_str(&rest[start..start + 3 + end]),
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

fn is_shade(p: &Element) -> bool {
    p.text_of("artifactId") == Some("maven-shade-plugin")
        && p.text_of("groupId")
            .is_none_or(|g| g == "org.apache.maven.plugins")
}

/// The configuration elements in effect: pluginManagement's (farthest pom first), then the
/// plugin's own, then each execution's, a later element replacing an earlier one of the same
/// name. The file is the nearest pom that declares the plugin (for locations).
fn merged(lineage: &[(PathBuf, Element)]) -> Option<(PathBuf, Vec<Element>)> {
    let declaring = lineage.iter().find(|(_, b)| {
        b.child("plugins")
            .is_some_and(|ps| ps.children_named("plugin").any(is_shade))
    })?;
    let mut layers: Vec<&Element> = Vec::new();
    for (_, build) in lineage.iter().rev() {
        if let Some(p) = build
            .at(&["pluginManagement", "plugins"])
            .and_then(|ps| ps.children_named("plugin").find(|p| is_shade(p)))
        {
            layers.push(p);
        }
    }
    for (_, build) in lineage.iter().rev() {
        if let Some(p) = build
            .child("plugins")
            .and_then(|ps| ps.children_named("plugin").find(|p| is_shade(p)))
        {
            layers.push(p);
        }
    }
    let mut config: Vec<Element> = Vec::new();
    let mut overlay = |c: &Element| {
        for el in &c.children {
            match config.iter_mut().find(|e| e.name == el.name) {
                Some(slot) => *slot = el.clone(),
                None => config.push(el.clone()),
            }
        }
    };
    for p in &layers {
        if let Some(c) = p.child("configuration") {
            overlay(c);
        }
    }
    for p in &layers {
        for e in p
            .child("executions")
            .into_iter()
            .flat_map(|es| es.children_named("execution"))
        {
            if let Some(c) = e.child("configuration") {
                overlay(c);
            }
        }
    }
    Some((declaring.0.clone(), config))
}

/// For tests and callers that hold a single pom's `<build>`.
pub fn from_build(file: &Path, build: &Element) -> anyhow::Result<Option<ShadeConfig>> {
    from_lineage(&[(file.to_path_buf(), build.clone())], &BTreeMap::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maven::Artifact;

    fn build(xml: &str) -> Element {
        crate::maven::xml::parse_element(Path::new("pom.xml"), xml.as_bytes()).unwrap()
    }

    const HEAD: &str =
        "<build><plugins><plugin><artifactId>maven-shade-plugin</artifactId><configuration>";
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
        assert_eq!(c.manifest_entries, [("X-A".to_string(), "1".to_string())]);
    }

    #[test]
    fn what_is_not_honoured_is_an_error() {
        for body in [
            "<minimizeJar>true</minimizeJar>",
            "<relocations><relocation><pattern>a</pattern></relocation></relocations>",
            "<transformers><transformer implementation=\"com.example.Mine\"/></transformers>",
            "<transformers><transformer/></transformers>",
            "<shadedArtifactAttached>true</shadedArtifactAttached>",
            "<finalName>x</finalName>",
        ] {
            let err = config(body).unwrap_err();
            let d = err.downcast_ref::<Diagnostic>().unwrap();
            assert!(d.location().is_some(), "{body}");
        }
        assert!(config("<minimizeJar>false</minimizeJar>")
            .unwrap()
            .is_some());
    }
}
