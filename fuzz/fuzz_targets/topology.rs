//! The topology reader with includes: the input is a topology.yaml, and (after a line `---8<---`)
//! the text of `inc.yaml`, which the topology may include as a file or as a jar resource.
#![no_main]

use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;
use stormpack::topology::{self, CheckContext, Resource};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (main, include) = text.split_once("\n---8<---\n").unwrap_or((text, ""));
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    let path = dir.path().join("topology.yaml");
    if std::fs::write(dir.path().join("inc.yaml"), include).is_err() {
        return;
    }
    let include = include.to_string();
    // Every resource name reads the include's text (the name is the topology's choice).
    let read = move |name: &str| -> Option<Resource> {
        Some((PathBuf::from(name.trim_start_matches('/')), include.clone()))
    };
    let ctx = CheckContext::without_jar(&read);
    let _ = topology::check_text(&path, Some(main), &ctx);
    let _ = topology::to_dot_text(&path, Some(main), &ctx);
});
