//! The learned model beside the rules: per language, a logistic regression
//! over hashed word 1–2-grams and character 4-grams trained on a team's
//! own labels, and the small learned blend that weighs its probabilities
//! against the rules' score and label into the final verdict.
//!
//! It exists because about half of the complaints a team meets carry no
//! negative word, and the team's own labels say what such complaints look
//! like in their stream. This file scores: features, the linear model, the
//! blend, the words behind a change, and the model's bytes (which `store`
//! keeps). Training is `train.rs`. It does no I/O and cannot fail on any
//! text; bytes that are not a model are an error, never a panic.

use super::{Label, Lang, Sentiment};

/// Hash buckets per language: `1 << BUCKET_BITS` (768 KiB of weights each;
/// 2^18 scored the same on the development sets, but its 3 MiB made rules +
/// model 20 % slower than the rules alone, where 2^16 costs 7 %).
const BUCKET_BITS: u32 = 16;
const BUCKETS: usize = 1 << BUCKET_BITS;
/// Bytes of a text the model reads: a mention's opening carries its tone,
/// and a tweet is far shorter.
const MAX_MODEL_BYTES: usize = 2048;
/// Features counted per text at most.
const MAX_FEATURES: usize = 2048;
/// Longest word, in bytes, kept whole; the rest of a longer one is cut.
const MAX_WORD: usize = 48;
/// Character n-grams: only 4-grams (measured against 3–5-grams: the same
/// figures on every development set, from half the features).
const CHAR_N: usize = 4;

/// The class index of a label, in weight order (negative, neutral, positive).
pub(super) fn class(l: Label) -> usize {
    match l {
        Label::Negative => 0,
        Label::Neutral => 1,
        Label::Positive => 2,
    }
}

// ---------------------------------------------------------------- features

const SEED_WORD: u64 = 0x9e37_79b9_7f4a_7c15;
const SEED_PAIR: u64 = 0xc2b2_ae3d_27d4_eb4f;
const SEED_CHAR: u64 = 0x1656_67b1_9e37_79f9;
/// FNV-1a's 64-bit prime.
const PRIME: u64 = 0x0000_0100_0000_01b3;

/// A hash's bucket: the top bits of a multiplication by the golden ratio,
/// which every input bit reaches.
#[inline]
fn bucket(h: u64) -> u32 {
    (h.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - BUCKET_BITS)) as u32
}

#[inline]
fn hash_bytes(seed: u64, bytes: &[u8]) -> u64 {
    let mut h = seed;
    for &b in bytes {
        h = (h ^ u64::from(b)).wrapping_mul(PRIME);
    }
    h
}

/// A token as the model reads it: a word (lowercase, digits as `0`,
/// `@handles` as `@user`, links as `http`), or a symbol that carries tone
/// (`!`, `?`, an emoji).
struct Tok<'a> {
    bytes: &'a [u8],
    word: bool,
}

/// Calls `each` with every token of the first [`MAX_MODEL_BYTES`] of
/// `text`, in order, in one pass that allocates nothing.
fn each_token(text: &str, mut each: impl FnMut(Tok<'_>)) {
    let mut end = text.len().min(MAX_MODEL_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut word = [0u8; MAX_WORD];
    let mut len = 0usize;
    for chunk in text[..end].split_whitespace() {
        if chunk.len() > 1 && chunk.starts_with('@') {
            each(Tok {
                bytes: b"@user",
                word: true,
            });
            continue;
        }
        if chunk.starts_with("http://")
            || chunk.starts_with("https://")
            || chunk.starts_with("www.")
        {
            each(Tok {
                bytes: b"http",
                word: true,
            });
            continue;
        }
        for c in chunk.chars() {
            if c.is_ascii() {
                if c.is_ascii_alphanumeric() || c == '\'' || c == '#' {
                    if len < MAX_WORD {
                        word[len] = if c.is_ascii_digit() {
                            b'0'
                        } else {
                            c.to_ascii_lowercase() as u8
                        };
                        len += 1;
                    }
                    continue;
                }
                flush(&word, &mut len, &mut each);
                match c {
                    '!' => each(Tok {
                        bytes: b"!",
                        word: false,
                    }),
                    '?' => each(Tok {
                        bytes: b"?",
                        word: false,
                    }),
                    _ => {}
                }
            } else if c.is_alphanumeric() || c == '’' {
                let c = if c == '’' { '\'' } else { c };
                for l in c.to_lowercase() {
                    if len + l.len_utf8() <= MAX_WORD {
                        len += l.encode_utf8(&mut word[len..]).len();
                    }
                }
            } else {
                flush(&word, &mut len, &mut each);
                // Emoji and other pictographs; not combining marks,
                // variation selectors or joiners.
                if u32::from(c) >= 0x2100 && !matches!(u32::from(c), 0xfe00..=0xfe0f | 0x200d) {
                    let mut buf = [0u8; 4];
                    each(Tok {
                        bytes: c.encode_utf8(&mut buf).as_bytes(),
                        word: false,
                    });
                }
            }
        }
        flush(&word, &mut len, &mut each);
    }
}

fn flush(word: &[u8; MAX_WORD], len: &mut usize, each: &mut impl FnMut(Tok<'_>)) {
    if *len > 0 {
        each(Tok {
            bytes: &word[..*len],
            word: true,
        });
        *len = 0;
    }
}

/// Calls `emit(token index, bucket)` for every feature of `text`, per
/// token in this order: the token itself; from the second token on, the
/// pair with the token before; then a word's character 4-grams with `<`
/// and `>` marking its ends (`<bad>` gives `<bad` and `bad>`).
fn for_each_feature(text: &str, mut emit: impl FnMut(usize, u32)) {
    let (mut n, mut i) = (0usize, 0usize);
    let mut prev: Option<u64> = None;
    let mut padded = [0u8; MAX_WORD + 2];
    each_token(text, |t| {
        if n >= MAX_FEATURES {
            return;
        }
        let h = hash_bytes(SEED_WORD, t.bytes);
        emit(i, bucket(h));
        n += 1;
        if let Some(p) = prev {
            emit(i, bucket((p.rotate_left(17) ^ h).wrapping_add(SEED_PAIR)));
            n += 1;
        }
        prev = Some(h);
        if t.word {
            let len = t.bytes.len() + 2;
            padded[0] = b'<';
            padded[1..len - 1].copy_from_slice(t.bytes);
            padded[len - 1] = b'>';
            for gram in padded[..len].windows(CHAR_N) {
                // Four bytes are one number: one multiplication, in bucket().
                let packed = u32::from_le_bytes([gram[0], gram[1], gram[2], gram[3]]);
                emit(i, bucket(SEED_CHAR ^ u64::from(packed)));
                n += 1;
            }
        }
        i += 1;
    });
}

/// The buckets of `text`'s features, repeats kept (for training).
pub(super) fn features(text: &str, out: &mut Vec<u32>) {
    out.clear();
    for_each_feature(text, |_, b| out.push(b));
}

// ---------------------------------------------------------------- the model

/// One language's linear model: per bucket a weight per class, and a bias
/// per class. A text's feature weights are summed and scaled by
/// 1/√(number of features), so a long text is not surer for being long.
#[derive(Clone, PartialEq)]
pub(super) struct Linear {
    /// `BUCKETS × 3`, bucket-major.
    pub weights: Vec<f32>,
    pub bias: [f32; 3],
}

impl Linear {
    pub(super) fn zero() -> Linear {
        Linear {
            weights: vec![0.0; BUCKETS * 3],
            bias: [0.0; 3],
        }
    }

    /// The class logits of a text given as its feature buckets.
    pub(super) fn logits_of(&self, feats: &[u32]) -> [f32; 3] {
        let mut z = [0f32; 3];
        for &f in feats {
            self.add(&mut z, f);
        }
        self.finish(z, feats.len())
    }

    /// Class probabilities of `text`, summed as its features are found.
    fn probs(&self, text: &str) -> [f32; 3] {
        // Buckets first, weights after: the loads of a batch do not wait
        // on one another or on the hashing, so their cache misses overlap.
        let mut z = [0f32; 3];
        let (mut batch, mut len, mut n) = ([0u32; 256], 0usize, 0usize);
        for_each_feature(text, |_, f| {
            if len == batch.len() {
                batch.iter().for_each(|&f| self.add(&mut z, f));
                len = 0;
            }
            batch[len] = f;
            len += 1;
            n += 1;
        });
        batch[..len].iter().for_each(|&f| self.add(&mut z, f));
        softmax(self.finish(z, n))
    }

    #[inline]
    fn add(&self, z: &mut [f32; 3], f: u32) {
        let at = f as usize * 3;
        if let Some(w) = self.weights.get(at..at + 3) {
            z[0] += w[0];
            z[1] += w[1];
            z[2] += w[2];
        }
    }

    fn finish(&self, z: [f32; 3], n: usize) -> [f32; 3] {
        let s = scale(n);
        [
            self.bias[0] + z[0] * s,
            self.bias[1] + z[1] * s,
            self.bias[2] + z[2] * s,
        ]
    }
}

/// The scale of a text with `n` features: 1/√n.
#[inline]
pub(super) fn scale(n: usize) -> f32 {
    if n == 0 {
        0.0
    } else {
        1.0 / (n as f32).sqrt()
    }
}

pub(super) fn softmax(z: [f32; 3]) -> [f32; 3] {
    let m = z[0].max(z[1]).max(z[2]);
    let e = [(z[0] - m).exp(), (z[1] - m).exp(), (z[2] - m).exp()];
    let s = e[0] + e[1] + e[2];
    [e[0] / s, e[1] / s, e[2] / s]
}

/// How many inputs the blend has.
pub(super) const BLEND_INPUTS: usize = 6;

/// The blend's inputs for one text: the rules' score, whether the rules
/// said negative or positive, the model's log-odds of negative and of
/// positive, and a constant.
pub(super) fn blend_inputs(
    rules_score: f32,
    rules_label: Label,
    p: [f32; 3],
) -> [f32; BLEND_INPUTS] {
    let logit = |x: f32| {
        let x = x.clamp(1e-4, 1.0 - 1e-4);
        (x / (1.0 - x)).ln()
    };
    [
        rules_score,
        f32::from(u8::from(rules_label == Label::Negative)),
        f32::from(u8::from(rules_label == Label::Positive)),
        logit(p[0]),
        logit(p[2]),
        1.0,
    ]
}

/// The second stage: "is this negative?" as a logistic regression on
/// [`blend_inputs`], and the cut on its probability above which it says so.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Blend {
    pub w: [f32; BLEND_INPUTS],
    pub cut: f32,
}

impl Blend {
    pub(super) fn p_negative(&self, x: &[f32; BLEND_INPUTS]) -> f32 {
        let z: f32 = self.w.iter().zip(x).map(|(w, x)| w * x).sum();
        1.0 / (1.0 + (-z).exp())
    }

    /// The final label from the rules' verdict and the model's
    /// probabilities `p`, with the blend's probability of negative:
    /// negative when the blend says so; otherwise the rules' label, except
    /// that a negative the blend overrules becomes neutral or positive,
    /// whichever the model finds likelier.
    pub(super) fn decide(&self, rules_score: f32, rules_label: Label, p: [f32; 3]) -> (Label, f32) {
        let pn = self.p_negative(&blend_inputs(rules_score, rules_label, p));
        let label = if pn >= self.cut {
            Label::Negative
        } else if rules_label == Label::Negative {
            if p[2] > p[1] {
                Label::Positive
            } else {
                Label::Neutral
            }
        } else {
            rules_label
        };
        (label, pn)
    }
}

/// One language's learned part: the linear model and its blend.
#[derive(Clone, PartialEq)]
pub(super) struct LangModel {
    pub linear: Linear,
    pub blend: Blend,
}

/// A compiled model: a [`LangModel`] per language that has earned one;
/// a language without one is scored by the rules alone. Built by
/// `train`, or read back with [`Model::from_bytes`] once at load and
/// then shared (`Send + Sync`).
#[derive(Clone, PartialEq, Default)]
pub struct Model {
    pub(super) nl: Option<LangModel>,
    pub(super) en: Option<LangModel>,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("languages", &self.languages())
            .finish()
    }
}

impl Model {
    pub(super) fn for_lang(&self, lang: Lang) -> Option<&LangModel> {
        match lang {
            Lang::Nl => self.nl.as_ref(),
            Lang::En => self.en.as_ref(),
            Lang::Unknown => None,
        }
    }

    /// The languages that have a model.
    pub fn languages(&self) -> Vec<Lang> {
        [Lang::Nl, Lang::En]
            .into_iter()
            .filter(|l| self.for_lang(*l).is_some())
            .collect()
    }

    /// Class probabilities (negative, neutral, positive) of `text` in
    /// `lang`, or `None` when that language has no model.
    pub fn score(&self, text: &str, lang: Lang) -> Option<[f32; 3]> {
        self.for_lang(lang).map(|m| m.linear.probs(text))
    }

    /// The verdict with the model: `rules` unchanged when its language has
    /// no model or the blend keeps its label; else the new label, a score
    /// that says it, and first among the reasons what changed and the
    /// words that changed it.
    pub(super) fn apply(&self, text: &str, rules: Sentiment) -> Sentiment {
        let Some(m) = self.for_lang(rules.lang) else {
            return rules;
        };
        let p = m.linear.probs(text);
        let (label, pn) = m.blend.decide(rules.score, rules.label, p);
        if label == rules.label {
            return rules;
        }
        let words = top_words(&m.linear, text, label, 3);
        let mut out = rules;
        out.reasons
            .insert(0, reason(out.label, out.score, label, pn, &words));
        out.score = match label {
            Label::Negative => out.score.min(-0.05).min(-pn),
            Label::Neutral => 0.0,
            Label::Positive => p[2].max(0.1),
        };
        out.label = label;
        out
    }
}

/// The reason a changed label gives: `model: negative, the rules said
/// neutral +0.12 (p negative 0.84); words: 'waar blijft', 'pakket'`, the rules' own
/// score kept there. `notify::render`
/// quotes the words in an alert's "why".
fn reason(from: Label, rules_score: f32, to: Label, p_negative: f32, words: &[String]) -> String {
    let mut s = format!(
        "model: {to}, the rules said {from} {rules_score:+.2} (p negative {p_negative:.2})"
    );
    if !words.is_empty() {
        let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
        s.push_str("; words: ");
        s.push_str(&quoted.join(", "));
    }
    s
}

/// The `n` words or word pairs of `text` whose features pushed hardest
/// towards `towards` rather than the other classes, strongest first.
fn top_words(m: &Linear, text: &str, towards: Label, n: usize) -> Vec<String> {
    // Every token's text in one buffer: (start, end, is a word).
    let mut buf = String::new();
    let mut toks: Vec<(usize, usize, bool)> = Vec::new();
    each_token(text, |t| {
        let start = buf.len();
        buf.push_str(&String::from_utf8_lossy(t.bytes));
        toks.push((start, buf.len(), t.word));
    });
    let c = class(towards);
    let mut own = vec![0f32; toks.len()];
    let mut pair = vec![0f32; toks.len()];
    let (mut last, mut k) = (usize::MAX, 0usize);
    for_each_feature(text, |i, f| {
        if i != last {
            (last, k) = (i, 0);
        }
        let at = f as usize * 3;
        let Some(w) = m.weights.get(at..at + 3) else {
            return;
        };
        let push = w[c] - (w[0] + w[1] + w[2] - w[c]) / 2.0;
        // A token's second feature is its pair with the one before.
        match (k, i > 0) {
            (1, true) => pair[i] += push,
            _ => own[i] += push,
        }
        k += 1;
    });
    // (push, first token, last token)
    let mut found: Vec<(f32, usize, usize)> = Vec::new();
    for (i, &(start, end, word)) in toks.iter().enumerate() {
        let said = &buf[start..end];
        if !word || said == "@user" || said == "http" {
            continue;
        }
        if own[i] > 0.0 {
            found.push((own[i], i, i));
        }
        if i > 0 && pair[i] > 0.0 && toks[i - 1].2 {
            let both = own[i - 1].max(0.0) + own[i].max(0.0) + pair[i];
            if pair[i] > 0.5 * both {
                found.push((both, i - 1, i));
            }
        }
    }
    found.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut out: Vec<String> = Vec::new();
    for (_, first, last) in found {
        if out.len() >= n {
            break;
        }
        let w = if first == last {
            buf[toks[first].0..toks[first].1].to_string()
        } else {
            format!(
                "{} {}",
                &buf[toks[first].0..toks[first].1],
                &buf[toks[last].0..toks[last].1]
            )
        };
        if !out.iter().any(|o| o.contains(&w) || w.contains(o.as_str())) {
            out.push(w);
        }
    }
    out
}

// ---------------------------------------------------------------- bytes

/// Bytes that are not a model this earshot can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("stored learned model unreadable: {0} (run `earshot learn` to train it again)")]
pub struct ModelError(String);

const MAGIC: &[u8; 4] = b"ESLM";
/// The layout of the bytes and the features they were trained on; a
/// change to either is a new format, and an old model is trained again.
pub const FORMAT: u32 = 1;

impl Model {
    /// The model as bytes: a header, then per language its bias, blend and
    /// the weights of the buckets that have any (little-endian).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT.to_le_bytes());
        out.extend_from_slice(&BUCKET_BITS.to_le_bytes());
        for m in [&self.nl, &self.en] {
            let Some(m) = m else {
                out.push(0);
                continue;
            };
            out.push(1);
            let mut floats = |v: &[f32]| {
                for x in v {
                    out.extend_from_slice(&x.to_le_bytes());
                }
            };
            floats(&m.linear.bias);
            floats(&m.blend.w);
            floats(&[m.blend.cut]);
            let used: Vec<(u32, &[f32])> = m
                .linear
                .weights
                .chunks_exact(3)
                .enumerate()
                .filter(|(_, w)| w.iter().any(|x| *x != 0.0))
                .map(|(i, w)| (i as u32, w))
                .collect();
            out.extend_from_slice(&(used.len() as u32).to_le_bytes());
            for (i, w) in used {
                out.extend_from_slice(&i.to_le_bytes());
                for x in w {
                    out.extend_from_slice(&x.to_le_bytes());
                }
            }
        }
        out
    }

    /// Reads [`Model::to_bytes`]' output back; anything else (another
    /// format, cut short, a bucket out of range, a weight that is not a
    /// finite number) is an error.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelError> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(4)? != MAGIC {
            return Err(ModelError("not an earshot model".into()));
        }
        let format = r.u32()?;
        if format != FORMAT {
            return Err(ModelError(format!(
                "format {format}, this earshot reads {FORMAT}"
            )));
        }
        let bits = r.u32()?;
        if bits != BUCKET_BITS {
            return Err(ModelError(format!(
                "{bits} bucket bits, this earshot uses {BUCKET_BITS}"
            )));
        }
        let mut langs = [None, None];
        for slot in &mut langs {
            match r.take(1)?[0] {
                0 => continue,
                1 => {}
                other => return Err(ModelError(format!("language flag {other}"))),
            }
            let mut linear = Linear::zero();
            for b in &mut linear.bias {
                *b = r.f32()?;
            }
            let mut w = [0f32; BLEND_INPUTS];
            for x in &mut w {
                *x = r.f32()?;
            }
            let cut = r.f32()?;
            let used = r.u32()? as usize;
            if used > BUCKETS {
                return Err(ModelError(format!("{used} buckets of {BUCKETS}")));
            }
            for _ in 0..used {
                let i = r.u32()? as usize;
                if i >= BUCKETS {
                    return Err(ModelError(format!("bucket {i} out of range")));
                }
                for c in 0..3 {
                    linear.weights[i * 3 + c] = r.f32()?;
                }
            }
            *slot = Some(LangModel {
                linear,
                blend: Blend { w, cut },
            });
        }
        if r.at != bytes.len() {
            return Err(ModelError(format!(
                "{} bytes after the end",
                bytes.len() - r.at
            )));
        }
        let [nl, en] = langs;
        Ok(Model { nl, en })
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], ModelError> {
        let end = self.at.checked_add(n).filter(|e| *e <= self.bytes.len());
        let end = end.ok_or_else(|| ModelError(format!("cut short at byte {}", self.at)))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn u32(&mut self) -> Result<u32, ModelError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn f32(&mut self) -> Result<f32, ModelError> {
        let at = self.at;
        let b = self.take(4)?;
        let x = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        if x.is_finite() {
            Ok(x)
        } else {
            Err(ModelError(format!("a weight at byte {at} is not a number")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        each_token(text, |t| {
            out.push(String::from_utf8_lossy(t.bytes).into_owned())
        });
        out
    }

    #[test]
    fn tokens_fold_case_digits_handles_and_links() {
        assert_eq!(
            tokens("@KPN Wéér 3 uur!! https://x.nl/a 😡 #Storing it’s"),
            ["@user", "wéér", "0", "uur", "!", "!", "http", "😡", "#storing", "it's"]
        );
        assert!(tokens("").is_empty());
        // Long words are cut, never split a character.
        let long = "é".repeat(100);
        assert_eq!(tokens(&long)[0].chars().count(), MAX_WORD / 2);
    }

    #[test]
    fn features_are_bounded_and_stable() {
        let mut a = Vec::new();
        features("Nog steeds geen internet", &mut a);
        // 4 words, 3 pairs, and 4-grams of <nog> <steeds> <geen> <internet>.
        assert_eq!(a.len(), 4 + 3 + 2 + 5 + 3 + 7);
        let mut b = Vec::new();
        features("nog STEEDS geen internet", &mut b);
        assert_eq!(a, b);
        features(&"woord ".repeat(100_000), &mut b);
        assert!(b.len() <= MAX_FEATURES + 8);
        assert!(b.iter().all(|f| (*f as usize) < BUCKETS));
    }

    fn toy() -> Model {
        let mut linear = Linear::zero();
        let mut feats = Vec::new();
        features("pakket", &mut feats);
        for f in feats {
            linear.weights[f as usize * 3] = 2.0;
        }
        Model {
            nl: Some(LangModel {
                linear,
                // Negative when the model's log-odds of negative is high.
                blend: Blend {
                    w: [0.0, 0.0, 0.0, 1.0, 0.0, 0.0],
                    cut: 0.6,
                },
            }),
            en: None,
        }
    }

    #[test]
    fn bytes_round_trip_and_refuse_garbage() {
        let m = toy();
        let bytes = m.to_bytes();
        assert_eq!(Model::from_bytes(&bytes), Ok(m.clone()));
        assert_eq!(
            Model::from_bytes(&Model::default().to_bytes()),
            Ok(Model::default())
        );
        for cut in [0, 3, 11, bytes.len() - 1] {
            assert!(Model::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(Model::from_bytes(&longer).is_err());
        let mut other = bytes.clone();
        other[4] = 9;
        assert!(Model::from_bytes(&other)
            .unwrap_err()
            .0
            .contains("format 9"));
        let mut nan = bytes;
        let at = nan.len() - 4;
        nan[at..].copy_from_slice(&f32::NAN.to_le_bytes());
        assert!(Model::from_bytes(&nan).is_err());
    }

    #[test]
    fn apply_changes_the_label_and_says_why() {
        let m = toy();
        let rules = Sentiment {
            score: 0.03,
            label: Label::Neutral,
            lang: Lang::Nl,
            reasons: vec![],
        };
        let s = m.apply("waar blijft mijn pakket", rules.clone());
        assert_eq!(s.label, Label::Negative);
        assert!(s.score <= -0.05);
        // The rules' own score stays readable in the reason.
        assert!(
            s.reasons[0].starts_with("model: negative, the rules said neutral +0.03 (")
                && s.reasons[0].contains("'pakket'"),
            "{:?}",
            s.reasons
        );
        // No pakket: the rules stand. Another language: the rules stand.
        assert_eq!(m.apply("waar blijft mijn brief", rules.clone()), rules);
        let en = Sentiment {
            lang: Lang::En,
            ..rules
        };
        assert_eq!(m.apply("where is my pakket", en.clone()), en);
    }
}
