//! The web inbox's words in English and Dutch: a closed [`Lang`], one
//! [`Messages`] table per language (a struct of `&'static str`, so a key
//! missing from one language does not compile), the few sentences with a
//! number or name in them as methods, and the choice of language from a
//! `lang` cookie or the browser's `Accept-Language` (q-values honoured).
//! Compiled in: nothing is loaded at run time. Pure: no I/O; a header is
//! parsed in bounded time whatever its length.

/// The cookie the footer's language links set.
pub const COOKIE: &str = "lang";

/// A language the interface speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Nl,
}

/// At most this many entries of an `Accept-Language` header are read.
const MAX_RANGES: usize = 32;

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Nl];

    /// The language's tag (`en`, `nl`), as in the cookie and `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Nl => "nl",
        }
    }

    /// The language's own name, for the switch in the footer.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Nl => "Nederlands",
        }
    }

    /// `en`, `nl`, or a tag whose primary subtag is one of them (`nl-BE`).
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or("");
        if primary.eq_ignore_ascii_case("en") {
            Some(Lang::En)
        } else if primary.eq_ignore_ascii_case("nl") {
            Some(Lang::Nl)
        } else {
            None
        }
    }

    /// The page's language: the `lang` cookie when it names one we speak,
    /// else the most preferred one in `Accept-Language`, else English.
    pub fn negotiate(cookie: Option<&str>, accept_language: Option<&str>) -> Lang {
        cookie
            .and_then(Lang::from_tag)
            .or_else(|| accept_language.and_then(from_accept_language))
            .unwrap_or_default()
    }

    /// This language's words.
    pub fn t(self) -> &'static Messages {
        match self {
            Lang::En => &EN,
            Lang::Nl => &NL,
        }
    }

    /// "Mentions 51–100" above a page of the inbox.
    pub fn showing(self, first: usize, last: usize) -> String {
        match self {
            Lang::En => format!("Mentions {first}–{last}"),
            Lang::Nl => format!("Vermeldingen {first}–{last}"),
        }
    }

    /// The title of a watch's chart.
    pub fn per_day(self, watch: &str, days: usize) -> String {
        match self {
            Lang::En => format!("{watch}: mentions per day, last {days} days"),
            Lang::Nl => format!("{watch}: vermeldingen per dag, laatste {days} dagen"),
        }
    }

    /// The footer's note on times.
    pub fn times_in(self, zone: &str) -> String {
        match self {
            Lang::En => format!("Times in {zone}"),
            Lang::Nl => format!("Tijden in {zone}"),
        }
    }

    /// `45s`, `12 min`, `3 h 05 min`, `2 d 04 h` (`—` for none).
    pub fn duration(self, secs: Option<i64>) -> String {
        let (d, h) = match self {
            Lang::En => ("d", "h"),
            Lang::Nl => ("d", "u"),
        };
        match secs {
            None => "—".into(),
            Some(s) if s < 60 => format!("{}s", s.max(0)),
            Some(s) if s < 3600 => format!("{} min", s / 60),
            Some(s) if s < 86_400 => format!("{} {h} {:02} min", s / 3600, s % 3600 / 60),
            Some(s) => format!("{} {d} {:02} {h}", s / 86_400, s % 86_400 / 3600),
        }
    }

    /// A state, sentiment, label or history key (as stored) in words;
    /// anything else as it is.
    pub fn word(self, key: &str) -> &str {
        let t = self.t();
        match key {
            "new" => t.state_new,
            "assigned" => t.state_assigned,
            "handled" => t.state_handled,
            "ignored" => t.state_ignored,
            "open" => t.state_open,
            "negative" => t.sentiment_negative,
            "neutral" => t.sentiment_neutral,
            "positive" => t.sentiment_positive,
            "complaint" => t.label_complaint,
            "praise" => t.label_praise,
            "irrelevant" => t.label_irrelevant,
            "state" => t.state,
            "assignee" => t.assignee,
            "label" => t.label,
            "note" => t.note,
            "tag" => t.tag,
            other => other,
        }
    }
}

/// The best language in an `Accept-Language` value: highest q first, then
/// the order written; `q=0` refuses a language; `*` is not a choice.
fn from_accept_language(header: &str) -> Option<Lang> {
    let mut best: Option<(u16, Lang)> = None;
    for range in header.split(',').take(MAX_RANGES) {
        let mut parts = range.split(';');
        let Some(lang) = parts.next().and_then(Lang::from_tag) else {
            continue;
        };
        let q = parts
            .find_map(|p| {
                let (k, v) = p.split_once('=')?;
                k.trim()
                    .eq_ignore_ascii_case("q")
                    .then(|| quality(v.trim()))
            })
            .unwrap_or(Some(1000));
        let Some(q) = q else { continue };
        if q > 0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, lang));
        }
    }
    best.map(|(_, l)| l)
}

/// An RFC 9110 qvalue (`0`, `0.8`, `1.000`) in thousandths; `None` if malformed.
fn quality(v: &str) -> Option<u16> {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole = match int {
        "0" => 0,
        "1" => 1000,
        _ => return None,
    };
    let mut thousandths = 0u16;
    for (i, b) in frac.bytes().enumerate() {
        thousandths += u16::from(b - b'0') * [100, 10, 1][i];
    }
    let q = whole + thousandths;
    (q <= 1000).then_some(q)
}

/// Every fixed piece of text the pages show, in one language.
#[derive(Debug)]
pub struct Messages {
    pub inbox: &'static str,
    pub overview: &'static str,
    pub sources: &'static str,
    pub signed_in_as: &'static str,
    pub log_out: &'static str,
    pub language: &'static str,
    pub keys_hint: &'static str,

    // The login page.
    pub log_in: &'static str,
    pub name: &'static str,
    pub password: &'static str,
    pub wrong_login: &'static str,

    // The inbox's filters.
    pub search: &'static str,
    pub search_placeholder: &'static str,
    pub filter: &'static str,
    pub clear: &'static str,
    pub any: &'static str,
    pub all_states: &'static str,
    pub sort: &'static str,
    pub newest_first: &'static str,
    pub most_negative_first: &'static str,

    // Columns and fields.
    pub watch: &'static str,
    pub source: &'static str,
    pub title: &'static str,
    pub author: &'static str,
    pub found: &'static str,
    pub published: &'static str,
    pub sentiment: &'static str,
    pub state: &'static str,
    pub assignee: &'static str,
    pub tag: &'static str,
    pub tags: &'static str,
    pub label: &'static str,
    pub note: &'static str,
    pub actions: &'static str,
    pub nobody: &'static str,
    pub untitled: &'static str,
    pub not_scored: &'static str,

    // States, sentiments, labels.
    pub state_new: &'static str,
    pub state_assigned: &'static str,
    pub state_handled: &'static str,
    pub state_ignored: &'static str,
    pub state_open: &'static str,
    pub sentiment_negative: &'static str,
    pub sentiment_neutral: &'static str,
    pub sentiment_positive: &'static str,
    pub label_complaint: &'static str,
    pub label_praise: &'static str,
    pub label_irrelevant: &'static str,

    // Actions.
    pub do_handle: &'static str,
    pub do_assign_me: &'static str,
    pub do_ignore: &'static str,
    pub do_reopen: &'static str,
    pub do_label: &'static str,
    pub add_note: &'static str,
    pub add_tag: &'static str,
    pub action_failed: &'static str,

    // The inbox's list.
    pub no_mentions: &'static str,
    pub newer: &'static str,
    pub older: &'static str,

    // Keyboard help.
    pub keyboard: &'static str,
    pub key_next: &'static str,
    pub key_previous: &'static str,
    pub key_open: &'static str,
    pub key_label: &'static str,
    pub key_help: &'static str,
    pub close: &'static str,

    // One mention.
    pub link: &'static str,
    pub rating: &'static str,
    pub not_a_link: &'static str,
    pub also_at: &'static str,
    pub matched_terms: &'static str,
    pub why: &'static str,
    pub notes: &'static str,
    pub no_notes: &'static str,
    pub history: &'static str,
    pub no_history: &'static str,
    pub when: &'static str,
    pub who: &'static str,
    pub what: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub back_to_inbox: &'static str,

    // The overview.
    pub last_30_days: &'static str,
    pub last_90_days: &'static str,
    pub mentions: &'static str,
    pub negative: &'static str,
    pub share_negative: &'static str,
    pub open_vs_handled: &'static str,
    pub median_to_handle: &'static str,
    pub p90_to_handle: &'static str,
    pub top_sources: &'static str,
    pub no_data: &'static str,

    // Sources.
    pub kind: &'static str,
    pub status: &'static str,
    pub last_poll: &'static str,
    pub last_success: &'static str,
    pub failures: &'static str,
    pub last_error: &'static str,
    pub items: &'static str,
    pub ok: &'static str,
    pub failing: &'static str,
    pub never: &'static str,
    pub no_sources: &'static str,
}

static EN: Messages = Messages {
    inbox: "Inbox",
    overview: "Overview",
    sources: "Sources",
    signed_in_as: "Signed in as",
    log_out: "Log out",
    language: "Language",
    keys_hint: "Press ? for keys",

    log_in: "Log in",
    name: "Name",
    password: "Password",
    wrong_login: "wrong name or password",

    search: "Search",
    search_placeholder: "words, \"a phrase\", prefix*",
    filter: "Filter",
    clear: "Clear",
    any: "any",
    all_states: "all",
    sort: "Sort",
    newest_first: "newest first",
    most_negative_first: "most negative first",

    watch: "Watch",
    source: "Source",
    title: "Title",
    author: "Author",
    found: "Found",
    published: "Published",
    sentiment: "Sentiment",
    state: "State",
    assignee: "Assignee",
    tag: "Tag",
    tags: "Tags",
    label: "Label",
    note: "Note",
    actions: "Actions",
    nobody: "nobody",
    untitled: "(untitled)",
    not_scored: "not scored",

    state_new: "new",
    state_assigned: "assigned",
    state_handled: "handled",
    state_ignored: "ignored",
    state_open: "open",
    sentiment_negative: "negative",
    sentiment_neutral: "neutral",
    sentiment_positive: "positive",
    label_complaint: "complaint",
    label_praise: "praise",
    label_irrelevant: "irrelevant",

    do_handle: "Handled",
    do_assign_me: "Assign to me",
    do_ignore: "Ignore",
    do_reopen: "Reopen",
    do_label: "Label",
    add_note: "Add note",
    add_tag: "Add tag",
    action_failed: "That did not work; reload the page and try again.",

    no_mentions: "No mentions match these filters.",
    newer: "← Newer",
    older: "Older →",

    keyboard: "Keyboard",
    key_next: "next mention",
    key_previous: "previous mention",
    key_open: "open it",
    key_label: "label it, then c complaint, p praise, n neutral, x irrelevant",
    key_help: "show or hide this help",
    close: "Close",

    link: "Link",
    rating: "Rating",
    not_a_link: "not a web link, shown as text",
    also_at: "Also at",
    matched_terms: "Matched",
    why: "Why the scorer thinks so",
    notes: "Notes",
    no_notes: "No notes yet.",
    history: "History",
    no_history: "No changes yet.",
    when: "When",
    who: "Who",
    what: "What",
    from: "From",
    to: "To",
    back_to_inbox: "Back to the inbox",

    last_30_days: "Last 30 days",
    last_90_days: "Last 90 days",
    mentions: "mentions",
    negative: "negative",
    share_negative: "Share negative",
    open_vs_handled: "Open / handled",
    median_to_handle: "Median time to handle",
    p90_to_handle: "p90 time to handle",
    top_sources: "Top sources",
    no_data: "No mentions in this period.",

    kind: "Kind",
    status: "Status",
    last_poll: "Last poll",
    last_success: "Last success",
    failures: "Failures in a row",
    last_error: "Last error",
    items: "Items",
    ok: "ok",
    failing: "failing",
    never: "never",
    no_sources: "No source has been polled yet.",
};

static NL: Messages = Messages {
    inbox: "Inbox",
    overview: "Overzicht",
    sources: "Bronnen",
    signed_in_as: "Ingelogd als",
    log_out: "Uitloggen",
    language: "Taal",
    keys_hint: "Druk ? voor toetsen",

    log_in: "Inloggen",
    name: "Naam",
    password: "Wachtwoord",
    wrong_login: "verkeerde naam of wachtwoord",

    search: "Zoeken",
    search_placeholder: "woorden, \"een zin\", begin*",
    filter: "Filteren",
    clear: "Wissen",
    any: "alle",
    all_states: "alle",
    sort: "Sorteren",
    newest_first: "nieuwste eerst",
    most_negative_first: "meest negatief eerst",

    watch: "Merk",
    source: "Bron",
    title: "Titel",
    author: "Auteur",
    found: "Gevonden",
    published: "Gepubliceerd",
    sentiment: "Sentiment",
    state: "Status",
    assignee: "Toegewezen aan",
    tag: "Tag",
    tags: "Tags",
    label: "Label",
    note: "Notitie",
    actions: "Acties",
    nobody: "niemand",
    untitled: "(zonder titel)",
    not_scored: "niet beoordeeld",

    state_new: "nieuw",
    state_assigned: "toegewezen",
    state_handled: "afgehandeld",
    state_ignored: "genegeerd",
    state_open: "open",
    sentiment_negative: "negatief",
    sentiment_neutral: "neutraal",
    sentiment_positive: "positief",
    label_complaint: "klacht",
    label_praise: "lof",
    label_irrelevant: "niet relevant",

    do_handle: "Afgehandeld",
    do_assign_me: "Aan mij",
    do_ignore: "Negeren",
    do_reopen: "Heropenen",
    do_label: "Label",
    add_note: "Notitie toevoegen",
    add_tag: "Tag toevoegen",
    action_failed: "Dat lukte niet; laad de pagina opnieuw en probeer het nog eens.",

    no_mentions: "Geen vermeldingen met deze filters.",
    newer: "← Nieuwer",
    older: "Ouder →",

    keyboard: "Toetsenbord",
    key_next: "volgende vermelding",
    key_previous: "vorige vermelding",
    key_open: "openen",
    key_label: "label geven, dan c klacht, p lof, n neutraal, x niet relevant",
    key_help: "deze hulp tonen of verbergen",
    close: "Sluiten",

    link: "Link",
    rating: "Beoordeling",
    not_a_link: "geen weblink, als tekst getoond",
    also_at: "Ook gezien bij",
    matched_terms: "Gevonden op",
    why: "Waarom de scorer dit vindt",
    notes: "Notities",
    no_notes: "Nog geen notities.",
    history: "Geschiedenis",
    no_history: "Nog geen wijzigingen.",
    when: "Wanneer",
    who: "Wie",
    what: "Wat",
    from: "Van",
    to: "Naar",
    back_to_inbox: "Terug naar de inbox",

    last_30_days: "Laatste 30 dagen",
    last_90_days: "Laatste 90 dagen",
    mentions: "vermeldingen",
    negative: "negatief",
    share_negative: "Aandeel negatief",
    open_vs_handled: "Open / afgehandeld",
    median_to_handle: "Mediane afhandeltijd",
    p90_to_handle: "p90-afhandeltijd",
    top_sources: "Belangrijkste bronnen",
    no_data: "Geen vermeldingen in deze periode.",

    kind: "Soort",
    status: "Status",
    last_poll: "Laatste poging",
    last_success: "Laatst gelukt",
    failures: "Mislukt op rij",
    last_error: "Laatste fout",
    items: "Items",
    ok: "ok",
    failing: "faalt",
    never: "nooit",
    no_sources: "Nog geen bron opgehaald.",
};

#[cfg(test)]
mod tests {
    use super::*;

    fn check(cookie: Option<&str>, header: Option<&str>, want: Lang) {
        assert_eq!(
            Lang::negotiate(cookie, header),
            want,
            "cookie {cookie:?}, Accept-Language {header:?}"
        );
    }

    #[test]
    fn negotiation() {
        check(None, None, Lang::En);
        check(None, Some("nl"), Lang::Nl);
        check(None, Some("nl-NL,nl;q=0.9,en-US;q=0.8,en;q=0.7"), Lang::Nl);
        check(None, Some("en-GB,en;q=0.9,nl;q=0.8"), Lang::En);
        // q-values, not order, decide.
        check(None, Some("en;q=0.5, nl;q=0.8"), Lang::Nl);
        check(None, Some("de-DE, fr;q=0.9, nl-BE;q=0.3"), Lang::Nl);
        // q=0 refuses; ties go to the first written.
        check(None, Some("nl;q=0, en;q=0.1"), Lang::En);
        check(None, Some("nl;q=0"), Lang::En);
        check(None, Some("nl;q=0.5,en;q=0.5"), Lang::Nl);
        // Malformed q-values are skipped, not trusted.
        check(None, Some("nl;q=2, en;q=0.2"), Lang::En);
        check(None, Some("nl;q=0.1234, en;q=0.2"), Lang::En);
        check(None, Some("nl;q=abc"), Lang::En);
        check(None, Some("*, de"), Lang::En);
        check(None, Some("NL-be ; Q=1.0"), Lang::Nl);
        // The cookie wins when it names a language we speak.
        check(Some("nl"), Some("en"), Lang::Nl);
        check(Some("en"), Some("nl"), Lang::En);
        check(Some("fr"), Some("nl"), Lang::Nl);
        // Only the first entries of an endless header are read.
        let long = format!("{}nl", "de,".repeat(100_000));
        check(None, Some(&long), Lang::En);
    }

    #[test]
    fn qualities() {
        assert_eq!(quality("1"), Some(1000));
        assert_eq!(quality("1.000"), Some(1000));
        assert_eq!(quality("0.8"), Some(800));
        assert_eq!(quality("0.05"), Some(50));
        assert_eq!(quality("0"), Some(0));
        assert_eq!(quality("1.5"), None);
        assert_eq!(quality("-1"), None);
        assert_eq!(quality(""), None);
    }

    #[test]
    fn both_languages_say_every_word_differently_where_it_matters() {
        // The two tables are the same struct, so neither misses a key;
        // a page that falls back to English by mistake shows up here.
        assert_ne!(Lang::En.t().overview, Lang::Nl.t().overview);
        assert_eq!(Lang::Nl.word("handled"), "afgehandeld");
        assert_eq!(Lang::En.word("complaint"), "complaint");
        assert_eq!(Lang::Nl.word("unknown-key"), "unknown-key");
        assert_eq!(Lang::Nl.showing(1, 50), "Vermeldingen 1–50");
    }

    #[test]
    fn durations() {
        assert_eq!(Lang::En.duration(None), "—");
        assert_eq!(Lang::En.duration(Some(45)), "45s");
        assert_eq!(Lang::En.duration(Some(12 * 60)), "12 min");
        assert_eq!(Lang::En.duration(Some(3 * 3600 + 5 * 60)), "3 h 05 min");
        assert_eq!(Lang::Nl.duration(Some(3 * 3600 + 5 * 60)), "3 u 05 min");
        assert_eq!(Lang::En.duration(Some(2 * 86_400 + 4 * 3600)), "2 d 04 h");
    }
}
