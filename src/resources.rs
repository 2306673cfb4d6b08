//! Maven resources: each `<resource>` directory walked, Ant-style includes/excludes applied as
//! Maven reads them (default excludes too), `targetPath` applied, `${...}`/`@...@` filtering.
