//! Reading entries back from a jar that is not being shaded: the entry names, and one entry's
//! bytes with a cap on how much is decompressed (a zip bomb is cut, not expanded).

use std::collections::BTreeSet;
use std::io::Read as _;
use std::path::Path;

/// The entry names of the jar `file` (opened by the caller); an error when it is not a zip or a
/// name is not readable.
pub fn entry_names(file: std::fs::File) -> anyhow::Result<BTreeSet<String>> {
    let archive = zip::ZipArchive::new(file)?;
    Ok(archive
        .file_names()
        .map(|name| name.map(|n| n.to_string()))
        .collect::<Result<BTreeSet<_>, _>>()?)
}

/// The bytes of `entry` in the jar at `jar`, at most `limit + 1` of them (so a caller can tell
/// that the entry was longer than `limit`); `None` when the jar or the entry cannot be read.
pub fn entry_bytes(jar: &Path, entry: &str, limit: Option<u64>) -> Option<Vec<u8>> {
    let file = crate::fsread::open_regular(jar).ok()?;
    let mut archive = zip::ZipArchive::new(file).ok()?;
    let zipped = archive.by_name(entry).ok()?;
    let mut bytes = Vec::new();
    match limit {
        Some(limit) => zipped.take(limit.saturating_add(1)).read_to_end(&mut bytes),
        None => {
            let mut zipped = zipped;
            zipped.read_to_end(&mut bytes)
        }
    }
    .ok()?;
    Some(bytes)
}

/// A small jar at `path` holding `entries` (deflated), for unit tests elsewhere.
#[cfg(test)]
pub(crate) fn write_test_jar(path: &Path, entries: &[(&str, &[u8])]) {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, bytes) in entries {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
}
