//! Feed dialects feed-rs refuses, rewritten in front of it into ones it reads.
//!
//! feed-rs 2.4 stays the parser of record; each function here works around
//! one of its behaviours, named in its comment, with a cheap byte-level edit
//! of the document (or, for JSON Feed, of its JSON values), so that each is
//! small enough to propose upstream as it stands. Only the root tag is looked
//! at on every poll; a pass over the whole document runs only for Atom 0.3
//! or after feed-rs refused the document. Nothing here does I/O, and every
//! pass is linear in the document: one scan of its tags, no backtracking.
//! It never changes what an item says, only the names, namespaces and
//! attributes feed-rs trips over.

use std::collections::HashSet;
use std::ops::Range;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use chrono::{DateTime, Utc};
use memchr::{memchr, memmem};
use serde_json::{Map, Value};

use super::dates;

/// The namespace feed-rs reads RSS 0.9x/1.0/2.0 elements in (`NS::RSS`).
const RSS_NS: &[u8] = b"http://purl.org/rss/1.0/";
const ATOM_NS: &[u8] = b"http://www.w3.org/2005/Atom";
const ATOM03_NS: &[u8] = b"http://purl.org/atom/ns#";
/// How far [`holds_items`] looks for an item.
const ITEMS_WITHIN: usize = 64 * 1024;

/// The document with its root repaired, or `None` when feed-rs reads it as
/// it is. Repairs, each for a feed-rs behaviour:
/// - `<rss>` without `version`, or with one other than `2.0`/`0.91`/`0.92`
///   (`0.93`, `0.94`, `2`, `2.00`): feed-rs finds "no root element"; the
///   version becomes `2.0` (0.9x is read as 2.0 by feed-rs anyway).
/// - a default namespace on `<rss>` (`http://backend.userland.com/rss2`) or
///   on `<rdf:RDF>` (RSS 0.90's `http://my.netscape.com/rdf/simple/0.9/`):
///   feed-rs reads only elements in the RSS 1.0 namespace (or none), so it
///   finds 0 items; the default namespace becomes RSS 1.0's.
/// - Atom 0.3 (`http://purl.org/atom/ns#` or `version="0.3"`): see [`rewrite`].
pub fn normalise(doc: &[u8]) -> Option<Vec<u8>> {
    if doc.iter().find(|c| !c.is_ascii_whitespace()) == Some(&b'{') {
        return None;
    }
    let root = Tags::new(doc).find(|t| !t.closing)?;
    let mut edits = Splice::new(doc);
    match root.local(doc) {
        b"rss" => {
            match root.attr(doc, b"version") {
                Some(v) if matches!(&doc[v.clone()], b"2.0" | b"0.91" | b"0.92") => {}
                Some(v) => edits.put(v, b"2.0"),
                None => edits.put(root.name.end..root.name.end, b" version=\"2.0\""),
            }
            default_namespace_to_rss(doc, &root, &mut edits);
        }
        b"RDF" => default_namespace_to_rss(doc, &root, &mut edits),
        b"feed" | b"entry" if is_atom03(doc, &root) => return Some(rewrite(doc, true)),
        _ => {}
    }
    edits.changed().then(|| edits.finish())
}

fn default_namespace_to_rss(doc: &[u8], root: &Tag, edits: &mut Splice) {
    if let Some(ns) = root.attr(doc, b"xmlns") {
        if &doc[ns.clone()] != RSS_NS {
            edits.put(ns, RSS_NS);
        }
    }
}

fn is_atom03(doc: &[u8], root: &Tag) -> bool {
    root.attrs(doc).any(|(k, v)| {
        let (k, v) = (&doc[k], &doc[v]);
        (k.starts_with(b"xmlns") && v == ATOM03_NS) || (k == b"version" && v.starts_with(b"0."))
    })
}

/// The document repaired after feed-rs refused it with `error`, or `None`
/// when no repair applies.
pub fn repair(doc: &[u8], error: &feed_rs::parser::ParseFeedError) -> Option<Vec<u8>> {
    use feed_rs::parser::{ParseErrorKind, ParseFeedError};
    match error {
        // feed-rs refuses the whole feed for one `type` attribute it does not
        // know on a text construct (`<summary type="text/plain">`,
        // `<media:description type="text/html">`).
        ParseFeedError::ParseError(ParseErrorKind::UnknownMimeType(_)) => Some(rewrite(doc, false)),
        ParseFeedError::JsonSerde(_) | ParseFeedError::JsonUnsupportedVersion(_) => json(doc),
        _ => None,
    }
}

/// One pass over every tag: `type` attributes of text constructs made ones
/// feed-rs knows (Atom's `text`/`html`/`xhtml`, Media RSS's `plain`/`html`);
/// for Atom 0.3 also its namespace made Atom 1.0's, its elements renamed to
/// Atom 1.0's (`issued` → `published`, `modified` → `updated`, `created` →
/// `published` when there is no `issued`, `tagline` → `subtitle`,
/// `copyright` → `rights`) and `mode="base64"` content decoded (feed-rs
/// knows neither the names nor `mode`).
pub fn rewrite(doc: &[u8], atom03: bool) -> Vec<u8> {
    let has_issued = atom03 && memmem::find(doc, b"issued>").is_some();
    let mut edits = Splice::new(doc);
    let mut tags = Tags::new(doc);
    while let Some(tag) = tags.next() {
        let local = tag.local(doc);
        if atom03 {
            let renamed: Option<&[u8]> = match local {
                b"issued" => Some(b"published"),
                b"modified" => Some(b"updated"),
                b"created" if !has_issued => Some(b"published"),
                b"tagline" => Some(b"subtitle"),
                b"copyright" => Some(b"rights"),
                _ => None,
            };
            if let Some(to) = renamed {
                edits.put(tag.name.end - local.len()..tag.name.end, to);
            }
        }
        if tag.closing {
            continue;
        }
        let mut attr_edits: Vec<(Range<usize>, &[u8])> = Vec::new();
        let mut base64 = false;
        for (k, v) in tag.attrs(doc) {
            let (key, value) = (&doc[k], &doc[v.clone()]);
            if atom03 && key.starts_with(b"xmlns") && value == ATOM03_NS {
                attr_edits.push((v, ATOM_NS));
            } else if key == b"type" {
                if let Some(to) = text_type(tag.prefix(doc), local, value) {
                    attr_edits.push((v, to));
                }
            } else if atom03 && key == b"mode" && value.eq_ignore_ascii_case(b"base64") {
                base64 = true;
                attr_edits.push((v, b"escaped"));
            }
        }
        for (range, to) in attr_edits {
            edits.put(range, to);
        }
        if base64 {
            let name = &doc[tag.name.clone()];
            // Base64 holds no markup: the element closes at the next tag.
            let close = tags
                .clone()
                .next()
                .filter(|t| t.closing && &doc[t.name.clone()] == name);
            if let Some(close) = close {
                edits.put(
                    tag.end..close.at,
                    &escape(&decode_base64(&doc[tag.end..close.at])),
                );
            }
        }
    }
    edits.finish()
}

/// The `type` feed-rs accepts for a text construct written with `value`, or
/// `None` to leave it. feed-rs's Atom text constructs take `text`, `html`,
/// `xhtml` and `text/html`; its Media RSS ones `plain` and `html`; Atom
/// `content` also takes any MIME type.
fn text_type(prefix: &[u8], local: &[u8], value: &[u8]) -> Option<&'static [u8]> {
    let v = String::from_utf8_lossy(value).trim().to_ascii_lowercase();
    let media = prefix == b"media";
    let wanted: &'static [u8] = match (media, local) {
        (true, b"title" | b"description" | b"text") => match v.as_str() {
            v if v.contains("html") => b"html",
            _ => b"plain",
        },
        (
            false,
            b"title" | b"summary" | b"subtitle" | b"rights" | b"tagline" | b"copyright" | b"info"
            | b"content",
        ) => match v.as_str() {
            "text" => b"text",
            "html" | "text/html" => b"html",
            // feed-rs sends XML content back through its text-construct
            // reader, which refuses the MIME type it was given.
            v if v.contains("xhtml") || v.ends_with("+xml") || v.ends_with("/xml") => b"xhtml",
            v if v.contains("html") => b"html",
            // Content of another MIME type is read as that type.
            v if local == b"content" && v.contains('/') && !v.starts_with("text/") => return None,
            _ => b"text",
        },
        _ => return None,
    };
    (wanted != value).then_some(wanted)
}

fn decode_base64(text: &[u8]) -> Vec<u8> {
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    let compact: Vec<u8> = text
        .iter()
        .copied()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    // Undecodable base64 is kept as it was: a reader shows something.
    LENIENT.decode(&compact).unwrap_or(compact)
}

/// Text for inside an element: `&`, `<`, `>` escaped; invalid UTF-8 replaced.
fn escape(bytes: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = Vec::with_capacity(text.len());
    for c in text.bytes() {
        match c {
            b'&' => out.extend_from_slice(b"&amp;"),
            b'<' => out.extend_from_slice(b"&lt;"),
            b'>' => out.extend_from_slice(b"&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// A JSON Feed made one feed-rs reads: the `http://` version URL (feed-rs
/// wants `https://jsonfeed.org/version/1`), a string where a list of `tags`
/// belongs, numbers where strings belong (`id`), an author given as a string,
/// a missing feed `title`; values of other types are dropped. Items that are
/// no objects are dropped; the rest keep everything feed-rs reads.
fn json(doc: &[u8]) -> Option<Vec<u8>> {
    let mut feed: Map<String, Value> = serde_json::from_slice(doc).ok()?;
    let version = feed.get("version").and_then(Value::as_str).unwrap_or("");
    if !version.contains("jsonfeed.org/version/1") {
        return None;
    }
    let version = format!(
        "https://jsonfeed.org/version/{}",
        version.rsplit("version/").next()?
    );
    feed.insert("version".into(), version.into());
    let title = feed.get("title").map(as_text).unwrap_or_default();
    feed.insert("title".into(), title.into());
    strings(
        &mut feed,
        &[
            "home_page_url",
            "feed_url",
            "language",
            "description",
            "icon",
            "favicon",
        ],
    );
    people(&mut feed);
    let items = match feed.get_mut("items")? {
        Value::Array(items) => items,
        _ => return None,
    };
    items.retain(Value::is_object);
    for item in items.iter_mut().filter_map(Value::as_object_mut) {
        strings(
            item,
            &[
                "id",
                "url",
                "external_url",
                "title",
                "content_html",
                "content_text",
                "summary",
                "date_published",
                "date_modified",
            ],
        );
        people(item);
        let tags: Option<Vec<Value>> = match item.get("tags") {
            None | Some(Value::Null) => None,
            Some(Value::Array(tags)) => Some(
                tags.iter()
                    .filter(|t| t.is_string() || t.is_number())
                    .map(|t| as_text(t).into())
                    .collect(),
            ),
            Some(t @ (Value::String(_) | Value::Number(_))) => Some(vec![as_text(t).into()]),
            Some(_) => Some(Vec::new()),
        };
        item.remove("tags");
        if let Some(tags) = tags {
            item.insert("tags".into(), tags.into());
        }
        if let Some(Value::Array(list)) = item.get_mut("attachments") {
            list.retain(|a| a["url"].is_string() && a["mime_type"].is_string());
            for a in list.iter_mut().filter_map(Value::as_object_mut) {
                strings(a, &["title"]);
                if !a.get("size_in_bytes").is_none_or(Value::is_u64) {
                    a.remove("size_in_bytes");
                }
            }
        } else {
            item.remove("attachments");
        }
    }
    serde_json::to_vec(&feed).ok()
}

/// A string or number as text ("" for anything else).
fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// `keys` of `object` as strings: numbers written out, other values dropped.
fn strings(object: &mut Map<String, Value>, keys: &[&str]) {
    for key in keys {
        match object.get(*key) {
            None | Some(Value::String(_)) => {}
            Some(Value::Number(n)) => {
                let n = n.to_string();
                object.insert((*key).into(), n.into());
            }
            Some(_) => {
                object.remove(*key);
            }
        }
    }
}

/// `author` and `authors` as feed-rs reads them: objects with a string
/// `name` and `url`; a bare string is a name.
fn people(object: &mut Map<String, Value>) {
    let person = |v: &Value| -> Option<Value> {
        let mut p = match v {
            Value::String(name) => Map::from_iter([("name".to_string(), name.clone().into())]),
            Value::Object(p) => p.clone(),
            _ => return None,
        };
        strings(&mut p, &["name", "url"]);
        Some(p.into())
    };
    match object.get("author").map(person) {
        Some(Some(p)) => {
            object.insert("author".into(), p);
        }
        Some(None) => {
            object.remove("author");
        }
        None => {}
    }
    match object.get("authors") {
        Some(Value::Array(list)) => {
            let list: Vec<Value> = list.iter().filter_map(person).collect();
            object.insert("authors".into(), list.into());
        }
        Some(_) => {
            object.remove("authors");
        }
        None => {}
    }
}

/// Whether the document plainly holds items: an `<item` or `<entry` tag
/// (any case, any prefix, not in a comment or CDATA) within its first 64 KiB, or a JSON Feed whose
/// `items` list is not empty. A feed that does and yields none was misread.
pub fn holds_items(doc: &[u8]) -> bool {
    if doc.iter().find(|c| !c.is_ascii_whitespace()) == Some(&b'{') {
        return serde_json::from_slice::<Value>(doc)
            .ok()
            .and_then(|v| v.get("items")?.as_array().map(|a| !a.is_empty()))
            .unwrap_or(false);
    }
    // Tags, not every `<`: an `<item>` in a comment or CDATA section is text.
    let head = &doc[..doc.len().min(ITEMS_WITHIN)];
    Tags::new(head).any(|tag| {
        let local = tag.local(head);
        !tag.closing
            && (local.eq_ignore_ascii_case(b"item") || local.eq_ignore_ascii_case(b"entry"))
    })
}

/// The Atom dates of an RSS document's items, in item order: .NET's
/// SyndicationFeed writes `<a10:updated>` (xmlns:a10 = Atom) inside
/// `<item>`, which feed-rs's RSS parser skips. An item's Atom `published` is
/// preferred over its `updated`. `None` when the document declares no Atom
/// prefix.
pub fn atom_dates_in_rss(doc: &[u8]) -> Option<Vec<Option<DateTime<Utc>>>> {
    memmem::find(doc, ATOM_NS)?;
    // A set: a document may declare the prefix on every tag, and every tag
    // of an item is looked up in it.
    let mut prefixes: HashSet<&[u8]> = HashSet::new();
    let mut dates = Vec::new();
    // The item being read: (published, updated).
    type Dates = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);
    let mut item: Option<Dates> = None;
    for tag in Tags::new(doc) {
        let local = tag.local(doc);
        if tag.closing {
            if local == b"item" {
                if let Some((published, updated)) = item.take() {
                    dates.push(published.or(updated));
                }
            }
            continue;
        }
        for (k, v) in tag.attrs(doc) {
            if let Some(p) = doc[k].strip_prefix(b"xmlns:") {
                if &doc[v] == ATOM_NS {
                    prefixes.insert(p);
                }
            }
        }
        if local == b"item" {
            item = Some((None, None));
        } else if let Some((published, updated)) = item.as_mut() {
            if prefixes.contains(&tag.prefix(doc)) {
                let text = &doc[tag.end..];
                let text = &text[..memchr(b'<', text).unwrap_or(text.len())];
                let date = std::str::from_utf8(text).ok().and_then(dates::parse);
                match local {
                    b"published" => *published = published.or(date),
                    b"updated" => *updated = updated.or(date),
                    _ => {}
                }
            }
        }
    }
    (!prefixes.is_empty()).then_some(dates)
}

/// A document rewritten by edits at non-overlapping ranges, given in any
/// order; an edit overlapping an earlier one is dropped.
struct Splice<'a> {
    doc: &'a [u8],
    edits: Vec<(Range<usize>, Vec<u8>)>,
}

impl<'a> Splice<'a> {
    fn new(doc: &'a [u8]) -> Self {
        Splice {
            doc,
            edits: Vec::new(),
        }
    }

    /// Replaces `range` of the document with `with`.
    fn put(&mut self, range: Range<usize>, with: &[u8]) {
        if range.start <= range.end && range.end <= self.doc.len() {
            self.edits.push((range, with.to_vec()));
        }
    }

    fn changed(&self) -> bool {
        !self.edits.is_empty()
    }

    fn finish(mut self) -> Vec<u8> {
        self.edits.sort_by_key(|(r, _)| (r.start, r.end));
        let mut out = Vec::with_capacity(self.doc.len() + 64);
        let mut done = 0;
        for (range, with) in &self.edits {
            if range.start < done {
                continue;
            }
            out.extend_from_slice(&self.doc[done..range.start]);
            out.extend_from_slice(with);
            done = range.end;
        }
        out.extend_from_slice(&self.doc[done..]);
        out
    }
}

/// One tag: `<` at `at`, the byte after its `>` at `end`.
#[derive(Debug, Clone)]
struct Tag {
    at: usize,
    end: usize,
    /// The qualified name (`a10:updated`).
    name: Range<usize>,
    closing: bool,
}

impl Tag {
    fn local<'d>(&self, doc: &'d [u8]) -> &'d [u8] {
        let name = &doc[self.name.clone()];
        name.rsplit(|c| *c == b':').next().unwrap_or(name)
    }

    fn prefix<'d>(&self, doc: &'d [u8]) -> &'d [u8] {
        let name = &doc[self.name.clone()];
        match memchr(b':', name) {
            Some(colon) => &name[..colon],
            None => b"",
        }
    }

    /// The value of attribute `key` (as written, not unescaped).
    fn attr(&self, doc: &[u8], key: &[u8]) -> Option<Range<usize>> {
        self.attrs(doc)
            .find(|(k, _)| &doc[k.clone()] == key)
            .map(|(_, v)| v)
    }

    /// `(name, value)` of each attribute that has a value.
    fn attrs<'d>(&self, doc: &'d [u8]) -> Attrs<'d> {
        Attrs {
            doc,
            at: self.name.end,
            end: self.end.saturating_sub(1),
        }
    }
}

struct Attrs<'d> {
    doc: &'d [u8],
    at: usize,
    end: usize,
}

impl Iterator for Attrs<'_> {
    type Item = (Range<usize>, Range<usize>);

    fn next(&mut self) -> Option<Self::Item> {
        let b = self.doc;
        let skip_ws = |i: &mut usize| {
            while *i < self.end && b[*i].is_ascii_whitespace() {
                *i += 1;
            }
        };
        loop {
            let mut i = self.at;
            skip_ws(&mut i);
            if i >= self.end {
                return None;
            }
            let key_start = i;
            while i < self.end && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'/') {
                i += 1;
            }
            let key = key_start..i;
            skip_ws(&mut i);
            if i >= self.end || b[i] != b'=' {
                // A name without a value, or a stray `/`: step over it.
                self.at = i.max(key_start + 1);
                continue;
            }
            i += 1;
            skip_ws(&mut i);
            let value = match b.get(i) {
                Some(&q) if (q == b'"' || q == b'\'') && i < self.end => {
                    let start = i + 1;
                    let len = memchr(q, &b[start..self.end]).unwrap_or(self.end - start);
                    i = (start + len + 1).min(self.end);
                    start..start + len
                }
                _ => {
                    let start = i;
                    while i < self.end && !b[i].is_ascii_whitespace() {
                        i += 1;
                    }
                    start..i
                }
            };
            self.at = i;
            if !key.is_empty() {
                return Some((key, value));
            }
        }
    }
}

/// The document's tags in order, skipping comments, CDATA sections,
/// declarations and processing instructions. Stops at the first tag left
/// open. Every byte is looked at a bounded number of times.
#[derive(Clone)]
struct Tags<'a> {
    doc: &'a [u8],
    pos: usize,
}

impl<'a> Tags<'a> {
    fn new(doc: &'a [u8]) -> Self {
        Tags { doc, pos: 0 }
    }
}

impl Iterator for Tags<'_> {
    type Item = Tag;

    fn next(&mut self) -> Option<Tag> {
        let doc = self.doc;
        loop {
            let at = self.pos + memchr(b'<', doc.get(self.pos..)?)?;
            let rest = &doc[at..];
            let skip = |open: &[u8], close: &[u8]| -> Option<usize> {
                let body = rest.get(open.len()..)?;
                Some(at + open.len() + memmem::find(body, close)? + close.len())
            };
            if rest.starts_with(b"<!--") {
                self.pos = skip(b"<!--", b"-->")?;
                continue;
            }
            if rest.starts_with(b"<![CDATA[") {
                self.pos = skip(b"<![CDATA[", b"]]>")?;
                continue;
            }
            if rest.starts_with(b"<?") {
                self.pos = skip(b"<?", b"?>")?;
                continue;
            }
            let end = at + tag_length(rest)?;
            if rest.starts_with(b"<!") {
                self.pos = end;
                continue;
            }
            self.pos = end;
            let closing = rest.get(1) == Some(&b'/');
            let start = at + 1 + usize::from(closing);
            let len = doc[start..end]
                .iter()
                .take_while(|c| !c.is_ascii_whitespace() && !matches!(c, b'>' | b'/'))
                .count();
            if len == 0 {
                continue;
            }
            return Some(Tag {
                at,
                end,
                name: start..start + len,
                closing,
            });
        }
    }
}

/// The length of the tag at the start of `rest` up to and including its
/// `>`, skipping quoted attribute values and a DOCTYPE's `[...]` subset.
fn tag_length(rest: &[u8]) -> Option<usize> {
    let mut quote = None;
    let mut depth = 0usize;
    for (i, &c) in rest.iter().enumerate().skip(1) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(c),
            (None, b'[') => depth += 1,
            (None, b']') => depth = depth.saturating_sub(1),
            (None, b'>') if depth == 0 => return Some(i + 1),
            (None, _) => {}
        }
    }
    None
}

/// An XML declaration's `encoding` made `UTF-8`, for a document transcoded
/// to UTF-8: quick-xml (in feed-rs) would decode it again as what the
/// declaration names (`UTF-16`), and find "no root element".
pub fn declare_utf8(doc: &mut Vec<u8>) {
    let start = doc
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(0);
    if !doc[start..].starts_with(b"<?xml") {
        return;
    }
    let Some(end) = memmem::find(&doc[start..], b"?>").map(|e| start + e) else {
        return;
    };
    let Some(at) = memmem::find(&doc[start..end], b"encoding").map(|a| start + a) else {
        return;
    };
    let Some(q) = doc[at..end].iter().position(|c| matches!(c, b'"' | b'\'')) else {
        return;
    };
    let open = at + q;
    let Some(len) = memchr(doc[open], &doc[open + 1..end]) else {
        return;
    };
    doc.splice(open + 1..open + 1 + len, b"UTF-8".iter().copied());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalised(doc: &str) -> String {
        String::from_utf8(normalise(doc.as_bytes()).unwrap_or_else(|| doc.as_bytes().to_vec()))
            .unwrap()
    }

    #[test]
    fn issue15_rss_roots() {
        assert_eq!(
            normalised("<?xml version=\"1.0\"?>\n<!-- <rss> --><rss><channel/></rss>"),
            "<?xml version=\"1.0\"?>\n<!-- <rss> --><rss version=\"2.0\"><channel/></rss>"
        );
        assert_eq!(
            normalised("<rss version='0.94' xmlns=\"http://backend.userland.com/rss2\">"),
            "<rss version='2.0' xmlns=\"http://purl.org/rss/1.0/\">"
        );
        assert_eq!(
            normalised(
                "<rdf:RDF xmlns:rdf=\"r\" xmlns=\"http://my.netscape.com/rdf/simple/0.9/\">"
            ),
            "<rdf:RDF xmlns:rdf=\"r\" xmlns=\"http://purl.org/rss/1.0/\">"
        );
        // Already readable: left alone, not copied.
        assert!(normalise(b"<rss version=\"2.0\"><channel/></rss>").is_none());
        assert!(normalise(b"<rdf:RDF xmlns=\"http://purl.org/rss/1.0/\">").is_none());
        assert!(normalise(b"{\"items\": [\"<rss>\"]}").is_none());
    }

    #[test]
    fn issue15_atom03_rewritten_as_atom10() {
        let doc = concat!(
            "<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\"><tagline>t</tagline>",
            "<entry><issued>2004-01-01T00:00:00Z</issued><modified>2004-01-02T00:00:00Z</modified>",
            "<summary type=\"text/plain\">a &amp; b</summary>",
            "<content type=\"text/html\" mode=\"base64\">PGI+SGk8L2I+ICYgYnll</content></entry></feed>"
        );
        assert_eq!(
            normalised(doc),
            concat!(
                "<feed version=\"0.3\" xmlns=\"http://www.w3.org/2005/Atom\"><subtitle>t</subtitle>",
                "<entry><published>2004-01-01T00:00:00Z</published><updated>2004-01-02T00:00:00Z</updated>",
                "<summary type=\"text\">a &amp; b</summary>",
                "<content type=\"html\" mode=\"escaped\">&lt;b&gt;Hi&lt;/b&gt; &amp; bye</content></entry></feed>"
            )
        );
    }

    #[test]
    fn text_types_feed_rs_knows() {
        let check = |prefix: &str, local: &str, value: &str, want: Option<&str>| {
            assert_eq!(
                text_type(prefix.as_bytes(), local.as_bytes(), value.as_bytes()),
                want.map(str::as_bytes),
                "{prefix}:{local} type={value}"
            );
        };
        check("", "summary", "text/plain", Some("text"));
        check("", "title", "TEXT", Some("text"));
        check("", "title", "html", None);
        check("", "title", "text/html", Some("html"));
        check("", "content", "application/xhtml+xml", Some("xhtml"));
        check("", "content", "image/png", None);
        check("", "content", "text/plain", Some("text"));
        check("", "content", "escaped", Some("text"));
        check("media", "description", "text/html", Some("html"));
        check("media", "title", "plain", None);
        check("", "link", "text/html", None);
    }

    #[test]
    fn issue15_holds_items() {
        assert!(holds_items(b"<rss><channel><ITEM>"));
        assert!(holds_items(b"<feed><atom:entry xml:lang='nl'>"));
        assert!(holds_items(b"{\"items\":[{}]}"));
        assert!(!holds_items(
            b"<rss><channel><title>x</title></channel></rss>"
        ));
        assert!(!holds_items(b"<rss><channel><itemCount>3</itemCount>"));
        assert!(!holds_items(b"{\"items\":[]}"));
        assert!(!holds_items(b"<rss><channel><it"));
    }

    #[test]
    fn issue15_atom_dates_in_rss_items() {
        let doc = concat!(
            "<rss xmlns:a10=\"http://www.w3.org/2005/Atom\"><channel><a10:updated>2001-01-01T00:00:00Z</a10:updated>",
            "<item><title>a</title><a10:updated>2024-03-05T10:20:00+01:00</a10:updated></item>",
            "<item><title>b</title></item></channel></rss>"
        );
        let dates = atom_dates_in_rss(doc.as_bytes()).unwrap();
        assert_eq!(dates.len(), 2);
        assert_eq!(dates[0].unwrap().to_rfc3339(), "2024-03-05T09:20:00+00:00");
        assert_eq!(dates[1], None);
        assert!(atom_dates_in_rss(b"<rss><item/></rss>").is_none());
    }

    /// Review of issue #15: every tag of an item was compared with every
    /// Atom prefix declared so far, so 50,000 declarations and 50,000 tags
    /// in an item (2.8 MB) took 13 s in a debug build; twice that, 4 times
    /// as long.
    #[test]
    fn issue15_atom_dates_cost_is_linear_in_prefix_declarations() {
        let n = 50_000;
        let declarations: String = (0..n)
            .map(|i| format!("<x xmlns:a{i}=\"http://www.w3.org/2005/Atom\"/>"))
            .collect();
        let doc = format!(
            "<rss><channel>{declarations}<item><title>x</title>{}\
             <a7:updated>2024-03-05T10:20:00Z</a7:updated></item></channel></rss>",
            "<t/>".repeat(n)
        );
        let started = std::time::Instant::now();
        let dates = atom_dates_in_rss(doc.as_bytes()).unwrap();
        let took = started.elapsed();
        assert!(took < std::time::Duration::from_secs(1), "took {took:?}");
        assert_eq!(dates.len(), 1);
        assert_eq!(
            dates[0].map(|d| d.to_rfc3339()).as_deref(),
            Some("2024-03-05T10:20:00+00:00")
        );
    }

    /// Review of issue #15: every pass here stays linear on hostile 10 MB
    /// bodies (each pass well under 2 s in a debug build).
    #[test]
    fn issue15_passes_are_linear_on_hostile_bodies() {
        const SIZE: usize = 10 * 1024 * 1024;
        let fill = |head: &str, unit: &str| {
            let mut doc = head.as_bytes().to_vec();
            while doc.len() < SIZE {
                doc.extend_from_slice(unit.as_bytes());
            }
            doc
        };
        let bodies = [
            fill("", "<rss"),
            fill("", "<rss "),
            fill("<rss version='2.0'><channel>", "<item"),
            fill("<rss version='2.0'><channel><item><title>", "<a>"),
            fill("<rss ", "a=\"b\" "),
            fill("<rss ", "xmlns:a=\"http://www.w3.org/2005/Atom\" "),
            fill("<!DOCTYPE x [", "["),
            fill("", "<!--"),
            fill("<rss a='", "x"),
            fill("<feed version='0.3' xmlns='http://purl.org/atom/ns#'>", "<entry><issued>2004-01-01T00:00:00Z</issued><content mode='base64'>QUJD</content></entry>"),
            fill("<rss xmlns:a10='http://www.w3.org/2005/Atom'><channel>", "<item><a10:updated>2024-03-05T10:20:00Z</a10:updated><t type='text/plain'/></item>"),
        ];
        for doc in &bodies {
            let started = std::time::Instant::now();
            let _ = normalise(doc);
            let _ = rewrite(doc, true);
            let _ = atom_dates_in_rss(doc);
            let _ = holds_items(doc);
            let took = started.elapsed();
            let head = String::from_utf8_lossy(&doc[..60]);
            assert!(took < std::time::Duration::from_secs(8), "{head}: {took:?}");
        }
    }

    #[test]
    fn hostile_markup_ends_the_scan() {
        for doc in [
            &b"<rss version=\"2.0"[..],
            b"<",
            b"<!--",
            b"<![CDATA[",
            b"<?x",
            b"< >",
            b"<a b='",
        ] {
            let _ = normalise(doc);
            let _ = rewrite(doc, true);
            let _ = atom_dates_in_rss(doc);
        }
        let mut doc = b"<?xml version='1.0' encoding='UTF-16'?><rss/>".to_vec();
        declare_utf8(&mut doc);
        assert_eq!(doc, b"<?xml version='1.0' encoding='UTF-8'?><rss/>");
    }
}
