//! A remote repository as declared (`<repository>` in a pom or settings.xml, a mirror, or Maven
//! Central from the super POM) and how declared lists are aggregated. Plain data: which of them
//! are asked for a file, and how, is `repository`'s and `transport`'s.

use std::fmt;
use std::path::Path;

/// Maven Central, as the super POM declares it.
pub const CENTRAL_URL: &str = "https://repo.maven.apache.org/maven2";

/// A remote repository (`<repository>` in a pom, a mirror, or Maven Central).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteRepository {
    pub id: String,
    /// `https://...` or `file://...`, without a trailing slash.
    pub url: String,
    /// `<releases><enabled>`: whether release versions are asked of it.
    pub releases: bool,
    /// `<snapshots><enabled>`: whether `-SNAPSHOT` versions are asked of it.
    pub snapshots: bool,
}

impl RemoteRepository {
    pub fn new(id: &str, url: &str) -> Self {
        RemoteRepository {
            id: id.to_string(),
            url: url.trim_end_matches('/').to_string(),
            releases: true,
            snapshots: true,
        }
    }

    /// With the `<releases>`/`<snapshots>` policies of its declaration.
    pub fn with_policies(mut self, releases: bool, snapshots: bool) -> Self {
        self.releases = releases;
        self.snapshots = snapshots;
        self
    }

    /// Whether its policies let `version` be asked of it (Maven skips a repository whose
    /// policy for the version's kind is disabled).
    pub fn serves(&self, version: &str) -> bool {
        if version.ends_with("-SNAPSHOT") {
            self.snapshots
        } else {
            self.releases
        }
    }

    pub fn central() -> Self {
        RemoteRepository::new("central", CENTRAL_URL)
    }

    /// `file://` repository for a local directory.
    pub fn file(id: &str, dir: &Path) -> Self {
        RemoteRepository::new(id, &format!("file://{}", dir.display()))
    }

    pub(crate) fn file_url(&self, path: &str) -> String {
        format!("{}/{}", self.url, path)
    }
}

impl fmt::Display for RemoteRepository {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.id, self.url)
    }
}

/// Maven's repository aggregation (`RemoteRepositoryManager.aggregateRepositories`) when
/// descending into a dependency's pom: the repositories already in use (the request's: the
/// project's, settings' and the super POM's Central) stay dominant, then the pom's own are
/// added, skipping ids already present: a pom that redeclares `central` changes nothing.
pub fn aggregate_repositories(
    dominant: &[RemoteRepository],
    recessive: &[RemoteRepository],
) -> Vec<RemoteRepository> {
    let mut out: Vec<RemoteRepository> = Vec::with_capacity(dominant.len() + recessive.len());
    for repo in dominant.iter().chain(recessive) {
        if !out.iter().any(|r| r.id == repo.id) {
            out.push(repo.clone());
        }
    }
    out
}
