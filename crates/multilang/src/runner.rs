//! The run loop's frame: owning stdin/stdout, the handshake, calling user code with panics caught,
//! and turning failures into a report to Storm plus a non-zero exit.

use std::fs::File;
use std::io::{self, Read, Write};
use std::process::ExitCode;

use crate::bolt::Bolt;
use crate::channel::Channel;
use crate::context::{parse_setup, Setup};
use crate::error::Error;
use crate::log::Level;
use crate::spout::Spout;

/// Runs a component over any input/output (tests, benchmarks) or over the process's stdio
/// ([`Runner::stdio`], what [`crate::run_spout`] and friends use).
pub struct Runner {
    chan: Channel,
    pid: u32,
    component: Option<String>,
}

impl Runner {
    /// Storm's protocol on `input`/`output`. The pid reported in the handshake is this
    /// process's.
    pub fn new(input: impl Read + 'static, output: impl Write + 'static) -> Self {
        Runner {
            chan: Channel::new(Box::new(input), Box::new(output)),
            pid: std::process::id(),
            component: None,
        }
    }

    /// The protocol on stdin/stdout. On Unix the protocol keeps a private duplicate of stdout and
    /// file descriptor 1 is pointed at stderr, so a stray `println!` (the component's or a
    /// dependency's) lands in the worker log instead of corrupting the protocol.
    pub fn stdio() -> Self {
        Runner::new(io::stdin(), protocol_stdout())
    }

    /// The component id from the handshake, once it happened.
    pub fn component_id(&self) -> Option<&str> {
        self.component.as_deref()
    }

    /// Runs a spout until Storm closes stdin.
    pub fn run_spout<S: Spout>(&mut self, mut spout: S) -> Result<(), Error> {
        let setup = self.handshake()?;
        let result = crate::spout::run(&mut self.chan, &mut spout, (&setup.conf, &setup.context));
        self.finish(result)
    }

    /// Runs a bolt that acks/fails its inputs itself, until Storm closes stdin.
    pub fn run_bolt<B: Bolt>(&mut self, mut bolt: B) -> Result<(), Error> {
        let setup = self.handshake()?;
        let result = crate::bolt::run(
            &mut self.chan,
            &mut bolt,
            (&setup.conf, &setup.context),
            false,
        );
        self.finish(result)
    }

    /// Runs a bolt in basic mode (emits anchored to the input, ack on `Ok`, fail on `Err`).
    pub fn run_basic_bolt<B: Bolt>(&mut self, mut bolt: B) -> Result<(), Error> {
        let setup = self.handshake()?;
        let result = crate::bolt::run(
            &mut self.chan,
            &mut bolt,
            (&setup.conf, &setup.context),
            true,
        );
        self.finish(result)
    }

    /// Reads Storm's setup message, creates `<pidDir>/<pid>`, answers `{"pid": <pid>}`.
    fn handshake(&mut self) -> Result<Setup, Error> {
        crate::guard::install_panic_hook();
        self.chan.read_handshake()?;
        let setup = parse_setup(self.chan.message())?;
        let path = setup.pid_dir.join(self.pid.to_string());
        File::create(&path).map_err(|source| Error::PidFile { path, source })?;
        self.chan.send(&serde_json::json!({ "pid": self.pid }))?;
        self.chan.flush()?;
        self.component = Some(setup.context.component_id.clone());
        Ok(setup)
    }

    /// Tells Storm about a failure that is not an I/O one (best effort), flushes.
    fn finish(&mut self, result: Result<(), Error>) -> Result<(), Error> {
        match result {
            Ok(()) => Ok(()),
            Err(e @ Error::Io { .. }) | Err(e @ Error::Component { .. }) => Err(e),
            Err(e) => {
                let _ = self.chan.report_error(&e);
                let _ = self.chan.log(Level::Error, &e);
                let _ = self.chan.flush();
                Err(e)
            }
        }
    }
}

/// Runs `spout` on stdin/stdout; for `main`: `fn main() -> ExitCode { run_spout(MySpout) }`.
/// Exits 0 when Storm closes stdin, 1 after any failure (described on stderr).
pub fn run_spout<S: Spout>(spout: S) -> ExitCode {
    let mut runner = Runner::stdio();
    let result = runner.run_spout(spout);
    exit_code(&runner, result)
}

/// Runs `bolt` on stdin/stdout; the bolt acks/fails its inputs itself. Errors and panics in
/// `execute` are reported to Storm and end the process non-zero.
pub fn run_bolt<B: Bolt>(bolt: B) -> ExitCode {
    let mut runner = Runner::stdio();
    let result = runner.run_bolt(bolt);
    exit_code(&runner, result)
}

/// Runs `bolt` in basic mode on stdin/stdout: emits are anchored to the input, the input is
/// acked when `execute` returns `Ok` and failed (with the error reported) when it returns `Err`.
/// A panic is reported and ends the process non-zero.
pub fn run_basic_bolt<B: Bolt>(bolt: B) -> ExitCode {
    let mut runner = Runner::stdio();
    let result = runner.run_basic_bolt(bolt);
    exit_code(&runner, result)
}

fn exit_code(runner: &Runner, result: Result<(), Error>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let who = runner.component_id().unwrap_or("multilang component");
            eprintln!("stormpack-multilang: {who}: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(unix)]
fn protocol_stdout() -> Box<dyn Write> {
    use std::os::fd::AsFd;
    unsafe extern "C" {
        fn dup2(oldfd: i32, newfd: i32) -> i32;
    }
    let stdout = io::stdout();
    // Anything printed before the run loop started goes out first (and Storm will reject it).
    let _ = stdout.lock().flush();
    let Ok(private) = stdout.as_fd().try_clone_to_owned() else {
        return Box::new(stdout);
    };
    // SAFETY: dup2 on two descriptors this process owns; fd 1 is re-pointed at stderr. The
    // protocol keeps its own duplicate of the original stdout (`private`).
    if unsafe { dup2(2, 1) } < 0 {
        return Box::new(stdout);
    }
    Box::new(File::from(private))
}

#[cfg(not(unix))]
fn protocol_stdout() -> Box<dyn Write> {
    Box::new(io::stdout())
}
