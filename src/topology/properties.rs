//! Java `.properties` files, read as `java.util.Properties.load` reads them: the file Flux's
//! `--filter` takes. Comments (`#`, `!`), `key=value` / `key: value` / `key value`, line
//! continuations with a trailing `\`, and the `\t \n \r \f \uXXXX` escapes.

use std::collections::BTreeMap;

/// Parse a properties file's text. Later keys replace earlier ones, as in Java.
pub fn parse(text: &str) -> BTreeMap<String, String> {
    let mut props = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(first) = lines.next() {
        let trimmed = first.trim_start_matches([' ', '\t', '\x0c']);
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with('!') {
            continue;
        }
        let mut logical = String::new();
        let mut current = trimmed.to_string();
        loop {
            if ends_with_odd_backslashes(&current) {
                current.pop();
                logical.push_str(&current);
                match lines.next() {
                    Some(next) => {
                        current = next.trim_start_matches([' ', '\t', '\x0c']).to_string()
                    }
                    None => break,
                }
            } else {
                logical.push_str(&current);
                break;
            }
        }
        let (key, value) = split_key_value(&logical);
        props.insert(unescape(&key), unescape(&value));
    }
    props
}

fn ends_with_odd_backslashes(line: &str) -> bool {
    line.chars().rev().take_while(|c| *c == '\\').count() % 2 == 1
}

/// Split at the first unescaped `=`, `:` or whitespace; the separator and the blanks around it
/// are dropped. Both halves keep their escapes.
fn split_key_value(line: &str) -> (String, String) {
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '=' | ':' | ' ' | '\t' | '\x0c' => break,
            _ => i += 1,
        }
    }
    let key: String = chars[..i.min(chars.len())].iter().collect();
    let mut j = i;
    while j < chars.len() && matches!(chars[j], ' ' | '\t' | '\x0c') {
        j += 1;
    }
    if j < chars.len() && matches!(chars[j], '=' | ':') {
        j += 1;
        while j < chars.len() && matches!(chars[j], ' ' | '\t' | '\x0c') {
            j += 1;
        }
    }
    let value: String = chars[j.min(chars.len())..].iter().collect();
    (key, value)
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\x0c'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(decoded) => out.push(decoded),
                    None => out.push_str(&hex),
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_java_properties_forms() {
        let props = parse(
            "# comment\n! other\nkafka.brokers=host:9092\nname : word count\nspaced value\n\
             long = one \\\n    two\nunicode=caf\\u00e9\nkey\\=with=eq\n",
        );
        assert_eq!(props["kafka.brokers"], "host:9092");
        assert_eq!(props["name"], "word count");
        assert_eq!(props["spaced"], "value");
        assert_eq!(props["long"], "one two");
        assert_eq!(props["unicode"], "café");
        assert_eq!(props["key=with"], "eq");
        assert_eq!(props.len(), 6);
    }
}
