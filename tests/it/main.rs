//! earshot's integration tests: the real binary, real HTTP servers on
//! 127.0.0.1 serving fixture files, real SQLite files in temp dirs.

mod support;

mod alerts;
mod appstore;
mod bluesky;
mod cli;
mod config_fuzz;
mod config_limits;
mod contention;
mod corpus;
mod daemon;
mod database;
mod escaping;
mod feeds;
mod hackernews;
mod hostile;
mod html_source;
mod json_source;
mod lifecycle;
mod mastodon;
mod polling;
mod query;
mod receivers;
mod reddit;
mod reviews;
mod scoring;
mod sentiment;
mod upkeep;
