//! A fast path in front of feed-rs for the common case: a plain RSS 2.0 or
//! Atom 1.0 document.
//!
//! feed-rs builds every element it knows (categories, media objects, iTunes
//! data, re-serialised text) into its model, and that was ~30 % of a poll's
//! CPU. This reads the same document with the same streaming reader
//! (quick-xml, configured as feed-rs configures it) and the same rules as
//! feed-rs's RSS 2.0 and Atom parsers, but keeps only what `feed::to_item`
//! reads (id, link, title, content, summary, authors, dates) and skips the
//! rest without building it. It never guesses: on anything it is not sure
//! to read exactly as feed-rs does — a DOCTYPE, an encoding other than
//! UTF-8, another root or RSS version, `xml:base`, markup inside a field it
//! reads, a `type` feed-rs would refuse or treat specially, a syntax error,
//! a feed without items — it gives `None` and feed-rs reads the document.
//! The reader walks the markup; a field it keeps is taken whole, from its
//! start tag to its end tag, and decoded in one pass (escaped HTML is an
//! event per reference otherwise); text between elements is passed over
//! unread, the document having been checked as UTF-8 once. No I/O, no
//! panics on any input; nothing it reads is decided differently from
//! feed-rs (a differential test, in `feed.rs`'s tests, holds the two to the
//! same items; `content_text` is held to the reader's own events).

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use feed_rs::model::{Link, Person, Text};
use memchr::memmem;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;
use url::Url;

use super::authors::Names;
use super::{dates, dialect, to_item, Parts};
use crate::sources::{Parsed, Screen};

/// The items of `doc` (as feed-rs would be handed it, fetched from `url`),
/// or `None` when feed-rs must read it.
pub fn parse(doc: &[u8], url: &Url, screen: Screen<'_>) -> Option<Parsed> {
    let entries = read(doc, url)?;
    let names = Names::new(doc);
    let items = entries
        .iter()
        .filter_map(|e| {
            to_item(
                Parts {
                    id: &e.id,
                    link: e.alternate.as_deref().or(e.first_link.as_deref()),
                    base: Some(url),
                    title: e.title.as_deref(),
                    content: e.content.as_deref(),
                    summary: e.summary.as_deref(),
                    authors: &e.authors,
                    published: e.published.or(e.updated),
                },
                url,
                &names,
                screen,
            )
        })
        .collect();
    Some(Parsed {
        items,
        seen: entries.len(),
    })
}

/// One entry as feed-rs would hold it, only the fields `to_item` reads.
/// Its text is borrowed from the document wherever the document holds it
/// as is (no reference inside it): most items are ruled out by the screen
/// on that text alone, so it is never copied.
#[derive(Default)]
struct Entry<'i> {
    id: String,
    /// The first link's href, and the first `rel="alternate"` one's (RSS
    /// links have no rel: the first is both), as written: resolved
    /// ([`href`]) only for an item that is built.
    first_link: Option<Cow<'i, str>>,
    alternate: Option<Cow<'i, str>>,
    title: Option<Cow<'i, str>>,
    content: Option<Cow<'i, str>>,
    summary: Option<Cow<'i, str>>,
    authors: Vec<Person>,
    published: Option<DateTime<Utc>>,
    updated: Option<DateTime<Utc>>,
}

impl<'i> Entry<'i> {
    fn push_link(&mut self, href: Cow<'i, str>, alternate: bool) {
        if alternate && self.alternate.is_none() {
            self.alternate = Some(href.clone());
        }
        if self.first_link.is_none() {
            self.first_link = Some(href);
        }
    }
}

/// The namespaces feed-rs tells apart (`feed_rs::xml::NS`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Ns {
    Atom,
    Rss,
    Unknown,
    Content,
    DublinCore,
    MediaRss,
    Itunes,
}

impl Ns {
    fn parse(uri: &[u8]) -> Ns {
        match uri {
            b"http://purl.org/rss/1.0/" => Ns::Rss,
            b"http://www.w3.org/2005/Atom" => Ns::Atom,
            b"http://purl.org/rss/1.0/modules/content/" => Ns::Content,
            b"http://purl.org/dc/elements/1.1/" => Ns::DublinCore,
            b"http://search.yahoo.com/mrss/" => Ns::MediaRss,
            b"http://www.itunes.com/dtds/podcast-1.0.dtd" => Ns::Itunes,
            _ => Ns::Unknown,
        }
    }
}

/// A piece of markup as the fast path walks it: text between elements is
/// passed over (a field's text is read whole, [`Events::text`]); comments
/// and processing instructions are dropped.
enum Tok<'i> {
    Start(Ns, BytesStart<'i>),
    End,
    Eof,
}

/// Appends a piece of text to the run being coalesced.
fn append<'i>(text: &mut Option<Cow<'i, str>>, piece: Cow<'i, str>) {
    match text {
        None => *text = Some(piece),
        Some(t) => t.to_mut().push_str(&piece),
    }
}

/// `t` without whitespace at either end, still borrowed if it was.
fn trimmed(t: Cow<'_, str>) -> Cow<'_, str> {
    match t {
        Cow::Borrowed(b) => Cow::Borrowed(b.trim()),
        Cow::Owned(o) if o.trim().len() == o.len() => Cow::Owned(o),
        Cow::Owned(o) => Cow::Owned(o.trim().to_string()),
    }
}

/// Appends what the reference `&name;` stands for, as feed-rs reads it: a
/// character reference's character, a predefined entity's text, any other
/// entity as written (there is no DTD); `None` on a character reference
/// quick-xml refuses.
fn push_reference(out: &mut String, name: &str) -> Option<()> {
    if name.starts_with('#') {
        let c = quick_xml::events::BytesRef::new(name)
            .resolve_char_ref()
            .ok()??;
        out.push(c);
        return Some(());
    }
    match quick_xml::escape::resolve_predefined_entity(name) {
        Some(resolved) => out.push_str(resolved),
        None => {
            out.push('&');
            out.push_str(name);
            out.push(';');
        }
    }
    Some(())
}

/// The text an element's content `raw` (as the document writes it, between
/// its start and end tags) stands for, as the reader's events would give it
/// coalesced: text and CDATA as written, references resolved
/// ([`push_reference`]), comments and processing instructions dropped;
/// `Some(None)` when there is none. Gives up (`None`) on markup inside and
/// on what the reader would refuse.
fn content_text(raw: &str) -> Option<Option<Cow<'_, str>>> {
    if raw.is_empty() {
        return Some(None);
    }
    if !raw.contains('<') {
        return unescape(raw).map(Some);
    }
    // One CDATA section and nothing else, as most RSS descriptions are.
    if let Some(inner) = raw
        .strip_prefix("<![CDATA[")
        .and_then(|r| r.strip_suffix("]]>"))
        .filter(|inner| !inner.contains("]]>"))
    {
        return Some((!inner.is_empty()).then_some(Cow::Borrowed(inner)));
    }
    // CDATA, comments or markup: read the content on its own. A BOM at its
    // start would be taken for the document's: it is text here.
    let mut text: Option<Cow<'_, str>> = None;
    let rest = match raw.strip_prefix('\u{FEFF}') {
        Some(rest) => {
            text = Some(Cow::Borrowed(&raw[..raw.len() - rest.len()]));
            rest
        }
        None => raw,
    };
    let mut reader = quick_xml::Reader::from_str(rest);
    reader.config_mut().expand_empty_elements = true;
    loop {
        let piece = match reader.read_event().ok()? {
            Event::Text(t) => t.into_inner(),
            Event::CData(t) => t.into_inner(),
            Event::GeneralRef(r) => {
                let name = std::str::from_utf8(&r).ok()?;
                let buffer = text
                    .get_or_insert_with(|| Cow::Owned(String::new()))
                    .to_mut();
                push_reference(buffer, name)?;
                continue;
            }
            Event::Comment(_) | Event::PI(_) => continue,
            Event::Eof => return Some(text),
            _ => return None,
        };
        if !piece.is_empty() {
            append(&mut text, utf8(piece)?);
        }
    }
}

/// `raw` text (no markup in it) with its references resolved
/// ([`push_reference`]), borrowed when it has none; `None` on a reference
/// the reader refuses (an `&` without its `;`).
fn unescape(raw: &str) -> Option<Cow<'_, str>> {
    let Some(first) = memchr::memchr(b'&', raw.as_bytes()) else {
        return Some(Cow::Borrowed(raw));
    };
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    let mut amp = first;
    loop {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        // The references escaped HTML is made of, at once; any other as
        // quick-xml reads a reference: up to its `;`, before any other `&`
        // or `<`.
        let b = after.as_bytes();
        let common = match b.get(..3) {
            Some(b"lt;") => Some(('<', 3)),
            Some(b"gt;") => Some(('>', 3)),
            _ if b.starts_with(b"amp;") => Some(('&', 4)),
            _ if b.starts_with(b"quot;") => Some(('"', 5)),
            _ => None,
        };
        if let Some((c, len)) = common {
            out.push(c);
            rest = &after[len..];
        } else {
            let end = memchr::memchr3(b';', b'&', b'<', b)?;
            if b[end] != b';' {
                return None;
            }
            push_reference(&mut out, &after[..end])?;
            rest = &after[end + 1..];
        }
        match memchr::memchr(b'&', rest.as_bytes()) {
            Some(next) => amp = next,
            None => {
                out.push_str(rest);
                return Some(Cow::Owned(out));
            }
        }
    }
}

/// Text as it came from the reader (borrowed from the document when it
/// could be), if it is UTF-8.
fn utf8(bytes: Cow<'_, [u8]>) -> Option<Cow<'_, str>> {
    match bytes {
        Cow::Borrowed(b) => std::str::from_utf8(b).ok().map(Cow::Borrowed),
        Cow::Owned(v) => String::from_utf8(v).ok().map(Cow::Owned),
    }
}

struct Events<'i> {
    reader: NsReader<&'i [u8]>,
    /// The whole document, known to be UTF-8: the text the reader hands
    /// back is a slice of it.
    doc: &'i str,
    /// The namespace of elements in none (the document's kind's).
    default: Ns,
    /// Elements open; past [`MAX_DEPTH`] the document is left to feed-rs
    /// (quick-xml counts nesting in a `u16`).
    depth: usize,
}

/// Deeper documents are no plain feed.
const MAX_DEPTH: usize = 256;

impl<'i> Events<'i> {
    fn new(doc: &'i str) -> Self {
        let mut reader = NsReader::from_reader(doc.as_bytes());
        let config = reader.config_mut();
        config.expand_empty_elements = true;
        config.trim_markup_names_in_closing_tags = true;
        config.trim_text(false);
        Events {
            reader,
            doc,
            default: Ns::Unknown,
            depth: 0,
        }
    }

    /// The next element start or end, or the end of the document; `None` to
    /// give up (a syntax error, a DOCTYPE, an encoding other than UTF-8).
    /// Text between elements is passed over unread: the document is UTF-8,
    /// and its references are checked as they would be read.
    fn next(&mut self) -> Option<Tok<'i>> {
        loop {
            let (ns, event) = self.reader.read_resolved_event().ok()?;
            return Some(match event {
                Event::Start(e) => {
                    self.depth += 1;
                    if self.depth > MAX_DEPTH {
                        return None;
                    }
                    let ns = match ns {
                        ResolveResult::Bound(ns) => Ns::parse(ns.as_ref()),
                        ResolveResult::Unbound | ResolveResult::Unknown(_) => self.default,
                    };
                    Tok::Start(ns, e)
                }
                Event::End(_) => {
                    self.depth = self.depth.saturating_sub(1);
                    Tok::End
                }
                Event::Eof => Tok::Eof,
                Event::Text(_) | Event::CData(_) | Event::Comment(_) | Event::PI(_) => continue,
                Event::GeneralRef(r) => {
                    if r.starts_with(b"#") {
                        r.resolve_char_ref().ok()?;
                    }
                    continue;
                }
                Event::Decl(d) => {
                    if let Some(enc) = d.encoding() {
                        let enc = enc.ok()?;
                        let enc = encoding_rs::Encoding::for_label(&enc)?;
                        if enc != encoding_rs::UTF_8 {
                            return None;
                        }
                    }
                    continue;
                }
                Event::DocType(_) | Event::Empty(_) => return None,
            });
        }
    }

    /// `bytes` the reader handed back, as the slice of the document they
    /// are (checked again only if they are not one).
    fn str(&self, bytes: Cow<'i, [u8]>) -> Option<Cow<'i, str>> {
        if let Cow::Borrowed(b) = bytes {
            let at = (b.as_ptr() as usize).wrapping_sub(self.doc.as_ptr() as usize);
            if let Some(s) = self.doc.get(at..at.wrapping_add(b.len())) {
                if s.as_ptr() == b.as_ptr() {
                    return Some(Cow::Borrowed(s));
                }
            }
        }
        utf8(bytes)
    }

    /// The next element start among the current element's children, after
    /// checking it: `Ok(None)` at the current element's end.
    fn child(&mut self) -> Option<Option<(Ns, BytesStart<'i>)>> {
        match self.next()? {
            Tok::Start(ns, e) => {
                check(ns, &e)?;
                Some(Some((ns, e)))
            }
            Tok::End => Some(None),
            Tok::Eof => None,
        }
    }

    /// Skips the rest of the element just started, checking every element
    /// in it.
    fn skip(&mut self) -> Option<()> {
        let mut depth = 1usize;
        loop {
            match self.next()? {
                Tok::Start(ns, e) => {
                    check(ns, &e)?;
                    depth += 1;
                }
                Tok::End => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(());
                    }
                }
                Tok::Eof => return None,
            }
        }
    }

    /// The text of the element `start` just started, as feed-rs's
    /// `child_as_text` gives it (`None` when it has none); gives up on
    /// markup inside it. Its content is taken whole from the document
    /// ([`content_text`]): one scan to its end tag rather than an event per
    /// piece of text and per reference.
    fn text(&mut self, start: &BytesStart<'_>) -> Option<Option<Cow<'i, str>>> {
        let raw = self.reader.read_text(start.name()).ok()?.into_inner();
        self.depth = self.depth.saturating_sub(1);
        match self.str(raw)? {
            Cow::Borrowed(raw) => content_text(raw),
            Cow::Owned(raw) => content_text(&raw).map(|t| t.map(|t| Cow::Owned(t.into_owned()))),
        }
    }

    /// The element's content as feed-rs's `children_as_string` gives it
    /// for an element without markup inside; gives up on markup.
    fn string(&mut self, start: &BytesStart<'_>) -> Option<Cow<'i, str>> {
        Some(self.text(start)?.unwrap_or_default())
    }
}

/// Gives up on an element feed-rs would refuse or treat specially: a `type`
/// its text constructs do not take (feed-rs refuses the feed, or `dialect`
/// repairs it), XHTML (re-serialised markup), Atom content by reference.
fn check(ns: Ns, e: &BytesStart<'_>) -> Option<()> {
    let local = local(e);
    let allowed: &[&[u8]] = match (ns, local) {
        (Ns::Atom, b"title" | b"subtitle" | b"rights" | b"summary" | b"content") => {
            if local == b"content" && attr(e, b"src")?.is_some() {
                return None;
            }
            &[b"text", b"html", b"text/html"]
        }
        (Ns::MediaRss, b"title" | b"description") => &[b"plain", b"html"],
        (Ns::Itunes, b"title" | b"summary") => &[b"text", b"html", b"text/html"],
        _ => return Some(()),
    };
    match attr(e, b"type")? {
        Some(t) if !allowed.contains(&t.as_bytes()) => None,
        _ => Some(()),
    }
}

/// An element's name without its prefix, as feed-rs's `parse_name` takes
/// it: after the last `:` (quick-xml's `local_name` cuts at the first).
fn local<'a>(e: &'a BytesStart<'_>) -> &'a [u8] {
    let name = e.name().into_inner();
    name.rsplit(|c| *c == b':').next().unwrap_or(name)
}

/// The value of attribute `name`, unescaped as feed-rs does; `None` to give
/// up on an attribute that does not parse.
fn attr<'e>(e: &'e BytesStart<'_>, name: &[u8]) -> Option<Option<Cow<'e, str>>> {
    let mut found = None;
    for a in e.attributes() {
        let a = a.ok()?;
        if a.key.as_ref() == name && found.is_none() {
            found = Some(match a.value {
                Cow::Borrowed(raw) => {
                    let raw = std::str::from_utf8(raw).ok()?;
                    quick_xml::escape::unescape(raw).unwrap_or(Cow::Borrowed(raw))
                }
                Cow::Owned(raw) => {
                    let raw = String::from_utf8(raw).ok()?;
                    match quick_xml::escape::unescape(&raw) {
                        Ok(Cow::Owned(value)) => Cow::Owned(value),
                        _ => Cow::Owned(raw),
                    }
                }
            });
        }
    }
    Some(found)
}

/// The entries of a plain RSS 2.0 or Atom 1.0 document, with ids filled in
/// as feed-rs fills them; `None` to leave the document to feed-rs.
fn read<'i>(doc: &'i [u8], url: &Url) -> Option<Vec<Entry<'i>>> {
    // feed-rs resolves links against `xml:base` (and may fail on it).
    let first = doc.iter().find(|c| !c.is_ascii_whitespace());
    if first != Some(&b'<') || memmem::find(doc, b"xml:base").is_some() {
        return None;
    }
    // Checked once here, the text the reader hands back is taken as the
    // slice of the document it is (`Events::str`).
    let mut events = Events::new(std::str::from_utf8(doc).ok()?);
    let root = match events.next()? {
        Tok::Start(_, e) => e,
        Tok::End | Tok::Eof => return None,
    };
    let mut entries = match local(&root) {
        b"rss" if attr(&root, b"version")?.as_deref() == Some("2.0") => {
            events.default = Ns::Rss;
            let mut entries = rss(&mut events)?;
            rss_atom_dates(doc, &mut entries);
            entries
        }
        b"feed" => {
            events.default = Ns::Atom;
            atom(&mut events)?
        }
        _ => return None,
    };
    if entries.is_empty() {
        return None;
    }
    for e in &mut entries {
        if e.id.is_empty() {
            e.id = generated_id(e, url)?;
        }
    }
    Some(entries)
}

/// feed-rs's id for an entry without one (`feed_rs::parser::generate_id`),
/// or `None` where it would be random.
fn generated_id(e: &Entry, url: &Url) -> Option<String> {
    let links: Vec<Link> = e
        .first_link
        .iter()
        .map(|raw| Link {
            href: href(raw, url),
            rel: None,
            media_type: None,
            href_lang: None,
            title: None,
            length: None,
        })
        .collect();
    let title = e.title.as_ref().map(|t| Text {
        content_type: mediatype::MediaTypeBuf::new(mediatype::names::TEXT, mediatype::names::PLAIN),
        src: None,
        content: t.clone().into_owned(),
    });
    if links.is_empty() && title.is_none() {
        return None;
    }
    Some(feed_rs::parser::generate_id(
        &links,
        &title,
        Some(url.as_str()),
    ))
}

/// A link's href as feed-rs stores it (`Link::new`): resolved against the
/// feed URL (no `xml:base` here), trimmed.
pub(super) fn href(raw: &str, url: &Url) -> String {
    let resolved = match Url::parse(raw) {
        Ok(u) => Some(u),
        Err(url::ParseError::RelativeUrlWithoutBase) => url.join(raw).ok(),
        Err(_) => None,
    };
    match resolved {
        Some(u) => u.to_string().trim().to_string(),
        None => raw.trim().to_string(),
    }
}

/// `<rss version="2.0">`: the items of its first `<channel>`, as feed-rs's
/// `rss2` parser reads them.
fn rss<'i>(events: &mut Events<'i>) -> Option<Vec<Entry<'i>>> {
    loop {
        let (_, e) = events.child()??;
        if local(&e) == b"channel" {
            break;
        }
        events.skip()?;
    }
    let mut entries = Vec::new();
    while let Some((ns, e)) = events.child()? {
        if ns == Ns::Rss && local(&e) == b"item" {
            entries.push(rss_item(events)?);
        } else {
            events.skip()?;
        }
    }
    Some(entries)
}

fn rss_item<'i>(events: &mut Events<'i>) -> Option<Entry<'i>> {
    let mut entry = Entry::default();
    while let Some((ns, e)) = events.child()? {
        match (ns, local(&e)) {
            (Ns::Rss, b"title") => entry.title = Some(trimmed(events.string(&e)?)),
            (Ns::Rss, b"link") => {
                if let Some(t) = events.text(&e)? {
                    entry.push_link(t, true);
                }
            }
            (Ns::Rss, b"description") => {
                entry.summary = Some(trimmed(events.string(&e)?));
            }
            (Ns::Rss, b"author") => {
                if let Some(t) = events.text(&e)? {
                    entry.authors.push(Person {
                        name: "author".to_string(),
                        uri: None,
                        email: Some(t.into_owned()),
                    });
                }
            }
            (Ns::Rss, b"guid") => {
                if let Some(t) = events.text(&e)? {
                    entry.id = t.trim().to_string();
                }
            }
            (Ns::Rss, b"pubDate") | (Ns::DublinCore, b"date") => {
                entry.published = events.text(&e)?.as_deref().and_then(dates::parse);
            }
            (Ns::Content, b"encoded") => {
                let s = events.string(&e)?;
                entry.content = (!s.is_empty()).then_some(s);
            }
            (Ns::DublinCore, b"creator") => entry.authors.push(Person {
                name: events.string(&e)?.trim().to_string(),
                uri: None,
                email: None,
            }),
            _ => events.skip()?,
        }
    }
    // feed-rs copies an RSS item's date to `updated`.
    entry.updated = entry.published;
    Some(entry)
}

/// .NET's `<a10:updated>` on undated RSS items, as `feed::atom_dates` adds.
fn rss_atom_dates(doc: &[u8], entries: &mut [Entry]) {
    let undated = entries
        .iter()
        .any(|e| e.published.is_none() && e.updated.is_none());
    if !undated {
        return;
    }
    let Some(found) = dialect::atom_dates_in_rss(doc).filter(|d| d.len() == entries.len()) else {
        return;
    };
    for (e, date) in entries.iter_mut().zip(found) {
        if e.published.is_none() && e.updated.is_none() {
            e.updated = date;
        }
    }
}

/// `<feed>`: its entries, as feed-rs's `atom` parser reads them.
fn atom<'i>(events: &mut Events<'i>) -> Option<Vec<Entry<'i>>> {
    let mut entries = Vec::new();
    while let Some((ns, e)) = events.child()? {
        if ns == Ns::Atom && local(&e) == b"entry" {
            entries.push(atom_entry(events)?);
        } else {
            events.skip()?;
        }
    }
    Some(entries)
}

fn atom_entry<'i>(events: &mut Events<'i>) -> Option<Entry<'i>> {
    let mut entry = Entry::default();
    while let Some((ns, e)) = events.child()? {
        if ns != Ns::Atom {
            events.skip()?;
            continue;
        }
        match local(&e) {
            b"id" => {
                if let Some(t) = events.text(&e)? {
                    entry.id = t.into_owned();
                }
            }
            b"title" => entry.title = Some(trimmed(events.string(&e)?)),
            b"updated" => {
                if let Some(t) = events.text(&e)? {
                    entry.updated = dates::parse(&t);
                }
            }
            b"published" | b"pubDate" => {
                if let Some(t) = events.text(&e)? {
                    entry.published = dates::parse(&t);
                }
            }
            b"author" => entry.authors.push(person(events)?),
            // `check` let through only text, html and no type.
            b"content" => entry.content = Some(trimmed(events.string(&e)?)),
            b"summary" => entry.summary = Some(trimmed(events.string(&e)?)),
            b"link" => {
                let found = attr(&e, b"href")?;
                let rel = attr(&e, b"rel")?;
                events.skip()?;
                if let Some(raw) = found {
                    let alternate = rel.as_deref().is_none_or(|r| r == "alternate");
                    entry.push_link(Cow::Owned(raw.into_owned()), alternate);
                }
            }
            _ => events.skip()?,
        }
    }
    Some(entry)
}

/// An Atom person as feed-rs's `handle_person` reads it: `unknown` until a
/// `<name>` (in any namespace) has text.
fn person(events: &mut Events<'_>) -> Option<Person> {
    let mut p = Person {
        name: "unknown".to_string(),
        uri: None,
        email: None,
    };
    while let Some((_, e)) = events.child()? {
        match local(&e) {
            b"name" => {
                if let Some(name) = events.text(&e)? {
                    p.name = name.into_owned();
                }
            }
            b"email" => p.email = events.text(&e)?.map(Cow::into_owned),
            _ => events.skip()?,
        }
    }
    Some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A field's content as the reader's events give it, one by one: the
    /// reading [`content_text`] shortens.
    fn by_events(raw: &str) -> Option<Option<String>> {
        let doc = format!("<t>{raw}</t>");
        let mut reader = quick_xml::Reader::from_str(&doc);
        reader.config_mut().expand_empty_elements = true;
        let mut text: Option<String> = None;
        let mut depth = 0;
        loop {
            match reader.read_event().ok()? {
                Event::Start(_) if depth == 0 => depth = 1,
                Event::End(_) => return Some(text),
                Event::Text(t) => text
                    .get_or_insert_default()
                    .push_str(std::str::from_utf8(&t).ok()?),
                Event::CData(t) => text
                    .get_or_insert_default()
                    .push_str(std::str::from_utf8(&t).ok()?),
                Event::GeneralRef(r) => {
                    push_reference(text.get_or_insert_default(), std::str::from_utf8(&r).ok()?)?;
                }
                Event::Comment(_) | Event::PI(_) => {}
                _ => return None,
            }
        }
    }

    #[test]
    fn issue15_content_text_reads_as_the_events_do() {
        let pieces = [
            "&lt;",
            "&gt;",
            "&amp;",
            "&quot;",
            "&apos;",
            "&#65;",
            "&#x42;",
            "&#0;",
            "&#xD800;",
            "&nbsp;",
            "&eacute;",
            "&",
            ";",
            "&lt",
            "&amp",
            "&;",
            "a",
            "é",
            " ",
            "\n",
            "]]>",
            "<![CDATA[x]]>",
            "<![CDATA[&lt;]]>",
            "<!--c-->",
            "<?p i?>",
            "<b>",
            "</b>",
            "<br/>",
            "\u{FEFF}",
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let (mut read, mut refused) = (0, 0);
        for _ in 0..20_000 {
            let mut raw = String::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            for k in 0..seed % 7 {
                raw.push_str(pieces[((seed >> (8 * k)) % pieces.len() as u64) as usize]);
            }
            // Only content that is well formed on its own can be a field's.
            let doc = format!("<t>{raw}</t>");
            let mut reader = quick_xml::Reader::from_str(&doc);
            let whole = matches!(reader.read_event(), Ok(Event::Start(_)))
                && reader.read_to_end(quick_xml::name::QName(b"t")).is_ok();
            if !whole {
                continue;
            }
            let expected = by_events(&raw);
            let got = content_text(&raw).map(|t| t.map(Cow::into_owned));
            if expected.is_some() {
                read += 1;
            } else {
                refused += 1;
            }
            assert_eq!(got, expected, "{raw:?}");
        }
        assert!(
            read > 5_000 && refused > 1_000,
            "{read} read, {refused} refused"
        );
    }
}
