/*
 * lib/db -- internal interface of the database layer: connections and the
 * pool, statement execution with a per-connection prepared-statement cache,
 * parameters and binary results, transactions.  The only room that includes
 * libpq.  lib/model uses what is declared here and in mapper.h.
 */
#ifndef PK_DB_H
#define PK_DB_H

#include "core/core.h"
#include "pinky/db.h"

#define PK_MAX_PARAMS 96

/* One query parameter: text (format 0) or binary (format 1). */
typedef struct pk_param {
    const char *val; /* NULL = SQL NULL */
    int len;
    int fmt;
    char inl[16];    /* storage for small binary values */
    char *owned;     /* heap storage freed with the params */
} pk_param;

typedef struct pk_params {
    int n;
    bool overflow;
    pk_param p[PK_MAX_PARAMS];
} pk_params;

void pk_params_init(pk_params *ps);
void pk_params_free(pk_params *ps);
/* Each returns the parameter's number ($n) to write into the SQL. */
int pk_p_null(pk_params *ps);
int pk_p_text(pk_params *ps, const char *s); /* NULL: SQL NULL; not copied */
int pk_p_text_owned(pk_params *ps, char *s); /* takes ownership */
int pk_p_i32(pk_params *ps, int32_t v);
int pk_p_i64(pk_params *ps, int64_t v);
int pk_p_bool(pk_params *ps, bool v);
int pk_p_uuid(pk_params *ps, const pinky_uuid *u);
int pk_p_time(pk_params *ps, pinky_time t);
int pk_p_binary_owned(pk_params *ps, char *data, int len); /* takes ownership */

/* A query result, rows in binary format. */
typedef struct pk_res pk_res;
int pk_res_rows(const pk_res *r);
bool pk_res_null(const pk_res *r, int row, int col);
const char *pk_res_val(const pk_res *r, int row, int col);
int pk_res_len(const pk_res *r, int row, int col);
int32_t pk_res_i32(const pk_res *r, int row, int col);
int64_t pk_res_i64(const pk_res *r, int row, int col);
bool pk_res_bool(const pk_res *r, int row, int col);
void pk_res_uuid(const pk_res *r, int row, int col, pinky_uuid *out);
pinky_time pk_res_time(const pk_res *r, int row, int col);
void pk_res_free(pk_res *r);

/*
 * Runs one statement (prepared and cached per connection) with binary
 * results.  *out may be NULL when the rows are not wanted.  On the pool, a
 * connection is taken for the call; on a transaction handle its connection
 * is used.
 */
pinky_status pk_query(pinky_db *db, const char *sql, const pk_params *ps, pk_res **out);

/*
 * Runs fn inside a transaction: on the pool, a new one that commits when fn
 * returns OK; inside a transaction, fn runs there and a failure marks the
 * transaction failed.
 */
typedef pinky_status (*pk_tx_fn)(pinky_db *tx, void *ctx);
pinky_status pk_atomic(pinky_db *db, pk_tx_fn fn, void *ctx);

/*
 * Binary COPY FROM STDIN on a transaction handle: pk_copy_begin with a
 * "COPY t (cols) FROM STDIN (FORMAT binary)" statement, then for each row
 * pk_copy_tuple(n) and n values (pk_copy_column from a row struct, or the
 * scalar helpers), then pk_copy_end.  A failure marks the transaction failed.
 */
typedef struct pk_copy pk_copy;
struct pk_column;
pinky_status pk_copy_begin(pinky_db *tx, const char *sql, pk_copy **out);
void pk_copy_tuple(pk_copy *c, int nfields);
void pk_copy_column(pk_copy *c, const struct pk_column *col, const void *row);
void pk_copy_i32(pk_copy *c, int32_t v);
void pk_copy_i64(pk_copy *c, int64_t v);
void pk_copy_uuid(pk_copy *c, const pinky_uuid *u);
void pk_copy_text(pk_copy *c, const char *s);
/* Ends the COPY (abort: cancel it, nothing is written) and frees c. */
pinky_status pk_copy_end(pk_copy *c, bool abort);

/* ---- auditing (handle.c) ---- */
/* True when the handle's pool writes audit rows. */
bool pk_db_audit(const pinky_db *db);
/* The calling thread's audit context (NULL when unset). */
const char *pk_audit_ip(void);
const char *pk_audit_user_agent(void);

/* Checks a handle argument. */
pinky_status pk_check_db(pinky_db *db);

/* Big-endian helpers for binary formats. */
static inline void pk_put_be32(char *p, uint32_t v)
{
    p[0] = (char)(v >> 24); p[1] = (char)(v >> 16); p[2] = (char)(v >> 8); p[3] = (char)v;
}
static inline void pk_put_be16(char *p, uint16_t v) { p[0] = (char)(v >> 8); p[1] = (char)v; }
static inline uint32_t pk_get_be32(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
}
static inline uint16_t pk_get_be16(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    return (uint16_t)(u[0] << 8 | u[1]);
}
static inline void pk_put_be64(char *p, uint64_t v)
{
    pk_put_be32(p, (uint32_t)(v >> 32));
    pk_put_be32(p + 4, (uint32_t)v);
}
static inline uint64_t pk_get_be64(const char *p)
{
    return (uint64_t)pk_get_be32(p) << 32 | pk_get_be32(p + 4);
}

/* PostgreSQL's epoch (2000-01-01) in Unix microseconds. */
#define PK_PG_EPOCH_US INT64_C(946684800000000)
/* The earliest TIMESTAMPTZ, 4714-11-24 00:00 UTC BC, in Unix microseconds. */
#define PK_PG_MIN_TIME INT64_C(-210866803200000000)

#endif /* PK_DB_H */
