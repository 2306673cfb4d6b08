//! Messages Storm sends after the handshake: tuples (bolts) and commands (spouts).

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// An input tuple of a bolt: `{"id","comp","stream","task","tuple"}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Tuple {
    /// The id Storm gave this tuple; acks, fails and anchors refer to it.
    pub id: String,
    /// The component that emitted it (empty for Storm's own heartbeat tuples).
    #[serde(rename = "comp", default, deserialize_with = "null_as_empty")]
    pub component: String,
    /// The stream it arrived on.
    pub stream: String,
    /// The task that emitted it.
    pub task: i64,
    /// Its values, in the order of the source's declared fields.
    #[serde(rename = "tuple")]
    pub values: Vec<Value>,
}

fn null_as_empty<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

impl Tuple {
    /// The value at `index`.
    pub fn get(&self, index: usize) -> Option<&Value> {
        self.values.get(index)
    }

    /// The value at `index` if it is a string.
    pub fn str(&self, index: usize) -> Option<&str> {
        self.values.get(index).and_then(Value::as_str)
    }

    /// The value at `index` if it is an integer that fits an `i64`.
    pub fn i64(&self, index: usize) -> Option<i64> {
        self.values.get(index).and_then(Value::as_i64)
    }

    /// Storm's liveness probe (`stream` `__heartbeat`, `task` -1). The run loop answers these
    /// itself; they never reach a bolt's `execute`.
    pub fn is_heartbeat(&self) -> bool {
        self.task == -1 && self.stream == "__heartbeat"
    }

    /// A tick tuple (`topology.tick.tuple.freq.secs`), delivered to `execute` like any tuple.
    pub fn is_tick(&self) -> bool {
        self.component == "__system" && self.stream == "__tick"
    }
}

/// What Storm asks a spout to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum SpoutCommandKind {
    Next,
    Ack,
    Fail,
    Activate,
    Deactivate,
}

/// `{"command": "next"|"ack"|"fail"|"activate"|"deactivate", "id": ..}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct SpoutCommand {
    pub command: SpoutCommandKind,
    #[serde(default)]
    pub id: Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_storm_tuples_and_heartbeats() {
        let t: Tuple = serde_json::from_str(
            r#"{"id":"-6955786537413359385","comp":"spout","stream":"default","task":9,"tuple":["a b",3]}"#,
        )
        .unwrap();
        assert_eq!(t.id, "-6955786537413359385");
        assert_eq!(t.component, "spout");
        assert_eq!(t.str(0), Some("a b"));
        assert_eq!(t.i64(1), Some(3));
        assert!(!t.is_heartbeat());

        let hb: Tuple = serde_json::from_str(
            r#"{"id":"42","comp":null,"stream":"__heartbeat","task":-1,"tuple":[]}"#,
        )
        .unwrap();
        assert!(hb.is_heartbeat());
        assert_eq!(hb.component, "");
    }

    #[test]
    fn parses_spout_commands_and_rejects_unknown_ones() {
        let c: SpoutCommand = serde_json::from_str(r#"{"command":"ack","id":17}"#).unwrap();
        assert_eq!(c.command, SpoutCommandKind::Ack);
        assert_eq!(c.id, 17);
        let err =
            serde_json::from_str::<SpoutCommand>(r#"{"command":"explode","id":""}"#).unwrap_err();
        assert!(
            err.to_string().contains("unknown variant `explode`"),
            "{err}"
        );
    }
}
