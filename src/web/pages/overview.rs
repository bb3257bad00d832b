//! The overview (`GET /overview`): per watch, the last 30 days' mentions,
//! negatives, share negative, open vs handled, median and p90 time to
//! handle and top sources, and bar charts of mentions and negatives per
//! local day over 30 and 90 days (SVG from `web::chart`). The figures are
//! `earshot stats`'s own (`stats::figures` over the store's stat
//! rows), so the page and the command never disagree.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::stats::{figures, Period, Row as StatRow};
use crate::store::{StatMention, StatSource};
use crate::web::chart::{self, Chart, DayCount};
use crate::web::i18n::{Lang, Messages};
use crate::web::{AppState, CurrentUser, WebError};

use super::{render, shown, Page, UiLang};

/// The sources listed per watch.
const TOP_SOURCES: usize = 5;

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
    let since = first_instant(now, tz, 90);
    let (mentions, sources) = state
        .read(move |s| Ok((s.stat_mentions(since, &[])?, s.stat_sources(since, &[])?)))
        .await?;
    let names: Vec<String> = config.watches.iter().map(|w| w.name.clone()).collect();
    let view = OverviewPage {
        page: Page::new(lang, &user, "overview", tz, "/overview"),
        t: lang.t(),
        watches: blocks(&names, &mentions, &sources, now, tz, lang),
    };
    render(&view)
}

/// The first instant of the last `days` local days up to `now`'s.
fn first_instant(now: DateTime<Utc>, tz: Tz, days: u64) -> DateTime<Utc> {
    let today = crate::localtime::date(now, tz);
    let first = today
        .checked_sub_days(chrono::Days::new(days - 1))
        .unwrap_or(today);
    crate::localtime::midnight(first, tz)
}

/// One block per watch: the configured ones in their order, then any other
/// the rows name (a watch since removed from the config).
fn blocks(
    configured: &[String],
    mentions: &[StatMention],
    sources: &[StatSource],
    now: DateTime<Utc>,
    tz: Tz,
    lang: Lang,
) -> Vec<WatchBlock> {
    let t = lang.t();
    let today = crate::localtime::date(now, tz);
    let mut days: BTreeMap<String, Vec<DayCount>> = BTreeMap::new();
    for r in figures(mentions, sources, tz, Period::Day) {
        days.entry(r.watch.clone()).or_default().push(DayCount {
            day: r.period,
            mentions: r.mentions,
            negative: r.negative,
        });
    }
    let since30 = first_instant(now, tz, 30);
    let totals: BTreeMap<String, StatRow> = window(mentions, sources, since30, tz)
        .into_iter()
        .map(|r| (r.watch.clone(), r))
        .collect();
    let mut names: Vec<String> = configured.to_vec();
    for w in days.keys() {
        if !names.contains(w) {
            names.push(w.clone());
        }
    }
    names
        .into_iter()
        .map(|name| {
            let counts = days.get(&name).map(Vec::as_slice).unwrap_or(&[]);
            let chart = |n: usize| {
                let title = lang.per_day(&name, n);
                chart::daily(
                    today,
                    n,
                    counts,
                    chart::Words {
                        title: &title,
                        mentions: t.mentions,
                        negative: t.negative,
                    },
                )
            };
            let total = totals.get(&name);
            let count = |f: fn(&StatRow) -> u64| total.map_or(0, f);
            let mut top: Vec<(String, u64)> = total
                .map(|r| r.sources.iter().map(|(s, n)| (shown(s), *n)).collect())
                .unwrap_or_default();
            top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            top.truncate(TOP_SOURCES);
            let (m, neg) = (count(|r| r.mentions), count(|r| r.negative));
            WatchBlock {
                chart30: chart(30),
                chart90: chart(90),
                name: shown(&name),
                mentions: m,
                negative: neg,
                share_negative: (neg * 100 + m / 2)
                    .checked_div(m)
                    .map_or_else(|| "—".into(), |p| format!("{p}%")),
                open: count(|r| r.open),
                handled: count(|r| r.handled),
                median: lang.duration(total.and_then(|r| r.median_time_to_handle_s)),
                p90: lang.duration(total.and_then(|r| r.p90_time_to_handle_s)),
                top_sources: top,
            }
        })
        .collect()
}

/// `earshot stats`'s figures per watch over the whole window from `since`:
/// every row is moved into one period (the window's first instant) with its
/// time to handle kept, so `figures` groups the window as one day and its
/// median and p90 are over every mention handled in it.
fn window(
    mentions: &[StatMention],
    sources: &[StatSource],
    since: DateTime<Utc>,
    tz: Tz,
) -> Vec<StatRow> {
    let moved: Vec<StatMention> = mentions
        .iter()
        .filter(|m| m.found_at >= since)
        .map(|m| StatMention {
            watch: m.watch.clone(),
            found_at: since,
            state: m.state,
            negative: m.negative,
            handled_at: m.handled_at.map(|h| since + (h - m.found_at)),
        })
        .collect();
    let moved_sources: Vec<StatSource> = sources
        .iter()
        .filter(|s| s.found_at >= since)
        .map(|s| StatSource {
            watch: s.watch.clone(),
            found_at: since,
            source: s.source.clone(),
        })
        .collect();
    figures(&moved, &moved_sources, tz, Period::Day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::State as S;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("time")
            .with_timezone(&Utc)
    }

    fn m(watch: &str, found: &str, state: S, negative: bool, handled: Option<&str>) -> StatMention {
        StatMention {
            watch: watch.into(),
            found_at: at(found),
            state,
            negative,
            handled_at: handled.map(at),
        }
    }

    #[test]
    fn window_figures_over_thirty_days() {
        let tz = chrono_tz::Europe::Amsterdam;
        let now = at("2026-11-30T12:00:00Z");
        let mentions = vec![
            // Outside the 30 days (but inside 90): charted, not counted.
            m(
                "acme",
                "2026-10-01T10:00:00Z",
                S::Handled,
                true,
                Some("2026-10-01T11:00:00Z"),
            ),
            m(
                "acme",
                "2026-11-10T10:00:00Z",
                S::Handled,
                true,
                Some("2026-11-10T10:10:00Z"),
            ),
            m(
                "acme",
                "2026-11-20T10:00:00Z",
                S::Handled,
                false,
                Some("2026-11-21T10:00:00Z"),
            ),
            m("acme", "2026-11-29T10:00:00Z", S::New, true, None),
            m("acme", "2026-11-30T10:00:00Z", S::Assigned, false, None),
            m("gone", "2026-11-30T09:00:00Z", S::New, true, None),
        ];
        let sources = vec![
            StatSource {
                watch: "acme".into(),
                found_at: at("2026-11-10T10:00:00Z"),
                source: "nu".into(),
            },
            StatSource {
                watch: "acme".into(),
                found_at: at("2026-11-20T10:00:00Z"),
                source: "nu".into(),
            },
            StatSource {
                watch: "acme".into(),
                found_at: at("2026-11-29T10:00:00Z"),
                source: "reddit".into(),
            },
        ];
        let b = blocks(
            &["acme".into(), "idle".into()],
            &mentions,
            &sources,
            now,
            tz,
            Lang::En,
        );
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
}
