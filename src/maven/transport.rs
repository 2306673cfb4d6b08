//! How bytes are fetched: the HTTP agents (timeouts, the OS trust store, settings.xml's
//! proxy), `file://` and `http(s)://` URLs opened for reading with their failures classified
//! (not found, transient, connection-level), the progress line, and the file helpers the
//! repository uses (digests, temp files created like any other file).

use std::collections::HashMap;
use std::fmt;
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::settings::ProxySettings;
use crate::report::{notify, Download, Event};

/// Connecting (TCP and TLS) gives up after this.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Each read (and waiting for response headers) gives up after this.
const READ_TIMEOUT: Duration = Duration::from_secs(60);
/// Downloads larger than this get a progress line.
const PROGRESS_THRESHOLD: u64 = 1024 * 1024;

/// State shared by the clones of one `RepositorySystem`: the HTTP agent (connection pool) and
/// the repositories found unreachable in this run (not asked again).
pub(super) struct Session {
    agent: ureq::Agent,
    /// settings.xml's active proxy: its agent, and the settings deciding which hosts bypass it.
    proxied: Option<(ureq::Agent, ProxySettings)>,
    pub(super) unreachable: Mutex<HashMap<String, String>>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("proxy", &self.proxied.as_ref().map(|(_, p)| p))
            .finish_non_exhaustive()
    }
}

impl Session {
    pub(super) fn new() -> Self {
        Session {
            agent: Session::agent(None),
            proxied: None,
            unreachable: Mutex::new(HashMap::new()),
        }
    }

    pub(super) fn with_proxy(proxy: Option<ProxySettings>) -> anyhow::Result<Self> {
        let proxied = match proxy {
            None => None,
            Some(settings) => {
                let proxy = ureq::Proxy::new(&settings.url()).map_err(|e| {
                    anyhow::anyhow!(
                        "settings.xml <proxy> `{}` ({}:{}) is not usable: {e}",
                        settings.id,
                        settings.host,
                        settings.port
                    )
                })?;
                Some((Session::agent(Some(proxy)), settings))
            }
        };
        Ok(Session {
            proxied,
            ..Session::new()
        })
    }

    fn agent(proxy: Option<ureq::Proxy>) -> ureq::Agent {
        let mut config = ureq::Agent::config_builder()
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_per_read(Some(READ_TIMEOUT))
            .timeout_recv_response(Some(READ_TIMEOUT))
            .http_status_as_error(false)
            // The operating system's trust store (as curl and the JDK use it): corporate
            // TLS-inspecting proxies install their CA there, not in Mozilla's bundle.
            .tls_config(
                ureq::tls::TlsConfig::builder()
                    .root_certs(ureq::tls::RootCerts::PlatformVerifier)
                    .build(),
            )
            .user_agent(concat!("stormpack/", env!("CARGO_PKG_VERSION")));
        if proxy.is_some() {
            config = config.proxy(proxy);
        }
        config.build().into()
    }

    /// The agent for `url`: through settings.xml's proxy unless its host is a non-proxy host
    /// (the default agent follows HTTPS_PROXY/HTTP_PROXY/NO_PROXY from the environment).
    fn agent_for(&self, url: &str) -> &ureq::Agent {
        match &self.proxied {
            Some((agent, settings)) if !settings.bypasses(url_host(url)) => agent,
            _ => &self.agent,
        }
    }

    /// Opens `url` (`file://` or `http(s)://`) for reading.
    pub(super) fn open(&self, url: &str, auth: Option<&str>) -> Result<Opened, TransferError> {
        if let Some(path) = file_url_path(url) {
            if !path.is_file() {
                return Ok(Opened::NotFound("no such file".to_string()));
            }
            return match fs_err::File::open(&path) {
                Ok(file) => {
                    let length = file.metadata().ok().map(|m| m.len());
                    Ok(Opened::Body {
                        reader: Box::new(file.into_parts().0),
                        length,
                    })
                }
                Err(e) => Err(TransferError {
                    transient: false,
                    connection: false,
                    message: e.to_string(),
                }),
            };
        }
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(TransferError {
                transient: false,
                connection: true,
                message: format!(
                    "unsupported repository URL scheme in {url} (stormpack speaks https://, http:// and file://)"
                ),
            });
        }
        let mut request = self.agent_for(url).get(url);
        if let Some(auth) = auth {
            request = request.header("Authorization", auth);
        }
        let response = request.call().map_err(|e| describe_ureq(&e))?;
        let status = response.status().as_u16();
        match status {
            200..=299 => {
                let body = response.into_body();
                let length = body.content_length();
                Ok(Opened::Body {
                    reader: Box::new(body.into_reader()),
                    length,
                })
            }
            404 | 410 => {
                // Drain the (small) error page so the connection goes back to the pool.
                let mut body = response.into_body();
                let _ = io::copy(&mut body.as_reader().take(64 * 1024), &mut io::sink());
                Ok(Opened::NotFound(format!("HTTP {status}")))
            }
            401 | 403 => Err(TransferError {
                transient: false,
                connection: false,
                message: if auth.is_some() {
                    format!(
                        "access denied (HTTP {status}) with the credentials of settings.xml's <server> for this repository; \
                         check its <username> and <password>"
                    )
                } else {
                    format!(
                        "access denied (HTTP {status}); the repository wants credentials: add a <server> with this \
                         repository's id, <username> and <password> to settings.xml"
                    )
                },
            }),
            408 | 429 | 500..=599 => Err(TransferError {
                transient: true,
                connection: false,
                message: format!("the server answered HTTP {status}"),
            }),
            _ => Err(TransferError {
                transient: false,
                connection: false,
                message: format!("unexpected HTTP {status}"),
            }),
        }
    }
}

/// The host of an `http(s)://` URL.
fn url_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if let Some(v6) = host_port.strip_prefix('[') {
        return v6.split(']').next().unwrap_or(v6);
    }
    host_port.split(':').next().unwrap_or(host_port)
}

/// A failed transfer: whether retrying may help, and what to tell the user.
pub(super) struct TransferError {
    pub(super) transient: bool,
    /// The repository could not be reached at all (connection-level): skip it from now on.
    pub(super) connection: bool,
    pub(super) message: String,
}

pub(super) enum Opened {
    Body {
        reader: Box<dyn Read + Send>,
        length: Option<u64>,
    },
    NotFound(String),
}

/// The local path of a `file:` URL (`file:///abs`, `file:/abs`, `file://localhost/abs`).
pub(super) fn file_url_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("file:")?;
    let rest = rest
        .strip_prefix("//localhost")
        .or_else(|| rest.strip_prefix("//"))
        .unwrap_or(rest);
    Some(PathBuf::from(percent_decode(rest)))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 3 <= bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(super) fn describe_io(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::TimedOut => format!("timed out ({e})"),
        io::ErrorKind::UnexpectedEof => "the connection closed early".to_string(),
        io::ErrorKind::ConnectionReset => "the connection was reset".to_string(),
        _ => e.to_string(),
    }
}

fn describe_ureq(e: &ureq::Error) -> TransferError {
    let (transient, connection, message) = match e {
        ureq::Error::Io(io) => match io.kind() {
            io::ErrorKind::ConnectionRefused => (false, true, "connection refused".to_string()),
            io::ErrorKind::TimedOut => (true, true, format!("timed out ({io})")),
            io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted => {
                (true, false, describe_io(io))
            }
            io::ErrorKind::UnexpectedEof | io::ErrorKind::BrokenPipe => {
                (true, false, describe_io(io))
            }
            // Name resolution and routing failures are often momentary: retried, and only
            // then is the repository given up on for the run.
            _ => (true, true, io.to_string()),
        },
        ureq::Error::Timeout(t) => (
            true,
            true,
            format!(
                "timed out ({t}; limits: connect {}s, read {}s)",
                CONNECT_TIMEOUT.as_secs(),
                READ_TIMEOUT.as_secs()
            ),
        ),
        ureq::Error::HostNotFound => (true, true, "host not found (DNS lookup failed)".to_string()),
        ureq::Error::ConnectionFailed => (true, true, "connection failed".to_string()),
        ureq::Error::Tls(m) => (false, true, format!("TLS error: {m}")),
        ureq::Error::Protocol(p) => (true, false, format!("HTTP protocol error: {p}")),
        other => (false, false, other.to_string()),
    };
    TransferError {
        transient,
        connection,
        message,
    }
}

/// The digest a checksum file holds: the first whitespace-separated hex token of the right
/// length (plain `hex`, `hex  filename`, or BSD `SHA1 (file) = hex`).
pub(super) fn parse_checksum(text: &str, hex_len: usize) -> Option<String> {
    text.split(|c: char| c.is_whitespace() || c == '=')
        .find(|t| t.len() == hex_len && t.chars().all(|c| c.is_ascii_hexdigit()))
        .map(str::to_ascii_lowercase)
}

/// The progress of a download over 1 MiB, reported as [`Download`] events (the binary shows a
/// line, redrawn in place on a terminal).
pub(super) struct Progress {
    id: u64,
    label: String,
    total: Option<u64>,
    shown: bool,
    finished: bool,
    last_report: Instant,
    received: u64,
}

impl Progress {
    pub(super) fn new(url: &str, total: Option<u64>) -> Self {
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        Progress {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            label: url.rsplit('/').next().unwrap_or(url).to_string(),
            total,
            shown: false,
            finished: false,
            last_report: Instant::now(),
            received: 0,
        }
    }

    pub(super) fn update(&mut self, received: u64) {
        self.received = received;
        if !self.shown {
            if self.total.unwrap_or(received) <= PROGRESS_THRESHOLD {
                return;
            }
            self.shown = true;
            self.last_report = Instant::now();
            notify(Event::Download(Download::Started {
                id: self.id,
                label: self.label.clone(),
                total: self.total,
            }));
        } else if self.last_report.elapsed() >= Duration::from_millis(200) {
            self.last_report = Instant::now();
            notify(Event::Download(Download::Received {
                id: self.id,
                label: self.label.clone(),
                received,
                total: self.total,
            }));
        }
    }

    /// Ends the line (`done` after a complete download).
    pub(super) fn finish(&mut self, done: bool) {
        if self.shown && !self.finished {
            self.finished = true;
            notify(Event::Download(Download::Finished {
                id: self.id,
                label: self.label.clone(),
                received: self.received,
                total: self.total,
                done,
            }));
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish(false);
    }
}

/// A temp-file builder for files that end up shared (the local repository, the lockfile):
/// created with mode 0666 less the umask, as Maven's and every other tool's files are, not
/// tempfile's private 0600.
pub(crate) fn shared_temp_file<'a>(prefix: &'a str, suffix: &'a str) -> tempfile::Builder<'a, 'a> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix).suffix(suffix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Reporter;
    use std::sync::{Arc, Mutex};

    struct Shared(Arc<Mutex<Vec<Event>>>);

    impl Reporter for Shared {
        fn report(&mut self, event: Event) {
            if let Ok(mut events) = self.0.lock() {
                events.push(event);
            }
        }
    }

    /// Progress goes to the installed notices reporter, not to stderr: a start, updates at most
    /// every 200 ms, one end; small downloads report nothing.
    #[test]
    fn download_progress_is_reported_through_notices() {
        let events = Arc::new(Mutex::new(Vec::new()));
        crate::report::set_notices(Box::new(Shared(Arc::clone(&events))));
        let mut small = Progress::new("https://repo/x/small-progress-test.jar", Some(1000));
        small.update(1000);
        small.finish(true);
        let mut big = Progress::new("https://repo/x/big-progress-test.jar", Some(5 << 20));
        big.update(1 << 20);
        big.update(2 << 20);
        big.finish(true);
        drop(big);
        let mine: Vec<String> = events
            .lock()
            .unwrap()
            .iter()
            .filter_map(|e| match e {
                Event::Download(d) => Some(format!("{d:?}")),
                _ => None,
            })
            .filter(|d| d.contains("progress-test"))
            .collect();
        assert_eq!(mine.len(), 2, "{mine:?}");
        assert!(mine[0].starts_with("Started") && mine[0].contains("big-progress-test.jar"));
        assert!(mine[1].contains("Finished") && mine[1].contains("done: true"));
        assert!(mine[1].contains(&format!("received: {}", 2 << 20)));
    }
}
