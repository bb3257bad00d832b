//! The two database engines behind one small interface: SQLite (a file, the
//! embedded default) and PostgreSQL (a server several daemons share).
//!
//! The rest of `store` writes its SQL once in SQLite's dialect with numbered
//! parameters (`?1`), and hands it here with its parameters as [`Value`]s;
//! rows come back as [`Row`]s of the same values. For PostgreSQL the text is
//! translated on the way (`?1` → `$1`, `INSERT OR IGNORE` → `ON CONFLICT DO
//! NOTHING`) and each statement is prepared once per connection. Where the
//! dialects differ further, the caller asks [`Sql::engine`] and writes each
//! engine's SQL itself: nothing here guesses at meaning. This module never
//! builds a query of its own, and it is no ORM: every statement stays in
//! sight in the module that owns it.

use std::collections::HashMap;
use std::fmt;

/// Which engine a connection talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Sqlite => "SQLite",
            Engine::Postgres => "PostgreSQL",
        }
    }
}

/// One value in or out of a statement: the types earshot stores.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// A failure of either engine, in its own words.
#[derive(Debug)]
pub enum DbError {
    Sqlite(rusqlite::Error),
    Postgres(postgres::Error),
    /// A column held something the reader did not expect (a NULL where a
    /// value must be, text where a number must be).
    Column {
        index: usize,
        wanted: &'static str,
        found: &'static str,
    },
    /// A query that must return a row returned none.
    NoRow,
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DbError::Sqlite(e) => write!(f, "{}", super::cause(e)),
            DbError::Postgres(e) => match e.as_db_error() {
                Some(db) => write!(f, "{}", db.message()),
                None => write!(f, "{e}"),
            },
            DbError::Column {
                index,
                wanted,
                found,
            } => write!(
                f,
                "column {index} holds {found} where {wanted} was expected"
            ),
            DbError::NoRow => write!(f, "the query returned no row"),
        }
    }
}

impl std::error::Error for DbError {}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> DbError {
        match e {
            rusqlite::Error::QueryReturnedNoRows => DbError::NoRow,
            e => DbError::Sqlite(e),
        }
    }
}

impl From<postgres::Error> for DbError {
    fn from(e: postgres::Error) -> DbError {
        DbError::Postgres(e)
    }
}

impl DbError {
    /// SQLite's lock was still taken after the busy timeout.
    pub fn is_busy(&self) -> bool {
        matches!(self, DbError::Sqlite(e) if super::is_busy(e))
    }

    /// PostgreSQL gave up the transaction for a conflict with another one
    /// (serialization failure, deadlock): trying it again may succeed.
    pub fn is_conflict(&self) -> bool {
        use postgres::error::SqlState;
        matches!(self, DbError::Postgres(e) if e.code().is_some_and(|c| {
            *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED
        }))
    }

    /// The connection to the server is gone.
    pub fn is_closed(&self) -> bool {
        matches!(self, DbError::Postgres(e) if e.is_closed())
    }
}

pub type DbResult<T> = std::result::Result<T, DbError>;

macro_rules! value_from {
    ($($t:ty => |$v:ident| $e:expr;)*) => {
        $(impl From<$t> for Value {
            fn from($v: $t) -> Value {
                $e
            }
        })*
    };
}

value_from! {
    i64 => |v| Value::Int(v);
    i32 => |v| Value::Int(v.into());
    u32 => |v| Value::Int(v.into());
    usize => |v| Value::Int(i64::try_from(v).unwrap_or(i64::MAX));
    bool => |v| Value::Int(v.into());
    f64 => |v| Value::Real(v);
    f32 => |v| Value::Real(v.into());
    String => |v| Value::Text(v);
    &str => |v| Value::Text(v.to_string());
    &String => |v| Value::Text(v.clone());
    Vec<u8> => |v| Value::Blob(v);
    &[u8] => |v| Value::Blob(v.to_vec());
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

impl<T: Clone + Into<Value>> From<&Option<T>> for Value {
    fn from(v: &Option<T>) -> Value {
        v.clone().map_or(Value::Null, Into::into)
    }
}

/// Parameters for a statement, each turned into a [`Value`]:
/// `args![id, name, at]`.
macro_rules! args {
    () => { &[] as &[$crate::store::db::Value] };
    ($($v:expr),+ $(,)?) => {
        &[$($crate::store::db::Value::from($v)),+] as &[$crate::store::db::Value]
    };
}
pub(crate) use args;

impl Value {
    fn kind(&self) -> &'static str {
        match self {
            Value::Null => "NULL",
            Value::Int(_) => "an integer",
            Value::Real(_) => "a real number",
            Value::Text(_) => "text",
            Value::Blob(_) => "bytes",
        }
    }
}

/// A value read from a column; `Option<T>` reads NULL as `None`.
pub trait FromValue: Sized {
    const WANTED: &'static str;
    fn from_value(v: &Value) -> Option<Self>;
}

impl FromValue for i64 {
    const WANTED: &'static str = "an integer";
    fn from_value(v: &Value) -> Option<i64> {
        match v {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
}

impl FromValue for u32 {
    const WANTED: &'static str = "a count";
    fn from_value(v: &Value) -> Option<u32> {
        match v {
            Value::Int(i) => Some((*i).clamp(0, u32::MAX.into()) as u32),
            _ => None,
        }
    }
}

impl FromValue for bool {
    const WANTED: &'static str = "a truth value";
    fn from_value(v: &Value) -> Option<bool> {
        match v {
            Value::Int(i) => Some(*i != 0),
            _ => None,
        }
    }
}

impl FromValue for f64 {
    const WANTED: &'static str = "a number";
    fn from_value(v: &Value) -> Option<f64> {
        match v {
            Value::Real(r) => Some(*r),
            Value::Int(i) => Some(*i as f64),
            _ => None,
        }
    }
}

impl FromValue for String {
    const WANTED: &'static str = "text";
    fn from_value(v: &Value) -> Option<String> {
        match v {
            Value::Text(s) => Some(s.clone()),
            _ => None,
        }
    }
}

impl FromValue for Vec<u8> {
    const WANTED: &'static str = "bytes";
    fn from_value(v: &Value) -> Option<Vec<u8>> {
        match v {
            Value::Blob(b) => Some(b.clone()),
            _ => None,
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    const WANTED: &'static str = T::WANTED;
    fn from_value(v: &Value) -> Option<Option<T>> {
        match v {
            Value::Null => Some(None),
            v => T::from_value(v).map(Some),
        }
    }
}

/// One row of a result, its columns in the query's order.
#[derive(Clone, Debug, PartialEq)]
pub struct Row(Vec<Value>);

impl Row {
    pub fn get<T: FromValue>(&self, index: usize) -> DbResult<T> {
        let v = self.0.get(index).unwrap_or(&Value::Null);
        T::from_value(v).ok_or(DbError::Column {
            index,
            wanted: T::WANTED,
            found: v.kind(),
        })
    }

    pub fn values(&self) -> &[Value] {
        &self.0
    }

    pub fn into_values(self) -> Vec<Value> {
        self.0
    }
}

/// Something that runs statements: a connection, or a transaction on one.
pub trait Sql {
    fn engine(&self) -> Engine;
    /// Runs one statement; the number of rows it changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> DbResult<u64>;
    /// Runs one query; all its rows.
    fn query(&mut self, sql: &str, params: &[Value]) -> DbResult<Vec<Row>>;
    /// Runs statements separated by `;`, without parameters (schema work).
    fn batch(&mut self, sql: &str) -> DbResult<()>;
    /// Runs one query and hands its rows to `each` one at a time as they
    /// come, never all of them at once: for reads over many rows that only
    /// count. The row handed over is one buffer refilled for each row; on
    /// SQLite its text too, so reading allocates nothing per row.
    fn query_each(
        &mut self,
        sql: &str,
        params: &[Value],
        each: &mut dyn FnMut(&Row) -> DbResult<()>,
    ) -> DbResult<()>;

    /// The first row, if any.
    fn query_opt(&mut self, sql: &str, params: &[Value]) -> DbResult<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// The first row; none is an error ([`DbError::NoRow`]).
    fn query_one(&mut self, sql: &str, params: &[Value]) -> DbResult<Row> {
        self.query_opt(sql, params)?.ok_or(DbError::NoRow)
    }

    /// The first column of the first row.
    fn query_value<T: FromValue>(&mut self, sql: &str, params: &[Value]) -> DbResult<T>
    where
        Self: Sized,
    {
        self.query_one(sql, params)?.get(0)
    }
}

/// Runs `f` where the PostgreSQL client may block: the sync client drives
/// its own runtime and cannot run on a thread already driving one (a
/// tokio worker, or a thread inside `block_on`, as the store's writer is).
/// There `f` runs on a short-lived thread of its own while this one waits;
/// elsewhere (a plain thread, the blocking pool) it runs here. SQLite needs
/// none of this (`pg` false).
pub fn off_runtime<T: Send>(pg: bool, f: impl FnOnce() -> T + Send) -> T {
    if pg && tokio::runtime::Handle::try_current().is_ok() {
        std::thread::scope(|s| match s.spawn(f).join() {
            Ok(v) => v,
            Err(panic) => std::panic::resume_unwind(panic),
        })
    } else {
        f()
    }
}

/// Statements prepared on a PostgreSQL connection, by their translated text.
#[derive(Default)]
pub struct Prepared(HashMap<String, postgres::Statement>);

/// A connection to either engine.
pub enum Conn {
    Sqlite(rusqlite::Connection),
    Postgres {
        client: Box<postgres::Client>,
        prepared: Prepared,
    },
}

impl Conn {
    pub fn postgres(client: postgres::Client) -> Conn {
        Conn::Postgres {
            client: Box::new(client),
            prepared: Prepared::default(),
        }
    }

    pub fn sqlite(&self) -> Option<&rusqlite::Connection> {
        match self {
            Conn::Sqlite(c) => Some(c),
            Conn::Postgres { .. } => None,
        }
    }

    pub fn sqlite_mut(&mut self) -> Option<&mut rusqlite::Connection> {
        match self {
            Conn::Sqlite(c) => Some(c),
            Conn::Postgres { .. } => None,
        }
    }

    /// Begins a transaction. On SQLite it is `IMMEDIATE` when `write` (the
    /// write lock is taken before the first read); on PostgreSQL a write
    /// transaction takes earshot's one advisory write lock first, so that
    /// writers from several daemons take turns exactly as SQLite's do, and
    /// every check-then-insert (dedup, spikes) sees the previous writer's
    /// commit.
    pub fn transaction(&mut self, write: bool) -> DbResult<Tx<'_>> {
        match self {
            Conn::Sqlite(c) => {
                let behavior = if write {
                    rusqlite::TransactionBehavior::Immediate
                } else {
                    rusqlite::TransactionBehavior::Deferred
                };
                Ok(Tx::Sqlite(c.transaction_with_behavior(behavior)?))
            }
            Conn::Postgres { client, prepared } => {
                let mut tx = client.transaction()?;
                if write {
                    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])?;
                }
                Ok(Tx::Postgres { tx, prepared })
            }
        }
    }
}

/// The advisory lock every PostgreSQL write transaction holds ("earshot" in
/// ASCII): one writer at a time, as with SQLite.
const WRITE_LOCK: i64 = 0x0065_6172_7368_6f74;

impl Sql for Conn {
    fn engine(&self) -> Engine {
        match self {
            Conn::Sqlite(_) => Engine::Sqlite,
            Conn::Postgres { .. } => Engine::Postgres,
        }
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> DbResult<u64> {
        match self {
            Conn::Sqlite(c) => sqlite_execute(c, sql, params),
            Conn::Postgres { client, prepared } => {
                let stmt = prepared.get(client.as_mut(), sql)?;
                Ok(client.execute(&stmt, &pg_params(params))?)
            }
        }
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> DbResult<Vec<Row>> {
        match self {
            Conn::Sqlite(c) => sqlite_query(c, sql, params),
            Conn::Postgres { client, prepared } => {
                let stmt = prepared.get(client.as_mut(), sql)?;
                pg_rows(client.query(&stmt, &pg_params(params))?)
            }
        }
    }

    fn batch(&mut self, sql: &str) -> DbResult<()> {
        match self {
            Conn::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Conn::Postgres { client, .. } => Ok(client.batch_execute(sql)?),
        }
    }

    fn query_each(
        &mut self,
        sql: &str,
        params: &[Value],
        each: &mut dyn FnMut(&Row) -> DbResult<()>,
    ) -> DbResult<()> {
        match self {
            Conn::Sqlite(c) => sqlite_each(c, sql, params, each),
            Conn::Postgres { client, prepared } => {
                let stmt = prepared.get(client.as_mut(), sql)?;
                pg_each(client.query_raw(&stmt, params.iter())?, each)
            }
        }
    }
}

/// A transaction on either engine; dropped without [`Tx::commit`], it rolls
/// back.
pub enum Tx<'a> {
    Sqlite(rusqlite::Transaction<'a>),
    Postgres {
        tx: postgres::Transaction<'a>,
        prepared: &'a mut Prepared,
    },
}

impl Tx<'_> {
    pub fn commit(self) -> DbResult<()> {
        match self {
            Tx::Sqlite(tx) => Ok(tx.commit()?),
            Tx::Postgres { tx, .. } => Ok(tx.commit()?),
        }
    }

    /// The SQLite transaction, for the few statements only SQLite has.
    pub fn sqlite(&self) -> Option<&rusqlite::Transaction<'_>> {
        match self {
            Tx::Sqlite(tx) => Some(tx),
            Tx::Postgres { .. } => None,
        }
    }
}

impl Sql for Tx<'_> {
    fn engine(&self) -> Engine {
        match self {
            Tx::Sqlite(_) => Engine::Sqlite,
            Tx::Postgres { .. } => Engine::Postgres,
        }
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> DbResult<u64> {
        match self {
            Tx::Sqlite(tx) => sqlite_execute(tx, sql, params),
            Tx::Postgres { tx, prepared } => {
                let stmt = prepared.get_in(tx, sql)?;
                Ok(tx.execute(&stmt, &pg_params(params))?)
            }
        }
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> DbResult<Vec<Row>> {
        match self {
            Tx::Sqlite(tx) => sqlite_query(tx, sql, params),
            Tx::Postgres { tx, prepared } => {
                let stmt = prepared.get_in(tx, sql)?;
                pg_rows(tx.query(&stmt, &pg_params(params))?)
            }
        }
    }

    fn batch(&mut self, sql: &str) -> DbResult<()> {
        match self {
            Tx::Sqlite(tx) => Ok(tx.execute_batch(sql)?),
            Tx::Postgres { tx, .. } => Ok(tx.batch_execute(sql)?),
        }
    }

    fn query_each(
        &mut self,
        sql: &str,
        params: &[Value],
        each: &mut dyn FnMut(&Row) -> DbResult<()>,
    ) -> DbResult<()> {
        match self {
            Tx::Sqlite(tx) => sqlite_each(tx, sql, params, each),
            Tx::Postgres { tx, prepared } => {
                let stmt = prepared.get_in(tx, sql)?;
                pg_each(tx.query_raw(&stmt, params.iter())?, each)
            }
        }
    }
}

fn sqlite_execute(c: &rusqlite::Connection, sql: &str, params: &[Value]) -> DbResult<u64> {
    let mut stmt = c.prepare_cached(sql)?;
    let n = stmt.execute(rusqlite::params_from_iter(params.iter()))?;
    Ok(n as u64)
}

fn sqlite_query(c: &rusqlite::Connection, sql: &str, params: &[Value]) -> DbResult<Vec<Row>> {
    let mut stmt = c.prepare_cached(sql)?;
    let columns = stmt.column_count();
    let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let mut row = Row(vec![Value::Null; columns]);
        sqlite_fill(r, &mut row)?;
        out.push(row);
    }
    Ok(out)
}

fn sqlite_each(
    c: &rusqlite::Connection,
    sql: &str,
    params: &[Value],
    each: &mut dyn FnMut(&Row) -> DbResult<()>,
) -> DbResult<()> {
    let mut stmt = c.prepare_cached(sql)?;
    let mut row = Row(vec![Value::Null; stmt.column_count()]);
    let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
    while let Some(r) = rows.next()? {
        sqlite_fill(r, &mut row)?;
        each(&row)?;
    }
    Ok(())
}

/// Puts an SQLite row's values into `row` (as many columns as it has),
/// reusing the text it held.
fn sqlite_fill(r: &rusqlite::Row<'_>, row: &mut Row) -> DbResult<()> {
    for (i, slot) in row.0.iter_mut().enumerate() {
        match r.get_ref(i)? {
            rusqlite::types::ValueRef::Null => *slot = Value::Null,
            rusqlite::types::ValueRef::Integer(v) => *slot = Value::Int(v),
            rusqlite::types::ValueRef::Real(f) => *slot = Value::Real(f),
            rusqlite::types::ValueRef::Text(t) => {
                let t = String::from_utf8_lossy(t);
                match slot {
                    Value::Text(s) => {
                        s.clear();
                        s.push_str(&t);
                    }
                    _ => *slot = Value::Text(t.into_owned()),
                }
            }
            rusqlite::types::ValueRef::Blob(b) => *slot = Value::Blob(b.to_vec()),
        }
    }
    Ok(())
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Int(i) => ValueRef::Integer(*i),
            Value::Real(f) => ValueRef::Real(*f),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

impl Prepared {
    fn get(&mut self, client: &mut postgres::Client, sql: &str) -> DbResult<postgres::Statement> {
        let text = to_postgres(sql);
        if let Some(s) = self.0.get(&text) {
            return Ok(s.clone());
        }
        let stmt = client.prepare(&text)?;
        self.0.insert(text, stmt.clone());
        Ok(stmt)
    }

    fn get_in(
        &mut self,
        tx: &mut postgres::Transaction<'_>,
        sql: &str,
    ) -> DbResult<postgres::Statement> {
        let text = to_postgres(sql);
        if let Some(s) = self.0.get(&text) {
            return Ok(s.clone());
        }
        let stmt = tx.prepare(&text)?;
        self.0.insert(text, stmt.clone());
        Ok(stmt)
    }
}

fn pg_params(params: &[Value]) -> Vec<&(dyn postgres::types::ToSql + Sync)> {
    params
        .iter()
        .map(|v| v as &(dyn postgres::types::ToSql + Sync))
        .collect()
}

fn pg_rows(rows: Vec<postgres::Row>) -> DbResult<Vec<Row>> {
    rows.iter()
        .map(|r| {
            (0..r.len())
                .map(|i| pg_value(r, i))
                .collect::<DbResult<Vec<_>>>()
                .map(Row)
        })
        .collect()
}

fn pg_each(
    mut rows: postgres::RowIter<'_>,
    each: &mut dyn FnMut(&Row) -> DbResult<()>,
) -> DbResult<()> {
    use postgres::fallible_iterator::FallibleIterator;
    let mut row = Row(Vec::new());
    while let Some(r) = rows.next()? {
        row.0.clear();
        for i in 0..r.len() {
            row.0.push(pg_value(&r, i)?);
        }
        each(&row)?;
    }
    Ok(())
}

fn pg_value(r: &postgres::Row, i: usize) -> DbResult<Value> {
    use postgres::types::Type;
    let ty = r.columns()[i].type_().clone();
    let v = match ty {
        Type::INT8 => r.try_get::<_, Option<i64>>(i)?.map(Value::Int),
        Type::INT4 => r
            .try_get::<_, Option<i32>>(i)?
            .map(|v| Value::Int(v.into())),
        Type::INT2 => r
            .try_get::<_, Option<i16>>(i)?
            .map(|v| Value::Int(v.into())),
        Type::BOOL => r
            .try_get::<_, Option<bool>>(i)?
            .map(|v| Value::Int(v.into())),
        Type::FLOAT8 => r.try_get::<_, Option<f64>>(i)?.map(Value::Real),
        Type::FLOAT4 => r
            .try_get::<_, Option<f32>>(i)?
            .map(|v| Value::Real(v.into())),
        Type::BYTEA => r.try_get::<_, Option<Vec<u8>>>(i)?.map(Value::Blob),
        // Text of every flavour, and anything else PostgreSQL can show as
        // text is read as text.
        _ => r.try_get::<_, Option<String>>(i)?.map(Value::Text),
    };
    Ok(v.unwrap_or(Value::Null))
}

impl postgres::types::ToSql for Value {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        use postgres::types::{IsNull, Type};
        match (self, ty) {
            (Value::Null, _) => Ok(IsNull::Yes),
            (Value::Int(i), &Type::INT8) => i.to_sql(ty, out),
            (Value::Int(i), &Type::INT4) => i32::try_from(*i)?.to_sql(ty, out),
            (Value::Int(i), &Type::INT2) => i16::try_from(*i)?.to_sql(ty, out),
            (Value::Int(i), &Type::BOOL) => (*i != 0).to_sql(ty, out),
            (Value::Int(i), &Type::FLOAT8) => (*i as f64).to_sql(ty, out),
            (Value::Int(i), &Type::FLOAT4) => (*i as f32).to_sql(ty, out),
            (Value::Int(i), _) => i.to_string().to_sql(ty, out),
            (Value::Real(f), &Type::FLOAT4) => (*f as f32).to_sql(ty, out),
            (Value::Real(f), &Type::FLOAT8) => f.to_sql(ty, out),
            (Value::Real(f), _) => f.to_string().to_sql(ty, out),
            (Value::Text(s), _) => s.as_str().to_sql(ty, out),
            (Value::Blob(b), _) => b.as_slice().to_sql(ty, out),
        }
    }

    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

/// SQLite's dialect as PostgreSQL reads it: numbered parameters `?N` become
/// `$N` (outside quotes), and `INSERT OR IGNORE` becomes `INSERT … ON
/// CONFLICT DO NOTHING`. Everything else must already be common to both.
pub fn to_postgres(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 24);
    let mut quote: Option<char> = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) => out.push('$'),
            None => out.push(c),
        }
    }
    let trimmed = out.trim_start();
    let ignore = "INSERT OR IGNORE ";
    if trimmed.len() >= ignore.len() && trimmed[..ignore.len()].eq_ignore_ascii_case(ignore) {
        let rest = trimmed[ignore.len()..].to_string();
        let (body, returning) = match find_word(&rest, "RETURNING") {
            Some(at) => (
                rest[..at].trim_end().to_string(),
                Some(rest[at..].to_string()),
            ),
            None => (rest.trim_end().trim_end_matches(';').to_string(), None),
        };
        out = format!("INSERT {body} ON CONFLICT DO NOTHING");
        if let Some(r) = returning {
            out.push(' ');
            out.push_str(&r);
        }
    }
    out
}

/// Where `word` starts in `s` as a whole word (ASCII case ignored).
fn find_word(s: &str, word: &str) -> Option<usize> {
    let upper = s.to_ascii_uppercase();
    let mut from = 0;
    while let Some(p) = upper[from..].find(word).map(|p| p + from) {
        let before = upper[..p].chars().next_back();
        let after = upper[p + word.len()..].chars().next();
        let edge = |c: Option<char>| c.is_none_or(|c| !c.is_ascii_alphanumeric() && c != '_');
        if edge(before) && edge(after) {
            return Some(p);
        }
        from = p + word.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translation_to_postgres() {
        assert_eq!(
            to_postgres("UPDATE s SET a = ?2, b = '?1' WHERE id = ?1"),
            "UPDATE s SET a = $2, b = '?1' WHERE id = $1"
        );
        assert_eq!(
            to_postgres("INSERT OR IGNORE INTO k (a, b) VALUES (?1, ?2)"),
            "INSERT INTO k (a, b) VALUES ($1, $2) ON CONFLICT DO NOTHING"
        );
        assert_eq!(
            to_postgres("insert or ignore into k (a) values (?1) returning id"),
            "INSERT into k (a) values ($1) ON CONFLICT DO NOTHING returning id"
        );
        // A question mark that is no parameter stays.
        assert_eq!(to_postgres("SELECT 'a?' || ?1"), "SELECT 'a?' || $1");
    }

    #[test]
    fn values_read_back_as_their_types() {
        let row = Row(vec![
            Value::Int(3),
            Value::Null,
            Value::Text("x".into()),
            Value::Real(0.5),
        ]);
        assert_eq!(row.get::<i64>(0).unwrap(), 3);
        assert_eq!(row.get::<Option<i64>>(1).unwrap(), None);
        assert_eq!(row.get::<String>(2).unwrap(), "x");
        assert_eq!(row.get::<f64>(3).unwrap(), 0.5);
        assert!(row.get::<i64>(1).is_err(), "NULL is no integer");
        assert!(row.get::<i64>(2).is_err(), "text is no integer");
    }

    /// Rows handed over one at a time are the rows `query` collects, on
    /// both engines: the reused buffer never keeps a longer text's tail, a
    /// NULL after a text, or a value of the row before.
    #[test]
    fn rows_one_at_a_time_are_the_rows_collected() {
        let dir = tempfile::tempdir().expect("tempdir");
        for (engine, store) in crate::store::testing::stores(dir.path()) {
            let mut db = store.db.borrow_mut();
            let sql = "SELECT column1, column2, column3 FROM (VALUES
                (1, 'a longer text', CAST(0.5 AS DOUBLE PRECISION)), (2, 'short', NULL), (3, NULL, 2.5), (4, 'x', 1.0)) AS v
                ORDER BY column1 LIMIT ?1";
            let collected = db.query(sql, args![10]).expect("query");
            let mut each = Vec::new();
            db.query_each(sql, args![10], &mut |r| {
                each.push(r.clone());
                Ok(())
            })
            .expect("query_each");
            assert_eq!(each, collected, "{engine}");
            assert_eq!(each.len(), 4, "{engine}");
            assert_eq!(each[1].get::<String>(1).expect("text"), "short", "{engine}");
            assert_eq!(
                each[2].get::<Option<String>>(1).expect("null"),
                None,
                "{engine}"
            );
        }
    }
}
