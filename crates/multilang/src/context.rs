//! The handshake: Storm's setup message, the topology configuration and the task context.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;
use serde_json::Value;

use crate::error::Error;

/// The topology configuration Storm sends in the handshake (`conf`), as JSON.
pub type Conf = serde_json::Map<String, Value>;

/// Where this task sits in the topology: the `context` part of Storm's handshake.
///
/// `taskid`, `componentid` and `task->component` are always sent by Storm; the stream maps
/// (`streams`, `stream->outputfields`, `source->stream->fields`) exist in Storm 2.x and are empty
/// when absent. [`Context::raw`] keeps the whole JSON for anything else.
#[derive(Debug, Clone, PartialEq)]
pub struct Context {
    /// This task's id (`taskid`).
    pub task_id: i64,
    /// This component's id in the topology (`componentid`).
    pub component_id: String,
    /// Every task of the topology and its component (`task->component`), including Storm's
    /// system tasks such as `-1 -> __system` and the ackers.
    pub task_to_component: BTreeMap<i64, String>,
    /// The streams this component declares (`streams`).
    pub streams: Vec<String>,
    /// Output fields of each stream this component declares (`stream->outputfields`).
    pub stream_output_fields: BTreeMap<String, Vec<String>>,
    /// Fields of each input: source component -> stream -> fields (`source->stream->fields`).
    pub source_stream_fields: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    /// The context exactly as Storm sent it.
    pub raw: Value,
}

impl Context {
    /// The task ids of `component`, sorted (handy for direct emits).
    pub fn component_tasks(&self, component: &str) -> Vec<i64> {
        self.task_to_component
            .iter()
            .filter(|(_, c)| c.as_str() == component)
            .map(|(t, _)| *t)
            .collect()
    }

    /// The output fields this component declared for `stream`, if Storm sent them.
    pub fn output_fields(&self, stream: &str) -> Option<&[String]> {
        self.stream_output_fields.get(stream).map(Vec::as_slice)
    }
}

/// Storm's first message.
#[derive(Debug, Clone)]
pub(crate) struct Setup {
    pub pid_dir: PathBuf,
    pub conf: Conf,
    pub context: Context,
}

#[derive(Deserialize)]
struct RawSetup {
    #[serde(rename = "pidDir")]
    pid_dir: String,
    conf: Option<Conf>,
    context: Value,
}

#[derive(Deserialize)]
struct RawContext {
    taskid: i64,
    componentid: String,
    #[serde(rename = "task->component")]
    task_to_component: BTreeMap<String, String>,
    #[serde(default)]
    streams: Option<Vec<String>>,
    #[serde(default, rename = "stream->outputfields")]
    stream_output_fields: Option<BTreeMap<String, Vec<String>>>,
    #[serde(default, rename = "source->stream->fields")]
    source_stream_fields: Option<BTreeMap<String, BTreeMap<String, Vec<String>>>>,
}

const EXPECTED_SETUP: &str =
    "the handshake {\"pidDir\": <dir>, \"conf\": {..}, \"context\": {\"taskid\", \"componentid\", \"task->component\", ..}}";

pub(crate) fn parse_setup(message: &str) -> Result<Setup, Error> {
    let raw: RawSetup =
        serde_json::from_str(message).map_err(|e| Error::malformed(EXPECTED_SETUP, e, message))?;
    let ctx: RawContext = serde_json::from_value(raw.context.clone()).map_err(|e| {
        Error::malformed(
            EXPECTED_SETUP,
            format!("its context is unusable: {e}"),
            message,
        )
    })?;
    let mut task_to_component = BTreeMap::new();
    for (task, component) in ctx.task_to_component {
        let id = task.trim().parse::<i64>().map_err(|_| {
            Error::malformed(
                EXPECTED_SETUP,
                format!("task->component has the key {task:?}, which is not a task id"),
                message,
            )
        })?;
        task_to_component.insert(id, component);
    }
    Ok(Setup {
        pid_dir: PathBuf::from(raw.pid_dir),
        conf: raw.conf.unwrap_or_default(),
        context: Context {
            task_id: ctx.taskid,
            component_id: ctx.componentid,
            task_to_component,
            streams: ctx.streams.unwrap_or_default(),
            stream_output_fields: ctx.stream_output_fields.unwrap_or_default(),
            source_stream_fields: ctx.source_stream_fields.unwrap_or_default(),
            raw: raw.context,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const STORM_SHAPED: &str = r#"{"pidDir":"/tmp/pids","conf":{"topology.name":"wc","topology.workers":1},
      "context":{"task->component":{"1":"__acker","2":"count","3":"count","4":"split","-1":"__system"},
      "taskid":4,"componentid":"split","streams":["default","__metrics"],
      "stream->outputfields":{"default":["word"]},
      "stream->target->grouping":{"default":{"count":{"type":"FIELDS","fields":["word"]}}},
      "source->stream->grouping":{"spout":{"default":{"type":"SHUFFLE"}}},
      "source->stream->fields":{"spout":{"default":["sentence"]}}}}"#;

    #[test]
    fn parses_a_storm_shaped_handshake() {
        let setup = parse_setup(STORM_SHAPED).unwrap();
        assert_eq!(setup.pid_dir, PathBuf::from("/tmp/pids"));
        assert_eq!(setup.conf["topology.name"], "wc");
        let ctx = &setup.context;
        assert_eq!(ctx.task_id, 4);
        assert_eq!(ctx.component_id, "split");
        assert_eq!(ctx.task_to_component[&-1], "__system");
        assert_eq!(ctx.component_tasks("count"), vec![2, 3]);
        assert_eq!(ctx.output_fields("default").unwrap(), ["word"]);
        assert_eq!(ctx.source_stream_fields["spout"]["default"], ["sentence"]);
        assert_eq!(
            ctx.raw["stream->target->grouping"]["default"]["count"]["type"],
            "FIELDS"
        );
    }

    #[test]
    fn storm_1x_context_without_stream_maps_is_accepted() {
        let setup = parse_setup(
            r#"{"pidDir":"/p","conf":{},"context":{"task->component":{"1":"a"},"taskid":1,"componentid":"a"}}"#,
        )
        .unwrap();
        assert!(setup.context.streams.is_empty());
        assert!(setup.context.output_fields("default").is_none());
    }

    #[test]
    fn rejects_a_handshake_without_context_fields() {
        let err = parse_setup(r#"{"pidDir":"/p","conf":{},"context":{"taskid":1}}"#).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("malformed input from Storm"), "{text}");
        assert!(text.contains("componentid"), "{text}");
    }

    #[test]
    fn rejects_a_non_numeric_task_key() {
        let err = parse_setup(
            r#"{"pidDir":"/p","conf":{},"context":{"task->component":{"x":"a"},"taskid":1,"componentid":"a"}}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("\"x\""), "{err}");
    }
}
