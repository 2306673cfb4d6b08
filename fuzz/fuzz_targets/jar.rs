//! The jar reader `inspect` and `check --jar` use: the central directory parser on raw bytes,
//! and a whole file through `inspect` (end record search, zip64, entry listing, manifest).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = stormpack::jar::central::parse_records(data);
    let _ = stormpack::jar::central::read(&mut std::io::Cursor::new(data));
    let Ok(mut file) = tempfile::NamedTempFile::new() else {
        return;
    };
    if std::io::Write::write_all(&mut file, data).is_err() {
        return;
    }
    if let Ok(inspection) = stormpack::jar::inspect::inspect(file.path()) {
        let _ = stormpack::jar::inspect::render(&inspection);
    }
});
