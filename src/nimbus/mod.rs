//! Talking to Nimbus over Storm's Thrift API the way Storm's `SimpleTransportPlugin` does
//! (framed transport, binary protocol, no authentication): upload the topology jar in chunks,
//! submit, list, kill, (de)activate. The wire types come from `generated.rs`, generated from our
//! IDL subset `nimbus.thrift` by the Thrift compiler matching the `thrift` crate.
//!
//! Every error names the Nimbus address, what failed, and the fix; a secured cluster
//! (SASL/Kerberos/TLS) is reported as unsupported with `storm jar` as the way out.

pub mod address;
#[allow(
    clippy::all,
    clippy::pedantic,
    dead_code,
    non_camel_case_types,
    unused_imports
)]
#[rustfmt::skip]
pub mod generated;
pub mod javaser;
pub mod submit;
pub mod translate;

use std::io::Read;
use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use thrift::protocol::{TBinaryInputProtocol, TBinaryOutputProtocol};
use thrift::transport::{
    ReadHalf, TFramedReadTransport, TFramedWriteTransport, TIoChannel, TTcpChannel, WriteHalf,
};

pub use address::NimbusAddress;
use generated::{
    ClusterSummary, KillOptions, NimbusSyncClient, StormTopology, SubmitOptions, TNimbusSyncClient,
    TopologyInitialStatus,
};

/// StormSubmitter's upload chunk size.
pub const UPLOAD_CHUNK: usize = 307_200;
/// How long a connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one call may wait for Nimbus's answer (submitting a big topology takes a while).
const CALL_TIMEOUT: Duration = Duration::from_secs(120);

type Client = NimbusSyncClient<
    TBinaryInputProtocol<TFramedReadTransport<ReadHalf<TTcpChannel>>>,
    TBinaryOutputProtocol<TFramedWriteTransport<WriteHalf<TTcpChannel>>>,
>;

/// A connection to one Nimbus.
pub struct Nimbus {
    pub address: NimbusAddress,
    client: Client,
}

const SECURED_HINT: &str = "if this cluster is secured (SASL/Kerberos, TLS, or a \
storm.thrift.transport other than SimpleTransportPlugin), stormpack cannot talk to it: it speaks \
only Storm's plain Thrift transport; deploy with Storm's own client instead \
(`storm jar <jar> org.apache.storm.flux.Flux --remote -R /topology.yaml`)";

impl Nimbus {
    /// Connect to `address` (nothing is sent yet).
    pub fn connect(address: &NimbusAddress) -> anyhow::Result<Nimbus> {
        let unreachable = |what: String| {
            anyhow::anyhow!(
                "cannot reach Nimbus at {address}: {what}\n\
                 fix: start the cluster (`stormpack cluster up` for a local one), or point \
                 stormpack at the right Nimbus with --nimbus HOST[:PORT] or STORMPACK_NIMBUS"
            )
        };
        let addrs: Vec<_> = (address.host.as_str(), address.port)
            .to_socket_addrs()
            .map_err(|e| unreachable(format!("cannot resolve {}: {e}", address.host)))?
            .collect();
        let mut last = None;
        let mut stream = None;
        for a in addrs {
            match TcpStream::connect_timeout(&a, CONNECT_TIMEOUT) {
                Ok(s) => {
                    stream = Some(s);
                    break;
                }
                Err(e) => last = Some(e),
            }
        }
        let stream = stream.ok_or_else(|| {
            unreachable(
                last.map(|e| e.to_string())
                    .unwrap_or_else(|| "the host name has no address".to_string()),
            )
        })?;
        stream.set_read_timeout(Some(CALL_TIMEOUT)).ok();
        stream.set_write_timeout(Some(CALL_TIMEOUT)).ok();
        stream.set_nodelay(true).ok();
        let (read, write) = TTcpChannel::with_stream(stream)
            .split()
            .map_err(|e| unreachable(e.to_string()))?;
        let client = NimbusSyncClient::new(
            TBinaryInputProtocol::new(TFramedReadTransport::new(read), true),
            TBinaryOutputProtocol::new(TFramedWriteTransport::new(write), true),
        );
        Ok(Nimbus {
            address: address.clone(),
            client,
        })
    }

    /// The cluster's supervisors, topologies and Nimbus hosts.
    pub fn cluster_info(&mut self) -> anyhow::Result<ClusterSummary> {
        let r = self.client.get_cluster_info();
        r.map_err(|e| self.fail("getClusterInfo", e))
    }

    /// Whether Nimbus would accept a new topology of this name (no live topology has it).
    pub fn is_name_allowed(&mut self, name: &str) -> anyhow::Result<bool> {
        let r = self.client.is_topology_name_allowed(name.to_string());
        r.map_err(|e| self.fail("isTopologyNameAllowed", e))
    }

    /// Upload `jar` (beginFileUpload, uploadChunk in StormSubmitter's chunk size,
    /// finishFileUpload); returns the location Nimbus gave it.
    pub fn upload_jar(&mut self, jar: &Path) -> anyhow::Result<String> {
        let mut file = fs_err::File::open(jar)?;
        let location = match self.client.begin_file_upload() {
            Ok(location) => location,
            // Nimbus refuses uploads with an internal error while it is not the leader.
            Err(e @ thrift::Error::Application(_)) => {
                return Err(self
                    .not_the_leader()
                    .unwrap_or_else(|| self.fail("beginFileUpload", e)))
            }
            Err(e) => return Err(self.fail("beginFileUpload", e)),
        };
        let mut buf = vec![0u8; UPLOAD_CHUNK];
        loop {
            let n = read_full(&mut file, &mut buf)
                .with_context(|| format!("reading {}", jar.display()))?;
            if n == 0 {
                break;
            }
            let r = self
                .client
                .upload_chunk(location.clone(), buf[..n].to_vec());
            r.map_err(|e| self.fail("uploadChunk", e))?;
        }
        let r = self.client.finish_file_upload(location.clone());
        r.map_err(|e| self.fail("finishFileUpload", e))?;
        Ok(location)
    }

    /// submitTopologyWithOpts, the topology active from the start.
    pub fn submit(
        &mut self,
        name: &str,
        uploaded_jar: &str,
        json_conf: &str,
        topology: StormTopology,
    ) -> anyhow::Result<()> {
        let options = SubmitOptions {
            initial_status: TopologyInitialStatus::ACTIVE,
            creds: None,
        };
        let r = self.client.submit_topology_with_opts(
            name.to_string(),
            uploaded_jar.to_string(),
            json_conf.to_string(),
            topology,
            options,
        );
        r.map_err(|e| self.fail(&format!("submitting topology `{name}`"), e))
    }

    /// killTopologyWithOpts: deactivate, wait `wait_secs` (None: the topology's message
    /// timeout), then remove.
    pub fn kill(&mut self, name: &str, wait_secs: Option<i32>) -> anyhow::Result<()> {
        let r = self
            .client
            .kill_topology_with_opts(name.to_string(), KillOptions { wait_secs });
        r.map_err(|e| self.fail(&format!("killing topology `{name}`"), e))
    }

    pub fn activate(&mut self, name: &str) -> anyhow::Result<()> {
        let r = self.client.activate(name.to_string());
        r.map_err(|e| self.fail(&format!("activating topology `{name}`"), e))
    }

    pub fn deactivate(&mut self, name: &str) -> anyhow::Result<()> {
        let r = self.client.deactivate(name.to_string());
        r.map_err(|e| self.fail(&format!("deactivating topology `{name}`"), e))
    }

    /// The topology as it was submitted (by id).
    pub fn user_topology(&mut self, id: &str) -> anyhow::Result<StormTopology> {
        let r = self.client.get_user_topology(id.to_string());
        r.map_err(|e| self.fail("getUserTopology", e))
    }

    /// Turn a Thrift error into one that names Nimbus, the call, and the fix.
    /// When getClusterInfo shows that this Nimbus is not the leader: why, and where to go.
    fn not_the_leader(&mut self) -> Option<anyhow::Error> {
        let info = self.client.get_cluster_info().ok()?;
        let address = &self.address;
        match info.nimbuses.iter().find(|n| n.is_leader) {
            None => Some(anyhow::anyhow!(
                "Nimbus at {address} is not the leader yet (no Nimbus holds the leader lock), so \
                 it refuses uploads\nfix: submit again in a few seconds (a Nimbus that just \
                 started takes up to about 20 s to win the lock)"
            )),
            Some(leader) if leader.port != i32::from(address.port) => Some(anyhow::anyhow!(
                "Nimbus at {address} is not the leader ({}:{} is), so it refuses uploads\n\
                 fix: submit with --nimbus {}:{}",
                leader.host,
                leader.port,
                leader.host,
                leader.port
            )),
            Some(_) => None,
        }
    }

    fn fail(&self, what: &str, err: thrift::Error) -> anyhow::Error {
        describe(&self.address, what, err)
    }
}

fn read_full(file: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// The message for a failed call, by what Nimbus said.
pub fn describe(address: &NimbusAddress, what: &str, err: thrift::Error) -> anyhow::Error {
    use generated::{
        AlreadyAliveException, AuthorizationException, InvalidTopologyException, NotAliveException,
    };
    match err {
        thrift::Error::User(user) => {
            if let Some(e) = user.downcast_ref::<NotAliveException>() {
                anyhow::anyhow!(
                    "Nimbus at {address}: {what} failed: no such live topology ({})\n\
                     fix: `stormpack list` shows the topologies that run there",
                    e.msg
                )
            } else if let Some(e) = user.downcast_ref::<AlreadyAliveException>() {
                anyhow::anyhow!(
                    "Nimbus at {address}: {what} failed: a topology of that name is already \
                     running ({})\nfix: `stormpack kill NAME` first, or submit under another \
                     name with --name",
                    e.msg
                )
            } else if let Some(e) = user.downcast_ref::<InvalidTopologyException>() {
                anyhow::anyhow!(
                    "Nimbus at {address} rejected the topology: {}\n\
                     fix: correct the topology (`stormpack check` catches most such mistakes) \
                     and submit again",
                    e.msg
                )
            } else if let Some(e) = user.downcast_ref::<AuthorizationException>() {
                anyhow::anyhow!(
                    "Nimbus at {address}: {what} was refused: not authorized ({})\nfix: {SECURED_HINT}",
                    e.msg
                )
            } else {
                anyhow::anyhow!("Nimbus at {address}: {what} failed: {user}")
            }
        }
        thrift::Error::Application(app) => anyhow::anyhow!(
            "Nimbus at {address}: {what} failed inside Nimbus: {}\n\
             fix: see Nimbus's log (for `stormpack cluster up`: <dir>/logs/nimbus.log)",
            app.message
        ),
        thrift::Error::Transport(t) => anyhow::anyhow!(
            "Nimbus at {address}: {what} failed: the connection broke ({t})\n\
             fix: check that {address} is Nimbus's Thrift port (nimbus.thrift.port); {SECURED_HINT}"
        ),
        thrift::Error::Protocol(p) => anyhow::anyhow!(
            "Nimbus at {address}: {what} failed: the answer is not plain framed Thrift ({p})\n\
             fix: {SECURED_HINT}"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_full_fills_whole_chunks() {
        let data = vec![7u8; UPLOAD_CHUNK + 10];
        let mut r = std::io::Cursor::new(data);
        let mut buf = vec![0u8; UPLOAD_CHUNK];
        assert_eq!(read_full(&mut r, &mut buf).unwrap(), UPLOAD_CHUNK);
        assert_eq!(read_full(&mut r, &mut buf).unwrap(), 10);
        assert_eq!(read_full(&mut r, &mut buf).unwrap(), 0);
    }

    #[test]
    fn a_refused_connection_names_nimbus_and_the_fix() {
        // A port nobody listens on: bind, note it, close.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = NimbusAddress {
            host: "127.0.0.1".into(),
            port,
            source: "--nimbus".into(),
        };
        let err = Nimbus::connect(&addr).err().unwrap().to_string();
        assert!(err.contains(&format!("127.0.0.1:{port}")), "{err}");
        assert!(err.contains("cluster up"), "{err}");
    }

    #[test]
    fn nimbus_exceptions_become_messages_with_fixes() {
        let addr = NimbusAddress {
            host: "h".into(),
            port: 1,
            source: "--nimbus".into(),
        };
        let e = describe(
            &addr,
            "submitting topology `x`",
            thrift::Error::User(Box::new(generated::InvalidTopologyException {
                msg: "Component: [a] subscribes from non-existent component [b]".into(),
            })),
        )
        .to_string();
        assert!(e.contains("rejected the topology: Component: [a]"), "{e}");
        let e = describe(
            &addr,
            "x",
            thrift::Error::Protocol(thrift::ProtocolError::new(
                thrift::ProtocolErrorKind::BadVersion,
                "bad",
            )),
        )
        .to_string();
        assert!(e.contains("storm jar"), "{e}");
    }
}
