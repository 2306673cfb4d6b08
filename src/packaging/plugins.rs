//! The build plugins a pom runs, as far as deciding the deliverable needs them: every plugin
//! declared in `<build><plugins>` of the pom or a parent (nearest declaration first), with its
//! executions merged by id with the same plugin's `<pluginManagement>` executions, and each
//! execution's configuration (pluginManagement's, then the plugin's, then the execution's, a later
//! element replacing an earlier one of the same name).

use std::collections::BTreeMap;

use crate::error::Location;
use crate::maven::model::BuildLayer;
use crate::maven::plugin_config::{effective_plugins, managed_plugin, Dom, EffectivePlugin};
use crate::maven::xml::{Element, SourceLocation};

/// One `<execution>` in effect.
#[derive(Debug, Clone)]
pub struct Execution {
    /// `<id>`, `default` when none is written (Maven's default execution id).
    pub id: String,
    pub phase: Option<String>,
    pub goals: Vec<String>,
    /// The configuration elements in effect for this execution.
    pub configuration: Vec<Element>,
    /// Where the execution (or, for a management-only one, the plugin) is written.
    pub location: Location,
}

/// A plugin the build declares.
#[derive(Debug, Clone)]
pub struct Plugin {
    pub group_id: String,
    pub artifact_id: String,
    pub executions: Vec<Execution>,
    /// The plugin-level configuration (pluginManagement's, then the plugin's).
    pub configuration: Vec<Element>,
    /// Where the nearest declaration is.
    pub location: Location,
}

impl Plugin {
    /// The executions that run goal `goal`.
    pub fn executions_of<'a>(&'a self, goal: &'a str) -> impl Iterator<Item = &'a Execution> + 'a {
        self.executions
            .iter()
            .filter(move |e| e.goals.iter().any(|g| g == goal))
    }
}

/// A merged configuration element as an [`Element`] (its text: the evaluated value, empty when
/// it evaluated to nothing).
fn element(d: &Dom) -> Element {
    Element {
        name: d.name.clone(),
        text: d.value.clone().unwrap_or_default(),
        children: d.children.iter().map(element).collect(),
        attributes: d.attributes.clone(),
        line: d.at.line,
        column: d.at.column,
    }
}

fn children(d: Option<&Dom>) -> Vec<Element> {
    d.map(|d| d.children.iter().map(element).collect())
        .unwrap_or_default()
}

fn location(at: &SourceLocation) -> Location {
    Location::at(at.file.clone(), at.line, at.column)
}

/// The plugins the effective model's `<build><plugins>` holds (pom, parents and active profiles
/// merged as Maven merges them: [`crate::maven::plugin_config::effective_plugins`]), in Maven's
/// order.
pub fn declared(lineage: &[BuildLayer], properties: &BTreeMap<String, String>) -> Vec<Plugin> {
    effective_plugins(lineage, properties)
        .into_iter()
        .map(plugin)
        .collect()
}

/// The Apache plugin `artifact` as the default lifecycle runs it when no pom declares it: its
/// `<pluginManagement>` configuration (see [`crate::maven::plugin_config::managed_plugin`]).
pub fn managed(
    lineage: &[BuildLayer],
    properties: &BTreeMap<String, String>,
    artifact: &str,
) -> Option<Plugin> {
    managed_plugin(lineage, "org.apache.maven.plugins", artifact, properties).map(plugin)
}

fn plugin(p: EffectivePlugin) -> Plugin {
    Plugin {
        executions: p
            .executions
            .iter()
            .map(|e| Execution {
                id: e.id.clone(),
                phase: e.phase.clone(),
                goals: e.goals.clone(),
                configuration: children(e.configuration.as_ref()),
                location: location(&e.at),
            })
            .collect(),
        configuration: children(p.configuration.as_ref()),
        location: location(&p.at),
        group_id: p.group_id,
        artifact_id: p.artifact_id,
    }
}

/// `${name}` replaced from `properties`; an unknown one is left as written.
pub fn interpolate(s: &str, properties: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end) => {
                match properties.get(&after[..end]) {
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
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    fn build(xml: &str) -> Element {
        crate::maven::xml::parse_element(Path::new("pom.xml"), xml.as_bytes()).unwrap()
    }

    fn layer(file: &str, build: Element) -> BuildLayer {
        BuildLayer {
            file: PathBuf::from(file),
            build: Some(build),
            profile_builds: Vec::new(),
        }
    }

    #[test]
    fn executions_merge_with_management_by_id() {
        let parent = build(
            "<build><pluginManagement><plugins><plugin><artifactId>maven-shade-plugin</artifactId>\
             <configuration><a>1</a><b>1</b></configuration>\
             <executions><execution><phase>package</phase><goals><goal>shade</goal></goals></execution></executions>\
             </plugin></plugins></pluginManagement></build>",
        );
        let child = build(
            "<build><plugins><plugin><artifactId>maven-shade-plugin</artifactId>\
             <configuration><b>2</b></configuration></plugin>\
             <plugin><groupId>org.codehaus.mojo</groupId><artifactId>build-helper-maven-plugin</artifactId>\
             <executions><execution><id>x</id><goals><goal>add-source</goal></goals></execution></executions></plugin>\
             </plugins></build>",
        );
        let plugins = declared(
            &[layer("child.xml", child), layer("parent.xml", parent)],
            &BTreeMap::new(),
        );
        assert_eq!(plugins.len(), 2);
        let shade = &plugins[0];
        assert_eq!(shade.artifact_id, "maven-shade-plugin");
        let e = shade.executions_of("shade").next().unwrap();
        assert_eq!(e.id, "default");
        assert_eq!(e.phase.as_deref(), Some("package"));
        let mut texts: Vec<_> = e
            .configuration
            .iter()
            .map(|c| (c.name.as_str(), c.text.as_str()))
            .collect();
        texts.sort();
        assert_eq!(texts, [("a", "1"), ("b", "2")]);
        assert_eq!(plugins[1].group_id, "org.codehaus.mojo");
        assert_eq!(plugins[1].executions[0].id, "x");
        assert_eq!(
            plugins[1].executions[0].location.path(),
            Path::new("child.xml")
        );
    }

    #[test]
    fn a_managed_plugin_not_declared_does_not_run() {
        let b = build(
            "<build><pluginManagement><plugins><plugin><artifactId>maven-shade-plugin</artifactId>\
             <executions><execution><goals><goal>shade</goal></goals></execution></executions>\
             </plugin></plugins></pluginManagement></build>",
        );
        assert!(declared(&[layer("pom.xml", b)], &BTreeMap::new()).is_empty());
    }
}
