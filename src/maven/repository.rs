//! Remote repositories and the local repository (Maven's layout, shared with Maven itself):
//! which repositories are asked and in what order (pom-declared, then central; settings.xml
//! mirrors), downloads into a temp file beside the target, checksum verification, atomic
//! rename, retries, offline mode, and `maven-metadata.xml` for version ranges. How bytes move
//! (HTTP, `file://`, proxies, the progress line) is `transport`'s.
//!
//! The local repository is used as Maven 3 uses it: a file that is present is used as it is.
//! stormpack writes no `_remote.repositories` marker: Maven accepts an untracked file in its
//! local repository whatever repositories a later build declares, so both tools share one cache.

use std::fmt;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use anyhow::Context;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

pub use super::remote::{aggregate_repositories, RemoteRepository, CENTRAL_URL};

use super::coord::{check_file_component, check_id, Artifact, InvalidCoordinate};
use super::settings::{self, Mirror, Server, Settings};
use super::transport::{
    describe_io, parse_checksum, shared_temp_file, Opened, Progress, Session, TransferError,
};
use super::xml::{parse_document, Element};

/// Overrides Maven Central's URL (used by tests and air-gapped set-ups; a mirror in
/// settings.xml is the Maven way to do the same).
pub const CENTRAL_URL_ENV: &str = "STORMPACK_MAVEN_CENTRAL";

/// Attempts per file for transient failures (5xx, resets, truncated bodies).
const ATTEMPTS: u32 = 3;
/// Attempts for transient connection-level failures (a DNS lookup, a timeout), waiting 0.5 s,
/// 1.5 s, 4.5 s and 13.5 s between them: a name server that fails one lookup in five then
/// fails a file about once in 3,000, where three attempts failed one in 125.
const CONNECTION_ATTEMPTS: u32 = 5;

/// How many attempts a failure of this kind gets.
fn attempts_for(e: &TransferError) -> u32 {
    if e.connection {
        CONNECTION_ATTEMPTS
    } else {
        ATTEMPTS
    }
}
/// The checksum files checked when published: `(algorithm, file extension)`, strongest first.
const CHECKSUMS: [(&str, &str); 3] = [
    ("SHA-512", "sha512"),
    ("SHA-256", "sha256"),
    ("SHA-1", "sha1"),
];

/// How a repository that failed at the connection level is reported afterwards.
const UNREACHABLE_EARLIER: &str = "unreachable earlier in this run";

/// Downloads `fetch_many` runs at once.
const PARALLEL_DOWNLOADS: usize = 6;
/// Maven's default update policy for metadata: daily.
const METADATA_MAX_AGE: Duration = Duration::from_secs(24 * 60 * 60);

/// A repository as it is actually asked: the declared one, or the mirror that serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveRepository {
    pub repo: RemoteRepository,
    /// The ids of the declared repositories this one stands for when it is a mirror.
    pub mirror_of: Vec<String>,
    pub blocked: bool,
}

impl fmt::Display for EffectiveRepository {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mirror_of.is_empty() {
            write!(f, "{}", self.repo)
        } else {
            write!(
                f,
                "{} ({}, mirror of {})",
                self.repo.id,
                self.repo.url,
                self.mirror_of.join(", ")
            )
        }
    }
}

/// What one repository said about one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    NotFound(String),
    Failed(String),
    Blocked(String),
}

/// One repository asked for one file, and its answer.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub repository: String,
    pub url: String,
    pub outcome: Outcome,
}

impl fmt::Display for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.outcome {
            Outcome::NotFound(why) => write!(f, "{}: not found ({why})", self.repository),
            Outcome::Failed(why) => write!(f, "{}: FAILED: {why}", self.repository),
            Outcome::Blocked(why) => write!(f, "{}: blocked: {why}", self.repository),
        }
    }
}

/// Why an artifact could not be had; callers branch on `NotFound` (Maven tolerates a missing
/// pom, for instance). Reach it with `err.downcast_ref::<RepositoryError>()`.
#[derive(Debug)]
pub enum RepositoryError {
    /// Every repository answered, and none has it.
    NotFound {
        artifact: String,
        tried: Vec<Attempt>,
    },
    /// At least one repository could not be asked (network, 5xx, blocked) and none had it.
    Unreachable {
        artifact: String,
        tried: Vec<Attempt>,
        local: PathBuf,
    },
    /// Offline and not in the local repository.
    Offline { artifact: String, path: PathBuf },
    /// A download did not match the checksum the repository publishes.
    ChecksumMismatch {
        url: String,
        algorithm: &'static str,
        expected: String,
        actual: String,
    },
    /// The local repository could not be written.
    Local { path: PathBuf, source: io::Error },
    /// A coordinate (from a pom, the lock, the command line) that Maven rejects and that could
    /// name a file outside the local repository; nothing was asked or written.
    InvalidCoordinate(InvalidCoordinate),
    /// A path that would lie outside the local repository (a repository id or a snapshot
    /// build named by a repository's metadata); nothing was written.
    Outside { path: PathBuf, local: PathBuf },
}

// One match arm per error, each the complete message for that case: longer than ~80 lines on
// purpose, as splitting it would only move the arms apart.
impl fmt::Display for RepositoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RepositoryError::NotFound { artifact, tried } => {
                write!(f, "{artifact} was not found in any repository; tried:")?;
                for t in tried {
                    write!(f, "\n  - {t}\n      {}", t.url)?;
                }
                write!(
                    f,
                    "\n  fix: check the coordinate (groupId, artifactId, version, type, classifier) for typos, \
                     or declare the repository that hosts it in the pom's <repositories>"
                )
            }
            RepositoryError::Unreachable {
                artifact,
                tried,
                local,
            } => {
                let mut failed: Vec<&str> = Vec::new();
                for t in tried.iter().filter(|t| !matches!(t.outcome, Outcome::NotFound(_))) {
                    let id = t.repository.split(' ').next().unwrap_or(&t.repository);
                    if !failed.contains(&id) {
                        failed.push(id);
                    }
                }
                let others = if tried.iter().any(|t| matches!(t.outcome, Outcome::NotFound(_))) {
                    "no repository that answered has it, and "
                } else {
                    ""
                };
                write!(
                    f,
                    "cannot download {artifact}: {others}{} `{}` could not be used; tried:",
                    if failed.len() == 1 { "repository" } else { "repositories" },
                    failed.join("`, `")
                )?;
                for t in tried {
                    write!(f, "\n  - {t}\n      {}", t.url)?;
                }
                write!(
                    f,
                    "\n  fix: check the network connection and proxy settings (HTTPS_PROXY), or the mirror in settings.xml; \
                     if the local repository ({}) already holds every dependency, run with --offline",
                    local.display()
                )
            }
            RepositoryError::Offline { artifact, path } => write!(
                f,
                "{artifact} is not in the local repository, and offline mode forbids downloading it\n  \
                 expected at: {}\n  \
                 fix: run once without --offline (and without <offline>true</offline> in settings.xml) to download it",
                path.display()
            ),
            RepositoryError::ChecksumMismatch {
                url,
                algorithm,
                expected,
                actual,
            } => write!(
                f,
                "checksum mismatch for {url}: the repository's {algorithm} is {expected}, the downloaded file's is {actual}; \
                 nothing was stored in the local repository\n  \
                 fix: retry later; if it persists, the repository (or a proxy on the way) serves a corrupt file: report it to its owner"
            ),
            RepositoryError::InvalidCoordinate(invalid) => write!(
                f,
                "{invalid}; nothing was downloaded or written\n  \
                 fix: correct the coordinate in the pom, lockfile or option that declares it \
                 (a dependency's pom is named above; if it is not yours, exclude that dependency with <exclusions>)"
            ),
            RepositoryError::Outside { path, local } => write!(
                f,
                "refusing to write {}: it is outside the local repository {}\n  \
                 fix: the repository id or the repository's maven-metadata.xml is malformed; correct the \
                 <repository> id in the pom or settings.xml, or stop using that repository",
                super::coord::escape(&path.display().to_string()),
                local.display()
            ),
            RepositoryError::Local { path, source } => write!(
                f,
                "cannot write {} in the local repository: {source}\n  \
                 fix: check that the directory is writable and the disk has room (or choose another with --maven-repo-local)",
                path.display()
            ),
        }
    }
}

impl std::error::Error for RepositoryError {}

/// Where artifacts come from and go to.
#[derive(Debug, Clone)]
pub struct RepositorySystem {
    pub local: PathBuf,
    /// The system repositories, asked after the pom-declared ones (Maven Central by default,
    /// as the super POM declares it).
    pub remotes: Vec<RemoteRepository>,
    pub offline: bool,
    /// settings.xml mirrors, in declaration order (Maven 3.8's http blocker is applied after
    /// them).
    pub mirrors: Vec<Mirror>,
    /// settings.xml `<server>` credentials, by repository (or mirror) id.
    pub servers: Vec<Server>,
    /// The session's user properties (`-Dkey=value`), which every pom read sees (profile
    /// activation, interpolation), as Maven's repository session carries them.
    pub user_properties: std::collections::BTreeMap<String, String>,
    session: Arc<Session>,
}

/// A problem that does not stop the resolution, reported as it happens (download threads
/// included).
fn warn(message: String) {
    crate::report::notify(crate::report::Event::Warning(
        crate::error::Diagnostic::new(message),
    ));
}

/// Result of one transfer from one repository.
enum Transfer {
    Stored,
    NotFound(String),
}

/// A failure that stops the whole fetch (not just this repository).
enum Fatal {
    Repository(RepositoryError),
}

impl RepositorySystem {
    /// A repository system over `local` with `remotes` (normally `[central]`) and no mirrors.
    pub fn new(local: PathBuf, remotes: Vec<RemoteRepository>, offline: bool) -> Self {
        RepositorySystem {
            local,
            remotes,
            offline,
            mirrors: Vec::new(),
            servers: Vec::new(),
            user_properties: std::collections::BTreeMap::new(),
            session: Arc::new(Session::new()),
        }
    }

    /// Builds the repository system a command uses: settings.xml from `settings` (which must
    /// exist) else `~/.m2/settings.xml` when present, over the Maven installation's global
    /// settings (see [`Settings::load`]); the local repository from
    /// `maven_repo_local`, else settings' `<localRepository>`, else `~/.m2/repository`; offline
    /// when asked or when settings say so; Maven Central (or `$STORMPACK_MAVEN_CENTRAL`).
    pub fn from_environment(
        maven_repo_local: Option<&Path>,
        settings: Option<&Path>,
        offline: bool,
    ) -> anyhow::Result<Self> {
        let home = settings::home_dir();
        let settings = Settings::load(settings)?;
        let local = match (maven_repo_local, &settings.local_repository) {
            (Some(dir), _) => dir.to_path_buf(),
            (None, Some(dir)) => dir.clone(),
            (None, None) => match &home {
                Some(h) => h.join(".m2").join("repository"),
                None => anyhow::bail!(
                    "cannot find the local Maven repository: $HOME is not set\n  \
                     fix: set HOME, or pass --maven-repo-local DIR"
                ),
            },
        };
        let local = if local.is_absolute() {
            local
        } else {
            std::env::current_dir()
                .context("cannot read the current directory")?
                .join(local)
        };
        let central = match std::env::var(CENTRAL_URL_ENV) {
            Ok(url) if !url.trim().is_empty() => RemoteRepository::new("central", url.trim()),
            _ => RemoteRepository::central(),
        };
        // Settings profiles' repositories come first; one with the id `central` replaces it.
        let mut remotes = settings.profile_repositories.clone();
        if !remotes.iter().any(|r| r.id == central.id) {
            remotes.push(central);
        }
        let mut system = RepositorySystem::new(local, remotes, offline || settings.offline);
        system.mirrors = settings.mirrors;
        system.servers = settings.servers;
        system.session = Arc::new(Session::with_proxy(settings.proxy)?);
        Ok(system)
    }

    /// Where `artifact` lives (or would live) in the local repository.
    pub fn local_path(&self, artifact: &Artifact) -> PathBuf {
        self.local.join(artifact.repository_path())
    }

    /// `path` when it lies inside the local repository: below it, reached through plain
    /// directory names only (no `..`, no root). Every file stormpack writes into the local
    /// repository passes this check first.
    fn inside(&self, path: &Path) -> Result<(), RepositoryError> {
        let outside = || RepositoryError::Outside {
            path: path.to_path_buf(),
            local: self.local.clone(),
        };
        let rel = path.strip_prefix(&self.local).map_err(|_| outside())?;
        if rel.as_os_str().is_empty()
            || !rel
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)))
        {
            return Err(outside());
        }
        Ok(())
    }

    /// The repositories asked, in order, given the path's repositories `extra` (the request's
    /// first, then those the poms above declare): `extra` first, then the system ones (central
    /// last, as it comes from the super POM), first id wins; each replaced by its settings.xml
    /// mirror; mirrors serving several repositories asked once.
    pub fn repositories(&self, extra: &[RemoteRepository]) -> Vec<EffectiveRepository> {
        self.repositories_serving(extra, None)
    }

    /// [`RepositorySystem::repositories`] without those whose `<releases>`/`<snapshots>` policy
    /// excludes `version` (`None`: every repository).
    fn repositories_serving(
        &self,
        extra: &[RemoteRepository],
        version: Option<&str>,
    ) -> Vec<EffectiveRepository> {
        let mut declared = aggregate_repositories(extra, &self.remotes);
        if let Some(v) = version {
            declared.retain(|r| r.serves(v));
        } else {
            declared.retain(|r| r.releases || r.snapshots);
        }
        let blocker = [Mirror::default_http_blocker()];
        let mut out: Vec<EffectiveRepository> = Vec::new();
        for repo in declared {
            let mirror = settings::select_mirror(&self.mirrors, &repo)
                .or_else(|| settings::select_mirror(&blocker, &repo));
            let effective = match mirror {
                Some(m) => EffectiveRepository {
                    repo: RemoteRepository::new(&m.id, &m.url),
                    mirror_of: vec![repo.id.clone()],
                    blocked: m.blocked,
                },
                None => EffectiveRepository {
                    repo,
                    mirror_of: Vec::new(),
                    blocked: false,
                },
            };
            match out.iter_mut().find(|e| e.repo.id == effective.repo.id) {
                Some(existing) => existing.mirror_of.extend(effective.mirror_of),
                None => out.push(effective),
            }
        }
        out
    }

    /// The local file for `artifact`, downloading it (verified) from the first remote that has
    /// it when it is not in the local repository. `extra` are the repositories a pom declares
    /// (see [`RepositorySystem::repositories`] for the order).
    pub fn fetch(
        &self,
        artifact: &Artifact,
        extra: &[RemoteRepository],
    ) -> anyhow::Result<PathBuf> {
        artifact
            .validate()
            .map_err(RepositoryError::InvalidCoordinate)?;
        let local = self.local_path(artifact);
        self.inside(&local)?;
        if local.is_file() {
            return Ok(local);
        }
        if self.offline {
            return Err(RepositoryError::Offline {
                artifact: artifact.to_string(),
                path: local,
            }
            .into());
        }
        let rel = artifact.repository_path();
        let mut tried = Vec::new();
        let repos = self.repositories_serving(extra, Some(&artifact.version));
        if artifact.version.ends_with("-SNAPSHOT") {
            if let Some(path) = self.fetch_snapshot(artifact, &repos, &local, &mut tried)? {
                return Ok(path);
            }
        }
        for repo in &repos {
            match self.fetch_from(repo, &rel, &local, &mut tried) {
                Ok(true) => return Ok(local),
                Ok(false) => {}
                Err(Fatal::Repository(e)) => return Err(e.into()),
            }
        }
        let artifact = artifact.to_string();
        let all_not_found = tried
            .iter()
            .all(|t| matches!(t.outcome, Outcome::NotFound(_)));
        Err(if all_not_found {
            RepositoryError::NotFound { artifact, tried }
        } else {
            RepositoryError::Unreachable {
                artifact,
                tried,
                local: self.local.clone(),
            }
        }
        .into())
    }

    /// A `-SNAPSHOT` artifact from repositories that deploy unique (timestamped) snapshots:
    /// each repository's `maven-metadata.xml` of the version names its newest build; the
    /// newest across repositories is downloaded under its timestamped name and copied to the
    /// `-SNAPSHOT` name, as Maven stores both. `Ok(None)` when no repository lists one.
    fn fetch_snapshot(
        &self,
        artifact: &Artifact,
        repos: &[EffectiveRepository],
        local: &Path,
        tried: &mut Vec<Attempt>,
    ) -> anyhow::Result<Option<PathBuf>> {
        let rel = artifact.repository_path();
        let Some((dir_rel, _)) = rel.rsplit_once('/') else {
            return Ok(None);
        };
        let mut best: Option<(SnapshotBuild, &EffectiveRepository)> = None;
        for repo in repos {
            let cached = self
                .local
                .join(dir_rel)
                .join(format!("maven-metadata-{}.xml", repo.repo.id));
            let mut meta_tried = Vec::new();
            match self.fetch_from(
                repo,
                &format!("{dir_rel}/maven-metadata.xml"),
                &cached,
                &mut meta_tried,
            ) {
                Ok(true) => {}
                Ok(false) => {
                    tried.extend(
                        meta_tried
                            .into_iter()
                            .filter(|t| !matches!(t.outcome, Outcome::NotFound(_))),
                    );
                    continue;
                }
                Err(Fatal::Repository(e)) => return Err(e.into()),
            }
            if let Some(build) = read_snapshot_build(&cached, artifact)? {
                if best.as_ref().is_none_or(|(b, _)| build.newer_than(b)) {
                    best = Some((build, repo));
                }
            }
        }
        let Some((build, repo)) = best else {
            return Ok(None);
        };
        if let Err(reason) = check_file_component(&build.value) {
            anyhow::bail!(
                "{}: the snapshot build `{}` that repository `{}` lists for {artifact} {reason}\n  \
                 fix: the repository's maven-metadata.xml is malformed; delete {} and report it to the repository's owner",
                self.local.join(dir_rel).join(format!("maven-metadata-{}.xml", repo.repo.id)).display(),
                super::coord::escape(&build.value),
                repo.repo.id,
                self.local.join(dir_rel).display()
            );
        }
        let classifier = artifact
            .effective_classifier()
            .map(|c| format!("-{c}"))
            .unwrap_or_default();
        let timestamped_rel = format!(
            "{dir_rel}/{}-{}{classifier}.{}",
            artifact.artifact_id,
            build.value,
            artifact.extension()
        );
        let timestamped = self.local.join(&timestamped_rel);
        if !timestamped.is_file() {
            match self.fetch_from(repo, &timestamped_rel, &timestamped, tried) {
                Ok(true) => {}
                Ok(false) => return Ok(None),
                Err(Fatal::Repository(e)) => return Err(e.into()),
            }
        }
        if timestamped != local {
            self.inside(local)?;
            copy_atomically(&timestamped, local)?;
        }
        Ok(Some(local.to_path_buf()))
    }

    /// Like [`RepositorySystem::fetch`], but `Ok(None)` when every repository answered that it
    /// does not have the artifact (Maven carries on without a missing pom, for instance).
    pub fn fetch_optional(
        &self,
        artifact: &Artifact,
        extra: &[RemoteRepository],
    ) -> anyhow::Result<Option<PathBuf>> {
        match self.fetch(artifact, extra) {
            Ok(path) => Ok(Some(path)),
            Err(e) if matches!(e.downcast_ref(), Some(RepositoryError::NotFound { .. })) => {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Fetches many artifacts at once, downloading up to `PARALLEL_DOWNLOADS` at a time;
    /// each request is an artifact and the repositories its pom context declares (as for
    /// [`RepositorySystem::fetch`]). The paths come back in request order; the first error in
    /// request order is returned after every download has finished or failed.
    pub fn fetch_many(
        &self,
        requests: &[(Artifact, Vec<RemoteRepository>)],
    ) -> anyhow::Result<Vec<PathBuf>> {
        self.fetch_each(requests).into_iter().collect()
    }

    /// Like [`RepositorySystem::fetch_many`], with every request's own result (in request
    /// order). A resolver can prefetch a whole level of poms with it (failures are not
    /// remembered: a later `fetch` of a missing one asks the repositories again).
    pub fn fetch_each(
        &self,
        requests: &[(Artifact, Vec<RemoteRepository>)],
    ) -> Vec<anyhow::Result<PathBuf>> {
        let next = AtomicUsize::new(0);
        let results: Vec<Mutex<Option<anyhow::Result<PathBuf>>>> =
            requests.iter().map(|_| Mutex::new(None)).collect();
        let work = || loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some((artifact, extra)) = requests.get(i) else {
                break;
            };
            let result = self.fetch(artifact, extra);
            if let Ok(mut slot) = results[i].lock() {
                *slot = Some(result);
            }
        };
        let missing = requests
            .iter()
            .filter(|(a, _)| !self.local_path(a).is_file())
            .count();
        let threads = PARALLEL_DOWNLOADS.min(missing);
        std::thread::scope(|scope| {
            for _ in 1..threads {
                scope.spawn(work);
            }
            work();
        });
        results
            .into_iter()
            .zip(requests)
            .map(|(slot, (artifact, _))| {
                slot.into_inner().ok().flatten().unwrap_or_else(|| {
                    Err(anyhow::anyhow!("{artifact}: the download thread failed"))
                })
            })
            .collect()
    }

    /// Every version of `group:artifact` the repositories list in their `maven-metadata.xml`
    /// (each cached as `maven-metadata-<repoId>.xml`, refreshed daily as Maven does), plus
    /// those in the local repository's `maven-metadata-local.xml`. Deduplicated, in the order
    /// first seen (unsorted: order them with Maven's version comparison). Offline, only the
    /// cached files are read.
    /// The `maven-metadata.xml` of the directory `dir_rel` from one repository, cached as
    /// `maven-metadata-<id>.xml` in `dir` (refreshed daily, Maven's default policy); `None` when
    /// the repository has none (its failures are added to `failures`).
    fn metadata_file(
        &self,
        repo: &EffectiveRepository,
        dir: &Path,
        dir_rel: &str,
        failures: &mut Vec<Attempt>,
    ) -> anyhow::Result<Option<PathBuf>> {
        let cached = dir.join(format!("maven-metadata-{}.xml", repo.repo.id));
        let fresh = fs_err::metadata(&cached)
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_some_and(|age| age < METADATA_MAX_AGE);
        if self.offline || fresh {
            return Ok(cached.is_file().then_some(cached));
        }
        let rel = format!("{dir_rel}/maven-metadata.xml");
        let mut tried = Vec::new();
        match self.fetch_from(repo, &rel, &cached, &mut tried) {
            Ok(true) => Ok(Some(cached)),
            Ok(false) => {
                let failed: Vec<Attempt> = tried
                    .into_iter()
                    .filter(|t| !matches!(t.outcome, Outcome::NotFound(_)))
                    .collect();
                if !failed.is_empty() && cached.is_file() {
                    warn(format!(
                        "could not refresh {}; using the cached copy {}",
                        repo.repo.file_url(&rel),
                        cached.display()
                    ));
                    return Ok(Some(cached));
                }
                failures.extend(failed);
                Ok(None)
            }
            Err(Fatal::Repository(e)) => Err(e.into()),
        }
    }

    pub fn metadata_versions(
        &self,
        group: &str,
        artifact: &str,
        extra: &[RemoteRepository],
    ) -> anyhow::Result<Vec<String>> {
        for (field, value, is_group) in [("groupId", group, true), ("artifactId", artifact, false)]
        {
            check_id(field, value, is_group).map_err(|reason| {
                RepositoryError::InvalidCoordinate(InvalidCoordinate {
                    coordinate: format!("{group}:{artifact}"),
                    field,
                    value: value.to_string(),
                    reason,
                })
            })?;
        }
        let dir_rel = format!("{}/{}", group.replace('.', "/"), artifact);
        let dir = self.local.join(&dir_rel);
        let coordinate = format!("{group}:{artifact}");
        let mut versions: Vec<String> = Vec::new();
        let mut seen_any = false;
        let mut failures: Vec<Attempt> = Vec::new();
        let add = |path: &Path, versions: &mut Vec<String>| -> anyhow::Result<()> {
            for v in read_metadata_versions(path)? {
                if !versions.contains(&v) {
                    versions.push(v);
                }
            }
            Ok(())
        };
        let local_metadata = dir.join("maven-metadata-local.xml");
        if local_metadata.is_file() {
            seen_any = true;
            add(&local_metadata, &mut versions)?;
        }
        for repo in self.repositories(extra) {
            if let Some(file) = self.metadata_file(&repo, &dir, &dir_rel, &mut failures)? {
                seen_any = true;
                add(&file, &mut versions)?;
            }
        }
        if self.offline && !seen_any {
            return Err(RepositoryError::Offline {
                artifact: format!("the version list (maven-metadata.xml) of {coordinate}"),
                path: dir.join("maven-metadata-<repository id>.xml"),
            }
            .into());
        }
        if versions.is_empty() && !failures.is_empty() {
            return Err(RepositoryError::Unreachable {
                artifact: format!("the version list (maven-metadata.xml) of {coordinate}"),
                tried: failures,
                local: self.local.clone(),
            }
            .into());
        }
        // A repository already reported unreachable in this run is not reported again.
        for f in failures
            .iter()
            .filter(|f| !f.to_string().contains(UNREACHABLE_EARLIER))
        {
            warn(format!("version list of {coordinate}: {f}"));
        }
        Ok(versions)
    }

    /// The version a `RELEASE` or `LATEST` meta-version stands for, as Maven's version
    /// resolver reads it: `<versioning><release>` (or `<latest>`) of `group:artifact`'s
    /// `maven-metadata.xml`, from the repository whose metadata was updated last; without that
    /// element, the highest version listed (releases only for `RELEASE`). `None` when no
    /// repository lists one.
    pub fn meta_version(
        &self,
        group: &str,
        artifact: &str,
        keyword: &str,
        extra: &[RemoteRepository],
    ) -> anyhow::Result<Option<String>> {
        // Fetches (or refreshes) and validates every repository's metadata file.
        let listed = self.metadata_versions(group, artifact, extra)?;
        let dir = self.local.join(group.replace('.', "/")).join(artifact);
        let element = if keyword == "LATEST" {
            "latest"
        } else {
            "release"
        };
        let mut files = vec![dir.join("maven-metadata-local.xml")];
        for repo in self.repositories(extra) {
            files.push(dir.join(format!("maven-metadata-{}.xml", repo.repo.id)));
        }
        let mut best: Option<(String, String)> = None;
        for file in files.iter().filter(|f| f.is_file()) {
            let root = read_metadata(file)?;
            let Some(versioning) = root.child("versioning") else {
                continue;
            };
            let Some(version) = versioning.text_of(element).filter(|v| !v.is_empty()) else {
                continue;
            };
            let updated = versioning.text_of("lastUpdated").unwrap_or("").to_string();
            if best.as_ref().is_none_or(|(u, _)| updated > *u) {
                best = Some((updated, version.to_string()));
            }
        }
        if let Some((_, version)) = best {
            return Ok(Some(version));
        }
        Ok(listed
            .iter()
            .filter(|v| keyword == "LATEST" || !v.ends_with("-SNAPSHOT"))
            .map(|v| super::version::Version::parse(v))
            .max()
            .map(|v| v.as_str().to_string()))
    }

    /// Downloads `rel` from one repository into `dest`. `Ok(true)` when stored, `Ok(false)`
    /// when this repository cannot provide it (the reason is pushed onto `tried`).
    fn fetch_from(
        &self,
        repo: &EffectiveRepository,
        rel: &str,
        dest: &Path,
        tried: &mut Vec<Attempt>,
    ) -> Result<bool, Fatal> {
        let url = repo.repo.file_url(rel);
        self.inside(dest).map_err(Fatal::Repository)?;
        let mut note = |outcome: Outcome| {
            tried.push(Attempt {
                repository: repo.to_string(),
                url: url.clone(),
                outcome,
            })
        };
        if repo.blocked {
            note(Outcome::Blocked(format!(
                "mirror `{}` blocks it (Maven 3.8+ blocks plain-http repositories on other hosts)",
                repo.repo.id
            )));
            return Ok(false);
        }
        let known_dead = self
            .session
            .unreachable
            .lock()
            .ok()
            .and_then(|dead| dead.get(&repo.repo.url).cloned());
        if let Some(reason) = known_dead {
            note(Outcome::Failed(format!("{UNREACHABLE_EARLIER}: {reason}")));
            return Ok(false);
        }
        let server = self.servers.iter().find(|s| s.id == repo.repo.id);
        if let Some(server) = server.filter(|s| s.password_is_encrypted()) {
            note(Outcome::Failed(format!(
                "settings.xml <server> `{}` has an encrypted password, which stormpack cannot decrypt \
                 (fix: give the plain password or ${{env.VARIABLE}} in a settings file passed with --settings)",
                server.id
            )));
            return Ok(false);
        }
        let auth = server.map(Server::basic_auth);
        match self.transfer(&url, dest, auth.as_deref()) {
            Ok(Transfer::Stored) => Ok(true),
            Ok(Transfer::NotFound(why)) => {
                note(Outcome::NotFound(why));
                Ok(false)
            }
            Err(Ok(e)) => {
                if e.connection {
                    if let Ok(mut dead) = self.session.unreachable.lock() {
                        dead.insert(repo.repo.url.clone(), e.message.clone());
                    }
                }
                note(Outcome::Failed(e.message));
                Ok(false)
            }
            Err(Err(fatal)) => Err(fatal),
        }
    }

    /// Downloads `url` to a temp file beside `dest`, retrying transient failures, verifies the
    /// published checksums, and renames it into place.
    fn transfer(
        &self,
        url: &str,
        dest: &Path,
        auth: Option<&str>,
    ) -> Result<Transfer, Result<TransferError, Fatal>> {
        std::thread::scope(|scope| {
            // Over HTTP every request costs a round trip, and most repositories answer 404 for
            // .sha256/.sha512: the checksum files are asked for while the artifact downloads.
            let prefetch: Vec<_> = if url.starts_with("file:") {
                Vec::new()
            } else {
                CHECKSUMS
                    .iter()
                    .map(|(_, ext)| {
                        let checksum_url = format!("{url}.{ext}");
                        scope.spawn(move || self.get_small(&checksum_url, auth))
                    })
                    .collect()
            };
            let mut attempt = 1;
            let (temp, sha1) = loop {
                match self.download_once(url, dest, auth) {
                    Ok(Ok(done)) => break done,
                    Ok(Err(why)) => return Ok(Transfer::NotFound(why)),
                    Err(Err(fatal)) => return Err(Err(fatal)),
                    Err(Ok(e)) if e.transient && attempt < attempts_for(&e) => {
                        let wait = Duration::from_millis(500 * 3u64.pow(attempt - 1));
                        warn(format!(
                            "{url}: {}; retrying in {:.1}s (attempt {} of {})",
                            e.message,
                            wait.as_secs_f64(),
                            attempt + 1,
                            attempts_for(&e)
                        ));
                        std::thread::sleep(wait);
                        attempt += 1;
                    }
                    Err(Ok(e)) => return Err(Ok(e)),
                }
            };
            let mut published = Vec::with_capacity(CHECKSUMS.len());
            if prefetch.is_empty() {
                for (_, ext) in CHECKSUMS {
                    published.push(self.get_small(&format!("{url}.{ext}"), auth)?);
                }
            } else {
                for handle in prefetch {
                    let text = handle.join().unwrap_or_else(|_| {
                        Err(Ok(TransferError {
                            transient: false,
                            connection: false,
                            message: "the checksum download thread panicked".to_string(),
                        }))
                    })?;
                    published.push(text);
                }
            }
            let verified = verify_checksums(url, temp.path(), &sha1, &published)?;
            if !verified {
                warn(format!(
                    "{url}: the repository publishes no checksum (.sha1, .sha256, .sha512); stored unverified"
                ));
            }
            temp.persist(dest).map_err(|e| {
                Err(Fatal::Repository(RepositoryError::Local {
                    path: dest.to_path_buf(),
                    source: e.error,
                }))
            })?;
            Ok(Transfer::Stored)
        })
    }

    /// One download attempt: `Ok(Err(why))` when the repository does not have it.
    #[allow(clippy::type_complexity)]
    fn download_once(
        &self,
        url: &str,
        dest: &Path,
        auth: Option<&str>,
    ) -> Result<Result<(tempfile::NamedTempFile, String), String>, Result<TransferError, Fatal>>
    {
        let (mut reader, length) = match self.session.open(url, auth).map_err(Ok)? {
            Opened::NotFound(why) => return Ok(Err(why)),
            Opened::Body { reader, length } => (reader, length),
        };
        let local_error = |path: &Path, source: io::Error| {
            Err(Fatal::Repository(RepositoryError::Local {
                path: path.to_path_buf(),
                source,
            }))
        };
        let dir = dest.parent().unwrap_or(Path::new("."));
        fs_err::create_dir_all(dir).map_err(|e| local_error(dir, e))?;
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut temp = shared_temp_file(&format!(".{name}."), ".stormpack-part")
            .tempfile_in(dir)
            .map_err(|e| local_error(dir, e))?;
        let mut sha1 = Sha1::new();
        let mut progress = Progress::new(url, length);
        let mut buf = vec![0u8; 64 * 1024];
        let mut received: u64 = 0;
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let of = length.map(|l| format!(" of {l}")).unwrap_or_default();
                    return Err(Ok(TransferError {
                        transient: true,
                        connection: false,
                        message: format!(
                            "download truncated: received {received}{of} bytes ({})",
                            describe_io(&e)
                        ),
                    }));
                }
            };
            sha1.update(&buf[..n]);
            temp.write_all(&buf[..n])
                .map_err(|e| local_error(temp.path(), e))?;
            received += n as u64;
            progress.update(received);
        }
        if let Some(expected) = length {
            if received != expected {
                progress.finish(false);
                return Err(Ok(TransferError {
                    transient: true,
                    connection: false,
                    message: format!("download truncated: received {received} of {expected} bytes"),
                }));
            }
        }
        progress.finish(true);
        temp.as_file()
            .sync_all()
            .map_err(|e| local_error(temp.path(), e))?;
        Ok(Ok((temp, hex::encode(sha1.finalize()))))
    }

    /// A small text file (a checksum), retrying transient failures; `None` when not published.
    fn get_small(
        &self,
        url: &str,
        auth: Option<&str>,
    ) -> Result<Option<String>, Result<TransferError, Fatal>> {
        let mut attempt = 1;
        loop {
            let result = self
                .session
                .open(url, auth)
                .and_then(|opened| match opened {
                    Opened::NotFound(_) => Ok(None),
                    Opened::Body { reader, .. } => {
                        let mut text = String::new();
                        reader
                            .take(64 * 1024)
                            .read_to_string(&mut text)
                            .map(|_| Some(text))
                            .map_err(|e| TransferError {
                                transient: true,
                                connection: false,
                                message: format!("reading {url}: {}", describe_io(&e)),
                            })
                    }
                });
            match result {
                Ok(text) => return Ok(text),
                Err(e) if e.transient && attempt < attempts_for(&e) => {
                    std::thread::sleep(Duration::from_millis(500 * 3u64.pow(attempt - 1)));
                    attempt += 1;
                }
                Err(e) => return Err(Ok(e)),
            }
        }
    }
}

/// Checks the downloaded `file` against the published checksum files (`published[i]` is the
/// text for `CHECKSUMS[i]`, `None` when not published); `Ok(false)` if none is. SHA-1 was
/// computed while the file streamed (`sha1`); SHA-256/512, which few artifacts publish, are
/// computed from the file only when published. A mismatch is fatal.
fn verify_checksums(
    url: &str,
    file: &Path,
    sha1: &str,
    published: &[Option<String>],
) -> Result<bool, Result<TransferError, Fatal>> {
    let mut any = false;
    for ((algorithm, extension), text) in CHECKSUMS.iter().zip(published) {
        let Some(text) = text else {
            continue;
        };
        let actual = match *extension {
            "sha512" => crate::digest::hash_file::<Sha512>(file),
            "sha256" => crate::digest::hash_file::<Sha256>(file),
            _ => Ok(sha1.to_string()),
        }
        .map_err(|source| {
            Err(Fatal::Repository(RepositoryError::Local {
                path: file.to_path_buf(),
                source,
            }))
        })?;
        let expected = parse_checksum(text, actual.len()).unwrap_or_else(|| {
            format!("unreadable ({url}.{extension} holds no {algorithm} digest)")
        });
        if expected != actual {
            return Err(Err(Fatal::Repository(RepositoryError::ChecksumMismatch {
                url: url.to_string(),
                algorithm,
                expected,
                actual,
            })));
        }
        any = true;
    }
    Ok(any)
}

/// One deployed build of a snapshot: `1.0-20240101.120000-3` (or the version itself for a
/// non-unique snapshot).
#[derive(Debug, Clone, PartialEq, Eq)]
struct SnapshotBuild {
    value: String,
    timestamp: String,
    build_number: u64,
}

impl SnapshotBuild {
    fn newer_than(&self, other: &SnapshotBuild) -> bool {
        (&self.timestamp, self.build_number) > (&other.timestamp, other.build_number)
    }
}

/// A cached maven-metadata.xml, parsed; a malformed one names its line and how to recover.
fn read_metadata(path: &Path) -> anyhow::Result<Element> {
    let bytes = crate::fsread::read_regular(path, crate::fsread::MAX_TEXT_FILE)?;
    parse_document(
        &bytes,
        path,
        "maven-metadata.xml",
        "delete the file; stormpack downloads it again",
    )
}

/// The newest build of `artifact` (matching its extension and classifier) that a version's
/// maven-metadata.xml lists: `<snapshotVersions>` (Maven 3), else `<snapshot>` (Maven 2).
fn read_snapshot_build(path: &Path, artifact: &Artifact) -> anyhow::Result<Option<SnapshotBuild>> {
    let root = read_metadata(path)?;
    let Some(versioning) = root.child("versioning") else {
        return Ok(None);
    };
    let base = artifact.version.trim_end_matches("-SNAPSHOT");
    let parse_value = |value: &str| -> SnapshotBuild {
        let suffix = value
            .strip_prefix(base)
            .unwrap_or(value)
            .trim_start_matches('-');
        let (timestamp, build) = suffix.rsplit_once('-').unwrap_or((suffix, "0"));
        SnapshotBuild {
            value: value.to_string(),
            timestamp: timestamp.to_string(),
            build_number: build.parse().unwrap_or(0),
        }
    };
    let classifier = artifact.effective_classifier().unwrap_or("");
    if let Some(list) = versioning.child("snapshotVersions") {
        let found = list
            .children
            .iter()
            .filter(|v| v.name == "snapshotVersion")
            .find(|v| {
                v.text_of("extension").unwrap_or("") == artifact.extension()
                    && v.text_of("classifier").unwrap_or("") == classifier
            })
            .and_then(|v| v.text_of("value"))
            .filter(|v| !v.is_empty());
        if let Some(value) = found {
            return Ok(Some(parse_value(value)));
        }
    }
    if let Some(snapshot) = versioning.child("snapshot") {
        if snapshot.text_of("localCopy") == Some("true") {
            return Ok(Some(parse_value(&artifact.version)));
        }
        if let (Some(ts), Some(bn)) = (
            snapshot.text_of("timestamp"),
            snapshot.text_of("buildNumber"),
        ) {
            return Ok(Some(parse_value(&format!("{base}-{ts}-{bn}"))));
        }
    }
    Ok(None)
}

/// Copies `from` to `to` through a temp file beside `to` and a rename.
fn copy_atomically(from: &Path, to: &Path) -> anyhow::Result<()> {
    let dir = to.parent().unwrap_or(Path::new("."));
    let copy = || -> io::Result<()> {
        let mut temp = shared_temp_file(".stormpack-copy.", "").tempfile_in(dir)?;
        io::copy(&mut std::fs::File::open(from)?, temp.as_file_mut())?;
        temp.as_file().sync_all()?;
        temp.persist(to).map_err(|e| e.error)?;
        Ok(())
    };
    copy().map_err(|source| {
        RepositoryError::Local {
            path: to.to_path_buf(),
            source,
        }
        .into()
    })
}

/// The `<versioning><versions><version>` list of a maven-metadata.xml file.
fn read_metadata_versions(path: &Path) -> anyhow::Result<Vec<String>> {
    let root = read_metadata(path)?;
    let mut versions = Vec::new();
    if let Some(list) = root.child("versioning").and_then(|v| v.child("versions")) {
        for v in list.children.iter().filter(|c| c.name == "version") {
            if !v.text.is_empty() && !versions.contains(&v.text) {
                versions.push(v.text.clone());
            }
        }
    }
    if versions.is_empty() {
        if let Some(v) = root.text_of("version").filter(|v| !v.is_empty()) {
            versions.push(v.to_string());
        }
    }
    Ok(versions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_outside_the_local_repository_are_refused() {
        let repos = RepositorySystem::new(PathBuf::from("/m2"), Vec::new(), true);
        assert!(repos.inside(Path::new("/m2/g/a/1/a-1.jar")).is_ok());
        for outside in ["/m2", "/m2/g/../../etc/x", "/etc/passwd", "/m2/./x/../../y"] {
            assert!(repos.inside(Path::new(outside)).is_err(), "{outside}");
        }
        let err = repos
            .fetch(&Artifact::new("g", "a", "../../../x"), &[])
            .unwrap_err();
        assert!(
            matches!(
                err.downcast_ref::<RepositoryError>(),
                Some(RepositoryError::InvalidCoordinate(_))
            ),
            "{err}"
        );
        let err = repos.metadata_versions(".etc", "a", &[]).unwrap_err();
        assert!(
            err.to_string().contains("groupId `.etc` has an empty part"),
            "{err}"
        );
    }
}
