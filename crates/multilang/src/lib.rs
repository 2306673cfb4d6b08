//! Write Apache Storm spouts and bolts in Rust.
//!
//! Storm runs multilang components as subprocesses (`ShellSpout`/`ShellBolt`, or Flux's
//! `FluxShellSpout`/`FluxShellBolt`) and talks to them over stdin/stdout: JSON messages, each
//! followed by a line `end`. This crate owns that conversation. You implement [`Spout`] or
//! [`Bolt`] and hand it to a run function in `main`; the run loop does the handshake (pid file in
//! Storm's `pidDir`, `{"pid": ..}` reply), gives your component the topology configuration
//! ([`Conf`]) and its [`Context`] (task id, component id, task -> component map, stream fields),
//! answers Storm's heartbeats itself, and turns errors and panics into a report to Storm and a
//! non-zero exit.
//!
//! Nothing but the protocol is written to stdout: log through [`BoltOutput::info`] and friends
//! (Storm writes those to the worker log) or stderr. On Unix a stray `println!` is redirected to
//! stderr by [`Runner::stdio`].
//!
//! ```no_run
//! use std::process::ExitCode;
//! use stormpack_multilang::{run_basic_bolt, Bolt, BoltOutput, BoxError, Tuple};
//!
//! /// Splits sentences into words; basic mode anchors each word to its sentence and acks it.
//! struct Split;
//!
//! impl Bolt for Split {
//!     fn execute(&mut self, input: &Tuple, out: &mut BoltOutput<'_>) -> Result<(), BoxError> {
//!         let sentence = input.str(0).ok_or("expected a sentence string")?;
//!         for word in sentence.split_whitespace() {
//!             out.emit(&[word])?;
//!         }
//!         Ok(())
//!     }
//! }
//!
//! fn main() -> ExitCode {
//!     run_basic_bolt(Split)
//! }
//! ```
//!
//! A reliable spout:
//!
//! ```no_run
//! use std::process::ExitCode;
//! use stormpack_multilang::{run_spout, BoxError, Spout, SpoutOutput};
//! use serde_json::Value;
//!
//! struct Numbers { next: u64 }
//!
//! impl Spout for Numbers {
//!     fn next_tuple(&mut self, out: &mut SpoutOutput<'_>) -> Result<(), BoxError> {
//!         self.next += 1;
//!         out.emit_reliable(self.next, &(self.next, "number"))?;
//!         Ok(())
//!     }
//!     fn fail(&mut self, id: &Value, out: &mut SpoutOutput<'_>) -> Result<(), BoxError> {
//!         out.warn(format_args!("tuple {id} failed"))?;
//!         Ok(())
//!     }
//! }
//!
//! fn main() -> ExitCode {
//!     run_spout(Numbers { next: 0 })
//! }
//! ```
//!
//! Emits never ask Storm for task ids unless you do ([`BoltEmit::need_task_ids`]); replies that
//! interleave with incoming tuples are queued apart, as `storm.py` does. I/O is buffered both
//! ways and flushed whenever the loop would wait for Storm.

mod bolt;
mod channel;
mod context;
mod error;
mod guard;
mod log;
mod runner;
mod spout;
mod tuple;

#[cfg(test)]
mod tests;

pub use bolt::{Bolt, BoltEmit, BoltOutput};
pub use context::{Conf, Context};
pub use error::{BoxError, Error};
pub use log::Level;
pub use runner::{run_basic_bolt, run_bolt, run_spout, Runner};
pub use serde_json::Value;
pub use spout::{Spout, SpoutEmit, SpoutOutput};
pub use tuple::Tuple;
