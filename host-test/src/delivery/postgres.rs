//! Events delivered into PostgreSQL: a batch's events and its checkpoint commit in one
//! transaction, so the table holds every event exactly once wherever the process stops, and two
//! processes fetching the same stream cannot both deliver a batch (the conditional checkpoint
//! write lets only one commit).
//!
//! ```sql
//! CREATE TABLE docusign_events (
//!     integration text NOT NULL,          -- auth-server:integration-key:user-id
//!     stream      text NOT NULL,          -- customer-events | audit-users
//!     event_id    text NOT NULL,          -- the connector's dedup id
//!     event_time  text,                   -- RFC 3339, as the connector normalized it
//!     payload     jsonb NOT NULL,         -- the event as DocuSign sent it
//!     fetched_at  timestamptz NOT NULL DEFAULT now(),
//!     PRIMARY KEY (integration, stream, event_id)
//! );
//! ```

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use postgres::NoTls;
use r2d2::PooledConnection;
use r2d2_postgres::PostgresConnectionManager;

use super::{DeliveryError, FaultHook, FaultPoint, SinkError, fetch_batch, stop_at};
use crate::bindings::Connection;
use crate::bindings::commands::FetchRequest;
use crate::capabilities::{Capabilities, StateStore};
use crate::engine::ConnectorHost;
use crate::json_api::output::{EventOutput, FetchOutput};
use crate::json_api::{self, Call, InvokeError};
use crate::state_store::postgres::{self as pg, PgPool};
use crate::state_store::{Entry, StateError};

/// The events table, created if missing.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS docusign_events (
    integration text NOT NULL,
    stream      text NOT NULL,
    event_id    text NOT NULL,
    event_time  text,
    payload     jsonb NOT NULL,
    fetched_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (integration, stream, event_id)
);
";

type PgConnection = PooledConnection<PostgresConnectionManager<NoTls>>;

/// The events table of one database, for one integration.
pub struct PostgresSink {
    pool: PgPool,
    integration: String,
}

impl PostgresSink {
    /// The table in the database at `url` (created if missing), for `integration`.
    pub fn open(url: &str, integration: &str) -> Result<Self, SinkError> {
        let pool = pg::pool(url).map_err(|e| SinkError::Database(e.to_string()))?;
        pg::create_schema(&mut *connect(&pool)?, SCHEMA)
            .map_err(|e| database("creating the events table", &e))?;
        Ok(Self {
            pool,
            integration: integration.to_owned(),
        })
    }
}

fn database(what: &str, e: &postgres::Error) -> SinkError {
    SinkError::Database(format!("{what}: {}", pg::describe(e)))
}

fn connect(pool: &PgPool) -> Result<PgConnection, SinkError> {
    pool.get()
        .map_err(|e| SinkError::Database(format!("connecting: {e}")))
}

/// One run: fetch a batch (with `caps`, whose state must be the same database), then in one
/// transaction insert its events and commit its checkpoint.
pub fn fetch_into_postgres(
    host: &ConnectorHost,
    caps: &Capabilities,
    conn: &Connection,
    request: FetchRequest,
    sink: &PostgresSink,
    fault: FaultHook<'_>,
) -> Result<FetchOutput, DeliveryError> {
    let batch = fetch_batch(host, caps, conn, request)?;
    let mut db = connect(&sink.pool)?;
    db.batch_execute("BEGIN")
        .map_err(|e| database("starting a transaction", &e))?;
    let tx = Arc::new(TransactionState {
        conn: Mutex::new(Some(db)),
        writes: AtomicUsize::new(0),
    });
    let mut delivered = deliver(host, caps, conn, sink, &batch, &tx, fault);
    // A fresh batch with events always writes its checkpoint, unless another process
    // committed an identical batch first (the connector accepts a repeated commit as done).
    if delivered.is_ok() && !batch.events.is_empty() && tx.writes.load(Ordering::SeqCst) == 0 {
        delivered = Err(DeliveryError::Superseded);
    }
    let mut db = tx.take();
    match delivered {
        Ok(()) => {
            db.batch_execute("COMMIT")
                .map_err(|e| database("committing the batch", &e))?;
            stop_at(fault, FaultPoint::AfterCommit)?;
            Ok(batch)
        }
        Err(e) => {
            // Nothing of the batch stays: no event, no checkpoint.
            let _ = db.batch_execute("ROLLBACK");
            Err(e)
        }
    }
}

fn deliver(
    host: &ConnectorHost,
    caps: &Capabilities,
    conn: &Connection,
    sink: &PostgresSink,
    batch: &FetchOutput,
    tx: &Arc<TransactionState>,
    fault: FaultHook<'_>,
) -> Result<(), DeliveryError> {
    stop_at(fault, FaultPoint::BeforeAppend)?;
    let half = batch.events.len() / 2;
    for (i, event) in batch.events.iter().enumerate() {
        if i == half && !batch.events.is_empty() {
            stop_at(fault, FaultPoint::MidAppend)?;
        }
        tx.insert(&sink.integration, event)?;
    }
    stop_at(fault, FaultPoint::AfterAppend)?;
    let in_transaction = Capabilities {
        state: tx.clone(),
        ..caps.clone()
    };
    let committed = json_api::run_call(
        host,
        &in_transaction,
        conn,
        Call::CommitFetch(batch.checkpoint.clone()),
    );
    committed.map_err(|error: InvokeError| DeliveryError::Commit {
        delivered: 0,
        error,
    })?;
    stop_at(fault, FaultPoint::BeforeCommit)?;
    Ok(())
}

/// The state store of one open transaction (the checkpoint commit runs in it).
struct TransactionState {
    conn: Mutex<Option<PgConnection>>,
    /// State writes made in the transaction.
    writes: AtomicUsize,
}

impl TransactionState {
    fn with<T>(
        &self,
        f: impl FnOnce(&mut PgConnection) -> Result<T, StateError>,
    ) -> Result<T, StateError> {
        let mut guard = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        match guard.as_mut() {
            Some(conn) => f(conn),
            None => Err(StateError::Unavailable("the transaction has ended".into())),
        }
    }

    fn take(&self) -> PgConnection {
        self.conn
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .expect("the transaction's connection is taken once")
    }

    fn insert(&self, integration: &str, event: &EventOutput) -> Result<(), SinkError> {
        self.with(|conn| {
            conn.execute(
                "INSERT INTO docusign_events (integration, stream, event_id, event_time, payload)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT DO NOTHING",
                &[
                    &integration,
                    &event.event_type,
                    &event.id,
                    &event.time,
                    &postgres::types::Json(&event.data),
                ],
            )
            .map(drop)
            .map_err(|e| {
                StateError::Unavailable(format!("inserting an event: {}", pg::describe(&e)))
            })
        })
        .map_err(|e| SinkError::Database(e.to_string()))
    }
}

impl StateStore for TransactionState {
    fn get_entry(&self, key: &str) -> Result<Option<Entry>, StateError> {
        self.with(|conn| pg::get_entry(&mut **conn, key))
    }

    fn set(&self, key: &str, value: &str) -> Result<(), StateError> {
        let current = self.get_entry(key)?.map(|e| e.version);
        self.set_if(key, value, current).map(drop)
    }

    fn set_if(&self, key: &str, value: &str, expected: Option<u64>) -> Result<u64, StateError> {
        let version = self.with(|conn| pg::set_if(&mut **conn, key, value, expected))?;
        self.writes.fetch_add(1, Ordering::SeqCst);
        Ok(version)
    }

    fn delete(&self, _key: &str) -> Result<bool, StateError> {
        Err(StateError::Unavailable(
            "deleting state inside a delivery transaction".into(),
        ))
    }

    fn lease(&self, _: &str, _: u64, _: u32, _: u32) -> Result<bool, StateError> {
        Err(StateError::Unavailable(
            "leases are not taken inside a delivery transaction".into(),
        ))
    }

    fn renew(&self, _: &str, _: u64, _: u32) -> Result<bool, StateError> {
        Ok(false)
    }

    fn release(&self, _: &str, _: u64) {}
}
