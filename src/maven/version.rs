//! Maven version ordering (`ComparableVersion`) and version ranges (`[1.0,2.0)`), as used to
//! pick a version out of a range.

use std::cmp::Ordering;
use std::fmt;

/// One parsed version, ordered as Maven orders versions.
#[derive(Debug, Clone)]
pub struct Version {
    text: String,
    items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Number(u128),
    /// A qualifier: its rank among the well-known ones, and its text for the others.
    Qualifier(u8, String),
    /// A `-` separated sub-list.
    List(Vec<Item>),
}

const RELEASE_RANK: u8 = 5;

fn qualifier(s: &str, followed_by_digit: bool) -> Item {
    let s = match (s, followed_by_digit) {
        ("a", true) => "alpha",
        ("b", true) => "beta",
        ("m", true) => "milestone",
        _ => s,
    };
    let rank = match s {
        "alpha" => 0,
        "beta" => 1,
        "milestone" => 2,
        "rc" | "cr" => 3,
        "snapshot" => 4,
        "" | "ga" | "final" | "release" => RELEASE_RANK,
        "sp" => 6,
        _ => 7,
    };
    let text = if rank == 7 {
        s.to_string()
    } else {
        String::new()
    };
    Item::Qualifier(rank, text)
}

impl Item {
    fn is_null(&self) -> bool {
        match self {
            Item::Number(n) => *n == 0,
            Item::Qualifier(r, _) => *r == RELEASE_RANK,
            Item::List(l) => l.is_empty(),
        }
    }

    /// Compare with an item, or with nothing (`None`).
    fn compare(&self, other: Option<&Item>) -> Ordering {
        match (self, other) {
            (Item::Number(n), None) => n.cmp(&0),
            (Item::Qualifier(r, t), None) => (*r, t.as_str()).cmp(&(RELEASE_RANK, "")),
            (Item::List(l), None) => match l.first() {
                None => Ordering::Equal,
                Some(first) => first.compare(None),
            },
            (Item::Number(a), Some(Item::Number(b))) => a.cmp(b),
            (Item::Number(_), Some(_)) => Ordering::Greater,
            (Item::Qualifier(..), Some(Item::Number(_))) => Ordering::Less,
            (Item::Qualifier(a, x), Some(Item::Qualifier(b, y))) => (a, x).cmp(&(b, y)),
            (Item::Qualifier(..), Some(Item::List(_))) => Ordering::Less,
            (Item::List(_), Some(Item::Number(_))) => Ordering::Less,
            (Item::List(_), Some(Item::Qualifier(..))) => Ordering::Greater,
            (Item::List(a), Some(Item::List(b))) => compare_lists(a, b),
        }
    }
}

fn compare_lists(a: &[Item], b: &[Item]) -> Ordering {
    let n = a.len().max(b.len());
    for i in 0..n {
        let ord = match (a.get(i), b.get(i)) {
            (Some(x), y) => x.compare(y),
            (None, Some(y)) => y.compare(None).reverse(),
            (None, None) => Ordering::Equal,
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

/// Drop trailing null items (`1.0.0` == `1`, `1.0-final` == `1`).
fn normalize(list: &mut Vec<Item>) {
    while list.last().is_some_and(Item::is_null) {
        list.pop();
    }
}

impl Version {
    pub fn parse(text: &str) -> Version {
        let lower = text.trim().to_lowercase();
        let mut stack: Vec<Vec<Item>> = vec![Vec::new()];
        let chars: Vec<char> = lower.chars().collect();
        let mut token = String::new();
        let mut token_digit = false;
        let flush = |token: &mut String, digit: bool, next_digit: bool, list: &mut Vec<Item>| {
            // `next_digit`: a one-letter qualifier followed by a number is an alias (a1 = alpha-1).
            if token.is_empty() {
                list.push(Item::Number(0));
            } else if digit {
                list.push(Item::Number(token.parse().unwrap_or(u128::MAX)));
            } else {
                list.push(qualifier(token, next_digit));
            }
            token.clear();
        };
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c == '.' {
                if let Some(list) = stack.last_mut() {
                    flush(&mut token, token_digit, false, list);
                }
            } else if c == '-' {
                if let Some(list) = stack.last_mut() {
                    flush(&mut token, token_digit, false, list);
                    normalize(list);
                }
                stack.push(Vec::new());
            } else if c.is_ascii_digit() {
                if !token.is_empty() && !token_digit {
                    if let Some(list) = stack.last_mut() {
                        let q = qualifier(&token, true);
                        token.clear();
                        list.push(q);
                        normalize(list);
                    }
                    stack.push(Vec::new());
                }
                token_digit = true;
                token.push(c);
            } else {
                if !token.is_empty() && token_digit {
                    if let Some(list) = stack.last_mut() {
                        flush(&mut token, true, false, list);
                        normalize(list);
                    }
                    stack.push(Vec::new());
                }
                token_digit = false;
                token.push(c);
            }
            i += 1;
        }
        if let Some(list) = stack.last_mut() {
            if !token.is_empty() {
                flush(&mut token, token_digit, false, list);
            }
        }
        while stack.len() > 1 {
            let mut inner = stack.pop().unwrap_or_default();
            normalize(&mut inner);
            if let Some(outer) = stack.last_mut() {
                outer.push(Item::List(inner));
            }
        }
        let mut items = stack.pop().unwrap_or_default();
        normalize(&mut items);
        Version {
            text: text.trim().to_string(),
            items,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Version {}
impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        compare_lists(&self.items, &other.items)
    }
}
impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// One `[lo,hi)` restriction; `None` bounds are open-ended.
#[derive(Debug, Clone)]
struct Restriction {
    lower: Option<(Version, bool)>,
    upper: Option<(Version, bool)>,
}

/// A version range: one or more restrictions (`[1.0,2.0),[3.0,)`).
#[derive(Debug, Clone)]
pub struct VersionRange {
    restrictions: Vec<Restriction>,
}

impl VersionRange {
    /// Whether a version string is a range rather than a (soft) version.
    pub fn is_range(v: &str) -> bool {
        let v = v.trim();
        v.starts_with('[') || v.starts_with('(')
    }

    pub fn parse(spec: &str) -> Result<VersionRange, String> {
        let mut restrictions = Vec::new();
        let mut rest = spec.trim();
        while !rest.is_empty() {
            let open = rest.chars().next().unwrap_or(' ');
            if open != '[' && open != '(' {
                return Err(format!("expected `[` or `(` at `{rest}`"));
            }
            let Some(end) = rest.find([']', ')']) else {
                return Err("unclosed range".to_string());
            };
            let close = rest[end..].chars().next().unwrap_or(')');
            let inner = &rest[1..end];
            let r = match inner.split_once(',') {
                None => {
                    if open != '[' || close != ']' {
                        return Err(format!("a single version must be written [{inner}]"));
                    }
                    let v = Version::parse(inner);
                    Restriction {
                        lower: Some((v.clone(), true)),
                        upper: Some((v, true)),
                    }
                }
                Some((lo, hi)) => Restriction {
                    lower: (!lo.trim().is_empty()).then(|| (Version::parse(lo), open == '[')),
                    upper: (!hi.trim().is_empty()).then(|| (Version::parse(hi), close == ']')),
                },
            };
            restrictions.push(r);
            rest = rest[end + 1..]
                .trim_start()
                .trim_start_matches(',')
                .trim_start();
        }
        if restrictions.is_empty() {
            return Err("empty range".to_string());
        }
        Ok(VersionRange { restrictions })
    }

    pub fn contains(&self, v: &Version) -> bool {
        self.restrictions.iter().any(|r| {
            let lo = r.lower.as_ref().is_none_or(|(b, inc)| match v.cmp(b) {
                Ordering::Greater => true,
                Ordering::Equal => *inc,
                Ordering::Less => false,
            });
            let hi = r.upper.as_ref().is_none_or(|(b, inc)| match v.cmp(b) {
                Ordering::Less => true,
                Ordering::Equal => *inc,
                Ordering::Greater => false,
            });
            lo && hi
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lt(a: &str, b: &str) {
        assert!(Version::parse(a) < Version::parse(b), "{a} < {b}");
    }

    #[test]
    fn orders_like_maven() {
        lt("1.0-alpha-1", "1.0-beta");
        lt("1.0-beta", "1.0-rc1");
        lt("1.0-rc1", "1.0-SNAPSHOT");
        lt("1.0-SNAPSHOT", "1.0");
        lt("1.0", "1.0-sp1");
        lt("1.0", "1.0.1");
        lt("1.9", "1.10");
        lt("2.0.0-M1", "2.0.0");
        assert_eq!(Version::parse("1.0.0"), Version::parse("1"));
        assert_eq!(Version::parse("1.0-final"), Version::parse("1.0"));
        lt("1.0-a1", "1.0-b1");
    }

    #[test]
    fn ranges() {
        let r = VersionRange::parse("[1.0,2.0)").unwrap();
        assert!(r.contains(&Version::parse("1.0")));
        assert!(r.contains(&Version::parse("1.9.9")));
        assert!(!r.contains(&Version::parse("2.0")));
        let r = VersionRange::parse("(,1.0],[1.2,)").unwrap();
        assert!(r.contains(&Version::parse("0.9")));
        assert!(!r.contains(&Version::parse("1.1")));
        assert!(r.contains(&Version::parse("3")));
        let r = VersionRange::parse("[1.5]").unwrap();
        assert!(r.contains(&Version::parse("1.5")));
        assert!(!r.contains(&Version::parse("1.6")));
        assert!(VersionRange::is_range("[1,2)"));
        assert!(!VersionRange::is_range("1.2"));
    }
}
