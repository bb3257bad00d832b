//! Feed formats end to end: each fixture served by a real HTTP server, polled
//! by the real binary, and the stored mentions compared exactly: which items
//! became mentions of which watch, with which title and link, and which did not.

use serde_json::Value;

use crate::corpus::{
    config, field, pairs, serve, source, watch_titles, with_title, ATOM, JSON_FEED, RSS,
};
use crate::support::{Env, Route, Server};

/// Serves `fixture` at `path` as `content_type`, polls it as one source limited
/// to `watches`, and asserts the stored mentions are exactly `expected`
/// (`watch, title, url`, where a url starting with `/` is on the test server).
async fn check_feed(
    fixture: &str,
    content_type: &str,
    path: &str,
    watches: Option<&[&str]>,
    expected: &[(&str, &str, &str)],
) -> (Server, Env, Vec<Value>) {
    let server = serve(&[(path, fixture, content_type)]).await;
    let env = Env::new(&config("", &[source(&server, "feed", path, watches)]));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("1 ok"), "{fixture}: {out}");
    let mentions = env.mentions_json(&[]).await;
    let mut got: Vec<(String, String, String)> = mentions
        .iter()
        .map(|m| {
            (
                field(m, "watch").to_string(),
                field(m, "title").to_string(),
                field(m, "url").to_string(),
            )
        })
        .collect();
    got.sort();
    let mut want: Vec<(String, String, String)> = expected
        .iter()
        .map(|(w, t, u)| {
            let u = if u.starts_with('/') {
                server.url(u)
            } else {
                u.to_string()
            };
            (w.to_string(), t.to_string(), u)
        })
        .collect();
    want.sort();
    assert_eq!(got, want, "mentions stored from {fixture}");
    for m in &mentions {
        assert_eq!(crate::corpus::sources_of(m), vec!["feed"], "{m}");
    }
    (server, env, mentions)
}

#[tokio::test(flavor = "multi_thread")]
async fn rss_2_items_with_html_descriptions() {
    let (_s, _e, mentions) = check_feed(
        "nu-economie.rss",
        RSS,
        "/rss/Economie",
        None,
        &[
            (
                "acme",
                "Grote storing bij Acme Telecom: duizenden klanten zonder internet",
                "https://www.nu.nl/economie/6321234/grote-storing-bij-acme-telecom.html?utm_source=rss&utm_medium=feed&utm_campaign=economie",
            ),
            (
                "hema",
                "HEMA opent vernieuwde winkel in Utrecht met grotere foodafdeling",
                "https://www.nu.nl/economie/6321190/hema-opent-vernieuwde-winkel-in-utrecht.html",
            ),
            (
                "ahold",
                "Supermarktconcern verhoogt winstprognose na sterk kwartaal",
                "https://www.nu.nl/economie/6321102/supermarktconcern-verhoogt-winstprognose.html",
            ),
            // Not "Acme Corporation koopt belang in Acme Telecom" (exclusion), not the ECB.
        ],
    )
    .await;
    let storing = with_title(
        &mentions,
        "Grote storing bij Acme Telecom: duizenden klanten zonder internet",
    )[0];
    assert_eq!(
        field(storing, "canonical_url"),
        "https://nu.nl/economie/6321234/grote-storing-bij-acme-telecom.html"
    );
    assert_eq!(field(storing, "author"), "ANP");
    assert_eq!(field(storing, "published_at"), "2026-11-22T07:51:00Z");
    let text = field(storing, "text");
    assert!(
        text.contains("zitten sinds zondagochtend zonder internet"),
        "{text}"
    );
    assert!(
        !text.contains('<') && !text.contains("CDATA"),
        "HTML left in text: {text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn google_alerts_atom_titles_are_plain_and_links_unwrapped() {
    let (_s, _e, mentions) = check_feed(
        "google-alerts-acme.atom",
        ATOM,
        "/alerts/feeds/05321987654321098765/1234567890123456789",
        Some(&["acme"]),
        &[
            (
                "acme",
                "Grote storing bij Acme Telecom: 'we werken aan een oplossing'",
                "https://www.nu.nl/economie/6321234/grote-storing-bij-acme-telecom.html",
            ),
            (
                "acme",
                "Acme Telecom verhoogt prijzen per 1 januari met 4,9 procent",
                "https://tweakers.net/nieuws/221234/acme-telecom-verhoogt-prijzen-per-1-januari.html",
            ),
            (
                "acme",
                "Prijsvechter: AcmeTel-abonnement nu goedkoper dan simkaart van HEMA",
                "https://www.bellen.com/nieuws/acmetel-goedkoper-dan-hema-sim/",
            ),
            // Not "Acme Corporation publiceert kwartaalcijfers": "Acme" alone is no term.
        ],
    )
    .await;
    let prijzen = with_title(
        &mentions,
        "Acme Telecom verhoogt prijzen per 1 januari met 4,9 procent",
    )[0];
    let text = field(prijzen, "text");
    assert!(text.contains("gestegen kosten & investeringen"), "{text}");
    assert!(!text.contains("<b>") && !text.contains("&amp;"), "{text}");
    assert_eq!(
        field(prijzen, "canonical_url"),
        "https://tweakers.net/nieuws/221234/acme-telecom-verhoogt-prijzen-per-1-januari.html"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_source_without_watches_list_matches_every_watch() {
    // The same alert feed as above, not limited to `watches = ["acme"]`: now the
    // HEMA in the AcmeTel item is a hema mention too. (With the limit it is not:
    // see google_alerts_atom_titles_are_plain_and_links_unwrapped.)
    let prijs = "Prijsvechter: AcmeTel-abonnement nu goedkoper dan simkaart van HEMA";
    let prijs_url = "https://www.bellen.com/nieuws/acmetel-goedkoper-dan-hema-sim/";
    check_feed(
        "google-alerts-acme.atom",
        ATOM,
        "/alerts/all",
        None,
        &[
            (
                "acme",
                "Grote storing bij Acme Telecom: 'we werken aan een oplossing'",
                "https://www.nu.nl/economie/6321234/grote-storing-bij-acme-telecom.html",
            ),
            (
                "acme",
                "Acme Telecom verhoogt prijzen per 1 januari met 4,9 procent",
                "https://tweakers.net/nieuws/221234/acme-telecom-verhoogt-prijzen-per-1-januari.html",
            ),
            ("acme", prijs, prijs_url),
            ("hema", prijs, prijs_url),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn json_feed_items() {
    let (_s, _e, mentions) = check_feed(
        "tweakers-forum.json",
        JSON_FEED,
        "/feeds/providers.json",
        None,
        &[
            (
                "acme",
                "Storing Acme Telecom regio Amsterdam [topic]",
                "https://nu.nl/economie/6321234/grote-storing-bij-acme-telecom.html?fbclid=IwAR2x9Kd8Zp9QqLmN0#reacties",
            ),
            (
                "bol",
                "Bestelling bij bol.com al twee weken onderweg",
                "https://gathering.tweakers.net/forum/list_messages/2251198",
            ),
            (
                "acme",
                "Acme Telecom [31mROOD[0m modem knippert",
                "https://gathering.tweakers.net/forum/list_messages/2251150",
            ),
            // Not the wifi-mesh topic.
        ],
    )
    .await;
    let bol = with_title(&mentions, "Bestelling bij bol.com al twee weken onderweg")[0];
    assert_eq!(field(bol, "author"), "pietjepuk");
    assert_eq!(field(bol, "published_at"), "2026-11-21T19:11:00Z");
    assert!(field(bol, "text").contains("Track & trace staat nog steeds op verzonden"));
}

#[tokio::test(flavor = "multi_thread")]
async fn atom_links_resolve_against_xml_base() {
    let (server, env, _) = check_feed(
        "klm-nieuws.atom",
        ATOM,
        "/nl/feed.atom",
        None,
        &[
            (
                "klm",
                "KLM's nieuwe Boeing 787-10 maakt eerste vlucht naar Johannesburg",
                "https://nieuws.klm.com/nl/2026/11/787-10-johannesburg",
            ),
            (
                "klm",
                "Wijzigingen handbagageregels per december",
                "https://www.klm.nl/reizen/informatie/handbagage",
            ),
            // Not "Jaarcijfers Air France-KLMN Holding": KLMN is another word.
        ],
    )
    .await;
    // Every item's link, matched or not, as preview shows them.
    let urls = preview_urls(&env, &server.url("/nl/feed.atom")).await;
    assert_eq!(
        urls,
        vec![
            "https://nieuws.klm.com/nl/2026/11/787-10-johannesburg",
            "https://www.klm.nl/reizen/informatie/handbagage",
            "https://nieuws.klm.com/en/press/annual-figures",
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rss_relative_links_resolve_against_the_feed_url() {
    let (server, env, _) = check_feed(
        "hema-pers.rss",
        RSS,
        "/feeds/hema/pers.rss",
        None,
        &[
            (
                "hema",
                "HEMA-tompoes dit jaar weer oranje op Koningsdag",
                "/pers/2026/hema-tompoes-oranje.html",
            ),
            (
                "hema",
                "Rookworstactie bij de Hema",
                "/feeds/hema/nieuws/rookworstactie.html",
            ),
        ],
    )
    .await;
    let urls = preview_urls(&env, &server.url("/feeds/hema/pers.rss")).await;
    assert_eq!(
        urls,
        vec![
            server.url("/pers/2026/hema-tompoes-oranje.html"),
            server.url("/feeds/hema/nieuws/rookworstactie.html"),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn relative_links_of_a_moved_feed_resolve_against_its_new_url() {
    let server = serve(&[("/feeds/hema/pers.rss", "hema-pers.rss", RSS)]).await;
    server.route(
        "/pers/rss",
        Route::status(301, "").with_header("Location", "/feeds/hema/pers.rss"),
    );
    let env = Env::new(&config("", &[source(&server, "hema", "/pers/rss", None)]));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("hema: 2 items, 2 new mentions"), "{out}");
    let mut urls: Vec<String> = env
        .mentions_json(&[])
        .await
        .iter()
        .map(|m| field(m, "url").to_string())
        .collect();
    urls.sort();
    assert_eq!(
        urls,
        [
            server.url("/feeds/hema/nieuws/rookworstactie.html"),
            server.url("/pers/2026/hema-tompoes-oranje.html"),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn iso_8859_1_declared_in_the_xml_prolog() {
    let (_s, _e, mentions) = check_feed(
        "latin1-prolog.rss",
        "application/rss+xml",
        "/rss",
        None,
        &[(
            "cafe",
            "Café Nöel: crème brûlée en koffie à volonté",
            "https://www.horecagids-gent.be/recensies/cafe-noel",
        )],
    )
    .await;
    let text = field(&mentions[0], "text");
    assert!(text.contains("beste crème brûlée van Gent"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn iso_8859_1_declared_only_in_the_http_charset() {
    let (_s, _e, mentions) = check_feed(
        "latin1-header.rss",
        "application/rss+xml; charset=ISO-8859-1",
        "/klachten.rss",
        None,
        &[(
            "cafe",
            "Geen café-rijtuig meer in de Intercity naar Brussel",
            "https://www.reiziger.nl/klachten/8812",
        )],
    )
    .await;
    let text = field(&mentions[0], "text");
    assert!(text.contains("Café Nöel op het perron: déjà vu"), "{text}");
}

/// `preview --format json` item urls, in feed order.
async fn preview_urls(env: &Env, url: &str) -> Vec<String> {
    env.ok(&["preview", "--url", url, "--format", "json"])
        .await
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("json line");
            field(&v, "url").to_string()
        })
        .collect()
}

// ------------------------------------------------------------ matching rules

/// Polls the webcare feed (one item per rule) and compares, per item title, the
/// watches that found it; `[]` means the item must not be a mention at all.
#[tokio::test(flavor = "multi_thread")]
async fn matching_rules_end_to_end() {
    let cases: &[(&str, &[&str])] = &[
        // case and diacritics folding: "cafe noel"
        ("Recensie: Café Nöel in Gent", &["cafe"]),
        ("Lange review van een avondje uit", &["cafe"]),
        // whole words: KLM
        ("Nieuwe stoelen in de business class", &["klm"]), // KLM's
        ("Mijn KLM-vlucht naar Bali is geannuleerd", &["klm"]),
        ("Vier uur vertraging op Schiphol", &["klm"]), // #KLM
        ("Vraag over bagage", &["klm"]),               // @KLM
        ("KLMN Holding publiceert jaarcijfers", &[]),
        // punctuation inside a term: bol.com
        ("PAKKETJE VAN BOL.COM KWIJT", &["bol"]),
        ("Domeinnaam bolcom.nl te koop", &[]),
        // multi-word terms across HTML tags and line breaks
        ("Kwartaalcijfers supermarkten", &["ahold"]),
        ("Interview met de topman", &["ahold"]),
        // exclusion wins over a term
        ("Acme Corporation koopt belang in Acme Telecom", &[]),
        // regexes
        ("Weer een Acme Tel storing in Rotterdam", &["acme"]),
        ("NS-storing legt treinverkeer rond Utrecht plat", &["ns"]),
        ("Nieuwsbrief november", &[]),
        ("Weerbericht: regen en wind", &[]),
    ];
    let server = serve(&[("/webcare.rss", "matching.rss", RSS)]).await;
    let env = Env::new(&config(
        "",
        &[source(&server, "webcare", "/webcare.rss", None)],
    ));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("webcare: 16 items"), "{out}");
    let mentions = env.mentions_json(&[]).await;
    let expected: Vec<(&str, &str)> = cases
        .iter()
        .flat_map(|(title, watches)| watches.iter().map(move |w| (*w, *title)))
        .collect();
    assert_eq!(watch_titles(&mentions), pairs(&expected));

    let terms = |title: &str| -> Vec<String> {
        with_title(&mentions, title)[0]["terms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(terms("Mijn KLM-vlucht naar Bali is geannuleerd"), ["KLM"]);
    assert_eq!(terms("Recensie: Café Nöel in Gent"), ["cafe noel"]);
    // A regex hit is reported as the original text it matched.
    assert_eq!(
        terms("Weer een Acme Tel storing in Rotterdam"),
        ["Acme Tel storing"]
    );
    assert_eq!(
        terms("NS-storing legt treinverkeer rond Utrecht plat"),
        ["NS-storing"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn snippet_is_the_original_text_around_the_hit() {
    let server = serve(&[("/webcare.rss", "matching.rss", RSS)]).await;
    let env = Env::new(&config(
        "",
        &[source(&server, "webcare", "/webcare.rss", None)],
    ));
    env.ok(&["poll"]).await;
    let mentions = env.mentions_json(&[]).await;
    let snippet = |title: &str| field(with_title(&mentions, title)[0], "snippet").to_string();

    let s = snippet("Lange review van een avondje uit");
    assert!(
        s.contains("belandden we bij Café Nöel, waar de crème brûlée"),
        "{s}"
    );
    assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
    assert!(
        !s.contains("wandeling langs de grachten"),
        "snippet too long: {s}"
    );

    let s = snippet("Kwartaalcijfers supermarkten");
    assert!(s.contains("Topman van Ahold Delhaize is tevreden."), "{s}");
    let s = snippet("Interview met de topman");
    assert!(s.contains("De topman van Ahold Delhaize zei"), "{s}");
    let s = snippet("Vraag over bagage");
    assert!(s.contains("@KLM mijn koffer"), "{s}");
}
