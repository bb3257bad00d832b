//! Emails: the instant alert for one mention and the digest of many for a
//! route and period, each as subject, plain text and HTML. Every subject is
//! made by [`subject_line`]. Pure: no I/O, no failure.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use super::escape::{
    cut, header_text, highlighted, html, html_into, multi_line, one_line, web_link,
};
use super::mention::{
    human, label, meta_line, plural, rfc3339, sources, terms, title, tone, when, Tone,
};
use crate::store::Mention;

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

/// Subject lines are cut to this many chars.
const SUBJECT_MAX: usize = 150;
/// Full text in an alert email is cut to this many chars.
const EMAIL_TEXT_MAX: usize = 20_000;
/// A digest lists at most this many mentions (the counts cover all of them).
const DIGEST_ITEMS_MAX: usize = 300;
/// A digest lists at most this many failed deliveries.
const DIGEST_FAILED_MAX: usize = 100;

/// Instant alert for one mention.
pub fn mention_email(m: &Mention) -> Email {
    Email {
        subject: mention_subject(m),
        text: mention_text(m),
        html: mention_html(m),
    }
}

/// The one place every subject line, alert or digest, is finished: made
/// header-safe ([`header_text`]: no encoded-words, no invisible characters)
/// and cut to [`SUBJECT_MAX`] chars.
fn subject_line(s: &str) -> String {
    cut(&header_text(s), SUBJECT_MAX)
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
    subject_line(&subject)
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
    digest_email_with_spikes(info, &[], mentions, failed)
}

/// [`digest_email`] with a line on top for each spike it lists
/// (`spike::spike_line`).
pub fn digest_email_with_spikes(
    info: &DigestInfo<'_>,
    spikes: &[String],
    mentions: &[Mention],
    failed: &[FailedDelivery],
) -> Email {
    let mut d = Digest::new(info, mentions, failed);
    d.spikes = spikes;
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
    /// One line each, on top.
    spikes: &'a [String],
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
            spikes: &[],
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
        subject_line(&s)
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
        for line in self.spikes {
            out.push_str(&format!("{}\n\n", one_line(line)));
        }
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
        for line in self.spikes {
            out.push_str(&format!(
                "<p style=\"color:{}\"><strong>{}</strong></p>\n",
                Tone::Negative.hex(),
                html(&one_line(line))
            ));
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::render::fixtures::{at, mention, with};

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
}
