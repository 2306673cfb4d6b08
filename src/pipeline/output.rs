//! The files the build generates into the jar: the manifest and Maven metadata
//! (pom.properties).

use crate::plan::BuildPlan;

/// MANIFEST.MF: nothing from the build host, 72-byte lines with continuations, CRLF.
/// `build_jdk_spec`: the feature release of the JDK that compiled the project's classes, as
/// maven-archiver records it.
pub fn manifest(
    main_class: Option<&str>,
    multi_release: bool,
    build_jdk_spec: Option<&str>,
    archive_defaults: &[(String, String)],
    entries: &[(String, Option<String>)],
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
    for (k, v) in archive_defaults {
        attrs.push((k.as_str(), v.clone()));
    }
    if let Some(main) = main_class {
        attrs.push(("Main-Class", main.to_string()));
    }
    if multi_release {
        attrs.push(("Multi-Release", "true".to_string()));
    }
    // ManifestResourceTransformer's manifestEntries: each replaces an attribute of its name;
    // one without a value removes it.
    for (name, value) in entries {
        let slot = attrs.iter().position(|(k, _)| k.eq_ignore_ascii_case(name));
        match (slot, value) {
            (Some(i), Some(v)) => attrs[i].1 = v.clone(),
            (Some(i), None) => {
                attrs.remove(i);
            }
            (None, Some(v)) => attrs.push((name.as_str(), v.clone())),
            (None, None) => {}
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_is_host_free_and_wrapped() {
        let m = String::from_utf8(manifest(
            Some(crate::storm::FLUX_MAIN_CLASS),
            false,
            None,
            &[],
            &[],
        ))
        .unwrap();
        assert!(m.starts_with("Manifest-Version: 1.0\r\nCreated-By: stormpack "));
        assert!(m.contains("Main-Class: org.apache.storm.flux.Flux\r\n"));
        assert!(m.ends_with("\r\n\r\n"));
        let long = "a.".repeat(60) + "Main";
        let m = String::from_utf8(manifest(Some(&long), true, Some("17"), &[], &[])).unwrap();
        for line in m.split("\r\n") {
            assert!(line.len() <= 72, "{line}");
        }
        let joined = m.replace("\r\n ", "");
        assert!(joined.contains(&format!("Main-Class: {long}\r\n")));
        assert!(joined.contains("Multi-Release: true\r\n"));
    }
}
