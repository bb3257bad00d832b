//! issue #15 §1: every feed family a reader meets yields its items. Each
//! fixture (3 items, Dutch and English, one naming a watched term) is served
//! by a loopback server and polled by the real binary; every item's title,
//! link, author and published time is read back through `preview`, and the
//! one mention through `mentions list`. A feed that holds items but yields
//! none is an error on the source; an honest empty feed is not.

use serde_json::Value;

use crate::corpus::{config, field, serve, source, ATOM, JSON_FEED, RSS};
use crate::support::Env;

/// One expected item: title, link, author, published time (UTC, RFC 3339).
type Expected<'a> = (&'a str, &'a str, Option<&'a str>, Option<&'a str>);

/// Serves `fixture` as `content_type`, polls it, and asserts every item (in
/// feed order) is `items`, and that the one stored mention is the first item,
/// a mention of `watch`. Returns the preview lines.
async fn check_family(
    fixture: &str,
    content_type: &str,
    watch: &str,
    items: &[Expected<'_>],
) -> Vec<Value> {
    let path = format!("/{fixture}");
    let server = serve(&[(&path, fixture, content_type)]).await;
    let env = Env::new(&config("", &[source(&server, "feed", &path, None)]));
    let out = env.ok(&["poll"]).await;
    assert!(
        out.contains(&format!("feed: {} items, 1 new mentions", items.len())),
        "{fixture}: {out}"
    );
    assert!(
        out.contains("1 ok, 0 not modified, 0 failed"),
        "{fixture}: {out}"
    );

    let preview = env
        .json_lines(&["preview", "--source", "feed", "--format", "json"])
        .await;
    let got: Vec<(String, String, Option<String>, Option<String>)> = preview
        .iter()
        .map(|i| {
            let opt = |k: &str| i[k].as_str().map(str::to_string);
            (
                field(i, "title").to_string(),
                field(i, "url").to_string(),
                opt("author"),
                opt("published_at"),
            )
        })
        .collect();
    let want: Vec<(String, String, Option<String>, Option<String>)> = items
        .iter()
        .map(|(t, u, a, p)| {
            (
                t.to_string(),
                u.to_string(),
                a.map(str::to_string),
                p.map(str::to_string),
            )
        })
        .collect();
    assert_eq!(got, want, "items of {fixture}");

    let mentions = env.mentions_json(&[]).await;
    assert_eq!(mentions.len(), 1, "{fixture}: {mentions:?}");
    let m = &mentions[0];
    let (title, url, author, published) = items[0];
    assert_eq!(field(m, "watch"), watch, "{m}");
    assert_eq!(field(m, "title"), title, "{m}");
    assert_eq!(field(m, "url"), url, "{m}");
    assert_eq!(m["author"].as_str(), author, "{m}");
    assert_eq!(m["published_at"].as_str(), published, "{m}");
    preview
}

#[tokio::test(flavor = "multi_thread")]
async fn issue15_rss_090_with_the_netscape_namespace() {
    check_family(
        "rss090-netscape.rdf",
        "application/rdf+xml",
        "klm",
        &[
            (
                "KLM schrapt vluchten naar Amsterdam na storing in bagagesysteem",
                "https://www.heise.de/news/KLM-schrapt-vluchten-9646001.html",
                Some("Jan Jansen"),
                Some("2024-03-05T09:20:00Z"),
            ),
            (
                "Apple releases iOS 17.4 with alternative app stores in the EU",
                "https://www.heise.de/news/Apple-iOS-17-4-9646002.html",
                Some("Emma Smith"),
                // A weekday without its comma.
                Some("2024-03-05T18:05:00Z"),
            ),
            (
                "Glasvezelwet aangenomen door de Tweede Kamer",
                "https://www.heise.de/news/Glasvezelwet-9646003.html",
                None,
                None,
            ),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn issue15_rss_2_with_a_default_namespace() {
    check_family(
        "rss2-userland.rss",
        RSS,
        "hema",
        &[
            (
                "HEMA opent eerste winkel in Londen",
                "http://scripting.com/2024/03/05/hema-londen.html",
                // `<author>jan@example.nl (Jan Jansen)</author>`, not "author".
                Some("Jan Jansen"),
                Some("2024-03-05T10:20:00Z"),
            ),
            (
                "Outliners are back",
                "http://scripting.com/2020/01/10/outliners.html",
                Some("dave@example.com"),
                Some("2020-01-10T14:33:00Z"),
            ),
            (
                "Regen en wind verwacht in het weekend",
                "http://scripting.com/2024/03/06/weer.html",
                None,
                None,
            ),
        ],
    )
    .await;
}

const WEBWINKELS: [Expected; 3] = [
    (
        "bol.com verlaagt drempel voor gratis verzending",
        "https://webwinkelnieuws.example.nl/2024/03/bol-verzending",
        Some("Redactie"),
        // ISO 8601 without a zone is read as UTC.
        Some("2024-03-05T10:20:00Z"),
    ),
    (
        "Parcel lockers popular with online shoppers",
        "https://webwinkelnieuws.example.nl/2024/03/lockers",
        None,
        Some("2024-03-06T07:00:00Z"),
    ),
    (
        "Webwinkels verwachten drukke Pasen",
        "https://webwinkelnieuws.example.nl/2024/03/pasen",
        Some("piet@webwinkelnieuws.example.nl"),
        None,
    ),
];

#[tokio::test(flavor = "multi_thread")]
async fn issue15_rss_version_0_94() {
    check_family("rss-0.94.rss", RSS, "bol", &WEBWINKELS).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn issue15_rss_without_a_version() {
    check_family("rss-no-version.rss", RSS, "bol", &WEBWINKELS).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn issue15_atom_0_3() {
    let preview = check_family(
        "atom03.atom",
        ATOM,
        "klm",
        &[
            (
                "Vlucht geannuleerd, geen bericht gehad",
                "https://forum.reizigers.example.nl/t/1001",
                Some("Piet Pieters"),
                // `<issued>`, not `<modified>`.
                Some("2024-03-05T09:20:00Z"),
            ),
            (
                "Best lounge at Schiphol?",
                "https://forum.reizigers.example.nl/t/1002",
                Some("Emma Smith"),
                Some("2024-03-04T09:00:00Z"),
            ),
            (
                "Treinreis naar Wenen",
                "https://forum.reizigers.example.nl/t/1003",
                Some("anna@example.nl"),
                Some("2024-03-03T20:15:00Z"),
            ),
        ],
    )
    .await;
    // `mode="base64"` content decoded: KLM is named only there.
    let text = |i: usize| field(&preview[i], "text").to_string();
    assert!(
        text(0).contains("Mijn KLM-vlucht naar Bali werd zonder bericht geannuleerd."),
        "{}",
        text(0)
    );
    assert!(
        text(1).contains("Which lounge do you recommend"),
        "{}",
        text(1)
    );
    assert!(
        text(2).contains("De nachttrein naar Wenen was prima."),
        "{}",
        text(2)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn issue15_atom_summary_of_type_text_plain_and_nameless_authors() {
    let preview = check_family(
        "atom-text-plain.atom",
        ATOM,
        "acme",
        &[
            (
                "Storing bij Acme Telecom verholpen",
                "https://www.telecomnieuws.example.nl/storing-acme-verholpen",
                // Google Alerts' `<author><name/></author>`, not "unknown".
                None,
                Some("2024-03-05T10:20:00Z"),
            ),
            (
                "Telecom prices rise across Europe",
                "https://www.telecomnews.example.com/prices-rise",
                Some("Els de Vries"),
                Some("2024-03-05T09:00:00Z"),
            ),
            (
                "Nieuwe zendmast in Utrecht",
                "https://www.utrechtnieuws.example.nl/zendmast",
                None,
                Some("2024-03-04T15:45:00Z"),
            ),
        ],
    )
    .await;
    assert_eq!(
        field(&preview[0], "text"),
        "De storing bij Acme Telecom is na vier uur verholpen."
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn issue15_dotnet_rss_with_a10_updated_and_media_description_type() {
    check_family(
        "dotnet-a10.rss",
        RSS,
        "klm",
        &[
            (
                "KLM vliegt weer dagelijks naar Kaapstad",
                "https://luchtvaart.example.nl/nieuws/2001",
                Some("Marieke de Boer"),
                // `<a10:updated>`: the item has no pubDate.
                Some("2024-03-05T09:20:00Z"),
            ),
            (
                "New lounge opens at Schiphol",
                "https://luchtvaart.example.nl/nieuws/2002",
                None,
                // pubDate (a weekday without its comma) wins over a10:updated.
                Some("2024-03-05T11:00:00Z"),
            ),
            (
                "Vlootvernieuwing loopt vertraging op",
                "https://luchtvaart.example.nl/nieuws/2003",
                Some("info@luchtvaart.example.nl"),
                Some("2024-03-07T09:30:00Z"),
            ),
        ],
    )
    .await;
}

const WEBWINKEL_FORUM: [Expected; 3] = [
    (
        "Bestelling bij bol.com komt maar niet aan",
        "https://forum.webwinkels.example.nl/t/5001",
        Some("pietjepuk"),
        Some("2024-03-05T09:20:00Z"),
    ),
    (
        "Which parcel service is fastest?",
        "https://forum.webwinkels.example.nl/t/5002",
        None,
        Some("2024-03-05T12:00:00Z"),
    ),
    (
        "Retourneren zonder bon",
        "https://forum.webwinkels.example.nl/t/5003",
        Some("Anna"),
        None,
    ),
];

#[tokio::test(flavor = "multi_thread")]
async fn issue15_json_feed_with_an_http_version_and_tags_as_a_string() {
    let preview = check_family("jsonfeed-http.json", JSON_FEED, "bol", &WEBWINKEL_FORUM).await;
    // A numeric id is the item's key, as text.
    assert_eq!(field(&preview[0], "key"), "5001");
}

#[tokio::test(flavor = "multi_thread")]
async fn issue15_json_feed_with_a_utf8_bom() {
    check_family("utf8-bom.json", JSON_FEED, "bol", &WEBWINKEL_FORUM).await;
}

const CAFE: [Expected; 3] = [
    (
        "Recensie: Café Nöel in Gent",
        "https://cafe.example.be/recensies/cafe-noel",
        Some("Sofie Peeters"),
        Some("2024-03-05T09:20:00Z"),
    ),
    (
        "Coffee prices keep rising",
        "https://cafe.example.be/news/coffee-prices",
        None,
        Some("2024-03-06T08:00:00Z"),
    ),
    (
        "Nieuw terras aan de Graslei",
        "https://cafe.example.be/nieuws/graslei",
        None,
        None,
    ),
];

#[tokio::test(flavor = "multi_thread")]
async fn issue15_utf16_le_with_a_bom() {
    check_family("utf16le.rss", "application/rss+xml", "cafe", &CAFE).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn issue15_utf8_with_a_bom() {
    check_family("utf8-bom.rss", RSS, "cafe", &CAFE).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn issue15_utf16_be_with_a_bom() {
    check_family(
        "utf16be.atom",
        ATOM,
        "klm",
        &[
            (
                "Met KLM naar Curaçao: één lange vlucht",
                "https://reisblog.example.nl/curacao",
                Some("Sanne Bakker"),
                Some("2024-03-05T09:20:00Z"),
            ),
            (
                "Packing light for a weekend in Zürich",
                "https://reisblog.example.nl/zurich",
                Some("Sanne Bakker"),
                Some("2024-03-04T08:00:00Z"),
            ),
            (
                "Fietsen langs de Maas",
                "https://reisblog.example.nl/maas",
                None,
                Some("2024-03-03T08:00:00Z"),
            ),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn issue15_items_read_as_none_is_an_error_on_the_source() {
    let server = serve(&[
        ("/pers.atom", "wrong-namespace.atom", ATOM),
        ("/stil.rss", "empty.rss", RSS),
    ])
    .await;
    let env = Env::new(&config(
        "",
        &[
            source(&server, "pers", "/pers.atom", None),
            source(&server, "stil", "/stil.rss", None),
        ],
    ));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("1 ok, 0 not modified, 1 failed"), "{out}");
    assert!(out.contains("stil: 0 items"), "{out}");
    let reports = env.json_lines(&["sources", "--format", "json"]).await;
    let report = |name: &str| {
        reports
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("no {name} in {reports:?}"))
            .clone()
    };
    let pers = report("pers");
    assert_eq!(pers["last_status"], "error", "{pers}");
    let error = pers["last_error"].as_str().unwrap_or_default();
    assert!(
        error.contains("malformed feed") && error.contains("none could be read"),
        "{pers}"
    );
    // An honest empty feed stays a success.
    let stil = report("stil");
    assert_eq!(stil["last_status"], "ok", "{stil}");
    assert!(stil["last_error"].is_null(), "{stil}");
}
