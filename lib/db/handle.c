/* Statements on a handle, transactions, and the retrying transaction helper. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include "db/pool.h"

/* A statement on a transaction handle must leave the transaction open: a
   COMMIT or ROLLBACK sent as SQL would make the handle autocommit. */
static pinky_status still_in_transaction(pinky_db *db)
{
    if (db->kind != PK_DB_TX || PQtransactionStatus(db->conn->pg) == PQTRANS_INTRANS)
        return PINKY_OK;
    db->failed = true;
    return pk_err(PINKY_STATE, "sql",
                  "sql: the statement ended the transaction; use pinky_db_commit or "
                  "pinky_db_rollback (the handle must be rolled back now)");
}

static pinky_status run(pinky_db *db, const char *sql, const pk_params *ps, PGresult **out)
{
    pinky_status st = pk_check_db(db);
    if (st != PINKY_OK)
        return st;
    if (db->kind == PK_DB_POOL) {
        pk_conn *c;
        st = pk_pool_acquire(db->pool, &c);
        if (st != PINKY_OK)
            return st;
        st = ps || sql[0] != '\0' ? pk_conn_query(db->pool, c, false, sql, ps, 1, out)
                                  : PINKY_OK;
        pk_pool_release(db->pool, c);
        return st;
    }
    if (db->failed)
        return pk_err(PINKY_STATE, "db",
                      "the transaction failed earlier; roll it back before running statements");
    if (db->conn->broken)
        return pk_err(PINKY_CONNECTION, "db", "the transaction's connection was lost");
    st = pk_conn_query(db->pool, db->conn, db->kind == PK_DB_TX, sql, ps, 1, out);
    if (st != PINKY_OK && db->kind == PK_DB_TX)
        db->failed = true;
    return st == PINKY_OK ? still_in_transaction(db) : st;
}

pinky_status pk_query(pinky_db *db, const char *sql, const pk_params *ps, pk_res **out)
{
    if (out)
        *out = NULL;
    if (sql == NULL)
        return pk_err_nomem(); /* SQL builders return NULL only when out of memory */
    PGresult *r = NULL;
    pinky_status st = run(db, sql, ps, &r);
    if (st != PINKY_OK)
        return st;
    if (out == NULL) {
        PQclear(r);
        return PINKY_OK;
    }
    pk_res *res = pk_malloc(sizeof *res);
    if (res == NULL) {
        PQclear(r);
        return pk_err_nomem();
    }
    res->pg = r;
    *out = res;
    return PINKY_OK;
}

PINKY_API pinky_status pinky_db_exec(pinky_db *db, const char *sql)
{
    pinky_status st = pk_check_db(db);
    if (st != PINKY_OK)
        return st;
    if (sql == NULL)
        return pk_err(PINKY_INVALID, "sql", "sql: NULL pointer");
    if (db->kind == PK_DB_POOL) {
        pk_conn *c;
        st = pk_pool_acquire(db->pool, &c);
        if (st != PINKY_OK)
            return st;
        st = pk_conn_simple(db->pool, c, sql);
        pk_pool_release(db->pool, c);
        return st;
    }
    if (db->failed)
        return pk_err(PINKY_STATE, "db", "the transaction failed earlier; roll it back");
    st = pk_conn_simple(db->pool, db->conn, sql);
    if (st != PINKY_OK && db->kind == PK_DB_TX)
        db->failed = true;
    return st == PINKY_OK ? still_in_transaction(db) : st;
}

PINKY_API bool pinky_db_in_transaction(const pinky_db *db) { return db && db->kind == PK_DB_TX; }

PINKY_API void pinky_tx_options_init(pinky_tx_options *o)
{
    if (o) {
        memset(o, 0, sizeof *o);
        o->struct_size = sizeof *o;
        o->max_attempts = 5;
    }
}

static pinky_status tx_options(const pinky_tx_options *in, pinky_tx_options *o)
{
    pinky_tx_options_init(o);
    if (in == NULL)
        return PINKY_OK;
    if (in->struct_size != sizeof *o)
        return pk_err(PINKY_INVALID, "options.struct_size",
                      "options.struct_size: %u is not a size this library knows (call pinky_tx_options_init)",
                      in->struct_size);
    *o = *in;
    if ((unsigned)o->isolation > PINKY_ISOLATION_SERIALIZABLE)
        return pk_err(PINKY_INVALID, "options.isolation", "options.isolation: %d is not a pinky_isolation",
                      (int)o->isolation);
    return PINKY_OK;
}

PINKY_API pinky_status pinky_db_begin(pinky_db *db, const pinky_tx_options *options, pinky_db **tx)
{
    pinky_status st = pk_check_db(db);
    if (st != PINKY_OK)
        return st;
    if (tx == NULL)
        return pk_err(PINKY_INVALID, "tx", "tx: NULL pointer");
    *tx = NULL;
    if (db->kind != PK_DB_POOL)
        return pk_err(PINKY_STATE, "db", "db: already a transaction; nested transactions are not supported");
    pinky_tx_options o;
    if ((st = tx_options(options, &o)) != PINKY_OK)
        return st;
    static const char *const levels[] = {"", " ISOLATION LEVEL READ COMMITTED",
                                         " ISOLATION LEVEL REPEATABLE READ",
                                         " ISOLATION LEVEL SERIALIZABLE"};
    char sql[96];
    strcpy(sql, "BEGIN");
    strcat(sql, levels[o.isolation]);
    if (o.read_only)
        strcat(sql, " READ ONLY");
    pinky_db *h = pk_calloc(1, sizeof *h);
    if (h == NULL)
        return pk_err_nomem();
    pk_conn *c;
    st = pk_pool_acquire(db->pool, &c);
    if (st != PINKY_OK) {
        pk_free(h);
        return st;
    }
    st = pk_conn_simple(db->pool, c, sql);
    if (st != PINKY_OK) {
        pk_pool_release(db->pool, c);
        pk_free(h);
        return st;
    }
    h->kind = PK_DB_TX;
    h->pool = db->pool;
    h->conn = c;
    *tx = h;
    return PINKY_OK;
}

static pinky_status tx_end(pinky_db *tx, bool commit)
{
    if (tx == NULL)
        return pk_err(PINKY_INVALID, "tx", "tx: NULL handle");
    if (tx->kind != PK_DB_TX)
        return pk_err(PINKY_INVALID, "tx", "tx: not a transaction handle");
    pk_pool *pool = tx->pool;
    pk_conn *c = tx->conn;
    pinky_status st = PINKY_OK;
    if (c->broken) {
        st = pk_err(PINKY_CONNECTION, "tx", "the transaction's connection was lost; nothing was committed");
    } else if (commit && !tx->failed) {
        PGresult *r = NULL;
        st = pk_conn_simple_res(pool, c, "COMMIT", &r);
        if (st == PINKY_OK && strcmp(PQcmdStatus(r), "ROLLBACK") == 0)
            st = pk_err(PINKY_STATE, "tx", "the transaction had failed and was rolled back");
        PQclear(r);
    } else {
        pinky_status rb = pk_conn_simple(pool, c, "ROLLBACK");
        if (rb != PINKY_OK)
            c->broken = true;
        if (commit)
            st = pk_err(PINKY_STATE, "tx", "the transaction had failed and was rolled back");
    }
    pk_pool_release(pool, c);
    pk_free(tx);
    return st;
}

PINKY_API pinky_status pinky_db_commit(pinky_db *tx) { return tx_end(tx, true); }

PINKY_API pinky_status pinky_db_rollback(pinky_db *tx)
{
    pinky_error *keep = pinky_error_copy(pinky_error_last());
    pinky_status st = tx_end(tx, false);
    /* a rollback after a failure keeps the failure's error readable */
    if (st == PINKY_OK && keep && keep->status != PINKY_OK)
        pk_err_restore(keep);
    pinky_error_free(keep);
    return st;
}

static void backoff(int attempt)
{
    int64_t cap = (int64_t)2000 << (attempt > 8 ? 8 : attempt); /* 2 ms doubling */
    int64_t us = (int64_t)(pk_random64() % (uint64_t)cap) + 1000;
    struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

PINKY_API pinky_status pinky_db_transact(pinky_db *db, pinky_tx_fn fn, void *ctx,
                                         const pinky_tx_options *options)
{
    pinky_status st = pk_check_db(db);
    if (st != PINKY_OK)
        return st;
    if (fn == NULL)
        return pk_err(PINKY_INVALID, "fn", "fn: NULL callback");
    pinky_tx_options o;
    if ((st = tx_options(options, &o)) != PINKY_OK)
        return st;
    if (db->kind != PK_DB_POOL)
        return pk_err(PINKY_STATE, "db", "db: pinky_db_transact needs the pool handle, not a transaction");
    uint32_t attempts = o.max_attempts ? o.max_attempts : 1;
    for (uint32_t i = 0;; i++) {
        pinky_db *tx;
        st = pinky_db_begin(db, &o, &tx);
        if (st != PINKY_OK)
            return st;
        st = fn(tx, ctx);
        if (st == PINKY_OK)
            st = pinky_db_commit(tx);
        else
            pinky_db_rollback(tx);
        if (st != PINKY_SERIALIZATION || i + 1 >= attempts)
            return st;
        backoff((int)i);
    }
}

pinky_status pk_atomic(pinky_db *db, pk_tx_fn fn, void *ctx)
{
    pinky_status st = pk_check_db(db);
    if (st != PINKY_OK)
        return st;
    if (db->kind == PK_DB_TX) {
        st = fn(db, ctx);
        if (st != PINKY_OK)
            db->failed = true;
        return st;
    }
    if (db->kind == PK_DB_CONN)
        return fn(db, ctx);
    pinky_db *tx;
    st = pinky_db_begin(db, NULL, &tx);
    if (st != PINKY_OK)
        return st;
    st = fn(tx, ctx);
    if (st == PINKY_OK)
        return pinky_db_commit(tx);
    pinky_db_rollback(tx);
    return st;
}

/* ---- audit context ---- */

static _Thread_local char t_audit_ip[46];
static _Thread_local char t_audit_ua[1025];
static _Thread_local bool t_audit_ip_set, t_audit_ua_set;

bool pk_db_audit(const pinky_db *db) { return db && db->pool && db->pool->opt.audit; }
const char *pk_audit_ip(void) { return t_audit_ip_set ? t_audit_ip : NULL; }
const char *pk_audit_user_agent(void) { return t_audit_ua_set ? t_audit_ua : NULL; }

PINKY_API pinky_status pinky_audit_set_context(const char *ip_address, const char *user_agent)
{
    if (ip_address) {
        unsigned char buf[sizeof(struct in6_addr)];
        if (strlen(ip_address) >= sizeof t_audit_ip ||
            (inet_pton(AF_INET, ip_address, buf) != 1 && inet_pton(AF_INET6, ip_address, buf) != 1))
            return pk_err(PINKY_INVALID, "ip_address",
                          "ip_address: \"%.45s\" is not an IPv4 or IPv6 address", ip_address);
    }
    if (user_agent) {
        pinky_status st = pk_check_text("user_agent", user_agent, 0);
        if (st != PINKY_OK)
            return st;
        if (strlen(user_agent) >= sizeof t_audit_ua)
            return pk_err(PINKY_INVALID, "user_agent", "user_agent: longer than %zu bytes",
                          sizeof t_audit_ua - 1);
    }
    t_audit_ip_set = ip_address != NULL;
    t_audit_ua_set = user_agent != NULL;
    if (ip_address)
        strcpy(t_audit_ip, ip_address);
    if (user_agent)
        strcpy(t_audit_ua, user_agent);
    return PINKY_OK;
}
