//! Conformance harness for multilang components: a Storm-side driver (tests/conformance/driver.rs)
//! spawns a component and speaks Storm's multilang protocol to it. Every test runs twice: on the
//! Rust components (stormpack-multilang, `rust::*`) and on Python components using Storm's own
//! storm.py from org.apache.storm:multilang-python (`storm_py::*`), which proves the harness
//! against a known-good peer. Where storm.py's behaviour differs from the crate's stated one (it
//! exits 0 after reporting an error, it always waits for task ids), the test says so.
//!
//! The benchmark (`bench_split_bolt_throughput`, ignored) uses the same driver:
//! `bash benches/multilang/run.sh`.

#[path = "conformance/driver.rs"]
mod driver;
#[path = "conformance/peers.rs"]
mod peers;

use driver::{needs_task_ids, storm_conf, storm_context, Driver};
use peers::Peer;
use serde_json::{json, Value};

/// Spawns `mode` on `peer` and does the handshake as component `split` (task 5).
fn start(peer: Peer, mode: &str, auto_task_ids: bool) -> Driver {
    let mut d = peer.spawn(mode, auto_task_ids);
    let component = if mode == "spout" {
        "sentences"
    } else {
        "split"
    };
    let task = if mode == "spout" { 2 } else { 5 };
    d.handshake(storm_conf(), storm_context(component, task))
        .unwrap_or_else(|why| panic!("{}: handshake failed: {why}", d.label()));
    d
}

/// Asserts `m` is an emit of `tuple` anchored to `anchors`, on `stream` (None: default).
fn assert_emit(peer: Peer, m: &Value, anchors: &[&str], stream: Option<&str>, tuple: Value) {
    assert_eq!(m["command"], "emit", "{m}");
    assert_eq!(m["anchors"], json!(anchors), "{m}");
    assert_eq!(m.get("stream").and_then(Value::as_str), stream, "{m}");
    assert_eq!(m["tuple"], tuple, "{m}");
    if peer == Peer::Rust {
        // The crate never asks for task ids unless the component does.
        assert_eq!(m["need_task_ids"], false, "{m}");
    }
}

fn handshake_creates_the_pid_file_and_exposes_conf_and_context(peer: Peer) {
    let mut d = peer.spawn("split", true);
    let pid = d
        .handshake(storm_conf(), storm_context("split", 5))
        .unwrap();
    assert_eq!(pid, i64::from(d.pid()), "the pid reply is the process id");
    let m = d.recv_command("log");
    assert_eq!(m["level"], 2);
    assert_eq!(
        m["msg"],
        "context componentid=split taskid=5 marker=zebra-42 count-tasks=3,4 fields=word"
    );
    // storm.py replies before it creates the file, so look once the next message arrived.
    let pid_file = d.pid_dir.path().join(pid.to_string());
    assert!(
        pid_file.is_file(),
        "{}: no pid file {}",
        d.label(),
        pid_file.display()
    );
    assert_eq!(
        std::fs::metadata(&pid_file).unwrap().len(),
        0,
        "the pid file is empty"
    );
    let entries = std::fs::read_dir(d.pid_dir.path()).unwrap().count();
    assert_eq!(entries, 1, "only the pid file is written to pidDir");
}

fn heartbeats_are_answered_with_sync_and_never_reach_user_code(peer: Peer) {
    let d = start(peer, "split", true);
    d.recv_command("log");
    d.heartbeat("hb-1");
    d.heartbeat("hb-2");
    assert_eq!(d.recv(), json!({"command": "sync"}));
    assert_eq!(d.recv(), json!({"command": "sync"}));
    d.tuple("t1", json!(["solo"]));
    d.heartbeat("hb-3");
    assert_emit(peer, &d.recv(), &["t1"], None, json!(["solo"]));
    assert_eq!(d.recv(), json!({"command": "ack", "id": "t1"}));
    assert_eq!(
        d.recv(),
        json!({"command": "sync"}),
        "the heartbeat produced nothing but a sync"
    );
}

fn basic_bolt_anchors_emits_acks_and_fails_on_error(peer: Peer) {
    let mut d = start(peer, "split", true);
    d.recv_command("log");
    d.tuple("t1", json!(["the cow jumped"]));
    for word in ["the", "cow", "jumped"] {
        assert_emit(peer, &d.recv(), &["t1"], None, json!([word]));
    }
    assert_eq!(d.recv(), json!({"command": "ack", "id": "t1"}));

    d.tuple("t2", json!(["boom"]));
    let error = d.recv_command("error");
    assert!(
        error["msg"].as_str().unwrap().contains("cannot split boom"),
        "{error}"
    );
    let mut next = d.recv();
    if next["command"] == "log" {
        assert_eq!(next["level"], 4, "{next}");
        next = d.recv();
    }
    assert_eq!(next, json!({"command": "fail", "id": "t2"}));

    d.tuple("t3", json!(["still alive"]));
    assert_emit(peer, &d.recv(), &["t3"], None, json!(["still"]));
    assert_emit(peer, &d.recv(), &["t3"], None, json!(["alive"]));
    assert_eq!(d.recv(), json!({"command": "ack", "id": "t3"}));
    d.close_stdin();
    if peer == Peer::Rust {
        assert!(
            d.wait_exit().success(),
            "a clean end of input is a clean exit"
        );
    }
}

/// Answers `m` with task ids if Storm would (storm.py asks for them on every emit).
fn answer(d: &Driver, m: &Value, ids: &[i64]) {
    if needs_task_ids(m) {
        d.task_ids(ids);
    }
}

fn task_id_replies_interleaved_with_tuples_and_heartbeats(peer: Peer) {
    let d = start(peer, "ids", false);
    d.tuple("t1", json!(["alpha"]));
    let e = d.recv();
    assert_eq!(e["command"], "emit", "{e}");
    assert_eq!(e["tuple"], json!(["alpha"]));
    assert_eq!(e["anchors"], json!(["t1"]));
    assert!(needs_task_ids(&e), "asked for task ids: {e}");
    // Storm's writer may deliver the next tuple and a heartbeat before the task ids.
    d.tuple("t2", json!(["beta"]));
    d.heartbeat("hb-1");
    d.task_ids(&[3]);
    assert_eq!(
        d.recv(),
        json!({"command": "log", "msg": "task ids t1: 3", "level": 2})
    );
    let direct = d.recv();
    assert_eq!(
        direct["task"], 3,
        "direct emit to the first count task: {direct}"
    );
    assert_eq!(direct["stream"], "direct");
    assert_eq!(direct["tuple"], json!(["alpha"]));
    assert!(
        !needs_task_ids(&direct),
        "Storm sends no task ids for direct emits"
    );
    let lengths = d.recv();
    assert_emit(peer, &lengths, &["t1"], Some("lengths"), json!([5]));
    answer(&d, &lengths, &[4]);
    assert_eq!(d.recv(), json!({"command": "ack", "id": "t1"}));

    let e = d.recv();
    assert_eq!(
        e["tuple"],
        json!(["beta"]),
        "the queued tuple comes next: {e}"
    );
    d.task_ids(&[4]);
    assert_eq!(d.recv()["msg"], "task ids t2: 4");
    d.recv_command("emit");
    let lengths = d.recv();
    answer(&d, &lengths, &[4]);
    assert_eq!(d.recv(), json!({"command": "ack", "id": "t2"}));
    assert_eq!(
        d.recv(),
        json!({"command": "sync"}),
        "then the queued heartbeat"
    );
}

fn spout_commands_round_trip_with_sync(peer: Peer) {
    let d = start(peer, "spout", true);
    let sync = json!({"command": "sync"});
    d.spout("activate", json!(""));
    assert_eq!(d.recv()["msg"], "activated");
    assert_eq!(d.recv(), sync);
    for n in 1..=2 {
        d.spout("next", json!(""));
        let e = d.recv_command("emit");
        assert_eq!(e["id"], n, "reliable emit with message id: {e}");
        assert_eq!(e["tuple"], json!([format!("sentence {n}")]));
        assert!(
            e.get("stream").is_none() && e.get("anchors").is_none(),
            "{e}"
        );
        if peer == Peer::Rust {
            assert_eq!(e["need_task_ids"], false);
        }
        assert_eq!(d.recv(), sync);
    }
    d.spout("ack", json!(1));
    assert_eq!(d.recv()["msg"], "acked 1");
    assert_eq!(d.recv(), sync);
    d.spout("fail", json!(2));
    assert_eq!(d.recv()["msg"], "failed 2");
    assert_eq!(d.recv(), sync);
    d.spout("deactivate", json!(""));
    assert_eq!(d.recv()["msg"], "deactivated");
    assert_eq!(d.recv(), sync);
}

fn log_levels_error_reports_and_metrics(peer: Peer) {
    let d = start(peer, "logger", true);
    d.tuple("t1", json!(["x"]));
    for level in 0..5 {
        assert_eq!(
            d.recv(),
            json!({"command": "log", "msg": format!("level {level}"), "level": level})
        );
    }
    assert_eq!(
        d.recv(),
        json!({"command": "error", "msg": "reported problem"})
    );
    assert_eq!(
        d.recv(),
        json!({"command": "metrics", "name": "counter", "params": {"n": 1}})
    );
    assert_eq!(d.recv(), json!({"command": "ack", "id": "t1"}));
}

fn failure_in_user_code_is_reported_and_ends_the_process(peer: Peer) {
    for mode in ["crash", "panic"] {
        let mut d = start(peer, mode, true);
        d.tuple("t1", json!(["x"]));
        let error = d.recv_command("error");
        let text = error["msg"].as_str().unwrap();
        assert!(text.contains("crash on x"), "{mode}: {error}");
        if peer == Peer::Rust {
            let log = d.recv_command("log");
            assert_eq!(log["level"], 4);
            assert!(log["msg"].as_str().unwrap().contains("crash on x"));
            if mode == "panic" {
                assert!(
                    text.contains("conformance.rs"),
                    "a panic is reported with its location: {text}"
                );
            }
        }
        let why = d.expect_death();
        assert!(
            why.contains("Pipe to subprocess seems to be broken"),
            "{why}"
        );
        let status = d.wait_exit();
        if peer == Peer::Rust {
            assert!(!status.success(), "{mode}: exit status {status}");
            assert!(d.stderr_text().contains("crash on x"));
        }
        // storm.py's Bolt.run reports the traceback and returns, so it exits 0; Storm halts the
        // worker on the broken pipe either way.
    }
}

fn malformed_handshake_exits_non_zero_with_a_message(peer: Peer) {
    for garbage in [
        "this is not json\nend\n",
        "{\"pidDir\": \"/tmp\", \"conf\": {}\nend\n",
    ] {
        let mut d = peer.spawn("split", true);
        d.send_raw(garbage);
        let why = d.expect_death();
        assert!(why.contains("No output read"), "{why}");
        let status = d.wait_exit();
        assert!(!status.success(), "{}: exit status {status}", d.label());
        let stderr = d.stderr_text();
        let expected = if peer == Peer::Rust {
            "malformed input from Storm"
        } else {
            "Traceback"
        };
        assert!(
            stderr.contains(expected),
            "{}: stderr:\n{stderr}",
            d.label()
        );
    }
}

fn malformed_tuple_or_truncated_input_ends_the_process(peer: Peer) {
    let mut d = start(peer, "split", true);
    d.recv_command("log");
    d.send(&json!({"id": "t1", "stream": "default"}));
    let error = d.recv_command("error");
    assert!(
        error["msg"]
            .as_str()
            .unwrap()
            .contains(if peer == Peer::Rust {
                "missing field"
            } else {
                "comp"
            }),
        "{error}"
    );
    d.expect_death();
    let status = d.wait_exit();
    if peer == Peer::Rust {
        assert!(!status.success());
        assert!(d.stderr_text().contains("malformed input from Storm"));
    }

    let mut d = start(peer, "split", true);
    d.recv_command("log");
    d.send_raw("{\"id\": \"t2\", \"comp\": \"sentences\",\n");
    d.close_stdin();
    d.expect_death();
    let status = d.wait_exit();
    if peer == Peer::Rust {
        assert!(!status.success());
        assert!(d
            .stderr_text()
            .contains("input ended in the middle of a message"));
    }
}

fn stdout_banner_before_the_run_loop_is_detected_like_storm(peer: Peer) {
    let mut d = peer.spawn("banner", true);
    let why = d
        .handshake(storm_conf(), storm_context("split", 5))
        .unwrap_err();
    assert!(why.contains("invalid message from the subprocess"), "{why}");
    assert!(why.contains("Starting word splitter..."), "{why}");
}

fn stdout_print_inside_execute(peer: Peer) {
    let d = start(peer, "print", true);
    d.tuple("t1", json!(["w"]));
    match peer {
        Peer::StormPy => {
            // storm.py shares stdout with print(): Storm reads garbage and halts the worker.
            let why = d.expect_death();
            assert!(
                why.contains("invalid message") && why.contains("debug print from execute"),
                "{why}"
            );
        }
        Peer::Rust => {
            // The crate keeps stdout for the protocol; println! lands on stderr.
            assert_emit(peer, &d.recv(), &["t1"], None, json!(["w"]));
            assert_eq!(d.recv(), json!({"command": "ack", "id": "t1"}));
            assert!(d.stderr_text().contains("debug print from execute"));
        }
    }
}

macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod rust {
            $( #[test] fn $name() { super::$name(super::Peer::Rust) } )*
        }
        mod storm_py {
            $( #[test] fn $name() { super::$name(super::Peer::StormPy) } )*
        }
    };
}

conformance!(
    handshake_creates_the_pid_file_and_exposes_conf_and_context,
    heartbeats_are_answered_with_sync_and_never_reach_user_code,
    basic_bolt_anchors_emits_acks_and_fails_on_error,
    task_id_replies_interleaved_with_tuples_and_heartbeats,
    spout_commands_round_trip_with_sync,
    log_levels_error_reports_and_metrics,
    failure_in_user_code_is_reported_and_ends_the_process,
    malformed_handshake_exits_non_zero_with_a_message,
    malformed_tuple_or_truncated_input_ends_the_process,
    stdout_banner_before_the_run_loop_is_detected_like_storm,
    stdout_print_inside_execute,
);

/// Rust split bolt vs storm.py split bolt under the same driver: tuples per second and the
/// ratio, from one run. Not a timed test; run it with `bash benches/multilang/run.sh`.
/// Pipelined like a Storm executor: up to `BENCH_WINDOW` (default 500) tuples in flight, each
/// ack lets the next tuple in, a heartbeat every second; emits needing task ids are answered.
#[test]
#[ignore = "benchmark: bash benches/multilang/run.sh"]
fn bench_split_bolt_throughput() {
    use std::time::{Duration, Instant};
    let env = |k: &str, default: usize| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let tuples = env("BENCH_TUPLES", 50_000);
    let window = env("BENCH_WINDOW", 500).min(tuples);
    let sentence = "the cow jumped over the moon";
    let words = sentence.split_whitespace().count();
    let frame = |n: usize| {
        format!("{{\"id\":\"{n}\",\"comp\":\"sentences\",\"stream\":\"default\",\"task\":2,\"tuple\":[\"{sentence}\"]}}\nend\n")
    };
    let mut rates = Vec::new();
    for peer in [Peer::Rust, Peer::StormPy] {
        let d = start(peer, "split", true);
        d.recv_command("log");
        let (mut sent, mut acked, mut emits, mut syncs, mut heartbeats) = (0, 0, 0, 0, 0);
        let started = Instant::now();
        let mut last_heartbeat = started;
        while sent < window {
            d.send_raw(&frame(sent));
            sent += 1;
        }
        while acked < tuples {
            let m = d.recv();
            match m["command"].as_str() {
                Some("ack") => {
                    acked += 1;
                    if sent < tuples {
                        d.send_raw(&frame(sent));
                        sent += 1;
                    }
                }
                Some("emit") => emits += 1,
                Some("sync") => syncs += 1,
                _ => panic!("{}: unexpected message {m}", d.label()),
            }
            if last_heartbeat.elapsed() >= Duration::from_secs(1) {
                d.heartbeat(&format!("hb-{heartbeats}"));
                heartbeats += 1;
                last_heartbeat = Instant::now();
            }
        }
        let secs = started.elapsed().as_secs_f64();
        while syncs < heartbeats {
            assert_eq!(d.recv(), json!({"command": "sync"}), "{}", d.label());
            syncs += 1;
        }
        assert_eq!(emits, tuples * words, "{}: every word emitted", d.label());
        let rate = tuples as f64 / secs;
        println!(
            "{:<22} {tuples} tuples ({emits} emits, {acked} acks, {heartbeats} heartbeats synced: {syncs}) in {secs:.2} s = {rate:.0} tuples/s",
            format!("{}:", d.label()),
        );
        rates.push(rate);
    }
    println!(
        "ratio rust/storm.py: {:.1}x (target >= 10x)",
        rates[0] / rates[1]
    );
}

/// The examples/wordcount components chained through the driver: spout -> split -> count, with
/// the e2e marker from the conf.
#[test]
fn wordcount_example_components_chain_through_the_protocol() {
    let bins = peers::wordcount_bins();
    let spawn = |name: &str, component: &str, task: i64| {
        let mut d = Driver::spawn(name, &bins.join(name), &[], bins, true);
        let mut conf = storm_conf();
        conf["wordcount.marker"] = json!("zebra-42");
        conf["wordcount.pause.ms"] = json!(0);
        d.handshake(conf, storm_context(component, task)).unwrap();
        d
    };
    let spout = spawn("sentence-spout", "sentences", 2);
    assert_eq!(spout.recv()["msg"], "sentence-spout: marker zebra-42");
    assert_eq!(
        spout.recv()["msg"],
        "sentence-spout task 2 opened with 6 sentences"
    );
    spout.spout("activate", json!(""));
    spout.recv_command("sync");
    let mut sentences = Vec::new();
    for _ in 0..12 {
        spout.spout("next", json!(""));
        let e = spout.recv_command("emit");
        sentences.push((e["id"].clone(), e["tuple"].clone()));
        spout.recv_command("sync");
    }
    assert_eq!(sentences[5].1, json!(["marker zebra-42"]));
    // A failed sentence comes back with its id before new ones.
    spout.spout("fail", sentences[0].0.clone());
    assert!(spout.recv()["msg"]
        .as_str()
        .unwrap()
        .contains("failed, emitting it again"));
    spout.recv_command("sync");
    spout.spout("next", json!(""));
    let replay = spout.recv_command("emit");
    assert_eq!(
        (replay["id"].clone(), replay["tuple"].clone()),
        sentences[0]
    );

    let split = spawn("split-bolt", "split", 5);
    let mut words = Vec::new();
    for (n, (_, tuple)) in sentences.iter().enumerate() {
        let id = format!("s{n}");
        split.tuple(&id, tuple.clone());
        loop {
            let m = split.recv();
            if m["command"] == "ack" {
                assert_eq!(m["id"], id.as_str());
                break;
            }
            assert_eq!(m["anchors"], json!([id.as_str()]), "{m}");
            words.push(m["tuple"].clone());
        }
    }
    assert_eq!(
        words.len(),
        2 * (6 + 8 + 6 + 6 + 6 + 2),
        "two rounds of the five sentences and the marker"
    );

    let count = spawn("count-bolt", "count", 3);
    let mut logs = Vec::new();
    for (n, word) in words.iter().enumerate() {
        count.tuple(&format!("w{n}"), word.clone());
        let emit = count.recv_command("emit");
        assert_eq!(emit["tuple"][0], word[0]);
        logs.push(
            count.recv_command("log")["msg"]
                .as_str()
                .unwrap()
                .to_string(),
        );
        count.recv_command("ack");
    }
    assert!(logs.contains(&"count: zebra-42 2".to_string()), "{logs:?}");
    assert!(logs.contains(&"count: the 8".to_string()), "{logs:?}");
}
