//! The wire: JSON messages each followed by a line `end`, buffered both ways, plus the queues that
//! keep task-id replies and commands apart when they interleave (as storm.py does).

use std::collections::VecDeque;
use std::fmt;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};

use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::error::Error;
use crate::log::Level;

const BUFFER: usize = 64 * 1024;

/// One process's connection to Storm.
pub(crate) struct Channel {
    input: BufReader<Box<dyn Read>>,
    output: BufWriter<Box<dyn Write>>,
    /// Reused for every line read.
    line: String,
    /// The current message; reused for every message read.
    msg: String,
    /// Commands/tuples that arrived while we waited for task ids.
    pending_commands: VecDeque<String>,
    /// Task-id replies that arrived while we waited for a command/tuple.
    pending_task_ids: VecDeque<Vec<i64>>,
    /// The first I/O or protocol failure, kept so the run loop stops even if user code swallowed it.
    failure: Option<Error>,
}

impl Channel {
    pub(crate) fn new(input: Box<dyn Read>, output: Box<dyn Write>) -> Self {
        Channel {
            input: BufReader::with_capacity(BUFFER, input),
            output: BufWriter::with_capacity(BUFFER, output),
            line: String::with_capacity(256),
            msg: String::with_capacity(1024),
            pending_commands: VecDeque::new(),
            pending_task_ids: VecDeque::new(),
            failure: None,
        }
    }

    /// The message read last by [`Channel::next_command`] or [`Channel::read_handshake`].
    pub(crate) fn message(&self) -> &str {
        &self.msg
    }

    /// Takes the failure recorded by an earlier operation, if any.
    pub(crate) fn take_failure(&mut self) -> Option<Error> {
        self.failure.take()
    }

    fn record(&mut self, error: Error) -> Error {
        if self.failure.is_none() {
            self.failure = Some(duplicate(&error));
        }
        error
    }

    /// Reads the next raw message into `self.msg`. `Ok(false)` on a clean end of input (between
    /// messages). Flushes pending output before it could block, so Storm never waits on us while
    /// we wait on Storm.
    fn read_raw(&mut self) -> Result<bool, Error> {
        self.msg.clear();
        let mut lines = 0usize;
        loop {
            if !self.input.buffer().contains(&b'\n') {
                self.flush()?;
            }
            self.line.clear();
            let n = match self.input.read_line(&mut self.line) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                    let e =
                        Error::malformed("UTF-8 text", "the input is not valid UTF-8", &self.msg);
                    return Err(self.record(e));
                }
                Err(source) => {
                    return Err(self.record(Error::Io {
                        action: "reading from Storm (stdin)",
                        source,
                    }))
                }
            };
            if n == 0 {
                if lines == 0 {
                    return Ok(false);
                }
                let partial = std::mem::take(&mut self.msg);
                return Err(self.record(Error::TruncatedMessage { partial }));
            }
            let content = self.line.strip_suffix('\n').unwrap_or(&self.line);
            let content = content.strip_suffix('\r').unwrap_or(content);
            if content == "end" {
                if lines == 0 {
                    return Err(self.record(Error::malformed(
                        "a JSON message before the `end` line",
                        "the message is empty",
                        "",
                    )));
                }
                return Ok(true);
            }
            if lines > 0 {
                self.msg.push('\n');
            }
            self.msg.push_str(content);
            lines += 1;
        }
    }

    /// Reads the handshake message into `self.msg`.
    pub(crate) fn read_handshake(&mut self) -> Result<(), Error> {
        if self.read_raw()? {
            Ok(())
        } else {
            Err(self.record(Error::NoHandshake))
        }
    }

    /// Makes `self.msg` the next command/tuple (a JSON object), taking queued ones first and
    /// queueing task-id replies met on the way. `Ok(false)` on a clean end of input.
    pub(crate) fn next_command(&mut self) -> Result<bool, Error> {
        if let Some(queued) = self.pending_commands.pop_front() {
            self.msg = queued;
            return Ok(true);
        }
        loop {
            if !self.read_raw()? {
                return Ok(false);
            }
            match first_byte(&self.msg) {
                Some(b'{') => return Ok(true),
                Some(b'[') => {
                    let ids = self.parse_task_ids()?;
                    self.pending_task_ids.push_back(ids);
                }
                _ => {
                    let e = Error::malformed(
                        "a JSON object (a tuple or command)",
                        "got something else",
                        &self.msg,
                    );
                    return Err(self.record(e));
                }
            }
        }
    }

    /// Waits for Storm's reply to an emit with `need_task_ids`: a bare JSON array of task ids.
    /// Commands/tuples arriving first are queued for [`Channel::next_command`].
    pub(crate) fn read_task_ids(&mut self) -> Result<Vec<i64>, Error> {
        if let Some(ids) = self.pending_task_ids.pop_front() {
            return Ok(ids);
        }
        loop {
            if !self.read_raw()? {
                let e = Error::malformed("the task ids of an emit", "the input ended", "");
                return Err(self.record(e));
            }
            match first_byte(&self.msg) {
                Some(b'[') => return self.parse_task_ids(),
                Some(b'{') => self.pending_commands.push_back(self.msg.clone()),
                _ => {
                    let e = Error::malformed(
                        "a JSON array of task ids or an object",
                        "got something else",
                        &self.msg,
                    );
                    return Err(self.record(e));
                }
            }
        }
    }

    fn parse_task_ids(&mut self) -> Result<Vec<i64>, Error> {
        serde_json::from_str(&self.msg).map_err(|e| {
            let e = Error::malformed("a JSON array of task ids", e, &self.msg);
            self.record(e)
        })
    }

    /// Parses the current message as `T`, naming what was expected if it does not fit.
    pub(crate) fn parse<T: serde::de::DeserializeOwned>(
        &mut self,
        expected: &'static str,
    ) -> Result<T, Error> {
        serde_json::from_str(&self.msg).map_err(|e| {
            let e = Error::malformed(expected, e, &self.msg);
            self.record(e)
        })
    }

    /// Writes one message (JSON, newline, `end`, newline) into the output buffer.
    pub(crate) fn send<T: Serialize + ?Sized>(&mut self, message: &T) -> Result<(), Error> {
        let result = serde_json::to_writer(&mut self.output, message)
            .map_err(io::Error::from)
            .and_then(|()| self.output.write_all(b"\nend\n"));
        result.map_err(|source| {
            self.record(Error::Io {
                action: "writing to Storm (stdout)",
                source,
            })
        })
    }

    pub(crate) fn flush(&mut self) -> Result<(), Error> {
        self.output.flush().map_err(|source| {
            self.record(Error::Io {
                action: "writing to Storm (stdout)",
                source,
            })
        })
    }

    pub(crate) fn sync(&mut self) -> Result<(), Error> {
        self.send(&Command { command: "sync" })
    }

    pub(crate) fn ack(&mut self, id: &str) -> Result<(), Error> {
        self.send(&IdCommand { command: "ack", id })
    }

    pub(crate) fn fail(&mut self, id: &str) -> Result<(), Error> {
        self.send(&IdCommand {
            command: "fail",
            id,
        })
    }

    pub(crate) fn log(&mut self, level: Level, msg: impl fmt::Display) -> Result<(), Error> {
        self.send(&LogCommand {
            command: "log",
            msg: AsStr(msg),
            level: level as u8,
        })
    }

    pub(crate) fn report_error(&mut self, msg: impl fmt::Display) -> Result<(), Error> {
        self.send(&ErrorCommand {
            command: "error",
            msg: AsStr(msg),
        })
    }

    pub(crate) fn metrics<P: Serialize + ?Sized>(
        &mut self,
        name: &str,
        params: &P,
    ) -> Result<(), Error> {
        self.send(&MetricsCommand {
            command: "metrics",
            name,
            params,
        })
    }
}

fn first_byte(s: &str) -> Option<u8> {
    s.bytes().find(|b| !b.is_ascii_whitespace())
}

/// A copy of an error for [`Channel::failure`] (I/O errors are not `Clone`).
fn duplicate(e: &Error) -> Error {
    match e {
        Error::Io { action, source } => Error::Io {
            action,
            source: io::Error::new(source.kind(), source.to_string()),
        },
        Error::TruncatedMessage { partial } => Error::TruncatedMessage {
            partial: partial.clone(),
        },
        Error::NoHandshake => Error::NoHandshake,
        Error::Malformed {
            expected,
            problem,
            message,
        } => Error::Malformed {
            expected,
            problem: problem.clone(),
            message: message.clone(),
        },
        Error::PidFile { path, source } => Error::PidFile {
            path: path.clone(),
            source: io::Error::new(source.kind(), source.to_string()),
        },
        Error::Component { during, message } => Error::Component {
            during,
            message: message.clone(),
        },
    }
}

/// Serializes any `Display` as a JSON string without building a `String` first.
struct AsStr<D>(D);

impl<D: fmt::Display> Serialize for AsStr<D> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

#[derive(Serialize)]
struct Command {
    command: &'static str,
}

#[derive(Serialize)]
struct IdCommand<'a> {
    command: &'static str,
    id: &'a str,
}

#[derive(Serialize)]
#[serde(bound(serialize = "D: fmt::Display"))]
struct LogCommand<D: fmt::Display> {
    command: &'static str,
    msg: AsStr<D>,
    level: u8,
}

#[derive(Serialize)]
#[serde(bound(serialize = "D: fmt::Display"))]
struct ErrorCommand<D: fmt::Display> {
    command: &'static str,
    msg: AsStr<D>,
}

#[derive(Serialize)]
struct MetricsCommand<'a, P: ?Sized> {
    command: &'static str,
    name: &'a str,
    params: &'a P,
}

/// `{"command":"emit", ...}` for bolts and spouts alike.
#[derive(Serialize)]
pub(crate) struct EmitCommand<'a, A: Serialize, T: ?Sized> {
    pub command: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anchors: Option<A>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<i64>,
    pub tuple: &'a T,
    pub need_task_ids: bool,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// An output sink tests can read back.
    #[derive(Clone, Default)]
    pub(crate) struct Sink(pub Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Sink {
        /// The messages written so far, parsed.
        pub(crate) fn messages(&self) -> Vec<Value> {
            let bytes = self.0.lock().unwrap().clone();
            let text = String::from_utf8(bytes).unwrap();
            let mut out = Vec::new();
            let mut current = String::new();
            for line in text.lines() {
                if line == "end" {
                    out.push(serde_json::from_str(&current).unwrap());
                    current.clear();
                } else {
                    current.push_str(line);
                    current.push('\n');
                }
            }
            assert!(current.is_empty(), "unterminated output: {current:?}");
            out
        }
    }

    fn channel(input: &str) -> (Channel, Sink) {
        let sink = Sink::default();
        let ch = Channel::new(
            Box::new(io::Cursor::new(input.as_bytes().to_vec())),
            Box::new(sink.clone()),
        );
        (ch, sink)
    }

    #[test]
    fn reads_multi_line_messages_and_clean_eof() {
        let (mut ch, _) = channel("{\"a\":\n1}\nend\r\n{\"b\":2}\nend\n");
        assert!(ch.next_command().unwrap());
        assert_eq!(ch.message(), "{\"a\":\n1}");
        assert!(ch.next_command().unwrap());
        assert_eq!(ch.message(), "{\"b\":2}");
        assert!(!ch.next_command().unwrap());
    }

    #[test]
    fn truncated_message_is_an_error() {
        let (mut ch, _) = channel("{\"a\":1}\n");
        let err = ch.next_command().unwrap_err();
        assert!(matches!(err, Error::TruncatedMessage { .. }), "{err}");
        assert!(ch.take_failure().is_some());
    }

    #[test]
    fn task_ids_and_commands_are_queued_apart() {
        // Storm may deliver tuples before the task ids of an emit, and task ids before a tuple.
        let (mut ch, _) =
            channel("{\"t\":1}\nend\n{\"t\":2}\nend\n[4,5]\nend\n[6]\nend\n{\"t\":3}\nend\n");
        assert_eq!(ch.read_task_ids().unwrap(), vec![4, 5]);
        assert!(ch.next_command().unwrap());
        assert_eq!(ch.message(), "{\"t\":1}");
        assert!(ch.next_command().unwrap());
        assert_eq!(ch.message(), "{\"t\":2}");
        assert!(ch.next_command().unwrap());
        assert_eq!(ch.message(), "{\"t\":3}");
        assert_eq!(ch.read_task_ids().unwrap(), vec![6]);
    }

    #[test]
    fn garbage_instead_of_a_message_is_malformed() {
        let (mut ch, _) = channel("hello\nend\n");
        let err = ch.next_command().unwrap_err();
        assert!(
            err.to_string().contains("malformed input from Storm"),
            "{err}"
        );
        let (mut ch, _) = channel("end\n");
        assert!(ch.next_command().unwrap_err().to_string().contains("empty"));
    }

    #[test]
    fn writes_framed_messages_with_escaping() {
        let (mut ch, sink) = channel("");
        ch.log(Level::Warn, format_args!("count: {} \"{}\"", 3, "a\nb"))
            .unwrap();
        ch.report_error("boom").unwrap();
        ch.metrics("m", &serde_json::json!({"x": 1})).unwrap();
        ch.ack("7").unwrap();
        ch.sync().unwrap();
        ch.flush().unwrap();
        let msgs = sink.messages();
        assert_eq!(
            msgs[0],
            serde_json::json!({"command":"log","msg":"count: 3 \"a\nb\"","level":3})
        );
        assert_eq!(msgs[1], serde_json::json!({"command":"error","msg":"boom"}));
        assert_eq!(
            msgs[2],
            serde_json::json!({"command":"metrics","name":"m","params":{"x":1}})
        );
        assert_eq!(msgs[3], serde_json::json!({"command":"ack","id":"7"}));
        assert_eq!(msgs[4], serde_json::json!({"command":"sync"}));
    }
}
