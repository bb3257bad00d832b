//! Chat webhooks: the JSON bodies for generic receivers, Slack, Microsoft
//! Teams, Discord and Mattermost, each batched within its receiver's limits
//! and escaped for its dialect (through `escape`). People's formats put the
//! customer's words first (title and link, snippet, author, source, stars),
//! then the label with one line of why, then the watch and the time in
//! `[daemon] timezone`. Pure: no I/O, no failure.

use super::Frame;
use serde_json::{json, Value};

use super::escape::{
    cut, esc_cut, md_into, md_url, mention_into, one_line, slack_into, slack_url, term_ranges,
    web_link,
};
use super::mention::{
    author, byline, human, label, plural, rfc3339, sources, stars, title, tone, verdict, when, why,
    Tone,
};
use crate::config::WebhookFormat;
use crate::store::Mention;

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
///                  "rating": {"value": 2, "worst": 1, "best": 5} | null,
///                  "text": "…"}]}
///   ```
///   Strings are as found on the web (only JSON-escaped): escape them for
///   wherever you show them. Times are RFC 3339 in UTC (a program's format;
///   people's formats below show `frame`).
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
pub fn webhook_bodies(
    format: WebhookFormat,
    mentions: &[Mention],
    frame: &Frame,
) -> Vec<(Value, Vec<i64>)> {
    if mentions.is_empty() {
        return Vec::new();
    }
    match format {
        WebhookFormat::Generic => vec![generic_body(mentions, frame)],
        WebhookFormat::Slack => mentions
            .chunks(SLACK_MENTIONS_MAX)
            .map(|ms| slack_body(ms, frame))
            .collect(),
        WebhookFormat::Teams => teams_bodies(mentions, frame),
        WebhookFormat::Discord => discord_bodies(mentions, frame),
        WebhookFormat::Mattermost => mentions
            .chunks(MATTERMOST_ATTACHMENTS_MAX)
            .map(|ms| mattermost_body(ms, frame))
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

fn generic_body(ms: &[Mention], frame: &Frame) -> (Value, Vec<i64>) {
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
                "rating": m.rating,
                "text": m.text,
                "inbox_url": frame.mention_url(m.id),
            })
        })
        .collect();
    (json!({"event": "mentions", "mentions": items}), ids(ms))
}

/// `acme · 2026-11-22 15:03 CET`: which watch, and when (local).
fn context(m: &Mention, frame: &Frame) -> String {
    format!(
        "{} · {}",
        cut(&one_line(&m.watch), 40),
        human(when(m), frame)
    )
}

fn slack_body(ms: &[Mention], frame: &Frame) -> (Value, Vec<i64>) {
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
        let mut text = format!("{} *{head}*", t.emoji());
        let snippet = esc_cut(&one_line(&m.snippet), 600, slack_into);
        if !snippet.is_empty() {
            text.push_str("\n>");
            text.push_str(&snippet);
        }
        text.push('\n');
        text.push_str(&esc_cut(&byline(m), 300, slack_into));
        if let Some(v) = verdict(m) {
            text.push('\n');
            text.push_str(&esc_cut(&v, 120, slack_into));
        }
        text.push('\n');
        text.push_str(&esc_cut(&context(m, frame), 100, slack_into));
        if let Some(inbox) = frame.mention_url(m.id) {
            text.push_str(&format!(" · <{}|open in earshot>", slack_url(&inbox)));
        }
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": text}}));
    }
    (json!({"text": fallback, "blocks": blocks}), ids(ms))
}

fn discord_embed(m: &Mention, frame: &Frame) -> (Value, usize) {
    let title = esc_cut(&title(m), 256, md_into);
    let snippet = esc_cut(&one_line(&m.snippet), 1000, md_into);
    let description = if snippet.is_empty() {
        "—".to_string()
    } else {
        snippet
    };
    let mut fields = Vec::new();
    if let Some(a) = author(m) {
        fields.push(("Author", esc_cut(&a, 100, md_into), true));
    }
    fields.push(("Source", esc_cut(&sources(m), 200, md_into), true));
    if let Some(s) = stars(m) {
        fields.push(("Rating", s, true));
    }
    if let Some(l) = label(m) {
        fields.push(("Sentiment", esc_cut(&l, 100, md_into), true));
        if let Some(w) = why(m) {
            fields.push(("Why", esc_cut(&w, 200, md_into), false));
        }
    }
    fields.push(("Watch", esc_cut(&one_line(&m.watch), 100, md_into), true));
    if let Some(inbox) = frame.mention_url(m.id) {
        fields.push((
            "Inbox",
            format!("[open in earshot]({})", md_url(&inbox)),
            true,
        ));
    }
    let footer = format!("earshot mention #{} · {}", m.id, human(when(m), frame));
    let chars = title.chars().count()
        + description.chars().count()
        + fields
            .iter()
            .map(|(n, v, _)| n.len() + v.chars().count())
            .sum::<usize>()
        + footer.chars().count();
    let mut embed = json!({
        "title": title,
        "description": description,
        "color": tone(m).rgb(),
        "timestamp": rfc3339(when(m)),
        "fields": fields
            .iter()
            .map(|(n, v, inline)| json!({"name": n, "value": if v.is_empty() { "—" } else { v }, "inline": inline}))
            .collect::<Vec<_>>(),
        "footer": {"text": footer},
    });
    if let Some(link) = web_link(m) {
        embed["url"] = json!(link);
    }
    (embed, chars)
}

fn discord_bodies(ms: &[Mention], frame: &Frame) -> Vec<(Value, Vec<i64>)> {
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
        let (embed, n) = discord_embed(m, frame);
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

fn mattermost_body(ms: &[Mention], frame: &Frame) -> (Value, Vec<i64>) {
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
            let field = |title: &str, value: String, short: bool| {
                json!({"short": short, "title": title, "value": value})
            };
            let mut fields = Vec::new();
            if let Some(a) = author(m) {
                fields.push(field("Author", esc_cut(&a, 100, md_into), true));
            }
            fields.push(field("Source", esc_cut(&sources(m), 200, md_into), true));
            if let Some(s) = stars(m) {
                fields.push(field("Rating", s, true));
            }
            if let Some(l) = label(m) {
                fields.push(field("Sentiment", esc_cut(&l, 100, md_into), true));
                if let Some(w) = why(m) {
                    fields.push(field("Why", esc_cut(&w, 200, md_into), false));
                }
            }
            fields.push(field("Watch", esc_cut(&one_line(&m.watch), 100, md_into), true));
            fields.push(field("When", human(when(m), frame), true));
            if let Some(inbox) = frame.mention_url(m.id) {
                fields.push(field(
                    "Inbox",
                    format!("[open in earshot]({})", md_url(&inbox)),
                    true,
                ));
            }
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

fn teams_item(m: &Mention, frame: &Frame) -> Value {
    let t = tone(m);
    let mut items = vec![json!({"type": "RichTextBlock", "inlines": [
        {"type": "TextRun", "text": format!("{} ", t.emoji())},
        {"type": "TextRun", "text": cut(&title(m), 200), "weight": "Bolder", "color": t.teams_colour()},
    ]})];
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
    let line = |run: Value| json!({"type": "RichTextBlock", "inlines": [run]});
    items.push(line(
        json!({"type": "TextRun", "text": cut(&byline(m), 300)}),
    ));
    if let Some(v) = verdict(m) {
        items.push(line(
            json!({"type": "TextRun", "text": cut(&v, 120), "color": t.teams_colour()}),
        ));
    }
    items.push(line(
        json!({"type": "TextRun", "text": context(m, frame), "isSubtle": true, "size": "Small"}),
    ));
    let mut actions = Vec::new();
    if let Some(link) = web_link(m) {
        actions.push(json!({"type": "Action.OpenUrl", "title": "Open", "url": link}));
    }
    if let Some(inbox) = frame.mention_url(m.id) {
        actions.push(json!({"type": "Action.OpenUrl", "title": "Open in earshot", "url": inbox}));
    }
    if !actions.is_empty() {
        items.push(json!({"type": "ActionSet", "actions": actions}));
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
    (teams_message(body), ids(ms))
}

/// An Adaptive Card of `body` in the envelope a Teams Workflows webhook takes.
pub(super) fn teams_message(body: Vec<Value>) -> Value {
    let card = json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "msteams": {"width": "Full"},
        "body": body,
    });
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": card,
        }],
    })
}

/// One card per batch, a new card when the serialized containers would pass
/// `TEAMS_BYTES_MAX` or `TEAMS_ITEMS_MAX`.
fn teams_bodies(ms: &[Mention], frame: &Frame) -> Vec<(Value, Vec<i64>)> {
    let mut bodies = Vec::new();
    let mut start = 0;
    let mut items = Vec::new();
    let mut bytes = 0;
    for (i, m) in ms.iter().enumerate() {
        let v = teams_item(m, frame);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::render::fixtures::{mention, with};
    use chrono_tz::Europe::Amsterdam;

    /// Renders `ms` as `format` and checks every id is carried exactly once,
    /// in order, and that no body carries nothing.
    fn bodies(format: WebhookFormat, ms: &[Mention]) -> Vec<Value> {
        let out = webhook_bodies(format, ms, &Frame::local(Amsterdam));
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

    /// Every people's format, for one mention, as one string to search.
    fn people_formats(m: &Mention) -> Vec<(WebhookFormat, String)> {
        [
            WebhookFormat::Slack,
            WebhookFormat::Teams,
            WebhookFormat::Discord,
            WebhookFormat::Mattermost,
        ]
        .into_iter()
        .map(|f| (f, bodies(f, std::slice::from_ref(m))[0].to_string()))
        .collect()
    }

    /// Issue #12: chat shows the stars, the label and one line of the
    /// customer's words, local times with the zone, and none of the
    /// scorer's internals.
    #[test]
    fn issue12_chat_says_what_a_team_acts_on() {
        let review = with(
            mention(9, "acme", "Factuur klopt niet", Some("negative")),
            |m| {
                m.rating = Some(crate::store::StoredRating {
                    value: 2.0,
                    worst: 1.0,
                    best: 5.0,
                });
                m.published_at = Some(
                    chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 7, 1, 12, 0, 0).unwrap(),
                );
                if let Some(s) = m.sentiment.as_mut() {
                    s.reasons = vec![
                        "rating 2/5 → negative".into(),
                        "pattern broken_promise: 'belooft maar doet niets'".into(),
                        "contrast 'maar': before ×0.5, after ×1.5".into(),
                        "-1.4 'waardeloos'".into(),
                    ];
                }
            },
        );
        for (f, body) in people_formats(&review) {
            for want in [
                "★★☆☆☆",
                "belooft maar doet niets",
                "waardeloos",
                "2026-07-01 14:00 CEST",
            ] {
                assert!(body.contains(want), "{f:?} lacks {want:?}: {body}");
            }
            for internal in [
                "broken_promise",
                "pattern",
                "×",
                "-1.4",
                "rating 2/5",
                "-0.72",
            ] {
                assert!(!body.contains(internal), "{f:?} shows {internal:?}: {body}");
            }
        }
        let generic = bodies(WebhookFormat::Generic, &[review]);
        assert_eq!(
            generic[0].pointer("/mentions/0/rating"),
            Some(&json!({"value": 2, "worst": 1, "best": 5}))
        );
        assert_eq!(
            str_at(&generic[0], "/mentions/0/published_at"),
            "2026-07-01T12:00:00Z",
            "machine fields keep RFC 3339"
        );
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
            assert!(webhook_bodies(f, &[], &Frame::local(Amsterdam)).is_empty());
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
        assert_eq!(str_at(v, "/attachments/0/fields/0/title"), "Author");
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
        assert_eq!(str_at(v, "/embeds/0/fields/0/name"), "Author");
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
            str_at(card, "/body/1/items/5/actions/0/type"),
            "Action.OpenUrl"
        );
        // The snippet's term is highlighted; no link for a mention without one.
        let m2 = &card["body"][2]["items"];
        assert!(m2
            .as_array()
            .is_some_and(|a| a.iter().all(|i| i["type"] != "ActionSet")));
        let snippet = &card["body"][2]["items"][1]["inlines"];
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
}
