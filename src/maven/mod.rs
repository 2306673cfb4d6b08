//! Everything Maven: coordinates, the pom model (parse, inherit, interpolate), remote and local
//! repositories, dependency resolution with Maven's semantics, and the lockfile.
//!
//! Callers use three entry points: [`project::load_project`] (the project's own pom.xml as an
//! effective model), [`repository::RepositorySystem`] (artifacts and poms on disk, downloading
//! into the shared local repository), and [`resolve::resolve`] (a root's dependencies to the
//! runtime classpath, in Maven's order).

pub mod coord;
pub mod environment;
mod inherit;
mod interpolate;
pub mod lock;
pub mod model;
pub mod plugin_config;
pub mod pom;
pub mod profile;
pub mod project;
pub mod remote;
pub mod repository;
pub mod resolve;
pub mod settings;
mod transport;
pub mod version;
pub mod xml;

pub use coord::{Artifact, Dependency, Exclusion, Scope};
