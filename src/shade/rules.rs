//! Which dependency entries never reach the topology jar, and why: manifests (the project's own
//! wins), signatures (they would no longer match the merged jar), `INDEX.LIST` (it would describe
//! the wrong jar), `module-info.class` (the topology jar is not a module), and directory entries
//! (the writer generates every parent directory itself).

/// Why a dependency entry is not copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dropped {
    Directory,
    Manifest,
    Signature,
    IndexList,
    ModuleInfo,
}

/// Names under `META-INF/` are compared case-insensitively, as the JDK's jar reader does.
pub fn dropped(path: &str) -> Option<Dropped> {
    if path.ends_with('/') {
        return Some(Dropped::Directory);
    }
    if path == "module-info.class" || is_versioned_module_info(path) {
        return Some(Dropped::ModuleInfo);
    }
    let prefix = path.get(..9)?;
    if !prefix.eq_ignore_ascii_case("META-INF/") || path[9..].contains('/') {
        return None;
    }
    let name = path[9..].to_ascii_uppercase();
    if name == "MANIFEST.MF" {
        return Some(Dropped::Manifest);
    }
    if name == "INDEX.LIST" {
        return Some(Dropped::IndexList);
    }
    let signature = name.starts_with("SIG-")
        || [".SF", ".DSA", ".RSA", ".EC"]
            .iter()
            .any(|ext| name.ends_with(ext));
    signature.then_some(Dropped::Signature)
}

/// `META-INF/versions/<n>/module-info.class`.
fn is_versioned_module_info(path: &str) -> bool {
    let Some(rest) = path.strip_prefix("META-INF/versions/") else {
        return false;
    };
    match rest.split_once('/') {
        Some((version, "module-info.class")) => {
            !version.is_empty() && version.bytes().all(|b| b.is_ascii_digit())
        }
        _ => false,
    }
}

/// A file directly under `META-INF/services/`: merged, not copied.
pub fn is_service_file(path: &str) -> bool {
    path.strip_prefix("META-INF/services/")
        .is_some_and(|name| !name.is_empty() && !name.contains('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_what_maven_shade_filters_and_more() {
        for (path, why) in [
            ("META-INF/MANIFEST.MF", Dropped::Manifest),
            ("META-INF/manifest.mf", Dropped::Manifest),
            ("META-INF/BCKEY.SF", Dropped::Signature),
            ("META-INF/BCKEY.DSA", Dropped::Signature),
            ("META-INF/foo.rsa", Dropped::Signature),
            ("META-INF/KEY.EC", Dropped::Signature),
            ("META-INF/SIG-FOO", Dropped::Signature),
            ("META-INF/INDEX.LIST", Dropped::IndexList),
            ("module-info.class", Dropped::ModuleInfo),
            ("META-INF/versions/9/module-info.class", Dropped::ModuleInfo),
            ("org/", Dropped::Directory),
        ] {
            assert_eq!(dropped(path), Some(why), "{path}");
        }
        for kept in [
            "META-INF/maven/g/a/pom.xml",
            "META-INF/LICENSE",
            "META-INF/sub/KEY.SF",
            "META-INF/versions/11/org/x/A.class",
            "org/x/module-info.class",
            "META-INF/services/a.B",
            "resources/storm.py",
        ] {
            assert_eq!(dropped(kept), None, "{kept}");
        }
    }

    #[test]
    fn service_files() {
        assert!(is_service_file("META-INF/services/org.apache.storm.X"));
        assert!(!is_service_file("META-INF/services/"));
        assert!(!is_service_file("META-INF/services/sub/x"));
        assert!(!is_service_file("META-INF/servicesX"));
    }
}
