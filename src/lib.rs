//! earshot: polls feeds, matches brand terms, stores findings in SQLite.
