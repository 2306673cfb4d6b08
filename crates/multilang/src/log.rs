//! Log levels of the protocol's `log` command (Storm logs them in the worker log).

/// The `level` of a `log` message: Storm maps 0..=4 to TRACE, DEBUG, INFO, WARN, ERROR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Level {
    Trace = 0,
    Debug = 1,
    Info = 2,
    Warn = 3,
    Error = 4,
}

/// Methods shared by [`crate::SpoutOutput`] and [`crate::BoltOutput`]: logging through Storm,
/// error reports and metrics.
macro_rules! common_output_methods {
    () => {
        /// Sends a `log` message at `level`; Storm writes it to the worker log as
        /// `ShellLog pid:<pid>, name:<component> <msg>`. Use this (or stderr) instead of stdout.
        pub fn log(
            &mut self,
            level: $crate::Level,
            msg: impl std::fmt::Display,
        ) -> Result<(), $crate::Error> {
            self.chan.log(level, msg)
        }

        /// `log` at TRACE (level 0).
        pub fn trace(&mut self, msg: impl std::fmt::Display) -> Result<(), $crate::Error> {
            self.chan.log($crate::Level::Trace, msg)
        }

        /// `log` at DEBUG (level 1).
        pub fn debug(&mut self, msg: impl std::fmt::Display) -> Result<(), $crate::Error> {
            self.chan.log($crate::Level::Debug, msg)
        }

        /// `log` at INFO (level 2).
        pub fn info(&mut self, msg: impl std::fmt::Display) -> Result<(), $crate::Error> {
            self.chan.log($crate::Level::Info, msg)
        }

        /// `log` at WARN (level 3).
        pub fn warn(&mut self, msg: impl std::fmt::Display) -> Result<(), $crate::Error> {
            self.chan.log($crate::Level::Warn, msg)
        }

        /// `log` at ERROR (level 4).
        pub fn error(&mut self, msg: impl std::fmt::Display) -> Result<(), $crate::Error> {
            self.chan.log($crate::Level::Error, msg)
        }

        /// Sends an `error` message: Storm reports it as the component's error (Storm UI), the
        /// process keeps running.
        pub fn report_error(&mut self, msg: impl std::fmt::Display) -> Result<(), $crate::Error> {
            self.chan.report_error(msg)
        }

        /// Sends a `metrics` message: Storm passes `params` to the `IShellMetric` registered under
        /// `name` (Storm fails the worker if no such metric is registered).
        pub fn metrics<P: serde::Serialize + ?Sized>(
            &mut self,
            name: &str,
            params: &P,
        ) -> Result<(), $crate::Error> {
            self.chan.metrics(name, params)
        }
    };
}

pub(crate) use common_output_methods;
