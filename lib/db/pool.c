/*
 * The connection pool: first-come-first-served waiters with direct hand-off,
 * liveness checks on borrow, lifetime with jitter, idle expiry, replacement
 * of broken connections with bounded exponential backoff, statistics.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "db/pool.h"

void pk_pool_log(pk_pool *pool, pinky_log_level level, const char *fmt, ...)
{
    if (pool->opt.log == NULL)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pool->opt.log(level, msg, pool->opt.log_ctx);
}

static void sleep_us(int64_t us)
{
    if (us <= 0)
        return;
    struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static void quiet_notices(void *arg, const char *message)
{
    pk_pool *pool = arg;
    pk_pool_log(pool, PINKY_LOG_DEBUG, "server notice: %s", message);
}

static void conn_close(pk_conn *c)
{
    if (c == NULL)
        return;
    if (c->pg)
        PQfinish(c->pg);
    pk_conn_forget_statements(c);
    pk_free(c);
}

/* One connection attempt, with session settings and the user's hook. */
static pinky_status conn_open(pk_pool *pool, pk_conn **out)
{
    char timeout[16];
    uint32_t tsec = (pool->opt.connect_timeout_ms + 999) / 1000;
    snprintf(timeout, sizeof timeout, "%u", tsec < 2 ? 2 : tsec);
    const char *keys[] = {"dbname", "application_name", "client_encoding", "connect_timeout", NULL};
    const char *vals[] = {pool->conninfo, pool->application_name, "UTF8", timeout, NULL};
    PGconn *pg = PQconnectdbParams(keys, vals, 1);
    if (pg == NULL)
        return pk_err_nomem();
    if (PQstatus(pg) != CONNECTION_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(pg));
        size_t n = strlen(msg);
        while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
            msg[--n] = '\0';
        PQfinish(pg);
        return pk_err(PINKY_CONNECTION, "conninfo", "cannot connect: %s", msg);
    }
    PQsetNoticeProcessor(pg, quiet_notices, pool);
    pk_conn *c = pk_calloc(1, sizeof *c);
    if (c == NULL) {
        PQfinish(pg);
        return pk_err_nomem();
    }
    c->pg = pg;
    c->created_us = c->idle_since_us = pk_mono_us();
    if (pool->opt.max_lifetime_ms) {
        int64_t life = (int64_t)pool->opt.max_lifetime_ms * 1000;
        int64_t jitter = life / 10;
        life += jitter ? (int64_t)(pk_random64() % (uint64_t)(2 * jitter)) - jitter : 0;
        c->expires_us = c->created_us + life;
    }
    char setup[128];
    snprintf(setup, sizeof setup, "SET TimeZone = 'UTC'; SET statement_timeout = %u",
             pool->opt.statement_timeout_ms);
    pinky_status st = pk_conn_simple(pool, c, setup);
    if (st == PINKY_OK && pool->opt.after_connect) {
        pinky_db h = {.kind = PK_DB_CONN, .pool = pool, .conn = c};
        st = pool->opt.after_connect(&h, pool->opt.after_connect_ctx);
        if (st != PINKY_OK && pk_err_status() == PINKY_OK)
            pk_err(st, NULL, "after_connect hook failed");
        if (st != PINKY_OK)
            pk_err_prefix("after_connect hook");
    }
    if (st != PINKY_OK) {
        conn_close(c);
        return st;
    }
    *out = c;
    return PINKY_OK;
}

/* Opens a connection, retrying with exponential backoff and jitter until the
   deadline while the server is unreachable. */
static pinky_status conn_open_retry(pk_pool *pool, int64_t deadline, pk_conn **out)
{
    for (int attempt = 0;; attempt++) {
        pinky_status st = conn_open(pool, out);
        pthread_mutex_lock(&pool->mu);
        if (st == PINKY_OK) {
            pool->connect_failures = 0;
            pool->stats.created++;
        } else if (st == PINKY_CONNECTION) {
            pool->connect_failures++;
        }
        uint32_t failures = pool->connect_failures;
        pthread_mutex_unlock(&pool->mu);
        if (st != PINKY_CONNECTION)
            return st;
        /* 25 ms doubling to 2 s, +/- 50 % jitter */
        int shift = failures > 7 ? 7 : (int)failures;
        int64_t base = (int64_t)25000 << shift;
        if (base > 2000000)
            base = 2000000;
        int64_t delay = base / 2 + (int64_t)(pk_random64() % (uint64_t)base);
        int64_t now = pk_mono_us();
        if (now + delay >= deadline)
            return st;
        pk_pool_log(pool, PINKY_LOG_WARNING, "connect failed (attempt %d), retrying in %lld ms: %s",
                    attempt + 1, (long long)(delay / 1000), pinky_error_last()->message);
        sleep_us(delay);
    }
}

/* A slot (a place under max_connections) became free: give it to the first
   waiter, or drop the count.  Called with the lock held. */
static void slot_freed(pk_pool *pool)
{
    pk_waiter *w = pool->wait_head;
    if (w) {
        pool->wait_head = w->next;
        if (pool->wait_head == NULL)
            pool->wait_tail = NULL;
        w->slot = true;
        pthread_cond_signal(&w->cv);
    } else {
        pool->total--;
    }
}

static void pool_destroy(pk_pool *pool)
{
    pthread_cond_destroy(&pool->keeper_cv);
    pthread_mutex_destroy(&pool->mu);
    pk_free(pool->conninfo);
    pk_free(pool->application_name);
    pk_free(pool);
}

/* Drops idle connections past max_idle_ms while above min_connections.
   Called with the lock held; returns the list to close outside it. */
static pk_conn *sweep_idle(pk_pool *pool, int64_t now)
{
    pk_conn *doomed = NULL, **pp = &pool->idle;
    while (*pp) {
        pk_conn *c = *pp;
        bool idle_out = pool->opt.max_idle_ms &&
                        now - c->idle_since_us > (int64_t)pool->opt.max_idle_ms * 1000 &&
                        pool->total > pool->opt.min_connections;
        bool expired = c->expires_us && now >= c->expires_us;
        if (idle_out || expired) {
            *pp = c->next;
            pool->nidle--;
            pool->stats.closed++;
            if (expired)
                pool->stats.closed_lifetime++;
            else
                pool->stats.closed_idle++;
            slot_freed(pool);
            c->next = doomed;
            doomed = c;
        } else {
            pp = &c->next;
        }
    }
    return doomed;
}

static void close_list(pk_conn *c)
{
    while (c) {
        pk_conn *n = c->next;
        conn_close(c);
        c = n;
    }
}

static int timed_wait(pthread_cond_t *cv, pthread_mutex_t *mu, int64_t deadline_mono)
{
    /* condition variables are set up on CLOCK_MONOTONIC */
    struct timespec ts = {.tv_sec = deadline_mono / 1000000,
                          .tv_nsec = (deadline_mono % 1000000) * 1000};
    return pthread_cond_timedwait(cv, mu, &ts);
}

pinky_status pk_pool_acquire(pk_pool *pool, pk_conn **out)
{
    int64_t start = pk_mono_us();
    int64_t deadline = start + (int64_t)pool->opt.acquire_timeout_ms * 1000;
    pk_conn *c = NULL;
    bool need_connect = false;
    pthread_mutex_lock(&pool->mu);
    for (;;) {
        if (pool->closing) {
            pthread_mutex_unlock(&pool->mu);
            return pk_err(PINKY_STATE, "db", "the pool is closing");
        }
        if (pool->idle && pool->wait_head == NULL) {
            c = pool->idle;
            pool->idle = c->next;
            pool->nidle--;
            pthread_mutex_unlock(&pool->mu);
            int64_t now = pk_mono_us();
            bool expired = c->expires_us && now >= c->expires_us;
            bool dead = !expired && pk_conn_is_dead(c);
            if (!expired && !dead && pool->opt.health_check_idle_ms &&
                now - c->idle_since_us > (int64_t)pool->opt.health_check_idle_ms * 1000)
                dead = pk_conn_simple(pool, c, "") != PINKY_OK;
            if (!expired && !dead)
                break;
            pk_pool_log(pool, PINKY_LOG_INFO, "closing %s idle connection",
                        expired ? "expired" : "broken");
            conn_close(c);
            c = NULL;
            pthread_mutex_lock(&pool->mu);
            pool->stats.closed++;
            if (expired)
                pool->stats.closed_lifetime++;
            else
                pool->stats.closed_broken++;
            slot_freed(pool);
            continue;
        }
        if (pool->total < pool->opt.max_connections && pool->wait_head == NULL) {
            pool->total++;
            pthread_mutex_unlock(&pool->mu);
            need_connect = true;
            break;
        }
        if (pool->opt.max_waiters && pool->waiting >= pool->opt.max_waiters) {
            pool->stats.acquire_timeouts++;
            pthread_mutex_unlock(&pool->mu);
            return pk_err(PINKY_BUSY, "db", "connection pool: %u callers already waiting",
                          pool->waiting);
        }
        pk_waiter w;
        memset(&w, 0, sizeof w);
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&w.cv, &ca);
        pthread_condattr_destroy(&ca);
        if (pool->wait_tail)
            pool->wait_tail->next = &w;
        else
            pool->wait_head = &w;
        pool->wait_tail = &w;
        pool->waiting++;
        while (w.conn == NULL && !w.slot && !pool->closing) {
            if (timed_wait(&w.cv, &pool->mu, deadline) == ETIMEDOUT)
                break;
        }
        pool->waiting--;
        pthread_cond_destroy(&w.cv);
        if (w.conn) {
            c = w.conn;
            pthread_mutex_unlock(&pool->mu);
            break;
        }
        if (w.slot) {
            pthread_mutex_unlock(&pool->mu);
            need_connect = true;
            break;
        }
        /* timed out or closing: leave the queue */
        pk_waiter **pp = &pool->wait_head, *prev = NULL;
        while (*pp && *pp != &w) {
            prev = *pp;
            pp = &(*pp)->next;
        }
        if (*pp) {
            *pp = w.next;
            if (pool->wait_tail == &w)
                pool->wait_tail = prev;
        }
        if (pool->closing) {
            pthread_mutex_unlock(&pool->mu);
            return pk_err(PINKY_STATE, "db", "the pool is closing");
        }
        pool->stats.acquire_timeouts++;
        uint32_t total = pool->total;
        pthread_mutex_unlock(&pool->mu);
        return pk_err(PINKY_BUSY, "db",
                      "connection pool: no connection free within %u ms (%u of %u in use)",
                      pool->opt.acquire_timeout_ms, total, pool->opt.max_connections);
    }
    if (need_connect) {
        pinky_status st = conn_open_retry(pool, deadline, &c);
        if (st != PINKY_OK) {
            pthread_mutex_lock(&pool->mu);
            slot_freed(pool);
            pthread_mutex_unlock(&pool->mu);
            return st;
        }
    }
    int64_t now = pk_mono_us();
    bool flush;
    pthread_mutex_lock(&pool->mu);
    uint64_t waited = (uint64_t)(now - start);
    pool->stats.acquires++;
    pool->wait_total_us += waited;
    if (waited > pool->stats.acquire_wait_max_us)
        pool->stats.acquire_wait_max_us = waited;
    flush = c->epoch != pool->epoch;
    c->epoch = pool->epoch;
    c->acquired_us = now;
    c->leak_warned = false;
    c->busy_prev = NULL;
    c->busy_next = pool->busy;
    if (pool->busy)
        pool->busy->busy_prev = c;
    pool->busy = c;
    pthread_mutex_unlock(&pool->mu);
    if (flush && c->nstmts) {
        /* migrations ran: prepared statements may describe old tables */
        pinky_status st = pk_conn_simple(pool, c, "DEALLOCATE ALL");
        pk_conn_forget_statements(c);
        if (st != PINKY_OK) {
            pk_pool_release(pool, c);
            return st;
        }
    }
    *out = c;
    return PINKY_OK;
}

static bool held_too_long(pk_pool *pool, pk_conn *c, int64_t now)
{
    return pool->opt.leak_threshold_ms &&
           now - c->acquired_us > (int64_t)pool->opt.leak_threshold_ms * 1000;
}

void pk_pool_release(pk_pool *pool, pk_conn *c)
{
    int64_t now = pk_mono_us();
    pthread_mutex_lock(&pool->mu);
    bool warn = held_too_long(pool, c, now) && !c->leak_warned;
    if (c->busy_prev)
        c->busy_prev->busy_next = c->busy_next;
    else if (pool->busy == c)
        pool->busy = c->busy_next;
    if (c->busy_next)
        c->busy_next->busy_prev = c->busy_prev;
    c->busy_next = c->busy_prev = NULL;
    pthread_mutex_unlock(&pool->mu);
    if (warn)
        pk_pool_log(pool, PINKY_LOG_WARNING,
                    "connection held for %lld ms (leak threshold %u ms)",
                    (long long)((now - c->acquired_us) / 1000), pool->opt.leak_threshold_ms);
    /* reset: a connection goes back idle and outside any transaction */
    if (!c->broken) {
        PGTransactionStatusType ts = PQtransactionStatus(c->pg);
        if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR) {
            if (pk_conn_simple(pool, c, "ROLLBACK") != PINKY_OK)
                c->broken = true;
        } else if (ts != PQTRANS_IDLE) {
            c->broken = true;
        }
    }
    pthread_mutex_lock(&pool->mu);
    bool expired = c->expires_us && now >= c->expires_us;
    if (c->broken || pool->closing || expired) {
        pool->stats.closed++;
        if (c->broken)
            pool->stats.closed_broken++;
        else if (expired)
            pool->stats.closed_lifetime++;
        slot_freed(pool);
        bool destroy = pool->owner_gone && pool->total == 0;
        pthread_mutex_unlock(&pool->mu);
        conn_close(c);
        if (destroy)
            pool_destroy(pool);
        return;
    }
    pk_waiter *w = pool->wait_head;
    pk_conn *doomed = NULL;
    if (w) {
        pool->wait_head = w->next;
        if (pool->wait_head == NULL)
            pool->wait_tail = NULL;
        w->conn = c;
        pthread_cond_signal(&w->cv);
    } else {
        c->idle_since_us = now;
        c->next = pool->idle;
        pool->idle = c;
        pool->nidle++;
        doomed = sweep_idle(pool, now);
    }
    pthread_mutex_unlock(&pool->mu);
    close_list(doomed);
}

/* ---- housekeeping ---- */

/*
 * One thread per pool: closes idle connections past max_idle_ms (above the
 * minimum) or their lifetime, opens connections up to min_connections, and
 * warns about connections held past leak_threshold_ms while they are held.
 */
static void *keeper_main(void *arg)
{
    pk_pool *pool = arg;
    int64_t period = 1000000;
    if (pool->opt.leak_threshold_ms && (int64_t)pool->opt.leak_threshold_ms * 500 < period)
        period = (int64_t)pool->opt.leak_threshold_ms * 500;
    if (period < 20000)
        period = 20000;
    int64_t next_try = 0;
    pthread_mutex_lock(&pool->mu);
    while (!pool->closing) {
        int64_t deadline = pk_mono_us() + period;
        struct timespec ts = {.tv_sec = deadline / 1000000, .tv_nsec = (deadline % 1000000) * 1000};
        pthread_cond_timedwait(&pool->keeper_cv, &pool->mu, &ts);
        if (pool->closing)
            break;
        int64_t now = pk_mono_us();
        char leaks[4][160];
        int nleaks = 0;
        for (pk_conn *c = pool->busy; c; c = c->busy_next) {
            if (held_too_long(pool, c, now) && !c->leak_warned) {
                c->leak_warned = true;
                if (nleaks < 4)
                    snprintf(leaks[nleaks++], sizeof leaks[0],
                             "connection held for %lld ms and not returned (leak threshold %u ms)",
                             (long long)((now - c->acquired_us) / 1000), pool->opt.leak_threshold_ms);
            }
        }
        pk_conn *doomed = sweep_idle(pool, now);
        /* idle connections the server closed (restart, pg_terminate_backend) */
        for (pk_conn **pp = &pool->idle; *pp;) {
            pk_conn *c = *pp;
            if (!pk_conn_is_dead(c)) {
                pp = &c->next;
                continue;
            }
            *pp = c->next;
            pool->nidle--;
            pool->stats.closed++;
            pool->stats.closed_broken++;
            slot_freed(pool);
            c->next = doomed;
            doomed = c;
        }
        uint32_t need = 0;
        if (pool->total < pool->opt.min_connections && pool->wait_head == NULL &&
            now >= next_try) {
            need = pool->opt.min_connections - pool->total;
            pool->total += need; /* the slots are ours while we connect */
        }
        pthread_mutex_unlock(&pool->mu);
        for (int i = 0; i < nleaks; i++)
            pk_pool_log(pool, PINKY_LOG_WARNING, "%s", leaks[i]);
        close_list(doomed);
        pk_conn *fresh = NULL;
        uint32_t opened = 0;
        for (uint32_t i = 0; i < need; i++) {
            pk_conn *c;
            if (conn_open(pool, &c) != PINKY_OK)
                break;
            c->next = fresh;
            fresh = c;
            opened++;
        }
        pthread_mutex_lock(&pool->mu);
        pool->stats.created += opened;
        for (uint32_t i = opened; i < need; i++)
            slot_freed(pool);
        if (opened < need) {
            /* the server is away: back off exponentially, with jitter, up to 30 s */
            pool->connect_failures++;
            int shift = pool->connect_failures > 8 ? 8 : (int)pool->connect_failures;
            int64_t wait = (int64_t)100000 << shift;
            wait = wait > 30000000 ? 30000000 : wait;
            next_try = pk_mono_us() + wait / 2 + (int64_t)(pk_random64() % (uint64_t)wait);
        }
        while (fresh) {
            pk_conn *c = fresh;
            fresh = c->next;
            if (pool->closing) {
                slot_freed(pool);
                pthread_mutex_unlock(&pool->mu);
                conn_close(c);
                pthread_mutex_lock(&pool->mu);
                continue;
            }
            pk_waiter *w = pool->wait_head;
            if (w) { /* someone queued meanwhile: hand it over */
                pool->wait_head = w->next;
                if (pool->wait_head == NULL)
                    pool->wait_tail = NULL;
                w->conn = c;
                pthread_cond_signal(&w->cv);
                continue;
            }
            c->idle_since_us = pk_mono_us();
            c->next = pool->idle;
            pool->idle = c;
            pool->nidle++;
        }
    }
    pthread_mutex_unlock(&pool->mu);
    return NULL;
}

/* ---- the public handle ---- */

PINKY_API void pinky_db_options_init(pinky_db_options *o)
{
    if (o == NULL)
        return;
    memset(o, 0, sizeof *o);
    o->struct_size = sizeof *o;
    o->max_connections = 8;
    o->acquire_timeout_ms = 5000;
    o->max_idle_ms = 300000;
    o->max_lifetime_ms = 3600000;
    o->health_check_idle_ms = 30000;
    o->connect_timeout_ms = 10000;
}

pinky_status pk_check_db(pinky_db *db)
{
    if (db == NULL)
        return pk_err(PINKY_INVALID, "db", "db: NULL handle");
    return PINKY_OK;
}

PINKY_API pinky_status pinky_db_open(const pinky_db_options *options, pinky_db **out)
{
    if (out == NULL)
        return pk_err(PINKY_INVALID, "out", "out: NULL pointer");
    *out = NULL;
    pinky_db_options o;
    pinky_db_options_init(&o);
    if (options) {
        if (options->struct_size != sizeof o)
            return pk_err(PINKY_INVALID, "options.struct_size",
                          "options.struct_size: %u is not a size this library knows (call pinky_db_options_init)",
                          options->struct_size);
        o = *options;
    }
    if (o.max_connections == 0)
        return pk_err(PINKY_INVALID, "options.max_connections", "options.max_connections: must be at least 1");
    if (o.min_connections > o.max_connections)
        return pk_err(PINKY_INVALID, "options.min_connections",
                      "options.min_connections: %u exceeds max_connections %u", o.min_connections,
                      o.max_connections);
    const char *conninfo = o.conninfo;
    if (conninfo == NULL)
        conninfo = getenv("PINKY_DSN");
    if (conninfo == NULL)
        conninfo = "";
    if (o.application_name == NULL)
        o.application_name = "libpinky";
    pinky_status st = pk_check_text("options.application_name", o.application_name, 63);
    if (st != PINKY_OK)
        return st;
    pk_pool *pool = pk_calloc(1, sizeof *pool);
    pinky_db *db = pk_calloc(1, sizeof *db);
    if (pool == NULL || db == NULL) {
        pk_free(pool);
        pk_free(db);
        return pk_err_nomem();
    }
    pool->opt = o;
    pool->conninfo = pk_strdup(conninfo);
    pool->application_name = pk_strdup(o.application_name);
    pool->opt.conninfo = NULL;
    pool->opt.application_name = NULL;
    pthread_mutex_init(&pool->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&pool->keeper_cv, &ca);
    pthread_condattr_destroy(&ca);
    db->kind = PK_DB_POOL;
    db->pool = pool;
    if (pool->conninfo == NULL || pool->application_name == NULL) {
        pool_destroy(pool);
        pk_free(db);
        return pk_err_nomem();
    }
    /* connect now: a bad DSN fails here, not on the first query */
    uint32_t want = o.min_connections ? o.min_connections : 1;
    pk_conn *opened = NULL;
    for (uint32_t i = 0; i < want; i++) {
        pk_conn *c;
        st = conn_open(pool, &c);
        if (st != PINKY_OK) {
            close_list(opened);
            pool_destroy(pool);
            pk_free(db);
            return st;
        }
        c->next = opened;
        opened = c;
        pool->total++;
        pool->stats.created++;
    }
    int64_t now = pk_mono_us();
    while (opened) {
        pk_conn *c = opened;
        opened = c->next;
        c->idle_since_us = now;
        c->next = pool->idle;
        pool->idle = c;
        pool->nidle++;
    }
    if (pthread_create(&pool->keeper, NULL, keeper_main, pool) == 0)
        pool->keeper_started = true;
    else
        pk_pool_log(pool, PINKY_LOG_WARNING, "no housekeeping thread: idle connections expire on use only");
    *out = db;
    return PINKY_OK;
}

static void pool_close(pinky_db *db)
{
    pk_pool *pool = db->pool;
    pthread_mutex_lock(&pool->mu);
    pool->closing = true;
    pthread_cond_signal(&pool->keeper_cv);
    pthread_mutex_unlock(&pool->mu);
    if (pool->keeper_started)
        pthread_join(pool->keeper, NULL);
    pthread_mutex_lock(&pool->mu);
    pk_conn *idle = pool->idle;
    pool->idle = NULL;
    for (pk_conn *c = idle; c; c = c->next) {
        pool->total--;
        pool->nidle--;
        pool->stats.closed++;
    }
    for (pk_waiter *w = pool->wait_head; w; w = w->next)
        pthread_cond_signal(&w->cv);
    pool->wait_head = pool->wait_tail = NULL;
    pool->owner_gone = true;
    bool destroy = pool->total == 0;
    pthread_mutex_unlock(&pool->mu);
    close_list(idle);
    if (destroy)
        pool_destroy(pool);
    pk_free(db);
}

PINKY_API pinky_status pinky_db_rollback(pinky_db *tx);

PINKY_API void pinky_db_close(pinky_db *db)
{
    if (db == NULL)
        return;
    if (db->kind == PK_DB_POOL)
        pool_close(db);
    else if (db->kind == PK_DB_TX)
        pinky_db_rollback(db);
}

PINKY_API void pinky_db_stats_init(pinky_db_stats *s)
{
    if (s) {
        memset(s, 0, sizeof *s);
        s->struct_size = sizeof *s;
    }
}

PINKY_API pinky_status pinky_db_get_stats(pinky_db *db, pinky_db_stats *out)
{
    pinky_status st = pk_check_db(db);
    if (st != PINKY_OK)
        return st;
    if (out == NULL || out->struct_size != sizeof *out)
        return pk_err(PINKY_INVALID, "stats", "stats: NULL or struct_size unknown (call pinky_db_stats_init)");
    pk_pool *pool = db->pool;
    pthread_mutex_lock(&pool->mu);
    pinky_db_stats s = pool->stats;
    s.struct_size = sizeof s;
    s.total = pool->total;
    s.idle = pool->nidle;
    s.in_use = pool->total - pool->nidle;
    s.waiting = pool->waiting;
    s.acquire_wait_avg_us = s.acquires ? pool->wait_total_us / s.acquires : 0;
    pthread_mutex_unlock(&pool->mu);
    *out = s;
    return PINKY_OK;
}
