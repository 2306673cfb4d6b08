//! Maven resources: each `<resource>` directory walked, Ant-style includes/excludes applied as
//! Maven's DirectoryScanner reads them (plus its default excludes), `targetPath` applied, and
//! `${...}`/`@...@` filtering as maven-resources-plugin does it. Everything read must stay inside
//! the project: a directory, include, target path or symlink that escapes it is an error.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use anyhow::{bail, Context};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use walkdir::WalkDir;

use crate::error::Diagnostic;
use crate::staging::{EntrySource, StagedEntry, Staging};

/// One resource set, resolved (what the plan holds).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ResourceSet {
    /// Absolute directory.
    pub directory: PathBuf,
    pub includes: Vec<String>,
    pub excludes: Vec<String>,
    /// Jar directory the files go under (`""` = the jar root).
    pub target_path: String,
    pub filtering: bool,
    /// `pom.xml:31:7 <resource>` or `Cargo.toml [package.metadata.stormpack] resources`.
    pub declared_at: String,
}

/// Maven's (plexus-utils) default excludes: SCM metadata and editor droppings.
const DEFAULT_EXCLUDES: &[&str] = &[
    "**/*~",
    "**/#*#",
    "**/.#*",
    "**/%*%",
    "**/._*",
    "**/CVS",
    "**/CVS/**",
    "**/.cvsignore",
    "**/RCS",
    "**/RCS/**",
    "**/SCCS",
    "**/SCCS/**",
    "**/vssver.scc",
    "**/project.pj",
    "**/.svn",
    "**/.svn/**",
    "**/.arch-ids",
    "**/.arch-ids/**",
    "**/.bzr",
    "**/.bzr/**",
    "**/.MySCMServerInfo",
    "**/.DS_Store",
    "**/.metadata",
    "**/.metadata/**",
    "**/.hg",
    "**/.hg/**",
    "**/.git",
    "**/.git/**",
    "**/.gitignore",
    "**/.gitattributes",
    "**/BitKeeper",
    "**/BitKeeper/**",
    "**/ChangeSet",
    "**/ChangeSet/**",
    "**/_darcs",
    "**/_darcs/**",
    "**/.darcsrepo",
    "**/.darcsrepo/**",
    "**/-darcs-backup*",
    "**/.darcs-temp-mail",
];

/// Extensions maven-resources-plugin 3.3 (maven-filtering 3.3) never filters.
const NON_FILTERED_EXTENSIONS: &[&str] = &["jpg", "jpeg", "gif", "bmp", "png", "ico"];

/// maven-resources-plugin's filtering configuration: `delimiters` (with `useDefaultDelimiters`),
/// `escapeString`, `nonFilteredFileExtensions`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Filtering {
    /// (begin, end) pairs in the order the plugin tries them (the last that matches wins).
    pub delimiters: Vec<(String, String)>,
    pub escape_string: Option<String>,
    /// Extensions (lower case) never filtered: the plugin's defaults and the pom's.
    pub non_filtered_extensions: Vec<String>,
}

impl Default for Filtering {
    fn default() -> Self {
        Filtering {
            delimiters: vec![
                ("${".to_string(), "}".to_string()),
                ("@".to_string(), "@".to_string()),
            ],
            escape_string: None,
            non_filtered_extensions: NON_FILTERED_EXTENSIONS
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }
    }
}

/// maven-filtering's delimiter specification: `BEGIN*END`, or `TOKEN` for both.
fn delimiter(spec: &str) -> (String, String) {
    match spec.split_once('*') {
        Some((begin, end)) => (begin.to_string(), end.to_string()),
        None => (spec.to_string(), spec.to_string()),
    }
}

impl Filtering {
    /// The `resources` goal's configuration as Maven evaluates it (maven-resources-plugin as
    /// declared, or as its pluginManagement has it, with its `default-resources` execution's
    /// configuration over the plugin's). An element that changes the jar and that stormpack does
    /// not honour is an error naming it.
    pub fn from_pom(
        lineage: &[crate::maven::model::BuildLayer],
        properties: &BTreeMap<String, String>,
    ) -> anyhow::Result<Filtering> {
        let mut out = Filtering::default();
        let Some(config) = resources_goal_config(lineage, properties) else {
            return Ok(out);
        };
        let value = |d: &crate::maven::plugin_config::Dom| d.value.clone().unwrap_or_default();
        let mut delimiters = Vec::new();
        let mut use_defaults = true;
        for child in &config.children {
            match child.name.as_str() {
                "delimiters" => {
                    for d in &child.children {
                        let spec = value(d);
                        if !spec.is_empty() && !delimiters.contains(&spec) {
                            delimiters.push(spec);
                        }
                    }
                }
                "useDefaultDelimiters" => use_defaults = value(child).trim() != "false",
                "escapeString" => {
                    out.escape_string = Some(value(child)).filter(|s| !s.is_empty());
                }
                "nonFilteredFileExtensions" => out
                    .non_filtered_extensions
                    .extend(child.children.iter().map(value)),
                "filters" if child.children.is_empty() => {}
                "supportMultiLineFiltering" | "fileNameFiltering" | "skip"
                    if value(child).trim() != "true" => {}
                "addDefaultExcludes" if value(child).trim() != "false" => {}
                "filters"
                | "supportMultiLineFiltering"
                | "fileNameFiltering"
                | "skip"
                | "addDefaultExcludes"
                | "outputDirectory"
                | "resources" => {
                    bail!(Diagnostic::new(format!(
                        "maven-resources-plugin's <{}> (at {}:{}) is not honoured by stormpack, so its jar would differ from mvn package's",
                        child.name,
                        child.at.file.display(),
                        child.at.line
                    ))
                    .fix("remove it from maven-resources-plugin's configuration, or build this project with mvn package"));
                }
                // encoding, overwrite, includeEmptyDirs, escapeWindowsPaths, propertiesEncoding...:
                // nothing a jar's file entries show.
                _ => {}
            }
        }
        if !delimiters.is_empty() {
            out.delimiters = delimiter_list(delimiters, use_defaults);
        }
        Ok(out)
    }
}

/// The `resources` goal's `<configuration>`: maven-resources-plugin's as declared (or as its
/// pluginManagement has it), its `default-resources` execution's over the plugin's; `None`
/// without one.
fn resources_goal_config(
    lineage: &[crate::maven::model::BuildLayer],
    properties: &BTreeMap<String, String>,
) -> Option<crate::maven::plugin_config::Dom> {
    use crate::maven::plugin_config::{effective_plugin, managed_plugin};
    let (g, a) = ("org.apache.maven.plugins", "maven-resources-plugin");
    let plugin = effective_plugin(lineage, g, a, properties)
        .or_else(|| managed_plugin(lineage, g, a, properties))?;
    plugin
        .executions
        .iter()
        .find(|e| e.id == "default-resources")
        .and_then(|e| e.configuration.clone())
        .or(plugin.configuration)
}

/// The configured `<delimiters>` after the defaults (`${*}` and `@`, unless
/// useDefaultDelimiters is false), each once.
fn delimiter_list(configured: Vec<String>, use_defaults: bool) -> Vec<(String, String)> {
    let mut specs: Vec<String> = if use_defaults {
        vec!["${*}".to_string(), "@".to_string()]
    } else {
        Vec::new()
    };
    for d in configured {
        if !specs.contains(&d) {
            specs.push(d);
        }
    }
    specs.iter().map(|s| delimiter(s)).collect()
}

/// Stage every file of `set` into `staging`. `project_dir` bounds what may be read;
/// `properties` feed filtering.
pub fn stage(
    set: &ResourceSet,
    project_dir: &Path,
    properties: &BTreeMap<String, String>,
    filtering: &Filtering,
    staging: &mut Staging,
) -> anyhow::Result<usize> {
    let root = canonical_project(project_dir)?;
    let target = normalize_target_path(&set.target_path, &set.declared_at)?;
    check_directory(set, &root)?;
    let (includes, excludes) = patterns(set)?;

    let mut count = 0;
    // follow_links: Maven follows symlinks; each one is checked to stay inside the project.
    let base = set.directory.clone();
    let walker = WalkDir::new(&set.directory)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        // A directory whose whole content is excluded (`.git/**`, `target/**`) is not descended
        // into; every other file is matched on its own, as DirectoryScanner does.
        .filter_entry(|e| {
            !e.file_type().is_dir()
                || e.path()
                    .strip_prefix(&base)
                    .ok()
                    .and_then(|rel| slash_path(rel).ok())
                    .is_none_or(|rel| rel.is_empty() || !content_excluded(&excludes, &rel))
        });
    for item in walker {
        let item = item.map_err(|err| walk_error(err, &set.declared_at))?;
        let path = item.path();
        let rel = path
            .strip_prefix(&set.directory)
            .context("walked outside the resource directory")?;
        let rel_str = slash_path(rel)?;
        if rel_str.is_empty() {
            continue;
        }
        if excludes.is_match(&rel_str) {
            continue;
        }
        if item.path_is_symlink() {
            check_symlink(path, &root, &set.declared_at)?;
        }
        if !includes.is_match(&rel_str) || item.file_type().is_dir() {
            continue;
        }
        if !item.file_type().is_file() {
            // A FIFO or device would block the build or never end.
            let err = crate::fsread::open_regular(path)
                .err()
                .map_or_else(|| "not a regular file".to_string(), |e| e.to_string());
            bail!(
                "resource {} (from {}): {err}; or exclude it from the resource set",
                path.display(),
                set.declared_at
            );
        }
        let jar_path = if target.is_empty() {
            rel_str.clone()
        } else {
            format!("{target}/{rel_str}")
        };
        let origin = format!("{} (resource from {})", path.display(), set.declared_at);
        let source = entry_source(path, set, &rel_str, properties, filtering)?;
        staging.add(StagedEntry {
            path: jar_path,
            source,
            executable: false,
            origin,
        })?;
        count += 1;
    }
    Ok(count)
}

/// The declaration's patterns valid, its directory there and inside the project.
fn check_directory(set: &ResourceSet, root: &Path) -> anyhow::Result<()> {
    for pattern in set.includes.iter().chain(&set.excludes) {
        check_pattern(pattern, &set.declared_at)?;
    }
    if !set.directory.is_dir() {
        bail!(Diagnostic::new(format!(
            "resource directory {} does not exist (declared at {})",
            set.directory.display(),
            set.declared_at
        ))
        .fix("create the directory, or correct <directory> in the declaration"));
    }
    let dir = fs_err::canonicalize(&set.directory)?;
    if !dir.starts_with(root) {
        bail!(Diagnostic::new(format!(
            "resource directory {} is outside the project {} (declared at {})",
            set.directory.display(),
            root.display(),
            set.declared_at
        ))
        .fix("move the files into the project, or point <directory> inside it"));
    }
    Ok(())
}

/// The include set (`**` when none) and the exclude set (with Maven's default excludes).
fn patterns(set: &ResourceSet) -> anyhow::Result<(GlobSet, GlobSet)> {
    let includes = if set.includes.is_empty() {
        glob_set(&["**".to_string()])?
    } else {
        glob_set(&set.includes)?
    };
    let mut excludes: Vec<String> = set.excludes.clone();
    excludes.extend(DEFAULT_EXCLUDES.iter().map(|s| s.to_string()));
    Ok((includes, glob_set(&excludes)?))
}

/// A symlink among the resources must resolve inside the project.
fn check_symlink(path: &Path, root: &Path, declared_at: &str) -> anyhow::Result<()> {
    let resolved = fs_err::canonicalize(path).with_context(|| {
        Diagnostic::new(format!(
            "cannot follow symlink {} (resource from {})",
            path.display(),
            declared_at
        ))
        .fix("remove the dangling link or point it at an existing file")
    })?;
    if !resolved.starts_with(root) {
        bail!(Diagnostic::new(format!(
            "symlink {} points outside the project, to {} (resource from {})",
            path.display(),
            resolved.display(),
            declared_at
        ))
        .fix("copy the file into the project instead of linking to it, or exclude the link"));
    }
    Ok(())
}

/// The staged content of one resource file: filtered bytes, or the file itself (checked to be
/// readable now).
fn entry_source(
    path: &Path,
    set: &ResourceSet,
    rel_str: &str,
    properties: &BTreeMap<String, String>,
    filtering: &Filtering,
) -> anyhow::Result<EntrySource> {
    Ok(if set.filtering && is_filterable(rel_str, filtering) {
        let bytes = crate::fsread::read_regular(path, u64::MAX).with_context(|| read_fix(path))?;
        if let Some((key, line)) = unexpanded_reference(&bytes, properties) {
            bail!(Diagnostic::new(format!(
                "{}:{line}: `{key}` cannot be filtered in: the pom could not expand its value \
                 (properties that repeat other properties past 1 MiB, or that refer to each \
                 other in a cycle), so Maven would fail here too (resource from {})",
                path.display(),
                set.declared_at
            ))
            .fix(format!(
                "give `{key}` (or the properties it refers to) a shorter, literal value in the pom"
            )));
        }
        EntrySource::Bytes(filter(&bytes, properties, filtering))
    } else {
        // Fail now, naming the file, rather than halfway through writing the jar.
        crate::fsread::open_regular(path).with_context(|| read_fix(path))?;
        EntrySource::File(path.to_path_buf())
    })
}

fn read_fix(path: &Path) -> Diagnostic {
    Diagnostic::new(format!("cannot read resource {}", path.display()))
        .fix("make the file readable (chmod u+r), or exclude it from the resource set")
}

fn walk_error(err: walkdir::Error, declared_at: &str) -> anyhow::Error {
    let path = err
        .path()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    if err.loop_ancestor().is_some() {
        return Diagnostic::new(format!(
            "symlink loop at {path} (resource from {declared_at})"
        ))
        .fix("remove the link that points back at its own parent")
        .into();
    }
    Diagnostic::new(format!(
        "cannot read {path} (resource from {declared_at}): {err}"
    ))
    .fix("make it readable, remove a dangling symlink, or exclude it")
    .into()
}

fn canonical_project(project_dir: &Path) -> anyhow::Result<PathBuf> {
    fs_err::canonicalize(project_dir)
        .with_context(|| format!("cannot open project directory {}", project_dir.display()))
}

/// `targetPath` is relative to the jar root; it may not be absolute or climb out with `..`.
fn normalize_target_path(raw: &str, declared_at: &str) -> anyhow::Result<String> {
    let raw = raw.trim().replace('\\', "/");
    let escapes = raw.starts_with('/')
        || Path::new(&raw).components().any(|c| {
            matches!(
                c,
                Component::ParentDir | Component::RootDir | Component::Prefix(_)
            )
        });
    if escapes {
        bail!(Diagnostic::new(format!(
            "targetPath `{raw}` escapes the jar (declared at {declared_at})"
        ))
        .fix("use a path relative to the jar root without `..`, e.g. `resources`"));
    }
    Ok(raw
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect::<Vec<_>>()
        .join("/"))
}

fn check_pattern(pattern: &str, declared_at: &str) -> anyhow::Result<()> {
    let p = pattern.trim().replace('\\', "/");
    if p.starts_with('/') || p.split('/').any(|part| part == "..") {
        bail!(Diagnostic::new(format!(
            "include/exclude pattern `{pattern}` escapes the resource directory (declared at {declared_at})"
        ))
        .fix("write patterns relative to the resource <directory>, without `..` or a leading `/`"));
    }
    Ok(())
}

/// Ant patterns to a glob set: `*` and `?` stay inside one path segment, `**` spans segments, and
/// a trailing `/` means `/**`. As in DirectoryScanner, a pattern naming a directory matches the
/// directory only, not the files below it. Glob-only syntax (`[`, `{`) is taken literally.
fn glob_set(patterns: &[String]) -> anyhow::Result<GlobSet> {
    let mut builder = GlobSetBuilder::new();
    for raw in patterns {
        let mut p = raw.trim().replace('\\', "/");
        if p.ends_with('/') {
            p.push_str("**");
        }
        let p = p.trim_start_matches("./").to_string();
        let glob = GlobBuilder::new(&escape_glob_only(&p))
            .literal_separator(true)
            .backslash_escape(true)
            .build()
            .with_context(|| format!("invalid resource pattern `{raw}`"))?;
        builder.add(glob);
    }
    Ok(builder.build()?)
}

/// Whether everything below directory `rel` is excluded: probe a file and a nested file under it.
fn content_excluded(excludes: &GlobSet, rel: &str) -> bool {
    excludes.is_match(format!("{rel}/\u{1}")) && excludes.is_match(format!("{rel}/\u{1}/\u{1}"))
}

fn escape_glob_only(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    for c in pattern.chars() {
        if matches!(c, '[' | ']' | '{' | '}' | '!') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn slash_path(rel: &Path) -> anyhow::Result<String> {
    let mut parts = Vec::new();
    for c in rel.components() {
        match c {
            Component::Normal(s) => parts.push(s.to_str().with_context(|| {
                format!("file name {} is not valid UTF-8; rename it", rel.display())
            })?),
            Component::CurDir => {}
            _ => bail!("unexpected path component in {}", rel.display()),
        }
    }
    Ok(parts.join("/"))
}

/// Whether the file's extension (as commons-io takes it, lower-cased) is not one the plugin
/// leaves unfiltered.
fn is_filterable(rel: &str, filtering: &Filtering) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let ext = name
        .rsplit_once('.')
        .map_or(String::new(), |(_, e)| e.to_lowercase());
    !filtering.non_filtered_extensions.contains(&ext)
}

/// maven-resources-plugin filtering, as maven-filtering 3.3's reader scans: at each position an
/// escape string (when configured) then the delimiters are tried (the last one whose begin token
/// matches wins); an expression runs to its end token on the same line and is replaced by its
/// property's value, or kept as written when there is none, and scanning goes on after it. An
/// escaped begin token loses the escape and is not an expression; a begin token without an end on
/// its line is kept and scanning goes on at its next character.
pub fn filter(
    bytes: &[u8],
    properties: &BTreeMap<String, String>,
    filtering: &Filtering,
) -> Vec<u8> {
    let escape = filtering
        .escape_string
        .as_deref()
        .map(str::as_bytes)
        .filter(|e| !e.is_empty() && !e.contains(&b'\n'));
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\n' {
            out.push(b'\n');
            i += 1;
            continue;
        }
        let escaped = escape
            .filter(|e| bytes[i..].starts_with(e))
            .map_or(0, <[u8]>::len);
        let at = i + escaped;
        let spec = filtering.delimiters.iter().rfind(|(b, e)| {
            !b.is_empty()
                && !e.is_empty()
                && !b.contains('\n')
                && bytes[at..].starts_with(b.as_bytes())
        });
        if escaped > 0 {
            // The escape string goes unless a begin token follows it; the next character is
            // taken as it is either way.
            if spec.is_none() {
                out.extend_from_slice(&bytes[i..at]);
            }
            if let Some(&c) = bytes.get(at) {
                out.push(c);
            }
            i = at + 1;
            continue;
        }
        let Some((begin, end)) = spec else {
            out.push(bytes[i]);
            i += 1;
            continue;
        };
        let Some(stop) = end_of_expression(bytes, i + begin.len(), end.as_bytes()) else {
            out.push(bytes[i]);
            i += 1;
            continue;
        };
        let key = &bytes[i + begin.len()..stop - end.len()];
        let key = key.strip_prefix(b".").unwrap_or(key);
        match std::str::from_utf8(key)
            .ok()
            .and_then(|k| properties.get(k))
        {
            Some(value) => out.extend_from_slice(value.as_bytes()),
            None => out.extend_from_slice(&bytes[i..stop]),
        }
        i = stop;
    }
    out
}

/// Where the expression whose body starts at `from` ends (just past its end token), matching the
/// end token as the plugin's reader does (a mismatch restarts the match at the next character);
/// `None` at the end of the line or file.
fn end_of_expression(bytes: &[u8], from: usize, end: &[u8]) -> Option<usize> {
    let mut matched = 0;
    for (j, &c) in bytes.iter().enumerate().skip(from) {
        if c == b'\n' {
            return None;
        }
        if c == end[matched] {
            matched += 1;
            if matched == end.len() {
                return Some(j + 1);
            }
        } else {
            matched = 0;
        }
    }
    None
}

/// The first `${key}`/`@key@` of `bytes` (and its line) whose property the pom could not expand:
/// its value still holds a `${name}` of a property that exists (an expansion past the length
/// bound, or a cycle, is left as written). Filtering it would write the raw expression where
/// Maven runs out of memory or stops.
pub fn unexpanded_reference(
    bytes: &[u8],
    properties: &BTreeMap<String, String>,
) -> Option<(String, usize)> {
    let unexpanded = |value: &str| {
        let mut rest = value;
        while let Some(start) = rest.find("${") {
            let Some(len) = rest[start + 2..].find('}') else {
                return false;
            };
            if properties.contains_key(rest[start + 2..start + 2 + len].trim()) {
                return true;
            }
            rest = &rest[start + 2 + len..];
        }
        false
    };
    let mut i = 0;
    while i < bytes.len() {
        let (open, close): (&[u8], u8) = if bytes[i..].starts_with(b"${") {
            (b"${", b'}')
        } else if bytes[i] == b'@' {
            (b"@", b'@')
        } else {
            i += 1;
            continue;
        };
        let start = i + open.len();
        let end = bytes[start..]
            .iter()
            .position(|&b| b == close || b == b'\n')
            .map(|p| start + p)
            .filter(|&e| bytes[e] == close && e > start);
        if let Some(end) = end {
            if let Some(key) = std::str::from_utf8(&bytes[start..end]).ok().map(str::trim) {
                if properties.get(key).is_some_and(|v| unexpanded(v)) {
                    let line = bytes[..i].iter().filter(|&&b| b == b'\n').count() + 1;
                    return Some((key.to_string(), line));
                }
            }
        }
        i = start;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_the_pom_could_not_expand_is_found_with_its_line() {
        let mut p = props();
        p.insert("big".into(), "${e1}${e1}".into());
        p.insert("e1".into(), "xx".into());
        p.insert("open".into(), "${env.NOPE}".into());
        assert_eq!(
            unexpanded_reference(b"a=${name}\nb=@big@\n", &p),
            Some(("big".to_string(), 2))
        );
        assert_eq!(unexpanded_reference(b"x=${open} ${nope} ${name}", &p), None);
    }

    fn props() -> BTreeMap<String, String> {
        [("project.version", "1.0"), ("name", "wc")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn filtering_replaces_known_and_keeps_unknown() {
        let out = filter(
            b"v=${project.version} n=@name@ u=${nope} mail=a@b.c",
            &props(),
            &Filtering::default(),
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "v=1.0 n=wc u=${nope} mail=a@b.c"
        );
    }

    fn filtered(text: &str, filtering: &Filtering) -> String {
        String::from_utf8(filter(text.as_bytes(), &props(), filtering)).unwrap()
    }

    #[test]
    fn filtering_scans_as_maven_filterings_reader() {
        let d = Filtering::default();
        // An unresolved expression is kept and scanning goes on after it: `@name@` below is not
        // an expression (its first `@` closes `@x@`).
        assert_eq!(filtered("@x@name@ ${name}", &d), "@x@name@ wc");
        // No end token on the line: the begin token is text.
        assert_eq!(filtered("${name\n}@name@", &d), "${name\n}wc");
        // Keys are not trimmed; a leading dot is dropped.
        assert_eq!(filtered("${ name }${.name}", &d), "${ name }wc");
        let custom = Filtering {
            delimiters: vec![delimiter("${*}"), delimiter("[*]")],
            escape_string: Some("\\".to_string()),
            ..Filtering::default()
        };
        assert_eq!(filtered("[name] @name@ ${name}", &custom), "wc @name@ wc");
        // An escaped begin token loses the escape and is not an expression; an escape before
        // anything else is kept.
        assert_eq!(
            filtered("\\${name} \\[name] \\n", &custom),
            "${name} [name] \\n"
        );
        assert!(is_filterable("a/b.TXT", &d) && !is_filterable("a/logo.PNG", &d));
        assert!(!is_filterable("x.ico", &d) && is_filterable("Makefile", &d));
    }

    #[test]
    fn ant_patterns_behave_like_maven() {
        let set = glob_set(&["*.py".into(), "conf/".into()]).unwrap();
        assert!(set.is_match("a.py"));
        assert!(!set.is_match("sub/a.py"));
        assert!(set.is_match("conf/x/y.yaml"));
        let deep = glob_set(&["**/*.py".into()]).unwrap();
        assert!(deep.is_match("a.py") && deep.is_match("x/y/a.py"));
        let lit = glob_set(&["[x].txt".into()]).unwrap();
        assert!(lit.is_match("[x].txt") && !lit.is_match("x.txt"));
        let dflt = glob_set(
            &DEFAULT_EXCLUDES
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>(),
        )
        .unwrap();
        assert!(dflt.is_match(".git/config") && dflt.is_match("a/.DS_Store"));
        assert!(!dflt.is_match("topology.yaml"));
        assert!(content_excluded(&dflt, "sub/.git"));
        // A pattern naming a directory matches the directory, not its files (Ant semantics).
        let dir = glob_set(&["conf".into(), "one/*".into()]).unwrap();
        assert!(dir.is_match("conf") && !dir.is_match("conf/a.yaml"));
        assert!(!content_excluded(&dir, "conf") && !content_excluded(&dir, "one"));
    }

    #[test]
    fn target_paths_stay_in_the_jar() {
        assert_eq!(normalize_target_path("./a/b/", "t").unwrap(), "a/b");
        assert!(normalize_target_path("../x", "t").is_err());
        assert!(normalize_target_path("/etc", "t").is_err());
        assert!(check_pattern("../secret/*", "t").is_err());
        assert!(check_pattern("/etc/passwd", "t").is_err());
    }

    fn resources_plugin(config: &str) -> anyhow::Result<Filtering> {
        let build = crate::maven::xml::parse_element(
            Path::new("pom.xml"),
            format!(
                "<build><plugins><plugin><artifactId>maven-resources-plugin</artifactId>\
                 <configuration>{config}</configuration></plugin></plugins></build>"
            )
            .as_bytes(),
        )
        .unwrap();
        let layer = crate::maven::model::BuildLayer {
            file: PathBuf::from("pom.xml"),
            build: Some(build),
            profile_builds: Vec::new(),
        };
        Filtering::from_pom(&[layer], &props())
    }

    #[test]
    fn the_resources_plugin_configures_filtering() {
        let f = resources_plugin(
            "<delimiters><delimiter>[*]</delimiter><delimiter>@</delimiter></delimiters>\
             <escapeString>\\</escapeString>\
             <nonFilteredFileExtensions><nonFilteredFileExtension>yaml</nonFilteredFileExtension></nonFilteredFileExtensions>",
        )
        .unwrap();
        let specs: Vec<(&str, &str)> = f
            .delimiters
            .iter()
            .map(|(b, e)| (b.as_str(), e.as_str()))
            .collect();
        assert_eq!(specs, [("${", "}"), ("@", "@"), ("[", "]")]);
        assert_eq!(f.escape_string.as_deref(), Some("\\"));
        assert!(!is_filterable("topology.yaml", &f) && !is_filterable("a.png", &f));
        let only = resources_plugin(
            "<delimiters><delimiter>[*]</delimiter></delimiters><useDefaultDelimiters>false</useDefaultDelimiters>",
        )
        .unwrap();
        assert_eq!(only.delimiters, [("[".to_string(), "]".to_string())]);
        let err = resources_plugin("<filters><filter>a.properties</filter></filters>")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("<filters>") && err.contains("pom.xml:1"),
            "{err}"
        );
        assert!(resources_plugin("<encoding>UTF-8</encoding><filters/>").is_ok());
    }
}
