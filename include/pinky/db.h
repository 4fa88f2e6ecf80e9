/*
 * libpinky -- the database handle: a thread-safe pool of PostgreSQL
 * connections, transactions, and schema migrations.
 */
#ifndef PINKY_DB_H
#define PINKY_DB_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A handle every data function takes.  Opened with pinky_db_open it is a
 * pool that any number of threads may share; pinky_db_begin returns a handle
 * bound to one connection inside a transaction, which one thread at a time
 * may use.  Each pool runs one housekeeping thread: it closes connections
 * idle past max_idle_ms or past their lifetime, replaces idle connections
 * the server closed, keeps min_connections open (backing off while the
 * server is down), and issues leak warnings.
 */
typedef struct pinky_db pinky_db;

typedef enum pinky_log_level {
    PINKY_LOG_DEBUG = 1,
    PINKY_LOG_INFO = 2,
    PINKY_LOG_WARNING = 3,
    PINKY_LOG_ERROR = 4
} pinky_log_level;

/* Called from any thread; must not call back into the same pool. */
typedef void (*pinky_log_fn)(pinky_log_level level, const char *message, void *ctx);

/*
 * Called on every new connection before first use, with a handle bound to
 * it (outside any transaction): issue session settings with pinky_db_exec.
 * A non-OK return discards the connection.
 */
typedef pinky_status (*pinky_connect_hook)(pinky_db *conn, void *ctx);

typedef struct pinky_db_options {
    uint32_t struct_size;          /* pinky_db_options_init sets it */
    /* libpq connection string or URI.  NULL: the PINKY_DSN environment
       variable, else libpq's defaults (PGHOST, PGDATABASE, ...). */
    const char *conninfo;
    uint32_t min_connections;      /* opened eagerly and kept (replaced when closed); default 0 */
    uint32_t max_connections;      /* default 8 */
    uint32_t acquire_timeout_ms;   /* wait for a free connection; default 5000, then BUSY */
    uint32_t max_waiters;          /* callers allowed to wait at once; default 0 = unlimited */
    uint32_t max_idle_ms;          /* close idle connections above min after this; default 300000 */
    uint32_t max_lifetime_ms;      /* recycle after this (+/- 10% jitter); default 3600000, 0 = never */
    uint32_t health_check_idle_ms; /* check liveness before handing out a connection idle this long; default 30000 */
    uint32_t connect_timeout_ms;   /* default 10000 */
    uint32_t statement_timeout_ms; /* per statement; default 0 = none */
    const char *application_name;  /* default "libpinky" */
    pinky_connect_hook after_connect;
    void *after_connect_ctx;
    uint32_t leak_threshold_ms;    /* warn (once, while held) when a connection is held
                                      longer; 0 = off (default) */
    pinky_log_fn log;
    void *log_ctx;
    bool disable_prepared;         /* PgBouncer transaction pooling: unnamed statements only */
    bool audit;                    /* write an audit_logs row for every mutation, in the
                                      same transaction (see pinky_audit_set_context) */
} pinky_db_options;

/* Sets struct_size and the documented defaults: call before setting members. */
PINKY_API void pinky_db_options_init(pinky_db_options *options);

/* Opens a pool.  Connects once to check the server is reachable. */
PINKY_API pinky_status pinky_db_open(const pinky_db_options *options, pinky_db **out);
/*
 * Closes a pool: waits for nothing, closes idle connections; connections
 * still held are closed when returned.  On a transaction handle: rolls back.
 * NULL is ignored.
 */
PINKY_API void pinky_db_close(pinky_db *db);

/* ---- Transactions -------------------------------------------------------- */
typedef enum pinky_isolation {
    PINKY_ISOLATION_DEFAULT = 0,
    PINKY_ISOLATION_READ_COMMITTED = 1,
    PINKY_ISOLATION_REPEATABLE_READ = 2,
    PINKY_ISOLATION_SERIALIZABLE = 3
} pinky_isolation;

typedef struct pinky_tx_options {
    uint32_t struct_size;
    pinky_isolation isolation;
    bool read_only;
    uint32_t max_attempts; /* pinky_db_transact only; default 5 */
} pinky_tx_options;

/* Sets struct_size and the documented defaults: call before setting members. */
PINKY_API void pinky_tx_options_init(pinky_tx_options *options);

/*
 * Starts a transaction on a connection from the pool; *tx is a handle that
 * every data function accepts.  End it with pinky_db_commit or
 * pinky_db_rollback, which free the handle (pinky_db_close rolls back).
 * options may be NULL.  After a failed statement the transaction refuses
 * further statements (STATE) until rolled back.
 */
PINKY_API pinky_status pinky_db_begin(pinky_db *db, const pinky_tx_options *options,
                                      pinky_db **tx);
/* Commits and frees tx.  A failed transaction is rolled back and reports STATE. */
PINKY_API pinky_status pinky_db_commit(pinky_db *tx);
/* Rolls back and frees tx. */
PINKY_API pinky_status pinky_db_rollback(pinky_db *tx);
/* True for a transaction handle. */
PINKY_API bool pinky_db_in_transaction(const pinky_db *db);

typedef pinky_status (*pinky_tx_fn)(pinky_db *tx, void *ctx);
/*
 * Runs fn in a transaction and commits when it returns OK (rolls back
 * otherwise, returning fn's status).  On SERIALIZATION (40001, 40P01) the
 * whole transaction is retried with backoff, up to options->max_attempts.
 */
PINKY_API pinky_status pinky_db_transact(pinky_db *db, pinky_tx_fn fn, void *ctx,
                                         const pinky_tx_options *options);

/*
 * Runs one SQL statement without parameters or results (session settings,
 * maintenance).  The text must not contain user input.
 */
PINKY_API pinky_status pinky_db_exec(pinky_db *db, const char *sql);

/* ---- Audit context ------------------------------------------------------ */
/*
 * With options.audit, every mutation made through the library writes an
 * audit_logs row in the same transaction as the change: action
 * "<entity>.<verb>" (e.g. "document.create"), entity type and id, details
 * naming the fields written (never their values), and the calling thread's
 * context set here: the client's IP address (IPv4 or IPv6 text) and user
 * agent.  NULL clears a value.  A mutation that fails writes no audit row.
 * INVALID for an address that is not IPv4/IPv6 or a user agent over 1024
 * bytes; the previous context is kept then.
 */
PINKY_API pinky_status pinky_audit_set_context(const char *ip_address, const char *user_agent);

/* ---- Statistics ---------------------------------------------------------- */
typedef struct pinky_db_stats {
    uint32_t struct_size;
    uint32_t total;          /* open connections */
    uint32_t idle;
    uint32_t in_use;
    uint32_t waiting;        /* callers waiting to acquire */
    uint64_t acquires;
    uint64_t acquire_timeouts;
    uint64_t acquire_wait_avg_us;
    uint64_t acquire_wait_max_us;
    uint64_t created;
    uint64_t closed;
    uint64_t closed_broken;
    uint64_t closed_lifetime;
    uint64_t closed_idle;
} pinky_db_stats;

/* Zeroes *stats and sets struct_size: call before pinky_db_get_stats. */
PINKY_API void pinky_db_stats_init(pinky_db_stats *stats);
/* A snapshot of the pool's statistics (also through a transaction handle). */
PINKY_API pinky_status pinky_db_get_stats(pinky_db *db, pinky_db_stats *stats);

/* ---- Migrations ---------------------------------------------------------- */
/*
 * Applies pending migrations, each in its own transaction, under an advisory
 * lock, recording them in pinky_schema_migrations.  Safe to call from
 * several processes at once.  MIGRATION when an applied file's checksum
 * differs from the library's copy or the database is newer than the library.
 * Flushes every pooled connection's statement cache.
 */
PINKY_API pinky_status pinky_migrate(pinky_db *db);

/* The schema version the database is at (0 when never migrated). */
PINKY_API pinky_status pinky_schema_version(pinky_db *db, int32_t *version);

typedef struct pinky_migration {
    int32_t version;      /* from the file name: 0001_seed.sql is 1 */
    const char *name;     /* the file name, "0001_seed.sql" */
    const char *sql;      /* the file's text */
    const char *checksum; /* hex SHA-256 of the text */
} pinky_migration;

/* Number of migrations embedded in the library. */
PINKY_API size_t pinky_migration_count(void);
/* The i-th migration (0-based, ascending version), NULL when out of range.
   Static storage; never freed. */
PINKY_API const pinky_migration *pinky_migration_at(size_t index);

#ifdef __cplusplus
}
#endif
#endif /* PINKY_DB_H */
