//! The one timestamp every jar entry carries. Decided once per build: `SOURCE_DATE_EPOCH`, else the
//! pom's `project.build.outputTimestamp`, else a fixed constant. Zip times cannot go before 1980,
//! so earlier instants are clamped to the first representable one.

use crate::error::Diagnostic;
use anyhow::{bail, Context};

/// 1980-02-01T00:00:00Z: a month after the zip epoch, so a reader converting the DOS time from
/// local time in any time zone still sees a valid date.
pub const DEFAULT_EPOCH: i64 = 318_211_200;
/// 1980-01-01T00:00:00Z, the zip epoch.
const ZIP_MIN_EPOCH: i64 = 315_532_800;
/// 2107-12-31T23:59:58Z, the last instant a DOS date can hold.
const ZIP_MAX_EPOCH: i64 = 4_354_819_198;

/// Seconds since the Unix epoch, UTC, already clamped to what a zip entry can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp {
    pub epoch_seconds: i64,
    /// Where it came from, for `--dry-run` and `--json`.
    pub origin: &'static str,
}

impl Timestamp {
    /// Decide the build's timestamp from the environment's `SOURCE_DATE_EPOCH` and the pom's
    /// `outputTimestamp`.
    pub fn decide(
        source_date_epoch: Option<&str>,
        output_timestamp: Option<&str>,
    ) -> anyhow::Result<Self> {
        if let Some(raw) = source_date_epoch.filter(|s| !s.trim().is_empty()) {
            let fix = "export SOURCE_DATE_EPOCH=$(git log -1 --format=%ct), or unset it";
            let digits = raw.trim().strip_prefix('-').unwrap_or(raw.trim());
            let secs: i64 = match raw.trim().parse() {
                Ok(secs) => secs,
                Err(_) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
                    if raw.trim().starts_with('-') {
                        i64::MIN
                    } else {
                        i64::MAX
                    }
                }
                Err(_) => bail!(Diagnostic::new(format!(
                    "SOURCE_DATE_EPOCH=`{raw}` is not a whole number of seconds"
                ))
                .fix(fix)),
            };
            if secs > ZIP_MAX_EPOCH {
                bail!(Diagnostic::new(format!(
                    "SOURCE_DATE_EPOCH=`{}` is after 2107-12-31T23:59:58Z ({ZIP_MAX_EPOCH}), the last time a zip entry can hold",
                    raw.trim()
                ))
                .fix(fix));
            }
            if secs < ZIP_MIN_EPOCH {
                crate::report::notify(crate::report::Event::Note(Diagnostic::new(format!(
                    "SOURCE_DATE_EPOCH={} is before 1980-01-01, the first time a zip entry can hold: \
                     entries carry 1980-01-01T00:00:00Z (as other reproducible zip writers do)",
                    raw.trim()
                ))));
            }
            return Ok(Timestamp {
                epoch_seconds: clamp(secs),
                origin: "SOURCE_DATE_EPOCH",
            });
        }
        if let Some(raw) = output_timestamp.map(str::trim).filter(|s| !s.is_empty()) {
            // Maven: a single character (e.g. `a`) disables reproducible timestamps; we stay
            // reproducible and use the constant.
            if raw.chars().count() > 1 {
                let secs = parse_output_timestamp(raw)?;
                return Ok(Timestamp {
                    epoch_seconds: clamp(secs),
                    origin: "project.build.outputTimestamp",
                });
            }
        }
        Ok(Timestamp {
            epoch_seconds: DEFAULT_EPOCH,
            origin: "default",
        })
    }

    /// (year, month, day, hour, minute, second) in UTC.
    pub fn civil(self) -> (u16, u8, u8, u8, u8, u8) {
        let days = self.epoch_seconds.div_euclid(86_400);
        let secs = self.epoch_seconds.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let (h, mi, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
        // Clamped to 1980..=2107 above, so every part fits its type.
        (y as u16, m as u8, d as u8, h as u8, mi as u8, s as u8)
    }

    /// As an RFC 3339 string, for reports.
    pub fn rfc3339(self) -> String {
        let (y, m, d, h, mi, s) = self.civil();
        format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    }
}

fn clamp(secs: i64) -> i64 {
    secs.clamp(ZIP_MIN_EPOCH, ZIP_MAX_EPOCH)
}

/// Maven accepts epoch seconds or an ISO-8601 instant with an offset (`2023-01-01T00:00:00Z`,
/// `2023-01-01T10:00:00+02:00`).
pub(crate) fn parse_output_timestamp(raw: &str) -> anyhow::Result<i64> {
    if raw.bytes().all(|b| b.is_ascii_digit()) {
        return raw.parse().context("outputTimestamp is too large");
    }
    let bad = || {
        Diagnostic::new(format!(
            "project.build.outputTimestamp `{raw}` is not a valid timestamp"
        ))
        .fix("write project.build.outputTimestamp as an ISO-8601 instant such as 2024-01-01T00:00:00Z, or as epoch seconds")
    };
    let (date, rest) = raw.split_once('T').ok_or_else(bad)?;
    let mut d = date.split('-');
    // Four-digit years (what ISO-8601 and Maven accept) keep the arithmetic below in range.
    let (y, m, day) = (
        num(d.next()).filter(|y| *y <= 9999),
        num(d.next()),
        num(d.next()),
    );
    let (time, offset) = match rest.find(['Z', '+', '-']) {
        Some(i) => rest.split_at(i),
        None => bail!(bad()),
    };
    let time = time.split('.').next().unwrap_or(time);
    let mut t = time.split(':');
    let (h, mi, s) = (
        num(t.next()),
        num(t.next()),
        Some(num(t.next()).unwrap_or(0)),
    );
    let offset_secs = match offset {
        "Z" => 0,
        o => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let mut parts = o.get(1..).unwrap_or("").split(':');
            let (oh, om) = (
                num(parts.next()).filter(|h| *h <= 18).ok_or_else(bad)?,
                match parts.next() {
                    None => 0,
                    minutes => num(minutes).filter(|m| *m < 60).ok_or_else(bad)?,
                },
            );
            sign * (oh * 3600 + om * 60)
        }
    };
    match (y, m, day, h, mi, s) {
        (Some(y), Some(m), Some(d), Some(h), Some(mi), Some(s))
            if (1..=12).contains(&m) && (1..=31).contains(&d) && h < 24 && mi < 60 && s < 61 =>
        {
            Ok(days_from_civil(y, m, d) * 86_400 + h * 3600 + mi * 60 + s - offset_secs)
        }
        _ => Err(bad().into()),
    }
}

fn num(part: Option<&str>) -> Option<i64> {
    part.filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))?
        .parse()
        .ok()
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_date_epoch_wins() {
        let t = Timestamp::decide(Some("1700000000"), Some("2020-01-01T00:00:00Z")).unwrap();
        assert_eq!(t.epoch_seconds, 1_700_000_000);
        assert_eq!(t.rfc3339(), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn output_timestamp_with_offset() {
        let t = Timestamp::decide(None, Some("2024-03-01T12:30:00+02:00")).unwrap();
        assert_eq!(t.rfc3339(), "2024-03-01T10:30:00Z");
        assert_eq!(t.origin, "project.build.outputTimestamp");
        let e = Timestamp::decide(None, Some("1709296200")).unwrap();
        assert_eq!(e.rfc3339(), "2024-03-01T12:30:00Z");
    }

    #[test]
    fn default_and_clamping() {
        assert_eq!(
            Timestamp::decide(None, None).unwrap().rfc3339(),
            "1980-02-01T00:00:00Z"
        );
        assert_eq!(
            Timestamp::decide(Some("0"), None).unwrap().rfc3339(),
            "1980-01-01T00:00:00Z"
        );
        assert_eq!(
            Timestamp::decide(None, Some("a")).unwrap().origin,
            "default"
        );
    }

    #[test]
    fn bad_values_are_errors() {
        assert!(Timestamp::decide(Some("yesterday"), None).is_err());
        for late in ["4354819199", "99999999999999999999999"] {
            let err = Timestamp::decide(Some(late), None).unwrap_err().to_string();
            assert!(err.contains("after 2107-12-31T23:59:58Z"), "{err}");
        }
        let early = Timestamp::decide(Some("-99999999999999999999999"), None).unwrap();
        assert_eq!(early.rfc3339(), "1980-01-01T00:00:00Z");
        assert!(Timestamp::decide(Some("4354819198"), None).is_ok());
        assert!(Timestamp::decide(None, Some("2024-13-01T00:00:00Z")).is_err());
        assert!(Timestamp::decide(None, Some("2024-01-01")).is_err());
        // Out-of-range numbers are errors, not arithmetic overflows.
        assert!(Timestamp::decide(None, Some("99999999999999999-01-01T00:00:00Z")).is_err());
        assert!(Timestamp::decide(None, Some("2024-01-01T00:00:00+99999999999999999")).is_err());
        assert!(Timestamp::decide(None, Some("2024-01-01T00:00:00+")).is_err());
        assert!(Timestamp::decide(None, Some("99999999999999999999999")).is_err());
    }
}
