//! Flux YAML -> Storm's `StormTopology`, without a JVM, for the topologies where that is exact:
//! shell components (`FluxShellSpout`/`FluxShellBolt` with `[interpreter, script]`) become
//! Storm's `ShellComponent` (the worker builds a ShellSpout/ShellBolt from it), Java components
//! whose output streams are known and whose constructor arguments are literal strings become
//! `JavaObject` (the worker instantiates them by reflection), with the output streams, groupings,
//! parallelism, `numTasks` and topology config as Flux's `FluxBuilder` and Storm's
//! `TopologyBuilder` set them.
//!
//! Whatever that cannot express faithfully is a [`Fallback`] reason, and the caller submits
//! through Flux in a JVM instead: component references, `configMethods`, `properties`,
//! factories, includes, `topologySource`, custom groupings, resource loads, shell commands
//! longer than interpreter + script, Java components whose streams only their code declares.

use std::collections::{BTreeMap, BTreeSet};

use serde_yaml::Value;

use super::generated::{
    Bolt, ComponentCommon, ComponentObject, GlobalStreamId, Grouping, JavaObject, JavaObjectArg,
    NullStruct, ShellComponent, SpoutSpec, StormTopology, StreamInfo,
};

pub const FLUX_SHELL_SPOUT: &str = "org.apache.storm.flux.wrappers.spouts.FluxShellSpout";
pub const FLUX_SHELL_BOLT: &str = "org.apache.storm.flux.wrappers.bolts.FluxShellBolt";
pub const LOG_INFO_BOLT: &str = "org.apache.storm.flux.wrappers.bolts.LogInfoBolt";

/// Java classes (IRichSpout/IRichBolt, which a worker can use as a `JavaObject` is) whose
/// output streams are known without running them. LogInfoBolt is not one: it is an IBasicBolt,
/// which `TopologyBuilder` wraps in a Java-serialized BasicBoltExecutor.
const KNOWN_JAVA: &[(&str, &[&str])] = &[];

/// The topology, translated.
#[derive(Debug, Clone)]
pub struct Translated {
    pub name: String,
    pub topology: StormTopology,
    /// The topology configuration (Flux's `config`), as JSON.
    pub conf: serde_json::Map<String, serde_json::Value>,
}

/// Why the topology needs Flux in a JVM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fallback {
    pub reasons: Vec<String>,
}

/// Class file bytes by internal name (`a/b/C`), from the topology jar and the cluster's
/// storm-client.
pub type Classes<'a> = &'a dyn Fn(&str) -> Option<Vec<u8>>;

/// Translate a (substituted) Flux topology; `Err(Fallback)` when only Flux can build it.
/// `source` names the file in messages.
pub fn translate(
    text: &str,
    source: &str,
    classes: Classes<'_>,
) -> anyhow::Result<Result<Translated, Fallback>> {
    let yaml: Value = serde_yaml::from_str(text)
        .map_err(|e| anyhow::anyhow!("{source}: not valid YAML: {e}\nfix: correct the topology (`stormpack check` shows where)"))?;
    let Some(top) = yaml.as_mapping() else {
        anyhow::bail!("{source}: the topology is not a YAML mapping\nfix: write a Flux topology (name, spouts, bolts, streams)");
    };
    let mut reasons = Vec::new();
    for key in top.keys().filter_map(Value::as_str) {
        match key {
            "name" | "config" | "spouts" | "bolts" | "streams" => {}
            "components" => reasons
                .push("it defines `components` (objects other components refer to)".to_string()),
            other => reasons.push(format!("it uses `{other}`")),
        }
    }
    let name = top
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let conf = config(top, source)?;

    let mut spouts = BTreeMap::new();
    let mut bolt_defs = BTreeMap::new();
    for (kind, list) in [("spout", top.get("spouts")), ("bolt", top.get("bolts"))] {
        for def in list.and_then(Value::as_sequence).into_iter().flatten() {
            let component = component(def, kind, source, classes, &mut reasons)?;
            if kind == "spout" {
                spouts.insert(component.id.clone(), component);
            } else {
                bolt_defs.insert(component.id.clone(), component);
            }
        }
    }

    let inputs = inputs(top, source, &spouts, &bolt_defs, &mut reasons)?;
    if !reasons.is_empty() {
        return Ok(Err(Fallback { reasons }));
    }
    Ok(Ok(Translated {
        name,
        topology: storm_topology(spouts, bolt_defs, inputs),
        conf,
    }))
}

/// Flux's `config` as a JSON object (empty when absent).
fn config(
    top: &serde_yaml::Mapping,
    source: &str,
) -> anyhow::Result<serde_json::Map<String, serde_json::Value>> {
    Ok(match top.get("config") {
        None | Some(Value::Null) => serde_json::Map::new(),
        Some(v) => match serde_json::to_value(v)? {
            serde_json::Value::Object(m) => m,
            _ => anyhow::bail!(
                "{source}: `config` is not a mapping\nfix: write `config:` as key: value pairs"
            ),
        },
    })
}

/// The streams as the inputs of each bolt, by bolt id.
fn inputs(
    top: &serde_yaml::Mapping,
    source: &str,
    spouts: &BTreeMap<String, Component>,
    bolt_defs: &BTreeMap<String, Component>,
    reasons: &mut Vec<String>,
) -> anyhow::Result<BTreeMap<String, BTreeMap<GlobalStreamId, Grouping>>> {
    let mut inputs: BTreeMap<String, BTreeMap<GlobalStreamId, Grouping>> = BTreeMap::new();
    for stream in top
        .get("streams")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
    {
        let field = |k: &str| stream.get(k).and_then(Value::as_str).map(str::to_string);
        let (Some(from), Some(to)) = (field("from"), field("to")) else {
            anyhow::bail!("{source}: a stream without `from` or `to`\nfix: give every stream both (`stormpack check` shows where)");
        };
        if !spouts.contains_key(&from) && !bolt_defs.contains_key(&from) {
            anyhow::bail!("{source}: stream `{from}` -> `{to}`: there is no spout or bolt `{from}`\nfix: correct the id (`stormpack check` suggests the closest)");
        }
        if !bolt_defs.contains_key(&to) {
            anyhow::bail!("{source}: stream `{from}` -> `{to}`: there is no bolt `{to}`\nfix: correct the id (`stormpack check` suggests the closest)");
        }
        let grouping = stream.get("grouping");
        let stream_id = grouping
            .and_then(|g| g.get("streamId"))
            .and_then(Value::as_str)
            .unwrap_or("default")
            .to_string();
        let Some(g) = stream_grouping(grouping, &from, &to, source, reasons)? else {
            continue;
        };
        inputs.entry(to).or_default().insert(
            GlobalStreamId {
                component_id: from,
                stream_id,
            },
            g,
        );
    }
    Ok(inputs)
}

/// A stream's `grouping` as Storm's [`Grouping`]; `None` (and a fallback reason) for CUSTOM.
fn stream_grouping(
    grouping: Option<&Value>,
    from: &str,
    to: &str,
    source: &str,
    reasons: &mut Vec<String>,
) -> anyhow::Result<Option<Grouping>> {
    let kind = grouping
        .and_then(|g| g.get("type"))
        .and_then(Value::as_str)
        .unwrap_or("");
    Ok(Some(match kind {
        "SHUFFLE" => Grouping::Shuffle(NullStruct {}),
        "FIELDS" => Grouping::Fields(
            grouping
                .and_then(|g| g.get("args"))
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
                .filter_map(scalar_string)
                .collect(),
        ),
        "ALL" => Grouping::All(NullStruct {}),
        "GLOBAL" => Grouping::Fields(Vec::new()),
        "NONE" => Grouping::None(NullStruct {}),
        "LOCAL_OR_SHUFFLE" => Grouping::LocalOrShuffle(NullStruct {}),
        "DIRECT" => Grouping::Direct(NullStruct {}),
        "CUSTOM" => {
            reasons.push(format!(
                "stream `{from}` -> `{to}` uses a CUSTOM grouping (a Java object Flux builds)"
            ));
            return Ok(None);
        }
        other => anyhow::bail!("{source}: stream `{from}` -> `{to}`: unknown grouping type `{other}`\nfix: use SHUFFLE, FIELDS, ALL, GLOBAL, NONE, LOCAL_OR_SHUFFLE, DIRECT or CUSTOM"),
    }))
}

/// The spouts, and the bolts some stream reaches (a bolt no stream reaches is dropped, as Flux
/// does), with their inputs.
fn storm_topology(
    spouts: BTreeMap<String, Component>,
    bolt_defs: BTreeMap<String, Component>,
    mut inputs: BTreeMap<String, BTreeMap<GlobalStreamId, Grouping>>,
) -> StormTopology {
    StormTopology {
        spouts: spouts
            .into_iter()
            .map(|(id, c)| {
                let common = c.common(BTreeMap::new());
                (
                    id,
                    SpoutSpec {
                        spout_object: c.object,
                        common,
                    },
                )
            })
            .collect(),
        bolts: bolt_defs
            .into_iter()
            .filter_map(|(id, c)| {
                let inputs = inputs.remove(&id)?;
                let common = c.common(inputs);
                Some((
                    id,
                    Bolt {
                        bolt_object: c.object,
                        common,
                    },
                ))
            })
            .collect(),
        state_spouts: BTreeMap::new(),
        worker_hooks: None,
        dependency_jars: None,
        dependency_artifacts: None,
        storm_version: None,
        jdk_version: None,
    }
}

/// One spout or bolt, translated.
struct Component {
    id: String,
    object: ComponentObject,
    streams: BTreeMap<String, StreamInfo>,
    parallelism: i32,
    num_tasks: Option<i64>,
}

impl Component {
    /// As `TopologyBuilder` fills it: parallelism hint (Flux's default 1), the declared
    /// streams, `topology.tasks` in the component configuration when `numTasks` is set.
    fn common(&self, inputs: BTreeMap<GlobalStreamId, Grouping>) -> ComponentCommon {
        let json_conf = self
            .num_tasks
            .map(|n| serde_json::json!({ "topology.tasks": n }).to_string());
        ComponentCommon {
            inputs,
            streams: self.streams.clone(),
            parallelism_hint: Some(self.parallelism),
            json_conf,
        }
    }
}

fn component(
    def: &Value,
    kind: &str,
    source: &str,
    classes: Classes<'_>,
    reasons: &mut Vec<String>,
) -> anyhow::Result<Component> {
    let Some(id) = def.get("id").and_then(Value::as_str) else {
        anyhow::bail!("{source}: a {kind} without an `id`\nfix: give every {kind} an id (`stormpack check` shows where)");
    };
    let Some(class) = def.get("className").and_then(Value::as_str) else {
        anyhow::bail!(
            "{source}: {kind} `{id}` has no `className`\nfix: name the class Flux instantiates"
        );
    };

    unsupported_keys(def, kind, id, reasons);
    let int = |key: &str| -> anyhow::Result<Option<i64>> {
        match def.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v.as_i64().filter(|n| *n >= 1 && *n <= i64::from(i32::MAX)).map(Some).ok_or_else(|| {
                anyhow::anyhow!("{source}: {kind} `{id}`: `{key}` must be a positive whole number\nfix: correct it")
            }),
        }
    };
    let parallelism = int("parallelism")?.unwrap_or(1) as i32;
    let num_tasks = int("numTasks")?;
    let args: Vec<Value> = def
        .get("constructorArgs")
        .and_then(Value::as_sequence)
        .cloned()
        .unwrap_or_default();
    let refs = args
        .iter()
        .any(|a| a.get("ref").is_some() || a.get("reflist").is_some());
    if refs {
        reasons.push(format!(
            "{kind} `{id}` takes a component reference as a constructor argument"
        ));
    }
    let named = Named { kind, id, class };
    let shell = matches!(class, FLUX_SHELL_SPOUT | FLUX_SHELL_BOLT);
    let (object, streams) = if shell && !refs {
        shell_object(&named, &args, reasons)
    } else if class == LOG_INFO_BOLT && kind == "bolt" && args.is_empty() {
        // An IBasicBolt declaring no streams: as TopologyBuilder, a serialized BasicBoltExecutor.
        let object = match basic_bolt(class, classes) {
            Ok(bytes) => ComponentObject::SerializedJava(bytes),
            Err(e) => {
                reasons.push(format!(
                    "{kind} `{id}` is {class}, an IBasicBolt, which must be Java-serialized \
                     inside a BasicBoltExecutor, and that could not be written without a JVM: \
                     {e:#}"
                ));
                empty_shell()
            }
        };
        (object, BTreeMap::new())
    } else if !shell {
        java_object(&named, &args, refs, reasons)
    } else {
        (empty_shell(), BTreeMap::new())
    };

    Ok(Component {
        id: id.to_string(),
        object,
        streams,
        parallelism,
        num_tasks,
    })
}

/// A fallback reason for each key of a spout or bolt that only Flux can honour.
fn unsupported_keys(def: &Value, kind: &str, id: &str, reasons: &mut Vec<String>) {
    if let Some(map) = def.as_mapping() {
        for key in map.keys().filter_map(Value::as_str) {
            match key {
                "id" | "className" | "constructorArgs" | "parallelism" | "numTasks" => {}
                "configMethods" | "properties" | "factory" | "factoryArgs" => reasons.push(
                    format!("{kind} `{id}` uses `{key}` (Flux calls Java code for it)"),
                ),
                other => reasons.push(format!("{kind} `{id}` sets `{other}`")),
            }
        }
    }
}

/// A component's kind (`spout`/`bolt`), id and class, for messages.
struct Named<'a> {
    kind: &'a str,
    id: &'a str,
    class: &'a str,
}

/// The object of a component that cannot be translated (the topology falls back to Flux).
fn empty_shell() -> ComponentObject {
    ComponentObject::Shell(ShellComponent {
        execution_command: None,
        script: None,
    })
}

/// A Flux shell component `[[interpreter, script], [fields]]` as Storm's `ShellComponent`
/// with its default stream.
fn shell_object(
    named: &Named<'_>,
    args: &[Value],
    reasons: &mut Vec<String>,
) -> (ComponentObject, BTreeMap<String, StreamInfo>) {
    let Named { kind, id, .. } = named;
    let mut streams = BTreeMap::new();
    let mut object = empty_shell();
    let command = args.first().and_then(string_list);
    let fields = args.get(1).and_then(string_list);
    match (command, fields, args.len()) {
        (Some(command), Some(fields), 2) if command.len() == 2 => {
            object = ComponentObject::Shell(ShellComponent {
                execution_command: Some(command[0].clone()),
                script: Some(command[1].clone()),
            });
            streams.insert(
                "default".to_string(),
                StreamInfo {
                    output_fields: fields,
                    direct: false,
                },
            );
        }
        (Some(command), Some(_), 2) => reasons.push(format!(
            "{kind} `{id}` runs {command:?}: Storm's ShellComponent holds an interpreter and \
             a script only"
        )),
        _ => reasons.push(format!(
            "{kind} `{id}`: its constructorArgs are not [command, output fields]"
        )),
    }
    (object, streams)
}

/// A Java component as Storm's `JavaObject` with string constructor arguments, and its
/// streams when [`KNOWN_JAVA`] knows them.
fn java_object(
    named: &Named<'_>,
    args: &[Value],
    refs: bool,
    reasons: &mut Vec<String>,
) -> (ComponentObject, BTreeMap<String, StreamInfo>) {
    let Named { kind, id, class } = named;
    let mut streams = BTreeMap::new();
    match KNOWN_JAVA.iter().find(|(c, _)| c == class) {
        Some((_, fields)) => {
            if !fields.is_empty() {
                streams.insert(
                    "default".to_string(),
                    StreamInfo {
                        output_fields: fields.iter().map(|f| f.to_string()).collect(),
                        direct: false,
                    },
                );
            }
        }
        None if *class == LOG_INFO_BOLT => reasons.push(format!(
            "{kind} `{id}` is {class}, an IBasicBolt: a worker cannot run it from a \
             JavaObject (it must be wrapped in a Java-serialized BasicBoltExecutor)"
        )),
        None => reasons.push(format!(
            "{kind} `{id}` ({class}) declares its output streams in Java code, which only a \
             JVM can ask"
        )),
    }
    let mut java_args = Vec::new();
    for (i, a) in args.iter().enumerate() {
        match a {
            Value::String(s) => java_args.push(JavaObjectArg::StringArg(s.clone())),
            _ if refs => {}
            _ => reasons.push(format!(
                "{kind} `{id}`: constructor argument {} is not a string (Storm's JavaObject \
                 finds constructors by boxed argument types, where Flux converts)",
                i + 1
            )),
        }
    }
    let object = ComponentObject::JavaObject(JavaObject {
        full_class_name: class.to_string(),
        args_list: java_args,
    });
    (object, streams)
}

/// `new BasicBoltExecutor(new <class>())`, Java-serialized, from the class files.
fn basic_bolt(class: &str, classes: Classes<'_>) -> anyhow::Result<Vec<u8>> {
    use super::javaser::{basic_bolt_executor, ClassFile};
    let load = |name: &str| -> anyhow::Result<ClassFile> {
        let bytes = classes(name).ok_or_else(|| anyhow::anyhow!("class {name} not found"))?;
        ClassFile::parse(&bytes).map_err(|e| anyhow::anyhow!("{name}: {e}"))
    };
    let executor = load("org/apache/storm/topology/BasicBoltExecutor")?;
    let mut chain = Vec::new();
    let mut next = Some(class.replace('.', "/"));
    while let Some(name) = next.filter(|n| n != "java/lang/Object") {
        let c = load(&name)?;
        next = c.super_name.clone();
        chain.push(c);
    }
    if !chain
        .iter()
        .any(|c| c.name == "org/apache/storm/topology/base/BaseBasicBolt")
    {
        anyhow::bail!("{class} does not extend BaseBasicBolt");
    }
    basic_bolt_executor(&executor, &chain)
}

/// `["a", "b"]` as strings (numbers and booleans as Flux's YAML would print them).
fn string_list(v: &Value) -> Option<Vec<String>> {
    v.as_sequence()?.iter().map(scalar_string).collect()
}

fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Storm's `-c key=value`: the value as JSON when it parses, else the text (as
/// `Utils.readCommandLineOpts` does).
pub fn conf_value(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|_| serde_json::Value::String(text.to_string()))
}

/// The ids of every component in the translated topology.
pub fn component_ids(t: &StormTopology) -> BTreeSet<String> {
    t.spouts.keys().chain(t.bolts.keys()).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORDCOUNT: &str = include_str!("../../fixtures/wordcount-maven/resources/topology.yaml");

    #[test]
    fn wordcount_translates_to_shell_components() {
        let shell_only = WORDCOUNT
            .split("  - id: \"log-bolt\"")
            .next()
            .unwrap()
            .to_string()
            + "streams:\n  - from: sentence-spout\n    to: split-bolt\n    grouping: {type: SHUFFLE}\n  - from: split-bolt\n    to: count-bolt\n    grouping: {type: FIELDS, args: [word]}\n";
        let t = translate(&shell_only, "topology.yaml", &|_| None)
            .unwrap()
            .unwrap();
        assert_eq!(t.name, "wordcount");
        assert_eq!(t.conf["topology.workers"], serde_json::json!(1));
        let spout = &t.topology.spouts["sentence-spout"];
        assert_eq!(
            spout.spout_object,
            ComponentObject::Shell(ShellComponent {
                execution_command: Some("python3".into()),
                script: Some("sentence_spout.py".into()),
            })
        );
        assert_eq!(
            spout.common.streams["default"].output_fields,
            vec!["sentence".to_string()]
        );
        assert_eq!(spout.common.parallelism_hint, Some(1));
        let count = &t.topology.bolts["count-bolt"];
        let input = GlobalStreamId {
            component_id: "split-bolt".into(),
            stream_id: "default".into(),
        };
        assert_eq!(
            count.common.inputs[&input],
            Grouping::Fields(vec!["word".into()])
        );
        assert_eq!(
            count.common.streams["default"].output_fields,
            vec!["word".to_string(), "count".to_string()]
        );
        assert_eq!(component_ids(&t.topology).len(), 3);
    }

    #[test]
    fn log_info_bolt_is_an_ibasicbolt_and_needs_flux() {
        let f = translate(WORDCOUNT, "topology.yaml", &|_| None)
            .unwrap()
            .unwrap_err();
        assert_eq!(f.reasons.len(), 1, "{:?}", f.reasons);
        assert!(f.reasons[0].contains("IBasicBolt"), "{:?}", f.reasons);
        assert!(
            f.reasons[0].contains("BasicBoltExecutor not found"),
            "{:?}",
            f.reasons
        );
    }

    #[test]
    fn num_tasks_and_groupings_and_stream_ids() {
        let yaml = r#"
name: t
spouts:
  - id: s
    className: org.apache.storm.flux.wrappers.spouts.FluxShellSpout
    constructorArgs: [["python3", "s.py"], ["a"]]
    parallelism: 2
    numTasks: 4
bolts:
  - id: b
    className: org.apache.storm.flux.wrappers.bolts.FluxShellBolt
    constructorArgs: [["sh", "b.sh"], ["x", "y"]]
  - id: unreached
    className: org.apache.storm.flux.wrappers.bolts.FluxShellBolt
    constructorArgs: [["sh", "u.sh"], []]
streams:
  - from: s
    to: b
    grouping: {type: GLOBAL, streamId: other}
"#;
        let t = translate(yaml, "t.yaml", &|_| None).unwrap().unwrap();
        let s = &t.topology.spouts["s"].common;
        assert_eq!(s.parallelism_hint, Some(2));
        assert_eq!(s.json_conf.as_deref(), Some(r#"{"topology.tasks":4}"#));
        let b = &t.topology.bolts["b"].common;
        let (k, g) = b.inputs.iter().next().unwrap();
        assert_eq!(k.stream_id, "other");
        assert_eq!(*g, Grouping::Fields(vec![]));
        assert!(!t.topology.bolts.contains_key("unreached"));
    }

    #[test]
    fn what_only_flux_can_build_falls_back_with_reasons() {
        let yaml = r#"
name: t
components:
  - id: c
    className: java.lang.String
spouts:
  - id: s
    className: org.apache.storm.flux.wrappers.spouts.FluxShellSpout
    constructorArgs: [["sh", "-c", "./s"], ["a"]]
bolts:
  - id: b
    className: com.example.MyBolt
    constructorArgs: [{ref: c}]
  - id: p
    className: org.apache.storm.flux.wrappers.bolts.FluxShellBolt
    constructorArgs: [["python3", "p.py"], ["w"]]
    configMethods:
      - name: setNamedStream
        args: ["s2", ["w"]]
streams:
  - from: s
    to: b
    grouping: {type: SHUFFLE}
"#;
        let f = translate(yaml, "t.yaml", &|_| None).unwrap().unwrap_err();
        let all = f.reasons.join("\n");
        assert!(all.contains("`components`"), "{all}");
        assert!(all.contains("interpreter and a script only"), "{all}");
        assert!(all.contains("component reference"), "{all}");
        assert!(all.contains("com.example.MyBolt"), "{all}");
        assert!(all.contains("`configMethods`"), "{all}");
    }

    #[test]
    fn a_stream_to_nowhere_is_an_error_naming_it() {
        let yaml = "name: t\nspouts: []\nbolts: []\nstreams:\n  - {from: a, to: b, grouping: {type: SHUFFLE}}\n";
        let e = translate(yaml, "t.yaml", &|_| None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("t.yaml") && e.contains("`a`"), "{e}");
    }

    #[test]
    fn conf_values_parse_as_json_else_text() {
        assert_eq!(conf_value("3"), serde_json::json!(3));
        assert_eq!(conf_value("[\"a\"]"), serde_json::json!(["a"]));
        assert_eq!(conf_value("hello"), serde_json::json!("hello"));
    }
}
