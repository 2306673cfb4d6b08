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

use anyhow::{bail, Result};

use super::classfile::Mapper;

mod annotations;
mod code;
mod frames;
mod members;
mod pool;
mod read;

use annotations::{Annotated, ANNOTATION_NAMES};
use pool::Pool;
use read::In;

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

/// What the class header and its attributes say, read before anything is visited.
struct Outline {
    access: u16,
    this: String,
    super_class: Option<String>,
    interfaces: Vec<String>,
    /// Where the fields start: they are visited after the class attributes.
    members_at: usize,
    ca: Attrs,
    /// Before Java 5 a synthetic member carries a Synthetic attribute instead of the flag.
    old: bool,
    class_synthetic: bool,
}

const CLASS_KNOWN: &[&str] = &[
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

/// Reads the pool, the header and the class attributes (the bootstrap methods into `i`); `None`
/// for a module descriptor.
fn read_outline(i: &mut In<'_>) -> Result<Option<Outline>> {
    let Some(&[_, _, _, _, _, _, hi, lo]) = i.b.get(..8) else {
        bail!("truncated class file");
    };
    let major = u16::from_be_bytes([hi, lo]);
    let old = major < 49;
    i.read_pool()?;
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
            read_attrs(i, &[])?;
        }
    }
    let mut class_known = CLASS_KNOWN.to_vec();
    class_known.extend_from_slice(COMMON);
    let ca = read_attrs(i, &class_known)?;
    if i.pos != i.b.len() {
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
    Ok(Some(Outline {
        access,
        this,
        super_class,
        interfaces,
        members_at,
        ca,
        old,
        class_synthetic,
    }))
}

/// One record component, visited: name, descriptor, signature, annotations, unknown attributes.
type Component = (u16, u16, Option<u16>, Annotated, Vec<(String, Vec<u8>)>);

/// The class-level constants as ClassRemapper visits them, in that order (which is the pool's).
struct Visited {
    this_m: String,
    this_index: u16,
    class_sig: Option<u16>,
    super_index: u16,
    iface_indexes: Vec<u16>,
    source: Option<u16>,
    debug: Option<Vec<u8>>,
    nest_host: Option<u16>,
    enclosing: Option<(u16, u16)>,
    class_ann: Annotated,
    class_lists: Vec<(&'static str, Vec<u16>)>,
    inner: Vec<u8>,
    inner_count: u16,
    record: Vec<Component>,
}

/// A UTF-8 attribute's string, when the attribute is there.
fn utf_at(i: &mut In<'_>, at: Option<usize>) -> Result<Option<String>> {
    match at {
        Some(at) => {
            i.pos = at;
            Ok(Some(i.rutf()?))
        }
        None => Ok(None),
    }
}

/// visit, visitSource, visitNestHost, visitOuterClass, the annotations, the nest members and
/// permitted subclasses, the inner classes and the record components.
fn visit_class(
    i: &mut In<'_>,
    o: &Outline,
    entry: &str,
    m: &mut Mapper<'_>,
    p: &mut Pool,
) -> Result<Visited> {
    let ca = &o.ca;
    // visit
    let this_m = m.map_type(&o.this)?;
    let this_index = p.class(&this_m)?;
    let class_sig = match utf_at(i, ca.at("Signature"))? {
        Some(s) => Some(p.utf8(&m.signature_of(&s, 0)?)?),
        None => None,
    };
    let super_index = match &o.super_class {
        Some(s) => {
            let mapped = m.map_type(s)?;
            p.class(&mapped)?
        }
        None => 0,
    };
    let mut iface_indexes = Vec::new();
    for f in &o.interfaces {
        let mapped = m.map_type(f)?;
        iface_indexes.push(p.class(&mapped)?);
    }
    // visitSource
    let package = &entry[..entry.rfind('/').map_or(0, |s| s + 1)];
    let source = match utf_at(i, ca.at("SourceFile"))? {
        Some(s) => {
            let full = m.map(&format!("{package}{s}"), false);
            Some(p.utf8(&full[full.rfind('/').map_or(0, |s| s + 1)..])?)
        }
        None => None,
    };
    let debug = ca
        .known
        .get("SourceDebugExtension")
        .map(|(s, l)| i.b[*s..*s + *l].to_vec());
    let nest_host = match ca.at("NestHost") {
        Some(at) => {
            i.pos = at;
            let c = i.rclass()?;
            let mapped = m.map_type(&c)?;
            Some(p.class(&mapped)?)
        }
        None => None,
    };
    let enclosing = visit_enclosing(i, ca.at("EnclosingMethod"), m, p)?;
    let class_ann = Annotated::read(i, m, p, &ca.ann_offsets())?;
    let class_lists = visit_class_lists(i, ca, m, p)?;
    let (inner, inner_count) = visit_inner_classes(i, ca.at("InnerClasses"), m, p)?;
    // Record components: visited after the inner classes.
    let record = visit_record(i, ca.at("Record"), m, p)?;
    Ok(Visited {
        this_m,
        this_index,
        class_sig,
        super_index,
        iface_indexes,
        source,
        debug,
        nest_host,
        enclosing,
        class_ann,
        class_lists,
        inner,
        inner_count,
        record,
    })
}

/// NestMembers and PermittedSubclasses: the classes of each list that is not empty.
fn visit_class_lists(
    i: &mut In<'_>,
    ca: &Attrs,
    m: &mut Mapper<'_>,
    p: &mut Pool,
) -> Result<Vec<(&'static str, Vec<u16>)>> {
    let mut class_lists: Vec<(&'static str, Vec<u16>)> = Vec::new();
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
    Ok(class_lists)
}

/// EnclosingMethod: the outer class and, when there is one, the method's name and type.
fn visit_enclosing(
    i: &mut In<'_>,
    at: Option<usize>,
    m: &mut Mapper<'_>,
    p: &mut Pool,
) -> Result<Option<(u16, u16)>> {
    let Some(at) = at else {
        return Ok(None);
    };
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
    Ok(Some((ci, ni)))
}

/// InnerClasses: the entries as written (a class named twice kept once) and their count.
fn visit_inner_classes(
    i: &mut In<'_>,
    at: Option<usize>,
    m: &mut Mapper<'_>,
    p: &mut Pool,
) -> Result<(Vec<u8>, u16)> {
    let mut inner = Vec::new();
    let mut inner_seen = std::collections::HashSet::new();
    if let Some(at) = at {
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
    Ok((inner, inner_seen.len() as u16))
}

/// Record: each component's name, descriptor, signature and annotations.
fn visit_record(
    i: &mut In<'_>,
    at: Option<usize>,
    m: &mut Mapper<'_>,
    p: &mut Pool,
) -> Result<Vec<Component>> {
    let mut record = Vec::new();
    if let Some(at) = at {
        i.pos = at;
        for _ in 0..i.u2()? {
            let name = i.rutf()?;
            let desc = i.rutf()?;
            let ra = read_attrs(i, COMMON)?;
            let after = i.pos;
            let ni = p.utf8(&name)?;
            let di = p.utf8(&m.map_desc(&desc)?)?;
            let sig = match utf_at(i, ra.at("Signature"))? {
                Some(s) => Some(p.utf8(&m.signature_of(&s, 2)?)?),
                None => None,
            };
            let ann = Annotated::read(i, m, p, &ra.ann_offsets())?;
            i.pos = after;
            record.push((ni, di, sig, ann, ra.custom));
        }
    }
    Ok(record)
}

/// The class as ASM writes it, or `None` when it holds something this layout does not cover.
pub(super) fn write(bytes: &[u8], entry: &str, m: &mut Mapper<'_>) -> Result<Option<Vec<u8>>> {
    let mut i = In {
        b: bytes,
        pos: 8,
        pool: Vec::new(),
        bootstrap: Vec::new(),
    };
    let Some(o) = read_outline(&mut i)? else {
        return Ok(None);
    };
    let mut p = Pool::new();
    let v = visit_class(&mut i, &o, entry, m, &mut p)?;

    // Fields.
    i.pos = o.members_at;
    let n_fields = i.u2()?;
    let mut fields = Vec::new();
    for _ in 0..n_fields {
        fields.push(members::read_field(&mut i, m, &mut p, o.old)?);
    }
    // Methods.
    let n_methods = i.u2()?;
    let mut methods = Vec::new();
    for _ in 0..n_methods {
        match members::read_method(&mut i, m, &mut p, &v.this_m, o.old)? {
            Some(method) => methods.push(method),
            None => return Ok(None),
        }
    }

    // toByteArray: sizes first (attribute names join the pool in this order).
    for f in &fields {
        members::field_names(&mut p, f)?;
    }
    for method in &methods {
        members::method_names(&mut p, method)?;
    }
    let (attr_count, attrs) = class_attrs(&mut p, &o, &v)?;

    // Fields and methods (their attribute names are all in the pool by now).
    let mut fields_out = n_fields.to_be_bytes().to_vec();
    for f in &fields {
        members::put_field(&mut p, f, &mut fields_out)?;
    }
    let mut methods_out = n_methods.to_be_bytes().to_vec();
    for method in &methods {
        members::put_method(&mut p, method, &mut methods_out)?;
    }

    let mut out = Vec::with_capacity(bytes.len() + 256);
    out.extend_from_slice(&bytes[..8]);
    out.extend_from_slice(&(p.count as u16).to_be_bytes());
    out.extend_from_slice(&p.bytes);
    out.extend_from_slice(&o.access.to_be_bytes());
    out.extend_from_slice(&v.this_index.to_be_bytes());
    out.extend_from_slice(&v.super_index.to_be_bytes());
    out.extend_from_slice(&(v.iface_indexes.len() as u16).to_be_bytes());
    for f in &v.iface_indexes {
        out.extend_from_slice(&f.to_be_bytes());
    }
    out.extend_from_slice(&fields_out);
    out.extend_from_slice(&methods_out);
    out.extend_from_slice(&attr_count.to_be_bytes());
    out.extend_from_slice(&attrs);
    Ok(Some(out))
}

/// The class attributes in ClassWriter's order, and their count.
fn class_attrs(p: &mut Pool, o: &Outline, v: &Visited) -> Result<(u16, Vec<u8>)> {
    let mut attrs = Vec::new();
    let mut attr_count = 0u16;
    let mut put = |p: &mut Pool, name: &str, parts: &[&[u8]]| -> Result<()> {
        attr(&mut attrs, p.utf8(name)?, parts);
        attr_count += 1;
        Ok(())
    };
    if v.inner_count > 0 {
        put(p, "InnerClasses", &[&v.inner_count.to_be_bytes(), &v.inner])?;
    }
    if let Some((c, n)) = v.enclosing {
        put(p, "EnclosingMethod", &[&c.to_be_bytes(), &n.to_be_bytes()])?;
    }
    if o.class_synthetic {
        put(p, "Synthetic", &[])?;
    }
    if let Some(s) = v.class_sig {
        put(p, "Signature", &[&s.to_be_bytes()])?;
    }
    if let Some(s) = v.source {
        put(p, "SourceFile", &[&s.to_be_bytes()])?;
    }
    if let Some(d) = &v.debug {
        put(p, "SourceDebugExtension", &[d])?;
    }
    if o.ca.known.contains_key("Deprecated") {
        put(p, "Deprecated", &[])?;
    }
    v.class_ann.put(p, &mut attrs, &mut attr_count)?;
    if !p.bootstrap.is_empty() {
        let name = p.utf8("BootstrapMethods")?;
        let mut body = (p.bootstrap.len() as u16).to_be_bytes().to_vec();
        for b in &p.bootstrap {
            body.extend_from_slice(b);
        }
        attr(&mut attrs, name, &[&body]);
        attr_count += 1;
    }
    if let Some(h) = v.nest_host {
        attr(&mut attrs, p.utf8("NestHost")?, &[&h.to_be_bytes()]);
        attr_count += 1;
    }
    for (name, list) in &v.class_lists {
        let mut body = (list.len() as u16).to_be_bytes().to_vec();
        for c in list {
            body.extend_from_slice(&c.to_be_bytes());
        }
        attr(&mut attrs, p.utf8(name)?, &[&body]);
        attr_count += 1;
    }
    if o.ca.at("Record").is_some() {
        let body = record_body(p, &v.record)?;
        attr(&mut attrs, p.utf8("Record")?, &[&body]);
        attr_count += 1;
    }
    put_custom(&o.ca.custom, p, &mut attrs, &mut attr_count)?;
    Ok((attr_count, attrs))
}

/// The Record attribute's content: each component with its own attributes.
fn record_body(p: &mut Pool, record: &[Component]) -> Result<Vec<u8>> {
    let mut body = (record.len() as u16).to_be_bytes().to_vec();
    for (ni, di, sig, ann, custom) in record {
        body.extend_from_slice(&ni.to_be_bytes());
        body.extend_from_slice(&di.to_be_bytes());
        let mut n = 0u16;
        let mut rattrs = Vec::new();
        put_common(p, &mut rattrs, &mut n, false, *sig, false)?;
        ann.put(p, &mut rattrs, &mut n)?;
        put_custom(custom, p, &mut rattrs, &mut n)?;
        body.extend_from_slice(&n.to_be_bytes());
        body.extend_from_slice(&rattrs);
    }
    Ok(body)
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
