//! The project manifest: a Maven `pom.xml`, or a Rust-first `Cargo.toml` with
//! `[package.metadata.stormpack]` (read through `cargo metadata`). A Rust-first project may also
//! have a pom.xml; then the pom supplies coordinates, resources and dependencies, and Cargo.toml
//! the components.

pub mod rust;
