//! The build's output files: the manifest and Maven metadata it generates, the temporary jar
//! beside the target, `<jar>.sha256`, and the clean-up of an interrupted build's leftovers.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use anyhow::Context;

use crate::plan::BuildPlan;

/// A temporary file for the jar in `output_dir` (created if needed), after removing stale
/// temporaries an interrupted build left there.
pub(super) fn temporary_jar(output_dir: &Path) -> anyhow::Result<tempfile::TempPath> {
    fs_err::create_dir_all(output_dir)?;
    remove_stale_temporaries(output_dir);
    Ok(tempfile::Builder::new()
        .prefix(".stormpack-")
        .suffix(".jar.tmp")
        .permissions(readable())
        .tempfile_in(output_dir)
        .with_context(|| format!("cannot create a file in {}", output_dir.display()))?
        .into_temp_path())
}

/// MANIFEST.MF: nothing from the build host, 72-byte lines with continuations, CRLF.
/// `build_jdk_spec`: the feature release of the JDK that compiled the project's classes, as
/// maven-archiver records it.
pub fn manifest(
    main_class: Option<&str>,
    multi_release: bool,
    build_jdk_spec: Option<&str>,
) -> Vec<u8> {
    let mut attrs = vec![
        ("Manifest-Version", "1.0".to_string()),
        (
            "Created-By",
            format!("stormpack {}", env!("CARGO_PKG_VERSION")),
        ),
    ];
    if let Some(spec) = build_jdk_spec {
        attrs.push(("Build-Jdk-Spec", spec.to_string()));
    }
    if let Some(main) = main_class {
        attrs.push(("Main-Class", main.to_string()));
    }
    if multi_release {
        attrs.push(("Multi-Release", "true".to_string()));
    }
    let mut out = Vec::new();
    for (k, v) in attrs {
        let line = format!("{k}: {v}");
        let bytes = line.as_bytes();
        let mut start = 0;
        let mut width = 72;
        while start < bytes.len() {
            let mut end = (start + width).min(bytes.len());
            while !line.is_char_boundary(end) {
                end -= 1;
            }
            if start > 0 {
                out.push(b' ');
            }
            out.extend_from_slice(&bytes[start..end]);
            out.extend_from_slice(b"\r\n");
            start = end;
            width = 71;
        }
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// pom.properties as Maven writes it, minus the date comment.
pub(super) fn pom_properties(plan: &BuildPlan) -> Vec<u8> {
    format!(
        "artifactId={}\ngroupId={}\nversion={}\n",
        plan.artifact_id, plan.group_id, plan.version
    )
    .into_bytes()
}

/// `<jar>.sha256` in `sha256sum -c` format, written atomically.
pub(super) fn write_checksum(jar: &Path, sha256: &str) -> anyhow::Result<()> {
    let name = jar
        .file_name()
        .context("jar path has no file name")?
        .to_string_lossy();
    let dir = jar.parent().context("jar path has no directory")?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".stormpack-")
        .suffix(".sha256.tmp")
        .permissions(readable())
        .tempfile_in(dir)?;
    writeln!(tmp, "{sha256}  {name}")?;
    let target = dir.join(format!("{name}.sha256"));
    tmp.persist(&target)
        .with_context(|| format!("cannot write {}", target.display()))?;
    Ok(())
}

/// Output files get 0666 less the umask, like any file a build tool writes (tempfile's own
/// default is 0600).
fn readable() -> std::fs::Permissions {
    std::fs::Permissions::from_mode(0o666)
}

/// How old a temporary file must be before a build takes it for an interrupted build's leftover.
const STALE_TEMPORARY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Temporary files an interrupted build left behind. Recent ones may belong to a build running
/// at the same time into the same directory (removing them would fail its rename), so only
/// files older than [`STALE_TEMPORARY`] go.
fn remove_stale_temporaries(dir: &Path) {
    let Ok(read) = fs_err::read_dir(dir) else {
        return;
    };
    let now = std::time::SystemTime::now();
    for entry in read.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with(".stormpack-") && name.ends_with(".tmp")) {
            continue;
        }
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|modified| now.duration_since(modified).ok())
            .is_some_and(|age| age > STALE_TEMPORARY);
        if stale {
            let _ = fs_err::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_stale_temporaries_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join(".stormpack-old.jar.tmp");
        let fresh = dir.path().join(".stormpack-fresh.jar.tmp");
        let other = dir.path().join("keep.tmp");
        for p in [&old, &fresh, &other] {
            std::fs::write(p, b"x").unwrap();
        }
        let two_hours_ago = std::time::SystemTime::now() - 2 * STALE_TEMPORARY;
        for p in [&old, &other] {
            std::fs::File::options()
                .write(true)
                .open(p)
                .unwrap()
                .set_modified(two_hours_ago)
                .unwrap();
        }
        remove_stale_temporaries(dir.path());
        assert!(!old.exists());
        assert!(fresh.exists(), "a concurrent build's temporary was removed");
        assert!(other.exists());
    }

    #[test]
    fn manifest_is_host_free_and_wrapped() {
        let m =
            String::from_utf8(manifest(Some(crate::storm::FLUX_MAIN_CLASS), false, None)).unwrap();
        assert!(m.starts_with("Manifest-Version: 1.0\r\nCreated-By: stormpack "));
        assert!(m.contains("Main-Class: org.apache.storm.flux.Flux\r\n"));
        assert!(m.ends_with("\r\n\r\n"));
        let long = "a.".repeat(60) + "Main";
        let m = String::from_utf8(manifest(Some(&long), true, Some("17"))).unwrap();
        for line in m.split("\r\n") {
            assert!(line.len() <= 72, "{line}");
        }
        let joined = m.replace("\r\n ", "");
        assert!(joined.contains(&format!("Main-Class: {long}\r\n")));
        assert!(joined.contains("Multi-Release: true\r\n"));
    }
}
