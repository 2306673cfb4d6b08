//! Reads just enough of an ELF header to tell a binary's architecture, class and static/dynamic
//! linking, so a staged binary is proven to match the target it was built for.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use anyhow::{bail, Context};

use crate::error::Diagnostic;
use crate::target::{TargetSpec, EM_AARCH64, EM_X86_64};

const PT_INTERP: u32 = 3;

/// What the header says.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ElfInfo {
    pub is_64: bool,
    pub little_endian: bool,
    /// `e_machine`.
    pub machine: u16,
    /// The requested program interpreter (`PT_INTERP`), if dynamically linked.
    pub interpreter: Option<String>,
}

impl ElfInfo {
    pub fn is_static(&self) -> bool {
        self.interpreter.is_none()
    }

    /// `ELF64 LE x86_64 static`, for messages and reports.
    pub fn describe(&self) -> String {
        format!(
            "ELF{} {} {} {}",
            if self.is_64 { 64 } else { 32 },
            if self.little_endian { "LE" } else { "BE" },
            machine_name(self.machine),
            match &self.interpreter {
                None => "static".to_string(),
                Some(i) => format!("dynamic (interpreter {i})"),
            }
        )
    }
}

pub fn machine_name(machine: u16) -> String {
    match machine {
        EM_X86_64 => "x86_64".to_string(),
        EM_AARCH64 => "aarch64".to_string(),
        3 => "i386".to_string(),
        40 => "arm".to_string(),
        243 => "riscv".to_string(),
        other => format!("e_machine {other}"),
    }
}

/// Parse the ELF header and program headers of the file at `path`.
pub fn read(path: &Path) -> anyhow::Result<ElfInfo> {
    let mut file =
        fs_err::File::open(path).with_context(|| "cannot read a built binary".to_string())?;
    parse(&mut file).with_context(|| format!("{} is not a usable ELF binary", path.display()))
}

fn parse<R: Read + Seek>(r: &mut R) -> anyhow::Result<ElfInfo> {
    let mut ident = [0u8; 16];
    r.read_exact(&mut ident)
        .context("file is shorter than an ELF header")?;
    if &ident[..4] != b"\x7fELF" {
        bail!("no ELF magic number");
    }
    let is_64 = match ident[4] {
        1 => false,
        2 => true,
        c => bail!("unknown ELF class {c}"),
    };
    let little_endian = match ident[5] {
        1 => true,
        2 => false,
        d => bail!("unknown ELF data encoding {d}"),
    };
    let rest_len = if is_64 { 64 - 16 } else { 52 - 16 };
    let mut rest = vec![0u8; rest_len];
    r.read_exact(&mut rest)
        .context("file is shorter than its ELF header")?;
    // Offsets below are from the start of the file; `rest` starts at 16.
    let f = Fields {
        buf: &rest,
        base: 16,
        little_endian,
    };
    let machine = f.u16(18);
    let (phoff, phentsize, phnum) = if is_64 {
        (f.u64(32), f.u16(54), f.u16(56))
    } else {
        (u64::from(f.u32(28)), f.u16(42), f.u16(44))
    };
    let min_phentsize = if is_64 { 56 } else { 32 };
    let mut interpreter = None;
    if phnum > 0 {
        if phentsize < min_phentsize {
            bail!("program header entry size {phentsize} is too small");
        }
        let mut table = vec![0u8; usize::from(phentsize) * usize::from(phnum)];
        r.seek(SeekFrom::Start(phoff))?;
        r.read_exact(&mut table)
            .context("program header table is truncated")?;
        for i in 0..usize::from(phnum) {
            let start = i * usize::from(phentsize);
            let ph = Fields {
                buf: &table[start..start + usize::from(phentsize)],
                base: 0,
                little_endian,
            };
            if ph.u32(0) != PT_INTERP {
                continue;
            }
            let (offset, size) = if is_64 {
                (ph.u64(8), ph.u64(32))
            } else {
                (u64::from(ph.u32(4)), u64::from(ph.u32(16)))
            };
            let size = usize::try_from(size.min(4096)).unwrap_or(4096);
            let mut name = vec![0u8; size];
            r.seek(SeekFrom::Start(offset))?;
            r.read_exact(&mut name)
                .context("PT_INTERP segment is truncated")?;
            let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
            interpreter = Some(String::from_utf8_lossy(&name[..end]).into_owned());
        }
    }
    Ok(ElfInfo {
        is_64,
        little_endian,
        machine,
        interpreter,
    })
}

/// Little/big-endian reads at absolute file offsets inside a buffer that starts at `base`.
struct Fields<'a> {
    buf: &'a [u8],
    base: usize,
    little_endian: bool,
}

impl Fields<'_> {
    fn bytes<const N: usize>(&self, at: usize) -> [u8; N] {
        let mut out = [0u8; N];
        out.copy_from_slice(&self.buf[at - self.base..at - self.base + N]);
        out
    }
    fn u16(&self, at: usize) -> u16 {
        let b = self.bytes::<2>(at);
        if self.little_endian {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        }
    }
    fn u32(&self, at: usize) -> u32 {
        let b = self.bytes::<4>(at);
        if self.little_endian {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        }
    }
    fn u64(&self, at: usize) -> u64 {
        let b = self.bytes::<8>(at);
        if self.little_endian {
            u64::from_le_bytes(b)
        } else {
            u64::from_be_bytes(b)
        }
    }
}

/// Read `path` and check it is a binary for `target`: class, byte order, machine, and (musl
/// targets) static linking. A mismatch is an error naming the file.
pub fn check(path: &Path, target: &TargetSpec) -> anyhow::Result<ElfInfo> {
    let info = read(path)?;
    let expected = ElfInfo {
        is_64: target.is_64,
        little_endian: target.little_endian,
        machine: target.machine,
        interpreter: None,
    };
    if info.machine != target.machine
        || info.is_64 != target.is_64
        || info.little_endian != target.little_endian
    {
        bail!(Diagnostic::new(format!(
            "{} is {} but it was built for `{}`, which needs {}",
            path.display(),
            info.describe(),
            target.triple,
            expected.describe().trim_end_matches(" static"),
        ))
        .fix(
            "check the cargo configuration for this target (linker, build.target, a wrapper \
             that replaces rustc), then rebuild"
        ));
    }
    if target.must_be_static {
        if let Some(interp) = &info.interpreter {
            bail!(Diagnostic::new(format!(
                "{} is dynamically linked (interpreter {interp}), but `{}` binaries must be static \
                 to run on any node",
                path.display(),
                target.triple
            ))
            .fix(
                "remove `-C target-feature=-crt-static` from RUSTFLAGS or the cargo \
                 configuration for this target"
            ));
        }
    }
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// A minimal 64-bit LE ELF image: header plus program headers.
    fn elf64(machine: u16, interp: Option<&str>) -> Vec<u8> {
        let phnum: u16 = if interp.is_some() { 2 } else { 1 };
        let mut v = vec![0u8; 64];
        v[..4].copy_from_slice(b"\x7fELF");
        v[4] = 2;
        v[5] = 1;
        v[6] = 1;
        v[16..18].copy_from_slice(&2u16.to_le_bytes());
        v[18..20].copy_from_slice(&machine.to_le_bytes());
        v[32..40].copy_from_slice(&64u64.to_le_bytes());
        v[54..56].copy_from_slice(&56u16.to_le_bytes());
        v[56..58].copy_from_slice(&phnum.to_le_bytes());
        let interp_off = 64 + 56 * u64::from(phnum);
        // PT_LOAD
        let mut load = vec![0u8; 56];
        load[..4].copy_from_slice(&1u32.to_le_bytes());
        v.extend(load);
        if let Some(i) = interp {
            let mut ph = vec![0u8; 56];
            ph[..4].copy_from_slice(&PT_INTERP.to_le_bytes());
            ph[8..16].copy_from_slice(&interp_off.to_le_bytes());
            ph[32..40].copy_from_slice(&(i.len() as u64 + 1).to_le_bytes());
            v.extend(ph);
            v.extend(i.as_bytes());
            v.push(0);
        }
        v
    }

    #[test]
    fn reads_machine_and_interpreter() {
        let info = parse(&mut Cursor::new(elf64(EM_AARCH64, None))).unwrap();
        assert_eq!(info.machine, EM_AARCH64);
        assert!(info.is_static());
        assert_eq!(info.describe(), "ELF64 LE aarch64 static");
        let info = parse(&mut Cursor::new(elf64(
            EM_X86_64,
            Some("/lib64/ld-linux-x86-64.so.2"),
        )))
        .unwrap();
        assert_eq!(
            info.interpreter.as_deref(),
            Some("/lib64/ld-linux-x86-64.so.2")
        );
    }

    #[test]
    fn rejects_non_elf_and_truncated() {
        assert!(parse(&mut Cursor::new(b"#!/bin/sh\necho hi\n".to_vec())).is_err());
        let mut short = elf64(EM_X86_64, Some("/lib/ld-musl-x86_64.so.1"));
        short.truncate(100);
        assert!(parse(&mut Cursor::new(short)).is_err());
    }

    #[test]
    fn check_names_file_and_mismatch() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("split-bolt");
        std::fs::write(&path, elf64(EM_X86_64, None)).unwrap();
        let aarch64 = crate::target::spec("aarch64-unknown-linux-musl").unwrap();
        let err = check(&path, aarch64).unwrap_err().to_string();
        assert!(err.contains("split-bolt"), "{err}");
        assert!(err.contains("ELF64 LE x86_64 static"), "{err}");
        assert!(err.contains("aarch64"), "{err}");

        std::fs::write(&path, elf64(EM_X86_64, Some("/lib/ld-musl-x86_64.so.1"))).unwrap();
        let musl = crate::target::spec("x86_64-unknown-linux-musl").unwrap();
        let err = check(&path, musl).unwrap_err().to_string();
        assert!(err.contains("dynamically linked"), "{err}");
        let gnu = crate::target::spec("x86_64-unknown-linux-gnu").unwrap();
        assert!(check(&path, gnu).is_ok());
    }
}
