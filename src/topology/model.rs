//! The topology as Flux 2.8.8's model classes see it (`TopologyDef`, `BeanDef`, `VertexDef`,
//! `StreamDef`, `GroupingDef`, `ObjectDef`, `PropertyDef`, `ConfigMethodDef`, `IncludeDef`,
//! `TopologySourceDef`), read from the positioned YAML tree. Reading it is where the shape is
//! checked: SnakeYAML rejects a key that is not a bean property and a value of the wrong type, so
//! both are errors here, with the closest valid key suggested.

use std::path::{Path, PathBuf};

use super::suggest::closest;
use super::yaml::{Node, Pos};
use super::{Diagnostic, Severity};

/// Where something is: the file (the topology or an included one) and the position in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loc {
    pub file: PathBuf,
    pub pos: Pos,
}

/// A scalar value and where it is written.
#[derive(Debug, Clone)]
pub struct Text {
    pub value: String,
    pub loc: Loc,
}

impl Text {
    /// True when a `${...}` placeholder was left in the value (already reported by the filter).
    pub fn unsubstituted(&self) -> bool {
        self.value.contains("${")
    }
}

#[derive(Debug, Clone)]
pub struct Number {
    pub value: i64,
    pub loc: Loc,
}

/// `ObjectDef`: how Flux builds an object by reflection.
#[derive(Debug, Clone)]
pub struct ObjectDef {
    pub loc: Loc,
    pub class_name: Option<Text>,
    /// The `constructorArgs` list as written (after substitution), with the position of each item.
    pub constructor_args: Option<Vec<Value>>,
    pub config_methods: Vec<ConfigMethod>,
    pub factory: Option<Text>,
    /// Every `ref`, `reflist` item and property `ref`: ids that must be components.
    pub refs: Vec<Text>,
}

/// A YAML value with its location, for constructor and method arguments.
#[derive(Debug, Clone)]
pub struct Value {
    pub node: Node,
    pub loc: Loc,
}

impl Value {
    /// A list of plain strings (`[a, b]`), with each item's location.
    pub fn strings(&self) -> Option<Vec<Text>> {
        let items = self.node.as_seq()?;
        items
            .iter()
            .map(|n| {
                n.as_str().map(|s| Text {
                    value: s.to_string(),
                    loc: Loc {
                        file: self.loc.file.clone(),
                        pos: n.pos,
                    },
                })
            })
            .collect()
    }
}

#[derive(Debug, Clone)]
pub struct ConfigMethod {
    pub name: Option<Text>,
    pub args: Vec<Value>,
}

/// The four kinds of bean a topology file defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BeanKind {
    Component,
    Spout,
    Bolt,
    WorkerHook,
}

impl BeanKind {
    pub fn noun(self) -> &'static str {
        match self {
            BeanKind::Component => "component",
            BeanKind::Spout => "spout",
            BeanKind::Bolt => "bolt",
            BeanKind::WorkerHook => "worker hook",
        }
    }
}

/// `BeanDef` / `SpoutDef` / `BoltDef` / `WorkerHookDef`.
#[derive(Debug, Clone)]
pub struct BeanDef {
    pub kind: BeanKind,
    pub id: Option<Text>,
    pub object: ObjectDef,
    pub parallelism: Option<Number>,
    pub num_tasks: Option<Number>,
}

#[derive(Debug, Clone)]
pub struct GroupingDef {
    pub kind: Option<Text>,
    pub stream_id: Option<Text>,
    pub args: Option<Vec<Text>>,
    pub custom_class: Option<ObjectDef>,
}

#[derive(Debug, Clone)]
pub struct StreamDef {
    pub name: Option<Text>,
    pub from: Option<Text>,
    pub to: Option<Text>,
    pub grouping: Option<GroupingDef>,
}

#[derive(Debug, Clone)]
pub struct IncludeDef {
    pub resource: bool,
    pub file: Option<Text>,
    pub override_: bool,
}

/// `TopologyDef`: one file's content.
#[derive(Debug, Clone, Default)]
pub struct TopologyDef {
    pub file: PathBuf,
    pub name: Option<Text>,
    /// The `config` keys (Storm configuration), for include merging.
    pub config: Vec<Text>,
    pub components: Vec<BeanDef>,
    pub spouts: Vec<BeanDef>,
    pub bolts: Vec<BeanDef>,
    pub worker_hooks: Vec<BeanDef>,
    pub streams: Vec<StreamDef>,
    pub includes: Vec<IncludeDef>,
    pub topology_source: Option<ObjectDef>,
    pub includes_loc: Option<Loc>,
}

pub const TOP_KEYS: &[&str] = &[
    "name",
    "config",
    "components",
    "spouts",
    "bolts",
    "streams",
    "includes",
    "topologySource",
    "workerHooks",
];
const OBJECT_KEYS: &[&str] = &[
    "className",
    "constructorArgs",
    "properties",
    "configMethods",
    "factory",
    "factoryArgs",
];
const BEAN_KEYS: &[&str] = &["id"];
const VERTEX_KEYS: &[&str] = &[
    "parallelism",
    "numTasks",
    "onHeapMemoryLoad",
    "offHeapMemoryLoad",
    "cpuLoad",
];
const SOURCE_KEYS: &[&str] = &["methodName"];
const STREAM_KEYS: &[&str] = &["name", "from", "to", "grouping"];
const GROUPING_KEYS: &[&str] = &["type", "streamId", "args", "customClass"];
const PROPERTY_KEYS: &[&str] = &["name", "value", "ref"];
const METHOD_KEYS: &[&str] = &["name", "args"];
const INCLUDE_KEYS: &[&str] = &["resource", "file", "override"];

/// Reads one file's tree into a [`TopologyDef`], collecting shape diagnostics.
/// The tree's positions must already be those of the file as written (see `filter`).
pub struct Reader<'a> {
    pub file: &'a Path,
    pub diags: &'a mut Vec<Diagnostic>,
}

impl Reader<'_> {
    pub fn loc(&self, node: &Node) -> Loc {
        Loc {
            file: self.file.to_path_buf(),
            pos: node.pos,
        }
    }

    fn error(&mut self, node: &Node, message: String, fix: String) {
        let loc = self.loc(node);
        self.diags
            .push(Diagnostic::at(Severity::Error, &loc, message, fix));
    }

    /// The pairs of a mapping whose keys are all in `allowed`; unknown and duplicate keys reported.
    /// `what` names the mapping in messages ("spout", "stream", ...).
    fn fields<'n>(
        &mut self,
        node: &'n Node,
        what: &str,
        allowed: &[&str],
    ) -> Vec<(&'n str, &'n Node)> {
        let Some(pairs) = node.as_map() else {
            self.error(
                node,
                format!(
                    "a {what} must be a mapping (`key: value` lines), found {}",
                    node.describe()
                ),
                format!(
                    "write the {what} as `key: value` pairs ({})",
                    allowed.join(", ")
                ),
            );
            return Vec::new();
        };
        let mut seen: Vec<(&str, &Node)> = Vec::new();
        let mut out = Vec::new();
        for (key, value) in pairs {
            let Some(name) = key.as_str() else {
                self.error(
                    key,
                    format!("a {what} key must be a plain name"),
                    "use one of: ".to_string() + &allowed.join(", "),
                );
                continue;
            };
            if !allowed.contains(&name) {
                let (message, fix) = unknown_key(name, what, allowed);
                self.error(key, message, fix);
                continue;
            }
            if let Some((_, first)) = seen.iter().find(|(n, _)| *n == name) {
                let first_loc = self.loc(first);
                let loc = self.loc(key);
                self.diags.push(Diagnostic::at(
                    Severity::Warning,
                    &loc,
                    format!("`{name}` is given twice in this {what} (first at line {}); Flux uses this one and ignores the first", first_loc.pos.line),
                    format!("remove one of the two `{name}` keys"),
                ));
                out.retain(|(n, _)| *n != name);
            }
            seen.push((name, key));
            out.push((name, value));
        }
        out
    }

    fn text(&mut self, node: &Node, key: &str) -> Option<Text> {
        if node.is_null() {
            return None;
        }
        match node.as_str() {
            Some(s) => Some(Text {
                value: s.to_string(),
                loc: self.loc(node),
            }),
            None => {
                self.error(
                    node,
                    format!("`{key}` must be a single value, found {}", node.describe()),
                    format!("write `{key}: <value>` on one line"),
                );
                None
            }
        }
    }

    fn number(&mut self, node: &Node, key: &str) -> Option<Number> {
        if node.as_str().is_some_and(|s| s.contains("${")) {
            return None; // an unsubstituted placeholder, reported by the filter
        }
        match node.as_int() {
            Some(value) => Some(Number {
                value,
                loc: self.loc(node),
            }),
            None => {
                let found = node
                    .as_str()
                    .map_or_else(|| node.describe().to_string(), |s| format!("`{s}`"));
                self.error(
                    node,
                    format!("`{key}` must be a whole number, found {found}"),
                    format!("write `{key}: 1` (a plain number, no quotes)"),
                );
                None
            }
        }
    }

    fn boolean(&mut self, node: &Node, key: &str) -> bool {
        if node.as_str().is_some_and(|s| s.contains("${")) {
            return false; // an unsubstituted placeholder, reported by the filter
        }
        match node.as_bool() {
            Some(b) => b,
            None => {
                self.error(
                    node,
                    format!("`{key}` must be true or false"),
                    format!("write `{key}: true` or `{key}: false`"),
                );
                false
            }
        }
    }

    /// A list whose Flux setter loops over it: an empty value (`key:` with nothing after it)
    /// makes Flux fail with a NullPointerException.
    fn list_non_null<'n>(&mut self, node: &'n Node, key: &str) -> &'n [Node] {
        if node.is_null() {
            self.error(
                node,
                format!("`{key}` is empty (null): Flux fails with a NullPointerException while reading it"),
                format!("give `{key}` at least one item, write `{key}: []`, or remove the key"),
            );
            return &[];
        }
        self.list(node, key)
    }

    fn list<'n>(&mut self, node: &'n Node, key: &str) -> &'n [Node] {
        if node.is_null() {
            return &[];
        }
        match node.as_seq() {
            Some(items) => items,
            None => {
                self.error(
                    node,
                    format!("`{key}` must be a list, found {}", node.describe()),
                    format!("write `{key}:` followed by `- ...` items, or `{key}: [...]`"),
                );
                &[]
            }
        }
    }

    /// Read a whole file.
    pub fn topology(&mut self, root: &Node) -> TopologyDef {
        let mut def = TopologyDef {
            file: self.file.to_path_buf(),
            ..TopologyDef::default()
        };
        for (key, value) in self.fields(root, "topology", TOP_KEYS) {
            match key {
                "name" => def.name = self.text(value, key),
                "config" => {
                    if let Some(pairs) = value.as_map() {
                        def.config = pairs
                            .iter()
                            .filter_map(|(k, _)| {
                                k.as_str().map(|s| Text {
                                    value: s.to_string(),
                                    loc: self.loc(k),
                                })
                            })
                            .collect();
                    } else if !value.is_null() {
                        self.error(
                            value,
                            format!(
                                "`config` must be a mapping of Storm settings, found {}",
                                value.describe()
                            ),
                            "write `config:` followed by `topology.workers: 1`-style lines"
                                .to_string(),
                        );
                    }
                }
                "components" => def.components = self.beans(value, key, BeanKind::Component),
                "spouts" => def.spouts = self.beans(value, key, BeanKind::Spout),
                "bolts" => def.bolts = self.beans(value, key, BeanKind::Bolt),
                "workerHooks" => def.worker_hooks = self.beans(value, key, BeanKind::WorkerHook),
                "streams" => {
                    def.streams = self
                        .list_non_null(value, key)
                        .iter()
                        .map(|n| self.stream(n))
                        .collect()
                }
                "includes" => {
                    def.includes_loc = Some(self.loc(value));
                    def.includes = self
                        .list(value, key)
                        .iter()
                        .map(|n| self.include(n))
                        .collect();
                }
                "topologySource" => {
                    let mut allowed = OBJECT_KEYS.to_vec();
                    allowed.extend_from_slice(SOURCE_KEYS);
                    def.topology_source = Some(self.object(value, "topologySource", &allowed).0);
                }
                _ => {}
            }
        }
        def
    }

    fn beans(&mut self, node: &Node, key: &str, kind: BeanKind) -> Vec<BeanDef> {
        let items = self.list_non_null(node, key);
        items.iter().map(|n| self.bean(n, kind)).collect()
    }

    fn bean(&mut self, node: &Node, kind: BeanKind) -> BeanDef {
        let mut allowed = OBJECT_KEYS.to_vec();
        allowed.extend_from_slice(BEAN_KEYS);
        if matches!(kind, BeanKind::Spout | BeanKind::Bolt) {
            allowed.extend_from_slice(VERTEX_KEYS);
        }
        let (object, rest) = self.object(node, kind.noun(), &allowed);
        let mut bean = BeanDef {
            kind,
            id: None,
            object,
            parallelism: None,
            num_tasks: None,
        };
        for (key, value) in rest {
            match key {
                "id" => bean.id = self.text(value, key),
                "parallelism" => bean.parallelism = self.number(value, key),
                "numTasks" => bean.num_tasks = self.number(value, key),
                "onHeapMemoryLoad" | "offHeapMemoryLoad" | "cpuLoad" => {
                    self.number(value, key);
                }
                _ => {}
            }
        }
        if bean.id.is_none() {
            let loc = self.loc(node);
            self.diags.push(Diagnostic::at(
                Severity::Error,
                &loc,
                format!("this {} has no `id`", kind.noun()),
                format!(
                    "add `id: \"my-{}\"` (unique, not starting with `__`)",
                    kind.noun().replace(' ', "-")
                ),
            ));
        }
        bean
    }

    /// Read the `ObjectDef` keys of a mapping; returns the other allowed keys for the caller.
    fn object<'n>(
        &mut self,
        node: &'n Node,
        what: &str,
        allowed: &[&str],
    ) -> (ObjectDef, Vec<(&'n str, &'n Node)>) {
        let mut object = ObjectDef {
            loc: self.loc(node),
            class_name: None,
            constructor_args: None,
            config_methods: Vec::new(),
            factory: None,
            refs: Vec::new(),
        };
        let mut rest = Vec::new();
        for (key, value) in self.fields(node, what, allowed) {
            match key {
                "className" => object.class_name = self.text(value, key),
                "factory" => object.factory = self.text(value, key),
                "constructorArgs" => {
                    let items: Vec<Value> = self
                        .list_non_null(value, key)
                        .iter()
                        .map(|n| Value {
                            node: n.clone(),
                            loc: self.loc(n),
                        })
                        .collect();
                    for item in &items {
                        self.collect_refs(&item.node, &mut object.refs);
                    }
                    object.constructor_args = Some(items);
                }
                "factoryArgs" => {
                    for n in self.list_non_null(value, key) {
                        self.collect_refs(n, &mut object.refs);
                    }
                }
                "properties" => {
                    for n in self.list(value, key) {
                        self.property(n, &mut object.refs);
                    }
                }
                "configMethods" => {
                    for n in self.list(value, key) {
                        let method = self.config_method(n, &mut object.refs);
                        object.config_methods.push(method);
                    }
                }
                _ => rest.push((key, value)),
            }
        }
        if object.class_name.is_none() && node.as_map().is_some() {
            let loc = object.loc.clone();
            self.diags.push(Diagnostic::at(
                Severity::Error,
                &loc,
                format!("this {what} has no `className`: Flux cannot create it"),
                "add `className: \"fully.qualified.ClassName\"`".to_string(),
            ));
        }
        (object, rest)
    }

    /// `{ref: id}` and `{reflist: [ids]}` arguments, as Flux's `setConstructorArgs`/`setArgs` read them.
    fn collect_refs(&mut self, node: &Node, refs: &mut Vec<Text>) {
        let Some(pairs) = node.as_map() else { return };
        if pairs.len() != 1 {
            return;
        }
        let (key, value) = &pairs[0];
        match key.as_str() {
            Some("ref") => {
                if let Some(t) = self.text(value, "ref") {
                    refs.push(t);
                }
            }
            Some("reflist") => {
                for item in self.list(value, "reflist") {
                    if let Some(t) = self.text(item, "reflist") {
                        refs.push(t);
                    }
                }
            }
            _ => {}
        }
    }

    fn property(&mut self, node: &Node, refs: &mut Vec<Text>) {
        let mut has_name = false;
        for (key, value) in self.fields(node, "property", PROPERTY_KEYS) {
            match key {
                "name" => has_name = self.text(value, key).is_some(),
                "ref" => {
                    if let Some(t) = self.text(value, key) {
                        refs.push(t);
                    }
                }
                _ => {}
            }
        }
        if !has_name && node.as_map().is_some() {
            self.error(
                node,
                "this property has no `name`".to_string(),
                "add `name: fieldName` (the setter or public field to set)".to_string(),
            );
        }
    }

    fn config_method(&mut self, node: &Node, refs: &mut Vec<Text>) -> ConfigMethod {
        let mut method = ConfigMethod {
            name: None,
            args: Vec::new(),
        };
        for (key, value) in self.fields(node, "config method", METHOD_KEYS) {
            match key {
                "name" => method.name = self.text(value, key),
                "args" => {
                    for n in self.list_non_null(value, key) {
                        self.collect_refs(n, refs);
                        method.args.push(Value {
                            node: n.clone(),
                            loc: self.loc(n),
                        });
                    }
                }
                _ => {}
            }
        }
        if method.name.is_none() && node.as_map().is_some() {
            self.error(
                node,
                "this config method has no `name`".to_string(),
                "add `name: methodName`".to_string(),
            );
        }
        method
    }

    fn stream(&mut self, node: &Node) -> StreamDef {
        let mut stream = StreamDef {
            name: None,
            from: None,
            to: None,
            grouping: None,
        };
        for (key, value) in self.fields(node, "stream", STREAM_KEYS) {
            match key {
                "name" => stream.name = self.text(value, key),
                "from" => stream.from = self.text(value, key),
                "to" => stream.to = self.text(value, key),
                "grouping" => stream.grouping = Some(self.grouping(value)),
                _ => {}
            }
        }
        if node.as_map().is_some() {
            for (missing, example) in [
                ("from", "from: \"my-spout\""),
                ("to", "to: \"my-bolt\""),
                ("grouping", "grouping: {type: SHUFFLE}"),
            ] {
                let absent = match missing {
                    "from" => stream.from.is_none(),
                    "to" => stream.to.is_none(),
                    _ => stream.grouping.is_none(),
                };
                if absent {
                    self.error(
                        node,
                        format!("this stream has no `{missing}`"),
                        format!("add `{example}`"),
                    );
                }
            }
        }
        stream
    }

    fn grouping(&mut self, node: &Node) -> GroupingDef {
        let mut grouping = GroupingDef {
            kind: None,
            stream_id: None,
            args: None,
            custom_class: None,
        };
        for (key, value) in self.fields(node, "grouping", GROUPING_KEYS) {
            match key {
                "type" => grouping.kind = self.text(value, key),
                "streamId" => grouping.stream_id = self.text(value, key),
                "args" => {
                    let items = self.list(value, key);
                    grouping.args =
                        Some(items.iter().filter_map(|n| self.text(n, "args")).collect());
                }
                "customClass" => {
                    grouping.custom_class = Some(self.object(value, "customClass", OBJECT_KEYS).0)
                }
                _ => {}
            }
        }
        if grouping.kind.is_none() && node.as_map().is_some() {
            self.error(node, "this grouping has no `type`".to_string(), "add `type: SHUFFLE` (or FIELDS, ALL, GLOBAL, NONE, LOCAL_OR_SHUFFLE, DIRECT, CUSTOM)".to_string());
        }
        grouping
    }

    fn include(&mut self, node: &Node) -> IncludeDef {
        let mut include = IncludeDef {
            resource: false,
            file: None,
            override_: false,
        };
        for (key, value) in self.fields(node, "include", INCLUDE_KEYS) {
            match key {
                "resource" => include.resource = self.boolean(value, key),
                "override" => include.override_ = self.boolean(value, key),
                "file" => include.file = self.text(value, key),
                _ => {}
            }
        }
        if include.file.is_none() && node.as_map().is_some() {
            self.error(
                node,
                "this include has no `file`".to_string(),
                "add `file: \"/other.yaml\"` (with `resource: true` for a file inside the jar)"
                    .to_string(),
            );
        }
        include
    }
}

/// The message and fix for a key the model does not have.
fn unknown_key(name: &str, what: &str, allowed: &[&str]) -> (String, String) {
    let message = format!("unknown key `{name}` in a {what}: Flux (SnakeYAML) refuses the file");
    let elsewhere = match name {
        "parallelism" | "numTasks" if what == "component" => Some("`parallelism`/`numTasks` are only valid on spouts and bolts"),
        "type" | "args" | "streamId" | "customClass" if what == "stream" => Some("grouping settings go inside `grouping:` (e.g. `grouping: {type: FIELDS, args: [word]}`)"),
        "from" | "to" if what == "grouping" => Some("`from`/`to` belong to the stream, one level up"),
        "id" if what == "topologySource" || what == "customClass" => Some("an object built inline has no `id`"),
        "className" | "constructorArgs" | "id" if what == "topology" => Some("component settings go inside a `spouts:`, `bolts:` or `components:` list item"),
        _ => None,
    };
    let fix = match (elsewhere, closest(name, allowed.iter().copied())) {
        (Some(hint), _) => format!("remove `{name}`: {hint}"),
        (None, Some(best)) => format!("did you mean `{best}`?"),
        (None, None) => format!("remove `{name}`; valid keys here: {}", allowed.join(", ")),
    };
    (message, fix)
}
