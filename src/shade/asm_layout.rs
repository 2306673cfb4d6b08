//! A relocated class file laid out as maven-shade-plugin writes it: ASM 9.5's
//! `ClassReader.accept(ClassRemapper(ClassWriter(0)), EXPAND_FRAMES)`. The class is read whole,
//! its names mapped, and written again in the order ClassReader visits it: the constant pool is
//! rebuilt the way ClassWriter's SymbolTable fills it (each constant added when first visited,
//! attribute names when sizes are computed), attributes in ClassWriter's fixed order, `ldc` or
//! `ldc_w` chosen by the new index, offsets moved accordingly, and stack map frames expanded
//! and compressed again as MethodWriter does (same, chop, append, same_locals_1_stack_item or
//! full, from the implicit first frame).
//!
//! Classes this does not reproduce (`goto_w`/`jsr_w`, `jsr`/`ret`, module descriptors, dynamic
//! constants loaded by `ldc`) give `None`: the caller keeps the in-place rewrite of
//! [`super::classfile`].

use std::collections::HashMap;

use anyhow::{anyhow, bail, Result};

use super::classfile::{decode_mutf8, put_utf8_into, Mapper};

/// A loadable constant as ASM hands it around (`readConst`).
#[derive(Debug, Clone, PartialEq)]
enum Cv {
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
struct Handle {
    kind: u8,
    owner: String,
    name: String,
    desc: String,
    itf: bool,
}

/// The original pool, decoded.
#[derive(Debug, Clone)]
enum Entry {
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

struct In<'a> {
    b: &'a [u8],
    pos: usize,
    pool: Vec<Entry>,
    /// BootstrapMethods: (method handle index, argument indexes).
    bootstrap: Vec<(u16, Vec<u16>)>,
}

fn short<T>(v: Option<T>) -> Result<T> {
    v.ok_or_else(|| anyhow!("truncated class file"))
}

impl In<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8]> {
        let end = short(self.pos.checked_add(n).filter(|e| *e <= self.b.len()))?;
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u1(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    fn u2(&mut self) -> Result<u16> {
        let s = self.take(2)?;
        Ok(u16::from_be_bytes([s[0], s[1]]))
    }
    fn u4(&mut self) -> Result<u32> {
        let s = self.take(4)?;
        Ok(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
    }
    fn rutf(&mut self) -> Result<String> {
        let i = self.u2()?;
        self.utf(i)
    }
    fn rclass(&mut self) -> Result<String> {
        let i = self.u2()?;
        self.class(i)
    }
    fn ropt_class(&mut self) -> Result<Option<String>> {
        let i = self.u2()?;
        self.opt_class(i)
    }
    fn rconst(&mut self) -> Result<Cv> {
        let i = self.u2()?;
        self.constant(i)
    }
    fn utf(&self, i: u16) -> Result<String> {
        match self.pool.get(i as usize) {
            Some(Entry::Utf8(s)) => Ok(s.clone()),
            _ => bail!("pool entry {i} is not Utf8"),
        }
    }
    fn class(&self, i: u16) -> Result<String> {
        match self.pool.get(i as usize) {
            Some(Entry::Class(n)) => self.utf(*n),
            _ => bail!("pool entry {i} is not a class"),
        }
    }
    fn opt_class(&self, i: u16) -> Result<Option<String>> {
        if i == 0 {
            Ok(None)
        } else {
            self.class(i).map(Some)
        }
    }
    fn name_type(&self, i: u16) -> Result<(String, String)> {
        match self.pool.get(i as usize) {
            Some(Entry::NameType(n, d)) => Ok((self.utf(*n)?, self.utf(*d)?)),
            _ => bail!("pool entry {i} is not a NameAndType"),
        }
    }
    fn member(&self, i: u16) -> Result<(u8, String, String, String)> {
        match self.pool.get(i as usize) {
            Some(Entry::Member(tag, c, nt)) => {
                let (n, d) = self.name_type(*nt)?;
                Ok((*tag, self.class(*c)?, n, d))
            }
            _ => bail!("pool entry {i} is not a member reference"),
        }
    }
    fn handle(&self, i: u16) -> Result<Handle> {
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
    fn constant(&self, i: u16) -> Result<Cv> {
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
    fn bsm(&self, index: u16) -> Result<(Handle, Vec<Cv>)> {
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

/// The new constant pool, filled as ASM's SymbolTable fills it.
#[derive(Default)]
struct Pool {
    bytes: Vec<u8>,
    count: u32,
    index: HashMap<(u8, String), u16>,
    bootstrap: Vec<Vec<u8>>,
    bootstrap_index: HashMap<Vec<u8>, u16>,
}

impl Pool {
    fn new() -> Self {
        Pool {
            count: 1,
            ..Pool::default()
        }
    }
    fn add(&mut self, tag: u8, key: String, body: &[u8], slots: u32) -> Result<u16> {
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
    fn utf8(&mut self, s: &str) -> Result<u16> {
        if let Some(i) = self.index.get(&(1, s.to_string())) {
            return Ok(*i);
        }
        let mut raw = Vec::new();
        put_utf8_into(&mut raw, s)?;
        self.add(1, s.to_string(), &raw[1..], 1)
    }
    fn ref1(&mut self, tag: u8, s: &str) -> Result<u16> {
        if let Some(i) = self.index.get(&(tag, s.to_string())) {
            return Ok(*i);
        }
        let u = self.utf8(s)?;
        self.add(tag, s.to_string(), &u.to_be_bytes(), 1)
    }
    fn class(&mut self, s: &str) -> Result<u16> {
        self.ref1(7, s)
    }
    fn name_type(&mut self, name: &str, desc: &str) -> Result<u16> {
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
    fn member(&mut self, tag: u8, owner: &str, name: &str, desc: &str) -> Result<u16> {
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
    fn handle(&mut self, h: &Handle) -> Result<u16> {
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
    fn bootstrap(&mut self, h: &Handle, args: &[Cv]) -> Result<u16> {
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
    fn dynamic(&mut self, tag: u8, name: &str, desc: &str, h: &Handle, args: &[Cv]) -> Result<u16> {
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
    fn constant(&mut self, c: &Cv) -> Result<u16> {
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

/// An element value of an annotation, mapped, in the form AnnotationWriter writes it.
fn element_value(
    i: &mut In<'_>,
    m: &mut Mapper<'_>,
    p: &mut Pool,
    out: &mut Vec<u8>,
) -> Result<()> {
    let tag = i.u1()?;
    out.push(tag);
    match tag {
        b'B' | b'C' | b'S' | b'Z' | b'I' | b'J' | b'F' | b'D' => {
            let c = i.rconst()?;
            out.extend_from_slice(&p.constant(&c)?.to_be_bytes());
        }
        b's' => {
            let s = i.rutf()?;
            let s = m.map(&s, true);
            out.extend_from_slice(&p.utf8(&s)?.to_be_bytes());
        }
        b'e' => {
            let d = m.map_desc(&i.rutf()?)?;
            let v = i.rutf()?;
            out.extend_from_slice(&p.utf8(&d)?.to_be_bytes());
            out.extend_from_slice(&p.utf8(&v)?.to_be_bytes());
        }
        b'c' => {
            let d = m.map_desc(&i.rutf()?)?;
            out.extend_from_slice(&p.utf8(&d)?.to_be_bytes());
        }
        b'@' => {
            out.pop();
            out.push(b'@');
            annotation(i, m, p, out)?;
        }
        b'[' => {
            let n = i.u2()?;
            out.extend_from_slice(&n.to_be_bytes());
            for _ in 0..n {
                element_value(i, m, p, out)?;
            }
        }
        other => bail!("unknown element value tag {other}"),
    }
    Ok(())
}

fn annotation(i: &mut In<'_>, m: &mut Mapper<'_>, p: &mut Pool, out: &mut Vec<u8>) -> Result<()> {
    let d = m.map_desc(&i.rutf()?)?;
    out.extend_from_slice(&p.utf8(&d)?.to_be_bytes());
    let n = i.u2()?;
    out.extend_from_slice(&n.to_be_bytes());
    for _ in 0..n {
        let name = i.rutf()?;
        out.extend_from_slice(&p.utf8(&name)?.to_be_bytes());
        element_value(i, m, p, out)?;
    }
    Ok(())
}

/// A Runtime*Annotations attribute's annotations: (count, bytes).
fn annotations(i: &mut In<'_>, m: &mut Mapper<'_>, p: &mut Pool) -> Result<(u16, Vec<u8>)> {
    let n = i.u2()?;
    let mut out = Vec::new();
    for _ in 0..n {
        annotation(i, m, p, &mut out)?;
    }
    Ok((n, out))
}

/// A type annotation outside code: target and path copied, then the annotation.
fn type_annotations(i: &mut In<'_>, m: &mut Mapper<'_>, p: &mut Pool) -> Result<(u16, Vec<u8>)> {
    let n = i.u2()?;
    let mut out = Vec::new();
    for _ in 0..n {
        let start = i.pos;
        let target = i.u1()?;
        match target {
            0x00 | 0x01 | 0x16 => drop(i.take(1)?),
            0x10 | 0x11 | 0x12 | 0x17 => drop(i.take(2)?),
            0x13..=0x15 => {}
            _ => bail!("type annotation target {target:#x} outside code"),
        }
        let path = i.u1()? as usize;
        i.take(2 * path)?;
        out.extend_from_slice(&i.b[start..i.pos]);
        annotation(i, m, p, &mut out)?;
    }
    Ok((n, out))
}

/// Annotations of one element (class, field, method, record component) in ASM's order.
#[derive(Default)]
struct Annotated {
    /// RVA, RIA, RVTA, RITA: (count, bytes).
    lists: [Option<(u16, Vec<u8>)>; 4],
}

const ANNOTATION_NAMES: [&str; 4] = [
    "RuntimeVisibleAnnotations",
    "RuntimeInvisibleAnnotations",
    "RuntimeVisibleTypeAnnotations",
    "RuntimeInvisibleTypeAnnotations",
];

impl Annotated {
    /// Visits them as ClassReader does (visible, invisible, visible type, invisible type).
    fn read(
        i: &mut In<'_>,
        m: &mut Mapper<'_>,
        p: &mut Pool,
        offsets: &[Option<usize>; 4],
    ) -> Result<Self> {
        let mut a = Annotated::default();
        for (k, off) in offsets.iter().enumerate() {
            if let Some(off) = off {
                let saved = i.pos;
                i.pos = *off;
                let list = if k < 2 {
                    annotations(i, m, p)?
                } else {
                    type_annotations(i, m, p)?
                };
                // No annotation visited: ASM writes no attribute.
                a.lists[k] = (list.0 > 0).then_some(list);
                i.pos = saved;
            }
        }
        Ok(a)
    }
    fn names(&self, p: &mut Pool) -> Result<()> {
        for (k, l) in self.lists.iter().enumerate() {
            if l.is_some() {
                p.utf8(ANNOTATION_NAMES[k])?;
            }
        }
        Ok(())
    }
    fn put(&self, p: &mut Pool, out: &mut Vec<u8>, count: &mut u16) -> Result<()> {
        for (k, l) in self.lists.iter().enumerate() {
            if let Some((n, bytes)) = l {
                attr(
                    out,
                    p.utf8(ANNOTATION_NAMES[k])?,
                    &[&n.to_be_bytes(), bytes],
                );
                *count += 1;
            }
        }
        Ok(())
    }
}

fn attr(out: &mut Vec<u8>, name: u16, parts: &[&[u8]]) {
    out.extend_from_slice(&name.to_be_bytes());
    let len: usize = parts.iter().map(|p| p.len()).sum();
    out.extend_from_slice(&(len as u32).to_be_bytes());
    for part in parts {
        out.extend_from_slice(part);
    }
}

/// Attributes of one structure: name -> content offset and length, in order; unknown ones kept.
struct Attrs {
    known: HashMap<String, (usize, usize)>,
    custom: Vec<(String, Vec<u8>)>,
}

fn read_attrs(i: &mut In<'_>, known: &[&str]) -> Result<Attrs> {
    let n = i.u2()?;
    let mut a = Attrs {
        known: HashMap::new(),
        custom: Vec::new(),
    };
    for _ in 0..n {
        let name = i.rutf()?;
        let len = i.u4()? as usize;
        let start = i.pos;
        let content = i.take(len)?.to_vec();
        if known.contains(&name.as_str()) {
            if a.known.insert(name.clone(), (start, len)).is_some() {
                bail!("attribute {name} twice");
            }
        } else {
            a.custom.push((name, content));
        }
    }
    Ok(a)
}

impl Attrs {
    fn at(&self, name: &str) -> Option<usize> {
        self.known.get(name).map(|(s, _)| *s)
    }
    fn ann_offsets(&self) -> [Option<usize>; 4] {
        ANNOTATION_NAMES.map(|n| self.at(n))
    }
}

const COMMON: &[&str] = &[
    "Signature",
    "Deprecated",
    "Synthetic",
    "RuntimeVisibleAnnotations",
    "RuntimeInvisibleAnnotations",
    "RuntimeVisibleTypeAnnotations",
    "RuntimeInvisibleTypeAnnotations",
];

fn put_custom(
    custom: &[(String, Vec<u8>)],
    p: &mut Pool,
    out: &mut Vec<u8>,
    count: &mut u16,
) -> Result<()> {
    for (name, content) in custom {
        attr(out, p.utf8(name)?, &[content]);
        *count += 1;
    }
    Ok(())
}

/// The class as ASM writes it, or `None` when it holds something this layout does not cover.
pub(super) fn write(bytes: &[u8], entry: &str, m: &mut Mapper<'_>) -> Result<Option<Vec<u8>>> {
    let mut i = In {
        b: bytes,
        pos: 8,
        pool: Vec::new(),
        bootstrap: Vec::new(),
    };
    let major = u16::from_be_bytes([bytes[6], bytes[7]]);
    // Before Java 5 a synthetic member carries a Synthetic attribute instead of the flag.
    let old = major < 49;
    let count = i.u2()? as usize;
    i.pool = vec![Entry::None; count.max(1)];
    let mut k = 1;
    while k < count {
        let tag = i.u1()?;
        i.pool[k] = match tag {
            1 => {
                let len = i.u2()? as usize;
                let raw = i.take(len)?.to_vec();
                match decode_mutf8(&raw)? {
                    Some(s) => Entry::Utf8(s),
                    None => Entry::Utf8Raw(raw),
                }
            }
            3 => Entry::Int(i.u4()? as i32),
            4 => Entry::Float(i.u4()?),
            5 | 6 => {
                let hi = u64::from(i.u4()?);
                let v = (hi << 32) | u64::from(i.u4()?);
                let e = if tag == 5 {
                    Entry::Long(v as i64)
                } else {
                    Entry::Double(v)
                };
                i.pool[k] = e;
                k += 2;
                continue;
            }
            7 => Entry::Class(i.u2()?),
            8 => Entry::Str(i.u2()?),
            9..=11 => Entry::Member(tag, i.u2()?, i.u2()?),
            12 => Entry::NameType(i.u2()?, i.u2()?),
            15 => Entry::Handle(i.u1()?, i.u2()?),
            16 => Entry::MethodType(i.u2()?),
            17 | 18 => Entry::Dynamic(tag, i.u2()?, i.u2()?),
            19 | 20 => {
                i.u2()?;
                Entry::Named
            }
            other => bail!("unknown constant tag {other}"),
        };
        k += 1;
    }
    let mut access = i.u2()?;
    let this = i.rclass()?;
    let super_class = i.ropt_class()?;
    let mut interfaces = Vec::new();
    for _ in 0..i.u2()? {
        interfaces.push(i.rclass()?);
    }
    // Skip fields and methods to reach the class attributes (BootstrapMethods first of all).
    let members_at = i.pos;
    for _ in 0..2 {
        for _ in 0..i.u2()? {
            i.take(6)?;
            read_attrs(&mut i, &[])?;
        }
    }
    let mut class_known = vec![
        "SourceFile",
        "SourceDebugExtension",
        "InnerClasses",
        "EnclosingMethod",
        "NestHost",
        "NestMembers",
        "PermittedSubclasses",
        "BootstrapMethods",
        "Record",
        "Module",
        "ModulePackages",
        "ModuleMainClass",
    ];
    class_known.extend_from_slice(COMMON);
    let ca = read_attrs(&mut i, &class_known)?;
    if i.pos != bytes.len() {
        bail!("bytes after the class file's end");
    }
    if ca.at("Module").is_some() {
        return Ok(None);
    }
    if ca.at("Synthetic").is_some() {
        access |= 0x1000;
    }
    let class_synthetic = old && access & 0x1000 != 0;
    if old {
        access &= !0x1000;
    }
    if let Some(at) = ca.at("BootstrapMethods") {
        i.pos = at;
        for _ in 0..i.u2()? {
            let h = i.u2()?;
            let n = i.u2()?;
            let mut args = Vec::new();
            for _ in 0..n {
                args.push(i.u2()?);
            }
            i.bootstrap.push((h, args));
        }
    }

    let mut p = Pool::new();
    // visit
    let this_m = m.map_type(&this)?;
    let this_index = p.class(&this_m)?;
    let class_sig = match ca.at("Signature") {
        Some(at) => {
            i.pos = at;
            let s = i.rutf()?;
            Some(p.utf8(&m.signature_of(&s, 0)?)?)
        }
        None => None,
    };
    let super_index = match &super_class {
        Some(s) => {
            let mapped = m.map_type(s)?;
            p.class(&mapped)?
        }
        None => 0,
    };
    let mut iface_indexes = Vec::new();
    for f in &interfaces {
        let mapped = m.map_type(f)?;
        iface_indexes.push(p.class(&mapped)?);
    }
    // visitSource
    let package = &entry[..entry.rfind('/').map_or(0, |s| s + 1)];
    let source = match ca.at("SourceFile") {
        Some(at) => {
            i.pos = at;
            let s = i.rutf()?;
            let full = m.map(&format!("{package}{s}"), false);
            Some(p.utf8(&full[full.rfind('/').map_or(0, |s| s + 1)..])?)
        }
        None => None,
    };
    let debug = ca
        .known
        .get("SourceDebugExtension")
        .map(|(s, l)| bytes[*s..*s + *l].to_vec());
    let nest_host = match ca.at("NestHost") {
        Some(at) => {
            i.pos = at;
            let c = i.rclass()?;
            let mapped = m.map_type(&c)?;
            Some(p.class(&mapped)?)
        }
        None => None,
    };
    let enclosing = match ca.at("EnclosingMethod") {
        Some(at) => {
            i.pos = at;
            let c = i.rclass()?;
            let mi = i.u2()?;
            let c = m.map_type(&c)?;
            let ci = p.class(&c)?;
            let ni = if mi == 0 {
                0
            } else {
                let (n, d) = i.name_type(mi)?;
                let d = m.map_method_desc(&d)?;
                p.name_type(&n, &d)?
            };
            Some((ci, ni))
        }
        None => None,
    };
    let class_ann = Annotated::read(&mut i, m, &mut p, &ca.ann_offsets())?;
    let mut class_lists: Vec<(&str, Vec<u16>)> = Vec::new();
    for name in ["NestMembers", "PermittedSubclasses"] {
        if let Some(at) = ca.at(name) {
            i.pos = at;
            let mut list = Vec::new();
            for _ in 0..i.u2()? {
                let c = i.rclass()?;
                let mapped = m.map_type(&c)?;
                list.push(p.class(&mapped)?);
            }
            if !list.is_empty() {
                class_lists.push((name, list));
            }
        }
    }
    let mut inner = Vec::new();
    let mut inner_seen = std::collections::HashSet::new();
    if let Some(at) = ca.at("InnerClasses") {
        i.pos = at;
        for _ in 0..i.u2()? {
            let name = i.rclass()?;
            let outer = i.ropt_class()?;
            let simple = i.u2()?;
            let simple = if simple == 0 {
                None
            } else {
                Some(i.utf(simple)?)
            };
            let flags = i.u2()?;
            let mapped = m.map_type(&name)?;
            let ni = p.class(&mapped)?;
            if !inner_seen.insert(ni) {
                continue;
            }
            let oi = match outer {
                Some(o) => {
                    let mo = m.map_type(&o)?;
                    p.class(&mo)?
                }
                None => 0,
            };
            let si = match simple {
                Some(s) => {
                    let s = m.inner_class_name(&name, &s)?;
                    p.utf8(&s)?
                }
                None => 0,
            };
            for v in [ni, oi, si, flags] {
                inner.extend_from_slice(&v.to_be_bytes());
            }
        }
    }
    let inner_count = inner_seen.len() as u16;
    // Record components: visited after the inner classes.
    let mut record = Vec::new();
    if let Some(at) = ca.at("Record") {
        i.pos = at;
        for _ in 0..i.u2()? {
            let name = i.rutf()?;
            let desc = i.rutf()?;
            let ra = read_attrs(&mut i, COMMON)?;
            let after = i.pos;
            let ni = p.utf8(&name)?;
            let di = p.utf8(&m.map_desc(&desc)?)?;
            let sig = match ra.at("Signature") {
                Some(at) => {
                    i.pos = at;
                    let s = i.rutf()?;
                    Some(p.utf8(&m.signature_of(&s, 2)?)?)
                }
                None => None,
            };
            let ann = Annotated::read(&mut i, m, &mut p, &ra.ann_offsets())?;
            i.pos = after;
            record.push((ni, di, sig, ann, ra.custom));
        }
    }

    // Fields.
    i.pos = members_at;
    let mut fields_out = Vec::new();
    let n_fields = i.u2()?;
    struct Member {
        access: u16,
        name: u16,
        desc: u16,
        sig: Option<u16>,
        constant: Option<u16>,
        deprecated: bool,
        /// Written as a Synthetic attribute (classes before Java 5).
        synthetic: bool,
        ann: Annotated,
        custom: Vec<(String, Vec<u8>)>,
    }
    let mut fields = Vec::new();
    for _ in 0..n_fields {
        let access = i.u2()?;
        let name = i.rutf()?;
        let desc = i.rutf()?;
        let mut known = vec!["ConstantValue"];
        known.extend_from_slice(COMMON);
        let fa = read_attrs(&mut i, &known)?;
        let after = i.pos;
        let ni = p.utf8(&name)?;
        let di = p.utf8(&m.map_desc(&desc)?)?;
        let sig = match fa.at("Signature") {
            Some(at) => {
                i.pos = at;
                let s = i.rutf()?;
                Some(p.utf8(&m.signature_of(&s, 2)?)?)
            }
            None => None,
        };
        let constant = match fa.at("ConstantValue") {
            Some(at) => {
                i.pos = at;
                let c = match i.rconst()? {
                    Cv::Str(s) => Cv::Str(m.map(&s, true)),
                    other => other,
                };
                Some(p.constant(&c)?)
            }
            None => None,
        };
        let ann = Annotated::read(&mut i, m, &mut p, &fa.ann_offsets())?;
        i.pos = after;
        let synthetic_attr = fa.at("Synthetic").is_some();
        fields.push(Member {
            access: if old {
                access & !0x1000
            } else {
                access | if synthetic_attr { 0x1000 } else { 0 }
            },
            synthetic: old && (synthetic_attr || access & 0x1000 != 0),
            name: ni,
            desc: di,
            sig,
            constant,
            deprecated: fa.known.contains_key("Deprecated"),
            ann,
            custom: fa.custom,
        });
    }
    fields_out.extend_from_slice(&n_fields.to_be_bytes());

    // Methods.
    let n_methods = i.u2()?;
    let mut methods = Vec::new();
    for _ in 0..n_methods {
        let access = i.u2()?;
        let name = i.rutf()?;
        let desc = i.rutf()?;
        let mut known = vec![
            "Code",
            "Exceptions",
            "MethodParameters",
            "AnnotationDefault",
            "RuntimeVisibleParameterAnnotations",
            "RuntimeInvisibleParameterAnnotations",
        ];
        known.extend_from_slice(COMMON);
        let ma = read_attrs(&mut i, &known)?;
        let after = i.pos;
        let mdesc = m.map_method_desc(&desc)?;
        let ni = p.utf8(&name)?;
        let di = p.utf8(&mdesc)?;
        let sig = match ma.at("Signature") {
            Some(at) => {
                i.pos = at;
                let s = i.rutf()?;
                Some(p.utf8(&m.signature_of(&s, 1)?)?)
            }
            None => None,
        };
        let mut exceptions = Vec::new();
        if let Some(at) = ma.at("Exceptions") {
            i.pos = at;
            for _ in 0..i.u2()? {
                let c = i.rclass()?;
                let mc = m.map_type(&c)?;
                exceptions.push(p.class(&mc)?);
            }
        }
        let params = match ma.at("MethodParameters") {
            Some(at) => {
                i.pos = at;
                let n = i.u1()?;
                let mut out = vec![n];
                if n == 0 {
                    // No visitParameter call: ASM writes no attribute.
                    None
                } else {
                    for _ in 0..n {
                        let name = i.u2()?;
                        let ni = if name == 0 { 0 } else { p.utf8(&i.utf(name)?)? };
                        out.extend_from_slice(&ni.to_be_bytes());
                        out.extend_from_slice(&i.u2()?.to_be_bytes());
                    }
                    Some(out)
                }
            }
            None => None,
        };
        let default = match ma.at("AnnotationDefault") {
            Some(at) => {
                i.pos = at;
                let mut out = Vec::new();
                element_value(&mut i, m, &mut p, &mut out)?;
                Some(out)
            }
            None => None,
        };
        let ann = Annotated::read(&mut i, m, &mut p, &ma.ann_offsets())?;
        let mut param_anns = [None, None];
        for (k, name) in [
            "RuntimeVisibleParameterAnnotations",
            "RuntimeInvisibleParameterAnnotations",
        ]
        .iter()
        .enumerate()
        {
            if let Some(at) = ma.at(name) {
                i.pos = at;
                let n = i.u1()?;
                let mut out = vec![n];
                let mut any = false;
                for _ in 0..n {
                    let (c, bytes) = annotations(&mut i, m, &mut p)?;
                    any |= c > 0;
                    out.extend_from_slice(&c.to_be_bytes());
                    out.extend_from_slice(&bytes);
                }
                // Without any annotation ASM never creates the parameters' writers.
                if any {
                    param_anns[k] = Some(out);
                }
            }
        }
        let code = match ma.at("Code") {
            Some(at) => {
                i.pos = at;
                let is_static = access & 0x0008 != 0;
                match code(&mut i, m, &mut p, &this_m, &name, &mdesc, is_static)? {
                    Some(c) => Some(c),
                    None => return Ok(None),
                }
            }
            None => None,
        };
        i.pos = after;
        let synthetic_attr = ma.at("Synthetic").is_some();
        methods.push((
            Member {
                access: if old {
                    access & !0x1000
                } else {
                    access | if synthetic_attr { 0x1000 } else { 0 }
                },
                synthetic: old && (synthetic_attr || access & 0x1000 != 0),
                name: ni,
                desc: di,
                sig,
                constant: None,
                deprecated: ma.known.contains_key("Deprecated"),
                ann,
                custom: ma.custom,
            },
            exceptions,
            params,
            default,
            param_anns,
            code,
        ));
    }

    // toByteArray: sizes first (attribute names join the pool in this order).
    for f in &fields {
        if f.constant.is_some() {
            p.utf8("ConstantValue")?;
        }
        common_names(&mut p, f.synthetic, f.sig.is_some(), f.deprecated)?;
        f.ann.names(&mut p)?;
        for (n, _) in &f.custom {
            p.utf8(n)?;
        }
    }
    for (mm, exceptions, params, default, param_anns, code) in &methods {
        if let Some(c) = code {
            c.names(&mut p)?;
        }
        if !exceptions.is_empty() {
            p.utf8("Exceptions")?;
        }
        common_names(&mut p, mm.synthetic, mm.sig.is_some(), mm.deprecated)?;
        mm.ann.names(&mut p)?;
        if param_anns[0].is_some() {
            p.utf8("RuntimeVisibleParameterAnnotations")?;
        }
        if param_anns[1].is_some() {
            p.utf8("RuntimeInvisibleParameterAnnotations")?;
        }
        if default.is_some() {
            p.utf8("AnnotationDefault")?;
        }
        if params.is_some() {
            p.utf8("MethodParameters")?;
        }
        for (n, _) in &mm.custom {
            p.utf8(n)?;
        }
    }
    let class_deprecated = ca.known.contains_key("Deprecated");
    let mut attrs = Vec::new();
    let mut attr_count = 0u16;
    if inner_count > 0 {
        attr(
            &mut attrs,
            p.utf8("InnerClasses")?,
            &[&inner_count.to_be_bytes(), &inner],
        );
        attr_count += 1;
    }
    if let Some((c, n)) = enclosing {
        attr(
            &mut attrs,
            p.utf8("EnclosingMethod")?,
            &[&c.to_be_bytes(), &n.to_be_bytes()],
        );
        attr_count += 1;
    }
    if class_synthetic {
        attr(&mut attrs, p.utf8("Synthetic")?, &[]);
        attr_count += 1;
    }
    if let Some(s) = class_sig {
        attr(&mut attrs, p.utf8("Signature")?, &[&s.to_be_bytes()]);
        attr_count += 1;
    }
    if let Some(s) = source {
        attr(&mut attrs, p.utf8("SourceFile")?, &[&s.to_be_bytes()]);
        attr_count += 1;
    }
    if let Some(d) = &debug {
        attr(&mut attrs, p.utf8("SourceDebugExtension")?, &[d]);
        attr_count += 1;
    }
    if class_deprecated {
        attr(&mut attrs, p.utf8("Deprecated")?, &[]);
        attr_count += 1;
    }
    class_ann.put(&mut p, &mut attrs, &mut attr_count)?;
    if !p.bootstrap.is_empty() {
        let name = p.utf8("BootstrapMethods")?;
        let mut body = (p.bootstrap.len() as u16).to_be_bytes().to_vec();
        for b in &p.bootstrap {
            body.extend_from_slice(b);
        }
        attr(&mut attrs, name, &[&body]);
        attr_count += 1;
    }
    if let Some(h) = nest_host {
        attr(&mut attrs, p.utf8("NestHost")?, &[&h.to_be_bytes()]);
        attr_count += 1;
    }
    for (name, list) in &class_lists {
        let mut body = (list.len() as u16).to_be_bytes().to_vec();
        for c in list {
            body.extend_from_slice(&c.to_be_bytes());
        }
        attr(&mut attrs, p.utf8(name)?, &[&body]);
        attr_count += 1;
    }
    if ca.at("Record").is_some() {
        let mut body = (record.len() as u16).to_be_bytes().to_vec();
        for (ni, di, sig, ann, custom) in &record {
            body.extend_from_slice(&ni.to_be_bytes());
            body.extend_from_slice(&di.to_be_bytes());
            let mut n = 0u16;
            let mut rattrs = Vec::new();
            put_common(&mut p, &mut rattrs, &mut n, false, *sig, false)?;
            ann.put(&mut p, &mut rattrs, &mut n)?;
            put_custom(custom, &mut p, &mut rattrs, &mut n)?;
            body.extend_from_slice(&n.to_be_bytes());
            body.extend_from_slice(&rattrs);
        }
        attr(&mut attrs, p.utf8("Record")?, &[&body]);
        attr_count += 1;
    }
    put_custom(&ca.custom, &mut p, &mut attrs, &mut attr_count)?;

    // Fields and methods (their attribute names are all in the pool by now).
    for f in &fields {
        fields_out.extend_from_slice(&f.access.to_be_bytes());
        fields_out.extend_from_slice(&f.name.to_be_bytes());
        fields_out.extend_from_slice(&f.desc.to_be_bytes());
        let mut body = Vec::new();
        let mut n = 0u16;
        if let Some(c) = f.constant {
            attr(&mut body, p.utf8("ConstantValue")?, &[&c.to_be_bytes()]);
            n += 1;
        }
        put_common(&mut p, &mut body, &mut n, f.synthetic, f.sig, f.deprecated)?;
        f.ann.put(&mut p, &mut body, &mut n)?;
        put_custom(&f.custom, &mut p, &mut body, &mut n)?;
        fields_out.extend_from_slice(&n.to_be_bytes());
        fields_out.extend_from_slice(&body);
    }
    let mut methods_out = n_methods.to_be_bytes().to_vec();
    for (mm, exceptions, params, default, param_anns, code) in &methods {
        methods_out.extend_from_slice(&mm.access.to_be_bytes());
        methods_out.extend_from_slice(&mm.name.to_be_bytes());
        methods_out.extend_from_slice(&mm.desc.to_be_bytes());
        let mut body = Vec::new();
        let mut n = 0u16;
        if let Some(c) = code {
            c.put(&mut p, &mut body)?;
            n += 1;
        }
        if !exceptions.is_empty() {
            let mut e = (exceptions.len() as u16).to_be_bytes().to_vec();
            for x in exceptions {
                e.extend_from_slice(&x.to_be_bytes());
            }
            attr(&mut body, p.utf8("Exceptions")?, &[&e]);
            n += 1;
        }
        put_common(
            &mut p,
            &mut body,
            &mut n,
            mm.synthetic,
            mm.sig,
            mm.deprecated,
        )?;
        mm.ann.put(&mut p, &mut body, &mut n)?;
        for (k, name) in [
            "RuntimeVisibleParameterAnnotations",
            "RuntimeInvisibleParameterAnnotations",
        ]
        .iter()
        .enumerate()
        {
            if let Some(a) = &param_anns[k] {
                attr(&mut body, p.utf8(name)?, &[a]);
                n += 1;
            }
        }
        if let Some(d) = default {
            attr(&mut body, p.utf8("AnnotationDefault")?, &[d]);
            n += 1;
        }
        if let Some(ps) = params {
            attr(&mut body, p.utf8("MethodParameters")?, &[ps]);
            n += 1;
        }
        put_custom(&mm.custom, &mut p, &mut body, &mut n)?;
        methods_out.extend_from_slice(&n.to_be_bytes());
        methods_out.extend_from_slice(&body);
    }

    let mut out = Vec::with_capacity(bytes.len() + 256);
    out.extend_from_slice(&bytes[..8]);
    out.extend_from_slice(&(p.count as u16).to_be_bytes());
    out.extend_from_slice(&p.bytes);
    out.extend_from_slice(&access.to_be_bytes());
    out.extend_from_slice(&this_index.to_be_bytes());
    out.extend_from_slice(&super_index.to_be_bytes());
    out.extend_from_slice(&(iface_indexes.len() as u16).to_be_bytes());
    for f in iface_indexes {
        out.extend_from_slice(&f.to_be_bytes());
    }
    out.extend_from_slice(&fields_out);
    out.extend_from_slice(&methods_out);
    out.extend_from_slice(&attr_count.to_be_bytes());
    out.extend_from_slice(&attrs);
    Ok(Some(out))
}

fn common_names(p: &mut Pool, synthetic: bool, sig: bool, deprecated: bool) -> Result<()> {
    if synthetic {
        p.utf8("Synthetic")?;
    }
    if sig {
        p.utf8("Signature")?;
    }
    if deprecated {
        p.utf8("Deprecated")?;
    }
    Ok(())
}

fn put_common(
    p: &mut Pool,
    out: &mut Vec<u8>,
    n: &mut u16,
    synthetic: bool,
    sig: Option<u16>,
    deprecated: bool,
) -> Result<()> {
    if synthetic {
        attr(out, p.utf8("Synthetic")?, &[]);
        *n += 1;
    }
    if let Some(s) = sig {
        attr(out, p.utf8("Signature")?, &[&s.to_be_bytes()]);
        *n += 1;
    }
    if deprecated {
        attr(out, p.utf8("Deprecated")?, &[]);
        *n += 1;
    }
    Ok(())
}

/// A verification type, names mapped; uninitialized ones by their new offset.
#[derive(Debug, Clone, PartialEq)]
enum Vt {
    Tag(u8),
    Object(String),
    Uninit(u32),
}

struct Code {
    max_stack: u16,
    max_locals: u16,
    code: Vec<u8>,
    handlers: Vec<u8>,
    n_handlers: u16,
    frames: Option<(u16, Vec<u8>)>,
    lines: Option<(u16, Vec<u8>)>,
    lvt: Option<(u16, Vec<u8>)>,
    lvtt: Option<(u16, Vec<u8>)>,
    /// RuntimeVisibleTypeAnnotations, RuntimeInvisibleTypeAnnotations of the code.
    type_annotations: [Option<(u16, Vec<u8>)>; 2],
    custom: Vec<(String, Vec<u8>)>,
}

impl Code {
    fn names(&self, p: &mut Pool) -> Result<()> {
        p.utf8("Code")?;
        if self.frames.is_some() {
            p.utf8("StackMapTable")?;
        }
        if self.lines.is_some() {
            p.utf8("LineNumberTable")?;
        }
        if self.lvt.is_some() {
            p.utf8("LocalVariableTable")?;
        }
        if self.lvtt.is_some() {
            p.utf8("LocalVariableTypeTable")?;
        }
        for (k, t) in self.type_annotations.iter().enumerate() {
            if t.is_some() {
                p.utf8(ANNOTATION_NAMES[2 + k])?;
            }
        }
        for (n, _) in &self.custom {
            p.utf8(n)?;
        }
        Ok(())
    }
    fn put(&self, p: &mut Pool, out: &mut Vec<u8>) -> Result<()> {
        let mut body = Vec::new();
        body.extend_from_slice(&self.max_stack.to_be_bytes());
        body.extend_from_slice(&self.max_locals.to_be_bytes());
        body.extend_from_slice(&(self.code.len() as u32).to_be_bytes());
        body.extend_from_slice(&self.code);
        body.extend_from_slice(&self.n_handlers.to_be_bytes());
        body.extend_from_slice(&self.handlers);
        let mut n = 0u16;
        let mut attrs = Vec::new();
        for (name, table) in [
            ("StackMapTable", &self.frames),
            ("LineNumberTable", &self.lines),
            ("LocalVariableTable", &self.lvt),
            ("LocalVariableTypeTable", &self.lvtt),
            (ANNOTATION_NAMES[2], &self.type_annotations[0]),
            (ANNOTATION_NAMES[3], &self.type_annotations[1]),
        ] {
            if let Some((count, bytes)) = table {
                attr(&mut attrs, p.utf8(name)?, &[&count.to_be_bytes(), bytes]);
                n += 1;
            }
        }
        put_custom(&self.custom, p, &mut attrs, &mut n)?;
        body.extend_from_slice(&n.to_be_bytes());
        body.extend_from_slice(&attrs);
        attr(out, p.utf8("Code")?, &[&body]);
        Ok(())
    }
}

/// Instruction lengths that do not depend on the pool (0 = variable or refused).
fn fixed_len(op: u8) -> usize {
    match op {
        0x00..=0x0f
        | 0x1a..=0x35
        | 0x3b..=0x83
        | 0x85..=0x98
        | 0xac..=0xb1
        | 0xbe
        | 0xbf
        | 0xc2
        | 0xc3 => 1,
        0x10 | 0x15..=0x19 | 0x36..=0x3a | 0xbc => 2,
        0x11 | 0x84 | 0x99..=0xa8 | 0xc6 | 0xc7 => 3,
        _ => 0,
    }
}

/// The Code attribute re-emitted as MethodWriter writes it; `None` when it holds what this
/// layout does not cover.
#[allow(clippy::too_many_arguments)]
fn code(
    i: &mut In<'_>,
    m: &mut Mapper<'_>,
    p: &mut Pool,
    owner: &str,
    name: &str,
    desc: &str,
    is_static: bool,
) -> Result<Option<Code>> {
    let max_stack = i.u2()?;
    let max_locals = i.u2()?;
    let len = i.u4()? as usize;
    let start = i.pos;
    let code_bytes = i.take(len)?.to_vec();
    let n_handlers = i.u2()?;
    let mut raw_handlers = Vec::new();
    for _ in 0..n_handlers {
        raw_handlers.push((i.u2()?, i.u2()?, i.u2()?, i.u2()?));
    }
    let known = [
        "StackMapTable",
        "LineNumberTable",
        "LocalVariableTable",
        "LocalVariableTypeTable",
        "RuntimeVisibleTypeAnnotations",
        "RuntimeInvisibleTypeAnnotations",
    ];
    let ca = read_attrs(i, &known)?;
    let _ = start;
    // Type annotations of the code: visible and invisible, each in attribute order.
    let mut tas: [Vec<CodeTa>; 2] = [Vec::new(), Vec::new()];
    let ta_at = [
        ca.at("RuntimeVisibleTypeAnnotations"),
        ca.at("RuntimeInvisibleTypeAnnotations"),
    ];
    for (k, at) in ta_at.iter().enumerate() {
        if let Some(at) = at {
            i.pos = *at;
            tas[k] = read_code_tas(i)?;
        }
    }
    // Written in visit order: exception parameters, instructions, local variables.
    let mut ta_out: [(u16, Vec<u8>); 2] = [(0, Vec::new()), (0, Vec::new())];
    // Instruction boundaries.
    let mut starts = Vec::new();
    let mut o = 0usize;
    while o < len {
        starts.push(o);
        let op = code_bytes[o];
        let l = match op {
            0x12 => 2,
            0x13 | 0x14 | 0xb2..=0xb8 | 0xbb | 0xbd | 0xc0 | 0xc1 => 3,
            0xb9 | 0xba => 5,
            0xc5 => 4,
            0xc4 => {
                let w = *short(code_bytes.get(o + 1))?;
                if w == 0x84 {
                    6
                } else {
                    4
                }
            }
            0xaa | 0xab => {
                let pad = (4 - (o + 1) % 4) % 4;
                let base = o + 1 + pad;
                let rd = |k: usize| -> Result<i32> {
                    let s = short(code_bytes.get(base + 4 * k..base + 4 * k + 4))?;
                    Ok(i32::from_be_bytes([s[0], s[1], s[2], s[3]]))
                };
                if op == 0xaa {
                    let (lo, hi) = (rd(1)?, rd(2)?);
                    1 + pad + 12 + 4 * usize::try_from(i64::from(hi) - i64::from(lo) + 1)?
                } else {
                    1 + pad + 8 + 8 * usize::try_from(rd(1)?)?
                }
            }
            0xa8 | 0xa9 | 0xc8 | 0xc9 => return Ok(None),
            op => match fixed_len(op) {
                0 => bail!("unknown opcode {op:#x}"),
                n => n,
            },
        };
        o += l;
    }
    if o != len {
        bail!("code runs past its end");
    }
    // Frames, expanded from the implicit first frame.
    let mut implicit: Vec<Vt> = Vec::new();
    if !is_static {
        implicit.push(if name == "<init>" {
            Vt::Tag(6)
        } else {
            Vt::Object(owner.to_string())
        });
    }
    {
        let mut rest = desc.strip_prefix('(').unwrap_or(desc);
        while !rest.starts_with(')') && !rest.is_empty() {
            let dims = rest.len() - rest.trim_start_matches('[').len();
            let c = short(rest[dims..].chars().next())?;
            let end = if c == 'L' {
                dims + short(rest[dims..].find(';'))? + 1
            } else {
                dims + 1
            };
            let t = &rest[..end];
            implicit.push(if dims > 0 {
                Vt::Object(t.to_string())
            } else {
                match c {
                    'Z' | 'B' | 'C' | 'S' | 'I' => Vt::Tag(1),
                    'F' => Vt::Tag(2),
                    'J' => Vt::Tag(4),
                    'D' => Vt::Tag(3),
                    _ => Vt::Object(t[1..t.len() - 1].to_string()),
                }
            });
            rest = &rest[end..];
        }
    }
    // (old offset, locals, stack) with old names and old uninitialized offsets.
    let mut frames: Vec<(usize, Vec<Vt>, Vec<Vt>)> = Vec::new();
    if let Some(at) = ca.at("StackMapTable") {
        i.pos = at;
        let n = i.u2()?;
        let mut locals = implicit.clone();
        let mut offset: i64 = -1;
        let vt = |i: &mut In<'_>| -> Result<Vt> {
            let t = i.u1()?;
            Ok(match t {
                0..=6 => Vt::Tag(t),
                7 => Vt::Object(i.rclass()?),
                8 => Vt::Uninit(u32::from(i.u2()?)),
                _ => bail!("unknown verification type {t}"),
            })
        };
        for _ in 0..n {
            let t = i.u1()?;
            let (delta, stack) = match t {
                0..=63 => (u32::from(t), vec![]),
                64..=127 => (u32::from(t - 64), vec![vt(i)?]),
                247 => {
                    let d = i.u2()?;
                    (u32::from(d), vec![vt(i)?])
                }
                248..=250 => {
                    let d = i.u2()?;
                    let k = usize::from(251 - t);
                    locals.truncate(short(locals.len().checked_sub(k))?);
                    (u32::from(d), vec![])
                }
                251 => (u32::from(i.u2()?), vec![]),
                252..=254 => {
                    let d = i.u2()?;
                    for _ in 0..(t - 251) {
                        locals.push(vt(i)?);
                    }
                    (u32::from(d), vec![])
                }
                255 => {
                    let d = i.u2()?;
                    locals.clear();
                    for _ in 0..i.u2()? {
                        locals.push(vt(i)?);
                    }
                    let mut stack = Vec::new();
                    for _ in 0..i.u2()? {
                        stack.push(vt(i)?);
                    }
                    (u32::from(d), stack)
                }
                _ => bail!("unknown frame type {t}"),
            };
            offset += i64::from(delta) + 1;
            frames.push((usize::try_from(offset)?, locals.clone(), stack));
        }
    }
    let mut lines: Vec<(usize, u16)> = Vec::new();
    if let Some(at) = ca.at("LineNumberTable") {
        i.pos = at;
        for _ in 0..i.u2()? {
            lines.push((usize::from(i.u2()?), i.u2()?));
        }
    }
    // ClassReader visits a label's line numbers in table order, labels in offset order.
    lines.sort_by_key(|(pc, _)| *pc);

    // Emit: exception handlers' catch types first (visitTryCatchBlock), then instructions.
    let mut handler_types = Vec::new();
    for (_, _, _, t) in &raw_handlers {
        handler_types.push(if *t == 0 {
            0
        } else {
            let c = i.class(*t)?;
            let mc = m.map_type(&c)?;
            p.class(&mc)?
        });
    }
    // readTypeAnnotations, in the order the two attributes appear: exception parameters.
    let file_order = match ta_at {
        [Some(v), Some(inv)] if inv < v => [1, 0],
        _ => [0, 1],
    };
    for k in file_order {
        for ta in &tas[k] {
            if ta.target == 0x42 {
                emit_ta(i, m, p, &mut ta_out[k], ta, &ta.info)?;
            }
        }
    }
    let mut ta_next = [0usize, 0usize];
    let mut new_at: HashMap<usize, usize> = HashMap::new();
    let mut out: Vec<u8> = Vec::with_capacity(len + 16);
    let mut jumps: Vec<(usize, usize, usize, bool)> = Vec::new(); // (patch at, insn new offset, old target, wide)
    let mut frame_iter = frames.iter().peekable();
    let mut frame_bytes = Vec::new();
    let mut previous: Option<Vec<Vt>> = None;
    let mut frame_count = 0u16;
    let mut prev_offset = 0usize;
    let rd2 = |o: usize| -> Result<u16> {
        let s = short(code_bytes.get(o..o + 2))?;
        Ok(u16::from_be_bytes([s[0], s[1]]))
    };
    let rd4 = |o: usize| -> Result<i32> {
        let s = short(code_bytes.get(o..o + 4))?;
        Ok(i32::from_be_bytes([s[0], s[1], s[2], s[3]]))
    };
    // Uninitialized types point at NEW instructions: their new offsets are known once those
    // instructions are placed, which precedes any frame that mentions them.
    for &o in &starts {
        let here = out.len();
        new_at.insert(o, here);
        while let Some((fo, _, _)) = frame_iter.peek() {
            if *fo != o {
                break;
            }
            let (_, locals, stack) = short(frame_iter.next())?;
            let map_vt = |v: &Vt, m: &mut Mapper<'_>| -> Result<Vt> {
                Ok(match v {
                    Vt::Object(n) => Vt::Object(m.map_type(n)?),
                    Vt::Uninit(old) => Vt::Uninit(*short(new_at.get(&(*old as usize)))? as u32),
                    t => t.clone(),
                })
            };
            let locals: Vec<Vt> = locals.iter().map(|v| map_vt(v, m)).collect::<Result<_>>()?;
            let stack: Vec<Vt> = stack.iter().map(|v| map_vt(v, m)).collect::<Result<_>>()?;
            let prev = match &previous {
                Some(pf) => pf.clone(),
                None => implicit
                    .iter()
                    .map(|v| match v {
                        Vt::Object(n) => m.map_type(n).map(Vt::Object),
                        t => Ok(t.clone()),
                    })
                    .collect::<Result<_>>()?,
            };
            put_frame(
                p,
                &mut frame_bytes,
                frame_count,
                here,
                prev_offset,
                &prev,
                &locals,
                &stack,
            )?;
            frame_count += 1;
            prev_offset = here;
            previous = Some(locals);
        }
        let op = code_bytes[o];
        match op {
            0x12..=0x14 => {
                let idx = if op == 0x12 {
                    u16::from(code_bytes[o + 1])
                } else {
                    rd2(o + 1)?
                };
                let c = match i.constant(idx)? {
                    Cv::Str(s) => Cv::Str(m.map(&s, true)),
                    Cv::Class(n) => Cv::Class(m.map_type(&n)?),
                    Cv::MethodType(d) => Cv::MethodType(m.map_method_desc(&d)?),
                    Cv::Handle(h) => Cv::Handle(map_handle(m, &h)?),
                    Cv::Dynamic(..) => return Ok(None),
                    other => other,
                };
                let ni = p.constant(&c)?;
                if matches!(c, Cv::Long(_) | Cv::Double(_)) {
                    out.push(0x14);
                    out.extend_from_slice(&ni.to_be_bytes());
                } else if ni >= 256 {
                    out.push(0x13);
                    out.extend_from_slice(&ni.to_be_bytes());
                } else {
                    out.push(0x12);
                    out.push(ni as u8);
                }
            }
            0xb2..=0xb8 => {
                let idx = rd2(o + 1)?;
                let (tag, owner, mname, mdesc) = i.member(idx)?;
                let owner = m.map_type(&owner)?;
                let ni = if op <= 0xb5 {
                    let d = m.map_desc(&mdesc)?;
                    p.member(9, &owner, &mname, &d)?
                } else {
                    let d = m.map_method_desc(&mdesc)?;
                    p.member(tag, &owner, &mname, &d)?
                };
                out.push(op);
                out.extend_from_slice(&ni.to_be_bytes());
            }
            0xb9 => {
                let idx = rd2(o + 1)?;
                let (tag, owner, mname, mdesc) = i.member(idx)?;
                let owner = m.map_type(&owner)?;
                let d = m.map_method_desc(&mdesc)?;
                let ni = p.member(tag, &owner, &mname, &d)?;
                out.push(op);
                out.extend_from_slice(&ni.to_be_bytes());
                out.push(arguments_size(&d));
                out.push(0);
            }
            0xba => {
                let idx = rd2(o + 1)?;
                let Some(Entry::Dynamic(18, bsm, nt)) = i.pool.get(idx as usize).cloned() else {
                    bail!("invokedynamic names no InvokeDynamic entry");
                };
                let (iname, idesc) = i.name_type(nt)?;
                let (h, args) = i.bsm(bsm)?;
                let idesc = m.map_method_desc(&idesc)?;
                let h = map_handle(m, &h)?;
                let mut margs = Vec::new();
                for a in args {
                    margs.push(match a {
                        Cv::Str(s) => Cv::Str(m.map(&s, true)),
                        Cv::Class(n) => Cv::Class(m.map_type(&n)?),
                        Cv::MethodType(d) => Cv::MethodType(m.map_method_desc(&d)?),
                        Cv::Handle(h) => Cv::Handle(map_handle(m, &h)?),
                        Cv::Dynamic(..) => return Ok(None),
                        other => other,
                    });
                }
                let ni = p.dynamic(18, &iname, &idesc, &h, &margs)?;
                out.push(op);
                out.extend_from_slice(&ni.to_be_bytes());
                out.extend_from_slice(&[0, 0]);
            }
            0xbb | 0xbd | 0xc0 | 0xc1 => {
                let c = i.class(rd2(o + 1)?)?;
                let mc = m.map_type(&c)?;
                out.push(op);
                out.extend_from_slice(&p.class(&mc)?.to_be_bytes());
            }
            0xc5 => {
                let c = i.class(rd2(o + 1)?)?;
                let mc = m.map_desc(&c)?;
                out.push(op);
                out.extend_from_slice(&p.class(&mc)?.to_be_bytes());
                out.push(code_bytes[o + 3]);
            }
            0x99..=0xa7 | 0xc6 | 0xc7 => {
                let target = (o as i64 + i64::from(rd2(o + 1)? as i16)) as usize;
                out.push(op);
                jumps.push((out.len(), here, target, false));
                out.extend_from_slice(&[0, 0]);
            }
            0x15..=0x19 | 0x36..=0x3a => {
                let var = code_bytes[o + 1];
                if var < 4 {
                    let base = if op < 0x36 {
                        0x1a + ((op - 0x15) << 2)
                    } else {
                        0x3b + ((op - 0x36) << 2)
                    };
                    out.push(base + var);
                } else {
                    out.extend_from_slice(&code_bytes[o..o + 2]);
                }
            }
            0xc4 => {
                let w = code_bytes[o + 1];
                let var = rd2(o + 2)?;
                if w == 0x84 {
                    let inc = rd2(o + 4)? as i16;
                    if var > 255 || !(-128..=127).contains(&inc) {
                        out.extend_from_slice(&code_bytes[o..o + 6]);
                    } else {
                        out.extend_from_slice(&[0x84, var as u8, inc as i8 as u8]);
                    }
                } else if var < 4 && w != 0xa9 {
                    let base = if w < 0x36 {
                        0x1a + ((w - 0x15) << 2)
                    } else {
                        0x3b + ((w - 0x36) << 2)
                    };
                    out.push(base + var as u8);
                } else if var >= 256 {
                    out.extend_from_slice(&code_bytes[o..o + 4]);
                } else {
                    out.extend_from_slice(&[w, var as u8]);
                }
            }
            0xaa | 0xab => {
                let pad_old = (4 - (o + 1) % 4) % 4;
                let base = o + 1 + pad_old;
                out.push(op);
                let pad_new = (4 - out.len() % 4) % 4;
                out.extend(std::iter::repeat_n(0u8, pad_new));
                let target = |k: usize| -> Result<usize> {
                    Ok((o as i64 + i64::from(rd4(base + 4 * k)?)) as usize)
                };
                jumps.push((out.len(), here, target(0)?, true));
                out.extend_from_slice(&[0; 4]);
                if op == 0xaa {
                    let (lo, hi) = (rd4(base + 4)?, rd4(base + 8)?);
                    out.extend_from_slice(&code_bytes[base + 4..base + 12]);
                    for k in 0..usize::try_from(i64::from(hi) - i64::from(lo) + 1)? {
                        jumps.push((out.len(), here, target(3 + k)?, true));
                        out.extend_from_slice(&[0; 4]);
                    }
                } else {
                    let n = usize::try_from(rd4(base + 4)?)?;
                    out.extend_from_slice(&code_bytes[base + 4..base + 8]);
                    for k in 0..n {
                        out.extend_from_slice(&code_bytes[base + 8 + 8 * k..base + 12 + 8 * k]);
                        let t = (o as i64 + i64::from(rd4(base + 12 + 8 * k)?)) as usize;
                        jumps.push((out.len(), here, t, true));
                        out.extend_from_slice(&[0; 4]);
                    }
                }
            }
            op => {
                let l = fixed_len(op);
                out.extend_from_slice(&code_bytes[o..o + l]);
            }
        }
        // The instruction's type annotations (visible, then invisible), consumed in attribute
        // order as ClassReader does.
        for k in 0..2 {
            while let Some(ta) = tas[k].get(ta_next[k]) {
                let target_offset = ta.insn_offset();
                if target_offset.is_some_and(|t| t > o) {
                    break;
                }
                if target_offset == Some(o) {
                    let mut info = u16::try_from(here)?.to_be_bytes().to_vec();
                    info.extend_from_slice(&ta.info[2..]);
                    emit_ta(i, m, p, &mut ta_out[k], ta, &info)?;
                }
                ta_next[k] += 1;
            }
        }
    }
    new_at.insert(len, out.len());
    if frame_iter.next().is_some() {
        bail!("a stack map frame is not at an instruction");
    }
    let at = |old: usize| -> Result<usize> {
        new_at
            .get(&old)
            .copied()
            .ok_or_else(|| anyhow!("offset {old} is not an instruction"))
    };
    for (patch, insn, target, wide) in jumps {
        let delta = at(target)? as i64 - insn as i64;
        if wide {
            out[patch..patch + 4].copy_from_slice(&(delta as i32).to_be_bytes());
        } else {
            let d = i16::try_from(delta).map_err(|_| anyhow!("jump too far"))?;
            out[patch..patch + 2].copy_from_slice(&d.to_be_bytes());
        }
    }
    let mut handlers = Vec::new();
    for ((s, e, h, _), t) in raw_handlers.iter().zip(&handler_types) {
        for v in [
            at(usize::from(*s))?,
            at(usize::from(*e))?,
            at(usize::from(*h))?,
        ] {
            handlers.extend_from_slice(&u16::try_from(v)?.to_be_bytes());
        }
        handlers.extend_from_slice(&t.to_be_bytes());
    }
    let lines_out = if !lines.is_empty() {
        let mut b = Vec::new();
        for (pc, line) in &lines {
            b.extend_from_slice(&u16::try_from(at(*pc)?)?.to_be_bytes());
            b.extend_from_slice(&line.to_be_bytes());
        }
        Some((lines.len() as u16, b))
    } else {
        None
    };
    // Local variables: LVT order, each with its LVTT signature (matched by start and index).
    let mut sigs: Vec<(u16, u16, String)> = Vec::new();
    if let Some(a) = ca.at("LocalVariableTypeTable") {
        i.pos = a;
        for _ in 0..i.u2()? {
            let s = i.u2()?;
            i.u2()?;
            i.u2()?;
            let sig = i.rutf()?;
            let idx = i.u2()?;
            sigs.push((s, idx, sig));
        }
    }
    let (mut lvt, mut lvtt) = (None::<(u16, Vec<u8>)>, None::<(u16, Vec<u8>)>);
    if let Some(a) = ca.at("LocalVariableTable") {
        i.pos = a;
        let n = i.u2()?;
        let mut t = (0u16, Vec::new());
        let mut tt = (0u16, Vec::new());
        for _ in 0..n {
            let s = i.u2()?;
            let l = i.u2()?;
            let vname = i.rutf()?;
            let vdesc = i.rutf()?;
            let idx = i.u2()?;
            let ns = u16::try_from(at(usize::from(s))?)?;
            let ne = u16::try_from(at(usize::from(s) + usize::from(l))?)?;
            let sig = sigs.iter().find(|(ss, ii, _)| *ss == s && *ii == idx);
            if let Some((_, _, sig)) = sig {
                let sig = m.signature_of(sig, 2)?;
                let ni = p.utf8(&vname)?;
                let si = p.utf8(&sig)?;
                for v in [ns, short(ne.checked_sub(ns))?, ni, si, idx] {
                    tt.1.extend_from_slice(&v.to_be_bytes());
                }
                tt.0 += 1;
            }
            let ni = p.utf8(&vname)?;
            let di = p.utf8(&m.map_desc(&vdesc)?)?;
            for v in [ns, short(ne.checked_sub(ns))?, ni, di, idx] {
                t.1.extend_from_slice(&v.to_be_bytes());
            }
            t.0 += 1;
        }
        // ASM writes a table only when a variable was visited.
        if t.0 > 0 {
            lvt = Some(t);
        }
        if tt.0 > 0 {
            lvtt = Some(tt);
        }
    }
    // Local variable type annotations, visible then invisible, their ranges moved.
    for k in 0..2 {
        for ta in &tas[k] {
            if ta.target == 0x40 || ta.target == 0x41 {
                let n = usize::from(u16::from_be_bytes([ta.info[0], ta.info[1]]));
                let mut info = ta.info[..2].to_vec();
                for e in 0..n {
                    let r = &ta.info[2 + 6 * e..8 + 6 * e];
                    let s0 = usize::from(u16::from_be_bytes([r[0], r[1]]));
                    let l0 = usize::from(u16::from_be_bytes([r[2], r[3]]));
                    let ns = u16::try_from(at(s0)?)?;
                    let ne = u16::try_from(at(s0 + l0)?)?;
                    info.extend_from_slice(&ns.to_be_bytes());
                    info.extend_from_slice(&short(ne.checked_sub(ns))?.to_be_bytes());
                    info.extend_from_slice(&r[4..6]);
                }
                emit_ta(i, m, p, &mut ta_out[k], ta, &info)?;
            }
        }
    }
    let [vis_out, invis_out] = ta_out;
    Ok(Some(Code {
        max_stack,
        max_locals,
        code: out,
        handlers,
        n_handlers,
        frames: (frame_count > 0).then_some((frame_count, frame_bytes)),
        lines: lines_out,
        lvt,
        lvtt,
        type_annotations: [
            (vis_out.0 > 0).then_some(vis_out),
            (invis_out.0 > 0).then_some(invis_out),
        ],
        custom: ca.custom,
    }))
}

/// A type annotation of a Code attribute: target type and info, path, and where its
/// annotation (type index onwards) starts in the class bytes.
struct CodeTa {
    target: u8,
    info: Vec<u8>,
    path: Vec<u8>,
    ann_at: usize,
}

impl CodeTa {
    /// The instruction offset of an instruction's annotation (`None` for other targets).
    fn insn_offset(&self) -> Option<usize> {
        (0x43..=0x4B)
            .contains(&self.target)
            .then(|| usize::from(u16::from_be_bytes([self.info[0], self.info[1]])))
    }
}

fn read_code_tas(i: &mut In<'_>) -> Result<Vec<CodeTa>> {
    let n = i.u2()?;
    let mut out = Vec::with_capacity(usize::from(n));
    for _ in 0..n {
        let target = i.u1()?;
        let info = match target {
            0x40 | 0x41 => {
                let len = usize::from(i.u2()?);
                i.pos -= 2;
                i.take(2 + 6 * len)?.to_vec()
            }
            0x42..=0x46 => i.take(2)?.to_vec(),
            0x47..=0x4B => i.take(3)?.to_vec(),
            other => bail!("type annotation target {other:#x} inside code"),
        };
        let path_len = usize::from(i.u1()?);
        i.pos -= 1;
        let path = i.take(1 + 2 * path_len)?.to_vec();
        let ann_at = i.pos;
        skip_annotation(i)?;
        out.push(CodeTa {
            target,
            info,
            path,
            ann_at,
        });
    }
    Ok(out)
}

fn skip_annotation(i: &mut In<'_>) -> Result<()> {
    i.u2()?;
    for _ in 0..i.u2()? {
        i.u2()?;
        skip_element_value(i)?;
    }
    Ok(())
}

fn skip_element_value(i: &mut In<'_>) -> Result<()> {
    match i.u1()? {
        b'e' => drop(i.take(4)?),
        b'@' => skip_annotation(i)?,
        b'[' => {
            for _ in 0..i.u2()? {
                skip_element_value(i)?;
            }
        }
        _ => drop(i.take(2)?),
    }
    Ok(())
}

/// One code type annotation visited: target (with `info`), path, then the annotation mapped.
fn emit_ta(
    i: &mut In<'_>,
    m: &mut Mapper<'_>,
    p: &mut Pool,
    list: &mut (u16, Vec<u8>),
    ta: &CodeTa,
    info: &[u8],
) -> Result<()> {
    list.1.push(ta.target);
    list.1.extend_from_slice(info);
    list.1.extend_from_slice(&ta.path);
    let saved = i.pos;
    i.pos = ta.ann_at;
    annotation(i, m, p, &mut list.1)?;
    i.pos = saved;
    list.0 += 1;
    Ok(())
}

fn map_handle(m: &mut Mapper<'_>, h: &Handle) -> Result<Handle> {
    Ok(Handle {
        kind: h.kind,
        owner: m.map_type(&h.owner)?,
        name: h.name.clone(),
        desc: if h.kind <= 4 {
            m.map_desc(&h.desc)?
        } else {
            m.map_method_desc(&h.desc)?
        },
        itf: h.itf,
    })
}

/// Type.getArgumentsAndReturnSizes(desc) >> 2, plus one for the receiver.
fn arguments_size(desc: &str) -> u8 {
    let mut size = 1u32;
    let mut rest = desc.strip_prefix('(').unwrap_or(desc);
    while let Some(c) = rest.chars().next() {
        if c == ')' {
            break;
        }
        let dims = rest.len() - rest.trim_start_matches('[').len();
        let c = rest[dims..].chars().next().unwrap_or('V');
        let end = if c == 'L' {
            dims + rest[dims..].find(';').unwrap_or(0) + 1
        } else {
            dims + 1
        };
        size += if dims == 0 && (c == 'J' || c == 'D') {
            2
        } else {
            1
        };
        rest = &rest[end..];
    }
    size as u8
}

/// MethodWriter.putFrame: the frame at `offset` relative to the previous one's locals.
#[allow(clippy::too_many_arguments)]
fn put_frame(
    p: &mut Pool,
    out: &mut Vec<u8>,
    count: u16,
    offset: usize,
    prev_offset: usize,
    prev: &[Vt],
    locals: &[Vt],
    stack: &[Vt],
) -> Result<()> {
    let delta = if count == 0 {
        offset
    } else {
        short(offset.checked_sub(prev_offset + 1))?
    };
    let delta16 = u16::try_from(delta)?;
    let local_delta = locals.len() as i64 - prev.len() as i64;
    let mut kind = 255u8;
    if stack.is_empty() {
        kind = match local_delta {
            -3..=-1 => 248,
            0 => {
                if delta < 64 {
                    0
                } else {
                    251
                }
            }
            1..=3 => 252,
            _ => 255,
        };
    } else if local_delta == 0 && stack.len() == 1 {
        kind = if delta < 63 { 64 } else { 247 };
    }
    if kind != 255 && locals.iter().zip(prev).any(|(a, b)| a != b) {
        kind = 255;
    }
    match kind {
        0 => out.push(delta as u8),
        64 => {
            out.push(64 + delta as u8);
            put_vt(p, out, &stack[0])?;
        }
        247 => {
            out.push(247);
            out.extend_from_slice(&delta16.to_be_bytes());
            put_vt(p, out, &stack[0])?;
        }
        248 => {
            out.push((251 + local_delta) as u8);
            out.extend_from_slice(&delta16.to_be_bytes());
        }
        251 => {
            out.push(251);
            out.extend_from_slice(&delta16.to_be_bytes());
        }
        252 => {
            out.push((251 + local_delta) as u8);
            out.extend_from_slice(&delta16.to_be_bytes());
            for v in &locals[prev.len()..] {
                put_vt(p, out, v)?;
            }
        }
        _ => {
            out.push(255);
            out.extend_from_slice(&delta16.to_be_bytes());
            out.extend_from_slice(&(locals.len() as u16).to_be_bytes());
            for v in locals {
                put_vt(p, out, v)?;
            }
            out.extend_from_slice(&(stack.len() as u16).to_be_bytes());
            for v in stack {
                put_vt(p, out, v)?;
            }
        }
    }
    Ok(())
}

fn put_vt(p: &mut Pool, out: &mut Vec<u8>, v: &Vt) -> Result<()> {
    match v {
        Vt::Tag(t) => out.push(*t),
        Vt::Object(n) => {
            out.push(7);
            out.extend_from_slice(&p.class(n)?.to_be_bytes());
        }
        Vt::Uninit(o) => {
            out.push(8);
            out.extend_from_slice(&u16::try_from(*o)?.to_be_bytes());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invokeinterface_counts_the_receiver_and_wide_arguments() {
        assert_eq!(arguments_size("()V"), 1);
        assert_eq!(arguments_size("(IJ[DLa/B;D)Z"), 8);
    }

    #[test]
    fn frames_compress_as_method_writer_does() {
        let mut p = Pool::new();
        let i = || Vt::Tag(1);
        let o = || Vt::Object("a/B".to_string());
        let mut out = Vec::new();
        // First frame: delta is the offset; one more local: append.
        put_frame(&mut p, &mut out, 0, 5, 0, &[i()], &[i(), o()], &[]).unwrap();
        assert_eq!(out, [252, 0, 5, 7, 0, 2]);
        out.clear();
        // Same locals, one stack item, small delta.
        put_frame(&mut p, &mut out, 1, 10, 5, &[i()], &[i()], &[o()]).unwrap();
        assert_eq!(out, [64 + 4, 7, 0, 2]);
        out.clear();
        // Two locals fewer: chop 2; a changed local instead: full frame.
        put_frame(&mut p, &mut out, 2, 100, 10, &[i(), o(), i()], &[i()], &[]).unwrap();
        assert_eq!(out, [249, 0, 89]);
        out.clear();
        put_frame(&mut p, &mut out, 3, 101, 100, &[i()], &[o()], &[]).unwrap();
        assert_eq!(out, [255, 0, 0, 0, 1, 7, 0, 2, 0, 0]);
    }
}
