//! Apple App Store customer reviews of one app, per country, through the
//! customer-reviews feed in its JSON form
//! (`/{country}/rss/customerreviews/page={n}/id={app}/sortby=mostrecent/json`).
//!
//! Each review is an item carrying its star rating, which decides its
//! sentiment; its identity is its own id (`appstore:{country}:{id}`). The
//! cursor is, per country, the newest `updated` seen, kept as one JSON object
//! (`{"nl":"2026-11-20T10:12:00+00:00"}`). Pages are newest first: a country
//! stops paging at a page that reaches its cursor, at an empty page, or after
//! `max_pages` pages. A review's link is Apple's link (the app's review page,
//! shared by all its reviews) with the review's id added, so that distinct
//! reviews never share a canonical URL. Apple's ends are not errors: an unknown app answers an
//! empty feed or 404, and past the last page it answers "page depth is
//! limited" as text (200 or 400). Parsing never does I/O.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::Value;
use url::Url;

use super::{read_cursor, write_cursor, Found, Item, SourceError, MAX_TEXT, MAX_TITLE};
use crate::config::{AppstoreOptions, Source};
use crate::http::{FetchError, Fetched, Http, Validators};
use crate::sentiment::Rating;
use crate::text::{first_words, one_line, truncate, truncate_owned};

const KIND: &str = "appstore";
/// What Apple says past the last page it serves.
const DEPTH_LIMIT: &str = "page depth is limited";

/// A review and its `updated` time, which the cursor compares.
type Review = (Item, Option<DateTime<Utc>>);

/// The feed URL for one page of one country.
fn page_url(base: &Url, app_id: &str, country: &str, page: u32) -> Result<Url, SourceError> {
    let mut url = base.clone();
    url.set_query(None);
    url.path_segments_mut()
        .map_err(|()| SourceError::parse(KIND, "base_url cannot take a path"))?
        .pop_if_empty()
        .extend([
            country,
            "rss",
            "customerreviews",
            &format!("page={page}"),
            &format!("id={app_id}"),
            "sortby=mostrecent",
            "json",
        ]);
    Ok(url)
}

/// Polls every country of `source` from `cursor` on.
pub async fn poll(
    http: &Http,
    source: &Source,
    opts: &AppstoreOptions,
    cursor: Option<&str>,
) -> Result<Found, SourceError> {
    let old: BTreeMap<String, String> = read_cursor(cursor);
    let mut next = BTreeMap::new();
    let mut items = Vec::new();
    for country in &opts.countries {
        let since = old
            .get(country)
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc));
        let mut newest = since;
        for page in 1..=opts.max_pages {
            let url = page_url(&source.url, &opts.app_id, country, page)?;
            let (fetched, _slot) = http.get(&url, &Validators::default()).await;
            let body = match fetched {
                Ok(Fetched::Body { body, .. }) => body,
                Ok(Fetched::NotModified) => break,
                // An app unknown in this country's store, or a page past the
                // depth Apple serves: the end, not an error.
                Err(FetchError::Status { status, .. }) if status == 404 || status == 400 => {
                    tracing::debug!(
                        source = %source.name,
                        country = %country,
                        page,
                        status,
                        "no more App Store reviews"
                    );
                    break;
                }
                Err(e) => return Err(e.into()),
            };
            let reviews = parse_page(&body, country, &opts.app_id)?;
            if reviews.is_empty() {
                break;
            }
            let mut reached = false;
            for (item, updated) in reviews {
                if let (Some(s), Some(u)) = (since, updated) {
                    if u <= s {
                        reached = true;
                        continue;
                    }
                }
                newest = newest.max(updated);
                items.push(item);
            }
            // Newest first: a page that reaches the cursor is the last with
            // anything new.
            if reached {
                break;
            }
        }
        if let Some(n) = newest {
            next.insert(country.clone(), n.to_rfc3339());
        }
    }
    let cursor = write_cursor(KIND, &next)?;
    Ok(Found { items, cursor })
}

/// The reviews of one page, each with its `updated` time. An empty feed and
/// Apple's "page depth is limited" text are no reviews; anything else that is
/// not the feed's JSON is malformed.
fn parse_page(body: &[u8], country: &str, app_id: &str) -> Result<Vec<Review>, SourceError> {
    let trimmed = body.trim_ascii_start();
    if !trimmed.starts_with(b"{") {
        let head = String::from_utf8_lossy(&trimmed[..trimmed.len().min(512)]).to_lowercase();
        if head.contains(DEPTH_LIMIT) {
            return Ok(Vec::new());
        }
    }
    let doc: Value = serde_json::from_slice(body)
        .map_err(|e| SourceError::parse(KIND, format!("unexpected response: {e}")))?;
    let feed = doc
        .get("feed")
        .filter(|f| f.is_object())
        .ok_or_else(|| SourceError::parse(KIND, "unexpected response: no `feed` object"))?;
    let entries: Vec<&Value> = match feed.get("entry") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        Some(_) => {
            return Err(SourceError::parse(
                KIND,
                "unexpected response: `entry` is neither a list nor an object",
            ))
        }
    };
    let app_page = app_page(app_id, country);
    Ok(entries
        .into_iter()
        .filter_map(|e| to_item(e, country, &app_page))
        .collect())
}

/// The app's page in `country`'s store: the link of a review that has none.
fn app_page(app_id: &str, country: &str) -> Option<Url> {
    Url::parse(&format!("https://apps.apple.com/{country}/app/id{app_id}")).ok()
}

/// `entry[key].label` as trimmed text, if any.
fn label<'a>(entry: &'a Value, key: &str) -> Option<&'a str> {
    entry
        .get(key)?
        .get("label")?
        .as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// A review as an item; `None` for the app's own entry (no rating) and for
/// entries without an id.
fn to_item(entry: &Value, country: &str, app_page: &Option<Url>) -> Option<Review> {
    let rating = rating(label(entry, "im:rating")?)?;
    let id = label(entry, "id")?;
    let text = label(entry, "content")
        .map(|c| truncate(c, MAX_TEXT).into_owned())
        .unwrap_or_default();
    let title = match label(entry, "title").map(one_line) {
        Some(t) if !t.is_empty() => t,
        _ => first_words(&text),
    };
    let author = entry
        .get("author")
        .and_then(|a| label(a, "name"))
        .map(|a| truncate(&one_line(a), 200).into_owned());
    let updated = label(entry, "updated")
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc));
    // Apple's link is the app's review page, the same for every review: as
    // it is, it would be one identity (canonical URL) for all of them, and
    // the store would merge them into one item. The review's id in the query
    // keeps them apart; the page ignores it.
    let url = review_link(entry.get("link"))
        .or_else(|| app_page.clone())
        .map(|mut u| {
            u.query_pairs_mut().append_pair("reviewId", id);
            u
        });
    let item = Item {
        key: format!("appstore:{country}:{}", truncate(id, 200)),
        url,
        title: truncate_owned(title, MAX_TITLE),
        text,
        author,
        published: updated,
        rating: Some(rating),
        page_link: None,
    };
    Some((item, updated))
}

/// A star rating of 1 to 5.
fn rating(s: &str) -> Option<Rating> {
    let value: f64 = s.parse().ok()?;
    (1.0..=5.0).contains(&value).then_some(Rating {
        value,
        worst: 1.0,
        best: 5.0,
    })
}

/// The review's own http(s) link: `link.attributes.href`, of one link or the
/// first of several.
fn review_link(link: Option<&Value>) -> Option<Url> {
    let href = |l: &Value| {
        l.get("attributes")?
            .get("href")?
            .as_str()
            .and_then(|h| Url::parse(h.trim()).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https"))
    };
    match link? {
        Value::Array(a) => a.iter().find_map(href),
        one => href(one),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(base: &str) -> Source {
        let text = format!(
            "[[source]]\nname = \"a\"\nkind = \"appstore\"\napp_id = \"1234567890\"\ncountries = [\"nl\"]\nbase_url = \"{base}\"\n"
        );
        crate::config::Config::parse(&text, std::path::Path::new("/t.toml"))
            .unwrap()
            .sources
            .remove(0)
    }

    fn parse(body: &str) -> Result<Vec<Review>, SourceError> {
        parse_page(body.as_bytes(), "nl", "1234567890")
    }

    #[test]
    fn urls_follow_apples_layout() {
        assert_eq!(
            page_url(&source("https://itunes.apple.com").url, "1234567890", "nl", 2)
                .unwrap()
                .as_str(),
            "https://itunes.apple.com/nl/rss/customerreviews/page=2/id=1234567890/sortby=mostrecent/json"
        );
        assert_eq!(
            page_url(&source("http://127.0.0.1:9/mirror/").url, "1234567890", "be", 1)
                .unwrap()
                .as_str(),
            "http://127.0.0.1:9/mirror/be/rss/customerreviews/page=1/id=1234567890/sortby=mostrecent/json"
        );
    }

    #[test]
    fn one_entry_is_an_object_and_the_app_entry_is_skipped() {
        let one = r#"{"feed":{"entry":{"author":{"name":{"label":"Els"}},"updated":{"label":"2026-11-20T03:12:00-07:00"},
            "im:rating":{"label":"2"},"id":{"label":"77"},"title":{"label":" "},"content":{"label":"Werkt   niet","attributes":{"type":"text"}}}}}"#;
        let items = parse(one).unwrap();
        assert_eq!(items.len(), 1);
        let (item, updated) = &items[0];
        assert_eq!(item.key, "appstore:nl:77");
        assert_eq!(item.title, "Werkt niet", "no title: the first words");
        assert_eq!(item.author.as_deref(), Some("Els"));
        assert_eq!(
            updated.unwrap().to_rfc3339(),
            "2026-11-20T10:12:00+00:00",
            "in UTC"
        );
        assert_eq!(
            item.url.as_ref().unwrap().as_str(),
            "https://apps.apple.com/nl/app/id1234567890?reviewId=77",
            "no link: the app page"
        );
        assert_eq!(item.rating.unwrap().value, 2.0);

        let app_only = r#"{"feed":{"entry":[{"im:name":{"label":"Mijn Acme"},"id":{"label":"https://apps.apple.com/nl/app/id1234567890"}}]}}"#;
        assert!(parse(app_only).unwrap().is_empty());
    }

    #[test]
    fn reviews_sharing_apples_link_keep_their_own_identity() {
        let entry = |id: &str| {
            format!(
                r#"{{"im:rating":{{"label":"4"}},"id":{{"label":"{id}"}},"content":{{"label":"ok"}},
                "link":{{"attributes":{{"rel":"related","href":"https://itunes.apple.com/nl/review?id=1234567890&type=Purple%20Software"}}}}}}"#
            )
        };
        let body = format!(r#"{{"feed":{{"entry":[{},{}]}}}}"#, entry("1"), entry("2"));
        let items = parse(&body).unwrap();
        let urls: Vec<String> = items
            .iter()
            .map(|(i, _)| i.canonical_url().unwrap())
            .collect();
        assert_eq!(urls.len(), 2);
        assert_ne!(urls[0], urls[1]);
        assert!(
            urls[0].starts_with("https://itunes.apple.com/nl/review?")
                && urls[0].contains("reviewId=1"),
            "{}",
            urls[0]
        );
    }

    #[test]
    fn ends_and_garbage() {
        assert!(parse("CustomerReviews RSS page depth is limited to 10")
            .unwrap()
            .is_empty());
        assert!(
            parse(r#"{"feed":{"author":{"name":{"label":"iTunes Store"}}}}"#)
                .unwrap()
                .is_empty()
        );
        assert!(parse("<html>Service Unavailable</html>").is_err());
        assert!(parse(r#"{"feed":{"entry":[{"id":"#).is_err());
        assert!(parse(r#"{"results":[]}"#).is_err());
        assert!(parse(r#"{"feed":{"entry":"x"}}"#).is_err());
    }

    #[test]
    fn ratings_are_one_to_five_stars() {
        assert_eq!(rating("1").map(|r| (r.value, r.best)), Some((1.0, 5.0)));
        assert!(rating("0").is_none());
        assert!(rating("6").is_none());
        assert!(rating("vijf").is_none());
    }
}
