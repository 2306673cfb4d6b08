//! Reading dependency jars for the plan (through `jar::deps`): open them (their central
//! directories parsed on two threads), check entry names, read the few small entries the plan
//! needs (service files, manifests), and the one error every unreadable jar gets.

use super::{short, ShadeInput};
use crate::jar::deps::SmallReadError;
use crate::jar::DepJar;

/// Open every jar and parse its central directory, on two threads when the machine has two cores
/// (parsing tens of thousands of central directory records is most of the planning time).
/// Results keep the input order, so errors and the plan do not depend on scheduling.
pub(super) fn open_all(inputs: &[ShadeInput]) -> anyhow::Result<Vec<DepJar>> {
    let parallel = std::thread::available_parallelism().is_ok_and(|n| n.get() > 1);
    if !parallel || inputs.len() < 2 {
        return inputs.iter().map(open_jar).collect();
    }
    // Every other jar on the helper thread: big and small jars end up on both sides.
    let (mut odd, even) = std::thread::scope(|scope| {
        let helper = scope.spawn(|| {
            inputs
                .iter()
                .skip(1)
                .step_by(2)
                .map(open_jar)
                .collect::<Vec<_>>()
        });
        let even: Vec<_> = inputs.iter().step_by(2).map(open_jar).collect();
        (helper.join(), even)
    });
    let mut odd = match odd.as_mut() {
        Ok(list) => std::mem::take(list).into_iter(),
        Err(_) => anyhow::bail!("internal error: the thread opening jars panicked"),
    };
    let mut even = even.into_iter();
    let mut archives = Vec::with_capacity(inputs.len());
    for i in 0..inputs.len() {
        let next = if i % 2 == 0 { even.next() } else { odd.next() };
        match next {
            Some(opened) => archives.push(opened?),
            None => anyhow::bail!("internal error: jar {i} was not opened"),
        }
    }
    Ok(archives)
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
