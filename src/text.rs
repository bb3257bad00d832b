//! Text and URL normalisation shared by every source and by the matcher.
//!
//! HTML becomes plain text, text is folded (lower case, no diacritics, one space)
//! for matching, and links are unwrapped from alert redirectors and made canonical
//! so one story has one identity. Pure functions: no I/O, no failure modes beyond
//! returning the input unchanged.

use std::borrow::Cow;

use unicode_normalization::char::{decompose_canonical, is_combining_mark};
use url::Url;

/// Turns an HTML fragment into plain text: tags dropped (block tags become line
/// breaks), `script`/`style` content dropped, entities decoded, runs of
/// whitespace collapsed. Text that contains no `<` or `&` is only tidied.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let bytes = html.as_bytes();
    let mut i = 0;
    let mut text_start = 0;
    while i < bytes.len() {
        if bytes[i] != b'<' {
            i += 1;
            continue;
        }
        // Is this a tag (letter, '/', '!' or '?' after '<')? Otherwise a literal '<'.
        let next = bytes.get(i + 1).copied().unwrap_or(b' ');
        if !(next.is_ascii_alphabetic() || next == b'/' || next == b'!' || next == b'?') {
            i += 1;
            continue;
        }
        push_decoded(&mut out, &html[text_start..i]);
        if html[i..].starts_with("<!--") {
            i = html[i..]
                .find("-->")
                .map(|e| i + e + 3)
                .unwrap_or(bytes.len());
            text_start = i;
            continue;
        }
        let end = match html[i..].find('>') {
            Some(e) => i + e + 1,
            None => bytes.len(),
        };
        let tag = tag_name(&html[i + 1..end]);
        if tag == "script" || tag == "style" {
            let close = format!("</{tag}");
            let lower_rest = html[end..].to_ascii_lowercase();
            i = lower_rest
                .find(&close)
                .map(|p| {
                    let after = end + p;
                    html[after..]
                        .find('>')
                        .map(|g| after + g + 1)
                        .unwrap_or(bytes.len())
                })
                .unwrap_or(bytes.len());
        } else {
            i = end;
            if is_block(&tag) {
                out.push('\n');
            } else {
                // Inline tags separate nothing: "Ahold <b>Delhaize</b>" keeps its space
                // and "Del<b>haize</b>" stays one word.
            }
        }
        text_start = i;
    }
    if text_start < html.len() {
        push_decoded(&mut out, &html[text_start..]);
    }
    tidy_whitespace(&out)
}

fn tag_name(inner: &str) -> String {
    inner
        .trim_start_matches('/')
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase()
}

fn is_block(tag: &str) -> bool {
    matches!(
        tag,
        "p" | "br"
            | "div"
            | "li"
            | "ul"
            | "ol"
            | "tr"
            | "td"
            | "th"
            | "table"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "blockquote"
            | "pre"
            | "hr"
            | "section"
            | "article"
            | "header"
            | "footer"
            | "figure"
            | "figcaption"
            | "dd"
            | "dt"
    )
}

fn push_decoded(out: &mut String, s: &str) {
    if s.contains('&') {
        out.push_str(&html_escape::decode_html_entities(s));
    } else {
        out.push_str(s);
    }
}

/// Collapses whitespace within lines to one space and keeps at most one blank
/// line between paragraphs; trims the ends.
pub fn tidy_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    let mut newlines = 0;
    let mut run_start = None::<usize>;
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        // Fast path: inside a run of visible ASCII nothing changes.
        if run_start.is_some() && b > b' ' && b < 0x80 {
            i += 1;
            continue;
        }
        let (c, len) = if b < 0x80 {
            (b as char, 1)
        } else {
            let c = s[i..].chars().next().unwrap_or(' ');
            (c, c.len_utf8())
        };
        let is_newline = c == '\n' || c == '\u{2029}';
        let is_space = !is_newline && (c.is_whitespace() || c == '\u{200b}');
        if is_newline || is_space {
            if let Some(start) = run_start.take() {
                out.push_str(&s[start..i]);
            }
            if is_newline {
                newlines += 1;
                pending_space = false;
            } else {
                pending_space = true;
            }
        } else if run_start.is_none() {
            if !out.is_empty() {
                if newlines > 0 {
                    out.push_str(if newlines > 1 { "\n\n" } else { "\n" });
                } else if pending_space {
                    out.push(' ');
                }
            }
            newlines = 0;
            pending_space = false;
            run_start = Some(i);
        }
        i += len;
    }
    if let Some(start) = run_start {
        out.push_str(&s[start..]);
    }
    out
}

/// Text folded for matching, with a map back to the original.
pub struct Folded {
    /// Lower case, diacritics removed, every whitespace run one space.
    pub text: String,
    /// For each byte of `text`, the byte offset in the original it came from.
    pub origin: Vec<u32>,
}

/// Folds text for matching: lower case, diacritics removed (`é` → `e`, `ß` → `ss`),
/// every run of whitespace one space, and the byte offsets back to the original.
pub fn fold_mapped(s: &str) -> Folded {
    let mut origin = Vec::with_capacity(s.len());
    let text = fold_into(s, Some(&mut origin));
    Folded { text, origin }
}

/// [`fold_mapped`] without the offsets (the matcher's hot path: most text
/// matches nothing and never needs them).
pub fn fold(s: &str) -> String {
    fold_into(s, None)
}

fn fold_into(s: &str, mut origin: Option<&mut Vec<u32>>) -> String {
    let mut text = String::with_capacity(s.len());
    let mut last_space = true;
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let at = i as u32;
        if origin.is_none() && b > b' ' && b < 0x80 {
            // Fast path: copy a run of visible ASCII at once, then lower-case it.
            let end = bytes[i..]
                .iter()
                .position(|&c| c <= b' ' || c >= 0x80)
                .map_or(bytes.len(), |p| i + p);
            let from = text.len();
            text.push_str(&s[i..end]);
            text[from..].make_ascii_lowercase();
            last_space = false;
            i = end;
            continue;
        }
        if b < 0x80 {
            i += 1;
            if b.is_ascii_whitespace() {
                if last_space {
                    continue;
                }
                text.push(' ');
                last_space = true;
            } else {
                text.push(b.to_ascii_lowercase() as char);
                last_space = false;
            }
            if let Some(o) = origin.as_deref_mut() {
                o.push(at);
            }
            continue;
        }
        let c = s[i..].chars().next().unwrap_or(' ');
        i += c.len_utf8();
        let before = text.len();
        if c.is_whitespace() {
            if last_space {
                continue;
            }
            text.push(' ');
            last_space = true;
        } else {
            fold_char(c, &mut text);
            if text.len() > before {
                last_space = false;
            }
        }
        if let Some(o) = origin.as_deref_mut() {
            o.resize(text.len(), at);
        }
    }
    if text.ends_with(' ') {
        text.pop();
        if let Some(o) = origin {
            o.pop();
        }
    }
    text
}

fn fold_char(c: char, out: &mut String) {
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
        '\u{00ad}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{feff}' => {}
        _ => decompose_canonical(c, |d| {
            if !is_combining_mark(d) {
                for l in d.to_lowercase() {
                    out.push(l);
                }
            }
        }),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn check_html(input: &str, expected: &str) {
        assert_eq!(html_to_text(input), expected, "{input}");
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
}
