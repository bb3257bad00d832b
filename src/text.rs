//! Text and URL normalisation shared by every source and by the matcher.
//!
//! HTML becomes plain text, text is folded (lower case, no diacritics, one space)
//! for matching, and links are unwrapped from alert redirectors and made canonical
//! so one story has one identity. Pure functions: no I/O, no failure modes beyond
//! returning the input unchanged.

use std::borrow::Cow;

use unicode_normalization::char::{decompose_canonical, decompose_compatible, is_combining_mark};
use url::Url;

/// Turns an HTML fragment into plain text: tags dropped (block tags become line
/// breaks), `script`/`style` content dropped, entities decoded, runs of
/// whitespace collapsed, in one pass.
pub fn html_to_text(html: &str) -> String {
    let mut out = Tidy::with_capacity(html.len());
    walk_html(html, |part| match part {
        Part::Text(t) => out.push_decoded(t),
        Part::Break => out.line_break(),
        // Inline tags separate nothing: "Ahold <b>Delhaize</b>" keeps its
        // space and "Del<b>haize</b>" stays one word.
        Part::Gone => {}
    });
    out.finish()
}

/// A piece of HTML as [`html_to_text`] reads it.
#[derive(Clone, Copy)]
enum Part<'a> {
    /// Text as written (entities not yet decoded).
    Text(&'a str),
    /// A block tag: a line break.
    Break,
    /// Markup that leaves nothing: an inline tag, a comment, a `script` or
    /// `style` element. The text on either side of it is joined.
    Gone,
}

/// Cuts `html` into the parts [`html_to_text`] makes text of, in order:
/// the one reading of markup that both it and [`html_words_intact`] use.
fn walk_html<'a>(html: &'a str, mut on: impl FnMut(Part<'a>)) {
    let bytes = html.as_bytes();
    let mut i = 0;
    let mut text_start = 0;
    while let Some(lt) = memchr::memchr(b'<', &bytes[i..]).map(|p| i + p) {
        // Is this a tag (letter, '/', '!' or '?' after '<')? Otherwise a literal '<'.
        let next = bytes.get(lt + 1).copied().unwrap_or(b' ');
        if !(next.is_ascii_alphabetic() || next == b'/' || next == b'!' || next == b'?') {
            i = lt + 1;
            continue;
        }
        on(Part::Text(&html[text_start..lt]));
        if html[lt..].starts_with("<!--") {
            i = html[lt..].find("-->").map_or(bytes.len(), |e| lt + e + 3);
            on(Part::Gone);
            text_start = i;
            continue;
        }
        let end = memchr::memchr(b'>', &bytes[lt..]).map_or(bytes.len(), |e| lt + e + 1);
        let tag = tag_name(&html[lt + 1..end]);
        if tag.eq_ignore_ascii_case("script") || tag.eq_ignore_ascii_case("style") {
            i = find_close_tag(html, end, tag);
            on(Part::Gone);
        } else {
            i = end;
            on(if is_block(tag) {
                Part::Break
            } else {
                Part::Gone
            });
        }
        text_start = i;
    }
    if text_start < html.len() {
        on(Part::Text(&html[text_start..]));
    }
}

/// Whether every word of [`html_to_text`]`(html)` is written as it is in
/// `html` itself: each letter or digit of the text is an ASCII letter or
/// digit of `html` outside markup, and two that are side by side in the text
/// are side by side in `html`. Then a word that `html` does not contain (in
/// any case) is in no fold of its text either, and the matcher can rule an
/// item out from its HTML before making text of it.
///
/// False, to be safe, when the text could hold a word `html` does not show:
/// an inline tag, comment or script between two letters or digits
/// (`Del<b>haize</b>`), an entity other than one for a space or punctuation
/// (`&#75;PN`, `&eacute;`), a control or invisible character, a non-ASCII
/// letter or digit (`é`, `𝐊`), or a character whose fold is empty or holds
/// one. Pure and allocation-free; called on most items' raw fields, it runs
/// sixteen bytes at a time over plain text.
pub fn html_words_intact(html: &str) -> bool {
    // Was the last text written a letter or digit, and has markup that
    // leaves nothing come after it since (so the next one would be glued)?
    let mut last_alnum = false;
    let mut glue = false;
    let mut intact = true;
    walk_html(html, |part| {
        if !intact {
            return;
        }
        match part {
            Part::Text("") => {}
            Part::Text(t) => {
                let b = t.as_bytes();
                if (glue && b[0].is_ascii_alphanumeric()) || !plain_text(t) {
                    intact = false;
                }
                glue = false;
                last_alnum = b[b.len() - 1].is_ascii_alphanumeric();
            }
            Part::Break => {
                last_alnum = false;
                glue = false;
            }
            Part::Gone => glue |= last_alnum,
        }
    });
    intact
}

/// Entities [`html_words_intact`] reads through: each decodes to a space or a
/// punctuation mark ([`separates`] holds of it; a test checks them all).
const PLAIN_ENTITIES: &[&str] = &[
    "amp;", "lt;", "gt;", "quot;", "apos;", "nbsp;", "#39;", "#34;", "#38;", "#160;", "ndash;",
    "mdash;", "hellip;", "lsquo;", "rsquo;", "ldquo;", "rdquo;", "laquo;", "raquo;", "euro;",
    "#8211;", "#8212;", "#8216;", "#8217;", "#8220;", "#8221;", "#8230;",
];

/// Whether text (between tags) holds only what [`html_words_intact`] allows:
/// printable ASCII and whitespace, [`PLAIN_ENTITIES`], and non-ASCII
/// characters that [`separates`] holds of.
fn plain_text(t: &str) -> bool {
    const BLOCK: usize = 16;
    let bytes = t.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // Sixteen bytes at a time while none needs a look: no '&', no
        // control character, nothing beyond ASCII (tabs and line breaks
        // are looked at one by one: rare in feeds' HTML).
        while let Some(block) = bytes
            .get(i..i + BLOCK)
            .and_then(|b| <&[u8; BLOCK]>::try_from(b).ok())
        {
            let plain = block.iter().fold(true, |all, &b| {
                all & (b' '..0x7f).contains(&b) & (b != b'&')
            });
            if !plain {
                break;
            }
            i += BLOCK;
        }
        let stop = (i + BLOCK).min(bytes.len());
        while i < stop {
            match bytes[i] {
                b'&' => {
                    let rest = &t[i + 1..];
                    let entity = rest
                        .as_bytes()
                        .first()
                        .is_some_and(|&n| n.is_ascii_alphabetic() || n == b'#');
                    if !entity {
                        i += 1;
                    } else if let Some(e) = PLAIN_ENTITIES.iter().find(|e| rest.starts_with(*e)) {
                        i += 1 + e.len();
                    } else {
                        return false;
                    }
                }
                b' '..=0x7e | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => i += 1,
                0x80.. => {
                    let c = t[i..].chars().next().unwrap_or('\0');
                    if !separates(c) {
                        return false;
                    }
                    i += c.len_utf8();
                }
                _ => return false,
            }
        }
    }
    true
}

/// Whether `c` (non-ASCII) stays a separator through tidying and folding:
/// whitespace, or a visible character whose fold is neither empty (format
/// characters, combining marks: they glue their neighbours) nor holds a
/// letter or digit.
fn separates(c: char) -> bool {
    if c.is_whitespace() {
        return true;
    }
    if c.is_control() {
        return false;
    }
    let mut folded = String::new();
    fold_char(c, &mut folded);
    !folded.is_empty() && !folded.chars().any(char::is_alphanumeric)
}

/// The tag's name (letters and digits after `<` or `</`), as written.
fn tag_name(inner: &str) -> &str {
    let inner = inner.trim_start_matches('/');
    let end = inner
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(inner.len());
    &inner[..end]
}

/// The offset just past `</tag ...>` at or after `from`, or the end of `html`.
fn find_close_tag(html: &str, from: usize, tag: &str) -> usize {
    let mut at = from;
    while let Some(p) = html[at..].find("</") {
        let start = at + p + 2;
        let name = tag_name(&html[start..]);
        if name.eq_ignore_ascii_case(tag) {
            return html[start..]
                .find('>')
                .map_or(html.len(), |g| start + g + 1);
        }
        at = start;
    }
    html.len()
}

fn is_block(tag: &str) -> bool {
    const BLOCK: &[&str] = &[
        "p",
        "br",
        "div",
        "li",
        "ul",
        "ol",
        "tr",
        "td",
        "th",
        "table",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "hr",
        "section",
        "article",
        "header",
        "footer",
        "figure",
        "figcaption",
        "dd",
        "dt",
    ];
    BLOCK.iter().any(|b| b.eq_ignore_ascii_case(tag))
}

/// Text on one line: every whitespace run (line breaks too) one space.
pub fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Words of a text used as the title of an item that has none.
const TITLE_WORDS: usize = 12;

/// The first words of `text` on one line, with `…` when more follow: the
/// title of a review that has none.
pub fn first_words(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().take(TITLE_WORDS + 1).collect();
    if words.len() > TITLE_WORDS {
        format!("{}…", words[..TITLE_WORDS].join(" "))
    } else {
        words.join(" ")
    }
}

/// Collapses whitespace within lines to one space and keeps at most one blank
/// line between paragraphs; trims the ends.
pub fn tidy_whitespace(s: &str) -> String {
    let mut t = Tidy::with_capacity(s.len());
    t.push(s);
    t.finish()
}

/// Where the run of visible ASCII starting at `from` ends, single spaces
/// between visible characters included (a space before another whitespace
/// character, a non-ASCII one or the end is left out: it needs tidying).
fn visible_run(bytes: &[u8], from: usize) -> usize {
    let visible = |b: u8| b > b' ' && b < 0x7f;
    // Sixteen bytes at a time while they are plainly part of the run: all
    // printable ASCII, no two spaces side by side, none last (what follows
    // it decides), none first at the run's start. The checks run over the
    // whole block without branching, which the compiler turns into vector
    // instructions. A block that fails is read byte by byte, then blocks
    // again. Every item's text passes here.
    const BLOCK: usize = 16;
    let mut i = from;
    loop {
        while let Some(block) = bytes
            .get(i..i + BLOCK)
            .and_then(|b| <&[u8; BLOCK]>::try_from(b).ok())
        {
            let printable = block
                .iter()
                .fold(true, |all, &b| all & (b' '..0x7f).contains(&b));
            let doubled = block[..BLOCK - 1]
                .iter()
                .zip(&block[1..])
                .fold(false, |any, (&a, &b)| any | ((a == b' ') & (b == b' ')));
            let ends = (block[0] == b' ' && i == from) | (block[BLOCK - 1] == b' ');
            if !printable | doubled | ends {
                break;
            }
            i += BLOCK;
        }
        // Byte by byte, for at most a block.
        let stop = (i + BLOCK).min(bytes.len());
        while i < stop {
            let b = bytes[i];
            if visible(b) {
                i += 1;
            } else if b == b' ' && i > from && bytes.get(i + 1).is_some_and(|&n| visible(n)) {
                i += 2;
            } else {
                return i;
            }
        }
        if i >= bytes.len() {
            return i;
        }
    }
}

/// Builds tidy text while it is being pushed: whitespace runs become one space,
/// line breaks at most a blank line, nothing at either end.
struct Tidy {
    out: String,
    pending_space: bool,
    newlines: u8,
}

impl Tidy {
    fn with_capacity(n: usize) -> Tidy {
        Tidy {
            out: String::with_capacity(n),
            pending_space: false,
            newlines: 0,
        }
    }

    fn push_decoded(&mut self, s: &str) {
        if s.contains('&') {
            self.push(&html_escape::decode_html_entities(s));
        } else {
            self.push(s);
        }
    }

    fn line_break(&mut self) {
        self.newlines = self.newlines.saturating_add(1);
        self.pending_space = false;
    }

    fn push(&mut self, s: &str) {
        let bytes = s.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            // A run of visible ASCII goes in at once, with the single spaces
            // between its words (already what the output wants): most text
            // is words and single spaces, copied in one go.
            let run = visible_run(bytes, i);
            if run > i {
                self.separate();
                self.out.push_str(&s[i..run]);
                i = run;
                continue;
            }
            let c = s[i..].chars().next().unwrap_or(' ');
            i += c.len_utf8();
            match c {
                '\n' | '\u{2029}' => self.line_break(),
                // A zero-width space stays what it is (invisible, no word
                // break): folding drops it, so `K\u{200b}PN` still finds `KPN`.
                c if c.is_whitespace() => self.pending_space = true,
                // Other control characters (DEL, C1, escapes) are not text.
                c if c.is_control() => {}
                c => {
                    self.separate();
                    self.out.push(c);
                }
            }
        }
    }

    /// Writes the separator owed before the next visible character.
    fn separate(&mut self) {
        if !self.out.is_empty() {
            if self.newlines > 0 {
                self.out
                    .push_str(if self.newlines > 1 { "\n\n" } else { "\n" });
            } else if self.pending_space {
                self.out.push(' ');
            }
        }
        self.newlines = 0;
        self.pending_space = false;
    }

    fn finish(self) -> String {
        self.out
    }
}

/// `s` without control characters other than `\n` and `\t` (C0, DEL, C1):
/// they are never text, and some steer terminals. Ingest applies it to every
/// item's title, text and author; without any, `s` comes back untouched.
pub fn drop_controls(s: String) -> String {
    let b = s.as_bytes();
    // C1 controls are U+0080..U+009F: 0xC2 then 0x80..=0x9F in UTF-8. Every
    // item's text passes here: one table lookup a byte, branch-free, finds
    // the bytes that may start a control before the exact check.
    const SUSPECT: [bool; 256] = {
        let mut t = [false; 256];
        let mut i = 0;
        while i < 0x20 {
            t[i] = i != b'\n' as usize && i != b'\t' as usize;
            i += 1;
        }
        t[0x7f] = true;
        t[0xc2] = true;
        t
    };
    let dirty = b
        .iter()
        .fold(false, |acc, &x| acc | SUSPECT[usize::from(x)])
        && b.iter().enumerate().any(|(i, &x)| {
            (x < b' ' && x != b'\n' && x != b'\t')
                || x == 0x7f
                || (x == 0xc2 && b.get(i + 1).is_some_and(|n| (0x80..0xa0).contains(n)))
        });
    if !dirty {
        return s;
    }
    s.chars()
        .filter(|&c| !c.is_control() || c == '\n' || c == '\t')
        .collect()
}

/// Bidi controls (embeddings, overrides, isolates, the directional marks):
/// invisible, they reorder what is shown, so `factuur \u{202e}gnp.exe` reads
/// as `factuur exe.png`. Kept in stored text (right-to-left writing uses
/// them), dropped wherever text is shown to a person.
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    )
}

/// Text folded for matching, with a map back to the original.
pub struct Folded {
    /// Lower case, diacritics removed, styled letters plain, format
    /// characters dropped, every whitespace run one space.
    pub text: String,
    /// For each byte of `text`, the byte offset in the original it came from.
    pub origin: Vec<u32>,
}

/// Folds text for matching: lower case, diacritics removed (`é` → `e`, `ß` → `ss`),
/// styled letters and digits in their plain form (NFKC: `𝐊𝐏𝐍`, `ＫＰＮ` → `kpn`),
/// format characters dropped (zero-width space, joiners, soft hyphen, BOM),
/// every run of whitespace one space, and the byte offsets back to the original.
pub fn fold_mapped(s: &str) -> Folded {
    let mut origin = Vec::with_capacity(s.len());
    let mut out = Vec::with_capacity(s.len());
    fold_into(s, Some(&mut origin), &mut out);
    Folded {
        text: into_string(out),
        origin,
    }
}

/// [`fold_mapped`] without the offsets (the matcher's hot path: most text
/// matches nothing and never needs them).
pub fn fold(s: &str) -> String {
    fold_all(&[s])
}

/// The folds of `parts` joined by one space, as if the parts were one text
/// separated by whitespace — without building that text first.
pub fn fold_all(parts: &[&str]) -> String {
    let mut out = Vec::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
    for p in parts {
        if !out.is_empty() {
            out.push(b' ');
        }
        fold_into(p, None, &mut out);
    }
    into_string(out)
}

fn into_string(bytes: Vec<u8>) -> String {
    // Only whole chars were written, so this cannot fail; keep the check
    // rather than an unsafe conversion.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Appends the fold of `s` to `out` (trailing space trimmed), and with `origin`
/// the offset in `s` of each byte written.
fn fold_into(s: &str, mut origin: Option<&mut Vec<u32>>, out: &mut Vec<u8>) {
    let start = out.len();
    let mut last_space = true;
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut scratch = String::new();
    while i < bytes.len() {
        let b = bytes[i];
        let at = i as u32;
        if b < 0x80 {
            i += 1;
            if b.is_ascii_whitespace() {
                if last_space {
                    continue;
                }
                out.push(b' ');
                last_space = true;
            } else {
                out.push(b.to_ascii_lowercase());
                last_space = false;
            }
            if let Some(o) = origin.as_deref_mut() {
                o.push(at);
            }
            continue;
        }
        let c = s[i..].chars().next().unwrap_or(' ');
        i += c.len_utf8();
        if c.is_whitespace() {
            if last_space {
                continue;
            }
            out.push(b' ');
            last_space = true;
        } else {
            scratch.clear();
            fold_char(c, &mut scratch);
            if !scratch.is_empty() {
                out.extend_from_slice(scratch.as_bytes());
                last_space = false;
            }
        }
        if let Some(o) = origin.as_deref_mut() {
            o.resize(out.len() - start, at);
        }
    }
    if out.len() > start && out.last() == Some(&b' ') {
        out.pop();
        if let Some(o) = origin {
            o.pop();
        }
    }
}

/// Folds one non-ASCII, non-whitespace character: format characters (zero
/// width, soft hyphen, bidi marks: general category Cf) write nothing, so
/// `K\u{200b}PN` is `kpn`; letters and digits take their compatibility form
/// (NFKC: mathematical bold `𝐊`, fullwidth `Ｋ`, circled `Ⓚ` and the `ﬁ`
/// ligature are plain letters); other characters only their canonical one,
/// so a symbol such as `™` never becomes letters glued to a word.
fn fold_char(c: char, out: &mut String) {
    if is_format(c) {
        return;
    }
    match c {
        'ß' => out.push_str("ss"),
        'æ' | 'Æ' => out.push_str("ae"),
        'œ' | 'Œ' => out.push_str("oe"),
        'ø' | 'Ø' => out.push('o'),
        'đ' | 'Đ' => out.push('d'),
        'ł' | 'Ł' => out.push('l'),
        'ı' => out.push('i'),
        '’' | '‘' | 'ʼ' => out.push('\''),
        '“' | '”' | '„' => out.push('"'),
        '‐' | '‑' => out.push('-'),
        _ if c.is_alphanumeric() => decompose_compatible(c, |d| push_base(d, out)),
        _ => decompose_canonical(c, |d| push_base(d, out)),
    }
}

/// One char of a decomposition, lower case, unless it is a combining mark.
fn push_base(d: char, out: &mut String) {
    if !is_combining_mark(d) {
        for l in d.to_lowercase() {
            out.push(l);
        }
    }
}

/// Unicode's format characters (general category Cf, Unicode 15.1):
/// invisible, they change no word, so matching reads through them.
pub fn is_format(c: char) -> bool {
    matches!(
        c,
        '\u{00ad}'
            | '\u{0600}'..='\u{0605}'
            | '\u{061c}'
            | '\u{06dd}'
            | '\u{070f}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08e2}'
            | '\u{180e}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206f}'
            | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}'
            | '\u{110bd}'
            | '\u{110cd}'
            | '\u{13430}'..='\u{1343f}'
            | '\u{1bca0}'..='\u{1bca3}'
            | '\u{1d173}'..='\u{1d17a}'
            | '\u{e0001}'
            | '\u{e0020}'..='\u{e007f}'
    )
}

/// [`truncate`] for an owned string, without copying when it fits.
pub fn truncate_owned(s: String, max: usize) -> String {
    if s.len() <= max {
        s
    } else {
        truncate(&s, max).into_owned()
    }
}

/// Cuts `s` to at most `max` bytes on a char boundary, adding `…` when cut.
pub fn truncate(s: &str, max: usize) -> Cow<'_, str> {
    if s.len() <= max {
        return Cow::Borrowed(s);
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}…", &s[..end]))
}

// ---------------------------------------------------------------- URLs

/// Query parameters that only track the reader and never change the page.
const TRACKING_PARAMS: &[&str] = &[
    "fbclid",
    "gclid",
    "gclsrc",
    "dclid",
    "msclkid",
    "yclid",
    "mc_cid",
    "mc_eid",
    "igshid",
    "_hsenc",
    "_hsmi",
    "mkt_tok",
    "oly_anon_id",
    "oly_enc_id",
    "vero_id",
    "wickedid",
    "rb_clickid",
    "s_cid",
    "ncid",
    "cmpid",
    "ocid",
    "sr_share",
    "spm",
    "__twitter_impression",
    "ref_src",
    "ref_url",
    "at_medium",
    "at_campaign",
    "at_custom1",
];

fn is_tracking_param(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.starts_with("utm_") || n.starts_with("pk_") || TRACKING_PARAMS.contains(&n.as_str())
}

/// Unwraps a link that points through an alert service's redirector
/// (`https://www.google.com/url?…&url=TARGET`, Talkwalker, Bing, Facebook's
/// `l.php`) to its target; other links are returned as they are.
pub fn unwrap_redirect(url: &Url) -> Url {
    let mut current = url.clone();
    // Redirectors can nest (an alert of a shared link); three levels is plenty.
    for _ in 0..3 {
        match redirect_target(&current) {
            Some(next) => current = next,
            None => break,
        }
    }
    current
}

fn redirect_target(url: &Url) -> Option<Url> {
    let host = url.host_str()?.to_ascii_lowercase();
    let path = url.path();
    let params: &[&str] = if is_google(&host) && (path == "/url" || path == "/link") {
        &["url", "q"]
    } else if host.ends_with("talkwalker.com") {
        &["url", "u", "target"]
    } else if (host == "www.bing.com" || host == "bing.com") && path.starts_with("/news/apiclick")
        || host.ends_with("bing.com") && path == "/ck/a"
    {
        &["url", "u"]
    } else if (host == "l.facebook.com" || host == "lm.facebook.com") && path == "/l.php" {
        &["u"]
    } else if host == "out.reddit.com" || host == "t.umblr.com" || host == "href.li" {
        &["url", "z"]
    } else if path == "/redirect" || path == "/url" || path == "/out" || path == "/r" {
        // Generic shape used by smaller alert services: only with a full http(s) target.
        &["url", "target", "dest", "u"]
    } else {
        return None;
    };
    for (k, v) in url.query_pairs() {
        if params.contains(&k.as_ref()) {
            if let Ok(t) = Url::parse(&v) {
                if matches!(t.scheme(), "http" | "https") && t.host().is_some() {
                    return Some(t);
                }
            }
        }
    }
    None
}

fn is_google(host: &str) -> bool {
    let h = host.strip_prefix("www.").unwrap_or(host);
    h == "google.com" || h.starts_with("google.") || h.starts_with("news.google.")
}

/// The identity of a link: scheme and host lower case (the `url` crate does
/// that and drops default ports), fragment dropped, tracking parameters dropped,
/// the remaining query parameters sorted, an empty query removed.
pub fn canonical_url(url: &Url) -> String {
    let mut u = unwrap_redirect(url);
    u.set_fragment(None);
    if u.query().is_some() {
        let mut kept: Vec<(String, String)> = u
            .query_pairs()
            .filter(|(k, _)| !is_tracking_param(k))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() {
            u.set_query(None);
        } else {
            kept.sort();
            u.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    if let Some(host) = u.host_str() {
        // "www." and the bare domain serve the same page on every site that matters
        // for dedup; treat them as one.
        if let Some(bare) = host.strip_prefix("www.") {
            let bare = bare.to_string();
            let _ = u.set_host(Some(&bare));
        }
    }
    u.to_string()
}

/// The alphanumeric words of `s`.
fn words(s: &str) -> Vec<&str> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect()
}

/// How many words of a story's text, after its title, identify it.
const FINGERPRINT_LEAD_WORDS: usize = 16;

/// A story's identity across sites that copy it (news agencies' stories on
/// every regional site, a press release on ten blogs): a 64-bit FNV-1a hash
/// of its folded title words and the first [`FINGERPRINT_LEAD_WORDS`] words
/// of its text (a body that repeats the title first is read without it).
/// Case, diacritics, punctuation and whitespace do not count. `None` when
/// the text is shorter than that: a short post is too likely to repeat
/// another by chance ("Storing bij KPN").
pub fn fingerprint(title: &str, text: &str) -> Option<i64> {
    let title = fold(title);
    let title_words = words(&title);
    // Only the text's first words count: fold as much of it as holds them
    // and one word more (so the last one counted is whole), the whole text
    // only when that is not enough. Folding goes character by character,
    // so the fold of a beginning is the beginning of the fold.
    let needed = title_words.len() + FINGERPRINT_LEAD_WORDS + 1;
    let mut take = needed * 16;
    let text = loop {
        let mut cut = take.min(text.len());
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let folded = fold(&text[..cut]);
        if cut == text.len() || words(&folded).len() >= needed {
            break folded;
        }
        take *= 4;
    };
    story_hash(&title_words, words(&text))
}

/// The fingerprint of a story whose folded title and text have these
/// words: [`fingerprint`] after the folding.
fn story_hash(title_words: &[&str], mut lead: Vec<&str>) -> Option<i64> {
    if !title_words.is_empty() && lead.starts_with(title_words) {
        lead.drain(..title_words.len());
    }
    if lead.len() < FINGERPRINT_LEAD_WORDS {
        return None;
    }
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            hash ^= u64::from(*b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for w in title_words {
        feed(w.as_bytes());
        feed(b" ");
    }
    feed(b"\n");
    for w in &lead[..FINGERPRINT_LEAD_WORDS] {
        feed(w.as_bytes());
        feed(b" ");
    }
    // SQLite integers are signed; the bits are what matter.
    Some(hash as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_html(input: &str, expected: &str) {
        assert_eq!(html_to_text(input), expected, "{input}");
    }

    /// The block-at-a-time scan ends every run where the byte-at-a-time
    /// rule does, on texts made of the bytes that decide it.
    #[test]
    fn visible_run_blocks_end_where_bytes_do() {
        fn by_bytes(bytes: &[u8], from: usize) -> usize {
            let visible = |b: u8| b > b' ' && b < 0x7f;
            let mut i = from;
            while i < bytes.len() {
                if visible(bytes[i]) {
                    i += 1;
                } else if bytes[i] == b' '
                    && i > from
                    && bytes.get(i + 1).is_some_and(|&n| visible(n))
                {
                    i += 2;
                } else {
                    break;
                }
            }
            i
        }
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(15);
        let alphabet: &[u8] = b"ab  \t\n\x7f\xc3";
        for _ in 0..20_000 {
            let len = rng.random_range(0..80);
            // Mostly letters, so that long runs (several blocks) occur.
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    if rng.random_range(0..10) < 7 {
                        b'a'
                    } else {
                        alphabet[rng.random_range(0..alphabet.len())]
                    }
                })
                .collect();
            for from in 0..bytes.len() {
                assert_eq!(
                    visible_run(&bytes, from),
                    by_bytes(&bytes, from),
                    "{bytes:?} from {from}"
                );
            }
        }
    }

    #[test]
    fn drop_controls_keeps_text_lines_and_tabs() {
        let cases: &[(&str, &str)] = &[
            ("plain é \u{202e} text", "plain é \u{202e} text"),
            ("Pi\u{7f}et\u{0}", "Piet"),
            ("a\u{1b}[2Jb\r\n\tc\u{9b}d\u{9f}", "a[2Jb\n\tcd"),
            ("\u{a0}\u{100}", "\u{a0}\u{100}"),
        ];
        for (input, want) in cases {
            assert_eq!(drop_controls(input.to_string()), *want, "{input:?}");
        }
    }

    #[test]
    fn html() {
        check_html("Ahold <b>Delhaize</b> &amp; co", "Ahold Delhaize & co");
        check_html("<p>one</p><p>two</p>", "one\n\ntwo");
        check_html("a<script>alert('x')</script>b", "ab");
        check_html("a <STYLE>p{}</STYLE> b", "a b");
        check_html("x < y &lt;3 &#233;", "x < y <3 é");
        check_html("line<br/>break", "line\nbreak");
        check_html("<!-- c -->text", "text");
        check_html("unclosed <b", "unclosed");
        check_html("", "");
        // Control characters from the network never reach storage.
        check_html("a\u{1b}[31mb\u{7}", "a[31mb");
        check_html("Ac\u{7f}me\u{9b} x\u{85}y", "Acme x y");
        // Runs of words with single spaces are copied whole; anything else
        // between them is still tidied.
        check_html("one two  three\tfour \nfive", "one two three four\nfive");
        check_html(" a b <i>c</i> d e ", "a b c d e");
        // A zero-width space stays as written: the matcher reads through it
        // ("K\u{200b}PN" is KPN, issue #15).
        check_html("a \u{a0}b c\u{200b}d é f", "a b c\u{200b}d é f");
        check_html("x y\n\n\n z", "x y\n\nz");
    }

    #[test]
    fn folding() {
        assert_eq!(fold("Café  Nöel\n\tHEMA"), "cafe noel hema");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("  KLM’s  "), "klm's");
        let f = fold_mapped("Zoë X");
        assert_eq!(f.text, "zoe x");
        assert_eq!(f.origin.len(), f.text.len());
        assert_eq!(f.origin[4], 5); // the space after "Zoë" (ë is 2 bytes)
    }

    #[test]
    fn issue15_words_intact_where_the_text_shows_them_as_written() {
        let intact = [
            "",
            "Storing bij KPN",
            "<p>Storing</p><p>bij KPN</p>",
            "word</p>\n<p>word",
            "a<br>b",
            "<b>KPN</b> en <i>NS</i>",
            "Q&amp;A, &lt;b&gt; &quot;x&quot; &nbsp;&mdash;&hellip;",
            "AT & T",
            "“Acme” — prijs: €10 …",
            "a\u{a0}b, a\u{2029}b",
            "1 < 2",
        ];
        for html in intact {
            assert!(html_words_intact(html), "{html:?}");
        }
        let not_intact = [
            "Del<b>haize</b>",
            "K<!-- -->PN",
            "K<script>x</script>PN",
            "K&#80;N",
            "&#75;PN",
            "Caf&eacute;",
            "&fjlig;",
            "K&shy;PN",
            "K\u{200b}PN",
            "K\u{1}PN",
            "Café",
            "𝐊𝐏𝐍",
            "Ⓚ",
            "e\u{301}",
            "AT&T",
        ];
        for html in not_intact {
            assert!(!html_words_intact(html), "{html:?}");
        }
    }

    /// Each entity the screen reads through decodes to characters that
    /// separate words, and leaves two letters around it two words.
    #[test]
    fn issue15_plain_entities_decode_to_separators() {
        for e in PLAIN_ENTITIES {
            let decoded = html_escape::decode_html_entities(&format!("&{e}")).into_owned();
            assert_ne!(decoded, format!("&{e}"), "{e} is an entity");
            assert!(
                decoded
                    .chars()
                    .all(|c| c.is_ascii_punctuation() || c == ' ' || separates(c)),
                "{e} decodes to {decoded:?}"
            );
            assert!(!decoded.chars().any(char::is_alphanumeric), "{e}");
            let folded = fold(&html_to_text(&format!("a&{e}b")));
            assert!(!folded.contains("ab"), "{e}: {folded:?}");
        }
    }

    #[test]
    fn issue15_folding_reads_styled_letters_and_through_format_characters() {
        for (input, want) in [
            ("𝐊𝐏𝐍 ＫＰＮ ⓀⓅⓃ 𝘒𝘗𝘕", "kpn kpn kpn kpn"),
            ("K\u{200b}P\u{200c}N\u{200d}", "kpn"),
            ("\u{feff}K\u{2060}P\u{ad}N\u{202e}", "kpn"),
            ("ﬁets", "fiets"),
            ("rabo‐bank", "rabo-bank"),
            // Symbols keep their canonical form: no letters glued on.
            ("Acme™", "acme™"),
            ("Café", "cafe"),
        ] {
            assert_eq!(fold(input), want, "{input:?}");
        }
        // Offsets lead back to the styled original.
        let s = "x 𝐊𝐏𝐍";
        let f = fold_mapped(s);
        assert_eq!(f.text, "x kpn");
        assert_eq!(f.origin[2], 2);
        assert_eq!(f.origin[4], 10);
        // Ingest keeps a zero-width space as written (it is no word break).
        assert_eq!(html_to_text("K&#8203;PN"), "K\u{200b}PN");
    }

    fn check_canonical(input: &str, expected: &str) {
        let u = Url::parse(input).unwrap();
        assert_eq!(canonical_url(&u), expected, "{input}");
    }

    #[test]
    fn canonical() {
        check_canonical(
            "HTTPS://WWW.Example.NL:443/a/b?utm_source=x&id=3&fbclid=y#top",
            "https://example.nl/a/b?id=3",
        );
        check_canonical("http://example.nl:80/?utm_medium=rss", "http://example.nl/");
        check_canonical(
            "http://example.nl:8080/x?b=2&a=1",
            "http://example.nl:8080/x?a=1&b=2",
        );
        check_canonical(
            "https://www.google.com/url?rct=j&sa=t&url=https://www.nu.nl/economie/123/acme.html%3Futm_source%3Dga&ct=ga&cd=CAIyGg&usg=AOv",
            "https://nu.nl/economie/123/acme.html",
        );
        check_canonical(
            "https://l.facebook.com/l.php?u=https%3A%2F%2Fexample.nl%2Fstory&h=AT0",
            "https://example.nl/story",
        );
        // A /url path on a non-redirector without an http target is left alone.
        check_canonical("https://example.nl/url?q=1", "https://example.nl/url?q=1");
    }

    #[test]
    fn truncation() {
        assert_eq!(truncate("héllo", 2), "h…");
        assert_eq!(truncate("abc", 5), "abc");
    }

    #[test]
    fn fingerprint_sees_through_copies_but_not_other_stories() {
        let lead = "Duizenden klanten van Acme Telecom zaten dinsdagochtend urenlang zonder internet door een storing in het netwerk van de provider, meldt het bedrijf.";
        let title = "Grote storing bij Acme Telecom";
        let fp = fingerprint(title, lead).expect("long enough");
        // The same story on another site: other case, accents, spacing,
        // punctuation, the title repeated in the body, more text after.
        let copy = "GROTE STORING bij Acme Telecom!\n\nDuizenden  klanten van Acme Telecom zaten dinsdagochtend urenlang zonder internet door een storing in het netwerk van de provider - meldt het bedrijf. Meer volgt.";
        assert_eq!(
            fingerprint("Grote storing bij Acme Télécom", copy),
            Some(fp)
        );
        // Another story under the same title, and a short post.
        let other = "Klanten van Acme Telecom konden woensdag niet bellen door een storing bij een leverancier, zegt een woordvoerder tegen de krant vanmiddag.";
        assert_ne!(fingerprint(title, other), Some(fp));
        assert_eq!(
            fingerprint("", "Storing bij Acme Telecom, weer geen internet"),
            None
        );
    }

    /// The fingerprint folds only the text's beginning; it is the one the
    /// whole text's fold gives, wherever the words end and whatever their
    /// folds' lengths (ß, ﬁ, zero-width and combining characters, long
    /// words, runs of punctuation at the cut).
    #[test]
    fn fingerprint_of_the_beginning_is_the_whole_texts() {
        // The whole text folded, as it was before only its beginning was.
        fn whole(title: &str, text: &str) -> Option<i64> {
            let (title, text) = (fold(title), fold(text));
            story_hash(&words(&title), words(&text))
        }
        let pieces = [
            "storing",
            "Straße",
            "ﬁets",
            "K\u{200b}PN",
            "e\u{301}e\u{301}n",
            " ",
            "  ",
            "...",
            "-",
            "\n",
            "Ĳsselmeer",
            "a",
            "langewoordenzonderspatiesdiedoorgaantotvoorbijdegrens",
            "😀",
            "3,5",
            "—",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut checked = 0;
        for n in 0..4000 {
            let mut text = String::new();
            for _ in 0..n % 300 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push_str(pieces[(seed % pieces.len() as u64) as usize]);
                if seed.is_multiple_of(3) {
                    text.push(' ');
                }
            }
            let title = if n % 2 == 0 { "Storing bij KPN" } else { "" };
            let fp = fingerprint(title, &text);
            assert_eq!(fp, whole(title, &text), "{title:?} / {text:?}");
            checked += usize::from(fp.is_some());
        }
        assert!(checked > 1000, "{checked} texts long enough");
    }
}
