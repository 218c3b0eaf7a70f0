//! Mutations of real files: byte-level edits, line and span edits, and structure-aware edits
//! of the tokens a lexical scan finds (numbers, dates, strings, keys, table headers, array
//! elements, CSV columns). A mutation is data (an [`Op`] with indices), so proptest generates and
//! shrinks it, and applying it to the same bytes always gives the same result.

use proptest::prelude::*;
use proptest::sample::Index;

/// Numbers that stress range, type and parser checks (some are not valid TOML or JSON numbers
/// on purpose).
pub const NUMBERS: &[&str] = &[
    "nan",
    "NaN",
    "inf",
    "-inf",
    "+inf",
    "-1",
    "-1.0",
    "0",
    "0.0",
    "-0.0",
    "1e308",
    "-1e308",
    "1e309",
    "1e-320",
    "5e-324",
    "99999999999999999999",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551616",
    "4294967296",
    "65536",
    "256",
    "255",
    "1_000",
    "0x10",
    "0o7",
    "0b1",
    "1.",
    "01",
    ".5",
    "1e",
    "--1",
    "\"1\"",
    "true",
    "[]",
    "{}",
    "0.5",
    "1.5",
    "2",
    "3.14159",
    "1e6",
    "123456789.123456789",
];

/// Dates: impossible, ancient, far future, wrong shape, and a few valid ones.
pub const DATES: &[&str] = &[
    "2019-02-30",
    "0001-01-01",
    "1900-01-01",
    "9999-12-31",
    "2016-04-04",
    "2016-04-03",
    "2020-02-29",
    "2021-02-29",
    "2016-13-01",
    "2016-00-10",
    "2016-04-31",
    "2061-01-01",
    "2060-12-31",
    "1970-01-01",
    "1969-12-29",
    "2016-4-4",
    "2016-04-04T00:00:00",
    "2016-04-04 00:00",
    "-2016-04-04",
    "20160404",
    "",
    "2147483647-01-01",
    "2016-04-04Z",
];

/// Odd strings (a very long one is built separately).
pub const STRINGS: &[&str] = &[
    "",
    " ",
    "é",
    "日本語",
    "🦀",
    "\u{202E}rtl",
    "a\"b",
    "a\\b",
    "\\u0000",
    "\\uD800",
    "../../x",
    "/",
    ".",
    "..",
    "croydon",
    "Croydon",
    "need",
    "population",
    "x y",
    "%s%n",
    "<script>alert(1)</script>",
    "\r\n",
    "\t",
    "name,with,commas",
    "NaN",
    "-1",
    "true",
    "all",
    "fifth_1",
    "quarter",
    "year",
    "FY2019/20",
    "total",
    "baseline",
];

/// Bytes that are not UTF-8 (lone continuation, truncated sequence, surrogate, overlong, 0xFF).
pub const BAD_UTF8: &[&[u8]] = &[
    &[0xFF],
    &[0x80],
    &[0xC3],
    &[0xE2, 0x82],
    &[0xED, 0xA0, 0x80],
    &[0xC0, 0x80],
    &[0xF8, 0x88, 0x80, 0x80, 0x80],
    &[0xFE, 0xFF],
];

/// Extra words a key or header may become.
pub const KEY_WORDS: &[&str] = &[
    "extends",
    "place",
    "name",
    "scenario",
    "model",
    "services",
    "services.life",
    "value",
    "unit",
    "source",
    "labels",
    "\"quoted key\"",
    "a.b.c",
    "",
    "scenarios",
    "outputs",
];

/// Kinds of token the lexical scan finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tok {
    /// A number outside strings (TOML, JSON or CSV), or a bare word like `nan`, `true`.
    Number,
    /// A `YYYY-MM-DD` date (quoted or not), without quotes.
    Date,
    /// The content of a quoted string.
    Str,
    /// A key: a bare TOML key before `=`, or a JSON string before `:`.
    Key,
    /// The inside of a `[table]` or `[[array]]` header.
    Header,
    /// One ASCII digit anywhere.
    Digit,
}

const TOKS: [Tok; 6] = [Tok::Number, Tok::Date, Tok::Str, Tok::Key, Tok::Header, Tok::Digit];

/// What replaces a token.
#[derive(Debug, Clone)]
pub enum With {
    /// An entry of the dictionary for the token's kind (`NUMBERS`, `DATES`, `STRINGS`,
    /// `KEY_WORDS` + the extra words given to [`apply`]), chosen by index.
    Dict(Index),
    /// A near miss of the token itself: a character dropped, doubled or swapped, case
    /// changed, `_` ↔ `-`, an `s` appended.
    NearMiss(u8, Index),
    /// A very long run of one character (`len` thousand characters).
    Long(u8, u16),
}

/// One mutation.
#[derive(Debug, Clone)]
pub enum Op {
    /// Flip one bit of one byte.
    FlipBit(Index, u8),
    /// Set one byte.
    SetByte(Index, u8),
    /// Delete `len` bytes.
    DeleteSpan(Index, u16),
    /// Duplicate `len` bytes in place.
    DuplicateSpan(Index, u16),
    /// Insert bytes that are not UTF-8.
    InvalidUtf8(Index, Index),
    /// Cut the file at a byte.
    Truncate(Index),
    /// Cut the file at a line boundary.
    TruncateLines(Index),
    /// Drop a line.
    DeleteLine(Index),
    /// Repeat a line right after itself.
    DuplicateLine(Index),
    /// Swap two lines.
    SwapLines(Index, Index),
    /// Copy a line to another place.
    CopyLine(Index, Index),
    /// Replace the n-th token of a kind.
    Replace(Tok, Index, With),
    /// Delete the n-th token of a kind with an adjacent comma (drops an array element or a
    /// CSV field).
    DropToken(Tok, Index),
    /// Repeat the n-th token of a kind with a comma (adds an array element).
    RepeatToken(Tok, Index),
    /// Drop the n-th comma-separated column of every line, or of the first line only.
    DropColumn(Index, bool),
    /// Swap two columns of the first line (a CSV header).
    SwapHeader(Index, Index),
    /// Append a line of text at a line boundary.
    InsertLine(Index, Index),
}

/// Lines [`Op::InsertLine`] may insert (keys and sections are added by the caller's words).
pub const LINES: &[&str] = &[
    "",
    "[scenario]",
    "[model]",
    "[services.life]",
    "[[localities]]",
    "extends = \"baseline.toml\"",
    "extends = \"no-such.toml\"",
    "place = \"croydon\"",
    "x = 1",
    "value = [nan, inf, -1]",
    "= 1",
    "[",
    "]]",
    "\"",
    "'''",
    "a = \"\"\"",
    "key = { inline = 1 ",
    "baseline,FY2019/20,deaths,deaths,nan,inf,-inf,2",
    "baseline,x,all,quarter,FY2016/17 Q1,2016-04-04,u,1,2,3,2",
    ",,,,,,,,,,,,,,,,,,,,,,,,,,,,",
    "\"unterminated",
    "{",
    "}",
];

/// A strategy for one mutation.
pub fn op() -> impl Strategy<Value = Op> {
    let idx = any::<Index>;
    let tok = prop::sample::select(&TOKS[..]);
    let with = prop_oneof![
        6 => idx().prop_map(With::Dict),
        2 => (any::<u8>(), idx()).prop_map(|(k, i)| With::NearMiss(k, i)),
        1 => (any::<u8>(), 1u16..200).prop_map(|(c, n)| With::Long(c, n)),
    ];
    prop_oneof![
        2 => (idx(), 0u8..8).prop_map(|(i, b)| Op::FlipBit(i, b)),
        1 => (idx(), any::<u8>()).prop_map(|(i, b)| Op::SetByte(i, b)),
        2 => (idx(), 1u16..400).prop_map(|(i, n)| Op::DeleteSpan(i, n)),
        1 => (idx(), 1u16..400).prop_map(|(i, n)| Op::DuplicateSpan(i, n)),
        1 => (idx(), idx()).prop_map(|(i, b)| Op::InvalidUtf8(i, b)),
        1 => idx().prop_map(Op::Truncate),
        1 => idx().prop_map(Op::TruncateLines),
        3 => idx().prop_map(Op::DeleteLine),
        2 => idx().prop_map(Op::DuplicateLine),
        1 => (idx(), idx()).prop_map(|(a, b)| Op::SwapLines(a, b)),
        1 => (idx(), idx()).prop_map(|(a, b)| Op::CopyLine(a, b)),
        12 => (tok.clone(), idx(), with).prop_map(|(t, i, w)| Op::Replace(t, i, w)),
        3 => (tok.clone(), idx()).prop_map(|(t, i)| Op::DropToken(t, i)),
        2 => (tok, idx()).prop_map(|(t, i)| Op::RepeatToken(t, i)),
        1 => (idx(), any::<bool>()).prop_map(|(i, h)| Op::DropColumn(i, h)),
        1 => (idx(), idx()).prop_map(|(a, b)| Op::SwapHeader(a, b)),
        2 => (idx(), idx()).prop_map(|(a, b)| Op::InsertLine(a, b)),
    ]
}

/// One to `max` mutations.
pub fn ops(max: usize) -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(op(), 1..=max)
}

/// Applies mutations in order. `words` extends the dictionaries of keys, headers and inserted
/// lines (the real schema keys, so mutations make near-valid files as well as broken ones).
pub fn apply(bytes: &[u8], ops: &[Op], words: &[String]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    for op in ops {
        apply_one(&mut b, op, words);
    }
    b
}

fn pick(i: &Index, n: usize) -> Option<usize> {
    (n > 0).then(|| i.index(n))
}

fn apply_one(b: &mut Vec<u8>, op: &Op, words: &[String]) {
    let n = b.len();
    match op {
        Op::FlipBit(i, bit) => {
            if let Some(at) = pick(i, n) {
                b[at] ^= 1 << (bit % 8);
            }
        }
        Op::SetByte(i, v) => {
            if let Some(at) = pick(i, n) {
                b[at] = *v;
            }
        }
        Op::DeleteSpan(i, len) => {
            if let Some(at) = pick(i, n) {
                let end = (at + usize::from(*len)).min(n);
                b.drain(at..end);
            }
        }
        Op::DuplicateSpan(i, len) => {
            if let Some(at) = pick(i, n) {
                let end = (at + usize::from(*len)).min(n);
                let span = b[at..end].to_vec();
                b.splice(end..end, span);
            }
        }
        Op::InvalidUtf8(i, which) => {
            let at = pick(i, n + 1).unwrap_or(0);
            let bytes = BAD_UTF8[which.index(BAD_UTF8.len())];
            b.splice(at..at, bytes.iter().copied());
        }
        Op::Truncate(i) => {
            if let Some(at) = pick(i, n) {
                b.truncate(at);
            }
        }
        Op::TruncateLines(i) => {
            let starts = line_starts(b);
            if let Some(k) = pick(i, starts.len()) {
                b.truncate(starts[k]);
            }
        }
        Op::DeleteLine(i) => {
            let lines = lines(b);
            if let Some(k) = pick(i, lines.len()) {
                b.drain(lines[k].clone());
            }
        }
        Op::DuplicateLine(i) => {
            let lines = lines(b);
            if let Some(k) = pick(i, lines.len()) {
                let r = lines[k].clone();
                let mut text = b[r.clone()].to_vec();
                if !text.ends_with(b"\n") {
                    text.insert(0, b'\n');
                }
                b.splice(r.end..r.end, text);
            }
        }
        Op::SwapLines(x, y) => {
            let lines = lines(b);
            if let (Some(p), Some(q)) = (pick(x, lines.len()), pick(y, lines.len())) {
                let (p, q) = (p.min(q), p.max(q));
                if p != q {
                    let (a, c) = (lines[p].clone(), lines[q].clone());
                    let mut out = b[..a.start].to_vec();
                    out.extend_from_slice(&with_newline(&b[c.clone()]));
                    out.extend_from_slice(&b[a.end..c.start]);
                    out.extend_from_slice(&with_newline(&b[a]));
                    out.extend_from_slice(&b[c.end..]);
                    *b = out;
                }
            }
        }
        Op::CopyLine(x, y) => {
            let lines = lines(b);
            if let (Some(p), Some(q)) = (pick(x, lines.len()), pick(y, lines.len())) {
                let text = with_newline(&b[lines[p].clone()]);
                let at = lines[q].start;
                b.splice(at..at, text);
            }
        }
        Op::InsertLine(x, which) => {
            let starts = line_starts(b);
            let at = pick(x, starts.len()).map_or(0, |k| starts[k]);
            let line = {
                let k = which.index(LINES.len() + words.len().max(1));
                if k < LINES.len() {
                    LINES[k].to_string()
                } else {
                    let w = words.get(k - LINES.len()).cloned().unwrap_or_default();
                    // A schema key as a dotted assignment or as a section header.
                    if k % 2 == 0 {
                        format!("{w} = 1")
                    } else {
                        format!("[{w}]")
                    }
                }
            };
            let mut text = line.into_bytes();
            text.push(b'\n');
            b.splice(at..at, text);
        }
        Op::Replace(kind, i, with) => {
            let toks = scan(b, *kind);
            if let Some(k) = pick(i, toks.len()) {
                let r = toks[k].clone();
                let new = replacement(*kind, &b[r.clone()], with, words);
                b.splice(r, new);
            }
        }
        Op::DropToken(kind, i) => {
            let toks = scan(b, *kind);
            if let Some(k) = pick(i, toks.len()) {
                let mut r = toks[k].clone();
                widen_quotes(b, &mut r);
                // Take one adjacent separator so that an array or row loses one element.
                if b.get(r.end) == Some(&b',') {
                    r.end += 1;
                    while b.get(r.end) == Some(&b' ') {
                        r.end += 1;
                    }
                } else {
                    let mut s = r.start;
                    while s > 0 && b[s - 1] == b' ' {
                        s -= 1;
                    }
                    if s > 0 && b[s - 1] == b',' {
                        r.start = s - 1;
                    }
                }
                b.drain(r);
            }
        }
        Op::RepeatToken(kind, i) => {
            let toks = scan(b, *kind);
            if let Some(k) = pick(i, toks.len()) {
                let mut r = toks[k].clone();
                widen_quotes(b, &mut r);
                let mut text = b[r.clone()].to_vec();
                text.splice(0..0, b", ".iter().copied());
                b.splice(r.end..r.end, text);
            }
        }
        Op::DropColumn(i, header_only) => {
            let lines = lines(b);
            let first = lines.first().map(|r| fields(&b[r.clone()]).len()).unwrap_or(0);
            if let Some(col) = pick(i, first) {
                let mut out = Vec::with_capacity(b.len());
                for (k, r) in lines.iter().enumerate() {
                    let line = &b[r.clone()];
                    if k > 0 && *header_only {
                        out.extend_from_slice(line);
                        continue;
                    }
                    let f = fields(line);
                    if col < f.len() {
                        let mut cut = f[col].clone();
                        if col + 1 < f.len() {
                            cut.end = f[col + 1].start;
                        } else if col > 0 {
                            cut.start = f[col - 1].end;
                        }
                        out.extend_from_slice(&line[..cut.start]);
                        out.extend_from_slice(&line[cut.end..]);
                    } else {
                        out.extend_from_slice(line);
                    }
                }
                *b = out;
            }
        }
        Op::SwapHeader(x, y) => {
            let lines = lines(b);
            if let Some(r) = lines.first().cloned() {
                let f = fields(&b[r.clone()]);
                if let (Some(p), Some(q)) = (pick(x, f.len()), pick(y, f.len())) {
                    let mut parts: Vec<Vec<u8>> = f.iter().map(|s| b[s.clone()].to_vec()).collect();
                    parts.swap(p, q);
                    let mut header = parts.join(&b","[..]);
                    if b[r.clone()].ends_with(b"\n") {
                        header.push(b'\n');
                    }
                    b.splice(r, header);
                }
            }
        }
    }
}

fn with_newline(line: &[u8]) -> Vec<u8> {
    let mut v = line.to_vec();
    if !v.ends_with(b"\n") {
        v.push(b'\n');
    }
    v
}

/// Extends a string token's range over its quotes.
fn widen_quotes(b: &[u8], r: &mut std::ops::Range<usize>) {
    if r.start > 0 && r.end < b.len() && b[r.start - 1] == b'"' && b[r.end] == b'"' {
        r.start -= 1;
        r.end += 1;
    }
}

/// Byte offsets where lines start (and the end of the text when it ends without a newline).
fn line_starts(b: &[u8]) -> Vec<usize> {
    let mut v = vec![0];
    for (i, &c) in b.iter().enumerate() {
        if c == b'\n' {
            v.push(i + 1);
        }
    }
    v
}

/// Line ranges, each with its newline.
fn lines(b: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &c) in b.iter().enumerate() {
        if c == b'\n' {
            out.push(start..i + 1);
            start = i + 1;
        }
    }
    if start < b.len() {
        out.push(start..b.len());
    }
    out
}

/// Comma-separated fields of a line (quotes respected, newline excluded).
fn fields(line: &[u8]) -> Vec<std::ops::Range<usize>> {
    let end = line
        .iter()
        .rposition(|&c| c != b'\n' && c != b'\r')
        .map_or(0, |p| p + 1);
    let mut out = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    for (i, &c) in line[..end].iter().enumerate() {
        match c {
            b'"' => quoted = !quoted,
            b',' if !quoted => {
                out.push(start..i);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(start..end);
    out
}

fn is_date(t: &[u8]) -> bool {
    t.len() == 10
        && t.iter().enumerate().all(|(i, &c)| {
            if i == 4 || i == 7 {
                c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'.' || c == b'+'
}

/// Ranges of every token of `kind`, found by a lexical scan that knows quotes, comments and
/// the shapes of TOML, JSON and CSV well enough to aim mutations.
pub fn scan(b: &[u8], kind: Tok) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    if kind == Tok::Digit {
        return b
            .iter()
            .enumerate()
            .filter(|(_, c)| c.is_ascii_digit())
            .map(|(i, _)| i..i + 1)
            .collect();
    }
    let mut i = 0;
    let mut line_start = true;
    while i < b.len() {
        let c = b[i];
        match c {
            b'\n' => {
                line_start = true;
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'[' if line_start => {
                let end = b[i..].iter().position(|&x| x == b'\n').map_or(b.len(), |p| i + p);
                let inner_start = if b.get(i + 1) == Some(&b'[') { i + 2 } else { i + 1 };
                let inner_end = b[inner_start..end]
                    .iter()
                    .position(|&x| x == b']')
                    .map_or(end, |p| inner_start + p);
                // A JSON or TOML array on its own line is not a header: headers hold a name.
                if kind == Tok::Header
                    && inner_end > inner_start
                    && b[inner_start..inner_end].iter().all(|&x| is_word(x) || x == b'"')
                {
                    out.push(inner_start..inner_end);
                }
                if kind == Tok::Header {
                    i = end;
                    line_start = false;
                    continue;
                }
                i += 1;
            }
            b'"' | b'\'' => {
                let q = c;
                let start = i + 1;
                let mut j = start;
                while j < b.len() && b[j] != q && b[j] != b'\n' {
                    if b[j] == b'\\' && q == b'"' {
                        j += 1;
                    }
                    j += 1;
                }
                let end = j.min(b.len());
                let mut k = end + 1;
                while k < b.len() && (b[k] == b' ' || b[k] == b'\t') {
                    k += 1;
                }
                let is_key = (line_start && b.get(k) == Some(&b'=')) || b.get(k) == Some(&b':');
                match kind {
                    Tok::Key if is_key => out.push(start..end),
                    Tok::Str if !is_key => out.push(start..end),
                    Tok::Date if is_date(&b[start..end]) => out.push(start..end),
                    _ => {}
                }
                i = end + 1;
                line_start = false;
                continue;
            }
            _ if is_word(c) => {
                let start = i;
                while i < b.len() && is_word(b[i]) {
                    i += 1;
                }
                let t = &b[start..i];
                let mut k = i;
                while k < b.len() && (b[k] == b' ' || b[k] == b'\t') {
                    k += 1;
                }
                let prev = b[..start].iter().rev().find(|&&x| x != b' ' && x != b'\t');
                let key_pos = line_start || matches!(prev, Some(b'{') | Some(b','));
                let is_key = key_pos && b.get(k) == Some(&b'=');
                let numeric = t[0].is_ascii_digit()
                    || ((t[0] == b'-' || t[0] == b'+' || t[0] == b'.') && t.len() > 1)
                    || matches!(t, b"nan" | b"inf" | b"true" | b"false" | b"null");
                match kind {
                    Tok::Key if is_key => out.push(start..i),
                    Tok::Date if is_date(t) => out.push(start..i),
                    Tok::Number if !is_key && numeric && !is_date(t) => out.push(start..i),
                    _ => {}
                }
                line_start = false;
                continue;
            }
            _ => {
                i += 1;
            }
        }
        line_start = false;
    }
    out
}

fn replacement(kind: Tok, old: &[u8], with: &With, words: &[String]) -> Vec<u8> {
    match with {
        With::Long(c, thousands) => {
            let ch = match c % 4 {
                0 => 'a',
                1 => '9',
                2 => 'é',
                _ => '_',
            };
            std::iter::repeat_n(ch, usize::from(*thousands) * 1000)
                .collect::<String>()
                .into_bytes()
        }
        With::NearMiss(k, at) => {
            let mut v = old.to_vec();
            if v.is_empty() {
                return b"x".to_vec();
            }
            let p = at.index(v.len());
            match k % 6 {
                0 => {
                    v.remove(p);
                }
                1 => v.insert(p, v[p]),
                2 if p + 1 < v.len() => v.swap(p, p + 1),
                3 => v.make_ascii_uppercase(),
                4 => {
                    for x in &mut v {
                        *x = match *x {
                            b'_' => b'-',
                            b'-' => b'_',
                            o => o,
                        };
                    }
                }
                _ => v.push(b's'),
            }
            v
        }
        With::Dict(i) => {
            let dict: Vec<&str> = match kind {
                Tok::Number => NUMBERS.to_vec(),
                Tok::Date => DATES.to_vec(),
                Tok::Str => STRINGS.iter().copied().chain(DATES.iter().copied()).collect(),
                Tok::Key | Tok::Header => KEY_WORDS
                    .iter()
                    .copied()
                    .chain(words.iter().map(String::as_str))
                    .collect(),
                Tok::Digit => vec!["0", "1", "5", "9", "a", "-", ".", "", "00", "e"],
            };
            dict[i.index(dict.len())].as_bytes().to_vec()
        }
    }
}
