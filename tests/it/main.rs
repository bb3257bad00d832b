//! earshot's integration tests: the real binary, real HTTP servers on
//! 127.0.0.1 serving fixture files, real SQLite files in temp dirs.

mod support;

mod alerts;
mod appstore;
mod bluesky;
mod cli;
mod corpus;
mod daemon;
mod feeds;
mod hackernews;
mod html_source;
mod json_source;
mod lifecycle;
mod mastodon;
mod polling;
mod query;
mod reddit;
mod reviews;
mod scoring;
mod sentiment;
mod service;
mod upkeep;
