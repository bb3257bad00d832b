//! Review pages: any web page with schema.org `Review` markup, in JSON-LD or
//! microdata (Trustpilot, Tripadvisor, Kiyoh/Klantenvertellen, shop pages).
//!
//! Each review becomes an item carrying its star rating, which then decides its
//! sentiment. The page is fetched like a feed (conditional GET: a 304 ends the
//! poll); the cursor is the newest `datePublished` seen, so a later poll skips
//! what it has already read, and the store's dedup by key is the safety net.
//! At most `max_pages` pages are read per poll, and only through a next link
//! the page itself declares. Parsing never fails a poll: a JSON-LD block that
//! does not parse is skipped, a page without markup has no items. The work is
//! bounded: the HTML parsed, its nesting depth (`dom`), the JSON depth walked,
//! the reviews per page, and microdata properties are found in one walk.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use ego_tree::{iter::Edge, NodeId};
use encoding_rs::{Encoding, UTF_8};
use scraper::{ElementRef, Html, Selector};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use url::Url;

use super::{dom, Item, Polled, SourceError, MAX_TEXT, MAX_TITLE};
use crate::config::{ReviewsOptions, Source};
use crate::http::{Fetched, Http, Validators};
use crate::sentiment::Rating;
use crate::text::{canonical_url, first_words, html_to_text, one_line, truncate, truncate_owned};

/// Reviews taken from one page at most.
const MAX_REVIEWS_PER_PAGE: usize = 200;
/// How deep a JSON-LD document is searched for reviews.
const MAX_JSON_DEPTH: usize = 12;

/// Polls the review page at `source.url` and, while it declares one and
/// `max_pages` allows, its next pages. `Ok(None)` when the first page is
/// unchanged (a 304).
pub async fn poll(
    http: &Http,
    source: &Source,
    opts: &ReviewsOptions,
    validators: &Validators,
    cursor: Option<&str>,
    cpu: &super::ParseSlots,
) -> Result<Option<Polled>, SourceError> {
    let since = cursor
        .and_then(|c| DateTime::parse_from_rfc3339(c).ok())
        .map(|t| t.with_timezone(&Utc));
    let mut newest = since;
    let mut items = Vec::new();
    let mut first_validators = Validators::default();
    let mut url = source.url.clone();
    let mut visited = HashSet::new();
    for page in 0..opts.max_pages {
        visited.insert(canonical_url(&url));
        // Only the first page is fetched conditionally: its validators are the
        // ones kept, and an unchanged first page means nothing new.
        let conditional = if page == 0 {
            validators.clone()
        } else {
            Validators::default()
        };
        let (fetched, _slot) = http.get(&url, &conditional).await;
        let (body, content_type, got, final_url) = match fetched? {
            Fetched::NotModified if page == 0 => return Ok(None),
            Fetched::NotModified => break,
            Fetched::Body {
                body,
                content_type,
                validators,
                final_url,
            } => (body, content_type, validators, final_url),
        };
        if page == 0 {
            first_validators = got;
        }
        let parsed = {
            let _cpu = cpu.acquire(body.len()).await;
            let page_url = final_url.clone();
            tokio::task::spawn_blocking(move || {
                parse_page(&body, content_type.as_deref(), &page_url)
            })
            .await
            .map_err(|e| SourceError::Parse {
                kind: "reviews",
                message: format!("parser crashed: {e}"),
            })?
        };
        if parsed.broken_blocks > 0 {
            tracing::debug!(
                source = %source.name,
                url = %final_url,
                blocks = parsed.broken_blocks,
                "skipped JSON-LD blocks that do not parse"
            );
        }
        let mut fresh = 0;
        for review in parsed.reviews {
            if let (Some(s), Some(p)) = (since, review.item.published) {
                // A date without a time of day may be shared by a review
                // published after the last poll: keep it; the store's dedup
                // by key drops the ones already seen.
                if p < s || (p == s && review.timed) {
                    continue;
                }
            }
            newest = newest.max(review.item.published);
            fresh += 1;
            items.push(review.item);
        }
        // Reviews are listed newest first: a page with nothing new means the
        // pages after it hold nothing new either.
        match parsed.next {
            Some(next)
                if fresh > 0
                    && next.host_str() == final_url.host_str()
                    && !visited.contains(&canonical_url(&next)) =>
            {
                url = next
            }
            _ => break,
        }
    }
    Ok(Some(Polled {
        items: super::Items::Ready(items),
        validators: first_validators,
        cursor: newest.map(|t| t.to_rfc3339()),
        slot: None,
    }))
}

/// One review, whether its date had a time of day, and the anchor the page
/// gives it (if any).
struct Review {
    item: Item,
    timed: bool,
    anchor: Option<String>,
}

/// What one page holds.
struct Page {
    reviews: Vec<Review>,
    /// The next page, when the page declares one.
    next: Option<Url>,
    /// JSON-LD blocks skipped because they did not parse.
    broken_blocks: usize,
}

/// The fields of one review, from either markup.
#[derive(Default)]
struct Fields {
    id: Option<String>,
    /// The id of the review's element (microdata): an anchor into the page.
    element_id: Option<String>,
    url: Option<String>,
    title: Option<String>,
    /// HTML or text.
    body: Option<String>,
    author: Option<String>,
    date: Option<String>,
    rating: Option<Rating>,
}

fn parse_page(body: &[u8], content_type: Option<&str>, page_url: &Url) -> Page {
    let html = decode(&body[..body.len().min(dom::MAX_PARSED_HTML)], content_type);
    let parsed = dom::parse_document(&html);
    if parsed.flattened > 0 {
        tracing::debug!(url = %page_url, tags = parsed.flattened, "flattened elements nested too deep");
    }
    let doc = parsed.html;
    let (mut fields, broken_blocks) = json_ld(&doc);
    if fields.len() < MAX_REVIEWS_PER_PAGE {
        fields.extend(microdata(&doc, MAX_REVIEWS_PER_PAGE - fields.len()));
    }
    let page_canonical = canonical_url(page_url);
    let mut seen = HashSet::new();
    let mut reviews: Vec<Review> = fields
        .into_iter()
        .map(|f| to_review(f, page_url, &page_canonical))
        .filter(|r| seen.insert(r.item.key.clone()))
        .collect();
    // A link shared by several reviews is the page's, not theirs: as the
    // item's identity it would merge them into one.
    let mut links: HashMap<String, usize> = HashMap::new();
    for r in &reviews {
        if let Some(c) = r.item.canonical_url() {
            *links.entry(c).or_default() += 1;
        }
    }
    for r in &mut reviews {
        if r.item.canonical_url().is_some_and(|c| links[&c] > 1) {
            r.item.url = None;
        }
        // A review without a link of its own is read where it stands.
        if r.item.url.is_none() {
            r.item.page_link = Some(anchored(page_url, r.anchor.as_deref(), &r.item.key));
        }
    }
    Page {
        reviews,
        next: next_page(&doc, page_url),
        broken_blocks,
    }
}

/// The page as text: a byte-order mark wins, then the charset the header
/// declares, then a `<meta>` charset near the top, else UTF-8.
pub(super) fn decode(body: &[u8], content_type: Option<&str>) -> String {
    let encoding = content_type
        .and_then(|ct| {
            ct.split(';')
                .filter_map(|p| p.trim().split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
                .and_then(|(_, v)| Encoding::for_label(v.trim().trim_matches('"').as_bytes()))
        })
        .or_else(|| meta_charset(body))
        .unwrap_or(UTF_8);
    encoding.decode_with_bom_removal(body).0.into_owned()
}

/// `<meta charset="…">` or `<meta http-equiv … content="…; charset=…">` in
/// the first kilobyte.
fn meta_charset(body: &[u8]) -> Option<&'static Encoding> {
    let head = String::from_utf8_lossy(&body[..body.len().min(1024)]).to_ascii_lowercase();
    let at = head.find("<meta")?;
    let at = at + head[at..].find("charset=")? + "charset=".len();
    let label: String = head[at..]
        .trim_start_matches(['"', '\''])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
        .collect();
    Encoding::for_label(label.as_bytes())
}

fn selector(s: &str) -> Selector {
    Selector::parse(s).expect("a constant selector parses")
}

// ---------------------------------------------------------------- JSON-LD

/// Every `Review` object in the page's JSON-LD blocks, and how many blocks
/// were skipped because they do not parse.
fn json_ld(doc: &Html) -> (Vec<Fields>, usize) {
    let scripts = selector("script[type]");
    let mut out = Vec::new();
    let mut broken = 0;
    for script in doc.select(&scripts) {
        let ty = script.value().attr("type").unwrap_or("");
        if !ty
            .trim()
            .to_ascii_lowercase()
            .starts_with("application/ld+json")
        {
            continue;
        }
        let text: String = script.text().collect();
        let value: Value = match serde_json::from_str(text.trim()) {
            Ok(v) => v,
            Err(_) => {
                broken += 1;
                continue;
            }
        };
        let mut found = Vec::new();
        collect_reviews(&value, 0, &mut found, MAX_REVIEWS_PER_PAGE - out.len());
        out.extend(found.into_iter().map(json_fields));
        if out.len() >= MAX_REVIEWS_PER_PAGE {
            break;
        }
    }
    (out, broken)
}

/// Walks a JSON-LD value (an object, an array, a `@graph`, a Product's or
/// Organization's `review`/`reviews`) for objects typed `Review`.
fn collect_reviews<'a>(
    v: &'a Value,
    depth: usize,
    out: &mut Vec<&'a Map<String, Value>>,
    max: usize,
) {
    if depth > MAX_JSON_DEPTH || out.len() >= max {
        return;
    }
    match v {
        Value::Array(a) => {
            for x in a {
                collect_reviews(x, depth + 1, out, max);
            }
        }
        Value::Object(o) if is_review(o.get("@type")) => out.push(o),
        Value::Object(o) => {
            for (k, x) in o {
                if k != "@context" {
                    collect_reviews(x, depth + 1, out, max);
                }
            }
        }
        _ => {}
    }
}

fn is_review(ty: Option<&Value>) -> bool {
    let one = |t: &str| is_review_type(t.rsplit(['/', ':']).next().unwrap_or(t));
    match ty {
        Some(Value::String(t)) => one(t),
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).any(one),
        _ => false,
    }
}

fn is_review_type(t: &str) -> bool {
    matches!(
        t,
        "Review" | "UserReview" | "CriticReview" | "EmployerReview"
    )
}

/// A JSON value as text: a string, a number, or the `name` of an object (an
/// author `Person`); the first of an array.
fn json_text(v: Option<&Value>) -> Option<String> {
    let s = match v? {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        Value::Object(o) => return json_text(o.get("name")),
        Value::Array(a) => return a.iter().find_map(|x| json_text(Some(x))),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

fn json_fields(o: &Map<String, Value>) -> Fields {
    let rating = match o.get("reviewRating") {
        Some(Value::Object(r)) => rating(
            json_text(r.get("ratingValue")).as_deref(),
            json_text(r.get("worstRating")).as_deref(),
            json_text(r.get("bestRating")).as_deref(),
        ),
        other => rating(json_text(other).as_deref(), None, None),
    };
    Fields {
        id: json_text(o.get("@id")),
        element_id: None,
        url: json_text(o.get("url")),
        title: json_text(o.get("name")).or_else(|| json_text(o.get("headline"))),
        body: json_text(o.get("reviewBody"))
            .or_else(|| json_text(o.get("description")))
            .or_else(|| json_text(o.get("text"))),
        author: json_text(o.get("author")),
        date: json_text(o.get("datePublished")).or_else(|| json_text(o.get("dateCreated"))),
        rating,
    }
}

// ---------------------------------------------------------------- microdata

/// Every element typed `Review` in the page's microdata.
fn microdata(doc: &Html, max: usize) -> Vec<Fields> {
    let scopes = selector("[itemscope][itemtype]");
    let owned = properties(doc);
    let none = Vec::new();
    let props_of = |scope: ElementRef<'_>| owned.get(&scope.id()).unwrap_or(&none);
    doc.select(&scopes)
        .filter(|e| {
            e.value()
                .attr("itemtype")
                .unwrap_or("")
                .split_whitespace()
                .any(|t| is_review_type(t.rsplit('/').next().unwrap_or(t)))
        })
        .take(max)
        .map(|scope| {
            let props = props_of(scope);
            let get = |name: &str| props.iter().find(|(n, _)| *n == name).map(|(_, e)| *e);
            let text = |name: &str| get(name).map(prop_value).filter(|s| !s.is_empty());
            let author = get("author").and_then(|a| {
                if a.value().attr("itemscope").is_some() {
                    props_of(a)
                        .iter()
                        .find(|(n, _)| *n == "name")
                        .map(|(_, e)| prop_value(*e))
                        .filter(|s| !s.is_empty())
                        .or_else(|| Some(element_text(a)).filter(|s| !s.is_empty()))
                } else {
                    Some(prop_value(a)).filter(|s| !s.is_empty())
                }
            });
            let rating = get("reviewRating").and_then(|r| {
                if r.value().attr("itemscope").is_some() {
                    let p = props_of(r);
                    let v = |name: &str| {
                        p.iter()
                            .find(|(n, _)| *n == name)
                            .map(|(_, e)| prop_value(*e))
                    };
                    rating(
                        v("ratingValue").as_deref(),
                        v("worstRating").as_deref(),
                        v("bestRating").as_deref(),
                    )
                } else {
                    rating(Some(&prop_value(r)), None, None)
                }
            });
            let body = get("reviewBody").or_else(|| get("description")).map(|e| {
                match e.value().attr("content") {
                    Some(c) => c.to_string(),
                    None => dom::inner_html_capped(e, MAX_TEXT * 4),
                }
            });
            Fields {
                id: scope.value().attr("itemid").map(str::to_string),
                element_id: scope.value().attr("id").map(str::to_string),
                url: text("url"),
                title: text("name").or_else(|| text("headline")),
                body,
                author,
                date: text("datePublished").or_else(|| text("dateCreated")),
                rating,
            }
        })
        .collect()
}

/// Each item's properties, by the item that owns them: an element with
/// `itemprop` belongs to its nearest enclosing `itemscope` (nested items keep
/// their own). One walk over the page, whatever its nesting.
fn properties(doc: &Html) -> HashMap<NodeId, Vec<(&str, ElementRef<'_>)>> {
    let mut owned: HashMap<NodeId, Vec<(&str, ElementRef<'_>)>> = HashMap::new();
    let mut scopes: Vec<NodeId> = Vec::new();
    for edge in doc.tree.root().traverse() {
        match edge {
            Edge::Open(node) => {
                let Some(el) = ElementRef::wrap(node) else {
                    continue;
                };
                if let (Some(names), Some(owner)) = (el.value().attr("itemprop"), scopes.last()) {
                    owned
                        .entry(*owner)
                        .or_default()
                        .extend(names.split_whitespace().map(|n| (n, el)));
                }
                if el.value().attr("itemscope").is_some() {
                    scopes.push(el.id());
                }
            }
            Edge::Close(node) => {
                if ElementRef::wrap(node).is_some_and(|el| el.value().attr("itemscope").is_some()) {
                    scopes.pop();
                }
            }
        }
    }
    owned
}

/// A microdata property's value, by the rules of its element.
fn prop_value(el: ElementRef<'_>) -> String {
    let v = el.value();
    let attr = match v.name() {
        _ if v.attr("content").is_some() => v.attr("content"),
        "a" | "link" | "area" => v.attr("href"),
        "img" | "audio" | "video" | "source" | "iframe" | "embed" => v.attr("src"),
        "time" => v.attr("datetime"),
        "data" | "meter" => v.attr("value"),
        _ => None,
    };
    match attr {
        Some(a) => a.trim().to_string(),
        None => element_text(el),
    }
}

fn element_text(el: ElementRef<'_>) -> String {
    one_line(&dom::text_capped(el, 4 * 1024))
}

// ---------------------------------------------------------------- items

/// A rating from its parts: worst defaults to 1 and best to 5; 0/0 and values
/// that are not numbers are no rating.
fn rating(value: Option<&str>, worst: Option<&str>, best: Option<&str>) -> Option<Rating> {
    let num = |s: &str| s.trim().replace(',', ".").parse::<f64>().ok();
    let value = num(value?)?;
    let worst = match worst {
        Some(w) => num(w)?,
        None => 1.0,
    };
    let best = match best {
        Some(b) => num(b)?,
        None => 5.0,
    };
    if !value.is_finite() || (value == 0.0 && best == 0.0) {
        return None;
    }
    Some(Rating { value, worst, best })
}

/// A date and whether it had a time of day: RFC 3339, a local date-time
/// (taken as UTC), or a bare date (midnight UTC).
pub(super) fn parse_date(s: &str) -> Option<(DateTime<Utc>, bool)> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some((t.with_timezone(&Utc), true));
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Some((t.and_utc(), true));
        }
    }
    let d = NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()?;
    Some((d.and_hms_opt(0, 0, 0)?.and_utc(), false))
}

/// An absolute http(s) link of the review's own, if `s` is one: a link with a
/// fragment or to the page itself points into the page, not to the review.
fn own_link(s: &str, page_url: &Url, page_canonical: &str) -> Option<Url> {
    let u = page_url.join(s.trim()).ok()?;
    let ok = matches!(u.scheme(), "http" | "https")
        && u.fragment().is_none()
        && canonical_url(&u) != page_canonical;
    ok.then_some(u)
}

/// Longest anchor taken from a page.
const MAX_ANCHOR: usize = 100;

/// An anchor the page itself gives a review: its element's `id`, else the
/// fragment of its `@id`/`itemid` when that is a plain name on this page
/// (`#review-88123`, not Trustpilot's `#/schema/Review/…` paths).
fn page_anchor(f: &Fields, page_url: &Url, page_canonical: &str) -> Option<String> {
    let plain = |a: &str| {
        !a.is_empty()
            && a.len() <= MAX_ANCHOR
            && a.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
    };
    let element = f.element_id.as_deref().map(str::trim).filter(|a| plain(a));
    let from_id = || {
        let u = page_url.join(f.id.as_deref()?.trim()).ok()?;
        let fragment = u.fragment().filter(|a| plain(a))?.to_string();
        (canonical_url(&u) == page_canonical).then_some(fragment)
    };
    element.map(str::to_string).or_else(from_id)
}

/// The page's URL pointing at one review: its own anchor, else a stable
/// `#review-<hash of its key>` (the same review gets the same link every
/// poll, and no two reviews share one).
fn anchored(page_url: &Url, anchor: Option<&str>, key: &str) -> Url {
    let fragment = match anchor {
        Some(a) => a.to_string(),
        None => {
            let digest = Sha256::digest(key.as_bytes());
            let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
            format!("review-{hex}")
        }
    };
    let mut u = page_url.clone();
    u.set_fragment(Some(&fragment));
    u
}

fn to_review(f: Fields, page_url: &Url, page_canonical: &str) -> Review {
    let anchor = page_anchor(&f, page_url, page_canonical);
    let text = f
        .body
        .as_deref()
        .map(|b| truncate_owned(html_to_text(&truncate(b, MAX_TEXT * 4)), MAX_TEXT))
        .unwrap_or_default();
    let author = f.author.map(|a| truncate(&one_line(&a), 200).into_owned());
    let date = f.date.as_deref().and_then(parse_date);
    let title = match f.title.as_deref().map(|t| one_line(&html_to_text(t))) {
        Some(t) if !t.is_empty() => t,
        _ => first_words(&text),
    };
    let url = f
        .url
        .as_deref()
        .and_then(|u| own_link(u, page_url, page_canonical))
        .or_else(|| {
            f.id.as_deref()
                .and_then(|u| own_link(u, page_url, page_canonical))
        });
    // The review's own id where it has one, else a hash of what it says.
    let key = match f.id.as_deref().or(f.url.as_deref()).map(str::trim) {
        Some(id) if !id.is_empty() => format!("review:{}", truncate(id, 1024)),
        _ => {
            let mut h = Sha256::new();
            for part in [
                author.as_deref().unwrap_or(""),
                f.date.as_deref().unwrap_or("").trim(),
                text.as_str(),
            ] {
                h.update(part.as_bytes());
                h.update([0x1f]);
            }
            let digest = h.finalize();
            let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
            format!("review:sha256:{hex}")
        }
    };
    Review {
        item: Item {
            key,
            url,
            title: truncate_owned(title, MAX_TITLE),
            text,
            author: author.filter(|a| !a.is_empty()),
            published: date.map(|(t, _)| t),
            rating: f.rating,
            page_link: None,
        },
        timed: date.is_some_and(|(_, timed)| timed),
        anchor,
    }
}

// ---------------------------------------------------------------- pagination

/// The next page, only as the page declares it: a `rel="next"` link, a link
/// labelled "next page" (or Dutch "volgende"), or a link to `?page=N+1`.
fn next_page(doc: &Html, page_url: &Url) -> Option<Url> {
    let resolve = |href: &str| {
        page_url
            .join(href.trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
    };
    let rel = selector("link[rel][href], a[rel][href]");
    let by_rel = doc.select(&rel).find(|e| {
        e.value()
            .attr("rel")
            .unwrap_or("")
            .split_whitespace()
            .any(|r| r.eq_ignore_ascii_case("next"))
    });
    if let Some(u) = by_rel.and_then(|e| resolve(e.value().attr("href")?)) {
        return Some(u);
    }
    let anchors = selector("a[href]");
    let labelled = doc.select(&anchors).find(|a| {
        let label = a
            .value()
            .attr("aria-label")
            .or_else(|| a.value().attr("title"))
            .map(str::to_string)
            .unwrap_or_else(|| element_text(*a));
        matches!(
            label.trim().to_lowercase().as_str(),
            "next" | "next page" | "volgende" | "volgende pagina" | "›" | "»" | "→"
        )
    });
    if let Some(u) = labelled.and_then(|e| resolve(e.value().attr("href")?)) {
        return Some(u);
    }
    let page_of = |u: &Url| {
        u.query_pairs()
            .find(|(k, _)| k == "page")
            .and_then(|(_, v)| v.parse::<u32>().ok())
    };
    let wanted = page_of(page_url).unwrap_or(1).saturating_add(1);
    doc.select(&anchors)
        .filter_map(|a| resolve(a.value().attr("href")?))
        .find(|u| u.path() == page_url.path() && page_of(u) == Some(wanted))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(html: &str) -> Page {
        parse_page(
            html.as_bytes(),
            Some("text/html; charset=utf-8"),
            &Url::parse("https://www.trustpilot.com/review/example.nl").unwrap(),
        )
    }

    fn check_rating(
        value: Option<&str>,
        worst: Option<&str>,
        best: Option<&str>,
        expected: Option<(f64, f64, f64)>,
    ) {
        assert_eq!(
            rating(value, worst, best).map(|r| (r.value, r.worst, r.best)),
            expected,
            "{value:?} {worst:?} {best:?}"
        );
    }

    #[test]
    fn ratings() {
        check_rating(Some("1"), None, None, Some((1.0, 1.0, 5.0)));
        check_rating(Some("4,5"), Some("0"), Some("10"), Some((4.5, 0.0, 10.0)));
        check_rating(Some("0"), None, Some("0"), None);
        check_rating(Some("vijf"), None, None, None);
        check_rating(None, None, Some("5"), None);
    }

    #[test]
    fn encodings() {
        let body = b"<html><head><meta charset=\"windows-1252\"><script type=\"application/ld+json\">{\"@type\":\"Review\",\"reviewBody\":\"Caf\xe9 slecht\"}</script>";
        let url = Url::parse("https://example.nl/").unwrap();
        let text = |ct: Option<&str>| parse_page(body, ct, &url).reviews[0].item.text.clone();
        assert_eq!(text(Some("text/html")), "Café slecht");
        assert_eq!(text(Some("text/html; charset=ISO-8859-1")), "Café slecht");
        assert_eq!(meta_charset(b"<p>charset=latin1</p>"), None);
    }

    #[test]
    fn dates() {
        let (t, timed) = parse_date("2026-11-20T09:15:00+01:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-20T08:15:00+00:00");
        assert!(timed);
        let (t, timed) = parse_date("2026-11-20").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-20T00:00:00+00:00");
        assert!(!timed);
        assert!(parse_date("gisteren").is_none());
    }

    #[test]
    fn json_ld_reviews_nested_in_a_product() {
        let p = page(
            r#"<script type="application/ld+json">{"@context":"https://schema.org","@type":"Product","name":"Router",
            "aggregateRating":{"@type":"AggregateRating","ratingValue":"3.1","reviewCount":"2"},
            "review":[{"@type":"Review","author":{"@type":"Person","name":"Kees"},"datePublished":"2026-11-20",
              "reviewBody":"Valt steeds uit &amp; geen support.","reviewRating":{"@type":"Rating","ratingValue":"2"}},
             {"@type":"Review","author":"Ann","reviewBody":"Works fine"}]}</script>"#,
        );
        assert_eq!(p.reviews.len(), 2);
        let r = &p.reviews[0].item;
        assert_eq!(r.author.as_deref(), Some("Kees"));
        assert_eq!(r.text, "Valt steeds uit & geen support.");
        assert_eq!(r.title, "Valt steeds uit & geen support.");
        assert_eq!(r.rating.map(|r| r.value), Some(2.0));
        assert!(r.key.starts_with("review:sha256:"), "{}", r.key);
        assert_eq!(p.reviews[1].item.rating, None);
        assert_ne!(r.key, p.reviews[1].item.key);
    }

    #[test]
    fn fragment_ids_are_keys_not_links() {
        let p = page(
            r##"<script type="application/ld+json">{"@graph":[
            {"@type":"Review","@id":"https://www.trustpilot.com/#/schema/Review/example.nl/a1","reviewBody":"a"},
            {"@type":"Review","@id":"https://www.trustpilot.com/#/schema/Review/example.nl/a2","reviewBody":"b","url":"https://www.trustpilot.com/reviews/a2"}]}</script>"##,
        );
        assert_eq!(
            p.reviews[0].item.key,
            "review:https://www.trustpilot.com/#/schema/Review/example.nl/a1"
        );
        assert_eq!(p.reviews[0].item.url, None);
        assert_eq!(
            p.reviews[1].item.url.as_ref().map(Url::as_str),
            Some("https://www.trustpilot.com/reviews/a2")
        );
    }

    #[test]
    fn reviews_without_a_link_point_into_their_page() {
        let html = r##"<script type="application/ld+json">{"@graph":[
            {"@type":"Review","@id":"https://www.trustpilot.com/#/schema/Review/example.nl/a1","reviewBody":"a"},
            {"@type":"Review","@id":"#r-2","reviewBody":"b"},
            {"@type":"Review","reviewBody":"c"},
            {"@type":"Review","url":"https://www.trustpilot.com/reviews/e","reviewBody":"e"}]}</script>
            <div itemscope itemtype="https://schema.org/Review" id="review-77"><p itemprop="reviewBody">d</p></div>"##;
        let p = page(html);
        let link = |i: usize| {
            let item = &p.reviews[i].item;
            (item.link().map(Url::to_string), item.canonical_url())
        };
        let base = "https://www.trustpilot.com/review/example.nl";
        let (hashed, canonical) = link(0);
        let hashed = hashed.unwrap_or_default();
        assert!(hashed.starts_with(&format!("{base}#review-")), "{hashed}");
        assert_eq!(hashed.len(), base.len() + "#review-".len() + 16);
        assert_eq!(canonical, None, "the page is never a review's identity");
        assert_eq!(link(1).0, Some(format!("{base}#r-2")));
        assert!(link(2)
            .0
            .is_some_and(|l| l.contains("#review-") && l != hashed));
        assert_eq!(
            link(3),
            (
                Some("https://www.trustpilot.com/reviews/e".into()),
                Some("https://trustpilot.com/reviews/e".into())
            )
        );
        assert_eq!(p.reviews[3].item.page_link, None);
        assert_eq!(link(4).0, Some(format!("{base}#review-77")));
        // The same review gets the same link on every poll.
        assert_eq!(
            page(html).reviews[0].item.link().map(Url::to_string),
            Some(hashed)
        );
    }

    #[test]
    fn next_page_only_when_declared() {
        let next = |html: &str| page(html).next.map(|u| u.to_string());
        assert_eq!(
            next(r#"<link rel="next" href="?page=2">"#).as_deref(),
            Some("https://www.trustpilot.com/review/example.nl?page=2")
        );
        assert_eq!(
            next(r#"<a href="/review/example.nl?page=2">2</a>"#).as_deref(),
            Some("https://www.trustpilot.com/review/example.nl?page=2")
        );
        assert_eq!(
            next(r#"<a aria-label="Volgende pagina" href="/p/b">»</a>"#).as_deref(),
            Some("https://www.trustpilot.com/p/b")
        );
        assert_eq!(next(r#"<a href="/review/example.nl?page=5">5</a>"#), None);
        assert_eq!(next("<p>no links</p>"), None);
    }

    #[test]
    fn review_count_is_capped() {
        let one = r#"{"@type":"Review","reviewBody":"r"}"#;
        let many: Vec<String> = (0..300)
            .map(|i| one.replace("\"r\"", &format!("\"r{i}\"")))
            .collect();
        let p = page(&format!(
            r#"<script type="application/ld+json">[{}]</script>"#,
            many.join(",")
        ));
        assert_eq!(p.reviews.len(), MAX_REVIEWS_PER_PAGE);
    }
}
