//! `META-INF/services/*` merging: the provider lines of every contributor, comments and blank
//! lines dropped, each line once, in contributor order (the project first, then classpath order).

use std::collections::HashSet;

/// Merged provider lines of one service file.
#[derive(Debug, Default)]
pub struct ServiceMerge {
    lines: Vec<String>,
    seen: HashSet<String>,
    /// Who contributed, in order, for messages.
    pub contributors: Vec<String>,
}

impl ServiceMerge {
    /// Add one contributor's file content.
    pub fn add(&mut self, contributor: &str, content: &[u8]) {
        self.contributors.push(contributor.to_string());
        let text = String::from_utf8_lossy(content);
        for raw in text.lines() {
            let line = raw
                .split('#')
                .next()
                .unwrap_or("")
                .trim()
                .trim_start_matches('\u{feff}');
            if line.is_empty() {
                continue;
            }
            if self.seen.insert(line.to_string()) {
                self.lines.push(line.to_string());
            }
        }
    }

    /// The merged file, one provider per line, `\n`-terminated.
    pub fn render(&self) -> Vec<u8> {
        let mut out = String::new();
        for line in &self.lines {
            out.push_str(line);
            out.push('\n');
        }
        out.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_in_order_without_duplicates_or_comments() {
        let mut m = ServiceMerge::default();
        m.add("project", b"# license header\n\ncom.example.Mine\n");
        m.add(
            "a:b:1",
            b"org.a.Impl # trailing comment\r\ncom.example.Mine\n",
        );
        m.add("c:d:2", b"  org.c.Impl\norg.a.Impl");
        assert_eq!(
            String::from_utf8(m.render()).unwrap(),
            "com.example.Mine\norg.a.Impl\norg.c.Impl\n"
        );
        assert_eq!(m.contributors, ["project", "a:b:1", "c:d:2"]);
    }
}
