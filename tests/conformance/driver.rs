//! A Storm-side multilang driver for tests: spawns a component process and speaks the protocol
//! the way Storm's ShellBolt/ShellSpout and JsonSerializer do (facts from Storm's sources; no
//! code copied). Messages from the component are validated like Storm's `ShellMsg` parsing, and a
//! broken pipe or an invalid message ends the run the way it halts a Storm worker.

use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tempfile::TempDir;

pub const TIMEOUT: Duration = Duration::from_secs(30);

/// What the driver learned from the component.
#[derive(Debug)]
pub enum Event {
    /// A valid message.
    Msg(Value),
    /// Storm would halt the worker: the pipe broke or the component sent something invalid.
    Died(String),
}

enum Out {
    Text(String),
    Close,
}

pub struct Driver {
    label: String,
    child: Child,
    out: mpsc::Sender<Out>,
    events: mpsc::Receiver<Event>,
    stderr: Arc<Mutex<Vec<u8>>>,
    pub pid_dir: TempDir,
}

/// The task ids Storm answers for an emit on `stream` (fixed routing for the tests).
pub fn route(stream: &str) -> Vec<i64> {
    if stream == "default" {
        vec![3]
    } else {
        vec![4]
    }
}

/// A topology configuration shaped like the one a Storm 2.x worker sends.
pub fn storm_conf() -> Value {
    json!({
        "topology.name": "conformance",
        "storm.id": "conformance-1-1700000000",
        "topology.workers": 1,
        "topology.debug": false,
        "topology.subprocess.timeout.secs": 30,
        "topology.multilang.serializer": "org.apache.storm.multilang.JsonSerializer",
        "topology.kryo.register": null,
        "storm.zookeeper.servers": ["localhost"],
        "topology.worker.childopts": null,
        "test.marker": "zebra-42",
    })
}

/// A task context shaped like `TopologyContext.toJSONString()` in Storm 2.x for component `id`.
pub fn storm_context(id: &str, task: i64) -> Value {
    json!({
        "task->component": {"-1": "__system", "1": "__acker", "2": "sentences", "3": "count",
                             "4": "count", "5": "split", "6": "log"},
        "taskid": task,
        "componentid": id,
        "streams": ["default", "direct", "lengths", "__metrics", "__system", "__ack_ack"],
        "stream->outputfields": {"default": ["word"], "direct": ["word"], "lengths": ["length"]},
        "stream->target->grouping": {"default": {"count": {"type": "FIELDS", "fields": ["word"]}}},
        "source->stream->grouping": {"sentences": {"default": {"type": "SHUFFLE"}}},
        "source->stream->fields": {"sentences": {"default": ["sentence"]}},
    })
}

impl Driver {
    /// Starts `program args` in `cwd` (Storm: the extracted `resources` dir). With `auto_task_ids`
    /// the reader answers emits that need task ids at once, as Storm does; otherwise the test
    /// answers them with [`Driver::task_ids`].
    pub fn spawn(
        label: &str,
        program: &Path,
        args: &[&str],
        cwd: &Path,
        auto_task_ids: bool,
    ) -> Driver {
        let mut child = Command::new(program)
            .args(args)
            .current_dir(cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{label}: cannot start {}: {e}", program.display()));
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut stderr_pipe = child.stderr.take().unwrap();

        let (out_tx, out_rx) = mpsc::channel::<Out>();
        thread::spawn(move || writer(stdin, out_rx));

        let (ev_tx, ev_rx) = mpsc::channel();
        let auto = Arc::new(AtomicBool::new(auto_task_ids));
        let reply = out_tx.clone();
        thread::spawn(move || reader(stdout, ev_tx, reply, auto));

        let stderr = Arc::new(Mutex::new(Vec::new()));
        let sink = stderr.clone();
        thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr_pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });

        Driver {
            label: label.to_string(),
            child,
            out: out_tx,
            events: ev_rx,
            stderr,
            pid_dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    /// Sends the setup message and waits for `{"pid": n}`. `Err` carries the reason Storm would
    /// give for halting.
    pub fn handshake(&mut self, conf: Value, context: Value) -> Result<i64, String> {
        let setup = json!({"pidDir": self.pid_dir.path().to_str().unwrap(), "conf": conf, "context": context});
        self.send(&setup);
        match self.next_event() {
            Event::Msg(v) => Ok(v["pid"].as_i64().unwrap()),
            Event::Died(why) => Err(why),
        }
    }

    pub fn send(&self, msg: &Value) {
        let _ = self.out.send(Out::Text(format!("{msg}\nend\n")));
    }

    /// Exactly these bytes (for malformed input).
    pub fn send_raw(&self, text: &str) {
        let _ = self.out.send(Out::Text(text.to_string()));
    }

    pub fn tuple(&self, id: &str, values: Value) {
        self.send(&json!({"id": id, "comp": "sentences", "stream": "default", "task": 2, "tuple": values}));
    }

    /// Storm's heartbeat tuple (ShellBolt sends one every second).
    pub fn heartbeat(&self, id: &str) {
        self.send(
            &json!({"id": id, "comp": null, "stream": "__heartbeat", "task": -1, "tuple": []}),
        );
    }

    pub fn spout(&self, command: &str, id: Value) {
        self.send(&json!({"command": command, "id": id}));
    }

    /// Storm's reply to an emit with `need_task_ids`: a bare JSON array.
    pub fn task_ids(&self, ids: &[i64]) {
        self.send(&json!(ids));
    }

    /// Closes the component's stdin (Storm shutting the task down).
    pub fn close_stdin(&self) {
        let _ = self.out.send(Out::Close);
    }

    pub fn next_event(&self) -> Event {
        match self.events.recv_timeout(TIMEOUT) {
            Ok(e) => e,
            Err(_) => panic!(
                "{}: no message from the component within {TIMEOUT:?} (Storm: subprocess heartbeat timeout); stderr:\n{}",
                self.label,
                self.stderr_text()
            ),
        }
    }

    /// The next valid message; panics (with stderr) if the component died instead.
    pub fn recv(&self) -> Value {
        match self.next_event() {
            Event::Msg(v) => v,
            Event::Died(why) => panic!(
                "{}: component died: {why}\nstderr:\n{}",
                self.label,
                self.stderr_text()
            ),
        }
    }

    /// The next message, which must have `command`.
    pub fn recv_command(&self, command: &str) -> Value {
        let m = self.recv();
        assert_eq!(
            m["command"], command,
            "{}: expected a {command} message, got {m}",
            self.label
        );
        m
    }

    /// The next event must be the component's death; returns Storm's reason.
    pub fn expect_death(&self) -> String {
        loop {
            match self.next_event() {
                Event::Died(why) => return why,
                Event::Msg(m) if m["command"] == "log" || m["command"] == "error" => continue,
                Event::Msg(m) => panic!("{}: expected the component to die, got {m}", self.label),
            }
        }
    }

    pub fn wait_exit(&mut self) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                start.elapsed() < TIMEOUT,
                "{}: component did not exit; stderr:\n{}",
                self.label,
                self.stderr_text()
            );
            thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything the component wrote to stderr so far (waits a moment for the pipe to drain).
    pub fn stderr_text(&self) -> String {
        thread::sleep(Duration::from_millis(100));
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

fn writer(stdin: ChildStdin, rx: mpsc::Receiver<Out>) {
    let mut w = BufWriter::with_capacity(64 * 1024, stdin);
    while let Ok(first) = rx.recv() {
        let mut next = Some(first);
        while let Some(item) = next {
            match item {
                Out::Text(t) => {
                    if w.write_all(t.as_bytes()).is_err() {
                        return;
                    }
                }
                Out::Close => {
                    let _ = w.flush();
                    return;
                }
            }
            next = rx.try_recv().ok();
        }
        if w.flush().is_err() {
            return;
        }
    }
}

/// Storm's JsonSerializer.readString: lines up to `end`, joined with newlines. `Err` is the
/// partial text read when the pipe closed.
fn read_frame(r: &mut impl BufRead, line: &mut String) -> Result<String, String> {
    let mut text = String::new();
    loop {
        line.clear();
        match r.read_line(line) {
            Ok(0) | Err(_) => return Err(text),
            Ok(_) => {}
        }
        let l = line.strip_suffix('\n').unwrap_or(line);
        if l == "end" {
            return Ok(text);
        }
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(l);
    }
}

fn reader(
    stdout: impl Read,
    events: mpsc::Sender<Event>,
    reply: mpsc::Sender<Out>,
    auto: Arc<AtomicBool>,
) {
    let mut r = BufReader::with_capacity(64 * 1024, stdout);
    let mut line = String::new();
    let mut handshake = true;
    loop {
        let text = match read_frame(&mut r, &mut line) {
            Ok(t) => t,
            Err(partial) => {
                let why = if partial.is_empty() {
                    "Pipe to subprocess seems to be broken! No output read.".to_string()
                } else {
                    format!(
                        "Pipe to subprocess seems to be broken! Currently read output: {partial}"
                    )
                };
                let _ = events.send(Event::Died(why));
                return;
            }
        };
        let checked = serde_json::from_str::<Value>(&text)
            .map_err(|e| format!("invalid message from the subprocess (Storm's JSON parser rejects it: {e}): {text:?}"))
            .and_then(|v| if handshake { check_pid(v) } else { check_shell_msg(v) });
        let msg = match checked {
            Ok(v) => v,
            Err(why) => {
                let _ = events.send(Event::Died(why));
                return;
            }
        };
        handshake = false;
        if auto.load(Ordering::Relaxed) && needs_task_ids(&msg) {
            let stream = msg["stream"].as_str().unwrap_or("default");
            let _ = reply.send(Out::Text(format!("{}\nend\n", json!(route(stream)))));
        }
        if events.send(Event::Msg(msg)).is_err() {
            return;
        }
    }
}

/// An emit Storm answers with task ids: `need_task_ids` absent or true, not direct.
pub fn needs_task_ids(msg: &Value) -> bool {
    msg["command"] == "emit"
        && msg.get("task").is_none()
        && msg.get("need_task_ids").and_then(Value::as_bool) != Some(false)
}

fn check_pid(v: Value) -> Result<Value, String> {
    match v.get("pid") {
        Some(p) if p.is_i64() => Ok(v),
        _ => Err(format!("the handshake reply has no numeric \"pid\": {v}")),
    }
}

/// What Storm's JsonSerializer.readShellMsg and ShellBolt/ShellSpout accept.
fn check_shell_msg(v: Value) -> Result<Value, String> {
    let bad = |why: &str| Err(format!("invalid message from the subprocess ({why}): {v}"));
    let Some(obj) = v.as_object() else {
        return bad("not a JSON object");
    };
    let Some(command) = obj.get("command").and_then(Value::as_str) else {
        return bad("Command not found in message");
    };
    let is = |k: &str, f: fn(&Value) -> bool| obj.get(k).is_none_or(|x| x.is_null() || f(x));
    if !is("msg", Value::is_string) || !is("stream", Value::is_string) {
        return bad("msg/stream must be strings");
    }
    if !is("task", Value::is_i64) {
        return bad("task must be an integer");
    }
    if !is("need_task_ids", Value::is_boolean) {
        return bad("need_task_ids must be a boolean");
    }
    if let Some(a) = obj.get("anchors") {
        let ok = a.is_string()
            || a.as_array()
                .is_some_and(|xs| xs.iter().all(Value::is_string));
        if !ok {
            return bad("anchors must be tuple id strings");
        }
    }
    match command {
        "emit" if !obj.get("tuple").is_some_and(Value::is_array) => {
            bad("emit without a tuple array")
        }
        "ack" | "fail" if obj.get("id").is_none_or(Value::is_null) => bad("ack/fail without an id"),
        "log" if !obj.get("level").is_none_or(Value::is_number) => {
            bad("log level must be a number")
        }
        "metrics" if !obj.get("name").is_some_and(Value::is_string) => {
            bad("metrics without a name")
        }
        "emit" | "ack" | "fail" | "error" | "log" | "metrics" | "sync" => Ok(v),
        other => Err(format!(
            "invalid message from the subprocess (unknown command {other:?}): {v}"
        )),
    }
}
