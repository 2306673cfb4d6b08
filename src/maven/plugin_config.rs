//! A plugin's configuration as Maven evaluates it for one goal, from the `<build>` of the pom and
//! its parents:
//!
//! 0. Profile injection: each active profile's `<plugins>`/`<pluginManagement>` merged into its
//!    pom's, the profile dominant (executions by id).
//! 1. Inheritance, farthest parent first (Maven's inheritance assembler): the child's plugin
//!    (in `<plugins>`, and separately in `<pluginManagement>`) is merged over the parent's by
//!    `groupId:artifactId`, the child dominant; a parent plugin with `<inherited>false</inherited>`
//!    passes on only its executions that say `inherited` themselves; executions merge by `id`
//!    (goals united, the child's phase and configuration dominant).
//! 2. pluginManagement injection: a managed plugin is merged under the declared one (managed
//!    executions first, the declared ones merged over them by id).
//! 3. Expansion: each execution's configuration is merged over the plugin-level configuration.
//!
//! Every configuration merge is plexus-utils 3.4's `Xpp3Dom.mergeXpp3Dom` (the one Maven 3.8
//! ships): the dominant element keeps its value and attributes and takes the recessive ones it
//! lacks; children of the same name pair up in order and merge recursively, unpaired recessive
//! children are appended; `combine.children="append"` appends all of the recessive children
//! before the dominant ones instead; `combine.self="override"` takes the dominant element as it
//! is; `combine.self="remove"` on a dominant child that pairs with a recessive one removes it.
//!
//! Values are then interpolated as Maven does (model interpolation: user properties, the
//! model's properties and `project.*`, system properties and `env.*`; an unknown one stays as
//! written), and a value that is nothing but an expression nothing resolves evaluates to no
//! value at all, as maven-core's PluginParameterExpressionEvaluator gives `null` for it.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use super::model::BuildLayer;
use super::xml::{Element, SourceLocation};

const DEFAULT_GROUP: &str = "org.apache.maven.plugins";

/// One configuration element, with the file and position it came from (a merged tree mixes
/// elements of several poms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dom {
    pub name: String,
    /// Text of an element without children; `None` when it has none (or its expression
    /// evaluated to nothing).
    pub value: Option<String>,
    pub attributes: Vec<(String, String)>,
    pub children: Vec<Dom>,
    pub at: SourceLocation,
}

impl Dom {
    fn from_element(e: &Element, file: &Path) -> Dom {
        Dom {
            name: e.name.clone(),
            value: (e.children.is_empty() && !e.text.is_empty()).then(|| e.text.clone()),
            attributes: e.attributes.clone(),
            children: e
                .children
                .iter()
                .map(|c| Dom::from_element(c, file))
                .collect(),
            at: SourceLocation {
                file: file.to_path_buf(),
                line: e.line,
                column: e.column,
            },
        }
    }

    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn child(&self, name: &str) -> Option<&Dom> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Dom> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The value of the child `name`, when it has one.
    pub fn value_of(&self, name: &str) -> Option<&str> {
        self.child(name).and_then(|c| c.value.as_deref())
    }

    /// The values of `<container><item>...</item></container>`, in order (items without a
    /// value left out).
    pub fn list(&self, container: &str, item: &str) -> Vec<String> {
        self.child(container)
            .map(|c| {
                c.children_named(item)
                    .filter_map(|i| i.value.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn attribute_is_empty(&self, name: &str) -> bool {
        self.attribute(name).is_none_or(|v| v.trim().is_empty())
    }

    fn set_attribute(&mut self, name: &str, value: &str) {
        match self.attributes.iter_mut().find(|(k, _)| k == name) {
            Some(slot) => slot.1 = value.to_string(),
            None => self.attributes.push((name.to_string(), value.to_string())),
        }
    }
}

fn is_empty(v: &Option<String>) -> bool {
    v.as_deref().is_none_or(|s| s.trim().is_empty())
}

/// `Xpp3Dom.mergeXpp3Dom(dominant, recessive)`: `None` dominant gives the recessive.
pub fn merge(dominant: Option<Dom>, recessive: Option<&Dom>) -> Option<Dom> {
    match dominant {
        Some(mut d) => {
            if let Some(r) = recessive {
                merge_into(&mut d, r);
            }
            Some(d)
        }
        None => recessive.cloned(),
    }
}

fn merge_into(dominant: &mut Dom, recessive: &Dom) {
    if dominant.attribute("combine.self") == Some("override") {
        return;
    }
    if is_empty(&dominant.value) && !is_empty(&recessive.value) {
        dominant.value.clone_from(&recessive.value);
        dominant.at = recessive.at.clone();
    }
    for (k, v) in &recessive.attributes {
        if dominant.attribute_is_empty(k) && k != "combine.self" {
            dominant.set_attribute(k, v);
        }
    }
    if recessive.children.is_empty() {
        return;
    }
    if dominant.attribute("combine.children") == Some("append") {
        let own = std::mem::take(&mut dominant.children);
        dominant.children = recessive.children.clone();
        dominant.children.extend(own);
        return;
    }
    // The dominant's children as they were, each paired at most once with a recessive child
    // of its name, in order; unpaired recessive children go after them.
    let mut slots: Vec<Option<Dom>> = std::mem::take(&mut dominant.children)
        .into_iter()
        .map(Some)
        .collect();
    let mut queues: HashMap<&str, std::collections::VecDeque<usize>> = HashMap::new();
    for r in &recessive.children {
        if queues.contains_key(r.name.as_str()) {
            continue;
        }
        let same: std::collections::VecDeque<usize> = slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.as_ref().is_some_and(|d| d.name == r.name))
            .map(|(i, _)| i)
            .collect();
        if !same.is_empty() {
            queues.insert(r.name.as_str(), same);
        }
    }
    let mut appended = Vec::new();
    for r in &recessive.children {
        match queues.get_mut(r.name.as_str()) {
            None => appended.push(r.clone()),
            Some(queue) => {
                if let Some(i) = queue.pop_front() {
                    let remove = slots[i]
                        .as_ref()
                        .is_some_and(|d| d.attribute("combine.self") == Some("remove"));
                    if remove {
                        slots[i] = None;
                    } else if let Some(d) = slots[i].as_mut() {
                        merge_into(d, r);
                    }
                }
            }
        }
    }
    dominant.children = slots.into_iter().flatten().chain(appended).collect();
}

/// One `<execution>`.
#[derive(Debug, Clone)]
pub struct Execution {
    pub id: String,
    pub phase: Option<String>,
    pub goals: Vec<String>,
    inherited: Option<String>,
    pub configuration: Option<Dom>,
    pub at: SourceLocation,
}

/// One `<plugin>`.
#[derive(Debug, Clone)]
struct Plugin {
    key: String,
    inherited: Option<String>,
    configuration: Option<Dom>,
    executions: Vec<Execution>,
    at: SourceLocation,
}

/// `ConfigurationContainer.isInherited`: true unless it says otherwise.
fn inherited(value: &Option<String>) -> bool {
    value.as_deref().is_none_or(|v| v.trim() == "true")
}

fn text(e: &Element, name: &str) -> Option<String> {
    e.text_of(name).map(|s| s.trim().to_string())
}

fn location(e: &Element, file: &Path) -> SourceLocation {
    SourceLocation {
        file: file.to_path_buf(),
        line: e.line,
        column: e.column,
    }
}

fn plugins(container: Option<&Element>, file: &Path) -> Vec<Plugin> {
    let mut out: Vec<Plugin> = Vec::new();
    for p in container
        .into_iter()
        .flat_map(|c| c.children_named("plugin"))
    {
        let key = format!(
            "{}:{}",
            text(p, "groupId").unwrap_or_else(|| DEFAULT_GROUP.to_string()),
            text(p, "artifactId").unwrap_or_default()
        );
        let executions = p
            .child("executions")
            .into_iter()
            .flat_map(|es| es.children_named("execution"))
            .map(|e| Execution {
                id: text(e, "id").unwrap_or_else(|| "default".to_string()),
                phase: text(e, "phase"),
                goals: e.list("goals", "goal"),
                inherited: text(e, "inherited"),
                configuration: e.child("configuration").map(|c| Dom::from_element(c, file)),
                at: location(e, file),
            })
            .collect();
        // A second declaration of the same plugin is a model error in Maven; the first counts.
        if out.iter().any(|x| x.key == key) {
            continue;
        }
        out.push(Plugin {
            key,
            inherited: text(p, "inherited"),
            configuration: p.child("configuration").map(|c| Dom::from_element(c, file)),
            executions,
            at: location(p, file),
        });
    }
    out
}

/// `mergeConfigurationContainer` with the target dominant.
fn merge_container(
    target_inherited: &mut Option<String>,
    target_config: &mut Option<Dom>,
    source_inherited: &Option<String>,
    source_config: &Option<Dom>,
) {
    if target_inherited.is_none() {
        target_inherited.clone_from(source_inherited);
    }
    *target_config = merge(target_config.take(), source_config.as_ref());
}

/// `mergePluginExecution` with the target dominant.
fn merge_execution(target: &mut Execution, source: &Execution) {
    if target.phase.is_none() {
        target.phase.clone_from(&source.phase);
    }
    for g in &source.goals {
        if !target.goals.contains(g) {
            target.goals.push(g.clone());
        }
    }
    merge_container(
        &mut target.inherited,
        &mut target.configuration,
        &source.inherited,
        &source.configuration,
    );
}

/// Executions merged by id: the source's first (in their order), the target's merged over the
/// one of their id or appended.
fn merge_executions(target: &mut Vec<Execution>, source: Vec<Execution>) {
    let mut merged = source;
    for mut t in std::mem::take(target) {
        match merged.iter().position(|s| s.id == t.id) {
            Some(i) => {
                merge_execution(&mut t, &merged[i]);
                merged[i] = t;
            }
            None => merged.push(t),
        }
    }
    *target = merged;
}

/// A profile's plugins merged into its pom's, the profile dominant (Maven's profile injector).
fn inject(model: &mut Vec<Plugin>, profile: Vec<Plugin>) {
    for p in profile {
        let Some(m) = model.iter_mut().find(|m| m.key == p.key) else {
            model.push(p);
            continue;
        };
        if p.inherited.is_some() {
            m.inherited.clone_from(&p.inherited);
        }
        m.configuration = merge(p.configuration, m.configuration.as_ref());
        for pe in p.executions {
            match m.executions.iter_mut().find(|e| e.id == pe.id) {
                Some(e) => {
                    if pe.phase.is_some() {
                        e.phase = pe.phase;
                    }
                    for g in pe.goals {
                        if !e.goals.contains(&g) {
                            e.goals.push(g);
                        }
                    }
                    if pe.inherited.is_some() {
                        e.inherited = pe.inherited;
                    }
                    e.configuration = merge(pe.configuration, e.configuration.as_ref());
                }
                None => m.executions.push(pe),
            }
        }
    }
}

/// One pom's plugins under `path` of its `<build>`, its active profiles' injected.
fn layer_plugins(layer: &BuildLayer, path: &[&str]) -> Vec<Plugin> {
    let mut out = plugins(layer.build.as_ref().and_then(|b| b.at(path)), &layer.file);
    for profile in &layer.profile_builds {
        inject(&mut out, plugins(profile.at(path), &layer.file));
    }
    out
}

/// Maven's inheritance of a plugin list: the parent's plugins (as inherited) with the child's
/// merged over them.
fn inherit(child: Vec<Plugin>, parent: &[Plugin]) -> Vec<Plugin> {
    let mut out: Vec<Plugin> = Vec::new();
    for p in parent {
        let p_inherited = inherited(&p.inherited);
        if !p_inherited && p.executions.is_empty() {
            continue;
        }
        let executions = p
            .executions
            .iter()
            .filter(|e| match &e.inherited {
                Some(_) => inherited(&e.inherited),
                None => p_inherited,
            })
            .cloned()
            .collect();
        out.push(Plugin {
            key: p.key.clone(),
            inherited: if p_inherited {
                p.inherited.clone()
            } else {
                None
            },
            configuration: if p_inherited {
                p.configuration.clone()
            } else {
                None
            },
            executions,
            at: p.at.clone(),
        });
    }
    let mut pending: Vec<Plugin> = Vec::new();
    let mut predecessors: HashMap<usize, Vec<Plugin>> = HashMap::new();
    for mut c in child {
        match out.iter().position(|p| p.key == c.key) {
            Some(i) => {
                let source = out[i].clone();
                if inherited(&source.inherited) {
                    merge_container(
                        &mut c.inherited,
                        &mut c.configuration,
                        &source.inherited,
                        &source.configuration,
                    );
                }
                let source_inherited = inherited(&source.inherited);
                let source_executions = source
                    .executions
                    .into_iter()
                    .filter(|e| match &e.inherited {
                        Some(_) => inherited(&e.inherited),
                        None => source_inherited,
                    })
                    .collect();
                merge_executions(&mut c.executions, source_executions);
                out[i] = c;
                if !pending.is_empty() {
                    predecessors.insert(i, std::mem::take(&mut pending));
                }
            }
            None => pending.push(c),
        }
    }
    // Maven's order: the parent's plugins, each preceded by the child's new plugins written
    // before it, then the child's remaining new ones.
    let mut ordered = Vec::with_capacity(out.len() + pending.len());
    for (i, p) in out.into_iter().enumerate() {
        ordered.extend(predecessors.remove(&i).unwrap_or_default());
        ordered.push(p);
    }
    ordered.extend(pending);
    ordered
}

/// The plugin `group:artifact` as the project's effective model has it, executions expanded.
#[derive(Debug, Clone)]
pub struct EffectivePlugin {
    pub group_id: String,
    pub artifact_id: String,
    /// The plugin-level configuration.
    pub configuration: Option<Dom>,
    /// Each execution with the plugin-level configuration merged under its own.
    pub executions: Vec<Execution>,
    /// Where the nearest pom declares the plugin.
    pub at: SourceLocation,
}

/// The plugin in `<build><plugins>` of the effective model of the pom whose lineage (each pom's
/// `<build>` and its active profiles', nearest first) is given, or `None` when it is not
/// declared there. Values are interpolated and evaluated with `properties` (see the module
/// comment).
pub fn effective_plugin(
    lineage: &[BuildLayer],
    group: &str,
    artifact: &str,
    properties: &BTreeMap<String, String>,
) -> Option<EffectivePlugin> {
    effective_plugins(lineage, properties)
        .into_iter()
        .find(|p| p.group_id == group && p.artifact_id == artifact)
}

/// Every plugin in `<build><plugins>` of the effective model, in Maven's order (the order in
/// which it runs a phase's executions of different plugins), each as [`effective_plugin`] gives it.
/// A plugin the default lifecycle runs without the pom declaring it (maven-jar-plugin,
/// maven-resources-plugin): its `<pluginManagement>` entry as Maven applies it, or `None` when
/// no pom of the lineage manages it.
pub fn managed_plugin(
    lineage: &[BuildLayer],
    group: &str,
    artifact: &str,
    properties: &BTreeMap<String, String>,
) -> Option<EffectivePlugin> {
    let mut managed: Vec<Plugin> = Vec::new();
    for layer in lineage.iter().rev() {
        managed = inherit(
            layer_plugins(layer, &["pluginManagement", "plugins"]),
            &managed,
        );
    }
    let key = format!("{group}:{artifact}");
    let plugin = managed.into_iter().find(|p| p.key == key)?;
    Some(effective(plugin, properties))
}

pub fn effective_plugins(
    lineage: &[BuildLayer],
    properties: &BTreeMap<String, String>,
) -> Vec<EffectivePlugin> {
    let mut declared: Vec<Plugin> = Vec::new();
    let mut managed: Vec<Plugin> = Vec::new();
    for layer in lineage.iter().rev() {
        declared = inherit(layer_plugins(layer, &["plugins"]), &declared);
        managed = inherit(
            layer_plugins(layer, &["pluginManagement", "plugins"]),
            &managed,
        );
    }
    declared
        .into_iter()
        .map(|mut plugin| {
            if let Some(m) = managed.iter().find(|p| p.key == plugin.key) {
                merge_container(
                    &mut plugin.inherited,
                    &mut plugin.configuration,
                    &m.inherited,
                    &m.configuration,
                );
                merge_executions(&mut plugin.executions, m.executions.clone());
            }
            effective(plugin, properties)
        })
        .collect()
}

/// A merged plugin with its values interpolated and evaluated.
fn effective(plugin: Plugin, properties: &BTreeMap<String, String>) -> EffectivePlugin {
    let configuration = plugin.configuration.map(|c| evaluate(c, properties));
    let executions = plugin
        .executions
        .into_iter()
        .map(|mut e| {
            e.configuration =
                merge(e.configuration, configuration.as_ref()).map(|c| evaluate(c, properties));
            e.phase = e.phase.map(|p| interpolate(&p, properties));
            e.goals = e.goals.iter().map(|g| interpolate(g, properties)).collect();
            e
        })
        .collect();
    let (group_id, artifact_id) = plugin
        .key
        .split_once(':')
        .map(|(g, a)| (g.to_string(), a.to_string()))
        .unwrap_or_default();
    EffectivePlugin {
        group_id,
        artifact_id,
        configuration,
        executions,
        at: plugin.at,
    }
}

/// Interpolation then evaluation of every value and attribute of the tree.
fn evaluate(mut dom: Dom, properties: &BTreeMap<String, String>) -> Dom {
    dom.value = dom.value.and_then(|v| {
        let s = interpolate(&v, properties);
        (!is_unresolved_expression(&s)).then_some(s)
    });
    for (_, v) in &mut dom.attributes {
        *v = interpolate(v, properties);
    }
    dom.children = dom
        .children
        .into_iter()
        .map(|c| evaluate(c, properties))
        .collect();
    dom
}

/// A value that is one `${...}` and nothing else (left so by interpolation: nothing defines
/// it): Maven's expression evaluator gives `null` for it.
fn is_unresolved_expression(s: &str) -> bool {
    s.strip_prefix("${")
        .and_then(|rest| rest.strip_suffix('}'))
        .is_some_and(|inner| !inner.contains('}'))
}

/// `${name}` replaced from `properties`, repeatedly (a value may name another property); an
/// unknown one is left as written.
pub fn interpolate(s: &str, properties: &BTreeMap<String, String>) -> String {
    let mut current = s.to_string();
    // Values come interpolated already; a few rounds cover values that name others.
    for _ in 0..8 {
        let next = interpolate_once(&current, properties);
        if next == current {
            break;
        }
        current = next;
    }
    current
}

fn interpolate_once(s: &str, properties: &BTreeMap<String, String>) -> String {
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

/// The lifecycle phases `mvn package` runs, in order.
pub const PACKAGE_PHASES: &[&str] = &[
    "validate",
    "initialize",
    "generate-sources",
    "process-sources",
    "generate-resources",
    "process-resources",
    "compile",
    "process-classes",
    "generate-test-sources",
    "process-test-sources",
    "generate-test-resources",
    "process-test-resources",
    "test-compile",
    "process-test-classes",
    "test",
    "prepare-package",
    "package",
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn dom(xml: &str) -> Dom {
        let e = crate::maven::xml::parse_element(Path::new("pom.xml"), xml.as_bytes()).unwrap();
        Dom::from_element(&e, Path::new("pom.xml"))
    }

    fn names(d: &Dom) -> Vec<String> {
        d.children
            .iter()
            .map(|c| format!("{}={}", c.name, c.value.clone().unwrap_or_default()))
            .collect()
    }

    #[test]
    fn same_named_children_pair_up_in_order() {
        let d = dom("<c><a>1</a><b/></c>");
        let r = dom("<c><a>x</a><a>y</a><b>2</b><z>3</z></c>");
        let m = merge(Some(d), Some(&r)).unwrap();
        // The second recessive <a> has no partner left: dropped.
        assert_eq!(names(&m), ["a=1", "b=2", "z=3"]);
    }

    #[test]
    fn append_and_override_and_remove() {
        let d = dom("<c combine.children=\"append\"><a>1</a></c>");
        let r = dom("<c><a>0</a></c>");
        assert_eq!(names(&merge(Some(d), Some(&r)).unwrap()), ["a=0", "a=1"]);
        let d = dom("<c><l combine.self=\"override\"><i>1</i></l></c>");
        let r = dom("<c><l><i>0</i><i>2</i></l><k>3</k></c>");
        let m = merge(Some(d), Some(&r)).unwrap();
        assert_eq!(names(m.child("l").unwrap()), ["i=1"]);
        assert_eq!(m.value_of("k"), Some("3"));
        let d = dom("<c><l combine.self=\"remove\"/></c>");
        let r = dom("<c><l>0</l></c>");
        assert!(merge(Some(d), Some(&r)).unwrap().child("l").is_none());
    }

    #[test]
    fn attributes_fill_in_and_combine_children_is_inherited() {
        let d = dom("<c><t><x>1</x></t></c>");
        let r = dom("<c><t implementation=\"I\" combine.children=\"append\"><y>2</y></t></c>");
        let m = merge(Some(d), Some(&r)).unwrap();
        let t = m.child("t").unwrap();
        assert_eq!(t.attribute("implementation"), Some("I"));
        assert_eq!(t.attribute("combine.children"), Some("append"));
    }

    fn element(xml: &str) -> Element {
        crate::maven::xml::parse_element(Path::new("pom.xml"), xml.as_bytes()).unwrap()
    }

    fn build(xml: &str) -> BuildLayer {
        BuildLayer {
            file: PathBuf::from("pom.xml"),
            build: Some(element(xml)),
            profile_builds: Vec::new(),
        }
    }

    #[test]
    fn an_active_profile_merges_over_its_pom() {
        let mut pom = build(
            "<build><plugins><plugin><artifactId>p</artifactId>\
               <configuration><a>pom</a><b>pom</b></configuration>\
               <executions><execution><id>e</id><phase>none</phase><goals><goal>g</goal></goals></execution></executions>\
             </plugin></plugins></build>",
        );
        pom.profile_builds.push(element(
            "<build><plugins><plugin><artifactId>p</artifactId>\
               <configuration><a>profile</a></configuration>\
               <executions><execution><id>e</id><phase>package</phase></execution></executions>\
             </plugin></plugins></build>",
        ));
        let p = effective_plugin(&[pom], DEFAULT_GROUP, "p", &BTreeMap::new()).unwrap();
        let e = &p.executions[0];
        assert_eq!(e.phase.as_deref(), Some("package"));
        assert_eq!(e.goals, ["g"]);
        let c = e.configuration.as_ref().unwrap();
        assert_eq!(c.value_of("a"), Some("profile"));
        assert_eq!(c.value_of("b"), Some("pom"));
    }

    #[test]
    fn executions_merge_by_id_and_management_goes_under() {
        let parent = build(
            "<build><pluginManagement><plugins><plugin><artifactId>p</artifactId>\
               <configuration><a>m</a><b>m</b></configuration>\
               <executions><execution><id>e</id><phase>package</phase><configuration><c>m</c></configuration></execution></executions>\
             </plugin></plugins></pluginManagement></build>",
        );
        let child = build(
            "<build><plugins><plugin><artifactId>p</artifactId>\
               <configuration><a>c</a></configuration>\
               <executions><execution><id>e</id><goals><goal>g</goal></goals><configuration><b>x</b></configuration></execution></executions>\
             </plugin></plugins></build>",
        );
        let p = effective_plugin(&[child, parent], DEFAULT_GROUP, "p", &BTreeMap::new()).unwrap();
        assert_eq!(p.executions.len(), 1);
        let e = &p.executions[0];
        assert_eq!(e.phase.as_deref(), Some("package"));
        assert_eq!(e.goals, ["g"]);
        let c = e.configuration.as_ref().unwrap();
        assert_eq!(c.value_of("a"), Some("c"));
        assert_eq!(c.value_of("b"), Some("x"));
        assert_eq!(c.value_of("c"), Some("m"));
    }

    #[test]
    fn plugin_order_is_mavens() {
        let parent = build(
            "<build><plugins><plugin><artifactId>a</artifactId></plugin>\
             <plugin><artifactId>b</artifactId></plugin></plugins></build>",
        );
        let child = build(
            "<build><plugins><plugin><artifactId>x</artifactId></plugin>\
             <plugin><artifactId>b</artifactId></plugin><plugin><artifactId>y</artifactId></plugin></plugins></build>",
        );
        let order: Vec<String> = effective_plugins(&[child, parent], &BTreeMap::new())
            .into_iter()
            .map(|p| p.artifact_id)
            .collect();
        assert_eq!(order, ["a", "x", "b", "y"]);
    }

    #[test]
    fn not_inherited_plugins_stay_in_their_pom() {
        let parent = build(
            "<build><plugins><plugin><artifactId>p</artifactId><inherited>false</inherited>\
               <configuration><a>1</a></configuration></plugin></plugins></build>",
        );
        let child = build("<build/>");
        assert!(effective_plugin(&[child, parent], DEFAULT_GROUP, "p", &BTreeMap::new()).is_none());
    }

    #[test]
    fn an_expression_nothing_defines_has_no_value() {
        let mut props = BTreeMap::new();
        props.insert("known".to_string(), "K".to_string());
        let d = evaluate(
            dom("<c><a>${nope}</a><b>x.${nope}</b><k>${known}.Main</k></c>"),
            &props,
        );
        assert_eq!(d.value_of("a"), None);
        assert_eq!(d.value_of("b"), Some("x.${nope}"));
        assert_eq!(d.value_of("k"), Some("K.Main"));
    }
}
