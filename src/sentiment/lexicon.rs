//! The embedded word lists, parsed once at start into hash maps of valence
//! on VADER's −4…+4 scale: VADER's English lexicon and emoticons, pattern.nl's
//! Dutch adjectives (with their inflected forms generated), VADER's emoji
//! descriptions scored through the English lexicon, and two small
//! hand-written supplements for common complaint and praise words the
//! published lexicons lack.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

const VADER: &str = include_str!("lexicons/en/vader_lexicon.txt");
const PATTERN_NL: &str = include_str!("lexicons/nl/pattern-nl-sentiment.xml");
const AFINN_EN: &str = include_str!("lexicons/en/AFINN-en-165.txt");
const VADER_EMOJI: &str = include_str!("lexicons/emoji/vader_emoji_utf8_lexicon.txt");

/// pattern.nl polarity is −1…+1; VADER valence is −4…+4 with everyday
/// words ("good" 1.9, "bad" −2.5) near ±2. 3.5 puts "goed" (0.55) at 1.9
/// and "slecht" (−0.7) at −2.45.
const PATTERN_SCALE: f32 = 3.5;

/// AFINN's −5…+5 onto VADER's −4…+4.
const AFINN_SCALE: f32 = 0.8;

/// Hand-written English additions: complaint and service words VADER lacks
/// or has too weak for customer-care text. Each is common in complaints in
/// general, not picked from any evaluation file.
const EN_SUPPLEMENT: &[(&str, f32)] = &[
    ("overpriced", -2.0),
    ("overcharged", -2.2),
    ("tasteless", -1.8),
    ("flavorless", -1.8),
    ("flavourless", -1.8),
    ("bland", -1.2),
    ("mediocre", -1.5),
    ("stale", -1.5),
    ("soggy", -1.5),
    ("undercooked", -1.5),
    ("overcooked", -1.5),
    ("inedible", -2.5),
    ("outage", -1.8),
    ("unresponsive", -1.8),
    ("unreachable", -1.5),
    ("unhelpful", -2.0),
    ("incompetent", -2.3),
    ("incompetence", -2.3),
    ("rubbish", -2.0),
    ("garbage", -2.0),
    ("trash", -1.8),
    ("joke", -0.5), // "what a joke": in complaints it mocks, not amuses
    ("ripoff", -2.5),
    ("cancelled", -1.0),
    ("canceled", -1.0),
    ("delays", -1.3),
    ("lagging", -1.2),
    ("glitch", -1.3),
    ("glitches", -1.3),
    ("buggy", -1.5),
    ("crashes", -1.5),
    ("crashing", -1.5),
    ("crashed", -1.7),
    ("freezes", -1.3),
    ("bricked", -2.5),
    ("shoutout", 1.8),
    ("helped", 1.2),
    ("leaks", -1.3),
    ("declined", -1.0),
    ("leaking", -1.3),
    ("smelled", -0.8),
    ("smells", -0.8),
    ("stinks", -2.0),
    ("stank", -2.0),
    ("overheats", -1.5),
    ("overheating", -1.5),
    ("cracked", -1.3),
    ("freezing", -1.0),
    ("froze", -1.3),
    ("unwatchable", -2.2),
    ("unreadable", -1.8),
    ("unplayable", -2.0),
    ("faulty", -1.8),
    ("defective", -2.0),
    ("unusable", -2.2),
    ("nightmare", -2.5),
    ("shambles", -2.3),
    ("appalling", -2.8),
    ("atrocious", -2.8),
    ("dreadful", -2.5),
    ("lousy", -2.0),
    ("meh", -0.8),
    ("ugh", -1.5),
    ("smh", -1.5),
    ("sigh", -1.0),
    ("unprofessional", -2.0),
    ("disrespectful", -2.2),
    ("greedy", -1.8),
    ("misleading", -1.8),
    ("slow", -1.2),
    ("slower", -1.2),
    ("slowest", -1.5),
    ("lukewarm", -1.2),
    ("expensive", -0.8),
    ("pricey", -0.6),
    ("underwhelming", -1.8),
    ("underwhelmed", -1.8),
    ("uninspired", -1.5),
    ("overrated", -1.5),
    ("blandest", -1.5),
    ("subpar", -1.8),
    ("greasy", -1.0),
    ("oily", -0.8),
    ("inattentive", -1.5),
    ("ew", -1.5),
    ("eww", -1.5),
    ("eew", -1.5),
    ("fml", -2.2),
    ("lacking", -1.3),
    ("lacks", -1.3),
    ("disgraceful", -2.8),
    // build quality
    ("junk", -2.0),
    ("flimsy", -1.8),
    ("shoddy", -2.0),
    ("unreliable", -1.8),
    ("cheaply", -1.2),
    ("malfunction", -1.8),
    ("malfunctioning", -1.8),
    ("malfunctioned", -1.8),
    ("dud", -1.5),
    ("throttled", -1.5),
    ("throttling", -1.5),
    ("disconnected", -1.0),
    ("fragile", -1.0),
    ("nonexistent", -1.5),
    ("nonresponsive", -1.8),
    // food and place
    ("overhyped", -1.5),
    ("overdone", -1.3),
    ("watery", -1.2),
    ("cramped", -1.0),
];

/// VADER entries that, in mentions, are mostly not sentiment: discourse
/// markers ("well, ...", "honestly,"), requests ("please help"), salutations ("dear"),
/// "pita" (VADER's slang for a nuisance, in reviews the bread),
/// "kind" of "kind of", "pretty" of "pretty slow" and "definitely" (boosters
/// here), "support" (the helpdesk, in "support won't answer"), names
/// and chat shorthand ("amazon", "miss", "ff", "gg"), "hand" of "on the
/// other hand".
const EN_NOT_SENTIMENT: &[&str] = &[
    "well",
    "please",
    "help",
    "hand",
    "amazon",
    "miss",
    "ff",
    "gg",
    "matter",
    "kind",
    "pretty",
    "dear",
    "definitely",
    "support",
    "honestly",
    "pita",
];

/// Hand-written Dutch additions. pattern.nl lists adjectives only; Dutch
/// complaints lean on nouns, verbs and slang ("storing", "vertraging",
/// "kut", "balen", "helaas") that it cannot know, and it has no thanks.
const NL_SUPPLEMENT: &[(&str, f32)] = &[
    // service failures
    ("storing", -1.8),
    ("storingen", -1.8),
    ("vertraging", -1.5),
    ("vertragingen", -1.5),
    ("vertraagd", -1.3),
    ("uitval", -1.5),
    ("uitgevallen", -1.3),
    ("defect", -1.5),
    ("beschadigd", -1.8),
    ("mislukt", -1.8),
    ("mislukte", -1.8),
    ("foutmelding", -1.5),
    ("weigert", -1.3),
    ("weigerde", -1.3),
    ("geweigerd", -1.5),
    ("afgewezen", -1.5),
    ("overboekt", -1.8),
    ("lekt", -1.3),
    ("lekken", -1.3),
    ("geblokkeerd", -1.3),
    ("chapeau", 2.0),
    ("bedroevend", -2.2),
    ("lawaai", -1.2),
    ("herrie", -1.2),
    ("stank", -1.8),
    ("stinkt", -1.8),
    ("prijsverhoging", -1.5),
    ("boete", -1.5),
    ("naheffing", -1.2),
    ("crasht", -1.8),
    ("foutmeldingen", -1.5),
    ("lokkertje", -2.0),
    ("lokkertjes", -2.0),
    ("beschadigde", -1.8),
    ("klacht", -1.5),
    ("klachten", -1.5),
    ("probleem", -1.3),
    ("problemen", -1.3),
    ("fouten", -1.3),
    ("gedoe", -1.5),
    ("ellende", -2.2),
    ("pech", -1.2),
    ("zooi", -1.8),
    ("rommel", -1.8),
    ("troep", -1.8),
    ("bagger", -2.5),
    ("drama", -1.5),
    ("oplichters", -3.0),
    ("oplichting", -3.0),
    ("onaanvaardbaar", -2.3),
    ("onzin", -1.8),
    ("wanprestatie", -2.5),
    ("klantonvriendelijk", -2.3),
    ("tijdverspilling", -2.5),
    ("geldverspilling", -2.5),
    ("teleurstelling", -2.3),
    ("teleurgesteld", -2.1),
    ("teleurstellend", -2.2),
    ("slechtste", -3.0),
    ("achterlijk", -2.3),
    // feelings and social-media interjections
    ("helaas", -1.0),
    ("balen", -1.5),
    ("zucht", -1.0),
    ("pff", -1.0),
    ("pfff", -1.0),
    ("grr", -1.5),
    ("argh", -1.5),
    ("bah", -1.5),
    ("kut", -2.5),
    ("kak", -2.0),
    ("shit", -2.0),
    ("fuck", -2.5),
    ("wtf", -2.0),
    ("hekel", -2.0),
    ("haat", -2.7),
    ("ergernis", -2.0),
    ("ergerlijk", -2.3),
    ("zonde", -1.5),
    ("angst", -1.5),
    ("gezeur", -1.5),
    ("irritant", -2.0),
    // emotions named as nouns and verbs
    ("verdriet", -2.0),
    ("schaamte", -1.8),
    ("woede", -2.5),
    ("boosheid", -2.2),
    ("frustratie", -2.0),
    ("frustrerend", -2.2),
    ("gefrustreerd", -2.0),
    ("geirriteerd", -1.8),
    ("geergerd", -1.8),
    ("ergeren", -1.8),
    ("erger", -1.8),
    ("ergert", -1.8),
    ("gezeik", -2.0),
    ("klagen", -1.2),
    ("vreugde", 2.2),
    ("geluk", 2.0),
    ("dankbaarheid", 2.2),
    ("plezier", 2.0),
    // evaluative verbs, so that "beviel me niet", "klopt niet", "lukt niet"
    // and "het boeide me niet" have a word for the negation to turn
    ("boeien", 1.5),
    ("boeit", 1.5),
    ("boeide", 1.5),
    ("bevallen", 1.5),
    ("bevalt", 1.5),
    ("beviel", 1.5),
    ("klopt", 1.0),
    ("klopte", 1.0),
    ("lukt", 1.0),
    ("lukte", 1.0),
    ("geholpen", 1.0),
    ("waarderen", 1.5),
    ("waardeer", 1.5),
    ("aanbevelen", 1.5),
    ("irriteren", -1.8),
    ("irriteert", -1.8),
    ("teleurstellen", -2.0),
    // praise and thanks
    ("bedankt", 1.8),
    ("dank", 1.5),
    ("dankjewel", 2.0),
    ("dankuwel", 2.0),
    ("dankbaar", 2.0),
    ("toppie", 2.3),
    ("topper", 2.3),
    ("top", 2.0),
    ("aanrader", 2.3),
    ("aanraden", 1.5),
    ("aanbevolen", 1.5),
    ("genieten", 2.0),
    ("genoten", 2.0),
    ("liefde", 2.5),
    ("hoop", 1.0),
    ("behulpzaam", 2.0),
    ("klantvriendelijk", 2.0),
    ("hoera", 2.5),
    ("gefeliciteerd", 2.5),
    ("proficiat", 2.5),
    ("lol", 1.5),
    ("haha", 1.5),
    ("hahaha", 1.5),
    // social-media Dutch: slang, curses and the English loanwords Dutch
    // posts use as their own ("vet" here is "cool", not "fat")
    ("vet", 1.5),
    ("chill", 1.2),
    ("nice", 1.8),
    ("thanks", 1.9),
    ("thx", 1.9),
    ("thnx", 1.9),
    ("tnx", 1.9),
    ("merci", 1.8),
    ("dankje", 1.9),
    ("love", 2.5),
    ("happy", 2.2),
    ("awesome", 2.5),
    ("sorry", -0.5),
    ("fail", -2.0),
    ("sad", -2.0),
    ("boring", -1.5),
    ("crap", -2.0),
    ("sucks", -1.5),
    ("godverdomme", -2.5),
    ("gvd", -2.0),
    ("verdomme", -2.0),
    ("tering", -2.0),
    ("kanker", -2.5),
    ("kolere", -2.0),
    ("tyfus", -2.0),
    ("mwah", -1.0),
    ("mwa", -1.0),
    ("meh", -0.8),
    ("lauw", -1.2), // of food and drink: lukewarm
];

/// pattern.nl forms that in running Dutch are nearly always a function word
/// or another word spelt the same: "naar" (to / nasty), "laat" (let /
/// late), "vroeg" (asked / early), "gemaakt" (made / affected), "waar"
/// (where / true), "net" (just / neat), "eens" (once / agreed), the
/// boosters "zeer", "heel", "hele", and neutral descriptors of size, time
/// and colour ("groot", "tijdelijk", "zwart"). Their inflected forms
/// ("laatste" from "laat") go too.
const NL_NOT_SENTIMENT: &[&str] = &[
    "min",            // "15 min": minutes, not "mean"
    "leidinggevende", // the manager, not "managerial"
    "naar",
    "laat",
    "vroeg",
    "gemaakt",
    "waar",
    "echt",
    "juist",
    "eens",
    "bekend",
    "zeker",
    "direct",
    "net",
    "vast",
    "open",
    "vol",
    "groot",
    "grote",
    "groter",
    "klein",
    "kleine",
    "duidelijk",
    "belangrijk",
    "belangrijke",
    "nodig",
    "mogelijk",
    "natuurlijk",
    "gelezen",
    "zeer",
    "heel",
    "hele",
    "letterlijk",
    "persoonlijk",
    "gewoon",
    "even",
    "lang",
    "eigen",
    "tijdelijk",
    "voorlopig",
    "zwart",
    "rood",
    "wit",
    "gemiddeld",
    "oud",
    "nieuw",
    "hoog",
    "kort",
    "minst",
    "minste",
    "uitverkocht",
    "vrij",
    "extra",
];

/// Emoji whose VADER description scores badly through the word lexicon
/// ("face with rolling eyes" holds no sentiment word) yet whose use in
/// complaints is plain. Values follow VADER's scale.
const EMOJI_SUPPLEMENT: &[(char, f32)] = &[
    ('🙄', -1.5),
    ('😒', -1.5),
    ('😑', -1.0),
    ('😤', -2.0),
    ('😠', -2.5),
    ('😡', -3.0),
    ('🤬', -3.0),
    ('🤦', -1.8),
    ('💩', -2.0),
    ('👎', -2.0),
    ('👍', 1.5),
    ('🤮', -2.5),
    ('🤢', -2.0),
    ('💔', -2.3),
    ('😩', -2.0),
    ('😫', -2.0),
    ('😞', -2.0),
    ('😔', -1.8),
    ('😢', -2.0),
    ('😭', -1.5),
    ('😕', -1.3),
    ('🙁', -1.5),
    ('☹', -1.8),
    ('😂', 1.0),
    ('🤣', 1.2),
    ('😍', 3.0),
    ('🥰', 3.0),
    ('❤', 2.5),
    ('♥', 2.3),
    ('💕', 2.5),
    ('😊', 2.3),
    ('🙂', 1.2),
    ('😀', 2.0),
    ('😁', 2.0),
    ('😃', 2.0),
    ('😄', 2.2),
    ('🙏', 1.0),
    ('👏', 1.3),
    ('🎉', 2.2),
    ('💪', 1.5),
    ('🔥', 1.2),
    ('👌', 1.5),
];

/// The Fx hash (rustc's): word lookups are most of the scorer's work and
/// SipHash's flood resistance buys nothing for maps that are only read.
#[derive(Default, Clone, Copy)]
pub(super) struct FxHasher {
    hash: u64,
}

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

pub(super) type FxBuild = BuildHasherDefault<FxHasher>;

pub(super) struct Lexicons {
    pub en: Map,
    pub nl: Map,
    /// Non-word VADER entries (":(", "<3", ":-D"), valid in any language.
    pub emoticons: Map,
    pub emoji: HashMap<char, f32, FxBuild>,
    /// Long words by their [`skeleton`], for misspellings of doubled
    /// letters ("dissapointed", "verassend").
    pub en_skeletons: Map,
    pub nl_skeletons: Map,
}

impl Lexicons {
    pub fn build() -> Self {
        let (mut en, emoticons) = parse_vader(VADER);
        // AFINN fills in words VADER lacks ("inexcusable", "defects");
        // where both know a word, VADER's crowd-rated value stays. Words
        // the rules use as boosters ("fucking") keep no valence of their own.
        for (w, v) in parse_afinn(AFINN_EN) {
            if super::rules::booster(super::Lang::En, &w).is_none() {
                en.entry(w).or_insert(v);
            }
        }
        for (w, v) in EN_SUPPLEMENT {
            en.insert((*w).into(), *v);
        }
        for w in EN_NOT_SENTIMENT {
            en.remove(*w);
        }
        let mut nl = parse_pattern_nl(PATTERN_NL, NL_NOT_SENTIMENT);
        for (w, v) in NL_SUPPLEMENT {
            nl.insert((*w).into(), *v);
        }
        for w in NL_NOT_SENTIMENT {
            nl.remove(*w);
        }
        let mut emoji = parse_emoji(VADER_EMOJI, &en);
        for (c, v) in EMOJI_SUPPLEMENT {
            emoji.insert(*c, *v);
        }
        Lexicons {
            en_skeletons: skeletons(&en),
            nl_skeletons: skeletons(&nl),
            en,
            nl,
            emoticons,
            emoji,
        }
    }
}

pub(super) type Map = HashMap<Box<str>, f32, FxBuild>;

/// Words shorter than this are not matched by skeleton: short words differ
/// by one doubled letter too often ("hoping"/"hopping", "cheery"/"cherry").
pub(super) const SKELETON_MIN_LEN: usize = 8;

/// `w` with every run of one letter cut to a single letter: the doubled
/// letters people most often get wrong ("disappointed", "dissapointed" and
/// "disapointed" all become "disapointed").
pub(super) fn skeleton(w: &str) -> String {
    let mut out = String::with_capacity(w.len());
    let mut prev = None;
    for c in w.chars() {
        if Some(c) != prev {
            out.push(c);
        }
        prev = Some(c);
    }
    out
}

/// The lexicon's clear words (|valence| ≥ 1) of [`SKELETON_MIN_LEN`]
/// letters or more by skeleton; a skeleton two words share is left out, so
/// a misspelling is only read as a word when no other word fits.
fn skeletons(map: &Map) -> Map {
    let mut seen: HashMap<String, Option<f32>> = HashMap::new();
    for (w, v) in map {
        if w.chars().count() < SKELETON_MIN_LEN || !w.chars().all(char::is_alphabetic) {
            continue;
        }
        let key = skeleton(w);
        if key.chars().count() < SKELETON_MIN_LEN - 2 {
            continue; // an elongation ("aaaaaaah"), not a word
        }
        seen.entry(key)
            .and_modify(|e| *e = None)
            .or_insert((v.abs() >= 1.0).then_some(*v));
    }
    seen.into_iter()
        .filter_map(|(k, v)| Some((k.into_boxed_str(), v?)))
        .collect()
}

/// VADER lines are `token<TAB>mean<TAB>sd<TAB>[ratings]`; the first entry
/// of a repeated token wins.
fn parse_vader(src: &str) -> (Map, Map) {
    let mut words = Map::with_capacity_and_hasher(8192, FxBuild::default());
    let mut emoticons = Map::default();
    for line in src.lines() {
        let mut cols = line.split('\t');
        let (Some(token), Some(mean)) = (cols.next(), cols.next()) else {
            continue;
        };
        let Ok(mean) = mean.trim().parse::<f32>() else {
            continue;
        };
        let is_word = token.chars().next().is_some_and(char::is_alphabetic);
        let map = if is_word { &mut words } else { &mut emoticons };
        let key: Box<str> = if token.chars().any(char::is_uppercase) {
            token.to_lowercase().into()
        } else {
            token.into()
        };
        map.entry(key).or_insert(mean);
    }
    (words, emoticons)
}

/// AFINN lines are `word<TAB>score`, −5…+5, mapped onto VADER's −4…+4;
/// multi-word entries are left out (the rules handle negation and idioms).
fn parse_afinn(src: &str) -> Vec<(Box<str>, f32)> {
    src.lines()
        .filter_map(|line| {
            let (word, score) = line.split_once('\t')?;
            let score = score.trim().parse::<f32>().ok()?;
            let word = word.trim();
            (!word.is_empty() && !word.contains(' '))
                .then(|| (word.to_lowercase().into_boxed_str(), score * AFINN_SCALE))
        })
        .collect()
}

/// The value of `name="…"` in one XML tag.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let mut from = 0;
    while let Some(at) = tag[from..].find(name) {
        let at = from + at;
        let after = at + name.len();
        if tag[..at].ends_with(' ') && tag[after..].starts_with("=\"") {
            let start = after + 2;
            let len = tag[start..].find('"')?;
            return Some(&tag[start..start + len]);
        }
        from = after;
    }
    None
}

/// pattern.nl: one `<word form=… pos=… polarity=…/>` per sense; a form's
/// polarity is the mean over its senses (as pattern itself does), and each
/// adjective also gets its inflected forms (mooie, grote, slechtste).
fn parse_pattern_nl(src: &str, skip: &[&str]) -> Map {
    let mut sums: HashMap<String, (f32, u32, bool)> = HashMap::with_capacity(4096);
    for line in src.lines() {
        let line = line.trim();
        if !line.starts_with("<word ") {
            continue;
        }
        let (Some(form), Some(polarity)) = (attr(line, "form"), attr(line, "polarity")) else {
            continue;
        };
        let Ok(polarity) = polarity.parse::<f32>() else {
            continue;
        };
        let adjective = matches!(attr(line, "pos"), Some("JJ") | Some(""));
        let form = fold(&form.to_lowercase());
        if skip.contains(&form.as_str()) {
            continue;
        }
        let e = sums.entry(form).or_insert((0.0, 0, adjective));
        e.0 += polarity;
        e.1 += 1;
        e.2 |= adjective;
    }
    // Sorted, so that when two adjectives inflect to the same form the
    // same one wins on every run.
    let mut sums: Vec<(String, (f32, u32, bool))> = sums.into_iter().collect();
    sums.sort_by(|a, b| a.0.cmp(&b.0));
    let mut map = Map::with_capacity_and_hasher(sums.len() * 6, FxBuild::default());
    for (form, (sum, n, _)) in &sums {
        map.insert(form.as_str().into(), PATTERN_SCALE * sum / *n as f32);
    }
    for (form, (sum, n, adjective)) in &sums {
        if !adjective {
            continue;
        }
        let valence = PATTERN_SCALE * sum / *n as f32;
        for inflected in dutch_inflections(form) {
            map.entry(inflected.into_boxed_str()).or_insert(valence);
        }
    }
    map
}

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u')
}

/// The inflected, comparative and superlative forms of a Dutch adjective,
/// by the spelling rules: groot → grote, groter, grootste; dik → dikke;
/// lief → lieve; boos → boze; mooi → mooie, mooiste.
fn dutch_inflections(base: &str) -> Vec<String> {
    let c: Vec<char> = base.chars().collect();
    let n = c.len();
    if n < 3
        || !c.iter().all(|ch| ch.is_alphabetic())
        || base.ends_with('e')
        || base.ends_with("en")
    {
        return Vec::new();
    }
    let last = c[n - 1];
    let prev = c[n - 2];
    let soften = |ch: char| match ch {
        'f' => 'v',
        's' => 'z',
        other => other,
    };
    let vowel_groups = c
        .iter()
        .enumerate()
        .filter(|(i, ch)| is_vowel(**ch) && (*i == 0 || !is_vowel(c[i - 1])))
        .count();
    let mut stem: Vec<char> = c.clone();
    if !is_vowel(last) && last != 'j' && last != 'y' {
        if is_vowel(prev) && n >= 3 && c[n - 3] == prev && prev != 'i' {
            // long vowel written double before one consonant: groot → grot-e
            stem.remove(n - 2);
            let l = stem.len() - 1;
            stem[l] = soften(last);
        } else if is_vowel(prev) && n >= 3 && is_vowel(c[n - 3]) {
            // diphthong before the consonant: lief → liev-e, wijs → wijz-e
            stem[n - 1] = soften(last);
        } else if is_vowel(prev) && !matches!(last, 'w' | 'x' | 'h') {
            // a short vowel: dik → dikk-e, snel → snell-e; also kapot →
            // kapott-e, but not after unstressed -ig, -el, -er, -en, -em
            let unstressed = prev == 'e' || (prev == 'i' && last == 'g');
            if vowel_groups == 1 || !unstressed {
                stem.push(last);
            }
        }
    }
    let stem: String = stem.into_iter().collect();
    let comparative = if last == 'r' {
        format!("{base}der")
    } else {
        format!("{stem}er")
    };
    let mut out = vec![format!("{stem}e"), format!("{comparative}e"), comparative];
    if last != 's' && last != 't' {
        out.push(format!("{base}st"));
        out.push(format!("{base}ste"));
    } else if last == 't' {
        out.push(format!("{base}ste"));
    }
    out
}

/// Lowercase text with diacritics removed (héél → heel, één → een) and
/// curly apostrophes made straight; ASCII passes through unchanged.
pub(super) fn fold(s: &str) -> String {
    if s.is_ascii() {
        return s.to_owned();
    }
    s.nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| if c == '’' { '\'' } else { c })
        .collect()
}

/// Emoji → valence: VADER's emoji descriptions ("smiling face with
/// heart-eyes") scored with the English lexicon, as VADER does, keeping
/// single-character emoji (skin tones and variation selectors stripped).
fn parse_emoji(src: &str, en: &Map) -> HashMap<char, f32, FxBuild> {
    let mut out = HashMap::with_capacity_and_hasher(1024, FxBuild::default());
    for line in src.lines() {
        let Some((key, description)) = line.split_once('\t') else {
            continue;
        };
        let mut chars = key.chars().filter(|c| !is_emoji_modifier(*c));
        let (Some(ch), None) = (chars.next(), chars.next()) else {
            continue;
        };
        let valence: f32 = description
            .split(|c: char| !c.is_alphanumeric())
            .filter_map(|w| en.get(w.to_lowercase().as_str()))
            .sum();
        if valence != 0.0 {
            out.entry(ch).or_insert(valence.clamp(-3.0, 3.0));
        }
    }
    out
}

/// Characters that only modify an emoji: variation selectors, zero-width
/// joiner, skin tones.
pub(super) fn is_emoji_modifier(c: char) -> bool {
    matches!(
        c,
        '\u{FE0E}' | '\u{FE0F}' | '\u{200D}' | '\u{1F3FB}'..='\u{1F3FF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dutch_inflection_follows_spelling_rules() {
        let has = |base: &str, form: &str| dutch_inflections(base).iter().any(|f| f == form);
        assert!(has("groot", "grote"));
        assert!(has("groot", "grootste"));
        assert!(has("dik", "dikke"));
        assert!(has("lief", "lieve"));
        assert!(has("boos", "boze"));
        assert!(has("mooi", "mooie"));
        assert!(has("slecht", "slechte"));
        assert!(has("slecht", "slechtste"));
        assert!(has("duur", "duurder"));
        assert!(has("vervelend", "vervelende"));
        assert!(has("kapot", "kapotte"));
        assert!(has("gezellig", "gezellige") && !has("gezellig", "gezelligge"));
        assert!(!has("vervelend", "vervelendde"));
        assert!(dutch_inflections("gesloten").is_empty());
    }

    #[test]
    fn lexicons_load() {
        let l = Lexicons::build();
        assert!(l.en.len() > 7000);
        assert!(l.nl.len() > 5000);
        assert!(l.en["good"] > 1.0 && l.en["bad"] < -1.0);
        assert!(l.nl["goed"] > 1.0 && l.nl["slecht"] < -1.0);
        assert!(l.nl["slechte"] < -1.0, "inflected form");
        assert!(l.emoticons[":("] < 0.0);
        assert!(l.emoji[&'😍'] > 0.0 && l.emoji[&'😡'] < 0.0);
    }

    #[test]
    fn skeletons_read_doubled_letter_misspellings_of_long_words_only() {
        let lex = Lexicons::build();
        for typo in ["dissapointed", "disapointed", "dissappointed"] {
            assert_eq!(
                lex.en_skeletons.get(skeleton(typo).as_str()),
                lex.en.get("disappointed"),
                "{typo}"
            );
        }
        assert!(!lex.en_skeletons.contains_key(skeleton("hopping").as_str()));
        assert!(lex.en_skeletons.keys().all(|k| k.chars().count() >= 6));
        assert!(lex
            .nl_skeletons
            .contains_key(skeleton("verassend").as_str()));
    }

    #[test]
    fn fold_strips_accents() {
        assert_eq!(fold("héél"), "heel");
        assert_eq!(fold("don’t"), "don't");
    }
}
