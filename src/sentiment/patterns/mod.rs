//! Negative-sentiment patterns: the complaints that carry no sentiment word
//! ("al 3 uur in de wacht", "still no reply", "pakket nog steeds niet
//! bezorgd", "cancel my subscription"), as built-in packs per language,
//! and the engine that runs them: the cheap literal gate (one Aho-Corasick
//! pass per text), then each gated regex. One pack is the
//! opposite: a resolution ("fixed my problem", "storing is opgelost") is a
//! thank-you, not a complaint, so it adds positive valence.
//!
//! The pattern data is per language in `nl.rs` and `en.rs`, ratings written
//! in the text ("1/5", "2 sterren") in `rating.rs`; this file holds no
//! pattern of one language, and a watch's own rules are `custom`.
//! Built-in patterns are written in lowercase and run on the lowercased
//! text; the gap between two key phrases is "anywhere in the same sentence"
//! (`[^.!?\n]*?`), which compiles far smaller than a bounded `.{0,40}`.
//! `\b` is the ASCII word boundary so the fast DFA also runs on texts with
//! emoji.

use std::borrow::Cow;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind};
use regex::Regex;
use unicode_normalization::char::decompose_canonical;

use super::lang::Lang;
use spec::Spec;

mod en;
mod nl;
mod rating;
mod spec;

pub(super) use rating::NAME as RATING;

/// A built-in pattern ready to compile: regex, name, valence, gate.
type Compiled = (String, &'static str, f32, &'static [&'static str]);

fn nl_specs() -> Vec<Compiled> {
    nl::SPECS.iter().map(|s| expand(s, nl::DURATION)).collect()
}

fn en_specs() -> Vec<Compiled> {
    en::SPECS.iter().map(|s| expand(s, en::DURATION)).collect()
}

/// Fills the duration placeholder and makes `\b` ASCII-only.
fn expand(s: &Spec, duration: &str) -> Compiled {
    let re = s
        .regex
        .replace("#D", duration)
        .replace(r"\b", r"(?-u:\b)")
        // The filler words between key phrases are matched as ASCII words:
        // a Unicode \w compiles to a far larger automaton.
        .replace(r"\w", r"(?-u:\w)");
    (re, s.name, s.valence, s.needs)
}

/// Sarcasm cues: praise markers that, next to evidence of a complaint, mean
/// the opposite ("Geweldig weer, NS. Derde keer vertraging 👏").
const SARCASM_CUES: &str = r"👏|🙄|🙃|😒|#sarcasm|#sarcasme|#not(?-u:\b)|(?-u:\b)(lekker bezig|goed bezig|goed geregeld|bedankt hoor|dank je wel hoor|dankjewel hoor|top hoor|super hoor|geweldig hoor|fijn hoor|netjes hoor|knap hoor|thanks a lot|thanks for nothing|yeah right|great job|well done|nice one|just great|just what i needed|gotta love|got to love|love how|love it when|love (paying|being|waiting|getting|having|spending|sitting)|thanks again|bravo|chapeau|great timing|perfect timing|nice timing|lekkere timing|top timing)(?-u:\b)";

/// One language's compiled pack. Each pattern runs on its own: its literal
/// prefilter ("wacht", "refund") skips most texts at once, which beats one
/// `RegexSet` whose lazy DFA has no prefilter and many states.
pub(super) struct Pack {
    /// Each pattern's regex, compiled the first time a text passes its gate
    /// (most texts open few patterns; compiling them all took as long as
    /// scoring a few hundred texts).
    each: Vec<(Lazy, &'static str, f32, &'static [&'static str])>,
    /// All gate literals of the pack, found in one pass per text.
    gates: Option<AhoCorasick>,
    /// Per pattern, which gate literals open it (bit i = literal i).
    masks: Vec<Bits>,
}

/// A regex compiled on first use; `None` if it does not compile (the
/// built-in patterns are constants checked by the tests).
struct Lazy {
    source: String,
    regex: OnceLock<Option<Regex>>,
}

impl Lazy {
    fn get(&self) -> Option<&Regex> {
        self.regex
            .get_or_init(|| Regex::new(&self.source).ok())
            .as_ref()
    }
}

/// A set of up to [`Bits::CAPACITY`] gate literals.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
struct Bits([u64; 4]);

impl Bits {
    const CAPACITY: usize = 256;

    fn with(mut self, i: usize) -> Self {
        if let Some(word) = self.0.get_mut(i / 64) {
            *word |= 1 << (i % 64);
        }
        self
    }

    fn meets(&self, other: &Bits) -> bool {
        self.0.iter().zip(&other.0).any(|(a, b)| a & b != 0)
    }
}

/// All built-in packs, compiled once.
/// The built-in packs. Each language's pack is compiled the first time a
/// text in that language is scored (about 10 ms each), which keeps
/// `Analyzer::new` cheap for a process that only ever sees one language.
pub(super) struct Packs {
    nl: OnceLock<Pack>,
    en: OnceLock<Pack>,
    sarcasm: Option<Regex>,
    /// Ratings written in the text, in any language: the gate and the
    /// regex.
    rating: OnceLock<Option<(AhoCorasick, Regex)>>,
}

/// A pattern hit: its name, the matched text (byte range in the lowercased
/// text) and the valence it adds.
pub(super) struct Hit {
    pub name: String,
    pub start: usize,
    pub end: usize,
    pub valence: f32,
}

impl Pack {
    fn build(specs: Vec<Compiled>) -> Self {
        // Ungated patterns of one name become one alternation: one scan
        // instead of several, and a name counts once anyway. Gated ones stay
        // apart, since one weak alternative would cost the whole regex its
        // literal prefilter.
        let mut merged: Vec<Compiled> = Vec::new();
        for (re, name, valence, needs) in specs {
            let same = merged
                .iter_mut()
                .find(|m| m.1 == name && m.3.is_empty() && needs.is_empty());
            match same {
                Some(m) => m.0 = format!("{}|(?:{re})", m.0),
                None => merged.push((format!("(?:{re})"), name, valence, needs)),
            }
        }
        // The built-in patterns are constants checked by the tests below.
        let each: Vec<_> = merged
            .into_iter()
            .map(|(source, name, v, needs)| {
                let regex = OnceLock::new();
                (Lazy { source, regex }, name, v, needs)
            })
            .collect();
        let mut literals: Vec<&'static str> = Vec::new();
        for (_, _, _, needs) in &each {
            for n in needs.iter() {
                if !literals.contains(n) {
                    literals.push(n);
                }
            }
        }
        let masks = each
            .iter()
            .map(|(_, _, _, needs)| {
                needs
                    .iter()
                    .filter_map(|n| literals.iter().position(|l| l == n))
                    .fold(Bits::default(), Bits::with)
            })
            .collect();
        // More literals than the masks hold would switch gating off; the
        // tests keep the packs below that.
        let gates = (literals.len() <= Bits::CAPACITY)
            .then(|| {
                // A full DFA: overlapping search walks every byte, and the
                // DFA is the fastest automaton for that (a few hundred KiB).
                AhoCorasick::builder()
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(&literals)
                    .ok()
            })
            .flatten();
        Pack { each, gates, masks }
    }

    fn hits(&self, lower: &str, out: &mut Vec<Hit>) {
        self.hits_gated(lower, out, true);
    }

    fn hits_gated(&self, lower: &str, out: &mut Vec<Hit>, gated: bool) {
        let gates = self.gates.as_ref().filter(|_| gated);
        let present = match gates {
            Some(ac) => ac
                .find_overlapping_iter(lower)
                .fold(Bits::default(), |m, hit| m.with(hit.pattern().as_usize())),
            None => Bits([u64::MAX; 4]),
        };
        for ((re, name, valence, needs), mask) in self.each.iter().zip(&self.masks) {
            // One hit per name: a kind of complaint counts once.
            if out.iter().any(|h| h.name == *name) {
                continue;
            }
            if !needs.is_empty() && !present.meets(mask) {
                continue;
            }
            if let Some(m) = re.get().and_then(|re| re.find(lower)) {
                out.push(Hit {
                    name: (*name).to_owned(),
                    start: m.start(),
                    end: m.end(),
                    valence: *valence,
                });
            }
        }
    }
}

/// The lowercased text as the patterns read it: accents used for emphasis
/// folded away ("wéér" → "weer", "nóóit" → "nooit") and curly apostrophes
/// made straight ("won’t"), with the byte offset in the lowercased text of
/// each of its bytes, so hits map back. Most texts have nothing to fold
/// and are borrowed as they are.
pub(super) struct PatternText<'a> {
    pub text: Cow<'a, str>,
    origin: Vec<u32>,
}

impl<'a> PatternText<'a> {
    pub fn new(lower: &'a str) -> Self {
        // Latin letters with diacritics (U+00C0–U+017F) start with these
        // bytes; '’' is E2 80 99.
        let bytes = lower.as_bytes();
        let needs = !lower.is_ascii()
            && bytes.iter().enumerate().any(|(i, b)| {
                (0xC3..=0xC5).contains(b)
                    || (*b == 0xE2 && bytes.get(i + 1..i + 3) == Some(&[0x80, 0x99]))
            });
        if !needs {
            return PatternText {
                text: Cow::Borrowed(lower),
                origin: Vec::new(),
            };
        }
        let mut text = String::with_capacity(lower.len());
        let mut origin = Vec::with_capacity(lower.len());
        for (i, c) in lower.char_indices() {
            let folded = match c {
                '’' => '\'',
                '\u{C0}'..='\u{17F}' => {
                    let mut base = c;
                    decompose_canonical(c, |d| {
                        if d.is_ascii() && base == c {
                            base = d;
                        }
                    });
                    base
                }
                _ => c,
            };
            text.push(folded);
            origin.resize(text.len(), i as u32);
        }
        PatternText {
            text: Cow::Owned(text),
            origin,
        }
    }

    /// The offset in the lowercased text of byte `i` of this text (its
    /// length for the end).
    fn to_lower(&self, i: usize, lower_len: usize) -> usize {
        if self.origin.is_empty() {
            i
        } else {
            self.origin.get(i).map_or(lower_len, |o| *o as usize)
        }
    }
}

impl Packs {
    pub fn build() -> Self {
        Packs {
            nl: OnceLock::new(),
            en: OnceLock::new(),
            sarcasm: Regex::new(SARCASM_CUES).ok(),
            rating: OnceLock::new(),
        }
    }

    fn nl(&self) -> &Pack {
        self.nl.get_or_init(|| Pack::build(nl_specs()))
    }

    fn en(&self) -> &Pack {
        self.en.get_or_init(|| Pack::build(en_specs()))
    }

    /// Built-in complaint hits in `text` for `lang` (both packs when the
    /// language is unknown), as byte ranges of the lowercased text `text`
    /// was made from (`lower_len` long).
    pub fn hits(&self, text: &PatternText<'_>, lower_len: usize, lang: Lang) -> Vec<Hit> {
        let mut out = Vec::new();
        match lang {
            Lang::Nl => self.nl().hits(&text.text, &mut out),
            Lang::En => self.en().hits(&text.text, &mut out),
            Lang::Unknown => {
                self.nl().hits(&text.text, &mut out);
                self.en().hits(&text.text, &mut out);
            }
        }
        for h in &mut out {
            h.start = text.to_lower(h.start, lower_len);
            h.end = text.to_lower(h.end, lower_len);
        }
        out
    }

    /// A rating written in the lowercased text ("1/5", "★★☆☆☆", "2
    /// sterren"), as a hit worth what the rating says.
    pub fn rating(&self, lower: &str) -> Option<Hit> {
        let (gate, re) = self
            .rating
            .get_or_init(|| {
                let gate = AhoCorasick::new(rating::GATE).ok()?;
                Some((gate, Regex::new(rating::REGEX).ok()?))
            })
            .as_ref()?;
        rating::may_hold(gate, lower)
            .then(|| rating::find(re, lower))
            .flatten()
    }

    /// The first sarcasm cue in `text`, if any.
    pub fn sarcasm<'t>(&self, text: &'t PatternText<'_>) -> Option<&'t str> {
        self.sarcasm.as_ref()?.find(&text.text).map(|m| m.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_patterns_compile() {
        for (re, name, _, _) in nl_specs().into_iter().chain(en_specs()) {
            assert!(
                Regex::new(&re).is_ok(),
                "pattern {name} does not compile: {re}"
            );
        }
        assert!(Regex::new(SARCASM_CUES).is_ok());
        assert!(Regex::new(rating::REGEX).is_ok());
        let packs = Packs::build();
        assert!(!packs.nl().each.is_empty() && packs.nl().each.len() <= nl_specs().len());
        assert!(
            packs.nl().gates.is_some() && packs.en().gates.is_some(),
            "gate literals fit the masks"
        );
        assert!(!packs.en().each.is_empty() && packs.en().each.len() <= en_specs().len());
        // Merged as the packs merge them, every pattern still compiles.
        for pack in [packs.nl(), packs.en()] {
            for (lazy, name, _, _) in &pack.each {
                assert!(lazy.get().is_some(), "pattern {name} does not compile");
            }
        }
    }

    fn names(text: &str, lang: Lang) -> Vec<String> {
        let lower = text.to_lowercase();
        Packs::build()
            .hits(&PatternText::new(&lower), lower.len(), lang)
            .into_iter()
            .map(|h| h.name)
            .collect()
    }

    #[test]
    fn packs_find_complaints() {
        let cases = [
            (
                "al 3 uur in de wacht bij de klantenservice",
                Lang::Nl,
                "waiting",
            ),
            (
                "Nog steeds geen reactie op mijn mail",
                Lang::Nl,
                "no-response",
            ),
            ("pakket nog steeds niet bezorgd", Lang::Nl, "delivery"),
            ("weer een storing, geen internet", Lang::Nl, "outage"),
            ("ik wil mijn geld terug", Lang::Nl, "money"),
            ("ik stap over naar een andere provider", Lang::Nl, "leaving"),
            ("on hold for 2 hours now", Lang::En, "waiting"),
            ("still no reply from support", Lang::En, "no-response"),
            ("my parcel never arrived", Lang::En, "delivery"),
            ("app is down again", Lang::En, "outage"),
            ("I want a refund", Lang::En, "money"),
            ("going to cancel my subscription", Lang::En, "leaving"),
            ("never again", Lang::En, "leaving"),
            ("de levering duurde drie weken", Lang::Nl, "waiting"),
            ("graag snel een reactie", Lang::Nl, "urgent-request"),
            ("kunnen jullie z.s.m. reageren?", Lang::Nl, "urgent-request"),
            ("please get back to me asap", Lang::En, "urgent-request"),
            (
                "a quick response would be appreciated",
                Lang::En,
                "urgent-request",
            ),
        ];
        for (text, lang, want) in cases {
            assert!(
                names(text, lang).iter().any(|n| n == want),
                "{text:?} should hit {want}"
            );
        }
        assert!(names("lovely day at the beach", Lang::En).is_empty());
        assert!(names("mooi boek, snel gelezen", Lang::Nl).is_empty());
        // Praise of speed is no request, and a short delivery no wait.
        for (text, lang) in [
            ("ik werd snel geholpen, top", Lang::Nl),
            ("bezorging duurde maar een dag", Lang::Nl),
            ("thanks for the quick reply", Lang::En),
        ] {
            assert!(
                names(text, lang).is_empty(),
                "{text:?}: {:?}",
                names(text, lang)
            );
        }
    }

    #[test]
    fn accents_fold_and_hits_map_back() {
        let lower = "wéér: internet werkt wéér niet";
        let text = PatternText::new(lower);
        assert_eq!(text.text, "weer: internet werkt weer niet");
        let hits = Packs::build().hits(&text, lower.len(), Lang::Nl);
        let outage = hits.iter().find(|h| h.name == "outage").expect("an outage");
        assert_eq!(&lower[outage.start..outage.end], "werkt wéér niet");
        let plain = "no accents here";
        assert!(matches!(PatternText::new(plain).text, Cow::Borrowed(_)));
    }

    /// A gate literal missing from a pattern's `needs` would silently stop it
    /// matching; on every dev-set line (when the shared data is there) and
    /// on the examples here, gated and ungated packs must agree.
    #[test]
    fn gates_never_hide_a_match() {
        let packs = Packs::build();
        let mut texts: Vec<String> = [
            "lange wachttijd bij de balie",
            "internet valt elke avond weg",
            "klantenservice verbindt me steeds door",
            "al 3 uur in de wacht",
            "still no reply and they hung up on me",
            "the app is down again",
        ]
        .iter()
        .map(|t| t.to_string())
        .collect();
        let dev =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/sentiment/dev");
        let sets = [
            "nl/bol_book_reviews.tsv",
            "nl/political_tweets_train.tsv",
            "en/tweeteval_sentiment_val.tsv",
            "en/uci_yelp_sentences.tsv",
            "en/uci_amazon_sentences.tsv",
            "en/uci_imdb_sentences.tsv",
            "en/absa16_restaurants_sentences.tsv",
            "en/vader_tweets.tsv",
            "en/vader_amazon.tsv",
            "en/vader_nyt.tsv",
            "en/vader_movies.tsv",
        ];
        for set in sets {
            if let Ok(s) = std::fs::read_to_string(dev.join(set)) {
                texts.extend(
                    s.lines()
                        .take(1000)
                        .filter_map(|l| l.split_once('\t'))
                        .map(|(_, t)| t.to_lowercase()),
                );
            }
        }
        for text in &texts {
            for pack in [packs.nl(), packs.en()] {
                let (mut gated, mut open) = (Vec::new(), Vec::new());
                pack.hits_gated(text, &mut gated, true);
                pack.hits_gated(text, &mut open, false);
                let names = |h: &[Hit]| h.iter().map(|h| h.name.clone()).collect::<Vec<_>>();
                assert_eq!(
                    names(&gated),
                    names(&open),
                    "gates hide a match in {text:?}"
                );
            }
        }
    }
}
