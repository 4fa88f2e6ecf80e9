//! The pool, its options, migrations and transactions.

use std::any::Any;
use std::marker::PhantomData;
use std::os::raw::c_void;
use std::panic::{self, AssertUnwindSafe};
use std::ptr::{self, NonNull};
use std::time::Duration;

use crate::comm::Comms;
use crate::document::Documents;
use crate::error::{check, Error, Result, Status};
use crate::ffi;
use crate::sys;
use crate::user::Users;

/// A thread-safe pool of PostgreSQL connections (`pinky_db` from
/// `pinky_db_open`). Share it between threads by reference or in an `Arc`;
/// dropping it closes the pool.
pub struct Db {
    raw: NonNull<sys::pinky_db>,
}

// SAFETY: the pool handle is documented thread-safe for every call.
unsafe impl Send for Db {}
unsafe impl Sync for Db {}

impl Db {
    /// Opens a pool with default options. `dsn` is a libpq connection
    /// string or URI; `None` uses the `PINKY_DSN` environment variable, else
    /// libpq's defaults (`PGHOST`, `PGDATABASE`, ...). Connects once to check
    /// the server is reachable (`Connection` if not).
    pub fn open(dsn: Option<&str>) -> Result<Db> {
        let mut options = DbOptions::new();
        if let Some(dsn) = dsn {
            options = options.conninfo(dsn);
        }
        options.open()
    }

    /// Options for [`DbOptions::open`].
    pub fn options() -> DbOptions {
        DbOptions::new()
    }

    /// Applies pending schema migrations (safe from several processes at
    /// once). `Migration` when the database disagrees with the library.
    pub fn migrate(&self) -> Result<()> {
        // SAFETY: a live pool handle.
        check(unsafe { sys::pinky_migrate(self.raw.as_ptr()) })
    }

    /// The schema version the database is at (0 when never migrated).
    pub fn schema_version(&self) -> Result<i32> {
        let mut v = 0;
        // SAFETY: a live pool handle and an output pointer.
        check(unsafe { sys::pinky_schema_version(self.raw.as_ptr(), &mut v) })?;
        Ok(v)
    }

    /// Starts a transaction with default options; see [`Tx`].
    pub fn transaction(&self) -> Result<Tx<'_>> {
        self.transaction_with(&TxOptions::new())
    }

    /// Starts a transaction (isolation, read only; `max_attempts` is not used).
    pub fn transaction_with(&self, options: &TxOptions) -> Result<Tx<'_>> {
        let raw = options.raw();
        let mut tx = ptr::null_mut();
        // SAFETY: a live pool handle, options, an output pointer.
        check(unsafe { sys::pinky_db_begin(self.raw.as_ptr(), &raw, &mut tx) })?;
        Ok(Tx {
            raw: tx,
            owned: true,
            _db: PhantomData,
        })
    }

    /// Runs `f` in a transaction (`pinky_db_transact`): commits when it
    /// returns `Ok`, rolls back when it returns `Err` (that error is
    /// returned) or panics (the panic goes on after the rollback).
    /// Serialization failures and deadlocks (`Status::Serialization`, from
    /// a statement in `f` or from the commit) run `f` again in a new
    /// transaction, up to 5 times in all; so `f` may run more than once and
    /// should only change things through the `Tx` it is given.
    pub fn transact<T, F>(&self, f: F) -> Result<T>
    where
        F: FnMut(&Tx<'_>) -> Result<T>,
    {
        self.transact_with(&TxOptions::new(), f)
    }

    /// [`Db::transact`] with options (isolation, read only, attempts).
    pub fn transact_with<T, F>(&self, options: &TxOptions, mut f: F) -> Result<T>
    where
        F: FnMut(&Tx<'_>) -> Result<T>,
    {
        struct Ctx<'a, T> {
            f: &'a mut dyn FnMut(&Tx<'_>) -> Result<T>,
            result: Option<Result<T>>,
            panic: Option<Box<dyn Any + Send + 'static>>,
        }

        unsafe extern "C" fn trampoline<T>(
            tx: *mut sys::pinky_db,
            ctx: *mut c_void,
        ) -> sys::pinky_status {
            // SAFETY: ctx is the Ctx below, alive for the whole transact call.
            let ctx = &mut *(ctx as *mut Ctx<'_, T>);
            // Borrowed: pinky_db_transact commits or rolls back, not Drop.
            let tx = Tx {
                raw: tx,
                owned: false,
                _db: PhantomData,
            };
            let f = &mut ctx.f;
            // A panic must not unwind into C: catch it, roll back, rethrow.
            match panic::catch_unwind(AssertUnwindSafe(|| f(&tx))) {
                Ok(Ok(v)) => {
                    ctx.result = Some(Ok(v));
                    sys::PINKY_OK
                }
                Ok(Err(e)) => {
                    let code = abort_code(&e);
                    ctx.result = Some(Err(e));
                    code
                }
                Err(payload) => {
                    ctx.result = None;
                    ctx.panic = Some(payload);
                    sys::PINKY_INTERNAL
                }
            }
        }

        let raw = options.raw();
        let mut ctx = Ctx {
            f: &mut f,
            result: None,
            panic: None,
        };
        // SAFETY: a live pool handle; the callback and ctx match.
        let code = unsafe {
            sys::pinky_db_transact(
                self.raw.as_ptr(),
                Some(trampoline::<T>),
                &mut ctx as *mut Ctx<'_, T> as *mut c_void,
                &raw,
            )
        };
        if let Some(payload) = ctx.panic.take() {
            panic::resume_unwind(payload);
        }
        let err = if code == sys::PINKY_OK {
            None
        } else {
            Some(Error::last(code))
        };
        match (err, ctx.result) {
            (None, Some(Ok(v))) => Ok(v),
            // f's own error, passed through by the library.
            (Some(_), Some(Err(e))) if abort_code(&e) == code => Err(e),
            // begin or commit failed.
            (Some(e), _) => Err(e),
            (None, _) => Err(Error::new(
                Status::Internal,
                "",
                "pinky_db_transact returned OK without running the closure".to_string(),
            )),
        }
    }

    /// Runs one SQL statement without parameters or results (session
    /// settings, maintenance). Never put user input in `sql`.
    pub fn exec(&self, sql: &str) -> Result<()> {
        exec(self.raw.as_ptr(), sql)
    }

    /// The users table (and nothing else happens until a call).
    pub fn users(&self) -> Users<'_> {
        Users::new(self.raw.as_ptr())
    }

    /// The documents table, with versions.
    pub fn documents(&self) -> Documents<'_> {
        Documents::new(self.raw.as_ptr())
    }

    /// Communications, with similarity search.
    pub fn comms(&self) -> Comms<'_> {
        Comms::new(self.raw.as_ptr())
    }

    /// The raw handle, for calls through [`sys`](crate::sys). It stays
    /// owned by this `Db`.
    pub fn as_raw(&self) -> *mut sys::pinky_db {
        self.raw.as_ptr()
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        // SAFETY: closed exactly once.
        unsafe { sys::pinky_db_close(self.raw.as_ptr()) }
    }
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("raw", &self.raw).finish()
    }
}

/// The status a transact closure's error returns to C: never OK (which
/// would commit), even for a custom `Status::Other(0)`.
fn abort_code(e: &Error) -> sys::pinky_status {
    match e.status().code() {
        sys::PINKY_OK => sys::PINKY_INTERNAL,
        code => code,
    }
}

fn exec(db: *mut sys::pinky_db, sql: &str) -> Result<()> {
    let sql = ffi::c_string("sql", sql)?;
    // SAFETY: a live handle and a C string.
    check(unsafe { sys::pinky_db_exec(db, sql.as_ptr()) })
}

fn ms(d: Duration) -> u32 {
    let ms = u32::try_from(d.as_millis()).unwrap_or(u32::MAX);
    if ms == 0 && d > Duration::ZERO {
        1
    } else {
        ms
    }
}

/// Pool options (`pinky_db_options`); what is not set keeps the library's
/// default.
///
/// ```no_run
/// # use std::time::Duration;
/// let db = pinky::Db::options()
///     .conninfo("host=/tmp dbname=pinky")
///     .max_connections(4)
///     .statement_timeout(Duration::from_secs(30))
///     .application_name("my-agent")
///     .open()?;
/// # Ok::<(), pinky::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct DbOptions {
    conninfo: Option<String>,
    min_connections: Option<u32>,
    max_connections: Option<u32>,
    acquire_timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    statement_timeout: Option<Duration>,
    application_name: Option<String>,
    disable_prepared: Option<bool>,
    audit: Option<bool>,
}

impl DbOptions {
    /// All defaults.
    pub fn new() -> DbOptions {
        DbOptions::default()
    }
    /// libpq connection string or URI (default: `PINKY_DSN`, else libpq's defaults).
    pub fn conninfo(mut self, conninfo: &str) -> Self {
        self.conninfo = Some(conninfo.to_string());
        self
    }
    /// Connections opened eagerly and kept (default 0).
    pub fn min_connections(mut self, n: u32) -> Self {
        self.min_connections = Some(n);
        self
    }
    /// At most this many connections (default 8).
    pub fn max_connections(mut self, n: u32) -> Self {
        self.max_connections = Some(n);
        self
    }
    /// Wait this long for a free connection, then `Busy` (default 5 s).
    pub fn acquire_timeout(mut self, d: Duration) -> Self {
        self.acquire_timeout = Some(d);
        self
    }
    /// Connecting gives up after this (default 10 s).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = Some(d);
        self
    }
    /// Per statement, then `Timeout` (default: none; zero: none).
    pub fn statement_timeout(mut self, d: Duration) -> Self {
        self.statement_timeout = Some(d);
        self
    }
    /// PostgreSQL's application_name (default "libpinky").
    pub fn application_name(mut self, name: &str) -> Self {
        self.application_name = Some(name.to_string());
        self
    }
    /// Unnamed statements only (PgBouncer transaction pooling).
    pub fn disable_prepared(mut self, yes: bool) -> Self {
        self.disable_prepared = Some(yes);
        self
    }
    /// Write audit_logs rows for every mutation.
    pub fn audit(mut self, yes: bool) -> Self {
        self.audit = Some(yes);
        self
    }

    /// Opens the pool (see [`Db::open`]).
    pub fn open(&self) -> Result<Db> {
        let conninfo = ffi::c_opt("options.conninfo", self.conninfo.as_deref())?;
        let app = ffi::c_opt("options.application_name", self.application_name.as_deref())?;
        let mut o = ffi::init(sys::pinky_db_options_init);
        if let Some(c) = &conninfo {
            o.conninfo = c.as_ptr();
        }
        if let Some(a) = &app {
            o.application_name = a.as_ptr();
        }
        if let Some(n) = self.min_connections {
            o.min_connections = n;
        }
        if let Some(n) = self.max_connections {
            o.max_connections = n;
        }
        if let Some(d) = self.acquire_timeout {
            o.acquire_timeout_ms = ms(d);
        }
        if let Some(d) = self.connect_timeout {
            o.connect_timeout_ms = ms(d);
        }
        if let Some(d) = self.statement_timeout {
            o.statement_timeout_ms = ms(d);
        }
        if let Some(b) = self.disable_prepared {
            o.disable_prepared = b;
        }
        if let Some(b) = self.audit {
            o.audit = b;
        }
        let mut db = ptr::null_mut();
        // SAFETY: options whose strings outlive the call; an output pointer.
        check(unsafe { sys::pinky_db_open(&o, &mut db) })?;
        match NonNull::new(db) {
            Some(raw) => Ok(Db { raw }),
            None => Err(Error::new(
                Status::Internal,
                "",
                "pinky_db_open returned NULL".into(),
            )),
        }
    }
}

/// Transaction isolation levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Isolation {
    /// The server's default (READ COMMITTED unless configured otherwise).
    #[default]
    Default,
    /// READ COMMITTED.
    ReadCommitted,
    /// REPEATABLE READ.
    RepeatableRead,
    /// SERIALIZABLE.
    Serializable,
}

/// Transaction options (`pinky_tx_options`).
#[derive(Debug, Clone, Default)]
pub struct TxOptions {
    isolation: Isolation,
    read_only: bool,
    max_attempts: Option<u32>,
}

impl TxOptions {
    /// Default isolation, read-write, 5 attempts.
    pub fn new() -> TxOptions {
        TxOptions::default()
    }
    /// The isolation level.
    pub fn isolation(mut self, isolation: Isolation) -> Self {
        self.isolation = isolation;
        self
    }
    /// READ ONLY.
    pub fn read_only(mut self, yes: bool) -> Self {
        self.read_only = yes;
        self
    }
    /// Attempts in all for [`Db::transact_with`] (default 5; 0 counts as 1).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = Some(n);
        self
    }

    fn raw(&self) -> sys::pinky_tx_options {
        let mut o = ffi::init(sys::pinky_tx_options_init);
        o.isolation = match self.isolation {
            Isolation::Default => sys::PINKY_ISOLATION_DEFAULT,
            Isolation::ReadCommitted => sys::PINKY_ISOLATION_READ_COMMITTED,
            Isolation::RepeatableRead => sys::PINKY_ISOLATION_REPEATABLE_READ,
            Isolation::Serializable => sys::PINKY_ISOLATION_SERIALIZABLE,
        };
        o.read_only = self.read_only;
        if let Some(n) = self.max_attempts {
            o.max_attempts = n;
        }
        o
    }
}

/// A transaction: a handle bound to one pooled connection between BEGIN and
/// COMMIT/ROLLBACK. Every data call of `users()`, `documents()`, `comms()` runs in
/// it. End it with [`Tx::commit`] or [`Tx::rollback`]; dropping it without
/// either rolls back. After a failed statement the transaction refuses
/// further statements (`State`) and committing it rolls back and reports
/// `State`.
///
/// One thread at a time: a `Tx` may move to another thread (`Send`) but not
/// be shared (`!Sync`). It borrows the [`Db`] it came from.
pub struct Tx<'db> {
    raw: *mut sys::pinky_db,
    /// False for the handle lent to a [`Db::transact`] closure, which the
    /// library ends itself.
    owned: bool,
    _db: PhantomData<&'db Db>,
}

// SAFETY: a transaction handle may be used from any thread, one at a time.
unsafe impl Send for Tx<'_> {}

impl Tx<'_> {
    /// Commits. A failed transaction is rolled back instead: `State`.
    pub fn commit(mut self) -> Result<()> {
        let raw = std::mem::replace(&mut self.raw, ptr::null_mut());
        // SAFETY: an owned, live handle (commit takes self), freed by the call.
        check(unsafe { sys::pinky_db_commit(raw) })
    }

    /// Rolls back.
    pub fn rollback(mut self) -> Result<()> {
        let raw = std::mem::replace(&mut self.raw, ptr::null_mut());
        // SAFETY: as for commit.
        check(unsafe { sys::pinky_db_rollback(raw) })
    }

    /// Runs one SQL statement without parameters or results in the
    /// transaction. Never put user input in `sql`.
    pub fn exec(&self, sql: &str) -> Result<()> {
        exec(self.raw, sql)
    }

    /// The users table, in this transaction.
    pub fn users(&self) -> Users<'_> {
        Users::new(self.raw)
    }

    /// The documents table, in this transaction.
    pub fn documents(&self) -> Documents<'_> {
        Documents::new(self.raw)
    }

    /// Communications, in this transaction.
    pub fn comms(&self) -> Comms<'_> {
        Comms::new(self.raw)
    }

    /// The raw handle, for calls through [`sys`](crate::sys). Do not
    /// commit, roll back or close it.
    pub fn as_raw(&self) -> *mut sys::pinky_db {
        self.raw
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if self.owned && !self.raw.is_null() {
            // SAFETY: an owned handle not yet ended; rollback frees it.
            unsafe { sys::pinky_db_rollback(self.raw) };
        }
    }
}

impl std::fmt::Debug for Tx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tx")
            .field("raw", &self.raw)
            .field("owned", &self.owned)
            .finish()
    }
}
