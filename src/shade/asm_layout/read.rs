//! The class as ClassReader reads it: the constant pool decoded, loadable constants and
//! method handles as ASM hands them to a visitor, bootstrap methods by index.

use anyhow::{anyhow, bail, Result};

use crate::shade::classfile::decode_mutf8;

/// A loadable constant as ASM hands it around (`readConst`).
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Cv {
    Int(i32),
    Float(u32),
    Long(i64),
    Double(u64),
    Str(String),
    /// A string constant whose UTF-16 holds a lone surrogate: its modified UTF-8 as is.
    StrRaw(Vec<u8>),
    /// An internal name or array descriptor (`Type` of sort OBJECT or ARRAY).
    Class(String),
    MethodType(String),
    Handle(Handle),
    Dynamic(String, String, Handle, Vec<Cv>),
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Handle {
    pub(super) kind: u8,
    pub(super) owner: String,
    pub(super) name: String,
    pub(super) desc: String,
    pub(super) itf: bool,
}

/// The original pool, decoded.
#[derive(Debug, Clone)]
pub(super) enum Entry {
    None,
    Utf8(String),
    /// Modified UTF-8 that is no valid UTF-16 (a lone surrogate): only usable as a string value.
    Utf8Raw(Vec<u8>),
    Int(i32),
    Float(u32),
    Long(i64),
    Double(u64),
    Class(u16),
    Str(u16),
    Member(u8, u16, u16),
    NameType(u16, u16),
    Handle(u8, u16),
    MethodType(u16),
    Dynamic(u8, u16, u16),
    Named,
}

pub(super) struct In<'a> {
    pub(super) b: &'a [u8],
    pub(super) pos: usize,
    pub(super) pool: Vec<Entry>,
    /// BootstrapMethods: (method handle index, argument indexes).
    pub(super) bootstrap: Vec<(u16, Vec<u16>)>,
}

pub(super) fn short<T>(v: Option<T>) -> Result<T> {
    v.ok_or_else(|| anyhow!("truncated class file"))
}

impl In<'_> {
    /// The constant pool (the reader stands after the version), decoded into `pool`.
    pub(super) fn read_pool(&mut self) -> Result<()> {
        let count = self.u2()? as usize;
        self.pool = vec![Entry::None; count.max(1)];
        let mut k = 1;
        while k < count {
            let tag = self.u1()?;
            self.pool[k] = match tag {
                1 => {
                    let len = self.u2()? as usize;
                    let raw = self.take(len)?.to_vec();
                    match decode_mutf8(&raw)? {
                        Some(s) => Entry::Utf8(s),
                        None => Entry::Utf8Raw(raw),
                    }
                }
                3 => Entry::Int(self.u4()? as i32),
                4 => Entry::Float(self.u4()?),
                5 | 6 => {
                    let hi = u64::from(self.u4()?);
                    let v = (hi << 32) | u64::from(self.u4()?);
                    let e = if tag == 5 {
                        Entry::Long(v as i64)
                    } else {
                        Entry::Double(v)
                    };
                    self.pool[k] = e;
                    k += 2;
                    continue;
                }
                7 => Entry::Class(self.u2()?),
                8 => Entry::Str(self.u2()?),
                9..=11 => Entry::Member(tag, self.u2()?, self.u2()?),
                12 => Entry::NameType(self.u2()?, self.u2()?),
                15 => Entry::Handle(self.u1()?, self.u2()?),
                16 => Entry::MethodType(self.u2()?),
                17 | 18 => Entry::Dynamic(tag, self.u2()?, self.u2()?),
                19 | 20 => {
                    self.u2()?;
                    Entry::Named
                }
                other => bail!("unknown constant tag {other}"),
            };
            k += 1;
        }
        Ok(())
    }
    pub(super) fn take(&mut self, n: usize) -> Result<&[u8]> {
        let end = short(self.pos.checked_add(n).filter(|e| *e <= self.b.len()))?;
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    pub(super) fn u1(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    pub(super) fn u2(&mut self) -> Result<u16> {
        let s = self.take(2)?;
        Ok(u16::from_be_bytes([s[0], s[1]]))
    }
    pub(super) fn u4(&mut self) -> Result<u32> {
        let s = self.take(4)?;
        Ok(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
    }
    pub(super) fn rutf(&mut self) -> Result<String> {
        let i = self.u2()?;
        self.utf(i)
    }
    pub(super) fn rclass(&mut self) -> Result<String> {
        let i = self.u2()?;
        self.class(i)
    }
    pub(super) fn ropt_class(&mut self) -> Result<Option<String>> {
        let i = self.u2()?;
        self.opt_class(i)
    }
    pub(super) fn rconst(&mut self) -> Result<Cv> {
        let i = self.u2()?;
        self.constant(i)
    }
    pub(super) fn utf(&self, i: u16) -> Result<String> {
        match self.pool.get(i as usize) {
            Some(Entry::Utf8(s)) => Ok(s.clone()),
            _ => bail!("pool entry {i} is not Utf8"),
        }
    }
    pub(super) fn class(&self, i: u16) -> Result<String> {
        match self.pool.get(i as usize) {
            Some(Entry::Class(n)) => self.utf(*n),
            _ => bail!("pool entry {i} is not a class"),
        }
    }
    pub(super) fn opt_class(&self, i: u16) -> Result<Option<String>> {
        if i == 0 {
            Ok(None)
        } else {
            self.class(i).map(Some)
        }
    }
    pub(super) fn name_type(&self, i: u16) -> Result<(String, String)> {
        match self.pool.get(i as usize) {
            Some(Entry::NameType(n, d)) => Ok((self.utf(*n)?, self.utf(*d)?)),
            _ => bail!("pool entry {i} is not a NameAndType"),
        }
    }
    pub(super) fn member(&self, i: u16) -> Result<(u8, String, String, String)> {
        match self.pool.get(i as usize) {
            Some(Entry::Member(tag, c, nt)) => {
                let (n, d) = self.name_type(*nt)?;
                Ok((*tag, self.class(*c)?, n, d))
            }
            _ => bail!("pool entry {i} is not a member reference"),
        }
    }
    pub(super) fn handle(&self, i: u16) -> Result<Handle> {
        match self.pool.get(i as usize) {
            Some(Entry::Handle(kind, r)) => {
                let (tag, owner, name, desc) = self.member(*r)?;
                Ok(Handle {
                    kind: *kind,
                    owner,
                    name,
                    desc,
                    itf: tag == 11,
                })
            }
            _ => bail!("pool entry {i} is not a method handle"),
        }
    }
    pub(super) fn constant(&self, i: u16) -> Result<Cv> {
        Ok(match self.pool.get(i as usize) {
            Some(Entry::Int(v)) => Cv::Int(*v),
            Some(Entry::Float(v)) => Cv::Float(*v),
            Some(Entry::Long(v)) => Cv::Long(*v),
            Some(Entry::Double(v)) => Cv::Double(*v),
            Some(Entry::Str(s)) => match self.pool.get(*s as usize) {
                Some(Entry::Utf8Raw(raw)) => Cv::StrRaw(raw.clone()),
                _ => Cv::Str(self.utf(*s)?),
            },
            Some(Entry::Class(n)) => Cv::Class(self.utf(*n)?),
            Some(Entry::MethodType(d)) => Cv::MethodType(self.utf(*d)?),
            Some(Entry::Handle(..)) => Cv::Handle(self.handle(i)?),
            Some(Entry::Dynamic(17, bsm, nt)) => {
                let (name, desc) = self.name_type(*nt)?;
                let (h, args) = self.bsm(*bsm)?;
                Cv::Dynamic(name, desc, h, args)
            }
            _ => bail!("pool entry {i} is not a loadable constant"),
        })
    }
    pub(super) fn bsm(&self, index: u16) -> Result<(Handle, Vec<Cv>)> {
        let (h, args) = self
            .bootstrap
            .get(index as usize)
            .ok_or_else(|| anyhow!("no bootstrap method {index}"))?;
        let args = args
            .iter()
            .map(|a| self.constant(*a))
            .collect::<Result<Vec<_>>>()?;
        Ok((self.handle(*h)?, args))
    }
}
