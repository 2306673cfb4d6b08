//! The files the build generates into the jar: the manifest and Maven metadata
//! (pom.properties).

use crate::plan::BuildPlan;

/// maven-archiver's main attributes, as maven-jar-plugin and maven-assembly-plugin write them:
/// `Manifest-Version`, `Created-By` (stormpack's, the one attribute that names another tool than
/// mvn's jar), `Build-Jdk-Spec`, the default specification/implementation entries, `Main-Class`,
/// then `manifestEntries` in the order of their names (the plugin's configuration map is sorted),
/// an empty one written empty; a default whose name `manifestEntries` holds leaves its place for
/// the entry's.
pub fn archiver_attributes(
    main_class: Option<&str>,
    build_jdk_spec: Option<&str>,
    defaults: &[(String, String)],
    entries: &[(String, Option<String>)],
) -> Vec<(String, String)> {
    let mut sorted: Vec<(String, String)> = Vec::new();
    for (k, v) in entries {
        sorted.retain(|(name, _)| name != k);
        sorted.push((k.clone(), v.clone().unwrap_or_default()));
    }
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut attrs = vec![(
        "Created-By".to_string(),
        format!("stormpack {}", env!("CARGO_PKG_VERSION")),
    )];
    if let Some(spec) = build_jdk_spec {
        attrs.push(("Build-Jdk-Spec".to_string(), spec.to_string()));
    }
    attrs.extend(defaults.iter().cloned());
    if let Some(main) = main_class {
        attrs.push(("Main-Class".to_string(), main.to_string()));
    }
    attrs.retain(|(k, _)| !sorted.iter().any(|(name, _)| name == k));
    attrs.insert(0, ("Manifest-Version".to_string(), "1.0".to_string()));
    attrs.extend(sorted);
    attrs
}

/// MANIFEST.MF from `base` (see [`archiver_attributes`]) with maven-shade-plugin's
/// ManifestResourceTransformer applied: `main_class` and `Multi-Release` replace their attribute
/// or are appended, and so is each of `entries` (one without a value removes its attribute).
/// Nothing from the build host, 72-byte lines with continuations, CRLF.
pub fn manifest(
    mut attrs: Vec<(String, String)>,
    main_class: Option<&str>,
    multi_release: bool,
    entries: &[(String, Option<String>)],
) -> Vec<u8> {
    let mut put = |name: &str, value: Option<String>| {
        let slot = attrs.iter().position(|(k, _)| k.eq_ignore_ascii_case(name));
        match (slot, value) {
            (Some(i), Some(v)) => attrs[i].1 = v,
            (Some(i), None) => {
                attrs.remove(i);
            }
            (None, Some(v)) => attrs.push((name.to_string(), v)),
            (None, None) => {}
        }
    };
    if let Some(main) = main_class {
        put("Main-Class", Some(main.to_string()));
    }
    if multi_release {
        put("Multi-Release", Some("true".to_string()));
    }
    for (name, value) in entries {
        put(name, value.clone());
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
            archiver_attributes(None, None, &[], &[]),
            Some(crate::storm::FLUX_MAIN_CLASS),
            false,
            &[],
        ))
        .unwrap();
        assert!(m.starts_with("Manifest-Version: 1.0\r\nCreated-By: stormpack "));
        assert!(m.contains("Main-Class: org.apache.storm.flux.Flux\r\n"));
        assert!(m.ends_with("\r\n\r\n"));
        let long = "a.".repeat(60) + "Main";
        let m = String::from_utf8(manifest(
            archiver_attributes(Some(&long), Some("17"), &[], &[]),
            None,
            true,
            &[],
        ))
        .unwrap();
        for line in m.split("\r\n") {
            assert!(line.len() <= 72, "{line}");
        }
        let joined = m.replace("\r\n ", "");
        assert!(joined.contains(&format!("Main-Class: {long}\r\n")));
        assert!(joined.contains("Multi-Release: true\r\n"));
    }

    #[test]
    fn manifest_entries_come_last_sorted_and_take_the_defaults_place() {
        let names = |attrs: Vec<(String, String)>| {
            attrs
                .into_iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
        };
        let attrs = archiver_attributes(
            Some("a.Main"),
            Some("17"),
            &[
                ("Implementation-Title".to_string(), "app".to_string()),
                ("Implementation-Version".to_string(), "1.0".to_string()),
            ],
            &[
                ("Topology-Name".to_string(), Some("x".to_string())),
                ("Implementation-Title".to_string(), Some("X".to_string())),
                ("Main-Class".to_string(), Some("b.Main".to_string())),
                ("X-Empty".to_string(), None),
                ("Built-By".to_string(), Some("me".to_string())),
            ],
        );
        assert_eq!(
            names(attrs)[2..],
            [
                "Build-Jdk-Spec=17",
                "Implementation-Version=1.0",
                "Built-By=me",
                "Implementation-Title=X",
                "Main-Class=b.Main",
                "Topology-Name=x",
                "X-Empty="
            ]
        );
    }
}
