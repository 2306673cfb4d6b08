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

/// The class as ASM writes it, or `None` when it holds something this layout does not cover.
pub(super) fn write(bytes: &[u8], entry: &str, m: &mut Mapper<'_>) -> Result<Option<Vec<u8>>> {
    let mut i = In {
        b: bytes,
        pos: 8,
        pool: Vec::new(),
        bootstrap: Vec::new(),
    };
    let Some(&[_, _, _, _, _, _, hi, lo]) = bytes.get(..8) else {
        bail!("truncated class file");
    };
    let major = u16::from_be_bytes([hi, lo]);
    // Before Java 5 a synthetic member carries a Synthetic attribute instead of the flag.
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
    let mut fields = Vec::new();
    for _ in 0..n_fields {
        fields.push(members::read_field(&mut i, m, &mut p, old)?);
    }
    fields_out.extend_from_slice(&n_fields.to_be_bytes());

    // Methods.
    let n_methods = i.u2()?;
    let mut methods = Vec::new();
    for _ in 0..n_methods {
        match members::read_method(&mut i, m, &mut p, &this_m, old)? {
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
