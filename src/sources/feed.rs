//! RSS 0.9x/1.0/2.0, Atom and JSON Feed, including alert feeds (Google Alerts,
//! Talkwalker) that wrap their links in redirectors.
//!
//! feed-rs does the format work; this file fixes the character encoding when only
//! the HTTP header declares it, turns titles and content into plain text, resolves
//! relative links against the feed URL and unwraps redirect links.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};
use url::Url;

use super::{Item, SourceError, MAX_TEXT, MAX_TITLE};
use crate::text::{html_to_text, one_line, truncate, truncate_owned, unwrap_redirect};

/// Parses a feed body fetched from `url`.
pub fn parse(body: &[u8], content_type: Option<&str>, url: &Url) -> Result<Vec<Item>, SourceError> {
    let body = to_parseable(body, content_type);
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(url.as_str()))
        .build();
    let feed = parser
        .parse(body.as_ref())
        .map_err(|e| SourceError::parse("feed", e.to_string()))?;
    Ok(feed
        .entries
        .into_iter()
        .map(|e| entry_to_item(e, url))
        .collect())
}

fn entry_to_item(e: feed_rs::model::Entry, feed_url: &Url) -> Item {
    let link = e
        .links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .or_else(|| e.links.first())
        .and_then(|l| resolve(feed_url, &l.href));
    let title = e
        .title
        .as_ref()
        .map(|t| truncate_owned(one_line(&html_to_text(&t.content)), MAX_TITLE))
        .unwrap_or_default();
    let body = e
        .content
        .as_ref()
        .and_then(|c| c.body.as_deref())
        .filter(|b| !b.trim().is_empty())
        .or_else(|| e.summary.as_ref().map(|s| s.content.as_str()))
        .unwrap_or("");
    // Cut the raw HTML at a generous bound first so a hostile body costs little.
    let text = truncate_owned(html_to_text(&truncate(body, MAX_TEXT * 4)), MAX_TEXT);
    let author = e
        .authors
        .iter()
        .map(|p| p.name.trim())
        .find(|n| !n.is_empty())
        .map(|n| truncate(n, 200).into_owned());
    let key = if e.id.trim().is_empty() {
        link.as_ref().map(Url::to_string).unwrap_or_default()
    } else {
        truncate(e.id.trim(), 1024).into_owned()
    };
    Item {
        key,
        url: link,
        title,
        text,
        author,
        published: e.published.or(e.updated),
        rating: None,
        page_link: None,
    }
}

/// Resolves `href` against the feed URL (feed-rs already applied `xml:base`) and
/// unwraps alert redirectors; only http(s) links are kept.
fn resolve(base: &Url, href: &str) -> Option<Url> {
    let href = href.trim();
    let u = Url::parse(href).or_else(|_| base.join(href)).ok()?;
    matches!(u.scheme(), "http" | "https").then(|| unwrap_redirect(&u))
}

/// Bytes feed-rs can read: left alone when the XML prolog names the encoding
/// (feed-rs decodes it), otherwise transcoded to UTF-8 from the HTTP charset, a
/// BOM, or — for bytes that are not UTF-8 at all — windows-1252.
fn to_parseable<'a>(body: &'a [u8], content_type: Option<&str>) -> Cow<'a, [u8]> {
    if let Some(enc) = prolog_encoding(body) {
        if enc != UTF_8 {
            return Cow::Borrowed(body);
        }
    }
    let header = content_type
        .and_then(charset)
        .and_then(|c| Encoding::for_label(c.as_bytes()));
    let enc = match (Encoding::for_bom(body), header) {
        (Some((bom, _)), _) => bom,
        (None, Some(h)) => h,
        (None, None) if std::str::from_utf8(body).is_ok() => return Cow::Borrowed(body),
        (None, None) => WINDOWS_1252,
    };
    if enc == UTF_8 && std::str::from_utf8(body).is_ok() {
        return Cow::Borrowed(body);
    }
    let (text, _, _) = enc.decode(body);
    Cow::Owned(text.into_owned().into_bytes())
}

fn charset(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k.trim().eq_ignore_ascii_case("charset")).then(|| v.trim().trim_matches('"').to_string())
    })
}

fn prolog_encoding(body: &[u8]) -> Option<&'static Encoding> {
    let head = &body[..body.len().min(256)];
    let head = std::str::from_utf8(head)
        .ok()
        .or_else(|| std::str::from_utf8(&head[..head.iter().position(|&b| b >= 0x80)?]).ok())?;
    let decl = head.trim_start_matches('\u{feff}').trim_start();
    let decl = decl.strip_prefix("<?xml")?;
    let decl = &decl[..decl.find("?>")?];
    let at = decl.find("encoding")?;
    let rest = decl[at + "encoding".len()..]
        .trim_start()
        .strip_prefix('=')?
        .trim_start();
    // Strip the quote by its own length: a multibyte character where the
    // quote belongs must not split.
    let quote = rest.chars().next().filter(|q| matches!(q, '"' | '\''))?;
    let rest = &rest[quote.len_utf8()..];
    let label = &rest[..rest.find(quote)?];
    Encoding::for_label(label.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_charset_without_prolog_is_transcoded() {
        let body = b"<rss version=\"2.0\"><channel><title>t</title><item><title>Caf\xe9</title><guid>1</guid></item></channel></rss>";
        let url = Url::parse("http://127.0.0.1/f").unwrap();
        let items = parse(body, Some("application/rss+xml; charset=ISO-8859-1"), &url).unwrap();
        assert_eq!(items[0].title, "Café");
    }

    #[test]
    fn prolog_encoding_is_read() {
        assert_eq!(
            prolog_encoding(b"<?xml version='1.0' encoding='iso-8859-1'?><rss/>"),
            Some(WINDOWS_1252)
        );
        assert_eq!(prolog_encoding(b"<rss/>"), None);
        // issue #10: a multibyte character where the quote belongs.
        assert_eq!(
            prolog_encoding("<?xml version='1.0' encoding=\u{e9}utf-8\u{e9}?><rss/>".as_bytes()),
            None
        );
    }
}
