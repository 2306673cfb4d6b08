//! Remote repositories and the local repository (Maven's layout, shared with Maven itself):
//! downloads into a temp file, checksum verification, atomic rename, offline mode.

use std::path::PathBuf;

use super::coord::Artifact;

/// A remote repository (`<repository>` in a pom, a mirror, or Maven Central).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteRepository {
    pub id: String,
    /// `https://...` or `file://...`, without a trailing slash.
    pub url: String,
}

impl RemoteRepository {
    pub fn central() -> Self {
        RemoteRepository {
            id: "central".to_string(),
            url: "https://repo.maven.apache.org/maven2".to_string(),
        }
    }
}

/// Where artifacts come from and go to.
#[derive(Debug, Clone)]
pub struct RepositorySystem {
    pub local: PathBuf,
    pub remotes: Vec<RemoteRepository>,
    pub offline: bool,
}

impl RepositorySystem {
    /// Local repository from the argument, else `~/.m2/repository`; Maven Central.
    pub fn from_environment(
        maven_repo_local: Option<&std::path::Path>,
        settings: Option<&std::path::Path>,
        offline: bool,
    ) -> anyhow::Result<Self> {
        let _ = settings;
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default();
        Ok(RepositorySystem {
            local: maven_repo_local
                .map(|p| p.to_path_buf())
                .unwrap_or_else(|| home.join(".m2/repository")),
            remotes: vec![RemoteRepository::central()],
            offline,
        })
    }

    /// The local file for `artifact`, downloading it (verified) from the first remote that has
    /// it when it is not in the local repository. `extra` are the repositories a pom declares.
    pub fn fetch(
        &self,
        artifact: &Artifact,
        extra: &[RemoteRepository],
    ) -> anyhow::Result<PathBuf> {
        let _ = (artifact, extra);
        anyhow::bail!("the repository client is not implemented yet")
    }
}
