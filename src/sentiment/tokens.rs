//! The tokenizer: splits a text into words, emoji and emoticons with
//! sentence and clause numbers, CAPS and elongation marks, and each word's
//! folded form. Mentions, URLs and HTML entities are skipped; a domain
//! ("bol.com") is one token. It gives emoji and
//! emoticons their valence (they are recognised by lexicon lookup) but
//! leaves words unscored: that is `score`.

use std::borrow::Cow;

use super::lexicon::{fold, is_emoji_modifier, Lexicons};

/// Tokens looked at per text.
const MAX_TOKENS: usize = 4000;

/// What a token is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Word,
    Emoji,
    Emoticon,
}

pub(super) struct Token<'a> {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
    /// Folded lowercase form (diacritics stripped, elongation cut to two).
    pub norm: Cow<'a, str>,
    pub sentence: u32,
    pub clause: u32,
    pub caps: bool,
    pub elongated: bool,
    pub valence: f32,
    /// Part of an idiom whose valence is set as a whole ("can't wait"):
    /// neither negated nor negating.
    pub idiom: bool,
}

impl<'a> Token<'a> {
    /// An emoji or emoticon token: `norm` as written at byte `start`, its
    /// lexicon valence, at (sentence, clause).
    fn symbol(kind: Kind, start: usize, norm: &'a str, valence: f32, at: (u32, u32)) -> Self {
        Token {
            start,
            end: start + norm.len(),
            kind,
            norm: Cow::Borrowed(norm),
            sentence: at.0,
            clause: at.1,
            caps: false,
            elongated: false,
            valence,
            idiom: false,
        }
    }
}

/// The lowercase text with byte offsets identical to `text` (a character
/// whose lowercase form has another length stays as it is).
pub(super) fn lowercase_same_offsets(text: &str) -> String {
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
pub(super) fn collapse_runs(w: &str, keep: usize) -> Option<String> {
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
pub(super) fn tokenize<'a>(text: &'a str, lower: &'a str, lex: &Lexicons) -> Vec<Token<'a>> {
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
            out.push(Token::symbol(
                Kind::Emoticon,
                s,
                trimmed,
                *v,
                (*sentence, *clause),
            ));
            if trimmed.len() < lc.len() {
                *clause += 1;
            }
            return;
        }
    }
    // "&lt;3" is a heart whose "<" a feed or API left encoded.
    if lc.starts_with("&lt;3") {
        if let Some(v) = lex.emoticons.get("<3") {
            let mut heart = Token::symbol(Kind::Emoticon, s, "<3", *v, (*sentence, *clause));
            heart.end = s + "&lt;3".len();
            out.push(heart);
        }
        return;
    }
    let may_hold_domain = lc.contains('.');
    let mut word_start: Option<usize> = None;
    let mut chars = text[s..e].char_indices().peekable();
    while let Some((off, c)) = chars.next() {
        let i = s + off;
        let next_alnum = chars.peek().is_some_and(|(_, n)| n.is_alphanumeric());
        let in_word = c.is_alphanumeric()
            || (matches!(c, '\'' | '’' | '-') && word_start.is_some() && next_alnum);
        if in_word {
            if word_start.is_none() {
                // A domain ("bol.com", "t-mobile.nl") is one name, not a
                // word and a sentence end.
                let domain = may_hold_domain.then(|| domain_len(&text[i..e])).flatten();
                if let Some(len) = domain {
                    push_word(text, lower, i, i + len, *sentence, *clause, out);
                    while chars.peek().is_some_and(|(o, _)| s + o < i + len) {
                        chars.next();
                    }
                    continue;
                }
                word_start = Some(i);
            }
            continue;
        }
        if let Some(ws) = word_start.take() {
            push_word(text, lower, ws, i, *sentence, *clause, out);
        }
        if c == '&' {
            // An HTML entity left in the text ("&gt;", "&amp;", "&#39;") is
            // markup, not a word ("gt" is slang for "good times").
            if let Some(len) = entity_len(&lc[off..]) {
                if &lc[off..off + len] == "&quot;" {
                    *clause += 1;
                }
                while chars.peek().is_some_and(|(o, _)| *o < off + len) {
                    chars.next();
                }
                continue;
            }
        }
        if is_emoji_modifier(c) {
            continue;
        }
        if let Some(v) = lex.emoji.get(&c) {
            let norm = &lower[i..i + c.len_utf8()];
            out.push(Token::symbol(
                Kind::Emoji,
                i,
                norm,
                *v,
                (*sentence, *clause),
            ));
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

/// The length of the HTML entity `s` starts with (`&gt;`, `&#39;`,
/// `&#x27;`), if it starts with one.
fn entity_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let body = b.get(1..)?;
    let (digits, min, max) = match body {
        [b'#', b'x', ..] => (2, 1, 6),
        [b'#', ..] => (1, 1, 7),
        _ => (0, 2, 8),
    };
    let name = &body[digits..];
    let n = name
        .iter()
        .take_while(|c| match digits {
            0 => c.is_ascii_alphabetic(),
            1 => c.is_ascii_digit(),
            _ => c.is_ascii_hexdigit(),
        })
        .count();
    ((min..=max).contains(&n) && name.get(n) == Some(&b';')).then_some(1 + digits + n + 1)
}

/// Top-level domains a brand's site is written with. Words of English or
/// Dutch that are also domains ("it", "me", "to") are left out: "food.it
/// was" is a missing space, not a site.
const DOMAINS: &[&str] = &[
    "com", "nl", "be", "de", "org", "net", "eu", "io", "uk", "fr", "app", "shop", "info", "tv",
];

/// The length of the domain name `s` starts with ("bol.com", "t-mobile.nl",
/// "amazon.co.uk"): labels of letters, digits and hyphens joined by dots,
/// the last a known top-level domain written in lowercase and not followed
/// by a letter or digit.
fn domain_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let label = |from: usize| {
        b[from..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'-')
            .count()
    };
    let mut end = label(0);
    let mut last: Option<(usize, usize)> = None;
    while end > 0 && b.get(end) == Some(&b'.') {
        let n = label(end + 1);
        if n == 0 {
            break;
        }
        last = Some((end + 1, end + 1 + n));
        end += 1 + n;
    }
    let (ls, le) = last?;
    let tld = &s[ls..le];
    let followed = s[le..].chars().next().is_some_and(char::is_alphanumeric);
    (DOMAINS.contains(&tld) && !followed).then_some(le)
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
    fn domains_and_entities_are_no_words() {
        assert_eq!(domain_len("bol.com is"), Some(7));
        assert_eq!(domain_len("t-mobile.nl/x"), Some(11));
        assert_eq!(domain_len("amazon.co.uk"), Some(12));
        assert_eq!(domain_len("food.It was"), None);
        assert_eq!(domain_len("food.it was"), None);
        assert_eq!(domain_len("3.5"), None);
        assert_eq!(entity_len("&gt; 3"), Some(4));
        assert_eq!(entity_len("&#39;s"), Some(5));
        assert_eq!(entity_len("&#x27;"), Some(6));
        assert_eq!(entity_len("& co"), None);
        assert_eq!(entity_len("&verylongname;"), None);
        let lex = Lexicons::build();
        let text = "via bol.com &gt; 3 dagen";
        let lower = lowercase_same_offsets(text);
        let words: Vec<String> = tokenize(text, &lower, &lex)
            .iter()
            .map(|t| t.norm.to_string())
            .collect();
        assert_eq!(words, ["via", "bol.com", "3", "dagen"]);
    }

    #[test]
    fn elongation_collapses() {
        assert_eq!(collapse_runs("goooood", 1).as_deref(), Some("god"));
        assert_eq!(collapse_runs("goooood", 2).as_deref(), Some("good"));
        assert!(has_run3("sooo") && !has_run3("good"));
    }
}
