//! earshot's integration tests: the real binary, real HTTP servers on
//! 127.0.0.1 serving fixture files, a real SMTP server, real SQLite files in
//! temp dirs. Helpers shared by more than one module live in `support`.

mod support; // Env (temp dir + config + binary), fixtures, loopback servers, SMTP sink, waits, daemons

mod alerts; // email and webhook alerts end to end: escaping, outbox through outages, signatures, kill -9
mod browser; // issue #13: one real-browser journey (chromium via WebDriver): log in, filter, triage by keyboard, overview, the CLI sees it
mod cli; // commands without network: `check`, exit codes, the example config and README cover every key and command
mod config_fuzz; // issue #10: mangled configs never panic the loader; refusals name file:line:col
mod config_limits; // issue #10: every range end accepted, one beyond refused; extremes poll and run
mod contention; // issue #10: many feeds and deliveries at once lose no poll to lock contention
mod corpus; // shared feed fixture corpus and watch list, with helpers to poll it and read mentions
mod daemon; // `earshot run` polls on schedule, answers reads while running, stops on SIGTERM
mod database; // issue #10: read commands open the database read-only; errors name the path
mod escaping; // issue #10: hostile text in mail headers, on the terminal and at ingest
mod hostile; // issue #10: deeply nested pages parse in bounded time without starving feeds or SIGTERM
mod inbox; // issue #12: the team inbox commands, list filters, who acts, all-or-nothing, retention
mod learn; // issue #14: the learned model: import once, bad files refused whole, too few labels leave the rules alone, beats the rules on held-out text, uses `mentions label`, `show` names its change, the daemon retrains while polling
mod lifecycle; // the daemon as a service: SIGHUP reload, systemd notify, SIGTERM with alerts pending
mod localtime; // issue #12: local time with its zone in tables and `show`, --since today|yesterday|DATE at local midnight, one query for repeated --sentiment, --excel on every CSV, colour rules
mod manners; // issue #12: unknown names refused, --sentiment repeats, CSV numbers, --excel, CSV and JSON names, tables fit the terminal, poll progress
mod matching; // issue #15 §5: brand names joined, hyphenated, as handles and domains, styled, with invisible characters, glued into hashtags
mod multi_daemon; // issue #16: two daemons on one PostgreSQL, one killed twenty times: nothing lost or doubled, every source polled within a lease
mod owned; // issue #15 §2: match = "all": every item of a source the brand owns is a mention, alerted; exclusions still drop; check, preview, config errors
mod polling; // conditional GET, dedup of one story across sources, failing sources isolated
mod postgres_cluster; // issue #16: the PostgreSQL test cluster: fresh databases distinct and empty, written and read back, from async tests, the socket URL
mod query; // `mentions list/search/show` and `preview` on a polled corpus; terminal safety
mod receivers; // issue #10: misbehaving SMTP and webhook receivers never stall other notifiers
mod scoring; // sentiment end to end: scored when stored, filtered, explained, routed
mod sentiment; // the sentiment API: table-driven cases and floors over the development sets
mod service; // issue #10: the systemd unit and install steps, log colour and level, completions, man pages
mod sources; // one module per source kind (feeds, html, json, reviews and the API sources)
mod spike; // issue #12: a burst is one spike alert, the rest folds into it and the digest; max_per_hour per watch with one notice; kill -9
mod stats; // issue #12: `earshot stats` figures by hand per watch and local period, csv and table
mod team_alerts; // issue #12: alerts a team can act on: local times across DST, review stars and links, the customer's words first, batch = false
mod upkeep; // `status`, `export`, `backup`, retention, healthz and metrics
mod web; // issue #13: the web inbox's core: login, limits, sessions, CSRF, tokens, the JSON API, hostile text, headers
mod web_pages; // issue #13: the web inbox pages over plain HTTP: forms without JavaScript, hostile text inert, filters, Dutch
