/*
 * Statement execution: parameters, binary results, the per-connection
 * prepared-statement cache, deadlines with libpq's cancel request, and the
 * SQLSTATE-to-status mapping.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "db/pool.h"

/* ---- parameters ---- */

void pk_params_init(pk_params *ps)
{
    ps->n = 0;
    ps->overflow = false;
}

void pk_params_free(pk_params *ps)
{
    for (int i = 0; i < ps->n; i++)
        pk_free(ps->p[i].owned);
    ps->n = 0;
}

static pk_param *next_param(pk_params *ps)
{
    if (ps->n >= PK_MAX_PARAMS) {
        ps->overflow = true;
        return &ps->p[PK_MAX_PARAMS - 1];
    }
    pk_param *p = &ps->p[ps->n++];
    memset(p, 0, sizeof *p);
    return p;
}

int pk_p_null(pk_params *ps)
{
    next_param(ps);
    return ps->n;
}

int pk_p_text(pk_params *ps, const char *s)
{
    pk_param *p = next_param(ps);
    p->val = s;
    return ps->n;
}

int pk_p_text_owned(pk_params *ps, char *s)
{
    pk_param *p = next_param(ps);
    p->val = p->owned = s;
    if (s == NULL)
        ps->overflow = true; /* allocation failed upstream */
    return ps->n;
}

static int binary_inline(pk_params *ps, const void *data, int len)
{
    pk_param *p = next_param(ps);
    memcpy(p->inl, data, (size_t)len);
    p->val = p->inl;
    p->len = len;
    p->fmt = 1;
    return ps->n;
}

int pk_p_i32(pk_params *ps, int32_t v)
{
    char b[4];
    pk_put_be32(b, (uint32_t)v);
    return binary_inline(ps, b, 4);
}

int pk_p_i64(pk_params *ps, int64_t v)
{
    char b[8];
    pk_put_be64(b, (uint64_t)v);
    return binary_inline(ps, b, 8);
}

int pk_p_bool(pk_params *ps, bool v)
{
    char b = v ? 1 : 0;
    return binary_inline(ps, &b, 1);
}

int pk_p_uuid(pk_params *ps, const pinky_uuid *u) { return binary_inline(ps, u->bytes, 16); }

int pk_p_time(pk_params *ps, pinky_time t)
{
    /* PostgreSQL's binary timestamptz: microseconds since 2000-01-01 UTC,
       with INT64_MAX / INT64_MIN for +/-infinity (as pinky_time). */
    int64_t v = t;
    if (t != PINKY_TIME_INFINITY && t != PINKY_TIME_NEG_INFINITY)
        v = t < INT64_MIN + PK_PG_EPOCH_US + 1 ? INT64_MIN + 1 /* out of range: the server refuses it */
                                             : t - PK_PG_EPOCH_US;
    return pk_p_i64(ps, v);
}

int pk_p_binary_owned(pk_params *ps, char *data, int len)
{
    pk_param *p = next_param(ps);
    p->val = p->owned = data;
    p->len = len;
    p->fmt = 1;
    if (data == NULL)
        ps->overflow = true;
    return ps->n;
}

/* ---- results ---- */

int pk_res_rows(const pk_res *r) { return PQntuples(r->pg); }
bool pk_res_null(const pk_res *r, int row, int col) { return PQgetisnull(r->pg, row, col) != 0; }
const char *pk_res_val(const pk_res *r, int row, int col) { return PQgetvalue(r->pg, row, col); }
int pk_res_len(const pk_res *r, int row, int col) { return PQgetlength(r->pg, row, col); }

int32_t pk_res_i32(const pk_res *r, int row, int col)
{
    if (PQgetlength(r->pg, row, col) == 8)
        return (int32_t)pk_get_be64(PQgetvalue(r->pg, row, col));
    return (int32_t)pk_get_be32(PQgetvalue(r->pg, row, col));
}

int64_t pk_res_i64(const pk_res *r, int row, int col)
{
    if (PQgetlength(r->pg, row, col) == 4)
        return (int32_t)pk_get_be32(PQgetvalue(r->pg, row, col));
    return (int64_t)pk_get_be64(PQgetvalue(r->pg, row, col));
}

bool pk_res_bool(const pk_res *r, int row, int col) { return PQgetvalue(r->pg, row, col)[0] != 0; }

void pk_res_uuid(const pk_res *r, int row, int col, pinky_uuid *out)
{
    memcpy(out->bytes, PQgetvalue(r->pg, row, col), 16);
}

pinky_time pk_res_time(const pk_res *r, int row, int col)
{
    int64_t v = (int64_t)pk_get_be64(PQgetvalue(r->pg, row, col));
    if (v == INT64_MAX || v == INT64_MIN)
        return v;
    return v + PK_PG_EPOCH_US;
}

void pk_res_free(pk_res *r)
{
    if (r) {
        PQclear(r->pg);
        pk_free(r);
    }
}

/* ---- errors ---- */

static pinky_status sqlstate_status(const char *s)
{
    if (s == NULL || strlen(s) != 5)
        return PINKY_SERVER;
    if (strcmp(s, "23505") == 0)
        return PINKY_CONFLICT;
    if (strncmp(s, "23", 2) == 0)
        return PINKY_CONSTRAINT;
    if (strcmp(s, "40001") == 0 || strcmp(s, "40P01") == 0)
        return PINKY_SERIALIZATION;
    if (strcmp(s, "57014") == 0)
        return PINKY_TIMEOUT;
    if (strncmp(s, "08", 2) == 0 || strcmp(s, "57P01") == 0 || strcmp(s, "57P02") == 0 ||
        strcmp(s, "57P03") == 0 || strcmp(s, "25006") == 0)
        return PINKY_CONNECTION;
    if (strcmp(s, "25P02") == 0)
        return PINKY_STATE;
    if (strncmp(s, "22", 2) == 0)
        return PINKY_INVALID;
    if (strcmp(s, "55P03") == 0)
        return PINKY_BUSY; /* lock_not_available */
    return PINKY_SERVER;
}

/* Copies a libpq message without its trailing newline(s). */
static void trim_copy(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
    size_t n = strlen(dst);
    while (n > 0 && (dst[n - 1] == '\n' || dst[n - 1] == ' '))
        dst[--n] = '\0';
}

pinky_status pk_conn_error(pk_conn *c, PGresult *res)
{
    char msg[1024];
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (state == NULL) {
        /* no server error: the connection failed (or a protocol surprise) */
        if (c->pg == NULL || PQstatus(c->pg) == CONNECTION_BAD || res == NULL) {
            c->broken = true;
            trim_copy(msg, sizeof msg, c->pg ? PQerrorMessage(c->pg) : "no connection");
            return pk_err(PINKY_CONNECTION, NULL, "connection lost: %s",
                          msg[0] ? msg : "server closed the connection");
        }
        trim_copy(msg, sizeof msg, PQresultErrorMessage(res));
        return pk_err(PINKY_INTERNAL, NULL, "unexpected result %s: %s",
                      PQresStatus(PQresultStatus(res)), msg);
    }
    pinky_status st = sqlstate_status(state);
    if (st == PINKY_CONNECTION || PQstatus(c->pg) == CONNECTION_BAD) {
        c->broken = true;
        st = PINKY_CONNECTION;
    }
    const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
    /* "Failing row contains (...)" repeats every value of the row, secrets
       included: never pass it on. */
    if (detail && strncmp(detail, "Failing row contains", 20) == 0)
        detail = NULL;
    pk_server_error e = {
        .sqlstate = state,
        .message = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY),
        .detail = detail,
        .hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT),
        .constraint_name = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME),
        .table_name = PQresultErrorField(res, PG_DIAG_TABLE_NAME),
        .column_name = PQresultErrorField(res, PG_DIAG_COLUMN_NAME),
    };
    return pk_err_server(st, &e);
}

bool pk_conn_is_dead(pk_conn *c)
{
    if (c->broken || PQstatus(c->pg) != CONNECTION_OK)
        return true;
    /* An idle connection has nothing to read; if the socket is readable the
       server closed it or sent a termination notice. */
    struct pollfd p = {.fd = PQsocket(c->pg), .events = POLLIN};
    if (p.fd < 0)
        return true;
    if (poll(&p, 1, 0) > 0) {
        if (!PQconsumeInput(c->pg) || PQstatus(c->pg) != CONNECTION_OK)
            return true;
        PGresult *r;
        while ((r = PQgetResult(c->pg)) != NULL)
            PQclear(r);
        return PQstatus(c->pg) != CONNECTION_OK;
    }
    return false;
}

/* ---- execution ---- */

/* Collects the results of the query just sent; keeps the first error or the
   last result.  Enforces the client-side deadline with a cancel request. */
static pinky_status collect(pk_pool *pool, pk_conn *c, PGresult **out)
{
    uint32_t tmo = pool->opt.statement_timeout_ms;
    int64_t deadline = tmo ? pk_mono_us() + (int64_t)tmo * 1000 + 500000 : 0;
    bool cancelled = false;
    PGresult *keep = NULL;
    for (;;) {
        while (PQisBusy(c->pg)) {
            int wait_ms = -1;
            if (deadline) {
                int64_t left = deadline - pk_mono_us();
                wait_ms = left <= 0 ? 0 : (int)(left / 1000) + 1;
            }
            struct pollfd p = {.fd = PQsocket(c->pg), .events = POLLIN};
            int n = p.fd < 0 ? -1 : poll(&p, 1, wait_ms);
            if (n < 0 && p.fd >= 0)
                continue; /* EINTR */
            if (n == 0) {
                if (cancelled) {
                    c->broken = true;
                    PQclear(keep);
                    return pk_err(PINKY_TIMEOUT, NULL,
                                  "statement timed out and the server did not answer the cancel request");
                }
                char errbuf[256];
                PGcancel *cn = PQgetCancel(c->pg);
                if (cn == NULL || !PQcancel(cn, errbuf, sizeof errbuf))
                    c->broken = true;
                PQfreeCancel(cn);
                cancelled = true;
                deadline = pk_mono_us() + 5000000;
                if (c->broken) {
                    PQclear(keep);
                    return pk_err(PINKY_TIMEOUT, NULL, "statement timed out; cancel failed");
                }
                continue;
            }
            if (p.fd < 0 || !PQconsumeInput(c->pg)) {
                PQclear(keep);
                return pk_conn_error(c, NULL);
            }
        }
        PGresult *r = PQgetResult(c->pg);
        if (r == NULL)
            break;
        ExecStatusType s = PQresultStatus(r);
        if (keep == NULL) {
            keep = r;
        } else if (PQresultStatus(keep) == PGRES_FATAL_ERROR) {
            PQclear(r); /* keep the first error */
        } else {
            PQclear(keep);
            keep = r;
        }
        if (s == PGRES_COPY_IN || s == PGRES_COPY_OUT || s == PGRES_COPY_BOTH)
            break; /* the caller drives COPY */
    }
    if (keep == NULL) {
        if (PQstatus(c->pg) == CONNECTION_BAD)
            return pk_conn_error(c, NULL);
        return pk_err(PINKY_INTERNAL, NULL, "no result from server");
    }
    ExecStatusType s = PQresultStatus(keep);
    if (s == PGRES_FATAL_ERROR || s == PGRES_NONFATAL_ERROR || s == PGRES_BAD_RESPONSE) {
        pinky_status st = pk_conn_error(c, keep);
        PQclear(keep);
        if (st == PINKY_TIMEOUT && cancelled)
            pk_err_prefix("cancelled after %u ms", tmo);
        return st;
    }
    *out = keep;
    return PINKY_OK;
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ull;
    }
    return h;
}

#define PK_STMT_CAP_MAX 1024

static pk_stmt *stmt_find(pk_conn *c, uint64_t h, const char *sql)
{
    if (c->capstmts == 0)
        return NULL;
    for (size_t i = h & (c->capstmts - 1);; i = (i + 1) & (c->capstmts - 1)) {
        pk_stmt *s = &c->stmts[i];
        if (s->sql == NULL)
            return NULL;
        if (s->hash == h && strcmp(s->sql, sql) == 0)
            return s;
    }
}

void pk_conn_forget_statements(pk_conn *c)
{
    for (size_t i = 0; i < c->capstmts; i++)
        pk_free(c->stmts[i].sql);
    pk_free(c->stmts);
    c->stmts = NULL;
    c->nstmts = c->capstmts = 0;
}

static bool stmt_add(pk_conn *c, uint64_t h, const char *sql)
{
    if (c->nstmts + 1 > c->capstmts / 2) {
        size_t cap = c->capstmts ? c->capstmts * 2 : 64;
        pk_stmt *old = c->stmts;
        size_t oldcap = c->capstmts;
        pk_stmt *t = pk_calloc(cap, sizeof *t);
        if (t == NULL)
            return false;
        c->stmts = t;
        c->capstmts = cap;
        for (size_t i = 0; i < oldcap; i++) {
            if (old[i].sql == NULL)
                continue;
            size_t j = old[i].hash & (cap - 1);
            while (t[j].sql)
                j = (j + 1) & (cap - 1);
            t[j] = old[i];
        }
        pk_free(old);
    }
    char *copy = pk_strdup(sql);
    if (copy == NULL)
        return false;
    size_t j = h & (c->capstmts - 1);
    while (c->stmts[j].sql)
        j = (j + 1) & (c->capstmts - 1);
    c->stmts[j].hash = h;
    c->stmts[j].sql = copy;
    c->nstmts++;
    return true;
}

static void stmt_name(uint64_t h, char *buf) { snprintf(buf, 24, "pk_%016llx", (unsigned long long)h); }

pinky_status pk_conn_simple_res(pk_pool *pool, pk_conn *c, const char *sql, PGresult **out)
{
    *out = NULL;
    if (!PQsendQuery(c->pg, sql))
        return pk_conn_error(c, NULL);
    return collect(pool, c, out);
}

pinky_status pk_conn_simple(pk_pool *pool, pk_conn *c, const char *sql)
{
    PGresult *r = NULL;
    pinky_status st = pk_conn_simple_res(pool, c, sql, &r);
    PQclear(r);
    return st;
}

pinky_status pk_conn_query(pk_pool *pool, pk_conn *c, bool in_tx, const char *sql,
                           const pk_params *ps, int result_format, PGresult **out)
{
    const char *vals[PK_MAX_PARAMS];
    int lens[PK_MAX_PARAMS], fmts[PK_MAX_PARAMS];
    int n = ps ? ps->n : 0;
    if (ps && ps->overflow)
        return ps->n >= PK_MAX_PARAMS ? pk_err(PINKY_INTERNAL, NULL, "too many parameters")
                                      : pk_err_nomem();
    for (int i = 0; i < n; i++) {
        vals[i] = ps->p[i].val;
        lens[i] = ps->p[i].len;
        fmts[i] = ps->p[i].fmt;
    }
    *out = NULL;
    if (pool->opt.disable_prepared) {
        if (!PQsendQueryParams(c->pg, sql, n, NULL, vals, lens, fmts, result_format))
            return pk_conn_error(c, NULL);
        return collect(pool, c, out);
    }
    uint64_t h = fnv1a(sql);
    char name[24];
    stmt_name(h, name);
    for (int attempt = 0;; attempt++) {
        if (stmt_find(c, h, sql) == NULL) {
            if (c->nstmts >= PK_STMT_CAP_MAX) {
                pinky_status st = pk_conn_simple(pool, c, "DEALLOCATE ALL");
                if (st != PINKY_OK)
                    return st;
                pk_conn_forget_statements(c);
            }
            if (!PQsendPrepare(c->pg, name, sql, 0, NULL))
                return pk_conn_error(c, NULL);
            PGresult *r = NULL;
            pinky_status st = collect(pool, c, &r);
            PQclear(r);
            if (st != PINKY_OK)
                return st;
            if (!stmt_add(c, h, sql)) {
                c->broken = true; /* the server has a statement we cannot track */
                return pk_err_nomem();
            }
        }
        if (!PQsendQueryPrepared(c->pg, name, n, vals, lens, fmts, result_format))
            return pk_conn_error(c, NULL);
        pinky_status st = collect(pool, c, out);
        if (st == PINKY_OK || attempt > 0 || in_tx)
            return st;
        /* "cached plan must not change result type" after a schema change:
           prepare again and retry once, outside a transaction only. */
        if (strcmp(pinky_error_last()->sqlstate, "0A000") != 0)
            return st;
        if (pk_conn_simple(pool, c, "DEALLOCATE ALL") != PINKY_OK)
            return st;
        pk_conn_forget_statements(c);
    }
}
