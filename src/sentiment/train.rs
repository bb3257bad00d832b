//! Training the learned model on labelled examples. Per language: a
//! multinomial logistic regression on the text's hashed features, fitted by
//! stochastic gradient descent (AdaGrad steps, L2 on the weights a step
//! touches); its out-of-fold probabilities; the blend fitted on those by
//! Newton's method; and a cross-validated comparison of the rules alone
//! against rules + model on the same labels.
//!
//! A language gets a model only when it has enough labels and the model
//! beats the rules in cross-validation; otherwise the rules stay alone and
//! the report says why. Deterministic: one fixed seed, the examples' order
//! as given. Pure: the caller reads the labels and stores the result; this
//! file does no I/O.

use super::model::{
    blend_inputs, class, features, scale, softmax, Blend, LangModel, Linear, Model, BLEND_INPUTS,
};
use super::{Label, Lang};

/// One labelled text with the rules' verdict on it.
#[derive(Debug, Clone)]
pub struct Example<'a> {
    pub text: &'a str,
    pub lang: Lang,
    pub label: Label,
    pub rules_score: f32,
    pub rules_label: Label,
}

/// The least a language needs before a model is tried: labels in all, and
/// negative labels and other labels each. Measured (benches/learn.rs): with
/// 100–150 labels one random draw in eight of a tweet set lost 0.04–0.10
/// negative F1 against the rules even when cross-validation said it won;
/// from 200 none lost more than 0.02.
pub const MIN_LABELS: usize = 200;
pub const MIN_PER_SIDE: usize = 30;

/// The share of bootstrap resamples of the cross-validated predictions in
/// which rules + model must beat the rules alone: a win by chance on a few
/// hundred labels is not enough.
const MIN_WINS: f64 = 0.6;

/// Knobs of the fit, fixed by measurement (benches/learn.rs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    pub epochs: usize,
    pub rate: f32,
    pub l2: f32,
    pub folds: usize,
    pub seed: u64,
    pub min_labels: usize,
    pub min_per_side: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            epochs: 10,
            rate: 0.2,
            l2: 1e-4,
            folds: 5,
            seed: 0x5eed_0014,
            min_labels: MIN_LABELS,
            min_per_side: MIN_PER_SIDE,
        }
    }
}

/// Negative-class precision, recall and F1.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct Neg {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

impl Neg {
    /// Over (gold, predicted) pairs.
    pub fn of(pairs: impl Iterator<Item = (Label, Label)>) -> Neg {
        let (mut tp, mut predicted, mut gold) = (0usize, 0usize, 0usize);
        for (g, p) in pairs {
            let (g, p) = (g == Label::Negative, p == Label::Negative);
            tp += usize::from(g && p);
            predicted += usize::from(p);
            gold += usize::from(g);
        }
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let (precision, recall) = (ratio(tp, predicted), ratio(tp, gold));
        let f1 = if precision + recall == 0.0 {
            0.0
        } else {
            2.0 * precision * recall / (precision + recall)
        };
        Neg {
            precision,
            recall,
            f1,
        }
    }
}

/// What training did for one language.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LangReport {
    pub lang: Lang,
    /// Examples per class: negative, neutral, positive.
    pub counts: [usize; 3],
    /// Whether the model is used for this language.
    pub used: bool,
    /// Why not, when it is not.
    pub why_not: Option<String>,
    /// Cross-validated negative-class figures on these examples (when
    /// there were enough to fit a model): the rules alone and rules + model.
    pub rules: Option<Neg>,
    pub with_model: Option<Neg>,
}

/// Trains a model on `examples`. Examples in a language other than Dutch
/// or English are left out.
pub fn train(examples: &[Example<'_>], params: &Params) -> (Model, Vec<LangReport>) {
    let mut model = Model::default();
    let mut reports = Vec::new();
    for lang in [Lang::Nl, Lang::En] {
        let mine: Vec<&Example<'_>> = examples.iter().filter(|e| e.lang == lang).collect();
        let (m, report) = train_lang(lang, &mine, params);
        match lang {
            Lang::Nl => model.nl = m,
            _ => model.en = m,
        }
        reports.push(report);
    }
    (model, reports)
}

fn train_lang(
    lang: Lang,
    examples: &[&Example<'_>],
    params: &Params,
) -> (Option<LangModel>, LangReport) {
    let mut counts = [0usize; 3];
    for e in examples {
        counts[class(e.label)] += 1;
    }
    let mut report = LangReport {
        lang,
        counts,
        used: false,
        why_not: None,
        rules: None,
        with_model: None,
    };
    let (n, neg) = (examples.len(), counts[0]);
    if n < params.min_labels || neg < params.min_per_side || n - neg < params.min_per_side {
        report.why_not = Some(format!(
            "too few labels: {n}, {neg} of them negative; a model needs {} with at least {} negative and {} not",
            params.min_labels, params.min_per_side, params.min_per_side
        ));
        return (None, report);
    }
    let feats: Vec<Vec<u32>> = examples
        .iter()
        .map(|e| {
            let mut f = Vec::new();
            features(e.text, &mut f);
            f
        })
        .collect();
    let labels: Vec<usize> = examples.iter().map(|e| class(e.label)).collect();
    let folds = fold_of(n, params.folds, params.seed);
    // Out-of-fold probabilities: each example scored by a model that never
    // saw it, so the blend learns how far the model can be trusted.
    let mut oof = vec![[0f32; 3]; n];
    let mut fit = Fit::new(params);
    for k in 0..params.folds {
        let train_on: Vec<usize> = (0..n).filter(|&i| folds[i] != k).collect();
        let lin = fit.linear(&feats, &labels, &train_on);
        for i in (0..n).filter(|&i| folds[i] == k) {
            oof[i] = softmax(lin.logits_of(&feats[i]));
        }
    }
    let xs: Vec<[f32; BLEND_INPUTS]> = examples
        .iter()
        .zip(&oof)
        .map(|(e, p)| blend_inputs(e.rules_score, e.rules_label, *p))
        .collect();
    let ys: Vec<bool> = labels.iter().map(|&c| c == 0).collect();
    // The blend, cross-validated on the out-of-fold inputs.
    let mut blended = vec![Label::Neutral; n];
    for k in 0..params.folds {
        let train_on: Vec<usize> = (0..n).filter(|&i| folds[i] != k).collect();
        let b = fit_blend(&xs, &ys, &train_on);
        for i in (0..n).filter(|&i| folds[i] == k) {
            let e = examples[i];
            blended[i] = b.decide(e.rules_score, e.rules_label, oof[i]).0;
        }
    }
    let rules = Neg::of(examples.iter().map(|e| (e.label, e.rules_label)));
    let with_model = Neg::of(examples.iter().zip(&blended).map(|(e, p)| (e.label, *p)));
    report.rules = Some(rules);
    report.with_model = Some(with_model);
    let wins = bootstrap_wins(examples, &blended, params.seed);
    if with_model.f1 <= rules.f1 || wins < MIN_WINS {
        report.why_not = Some(format!(
            "cross-validated on these labels it does not clearly beat the rules (negative F1 {:.3} against {:.3}, ahead in {:.0}% of resamples)",
            with_model.f1,
            rules.f1,
            wins * 100.0
        ));
        return (None, report);
    }
    let all: Vec<usize> = (0..n).collect();
    let linear = fit.linear(&feats, &labels, &all);
    let blend = fit_blend(&xs, &ys, &all);
    report.used = true;
    (Some(LangModel { linear, blend }), report)
}

/// The share of bootstrap resamples of the examples in which the blended
/// predictions reach a higher negative F1 than the rules'.
fn bootstrap_wins(examples: &[&Example<'_>], blended: &[Label], seed: u64) -> f64 {
    const ROUNDS: usize = 200;
    let n = examples.len();
    if n == 0 {
        return 0.0;
    }
    let mut rng = SplitMix(seed ^ 0xb007);
    let mut wins = 0usize;
    for _ in 0..ROUNDS {
        // True positives and predicted negatives of the rules, then of the
        // blend; gold negatives.
        let mut c = [0usize; 5];
        for _ in 0..n {
            let i = rng.below(n);
            let e = examples[i];
            let g = e.label == Label::Negative;
            let r = e.rules_label == Label::Negative;
            let b = blended[i] == Label::Negative;
            c[0] += usize::from(g && r);
            c[1] += usize::from(r);
            c[2] += usize::from(g && b);
            c[3] += usize::from(b);
            c[4] += usize::from(g);
        }
        let f1 = |tp: usize, predicted: usize| {
            if predicted + c[4] == 0 {
                0.0
            } else {
                2.0 * tp as f64 / (predicted + c[4]) as f64
            }
        };
        wins += usize::from(f1(c[2], c[3]) > f1(c[0], c[1]));
    }
    wins as f64 / ROUNDS as f64
}

/// Each example's fold, `0..folds`, from a seeded shuffle.
fn fold_of(n: usize, folds: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    shuffle(&mut order, seed);
    let mut fold = vec![0; n];
    for (pos, &i) in order.iter().enumerate() {
        fold[i] = pos % folds.max(1);
    }
    fold
}

/// SplitMix64: a small fixed generator, so training comes out the same on
/// every machine and with every version of every crate.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }
}

/// Fisher–Yates with a fixed generator seeded by `seed` (the benchmark's
/// 30/70 splits use it too).
pub fn shuffle<T>(v: &mut [T], seed: u64) {
    let mut rng = SplitMix(seed);
    for i in (1..v.len()).rev() {
        let j = rng.below(i + 1);
        v.swap(i, j);
    }
}

/// The linear model's fit, with the AdaGrad sums kept between fits.
struct Fit<'p> {
    params: &'p Params,
    g2: Vec<f32>,
}

impl<'p> Fit<'p> {
    fn new(params: &'p Params) -> Fit<'p> {
        Fit {
            params,
            g2: Vec::new(),
        }
    }

    /// Multinomial logistic regression on the examples `on`, by SGD with
    /// AdaGrad steps; L2 shrinks each weight a step touches.
    fn linear(&mut self, feats: &[Vec<u32>], labels: &[usize], on: &[usize]) -> Linear {
        let p = self.params;
        let mut m = Linear::zero();
        self.g2.clear();
        self.g2.resize(m.weights.len(), 0.0);
        let mut bias_g2 = [0f32; 3];
        let mut order = on.to_vec();
        let mut rng = SplitMix(p.seed ^ on.len() as u64);
        for _ in 0..p.epochs {
            for i in (1..order.len()).rev() {
                let j = rng.below(i + 1);
                order.swap(i, j);
            }
            for &i in &order {
                let f = &feats[i];
                let mut g = softmax(m.logits_of(f));
                g[labels[i]] -= 1.0;
                for c in 0..3 {
                    bias_g2[c] += g[c] * g[c];
                    m.bias[c] -= p.rate * g[c] / (bias_g2[c].sqrt() + 1e-6);
                }
                let s = scale(f.len());
                for &b in f {
                    let at = b as usize * 3;
                    let ws = &mut m.weights[at..at + 3];
                    let g2 = &mut self.g2[at..at + 3];
                    for ((w, g2), gc) in ws.iter_mut().zip(g2).zip(g) {
                        let grad = gc * s + p.l2 * *w;
                        *g2 += grad * grad;
                        *w -= p.rate * grad / (g2.sqrt() + 1e-6);
                    }
                }
            }
        }
        m
    }
}

/// The blend on the examples `on`: logistic regression by Newton's method
/// (ridge-damped steps on six inputs), then its cut at half the best
/// negative F1 it reaches on them, the cut that is best for calibrated
/// probabilities (Lipton et al., 2014) and steadier on a few labels than
/// the cut that maximised F1 there.
fn fit_blend(xs: &[[f32; BLEND_INPUTS]], ys: &[bool], on: &[usize]) -> Blend {
    const K: usize = BLEND_INPUTS;
    const RIDGE: f64 = 1.0;
    let mut w = [0f64; K];
    for _ in 0..25 {
        let mut grad = [0f64; K];
        let mut hess = [[0f64; K]; K];
        for &i in on {
            let x: [f64; K] = xs[i].map(f64::from);
            let z: f64 = w.iter().zip(&x).map(|(w, x)| w * x).sum();
            let p = 1.0 / (1.0 + (-z).exp());
            let y = if ys[i] { 1.0 } else { 0.0 };
            for a in 0..K {
                grad[a] += (p - y) * x[a];
                for b in 0..K {
                    hess[a][b] += p * (1.0 - p) * x[a] * x[b];
                }
            }
        }
        // Ridge on every weight but the constant's (the last input).
        for a in 0..K - 1 {
            grad[a] += RIDGE * w[a];
            hess[a][a] += RIDGE;
        }
        hess[K - 1][K - 1] += 1e-6;
        let Some(step) = solve(hess, grad) else { break };
        let mut size = 0.0;
        for a in 0..K {
            w[a] -= step[a];
            size += step[a].abs();
        }
        if size < 1e-6 {
            break;
        }
    }
    let blend = Blend {
        w: w.map(|v| v as f32),
        cut: 0.5,
    };
    // The best F1 over every cut: sort by probability, walk down.
    let mut ps: Vec<(f32, bool)> = on
        .iter()
        .map(|&i| (blend.p_negative(&xs[i]), ys[i]))
        .collect();
    ps.sort_by(|a, b| b.0.total_cmp(&a.0));
    let gold = ps.iter().filter(|p| p.1).count();
    let (mut tp, mut best) = (0usize, 0.0f64);
    for (k, &(p, y)) in ps.iter().enumerate() {
        tp += usize::from(y);
        if ps.get(k + 1).is_some_and(|next| next.0 == p) {
            continue;
        }
        best = best.max(2.0 * tp as f64 / (k + 1 + gold) as f64);
    }
    Blend {
        cut: ((best / 2.0) as f32).clamp(0.05, 0.95),
        ..blend
    }
}

/// Solves `a x = b` by Gaussian elimination with partial pivoting; `None`
/// when `a` is singular.
fn solve<const K: usize>(mut a: [[f64; K]; K], mut b: [f64; K]) -> Option<[f64; K]> {
    for col in 0..K {
        let pivot = (col..K).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let (top, below) = a.split_at_mut(col + 1);
        let pivot_row = &top[col];
        for (k, row) in below.iter_mut().enumerate() {
            let f = row[col] / pivot_row[col];
            for (x, p) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                *x -= f * p;
            }
            b[col + 1 + k] -= f * b[col];
        }
    }
    let mut x = [0f64; K];
    for row in (0..K).rev() {
        let s: f64 = (row + 1..K).map(|c| a[row][c] * x[c]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stream where complaints carry no negative word the rules know:
    /// "waar blijft", "nog steeds", "pakket"; the rules call them neutral.
    fn stream(n: usize) -> Vec<(String, Label, Label)> {
        let complaint = [
            "waar blijft mijn pakket",
            "nog steeds niets ontvangen",
            "pakket nog steeds zoek",
        ];
        let neutral = [
            "vandaag een pakket besteld",
            "morgen komt de monteur",
            "de winkel is open tot zes",
        ];
        let praise = [
            "super geholpen, dank",
            "top service",
            "fijn dat het zo snel ging",
        ];
        (0..n)
            .map(|i| match i % 3 {
                0 => (
                    format!("{} {i}", complaint[i % 9 / 3]),
                    Label::Negative,
                    Label::Neutral,
                ),
                1 => (
                    format!("{} {i}", neutral[i % 9 / 3]),
                    Label::Neutral,
                    Label::Neutral,
                ),
                _ => (
                    format!("{} {i}", praise[i % 9 / 3]),
                    Label::Positive,
                    Label::Positive,
                ),
            })
            .collect()
    }

    fn examples(rows: &[(String, Label, Label)]) -> Vec<Example<'_>> {
        rows.iter()
            .map(|(t, gold, rules)| Example {
                text: t,
                lang: Lang::Nl,
                label: *gold,
                rules_score: 0.0,
                rules_label: *rules,
            })
            .collect()
    }

    #[test]
    fn few_labels_train_no_model() {
        let rows = stream(MIN_LABELS - 1);
        let (m, reports) = train(&examples(&rows), &Params::default());
        assert!(m.languages().is_empty());
        let nl = &reports[0];
        assert_eq!((nl.lang, nl.used), (Lang::Nl, false));
        assert!(nl
            .why_not
            .as_deref()
            .unwrap_or("")
            .contains("too few labels"));
        assert_eq!(reports[1].counts, [0, 0, 0]);
    }

    #[test]
    fn a_learnable_stream_gets_a_model_that_finds_its_complaints() {
        let rows = stream(300);
        let (m, reports) = train(&examples(&rows), &Params::default());
        let nl = &reports[0];
        assert!(nl.used, "{nl:?}");
        assert!(
            nl.with_model.unwrap().f1 > nl.rules.unwrap().f1 + 0.5,
            "{nl:?}"
        );
        let p = m
            .score("waar blijft het pakket nou", Lang::Nl)
            .expect("nl model");
        assert!(p[0] > p[1] && p[0] > p[2], "{p:?}");
        // Deterministic: the same examples give the same bytes.
        let (again, _) = train(&examples(&rows), &Params::default());
        assert_eq!(m.to_bytes(), again.to_bytes());
    }

    #[test]
    fn solve_and_shuffle() {
        let x = solve([[2.0, 1.0], [1.0, 3.0]], [3.0, 5.0]).expect("regular");
        assert!((x[0] - 0.8).abs() < 1e-9 && (x[1] - 1.4).abs() < 1e-9);
        assert!(solve([[1.0, 2.0], [2.0, 4.0]], [1.0, 2.0]).is_none());
        let mut v: Vec<u32> = (0..100).collect();
        shuffle(&mut v, 1);
        let mut w: Vec<u32> = (0..100).collect();
        shuffle(&mut w, 1);
        assert_eq!(v, w);
        assert_ne!(v, (0..100).collect::<Vec<_>>());
    }
}
