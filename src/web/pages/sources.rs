//! The sources' health (`GET /sources`): each source's status, last poll,
//! last success, failures in a row, last error in full, items in its last
//! fetch and mentions, failing sources first (longest failing first), as
//! `earshot sources` reads them from the store. Configured sources never
//! polled yet get a row too.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use crate::store::SourceReport;
use crate::web::i18n::{Lang, Messages};
use crate::web::{AppState, CurrentUser, WebError};

use super::{local_or, render, shown, web_link, Page, UiLang};

pub struct SourceRow {
    pub name: String,
    pub kind: String,
    pub url: String,
    pub href: Option<String>,
    pub failing: bool,
    pub status: String,
    pub last_poll: String,
    pub last_success: String,
    pub failures: i64,
    pub last_error: String,
    pub last_error_at: String,
    pub items: i64,
    pub mentions: i64,
}

#[derive(Template)]
#[template(path = "sources.html")]
struct SourcesPage {
    page: Page,
    t: &'static Messages,
    rows: Vec<SourceRow>,
}

pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    UiLang(lang): UiLang,
) -> Result<Response, WebError> {
    let mut reports = state.read(|s| s.source_reports()).await?;
    let config = state.config();
    for s in &config.sources {
        if !reports.iter().any(|r| r.name == s.name) {
            reports.push(SourceReport::never_polled(
                s.name.clone(),
                s.kind().to_string(),
                s.locator(),
            ));
        }
    }
    let tz = config.daemon.timezone;
    let view = SourcesPage {
        page: Page::new(lang, &user, "sources", tz, "/sources"),
        t: lang.t(),
        rows: rows(reports, lang, tz),
    };
    render(&view)
}

/// Failing first (the longest failing first), then by name.
fn rows(mut reports: Vec<SourceReport>, lang: Lang, tz: chrono_tz::Tz) -> Vec<SourceRow> {
    let t = lang.t();
    reports.sort_by(|a, b| {
        let failing = |r: &SourceReport| r.consecutive_failures > 0;
        failing(b)
            .cmp(&failing(a))
            .then(a.failing_since.cmp(&b.failing_since))
            .then(a.name.cmp(&b.name))
    });
    reports
        .into_iter()
        .map(|r| {
            let failing = r.consecutive_failures > 0;
            SourceRow {
                status: if failing {
                    t.failing.to_string()
                } else if r.last_poll_at.is_none() {
                    t.never.to_string()
                } else {
                    t.ok.to_string()
                },
                name: shown(&r.name),
                kind: r.kind,
                href: web_link(&r.url),
                url: shown(&r.url),
                failing,
                last_poll: local_or(r.last_poll_at, tz, t.never),
                last_success: local_or(r.last_success_at, tz, t.never),
                failures: r.consecutive_failures,
                last_error: r.last_error.as_deref().map(shown).unwrap_or_default(),
                last_error_at: r
                    .last_error_at
                    .map(|at| crate::localtime::human(at, tz))
                    .unwrap_or_default(),
                items: r.items,
                mentions: r.mentions,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failing_sources_first() {
        let at = |s: i64| chrono::DateTime::from_timestamp(s, 0);
        let mut a = SourceReport::never_polled("a".into(), "feed".into(), "javascript:x".into());
        a.last_poll_at = at(100);
        let mut b =
            SourceReport::never_polled("b".into(), "feed".into(), "https://b.example/".into());
        b.consecutive_failures = 2;
        b.failing_since = at(50);
        b.last_error = Some("HTTP 503 from https://b.example/".into());
        let mut c =
            SourceReport::never_polled("c".into(), "feed".into(), "https://c.example/".into());
        c.consecutive_failures = 9;
        c.failing_since = at(10);
        let d = SourceReport::never_polled("d".into(), "feed".into(), "https://d.example/".into());
        let rows = rows(vec![a, b, c, d], Lang::En, chrono_tz::UTC);
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["c", "b", "a", "d"]);
        assert_eq!(rows[1].status, "failing");
        assert_eq!(rows[1].last_error, "HTTP 503 from https://b.example/");
        assert_eq!(rows[2].status, "ok");
        assert_eq!(rows[2].href, None, "a javascript: URL is no link");
        assert_eq!(rows[3].status, "never");
    }
}
