//! `earshot deliveries`: the outbox, with each delivery's status and last error.

use crate::config::Config;
use crate::store::{DeliveryFilter, Store};

use super::output::{self, Cell, ListingArgs, Output};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only deliveries in this state.
    #[arg(long, value_parser = ["pending", "sent", "failed"])]
    pub status: Option<String>,
    #[command(flatten)]
    pub listing: ListingArgs,
}

pub fn run(config: &Config, args: &Args) -> anyhow::Result<()> {
    let to = args.listing.output()?;
    let tz = config.daemon.timezone;
    let store = Store::open_read_only(&config.storage.database)?;
    let rows = store.deliveries(&DeliveryFilter {
        status: args.status.clone(),
        limit: args.listing.limit(),
    })?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let t =
        |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
    match to {
        Output::Json => {
            for r in &rows {
                output::json_line(&mut out, r)?;
            }
        }
        Output::Csv(style) => {
            output::csv_header(
                &mut out,
                style,
                &[
                    "id",
                    "mention_id",
                    "watch",
                    "route",
                    "notifier",
                    "mode",
                    "status",
                    "attempts",
                    "created_at",
                    "due_at",
                    "last_attempt_at",
                    "sent_at",
                    "last_error",
                    "title",
                    "sending_since",
                    "folded_into",
                    "spike_id",
                ],
            )?;
            for r in &rows {
                output::csv_row(
                    &mut out,
                    style,
                    &[
                        Cell::Int(r.id),
                        Cell::Int(r.mention_id),
                        r.watch.clone().into(),
                        r.route.clone().into(),
                        r.notifier.clone().into(),
                        r.mode.clone().into(),
                        r.status.clone().into(),
                        Cell::Int(r.attempts.into()),
                        t(Some(r.created_at)).into(),
                        t(Some(r.due_at)).into(),
                        t(r.last_attempt_at).into(),
                        t(r.sent_at).into(),
                        r.last_error.clone().unwrap_or_default().into(),
                        r.title.clone().into(),
                        t(r.sending_since).into(),
                        r.folded_into.map_or(Cell::Empty, Cell::Int),
                        r.spike_id.map_or(Cell::Empty, Cell::Int),
                    ],
                )?;
            }
        }
        Output::Table => {
            let table: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        r.id.to_string(),
                        r.mention_id.to_string(),
                        output::clean(&r.notifier, 20),
                        r.mode.clone(),
                        match (r.sending_since, r.folded_into) {
                            (Some(_), _) if r.status == "pending" => "sending".into(),
                            // Not sent alone: in its spike's alert and the digest.
                            (_, Some(spike)) => format!("{}, folded into spike #{spike}", r.status),
                            _ => r.status.clone(),
                        },
                        r.attempts.to_string(),
                        match (r.status.as_str(), r.sending_since) {
                            ("sent", _) => output::time(r.sent_at, tz),
                            ("pending", Some(since)) => {
                                format!("since {}", output::time(Some(since), tz))
                            }
                            _ => output::time(Some(r.due_at), tz),
                        },
                        output::clean(r.last_error.as_deref().unwrap_or("-"), 80),
                        output::clean(&r.title, 50),
                    ]
                })
                .collect();
            output::table(
                &mut out,
                &[
                    "ID",
                    "MENTION",
                    "NOTIFIER",
                    "MODE",
                    "STATUS",
                    "TRIES",
                    "SENT/DUE",
                    "LAST ERROR",
                    "TITLE",
                ],
                &table,
            )?;
        }
    }
    Ok(())
}
