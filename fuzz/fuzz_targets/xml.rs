//! The XML reader as poms, settings.xml and maven-metadata.xml reach it: the generic element
//! parser, the pom model reader and the settings reader, on the same bytes.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let file = Path::new("fuzz/pom.xml");
    let _ = stormpack::maven::xml::parse_element(file, data);
    let _ = stormpack::maven::pom::RawModel::parse(file, data);
    let _ = stormpack::maven::settings::Settings::parse_bytes(data, Path::new("fuzz/settings.xml"));
});
