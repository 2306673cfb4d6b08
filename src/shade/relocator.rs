//! maven-shade-plugin 3.5.1's `<relocations>`: each `<relocation>` is a SimpleRelocator
//! (`pattern`, `shadedPattern` defaulting to `hidden.<pattern>`, Ant-style `includes`/`excludes`
//! over slashed class names), and [`Relocators::map`] is DefaultShader's package mapper: the
//! first relocator that can relocate a name wins, a `[*L...;` descriptor keeps its brackets. Also
//! the ServicesResourceTransformer's relocation of service file names and lines
//! (`applyToSourceContent`, Java `split` quirks included) and the jar entry names Maven writes.

use crate::error::{Diagnostic, Location};
use crate::maven::plugin_config::Dom;

use super::pattern::wildcard;

/// One `<relocation>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relocator {
    /// Dotted (`com.example`).
    pattern: String,
    /// Slashed (`com/example`).
    path_pattern: String,
    shaded_pattern: String,
    shaded_path_pattern: String,
    /// Normalized (slashed, plus the package of a `/*` or `/**` pattern) and as written.
    includes: Vec<String>,
    excludes: Vec<String>,
    /// `applyToSourceContent`'s excluded suffixes, dotted and slashed.
    source_package_excludes: Vec<String>,
    source_path_excludes: Vec<String>,
}

/// Every `<relocation>`, in order; empty when there is none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Relocators {
    pub list: Vec<Relocator>,
}

impl Relocator {
    /// SimpleRelocator's constructor (not raw-string).
    pub fn new(
        pattern: &str,
        shaded: Option<&str>,
        includes: &[String],
        excludes: &[String],
    ) -> Self {
        let dotted = pattern.replace('/', ".");
        let path_pattern = pattern.replace('.', "/");
        let (shaded_pattern, shaded_path_pattern) = match shaded {
            Some(s) => (s.replace('/', "."), s.replace('.', "/")),
            None => (format!("hidden.{dotted}"), format!("hidden/{path_pattern}")),
        };
        let includes = normalize(includes);
        let excludes = normalize(excludes);
        let mut source_package_excludes = Vec::new();
        let mut source_path_excludes = Vec::new();
        for exclude in &excludes {
            if let Some(rest) = exclude.strip_prefix(dotted.as_str()) {
                let rest = rest.strip_suffix(".*").unwrap_or(rest);
                push_unique(&mut source_package_excludes, rest.to_string());
            }
            if let Some(rest) = exclude.strip_prefix(path_pattern.as_str()) {
                let rest = rest.strip_suffix("/*").unwrap_or(rest);
                push_unique(&mut source_path_excludes, rest.to_string());
            }
        }
        Relocator {
            pattern: dotted,
            path_pattern,
            shaded_pattern,
            shaded_path_pattern,
            includes,
            excludes,
            source_package_excludes,
            source_path_excludes,
        }
    }

    pub fn can_relocate_path(&self, path: &str) -> bool {
        let path = path.strip_suffix(".class").unwrap_or(path);
        let path = path.strip_prefix('/').unwrap_or(path);
        let included =
            self.includes.is_empty() || self.includes.iter().any(|i| match_path(i, path));
        included
            && !self.excludes.iter().any(|e| match_path(e, path))
            && path.starts_with(self.path_pattern.as_str())
    }

    pub fn can_relocate_class(&self, class: &str) -> bool {
        !class.contains('/') && self.can_relocate_path(&class.replace('.', "/"))
    }

    /// `path.replaceFirst(pathPattern, shadedPathPattern)` (patterns hold no regex syntax).
    pub fn relocate_path(&self, path: &str) -> String {
        path.replacen(self.path_pattern.as_str(), &self.shaded_path_pattern, 1)
    }

    /// `class.replaceFirst(pattern, shadedPattern)`: each `.` of the pattern is a regex `.`.
    pub fn relocate_class(&self, class: &str) -> String {
        let p: Vec<char> = self.pattern.chars().collect();
        let c: Vec<char> = class.chars().collect();
        let found = (0..=c.len().saturating_sub(p.len())).find(|&start| {
            c.len() >= start + p.len()
                && p.iter()
                    .zip(&c[start..start + p.len()])
                    .all(|(pc, cc)| *pc == *cc || (*pc == '.' && !is_line_terminator(*cc)))
        });
        match found {
            Some(start) => {
                let mut out: String = c[..start].iter().collect();
                out.push_str(&self.shaded_pattern);
                out.extend(&c[start + p.len()..]);
                out
            }
            None => class.to_string(),
        }
    }

    /// `applyToSourceContent`: the dotted, then the slashed pattern replaced where it stands as a
    /// word and is not a qualified name's tail.
    pub fn apply_to_source_content(&self, content: &str) -> String {
        let once = shade_source(
            content,
            &self.pattern,
            &self.shaded_pattern,
            &self.source_package_excludes,
        );
        shade_source(
            &once,
            &self.path_pattern,
            &self.shaded_path_pattern,
            &self.source_path_excludes,
        )
    }
}

fn push_unique(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// SimpleRelocator.normalizePatterns plus the patterns as written (a LinkedHashSet).
fn normalize(patterns: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for p in patterns {
        let class_pattern = p.replace('.', "/");
        push_unique(&mut out, class_pattern.clone());
        if class_pattern.ends_with("/*") || class_pattern.ends_with("/**") {
            if let Some(slash) = class_pattern.rfind('/') {
                push_unique(&mut out, class_pattern[..slash].to_string());
            }
        }
    }
    for p in patterns {
        push_unique(&mut out, p.clone());
    }
    out
}

/// plexus-utils `SelectorUtils.matchPath(pattern, path, true)` on Unix: a leading `/` must agree,
/// empty segments vanish, `**` spans segments, `*` and `?` stay within one.
fn match_path(pattern: &str, path: &str) -> bool {
    let pattern = pattern
        .strip_prefix("%ant[")
        .and_then(|p| p.strip_suffix(']'))
        .unwrap_or(pattern);
    if pattern.starts_with('/') != path.starts_with('/') {
        return false;
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

fn is_line_terminator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// java.util.regex's `\b` word character (JDK 17: a letter, a digit or `_`).
fn is_word(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// `content.split("\\b" + from + "\\b")` with Java's rules: a match at 0 leaves a leading empty
/// piece, trailing empty pieces are removed.
fn java_split<'a>(content: &'a str, from: &str) -> Vec<&'a str> {
    let mut pieces = Vec::new();
    let mut last = 0;
    let mut search = 0;
    if from.is_empty() {
        return vec![content];
    }
    while let Some(found) = content[search..].find(from) {
        let start = search + found;
        let end = start + from.len();
        let boundary = |at: usize| {
            let before = content[..at].chars().next_back().is_some_and(is_word);
            let after = content[at..].chars().next().is_some_and(is_word);
            before != after
        };
        if boundary(start) && boundary(end) {
            pieces.push(&content[last..start]);
            last = end;
            search = end;
        } else {
            search = start + content[start..].chars().next().map_or(1, char::len_utf8);
        }
        if search > content.len() {
            break;
        }
    }
    if last == 0 && pieces.is_empty() {
        return vec![content];
    }
    pieces.push(&content[last..]);
    while pieces.last().is_some_and(|p| p.is_empty()) {
        pieces.pop();
    }
    pieces
}

const KEYWORDS: &[&str] = &[
    "import",
    "package",
    "public",
    "protected",
    "private",
    "static",
    "final",
    "synchronized",
    "abstract",
    "volatile",
    "extends",
    "implements",
    "throws",
];

/// RX_ENDS_WITH_JAVA_KEYWORD on a snippet whose whitespace runs are single spaces.
fn ends_with_java_keyword(s: &str) -> bool {
    let Some(body) = s.strip_suffix(' ') else {
        return false;
    };
    let keyword = KEYWORDS.iter().any(|k| {
        body.strip_suffix(k)
            .is_some_and(|before| !before.chars().next_back().is_some_and(is_word))
    });
    let mut link = body;
    while let Some(rest) = link.strip_suffix(" *") {
        link = rest;
    }
    keyword
        || link.ends_with("{@link")
        || body.ends_with(['{', '}', '(', '=', ';', ','])
        || body.ends_with("*/")
}

/// SimpleRelocator.shadeSourceWithExcludes.
fn shade_source(content: &str, from: &str, to: &str, excluded: &[String]) -> String {
    let snippets = java_split(content, from);
    let mut out = String::with_capacity(content.len() + content.len() / 10);
    for (i, snippet) in snippets.iter().enumerate() {
        if i == 0 {
            out.push_str(snippet);
            continue;
        }
        let do_exclude = excluded.iter().any(|e| snippet.starts_with(e.as_str()));
        let previous = snippets[i - 1]
            .split([' ', '\t', '\n', '\u{b}', '\u{c}', '\r'])
            .collect::<Vec<_>>();
        // replaceAll("\\s+", " "): runs of whitespace become one space.
        let mut one_line = String::new();
        let mut in_space = false;
        for (k, part) in previous.iter().enumerate() {
            if k > 0 && !in_space {
                one_line.push(' ');
                in_space = true;
            }
            if !part.is_empty() {
                one_line.push_str(part);
                in_space = false;
            }
        }
        let after_dot_slash_space = one_line.ends_with(['.', '/', ' ']);
        let after_keyword = ends_with_java_keyword(&one_line);
        let exclude = do_exclude || after_dot_slash_space && !after_keyword;
        out.push_str(if exclude { from } else { to });
        out.push_str(snippet);
    }
    out
}

impl Relocators {
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// DefaultShader's PackageMapper.map: the first relocator that relocates `name` (as a dotted
    /// class name when `packages`, as a path when `paths`) wins; `[*L...;` is relocated inside.
    pub fn map(&self, name: &str, paths: bool, packages: bool) -> String {
        let (prefix, inner, suffix) = match descriptor_parts(name) {
            Some((brackets, inner)) => (format!("{brackets}L"), inner, ";"),
            None => (String::new(), name, ""),
        };
        for r in &self.list {
            if packages && r.can_relocate_class(inner) {
                return format!("{prefix}{}{suffix}", r.relocate_class(inner));
            } else if paths && r.can_relocate_path(inner) {
                return format!("{prefix}{}{suffix}", r.relocate_path(inner));
            }
        }
        name.to_string()
    }

    /// The name Maven writes a jar entry under: a class file's name up to its first `.` mapped
    /// as a path, `.class` put back; any other entry's whole path mapped.
    pub fn entry_name(&self, path: &str) -> String {
        if path.ends_with(".class") {
            let stem = path.split('.').next().unwrap_or(path);
            format!("{}.class", self.map(stem, true, false))
        } else {
            self.map(path, true, false)
        }
    }

    /// ServicesResourceTransformer: the service file's name (after `META-INF/services/`)
    /// relocated as a class name by the first relocator that can.
    pub fn service_name(&self, path: &str) -> String {
        let Some(service) = path
            .get("META-INF/services".len() + 1..)
            .filter(|_| path.starts_with("META-INF/services"))
        else {
            return path.to_string();
        };
        let relocated = self
            .list
            .iter()
            .find(|r| r.can_relocate_class(service))
            .map_or_else(|| service.to_string(), |r| r.relocate_class(service));
        format!("META-INF/services/{relocated}")
    }

    /// ServicesResourceTransformer: each line (java.util.Scanner's lines) passed through every
    /// relocator that can relocate it as a class name; lines joined with `\n`.
    pub fn service_content(&self, content: &[u8]) -> Vec<u8> {
        let text = String::from_utf8_lossy(content);
        let mut out = String::with_capacity(text.len());
        for line in super::services::scanner_lines(&text) {
            let mut line = line.to_string();
            for r in &self.list {
                if r.can_relocate_class(&line) {
                    line = r.apply_to_source_content(&line);
                }
            }
            out.push_str(&line);
            out.push('\n');
        }
        out.into_bytes()
    }
}

/// The main attributes ManifestResourceTransformer relocates (its `defaultAttributes`).
const MANIFEST_ATTRIBUTES: &[&str] = &[
    "Export-Package",
    "Import-Package",
    "Provide-Capability",
    "Require-Capability",
];

impl Relocators {
    /// ManifestResourceTransformer on the project jar's manifest: each OSGi header's value
    /// passed through every relocator's `relocateClass` until it stops changing. When a shaded
    /// pattern holds its pattern that never ends (Maven hangs): an error here.
    pub fn relocate_manifest_entries(
        &self,
        entries: &mut [(String, String)],
    ) -> anyhow::Result<()> {
        for (name, v) in entries.iter_mut() {
            if !MANIFEST_ATTRIBUTES
                .iter()
                .any(|a| a.eq_ignore_ascii_case(name))
            {
                continue;
            }
            for r in &self.list {
                // Each round replaces one occurrence: a relocation that ends does so within
                // as many rounds as the value had characters.
                let limit = v.len() + 1;
                let mut rounds = 0;
                loop {
                    let next = r.relocate_class(v);
                    if next == *v {
                        break;
                    }
                    rounds += 1;
                    if rounds > limit {
                        anyhow::bail!(Diagnostic::new(format!(
                            "maven-shade-plugin never finishes relocating the manifest's {name}: its shadedPattern `{}` contains the pattern `{}`, which it replaces again and again",
                            r.shaded_pattern, r.pattern
                        ))
                        .fix(format!(
                            "remove {name} from the jar's manifest entries, or choose a shadedPattern that does not contain the pattern"
                        )));
                    }
                    *v = next;
                }
            }
        }
        Ok(())
    }
}

/// `(\[*)?L(.+);` matched in full: the brackets and the name inside.
fn descriptor_parts(name: &str) -> Option<(&str, &str)> {
    let brackets = name.len() - name.trim_start_matches('[').len();
    let rest = name[brackets..].strip_prefix('L')?.strip_suffix(';')?;
    (!rest.is_empty() && !rest.contains(is_line_terminator)).then(|| (&name[..brackets], rest))
}

/// The `<relocations>` element of the shade configuration.
pub fn from_config(el: &Dom) -> anyhow::Result<Relocators> {
    let mut list = Vec::new();
    for child in &el.children {
        if child.name != "relocation" {
            return Err(not_understood(
                &format!("<relocations> holds <{}>", child.name),
                child,
                "write each relocation as <relocation><pattern>...</pattern></relocation>",
            ));
        }
        list.push(relocation(child)?);
    }
    Ok(Relocators { list })
}

/// One `<relocation>`: its parameters checked, and the ones stormpack cannot reproduce (raw
/// strings, no pattern, regular-expression syntax) an error naming the element.
fn relocation(child: &Dom) -> anyhow::Result<Relocator> {
    for c in &child.children {
        if ![
            "pattern",
            "shadedPattern",
            "includes",
            "excludes",
            "rawString",
        ]
        .contains(&c.name.as_str())
        {
            return Err(not_understood(
                &format!("maven-shade-plugin's <relocation> has no parameter <{}>; Maven fails to configure it", c.name),
                c,
                "remove it; <relocation> takes <pattern>, <shadedPattern>, <includes>, <excludes>, <rawString>",
            ));
        }
    }
    if child
        .value_of("rawString")
        .is_some_and(|v| v.trim() == "true")
    {
        return Err(not_understood(
            "a <relocation> with <rawString>true</rawString> (Java regular expressions) is not supported by stormpack yet",
            child.child("rawString").unwrap_or(child),
            "relocate by package (<pattern> without rawString), or build this project with mvn package",
        ));
    }
    let Some(pattern) = child
        .value_of("pattern")
        .map(str::trim)
        .filter(|p| !p.is_empty())
    else {
        return Err(not_understood(
            "a <relocation> without a <pattern> (Maven would relocate every class, the JDK's too) is not supported",
            child,
            "give the relocation a <pattern>, e.g. <pattern>com.google.common</pattern>",
        ));
    };
    let shaded = child
        .value_of("shadedPattern")
        .map(str::trim)
        .filter(|s| !s.is_empty());
    for (what, value) in [("pattern", Some(pattern)), ("shadedPattern", shaded)] {
        if let Some(bad) = value.and_then(|v| v.chars().find(|c| "\\^$|?*+()[]{} ".contains(*c))) {
            return Err(not_understood(
                &format!("the relocation <{what}> `{}` holds `{bad}`, which maven-shade-plugin reads as regular-expression syntax; stormpack does not reproduce that", value.unwrap_or_default()),
                child.child(what).unwrap_or(child),
                "use a package name (letters, digits, `_`, `.`)",
            ));
        }
    }
    let trimmed = |items: Vec<String>| -> Vec<String> {
        items.into_iter().map(|s| s.trim().to_string()).collect()
    };
    let includes = trimmed(child.list("includes", "include"));
    let excludes = trimmed(child.list("excludes", "exclude"));
    if let Some(regex) = includes
        .iter()
        .chain(&excludes)
        .find(|p| p.starts_with("%regex["))
    {
        return Err(not_understood(
            &format!("the relocation include/exclude `{regex}` is a regular expression, not supported by stormpack yet"),
            child,
            "write it as an Ant pattern (`com.example.internal.*`, `com/example/**`)",
        ));
    }
    Ok(Relocator::new(pattern, shaded, &includes, &excludes))
}

/// With relocations, ManifestResourceTransformer relocates its `additionalAttributes` in the
/// manifest (by a repeated `replaceFirst` that never ends when the shaded pattern holds the
/// pattern); stormpack does not reproduce that: an error naming the element.
pub fn check_manifest_relocation(
    config: Option<&Dom>,
    relocations: &Relocators,
) -> anyhow::Result<()> {
    if relocations.is_empty() {
        return Ok(());
    }
    let transformers = config
        .into_iter()
        .flat_map(|c| c.children_named("transformers"))
        .flat_map(|t| t.children_named("transformer"));
    for t in transformers {
        if let Some(extra) = t
            .child("additionalAttributes")
            .filter(|a| !a.children.is_empty())
        {
            return Err(not_understood(
                "ManifestResourceTransformer's <additionalAttributes> (manifest attributes relocated like class names) is not supported by stormpack yet",
                extra,
                "remove <additionalAttributes>, or build this project with mvn package",
            ));
        }
    }
    Ok(())
}

fn not_understood(message: &str, at: &Dom, fix: &str) -> anyhow::Error {
    Diagnostic::new(message)
        .at(Location::at(at.at.file.clone(), at.at.line, at.at.column))
        .fix(fix)
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(pattern: &str, shaded: Option<&str>, inc: &[&str], exc: &[&str]) -> Relocators {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        Relocators {
            list: vec![Relocator::new(pattern, shaded, &s(inc), &s(exc))],
        }
    }

    #[test]
    fn maps_paths_classes_and_descriptors() {
        let r = one("com.dep", Some("x.dep"), &[], &[]);
        assert_eq!(r.map("com/dep/Foo", true, false), "x/dep/Foo");
        assert_eq!(r.map("com.dep.Foo", true, false), "com.dep.Foo");
        assert_eq!(r.map("com.dep.Foo", true, true), "x.dep.Foo");
        assert_eq!(r.map("[[Lcom/dep/Foo;", true, false), "[[Lx/dep/Foo;");
        // No package boundary: Maven's prefix test relocates com/dependency too.
        assert_eq!(r.map("com/dependency/A", true, false), "x/dependency/A");
        assert_eq!(r.entry_name("com/dep/a.b/Foo.class"), "x/dep/a.class");
        assert_eq!(r.entry_name("com/dep/data.txt"), "x/dep/data.txt");
        let hidden = one("com.dep", None, &[], &[]);
        assert_eq!(hidden.map("com/dep/Foo", true, false), "hidden/com/dep/Foo");
    }

    #[test]
    fn includes_and_excludes_are_ant_globs_over_slashed_names() {
        let r = one(
            "com.dep",
            Some("x"),
            &["com.dep.api.*"],
            &["com.dep.api.Keep"],
        );
        assert_eq!(r.map("com/dep/api/Foo", true, false), "x/api/Foo");
        assert_eq!(r.map("com/dep/api/Keep", true, false), "com/dep/api/Keep");
        assert_eq!(
            r.map("com/dep/api/sub/Foo", true, false),
            "com/dep/api/sub/Foo"
        );
        let deep = one("com.dep", Some("x"), &[], &["com/dep/internal/**"]);
        assert_eq!(
            deep.map("com/dep/internal/a/B", true, false),
            "com/dep/internal/a/B"
        );
        assert_eq!(
            deep.map("com/dep/internal", true, false),
            "com/dep/internal"
        );
        assert_eq!(
            deep.map("com.dep.internal.B", true, true),
            "com.dep.internal.B"
        );
    }

    #[test]
    fn service_lines_follow_apply_to_source_content() {
        let r = one("com.dep", Some("x.dep"), &[], &[]);
        assert_eq!(
            r.service_content(b"com.dep.Impl\n# c\ncom.dependency.Impl\r\n"),
            b"x.dep.Impl\n# c\ncom.dependency.Impl\n"
        );
        // Java's split drops the trailing empty piece: a line that ends with the pattern loses it.
        assert_eq!(r.service_content(b"com.dep"), b"\n");
        assert_eq!(
            r.service_name("META-INF/services/com.dep.Svc"),
            "META-INF/services/x.dep.Svc"
        );
        assert_eq!(
            r.service_name("META-INF/services/org.Svc"),
            "META-INF/services/org.Svc"
        );
    }

    #[test]
    fn manifest_headers_are_relocated_until_nothing_changes() {
        let r = one("com.dep", Some("x.dep"), &[], &[]);
        let mut entries = vec![
            (
                "Export-Package".to_string(),
                "com.dep.api,com.dep.impl;version=1".to_string(),
            ),
            ("X-Other".to_string(), "com.dep.api".to_string()),
        ];
        r.relocate_manifest_entries(&mut entries).unwrap();
        assert_eq!(entries[0].1, "x.dep.api,x.dep.impl;version=1");
        assert_eq!(entries[1].1, "com.dep.api");
        // hidden.com.dep holds com.dep: Maven's loop never ends.
        let hidden = one("com.dep", None, &[], &[]);
        let mut looping = vec![("import-package".to_string(), "com.dep".to_string())];
        assert!(hidden.relocate_manifest_entries(&mut looping).is_err());
    }

    #[test]
    fn java_split_matches_words_only() {
        assert_eq!(java_split("a.com.dep.B", "com.dep"), ["a.", ".B"]);
        assert_eq!(java_split("xcom.dep.B", "com.dep"), ["xcom.dep.B"]);
        assert_eq!(java_split("com.dep", "com.dep"), Vec::<&str>::new());
        assert!(ends_with_java_keyword("import "));
        assert!(ends_with_java_keyword("{@link * "));
        assert!(!ends_with_java_keyword("reimport "));
    }
}
