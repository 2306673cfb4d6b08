//! `--duration` values: `30s`, `2m`, `1m30s`, `1h`, or a bare number of seconds. Storm's
//! `storm.local.sleeptime` counts whole seconds, so that is the unit kept.

use crate::error::Diagnostic;
use std::time::Duration;

/// Parse a run duration; at least one second.
pub fn parse(text: &str) -> anyhow::Result<Duration> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        anyhow::bail!(bad("--duration is empty".to_string()));
    }
    if trimmed.bytes().all(|b| b.is_ascii_digit()) {
        // Digits only: seconds. More than a u64 holds is too long, not "no unit".
        let secs = trimmed.parse::<u64>().unwrap_or(u64::MAX);
        return at_least_one_second(trimmed, secs);
    }
    let mut total: u64 = 0;
    let mut number = String::new();
    for c in trimmed.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let factor = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            _ => anyhow::bail!(bad(format!("--duration {trimmed:?}: unknown unit {c:?}"))),
        };
        if number.is_empty() {
            anyhow::bail!(bad(format!(
                "--duration {trimmed:?}: a number must come before {c:?}"
            )));
        }
        // A number too large for a u64 is far longer than a year: saturate, and the bound
        // below says so.
        let value: u64 = number.parse().unwrap_or(u64::MAX);
        number.clear();
        total = value.saturating_mul(factor).saturating_add(total);
    }
    if !number.is_empty() {
        anyhow::bail!(bad(format!(
            "--duration {trimmed:?}: {number} has no unit after it"
        )));
    }
    at_least_one_second(trimmed, total)
}

/// A duration that cannot be used, with the one fix for all of them.
fn bad(message: String) -> Diagnostic {
    Diagnostic::new(message)
        .fix("write it as seconds, minutes or hours, e.g. --duration 30s, 2m, 1m30s or 1h")
}

/// The longest run: a year. Storm multiplies `storm.local.sleeptime` into milliseconds in a
/// Java `long`; far longer values overflowed it (and deadlines computed from them).
pub const MAX_SECONDS: u64 = 366 * 24 * 3600;

fn at_least_one_second(text: &str, secs: u64) -> anyhow::Result<Duration> {
    if secs == 0 {
        anyhow::bail!(bad(format!(
            "--duration {text:?} is zero: the topology would stop before it starts"
        )));
    }
    if secs > MAX_SECONDS {
        anyhow::bail!(Diagnostic::new(format!(
            "--duration {text:?} is longer than a year ({MAX_SECONDS} seconds), the longest run stormpack starts"
        ))
        .fix("give a shorter duration, e.g. --duration 24h; stop a run early with Ctrl-C"));
    }
    Ok(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_units_and_bare_seconds() {
        assert_eq!(parse("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse("45").unwrap(), Duration::from_secs(45));
        assert_eq!(parse("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse("1m30s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse(" 1h ").unwrap(), Duration::from_secs(3600));
    }

    #[test]
    fn rejects_nonsense_with_the_fix() {
        assert!(parse("8784h").is_ok());
        for long in [
            "8785h",
            "99999999999999999h",
            "18446744073709551615",
            "99999999999999999999",
            "99999999999999999999h",
            "5124095576030432h1s",
            "1s99999999999999999999m",
        ] {
            let err = parse(long).unwrap_err().to_string();
            assert!(err.contains("longer than a year"), "{long}: {err}");
            assert!(
                err.contains("fix: give a shorter duration"),
                "{long}: {err}"
            );
        }
        for bad in ["", "0", "0s", "10x", "s", "1.5m", "5m3", "-3s"] {
            let err = parse(bad).unwrap_err().to_string();
            assert!(err.contains("fix: write it as"), "{bad:?}: {err}");
        }
    }
}
