//! The order maven-assembly-plugin (3.7) unpacks a jar-with-dependencies, which decides which copy
//! of a duplicate entry the assembly keeps: plexus-archiver keeps the first copy added and skips
//! the others ("already added, skipping"). The plugin resolves the runtime closure again (the
//! project's compile and runtime dependencies only), collects the artifacts into a
//! `java.util.HashSet` while leaving each node of the resolved tree (post-order), and adds the
//! project's own jar last. So the dependencies come in that HashSet's iteration order, which is
//! fixed by `org.apache.maven.artifact.DefaultArtifact#hashCode` (groupId, artifactId, type,
//! version, classifier) and the table size, and the project's entries lose to any dependency's.

use crate::maven::Artifact;

/// `java.lang.String#hashCode` (over UTF-16 code units).
fn string_hash(s: &str) -> i32 {
    s.encode_utf16()
        .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(i32::from(c)))
}

/// `DefaultArtifact#hashCode` as Maven 3 computes it.
pub fn artifact_hash(a: &Artifact) -> i32 {
    let mut h = 17i32;
    for s in [&a.group_id, &a.artifact_id, &a.kind, &a.version] {
        h = h.wrapping_mul(37).wrapping_add(string_hash(s));
    }
    h.wrapping_mul(37)
        .wrapping_add(a.classifier.as_deref().map_or(0, string_hash))
}

/// The iteration order of a `java.util.HashSet` filled with `items` in this order (distinct
/// items): bucket by bucket of the final table, insertion order within a bucket (HashMap keeps
/// it through resizes). Returns indices into `items`.
pub fn hash_set_order(hashes: &[i32]) -> Vec<usize> {
    let mut capacity = 16usize;
    for n in 1..=hashes.len() {
        if n as f64 > capacity as f64 * 0.75 {
            capacity *= 2;
        }
    }
    let bucket = |h: i32| {
        let h = h as u32;
        ((h ^ (h >> 16)) as usize) & (capacity - 1)
    };
    let mut order: Vec<usize> = (0..hashes.len()).collect();
    order.sort_by_key(|&i| (bucket(hashes[i]), i));
    order
}

/// Post-order of a tree given in preorder with each node's parent index.
pub fn post_order(parents: &[Option<usize>]) -> Vec<usize> {
    let mut out = Vec::with_capacity(parents.len());
    let mut stack: Vec<usize> = Vec::new();
    for (i, parent) in parents.iter().enumerate() {
        // Leave every open node that is not an ancestor of `i`.
        while let Some(&top) = stack.last() {
            if Some(top) == *parent {
                break;
            }
            out.push(top);
            stack.pop();
        }
        stack.push(i);
    }
    while let Some(top) = stack.pop() {
        out.push(top);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_string_hash() {
        assert_eq!(string_hash(""), 0);
        assert_eq!(string_hash("jar"), 104_987);
        assert_eq!(string_hash("hello"), 99_162_322);
        // Overflow wraps as Java's int does.
        assert_eq!(string_hash("polygenelubricants"), i32::MIN);
    }

    /// The order real maven-assembly-plugin 3.7.1 logged ("Adding dependency artifact ...") for
    /// flux-core 2.4.0 + flux-wrappers 2.4.0.
    #[test]
    fn flux_closure_in_the_plugin_order() {
        let a = |g: &str, n: &str, v: &str| Artifact::new(g, n, v);
        // Preorder with parents: flux-core > commons-cli, flux-wrappers > multilang-*.
        let tree = [
            (a("org.apache.storm", "flux-core", "2.4.0"), None),
            (a("commons-cli", "commons-cli", "1.2"), Some(0)),
            (a("org.apache.storm", "flux-wrappers", "2.4.0"), None),
            (
                a("org.apache.storm", "multilang-javascript", "2.4.0"),
                Some(2),
            ),
            (a("org.apache.storm", "multilang-ruby", "2.4.0"), Some(2)),
            (a("org.apache.storm", "multilang-python", "2.4.0"), Some(2)),
        ];
        let parents: Vec<_> = tree.iter().map(|(_, p)| *p).collect();
        let post = post_order(&parents);
        assert_eq!(post, [1, 0, 3, 4, 5, 2]);
        let hashes: Vec<i32> = post.iter().map(|&i| artifact_hash(&tree[i].0)).collect();
        let names: Vec<&str> = hash_set_order(&hashes)
            .into_iter()
            .map(|k| tree[post[k]].0.artifact_id.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "multilang-javascript",
                "multilang-ruby",
                "multilang-python",
                "flux-wrappers",
                "flux-core",
                "commons-cli"
            ]
        );
    }
}
