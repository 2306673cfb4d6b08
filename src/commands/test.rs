//! `stormpack test`: compile the main and test sources (javac skipped when unchanged), run the
//! tests as maven-surefire-plugin does (JUnit Platform: Jupiter, and JUnit 4 through the vintage
//! engine), print surefire's summary and write `target/surefire-reports/TEST-<class>.xml`. Exits
//! 1 when a test failed or erred.

use anyhow::Context;

use crate::cli::BuildArgs;
use stormpack::plan::BuildPlan;

pub fn run(args: &BuildArgs) -> anyhow::Result<i32> {
    let plan = BuildPlan::resolve(&args.to_lib())?;
    let java = plan.java.as_ref().with_context(|| {
        stormpack::error::Diagnostic::new("this project has no Java sources to test").fix(
            "add `java-sources` to [package.metadata.stormpack], or put tests under src/test/java in a Maven project",
        )
    })?;
    if !java.has_tests() {
        eprintln!(
            "note: no tests: {} holds no .java files",
            java.test_source_dir.display()
        );
        return Ok(0);
    }
    let resolution = stormpack::resolve(&plan, &mut super::Stderr)?;
    let jdk = match java.compile_main(&resolution, &plan.request, &plan.repos)? {
        Some((compiled, jdk)) => {
            report("main", &compiled, &jdk);
            jdk
        }
        None => java.jdk(true)?,
    };
    jdk.require(
        java.options.required_feature(true).unwrap_or(0),
        &java.options.declared_at,
    )?;
    if let Some(compiled) = java.compile_tests(&resolution, &plan.request, &plan.repos, &jdk)? {
        report("test", &compiled, &jdk);
    }
    let resources = write_resources(&plan, java)?;
    let summary = stormpack::java::junit::run(
        java,
        &jdk,
        &resources,
        &resolution,
        &plan.request,
        &plan.repos,
    )?;
    eprint!("{}", summary.render());
    if let Some(first) = summary.reports.first() {
        eprintln!(
            "     Reports {} file(s) in {}",
            summary.reports.len(),
            first.parent().unwrap_or(first).display()
        );
    }
    if summary.tests == 0 {
        eprintln!("note: no test class matched surefire's default includes (Test*, *Test, *Tests, *TestCase)");
    }
    Ok(if summary.passed() { 0 } else { 1 })
}

/// The class path entries surefire has besides the classes: the project's resources as the jar
/// holds them (filtered, targetPath applied), written to `target/stormpack/main-resources/`, and
/// `src/test/resources` as it is.
fn write_resources(
    plan: &BuildPlan,
    java: &stormpack::java::JavaPlan,
) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let mut staging = stormpack::staging::Staging::new();
    for set in &plan.resources {
        stormpack::resources::stage(
            set,
            &plan.project_dir,
            &plan.filter_properties,
            &plan.filtering,
            &mut staging,
        )?;
    }
    let dir = java.build_dir.join("stormpack/main-resources");
    if dir.exists() {
        fs_err::remove_dir_all(&dir)?;
    }
    fs_err::create_dir_all(&dir)?;
    for entry in staging.entries() {
        let dest = dir.join(&entry.path);
        if let Some(parent) = dest.parent() {
            fs_err::create_dir_all(parent)?;
        }
        match &entry.source {
            stormpack::staging::EntrySource::Bytes(bytes) => fs_err::write(&dest, bytes)?,
            stormpack::staging::EntrySource::File(file) => {
                fs_err::copy(file, &dest)?;
            }
        }
    }
    let mut out = Vec::new();
    let test_resources = plan.project_dir.join("src/test/resources");
    if test_resources.is_dir() {
        out.push(test_resources);
    }
    out.push(dir);
    Ok(out)
}

fn report(label: &str, compiled: &stormpack::java::Compiled, jdk: &stormpack::java::Jdk) {
    if compiled.fresh {
        eprintln!(
            "       Fresh {} {label} Java source(s) unchanged: javac not started",
            compiled.sources
        );
    } else {
        eprintln!(
            "    Compiled {} {label} Java source(s) with javac {}",
            compiled.sources, jdk.version
        );
    }
}
