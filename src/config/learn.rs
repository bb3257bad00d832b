//! `[learn]`: when the daemon trains the learned model again from the
//! team's labels, and how often it looks. Validated like the rest; nothing
//! here reads labels or trains.

use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::{count_within, duration_within, HumanDuration, Invalid};

/// `retrain_after`: labels set or changed since the last training.
pub(crate) const RETRAIN_AFTER: (i64, i64) = (1, 100_000);
/// `retrain_every`: an hour to thirty days.
pub(crate) const RETRAIN_EVERY: (Duration, Duration) =
    (Duration::from_secs(3600), Duration::from_secs(30 * 86_400));
/// `check_every`: a second to a day.
pub(crate) const CHECK_EVERY: (Duration, Duration) =
    (Duration::from_secs(1), Duration::from_secs(86_400));

/// The validated `[learn]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct Learn {
    /// Train again once this many labels were set or changed since the
    /// last training.
    pub retrain_after: u32,
    /// Train again when the last training is older than this (and there is
    /// anything to learn from).
    pub retrain_every: Duration,
    /// How often the daemon looks for new labels and for a model trained by
    /// `earshot learn`.
    pub check_every: Duration,
}

impl Default for Learn {
    fn default() -> Learn {
        Learn {
            retrain_after: 25,
            retrain_every: Duration::from_secs(86_400),
            check_every: Duration::from_secs(60),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLearn {
    retrain_after: Option<Spanned<i64>>,
    retrain_every: Option<Spanned<HumanDuration>>,
    check_every: Option<Spanned<HumanDuration>>,
}

pub(super) fn validate(
    raw: RawLearn,
    err: &dyn Fn(usize, String) -> Invalid,
) -> Result<Learn, Invalid> {
    let d = Learn::default();
    Ok(Learn {
        retrain_after: match &raw.retrain_after {
            Some(v) => count_within("retrain_after", v, RETRAIN_AFTER, err)?,
            None => d.retrain_after,
        },
        retrain_every: match &raw.retrain_every {
            Some(v) => duration_within("retrain_every", v, RETRAIN_EVERY, err)?,
            None => d.retrain_every,
        },
        check_every: match &raw.check_every {
            Some(v) => duration_within("check_every", v, CHECK_EVERY, err)?,
            None => d.check_every,
        },
    })
}
