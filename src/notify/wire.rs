//! What every sender says on the wire the same way: why a send failed, how
//! much of a receiver's answer is read, and how a message names the
//! deliveries it carries (headers, Message-ID).
//!
//! A leaf below the senders and the dispatcher, so none of them imports
//! another for these. Pure: no I/O.

use std::time::Duration;

use chrono::Utc;

/// Why a send failed, and whether trying again can help.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    pub message: String,
    /// A rejection that a retry will not change (bad address, 4xx other than 408/429).
    pub permanent: bool,
    /// The receiver's own word on when to retry.
    pub retry_after: Option<Duration>,
}

impl SendError {
    pub(super) fn transient(message: impl Into<String>) -> SendError {
        SendError {
            message: message.into(),
            permanent: false,
            retry_after: None,
        }
    }
}

/// The most of a receiver's answer that is read: an SMTP reply, a webhook's
/// response body. A hostile or broken receiver cannot make earshot buffer
/// more than this.
pub const MAX_ANSWER: usize = 64 * 1024;

/// The ids of the deliveries a message carries, as its `X-Earshot-Delivery`
/// header and webhook header say them: `d12,d13`.
pub fn delivery_list(ids: &[i64]) -> String {
    ids.iter()
        .map(|i| format!("d{i}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// A stable Message-ID part for the deliveries a message carries: `d12` for
/// one, `d12-d40.n9` for a batch (valid in a msg-id, unlike commas).
pub fn message_key(ids: &[i64]) -> String {
    match ids {
        [] => format!("notice.{}", Utc::now().timestamp_nanos_opt().unwrap_or(0)),
        [one] => format!("d{one}"),
        _ => {
            let (lo, hi) = (ids.iter().min(), ids.iter().max());
            format!("d{}-d{}.n{}", lo.unwrap_or(&0), hi.unwrap_or(&0), ids.len())
        }
    }
}
