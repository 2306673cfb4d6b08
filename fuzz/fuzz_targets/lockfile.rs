//! The stormpack.lock parser, and the render/parse round trip of whatever it accepts.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use stormpack::maven::lock::Lockfile;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("fuzz/stormpack.lock");
    if let Ok(lock) = Lockfile::parse(text, path) {
        let rendered = lock.render();
        let again = Lockfile::parse(&rendered, path).expect("a rendered lockfile parses");
        assert_eq!(again.render(), rendered, "render/parse round trip");
    }
});
