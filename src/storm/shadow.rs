//! What a real cluster does to the classes of a topology jar that Storm also ships: a worker's
//! classpath is Storm's `lib-worker/*` (storm-client's closure) first and the topology jar
//! after it, so for every class both hold, the worker loads Storm's copy. `stormpack run`
//! (LocalCluster) puts the jar first, so a topology can work there and fail on a cluster with a
//! NoSuchMethodError when the two copies differ. [`shadowed`] finds those classes by comparing
//! entries (CRC-32 and size) of the jar with those of Storm's jars, grouped by package.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Classes of one package that the jar shares with one of Storm's jars.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shadowed {
    /// `org.slf4j`.
    pub package: String,
    /// The Storm jar whose copy a worker loads (file name).
    pub storm_jar: String,
    pub classes: usize,
    /// How many of them differ from Storm's copy.
    pub different: usize,
}

/// Packages whose shadowing is known to be harmless: flux-core 2.4.0 bundles the slf4j 1.7 API;
/// Storm's slf4j-api 2.x serves callers compiled against 1.7.
const HARMLESS: &[&str] = &[
    "org.slf4j",
    "org.slf4j.event",
    "org.slf4j.helpers",
    "org.slf4j.spi",
];

/// The jar's classes that `lib_worker` (in classpath order) shadows on a real cluster.
pub fn shadowed(jar: &Path, lib_worker: &[PathBuf]) -> anyhow::Result<Vec<Shadowed>> {
    let mut storm: BTreeMap<String, (u32, u64, String)> = BTreeMap::new();
    for lib in lib_worker {
        let name = lib
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for e in crate::jar::inspect::inspect(lib)?.entries {
            if is_class(&e.info.path) {
                storm
                    .entry(e.info.path)
                    .or_insert((e.info.crc32, e.info.size, name.clone()));
            }
        }
    }
    let mut groups: BTreeMap<(String, String), (usize, usize)> = BTreeMap::new();
    for e in crate::jar::inspect::inspect(jar)?.entries {
        let path = &e.info.path;
        if !is_class(path) {
            continue;
        }
        if let Some((crc, size, storm_jar)) = storm.get(path) {
            let package = path
                .rsplit_once('/')
                .map_or(String::new(), |(p, _)| p.replace('/', "."));
            let g = groups.entry((package, storm_jar.clone())).or_default();
            g.0 += 1;
            if (*crc, *size) != (e.info.crc32, e.info.size) {
                g.1 += 1;
            }
        }
    }
    Ok(groups
        .into_iter()
        .map(|((package, storm_jar), (classes, different))| Shadowed {
            package,
            storm_jar,
            classes,
            different,
        })
        .collect())
}

fn is_class(path: &str) -> bool {
    path.ends_with(".class") && !path.starts_with("META-INF/") && path != "module-info.class"
}

/// Warnings for the shadowed packages that differ and are not known to be harmless.
pub fn warnings(jar: &Path, shadows: &[Shadowed]) -> Vec<String> {
    shadows
        .iter()
        .filter(|s| s.different > 0 && !HARMLESS.contains(&s.package.as_str()))
        .map(|s| {
            format!(
                "{}: {} of its {} classes in {} differ from Storm's copy in lib-worker/{}; a \
                 worker on a real cluster loads Storm's (lib-worker comes first), while \
                 `stormpack run` loads the jar's\nfix: relocate {} in the shade configuration \
                 (maven-shade-plugin <relocations>), or depend on the version Storm ships",
                jar.display(),
                s.different,
                s.classes,
                s.package,
                s.storm_jar,
                s.package
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jar(dir: &Path, name: &str, entries: &[(&str, &[u8])]) -> PathBuf {
        let path = dir.join(name);
        crate::jar::read::write_test_jar(&path, entries);
        path
    }

    #[test]
    fn shared_classes_are_grouped_and_differences_counted() {
        let dir = tempfile::tempdir().unwrap();
        let storm = jar(
            dir.path(),
            "lib.jar",
            &[
                ("com/x/A.class", b"a1"),
                ("com/x/B.class", b"b"),
                ("org/slf4j/Logger.class", b"2.0"),
            ],
        );
        let topo = jar(
            dir.path(),
            "topo.jar",
            &[
                ("com/x/A.class", b"a2"),
                ("com/x/B.class", b"b"),
                ("org/slf4j/Logger.class", b"1.7"),
                ("mine/C.class", b"c"),
            ],
        );
        let s = shadowed(&topo, &[storm]).unwrap();
        assert_eq!(
            s,
            vec![
                Shadowed {
                    package: "com.x".into(),
                    storm_jar: "lib.jar".into(),
                    classes: 2,
                    different: 1
                },
                Shadowed {
                    package: "org.slf4j".into(),
                    storm_jar: "lib.jar".into(),
                    classes: 1,
                    different: 1
                },
            ]
        );
        let w = warnings(&topo, &s);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].contains("com.x")
                && w[0].contains("lib-worker/lib.jar")
                && w[0].contains("fix: relocate"),
            "{}",
            w[0]
        );
    }
}
