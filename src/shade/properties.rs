//! `.properties` files merged as maven-shade-plugin 3.5.1's PropertiesTransformer merges them:
//! every copy read as `java.util.Properties.load(InputStream)` reads it (ISO-8859-1, logical
//! lines, `\` escapes), the copies ordered by their `ordinalKey` value (stable; `reverseOrder`
//! flips it) or reduced to the one whose `alreadyMergedKey` is `true`, later copies overriding
//! earlier keys; written as `Properties.store(Writer)` writes through the plugin's writer: its
//! comment line, no date line, `key=value` lines sorted as Java sorts strings, ISO-8859-1 (a
//! character beyond it becomes `?`). Strings are UTF-16 code units, as Java's.

use std::collections::BTreeMap;

/// The transformer's parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PropertiesSettings {
    pub resource: String,
    pub already_merged_key: Option<String>,
    pub ordinal_key: Option<String>,
    pub default_ordinal: i32,
    pub reverse_order: bool,
    /// The transformer's class, named in the merged file's comment line.
    pub class: String,
}

/// A Java string: UTF-16 code units (ordered as `String.compareTo` orders them).
type JString = Vec<u16>;

fn jstring(s: &str) -> JString {
    s.encode_utf16().collect()
}

/// One copy, as `Properties.load` leaves it: key -> value.
pub type Properties = BTreeMap<JString, JString>;

/// `Properties.load(InputStream)`: ISO-8859-1 bytes, `#`/`!` comment lines, `\` line
/// continuations, key up to the first unescaped `=`, `:` or white space. A malformed `\uXXXX`
/// fails, as in Java.
pub fn load(bytes: &[u8]) -> Result<Properties, String> {
    let mut out = Properties::new();
    for line in logical_lines(bytes) {
        let (mut key_len, mut value_start, mut has_sep, mut backslash) =
            (0, line.len(), false, false);
        while key_len < line.len() {
            let c = line[key_len];
            if (c == '=' as u16 || c == ':' as u16) && !backslash {
                value_start = key_len + 1;
                has_sep = true;
                break;
            } else if is_space(c) && !backslash {
                value_start = key_len + 1;
                break;
            }
            backslash = c == '\\' as u16 && !backslash;
            key_len += 1;
        }
        while value_start < line.len() {
            let c = line[value_start];
            if !is_space(c) {
                if !has_sep && (c == '=' as u16 || c == ':' as u16) {
                    has_sep = true;
                } else {
                    break;
                }
            }
            value_start += 1;
        }
        let key = unescape(&line[..key_len])?;
        let value = unescape(&line[value_start..])?;
        out.insert(key, value);
    }
    Ok(out)
}

fn is_space(c: u16) -> bool {
    c == ' ' as u16 || c == '\t' as u16 || c == 0x0C
}

/// `Properties.LineReader`: logical lines (comments and blank lines skipped, continuations
/// joined without the next line's leading white space).
fn logical_lines(bytes: &[u8]) -> Vec<Vec<u16>> {
    let mut lines = Vec::new();
    let mut line: Vec<u16> = Vec::new();
    let (mut skip_space, mut appended, mut backslash, mut skip_lf) = (true, false, false, false);
    let mut i = 0;
    while i < bytes.len() {
        let c = u16::from(bytes[i]);
        i += 1;
        if skip_lf {
            skip_lf = false;
            if c == '\n' as u16 {
                continue;
            }
        }
        if skip_space {
            if is_space(c) {
                continue;
            }
            if !appended && (c == '\r' as u16 || c == '\n' as u16) {
                continue;
            }
            skip_space = false;
            appended = false;
        }
        if line.is_empty() && (c == '#' as u16 || c == '!' as u16) {
            // A comment: the rest of the physical line.
            while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                i += 1;
            }
            if i < bytes.len() {
                skip_lf = bytes[i] == b'\r';
                i += 1;
            }
            skip_space = true;
            continue;
        }
        if c != '\n' as u16 && c != '\r' as u16 {
            line.push(c);
            backslash = c == '\\' as u16 && !backslash;
            continue;
        }
        if line.is_empty() {
            skip_space = true;
            continue;
        }
        if backslash {
            // The backslash ends the physical line, not the logical one.
            line.pop();
            skip_space = true;
            appended = true;
            backslash = false;
            skip_lf = c == '\r' as u16;
            continue;
        }
        skip_lf = c == '\r' as u16;
        lines.push(std::mem::take(&mut line));
        skip_space = true;
    }
    if !line.is_empty() {
        if backslash {
            line.pop();
        }
        lines.push(line);
    }
    lines
}

/// `Properties.loadConvert`.
fn unescape(s: &[u16]) -> Result<JString, String> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        i += 1;
        if c != '\\' as u16 || i >= s.len() {
            // A lone backslash at the end stays (LineReader already dropped a continuation's).
            out.push(c);
            continue;
        }
        let e = s[i];
        i += 1;
        out.push(match char::from_u32(u32::from(e)).unwrap_or('\0') {
            'u' => {
                let digits = s.get(i..i + 4).ok_or("Malformed \\uxxxx encoding.")?;
                i += 4;
                let text: String = char::decode_utf16(digits.iter().copied())
                    .map(|r| r.unwrap_or('\u{FFFD}'))
                    .collect();
                u16::from_str_radix(&text, 16)
                    .ok()
                    .filter(|_| text.bytes().all(|b| b.is_ascii_hexdigit()))
                    .ok_or("Malformed \\uxxxx encoding.")?
            }
            't' => '\t' as u16,
            'r' => '\r' as u16,
            'n' => '\n' as u16,
            'f' => 0x0C,
            _ => e,
        });
    }
    Ok(out)
}

/// `Properties.saveConvert` without Unicode escapes (the `Writer` form of `store`).
fn escape(s: &[u16], is_key: bool, out: &mut Vec<u16>) {
    for (x, &c) in s.iter().enumerate() {
        if c > 61 && c < 127 {
            if c == '\\' as u16 {
                out.push(c);
            }
            out.push(c);
            continue;
        }
        match char::from_u32(u32::from(c)).unwrap_or('\u{FFFD}') {
            ' ' => {
                if x == 0 || is_key {
                    out.push('\\' as u16);
                }
                out.push(c);
            }
            '\t' => out.extend(jstring("\\t")),
            '\n' => out.extend(jstring("\\n")),
            '\r' => out.extend(jstring("\\r")),
            '\u{0C}' => out.extend(jstring("\\f")),
            '=' | ':' | '#' | '!' => {
                out.push('\\' as u16);
                out.push(c);
            }
            _ => out.push(c),
        }
    }
}

/// The merge: `copies` in contributor order.
pub fn merge(settings: &PropertiesSettings, copies: &[Properties]) -> Result<Vec<u8>, String> {
    let ordinal_key = settings.ordinal_key.as_deref().map(jstring);
    let merged_key = settings.already_merged_key.as_deref().map(jstring);
    let ordinal = |p: &Properties| -> Result<i32, String> {
        match ordinal_key.as_ref().and_then(|k| p.get(k)) {
            Some(v) if !v.is_empty() => {
                let text = String::from_utf16_lossy(v);
                parse_java_int(&text).ok_or_else(|| {
                    format!("its ordinal `{text}` is not a number (Integer.parseInt fails)")
                })
            }
            _ => Ok(settings.default_ordinal),
        }
    };
    let mut sorted: Vec<&Properties> = Vec::new();
    let mut found_master = false;
    for current in copies {
        if let Some(key) = &merged_key {
            let master = current
                .get(key)
                .is_some_and(|v| String::from_utf16_lossy(v).eq_ignore_ascii_case("true"));
            if master {
                if found_master {
                    return Err(
                        "two copies say they are already merged (Ambiguous merged values)"
                            .to_string(),
                    );
                }
                found_master = true;
                sorted.clear();
                sorted.push(current);
            }
        }
        if !found_master {
            let order = ordinal(current)?;
            let mut i = 0;
            while i < sorted.len() {
                let there = ordinal(sorted[i])?;
                if (!settings.reverse_order && there > order)
                    || (settings.reverse_order && there < order)
                {
                    break;
                }
                i += 1;
            }
            sorted.insert(i, current);
        }
    }
    let mut out: Properties = Properties::new();
    for p in sorted {
        out.extend(p.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    for key in [&ordinal_key, &merged_key].into_iter().flatten() {
        out.remove(key);
    }
    let mut text: Vec<u16> = jstring(&format!(
        "# Merged by maven-shade-plugin ({})\n",
        settings.class
    ));
    for (k, v) in &out {
        escape(k, true, &mut text);
        text.push('=' as u16);
        escape(v, false, &mut text);
        text.push('\n' as u16);
    }
    Ok(latin1(&text))
}

/// ISO-8859-1 through Java's encoder: anything beyond U+00FF (a surrogate pair counting as one
/// character) becomes `?`.
fn latin1(text: &[u16]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        let pair = (0xD800..0xDC00).contains(&c)
            && text
                .get(i + 1)
                .is_some_and(|n| (0xDC00..0xE000).contains(n));
        out.push(u8::try_from(c).unwrap_or(b'?'));
        i += if pair { 2 } else { 1 };
    }
    out
}

/// `Integer.parseInt` for ASCII digits: an optional sign, then digits, within `i32`.
pub fn parse_java_int(s: &str) -> Option<i32> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(p: &Properties) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (String::from_utf16_lossy(k), String::from_utf16_lossy(v)))
            .collect()
    }

    #[test]
    fn load_reads_as_java_properties() {
        let p = load(
            b"# comment\r\n  ! another\n\nplain=value\nspaced key : spaced value  \n\
              cont = a\\\n     b\\\r\n   c\ncolon:x\nescaped\\=key=v\\tw\nuni=\\u00e9\\u20AC\n\
              caf\xe9=latin\nbare\n  lead\\ space=1\ntrailing=back\\",
        )
        .unwrap();
        assert_eq!(
            text(&p),
            [
                ("bare", ""),
                ("caf\u{e9}", "latin"),
                ("colon", "x"),
                ("cont", "abc"),
                ("escaped=key", "v\tw"),
                ("lead space", "1"),
                ("plain", "value"),
                ("spaced", "key : spaced value  "),
                ("trailing", "back"),
                ("uni", "\u{e9}\u{20ac}"),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string()))
        );
        assert!(load(b"bad=\\u12").is_err());
        assert!(load(b"bad=\\u12g4").is_err());
    }

    #[test]
    fn later_copies_override_and_ordinals_sort() {
        let a = load(b"k=a\nonly.a=1\nordinal=5\n").unwrap();
        let b = load(b"k=b\nordinal=1\n").unwrap();
        let c = load(b"k=c\n").unwrap();
        let plain = PropertiesSettings {
            resource: "x.properties".to_string(),
            class: "org.apache.maven.plugins.shade.resource.properties.PropertiesTransformer"
                .to_string(),
            ..PropertiesSettings::default()
        };
        let out = String::from_utf8(merge(&plain, &[a.clone(), b.clone()]).unwrap()).unwrap();
        assert_eq!(
            out,
            "# Merged by maven-shade-plugin (org.apache.maven.plugins.shade.resource.properties.PropertiesTransformer)\n\
             k=b\nonly.a=1\nordinal=1\n"
        );
        let ordinals = PropertiesSettings {
            ordinal_key: Some("ordinal".to_string()),
            ..plain.clone()
        };
        // c has the default ordinal 0, b 1, a 5: a is merged last and wins.
        let out = String::from_utf8(merge(&ordinals, &[a.clone(), b.clone(), c.clone()]).unwrap())
            .unwrap();
        assert!(out.ends_with("\nk=a\nonly.a=1\n"), "{out}");
        let reversed = PropertiesSettings {
            reverse_order: true,
            ..ordinals.clone()
        };
        let out = String::from_utf8(merge(&reversed, &[a.clone(), b, c]).unwrap()).unwrap();
        assert!(out.ends_with("\nk=c\nonly.a=1\n"), "{out}");
        let master = PropertiesSettings {
            already_merged_key: Some("merged".to_string()),
            ..plain
        };
        let m = load(b"k=m\nmerged=TRUE\n").unwrap();
        let out = String::from_utf8(merge(&master, &[a, m.clone()]).unwrap()).unwrap();
        assert!(out.ends_with(")\nk=m\n"), "{out}");
        assert!(merge(&master, &[m.clone(), m]).is_err());
        assert!(merge(&ordinals, &[load(b"ordinal=x").unwrap()]).is_err());
    }

    #[test]
    fn store_escapes_as_java() {
        let p =
            load(b"a\\ key=\\ lead:#!=\\\\ \\t\\n\nhigh=\\u20ac\\ud83d\\ude00\\ud800\nlat=\xe9\n")
                .unwrap();
        let out = merge(&PropertiesSettings::default(), &[p]).unwrap();
        let body = &out[out.iter().position(|&b| b == b'\n').unwrap() + 1..];
        assert_eq!(
            body,
            b"a\\ key=\\ lead\\:\\#\\!\\=\\\\ \\t\\n\nhigh=???\nlat=\xe9\n"
        );
    }

    #[test]
    fn java_int() {
        assert_eq!(parse_java_int("+12"), Some(12));
        assert_eq!(parse_java_int("-3"), Some(-3));
        assert_eq!(parse_java_int(" 3"), None);
        assert_eq!(parse_java_int("3000000000"), None);
    }
}
