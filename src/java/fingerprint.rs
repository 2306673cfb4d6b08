//! The javac fingerprint: one SHA-256 over everything a compile's output depends on — the JDK
//! (its path and version), the javac arguments (options, class path, processor path), each
//! class path entry's size and modification time, and each source file's path and content.
//! A compile whose fingerprint equals the one stored beside its output is skipped: javac is not
//! started. [`Fingerprint::inputs`] lists the same inputs for a whole-build fingerprint.

use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The inputs of one javac run.
#[derive(Debug, Clone)]
pub struct Fingerprint {
    pub jdk: String,
    pub args: Vec<String>,
    pub classpath: Vec<PathBuf>,
    /// (path as given to javac, absolute path) of every source file, sorted.
    pub sources: Vec<PathBuf>,
}

impl Fingerprint {
    /// Every file the compile reads: class path entries and sources (for a caller that
    /// fingerprints the whole build).
    pub fn inputs(&self) -> impl Iterator<Item = &Path> {
        self.classpath
            .iter()
            .chain(&self.sources)
            .map(PathBuf::as_path)
    }

    /// The digest, hex.
    pub fn digest(&self) -> anyhow::Result<String> {
        let mut h = Sha256::new();
        let mut field = |tag: &str, bytes: &[u8]| {
            h.update(tag.as_bytes());
            h.update((bytes.len() as u64).to_le_bytes());
            h.update(bytes);
        };
        field("jdk", self.jdk.as_bytes());
        for a in &self.args {
            field("arg", a.as_bytes());
        }
        for entry in &self.classpath {
            field("cp", entry.to_string_lossy().as_bytes());
            if let Ok(meta) = std::fs::metadata(entry) {
                let mtime = meta
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos());
                field("cpmeta", format!("{} {mtime}", meta.len()).as_bytes());
                if meta.is_dir() {
                    // A directory on the class path (the main classes of a test compile):
                    // its files' names and sizes.
                    for f in walkdir::WalkDir::new(entry).sort_by_file_name() {
                        let f = f?;
                        if f.file_type().is_file() {
                            field("cpfile", f.path().to_string_lossy().as_bytes());
                            let bytes = fs_err::read(f.path())?;
                            field("cpfilebytes", &Sha256::digest(&bytes));
                        }
                    }
                }
            }
        }
        for src in &self.sources {
            field("src", src.to_string_lossy().as_bytes());
            let mut bytes = Vec::new();
            fs_err::File::open(src)?.read_to_end(&mut bytes)?;
            field("srcbytes", &Sha256::digest(&bytes));
        }
        Ok(hex::encode(h.finalize()))
    }
}

/// The first word of a stamp file; a stamp in another format means compile again.
const STAMP_VERSION: &str = "stormpack-javac-1";

/// The files under `dir` with their SHA-256, sorted by relative path.
fn output_lines(dir: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let mut lines = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry?;
        if entry.file_type().is_file() {
            let rel = entry
                .path()
                .strip_prefix(dir)?
                .to_string_lossy()
                .replace('\\', "/");
            lines.push((
                hex::encode(Sha256::digest(fs_err::read(entry.path())?)),
                rel,
            ));
        }
    }
    Ok(lines)
}

/// The outputs recorded at `stamp` when its input digest is `digest` and every recorded output
/// is still in `dir` with the same content; `None` means compile again.
pub fn fresh_outputs(stamp: &Path, digest: &str, dir: &Path) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(stamp).ok()?;
    let mut lines = text.lines();
    if lines.next()? != format!("{STAMP_VERSION} {digest}") {
        return None;
    }
    let mut outputs = Vec::new();
    for line in lines {
        let (hash, rel) = line.split_once("  ")?;
        let bytes = std::fs::read(dir.join(rel)).ok()?;
        if hex::encode(Sha256::digest(&bytes)) != hash {
            return None;
        }
        outputs.push(rel.to_string());
    }
    Some(outputs)
}

/// Record `digest` and the files now in `dir` at `stamp` (atomically); returns the files.
pub fn store(stamp: &Path, digest: &str, dir: &Path) -> anyhow::Result<Vec<String>> {
    let outputs = output_lines(dir)?;
    let mut text = format!("{STAMP_VERSION} {digest}\n");
    for (hash, rel) in &outputs {
        text.push_str(&format!("{hash}  {rel}\n"));
    }
    let parent = stamp.parent().unwrap_or(Path::new("."));
    fs_err::create_dir_all(parent)?;
    let tmp = tempfile::NamedTempFile::new_in(parent)?;
    fs_err::write(tmp.path(), text)?;
    tmp.persist(stamp)?;
    Ok(outputs.into_iter().map(|(_, rel)| rel).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_input_changes_the_digest() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("A.java");
        std::fs::write(&src, "class A {}").unwrap();
        let fp = Fingerprint {
            jdk: "17.0.15".into(),
            args: vec!["-g".into()],
            classpath: vec![],
            sources: vec![src.clone()],
        };
        let d0 = fp.digest().unwrap();
        assert_eq!(d0, fp.digest().unwrap());
        std::fs::write(&src, "class A { }").unwrap();
        let d1 = fp.digest().unwrap();
        assert_ne!(d0, d1);
        let mut other = fp.clone();
        other.args.push("-parameters".into());
        assert_ne!(d1, other.digest().unwrap());
        let mut other = fp.clone();
        other.jdk = "21.0.2".into();
        assert_ne!(d1, other.digest().unwrap());
    }

    #[test]
    fn outputs_are_checked_and_others_ignored() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("classes");
        std::fs::create_dir_all(out.join("p")).unwrap();
        std::fs::write(out.join("p/A.class"), b"cafe").unwrap();
        let stamp = tmp.path().join("stamp");
        assert_eq!(store(&stamp, "d", &out).unwrap(), ["p/A.class"]);
        // A file another tool put there (mvn's resources) is not an output.
        std::fs::write(out.join("log4j2.xml"), b"x").unwrap();
        assert_eq!(fresh_outputs(&stamp, "d", &out).unwrap(), ["p/A.class"]);
        assert!(fresh_outputs(&stamp, "other", &out).is_none());
        std::fs::write(out.join("p/A.class"), b"babe").unwrap();
        assert!(fresh_outputs(&stamp, "d", &out).is_none());
    }
}
