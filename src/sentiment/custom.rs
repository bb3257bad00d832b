//! A watch's own sentiment rules from its TOML ([`CustomRules`]): negative
//! patterns (any regex, on the original text), negative and positive words
//! and phrases, and its own terms, which carry no sentiment in its mentions.
//! Compiled once at config load, where a bad regex is an error; scoring
//! with them cannot fail. The built-in patterns are `patterns`.

use regex::{Regex, RegexSet};

use super::lexicon::fold;

/// One watch's own additions from its TOML: negative patterns (regex,
/// matched against the original text, so use `(?i)` for any case) and
/// words that count as negative or positive.
#[derive(Debug, Clone, Default)]
pub struct CustomRules {
    patterns: Vec<Regex>,
    set: Option<RegexSet>,
    pub(super) negative_words: Vec<String>,
    pub(super) positive_words: Vec<String>,
    /// The watch's own terms (lowercase): a brand's name is not sentiment
    /// ("bol", "Best Buy", "Virgin").
    names: Vec<String>,
}

/// The valence a watch's own word or pattern adds.
pub(super) const CUSTOM_VALENCE: f32 = 2.0;

impl CustomRules {
    /// Compiles a watch's rules; a bad regex is an error naming the pattern.
    pub fn new(
        negative_patterns: &[String],
        negative_words: &[String],
        positive_words: &[String],
    ) -> Result<Self, regex::Error> {
        let patterns = negative_patterns
            .iter()
            .map(|p| regex::RegexBuilder::new(p).size_limit(1 << 20).build())
            .collect::<Result<Vec<_>, _>>()?;
        let set = if patterns.is_empty() {
            None
        } else {
            Some(
                regex::RegexSetBuilder::new(negative_patterns)
                    .size_limit(1 << 22)
                    .build()?,
            )
        };
        let words = |ws: &[String]| {
            ws.iter()
                .map(|w| fold(&w.trim().to_lowercase()))
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
        };
        Ok(CustomRules {
            patterns,
            set,
            negative_words: words(negative_words),
            positive_words: words(positive_words),
            names: Vec::new(),
        })
    }

    /// The same rules, with `names` (a watch's terms) carrying no valence
    /// wherever they occur.
    pub fn with_names(mut self, names: &[String]) -> Self {
        self.names = names
            .iter()
            .map(|n| n.trim().to_lowercase())
            .filter(|n| !n.is_empty())
            .collect();
        self
    }

    /// Where the watch's names occur in the lowercased text (byte ranges).
    pub(super) fn name_spans(&self, lower: &str) -> Vec<(usize, usize)> {
        self.names
            .iter()
            .flat_map(|n| {
                lower
                    .match_indices(n.as_str())
                    .map(|(i, m)| (i, i + m.len()))
            })
            .collect()
    }

    /// The watch's patterns that match `text`: (pattern, matched text).
    pub(super) fn pattern_hits<'t>(&self, text: &'t str) -> Vec<(&str, &'t str)> {
        let Some(set) = &self.set else {
            return Vec::new();
        };
        set.matches(text)
            .iter()
            .filter_map(|i| {
                let re = self.patterns.get(i)?;
                re.find(text).map(|m| (re.as_str(), m.as_str()))
            })
            .collect()
    }

    /// The valence a watch gives `word` (folded lowercase), if any.
    pub(super) fn word(&self, word: &str) -> Option<f32> {
        if self.negative_words.iter().any(|w| w == word) {
            Some(-CUSTOM_VALENCE)
        } else if self.positive_words.iter().any(|w| w == word) {
            Some(CUSTOM_VALENCE)
        } else {
            None
        }
    }

    /// Multi-word entries, matched as phrases in the lowercased text.
    pub(super) fn phrases(&self) -> impl Iterator<Item = (&str, f32)> {
        [
            (&self.negative_words, -CUSTOM_VALENCE),
            (&self.positive_words, CUSTOM_VALENCE),
        ]
        .into_iter()
        .flat_map(|(words, valence)| {
            words
                .iter()
                .filter(|w| w.contains(' '))
                .map(move |w| (w.as_str(), valence))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_rules_reject_bad_regex() {
        assert!(CustomRules::new(&["(unclosed".into()], &[], &[]).is_err());
        let c = CustomRules::new(&["(?i)storing".into()], &["Prut".into()], &[]).expect("valid");
        assert_eq!(c.pattern_hits("STORING bij ons").len(), 1);
        assert_eq!(c.word("prut"), Some(-CUSTOM_VALENCE));
    }

    #[test]
    fn phrases_are_the_multi_word_entries_negative_first() {
        let c = CustomRules::new(
            &[],
            &["prut".into(), "Lange Rij".into()],
            &["top dag".into(), "knaller".into()],
        )
        .expect("valid");
        let phrases: Vec<_> = c.phrases().collect();
        assert_eq!(
            phrases,
            [("lange rij", -CUSTOM_VALENCE), ("top dag", CUSTOM_VALENCE)]
        );
    }
}
