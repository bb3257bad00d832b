//! Any page without a feed: forum threads, complaint sites, news listings.
//! The user names the items and their fields with CSS selectors
//! (`[source.selectors]`, compiled at load); every field selector is relative
//! to the item element.
//!
//! The page is fetched like a feed (conditional GET, size and time limits).
//! Parsing never fails a poll: a selector that matches nothing gives no items
//! or an empty field. An item is recognised by its link (canonical URL), else
//! by a stable hash of its title and text, so re-reading the page stores
//! nothing twice. The work is bounded: the HTML parsed, its nesting depth
//! (`dom`), the items per page and the text per item.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use scraper::{ElementRef, Selector};
use url::Url;

use super::dom;
use super::json::fnv1a;
use super::reviews::decode;
use super::{Item, MAX_TEXT, MAX_TITLE};
use crate::config::HtmlSelectors;
use crate::text::{canonical_url, html_to_text, one_line, truncate, truncate_owned};

/// Items taken from one page at most.
pub const MAX_ITEMS: usize = 500;
/// Characters of the text used as the title of an item that has none.
const TITLE_CHARS: usize = 100;

/// The items `selectors` find on the page `body`, fetched from `page_url`.
pub fn parse(
    body: &[u8],
    content_type: Option<&str>,
    page_url: &Url,
    selectors: &HtmlSelectors,
) -> Vec<Item> {
    let html = decode(&body[..body.len().min(dom::MAX_PARSED_HTML)], content_type);
    let parsed = dom::parse_document(&html);
    if parsed.flattened > 0 {
        tracing::debug!(url = %page_url, tags = parsed.flattened, "flattened elements nested too deep");
    }
    let doc = parsed.html;
    let mut items: Vec<Item> = doc
        .select(&selectors.item)
        .filter_map(|el| item(el, page_url, selectors))
        .take(MAX_ITEMS)
        .collect();
    // A link shared by several items is the page's or a category's, not
    // theirs: as their identity it would merge them into one.
    let mut links: HashMap<String, usize> = HashMap::new();
    for i in &items {
        if let Some(c) = i.canonical_url() {
            *links.entry(c).or_default() += 1;
        }
    }
    for i in &mut items {
        if i.canonical_url().is_some_and(|c| links[&c] > 1) {
            i.url = None;
            i.key = hash_key(&i.title, &i.text);
        }
    }
    items
}

fn first<'a>(el: ElementRef<'a>, s: &Option<Selector>) -> Option<ElementRef<'a>> {
    s.as_ref().and_then(|s| el.select(s).next())
}

fn hash_key(title: &str, text: &str) -> String {
    format!("hash:{:016x}", fnv1a(format!("{title}\n{text}").as_bytes()))
}

fn item(el: ElementRef<'_>, page_url: &Url, s: &HtmlSelectors) -> Option<Item> {
    let title = first(el, &s.title)
        .map(|t| one_line(&dom::text_capped(t, MAX_TITLE * 4)))
        .unwrap_or_default();
    let text = s
        .text
        .as_ref()
        .map(|sel| {
            // Every match (e.g. each paragraph of a post), up to the cap.
            let mut html = String::new();
            for t in el.select(sel) {
                if html.len() > MAX_TEXT * 4 {
                    break;
                }
                html.push_str(&dom::html_capped(t, MAX_TEXT * 4));
                html.push('\n');
            }
            truncate_owned(html_to_text(&truncate(&html, MAX_TEXT * 4)), MAX_TEXT)
        })
        .unwrap_or_default();
    if title.is_empty() && text.is_empty() {
        return None;
    }
    // The link element's href (or its first link's); without a link selector,
    // a title that is itself a link.
    let href = match &s.link {
        Some(sel) => el.select(sel).next().and_then(|l| {
            l.value().attr("href").map(str::to_owned).or_else(|| {
                l.select(&any_link())
                    .next()
                    .and_then(|a| a.value().attr("href").map(str::to_owned))
            })
        }),
        None => first(el, &s.title).and_then(|t| t.value().attr("href").map(str::to_owned)),
    };
    let url = href
        .and_then(|h| page_url.join(h.trim()).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"));
    let key = match &url {
        Some(u) => format!("url:{}", canonical_url(u)),
        None => hash_key(&title, &text),
    };
    let published = first(el, &s.date).and_then(|d| {
        let raw = match d.value().attr("datetime") {
            Some(v) => v.to_string(),
            None => one_line(&dom::text_capped(d, 1024)),
        };
        parse_date(&raw)
    });
    let author = first(el, &s.author)
        .map(|a| truncate(&one_line(&dom::text_capped(a, 1024)), 200).into_owned())
        .filter(|a| !a.is_empty());
    let title = if title.is_empty() {
        let short: String = one_line(&text).chars().take(TITLE_CHARS).collect();
        short
    } else {
        title
    };
    Some(Item {
        key,
        url,
        title: truncate_owned(title, MAX_TITLE),
        text,
        author,
        published,
        rating: None,
        page_link: None,
    })
}

fn any_link() -> Selector {
    Selector::parse("a[href]").expect("a constant selector parses")
}

/// RFC 3339, `YYYY-MM-DD` (with or without a time), `22-11-2026`,
/// `22 november 2026`, `22 nov. 2026`, `November 22, 2026` (Dutch or English
/// month names, anywhere in the text: "Geplaatst op 22 november 2026").
/// A date without a time of day is midnight UTC.
pub fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Some((t, _)) = super::reviews::parse_date(s) {
        return Some(t);
    }
    let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    let lower = s.to_lowercase();
    for w in lower.split_whitespace() {
        let w = w.trim_matches(|c: char| !c.is_ascii_digit());
        for f in ["%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y"] {
            if let Ok(d) = NaiveDate::parse_from_str(w, f) {
                return midnight(d);
            }
        }
    }
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let num = |i: Option<usize>| {
        i.and_then(|i| words.get(i))
            .and_then(|w| w.parse::<u32>().ok())
    };
    let day = |n: Option<u32>| n.filter(|d| (1..=31).contains(d));
    let year = |n: Option<u32>| n.filter(|y| (1900..=2999).contains(y));
    for (i, w) in words.iter().enumerate() {
        let Some(month) = month(w) else { continue };
        let (d, y) = match (day(num(i.checked_sub(1))), year(num(Some(i + 1)))) {
            // 22 november 2026
            (Some(d), Some(y)) => (d, y),
            // November 22, 2026
            _ => match (day(num(Some(i + 1))), year(num(Some(i + 2)))) {
                (Some(d), Some(y)) => (d, y),
                _ => continue,
            },
        };
        if let Some(date) = NaiveDate::from_ymd_opt(y as i32, month, d) {
            return midnight(date);
        }
    }
    None
}

/// A Dutch or English month name or its usual abbreviation.
fn month(w: &str) -> Option<u32> {
    let m = match w {
        "januari" | "january" | "jan" => 1,
        "februari" | "february" | "feb" => 2,
        "maart" | "march" | "mrt" | "mar" => 3,
        "april" | "apr" => 4,
        "mei" | "may" => 5,
        "juni" | "june" | "jun" => 6,
        "juli" | "july" | "jul" => 7,
        "augustus" | "august" | "aug" => 8,
        "september" | "sep" | "sept" => 9,
        "oktober" | "october" | "okt" | "oct" => 10,
        "november" | "nov" => 11,
        "december" | "dec" => 12,
        _ => return None,
    };
    Some(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selectors(item: &str, title: &str, link: Option<&str>) -> HtmlSelectors {
        let sel = |s: &str| Selector::parse(s).unwrap();
        HtmlSelectors {
            item: sel(item),
            title: Some(sel(title)),
            link: link.map(sel),
            text: Some(sel(".body p")),
            date: Some(sel("time, .date")),
            author: Some(sel(".author")),
            written: String::new(),
        }
    }

    fn page(html: &str, s: &HtmlSelectors) -> Vec<Item> {
        let url = Url::parse("https://forum.example.nl/klachten/acme?page=1").unwrap();
        parse(html.as_bytes(), Some("text/html"), &url, s)
    }

    fn check_date(input: &str, expected: Option<&str>) {
        assert_eq!(
            parse_date(input).map(|t| t.to_rfc3339()),
            expected.map(str::to_string),
            "{input}"
        );
    }

    #[test]
    fn dates() {
        check_date(
            "2026-11-20T09:15:00+01:00",
            Some("2026-11-20T08:15:00+00:00"),
        );
        check_date("2026-11-22", Some("2026-11-22T00:00:00+00:00"));
        check_date("22 november 2026", Some("2026-11-22T00:00:00+00:00"));
        check_date(
            "Geplaatst op 3 mrt. 2026 om 14:05",
            Some("2026-03-03T00:00:00+00:00"),
        );
        check_date("November 22, 2026", Some("2026-11-22T00:00:00+00:00"));
        check_date("Posted Dec 1 2025", Some("2025-12-01T00:00:00+00:00"));
        check_date("22-11-2026", Some("2026-11-22T00:00:00+00:00"));
        check_date("31 februari 2026", None);
        check_date("gisteren", None);
        check_date("mei", None);
    }

    #[test]
    fn fields_links_and_identity() {
        let html = r#"<ul>
          <li class="post"><h2><a href="/t/1">Storing</a></h2>
            <div class="body"><p>Geen <b>internet</b>.</p><p>Al dagen.</p></div>
            <span class="author"> Jan </span><time datetime="2026-11-21T10:00:00Z">gisteren</time></li>
          <li class="post"><h2>Zonder link</h2><span class="date">22 november 2026</span></li>
          <li class="post"><h2> </h2></li>
        </ul>"#;
        let items = page(html, &selectors("li.post", "h2", Some("h2")));
        assert_eq!(
            items.len(),
            2,
            "an item with neither title nor text is skipped"
        );
        let a = &items[0];
        assert_eq!(a.title, "Storing");
        assert_eq!(a.text, "Geen internet.\n\nAl dagen.");
        assert_eq!(
            a.url.as_ref().unwrap().as_str(),
            "https://forum.example.nl/t/1"
        );
        assert_eq!(a.key, "url:https://forum.example.nl/t/1");
        assert_eq!(a.author.as_deref(), Some("Jan"));
        assert_eq!(
            a.published.unwrap().to_rfc3339(),
            "2026-11-21T10:00:00+00:00"
        );
        let b = &items[1];
        assert_eq!(b.url, None);
        assert!(b.key.starts_with("hash:"), "{}", b.key);
        assert_eq!(
            b.key,
            page(html, &selectors("li.post", "h2", Some("h2")))[1].key
        );
        assert_eq!(
            b.published.unwrap().to_rfc3339(),
            "2026-11-22T00:00:00+00:00"
        );
    }

    #[test]
    fn a_link_shared_by_items_is_not_their_identity() {
        let html = r#"<div class="c"><a class="t" href="/reageer">Eerste</a></div>
                      <div class="c"><a class="t" href="/reageer">Tweede</a></div>"#;
        // No link selector: the title's own href is the link.
        let items = page(html, &selectors(".c", "a.t", None));
        assert_eq!(items.len(), 2);
        assert!(items.iter().all(|i| i.url.is_none()));
        assert_ne!(items[0].key, items[1].key);
    }

    #[test]
    fn items_are_capped_and_nothing_matching_is_empty() {
        let many: String = (0..MAX_ITEMS + 20)
            .map(|i| format!("<p class=\"x\"><b>post {i}</b></p>"))
            .collect();
        let s = selectors("p.x", "b", None);
        assert_eq!(page(&many, &s).len(), MAX_ITEMS);
        assert!(page("<html><body>niets</body></html>", &s).is_empty());
    }
}
