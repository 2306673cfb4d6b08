//! Dependency resolution with Maven's semantics: transitive closure, nearest-wins mediation,
//! scope propagation, optional and excluded dependencies, dependencyManagement (with BOMs),
//! ranges. The result is in Maven's classpath order.
//!
//! This follows Maven 3.8 (maven-resolver 1.6) as configured by Maven itself:
//! - collection: breadth first, so the first node of a `group:artifact:extension:classifier`
//!   reached is the nearest one (declaration order breaking ties); only that node's dependencies
//!   are followed (later ones lose and are dropped, as `ConflictResolver` removes losers);
//! - selection of a transitive dependency looks at its declaration *before* management: declared
//!   `test`/`provided`/`optional` dependencies of dependencies are not followed; exclusions
//!   (with `*`) accumulate down the path;
//! - management: only the root's `<dependencyManagement>` applies to transitive dependencies
//!   (`ClassicDependencyManager`: version, scope, optional, exclusions added); a dependency pom's
//!   own management only shaped its own dependency list when its model was built;
//! - scopes (`JavaScopeDeriver`/`JavaScopeSelector`): a direct declaration decides its
//!   artifact's scope; otherwise the widest scope among every path that reached the artifact,
//!   each derived from its parent's final scope;
//! - the classpath is the preorder of the resolved tree.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::path::PathBuf;
use std::rc::Rc;

use anyhow::Context;

use super::coord::{Artifact, Dependency, Exclusion, Scope};
use super::model::{fetch_file, EffectiveModel, ModelBuilder, ModelError};
use super::pom::PomError;
use super::repository::{aggregate_repositories, RemoteRepository, RepositorySystem};
use super::version::{Version, VersionRange};
use super::xml::XmlError;

/// What to resolve: a root (the project, or a synthesized one for Rust-first projects).
#[derive(Debug, Clone)]
pub struct ResolveRequest {
    pub root: Artifact,
    pub dependencies: Vec<Dependency>,
    pub dependency_management: Vec<Dependency>,
    pub repositories: Vec<RemoteRepository>,
}

/// One artifact on the resolved list.
#[derive(Debug, Clone)]
pub struct ResolvedArtifact {
    pub artifact: Artifact,
    pub scope: Scope,
    pub optional: bool,
    /// The local file (jar).
    pub file: std::path::PathBuf,
    /// The dependency path from the root's direct dependency down to this one (inclusive).
    pub trail: Vec<Artifact>,
}

#[derive(Debug, Clone, Default)]
pub struct Resolution {
    /// In Maven's classpath order (what `mvn dependency:list` orders by is not this; see `deps`).
    pub artifacts: Vec<ResolvedArtifact>,
    /// For each of `artifacts`, the index of its parent in the resolved tree (`None`: direct).
    pub parents: Vec<Option<usize>>,
    /// What Maven would warn about (missing or invalid dependency poms), once each.
    pub warnings: Vec<String>,
}

impl Resolution {
    /// The artifacts shaded into the jar (compile and runtime scope), in classpath order.
    pub fn packaged(&self) -> impl Iterator<Item = &ResolvedArtifact> {
        self.artifacts.iter().filter(|a| a.scope.is_packaged())
    }
}

/// What the root's dependencyManagement says about one key.
#[derive(Debug, Clone)]
struct Managed {
    version: Option<String>,
    scope: Option<Scope>,
    optional: Option<bool>,
    exclusions: Vec<Exclusion>,
    system_path: Option<String>,
}

/// One node of the dependency tree as collected.
#[derive(Debug)]
struct Node {
    artifact: Artifact,
    /// The declared (or managed) scope at this position.
    scope: Scope,
    optional: bool,
    /// Whether the root's management set the scope / optional flag: Maven's ConflictResolver
    /// then takes them as they are instead of deriving them from the parent's.
    managed_scope: bool,
    managed_optional: bool,
    depth: usize,
    parent: Option<usize>,
    /// Exclusions in force for this node's dependencies (the path's and its own).
    exclusions: Rc<Vec<Exclusion>>,
    key: String,
    system_path: Option<String>,
    /// The range this node's version was picked from, if it was declared as one.
    range: Option<String>,
    /// The repositories its pom and file are asked of: the request's, then those the poms
    /// above it on its path declare (Maven's per-path aggregation).
    repos: Repos,
    /// Winner children, in declaration order.
    children: Vec<usize>,
}

/// A path's repositories, shared by siblings.
type Repos = Rc<Vec<RemoteRepository>>;

/// `group:artifact:extension:classifier`: what mediation and management key on.
fn conflict_key(a: &Artifact) -> String {
    format!(
        "{}:{}:{}:{}",
        a.group_id,
        a.artifact_id,
        a.extension(),
        a.effective_classifier().unwrap_or("")
    )
}

pub fn resolve(request: &ResolveRequest, repos: &RepositorySystem) -> anyhow::Result<Resolution> {
    let mut resolver = Resolver {
        builder: ModelBuilder::new(repos),
        repos,
        // The request's repositories: the project's, then the system ones (settings, Central):
        // a dependency's pom that redeclares one of these ids changes nothing.
        repositories: aggregate_repositories(&request.repositories, &repos.remotes),
        nodes: Vec::new(),
        winners: HashMap::new(),
        items: HashMap::new(),
        key_order: Vec::new(),
        warnings: Vec::new(),
        managed: HashMap::new(),
        pinned: HashMap::new(),
    };
    for m in &request.dependency_management {
        resolver
            .managed
            .entry(conflict_key(&m.artifact))
            .or_insert_with(|| Managed {
                version: Some(m.artifact.version.clone()).filter(|v| !v.is_empty()),
                scope: m.scope,
                optional: m.optional.then_some(true),
                exclusions: m.exclusions.clone(),
                system_path: m.system_path.clone(),
            });
    }
    // A range that the nearest version violates makes Maven pick another version (its
    // NearestVersionSelector backtracks); pin that version and collect again.
    for _ in 0..32 {
        resolver.collect(request)?;
        match resolver.range_conflict()? {
            None => return resolver.finish(),
            Some((key, version)) => {
                resolver.pinned.insert(key, version);
                resolver.nodes.clear();
                resolver.winners.clear();
                resolver.items.clear();
                resolver.key_order.clear();
            }
        }
    }
    anyhow::bail!(
        "version ranges of {} keep conflicting; pin the versions in <dependencyManagement>",
        request.root
    )
}

struct Resolver<'a> {
    builder: ModelBuilder<'a>,
    repos: &'a RepositorySystem,
    /// The request's repositories (the project's, then settings' and Central, dominant on
    /// every path; a dependency's pom adds its own only below it).
    repositories: Vec<RemoteRepository>,
    nodes: Vec<Node>,
    /// Conflict key -> winning node.
    winners: HashMap<String, usize>,
    /// Conflict key -> every node with that key whose parent is a winner (or the root).
    items: HashMap<String, Vec<usize>>,
    /// Keys in the order their winner was found.
    key_order: Vec<String>,
    warnings: Vec<String>,
    managed: HashMap<String, Managed>,
    /// Versions chosen to satisfy ranges (conflict key -> version).
    pinned: HashMap<String, String>,
}

impl Resolver<'_> {
    fn collect(&mut self, request: &ResolveRequest) -> anyhow::Result<()> {
        let mut queue: VecDeque<usize> = VecDeque::new();
        let none: Rc<Vec<Exclusion>> = Rc::new(Vec::new());
        let top: Repos = Rc::new(self.repositories.clone());
        self.prefetch_poms(&request.dependencies, 1, &top);
        for dep in &request.dependencies {
            if dep.scope == Some(Scope::Import) {
                continue;
            }
            let dep = dep.clone();
            if let Some(i) = self.add_node(dep, None, &none, &top)? {
                queue.push_back(i);
            }
        }
        while let Some(i) = queue.pop_front() {
            let exclusions = self.nodes[i].exclusions.clone();
            let (declared, child_repos) = self.dependencies_of(i)?;
            let children: Vec<Dependency> = declared
                .into_iter()
                .filter(|dep| {
                    // Selection sees the declaration as written, before management.
                    let declared = dep.scope.unwrap_or(Scope::Compile);
                    !(matches!(declared, Scope::Test | Scope::Provided)
                        || dep.optional
                        || exclusions.iter().any(|e| e.matches(&dep.artifact)))
                })
                .collect();
            self.prefetch_poms(&children, self.nodes[i].depth + 1, &child_repos);
            for dep in children {
                if let Some(c) = self.add_node(dep, Some(i), &exclusions, &child_repos)? {
                    queue.push_back(c);
                }
            }
        }
        Ok(())
    }

    /// Download the poms of `deps` (declared at `depth`, managed as [`Resolver::add_node`]
    /// will manage them) in parallel, ahead of the walk that reads them one by one. Only poms
    /// missing from the local repository with a plain version are fetched; a failure is left
    /// for the walk to report (it asks again).
    fn prefetch_poms(&self, deps: &[Dependency], depth: usize, repos: &Repos) {
        if self.repos.offline {
            return;
        }
        let mut seen = BTreeSet::new();
        let requests: Vec<(Artifact, Vec<RemoteRepository>)> = deps
            .iter()
            .filter_map(|dep| {
                let mut artifact = dep.artifact.clone();
                let mut scope = dep.scope;
                if depth >= 2 {
                    if let Some(m) = self.managed.get(&conflict_key(&artifact)) {
                        if let Some(v) = &m.version {
                            artifact.version.clone_from(v);
                        }
                        scope = m.scope.or(scope);
                    }
                }
                if scope == Some(Scope::System)
                    || matches!(artifact.version.as_str(), "" | "RELEASE" | "LATEST")
                    || VersionRange::is_range(&artifact.version)
                {
                    return None;
                }
                let pom = artifact.pom();
                let path = self.repos.local_path(&pom);
                (!path.is_file() && seen.insert(path)).then(|| (pom, repos.to_vec()))
            })
            .collect();
        if requests.len() > 1 {
            // Results are not needed: the walk's own fetch finds the files in place.
            let _ = self.repos.fetch_each(&requests);
        }
    }

    /// The root's managed exclusions for `dep`'s key added to its own.
    fn merge_managed_exclusions(&self, dep: &mut Dependency) {
        if let Some(m) = self.managed.get(&conflict_key(&dep.artifact)) {
            for e in &m.exclusions {
                if !dep.exclusions.contains(e) {
                    dep.exclusions.push(e.clone());
                }
            }
        }
    }

    /// The root's dependencyManagement applied to a transitive dependency, as Maven's
    /// ClassicDependencyManager does from depth 2 on; whether it managed the scope and the
    /// optional flag.
    fn apply_management(&self, dep: &mut Dependency, manage_version: bool) -> (bool, bool) {
        let Some(m) = self.managed.get(&conflict_key(&dep.artifact)) else {
            return (false, false);
        };
        {
            if let (Some(v), true) = (&m.version, manage_version) {
                dep.artifact.version.clone_from(v);
            }
            if let Some(s) = m.scope {
                dep.scope = Some(s);
                if s != Scope::System {
                    dep.system_path = None;
                }
            }
            if dep.scope == Some(Scope::System) && m.system_path.is_some() {
                dep.system_path.clone_from(&m.system_path);
            }
            if let Some(o) = m.optional {
                dep.optional = o;
            }
            for e in &m.exclusions {
                if !dep.exclusions.contains(e) {
                    dep.exclusions.push(e.clone());
                }
            }
        }
        (m.scope.is_some(), m.optional.is_some())
    }

    /// Manage, resolve ranges and relocations, and record a node; `Some` when it wins (and so
    /// is to be expanded).
    fn add_node(
        &mut self,
        mut dep: Dependency,
        parent: Option<usize>,
        inherited: &Rc<Vec<Exclusion>>,
        repos: &Repos,
    ) -> anyhow::Result<Option<usize>> {
        self.validate_coordinate(&dep, parent)?;
        let depth = parent.map_or(1, |p| self.nodes[p].depth + 1);
        let (mut managed_scope, mut managed_optional) = if depth >= 2 {
            self.apply_management(&mut dep, true)
        } else {
            // ClassicDependencyManager manages exclusions at every depth: a direct
            // dependency's own exclusions are merged with the managed ones.
            self.merge_managed_exclusions(&mut dep);
            (false, false)
        };
        self.resolve_keyword_version(&mut dep, parent, repos)?;
        let mut range = None;
        if VersionRange::is_range(&dep.artifact.version) {
            range = Some(dep.artifact.version.clone());
            dep.artifact.version = self.select_from_range(&dep.artifact, parent, repos)?;
        }
        if dep.scope != Some(Scope::System) {
            let Some((s, o)) = self.follow_relocation(&mut dep, depth, inherited, repos)? else {
                return Ok(None);
            };
            managed_scope |= s;
            managed_optional |= o;
        }
        let scope = dep.scope.unwrap_or(Scope::Compile);
        let exclusions = if dep.exclusions.is_empty() {
            inherited.clone()
        } else {
            let mut all = inherited.as_ref().clone();
            all.extend(dep.exclusions.iter().cloned());
            Rc::new(all)
        };
        let key = conflict_key(&dep.artifact);
        let pin = self.pinned.get(&key).cloned();
        if let (Some(pin), Some(spec)) = (&pin, &range) {
            if VersionRange::parse(spec).is_ok_and(|r| r.contains(&Version::parse(pin))) {
                dep.artifact.version.clone_from(pin);
            }
        }
        let index = self.nodes.len();
        self.nodes.push(Node {
            artifact: dep.artifact,
            scope,
            optional: dep.optional,
            managed_scope,
            managed_optional,
            depth,
            parent,
            exclusions,
            key: key.clone(),
            system_path: dep.system_path,
            range,
            repos: repos.clone(),
            children: Vec::new(),
        });
        self.items.entry(key.clone()).or_default().push(index);
        let pinned_out = pin.is_some_and(|p| p != self.nodes[index].artifact.version);
        if self.winners.contains_key(&key) || pinned_out {
            return Ok(None);
        }
        self.winners.insert(key.clone(), index);
        self.key_order.push(key);
        if let Some(p) = parent {
            self.nodes[p].children.push(index);
        }
        Ok(Some(index))
    }

    /// A coordinate Maven rejects could name a file outside the local repository: refuse it,
    /// naming the poms that lead to it.
    fn validate_coordinate(&self, dep: &Dependency, parent: Option<usize>) -> anyhow::Result<()> {
        dep.artifact.validate().map_err(|invalid| {
            anyhow::Error::new(super::repository::RepositoryError::InvalidCoordinate(
                invalid,
            ))
            .context(format!(
                "resolving {}",
                self.trail_text(parent, &dep.artifact)
            ))
        })
    }

    /// `RELEASE`/`LATEST` as the version the repositories' maven-metadata.xml names.
    fn resolve_keyword_version(
        &mut self,
        dep: &mut Dependency,
        parent: Option<usize>,
        repos: &Repos,
    ) -> anyhow::Result<()> {
        if matches!(dep.artifact.version.as_str(), "RELEASE" | "LATEST") {
            let keyword = dep.artifact.version.clone();
            dep.artifact.version = self
                .repos
                .meta_version(
                    &dep.artifact.group_id,
                    &dep.artifact.artifact_id,
                    &keyword,
                    repos,
                )?
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "{}: no repository's maven-metadata.xml names a {keyword} version of {}:{}\n  fix: give a version number",
                        self.trail_text(parent, &dep.artifact),
                        dep.artifact.group_id,
                        dep.artifact.artifact_id
                    )
                })?;
        }
        Ok(())
    }

    /// Follow the artifact's relocation, if any. Maven's collector processes the relocation's
    /// target as a new dependency: the path's exclusions select it (`None`: excluded), the
    /// root's management applies to it (its version only when the relocation left
    /// groupId:artifactId alone; the scope/optional it managed are returned), and it is mediated
    /// under its own key.
    fn follow_relocation(
        &mut self,
        dep: &mut Dependency,
        depth: usize,
        inherited: &Rc<Vec<Exclusion>>,
        repos: &Repos,
    ) -> anyhow::Result<Option<(bool, bool)>> {
        let relocated = self.relocate(dep.artifact.clone(), repos)?;
        if relocated == dep.artifact {
            return Ok(Some((false, false)));
        }
        if inherited.iter().any(|e| e.matches(&relocated)) {
            return Ok(None);
        }
        let same_key = relocated.group_id == dep.artifact.group_id
            && relocated.artifact_id == dep.artifact.artifact_id;
        dep.artifact = relocated;
        if depth >= 2 {
            return Ok(Some(self.apply_management(dep, !same_key)));
        }
        Ok(Some((false, false)))
    }

    /// The first key whose winner lies outside a range another path declares, and the version
    /// Maven would take instead: the nearest one every range accepts.
    fn range_conflict(&mut self) -> anyhow::Result<Option<(String, String)>> {
        for key in self.key_order.clone() {
            let items = self.items[&key].clone();
            let ranges: Vec<(usize, VersionRange)> = items
                .iter()
                .filter_map(|&i| {
                    let spec = self.nodes[i].range.as_ref()?;
                    VersionRange::parse(spec).ok().map(|r| (i, r))
                })
                .collect();
            if ranges.is_empty() {
                continue;
            }
            let accepts = |v: &str| {
                let v = Version::parse(v);
                ranges.iter().all(|(_, r)| r.contains(&v))
            };
            let winner = &self.nodes[self.winners[&key]];
            if accepts(&winner.artifact.version) {
                continue;
            }
            for &i in &items {
                let n = &self.nodes[i];
                if n.range.is_none() {
                    if accepts(&n.artifact.version) {
                        return Ok(Some((key, n.artifact.version.clone())));
                    }
                    continue;
                }
                let artifact = n.artifact.clone();
                let versions = available_versions(
                    self.repos,
                    &artifact.group_id,
                    &artifact.artifact_id,
                    &n.repos,
                )?;
                if let Some(best) = versions
                    .iter()
                    .filter(|v| accepts(v))
                    .map(|v| Version::parse(v))
                    .max()
                {
                    return Ok(Some((key, best.as_str().to_string())));
                }
            }
            let wanted: Vec<String> = items
                .iter()
                .map(|&i| {
                    let n = &self.nodes[i];
                    format!(
                        "{} ({})",
                        n.range.as_deref().unwrap_or(&n.artifact.version),
                        self.trail_text(n.parent, &n.artifact)
                    )
                })
                .collect();
            anyhow::bail!(
                "could not resolve the version conflict for {key}: no version satisfies every range:\n  {}\n  fix: pin a version every path accepts in <dependencyManagement>",
                wanted.join("\n  ")
            );
        }
        Ok(None)
    }

    /// The trail from the root's direct dependency to `node`, for messages.
    fn trail(&self, node: Option<usize>) -> Vec<Artifact> {
        let mut out = Vec::new();
        let mut cur = node;
        while let Some(i) = cur {
            out.push(self.nodes[i].artifact.clone());
            cur = self.nodes[i].parent;
        }
        out.reverse();
        out
    }

    fn trail_text(&self, node: Option<usize>, last: &Artifact) -> String {
        let mut parts: Vec<String> = self.trail(node).iter().map(ToString::to_string).collect();
        parts.push(last.to_string());
        parts.join(" -> ")
    }

    /// The highest available version inside a range (Maven picks it among the siblings the
    /// range expands to).
    fn select_from_range(
        &mut self,
        artifact: &Artifact,
        parent: Option<usize>,
        repos: &[RemoteRepository],
    ) -> anyhow::Result<String> {
        let range = VersionRange::parse(&artifact.version).map_err(|e| {
            anyhow::anyhow!(
                "{}: invalid version range `{}`: {e}",
                self.trail_text(parent, artifact),
                artifact.version
            )
        })?;
        let versions =
            available_versions(self.repos, &artifact.group_id, &artifact.artifact_id, repos)?;
        versions
            .iter()
            .map(|v| Version::parse(v))
            .filter(|v| range.contains(v))
            .max()
            .map(|v| v.as_str().to_string())
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "{}: no version of {}:{} matches the range {} (available: {})\n  fix: widen the range or pin a version in <dependencyManagement>",
                    self.trail_text(parent, artifact),
                    artifact.group_id,
                    artifact.artifact_id,
                    artifact.version,
                    if versions.is_empty() { "none".to_string() } else { versions.join(", ") }
                )
            })
    }

    /// Follow `<distributionManagement><relocation>` until it stops.
    fn relocate(
        &mut self,
        mut artifact: Artifact,
        repos: &[RemoteRepository],
    ) -> anyhow::Result<Artifact> {
        for _ in 0..8 {
            let Some(model) = self.model_of(&artifact, None, repos)? else {
                return Ok(artifact);
            };
            let Some(r) = &model.relocation else {
                return Ok(artifact);
            };
            let mut next = artifact.clone();
            if let Some(g) = r.group_id.as_ref().filter(|s| !s.is_empty()) {
                next.group_id.clone_from(g);
            }
            if let Some(a) = r.artifact_id.as_ref().filter(|s| !s.is_empty()) {
                next.artifact_id.clone_from(a);
            }
            if let Some(v) = r.version.as_ref().filter(|s| !s.is_empty()) {
                next.version.clone_from(v);
            }
            if next == artifact {
                return Ok(artifact);
            }
            artifact = next;
        }
        Ok(artifact)
    }

    /// The effective model of `artifact`'s pom; `None` (with a warning) when no repository has
    /// the pom, as Maven carries on without dependency information.
    fn model_of(
        &mut self,
        artifact: &Artifact,
        node: Option<usize>,
        repos: &[RemoteRepository],
    ) -> anyhow::Result<Option<Rc<EffectiveModel>>> {
        let pom = artifact.pom();
        if fetch_pom_optional(self.repos, &pom, repos)?.is_none() {
            let w = format!(
                "the POM for {} is missing, no dependency information available",
                Artifact {
                    kind: artifact.kind.clone(),
                    classifier: artifact.classifier.clone(),
                    ..pom
                }
            );
            if !self.warnings.contains(&w) {
                self.warnings.push(w);
            }
            return Ok(None);
        }
        let mut chain = Vec::new();
        let model = match self.builder.repository_model(&pom, repos, &mut chain) {
            Ok(m) => m,
            Err(e) => {
                let trail = self.trail_text(node, artifact);
                if e.downcast_ref::<ModelError>().is_some() {
                    return Err(e.context(format!("resolving {trail}")));
                }
                if let Some(PomError::Xml(XmlError::Malformed { file, .. })) =
                    e.downcast_ref::<PomError>()
                {
                    let file = file.clone();
                    return Err(e.context(format!(
                        "the pom of {pom} (reached by {trail}) is malformed\n  fix: if the copy in the local repository is damaged, delete {} so it is downloaded again; otherwise exclude this dependency (<exclusions>) or manage it to another version",
                        file.display()
                    )));
                }
                return Err(e.context(format!("reading the pom of {pom} (reached by {trail})")));
            }
        };
        Ok(Some(model))
    }

    /// The dependencies `i`'s pom declares, and the repositories they are asked of: the
    /// path's, then the pom's own with new ids.
    fn dependencies_of(&mut self, i: usize) -> anyhow::Result<(Vec<Dependency>, Repos)> {
        let repos = self.nodes[i].repos.clone();
        if self.nodes[i].scope == Scope::System || self.nodes[i].artifact.includes_dependencies() {
            return Ok((Vec::new(), repos));
        }
        let artifact = self.nodes[i].artifact.clone();
        let Some(model) = self.model_of(&artifact, Some(i), &repos)? else {
            return Ok((Vec::new(), repos));
        };
        let child_repos = if model
            .repositories
            .iter()
            .all(|r| repos.iter().any(|x| x.id == r.id))
        {
            repos
        } else {
            Rc::new(aggregate_repositories(&repos, &model.repositories))
        };
        if let Some(problem) = &model.invalid {
            let w = format!(
                "the POM for {} is invalid, transitive dependencies (if any) will not be available: {problem}",
                artifact.pom()
            );
            if !self.warnings.contains(&w) {
                self.warnings.push(w);
            }
            return Ok((Vec::new(), child_repos));
        }
        Ok((model.dependencies.clone(), child_repos))
    }

    /// Scopes, optionality, files, and the classpath (preorder) order.
    fn finish(mut self) -> anyhow::Result<Resolution> {
        let scopes = self.final_scopes();
        let mut order: Vec<usize> = Vec::new();
        let roots: Vec<usize> = self
            .key_order
            .iter()
            .map(|k| self.winners[k])
            .filter(|&i| self.nodes[i].parent.is_none())
            .collect();
        let mut stack: Vec<usize> = roots.into_iter().rev().collect();
        while let Some(i) = stack.pop() {
            order.push(i);
            stack.extend(self.nodes[i].children.iter().rev());
        }
        let position: HashMap<usize, usize> =
            order.iter().enumerate().map(|(p, &i)| (i, p)).collect();
        let mut requests: Vec<(Artifact, Vec<RemoteRepository>)> = Vec::new();
        for &i in &order {
            let n = &self.nodes[i];
            if n.scope != Scope::System {
                requests.push((n.artifact.clone(), n.repos.to_vec()));
            }
        }
        let mut files = fetch_all(self.repos, &requests)?.into_iter();
        let mut artifacts = Vec::with_capacity(order.len());
        let mut parents = Vec::with_capacity(order.len());
        for &i in &order {
            let n = &self.nodes[i];
            let (scope, optional) = scopes[&n.key];
            let file = if n.scope == Scope::System {
                let path = n.system_path.clone().unwrap_or_default();
                if path.is_empty() {
                    anyhow::bail!(
                        "{}: system scope without <systemPath>\n  fix: add <systemPath> or use another scope",
                        self.trail_text(Some(i), &n.artifact)
                    );
                }
                PathBuf::from(path)
            } else {
                match files.next() {
                    Some(Ok(f)) => f,
                    Some(Err(e)) => {
                        return Err(e.context(format!(
                            "resolving {} (path: {})",
                            n.artifact,
                            self.trail(Some(i))
                                .iter()
                                .map(ToString::to_string)
                                .collect::<Vec<_>>()
                                .join(" -> ")
                        )))
                    }
                    None => anyhow::bail!("{}: no file was fetched", n.artifact),
                }
            };
            artifacts.push(ResolvedArtifact {
                artifact: n.artifact.clone(),
                scope,
                optional,
                file,
                trail: self.trail(Some(i)),
            });
            parents.push(n.parent.and_then(|p| position.get(&p).copied()));
        }
        self.warnings.append(&mut self.builder.warnings);
        Ok(Resolution {
            artifacts,
            parents,
            warnings: self.warnings,
        })
    }

    /// Each key's scope and optionality, computed parents first (topological over keys).
    fn final_scopes(&self) -> HashMap<String, (Scope, bool)> {
        let rank: HashMap<&str, usize> = self
            .key_order
            .iter()
            .enumerate()
            .map(|(r, k)| (k.as_str(), r))
            .collect();
        // Edges parent key -> child key from every item.
        let mut indegree: HashMap<&str, BTreeSet<&str>> = HashMap::new();
        for k in &self.key_order {
            let parents: BTreeSet<&str> = self.items[k]
                .iter()
                .filter_map(|&i| self.nodes[i].parent)
                .map(|p| self.nodes[p].key.as_str())
                .filter(|pk| pk != k)
                .collect();
            indegree.insert(k.as_str(), parents);
        }
        let mut done: HashMap<String, (Scope, bool)> = HashMap::new();
        let mut remaining: Vec<&str> = self.key_order.iter().map(String::as_str).collect();
        while !remaining.is_empty() {
            let pick = remaining
                .iter()
                .position(|k| indegree[k].iter().all(|p| done.contains_key(*p)))
                .unwrap_or_else(|| {
                    // A cycle between keys: take the one found first.
                    remaining
                        .iter()
                        .enumerate()
                        .min_by_key(|(_, k)| rank[**k])
                        .map_or(0, |(i, _)| i)
                });
            let key = remaining.remove(pick);
            let value = self.select_scope(key, &done);
            done.insert(key.to_string(), value);
        }
        done
    }

    fn select_scope(&self, key: &str, done: &HashMap<String, (Scope, bool)>) -> (Scope, bool) {
        let items = &self.items[key];
        if let Some(&direct) = items.iter().find(|&&i| self.nodes[i].depth <= 1) {
            let n = &self.nodes[direct];
            return (n.scope, n.optional);
        }
        let mut scopes: BTreeSet<Scope> = BTreeSet::new();
        let mut optional = true;
        for &i in items {
            let n = &self.nodes[i];
            let parent = n.parent.map(|p| &self.nodes[p]);
            let (parent_scope, parent_optional) = parent
                .and_then(|p| done.get(&p.key).copied())
                .unwrap_or((Scope::Compile, false));
            scopes.insert(if n.managed_scope {
                n.scope
            } else {
                derive_scope(parent_scope, n.scope)
            });
            let this_optional = if n.managed_optional {
                n.optional
            } else {
                n.optional || parent_optional
            };
            if !this_optional {
                optional = false;
            }
        }
        if scopes.len() > 1 {
            scopes.remove(&Scope::System);
        }
        let scope = if scopes.len() == 1 {
            scopes.iter().next().copied().unwrap_or(Scope::Compile)
        } else {
            [Scope::Compile, Scope::Runtime, Scope::Provided, Scope::Test]
                .into_iter()
                .find(|s| scopes.contains(s))
                .unwrap_or(Scope::Compile)
        };
        (scope, optional)
    }
}

/// Maven's `JavaScopeDeriver`: the scope of a dependency reached through a parent in `parent`.
pub fn derive_scope(parent: Scope, child: Scope) -> Scope {
    match (parent, child) {
        (_, Scope::System | Scope::Test) => child,
        (Scope::Compile, _) => child,
        (Scope::Test | Scope::Runtime, _) => parent,
        (Scope::System | Scope::Provided, _) => Scope::Provided,
        _ => Scope::Runtime,
    }
}

/// A pom from the repositories, `None` when every repository says it does not have it.
fn fetch_pom_optional(
    repos: &RepositorySystem,
    pom: &Artifact,
    extra: &[RemoteRepository],
) -> anyhow::Result<Option<PathBuf>> {
    repos.fetch_optional(pom, extra)
}

/// Every file, downloaded in parallel; on failure, each request's own result (to name the
/// failing one's dependency path).
fn fetch_all(
    repos: &RepositorySystem,
    requests: &[(Artifact, Vec<RemoteRepository>)],
) -> anyhow::Result<Vec<anyhow::Result<PathBuf>>> {
    match repos.fetch_many(requests) {
        Ok(paths) => Ok(paths.into_iter().map(Ok).collect()),
        Err(_) => Ok(requests
            .iter()
            .map(|(a, extra)| fetch_file(repos, a, extra))
            .collect()),
    }
}

/// Every version the repositories list for `group:artifact`.
fn available_versions(
    repos: &RepositorySystem,
    group: &str,
    artifact: &str,
    extra: &[RemoteRepository],
) -> anyhow::Result<Vec<String>> {
    repos
        .metadata_versions(group, artifact, extra)
        .with_context(|| format!("listing the versions of {group}:{artifact}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A local repository (offline) holding `g:name:version` poms with the given dependencies
    /// (`name:version[:scope[:optional]]`) and empty jars.
    fn repo(dir: &std::path::Path, poms: &[(&str, &[&str])]) -> RepositorySystem {
        for (coord, deps) in poms {
            let (name, version) = coord.split_once(':').unwrap();
            let deps: String = deps
                .iter()
                .map(|d| {
                    let parts: Vec<&str> = d.split(':').collect();
                    let scope = parts.get(2).map_or(String::new(), |s| format!("<scope>{s}</scope>"));
                    let optional = if parts.get(3) == Some(&"optional") { "<optional>true</optional>" } else { "" };
                    format!(
                        "<dependency><groupId>g</groupId><artifactId>{}</artifactId><version>{}</version>{scope}{optional}</dependency>",
                        parts[0], parts[1]
                    )
                })
                .collect();
            let base = dir.join(format!("g/{name}/{version}"));
            std::fs::create_dir_all(&base).unwrap();
            std::fs::write(
                base.join(format!("{name}-{version}.pom")),
                format!("<project><groupId>g</groupId><artifactId>{name}</artifactId><version>{version}</version><dependencies>{deps}</dependencies></project>"),
            )
            .unwrap();
            std::fs::write(base.join(format!("{name}-{version}.jar")), b"").unwrap();
        }
        RepositorySystem::new(dir.to_path_buf(), Vec::new(), true)
    }

    fn dep(name: &str, version: &str, scope: Scope) -> Dependency {
        Dependency {
            scope: Some(scope),
            ..Dependency::compile(Artifact::new("g", name, version))
        }
    }

    fn listing(r: &Resolution) -> Vec<String> {
        r.artifacts
            .iter()
            .map(|a| {
                format!(
                    "{}:{}:{}",
                    a.artifact.artifact_id, a.artifact.version, a.scope
                )
            })
            .collect()
    }

    /// Publishes `g:name:version` with `body` inside `<project>` (and an empty jar), with
    /// `.sha1` files, into the repository directory `dir`.
    fn publish(dir: &std::path::Path, name: &str, version: &str, body: &str) {
        use sha1::Digest as _;
        let base = dir.join(format!("g/{name}/{version}"));
        std::fs::create_dir_all(&base).unwrap();
        let pom = format!("<project><modelVersion>4.0.0</modelVersion><groupId>g</groupId><artifactId>{name}</artifactId><version>{version}</version>{body}</project>");
        for (file, bytes) in [
            (format!("{name}-{version}.pom"), pom.into_bytes()),
            (format!("{name}-{version}.jar"), Vec::new()),
        ] {
            std::fs::write(
                base.join(format!("{file}.sha1")),
                hex::encode(sha1::Sha1::digest(&bytes)),
            )
            .unwrap();
            std::fs::write(base.join(file), bytes).unwrap();
        }
    }

    fn dependency_xml(names: &[&str]) -> String {
        let deps: String = names
            .iter()
            .map(|n| format!("<dependency><groupId>g</groupId><artifactId>{n}</artifactId><version>1</version></dependency>"))
            .collect();
        format!("<dependencies>{deps}</dependencies>")
    }

    /// Maven keeps the request's repositories (settings, the super POM's Central) dominant: a
    /// dependency's pom that redeclares `central` elsewhere changes nothing, its other
    /// repositories serve only its own subtree, and a snapshots-only one is not asked for
    /// releases.
    #[test]
    fn request_repositories_stay_dominant_and_pom_repositories_serve_their_subtree() {
        let tmp = tempfile::tempdir().unwrap();
        let central = tmp.path().join("central");
        let side = tmp.path().join("side");
        let snaps = tmp.path().join("snaps");
        let repositories = format!(
            "<repositories>\
               <repository><id>central</id><url>file://{}/nowhere</url></repository>\
               <repository><id>side</id><url>file://{}</url></repository>\
               <repository><id>snaps</id><url>file://{}</url><releases><enabled>false</enabled></releases></repository>\
             </repositories>",
            tmp.path().display(),
            side.display(),
            snaps.display()
        );
        publish(
            &central,
            "a",
            "1",
            &format!("{repositories}{}", dependency_xml(&["b", "e"])),
        );
        publish(&central, "b", "1", "");
        publish(&side, "e", "1", "");
        // c's subtree does not see a's `side` repository.
        publish(&central, "c", "1", &dependency_xml(&["only-side"]));
        publish(&side, "only-side", "1", "");
        publish(&snaps, "only-snaps", "1", "");
        let system = |local: &std::path::Path| {
            RepositorySystem::new(
                local.to_path_buf(),
                vec![RemoteRepository::file("central", &central)],
                false,
            )
        };
        let request = |deps: Vec<Dependency>| ResolveRequest {
            root: Artifact::new("g", "root", "1"),
            dependencies: deps,
            dependency_management: Vec::new(),
            repositories: Vec::new(),
        };
        let local = tmp.path().join("local");
        let r = resolve(
            &request(vec![dep("a", "1", Scope::Compile)]),
            &system(&local),
        )
        .unwrap();
        assert_eq!(listing(&r), ["a:1:compile", "b:1:compile", "e:1:compile"]);

        let local = tmp.path().join("local2");
        let err = resolve(
            &request(vec![
                dep("a", "1", Scope::Compile),
                dep("c", "1", Scope::Compile),
            ]),
            &system(&local),
        )
        .unwrap_err();
        assert!(format!("{err:#}").contains("only-side"), "{err:#}");

        publish(
            &central,
            "d",
            "1",
            &format!("{repositories}{}", dependency_xml(&["only-snaps"])),
        );
        let local = tmp.path().join("local3");
        let err = resolve(
            &request(vec![dep("d", "1", Scope::Compile)]),
            &system(&local),
        )
        .unwrap_err();
        assert!(format!("{err:#}").contains("only-snaps"), "{err:#}");
        assert!(!local.join("g/only-snaps").exists());
    }

    /// With the poms in a remote repository and an empty local one, the level prefetch
    /// downloads them in parallel and the walk resolves exactly as from a warm local repository.
    #[test]
    fn prefetching_from_a_remote_resolves_as_a_warm_local_repository() {
        use sha1::Digest as _;
        let poms: &[(&str, &[&str])] = &[
            ("a:1", &["b:1", "c:1", "d:1:test", "e:1:compile:optional"]),
            ("b:1", &["x:1", "y:1"]),
            ("c:1", &["x:2", "z:1:runtime"]),
            ("d:1", &[]),
            ("e:1", &[]),
            ("x:1", &[]),
            ("x:2", &[]),
            ("y:1", &["z:1"]),
            ("z:1", &[]),
        ];
        let remote_dir = tempfile::tempdir().unwrap();
        let warm = repo(remote_dir.path(), poms);
        for entry in walkdir::WalkDir::new(remote_dir.path()) {
            let path = entry.unwrap().into_path();
            if path.is_file() {
                let digest = hex::encode(sha1::Sha1::digest(std::fs::read(&path).unwrap()));
                let mut name = path.file_name().unwrap().to_os_string();
                name.push(".sha1");
                std::fs::write(path.with_file_name(name), digest).unwrap();
            }
        }
        let request = ResolveRequest {
            root: Artifact::new("g", "root", "1"),
            dependencies: vec![dep("a", "1", Scope::Compile), dep("y", "1", Scope::Compile)],
            dependency_management: Vec::new(),
            repositories: Vec::new(),
        };
        let expected = listing(&resolve(&request, &warm).unwrap());
        let local = tempfile::tempdir().unwrap();
        let cold = RepositorySystem::new(
            local.path().to_path_buf(),
            vec![RemoteRepository::file("files", remote_dir.path())],
            false,
        );
        assert_eq!(listing(&resolve(&request, &cold).unwrap()), expected);
        assert_eq!(
            expected,
            [
                "a:1:compile",
                "b:1:compile",
                "x:1:compile",
                "c:1:compile",
                "y:1:compile",
                "z:1:compile"
            ]
        );
        // Poms of dependencies the walk skips (test, optional) were not downloaded.
        assert!(!local.path().join("g/d/1/d-1.pom").exists());
        assert!(!local.path().join("g/e/1/e-1.pom").exists());
        assert!(local.path().join("g/x/1/x-1.pom").is_file());
    }

    #[test]
    fn nearest_wins_scopes_widen_and_order_is_preorder() {
        let tmp = tempfile::tempdir().unwrap();
        let repos = repo(
            tmp.path(),
            &[
                (
                    "a:1",
                    &["b:1", "c:1:runtime", "d:1:compile:optional", "e:1:test"],
                ),
                ("b:1", &["c:2", "x:1"]),
                ("c:1", &["y:1"]),
                ("c:2", &["z:1"]),
                ("x:1", &["a:1"]),
                ("y:1", &[]),
                ("y:2", &[]),
                ("f:1", &["y:2"]),
            ],
        );
        let request = ResolveRequest {
            root: Artifact::new("g", "root", "1"),
            dependencies: vec![dep("a", "1", Scope::Compile), dep("f", "1", Scope::Test)],
            dependency_management: Vec::new(),
            repositories: Vec::new(),
        };
        let r = resolve(&request, &repos).unwrap();
        assert_eq!(
            listing(&r),
            [
                "a:1:compile",
                "b:1:compile",
                "x:1:compile",
                "c:1:compile",
                "f:1:test",
                "y:2:compile"
            ]
        );
        let x = &r.artifacts[2];
        assert_eq!(
            x.trail
                .iter()
                .map(|a| a.artifact_id.as_str())
                .collect::<Vec<_>>(),
            ["a", "b", "x"]
        );
        assert_eq!(r.parents, [None, Some(0), Some(1), Some(0), None, Some(4)]);
    }

    #[test]
    fn root_management_and_exclusions_shape_transitives() {
        let tmp = tempfile::tempdir().unwrap();
        let repos = repo(
            tmp.path(),
            &[
                ("a:1", &["b:1", "c:1"]),
                ("b:1", &["d:1"]),
                ("b:2", &["e:1"]),
                ("c:1", &["d:1"]),
                ("d:1", &[]),
                ("e:1", &[]),
            ],
        );
        let mut a = dep("a", "1", Scope::Compile);
        a.exclusions.push(Exclusion {
            group_id: "*".into(),
            artifact_id: "c".into(),
        });
        let request = ResolveRequest {
            root: Artifact::new("g", "root", "1"),
            dependencies: vec![a],
            dependency_management: vec![Dependency {
                scope: Some(Scope::Provided),
                ..Dependency::compile(Artifact::new("g", "b", "2"))
            }],
            repositories: Vec::new(),
        };
        let r = resolve(&request, &repos).unwrap();
        assert_eq!(listing(&r), ["a:1:compile", "b:2:provided", "e:1:provided"]);
    }

    #[test]
    fn a_range_overrides_a_nearer_version_outside_it() {
        let tmp = tempfile::tempdir().unwrap();
        let repos = repo(
            tmp.path(),
            &[
                ("x:1", &["c:3"]),
                ("y:1", &["z:1"]),
                ("z:1", &["c:[1,2)"]),
                ("c:1.0", &[]),
                ("c:1.5", &[]),
                ("c:3", &[]),
            ],
        );
        std::fs::write(
            tmp.path().join("g/c/maven-metadata-local.xml"),
            "<metadata><groupId>g</groupId><artifactId>c</artifactId><versioning><versions><version>1.0</version><version>1.5</version><version>3</version></versions></versioning></metadata>",
        )
        .unwrap();
        let request = ResolveRequest {
            root: Artifact::new("g", "root", "1"),
            dependencies: vec![dep("x", "1", Scope::Compile), dep("y", "1", Scope::Compile)],
            dependency_management: Vec::new(),
            repositories: Vec::new(),
        };
        let r = resolve(&request, &repos).unwrap();
        assert_eq!(
            listing(&r),
            ["x:1:compile", "y:1:compile", "z:1:compile", "c:1.5:compile"]
        );
        // Without the conflicting soft version, the range takes the highest version in it.
        let request = ResolveRequest {
            dependencies: vec![dep("y", "1", Scope::Compile)],
            ..request
        };
        let r = resolve(&request, &repos).unwrap();
        assert_eq!(listing(&r), ["y:1:compile", "z:1:compile", "c:1.5:compile"]);
    }

    fn managed(name: &str, version: &str) -> Dependency {
        Dependency {
            scope: None,
            ..Dependency::compile(Artifact::new("g", name, version))
        }
    }

    fn exclude(name: &str) -> Exclusion {
        Exclusion {
            group_id: "g".into(),
            artifact_id: name.into(),
        }
    }

    fn request(deps: Vec<Dependency>, managed: Vec<Dependency>) -> ResolveRequest {
        ResolveRequest {
            root: Artifact::new("g", "root", "1"),
            dependencies: deps,
            dependency_management: managed,
            repositories: Vec::new(),
        }
    }

    /// Issue 10 defects 2, 4, 7: managed scope and optional are taken as they are (not derived
    /// through the parent); managed exclusions are merged with a direct dependency's own.
    #[test]
    fn management_applies_as_maven_collector_does() {
        let tmp = tempfile::tempdir().unwrap();
        let repos = repo(
            tmp.path(),
            &[
                ("a:1", &["b:1", "c:1", "d:1"]),
                ("b:1", &[]),
                ("c:1", &[]),
                ("d:1", &[]),
            ],
        );
        // junit (test) -> hamcrest managed to compile: compile.
        let r = resolve(
            &request(
                vec![dep("a", "1", Scope::Test)],
                vec![Dependency {
                    scope: Some(Scope::Compile),
                    ..managed("b", "1")
                }],
            ),
            &repos,
        )
        .unwrap();
        assert_eq!(
            listing(&r),
            ["a:1:test", "b:1:compile", "c:1:test", "d:1:test"]
        );

        // Managed optional marks the transitive dependency only.
        let r = resolve(
            &request(
                vec![dep("a", "1", Scope::Compile)],
                vec![Dependency {
                    optional: true,
                    ..managed("c", "1")
                }],
            ),
            &repos,
        )
        .unwrap();
        let optional: Vec<(&str, bool)> = r
            .artifacts
            .iter()
            .map(|a| (a.artifact.artifact_id.as_str(), a.optional))
            .collect();
        assert_eq!(
            optional,
            [("a", false), ("b", false), ("c", true), ("d", false)]
        );

        // A direct dependency's own exclusion plus the managed one.
        let mut a = dep("a", "1", Scope::Compile);
        a.exclusions.push(exclude("b"));
        let r = resolve(
            &request(
                vec![a],
                vec![Dependency {
                    exclusions: vec![exclude("d")],
                    ..managed("a", "1")
                }],
            ),
            &repos,
        )
        .unwrap();
        assert_eq!(listing(&r), ["a:1:compile", "c:1:compile"]);
    }

    /// Issue 10 defect 6: the dependencies of a war are not followed.
    #[test]
    fn war_dependencies_are_not_followed() {
        let tmp = tempfile::tempdir().unwrap();
        let repos = repo(tmp.path(), &[("w:1", &["x:1"]), ("x:1", &[])]);
        std::fs::write(tmp.path().join("g/w/1/w-1.war"), b"").unwrap();
        let war = Dependency::compile(Artifact {
            kind: "war".into(),
            ..Artifact::new("g", "w", "1")
        });
        let r = resolve(&request(vec![war], Vec::new()), &repos).unwrap();
        assert_eq!(listing(&r), ["w:1:compile"]);
        assert_eq!(r.artifacts[0].artifact.to_string(), "g:w:war:1");
    }

    /// Issue 10 defect 8: RELEASE and LATEST from the repository metadata.
    #[test]
    fn release_and_latest_come_from_the_metadata() {
        let tmp = tempfile::tempdir().unwrap();
        let repos = repo(tmp.path(), &[("m:1.0", &[]), ("m:2.0-beta", &[])]);
        std::fs::write(
            tmp.path().join("g/m/maven-metadata-local.xml"),
            "<metadata><groupId>g</groupId><artifactId>m</artifactId><versioning><latest>2.0-beta</latest><release>1.0</release><versions><version>1.0</version><version>2.0-beta</version></versions><lastUpdated>20200101000000</lastUpdated></versioning></metadata>",
        )
        .unwrap();
        let r = resolve(
            &request(vec![dep("m", "RELEASE", Scope::Compile)], Vec::new()),
            &repos,
        )
        .unwrap();
        assert_eq!(listing(&r), ["m:1.0:compile"]);
        let r = resolve(
            &request(vec![dep("m", "LATEST", Scope::Compile)], Vec::new()),
            &repos,
        )
        .unwrap();
        assert_eq!(listing(&r), ["m:2.0-beta:compile"]);
    }

    /// Issue 10 defect 3: a relocation's target is selected, managed and mediated again.
    #[test]
    fn relocation_targets_are_excluded_managed_and_mediated() {
        let tmp = tempfile::tempdir().unwrap();
        let repos = repo(
            tmp.path(),
            &[
                ("a:1", &["old:1"]),
                ("t:1", &[]),
                ("t:2", &[]),
                ("t:3", &[]),
            ],
        );
        let base = tmp.path().join("g/old/1");
        std::fs::create_dir_all(&base).unwrap();
        std::fs::write(
            base.join("old-1.pom"),
            "<project><groupId>g</groupId><artifactId>old</artifactId><version>1</version><distributionManagement><relocation><artifactId>t</artifactId></relocation></distributionManagement></project>",
        )
        .unwrap();
        // Relocated to t:1, then t's managed version applies.
        let r = resolve(
            &request(vec![dep("a", "1", Scope::Compile)], vec![managed("t", "2")]),
            &repos,
        )
        .unwrap();
        assert_eq!(listing(&r), ["a:1:compile", "t:2:compile"]);
        // An exclusion of the target removes it.
        let mut a = dep("a", "1", Scope::Compile);
        a.exclusions.push(exclude("t"));
        let r = resolve(&request(vec![a], Vec::new()), &repos).unwrap();
        assert_eq!(listing(&r), ["a:1:compile"]);
        // Mediated under the target's key: the direct t:3 wins.
        let r = resolve(
            &request(
                vec![dep("a", "1", Scope::Compile), dep("t", "3", Scope::Compile)],
                Vec::new(),
            ),
            &repos,
        )
        .unwrap();
        assert_eq!(listing(&r), ["a:1:compile", "t:3:compile"]);
    }

    #[test]
    fn scope_derivation_follows_maven() {
        use Scope::*;
        assert_eq!(derive_scope(Compile, Compile), Compile);
        assert_eq!(derive_scope(Compile, Runtime), Runtime);
        assert_eq!(derive_scope(Runtime, Compile), Runtime);
        assert_eq!(derive_scope(Provided, Compile), Provided);
        assert_eq!(derive_scope(Provided, Runtime), Provided);
        assert_eq!(derive_scope(Test, Compile), Test);
        assert_eq!(derive_scope(Test, Runtime), Test);
        assert_eq!(derive_scope(Runtime, Test), Test);
    }
}
