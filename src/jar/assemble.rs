//! The fast way to write a jar that is mostly raw copies (every shaded build): the zip crate
//! frames the few entries it must make (directories, project files, merged service files) into a
//! side file, and the jar is then assembled in entry order from that side file and the dependency
//! jars, each dependency entry's compressed bytes read straight into the output buffer. Per entry
//! this is two short header writes and one read, where the crate's `raw_copy_file_touch` parses the
//! source header, builds options and indexes the name (three quarters of the time of shading
//! storm-server's closure went there).
//!
//! The bytes are the ones the crate writes for the same jar: a dependency entry gets the local
//! header and central directory record `raw_copy_file_touch` gives it (its own flags' UTF-8 bit,
//! method, CRC and sizes, the build's time, mode 0644/0755 with its file type, made on Unix as
//! `mark_made_on_unix` marks it), the crate's own entries are copied as it framed them with only
//! their offset changed. `tests` compares both ways byte for byte. Anything this framing does
//! not reproduce (relocation, renamed entries, extra fields other than zip64 and extended
//! timestamps, comments, encryption, zip64 sizes, 65,535 entries or more) makes
//! [`try_assemble`] answer `None`, and the crate writes the whole jar.

use std::borrow::Cow;
use std::ffi::OsString;
use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use zip::{CompressionMethod, DateTime, ZipWriter};

use super::central::{record_spans, u16_at, u32_at};
use super::deps::{DepJar, RawCopy, Shaded};
use super::io::{read_at, read_exact_at, JarSink, JarSource};
use super::writer::{method_name, summarize, write_item, Item};
use super::{EntryInfo, JarBuild, JarSummary};

const LOCAL_HEADER: u32 = 0x0403_4b50;
const CENTRAL_HEADER: u32 = 0x0201_4b50;
const END_OF_CENTRAL_DIRECTORY: u32 = 0x0605_4b50;
/// Below every zip64 threshold (4 GiB offsets and sizes), with room for the central directory.
const SIZE_LIMIT: u64 = 0xF000_0000;
/// Zip64 end records appear at 65,535 entries; the crate writes those.
const ENTRY_LIMIT: usize = 0xFFFF;
/// The UTF-8 name flag, the only flag a raw copy keeps.
const LANGUAGE_ENCODING: u16 = 0x0800;
const S_IFMT_MASK: u32 = !0o7777;
const S_IFREG: u32 = 0o100_000;

/// Write the jar into `file` (just created at `out`) the fast way, or `None` when the zip crate
/// must write it (see the module doc); `out` may then hold anything (the caller writes it again).
pub(super) fn try_assemble(
    build: &JarBuild<'_>,
    order: &[(Cow<'_, str>, Item<'_>)],
    file: File,
    out: &Path,
    time: DateTime,
) -> anyhow::Result<Option<JarSummary>> {
    if !worth_assembling(&build.shaded, order) {
        return Ok(None);
    }
    let Some(side) = SideFile::create(out) else {
        return Ok(None);
    };
    let parts = write_parts(build, order, &side, time);
    let parts = match parts {
        Ok(Some(parts)) => parts,
        other => return other.map(|_| None),
    };
    let mut assembly = Assembly {
        sink: JarSink::new(file),
        central: Vec::with_capacity(order.len() * 96),
        entries: Vec::with_capacity(order.len()),
        readers: vec![None; build.shaded.jars.len()],
        directories: vec![None; build.shaded.jars.len()],
        time,
    };
    let mut next_part = 0;
    for (path, item) in order {
        let copied = match item {
            Item::Shaded(entry) => assembly
                .copy_dependency_entry(&build.shaded, entry)
                .with_context(|| format!("writing `{path}` into {}", out.display()))?,
            _ => {
                assembly
                    .copy_part(&parts, next_part)
                    .with_context(|| format!("writing `{path}` into {}", out.display()))?;
                next_part += 1;
                true
            }
        };
        if !copied || assembly.sink.position() >= SIZE_LIMIT {
            return Ok(None);
        }
    }
    let entries = assembly
        .finish()
        .with_context(|| format!("finishing {}", out.display()))?;
    Ok(Some(JarSummary { entries }))
}

/// Whether the jar is worth (and fit for) assembling: it has dependency entries, each copied
/// under its own name and not rewritten, and it stays below the zip64 limits.
fn worth_assembling(plan: &Shaded<'_>, order: &[(Cow<'_, str>, Item<'_>)]) -> bool {
    if plan.classes.is_some() || plan.copies.is_empty() || order.len() >= ENTRY_LIMIT {
        return false;
    }
    let mut bound = 0u64;
    for (path, item) in order {
        if let Item::Shaded(entry) = item {
            if entry.source != entry.path {
                return false;
            }
            bound += entry.compressed_size + 2 * path.len() as u64 + 76;
        }
    }
    bound < SIZE_LIMIT
}

/// `OUT.parts`, created by [`SideFile::create`], removed when dropped.
struct SideFile {
    path: PathBuf,
    file: File,
}

impl SideFile {
    fn path_for(out: &Path) -> PathBuf {
        let mut name = OsString::from(out.as_os_str());
        name.push(".parts");
        PathBuf::from(name)
    }

    /// A new side file beside `out`; `None` if it cannot be made (the crate then writes the jar):
    /// one a killed build left is replaced, but not a directory or a link of that name.
    fn create(out: &Path) -> Option<SideFile> {
        let path = Self::path_for(out);
        let create = || {
            File::options()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&path)
        };
        let file = match create() {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let stale = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_file());
                if !stale || std::fs::remove_file(&path).is_err() {
                    return None;
                }
                create().ok()?
            }
            Err(_) => return None,
        };
        Some(SideFile { path, file })
    }
}

impl Drop for SideFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The entries the zip crate framed, in jar order.
struct Parts {
    file: File,
    /// Each entry's bytes (local header, data) in `file`.
    spans: Vec<(u64, u64)>,
    /// Each entry's central directory record in `central`.
    records: Vec<(usize, usize)>,
    central: Vec<u8>,
    entries: Vec<EntryInfo>,
}

/// Every entry but the dependency copies, framed by the zip crate into the side file.
fn write_parts(
    build: &JarBuild<'_>,
    order: &[(Cow<'_, str>, Item<'_>)],
    side: &SideFile,
    time: DateTime,
) -> anyhow::Result<Option<Parts>> {
    let path = side.path.as_path();
    let mut zip = ZipWriter::new(JarSink::new(side.file.try_clone()?));
    let mut jars: Vec<DepJar> = Vec::new();
    for (name, item) in order {
        if !matches!(item, Item::Shaded(_)) {
            write_item(&mut zip, name, item, &build.shaded, &mut jars, time)
                .with_context(|| format!("writing `{name}` into {}", path.display()))?;
        }
    }
    let archive = zip
        .finish_into_readable()
        .with_context(|| format!("finishing {}", path.display()))?;
    let central_start = archive.central_directory_start();
    if central_start >= SIZE_LIMIT {
        return Ok(None);
    }
    let summary = summarize(&archive)?;
    let mut starts = Vec::with_capacity(archive.len() + 1);
    for index in 0..archive.len() {
        starts.push(archive.by_index_data(index)?.header_start());
    }
    starts.push(central_start);
    let file = archive
        .into_inner()
        .into_file()
        .with_context(|| format!("writing {}", path.display()))?;
    let size = file.metadata()?.len();
    let mut central = vec![0u8; usize::try_from(size - central_start)?];
    read_exact_at(&file, &mut central, central_start)?;
    let records = record_spans(&central, summary.entries.len())
        .with_context(|| format!("reading back {}", path.display()))?;
    Ok(Some(Parts {
        file,
        spans: starts.windows(2).map(|w| (w[0], w[1])).collect(),
        records,
        central,
        entries: summary.entries,
    }))
}

struct Assembly {
    sink: JarSink,
    /// The jar's central directory, record by record as entries are written.
    central: Vec<u8>,
    entries: Vec<EntryInfo>,
    /// One reader per dependency jar, made on first use.
    readers: Vec<Option<JarSource>>,
    /// Each dependency jar's central directory bytes, read on first use.
    directories: Vec<Option<Vec<u8>>>,
    time: DateTime,
}

impl Assembly {
    /// The crate-framed entry `index`: its bytes as they are, its record with the new offset.
    fn copy_part(&mut self, parts: &Parts, index: usize) -> anyhow::Result<()> {
        let (Some(&(start, end)), Some(&(r0, r1)), Some(info)) = (
            parts.spans.get(index),
            parts.records.get(index),
            parts.entries.get(index),
        ) else {
            anyhow::bail!("internal error: entry {index} of the side file is missing");
        };
        let offset = self.sink.position();
        let mut source = PartReader {
            file: &parts.file,
            at: start,
        };
        self.sink.append_from(&mut source, end - start)?;
        let at = self.central.len();
        self.central.extend_from_slice(&parts.central[r0..r1]);
        let record = &mut self.central[at..];
        record[5] = 3; // made on Unix, as `mark_made_on_unix` marks every record
        record[42..46].copy_from_slice(&u32::try_from(offset)?.to_le_bytes());
        self.entries.push(info.clone());
        Ok(())
    }

    /// A dependency entry, framed as `raw_copy_file_touch` frames it; `false` if this framing
    /// cannot reproduce it.
    fn copy_dependency_entry(
        &mut self,
        plan: &Shaded<'_>,
        entry: &RawCopy,
    ) -> anyhow::Result<bool> {
        let Some(source) = self.plain_source(plan, entry)? else {
            return Ok(false);
        };
        self.write_raw(plan, entry, &source)?;
        Ok(true)
    }

    /// What the copy of `entry` takes from its jar, its reader left at the entry's data; `None`
    /// if this framing cannot reproduce the crate's (see the module doc).
    fn plain_source(
        &mut self,
        plan: &Shaded<'_>,
        entry: &RawCopy,
    ) -> anyhow::Result<Option<PlainSource>> {
        let fail = |e: &dyn std::fmt::Display| copy_error(plan, entry, e);
        let Some(jar) = plan.jars.get(entry.input) else {
            return Err(fail(&"internal error: no such dependency jar"));
        };
        let data = jar
            .archive()
            .by_index_data(entry.index)
            .map_err(|e| fail(&e))?;
        if data.name_raw() != entry.source.as_bytes()
            || data.compressed_size() != entry.compressed_size
        {
            return Err(fail(&"the jar changed on disk since it was planned"));
        }
        let compression = data.compression();
        let method: u16 = match compression {
            CompressionMethod::Stored => 0,
            CompressionMethod::Deflated => 8,
            _ => return Ok(None),
        };
        let file_type = data.unix_mode().map_or(0, |mode| mode & S_IFMT_MASK);
        // The crate asks a newer version for a Unix mode with the directory bit: odd file types
        // are left to it. So are names a header's 16-bit lengths cannot hold.
        if data.encrypted()
            || !data.comment_raw().is_empty()
            || data.size() >= SIZE_LIMIT
            || data.compressed_size() >= SIZE_LIMIT
            || (file_type != 0 && file_type != S_IFREG && data.system() != zip::System::Dos)
            || entry.path.len() > usize::from(u16::MAX) - 46
        {
            return Ok(None);
        }
        let Some(flags) = self
            .central_flags_if_plain(
                jar,
                entry.input,
                data.central_header_start(),
                entry.source.as_bytes(),
            )
            .map_err(|e| fail(&e))?
        else {
            return Ok(None);
        };
        self.seek_to_data(
            jar,
            entry.input,
            data.header_start(),
            data.compressed_size(),
        )
        .map_err(|e| fail(&e))?;
        Ok(Some(PlainSource {
            compression,
            method,
            flags: flags & LANGUAGE_ENCODING,
            // The crate's options give a mode without a file type that of a regular file.
            file_type: if file_type == 0 { S_IFREG } else { file_type },
            crc32: data.crc32(),
            size: data.size(),
            compressed: data.compressed_size(),
        }))
    }

    /// Jar `input`'s reader moved to the data of the entry whose local header is at
    /// `header_start` (its length read there), checked to end before the central directory.
    fn seek_to_data(
        &mut self,
        jar: &DepJar,
        input: usize,
        header_start: u64,
        compressed: u64,
    ) -> Result<(), String> {
        let reader = self.readers[input].get_or_insert_with(|| jar.reader());
        let mut local = [0u8; 30];
        reader
            .seek(SeekFrom::Start(header_start))
            .and_then(|_| std::io::Read::read_exact(reader, &mut local))
            .map_err(|e| e.to_string())?;
        if u32_at(&local, 0) != LOCAL_HEADER {
            return Err("no local header where the central directory points".to_string());
        }
        let data_start =
            header_start + 30 + u64::from(u16_at(&local, 26)) + u64::from(u16_at(&local, 28));
        if data_start + compressed > jar.central_directory_start() {
            return Err(
                "the entry runs past the central directory; the file is damaged".to_string(),
            );
        }
        reader
            .seek(SeekFrom::Start(data_start))
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// The local header, the data (from the reader [`Self::plain_source`] positioned) and the
    /// central directory record of a raw copy.
    fn write_raw(
        &mut self,
        plan: &Shaded<'_>,
        entry: &RawCopy,
        source: &PlainSource,
    ) -> anyhow::Result<()> {
        let name = entry.path.as_bytes();
        let version: u16 = if source.method == 8 { 20 } else { 10 };
        let mode = (if entry.executable { 0o755 } else { 0o644 }) | source.file_type;
        let offset = u32::try_from(self.sink.position())?;
        let common = Common {
            version,
            flags: source.flags,
            method: source.method,
            time: self.time.timepart(),
            date: self.time.datepart(),
            crc32: source.crc32,
            compressed: u32::try_from(source.compressed)?,
            size: u32::try_from(source.size)?,
            name_len: u16::try_from(name.len())?,
        };
        let mut header = [0u8; 30];
        header[..4].copy_from_slice(&LOCAL_HEADER.to_le_bytes());
        common.put(&mut header[4..28]);
        // and no extra field (bytes 28..30)
        self.sink.write_all(&header)?;
        self.sink.write_all(name)?;
        let Some(reader) = self.readers[entry.input].as_mut() else {
            anyhow::bail!("internal error: jar {} has no reader", entry.input);
        };
        self.sink
            .append_from(reader, source.compressed)
            .map_err(|e| copy_error(plan, entry, &e))?;

        let mut record = [0u8; 46];
        record[..4].copy_from_slice(&CENTRAL_HEADER.to_le_bytes());
        record[4] = version as u8;
        record[5] = 3; // made on Unix
        common.put(&mut record[6..30]);
        // bytes 30..38: no extra field, no comment, disk 0, no internal attributes
        record[38..42].copy_from_slice(&(mode << 16).to_le_bytes());
        record[42..46].copy_from_slice(&offset.to_le_bytes());
        self.central.extend_from_slice(&record);
        self.central.extend_from_slice(name);
        self.entries.push(EntryInfo {
            path: entry.path.clone(),
            size: source.size,
            compressed_size: source.compressed,
            method: method_name(source.compression),
            crc32: source.crc32,
            mode,
        });
        Ok(())
    }

    /// The flags of the central directory record of `name` at `central_start` of jar `input`,
    /// if it has no extra fields but zip64 and extended timestamps (which the crate drops from a
    /// touched copy); `None` also when the record is not where the crate says (a jar with bytes
    /// before its first entry, say).
    fn central_flags_if_plain(
        &mut self,
        jar: &DepJar,
        input: usize,
        central_start: u64,
        name: &[u8],
    ) -> std::io::Result<Option<u16>> {
        if self.directories[input].is_none() {
            let start = jar.central_directory_start();
            let reader = self.readers[input].get_or_insert_with(|| jar.reader());
            let mut bytes =
                vec![0u8; usize::try_from(reader.len().saturating_sub(start)).unwrap_or(0)];
            reader.read_exact_at(&mut bytes, start)?;
            self.directories[input] = Some(bytes);
        }
        let Some(directory) = &self.directories[input] else {
            return Ok(None);
        };
        let Some(at) = central_start
            .checked_sub(jar.central_directory_start())
            .and_then(|at| usize::try_from(at).ok())
        else {
            return Ok(None);
        };
        let Some(header) = directory.get(at..at + 46) else {
            return Ok(None);
        };
        let (name_len, extra_len) = (
            usize::from(u16_at(header, 28)),
            usize::from(u16_at(header, 30)),
        );
        if u32_at(header, 0) != CENTRAL_HEADER
            || directory.get(at + 46..at + 46 + name_len) != Some(name)
        {
            return Ok(None);
        }
        let Some(mut extra) = directory.get(at + 46 + name_len..at + 46 + name_len + extra_len)
        else {
            return Ok(None);
        };
        while !extra.is_empty() {
            if extra.len() < 4 {
                return Ok(None);
            }
            let (id, len) = (u16_at(extra, 0), usize::from(u16_at(extra, 2)));
            if !matches!(id, 0x0001 | 0x5455) || extra.len() < 4 + len {
                return Ok(None);
            }
            extra = &extra[4 + len..];
        }
        Ok(Some(u16_at(header, 8)))
    }

    /// The central directory and its end record, everything written to the file.
    fn finish(mut self) -> anyhow::Result<Vec<EntryInfo>> {
        let start = self.sink.position();
        let count = u16::try_from(self.entries.len())?;
        let mut end = Vec::with_capacity(22);
        end.extend_from_slice(&END_OF_CENTRAL_DIRECTORY.to_le_bytes());
        for field in [0u16, 0, count, count] {
            end.extend_from_slice(&field.to_le_bytes());
        }
        end.extend_from_slice(&u32::try_from(self.central.len())?.to_le_bytes());
        end.extend_from_slice(&u32::try_from(start)?.to_le_bytes());
        end.extend_from_slice(&0u16.to_le_bytes());
        self.sink.write_all(&self.central)?;
        self.sink.write_all(&end)?;
        self.sink.into_file()?;
        Ok(self.entries)
    }
}

/// What a raw copy takes from its source entry.
struct PlainSource {
    compression: CompressionMethod,
    /// Its number in the headers.
    method: u16,
    /// Only the UTF-8 name flag.
    flags: u16,
    /// With the type bits of a regular file when the source had none.
    file_type: u32,
    crc32: u32,
    size: u64,
    compressed: u64,
}

/// The error for a dependency entry that cannot be copied.
fn copy_error(plan: &Shaded<'_>, entry: &RawCopy, e: &dyn std::fmt::Display) -> anyhow::Error {
    plan.copy_error(entry.input, &entry.path, &e.to_string())
}

/// The fields a local header and a central directory record share, in their order.
struct Common {
    version: u16,
    flags: u16,
    method: u16,
    time: u16,
    date: u16,
    crc32: u32,
    compressed: u32,
    size: u32,
    name_len: u16,
}

impl Common {
    /// Into the 24 bytes after the signature (local header) or after `version made by`.
    fn put(&self, out: &mut [u8]) {
        let mut at = 0;
        let mut put = |bytes: &[u8]| {
            out[at..at + bytes.len()].copy_from_slice(bytes);
            at += bytes.len();
        };
        for field in [self.version, self.flags, self.method, self.time, self.date] {
            put(&field.to_le_bytes());
        }
        for field in [self.crc32, self.compressed, self.size] {
            put(&field.to_le_bytes());
        }
        put(&self.name_len.to_le_bytes());
    }
}

/// Reads the side file from a position on.
struct PartReader<'a> {
    file: &'a File,
    at: u64,
}

impl std::io::Read for PartReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = read_at(self.file, out, self.at)?;
        self.at += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::path::Path;

    use zip::write::FullFileOptions;
    use zip::{CompressionMethod, DateTime, System, ZipWriter};

    use crate::jar::writer::write_jar_with;
    use crate::jar::JarBuild;
    use crate::maven::Artifact;
    use crate::shade::{plan, ShadeInput};
    use crate::staging::{EntrySource, StagedEntry, Staging};
    use crate::timestamp::Timestamp;

    /// Source jar entries: name, options, bytes.
    type Entries = Vec<(&'static str, FullFileOptions<'static, 'static>, Vec<u8>)>;

    fn write_source(path: &Path, entries: Entries) {
        let mut zip = ZipWriter::new(std::fs::File::create(path).unwrap());
        for (name, options, bytes) in entries {
            if name.ends_with('/') {
                zip.add_directory(name, options).unwrap();
            } else {
                zip.start_file(name, options).unwrap();
                zip.write_all(&bytes).unwrap();
            }
        }
        zip.finish().unwrap();
    }

    fn options(
        method: CompressionMethod,
        system: System,
        mode: u32,
    ) -> FullFileOptions<'static, 'static> {
        FullFileOptions::default()
            .compression_method(method)
            .system(system)
            .unix_permissions(mode)
            .last_modified_time(DateTime::from_date_and_time(2021, 3, 4, 5, 6, 8).unwrap())
    }

    fn text(seed: usize, len: usize) -> Vec<u8> {
        (0..len)
            .map(|i| b"abcdefghij\n"[(i * 7 + seed) % 11])
            .collect()
    }

    /// Both ways of writing the jar of `jars` (shaded under a small project), and whether
    /// assembling applied.
    fn both_ways(dir: &Path, jars: Vec<Entries>) -> (Vec<u8>, Vec<u8>, bool) {
        let mut inputs = Vec::new();
        for (i, entries) in jars.into_iter().enumerate() {
            let file = dir.join(format!("dep{i}.jar"));
            write_source(&file, entries);
            let artifact = Artifact::new("g", &format!("dep{i}"), "1");
            inputs.push(ShadeInput {
                artifact: artifact.clone(),
                file,
                trail: vec![artifact],
            });
        }
        let mut staging = Staging::new();
        for (path, bytes) in [
            (
                "META-INF/MANIFEST.MF",
                &b"Manifest-Version: 1.0\r\n\r\n"[..],
            ),
            ("META-INF/services/com.example.Api", b"com.example.Mine\n"),
            ("com/example/Main.class", b"\xca\xfe\xba\xbe main"),
            ("resources/run.sh", b"#!/bin/sh\necho hi\n"),
        ] {
            staging
                .add(StagedEntry {
                    path: path.to_string(),
                    source: EntrySource::Bytes(bytes.to_vec()),
                    executable: path.ends_with(".sh"),
                    origin: "test".to_string(),
                })
                .unwrap();
        }
        let plan = plan(&staging, inputs).unwrap();
        let build = JarBuild {
            project: &staging,
            leading: vec![],
            shaded: plan.for_jar(),
            timestamp: Timestamp::decide(Some("1700000000"), None).unwrap(),
        };
        let (fast, slow) = (dir.join("fast.jar"), dir.join("slow.jar"));
        let fast_summary = write_jar_with(&build, &fast, true).unwrap();
        let slow_summary = write_jar_with(&build, &slow, false).unwrap();
        assert_eq!(
            format!("{:?}", fast_summary.entries),
            format!("{:?}", slow_summary.entries)
        );
        assert!(
            !super::SideFile::path_for(&fast).is_file(),
            "side file left behind"
        );
        let order = super::super::writer::entry_order_for_tests(&build);
        let probe = dir.join("probe.jar");
        let file = crate::jar::writer::create_output(&probe).unwrap();
        let assembled = super::try_assemble(&build, &order, file, &probe, time()).unwrap();
        (
            std::fs::read(fast).unwrap(),
            std::fs::read(slow).unwrap(),
            assembled.is_some(),
        )
    }

    fn time() -> DateTime {
        DateTime::from_date_and_time(2023, 11, 14, 22, 13, 20).unwrap()
    }

    #[test]
    fn assembling_writes_the_bytes_the_zip_crate_writes() {
        let dir = tempfile::tempdir().unwrap();
        let mut stamped = options(CompressionMethod::Deflated, System::Unix, 0o644);
        stamped = stamped
            .with_extended_timestamp(Some(1_600_000_000), None, None)
            .unwrap();
        let first: Entries = vec![
            (
                "META-INF/",
                options(CompressionMethod::Stored, System::Unix, 0o755),
                vec![],
            ),
            (
                "META-INF/MANIFEST.MF",
                options(CompressionMethod::Deflated, System::Dos, 0o644),
                b"Manifest-Version: 1.0\r\n\r\n".to_vec(),
            ),
            (
                "META-INF/services/com.example.Api",
                options(CompressionMethod::Deflated, System::Unix, 0o644),
                b"dep.Impl\n".to_vec(),
            ),
            (
                "org/dep/A.class",
                options(CompressionMethod::Deflated, System::Dos, 0o644),
                text(1, 5000),
            ),
            (
                "org/dep/stored.bin",
                options(CompressionMethod::Stored, System::Unix, 0o644),
                text(2, 70_000),
            ),
            (
                "org/dep/tool",
                options(CompressionMethod::Deflated, System::Unix, 0o755),
                text(3, 300),
            ),
            (
                "org/dep/ünïcode.txt",
                options(CompressionMethod::Deflated, System::Unix, 0o600),
                text(4, 10),
            ),
            (
                "org/dep/empty.txt",
                options(CompressionMethod::Stored, System::Dos, 0o444),
                vec![],
            ),
            ("org/dep/stamped.txt", stamped, text(5, 2_000_000)),
        ];
        let second: Entries = vec![
            (
                "org/dep/A.class",
                options(CompressionMethod::Stored, System::Unix, 0o644),
                text(6, 10),
            ),
            (
                "org/other/B.class",
                options(CompressionMethod::Deflated, System::Unix, 0o644),
                text(7, 3000),
            ),
            (
                "META-INF/services/com.example.Api",
                options(CompressionMethod::Stored, System::Dos, 0o644),
                b"other.Impl\n".to_vec(),
            ),
        ];
        let (fast, slow, assembled) = both_ways(dir.path(), vec![first, second]);
        assert!(assembled, "these jars are assembled");
        assert_eq!(fast.len(), slow.len());
        let first_difference = fast.iter().zip(&slow).position(|(a, b)| a != b);
        assert_eq!(
            first_difference, None,
            "the assembled jar differs from the zip crate's"
        );
    }

    #[test]
    fn entries_it_cannot_frame_leave_the_jar_to_the_zip_crate() {
        let dir = tempfile::tempdir().unwrap();
        let commented = options(CompressionMethod::Deflated, System::Unix, 0o644)
            .with_file_comment("a comment");
        let mut custom = options(CompressionMethod::Deflated, System::Unix, 0o644);
        custom
            .add_extra_field(0x6666, vec![1, 2, 3], false)
            .unwrap();
        for odd in [commented, custom] {
            let jar: Entries = vec![
                (
                    "org/dep/A.class",
                    options(CompressionMethod::Deflated, System::Unix, 0o644),
                    text(1, 500),
                ),
                ("org/dep/odd.txt", odd, text(2, 500)),
            ];
            let (fast, slow, assembled) = both_ways(dir.path(), vec![jar]);
            assert!(!assembled);
            assert_eq!(fast, slow);
        }
    }

    #[test]
    fn odd_file_types_are_left_to_the_zip_crate() {
        let dir = tempfile::tempdir().unwrap();
        for file_type in [0o040_000u32, 0o060_000, 0o140_000] {
            let odd = options(CompressionMethod::Stored, System::Unix, 0o644)
                .external_attributes((file_type | 0o644) << 16);
            let jar: Entries = vec![
                (
                    "org/dep/A.class",
                    options(CompressionMethod::Deflated, System::Unix, 0o644),
                    text(1, 500),
                ),
                ("org/dep/odd.bin", odd, text(2, 50)),
            ];
            let (fast, slow, assembled) = both_ways(dir.path(), vec![jar]);
            assert!(!assembled, "{file_type:o}");
            assert_eq!(fast, slow, "{file_type:o}");
        }
    }

    #[test]
    fn a_directory_in_the_side_file_s_place_leaves_the_jar_to_the_zip_crate() {
        let dir = tempfile::tempdir().unwrap();
        let squatter = dir.path().join("fast.jar.parts");
        std::fs::create_dir(&squatter).unwrap();
        std::fs::write(squatter.join("kept"), "x").unwrap();
        let jar: Entries = vec![(
            "org/dep/A.class",
            options(CompressionMethod::Deflated, System::Unix, 0o644),
            text(1, 500),
        )];
        let (fast, slow, _) = both_ways(dir.path(), vec![jar]);
        assert_eq!(fast, slow);
        assert!(
            squatter.join("kept").is_file(),
            "the directory was left alone"
        );
    }

    #[test]
    fn a_jar_without_dependency_entries_is_left_to_the_zip_crate() {
        let dir = tempfile::tempdir().unwrap();
        let (fast, slow, assembled) = both_ways(dir.path(), vec![]);
        assert!(!assembled);
        assert_eq!(fast, slow);
    }
}
