//! The embedded word lists, parsed once at start into hash maps of valence
//! on VADER's −4…+4 scale: VADER's English lexicon and emoticons, pattern.nl's
//! Dutch adjectives (with their inflected forms generated), VADER's emoji
//! descriptions scored through the English lexicon, and two small
//! hand-written supplements (`supplements`) for common complaint and
//! praise words the published lexicons lack; and the lookup of a word's
//! valence in a language, misspelt and hyphenated forms included. It knows
//! nothing of sentences or rules: that is `score`.

use std::collections::HashMap;

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
