//! Submitting a topology jar to Nimbus, by one of two paths:
//! - **Thrift** (no JVM): the jar's Flux topology translated into a `StormTopology`
//!   ([`super::translate`]), the jar uploaded and the topology submitted with
//!   `submitTopologyWithOpts`, `storm_version`/`jdk_version` set as `StormSubmitter` sets them
//!   (Nimbus's own version; the local Java's version when there is one);
//! - **JVM**: Flux itself (`org.apache.storm.flux.Flux --remote`) in a JVM whose classpath is
//!   storm-client's closure, resolved by stormpack, with the topology jar last, as `storm jar`
//!   has it; for what the translation cannot express, or when asked (`--jvm`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::Context;

use super::translate::{self, Fallback};
use super::{Nimbus, NimbusAddress};
use crate::maven::repository::RepositorySystem;
use crate::maven::resolve::ResolvedArtifact;
use crate::topology::classpath::JarIndex;

/// Everything a submission needs, decided by the caller.
pub struct SubmitRequest<'a> {
    pub address: NimbusAddress,
    pub jar: PathBuf,
    /// The topology's path in the jar (Flux's `-R /<path>`).
    pub topology_entry: String,
    pub name: Option<String>,
    /// `-c key=value` settings.
    pub conf: Vec<(String, String)>,
    pub filter: Option<PathBuf>,
    pub env_filter: bool,
    pub force_jvm: bool,
    /// storm-client's version for the JVM path when Nimbus does not say.
    pub storm_version: String,
    pub repos: &'a RepositorySystem,
    /// Where the JVM path keeps its files (the substituted topology, Flux's output).
    pub work_dir: PathBuf,
}

/// Which path a submission took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitPath {
    Thrift,
    /// Through Flux in a JVM; the reasons (empty when forced with `--jvm`).
    Jvm(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct Submitted {
    pub name: String,
    pub path: SubmitPath,
    pub jar_bytes: u64,
    pub elapsed: Duration,
    /// The JVM path's output (Flux's log), kept here.
    pub log: Option<PathBuf>,
    /// Classes of the jar that Storm's lib-worker shadows on the cluster, and differ.
    pub warnings: Vec<String>,
}

pub fn submit(req: &SubmitRequest<'_>) -> anyhow::Result<Submitted> {
    let started = Instant::now();
    let jar_bytes = fs_err::metadata(&req.jar)?.len();
    let index = JarIndex::read(&req.jar)?;
    let entry = req.topology_entry.trim_start_matches('/');
    let raw = index.read_text(entry).with_context(|| {
        format!(
            "{} has no {entry}: no Flux topology to submit\nfix: build the project with its \
             topology (resources/topology.yaml), or pass the jar that holds it",
            req.jar.display()
        )
    })?;
    let text = crate::topology::substitute(&raw, req.filter.as_deref(), req.env_filter)?;
    let source = format!("{}!/{entry}", req.jar.display());

    let mut nimbus = Nimbus::connect(&req.address)?;
    let info = nimbus.cluster_info()?;
    let nimbus_version = info
        .nimbuses
        .iter()
        .find(|n| n.is_leader)
        .or(info.nimbuses.first())
        .map(|n| n.version.clone())
        .filter(|v| !v.is_empty() && !v.eq_ignore_ascii_case("unknown"));

    // Storm's lib-worker as the cluster has it (storm-client's closure in Nimbus's version):
    // class files for what must be Java-serialized, and what shadows the jar's classes.
    let version = nimbus_version
        .clone()
        .unwrap_or_else(|| req.storm_version.clone());
    let lib_worker = crate::storm::resolve(
        req.repos,
        "storm-client",
        &version,
        "to compare with the jar",
    )
    .ok();
    let warnings = shadow_warnings(&req.jar, lib_worker.as_deref())?;
    let translated = if req.force_jvm {
        Err(Fallback {
            reasons: Vec::new(),
        })
    } else {
        translate_with(&index, lib_worker.as_deref(), &text, &source)?
    };
    let name = topology_name(req, &translated, &text, &source)?;
    if !nimbus.is_name_allowed(&name)? {
        anyhow::bail!(
            "Nimbus at {} does not allow the name `{name}` (isTopologyNameAllowed): a topology \
             of that name is running, or the name is invalid\nfix: `stormpack kill {name}` \
             first, or submit under another name with --name",
            req.address
        );
    }

    let (path, log) = match translated {
        Ok(t) => {
            submit_translated(&mut nimbus, req, t, &name, nimbus_version)?;
            (SubmitPath::Thrift, None)
        }
        Err(fallback) => {
            drop(nimbus);
            let version = nimbus_version.unwrap_or_else(|| req.storm_version.clone());
            let log = submit_with_flux(req, &text, &name, &version)?;
            (SubmitPath::Jvm(fallback.reasons), Some(log))
        }
    };
    Ok(Submitted {
        name,
        path,
        jar_bytes,
        elapsed: started.elapsed(),
        log,
        warnings,
    })
}

/// Warnings for the jar's classes that the cluster's lib-worker shadows (none when it could not
/// be resolved).
fn shadow_warnings(
    jar: &Path,
    lib_worker: Option<&[ResolvedArtifact]>,
) -> anyhow::Result<Vec<String>> {
    let Some(all) = lib_worker else {
        return Ok(Vec::new());
    };
    let files: Vec<PathBuf> = all.iter().map(|a| a.file.clone()).collect();
    let shadows = crate::storm::shadow::shadowed(jar, &files)?;
    Ok(crate::storm::shadow::warnings(jar, &shadows))
}

/// The topology translated, class files coming from the jar, then from the cluster's
/// storm-client (`lib_worker`, when it could be resolved).
fn translate_with(
    index: &JarIndex,
    lib_worker: Option<&[ResolvedArtifact]>,
    text: &str,
    source: &str,
) -> anyhow::Result<Result<translate::Translated, Fallback>> {
    let storm_client = lib_worker.and_then(|all| {
        all.iter()
            .find(|a| a.artifact.artifact_id == "storm-client")
            .and_then(|a| JarIndex::read(&a.file).ok())
    });
    let classes = |name: &str| {
        let entry = format!("{name}.class");
        index
            .read_bytes(&entry)
            .or_else(|| storm_client.as_ref()?.read_bytes(&entry))
    };
    translate::translate(text, source, &classes)
}

/// `--name`, else the topology's `name:`; an error when neither gives one.
fn topology_name(
    req: &SubmitRequest<'_>,
    translated: &Result<translate::Translated, Fallback>,
    text: &str,
    source: &str,
) -> anyhow::Result<String> {
    let name = match (&req.name, translated) {
        (Some(n), _) => n.clone(),
        (None, Ok(t)) => t.name.clone(),
        (None, Err(_)) => yaml_name(text).unwrap_or_default(),
    };
    if name.is_empty() {
        anyhow::bail!(
            "{source} has no `name` and no --name was given\nfix: pass --name NAME, or add \
             `name:` to the topology"
        );
    }
    Ok(name)
}

/// The Thrift path: upload the jar, then submit the translated topology with the `-c`
/// settings, a ZooKeeper digest and the versions `StormSubmitter` sets.
fn submit_translated(
    nimbus: &mut Nimbus,
    req: &SubmitRequest<'_>,
    mut t: translate::Translated,
    name: &str,
    nimbus_version: Option<String>,
) -> anyhow::Result<()> {
    let location = nimbus.upload_jar(&req.jar)?;
    for (k, v) in &req.conf {
        t.conf.insert(k.clone(), translate::conf_value(v));
    }
    zookeeper_digest(&mut t.conf)?;
    t.topology.storm_version = nimbus_version.or(Some(req.storm_version.clone()));
    t.topology.jdk_version = crate::run::java::find_from_env()
        .ok()
        .and_then(|j| java_version(&j));
    let conf = serde_json::Value::Object(t.conf).to_string();
    nimbus.submit(name, &location, &conf, t.topology)
}

/// As StormSubmitter's `prepareZookeeperAuthentication`: without a ZooKeeper auth scheme for the
/// topology, a random `digest` payload protects its ZooKeeper nodes.
fn zookeeper_digest(conf: &mut serde_json::Map<String, serde_json::Value>) -> anyhow::Result<()> {
    const SCHEME: &str = "storm.zookeeper.topology.auth.scheme";
    const PAYLOAD: &str = "storm.zookeeper.topology.auth.payload";
    let has = |k: &str| conf.get(k).is_some_and(|v| !v.is_null());
    if has(SCHEME) && conf[SCHEME] == "digest" && has(PAYLOAD) {
        return Ok(());
    }
    let mut bytes = [0u8; 16];
    use std::io::Read as _;
    fs_err::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    let (a, b) = bytes.split_at(8);
    let a = i64::from_le_bytes(a.try_into().unwrap_or_default());
    let b = i64::from_le_bytes(b.try_into().unwrap_or_default());
    conf.insert(SCHEME.into(), "digest".into());
    conf.insert(PAYLOAD.into(), format!("{a}:{b}").into());
    Ok(())
}

/// The top-level `name:` of a Flux topology.
fn yaml_name(text: &str) -> Option<String> {
    let v: serde_yaml::Value = serde_yaml::from_str(text).ok()?;
    v.get("name")?.as_str().map(str::to_string)
}

/// Run Flux (`--remote`) in a JVM: classpath storm-client's closure then the jar (as
/// `storm jar`), Nimbus and the `-c` settings as `storm.options`, the topology substituted
/// and renamed as asked, from a file.
fn submit_with_flux(
    req: &SubmitRequest<'_>,
    text: &str,
    name: &str,
    storm_version: &str,
) -> anyhow::Result<PathBuf> {
    let java = crate::run::java::find_from_env()?;
    let client = crate::storm::resolve(
        req.repos,
        "storm-client",
        storm_version,
        "to submit through Flux",
    )?;
    fs_err::create_dir_all(&req.work_dir)?;
    let topology = req.work_dir.join("topology.yaml");
    fs_err::write(&topology, with_name(text, name))?;
    let mut classpath: Vec<PathBuf> = client.iter().map(|a| a.file.clone()).collect();
    classpath.push(req.jar.clone());
    let mut options = vec![
        (
            "nimbus.seeds".to_string(),
            serde_json::json!([req.address.host]).to_string(),
        ),
        (
            "nimbus.thrift.port".to_string(),
            req.address.port.to_string(),
        ),
    ];
    options.extend(req.conf.iter().cloned());
    let options: Vec<(&str, String)> = options
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    let cp = std::env::join_paths(&classpath)
        .map_err(|e| anyhow::anyhow!("a classpath entry holds a `:`: {e}"))?;
    let log4j = req.work_dir.join("log4j2.xml");
    fs_err::write(&log4j, SUBMIT_LOG4J2)?;
    let mut cmd = Command::new(&java);
    cmd.arg(format!("-Dstorm.jar={}", req.jar.display()))
        .arg(format!("-Dlog4j.configurationFile={}", log4j.display()))
        .arg(format!(
            "-Dstorm.options={}",
            crate::storm::storm_options(&options)
        ))
        .arg("-cp")
        .arg(cp)
        .arg(crate::run::FLUX)
        .arg("--remote")
        .arg(&topology)
        .current_dir(&req.work_dir);
    let log = req.work_dir.join("flux-submit.log");
    let output = cmd
        .output()
        .with_context(|| format!("cannot start {}", java.display()))?;
    let mut text = output.stdout.clone();
    text.extend_from_slice(&output.stderr);
    fs_err::write(&log, &text)?;
    let said = String::from_utf8_lossy(&text);
    if !output.status.success() {
        let tail: Vec<&str> = said.lines().rev().take(25).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        anyhow::bail!(
            "submitting `{name}` through Flux in a JVM failed ({}); its last lines:\n{}\n\
             fix: read {} for the whole output",
            output.status,
            tail.join("\n"),
            log.display()
        );
    }
    Ok(log)
}

/// Flux's and StormSubmitter's progress lines, and every warning, on the console.
const SUBMIT_LOG4J2: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders>
    <Console name="console" target="SYSTEM_OUT">
      <PatternLayout pattern="%d{HH:mm:ss.SSS} %-5level %c{1.} %msg%n"/>
    </Console>
  </Appenders>
  <Loggers>
    <Logger name="org.apache.storm.StormSubmitter" level="INFO"/>
    <Logger name="org.apache.storm.flux" level="INFO"/>
    <Root level="WARN">
      <AppenderRef ref="console"/>
    </Root>
  </Loggers>
</Configuration>
"#;

/// The topology text with its top-level `name:` replaced (or added).
fn with_name(text: &str, name: &str) -> String {
    let quoted = serde_json::to_string(name).unwrap_or_default();
    let mut found = false;
    let mut out: Vec<String> = text
        .lines()
        .map(|line| {
            if !found && line.starts_with("name:") {
                found = true;
                format!("name: {quoted}")
            } else {
                line.to_string()
            }
        })
        .collect();
    if !found {
        out.insert(0, format!("name: {quoted}"));
    }
    out.join("\n") + "\n"
}

/// The Java version of the runtime at `java` (`JAVA_VERSION` in its `release` file), what
/// `java.version` would say, without starting it.
pub fn java_version(java: &Path) -> Option<String> {
    let real = fs_err::canonicalize(java).ok()?;
    let home = real.parent()?.parent()?;
    let release = std::fs::read_to_string(home.join("release")).ok()?;
    release.lines().find_map(|l| {
        l.strip_prefix("JAVA_VERSION=")
            .map(|v| v.trim_matches('"').to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renaming_replaces_only_the_top_level_name() {
        let t = "# c\nname: \"a\"\nspouts:\n  - id: x\n    name: keep\n";
        assert_eq!(
            with_name(t, "b"),
            "# c\nname: \"b\"\nspouts:\n  - id: x\n    name: keep\n"
        );
        assert_eq!(with_name("spouts: []", "n"), "name: \"n\"\nspouts: []\n");
        assert_eq!(yaml_name(&with_name(t, "b")).as_deref(), Some("b"));
    }

    #[test]
    fn java_version_reads_the_release_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("bin")).unwrap();
        std::fs::write(dir.path().join("bin/java"), "").unwrap();
        std::fs::write(
            dir.path().join("release"),
            "IMPLEMENTOR=\"x\"\nJAVA_VERSION=\"17.0.15\"\n",
        )
        .unwrap();
        assert_eq!(
            java_version(&dir.path().join("bin/java")).as_deref(),
            Some("17.0.15")
        );
    }
}
