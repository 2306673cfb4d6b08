//! maven-shade-plugin's two pattern languages: artifact patterns (`groupId[:artifactId[:type[:classifier]]]`,
//! three parts meaning `groupId:artifactId:classifier`, `*` and `?` wildcards in each part, a
//! missing part matching anything) and entry-path globs (Ant style: `*` and `?` within one path
//! segment, `**` across segments, a trailing `/` meaning `/**`).

use crate::maven::Artifact;

/// One `groupId:artifactId:type:classifier` pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactPattern {
    pub text: String,
    group: String,
    artifact: String,
    kind: String,
    classifier: String,
}

impl ArtifactPattern {
    pub fn parse(text: &str) -> ArtifactPattern {
        let parts: Vec<&str> = text.split(':').collect();
        let part = |i: usize| parts.get(i).map_or("*", |p| *p).to_string();
        let (kind, classifier) = match parts.len() {
            0..=2 => ("*".to_string(), "*".to_string()),
            3 => ("*".to_string(), part(2)),
            _ => (part(2), part(3)),
        };
        ArtifactPattern {
            text: text.to_string(),
            group: part(0),
            artifact: part(1),
            kind,
            classifier,
        }
    }

    pub fn matches(&self, a: &Artifact) -> bool {
        wildcard(&self.group, &a.group_id)
            && wildcard(&self.artifact, &a.artifact_id)
            && wildcard(&self.kind, &a.kind)
            && wildcard(&self.classifier, a.classifier.as_deref().unwrap_or(""))
    }
}

/// `*` matches any run of characters, `?` one character; everything else literally.
pub fn wildcard(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Ant's path match (`SelectorUtils.matchPath`): segments compared with [`wildcard`], `**`
/// matching any number of segments; a pattern ending in `/` gets `**` appended.
pub fn path_glob(pattern: &str, path: &str) -> bool {
    let mut pattern = pattern.replace('\\', "/");
    if pattern.ends_with('/') {
        pattern.push_str("**");
    }
    let p: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
    let t: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    segments(&p, &t)
}

fn segments(p: &[&str], t: &[&str]) -> bool {
    match p.split_first() {
        None => t.is_empty(),
        Some((&"**", rest)) => (0..=t.len()).any(|skip| segments(rest, &t[skip..])),
        Some((first, rest)) => match t.split_first() {
            Some((head, tail)) => wildcard(first, head) && segments(rest, tail),
            None => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn art(coords: &str, kind: &str, classifier: Option<&str>) -> Artifact {
        let mut parts = coords.split(':');
        Artifact {
            group_id: parts.next().unwrap_or_default().to_string(),
            artifact_id: parts.next().unwrap_or_default().to_string(),
            version: "1".to_string(),
            kind: kind.to_string(),
            classifier: classifier.map(str::to_string),
        }
    }

    #[test]
    fn artifact_patterns_as_shade_reads_them() {
        let a = art("org.apache.maven:lib", "jar", None);
        let t = art("org.apache.maven:lib", "jar", Some("tests"));
        for (pattern, plain, tests) in [
            ("org.apache.maven:lib", true, true),
            ("org.apache.maven", true, true),
            ("org.apache.*:*", true, true),
            ("*:lib", true, true),
            ("*:l?b", true, true),
            ("*:other", false, false),
            ("org.apache.maven:lib:tests", false, true),
            ("org.apache.maven:lib:jar:", true, false),
            ("org.apache.maven:lib:jar:tests", false, true),
            ("org.apache.maven:lib:pom:*", false, false),
        ] {
            let p = ArtifactPattern::parse(pattern);
            assert_eq!(p.matches(&a), plain, "{pattern} vs plain");
            assert_eq!(p.matches(&t), tests, "{pattern} vs tests");
        }
    }

    #[test]
    fn ant_globs() {
        assert!(path_glob("META-INF/*.SF", "META-INF/A.SF"));
        assert!(!path_glob("META-INF/*.SF", "META-INF/x/A.SF"));
        assert!(path_glob("org/a/**", "org/a/b/C.class"));
        assert!(path_glob("org/a/", "org/a/b/C.class"));
        assert!(path_glob("**/*.txt", "a.txt"));
        assert!(path_glob("**/*.txt", "x/y/a.txt"));
        assert!(!path_glob("org/a/*.class", "org/a/b/C.class"));
        assert!(path_glob("org/a/?.class", "org/a/C.class"));
    }
}
