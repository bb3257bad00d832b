//! The closed word classes the scoring rules look for, per language:
//! negators, boosters and dampeners, contrast and concession words,
//! laughter, intensifiers, comparatives, words of wanting and English
//! idioms. Only word lists and the small tests on one word and its
//! neighbours live here; what a class does to a score is in `score`, and
//! the valence of ordinary words is in `lexicon`.

use super::lang::{by_lang, Lang};

/// VADER's booster step.
pub(super) const B_INCR: f32 = 0.293;

/// Words that turn the valence of what follows ("not", "niet").
pub(super) fn is_negator(lang: Lang, w: &str) -> bool {
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
    by_lang(lang, en, nl)
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
    by_lang(lang, en, nl)
}

/// Words that start a contrasting clause, given the word before and after.
pub(super) fn is_contrast(
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
    by_lang(lang, en, nl)
}

/// Laughter, which beside a complaint is bitter rather than praise.
pub(super) fn is_laughter(w: &str) -> bool {
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
pub(super) fn pure_intensifier(lang: Lang, w: &str) -> bool {
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

/// First- and second-person words: a text with one is someone speaking to
/// or about themselves, not a report.
pub(super) fn is_personal(w: &str) -> bool {
    matches!(
        w,
        "i" | "i'm"
            | "im"
            | "i've"
            | "ive"
            | "i'd"
            | "i'll"
            | "me"
            | "my"
            | "mine"
            | "myself"
            | "we"
            | "we're"
            | "we've"
            | "we'll"
            | "us"
            | "our"
            | "ours"
            | "you"
            | "you're"
            | "youre"
            | "your"
            | "yours"
            | "u"
            | "ur"
            | "ik"
            | "mij"
            | "mijn"
            | "m'n"
            | "mn"
            | "wij"
            | "ons"
            | "onze"
            | "je"
            | "jij"
            | "jou"
            | "jouw"
            | "jullie"
            | "uw"
    )
}

/// Words of a speaker's attitude that reports do without: Dutch modal
/// particles ("gewoon", "toch", "hoor"), English stance adverbs
/// ("literally", "seriously"), and an opening imperative to the reader
/// ("kijk hoe …", "look at").
pub(super) fn is_speaker_word(w: &str) -> bool {
    matches!(
        w,
        "gewoon"
            | "toch"
            | "nou"
            | "hoor"
            | "zeg"
            | "joh"
            | "he"
            | "kijk"
            | "literally"
            | "seriously"
            | "honestly"
            | "basically"
            | "apparently"
            | "look"
    )
}

/// Words that attribute what a text says to someone else, as news does
/// ("…, CEO says", "meldt de NOS", "according to", "(bron: …)"). Present
/// tense only: "support said they'd call" is a complaint's story.
pub(super) fn is_reporting(w: &str) -> bool {
    matches!(
        w,
        "says"
            | "reports"
            | "reportedly"
            | "announces"
            | "confirms"
            | "warns"
            | "according"
            | "meldt"
            | "melden"
            | "zegt"
            | "zeggen"
            | "aldus"
            | "volgens"
            | "bevestigt"
            | "waarschuwt"
            | "kondigt"
            | "bron"
            | "source"
    )
}

/// Words that open a conceded clause, whose weight moves to the main one.
pub(super) fn is_concession(lang: Lang, w: &str) -> bool {
    let en = || matches!(w, "although" | "though" | "while" | "whilst" | "despite");
    let nl = || matches!(w, "hoewel" | "alhoewel" | "ofschoon" | "ondanks");
    by_lang(lang, en, nl)
}

/// An English comparative or superlative whose negation after "be" or
/// "get" is emphasis: "couldn't be happier", "could not be worse".
pub(super) fn is_comparative(w: &str) -> bool {
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

/// English "like" is praise after a subject or adverb ("I like", "really
/// like"), not in "looks like" or "like 3 hours"; "miss" likewise is a
/// feeling in "I miss", a title in "Miss Texas".
pub(super) fn like_is_verb(prev: Option<&str>) -> bool {
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

/// English "care" is a feeling as a verb ("we care", "don't care", "take
/// care", "who cares" is another form), and a department or a trade as a
/// noun ("customer care", "health care", "with care"): only the verb is
/// praise.
pub(super) fn care_is_verb(prev: Option<&str>) -> bool {
    like_is_verb(prev)
        || prev.is_some_and(|p| {
            matches!(
                p,
                "take"
                    | "to"
                    | "who"
                    | "he"
                    | "she"
                    | "it"
                    | "people"
                    | "would"
                    | "could"
                    | "might"
                    | "should"
                    | "will"
                    | "truly"
                    | "genuinely"
                    | "even"
                    | "actually"
            )
        })
}

/// English idioms whose sense is not the sum of their words, with the
/// valence of the whole (VADER's idioms and special cases, plus the
/// anticipation of "can't wait"). Apostrophes are folded to `'`.
pub(super) const EN_IDIOMS: &[(&[&str], f32)] = &[
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
    // a discourse marker, as "honestly" is: it opens complaints as often
    // as praise
    (&["to", "be", "honest"], 0.0),
];

/// Dutch idioms whose sense is not the sum of their words. "Eerlijk
/// gezegd" (honestly speaking) and "om eerlijk te zijn" open complaints as
/// often as praise: discourse markers, as English "honestly" is.
pub(super) const NL_IDIOMS: &[(&[&str], f32)] = &[
    (&["eerlijk", "gezegd"], 0.0),
    (&["eerlijk", "waar"], 0.0),
    (&["eerlijk", "is", "eerlijk"], 0.0),
    (&["om", "eerlijk", "te", "zijn"], 0.0),
];

/// The first words of [`NL_IDIOMS`], so most words skip the table.
pub(super) fn nl_idiom_opener(w: &str) -> bool {
    matches!(w, "eerlijk" | "om")
}

/// The first words of [`EN_IDIOMS`], so most words skip the table.
pub(super) fn idiom_opener(w: &str) -> bool {
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
pub(super) fn is_wanting(w: &str) -> bool {
    matches!(
        w,
        "want" | "wanted" | "wanna" | "wants" | "need" | "needed" | "needs" | "wish" | "miss"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_idiom_has_its_opener() {
        for (words, _) in EN_IDIOMS {
            assert!(idiom_opener(words[0]), "{words:?}");
        }
        for (words, _) in NL_IDIOMS {
            assert!(nl_idiom_opener(words[0]), "{words:?}");
        }
    }
}
