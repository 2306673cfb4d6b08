//! The jar writer: the only code that knows zip details. It takes the project's staged entries
//! and the dependency jars (opened by `deps`, planned by `shade`) and writes one reproducible jar: `META-INF/`
//! and `META-INF/MANIFEST.MF` first, then the `leading` entries, then everything else sorted; one
//! timestamp; modes 0644/0755; dependency entries copied raw (never recompressed).
//! `inspect` reads a jar back for `stormpack inspect`; `read` lists a jar's entries and reads one
//! (the topology check).
//!
//! Decisions, all deterministic: directories are stored, everything else is deflated (level
//! [`DEFLATE_LEVEL`], zlib-rs); a copied entry keeps its own method, compressed bytes, CRC and any
//! extra fields its published jar gave it (the zip crate drops extended timestamps and rewrites
//! zip64 fields); every central directory record says "made on Unix", so the 0644/0755 modes
//! read back as such for copied entries too; no 0xCAFE marker (the zip crate reserves that id and
//! no reader needs it).

mod assemble;
pub mod central;
pub mod deps;
pub mod inspect;
pub(crate) mod io;
pub mod read;
mod writer;

use crate::staging::Staging;
use crate::timestamp::Timestamp;

pub use deps::{ClassRewrite, DepJar, RawCopy, Shaded};
pub use writer::{write_jar, DEFLATE_LEVEL};

/// Everything the writer needs.
pub struct JarBuild<'a> {
    /// Project entries, including `META-INF/MANIFEST.MF` and the project's `META-INF/maven/...`.
    pub project: &'a Staging,
    /// Paths written right after the manifest, in this order (the project's pom.xml and
    /// pom.properties).
    pub leading: Vec<String>,
    /// Dependency entries to copy raw and generated files, decided by `shade::plan`.
    pub shaded: deps::Shaded<'a>,
    pub timestamp: Timestamp,
}

/// One entry as written, for `--json` and the build summary.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EntryInfo {
    pub path: String,
    pub size: u64,
    pub compressed_size: u64,
    /// `deflated` or `stored`.
    pub method: std::borrow::Cow<'static, str>,
    pub crc32: u32,
    /// The Unix mode with its file-type bits (0o100644, 0o100755, 0o40755).
    pub mode: u32,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct JarSummary {
    /// In the order they are stored in the jar.
    pub entries: Vec<EntryInfo>,
}
