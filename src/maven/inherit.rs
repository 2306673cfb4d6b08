//! Inheritance: a pom's lineage (the pom and its parents, child first, each with its active
//! profiles injected) merged into one uninterpolated model the way Maven's inheritance assembler
//! does — the child's values win, keyed lists (dependencies, management, repositories) keep
//! the child's entries first and add the parent's others after.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::rc::Rc;

use super::pom::{Field, RawBody, RawDependency, RawModel, RawRepository, RawResource};

/// One pom in a lineage and whether it came from the project's file system.
pub(crate) struct Lineage {
    pub(crate) raw: Rc<RawModel>,
    pub(crate) body: RawBody,
    /// Indices of the active profiles in `raw.profiles`.
    pub(crate) active_profiles: Vec<usize>,
}

pub(crate) fn raw_file(lineage: &[Lineage]) -> PathBuf {
    lineage[0].raw.file.clone()
}

/// Inheritance result before interpolation.
#[derive(Debug, Default)]
pub(crate) struct Merged {
    pub(crate) group_id: Option<Field>,
    pub(crate) artifact_id: Option<Field>,
    pub(crate) version: Option<Field>,
    pub(crate) packaging: Option<Field>,
    pub(crate) name: Option<Field>,
    pub(crate) description: Option<Field>,
    pub(crate) url: Option<Field>,
    pub(crate) organization: (Option<Field>, Option<Field>),
    pub(crate) inception_year: Option<Field>,
    pub(crate) licenses: Vec<(Option<Field>, Option<Field>)>,
    pub(crate) properties: BTreeMap<String, Field>,
    pub(crate) dependencies: Vec<RawDependency>,
    pub(crate) dependency_management: Vec<RawDependency>,
    pub(crate) repositories: Vec<RawRepository>,
    pub(crate) final_name: Option<Field>,
    pub(crate) directory: Option<Field>,
    pub(crate) resources: Option<Vec<RawResource>>,
    /// `build.outputTimestamp`-like raw lookups go through the lineage's XML.
    pub(crate) parent_fields: Option<(Option<Field>, Option<Field>, Option<Field>)>,
}

pub(crate) fn raw_key(d: &RawDependency) -> String {
    d.key_with(|s| s.to_string())
}

/// Child entries first, then the parent's whose key the child does not declare.
fn merge_keyed(child: &[RawDependency], parent: &[RawDependency]) -> Vec<RawDependency> {
    let mut out: Vec<RawDependency> = Vec::with_capacity(child.len() + parent.len());
    let mut index: HashMap<String, usize> = HashMap::new();
    for d in child {
        match index.get(&raw_key(d)) {
            Some(&i) => out[i] = d.clone(),
            None => {
                index.insert(raw_key(d), out.len());
                out.push(d.clone());
            }
        }
    }
    for d in parent {
        if let std::collections::hash_map::Entry::Vacant(e) = index.entry(raw_key(d)) {
            e.insert(out.len());
            out.push(d.clone());
        }
    }
    out
}

/// `parent` + `/` + `child` as Maven's inheritance assembler joins them: one slash between, and
/// a parent url's trailing slash kept.
fn append_path(parent: &str, child: &str) -> String {
    let mut url = parent.to_string();
    if child.is_empty() {
        return url;
    }
    let ends_with_slash = url.ends_with('/');
    if child.starts_with('/') {
        if ends_with_slash {
            url.pop();
        }
    } else if !ends_with_slash {
        url.push('/');
    }
    url.push_str(child);
    if ends_with_slash && !child.ends_with('/') {
        url.push('/');
    }
    url
}

/// Maven's child path adjustment: the directories before the child in the parent's `<module>`
/// naming it (`external/flux` for `flux`: `external`), else nothing.
fn path_adjustment(parent_modules: &[String], child: &str) -> String {
    for module in parent_modules {
        let mut module = module.replace('\\', "/");
        if module.len() >= 4 && module[module.len() - 4..].eq_ignore_ascii_case(".xml") {
            module.truncate(module.rfind('/').map_or(0, |i| i + 1));
        }
        let name = module.strip_suffix('/').unwrap_or(&module);
        if let Some(slash) = name.rfind('/') {
            if &name[slash + 1..] == child {
                return module[..slash].to_string();
            }
        }
    }
    String::new()
}

pub(crate) fn merge_lineage(lineage: &[Lineage]) -> Merged {
    let mut m = Merged::default();
    let mut inherit_append = true;
    let mut parent_modules: Vec<String> = Vec::new();
    for (i, l) in lineage.iter().enumerate().rev() {
        let raw = &l.raw;
        merge_coordinates(&mut m, raw);
        merge_url(&mut m, raw, inherit_append, &parent_modules);
        inherit_append = raw.url_append_path;
        parent_modules.clone_from(&raw.modules);
        merge_project_info(&mut m, raw);
        if i == 0 {
            // The leaf's own: never inherited.
            m.artifact_id.clone_from(&raw.artifact_id);
            m.packaging.clone_from(&raw.packaging);
            m.name.clone_from(&raw.name);
            m.parent_fields = raw
                .parent
                .as_ref()
                .map(|p| (p.group_id.clone(), p.artifact_id.clone(), p.version.clone()));
        }
        merge_body(&mut m, &l.body);
    }
    m
}

/// groupId and version: the pom's own, else (when no nearer pom set them) its `<parent>`'s.
fn merge_coordinates(m: &mut Merged, raw: &RawModel) {
    if raw.group_id.is_some() {
        m.group_id.clone_from(&raw.group_id);
    } else if let Some(p) = &raw.parent {
        if m.group_id.is_none() {
            m.group_id.clone_from(&p.group_id);
        }
    }
    if raw.version.is_some() {
        m.version.clone_from(&raw.version);
    } else if let Some(p) = &raw.parent {
        if m.version.is_none() {
            m.version.clone_from(&p.version);
        }
    }
}

/// The pom's own `<url>`, else the inherited one with the module path appended (unless the
/// parent turned that off with `child.project.url.inherit.append.path`).
fn merge_url(m: &mut Merged, raw: &RawModel, inherit_append: bool, parent_modules: &[String]) {
    if raw.url.is_some() {
        m.url.clone_from(&raw.url);
    } else if let (Some(url), Some(child)) = (&mut m.url, &raw.artifact_id) {
        // Maven's inheritance assembler: an inherited url gets the child's artifactId
        // appended (with the parent at Maven's default `../pom.xml`).
        if inherit_append {
            let adjusted = append_path(&url.value, &path_adjustment(parent_modules, &child.value));
            url.value = append_path(&adjusted, &child.value);
        }
    }
}

/// description, organization, inceptionYear and licenses: the nearest pom's that has them.
fn merge_project_info(m: &mut Merged, raw: &RawModel) {
    if raw.description.is_some() {
        m.description.clone_from(&raw.description);
    }
    if raw.organization.0.is_some() {
        m.organization.0.clone_from(&raw.organization.0);
    }
    if raw.organization.1.is_some() {
        m.organization.1.clone_from(&raw.organization.1);
    }
    if raw.inception_year.is_some() {
        m.inception_year.clone_from(&raw.inception_year);
    }
    if let Some(licenses) = raw.licenses.as_ref().filter(|l| !l.is_empty()) {
        m.licenses.clone_from(licenses);
    }
}

/// The pom's body (with its active profiles) over what its parents gave: properties,
/// dependencies, management and repositories keyed, `<build>` values replaced.
fn merge_body(m: &mut Merged, body: &RawBody) {
    for (k, v) in &body.properties {
        m.properties.insert(k.clone(), v.clone());
    }
    m.dependencies = merge_keyed(&body.dependencies, &m.dependencies);
    // A key managed twice in one pom: Maven applies the first (its management injector
    // does not override what an earlier entry set, and its importer keeps the first BOM's
    // entry), where a duplicate `<dependency>` is the last one's.
    let mut first = std::collections::HashSet::new();
    let own: Vec<RawDependency> = body
        .dependency_management
        .iter()
        .filter(|d| first.insert(raw_key(d)))
        .cloned()
        .collect();
    m.dependency_management = merge_keyed(&own, &m.dependency_management);
    let mut repos = body.repositories.clone();
    for r in std::mem::take(&mut m.repositories) {
        if !repos.iter().any(|x| x.id == r.id) {
            repos.push(r);
        }
    }
    m.repositories = repos;
    if body.final_name.is_some() {
        m.final_name.clone_from(&body.final_name);
    }
    if body.directory.is_some() {
        m.directory.clone_from(&body.directory);
    }
    if body.resources.is_some() {
        m.resources.clone_from(&body.resources);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_inherited_url_follows_the_module_path() {
        assert_eq!(append_path("https://a.org", "flux"), "https://a.org/flux");
        assert_eq!(append_path("https://a.org/", "flux"), "https://a.org/flux/");
        assert_eq!(
            append_path("https://a.org/", "/flux"),
            "https://a.org/flux/"
        );
        assert_eq!(append_path("https://a.org", ""), "https://a.org");
        let modules = ["storm-core".to_string(), "external/flux".to_string()];
        assert_eq!(path_adjustment(&modules, "flux"), "external");
        assert_eq!(path_adjustment(&modules, "storm-core"), "");
        assert_eq!(
            path_adjustment(&["../x/flux/pom.xml".to_string()], "flux"),
            "../x"
        );
    }
}
