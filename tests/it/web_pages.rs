//! Issue #13, the web inbox's pages over plain HTTP (no browser, no
//! JavaScript): every triage action works as a form POST answered 303 back
//! to the page it came from, the history records the logged-in user, hostile
//! text (markup, a `javascript:` link, bidi controls) is shown inert, the
//! filters, search, sort and paging of the inbox select what the command
//! line selects (a spike alert's link to a watch's open negatives too), a
//! review's stars are shown, and the pages speak Dutch when asked.

use crate::support::web_env::{field, Item, Session, WebInbox, PASSWORD, USER};
use crate::support::{by_title, fixture, Route, Server};

/// Reads as `<script>alert(1)</script>` once XML and then HTML are decoded.
const HOSTILE_TITLE: &str =
    "Acme Telecom &amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt; factuur \u{202e}gnp.exe";
const HOSTILE: &str = "Acme Telecom <script>alert(1)</script> factuur \u{202e}gnp.exe";
const NEGATIVE: &str = "Acme Telecom storing: waardeloos, al drie dagen geen internet";
const NEUTRAL: &str = "Acme Telecom opent een winkel in Delft";
const GLOBEX: &str = "Globex levert weer niet, slechtste service ooit";

fn items() -> Vec<Item<'static>> {
    vec![
        Item {
            guid: "h",
            title: HOSTILE_TITLE,
            text: "klant meldt: &amp;lt;img src=x onerror=alert(2)&amp;gt; Acme Telecom",
            link: Some("javascript:alert(1)"),
        },
        Item {
            guid: "n",
            title: NEGATIVE,
            text: "Acme Telecom reageert niet op mijn klachten, waardeloos",
            link: None,
        },
        Item {
            guid: "u",
            title: NEUTRAL,
            text: "Acme Telecom opent een nieuwe winkel",
            link: None,
        },
        Item {
            guid: "g",
            title: GLOBEX,
            text: "Globex levert weer niet",
            link: None,
        },
    ]
}

async fn id_of(inbox: &WebInbox, title: &str) -> i64 {
    by_title(&inbox.mentions(&[]).await, title)["id"]
        .as_i64()
        .expect("id")
}

/// The titles of the inbox's rows, in the order shown.
fn row_titles(html: &str) -> Vec<String> {
    html.split("<tr class=\"mention")
        .skip(1)
        .filter_map(|row| {
            let a = row.find("<a href=\"/mentions/")?;
            let start = a + row[a..].find('>')? + 1;
            let end = start + row[start..].find("</a>")?;
            Some(row[start..end].to_string())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn issue13_forms_work_without_javascript_and_hostile_text_is_inert() {
    let inbox = WebInbox::start(&items()).await;
    let hostile = by_title(&inbox.mentions(&[]).await, HOSTILE).clone();
    let id = hostile["id"].as_i64().expect("id");
    // Feeds drop links that are not http(s) at ingest; the pages must not
    // count on every source kind doing so: the stored link and a copy's
    // are made hostile by hand.
    let db = rusqlite::Connection::open(inbox.env.db_path()).expect("open the database");
    db.execute(
        "UPDATE items SET url = 'javascript:alert(1)' WHERE id = (SELECT item_id FROM mentions WHERE id = ?1)",
        [id],
    )
    .expect("hostile link");
    db.execute(
        "UPDATE item_sources SET url = 'data:text/html,<script>alert(3)</script>'
         WHERE item_id = (SELECT item_id FROM mentions WHERE id = ?1)",
        [id],
    )
    .expect("hostile copy");
    drop(db);
    let session = Session::login(&inbox.base, USER, PASSWORD).await;

    // The inbox and the mention show the hostile text as text.
    for path in ["/".to_string(), format!("/mentions/{id}")] {
        let (status, html) = session.page(&path).await;
        assert_eq!(status, 200, "{path}: {html}");
        assert!(
            html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
            "{path}: the title is escaped: {html}"
        );
        assert!(!html.contains("<script>alert"), "{path}: {html}");
        assert!(!html.contains("<img src=x"), "{path}: {html}");
        assert!(
            !html.contains("href=\"javascript:"),
            "{path}: a javascript: link: {html}"
        );
        assert!(!html.contains('\u{202e}'), "{path}: bidi control shown");
        assert!(html.contains("factuur gnp.exe"), "{path}");
        // The only scripts are the server's own files.
        for tag in html.match_indices("<script").map(|(i, _)| &html[i..]) {
            assert!(
                tag.starts_with("<script src=\"/assets/"),
                "{path}: {tag:.80}"
            );
        }
    }
    let (_, page) = session.page(&format!("/mentions/{id}")).await;
    assert!(
        page.contains("<mark>Acme Telecom</mark>"),
        "terms marked: {page}"
    );
    // The links are not http(s): shown as text, never as links.
    assert!(
        page.contains("<span class=\"mono\">javascript:alert(1)</span>"),
        "{page}"
    );
    assert!(
        page.contains("nieuws: <span class=\"mono\">data:text/html,&#60;script&#62;alert(3)&#60;/script&#62;</span>"),
        "{page}"
    );
    assert!(!page.contains("href=\"data:"), "{page}");

    // A form POST without JavaScript: 303 back where it came from.
    let (_, html) = session.page("/?watch=acme").await;
    let csrf = field(&html, "csrf").expect("csrf meta");
    let back = "/?watch=acme&sort=negative";
    let r = session
        .post_form(
            &format!("/mentions/{id}/action"),
            &[("csrf", &csrf), ("back", back), ("do", "handle")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], back);
    let r = session
        .post_form(
            &format!("/mentions/{id}/action"),
            &[("csrf", &csrf), ("back", back), ("do", "label:complaint")],
        )
        .await;
    assert_eq!(r.status(), 303);
    // Another site is no place to go back to.
    let r = session
        .post_form(
            &format!("/mentions/{id}/action"),
            &[
                ("csrf", &csrf),
                ("back", "//evil.example/"),
                ("do", "assign"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], format!("/mentions/{id}").as_str());
    // A note from the mention page's form.
    let r = session
        .post_form(
            &format!("/mentions/{id}/action"),
            &[
                ("csrf", &csrf),
                ("back", &format!("/mentions/{id}")),
                ("do", "note"),
                ("text", "<b>called back</b>"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    // Without the token nothing changes.
    let other = id_of(&inbox, NEGATIVE).await;
    let r = session
        .post_form(&format!("/mentions/{other}/action"), &[("do", "ignore")])
        .await;
    assert_eq!(r.status(), 403);

    let now = by_title(&inbox.mentions(&[]).await, HOSTILE).clone();
    assert_eq!(now["state"], "assigned", "{now}");
    assert_eq!(now["assignee"], USER);
    assert_eq!(now["label"], "complaint");
    assert!(now["handled_at"].is_string(), "handled once: {now}");
    assert_eq!(
        by_title(&inbox.mentions(&[]).await, NEGATIVE)["state"],
        "new"
    );
    let history = inbox
        .env
        .json_lines(&["mentions", "history", &id.to_string(), "--format", "json"])
        .await;
    let whats: Vec<(&str, &str)> = history
        .iter()
        .map(|e| {
            (
                e["by"].as_str().unwrap_or(""),
                e["what"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        whats,
        [
            (USER, "state"),
            (USER, "label"),
            (USER, "assignee"),
            (USER, "state"),
            (USER, "note")
        ]
    );
    let (_, page) = session.page(&format!("/mentions/{id}")).await;
    assert!(
        page.contains("&#60;b&#62;called back&#60;/b&#62;"),
        "note escaped: {page}"
    );

    // fetch() from inbox.js: the header instead of the field, the row back.
    let r = session
        .client
        .post(format!("{}/mentions/{other}/action", inbox.base))
        .header(reqwest::header::COOKIE, &session.cookie)
        .header("X-CSRF-Token", &csrf)
        .form(&[("do", "ignore"), ("back", "/")])
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), 200);
    let row = r.text().await.expect("row");
    assert!(
        row.starts_with(&format!(
            "<tr class=\"mention state-ignored\" id=\"m{other}\""
        )),
        "{row}"
    );
    assert_eq!(
        by_title(&inbox.mentions(&[]).await, NEGATIVE)["state"],
        "ignored"
    );
    inbox.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn issue13_inbox_filters_search_sort_and_language() {
    let inbox = WebInbox::start(&items()).await;
    let session = Session::login(&inbox.base, USER, PASSWORD).await;
    let titles = |html: &str| row_titles(html);

    // Open mentions, newest first, as the command line lists them.
    let cli: Vec<String> = inbox
        .mentions(&["--state", "open"])
        .await
        .iter()
        .map(|m| {
            m["title"]
                .as_str()
                .unwrap_or_default()
                .replace('<', "&#60;")
                .replace('>', "&#62;")
                .replace('\u{202e}', "")
        })
        .collect();
    let (status, html) = session.page("/").await;
    assert_eq!(status, 200);
    assert_eq!(titles(&html), cli);
    // The stylesheet and script the page names are served from the binary.
    let assets: Vec<&str> = html
        .split("=\"/assets/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert_eq!(assets, ["earshot.css", "inbox.js"]);
    for a in assets {
        assert_eq!(
            session.get(&format!("/assets/{a}")).await.status(),
            200,
            "{a}"
        );
    }

    let (_, html) = session.page("/?watch=globex").await;
    assert_eq!(titles(&html), [GLOBEX]);
    let (_, html) = session.page("/?q=winkel").await;
    assert_eq!(titles(&html), [NEUTRAL]);
    let (_, html) = session
        .page("/?watch=acme&sentiment=negative&sort=negative")
        .await;
    let negative = titles(&html);
    assert!(negative.contains(&NEGATIVE.to_string()), "{negative:?}");
    assert!(!negative.contains(&NEUTRAL.to_string()), "{negative:?}");
    assert!(
        html.contains("<option value=\"acme\" selected>"),
        "the filter stays set"
    );
    let (_, html) = session.page("/?state=handled").await;
    assert!(titles(&html).is_empty());
    assert!(html.contains("No mentions match"), "{html}");
    let (status, body) = session.page("/?state=done").await;
    assert_eq!(status, 400);
    assert!(body.contains("`state` \"done\""), "{body}");
    for path in ["/mentions/999999", "/mentions/abc"] {
        assert_eq!(session.page(path).await.0, 404, "{path}");
    }
    // Paging: one page of 50 holds all four.
    let (_, html) = session.page("/?offset=50").await;
    assert!(titles(&html).is_empty());
    assert!(html.contains("<a href=\"/\" rel=\"prev\">"), "{html}");

    // Dutch from Accept-Language, and from the footer's switch.
    let r = session
        .client
        .get(format!("{}/overview", inbox.base))
        .header(reqwest::header::COOKIE, &session.cookie)
        .header(reqwest::header::ACCEPT_LANGUAGE, "nl-NL,nl;q=0.9,en;q=0.5")
        .send()
        .await
        .expect("GET");
    let html = r.text().await.expect("body");
    assert!(
        html.contains("<html lang=\"nl\">") && html.contains("Aandeel negatief"),
        "{html}"
    );
    assert!(html.contains("Tijden in Europe/Amsterdam"), "{html}");
    assert_eq!(
        html.matches("<svg").count(),
        4,
        "two charts per watch: {html}"
    );
    let r = session.get("/lang/nl?next=/sources").await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/sources");
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .to_string();
    assert!(cookie.starts_with("lang=nl;"), "{cookie}");
    let r = session
        .client
        .get(format!("{}/sources", inbox.base))
        .header(
            reqwest::header::COOKIE,
            format!("{}; lang=nl", session.cookie),
        )
        .send()
        .await
        .expect("GET");
    let html = r.text().await.expect("body");
    assert!(
        html.contains("Laatst gelukt") && html.contains("nieuws"),
        "{html}"
    );
    // Times local, with the zone.
    assert!(html.contains(" CET<") || html.contains(" CEST<"), "{html}");
    inbox.stop();
}

/// A spike alert links to the inbox listing its watch's open negative
/// mentions (`Frame::negatives_url`): after login that very address lists
/// them, as `mentions list` with the same filters does, and nothing else.
#[tokio::test(flavor = "multi_thread")]
async fn issue13_a_spike_alerts_link_lists_the_watchs_open_negatives() {
    const HANDLED: &str = "Acme Telecom storing: waardeloos, nog steeds geen internet";
    let mut items = items();
    items.push(Item {
        guid: "n2",
        title: HANDLED,
        text: "Acme Telecom reageert niet, waardeloos",
        link: None,
    });
    let inbox = WebInbox::start(&items).await;
    let handled = id_of(&inbox, HANDLED).await.to_string();
    inbox.env.ok(&["mentions", "handle", &handled]).await;
    let want: Vec<String> = inbox
        .mentions(&[
            "--watch",
            "acme",
            "--sentiment",
            "negative",
            "--state",
            "open",
        ])
        .await
        .iter()
        .map(|m| m["title"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(want, [NEGATIVE], "the fixture's one open acme negative");

    // The link exactly as an alert writes it, under this inbox's address.
    let frame = earshot::notify::render::Frame {
        tz: chrono_tz::Europe::Amsterdam,
        inbox: url::Url::parse(&format!("{}/", inbox.base)).ok(),
    };
    let link = frame.negatives_url("acme").expect("a link");
    let path = link
        .strip_prefix(&inbox.base)
        .expect("under the inbox")
        .to_string();
    assert_eq!(path, "/?watch=acme&sentiment=negative&state=open");

    // Not logged in: the login page, coming back to the list after.
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(&link)
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        "/login?next=%2F%3Fwatch%3Dacme%26sentiment%3Dnegative%26state%3Dopen"
    );
    let session = Session::login(&inbox.base, USER, PASSWORD).await;
    let (status, html) = session.page(&path).await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(row_titles(&html), want);
    for selected in [
        "<option value=\"acme\" selected>",
        "<option value=\"negative\" selected>",
        "<option value=\"open\" selected>",
    ] {
        assert!(
            html.contains(selected),
            "the filter shows {selected}: {html}"
        );
    }
    inbox.stop();
}

/// A review's rating is shown as stars on its mention page, with the
/// numbers on hover.
#[tokio::test(flavor = "multi_thread")]
async fn issue13_the_mention_page_shows_a_reviews_stars() {
    const REVIEWS: &str = "/review/acme-telecom.nl";
    let server = Server::start().await;
    // One review: 2 of 5 stars, "Factuur klopt niet".
    server.route(
        REVIEWS,
        Route::ok(
            "text/html; charset=utf-8",
            fixture("reviews/trustpilot-page2.html"),
        ),
    );
    let source = format!(
        "[[source]]\nname = \"trustpilot\"\nkind = \"reviews\"\nurl = \"{}\"\ninterval = \"1h\"\n",
        server.url(REVIEWS)
    );
    let inbox = WebInbox::start_with(server, &source).await;
    let mentions = inbox.mentions(&[]).await;
    assert_eq!(mentions.len(), 1, "{mentions:?}");
    assert_eq!(mentions[0]["rating"]["value"], 2.0);
    let id = mentions[0]["id"].as_i64().expect("id");
    let session = Session::login(&inbox.base, USER, PASSWORD).await;
    let (status, html) = session.page(&format!("/mentions/{id}")).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("<dt>Rating</dt><dd class=\"stars\" title=\"2 (1–5)\">★★☆☆☆</dd>"),
        "{html}"
    );
    inbox.stop();
}
