//! The repository client against real repositories: `file://` repositories built in temp dirs,
//! a tiny local HTTP server that misbehaves on purpose (truncated bodies, 5xx), a closed port,
//! settings.xml mirrors, offline mode, and one download from Maven Central.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use sha1::{Digest, Sha1};
use stormpack::maven::repository::{RemoteRepository, RepositoryError, RepositorySystem};
use stormpack::maven::Artifact;

fn sha1_hex(bytes: &[u8]) -> String {
    hex::encode(Sha1::digest(bytes))
}

/// Writes `artifact` into a Maven-layout directory with the given content and `.sha1` text.
fn publish(repo: &Path, artifact: &Artifact, content: &[u8], sha1: Option<&str>) -> PathBuf {
    let path = repo.join(artifact.repository_path());
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, content).unwrap();
    if let Some(sha1) = sha1 {
        std::fs::write(format!("{}.sha1", path.display()), sha1).unwrap();
    }
    path
}

fn system(local: &Path, remotes: Vec<RemoteRepository>) -> RepositorySystem {
    RepositorySystem::new(local.to_path_buf(), remotes, false)
}

/// Every file below `dir` (relative paths), to prove nothing was cached.
/// The files below `dir`, but not stormpack's own caches (`.stormpack/`: the JDK's properties,
/// digests, resolutions), which are not repository content.
fn files_below(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if dir.exists() {
        for e in walkdir::WalkDir::new(dir)
            .into_iter()
            .filter_entry(|e| e.depth() != 1 || e.file_name() != ".stormpack")
        {
            let e = e.unwrap();
            if e.file_type().is_file() {
                out.push(e.path().strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

fn repo_error(e: &anyhow::Error) -> &RepositoryError {
    e.downcast_ref::<RepositoryError>()
        .unwrap_or_else(|| panic!("not a RepositoryError: {e:#}"))
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    port
}

type Response = (String, Vec<(String, String)>, Vec<u8>);

/// A one-thread HTTP server answering each request with `respond(path, authorization)`:
/// `(status line, headers, body)`, the body written as given (so it may be shorter than the
/// Content-Length it announces). One request per connection.
fn serve<F>(respond: F) -> String
where
    F: Fn(&str, Option<&str>) -> Response + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            handle(stream, &respond);
        }
    });
    url
}

fn handle<F>(mut stream: TcpStream, respond: &F)
where
    F: Fn(&str, Option<&str>) -> Response,
{
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
        return;
    }
    let mut authorization = None;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("authorization") {
                authorization = Some(value.trim().to_string());
            }
        }
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    let (status, headers, body) = respond(path, authorization.as_deref());
    let mut out = format!("HTTP/1.1 {status}\r\n");
    for (k, v) in &headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    if !headers.iter().any(|(k, _)| k == "Content-Length") {
        out.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    out.push_str("Connection: close\r\n\r\n");
    let _ = stream.write_all(out.as_bytes());
    let _ = stream.write_all(&body);
    let _ = stream.flush();
    let _ = stream.shutdown(std::net::Shutdown::Both);
    let mut rest = Vec::new();
    let _ = reader.read_to_end(&mut rest);
}

/// An HTTP proxy that accepts `CONNECT host:port` (ureq tunnels every request) and then
/// answers the tunnelled request itself with `respond(path, authorization)`; each CONNECT
/// target is pushed onto the returned log.
fn serve_proxy<F>(respond: F) -> (u16, Arc<std::sync::Mutex<Vec<String>>>)
where
    F: Fn(&str, Option<&str>) -> Response + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let log = Arc::new(std::sync::Mutex::new(Vec::new()));
    let targets = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                continue;
            }
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                    break;
                }
            }
            let mut parts = line.split_whitespace();
            if parts.next() != Some("CONNECT") {
                let _ = stream
                    .write_all(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n");
                continue;
            }
            targets
                .lock()
                .unwrap()
                .push(parts.next().unwrap_or("").to_string());
            let _ = stream.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
            handle(stream, &respond);
        }
    });
    (port, log)
}

fn ok(body: Vec<u8>) -> Response {
    ("200 OK".into(), vec![], body)
}

fn not_found() -> Response {
    ("404 Not Found".into(), vec![], b"missing".to_vec())
}

#[test]
fn good_artifact_is_downloaded_verified_and_reused() {
    let dir = tempfile::tempdir().unwrap();
    let remote = dir.path().join("remote");
    let local = dir.path().join("local");
    let a = Artifact::new("org.example", "good", "1.0");
    let content = b"PK fake jar bytes".to_vec();
    publish(&remote, &a, &content, Some(&sha1_hex(&content)));
    let repos = system(&local, vec![RemoteRepository::file("test", &remote)]);

    let path = repos.fetch(&a, &[]).unwrap();
    assert_eq!(path, local.join("org/example/good/1.0/good-1.0.jar"));
    assert_eq!(std::fs::read(&path).unwrap(), content);
    // No temp files are left beside it; no _remote.repositories marker is written.
    assert_eq!(
        files_below(&local),
        vec!["org/example/good/1.0/good-1.0.jar".to_string()]
    );

    // Readable by others sharing the cache (0666 less the umask, like any file written with
    // std::fs::write), not tempfile's private 0600.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let reference = dir.path().join("reference");
        std::fs::write(&reference, b"").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), mode(&reference));
    }

    // Present locally: used as is, even with the remote gone.
    std::fs::remove_dir_all(&remote).unwrap();
    assert_eq!(repos.fetch(&a, &[]).unwrap(), path);
}

#[test]
fn checksum_in_sha1sum_format_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let remote = dir.path().join("remote");
    let a = Artifact::new("org.example", "fmt", "1.0");
    let content = b"bytes".to_vec();
    publish(
        &remote,
        &a,
        &content,
        Some(&format!(
            "{}  fmt-1.0.jar\n",
            sha1_hex(&content).to_uppercase()
        )),
    );
    let repos = system(
        &dir.path().join("local"),
        vec![RemoteRepository::file("test", &remote)],
    );
    repos.fetch(&a, &[]).unwrap();
}

#[test]
fn checksum_mismatch_is_an_error_and_caches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let remote = dir.path().join("remote");
    let local = dir.path().join("local");
    let a = Artifact::new("org.example", "corrupt", "1.0");
    publish(
        &remote,
        &a,
        b"tampered bytes",
        Some(&sha1_hex(b"original bytes")),
    );
    let repos = system(&local, vec![RemoteRepository::file("test", &remote)]);
    let err = repos.fetch(&a, &[]).unwrap_err();
    eprintln!("{err}");
    let msg = err.to_string();
    assert!(matches!(
        repo_error(&err),
        RepositoryError::ChecksumMismatch { .. }
    ));
    assert!(msg.contains("corrupt-1.0.jar"), "{msg}");
    assert!(msg.contains(&sha1_hex(b"original bytes")), "{msg}");
    assert!(msg.contains(&sha1_hex(b"tampered bytes")), "{msg}");
    assert!(msg.contains("nothing was stored"), "{msg}");
    assert_eq!(files_below(&local), Vec::<String>::new());
}

#[test]
fn sha256_and_sha512_are_checked_when_published() {
    let dir = tempfile::tempdir().unwrap();
    let remote = dir.path().join("remote");
    let local = dir.path().join("local");
    let a = Artifact::new("org.example", "strong", "1.0");
    let content = b"content".to_vec();
    let path = publish(&remote, &a, &content, Some(&sha1_hex(&content)));
    // A correct sha1 but a wrong sha256: still rejected.
    std::fs::write(
        format!("{}.sha256", path.display()),
        hex::encode(sha2::Sha256::digest(b"something else")),
    )
    .unwrap();
    let repos = system(&local, vec![RemoteRepository::file("test", &remote)]);
    let err = repos.fetch(&a, &[]).unwrap_err();
    assert!(err.to_string().contains("SHA-256"), "{err}");
    assert_eq!(files_below(&local), Vec::<String>::new());

    std::fs::write(
        format!("{}.sha256", path.display()),
        hex::encode(sha2::Sha256::digest(&content)),
    )
    .unwrap();
    std::fs::write(
        format!("{}.sha512", path.display()),
        hex::encode(sha2::Sha512::digest(&content)),
    )
    .unwrap();
    repos.fetch(&a, &[]).unwrap();
}

#[test]
fn unknown_artifact_names_every_repository_tried() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first");
    let second = dir.path().join("second");
    std::fs::create_dir_all(&first).unwrap();
    std::fs::create_dir_all(&second).unwrap();
    let local = dir.path().join("local");
    let repos = system(&local, vec![RemoteRepository::file("system-repo", &second)]);
    let a = Artifact::new("org.example", "missing", "9.9");
    let err = repos
        .fetch(&a, &[RemoteRepository::file("pom-repo", &first)])
        .unwrap_err();
    eprintln!("{err}");
    let msg = err.to_string();
    assert!(matches!(repo_error(&err), RepositoryError::NotFound { .. }));
    assert!(msg.starts_with("org.example:missing:jar:9.9 was not found in any repository"));
    // pom-declared repositories first, then the system ones.
    let p = msg.find("pom-repo").unwrap();
    let s = msg.find("system-repo").unwrap();
    assert!(p < s, "{msg}");
    assert!(msg.contains(&format!(
        "file://{}/org/example/missing/9.9/missing-9.9.jar",
        second.display()
    )));
    assert_eq!(files_below(&local), Vec::<String>::new());
    assert!(
        !local.join("org/example/missing").exists(),
        "no empty directories"
    );
    assert_eq!(repos.fetch_optional(&a, &[]).unwrap(), None);
}

#[test]
fn second_repository_serves_what_the_first_lacks() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let full = dir.path().join("full");
    let a = Artifact::new("org.example", "later", "1.0");
    publish(&full, &a, b"x", Some(&sha1_hex(b"x")));
    let repos = system(
        &dir.path().join("local"),
        vec![RemoteRepository::file("full", &full)],
    );
    let path = repos
        .fetch(&a, &[RemoteRepository::file("empty", &empty)])
        .unwrap();
    assert_eq!(std::fs::read(path).unwrap(), b"x");
}

#[test]
fn unreachable_repository_is_named_with_the_network_error_and_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("local");
    let dead = RemoteRepository::new(
        "dead",
        &format!("http://127.0.0.1:{}/maven2", closed_port()),
    );
    let repos = system(&local, vec![dead]);
    let a = Artifact::new("org.example", "far", "1.0");
    let err = repos.fetch(&a, &[]).unwrap_err();
    eprintln!("{err}");
    let msg = err.to_string();
    assert!(matches!(
        repo_error(&err),
        RepositoryError::Unreachable { .. }
    ));
    assert!(msg.contains("dead (http://127.0.0.1:"), "{msg}");
    assert!(msg.contains("connection refused"), "{msg}");
    assert!(msg.contains("--offline"), "{msg}");
    assert_eq!(files_below(&local), Vec::<String>::new());

    // The dead repository is not asked again in the same run.
    let err = repos
        .fetch(&Artifact::new("org.example", "other", "1.0"), &[])
        .unwrap_err();
    assert!(
        err.to_string().contains("unreachable earlier in this run"),
        "{err}"
    );
}

#[test]
fn truncated_download_is_retried_then_reported_and_caches_nothing() {
    let jar_requests = Arc::new(AtomicUsize::new(0));
    let counter = jar_requests.clone();
    let url = serve(move |path, _| {
        if path.ends_with(".jar") {
            counter.fetch_add(1, Ordering::SeqCst);
            (
                "200 OK".into(),
                vec![("Content-Length".into(), "1000".into())],
                vec![b'x'; 400],
            )
        } else {
            not_found()
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("local");
    let repos = system(&local, vec![RemoteRepository::new("flaky", &url)]);
    let err = repos
        .fetch(&Artifact::new("org.example", "cut", "1.0"), &[])
        .unwrap_err();
    eprintln!("{err}");
    let msg = err.to_string();
    assert!(msg.contains("flaky ("), "{msg}");
    assert!(
        msg.contains("download truncated: received 400 of 1000 bytes"),
        "{msg}"
    );
    assert_eq!(jar_requests.load(Ordering::SeqCst), 3, "three attempts");
    assert_eq!(files_below(&local), Vec::<String>::new());
}

#[test]
fn server_errors_are_retried_and_a_later_success_is_kept() {
    let content = b"served on the third try".to_vec();
    let sha1 = sha1_hex(&content);
    let body = content.clone();
    let jar_requests = Arc::new(AtomicUsize::new(0));
    let counter = jar_requests.clone();
    let url = serve(move |path, _| {
        if path.ends_with(".jar") {
            if counter.fetch_add(1, Ordering::SeqCst) < 2 {
                ("503 Service Unavailable".into(), vec![], b"busy".to_vec())
            } else {
                ok(body.clone())
            }
        } else if path.ends_with(".jar.sha1") {
            ok(sha1.clone().into_bytes())
        } else {
            not_found()
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let repos = system(
        &dir.path().join("local"),
        vec![RemoteRepository::new("busy", &url)],
    );
    let path = repos
        .fetch(&Artifact::new("org.example", "retry", "1.0"), &[])
        .unwrap();
    assert_eq!(std::fs::read(path).unwrap(), content);
    assert_eq!(jar_requests.load(Ordering::SeqCst), 3);
}

#[test]
fn http_checksum_mismatch_names_the_url() {
    let url = serve(|path, _| {
        if path.ends_with(".jar") {
            ok(b"evil".to_vec())
        } else if path.ends_with(".jar.sha1") {
            ok(b"0000000000000000000000000000000000000000".to_vec())
        } else {
            not_found()
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("local");
    let repos = system(&local, vec![RemoteRepository::new("mitm", &url)]);
    let err = repos
        .fetch(&Artifact::new("org.example", "evil", "1.0"), &[])
        .unwrap_err();
    eprintln!("{err}");
    assert!(
        err.to_string().contains(&format!(
            "checksum mismatch for {url}/org/example/evil/1.0/evil-1.0.jar"
        )),
        "{err}"
    );
    assert_eq!(files_below(&local), Vec::<String>::new());
}

#[test]
fn offline_mode_names_the_missing_artifact_and_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let remote = dir.path().join("remote");
    let local = dir.path().join("local");
    let a = Artifact::new("org.example", "there", "1.0");
    publish(&remote, &a, b"x", Some(&sha1_hex(b"x")));
    let mut repos = system(&local, vec![RemoteRepository::file("test", &remote)]);
    repos.offline = true;
    let err = repos.fetch(&a, &[]).unwrap_err();
    eprintln!("{err}");
    let msg = err.to_string();
    assert!(matches!(repo_error(&err), RepositoryError::Offline { .. }));
    assert!(msg.contains("org.example:there:jar:1.0"), "{msg}");
    assert!(
        msg.contains(&local.join(a.repository_path()).display().to_string()),
        "{msg}"
    );
    assert!(msg.contains("without --offline"), "{msg}");

    // Online once, then offline works from the local repository.
    repos.offline = false;
    repos.fetch(&a, &[]).unwrap();
    repos.offline = true;
    repos.fetch(&a, &[]).unwrap();
}

#[test]
fn settings_mirror_replaces_central() {
    let dir = tempfile::tempdir().unwrap();
    let mirror = dir.path().join("mirror");
    let a = Artifact::new("org.example", "mirrored", "1.0");
    publish(&mirror, &a, b"m", Some(&sha1_hex(b"m")));
    let settings = dir.path().join("settings.xml");
    std::fs::write(
        &settings,
        format!(
            r#"<settings>
  <localRepository>{}</localRepository>
  <mirrors>
    <mirror>
      <id>corp</id>
      <mirrorOf>external:*,!skipme</mirrorOf>
      <url>file://{}</url>
    </mirror>
  </mirrors>
</settings>"#,
            dir.path().join("from-settings").display(),
            mirror.display()
        ),
    )
    .unwrap();
    let repos = RepositorySystem::from_environment(None, Some(&settings), false).unwrap();
    assert_eq!(repos.local, dir.path().join("from-settings"));
    let effective = repos.repositories(&[RemoteRepository::new(
        "skipme",
        "https://skip.example/maven",
    )]);
    assert_eq!(effective[0].repo.id, "skipme");
    assert_eq!(effective[1].repo.id, "corp");
    assert_eq!(effective[1].mirror_of, vec!["central".to_string()]);
    // Central is never contacted: the mirror (a file:// directory) serves it.
    let path = repos.fetch(&a, &[]).unwrap();
    assert!(path.starts_with(dir.path().join("from-settings")));

    // An explicit local repository wins over settings.
    let explicit = dir.path().join("explicit");
    let repos = RepositorySystem::from_environment(Some(&explicit), Some(&settings), true).unwrap();
    assert_eq!(repos.local, explicit);
    assert!(repos.offline);
}

#[test]
fn missing_settings_file_is_a_clear_error() {
    let err =
        RepositorySystem::from_environment(None, Some(Path::new("/nonexistent/s.xml")), false)
            .unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.contains("/nonexistent/s.xml"), "{msg}");
    assert!(msg.contains("--settings"), "{msg}");
}

#[test]
fn plain_http_repositories_on_other_hosts_are_blocked_as_maven_does() {
    let dir = tempfile::tempdir().unwrap();
    let repos = system(&dir.path().join("local"), vec![]);
    let err = repos
        .fetch(
            &Artifact::new("org.example", "insecure", "1.0"),
            &[RemoteRepository::new(
                "old",
                "http://repo.example.invalid/maven",
            )],
        )
        .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("maven-default-http-blocker"), "{msg}");
    assert!(msg.contains("blocked"), "{msg}");
}

#[test]
fn metadata_versions_are_merged_and_cached_per_repository() {
    let dir = tempfile::tempdir().unwrap();
    let one = dir.path().join("one");
    let two = dir.path().join("two");
    let local = dir.path().join("local");
    let write_md = |root: &Path, versions: &[&str]| {
        let d = root.join("org/example/ranged");
        std::fs::create_dir_all(&d).unwrap();
        let list: String = versions
            .iter()
            .map(|v| format!("<version>{v}</version>"))
            .collect();
        let xml = format!(
            "<metadata><groupId>org.example</groupId><artifactId>ranged</artifactId>\
             <versioning><versions>{list}</versions></versioning></metadata>"
        );
        std::fs::write(d.join("maven-metadata.xml"), &xml).unwrap();
        std::fs::write(d.join("maven-metadata.xml.sha1"), sha1_hex(xml.as_bytes())).unwrap();
    };
    write_md(&one, &["1.0", "1.1"]);
    write_md(&two, &["1.1", "2.0"]);
    let mut repos = system(&local, vec![RemoteRepository::file("two", &two)]);
    let versions = repos
        .metadata_versions(
            "org.example",
            "ranged",
            &[RemoteRepository::file("one", &one)],
        )
        .unwrap();
    assert_eq!(versions, vec!["1.0", "1.1", "2.0"]);
    assert_eq!(
        files_below(&local),
        vec![
            "org/example/ranged/maven-metadata-one.xml".to_string(),
            "org/example/ranged/maven-metadata-two.xml".to_string(),
        ]
    );
    // Offline: the cached copies answer.
    repos.offline = true;
    std::fs::remove_dir_all(&one).unwrap();
    let versions = repos
        .metadata_versions(
            "org.example",
            "ranged",
            &[RemoteRepository::file("one", &one)],
        )
        .unwrap();
    assert_eq!(versions, vec!["1.0", "1.1", "2.0"]);
    // Offline with nothing cached: a clear error.
    let err = repos
        .metadata_versions("org.example", "never", &[])
        .unwrap_err();
    assert!(err.to_string().contains("org.example:never"), "{err}");
}

/// Downloads a small real artifact from Maven Central into a temp local repository.
/// (The team uses Storm 2.8.4: 2.8.8 is not published on Central here.)
#[test]
fn downloads_a_real_artifact_from_maven_central() {
    let dir = tempfile::tempdir().unwrap();
    let repos = system(&dir.path().join("local"), vec![RemoteRepository::central()]);
    let a = Artifact::new("org.apache.storm", "multilang-python", "2.8.4");
    let path = repos.fetch(&a, &[]).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(sha1_hex(&bytes), "0518dbcc5212d84214177976cf461d2e13e8d9b0");
    assert!(path.ends_with("org/apache/storm/multilang-python/2.8.4/multilang-python-2.8.4.jar"));
    let versions = repos
        .metadata_versions("org.apache.storm", "multilang-python", &[])
        .unwrap();
    assert!(versions.iter().any(|v| v == "2.8.4"), "{versions:?}");
}

#[test]
fn fetch_many_downloads_in_parallel_and_keeps_request_order() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<RepositorySystem>();

    let dir = tempfile::tempdir().unwrap();
    let remote = dir.path().join("remote");
    let local = dir.path().join("local");
    let mut requests = Vec::new();
    for i in 0..20 {
        let a = Artifact::new("org.example", &format!("many{i}"), "1.0");
        let content = format!("content {i}").into_bytes();
        publish(&remote, &a, &content, Some(&sha1_hex(&content)));
        requests.push((a, vec![]));
    }
    let repos = system(&local, vec![RemoteRepository::file("test", &remote)]);
    let paths = repos.fetch_many(&requests).unwrap();
    for (i, path) in paths.iter().enumerate() {
        assert_eq!(
            std::fs::read(path).unwrap(),
            format!("content {i}").into_bytes()
        );
    }

    // One missing artifact: its error is reported, the others are still cached.
    let other_local = dir.path().join("local2");
    let repos = system(&other_local, vec![RemoteRepository::file("test", &remote)]);
    requests.insert(3, (Artifact::new("org.example", "absent", "1.0"), vec![]));
    let each = repos.fetch_each(&requests);
    assert_eq!(each.len(), 21);
    assert!(each[3].is_err() && each[2].is_ok() && each[4].is_ok());
    let err = repos.fetch_many(&requests).unwrap_err();
    assert!(
        err.to_string().contains("org.example:absent:jar:1.0"),
        "{err}"
    );
    assert_eq!(files_below(&other_local).len(), 20);
}

#[test]
fn unique_snapshots_resolve_to_the_newest_timestamped_build() {
    let dir = tempfile::tempdir().unwrap();
    let older = dir.path().join("older");
    let newer = dir.path().join("newer");
    let local = dir.path().join("local");
    let deploy = |root: &Path, stamp: &str, build: u32, content: &[u8]| {
        let d = root.join("org/example/snap/1.0-SNAPSHOT");
        std::fs::create_dir_all(&d).unwrap();
        let value = format!("1.0-{stamp}-{build}");
        let jar = d.join(format!("snap-{value}.jar"));
        std::fs::write(&jar, content).unwrap();
        std::fs::write(format!("{}.sha1", jar.display()), sha1_hex(content)).unwrap();
        std::fs::write(
            d.join("maven-metadata.xml"),
            format!(
                "<metadata><groupId>org.example</groupId><artifactId>snap</artifactId>\
                 <version>1.0-SNAPSHOT</version><versioning>\
                 <snapshot><timestamp>{stamp}</timestamp><buildNumber>{build}</buildNumber></snapshot>\
                 <snapshotVersions>\
                 <snapshotVersion><classifier>sources</classifier><extension>jar</extension>\
                 <value>1.0-19990101.000000-1</value></snapshotVersion>\
                 <snapshotVersion><extension>jar</extension><value>{value}</value></snapshotVersion>\
                 </snapshotVersions></versioning></metadata>"
            ),
        )
        .unwrap();
    };
    deploy(&older, "20240101.120000", 7, b"old build");
    deploy(&newer, "20250101.120000", 2, b"new build");
    let repos = system(
        &local,
        vec![
            RemoteRepository::file("older", &older),
            RemoteRepository::file("newer", &newer),
        ],
    );
    let a = Artifact::new("org.example", "snap", "1.0-SNAPSHOT");
    let path = repos.fetch(&a, &[]).unwrap();
    assert_eq!(
        path,
        local.join("org/example/snap/1.0-SNAPSHOT/snap-1.0-SNAPSHOT.jar")
    );
    assert_eq!(std::fs::read(&path).unwrap(), b"new build");
    assert_eq!(
        files_below(&local),
        vec![
            "org/example/snap/1.0-SNAPSHOT/maven-metadata-newer.xml".to_string(),
            "org/example/snap/1.0-SNAPSHOT/maven-metadata-older.xml".to_string(),
            "org/example/snap/1.0-SNAPSHOT/snap-1.0-20250101.120000-2.jar".to_string(),
            "org/example/snap/1.0-SNAPSHOT/snap-1.0-SNAPSHOT.jar".to_string(),
        ]
    );
}

#[test]
fn unverifiable_download_is_stored_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let remote = dir.path().join("remote");
    let local = dir.path().join("local");
    let a = Artifact::new("org.example", "nochecksum", "1.0");
    publish(&remote, &a, b"unsigned", None);
    let repos = system(&local, vec![RemoteRepository::file("bare", &remote)]);
    assert_eq!(
        std::fs::read(repos.fetch(&a, &[]).unwrap()).unwrap(),
        b"unsigned"
    );
}

#[test]
fn repository_order_and_mirror_merging_follow_maven() {
    use stormpack::maven::repository::aggregate_repositories;
    use stormpack::maven::settings::Mirror;

    let r = |id: &str| RemoteRepository::new(id, &format!("https://{id}.example/m2/"));
    // Descending into a dependency: the repositories in use first, then the pom's new ones.
    let merged = aggregate_repositories(&[r("a"), r("central")], &[r("b"), r("a")]);
    let ids: Vec<&str> = merged.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(ids, ["a", "central", "b"]);
    assert_eq!(merged[0].url, "https://a.example/m2", "no trailing slash");

    let dir = tempfile::tempdir().unwrap();
    let mut repos = system(dir.path(), vec![RemoteRepository::central()]);
    repos.mirrors = vec![Mirror {
        id: "internal".into(),
        url: "https://nexus.example/all".into(),
        mirror_of: "central,b".into(),
        blocked: false,
    }];
    // A pom repository with the id `central` replaces the super POM's.
    let effective = repos.repositories(&[r("b"), r("a")]);
    let shown: Vec<String> = effective.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        shown,
        [
            "internal (https://nexus.example/all, mirror of b, central)",
            "a (https://a.example/m2)",
        ]
    );
    let own_central = repos.repositories(&[r("central")]);
    assert_eq!(own_central.len(), 1);
    assert_eq!(own_central[0].mirror_of, ["central"]);
}

/// The real binary: a project whose parent pom lives only in a `file://` repository its pom
/// declares, built with `--maven-repo-local`, `--settings` and `--offline`.
#[test]
fn binary_build_fetches_through_the_repository_system() {
    let dir = tempfile::tempdir().unwrap();
    let remote = dir.path().join("remote");
    let empty_central = dir.path().join("central");
    let local = dir.path().join("local");
    let project = dir.path().join("project");
    std::fs::create_dir_all(&empty_central).unwrap();
    std::fs::create_dir_all(project.join("src/main/resources")).unwrap();
    std::fs::write(project.join("src/main/resources/hello.txt"), "hi\n").unwrap();
    let settings = dir.path().join("settings.xml");
    std::fs::write(&settings, "<settings/>").unwrap();
    let parent = Artifact::new("org.example", "parent", "1.0").pom();
    let parent_pom = b"<project><modelVersion>4.0.0</modelVersion><groupId>org.example</groupId>\
        <artifactId>parent</artifactId><version>1.0</version><packaging>pom</packaging></project>";
    publish(
        &remote,
        &parent,
        parent_pom,
        Some(&sha1_hex(b"not the pom")),
    );
    let write_pom = |parent_artifact: &str| {
        std::fs::write(
            project.join("pom.xml"),
            format!(
                "<project><modelVersion>4.0.0</modelVersion>\n\
                 <parent><groupId>org.example</groupId><artifactId>{parent_artifact}</artifactId>\
                 <version>1.0</version><relativePath/></parent>\n\
                 <artifactId>child</artifactId>\n\
                 <repositories><repository><id>testrepo</id><url>file://{}</url></repository></repositories>\n\
                 </project>\n",
                remote.display()
            ),
        )
        .unwrap();
    };
    let build = |extra: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_stormpack"))
            .arg("build")
            .arg("--project")
            .arg(&project)
            .arg("--maven-repo-local")
            .arg(&local)
            .arg("--settings")
            .arg(&settings)
            .args(extra)
            .env(
                "STORMPACK_MAVEN_CENTRAL",
                format!("file://{}", empty_central.display()),
            )
            .env("STORMPACK_MAVEN_GLOBAL_SETTINGS", "")
            .env_remove("STORMPACK_MAVEN_REPO_LOCAL")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let jar = project.join("target/child-1.0.jar");
    write_pom("parent");

    let (ok, stderr) = build(&["--offline"]);
    assert!(!ok);
    assert!(stderr.contains("org.example:parent:pom:1.0 is not in the local repository, and offline mode forbids downloading it"), "{stderr}");
    assert!(
        stderr.contains(&local.join(parent.repository_path()).display().to_string()),
        "{stderr}"
    );

    let (ok, stderr) = build(&[]);
    assert!(!ok);
    assert!(
        stderr.contains(&format!(
            "checksum mismatch for file://{}",
            remote.join(parent.repository_path()).display()
        )),
        "{stderr}"
    );
    assert_eq!(
        files_below(&local),
        Vec::<String>::new(),
        "nothing corrupt cached"
    );
    assert!(!jar.exists(), "no jar");

    publish(&remote, &parent, parent_pom, Some(&sha1_hex(parent_pom)));
    let (ok, stderr) = build(&[]);
    assert!(ok, "{stderr}");
    assert!(jar.is_file());
    assert_eq!(files_below(&local), vec![parent.repository_path()]);
    // And now offline works from the local repository.
    let (ok, stderr) = build(&["--offline"]);
    assert!(ok, "{stderr}");

    write_pom("unknown");
    let (ok, stderr) = build(&[]);
    assert!(!ok);
    assert!(
        stderr.contains("org.example:unknown:pom:1.0 was not found in any repository"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("testrepo (file://{})", remote.display())),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("central (file://{})", empty_central.display())),
        "{stderr}"
    );
}

#[test]
fn settings_server_credentials_are_sent_as_basic_auth() {
    let content = b"private bytes".to_vec();
    let sha1 = sha1_hex(&content);
    let body = content.clone();
    let url = serve(move |path, auth| {
        if auth != Some("Basic dXNlcjpwYXNz") {
            return ("401 Unauthorized".into(), vec![], b"who are you".to_vec());
        }
        if path.ends_with(".jar") {
            ok(body.clone())
        } else if path.ends_with(".jar.sha1") {
            ok(sha1.clone().into_bytes())
        } else {
            not_found()
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let a = Artifact::new("org.example", "private", "1.0");
    let write_settings = |password: &str| {
        let settings = dir.path().join("settings.xml");
        std::fs::write(
            &settings,
            format!(
                "<settings><localRepository>{}</localRepository><servers><server>\
                 <id>private</id><username>user</username><password>{password}</password>\
                 </server></servers></settings>",
                dir.path().join("local").display()
            ),
        )
        .unwrap();
        settings
    };
    let pom_repo = [RemoteRepository::new("private", &url)];

    // Without credentials: the error says which repository wants them and where they go.
    let anonymous = system(&dir.path().join("anon"), vec![]);
    let err = anonymous.fetch(&a, &pom_repo).unwrap_err().to_string();
    assert!(err.contains("access denied (HTTP 401)"), "{err}");
    assert!(
        err.contains("add a <server> with this repository's id"),
        "{err}"
    );

    // (Central is left out: only the private repository is under test.)
    let only_declared = |settings: PathBuf| {
        let mut repos = RepositorySystem::from_environment(None, Some(&settings), false).unwrap();
        repos.remotes.clear();
        repos
    };
    let wrong = only_declared(write_settings("nope"));
    let err = wrong.fetch(&a, &pom_repo).unwrap_err().to_string();
    assert!(err.contains("check its <username> and <password>"), "{err}");
    assert!(!err.contains("nope"), "no password in messages: {err}");

    let encrypted = RepositorySystem::from_environment(
        None,
        Some(&write_settings("{COQLCE6DU6GtcS5P=}")),
        false,
    )
    .unwrap();
    let err = encrypted.fetch(&a, &pom_repo).unwrap_err().to_string();
    assert!(err.contains("encrypted password"), "{err}");

    let right = only_declared(write_settings("pass"));
    let path = right.fetch(&a, &pom_repo).unwrap();
    assert_eq!(std::fs::read(path).unwrap(), content);
}

#[test]
fn settings_proxy_carries_requests_except_to_non_proxy_hosts() {
    let content = b"via the proxy".to_vec();
    let sha1 = sha1_hex(&content);
    let body = content.clone();
    let (proxy_port, targets) = serve_proxy(move |path, _| {
        if path.ends_with(".jar") {
            ok(body.clone())
        } else if path.ends_with(".jar.sha1") {
            ok(sha1.clone().into_bytes())
        } else {
            not_found()
        }
    });
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on the repository's own port: only the proxy can answer.
    let repo_port = closed_port();
    let repo_url = format!("http://localhost:{repo_port}/maven");
    let settings_for = |non_proxy: &str, protocol: &str| {
        let settings = dir
            .path()
            .join(format!("settings-{}-{protocol}.xml", non_proxy.len()));
        std::fs::write(
            &settings,
            format!(
                "<settings><localRepository>{}</localRepository><proxies><proxy><id>corp</id>\
                 <protocol>{protocol}</protocol><host>127.0.0.1</host><port>{proxy_port}</port>\
                 <nonProxyHosts>{non_proxy}</nonProxyHosts></proxy></proxies></settings>",
                dir.path()
                    .join(format!("local-{}-{protocol}", non_proxy.len()))
                    .display()
            ),
        )
        .unwrap();
        let mut repos = RepositorySystem::from_environment(None, Some(&settings), false).unwrap();
        repos.remotes = vec![RemoteRepository::new("behind-proxy", &repo_url)];
        repos
    };
    let settings_with = |non_proxy: &str| settings_for(non_proxy, "http");
    let a = Artifact::new("org.example", "proxied", "1.0");

    let path = settings_with("*.internal.example").fetch(&a, &[]).unwrap();
    assert_eq!(std::fs::read(path).unwrap(), content);
    assert!(
        targets
            .lock()
            .unwrap()
            .contains(&format!("localhost:{repo_port}")),
        "{targets:?}"
    );

    // `<protocol>https</protocol>` still speaks plain HTTP (CONNECT) to the proxy, as Maven
    // does (issue 10 defect 9): no TLS handshake with the proxy.
    let before = targets.lock().unwrap().len();
    let path = settings_for("*.internal.example", "https")
        .fetch(&a, &[])
        .unwrap();
    assert_eq!(std::fs::read(path).unwrap(), content);
    assert!(targets.lock().unwrap().len() > before, "{targets:?}");

    // localhost is a non-proxy host: asked directly, and nothing listens there.
    let before = targets.lock().unwrap().len();
    let err = settings_with("localhost|*.internal.example")
        .fetch(&a, &[])
        .unwrap_err();
    assert!(err.to_string().contains("connection refused"), "{err}");
    assert_eq!(
        targets.lock().unwrap().len(),
        before,
        "the proxy was not used"
    );
}
