//! Hacker News stories and comments, through Algolia's `search_by_date` API.
//!
//! Each poll asks for items newer than the cursor (`numericFilters=
//! created_at_i>LAST`), newest first, at most `max_pages` pages of 100; the
//! cursor becomes the newest `created_at_i` seen, so a restart neither misses
//! nor repeats items. Algolia's `<em>` highlight markup never reaches the item:
//! titles and texts are taken from the plain fields and turned into text.

use chrono::{TimeZone, Utc};
use serde::Deserialize;
use url::Url;

use super::{Found, Item, SourceError, MAX_TEXT, MAX_TITLE};
use crate::config::{HackernewsOptions, Source};
use crate::http::{Fetched, Http, Validators};
use crate::text::{html_to_text, one_line, truncate, truncate_owned};

const HITS_PER_PAGE: u32 = 100;

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    hits: Vec<Hit>,
    #[serde(default, rename = "nbPages")]
    nb_pages: u32,
}

#[derive(Deserialize)]
struct Hit {
    #[serde(rename = "objectID")]
    object_id: String,
    created_at_i: Option<i64>,
    title: Option<String>,
    url: Option<String>,
    author: Option<String>,
    story_text: Option<String>,
    comment_text: Option<String>,
    story_title: Option<String>,
}

/// The search URL for one page.
fn page_url(
    source: &Source,
    opts: &HackernewsOptions,
    since: Option<i64>,
    page: u32,
) -> Result<Url, SourceError> {
    let mut url = source
        .url
        .join("/api/v1/search_by_date")
        .map_err(|e| SourceError::parse("hackernews", format!("base_url: {e}")))?;
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("query", &opts.query);
        q.append_pair("tags", &opts.tags);
        q.append_pair("hitsPerPage", &HITS_PER_PAGE.to_string());
        q.append_pair("page", &page.to_string());
        if let Some(t) = since {
            q.append_pair("numericFilters", &format!("created_at_i>{t}"));
        }
    }
    Ok(url)
}

/// Polls the search from `cursor` on.
pub async fn poll(
    http: &Http,
    source: &Source,
    opts: &HackernewsOptions,
    cursor: Option<&str>,
) -> Result<Found, SourceError> {
    let since: Option<i64> = cursor.and_then(|c| c.parse().ok());
    let mut items = Vec::new();
    let mut newest = since;
    for page in 0..opts.max_pages {
        let url = page_url(source, opts, since, page)?;
        let (fetched, _slot) = http.get(&url, &Validators::default()).await;
        let body = match fetched? {
            Fetched::Body { body, .. } => body,
            // Algolia never answers 304 to an unconditional GET; treat as empty.
            Fetched::NotModified => break,
        };
        let parsed = parse_page(&body)?;
        for (item, created) in parsed.items {
            newest = newest.max(created);
            items.push(item);
        }
        if page + 1 >= parsed.pages {
            break;
        }
    }
    Ok(Found {
        items,
        cursor: newest.map(|t| t.to_string()),
    })
}

struct ParsedPage {
    items: Vec<(Item, Option<i64>)>,
    pages: u32,
}

fn parse_page(body: &[u8]) -> Result<ParsedPage, SourceError> {
    let page: Page = serde_json::from_slice(body)
        .map_err(|e| SourceError::parse("hackernews", format!("unexpected response: {e}")))?;
    let items = page
        .hits
        .into_iter()
        .filter(|h| !h.object_id.trim().is_empty())
        .map(|h| {
            let discussion = format!("https://news.ycombinator.com/item?id={}", h.object_id);
            let comment = h.comment_text.is_some();
            let (title, link) = if comment {
                (
                    format!("Re: {}", h.story_title.clone().unwrap_or_default()),
                    discussion,
                )
            } else {
                (
                    h.title.clone().unwrap_or_default(),
                    h.url
                        .clone()
                        .filter(|u| !u.is_empty())
                        .unwrap_or(discussion),
                )
            };
            let text = h.comment_text.or(h.story_text).unwrap_or_default();
            let item = Item {
                key: format!("hn:{}", h.object_id),
                url: Url::parse(&link).ok(),
                title: truncate_owned(one_line(&html_to_text(&title)), MAX_TITLE),
                text: truncate_owned(html_to_text(&truncate(&text, MAX_TEXT * 4)), MAX_TEXT),
                author: h.author.map(|a| truncate(&a, 200).into_owned()),
                published: h
                    .created_at_i
                    .and_then(|t| Utc.timestamp_opt(t, 0).single()),
                rating: None,
                page_link: None,
            };
            (item, h.created_at_i)
        })
        .collect();
    Ok(ParsedPage {
        items,
        pages: page.nb_pages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stories_and_comments_become_items() {
        let body = br#"{"hits":[
            {"objectID":"41","created_at_i":1763800000,"title":"Acme Telecom outage","url":"https://example.nl/a","author":"pg","story_text":null,"_highlightResult":{"title":{"value":"<em>Acme</em> Telecom outage"}}},
            {"objectID":"42","created_at_i":1763800100,"comment_text":"Still down for me. <em>Acme</em> support&#x27;s queue is 2h","author":"dang","story_title":"Acme Telecom outage","story_url":"https://example.nl/a"}
        ],"nbPages":1,"page":0}"#;
        let p = parse_page(body).unwrap();
        assert_eq!(p.pages, 1);
        let (story, t) = &p.items[0];
        assert_eq!(story.key, "hn:41");
        assert_eq!(story.title, "Acme Telecom outage");
        assert_eq!(story.url.as_ref().unwrap().as_str(), "https://example.nl/a");
        assert_eq!(*t, Some(1763800000));
        let (comment, _) = &p.items[1];
        assert_eq!(comment.title, "Re: Acme Telecom outage");
        assert_eq!(
            comment.text,
            "Still down for me. Acme support's queue is 2h"
        );
        assert_eq!(
            comment.url.as_ref().unwrap().as_str(),
            "https://news.ycombinator.com/item?id=42"
        );
    }

    #[test]
    fn malformed_bodies_are_errors() {
        assert!(parse_page(b"<html>rate limited</html>").is_err());
        assert!(parse_page(br#"{"hits": 3}"#).is_err());
        assert_eq!(parse_page(br#"{"hits": []}"#).unwrap().items.len(), 0);
    }
}
