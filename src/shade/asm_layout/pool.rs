//! The new constant pool, filled as ASM 9.5's SymbolTable fills it: each constant added the
//! first time it is asked for (a Utf8 before the entry that names it, a member's class before
//! its NameAndType), bootstrap methods deduplicated by their bytes.

use std::collections::HashMap;

use anyhow::{anyhow, bail, Result};

use super::read::{Cv, Handle};
use crate::shade::classfile::put_utf8_into;

/// The new constant pool, filled as ASM's SymbolTable fills it.
#[derive(Default)]
pub(super) struct Pool {
    pub(super) bytes: Vec<u8>,
    pub(super) count: u32,
    pub(super) index: HashMap<(u8, String), u16>,
    pub(super) bootstrap: Vec<Vec<u8>>,
    pub(super) bootstrap_index: HashMap<Vec<u8>, u16>,
}

impl Pool {
    pub(super) fn new() -> Self {
        Pool {
            count: 1,
            ..Pool::default()
        }
    }
    pub(super) fn add(&mut self, tag: u8, key: String, body: &[u8], slots: u32) -> Result<u16> {
        if let Some(i) = self.index.get(&(tag, key.clone())) {
            return Ok(*i);
        }
        let i = u16::try_from(self.count).map_err(|_| anyhow!("constant pool too large"))?;
        self.count += slots;
        if self.count > 0xFFFF {
            bail!("constant pool too large");
        }
        self.bytes.push(tag);
        self.bytes.extend_from_slice(body);
        self.index.insert((tag, key), i);
        Ok(i)
    }
    pub(super) fn utf8(&mut self, s: &str) -> Result<u16> {
        if let Some(i) = self.index.get(&(1, s.to_string())) {
            return Ok(*i);
        }
        let mut raw = Vec::new();
        put_utf8_into(&mut raw, s)?;
        self.add(1, s.to_string(), &raw[1..], 1)
    }
    pub(super) fn ref1(&mut self, tag: u8, s: &str) -> Result<u16> {
        if let Some(i) = self.index.get(&(tag, s.to_string())) {
            return Ok(*i);
        }
        let u = self.utf8(s)?;
        self.add(tag, s.to_string(), &u.to_be_bytes(), 1)
    }
    pub(super) fn class(&mut self, s: &str) -> Result<u16> {
        self.ref1(7, s)
    }
    pub(super) fn name_type(&mut self, name: &str, desc: &str) -> Result<u16> {
        let key = format!("{name}\0{desc}");
        if let Some(i) = self.index.get(&(12, key.clone())) {
            return Ok(*i);
        }
        let n = self.utf8(name)?;
        let d = self.utf8(desc)?;
        let mut body = n.to_be_bytes().to_vec();
        body.extend_from_slice(&d.to_be_bytes());
        self.add(12, key, &body, 1)
    }
    pub(super) fn member(&mut self, tag: u8, owner: &str, name: &str, desc: &str) -> Result<u16> {
        let key = format!("{owner}\0{name}\0{desc}");
        if let Some(i) = self.index.get(&(tag, key.clone())) {
            return Ok(*i);
        }
        let c = self.class(owner)?;
        let nt = self.name_type(name, desc)?;
        let mut body = c.to_be_bytes().to_vec();
        body.extend_from_slice(&nt.to_be_bytes());
        self.add(tag, key, &body, 1)
    }
    pub(super) fn handle(&mut self, h: &Handle) -> Result<u16> {
        let key = format!("{}\0{}\0{}\0{}", h.kind, h.owner, h.name, h.desc);
        if let Some(i) = self.index.get(&(15, key.clone())) {
            return Ok(*i);
        }
        let tag = if h.kind <= 4 {
            9
        } else if h.itf {
            11
        } else {
            10
        };
        let r = self.member(tag, &h.owner, &h.name, &h.desc)?;
        let mut body = vec![h.kind];
        body.extend_from_slice(&r.to_be_bytes());
        self.add(15, key, &body, 1)
    }
    pub(super) fn bootstrap(&mut self, h: &Handle, args: &[Cv]) -> Result<u16> {
        let mut arg_indexes = Vec::with_capacity(args.len());
        for a in args {
            arg_indexes.push(self.constant(a)?);
        }
        let mut entry = self.handle(h)?.to_be_bytes().to_vec();
        entry.extend_from_slice(&(args.len() as u16).to_be_bytes());
        for a in arg_indexes {
            entry.extend_from_slice(&a.to_be_bytes());
        }
        if let Some(i) = self.bootstrap_index.get(&entry) {
            return Ok(*i);
        }
        let i = self.bootstrap.len() as u16;
        self.bootstrap.push(entry.clone());
        self.bootstrap_index.insert(entry, i);
        Ok(i)
    }
    pub(super) fn dynamic(
        &mut self,
        tag: u8,
        name: &str,
        desc: &str,
        h: &Handle,
        args: &[Cv],
    ) -> Result<u16> {
        let b = self.bootstrap(h, args)?;
        let key = format!("{b}\0{name}\0{desc}");
        if let Some(i) = self.index.get(&(tag, key.clone())) {
            return Ok(*i);
        }
        let nt = self.name_type(name, desc)?;
        let mut body = b.to_be_bytes().to_vec();
        body.extend_from_slice(&nt.to_be_bytes());
        self.add(tag, key, &body, 1)
    }
    pub(super) fn constant(&mut self, c: &Cv) -> Result<u16> {
        match c {
            Cv::Int(v) => self.add(3, v.to_string(), &v.to_be_bytes(), 1),
            Cv::Float(v) => self.add(4, v.to_string(), &v.to_be_bytes(), 1),
            Cv::Long(v) => self.add(5, v.to_string(), &v.to_be_bytes(), 2),
            Cv::Double(v) => self.add(6, v.to_string(), &v.to_be_bytes(), 2),
            Cv::Str(s) => self.ref1(8, s),
            Cv::StrRaw(raw) => {
                // Keyed apart from every valid string (no valid text starts with U+FFFF U+0000).
                let key = format!("\u{ffff}\0{raw:?}");
                if let Some(i) = self.index.get(&(8, key.clone())) {
                    return Ok(*i);
                }
                let u = match self.index.get(&(1, key.clone())) {
                    Some(u) => *u,
                    None => {
                        let mut body = u16::try_from(raw.len())?.to_be_bytes().to_vec();
                        body.extend_from_slice(raw);
                        self.add(1, key.clone(), &body, 1)?
                    }
                };
                self.add(8, key, &u.to_be_bytes(), 1)
            }
            Cv::Class(s) => self.class(s),
            Cv::MethodType(s) => self.ref1(16, s),
            Cv::Handle(h) => self.handle(h),
            Cv::Dynamic(n, d, h, a) => self.dynamic(17, n, d, h, a),
        }
    }
}
