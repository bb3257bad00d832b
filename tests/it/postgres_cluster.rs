//! The PostgreSQL test cluster every store test on PostgreSQL uses
//! (tests/support/postgres.rs): each fresh database is its own and empty,
//! keeps what is written to it, is reachable from async tests, and its URL
//! names the Unix socket alone.

use std::path::Path;

use postgres::config::Host;

use crate::support::postgres::{fresh_database, socket_url, with_database};

fn connect(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).unwrap_or_else(|e| panic!("connect {url}: {e}"))
}

/// The tables in `client`'s database beyond PostgreSQL's own catalogs.
fn tables(client: &mut postgres::Client) -> Vec<String> {
    client
        .query(
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1",
            &[],
        )
        .expect("list tables")
        .iter()
        .map(|row| row.get(0))
        .collect()
}

fn dbname(url: &str) -> String {
    let config: postgres::Config = url.parse().expect("a URL postgres parses");
    config
        .get_dbname()
        .expect("a database in the URL")
        .to_string()
}

#[test]
fn two_fresh_databases_are_distinct_and_empty() {
    let (a, b) = (fresh_database(), fresh_database());
    assert_ne!(dbname(&a), dbname(&b));
    let prefix = format!("earshot_t_{}_", std::process::id());
    let (mut ca, mut cb) = (connect(&a), connect(&b));
    for (url, client) in [(&a, &mut ca), (&b, &mut cb)] {
        let current: String = client
            .query_one("SELECT current_database()::text", &[])
            .expect("current_database")
            .get(0);
        assert_eq!(current, dbname(url), "{url}");
        assert!(current.starts_with(&prefix), "{current}");
        assert_eq!(tables(client), Vec::<String>::new(), "{url}");
    }
    ca.batch_execute("CREATE TABLE only_in_a (id integer)")
        .expect("create table");
    assert_eq!(tables(&mut ca), ["only_in_a"]);
    assert_eq!(tables(&mut cb), Vec::<String>::new(), "{b} sees a's table");
}

#[test]
fn a_table_written_reads_back() {
    let url = fresh_database();
    let mut client = connect(&url);
    let encoding: String = client
        .query_one("SHOW server_encoding", &[])
        .expect("encoding")
        .get(0);
    assert_eq!(encoding, "UTF8");
    client
        .batch_execute("CREATE TABLE mention (id bigserial PRIMARY KEY, body text NOT NULL)")
        .expect("create table");
    let bodies = [
        "Acme Telecom storing",
        "Überweisung “kapot” 😡",
        "it's; DROP",
    ];
    for body in bodies {
        client
            .execute("INSERT INTO mention (body) VALUES ($1)", &[&body])
            .expect("insert");
    }
    let read: Vec<String> = client
        .query("SELECT body FROM mention ORDER BY id", &[])
        .expect("select")
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(read, bodies);
    // A second connection (a new session) sees the committed rows.
    let count: i64 = connect(&url)
        .query_one("SELECT count(*) FROM mention", &[])
        .expect("count")
        .get(0);
    assert_eq!(count, 3);
}

#[tokio::test]
async fn fresh_database_serves_async_tests() {
    // On a runtime's thread: the sync client inside must not block on it.
    let url = fresh_database();
    let one: i32 = tokio::task::spawn_blocking(move || {
        connect(&url)
            .query_one("SELECT 1", &[])
            .expect("select 1")
            .get(0)
    })
    .await
    .expect("join");
    assert_eq!(one, 1);
}

#[test]
fn the_url_names_the_unix_socket_alone() {
    let dir = Path::new("/tmp/a b/ü%");
    let url = socket_url("earshot_test", "db1", dir);
    assert_eq!(
        url,
        "postgres:///db1?user=earshot_test&host=/tmp/a%20b/%C3%BC%25"
    );
    for (url, db) in [(url.clone(), "db1"), (with_database(&url, "db2"), "db2")] {
        let config: postgres::Config = url.parse().expect("a URL postgres parses");
        assert_eq!(config.get_hosts(), [Host::Unix(dir.into())], "{url}");
        assert_eq!(config.get_user(), Some("earshot_test"), "{url}");
        assert_eq!(config.get_dbname(), Some(db), "{url}");
    }
}
