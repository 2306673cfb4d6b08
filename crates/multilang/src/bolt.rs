//! Bolts: the `Bolt` trait, what a bolt can send (`BoltOutput`, `BoltEmit`), and the bolt loops
//! (plain, and basic mode: anchor to the input, ack on success, fail on error).

use serde::ser::{Serialize, SerializeSeq, Serializer};

use crate::channel::{Channel, EmitCommand};
use crate::context::{Conf, Context};
use crate::error::{BoxError, Error};
use crate::guard::{call_user, Outcome};
use crate::log::common_output_methods;
use crate::tuple::Tuple;

/// A bolt: Storm sends it tuples; it emits tuples and acks or fails its inputs.
///
/// Run it with [`crate::run_bolt`] (it acks/fails itself through [`BoltOutput::ack`]) or
/// [`crate::run_basic_bolt`] (emits are anchored to the input; the input is acked when `execute`
/// returns `Ok` and failed when it returns `Err`).
pub trait Bolt {
    /// Called once after the handshake, before any tuple.
    fn prepare(
        &mut self,
        conf: &Conf,
        context: &Context,
        out: &mut BoltOutput<'_>,
    ) -> Result<(), BoxError> {
        let _ = (conf, context, out);
        Ok(())
    }

    /// Called for every tuple except Storm's heartbeats (the run loop answers those).
    fn execute(&mut self, input: &Tuple, out: &mut BoltOutput<'_>) -> Result<(), BoxError>;
}

/// A bolt's way to talk to Storm while it prepares or executes.
pub struct BoltOutput<'a> {
    pub(crate) chan: &'a mut Channel,
    /// Basic mode: the input being executed (emits anchor to it by default).
    current: Option<&'a str>,
    /// Basic mode: the user acked or failed the current input already.
    settled: bool,
}

/// How to emit from a bolt: stream, anchors, direct task, task ids. Build with the methods;
/// the default is the `default` stream, anchored to the input in basic mode (unanchored
/// otherwise), not direct, no task ids.
#[derive(Debug, Clone, Copy, Default)]
pub struct BoltEmit<'a> {
    stream: Option<&'a str>,
    anchors: Anchors<'a>,
    direct_task: Option<i64>,
    need_task_ids: bool,
}

#[derive(Debug, Clone, Copy, Default)]
enum Anchors<'a> {
    /// Basic mode: the current input; plain mode: none.
    #[default]
    Auto,
    None,
    One(&'a Tuple),
    Many(&'a [&'a Tuple]),
}

impl<'a> BoltEmit<'a> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Emit on a named stream (declared in the topology) instead of `default`.
    pub fn stream(mut self, stream: &'a str) -> Self {
        self.stream = Some(stream);
        self
    }

    /// Anchor to one input tuple (reliable processing).
    pub fn anchor(mut self, input: &'a Tuple) -> Self {
        self.anchors = Anchors::One(input);
        self
    }

    /// Anchor to several input tuples.
    pub fn anchors(mut self, inputs: &'a [&'a Tuple]) -> Self {
        self.anchors = Anchors::Many(inputs);
        self
    }

    /// No anchors, even in basic mode.
    pub fn unanchored(mut self) -> Self {
        self.anchors = Anchors::None;
        self
    }

    /// A direct emit to `task` (the stream must be declared direct; Storm sends no task ids).
    pub fn direct(mut self, task: i64) -> Self {
        self.direct_task = Some(task);
        self
    }

    /// Ask Storm for the ids of the tasks that received the tuple (costs a round trip).
    pub fn need_task_ids(mut self) -> Self {
        self.need_task_ids = true;
        self
    }
}

/// Serializes the anchors as the list of tuple ids Storm expects.
struct AnchorIds<'a> {
    anchors: Anchors<'a>,
    current: Option<&'a str>,
}

impl Serialize for AnchorIds<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match (self.anchors, self.current) {
            (Anchors::One(t), _) => s.collect_seq([t.id.as_str()]),
            (Anchors::Many(ts), _) => {
                let mut seq = s.serialize_seq(Some(ts.len()))?;
                for t in ts {
                    seq.serialize_element(t.id.as_str())?;
                }
                seq.end()
            }
            (Anchors::Auto, Some(id)) => s.collect_seq([id]),
            (Anchors::Auto, None) | (Anchors::None, _) => s.collect_seq(std::iter::empty::<&str>()),
        }
    }
}

impl<'a> BoltOutput<'a> {
    pub(crate) fn new(chan: &'a mut Channel, current: Option<&'a str>) -> Self {
        BoltOutput {
            chan,
            current,
            settled: false,
        }
    }

    /// Emits `tuple` (anything that serializes as a JSON array: `&[a, b]`, `&(a, b)`, a `Vec`)
    /// on the `default` stream; anchored to the input in basic mode.
    pub fn emit<T: Serialize + ?Sized>(&mut self, tuple: &T) -> Result<(), Error> {
        self.emit_with(BoltEmit::new(), tuple).map(drop)
    }

    /// Emits `tuple` on a named stream.
    pub fn emit_to<T: Serialize + ?Sized>(&mut self, stream: &str, tuple: &T) -> Result<(), Error> {
        self.emit_with(BoltEmit::new().stream(stream), tuple)
            .map(drop)
    }

    /// Emits with options. Returns the receiving task ids when asked for with
    /// [`BoltEmit::need_task_ids`] (and not direct), `None` otherwise.
    pub fn emit_with<T: Serialize + ?Sized>(
        &mut self,
        how: BoltEmit<'_>,
        tuple: &T,
    ) -> Result<Option<Vec<i64>>, Error> {
        let want_ids = how.need_task_ids && how.direct_task.is_none();
        self.chan.send(&EmitCommand {
            command: "emit",
            id: None,
            anchors: Some(AnchorIds {
                anchors: how.anchors,
                current: self.current,
            }),
            stream: how.stream,
            task: how.direct_task,
            tuple,
            need_task_ids: want_ids,
        })?;
        if want_ids {
            self.chan.read_task_ids().map(Some)
        } else {
            Ok(None)
        }
    }

    /// Acks `input` (in basic mode the run loop does this when `execute` returns `Ok`).
    pub fn ack(&mut self, input: &Tuple) -> Result<(), Error> {
        self.settle(input);
        self.chan.ack(&input.id)
    }

    /// Fails `input` (in basic mode the run loop does this when `execute` returns `Err`).
    pub fn fail(&mut self, input: &Tuple) -> Result<(), Error> {
        self.settle(input);
        self.chan.fail(&input.id)
    }

    fn settle(&mut self, input: &Tuple) {
        if self.current == Some(input.id.as_str()) {
            self.settled = true;
        }
    }

    common_output_methods!();
}

/// The bolt loop after the handshake. `basic`: anchor/ack/fail on the bolt's behalf.
pub(crate) fn run<B: Bolt>(
    chan: &mut Channel,
    bolt: &mut B,
    setup: (&Conf, &Context),
    basic: bool,
) -> Result<(), Error> {
    let (conf, context) = setup;
    let outcome = call_user(|| bolt.prepare(conf, context, &mut BoltOutput::new(chan, None)));
    crate::guard::fatal_unless_ok(chan, "prepare", outcome)?;
    while chan.next_command()? {
        let input: Tuple = chan.parse(EXPECTED_TUPLE)?;
        if input.is_heartbeat() {
            chan.sync()?;
            continue;
        }
        if !basic {
            let outcome = call_user(|| bolt.execute(&input, &mut BoltOutput::new(chan, None)));
            crate::guard::fatal_unless_ok(chan, "execute", outcome)?;
            continue;
        }
        let mut settled = false;
        let outcome = call_user(|| {
            let mut out = BoltOutput::new(chan, Some(&input.id));
            let result = bolt.execute(&input, &mut out);
            settled = out.settled;
            result
        });
        if let Some(e) = chan.take_failure() {
            return Err(e);
        }
        match outcome {
            Outcome::Ok => {
                if !settled {
                    chan.ack(&input.id)?;
                }
            }
            Outcome::Failed(message) => {
                chan.report_error(&message)?;
                chan.log(
                    crate::Level::Error,
                    format_args!("execute failed, failing tuple {}: {message}", input.id),
                )?;
                if !settled {
                    chan.fail(&input.id)?;
                }
            }
            panic @ Outcome::Panicked(_) => crate::guard::fatal_unless_ok(chan, "execute", panic)?,
        }
    }
    chan.flush()
}

const EXPECTED_TUPLE: &str =
    "a tuple {\"id\": <string>, \"comp\", \"stream\", \"task\": <int>, \"tuple\": [..]}";
