//! Fields and methods as ClassReader visits them and FieldWriter/MethodWriter write them:
//! each member's name, descriptor, signature and constants join the pool when it is visited,
//! its attribute names when ClassWriter sizes the class, and its attributes are written in the
//! writers' fixed order.

use anyhow::Result;

use super::annotations::{annotations, element_value, Annotated};
use super::code::{self, Code};
use super::pool::Pool;
use super::read::{Cv, In};
use super::{attr, common_names, put_common, put_custom, read_attrs, COMMON};
use crate::shade::classfile::Mapper;

/// A field, or the parts of a method every member has.
pub(super) struct Member {
    pub(super) access: u16,
    pub(super) name: u16,
    pub(super) desc: u16,
    pub(super) sig: Option<u16>,
    pub(super) constant: Option<u16>,
    pub(super) deprecated: bool,
    /// Written as a Synthetic attribute (classes before Java 5).
    pub(super) synthetic: bool,
    pub(super) ann: Annotated,
    pub(super) custom: Vec<(String, Vec<u8>)>,
}

/// A method: its member parts and what only methods have.
pub(super) struct Method {
    pub(super) member: Member,
    pub(super) exceptions: Vec<u16>,
    pub(super) params: Option<Vec<u8>>,
    pub(super) default: Option<Vec<u8>>,
    pub(super) param_anns: [Option<Vec<u8>>; 2],
    pub(super) code: Option<Code>,
}

/// The next field, visited (`old`: a class before Java 5).
pub(super) fn read_field(
    i: &mut In<'_>,
    m: &mut Mapper<'_>,
    p: &mut Pool,
    old: bool,
) -> Result<Member> {
    let access = i.u2()?;
    let name = i.rutf()?;
    let desc = i.rutf()?;
    let mut known = vec!["ConstantValue"];
    known.extend_from_slice(COMMON);
    let fa = read_attrs(i, &known)?;
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
    let ann = Annotated::read(i, m, p, &fa.ann_offsets())?;
    i.pos = after;
    let synthetic_attr = fa.at("Synthetic").is_some();
    Ok(Member {
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
    })
}

/// The next method, visited; `None` when its code holds what the layout does not cover.
pub(super) fn read_method(
    i: &mut In<'_>,
    m: &mut Mapper<'_>,
    p: &mut Pool,
    this_m: &str,
    old: bool,
) -> Result<Option<Method>> {
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
    let ma = read_attrs(i, &known)?;
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
            element_value(i, m, p, &mut out)?;
            Some(out)
        }
        None => None,
    };
    let ann = Annotated::read(i, m, p, &ma.ann_offsets())?;
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
                let (c, bytes) = annotations(i, m, p)?;
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
            match code::code(i, m, p, this_m, &name, &mdesc, is_static)? {
                Some(c) => Some(c),
                None => return Ok(None),
            }
        }
        None => None,
    };
    i.pos = after;
    let synthetic_attr = ma.at("Synthetic").is_some();
    Ok(Some(Method {
        member: Member {
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
    }))
}

/// A field's attribute names, as FieldWriter sizes them.
pub(super) fn field_names(p: &mut Pool, f: &Member) -> Result<()> {
    if f.constant.is_some() {
        p.utf8("ConstantValue")?;
    }
    common_names(p, f.synthetic, f.sig.is_some(), f.deprecated)?;
    f.ann.names(p)?;
    for (n, _) in &f.custom {
        p.utf8(n)?;
    }
    Ok(())
}

/// A method's attribute names, as MethodWriter sizes them.
pub(super) fn method_names(p: &mut Pool, method: &Method) -> Result<()> {
    let Method {
        member: m,
        exceptions,
        params,
        default,
        param_anns,
        code,
    } = method;
    if let Some(c) = code {
        c.names(p)?;
    }
    if !exceptions.is_empty() {
        p.utf8("Exceptions")?;
    }
    common_names(p, m.synthetic, m.sig.is_some(), m.deprecated)?;
    m.ann.names(p)?;
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
    for (n, _) in &m.custom {
        p.utf8(n)?;
    }
    Ok(())
}

/// field_info.
pub(super) fn put_field(p: &mut Pool, f: &Member, out: &mut Vec<u8>) -> Result<()> {
    out.extend_from_slice(&f.access.to_be_bytes());
    out.extend_from_slice(&f.name.to_be_bytes());
    out.extend_from_slice(&f.desc.to_be_bytes());
    let mut body = Vec::new();
    let mut n = 0u16;
    if let Some(c) = f.constant {
        attr(&mut body, p.utf8("ConstantValue")?, &[&c.to_be_bytes()]);
        n += 1;
    }
    put_common(p, &mut body, &mut n, f.synthetic, f.sig, f.deprecated)?;
    f.ann.put(p, &mut body, &mut n)?;
    put_custom(&f.custom, p, &mut body, &mut n)?;
    out.extend_from_slice(&n.to_be_bytes());
    out.extend_from_slice(&body);
    Ok(())
}

/// method_info.
pub(super) fn put_method(p: &mut Pool, method: &Method, out: &mut Vec<u8>) -> Result<()> {
    let Method {
        member: m,
        exceptions,
        params,
        default,
        param_anns,
        code,
    } = method;
    out.extend_from_slice(&m.access.to_be_bytes());
    out.extend_from_slice(&m.name.to_be_bytes());
    out.extend_from_slice(&m.desc.to_be_bytes());
    let mut body = Vec::new();
    let mut n = 0u16;
    if let Some(c) = code {
        c.put(p, &mut body)?;
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
    put_common(p, &mut body, &mut n, m.synthetic, m.sig, m.deprecated)?;
    m.ann.put(p, &mut body, &mut n)?;
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
    put_custom(&m.custom, p, &mut body, &mut n)?;
    out.extend_from_slice(&n.to_be_bytes());
    out.extend_from_slice(&body);
    Ok(())
}
