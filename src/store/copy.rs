//! `earshot store copy --to postgres://…`: an SQLite database's whole history
//! into an empty PostgreSQL one, so a team can move up to several daemons
//! without losing what it has.
//!
//! Every table is copied row by row with its ids (the alerts' Message-IDs
//! and the inbox's links keep meaning the same thing), in one transaction on
//! the target, then each table's rows are counted on both sides. Derived
//! data is rebuilt rather than copied: PostgreSQL's full-text vector from
//! each item's text, each source's mention count by the triggers as the
//! rows go in. Daemons and leases are not copied: they belong to running
//! daemons, not to the history. It never writes the source.

use super::db::{Conn, DbError, DbResult, Engine, Sql, Value};
use super::{Result, Store, StoreError};

/// The tables copied, parents before children.
const TABLES: &[&str] = &[
    "sources",
    "items",
    "item_keys",
    "item_sources",
    "mentions",
    "mention_tags",
    "mention_notes",
    "mention_events",
    "spikes",
    "deliveries",
    "users",
    "sessions",
    "tokens",
    "learn_examples",
    "learn_model",
    "daemon",
];

/// What was copied: per table, the rows in the source and in the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    pub table: &'static str,
    pub source: i64,
    pub target: i64,
}

impl Store {
    /// Copies this (SQLite) store into `target`, a migrated, empty
    /// PostgreSQL store; per table, the row counts on both sides after.
    pub fn copy_into(&self, target: &mut Store) -> Result<Vec<Copied>> {
        let refuse = |cause: &str| StoreError::Open {
            place: target.place.clone(),
            cause: cause.to_string(),
        };
        if self.engine() != Engine::Sqlite || target.engine() != Engine::Postgres {
            return Err(refuse(
                "store copy reads an SQLite database (the config's) into a PostgreSQL one",
            ));
        }
        let filled: Vec<&str> = TABLES
            .iter()
            .copied()
            .filter(|t| target.count(t).is_ok_and(|n| n > 0))
            .collect();
        if !filled.is_empty() {
            return Err(refuse(&format!(
                "it is not empty ({} hold rows); copy into a new database",
                filled.join(", ")
            )));
        }
        let mut guard = self.db.borrow_mut();
        let source: &mut Conn = &mut guard;
        target.write(|tx| {
            for table in TABLES {
                copy_table(source, tx, table)?;
            }
            // Ids were copied: each identity continues after the largest.
            for table in TABLES {
                if has_identity(table) {
                    tx.query(
                        &format!(
                            "SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                                (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                        ),
                        &[],
                    )?;
                }
            }
            Ok(())
        })?;
        drop(guard);
        TABLES
            .iter()
            .map(|table| {
                Ok(Copied {
                    table,
                    source: self.count(table)?,
                    target: target.count(table)?,
                })
            })
            .collect()
    }

    fn count(&self, table: &str) -> Result<i64> {
        self.read(|db| db.query_value(&format!("SELECT count(*) FROM {table}"), &[]))
    }
}

/// Tables whose `id` is a generated identity on PostgreSQL.
fn has_identity(table: &str) -> bool {
    !matches!(
        table,
        "item_keys" | "item_sources" | "mention_tags" | "sessions" | "learn_model" | "daemon"
    )
}

/// One table's rows from SQLite into PostgreSQL, by the source's column
/// names (the two schemas have the same columns).
fn copy_table(from: &mut Conn, to: &mut impl Sql, table: &str) -> DbResult<()> {
    let columns: Vec<String> = from
        .query(
            &format!("SELECT name FROM pragma_table_info('{table}')"),
            &[],
        )?
        .iter()
        .map(|r| r.get::<String>(0))
        .collect::<DbResult<_>>()?;
    if columns.is_empty() {
        return Err(DbError::NoRow);
    }
    let quoted: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
    let select = format!("SELECT {} FROM {table}", quoted.join(", "));
    let title_text = (
        columns.iter().position(|c| c == "title"),
        columns.iter().position(|c| c == "text"),
    );
    let mention_count = columns.iter().position(|c| c == "mention_count");
    let mut names = quoted.clone();
    let mut slots: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
    let search = table == "items";
    if search {
        names.push("search".into());
        slots.push(format!("to_tsvector('simple', ?{})", columns.len() + 1));
    }
    let insert = format!(
        "INSERT INTO {table} ({}) VALUES ({})",
        names.join(", "),
        slots.join(", ")
    );
    for row in from.query(&select, &[])? {
        let mut values = row.into_values();
        // The triggers count each source's mentions as they go in.
        if table == "sources" {
            if let Some(i) = mention_count {
                values[i] = Value::Int(0);
            }
        }
        if search {
            let text = |i: Option<usize>| match i.and_then(|i| values.get(i)) {
                Some(Value::Text(t)) => t.clone(),
                _ => String::new(),
            };
            let folded = super::search_text(&text(title_text.0), &text(title_text.1));
            values.push(Value::Text(folded));
        }
        to.execute(&insert, &values)?;
    }
    Ok(())
}
