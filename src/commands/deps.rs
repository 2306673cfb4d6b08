//! `stormpack deps`: the project's resolved Maven dependencies, printed as
//! `mvn dependency:list` prints them (classpath order, `   g:a:type[:classifier]:version:scope`)
//! or, with `--tree`, as `mvn dependency:tree` draws them.

use std::fmt::Write as _;

use stormpack::maven::coord::Artifact;
use stormpack::maven::resolve::{Resolution, ResolvedArtifact};
use stormpack::{BuildOptions, BuildPlan};

use super::Stderr;
use crate::cli::DepsArgs;

pub fn run(args: &DepsArgs) -> anyhow::Result<i32> {
    let options = BuildOptions {
        project: args.project.to_lib(),
        ..BuildOptions::default()
    };
    let plan = BuildPlan::resolve(&options)?;
    let resolution = stormpack::resolve(&plan, &mut Stderr)?;
    let text = if args.tree {
        render_tree(&plan.request.root, &resolution)
    } else {
        render_list(&resolution)
    };
    print!("{text}");
    Ok(0)
}

/// One line's coordinate part: `g:a:type[:classifier]:version:scope`, and ` (optional)` as
/// maven-dependency-plugin 3.x marks optional artifacts in its list and tree.
fn line(a: &ResolvedArtifact) -> String {
    let optional = if a.optional { " (optional)" } else { "" };
    format!("{}:{}{optional}", a.artifact, a.scope)
}

/// `mvn dependency:list`'s layout, in classpath order as it prints by default.
pub fn render_list(resolution: &Resolution) -> String {
    let mut out = String::from("\nThe following files have been resolved:\n");
    if resolution.artifacts.is_empty() {
        out.push_str("   none\n");
    }
    for a in &resolution.artifacts {
        let _ = writeln!(out, "   {}", line(a));
    }
    out.push('\n');
    out
}

/// `mvn dependency:tree`'s layout: the root, then `+- ` / `\- ` branches with `|  ` rails.
pub fn render_tree(root: &Artifact, resolution: &Resolution) -> String {
    let mut out = format!("{root}\n");
    let n = resolution.artifacts.len();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut top: Vec<usize> = Vec::new();
    for (i, p) in resolution.parents.iter().enumerate() {
        match p {
            Some(p) => children[*p].push(i),
            None => top.push(i),
        }
    }
    fn walk(
        out: &mut String,
        resolution: &Resolution,
        children: &[Vec<usize>],
        nodes: &[usize],
        prefix: &str,
    ) {
        for (k, &i) in nodes.iter().enumerate() {
            let last = k + 1 == nodes.len();
            let branch = if last { "\\- " } else { "+- " };
            let _ = writeln!(out, "{prefix}{branch}{}", line(&resolution.artifacts[i]));
            let rail = if last { "   " } else { "|  " };
            walk(
                out,
                resolution,
                children,
                &children[i],
                &format!("{prefix}{rail}"),
            );
        }
    }
    walk(&mut out, resolution, &children, &top, "");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use stormpack::maven::Scope;

    fn artifact(name: &str, scope: Scope, parent_trail: &[&Artifact]) -> ResolvedArtifact {
        let a = Artifact::new("g", name, "1");
        let mut trail: Vec<Artifact> = parent_trail.iter().map(|a| (*a).clone()).collect();
        trail.push(a.clone());
        ResolvedArtifact {
            artifact: a,
            scope,
            optional: false,
            file: "x.jar".into(),
            trail,
        }
    }

    #[test]
    fn tree_and_list_follow_maven_layout() {
        let a = artifact("a", Scope::Compile, &[]);
        let b = artifact("b", Scope::Runtime, &[&a.artifact]);
        let mut c = artifact("c", Scope::Test, &[]);
        c.optional = true;
        let resolution = Resolution {
            artifacts: vec![a, b, c],
            parents: vec![None, Some(0), None],
            warnings: Vec::new(),
        };
        let root = Artifact::new("com.example", "root", "1.0");
        assert_eq!(
            render_tree(&root, &resolution),
            "com.example:root:jar:1.0\n+- g:a:jar:1:compile\n|  \\- g:b:jar:1:runtime\n\\- g:c:jar:1:test (optional)\n"
        );
        assert_eq!(
            render_list(&resolution),
            "\nThe following files have been resolved:\n   g:a:jar:1:compile\n   g:b:jar:1:runtime\n   g:c:jar:1:test (optional)\n\n"
        );
    }
}
