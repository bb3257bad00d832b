//! The scorer: skips a reply's "Re: …" line, tokenises (`tokens`), finds
//! the complaint patterns and written ratings, gives each token its own
//! valence (`valence`), weighs it by the rules (negation window, boosters
//! and dampeners, contrast and concession, CAPS, elongation, headline,
//! sarcasm, irony, `!`, the news reading) and sums the valences
//! VADER-style into a score in −1…+1 with the reasons that moved it. It
//! holds no word lists (`words`, `lexicon`) and no patterns (`patterns`):
//! only what they do to a score.

use std::borrow::Cow;

use super::custom::{CustomRules, CUSTOM_VALENCE};
use super::lang::{detect, Lang};
use super::lexicon::Lexicons;
use super::patterns::{Hit, Packs, PatternText, RATING};
use super::tokens::{lowercase_same_offsets, tokenize, Kind, Token};
use super::valence;
use super::words::{
    booster, is_comparative, is_concession, is_contrast, is_laughter, is_negator, is_personal,
    is_reporting, is_speaker_word, pure_intensifier,
};

/// VADER's constants: CAPS emphasis, negation factor, `!` emphasis and the
/// normalisation alpha (the booster step is in `words`).
const CAPS_INCR: f32 = 0.733;
const ELONGATION_INCR: f32 = 0.3;
const NEGATION: f32 = -0.74;
const EXCLAIM_INCR: f32 = 0.292;
const ALPHA: f32 = 15.0;
/// Contrast ("but", "maar"): what precedes counts half, what follows 1.5×.
const BEFORE_CONTRAST: f32 = 0.5;
const AFTER_CONTRAST: f32 = 1.5;
/// Under sarcasm, praise counts as this much of its value, negated.
const SARCASM_FLIP: f32 = -0.5;
const SARCASM_CUE: f32 = -1.0;
/// "Never so/more …": VADER's emphasis instead of negation.
const NEVER_SO: f32 = 1.25;
/// A negated negative word ("not bad") turns faintly positive, not into
/// praise: people negate a complaint to say "acceptable", and VADER's full
/// flip made "not an engine problem" strong praise. "not bad" (−2.5) lands
/// at +0.75, VADER's "fine" (0.8) and "ok" (0.9).
const NEGATED_NEGATIVE: f32 = -0.3;
/// A short opening sentence ("Teleurstelling.", "Terrible.") or a title
/// line is the writer's own verdict; it counts this much more.
const HEADLINE: f32 = 2.0;
const HEADLINE_MAX_WORDS: usize = 6;
/// A report about a brand ("…, meldt de NOS") is not its writer's
/// complaint: what its words weigh counts this much, so that a report of
/// an outage, a price rise or a layoff stays neutral (an outage pattern,
/// −2.0, lands at −0.01; "cuts … crisis", −4.3, at −0.02).
const NEWS: f32 = 0.02;
/// A text of more sentences than this is no news report.
const NEWS_MAX_SENTENCES: u32 = 3;
/// The most one Dutch word adds before contrast.
const NL_WORD_MAX: f32 = 3.5;
/// Reasons kept per result.
const MAX_REASONS: usize = 16;

pub(super) struct Scored {
    pub score: f32,
    pub lang: Lang,
    pub reasons: Vec<String>,
}

/// One scored word, emoji or emoticon after the rules, with notes on why.
struct Contribution {
    token: usize,
    value: f32,
    notes: Vec<String>,
}

/// Sentence-level facts the word rules need.
struct Shape {
    /// The first contrast word ("but", "maar") of each sentence.
    contrast_at: Vec<Option<usize>>,
    /// A concessive word ("although", "hoewel") opening a sentence.
    concession_at: Vec<Option<usize>>,
    /// A contrast word opening a sentence that follows another ("Goed.
    /// Maar de levering duurde drie weken."): it contrasts with the
    /// sentence before, as one inside a sentence does with its start.
    opens_contrast: Vec<bool>,
    /// The opening sentence, when it is a short headline.
    headline: Option<u32>,
    /// Some but not all words are in capitals, so capitals are emphasis.
    caps_differ: bool,
}

pub(super) fn score(
    text: &str,
    lang: Option<Lang>,
    lex: &Lexicons,
    packs: &Packs,
    custom: Option<&CustomRules>,
) -> Scored {
    let text = own_words(text);
    let lower = lowercase_same_offsets(text);
    let mut tokens = tokenize(text, &lower, lex);
    let lang = lang.unwrap_or_else(|| {
        detect(
            tokens
                .iter()
                .filter(|t| t.kind == Kind::Word)
                .map(|t| t.norm.as_ref()),
        )
    });
    let pattern_text = PatternText::new(&lower);
    let mut hits: Vec<Hit> = packs.hits(&pattern_text, lower.len(), lang);
    hits.extend(packs.rating(&lower));
    // A resolution ("fixed my problem") after a negator is none: "haven't
    // fixed the issue" leaves the words to the rules.
    hits.retain(|h| h.valence < 0.0 || h.name == RATING || !negated_before(&tokens, h.start, lang));
    // "Support says it's fixed", "Ziggo zegt dat de storing opgelost is":
    // the brand's claim, not the writer's thank-you.
    hits.retain(|h| h.valence < 0.0 || h.name == RATING || !claimed_before(&tokens, h.start));
    valence::assign(&mut tokens, text, &lower, lang, lex, custom, &hits);
    let shape = shape(&tokens, lang);
    let mut contributions: Vec<Contribution> = (0..tokens.len())
        .filter_map(|i| weigh(&tokens, i, lang, &shape, text))
        .collect();
    let mut reasons = shape_reasons(&tokens, &shape, &contributions, text);

    // A watch's own patterns and phrases.
    let mut extra: Vec<(f32, String)> = Vec::new();
    if let Some(c) = custom {
        for (pattern, matched) in c.pattern_hits(text) {
            extra.push((
                -CUSTOM_VALENCE,
                format!("custom pattern '{pattern}': '{}'", clip(matched)),
            ));
        }
        for (phrase, v) in c.phrases() {
            if lower.contains(phrase) {
                extra.push((v, format!("{v:+.1} custom phrase '{phrase}'")));
            }
        }
    }

    // Repetition ("alweer", "yet again") only amplifies a complaint.
    let negative_hits = |hits: &[Hit]| hits.iter().any(|h| h.valence < 0.0 && h.name != "repeat");
    let other_negative = negative_hits(&hits) || contributions.iter().any(|c| c.value < 0.0);
    if !other_negative {
        hits.retain(|h| h.name != "repeat");
    }

    // A resolution ("got my money back", "storing is opgelost") tells of
    // the problem it solved: a complaint pattern inside it counts for
    // nothing, one before it for half.
    let fixes: Vec<(usize, usize)> = hits
        .iter()
        .filter(|h| h.valence > 0.0 && h.name != RATING)
        .map(|h| (h.start, h.end))
        .collect();
    if let Some(first_fix) = fixes.iter().map(|f| f.0).min() {
        hits.retain(|h| h.valence > 0.0 || !fixes.iter().any(|(s, e)| h.start < *e && h.end > *s));
        for h in hits
            .iter_mut()
            .filter(|h| h.valence < 0.0 && h.end <= first_fix)
        {
            h.valence *= 0.5;
        }
    }

    // Sarcasm: a praise cue beside evidence of a complaint turns the praise.
    let has_negative_evidence = hits.iter().any(|h| h.valence < 0.0)
        || extra.iter().any(|(v, _)| *v < 0.0)
        || contributions.iter().any(|c| c.value < 0.0);
    // Laughter beside a complaint pattern is bitter ("driver ate my fries
    // lol, missing half my order"), not praise. Beside a mere negative word
    // it is often just a joke ("I'm dead lol"), so that case keeps it.
    if negative_hits(&hits) {
        contributions.retain(|c| !(c.value > 0.0 && is_laughter(&tokens[c.token].norm)));
    }
    let has_praise = contributions.iter().any(|c| c.value > 0.0);
    let mut sarcastic = false;
    if has_negative_evidence && has_praise {
        if let Some(cue) = packs.sarcasm(&pattern_text) {
            sarcastic = true;
            for c in contributions.iter_mut().filter(|c| c.value > 0.0) {
                c.value *= SARCASM_FLIP;
                c.notes.push("sarcasm turns praise".into());
            }
            extra.push((
                SARCASM_CUE,
                format!("sarcasm cue '{}' beside a complaint", clip(cue)),
            ));
        }
    }
    let mut ironic = false;
    if has_negative_evidence && !hits.iter().any(|h| h.valence > 0.0 && h.name != RATING) {
        let (verdict, flipped) =
            ironic_praise(&tokens, &hits, &mut contributions, &shape, lang, text);
        ironic = flipped;
        // Praise closing a story of a problem put right is the verdict: as
        // after a resolution, the complaint before it counts half.
        if let Some(tail_start) = verdict {
            for h in hits.iter_mut().filter(|h| h.valence < 0.0) {
                h.valence *= 0.5;
            }
            for c in contributions
                .iter_mut()
                .filter(|c| c.value < 0.0 && tokens[c.token].start < tail_start)
            {
                c.value *= 0.5;
                c.notes
                    .push("told before a closing verdict of praise".into());
            }
            reasons.push(
                "closing praise after the problem was put right: what came before counts half"
                    .into(),
            );
        }
    }

    let mut sum: f32 = 0.0;
    for c in contributions {
        sum += c.value;
        let t = &tokens[c.token];
        // An idiom is shown whole: "+1.5 'can't wait'".
        let mut from = c.token;
        while t.idiom && from > 0 && tokens[from - 1].idiom && tokens[from - 1].clause == t.clause {
            from -= 1;
        }
        reasons.push(format!(
            "{:+.1} '{}'",
            c.value,
            &text[tokens[from].start..t.end]
        ));
        reasons.extend(c.notes);
    }
    for h in &hits {
        // A complaint in the headline weighs as its words do ("Valt tegen.").
        let in_headline = shape.headline.is_some()
            && tokens
                .iter()
                .find(|t| t.end > h.start)
                .is_some_and(|t| Some(t.sentence) == shape.headline);
        sum += if in_headline {
            h.valence * HEADLINE
        } else {
            h.valence
        };
        reasons.push(format!(
            "pattern {}: '{}'",
            h.name,
            clip(&text[h.start..h.end])
        ));
    }
    for (v, why) in extra {
        sum += v;
        reasons.push(why);
    }
    if sum != 0.0 && !ironic && !sarcastic {
        if let Some(cue) = reads_as_news(&tokens, &hits, text) {
            sum *= NEWS;
            reasons.push(format!(
                "reads as news ('{cue}', nobody speaking for themselves): ×{NEWS}"
            ));
        }
    }
    if sum != 0.0 {
        let bangs = text.chars().filter(|c| *c == '!').count().min(4);
        if bangs > 0 {
            sum += sum.signum() * EXCLAIM_INCR * bangs as f32;
            reasons.push(format!("'!' ×{bangs} emphasis"));
        }
    }
    if reasons.len() > MAX_REASONS {
        let more = reasons.len() - MAX_REASONS;
        reasons.truncate(MAX_REASONS);
        reasons.push(format!("… {more} more"));
    }
    let score = sum / (sum * sum + ALPHA).sqrt();
    Scored {
        lang,
        score: if score.is_finite() {
            score.clamp(-1.0, 1.0)
        } else {
            0.0
        },
        reasons,
    }
}

/// A reply's text without its first line when that is "Re: <subject>": the
/// thread's title, which sources put before a comment so people see what
/// it answers (Reddit and Hacker News comments, forum feeds), is someone
/// else's words. "Re: Storing bij KPN?" above "Werkt weer, dank!" is no
/// complaint. A reply with nothing after its subject keeps it.
fn own_words(text: &str) -> &str {
    let reply = text.starts_with("Re: ") || text.starts_with("RE: ");
    match text.split_once('\n') {
        Some((_, body)) if reply && !body.trim().is_empty() => body,
        _ => text,
    }
}

/// Praise that a complaint makes ironic. A short closing sentence of
/// nothing but praise right after nothing but a complaint ("Al 40 minuten
/// in de rij. Top geregeld.", "… kept the tip? Cool cool cool",
/// "Brilliant."), and a praise word in scare quotes ('Family "friendly"'),
/// turn negative. Praise after a turn is sincere: when the clause before it
/// tells of no complaint ("Flight cancelled, they rebooked me at once.
/// Highly recommend.") or follows a "but" ("… geannuleerd maar binnen 5
/// minuten omgeboekt. Heel soepel geregeld"): then the byte where that
/// closing verdict starts is returned, with whether any praise was turned.
fn ironic_praise(
    tokens: &[Token<'_>],
    hits: &[Hit],
    contributions: &mut [Contribution],
    shape: &Shape,
    lang: Lang,
    text: &str,
) -> (Option<usize>, bool) {
    let mut flipped = false;
    const TAIL_MAX_WORDS: usize = 4;
    const IRONY_MIN_COMPLAINT: f32 = -2.5;
    /// Ironic praise means its opposite, in full.
    const IRONY: f32 = -1.0;
    let quoted = |t: &Token<'_>| {
        (text[..t.start].ends_with(['"', '“', '‘', '\'']) || text[..t.start].ends_with("&quot;"))
            && (text[t.end..].starts_with(['"', '”', '’', '\''])
                || text[t.end..].starts_with("&quot;"))
    };
    let mut verdict = None;
    if let Some(last) = tokens.last().map(|t| t.sentence).filter(|s| *s > 0) {
        let words = tokens
            .iter()
            .filter(|t| t.sentence == last && t.kind == Kind::Word)
            .count();
        let in_tail = |c: &Contribution| tokens[c.token].sentence == last;
        // Words of praise only: a closing ":)" or "lol" is a smile, not irony.
        let tail_all_praise = contributions.iter().filter(|c| in_tail(c)).all(|c| {
            let t = &tokens[c.token];
            c.value > 0.0 && t.kind == Kind::Word && !is_laughter(&t.norm)
        }) && contributions.iter().any(&in_tail);
        let tail_start = tokens
            .iter()
            .find(|t| t.sentence == last)
            .map_or(text.len(), |t| t.start);
        // A clear complaint: a complaint pattern, or negative words worth
        // at least one strong one.
        let negative_words: f32 = contributions
            .iter()
            .filter(|c| c.value < 0.0 && !in_tail(c))
            .map(|c| c.value)
            .sum();
        // …and nothing but complaint: a review that weighs pros and cons
        // and ends "Zeker een aanrader!" means it.
        let praise_before = contributions.iter().any(|c| c.value > 0.0 && !in_tail(c));
        let complaint_before = !praise_before
            && (hits.iter().any(|h| h.valence < 0.0 && h.start < tail_start)
                || negative_words <= IRONY_MIN_COMPLAINT);
        if words <= TAIL_MAX_WORDS && tail_all_praise && complaint_before {
            if complaint_right_before(tokens, hits, contributions, shape, lang, last) {
                for c in contributions.iter_mut().filter(|c| in_tail(c)) {
                    c.value *= IRONY;
                    c.notes
                        .push("praise closing a complaint reads as irony".into());
                    flipped = true;
                }
            } else {
                verdict = Some(tail_start);
            }
        }
    }
    for c in contributions.iter_mut() {
        if c.value > 0.0 && quoted(&tokens[c.token]) {
            c.value *= IRONY;
            c.notes.push("praise in scare quotes".into());
            flipped = true;
        }
    }
    (verdict, flipped)
}

/// The word that makes `text` read as a report about a brand rather than
/// its writer's own complaint or praise: an attribution ("says", "meldt",
/// "volgens", "(bron: …)", "(BBC News)", "maakt … bekend"; not "it says"
/// nor one inside a complaint pattern, "says delivered"), and nothing of
/// a person speaking: no first or second person, no address ("@brand …"),
/// no question, exclamation or quote, no emoji, emoticon, laughter or
/// drawn-out word.
fn reads_as_news<'t>(tokens: &[Token<'_>], hits: &[Hit], text: &'t str) -> Option<&'t str> {
    // A report is a headline or a post, not a review of many sentences.
    if tokens
        .last()
        .is_some_and(|t| t.sentence >= NEWS_MAX_SENTENCES)
    {
        return None;
    }
    let said = |t: &Token<'_>| &text[t.start..t.end];
    let made_known = |i: usize| {
        tokens[i].norm == "bekend"
            && tokens[i.saturating_sub(6)..i]
                .iter()
                .any(|t| matches!(t.norm.as_ref(), "maakt" | "maken"))
    };
    let credited = |t: &Token<'_>| {
        matches!(t.norm.as_ref(), "news" | "nieuws") && text[t.end..].starts_with(')')
    };
    // "It says delivered": a device or a page speaking, inside a complaint;
    // "no one even says hi" and "Acme zegt niets" (says nothing) attribute
    // nothing: they complain of silence.
    let attributed = |i: usize| {
        let t = &tokens[i];
        let before = &tokens[i.saturating_sub(3)..i];
        is_reporting(&t.norm)
            && !hits.iter().any(|h| h.start < t.end && h.end > t.start)
            && !before.last().is_some_and(|p| {
                matches!(
                    p.norm.as_ref(),
                    "it" | "this" | "that" | "het" | "dit" | "dat"
                )
            })
            && !before.iter().any(|p| is_negator(Lang::Unknown, &p.norm))
            && !tokens
                .get(i + 1)
                .is_some_and(|n| n.clause == t.clause && is_negator(Lang::Unknown, &n.norm))
    };
    // Most texts attribute nothing: look for that first.
    let cue = tokens
        .iter()
        .enumerate()
        .find(|(i, t)| attributed(*i) || made_known(*i) || credited(t))
        .map(|(_, t)| said(t))?;
    // A quote is mostly the brand's own words thrown back at it ("zegt
    // 'bezorgd'", "says \"can't do anything\"").
    if text.trim_start().starts_with('@')
        || text.contains(['?', '!', '"', '“', '”', '‘', '’'])
        || text.contains(" '")
    {
        return None;
    }
    let speaking = tokens.iter().any(|t| {
        t.kind != Kind::Word
            || t.elongated
            || is_laughter(&t.norm)
            || is_speaker_word(&t.norm)
            // "US" is a country
            || (is_personal(&t.norm) && said(t) != "US")
    });
    (!speaking).then_some(cue)
}

/// Whether the clause right before sentence `tail` (from its sentence's
/// contrast word on, if that comes later) tells of a complaint: a negative
/// word or pattern, or a negator ("niemand te zien", "weet van niks").
fn complaint_right_before(
    tokens: &[Token<'_>],
    hits: &[Hit],
    contributions: &[Contribution],
    shape: &Shape,
    lang: Lang,
    tail: u32,
) -> bool {
    let Some(tail_first) = tokens.iter().position(|t| t.sentence == tail) else {
        return false;
    };
    let Some(before) = tail_first.checked_sub(1) else {
        return false;
    };
    let (clause, sentence) = (tokens[before].clause, tokens[before].sentence);
    let mut from = (0..=before)
        .rev()
        .take_while(|k| tokens[*k].clause == clause)
        .last()
        .unwrap_or(before);
    if let Some(Some(c)) = shape.contrast_at.get(sentence as usize) {
        if *c >= from && *c < before {
            from = c + 1;
        }
    }
    let (start, end) = (tokens[from].start, tokens[before].end);
    contributions
        .iter()
        .any(|c| c.value < 0.0 && (from..=before).contains(&c.token))
        || hits
            .iter()
            .any(|h| h.valence < 0.0 && h.start < end && h.end > start)
        || (from..=before).any(|k| negates(tokens, k, lang))
}

/// Contrast and concession per sentence, the headline, and whether
/// capitals stand out.
fn shape(tokens: &[Token<'_>], lang: Lang) -> Shape {
    let sentences = tokens.last().map_or(0, |t| t.sentence as usize + 1);
    let mut contrast_at: Vec<Option<usize>> = vec![None; sentences];
    let mut concession_at: Vec<Option<usize>> = vec![None; sentences];
    let mut opens_contrast = vec![false; sentences];
    for (i, t) in tokens.iter().enumerate() {
        let sent = t.sentence as usize;
        if t.kind != Kind::Word || contrast_at.get(sent).is_none_or(Option::is_some) {
            continue;
        }
        let starts_sentence = i == 0 || tokens[i - 1].sentence != t.sentence;
        let prev = i
            .checked_sub(1)
            .filter(|p| tokens[*p].clause == t.clause)
            .map(|p| tokens[p].norm.as_ref());
        let next = tokens
            .get(i + 1)
            .filter(|x| x.clause == t.clause)
            .map(|x| x.norm.as_ref());
        let clause_start = i == 0 || tokens[i - 1].clause != t.clause;
        let after_negator = prev.is_some_and(|p| is_negator(lang, p));
        if is_contrast(lang, &t.norm, prev, next, clause_start)
            && !after_negator
            && !starts_sentence
        {
            contrast_at[sent] = Some(i);
        } else if starts_sentence && is_concession(lang, &t.norm) {
            concession_at[sent] = Some(i);
        } else if starts_sentence && i > 0 && is_contrast(lang, &t.norm, None, next, true) {
            opens_contrast[sent] = true;
        }
    }
    // A contrast word later in the sentence wins over a concession.
    for (concession, contrast) in concession_at.iter_mut().zip(&contrast_at) {
        if contrast.is_some() {
            *concession = None;
        }
    }
    let first = tokens.first().map_or(0, |t| t.sentence);
    let first_words = tokens
        .iter()
        .take_while(|t| t.sentence == first)
        .filter(|t| t.kind == Kind::Word)
        .count();
    let more_follows = tokens.iter().any(|t| t.sentence != first);
    let words = tokens.iter().filter(|t| t.kind == Kind::Word).count();
    let caps = tokens
        .iter()
        .filter(|t| t.kind == Kind::Word && t.caps)
        .count();
    Shape {
        contrast_at,
        concession_at,
        opens_contrast,
        headline: (first_words <= HEADLINE_MAX_WORDS && more_follows).then_some(first),
        caps_differ: caps > 0 && caps < words,
    }
}

/// The value token `i` adds after CAPS, elongation, boosters, negation,
/// headline and contrast; `None` when it adds nothing (or boosts the next).
fn weigh(
    tokens: &[Token<'_>],
    i: usize,
    lang: Lang,
    shape: &Shape,
    text: &str,
) -> Option<Contribution> {
    let t = &tokens[i];
    if t.valence == 0.0 {
        return None;
    }
    let next_scored = tokens
        .get(i + 1)
        .is_some_and(|x| x.clause == t.clause && x.valence != 0.0);
    if t.kind == Kind::Word && next_scored && booster(lang, &t.norm).is_some() {
        return None; // it modifies the next word
    }
    let next_word = tokens
        .get(i + 1)
        .is_some_and(|x| x.clause == t.clause && x.kind == Kind::Word);
    if next_word && pure_intensifier(lang, &t.norm) {
        return None; // "enorm lawaai": size, not praise
    }
    let said = |x: &Token<'_>| &text[x.start..x.end];
    let mut v = t.valence;
    let sign = v.signum();
    let mut notes = Vec::new();
    if t.caps && shape.caps_differ {
        v += sign * CAPS_INCR;
        notes.push(format!("CAPS '{}'", said(t)));
    }
    if t.elongated {
        v += sign * ELONGATION_INCR;
    }
    // Boosters and dampeners up to three words back, same clause.
    for (k, j) in (i.saturating_sub(3)..i).rev().enumerate() {
        let b = &tokens[j];
        if b.clause != t.clause {
            break;
        }
        // A scored word further back is a word of its own, not a booster.
        if b.kind != Kind::Word || (b.valence != 0.0 && k > 0) {
            continue;
        }
        if let Some(mut inc) = booster(lang, &b.norm) {
            inc *= [1.0, 0.95, 0.9][k];
            if b.caps && shape.caps_differ {
                inc += inc.signum() * CAPS_INCR;
            }
            v += sign * inc;
            let kind = if inc > 0.0 { "booster" } else { "dampener" };
            notes.push(format!("{kind} '{}' on '{}'", said(b), said(t)));
        }
    }
    // Negation: a negator up to three words back in the same clause, or
    // (Dutch) a clause-final "niet" after it: "het boeide me niet".
    let mut negator: Option<usize> = (i.saturating_sub(3)..i)
        .rev()
        .take_while(|j| tokens[*j].clause == t.clause)
        .find(|j| negates(tokens, *j, lang))
        // An idiom is scored whole; an emoji is the writer's own signal,
        // not a word a negator can turn ("niet besteld 🙄").
        .filter(|_| !t.idiom && t.kind == Kind::Word);
    if negator.is_none() && lang != Lang::En && t.kind == Kind::Word && !t.idiom {
        negator = post_negator(tokens, i);
    }
    if let Some(j) = negator {
        // "never been more insulted", "nog nooit zo'n saai boek", "never
        // ceases to amaze", "couldn't be happier", "can't get any worse":
        // emphasis, not negation.
        let between = if j < i { j + 1..i } else { i + 1..j };
        let between = tokens.get(between).unwrap_or_default();
        let has = |words: &[&str]| between.iter().any(|x| words.contains(&x.norm.as_ref()));
        let never_so = matches!(tokens[j].norm.as_ref(), "never" | "nooit")
            && has(&[
                "so", "this", "more", "ever", "zo", "zo'n", "meer", "zulke", "zulk", "ceases",
                "cease", "fails", "fail",
            ]);
        let comparative = j < i
            && lang != Lang::Nl
            && has(&["be", "get", "been"])
            && (has(&["more"]) || is_comparative(&t.norm));
        let emphatic = never_so || comparative || nothing_more_than(tokens, j, i, lang);
        if emphatic {
            v *= NEVER_SO;
            notes.push(format!("'{} … {}' emphasis", said(&tokens[j]), said(t)));
        } else if v < 0.0 {
            // "not bad", "not an engine problem", "geen probleem": a
            // negated complaint is no praise, at most faint approval.
            v *= NEGATED_NEGATIVE;
            notes.push(format!(
                "negation '{}' flips '{}'",
                said(&tokens[j]),
                said(t)
            ));
            notes.push(format!(
                "a negated complaint is faint approval (×{NEGATED_NEGATIVE})"
            ));
        } else {
            v *= NEGATION;
            notes.push(format!(
                "negation '{}' flips '{}'",
                said(&tokens[j]),
                said(t)
            ));
        }
    }
    if shape.headline == Some(t.sentence) {
        v *= HEADLINE;
    }
    // One Dutch word, however emphasised ("SNEL.", "Eerlijk." as a
    // headline), weighs no more than the strongest word with a booster:
    // pattern.nl's small everyday adjectives reached +4 that way.
    if lang == Lang::Nl && t.kind == Kind::Word {
        v = v.clamp(-NL_WORD_MAX, NL_WORD_MAX);
    }
    let sent = t.sentence as usize;
    if let Some(Some(c)) = shape.contrast_at.get(sent) {
        if i < *c {
            v *= BEFORE_CONTRAST;
        } else if i > *c {
            v *= AFTER_CONTRAST;
        }
    } else if let Some(Some(c)) = shape.concession_at.get(sent) {
        if tokens[*c].clause == t.clause {
            v *= BEFORE_CONTRAST;
        } else {
            v *= AFTER_CONTRAST;
        }
    } else if shape.opens_contrast.get(sent + 1) == Some(&true) {
        v *= BEFORE_CONTRAST;
    } else if shape.opens_contrast.get(sent) == Some(&true) {
        v *= AFTER_CONTRAST;
    }
    Some(Contribution {
        token: i,
        value: v,
        notes,
    })
}

/// One note per contrast or concession that weighed a scored word.
fn shape_reasons(
    tokens: &[Token<'_>],
    shape: &Shape,
    contributions: &[Contribution],
    text: &str,
) -> Vec<String> {
    let weighed = |sentence: u32| {
        contributions
            .iter()
            .any(|x| tokens[x.token].sentence == sentence)
    };
    // What each kind of mark halves, and what it weighs up.
    let marks = [
        (&shape.contrast_at, "contrast", "before", "after"),
        (&shape.concession_at, "concession", "its clause", "the rest"),
    ];
    let mut reasons = Vec::new();
    for (at, kind, halved, weighed_up) in marks {
        for c in at.iter().flatten() {
            let t = &tokens[*c];
            if weighed(t.sentence) {
                reasons.push(format!(
                    "{kind} '{}': {halved} ×{BEFORE_CONTRAST}, {weighed_up} ×{AFTER_CONTRAST}",
                    &text[t.start..t.end]
                ));
            }
        }
    }
    for (sentence, _) in shape.opens_contrast.iter().enumerate().filter(|o| *o.1) {
        let opener = tokens.iter().find(|t| t.sentence as usize == sentence);
        if let Some(t) = opener.filter(|t| weighed(t.sentence) || weighed(t.sentence - 1)) {
            reasons.push(format!(
                "contrast '{}': the sentence before ×{BEFORE_CONTRAST}, its own ×{AFTER_CONTRAST}",
                &text[t.start..t.end]
            ));
        }
    }
    reasons
}

/// "Nothing more infuriating than …", "nobody better than", "niets is
/// erger dan": a negated comparative followed by "than" is a superlative,
/// so the word keeps its sign. Token `j` is the negator, `i` the word.
fn nothing_more_than(tokens: &[Token<'_>], j: usize, i: usize, lang: Lang) -> bool {
    if j >= i
        || !matches!(
            tokens[j].norm.as_ref(),
            "nothing" | "nobody" | "none" | "noone" | "niets" | "niks" | "niemand" | "nergens"
        )
    {
        return false;
    }
    let t = &tokens[i];
    let more = tokens[j + 1..i]
        .iter()
        .any(|x| matches!(x.norm.as_ref(), "more" | "meer" | "zo" | "so"));
    let comparative = match lang {
        Lang::En => is_comparative(&t.norm),
        Lang::Nl => t.norm.ends_with("er"),
        Lang::Unknown => is_comparative(&t.norm) || t.norm.ends_with("er"),
    };
    let than = tokens[i + 1..]
        .iter()
        .take(2)
        .take_while(|x| x.clause == t.clause)
        .any(|x| matches!(x.norm.as_ref(), "than" | "dan" | "als"));
    (more || comparative) && than
}

/// Whether a negator stands within three words before byte `start`, in
/// the same clause.
fn negated_before(tokens: &[Token<'_>], start: usize, lang: Lang) -> bool {
    let Some(first) = tokens.iter().position(|t| t.end > start) else {
        return false;
    };
    let clause = tokens[first].clause;
    (first.saturating_sub(3)..first)
        .rev()
        .take_while(|j| tokens[*j].clause == clause)
        .any(|j| negates(tokens, j, lang))
}

/// Whether a reporting word ("says", "zegt", "volgens", "claims") stands within five
/// words before byte `start`, in the same sentence.
fn claimed_before(tokens: &[Token<'_>], start: usize) -> bool {
    let Some(first) = tokens.iter().position(|t| t.end > start) else {
        return false;
    };
    let sentence = tokens[first].sentence;
    (first.saturating_sub(5)..first)
        .rev()
        .take_while(|j| tokens[*j].sentence == sentence)
        .any(|j| {
            let w = tokens[j].norm.as_ref();
            is_reporting(w) || matches!(w, "claims" | "claimed" | "beweert" | "beweren")
        })
}

/// Whether token `j` negates what follows: a negator not followed by "but"
/// ("nothing but great"), or "than" in "less than".
fn negates(tokens: &[Token<'_>], j: usize, lang: Lang) -> bool {
    let t = &tokens[j];
    if t.kind != Kind::Word || t.idiom {
        return false;
    }
    if t.norm == "than" {
        return j > 0 && tokens[j - 1].norm == "less";
    }
    // "nothing but", "not only/just", "niet alleen", "zonder meer" (without
    // doubt) negate nothing.
    is_negator(lang, &t.norm)
        && tokens.get(j + 1).is_none_or(|x| {
            !matches!(
                (t.norm.as_ref(), x.norm.as_ref()),
                (_, "but")
                    | ("nothing", "short")
                    | ("not", "only" | "just")
                    | ("niet", "alleen" | "enkel")
                    | ("zonder", "meer" | "twijfel")
            )
        })
}

/// Dutch puts "niet" after the verb at a clause's end ("het boeide me
/// niet", "dat vond ik leuk niet"): a "niet"/"nooit" within three words
/// after `i`, in the same clause, with no other scored word after `i`.
fn post_negator(tokens: &[Token<'_>], i: usize) -> Option<usize> {
    let clause = tokens[i].clause;
    let mut found = None;
    for (j, t) in tokens.iter().enumerate().skip(i + 1) {
        if t.clause != clause {
            break;
        }
        if t.valence != 0.0 {
            return None;
        }
        if found.is_none() && j <= i + 3 && matches!(t.norm.as_ref(), "niet" | "nooit" | "nie") {
            found = Some(j);
        } else if found.is_some() && j > found.unwrap_or(j) + 2 {
            return None; // "niet" must end the clause (give or take a particle)
        }
    }
    found
}

/// Shortens quoted text in reasons.
fn clip(s: &str) -> Cow<'_, str> {
    const MAX: usize = 60;
    if s.chars().count() <= MAX {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(format!("{}…", s.chars().take(MAX).collect::<String>()))
    }
}
