//! pom.xml parsing (quick-xml) into a raw model that keeps each element's line and column.
//!
//! Two layers: [`Element`] is the XML tree itself (names, trimmed text, children, positions), and
//! [`RawModel`] picks out what stormpack reads from a pom — coordinates, parent, properties,
//! dependencies, dependency management, repositories, build settings, profiles, relocation — as
//! uninterpolated strings with their locations. Inheritance and interpolation live in `model`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use super::xml::Element;
use super::xml::{parse_element, SourceLocation, XmlError};

/// A pom that could not be read as a pom.
#[derive(Debug, thiserror::Error)]
pub enum PomError {
    #[error(transparent)]
    Xml(#[from] XmlError),
    #[error("{file}: the root element is <{found}>, not <project>\n  fix: a pom.xml must have <project> as its root element")]
    NotAProject { file: PathBuf, found: String },
    #[error("{file}: cannot read the pom: {source}")]
    Io {
        file: PathBuf,
        source: std::io::Error,
    },
}

/// Parse pom bytes into an element tree rooted at `<project>`.
pub fn parse_xml(file: &Path, bytes: &[u8]) -> Result<Element, PomError> {
    let root = parse_element(file, bytes)?;
    if root.name != "project" {
        return Err(PomError::NotAProject {
            file: file.to_path_buf(),
            found: root.name,
        });
    }
    Ok(root)
}

/// A string value as written in the pom, with where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub value: String,
    /// The pom file it was written in (a parent's, when inherited).
    pub file: Arc<Path>,
    pub line: usize,
    pub column: usize,
}

impl Field {
    fn of(el: &Element, file: &Arc<Path>) -> Field {
        Field {
            value: el.text.clone(),
            file: file.clone(),
            line: el.line,
            column: el.column,
        }
    }

    pub fn location(&self) -> SourceLocation {
        SourceLocation {
            file: self.file.to_path_buf(),
            line: self.line,
            column: self.column,
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

fn field(el: &Element, name: &str, file: &Arc<Path>) -> Option<Field> {
    el.child(name).map(|c| Field::of(c, file))
}

/// `<parent>`.
#[derive(Debug, Clone)]
pub struct RawParent {
    pub group_id: Option<Field>,
    pub artifact_id: Option<Field>,
    pub version: Option<Field>,
    /// `None` when absent (Maven's default `../pom.xml`); `Some("")` disables the lookup.
    pub relative_path: Option<Field>,
    pub line: usize,
    pub column: usize,
}

/// `<exclusion>`.
#[derive(Debug, Clone)]
pub struct RawExclusion {
    pub group_id: String,
    pub artifact_id: String,
}

/// A `<dependency>`, uninterpolated.
#[derive(Debug, Clone)]
pub struct RawDependency {
    pub group_id: Option<Field>,
    pub artifact_id: Option<Field>,
    pub version: Option<Field>,
    pub kind: Option<Field>,
    pub classifier: Option<Field>,
    pub scope: Option<Field>,
    pub optional: Option<Field>,
    pub system_path: Option<Field>,
    /// `None` when the dependency has no `<exclusions>` element.
    pub exclusions: Option<Vec<RawExclusion>>,
    pub line: usize,
    pub column: usize,
}

impl RawDependency {
    fn from_element(el: &Element, file: &Arc<Path>) -> RawDependency {
        RawDependency {
            group_id: field(el, "groupId", file),
            artifact_id: field(el, "artifactId", file),
            version: field(el, "version", file),
            kind: field(el, "type", file),
            classifier: field(el, "classifier", file),
            scope: field(el, "scope", file),
            optional: field(el, "optional", file),
            system_path: field(el, "systemPath", file),
            exclusions: el.child("exclusions").map(|ex| {
                ex.children_named("exclusion")
                    .map(|e| RawExclusion {
                        group_id: e.text_of("groupId").unwrap_or("*").to_string(),
                        artifact_id: e.text_of("artifactId").unwrap_or("*").to_string(),
                    })
                    .collect()
            }),
            line: el.line,
            column: el.column,
        }
    }

    /// Maven's management key before interpolation is resolved: `g:a:type:classifier`.
    pub fn key_with(&self, interp: impl Fn(&str) -> String) -> String {
        let get = |f: &Option<Field>, default: &str| {
            f.as_ref()
                .map(|f| interp(&f.value))
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| default.to_string())
        };
        format!(
            "{}:{}:{}:{}",
            get(&self.group_id, ""),
            get(&self.artifact_id, ""),
            get(&self.kind, "jar"),
            get(&self.classifier, "")
        )
    }
}

/// `<resource>` under `<build><resources>`.
#[derive(Debug, Clone)]
pub struct RawResource {
    pub directory: Option<Field>,
    pub includes: Vec<String>,
    pub excludes: Vec<String>,
    pub target_path: Option<Field>,
    pub filtering: Option<Field>,
    pub line: usize,
    pub column: usize,
}

/// `<repository>`.
#[derive(Debug, Clone)]
pub struct RawRepository {
    pub id: String,
    pub url: Field,
    /// `<releases><enabled>false</enabled>` makes a repository useless for release versions.
    pub releases_enabled: bool,
    /// `<snapshots><enabled>false</enabled>`: not asked for `-SNAPSHOT` versions.
    pub snapshots_enabled: bool,
}

/// `<profile>` with its activation and the parts it can inject.
#[derive(Debug, Clone, Default)]
pub struct RawProfile {
    pub id: String,
    pub active_by_default: bool,
    pub jdk: Option<String>,
    pub os: Option<RawOs>,
    /// `(name, value)`: `!name` for absence, value `!v` for "not v".
    pub property: Option<(String, Option<String>)>,
    pub file_exists: Option<String>,
    pub file_missing: Option<String>,
    pub body: RawBody,
}

#[derive(Debug, Clone, Default)]
pub struct RawOs {
    pub name: Option<String>,
    pub family: Option<String>,
    pub arch: Option<String>,
    pub version: Option<String>,
}

/// What a pom and a profile both carry (the parts stormpack reads).
#[derive(Debug, Clone, Default)]
pub struct RawBody {
    /// In document order; a later definition of the same name replaces an earlier one.
    pub properties: Vec<(String, Field)>,
    pub dependencies: Vec<RawDependency>,
    pub dependency_management: Vec<RawDependency>,
    pub repositories: Vec<RawRepository>,
    pub final_name: Option<Field>,
    pub directory: Option<Field>,
    /// `None` when `<resources>` is not declared.
    pub resources: Option<Vec<RawResource>>,
}

impl RawBody {
    fn from_element(el: &Element, file: &Arc<Path>) -> RawBody {
        let deps = |e: Option<&Element>| -> Vec<RawDependency> {
            e.map(|d| {
                d.children_named("dependency")
                    .map(|d| RawDependency::from_element(d, file))
                    .collect()
            })
            .unwrap_or_default()
        };
        let build = el.child("build");
        RawBody {
            properties: el
                .child("properties")
                .map(|p| {
                    p.children
                        .iter()
                        .map(|c| (c.name.clone(), Field::of(c, file)))
                        .collect()
                })
                .unwrap_or_default(),
            dependencies: deps(el.child("dependencies")),
            dependency_management: deps(el.at(&["dependencyManagement", "dependencies"])),
            repositories: el
                .child("repositories")
                .map(|r| {
                    r.children_named("repository")
                        .filter_map(|repo| {
                            Some(RawRepository {
                                id: repo.text_of("id").unwrap_or("").to_string(),
                                url: field(repo, "url", file)?,
                                releases_enabled: repo
                                    .at(&["releases", "enabled"])
                                    .is_none_or(|e| e.text.trim() != "false"),
                                snapshots_enabled: repo
                                    .at(&["snapshots", "enabled"])
                                    .is_none_or(|e| e.text.trim() != "false"),
                            })
                        })
                        .collect()
                })
                .unwrap_or_default(),
            final_name: build.and_then(|b| field(b, "finalName", file)),
            directory: build.and_then(|b| field(b, "directory", file)),
            resources: build.and_then(|b| b.child("resources")).map(|r| {
                r.children_named("resource")
                    .map(|res| RawResource {
                        directory: field(res, "directory", file),
                        includes: res.list("includes", "include"),
                        excludes: res.list("excludes", "exclude"),
                        target_path: field(res, "targetPath", file),
                        filtering: field(res, "filtering", file),
                        line: res.line,
                        column: res.column,
                    })
                    .collect()
            }),
        }
    }
}

/// `<distributionManagement><relocation>`.
#[derive(Debug, Clone, Default)]
pub struct RawRelocation {
    pub group_id: Option<String>,
    pub artifact_id: Option<String>,
    pub version: Option<String>,
}

/// The parts of one pom file stormpack reads, uninterpolated.
#[derive(Debug, Clone)]
pub struct RawModel {
    pub file: PathBuf,
    pub group_id: Option<Field>,
    pub artifact_id: Option<Field>,
    pub version: Option<Field>,
    pub packaging: Option<Field>,
    pub name: Option<Field>,
    pub description: Option<Field>,
    pub url: Option<Field>,
    /// `<project child.project.url.inherit.append.path="false">`: a child inherits the url as
    /// is instead of with its artifactId appended.
    pub url_append_path: bool,
    /// `<modules>` as written (a child's inherited url follows its module path).
    pub modules: Vec<String>,
    /// `<organization>`: name and url.
    pub organization: (Option<Field>, Option<Field>),
    pub inception_year: Option<Field>,
    /// `<licenses>`: each license's name and url; `None` when the pom has no `<licenses>`.
    pub licenses: Option<Vec<(Option<Field>, Option<Field>)>>,
    pub parent: Option<RawParent>,
    pub body: RawBody,
    pub profiles: Vec<RawProfile>,
    pub relocation: Option<RawRelocation>,
    /// The whole tree, for `${project.x.y}` expressions stormpack has no field for.
    pub root: Element,
}

impl RawModel {
    /// Parse a pom file's bytes.
    pub fn parse(file: &Path, bytes: &[u8]) -> Result<RawModel, PomError> {
        let root = parse_xml(file, bytes)?;
        Ok(RawModel::from_root(file, root))
    }

    /// Read and parse a pom file.
    pub fn read(file: &Path) -> Result<RawModel, PomError> {
        let bytes =
            crate::fsread::read_regular(file, crate::fsread::MAX_TEXT_FILE).map_err(|source| {
                PomError::Io {
                    file: file.to_path_buf(),
                    source,
                }
            })?;
        RawModel::parse(file, &bytes)
    }

    fn from_root(path: &Path, root: Element) -> RawModel {
        let file: Arc<Path> = Arc::from(path);
        let file = &file;
        let parent = root.child("parent").map(|p| RawParent {
            group_id: field(p, "groupId", file),
            artifact_id: field(p, "artifactId", file),
            version: field(p, "version", file),
            relative_path: field(p, "relativePath", file),
            line: p.line,
            column: p.column,
        });
        let profiles = root
            .child("profiles")
            .map(|ps| {
                ps.children_named("profile")
                    .map(|p| parse_profile(p, file))
                    .collect()
            })
            .unwrap_or_default();
        let relocation =
            root.at(&["distributionManagement", "relocation"])
                .map(|r| RawRelocation {
                    group_id: r.text_of("groupId").map(str::to_string),
                    artifact_id: r.text_of("artifactId").map(str::to_string),
                    version: r.text_of("version").map(str::to_string),
                });
        RawModel {
            file: path.to_path_buf(),
            group_id: field(&root, "groupId", file),
            artifact_id: field(&root, "artifactId", file),
            version: field(&root, "version", file),
            packaging: field(&root, "packaging", file),
            name: field(&root, "name", file),
            description: field(&root, "description", file),
            url: field(&root, "url", file),
            url_append_path: root.attribute("child.project.url.inherit.append.path")
                != Some("false"),
            modules: root
                .child("modules")
                .map(|m| {
                    m.children_named("module")
                        .map(|e| e.text.trim().to_string())
                        .collect()
                })
                .unwrap_or_default(),
            organization: root.child("organization").map_or((None, None), |o| {
                (field(o, "name", file), field(o, "url", file))
            }),
            inception_year: field(&root, "inceptionYear", file),
            licenses: root.child("licenses").map(|ls| {
                ls.children_named("license")
                    .map(|l| (field(l, "name", file), field(l, "url", file)))
                    .collect()
            }),
            parent,
            body: RawBody::from_element(&root, file),
            profiles,
            relocation,
            root,
        }
    }

    /// groupId, falling back to the parent's (as written).
    pub fn declared_group_id(&self) -> Option<&str> {
        self.group_id
            .as_ref()
            .or(self.parent.as_ref().and_then(|p| p.group_id.as_ref()))
            .map(|f| f.value.as_str())
    }

    /// version, falling back to the parent's (as written).
    pub fn declared_version(&self) -> Option<&str> {
        self.version
            .as_ref()
            .or(self.parent.as_ref().and_then(|p| p.version.as_ref()))
            .map(|f| f.value.as_str())
    }
}

pub(crate) fn parse_profile(p: &Element, file: &Arc<Path>) -> RawProfile {
    let act = p.child("activation");
    let text = |path: &[&str]| act.and_then(|a| a.at(path)).map(|e| e.text.clone());
    RawProfile {
        id: p.text_of("id").unwrap_or("").to_string(),
        active_by_default: text(&["activeByDefault"]).as_deref() == Some("true"),
        jdk: text(&["jdk"]),
        os: act.and_then(|a| a.child("os")).map(|os| RawOs {
            name: os.text_of("name").map(str::to_string),
            family: os.text_of("family").map(str::to_string),
            arch: os.text_of("arch").map(str::to_string),
            version: os.text_of("version").map(str::to_string),
        }),
        property: act.and_then(|a| a.child("property")).map(|prop| {
            (
                prop.text_of("name").unwrap_or("").to_string(),
                prop.text_of("value").map(str::to_string),
            )
        }),
        file_exists: text(&["file", "exists"]),
        file_missing: text(&["file", "missing"]),
        body: RawBody::from_element(p, file),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_line_and_column() {
        let xml = "<?xml version=\"1.0\"?>\n<project>\n  <groupId>g</groupId>\n  <artifactId>a&amp;b</artifactId>\n</project>\n";
        let m = RawModel::parse(Path::new("pom.xml"), xml.as_bytes()).unwrap();
        let g = m.group_id.unwrap();
        assert_eq!((g.value.as_str(), g.line, g.column), ("g", 3, 3));
        assert_eq!(m.artifact_id.unwrap().value, "a&b");
    }

    #[test]
    fn malformed_xml_names_line_and_column() {
        let xml = "<project>\n  <groupId>g</groupId>\n  <version>1</versio>\n</project>\n";
        let err = RawModel::parse(Path::new("/p/pom.xml"), xml.as_bytes()).unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("/p/pom.xml:3:"), "{msg}");
        assert!(msg.contains("malformed XML"), "{msg}");
    }

    #[test]
    fn unclosed_element_is_reported_where_it_opens() {
        let xml = "<project>\n  <dependencies>\n";
        let err = RawModel::parse(Path::new("pom.xml"), xml.as_bytes()).unwrap_err();
        assert!(err.to_string().starts_with("pom.xml:"), "{err}");
    }

    #[test]
    fn reads_dependencies_and_profiles() {
        let xml = r#"<project xmlns="http://maven.apache.org/POM/4.0.0">
  <dependencies>
    <dependency><groupId>g</groupId><artifactId>a</artifactId>
      <exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions>
    </dependency>
  </dependencies>
  <profiles><profile><id>j</id><activation><jdk>[11,)</jdk></activation>
    <properties><x>1</x></properties></profile></profiles>
  <build><plugins><plugin><artifactId>maven-shade-plugin</artifactId><executions><execution>
    <configuration><transformers>
      <transformer implementation="org.apache.maven.plugins.shade.resource.ManifestResourceTransformer">
        <mainClass>org.apache.storm.flux.Flux</mainClass></transformer>
    </transformers></configuration></execution></executions></plugin></plugins></build>
</project>"#;
        let m = RawModel::parse(Path::new("pom.xml"), xml.as_bytes()).unwrap();
        assert_eq!(m.body.dependencies.len(), 1);
        assert_eq!(m.body.dependencies[0].exclusions.as_ref().unwrap().len(), 1);
        assert_eq!(m.profiles[0].jdk.as_deref(), Some("[11,)"));
    }
}
