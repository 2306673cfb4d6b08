//! Shading by raw copy: decides which entry of which dependency jar goes into the topology jar
//! (project wins, then first in classpath order), drops manifests, signatures, INDEX.LIST,
//! module-info.class and directory entries, merges `META-INF/services/*`, reports overlaps, and
//! guards against Storm's own runtime (storm-client/-core/-server, `defaults.yaml`) landing in the
//! jar. Only central directories are read here (and the few small service files and manifests);
//! the entries' bytes are copied later, still compressed, by `jar::write_jar`.

mod asm_layout;
mod classfile;
pub mod config;
mod guard;
pub mod notice;
mod open;
pub mod pattern;
pub mod properties;
mod relocate;
pub mod relocator;
mod rules;
mod services;
mod transform;

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use anyhow::{bail, Context};

pub use config::ShadeConfig;
pub use guard::{is_storm_runtime, short, trail_text, Offender, StormGuardError};
pub use rules::{dropped, is_service_file, Dropped};

use crate::error::Diagnostic;
use crate::jar::{DepJar, RawCopy};
use crate::maven::Artifact;
use crate::staging::{EntrySource, Staging};
pub use open::main_attribute;
use open::{bad_jar, check_entry_path, declares_multi_release, map_inputs, open_jar, read_small};
pub use relocate::relocate_staging;
use services::ServiceMerge;

/// A dependency jar to shade, in classpath order.
#[derive(Debug, Clone)]
pub struct ShadeInput {
    pub artifact: Artifact,
    pub file: PathBuf,
    /// The dependency path from the project's direct dependency down to this artifact,
    /// inclusive (as the resolver reports it), for the Storm guard's message.
    pub trail: Vec<Artifact>,
}

/// Knobs for [`plan_with`]; [`plan`] uses the defaults.
#[derive(Debug, Clone, Default)]
pub struct ShadeOptions {
    /// Let Storm's own runtime through the guard. Only the shading benchmark sets this: it shades
    /// storm-server's closure on purpose. A topology jar built this way fails on a cluster.
    pub allow_storm_runtime: bool,
    /// The pom's maven-shade-plugin configuration (artifactSet, filters, transformers).
    pub config: Option<ShadeConfig>,
    /// maven-assembly-plugin's jar-with-dependencies instead of shade: every entry but manifests
    /// and directories is kept (no service merge), the first copy in `inputs` order wins, and the
    /// project's staged entries do not take part (the caller drops those a dependency has).
    pub assembly: bool,
}

/// One dependency entry to copy raw (the writer's type).
pub type ShadedEntry = RawCopy;

/// The decided merge: which raw entries to copy, merged service files, and what was dropped.
#[derive(Default)]
pub struct ShadePlan {
    pub inputs: Vec<ShadeInput>,
    /// Dependency entries to copy, sorted by path; none of them is staged by the project.
    pub entries: Vec<ShadedEntry>,
    /// Generated files: merged `META-INF/services/*` files (project lines first, then classpath
    /// order) and the entries the pom's merging resource transformers write (Appending,
    /// ResourceBundleAppending, Properties, SisuIndex, ApacheNotice, IncludeResource). A path here replaces the project's staged entry of the
    /// same path.
    pub services: BTreeMap<String, Vec<u8>>,
    /// Human-readable overlap report lines, sorted: `path: kept from A, dropped from B, C`.
    pub overlaps: Vec<String>,
    /// Duplicates with the same CRC and size as the kept entry, sorted: `path: kept from A, identical in B`.
    pub identical: Vec<String>,
    /// Dependencies whose manifest says `Multi-Release: true` (their `META-INF/versions/` classes
    /// only load if the topology jar's manifest says so too).
    pub multi_release: Vec<String>,
    /// With the pom's shade configuration: the first dependency's `META-INF/MANIFEST.MF` that its
    /// filters and resource transformers keep (Maven's manifest when the project's is filtered
    /// out and no ManifestResourceTransformer is configured).
    pub first_manifest: Option<Vec<u8>>,
    /// Entries that are neither files nor directories (symlinks), left out: `path (from A)`.
    pub skipped: Vec<String>,
    /// The open jars, one per input; cheap to clone (they share the parsed central directory).
    pub(crate) archives: Vec<DepJar>,
    /// The pom's relocations, applied to dependency class files as the jar is written.
    pub relocations: relocator::Relocators,
}

impl fmt::Debug for ShadePlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShadePlan")
            .field("inputs", &self.inputs)
            .field("entries", &self.entries.len())
            .field("services", &self.services.keys().collect::<Vec<_>>())
            .field("overlaps", &self.overlaps)
            .field("identical", &self.identical.len())
            .field("multi_release", &self.multi_release)
            .field("skipped", &self.skipped)
            .finish()
    }
}

impl ShadePlan {
    /// What the jar writer needs from the plan.
    pub fn for_jar(&self) -> crate::jar::Shaded<'_> {
        crate::jar::Shaded {
            jars: &self.archives,
            names: self
                .inputs
                .iter()
                .map(|i| (short(&i.artifact), i.file.clone()))
                .collect(),
            copies: &self.entries,
            generated: Some(&self.services),
            classes: (!self.relocations.is_empty())
                .then_some(&self.relocations as &dyn crate::jar::ClassRewrite),
        }
    }
}

/// Plan the merge of `inputs` under the project's `staging`.
pub fn plan(staging: &Staging, inputs: Vec<ShadeInput>) -> anyhow::Result<ShadePlan> {
    plan_with(staging, inputs, &ShadeOptions::default())
}

/// Who contributed one path, for the overlap report.
struct Contribution {
    who: String,
    /// `None` for the project (its CRC is not known before writing).
    crc_size: Option<(u32, u64)>,
}

/// [`plan`] with explicit options.
pub fn plan_with(
    staging: &Staging,
    inputs: Vec<ShadeInput>,
    options: &ShadeOptions,
) -> anyhow::Result<ShadePlan> {
    if !options.allow_storm_runtime {
        refuse_project_defaults_yaml(staging)?;
    }
    let inputs: Vec<ShadeInput> = match &options.config {
        Some(config) => inputs
            .into_iter()
            .filter(|i| config.includes_artifact(&i.artifact))
            .collect(),
        None => inputs,
    };
    let (mut archives, found) = open_and_scan(&inputs, options)?;
    let Found {
        mut candidates,
        service_sources,
        transform_sources,
        multi_release,
        first_manifest,
        skipped,
    } = found;
    candidates.sort_by(|a, b| a.path.cmp(&b.path));
    let no_project = Staging::new();
    let picked_over = if options.assembly {
        &no_project
    } else {
        staging
    };
    let (entries, contributions) = pick_entries(picked_over, &inputs, candidates);
    let mut services = merge_services(staging, &inputs, &mut archives, service_sources, options)?;
    if let Some(config) = &options.config {
        let generated = transform::Generation {
            config,
            staging,
            inputs: &inputs,
            copies: &entries,
            services: &services,
        }
        .run(&mut archives, transform_sources)?;
        services.extend(generated);
    }

    let (overlaps, identical) = overlap_report(contributions);
    Ok(ShadePlan {
        inputs,
        entries,
        services,
        overlaps,
        identical,
        multi_release,
        first_manifest,
        skipped,
        archives,
        relocations: options
            .config
            .as_ref()
            .map(|c| c.relocations.clone())
            .unwrap_or_default(),
    })
}

/// Every jar opened and scanned, on one of two threads; errors reported in classpath order: an
/// unreadable jar first, then Storm's runtime (unless allowed), then a bad entry. What the scans
/// found is joined in classpath order (each jar's candidates sorted by path, so a stable sort by
/// path then puts the copies of one path together, the first in classpath order first).
fn open_and_scan(
    inputs: &[ShadeInput],
    options: &ShadeOptions,
) -> anyhow::Result<(Vec<DepJar>, Found)> {
    let opened = map_inputs(inputs, |input_index, input| {
        let mut archive = open_jar(input);
        let found = match &mut archive {
            Ok(archive) => scan_one(input_index, input, archive, options),
            Err(_) => Ok(Found::default()),
        };
        (archive, found)
    })?;
    let mut archives = Vec::with_capacity(opened.len());
    let mut scans = Vec::with_capacity(opened.len());
    for (archive, found) in opened {
        archives.push(archive?);
        scans.push(found);
    }
    if !options.allow_storm_runtime {
        guard(inputs, &archives)?;
    }
    let mut found = Found::default();
    for scan in scans {
        found.absorb(scan?);
    }
    Ok((archives, found))
}

fn refuse_project_defaults_yaml(staging: &Staging) -> anyhow::Result<()> {
    if let Some(entry) = staging.get("defaults.yaml") {
        bail!(Diagnostic::new(format!(
            "the project puts defaults.yaml at the jar root (from {}); Storm reads its own defaults.yaml from \
             the classpath and fails with \"Found multiple defaults.yaml resources\"",
            entry.origin
        ))
        .fix("rename the file, or give its resource a targetPath so it lands elsewhere"));
    }
    Ok(())
}

/// What the scan of the dependency jars found.
#[derive(Default)]
struct Found {
    candidates: Vec<ShadedEntry>,
    /// Service files to merge: path -> (input, entry index), in classpath order.
    service_sources: BTreeMap<String, Vec<(usize, usize)>>,
    /// Entries the pom's merging resource transformers take, by transformer.
    transform_sources: transform::TransformSources,
    multi_release: Vec<String>,
    first_manifest: Option<Vec<u8>>,
    skipped: Vec<String>,
}

impl Found {
    /// A later jar's findings (classpath order).
    fn absorb(&mut self, later: Found) {
        self.candidates.extend(later.candidates);
        for (path, sources) in later.service_sources {
            self.service_sources
                .entry(path)
                .or_default()
                .extend(sources);
        }
        for (transformer, sources) in later.transform_sources {
            self.transform_sources
                .entry(transformer)
                .or_default()
                .extend(sources);
        }
        self.multi_release.extend(later.multi_release);
        if self.first_manifest.is_none() {
            self.first_manifest = later.first_manifest;
        }
        self.skipped.extend(later.skipped);
    }
}

/// What one jar holds for the plan, its candidates sorted by path.
fn scan_one(
    input_index: usize,
    input: &ShadeInput,
    archive: &mut DepJar,
    options: &ShadeOptions,
) -> anyhow::Result<Found> {
    let mut found = Found::default();
    scan_jar(input_index, input, archive, options, &mut found)?;
    found.candidates.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(found)
}

/// One jar's central directory: its candidates, service files and manifest into `found`.
fn scan_jar(
    input_index: usize,
    input: &ShadeInput,
    archive: &mut DepJar,
    options: &ShadeOptions,
    found: &mut Found,
) -> anyhow::Result<()> {
    let mut manifest_index = None;
    let dir_start = archive.central_directory_start();
    for index in 0..archive.len() {
        let data = archive.entry(index).map_err(|e| bad_jar(input, &e))?;
        let path = entry_path(&data, input)?;
        match disposition(path, input, options) {
            Disposition::Leave => continue,
            Disposition::Manifest => {
                manifest_index = Some(index);
                continue;
            }
            Disposition::Keep => {}
        }
        if data.symlink {
            found.skipped.push(format!(
                "{path} (a symbolic link, from {})",
                short(&input.artifact)
            ));
            continue;
        }
        check_copyable(&data, path, dir_start, input)?;
        // Relocations rename entries (a class by its name, any other entry by its path) before
        // the first copy of a name is picked and before resource transformers see them;
        // services are named by their relocated class.
        let source = path;
        let relocated;
        let path = match options.config.as_ref().map(|c| &c.relocations) {
            Some(r) if !r.is_empty() => {
                relocated = r.entry_name(path);
                relocated.as_str()
            }
            _ => path,
        };
        match merged_by(path, options) {
            Some(MergedBy::Services) => {
                let name = match &options.config {
                    Some(c) => c.relocations.service_name(path),
                    None => path.to_string(),
                };
                found
                    .service_sources
                    .entry(name)
                    .or_default()
                    .push((input_index, index));
                continue;
            }
            Some(MergedBy::Transformer(t)) => {
                found
                    .transform_sources
                    .entry(t)
                    .or_default()
                    .push((input_index, index));
                continue;
            }
            None => {}
        }
        found.candidates.push(ShadedEntry {
            path: path.to_string(),
            source: source.to_string(),
            input: input_index,
            index,
            size: data.size,
            compressed_size: data.compressed_size,
            crc32: data.crc32,
            executable: data.executable,
        });
    }
    if let Some(index) = manifest_index {
        read_manifest(archive, index, input, options, found)?;
    }
    Ok(())
}

/// An entry's name: UTF-8 and a safe path inside the jar, else an error naming the jar.
fn entry_path<'a>(
    data: &'a crate::jar::deps::DepEntry,
    input: &ShadeInput,
) -> anyhow::Result<&'a str> {
    let path = std::str::from_utf8(&data.name).map_err(|_| {
        bad_jar(
            input,
            &format!(
                "entry name {:?} is not UTF-8",
                data.name.escape_ascii().to_string()
            ),
        )
    })?;
    check_entry_path(path, input)?;
    Ok(path)
}

/// What [`scan_jar`] does with an entry, decided by its path alone.
enum Disposition {
    /// Left out: the pom's filters, or what maven-shade-plugin (or the assembly) drops.
    Leave,
    /// The jar's own `META-INF/MANIFEST.MF`: not copied, read after the scan.
    Manifest,
    /// Copied, or merged if it is a service file.
    Keep,
}

/// The pom's filters first, then the rules of maven-shade-plugin (with `assembly`, those of
/// jar-with-dependencies: only manifests and directories are left out).
fn disposition(path: &str, input: &ShadeInput, options: &ShadeOptions) -> Disposition {
    if options
        .config
        .as_ref()
        .is_some_and(|c| c.drops_entry(&input.artifact, path))
    {
        return Disposition::Leave;
    }
    match dropped(path) {
        Some(Dropped::Manifest | Dropped::Directory) if options.assembly => {
            if path == "META-INF/MANIFEST.MF" {
                Disposition::Manifest
            } else {
                Disposition::Leave
            }
        }
        Some(_) if options.assembly => Disposition::Keep,
        Some(Dropped::Manifest) if path == "META-INF/MANIFEST.MF" => Disposition::Manifest,
        // maven-shade-plugin drops only the root module-info.class; with the pom's
        // shade configuration in charge, a versioned one stays as Maven keeps it.
        Some(Dropped::ModuleInfo) if options.config.is_some() && path != "module-info.class" => {
            Disposition::Keep
        }
        Some(_) => Disposition::Leave,
        None => Disposition::Keep,
    }
}

/// Who merges a kept entry with its namesakes, if it is not copied (first copy wins).
enum MergedBy {
    /// The service-file merge.
    Services,
    /// The pom's merging resource transformer at this index ([`transform`]).
    Transformer(usize),
}

/// Whether a kept entry is merged with its namesakes rather than copied (first copy wins).
fn merged_by(path: &str, options: &ShadeOptions) -> Option<MergedBy> {
    match &options.config {
        _ if options.assembly => None,
        // maven-shade-plugin: the first resource transformer that takes the entry has it
        // (ServicesResourceTransformer every path under META-INF/services); without one the
        // first copy wins like any other entry.
        Some(c) => match c.claim(path) {
            Some(config::Claim::Services) => Some(MergedBy::Services),
            Some(config::Claim::Merge(t)) => Some(MergedBy::Transformer(t)),
            _ => None,
        },
        None => is_service_file(path).then_some(MergedBy::Services),
    }
}

/// A dependency's manifest (entry `index`): whether it is Multi-Release, and with the pom's
/// shade configuration the first one kept.
fn read_manifest(
    archive: &mut DepJar,
    index: usize,
    input: &ShadeInput,
    options: &ShadeOptions,
    found: &mut Found,
) -> anyhow::Result<()> {
    let manifest = read_small(archive, index, input, "META-INF/MANIFEST.MF")?;
    if declares_multi_release(&manifest) {
        found.multi_release.push(short(&input.artifact));
    }
    if options.config.is_some() && found.first_manifest.is_none() {
        found.first_manifest = Some(manifest);
    }
    Ok(())
}

/// An entry a raw copy can carry: not encrypted, stored or deflated, its data before the
/// central directory.
fn check_copyable(
    data: &crate::jar::deps::DepEntry,
    path: &str,
    dir_start: u64,
    input: &ShadeInput,
) -> anyhow::Result<()> {
    if data.encrypted {
        return Err(bad_jar(
            input,
            &format!("entry `{path}` is encrypted; a jar cannot hold encrypted entries"),
        ));
    }
    if let Some(method) = &data.unsupported_method {
        return Err(bad_jar(
            input,
            &format!("entry `{path}` uses compression {method}; the JDK reads only stored and deflated entries"),
        ));
    }
    // A damaged jar can list entries whose data runs past the central directory; a raw
    // copy would then write a broken entry without noticing.
    if data.data_end > dir_start {
        return Err(bad_jar(
            input,
            &format!("entry `{path}` runs past the central directory; the file is damaged"),
        ));
    }
    Ok(())
}

/// The first copy of each path (none when the project stages it), and who contributed every
/// path that more than one source has.
fn pick_entries(
    staging: &Staging,
    inputs: &[ShadeInput],
    candidates: Vec<ShadedEntry>,
) -> (Vec<ShadedEntry>, BTreeMap<String, Vec<Contribution>>) {
    let mut entries: Vec<ShadedEntry> = Vec::with_capacity(candidates.len());
    let mut contributions: BTreeMap<String, Vec<Contribution>> = BTreeMap::new();
    let mut candidates = candidates.into_iter().peekable();
    while let Some(first) = candidates.next() {
        let mut group = Vec::new();
        while candidates
            .peek()
            .is_some_and(|next| next.path == first.path)
        {
            group.extend(candidates.next());
        }
        let by_project = staging.contains(&first.path);
        if group.is_empty() && !by_project {
            entries.push(first);
            continue;
        }
        let contribution = |e: &ShadedEntry| Contribution {
            who: short(&inputs[e.input].artifact),
            crc_size: Some((e.crc32, e.size)),
        };
        let mut list = Vec::with_capacity(group.len() + 2);
        if by_project {
            list.push(Contribution {
                who: "the project".to_string(),
                crc_size: None,
            });
        }
        list.push(contribution(&first));
        list.extend(group.iter().map(contribution));
        contributions.insert(first.path.clone(), list);
        if !by_project {
            entries.push(first);
        }
    }
    (entries, contributions)
}

/// Each service file merged: the project's lines first, then the jars' in classpath order.
fn merge_services(
    staging: &Staging,
    inputs: &[ShadeInput],
    archives: &mut [DepJar],
    service_sources: BTreeMap<String, Vec<(usize, usize)>>,
    options: &ShadeOptions,
) -> anyhow::Result<BTreeMap<String, Vec<u8>>> {
    let mut services = BTreeMap::new();
    for (path, sources) in service_sources {
        let mut merge = if options.config.is_some() {
            ServiceMerge::verbatim()
        } else {
            ServiceMerge::default()
        };
        if let Some(entry) = staging.get(&path) {
            let content = match &entry.source {
                EntrySource::Bytes(bytes) => bytes.clone(),
                EntrySource::File(file) => fs_err::read(file).with_context(|| {
                    format!("reading the service file {path} (from {})", entry.origin)
                })?,
            };
            merge.add("the project", &content);
        }
        for (input_index, index) in sources {
            let input = &inputs[input_index];
            let content = read_small(&mut archives[input_index], index, input, &path)?;
            let content = match &options.config {
                // The project's copy was relocated when it was staged.
                Some(c) if !c.relocations.is_empty() => c.relocations.service_content(&content),
                _ => content,
            };
            merge.add(&short(&input.artifact), &content);
        }
        services.insert(path, merge.render());
    }
    Ok(services)
}

fn guard(inputs: &[ShadeInput], archives: &[DepJar]) -> Result<(), StormGuardError> {
    let offenders: Vec<Offender> = inputs
        .iter()
        .zip(archives)
        .filter_map(|(input, archive)| {
            let storm_runtime = is_storm_runtime(&input.artifact);
            let has_defaults_yaml = archive.contains("defaults.yaml");
            (storm_runtime || has_defaults_yaml).then(|| Offender {
                artifact: input.artifact.clone(),
                file: input.file.clone(),
                trail: input.trail.clone(),
                storm_runtime,
                has_defaults_yaml,
            })
        })
        .collect();
    if offenders.is_empty() {
        Ok(())
    } else {
        Err(StormGuardError { offenders })
    }
}

fn overlap_report(
    contributions: BTreeMap<String, Vec<Contribution>>,
) -> (Vec<String>, Vec<String>) {
    let mut overlaps = Vec::new();
    let mut identical = Vec::new();
    for (path, list) in contributions {
        let Some((first, rest)) = list.split_first() else {
            continue;
        };
        let dropped: Vec<&str> = rest.iter().map(|c| c.who.as_str()).collect();
        let same = first.crc_size.is_some() && rest.iter().all(|c| c.crc_size == first.crc_size);
        if same {
            identical.push(format!(
                "{path}: kept from {}, identical in {}",
                first.who,
                dropped.join(", ")
            ));
        } else {
            overlaps.push(format!(
                "{path}: kept from {}, dropped from {}",
                first.who,
                dropped.join(", ")
            ));
        }
    }
    (overlaps, identical)
}
