//! The files of a local cluster's Storm home that stormpack writes: `conf/storm.yaml`,
//! ZooKeeper's `zoo.cfg`, and the log4j2 configurations for the daemons (`log4j2/cluster.xml`)
//! and the workers (`log4j2/worker.xml`, where the Supervisor's worker launch looks for it).

use std::path::Path;

use serde::{Deserialize, Serialize};

/// Every port a cluster uses, all chosen free at `cluster up`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Ports {
    pub zookeeper: u16,
    pub nimbus: u16,
    pub ui: u16,
    pub logviewer: u16,
    pub drpc: u16,
    /// Per supervisor: its Thrift port and its worker slots.
    pub supervisors: Vec<SupervisorPorts>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SupervisorPorts {
    pub thrift: u16,
    pub slots: Vec<u16>,
}

/// The kernel's ephemeral port range (`net.ipv4.ip_local_port_range`), from which it picks the
/// local port of every outgoing connection; Linux's default when the file cannot be read.
fn ephemeral_range() -> (u16, u16) {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| {
            let mut it = s.split_whitespace().map(|v| v.parse::<u16>().ok());
            Some((it.next()??, it.next()??))
        })
        .unwrap_or((32768, 60999))
}

/// The widest stretch of ports at or above 10000 outside `ephemeral`: the daemons' ports.
fn listening_range(ephemeral: (u16, u16)) -> (u16, u16) {
    let below = (10000u16, ephemeral.0.saturating_sub(1));
    let above = (ephemeral.1.saturating_add(1), u16::MAX);
    let width = |r: (u16, u16)| r.1.saturating_sub(r.0);
    if width(below) >= width(above) {
        below
    } else {
        above
    }
}

/// Pick `n` distinct free ports on 127.0.0.1, outside the kernel's ephemeral range.
///
/// A port the kernel hands out for `bind(0)` comes from the ephemeral range, the same range it
/// takes outgoing connections' local ports from: between `cluster up` choosing it and the daemon
/// binding it (seconds later, a JVM start), a ZooKeeper client's connection can take it and the
/// daemon dies with "Address already in use". Ports outside that range are never given to a
/// connection. The search starts at a point that differs per process and per moment, so two
/// clusters started together do not probe the same ports; each port is checked by binding it.
pub fn free_ports(n: usize) -> anyhow::Result<Vec<u16>> {
    let (lo, hi) = listening_range(ephemeral_range());
    let span = u32::from(hi.saturating_sub(lo)) + 1;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mut cursor = (nanos ^ std::process::id().wrapping_mul(2_654_435_761)) % span;
    let mut held = Vec::with_capacity(n);
    for _ in 0..span {
        if held.len() == n {
            break;
        }
        let port = lo + cursor as u16;
        cursor = (cursor + 1) % span;
        if let Ok(listener) = std::net::TcpListener::bind(("127.0.0.1", port)) {
            held.push(listener);
        }
    }
    if held.len() < n {
        anyhow::bail!(
            "cannot find {n} free ports on 127.0.0.1 between {lo} and {hi} (outside the \
             ephemeral range)\nfix: stop the processes listening there (`ss -ltnp`), or run \
             `stormpack cluster down` for clusters left running"
        );
    }
    held.iter().map(|l| Ok(l.local_addr()?.port())).collect()
}

impl Ports {
    pub fn choose(supervisors: usize, slots: usize) -> anyhow::Result<Ports> {
        let mut p = free_ports(5 + supervisors * (1 + slots))?.into_iter();
        let mut next = || p.next().unwrap_or_default();
        Ok(Ports {
            zookeeper: next(),
            nimbus: next(),
            ui: next(),
            logviewer: next(),
            drpc: next(),
            supervisors: (0..supervisors)
                .map(|_| SupervisorPorts {
                    thrift: next(),
                    slots: (0..slots).map(|_| next()).collect(),
                })
                .collect(),
        })
    }
}

/// `conf/storm.yaml`: what every daemon shares. Per-supervisor settings (slots, Thrift port,
/// local dir) go on the supervisor's command line as `storm.options`.
pub fn storm_yaml(home: &Path, ports: &Ports) -> String {
    let q = |p: &Path| serde_json::to_string(&p.display().to_string()).unwrap_or_default();
    format!(
        "# Written by `stormpack cluster up` (a local cluster; regenerated at every `up`).\n\
         storm.zookeeper.servers: [\"127.0.0.1\"]\n\
         storm.zookeeper.port: {zk}\n\
         nimbus.seeds: [\"127.0.0.1\"]\n\
         nimbus.thrift.port: {nimbus}\n\
         storm.local.hostname: \"127.0.0.1\"\n\
         storm.local.dir: {local}\n\
         storm.log.dir: {logs}\n\
         ui.port: {ui}\n\
         logviewer.port: {logviewer}\n\
         drpc.port: {drpc}\n\
         supervisor.thrift.port: {sup_thrift}\n\
         supervisor.slots.ports: {slots:?}\n\
         # Small heaps: several clusters may share a machine.\n\
         worker.heap.memory.mb: 256\n\
         topology.worker.max.heap.size.mb: 512.0\n\
         supervisor.worker.start.timeout.secs: 180\n",
        zk = ports.zookeeper,
        nimbus = ports.nimbus,
        local = q(&home.join("data").join("nimbus")),
        logs = q(&home.join("logs")),
        ui = ports.ui,
        logviewer = ports.logviewer,
        drpc = ports.drpc,
        sup_thrift = ports.supervisors.first().map_or(0, |s| s.thrift),
        slots = ports
            .supervisors
            .first()
            .map(|s| s.slots.clone())
            .unwrap_or_default(),
    )
}

/// ZooKeeper's configuration: standalone, on 127.0.0.1 only, no admin server.
pub fn zoo_cfg(data_dir: &Path, port: u16) -> String {
    format!(
        "# Written by `stormpack cluster up`.\n\
         tickTime=2000\n\
         dataDir={}\n\
         clientPort={port}\n\
         clientPortAddress=127.0.0.1\n\
         maxClientCnxns=0\n\
         admin.enableServer=false\n",
        data_dir.display()
    )
}

/// The daemons' log4j2 configuration: one file per daemon, `${sys:storm.log.dir}/${sys:logfile.name}`.
pub const CLUSTER_XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by `stormpack cluster up`: each daemon logs to storm.log.dir/logfile.name. -->
<Configuration status="WARN" monitorInterval="0">
  <Appenders>
    <File name="daemon" fileName="${sys:storm.log.dir}/${sys:logfile.name}">
      <PatternLayout pattern="%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level %c{1.} [%t] %msg%n"/>
    </File>
  </Appenders>
  <Loggers>
    <Logger name="org.apache.storm.shade.org.apache.zookeeper" level="WARN"/>
    <Logger name="org.apache.storm.shade.org.apache.curator" level="WARN"/>
    <Logger name="org.apache.zookeeper" level="WARN"/>
    <Root level="INFO">
      <AppenderRef ref="daemon"/>
    </Root>
  </Loggers>
</Configuration>
"#;

/// The workers' log4j2 configuration: where Storm's logviewer looks,
/// `workers-artifacts/<topology-id>/<port>/worker.log`; what a worker (and its shell
/// components, through the LogWriter's STDOUT/STDERR loggers) says goes there.
pub const WORKER_XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by `stormpack cluster up`: worker logs under workers-artifacts/<topology>/<port>/. -->
<Configuration status="WARN" monitorInterval="0">
  <Appenders>
    <File name="worker" fileName="${sys:workers.artifacts}/${sys:storm.id}/${sys:worker.port}/${sys:logfile.name}">
      <PatternLayout pattern="%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level %c{1.} [%t] %msg%n"/>
    </File>
  </Appenders>
  <Loggers>
    <Logger name="org.apache.storm.shade.org.apache.zookeeper" level="WARN"/>
    <Logger name="org.apache.storm.shade.org.apache.curator" level="WARN"/>
    <Root level="INFO">
      <AppenderRef ref="worker"/>
    </Root>
  </Loggers>
</Configuration>
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daemon_ports_are_outside_the_ephemeral_range() {
        assert_eq!(listening_range((32768, 60999)), (10000, 32767));
        assert_eq!(listening_range((10001, 60000)), (60001, 65535));
        let (lo, hi) = ephemeral_range();
        for port in free_ports(12).unwrap() {
            assert!(
                port >= 10000 && !(lo..=hi).contains(&port),
                "{port} in {lo}-{hi}"
            );
        }
    }

    #[test]
    fn ports_are_distinct_and_storm_yaml_uses_them() {
        let ports = Ports::choose(2, 3).unwrap();
        let mut all = vec![
            ports.zookeeper,
            ports.nimbus,
            ports.ui,
            ports.logviewer,
            ports.drpc,
        ];
        for s in &ports.supervisors {
            all.push(s.thrift);
            all.extend(&s.slots);
        }
        let n = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), n);
        assert_eq!(n, 5 + 2 * 4);
        let yaml = storm_yaml(Path::new("/h"), &ports);
        let parsed: serde_yaml::Value = serde_yaml::from_str(&yaml).unwrap();
        assert_eq!(
            parsed["nimbus.thrift.port"].as_u64(),
            Some(u64::from(ports.nimbus))
        );
        assert_eq!(
            parsed["supervisor.slots.ports"][2].as_u64(),
            Some(u64::from(ports.supervisors[0].slots[2]))
        );
        assert_eq!(parsed["storm.log.dir"].as_str(), Some("/h/logs"));
    }
}
