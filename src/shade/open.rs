//! Reading dependency jars for the plan (through `jar::deps`): open them (their central
//! directories parsed on two threads, see [`map_inputs`]), check entry names, read the few small entries the plan
//! needs (service files, manifests), and the one error every unreadable jar gets.

use super::{short, ShadeInput};
use crate::jar::deps::SmallReadError;
use crate::jar::DepJar;

/// `work` applied to every input, on two threads when the machine has two cores (opening a jar
/// parses its central directory, and scanning it looks at every record: most of the planning
/// time). The biggest jars go first and each thread takes the next one when it is done, so one
/// large jar does not leave the other thread idle. Results keep the input order, so errors and
/// the plan do not depend on scheduling.
pub(super) fn map_inputs<T: Send>(
    inputs: &[ShadeInput],
    work: impl Fn(usize, &ShadeInput) -> T + Sync,
) -> anyhow::Result<Vec<T>> {
    let parallel = std::thread::available_parallelism().is_ok_and(|n| n.get() > 1);
    if !parallel || inputs.len() < 2 {
        return Ok(inputs
            .iter()
            .enumerate()
            .map(|(i, input)| work(i, input))
            .collect());
    }
    let mut queue: Vec<(u64, usize)> = inputs
        .iter()
        .enumerate()
        .map(|(i, input)| (std::fs::metadata(&input.file).map_or(0, |m| m.len()), i))
        .collect();
    queue.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let take_turns = || {
        let mut done = Vec::new();
        loop {
            let turn = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(&(_, i)) = queue.get(turn) else {
                return done;
            };
            done.push((i, work(i, &inputs[i])));
        }
    };
    let (helper, mine) = std::thread::scope(|scope| {
        let helper = scope.spawn(take_turns);
        let mine = take_turns();
        (helper.join(), mine)
    });
    let Ok(helper) = helper else {
        anyhow::bail!("internal error: the thread opening jars panicked");
    };
    let mut results: Vec<Option<T>> = inputs.iter().map(|_| None).collect();
    for (i, result) in mine.into_iter().chain(helper) {
        results[i] = Some(result);
    }
    results
        .into_iter()
        .enumerate()
        .map(|(i, r)| r.ok_or_else(|| anyhow::anyhow!("internal error: jar {i} was not opened")))
        .collect()
}

pub(super) fn open_jar(input: &ShadeInput) -> anyhow::Result<DepJar> {
    DepJar::open(&input.file).map_err(|reason| bad_jar(input, &reason))
}

/// One clear error for a jar that cannot be read, with the fix.
pub(super) fn bad_jar(input: &ShadeInput, reason: &str) -> anyhow::Error {
    crate::jar::deps::bad_jar(&short(&input.artifact), &input.file, reason)
}

/// Dependency entry names must stay inside the jar (the supervisor extracts `resources/`).
pub(super) fn check_entry_path(path: &str, input: &ShadeInput) -> anyhow::Result<()> {
    let trimmed = path.strip_suffix('/').unwrap_or(path);
    let bad = trimmed.is_empty()
        || path.starts_with('/')
        || path.contains('\\')
        || path.contains('\0')
        || trimmed
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..");
    if bad {
        return Err(bad_jar(
            input,
            &format!(
                "entry name `{}` escapes the jar or is malformed",
                path.escape_debug()
            ),
        ));
    }
    Ok(())
}

/// Service files and manifests are small; anything above this is not one.
pub(super) const SMALL_ENTRY_LIMIT: u64 = 4 * 1024 * 1024;

pub(super) fn read_small(
    archive: &mut DepJar,
    index: usize,
    input: &ShadeInput,
    path: &str,
) -> anyhow::Result<Vec<u8>> {
    archive
        .read_small(index, SMALL_ENTRY_LIMIT)
        .map_err(|e| match e {
            SmallReadError::TooLarge(size) => bad_jar(
                input,
                &format!("entry `{path}` is {size} bytes, too large for a {path}"),
            ),
            SmallReadError::Unreadable(reason) => {
                bad_jar(input, &format!("entry `{path}`: {reason}"))
            }
        })
}

pub(super) fn declares_multi_release(manifest: &[u8]) -> bool {
    String::from_utf8_lossy(manifest).lines().any(|line| {
        line.split_once(':').is_some_and(|(k, v)| {
            k.trim().eq_ignore_ascii_case("Multi-Release") && v.trim().eq_ignore_ascii_case("true")
        })
    })
}

/// The value of main attribute `name` of a manifest (continuation lines joined).
pub fn main_attribute(manifest: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(manifest).replace("\r\n", "\n");
    let mut lines: Vec<String> = Vec::new();
    for line in text.split('\n') {
        if line.is_empty() {
            break;
        }
        match (line.strip_prefix(' '), lines.last_mut()) {
            (Some(more), Some(last)) => last.push_str(more),
            _ => lines.push(line.to_string()),
        }
    }
    lines.iter().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_string())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn main_attribute_joins_continuations_and_stops_at_the_main_section() {
        let m = b"Manifest-Version: 1.0\r\nMain-Class: com.example.a.very.long.package.name.that\r\n .Wraps\r\n\r\nName: x\r\nMain-Class: no\r\n";
        assert_eq!(
            super::main_attribute(m, "main-class").as_deref(),
            Some("com.example.a.very.long.package.name.that.Wraps")
        );
        assert_eq!(super::main_attribute(m, "Name"), None);
    }
}
