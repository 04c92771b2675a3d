//! The durable half of the store: SQLite in WAL mode. A write returns only once its
//! transaction has committed, so a killed process loses nothing it acknowledged.

use super::ObjectKey;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
#[error("sqlite: {0}")]
pub struct SqliteError(#[from] rusqlite::Error);

pub(super) struct Db {
    conn: Connection,
}

pub(super) struct ObjectRow {
    pub resource: String,
    pub namespace: String,
    pub name: String,
    pub rv: u64,
    pub value: Vec<u8>,
}

pub(super) struct EventRow {
    pub rv: u64,
    pub kind: i64,
    pub resource: String,
    pub namespace: String,
    pub name: String,
    pub value: Vec<u8>,
    pub prev_rv: u64,
    pub prev: Option<Vec<u8>>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS objects (
    resource TEXT NOT NULL,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    rv INTEGER NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (resource, namespace, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
    rv INTEGER PRIMARY KEY,
    kind INTEGER NOT NULL,
    resource TEXT NOT NULL,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    value BLOB NOT NULL,
    prev_rv INTEGER NOT NULL,
    prev BLOB
);
";

impl Db {
    pub fn open(path: &Path) -> Result<Self, SqliteError> {
        let conn = Connection::open(path)?;
        // WAL with synchronous=NORMAL: a commit is in the log before we answer, so it survives
        // the process being killed; only a power loss could drop the newest commits.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.execute_batch(SCHEMA)?;
        Ok(Self { conn })
    }

    pub fn load_objects(&self) -> Result<Vec<ObjectRow>, SqliteError> {
        let mut stmt = self
            .conn
            .prepare("SELECT resource, namespace, name, rv, value FROM objects")?;
        let rows = stmt.query_map([], |r| {
            Ok(ObjectRow {
                resource: r.get(0)?,
                namespace: r.get(1)?,
                name: r.get(2)?,
                rv: r.get::<_, i64>(3)? as u64,
                value: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The newest `limit` events, oldest first.
    pub fn load_events(&self, limit: usize) -> Result<Vec<EventRow>, SqliteError> {
        let mut stmt = self.conn.prepare(
            "SELECT rv, kind, resource, namespace, name, value, prev_rv, prev FROM
             (SELECT * FROM events ORDER BY rv DESC LIMIT ?1) ORDER BY rv ASC",
        )?;
        let rows = stmt.query_map(params![limit as i64], |r| {
            Ok(EventRow {
                rv: r.get::<_, i64>(0)? as u64,
                kind: r.get(1)?,
                resource: r.get(2)?,
                namespace: r.get(3)?,
                name: r.get(4)?,
                value: r.get(5)?,
                prev_rv: r.get::<_, i64>(6)? as u64,
                prev: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The newest resourceVersion ever written (the newest event is never trimmed).
    pub fn load_counter(&self) -> Result<u64, SqliteError> {
        let rv: Option<i64> = self
            .conn
            .query_row("SELECT MAX(rv) FROM events", [], |r| r.get(0))
            .optional()?
            .flatten();
        Ok(rv.unwrap_or(0) as u64)
    }

    /// Records one write: the object's new state (or its removal) and the event, atomically.
    pub fn write(
        &mut self,
        rv: u64,
        kind: i64,
        key: &ObjectKey,
        value: &[u8],
        previous: Option<(u64, &[u8])>,
        deleted: bool,
    ) -> Result<(), SqliteError> {
        let tx = self.conn.transaction()?;
        if deleted {
            tx.prepare_cached(
                "DELETE FROM objects WHERE resource = ?1 AND namespace = ?2 AND name = ?3",
            )?
            .execute(params![&*key.resource, key.namespace, key.name])?;
        } else {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO objects (resource, namespace, name, rv, value) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![&*key.resource, key.namespace, key.name, rv as i64, value])?;
        }
        let (prev_rv, prev) = match previous {
            Some((rv, raw)) => (rv as i64, Some(raw)),
            None => (0, None),
        };
        tx.prepare_cached(
            "INSERT INTO events (rv, kind, resource, namespace, name, value, prev_rv, prev) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![rv as i64, kind, &*key.resource, key.namespace, key.name, value, prev_rv, prev])?;
        tx.commit()?;
        Ok(())
    }

    /// Forgets events at or before `rv`: watches can no longer start there.
    pub fn trim_events(&self, rv: u64) -> Result<(), SqliteError> {
        self.conn
            .prepare_cached("DELETE FROM events WHERE rv <= ?1")?
            .execute(params![rv as i64])?;
        Ok(())
    }
}
