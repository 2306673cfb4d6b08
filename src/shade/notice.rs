//! `META-INF/NOTICE` files merged as maven-shade-plugin 3.5.1's ApacheNoticeResourceTransformer
//! merges them: a generated header (preamble, a copyright line for `projectName` from
//! `inceptionYear` to the current year, the "developed at" line), then every paragraph of every
//! copy once (blank-line separated, `//` lines dropped), in contributor order; the last paragraph
//! starting with `projectName` and holding `Copyright ` replaces the generated copyright line;
//! resource-bundle style "This product includes/uses software(s) developed by" blocks are
//! grouped by organization (their `- ` items sorted as Java sorts strings) after the header.
//! Text is read and written in `encoding` (without it, the default charset of the JVM mvn runs
//! on, [`super::config::ShadeConfig::set_default_charset`]).

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap, HashSet};

/// The transformer's parameters, with its defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeSettings {
    pub project_name: String,
    pub add_header: bool,
    pub preamble1: String,
    pub preamble2: String,
    pub preamble3: String,
    pub organization_name: String,
    pub organization_url: String,
    pub inception_year: String,
    /// `copyright`: the paragraph written second, unless a copy has its own.
    pub copyright: Option<String>,
    pub encoding: Charset,
    /// `encoding` was configured (else it is the JVM's default charset).
    pub encoding_given: bool,
}

impl Default for NoticeSettings {
    fn default() -> Self {
        NoticeSettings {
            project_name: String::new(),
            add_header: true,
            preamble1: "// ------------------------------------------------------------------\n\
                        // NOTICE file corresponding to the section 4d of The Apache License,\n\
                        // Version 2.0, in this case for "
                .to_string(),
            preamble2: "\n// ------------------------------------------------------------------\n"
                .to_string(),
            preamble3: "This product includes software developed at\n".to_string(),
            organization_name: "The Apache Software Foundation".to_string(),
            organization_url: "http://www.apache.org/".to_string(),
            inception_year: "2006".to_string(),
            copyright: None,
            encoding: Charset::Utf8,
            encoding_given: false,
        }
    }
}

/// The charsets stormpack reads and writes NOTICE files in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    Utf8,
    Latin1,
    Ascii,
}

impl Charset {
    /// A Java charset name or alias (case-insensitive), for the charsets stormpack supports.
    pub fn from_java_name(name: &str) -> Option<Charset> {
        let n = name.trim().to_ascii_uppercase();
        match n.as_str() {
            "UTF-8" | "UTF8" | "UNICODE-1-1-UTF-8" => Some(Charset::Utf8),
            "ISO-8859-1" | "ISO8859-1" | "ISO8859_1" | "ISO_8859_1" | "ISO_8859-1" | "8859_1"
            | "LATIN1" | "L1" | "IBM819" | "CP819" | "CSISOLATIN1" | "819" => Some(Charset::Latin1),
            "US-ASCII" | "ASCII" | "ASCII7" | "ISO646-US" | "646" | "US" | "CP367" | "IBM367"
            | "DEFAULT" | "ISO_646.IRV:1991" | "ANSI_X3.4-1968" | "ANSI_X3.4-1986" => {
                Some(Charset::Ascii)
            }
            _ => None,
        }
    }

    /// Java's decoder with replacement: malformed or unmappable input becomes U+FFFD.
    pub fn decode(self, bytes: &[u8]) -> String {
        match self {
            Charset::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
            Charset::Latin1 => bytes.iter().map(|&b| char::from(b)).collect(),
            Charset::Ascii => bytes
                .iter()
                .map(|&b| if b < 0x80 { char::from(b) } else { '\u{FFFD}' })
                .collect(),
        }
    }

    /// Java's encoder with replacement: an unmappable character becomes `?`.
    pub fn encode(self, text: &str) -> Vec<u8> {
        let limit = match self {
            Charset::Utf8 => return text.as_bytes().to_vec(),
            Charset::Latin1 => 0xFF,
            Charset::Ascii => 0x7F,
        };
        // A character outside the Basic Multilingual Plane is one unmappable code point: one `?`.
        text.chars()
            .map(|c| {
                u8::try_from(u32::from(c))
                    .ok()
                    .filter(|&b| u32::from(b) <= limit)
            })
            .map(|b| b.unwrap_or(b'?'))
            .collect()
    }
}

/// A string ordered as Java's `String.compareTo` orders it (by UTF-16 code units), for the
/// organization items Java keeps in a `TreeSet`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct JavaString(String);

impl Ord for JavaString {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.encode_utf16().cmp(other.0.encode_utf16())
    }
}

impl PartialOrd for JavaString {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

const DEVELOPED_BY: &str = "This product includes/uses software(s) developed by";

/// The merge in progress.
#[derive(Debug)]
pub struct NoticeMerge {
    settings: NoticeSettings,
    /// The year range's end (Maven: the current year on the build machine).
    year: String,
    /// A `LinkedHashSet`: each paragraph once, in first-seen order.
    entries: Vec<String>,
    seen: HashSet<String>,
    /// Organization -> its items (a `LinkedHashMap` of `TreeSet`s).
    organizations: Vec<(String, BTreeSet<JavaString>)>,
    organization_index: HashMap<String, usize>,
    copyright: Option<String>,
}

impl NoticeMerge {
    /// `year`: the current year, as the build machine's clock says.
    pub fn new(settings: NoticeSettings, year: &str) -> NoticeMerge {
        NoticeMerge {
            copyright: settings.copyright.clone(),
            settings,
            year: year.to_string(),
            entries: Vec::new(),
            seen: HashSet::new(),
            organizations: Vec::new(),
            organization_index: HashMap::new(),
        }
    }

    fn insert_entry(&mut self, entry: String) {
        if self.seen.insert(entry.clone()) {
            self.entries.push(entry);
        }
    }

    fn organization(&mut self, key: String) -> usize {
        if let Some(&i) = self.organization_index.get(&key) {
            return i;
        }
        self.organizations.push((key.clone(), BTreeSet::new()));
        self.organization_index
            .insert(key, self.organizations.len() - 1);
        self.organizations.len() - 1
    }

    fn add_to(&mut self, organization: Option<usize>, paragraph: String) {
        match organization {
            Some(o) => {
                self.organizations[o].1.insert(JavaString(paragraph));
            }
            None => self.insert_entry(paragraph),
        }
    }

    /// One NOTICE copy's bytes.
    pub fn add(&mut self, content: &[u8]) {
        if self.entries.is_empty() {
            self.add_header();
        }
        let text = self.settings.encoding.decode(content);
        let mut paragraph = String::new();
        let mut organization: Option<usize> = None;
        let mut line_count = 0;
        for line in java_lines(&text) {
            let trimmed = java_trim(line);
            if trimmed.starts_with("//") {
                continue;
            }
            if trimmed.is_empty() {
                let entry = std::mem::take(&mut paragraph);
                if entry.starts_with(self.settings.project_name.as_str())
                    && entry.contains("Copyright ")
                {
                    self.copyright = Some(entry.clone());
                }
                self.add_to(organization, entry);
                line_count = 0;
                organization = None;
                continue;
            }
            if trimmed.starts_with("- ") {
                if line_count == 1 && paragraph.contains(DEVELOPED_BY) {
                    let key = java_trim(&paragraph).to_string();
                    organization = Some(self.organization(key));
                    paragraph.clear();
                } else if !paragraph.is_empty() && organization.is_some() {
                    let item = std::mem::take(&mut paragraph);
                    self.add_to(organization, item);
                }
            }
            paragraph.push_str(line);
            paragraph.push('\n');
            line_count += 1;
        }
        if !paragraph.is_empty() {
            self.add_to(organization, paragraph);
        }
    }

    fn add_header(&mut self) {
        let s = &self.settings;
        let year = if s.inception_year == self.year {
            self.year.clone()
        } else {
            format!("{}-{}", s.inception_year, self.year)
        };
        let header = if s.add_header {
            format!("{}{}{}", s.preamble1, s.project_name, s.preamble2)
        } else {
            String::new()
        };
        let copyright = format!(
            "{}\nCopyright {year} {}\n",
            s.project_name, s.organization_name
        );
        let developed = format!(
            "{}{} ({}).\n",
            s.preamble3, s.organization_name, s.organization_url
        );
        self.insert_entry(header);
        self.insert_entry(copyright);
        self.insert_entry(developed);
    }

    /// The merged `META-INF/NOTICE`, encoded (empty when no copy was added: Maven still writes
    /// the entry).
    pub fn render(&self) -> Vec<u8> {
        let mut out = String::new();
        for (i, entry) in self.entries.iter().enumerate() {
            let count = i + 1;
            if self.copyright.as_ref() == Some(entry) && count != 2 {
                continue;
            }
            match (&self.copyright, count) {
                (Some(copyright), 2) => out.push_str(copyright),
                _ => out.push_str(entry),
            }
            out.push('\n');
            if count == 3 {
                for (organization, items) in &self.organizations {
                    out.push_str(organization);
                    out.push('\n');
                    for item in items {
                        out.push_str(&item.0);
                    }
                    out.push('\n');
                }
            }
        }
        self.settings.encoding.encode(&out)
    }
}

/// `BufferedReader.readLine`'s lines: `\n`, `\r` and `\r\n` end one; no empty line after the
/// last terminator.
pub fn java_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        match rest.find(['\n', '\r']) {
            Some(i) => {
                lines.push(&rest[..i]);
                let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
                rest = &rest[i + skip..];
            }
            None => {
                lines.push(rest);
                rest = "";
            }
        }
    }
    lines
}

/// `String.trim()`: every character up to U+0020 off both ends (not Unicode whitespace).
pub fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

/// The current year in this machine's time zone (`TZ`, else `/etc/localtime`, as the JVM's
/// default time zone), as the header's copyright range ends; UTC when the zone is unknown.
pub fn current_year() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    local_year(secs)
        .unwrap_or_else(|| utc_year(secs))
        .to_string()
}

#[cfg(unix)]
fn local_year(secs: u64) -> Option<i64> {
    let time = libc::time_t::try_from(secs).ok()?;
    // SAFETY: localtime_r only writes the `tm` we own; `time` outlives the call.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let done = unsafe { libc::localtime_r(&time, &mut tm) };
    (!done.is_null()).then(|| i64::from(tm.tm_year) + 1900)
}

#[cfg(not(unix))]
fn local_year(_secs: u64) -> Option<i64> {
    None
}

/// The UTC year of `secs` since the epoch (Howard Hinnant's civil-from-days).
fn utc_year(secs: u64) -> i64 {
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    yoe + era * 400 + i64::from(month <= 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merged(settings: NoticeSettings, copies: &[&[u8]]) -> String {
        let mut m = NoticeMerge::new(settings, "2026");
        for c in copies {
            m.add(c);
        }
        String::from_utf8(m.render()).unwrap()
    }

    const HEADER: &str = "// ------------------------------------------------------------------\n\
        // NOTICE file corresponding to the section 4d of The Apache License,\n\
        // Version 2.0, in this case for \n\
        // ------------------------------------------------------------------\n\n";

    #[test]
    fn nothing_added_is_an_empty_file() {
        assert_eq!(merged(NoticeSettings::default(), &[]), "");
    }

    #[test]
    fn default_header_and_a_copy_ended_by_eof_keeps_the_generated_copyright() {
        let out = merged(NoticeSettings::default(), &[b"Proj\nCopyright 2020 Foo\n"]);
        assert_eq!(
            out,
            format!(
                "{HEADER}\nCopyright 2006-2026 The Apache Software Foundation\n\n\
                 This product includes software developed at\n\
                 The Apache Software Foundation (http://www.apache.org/).\n\n\
                 Proj\nCopyright 2020 Foo\n\n"
            )
        );
    }

    #[test]
    fn paragraphs_once_comments_dropped_and_the_last_copyright_paragraph_second() {
        let settings = NoticeSettings {
            project_name: "Demo".to_string(),
            add_header: false,
            inception_year: "2026".to_string(),
            ..NoticeSettings::default()
        };
        let a: &[u8] = b"// comment\r\nDemo\r\nCopyright 2001 A\r\n\r\nShared para\r\n\r\n";
        let b: &[u8] =
            b"Shared para\n\nDemo\nCopyright 2002 B\n\nOther\n  // indented comment\nlast";
        let out = merged(settings, &[a, b]);
        assert_eq!(
            out,
            "\nDemo\nCopyright 2002 B\n\nThis product includes software developed at\n\
             The Apache Software Foundation (http://www.apache.org/).\n\n\
             Demo\nCopyright 2001 A\n\nShared para\n\nOther\nlast\n\n"
        );
    }

    #[test]
    fn consecutive_blank_lines_give_one_empty_paragraph_after_the_header() {
        let out = merged(NoticeSettings::default(), &[b"A\n\n\n\nB\n"]);
        assert!(
            out.ends_with("(http://www.apache.org/).\n\nA\n\n\nB\n\n"),
            "{out:?}"
        );
    }

    #[test]
    fn organization_blocks_grouped_after_the_header_items_sorted() {
        let org = "This product includes/uses software(s) developed by Org X";
        let a = format!("{org}\n- zeta 1\n- alpha 2\n\n");
        let b = format!("{org}\n- beta 3\n- alpha 2\n");
        let out = merged(
            NoticeSettings {
                add_header: false,
                ..NoticeSettings::default()
            },
            &[a.as_bytes(), b.as_bytes()],
        );
        assert!(
            out.contains(&format!(
                "(http://www.apache.org/).\n\n{org}\n- alpha 2\n- beta 3\n- zeta 1\n\n"
            )),
            "{out:?}"
        );
    }

    #[test]
    fn java_string_order_is_by_utf16_units() {
        // U+FF21 sorts after U+1F600 by code point, before it by UTF-16 units (surrogates).
        let mut set = BTreeSet::new();
        set.insert(JavaString("\u{1F600}".to_string()));
        set.insert(JavaString("\u{FF21}".to_string()));
        let order: Vec<_> = set.into_iter().map(|s| s.0).collect();
        assert_eq!(order, ["\u{1F600}", "\u{FF21}"]);
    }

    #[test]
    fn latin1_round_trips_and_ascii_replaces() {
        let bytes = b"Caf\xe9\n";
        let latin1 = NoticeSettings {
            encoding: Charset::Latin1,
            add_header: false,
            ..NoticeSettings::default()
        };
        let mut m = NoticeMerge::new(latin1, "2026");
        m.add(bytes);
        assert!(m.render().ends_with(b"Caf\xe9\n\n"));
        let ascii = NoticeSettings {
            encoding: Charset::Ascii,
            ..NoticeSettings::default()
        };
        let mut m = NoticeMerge::new(ascii, "2026");
        m.add(bytes);
        assert!(m.render().ends_with(b"Caf?\n\n"));
        assert_eq!(Charset::from_java_name("iso8859_1"), Some(Charset::Latin1));
        assert_eq!(Charset::from_java_name("Shift_JIS"), None);
    }

    #[test]
    fn java_lines_and_trim() {
        assert_eq!(java_lines("a\r\nb\rc\n\nd"), ["a", "b", "c", "", "d"]);
        assert_eq!(java_lines("a\n"), ["a"]);
        assert!(java_lines("").is_empty());
        assert_eq!(java_trim("\t\u{1} x \u{a0}"), "x \u{a0}");
    }

    #[test]
    fn current_year_is_plausible_and_utc_years_are_right() {
        let y: i64 = current_year().parse().unwrap();
        assert!((2024..3000).contains(&y));
        assert_eq!(utc_year(0), 1970);
        // 2000-02-29T12:00Z, 2024-12-31T23:59:59Z, 2025-01-01T00:00Z
        assert_eq!(utc_year(951_825_600), 2000);
        assert_eq!(utc_year(1_735_689_599), 2024);
        assert_eq!(utc_year(1_735_689_600), 2025);
    }
}
