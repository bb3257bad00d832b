//! The scorer: tokenises, looks words up, applies the rules (negation
//! window, boosters and dampeners, contrast, CAPS, elongation, `!`,
//! sarcasm) and the complaint patterns, and sums the valences VADER-style
//! into a score in −1…+1 with the reasons that moved it.

use std::borrow::Cow;

use super::lexicon::{fold, is_emoji_modifier, Lexicons};
use super::patterns::{CustomRules, Hit, Packs, CUSTOM_VALENCE};
use super::Lang;

/// VADER's constants: booster step, CAPS emphasis, negation factor,
/// `!` emphasis and the normalisation alpha.
const B_INCR: f32 = 0.293;
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
/// A short opening sentence ("Teleurstelling.", "Terrible.") or a title
/// line is the writer's own verdict; it counts this much more.
const HEADLINE: f32 = 2.0;
const HEADLINE_MAX_WORDS: usize = 6;
/// Tokens looked at per text, and reasons kept per result.
const MAX_TOKENS: usize = 4000;
const MAX_REASONS: usize = 16;

pub(super) struct Scored {
    pub score: f32,
    pub lang: Lang,
    pub reasons: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Word,
    Emoji,
    Emoticon,
}

struct Token<'a> {
    start: usize,
    end: usize,
    kind: Kind,
    /// Folded lowercase form (diacritics stripped, elongation cut to two).
    norm: Cow<'a, str>,
    sentence: u32,
    clause: u32,
    caps: bool,
    elongated: bool,
    valence: f32,
    /// Part of an idiom whose valence is set as a whole ("can't wait"):
    /// neither negated nor negating.
    idiom: bool,
}

/// The lowercase text with byte offsets identical to `text` (a character
/// whose lowercase form has another length stays as it is).
fn lowercase_same_offsets(text: &str) -> String {
    let mut lower = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            lower.push(c.to_ascii_lowercase());
            continue;
        }
        let mut lc = c.to_lowercase();
        match (lc.next(), lc.next()) {
            (Some(l), None) if l.len_utf8() == c.len_utf8() => lower.push(l),
            _ => lower.push(c),
        }
    }
    lower
}

fn is_sentence_end(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | ';' | '\n' | '…' | '¡' | '¿')
}

fn is_clause_end(c: char) -> bool {
    matches!(
        c,
        ',' | ':' | '(' | ')' | '"' | '“' | '”' | '–' | '—' | '/' | '|'
    )
}

/// Cuts runs of equal letters longer than `keep` down to `keep` ("sooo" →
/// "soo" or "so"); `None` when nothing changed.
fn collapse_runs(w: &str, keep: usize) -> Option<String> {
    let mut out = String::with_capacity(w.len());
    let (mut prev, mut run, mut changed) = ('\0', 0usize, false);
    for c in w.chars() {
        if c == prev {
            run += 1;
        } else {
            prev = c;
            run = 1;
        }
        if run <= keep || !c.is_alphabetic() {
            out.push(c);
        } else {
            changed = true;
        }
    }
    changed.then_some(out)
}

fn has_run3(w: &str) -> bool {
    let mut it = w.chars();
    let (Some(mut a), Some(mut b)) = (it.next(), it.next()) else {
        return false;
    };
    for c in it {
        if c == a && c == b && c.is_alphabetic() {
            return true;
        }
        a = b;
        b = c;
    }
    false
}

/// Splits `text` into word, emoji and emoticon tokens with sentence and
/// clause numbers; mentions, URLs and other symbols are skipped.
fn tokenize<'a>(text: &'a str, lower: &'a str, lex: &Lexicons) -> Vec<Token<'a>> {
    let mut out: Vec<Token<'a>> = Vec::with_capacity(text.len() / 5 + 1);
    let (mut sentence, mut clause) = (0u32, 0u32);
    let mut chunk_start: Option<usize> = None;
    let bytes_end = text.len();
    let mut iter = text.char_indices().peekable();
    // Walk whitespace-separated chunks.
    loop {
        let next = iter.next();
        let at_space = match next {
            Some((_, c)) => c.is_whitespace(),
            None => true,
        };
        if let Some((i, c)) = next {
            if !at_space && chunk_start.is_none() {
                chunk_start = Some(i);
            }
            if c == '\n' {
                sentence += 1;
                clause += 1;
            }
        }
        if at_space {
            if let Some(s) = chunk_start.take() {
                let e = next.map_or(bytes_end, |(i, _)| i);
                chunk(text, lower, s, e, lex, &mut sentence, &mut clause, &mut out);
                if out.len() >= MAX_TOKENS {
                    break;
                }
            }
        }
        if next.is_none() {
            break;
        }
    }
    out
}

#[expect(
    clippy::too_many_arguments,
    reason = "one tokenizer state, split for readability"
)]
fn chunk<'a>(
    text: &'a str,
    lower: &'a str,
    s: usize,
    e: usize,
    lex: &Lexicons,
    sentence: &mut u32,
    clause: &mut u32,
    out: &mut Vec<Token<'a>>,
) {
    let lc = &lower[s..e];
    if lc.starts_with('@')
        || lc.starts_with("http://")
        || lc.starts_with("https://")
        || lc.starts_with("www.")
    {
        return;
    }
    // A whole chunk that is an emoticon (":(", ":-D", "<3"), maybe with a
    // trailing comma or full stop.
    let trimmed = lc.trim_end_matches([',', '.']);
    if let Some(v) = lex.emoticons.get(trimmed) {
        if trimmed.chars().any(|c| !c.is_alphanumeric()) {
            out.push(Token {
                start: s,
                end: s + trimmed.len(),
                kind: Kind::Emoticon,
                norm: Cow::Borrowed(trimmed),
                sentence: *sentence,
                clause: *clause,
                caps: false,
                elongated: false,
                valence: *v,
                idiom: false,
            });
            if trimmed.len() < lc.len() {
                *clause += 1;
            }
            return;
        }
    }
    let mut word_start: Option<usize> = None;
    let mut chars = text[s..e].char_indices().peekable();
    while let Some((off, c)) = chars.next() {
        let i = s + off;
        let next_alnum = chars.peek().is_some_and(|(_, n)| n.is_alphanumeric());
        let in_word = c.is_alphanumeric()
            || (matches!(c, '\'' | '’' | '-') && word_start.is_some() && next_alnum);
        if in_word {
            if word_start.is_none() {
                word_start = Some(i);
            }
            continue;
        }
        if let Some(ws) = word_start.take() {
            push_word(text, lower, ws, i, *sentence, *clause, out);
        }
        if is_emoji_modifier(c) {
            continue;
        }
        if let Some(v) = lex.emoji.get(&c) {
            out.push(Token {
                start: i,
                end: i + c.len_utf8(),
                kind: Kind::Emoji,
                norm: Cow::Borrowed(&lower[i..i + c.len_utf8()]),
                sentence: *sentence,
                clause: *clause,
                caps: false,
                elongated: false,
                valence: *v,
                idiom: false,
            });
        } else if is_sentence_end(c) {
            // "3.5" and "e.g." are not sentence ends.
            let between_digits = c == '.' && next_alnum && out.last().is_some_and(|t| t.end == i);
            if !between_digits {
                *sentence += 1;
                *clause += 1;
            }
        } else if is_clause_end(c) {
            *clause += 1;
        }
    }
    if let Some(ws) = word_start {
        push_word(text, lower, ws, e, *sentence, *clause, out);
    }
}

fn push_word<'a>(
    text: &'a str,
    lower: &'a str,
    s: usize,
    e: usize,
    sentence: u32,
    clause: u32,
    out: &mut Vec<Token<'a>>,
) {
    let original = &text[s..e];
    let mut letters = 0usize;
    let mut upper = true;
    for c in original.chars().filter(|c| c.is_alphabetic()) {
        letters += 1;
        upper &= c.is_uppercase();
    }
    let lw = &lower[s..e];
    let mut norm: Cow<'a, str> = if lw.is_ascii() {
        Cow::Borrowed(lw)
    } else {
        Cow::Owned(fold(lw))
    };
    let elongated = has_run3(&norm);
    if elongated {
        if let Some(c) = collapse_runs(&norm, 2) {
            norm = Cow::Owned(c);
        }
    }
    out.push(Token {
        start: s,
        end: e,
        kind: Kind::Word,
        norm,
        sentence,
        clause,
        // Two-letter capitals ("OK", "NS") are spelling, not shouting.
        caps: letters >= 3 && upper,
        elongated,
        valence: 0.0,
        idiom: false,
    });
}

fn is_negator(lang: Lang, w: &str) -> bool {
    let en = || {
        matches!(
            w,
            "not"
                | "no"
                | "never"
                | "none"
                | "nobody"
                | "nothing"
                | "nowhere"
                | "neither"
                | "nor"
                | "cannot"
                | "without"
                | "rarely"
                | "seldom"
                | "hardly"
                | "aint"
                | "arent"
                | "cant"
                | "couldnt"
                | "didnt"
                | "doesnt"
                | "dont"
                | "hadnt"
                | "hasnt"
                | "havent"
                | "isnt"
                | "shouldnt"
                | "wasnt"
                | "werent"
                | "wont"
                | "wouldnt"
                | "nah"
        ) || w.ends_with("n't")
    };
    let nl = || {
        matches!(
            w,
            "niet"
                | "geen"
                | "nooit"
                | "niemand"
                | "nergens"
                | "allerminst"
                | "niets"
                | "niks"
                | "noch"
                | "zonder"
                | "nimmer"
                | "nie"
                | "geeneens"
                | "nauwelijks"
                | "amper"
                | "weinig"
        )
    };
    match lang {
        Lang::En => en(),
        Lang::Nl => nl(),
        Lang::Unknown => en() || nl(),
    }
}

/// Booster (+) or dampener (−) strength, VADER's ±0.293.
pub(super) fn booster(lang: Lang, w: &str) -> Option<f32> {
    let en = || match w {
        "absolutely" | "amazingly" | "awfully" | "completely" | "considerably" | "decidedly"
        | "deeply" | "effing" | "enormously" | "entirely" | "especially" | "exceptionally"
        | "extremely" | "fabulously" | "flipping" | "flippin" | "freaking" | "fricking"
        | "frickin" | "frigging" | "friggin" | "fully" | "fucking" | "greatly" | "hella"
        | "highly" | "hugely" | "incredibly" | "intensely" | "majorly" | "more" | "most"
        | "particularly" | "purely" | "quite" | "really" | "remarkably" | "so"
        | "substantially" | "thoroughly" | "totally" | "tremendously" | "uber" | "unbelievably"
        | "unusually" | "utterly" | "very" | "super" | "too" | "damn" | "truly" | "seriously"
        | "pretty" | "terribly" | "horribly" | "insanely" | "ridiculously" | "crazy"
        | "stupidly" | "wicked" | "definitely" => Some(B_INCR),
        "almost" | "barely" | "kinda" | "kindof" | "less" | "little" | "marginally"
        | "occasionally" | "partly" | "scarcely" | "slightly" | "somewhat" | "sorta" | "fairly"
        | "rather" | "bit" => Some(-B_INCR),
        _ => None,
    };
    let nl = || match w {
        "heel" | "hele" | "erg" | "echt" | "zeer" | "super" | "ontzettend" | "waanzinnig"
        | "enorm" | "vreselijk" | "verschrikkelijk" | "ongelooflijk" | "ongelofelijk"
        | "bijzonder" | "uitermate" | "hartstikke" | "mega" | "kei" | "keihard" | "extreem"
        | "zo" | "zoo" | "behoorlijk" | "totaal" | "volledig" | "compleet" | "absoluut"
        | "werkelijk" | "veel" | "bizar" | "te" | "ernstig" | "intens" | "afschuwelijk"
        | "gruwelijk" | "belachelijk" | "krankzinnig" | "idioot" | "absurd" | "ziek" | "kanker"
        | "kk" | "kkr" | "tering" | "fucking" | "zwaar" | "kapot" | "vet" => Some(B_INCR),
        "beetje" | "enigszins" | "tamelijk" | "lichtelijk" | "iets" | "minder" | "best"
        | "redelijk" | "vrij" | "ietwat" | "ietsje" => Some(-B_INCR),
        _ => None,
    };
    match lang {
        Lang::En => en(),
        Lang::Nl => nl(),
        Lang::Unknown => en().or_else(nl),
    }
}

/// Words that start a contrasting clause, given the word before and after.
fn is_contrast(
    lang: Lang,
    w: &str,
    prev: Option<&str>,
    next: Option<&str>,
    clause_start: bool,
) -> bool {
    let en = || matches!(w, "but" | "however" | "nevertheless" | "nonetheless");
    // Dutch "maar" is also a particle ("nu maar hopen", "maar 2 sterren"):
    // it contrasts at a clause start, or when no particle use is likely.
    let nl = || match w {
        "echter" | "desondanks" | "daarentegen" => true,
        "maar" => {
            clause_start
                || !(prev.is_some_and(|p| {
                    matches!(
                        p,
                        "nu" | "kom"
                            | "doe"
                            | "ga"
                            | "zeg"
                            | "probeer"
                            | "laat"
                            | "wacht"
                            | "gewoon"
                            | "dan"
                            | "alleen"
                            | "niet"
                            | "er"
                            | "het"
                    )
                }) || next.is_some_and(|n| {
                    n.chars().next().is_some_and(|c| c.is_ascii_digit())
                        || matches!(
                            n,
                            "een" | "één" | "weinig" | "half" | "even" | "eens" | "raak" | "ook"
                        )
                }))
        }
        _ => false,
    };
    match lang {
        Lang::En => en(),
        Lang::Nl => nl(),
        Lang::Unknown => en() || nl(),
    }
}

fn is_laughter(w: &str) -> bool {
    matches!(
        w,
        "lol"
            | "lool"
            | "haha"
            | "hahaha"
            | "hehe"
            | "lmao"
            | "lmfao"
            | "rofl"
            | "xd"
            | "😂"
            | "🤣"
    )
}

/// Dutch intensifiers that pattern.nl also scores as adjectives ("enorm"
/// +0.7): before another word they only intensify, so their own valence
/// does not count ("een enorm lawaai" is no praise).
fn pure_intensifier(lang: Lang, w: &str) -> bool {
    lang != Lang::En
        && matches!(
            w,
            "enorm"
                | "enorme"
                | "ontzettend"
                | "behoorlijk"
                | "totaal"
                | "volledig"
                | "compleet"
                | "absoluut"
                | "werkelijk"
                | "intens"
                | "extreem"
                | "uitermate"
                | "hartstikke"
        )
}

/// Words that open a conceded clause, whose weight moves to the main one.
fn is_concession(lang: Lang, w: &str) -> bool {
    let en = || matches!(w, "although" | "though" | "while" | "whilst" | "despite");
    let nl = || matches!(w, "hoewel" | "alhoewel" | "ofschoon" | "ondanks");
    match lang {
        Lang::En => en(),
        Lang::Nl => nl(),
        Lang::Unknown => en() || nl(),
    }
}

fn lookup(lex: &Lexicons, lang: Lang, w: &str) -> Option<f32> {
    match lang {
        Lang::En => lex.en.get(w).copied(),
        Lang::Nl => lex.nl.get(w).copied(),
        Lang::Unknown => lex.en.get(w).or_else(|| lex.nl.get(w)).copied(),
    }
}

/// A long word not in the lexicon that differs from one only in doubled
/// letters ("dissapointed", "verassend"): that word's valence.
fn misspelled(lex: &Lexicons, lang: Lang, w: &str) -> Option<f32> {
    if w.len() < super::lexicon::SKELETON_MIN_LEN {
        return None;
    }
    let key = super::lexicon::skeleton(w);
    match lang {
        Lang::En => lex.en_skeletons.get(key.as_str()).copied(),
        Lang::Nl => lex.nl_skeletons.get(key.as_str()).copied(),
        Lang::Unknown => lex
            .en_skeletons
            .get(key.as_str())
            .or_else(|| lex.nl_skeletons.get(key.as_str()))
            .copied(),
    }
}

/// A hyphenated word not in the lexicon as written: joined
/// ("over-priced" → "overpriced"), else its last part ("super-slow").
fn hyphenated(lex: &Lexicons, lang: Lang, w: &str) -> Option<f32> {
    if !w.contains('-') {
        return None;
    }
    let joined: String = w.chars().filter(|c| *c != '-').collect();
    lookup(lex, lang, &joined).or_else(|| lookup(lex, lang, w.rsplit('-').next()?))
}

/// English "like" is praise after a subject or adverb ("I like", "really
/// like"), not in "looks like" or "like 3 hours"; "miss" likewise is a
/// feeling in "I miss", a title in "Miss Texas".
fn like_is_verb(prev: Option<&str>) -> bool {
    prev.is_some_and(|p| {
        is_negator(Lang::En, p)
            || matches!(
                p,
                "i" | "we"
                    | "you"
                    | "they"
                    | "really"
                    | "also"
                    | "just"
                    | "still"
                    | "totally"
                    | "dont"
                    | "don't"
                    | "didn't"
                    | "didnt"
                    | "do"
                    | "did"
                    | "doesn't"
                    | "does"
                    | "definitely"
                    | "honestly"
                    | "actually"
                    | "i'd"
                    | "would"
            ) && p != "would"
    })
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
    let lower = lowercase_same_offsets(text);
    let mut tokens = tokenize(text, &lower, lex);
    let lang = lang.unwrap_or_else(|| {
        super::lang::detect(
            tokens
                .iter()
                .filter(|t| t.kind == Kind::Word)
                .map(|t| t.norm.as_ref()),
        )
    });
    let mut hits: Vec<Hit> = packs.hits(&lower, lang);
    // A resolution ("fixed my problem") after a negator is none: "haven't
    // fixed the issue" leaves the words to the rules.
    hits.retain(|h| h.valence < 0.0 || !negated_before(&tokens, h.start, lang));
    assign_valences(&mut tokens, lang, lex, custom, &hits);
    if lang != Lang::Nl {
        apply_idioms(&mut tokens);
    }
    drop_proper_nouns(&mut tokens, text, lang);
    // The watch's own brand names are no sentiment ("bol", "Best Buy").
    if let Some(c) = custom {
        for (s, e) in c.name_spans(&lower) {
            for t in tokens.iter_mut().filter(|t| t.start >= s && t.end <= e) {
                t.valence = 0.0;
            }
        }
    }
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
        .filter(|h| h.valence > 0.0)
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
    if has_negative_evidence && has_praise {
        if let Some(cue) = packs.sarcasm(&lower) {
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
    if has_negative_evidence && !hits.iter().any(|h| h.valence > 0.0) {
        ironic_praise(&tokens, &hits, &mut contributions, text);
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
    for h in hits {
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

/// Praise that a complaint makes ironic. A short closing sentence of
/// nothing but praise after nothing but a complaint ("Al 40 minuten in de
/// rij. Top geregeld.", "… kept the tip? Cool cool cool", "Brilliant."),
/// and a praise word in scare quotes ('Family "friendly"'), turn negative.
fn ironic_praise(
    tokens: &[Token<'_>],
    hits: &[Hit],
    contributions: &mut [Contribution],
    text: &str,
) {
    const TAIL_MAX_WORDS: usize = 4;
    const IRONY_MIN_COMPLAINT: f32 = -2.5;
    /// Ironic praise means its opposite, in full.
    const IRONY: f32 = -1.0;
    let quoted = |t: &Token<'_>| {
        text[..t.start].ends_with(['"', '“', '‘', '\''])
            && text[t.end..].starts_with(['"', '”', '’', '\''])
    };
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
            for c in contributions.iter_mut().filter(|c| in_tail(c)) {
                c.value *= IRONY;
                c.notes
                    .push("praise closing a complaint reads as irony".into());
            }
        }
    }
    for c in contributions.iter_mut() {
        if c.value > 0.0 && quoted(&tokens[c.token]) {
            c.value *= IRONY;
            c.notes.push("praise in scare quotes".into());
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
        } else {
            lookup(lex, lang, w)
                .or_else(|| hyphenated(lex, lang, w))
                .or_else(|| {
                    // "goooood" → "good" when "good" is known.
                    if tokens[i].elongated {
                        collapse_runs(w, 1).and_then(|c| lookup(lex, lang, &c))
                    } else {
                        None
                    }
                })
                .or_else(|| misspelled(lex, lang, w))
        };
        if let Some(v) = v {
            tokens[i].valence = v;
        }
    }
}

/// English idioms whose sense is not the sum of their words, with the
/// valence of the whole (VADER's idioms and special cases, plus the
/// anticipation of "can't wait"). Apostrophes are folded to `'`.
const EN_IDIOMS: &[(&[&str], f32)] = &[
    (&["can't", "wait"], 1.5),
    (&["cant", "wait"], 1.5),
    (&["cannot", "wait"], 1.5),
    (&["the", "shit"], 3.0),
    (&["the", "bomb"], 3.0),
    (&["bad", "ass"], 1.5),
    (&["badass"], 1.5),
    (&["yeah", "right"], -2.0),
    (&["kiss", "of", "death"], -1.5),
    (&["to", "die", "for"], 3.0),
    (&["broken", "heart"], -2.9),
    (&["cut", "the", "mustard"], 2.0),
    (&["hand", "to", "mouth"], -2.0),
    (&["break", "a", "leg"], 2.0),
    (&["under", "the", "weather"], -2.0),
    (&["killed", "it"], 2.0),
    (&["killing", "it"], 2.0),
    (&["kill", "it"], 2.0),
];

/// The first words of [`EN_IDIOMS`], so most words skip the table.
fn idiom_opener(w: &str) -> bool {
    matches!(
        w,
        "can't"
            | "cant"
            | "cannot"
            | "the"
            | "bad"
            | "badass"
            | "yeah"
            | "kiss"
            | "to"
            | "broken"
            | "cut"
            | "hand"
            | "break"
            | "under"
            | "killed"
            | "killing"
            | "kill"
    )
}

/// Words of wanting: "bad"/"badly" after one of them in the same clause
/// ("I want it so bad", "need a holiday badly") measures the wish.
fn is_wanting(w: &str) -> bool {
    matches!(
        w,
        "want" | "wanted" | "wanna" | "wants" | "need" | "needed" | "needs" | "wish" | "miss"
    )
}

/// Marks idioms: the last word carries the idiom's valence, the others
/// none, and none of them is negated or negates.
fn apply_idioms(tokens: &mut [Token<'_>]) {
    // Only non-ASCII words can hold a typographic apostrophe ("can’t").
    let same = |norm: &str, w: &str| {
        norm == w || (!norm.is_ascii() && norm.contains('’') && norm.replace('’', "'") == w)
    };
    for i in 0..tokens.len() {
        if tokens[i].kind != Kind::Word || tokens[i].idiom {
            continue;
        }
        let first = tokens[i].norm.as_ref();
        let could_open = idiom_opener(first) || !first.is_ascii();
        for (words, v) in EN_IDIOMS.iter().filter(|_| could_open) {
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

/// Contrast and concession per sentence, the headline, and whether
/// capitals stand out.
fn shape(tokens: &[Token<'_>], lang: Lang) -> Shape {
    let sentences = tokens.last().map_or(0, |t| t.sentence as usize + 1);
    let mut contrast_at: Vec<Option<usize>> = vec![None; sentences];
    let mut concession_at: Vec<Option<usize>> = vec![None; sentences];
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
        let emphatic = never_so || comparative;
        if emphatic {
            v *= NEVER_SO;
            notes.push(format!("'{} … {}' emphasis", said(&tokens[j]), said(t)));
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
    let mut reasons = Vec::new();
    for c in shape.contrast_at.iter().flatten() {
        let t = &tokens[*c];
        if weighed(t.sentence) {
            reasons.push(format!(
                "contrast '{}': before ×{BEFORE_CONTRAST}, after ×{AFTER_CONTRAST}",
                &text[t.start..t.end]
            ));
        }
    }
    for c in shape.concession_at.iter().flatten() {
        let t = &tokens[*c];
        if weighed(t.sentence) {
            reasons.push(format!(
                "concession '{}': its clause ×{BEFORE_CONTRAST}, the rest ×{AFTER_CONTRAST}",
                &text[t.start..t.end]
            ));
        }
    }
    reasons
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

/// An English comparative or superlative whose negation after "be" or
/// "get" is emphasis: "couldn't be happier", "could not be worse".
fn is_comparative(w: &str) -> bool {
    matches!(
        w,
        "better"
            | "best"
            | "worse"
            | "worst"
            | "nicer"
            | "cleaner"
            | "cheaper"
            | "cooler"
            | "smoother"
            | "stronger"
            | "prouder"
    ) || (w.len() > 4 && (w.ends_with("ier") || w.ends_with("ter")))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercase_keeps_offsets() {
        for s in ["HÉÉL Goed", "İstanbul ẞ", "👍 OK"] {
            assert_eq!(lowercase_same_offsets(s).len(), s.len());
        }
    }

    #[test]
    fn tokenizer_splits_words_emoji_and_clauses() {
        let lex = Lexicons::build();
        let text = "Not good, but FINE 👍 :( @brand https://x.y #fail OK";
        let lower = lowercase_same_offsets(text);
        let toks = tokenize(text, &lower, &lex);
        let words: Vec<&str> = toks.iter().map(|t| t.norm.as_ref()).collect();
        assert_eq!(
            words,
            ["not", "good", "but", "fine", "👍", ":(", "fail", "ok"]
        );
        assert!(toks[1].clause < toks[2].clause);
        assert!(toks[3].caps);
        assert!(!toks[7].caps, "two-letter capitals are not shouting");
    }

    #[test]
    fn every_idiom_has_its_opener() {
        for (words, _) in EN_IDIOMS {
            assert!(idiom_opener(words[0]), "{words:?}");
        }
    }

    #[test]
    fn elongation_collapses() {
        assert_eq!(collapse_runs("goooood", 1).as_deref(), Some("god"));
        assert_eq!(collapse_runs("goooood", 2).as_deref(), Some("good"));
        assert!(has_run3("sooo") && !has_run3("good"));
    }
}
