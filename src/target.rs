//! The Rust target triples stormpack can put into a jar, and what each one means for the jar:
//! the architecture name `uname -m` prints on such a node (the launcher's key and the directory
//! under `resources/bin/`), the ELF machine and class its binaries must have, and whether they
//! must be statically linked.

use crate::error::Diagnostic;
use anyhow::bail;

/// A target triple stormpack knows how to package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetSpec {
    pub triple: &'static str,
    /// What `uname -m` prints on a node that runs these binaries.
    pub arch: &'static str,
    /// ELF `e_machine`.
    pub machine: u16,
    /// ELF class: 64-bit (`true`) or 32-bit.
    pub is_64: bool,
    pub little_endian: bool,
    /// musl targets: the binary must carry no dynamic interpreter, so it runs on any node.
    pub must_be_static: bool,
}

/// `EM_X86_64`.
pub const EM_X86_64: u16 = 62;
/// `EM_AARCH64`.
pub const EM_AARCH64: u16 = 183;

/// Every target stormpack packages. Storm nodes are Linux; the launcher knows these arches.
pub const SUPPORTED: &[TargetSpec] = &[
    TargetSpec {
        triple: "x86_64-unknown-linux-musl",
        arch: "x86_64",
        machine: EM_X86_64,
        is_64: true,
        little_endian: true,
        must_be_static: true,
    },
    TargetSpec {
        triple: "aarch64-unknown-linux-musl",
        arch: "aarch64",
        machine: EM_AARCH64,
        is_64: true,
        little_endian: true,
        must_be_static: true,
    },
    TargetSpec {
        triple: "x86_64-unknown-linux-gnu",
        arch: "x86_64",
        machine: EM_X86_64,
        is_64: true,
        little_endian: true,
        must_be_static: false,
    },
    TargetSpec {
        triple: "aarch64-unknown-linux-gnu",
        arch: "aarch64",
        machine: EM_AARCH64,
        is_64: true,
        little_endian: true,
        must_be_static: false,
    },
];

/// The default target: static, so it runs on any x86_64 node whatever its glibc.
pub const DEFAULT_TARGET: &str = "x86_64-unknown-linux-musl";

/// Look up a triple; an unknown one is an error listing the supported triples.
pub fn spec(triple: &str) -> anyhow::Result<&'static TargetSpec> {
    match SUPPORTED.iter().find(|s| s.triple == triple) {
        Some(spec) => Ok(spec),
        None => bail!(Diagnostic::new(format!("unsupported target `{triple}`"))
            .fix(format!("use one of: {}", supported_list()))),
    }
}

/// `a, b, c` of every supported triple, for messages.
pub fn supported_list() -> String {
    SUPPORTED
        .iter()
        .map(|s| s.triple)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Check a list of targets: each known, no duplicates, and at most one per architecture (a jar
/// holds one binary per architecture and component).
pub fn check_list(triples: &[String]) -> anyhow::Result<Vec<&'static TargetSpec>> {
    let mut specs: Vec<&'static TargetSpec> = Vec::new();
    for triple in triples {
        let spec = spec(triple)?;
        if let Some(other) = specs.iter().find(|s| s.arch == spec.arch) {
            if other.triple == spec.triple {
                bail!(
                    Diagnostic::new(format!("target `{triple}` is requested twice"))
                        .fix("name each target once")
                );
            }
            bail!(Diagnostic::new(format!(
                "targets `{}` and `{}` both build {} binaries, but a jar holds one binary per \
                 architecture",
                other.triple, spec.triple, spec.arch
            ))
            .fix("keep one of them"));
        }
        specs.push(spec);
    }
    Ok(specs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_triples() {
        assert_eq!(spec("aarch64-unknown-linux-musl").unwrap().arch, "aarch64");
        let err = spec("x86_64-apple-darwin").unwrap_err().to_string();
        assert!(err.contains("x86_64-apple-darwin"), "{err}");
        assert!(err.contains("x86_64-unknown-linux-musl"), "{err}");
    }

    #[test]
    fn one_target_per_architecture() {
        let both = [
            "x86_64-unknown-linux-musl".to_string(),
            "x86_64-unknown-linux-gnu".to_string(),
        ];
        let err = check_list(&both).unwrap_err().to_string();
        assert!(err.contains("both build x86_64 binaries"), "{err}");
        let twice = [
            "aarch64-unknown-linux-musl".to_string(),
            "aarch64-unknown-linux-musl".to_string(),
        ];
        assert!(check_list(&twice)
            .unwrap_err()
            .to_string()
            .contains("twice"));
        let ok = [
            "x86_64-unknown-linux-musl".to_string(),
            "aarch64-unknown-linux-musl".to_string(),
        ];
        assert_eq!(check_list(&ok).unwrap().len(), 2);
    }
}
