//! Reads a jar back for `stormpack inspect`: every entry with its size, compressed size, Unix
//! mode, method, CRC and time, and the manifest's text.

use std::io::Read;
use std::path::Path;

use crate::error::Diagnostic;
use anyhow::Context;
use zip::ZipArchive;

use super::io::JarSource;
use super::writer::method_name;
use super::EntryInfo;

/// One entry as stored.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InspectedEntry {
    #[serde(flatten)]
    pub info: EntryInfo,
    /// The entry's DOS time, `YYYY-MM-DD HH:MM:SS` (no time zone: zip stores none).
    pub modified: String,
    /// The Unix mode is meaningful only for entries made on Unix (`version made by`).
    pub made_on_unix: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Inspection {
    pub jar: String,
    pub entries: Vec<InspectedEntry>,
    /// `META-INF/MANIFEST.MF` as text, if the jar has one.
    pub manifest: Option<String>,
}

/// Largest manifest we print.
const MANIFEST_LIMIT: u64 = 1024 * 1024;

pub fn inspect(jar: &Path) -> anyhow::Result<Inspection> {
    let file = crate::fsread::open_regular(jar).with_context(|| {
        Diagnostic::new(format!("cannot open {}", jar.display()))
            .fix("check the path; `stormpack build` writes target/<finalName>.jar")
    })?;
    let source = JarSource::new(file).with_context(|| format!("cannot read {}", jar.display()))?;
    let mut archive = ZipArchive::new(source).map_err(|e| {
        Diagnostic::new(format!("{} is not a jar (zip) file: {e}", jar.display()))
            .fix("pass a .jar file (`stormpack build` writes target/<finalName>.jar); rebuild it if it was cut short")
    })?;
    let mut entries = Vec::with_capacity(archive.len());
    for index in 0..archive.len() {
        let data = archive.by_index_data(index)?;
        let modified = data
            .last_modified()
            .map(|t| {
                format!(
                    "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                    t.year(),
                    t.month(),
                    t.day(),
                    t.hour(),
                    t.minute(),
                    t.second()
                )
            })
            .unwrap_or_else(|| "-".to_string());
        entries.push(InspectedEntry {
            info: EntryInfo {
                path: String::from_utf8_lossy(data.name_raw()).into_owned(),
                size: data.size(),
                compressed_size: data.compressed_size(),
                method: method_name(data.compression()),
                crc32: data.crc32(),
                mode: data.unix_mode().unwrap_or(0),
            },
            modified,
            made_on_unix: data.system() == zip::System::Unix,
        });
    }
    let manifest = match archive.index_for_name("META-INF/MANIFEST.MF") {
        Some(index) => {
            let mut entry = archive
                .by_index(index)
                .with_context(|| format!("reading the manifest of {}", jar.display()))?;
            let mut bytes = Vec::new();
            (&mut entry)
                .take(MANIFEST_LIMIT)
                .read_to_end(&mut bytes)
                .with_context(|| format!("reading the manifest of {}", jar.display()))?;
            Some(String::from_utf8_lossy(&bytes).into_owned())
        }
        None => None,
    };
    Ok(Inspection {
        jar: jar.display().to_string(),
        entries,
        manifest,
    })
}

/// The listing as text: one line per entry, then the manifest.
pub fn render(inspection: &Inspection) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "{:>10} {:>10} {:>7} {:<8} {:<8} {:<19}  {}\n",
        "size", "compressed", "mode", "method", "crc32", "modified", "path"
    ));
    for e in &inspection.entries {
        let mode = if e.info.mode == 0 {
            "-".to_string()
        } else {
            format!("{:o}", e.info.mode & 0o7777)
        };
        let mode = if e.made_on_unix || e.info.mode == 0 {
            mode
        } else {
            format!("{mode}*")
        };
        out.push_str(&format!(
            "{:>10} {:>10} {:>7} {:<8} {:08x} {:<19}  {}\n",
            e.info.size,
            e.info.compressed_size,
            mode,
            e.info.method,
            e.info.crc32,
            e.modified,
            e.info.path
        ));
    }
    out.push_str(&format!("{} entries\n", inspection.entries.len()));
    if inspection
        .entries
        .iter()
        .any(|e| !e.made_on_unix && e.info.mode != 0)
    {
        out.push_str("(* mode stored by a non-Unix zip writer)\n");
    }
    match &inspection.manifest {
        Some(text) => {
            out.push_str("\nMETA-INF/MANIFEST.MF:\n");
            out.push_str(&text.replace("\r\n", "\n"));
        }
        None => out.push_str("\n(no META-INF/MANIFEST.MF)\n"),
    }
    out
}
