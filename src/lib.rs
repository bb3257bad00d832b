//! earshot finds public mentions of a brand: it polls feeds on a schedule,
//! matches watched terms, and stores each finding once in SQLite for a webcare
//! team to query. See `ARCHITECTURE.md` for the map of modules.

pub mod cli;
pub mod config;
pub mod daemon;
pub mod http;
pub mod learn;
pub mod localtime;
pub mod matcher;
pub mod metrics;
pub mod notify;
pub mod pipeline;
pub mod scheduler;
pub mod sentiment;
pub mod sources;
pub mod stats;
pub mod store;
pub mod systemd;
pub mod text;
pub mod web;

#[cfg(test)]
#[path = "../tests/support/postgres.rs"]
pub mod testpg;
