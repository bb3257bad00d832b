//! What a route says about itself rather than about one mention: the spike
//! alert (a burst of negative mentions of one watch, folded into one message)
//! and the notice that a route's `max_per_hour` now holds a watch's alerts
//! back. Both are built as a [`Notice`] (plain, cleaned parts), then rendered
//! for email (subject, text, HTML) and for every chat dialect, escaped through
//! `escape` like every other alert. Also the one line a digest shows at its
//! top for each spike it lists.
//!
//! Pure: no I/O, no clock (times come in), no failure. Titles and links are
//! from the network and hostile; watch and route names are the operator's,
//! escaped all the same.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use chrono_tz::Tz;

use super::Frame;
use serde_json::{json, Value};

use super::escape::{
    cut, esc_cut, header_text, html, md_into, md_url, mention_into, one_line, slack_into,
    slack_url, web_link,
};
use super::mention::human;
use super::mention::{meta_line, plural, title, Tone};
use super::Email;
use crate::config::WebhookFormat;
use crate::store::SpikeSummary;

/// Subject lines are cut to this many chars (as alert subjects are).
const SUBJECT_MAX: usize = 150;

/// A message about a route, in plain parts: cleaned of control characters
/// and cut, not yet escaped for any target.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// Email subject (before header escaping).
    subject: String,
    /// The first line every target shows.
    heading: String,
    /// Paragraphs under it.
    lines: Vec<String>,
    /// Name/value rows ("Top sources", …).
    facts: Vec<(&'static str, String)>,
    /// Mentions to show (spike: the first few), oldest first.
    items: Vec<Item>,
    /// What the list of items is called.
    items_heading: &'static str,
    /// A command that lists them all.
    command: Option<String>,
    footer: String,
    tone: Tone,
    /// The generic webhook's JSON body (strings as found, JSON-escaped only).
    data: Value,
}

#[derive(Debug, Clone, PartialEq)]
struct Item {
    title: String,
    link: Option<String>,
    meta: String,
}

/// "30 min", "2 h", "1 h 30 min", "90 s".
fn duration_words(d: Duration) -> String {
    let s = d.num_seconds().max(0);
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, m, 0) => format!("{m} min"),
        (h, 0, 0) => format!("{h} h"),
        (h, m, 0) => format!("{h} h {m} min"),
        _ => format!("{s} s"),
    }
}

/// "2026-11-22 10:02–10:31 CET" when both ends fall on one local day in one
/// zone, else both in full; one time when they fall in the same minute.
fn span(a: DateTime<Utc>, b: DateTime<Utc>, frame: &Frame) -> String {
    let (la, lb) = (a.with_timezone(&frame.tz), b.with_timezone(&frame.tz));
    let zone = |t: &DateTime<Tz>| t.format("%Z").to_string();
    let minute = |t: &DateTime<Tz>| t.format("%Y-%m-%d %H:%M %Z").to_string();
    if minute(&la) == minute(&lb) {
        human(a, frame)
    } else if la.date_naive() == lb.date_naive() && zone(&la) == zone(&lb) {
        format!(
            "{} {}–{} {}",
            la.format("%Y-%m-%d"),
            la.format("%H:%M"),
            lb.format("%H:%M"),
            zone(&lb)
        )
    } else {
        format!("{} – {}", human(a, frame), human(b, frame))
    }
}

/// A word for a shell: as it is when it is plainly safe, else single-quoted.
fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// `earshot mentions list --watch W --sentiment negative --since T`: the
/// spike's mentions (and any after them), `T` its start in local time.
fn list_command(s: &SpikeSummary, frame: &Frame) -> String {
    format!(
        "earshot mentions list --watch {} --sentiment negative --since {}",
        shell_word(&one_line(&s.watch)),
        s.started_at
            .with_timezone(&frame.tz)
            .to_rfc3339_opts(SecondsFormat::Secs, true)
    )
}

/// "Spike: 14 negative mentions of acme in 30 min, 2026-11-22 10:02–10:31
/// CET": a spike as one line, the top line of a digest that lists it.
pub fn spike_line(s: &SpikeSummary, frame: &Frame) -> String {
    format!(
        "Spike: {} of {} in {}, {}",
        plural(s.count as usize, "negative mention", "negative mentions"),
        cut(&one_line(&s.watch), 60),
        duration_words(s.ends_at - s.started_at),
        span(s.started_at, s.last_found_at, frame)
    )
}

/// The spike alert: watch, count, window, top sources, the first titles
/// with links, and the command that lists them all.
pub fn spike_notice(s: &SpikeSummary, frame: &Frame) -> Notice {
    let watch = cut(&one_line(&s.watch), 60);
    let route = cut(&one_line(&s.route), 60);
    let within = duration_words(s.ends_at - s.started_at);
    let folded = s.count.saturating_sub(s.alone);
    let mut lines = vec![format!(
        "{} within {within} make a spike on route {route}.",
        plural(
            s.negatives as usize,
            "negative mention",
            "negative mentions"
        )
    )];
    lines.push(format!(
        "{} out on their own before that; {folded} {} folded into this alert instead of one each, as is every further negative mention of {watch} on this route until {}, when the window closes. The folded ones are listed in the route's next digest.",
        plural(s.alone as usize, "alert went", "alerts went"),
        if folded == 1 { "is" } else { "are" },
        human(s.ends_at, frame)
    ));
    let sources: Vec<String> = s
        .sources
        .iter()
        .map(|(name, n)| format!("{} {n}", cut(&one_line(name), 60)))
        .collect();
    let mut facts = vec![
        ("Watch", watch.clone()),
        ("Negative mentions", s.count.to_string()),
        (
            "Window",
            format!(
                "{} – {}",
                human(s.started_at, frame),
                human(s.ends_at, frame)
            ),
        ),
    ];
    if !sources.is_empty() {
        facts.push(("Top sources", sources.join(", ")));
    }
    let inbox = frame.negatives_url(&s.watch);
    if let Some(u) = &inbox {
        facts.push(("In earshot", u.clone()));
    }
    let items = s
        .first
        .iter()
        .map(|m| Item {
            title: title(m),
            link: web_link(m),
            meta: meta_line(m, frame),
        })
        .collect();
    let command = list_command(s, frame);
    let data = json!({
        "event": "spike",
        "spike": {
            "id": s.id,
            "route": s.route,
            "watch": s.watch,
            "negatives": s.negatives,
            "count": s.count,
            "alone": s.alone,
            "folded": folded,
            "started_at": rfc3339(s.started_at),
            "ends_at": rfc3339(s.ends_at),
            "last_found_at": rfc3339(s.last_found_at),
            "sources": s.sources.iter().map(|(name, n)| json!({"name": name, "count": n})).collect::<Vec<_>>(),
            "mentions": s.first.iter().map(|m| json!({
                "id": m.id,
                "title": m.title,
                "url": m.url,
                "found_at": rfc3339(m.found_at),
            })).collect::<Vec<_>>(),
            "list_command": command,
            "inbox_url": inbox,
        },
    });
    Notice {
        subject: format!(
            "[earshot] spike · {watch} · {} in {within}",
            plural(s.count as usize, "negative mention", "negative mentions")
        ),
        heading: spike_line(s, frame),
        lines,
        facts,
        items,
        items_heading: "First mentions",
        command: Some(command),
        footer: format!("earshot spike #{} · route {route}", s.id),
        tone: Tone::Negative,
        data,
    }
}

/// The notice that `max_per_hour` now holds back a watch's instant alerts
/// on a route, until its next digest (`digest_at`, when the route is still
/// configured).
pub fn cap_notice(
    route: &str,
    watch: &str,
    max_per_hour: Option<u32>,
    digest_at: Option<DateTime<Utc>>,
    frame: &Frame,
) -> Notice {
    let watch_c = cut(&one_line(watch), 60);
    let route_c = cut(&one_line(route), 60);
    let cap = max_per_hour.map_or_else(
        || "max_per_hour".to_string(),
        |m| format!("max_per_hour = {m}"),
    );
    let heading = format!(
        "{cap} reached for watch {watch_c}: further alerts this hour go into the next digest"
    );
    let next = digest_at.map_or_else(
        || "the next digest".to_string(),
        |t| format!("the digest of {}", human(t, frame)),
    );
    let lines = vec![format!(
        "Route {route_c} sent its {} for {watch_c} in the last hour. Further alerts about {watch_c} are held back into {next}; other watches are not held back. This notice comes once an hour at most.",
        max_per_hour.map_or_else(|| "hourly share of alerts".to_string(), |m| plural(m as usize, "instant alert", "instant alerts")),
    )];
    Notice {
        subject: format!("[earshot] {route_c} · {cap} reached for watch {watch_c}"),
        heading: heading.clone(),
        lines,
        facts: Vec::new(),
        items: Vec::new(),
        items_heading: "",
        command: None,
        footer: format!("earshot notice · route {route_c}"),
        tone: Tone::Neutral,
        data: json!({
            "event": "notice",
            "notice": {
                "kind": "max_per_hour",
                "route": route,
                "watch": watch,
                "max_per_hour": max_per_hour,
                "digest_at": digest_at.map(rfc3339),
                "text": heading,
            },
        }),
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The notice as an email.
pub fn notice_email(n: &Notice) -> Email {
    Email {
        subject: cut(&header_text(&n.subject), SUBJECT_MAX),
        text: notice_text(n),
        html: notice_html(n),
    }
}

fn notice_text(n: &Notice) -> String {
    let mut out = format!("{}\n", n.heading);
    for l in &n.lines {
        out.push('\n');
        out.push_str(l);
        out.push('\n');
    }
    if !n.facts.is_empty() {
        out.push('\n');
        let width = n
            .facts
            .iter()
            .map(|(name, _)| name.len() + 2)
            .max()
            .unwrap_or(0);
        for (name, value) in &n.facts {
            out.push_str(&format!("{:<width$}{value}\n", format!("{name}:")));
        }
    }
    if !n.items.is_empty() {
        out.push_str(&format!("\n{}:\n", n.items_heading));
        for i in &n.items {
            out.push_str(&format!("- {}\n", i.title));
            if let Some(link) = &i.link {
                out.push_str(&format!("  {link}\n"));
            }
            out.push_str(&format!("  {}\n", i.meta));
        }
    }
    if let Some(c) = &n.command {
        out.push_str(&format!("\nAll of them:\n  {c}\n"));
    }
    out.push_str(&format!("\n-- \n{}\n", n.footer));
    out
}

fn notice_html(n: &Notice) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n</head>\n\
         <body style=\"font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#222\">\n\
         <div style=\"border-left:4px solid {};padding:4px 12px\">\n<h2 style=\"margin:0 0 8px\">{}</h2>\n",
        html(&n.heading),
        n.tone.hex(),
        html(&n.heading)
    );
    for l in &n.lines {
        out.push_str(&format!("<p>{}</p>\n", html(l)));
    }
    if !n.facts.is_empty() {
        out.push_str("<table cellpadding=\"2\" style=\"border-collapse:collapse\">\n");
        for (name, value) in &n.facts {
            out.push_str(&format!(
                "<tr><th align=\"left\" style=\"padding-right:12px\">{name}</th><td>{}</td></tr>\n",
                html(value)
            ));
        }
        out.push_str("</table>\n");
    }
    if !n.items.is_empty() {
        out.push_str(&format!("<h3>{}</h3>\n<ul>\n", n.items_heading));
        for i in &n.items {
            let head = match &i.link {
                Some(href) => format!("<a href=\"{}\">{}</a>", html(href), html(&i.title)),
                None => html(&i.title),
            };
            out.push_str(&format!(
                "<li>{head}<br><small style=\"color:#555\">{}</small></li>\n",
                html(&i.meta)
            ));
        }
        out.push_str("</ul>\n");
    }
    if let Some(c) = &n.command {
        out.push_str(&format!(
            "<p>All of them:<br><code>{}</code></p>\n",
            html(c)
        ));
    }
    out.push_str(&format!(
        "<p style=\"color:#777;font-size:12px\">{}</p>\n</div>\n</body>\n</html>\n",
        html(&n.footer)
    ));
    out
}

/// The notice as one chat message in `format`.
pub fn notice_chat(format: WebhookFormat, n: &Notice) -> Value {
    match format {
        WebhookFormat::Generic => n.data.clone(),
        WebhookFormat::Slack => slack(n),
        WebhookFormat::Mattermost => json!({"text": markdown(n)}),
        WebhookFormat::Discord => discord(n),
        WebhookFormat::Teams => teams(n),
    }
}

fn slack(n: &Notice) -> Value {
    let esc = |s: &str, max| esc_cut(s, max, slack_into);
    let mut text = format!("{} *{}*", n.tone.emoji(), esc(&n.heading, 300));
    for l in &n.lines {
        text.push('\n');
        text.push_str(&esc(l, 1000));
    }
    let mut blocks = vec![json!({"type": "section", "text": {"type": "mrkdwn", "text": text}})];
    if !n.facts.is_empty() {
        let facts: Vec<String> = n
            .facts
            .iter()
            .map(|(name, v)| format!("*{name}:* {}", esc(v, 300)))
            .collect();
        blocks
            .push(json!({"type": "section", "text": {"type": "mrkdwn", "text": facts.join("\n")}}));
    }
    if !n.items.is_empty() {
        let mut list = format!("*{}*", n.items_heading);
        for i in &n.items {
            let t = esc(&i.title, 150).replace('|', "¦");
            match &i.link {
                Some(link) => list.push_str(&format!("\n• <{}|{t}>", slack_url(link))),
                None => list.push_str(&format!("\n• {t}")),
            }
        }
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": list}}));
    }
    let mut context = esc(&n.footer, 200);
    if let Some(c) = &n.command {
        context = format!("`{}` · {context}", esc(c, 500));
    }
    blocks.push(json!({"type": "context", "elements": [{"type": "mrkdwn", "text": context}]}));
    json!({"text": esc(&n.heading, 300), "blocks": blocks})
}

/// Markdown for Mattermost (and Discord's description).
fn markdown(n: &Notice) -> String {
    let esc = |s: &str, max| esc_cut(s, max, md_into);
    let mut out = format!("**{}**", esc(&n.heading, 300));
    for l in &n.lines {
        out.push_str("\n\n");
        out.push_str(&esc(l, 1000));
    }
    if !n.facts.is_empty() {
        out.push('\n');
        for (name, v) in &n.facts {
            out.push_str(&format!("\n**{name}:** {}", esc(v, 300)));
        }
    }
    if !n.items.is_empty() {
        out.push_str(&format!("\n\n**{}**", n.items_heading));
        for i in &n.items {
            let t = esc(&i.title, 150);
            match &i.link {
                Some(link) => out.push_str(&format!("\n• [{t}]({})", md_url(link))),
                None => out.push_str(&format!("\n• {t}")),
            }
        }
    }
    if let Some(c) = &n.command {
        out.push_str(&format!("\n\n{}", esc(c, 500)));
    }
    out
}

fn discord(n: &Notice) -> Value {
    let esc = |s: &str, max| esc_cut(s, max, md_into);
    let mut description = n
        .lines
        .iter()
        .map(|l| esc(l, 1000))
        .collect::<Vec<_>>()
        .join("\n\n");
    if !n.items.is_empty() {
        description.push_str(&format!("\n\n**{}**", n.items_heading));
        for i in &n.items {
            let t = esc(&i.title, 150);
            match &i.link {
                Some(link) => description.push_str(&format!("\n• [{t}]({})", md_url(link))),
                None => description.push_str(&format!("\n• {t}")),
            }
        }
    }
    if let Some(c) = &n.command {
        description.push_str(&format!("\n\n{}", esc(c, 500)));
    }
    let fields: Vec<Value> = n
        .facts
        .iter()
        .map(|(name, v)| json!({"name": name, "value": esc(v, 1000), "inline": true}))
        .collect();
    json!({
        "content": format!("**earshot:** {}", esc(&n.heading, 300)),
        "embeds": [{
            "title": esc(&n.heading, 256),
            "description": description,
            "color": n.tone.rgb(),
            "fields": fields,
            "footer": {"text": esc_cut(&n.footer, 200, mention_into)},
        }],
        "allowed_mentions": {"parse": []},
    })
}

fn teams(n: &Notice) -> Value {
    let run = |s: &str| json!({"type": "TextRun", "text": s});
    let mut body = vec![json!({"type": "RichTextBlock", "inlines": [
        {"type": "TextRun", "text": format!("{} ", n.tone.emoji())},
        {"type": "TextRun", "text": cut(&n.heading, 300), "weight": "Bolder", "color": n.tone.teams_colour()},
    ]})];
    for l in &n.lines {
        body.push(json!({"type": "RichTextBlock", "inlines": [run(&cut(l, 1000))]}));
    }
    if !n.facts.is_empty() {
        body.push(json!({"type": "FactSet", "facts": n.facts.iter()
            .map(|(name, v)| json!({"title": name, "value": cut(v, 300)}))
            .collect::<Vec<_>>()}));
    }
    for i in &n.items {
        let mut t = json!({"type": "TextRun", "text": cut(&i.title, 200), "weight": "Bolder"});
        if let Some(link) = &i.link {
            t["selectAction"] = json!({"type": "Action.OpenUrl", "url": link});
        }
        body.push(json!({"type": "RichTextBlock", "inlines": [t,
            {"type": "TextRun", "text": format!(" · {}", cut(&i.meta, 200)), "isSubtle": true, "size": "Small"}]}));
    }
    if let Some(c) = &n.command {
        body.push(json!({"type": "RichTextBlock", "inlines": [
            {"type": "TextRun", "text": cut(c, 500), "fontType": "Monospace"}]}));
    }
    body.push(json!({"type": "RichTextBlock", "inlines": [
        {"type": "TextRun", "text": cut(&n.footer, 200), "isSubtle": true, "size": "Small"}]}));
    super::chat::teams_message(body)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::notify::render::fixtures::{mention, with};

    const AMS: Tz = chrono_tz::Europe::Amsterdam;

    fn at(h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, h, min, 0)
            .single()
            .expect("a valid time")
    }

    /// A spike of 14 negative mentions of acme, 09:02–09:31 UTC (10:02–10:31
    /// CET), the first of them with hostile titles.
    fn summary() -> SpikeSummary {
        let hostile = with(
            mention(
                7,
                "acme",
                "<script>x</script> @everyone <!channel> *storing* [a](javascript:x)",
                Some("negative"),
            ),
            |m| m.url = Some("https://forum.example/t/7?a=1&b=<2>|x".to_string()),
        );
        let plain = |id: i64, t: &str| {
            with(mention(id, "acme", t, Some("negative")), |m| {
                m.found_at = at(9, 2 + id as u32)
            })
        };
        SpikeSummary {
            id: 3,
            route: "acme-complaints".to_string(),
            watch: "acme".to_string(),
            negatives: 10,
            started_at: at(9, 2),
            ends_at: at(9, 32),
            count: 14,
            alone: 9,
            last_found_at: at(9, 31),
            sources: vec![("forum".to_string(), 9), ("Trustpilot".to_string(), 5)],
            first: vec![
                hostile,
                plain(8, "Geen internet in Utrecht"),
                plain(9, "Storing?"),
            ],
        }
    }

    #[test]
    fn the_spike_line_gives_count_watch_window_and_local_times() {
        assert_eq!(
            spike_line(&summary(), &Frame::local(AMS)),
            "Spike: 14 negative mentions of acme in 30 min, 2026-11-22 10:02–10:31 CET"
        );
        // Across local midnight both ends are written in full.
        let mut s = summary();
        s.started_at = at(22, 50);
        s.ends_at = at(23, 50);
        s.last_found_at = at(23, 10);
        assert_eq!(
            spike_line(&s, &Frame::local(AMS)),
            "Spike: 14 negative mentions of acme in 1 h, 2026-11-22 23:50 CET – 2026-11-23 00:10 CET"
        );
        s.last_found_at = s.started_at + Duration::seconds(20);
        assert!(spike_line(&s, &Frame::local(AMS)).ends_with("in 1 h, 2026-11-22 23:50 CET"));
        assert_eq!(duration_words(Duration::minutes(90)), "1 h 30 min");
        assert_eq!(duration_words(Duration::seconds(90)), "90 s");
    }

    #[test]
    fn the_command_lists_the_spike_from_its_local_start() {
        let n = spike_notice(&summary(), &Frame::local(AMS));
        assert_eq!(
            n.command.as_deref(),
            Some("earshot mentions list --watch acme --sentiment negative --since 2026-11-22T10:02:00+01:00")
        );
        let mut s = summary();
        s.watch = "acme's shop".to_string();
        assert!(list_command(&s, &Frame::local(AMS)).contains("--watch 'acme'\\''s shop' "));
    }

    #[test]
    fn spike_email_escapes_what_came_from_the_network() {
        let e = notice_email(&spike_notice(&summary(), &Frame::local(AMS)));
        assert_eq!(
            e.subject,
            "[earshot] spike · acme · 14 negative mentions in 30 min"
        );
        for part in [
            "Spike: 14 negative mentions of acme in 30 min, 2026-11-22 10:02–10:31 CET",
            "10 negative mentions within 30 min make a spike on route acme-complaints.",
            "9 alerts went out on their own before that; 5 are folded into this alert",
            "until 2026-11-22 10:32 CET",
            "Top sources:       forum 9, Trustpilot 5",
            "- Geen internet in Utrecht\n  https://example.com/review/8\n",
            "--since 2026-11-22T10:02:00+01:00",
            "earshot spike #3 · route acme-complaints",
        ] {
            assert!(e.text.contains(part), "text lacks {part:?}:\n{}", e.text);
        }
        assert!(!e.html.contains("<script>"), "{}", e.html);
        assert!(
            e.html.contains("&lt;script&gt;x&lt;/script&gt;"),
            "{}",
            e.html
        );
        assert!(
            e.html
                .contains("href=\"https://forum.example/t/7?a=1&amp;b=%3C2%3E|x\""),
            "{}",
            e.html
        );
    }

    #[test]
    fn spike_chat_cannot_ping_or_forge_links() {
        let n = spike_notice(&summary(), &Frame::local(AMS));
        let slack = notice_chat(WebhookFormat::Slack, &n).to_string();
        assert!(
            !slack.contains("<!channel>") && !slack.contains("@everyone"),
            "{slack}"
        );
        assert!(
            slack.contains("<https://forum.example/t/7?a=1&amp;b=%3C2%3E%7Cx|"),
            "{slack}"
        );
        for format in [WebhookFormat::Discord, WebhookFormat::Mattermost] {
            let body = notice_chat(format, &n).to_string();
            assert!(
                !body.contains("@everyone") && !body.contains("[a](javascript"),
                "{body}"
            );
        }
        let discord = notice_chat(WebhookFormat::Discord, &n);
        assert_eq!(discord["allowed_mentions"]["parse"], json!([]));
        let generic = notice_chat(WebhookFormat::Generic, &n);
        assert_eq!(generic["event"], "spike");
        assert_eq!(generic["spike"]["count"], 14);
        assert_eq!(generic["spike"]["folded"], 5);
        assert_eq!(
            generic["spike"]["sources"][0],
            json!({"name": "forum", "count": 9})
        );
        assert_eq!(
            generic["spike"]["mentions"].as_array().map(Vec::len),
            Some(3)
        );
        let teams = notice_chat(WebhookFormat::Teams, &n);
        assert_eq!(teams["attachments"][0]["content"]["type"], "AdaptiveCard");
    }

    #[test]
    fn the_cap_notice_says_which_watch_and_until_when() {
        let n = cap_notice(
            "acme-complaints",
            "acme",
            Some(5),
            Some(at(10, 0)),
            &Frame::local(AMS),
        );
        let e = notice_email(&n);
        assert!(
            e.text.starts_with(
                "max_per_hour = 5 reached for watch acme: further alerts this hour go into the next digest\n"
            ),
            "{}",
            e.text
        );
        assert!(
            e.text.contains("into the digest of 2026-11-22 11:00 CET"),
            "{}",
            e.text
        );
        assert!(
            e.text.contains("other watches are not held back"),
            "{}",
            e.text
        );
        assert_eq!(
            e.subject,
            "[earshot] acme-complaints · max_per_hour = 5 reached for watch acme"
        );
        let generic = notice_chat(WebhookFormat::Generic, &n);
        assert_eq!(generic["event"], "notice");
        assert_eq!(generic["notice"]["watch"], "acme");
        assert_eq!(generic["notice"]["max_per_hour"], 5);
    }

    #[test]
    fn snapshots() {
        let n = spike_notice(&summary(), &Frame::local(AMS));
        let e = notice_email(&n);
        insta::assert_snapshot!("spike_email_text", e.text);
        insta::assert_snapshot!("spike_email_html", e.html);
        let pretty = |v: Value| serde_json::to_string_pretty(&v).unwrap_or_default();
        insta::assert_snapshot!("spike_slack", pretty(notice_chat(WebhookFormat::Slack, &n)));
        insta::assert_snapshot!(
            "spike_generic",
            pretty(notice_chat(WebhookFormat::Generic, &n))
        );
        let cap = cap_notice(
            "acme-complaints",
            "acme",
            Some(5),
            Some(at(10, 0)),
            &Frame::local(AMS),
        );
        insta::assert_snapshot!("cap_notice_text", notice_email(&cap).text);
    }
}
