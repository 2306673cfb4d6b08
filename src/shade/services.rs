//! `META-INF/services/*` merging: the provider lines of every contributor, comments and blank
//! lines dropped, each line once, in contributor order (the project first, then classpath order).
//! `verbatim` is maven-shade-plugin 3.5's ServicesResourceTransformer: every line as written
//! (comments and blank lines too), each distinct line once.

use std::collections::HashSet;

/// Merged provider lines of one service file.
#[derive(Debug, Default)]
pub struct ServiceMerge {
    lines: Vec<String>,
    seen: HashSet<String>,
    /// Who contributed, in order, for messages.
    pub contributors: Vec<String>,
    /// Lines kept as written (maven-shade-plugin's rule) instead of cleaned.
    pub verbatim: bool,
}

impl ServiceMerge {
    /// maven-shade-plugin's rule (see the module doc).
    pub fn verbatim() -> Self {
        ServiceMerge {
            verbatim: true,
            ..ServiceMerge::default()
        }
    }

    /// Add one contributor's file content.
    pub fn add(&mut self, contributor: &str, content: &[u8]) {
        self.contributors.push(contributor.to_string());
        let text = String::from_utf8_lossy(content);
        if self.verbatim {
            for line in scanner_lines(&text) {
                if self.seen.insert(line.to_string()) {
                    self.lines.push(line.to_string());
                }
            }
            return;
        }
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

/// java.util.Scanner's lines: `\r\n`, `\n`, `\r`, U+2028, U+2029 and U+0085 end a line; no
/// empty last line after a final terminator.
pub fn scanner_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (line, next) = match rest.find(['\n', '\r', '\u{2028}', '\u{2029}', '\u{85}']) {
            Some(i) => {
                let sep = if rest[i..].starts_with("\r\n") {
                    2
                } else {
                    rest[i..].chars().next().map_or(1, char::len_utf8)
                };
                (&rest[..i], &rest[i + sep..])
            }
            None => (rest, ""),
        };
        rest = next;
        Some(line)
    })
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

    #[test]
    fn verbatim_keeps_comments_and_blank_lines_once() {
        let mut m = ServiceMerge::verbatim();
        m.add("project", b"# header\n\ncom.example.Mine\n");
        m.add("a:b:1", b"# header\r\norg.a.Impl \rcom.example.Mine");
        assert_eq!(
            String::from_utf8(m.render()).unwrap(),
            "# header\n\ncom.example.Mine\norg.a.Impl \n"
        );
    }
}
