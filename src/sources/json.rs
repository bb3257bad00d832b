//! Any JSON API: the user says where the items are and where each field is,
//! with JSON Pointers (RFC 6901). The escape hatch for review platforms and
//! other services with an API key (Trustpilot, Kiyoh, Google Business).
//!
//! The response is fetched like a feed (conditional GET, size and time
//! limits), with the configured headers (API keys, resolved from the
//! environment or a file at load). Items are recognised by their mapped id,
//! else their URL, else a hash of their content, so re-reading the same page
//! stores nothing twice.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde_json::Value;
use url::Url;

use super::{Item, SourceError, MAX_TEXT, MAX_TITLE};
use crate::config::JsonMapping;
use crate::sentiment::Rating;
use crate::text::{html_to_text, one_line, truncate, truncate_owned};

/// Items at most taken from one response.
const MAX_ITEMS: usize = 1000;

/// Parses one response fetched from `base` with `mapping`.
pub fn parse(body: &[u8], base: &Url, mapping: &JsonMapping) -> Result<Vec<Item>, SourceError> {
    let doc: Value = serde_json::from_slice(body)
        .map_err(|e| SourceError::parse("json", format!("not JSON: {e}")))?;
    let list = doc.pointer(&mapping.items).ok_or_else(|| {
        SourceError::parse(
            "json",
            format!(
                "no value at items = {:?} (check the pointer against the response)",
                mapping.items
            ),
        )
    })?;
    let list = list.as_array().ok_or_else(|| {
        SourceError::parse(
            "json",
            format!("the value at items = {:?} is not an array", mapping.items),
        )
    })?;
    Ok(list
        .iter()
        .take(MAX_ITEMS)
        .filter_map(|v| item(v, base, mapping))
        .collect())
}

fn field<'a>(v: &'a Value, pointer: &Option<String>) -> Option<&'a Value> {
    pointer
        .as_deref()
        .and_then(|p| v.pointer(p))
        .filter(|v| !v.is_null())
}

/// A string or number as text.
fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn item(v: &Value, base: &Url, m: &JsonMapping) -> Option<Item> {
    let get = |p: &Option<String>| field(v, p).and_then(text_of);
    let title = get(&m.title)
        .map(|t| truncate_owned(one_line(&html_to_text(&t)), MAX_TITLE))
        .unwrap_or_default();
    let text = get(&m.text)
        .map(|t| truncate_owned(html_to_text(&truncate(&t, MAX_TEXT * 4)), MAX_TEXT))
        .unwrap_or_default();
    if title.is_empty() && text.is_empty() {
        return None;
    }
    let url = get(&m.url).and_then(|u| {
        let u = Url::parse(&u).or_else(|_| base.join(&u)).ok()?;
        matches!(u.scheme(), "http" | "https").then_some(u)
    });
    let key = match (get(&m.id), &url) {
        (Some(id), _) => format!("id:{}", truncate(&id, 512)),
        (None, Some(u)) => format!("url:{u}"),
        (None, None) => format!("hash:{:016x}", fnv1a(format!("{title}\n{text}").as_bytes())),
    };
    let rating = field(v, &m.rating)
        .and_then(|r| match r {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().replace(',', ".").parse().ok(),
            _ => None,
        })
        .filter(|r| r.is_finite() && *r >= m.rating_worst && *r <= m.rating_best && *r != 0.0)
        .map(|value| Rating {
            value,
            worst: m.rating_worst,
            best: m.rating_best,
        });
    Some(Item {
        key,
        url,
        title: if title.is_empty() {
            truncate_owned(one_line(&text).chars().take(100).collect(), MAX_TITLE)
        } else {
            title
        },
        text,
        author: get(&m.author).map(|a| truncate(a.trim(), 200).into_owned()),
        published: field(v, &m.published).and_then(time_of),
        rating,
        page_link: None,
    })
}

/// RFC 3339, a bare date, or Unix seconds (or milliseconds).
fn time_of(v: &Value) -> Option<DateTime<Utc>> {
    match v {
        Value::Number(n) => {
            let t = n.as_i64()?;
            let secs = if t > 100_000_000_000 { t / 1000 } else { t };
            Utc.timestamp_opt(secs, 0).single()
        }
        Value::String(s) => DateTime::parse_from_rfc3339(s.trim())
            .map(|t| t.with_timezone(&Utc))
            .ok()
            .or_else(|| {
                NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                    .ok()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .map(|d| d.and_utc())
            }),
        _ => None,
    }
}

/// A stable 64-bit hash (FNV-1a): item identity must not change between runs.
pub(super) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping() -> JsonMapping {
        JsonMapping {
            items: "/data/reviews".into(),
            id: Some("/id".into()),
            title: Some("/title".into()),
            url: Some("/links/0/href".into()),
            text: Some("/text".into()),
            author: Some("/consumer/displayName".into()),
            published: Some("/createdAt".into()),
            rating: Some("/stars".into()),
            rating_worst: 1.0,
            rating_best: 5.0,
        }
    }

    #[test]
    fn maps_items_and_fields() {
        let body = br#"{"data":{"reviews":[
            {"id":"r1","title":"Al 3 weken geen internet","text":"<p>Acme Telecom reageert niet.</p>","stars":1,
             "createdAt":"2026-11-20T10:00:00Z","consumer":{"displayName":"Jan"},"links":[{"href":"/reviews/r1"}]},
            {"id":7,"text":"Top service","stars":"4,5","createdAt":1763700000},
            {"title":null,"text":null},
            {"text":"no id, no url","stars":0}
        ]}}"#;
        let base = Url::parse("https://api.example.nl/v1/").unwrap();
        let items = parse(body, &base, &mapping()).unwrap();
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].key, "id:r1");
        assert_eq!(items[0].text, "Acme Telecom reageert niet.");
        assert_eq!(
            items[0].url.as_ref().unwrap().as_str(),
            "https://api.example.nl/reviews/r1"
        );
        assert_eq!(items[0].author.as_deref(), Some("Jan"));
        assert_eq!(items[0].rating.map(|r| r.value), Some(1.0));
        assert_eq!(items[1].key, "id:7");
        assert_eq!(items[1].title, "Top service");
        assert_eq!(items[1].rating.map(|r| r.value), Some(4.5));
        assert!(items[1].published.is_some());
        assert!(items[2].key.starts_with("hash:"));
        assert_eq!(items[2].rating, None, "0 is no rating");
    }

    #[test]
    fn wrong_shapes_are_clear_errors() {
        let base = Url::parse("https://api.example.nl/").unwrap();
        let e = parse(b"{\"data\":{}}", &base, &mapping())
            .unwrap_err()
            .to_string();
        assert!(e.contains("no value at items"), "{e}");
        let e = parse(b"{\"data\":{\"reviews\":3}}", &base, &mapping())
            .unwrap_err()
            .to_string();
        assert!(e.contains("not an array"), "{e}");
        assert!(parse(b"<html>", &base, &mapping()).is_err());
    }
}
