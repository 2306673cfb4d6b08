//! `stormpack check`: the library's topology check; prints `note: ...` lines, then each finding
//! as `file:line:col: error: message` / `  fix: ...`, then a summary, on stderr; exit 1 on any
//! error. `--dot` prints the graph on stdout instead of the summary.

use std::io::Write;

use crate::cli::CheckArgs;

pub fn run(args: &CheckArgs) -> anyhow::Result<i32> {
    let report = stormpack::check(&args.to_lib())?;
    if let Some(dot) = &report.dot {
        std::io::stdout().lock().write_all(dot.as_bytes())?;
    }
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    // Findings quote the topology (keys, ids, class names): never raw terminal controls.
    let safe = |text: String| stormpack::error::escape_control(&text);
    for note in &report.notes {
        writeln!(err, "{}", safe(note.to_string()))?;
    }
    for finding in &report.diagnostics {
        writeln!(err, "{}", safe(finding.to_string()))?;
    }
    if !args.dot {
        writeln!(err, "{}", safe(report.summary()))?;
    }
    Ok(if report.errors() > 0 { 1 } else { 0 })
}
