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

/// Extensions maven-resources-plugin never filters.
const NON_FILTERED_EXTENSIONS: &[&str] = &["jpg", "jpeg", "gif", "bmp", "png"];

/// Stage every file of `set` into `staging`. `project_dir` bounds what may be read;
/// `properties` feed filtering.
pub fn stage(
    set: &ResourceSet,
    project_dir: &Path,
    properties: &BTreeMap<String, String>,
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
        let source = entry_source(path, set, &rel_str, properties)?;
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
) -> anyhow::Result<EntrySource> {
    Ok(if set.filtering && is_filterable(rel_str) {
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
        EntrySource::Bytes(filter(&bytes, properties))
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

fn is_filterable(rel: &str) -> bool {
    let ext = rel.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    !matches!(ext, Some(e) if NON_FILTERED_EXTENSIONS.contains(&e.as_str()))
}

/// maven-resources-plugin filtering: `${key}` and `@key@` replaced by known properties;
/// unknown expressions are left as written (as Maven leaves them).
pub fn filter(bytes: &[u8], properties: &BTreeMap<String, String>) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let (open, close): (&[u8], u8) = if bytes[i..].starts_with(b"${") {
            (b"${", b'}')
        } else if bytes[i] == b'@' {
            (b"@", b'@')
        } else {
            out.push(bytes[i]);
            i += 1;
            continue;
        };
        let start = i + open.len();
        let end = bytes[start..]
            .iter()
            .position(|&b| b == close || b == b'\n')
            .map(|p| start + p);
        if let Some(end) = end.filter(|&e| bytes[e] == close && e > start) {
            if let Some(value) = std::str::from_utf8(&bytes[start..end])
                .ok()
                .and_then(|key| properties.get(key.trim()))
            {
                out.extend_from_slice(value.as_bytes());
                i = end + 1;
                continue;
            }
        }
        out.extend_from_slice(open);
        i = start;
    }
    out
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
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "v=1.0 n=wc u=${nope} mail=a@b.c"
        );
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
}
