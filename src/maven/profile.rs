//! Profile activation as Maven's model builder does it (`jdk`, `os`, `property`, `file`, else
//! `activeByDefault`) and the injection of active profiles into a pom's body.

use std::path::{Path, PathBuf};

use super::environment::Environment;
use super::inherit::raw_key;
use super::pom::{RawBody, RawDependency, RawModel, RawOs, RawProfile};

/// Which of the pom's profiles are active (indices into `raw.profiles`, in pom order): those
/// whose activation conditions all hold, else those active by default.
pub(crate) fn active_profiles(
    raw: &RawModel,
    env: &Environment,
    basedir: Option<&Path>,
) -> Vec<usize> {
    let by_condition: Vec<usize> = (0..raw.profiles.len())
        .filter(|&i| profile_condition(&raw.profiles[i], env, basedir) == Some(true))
        .collect();
    if by_condition.is_empty() {
        (0..raw.profiles.len())
            .filter(|&i| raw.profiles[i].active_by_default)
            .collect()
    } else {
        by_condition
    }
}

/// The pom's body with its `active` profiles injected (profile values win).
pub(crate) fn inject_profiles(raw: &RawModel, active: &[usize]) -> RawBody {
    let mut body = raw.body.clone();
    let active: Vec<&RawProfile> = active.iter().map(|&i| &raw.profiles[i]).collect();
    for p in active {
        let pb = &p.body;
        for (k, v) in &pb.properties {
            body.properties.push((k.clone(), v.clone()));
        }
        body.dependencies = merge_dominant(&body.dependencies, &pb.dependencies);
        body.dependency_management =
            merge_dominant(&body.dependency_management, &pb.dependency_management);
        for r in &pb.repositories {
            body.repositories.retain(|x| x.id != r.id);
            body.repositories.push(r.clone());
        }
        if pb.final_name.is_some() {
            body.final_name.clone_from(&pb.final_name);
        }
        if pb.directory.is_some() {
            body.directory.clone_from(&pb.directory);
        }
        if pb.resources.is_some() {
            body.resources.clone_from(&pb.resources);
        }
    }
    body
}

/// Model entries in place, a profile's entry replacing the one with its key, new ones appended.
fn merge_dominant(model: &[RawDependency], profile: &[RawDependency]) -> Vec<RawDependency> {
    let mut out = model.to_vec();
    for d in profile {
        let key = raw_key(d);
        match out.iter().position(|x| raw_key(x) == key) {
            Some(i) => out[i] = d.clone(),
            None => out.push(d.clone()),
        }
    }
    out
}

/// `Some(true)` when every activation condition holds, `Some(false)` when one fails, `None`
/// when the profile has no condition (only `activeByDefault`, or nothing).
pub fn profile_condition(
    p: &RawProfile,
    env: &Environment,
    basedir: Option<&Path>,
) -> Option<bool> {
    let mut results = Vec::new();
    if let Some(jdk) = &p.jdk {
        let version = env.system.get("java.version").map_or("17", String::as_str);
        results.push(jdk_matches(jdk, version));
    }
    if let Some(os) = &p.os {
        results.push(os_matches(os, env));
    }
    if let Some((name, value)) = &p.property {
        let (negate_name, name) = match name.strip_prefix('!') {
            Some(n) => (true, n),
            None => (false, name.as_str()),
        };
        let actual = env.property(name);
        let ok = match value {
            None => {
                let present = actual.is_some_and(|v| !v.is_empty());
                present != negate_name
            }
            Some(v) => match v.strip_prefix('!') {
                Some(v) => actual.map(String::as_str) != Some(v),
                None => actual.map(String::as_str) == Some(v.as_str()),
            },
        };
        results.push(ok);
    }
    let file_check = |spec: &str| -> Option<PathBuf> {
        if spec.contains("${basedir}") || spec.contains("${project.basedir}") {
            let b = basedir?;
            let b = b.to_string_lossy();
            return Some(PathBuf::from(
                spec.replace("${project.basedir}", &b)
                    .replace("${basedir}", &b),
            ));
        }
        let path = PathBuf::from(spec);
        Some(match basedir {
            Some(b) if path.is_relative() => b.join(path),
            _ => path,
        })
    };
    if let Some(f) = &p.file_exists {
        results.push(file_check(f).is_some_and(|p| p.exists()));
    }
    if let Some(f) = &p.file_missing {
        results.push(file_check(f).is_some_and(|p| !p.exists()));
    }
    if results.is_empty() {
        None
    } else {
        Some(results.iter().all(|r| *r))
    }
}

/// `<os>` activation: every given field matches (`!` negates), case-insensitively.
fn os_matches(os: &RawOs, env: &Environment) -> bool {
    let sys = |k: &str| {
        env.system
            .get(k)
            .map(|s| s.to_lowercase())
            .unwrap_or_default()
    };
    let check = |spec: &Option<String>, actual: &dyn Fn(&str) -> bool| {
        spec.as_ref().is_none_or(|s| {
            let s = s.to_lowercase();
            match s.strip_prefix('!') {
                Some(rest) => !actual(rest),
                None => actual(&s),
            }
        })
    };
    let name = sys("os.name");
    let arch = sys("os.arch");
    let version = sys("os.version");
    check(&os.name, &|s| s == name)
        && check(&os.family, &|s| os_family_matches(s, &name))
        && check(&os.arch, &|s| s == arch)
        && check(&os.version, &|s| s == version)
}

fn os_family_matches(family: &str, os_name: &str) -> bool {
    let windows = os_name.contains("windows");
    let mac = os_name.contains("mac");
    match family {
        "windows" => windows,
        "unix" => !windows && (!mac || os_name.ends_with('x')),
        "mac" => mac,
        "dos" => windows,
        _ => false,
    }
}

/// Maven's JDK activation: a prefix of `java.version`, or a range like `[11,)`; `!` negates.
pub fn jdk_matches(spec: &str, java_version: &str) -> bool {
    let spec = spec.trim();
    let (negate, spec) = match spec.strip_prefix('!') {
        Some(s) => (true, s.trim()),
        None => (false, spec),
    };
    let matched = if spec.starts_with('[') || spec.starts_with('(') {
        split_ranges(spec)
            .iter()
            .any(|r| range_contains(r, java_version))
    } else {
        java_version.starts_with(spec)
    };
    matched != negate
}

fn split_ranges(spec: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in spec.chars() {
        if cur.is_empty() && c == ',' {
            continue;
        }
        cur.push(c);
        if c == ']' || c == ')' {
            out.push(std::mem::take(&mut cur));
        }
    }
    out
}

fn version_tokens(v: &str) -> Vec<u64> {
    v.split(['.', '-', '_'])
        .map(|t| {
            t.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
                .parse()
                .unwrap_or(0)
        })
        .collect()
}

fn compare_padded(a: &str, b: &str) -> std::cmp::Ordering {
    let mut x = version_tokens(a);
    let mut y = version_tokens(b);
    let n = x.len().max(y.len());
    x.resize(n, 0);
    y.resize(n, 0);
    x.cmp(&y)
}

fn range_contains(range: &str, version: &str) -> bool {
    use std::cmp::Ordering::{Equal, Greater, Less};
    let lower_inclusive = range.starts_with('[');
    let upper_inclusive = range.ends_with(']');
    let inner = &range[1..range.len().saturating_sub(1)];
    let (lo, hi) = match inner.split_once(',') {
        Some((lo, hi)) => (lo.trim(), hi.trim()),
        None => (inner.trim(), inner.trim()),
    };
    let lo_ok = lo.is_empty()
        || match compare_padded(version, lo) {
            Greater => true,
            Equal => lower_inclusive,
            Less => false,
        };
    let hi_ok = hi.is_empty()
        || match compare_padded(version, hi) {
            Less => true,
            Equal => upper_inclusive,
            Greater => false,
        };
    lo_ok && hi_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jdk_activation_follows_maven() {
        assert!(jdk_matches("17", "17.0.15"));
        assert!(!jdk_matches("1.8", "17.0.15"));
        assert!(jdk_matches("!1.8", "17.0.15"));
        assert!(jdk_matches("[1.8,)", "17.0.15"));
        assert!(jdk_matches("[9,)", "17.0.15"));
        assert!(!jdk_matches("(,1.8]", "17.0.15"));
        assert!(!jdk_matches("[11,17)", "17.0.15"));
        assert!(jdk_matches("[11,17]", "17"));
        assert!(jdk_matches("(,1.8],[17,)", "17.0.15"));
    }

    /// Issue 10 defect 5: any JVM system property and the user's `-D` properties activate.
    #[test]
    fn property_activation_sees_jvm_and_user_properties() {
        let profile = |name: &str, value: Option<&str>| RawProfile {
            property: Some((name.to_string(), value.map(str::to_string))),
            ..RawProfile::default()
        };
        let mut env = Environment {
            system: [("sun.arch.data.model".to_string(), "64".to_string())].into(),
            user: Default::default(),
        };
        assert_eq!(
            profile_condition(&profile("sun.arch.data.model", Some("64")), &env, None),
            Some(true)
        );
        let flavour = profile("flavour", Some("full"));
        assert_eq!(profile_condition(&flavour, &env, None), Some(false));
        env = env.with_user(&[("flavour".to_string(), "full".to_string())].into());
        assert_eq!(profile_condition(&flavour, &env, None), Some(true));
        // A user property overrides a system property of the same name.
        env = env.with_user(&[("sun.arch.data.model".to_string(), "32".to_string())].into());
        assert_eq!(
            profile_condition(&profile("sun.arch.data.model", Some("64")), &env, None),
            Some(false)
        );
    }

    #[test]
    fn os_family_unix_matches_linux() {
        assert!(os_family_matches("unix", "linux"));
        assert!(!os_family_matches("windows", "linux"));
        assert!(!os_family_matches("mac", "linux"));
    }
}
