//! Turns stored mentions into what a webcare team reads: alert and digest
//! emails (subject, plain text, HTML) and the JSON bodies of chat webhooks
//! (generic, Slack, Teams, Discord, Mattermost).
//!
//! Rendering is kept apart from sending so it can be tested without a network
//! and so the dispatcher has nothing to decide about text. These functions do
//! no I/O and cannot fail: any input gives some output, never a panic. Every
//! string in a [`Mention`] comes from the internet and is hostile; it is
//! cleaned of control characters and escaped for its target (email header,
//! HTML, Slack mrkdwn, Markdown, JSON) here and nowhere else, and only
//! `http`/`https` URLs ever become links.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};
use url::Url;

use crate::store::Mention;
use crate::text;

/// One email: subject, plain-text body, HTML body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// A failed delivery to report in a digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedDelivery {
    pub mention_id: i64,
    pub notifier: String,
    pub error: String,
    pub title: String,
}

/// Digest: one email per route and period.
#[derive(Debug, Clone, Copy)]
pub struct DigestInfo<'a> {
    pub route: &'a str,
    /// Free text naming the period, e.g. "hourly digest 2026-11-22 14:00–15:00".
    pub period: &'a str,
}

/// The chat dialects a webhook notifier can speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookFormat {
    Generic,
    Slack,
    Teams,
    Discord,
    Mattermost,
}

/// Subject lines are cut to this many chars.
const SUBJECT_MAX: usize = 150;
/// Full text in an alert email is cut to this many chars.
const EMAIL_TEXT_MAX: usize = 20_000;
/// A digest lists at most this many mentions (the counts cover all of them).
const DIGEST_ITEMS_MAX: usize = 300;
/// A digest lists at most this many failed deliveries.
const DIGEST_FAILED_MAX: usize = 100;
/// Links longer than this are not offered (the next candidate is tried).
const URL_MAX: usize = 2048;

// ---------------------------------------------------------------------------
// Email

/// Instant alert for one mention.
pub fn mention_email(m: &Mention) -> Email {
    Email {
        subject: mention_subject(m),
        text: mention_text(m),
        html: mention_html(m),
    }
}

fn mention_subject(m: &Mention) -> String {
    let mut head = format!("[earshot] {}", cut(&one_line(&m.watch), 40));
    if let Some(label) = label(m) {
        head.push_str(" · ");
        head.push_str(&cut(&label, 20));
    }
    if let Some(source) = m.sources.first().map(|s| one_line(s)) {
        if !source.is_empty() {
            head.push_str(" · ");
            head.push_str(&cut(&source, 40));
        }
    }
    let room = SUBJECT_MAX.saturating_sub(head.chars().count() + 4);
    let subject = format!("{head}: \"{}\"", cut(&title(m), room));
    cut(&subject, SUBJECT_MAX)
}

fn mention_text(m: &Mention) -> String {
    let mut out = String::new();
    out.push_str(&title(m));
    out.push_str("\n\n");
    for (name, value) in facts(m) {
        out.push_str(&format!("{:<11}{value}\n", format!("{name}:")));
    }
    match web_link(m) {
        Some(link) => out.push_str(&format!("{:<11}{link}\n", "Link:")),
        None => out.push_str(&format!("{:<11}(no web link)\n", "Link:")),
    }
    let snippet = one_line(&m.snippet);
    if !snippet.is_empty() {
        out.push_str("\nSnippet:\n");
        out.push_str(&highlighted(
            &snippet,
            &m.terms,
            |s, o| o.push_str(s),
            "**",
            "**",
        ));
        out.push('\n');
    }
    let body = multi_line(&m.text);
    if !body.is_empty() {
        out.push_str("\nFull text:\n");
        out.push_str(&cut(&body, EMAIL_TEXT_MAX));
        out.push('\n');
    }
    out.push_str(&format!("\n-- \nearshot mention #{}\n", m.id));
    out
}

fn mention_html(m: &Mention) -> String {
    let tone = tone(m);
    let title = title(m);
    let mut out = html_head(&title);
    out.push_str(&format!(
        "<div style=\"border-left:4px solid {};padding:4px 12px\">\n<h2 style=\"margin:0 0 8px\">",
        tone.hex()
    ));
    out.push_str(&html_link(web_link(m).as_deref(), &title));
    out.push_str("</h2>\n<table cellpadding=\"2\" style=\"border-collapse:collapse\">\n");
    for (name, value) in facts(m) {
        out.push_str(&format!(
            "<tr><th align=\"left\" style=\"padding-right:12px\">{name}</th><td>{}</td></tr>\n",
            html(&value)
        ));
    }
    let link = match web_link(m) {
        Some(link) => html_link(Some(&link), &link),
        None => match m.url.as_deref().or(m.canonical_url.as_deref()) {
            Some(raw) => format!(
                "<code>{}</code> (not a web link)",
                html(&cut(&one_line(raw), 300))
            ),
            None => "(none)".to_string(),
        },
    };
    out.push_str(&format!(
        "<tr><th align=\"left\" style=\"padding-right:12px\">Link</th><td>{link}</td></tr>\n</table>\n"
    ));
    let snippet = one_line(&m.snippet);
    if !snippet.is_empty() {
        out.push_str("<h3>Snippet</h3>\n<p>");
        out.push_str(&highlighted(
            &snippet, &m.terms, html_into, "<mark>", "</mark>",
        ));
        out.push_str("</p>\n");
    }
    let body = multi_line(&m.text);
    if !body.is_empty() {
        out.push_str("<h3>Full text</h3>\n<div style=\"white-space:pre-wrap\">");
        out.push_str(&html(&cut(&body, EMAIL_TEXT_MAX)));
        out.push_str("</div>\n");
    }
    out.push_str(&format!(
        "<p style=\"color:#777;font-size:12px\">earshot mention #{}</p>\n</div>\n</body>\n</html>\n",
        m.id
    ));
    out
}

/// Digest of many mentions (and the deliveries that failed) for one route.
pub fn digest_email(
    info: &DigestInfo<'_>,
    mentions: &[Mention],
    failed: &[FailedDelivery],
) -> Email {
    let d = Digest::new(info, mentions, failed);
    Email {
        subject: d.subject(),
        text: d.text(),
        html: d.html(),
    }
}

struct Digest<'a> {
    route: String,
    period: String,
    total: usize,
    /// Counts by sentiment, in `Tone` order.
    tones: [usize; 4],
    /// Watch name → its mentions, negatives first, then newest first.
    groups: BTreeMap<String, Vec<&'a Mention>>,
    failed: &'a [FailedDelivery],
}

impl<'a> Digest<'a> {
    fn new(info: &DigestInfo<'_>, mentions: &'a [Mention], failed: &'a [FailedDelivery]) -> Self {
        let mut tones = [0; 4];
        let mut groups: BTreeMap<String, Vec<&Mention>> = BTreeMap::new();
        for m in mentions {
            tones[tone(m) as usize] += 1;
            groups.entry(one_line(&m.watch)).or_default().push(m);
        }
        for list in groups.values_mut() {
            list.sort_by_key(|m| (tone(m) != Tone::Negative, Reverse(when(m)), Reverse(m.id)));
        }
        Digest {
            route: cut(&one_line(info.route), 40),
            period: cut(&one_line(info.period), 120),
            total: mentions.len(),
            tones,
            groups,
            failed,
        }
    }

    fn subject(&self) -> String {
        let mut s = format!(
            "[earshot] {} digest · {}",
            self.route,
            plural(self.total, "mention", "mentions")
        );
        let negative = self.tones[Tone::Negative as usize];
        if negative > 0 {
            s.push_str(&format!(" ({negative} negative)"));
        }
        if !self.failed.is_empty() {
            s.push_str(&format!(
                " · {}",
                plural(self.failed.len(), "failed delivery", "failed deliveries")
            ));
        }
        cut(&s, SUBJECT_MAX)
    }

    fn tone_summary(&self) -> String {
        let parts: Vec<String> = Tone::ALL
            .iter()
            .filter(|t| self.tones[**t as usize] > 0)
            .map(|t| format!("{} {}", self.tones[*t as usize], t.name()))
            .collect();
        if parts.is_empty() {
            plural(self.total, "mention", "mentions")
        } else {
            format!(
                "{}: {}",
                plural(self.total, "mention", "mentions"),
                parts.join(", ")
            )
        }
    }

    fn watch_summary(&self) -> Vec<String> {
        self.groups
            .iter()
            .map(|(watch, list)| {
                let neg = list.iter().filter(|m| tone(m) == Tone::Negative).count();
                if neg > 0 {
                    format!("{watch} {} ({neg} negative)", list.len())
                } else {
                    format!("{watch} {}", list.len())
                }
            })
            .collect()
    }

    /// The mentions to list, group by group, stopping at `DIGEST_ITEMS_MAX`.
    fn listed(&self) -> impl Iterator<Item = (&String, &[&'a Mention])> {
        let mut left = DIGEST_ITEMS_MAX;
        self.groups
            .iter()
            .map(move |(watch, list)| {
                let n = list.len().min(left);
                left -= n;
                (watch, &list[..n])
            })
            .filter(|(_, listed)| !listed.is_empty())
    }

    fn unlisted(&self) -> usize {
        self.total.saturating_sub(DIGEST_ITEMS_MAX)
    }

    fn text(&self) -> String {
        let mut out = format!("earshot digest for {} — {}\n\n", self.route, self.period);
        out.push_str(&self.tone_summary());
        out.push('\n');
        if !self.groups.is_empty() {
            out.push_str(&format!("By watch: {}\n", self.watch_summary().join(", ")));
        }
        for (watch, list) in self.listed() {
            let all = self.groups.get(watch).map_or(0, Vec::len);
            out.push_str(&format!("\n== {watch} ({all}) ==\n"));
            for m in list {
                let label = label(m)
                    .map(|l| format!("[{}] ", cut(&l, 20)))
                    .unwrap_or_default();
                out.push_str(&format!("\n- {label}{}\n", title(m)));
                out.push_str(&format!("  {}\n", meta_line(m)));
                if let Some(link) = web_link(m) {
                    out.push_str(&format!("  {link}\n"));
                }
                let snippet = cut(&one_line(&m.snippet), 200);
                if !snippet.is_empty() {
                    out.push_str(&format!("  {snippet}\n"));
                }
            }
        }
        if self.unlisted() > 0 {
            out.push_str(&format!(
                "\n… and {} more not listed here.\n",
                self.unlisted()
            ));
        }
        if !self.failed.is_empty() {
            out.push_str(&format!("\nFailed deliveries ({})\n", self.failed.len()));
            for f in self.failed.iter().take(DIGEST_FAILED_MAX) {
                out.push_str(&format!(
                    "- mention #{} \"{}\" via {}: {}\n",
                    f.mention_id,
                    cut(&one_line(&f.title), 100),
                    cut(&one_line(&f.notifier), 40),
                    cut(&one_line(&f.error), 300)
                ));
            }
            if self.failed.len() > DIGEST_FAILED_MAX {
                out.push_str(&format!(
                    "- … and {} more\n",
                    self.failed.len() - DIGEST_FAILED_MAX
                ));
            }
        }
        out
    }

    fn html(&self) -> String {
        let heading = format!("earshot digest for {} — {}", self.route, self.period);
        let mut out = html_head(&heading);
        out.push_str(&format!("<h2>{}</h2>\n", html(&heading)));
        out.push_str(&format!(
            "<p><strong>{}</strong>",
            html(&self.tone_summary())
        ));
        if !self.groups.is_empty() {
            out.push_str(&format!(
                "<br>By watch: {}",
                html(&self.watch_summary().join(", "))
            ));
        }
        out.push_str("</p>\n");
        for (watch, list) in self.listed() {
            let all = self.groups.get(watch).map_or(0, Vec::len);
            out.push_str(&format!("<h3>{} ({all})</h3>\n<ul>\n", html(watch)));
            for m in list {
                let t = tone(m);
                out.push_str(&format!(
                    "<li style=\"margin-bottom:8px;border-left:4px solid {};padding-left:8px;list-style:none\">",
                    t.hex()
                ));
                if let Some(l) = label(m) {
                    out.push_str(&format!("<strong>[{}]</strong> ", html(&cut(&l, 20))));
                }
                out.push_str(&html_link(web_link(m).as_deref(), &title(m)));
                out.push_str(&format!(
                    "<br><small style=\"color:#555\">{}</small>",
                    html(&meta_line(m))
                ));
                let snippet = cut(&one_line(&m.snippet), 200);
                if !snippet.is_empty() {
                    out.push_str("<br>");
                    out.push_str(&highlighted(
                        &snippet, &m.terms, html_into, "<mark>", "</mark>",
                    ));
                }
                out.push_str("</li>\n");
            }
            out.push_str("</ul>\n");
        }
        if self.unlisted() > 0 {
            out.push_str(&format!(
                "<p>… and {} more not listed here.</p>\n",
                self.unlisted()
            ));
        }
        if !self.failed.is_empty() {
            out.push_str(&format!(
                "<h3>Failed deliveries ({})</h3>\n<ul>\n",
                self.failed.len()
            ));
            for f in self.failed.iter().take(DIGEST_FAILED_MAX) {
                out.push_str(&format!(
                    "<li>mention #{} “{}” via {}: <code>{}</code></li>\n",
                    f.mention_id,
                    html(&cut(&one_line(&f.title), 100)),
                    html(&cut(&one_line(&f.notifier), 40)),
                    html(&cut(&one_line(&f.error), 300))
                ));
            }
            if self.failed.len() > DIGEST_FAILED_MAX {
                out.push_str(&format!(
                    "<li>… and {} more</li>\n",
                    self.failed.len() - DIGEST_FAILED_MAX
                ));
            }
            out.push_str("</ul>\n");
        }
        out.push_str("</body>\n</html>\n");
        out
    }
}

/// Name/value rows shared by the alert's text and HTML bodies (values cleaned,
/// not escaped).
fn facts(m: &Mention) -> Vec<(&'static str, String)> {
    let mut rows = vec![("Watch", one_line(&m.watch))];
    if let Some(s) = &m.sentiment {
        let mut v = format!("{} ({:+.2})", cut(&one_line(&s.label), 30), s.score);
        let reasons: Vec<String> = s
            .reasons
            .iter()
            .map(|r| cut(&one_line(r), 100))
            .filter(|r| !r.is_empty())
            .take(10)
            .collect();
        if !reasons.is_empty() {
            v.push_str(" — ");
            v.push_str(&reasons.join("; "));
        }
        rows.push(("Sentiment", v));
    }
    rows.push(("Source", sources(m)));
    if let Some(a) = m.author.as_deref().map(one_line).filter(|a| !a.is_empty()) {
        rows.push(("Author", cut(&a, 100)));
    }
    if let Some(t) = m.published_at {
        rows.push(("Published", format!("{} ({})", human(t), rfc3339(t))));
    }
    rows.push((
        "Found",
        format!("{} ({})", human(m.found_at), rfc3339(m.found_at)),
    ));
    let terms = terms(m);
    if !terms.is_empty() {
        rows.push(("Terms", terms));
    }
    rows
}

/// "negative · Trustpilot · by jan · 2026-11-22 14:03 UTC", cleaned, not escaped.
fn meta_line(m: &Mention) -> String {
    let mut parts = Vec::new();
    if let Some(s) = &m.sentiment {
        parts.push(format!(
            "{} ({:+.2})",
            cut(&one_line(&s.label), 20),
            s.score
        ));
    }
    parts.push(sources(m));
    if let Some(a) = m.author.as_deref().map(one_line).filter(|a| !a.is_empty()) {
        parts.push(format!("by {}", cut(&a, 60)));
    }
    parts.push(human(when(m)));
    parts.join(" · ")
}

fn html_head(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n</head>\n\
         <body style=\"font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#222\">\n",
        html(title)
    )
}

/// `<a href>` for a checked web link, else the text alone; both escaped.
fn html_link(link: Option<&str>, label: &str) -> String {
    match link {
        Some(href) => format!("<a href=\"{}\">{}</a>", html(href), html(label)),
        None => html(label),
    }
}

// ---------------------------------------------------------------------------
// Webhooks

/// Payloads for a batch of mentions: as few JSON bodies as the format allows.
/// Each body is (json, ids of the mentions it carries); every id is carried by
/// exactly one body, in input order. No mentions, no bodies.
///
/// - `Generic`: one body for the whole batch:
///   ```json
///   {"event": "mentions",
///    "mentions": [{"id": 42, "watch": "acme", "title": "…", "url": "https://…" | null,
///                  "canonical_url": "…" | null, "sources": ["Trustpilot"],
///                  "author": "…" | null, "published_at": "2026-11-22T14:03:00Z" | null,
///                  "found_at": "2026-11-22T14:05:12Z", "terms": ["acme"], "snippet": "…",
///                  "sentiment": {"label": "negative", "score": -0.72, "lang": "nl",
///                                "reasons": ["…"]} | null,
///                  "text": "…"}]}
///   ```
///   Strings are as found on the web (only JSON-escaped): escape them for
///   wherever you show them. Times are RFC 3339 in UTC.
/// - `Slack`: `{"text": fallback, "blocks": [...]}` in mrkdwn, at most 50 blocks
///   (a heading and 49 mentions) per body.
/// - `Teams`: an Adaptive Card 1.4 in the Workflows envelope
///   (`{"type": "message", "attachments": [{"contentType":
///   "application/vnd.microsoft.card.adaptive", "content": {...}}]}`), one
///   container per mention; web text only in `TextRun`s, which Teams never
///   reads as Markdown. Split only to stay under Teams' 28 KB card limit.
/// - `Discord`: `{"content", "embeds", "allowed_mentions": {"parse": []}}`, at
///   most 10 embeds and 6000 embed characters per body.
/// - `Mattermost`: `{"text", "attachments"}`, at most 20 attachments per body.
pub fn webhook_bodies(format: WebhookFormat, mentions: &[Mention]) -> Vec<(Value, Vec<i64>)> {
    if mentions.is_empty() {
        return Vec::new();
    }
    match format {
        WebhookFormat::Generic => vec![generic_body(mentions)],
        WebhookFormat::Slack => mentions
            .chunks(SLACK_MENTIONS_MAX)
            .map(slack_body)
            .collect(),
        WebhookFormat::Teams => teams_bodies(mentions),
        WebhookFormat::Discord => discord_bodies(mentions),
        WebhookFormat::Mattermost => mentions
            .chunks(MATTERMOST_ATTACHMENTS_MAX)
            .map(mattermost_body)
            .collect(),
    }
}

const SLACK_MENTIONS_MAX: usize = 49;
const DISCORD_EMBEDS_MAX: usize = 10;
const DISCORD_CHARS_MAX: usize = 6000;
const MATTERMOST_ATTACHMENTS_MAX: usize = 20;
const TEAMS_BYTES_MAX: usize = 24_000;
const TEAMS_ITEMS_MAX: usize = 50;

fn ids(ms: &[Mention]) -> Vec<i64> {
    ms.iter().map(|m| m.id).collect()
}

/// "3 mentions (1 negative)"
fn batch_summary(ms: &[Mention]) -> String {
    let neg = ms.iter().filter(|m| tone(m) == Tone::Negative).count();
    let mut s = plural(ms.len(), "mention", "mentions");
    if neg > 0 {
        s.push_str(&format!(" ({neg} negative)"));
    }
    s
}

fn generic_body(ms: &[Mention]) -> (Value, Vec<i64>) {
    let items: Vec<Value> = ms
        .iter()
        .map(|m| {
            json!({
                "id": m.id,
                "watch": m.watch,
                "title": m.title,
                "url": m.url,
                "canonical_url": m.canonical_url,
                "sources": m.sources,
                "author": m.author,
                "published_at": m.published_at.map(rfc3339),
                "found_at": rfc3339(m.found_at),
                "terms": m.terms,
                "snippet": m.snippet,
                "sentiment": m.sentiment.as_ref().map(|s| json!({
                    "label": s.label,
                    "score": s.score,
                    "lang": s.lang,
                    "reasons": s.reasons,
                })),
                "text": m.text,
            })
        })
        .collect();
    (json!({"event": "mentions", "mentions": items}), ids(ms))
}

fn slack_body(ms: &[Mention]) -> (Value, Vec<i64>) {
    let fallback = match ms {
        [m] => format!(
            "earshot · {} · {}",
            esc_cut(&one_line(&m.watch), 40, slack_into),
            esc_cut(&title(m), 150, slack_into)
        ),
        _ => format!("earshot: {}", batch_summary(ms)),
    };
    let mut blocks = vec![json!({
        "type": "section",
        "text": {"type": "mrkdwn", "text": format!("*earshot: {}*", batch_summary(ms))},
    })];
    for m in ms {
        let t = tone(m);
        let title = esc_cut(&title(m), 150, slack_into).replace('|', "¦");
        let head = match web_link(m) {
            Some(link) => format!("<{}|{title}>", slack_url(&link)),
            None => title,
        };
        let mut text = format!(
            "{} *{head}*\n{} · {}",
            t.emoji(),
            esc_cut(&one_line(&m.watch), 40, slack_into),
            esc_cut(&meta_line(m), 300, slack_into)
        );
        let snippet = esc_cut(&one_line(&m.snippet), 600, slack_into);
        if !snippet.is_empty() {
            text.push_str("\n>");
            text.push_str(&snippet);
        }
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": text}}));
    }
    (json!({"text": fallback, "blocks": blocks}), ids(ms))
}

/// Slack wants `&`, `<`, `>` as entities; `@` gets a word joiner so a bare
/// `@channel` cannot be linked either.
fn slack_into(c: char, out: &mut String) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '@' => out.push_str("@\u{2060}"),
        c => out.push(c),
    }
}

/// A checked URL inside `<…|…>`: `|` would end it, `&`, `<`, `>` are entities.
fn slack_url(link: &str) -> String {
    link.replace('&', "&amp;")
        .replace('<', "%3C")
        .replace('>', "%3E")
        .replace('|', "%7C")
}

fn discord_embed(m: &Mention) -> (Value, usize) {
    let title = esc_cut(&title(m), 256, md_into);
    let snippet = esc_cut(&one_line(&m.snippet), 1000, md_into);
    let description = if snippet.is_empty() {
        "—".to_string()
    } else {
        snippet
    };
    let mut fields = vec![
        ("Watch", esc_cut(&one_line(&m.watch), 100, md_into)),
        ("Source", esc_cut(&sources(m), 200, md_into)),
    ];
    if let Some(s) = &m.sentiment {
        fields.push((
            "Sentiment",
            esc_cut(
                &format!("{} ({:+.2})", one_line(&s.label), s.score),
                100,
                md_into,
            ),
        ));
    }
    if let Some(a) = m.author.as_deref().map(one_line).filter(|a| !a.is_empty()) {
        fields.push(("Author", esc_cut(&a, 100, md_into)));
    }
    let footer = format!("earshot mention #{}", m.id);
    let chars = title.chars().count()
        + description.chars().count()
        + fields
            .iter()
            .map(|(n, v)| n.len() + v.chars().count())
            .sum::<usize>()
        + footer.len();
    let mut embed = json!({
        "title": title,
        "description": description,
        "color": tone(m).rgb(),
        "timestamp": rfc3339(when(m)),
        "fields": fields
            .iter()
            .map(|(n, v)| json!({"name": n, "value": if v.is_empty() { "—" } else { v }, "inline": true}))
            .collect::<Vec<_>>(),
        "footer": {"text": footer},
    });
    if let Some(link) = web_link(m) {
        embed["url"] = json!(link);
    }
    (embed, chars)
}

fn discord_bodies(ms: &[Mention]) -> Vec<(Value, Vec<i64>)> {
    let mut bodies = Vec::new();
    let mut embeds: Vec<Value> = Vec::new();
    let mut batch: Vec<&Mention> = Vec::new();
    let mut chars = 0;
    let flush = |embeds: &mut Vec<Value>,
                 batch: &mut Vec<&Mention>,
                 bodies: &mut Vec<(Value, Vec<i64>)>| {
        if batch.is_empty() {
            return;
        }
        let neg = batch.iter().filter(|m| tone(m) == Tone::Negative).count();
        let mut content = format!(
            "**earshot:** {}",
            plural(batch.len(), "mention", "mentions")
        );
        if neg > 0 {
            content.push_str(&format!(" ({neg} negative)"));
        }
        bodies.push((
            json!({
                "content": content,
                "embeds": std::mem::take(embeds),
                "allowed_mentions": {"parse": []},
            }),
            batch.drain(..).map(|m| m.id).collect(),
        ));
    };
    for m in ms {
        let (embed, n) = discord_embed(m);
        if embeds.len() >= DISCORD_EMBEDS_MAX
            || (chars + n > DISCORD_CHARS_MAX && !embeds.is_empty())
        {
            flush(&mut embeds, &mut batch, &mut bodies);
            chars = 0;
        }
        chars += n;
        embeds.push(embed);
        batch.push(m);
    }
    flush(&mut embeds, &mut batch, &mut bodies);
    bodies
}

fn mattermost_body(ms: &[Mention]) -> (Value, Vec<i64>) {
    let attachments: Vec<Value> = ms
        .iter()
        .map(|m| {
            let heading = esc_cut(&title(m), 200, md_into);
            let head = match web_link(m) {
                Some(link) => format!("**[{heading}]({})**", md_url(&link)),
                None => format!("**{heading}**"),
            };
            let mut text = head;
            let snippet = esc_cut(&one_line(&m.snippet), 1000, md_into);
            if !snippet.is_empty() {
                text.push_str("\n> ");
                text.push_str(&snippet);
            }
            let mut fields = vec![
                json!({"short": true, "title": "Watch", "value": esc_cut(&one_line(&m.watch), 100, md_into)}),
                json!({"short": true, "title": "Source", "value": esc_cut(&sources(m), 200, md_into)}),
            ];
            if let Some(s) = &m.sentiment {
                fields.push(json!({"short": true, "title": "Sentiment",
                    "value": esc_cut(&format!("{} ({:+.2})", one_line(&s.label), s.score), 100, md_into)}));
            }
            if let Some(a) = m.author.as_deref().map(one_line).filter(|a| !a.is_empty()) {
                fields.push(json!({"short": true, "title": "Author", "value": esc_cut(&a, 100, md_into)}));
            }
            fields.push(json!({"short": true, "title": "Found", "value": human(when(m))}));
            json!({
                "fallback": esc_cut(&format!("{} · {}", one_line(&m.watch), title(m)), 200, mention_into),
                "color": tone(m).hex(),
                "text": text,
                "fields": fields,
                "footer": format!("earshot mention #{}", m.id),
            })
        })
        .collect();
    (
        json!({"text": format!("**earshot:** {}", batch_summary(ms)), "attachments": attachments}),
        ids(ms),
    )
}

/// Markdown (Discord, Mattermost): punctuation that could format, link, quote
/// or start a list or heading gets a backslash (parentheses need none once
/// brackets are escaped); `@` gets a zero-width joiner so `@everyone`,
/// `@channel`, `@here` or `@all` cannot ping.
fn md_into(c: char, out: &mut String) {
    match c {
        '\\' | '*' | '_' | '~' | '`' | '|' | '>' | '<' | '#' | '[' | ']' | '-' | '!' => {
            out.push('\\');
            out.push(c);
        }
        c => mention_into(c, out),
    }
}

/// Plain text that a chat still scans for `@mentions`.
fn mention_into(c: char, out: &mut String) {
    out.push(c);
    if c == '@' {
        out.push('\u{200d}');
    }
}

/// A checked URL inside Markdown `(…)`.
fn md_url(link: &str) -> String {
    link.replace('(', "%28")
        .replace(')', "%29")
        .replace(' ', "%20")
}

fn teams_item(m: &Mention) -> Value {
    let t = tone(m);
    let mut items = vec![
        json!({"type": "RichTextBlock", "inlines": [
            {"type": "TextRun", "text": format!("{} ", t.emoji())},
            {"type": "TextRun", "text": cut(&title(m), 200), "weight": "Bolder", "color": t.teams_colour()},
        ]}),
        json!({"type": "RichTextBlock", "inlines": [
            {"type": "TextRun", "text": format!("{} · {}", cut(&one_line(&m.watch), 40), meta_line(m)), "isSubtle": true, "size": "Small"},
        ]}),
    ];
    let snippet = cut(&one_line(&m.snippet), 600);
    if !snippet.is_empty() {
        let mut inlines = Vec::new();
        let mut at = 0;
        for (a, b) in term_ranges(&snippet, &m.terms) {
            if let (Some(before), Some(hit)) = (snippet.get(at..a), snippet.get(a..b)) {
                if !before.is_empty() {
                    inlines.push(json!({"type": "TextRun", "text": before}));
                }
                inlines.push(
                    json!({"type": "TextRun", "text": hit, "highlight": true, "weight": "Bolder"}),
                );
                at = b;
            }
        }
        if let Some(rest) = snippet.get(at..).filter(|r| !r.is_empty()) {
            inlines.push(json!({"type": "TextRun", "text": rest}));
        }
        items.push(json!({"type": "RichTextBlock", "inlines": inlines}));
    }
    if let Some(link) = web_link(m) {
        items.push(json!({"type": "ActionSet", "actions": [
            {"type": "Action.OpenUrl", "title": "Open", "url": link},
        ]}));
    }
    json!({
        "type": "Container",
        "style": t.teams_style(),
        "separator": true,
        "spacing": "Medium",
        "items": items,
    })
}

fn teams_body(ms: &[Mention], items: Vec<Value>) -> (Value, Vec<i64>) {
    let mut body = vec![json!({
        "type": "TextBlock",
        "text": format!("earshot: {}", batch_summary(ms)),
        "weight": "Bolder",
        "size": "Medium",
        "wrap": true,
    })];
    body.extend(items);
    let card = json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "msteams": {"width": "Full"},
        "body": body,
    });
    (
        json!({
            "type": "message",
            "attachments": [{
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": null,
                "content": card,
            }],
        }),
        ids(ms),
    )
}

/// One card per batch, a new card when the serialized containers would pass
/// `TEAMS_BYTES_MAX` or `TEAMS_ITEMS_MAX`.
fn teams_bodies(ms: &[Mention]) -> Vec<(Value, Vec<i64>)> {
    let mut bodies = Vec::new();
    let mut start = 0;
    let mut items = Vec::new();
    let mut bytes = 0;
    for (i, m) in ms.iter().enumerate() {
        let v = teams_item(m);
        let n = v.to_string().len();
        if !items.is_empty() && (items.len() >= TEAMS_ITEMS_MAX || bytes + n > TEAMS_BYTES_MAX) {
            bodies.push(teams_body(&ms[start..i], std::mem::take(&mut items)));
            start = i;
            bytes = 0;
        }
        bytes += n;
        items.push(v);
    }
    if !items.is_empty() {
        bodies.push(teams_body(&ms[start..], items));
    }
    bodies
}

// ---------------------------------------------------------------------------
// Shared cleaning, escaping and highlighting

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tone {
    Negative = 0,
    Neutral = 1,
    Positive = 2,
    Unscored = 3,
}

impl Tone {
    const ALL: [Tone; 4] = [
        Tone::Negative,
        Tone::Neutral,
        Tone::Positive,
        Tone::Unscored,
    ];

    fn name(self) -> &'static str {
        match self {
            Tone::Negative => "negative",
            Tone::Neutral => "neutral",
            Tone::Positive => "positive",
            Tone::Unscored => "unscored",
        }
    }

    fn rgb(self) -> u32 {
        match self {
            Tone::Negative => 0xD93025,
            Tone::Neutral | Tone::Unscored => 0x9AA0A6,
            Tone::Positive => 0x1E8E3E,
        }
    }

    fn hex(self) -> &'static str {
        match self {
            Tone::Negative => "#d93025",
            Tone::Neutral | Tone::Unscored => "#9aa0a6",
            Tone::Positive => "#1e8e3e",
        }
    }

    fn emoji(self) -> &'static str {
        match self {
            Tone::Negative => "🔴",
            Tone::Neutral | Tone::Unscored => "⚪",
            Tone::Positive => "🟢",
        }
    }

    fn teams_style(self) -> &'static str {
        match self {
            Tone::Negative => "attention",
            Tone::Neutral | Tone::Unscored => "emphasis",
            Tone::Positive => "good",
        }
    }

    fn teams_colour(self) -> &'static str {
        match self {
            Tone::Negative => "Attention",
            Tone::Neutral | Tone::Unscored => "Default",
            Tone::Positive => "Good",
        }
    }
}

fn tone(m: &Mention) -> Tone {
    match m
        .sentiment
        .as_ref()
        .map(|s| s.label.trim().to_ascii_lowercase())
    {
        None => Tone::Unscored,
        Some(l) if l == "negative" => Tone::Negative,
        Some(l) if l == "positive" => Tone::Positive,
        Some(_) => Tone::Neutral,
    }
}

/// The sentiment label, cleaned, when there is one.
fn label(m: &Mention) -> Option<String> {
    m.sentiment
        .as_ref()
        .map(|s| one_line(&s.label))
        .filter(|l| !l.is_empty())
}

/// When it happened, as far as we know: published, else found.
fn when(m: &Mention) -> DateTime<Utc> {
    m.published_at.unwrap_or(m.found_at)
}

fn title(m: &Mention) -> String {
    let t = cut(&one_line(&m.title), 500);
    if t.is_empty() {
        "(untitled)".to_string()
    } else {
        t
    }
}

fn sources(m: &Mention) -> String {
    let names: Vec<String> = m
        .sources
        .iter()
        .map(|s| cut(&one_line(s), 60))
        .filter(|s| !s.is_empty())
        .take(10)
        .collect();
    if names.is_empty() {
        "(unknown source)".to_string()
    } else {
        names.join(", ")
    }
}

fn terms(m: &Mention) -> String {
    m.terms
        .iter()
        .map(|t| cut(&one_line(t), 60))
        .filter(|t| !t.is_empty())
        .take(20)
        .collect::<Vec<_>>()
        .join(", ")
}

fn human(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The first of `url`, `canonical_url` that is an absolute http(s) URL of
/// sane length, as the `url` crate serialises it (spaces, quotes and angle
/// brackets percent-encoded).
fn web_link(m: &Mention) -> Option<String> {
    [m.url.as_deref(), m.canonical_url.as_deref()]
        .into_iter()
        .flatten()
        .find_map(|raw| {
            let u = Url::parse(raw.trim()).ok()?;
            let ok = matches!(u.scheme(), "http" | "https")
                && u.host_str().is_some_and(|h| !h.is_empty())
                && u.as_str().len() <= URL_MAX;
            ok.then(|| u.to_string())
        })
}

/// Characters that must never reach a reader as-is: C0/C1 controls, line and
/// paragraph separators, and bidi controls (which can make text display as
/// something it is not).
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// One line: every run of whitespace or unsafe characters becomes one space;
/// trimmed.
fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut gap = false;
    for c in s.chars() {
        if c.is_whitespace() || is_unsafe(c) {
            gap = true;
        } else {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.push(c);
        }
    }
    out
}

/// Text with line breaks kept: CR LF and lone CR become LF, tabs a space,
/// other unsafe characters dropped; trimmed.
fn multi_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            '\n' | '\u{2028}' | '\u{2029}' => out.push('\n'),
            '\t' => out.push(' '),
            c if is_unsafe(c) => {}
            c => out.push(c),
        }
    }
    out.trim().to_string()
}

/// At most `max` chars; when cut, the last one is `…`.
fn cut(s: &str, max: usize) -> String {
    if s.chars().nth(max).is_none() {
        return s.to_string();
    }
    let keep = max.saturating_sub(1);
    let end = s.char_indices().nth(keep).map_or(s.len(), |(i, _)| i);
    let mut out = s[..end].trim_end().to_string();
    if max > 0 {
        out.push('…');
    }
    out
}

/// Escapes `s` char by char with `esc`, stopping so the result (with a final
/// `…` when cut) is at most `max` chars.
fn esc_cut(s: &str, max: usize, esc: fn(char, &mut String)) -> String {
    let mut out = String::new();
    let mut len = 0;
    let mut piece = String::new();
    let total: usize = s.chars().count();
    for (i, c) in s.chars().enumerate() {
        piece.clear();
        esc(c, &mut piece);
        let n = piece.chars().count();
        let reserve = usize::from(i + 1 < total);
        if len + n + reserve > max {
            if max > len {
                out.push('…');
            }
            return out;
        }
        out.push_str(&piece);
        len += n;
    }
    out
}

fn html_into(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    html_into(s, &mut out);
    out
}

/// Byte ranges of `s` where one of `terms` occurs, compared folded (case and
/// diacritics ignored, as the matcher does), sorted and merged.
fn term_ranges(s: &str, terms: &[String]) -> Vec<(usize, usize)> {
    let folded = text::fold_mapped(s);
    let mut found = Vec::new();
    for term in terms {
        let needle = text::fold(term);
        if needle.is_empty() {
            continue;
        }
        for (a, _) in folded.text.match_indices(&needle) {
            let b = a + needle.len();
            let (Some(&start), Some(&last)) = (folded.origin.get(a), folded.origin.get(b - 1))
            else {
                continue;
            };
            let (start, last) = (start as usize, last as usize);
            let Some(end) = s
                .get(last..)
                .and_then(|r| r.chars().next())
                .map(|c| last + c.len_utf8())
            else {
                continue;
            };
            if start < end && s.is_char_boundary(start) {
                found.push((start, end));
            }
        }
    }
    found.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(found.len());
    for (a, b) in found {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}

/// `s` with each term occurrence wrapped in `open`/`close`; every piece of
/// `s` goes through `plain` (the target's escaper).
fn highlighted(
    s: &str,
    terms: &[String],
    plain: fn(&str, &mut String),
    open: &str,
    close: &str,
) -> String {
    let mut out = String::with_capacity(s.len() + 32);
    let mut at = 0;
    for (a, b) in term_ranges(s, terms) {
        if let (Some(before), Some(hit)) = (s.get(at..a), s.get(a..b)) {
            plain(before, &mut out);
            out.push_str(open);
            plain(hit, &mut out);
            out.push_str(close);
            at = b;
        }
    }
    plain(s.get(at..).unwrap_or(""), &mut out);
    out
}

#[cfg(test)]
mod snapshot_tests;

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::store::StoredSentiment;

    fn at(h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, h, min, 0).unwrap()
    }

    /// A mention with plausible defaults; tests change the fields they exercise.
    fn mention(id: i64, watch: &str, title: &str, label: Option<&str>) -> Mention {
        Mention {
            id,
            watch: watch.to_string(),
            sources: vec!["Trustpilot".to_string()],
            url: Some(format!("https://example.com/review/{id}")),
            canonical_url: Some(format!("https://example.com/review/{id}")),
            title: title.to_string(),
            text: "Al 3 weken geen reactie op mijn klacht over Acme.".to_string(),
            author: Some("Jan".to_string()),
            published_at: Some(at(14, 3)),
            found_at: at(14, 5),
            terms: vec!["acme".to_string()],
            snippet: "geen reactie op mijn klacht over Acme.".to_string(),
            sentiment: label.map(|l| StoredSentiment {
                label: l.to_string(),
                score: if l == "negative" { -0.72 } else { 0.1 },
                lang: "nl".to_string(),
                reasons: vec!["geen reactie".to_string()],
            }),
        }
    }

    fn with(mut m: Mention, f: impl FnOnce(&mut Mention)) -> Mention {
        f(&mut m);
        m
    }

    #[derive(Default)]
    struct Expect {
        subject: &'static [&'static str],
        text: &'static [&'static str],
        html: &'static [&'static str],
        html_not: &'static [&'static str],
        text_not: &'static [&'static str],
    }

    /// Renders `m` and checks what every alert must hold plus the case's
    /// expectations.
    fn check_email(name: &str, m: &Mention, e: Expect) {
        let email = mention_email(m);
        assert!(
            !email.subject.chars().any(char::is_control),
            "{name}: control char in subject {:?}",
            email.subject
        );
        assert!(
            email.subject.chars().count() <= SUBJECT_MAX,
            "{name}: subject too long"
        );
        assert!(
            !email.text.chars().any(|c| c.is_control() && c != '\n'),
            "{name}: control char in text"
        );
        assert!(
            !email.html.contains("<script"),
            "{name}: raw script in html"
        );
        assert!(
            !email.html.contains("href=\"javascript"),
            "{name}: js url as a link"
        );
        for s in e.subject {
            assert!(
                email.subject.contains(s),
                "{name}: subject {:?} lacks {s:?}",
                email.subject
            );
        }
        for s in e.text {
            assert!(
                email.text.contains(s),
                "{name}: text lacks {s:?}:\n{}",
                email.text
            );
        }
        for s in e.text_not {
            assert!(
                !email.text.contains(s),
                "{name}: text has {s:?}:\n{}",
                email.text
            );
        }
        for s in e.html {
            assert!(
                email.html.contains(s),
                "{name}: html lacks {s:?}:\n{}",
                email.html
            );
        }
        for s in e.html_not {
            assert!(
                !email.html.contains(s),
                "{name}: html has {s:?}:\n{}",
                email.html
            );
        }
    }

    #[test]
    fn alert_emails() {
        let cases: Vec<(&str, Mention, Expect)> = vec![
            (
                "plain",
                mention(1, "acme", "Al 3 weken geen reactie op mijn klacht", Some("negative")),
                Expect {
                    subject: &["[earshot] acme · negative · Trustpilot: \"Al 3 weken geen reactie op mijn klacht\""],
                    text: &["Watch:     acme", "negative (-0.72) — geen reactie", "Author:    Jan",
                        "2026-11-22T14:03:00Z", "https://example.com/review/1", "klacht over **Acme**."],
                    html: &["<a href=\"https://example.com/review/1\">Al 3 weken", "<mark>Acme</mark>", "#d93025"],
                    ..Expect::default()
                },
            ),
            (
                "no sentiment: the label part is left out",
                mention(2, "acme", "Vraag", None),
                Expect {
                    subject: &["[earshot] acme · Trustpilot: \"Vraag\""],
                    text_not: &["Sentiment"],
                    ..Expect::default()
                },
            ),
            (
                "header injection in the title",
                mention(3, "acme", "Hi\r\nBcc: x@evil\u{85}\u{2028}there", Some("neutral")),
                Expect {
                    subject: &["\"Hi Bcc: x@evil there\""],
                    ..Expect::default()
                },
            ),
            (
                "html in title, snippet, text, author",
                with(mention(4, "acme", "<script>alert(1)</script>", None), |m| {
                    m.author = Some("\"><img src=x onerror=alert(1)>".to_string());
                    m.snippet = "<b>acme</b>".to_string();
                    m.text = "<script>alert(2)</script>".to_string();
                }),
                Expect {
                    html: &["&lt;script&gt;alert(1)&lt;/script&gt;", "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;",
                        "&lt;b&gt;<mark>acme</mark>&lt;/b&gt;", "&lt;script&gt;alert(2)"],
                    html_not: &["<img", "<b>"],
                    ..Expect::default()
                },
            ),
            (
                "a javascript: url is never a link; canonical https is used instead",
                with(mention(5, "acme", "x", None), |m| {
                    m.url = Some("javascript:alert(1)".to_string());
                    m.canonical_url = Some("https://example.com/c?a=1&b=\"2\"".to_string());
                }),
                Expect {
                    html: &["href=\"https://example.com/c?a=1&amp;b=%222%22\""],
                    html_not: &["href=\"javascript"],
                    text: &["https://example.com/c?a=1&b=%222%22"],
                    text_not: &["javascript:"],
                    ..Expect::default()
                },
            ),
            (
                "no web link at all",
                with(mention(6, "acme", "x", None), |m| {
                    m.url = Some("javascript:alert(1)".to_string());
                    m.canonical_url = None;
                }),
                Expect {
                    html: &["(not a web link)"],
                    html_not: &["<a "],
                    text: &["(no web link)"],
                    ..Expect::default()
                },
            ),
            (
                "terms highlighted case- and accent-insensitively",
                with(mention(7, "acme", "x", None), |m| {
                    m.terms = vec!["CAFE".to_string(), "slechte service".to_string()];
                    m.snippet = "Het Café had een Slechte   Service".to_string();
                }),
                Expect {
                    html: &["Het <mark>Café</mark> had een <mark>Slechte Service</mark>"],
                    text: &["Het **Café** had een **Slechte Service**"],
                    ..Expect::default()
                },
            ),
            (
                "control characters stripped from text but newlines kept",
                with(mention(8, "acme", "x", None), |m| {
                    m.text = "line one\r\nline\u{7}two\u{202e}\tend".to_string();
                }),
                Expect {
                    text: &["line one\nlinetwo end"],
                    ..Expect::default()
                },
            ),
        ];
        for (name, m, e) in cases {
            check_email(name, &m, e);
        }
    }

    #[test]
    fn subject_is_capped_on_a_char_boundary() {
        let long = "ë€😀".repeat(200);
        let m = mention(1, "acme", &long, Some("negative"));
        let s = mention_email(&m).subject;
        assert_eq!(s.chars().count(), SUBJECT_MAX);
        assert!(s.ends_with("…\""), "{s}");
        let huge_watch = mention(2, &"w".repeat(500), "t", None);
        assert!(mention_email(&huge_watch).subject.chars().count() <= SUBJECT_MAX);
    }

    #[test]
    fn digest_counts_and_order() {
        let ms = vec![
            with(mention(1, "acme", "old positive", Some("positive")), |m| {
                m.published_at = Some(at(9, 0))
            }),
            with(mention(2, "acme", "new neutral", Some("neutral")), |m| {
                m.published_at = Some(at(13, 0))
            }),
            with(mention(3, "acme", "old negative", Some("negative")), |m| {
                m.published_at = Some(at(8, 0))
            }),
            with(mention(4, "acme", "new negative", Some("negative")), |m| {
                m.published_at = Some(at(12, 0))
            }),
            mention(5, "beta", "beta unscored <i>", None),
        ];
        let failed = vec![FailedDelivery {
            mention_id: 9,
            notifier: "slack-ops".to_string(),
            error: "http 500\r\nX-Evil: 1".to_string(),
            title: "<b>t</b>".to_string(),
        }];
        let info = DigestInfo {
            route: "ops",
            period: "hourly digest 2026-11-22 14:00–15:00",
        };
        let e = digest_email(&info, &ms, &failed);
        assert_eq!(
            e.subject,
            "[earshot] ops digest · 5 mentions (2 negative) · 1 failed delivery"
        );
        assert!(
            e.text
                .contains("5 mentions: 2 negative, 1 neutral, 1 positive, 1 unscored"),
            "{}",
            e.text
        );
        assert!(
            e.text.contains("By watch: acme 4 (2 negative), beta 1"),
            "{}",
            e.text
        );
        let order: Vec<usize> = [
            "new negative",
            "old negative",
            "new neutral",
            "old positive",
            "beta unscored",
        ]
        .iter()
        .map(|t| e.text.find(t).unwrap_or_else(|| panic!("{t} missing")))
        .collect();
        assert!(
            order.windows(2).all(|w| w[0] < w[1]),
            "{order:?}\n{}",
            e.text
        );
        assert!(
            e.text
                .contains("- mention #9 \"<b>t</b>\" via slack-ops: http 500 X-Evil: 1"),
            "{}",
            e.text
        );
        assert!(e.html.contains("Failed deliveries (1)"));
        assert!(e.html.contains("“&lt;b&gt;t&lt;/b&gt;”"));
        assert!(e.html.contains("beta unscored &lt;i&gt;"));
        assert!(e
            .html
            .contains("<a href=\"https://example.com/review/4\">new negative</a>"));
        let html_order: Vec<usize> = [
            "new negative",
            "old negative",
            "new neutral",
            "old positive",
        ]
        .iter()
        .map(|t| e.html.find(t).unwrap_or(0))
        .collect();
        assert!(html_order.windows(2).all(|w| w[0] < w[1]), "{html_order:?}");

        let quiet = digest_email(&info, &[mention(1, "acme", "x", Some("positive"))], &[]);
        assert_eq!(quiet.subject, "[earshot] ops digest · 1 mention");
        assert!(!quiet.text.contains("Failed deliveries"));
        let empty = digest_email(&info, &[], &[]);
        assert_eq!(empty.subject, "[earshot] ops digest · 0 mentions");
    }

    #[test]
    fn digest_lists_at_most_its_cap() {
        let ms: Vec<Mention> = (0..DIGEST_ITEMS_MAX as i64 + 5)
            .map(|i| mention(i, if i < 300 { "acme" } else { "zeta" }, "t", None))
            .collect();
        let e = digest_email(
            &DigestInfo {
                route: "r",
                period: "p",
            },
            &ms,
            &[],
        );
        assert!(e.text.contains("… and 5 more not listed here."));
        assert!(e.subject.contains("305 mentions"));
        assert!(e.text.contains("By watch: acme 300, zeta 5"), "{}", e.text);
        assert!(!e.text.contains("== zeta") && !e.html.contains("<h3>zeta"));
    }

    /// Renders `ms` as `format` and checks every id is carried exactly once,
    /// in order, and that no body carries nothing.
    fn bodies(format: WebhookFormat, ms: &[Mention]) -> Vec<Value> {
        let out = webhook_bodies(format, ms);
        let carried: Vec<i64> = out
            .iter()
            .flat_map(|(_, ids)| ids.iter().copied())
            .collect();
        assert_eq!(
            carried,
            ms.iter().map(|m| m.id).collect::<Vec<_>>(),
            "{format:?}"
        );
        assert!(out.iter().all(|(_, ids)| !ids.is_empty()), "{format:?}");
        out.into_iter().map(|(v, _)| v).collect()
    }

    fn str_at<'v>(v: &'v Value, pointer: &str) -> &'v str {
        v.pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no string at {pointer} in {v:#}"))
    }

    fn hostile() -> Mention {
        with(
            mention(
                7,
                "acme",
                "<!channel> @channel @everyone <http://x|click> *bold* [a](javascript:x)",
                Some("negative"),
            ),
            |m| {
                m.snippet = "ping @here and <@123> & @all".to_string();
                m.url = Some("https://example.com/a|b?x=1&y=(2)".to_string());
            },
        )
    }

    #[test]
    fn no_mentions_no_bodies() {
        for f in [
            WebhookFormat::Generic,
            WebhookFormat::Slack,
            WebhookFormat::Teams,
            WebhookFormat::Discord,
            WebhookFormat::Mattermost,
        ] {
            assert!(webhook_bodies(f, &[]).is_empty());
        }
    }

    #[test]
    fn generic_shape() {
        let ms = vec![hostile(), mention(8, "beta", "t", None)];
        let b = bodies(WebhookFormat::Generic, &ms);
        assert_eq!(b.len(), 1);
        let v = &b[0];
        assert_eq!(str_at(v, "/event"), "mentions");
        assert_eq!(v.pointer("/mentions/0/id"), Some(&json!(7)));
        assert_eq!(str_at(v, "/mentions/0/title"), ms[0].title);
        assert_eq!(
            str_at(v, "/mentions/0/published_at"),
            "2026-11-22T14:03:00Z"
        );
        assert_eq!(str_at(v, "/mentions/0/found_at"), "2026-11-22T14:05:00Z");
        assert_eq!(str_at(v, "/mentions/0/sentiment/label"), "negative");
        assert_eq!(str_at(v, "/mentions/0/sentiment/lang"), "nl");
        assert_eq!(str_at(v, "/mentions/0/sources/0"), "Trustpilot");
        assert_eq!(str_at(v, "/mentions/0/terms/0"), "acme");
        assert_eq!(v.pointer("/mentions/1/sentiment"), Some(&Value::Null));
        for key in ["watch", "url", "canonical_url", "author", "snippet", "text"] {
            assert!(v.pointer(&format!("/mentions/1/{key}")).is_some(), "{key}");
        }
    }

    #[test]
    fn slack_shape_and_escaping() {
        let b = bodies(WebhookFormat::Slack, &[hostile()]);
        assert_eq!(b.len(), 1);
        let v = &b[0];
        assert_eq!(str_at(v, "/blocks/0/type"), "section");
        let fallback = str_at(v, "/text");
        let text = str_at(v, "/blocks/1/text/text");
        assert_eq!(str_at(v, "/blocks/1/text/type"), "mrkdwn");
        for s in [fallback, text] {
            assert!(!s.contains("<!channel>") && !s.contains("<http://x"), "{s}");
            assert!(!s.contains("@channel") && !s.contains("@here"), "{s}");
        }
        assert!(text.contains("&lt;!channel&gt;"), "{text}");
        assert!(
            text.starts_with("🔴 *<https://example.com/a%7Cb?x=1&amp;y=(2)|"),
            "{text}"
        );
        // The only link is ours: one `<`, and the title has no `|`.
        assert_eq!(text.matches('<').count(), 1, "{text}");
        let link_end = text.find('>').unwrap_or(0);
        assert_eq!(text[..link_end].matches('|').count(), 1, "{text}");
    }

    #[test]
    fn slack_batches_by_fifty_blocks() {
        let ms: Vec<Mention> = (0..100).map(|i| mention(i, "acme", "t", None)).collect();
        let b = bodies(WebhookFormat::Slack, &ms);
        assert_eq!(b.len(), 3);
        for v in &b {
            let n = v
                .pointer("/blocks")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            assert!(n <= 50, "{n}");
            for block in v["blocks"].as_array().into_iter().flatten() {
                assert!(
                    block["text"]["text"]
                        .as_str()
                        .map_or(0, |t| t.chars().count())
                        <= 3000
                );
            }
        }
    }

    #[test]
    fn mattermost_shape_and_escaping() {
        let b = bodies(WebhookFormat::Mattermost, &[hostile()]);
        let v = &b[0];
        assert!(str_at(v, "/text").contains("1 mention (1 negative)"));
        assert_eq!(str_at(v, "/attachments/0/color"), "#d93025");
        assert_eq!(str_at(v, "/attachments/0/fields/0/title"), "Watch");
        let text = str_at(v, "/attachments/0/text");
        let fallback = str_at(v, "/attachments/0/fallback");
        for s in [text, fallback] {
            for ping in ["@channel", "@everyone", "@here", "@all"] {
                assert!(!s.contains(ping), "{ping} in {s}");
            }
        }
        assert!(text.contains("@\u{200d}channel"), "{text}");
        assert!(
            text.contains("\\*bold\\*") && text.contains("\\[a\\](javascript:x)"),
            "{text}"
        );
        assert!(text.starts_with("**[\\<\\!channel\\>"), "{text}");
        assert!(
            text.contains("](https://example.com/a|b?x=1&y=%282%29)**"),
            "{text}"
        );
        let ms: Vec<Mention> = (0..45).map(|i| mention(i, "acme", "t", None)).collect();
        let b = bodies(WebhookFormat::Mattermost, &ms);
        assert_eq!(b.len(), 3);
        assert!(b
            .iter()
            .all(|v| v["attachments"].as_array().map_or(0, Vec::len) <= 20));
    }

    #[test]
    fn discord_shape_and_escaping() {
        let b = bodies(WebhookFormat::Discord, &[hostile()]);
        let v = &b[0];
        assert_eq!(v.pointer("/allowed_mentions/parse"), Some(&json!([])));
        assert_eq!(v.pointer("/embeds/0/color"), Some(&json!(0xD93025)));
        assert_eq!(str_at(v, "/embeds/0/timestamp"), "2026-11-22T14:03:00Z");
        assert_eq!(
            str_at(v, "/embeds/0/url"),
            "https://example.com/a%7Cb?x=1&y=(2)".replace("%7C", "|")
        );
        assert_eq!(str_at(v, "/embeds/0/fields/0/name"), "Watch");
        let title = str_at(v, "/embeds/0/title");
        let description = str_at(v, "/embeds/0/description");
        for s in [title, description, str_at(v, "/content")] {
            assert!(
                !s.contains("@everyone") && !s.contains("@here") && !s.contains("<@123>"),
                "{s}"
            );
        }
        assert!(
            title.contains("@\u{200d}everyone") && title.contains("\\*bold\\*"),
            "{title}"
        );
    }

    #[test]
    fn discord_batches_by_ten_embeds_and_6000_chars() {
        let ms: Vec<Mention> = (0..25).map(|i| mention(i, "acme", "t", None)).collect();
        let b = bodies(WebhookFormat::Discord, &ms);
        assert_eq!(b.len(), 3);
        let big: Vec<Mention> = (0..10)
            .map(|i| {
                with(mention(i, "acme", &"T".repeat(300), None), |m| {
                    m.snippet = "s".repeat(5000)
                })
            })
            .collect();
        let b = bodies(WebhookFormat::Discord, &big);
        assert!(b.len() > 1);
        for v in &b {
            let embeds = v["embeds"].as_array().cloned().unwrap_or_default();
            assert!(embeds.len() <= 10);
            let chars: usize = embeds
                .iter()
                .map(|e| {
                    let s = |p: &str| {
                        e.pointer(p)
                            .and_then(Value::as_str)
                            .map_or(0, |s| s.chars().count())
                    };
                    let fields: usize = e["fields"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|f| s_of(f, "/name") + s_of(f, "/value"))
                        .sum();
                    s("/title") + s("/description") + s("/footer/text") + fields
                })
                .sum();
            assert!(chars <= 6000, "{chars}");
            for e in &embeds {
                assert!(s_of(e, "/title") <= 256 && s_of(e, "/description") <= 4096);
            }
        }
    }

    fn s_of(v: &Value, p: &str) -> usize {
        v.pointer(p)
            .and_then(Value::as_str)
            .map_or(0, |s| s.chars().count())
    }

    #[test]
    fn teams_shape() {
        let ms = vec![
            hostile(),
            with(mention(8, "acme", "t", Some("positive")), |m| {
                m.url = None;
                m.canonical_url = None;
            }),
        ];
        let b = bodies(WebhookFormat::Teams, &ms);
        assert_eq!(b.len(), 1);
        let v = &b[0];
        assert_eq!(str_at(v, "/type"), "message");
        assert_eq!(
            str_at(v, "/attachments/0/contentType"),
            "application/vnd.microsoft.card.adaptive"
        );
        let card = &v["attachments"][0]["content"];
        assert_eq!(str_at(card, "/type"), "AdaptiveCard");
        assert_eq!(str_at(card, "/body/1/style"), "attention");
        assert_eq!(str_at(card, "/body/2/style"), "good");
        assert_eq!(str_at(card, "/body/1/items/0/inlines/1/type"), "TextRun");
        assert_eq!(
            str_at(card, "/body/1/items/0/inlines/1/text"),
            hostile().title
        );
        assert_eq!(
            str_at(card, "/body/1/items/3/actions/0/type"),
            "Action.OpenUrl"
        );
        // The snippet's term is highlighted; no link for a mention without one.
        let m2 = &card["body"][2]["items"];
        assert!(m2
            .as_array()
            .is_some_and(|a| a.iter().all(|i| i["type"] != "ActionSet")));
        let snippet = &card["body"][2]["items"][2]["inlines"];
        assert!(
            snippet.as_array().is_some_and(|a| a
                .iter()
                .any(|r| r["highlight"] == true && r["text"] == "Acme")),
            "{snippet:#}"
        );
    }

    #[test]
    fn teams_splits_large_batches() {
        let ms: Vec<Mention> = (0..60)
            .map(|i| {
                with(mention(i, "acme", &"T".repeat(200), None), |m| {
                    m.snippet = "s".repeat(600)
                })
            })
            .collect();
        let b = bodies(WebhookFormat::Teams, &ms);
        assert!(b.len() > 1);
        assert!(b.iter().all(|v| v.to_string().len() < 28_000));
    }

    #[test]
    fn cutting_and_cleaning_helpers() {
        let cases: &[(&str, usize, &str)] = &[
            ("abc", 3, "abc"),
            ("abcd", 3, "ab…"),
            ("ééé", 2, "é…"),
            ("a b", 0, ""),
        ];
        for (input, max, want) in cases {
            assert_eq!(cut(input, *max), *want, "cut({input:?}, {max})");
        }
        assert_eq!(one_line("  a\r\n\tb\u{202e}c  "), "a b c");
        assert_eq!(esc_cut("<<<<", 9, slack_into), "&lt;&lt;…");
        assert_eq!(esc_cut("<<<<", 8, slack_into), "&lt;…");
        assert_eq!(esc_cut("<", 4, slack_into), "&lt;");
        assert_eq!(
            term_ranges("Die Straße", &["STRASSE".to_string()]),
            vec![(4, 11)]
        );
        assert!(term_ranges("abc", &[String::new()]).is_empty());
    }
}
