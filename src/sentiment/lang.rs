//! Language guess from stop-word profiles: the most frequent Dutch and
//! English function words, minus those the two languages share ("in",
//! "was", "is", "we"). Cheap, offline, and good enough to pick a lexicon;
//! a text with no telling word, or as many of each, is `Unknown`. Also the
//! [`Lang`] type itself and its parsing from a word (`--lang nl`).

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use super::fxhash::FxBuild;

/// The language a text was scored as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Nl,
    En,
    Unknown,
}

impl Lang {
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::En => "en",
            Lang::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Lang {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_word(
            s,
            "language",
            &[
                ("nl", Lang::Nl),
                ("dutch", Lang::Nl),
                ("nederlands", Lang::Nl),
                ("en", Lang::En),
                ("english", Lang::En),
                ("unknown", Lang::Unknown),
            ],
            "nl, en, unknown",
        )
    }
}

/// The error for a word that names no [`Label`](super::Label) or [`Lang`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} '{value}', expected one of: {expected}")]
pub struct ParseError {
    what: &'static str,
    value: String,
    expected: &'static str,
}

/// The value whose word is `s` (trimmed, any case), or an error naming
/// `what` was asked for and the `expected` words.
pub(super) fn parse_word<T: Copy>(
    s: &str,
    what: &'static str,
    words: &[(&str, T)],
    expected: &'static str,
) -> Result<T, ParseError> {
    let word = s.trim().to_ascii_lowercase();
    words
        .iter()
        .find(|(w, _)| *w == word)
        .map(|(_, value)| *value)
        .ok_or_else(|| ParseError {
            what,
            value: s.to_owned(),
            expected,
        })
}

/// Asks `en` for an English text and `nl` for a Dutch one; for an unknown
/// language English first, then Dutch when English found nothing.
pub(super) fn by_lang<T: Found>(lang: Lang, en: impl FnOnce() -> T, nl: impl FnOnce() -> T) -> T {
    match lang {
        Lang::En => en(),
        Lang::Nl => nl(),
        Lang::Unknown => {
            let found = en();
            if found.found() {
                found
            } else {
                nl()
            }
        }
    }
}

/// What a per-language lookup returns: a yes/no or a value.
pub(super) trait Found {
    fn found(&self) -> bool;
}

impl Found for bool {
    fn found(&self) -> bool {
        *self
    }
}

impl<T> Found for Option<T> {
    fn found(&self) -> bool {
        self.is_some()
    }
}

const EN: &[&str] = &[
    "the", "a", "an", "and", "are", "were", "i", "you", "it", "this", "that", "of", "to", "for",
    "on", "with", "my", "not", "be", "have", "has", "they", "he", "she", "but", "at", "just",
    "what", "do", "don't", "dont", "from", "your", "can", "will", "all", "there", "get", "no",
    "been", "very", "really", "would", "our", "it's", "i'm", "im", "can't", "its", "am", "did",
    "didn't", "still", "why", "how", "when", "about", "than", "their", "them", "only", "out", "if",
    "or", "one", "got", "going", "again", "never", "after", "hours", "too", "should", "could",
    "which", "who", "because", "any",
];

const NL: &[&str] = &[
    "de", "het", "een", "en", "ik", "je", "niet", "dat", "die", "van", "op", "te", "met", "voor",
    "zijn", "maar", "ook", "er", "aan", "als", "bij", "nog", "wel", "geen", "om", "naar", "dan",
    "wat", "heb", "heeft", "deze", "dit", "mijn", "m'n", "ze", "echt", "al", "uit", "hij", "zij",
    "kan", "worden", "wordt", "moet", "veel", "nu", "toch", "weer", "hebben", "haar", "ons",
    "onze", "jullie", "uw", "waarom", "hoe", "nooit", "heel", "erg", "zo", "zeer", "mij", "mee",
    "gewoon", "alweer", "steeds", "keer", "uur", "wij", "jij", "hun", "werd", "word", "zou",
    "kunnen", "moeten", "omdat", "wanneer", "niets", "niks", "iets", "ben", "bent",
];

/// Which profile a word is in: bit 1 English, bit 2 Dutch.
fn profiles() -> &'static HashMap<&'static str, u8, FxBuild> {
    static MAP: OnceLock<HashMap<&'static str, u8, FxBuild>> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut m = HashMap::default();
        for w in EN {
            *m.entry(*w).or_insert(0) |= 1;
        }
        for w in NL {
            *m.entry(*w).or_insert(0) |= 2;
        }
        m
    })
}

/// Guesses the language from a text's words (lowercase, straight
/// apostrophes), looking at the first few hundred.
pub(super) fn detect<'a>(words: impl Iterator<Item = &'a str>) -> Lang {
    let profiles = profiles();
    let (mut en, mut nl) = (0u32, 0u32);
    for w in words.take(400) {
        let bits = profiles.get(w).copied().unwrap_or(0);
        en += u32::from(bits & 1);
        nl += u32::from(bits >> 1);
    }
    match en.cmp(&nl) {
        std::cmp::Ordering::Greater => Lang::En,
        std::cmp::Ordering::Less => Lang::Nl,
        std::cmp::Ordering::Equal => Lang::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_are_disjoint() {
        for w in EN {
            assert!(!NL.contains(w), "'{w}' is in both profiles");
        }
    }

    #[test]
    fn detects_common_cases() {
        let d = |t: &str| detect(t.split(' '));
        assert_eq!(d("ik wacht al drie uur op mijn pakket"), Lang::Nl);
        assert_eq!(d("i have been waiting for my parcel for hours"), Lang::En);
        assert_eq!(d("👍👍"), Lang::Unknown);
        assert_eq!(d(""), Lang::Unknown);
    }

    #[test]
    fn words_round_trip() {
        for l in [Lang::Nl, Lang::En, Lang::Unknown] {
            assert_eq!(l.to_string().parse::<Lang>(), Ok(l));
        }
        assert_eq!(" Dutch ".parse::<Lang>(), Ok(Lang::Nl));
        assert!("fr".parse::<Lang>().is_err());
    }
}
