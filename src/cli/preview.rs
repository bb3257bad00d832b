//! `earshot preview`: fetch and parse one source (a feed or review page URL,
//! one poll of an API source, or a configured source by name), print its
//! items, and say which watches each would match. Stores nothing.

use std::io::Write;

use crate::config::{self, Config, MatchMode, SourceKind};
use crate::http::Http;
use crate::pipeline::{Poller, SourceWatches};

use super::output::{self, Cell, FormatArg, Output};
use super::{Cli, UsageError};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The feed or review page to fetch (for an API kind: its base URL; for
    /// mastodon the instance, required).
    #[arg(long, required_unless_present_any = ["source", "query"])]
    pub url: Option<String>,
    /// Preview a source from the config instead, by name (any kind).
    #[arg(long, conflicts_with_all = ["url", "kind", "query"])]
    pub source: Option<String>,
    /// What kind of source to preview.
    #[arg(long, value_enum, default_value = "feed")]
    pub kind: KindArg,
    /// The search, for API kinds (hackernews, reddit; for mastodon, the
    /// hashtag; for appstore, the app id and optionally countries,
    /// "1234567890 nl be", default nl).
    #[arg(long)]
    pub query: Option<String>,
    #[command(flatten)]
    pub output: FormatArg,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum KindArg {
    Feed,
    Hackernews,
    Reviews,
    Mastodon,
    Reddit,
    Appstore,
}

impl From<KindArg> for SourceKind {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::Feed => SourceKind::Feed,
            KindArg::Hackernews => SourceKind::Hackernews,
            KindArg::Reviews => SourceKind::Reviews,
            KindArg::Mastodon => SourceKind::Mastodon,
            KindArg::Reddit => SourceKind::Reddit,
            KindArg::Appstore => SourceKind::Appstore,
        }
    }
}

/// The flags as the keys of a `[[source]]` table, which then goes through
/// the same checks and defaults as one in the config file. Previewed once,
/// so one page at most.
fn flags_table(args: &Args) -> Result<toml::Table, UsageError> {
    let kind: SourceKind = args.kind.into();
    let needs = |flags: &str| Err(UsageError(format!("preview {flags}")));
    match (args.kind, &args.url, &args.query) {
        (KindArg::Feed, None, _) => return needs("a feed with --url URL"),
        (KindArg::Reviews, None, _) => return needs("a review page with --url URL"),
        (KindArg::Mastodon, None, _) => {
            return needs("mastodon with --url INSTANCE --query HASHTAG")
        }
        (KindArg::Hackernews | KindArg::Reddit | KindArg::Appstore, _, None) => {
            return Err(UsageError(format!("--kind {kind} needs --query")))
        }
        _ => {}
    }
    let mut table = toml::Table::new();
    let mut set = |key: &str, value: toml::Value| table.insert(key.to_string(), value);
    set("name", "preview".into());
    set("kind", kind.as_str().into());
    if let Some(url) = &args.url {
        let key = if kind.keys().contains(&"url") {
            "url"
        } else {
            "base_url"
        };
        set(key, url.as_str().into());
    }
    if kind.keys().contains(&"max_pages") {
        set("max_pages", 1.into());
    }
    let query = args.query.as_deref().unwrap_or("");
    match args.kind {
        KindArg::Feed | KindArg::Reviews => {}
        KindArg::Hackernews | KindArg::Reddit => {
            set("query", query.into());
        }
        KindArg::Mastodon => {
            set("hashtags", vec![toml::Value::from(query)].into());
        }
        // "1234567890 nl be": the app, then its stores (the Dutch one
        // unless named).
        KindArg::Appstore => {
            let mut words = query
                .split(|c: char| c.is_whitespace() || c == ',')
                .filter(|w| !w.is_empty());
            set("app_id", words.next().unwrap_or("").into());
            let mut countries: Vec<toml::Value> = words.map(toml::Value::from).collect();
            if countries.is_empty() {
                countries.push("nl".into());
            }
            set("countries", countries.into());
        }
    }
    Ok(table)
}

#[derive(serde::Serialize)]
struct PreviewItem<'a> {
    key: &'a str,
    url: Option<&'a str>,
    title: &'a str,
    text: &'a str,
    author: Option<&'a str>,
    published_at: Option<chrono::DateTime<chrono::Utc>>,
    watches: Vec<&'a str>,
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<()> {
    let to = args.output.output()?;
    // The [http] settings, watches and time zone come from the config when
    // there is one; previewing a URL must also work before any config exists
    // (with the defaults an empty config has).
    let path = super::config_path(cli);
    let config = if path.exists() || cli.config.is_some() {
        Config::load(&path)?
    } else {
        Config::parse("", &path)?
    };
    let source = match &args.source {
        Some(name) => config
            .sources
            .iter()
            .find(|s| &s.name == name)
            .cloned()
            .ok_or_else(|| UsageError(format!("no source named {name:?} in the config")))?,
        None => {
            let table = flags_table(args)?;
            let base_dir = config.path.parent().unwrap_or(std::path::Path::new("."));
            config::Source::from_table(&table, config.schedule.default_interval, base_dir)
                .map_err(UsageError)?
        }
    };
    let matcher = &config.compiled.matcher;
    let rule = SourceWatches::new(&config, &source);
    let http = Http::new(&config.http)?;
    let items = super::runtime()?
        .block_on(Poller::preview(&http, &source))
        .map_err(|e| anyhow::anyhow!("{}: {e}", source.url))?;

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if let Output::Csv(style) = to {
        // The JSON form's names of the fields it carries.
        output::csv_header(
            &mut out,
            style,
            &["published_at", "title", "url", "watches"],
        )?;
    }
    let mut rows = Vec::new();
    for item in &items {
        let watches: Vec<&str> = rule
            .hits(matcher, &item.title, &item.text)
            .iter()
            .map(|h| config.watches[h.watch].name.as_str())
            .collect();
        match to {
            Output::Json => output::json_line(
                &mut out,
                &PreviewItem {
                    key: &item.key,
                    url: item.url.as_ref().map(|u| u.as_str()),
                    title: &item.title,
                    text: &item.text,
                    author: item.author.as_deref(),
                    published_at: item.published,
                    watches,
                },
            )?,
            Output::Csv(style) => output::csv_row(
                &mut out,
                style,
                &[
                    item.published
                        .map(|t| Cell::Text(t.to_rfc3339()))
                        .unwrap_or(Cell::Empty),
                    item.title.clone().into(),
                    item.url
                        .as_ref()
                        .map(|u| u.to_string())
                        .unwrap_or_default()
                        .into(),
                    watches.join(" ").into(),
                ],
            )?,
            Output::Table => rows.push(vec![
                output::time(item.published, config.daemon.timezone),
                output::clean(&watches.join(","), 20),
                output::clean(&item.title, 70),
                output::clean(item.url.as_ref().map(|u| u.as_str()).unwrap_or("-"), 80),
            ]),
        }
    }
    if to == Output::Table {
        output::table(&mut out, &["PUBLISHED", "WATCHES", "TITLE", "URL"], &rows)?;
        writeln!(out, "{} items", items.len())?;
        if let (MatchMode::All, Some(w)) = (source.matching, &source.watches) {
            writeln!(
                out,
                "match = \"all\": every item is a mention of {}",
                output::clean(&w.join(", "), 200)
            )?;
        }
    }
    Ok(())
}
