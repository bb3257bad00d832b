//! The web inbox (issue #13). Placeholder until the server core lands:
//! only the pure parts (charts, UI strings) live here so far.

pub mod chart;
pub mod i18n;
