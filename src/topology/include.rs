//! Loading a topology file and its `includes` as Flux 2.8.8 does: each file is substituted
//! (`filter`), parsed (`yaml`) and read (`model`); then the includes of the main file (one level
//! only: Flux ignores includes inside an included file) are merged in order. A resource include is
//! read from the jar (`Class.getResourceAsStream`, so it needs a leading `/`); a file include is
//! read from disk, here relative to the including topology's directory. Merging follows
//! `FluxParser.processIncludes`: the name is taken when unset or with `override: true`,
//! components/spouts/bolts/worker hooks are added by id (replacing an existing one only with
//! `override: true`), streams are always appended.

use std::path::Path;

use super::filter::Filter;
use super::model::{BeanDef, ObjectDef, Reader, StreamDef, Text, TopologyDef};
use super::yaml::{self, Kind, Node, Pos};
use super::{CheckContext, Diagnostic, Resource, Severity};

/// The topology after includes, as Flux hands it to `FluxBuilder`.
#[derive(Debug, Clone, Default)]
pub struct Merged {
    pub name: Option<Text>,
    pub components: Vec<BeanDef>,
    pub spouts: Vec<BeanDef>,
    pub bolts: Vec<BeanDef>,
    pub worker_hooks: Vec<BeanDef>,
    pub streams: Vec<StreamDef>,
    pub topology_source: Option<ObjectDef>,
}

/// Every file read (the main one first) and the merged topology. `None` when the main file did
/// not parse.
pub struct Loaded {
    pub files: Vec<TopologyDef>,
    pub merged: Option<Merged>,
}

/// Read one file's text into a model. Syntax errors become diagnostics.
pub fn load_text(
    file: &Path,
    text: &str,
    filter: &Filter<'_>,
    filter_active: bool,
    diags: &mut Vec<Diagnostic>,
) -> Option<TopologyDef> {
    let subst = filter.apply(text);
    diags.extend(subst.diagnostics(file, filter_active));
    let root = match yaml::parse(&subst.text) {
        Ok(Some(root)) => root,
        Ok(None) => {
            diags.push(Diagnostic::new(
                Severity::Error,
                file,
                Pos { line: 1, column: 1 },
                "the topology file holds no YAML document: Flux stops with a NullPointerException"
                    .to_string(),
                "write the topology (`name:`, `spouts:`, `bolts:`, `streams:`)".to_string(),
            ));
            return None;
        }
        Err(err) => {
            diags.push(Diagnostic::new(
                Severity::Error,
                file,
                subst.original_pos(err.pos),
                format!("YAML syntax error: {}", err.message),
                err.fix.unwrap_or_else(|| "fix the YAML at this position (indentation with spaces, matching brackets and quotes, `key: value` with a space after the colon)".to_string()),
            ));
            return None;
        }
    };
    let root = remap(root, &|pos| subst.original_pos(pos));
    if root.as_map().is_none() {
        diags.push(Diagnostic::new(
            Severity::Error,
            file,
            root.pos,
            format!(
                "the topology must be a mapping (`name:`, `spouts:`, ...), found {}",
                root.describe()
            ),
            "write the topology as `key: value` lines at the top level".to_string(),
        ));
        return None;
    }
    let mut reader = Reader { file, diags };
    Some(reader.topology(&root))
}

/// Positions of the substituted text, mapped back to the file as written.
fn remap(node: Node, map: &dyn Fn(Pos) -> Pos) -> Node {
    let pos = map(node.pos);
    let kind = match node.kind {
        Kind::Seq(items) => Kind::Seq(items.into_iter().map(|n| remap(n, map)).collect()),
        Kind::Map(pairs) => Kind::Map(
            pairs
                .into_iter()
                .map(|(k, v)| (remap(k, map), remap(v, map)))
                .collect(),
        ),
        scalar => scalar,
    };
    Node { kind, pos }
}

/// Load the main file and its includes and merge them.
pub fn load(
    main: &Path,
    main_text: &str,
    ctx: &CheckContext<'_>,
    filter: &Filter<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Loaded {
    let filter_active = ctx.filter.is_some() || ctx.env_filter;
    let Some(main_def) = load_text(main, main_text, filter, filter_active, diags) else {
        return Loaded {
            files: Vec::new(),
            merged: None,
        };
    };
    let mut merged = Merged {
        name: main_def.name.clone(),
        components: dedup_by_id(&main_def.components),
        spouts: dedup_by_id(&main_def.spouts),
        bolts: dedup_by_id(&main_def.bolts),
        worker_hooks: dedup_by_id(&main_def.worker_hooks),
        streams: main_def.streams.clone(),
        topology_source: main_def.topology_source.clone(),
    };
    let mut files = vec![main_def.clone()];
    for include in &main_def.includes {
        let Some(file) = &include.file else { continue };
        if file.unsubstituted() {
            continue;
        }
        let Some((path, text)) = read_include(main, include.resource, file, ctx, diags) else {
            continue;
        };
        let Some(def) = load_text(&path, &text, filter, filter_active, diags) else {
            continue;
        };
        if let Some(loc) = &def.includes_loc {
            diags.push(Diagnostic::at(
                Severity::Warning,
                loc,
                "Flux ignores `includes` inside an included file (one level only)".to_string(),
                format!("move these includes into {}", main.display()),
            ));
        }
        let over = include.override_;
        if def.name.is_some() && (merged.name.is_none() || over) {
            merged.name = def.name.clone();
        }
        add_beans(&mut merged.components, &def.components, over);
        add_beans(&mut merged.bolts, &def.bolts, over);
        add_beans(&mut merged.spouts, &def.spouts, over);
        add_beans(&mut merged.worker_hooks, &def.worker_hooks, over);
        merged.streams.extend(def.streams.iter().cloned());
        files.push(def);
    }
    Loaded {
        files,
        merged: Some(merged),
    }
}

/// A list as Flux's `LinkedHashMap` keeps it: one bean per id, the last definition in the first
/// one's place.
fn dedup_by_id(beans: &[BeanDef]) -> Vec<BeanDef> {
    let mut out: Vec<BeanDef> = Vec::new();
    for bean in beans {
        let id = bean.id.as_ref().map(|t| t.value.as_str());
        match out
            .iter_mut()
            .find(|b| id.is_some() && b.id.as_ref().map(|t| t.value.as_str()) == id)
        {
            Some(existing) => *existing = bean.clone(),
            None => out.push(bean.clone()),
        }
    }
    out
}

fn add_beans(into: &mut Vec<BeanDef>, beans: &[BeanDef], override_: bool) {
    for bean in dedup_by_id(beans) {
        let id = bean.id.as_ref().map(|t| t.value.clone());
        match into
            .iter_mut()
            .find(|b| id.is_some() && b.id.as_ref().map(|t| &t.value) == id.as_ref())
        {
            Some(existing) if override_ => *existing = bean,
            Some(_) => {}
            None => into.push(bean),
        }
    }
}

/// Find an include's text: in the jar for `resource: true`, else on disk.
fn read_include(
    main: &Path,
    resource: bool,
    file: &Text,
    ctx: &CheckContext<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Resource> {
    if resource {
        read_resource_include(main, file, ctx, diags)
    } else {
        read_file_include(main, file, diags)
    }
}

/// A `resource: true` include: from the jar (or, with no jar, beside the main topology).
fn read_resource_include(
    main: &Path,
    file: &Text,
    ctx: &CheckContext<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Resource> {
    let name = file.value.as_str();
    let beside_main = |entry: &str| -> Option<Resource> {
        let path = main.parent().unwrap_or(Path::new(".")).join(entry);
        inside_project(main, &path).ok()?;
        super::read_text(&path).ok().map(|text| (path, text))
    };
    let read = |entry: &str| {
        (ctx.read_resource)(entry).or_else(|| {
            if ctx.jar_known {
                None
            } else {
                beside_main(entry)
            }
        })
    };
    let Some(absolute) = name.strip_prefix('/') else {
        let looked = format!("org/apache/storm/flux/parser/{name}");
        if ctx.jar_paths.contains(&looked) {
            return read(&looked);
        }
        diags.push(Diagnostic::at(
            Severity::Error,
            &file.loc,
            format!(
                "resource include `{name}` has no leading `/`: Flux looks it up next to its own classes, as `{looked}`, and exits with \"Unable to load input stream\""
            ),
            format!("write `file: \"/{name}\"` (a path from the jar root)"),
        ));
        return None;
    };
    if ctx.jar_known && !ctx.jar_paths.contains(absolute) {
        diags.push(Diagnostic::at(
            Severity::Error,
            &file.loc,
            format!("resource include `{name}` is not in the jar: Flux exits with \"Unable to load input stream\""),
            format!("add `{absolute}` to a resource directory that lands at the jar root (next to topology.yaml), or fix the path"),
        ));
        return None;
    }
    if let Some(found) = read(absolute) {
        return Some(found);
    }
    let (message, fix) = if ctx.jar_known {
        (
            format!("resource include `{name}` is in the jar but could not be read here, so its content is not checked"),
            "check it with `stormpack check`, which reads the built jar".to_string(),
        )
    } else {
        (
            format!("resource include `{name}` was not found next to the topology, and there is no jar to look in"),
            "run `stormpack build`, then check again".to_string(),
        )
    };
    diags.push(Diagnostic::at(Severity::Warning, &file.loc, message, fix));
    None
}

/// A file include: from disk, relative to the main topology, inside the project only.
fn read_file_include(main: &Path, file: &Text, diags: &mut Vec<Diagnostic>) -> Option<Resource> {
    let name = file.value.as_str();
    let path = Path::new(name);
    let resolved = if path.is_absolute() {
        path.to_path_buf()
    } else {
        main.parent().unwrap_or(Path::new(".")).join(path)
    };
    if let Err(root) = inside_project(main, &resolved) {
        diags.push(Diagnostic::at(
            Severity::Error,
            &file.loc,
            format!(
                "include file `{name}` lies outside the project ({}), so it is not read",
                root.display()
            ),
            "include only files inside the project; copy the file into it (or ship it in the jar and use `resource: true`)".to_string(),
        ));
        return None;
    }
    match super::read_text(&resolved) {
        Ok(text) => Some((resolved, text)),
        Err(err) => {
            let err = err.to_string();
            // A refusal that carries its own fix (a FIFO, a device, too large, not UTF-8): that
            // fix, once, instead of one inside the message and another after it.
            let (message, fix) = match err.split_once("\n  fix: ") {
                Some((why, fix)) => (
                    format!("include file `{name}` cannot be read: {why}"),
                    fix.to_string(),
                ),
                None => (
                    format!("include file `{name}` cannot be read ({}: {err})", resolved.display()),
                    "fix the path (Flux reads a file include from the directory `storm jar` runs in), or ship it in the jar and use `resource: true` with `file: \"/name.yaml\"`".to_string(),
                ),
            };
            diags.push(Diagnostic::at(Severity::Error, &file.loc, message, fix));
            None
        }
    }
}

/// The project a topology belongs to: the nearest directory at or above the topology's that
/// holds a `pom.xml` or `Cargo.toml`, else the topology's own directory.
fn project_root(main: &Path) -> std::path::PathBuf {
    let dir = lexical(main.parent().unwrap_or(Path::new(".")));
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    dir.ancestors()
        .find(|d| d.join("pom.xml").is_file() || d.join("Cargo.toml").is_file())
        .unwrap_or(&dir)
        .to_path_buf()
}

/// `Ok` when `path` (symlinks followed) lies inside the project of the topology `main`; the
/// project root otherwise. Checked before the file is opened, so nothing outside the project
/// (`/etc/shadow`, `~/.ssh/...`) is ever read, let alone quoted in a message.
fn inside_project(main: &Path, path: &Path) -> Result<(), std::path::PathBuf> {
    let root = project_root(main);
    // A file that does not exist is reported as unreadable, not as outside; `..` in a path that
    // does not resolve still has to stay inside.
    let resolved = std::fs::canonicalize(path).unwrap_or_else(|_| lexical(path));
    if resolved.starts_with(&root) {
        Ok(())
    } else {
        Err(root)
    }
}

/// `path` made absolute with `.` and `..` removed, without touching the file system.
fn lexical(path: &Path) -> std::path::PathBuf {
    let absolute = std::env::current_dir().unwrap_or_default().join(path);
    let mut out = std::path::PathBuf::new();
    for c in absolute.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}
