/* Private to lib/db: the pool, its connections and the handle. */
#ifndef PK_POOL_H
#define PK_POOL_H

#include <pthread.h>
#include <libpq-fe.h>
#include "db/db.h"

typedef struct pk_stmt {
    uint64_t hash;
    char *sql; /* NULL: empty slot */
} pk_stmt;

typedef struct pk_conn {
    PGconn *pg;
    struct pk_conn *next;     /* idle list */
    int64_t created_us;
    int64_t expires_us;       /* 0: never */
    int64_t idle_since_us;
    int64_t acquired_us;
    uint64_t epoch;           /* pool epoch its statement cache belongs to */
    pk_stmt *stmts;           /* open-addressing table of prepared statements */
    size_t nstmts, capstmts;
    bool broken;
    bool leak_warned;         /* the keeper warned about this hold already */
    struct pk_conn *busy_next, *busy_prev; /* connections handed out */
} pk_conn;

typedef struct pk_waiter {
    pthread_cond_t cv;
    pk_conn *conn;            /* handed over by a release */
    bool slot;                /* allowed to open a new connection */
    struct pk_waiter *next;
} pk_waiter;

typedef struct pk_pool {
    pthread_mutex_t mu;
    pinky_db_options opt;
    char *conninfo;
    char *application_name;
    pk_conn *idle;            /* LIFO: the warmest first */
    pk_waiter *wait_head, *wait_tail;
    uint32_t total, nidle, waiting;
    uint64_t epoch;
    bool closing;
    uint32_t connect_failures; /* consecutive, for backoff */
    pk_conn *busy;            /* handed-out connections, for leak warnings */
    pthread_t keeper;         /* housekeeping: idle expiry, minimum size, leaks */
    pthread_cond_t keeper_cv;
    bool keeper_started;
    bool owner_gone;          /* pinky_db_close is done: the last release frees the pool */
    pinky_db_stats stats;
    uint64_t wait_total_us;
} pk_pool;

struct pk_res {
    PGresult *pg;
};

enum { PK_DB_POOL = 1, PK_DB_TX = 2, PK_DB_CONN = 3 };

struct pinky_db {
    int kind;
    pk_pool *pool;            /* PK_DB_POOL: owned; else the pool it came from */
    pk_conn *conn;            /* PK_DB_TX / PK_DB_CONN */
    bool failed;              /* a statement failed inside the transaction */
};

pinky_status pk_pool_acquire(pk_pool *pool, pk_conn **out);
void pk_pool_release(pk_pool *pool, pk_conn *conn);
void pk_pool_log(pk_pool *pool, pinky_log_level level, const char *fmt, ...) PK_PRINTF(3, 4);

/* Statement execution on one connection (exec.c). */
pinky_status pk_conn_query(pk_pool *pool, pk_conn *c, bool in_tx, const char *sql,
                           const pk_params *ps, int result_format, PGresult **out);
pinky_status pk_conn_simple(pk_pool *pool, pk_conn *c, const char *sql);
/* Simple-protocol statement returning its (last) result. */
pinky_status pk_conn_simple_res(pk_pool *pool, pk_conn *c, const char *sql, PGresult **out);
/* Maps a failed result (or a NULL one) to a status and the thread's error. */
pinky_status pk_conn_error(pk_conn *c, PGresult *res);
void pk_conn_forget_statements(pk_conn *c);
bool pk_conn_is_dead(pk_conn *c);

#endif /* PK_POOL_H */
