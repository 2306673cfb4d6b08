//! Which Nimbus to talk to: `--nimbus HOST[:PORT]`, else `STORMPACK_NIMBUS`, else Storm's own
//! convention, `nimbus.seeds` and `nimbus.thrift.port` in `~/.storm/storm.yaml`. The port
//! defaults to Storm's 6627.

use std::fmt;
use std::path::{Path, PathBuf};

/// Storm's default `nimbus.thrift.port`.
pub const DEFAULT_PORT: u16 = 6627;
/// The environment variable naming the Nimbus.
pub const ENV: &str = "STORMPACK_NIMBUS";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NimbusAddress {
    pub host: String,
    pub port: u16,
    /// Where the address came from, for messages.
    pub source: String,
}

impl fmt::Display for NimbusAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// Parse `HOST`, `HOST:PORT` or `[V6]:PORT`.
pub fn parse(text: &str, source: &str) -> anyhow::Result<NimbusAddress> {
    let text = text.trim();
    let bad = |why: &str| {
        anyhow::anyhow!(
            "{source}: `{text}` is not a Nimbus address ({why})\n\
             fix: write HOST or HOST:PORT, e.g. nimbus.example.com:{DEFAULT_PORT}"
        )
    };
    if text.is_empty() {
        return Err(bad("it is empty"));
    }
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or_else(|| bad("no closing `]`"))?;
        match after.strip_prefix(':') {
            Some(p) => (host, Some(p)),
            None if after.is_empty() => (host, None),
            None => return Err(bad("text after `]`")),
        }
    } else if text.matches(':').count() == 1 {
        let (h, p) = text.split_once(':').unwrap_or((text, ""));
        (h, Some(p))
    } else {
        (text, None)
    };
    if host.is_empty() {
        return Err(bad("no host"));
    }
    let port = match port {
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| bad("the port is not a number from 1 to 65535"))?,
        None => DEFAULT_PORT,
    };
    Ok(NimbusAddress {
        host: host.to_string(),
        port,
        source: source.to_string(),
    })
}

/// The address from `--nimbus`, the environment, or `storm_yaml` (normally `~/.storm/storm.yaml`).
pub fn resolve(
    flag: Option<&str>,
    env: Option<String>,
    storm_yaml: Option<&Path>,
) -> anyhow::Result<NimbusAddress> {
    if let Some(flag) = flag {
        return parse(flag, "--nimbus");
    }
    if let Some(env) = env.filter(|e| !e.trim().is_empty()) {
        return parse(&env, ENV);
    }
    let missing = || {
        anyhow::anyhow!(
            "no Nimbus to talk to: no --nimbus, no {ENV}, and no nimbus.seeds in ~/.storm/storm.yaml\n\
             fix: pass --nimbus HOST[:PORT] (`stormpack cluster up` prints the address of a \
             local cluster), or set {ENV}"
        )
    };
    let Some(path) = storm_yaml.filter(|p| p.is_file()) else {
        return Err(missing());
    };
    from_storm_yaml(path)?.ok_or_else(missing)
}

/// `nimbus.seeds[0]` and `nimbus.thrift.port` from a storm.yaml; None without seeds.
pub fn from_storm_yaml(path: &Path) -> anyhow::Result<Option<NimbusAddress>> {
    let text = fs_err::read_to_string(path)?;
    let yaml: serde_yaml::Value = serde_yaml::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{}: not valid YAML: {e}\nfix: correct the file, or pass --nimbus HOST[:PORT]",
            path.display()
        )
    })?;
    let source = path.display().to_string();
    if let Some(transport) = yaml
        .get("storm.thrift.transport")
        .and_then(|v| v.as_str())
        .filter(|t| !t.ends_with("SimpleTransportPlugin"))
    {
        anyhow::bail!(
            "{source} sets storm.thrift.transport to {transport}: a secured cluster, which \
             stormpack cannot talk to (it speaks only Storm's plain SimpleTransportPlugin)\n\
             fix: deploy with Storm's own client (`storm jar <jar> org.apache.storm.flux.Flux \
             --remote -R /topology.yaml`)"
        );
    }
    let seed = match yaml.get("nimbus.seeds") {
        Some(serde_yaml::Value::Sequence(seeds)) => seeds.first().and_then(|s| s.as_str()),
        Some(serde_yaml::Value::String(s)) => Some(s.as_str()),
        _ => None,
    };
    let Some(seed) = seed else { return Ok(None) };
    let port = match yaml.get("nimbus.thrift.port") {
        None => DEFAULT_PORT,
        Some(v) => v
            .as_u64()
            .and_then(|p| u16::try_from(p).ok())
            .filter(|p| *p != 0)
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "{source}: nimbus.thrift.port is not a port number\nfix: set it to Nimbus's \
                     Thrift port (default {DEFAULT_PORT})"
                )
            })?,
    };
    Ok(Some(NimbusAddress {
        host: seed.to_string(),
        port,
        source,
    }))
}

/// `~/.storm/storm.yaml`, where Storm's client reads its configuration.
pub fn user_storm_yaml() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|h| Path::new(&h).join(".storm").join("storm.yaml"))
}

/// The address from `--nimbus`, `STORMPACK_NIMBUS`, or `~/.storm/storm.yaml`.
pub fn from_env(flag: Option<&str>) -> anyhow::Result<NimbusAddress> {
    resolve(flag, std::env::var(ENV).ok(), user_storm_yaml().as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_port_forms() {
        let a = parse("nimbus.example.com", "t").unwrap();
        assert_eq!((a.host.as_str(), a.port), ("nimbus.example.com", 6627));
        let a = parse("127.0.0.1:41234", "t").unwrap();
        assert_eq!((a.host.as_str(), a.port), ("127.0.0.1", 41234));
        let a = parse("[::1]:7000", "t").unwrap();
        assert_eq!((a.host.as_str(), a.port), ("::1", 7000));
        assert_eq!(a.to_string(), "[::1]:7000");
        for bad in ["", "h:0", "h:x", ":5", "h:70000"] {
            let e = parse(bad, "--nimbus").unwrap_err().to_string();
            assert!(e.contains("--nimbus") && e.contains("fix:"), "{bad}: {e}");
        }
    }

    #[test]
    fn flag_then_env_then_storm_yaml() {
        let dir = tempfile::tempdir().unwrap();
        let yaml = dir.path().join("storm.yaml");
        std::fs::write(
            &yaml,
            "nimbus.seeds: [\"seed1\", \"seed2\"]\nnimbus.thrift.port: 7627\n",
        )
        .unwrap();
        let a = resolve(Some("f:1"), Some("e:2".into()), Some(&yaml)).unwrap();
        assert_eq!(a.host, "f");
        let a = resolve(None, Some("e:2".into()), Some(&yaml)).unwrap();
        assert_eq!((a.host.as_str(), a.port, a.source.as_str()), ("e", 2, ENV));
        let a = resolve(None, None, Some(&yaml)).unwrap();
        assert_eq!((a.host.as_str(), a.port), ("seed1", 7627));
        let e = resolve(None, None, Some(&dir.path().join("none.yaml")))
            .unwrap_err()
            .to_string();
        assert!(e.contains("--nimbus") && e.contains(ENV), "{e}");
    }

    #[test]
    fn a_secured_transport_in_storm_yaml_is_refused_with_the_way_out() {
        let dir = tempfile::tempdir().unwrap();
        let yaml = dir.path().join("storm.yaml");
        std::fs::write(
            &yaml,
            "nimbus.seeds: [\"n\"]\nstorm.thrift.transport: \"org.apache.storm.security.auth.kerberos.KerberosSaslTransportPlugin\"\n",
        )
        .unwrap();
        let e = resolve(None, None, Some(&yaml)).unwrap_err().to_string();
        assert!(
            e.contains("KerberosSaslTransportPlugin") && e.contains("storm jar"),
            "{e}"
        );
    }
}
