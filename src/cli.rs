//! The command line, as clap derive types, and their translation into the library's options
//! (`to_lib`). Parsing only: every command's behaviour lives in the library.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "stormpack",
    version,
    about = "Build Apache Storm topology jars without Maven"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// A user property, as `mvn -Dkey=value`: activates `<property>` profiles and overrides
    /// the pom's `<properties>` of the same name (repeatable; accepted by every command).
    #[arg(short = 'D', global = true, value_name = "KEY=VALUE", value_parser = parse_define)]
    pub define: Vec<(String, String)>,
}

/// `key=value` (`key` alone means `key=true`, as Maven reads `-Dkey`).
fn parse_define(text: &str) -> Result<(String, String), String> {
    let (key, value) = text.split_once('=').unwrap_or((text, "true"));
    if key.trim().is_empty() {
        return Err(format!(
            "`-D{text}`: the property name is empty (write -Dkey=value)"
        ));
    }
    Ok((key.to_string(), value.to_string()))
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the topology jar (target/<finalName>.jar and its .sha256).
    Build(BuildArgs),
    /// List a jar's entries: size, mode, method, CRC, and its manifest.
    Inspect(InspectArgs),
    /// Rebuild in a scratch directory and compare digests with a fresh build.
    Verify(BuildArgs),
    /// Print the resolved Maven dependencies (as `mvn dependency:list`, or as a tree).
    Deps(DepsArgs),
    /// Validate the topology (Flux YAML) against the jar's contents.
    Check(CheckArgs),
    /// Build if needed, then run the topology on a real Storm LocalCluster.
    Run(RunArgs),
    /// A real Storm cluster on this machine (ZooKeeper, Nimbus, Supervisors as separate JVMs).
    #[command(subcommand)]
    Cluster(ClusterCommand),
    /// Build if needed, then upload the jar to Nimbus and submit the topology.
    Submit(SubmitArgs),
    /// List the topologies running on Nimbus.
    List(NimbusArgs),
    /// Kill a topology (deactivate, wait, remove) and wait until it is gone.
    Kill(KillArgs),
    /// Activate a topology.
    Activate(NameArgs),
    /// Deactivate a topology (its spouts stop emitting).
    Deactivate(NameArgs),
    /// Compile the Java sources and run the tests in src/test/java as `mvn package` would
    /// (JUnit 5 and 4 on the JUnit Platform); reports in target/surefire-reports/.
    Test(BuildArgs),
    /// Benchmark entry point: shade the given jars into one jar through the same plan and writer
    /// as `build` (used by benches/shade/run.sh).
    #[command(hide = true)]
    ShadeBench(ShadeBenchArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ShadeBenchArgs {
    /// The jar to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Let Storm's own runtime (storm-client/-server, defaults.yaml) through the Storm guard.
    #[arg(long)]
    pub allow_storm_runtime: bool,
    /// A project file to add: `PATH_IN_JAR=FILE` (repeatable).
    #[arg(long = "file", value_name = "PATH_IN_JAR=FILE")]
    pub files: Vec<String>,
    /// Like --file, stored with mode 0755.
    #[arg(long = "exec-file", value_name = "PATH_IN_JAR=FILE")]
    pub exec_files: Vec<String>,
    /// A project path written right after the manifest (repeatable, in order).
    #[arg(long = "leading", value_name = "PATH_IN_JAR")]
    pub leading: Vec<String>,
    /// `Main-Class` for the generated manifest.
    #[arg(long)]
    pub main_class: Option<String>,
    /// Dependency jars, in classpath order.
    pub jars: Vec<PathBuf>,
}

/// Where the project is and how its dependencies are found; shared by every project command.
#[derive(Debug, Clone, Args)]
pub struct ProjectArgs {
    /// The project directory (holding pom.xml or Cargo.toml).
    #[arg(long, short = 'p', default_value = ".")]
    pub project: PathBuf,
    /// Use only the local Maven repository; fail naming any missing artifact.
    #[arg(long)]
    pub offline: bool,
    /// Fail if dependency resolution would change stormpack.lock.
    #[arg(long)]
    pub locked: bool,
    /// The local Maven repository (default: settings.xml's localRepository, else ~/.m2/repository).
    #[arg(long, value_name = "DIR", env = "STORMPACK_MAVEN_REPO_LOCAL")]
    pub maven_repo_local: Option<PathBuf>,
    /// A Maven settings.xml to use instead of ~/.m2/settings.xml.
    #[arg(long, value_name = "FILE")]
    pub settings: Option<PathBuf>,
    /// The `-D` user properties (filled from the global option by `commands::dispatch`).
    #[arg(skip)]
    pub properties: Vec<(String, String)>,
}

#[derive(Debug, Clone, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Rust target triple for the components; repeat for a multi-architecture jar.
    #[arg(long = "target", value_name = "TRIPLE")]
    pub targets: Vec<String>,
    /// Print a machine-readable summary (jar path, sha256, entries) on stdout.
    #[arg(long)]
    pub json: bool,
    /// Print the resolved build plan and stop without building.
    #[arg(long)]
    pub dry_run: bool,
    /// Write the jar into DIR instead of the project's build directory (target/).
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct InspectArgs {
    /// The jar to list.
    pub jar: PathBuf,
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct DepsArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Print the dependency tree instead of the flat list.
    #[arg(long)]
    pub tree: bool,
}

#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Print the topology graph in Graphviz DOT and nothing else.
    #[arg(long)]
    pub dot: bool,
    /// The topology file (default: topology.yaml in the project, its resources/ or
    /// src/main/resources/).
    #[arg(long, value_name = "FILE")]
    pub topology: Option<PathBuf>,
    /// The jar to check against (default: the one jar in the project's target/).
    #[arg(long, value_name = "FILE")]
    pub jar: Option<PathBuf>,
    /// The Storm version whose storm-client provides the runtime classes (default: the
    /// project's).
    #[arg(long)]
    pub storm_version: Option<String>,
    /// A properties file for `${key}` substitution, as Flux's --filter.
    #[arg(long, value_name = "FILE")]
    pub filter: Option<PathBuf>,
    /// Substitute `${ENV-NAME}` from the environment, as Flux's --env-filter.
    #[arg(long)]
    pub env_filter: bool,
}

#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub build: BuildArgs,
    /// How long the LocalCluster runs before it is stopped (e.g. 30s, 2m).
    #[arg(long, default_value = "30s")]
    pub duration: String,
    /// The Storm version to run on (default: the project's Storm version).
    #[arg(long)]
    pub storm_version: Option<String>,
    /// A properties file for `${key}` substitution, passed to Flux as --filter.
    #[arg(long, value_name = "FILE")]
    pub filter: Option<PathBuf>,
    /// Pass --env-filter to Flux.
    #[arg(long)]
    pub env_filter: bool,
    /// A Storm setting for this run, as `storm jar -c`: reaches the topology's configuration
    /// (and every component's conf). Repeatable.
    #[arg(long = "conf", short = 'c', value_name = "KEY=VALUE")]
    pub conf: Vec<String>,
    /// Run this topology jar as it is instead of building the project.
    #[arg(long, value_name = "FILE")]
    pub jar: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ClusterCommand {
    /// Start ZooKeeper, Nimbus and Supervisors (and the UI) from Maven Central artifacts;
    /// returns when Nimbus answers.
    Up(ClusterUpArgs),
    /// List the cluster's daemons and topologies.
    Status(ClusterDirArgs),
    /// Stop every process of the cluster, workers included.
    Down(ClusterDirArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ClusterDirArgs {
    /// The cluster's Storm home.
    #[arg(long, value_name = "DIR", default_value = "target/stormpack-cluster")]
    pub dir: PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct ClusterUpArgs {
    #[command(flatten)]
    pub dir: ClusterDirArgs,
    /// How many Supervisors.
    #[arg(long, default_value_t = 1)]
    pub supervisors: usize,
    /// Worker slots per Supervisor.
    #[arg(long, default_value_t = 2)]
    pub slots: usize,
    /// The Storm version to run.
    #[arg(long, default_value = stormpack::plan::DEFAULT_STORM_VERSION)]
    pub storm_version: String,
    /// Also start the Storm UI (storm-webapp), when it resolves.
    #[arg(long)]
    pub ui: bool,
    /// The local Maven repository (default: settings.xml's localRepository, else ~/.m2/repository).
    #[arg(long, value_name = "DIR", env = "STORMPACK_MAVEN_REPO_LOCAL")]
    pub maven_repo_local: Option<PathBuf>,
    /// Use only the local Maven repository.
    #[arg(long)]
    pub offline: bool,
}

/// Which Nimbus: --nimbus, else STORMPACK_NIMBUS, else ~/.storm/storm.yaml.
#[derive(Debug, Clone, Args)]
pub struct NimbusArgs {
    /// Nimbus's Thrift address, HOST[:PORT] (default port 6627).
    #[arg(long, value_name = "HOST[:PORT]")]
    pub nimbus: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct NameArgs {
    #[command(flatten)]
    pub nimbus: NimbusArgs,
    /// The topology's name.
    pub name: String,
}

#[derive(Debug, Clone, Args)]
pub struct KillArgs {
    #[command(flatten)]
    pub topology: NameArgs,
    /// Seconds between deactivation and removal (default: the topology's message timeout).
    #[arg(long, value_name = "SECS")]
    pub wait: Option<u32>,
}

#[derive(Debug, Clone, Args)]
pub struct SubmitArgs {
    #[command(flatten)]
    pub build: BuildArgs,
    #[command(flatten)]
    pub nimbus: NimbusArgs,
    /// The topology's name on the cluster (default: the topology file's `name`).
    #[arg(long)]
    pub name: Option<String>,
    /// Submit this jar as it is instead of building the project.
    #[arg(long, value_name = "FILE")]
    pub jar: Option<PathBuf>,
    /// A topology setting, as `storm jar -c`: added to the topology's configuration. Repeatable.
    #[arg(long = "conf", short = 'c', value_name = "KEY=VALUE")]
    pub conf: Vec<String>,
    /// A properties file for `${key}` substitution, as Flux's --filter.
    #[arg(long, value_name = "FILE")]
    pub filter: Option<PathBuf>,
    /// Substitute `${ENV-NAME}` from the environment, as Flux's --env-filter.
    #[arg(long)]
    pub env_filter: bool,
    /// Submit through Flux in a JVM even when the topology translates without one.
    #[arg(long)]
    pub jvm: bool,
    /// The Storm version whose storm-client runs Flux on the JVM path (default: Nimbus's).
    #[arg(long)]
    pub storm_version: Option<String>,
}

impl ProjectArgs {
    pub fn to_lib(&self) -> stormpack::ProjectOptions {
        stormpack::ProjectOptions {
            project: self.project.clone(),
            offline: self.offline,
            locked: self.locked,
            maven_repo_local: self.maven_repo_local.clone(),
            settings: self.settings.clone(),
            properties: self.properties.iter().cloned().collect(),
        }
    }
}

impl BuildArgs {
    pub fn to_lib(&self) -> stormpack::BuildOptions {
        stormpack::BuildOptions {
            project: self.project.to_lib(),
            targets: self.targets.clone(),
            out_dir: self.out_dir.clone(),
            flux_filter: None,
            flux_env_filter: false,
        }
    }
}

impl CheckArgs {
    pub fn to_lib(&self) -> stormpack::CheckOptions {
        stormpack::CheckOptions {
            project: self.project.to_lib(),
            topology: self.topology.clone(),
            jar: self.jar.clone(),
            storm_version: self.storm_version.clone(),
            filter: self.filter.clone(),
            env_filter: self.env_filter,
            dot: self.dot,
        }
    }
}

impl RunArgs {
    pub fn to_lib(&self) -> stormpack::RunOptions {
        stormpack::RunOptions {
            build: self.build.to_lib(),
            dry_run: self.build.dry_run,
            duration: self.duration.clone(),
            storm_version: self.storm_version.clone(),
            filter: self.filter.clone(),
            env_filter: self.env_filter,
            conf: self.conf.clone(),
            jar: self.jar.clone(),
        }
    }
}
