//! Fields and methods as ClassReader visits them and FieldWriter/MethodWriter write them:
//! each member's name, descriptor, signature and constants join the pool when it is visited,
//! its attribute names when ClassWriter sizes the class, and its attributes are written in the
//! writers' fixed order.

use anyhow::Result;

use super::annotations::{annotations, element_value, Annotated};
use super::code::{self, Code};
use super::pool::Pool;
use super::read::{Cv, In};
use super::{attr, common_names, put_common, put_custom, read_attrs, Attrs, COMMON};
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
    let sig = signature(i, m, p, fa.at("Signature"), 2)?;
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
    let (access, synthetic) = synthetic_flags(access, old, &fa);
    Ok(Member {
        access,
        synthetic,
        name: ni,
        desc: di,
        sig,
        constant,
        deprecated: fa.known.contains_key("Deprecated"),
        ann,
        custom: fa.custom,
    })
}

/// A member's access flags with the Synthetic attribute folded in, and whether to write the
/// attribute (`old`: a class before Java 5 keeps it out of the flags).
fn synthetic_flags(access: u16, old: bool, attrs: &Attrs) -> (u16, bool) {
    let synthetic_attr = attrs.at("Synthetic").is_some();
    if old {
        (access & !0x1000, synthetic_attr || access & 0x1000 != 0)
    } else {
        (access | if synthetic_attr { 0x1000 } else { 0 }, false)
    }
}

/// The Signature attribute at `at`, mapped as a `kind` signature (1 method, 2 field).
fn signature(
    i: &mut In<'_>,
    m: &mut Mapper<'_>,
    p: &mut Pool,
    at: Option<usize>,
    kind: u8,
) -> Result<Option<u16>> {
    let Some(at) = at else {
        return Ok(None);
    };
    i.pos = at;
    let s = i.rutf()?;
    Ok(Some(p.utf8(&m.signature_of(&s, kind)?)?))
}

/// The attributes ClassReader reads of a method (besides the common ones).
const METHOD_KNOWN: [&str; 6] = [
    "Code",
    "Exceptions",
    "MethodParameters",
    "AnnotationDefault",
    "RuntimeVisibleParameterAnnotations",
    "RuntimeInvisibleParameterAnnotations",
];

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
    let mut known = METHOD_KNOWN.to_vec();
    known.extend_from_slice(COMMON);
    let ma = read_attrs(i, &known)?;
    let after = i.pos;
    let mdesc = m.map_method_desc(&desc)?;
    let ni = p.utf8(&name)?;
    let di = p.utf8(&mdesc)?;
    let sig = signature(i, m, p, ma.at("Signature"), 1)?;
    let exceptions = exceptions(i, m, p, ma.at("Exceptions"))?;
    let params = method_parameters(i, p, ma.at("MethodParameters"))?;
    let default = annotation_default(i, m, p, ma.at("AnnotationDefault"))?;
    let ann = Annotated::read(i, m, p, &ma.ann_offsets())?;
    let param_anns = parameter_annotations(i, m, p, &ma)?;
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
    let (access, synthetic) = synthetic_flags(access, old, &ma);
    Ok(Some(Method {
        member: Member {
            access,
            synthetic,
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

/// The Exceptions attribute at `at`: each class mapped and added to the pool.
fn exceptions(
    i: &mut In<'_>,
    m: &mut Mapper<'_>,
    p: &mut Pool,
    at: Option<usize>,
) -> Result<Vec<u16>> {
    let mut exceptions = Vec::new();
    if let Some(at) = at {
        i.pos = at;
        for _ in 0..i.u2()? {
            let c = i.rclass()?;
            let mc = m.map_type(&c)?;
            exceptions.push(p.class(&mc)?);
        }
    }
    Ok(exceptions)
}

/// The MethodParameters attribute at `at`, rewritten; `None` for none or no parameters.
fn method_parameters(i: &mut In<'_>, p: &mut Pool, at: Option<usize>) -> Result<Option<Vec<u8>>> {
    let Some(at) = at else {
        return Ok(None);
    };
    i.pos = at;
    let n = i.u1()?;
    if n == 0 {
        // No visitParameter call: ASM writes no attribute.
        return Ok(None);
    }
    let mut out = vec![n];
    for _ in 0..n {
        let name = i.u2()?;
        let ni = if name == 0 { 0 } else { p.utf8(&i.utf(name)?)? };
        out.extend_from_slice(&ni.to_be_bytes());
        out.extend_from_slice(&i.u2()?.to_be_bytes());
    }
    Ok(Some(out))
}

/// The AnnotationDefault attribute at `at`, its element value mapped.
fn annotation_default(
    i: &mut In<'_>,
    m: &mut Mapper<'_>,
    p: &mut Pool,
    at: Option<usize>,
) -> Result<Option<Vec<u8>>> {
    let Some(at) = at else {
        return Ok(None);
    };
    i.pos = at;
    let mut out = Vec::new();
    element_value(i, m, p, &mut out)?;
    Ok(Some(out))
}

/// The Runtime(In)VisibleParameterAnnotations attributes, mapped; each `None` when absent
/// or without any annotation.
fn parameter_annotations(
    i: &mut In<'_>,
    m: &mut Mapper<'_>,
    p: &mut Pool,
    ma: &Attrs,
) -> Result<[Option<Vec<u8>>; 2]> {
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
    Ok(param_anns)
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
