//! Emails: the instant alert for one mention and the digest of many for a
//! route and period, each as subject, plain text and HTML. Every subject is
//! made by [`subject_line`]. The customer's words come first (title, text,
//! link, author, source, stars), then the label and one line of why, then
//! times in `[daemon] timezone` and the watch. Pure: no I/O, no failure.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use super::Frame;

use super::escape::{
    cut, header_text, highlighted, html, html_into, multi_line, one_line, web_link,
};
use super::mention::{
    author, human, label, meta_line, plural, rfc3339, sources, stars, terms, title, tone, when,
    why, Tone,
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
/// A text up to this many chars leads the alert whole; a longer one leads
/// with its snippet and follows in full below the facts.
const LEAD_MAX: usize = 1_500;
/// A digest lists at most this many mentions (the counts cover all of them).
const DIGEST_ITEMS_MAX: usize = 300;
/// A digest lists at most this many failed deliveries.
const DIGEST_FAILED_MAX: usize = 100;

/// Instant alert for one mention, its times in `frame`.
pub fn mention_email(m: &Mention, frame: &Frame) -> Email {
    Email {
        subject: mention_subject(m),
        text: mention_text(m, frame),
        html: mention_html(m, frame),
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

/// What leads an alert: the customer's text when it is short enough, else
/// the snippet around the hit; and the full text to add below the facts
/// when the lead was the snippet. Both cleaned, not escaped.
fn lead(m: &Mention) -> (String, Option<String>) {
    let body = multi_line(&m.text);
    if body.chars().nth(LEAD_MAX).is_none() && !body.is_empty() {
        return (body, None);
    }
    let snippet = one_line(&m.snippet);
    let rest = (!body.is_empty()).then(|| cut(&body, EMAIL_TEXT_MAX));
    if snippet.is_empty() {
        return (
            rest.as_deref().map_or(String::new(), |b| cut(b, LEAD_MAX)),
            rest,
        );
    }
    (snippet, rest)
}

fn mention_text(m: &Mention, frame: &Frame) -> String {
    let mut out = String::new();
    out.push_str(&title(m));
    out.push_str("\n\n");
    let (lead, full) = lead(m);
    if !lead.is_empty() {
        out.push_str(&highlighted(
            &lead,
            &m.terms,
            |s, o| o.push_str(s),
            "**",
            "**",
        ));
        out.push_str("\n\n");
    }
    match web_link(m) {
        Some(link) => out.push_str(&format!("{:<11}{link}\n", "Link:")),
        None => out.push_str(&format!("{:<11}(no web link)\n", "Link:")),
    }
    for (name, value) in facts(m, frame) {
        out.push_str(&format!("{:<11}{value}\n", format!("{name}:")));
    }
    if let Some(full) = full {
        out.push_str("\nFull text:\n");
        out.push_str(&full);
        out.push('\n');
    }
    match frame.mention_url(m.id) {
        Some(inbox) => out.push_str(&format!("\n-- \nearshot mention #{}: {inbox}\n", m.id)),
        None => out.push_str(&format!("\n-- \nearshot mention #{}\n", m.id)),
    }
    out
}

fn mention_html(m: &Mention, frame: &Frame) -> String {
    let tone = tone(m);
    let title = title(m);
    let mut out = html_head(&title);
    out.push_str(&format!(
        "<div style=\"border-left:4px solid {};padding:4px 12px\">\n<h2 style=\"margin:0 0 8px\">",
        tone.hex()
    ));
    out.push_str(&html_link(web_link(m).as_deref(), &title));
    out.push_str("</h2>\n");
    let (lead, full) = lead(m);
    if !lead.is_empty() {
        out.push_str("<div style=\"white-space:pre-wrap;font-size:15px;margin:0 0 12px\">");
        out.push_str(&highlighted(
            &lead, &m.terms, html_into, "<mark>", "</mark>",
        ));
        out.push_str("</div>\n");
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
    out.push_str("<table cellpadding=\"2\" style=\"border-collapse:collapse\">\n");
    out.push_str(&format!(
        "<tr><th align=\"left\" style=\"padding-right:12px\">Link</th><td>{link}</td></tr>\n"
    ));
    for (name, value) in facts(m, frame) {
        out.push_str(&format!(
            "<tr><th align=\"left\" style=\"padding-right:12px\">{name}</th><td>{}</td></tr>\n",
            html(&value)
        ));
    }
    out.push_str("</table>\n");
    if let Some(full) = full {
        out.push_str("<h3>Full text</h3>\n<div style=\"white-space:pre-wrap\">");
        out.push_str(&html(&full));
        out.push_str("</div>\n");
    }
    let footer = format!("earshot mention #{}", m.id);
    out.push_str(&format!(
        "<p style=\"color:#777;font-size:12px\">{}</p>\n</div>\n</body>\n</html>\n",
        match frame.mention_url(m.id) {
            Some(inbox) => html_link(Some(&inbox), &footer),
            None => footer,
        }
    ));
    out
}

/// Digest of many mentions (and the deliveries that failed) for one route,
/// its times in `frame`.
pub fn digest_email(
    info: &DigestInfo<'_>,
    mentions: &[Mention],
    failed: &[FailedDelivery],
    frame: &Frame,
) -> Email {
    digest_email_with_spikes(info, &[], mentions, failed, frame)
}

/// [`digest_email`] with a line on top for each spike it lists
/// (`spike::spike_line`).
pub fn digest_email_with_spikes(
    info: &DigestInfo<'_>,
    spikes: &[String],
    mentions: &[Mention],
    failed: &[FailedDelivery],
    frame: &Frame,
) -> Email {
    let mut d = Digest::new(info, mentions, failed, frame);
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
    frame: &'a Frame,
    /// One line each, on top.
    spikes: &'a [String],
}

impl<'a> Digest<'a> {
    fn new(
        info: &DigestInfo<'_>,
        mentions: &'a [Mention],
        failed: &'a [FailedDelivery],
        frame: &'a Frame,
    ) -> Self {
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
            frame,
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
                out.push_str(&format!("\n- {}\n", title(m)));
                let snippet = cut(&one_line(&m.snippet), 200);
                if !snippet.is_empty() {
                    out.push_str(&format!("  {snippet}\n"));
                }
                if let Some(link) = web_link(m) {
                    out.push_str(&format!("  {link}\n"));
                }
                out.push_str(&format!("  {}\n", meta_line(m, self.frame)));
                if let Some(inbox) = self.frame.mention_url(m.id) {
                    out.push_str(&format!("  in earshot: {inbox}\n"));
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
                out.push_str(&html_link(web_link(m).as_deref(), &title(m)));
                let snippet = cut(&one_line(&m.snippet), 200);
                if !snippet.is_empty() {
                    out.push_str("<br>");
                    out.push_str(&highlighted(
                        &snippet, &m.terms, html_into, "<mark>", "</mark>",
                    ));
                }
                out.push_str(&format!(
                    "<br><small style=\"color:#555\">{}</small>",
                    html(&meta_line(m, self.frame))
                ));
                if let Some(inbox) = self.frame.mention_url(m.id) {
                    out.push_str(&format!(
                        " <small>{}</small>",
                        html_link(Some(&inbox), "open in earshot")
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

/// Name/value rows shared by the alert's text and HTML bodies, after the
/// link (values cleaned, not escaped): who and where, the stars, the label
/// and one line of why, then when (local, with the zone; RFC 3339 beside it
/// for machines) and what matched.
fn facts(m: &Mention, frame: &Frame) -> Vec<(&'static str, String)> {
    let mut rows = Vec::new();
    if let Some(a) = author(m) {
        rows.push(("Author", cut(&a, 100)));
    }
    rows.push(("Source", sources(m)));
    if let Some(s) = stars(m) {
        rows.push(("Rating", s));
    }
    if let Some(l) = label(m) {
        rows.push(("Sentiment", cut(&l, 30)));
        if let Some(w) = why(m) {
            rows.push(("Why", w));
        }
    }
    if let Some(t) = m.published_at {
        rows.push(("Published", format!("{} ({})", human(t, frame), rfc3339(t))));
    }
    rows.push((
        "Found",
        format!("{} ({})", human(m.found_at, frame), rfc3339(m.found_at)),
    ));
    rows.push(("Watch", one_line(&m.watch)));
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
    use chrono_tz::Europe::Amsterdam;

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
        let email = mention_email(m, &Frame::local(Amsterdam));
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
                    text: &["Watch:     acme", "Sentiment: negative\nWhy:       \"geen reactie\"\n",
                        "Author:    Jan", "Published: 2026-11-22 15:03 CET (2026-11-22T14:03:00Z)",
                        "https://example.com/review/1", "klacht over **Acme**."],
                    text_not: &["pattern", "no_response", "-0.72", "UTC"],
                    html: &["<a href=\"https://example.com/review/1\">Al 3 weken", "<mark>Acme</mark>", "#d93025",
                        "<td>2026-11-22 15:05 CET (2026-11-22T14:05:00Z)</td>"],
                    html_not: &["no_response", "-0.72"],
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
                "html in title, text, author",
                with(mention(4, "acme", "<script>alert(1)</script>", None), |m| {
                    m.author = Some("\"><img src=x onerror=alert(1)>".to_string());
                    m.text = "<script>alert(2)</script> <b>acme</b>".to_string();
                }),
                Expect {
                    html: &["&lt;script&gt;alert(1)&lt;/script&gt;", "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;",
                        "&lt;b&gt;<mark>acme</mark>&lt;/b&gt;", "&lt;script&gt;alert(2)"],
                    html_not: &["<img", "<b>"],
                    ..Expect::default()
                },
            ),
            (
                "html in a snippet (leading when there is no text)",
                with(mention(12, "acme", "t", None), |m| {
                    m.snippet = "<b>acme</b>".to_string();
                    m.text = String::new();
                }),
                Expect {
                    html: &["&lt;b&gt;<mark>acme</mark>&lt;/b&gt;"],
                    html_not: &["<b>"],
                    text: &["t\n\n<b>**acme**</b>\n\nLink:"],
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
                    m.text = String::new();
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
            (
                "issue #12: a review's stars; the customer's words before the verdict",
                with(mention(9, "acme", "Factuur klopt niet", Some("negative")), |m| {
                    m.rating = Some(crate::store::StoredRating { value: 2.0, worst: 1.0, best: 5.0 });
                    m.text = "Rekent te veel.".to_string();
                }),
                Expect {
                    text: &["Factuur klopt niet\n\nRekent te veel.\n\nLink:", "Rating:    ★★☆☆☆\nSentiment: negative\n"],
                    html: &["<td>★★☆☆☆</td>"],
                    ..Expect::default()
                },
            ),
            (
                "issue #12: a long text leads with its snippet and follows in full",
                with(mention(10, "acme", "x", None), |m| {
                    m.text = format!("begin {}end", "woord ".repeat(400));
                    m.snippet = "geen reactie van Acme".to_string();
                }),
                Expect {
                    text: &["x\n\ngeen reactie van **Acme**\n\nLink:", "\nFull text:\nbegin woord", "woord end\n"],
                    html: &["<h3>Full text</h3>"],
                    ..Expect::default()
                },
            ),
            (
                "issue #12: local times on both sides of the DST change",
                with(mention(11, "acme", "x", None), |m| {
                    m.published_at = Some(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 10, 25, 0, 30, 0).unwrap());
                    m.found_at = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 10, 25, 1, 30, 0).unwrap();
                }),
                Expect {
                    text: &["Published: 2026-10-25 02:30 CEST (2026-10-25T00:30:00Z)",
                        "Found:     2026-10-25 02:30 CET (2026-10-25T01:30:00Z)"],
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
        let s = mention_email(&m, &Frame::local(Amsterdam)).subject;
        assert_eq!(s.chars().count(), SUBJECT_MAX);
        assert!(s.ends_with("…\""), "{s}");
        let huge_watch = mention(2, &"w".repeat(500), "t", None);
        assert!(
            mention_email(&huge_watch, &Frame::local(Amsterdam))
                .subject
                .chars()
                .count()
                <= SUBJECT_MAX
        );
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
        let e = digest_email(&info, &ms, &failed, &Frame::local(Amsterdam));
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

        let quiet = digest_email(
            &info,
            &[mention(1, "acme", "x", Some("positive"))],
            &[],
            &Frame::local(Amsterdam),
        );
        assert_eq!(quiet.subject, "[earshot] ops digest · 1 mention");
        assert!(!quiet.text.contains("Failed deliveries"));
        let empty = digest_email(&info, &[], &[], &Frame::local(Amsterdam));
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
            &Frame::local(Amsterdam),
        );
        assert!(e.text.contains("… and 5 more not listed here."));
        assert!(e.subject.contains("305 mentions"));
        assert!(e.text.contains("By watch: acme 300, zeta 5"), "{}", e.text);
        assert!(!e.text.contains("== zeta") && !e.html.contains("<h3>zeta"));
    }
}
