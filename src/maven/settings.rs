//! `~/.m2/settings.xml`: localRepository, mirrors, offline, servers, proxies and the repositories
//! of active profiles — the parts of Maven's settings that decide where artifacts come from and
//! where they are cached. Also the mirror selection rules
//! (`*`, `external:*`, `external:http:*`, comma lists, `!id` exclusions, exact ids first).

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::remote::RemoteRepository;
use super::xml::{parse_document, Element};

/// A `<mirror>`: serves every repository its `mirrorOf` pattern matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mirror {
    pub id: String,
    pub url: String,
    /// Maven's pattern: `*`, `external:*`, `external:http:*`, `central`, `a,b`, `*,!a`.
    pub mirror_of: String,
    /// A blocked mirror refuses every request (Maven 3.8's `maven-default-http-blocker`).
    pub blocked: bool,
}

impl Mirror {
    /// Maven 3.8.1+ ships this mirror in its global settings: plain-http repositories on other
    /// hosts are blocked.
    pub fn default_http_blocker() -> Mirror {
        Mirror {
            id: "maven-default-http-blocker".to_string(),
            url: "http://0.0.0.0/".to_string(),
            mirror_of: "external:http:*".to_string(),
            blocked: true,
        }
    }
}

/// A `<server>`: credentials for the repository (or mirror) with the same id, sent as HTTP
/// basic authentication.
#[derive(Clone, PartialEq, Eq)]
pub struct Server {
    pub id: String,
    pub username: String,
    pub password: String,
}

impl Server {
    /// Maven's encrypted passwords (`{...}`, decrypted with settings-security.xml) are not
    /// supported.
    pub fn password_is_encrypted(&self) -> bool {
        self.password.len() > 2 && self.password.starts_with('{') && self.password.ends_with('}')
    }

    /// The `Authorization` header value.
    pub fn basic_auth(&self) -> String {
        format!(
            "Basic {}",
            base64(format!("{}:{}", self.username, self.password).as_bytes())
        )
    }
}

impl std::fmt::Debug for Server {
    /// Never prints the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Standard base64 with padding (RFC 4648), for basic authentication.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The active `<proxy>`: every request goes through it except to `non_proxy_hosts`.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxySettings {
    pub id: String,
    /// `http` or `https`: in Maven, the protocol of the repositories the proxy serves; the
    /// proxy itself is always spoken to in plain HTTP (`CONNECT` for https targets).
    pub protocol: String,
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<String>,
    /// `|`-separated host patterns with `*` wildcards (`localhost|*.corp.example`).
    pub non_proxy_hosts: Vec<String>,
}

impl ProxySettings {
    /// The proxy URL ureq takes (`http://user:pass@host:port`): plain HTTP whatever
    /// `<protocol>` says, as Maven's transports talk to a proxy.
    pub fn url(&self) -> String {
        let credentials = match (&self.username, &self.password) {
            (Some(u), Some(p)) => format!("{}:{}@", percent_encode(u), percent_encode(p)),
            (Some(u), None) => format!("{}@", percent_encode(u)),
            _ => String::new(),
        };
        format!("http://{credentials}{}:{}", self.host, self.port)
    }

    /// Whether requests to `host` bypass the proxy.
    pub fn bypasses(&self, host: &str) -> bool {
        self.non_proxy_hosts.iter().any(|pattern| {
            wildcard_match(&pattern.to_ascii_lowercase(), &host.to_ascii_lowercase())
        })
    }
}

impl std::fmt::Debug for ProxySettings {
    /// Never prints the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxySettings")
            .field("id", &self.id)
            .field("protocol", &self.protocol)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("non_proxy_hosts", &self.non_proxy_hosts)
            .finish_non_exhaustive()
    }
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `*` matches any run of characters; everything else literally.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((prefix, rest)) => {
            let Some(after) = text.strip_prefix(prefix) else {
                return false;
            };
            (0..=after.len())
                .filter(|&i| after.is_char_boundary(i))
                .any(|i| wildcard_match(rest, &after[i..]))
        }
    }
}

/// What stormpack reads from settings.xml.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// The file it was read from (for messages).
    pub file: Option<PathBuf>,
    pub local_repository: Option<PathBuf>,
    pub offline: bool,
    pub mirrors: Vec<Mirror>,
    pub servers: Vec<Server>,
    /// The first active `<proxy>`.
    pub proxy: Option<ProxySettings>,
    /// The `<repositories>` of the active `<profiles>` (listed in `<activeProfiles>`, or whose
    /// `<activation>` holds, else `activeByDefault`), in declaration order, first id wins.
    pub profile_repositories: Vec<RemoteRepository>,
}

impl Settings {
    /// Reads and parses the settings.xml file given with `--settings`.
    pub fn read(path: &Path) -> anyhow::Result<Settings> {
        Settings::read_with_fix(
            path,
            "pass an existing settings file to --settings, or remove the option to use ~/.m2/settings.xml",
        )
    }

    /// Reads and parses a settings.xml file; `fix` says what to do when it cannot be read.
    fn read_with_fix(path: &Path, fix: &str) -> anyhow::Result<Settings> {
        let bytes =
            crate::fsread::read_regular(path, crate::fsread::MAX_TEXT_FILE).with_context(|| {
                format!(
                    "cannot read the Maven settings file {}\n  fix: {fix}",
                    path.display()
                )
            })?;
        Settings::parse_bytes(&bytes, path)
    }

    /// Parses settings.xml text; `path` is used in messages only.
    pub fn parse(text: &str, path: &Path) -> anyhow::Result<Settings> {
        Settings::parse_bytes(text.as_bytes(), path)
    }

    /// Parses settings.xml bytes in the encoding they declare (UTF-8, UTF-16 with a byte order
    /// mark, ISO-8859-1), as Maven reads them and as poms are read.
    pub fn parse_bytes(bytes: &[u8], path: &Path) -> anyhow::Result<Settings> {
        let root = parse_document(
            bytes,
            path,
            "XML in Maven settings",
            "correct the XML at that position (or pass another file with --settings)",
        )?;
        if root.name != "settings" {
            anyhow::bail!(
                "{}: the root element is <{}>, not <settings>\n  fix: a Maven settings file has <settings> as its root element",
                path.display(),
                root.name
            );
        }
        let mut settings = Settings {
            file: Some(path.to_path_buf()),
            ..Settings::default()
        };
        if let Some(local) = root.text_of("localRepository") {
            let local = interpolate(local);
            if !local.is_empty() {
                settings.local_repository = Some(PathBuf::from(local));
            }
        }
        if let Some(offline) = root.text_of("offline") {
            settings.offline = match interpolate(offline).as_str() {
                "true" => true,
                "false" | "" => false,
                other => anyhow::bail!(
                    "{}: <offline> is `{other}`, expected `true` or `false`",
                    path.display()
                ),
            };
        }
        settings.mirrors = parse_mirrors(&root, path)?;
        settings.servers = parse_servers(&root, path)?;
        settings.proxy = parse_proxy(&root, path)?;
        settings.profile_repositories = parse_profile_repositories(&root, path)?;
        Ok(settings)
    }
}

/// The repositories of the active profiles, as Maven's settings profiles contribute them to
/// every request (before Central; a profile repository with the id `central` replaces it).
fn parse_profile_repositories(
    root: &Element,
    path: &Path,
) -> anyhow::Result<Vec<RemoteRepository>> {
    let Some(profiles) = root.child("profiles") else {
        return Ok(Vec::new());
    };
    let file: std::sync::Arc<Path> = std::sync::Arc::from(path);
    let listed: Vec<String> = root
        .child("activeProfiles")
        .map(|a| {
            a.children_named("activeProfile")
                .map(|p| interpolate(&p.text))
                .collect()
        })
        .unwrap_or_default();
    // The JDK's properties only when a condition needs them (detecting them may start a JVM).
    let env = std::cell::OnceCell::new();
    let parsed: Vec<_> = profiles
        .children_named("profile")
        .map(|p| (p, super::pom::parse_profile(p, &file)))
        .collect();
    let by_condition = |raw: &super::pom::RawProfile| {
        listed.contains(&raw.id)
            || ((raw.jdk.is_some()
                || raw.os.is_some()
                || raw.property.is_some()
                || raw.file_exists.is_some()
                || raw.file_missing.is_some())
                && super::profile::profile_condition(
                    raw,
                    env.get_or_init(|| super::environment::Environment::detect(None)),
                    None,
                ) == Some(true))
    };
    let mut active: Vec<&Element> = parsed
        .iter()
        .filter(|(_, raw)| by_condition(raw))
        .map(|(el, _)| *el)
        .collect();
    if active.is_empty() {
        active = parsed
            .iter()
            .filter(|(_, raw)| raw.active_by_default)
            .map(|(el, _)| *el)
            .collect();
    }
    let mut out: Vec<RemoteRepository> = Vec::new();
    for profile in active {
        let Some(repos) = profile.child("repositories") else {
            continue;
        };
        for repo in repos.children_named("repository") {
            let id = repo.text_of("id").map(interpolate).unwrap_or_default();
            let url = repo.text_of("url").map(interpolate).unwrap_or_default();
            if id.is_empty() || url.is_empty() {
                anyhow::bail!(
                    "{}:{}: a <repository> of a settings profile needs an <id> and a <url>\n  \
                     fix: complete or remove that repository",
                    path.display(),
                    repo.line
                );
            }
            if out.iter().any(|r| r.id == id) {
                continue;
            }
            let enabled = |policy: &str| {
                repo.at(&[policy, "enabled"])
                    .is_none_or(|e| interpolate(&e.text) != "false")
            };
            let mut remote = RemoteRepository::new(&id, &url);
            remote.releases = enabled("releases");
            remote.snapshots = enabled("snapshots");
            out.push(remote);
        }
    }
    Ok(out)
}

/// `<mirrors>`, each complete.
fn parse_mirrors(root: &Element, path: &Path) -> anyhow::Result<Vec<Mirror>> {
    let mut out = Vec::new();
    if let Some(mirrors) = root.child("mirrors") {
        for m in mirrors.children.iter().filter(|c| c.name == "mirror") {
            let field = |name: &str| m.text_of(name).map(interpolate).unwrap_or_default();
            let id = field("id");
            let url = field("url");
            let mirror_of = field("mirrorOf");
            let blocked = field("blocked") == "true";
            if id.is_empty() || mirror_of.is_empty() || (url.is_empty() && !blocked) {
                anyhow::bail!(
                    "{}:{}: a <mirror> needs <id>, <url> and <mirrorOf>\n  fix: complete or remove that mirror",
                    path.display(),
                    m.line
                );
            }
            out.push(Mirror {
                id,
                url: url.trim_end_matches('/').to_string(),
                mirror_of,
                blocked,
            });
        }
    }
    Ok(out)
}

/// `<servers>` with a username (key-based ones are for deployment and skipped).
fn parse_servers(root: &Element, path: &Path) -> anyhow::Result<Vec<Server>> {
    let mut out = Vec::new();
    if let Some(servers) = root.child("servers") {
        for server in servers.children.iter().filter(|c| c.name == "server") {
            let field = |name: &str| server.text_of(name).map(interpolate).unwrap_or_default();
            let id = field("id");
            if id.is_empty() {
                anyhow::bail!(
                    "{}:{}: a <server> needs an <id> (the id of the repository or mirror it authenticates to)",
                    path.display(),
                    server.line
                );
            }
            let username = field("username");
            if username.is_empty() {
                // Key-based servers (<privateKey>) are for deployment over ssh/scp.
                continue;
            }
            out.push(Server {
                id,
                username,
                password: field("password"),
            });
        }
    }
    Ok(out)
}

/// The first active `<proxy>`, as Maven uses it.
fn parse_proxy(root: &Element, path: &Path) -> anyhow::Result<Option<ProxySettings>> {
    if let Some(proxies) = root.child("proxies") {
        for proxy in proxies.children.iter().filter(|c| c.name == "proxy") {
            let field = |name: &str| proxy.text_of(name).map(interpolate).unwrap_or_default();
            if field("active") == "false" {
                continue;
            }
            let host = field("host");
            let port_text = field("port");
            let port = if port_text.is_empty() {
                8080
            } else {
                port_text.parse().map_err(|_| {
                    anyhow::anyhow!(
                        "{}:{}: <proxy> <port> `{port_text}` is not a port number",
                        path.display(),
                        proxy.line
                    )
                })?
            };
            if host.is_empty() {
                anyhow::bail!(
                    "{}:{}: an active <proxy> needs a <host>\n  fix: add it, or set <active>false</active>",
                    path.display(),
                    proxy.line
                );
            }
            let protocol = match field("protocol").to_ascii_lowercase().as_str() {
                "" | "http" => "http".to_string(),
                "https" => "https".to_string(),
                other => anyhow::bail!(
                    "{}:{}: <proxy> <protocol> `{other}` is not supported (http or https)",
                    path.display(),
                    proxy.line
                ),
            };
            let optional = |name: &str| Some(field(name)).filter(|v| !v.is_empty());
            return Ok(Some(ProxySettings {
                id: field("id"),
                protocol,
                host,
                port,
                username: optional("username"),
                password: optional("password"),
                non_proxy_hosts: field("nonProxyHosts")
                    .split(['|', ','])
                    .map(str::trim)
                    .filter(|h| !h.is_empty())
                    .map(str::to_string)
                    .collect(),
            }));
        }
    }
    Ok(None)
}

impl Settings {
    /// Maven's two settings files merged: the user's (`--settings`, else
    /// `~/.m2/settings.xml` when present) over the global one (`conf/settings.xml` of the
    /// Maven installation, when one is found). The user's localRepository wins; mirrors are
    /// the user's then the global ones; offline if either says so.
    pub fn load(user: Option<&Path>) -> anyhow::Result<Settings> {
        Settings::load_files(user, global_settings_path().as_deref())
    }

    /// [`Settings::load`] with the global settings file given (`None`: no global settings).
    pub fn load_files(user: Option<&Path>, global: Option<&Path>) -> anyhow::Result<Settings> {
        let user = match user {
            Some(path) => Settings::read(path)?,
            // Present but not a regular file (a FIFO, a device) is an error, not "no user
            // settings": Maven would read it (and block); ignoring it would drop its mirrors.
            None => match home_dir().map(|h| h.join(".m2").join("settings.xml")) {
                Some(path) if path.exists() => Settings::read_with_fix(
                    &path,
                    "make it a regular settings.xml file, or remove it to build without user settings",
                )?,
                _ => Settings::default(),
            },
        };
        let global = match global {
            Some(path) => Settings::read_with_fix(
                path,
                "make the Maven installation's conf/settings.xml a regular file (or set \
                 STORMPACK_MAVEN_GLOBAL_SETTINGS to another file, or to nothing for none)",
            )?,
            None => Settings::default(),
        };
        Ok(user.over(global))
    }

    /// `self` (user settings) merged over `global`, as Maven merges them.
    pub fn over(mut self, global: Settings) -> Settings {
        if self.local_repository.is_none() {
            self.local_repository = global.local_repository;
        }
        self.offline |= global.offline;
        for m in global.mirrors {
            if !self.mirrors.iter().any(|u| u.id == m.id) {
                self.mirrors.push(m);
            }
        }
        if self.proxy.is_none() {
            self.proxy = global.proxy;
        }
        for server in global.servers {
            if !self.servers.iter().any(|u| u.id == server.id) {
                self.servers.push(server);
            }
        }
        self
    }
}

/// The global settings file of the Maven installation: `$MAVEN_HOME/conf/settings.xml` (or
/// `$M2_HOME`), else next to the `mvn` found on `PATH` (following symlinks, as `mvn` finds
/// its own home). `STORMPACK_MAVEN_GLOBAL_SETTINGS` names it explicitly (empty: none).
pub fn global_settings_path() -> Option<PathBuf> {
    if let Some(explicit) = std::env::var_os("STORMPACK_MAVEN_GLOBAL_SETTINGS") {
        return (!explicit.is_empty())
            .then(|| PathBuf::from(explicit))
            .filter(|p| p.exists());
    }
    let from_home = ["MAVEN_HOME", "M2_HOME"]
        .iter()
        .filter_map(std::env::var_os)
        .map(|home| PathBuf::from(home).join("conf").join("settings.xml"))
        .find(|p| p.exists());
    if from_home.is_some() {
        return from_home;
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("mvn"))
        .find(|mvn| mvn.is_file())
        .and_then(|mvn| std::fs::canonicalize(mvn).ok())
        .and_then(|mvn| Some(mvn.parent()?.parent()?.join("conf").join("settings.xml")))
        .filter(|p| p.exists())
}

/// Expands `${user.home}` and `${env.NAME}` as Maven does in settings.xml; anything else is
/// left as written.
fn interpolate(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value.trim();
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let key = &after[..end];
        let replacement = if key == "user.home" {
            home_dir().map(|h| h.display().to_string())
        } else if let Some(var) = key.strip_prefix("env.") {
            std::env::var(var).ok()
        } else {
            None
        };
        match replacement {
            Some(r) => out.push_str(&r),
            None => out.push_str(&rest[start..start + 2 + end + 1]),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The user's home directory (`$HOME`).
pub fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// Whether a repository URL points at this machine (or a file), which Maven's `external:`
/// patterns exclude.
fn is_external(repo: &RemoteRepository) -> bool {
    let url = repo.url.to_ascii_lowercase();
    if url.starts_with("file:") {
        return false;
    }
    let host = url
        .split_once("://")
        .map(|(_, rest)| rest)
        .unwrap_or(&url)
        .split(['/', '?', '#'])
        .next()
        .unwrap_or("");
    let host = host.rsplit_once('@').map(|(_, h)| h).unwrap_or(host);
    let host = if host.starts_with('[') {
        host.split(']').next().map(|h| &h[1..]).unwrap_or(host)
    } else {
        host.split(':').next().unwrap_or(host)
    };
    !matches!(host, "localhost" | "127.0.0.1" | "::1")
}

/// Whether one `mirrorOf` pattern matches `repo`, with Maven's rules: exact ids, `*`,
/// `external:*`, `external:http:*`, comma-separated lists, and `!id` exclusions (which win).
pub fn mirror_of_matches(pattern: &str, repo: &RemoteRepository) -> bool {
    let mut matched = false;
    for part in pattern.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if let Some(excluded) = part.strip_prefix('!') {
            if excluded == repo.id {
                return false;
            }
        } else if part == "*" || part == repo.id {
            matched = true;
        } else if part == "external:*" {
            matched |= is_external(repo);
        } else if part == "external:http:*" {
            matched |= is_external(repo) && repo.url.to_ascii_lowercase().starts_with("http:");
        }
    }
    matched
}

/// The mirror serving `repo`: one whose `mirrorOf` is exactly the repository's id first, else
/// the first whose pattern matches (Maven's `DefaultMirrorSelector` order).
pub fn select_mirror<'m>(mirrors: &'m [Mirror], repo: &RemoteRepository) -> Option<&'m Mirror> {
    mirrors.iter().find(|m| m.mirror_of == repo.id).or_else(|| {
        mirrors
            .iter()
            .find(|m| mirror_of_matches(&m.mirror_of, repo))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(id: &str, url: &str) -> RemoteRepository {
        RemoteRepository::new(id, url)
    }

    fn mirror(id: &str, of: &str) -> Mirror {
        Mirror {
            id: id.to_string(),
            url: format!("https://{id}.example/maven"),
            mirror_of: of.to_string(),
            blocked: false,
        }
    }

    #[test]
    fn parses_local_repository_offline_and_mirrors() {
        let xml = r#"<?xml version="1.0"?>
<settings xmlns="http://maven.apache.org/SETTINGS/1.0.0">
  <localRepository>/data/m2 &amp; more</localRepository>
  <offline>true</offline>
  <mirrors>
    <mirror>
      <id>corp</id>
      <mirrorOf>*,!snapshots</mirrorOf>
      <url>https://nexus.corp/repository/maven/</url>
    </mirror>
  </mirrors>
</settings>"#;
        let s = Settings::parse(xml, Path::new("settings.xml")).unwrap();
        assert_eq!(s.local_repository, Some(PathBuf::from("/data/m2 & more")));
        assert!(s.offline);
        assert_eq!(
            s.mirrors,
            vec![Mirror {
                id: "corp".into(),
                url: "https://nexus.corp/repository/maven".into(),
                mirror_of: "*,!snapshots".into(),
                blocked: false,
            }]
        );
    }

    #[test]
    fn servers_give_basic_auth_and_hide_passwords() {
        std::env::set_var("STORMPACK_SETTINGS_TEST_TOKEN", "s3cret");
        let xml = "<settings><servers>\
            <server><id>nexus</id><username>ci</username><password>${env.STORMPACK_SETTINGS_TEST_TOKEN}</password></server>\
            <server><id>deploy-ssh</id><privateKey>/k</privateKey></server>\
            </servers></settings>";
        let s = Settings::parse(xml, Path::new("s.xml")).unwrap();
        assert_eq!(s.servers.len(), 1);
        assert_eq!(s.servers[0].password, "s3cret");
        assert_eq!(s.servers[0].basic_auth(), "Basic Y2k6czNjcmV0");
        assert!(!format!("{:?}", s.servers[0]).contains("s3cret"));
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"user:pass"), "dXNlcjpwYXNz");
        let encrypted = Server {
            id: "x".into(),
            username: "u".into(),
            password: "{COQLCE6DU6GtcS5P=}".into(),
        };
        assert!(encrypted.password_is_encrypted());
    }

    #[test]
    fn first_active_proxy_is_read() {
        let xml = "<settings><proxies>\
            <proxy><id>off</id><active>false</active><host>unused</host></proxy>\
            <proxy><id>corp</id><host>proxy.corp</host><port>3128</port><username>me</username>\
            <password>p@ss</password><nonProxyHosts>localhost|*.corp.example</nonProxyHosts></proxy>\
            </proxies></settings>";
        let s = Settings::parse(xml, Path::new("s.xml")).unwrap();
        let p = s.proxy.unwrap();
        assert_eq!(p.id, "corp");
        assert_eq!(p.url(), "http://me:p%40ss@proxy.corp:3128");
        assert!(p.bypasses("localhost"));
        assert!(p.bypasses("nexus.corp.example"));
        assert!(!p.bypasses("repo.maven.apache.org"));
        assert!(!format!("{p:?}").contains("p@ss"));
        let err = Settings::parse(
            "<settings><proxies><proxy><host>h</host><port>x</port></proxy></proxies></settings>",
            Path::new("s.xml"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("not a port number"), "{err}");
        assert!(wildcard_match("*", "anything"));
        assert!(wildcard_match("a*c*e", "abcde"));
        assert!(!wildcard_match("a*c", "abd"));
    }

    #[test]
    fn expands_user_home_and_env() {
        std::env::set_var("STORMPACK_SETTINGS_TEST_DIR", "/opt/x");
        assert_eq!(
            interpolate("${env.STORMPACK_SETTINGS_TEST_DIR}/repo"),
            "/opt/x/repo"
        );
        assert_eq!(interpolate("${unknown.key}/a"), "${unknown.key}/a");
        let home = home_dir().unwrap();
        assert_eq!(
            interpolate("${user.home}/.m2/r"),
            format!("{}/.m2/r", home.display())
        );
    }

    #[test]
    fn malformed_settings_name_line_and_column() {
        let err = Settings::parse(
            "<settings>\n  <offline>true</offlin>\n</settings>",
            Path::new("/x/settings.xml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("/x/settings.xml:2:"), "{err}");
        let err = Settings::parse("<project/>", Path::new("s.xml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("not <settings>"), "{err}");
    }

    #[test]
    fn user_settings_override_global_settings() {
        let dir = tempfile::tempdir().unwrap();
        let user = dir.path().join("user.xml");
        let global = dir.path().join("global.xml");
        std::fs::write(
            &user,
            "<settings><mirrors><mirror><id>corp</id><mirrorOf>central</mirrorOf>\
             <url>https://corp.example/m2</url></mirror></mirrors></settings>",
        )
        .unwrap();
        std::fs::write(
            &global,
            "<settings><localRepository>/global/repo</localRepository><offline>true</offline>\
             <mirrors><mirror><id>corp</id><mirrorOf>*</mirrorOf><url>https://ignored</url></mirror>\
             <mirror><id>legacy</id><mirrorOf>old</mirrorOf><url>https://legacy.example</url></mirror>\
             </mirrors></settings>",
        )
        .unwrap();
        let s = Settings::load_files(Some(&user), Some(&global)).unwrap();
        assert_eq!(s.local_repository, Some(PathBuf::from("/global/repo")));
        assert!(s.offline);
        let ids: Vec<(&str, &str)> = s
            .mirrors
            .iter()
            .map(|m| (m.id.as_str(), m.url.as_str()))
            .collect();
        assert_eq!(
            ids,
            vec![
                ("corp", "https://corp.example/m2"),
                ("legacy", "https://legacy.example")
            ]
        );
    }

    #[test]
    fn mirror_patterns_follow_maven() {
        let central = repo("central", "https://repo.maven.apache.org/maven2");
        let local_http = repo("mine", "http://localhost:8081/repo");
        let file = repo("files", "file:///tmp/repo");
        let ext_http = repo("old", "http://repo.example.org/maven");
        assert!(mirror_of_matches("*", &file));
        assert!(mirror_of_matches("central", &central));
        assert!(!mirror_of_matches("central", &file));
        assert!(mirror_of_matches("external:*", &central));
        assert!(!mirror_of_matches("external:*", &local_http));
        assert!(!mirror_of_matches("external:*", &file));
        assert!(mirror_of_matches("external:http:*", &ext_http));
        assert!(!mirror_of_matches("external:http:*", &central));
        assert!(!mirror_of_matches("external:http:*", &local_http));
        assert!(mirror_of_matches("a,central", &central));
        assert!(!mirror_of_matches("*,!central", &central));
        assert!(mirror_of_matches("*,!central", &file));
    }

    #[test]
    fn exact_mirror_id_wins_over_earlier_wildcard() {
        let mirrors = vec![mirror("all", "*"), mirror("only-central", "central")];
        let central = repo("central", "https://repo.maven.apache.org/maven2");
        let other = repo("other", "https://other.example/maven");
        assert_eq!(
            select_mirror(&mirrors, &central).unwrap().id,
            "only-central"
        );
        assert_eq!(select_mirror(&mirrors, &other).unwrap().id, "all");
        assert!(select_mirror(&[mirror("x", "*,!other")], &other).is_none());
    }
}
