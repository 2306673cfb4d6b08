//! Writes the jar. Entry order: `META-INF/`, `META-INF/MANIFEST.MF`, the leading entries (each
//! after its parent directories), then every other entry and every parent directory sorted by
//! path bytes (a directory as `dir/`). Every entry carries the build's one timestamp and no
//! extended-timestamp field; files are 0644 (0755 when executable), directories 0755. Project
//! entries are deflated at a fixed level by the pinned backend; dependency entries are copied
//! with their compressed bytes untouched. Zip64 appears only when an entry or the jar needs it.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, Read, Seek, Write};
use std::path::Path;

use anyhow::{bail, Context};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, System, ZipArchive, ZipWriter, ZIP64_BYTES_THR};

use super::io::{read_at, write_all_at, JarSink, JarSource};
use super::{EntryInfo, JarBuild, JarSummary};
use crate::shade::{copy_error, ShadePlan, ShadedEntry};
use crate::staging::{EntrySource, StagedEntry};

/// The deflate level for project entries (zlib-rs through flate2, pinned with the zip crate).
pub const DEFLATE_LEVEL: i64 = 6;
const MANIFEST: &str = "META-INF/MANIFEST.MF";

/// What one entry of the jar is made from.
enum Item<'a> {
    Dir,
    Project(&'a StagedEntry),
    Generated(&'a [u8]),
    Shaded(&'a ShadedEntry),
}

/// Write the jar to `out` (created or truncated; the caller renames it into place).
pub fn write_jar(build: &JarBuild<'_>, out: &Path) -> anyhow::Result<JarSummary> {
    let (y, mo, d, h, mi, s) = build.timestamp.civil();
    let time = DateTime::from_date_and_time(y, mo, d, h, mi, s).map_err(|_| {
        anyhow::anyhow!(
            "the entry timestamp {} cannot be stored in a zip",
            build.timestamp.rfc3339()
        )
    })?;
    let order = entry_order(build)?;

    let file = File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(out)
        .with_context(|| format!("creating {}", out.display()))?;
    let mut zip = ZipWriter::new(JarSink::new(file));
    let mut archives = build.shaded.archives.clone();
    for (path, item) in &order {
        let written = match item {
            Item::Dir => {
                // No 0xCAFE marker on the first entry (the JDK's JarOutputStream adds one): the
                // zip crate reserves that header id, and no jar reader needs it.
                let options = SimpleFileOptions::default()
                    .last_modified_time(time)
                    .system(System::Unix)
                    .unix_permissions(0o755);
                zip.add_directory(path.as_str(), options)
                    .map_err(anyhow::Error::from)
            }
            Item::Project(entry) => write_project(&mut zip, path, entry, time),
            Item::Generated(bytes) => write_bytes(&mut zip, path, bytes, false, time),
            Item::Shaded(entry) => copy_shaded(&mut zip, build.shaded, &mut archives, entry, time),
        };
        written.with_context(|| format!("writing `{path}` into {}", out.display()))?;
    }
    let archive = zip
        .finish_into_readable()
        .with_context(|| format!("finishing {}", out.display()))?;
    let (central_start, count) = (archive.central_directory_start(), archive.len());
    let file = archive
        .into_inner()
        .into_file()
        .with_context(|| format!("writing {}", out.display()))?;
    mark_made_on_unix(&file, central_start, count)
        .with_context(|| format!("finishing {}", out.display()))?;
    let written = ZipArchive::new(JarSource::new(file)?)
        .with_context(|| format!("reading back {}", out.display()))?;
    summarize(&written)
}

/// A raw copy keeps its source's "made by" host: DOS for every jar the JDK or Maven wrote. Readers
/// then ignore the Unix mode the copy carries (and `unzip`, Python and the zip crate report 0664
/// or the like). The mode is already right in every central directory record; this marks each
/// record as made on Unix (`version made by`, high byte 3) so it is read as such. Local headers
/// carry no host, so only the central directory changes.
fn mark_made_on_unix(file: &File, central_start: u64, count: usize) -> anyhow::Result<()> {
    const CENTRAL_HEADER: u32 = 0x0201_4b50;
    const UNIX: u8 = 3;
    let len = file.metadata()?.len();
    let mut directory = vec![0u8; usize::try_from(len - central_start)?];
    let mut filled = 0;
    while filled < directory.len() {
        let n = read_at(
            file,
            &mut directory[filled..],
            central_start + filled as u64,
        )?;
        if n == 0 {
            bail!("the jar ended inside its central directory");
        }
        filled += n;
    }
    let mut pos = 0usize;
    for _ in 0..count {
        let field = |at: usize| -> anyhow::Result<usize> {
            let b = directory
                .get(pos + at..pos + at + 2)
                .context("central directory record cut short")?;
            Ok(usize::from(u16::from_le_bytes([b[0], b[1]])))
        };
        let signature = directory
            .get(pos..pos + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        if signature != Some(CENTRAL_HEADER) {
            bail!("unexpected bytes at central directory offset {pos}");
        }
        let next = pos + 46 + field(28)? + field(30)? + field(32)?;
        directory[pos + 5] = UNIX;
        pos = next;
    }
    write_all_at(file, &directory[..pos], central_start)?;
    Ok(())
}

/// The full entry order, checked: no path twice, no path both a file and a directory.
fn entry_order<'a>(build: &'a JarBuild<'a>) -> anyhow::Result<Vec<(String, Item<'a>)>> {
    let project = build.project;
    let plan = build.shaded;
    let mut order: Vec<(String, Item<'a>)> = Vec::new();
    let mut done: BTreeSet<String> = BTreeSet::new();

    order.push(("META-INF/".to_string(), Item::Dir));
    done.insert("META-INF/".to_string());
    let mut head: Vec<&str> = Vec::new();
    if project.contains(MANIFEST) {
        head.push(MANIFEST);
    }
    for path in &build.leading {
        if path != MANIFEST {
            head.push(path);
        }
    }
    for path in head {
        let Some(entry) = project.get(path) else {
            bail!("internal error: leading jar entry `{path}` was not staged");
        };
        if !done.insert(path.to_string()) {
            bail!("internal error: leading jar entry `{path}` listed twice");
        }
        for dir in parents(path) {
            if done.insert(dir.to_string()) {
                order.push((dir.to_string(), Item::Dir));
            }
        }
        let item = match plan.services.get(path) {
            Some(bytes) => Item::Generated(bytes),
            None => Item::Project(entry),
        };
        order.push((path.to_string(), item));
    }

    let mut rest: Vec<(String, Item<'a>)> = Vec::new();
    for entry in project.entries() {
        if done.contains(&entry.path) {
            continue;
        }
        let item = match plan.services.get(&entry.path) {
            Some(bytes) => Item::Generated(bytes),
            None => Item::Project(entry),
        };
        rest.push((entry.path.clone(), item));
    }
    for (path, bytes) in &plan.services {
        if !project.contains(path) {
            rest.push((path.clone(), Item::Generated(bytes)));
        }
    }
    for entry in &plan.entries {
        rest.push((entry.path.clone(), Item::Shaded(entry)));
    }
    let mut dirs: BTreeSet<&str> = BTreeSet::new();
    for (path, _) in &rest {
        for dir in parents(path) {
            if !done.contains(dir) {
                dirs.insert(dir);
            }
        }
    }
    let dirs: Vec<String> = dirs.into_iter().map(str::to_string).collect();
    rest.extend(dirs.into_iter().map(|d| (d, Item::Dir)));
    rest.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));

    for pair in rest.windows(2) {
        if pair[0].0 == pair[1].0 {
            bail!("internal error: jar entry `{}` planned twice", pair[0].0);
        }
    }
    let all_dirs: BTreeSet<&str> = order
        .iter()
        .chain(rest.iter())
        .filter(|(_, i)| matches!(i, Item::Dir))
        .map(|(p, _)| p.as_str())
        .collect();
    for (path, item) in order.iter().chain(rest.iter()) {
        if matches!(item, Item::Dir) {
            continue;
        }
        if all_dirs.contains(format!("{path}/").as_str()) {
            bail!(
                "`{path}` would be both a file and a directory in the jar ({})\n\
                 fix: rename the file, or exclude it",
                describe(item, plan)
            );
        }
    }
    order.extend(rest);
    Ok(order)
}

fn describe(item: &Item<'_>, plan: &ShadePlan) -> String {
    match item {
        Item::Project(e) => format!("from {}", e.origin),
        Item::Shaded(e) => format!(
            "from {}",
            crate::shade::short(&plan.inputs[e.input].artifact)
        ),
        Item::Generated(_) => "a merged service file".to_string(),
        Item::Dir => "a directory".to_string(),
    }
}

/// `a/b/c` -> `a/`, `a/b/`.
fn parents(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('/')
        .map(move |(i, _)| &path[..=i])
        .filter(move |p| p.len() < path.len())
}

fn file_options(time: DateTime, executable: bool, size: u64) -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(DEFLATE_LEVEL))
        .last_modified_time(time)
        .system(System::Unix)
        .unix_permissions(if executable { 0o755 } else { 0o644 })
        .large_file(size >= ZIP64_BYTES_THR)
}

fn write_project<W: Write + Seek>(
    zip: &mut ZipWriter<W>,
    path: &str,
    entry: &StagedEntry,
    time: DateTime,
) -> anyhow::Result<()> {
    match &entry.source {
        EntrySource::Bytes(bytes) => write_bytes(zip, path, bytes, entry.executable, time),
        EntrySource::File(file) => {
            let mut reader = fs_err::File::open(file)?;
            let size = reader.metadata()?.len();
            zip.start_file(path, file_options(time, entry.executable, size))?;
            let copied = io::copy(
                &mut io::BufReader::with_capacity(64 * 1024, &mut reader),
                zip,
            )?;
            if copied != size {
                bail!(
                    "{} changed size while it was being written ({size} bytes, then {copied})",
                    file.display()
                );
            }
            Ok(())
        }
    }
}

fn write_bytes<W: Write + Seek>(
    zip: &mut ZipWriter<W>,
    path: &str,
    bytes: &[u8],
    executable: bool,
    time: DateTime,
) -> anyhow::Result<()> {
    zip.start_file(path, file_options(time, executable, bytes.len() as u64))?;
    zip.write_all(bytes)?;
    Ok(())
}

fn copy_shaded<R: Read + Seek, W: Write + Seek>(
    zip: &mut ZipWriter<W>,
    plan: &ShadePlan,
    archives: &mut [ZipArchive<R>],
    entry: &ShadedEntry,
    time: DateTime,
) -> anyhow::Result<()> {
    let fail =
        |e: &dyn std::fmt::Display| copy_error(plan, entry.input, &entry.path, &e.to_string());
    let archive = &mut archives[entry.input];
    let file = archive.by_index_raw(entry.index).map_err(|e| fail(&e))?;
    if file.name_raw() != entry.path.as_bytes() || file.compressed_size() != entry.compressed_size {
        return Err(fail(&"the jar changed on disk since it was planned"));
    }
    let mode = if entry.executable { 0o755 } else { 0o644 };
    zip.raw_copy_file_touch(file, time, Some(mode))
        .map_err(|e| fail(&e))
}

fn summarize<R: Read + Seek>(archive: &ZipArchive<R>) -> anyhow::Result<JarSummary> {
    let mut entries = Vec::with_capacity(archive.len());
    for index in 0..archive.len() {
        let data = archive.by_index_data(index)?;
        entries.push(EntryInfo {
            path: String::from_utf8_lossy(data.name_raw()).into_owned(),
            size: data.size(),
            compressed_size: data.compressed_size(),
            method: method_name(data.compression()),
            crc32: data.crc32(),
            mode: data.unix_mode().unwrap_or(0),
        });
    }
    Ok(JarSummary { entries })
}

/// `deflated`, `stored`, or the zip crate's name for anything else.
pub(crate) fn method_name(method: CompressionMethod) -> String {
    match method {
        CompressionMethod::Stored => "stored".to_string(),
        CompressionMethod::Deflated => "deflated".to_string(),
        other => format!("{other:?}").to_lowercase(),
    }
}
