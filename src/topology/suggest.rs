//! "Did you mean": the closest valid name for a misspelt key, grouping type or class.

/// The candidate closest to `wrong`: an exact match ignoring case and `-`/`_`, else the nearest by
/// edit distance when it is close enough to be a plausible typo.
pub fn closest<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let norm = |s: &str| {
        s.chars()
            .filter(|c| *c != '_' && *c != '-')
            .collect::<String>()
            .to_lowercase()
    };
    let wrong_norm = norm(wrong);
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let cand_norm = norm(candidate);
        if cand_norm == wrong_norm {
            return Some(candidate);
        }
        let distance = strsim::levenshtein(&wrong_norm, &cand_norm);
        let limit = (candidate.len().max(wrong.len()) / 3).max(1);
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn finds_typos_and_case_slips() {
        let keys = ["className", "constructorArgs", "parallelism", "numTasks"];
        assert_eq!(closest("classname", keys), Some("className"));
        assert_eq!(closest("paralelism", keys), Some("parallelism"));
        assert_eq!(closest("num_tasks", keys), Some("numTasks"));
        assert_eq!(closest("colour", keys), None);
    }
}
