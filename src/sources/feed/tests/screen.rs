//! issue #15 §4: the screen (`Matcher::could_mention` on an item's HTML as
//! written) never turns down an item the matcher would find a mention in.
//! Generated items hide terms behind everything that can join or make
//! letters between the HTML and the folded text: inline tags, comments,
//! scripts, entities (named, numeric, for letters, invisible ones),
//! non-ASCII letters and styled ones, zero-width and control characters.
//! Each is read twice, every item kept and screened; every item with a hit
//! must be among the screened ones, built the same.

use rand::{Rng, SeedableRng};

use super::*;
use crate::config::Watch;
use crate::matcher::Matcher;

fn watch(name: &str, terms: &[&str]) -> Watch {
    Watch {
        name: name.into(),
        terms: terms.iter().map(|s| s.to_string()).collect(),
        exclude: Vec::new(),
        regex: Vec::new(),
        negative_patterns: Vec::new(),
        negative_words: Vec::new(),
        positive_words: Vec::new(),
    }
}

/// Whole words the screen looks for.
const WORDS: &[&str] = &[
    "Acme Telecom",
    "Telecom",
    "AcmeTel",
    "kpn",
    "KPN",
    "Kpn",
    "bol",
    "bol.com",
    "BOL.COM",
    "cafe",
    "Cafe Noel",
    "AT",
    "at",
    "KL",
];

/// Bits of terms (none a word the screen looks for), filler words,
/// separators, and markup and entities that separate.
const PLAIN: &[&str] = &[
    "acme", "Acme", "ACME", "ac", "me", "tele", "Tele", "com", "K", "PN", "P", "N", ".com", "caf",
    "e", "noel", "T", "&amp;", "L", "storing", "s", "1234", "de", "weer", "klant", "vandaag",
    "geen", "net", "werk", "op", "een", "uur", "trein", "Storing", "Het", " ", " ", " ", "  ",
    "\n", "\t", "-", "_", "@", "#", ".", ",", "'", "<p>", "</p>", "<br/>", "<div>", "<b> ",
    " </b>", "&amp;", "&lt;", "&gt;", "&quot;", "&nbsp;", "&#39;", "&mdash;", "&hellip;",
    "&rsquo;", "& ", "’", "“", "…", "—", "™", "€", "«", "\u{00a0}", "\u{2029}", "< ", "<3",
];

/// And every way markup, entities and characters can join or make letters.
const RISKY: &[&str] = &[
    "<b>",
    "</b>",
    "<a href=\"/acme\">",
    "</a>",
    "<!-- c -->",
    "<!--kpn-->",
    "<script>x</script>",
    "<style>y</style>",
    "<i>",
    "<span>",
    "</span>",
    "<",
    ">",
    "<!",
    "<?x?>",
    "</",
    "<script>",
    "&#75;",
    "&#x4B;",
    "&#107;",
    "&eacute;",
    "&ascr;",
    "&fjlig;",
    "&shy;",
    "&#8203;",
    "&",
    "&amp",
    "&nbsp",
    "&#",
    "&#769;",
    "&zwj;",
    "&Kopf;",
    "&amp;#75;",
    "&#xFF2B;",
    "é",
    "ë",
    "𝐊",
    "ＫＰＮ",
    "Café",
    "Noël",
    "oël",
    "Янд",
    "екс",
    "\u{200b}",
    "\u{00ad}",
    "\u{0301}",
    "ⓚ",
    "ﬁ",
    "\u{85}",
    "\u{2060}",
    "\u{1}",
    "\u{7f}",
    "\u{1b}",
    "\u{c}",
];

/// What can sit inside a word and leave it whole in the text: markup that
/// leaves nothing, invisible and control characters.
const INSIDE: &[&str] = &[
    "<b>",
    "</b>",
    "<i></i>",
    "<!-- c -->",
    "<script>x</script>",
    "<style>y</style>",
    "<span>",
    "</a>",
    "&shy;",
    "&#8203;",
    "&zwj;",
    "\u{200b}",
    "\u{00ad}",
    "\u{2060}",
    "\u{1}",
    "\u{7f}",
    "\u{1b}",
];

/// A field of up to 13 pieces, each a word the screen looks for or a
/// risky one with the item's own odds (none, few, many), so that plain
/// fields with and without those words occur, and every hazard in them;
/// a risky piece is, one time in three, a word with something inside it.
fn html(rng: &mut impl Rng, (words, risk): (f64, f64)) -> String {
    let n = rng.random_range(0..14);
    (0..n)
        .map(|_| {
            let pieces = if rng.random_bool(words) {
                WORDS
            } else if rng.random_bool(risk) {
                if rng.random_range(0..3) == 0 {
                    let word = WORDS[rng.random_range(0..WORDS.len())];
                    let at = rng.random_range(1..word.len());
                    let inside = INSIDE[rng.random_range(0..INSIDE.len())];
                    return format!("{}{inside}{}", &word[..at], &word[at..]);
                }
                RISKY
            } else {
                PLAIN
            };
            pieces[rng.random_range(0..pieces.len())].to_string()
        })
        .collect()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// An RSS document of `items` (title, description, content:encoded).
fn rss(items: &[[String; 3]]) -> String {
    let mut doc = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" \
         xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><channel><title>t</title>",
    );
    for (i, [title, summary, content]) in items.iter().enumerate() {
        doc.push_str(&format!(
            "<item><guid>g{i}</guid><link>http://127.0.0.1/{i}</link><title>{}</title>\
             <description>{}</description>",
            escape(title),
            escape(summary)
        ));
        if !content.is_empty() {
            doc.push_str(&format!(
                "<content:encoded>{}</content:encoded>",
                escape(content)
            ));
        }
        doc.push_str("</item>");
    }
    doc.push_str("</channel></rss>");
    doc
}

#[test]
fn issue15_the_screen_keeps_every_item_the_matcher_finds() {
    let matcher = Matcher::new(&[
        watch("acme", &["Acme Telecom", "AcmeTel"]),
        watch("kpn", &["KPN"]),
        watch("bol", &["bol.com"]),
        watch("cafe", &["Café Noël"]),
        watch("att", &["AT&T"]),
        watch("yandex", &["Яндекс"]),
        watch("kl", &["KL"]),
    ])
    .unwrap();
    let screen = |fields: &[&str]| matcher.could_mention(fields);
    let url = Url::parse("http://127.0.0.1/feed.xml").unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(1504);
    let (mut items, mut found, mut turned_down) = (0, 0, 0);
    for round in 0..1500 {
        let batch: Vec<[String; 3]> = (0..20)
            .map(|_| {
                let odds = (
                    [0.0, 0.01, 0.1][rng.random_range(0..3)],
                    [0.0, 0.02, 0.1, 0.4][rng.random_range(0..4)],
                );
                [
                    html(&mut rng, odds),
                    html(&mut rng, odds),
                    html(&mut rng, odds),
                ]
            })
            .collect();
        let doc = rss(&batch);
        let all = parse(doc.as_bytes(), None, &url).unwrap();
        let screened = crate::sources::feed::parse(doc.as_bytes(), None, &url, &screen).unwrap();
        assert_eq!(screened.seen, all.len(), "round {round}");
        turned_down += all.len() - screened.items.len();
        items += all.len();
        for item in &all {
            if matcher.find(&item.title, &item.text).is_empty() {
                continue;
            }
            found += 1;
            let kept = screened.items.iter().find(|s| s.key == item.key);
            assert_eq!(
                kept,
                Some(item),
                "round {round}: an item with a mention was screened out:\n{doc}"
            );
        }
    }
    // The generator reaches both sides: items with mentions, and items
    // the screen rules out.
    assert_eq!(items, 30_000);
    assert!(found > 3_000, "{found} items with a mention");
    assert!(turned_down > 3_000, "{turned_down} items screened out");
    eprintln!("{items} items: {found} with a mention, {turned_down} screened out");
}

/// Terms that plain ASCII text can hold without a letter or digit (`€€€`):
/// nothing is screened out.
#[test]
fn issue15_a_term_without_letters_screens_nothing() {
    let matcher = Matcher::new(&[watch("euro", &["€€€"]), watch("kpn", &["KPN"])]).unwrap();
    assert!(matcher.could_mention(&["prijs: €€€", "", ""]));
    assert!(matcher.could_mention(&["niets", "", ""]));
    let matcher = Matcher::new(&[watch("kpn", &["KPN"])]).unwrap();
    assert!(!matcher.could_mention(&["niets", "<p>ook niets</p>", ""]));
    assert!(matcher.could_mention(&["niets", "<p>bij kpn</p>", ""]));
}

/// The same with the feed-rs reader (a feed the fast path leaves to it).
#[test]
fn issue15_the_screen_applies_to_feeds_feed_rs_reads() {
    let matcher = Matcher::new(&[watch("kpn", &["KPN"])]).unwrap();
    let screen = |fields: &[&str]| matcher.could_mention(fields);
    let url = Url::parse("http://127.0.0.1/feed.xml").unwrap();
    // RSS 0.91 with a DOCTYPE: not the fast path's.
    let doc = "<?xml version=\"1.0\"?><!DOCTYPE rss PUBLIC \"-//Netscape Communications//DTD RSS 0.91//EN\" \
               \"http://my.netscape.com/publish/formats/rss-0.91.dtd\"><rss version=\"0.91\"><channel><title>t</title>\
               <item><title>Storing bij KPN</title><link>http://127.0.0.1/1</link></item>\
               <item><title>Weerbericht</title><link>http://127.0.0.1/2</link></item>\
               <item><title>K&amp;#80;N weer in de lucht</title><link>http://127.0.0.1/3</link></item>\
               </channel></rss>";
    let all = parse(doc.as_bytes(), None, &url).unwrap();
    let screened = crate::sources::feed::parse(doc.as_bytes(), None, &url, &screen).unwrap();
    assert_eq!(screened.seen, 3);
    assert_eq!(all.len(), 3);
    let titles: Vec<&str> = screened.items.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(titles, ["Storing bij KPN", "KPN weer in de lucht"]);
}
