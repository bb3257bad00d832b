//! RSS 0.9x/1.0/2.0, Atom and JSON Feed, including alert feeds (Google Alerts,
//! Talkwalker) that wrap their links in redirectors.
//!
//! feed-rs does the format work; this file fixes the character encoding when only
//! the HTTP header declares it, turns titles and content into plain text, resolves
//! relative links against the feed URL and unwraps redirect links. What feed-rs
//! refuses or misreads is handled beside it, one module each: `dialect` (feed
//! dialects rewritten in front of it, and the check that a feed with items
//! yielded some), `dates` (dates it drops), `authors` (its placeholder names).
//! `fast` reads plain RSS 2.0 / Atom 1.0 in front of it, as feed-rs would,
//! without building feed-rs's model. It never fetches: it is handed the body.

mod authors;
mod dates;
mod dialect;
mod fast;

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};
use url::Url;

use super::{Item, Parsed, Screen, SourceError, MAX_TEXT, MAX_TITLE};
use crate::text::{html_to_text, one_line, truncate, truncate_owned, unwrap_redirect};

/// Parses a feed body fetched from `url`.
pub fn parse(
    body: &[u8],
    content_type: Option<&str>,
    url: &Url,
    screen: Screen<'_>,
) -> Result<Parsed, SourceError> {
    let body = to_parseable(body, content_type);
    let doc = dialect::normalise(&body).map_or(body, Cow::Owned);
    // The common case, plain RSS 2.0 or Atom 1.0, without feed-rs's model
    // (same items; anything unusual is left to feed-rs).
    if let Some(parsed) = fast::parse(&doc, url, screen) {
        return Ok(parsed);
    }
    parse_with_feed_rs(doc, url, screen)
}

/// The items feed-rs reads in `doc` (as `to_parseable` and `dialect` made it).
fn parse_with_feed_rs(
    doc: Cow<'_, [u8]>,
    url: &Url,
    screen: Screen<'_>,
) -> Result<Parsed, SourceError> {
    let (feed, doc) = read(doc, url)?;
    // issue #15: a feed whose items feed-rs could not see is an error on the
    // source, never an empty success.
    if feed.entries.is_empty() && dialect::holds_items(&doc) {
        return Err(SourceError::parse(
            "feed",
            "it has items (<item>, <entry> or JSON Feed \"items\") but none could be read; \
             check that it is RSS 0.9x, 1.0 or 2.0, Atom or JSON Feed",
        ));
    }
    let atom_dates = atom_dates(&feed, &doc);
    let names = authors::Names::new(&doc);
    let seen = feed.entries.len();
    let items = feed
        .entries
        .into_iter()
        .enumerate()
        .filter_map(|(i, mut e)| {
            if e.published.is_none() && e.updated.is_none() {
                e.updated = atom_dates.as_ref().and_then(|d| d[i]);
            }
            entry_to_item(e, url, &names, screen)
        })
        .collect();
    Ok(Parsed { items, seen })
}

/// feed-rs's reading of `doc`; a document it refuses is repaired and read
/// once more (see `dialect::repair`), and its first refusal is the error.
fn read<'a>(
    doc: Cow<'a, [u8]>,
    url: &Url,
) -> Result<(feed_rs::model::Feed, Cow<'a, [u8]>), SourceError> {
    let parser = || {
        feed_rs::parser::Builder::new()
            .base_uri(Some(url.as_str()))
            .timestamp_parser(dates::parse)
            .build()
    };
    let malformed = |e: &feed_rs::parser::ParseFeedError| SourceError::parse("feed", e.to_string());
    match parser().parse(doc.as_ref()) {
        Ok(feed) => Ok((feed, doc)),
        Err(e) => {
            let fixed = dialect::repair(&doc, &e).ok_or_else(|| malformed(&e))?;
            let feed = parser()
                .parse(fixed.as_slice())
                .map_err(|_| malformed(&e))?;
            Ok((feed, Cow::Owned(fixed)))
        }
    }
}

/// For an RSS feed with undated items: each item's Atom date, when the
/// document has one per item (.NET's `<a10:updated>`).
fn atom_dates(
    feed: &feed_rs::model::Feed,
    doc: &[u8],
) -> Option<Vec<Option<chrono::DateTime<chrono::Utc>>>> {
    use feed_rs::model::FeedType;
    let undated = feed
        .entries
        .iter()
        .any(|e| e.published.is_none() && e.updated.is_none());
    if !undated || !matches!(feed.feed_type, FeedType::RSS2 | FeedType::RSS0) {
        return None;
    }
    dialect::atom_dates_in_rss(doc).filter(|d| d.len() == feed.entries.len())
}

fn entry_to_item(
    e: feed_rs::model::Entry,
    feed_url: &Url,
    names: &authors::Names,
    screen: Screen<'_>,
) -> Option<Item> {
    let link = e
        .links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .or_else(|| e.links.first());
    to_item(
        Parts {
            id: &e.id,
            link: link.map(|l| l.href.as_str()),
            base: None,
            title: e.title.as_ref().map(|t| t.content.as_str()),
            content: e.content.as_ref().and_then(|c| c.body.as_deref()),
            summary: e.summary.as_ref().map(|s| s.content.as_str()),
            authors: &e.authors,
            published: e.published.or(e.updated),
        },
        feed_url,
        names,
        screen,
    )
}

/// What an item is made of, as feed-rs's `Entry` holds it: the one shape
/// both readers (feed-rs and `fast`) hand to [`to_item`], so they cannot
/// drift in how an entry becomes an item.
struct Parts<'a> {
    /// The entry's id, as feed-rs stores it (generated when the feed has none).
    id: &'a str,
    /// The href of the entry's alternate link (else its first), as feed-rs
    /// stores it (resolved against the feed URL), or as written when `base`
    /// is given.
    link: Option<&'a str>,
    /// The URL to resolve `link` against as feed-rs would have
    /// (`fast::href`): the fast path leaves that to the items it builds.
    base: Option<&'a Url>,
    title: Option<&'a str>,
    /// Content proper (`content:encoded`, Atom `content`).
    content: Option<&'a str>,
    /// The summary (RSS `description`, Atom `summary`).
    summary: Option<&'a str>,
    authors: &'a [feed_rs::model::Person],
    published: Option<chrono::DateTime<chrono::Utc>>,
}

/// The item `e` makes, unless `screen` turns it down on its title, content
/// and summary as written (then nothing of it is built).
fn to_item(
    e: Parts<'_>,
    feed_url: &Url,
    names: &authors::Names,
    screen: Screen<'_>,
) -> Option<Item> {
    let body = e
        .content
        .filter(|b| !b.trim().is_empty())
        .or(e.summary)
        .unwrap_or("");
    // Cut the raw HTML at a generous bound first so a hostile body costs little.
    let body = truncate(body, MAX_TEXT * 4);
    // The screen reads what the item's text is made of, no more.
    if !screen(&[e.title.unwrap_or_default(), &body]) {
        return None;
    }
    let link = e
        .link
        .map(|raw| match e.base {
            Some(base) => Cow::Owned(fast::href(raw, base)),
            None => Cow::Borrowed(raw),
        })
        .and_then(|href| resolve(feed_url, &href));
    let title = e
        .title
        .map(|t| truncate_owned(one_line(&html_to_text(t)), MAX_TITLE))
        .unwrap_or_default();
    let text = truncate_owned(html_to_text(&body), MAX_TEXT);
    let author = names
        .pick(e.authors)
        .map(|n| truncate(&n, 200).into_owned());
    let key = if e.id.trim().is_empty() {
        link.as_ref().map(Url::to_string).unwrap_or_default()
    } else {
        truncate(e.id.trim(), 1024).into_owned()
    };
    Some(Item {
        key,
        url: link,
        title,
        text,
        author,
        published: e.published,
        rating: None,
        page_link: None,
    })
}

/// Resolves `href` against the feed URL (feed-rs already applied `xml:base`) and
/// unwraps alert redirectors; only http(s) links are kept.
fn resolve(base: &Url, href: &str) -> Option<Url> {
    let href = href.trim();
    let u = Url::parse(href).or_else(|_| base.join(href)).ok()?;
    matches!(u.scheme(), "http" | "https").then(|| unwrap_redirect(&u))
}

/// Bytes feed-rs can read: left alone when the XML prolog names the encoding
/// and no BOM contradicts it (feed-rs decodes it), otherwise transcoded to
/// UTF-8 from the BOM, the HTTP charset, or — for bytes that are not UTF-8
/// at all — windows-1252.
fn to_parseable<'a>(body: &'a [u8], content_type: Option<&str>) -> Cow<'a, [u8]> {
    let bom = Encoding::for_bom(body).map(|(enc, _)| enc);
    // UTF-16 without a BOM shows as NULs beside its first `<`; a label that
    // says UTF-16 on other bytes is wrong (a prolog read as single bytes is
    // no UTF-16), and is not believed.
    let sniffed = utf16_without_bom(body);
    let believable =
        |enc: &&'static Encoding| (*enc != UTF_16LE && *enc != UTF_16BE) || sniffed.is_some();
    let declared = prolog_encoding(body);
    if let Some(enc) = declared.filter(|_| bom.is_none()).filter(believable) {
        if enc != UTF_8 {
            return Cow::Borrowed(body);
        }
    }
    let header = content_type
        .and_then(charset)
        .and_then(|c| Encoding::for_label(c.as_bytes()))
        .filter(believable);
    let enc = match (bom.or(sniffed), header) {
        (Some(bom), _) => bom,
        (None, Some(h)) => h,
        (None, None) if std::str::from_utf8(body).is_ok() => return utf8(body, declared),
        (None, None) => WINDOWS_1252,
    };
    if enc == UTF_8 && std::str::from_utf8(body).is_ok() {
        return utf8(body, declared);
    }
    let (text, _, _) = enc.decode(body);
    let mut text = text.into_owned().into_bytes();
    dialect::declare_utf8(&mut text);
    Cow::Owned(text)
}

/// A UTF-8 body as feed-rs reads it: without its BOM (serde_json, for JSON
/// Feed, refuses one), and with a declaration that names another encoding
/// (overridden by the BOM, or a false UTF-16) made UTF-8, so that quick-xml
/// does not decode it again as that.
fn utf8<'a>(body: &'a [u8], declared: Option<&'static Encoding>) -> Cow<'a, [u8]> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    if declared.is_none_or(|d| d == UTF_8) {
        return Cow::Borrowed(body);
    }
    let mut text = body.to_vec();
    dialect::declare_utf8(&mut text);
    Cow::Owned(text)
}

/// UTF-16 without a byte order mark: a `<` or whitespace character as its
/// first unit (XML 1.0 appendix F).
fn utf16_without_bom(body: &[u8]) -> Option<&'static Encoding> {
    let ascii = |c: u8| c == b'<' || c.is_ascii_whitespace();
    match body {
        [c, 0, ..] if ascii(*c) => Some(UTF_16LE),
        [0, c, ..] if ascii(*c) => Some(UTF_16BE),
        _ => None,
    }
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

    mod fast_differential;
    mod screen;

    /// Every item of a body (nothing screened out).
    fn parse(body: &[u8], content_type: Option<&str>, url: &Url) -> Result<Vec<Item>, SourceError> {
        super::parse(body, content_type, url, crate::sources::KEEP_ALL).map(|p| p.items)
    }

    #[test]
    fn header_charset_without_prolog_is_transcoded() {
        let body = b"<rss version=\"2.0\"><channel><title>t</title><item><title>Caf\xe9</title><guid>1</guid></item></channel></rss>";
        let url = Url::parse("http://127.0.0.1/f").unwrap();
        let items = parse(body, Some("application/rss+xml; charset=ISO-8859-1"), &url).unwrap();
        assert_eq!(items[0].title, "Café");
    }

    fn titles(body: &[u8], content_type: Option<&str>) -> Result<Vec<String>, String> {
        let url = Url::parse("http://127.0.0.1/f").unwrap();
        parse(body, content_type, &url)
            .map(|items| items.into_iter().map(|i| i.title).collect())
            .map_err(|e| e.to_string())
    }

    fn feed_declared(encoding: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"{encoding}\"?><rss version=\"2.0\"><channel>\
             <item><title>Caf\u{e9} N\u{f6}el</title><guid>1</guid></item></channel></rss>"
        )
    }

    /// Review of issue #15: a byte order mark names the encoding whatever
    /// the declaration says (XML 1.0 appendix F, as feedparser and browsers
    /// read it); a UTF-8 BOM before `encoding="ISO-8859-1"` gave "CafÃ©".
    #[test]
    fn issue15_a_bom_beats_the_declaration() {
        let body = [b"\xEF\xBB\xBF", feed_declared("ISO-8859-1").as_bytes()].concat();
        assert_eq!(titles(&body, None).unwrap(), ["Caf\u{e9} N\u{f6}el"]);
        // And the HTTP charset, as before.
        assert_eq!(
            titles(&body, Some("application/rss+xml; charset=ISO-8859-1")).unwrap(),
            ["Caf\u{e9} N\u{f6}el"]
        );
    }

    /// Review of issue #15: a label that says UTF-16 on bytes that plainly
    /// are not (the prolog reads as single bytes) made feed-rs decode them
    /// as UTF-16 and find "no root element"; UTF-16 without a BOM (the XML
    /// spec's `<` `NUL` sniffing) came out as windows-1252 junk.
    #[test]
    fn issue15_utf16_only_where_the_bytes_are_utf16() {
        let want = ["Caf\u{e9} N\u{f6}el"];
        let utf8 = feed_declared("UTF-16");
        assert_eq!(titles(utf8.as_bytes(), None).unwrap(), want);
        assert_eq!(
            titles(
                feed_declared("UTF-8").as_bytes(),
                Some("text/xml; charset=utf-16")
            )
            .unwrap(),
            want
        );
        let le: Vec<u8> = utf8.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = utf8.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(titles(&le, None).unwrap(), want);
        assert_eq!(titles(&be, None).unwrap(), want);
        assert_eq!(titles(&le, Some("text/xml; charset=utf-16")).unwrap(), want);
    }

    /// Review of issue #15: an empty feed is an error only when it plainly
    /// holds items; an `<item>` inside a comment or a CDATA section is text,
    /// and such a feed is empty, not misread.
    #[test]
    fn issue15_an_item_in_a_comment_or_cdata_is_no_item() {
        for body in [
            "<rss version=\"2.0\"><channel><title>t</title>\
             <!-- <item><title>template</title></item> --></channel></rss>",
            "<rss version=\"2.0\"><channel><title>t</title><description>\
             <![CDATA[use <entry> and <item >]]></description></channel></rss>",
        ] {
            assert_eq!(titles(body.as_bytes(), None), Ok(Vec::new()), "{body}");
        }
        let misread =
            "<rss version=\"2.0\"><channel><!-- x --><ITEM><title>x</title></ITEM></channel></rss>";
        assert!(titles(misread.as_bytes(), None).is_err());
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
