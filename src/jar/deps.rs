//! Dependency jars opened for shading: their central directories as the planner needs them
//! ([`DepJar::entry`]), the few small entries it reads whole (service files, manifests), and
//! what the writer needs to copy entries raw ([`Shaded`]). `shade` decides; this module is the
//! zip side of that decision.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use zip::{CompressionMethod, ZipArchive};

use super::io::JarSource;
use crate::error::Diagnostic;

/// One opened dependency jar; cheap to clone (clones share the parsed central directory).
#[derive(Clone)]
pub struct DepJar {
    archive: ZipArchive<JarSource>,
}

/// One central directory record of a dependency jar.
pub struct DepEntry {
    /// The name as stored (not yet checked to be UTF-8).
    pub name: Vec<u8>,
    pub size: u64,
    pub compressed_size: u64,
    pub crc32: u32,
    /// Made on Unix with an executable bit in its mode.
    pub executable: bool,
    pub symlink: bool,
    pub encrypted: bool,
    /// `None` for stored and deflated (what the JDK reads), else the method's name.
    pub unsupported_method: Option<String>,
    /// Where its compressed data ends, by its local header's minimal size (a damaged jar can
    /// list entries whose data runs into the central directory).
    pub data_end: u64,
}

impl DepJar {
    /// Open `path` (a regular file) and parse its central directory; the error is the reason,
    /// for the caller to put in its message.
    pub fn open(path: &Path) -> Result<DepJar, String> {
        let file = crate::fsread::open_regular(path).map_err(|e| e.to_string())?;
        let source = JarSource::new(file).map_err(|e| e.to_string())?;
        let archive = ZipArchive::new(source)
            .map_err(|e| format!("not a valid zip file ({e}); the download may be truncated"))?;
        Ok(DepJar { archive })
    }

    /// How many central directory records it has.
    pub fn len(&self) -> usize {
        self.archive.len()
    }

    pub fn is_empty(&self) -> bool {
        self.archive.len() == 0
    }

    /// Where the central directory starts.
    pub fn central_directory_start(&self) -> u64 {
        self.archive.central_directory_start()
    }

    /// Whether it has an entry of this name.
    pub fn contains(&self, name: &str) -> bool {
        self.archive.index_for_name(name).is_some()
    }

    /// Record `index` of the central directory.
    pub fn entry(&self, index: usize) -> Result<DepEntry, String> {
        let data = self
            .archive
            .by_index_data(index)
            .map_err(|e| e.to_string())?;
        let unsupported_method = match data.compression() {
            CompressionMethod::Stored | CompressionMethod::Deflated => None,
            other => Some(format!("{other:?}")),
        };
        Ok(DepEntry {
            name: data.name_raw().to_vec(),
            size: data.size(),
            compressed_size: data.compressed_size(),
            crc32: data.crc32(),
            executable: data.system() == zip::System::Unix
                && data.unix_mode().is_some_and(|m| m & 0o111 != 0),
            symlink: data.is_symlink(),
            encrypted: data.encrypted(),
            unsupported_method,
            data_end: data.header_start()
                + 30
                + data.name_raw().len() as u64
                + data.compressed_size(),
        })
    }

    /// Entry `index` decompressed, when its size is at most `limit`.
    pub fn read_small(&mut self, index: usize, limit: u64) -> Result<Vec<u8>, SmallReadError> {
        let mut file = self
            .archive
            .by_index(index)
            .map_err(|e| SmallReadError::Unreadable(e.to_string()))?;
        if file.size() > limit {
            return Err(SmallReadError::TooLarge(file.size()));
        }
        let mut content = Vec::with_capacity(file.size() as usize);
        file.read_to_end(&mut content)
            .map_err(|e| SmallReadError::Unreadable(e.to_string()))?;
        Ok(content)
    }

    pub(super) fn archive(&self) -> &ZipArchive<JarSource> {
        &self.archive
    }

    /// A reader of the jar's bytes with its own buffer and position (sharing the open file).
    pub(super) fn reader(&self) -> JarSource {
        self.archive.clone().into_inner()
    }

    pub(super) fn archive_mut(&mut self) -> &mut ZipArchive<JarSource> {
        &mut self.archive
    }
}

/// Why [`DepJar::read_small`] gave nothing.
pub enum SmallReadError {
    /// Its size, above the limit.
    TooLarge(u64),
    Unreadable(String),
}

/// One dependency entry to copy raw.
#[derive(Debug, Clone)]
pub struct RawCopy {
    /// Its path in the jar being written.
    pub path: String,
    /// Its path in the dependency jar (differs from `path` when relocated).
    pub source: String,
    /// Index into the jars of [`Shaded`].
    pub input: usize,
    /// Index of the entry in that jar's central directory.
    pub index: usize,
    pub size: u64,
    pub compressed_size: u64,
    pub crc32: u32,
    /// The source entry has a Unix mode with an executable bit.
    pub executable: bool,
}

/// What the writer takes from the shading plan: the jars, the entries to copy from them, and
/// the generated files (merged service files) that replace project entries of the same path.
#[derive(Default)]
pub struct Shaded<'a> {
    pub jars: &'a [DepJar],
    /// Each jar's name for messages (`group:artifact:version`) and file.
    pub names: Vec<(String, PathBuf)>,
    pub copies: &'a [RawCopy],
    pub generated: Option<&'a BTreeMap<String, Vec<u8>>>,
    /// Rewrites class files as they are copied (relocation); `None`: copied raw.
    pub classes: Option<&'a dyn ClassRewrite>,
}

/// A rewrite of dependency class files, applied one entry at a time while the jar is written.
pub trait ClassRewrite {
    /// The new bytes of the class file `source` (its path in the dependency jar), or `None` to
    /// keep it as it is. An error says what is wrong with the class file.
    fn rewrite(&self, source: &str, bytes: &[u8]) -> anyhow::Result<Option<Vec<u8>>>;
}

impl Shaded<'_> {
    pub(super) fn generated(&self, path: &str) -> Option<&Vec<u8>> {
        self.generated.and_then(|g| g.get(path))
    }

    pub(super) fn generated_all(&self) -> impl Iterator<Item = (&String, &Vec<u8>)> {
        self.generated.into_iter().flatten()
    }

    pub(super) fn name(&self, input: usize) -> &str {
        self.names
            .get(input)
            .map_or("a dependency", |(n, _)| n.as_str())
    }

    /// The error for an entry that cannot be copied from jar `input`.
    pub(super) fn copy_error(&self, input: usize, path: &str, reason: &str) -> anyhow::Error {
        let file = self.names.get(input).map(|(_, f)| f.as_path());
        bad_jar(
            self.name(input),
            file.unwrap_or(Path::new("?")),
            &format!("copying entry `{path}`: {reason}"),
        )
    }
}

/// One clear error for a dependency jar that cannot be read, with the fix.
pub fn bad_jar(name: &str, file: &Path, reason: &str) -> anyhow::Error {
    Diagnostic::new(format!(
        "cannot read the jar of {name} at {}: {reason}",
        file.display(),
    ))
    .fix(format!(
        "delete it from the local repository (rm '{}') so it is downloaded again, then rebuild",
        file.display()
    ))
    .into()
}
