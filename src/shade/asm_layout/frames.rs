//! Stack map frames compressed as MethodWriter.putFrame compresses them: same, same with one
//! stack item, chop, append (up to three locals, the common ones unchanged) or full.

use anyhow::Result;

use super::code::Vt;
use super::pool::Pool;
use super::read::short;

/// MethodWriter.putFrame: the frame at `offset` relative to the previous one's locals.
#[allow(clippy::too_many_arguments)]
pub(super) fn put_frame(
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

pub(super) fn put_vt(p: &mut Pool, out: &mut Vec<u8>, v: &Vt) -> Result<()> {
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
    use crate::shade::asm_layout::pool::Pool;

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
