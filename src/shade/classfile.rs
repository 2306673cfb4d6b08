//! Relocating one class file as maven-shade-plugin 3.5.1's ShadeClassRemapper (ASM 9.5
//! ClassRemapper) maps its names: constant-pool class names, descriptors (fields, methods,
//! NameAndType, MethodType, local variables, record components, annotations), generic
//! signatures (inner class types as SignatureRemapper spells them), string constants and
//! annotation strings (dotted or slashed class names, `mapValue`), inner class simple names
//! (`mapInnerClassName`) and the SourceFile name (relocated with the entry's package). Module
//! and package names stay, as ASM 9.5's Remapper leaves them.
//!
//! Like maven-shade-plugin, a class in which nothing maps to a new name keeps its bytes
//! ([`relocate`] gives `None`). Otherwise the rewrite is in place: the constant pool keeps its
//! order and the code its bytes, each Utf8 entry takes its mapped value, and a Utf8 entry whose
//! users need different values (a name shared by a class reference and a plain string, say)
//! keeps the first user's and the others point at entries appended to the pool. That in-place
//! form is the fallback: a class [`super::asm_layout`] can lay out is written as
//! maven-shade-plugin's ASM writes it (same bytes).

use anyhow::{anyhow, bail, Result};

use super::relocator::Relocators;

/// How a user of a Utf8 entry maps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Names of fields, methods, attributes, modules, packages: unchanged.
    Keep,
    /// A CONSTANT_Class name: an internal name, or an array descriptor.
    Class,
    Desc,
    MethodDesc,
    /// A string constant or annotation string (`mapValue`).
    Value,
    ClassSignature,
    MethodSignature,
    TypeSignature,
    SourceFile,
    /// InnerClasses' simple name of the class whose CONSTANT_Class is this pool index.
    InnerName(u16),
}

/// Where the index of a Utf8 entry is written.
#[derive(Debug, Clone, Copy)]
enum Site {
    /// Field `0` or `1` of pool entry `i`.
    Pool(usize, usize),
    /// A u2 at this offset of the bytes after the pool.
    Body(usize),
}

#[derive(Debug, Clone)]
enum Const {
    Utf8(Vec<u8>),
    /// Entries without Utf8 references, raw (tag included).
    Raw(Vec<u8>),
    /// tag and up to two u2 references (`refs[k]` is a Utf8 index when `utf8[k]`).
    Refs {
        tag: u8,
        refs: [u16; 2],
        n: usize,
    },
    /// The second slot of a long or double.
    Gap,
}

/// The class with every name mapped by `relocators`, or `None` when nothing maps to a new name
/// (maven-shade-plugin then writes the original bytes). `entry` is the class's path in its jar
/// (its package qualifies the SourceFile name). An error says what is malformed.
pub fn relocate(bytes: &[u8], entry: &str, relocators: &Relocators) -> Result<Option<Vec<u8>>> {
    relocate_with(bytes, entry, relocators, true)
}

/// [`relocate`]; `asm`: lay a changed class out as ASM does when it can (else always in place).
fn relocate_with(
    bytes: &[u8],
    entry: &str,
    relocators: &Relocators,
    asm: bool,
) -> Result<Option<Vec<u8>>> {
    let mut r = Reader { b: bytes, pos: 0 };
    if r.u4()? != 0xCAFE_BABE {
        bail!("not a class file (no 0xCAFEBABE magic)");
    }
    let _version = r.take(4)?;
    let mut pool = read_pool(&mut r)?;
    let body_start = r.pos;
    let mut sites = pool_sites(&pool)?;
    sites.extend(body_sites(&bytes[body_start..], &pool)?);

    let package = &entry[..entry.rfind('/').map_or(0, |s| s + 1)];
    let mut mapper = Mapper {
        relocators,
        remapped: false,
    };
    let mut mapped: Vec<(Site, u16, String)> = Vec::with_capacity(sites.len());
    for (site, index, role) in sites {
        let original = utf8(&pool, index)?;
        let Some(original) = original.text() else {
            // Not valid UTF-16 (a lone surrogate): no class name, left as is.
            continue;
        };
        let value = map_role(&mut mapper, &pool, package, role, original)?;
        mapped.push((site, index, value));
    }
    if !mapper.remapped {
        return Ok(None);
    }
    // The layout ASM writes when this class is within what it reproduces; the in-place rewrite
    // (javac's constant-pool order) otherwise.
    let mut fresh = Mapper {
        relocators,
        remapped: false,
    };
    if asm {
        if let Ok(Some(out)) = super::asm_layout::write(bytes, entry, &mut fresh) {
            return Ok(Some(out));
        }
    }
    rewrite_in_place(bytes, body_start, &mut pool, mapped).map(Some)
}

/// The constant pool, entries at their indexes (a long or double followed by a gap).
fn read_pool(r: &mut Reader<'_>) -> Result<Vec<Const>> {
    let bytes = r.b;
    let count = r.u2()? as usize;
    let mut pool = vec![Const::Gap; count.max(1)];
    let mut i = 1;
    while i < count {
        let start = r.pos;
        let tag = r.u1()?;
        pool[i] = match tag {
            1 => {
                let len = r.u2()? as usize;
                Const::Utf8(r.take(len)?.to_vec())
            }
            3 | 4 => {
                r.take(4)?;
                Const::Raw(bytes[start..r.pos].to_vec())
            }
            5 | 6 => {
                r.take(8)?;
                i += 1;
                Const::Raw(bytes[start..r.pos].to_vec())
            }
            7 | 8 | 16 | 19 | 20 => Const::Refs {
                tag,
                refs: [r.u2()?, 0],
                n: 1,
            },
            9 | 10 | 11 | 12 | 17 | 18 => Const::Refs {
                tag,
                refs: [r.u2()?, r.u2()?],
                n: 2,
            },
            15 => {
                r.take(3)?;
                Const::Raw(bytes[start..r.pos].to_vec())
            }
            other => bail!("constant pool entry {i} has unknown tag {other}"),
        };
        i += 1;
    }
    Ok(pool)
}

/// The Utf8 references of the pool's own entries and how each maps.
fn pool_sites(pool: &[Const]) -> Result<Vec<(Site, u16, Role)>> {
    let mut sites: Vec<(Site, u16, Role)> = Vec::new();
    for (index, c) in pool.iter().enumerate() {
        if let Const::Refs { tag, refs, .. } = c {
            match tag {
                7 => sites.push((Site::Pool(index, 0), refs[0], Role::Class)),
                8 => sites.push((Site::Pool(index, 0), refs[0], Role::Value)),
                16 => sites.push((Site::Pool(index, 0), refs[0], Role::MethodDesc)),
                19 | 20 => sites.push((Site::Pool(index, 0), refs[0], Role::Keep)),
                12 => {
                    sites.push((Site::Pool(index, 0), refs[0], Role::Keep));
                    let desc = utf8(pool, refs[1])?;
                    let role = if desc.text().is_some_and(|d| d.starts_with('(')) {
                        Role::MethodDesc
                    } else {
                        Role::Desc
                    };
                    sites.push((Site::Pool(index, 1), refs[1], role));
                }
                _ => {}
            }
        }
    }
    Ok(sites)
}

/// The Utf8 references of the bytes after the pool (`body`) and how each maps.
fn body_sites(body: &[u8], pool: &[Const]) -> Result<Vec<(Site, u16, Role)>> {
    let mut walk = Body {
        r: Reader { b: body, pos: 0 },
        sites: Vec::new(),
        pool,
    };
    walk.class()?;
    if walk.r.pos != walk.r.b.len() {
        bail!(
            "{} bytes after the class file's end",
            walk.r.b.len() - walk.r.pos
        );
    }
    Ok(walk
        .sites
        .iter()
        .map(|(o, i, role)| (Site::Body(*o), *i, *role))
        .collect())
}

/// The value one user of a Utf8 entry (`original`) gives it.
fn map_role(
    mapper: &mut Mapper<'_>,
    pool: &[Const],
    package: &str,
    role: Role,
    original: &str,
) -> Result<String> {
    Ok(match role {
        Role::Keep => original.to_string(),
        Role::Class => mapper.map_type(original)?,
        Role::Desc => mapper.map_desc(original)?,
        Role::MethodDesc => mapper.map_method_desc(original)?,
        Role::Value => mapper.map(original, true),
        Role::ClassSignature => mapper.signature(original, SigKind::Class)?,
        Role::MethodSignature => mapper.signature(original, SigKind::Method)?,
        Role::TypeSignature => mapper.signature(original, SigKind::Type)?,
        Role::SourceFile => {
            let full = mapper.map(&format!("{package}{original}"), false);
            full[full.rfind('/').map_or(0, |s| s + 1)..].to_string()
        }
        Role::InnerName(class) => {
            let name = match pool.get(class as usize) {
                Some(Const::Refs { tag: 7, refs, .. }) => utf8(pool, refs[0])?,
                _ => bail!("InnerClasses names pool entry {class}, not a class"),
            };
            let name = name.text().unwrap_or_default();
            mapper.inner_class_name(name, original)?
        }
    })
}

/// The in-place rewrite: each Utf8 entry takes its first user's value; other values go to
/// appended entries.
fn rewrite_in_place(
    bytes: &[u8],
    body_start: usize,
    pool: &mut [Const],
    mapped: Vec<(Site, u16, String)>,
) -> Result<Vec<u8>> {
    let mut chosen: Vec<Option<String>> = vec![None; pool.len()];
    let mut appended: Vec<String> = Vec::new();
    let mut out_body = bytes[body_start..].to_vec();
    for (site, index, value) in mapped {
        let slot = &mut chosen[index as usize];
        let target = match slot {
            None => {
                *slot = Some(value);
                continue;
            }
            Some(v) if *v == value => continue,
            Some(_) => match appended.iter().position(|a| *a == value) {
                Some(k) => pool.len() + k,
                None => {
                    appended.push(value);
                    pool.len() + appended.len() - 1
                }
            },
        };
        let target = u16::try_from(target)
            .map_err(|_| anyhow!("the relocated constant pool would exceed 65535 entries"))?;
        match site {
            Site::Pool(i, k) => {
                if let Const::Refs { refs, .. } = &mut pool[i] {
                    refs[k] = target;
                }
            }
            Site::Body(offset) => {
                out_body[offset..offset + 2].copy_from_slice(&target.to_be_bytes())
            }
        }
    }
    let total = pool.len() + appended.len();
    let total = u16::try_from(total)
        .map_err(|_| anyhow!("the relocated constant pool would exceed 65535 entries"))?;
    let mut out = Vec::with_capacity(bytes.len() + 64);
    out.extend_from_slice(&bytes[..8]);
    out.extend_from_slice(&total.to_be_bytes());
    put_pool(&mut out, pool, &chosen)?;
    for v in &appended {
        put_utf8(&mut out, v)?;
    }
    out.extend_from_slice(&out_body);
    Ok(out)
}

/// The pool's entries (from index 1), a Utf8 entry with its chosen value when it has one.
fn put_pool(out: &mut Vec<u8>, pool: &[Const], chosen: &[Option<String>]) -> Result<()> {
    for (index, c) in pool.iter().enumerate().skip(1) {
        match c {
            Const::Utf8(raw) => match &chosen[index] {
                Some(v) => put_utf8(out, v)?,
                None => {
                    out.push(1);
                    out.extend_from_slice(&(raw.len() as u16).to_be_bytes());
                    out.extend_from_slice(raw);
                }
            },
            Const::Raw(raw) => out.extend_from_slice(raw),
            Const::Refs { tag, refs, n } => {
                out.push(*tag);
                for r in &refs[..*n] {
                    out.extend_from_slice(&r.to_be_bytes());
                }
            }
            Const::Gap => {}
        }
    }
    Ok(())
}

/// A Utf8 entry's text (modified UTF-8 read as UTF-16 units).
struct Text(Option<String>);

impl Text {
    fn text(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

fn utf8(pool: &[Const], index: u16) -> Result<Text> {
    match pool.get(index as usize) {
        Some(Const::Utf8(raw)) => Ok(Text(decode_mutf8(raw)?)),
        _ => bail!("constant pool index {index} is not a Utf8 entry"),
    }
}

/// Modified UTF-8 to a string; `None` when its UTF-16 holds a lone surrogate.
pub(super) fn decode_mutf8(raw: &[u8]) -> Result<Option<String>> {
    if let Ok(s) = std::str::from_utf8(raw) {
        if !s.contains('\0') && !s.chars().any(|c| c as u32 > 0xFFFF) {
            return Ok(Some(s.to_string()));
        }
    }
    let mut units = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        let cont = |k: usize| -> Result<u16> {
            match raw.get(i + k) {
                Some(c) if c & 0xC0 == 0x80 => Ok(u16::from(c & 0x3F)),
                _ => bail!("malformed modified UTF-8 in the constant pool"),
            }
        };
        if b < 0x80 {
            units.push(u16::from(b));
            i += 1;
        } else if b & 0xE0 == 0xC0 {
            units.push((u16::from(b & 0x1F) << 6) | cont(1)?);
            i += 2;
        } else if b & 0xF0 == 0xE0 {
            units.push((u16::from(b & 0x0F) << 12) | (cont(1)? << 6) | cont(2)?);
            i += 3;
        } else {
            bail!("malformed modified UTF-8 in the constant pool");
        }
    }
    Ok(String::from_utf16(&units).ok())
}

/// A Utf8 constant (tag, length, modified UTF-8).
pub(super) fn put_utf8_into(out: &mut Vec<u8>, value: &str) -> Result<()> {
    put_utf8(out, value)
}

fn put_utf8(out: &mut Vec<u8>, value: &str) -> Result<()> {
    let mut raw = Vec::with_capacity(value.len());
    for unit in value.encode_utf16() {
        match unit {
            1..=0x7F => raw.push(unit as u8),
            0 | 0x80..=0x7FF => {
                raw.push(0xC0 | (unit >> 6) as u8);
                raw.push(0x80 | (unit & 0x3F) as u8);
            }
            _ => {
                raw.push(0xE0 | (unit >> 12) as u8);
                raw.push(0x80 | ((unit >> 6) & 0x3F) as u8);
                raw.push(0x80 | (unit & 0x3F) as u8);
            }
        }
    }
    let len = u16::try_from(raw.len())
        .map_err(|_| anyhow!("a relocated name is longer than a class file can hold"))?;
    out.push(1);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&raw);
    Ok(())
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.b.len())
            .ok_or_else(|| anyhow!("truncated class file"))?;
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
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Class,
    Field,
    Method,
    Code,
    Record,
}

/// Walks the structures after the pool, noting each u2 that names a Utf8 entry.
struct Body<'a> {
    r: Reader<'a>,
    sites: Vec<(usize, u16, Role)>,
    pool: &'a [Const],
}

impl Body<'_> {
    fn site(&mut self, role: Role) -> Result<()> {
        let at = self.r.pos;
        let index = self.r.u2()?;
        self.sites.push((at, index, role));
        Ok(())
    }

    fn optional_site(&mut self, role: Role) -> Result<()> {
        let at = self.r.pos;
        let index = self.r.u2()?;
        if index != 0 {
            self.sites.push((at, index, role));
        }
        Ok(())
    }

    fn class(&mut self) -> Result<()> {
        self.r.take(6)?;
        let interfaces = self.r.u2()? as usize;
        self.r.take(2 * interfaces)?;
        for ctx in [Ctx::Field, Ctx::Method] {
            let n = self.r.u2()?;
            for _ in 0..n {
                self.r.take(2)?;
                self.site(Role::Keep)?;
                self.site(if ctx == Ctx::Field {
                    Role::Desc
                } else {
                    Role::MethodDesc
                })?;
                self.attributes(ctx)?;
            }
        }
        self.attributes(Ctx::Class)
    }

    fn attributes(&mut self, ctx: Ctx) -> Result<()> {
        let n = self.r.u2()?;
        for _ in 0..n {
            let name_at = self.r.pos;
            let name_index = self.r.u2()?;
            self.sites.push((name_at, name_index, Role::Keep));
            let len = self.r.u4()? as usize;
            let end = self
                .r
                .pos
                .checked_add(len)
                .filter(|e| *e <= self.r.b.len())
                .ok_or_else(|| anyhow!("truncated attribute"))?;
            let name = utf8(self.pool, name_index)?
                .text()
                .unwrap_or_default()
                .to_string();
            self.attribute(&name, ctx)?;
            if self.r.pos != end {
                bail!("attribute {name} is {len} bytes long but its content is not");
            }
        }
        Ok(())
    }

    /// The content of attribute `name` of a `ctx` structure (after its length).
    fn attribute(&mut self, name: &str, ctx: Ctx) -> Result<()> {
        match name {
            "Signature" => self.site(match ctx {
                Ctx::Class => Role::ClassSignature,
                Ctx::Method => Role::MethodSignature,
                _ => Role::TypeSignature,
            }),
            "SourceFile" if ctx == Ctx::Class => self.site(Role::SourceFile),
            "InnerClasses" if ctx == Ctx::Class => self.inner_classes(),
            "Code" if ctx == Ctx::Method => self.code(),
            "LocalVariableTable" if ctx == Ctx::Code => self.local_variables(Role::Desc),
            "LocalVariableTypeTable" if ctx == Ctx::Code => {
                self.local_variables(Role::TypeSignature)
            }
            "RuntimeVisibleAnnotations" | "RuntimeInvisibleAnnotations" => self.annotations(),
            "RuntimeVisibleParameterAnnotations" | "RuntimeInvisibleParameterAnnotations" => {
                for _ in 0..self.r.u1()? {
                    self.annotations()?;
                }
                Ok(())
            }
            "AnnotationDefault" => self.element_value(),
            "RuntimeVisibleTypeAnnotations" | "RuntimeInvisibleTypeAnnotations" => {
                for _ in 0..self.r.u2()? {
                    self.type_annotation()?;
                }
                Ok(())
            }
            "MethodParameters" if ctx == Ctx::Method => self.method_parameters(),
            "Record" if ctx == Ctx::Class => self.record(),
            // No Utf8 reference to map (or one this rewrite leaves alone): skip it.
            _ => self.skip_attribute(),
        }
    }

    /// InnerClasses: each inner name.
    fn inner_classes(&mut self) -> Result<()> {
        for _ in 0..self.r.u2()? {
            let inner = self.r.u2()?;
            self.r.take(2)?;
            self.optional_site(Role::InnerName(inner))?;
            self.r.take(2)?;
        }
        Ok(())
    }

    /// Code: the code and handlers skipped, then the code's attributes.
    fn code(&mut self) -> Result<()> {
        self.r.take(4)?;
        let code = self.r.u4()? as usize;
        self.r.take(code)?;
        let handlers = self.r.u2()? as usize;
        self.r.take(8 * handlers)?;
        self.attributes(Ctx::Code)
    }

    /// LocalVariableTable (`role` Desc) or LocalVariableTypeTable (TypeSignature).
    fn local_variables(&mut self, role: Role) -> Result<()> {
        for _ in 0..self.r.u2()? {
            self.r.take(4)?;
            self.site(Role::Keep)?;
            self.site(role)?;
            self.r.take(2)?;
        }
        Ok(())
    }

    /// A table of annotations (u2 count).
    fn annotations(&mut self) -> Result<()> {
        for _ in 0..self.r.u2()? {
            self.annotation()?;
        }
        Ok(())
    }

    /// MethodParameters: each name, when it has one.
    fn method_parameters(&mut self) -> Result<()> {
        for _ in 0..self.r.u1()? {
            self.optional_site(Role::Keep)?;
            self.r.take(2)?;
        }
        Ok(())
    }

    /// Record: each component's name, descriptor and attributes.
    fn record(&mut self) -> Result<()> {
        for _ in 0..self.r.u2()? {
            self.site(Role::Keep)?;
            self.site(Role::Desc)?;
            self.attributes(Ctx::Record)?;
        }
        Ok(())
    }

    /// An attribute left as it is: its length (the u4 just read) skipped.
    fn skip_attribute(&mut self) -> Result<()> {
        let len = u32::from_be_bytes(
            self.r.b[self.r.pos - 4..self.r.pos]
                .try_into()
                .map_err(|_| anyhow!("truncated attribute"))?,
        ) as usize;
        self.r.take(len).map(|_| ())
    }

    fn annotation(&mut self) -> Result<()> {
        self.site(Role::Desc)?;
        for _ in 0..self.r.u2()? {
            self.site(Role::Keep)?;
            self.element_value()?;
        }
        Ok(())
    }

    fn element_value(&mut self) -> Result<()> {
        match self.r.u1()? {
            b'B' | b'C' | b'D' | b'F' | b'I' | b'J' | b'S' | b'Z' => self.r.take(2).map(|_| ()),
            b's' => self.site(Role::Value),
            b'e' => {
                self.site(Role::Desc)?;
                self.site(Role::Keep)
            }
            b'c' => self.site(Role::Desc),
            b'@' => self.annotation(),
            b'[' => {
                for _ in 0..self.r.u2()? {
                    self.element_value()?;
                }
                Ok(())
            }
            other => bail!("annotation element value has unknown tag {other}"),
        }
    }

    fn type_annotation(&mut self) -> Result<()> {
        match self.r.u1()? {
            0x00 | 0x01 | 0x16 => self.r.take(1).map(|_| ())?,
            0x10 | 0x17 | 0x42 | 0x43..=0x46 => self.r.take(2).map(|_| ())?,
            0x11 | 0x12 => self.r.take(2).map(|_| ())?,
            0x13..=0x15 => {}
            0x40 | 0x41 => {
                let n = self.r.u2()? as usize;
                self.r.take(6 * n)?;
            }
            0x47..=0x4B => self.r.take(3).map(|_| ())?,
            other => bail!("type annotation has unknown target type {other:#x}"),
        }
        let path = self.r.u1()? as usize;
        self.r.take(2 * path)?;
        self.annotation()
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SigKind {
    Class,
    Method,
    Type,
}

/// ASM's Remapper over DefaultShader's package mapper; `remapped` is ShadeClassRemapper's flag.
pub(super) struct Mapper<'a> {
    pub(super) relocators: &'a Relocators,
    pub(super) remapped: bool,
}

impl Mapper<'_> {
    pub(super) fn map(&mut self, name: &str, packages: bool) -> String {
        let mapped = self.relocators.map(name, true, packages);
        if mapped != name {
            self.remapped = true;
        }
        mapped
    }

    /// Remapper.mapType(String): an array descriptor or an internal name.
    pub(super) fn map_type(&mut self, name: &str) -> Result<String> {
        if name.starts_with('[') {
            self.map_desc(name)
        } else {
            Ok(self.map(name, false))
        }
    }

    pub(super) fn map_desc(&mut self, desc: &str) -> Result<String> {
        let (mapped, rest) = self.field_type(desc)?;
        if !rest.is_empty() {
            bail!("malformed descriptor `{desc}`");
        }
        Ok(mapped)
    }

    /// One field type at the start of `s` (`V` allowed), mapped, and what follows it.
    fn field_type<'s>(&mut self, s: &'s str) -> Result<(String, &'s str)> {
        let dims = s.len() - s.trim_start_matches('[').len();
        let rest = &s[dims..];
        match rest.chars().next() {
            Some('B' | 'C' | 'D' | 'F' | 'I' | 'J' | 'S' | 'Z' | 'V') => {
                Ok((s[..dims + 1].to_string(), &rest[1..]))
            }
            Some('L') => {
                let semi = rest
                    .find(';')
                    .ok_or_else(|| anyhow!("malformed descriptor `{s}`"))?;
                let mapped = self.map(&rest[1..semi], false);
                Ok((format!("{}L{mapped};", &s[..dims]), &rest[semi + 1..]))
            }
            _ => bail!("malformed descriptor `{s}`"),
        }
    }

    pub(super) fn map_method_desc(&mut self, desc: &str) -> Result<String> {
        if desc == "()V" {
            return Ok(desc.to_string());
        }
        let mut rest = desc
            .strip_prefix('(')
            .ok_or_else(|| anyhow!("malformed method descriptor `{desc}`"))?;
        let mut out = String::from("(");
        while !rest.starts_with(')') {
            let (t, next) = self.field_type(rest)?;
            out.push_str(&t);
            rest = next;
        }
        out.push(')');
        out.push_str(&self.map_desc(&rest[1..])?);
        Ok(out)
    }

    pub(super) fn inner_class_name(&mut self, name: &str, inner: &str) -> Result<String> {
        let remapped = self.map_type(name)?;
        if remapped == name {
            return Ok(inner.to_string());
        }
        if let (Some(o), Some(r)) = (name.rfind('/'), remapped.rfind('/')) {
            if name[o..] == remapped[r..] {
                return Ok(inner.to_string());
            }
        }
        match remapped.rfind('$') {
            Some(dollar) => {
                let tail = &remapped[dollar + 1..];
                Ok(tail
                    .trim_start_matches(|c: char| c.is_numeric())
                    .to_string())
            }
            None => Ok(inner.to_string()),
        }
    }

    /// A class (0), method (1) or type (2) signature, mapped.
    pub(super) fn signature_of(&mut self, sig: &str, kind: u8) -> Result<String> {
        let kind = match kind {
            0 => SigKind::Class,
            1 => SigKind::Method,
            _ => SigKind::Type,
        };
        self.signature(sig, kind)
    }

    fn signature(&mut self, sig: &str, kind: SigKind) -> Result<String> {
        let mut p = Sig {
            s: sig,
            pos: 0,
            out: String::with_capacity(sig.len() + 16),
        };
        let bad = || anyhow!("malformed signature `{sig}`");
        match kind {
            SigKind::Type => p.java_type(self).ok_or_else(bad)?,
            SigKind::Class | SigKind::Method => {
                if p.peek() == Some('<') {
                    p.type_parameters(self).ok_or_else(bad)?;
                }
                if kind == SigKind::Method {
                    p.expect('(').ok_or_else(bad)?;
                    while p.peek() != Some(')') {
                        p.java_type(self).ok_or_else(bad)?;
                    }
                    p.expect(')').ok_or_else(bad)?;
                    p.java_type(self).ok_or_else(bad)?;
                    while p.peek() == Some('^') {
                        p.expect('^').ok_or_else(bad)?;
                        p.java_type(self).ok_or_else(bad)?;
                    }
                } else {
                    while p.pos < sig.len() {
                        p.java_type(self).ok_or_else(bad)?;
                    }
                }
            }
        }
        if p.pos != sig.len() {
            return Err(bad());
        }
        Ok(p.out)
    }
}

/// A signature copied to `out` with its class names mapped (SignatureReader + SignatureRemapper
/// + SignatureWriter).
struct Sig<'s> {
    s: &'s str,
    pos: usize,
    out: String,
}

impl Sig<'_> {
    fn peek(&self) -> Option<char> {
        self.s[self.pos..].chars().next()
    }

    fn expect(&mut self, c: char) -> Option<()> {
        (self.peek()? == c).then(|| {
            self.pos += c.len_utf8();
            self.out.push(c);
        })
    }

    /// An identifier up to one of `stops`, consumed but not copied.
    fn ident(&mut self, stops: &[char]) -> Option<&str> {
        let rest = &self.s[self.pos..];
        let end = rest.find(stops)?;
        self.pos += end;
        Some(&rest[..end])
    }

    fn type_parameters(&mut self, m: &mut Mapper<'_>) -> Option<()> {
        self.expect('<')?;
        while self.peek()? != '>' {
            let name = self.ident(&[':'])?.to_string();
            self.out.push_str(&name);
            self.expect(':')?;
            // A class bound may be empty (an interface bound follows).
            if !matches!(self.peek()?, ':' | '>') {
                self.java_type(m)?;
            }
            while self.peek()? == ':' {
                self.expect(':')?;
                self.java_type(m)?;
            }
        }
        self.expect('>')
    }

    fn java_type(&mut self, m: &mut Mapper<'_>) -> Option<()> {
        match self.peek()? {
            c @ ('B' | 'C' | 'D' | 'F' | 'I' | 'J' | 'S' | 'Z' | 'V') => self.expect(c),
            '[' => {
                self.expect('[')?;
                self.java_type(m)
            }
            'T' => {
                self.expect('T')?;
                let name = self.ident(&[';'])?.to_string();
                self.out.push_str(&name);
                self.expect(';')
            }
            'L' => self.class_type(m),
            _ => None,
        }
    }

    fn class_type(&mut self, m: &mut Mapper<'_>) -> Option<()> {
        self.expect('L')?;
        let name = self.ident(&['<', '.', ';'])?.to_string();
        let mapped = m.map_type(&name).ok()?;
        self.out.push_str(&mapped);
        let mut class = name;
        loop {
            match self.peek()? {
                '<' => {
                    self.expect('<')?;
                    while self.peek()? != '>' {
                        match self.peek()? {
                            '*' => self.expect('*')?,
                            c @ ('+' | '-') => {
                                self.expect(c)?;
                                self.java_type(m)?;
                            }
                            _ => self.java_type(m)?,
                        }
                    }
                    self.expect('>')?;
                }
                '.' => {
                    self.expect('.')?;
                    let inner = self.ident(&['<', '.', ';'])?.to_string();
                    let outer = std::mem::take(&mut class);
                    class = format!("{outer}${inner}");
                    let remapped_outer = format!("{}$", m.map_type(&outer).ok()?);
                    let remapped = m.map_type(&class).ok()?;
                    let index = if remapped.starts_with(&remapped_outer) {
                        remapped_outer.len()
                    } else {
                        remapped.rfind('/').map_or(0, |s| s + 1)
                    };
                    self.out.push_str(&remapped[index..]);
                }
                ';' => return self.expect(';'),
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shade::relocator::Relocator;

    fn relocators() -> Relocators {
        Relocators {
            list: vec![Relocator::new("com.dep", Some("x.y"), &[], &[])],
        }
    }

    /// A minimal class `com/dep/Foo` whose pool entry 1 (Utf8 `com/dep/Foo`) is both the
    /// class's name and a string constant; `extra` is a further Utf8 used by a field's
    /// descriptor and signature.
    fn shared_class() -> Vec<u8> {
        let mut b = vec![0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 61];
        let utf = |s: &str| {
            let mut v = vec![1u8];
            v.extend_from_slice(&(s.len() as u16).to_be_bytes());
            v.extend_from_slice(s.as_bytes());
            v
        };
        let entries: Vec<Vec<u8>> = vec![
            utf("com/dep/Foo"),                     // 1
            vec![7, 0, 1],                          // 2 Class #1
            vec![8, 0, 1],                          // 3 String #1
            utf("java/lang/Object"),                // 4
            vec![7, 0, 4],                          // 5
            utf("f"),                               // 6
            utf("Lcom/dep/Bar;"),                   // 7
            utf("Signature"),                       // 8
            utf("Ljava/util/List<Lcom/dep/Bar;>;"), // 9
            utf("SourceFile"),                      // 10
            utf("Foo.java"),                        // 11
            vec![8, 0, 13],                         // 12 String #13 (dotted name)
            utf("com.dep.Baz"),                     // 13
        ];
        b.extend_from_slice(&((entries.len() + 1) as u16).to_be_bytes());
        for e in &entries {
            b.extend_from_slice(e);
        }
        b.extend_from_slice(&[0, 0x21, 0, 2, 0, 5, 0, 0]); // access, this, super, no interfaces
        b.extend_from_slice(&[0, 1, 0, 0, 0, 6, 0, 7]); // one field f, desc #7
        b.extend_from_slice(&[0, 1, 0, 8, 0, 0, 0, 2, 0, 9]); // Signature #9
        b.extend_from_slice(&[0, 0]); // no methods
        b.extend_from_slice(&[0, 1, 0, 10, 0, 0, 0, 2, 0, 11]); // SourceFile #11
        b
    }

    fn utf8_at(bytes: &[u8], wanted: usize) -> String {
        let mut r = Reader { b: bytes, pos: 10 };
        let mut i = 1;
        loop {
            let tag = r.u1().unwrap();
            let text = match tag {
                1 => {
                    let len = r.u2().unwrap() as usize;
                    Some(String::from_utf8(r.take(len).unwrap().to_vec()).unwrap())
                }
                7 | 8 => {
                    r.take(2).unwrap();
                    None
                }
                _ => panic!("tag {tag}"),
            };
            if i == wanted {
                return text.unwrap_or_default();
            }
            i += 1;
        }
    }

    #[test]
    fn shared_utf8_gets_one_value_per_use_and_everything_maps() {
        let original = shared_class();
        let out = relocate_with(&original, "com/dep/Foo.class", &relocators(), false)
            .unwrap()
            .expect("relocated");
        // The class name and the slashed string map alike: still one entry.
        assert_eq!(utf8_at(&out, 1), "x/y/Foo");
        assert_eq!(utf8_at(&out, 7), "Lx/y/Bar;");
        assert_eq!(utf8_at(&out, 9), "Ljava/util/List<Lx/y/Bar;>;");
        assert_eq!(utf8_at(&out, 13), "x.y.Baz");
        assert_eq!(utf8_at(&out, 11), "Foo.java");
        // Four names lose four bytes each; nothing else moves.
        assert_eq!(out.len(), original.len() - 16);
    }

    #[test]
    fn a_utf8_shared_by_a_kept_name_and_a_class_is_split() {
        // The field's name is `com/dep/Foo` too (entry 1): it keeps the entry's first use's
        // value only if that use is first; here the pool's Class comes first, so the field
        // name is moved to an appended entry holding the original text.
        let mut b = shared_class();
        let field_name_at = b.len() - 26;
        b[field_name_at..field_name_at + 2].copy_from_slice(&[0, 1]);
        let out = relocate_with(&b, "com/dep/Foo.class", &relocators(), false)
            .unwrap()
            .unwrap();
        assert_eq!(u16::from_be_bytes([out[8], out[9]]), 15);
        assert_eq!(utf8_at(&out, 1), "x/y/Foo");
        assert_eq!(utf8_at(&out, 14), "com/dep/Foo");
        let at = out.len() - 26;
        assert_eq!(&out[at..at + 2], &[0, 14]);
    }

    #[test]
    fn asm_layout_rebuilds_the_pool_in_visit_order_without_unused_constants() {
        let out = relocate(&shared_class(), "com/dep/Foo.class", &relocators())
            .unwrap()
            .unwrap();
        // this class, super class, field name, descriptor, signature, source file, then the
        // attribute names as ClassWriter sizes them (fields' first); the unused strings are gone.
        let expected = [
            "x/y/Foo",
            "",
            "java/lang/Object",
            "",
            "Foo.java",
            "f",
            "Lx/y/Bar;",
            "Ljava/util/List<Lx/y/Bar;>;",
            "Signature",
            "SourceFile",
        ];
        for (k, want) in expected.iter().enumerate() {
            assert_eq!(utf8_at(&out, k + 1), *want, "entry {}", k + 1);
        }
        assert_eq!(u16::from_be_bytes([out[8], out[9]]), 11);
    }

    #[test]
    fn untouched_class_keeps_its_bytes_and_garbage_is_an_error() {
        let other = Relocators {
            list: vec![Relocator::new("org.none", None, &[], &[])],
        };
        assert!(relocate(&shared_class(), "com/dep/Foo.class", &other)
            .unwrap()
            .is_none());
        let mut cut = shared_class();
        cut.truncate(30);
        assert!(relocate(&cut, "a.class", &relocators()).is_err());
        assert!(relocate(b"PK\x03\x04", "a.class", &relocators()).is_err());
    }

    #[test]
    fn signatures_and_inner_classes_map_as_asm_does() {
        let r = relocators();
        let mut m = Mapper {
            relocators: &r,
            remapped: false,
        };
        assert_eq!(
            m.signature(
                "<T:Lcom/dep/A;:Ljava/lang/Comparable<-TT;>;>Lcom/dep/B<TT;>.Inner<[I>;Ljava/io/Serializable;",
                SigKind::Class
            )
            .unwrap(),
            "<T:Lx/y/A;:Ljava/lang/Comparable<-TT;>;>Lx/y/B<TT;>.Inner<[I>;Ljava/io/Serializable;"
        );
        assert_eq!(
            m.signature(
                "<E:Ljava/lang/Exception;>(Ljava/util/List<*>;)V^TE;^Lcom/dep/X;",
                SigKind::Method
            )
            .unwrap(),
            "<E:Ljava/lang/Exception;>(Ljava/util/List<*>;)V^TE;^Lx/y/X;"
        );
        assert!(m.signature("Lcom/dep/A", SigKind::Type).is_err());
        assert_eq!(
            m.map_method_desc("(I[Lcom/dep/A;J)[[Lcom/dep/B;").unwrap(),
            "(I[Lx/y/A;J)[[Lx/y/B;"
        );
        assert_eq!(
            m.inner_class_name("com/dep/A$1Local", "Local").unwrap(),
            "Local"
        );
        assert!(m.remapped);
    }

    #[test]
    fn modified_utf8_round_trips() {
        let mut out = Vec::new();
        put_utf8(&mut out, "a\0é😀").unwrap();
        let decoded = decode_mutf8(&out[3..]).unwrap().unwrap();
        assert_eq!(decoded, "a\0é😀");
        assert_eq!(decode_mutf8(&[0xED, 0xA0, 0x80]).unwrap(), None);
    }
}
