//! In-process tests of the run loops: scripted input from "Storm", the output read back.

use std::io::Cursor;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{json, Value};

use crate::channel::tests::Sink;
use crate::*;

/// A scratch pidDir, removed on drop.
struct PidDir(PathBuf);

impl PidDir {
    fn new() -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "stormpack-multilang-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        PidDir(dir)
    }
}

impl Drop for PidDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn script(pid_dir: &PidDir, messages: &[Value]) -> Cursor<Vec<u8>> {
    let setup = json!({
        "pidDir": pid_dir.0.to_str().unwrap(),
        "conf": {"topology.name": "t", "wordcount.marker": "zebra"},
        "context": {"task->component": {"1": "spout", "2": "split", "3": "count", "4": "count", "-1": "__system"},
                    "taskid": 2, "componentid": "split", "streams": ["default", "side"],
                    "stream->outputfields": {"default": ["word"], "side": ["len"]}}
    });
    let mut text = String::new();
    for m in std::iter::once(&setup).chain(messages) {
        text.push_str(&m.to_string());
        text.push_str("\nend\n");
    }
    Cursor::new(text.into_bytes())
}

fn tuple(id: &str, values: Value) -> Value {
    json!({"id": id, "comp": "spout", "stream": "default", "task": 1, "tuple": values})
}

fn heartbeat(id: &str) -> Value {
    json!({"id": id, "comp": null, "stream": "__heartbeat", "task": -1, "tuple": []})
}

struct Split {
    seen: Vec<String>,
}

impl Bolt for Split {
    fn prepare(
        &mut self,
        conf: &Conf,
        ctx: &Context,
        out: &mut BoltOutput<'_>,
    ) -> Result<(), BoxError> {
        out.info(format_args!(
            "prepared {} task {} marker {} counts {:?} fields {:?}",
            ctx.component_id,
            ctx.task_id,
            conf["wordcount.marker"],
            ctx.component_tasks("count"),
            ctx.output_fields("default").unwrap_or_default()
        ))?;
        Ok(())
    }

    fn execute(&mut self, input: &Tuple, out: &mut BoltOutput<'_>) -> Result<(), BoxError> {
        let s = input.str(0).ok_or("not a string")?;
        self.seen.push(s.to_string());
        if s == "boom" {
            return Err("cannot split boom".into());
        }
        if s == "panic" {
            panic!("split bolt panicked on purpose");
        }
        for w in s.split_whitespace() {
            out.emit(&[w])?;
        }
        out.emit_to("side", &(s.len(),))?;
        Ok(())
    }
}

#[test]
fn basic_bolt_handshake_heartbeat_anchored_emits_and_acks() {
    let pid_dir = PidDir::new();
    let input = script(
        &pid_dir,
        &[
            heartbeat("h1"),
            tuple("t1", json!(["a b"])),
            tuple("t2", json!(["boom"])),
        ],
    );
    let sink = Sink::default();
    let mut split = Split { seen: vec![] };
    Runner::new(input, sink.clone())
        .run_basic_bolt(&mut split)
        .unwrap();

    assert!(
        pid_dir.0.join(std::process::id().to_string()).is_file(),
        "pid file"
    );
    assert_eq!(
        split.seen,
        ["a b", "boom"],
        "heartbeats never reach execute"
    );
    let msgs = sink.messages();
    assert_eq!(msgs[0], json!({"pid": std::process::id()}));
    assert_eq!(
        msgs[1],
        json!({"command": "log", "level": 2,
               "msg": "prepared split task 2 marker \"zebra\" counts [3, 4] fields [\"word\"]"})
    );
    assert_eq!(msgs[2], json!({"command": "sync"}));
    assert_eq!(
        msgs[3],
        json!({"command": "emit", "anchors": ["t1"], "tuple": ["a"], "need_task_ids": false})
    );
    assert_eq!(
        msgs[4],
        json!({"command": "emit", "anchors": ["t1"], "tuple": ["b"], "need_task_ids": false})
    );
    assert_eq!(
        msgs[5],
        json!({"command": "emit", "anchors": ["t1"], "stream": "side", "tuple": [3], "need_task_ids": false})
    );
    assert_eq!(msgs[6], json!({"command": "ack", "id": "t1"}));
    assert_eq!(
        msgs[7],
        json!({"command": "error", "msg": "cannot split boom"})
    );
    assert_eq!(msgs[8]["command"], "log");
    assert_eq!(msgs[8]["level"], 4);
    assert_eq!(msgs[9], json!({"command": "fail", "id": "t2"}));
    assert_eq!(msgs.len(), 10);
}

impl Bolt for &mut Split {
    fn prepare(
        &mut self,
        conf: &Conf,
        ctx: &Context,
        out: &mut BoltOutput<'_>,
    ) -> Result<(), BoxError> {
        (**self).prepare(conf, ctx, out)
    }
    fn execute(&mut self, input: &Tuple, out: &mut BoltOutput<'_>) -> Result<(), BoxError> {
        (**self).execute(input, out)
    }
}

#[test]
fn plain_bolt_error_is_reported_and_fatal() {
    let pid_dir = PidDir::new();
    let input = script(
        &pid_dir,
        &[tuple("t1", json!(["boom"])), tuple("t2", json!(["x"]))],
    );
    let sink = Sink::default();
    let mut split = Split { seen: vec![] };
    let err = Runner::new(input, sink.clone())
        .run_bolt(&mut split)
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Component {
                during: "execute",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(split.seen, ["boom"], "nothing runs after a fatal error");
    let msgs = sink.messages();
    let n = msgs.len();
    assert_eq!(
        msgs[n - 2],
        json!({"command": "error", "msg": "execute failed: cannot split boom"})
    );
    assert_eq!(
        msgs[n - 1],
        json!({"command": "log", "level": 4, "msg": "execute failed: cannot split boom"})
    );
}

#[test]
fn panic_in_basic_bolt_is_reported_with_location_and_fatal() {
    let pid_dir = PidDir::new();
    let input = script(&pid_dir, &[tuple("t1", json!(["panic"]))]);
    let sink = Sink::default();
    let err = Runner::new(input, sink.clone())
        .run_basic_bolt(Split { seen: vec![] })
        .unwrap_err();
    assert!(
        err.to_string().contains("split bolt panicked on purpose"),
        "{err}"
    );
    let msgs = sink.messages();
    let error = msgs.iter().find(|m| m["command"] == "error").unwrap();
    let text = error["msg"].as_str().unwrap();
    assert!(
        text.contains("split bolt panicked on purpose") && text.contains("tests.rs"),
        "{text}"
    );
    assert!(!msgs
        .iter()
        .any(|m| m["command"] == "ack" || m["command"] == "fail"));
}

struct AskIds;

impl Bolt for AskIds {
    fn execute(&mut self, input: &Tuple, out: &mut BoltOutput<'_>) -> Result<(), BoxError> {
        let ids = out.emit_with(
            BoltEmit::new().anchor(input).need_task_ids(),
            &[input.str(0)],
        )?;
        out.info(format_args!(
            "{} went to {:?}",
            input.id,
            ids.unwrap_or_default()
        ))?;
        out.emit_with(BoltEmit::new().direct(4).stream("direct"), &[1])?;
        out.ack(input)?;
        Ok(())
    }
}

#[test]
fn task_ids_interleaved_with_tuples_and_heartbeats_are_queued() {
    let pid_dir = PidDir::new();
    // Storm delivers the next tuple and a heartbeat before the task ids of t1's emit.
    let input = script(
        &pid_dir,
        &[
            tuple("t1", json!(["x"])),
            tuple("t2", json!(["y"])),
            heartbeat("h"),
            json!([3]),
            json!([4]),
        ],
    );
    let sink = Sink::default();
    Runner::new(input, sink.clone()).run_bolt(AskIds).unwrap();
    let msgs: Vec<Value> = sink.messages().into_iter().skip(1).collect();
    assert_eq!(
        msgs[0],
        json!({"command": "emit", "anchors": ["t1"], "tuple": ["x"], "need_task_ids": true})
    );
    assert_eq!(
        msgs[1],
        json!({"command": "log", "level": 2, "msg": "t1 went to [3]"})
    );
    assert_eq!(
        msgs[2],
        json!({"command": "emit", "anchors": [], "stream": "direct", "task": 4, "tuple": [1], "need_task_ids": false})
    );
    assert_eq!(msgs[3], json!({"command": "ack", "id": "t1"}));
    assert_eq!(
        msgs[5],
        json!({"command": "log", "level": 2, "msg": "t2 went to [4]"})
    );
    assert_eq!(msgs[7], json!({"command": "ack", "id": "t2"}));
    assert_eq!(
        msgs[8],
        json!({"command": "sync"}),
        "the queued heartbeat is answered after t2"
    );
}

#[derive(Default)]
struct Words {
    n: u64,
    log: Vec<String>,
}

impl Spout for Words {
    fn activate(&mut self, out: &mut SpoutOutput<'_>) -> Result<(), BoxError> {
        self.log.push("activate".into());
        out.debug("activated")?;
        Ok(())
    }
    fn deactivate(&mut self, _: &mut SpoutOutput<'_>) -> Result<(), BoxError> {
        self.log.push("deactivate".into());
        Ok(())
    }
    fn next_tuple(&mut self, out: &mut SpoutOutput<'_>) -> Result<(), BoxError> {
        self.n += 1;
        out.emit_reliable(self.n, &["word"])?;
        let ids = out.emit_with(&SpoutEmit::new().stream("s").need_task_ids(), &[self.n])?;
        self.log.push(format!("ids {ids:?}"));
        Ok(())
    }
    fn ack(&mut self, id: &Value, _: &mut SpoutOutput<'_>) -> Result<(), BoxError> {
        self.log.push(format!("ack {id}"));
        Ok(())
    }
    fn fail(&mut self, id: &Value, _: &mut SpoutOutput<'_>) -> Result<(), BoxError> {
        self.log.push(format!("fail {id}"));
        Ok(())
    }
}

impl Spout for &mut Words {
    fn activate(&mut self, out: &mut SpoutOutput<'_>) -> Result<(), BoxError> {
        (**self).activate(out)
    }
    fn deactivate(&mut self, out: &mut SpoutOutput<'_>) -> Result<(), BoxError> {
        (**self).deactivate(out)
    }
    fn next_tuple(&mut self, out: &mut SpoutOutput<'_>) -> Result<(), BoxError> {
        (**self).next_tuple(out)
    }
    fn ack(&mut self, id: &Value, out: &mut SpoutOutput<'_>) -> Result<(), BoxError> {
        (**self).ack(id, out)
    }
    fn fail(&mut self, id: &Value, out: &mut SpoutOutput<'_>) -> Result<(), BoxError> {
        (**self).fail(id, out)
    }
}

#[test]
fn spout_commands_are_each_answered_with_sync() {
    let pid_dir = PidDir::new();
    let cmd = |c: &str, id: Value| json!({"command": c, "id": id});
    let input = script(
        &pid_dir,
        &[
            cmd("activate", json!("")),
            cmd("next", json!("")),
            json!([7, 8]),
            cmd("ack", json!(1)),
            cmd("fail", json!(1)),
            cmd("deactivate", json!("")),
        ],
    );
    let sink = Sink::default();
    let mut words = Words::default();
    Runner::new(input, sink.clone())
        .run_spout(&mut words)
        .unwrap();
    assert_eq!(
        words.log,
        [
            "activate",
            "ids Some([7, 8])",
            "ack 1",
            "fail 1",
            "deactivate"
        ]
    );
    let msgs: Vec<Value> = sink.messages().into_iter().skip(1).collect();
    let sync = json!({"command": "sync"});
    assert_eq!(
        msgs[0],
        json!({"command": "log", "level": 1, "msg": "activated"})
    );
    assert_eq!(msgs[1], sync);
    assert_eq!(
        msgs[2],
        json!({"command": "emit", "id": 1, "tuple": ["word"], "need_task_ids": false})
    );
    assert_eq!(
        msgs[3],
        json!({"command": "emit", "stream": "s", "tuple": [1], "need_task_ids": true})
    );
    assert_eq!(&msgs[4..], [sync.clone(), sync.clone(), sync.clone(), sync]);
}

#[test]
fn malformed_input_ends_the_run_with_a_clear_error() {
    let pid_dir = PidDir::new();
    let cases: Vec<(Cursor<Vec<u8>>, &str)> = vec![
        (
            script(&pid_dir, &[json!({"id": "t1", "stream": "default"})]),
            "missing field",
        ),
        (
            script(&pid_dir, &[json!("just a string")]),
            "expected a JSON object",
        ),
        (
            Cursor::new(b"{\"pidDir\": \n".to_vec()),
            "input ended in the middle of a message",
        ),
        (
            Cursor::new(b"not json\nend\n".to_vec()),
            "expected the handshake",
        ),
        (Cursor::new(Vec::new()), "no handshake from Storm"),
    ];
    for (input, want) in cases {
        let sink = Sink::default();
        let err = Runner::new(input, sink)
            .run_basic_bolt(Split { seen: vec![] })
            .unwrap_err();
        assert!(err.to_string().contains(want), "want {want:?} in: {err}");
    }
}

#[test]
fn unknown_spout_command_is_malformed() {
    let pid_dir = PidDir::new();
    let input = script(&pid_dir, &[json!({"command": "explode", "id": ""})]);
    let err = Runner::new(input, Sink::default())
        .run_spout(Words::default())
        .unwrap_err();
    assert!(
        err.to_string().contains("unknown variant `explode`"),
        "{err}"
    );
}
