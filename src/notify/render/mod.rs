//! Turns stored mentions into what a webcare team reads: alert and digest
//! emails (`email.rs`: subject, plain text, HTML) and the JSON bodies of chat
//! webhooks (`chat.rs`: generic, Slack, Teams, Discord, Mattermost). What both
//! say about a mention (tone, title, sources, times) is in `mention.rs`; what
//! a route says about itself (a spike alert, a `max_per_hour` notice, a
//! digest's spike line), for every target, in `spike.rs`.
//!
//! Rendering is kept apart from sending so it can be tested without a network
//! and so the dispatcher has nothing to decide about text. These functions do
//! no I/O and cannot fail: any input gives some output, never a panic. Every
//! string in a [`Mention`](crate::store::Mention) comes from the internet and
//! is hostile; it is cleaned of control characters and escaped for its target
//! (email header, HTML, Slack mrkdwn, Markdown, JSON) in `escape.rs` and
//! nowhere else, and only `http`/`https` URLs ever become links.
//!
//! This file only names the parts and what the rest of earshot may call.

mod chat;
mod email;
mod escape;
mod frame;
mod mention;
mod spike;

pub use chat::webhook_bodies;
pub use email::{
    digest_email, digest_email_with_spikes, mention_email, DigestInfo, Email, FailedDelivery,
};
pub use frame::Frame;
pub use mention::stars;
pub use spike::{cap_notice, notice_chat, notice_email, spike_line, spike_notice, Notice};

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod snapshot_tests;
