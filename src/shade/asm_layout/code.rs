//! A Code attribute as MethodWriter writes it: catch types, then instructions in order (each
//! constant added as it is visited, `ldc` or `ldc_w` by its new index, short forms for
//! `xload`/`xstore` 0-3), stack map frames at their instructions, code type annotations after
//! theirs, offsets of branches, switches, handlers, line numbers and local variables moved.

use std::collections::HashMap;

use anyhow::{anyhow, bail, Result};

use super::annotations::{annotation, ANNOTATION_NAMES};
use super::frames::put_frame;
use super::pool::Pool;
use super::read::{short, Cv, Entry, Handle, In};
use super::{attr, put_custom, read_attrs, Attrs};
use crate::shade::classfile::Mapper;

/// A verification type, names mapped; uninitialized ones by their new offset.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Vt {
    Tag(u8),
    Object(String),
    Uninit(u32),
}

pub(super) struct Code {
    pub(super) max_stack: u16,
    pub(super) max_locals: u16,
    pub(super) code: Vec<u8>,
    pub(super) handlers: Vec<u8>,
    pub(super) n_handlers: u16,
    pub(super) frames: Option<(u16, Vec<u8>)>,
    pub(super) lines: Option<(u16, Vec<u8>)>,
    pub(super) lvt: Option<(u16, Vec<u8>)>,
    pub(super) lvtt: Option<(u16, Vec<u8>)>,
    /// RuntimeVisibleTypeAnnotations, RuntimeInvisibleTypeAnnotations of the code.
    pub(super) type_annotations: [Option<(u16, Vec<u8>)>; 2],
    pub(super) custom: Vec<(String, Vec<u8>)>,
}

impl Code {
    pub(super) fn names(&self, p: &mut Pool) -> Result<()> {
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
    pub(super) fn put(&self, p: &mut Pool, out: &mut Vec<u8>) -> Result<()> {
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
pub(super) fn fixed_len(op: u8) -> usize {
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

/// One expanded frame: old offset, locals, stack.
type Frame = (usize, Vec<Vt>, Vec<Vt>);

/// The offset of every instruction; `None` for `jsr`, `ret`, `goto_w` and `jsr_w`.
fn instruction_starts(code_bytes: &[u8]) -> Result<Option<Vec<usize>>> {
    let len = code_bytes.len();
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
    Ok(Some(starts))
}

/// The implicit first frame (`this` or uninitialized `this`, then the arguments).
fn implicit_frame(owner: &str, name: &str, desc: &str, is_static: bool) -> Result<Vec<Vt>> {
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
    Ok(implicit)
}

/// The StackMapTable at `at` expanded as ClassReader expands it: (old offset, locals, stack),
/// with original names and original offsets of uninitialized types.
fn expand_frames(i: &mut In<'_>, at: usize, implicit: &[Vt]) -> Result<Vec<Frame>> {
    let mut frames: Vec<Frame> = Vec::new();
    {
        i.pos = at;
        let n = i.u2()?;
        let mut locals = implicit.to_vec();
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
    Ok(frames)
}

/// A jump to patch: where its offset goes, the new offset of its instruction, its old
/// target, and whether the offset is 4 bytes (switches) rather than 2.
type Jump = (usize, usize, usize, bool);

/// The u2 at `o` of the code.
fn rd2(code_bytes: &[u8], o: usize) -> Result<u16> {
    let s = short(code_bytes.get(o..o + 2))?;
    Ok(u16::from_be_bytes([s[0], s[1]]))
}

/// The s4 at `o` of the code.
fn rd4(code_bytes: &[u8], o: usize) -> Result<i32> {
    let s = short(code_bytes.get(o..o + 4))?;
    Ok(i32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

/// The instruction at old offset `o` written at the end of `out` (`here`) as MethodWriter
/// writes it, its constants added to the pool; `false` for an `ldc` of a dynamic constant
/// (or an `invokedynamic` with one among its bootstrap arguments).
#[allow(clippy::too_many_arguments)]
fn emit_insn(
    i: &mut In<'_>,
    m: &mut Mapper<'_>,
    p: &mut Pool,
    code_bytes: &[u8],
    o: usize,
    here: usize,
    out: &mut Vec<u8>,
    jumps: &mut Vec<Jump>,
) -> Result<bool> {
    let op = code_bytes[o];
    match op {
        0x12..=0x14 => return emit_ldc(i, m, p, code_bytes, o, out),
        0xb2..=0xb9 => emit_member(i, m, p, op, rd2(code_bytes, o + 1)?, out)?,
        0xba => return emit_invokedynamic(i, m, p, rd2(code_bytes, o + 1)?, out),
        0xbb | 0xbd | 0xc0 | 0xc1 | 0xc5 => emit_type(i, m, p, code_bytes, o, out)?,
        0x99..=0xa7 | 0xc6 | 0xc7 => {
            let target = (o as i64 + i64::from(rd2(code_bytes, o + 1)? as i16)) as usize;
            out.push(op);
            jumps.push((out.len(), here, target, false));
            out.extend_from_slice(&[0, 0]);
        }
        0x15..=0x19 | 0x36..=0x3a => emit_var(code_bytes, o, out),
        0xc4 => emit_wide(code_bytes, o, out)?,
        0xaa | 0xab => emit_switch(code_bytes, o, here, out, jumps)?,
        op => {
            let l = fixed_len(op);
            out.extend_from_slice(&code_bytes[o..o + l]);
        }
    }
    Ok(true)
}

/// A loadable constant with its names mapped; `None` for a dynamic constant (not covered).
fn map_constant(m: &mut Mapper<'_>, c: Cv) -> Result<Option<Cv>> {
    Ok(Some(match c {
        Cv::Str(s) => Cv::Str(m.map(&s, true)),
        Cv::Class(n) => Cv::Class(m.map_type(&n)?),
        Cv::MethodType(d) => Cv::MethodType(m.map_method_desc(&d)?),
        Cv::Handle(h) => Cv::Handle(map_handle(m, &h)?),
        Cv::Dynamic(..) => return Ok(None),
        other => other,
    }))
}

/// `ldc`, `ldc_w`, `ldc2_w`: chosen again by the constant's new index (visitLdcInsn).
fn emit_ldc(
    i: &mut In<'_>,
    m: &mut Mapper<'_>,
    p: &mut Pool,
    code_bytes: &[u8],
    o: usize,
    out: &mut Vec<u8>,
) -> Result<bool> {
    let idx = if code_bytes[o] == 0x12 {
        u16::from(code_bytes[o + 1])
    } else {
        rd2(code_bytes, o + 1)?
    };
    let Some(c) = map_constant(m, i.constant(idx)?)? else {
        return Ok(false);
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
    Ok(true)
}

/// Field instructions and `invokevirtual` to `invokeinterface` (pool entry `idx`).
fn emit_member(
    i: &mut In<'_>,
    m: &mut Mapper<'_>,
    p: &mut Pool,
    op: u8,
    idx: u16,
    out: &mut Vec<u8>,
) -> Result<()> {
    let (tag, owner, mname, mdesc) = i.member(idx)?;
    let owner = m.map_type(&owner)?;
    if op <= 0xb5 {
        let d = m.map_desc(&mdesc)?;
        let ni = p.member(9, &owner, &mname, &d)?;
        out.push(op);
        out.extend_from_slice(&ni.to_be_bytes());
        return Ok(());
    }
    let d = m.map_method_desc(&mdesc)?;
    let ni = p.member(tag, &owner, &mname, &d)?;
    out.push(op);
    out.extend_from_slice(&ni.to_be_bytes());
    if op == 0xb9 {
        out.push(arguments_size(&d));
        out.push(0);
    }
    Ok(())
}

/// `invokedynamic` (pool entry `idx`): its bootstrap method and arguments mapped; `false` when
/// an argument is a dynamic constant.
fn emit_invokedynamic(
    i: &mut In<'_>,
    m: &mut Mapper<'_>,
    p: &mut Pool,
    idx: u16,
    out: &mut Vec<u8>,
) -> Result<bool> {
    let Some(Entry::Dynamic(18, bsm, nt)) = i.pool.get(idx as usize).cloned() else {
        bail!("invokedynamic names no InvokeDynamic entry");
    };
    let (iname, idesc) = i.name_type(nt)?;
    let (h, args) = i.bsm(bsm)?;
    let idesc = m.map_method_desc(&idesc)?;
    let h = map_handle(m, &h)?;
    let mut margs = Vec::new();
    for a in args {
        let Some(c) = map_constant(m, a)? else {
            return Ok(false);
        };
        margs.push(c);
    }
    let ni = p.dynamic(18, &iname, &idesc, &h, &margs)?;
    out.push(0xba);
    out.extend_from_slice(&ni.to_be_bytes());
    out.extend_from_slice(&[0, 0]);
    Ok(true)
}

/// `new`, `anewarray`, `checkcast`, `instanceof` and `multianewarray` (whose class is an
/// array descriptor, then its dimensions).
fn emit_type(
    i: &mut In<'_>,
    m: &mut Mapper<'_>,
    p: &mut Pool,
    code_bytes: &[u8],
    o: usize,
    out: &mut Vec<u8>,
) -> Result<()> {
    let op = code_bytes[o];
    let c = i.class(rd2(code_bytes, o + 1)?)?;
    let mc = if op == 0xc5 {
        m.map_desc(&c)?
    } else {
        m.map_type(&c)?
    };
    out.push(op);
    out.extend_from_slice(&p.class(&mc)?.to_be_bytes());
    if op == 0xc5 {
        out.push(code_bytes[o + 3]);
    }
    Ok(())
}

/// The opcode of `xload_0` or `xstore_0` for `xload` or `xstore` `op`.
fn short_var_base(op: u8) -> u8 {
    if op < 0x36 {
        0x1a + ((op - 0x15) << 2)
    } else {
        0x3b + ((op - 0x36) << 2)
    }
}

/// `xload`, `xstore`: the short form for variables 0 to 3.
fn emit_var(code_bytes: &[u8], o: usize, out: &mut Vec<u8>) {
    let var = code_bytes[o + 1];
    if var < 4 {
        out.push(short_var_base(code_bytes[o]) + var);
    } else {
        out.extend_from_slice(&code_bytes[o..o + 2]);
    }
}

/// `wide`: dropped where the variable (and increment) fit the short or normal form.
fn emit_wide(code_bytes: &[u8], o: usize, out: &mut Vec<u8>) -> Result<()> {
    let w = code_bytes[o + 1];
    let var = rd2(code_bytes, o + 2)?;
    if w == 0x84 {
        let inc = rd2(code_bytes, o + 4)? as i16;
        if var > 255 || !(-128..=127).contains(&inc) {
            out.extend_from_slice(&code_bytes[o..o + 6]);
        } else {
            out.extend_from_slice(&[0x84, var as u8, inc as i8 as u8]);
        }
    } else if var < 4 && w != 0xa9 {
        out.push(short_var_base(w) + var as u8);
    } else if var >= 256 {
        out.extend_from_slice(&code_bytes[o..o + 4]);
    } else {
        out.extend_from_slice(&[w, var as u8]);
    }
    Ok(())
}

/// `tableswitch`, `lookupswitch`: padding for the new offset, every target a jump to patch.
fn emit_switch(
    code_bytes: &[u8],
    o: usize,
    here: usize,
    out: &mut Vec<u8>,
    jumps: &mut Vec<Jump>,
) -> Result<()> {
    let op = code_bytes[o];
    let pad_old = (4 - (o + 1) % 4) % 4;
    let base = o + 1 + pad_old;
    out.push(op);
    let pad_new = (4 - out.len() % 4) % 4;
    out.extend(std::iter::repeat_n(0u8, pad_new));
    let target = |k: usize| -> Result<usize> {
        Ok((o as i64 + i64::from(rd4(code_bytes, base + 4 * k)?)) as usize)
    };
    jumps.push((out.len(), here, target(0)?, true));
    out.extend_from_slice(&[0; 4]);
    if op == 0xaa {
        let (lo, hi) = (rd4(code_bytes, base + 4)?, rd4(code_bytes, base + 8)?);
        out.extend_from_slice(&code_bytes[base + 4..base + 12]);
        for k in 0..usize::try_from(i64::from(hi) - i64::from(lo) + 1)? {
            jumps.push((out.len(), here, target(3 + k)?, true));
            out.extend_from_slice(&[0; 4]);
        }
    } else {
        let n = usize::try_from(rd4(code_bytes, base + 4)?)?;
        out.extend_from_slice(&code_bytes[base + 4..base + 8]);
        for k in 0..n {
            out.extend_from_slice(&code_bytes[base + 8 + 8 * k..base + 12 + 8 * k]);
            let t = (o as i64 + i64::from(rd4(code_bytes, base + 12 + 8 * k)?)) as usize;
            jumps.push((out.len(), here, t, true));
            out.extend_from_slice(&[0; 4]);
        }
    }
    Ok(())
}

/// Old offsets of instructions (and of the code's end) to new ones.
struct Offsets(HashMap<usize, usize>);

impl Offsets {
    fn at(&self, old: usize) -> Result<usize> {
        self.0
            .get(&old)
            .copied()
            .ok_or_else(|| anyhow!("offset {old} is not an instruction"))
    }
    fn at16(&self, old: usize) -> Result<u16> {
        Ok(u16::try_from(self.at(old)?)?)
    }
}

/// The StackMapTable as MethodWriter writes it: the expanded frames, compressed again against
/// the previous one as their instructions are placed.
struct FrameWriter<'f> {
    pending: std::iter::Peekable<std::slice::Iter<'f, Frame>>,
    implicit: &'f [Vt],
    previous: Option<Vec<Vt>>,
    bytes: Vec<u8>,
    count: u16,
    prev_offset: usize,
}

impl<'f> FrameWriter<'f> {
    fn new(frames: &'f [Frame], implicit: &'f [Vt]) -> Self {
        FrameWriter {
            pending: frames.iter().peekable(),
            implicit,
            previous: None,
            bytes: Vec::new(),
            count: 0,
            prev_offset: 0,
        }
    }

    /// Writes the frames of the instruction at old offset `o`, placed at `here`.
    fn at(
        &mut self,
        o: usize,
        here: usize,
        new_at: &Offsets,
        m: &mut Mapper<'_>,
        p: &mut Pool,
    ) -> Result<()> {
        while let Some((fo, _, _)) = self.pending.peek() {
            if *fo != o {
                break;
            }
            let (_, locals, stack) = short(self.pending.next())?;
            let map_vt = |v: &Vt, m: &mut Mapper<'_>| -> Result<Vt> {
                Ok(match v {
                    Vt::Object(n) => Vt::Object(m.map_type(n)?),
                    Vt::Uninit(old) => Vt::Uninit(*short(new_at.0.get(&(*old as usize)))? as u32),
                    t => t.clone(),
                })
            };
            let locals: Vec<Vt> = locals.iter().map(|v| map_vt(v, m)).collect::<Result<_>>()?;
            let stack: Vec<Vt> = stack.iter().map(|v| map_vt(v, m)).collect::<Result<_>>()?;
            let prev = match &self.previous {
                Some(pf) => pf.clone(),
                None => self
                    .implicit
                    .iter()
                    .map(|v| match v {
                        Vt::Object(n) => m.map_type(n).map(Vt::Object),
                        t => Ok(t.clone()),
                    })
                    .collect::<Result<_>>()?,
            };
            put_frame(
                p,
                &mut self.bytes,
                self.count,
                here,
                self.prev_offset,
                &prev,
                &locals,
                &stack,
            )?;
            self.count += 1;
            self.prev_offset = here;
            self.previous = Some(locals);
        }
        Ok(())
    }

    /// The table, once every instruction is placed.
    fn finish(mut self) -> Result<Option<(u16, Vec<u8>)>> {
        if self.pending.next().is_some() {
            bail!("a stack map frame is not at an instruction");
        }
        Ok((self.count > 0).then_some((self.count, self.bytes)))
    }
}

/// The code's type annotations, visible and invisible (each in attribute order), and the two
/// attributes written in visit order: exception parameters, instructions, local variables.
struct CodeTas {
    tas: [Vec<CodeTa>; 2],
    next: [usize; 2],
    out: [(u16, Vec<u8>); 2],
}

impl CodeTas {
    fn read(i: &mut In<'_>, ta_at: [Option<usize>; 2]) -> Result<Self> {
        let mut tas: [Vec<CodeTa>; 2] = [Vec::new(), Vec::new()];
        for (k, at) in ta_at.iter().enumerate() {
            if let Some(at) = at {
                i.pos = *at;
                tas[k] = read_code_tas(i)?;
            }
        }
        Ok(CodeTas {
            tas,
            next: [0, 0],
            out: [(0, Vec::new()), (0, Vec::new())],
        })
    }

    /// readTypeAnnotations, in the order the two attributes appear: exception parameters.
    fn exception_parameters(
        &mut self,
        i: &mut In<'_>,
        m: &mut Mapper<'_>,
        p: &mut Pool,
        ta_at: [Option<usize>; 2],
    ) -> Result<()> {
        let file_order = match ta_at {
            [Some(v), Some(inv)] if inv < v => [1, 0],
            _ => [0, 1],
        };
        for k in file_order {
            for ta in &self.tas[k] {
                if ta.target == 0x42 {
                    emit_ta(i, m, p, &mut self.out[k], ta, &ta.info)?;
                }
            }
        }
        Ok(())
    }

    /// The annotations of the instruction at old offset `o`, placed at `here` (visible, then
    /// invisible), consumed in attribute order as ClassReader does.
    fn instruction(
        &mut self,
        i: &mut In<'_>,
        m: &mut Mapper<'_>,
        p: &mut Pool,
        o: usize,
        here: usize,
    ) -> Result<()> {
        for k in 0..2 {
            while let Some(ta) = self.tas[k].get(self.next[k]) {
                let target_offset = ta.insn_offset();
                if target_offset.is_some_and(|t| t > o) {
                    break;
                }
                if target_offset == Some(o) {
                    let mut info = u16::try_from(here)?.to_be_bytes().to_vec();
                    info.extend_from_slice(&ta.info[2..]);
                    emit_ta(i, m, p, &mut self.out[k], ta, &info)?;
                }
                self.next[k] += 1;
            }
        }
        Ok(())
    }

    /// Local variable type annotations, visible then invisible, their ranges moved.
    fn local_variables(
        &mut self,
        i: &mut In<'_>,
        m: &mut Mapper<'_>,
        p: &mut Pool,
        new_at: &Offsets,
    ) -> Result<()> {
        for k in 0..2 {
            for ta in &self.tas[k] {
                if ta.target == 0x40 || ta.target == 0x41 {
                    let n = usize::from(u16::from_be_bytes([ta.info[0], ta.info[1]]));
                    let mut info = ta.info[..2].to_vec();
                    for e in 0..n {
                        let r = &ta.info[2 + 6 * e..8 + 6 * e];
                        let s0 = usize::from(u16::from_be_bytes([r[0], r[1]]));
                        let l0 = usize::from(u16::from_be_bytes([r[2], r[3]]));
                        let ns = new_at.at16(s0)?;
                        let ne = new_at.at16(s0 + l0)?;
                        info.extend_from_slice(&ns.to_be_bytes());
                        info.extend_from_slice(&short(ne.checked_sub(ns))?.to_be_bytes());
                        info.extend_from_slice(&r[4..6]);
                    }
                    emit_ta(i, m, p, &mut self.out[k], ta, &info)?;
                }
            }
        }
        Ok(())
    }

    /// The two attributes, each when it holds an annotation.
    fn finish(self) -> [Option<(u16, Vec<u8>)>; 2] {
        self.out.map(|t| (t.0 > 0).then_some(t))
    }
}

/// Branch and switch offsets, once every instruction is placed.
fn patch_jumps(out: &mut [u8], jumps: Vec<Jump>, new_at: &Offsets) -> Result<()> {
    for (patch, insn, target, wide) in jumps {
        let delta = new_at.at(target)? as i64 - insn as i64;
        if wide {
            out[patch..patch + 4].copy_from_slice(&(delta as i32).to_be_bytes());
        } else {
            let d = i16::try_from(delta).map_err(|_| anyhow!("jump too far"))?;
            out[patch..patch + 2].copy_from_slice(&d.to_be_bytes());
        }
    }
    Ok(())
}

/// The exception table: ranges and handlers moved, catch types as visited.
fn handler_table(raw: &[(u16, u16, u16, u16)], types: &[u16], new_at: &Offsets) -> Result<Vec<u8>> {
    let mut handlers = Vec::new();
    for ((s, e, h, _), t) in raw.iter().zip(types) {
        for v in [
            new_at.at(usize::from(*s))?,
            new_at.at(usize::from(*e))?,
            new_at.at(usize::from(*h))?,
        ] {
            handlers.extend_from_slice(&u16::try_from(v)?.to_be_bytes());
        }
        handlers.extend_from_slice(&t.to_be_bytes());
    }
    Ok(handlers)
}

/// LineNumberTable entries, in the order ClassReader visits them: a label's line numbers in
/// table order, labels in offset order.
fn read_lines(i: &mut In<'_>, at: Option<usize>) -> Result<Vec<(usize, u16)>> {
    let mut lines: Vec<(usize, u16)> = Vec::new();
    if let Some(at) = at {
        i.pos = at;
        for _ in 0..i.u2()? {
            lines.push((usize::from(i.u2()?), i.u2()?));
        }
    }
    lines.sort_by_key(|(pc, _)| *pc);
    Ok(lines)
}

/// The LineNumberTable, its offsets moved.
fn line_table(lines: &[(usize, u16)], new_at: &Offsets) -> Result<Option<(u16, Vec<u8>)>> {
    if lines.is_empty() {
        return Ok(None);
    }
    let mut b = Vec::new();
    for (pc, line) in lines {
        b.extend_from_slice(&new_at.at16(*pc)?.to_be_bytes());
        b.extend_from_slice(&line.to_be_bytes());
    }
    Ok(Some((lines.len() as u16, b)))
}

/// Both local variable tables.
type LocalTables = (Option<(u16, Vec<u8>)>, Option<(u16, Vec<u8>)>);

/// Local variables: LVT order, each with its LVTT signature (matched by start and index).
fn local_variables(
    i: &mut In<'_>,
    m: &mut Mapper<'_>,
    p: &mut Pool,
    ca: &Attrs,
    new_at: &Offsets,
) -> Result<LocalTables> {
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
    let Some(a) = ca.at("LocalVariableTable") else {
        return Ok((None, None));
    };
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
        let ns = new_at.at16(usize::from(s))?;
        let ne = new_at.at16(usize::from(s) + usize::from(l))?;
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
    Ok(((t.0 > 0).then_some(t), (tt.0 > 0).then_some(tt)))
}

/// The attributes of a Code attribute this layout rewrites (others are kept as they are).
const CODE_KNOWN: &[&str] = &[
    "StackMapTable",
    "LineNumberTable",
    "LocalVariableTable",
    "LocalVariableTypeTable",
    "RuntimeVisibleTypeAnnotations",
    "RuntimeInvisibleTypeAnnotations",
];

/// The exception handlers' catch types, as visitTryCatchBlock adds them (0: any).
fn catch_types(
    i: &In<'_>,
    m: &mut Mapper<'_>,
    p: &mut Pool,
    raw_handlers: &[(u16, u16, u16, u16)],
) -> Result<Vec<u16>> {
    let mut handler_types = Vec::new();
    for (_, _, _, t) in raw_handlers {
        handler_types.push(if *t == 0 {
            0
        } else {
            let c = i.class(*t)?;
            let mc = m.map_type(&c)?;
            p.class(&mc)?
        });
    }
    Ok(handler_types)
}

/// The Code attribute re-emitted as MethodWriter writes it; `None` when it holds what this
/// layout does not cover.
#[allow(clippy::too_many_arguments)]
pub(super) fn code(
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
    let code_bytes = i.take(len)?.to_vec();
    let n_handlers = i.u2()?;
    let mut raw_handlers = Vec::new();
    for _ in 0..n_handlers {
        raw_handlers.push((i.u2()?, i.u2()?, i.u2()?, i.u2()?));
    }
    let ca = read_attrs(i, CODE_KNOWN)?;
    let ta_at = [
        ca.at("RuntimeVisibleTypeAnnotations"),
        ca.at("RuntimeInvisibleTypeAnnotations"),
    ];
    let mut tas = CodeTas::read(i, ta_at)?;
    let Some(starts) = instruction_starts(&code_bytes)? else {
        return Ok(None);
    };
    let implicit = implicit_frame(owner, name, desc, is_static)?;
    let frames = match ca.at("StackMapTable") {
        Some(at) => expand_frames(i, at, &implicit)?,
        None => Vec::new(),
    };
    let lines = read_lines(i, ca.at("LineNumberTable"))?;

    // Emit: exception handlers' catch types first (visitTryCatchBlock), then instructions.
    let handler_types = catch_types(i, m, p, &raw_handlers)?;
    tas.exception_parameters(i, m, p, ta_at)?;
    let mut new_at = Offsets(HashMap::new());
    let mut out: Vec<u8> = Vec::with_capacity(len + 16);
    let mut jumps: Vec<Jump> = Vec::new();
    let mut frame_writer = FrameWriter::new(&frames, &implicit);
    // Uninitialized types point at NEW instructions: their new offsets are known once those
    // instructions are placed, which precedes any frame that mentions them.
    for &o in &starts {
        let here = out.len();
        new_at.0.insert(o, here);
        frame_writer.at(o, here, &new_at, m, p)?;
        if !emit_insn(i, m, p, &code_bytes, o, here, &mut out, &mut jumps)? {
            return Ok(None);
        }
        tas.instruction(i, m, p, o, here)?;
    }
    new_at.0.insert(len, out.len());
    let frames = frame_writer.finish()?;
    patch_jumps(&mut out, jumps, &new_at)?;
    let handlers = handler_table(&raw_handlers, &handler_types, &new_at)?;
    let lines = line_table(&lines, &new_at)?;
    let (lvt, lvtt) = local_variables(i, m, p, &ca, &new_at)?;
    tas.local_variables(i, m, p, &new_at)?;
    Ok(Some(Code {
        max_stack,
        max_locals,
        code: out,
        handlers,
        n_handlers,
        frames,
        lines,
        lvt,
        lvtt,
        type_annotations: tas.finish(),
        custom: ca.custom,
    }))
}

/// A type annotation of a Code attribute: target type and info, path, and where its
/// annotation (type index onwards) starts in the class bytes.
pub(super) struct CodeTa {
    pub(super) target: u8,
    pub(super) info: Vec<u8>,
    pub(super) path: Vec<u8>,
    pub(super) ann_at: usize,
}

impl CodeTa {
    /// The instruction offset of an instruction's annotation (`None` for other targets).
    pub(super) fn insn_offset(&self) -> Option<usize> {
        (0x43..=0x4B)
            .contains(&self.target)
            .then(|| usize::from(u16::from_be_bytes([self.info[0], self.info[1]])))
    }
}

pub(super) fn read_code_tas(i: &mut In<'_>) -> Result<Vec<CodeTa>> {
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

pub(super) fn skip_annotation(i: &mut In<'_>) -> Result<()> {
    i.u2()?;
    for _ in 0..i.u2()? {
        i.u2()?;
        skip_element_value(i)?;
    }
    Ok(())
}

pub(super) fn skip_element_value(i: &mut In<'_>) -> Result<()> {
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
pub(super) fn emit_ta(
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

pub(super) fn map_handle(m: &mut Mapper<'_>, h: &Handle) -> Result<Handle> {
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
pub(super) fn arguments_size(desc: &str) -> u8 {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invokeinterface_counts_the_receiver_and_wide_arguments() {
        assert_eq!(arguments_size("()V"), 1);
        assert_eq!(arguments_size("(IJ[DLa/B;D)Z"), 8);
    }
}
