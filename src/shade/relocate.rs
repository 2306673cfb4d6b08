//! Applying the pom's relocations: the project's staged entries are renamed and their class
//! files and service files rewritten before the shade plan is made (the project jar is the
//! first jar maven-shade-plugin reads); dependency class files are rewritten one at a time as
//! the jar writer copies them ([`crate::jar::ClassRewrite`]).

use anyhow::Context;

use crate::error::Diagnostic;
use crate::staging::{EntrySource, StagedEntry, Staging};

use super::classfile;
use super::config::ShadeConfig;
use super::relocator::Relocators;

impl crate::jar::ClassRewrite for Relocators {
    fn rewrite(&self, source: &str, bytes: &[u8]) -> anyhow::Result<Option<Vec<u8>>> {
        classfile::relocate(bytes, source, self)
    }
}

/// The project's entries as maven-shade-plugin writes them under `config`'s relocations:
/// renamed, class files rewritten (kept as they are when nothing in them is relocated), service
/// files renamed and their lines relocated when a ServicesResourceTransformer is configured.
pub fn relocate_staging(staging: &Staging, config: &ShadeConfig) -> anyhow::Result<Staging> {
    let relocations = &config.relocations;
    let mut out = Staging::new();
    for entry in staging.entries() {
        let mut path = relocations.entry_name(&entry.path);
        let mut source = entry.source.clone();
        let read = || -> anyhow::Result<Vec<u8>> {
            match &entry.source {
                EntrySource::Bytes(b) => Ok(b.clone()),
                EntrySource::File(f) => fs_err::read(f).context("reading a staged entry"),
            }
        };
        if entry.path.ends_with(".class") {
            let bytes = read()?;
            match classfile::relocate(&bytes, &entry.path, relocations) {
                Ok(Some(rewritten)) => source = EntrySource::Bytes(rewritten),
                Ok(None) => {}
                Err(e) => {
                    return Err(Diagnostic::new(format!(
                        "cannot relocate the project's class file `{}` ({}): {e:#}",
                        entry.path, entry.origin
                    ))
                    .fix("rebuild the project's classes (it is not a valid class file), or remove <relocations>")
                    .into())
                }
            }
        } else if config.claim(&path) == Some(super::config::Claim::Services) {
            path = relocations.service_name(&path);
            source = EntrySource::Bytes(relocations.service_content(&read()?));
        }
        out.add(StagedEntry {
            path,
            source,
            executable: entry.executable,
            origin: entry.origin.clone(),
        })?;
    }
    Ok(out)
}
