//! The overview (`GET /overview`): per watch, the last 30 days' mentions,
//! negatives, share negative, open vs handled, median and p90 time to
//! handle and top sources, and bar charts of mentions and negatives per
//! local day over 30 and 90 days (SVG from `web::chart`). The figures are
//! `earshot stats`'s (the same counts, `stats::nearest_rank` for the
//! percentiles), but counted by the store in one pass over spans of one
//! local day each ([`Store::activity`](crate::store::Store::activity)):
//! 90 days of a large inbox are a quarter million mentions.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::stats::nearest_rank;
use crate::store::{Activity, SpanCount};
use crate::web::chart::{self, Chart, DayCount};
use crate::web::i18n::{Lang, Messages};
use crate::web::{AppState, CurrentUser, WebError};

use super::{render, shown, Page, UiLang};

/// The sources listed per watch.
const TOP_SOURCES: usize = 5;
/// The days charted (the longer chart).
const CHART_DAYS: usize = 90;
/// The days the figures are over (and the shorter chart).
const WINDOW_DAYS: usize = 30;

pub struct WatchBlock {
    pub name: String,
    pub mentions: u64,
    pub negative: u64,
    pub share_negative: String,
    pub open: u64,
    pub handled: u64,
    pub median: String,
    pub p90: String,
    pub top_sources: Vec<(String, u64)>,
    pub chart30: Chart,
    pub chart90: Chart,
}

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    page: Page,
    t: &'static Messages,
    watches: Vec<WatchBlock>,
}

pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    UiLang(lang): UiLang,
) -> Result<Response, WebError> {
    let config = state.config();
    let tz = config.daemon.timezone;
    let now = Utc::now();
    let days = Days::up_to(now, tz);
    let (bounds, window) = (days.bounds(tz), days.window(tz));
    let activity = state.read(move |s| s.activity(&bounds, window)).await?;
    let names: Vec<String> = config.watches.iter().map(|w| w.name.clone()).collect();
    let view = OverviewPage {
        page: Page::new(lang, &user, "overview", tz, "/overview"),
        t: lang.t(),
        watches: blocks(&names, &activity, &days, lang),
    };
    render(&view)
}

/// The last [`CHART_DAYS`] local days up to today.
struct Days {
    first: NaiveDate,
    today: NaiveDate,
}

impl Days {
    fn up_to(now: DateTime<Utc>, tz: Tz) -> Days {
        let today = crate::localtime::date(now, tz);
        let first = today
            .checked_sub_days(chrono::Days::new(CHART_DAYS as u64 - 1))
            .unwrap_or(today);
        Days { first, today }
    }

    /// The `i`th day (0 is the first).
    fn day(&self, i: usize) -> NaiveDate {
        self.first
            .checked_add_days(chrono::Days::new(i as u64))
            .unwrap_or(self.today)
    }

    /// The store's spans: one per day, from its local midnight to the
    /// next, then one from tomorrow's midnight on (a clock behind the
    /// daemon's: counted in the figures, as `stats` does, never charted).
    fn bounds(&self, tz: Tz) -> Vec<DateTime<Utc>> {
        (0..=CHART_DAYS)
            .map(|i| crate::localtime::midnight(self.day(i), tz))
            .collect()
    }

    /// The first instant of the last [`WINDOW_DAYS`] days.
    fn window(&self, tz: Tz) -> DateTime<Utc> {
        crate::localtime::midnight(self.day(CHART_DAYS - WINDOW_DAYS), tz)
    }
}

/// One block per watch: the configured ones in their order, then any other
/// the store counted (a watch since removed from the config), by name.
fn blocks(
    configured: &[String],
    activity: &[Activity],
    days: &Days,
    lang: Lang,
) -> Vec<WatchBlock> {
    let t = lang.t();
    let by_name: BTreeMap<&str, &Activity> =
        activity.iter().map(|a| (a.watch.as_str(), a)).collect();
    let mut names: Vec<String> = configured.to_vec();
    for w in by_name.keys() {
        if !names.iter().any(|n| n == w) {
            names.push(w.to_string());
        }
    }
    names
        .into_iter()
        .map(|name| {
            let a = by_name.get(name.as_str()).copied();
            let spans = a.map_or(&[][..], |a| a.spans.as_slice());
            let counts: Vec<DayCount> = spans
                .iter()
                .take(CHART_DAYS)
                .enumerate()
                .filter(|(_, c)| c.mentions > 0)
                .map(|(i, c)| DayCount {
                    day: days.day(i),
                    mentions: c.mentions,
                    negative: c.negative,
                })
                .collect();
            let chart = |n: usize| {
                let title = lang.per_day(&name, n);
                chart::daily(
                    days.today,
                    n,
                    &counts,
                    chart::Words {
                        title: &title,
                        mentions: t.mentions,
                        negative: t.negative,
                    },
                )
            };
            // The window's days and whatever came after.
            let mut total = SpanCount::default();
            for c in spans.iter().skip(CHART_DAYS - WINDOW_DAYS) {
                total.add(c);
            }
            let mut times = a.map(|a| a.handle_times.clone()).unwrap_or_default();
            times.sort_unstable();
            let mut top: Vec<(String, u64)> = a
                .map(|a| a.sources.iter().map(|(s, n)| (shown(s), *n)).collect())
                .unwrap_or_default();
            top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            top.truncate(TOP_SOURCES);
            let (m, neg) = (total.mentions, total.negative);
            WatchBlock {
                chart30: chart(WINDOW_DAYS),
                chart90: chart(CHART_DAYS),
                name: shown(&name),
                mentions: m,
                negative: neg,
                share_negative: (neg * 100 + m / 2)
                    .checked_div(m)
                    .map_or_else(|| "—".into(), |p| format!("{p}%")),
                open: total.open(),
                handled: total.handled,
                median: lang.duration(nearest_rank(&times, 50)),
                p90: lang.duration(nearest_rank(&times, 90)),
                top_sources: top,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{StatMention, State as S, Store};

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("time")
            .with_timezone(&Utc)
    }

    fn m(
        watch: &str,
        found: &str,
        state: S,
        negative: bool,
        handled: Option<&str>,
        sources: &[&str],
    ) -> (StatMention, Vec<String>) {
        (
            StatMention {
                watch: watch.into(),
                found_at: at(found),
                state,
                negative,
                handled_at: handled.map(at),
            },
            sources.iter().map(|s| s.to_string()).collect(),
        )
    }

    /// The figures `stats::figures` gave for these mentions when the page
    /// computed them from `stat_mentions` rows, now counted by the store.
    #[test]
    fn window_figures_over_thirty_days() {
        let tz = chrono_tz::Europe::Amsterdam;
        let now = at("2026-11-30T12:00:00Z");
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("t.db")).expect("store");
        store
            .insert_stat_rows(&[
                // Before the 90 days: neither charted nor counted.
                m("acme", "2026-08-01T10:00:00Z", S::New, true, None, &["nu"]),
                // Outside the 30 days (but inside 90): charted, not counted.
                m(
                    "acme",
                    "2026-10-01T10:00:00Z",
                    S::Handled,
                    true,
                    Some("2026-10-01T11:00:00Z"),
                    &["nu"],
                ),
                m(
                    "acme",
                    "2026-11-10T10:00:00Z",
                    S::Handled,
                    true,
                    Some("2026-11-10T10:10:00Z"),
                    &["nu"],
                ),
                m(
                    "acme",
                    "2026-11-20T10:00:00Z",
                    S::Handled,
                    false,
                    Some("2026-11-21T10:00:00Z"),
                    &["nu"],
                ),
                m(
                    "acme",
                    "2026-11-29T10:00:00Z",
                    S::New,
                    true,
                    None,
                    &["reddit"],
                ),
                m(
                    "acme",
                    "2026-11-30T10:00:00Z",
                    S::Assigned,
                    false,
                    None,
                    &[],
                ),
                m("gone", "2026-11-30T09:00:00Z", S::New, true, None, &[]),
            ])
            .expect("rows");
        let days = Days::up_to(now, tz);
        let activity = store
            .activity(&days.bounds(tz), days.window(tz))
            .expect("activity");
        let b = blocks(&["acme".into(), "idle".into()], &activity, &days, Lang::En);
        let names: Vec<&str> = b.iter().map(|w| w.name.as_str()).collect();
        assert_eq!(names, ["acme", "idle", "gone"]);
        let acme = &b[0];
        assert_eq!(
            (acme.mentions, acme.negative, acme.open, acme.handled),
            (4, 2, 2, 2)
        );
        assert_eq!(acme.share_negative, "50%");
        // Handled after 10 minutes and after a day: nearest-rank median is
        // the first, p90 the second.
        assert_eq!(acme.median, "10 min");
        assert_eq!(acme.p90, "1 d 00 h");
        assert_eq!(
            acme.top_sources,
            [("nu".to_string(), 2), ("reddit".to_string(), 1)]
        );
        assert_eq!(acme.chart30.bars.len(), 30);
        assert_eq!(acme.chart90.bars.len(), 90);
        let charted: u64 = acme.chart90.bars.iter().map(|b| b.mentions).sum();
        assert_eq!(charted, 5);
        let idle = &b[1];
        assert_eq!((idle.mentions, idle.share_negative.as_str()), (0, "—"));
        assert_eq!(idle.median, "—");
    }

    /// The spans are local days, summer time and winter time alike.
    #[test]
    fn days_are_local() {
        let tz = chrono_tz::Europe::Amsterdam;
        let days = Days::up_to(at("2026-11-30T23:30:00Z"), tz);
        assert_eq!(days.today.to_string(), "2026-12-01");
        let bounds = days.bounds(tz);
        assert_eq!(bounds.len(), CHART_DAYS + 1);
        assert_eq!(bounds[0], at("2026-09-02T22:00:00Z"));
        assert_eq!(bounds[CHART_DAYS], at("2026-12-01T23:00:00Z"));
        assert_eq!(days.window(tz), at("2026-11-01T23:00:00Z"));
    }
}
