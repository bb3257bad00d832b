//! The sentiment stage through its public API: table-driven cases for
//! complaints, negation, contrast, ratings, custom rules and bad input, and
//! a regression floor over the shared development sets.

use std::path::PathBuf;
use std::time::Instant;

use earshot::sentiment::{eval, Analyzer, CustomRules, Label, Lang, Rating};

fn analyzer() -> &'static Analyzer {
    static A: std::sync::OnceLock<Analyzer> = std::sync::OnceLock::new();
    A.get_or_init(Analyzer::new)
}

/// Scores `text` and checks its label, printing the reasons on failure.
#[track_caller]
fn check(text: &str, expected: Label) {
    let s = analyzer().analyze(text, None, None);
    assert_eq!(
        s.label, expected,
        "{text:?} scored {:.3} ({}) because {:?}",
        s.score, s.lang, s.reasons
    );
}

/// Scores `text` as `lang` and checks its label.
#[track_caller]
fn check_as(text: &str, lang: Lang, expected: Label) {
    let s = analyzer().analyze_as(text, lang, None, None);
    assert_eq!(
        s.label, expected,
        "{text:?} ({lang}) scored {:.3} because {:?}",
        s.score, s.reasons
    );
}

#[track_caller]
fn check_all(lang: Lang, cases: &[(&str, Label)]) {
    for (text, want) in cases {
        check_as(text, lang, *want);
    }
}

/// Issue #14: Dutch writes compounds as one word, so "internetstoring"
/// scored 0 while "storing" counted. The head carries a compound, "on-"
/// negates, a linking "s" or a curse lets the first part carry it; words
/// that only look like compounds stay calm, and English is not split.
#[test]
fn issue14_dutch_compounds_carry_their_parts() {
    use Label::*;
    check_all(
        Lang::Nl,
        &[
            ("Weer een internetstoring in Utrecht", Negative),
            ("Storingsmelding gekregen van de app", Negative),
            ("Treinvertraging bij Amersfoort", Negative),
            ("Wat een klantonvriendelijke winkel", Negative),
            ("Onbehulpzaam personeel bij de balie", Negative),
            ("Kutweer vandaag", Negative),
            ("Supersnel geleverd", Positive),
            ("Ontvangst van mijn pakket bevestigd", Neutral),
            ("Statiegeldbonnetjes inleveren bij de kassa", Neutral),
            ("Misschien morgen", Neutral),
        ],
    );
    check_all(
        Lang::En,
        &[
            ("Our therapist session was booked", Neutral),
            ("The internetoutage page is up", Neutral),
        ],
    );
}

/// Issue #14: accents written for emphasis ("wéér", "nóóit") and curly
/// apostrophes ("won’t") kept patterns from matching.
#[test]
fn issue14_emphasis_accents_fold_before_patterns() {
    use Label::*;
    check_all(
        Lang::Nl,
        &[
            ("Internet werkt wéér niet", Negative),
            ("Ziggo verhoogt wéér de prijs", Negative),
            ("Dit nóóit meer", Negative),
            ("Internet werkt wéér.", Positive),
        ],
    );
    check_all(
        Lang::En,
        &[
            ("The app won’t load", Negative),
            ("Still nó reply from support", Negative),
        ],
    );
}

/// Issue #14: newer emoji had no value.
#[test]
fn issue14_newer_emoji_count() {
    use Label::*;
    check_all(
        Lang::Nl,
        &[
            ("Nieuwe app is live 🙌", Positive),
            ("De nieuwe app 🫠", Negative),
            ("Klantenservice 🤡", Negative),
            ("Mijn bestelling 🥲", Negative),
        ],
    );
    check_all(
        Lang::En,
        &[
            ("New update is out 🙌", Positive),
            ("Customer service 🤡", Negative),
            ("my order 🫠", Negative),
            ("🙃", Negative),
        ],
    );
}

/// Issue #14: a rating written in the text is the writer's verdict, high or
/// low; dates, times, fractions and shares are not ratings.
#[test]
fn issue14_ratings_written_in_the_text() {
    use Label::*;
    check_all(
        Lang::Nl,
        &[
            ("Bezorging ★☆☆☆☆", Negative),
            ("Bezorging 1/5", Negative),
            ("Service: 2 van de 5.", Negative),
            ("1 ster", Negative),
            ("2 sterren", Negative),
            ("10/10 zou weer bestellen", Positive),
            ("Vijf sterren", Positive),
            ("★★★★☆", Positive),
            ("Open 24/7 in Utrecht", Neutral),
            ("Levering binnen 1/2 uur", Neutral),
            ("Op 1/5 besteld", Neutral),
            ("3/4 van de bestellingen", Neutral),
            ("2 van de 5 pakketten kwamen vandaag", Neutral),
        ],
    );
    check_all(
        Lang::En,
        &[
            ("one star", Negative),
            ("Rating: 2/5", Negative),
            ("10/10 would order again", Positive),
            ("5 stars", Positive),
            ("Open 24/7", Neutral),
            ("3/4 of the way there", Neutral),
            ("We ordered on 10/10", Neutral),
            ("9/10 of which arrived", Neutral),
        ],
    );
    // A low rating is a strong complaint, stronger than a lone word.
    let a = analyzer();
    assert!(
        a.analyze_as("1/5", Lang::En, None, None).score
            < a.analyze_as("bad", Lang::En, None, None).score
    );
}

/// Issue #14: praise closing a story of a problem put right is sincere; the
/// irony rule needs the complaint right before the praise.
#[test]
fn issue14_irony_spares_sincere_praise() {
    use Label::*;
    check_all(
        Lang::En,
        &[
            (
                "Flight was cancelled, they rebooked me at once. Highly recommend.",
                Positive,
            ),
            (
                "My package arrived damaged, they sent a new one the next day. Highly recommend",
                Positive,
            ),
            ("Waited on hold for 2 hours. Brilliant.", Negative),
        ],
    );
    check_all(
        Lang::Nl,
        &[
            (
                "Trein had vertraging, de conducteur regelde een taxi. Netjes!",
                Positive,
            ),
            (
                "Vlucht geannuleerd maar binnen 5 minuten omgeboekt via de app. Echt top",
                Positive,
            ),
            ("Weer storing. Echt top", Negative),
            (
                "Al 40 minuten in de rij bij de kassa. Top geregeld.",
                Negative,
            ),
        ],
    );
}

/// Issue #14: a negated complaint is faint approval, not praise; "nothing
/// more X than" is a superlative of X.
#[test]
fn issue14_negated_negatives_are_faint() {
    let a = analyzer();
    let score = |t: &str, lang| a.analyze_as(t, lang, None, None).score;
    for (text, lang) in [
        ("not bad", Lang::En),
        ("It's not an engine problem", Lang::En),
        ("niet slecht", Lang::Nl),
        ("geen probleem", Lang::Nl),
    ] {
        let s = score(text, lang);
        assert!((0.0..0.25).contains(&s), "{text:?} scored {s:.3}");
    }
    assert!(score("not bad", Lang::En) < score("good", Lang::En));
    use Label::*;
    check_as(
        "There is nothing more infuriating than this app",
        Lang::En,
        Negative,
    );
    check_as("Nothing better than a cold beer", Lang::En, Positive);
    check_as("Niets is erger dan wachten op de NS", Lang::Nl, Negative);
    check_as(
        "Er is niets mooier dan een trein die op tijd rijdt",
        Lang::Nl,
        Positive,
    );
}

/// Issue #14: names and markup are no words: a domain ("bol.com"), an HTML
/// entity ("&gt;" is not slang "gt"), "customer care" (a department).
#[test]
fn issue14_names_and_markup_are_no_words() {
    use Label::*;
    check_all(
        Lang::Nl,
        &[
            ("Bestelling via bol.com geplaatst", Neutral),
            ("Coolblue vs bol voor een nieuwe tv", Neutral),
            ("&gt; 3 dagen levertijd", Neutral),
            ("&lt;3 jullie", Positive),
            ("Bol.com. Slecht.", Negative),
        ],
    );
    check_all(
        Lang::En,
        &[
            ("Order &gt; 3 days", Neutral),
            ("Customer care called back", Neutral),
            ("Contact customer care at booking.com", Neutral),
            ("&lt;3 you guys", Positive),
            ("They really care about their customers", Positive),
            ("Customer care doesn't care", Negative),
        ],
    );
}

/// Issue #14: small Dutch words weighed out of proportion ("Eerlijk." as a
/// headline, "eerlijk gezegd" as praise), and "klaar met" (fed up) read as
/// "ready"; English "to be honest" is a discourse marker too.
#[test]
fn issue14_small_words_weigh_in_proportion() {
    use Label::*;
    check_all(
        Lang::Nl,
        &[
            ("Eerlijk gezegd vind ik het jammer", Negative),
            ("Ik ben echt klaar met die storingen", Negative),
            ("Helemaal klaar met jullie", Negative),
            ("Het eten is klaar", Neutral),
            ("In twee dagen klaar met dit boek", Neutral),
            (
                "Snel geleverd. Maar de doos was kapot en de handleiding ontbrak",
                Negative,
            ),
        ],
    );
    check_as("To be honest the service was slow", Lang::En, Negative);
    let a = analyzer();
    let headline = a.analyze_as("Eerlijk. Dat zijn ze", Lang::Nl, None, None);
    let strongest = a.analyze_as("Geweldig. Dat zijn ze", Lang::Nl, None, None);
    assert!(
        headline.score <= strongest.score,
        "{headline:?} vs {strongest:?}"
    );
}

/// Issue #14: English fault words were missing; "without power" is an outage
/// as "zonder stroom" is.
#[test]
fn issue14_fault_words_and_outages() {
    use Label::*;
    check_all(
        Lang::En,
        &[
            ("Having issues with the app", Negative),
            ("Found a bug in checkout", Negative),
            ("This is absurd", Negative),
            ("I was mistreated at the counter", Negative),
            ("Without power since 8am", Negative),
            ("Been without internet all weekend", Negative),
        ],
    );
    check_all(
        Lang::Nl,
        &[
            ("Al sinds vanochtend zonder internet", Negative),
            ("Weer een bug in de app", Negative),
        ],
    );
}

/// Issue #14: news about a brand is a report, not the writer's complaint;
/// a complaint that mentions what the brand says still is one.
#[test]
fn issue14_news_is_no_complaint() {
    use Label::*;
    check_all(
        Lang::Nl,
        &[
            (
                "NS: door een storing rijden er minder treinen tussen Amsterdam en Utrecht (bron: NOS)",
                Neutral,
            ),
            ("Ziggo verhoogt de prijzen per 1 juli, meldt de NOS", Neutral),
            ("Ziggo verhoogt alweer mijn prijs", Negative),
            (
                "Volgens de app is mijn pakket bezorgd maar er ligt niks",
                Negative,
            ),
            // Silence is the complaint, not an attribution.
            (
                "Acme Telecom storing: al uren geen internet, waardeloos. Acme Telecom zegt niets, waardeloos.",
                Negative,
            ),
            (
                "Al uren geen internet. Acme Telecom zegt niets, waardeloos.",
                Negative,
            ),
        ],
    );
    check_all(
        Lang::En,
        &[
            (
                "Spotify cuts 17% of staff amid cost crisis, CEO says",
                Neutral,
            ),
            ("Airline cabin crew to strike over pay, union says", Neutral),
            ("It says delivered but it's not here", Negative),
            ("Outage all day. Acme says nothing, terrible.", Negative),
            (
                "Support says it's fixed but my internet is still down",
                Negative,
            ),
        ],
    );
    let s = analyzer().analyze_as(
        "Ofcom fines EE and BT over emergency call outage (BBC News)",
        Lang::En,
        None,
        None,
    );
    assert!(
        s.reasons.iter().any(|r| r.starts_with("reads as news")),
        "{:?}",
        s.reasons
    );
}

#[test]
fn dutch_complaints() {
    use Label::*;
    let cases = [
        (
            "Al 3 uur in de wacht bij de klantenservice van @KPN",
            Negative,
        ),
        (
            "Nog steeds geen reactie op mijn mail van vorige week",
            Negative,
        ),
        ("Mijn pakket is nog steeds niet bezorgd", Negative),
        (
            "Alweer een storing, geen internet sinds vanochtend",
            Negative,
        ),
        ("Ik wil gewoon mijn geld terug", Negative),
        ("Dubbel afgeschreven deze maand, wat is dit", Negative),
        ("Ik stap over naar een andere provider", Negative),
        ("Ik ga mijn abonnement opzeggen", Negative),
        (
            "Geweldig weer, NS. Derde keer vertraging deze week 👏",
            Negative,
        ),
        ("Wat een slechte service zeg", Negative),
        ("Het boek viel erg tegen", Negative),
        ("Dit is echt niet goed", Negative),
        ("Super bedankt voor de snelle hulp!", Positive),
        ("Wat een mooi boek, echt een aanrader", Positive),
        ("Niet slecht, eigenlijk best goed", Positive),
        ("De trein vertrekt om 8 uur van spoor 5", Neutral),
        ("Ik heb 45 minuten in de wacht gestaan", Negative),
        (
            "Dank je wel @PostNL voor het kwijtraken van mijn pakket",
            Negative,
        ),
        ("Sinds de update kan ik niet meer inloggen", Negative),
        ("De kassa's waren weer eens stuk, lange rijen", Negative),
        ("Voor de derde keer de verkeerde maat ontvangen", Negative),
        (
            "Transavia vlucht 4 uur vertraagd en geen enkele compensatie",
            Negative,
        ),
        ("Snel geholpen door @bol_com, top!", Positive),
        ("@KPN hoe kan ik mijn wifi wachtwoord wijzigen?", Neutral),
        (
            "Vier keer doorverbonden en uiteindelijk opgehangen",
            Negative,
        ),
        ("Zit al een uur zonder stroom", Negative),
        ("Pakket ligt al 5 dagen in het sorteercentrum", Negative),
        ("Al 5 keer gebeld over mijn meterstand", Negative),
        ("De monteur is niet komen opdagen", Negative),
        (
            "Ik betaal voor 1 gbit maar haal nog geen 100 mbit",
            Negative,
        ),
        (
            "40 minuten stilgestaan bij Amersfoort zonder enige uitleg",
            Negative,
        ),
        ("Wasmachine maakt na een week een enorm lawaai", Negative),
        (
            "Elke maand weer een verrassing op de rekening, ik snap er niks van",
            Negative,
        ),
        (
            "Mijn stoel was dubbel geboekt en ik moest achterin",
            Negative,
        ),
        ("Declaratie al twee maanden in behandeling", Negative),
        (
            "Contract stilzwijgend verlengd, nergens melding van gemaakt",
            Negative,
        ),
        (
            "Klantenservice belooft terugbellen, gebeurt nooit",
            Negative,
        ),
        ("Betaling mislukt maar wel van mijn rekening af", Negative),
        ("Korting wordt niet verrekend bij de kassa", Negative),
        ("De bus reed gewoon voorbij, halte overgeslagen", Negative),
        ("Internet valt elke avond rond 8 uur weg", Negative),
        ("Weer een lange wachttijd bij de balie", Negative),
        ("Wegenwacht kwam pas na 4 uur opdagen", Negative),
        (
            "Klantenservice verbindt me steeds door naar een andere afdeling",
            Negative,
        ),
        ("De helft van mijn boodschappen was over de datum", Negative),
        // a short wait or a plain question is no complaint
        ("Ik sta al 10 minuten te wachten op de bus", Neutral),
        ("Hoe lang duurt de levering van een bank normaal?", Neutral),
        ("Ik heb twee keer gebeld over mijn contract", Neutral),
        // a capitalised word inside a Dutch sentence is a name, not "goor"
        ("We waren vandaag in Goor en Hengelo", Neutral),
        // social-media spellings
        ("kanker slechte service van @ziggo, gvd", Negative),
        ("wtf is dit, ik ben er klaar mee", Negative),
        ("vet goed gedaan, thx!", Positive),
        ("Dit is zoooo slechttt", Negative),
        ("héél erg tevreden 😍", Positive),
        ("Het boek boeide me niet", Negative),
    ];
    for (text, want) in cases {
        check(text, want);
    }
}

#[test]
fn english_complaints() {
    use Label::*;
    let cases = [
        ("On hold for 2 hours now, this is ridiculous", Negative),
        ("Still no reply to my email from last week", Negative),
        ("My parcel never arrived", Negative),
        ("The app is down again", Negative),
        ("I want a refund", Negative),
        ("Going to cancel my subscription", Negative),
        ("Never again.", Negative),
        ("Thanks a lot, train delayed again 👏", Negative),
        ("The food was not good", Negative),
        ("Great staff, lovely food!", Positive),
        ("Not bad at all, actually quite nice", Positive),
        ("I never thought it could be this good", Positive),
        ("The store opens at 9 on Mondays", Neutral),
        (
            "Thanks @British_Airways for losing my luggage again",
            Negative,
        ),
        (
            "Been on hold with @Comcast for 90 minutes. Unbelievable.",
            Negative,
        ),
        ("It says delivered but it's not here", Negative),
        ("My iPhone won't turn on after the update", Negative),
        (
            "I was promised a callback yesterday and nobody called",
            Negative,
        ),
        (
            "Sitting on the tarmac for 3 hours, no food no water",
            Negative,
        ),
        (
            "@Lufthansa thanks for the smooth flight and friendly crew",
            Positive,
        ),
        (
            "Although the staff were friendly, the food was awful",
            Negative,
        ),
        ("Heading to the store to pick up my repair", Neutral),
        (
            "Package marked as delivered but nothing at my door",
            Negative,
        ),
        (
            "The technician never came, took a day off work for nothing",
            Negative,
        ),
        (
            "Hold music for 45 minutes and then the line went dead",
            Negative,
        ),
        ("Bike arrived with a cracked screen", Negative),
        ("Keeps logging me out every day", Negative),
        ("Bill went up $30 with no notice", Negative),
        ("Froze my account and support won't tell me why", Negative),
        (
            "Installation appointment rescheduled for the fourth time",
            Negative,
        ),
        ("Shoutout to the conductor who helped my grandma", Positive),
        ("I'm paying for 500 mbps and getting 20", Negative),
        ("Fees are more than the ticket itself", Negative),
        ("Driver ate my fries lol, missing half my order", Negative),
        ("Cancelled my subscription and still got billed", Negative),
        ("The driver threw my package over the fence", Negative),
        (
            "Coupon didn't apply at checkout and customer service hung up",
            Negative,
        ),
        ("Locked me out of my account and I have bills due", Negative),
        ("My shoes fell apart after two weeks", Negative),
        (
            "My order was left at the wrong building in the rain",
            Negative,
        ),
        (
            "Waited 5 minutes on hold and the agent fixed everything, thanks",
            Positive,
        ),
        (
            "Switching to them next month, any tips for porting my number?",
            Neutral,
        ),
    ];
    for (text, want) in cases {
        check(text, want);
    }
}

/// The product and service complaints that need a pattern, not a word:
/// returns, things that stopped working, let-downs, warnings, not coming
/// back, in both languages; their look-alikes stay calm.
#[test]
fn product_and_service_complaints() {
    use Label::*;
    let cases = [
        ("Sending it back tomorrow.", Negative),
        ("I'd like to return it.", Negative),
        ("Within two days it was no longer working", Negative),
        ("Doesn't hold a charge.", Negative),
        (
            "All in all, I'd expected a better experience from them.",
            Negative,
        ),
        ("Buyer beware.", Negative),
        ("I definitely wouldn't go back.", Negative),
        ("The dinner was ok, nothing I would order again.", Negative),
        ("Honestly, this is a place to avoid!", Negative),
        ("The pizza was delivered cold.", Negative),
        ("The soup didn't have much flavor.", Negative),
        ("I had to ask her three times for the bill.", Negative),
        ("I will return to this topic next week.", Neutral),
        ("We'll be back in the office on Monday.", Neutral),
        ("Ik stuur het morgen terug.", Negative),
        ("Doet het na een week al niet meer.", Negative),
        ("Had er veel meer van verwacht.", Negative),
        ("Slechter kan het niet.", Negative),
        ("Niet kopen, blijf er ver vandaan.", Negative),
        ("De pizza werd koud bezorgd.", Negative),
        ("Hier komen we niet meer terug.", Negative),
        ("Valt tegen. Het boek is wel makkelijk te lezen.", Negative),
        ("Morgen ben ik weer terug op kantoor.", Neutral),
        ("Waar blijft mijn pakket???", Negative),
        ("Ik maak me grote zorgen over de levering", Negative),
        ("Ik vond het maar niks.", Negative),
        ("Where is my refund? Ordered on the 3rd.", Negative),
        ("Where is the nearest store?", Neutral),
        ("Very dissapointing performance.", Negative),
        ("You will not be disapointed at all.", Positive),
        ("It has never worked.", Negative),
        ("Customer service is non-existent!!", Negative),
        ("So what's the point?", Negative),
        ("Wat een verassend mooi boek", Positive),
        ("I don't think we'll be going back anytime soon.", Negative),
        ("I will not be eating there again.", Negative),
        ("First (and last) time I order here.", Negative),
        ("The service was not up to par.", Negative),
        ("Over rated.", Negative),
        ("I waited and waited.", Negative),
        ("A FLY was in my apple juice!", Negative),
        ("Er zat een haar in mijn eten", Negative),
        ("Eerste en meteen laatste keer bij deze winkel.", Negative),
        ("De service was echt ondermaats", Negative),
        ("Het apparaat heeft nooit goed gewerkt", Negative),
        ("Wat heb je er nou aan?", Negative),
        (
            "Al 40 minuten in de rij bij de kassa. Top geregeld.",
            Negative,
        ),
        (
            "Ryanair made me pay for a seat next to my 6 year old. Family \"friendly\".",
            Negative,
        ),
        (
            "Seller never shipped, but PayPal got my money back within a week.",
            Positive,
        ),
        ("Nooit meer een gemist pakket met die automaat", Neutral),
        (
            "Albert Heijn bezorgt de helft niet, spullen die ik niet besteld heb 🙄",
            Negative,
        ),
        (
            "Het boek was spannend en soms wat luguber, het leest lekker weg. Zeker een aanrader!",
            Positive,
        ),
        ("Please don't go there.", Negative),
        ("We go there every Friday again and again", Neutral),
    ];
    for (text, want) in cases {
        check(text, want);
    }
}

/// Praise that looks like a complaint to a word counter: negated
/// comparatives, "never ceases to", "nothing short of", and a resolution
/// ("fixed my problem") which is a thank-you; their complaint twins stay
/// negative.
#[test]
fn praise_with_negative_words() {
    use Label::*;
    let cases = [
        ("I could not be happier with it so far.", Positive),
        ("Couldn't be more pleased with the service", Positive),
        ("The service could not be worse.", Negative),
        ("It wouldn't be any good for us.", Negative),
        ("This shop never ceases to amaze me", Positive),
        ("Nothing short of magnificent.", Positive),
        (
            "Thanks @Ziggo, the engineer fixed my problem in ten minutes",
            Positive,
        ),
        ("They still haven't fixed the problem", Negative),
        ("Storing is inmiddels opgelost, dank jullie wel!", Positive),
        ("De storing is nog steeds niet opgelost", Negative),
        ("Internet werkt weer.", Positive),
        ("Internet werkt weer niet", Negative),
        ("Back to work again. Ugh.", Negative),
    ];
    for (text, want) in cases {
        check(text, want);
    }
}

/// A watch's own terms name the brand and carry no sentiment: "happy
/// socks" is a shop, not a mood, for the watch on it.
#[test]
fn a_watch_term_is_no_sentiment() {
    let a = analyzer();
    let text = "happy socks opens a new store in Utrecht";
    let plain = a.analyze_as(text, Lang::En, None, None);
    assert_eq!(plain.label, Label::Positive, "{:?}", plain.reasons);
    let watch = CustomRules::new(&[], &[], &[])
        .expect("no patterns")
        .with_names(&["happy socks".to_string()]);
    let named = a.analyze_as(text, Lang::En, None, Some(&watch));
    assert_eq!(named.label, Label::Neutral, "{:?}", named.reasons);
    // Only the name: other words still count.
    let complaint = a.analyze_as(
        "happy socks sent the wrong size again, terrible",
        Lang::En,
        None,
        Some(&watch),
    );
    assert_eq!(complaint.label, Label::Negative, "{:?}", complaint.reasons);
}

/// Names made of capitalised words carry no sentiment, while a title-cased
/// complaint opening its clause still counts; idioms score as a whole.
#[test]
fn names_and_idioms() {
    use Label::*;
    let cases = [
        ("Catching up on The Walking Dead tonight", Neutral),
        ("Listening to Bad Blood by Taylor on repeat", Neutral),
        ("Worst Customer Service Ever from this airline", Negative),
        ("Went to Best Buy for a charger", Neutral),
        ("My order from Best Buy arrived broken", Negative),
        ("I can't wait to go back", Positive),
        ("Can't wait for my next visit!", Positive),
        ("The tiramisu is to die for", Positive),
        ("I want that new phone so bad", Neutral),
        ("The new phone is so bad", Negative),
        ("Great service, yeah right", Negative),
        (
            "Ik kan niet wachten op een reactie, al 3 weken niks gehoord",
            Negative,
        ),
    ];
    for (text, want) in cases {
        check(text, want);
    }
}

#[test]
fn rules_shift_the_score() {
    let a = analyzer();
    let score = |t: &str| a.analyze(t, None, None).score;
    // negation flips, boosters and CAPS and '!' intensify, dampeners soften
    assert!(score("not good") < 0.0 && score("good") > 0.0);
    assert!(score("niet goed") < 0.0 && score("goed") > 0.0);
    assert!(score("very bad") < score("bad"));
    assert!(score("erg slecht") < score("slecht"));
    assert!(score("slightly bad") > score("bad"));
    assert!(score("this is BAD, really") < score("this is bad, really"));
    assert!(score("bad!!!") < score("bad"));
    // contrast: what follows "but"/"maar" carries the weight
    assert!(score("The food was good but the service was terrible") < 0.0);
    assert!(score("Het eten was slecht, maar de bediening was geweldig") > 0.0);
    // … also when "But"/"Maar" opens the next sentence.
    assert!(score("Goed. Maar de levering duurde drie weken.") < 0.0);
    assert!(score("Nice phone. But it took three weeks to arrive.") < 0.0);
    assert!(score("Slecht weer vandaag. Maar wat een geweldige service!") > 0.0);
    // emoticons and emoji count
    assert!(score("meeting moved to friday :(") < 0.0);
    assert!(score("meeting moved to friday 😡") < 0.0);
    assert!(score("meeting moved to friday 😍") > 0.0);
}

#[test]
fn reasons_explain_the_score() {
    let a = analyzer();
    let s = a.analyze("Nog steeds geen reactie, dit is niet goed", None, None);
    assert_eq!(s.lang, Lang::Nl);
    assert!(
        s.reasons
            .iter()
            .any(|r| r.starts_with("pattern no-response")),
        "{:?}",
        s.reasons
    );
    assert!(
        s.reasons
            .iter()
            .any(|r| r.starts_with("negation 'niet' flips 'goed'")),
        "{:?}",
        s.reasons
    );
    let s = a.analyze("Terrible service", None, None);
    assert!(
        s.reasons.iter().any(|r| r.contains("'Terrible'")),
        "{:?}",
        s.reasons
    );
}

#[test]
fn languages() {
    let a = analyzer();
    assert_eq!(
        a.analyze("Ik heb nog steeds niets ontvangen", None, None)
            .lang,
        Lang::Nl
    );
    assert_eq!(
        a.analyze("I still have not received anything", None, None)
            .lang,
        Lang::En
    );
    assert_eq!(a.analyze("👍👍👍", None, None).lang, Lang::Unknown);
    // forced language
    assert_eq!(a.analyze_as("goed", Lang::Nl, None, None).lang, Lang::Nl);
    assert_eq!(
        a.analyze_as("goed", Lang::Nl, None, None).label,
        Label::Positive
    );
}

#[test]
fn ratings_override_text() {
    let a = analyzer();
    let stars = |v: f64| {
        Some(Rating {
            value: v,
            worst: 1.0,
            best: 5.0,
        })
    };
    let nps = |v: f64| {
        Some(Rating {
            value: v,
            worst: 0.0,
            best: 10.0,
        })
    };
    let text = "Great product, love it";
    assert_eq!(a.analyze(text, stars(1.0), None).label, Label::Negative);
    assert_eq!(a.analyze(text, stars(2.0), None).label, Label::Negative);
    assert_eq!(a.analyze(text, stars(3.0), None).label, Label::Neutral);
    assert_eq!(
        a.analyze("Terrible", stars(4.0), None).label,
        Label::Positive
    );
    assert_eq!(a.analyze(text, nps(6.0), None).label, Label::Negative);
    assert_eq!(a.analyze(text, nps(8.0), None).label, Label::Neutral);
    assert_eq!(a.analyze("awful", nps(9.0), None).label, Label::Positive);
    let s = a.analyze(text, stars(1.0), None);
    assert!(s.reasons[0].starts_with("rating 1/5"), "{:?}", s.reasons);
    assert!(s.score < 0.0);
    // a nonsensical scale is ignored, and says so
    let s = a.analyze(
        text,
        Some(Rating {
            value: 7.0,
            worst: 1.0,
            best: 5.0,
        }),
        None,
    );
    assert_eq!(s.label, Label::Positive);
    assert!(s.reasons[0].contains("ignored"));
}

#[test]
fn custom_rules_add_to_builtins() {
    let a = analyzer();
    let custom = CustomRules::new(
        &["(?i)pinautomaat.{0,20}leeg".to_owned()],
        &["prutsers".to_owned(), "lange rij".to_owned()],
        &["knaller".to_owned()],
    )
    .expect("valid rules");
    let with = |t: &str| a.analyze(t, None, Some(&custom));
    assert_eq!(with("De PINAUTOMAAT is weer leeg").label, Label::Negative);
    assert!(with("De PINAUTOMAAT is weer leeg")
        .reasons
        .iter()
        .any(|r| r.starts_with("custom pattern")));
    assert_eq!(with("die prutsers van de helpdesk").label, Label::Negative);
    assert_eq!(
        with("weer een lange rij bij de kassa").label,
        Label::Negative
    );
    assert_eq!(
        with("deze aanbieding is een knaller").label,
        Label::Positive
    );
    assert_eq!(
        a.analyze("die prutsers van de helpdesk", None, None).label,
        Label::Neutral
    );
    assert!(CustomRules::new(&["[".to_owned()], &[], &[]).is_err());
}

#[test]
fn bad_input_never_panics() {
    let a = analyzer();
    let huge = "slecht nieuws ".repeat(200_000);
    let odd: Vec<String> = vec![
        String::new(),
        " \n\t ".into(),
        "👍".into(),
        "😡😡😡".into(),
        "🏻🏻\u{200d}\u{fe0f}".into(),
        "!!!???...".into(),
        "İSTANBUL ẞ ǅ ﬀ".into(),
        "\u{0}\u{1}\u{7f}\u{202e}reversed".into(),
        "niet".into(),
        "not never no".into(),
        "but maar however".into(),
        "a\u{0301}\u{0301}\u{0301}".into(),
        "ééééééééé goooooood".into(),
        ":( :) <3 :-D".into(),
        "x".repeat(70_000),
        huge.clone(),
        "\n".repeat(10_000),
        "niet goed niet".into(),
        "not\n good".into(),
        String::from_utf8_lossy(&(0u8..=255).collect::<Vec<u8>>()).into_owned(),
    ];
    let start = Instant::now();
    for t in &odd {
        for lang in [Lang::Nl, Lang::En, Lang::Unknown] {
            let s = a.analyze_as(t, lang, None, None);
            assert!(
                s.score.is_finite() && (-1.0..=1.0).contains(&s.score),
                "{:?}",
                s
            );
        }
        let s = a.analyze(
            t,
            Some(Rating {
                value: f64::NAN,
                worst: 0.0,
                best: 10.0,
            }),
            None,
        );
        assert!(s.score.is_finite());
    }
    assert_eq!(a.analyze("", None, None).label, Label::Neutral);
    assert_eq!(a.analyze(&huge, None, None).label, Label::Negative);
    assert!(start.elapsed().as_secs() < 10, "huge inputs are capped");
}

/// Every (prefix of every) word and symbol of a mixed text, to shake out
/// slicing and window bugs at token boundaries.
#[test]
fn every_prefix_scores() {
    let a = analyzer();
    let text = "Nooit zo'n SLECHT boek gelezen!! niet, maar... not bad :( 😡👏🏽 geen reactie; still no reply\nhet boeide me niet";
    for (i, _) in text.char_indices() {
        for lang in [Lang::Nl, Lang::En, Lang::Unknown] {
            let s = a.analyze_as(&text[..i], lang, None, None);
            assert!(s.score.is_finite());
            let s = a.analyze_as(&text[i..], lang, None, None);
            assert!(s.score.is_finite());
        }
    }
}

/// Regression floor on the shared development sets (evaluation data that
/// stays outside the repository). Each floor is the figure the scorer
/// reached when it was set, minus 0.01; raise them when the scorer gets
/// better, never above what passes.
#[test]
fn dev_set_floors() {
    let dev = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/sentiment/dev");
    if !dev.is_dir() {
        println!(
            "note: {} not found; skipping the sentiment regression floor",
            dev.display()
        );
        return;
    }
    // (set, language, NEG precision, NEG F1, macro-F1)
    let floors: &[(&str, Lang, f64, f64, f64)] = &[
        ("en/tweeteval_sentiment_val", Lang::En, 0.465, 0.562, 0.582),
        ("en/uci_yelp_sentences", Lang::En, 0.962, 0.842, 0.856),
        (
            "en/absa16_restaurants_sentences",
            Lang::En,
            0.807,
            0.692,
            0.636,
        ),
        ("nl/bol_book_reviews", Lang::Nl, 0.935, 0.850, 0.860),
        ("nl/political_tweets_train", Lang::Nl, 0.680, 0.540, 0.590),
        ("en/vader_tweets", Lang::En, 0.935, 0.895, 0.612),
        ("en/vader_amazon", Lang::En, 0.792, 0.595, 0.474),
        ("en/vader_movies", Lang::En, 0.726, 0.560, 0.411),
        ("en/vader_nyt", Lang::En, 0.803, 0.591, 0.433),
        ("en/uci_amazon_sentences", Lang::En, 0.974, 0.836, 0.853),
        ("en/uci_imdb_sentences", Lang::En, 0.902, 0.776, 0.799),
        (
            "en/absa16_restaurants_reviews",
            Lang::En,
            0.913,
            0.841,
            0.592,
        ),
    ];
    let a = analyzer();
    let mut failures = Vec::new();
    for (set, lang, p_floor, f1_floor, macro_floor) in floors {
        let path = dev.join(format!("{set}.tsv"));
        let Ok(input) = std::fs::read_to_string(&path) else {
            println!("note: {} not found; skipping it", path.display());
            continue;
        };
        let rows = eval::parse_tsv(&input).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let r = eval::report(&eval::predict(a, &rows, Some(*lang)));
        let neg = &r.classes["neg"];
        println!(
            "{set:<34} NEG P {:.3} R {:.3} F1 {:.3}  macro-F1 {:.3}",
            neg.precision, neg.recall, neg.f1, r.macro_f1
        );
        if neg.precision < *p_floor || neg.f1 < *f1_floor || r.macro_f1 < *macro_floor {
            failures.push(format!(
                "{set}: NEG P {:.3} (floor {p_floor}), NEG F1 {:.3} (floor {f1_floor}), macro-F1 {:.3} (floor {macro_floor})",
                neg.precision, neg.f1, r.macro_f1
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "sentiment regressed:\n{}",
        failures.join("\n")
    );
}

/// Our own corpora of brand mentions as webcare teams meet them (written for
/// earshot, shipped in `tests/fixtures/sentiment/`, so this runs everywhere):
/// complaints without a sentiment word, sarcasm, questions that complain,
/// praise with negative words, news and questions. `brand_mentions_*` was
/// used to find gaps, so its figures are in-sample; `holdout_*` was not.
#[test]
fn brand_mentions_floor() {
    // (file, language, NEG precision, NEG F1, macro-F1)
    // The holdout files were written by someone who saw no code and have
    // never been read for tuning: read their misses and they stop measuring
    // anything. Add a new holdout instead.
    let floors: &[(&str, Lang, usize, f64, f64, f64)] = &[
        ("brand_mentions_nl.tsv", Lang::Nl, 160, 0.897, 0.867, 0.799),
        ("brand_mentions_en.tsv", Lang::En, 160, 0.920, 0.864, 0.787),
        ("holdout_nl.tsv", Lang::Nl, 150, 0.847, 0.605, 0.626),
        ("holdout_en.tsv", Lang::En, 150, 0.830, 0.662, 0.610),
    ];
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sentiment");
    for (file, lang, lines, p_floor, f1_floor, macro_floor) in floors {
        let path = dir.join(file);
        let input =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let rows = eval::parse_tsv(&input).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(rows.len(), *lines, "{file}");
        let r = eval::report(&eval::predict(analyzer(), &rows, Some(*lang)));
        let neg = &r.classes["neg"];
        assert!(
            neg.precision >= *p_floor && neg.f1 >= *f1_floor && r.macro_f1 >= *macro_floor,
            "{file}: NEG P {:.3} (floor {p_floor}), NEG F1 {:.3} (floor {f1_floor}), macro-F1 {:.3} (floor {macro_floor})",
            neg.precision,
            neg.f1,
            r.macro_f1
        );
    }
}

/// Thousands of texts stitched from awkward pieces (negators at the ends,
/// lone punctuation, emoji with modifiers, combining marks, elongations),
/// from a fixed seed so any failure repeats.
#[test]
fn stitched_texts_score_in_range() {
    let a = analyzer();
    let pieces = [
        "niet",
        "not",
        "geen",
        "never",
        "but",
        "maar",
        "zeer",
        "te",
        "too",
        "goed",
        "bad",
        "SLECHT",
        "goooood",
        "!",
        "?",
        ".",
        ",",
        "\n",
        " ",
        "😡",
        "👏🏽",
        "❤\u{fe0f}",
        "\u{200d}",
        ":(",
        ":-)",
        "é",
        "e\u{301}",
        "’",
        "'",
        "#fail",
        "@brand",
        "https://x.y/z",
        "al 3 uur in de wacht",
        "still no reply",
        "3.5",
        "1/5",
        "…",
        "\u{0}",
        "İ",
        "ß",
        "never again",
        "nothing but",
    ];
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    for _ in 0..3000 {
        let len = next() % 12;
        let text: String = (0..len).map(|_| pieces[next() % pieces.len()]).collect();
        let s = a.analyze(&text, None, None);
        assert!(
            s.score.is_finite() && (-1.0..=1.0).contains(&s.score),
            "{text:?}: {s:?}"
        );
        let label_matches = match s.label {
            Label::Negative => s.score < 0.0,
            Label::Positive => s.score > 0.0,
            Label::Neutral => s.score.abs() < 0.1,
        };
        assert!(label_matches, "{text:?}: {s:?}");
    }
}

/// A request to be answered quickly is a customer waiting, not praise of
/// speed (issue #14's leftovers): "snel"/"quick" in it count for nothing,
/// the request itself mildly negative; praise of speed stays praise.
#[test]
fn issue14_a_request_for_a_quick_reply_is_no_praise() {
    let a = analyzer();
    for text in [
        "Graag snel een reactie.",
        "Kunnen jullie z.s.m. reageren?",
        "Please get back to me asap",
        "A quick response would be appreciated.",
    ] {
        let s = a.analyze(text, None, None);
        assert_eq!(s.label, Label::Negative, "{text}: {s:?}");
        assert!(
            s.reasons.iter().any(|r| r.contains("urgent-request")),
            "{text}: {:?}",
            s.reasons
        );
    }
    for text in ["Ik werd snel geholpen, top!", "Thanks for the quick reply!"] {
        assert_eq!(a.analyze(text, None, None).label, Label::Positive, "{text}");
    }
}
