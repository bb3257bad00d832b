//! Compiled watch rules: an item's title and text in, the watches it mentions out.
//!
//! All terms and exclusions of all watches are folded (lower case, no diacritics,
//! styled letters plain, single spaces) and compiled into one Aho-Corasick
//! automaton, and all regexes into one `RegexSet`, so the cost per item does not
//! grow with the number of terms. A term of several words is compiled in the
//! forms people type it too: joined (`rabobank`), hyphenated (`rabo-bank`),
//! with underscores (`rabo_bank`). A term matches only as a whole word: it must
//! not be glued to a letter or digit on a side where the term itself starts or
//! ends with one, except where the original text marks a word's end inside a
//! glued token (`#KPNstoring`, `#ZiggoStoring`, `KL1234`); punctuation such as
//! `@`, `#` or a domain's `.nl` is never glue. Pure: no I/O, and matching
//! cannot fail.

use aho_corasick::{AhoCorasick, MatchKind};
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

use crate::text::{fold_all, fold_mapped, is_format, Folded};

/// Bytes of context kept before and after the first hit in a snippet.
const SNIPPET_BEFORE: usize = 90;
const SNIPPET_AFTER: usize = 160;
const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// Words of a term up to which every mix of spaced and joined words is
/// compiled (`Rabo Bank Foundation` as `RaboBank Foundation`): 2^(n-1) forms.
const MIXED_FORMS_UP_TO: usize = 5;

#[derive(Debug, thiserror::Error)]
#[error("watch {watch:?}: regex {pattern:?}: {source}")]
pub struct MatcherError {
    watch: String,
    pattern: String,
    source: regex::Error,
}

/// What the matcher reads of a watch. Config's `Watch` is one; the matcher
/// does not depend on how config holds it (config compiles the matcher).
pub trait WatchTerms {
    fn name(&self) -> &str;
    /// Terms: a hit names the watch.
    fn terms(&self) -> &[String];
    /// Exclusions: a hit vetoes the watch.
    fn exclude(&self) -> &[String];
    fn regex(&self) -> &[String];
}

/// Compiles one user regex the way the matcher uses it (config compiles each
/// watch's regexes with this once, at load, and hands them to
/// [`Matcher::with_regexes`]).
pub fn compile_regex(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Term,
    Exclude,
}

#[derive(Debug)]
struct Needle {
    watch: usize,
    role: Role,
    /// The term as the user wrote it, reported in hits.
    term: String,
    check_start: bool,
    check_end: bool,
}

impl Needle {
    /// Whether folded `start..end` is this needle as a whole word: not glued
    /// to a letter or digit before, and ending a word ([`end_edge`]).
    fn edges(&self, folded: &str, start: usize, end: usize, origin: Option<&Origin<'_>>) -> Edge {
        if self.check_start && glued_before(folded, start) {
            Edge::Glued
        } else if self.check_end {
            end_edge(folded, start, end, origin)
        } else {
            Edge::Word
        }
    }
}

/// One watch's verdict on one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Index into the watch list the matcher was built from.
    pub watch: usize,
    /// The terms (as configured) or regex matches that hit, in order of first appearance.
    pub terms: Vec<String>,
    /// Original text around the first hit.
    pub snippet: String,
}

/// All watches compiled into one automaton and one regex set.
#[derive(Debug)]
pub struct Matcher {
    /// For ASCII text: the longest word of every term, ASCII-case-insensitive.
    /// An ASCII text none of them occurs in can match no term, and is rejected
    /// without being folded (most items mention nothing). `None` when a watch
    /// has regexes, which such a shortcut cannot see. The same search as
    /// the screen's ([`AsciiWords`]).
    prefilter: Option<AsciiWords>,
    /// For an item's HTML, before it is made text: the longest run of ASCII
    /// letters and digits of every term that can match plain ASCII text
    /// (see [`Matcher::could_mention`]). `None` when some term has no such
    /// run (`€€€`) or a watch has regexes.
    screen: Option<AsciiWords>,
    ac: Option<AhoCorasick>,
    /// For each automaton pattern, every (watch, role) that uses that folded string.
    needles: Vec<Vec<Needle>>,
    regex_set: Option<RegexSet>,
    regexes: Vec<(usize, Regex)>,
    watch_count: usize,
}

impl Matcher {
    /// Compiles every watch's terms, exclusions and regexes.
    pub fn new(watches: &[impl WatchTerms]) -> Result<Matcher, MatcherError> {
        let regexes = watches
            .iter()
            .map(|w| {
                w.regex()
                    .iter()
                    .map(|r| {
                        compile_regex(r).map_err(|source| MatcherError {
                            watch: w.name().to_string(),
                            pattern: r.clone(),
                            source,
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .collect::<Result<Vec<_>, _>>()?;
        Matcher::with_regexes(watches, regexes)
    }

    /// Like [`Matcher::new`], with each watch's regexes already compiled
    /// ([`compile_regex`]; `regexes[i]` belongs to `watches[i]`). Fails only
    /// when all regexes together exceed the set's size limit.
    pub fn with_regexes(
        watches: &[impl WatchTerms],
        compiled: Vec<Vec<Regex>>,
    ) -> Result<Matcher, MatcherError> {
        let mut folded_patterns: Vec<String> = Vec::new();
        let mut needles: Vec<Vec<Needle>> = Vec::new();
        let mut index = std::collections::HashMap::new();
        for (wi, w) in watches.iter().enumerate() {
            let roles = w
                .terms()
                .iter()
                .map(|t| (t, Role::Term))
                .chain(w.exclude().iter().map(|t| (t, Role::Exclude)));
            for (term, role) in roles {
                let folded = fold_all(&[term]);
                for form in forms(&folded) {
                    let first = form.chars().next().is_some_and(char::is_alphanumeric);
                    let last = form.chars().next_back().is_some_and(char::is_alphanumeric);
                    let slot = *index.entry(form.clone()).or_insert_with(|| {
                        folded_patterns.push(form);
                        needles.push(Vec::new());
                        needles.len() - 1
                    });
                    // Two forms of one term can be one string (`a-b` written
                    // `a b`): one needle each.
                    if needles[slot]
                        .iter()
                        .any(|n| n.watch == wi && n.term == *term)
                    {
                        continue;
                    }
                    needles[slot].push(Needle {
                        watch: wi,
                        role,
                        term: term.clone(),
                        check_start: first,
                        check_end: last,
                    });
                }
            }
        }
        let ac = if folded_patterns.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .build(&folded_patterns)
                    .expect("automaton over a bounded watch list always builds"),
            )
        };
        let mut regexes = Vec::new();
        let mut sources = Vec::new();
        for (wi, res) in compiled.into_iter().enumerate() {
            for re in res {
                sources.push(re.as_str().to_string());
                regexes.push((wi, re));
            }
        }
        let regex_set = if sources.is_empty() {
            None
        } else {
            Some(
                RegexSetBuilder::new(&sources)
                    .case_insensitive(true)
                    .size_limit(REGEX_SIZE_LIMIT * 8)
                    .build()
                    .map_err(|source| MatcherError {
                        watch: "*".into(),
                        pattern: "(all regexes together)".into(),
                        source,
                    })?,
            )
        };
        let prefilter = if regexes.is_empty() {
            let words: Vec<String> = watches
                .iter()
                .flat_map(|w| w.terms())
                .filter_map(|t| {
                    // A word of the term occurs in each of its forms: the
                    // longest, the first of equals (`bol` of `bol.com`, not
                    // the `com` of every address).
                    let folded = fold_all(&[t]);
                    words(&folded)
                        .into_iter()
                        .rev()
                        .max_by_key(|p| p.len())
                        .filter(|p| !p.is_empty() && p.is_ascii())
                        .map(str::to_string)
                })
                .collect();
            Some(AsciiWords::new(&words))
        } else {
            None
        };
        let screen = if regexes.is_empty() {
            screen_words(watches).map(|words| AsciiWords::new(&words))
        } else {
            None
        };
        Ok(Matcher {
            prefilter,
            screen,
            ac,
            needles,
            regex_set,
            regexes,
            watch_count: watches.len(),
        })
    }

    /// The watches that `title` and `text` (plain text) mention, in watch order.
    pub fn find(&self, title: &str, text: &str) -> Vec<Hit> {
        // An ASCII text holds a term only if it holds the term's word: the
        // prefilter decides, and a text that holds one most likely mentions
        // it, so it goes straight to the full reading below.
        let word_seen = match &self.prefilter {
            Some(pre) if title.is_ascii() && text.is_ascii() => {
                if !pre.is_in(title.as_bytes()) && !pre.is_in(text.as_bytes()) {
                    return Vec::new();
                }
                true
            }
            _ => false,
        };
        // Otherwise fold without the offset map and without joining the two
        // first: most items mention nothing, and for them this is all the
        // work done. A term glued to a letter needs the original's case to
        // decide, so it is decided below, with the map.
        if !word_seen {
            let folded = fold_all(&[title, text]);
            if !self.scan(&folded, None).iter().any(Found::may_hit) {
                return Vec::new();
            }
        }
        self.find_in(&joined(title, text))
    }

    /// Whether an item whose title and text are made from `fields` (HTML as
    /// a feed gives it: [`html_to_text`](crate::text::html_to_text) of one
    /// or more of them) could mention a watch. False only when it surely
    /// cannot: every field's words come through as written
    /// ([`text::html_words_intact`](crate::text::html_words_intact)) and no
    /// field holds a term's screening word; then [`Matcher::find`] of that
    /// title and text finds nothing, and the item need not be built. Most
    /// items mention nothing: this is a byte search, where building one is
    /// decoding, tidying, folding and a URL parse.
    pub fn could_mention(&self, fields: &[&str]) -> bool {
        let Some(screen) = &self.screen else {
            return true;
        };
        fields.iter().any(|f| screen.is_in(f.as_bytes()))
            || !fields.iter().all(|f| crate::text::html_words_intact(f))
    }

    /// The watches that one piece of plain text mentions.
    pub fn find_in(&self, original: &str) -> Vec<Hit> {
        let mapped = fold_mapped(original);
        self.scan_mapped(original, &mapped)
            .into_iter()
            .enumerate()
            .filter(|(_, f)| f.is_hit())
            .map(|(watch, f)| hit(original, &mapped, watch, f))
            .collect()
    }

    /// For a source whose every item is about `watches` (`match = "all"`):
    /// a hit for each of them that no exclusion of its own vetoes, with the
    /// terms that do occur (perhaps none) and the snippet around the first
    /// of them, else the start of the text (of the title when there is no
    /// text). Other watches are not looked at.
    pub fn find_all(&self, title: &str, text: &str, watches: &[usize]) -> Vec<Hit> {
        let original = joined(title, text);
        let mapped = fold_mapped(&original);
        let mut found = self.scan_mapped(&original, &mapped);
        let lead = if text.is_empty() { title } else { text };
        let mut watches = watches.to_vec();
        watches.sort_unstable();
        watches.dedup();
        watches
            .into_iter()
            .filter_map(|watch| {
                let f = std::mem::take(found.get_mut(watch)?);
                if f.excluded {
                    None
                } else if f.terms.is_empty() {
                    Some(Hit {
                        watch,
                        terms: Vec::new(),
                        snippet: snippet(lead, 0),
                    })
                } else {
                    Some(hit(&original, &mapped, watch, f))
                }
            })
            .collect()
    }

    /// [`Matcher::scan`] of `original`'s fold, its case at hand.
    fn scan_mapped(&self, original: &str, mapped: &Folded) -> Vec<Found> {
        self.scan(
            &mapped.text,
            Some(&Origin {
                text: original,
                map: &mapped.origin,
            }),
        )
    }

    /// What each watch found in folded text (positions are folded offsets).
    /// Without `origin`, a term glued to a letter after it is left unsure
    /// ([`Found::unsure`]): only the original's case can decide it.
    fn scan(&self, folded: &str, origin: Option<&Origin<'_>>) -> Vec<Found> {
        let mut found: Vec<Found> = (0..self.watch_count).map(|_| Found::default()).collect();
        if let Some(ac) = &self.ac {
            for m in ac.find_overlapping_iter(folded.as_bytes()) {
                for n in &self.needles[m.pattern().as_usize()] {
                    match n.edges(folded, m.start(), m.end(), origin) {
                        Edge::Word => {}
                        Edge::Glued => continue,
                        Edge::Unsure => {
                            found[n.watch].unsure = true;
                            continue;
                        }
                    }
                    let f = &mut found[n.watch];
                    match n.role {
                        Role::Exclude => f.excluded = true,
                        Role::Term => f.add(Term::Configured(n.term.clone()), m.start()),
                    }
                }
            }
        }
        if let Some(set) = &self.regex_set {
            for i in set.matches(folded).iter() {
                let (watch, re) = &self.regexes[i];
                if let Some(m) = re.find(folded) {
                    found[*watch].add(Term::Regex(m.start(), m.end()), m.start());
                }
            }
        }
        found
    }
}

/// More occurrences than this in one text are left unmarked.
pub const MAX_RANGES: usize = 500;

/// The terms a mention was found by, as a watch of their own, so that
/// [`term_ranges`] finds them exactly as the matcher did.
struct TermsOnly<'a>(&'a [String]);

impl WatchTerms for TermsOnly<'_> {
    fn name(&self) -> &str {
        ""
    }
    fn terms(&self) -> &[String] {
        self.0
    }
    fn exclude(&self) -> &[String] {
        &[]
    }
    fn regex(&self) -> &[String] {
        &[]
    }
}

/// Byte ranges of `text` where one of `terms` occurs as the matcher counts
/// it (every form of a term, the same word edges: `RaboBank`, `#KPNstoring`
/// for `Rabo Bank`, `KPN`), sorted, overlapping ones merged, at most
/// [`MAX_RANGES`]. For marking a mention's terms in alerts and pages.
pub fn term_ranges(text: &str, terms: &[String]) -> Vec<(usize, usize)> {
    let Ok(m) = Matcher::with_regexes(&[TermsOnly(terms)], vec![Vec::new()]) else {
        return Vec::new();
    };
    let Some(ac) = &m.ac else {
        return Vec::new();
    };
    let mapped = fold_mapped(text);
    let origin = Origin {
        text,
        map: &mapped.origin,
    };
    let folded = mapped.text.as_str();
    let mut found = Vec::new();
    for hit in ac.find_overlapping_iter(folded.as_bytes()) {
        let (start, end) = (hit.start(), hit.end());
        let counts = m.needles[hit.pattern().as_usize()]
            .iter()
            .any(|n| n.edges(folded, start, end, Some(&origin)) == Edge::Word);
        if let Some(range) = counts
            .then(|| original_range(&origin, start, end))
            .flatten()
        {
            found.push(range);
            if found.len() >= MAX_RANGES {
                break;
            }
        }
    }
    found.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(found.len());
    for (a, b) in found {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}

/// The original byte range of folded bytes `start..end`, on char boundaries.
fn original_range(origin: &Origin<'_>, start: usize, end: usize) -> Option<(usize, usize)> {
    let from = *origin.map.get(start)? as usize;
    let last = *origin.map.get(end.checked_sub(1)?)? as usize;
    let to = last + origin.text.get(last..)?.chars().next()?.len_utf8();
    (origin.text.is_char_boundary(from) && from < to).then_some((from, to))
}

/// An item's title and text as the one text that is matched.
fn joined(title: &str, text: &str) -> String {
    if text.is_empty() {
        title.to_string()
    } else {
        format!("{title}\n{text}")
    }
}

/// What `watch` found in `original` (folded as `mapped`), as reported.
fn hit(original: &str, mapped: &Folded, watch: usize, f: Found) -> Hit {
    let at = mapped.origin.get(f.first).copied().unwrap_or(0) as usize;
    let terms = f
        .terms
        .into_iter()
        .map(|t| match t {
            Term::Configured(s) => s,
            Term::Regex(start, end) => original_slice(original, mapped, start, end).to_string(),
        })
        .collect();
    Hit {
        watch,
        terms,
        snippet: snippet(original, at),
    }
}

/// A hit before it is reported: a configured term, or a regex match's folded range.
#[derive(PartialEq)]
enum Term {
    Configured(String),
    Regex(usize, usize),
}

#[derive(Default)]
struct Found {
    excluded: bool,
    terms: Vec<Term>,
    first: usize,
    /// A term or exclusion was glued to a letter after it, which only the
    /// original's case can tell apart from a longer word.
    unsure: bool,
}

impl Found {
    fn is_hit(&self) -> bool {
        !self.excluded && !self.terms.is_empty()
    }

    /// A hit, or one the original text may still make.
    fn may_hit(&self) -> bool {
        !self.excluded && (self.unsure || !self.terms.is_empty())
    }

    fn add(&mut self, term: Term, at: usize) {
        if self.terms.is_empty() || at < self.first {
            self.first = at;
        }
        if !self.terms.contains(&term) {
            self.terms.push(term);
        }
    }
}

// Match offsets fall on character boundaries (needles are whole UTF-8
// strings); `get` keeps a wrong offset from ever panicking on network text.
fn glued_before(s: &str, at: usize) -> bool {
    s.get(..at)
        .and_then(|b| b.chars().next_back())
        .is_some_and(char::is_alphanumeric)
}

/// Whether a match ends a word where it ends.
#[derive(Debug, PartialEq, Eq)]
enum Edge {
    Word,
    Glued,
    /// Glued to a letter in the folded text; the original's case decides.
    Unsure,
}

/// The edge after folded `start..end`: no letter or digit follows; or a
/// digit follows a letter (`KL1234`); or a letter follows a letter and the
/// original marks a word's end there ([`Origin::case_break`]).
fn end_edge(folded: &str, start: usize, end: usize, origin: Option<&Origin<'_>>) -> Edge {
    let next = folded.get(end..).and_then(|a| a.chars().next());
    let Some(next) = next.filter(|c| c.is_alphanumeric()) else {
        return Edge::Word;
    };
    let last = folded.get(..end).and_then(|b| b.chars().next_back());
    if !last.is_some_and(char::is_alphabetic) {
        return Edge::Glued;
    }
    if !next.is_alphabetic() {
        return Edge::Word;
    }
    match origin {
        None => Edge::Unsure,
        Some(o) if o.case_break(start, end) => Edge::Word,
        Some(_) => Edge::Glued,
    }
}

/// The original text a folded text came from, and the map back to it.
struct Origin<'a> {
    text: &'a str,
    map: &'a [u32],
}

impl Origin<'_> {
    /// Whether the original of folded `start..end`, glued to a letter after
    /// it, ends a word by its case: an all-caps word of two letters or more
    /// before a lower-case letter (`KPNstoring`, `NSstaking`), or a capital
    /// starting the next word (`ZiggoStoring`, `KPNStoring`; not `KLMs`,
    /// a longer acronym's plural). Lower case
    /// glued to lower case (`bolletje`, `kpnstoring`) and a capitalised word
    /// going on in lower case (`Kpnstoring`) stay one word.
    fn case_break(&self, start: usize, end: usize) -> bool {
        let at = |i: usize| self.map.get(i).map(|&o| o as usize);
        let (Some(from), Some(last_at), Some(next_at)) = (at(start), at(end - 1), at(end)) else {
            return false;
        };
        let Some(last) = self.text.get(last_at..).and_then(|r| r.chars().next()) else {
            return false;
        };
        let Some(mut after) = self
            .text
            .get(next_at..)
            .map(|r| r.chars().filter(|&c| !is_format(c)))
        else {
            return false;
        };
        let Some(next) = after.next() else {
            return false;
        };
        if next.is_lowercase() {
            let word = self.text.get(from..last_at + last.len_utf8()).unwrap_or("");
            all_caps(word)
        } else if next.is_uppercase() {
            // After an all-caps term, a capital starts a word only when
            // lower-case letters go on (`KPNStoring`); one alone is a longer
            // acronym's plural (`KLMs` is no `KL`).
            last.is_lowercase() || after.take(2).filter(|c| c.is_lowercase()).count() == 2
        } else {
            false
        }
    }
}

/// At least two capitals and no lower-case letter.
fn all_caps(word: &str) -> bool {
    let mut capitals = 0;
    for c in word.chars() {
        if c.is_lowercase() {
            return false;
        }
        if c.is_uppercase() {
            capitals += 1;
        }
    }
    capitals >= 2
}

/// The words of a folded term (split at spaces, hyphens and underscores).
fn words(folded: &str) -> Vec<&str> {
    folded
        .split([' ', '-', '_'])
        .filter(|w| !w.is_empty())
        .collect()
}

/// A search for any of some ASCII words, ignoring ASCII case, made for
/// most texts holding none: the text is lowered a block at a time (vector
/// instructions, ~12 GB/s) and the block searched for the lowercase words
/// as they are. A case-insensitive search of the words themselves runs
/// every case variant of their prefixes (56 for the poll benchmark's
/// watches) and measured 2.4 GB/s against 7.4 GB/s for this on the
/// benchmark's feeds (aho-corasick's case-insensitive automaton, 0.6 GB/s).
/// The matcher's prefilter and its screen both search with it.
#[derive(Debug)]
struct AsciiWords {
    words: regex::bytes::Regex,
    /// Bytes each block repeats of the one before, so that a word across
    /// two blocks is in one: the longest word's length less one.
    overlap: usize,
    block: usize,
}

impl AsciiWords {
    /// `words`: lowercase ASCII.
    fn new(words: &[String]) -> AsciiWords {
        let alternatives: Vec<String> = words.iter().map(|w| regex::escape(w)).collect();
        let overlap = words
            .iter()
            .map(|w| w.len())
            .max()
            .unwrap_or(1)
            .saturating_sub(1);
        AsciiWords {
            words: regex::bytes::RegexBuilder::new(&alternatives.join("|"))
                .unicode(false)
                .size_limit(REGEX_SIZE_LIMIT * 8)
                .build()
                .expect("an alternation of escaped ASCII words always builds"),
            overlap,
            block: (4 * overlap).max(4096),
        }
    }

    /// Whether `text` holds one of the words, in any ASCII case.
    fn is_in(&self, text: &[u8]) -> bool {
        thread_local! {
            static LOWERED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        LOWERED.with_borrow_mut(|lowered| {
            let mut start = 0;
            loop {
                let end = (start + self.block).min(text.len());
                lowered.clear();
                lowered.extend(text[start..end].iter().map(u8::to_ascii_lowercase));
                if self.words.is_match(lowered) {
                    return true;
                }
                if end == text.len() {
                    return false;
                }
                start = end - self.overlap;
            }
        })
    }
}

/// For [`Matcher::could_mention`]: a word every form of each term holds
/// that plain ASCII text can hold: the term's longest run of ASCII letters
/// and digits (the first of equals). A term with a non-ASCII letter or digit
/// needs one in the text, which such text has not; one without letters or
/// digits (`€€€`) could be in any text: then `None`, nothing is screened.
fn screen_words(watches: &[impl WatchTerms]) -> Option<Vec<String>> {
    let mut words = Vec::new();
    for term in watches.iter().flat_map(|w| w.terms()) {
        let folded = fold_all(&[term]);
        if folded.chars().any(|c| c.is_alphanumeric() && !c.is_ascii()) {
            continue;
        }
        let longest = folded
            .split(|c: char| !c.is_ascii_alphanumeric())
            .rev()
            .max_by_key(|w| w.len())
            .filter(|w| !w.is_empty())?;
        words.push(longest.to_string());
    }
    // A word holding another is found where that one is (`acmetelecom`,
    // `acmetel`).
    let all = words.clone();
    words.retain(|w| !all.iter().any(|o| o != w && w.contains(o.as_str())));
    words.sort();
    words.dedup();
    Some(words)
}

/// The folded forms a term is matched in: as written and, with several
/// words, joined (`rabobank`), spaced, hyphenated (`rabo-bank`), with
/// underscores (`rabo_bank`), and up to [`MIXED_FORMS_UP_TO`] words every mix
/// of spaced and joined (`rabobank foundation`).
fn forms(folded: &str) -> Vec<String> {
    let mut out = vec![folded.to_string()];
    let words = words(folded);
    if words.len() < 2 {
        return out;
    }
    let mut add = |f: String| {
        if !out.contains(&f) {
            out.push(f);
        }
    };
    for sep in [" ", "", "-", "_"] {
        add(words.join(sep));
    }
    if words.len() <= MIXED_FORMS_UP_TO {
        // Bit i of `mask` joins word i+1 to word i without a space.
        for mask in 0u32..(1 << (words.len() - 1)) {
            let mut f = words[0].to_string();
            for (i, w) in words[1..].iter().enumerate() {
                if mask & (1 << i) == 0 {
                    f.push(' ');
                }
                f.push_str(w);
            }
            add(f);
        }
    }
    out
}

fn original_slice<'a>(original: &'a str, folded: &Folded, start: usize, end: usize) -> &'a str {
    let origin = Origin {
        text: original,
        map: &folded.origin,
    };
    original_range(&origin, start, end).map_or("", |(from, to)| &original[from..to])
}

/// About a line of original text around byte `at`, on word boundaries, one line.
fn snippet(original: &str, at: usize) -> String {
    let mut at = at.min(original.len());
    while !original.is_char_boundary(at) {
        at -= 1;
    }
    let mut start = at.saturating_sub(SNIPPET_BEFORE);
    while !original.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (at + SNIPPET_AFTER).min(original.len());
    while !original.is_char_boundary(end) {
        end += 1;
    }
    if start > 0 {
        if let Some(sp) = original[start..at].find(char::is_whitespace) {
            start += sp + 1;
        }
    }
    if end < original.len() {
        if let Some(sp) = original[at..end].rfind(char::is_whitespace) {
            end = at + sp;
        }
    }
    let body: String = original[start..end]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let mut out = String::with_capacity(body.len() + 6);
    if start > 0 {
        out.push('…');
    }
    out.push_str(&body);
    if end < original.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Watch;

    fn watch(name: &str, terms: &[&str], exclude: &[&str], regex: &[&str]) -> Watch {
        Watch {
            name: name.into(),
            terms: terms.iter().map(|s| s.to_string()).collect(),
            exclude: exclude.iter().map(|s| s.to_string()).collect(),
            regex: regex.iter().map(|s| s.to_string()).collect(),
            negative_patterns: Vec::new(),
            negative_words: Vec::new(),
            positive_words: Vec::new(),
        }
    }

    /// The block-at-a-time search finds a word in any ASCII case at every
    /// place, across the edge between two blocks too, and nothing where
    /// there is none.
    #[test]
    fn issue15_ascii_words_found_across_blocks_in_any_case() {
        let words = AsciiWords::new(&["acmetel".to_string(), "klm".to_string()]);
        let filler = "x".repeat(9000);
        assert!(!words.is_in(filler.as_bytes()));
        assert!(!words.is_in(b""));
        for at in (0..20).chain(4080..4100).chain(8170..8200) {
            for word in ["AcmeTel", "ACMETEL", "kLm"] {
                let mut text = filler.clone();
                text.replace_range(at..at + word.len(), word);
                assert!(words.is_in(text.as_bytes()), "{word} at {at}");
            }
        }
        // Non-ASCII letters are no case of ASCII ones.
        assert!(!words.is_in("KŁM".as_bytes()));
    }

    /// Which of the given terms hit `text` for a single watch built from them.
    fn check(terms: &[&str], text: &str, expected: Option<&[&str]>) {
        let m = Matcher::new(&[watch("w", terms, &[], &[])]).unwrap();
        let hits = m.find_in(text);
        let got = hits.first().map(|h| h.terms.clone());
        let expected = expected.map(|e| e.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(got, expected, "terms {terms:?} in {text:?}");
    }

    #[test]
    fn folding_and_whole_words() {
        check(
            &["cafe noel"],
            "Lunch bij Café  Nöel vandaag",
            Some(&["cafe noel"]),
        );
        check(&["HEMA"], "De Hema in Utrecht", Some(&["HEMA"]));
        check(&["KLM"], "KLM's service", Some(&["KLM"]));
        check(&["KLM"], "mijn KLM-vlucht", Some(&["KLM"]));
        check(&["KLM"], "#KLM en @KLM", Some(&["KLM"]));
        check(&["KLM"], "KLMN is iets anders", None);
        check(&["KLM"], "xKLM", None);
        // A digit after a term's last letter ends it (issue #15: flight numbers).
        check(&["KLM"], "KLM2", Some(&["KLM"]));
        check(&["KLM"], "2KLM", None);
        check(&["bol.com"], "besteld bij BOL.COM", Some(&["bol.com"]));
        check(&["bol.com"], "bolcom", None);
        check(
            &["Ahold Delhaize"],
            "Ahold\n  Delhaize",
            Some(&["Ahold Delhaize"]),
        );
        check(
            &["@acmetelecom"],
            "hey @AcmeTelecom!",
            Some(&["@acmetelecom"]),
        );
        check(
            &["Acme", "Acme Telecom"],
            "Acme Telecom down",
            Some(&["Acme", "Acme Telecom"]),
        );
    }

    #[test]
    fn issue15_multi_word_terms_joined_hyphenated_as_handle_or_domain() {
        for text in [
            "Storing bij RaboBank vandaag",
            "storing bij rabobank vandaag",
            "vraag aan @rabobank over",
            "Rabo-Bank app",
            "kijk op rabobank.nl voor",
            "#rabobank #storing",
            "@Rabo_Bank help",
            "RABOBANK app",
            "Rabo Bank app",
            "Rabo\nBank app",
        ] {
            check(&["Rabo Bank"], text, Some(&["Rabo Bank"]));
        }
        check(
            &["Jumbo Supermarkten"],
            "bij Jumbo-Supermarkten gekocht",
            Some(&["Jumbo Supermarkten"]),
        );
        check(
            &["Jumbo Supermarkten"],
            "#JumboSupermarkten",
            Some(&["Jumbo Supermarkten"]),
        );
        // A term written hyphenated finds the spaced and joined forms too.
        check(&["Coca-Cola"], "een coca cola light", Some(&["Coca-Cola"]));
        check(&["Coca-Cola"], "CocaCola", Some(&["Coca-Cola"]));
        // Mixed: some words joined, some spaced.
        check(
            &["Rabo Bank Foundation"],
            "de RaboBank Foundation geeft",
            Some(&["Rabo Bank Foundation"]),
        );
        // Still whole words: glued on to more lower case is another word.
        check(&["Rabo Bank"], "rabobankier", None);
        check(&["Rabo Bank"], "mijnrabobank", None);
        check(&["Rabo Bank"], "rabo bankje", None);
    }

    #[test]
    fn issue15_styled_letters_and_invisible_characters() {
        for text in [
            "storing bij 𝐊𝐏𝐍 weer",
            "storing bij ＫＰＮ weer",
            "storing bij ⓀⓅⓃ weer",
            "storing bij K\u{200b}PN weer",
            "storing bij K\u{200c}P\u{200d}N weer",
            "storing bij K\u{2060}PN\u{feff} weer",
            "storing bij K\u{ad}PN weer",
            "storing bij \u{202a}KPN\u{202c} weer",
        ] {
            check(&["KPN"], text, Some(&["KPN"]));
        }
        // Styled, then glued: still the case rules of the original.
        check(&["KPN"], "#𝐊𝐏𝐍storing", Some(&["KPN"]));
        // A symbol is not letters: "Acme™" is Acme, not "acmetm".
        check(&["Acme"], "Acme™ modem", Some(&["Acme"]));
        // The snippet is the original text, styled letters and all.
        let m = Matcher::new(&[watch("w", &["KPN"], &[], &[])]).unwrap();
        let hits = m.find("Weer 𝐊𝐏𝐍 ＫＰＮ", "niks K\u{200b}PN");
        assert_eq!(hits[0].snippet, "Weer 𝐊𝐏𝐍 ＫＰＮ niks K\u{200b}PN");
    }

    #[test]
    fn issue15_word_ends_inside_glued_tokens() {
        let cases: &[(&str, &str, bool)] = &[
            // An all-caps term glued to a lower-case word.
            ("KPN", "#KPNstoring weer", true),
            ("NS", "NSstaking morgen", true),
            ("NS", "ik zit vast #NSstoring", true),
            // CamelCase: a capital starts the next word.
            ("Ziggo", "#ZiggoStoring", true),
            ("KPN", "#KPNStoring", true),
            ("Ziggo", "#ZIGGOstoring", true),
            // A digit after a letter.
            ("KL", "vlucht KL1234 vertraagd", true),
            ("KL", "vlucht kl1234 vertraagd", true),
            // The case change is the boundary: without one, one word.
            ("bol", "een bolletje", false),
            ("bol", "Bolletje", false),
            ("KPN", "kpnstoring", false),
            ("KPN", "Kpnstoring", false),
            ("KPN", "KPNSTORING", false),
            ("KPN", "KPNS", false),
            ("KL", "klant", false),
            ("KL", "Klant", false),
            ("Ziggo", "Ziggostoring", false),
            // Before a term nothing changes: glued is glued.
            ("KPN", "storingKPN", false),
            ("Ziggo", "BoosOpZiggo", false),
            ("KL", "1234KL", false),
            // A single capital is no all-caps word.
            ("B", "Bolletje", false),
            // A term ending in a digit glued to more digits is a longer number.
            ("A1", "A12", false),
        ];
        for (term, text, hit) in cases {
            check(&[term], text, hit.then_some(&[*term][..]));
            // The same verdict from the item path (title and text apart).
            let m = Matcher::new(&[watch("w", &[term], &[], &[])]).unwrap();
            assert_eq!(!m.find("titel", text).is_empty(), *hit, "{term} in {text}");
        }
    }

    /// Review of issue #15: an all-caps term before a capital and one
    /// lower-case letter is a longer acronym's plural or genitive (`KLMs`,
    /// `NSAs`), not the term followed by a word: `KL` and `NS` found them.
    #[test]
    fn issue15_an_acronym_plural_is_no_camel_case_word() {
        let cases: &[(&str, &str, bool)] = &[
            ("KL", "de KLMs van vandaag", false),
            ("NS", "what NSAs do", false),
            ("KL", "KLMs", false),
            // A word after the capital still starts one.
            ("KPN", "#KPNStoring", true),
            ("KPN", "KPNStoring", true),
            ("NS", "#NSStaking", true),
            // A lower-case ending before a capital is CamelCase as before.
            ("Ziggo", "#ZiggoTv", true),
            // The term's own plural is the term (`KPNs`).
            ("KPN", "twee KPNs", true),
        ];
        for (term, text, hit) in cases {
            check(&[term], text, hit.then_some(&[*term][..]));
            let m = Matcher::new(&[watch("w", &[term], &[], &[])]).unwrap();
            assert_eq!(!m.find("titel", text).is_empty(), *hit, "{term} in {text}");
            assert_eq!(
                !term_ranges(text, &[term.to_string()]).is_empty(),
                *hit,
                "ranges of {term} in {text}"
            );
        }
    }

    #[test]
    fn issue15_exclusions_across_the_same_forms() {
        let m = Matcher::new(&[watch("kpn", &["KPN"], &["KPN Mobile"], &[])]).unwrap();
        for text in [
            "KPN Mobile abonnement",
            "KPNMobile abonnement",
            "kpn-mobile abonnement",
            "#kpnmobile",
            "𝐊𝐏𝐍 Mobile",
            "KPN\u{200b}Mobile",
        ] {
            assert!(m.find_in(text).is_empty(), "{text}");
            assert!(m.find("t", text).is_empty(), "{text}");
        }
        assert_eq!(m.find_in("#KPNstoring").len(), 1);
        // Regexes are matched as before, on the folded text.
        let m = Matcher::new(&[watch("w", &[], &[], &[r"\bkl\d{3,4}\b"])]).unwrap();
        assert_eq!(
            m.find_in("vlucht KL1234")[0].terms,
            vec!["KL1234".to_string()]
        );
    }

    #[test]
    fn issue15_find_all_makes_every_item_a_mention_unless_excluded() {
        let m = Matcher::new(&[
            watch("acme", &["Acme"], &["Acme Corporation"], &[]),
            watch("other", &["storing"], &[], &[]),
        ])
        .unwrap();
        // No term: a hit all the same, its snippet the start of the text.
        let hits = m.find_all("Crasht bij openen", "De app crasht meteen.", &[0]);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].watch, 0);
        assert!(hits[0].terms.is_empty());
        assert_eq!(hits[0].snippet, "De app crasht meteen.");
        assert_eq!(
            m.find_all("Alleen een titel", "", &[0])[0].snippet,
            "Alleen een titel"
        );
        // A term that occurs is reported as usual; other watches are not asked.
        let hits = m.find_all("Storing", "Acme doet het niet", &[0, 0]);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].terms, vec!["Acme".to_string()]);
        assert_eq!(hits[0].snippet, "Storing Acme doet het niet");
        // An exclusion still drops the item.
        assert!(m.find_all("t", "voor Acme Corporation", &[0]).is_empty());
    }

    #[test]
    fn the_ascii_shortcut_never_hides_a_match() {
        // Terms whose words only meet across a fold (case, accents, spacing)
        // must still be found, in ASCII and non-ASCII text alike.
        let m = Matcher::new(&[watch(
            "w",
            &["Café Nöel", "KLM", "Ahold Delhaize"],
            &[],
            &[],
        )])
        .unwrap();
        for text in [
            "lunch bij CAFE NOEL",
            "lunch bij Café Nöel",
            "vlucht met #klm",
            "AHOLD\n\nDELHAIZE kwartaalcijfers",
        ] {
            assert_eq!(m.find(text, "").len(), 1, "{text}");
            assert_eq!(m.find("titel", text).len(), 1, "{text}");
        }
        assert!(m.find("nothing here", "at all").is_empty());
    }

    #[test]
    fn exclusions_and_regex() {
        let m = Matcher::new(&[
            watch(
                "acme",
                &["Acme"],
                &["Acme Corporation"],
                &[r"acme\s*tel(ecom)?"],
            ),
            watch("other", &["Hema"], &[], &[]),
        ])
        .unwrap();
        assert!(m.find_in("Acme Corporation annual report").is_empty());
        let hits = m.find_in("AcmeTel storing! ook bij de HEMA");
        assert_eq!(hits.len(), 2);
        assert_eq!(hits[0].watch, 0);
        // CamelCase "AcmeTel" is "Acme" then "Tel" (issue #15); the regex
        // reports the text it matched.
        assert_eq!(
            hits[0].terms,
            vec!["Acme".to_string(), "AcmeTel".to_string()]
        );
        assert_eq!(hits[1].watch, 1);
    }

    #[test]
    fn snippet_is_original_text_around_first_hit() {
        let m = Matcher::new(&[watch("w", &["cafe noel"], &[], &[])]).unwrap();
        let long = format!(
            "{} Het eten bij Café Nöel was koud. {}",
            "bla ".repeat(60),
            "na ".repeat(80)
        );
        let hits = m.find_in(&long);
        let s = &hits[0].snippet;
        assert!(s.contains("Café Nöel was koud"), "{s}");
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.len() < 300, "{s}");
    }
}
