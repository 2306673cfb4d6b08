//! The central directory as Java's `ZipFile` and Info-ZIP's `unzip` read it: every record, in
//! order, duplicates included, walked by the directory's size rather than counted by the
//! end record's 16-bit entry count (which wraps at 65,536 in jars written without zip64). The
//! zip crate keys entries by name (a duplicate hides the first) and trusts that count, so
//! `inspect` lists a jar from here. Bounded by the file: a record is at least 46 bytes.

use std::borrow::Cow;
use std::io::{self, Read, Seek, SeekFrom};

use anyhow::Context;

/// One central directory record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CentralEntry {
    /// The name's bytes as stored (normally UTF-8).
    pub name: Vec<u8>,
    /// `version made by`: the high byte is the system (3 = Unix).
    pub made_by: u16,
    pub method: u16,
    pub dos_time: u16,
    pub dos_date: u16,
    pub crc32: u32,
    pub compressed_size: u64,
    pub size: u64,
    pub external_attributes: u32,
}

impl CentralEntry {
    pub fn made_on_unix(&self) -> bool {
        self.made_by >> 8 == 3
    }

    /// The Unix mode with its type bits, as the zip crate (and `unzip -Z`) derive it: the high
    /// 16 bits of the external attributes on Unix, else from the DOS attributes.
    pub fn unix_mode(&self) -> u32 {
        if self.external_attributes == 0 {
            return 0;
        }
        if self.made_on_unix() {
            return self.external_attributes >> 16;
        }
        let mut mode = if self.external_attributes & 0x10 != 0 {
            0o040775
        } else {
            0o100664
        };
        if self.external_attributes & 0x01 != 0 {
            mode &= !0o222;
        }
        mode
    }

    /// `YYYY-MM-DD HH:MM:SS` from the DOS date and time, `-` when they are not a valid time.
    pub fn modified(&self) -> String {
        let (d, t) = (self.dos_date, self.dos_time);
        let (year, month, day) = (1980 + (d >> 9), (d >> 5) & 0xF, d & 0x1F);
        let (hour, minute, second) = (t >> 11, (t >> 5) & 0x3F, (t & 0x1F) * 2);
        if !(1..=12).contains(&month)
            || !(1..=31).contains(&day)
            || hour > 23
            || minute > 59
            || second > 59
        {
            return "-".to_string();
        }
        format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}")
    }

    pub fn method_name(&self) -> Cow<'static, str> {
        Cow::Borrowed(match self.method {
            0 => "stored",
            8 => "deflated",
            9 => "deflate64",
            12 => "bzip2",
            14 => "lzma",
            93 => "zstd",
            95 => "xz",
            other => return Cow::Owned(format!("method {other}")),
        })
    }
}

const EOCD: u32 = 0x0605_4b50;
const ZIP64_LOCATOR: u32 = 0x0706_4b50;
const ZIP64_EOCD: u32 = 0x0606_4b50;
const CENTRAL: u32 = 0x0201_4b50;

pub(super) fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[i], b[i + 1]])
}
pub(super) fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}
fn u64_at(b: &[u8], i: usize) -> u64 {
    u64::from_le_bytes([
        b[i],
        b[i + 1],
        b[i + 2],
        b[i + 3],
        b[i + 4],
        b[i + 5],
        b[i + 6],
        b[i + 7],
    ])
}

/// Where the `count` records at the start of central directory bytes `central` start and end
/// (the writer's own directories, whose count is known).
pub(super) fn record_spans(central: &[u8], count: usize) -> anyhow::Result<Vec<(usize, usize)>> {
    let mut records = Vec::with_capacity(count);
    let mut pos = 0usize;
    for _ in 0..count {
        let header = central
            .get(pos..pos + 46)
            .context("central directory record cut short")?;
        anyhow::ensure!(
            u32_at(header, 0) == CENTRAL,
            "unexpected bytes at central directory offset {pos}"
        );
        let end = pos
            + 46
            + usize::from(u16_at(header, 28))
            + usize::from(u16_at(header, 30))
            + usize::from(u16_at(header, 32));
        anyhow::ensure!(end <= central.len(), "central directory record cut short");
        records.push((pos, end));
        pos = end;
    }
    Ok(records)
}

fn bad(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.into())
}

/// Every central directory record of the zip in `r`.
pub fn read<R: Read + Seek>(r: &mut R) -> io::Result<Vec<CentralEntry>> {
    let len = r.seek(SeekFrom::End(0))?;
    // The end record (22 bytes) followed by a comment of at most 65,535 bytes.
    let tail_len = len.min(22 + 65_535);
    let tail_start = len - tail_len;
    r.seek(SeekFrom::Start(tail_start))?;
    let mut tail = vec![0; usize::try_from(tail_len).map_err(|_| bad("file too large"))?];
    r.read_exact(&mut tail)?;
    let eocd = (0..tail.len().saturating_sub(21))
        .rev()
        .find(|&i| {
            u32_at(&tail, i) == EOCD && i + 22 + usize::from(u16_at(&tail, i + 20)) <= tail.len()
        })
        .ok_or_else(|| bad("no end of central directory record (not a zip file, or cut short)"))?;
    let eocd_pos = tail_start + eocd as u64;
    let mut cd_size = u64::from(u32_at(&tail, eocd + 12));
    let mut cd_offset = u64::from(u32_at(&tail, eocd + 16));
    // The directory ends where the end record (or the zip64 end record) starts.
    let mut cd_end = eocd_pos;
    if eocd >= 20 && u32_at(&tail, eocd - 20) == ZIP64_LOCATOR {
        let at = u64_at(&tail, eocd - 20 + 8);
        if at < eocd_pos {
            let mut record = [0u8; 56];
            r.seek(SeekFrom::Start(at))?;
            r.read_exact(&mut record)?;
            if u32_at(&record, 0) != ZIP64_EOCD {
                return Err(bad("the zip64 end of central directory record is missing"));
            }
            cd_size = u64_at(&record, 40);
            cd_offset = u64_at(&record, 48);
            cd_end = at;
        }
    }
    let cd_start = cd_end
        .checked_sub(cd_size)
        .ok_or_else(|| bad("the central directory is larger than the file"))?;
    // Data prepended to the zip (a launcher script) shifts every offset; Java locates the
    // directory from its end, as here, and falls back to the recorded offset.
    let cd_start = if at_signature(r, cd_start)? {
        cd_start
    } else if cd_size > 0
        && cd_offset.checked_add(cd_size).is_some_and(|e| e <= len)
        && at_signature(r, cd_offset)?
    {
        cd_offset
    } else if cd_size == 0 {
        cd_start
    } else {
        return Err(bad(
            "the central directory is not where the end record says",
        ));
    };
    r.seek(SeekFrom::Start(cd_start))?;
    let mut directory = vec![0; usize::try_from(cd_size).map_err(|_| bad("directory too large"))?];
    r.read_exact(&mut directory)?;
    parse_records(&directory)
}

fn at_signature<R: Read + Seek>(r: &mut R, at: u64) -> io::Result<bool> {
    let mut sig = [0u8; 4];
    r.seek(SeekFrom::Start(at))?;
    match r.read_exact(&mut sig) {
        Ok(()) => Ok(u32::from_le_bytes(sig) == CENTRAL),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e),
    }
}

/// The records of a central directory's bytes.
pub fn parse_records(directory: &[u8]) -> io::Result<Vec<CentralEntry>> {
    let mut entries = Vec::new();
    let mut i = 0;
    while i < directory.len() {
        let header = directory.get(i..i + 46).ok_or_else(|| {
            bad(format!(
                "central directory record {} is cut short",
                entries.len() + 1
            ))
        })?;
        if u32_at(header, 0) != CENTRAL {
            return Err(bad(format!(
                "central directory record {} has a bad signature",
                entries.len() + 1
            )));
        }
        let name_len = usize::from(u16_at(header, 28));
        let extra_len = usize::from(u16_at(header, 30));
        let comment_len = usize::from(u16_at(header, 32));
        let end = i + 46 + name_len + extra_len + comment_len;
        let record = directory.get(i..end).ok_or_else(|| {
            bad(format!(
                "central directory record {} is cut short",
                entries.len() + 1
            ))
        })?;
        let mut entry = CentralEntry {
            name: record[46..46 + name_len].to_vec(),
            made_by: u16_at(header, 4),
            method: u16_at(header, 10),
            dos_time: u16_at(header, 12),
            dos_date: u16_at(header, 14),
            crc32: u32_at(header, 16),
            compressed_size: u64::from(u32_at(header, 20)),
            size: u64::from(u32_at(header, 24)),
            external_attributes: u32_at(header, 38),
        };
        // zip64 extended information: the 0xFFFFFFFF fields, in order (size, compressed size).
        let mut extra = &record[46 + name_len..46 + name_len + extra_len];
        while extra.len() >= 4 {
            let (id, len) = (u16_at(extra, 0), usize::from(u16_at(extra, 2)));
            let Some(body) = extra.get(4..4 + len) else {
                break;
            };
            if id == 0x0001 {
                let mut fields = body.chunks_exact(8).map(|c| u64_at(c, 0));
                if entry.size == 0xFFFF_FFFF {
                    entry.size = fields.next().unwrap_or(entry.size);
                }
                if entry.compressed_size == 0xFFFF_FFFF {
                    entry.compressed_size = fields.next().unwrap_or(entry.compressed_size);
                }
            }
            extra = &extra[4 + len..];
        }
        entries.push(entry);
        i = end;
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};

    fn zip(names: &[&str]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        let mut w = zip::ZipWriter::new(&mut out);
        for n in names {
            w.start_file(*n, zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(n.as_bytes()).unwrap();
        }
        w.finish().unwrap();
        out.into_inner()
    }

    #[test]
    fn reads_every_record_in_order() {
        let bytes = zip(&["META-INF/MANIFEST.MF", "a.txt", "b/c.txt"]);
        let entries = read(&mut Cursor::new(&bytes)).unwrap();
        let names: Vec<&[u8]> = entries.iter().map(|e| e.name.as_slice()).collect();
        assert_eq!(names, [&b"META-INF/MANIFEST.MF"[..], b"a.txt", b"b/c.txt"]);
        assert_eq!(entries[1].size, 5);
        assert_eq!(entries[1].method_name(), "deflated");
        // Prepended bytes (a shell launcher) shift every offset.
        let mut shifted = b"#!/bin/sh\nexit 0\n".to_vec();
        shifted.extend_from_slice(&bytes);
        assert_eq!(read(&mut Cursor::new(&shifted)).unwrap(), entries);
    }

    #[test]
    fn duplicates_and_a_wrapped_count_are_all_listed() {
        let bytes = zip(&["dup-A", "dup-B"]);
        // Rename dup-B to dup-A in both headers: a duplicate name, as some tools write them.
        let mut dup = bytes.clone();
        let at: Vec<usize> = (0..dup.len() - 5)
            .filter(|&i| &dup[i..i + 5] == b"dup-B")
            .collect();
        for i in at {
            dup[i + 4] = b'A';
        }
        let listed = read(&mut Cursor::new(&dup)).unwrap();
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[0].name, listed[1].name);
        // An end record whose 16-bit counts wrapped to 0 (65,536 entries without zip64).
        let mut wrapped = bytes.clone();
        let eocd = wrapped.len() - 22;
        wrapped[eocd + 8..eocd + 12].fill(0);
        assert_eq!(read(&mut Cursor::new(&wrapped)).unwrap().len(), 2);
        assert!(read(&mut Cursor::new(b"not a zip")).is_err());
    }
}
