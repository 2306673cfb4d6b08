//! Spouts: the `Spout` trait, what a spout can send (`SpoutOutput`, `SpoutEmit`), and the
//! synchronous spout loop (every command is answered with `sync`).

use serde::Serialize;
use serde_json::Value;

use crate::channel::{Channel, EmitCommand};
use crate::context::{Conf, Context};
use crate::error::{BoxError, Error};
use crate::guard::{call_user, fatal_unless_ok};
use crate::log::common_output_methods;
use crate::tuple::{SpoutCommand, SpoutCommandKind};

/// A spout: Storm asks it for tuples (`next_tuple`) and reports the fate of reliable ones
/// (`ack`/`fail` with the message id given to [`SpoutOutput::emit_reliable`]).
pub trait Spout {
    /// Called once after the handshake.
    fn open(
        &mut self,
        conf: &Conf,
        context: &Context,
        out: &mut SpoutOutput<'_>,
    ) -> Result<(), BoxError> {
        let _ = (conf, context, out);
        Ok(())
    }

    /// The topology was activated.
    fn activate(&mut self, out: &mut SpoutOutput<'_>) -> Result<(), BoxError> {
        let _ = out;
        Ok(())
    }

    /// The topology was deactivated; `next_tuple` is not called until it is activated again.
    fn deactivate(&mut self, out: &mut SpoutOutput<'_>) -> Result<(), BoxError> {
        let _ = out;
        Ok(())
    }

    /// Emit zero or more tuples. Storm calls this in a loop, so return quickly when there is
    /// nothing to emit.
    fn next_tuple(&mut self, out: &mut SpoutOutput<'_>) -> Result<(), BoxError>;

    /// The tuple tree of the reliable emit with message id `id` completed.
    fn ack(&mut self, id: &Value, out: &mut SpoutOutput<'_>) -> Result<(), BoxError> {
        let _ = (id, out);
        Ok(())
    }

    /// The tuple tree of the reliable emit with message id `id` failed or timed out.
    fn fail(&mut self, id: &Value, out: &mut SpoutOutput<'_>) -> Result<(), BoxError> {
        let _ = (id, out);
        Ok(())
    }
}

/// A spout's way to talk to Storm while it handles a command.
pub struct SpoutOutput<'a> {
    pub(crate) chan: &'a mut Channel,
}

/// How to emit from a spout: stream, message id (reliable), direct task, task ids.
#[derive(Debug, Clone, Default)]
pub struct SpoutEmit<'a> {
    stream: Option<&'a str>,
    id: Option<Value>,
    direct_task: Option<i64>,
    need_task_ids: bool,
}

impl<'a> SpoutEmit<'a> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Emit on a named stream instead of `default`.
    pub fn stream(mut self, stream: &'a str) -> Self {
        self.stream = Some(stream);
        self
    }

    /// Make the emit reliable: Storm calls `ack`/`fail` with this id later.
    pub fn id(mut self, id: impl Into<Value>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// A direct emit to `task` (Storm sends no task ids for it).
    pub fn direct(mut self, task: i64) -> Self {
        self.direct_task = Some(task);
        self
    }

    /// Ask Storm for the ids of the tasks that received the tuple.
    pub fn need_task_ids(mut self) -> Self {
        self.need_task_ids = true;
        self
    }
}

impl SpoutOutput<'_> {
    /// Emits `tuple` on the `default` stream, unreliably (no message id).
    pub fn emit<T: Serialize + ?Sized>(&mut self, tuple: &T) -> Result<(), Error> {
        self.emit_with(&SpoutEmit::new(), tuple).map(drop)
    }

    /// Emits `tuple` on the `default` stream with message id `id`: Storm later calls
    /// [`Spout::ack`] or [`Spout::fail`] with that id.
    pub fn emit_reliable<T: Serialize + ?Sized>(
        &mut self,
        id: impl Into<Value>,
        tuple: &T,
    ) -> Result<(), Error> {
        self.emit_with(&SpoutEmit::new().id(id), tuple).map(drop)
    }

    /// Emits with options. Returns the receiving task ids when asked for with
    /// [`SpoutEmit::need_task_ids`] (and not direct), `None` otherwise.
    pub fn emit_with<T: Serialize + ?Sized>(
        &mut self,
        how: &SpoutEmit<'_>,
        tuple: &T,
    ) -> Result<Option<Vec<i64>>, Error> {
        let want_ids = how.need_task_ids && how.direct_task.is_none();
        self.chan.send(&EmitCommand::<(), T> {
            command: "emit",
            id: how.id.as_ref(),
            anchors: None,
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

    common_output_methods!();
}

const EXPECTED_COMMAND: &str =
    "a spout command {\"command\": \"next\"|\"ack\"|\"fail\"|\"activate\"|\"deactivate\", \"id\": ..}";

/// The spout loop after the handshake.
pub(crate) fn run<S: Spout>(
    chan: &mut Channel,
    spout: &mut S,
    setup: (&Conf, &Context),
) -> Result<(), Error> {
    let (conf, context) = setup;
    let outcome = call_user(|| spout.open(conf, context, &mut SpoutOutput { chan }));
    fatal_unless_ok(chan, "open", outcome)?;
    while chan.next_command()? {
        let cmd: SpoutCommand = chan.parse(EXPECTED_COMMAND)?;
        let (during, outcome) = match cmd.command {
            SpoutCommandKind::Next => (
                "next_tuple",
                call_user(|| spout.next_tuple(&mut SpoutOutput { chan })),
            ),
            SpoutCommandKind::Ack => (
                "ack",
                call_user(|| spout.ack(&cmd.id, &mut SpoutOutput { chan })),
            ),
            SpoutCommandKind::Fail => (
                "fail",
                call_user(|| spout.fail(&cmd.id, &mut SpoutOutput { chan })),
            ),
            SpoutCommandKind::Activate => (
                "activate",
                call_user(|| spout.activate(&mut SpoutOutput { chan })),
            ),
            SpoutCommandKind::Deactivate => (
                "deactivate",
                call_user(|| spout.deactivate(&mut SpoutOutput { chan })),
            ),
        };
        fatal_unless_ok(chan, during, outcome)?;
        chan.sync()?;
    }
    chan.flush()
}
