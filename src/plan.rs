//! The build plan: the command line, the manifest and the environment resolved once, up front,
//! into one immutable description of the build. `--dry-run`/`--json` print it.
