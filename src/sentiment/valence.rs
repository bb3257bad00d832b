//! Gives each token its own valence before the rules weigh it: the
//! lexicon's value or a watch's word, English and Dutch idioms scored
//! whole, English "like"/"miss"/"care" only as verbs, and none
//! for names (capitalised runs, a watch's own terms) or for words a
//! complaint pattern already counts. It weighs nothing against anything
//! else (negation, contrast, sarcasm): that is `score`.

use super::custom::CustomRules;
use super::lang::Lang;
use super::lexicon::Lexicons;
use super::patterns::Hit;
use super::tokens::{collapse_runs, Kind, Token};
use super::words::{
    care_is_verb, idiom_opener, is_negator, is_wanting, like_is_verb, nl_idiom_opener, EN_IDIOMS,
    NL_IDIOMS,
};

/// Sets every token's valence: lexicon and watch words, then idioms
/// (English), then names, then the watch's own terms.
pub(super) fn assign(
    tokens: &mut [Token<'_>],
    text: &str,
    lower: &str,
    lang: Lang,
    lex: &Lexicons,
    custom: Option<&CustomRules>,
    hits: &[Hit],
) {
    assign_valences(tokens, lang, lex, custom, hits);
    if lang != Lang::Nl {
        apply_idioms(tokens, EN_IDIOMS, idiom_opener);
        wishes(tokens);
    }
    if lang != Lang::En {
        apply_idioms(tokens, NL_IDIOMS, nl_idiom_opener);
    }
    drop_proper_nouns(tokens, text, lang);
    // The watch's own brand names are no sentiment ("bol", "Best Buy").
    if let Some(c) = custom {
        for (s, e) in c.name_spans(lower) {
            for t in tokens.iter_mut().filter(|t| t.start >= s && t.end <= e) {
                t.valence = 0.0;
            }
        }
    }
}

/// Lexicon valence per word; words inside a complaint pattern are left to
/// the pattern so they are not counted twice.
fn assign_valences(
    tokens: &mut [Token<'_>],
    lang: Lang,
    lex: &Lexicons,
    custom: Option<&CustomRules>,
    hits: &[Hit],
) {
    for i in 0..tokens.len() {
        if tokens[i].kind != Kind::Word {
            continue;
        }
        let (s, e) = (tokens[i].start, tokens[i].end);
        if hits.iter().any(|h| s < h.end && e > h.start) {
            continue;
        }
        let w: &str = &tokens[i].norm;
        let v = if let Some(v) = custom.and_then(|c| c.word(w)) {
            Some(v)
        } else if is_negator(lang, w) {
            None
        } else if (w == "like" || w == "miss") && lang != Lang::Nl {
            // VADER's values, only where the word is the verb.
            let prev = i.checked_sub(1).map(|p| tokens[p].norm.as_ref());
            like_is_verb(prev).then_some(if w == "like" { 1.5 } else { -0.6 })
        } else if w == "care" && lang != Lang::Nl {
            let prev = i.checked_sub(1).map(|p| tokens[p].norm.as_ref());
            if care_is_verb(prev) {
                lex.get(lang, w)
            } else {
                None
            }
        } else {
            lex.get(lang, w)
                .or_else(|| lex.hyphenated(lang, w))
                .or_else(|| {
                    // "goooood" → "good" when "good" is known.
                    if tokens[i].elongated {
                        collapse_runs(w, 1).and_then(|c| lex.get(lang, &c))
                    } else {
                        None
                    }
                })
                .or_else(|| lex.misspelled(lang, w))
                .or_else(|| (lang != Lang::En).then(|| lex.compound(w)).flatten())
        };
        if let Some(v) = v {
            tokens[i].valence = v;
        }
    }
}

/// Marks the idioms of `table` (whose first words `opener` knows): the last
/// word carries the idiom's valence, the others none, and none of them is
/// negated or negates.
fn apply_idioms(tokens: &mut [Token<'_>], table: &[(&[&str], f32)], opener: fn(&str) -> bool) {
    // Only non-ASCII words can hold a typographic apostrophe ("can’t").
    let same = |norm: &str, w: &str| {
        norm == w || (!norm.is_ascii() && norm.contains('’') && norm.replace('’', "'") == w)
    };
    for i in 0..tokens.len() {
        if tokens[i].kind != Kind::Word || tokens[i].idiom {
            continue;
        }
        let first = tokens[i].norm.as_ref();
        let could_open = opener(first) || !first.is_ascii();
        for (words, v) in table.iter().filter(|_| could_open) {
            let Some(span) = tokens.get(i..i + words.len()) else {
                continue;
            };
            let matches = span.iter().zip(*words).all(|(t, w)| {
                t.kind == Kind::Word && t.clause == tokens[i].clause && same(&t.norm, w)
            });
            if matches {
                for t in &mut tokens[i..i + words.len()] {
                    t.idiom = true;
                    t.valence = 0.0;
                }
                tokens[i + words.len() - 1].valence = *v;
                break;
            }
        }
    }
}

/// English "bad"/"badly" after a word of wanting in the same clause ("I
/// want it so bad") measures the wish: no valence, and not negated.
fn wishes(tokens: &mut [Token<'_>]) {
    for i in 0..tokens.len() {
        if matches!(tokens[i].norm.as_ref(), "bad" | "badly") && !tokens[i].idiom {
            let clause = tokens[i].clause;
            let wanted = tokens[i.saturating_sub(8)..i]
                .iter()
                .any(|t| t.clause == clause && is_wanting(&t.norm));
            if wanted {
                tokens[i].valence = 0.0;
                tokens[i].idiom = true;
            }
        }
    }
}

/// A capitalised word inside a sentence is often part of a name ("Goor",
/// "De Slechte", "The Walking Dead", "Bad Blood", "Best Buy"): a name
/// carries no sentiment. Dutch writes common nouns and adjectives in
/// lowercase, so there every such word is taken for a name. English
/// capitalises more loosely, so there only a run of two or more capitalised
/// words inside a clause is, and not when the run opens the clause ("Worst
/// Service Ever" as a title). Hashtags, the sentence's first word and Title
/// Case sentences (headlines) are left alone.
fn drop_proper_nouns(tokens: &mut [Token<'_>], text: &str, lang: Lang) {
    let capitalised = |t: &Token<'_>| {
        let mut cs = text[t.start..t.end].chars();
        t.kind == Kind::Word
            && !text[..t.start].ends_with('#')
            && cs.next().is_some_and(char::is_uppercase)
            && cs.any(char::is_lowercase)
    };
    let mut i = 0;
    while i < tokens.len() {
        let sentence = tokens[i].sentence;
        let end = tokens[i..]
            .iter()
            .position(|t| t.sentence != sentence)
            .map_or(tokens.len(), |p| i + p);
        let words = tokens[i..end]
            .iter()
            .filter(|t| t.kind == Kind::Word)
            .count();
        let caps: Vec<bool> = tokens[i..end].iter().map(capitalised).collect();
        // Title Case (a headline): no word of four letters or more is
        // written in lowercase ("Catching up on The Walking Dead tonight"
        // is a sentence with a name in it, not a title).
        let title_case = match lang {
            Lang::Nl => caps.iter().filter(|c| **c).count() * 2 >= words,
            _ => !tokens[i..end].iter().any(|t| {
                t.kind == Kind::Word
                    && t.norm.chars().count() >= 4
                    && text[t.start..t.end].starts_with(char::is_lowercase)
            }),
        };
        if !title_case {
            // Walk runs of capitalised words within one clause.
            let mut k = 1;
            while k < caps.len() {
                if !caps[k] {
                    k += 1;
                    continue;
                }
                let clause = tokens[i + k].clause;
                let run_end = (k..caps.len())
                    .find(|&r| !caps[r] || tokens[i + r].clause != clause)
                    .unwrap_or(caps.len());
                // A run that began with the sentence's first word opens it.
                let opens_clause = caps[k - 1] || tokens[i + k - 1].clause != clause;
                let run_start = if caps[k - 1] { k - 1 } else { k };
                let name = match lang {
                    Lang::Nl => true,
                    _ => run_end - run_start >= 2 && !opens_clause,
                };
                if name {
                    for t in &mut tokens[i + k..i + run_end] {
                        t.valence = 0.0;
                    }
                }
                k = run_end;
            }
        }
        i = end;
    }
}
