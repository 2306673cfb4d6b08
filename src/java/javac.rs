//! Running javac once over a whole source set (through an argument file, so long class paths and
//! many sources fit any command line) and turning its diagnostics into `file:line:col: error:`
//! blocks that keep javac's source line and caret.

use std::path::{Path, PathBuf};
use std::process::Command;

/// One javac invocation.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub javac: PathBuf,
    /// Everything after `javac`, sources included; written to `argfile`.
    pub args: Vec<String>,
    pub argfile: PathBuf,
    /// Relative paths in diagnostics are made relative to this directory.
    pub project_dir: PathBuf,
}

/// What javac said.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub success: bool,
    pub errors: usize,
    pub warnings: usize,
    /// The diagnostics, rendered for the terminal (empty when javac said nothing).
    pub rendered: String,
}

/// Run javac; an `Err` only when it could not be started.
pub fn run(inv: &Invocation) -> anyhow::Result<Report> {
    let text: String = inv
        .args
        .iter()
        .map(|a| quote(a))
        .collect::<Vec<_>>()
        .join("\n");
    if let Some(dir) = inv.argfile.parent() {
        fs_err::create_dir_all(dir)?;
    }
    fs_err::write(&inv.argfile, text + "\n")?;
    // English diagnostics, so that `error:`/`warning:` can be told apart in any locale.
    let out = Command::new(&inv.javac)
        .arg("-J-Duser.language=en")
        .arg("-J-Duser.country=US")
        .arg(format!("@{}", inv.argfile.display()))
        .current_dir(&inv.project_dir)
        .output()
        .map_err(|e| anyhow::anyhow!("cannot start {}: {e}", inv.javac.display()))?;
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut report = render(&output, &inv.project_dir);
    report.success = out.status.success();
    if !report.success && report.errors == 0 {
        // javac failed without a diagnostic of its own (a bad option, a crash): show it all.
        report.errors = 1;
        if report.rendered.trim().is_empty() {
            report.rendered = format!("javac exited with {}", out.status);
        }
    }
    Ok(report)
}

/// javac `@argfile` quoting: every argument in double quotes, `\` and `"` escaped.
fn quote(arg: &str) -> String {
    format!("\"{}\"", arg.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Rewrite javac's `path:line: kind: message` headers as `path:line:col: kind: message` (the
/// column taken from javac's caret line, the path made relative to `project_dir`), keeping the
/// source line, the caret and the detail lines; drop the trailing `N errors` counts.
pub fn render(output: &str, project_dir: &Path) -> Report {
    let lines: Vec<&str> = output.lines().collect();
    let mut report = Report::default();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if is_count_line(line) {
            i += 1;
            continue;
        }
        let Some((file, number, kind, message)) = header(line) else {
            if let Some(rest) = line.strip_prefix("error: ") {
                report.errors += 1;
                out.push(format!("error: {rest}"));
            } else if line.starts_with("warning: ") {
                report.warnings += 1;
                out.push(line.to_string());
            } else {
                out.push(line.to_string());
            }
            i += 1;
            continue;
        };
        match kind {
            "error" => report.errors += 1,
            "warning" => report.warnings += 1,
            _ => {}
        }
        // The block runs until the next header or count line; its caret gives the column.
        let mut j = i + 1;
        while j < lines.len() && header(lines[j]).is_none() && !is_count_line(lines[j]) {
            j += 1;
        }
        let column = lines[i + 1..j]
            .iter()
            .find(|l| l.trim() == "^")
            .and_then(|l| l.find('^'))
            .map(|c| c + 1);
        let path = Path::new(file);
        let shown = path
            .strip_prefix(project_dir)
            .unwrap_or(path)
            .display()
            .to_string();
        match column {
            Some(c) => out.push(format!("{shown}:{number}:{c}: {kind}: {message}")),
            None => out.push(format!("{shown}:{number}: {kind}: {message}")),
        }
        out.extend(lines[i + 1..j].iter().map(|l| format!("    {l}")));
        i = j;
    }
    report.rendered = out.join("\n");
    report
}

/// `1 error`, `3 warnings`.
fn is_count_line(line: &str) -> bool {
    let mut parts = line.split(' ');
    matches!(
        (
            parts.next().map(|n| n.parse::<u32>().is_ok()),
            parts.next(),
            parts.next()
        ),
        (
            Some(true),
            Some("error" | "errors" | "warning" | "warnings"),
            None
        )
    )
}

/// `path.java:12: error: message` -> (path, 12, error, message).
fn header(line: &str) -> Option<(&str, usize, &str, &str)> {
    for kind in ["error", "warning", "Note"] {
        let marker = format!(": {kind}: ");
        if let Some(pos) = line.find(&marker) {
            let (location, message) = (&line[..pos], &line[pos + marker.len()..]);
            let (file, number) = location.rsplit_once(':')?;
            if !file.ends_with(".java") {
                return None;
            }
            let number = number.parse().ok()?;
            let kind = match kind {
                "error" => "error",
                "warning" => "warning",
                _ => "note",
            };
            return Some((file, number, kind, message));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_gain_the_caret_column_and_relative_paths() {
        let out = "/p/src/main/java/com/x/Bolt.java:7: error: cannot find symbol\n        Strin s = \"\";\n        ^\n  symbol:   class Strin\n  location: class Bolt\n/p/src/main/java/com/x/Bolt.java:9: warning: [deprecation] foo\n    x.foo();\n     ^\n1 error\n1 warning\n";
        let r = render(out, Path::new("/p"));
        assert_eq!(r.errors, 1);
        assert_eq!(r.warnings, 1);
        assert!(
            r.rendered
                .starts_with("src/main/java/com/x/Bolt.java:7:9: error: cannot find symbol\n            Strin s = \"\";\n"),
            "{}",
            r.rendered
        );
        assert!(
            r.rendered.contains("symbol:   class Strin"),
            "{}",
            r.rendered
        );
        assert!(
            r.rendered
                .contains("src/main/java/com/x/Bolt.java:9:6: warning: [deprecation] foo"),
            "{}",
            r.rendered
        );
        assert!(!r.rendered.contains("1 error"), "{}", r.rendered);
    }

    #[test]
    fn option_errors_without_a_file_count() {
        let r = render(
            "error: release version 99 not supported\nUsage: javac <options> <source files>\n",
            Path::new("/p"),
        );
        assert_eq!(r.errors, 1);
        assert!(r.rendered.contains("release version 99"));
    }

    #[test]
    fn argfile_quoting() {
        assert_eq!(quote(r#"a b\c"d"#), r#""a b\\c\"d""#);
    }
}
