//! Calls into user code: panics caught (with the message and location the panic hook saw),
//! errors turned into text, and a failed call reported to Storm before the run ends. Used by the
//! spout and bolt loops; knows nothing of them.

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Mutex, Once};

use crate::channel::Channel;
use crate::error::{BoxError, Error};
use crate::log::Level;

/// What a call into user code came to.
pub(crate) enum Outcome {
    Ok,
    Failed(String),
    Panicked(String),
}

static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Keeps the default hook (it prints to stderr) and remembers the message with its location.
pub(crate) fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if let Ok(mut last) = LAST_PANIC.lock() {
                *last = Some(info.to_string());
            }
            previous(info);
        }));
    });
}

pub(crate) fn call_user(f: impl FnOnce() -> Result<(), BoxError>) -> Outcome {
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => Outcome::Ok,
        Ok(Err(e)) => Outcome::Failed(error_chain(&*e)),
        Err(payload) => {
            let recorded = LAST_PANIC.lock().ok().and_then(|mut l| l.take());
            Outcome::Panicked(recorded.unwrap_or_else(|| panic_text(&*payload)))
        }
    }
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn panic_text(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        format!("panicked: {s}")
    } else if let Some(s) = payload.downcast_ref::<String>() {
        format!("panicked: {s}")
    } else {
        "panicked".to_string()
    }
}

/// A failed or panicking call into user code: report it to Storm (`error` and an ERROR `log`),
/// flush, and end the run. A protocol failure recorded meanwhile wins (user code may have
/// swallowed it).
pub(crate) fn fatal_unless_ok(
    chan: &mut Channel,
    during: &'static str,
    outcome: Outcome,
) -> Result<(), Error> {
    if let Some(e) = chan.take_failure() {
        return Err(e);
    }
    let message = match outcome {
        Outcome::Ok => return Ok(()),
        Outcome::Failed(m) => m,
        Outcome::Panicked(m) => m,
    };
    chan.report_error(format_args!("{during} failed: {message}"))?;
    chan.log(Level::Error, format_args!("{during} failed: {message}"))?;
    chan.flush()?;
    Err(Error::Component { during, message })
}
