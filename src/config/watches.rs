//! `[[watch]]` tables → validated [`Watch`]es and their [`CompiledWatches`].
//!
//! A watch's regexes and its own sentiment rules are compiled here, once, at
//! load: whether they are usable is decided in this one place, and the
//! compiled form is what `check`, the daemon and a reload use. Nothing later
//! compiles them again. No I/O.

use std::collections::HashSet;

use serde::Deserialize;
use toml::Spanned;

use crate::matcher::{compile_regex, Matcher, WatchTerms};
use crate::sentiment::CustomRules;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watch {
    pub name: String,
    pub terms: Vec<String>,
    pub exclude: Vec<String>,
    pub regex: Vec<String>,
    /// This watch's own complaint patterns (regexes on the original text).
    pub negative_patterns: Vec<String>,
    /// Words and phrases that make a mention of this watch more negative.
    pub negative_words: Vec<String>,
    /// Words and phrases that make it more positive.
    pub positive_words: Vec<String>,
}

impl WatchTerms for Watch {
    fn name(&self) -> &str {
        &self.name
    }
    fn terms(&self) -> &[String] {
        &self.terms
    }
    fn exclude(&self) -> &[String] {
        &self.exclude
    }
    fn regex(&self) -> &[String] {
        &self.regex
    }
}

/// The watch list as it is used: the matcher over all watches and, per
/// watch (same index), its own sentiment rules with its terms as names.
#[derive(Debug)]
pub struct CompiledWatches {
    pub matcher: Matcher,
    pub custom: Vec<CustomRules>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWatch {
    name: Spanned<String>,
    #[serde(default)]
    terms: Vec<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    #[serde(default)]
    regex: Vec<Spanned<String>>,
    #[serde(default)]
    negative_patterns: Vec<Spanned<String>>,
    #[serde(default)]
    negative_words: Vec<String>,
    #[serde(default)]
    positive_words: Vec<String>,
}

/// The checked watches, their names, and their compiled form.
pub(super) struct Watches {
    pub list: Vec<Watch>,
    pub names: HashSet<String>,
    pub compiled: CompiledWatches,
}

/// `err` makes the error for a byte offset in the file (config's
/// `file:line:col`), so this file needs nothing else of config.
pub(super) fn validate<E>(
    raw: Vec<RawWatch>,
    err: &dyn Fn(usize, String) -> E,
) -> Result<Watches, E> {
    let mut list = Vec::new();
    let mut names = HashSet::new();
    let mut regexes = Vec::new();
    let mut custom = Vec::new();
    let mut first_regex_at = None;
    for w in raw {
        let name = w.name.get_ref().trim().to_string();
        if name.is_empty() {
            return Err(err(w.name.span().start, "watch name is empty".into()));
        }
        if !names.insert(name.clone()) {
            return Err(err(
                w.name.span().start,
                format!("duplicate watch name {name:?}"),
            ));
        }
        if w.terms.is_empty() && w.regex.is_empty() {
            return Err(err(
                w.name.span().start,
                format!("watch {name:?} has neither `terms` nor `regex`: it can never match"),
            ));
        }
        for t in w.terms.iter().chain(&w.exclude) {
            if crate::text::fold(t.get_ref()).is_empty() {
                return Err(err(t.span().start, "empty term".into()));
            }
        }
        let compiled = w
            .regex
            .iter()
            .map(|r| {
                compile_regex(r.get_ref())
                    .map_err(|e| err(r.span().start, format!("invalid regex: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        first_regex_at = first_regex_at.or(w.regex.first().map(|r| r.span().start));
        regexes.push(compiled);
        let terms: Vec<String> = w.terms.into_iter().map(Spanned::into_inner).collect();
        let patterns: Vec<String> = w
            .negative_patterns
            .iter()
            .map(|p| p.get_ref().clone())
            .collect();
        // Every watch has rules: at least its terms, which name the brand and
        // so carry no sentiment of their own.
        let rules =
            CustomRules::new(&patterns, &w.negative_words, &w.positive_words).map_err(|e| {
                err(
                    bad_pattern_at(&w.negative_patterns),
                    format!("invalid negative_patterns regex: {e}"),
                )
            })?;
        custom.push(rules.with_names(&terms));
        list.push(Watch {
            name,
            terms,
            exclude: w.exclude.into_iter().map(Spanned::into_inner).collect(),
            regex: w.regex.into_iter().map(Spanned::into_inner).collect(),
            negative_patterns: patterns,
            negative_words: w.negative_words,
            positive_words: w.positive_words,
        });
    }
    // Each regex compiled alone; only all of them together can still be too
    // large, which is told at the first one.
    let matcher = Matcher::with_regexes(&list, regexes)
        .map_err(|e| err(first_regex_at.unwrap_or(0), e.to_string()))?;
    Ok(Watches {
        list,
        names,
        compiled: CompiledWatches { matcher, custom },
    })
}

/// Where a watch's rules failed to compile: the first pattern that does not
/// compile alone, else (all of them together are too large) the first one.
/// Only called on the error path.
fn bad_pattern_at(patterns: &[Spanned<String>]) -> usize {
    patterns
        .iter()
        .find(|p| CustomRules::new(std::slice::from_ref(p.get_ref()), &[], &[]).is_err())
        .or(patterns.first())
        .map_or(0, |p| p.span().start)
}
