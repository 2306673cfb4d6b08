//! Runs cargo for each requested target (`--release --message-format=json-render-diagnostics`),
//! takes the component binaries from cargo's artifact messages, and checks every binary's ELF
//! header against its target.

use std::path::PathBuf;

/// One built component binary.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BuiltBinary {
    /// The bin target name (= component name).
    pub component: String,
    pub target: String,
    pub path: PathBuf,
}
