//! Reads a jar back for `stormpack inspect`: every entry with its size, compressed size, Unix
//! mode, method, CRC and time, and the manifest's text.

use std::io::Read;
use std::path::Path;

pub use crate::error::escape_control;
use crate::error::{is_bidi, Diagnostic};
use anyhow::Context;
use zip::ZipArchive;

use super::io::JarSource;
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
    let file = crate::fsread::open_regular(jar).map_err(|e| {
        // A FIFO or a device: the refusal says what it is and carries its own fix.
        if e.kind() == std::io::ErrorKind::InvalidInput {
            return anyhow::Error::msg(e.to_string());
        }
        anyhow::Error::new(e).context(
            Diagnostic::new(format!("cannot open {}", jar.display()))
                .fix("check the path; `stormpack build` writes target/<finalName>.jar"),
        )
    })?;
    let mut source =
        JarSource::new(file).with_context(|| format!("cannot read {}", jar.display()))?;
    // Listed from the central directory itself: every record, duplicates included, however
    // many (the zip crate keys entries by name and trusts the 16-bit count).
    let records = super::central::read(&mut source).map_err(|e| {
        Diagnostic::new(format!("{} is not a jar (zip) file: {e}", jar.display()))
            .fix("pass a .jar file (`stormpack build` writes target/<finalName>.jar); rebuild it if it was cut short")
    })?;
    let entries = records
        .iter()
        .map(|r| InspectedEntry {
            info: EntryInfo {
                path: String::from_utf8_lossy(&r.name).into_owned(),
                size: r.size,
                compressed_size: r.compressed_size,
                method: r.method_name(),
                crc32: r.crc32,
                mode: r.unix_mode(),
            },
            modified: r.modified(),
            made_on_unix: r.made_on_unix(),
        })
        .collect();
    let manifest = match ZipArchive::new(source.clone()) {
        Ok(mut archive) => match archive.index_for_name("META-INF/MANIFEST.MF") {
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
        },
        Err(_) => None,
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
            escape_control(&e.info.path)
        ));
    }
    out.push_str(&format!("{} entries\n", inspection.entries.len()));
    let mut seen = std::collections::BTreeMap::<&str, usize>::new();
    for e in &inspection.entries {
        *seen.entry(e.info.path.as_str()).or_default() += 1;
    }
    for (path, count) in seen.iter().filter(|(_, c)| **c > 1) {
        out.push_str(&format!(
            "warning: duplicate entry name {} ({count} entries; Java reads the first, `unzip` extracts the last)\n",
            escape_control(path)
        ));
    }
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
            out.push_str(&escape_control(&text.replace("\r\n", "\n")));
        }
        None => out.push_str("\n(no META-INF/MANIFEST.MF)\n"),
    }
    out
}

/// JSON text with the characters [`escape_control`] escapes that JSON itself leaves raw (DEL,
/// the C1 controls such as U+009B, which terminals take for CSI, and the bidirectional
/// formatting characters) written as `\uXXXX`: the same JSON value, safe to print. Such
/// characters occur only inside JSON strings, where `\uXXXX` means them.
pub fn escape_json_for_terminal(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if (c.is_control() && !matches!(c, '\n' | '\t' | '\r')) || is_bidi(c) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}
