//! Reading the files users and third parties control (poms, settings, topologies and their
//! includes, resources, lockfiles, jars): only regular files, and only up to a bound. A FIFO
//! named `topology.yaml`, an include of `/dev/zero` or `--settings /dev/stdin` would block
//! forever or never end; they are refused before a byte is read. The file is opened without
//! blocking (`O_NONBLOCK`, so opening a FIFO does not wait for a writer) and its type is taken
//! from the open descriptor, so a file swapped after a check cannot slip through.

use std::collections::BTreeMap;
use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// The largest text input read whole (a pom, settings.xml, a topology, a lockfile): far beyond
/// any real one, small enough that a hostile one cannot exhaust memory.
pub const MAX_TEXT_FILE: u64 = 64 * 1024 * 1024;

/// Opens `path` for reading when it is a regular file (after symlinks); any other kind (FIFO,
/// device, socket, directory) is an `InvalidInput` error that says what it is and what to do.
pub fn open_regular(path: &Path) -> io::Result<File> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    let meta = file.metadata()?;
    let kind = meta.file_type();
    if kind.is_file() {
        record(path, &meta);
        // Regular files ignore O_NONBLOCK; nothing to reset.
        return Ok(file);
    }
    let what = if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a named pipe (FIFO)"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    };
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{} is {what}, not a regular file; stormpack reads only regular files (a pipe or \
             device can block or never end)\n  fix: replace it with a regular file",
            path.display()
        ),
    ))
}

/// The regular files opened through [`open_regular`] while recording, with their metadata at
/// the first open (a build's inputs, for the whole-build fingerprint): one map per recording,
/// innermost last.
static RECORDED: std::sync::Mutex<Vec<BTreeMap<PathBuf, Metadata>>> =
    std::sync::Mutex::new(Vec::new());

fn record(path: &Path, meta: &Metadata) {
    let mut recorded = RECORDED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(files) = recorded.last_mut() {
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        files.entry(path).or_insert_with(|| meta.clone());
    }
}

/// Count `path` among the recorded inputs without reading it (a file a build checks but does not
/// copy, such as a dependency jar the lockfile pins and no jar holds).
pub fn note(path: &Path) {
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.is_file() {
            record(path, &meta);
        }
    }
}

/// Start recording the files [`open_regular`] opens (in this whole process). Recordings nest:
/// what an inner one saw is also the outer one's.
pub fn start_recording() {
    RECORDED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(BTreeMap::new());
}

/// Stop the innermost recording; the files opened since its [`start_recording`] and their
/// metadata then.
pub fn take_recording() -> BTreeMap<PathBuf, Metadata> {
    let mut recorded = RECORDED.lock().unwrap_or_else(|e| e.into_inner());
    let files = recorded.pop().unwrap_or_default();
    if let Some(outer) = recorded.last_mut() {
        for (path, meta) in &files {
            outer.entry(path.clone()).or_insert_with(|| meta.clone());
        }
    }
    files
}

/// The bytes of the regular file `path`, refusing more than `max` bytes (an `InvalidData`
/// error naming the file and the bound).
pub fn read_regular(path: &Path, max: u64) -> io::Result<Vec<u8>> {
    let file = open_regular(path)?;
    let mut bytes = Vec::new();
    file.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(too_large(path, max));
    }
    Ok(bytes)
}

/// The text of the regular file `path` (at most `max` bytes); invalid UTF-8 is an
/// `InvalidData` error naming the byte offset.
pub fn read_regular_to_string(path: &Path, max: u64) -> io::Result<String> {
    let bytes = read_regular(path, max)?;
    String::from_utf8(bytes).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{}: byte {} is not UTF-8\n  fix: save the file as UTF-8",
                path.display(),
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

fn too_large(path: &Path, max: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "{} is larger than {} MiB, more than stormpack reads from such a file\n  fix: check that it is the file you meant",
            path.display(),
            max / (1024 * 1024)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifos_devices_and_directories_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("topology.yaml");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        for (path, what) in [
            (fifo.as_path(), "a named pipe (FIFO)"),
            (Path::new("/dev/zero"), "a character device"),
            (dir.path(), "a directory"),
        ] {
            let err = read_regular(path, MAX_TEXT_FILE).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
            assert!(err.to_string().contains(what), "{err}");
            assert!(err.to_string().contains("fix: "), "{err}");
        }
        let file = dir.path().join("ok.txt");
        std::fs::write(&file, "0123456789").unwrap();
        assert_eq!(read_regular(&file, 10).unwrap(), b"0123456789");
        let err = read_regular(&file, 9).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        std::fs::write(&file, b"ab\xffc").unwrap();
        let err = read_regular_to_string(&file, 10).unwrap_err();
        assert!(err.to_string().contains("byte 2 is not UTF-8"), "{err}");
    }
}
