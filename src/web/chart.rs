//! Daily bar charts of mentions, drawn on the server as SVG: one bar per
//! local day, its negative part stacked at the bottom in the warning
//! colour, axis labels, and a `<title>` per bar that a browser shows on
//! hover. The overview page puts the SVG inline, so nothing is fetched from
//! a CDN and no script runs. The geometry is computed here and written by an
//! auto-escaping askama template (`templates/chart.svg`): every number and
//! word passes its escaper. Never does I/O, never reads a clock, and the
//! drawing is bounded: at most [`MAX_DAYS`] bars in a fixed view box.

use std::collections::BTreeMap;

use askama::Template;
use chrono::NaiveDate;

/// The most bars one chart draws (a year and a day); longer ranges are cut
/// to their last `MAX_DAYS` days.
pub const MAX_DAYS: usize = 366;

/// The view box; the page's CSS scales the chart to its column.
const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 200.0;
/// Room for the y-axis labels, the x-axis labels, and a little air.
const LEFT: f64 = 44.0;
const RIGHT: f64 = 6.0;
const TOP: f64 = 8.0;
const BOTTOM: f64 = 22.0;

/// One day's counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayCount {
    pub day: NaiveDate,
    pub mentions: u64,
    pub negative: u64,
}

/// The words a chart shows, in the page's language.
#[derive(Debug, Clone, Copy)]
pub struct Words<'a> {
    /// The chart's accessible name (`<title>` of the whole SVG).
    pub title: &'a str,
    pub mentions: &'a str,
    pub negative: &'a str,
}

/// One bar: the whole day's height and its negative part, from the bottom.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub day: NaiveDate,
    pub mentions: u64,
    pub negative: u64,
    pub x: f64,
    pub width: f64,
    /// Top of the bar and height of the non-negative part.
    pub rest_y: f64,
    pub rest_height: f64,
    /// Top and height of the negative part (below the rest).
    pub neg_y: f64,
    pub neg_height: f64,
    /// The hover text: date and counts.
    pub tip: String,
}

/// A label on an axis, at a position.
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    pub x: f64,
    pub y: f64,
    pub text: String,
    /// `text-anchor`: the first date starts at its bar, the last ends at
    /// its bar, so neither runs out of the view box.
    pub anchor: &'static str,
}

/// A chart ready to write: render it with [`Template::render`], or put it
/// into a page template as `{{ chart|safe }}` (it escaped its own text).
#[derive(Debug, Clone, Template)]
#[template(path = "chart.svg")]
pub struct Chart {
    pub title: String,
    pub bars: Vec<Bar>,
    /// Horizontal grid lines with their value on the left.
    pub y_ticks: Vec<Tick>,
    /// Dates under the first, middle and last bar.
    pub x_ticks: Vec<Tick>,
    pub width: f64,
    pub height: f64,
    pub plot_left: f64,
    pub plot_right: f64,
    pub baseline: f64,
}

/// A bar per day for the `days` days ending on `last` (cut to [`MAX_DAYS`]),
/// from `counts`; a day without counts is a bar of height zero (still with
/// its hover text), counts of the same day add up, counts outside the range
/// are left out. Heights are proportional to mentions, against a rounded-up
/// maximum shown on the y axis.
pub fn daily(last: NaiveDate, days: usize, counts: &[DayCount], words: Words<'_>) -> Chart {
    let days = days.clamp(1, MAX_DAYS);
    let first = last
        .checked_sub_days(chrono::Days::new(days as u64 - 1))
        .unwrap_or(last);
    let mut by_day: BTreeMap<NaiveDate, (u64, u64)> = BTreeMap::new();
    for c in counts.iter().filter(|c| c.day >= first && c.day <= last) {
        let e = by_day.entry(c.day).or_default();
        e.0 = e.0.saturating_add(c.mentions);
        e.1 = e.1.saturating_add(c.negative.min(c.mentions));
    }
    let top = nice_ceiling(by_day.values().map(|v| v.0).max().unwrap_or(0));
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let baseline = TOP + plot_h;
    let slot = plot_w / days as f64;
    let width = (slot * 0.8).max(0.5);
    let scale = |n: u64| n as f64 / top as f64 * plot_h;
    let bars: Vec<Bar> = first
        .iter_days()
        .take(days)
        .enumerate()
        .map(|(i, day)| {
            let (mentions, negative) = by_day.get(&day).copied().unwrap_or((0, 0));
            let neg_height = scale(negative);
            let rest_height = scale(mentions) - neg_height;
            Bar {
                day,
                mentions,
                negative,
                x: round(LEFT + i as f64 * slot + (slot - width) / 2.0),
                width: round(width),
                neg_y: round(baseline - neg_height),
                neg_height: round(neg_height),
                rest_y: round(baseline - neg_height - rest_height),
                rest_height: round(rest_height),
                tip: format!(
                    "{day}: {mentions} {}, {negative} {}",
                    words.mentions, words.negative
                ),
            }
        })
        .collect();
    let y_ticks = [0, top / 2, top]
        .into_iter()
        .enumerate()
        // The middle line only where it is a round number too.
        .filter(|&(i, v)| i != 1 || (v > 0 && top.is_multiple_of(2)))
        .map(|(_, v)| Tick {
            x: LEFT - 6.0,
            y: round(baseline - scale(v)),
            text: v.to_string(),
            anchor: "end",
        })
        .collect::<Vec<_>>();
    let mut x_ticks = Vec::new();
    for i in [0, days / 2, days - 1] {
        if x_ticks.iter().any(|t: &(usize, Tick)| t.0 == i) {
            continue;
        }
        if let Some(b) = bars.get(i) {
            let (x, anchor) = match i {
                0 => (b.x, "start"),
                i if i == days - 1 => (b.x + b.width, "end"),
                _ => (b.x + b.width / 2.0, "middle"),
            };
            x_ticks.push((
                i,
                Tick {
                    x: round(x),
                    y: HEIGHT - 6.0,
                    text: b.day.to_string(),
                    anchor,
                },
            ));
        }
    }
    Chart {
        title: words.title.to_string(),
        bars,
        y_ticks,
        x_ticks: x_ticks.into_iter().map(|(_, t)| t).collect(),
        width: WIDTH,
        height: HEIGHT,
        plot_left: LEFT,
        plot_right: WIDTH - RIGHT,
        baseline,
    }
}

/// The smallest 1, 2 or 5 × 10ⁿ at or above `n` (1 for 0), so the axis
/// reads in round numbers.
fn nice_ceiling(n: u64) -> u64 {
    let mut step: u64 = 1;
    loop {
        for m in [1, 2, 5] {
            let v = step.saturating_mul(m);
            if v >= n || v == u64::MAX {
                return v.max(1);
            }
        }
        step = step.saturating_mul(10);
    }
}

/// A coordinate to a tenth of a pixel: short output, no float noise.
fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORDS: Words<'static> = Words {
        title: "acme: mentions per day",
        mentions: "mentions",
        negative: "negative",
    };

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn count(day: &str, mentions: u64, negative: u64) -> DayCount {
        DayCount {
            day: d(day),
            mentions,
            negative,
        }
    }

    #[test]
    fn one_bar_per_day_heights_proportional() {
        let c = daily(
            d("2026-11-30"),
            30,
            &[count("2026-11-30", 10, 4), count("2026-11-29", 5, 0)],
            WORDS,
        );
        assert_eq!(c.bars.len(), 30);
        assert_eq!(c.bars[0].day, d("2026-11-01"));
        let last = &c.bars[29];
        let before = &c.bars[28];
        let total = |b: &Bar| b.rest_height + b.neg_height;
        assert!((total(last) - 2.0 * total(before)).abs() < 0.2, "{c:?}");
        assert!((last.neg_height / total(last) - 0.4).abs() < 0.01);
        // The negative part sits on the baseline, the rest on top of it.
        assert!((last.neg_y + last.neg_height - c.baseline).abs() < 0.1);
        assert!((last.rest_y + last.rest_height - last.neg_y).abs() < 0.1);
        // 10 is already round: the tallest bar fills the plot.
        assert!((last.rest_y - TOP).abs() < 0.1);
        let svg = c.render().expect("render");
        assert_eq!(svg.matches("<g class=\"bar\">").count(), 30);
        assert!(svg.contains("<title>2026-11-30: 10 mentions, 4 negative</title>"));
        assert!(svg.contains(">2026-11-01<") && svg.contains(">2026-11-30<"));
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn empty_series_draws_flat_bars_and_an_axis() {
        let c = daily(d("2026-11-30"), 90, &[], WORDS);
        assert_eq!(c.bars.len(), 90);
        assert!(c
            .bars
            .iter()
            .all(|b| b.rest_height == 0.0 && b.neg_height == 0.0));
        let texts: Vec<&str> = c.y_ticks.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(texts, ["0", "1"]);
        let svg = c.render().expect("render");
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
        assert_eq!(svg.matches("<title>").count(), 91);
    }

    #[test]
    fn axis_rounds_up_and_out_of_range_days_are_left_out() {
        let c = daily(
            d("2026-11-30"),
            30,
            &[
                count("2026-11-30", 7, 9), // more negative than mentions: capped
                count("2026-11-30", 6, 0), // same day: added
                count("2026-10-01", 1000, 0),
                count("2026-12-01", 1000, 0),
            ],
            WORDS,
        );
        let texts: Vec<&str> = c.y_ticks.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(texts, ["0", "10", "20"]);
        let last = &c.bars[29];
        assert_eq!((last.mentions, last.negative), (13, 7));
        assert!((last.rest_height + last.neg_height - 0.65 * (HEIGHT - TOP - BOTTOM)).abs() < 0.2);
    }

    #[test]
    fn sizes_are_bounded() {
        let c = daily(
            d("2026-11-30"),
            100_000,
            &[count("2026-11-30", u64::MAX, u64::MAX)],
            WORDS,
        );
        assert_eq!(c.bars.len(), MAX_DAYS);
        for b in &c.bars {
            assert!(
                b.x >= LEFT - 0.1 && b.x + b.width <= WIDTH - RIGHT + 0.1,
                "{b:?}"
            );
            assert!(b.rest_y >= TOP - 0.1 && b.neg_y + b.neg_height <= c.baseline + 0.1);
        }
        let one = daily(d("2026-11-30"), 0, &[], WORDS);
        assert_eq!(one.bars.len(), 1);
        assert_eq!(one.x_ticks.len(), 1);
    }

    #[test]
    fn words_are_escaped() {
        let c = daily(
            d("2026-11-30"),
            2,
            &[count("2026-11-30", 1, 1)],
            Words {
                title: "<script>alert(1)</script> & \"x\"",
                mentions: "<b>",
                negative: "neg",
            },
        );
        let svg = c.render().expect("render");
        assert!(!svg.contains("<script>") && !svg.contains("<b>"), "{svg}");
        assert!(svg.contains("&#60;script&#62;"), "{svg}");
    }

    #[test]
    fn nice_ceilings() {
        let cases = [
            (0, 1),
            (1, 1),
            (3, 5),
            (7, 10),
            (10, 10),
            (11, 20),
            (201, 500),
        ];
        for (n, want) in cases {
            assert_eq!(nice_ceiling(n), want, "{n}");
        }
        assert_eq!(nice_ceiling(u64::MAX), u64::MAX);
    }
}
