//! State in PostgreSQL, shared by host processes on many machines: one table of versioned rows,
//! leases as rows with an expiry on the database's clock.
//!
//! ```sql
//! CREATE TABLE docusign_state (
//!     key        text PRIMARY KEY,     -- a connector key, or 'lease:' || lease name
//!     value      text NOT NULL,        -- the value, or the lease's owner
//!     version    bigint NOT NULL,      -- from docusign_state_version: never reused
//!     expires_at timestamptz,          -- leases only
//!     updated_at timestamptz NOT NULL DEFAULT now()
//! );
//! CREATE SEQUENCE docusign_state_version;
//! ```
//!
//! Every operation is one statement (nothing is half-written). Connections come from a pool
//! (`r2d2`) with a connect timeout and a statement timeout, so a database that is down or hung
//! is a [`StateError::Unavailable`] within seconds, never a hang.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use postgres::NoTls;
use r2d2::{Pool, PooledConnection};
use r2d2_postgres::PostgresConnectionManager;

use super::{Entry, StateError};
use crate::capabilities::StateStore;

/// The schema, created if missing when a store opens.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS docusign_state (
    key        text PRIMARY KEY,
    value      text NOT NULL,
    version    bigint NOT NULL,
    expires_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE SEQUENCE IF NOT EXISTS docusign_state_version;
";

/// Longest wait for a connection (the database unreachable) and for one statement.
pub const TIMEOUT: Duration = Duration::from_secs(5);
/// How often a waiting lease request looks again.
const LEASE_POLL: Duration = Duration::from_millis(25);
/// Connections per store.
const POOL_SIZE: u32 = 16;

/// A connection pool to one database.
pub type PgPool = Pool<PostgresConnectionManager<NoTls>>;

/// State in a PostgreSQL database (`postgres://user@host:port/db`).
pub struct PostgresStateStore {
    pool: PgPool,
    /// Tells this store's lease owners from other processes'.
    instance: String,
}

impl std::fmt::Debug for PostgresStateStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStateStore")
            .field("instance", &self.instance)
            .finish_non_exhaustive()
    }
}

/// A pool for `url` whose connections time out statements after [`TIMEOUT`].
pub fn pool(url: &str) -> Result<PgPool, StateError> {
    let mut config: postgres::Config = url
        .parse()
        .map_err(|e| unavailable("the database URL", &e))?;
    config
        .connect_timeout(TIMEOUT)
        .options(&format!("-c statement_timeout={}", TIMEOUT.as_millis()))
        .keepalives(true);
    if config.get_application_name().is_none() {
        config.application_name("docusign-host");
    }
    let manager = PostgresConnectionManager::new(config, NoTls);
    // Unchecked: connections are made on demand, so a database that is down now is a typed
    // error of the first operation (within TIMEOUT), and the store works once it is back.
    Ok(Pool::builder()
        .max_size(POOL_SIZE)
        .min_idle(Some(0))
        .connection_timeout(TIMEOUT)
        .build_unchecked(manager))
}

impl PostgresStateStore {
    /// Connect to `url` and create the schema if it is missing.
    pub fn open(url: &str) -> Result<Self, StateError> {
        let store = Self::with_pool(pool(url)?);
        create_schema(&mut *store.conn()?, SCHEMA)
            .map_err(|e| unavailable("creating the schema", &e))?;
        Ok(store)
    }

    /// A store over `pool` (the schema must exist).
    pub fn with_pool(pool: PgPool) -> Self {
        let start = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_micros())
            .unwrap_or(0);
        Self {
            pool,
            instance: format!("{}-{start}", std::process::id()),
        }
    }

    fn conn(&self) -> Result<PooledConnection<PostgresConnectionManager<NoTls>>, StateError> {
        self.pool
            .get()
            .map_err(|e| StateError::Unavailable(format!("PostgreSQL, connecting: {e}")))
    }

    fn owner(&self, owner: u64) -> String {
        format!("{}:{owner}", self.instance)
    }

    fn try_lease(&self, key: &str, owner: &str, ttl_ms: u32) -> Result<bool, StateError> {
        let rows = self
            .conn()?
            .query(
                "INSERT INTO docusign_state (key, value, version, expires_at)
                 VALUES ($1, $2, nextval('docusign_state_version'),
                         clock_timestamp() + $3::bigint * interval '1 millisecond')
                 ON CONFLICT (key) DO UPDATE
                     SET value = EXCLUDED.value, version = EXCLUDED.version,
                         expires_at = EXCLUDED.expires_at, updated_at = now()
                     WHERE docusign_state.expires_at <= clock_timestamp()
                        OR docusign_state.value = EXCLUDED.value
                 RETURNING 1",
                &[&lease_key(key), &owner, &i64::from(ttl_ms)],
            )
            .map_err(|e| unavailable("taking a lease", &e))?;
        Ok(!rows.is_empty())
    }
}

/// A new, empty database `docusign_<name>_<pid>` on the server `DOCUSIGN_TEST_POSTGRES`
/// names, its URL (tests only: `scripts/test-postgres.sh` starts such a server).
#[cfg(feature = "postgres-tests")]
pub fn fresh_test_database(name: &str) -> String {
    let server = std::env::var("DOCUSIGN_TEST_POSTGRES").expect(
        "DOCUSIGN_TEST_POSTGRES=postgres://… (bash scripts/test-postgres.sh start DIR PORT)",
    );
    let (base, _) = server.rsplit_once('/').expect("a URL with a database");
    let db = format!("docusign_{name}_{}", std::process::id());
    let mut admin = postgres::Client::connect(&server, NoTls).expect("the test server");
    for sql in [
        format!("DROP DATABASE IF EXISTS {db}"),
        format!("CREATE DATABASE {db}"),
    ] {
        admin
            .batch_execute(&sql)
            .expect("creating the test database");
    }
    format!("{base}/{db}")
}

fn lease_key(key: &str) -> String {
    format!("lease:{key}")
}

fn unavailable(what: &str, e: &postgres::Error) -> StateError {
    StateError::Unavailable(format!("PostgreSQL, {what}: {}", describe(e)))
}

/// What went wrong, with the server's message and SQLSTATE when the server said it (the
/// driver's own text for those is only "db error"). Never the statement's parameters.
pub(crate) fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

/// Run `sql` (`CREATE … IF NOT EXISTS`) under a transaction-scoped advisory lock: processes
/// opening the same new database at once would otherwise race on the catalog.
pub(crate) fn create_schema(
    client: &mut postgres::Client,
    sql: &str,
) -> Result<(), postgres::Error> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])?;
    tx.batch_execute(sql)?;
    tx.commit()
}

/// The advisory lock key schema creation takes ("docusign" in ASCII).
const SCHEMA_LOCK: i64 = 0x646f_6375_7369_676e;

fn version(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// The state operations over any connection or transaction (the sink commits in its own).
pub(crate) fn get_entry(
    client: &mut impl postgres::GenericClient,
    key: &str,
) -> Result<Option<Entry>, StateError> {
    let row = client
        .query_opt(
            "SELECT value, version FROM docusign_state WHERE key = $1",
            &[&key],
        )
        .map_err(|e| unavailable("reading state", &e))?;
    Ok(row.map(|r| Entry {
        value: r.get(0),
        version: version(r.get(1)),
    }))
}

/// Conditional write over any connection or transaction.
pub(crate) fn set_if(
    client: &mut impl postgres::GenericClient,
    key: &str,
    value: &str,
    expected: Option<u64>,
) -> Result<u64, StateError> {
    let written = match expected {
        Some(v) => client.query_opt(
            "UPDATE docusign_state
                SET value = $2, version = nextval('docusign_state_version'), updated_at = now()
              WHERE key = $1 AND version = $3
             RETURNING version",
            &[&key, &value, &i64::try_from(v).unwrap_or(i64::MAX)],
        ),
        None => client.query_opt(
            "INSERT INTO docusign_state (key, value, version)
             VALUES ($1, $2, nextval('docusign_state_version'))
             ON CONFLICT (key) DO NOTHING
             RETURNING version",
            &[&key, &value],
        ),
    }
    .map_err(|e| unavailable("writing state", &e))?;
    match written {
        Some(row) => Ok(version(row.get(0))),
        None => Err(StateError::Conflict {
            key: key.to_owned(),
            current: get_entry(client, key)?.map(|e| e.version),
        }),
    }
}

impl StateStore for PostgresStateStore {
    fn get_entry(&self, key: &str) -> Result<Option<Entry>, StateError> {
        get_entry(&mut *self.conn()?, key)
    }

    fn set(&self, key: &str, value: &str) -> Result<(), StateError> {
        self.conn()?
            .execute(
                "INSERT INTO docusign_state (key, value, version)
                 VALUES ($1, $2, nextval('docusign_state_version'))
                 ON CONFLICT (key) DO UPDATE
                     SET value = EXCLUDED.value, version = EXCLUDED.version, updated_at = now()",
                &[&key, &value],
            )
            .map(drop)
            .map_err(|e| unavailable("writing state", &e))
    }

    fn set_if(&self, key: &str, value: &str, expected: Option<u64>) -> Result<u64, StateError> {
        set_if(&mut *self.conn()?, key, value, expected)
    }

    fn delete(&self, key: &str) -> Result<bool, StateError> {
        self.conn()?
            .execute("DELETE FROM docusign_state WHERE key = $1", &[&key])
            .map(|n| n > 0)
            .map_err(|e| unavailable("deleting state", &e))
    }

    fn lease(&self, key: &str, owner: u64, ttl_ms: u32, wait_ms: u32) -> Result<bool, StateError> {
        let deadline = Instant::now() + Duration::from_millis(u64::from(wait_ms));
        let owner = self.owner(owner);
        loop {
            if self.try_lease(key, &owner, ttl_ms)? {
                return Ok(true);
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(false);
            }
            std::thread::sleep(LEASE_POLL.min(deadline - now));
        }
    }

    fn renew(&self, key: &str, owner: u64, ttl_ms: u32) -> Result<bool, StateError> {
        self.conn()?
            .execute(
                "UPDATE docusign_state
                    SET expires_at = clock_timestamp() + $3::bigint * interval '1 millisecond',
                        updated_at = now()
                  WHERE key = $1 AND value = $2 AND expires_at > clock_timestamp()",
                &[&lease_key(key), &self.owner(owner), &i64::from(ttl_ms)],
            )
            .map(|n| n > 0)
            .map_err(|e| unavailable("renewing a lease", &e))
    }

    fn release(&self, key: &str, owner: u64) {
        if let Ok(mut conn) = self.conn() {
            let _ = conn.execute(
                "DELETE FROM docusign_state WHERE key = $1 AND value = $2",
                &[&lease_key(key), &self.owner(owner)],
            );
        }
    }
}
