//! Issue #15 §5: brand names as people type them, through the binary: a
//! feed whose items write the watched names joined, hyphenated, as handles
//! and domains, in styled Unicode letters, with invisible characters inside,
//! and glued into hashtags and flight numbers; which of them `poll` stores
//! as mentions of which watch, and that the snippet is the original text.

use crate::support::{feed_source, rss, Env, Route, Server};

const WATCHES: &str = "\
[[watch]]\nname = \"rabo\"\nterms = [\"Rabo Bank\"]\n\n\
[[watch]]\nname = \"jumbo\"\nterms = [\"Jumbo Supermarkten\"]\n\n\
[[watch]]\nname = \"kpn\"\nterms = [\"KPN\"]\nexclude = [\"KPN Mobile\"]\n\n\
[[watch]]\nname = \"ziggo\"\nterms = [\"Ziggo\"]\n\n\
[[watch]]\nname = \"ns\"\nterms = [\"NS\"]\n\n\
[[watch]]\nname = \"klm\"\nterms = [\"KL\"]\n\n\
[[watch]]\nname = \"bol\"\nterms = [\"bol\"]\n\n";

/// (guid, title (also the item's text), the watch it mentions or "").
const ITEMS: &[(&str, &str, &str)] = &[
    ("r1", "Storing bij RaboBank vandaag", "rabo"),
    ("r2", "Vraag gesteld aan @rabobank", "rabo"),
    ("r3", "Inloggen op rabobank.nl lukt niet", "rabo"),
    ("r4", "De rabo-bank app is plat", "rabo"),
    ("r5", "Weer eens #rabobank", "rabo"),
    ("j1", "Boodschappen bij Jumbo-Supermarkten", "jumbo"),
    ("j2", "Korting bij JumboSupermarkten", "jumbo"),
    ("k1", "Weer #KPNstoring in Utrecht", "kpn"),
    ("k2", "Storing bij 𝐊𝐏𝐍 weer", "kpn"),
    ("k3", "Storing bij ＫＰＮ weer", "kpn"),
    ("k4", "Storing bij K\u{200b}P\u{ad}N weer", "kpn"),
    ("k5", "KPNMobile abonnement opgezegd", ""),
    ("k6", "kpn-mobile abonnement opgezegd", ""),
    ("k7", "iedereen heeft kpnstoring", ""),
    ("z1", "Alweer #ZiggoStoring", "ziggo"),
    ("n1", "Morgen NSstaking in het hele land", "ns"),
    ("f1", "Vlucht KL1234 vertraagd", "klm"),
    ("b1", "Een bolletje bij de koffie", ""),
];

#[tokio::test(flavor = "multi_thread")]
async fn issue15_brand_names_as_people_type_them() {
    let server = Server::start().await;
    let items: Vec<(&str, &str)> = ITEMS.iter().map(|(g, t, _)| (*g, *t)).collect();
    server.route(
        "/feed.xml",
        Route::ok("application/rss+xml", rss(&items).into_bytes()),
    );
    let env = Env::new(&format!(
        "{WATCHES}{}",
        feed_source("social", &server.url("/feed.xml"))
    ));
    env.ok(&["poll"]).await;

    let mentions = env.mentions_json(&[]).await;
    let mut got: Vec<(String, String)> = mentions
        .iter()
        .map(|m| {
            (
                m["title"].as_str().unwrap_or("").to_string(),
                m["watch"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    got.sort();
    let mut want: Vec<(String, String)> = ITEMS
        .iter()
        .filter(|(_, _, w)| !w.is_empty())
        .map(|(_, t, w)| (t.to_string(), w.to_string()))
        .collect();
    want.sort();
    assert_eq!(got, want);

    // What is shown comes from the original text, as it was written; the
    // configured term is what matched.
    let styled = mentions
        .iter()
        .find(|m| m["title"] == "Storing bij 𝐊𝐏𝐍 weer")
        .expect("the styled mention");
    assert!(
        styled["snippet"].as_str().unwrap_or("").contains("𝐊𝐏𝐍"),
        "{styled}"
    );
    assert_eq!(styled["terms"], serde_json::json!(["KPN"]));
    let hidden = mentions
        .iter()
        .find(|m| m["title"].as_str().is_some_and(|t| t.contains('\u{200b}')))
        .expect("the mention with a zero-width space kept in its text");
    assert_eq!(hidden["terms"], serde_json::json!(["KPN"]));
}
