//! One module per source kind, each against a loopback server speaking that
//! kind's format or API: first poll, the cursor or conditional GET on the
//! next, page bounds, errors recorded per source, `preview`, config checks.

mod appstore; // Apple customer-reviews JSON: per-country cursors, page depth, bad bodies
mod bluesky; // XRPC login, search, token refresh, `since` cursor, refused logins
mod feed_dialects; // issue #15: RSS 0.90/0.9x/namespaced 2.0, Atom 0.3, odd type=, lenient JSON Feed, UTF-16: items, authors, dates; items read as none is an error
mod feeds; // RSS, Atom, JSON Feed fixtures: exact mentions, links, charsets, rules
mod hackernews; // Algolia `search_by_date`: cursor, pagination bound, rate limits
mod html_source; // CSS selectors on a forum page: links, dates, stable hashes, 304
mod json_source; // any JSON API mapped by JSON Pointers: key header, ratings, misfits
mod mastodon; // hashtag timeline and full-text search: `since_id`, bearer, reblogs
mod reddit; // search and comments listings: OAuth, rate-limit reset, dedup with feeds
mod reviews; // JSON-LD and microdata review pages: cursor, next page, broken blocks
