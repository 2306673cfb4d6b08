//! Writes the jar. Entry order: `META-INF/`, `META-INF/MANIFEST.MF`, the leading entries (each
//! after its parent directories), then every other entry and every parent directory sorted by
//! path bytes (a directory as `dir/`). Every entry carries the build's one timestamp and no
//! extended-timestamp field; files are 0644 (0755 when executable), directories 0755. Project
//! entries are deflated at a fixed level by the pinned backend; dependency entries are copied
//! with their compressed bytes untouched, except those relocation renames or rewrites (deflated
//! again, class files through [`super::ClassRewrite`] one at a time). Zip64 appears only when an entry or the jar needs it.
//! The zip crate frames every entry; a jar of plain raw copies is assembled by
//! [`super::assemble`] instead, to the same bytes.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fs::File;
use std::io::{self, Read, Seek, Write};
use std::path::Path;

use anyhow::{bail, Context};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, System, ZipArchive, ZipWriter, ZIP64_BYTES_THR};

use super::deps::{DepJar, RawCopy, Shaded, SmallReadError};
use super::io::{read_exact_at, write_all_at, JarSink};
use super::{EntryInfo, JarBuild, JarSummary};
use crate::error::Diagnostic;
use crate::staging::{EntrySource, StagedEntry};

/// The deflate level for project entries (zlib-rs through flate2, pinned with the zip crate).
pub const DEFLATE_LEVEL: i64 = 6;
const MANIFEST: &str = "META-INF/MANIFEST.MF";
/// The largest dependency entry read into memory to be relocated (a class file is far smaller).
const MAX_REWRITTEN: u64 = 64 << 20;

/// What one entry of the jar is made from.
pub(super) enum Item<'a> {
    Dir,
    Project(&'a StagedEntry),
    Generated(&'a [u8]),
    Shaded(&'a RawCopy),
}

/// Write the jar to `out` (created or truncated; the caller renames it into place). On failure
/// `out` is removed: no partial jar is left behind.
pub fn write_jar(build: &JarBuild<'_>, out: &Path) -> anyhow::Result<JarSummary> {
    write_jar_with(build, out, true)
}

/// [`write_jar`]; `assemble`: try [`super::assemble`] first (the zip crate writes every entry
/// otherwise, as it does when assembling does not apply).
pub(super) fn write_jar_with(
    build: &JarBuild<'_>,
    out: &Path,
    assemble: bool,
) -> anyhow::Result<JarSummary> {
    let written = write_to(build, out, assemble);
    if written.is_err() {
        let _ = std::fs::remove_file(out);
    }
    written
}

fn write_to(build: &JarBuild<'_>, out: &Path, assemble: bool) -> anyhow::Result<JarSummary> {
    let (y, mo, d, h, mi, s) = build.timestamp.civil();
    let time = DateTime::from_date_and_time(y, mo, d, h, mi, s).map_err(|_| {
        anyhow::anyhow!(
            "the entry timestamp {} cannot be stored in a zip",
            build.timestamp.rfc3339()
        )
    })?;
    // Truncating the previous jar frees its pages (milliseconds for a large one on tmpfs): done
    // on another core while the entry order is decided.
    let (order, file) = std::thread::scope(|scope| {
        let opening = scope.spawn(|| create_output(out));
        let order = entry_order(build);
        let file = opening
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("internal error: creating the jar panicked")));
        (order, file)
    });
    let (order, mut file) = (order?, file?);
    if assemble {
        match super::assemble::try_assemble(build, &order, file, out, time)? {
            Some(summary) => return Ok(summary),
            // It may have written part of the jar.
            None => file = create_output(out)?,
        }
    }
    let mut zip = ZipWriter::new(JarSink::new(file));
    let mut jars = build.shaded.jars.to_vec();
    for (path, item) in &order {
        write_item(&mut zip, path, item, &build.shaded, &mut jars, time)
            .with_context(|| format!("writing `{path}` into {}", out.display()))?;
    }
    let archive = zip
        .finish_into_readable()
        .with_context(|| format!("finishing {}", out.display()))?;
    let (central_start, count) = (archive.central_directory_start(), archive.len());
    let summary = summarize(&archive)?;
    let file = archive
        .into_inner()
        .into_file()
        .with_context(|| format!("writing {}", out.display()))?;
    mark_made_on_unix(&file, central_start, count)
        .with_context(|| format!("finishing {}", out.display()))?;
    Ok(summary)
}

/// `out`, created or truncated, readable (the summary is read back from it).
pub(super) fn create_output(out: &Path) -> anyhow::Result<File> {
    File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(out)
        .with_context(|| format!("creating {}", out.display()))
}

/// One entry of the jar, through the zip crate.
pub(super) fn write_item<W: Write + Seek>(
    zip: &mut ZipWriter<W>,
    path: &str,
    item: &Item<'_>,
    plan: &Shaded<'_>,
    jars: &mut [DepJar],
    time: DateTime,
) -> anyhow::Result<()> {
    match item {
        Item::Dir => {
            // No 0xCAFE marker on the first entry (the JDK's JarOutputStream adds one): the
            // zip crate reserves that header id, and no jar reader needs it.
            let options = SimpleFileOptions::default()
                .last_modified_time(time)
                .system(System::Unix)
                .unix_permissions(0o755);
            zip.add_directory(path, options)
                .map_err(anyhow::Error::from)
        }
        Item::Project(entry) => write_project(zip, path, entry, time),
        Item::Generated(bytes) => write_bytes(zip, path, bytes, false, time),
        Item::Shaded(entry) => copy_shaded(zip, plan, jars, entry, time),
    }
}

/// A raw copy keeps its source's "made by" host: DOS for every jar the JDK or Maven wrote. Readers
/// then ignore the Unix mode the copy carries (and `unzip`, Python and the zip crate report 0664
/// or the like). The mode is already right in every central directory record; this marks each
/// record as made on Unix (`version made by`, high byte 3) so it is read as such. Local headers
/// carry no host, so only the central directory changes.
fn mark_made_on_unix(file: &File, central_start: u64, count: usize) -> anyhow::Result<()> {
    const UNIX: u8 = 3;
    let len = file.metadata()?.len();
    let size = len
        .checked_sub(central_start)
        .context("the central directory starts past the end of the jar")?;
    let mut directory = vec![0u8; usize::try_from(size)?];
    read_exact_at(file, &mut directory, central_start)
        .context("the jar ended inside its central directory")?;
    let records = super::central::record_spans(&directory, count)?;
    for &(start, _) in &records {
        directory[start + 5] = UNIX;
    }
    let pos = records.last().map_or(0, |&(_, end)| end);
    write_all_at(file, &directory[..pos], central_start)?;
    Ok(())
}

/// The full entry order, checked: no path twice, no path both a file and a directory.
fn entry_order<'a>(build: &'a JarBuild<'a>) -> anyhow::Result<Vec<(Cow<'a, str>, Item<'a>)>> {
    let project = build.project;
    let plan = &build.shaded;
    let mut order: Vec<(Cow<'a, str>, Item<'a>)> = Vec::new();
    // Directories already written, without their trailing `/`.
    let mut written_dirs: HashSet<&'a str> = HashSet::new();
    let mut head: Vec<&'a str> = Vec::new();

    order.push((Cow::Borrowed("META-INF/"), Item::Dir));
    written_dirs.insert("META-INF");
    if project.contains(MANIFEST) {
        head.push(MANIFEST);
    }
    for path in &build.leading {
        if path != MANIFEST {
            head.push(path);
        }
    }
    for (i, path) in head.iter().enumerate() {
        let Some(entry) = project.get(path) else {
            bail!("internal error: leading jar entry `{path}` was not staged");
        };
        if head[..i].contains(path) {
            bail!("internal error: leading jar entry `{path}` listed twice");
        }
        for dir in parents(&entry.path) {
            let name = &dir[..dir.len() - 1];
            if written_dirs.insert(name) {
                order.push((Cow::Borrowed(dir), Item::Dir));
            }
        }
        order.push((Cow::Borrowed(entry.path.as_str()), item_for(entry, plan)));
    }

    let mut rest: Vec<(Cow<'a, str>, Item<'a>)> =
        Vec::with_capacity(project.len() + plan.copies.len());
    for entry in project.entries() {
        if !head.contains(&entry.path.as_str()) {
            rest.push((Cow::Borrowed(entry.path.as_str()), item_for(entry, plan)));
        }
    }
    for (path, bytes) in plan.generated_all() {
        if !project.contains(path) {
            rest.push((Cow::Borrowed(path.as_str()), Item::Generated(bytes)));
        }
    }
    for entry in plan.copies {
        rest.push((Cow::Borrowed(entry.path.as_str()), Item::Shaded(entry)));
    }
    let mut all_dirs: HashSet<&'a str> = written_dirs.clone();
    let new_dirs = missing_dirs(&rest, &mut all_dirs);
    rest.extend(new_dirs.into_iter().map(|d| (Cow::Borrowed(d), Item::Dir)));
    // The copies come sorted: a stable sort merges the few other runs into them in linear time.
    rest.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));

    check_order(&order, &rest, &all_dirs, plan)?;
    order.extend(rest);
    Ok(order)
}

#[cfg(test)]
pub(super) fn entry_order_for_tests<'a>(build: &'a JarBuild<'a>) -> Vec<(Cow<'a, str>, Item<'a>)> {
    entry_order(build).unwrap()
}

/// Every parent directory of `rest`'s paths not yet in `dirs` (added to it), each once. Walking
/// up from the deepest parent stops at the first one already known, so this is linear in the
/// number of entries.
fn missing_dirs<'a>(
    rest: &[(Cow<'a, str>, Item<'a>)],
    dirs: &mut HashSet<&'a str>,
) -> Vec<&'a str> {
    let mut new_dirs: Vec<&'a str> = Vec::new();
    // Sorted entries mostly share the previous one's parent, known already: no lookup then.
    let mut last_parent = "";
    for (path, _) in rest {
        let Cow::Borrowed(path) = *path else { continue };
        let parent = path.rfind('/').map_or("", |slash| &path[..slash]);
        if parent == last_parent {
            continue;
        }
        last_parent = parent;
        let mut end = path.len();
        while let Some(slash) = path[..end].rfind('/') {
            let dir = &path[..=slash];
            if !dirs.insert(&dir[..slash]) {
                break;
            }
            new_dirs.push(dir);
            end = slash;
        }
    }
    new_dirs
}

/// No path twice in the sorted `rest`, no file that is also a directory.
fn check_order(
    order: &[(Cow<'_, str>, Item<'_>)],
    rest: &[(Cow<'_, str>, Item<'_>)],
    all_dirs: &HashSet<&str>,
    plan: &Shaded<'_>,
) -> anyhow::Result<()> {
    for pair in rest.windows(2) {
        if pair[0].0 == pair[1].0 {
            bail!("internal error: jar entry `{}` planned twice", pair[0].0);
        }
    }
    // Directories are few: each is looked up among the entries (`rest` is sorted), and the
    // first clash in jar order is reported.
    let clash = all_dirs
        .iter()
        .filter_map(|dir| {
            let in_head = order
                .iter()
                .position(|(path, item)| !matches!(item, Item::Dir) && path == dir);
            let in_rest = || {
                rest.binary_search_by(|(path, _)| path.as_bytes().cmp(dir.as_bytes()))
                    .ok()
                    .filter(|&i| !matches!(rest[i].1, Item::Dir))
                    .map(|i| order.len() + i)
            };
            in_head.or_else(in_rest)
        })
        .min();
    if let Some(at) = clash {
        let (path, item) = order.get(at).unwrap_or_else(|| &rest[at - order.len()]);
        bail!(Diagnostic::new(format!(
            "`{path}` would be both a file and a directory in the jar ({})",
            describe(item, plan)
        ))
        .fix("rename the file, or exclude it"));
    }
    Ok(())
}

/// A project entry, or the merged service file that replaces it.
fn item_for<'a>(entry: &'a StagedEntry, plan: &'a Shaded<'a>) -> Item<'a> {
    match plan.generated(&entry.path) {
        Some(bytes) => Item::Generated(bytes),
        None => Item::Project(entry),
    }
}

fn describe(item: &Item<'_>, plan: &Shaded<'_>) -> String {
    match item {
        Item::Project(e) => format!("from {}", e.origin),
        Item::Shaded(e) => format!("from {}", plan.name(e.input)),
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

fn copy_shaded<W: Write + Seek>(
    zip: &mut ZipWriter<W>,
    plan: &Shaded<'_>,
    jars: &mut [DepJar],
    entry: &RawCopy,
    time: DateTime,
) -> anyhow::Result<()> {
    let fail =
        |e: &dyn std::fmt::Display| plan.copy_error(entry.input, &entry.path, &e.to_string());
    let Some(jar) = jars.get_mut(entry.input) else {
        return Err(fail(&"internal error: no such dependency jar"));
    };
    if let Some(rewrite) = plan.classes.filter(|_| entry.source.ends_with(".class")) {
        // Relocation: each class file read whole (bounded), rewritten when a name in it moves.
        let bytes = match jar.read_small(entry.index, MAX_REWRITTEN) {
            Ok(bytes) => bytes,
            Err(SmallReadError::TooLarge(size)) => {
                return Err(fail(&format!(
                    "{size} bytes, more than the {MAX_REWRITTEN} a relocated class file may have"
                )))
            }
            Err(SmallReadError::Unreadable(e)) => return Err(fail(&e)),
        };
        let rewritten = rewrite
            .rewrite(&entry.source, &bytes)
            .map_err(|e| fail(&format!("malformed class file: {e:#}")))?;
        match rewritten {
            Some(new) => return write_bytes(zip, &entry.path, &new, entry.executable, time),
            None if entry.source != entry.path => {
                return write_bytes(zip, &entry.path, &bytes, entry.executable, time)
            }
            // Unchanged under its own name: copied raw below.
            None => {}
        }
    } else if entry.source != entry.path {
        // A renamed resource: inflated and deflated again under its new name, streamed.
        let mut file = jar
            .archive_mut()
            .by_index(entry.index)
            .map_err(|e| fail(&e))?;
        zip.start_file(
            entry.path.as_str(),
            file_options(time, entry.executable, file.size()),
        )
        .map_err(|e| fail(&e))?;
        io::copy(&mut file, zip).map_err(|e| fail(&e))?;
        return Ok(());
    }
    let archive = jar.archive_mut();
    let file = archive.by_index_raw(entry.index).map_err(|e| fail(&e))?;
    if file.name_raw() != entry.source.as_bytes() || file.compressed_size() != entry.compressed_size
    {
        return Err(fail(&"the jar changed on disk since it was planned"));
    }
    let mode = if entry.executable { 0o755 } else { 0o644 };
    zip.raw_copy_file_touch(file, time, Some(mode))
        .map_err(|e| fail(&e))
}

pub(super) fn summarize<R: Read + Seek>(archive: &ZipArchive<R>) -> anyhow::Result<JarSummary> {
    let mut entries = Vec::with_capacity(archive.len());
    for index in 0..archive.len() {
        let data = archive.by_index_data(index)?;
        entries.push(EntryInfo {
            path: String::from_utf8_lossy(data.name_raw()).into_owned(),
            size: data.size(),
            compressed_size: data.compressed_size(),
            method: method_name(data.compression()),
            crc32: data.crc32(),
            // What a reader sees once `mark_made_on_unix` has marked every entry as made on Unix.
            mode: data.external_attributes() >> 16,
        });
    }
    Ok(JarSummary { entries })
}

/// `deflated`, `stored`, or the zip crate's name for anything else.
pub(crate) fn method_name(method: CompressionMethod) -> Cow<'static, str> {
    match method {
        CompressionMethod::Stored => Cow::Borrowed("stored"),
        CompressionMethod::Deflated => Cow::Borrowed("deflated"),
        other => Cow::Owned(format!("{other:?}").to_lowercase()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::staging::Staging;
    use crate::timestamp::Timestamp;

    #[test]
    fn parents_of_a_path() {
        assert_eq!(parents("a/b/c.txt").collect::<Vec<_>>(), ["a/", "a/b/"]);
        assert_eq!(parents("top").count(), 0);
    }

    fn staging(paths: &[&str]) -> Staging {
        let mut s = Staging::new();
        for p in paths {
            s.add(StagedEntry {
                path: p.to_string(),
                source: EntrySource::Bytes(p.as_bytes().to_vec()),
                executable: false,
                origin: format!("test {p}"),
            })
            .unwrap();
        }
        s
    }

    #[test]
    fn order_puts_manifest_and_leading_first_then_sorts_by_bytes() {
        let project = staging(&[
            "META-INF/MANIFEST.MF",
            "a-b",
            "a/x",
            "META-INF/maven/g/a/pom.xml",
            "Z",
        ]);
        let plan = Shaded::default();
        let build = JarBuild {
            project: &project,
            leading: vec!["META-INF/maven/g/a/pom.xml".to_string()],
            shaded: plan,
            timestamp: Timestamp::decide(None, None).unwrap(),
        };
        let order: Vec<String> = entry_order(&build)
            .unwrap()
            .into_iter()
            .map(|(p, _)| p.into_owned())
            .collect();
        assert_eq!(
            order,
            [
                "META-INF/",
                "META-INF/MANIFEST.MF",
                "META-INF/maven/",
                "META-INF/maven/g/",
                "META-INF/maven/g/a/",
                "META-INF/maven/g/a/pom.xml",
                "Z",
                "a-b",
                "a/",
                "a/x",
            ]
        );
    }

    #[test]
    fn a_path_cannot_be_file_and_directory() {
        let project = staging(&["conf", "conf/storm.yaml"]);
        let plan = Shaded::default();
        let build = JarBuild {
            project: &project,
            leading: vec![],
            shaded: plan,
            timestamp: Timestamp::decide(None, None).unwrap(),
        };
        let err = entry_order(&build).err().unwrap().to_string();
        assert!(
            err.contains("`conf` would be both a file and a directory")
                && err.contains("test conf"),
            "{err}"
        );
    }

    #[test]
    fn a_leading_path_must_be_staged() {
        let project = staging(&["META-INF/MANIFEST.MF"]);
        let plan = Shaded::default();
        let build = JarBuild {
            project: &project,
            leading: vec!["META-INF/maven/g/a/pom.xml".to_string()],
            shaded: plan,
            timestamp: Timestamp::decide(None, None).unwrap(),
        };
        assert!(entry_order(&build).is_err());
    }
}
