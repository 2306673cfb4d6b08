//! Annotations as AnnotationWriter writes them: names mapped, constants added to the pool in
//! visit order; an element's lists in ClassReader's order (visible, invisible, visible type,
//! invisible type), a list without annotations not written.

use anyhow::{bail, Result};

use super::attr;
use super::pool::Pool;
use super::read::In;
use crate::shade::classfile::Mapper;

/// An element value of an annotation, mapped, in the form AnnotationWriter writes it.
pub(super) fn element_value(
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

pub(super) fn annotation(
    i: &mut In<'_>,
    m: &mut Mapper<'_>,
    p: &mut Pool,
    out: &mut Vec<u8>,
) -> Result<()> {
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
pub(super) fn annotations(
    i: &mut In<'_>,
    m: &mut Mapper<'_>,
    p: &mut Pool,
) -> Result<(u16, Vec<u8>)> {
    let n = i.u2()?;
    let mut out = Vec::new();
    for _ in 0..n {
        annotation(i, m, p, &mut out)?;
    }
    Ok((n, out))
}

/// A type annotation outside code: target and path copied, then the annotation.
pub(super) fn type_annotations(
    i: &mut In<'_>,
    m: &mut Mapper<'_>,
    p: &mut Pool,
) -> Result<(u16, Vec<u8>)> {
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
pub(super) struct Annotated {
    /// RVA, RIA, RVTA, RITA: (count, bytes).
    pub(super) lists: [Option<(u16, Vec<u8>)>; 4],
}

pub(super) const ANNOTATION_NAMES: [&str; 4] = [
    "RuntimeVisibleAnnotations",
    "RuntimeInvisibleAnnotations",
    "RuntimeVisibleTypeAnnotations",
    "RuntimeInvisibleTypeAnnotations",
];

impl Annotated {
    /// Visits them as ClassReader does (visible, invisible, visible type, invisible type).
    pub(super) fn read(
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
    pub(super) fn names(&self, p: &mut Pool) -> Result<()> {
        for (k, l) in self.lists.iter().enumerate() {
            if l.is_some() {
                p.utf8(ANNOTATION_NAMES[k])?;
            }
        }
        Ok(())
    }
    pub(super) fn put(&self, p: &mut Pool, out: &mut Vec<u8>, count: &mut u16) -> Result<()> {
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
