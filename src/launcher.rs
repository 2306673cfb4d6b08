//! Staging that survives the supervisor: Storm extracts `resources/` without permissions, so each
//! component gets a POSIX `sh` launcher that picks the binary for `uname -m`, restores the exec
//! bit on its own copy, and `exec`s it. Binaries go under `resources/<arch>/`.

use crate::cargo_build::BuiltBinary;
use crate::staging::Staging;

/// Stage binaries under `resources/bin/<arch>/` and one launcher per component.
pub fn stage(binaries: &[BuiltBinary], staging: &mut Staging) -> anyhow::Result<()> {
    let _ = (binaries, staging);
    anyhow::bail!("component launchers are not implemented yet")
}
