//! The entries maven-shade-plugin's merging resource transformers write at the end of the jar:
//! AppendingTransformer (every copy of one resource, each followed by a newline),
//! ResourceBundleAppendingTransformer (the same for each file of a resource bundle),
//! PropertiesTransformer and its subclasses ([`super::properties`]), SisuIndexResourceTransformer,
//! ApacheNoticeResourceTransformer ([`super::notice`]) and IncludeResourceTransformer (a project
//! file). Copies are taken in shade's input order: the project's own entries first (its jar is
//! the first one shade reads), then each dependency jar in classpath order, in central-directory
//! order within a jar. Every copy is read with the small-entry bound and a merged or included
//! entry has a bound of its own, so memory stays bounded whatever the jars hold.

use std::collections::BTreeMap;
use std::path::Path;

use super::config::{Claim, Resource, ShadeConfig};
use super::notice::{current_year, NoticeMerge};
use super::open::{bad_jar, read_small, SMALL_ENTRY_LIMIT};
use super::{ShadeInput, ShadedEntry};
use crate::error::{Diagnostic, Location};
use crate::jar::DepJar;
use crate::staging::{EntrySource, Staging};

/// A merged or included entry is at most this large (its copies are each at most
/// [`SMALL_ENTRY_LIMIT`]).
pub const MERGED_ENTRY_LIMIT: u64 = 64 * 1024 * 1024;

/// Copies a merging transformer takes: transformer index -> (input, entry index), in scan order.
pub(super) type TransformSources = BTreeMap<usize, Vec<(usize, usize)>>;

/// Everything the merging transformers write, by entry path.
pub(super) struct Generation<'a> {
    pub config: &'a ShadeConfig,
    pub staging: &'a Staging,
    pub inputs: &'a [ShadeInput],
    /// The raw copies already decided (sorted by path) and the merged service files: an
    /// included entry must not collide with them.
    pub copies: &'a [ShadedEntry],
    pub services: &'a BTreeMap<String, Vec<u8>>,
}

impl Generation<'_> {
    pub fn run(
        &self,
        archives: &mut [DepJar],
        mut sources: TransformSources,
    ) -> anyhow::Result<BTreeMap<String, Vec<u8>>> {
        let mut out = BTreeMap::new();
        for (index, transformer) in self.config.resources.iter().enumerate() {
            let sources = sources.remove(&index).unwrap_or_default();
            let at = self.config.resource_locations.get(index);
            for (path, bytes) in self.written(index, transformer, &sources, archives)? {
                self.check_unique(&path, transformer, at)?;
                // A second transformer of the same resource only writes when it took a copy.
                if out.contains_key(&path) {
                    let d = Diagnostic::new(format!(
                        "two maven-shade-plugin transformers write `{path}`; Maven fails with \"duplicate entry: {path}\""
                    ))
                    .fix("keep one transformer that writes this entry");
                    return Err(match at {
                        Some(at) => d.at(at.clone()),
                        None => d,
                    }
                    .into());
                }
                out.insert(path, bytes);
            }
        }
        Ok(out)
    }

    /// The entries one transformer writes, from the copies it took (`sources`).
    fn written(
        &self,
        index: usize,
        transformer: &Resource,
        sources: &[(usize, usize)],
        archives: &mut [DepJar],
    ) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
        Ok(match transformer {
            Resource::Appending { resource } => {
                let mut merged = Appended::new(resource);
                self.each_copy(index, sources, archives, |who, _, content| {
                    merged.add(who, content)
                })?;
                merged
                    .finish()
                    .map(|bytes| (resource.clone(), bytes))
                    .into_iter()
                    .collect()
            }
            Resource::ResourceBundle { .. } => {
                // One entry per bundle file name, its copies appended as AppendingTransformer's.
                let mut bundles: BTreeMap<String, Vec<u8>> = BTreeMap::new();
                self.each_copy(index, sources, archives, |_, path, content| {
                    let data = bundles.entry(path.to_string()).or_default();
                    data.extend_from_slice(content);
                    data.push(b'\n');
                    Ok(())
                })?;
                bundles.into_iter().collect()
            }
            Resource::Properties(settings) => {
                let mut copies = Vec::new();
                self.each_copy(index, sources, archives, |who, path, content| {
                    let loaded =
                        super::properties::load(content).map_err(|e| maven_fails(who, path, &e))?;
                    copies.push(loaded);
                    Ok(())
                })?;
                if copies.is_empty() {
                    return Ok(Vec::new());
                }
                let bytes = super::properties::merge(settings, &copies)
                    .map_err(|e| maven_fails("the copies", &settings.resource, &e))?;
                vec![(settings.resource.clone(), bytes)]
            }
            Resource::SisuIndex => {
                let mut named = Vec::new();
                let mut any = false;
                self.each_copy(index, sources, archives, |_, _, content| {
                    for line in scanner_lines(&String::from_utf8_lossy(content)) {
                        named.extend_from_slice(line.as_bytes());
                        named.push(b'\n');
                        any = true;
                    }
                    Ok(())
                })?;
                if !any {
                    return Ok(Vec::new());
                }
                vec![(super::config::SISU_INDEX.to_string(), named)]
            }
            Resource::ApacheNotice(settings) => {
                let mut merged = NoticeMerge::new(settings.clone(), &current_year());
                self.each_copy(index, sources, archives, |_, _, content| {
                    merged.add(content);
                    Ok(())
                })?;
                vec![("META-INF/NOTICE".to_string(), merged.render())]
            }
            Resource::Include {
                resource,
                file,
                project,
                at,
            } => vec![(resource.clone(), read_included(file, project, at)?)],
            _ => Vec::new(),
        })
    }

    /// Each copy the transformer takes, one at a time: the project's (sorted by path), then the
    /// jars'. Their total is bounded by [`MERGED_ENTRY_LIMIT`].
    fn each_copy(
        &self,
        index: usize,
        sources: &[(usize, usize)],
        archives: &mut [DepJar],
        mut add: impl FnMut(&str, &str, &[u8]) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let mut total: u64 = 0;
        let mut take = |who: &str, path: &str, content: &[u8]| -> anyhow::Result<()> {
            total = total.saturating_add(content.len() as u64);
            if total > MERGED_ENTRY_LIMIT {
                return Err(Diagnostic::new(format!(
                    "the copies of `{path}` a maven-shade-plugin transformer merges pass {} MiB at {who}'s copy",
                    MERGED_ENTRY_LIMIT / (1024 * 1024)
                ))
                .fix("exclude the large copies with a filter")
                .into());
            }
            add(who, path, content)
        };
        for entry in self.staging.entries() {
            if self.config.claim(&entry.path) != Some(Claim::Merge(index)) {
                continue;
            }
            let content = match &entry.source {
                EntrySource::Bytes(bytes) => std::borrow::Cow::Borrowed(bytes.as_slice()),
                EntrySource::File(file) => std::borrow::Cow::Owned(
                    crate::fsread::read_regular(file, SMALL_ENTRY_LIMIT).map_err(|e| {
                        Diagnostic::new(format!(
                            "cannot read {} (from {}): {e}",
                            entry.path, entry.origin
                        ))
                        .fix("check the file, or exclude it from the resources")
                    })?,
                ),
            };
            take("the project", &entry.path, &content)?;
        }
        for &(input_index, entry) in sources {
            let input = &self.inputs[input_index];
            let path = archives[input_index]
                .entry(entry)
                .map(|d| String::from_utf8_lossy(&d.name).into_owned())
                .map_err(|e| bad_jar(input, &e))?;
            let content = read_small(&mut archives[input_index], entry, input, &path)?;
            take(&super::short(&input.artifact), &path, &content)?;
        }
        Ok(())
    }

    /// Maven writes a transformer's entry after every copied one: the same path copied too is a
    /// "duplicate entry" that fails its build.
    fn check_unique(
        &self,
        path: &str,
        transformer: &Resource,
        at: Option<&Location>,
    ) -> anyhow::Result<()> {
        let copied = self
            .copies
            .binary_search_by(|e| e.path.as_str().cmp(path))
            .ok()
            .map(|i| super::short(&self.inputs[self.copies[i].input].artifact));
        let staged = (self.staging.contains(path) && self.config.claim(path).is_none())
            .then(|| "the project".to_string());
        let merged = self
            .services
            .contains_key(path)
            .then(|| "the merged service files".to_string());
        let Some(who) = copied.or(staged).or(merged) else {
            return Ok(());
        };
        let what = match transformer {
            Resource::Include { .. } => "IncludeResourceTransformer",
            Resource::Appending { .. } => "AppendingTransformer",
            Resource::ResourceBundle { .. } => "ResourceBundleAppendingTransformer",
            Resource::Properties(_) => "PropertiesTransformer",
            Resource::SisuIndex => "SisuIndexResourceTransformer",
            _ => "ApacheNoticeResourceTransformer",
        };
        let mut d = Diagnostic::new(format!(
            "{what} writes `{path}`, and {who} has `{path}` too; Maven fails with \"duplicate entry: {path}\""
        ))
        .fix(format!(
            "drop the other copy first (a DontIncludeResourceTransformer with <resource>{path}</resource> listed before this transformer, or a filter)"
        ));
        if let Some(at) = at {
            d = d.at(at.clone());
        }
        Err(d.into())
    }
}

/// `java.util.Scanner`'s lines: `\r\n`, `\n`, `\r`, U+2028, U+2029 and U+0085 end one; no empty
/// line after the last terminator.
fn scanner_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        match rest.find(['\n', '\r', '\u{2028}', '\u{2029}', '\u{85}']) {
            Some(i) => {
                let sep = if rest[i..].starts_with("\r\n") {
                    2
                } else {
                    rest[i..].chars().next().map_or(1, char::len_utf8)
                };
                lines.push(&rest[..i]);
                rest = &rest[i + sep..];
            }
            None => {
                lines.push(rest);
                rest = "";
            }
        }
    }
    lines
}

/// PropertiesTransformer cannot merge: Maven's build fails there too.
fn maven_fails(who: &str, path: &str, reason: &str) -> anyhow::Error {
    Diagnostic::new(format!(
        "PropertiesTransformer cannot merge `{path}` ({who}): {reason}; maven-shade-plugin fails too"
    ))
    .fix("correct the file, or leave it out of the merge with a filter")
    .into()
}

/// AppendingTransformer's data: each copy, then a newline.
#[derive(Debug)]
pub struct Appended<'a> {
    resource: &'a str,
    data: Vec<u8>,
    any: bool,
}

impl<'a> Appended<'a> {
    pub fn new(resource: &'a str) -> Self {
        Appended {
            resource,
            data: Vec::new(),
            any: false,
        }
    }

    /// One copy from `who`.
    pub fn add(&mut self, who: &str, content: &[u8]) -> anyhow::Result<()> {
        if (self.data.len() + content.len() + 1) as u64 > MERGED_ENTRY_LIMIT {
            return Err(Diagnostic::new(format!(
                "the copies of `{}` appended by AppendingTransformer pass {} MiB at {who}'s copy",
                self.resource,
                MERGED_ENTRY_LIMIT / (1024 * 1024)
            ))
            .fix("exclude the large copies with a filter")
            .into());
        }
        self.data.extend_from_slice(content);
        self.data.push(b'\n');
        self.any = true;
        Ok(())
    }

    /// The entry, or `None` when no copy was found (Maven then writes nothing).
    pub fn finish(self) -> Option<Vec<u8>> {
        self.any.then_some(self.data)
    }
}

/// IncludeResourceTransformer's file: a regular file inside the project (after following
/// symbolic links), at most [`MERGED_ENTRY_LIMIT`] bytes.
fn read_included(file: &Path, project: &Path, at: &Location) -> anyhow::Result<Vec<u8>> {
    let error = |message: String, fix: &str| -> anyhow::Error {
        Diagnostic::new(message).at(at.clone()).fix(fix).into()
    };
    let real = file.canonicalize().map_err(|e| {
        error(
            format!(
                "IncludeResourceTransformer's file {} cannot be read: {e}",
                file.display()
            ),
            "create the file, or correct <file> (relative to the pom's directory)",
        )
    })?;
    let real_project = project
        .canonicalize()
        .unwrap_or_else(|_| project.to_path_buf());
    if !real.starts_with(&real_project) {
        return Err(error(
            format!(
                "IncludeResourceTransformer's file {} is {}, outside the project {}; stormpack reads no file from outside the project",
                file.display(),
                real.display(),
                real_project.display()
            ),
            "copy the file into the project instead of linking to it",
        ));
    }
    crate::fsread::read_regular(&real, MERGED_ENTRY_LIMIT).map_err(|e| {
        error(
            format!(
                "IncludeResourceTransformer's file {} cannot be read: {e}",
                file.display()
            ),
            "name a regular file in the project",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staged(paths: &[(&str, &[u8])]) -> Staging {
        let mut staging = Staging::new();
        for (path, bytes) in paths {
            staging
                .add(crate::staging::StagedEntry {
                    path: path.to_string(),
                    source: EntrySource::Bytes(bytes.to_vec()),
                    executable: false,
                    origin: format!("{path} (test)"),
                })
                .unwrap();
        }
        staging
    }

    fn generate(
        resources: Vec<Resource>,
        staging: &Staging,
        services: &BTreeMap<String, Vec<u8>>,
    ) -> anyhow::Result<BTreeMap<String, Vec<u8>>> {
        let config = ShadeConfig {
            resources,
            ..ShadeConfig::default()
        };
        Generation {
            config: &config,
            staging,
            inputs: &[],
            copies: &[],
            services,
        }
        .run(&mut [], TransformSources::new())
    }

    #[test]
    fn the_projects_copies_are_merged_and_notice_is_always_written() {
        let staging = staged(&[
            ("a/X.conf", b"nested"),
            ("x.CONF", b"upper"),
            ("x.conf", b"lower"),
        ]);
        let out = generate(
            vec![
                Resource::Appending {
                    resource: "x.conf".to_string(),
                },
                Resource::ApacheNotice(crate::shade::notice::NoticeSettings::default()),
            ],
            &staging,
            &BTreeMap::new(),
        )
        .unwrap();
        // Sorted path order for the project's copies: x.CONF before x.conf.
        assert_eq!(out["x.conf"], b"upper\nlower\n");
        assert_eq!(out["META-INF/NOTICE"], b"");
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn an_entry_written_twice_is_mavens_duplicate_entry() {
        let services = BTreeMap::from([("META-INF/NOTICE".to_string(), b"x".to_vec())]);
        let notice = || Resource::ApacheNotice(crate::shade::notice::NoticeSettings::default());
        let err = generate(vec![notice()], &Staging::new(), &services).unwrap_err();
        assert!(
            err.to_string().contains("duplicate entry: META-INF/NOTICE"),
            "{err}"
        );
        let appended = staged(&[("META-INF/NOTICE", b"n")]);
        let twice = vec![
            Resource::Appending {
                resource: "META-INF/NOTICE".to_string(),
            },
            notice(),
        ];
        let err = generate(twice, &appended, &BTreeMap::new()).unwrap_err();
        assert!(
            err.to_string()
                .contains("two maven-shade-plugin transformers"),
            "{err}"
        );
    }

    #[test]
    fn sisu_index_keeps_every_line_of_every_copy() {
        assert_eq!(
            scanner_lines("a\r\n\nb\rc\u{2028}d\u{85}e\n"),
            ["a", "", "b", "c", "d", "e"]
        );
        let staging = staged(&[(super::super::config::SISU_INDEX, b"x.A\r\nx.A")]);
        let out = generate(vec![Resource::SisuIndex], &staging, &BTreeMap::new()).unwrap();
        assert_eq!(out[super::super::config::SISU_INDEX], b"x.A\nx.A\n");
        let empty = staged(&[(super::super::config::SISU_INDEX, b"")]);
        assert!(
            generate(vec![Resource::SisuIndex], &empty, &BTreeMap::new())
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn appending_joins_copies_each_with_a_newline() {
        let mut a = Appended::new("reference.conf");
        assert!(Appended::new("x").finish().is_none());
        a.add("the project", b"a = 1").unwrap();
        a.add("x:y:1", b"b = 2\n").unwrap();
        a.add("x:z:1", b"").unwrap();
        assert_eq!(a.finish().unwrap(), b"a = 1\nb = 2\n\n\n");
    }

    #[test]
    fn included_file_must_exist_and_stay_in_the_project() {
        let tmp = tempfile::tempdir().unwrap();
        let project = tmp.path().join("p");
        std::fs::create_dir_all(&project).unwrap();
        std::fs::write(project.join("IN.txt"), b"in").unwrap();
        std::fs::write(tmp.path().join("OUT.txt"), b"out").unwrap();
        let at = Location::at("pom.xml", 3, 5);
        assert_eq!(
            read_included(&project.join("IN.txt"), &project, &at).unwrap(),
            b"in"
        );
        let missing = read_included(&project.join("NO.txt"), &project, &at).unwrap_err();
        let d = missing.downcast_ref::<Diagnostic>().unwrap();
        assert!(d.message().contains("NO.txt"), "{}", d.message());
        assert_eq!(d.location(), Some(&at));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(tmp.path().join("OUT.txt"), project.join("LINK.txt"))
                .unwrap();
            let escaped = read_included(&project.join("LINK.txt"), &project, &at).unwrap_err();
            assert!(
                escaped.to_string().contains("outside the project"),
                "{escaped}"
            );
        }
    }
}
