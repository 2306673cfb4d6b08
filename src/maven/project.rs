//! The project's own pom.xml as an effective model: parents merged, properties interpolated,
//! build settings (finalName, directory, resources, outputTimestamp) resolved to absolute paths.
//! This is what the build plan reads; dependencies are handed on to `resolve`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::coord::Dependency;
pub use super::model::ResourceDecl;
use super::model::{EffectiveModel, ModelBuilder};
use super::repository::{RemoteRepository, RepositorySystem};

/// The effective project model stormpack builds from.
#[derive(Debug, Clone)]
pub struct MavenProject {
    pub project_dir: PathBuf,
    pub pom_path: PathBuf,
    /// The pom.xml bytes as on disk (shipped as META-INF/maven/<g>/<a>/pom.xml).
    pub pom_bytes: Vec<u8>,
    pub group_id: String,
    pub artifact_id: String,
    pub version: String,
    pub packaging: String,
    /// `<build><finalName>` or `artifactId-version`.
    pub final_name: String,
    /// `<build><directory>` (absolute) or `<project>/target`.
    pub build_directory: PathBuf,
    /// `project.build.outputTimestamp`, as written.
    pub output_timestamp: Option<String>,
    /// `project.name` as Maven reads it: `<name>`, else the artifactId.
    pub name: String,
    /// `<organization><name>` (inherited).
    pub organization: Option<String>,
    /// `<inceptionYear>` (inherited).
    pub inception_year: Option<String>,
    pub resources: Vec<ResourceDecl>,
    /// Every property a `${...}` can name in resource filtering: `<properties>` (own and
    /// inherited), `project.*`, `pom.*`, `basedir`, `project.basedir`, ...
    pub properties: BTreeMap<String, String>,
    pub dependencies: Vec<Dependency>,
    /// The effective `<dependencyManagement>` (parents merged, BOM imports expanded).
    pub dependency_management: Vec<Dependency>,
    pub repositories: Vec<RemoteRepository>,
    /// `<build>` of the pom and of each parent, nearest first, uninterpolated (see
    /// [`super::model::EffectiveModel::build_lineage`]).
    pub build_lineage: Vec<(PathBuf, super::xml::Element)>,
    /// Each pom's `<build>` with its active profiles' (see [`super::model::BuildLayer`]).
    pub build_layers: Vec<super::model::BuildLayer>,
}

/// Read and resolve `<dir>/pom.xml`. Parents come from `relativePath` or the repository.
pub fn load_project(dir: &Path, repos: &RepositorySystem) -> anyhow::Result<MavenProject> {
    let project_dir = std::fs::canonicalize(dir).map_err(|e| {
        anyhow::anyhow!(
            "{}: the project directory cannot be opened: {e}\n  fix: pass an existing directory with --project",
            dir.display()
        )
    })?;
    let pom_path = project_dir.join("pom.xml");
    if pom_path.exists() && !pom_path.is_file() {
        let err = crate::fsread::open_regular(&pom_path)
            .err()
            .map_or_else(|| "not a regular file".to_string(), |e| e.to_string());
        anyhow::bail!("{err}");
    }
    if !pom_path.is_file() {
        anyhow::bail!(
            "no pom.xml in {} (looked for {})\n  fix: run stormpack in a Maven project directory or pass --project <dir>; a Rust-first project needs [package.metadata.stormpack] in its Cargo.toml",
            project_dir.display(),
            pom_path.display()
        );
    }
    let pom_bytes = crate::fsread::read_regular(&pom_path, crate::fsread::MAX_TEXT_FILE)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", pom_path.display()))?;
    let mut builder = ModelBuilder::new(repos);
    let model = builder.project_model(&pom_path)?;
    project_from_model(project_dir, pom_path, pom_bytes, model)
}

fn project_from_model(
    project_dir: PathBuf,
    pom_path: PathBuf,
    pom_bytes: Vec<u8>,
    model: EffectiveModel,
) -> anyhow::Result<MavenProject> {
    check_model(&model, &pom_path)?;
    let build_directory = absolute(&project_dir, &model.build_directory);
    let resources = resources(&model, &project_dir, &pom_path)?;
    let output_timestamp = model
        .properties
        .get("project.build.outputTimestamp")
        .cloned()
        .filter(|t| !t.is_empty());
    let properties = project_properties(&model, &project_dir, &build_directory);
    let name = model
        .name
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| model.artifact_id.clone());
    Ok(MavenProject {
        project_dir,
        pom_path,
        pom_bytes,
        group_id: model.group_id,
        artifact_id: model.artifact_id,
        version: model.version,
        packaging: model.packaging,
        final_name: model.final_name,
        build_directory,
        output_timestamp,
        name,
        organization: model.organization.0.clone().filter(|n| !n.is_empty()),
        inception_year: model.inception_year.clone().filter(|n| !n.is_empty()),
        resources,
        properties,
        dependencies: model.dependencies,
        dependency_management: model.dependency_management,
        repositories: model.repositories,
        build_lineage: model.build_lineage,
        build_layers: model.build_layers,
    })
}

/// `p` resolved against the project directory unless it is absolute.
fn absolute(project_dir: &Path, p: &str) -> PathBuf {
    let p = Path::new(p);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        project_dir.join(p)
    }
}

/// What Maven would refuse before building: an empty or path-like finalName, and coordinates
/// that cannot name files in the local repository or the jar.
fn check_model(model: &EffectiveModel, pom_path: &Path) -> anyhow::Result<()> {
    if model.final_name.trim().is_empty() {
        let at = model
            .final_name_location
            .as_ref()
            .map_or_else(|| pom_path.display().to_string(), ToString::to_string);
        anyhow::bail!("{at}: <finalName> is empty\n  fix: give it a value or remove it (the default is artifactId-version)");
    }
    if model.final_name.contains('/') || model.final_name.contains('\\') {
        let at = model
            .final_name_location
            .as_ref()
            .map_or_else(|| pom_path.display().to_string(), ToString::to_string);
        anyhow::bail!(
            "{at}: <finalName> `{}` contains a path separator\n  fix: use a plain file name; set <directory> to choose where the jar goes",
            model.final_name
        );
    }
    // Coordinates name files in the local repository and in the jar: refuse the ones Maven
    // refuses before anything is fetched or written.
    let root = super::coord::Artifact::new(&model.group_id, &model.artifact_id, &model.version);
    let declared = std::iter::once(&root).chain(
        model
            .dependencies
            .iter()
            .chain(&model.dependency_management)
            .map(|d| &d.artifact),
    );
    for artifact in declared {
        if let Err(invalid) = artifact.validate() {
            anyhow::bail!(
                "{}: {invalid}\n  fix: correct it in the pom (Maven accepts ids of A-Z, a-z, 0-9, `_`, `.`, `-` and \
                 versions, types and classifiers without path separators)",
                pom_path.display()
            );
        }
    }
    Ok(())
}

/// The pom's `<resources>` with absolute directories, or Maven's default `src/main/resources`.
fn resources(
    model: &EffectiveModel,
    project_dir: &Path,
    pom_path: &Path,
) -> anyhow::Result<Vec<ResourceDecl>> {
    Ok(match &model.resources {
        None => vec![ResourceDecl {
            directory: project_dir.join("src/main/resources"),
            declared_directory: "src/main/resources".to_string(),
            includes: Vec::new(),
            excludes: Vec::new(),
            target_path: None,
            filtering: false,
            location: None,
        }],
        Some(list) => list
            .iter()
            .map(|r| {
                if r.declared_directory.trim().is_empty() {
                    anyhow::bail!(
                        "{}: <resource> has no <directory>\n  fix: add <directory>src/main/resources</directory> (or the directory holding these files)",
                        r.location.as_ref().map_or_else(|| pom_path.display().to_string(), ToString::to_string)
                    );
                }
                Ok(ResourceDecl {
                    directory: absolute(project_dir, &r.declared_directory),
                    target_path: r.target_path.clone().filter(|t| !t.is_empty()),
                    ..r.clone()
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?,
    })
}

/// The properties resource filtering can name: the pom's, then `project.*`/`pom.*` and `basedir`.
fn project_properties(
    model: &EffectiveModel,
    project_dir: &Path,
    build_directory: &Path,
) -> BTreeMap<String, String> {
    let mut properties = model.properties.clone();
    let basedir = project_dir.to_string_lossy().into_owned();
    let build_dir = build_directory.to_string_lossy().into_owned();
    let mut project_props: Vec<(&str, String)> = vec![
        ("groupId", model.group_id.clone()),
        ("artifactId", model.artifact_id.clone()),
        ("version", model.version.clone()),
        ("packaging", model.packaging.clone()),
        ("build.finalName", model.final_name.clone()),
        ("build.directory", build_dir.clone()),
        ("build.outputDirectory", format!("{build_dir}/classes")),
        ("basedir", basedir.clone()),
    ];
    // MavenProject.getName(): the artifactId when the pom has no name.
    project_props.push((
        "name",
        model
            .name
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| model.artifact_id.clone()),
    ));
    for (key, value) in [
        ("description", &model.description),
        ("url", &model.url),
        ("organization.name", &model.organization.0),
        ("organization.url", &model.organization.1),
        ("inceptionYear", &model.inception_year),
    ] {
        if let Some(v) = value {
            project_props.push((key, v.clone()));
        }
    }
    if let Some((g, a, v)) = &model.parent {
        project_props.push(("parent.groupId", g.clone()));
        project_props.push(("parent.artifactId", a.clone()));
        project_props.push(("parent.version", v.clone()));
    }
    for (key, value) in project_props {
        properties.insert(format!("project.{key}"), value.clone());
        properties.insert(format!("pom.{key}"), value);
    }
    properties.insert("basedir".to_string(), basedir);
    properties
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repos(dir: &Path) -> RepositorySystem {
        RepositorySystem::new(dir.join("m2"), Vec::new(), true)
    }

    fn write(dir: &Path, rel: &str, text: &str) {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    const PARENT: &str = r#"<project>
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example</groupId>
  <artifactId>parent</artifactId>
  <version>2.0</version>
  <packaging>pom</packaging>
  <properties>
    <storm.version>2.8.3</storm.version>
    <inherited>from-parent</inherited>
  </properties>
  <dependencyManagement>
    <dependencies>
      <dependency>
        <groupId>org.apache.storm</groupId>
        <artifactId>storm-client</artifactId>
        <version>${storm.version}</version>
        <scope>provided</scope>
      </dependency>
    </dependencies>
  </dependencyManagement>
</project>"#;

    #[test]
    fn inherits_and_interpolates_from_a_relative_parent() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "pom.xml", PARENT);
        write(
            tmp.path(),
            "topo/pom.xml",
            r#"<project>
  <parent><groupId>com.example</groupId><artifactId>parent</artifactId><version>2.0</version></parent>
  <artifactId>WordCount</artifactId>
  <properties><greeting>hello ${project.artifactId} ${inherited}</greeting></properties>
  <dependencies>
    <dependency><groupId>org.apache.storm</groupId><artifactId>storm-client</artifactId></dependency>
  </dependencies>
  <build>
    <finalName>${project.artifactId}-${project.version}-topology</finalName>
    <resources><resource><directory>resources</directory><includes><include>*.yaml</include></includes><filtering>true</filtering></resource></resources>
  </build>
</project>"#,
        );
        let p = load_project(&tmp.path().join("topo"), &repos(tmp.path())).unwrap();
        assert_eq!(p.group_id, "com.example");
        assert_eq!(p.version, "2.0");
        assert_eq!(p.packaging, "jar");
        assert_eq!(p.final_name, "WordCount-2.0-topology");
        assert!(p.build_directory.ends_with("topo/target"));
        assert_eq!(p.properties["greeting"], "hello WordCount from-parent");
        assert_eq!(
            p.properties["project.build.finalName"],
            "WordCount-2.0-topology"
        );
        let dep = &p.dependencies[0];
        assert_eq!(dep.artifact.version, "2.8.3");
        assert_eq!(dep.scope, Some(crate::maven::Scope::Provided));
        assert_eq!(p.resources.len(), 1);
        assert!(p.resources[0].filtering);
        assert_eq!(p.resources[0].includes, vec!["*.yaml".to_string()]);
        assert!(p.resources[0].location.is_some());
    }

    #[test]
    fn defaults_when_nothing_is_declared() {
        let tmp = tempfile::tempdir().unwrap();
        write(
            tmp.path(),
            "pom.xml",
            "<project><groupId>g</groupId><artifactId>a</artifactId><version>1</version></project>",
        );
        let p = load_project(tmp.path(), &repos(tmp.path())).unwrap();
        assert_eq!(p.final_name, "a-1");
        assert_eq!(p.resources[0].declared_directory, "src/main/resources");
        assert!(p.resources[0].location.is_none());
        assert!(p.output_timestamp.is_none());
    }

    #[test]
    fn unknown_property_names_line_and_fix() {
        let tmp = tempfile::tempdir().unwrap();
        write(
            tmp.path(),
            "pom.xml",
            "<project>\n  <groupId>g</groupId>\n  <artifactId>a</artifactId>\n  <version>${revision}</version>\n</project>\n",
        );
        let err = format!(
            "{:#}",
            load_project(tmp.path(), &repos(tmp.path())).unwrap_err()
        );
        assert!(
            err.contains("pom.xml:4:3: unknown property `${revision}` in version"),
            "{err}"
        );
        assert!(err.contains("<properties>"), "{err}");
    }

    #[test]
    fn recursive_properties_are_reported_not_looped() {
        let tmp = tempfile::tempdir().unwrap();
        write(
            tmp.path(),
            "pom.xml",
            "<project><groupId>g</groupId><artifactId>a</artifactId><version>${a}</version>\n<properties><a>${b}</a><b>x${a}</b></properties></project>",
        );
        let err = format!(
            "{:#}",
            load_project(tmp.path(), &repos(tmp.path())).unwrap_err()
        );
        assert!(err.contains("recursive property definition"), "{err}");
        assert!(err.contains("${a} -> ${b} -> ${a}"), "{err}");
    }

    #[test]
    fn deep_property_chains_and_nesting_are_errors_not_stack_overflows() {
        let tmp = tempfile::tempdir().unwrap();
        let chain: String = (0..5000)
            .map(|i| format!("<p{i}>${{p{}}}</p{i}>", i + 1))
            .collect();
        write(
            tmp.path(),
            "pom.xml",
            &format!("<project><groupId>g</groupId><artifactId>a</artifactId><version>${{p0}}</version>\n<properties>{chain}<p5000>1</p5000></properties></project>"),
        );
        let err = format!(
            "{:#}",
            load_project(tmp.path(), &repos(tmp.path())).unwrap_err()
        );
        assert!(err.contains("pom.xml:1:"), "{err}");
        assert!(err.contains("nest deeper than 64 levels"), "{err}");
        assert!(err.contains("fix:"), "{err}");

        let nested = format!("{}{}", "<x>".repeat(100_000), "</x>".repeat(100_000));
        write(
            tmp.path(),
            "pom.xml",
            &format!("<project><groupId>g</groupId><artifactId>a</artifactId><version>1</version>\n<properties>{nested}</properties></project>"),
        );
        let err = format!(
            "{:#}",
            load_project(tmp.path(), &repos(tmp.path())).unwrap_err()
        );
        assert!(err.contains("pom.xml:2:"), "{err}");
        assert!(err.contains("nested deeper than 256 levels"), "{err}");
    }

    #[test]
    fn missing_pom_says_where_it_looked() {
        let tmp = tempfile::tempdir().unwrap();
        let err = format!(
            "{:#}",
            load_project(tmp.path(), &repos(tmp.path())).unwrap_err()
        );
        assert!(err.contains("no pom.xml in"), "{err}");
        assert!(err.contains("[package.metadata.stormpack]"), "{err}");
    }

    #[test]
    fn parent_cycle_is_named() {
        let tmp = tempfile::tempdir().unwrap();
        write(
            tmp.path(),
            "pom.xml",
            "<project><parent><groupId>g</groupId><artifactId>b</artifactId><version>1</version><relativePath>b/pom.xml</relativePath></parent><artifactId>a</artifactId></project>",
        );
        write(
            tmp.path(),
            "b/pom.xml",
            "<project><parent><groupId>g</groupId><artifactId>a</artifactId><version>1</version></parent><artifactId>b</artifactId></project>",
        );
        let err = format!(
            "{:#}",
            load_project(tmp.path(), &repos(tmp.path())).unwrap_err()
        );
        assert!(err.contains("pom cycle: g:a:1 -> g:b:1 -> g:a:1"), "{err}");
    }

    #[test]
    fn unresolvable_management_matters_only_when_used() {
        let tmp = tempfile::tempdir().unwrap();
        let pom = |deps: &str| {
            format!(
                "<project><groupId>g</groupId><artifactId>a</artifactId><version>1</version>
  <dependencyManagement><dependencies>
    <dependency><groupId>x</groupId><artifactId>unused</artifactId><version>${{nowhere}}</version></dependency>
  </dependencies></dependencyManagement>
  <dependencies>{deps}</dependencies></project>"
            )
        };
        write(tmp.path(), "pom.xml", &pom(""));
        assert!(load_project(tmp.path(), &repos(tmp.path())).is_ok());
        write(
            tmp.path(),
            "pom.xml",
            &pom("<dependency><groupId>x</groupId><artifactId>unused</artifactId></dependency>"),
        );
        let err = format!(
            "{:#}",
            load_project(tmp.path(), &repos(tmp.path())).unwrap_err()
        );
        assert!(
            err.contains("comes from <dependencyManagement> at"),
            "{err}"
        );
        assert!(err.contains("${nowhere}"), "{err}");
    }
}
