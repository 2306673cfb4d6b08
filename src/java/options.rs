//! javac options as maven-compiler-plugin (3.13, Maven 3.9's default) reads them from a pom:
//! `<configuration>` of the plugin in `<build><plugins>` (falling back to
//! `<pluginManagement>`), else the `maven.compiler.*` user properties, else the plugin's
//! defaults (`-source 1.8 -target 1.8`, `-g`). Values are interpolated with the project's
//! properties before they reach javac.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::maven::pom::Element;
use crate::maven::{Artifact, Dependency};

/// The Java release a Rust-first project's `java-sources` are compiled for.
pub const RUST_FIRST_RELEASE: &str = "17";

/// maven-compiler-plugin 3.13's default `source`/`target`.
pub const DEFAULT_SOURCE: &str = "1.8";

/// The compiler configuration of one project (main and test share it; `test*` overrides apply
/// to the test compile).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CompilerOptions {
    pub release: Option<String>,
    pub source: Option<String>,
    pub target: Option<String>,
    pub test_release: Option<String>,
    pub test_source: Option<String>,
    pub test_target: Option<String>,
    /// `encoding`, else `project.build.sourceEncoding`; unset means the platform's encoding,
    /// as with Maven.
    pub encoding: Option<String>,
    /// `debug` (default true: `-g`); false gives `-g:none`.
    pub debug: bool,
    /// `debuglevel` (`lines,vars,source`): `-g:<level>` when `debug` is on.
    pub debuglevel: Option<String>,
    pub parameters: bool,
    /// `compilerArgs` then `compilerArgument`, in that order, after stormpack's own options.
    pub compiler_args: Vec<String>,
    /// `proc`: `none` or `only`.
    pub proc: Option<String>,
    /// `annotationProcessors`: `-processor a,b`.
    pub processors: Vec<String>,
    /// `annotationProcessorPaths`: resolved (with their dependencies) into `-processorpath`.
    /// Empty: javac finds processors on the classpath itself.
    pub processor_paths: Vec<String>,
    /// Where the configuration came from, for messages (`pom.xml:52:9`, or `defaults`).
    pub declared_at: String,
}

impl CompilerOptions {
    /// Options for a project without a pom (Rust-first `java-sources`): `-g`, UTF-8 and
    /// `--release 17` (what Storm 2.8 runs on) instead of the plugin's obsolete 1.8.
    pub fn defaults(declared_at: &str) -> Self {
        CompilerOptions {
            debug: true,
            release: Some(RUST_FIRST_RELEASE.to_string()),
            encoding: Some("UTF-8".to_string()),
            declared_at: declared_at.to_string(),
            ..Default::default()
        }
    }

    /// Read the options from the `<build>` elements of the pom and its parents (nearest first)
    /// and the effective properties (inherited ones included). Configuration is inherited as
    /// Maven does by default: from the farthest parent down, each pom's `pluginManagement` then
    /// `plugins` configuration replaces same-named parameters.
    pub fn from_lineage(
        build_lineage: &[(std::path::PathBuf, Element)],
        properties: &BTreeMap<String, String>,
    ) -> Self {
        let (merged, declared_at) = merged_configuration(build_lineage);
        let config = declared_at.is_some().then_some(&merged);
        let interp = |s: &str| interpolate(s, properties);
        let param = |name: &str, property: &str| -> Option<String> {
            config
                .and_then(|c| c.text_of(name))
                .map(interp)
                .or_else(|| properties.get(property).cloned())
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let flag = |name: &str, property: &str, default: bool| -> bool {
            param(name, property).map_or(default, |v| v.eq_ignore_ascii_case("true"))
        };
        let mut compiler_args: Vec<String> = config
            .map(|c| {
                c.child("compilerArgs")
                    .map(|a| a.children.iter().map(|e| interp(&e.text)).collect())
                    .unwrap_or_default()
            })
            .unwrap_or_default();
        if let Some(arg) = config.and_then(|c| c.text_of("compilerArgument")) {
            compiler_args.extend(interp(arg).split_whitespace().map(str::to_string));
        }
        let processors = config
            .and_then(|c| c.child("annotationProcessors"))
            .map(|a| a.children.iter().map(|e| interp(&e.text)).collect())
            .unwrap_or_default();
        let processor_paths = config
            .and_then(|c| c.child("annotationProcessorPaths"))
            .map(|a| {
                a.children
                    .iter()
                    .map(|p| processor_path(p, &interp))
                    .collect()
            })
            .unwrap_or_default();
        CompilerOptions {
            release: param("release", "maven.compiler.release"),
            source: param("source", "maven.compiler.source"),
            target: param("target", "maven.compiler.target"),
            test_release: param("testRelease", "maven.compiler.testRelease"),
            test_source: param("testSource", "maven.compiler.testSource"),
            test_target: param("testTarget", "maven.compiler.testTarget"),
            encoding: param("encoding", "project.build.sourceEncoding"),
            debug: flag("debug", "maven.compiler.debug", true),
            debuglevel: param("debuglevel", "maven.compiler.debuglevel"),
            parameters: flag("parameters", "maven.compiler.parameters", false),
            compiler_args,
            proc: param("proc", "maven.compiler.proc"),
            processors,
            processor_paths,
            declared_at: declared_at.unwrap_or_else(|| {
                let pom = build_lineage
                    .first()
                    .map_or_else(|| "pom.xml".to_string(), |(f, _)| f.display().to_string());
                format!("{pom} (maven-compiler-plugin defaults)")
            }),
        }
    }

    /// The `release` (or else `target`) javac is asked for, as a Java feature number.
    pub fn required_feature(&self, test: bool) -> Option<u32> {
        let (release, _, target) = self.levels(test);
        release
            .or(target)
            .or_else(|| Some(DEFAULT_SOURCE.to_string()))
            .and_then(|v| feature_number(&v))
    }

    /// (release, source, target) for the main or the test compile.
    fn levels(&self, test: bool) -> (Option<String>, Option<String>, Option<String>) {
        if test {
            let release = self.test_release.clone().or_else(|| self.release.clone());
            let source = self.test_source.clone().or_else(|| self.source.clone());
            let target = self.test_target.clone().or_else(|| self.target.clone());
            (release, source, target)
        } else {
            (
                self.release.clone(),
                self.source.clone(),
                self.target.clone(),
            )
        }
    }

    /// The javac options these settings give, in the order maven-compiler-plugin passes them
    /// (output, class path and source files are added by the caller).
    pub fn javac_args(&self, test: bool) -> Vec<String> {
        let mut args = Vec::new();
        if self.debug {
            match &self.debuglevel {
                Some(level) => args.push(format!("-g:{level}")),
                None => args.push("-g".to_string()),
            }
        } else {
            args.push("-g:none".to_string());
        }
        if self.parameters {
            args.push("-parameters".to_string());
        }
        let (release, source, target) = self.levels(test);
        match release {
            Some(release) => {
                args.push("--release".to_string());
                args.push(release);
            }
            None => {
                args.push("-target".to_string());
                args.push(target.unwrap_or_else(|| DEFAULT_SOURCE.to_string()));
                args.push("-source".to_string());
                args.push(source.unwrap_or_else(|| DEFAULT_SOURCE.to_string()));
            }
        }
        if let Some(encoding) = &self.encoding {
            args.push("-encoding".to_string());
            args.push(encoding.clone());
        }
        if let Some(proc) = &self.proc {
            args.push(format!("-proc:{proc}"));
        }
        if !self.processors.is_empty() {
            args.push("-processor".to_string());
            args.push(self.processors.join(","));
        }
        args.extend(self.compiler_args.iter().cloned());
        args
    }

    /// `annotationProcessorPaths` as dependencies to resolve.
    pub fn processor_dependencies(&self) -> anyhow::Result<Vec<Dependency>> {
        self.processor_paths
            .iter()
            .map(|coord| {
                let parts: Vec<&str> = coord.split(':').collect();
                if parts.len() < 3 || parts[..3].iter().any(|p| p.trim().is_empty()) {
                    anyhow::bail!(crate::error::Diagnostic::new(format!(
                        "{}: annotationProcessorPaths entry `{coord}` needs groupId, artifactId \
                         and version",
                        self.declared_at
                    ))
                    .fix("give each <path> a <groupId>, <artifactId> and <version>"));
                }
                let mut artifact = Artifact::new(parts[0], parts[1], parts[2]);
                if let Some(c) = parts.get(3) {
                    artifact.classifier = Some((*c).to_string());
                }
                Ok(Dependency::compile(artifact))
            })
            .collect()
    }
}

/// The maven-compiler-plugin configuration of the lineage (`build_lineage` nearest first),
/// merged from the farthest pom down, and where the nearest one is declared (`file:line:col`);
/// `None` when no pom configures the plugin.
fn merged_configuration(
    build_lineage: &[(std::path::PathBuf, Element)],
) -> (Element, Option<String>) {
    let mut merged = Element::default();
    let mut declared_at = None;
    for (file, build) in build_lineage.iter().rev() {
        for config in compiler_configurations(build) {
            for param in &config.children {
                merged.children.retain(|c| c.name != param.name);
                merged.children.push(param.clone());
            }
            declared_at = Some(format!(
                "{}:{}:{}",
                file.display(),
                config.line,
                config.column
            ));
        }
    }
    (merged, declared_at)
}

/// One `<annotationProcessorPaths>` entry as `g:a:v[:classifier]`.
fn processor_path(p: &Element, interp: &dyn Fn(&str) -> String) -> String {
    let g = interp(p.text_of("groupId").unwrap_or(""));
    let a = interp(p.text_of("artifactId").unwrap_or(""));
    let v = interp(p.text_of("version").unwrap_or(""));
    match p.text_of("classifier") {
        Some(c) => format!("{g}:{a}:{v}:{}", interp(c)),
        None => format!("{g}:{a}:{v}"),
    }
}

/// `8`, `1.8`, `17`, `21-preview`... as a feature number.
pub fn feature_number(v: &str) -> Option<u32> {
    let v = v.trim();
    let v = v.strip_prefix("1.").unwrap_or(v);
    v.split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|n| n.parse().ok())
}

/// maven-compiler-plugin's `<configuration>` in one `<build>`: `pluginManagement`'s, then
/// `plugins`' (which wins).
fn compiler_configurations(build: &Element) -> Vec<&Element> {
    fn find(plugins: Option<&Element>) -> Option<&Element> {
        plugins?
            .children_named("plugin")
            .find(|p| p.text_of("artifactId") == Some("maven-compiler-plugin"))
            .and_then(|p| p.child("configuration"))
    }
    find(build.at(&["pluginManagement", "plugins"]))
        .into_iter()
        .chain(find(build.child("plugins")))
        .collect()
}

/// `${name}` replaced by the property's value; unknown names stay as written (as Maven leaves
/// them in plugin configuration).
pub fn interpolate(s: &str, properties: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = s;
    let mut depth = 0;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end) => {
                let name = &after[..end];
                match properties.get(name) {
                    Some(v) if depth < 16 && v.contains("${") => {
                        depth += 1;
                        out.push_str(&interpolate(v, properties));
                    }
                    Some(v) => out.push_str(v),
                    None => out.push_str(&rest[start..start + 2 + end + 1]),
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maven::pom::parse_xml;
    use std::path::Path;

    fn options(pom: &str, props: &[(&str, &str)]) -> CompilerOptions {
        lineage(&[pom], props)
    }

    /// `poms`: the project's first, then its parents.
    fn lineage(poms: &[&str], props: &[(&str, &str)]) -> CompilerOptions {
        let builds: Vec<(std::path::PathBuf, Element)> = poms
            .iter()
            .enumerate()
            .filter_map(|(i, pom)| {
                let root = parse_xml(Path::new("pom.xml"), pom.as_bytes()).unwrap();
                let name = if i == 0 {
                    "pom.xml".to_string()
                } else {
                    format!("parent{i}.xml")
                };
                Some((name.into(), root.child("build")?.clone()))
            })
            .collect();
        let props = props
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        CompilerOptions::from_lineage(&builds, &props)
    }

    #[test]
    fn configuration_is_inherited_parameter_by_parameter() {
        let parent = "<project><build><pluginManagement><plugins><plugin><artifactId>maven-compiler-plugin</artifactId>
               <configuration><parameters>true</parameters><release>11</release></configuration>
               </plugin></plugins></pluginManagement></build></project>";
        let child =
            "<project><build><plugins><plugin><artifactId>maven-compiler-plugin</artifactId>
               <configuration><release>17</release></configuration>
               </plugin></plugins></build></project>";
        let o = lineage(&[child, parent], &[]);
        assert_eq!(
            o.javac_args(false),
            ["-g", "-parameters", "--release", "17"]
        );
        assert_eq!(o.declared_at, "pom.xml:2:16");
        let o = lineage(&["<project/>", parent], &[]);
        assert_eq!(
            o.javac_args(false),
            ["-g", "-parameters", "--release", "11"]
        );
        assert!(
            o.declared_at.starts_with("parent1.xml:2:"),
            "{}",
            o.declared_at
        );
    }

    #[test]
    fn defaults_are_the_plugins() {
        let o = options("<project/>", &[]);
        assert_eq!(
            o.javac_args(false),
            ["-g", "-target", "1.8", "-source", "1.8"]
        );
        assert_eq!(o.required_feature(false), Some(8));
    }

    #[test]
    fn properties_and_configuration() {
        let o = options(
            "<project><build><plugins><plugin><artifactId>maven-compiler-plugin</artifactId>
               <configuration><parameters>true</parameters><debuglevel>lines</debuglevel>
               <compilerArgs><arg>-Xlint:${lint}</arg></compilerArgs>
               <annotationProcessorPaths><path><groupId>g</groupId><artifactId>p</artifactId><version>1</version></path></annotationProcessorPaths>
               </configuration></plugin></plugins></build></project>",
            &[
                ("maven.compiler.release", "17"),
                ("project.build.sourceEncoding", "UTF-8"),
                ("lint", "all"),
            ],
        );
        assert_eq!(
            o.javac_args(false),
            [
                "-g:lines",
                "-parameters",
                "--release",
                "17",
                "-encoding",
                "UTF-8",
                "-Xlint:all"
            ]
        );
        assert_eq!(o.processor_paths, ["g:p:1"]);
        assert_eq!(o.required_feature(true), Some(17));
        assert_eq!(o.declared_at, "pom.xml:2:16");
    }

    #[test]
    fn configuration_wins_over_properties_and_test_overrides() {
        let o = options(
            "<project><build><pluginManagement><plugins><plugin><artifactId>maven-compiler-plugin</artifactId>
               <configuration><source>11</source><target>11</target><debug>false</debug><testTarget>17</testTarget></configuration>
               </plugin></plugins></pluginManagement></build></project>",
            &[("maven.compiler.source", "1.8")],
        );
        assert_eq!(
            o.javac_args(false),
            ["-g:none", "-target", "11", "-source", "11"]
        );
        assert_eq!(o.required_feature(true), Some(17));
    }

    #[test]
    fn feature_numbers() {
        assert_eq!(feature_number("1.8"), Some(8));
        assert_eq!(feature_number("21"), Some(21));
        assert_eq!(feature_number("x"), None);
    }
}
