//! stormpack: builds Apache Storm topology jars (Flux topology, multilang components in Python or
//! Rust, shaded Maven dependencies) reproducibly and without Maven.
//!
//! The API a program calls (the `stormpack` binary is one such program):
//! ```no_run
//! # fn main() -> anyhow::Result<()> {
//! let options = stormpack::BuildOptions::for_project("examples/wordcount");
//! let project = stormpack::Project::load(&options.project)?;      // the manifest(s)
//! let plan = stormpack::BuildPlan::new(project, &options)?;       // every decision, up front
//! let mut events = stormpack::report::Collect::default();         // or your own Reporter
//! let outcome = stormpack::build(&plan, &mut events)?;            // the jar, checked
//! println!("{} {}", outcome.jar.display(), outcome.sha256);
//! # Ok(()) }
//! ```
//! and [`resolve`] (the dependencies), [`check`] (a topology against a jar), [`run::prepare`]
//! + [`run::execute`] (a real LocalCluster). Errors are [`error::Diagnostic`]s carried by anyhow.
//!
//! The pipeline, one module per stage, run in this order by [`pipeline::build`]:
//! `manifest` (pom.xml or `[package.metadata.stormpack]`) -> `plan` (one immutable build plan) ->
//! `maven` (resolve) -> `cargo_build` (compile components) -> `resources` + `launcher` ->
//! `staging` (every entry, duplicates rejected) -> `shade` (dependency entries, raw) -> `jar`
//! (the only code that knows zip) -> `topology` (check). `run` starts a real LocalCluster.

pub mod cargo_build;
pub mod cluster;
pub mod digest;
pub mod elf;
pub mod error;
pub mod fsread;
pub mod jar;
pub mod java;
pub mod jvm;
pub mod launcher;
pub mod manifest;
pub mod maven;
pub mod nimbus;
pub mod packaging;
pub mod pipeline;
pub mod plan;
pub mod remote_resources;
pub mod report;
pub mod resources;
pub mod run;
pub mod shade;
pub mod staging;
pub mod storm;
pub mod target;
pub mod timestamp;
pub mod topology;

pub use error::{Diagnostic, Location};
pub use pipeline::check::{check, CheckOptions, CheckReport};
pub use pipeline::{build, resolve, BuildOutcome};
pub use plan::{BuildOptions, BuildPlan, Project, ProjectOptions};
pub use report::{Event, Reporter, Stage};
pub use run::prepare::RunOptions;
