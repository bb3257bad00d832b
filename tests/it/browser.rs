//! Issue #13 in a real browser: Debian's chromium, headless, driven through
//! chromedriver (WebDriver) against `earshot run` serving the web inbox.
//! One journey, as a webcare person makes it: log in, filter the inbox to
//! one watch's negative mentions, triage with the keyboard (`j`, `h`, `a`,
//! `l` `c`) without the page reloading, open a mention with `o`, look at the
//! overview's charts; then the command line sees every change, made by that
//! user. A failure leaves a screenshot in `target/browser-screenshots/`.
//!
//! With `EARSHOT_SCREENSHOTS=1` the journey also saves the inbox and the
//! overview there (`inbox.png`, `overview.png`; README's picture).

use fantoccini::{Client, Locator};

use crate::support::browser::{attr, eventually, press, save_screenshot, text, Browser};
use crate::support::web_env::{Item, WebInbox, PASSWORD, USER};

const N1: &str = "Acme Telecom storing: waardeloos, al drie dagen geen internet";
const N2: &str = "Acme Telecom helpdesk reageert niet, slechtste service ooit";
const N3: &str = "Acme Telecom factuur klopt weer niet, belachelijk";
const NEUTRAL: &str = "Acme Telecom opent een winkel in Delft";
const GLOBEX: &str = "Globex levert weer niet, slechtste service ooit";

fn items() -> Vec<Item<'static>> {
    [
        (
            "n1",
            N1,
            "Acme Telecom: waardeloos, geen internet en geen reactie",
        ),
        ("u", NEUTRAL, "Acme Telecom opent een nieuwe winkel"),
        ("n2", N2, "Acme Telecom reageert niet, ik wacht al een week"),
        ("g", GLOBEX, "Globex levert niet, slechtste service ooit"),
        ("n3", N3, "Acme Telecom rekent te veel, belachelijk slecht"),
    ]
    .into_iter()
    .map(|(guid, title, text)| Item {
        guid,
        title,
        text,
        link: None,
    })
    .collect()
}

/// The text of a cell of row `m{id}`, e.g. `td.state`.
async fn cell(c: &Client, id: i64, css: &str) -> String {
    text(c, &format!("tr#m{id} {css}"))
        .await
        .unwrap_or_default()
}

/// Waits until cell `css` of row `id` reads `want`.
async fn until_cell(c: &Client, id: i64, css: &str, want: &str) {
    eventually(&format!("row {id} {css} to read {want:?}"), 10, || async {
        let got = cell(c, id, css).await;
        if got == want {
            Ok(Some(()))
        } else {
            Err(format!("it reads {got:?}"))
        }
    })
    .await;
}

/// The id of the selected row.
async fn selected(c: &Client) -> Option<i64> {
    attr(c, "tr.mention.selected", "data-id")
        .await
        .and_then(|v| v.parse().ok())
}

#[tokio::test(flavor = "multi_thread")]
async fn issue13_browser_triage_with_the_keyboard_and_the_cli_sees_it() {
    let inbox = WebInbox::start(&items()).await;
    // The inbox lists as the command line does: newest first.
    let acme_negative: Vec<i64> = inbox
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
        .filter_map(|m| m["id"].as_i64())
        .collect();
    assert_eq!(
        acme_negative.len(),
        3,
        "the fixture's three acme complaints"
    );
    let base = inbox.base.clone();
    let browser = Browser::start().await;
    let shots = std::env::var_os("EARSHOT_SCREENSHOTS").is_some();
    let ids = acme_negative.clone();
    browser
        .run(
            "issue13_browser_triage_with_the_keyboard_and_the_cli_sees_it",
            move |c| async move {
                journey(c, base, ids, shots).await;
            },
        )
        .await;

    // The command line sees what the browser did, done by the web user.
    let (first, second) = (acme_negative[0], acme_negative[1]);
    let all = inbox.mentions(&[]).await;
    let m = |id: i64| {
        all.iter()
            .find(|m| m["id"] == id)
            .unwrap_or_else(|| panic!("mention {id}"))
            .clone()
    };
    assert_eq!(m(first)["state"], "handled", "{}", m(first));
    assert_eq!(m(second)["state"], "assigned", "{}", m(second));
    assert_eq!(m(second)["assignee"], USER);
    assert_eq!(m(second)["label"], "complaint");
    assert_eq!(m(acme_negative[2])["state"], "new", "untouched");
    for id in [first, second] {
        let history = inbox
            .env
            .json_lines(&["mentions", "history", &id.to_string(), "--format", "json"])
            .await;
        assert!(!history.is_empty(), "history of {id}");
        assert!(history.iter().all(|e| e["by"] == USER), "{history:?}");
    }
    inbox.stop();
}

async fn journey(c: Client, base: String, ids: Vec<i64>, shots: bool) {
    // Not logged in: the login page, which comes back to the inbox.
    c.goto(&format!("{base}/")).await.expect("goto /");
    let name = c
        .wait()
        .for_element(Locator::Id("name"))
        .await
        .expect("login form");
    name.send_keys(USER).await.expect("name");
    c.find(Locator::Id("password"))
        .await
        .expect("password field")
        .send_keys(PASSWORD)
        .await
        .expect("password");
    c.find(Locator::Css("form.login button[type=submit]"))
        .await
        .expect("log in button")
        .click()
        .await
        .expect("log in");
    c.wait()
        .for_element(Locator::Css("form.filters"))
        .await
        .expect("the inbox after logging in");

    // Filter: watch acme, negative.
    c.find(Locator::Css("select[name=watch] option[value=acme]"))
        .await
        .expect("watch option")
        .click()
        .await
        .expect("choose acme");
    c.find(Locator::Css(
        "select[name=sentiment] option[value=negative]",
    ))
    .await
    .expect("sentiment option")
    .click()
    .await
    .expect("choose negative");
    c.find(Locator::Css("form.filters button[type=submit]"))
        .await
        .expect("filter button")
        .click()
        .await
        .expect("filter");
    eventually("the filtered inbox", 10, || async {
        let url = c.current_url().await.map_err(|e| e.to_string())?;
        let q = url.query().unwrap_or("").to_string();
        Ok((q.contains("watch=acme") && q.contains("sentiment=negative")).then_some(()))
    })
    .await;
    let rows: Vec<i64> = {
        let mut v = Vec::new();
        for el in c.find_all(Locator::Css("tr.mention")).await.expect("rows") {
            if let Some(id) = el.attr("data-id").await.expect("data-id") {
                v.push(id.parse::<i64>().expect("numeric id"));
            }
        }
        v
    };
    assert_eq!(
        rows, ids,
        "the filtered inbox lists the three acme complaints, newest first"
    );

    // Keyboard triage, no reload: a mark set now must survive.
    c.execute("window.__earshotNoReload = 42;", vec![])
        .await
        .expect("mark the page");
    assert_eq!(
        selected(&c).await,
        Some(ids[0]),
        "the first row starts selected"
    );
    press(&c, "j").await;
    assert_eq!(selected(&c).await, Some(ids[1]));
    press(&c, "k").await;
    assert_eq!(selected(&c).await, Some(ids[0]));
    press(&c, "h").await;
    until_cell(&c, ids[0], "td.state", "handled").await;
    // Handled leaves the queue: the selection moved on.
    assert_eq!(selected(&c).await, Some(ids[1]));
    press(&c, "a").await;
    until_cell(&c, ids[1], "td.assignee", USER).await;
    until_cell(&c, ids[1], "td.state", "assigned").await;
    press(&c, "l").await;
    press(&c, "c").await;
    until_cell(&c, ids[1], "td.label", "complaint").await;
    assert_eq!(selected(&c).await, Some(ids[1]), "labelling keeps the row");
    let mark = c
        .execute("return window.__earshotNoReload;", vec![])
        .await
        .expect("read the mark");
    assert_eq!(
        mark,
        serde_json::json!(42),
        "the page reloaded during triage"
    );
    if shots {
        save_screenshot(&c, "inbox.png").await.expect("inbox.png");
    }

    // The help overlay.
    press(&c, "?").await;
    let help = c.find(Locator::Id("keys")).await.expect("help");
    assert!(
        help.is_displayed().await.expect("displayed"),
        "? shows the keys"
    );
    press(&c, "?").await;
    assert!(!help.is_displayed().await.expect("displayed"));

    // Open the selected mention.
    press(&c, "o").await;
    let path = format!("/mentions/{}", ids[1]);
    eventually("the mention page", 10, || async {
        let url = c.current_url().await.map_err(|e| e.to_string())?;
        Ok((url.path() == path).then_some(()))
    })
    .await;
    let title = text(&c, "h1#title").await.unwrap_or_default();
    assert_eq!(title, N2);
    assert_eq!(
        text(&c, "#title mark").await.as_deref(),
        Some("Acme Telecom")
    );
    assert_eq!(text(&c, "#assignee").await.as_deref(), Some(USER));
    assert_eq!(text(&c, "#label").await.as_deref(), Some("complaint"));

    // The overview: SVG charts, 30 and 90 bars per watch.
    c.find(Locator::Css("header.top nav a[href='/overview']"))
        .await
        .expect("overview link")
        .click()
        .await
        .expect("open the overview");
    c.wait()
        .for_element(Locator::Css("svg.chart"))
        .await
        .expect("a chart");
    let charts = c.find_all(Locator::Css("svg.chart")).await.expect("charts");
    assert_eq!(charts.len(), 4, "two charts per watch");
    let bars = c
        .find_all(Locator::Css("svg.chart g.bar"))
        .await
        .expect("bars");
    assert_eq!(bars.len(), 2 * (30 + 90));
    if shots {
        save_screenshot(&c, "overview.png")
            .await
            .expect("overview.png");
    }
}
