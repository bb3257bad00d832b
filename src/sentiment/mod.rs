//! Sentiment: answers a webcare team's first question about a mention, "is
//! this someone unhappy with us?", for Dutch and English text.
//!
//! It is a lexicon-and-rules engine (in the spirit of VADER): word valences
//! from embedded lexicons, adjusted by negation, boosters, contrast, CAPS,
//! `!`, emoticons and emoji, plus built-in complaint patterns for the
//! complaints that carry no sentiment word ("still no reply", "al 3 uur in de
//! wacht"), a watch's own patterns and words, and star or 0–10 ratings.
//! Every result carries the reasons that moved the score, so a person can see
//! why. This module does no I/O and cannot fail: every input, however odd or
//! large, yields a [`Sentiment`]; lexicons are compiled in with `include_str!`.
//!
//! To change X, edit Y:
//!
//! | to change | edit |
//! |---|---|
//! | how much of a text is scored, the [`Analyzer`] API | `mod.rs` |
//! | label thresholds, how a rating maps to a label; [`Label`], [`Sentiment`] | `verdict.rs` |
//! | language detection (stop-word profiles); [`Lang`] | `lang.rs` |
//! | how text splits into words, emoji, sentences and clauses; CAPS, elongation | `tokens.rs` |
//! | a hand-written word's valence, words that are no sentiment, emoji values | `supplements.rs` |
//! | how the lexicon files load, Dutch inflections, misspelt and hyphenated lookups | `lexicon.rs` |
//! | negators, boosters, contrast and concession words, laughter, idioms | `words.rs` |
//! | which tokens carry valence: lexicon and watch words, idioms, names | `valence.rs` |
//! | what negation, boosters, contrast, CAPS, headlines, sarcasm, irony and `!` do; the final sum | `score.rs` |
//! | a Dutch or English complaint pattern, its duration words | `patterns/nl.rs`, `patterns/en.rs` |
//! | how patterns gate, merge and match; the sarcasm cues | `patterns/mod.rs` |
//! | a rating written in the text (`★☆☆☆☆`, `2/5`, `2 van de 5`, `one star`) | `patterns/rating.rs` |
//! | a watch's own patterns, words and terms ([`CustomRules`]) | `custom.rs` |
//! | evaluation on labelled TSV | `eval.rs` |
//! | the learned model's features, scoring, blend and bytes ([`Model`]) | `model.rs` |
//! | how the learned model is trained, when a language gets one | `train.rs` |
//!
//! No file uses a file that uses it back: each uses only files further down
//! this list. `mod.rs`, `train`, `model`, `score`, `valence`, `tokens`,
//! `custom`, `lexicon`, `supplements`, `words`, `verdict`, `patterns` (its
//! `nl` and `en` use only its `spec`), `lang`, `fxhash`. `eval` uses only
//! the public API.

mod custom;
pub mod eval;
mod fxhash;
mod lang;
mod lexicon;
mod model;
mod patterns;
mod score;
mod supplements;
mod tokens;
pub mod train;
mod valence;
mod verdict;
mod words;

pub use custom::CustomRules;
pub use lang::{Lang, ParseError};
pub use model::{Model, ModelError, FORMAT as MODEL_FORMAT};
pub use verdict::{Label, Rating, Sentiment};

/// Only this many bytes of a text are scored; the rest of a huge text adds
/// cost, not insight (a mention's opening carries its tone).
const MAX_SCORED_BYTES: usize = 16 * 1024;

/// The scorer: lexicons and compiled pattern packs, built once per process
/// and shared (it is `Send + Sync`).
pub struct Analyzer {
    lexicons: lexicon::Lexicons,
    packs: patterns::Packs,
}

impl Default for Analyzer {
    fn default() -> Self {
        Self::new()
    }
}

impl Analyzer {
    /// Builds the lexicons (about 10 ms in a release build); each language's
    /// complaint patterns compile when its first text is scored.
    pub fn new() -> Self {
        Analyzer {
            lexicons: lexicon::Lexicons::build(),
            packs: patterns::Packs::build(),
        }
    }

    /// Scores `text`, detecting its language.
    pub fn analyze(
        &self,
        text: &str,
        rating: Option<Rating>,
        custom: Option<&CustomRules>,
    ) -> Sentiment {
        self.analyze_capped(cap(text), None, rating, custom)
    }

    /// Scores `text` as `lang` (e.g. an evaluation set known to be Dutch).
    pub fn analyze_as(
        &self,
        text: &str,
        lang: Lang,
        rating: Option<Rating>,
        custom: Option<&CustomRules>,
    ) -> Sentiment {
        self.analyze_capped(cap(text), Some(lang), rating, custom)
    }

    /// Scores `text` as the daemon does: the rules (as `lang` when given,
    /// else detecting it), then the learned `model` when there is one for
    /// the text's language. A valid rating decides alone, as it does for
    /// the rules.
    pub fn analyze_with(
        &self,
        text: &str,
        lang: Option<Lang>,
        rating: Option<Rating>,
        custom: Option<&CustomRules>,
        model: Option<&Model>,
    ) -> Sentiment {
        let text = cap(text);
        let rules = self.analyze_capped(text, lang, rating, custom);
        match model {
            Some(m) if !rating.is_some_and(verdict::rating_decides) => m.apply(text, rules),
            _ => rules,
        }
    }

    fn analyze_capped(
        &self,
        text: &str,
        lang: Option<Lang>,
        rating: Option<Rating>,
        custom: Option<&CustomRules>,
    ) -> Sentiment {
        let scored = score::score(text, lang, &self.lexicons, &self.packs, custom);
        verdict::judge(scored.score, scored.lang, scored.reasons, rating)
    }
}

/// Cuts a text to [`MAX_SCORED_BYTES`] on a character boundary.
fn cap(text: &str) -> &str {
    if text.len() <= MAX_SCORED_BYTES {
        return text;
    }
    let mut end = MAX_SCORED_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_respects_char_boundaries() {
        let s = "é".repeat(MAX_SCORED_BYTES);
        let c = cap(&s);
        assert!(c.len() <= MAX_SCORED_BYTES && c.chars().all(|ch| ch == 'é'));
    }
}
