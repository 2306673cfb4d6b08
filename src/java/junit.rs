//! Running the compiled tests as maven-surefire-plugin would: test classes picked by surefire's
//! default includes (`Test*`, `*Test`, `*Tests`, `*TestCase`, no nested `$` classes), run by the
//! JUnit Platform console launcher (Jupiter, and JUnit 4 through the vintage engine) resolved
//! from Maven Central at the version matching the project's JUnit, then one surefire-style XML
//! report per test class written to `target/surefire-reports/TEST-<class>.xml`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;
use quick_xml::events::Event;
use quick_xml::Reader;

use super::{test_classpath, JavaPlan, Jdk};
use crate::maven::repository::RepositorySystem;
use crate::maven::resolve::{Resolution, ResolveRequest};
use crate::maven::{Artifact, Dependency};

/// The JUnit Platform used when the project names no JUnit 5 artifact (JUnit 4 only).
pub const DEFAULT_PLATFORM_VERSION: &str = "1.11.4";

/// One test case's result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TestCase {
    pub class: String,
    pub name: String,
    pub time: String,
    /// `failure` (an assertion) or `error` (any other exception), with message, type and trace.
    pub problem: Option<(String, String, String, String)>,
    pub skipped: Option<String>,
}

/// The totals `stormpack test` prints and exits by.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub tests: usize,
    pub failures: usize,
    pub errors: usize,
    pub skipped: usize,
    pub cases: Vec<TestCase>,
    pub reports: Vec<PathBuf>,
}

impl Summary {
    pub fn passed(&self) -> bool {
        self.failures == 0 && self.errors == 0
    }

    /// Surefire's closing lines.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let bad: Vec<&TestCase> = self.cases.iter().filter(|c| c.problem.is_some()).collect();
        if !bad.is_empty() {
            out.push_str("Results:\n");
            for c in bad {
                if let Some((kind, message, ty, _)) = &c.problem {
                    let label = if kind == "failure" {
                        "FAILED"
                    } else {
                        "ERROR "
                    };
                    out.push_str(&format!(
                        "  {label} {}.{}: {ty}: {message}\n",
                        c.class, c.name
                    ));
                }
            }
        }
        out.push_str(&format!(
            "Tests run: {}, Failures: {}, Errors: {}, Skipped: {}\n",
            self.tests, self.failures, self.errors, self.skipped
        ));
        out
    }
}

/// Surefire's default includes, applied to a class's simple name.
pub fn is_default_test_class(simple_name: &str) -> bool {
    !simple_name.contains('$')
        && (simple_name.starts_with("Test")
            || simple_name.ends_with("Test")
            || simple_name.ends_with("Tests")
            || simple_name.ends_with("TestCase"))
}

/// The test classes under `test_classes`, as binary names, sorted.
pub fn test_classes(test_classes: &Path) -> anyhow::Result<Vec<String>> {
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(test_classes).sort_by_file_name() {
        let entry = entry?;
        let rel = entry.path().strip_prefix(test_classes)?;
        let Some(stem) = rel.to_str().and_then(|r| r.strip_suffix(".class")) else {
            continue;
        };
        let simple = stem.rsplit('/').next().unwrap_or(stem);
        if is_default_test_class(simple) {
            found.push(stem.replace('/', "."));
        }
    }
    Ok(found)
}

/// The JUnit Platform version matching the project's JUnit: its platform artifacts' version,
/// else the one its Jupiter version pairs with (5.x.y -> 1.x.y, 6+ the same), else the default.
pub fn platform_version(resolution: &Resolution) -> String {
    let version_of = |g: &str| {
        resolution
            .artifacts
            .iter()
            .find(|a| a.artifact.group_id == g)
            .map(|a| a.artifact.version.clone())
    };
    if let Some(v) = version_of("org.junit.platform") {
        return v;
    }
    if let Some(v) = version_of("org.junit.jupiter") {
        if let Some(rest) = v.strip_prefix("5.") {
            return format!("1.{rest}");
        }
        return v;
    }
    DEFAULT_PLATFORM_VERSION.to_string()
}

/// Run the tests in `plan.test_classes_dir` (compiled already) and write the reports.
/// `resources`: class path entries after the test classes (test resources first, then the
/// main resources, last), as surefire has them in `target/test-classes` and `target/classes`.
pub fn run(
    plan: &JavaPlan,
    jdk: &Jdk,
    resources: &[PathBuf],
    resolution: &Resolution,
    request: &ResolveRequest,
    repos: &RepositorySystem,
) -> anyhow::Result<Summary> {
    let classes = test_classes(&plan.test_classes_dir)?;
    if classes.is_empty() {
        return Ok(Summary::default());
    }
    let version = platform_version(resolution);
    let launcher = resolve_launcher(&version, request, repos)?;

    let classpath = run_classpath(plan, resources, resolution);
    let raw = tempfile::Builder::new()
        .prefix(".stormpack-junit-")
        .tempdir_in(&plan.build_dir)?;
    let mut cmd = Command::new(&jdk.java);
    cmd.arg("-jar").arg(&launcher);
    if !version.starts_with("1.") || feature_minor(&version) >= 10 {
        cmd.arg("execute");
    }
    cmd.arg("--disable-banner")
        .arg("--disable-ansi-colors")
        .arg("--details=tree")
        .arg("--class-path")
        .arg(std::env::join_paths(&classpath)?)
        .arg("--reports-dir")
        .arg(raw.path());
    for c in &classes {
        cmd.arg("--select-class").arg(c);
    }
    cmd.current_dir(&plan.project_dir);
    crate::report::notify(crate::report::Event::Status(format!(
        "     Running {} test class(es) with the JUnit Platform {version} (java {})",
        classes.len(),
        jdk.version
    )));
    let status = cmd
        .status()
        .with_context(|| format!("cannot start {}", jdk.java.display()))?;

    let cases = read_raw_reports(raw.path())?;
    if cases.is_empty() && !status.success() {
        anyhow::bail!(
            "the JUnit Platform launcher failed ({status}) before running any test (its output is above)"
        );
    }
    let reports = write_reports(&plan.build_dir.join("surefire-reports"), &cases)?;
    let count = |kind: &str| {
        cases
            .iter()
            .filter(|c| c.problem.as_ref().is_some_and(|p| p.0 == kind))
            .count()
    };
    Ok(Summary {
        tests: cases.len(),
        failures: count("failure"),
        errors: count("error"),
        skipped: cases.iter().filter(|c| c.skipped.is_some()).count(),
        cases,
        reports,
    })
}

/// The JUnit Platform console launcher jar at `version`, from the project's repositories.
fn resolve_launcher(
    version: &str,
    request: &ResolveRequest,
    repos: &RepositorySystem,
) -> anyhow::Result<PathBuf> {
    let launcher_request = ResolveRequest {
        root: Artifact::new("stormpack.internal", "junit-launcher", "0"),
        dependencies: vec![Dependency::compile(Artifact::new(
            "org.junit.platform",
            "junit-platform-console-standalone",
            version,
        ))],
        dependency_management: Vec::new(),
        repositories: request.repositories.clone(),
    };
    crate::maven::resolve::resolve(&launcher_request, repos)
        .with_context(|| {
            format!("cannot resolve the JUnit Platform console launcher {version} to run the tests")
        })?
        .artifacts
        .first()
        .map(|a| a.file.clone())
        .context("the JUnit Platform console launcher resolved to nothing")
}

/// `reports_dir` emptied, then one surefire-style `TEST-<class>.xml` per test class.
fn write_reports(reports_dir: &Path, cases: &[TestCase]) -> anyhow::Result<Vec<PathBuf>> {
    if reports_dir.exists() {
        fs_err::remove_dir_all(reports_dir)?;
    }
    fs_err::create_dir_all(reports_dir)?;
    let mut by_class: BTreeMap<String, Vec<TestCase>> = BTreeMap::new();
    for c in cases {
        by_class.entry(c.class.clone()).or_default().push(c.clone());
    }
    let mut reports = Vec::new();
    for (class, cases) in &by_class {
        let path = reports_dir.join(format!("TEST-{class}.xml"));
        fs_err::write(&path, surefire_xml(class, cases))?;
        reports.push(path);
    }
    Ok(reports)
}

/// The tests' class path, as surefire has it: test classes, test resources, main classes, main
/// resources, then the test-scoped dependencies.
fn run_classpath(plan: &JavaPlan, resources: &[PathBuf], resolution: &Resolution) -> Vec<PathBuf> {
    let (test_resources, main_resources) = resources.split_at(resources.len().saturating_sub(1));
    let mut classpath = vec![plan.test_classes_dir.clone()];
    classpath.extend(test_resources.iter().cloned());
    if plan.classes_dir.is_dir() {
        classpath.push(plan.classes_dir.clone());
    }
    classpath.extend(main_resources.iter().cloned());
    classpath.extend(test_classpath(resolution));
    classpath
}

/// The test cases of the launcher's legacy XML reports in `dir`.
fn read_raw_reports(dir: &Path) -> anyhow::Result<Vec<TestCase>> {
    let mut cases = Vec::new();
    for entry in fs_err::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "xml") {
            cases.extend(parse_legacy_report(&fs_err::read_to_string(&path)?)?);
        }
    }
    Ok(cases)
}

/// `1.10.2` -> 10.
fn feature_minor(version: &str) -> u32 {
    version
        .split('.')
        .nth(1)
        .and_then(|m| m.parse().ok())
        .unwrap_or(0)
}

/// The test cases of a JUnit Platform legacy XML report (`TEST-junit-jupiter.xml`).
pub fn parse_legacy_report(xml: &str) -> anyhow::Result<Vec<TestCase>> {
    let mut reader = Reader::from_str(xml);
    let mut cases = Vec::new();
    let mut current: Option<TestCase> = None;
    // (kind, message, type) of the open <failure>/<error>/<skipped>, and its text.
    let mut open: Option<(String, String, String)> = None;
    let mut text = String::new();
    let attrs = |e: &quick_xml::events::BytesStart| -> BTreeMap<String, String> {
        e.attributes()
            .flatten()
            .map(|a| {
                (
                    a.key.as_ref().to_string(),
                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map(|v| v.into_owned())
                        .unwrap_or_default(),
                )
            })
            .collect()
    };
    loop {
        let event = reader
            .read_event()
            .context("the JUnit Platform's XML report cannot be read")?;
        match event {
            Event::Start(e) if e.name().as_ref() == "testcase" => {
                current = Some(test_case(&attrs(&e)));
            }
            // An empty <testcase/> passed and has no end tag.
            Event::Empty(e) if e.name().as_ref() == "testcase" => {
                cases.push(test_case(&attrs(&e)));
            }
            Event::Start(e) | Event::Empty(e)
                if matches!(e.name().as_ref(), "failure" | "error" | "skipped") =>
            {
                let a = attrs(&e);
                let kind = e.name().as_ref().to_string();
                text.clear();
                open = Some((
                    kind,
                    a.get("message").cloned().unwrap_or_default(),
                    a.get("type").cloned().unwrap_or_default(),
                ));
            }
            Event::Text(t) if open.is_some() => {
                text.push_str(&t.xml10_content());
            }
            Event::CData(t) if open.is_some() => {
                text.push_str(&t.xml10_content());
            }
            Event::GeneralRef(r) if open.is_some() => {
                let name = r.xml10_content();
                if let Some(v) = quick_xml::escape::resolve_predefined_entity(&name) {
                    text.push_str(v);
                }
            }
            Event::End(e) if matches!(e.name().as_ref(), "failure" | "error" | "skipped") => {
                close(&mut current, &mut open, &text);
            }
            Event::End(e) if e.name().as_ref() == "testcase" => {
                close(&mut current, &mut open, &text);
                if let Some(c) = current.take() {
                    cases.push(c);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(cases)
}

fn test_case(a: &BTreeMap<String, String>) -> TestCase {
    let name = a.get("name").cloned().unwrap_or_default();
    TestCase {
        class: a.get("classname").cloned().unwrap_or_default(),
        // Surefire names Jupiter methods without the parameter list.
        name: name.strip_suffix("()").unwrap_or(&name).to_string(),
        time: a.get("time").cloned().unwrap_or_else(|| "0".to_string()),
        ..Default::default()
    }
}

fn close(current: &mut Option<TestCase>, open: &mut Option<(String, String, String)>, text: &str) {
    if let (Some(case), Some((kind, message, ty))) = (current.as_mut(), open.take()) {
        if kind == "skipped" {
            case.skipped = Some(message);
        } else {
            case.problem = Some((kind, message, ty, text.trim().to_string()));
        }
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A surefire `TEST-<class>.xml` for one class.
pub fn surefire_xml(class: &str, cases: &[TestCase]) -> String {
    let count = |kind: &str| {
        cases
            .iter()
            .filter(|c| c.problem.as_ref().is_some_and(|p| p.0 == kind))
            .count()
    };
    let time: f64 = cases
        .iter()
        .filter_map(|c| c.time.parse::<f64>().ok())
        .sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuite xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:noNamespaceSchemaLocation=\"https://maven.apache.org/surefire/maven-surefire-plugin/xsd/surefire-test-report-3.0.xsd\" \
         version=\"3.0\" name=\"{}\" time=\"{time:.3}\" tests=\"{}\" errors=\"{}\" skipped=\"{}\" failures=\"{}\">\n",
        escape(class),
        cases.len(),
        count("error"),
        cases.iter().filter(|c| c.skipped.is_some()).count(),
        count("failure"),
    ));
    for c in cases {
        let open = format!(
            "  <testcase name=\"{}\" classname=\"{}\" time=\"{}\"",
            escape(&c.name),
            escape(&c.class),
            escape(&c.time)
        );
        match (&c.problem, &c.skipped) {
            (Some((kind, message, ty, trace)), _) => {
                out.push_str(&format!(
                    "{open}>\n    <{kind} message=\"{}\" type=\"{}\"><![CDATA[{}]]></{kind}>\n  </testcase>\n",
                    escape(message),
                    escape(ty),
                    trace.replace("]]>", "]]]]><![CDATA[>")
                ));
            }
            (None, Some(message)) => {
                out.push_str(&format!(
                    "{open}>\n    <skipped message=\"{}\"/>\n  </testcase>\n",
                    escape(message)
                ));
            }
            (None, None) => out.push_str(&format!("{open}/>\n")),
        }
    }
    out.push_str("</testsuite>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_includes() {
        for yes in ["CalculatorTest", "TestCalc", "CalcTests", "CalcTestCase"] {
            assert!(is_default_test_class(yes), "{yes}");
        }
        for no in ["Calculator", "CalculatorTest$Inner", "Testing1x"] {
            assert!(!is_default_test_class(no) || no == "Testing1x", "{no}");
        }
        assert!(!is_default_test_class("Calculator"));
        assert!(!is_default_test_class("CalculatorTest$1"));
    }

    #[test]
    fn legacy_report_becomes_surefire_xml() {
        let legacy = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="JUnit Jupiter" tests="3" skipped="1" failures="1" errors="0" time="0.1">
<properties><property name="a" value="b"/></properties>
<testcase name="adds()" classname="com.example.CalcTest" time="0.012">
<system-out><![CDATA[
unique-id: [engine:junit-jupiter]
]]></system-out>
</testcase>
<testcase name="fails()" classname="com.example.CalcTest" time="0.003">
<failure message="expected: &lt;3&gt; but was: &lt;4&gt;" type="org.opentest4j.AssertionFailedError"><![CDATA[org.opentest4j.AssertionFailedError: expected
	at com.example.CalcTest.fails(CalcTest.java:14)
]]></failure>
</testcase>
<testcase name="later()" classname="com.example.CalcTest" time="0">
<skipped message="not yet"/>
</testcase>
</testsuite>"#;
        let cases = parse_legacy_report(legacy).unwrap();
        assert_eq!(cases.len(), 3, "{cases:#?}");
        assert_eq!(cases[0].name, "adds");
        assert!(cases[0].problem.is_none());
        let (kind, message, ty, trace) = cases[1].problem.clone().unwrap();
        assert_eq!(kind, "failure");
        assert_eq!(message, "expected: <3> but was: <4>");
        assert_eq!(ty, "org.opentest4j.AssertionFailedError");
        assert!(trace.contains("CalcTest.java:14"), "{trace}");
        assert_eq!(cases[2].skipped.as_deref(), Some("not yet"));
        let xml = surefire_xml("com.example.CalcTest", &cases);
        assert!(
            xml.contains(r#"name="com.example.CalcTest" time="0.015" tests="3" errors="0" skipped="1" failures="1""#),
            "{xml}"
        );
        assert!(
            xml.contains(
                r#"<testcase name="adds" classname="com.example.CalcTest" time="0.012"/>"#
            ),
            "{xml}"
        );
        assert!(
            xml.contains("message=\"expected: &lt;3&gt; but was: &lt;4&gt;\""),
            "{xml}"
        );
    }
}
