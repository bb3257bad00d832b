//! The embedded word lists, parsed once at start into hash maps of valence
//! on VADER's −4…+4 scale: VADER's English lexicon and emoticons, pattern.nl's
//! Dutch adjectives (with their inflected forms generated), VADER's emoji
//! descriptions scored through the English lexicon, and two small
//! hand-written supplements (`supplements`) for common complaint and
//! praise words the published lexicons lack; and the lookup of a word's
//! valence in a language, misspelt, hyphenated and (Dutch) compound forms
//! included. It knows
//! nothing of sentences or rules: that is `score`.

use std::collections::{HashMap, HashSet};

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use super::fxhash::FxBuild;
use super::lang::{by_lang, Lang};
use super::supplements::{
    EMOJI_SUPPLEMENT, EN_NOT_SENTIMENT, EN_SUPPLEMENT, NL_NOT_SENTIMENT, NL_SUPPLEMENT,
};
use super::words::booster;

const VADER: &str = include_str!("lexicons/en/vader_lexicon.txt");
const PATTERN_NL: &str = include_str!("lexicons/nl/pattern-nl-sentiment.xml");
const AFINN_EN: &str = include_str!("lexicons/en/AFINN-en-165.txt");
const VADER_EMOJI: &str = include_str!("lexicons/emoji/vader_emoji_utf8_lexicon.txt");

/// pattern.nl polarity is −1…+1; VADER valence is −4…+4 with everyday
/// words ("good" 1.9, "bad" −2.5) near ±2. 3.5 puts "goed" (0.55) at 1.9
/// and "slecht" (−0.7) at −2.45.
const PATTERN_SCALE: f32 = 3.5;

/// VADER's strongest single adjectives sit near ±3 ("great" 3.1,
/// "worst" −3.1); pattern.nl's ±1.0 × [`PATTERN_SCALE`] would put
/// "prachtig" and "perfect" at 3.5, above any of them.
const PATTERN_MAX: f32 = 3.0;

/// pattern.nl rates each sense's subjectivity (0 objective … 1 opinion). A
/// sense below [`PATTERN_SUBJECTIVE`] is mostly description ("snel" as in
/// quick, 0.6; "gratis" 0.5; "bol" as in round, 0.4), so its polarity
/// counts in proportion, and not at all at [`PATTERN_OBJECTIVE`] or below:
/// a plain fact is not praise, and a brand named "bol" is no complaint.
const PATTERN_SUBJECTIVE: f32 = 0.7;
const PATTERN_OBJECTIVE: f32 = 0.2;

/// AFINN's −5…+5 onto VADER's −4…+4.
const AFINN_SCALE: f32 = 0.8;

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
    /// Dutch forms generated from an adjective ("toffer", "misse"), which
    /// are no compound head: "slachtoffer" is no "toffer".
    nl_inflected: HashSet<Box<str>, FxBuild>,
    /// The last four letters of every clear Dutch word, so a word that
    /// cannot end in a compound head is passed over at once.
    nl_head_tails: HashSet<u32, FxBuild>,
    /// The hand-written Dutch nouns clear enough to carry a compound
    /// through a linking "s" or "en" (pattern.nl's adjectives used as
    /// nouns are groups of people: "gehandicapten-zorg").
    nl_nouns: Map,
}

impl Lexicons {
    pub fn build() -> Self {
        let (mut en, emoticons) = parse_vader(VADER);
        // AFINN fills in words VADER lacks ("inexcusable", "defects");
        // where both know a word, VADER's crowd-rated value stays. Words
        // the rules use as boosters ("fucking") keep no valence of their own.
        for (w, v) in parse_afinn(AFINN_EN) {
            if booster(Lang::En, &w).is_none() {
                en.entry(w).or_insert(v);
            }
        }
        for (w, v) in EN_SUPPLEMENT {
            en.insert((*w).into(), *v);
        }
        for w in EN_NOT_SENTIMENT {
            en.remove(*w);
        }
        let (mut nl, nl_inflected) = parse_pattern_nl(PATTERN_NL, NL_NOT_SENTIMENT);
        for (w, v) in NL_SUPPLEMENT {
            nl.insert((*w).into(), *v);
        }
        // Known words of no sentiment stay known (as 0), so that no compound
        // is read into them ("belangrijke" is not "belang" + "rijke").
        for w in NL_NOT_SENTIMENT {
            for form in dutch_inflections(w).into_iter().chain([(*w).to_owned()]) {
                nl.insert(form.into_boxed_str(), 0.0);
            }
        }
        let mut emoji = parse_emoji(VADER_EMOJI, &en);
        for (c, v) in EMOJI_SUPPLEMENT {
            emoji.insert(*c, *v);
        }
        Lexicons {
            en_skeletons: skeletons(&en),
            nl_skeletons: skeletons(&nl),
            nl_inflected,
            nl_head_tails: nl
                .iter()
                .filter(|(w, v)| w.len() >= INTENSIFIED_HEAD_MIN_LEN && v.abs() >= HEAD_MIN_VALENCE)
                .map(|(w, _)| tail(w))
                .collect(),
            nl_nouns: NL_SUPPLEMENT
                .iter()
                .filter(|(w, v)| {
                    w.len() >= LINKED_MODIFIER_MIN_LEN && v.abs() >= MODIFIER_MIN_VALENCE
                })
                .map(|(w, v)| ((*w).into(), *v))
                .collect(),
            en,
            nl,
            emoticons,
            emoji,
        }
    }

    /// A word's valence in `lang` (English first, then Dutch, when the
    /// language is unknown).
    pub fn get(&self, lang: Lang, w: &str) -> Option<f32> {
        by_lang(lang, || self.en.get(w).copied(), || self.nl.get(w).copied())
    }

    /// A long word not in the lexicon that differs from one only in doubled
    /// letters ("dissapointed", "verassend"): that word's valence.
    pub fn misspelled(&self, lang: Lang, w: &str) -> Option<f32> {
        if w.len() < SKELETON_MIN_LEN {
            return None;
        }
        let key = skeleton(w);
        by_lang(
            lang,
            || self.en_skeletons.get(key.as_str()).copied(),
            || self.nl_skeletons.get(key.as_str()).copied(),
        )
    }

    /// A hyphenated word not in the lexicon as written: joined
    /// ("over-priced" → "overpriced"), else its last part ("super-slow").
    pub fn hyphenated(&self, lang: Lang, w: &str) -> Option<f32> {
        if !w.contains('-') {
            return None;
        }
        let joined: String = w.chars().filter(|c| *c != '-').collect();
        self.get(lang, &joined)
            .or_else(|| self.get(lang, w.rsplit('-').next()?))
    }

    /// A Dutch compound the lexicon lacks, read from its parts: the head
    /// (last part) carries it ("internetstoring" as "storing",
    /// "klantonvriendelijk" as "onvriendelijk"); "on-" before a positive
    /// word negates it ("onbehulpzaam"); an intensifying first part
    /// strengthens it ("supersnel", "peperduur"); when the head is no
    /// sentiment word, a clear sentiment word in front carries part of its
    /// valence ("storingsmelding", "topkwaliteit", "kutweer").
    pub fn compound(&self, w: &str) -> Option<f32> {
        if w.len() < COMPOUND_MIN_LEN || !w.bytes().all(|b| b.is_ascii_lowercase()) {
            return None;
        }
        // Most words end in no sentiment word: one set lookup skips them.
        if self.nl_head_tails.contains(&tail(w)) {
            if let Some(v) = self.negated_by_on(w) {
                return Some(v);
            }
            // The head: the longest known last part after a plausible first part.
            for k in MODIFIER_MIN_LEN..=w.len() - INTENSIFIED_HEAD_MIN_LEN {
                let (modifier, head) = w.split_at(k);
                let intensified = INTENSIFYING_PARTS.contains(&modifier);
                if head.len() < HEAD_MIN_LEN && !intensified {
                    continue;
                }
                let Some(v) = self.head(head) else {
                    continue;
                };
                if NOT_MODIFIERS.contains(&modifier) || !modifier.bytes().any(is_vowel_byte) {
                    continue;
                }
                return Some(if intensified {
                    (v * INTENSIFIED).clamp(-PATTERN_MAX - 0.5, PATTERN_MAX + 0.5)
                } else {
                    v
                });
            }
        }
        // No sentiment in the head: a cursing first part ("kutweer"), or a
        // clear sentiment noun joined by a linking "s" or "en"
        // ("storing-s-melding", "klacht-en-formulier"). Without the link a
        // first part is too often the start of another word ("mis-schien",
        // "rot-terdam", "super-markt").
        for curse in CURSING_PARTS {
            if let Some(head) = w.strip_prefix(curse) {
                if head.len() >= MODIFIER_HEAD_MIN_LEN && !SUFFIXES.contains(&head) {
                    return self.nl.get(*curse).map(|v| v * MODIFIER_SHARE);
                }
            }
        }
        for k in (LINKED_MODIFIER_MIN_LEN + 1..=w.len() - MODIFIER_HEAD_MIN_LEN).rev() {
            let (modifier, head) = w.split_at(k);
            let linked = ["s", "en"].iter().find_map(|link| {
                let noun = modifier.strip_suffix(link)?;
                let v = *self.nl_nouns.get(noun)?;
                let suffix = SUFFIXES.iter().any(|x| x.strip_prefix(link) == Some(head));
                (noun.len() >= LINKED_MODIFIER_MIN_LEN && !SUFFIXES.contains(&head) && !suffix)
                    .then_some(v)
            });
            if let Some(v) = linked {
                return Some(v * MODIFIER_SHARE);
            }
        }
        None
    }

    /// A compound head's valence: a clear word that is not an ending of
    /// unrelated words ([`NOT_HEADS`]) nor a form made by inflection,
    /// except an adjective's "-e" ("klantonvriendelijke").
    fn head(&self, head: &str) -> Option<f32> {
        // Most candidate heads are no word at all: one lookup decides.
        let v = *self.nl.get(head)?;
        if NOT_HEADS.contains(&head) {
            return None;
        }
        let v = if self.nl_inflected.contains(head) {
            let base = head
                .strip_suffix('e')
                .filter(|b| b.len() >= HEAD_MIN_LEN && !self.nl_inflected.contains(*b))?;
            *self.nl.get(base)?
        } else {
            v
        };
        (v.abs() >= HEAD_MIN_VALENCE).then_some(v)
    }

    /// "on" + a positive word, a whole word the lexicon lacks in that
    /// form: its opposite ("onbehulpzaam"). Inside a compound only the
    /// lexicon's own "on-" words count ("klant-onvriendelijk"): "statiegeld-
    /// bonnetjes" holds no "on-netjes".
    fn negated_by_on(&self, w: &str) -> Option<f32> {
        let rest = w.strip_prefix("on")?;
        if rest.len() < ON_BASE_MIN_LEN {
            return None;
        }
        let v = self.head(rest)?;
        (v > 0.0).then_some(-v)
    }
}

/// Compounds are read from words of this many letters or more.
const COMPOUND_MIN_LEN: usize = 7;
/// A first part is at least this long ("kut", "top", "pech").
const MODIFIER_MIN_LEN: usize = 3;
/// A head is at least this long: shorter last parts are often another
/// word ("tegoed" is credit, "levensduur" a lifetime, "koninkrijk" a realm).
const HEAD_MIN_LEN: usize = 5;
/// … or this long after an intensifying first part ("keigoed").
const INTENSIFIED_HEAD_MIN_LEN: usize = 4;
/// A head of no sentiment is at least this long ("kutweer").
const MODIFIER_HEAD_MIN_LEN: usize = 4;
/// A head counts when its valence is at least this clear ("licht", 0.75,
/// is mostly light in weight or colour).
const HEAD_MIN_VALENCE: f32 = 1.0;
/// A first part before a linking "s" or "en" is at least this long.
const LINKED_MODIFIER_MIN_LEN: usize = 5;
/// A first part carries a compound only when it is a clear sentiment word …
const MODIFIER_MIN_VALENCE: f32 = 1.0;
/// … and then for this share of its valence: the compound names a thing
/// about it ("storingsmelding" is a report of an outage).
const MODIFIER_SHARE: f32 = 0.75;
/// "on" is followed by a word at least this long ("onleuk").
const ON_BASE_MIN_LEN: usize = 4;
/// What an intensifying first part does to the head ("supersnel").
const INTENSIFIED: f32 = 1.25;

/// First parts that only intensify what follows.
const INTENSIFYING_PARTS: &[&str] = &[
    "super", "mega", "giga", "hyper", "ultra", "kei", "oer", "reuze", "bere", "bloed", "dood",
    "stik", "knetter", "peper", "spot", "snoei", "loei", "kots", "apen",
];

/// Curses that make a compound of whatever follows ("kutweer",
/// "klotedag"); each is in the Dutch supplement.
const CURSING_PARTS: &[&str] = &["kut", "klote", "kanker", "tering", "tyfus"];

/// Sentiment words that more often end unrelated words than head a
/// compound: "inves-tering", "reis-genoten" (companions), "ren-dement",
/// "ont-v-angst" (receipt), "boeken-beurs" (fair), "Weisb-erger", and the
/// diminutive "-netjes" ("statiegeldbon-netjes").
const NOT_HEADS: &[&str] = &[
    "tering", "genoten", "dement", "erger", "angst", "beurs", "netjes", "netje",
];

/// Prefixes that derive a word rather than found a compound ("ver-",
/// "ont-", "over-"): what follows them is not a head that keeps its sense
/// ("overgewaardeerd", "ontgoocheld").
const NOT_MODIFIERS: &[&str] = &[
    "ver", "ont", "her", "mis", "aan", "bij", "door", "mee", "onder", "over", "tegen", "terug",
    "toe", "uit", "voor", "weg", "wan", "achter", "boven", "binnen", "buiten", "rond", "samen",
    "onge", "onver", "onbe", "zelf", "voort", "dis",
];

/// Derivational endings, which are no head of their own ("snel-heid").
const SUFFIXES: &[&str] = &[
    "heid", "heden", "lijk", "lijke", "lijker", "baar", "bare", "schap", "achtig", "achtige",
    "ling", "lingen", "loos", "loze", "tjes", "ingen", "ster", "sters", "erij", "elijk", "schap",
    "schappen", "tering", "ering",
];

/// The last four bytes of `w` (fewer for a shorter word) as one number.
fn tail(w: &str) -> u32 {
    w.bytes()
        .skip(w.len().saturating_sub(4))
        .fold(0, |acc, b| acc << 8 | u32::from(b))
}

fn is_vowel_byte(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y')
}

pub(super) type Map = HashMap<Box<str>, f32, FxBuild>;

/// Words shorter than this are not matched by skeleton: short words differ
/// by one doubled letter too often ("hoping"/"hopping", "cheery"/"cherry").
const SKELETON_MIN_LEN: usize = 8;

/// `w` with every run of one letter cut to a single letter: the doubled
/// letters people most often get wrong ("disappointed", "dissapointed" and
/// "disapointed" all become "disapointed").
fn skeleton(w: &str) -> String {
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
    let mut seen: HashMap<String, Option<f32>, FxBuild> = HashMap::default();
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

/// pattern.nl: one `<word form=… pos=… polarity=… subjectivity=…/>` per
/// sense; a form's polarity is the mean over its senses (as pattern itself
/// does), a descriptive sense's weighed by its subjectivity, capped at
/// [`PATTERN_MAX`]; each adjective also gets its inflected forms (mooie,
/// grote, slechtste).
fn parse_pattern_nl(src: &str, skip: &[&str]) -> (Map, HashSet<Box<str>, FxBuild>) {
    let mut sums: HashMap<String, (f32, u32, bool), FxBuild> =
        HashMap::with_capacity_and_hasher(4096, FxBuild::default());
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
        let subjectivity = attr(line, "subjectivity")
            .and_then(|s| s.parse::<f32>().ok())
            .filter(|s| s.is_finite())
            .unwrap_or(1.0);
        let weight = (subjectivity - PATTERN_OBJECTIVE) / (PATTERN_SUBJECTIVE - PATTERN_OBJECTIVE);
        let polarity = polarity * weight.clamp(0.0, 1.0);
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
    let mut generated = HashSet::with_capacity_and_hasher(sums.len() * 4, FxBuild::default());
    let valence =
        |sum: f32, n: u32| (PATTERN_SCALE * sum / n as f32).clamp(-PATTERN_MAX, PATTERN_MAX);
    for (form, (sum, n, _)) in &sums {
        map.insert(form.as_str().into(), valence(*sum, *n));
    }
    for (form, (sum, n, adjective)) in &sums {
        if !adjective {
            continue;
        }
        let valence = valence(*sum, *n);
        for inflected in dutch_inflections(form) {
            if !map.contains_key(inflected.as_str()) {
                let inflected = inflected.into_boxed_str();
                generated.insert(inflected.clone());
                map.insert(inflected, valence);
            }
        }
    }
    (map, generated)
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
    fn dutch_compounds_read_from_their_parts() {
        let l = Lexicons::build();
        let v = |w: &str| l.compound(w);
        assert_eq!(v("internetstoring"), l.nl.get("storing").copied());
        assert!(v("klantonvriendelijke").is_some_and(|x| x < -1.0));
        assert!(v("onbehulpzaam").is_some_and(|x| x < -1.0));
        assert!(v("storingsmelding").is_some_and(|x| x < -1.0));
        assert!(v("kutweer").is_some_and(|x| x < -1.0));
        assert!(v("supersnel").is_some_and(|x| x > l.nl["snel"]));
        for not_one in [
            "misschien",
            "ontvangst",
            "slachtoffer",
            "investering",
            "statiegeldbonnetjes",
            "belangrijke",
            "supermarkt",
            "bol.com",
        ] {
            assert_eq!(v(not_one), None, "{not_one}");
        }
    }

    #[test]
    fn fold_strips_accents() {
        assert_eq!(fold("héél"), "heel");
        assert_eq!(fold("don’t"), "don't");
    }
}
