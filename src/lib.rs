//! stormpack: builds Apache Storm topology jars (Flux topology, multilang components in Python or
//! Rust, shaded Maven dependencies) reproducibly and without Maven.
//!
//! The pipeline, one module per stage:
//! `manifest` (pom.xml or `[package.metadata.stormpack]`) -> `plan` (one immutable build plan) ->
//! `resources` + `cargo_build`/`launcher` + `maven` (resolve) -> `staging` (every entry, duplicates
//! rejected) -> `shade` (dependency entries, raw) -> `jar` (the only code that knows zip) ->
//! `topology` (check) -> `run` (real LocalCluster).

pub mod cargo_build;
pub mod cli;
pub mod cluster;
pub mod commands;
pub mod elf;
pub mod error;
pub mod fsread;
pub mod jar;
pub mod java;
pub mod launcher;
pub mod manifest;
pub mod maven;
pub mod nimbus;
pub mod plan;
pub mod resources;
pub mod run;
pub mod shade;
pub mod staging;
pub mod target;
pub mod timestamp;
pub mod topology;
