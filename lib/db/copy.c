/*
 * Binary COPY FROM STDIN, for the bulk paths.  Rows are encoded in
 * PostgreSQL's binary COPY format from the same column descriptions (and
 * the same binary encodings) the row mapper binds parameters with, and sent
 * in large chunks.
 */
#include <string.h>
#include "db/mapper.h"
#include "db/pool.h"

struct pk_copy {
    pinky_db *db;
    pk_buf buf;
    long rows;
    bool failed;
};

#define PK_COPY_CHUNK (256 * 1024)

static const char copy_header[19] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', '\377', '\r', '\n', '\0',
                                     0, 0, 0, 0, 0, 0, 0, 0};

pinky_status pk_copy_begin(pinky_db *db, const char *sql, pk_copy **out)
{
    *out = NULL;
    if (db->kind == PK_DB_POOL)
        return pk_err(PINKY_INTERNAL, NULL, "COPY needs a transaction handle");
    if (db->failed)
        return pk_err(PINKY_STATE, "db", "the transaction failed earlier; roll it back");
    pk_copy *c = pk_calloc(1, sizeof *c);
    if (c == NULL)
        return pk_err_nomem();
    c->db = db;
    pk_buf_init(&c->buf);
    PGresult *r = NULL;
    pinky_status st = pk_conn_simple_res(db->pool, db->conn, sql, &r);
    if (st == PINKY_OK && PQresultStatus(r) != PGRES_COPY_IN)
        st = pk_err(PINKY_INTERNAL, NULL, "COPY did not start (%s)", PQresStatus(PQresultStatus(r)));
    PQclear(r);
    if (st != PINKY_OK) {
        db->failed = true;
        pk_free(c);
        return st;
    }
    pk_buf_putn(&c->buf, copy_header, sizeof copy_header);
    *out = c;
    return PINKY_OK;
}

static void flush(pk_copy *c, bool force)
{
    if (c->failed || c->buf.failed) {
        c->failed = true;
        return;
    }
    if (c->buf.len == 0 || (!force && c->buf.len < PK_COPY_CHUNK))
        return;
    if (PQputCopyData(c->db->conn->pg, c->buf.data, (int)c->buf.len) != 1)
        c->failed = true;
    c->buf.len = 0;
}

void pk_copy_tuple(pk_copy *c, int nfields)
{
    flush(c, false);
    char b[2];
    pk_put_be16(b, (uint16_t)nfields);
    pk_buf_putn(&c->buf, b, 2);
    c->rows++;
}

static void field(pk_copy *c, const void *data, int len, const char *prefix, int plen)
{
    char b[4];
    if (data == NULL) {
        pk_put_be32(b, UINT32_MAX); /* -1: NULL */
        pk_buf_putn(&c->buf, b, 4);
        return;
    }
    pk_put_be32(b, (uint32_t)(len + plen));
    pk_buf_putn(&c->buf, b, 4);
    if (plen)
        pk_buf_putn(&c->buf, prefix, (size_t)plen);
    pk_buf_putn(&c->buf, data, (size_t)len);
}

void pk_copy_column(pk_copy *c, const pk_column *col, const void *row)
{
    pk_params ps;
    pk_params_init(&ps);
    int n = pk_bind_column(&ps, col, row);
    if (ps.overflow || (n && col->type == PK_DECIMAL)) {
        /* numeric has no simple binary form: bulk tables copy decimals as text columns */
        c->failed = c->failed || ps.overflow || col->type == PK_DECIMAL;
    } else if (n == 0) {
        field(c, NULL, 0, NULL, 0);
    } else {
        const pk_param *p = &ps.p[n - 1];
        int len = p->fmt ? p->len : (int)strlen(p->val);
        /* binary jsonb is a version byte, then the text */
        field(c, p->val, len, "\1", col->type == PK_JSON ? 1 : 0);
    }
    pk_params_free(&ps);
}

void pk_copy_i32(pk_copy *c, int32_t v)
{
    char b[4];
    pk_put_be32(b, (uint32_t)v);
    field(c, b, 4, NULL, 0);
}

void pk_copy_i64(pk_copy *c, int64_t v)
{
    char b[8];
    pk_put_be64(b, (uint64_t)v);
    field(c, b, 8, NULL, 0);
}

void pk_copy_uuid(pk_copy *c, const pinky_uuid *u) { field(c, u->bytes, 16, NULL, 0); }

void pk_copy_text(pk_copy *c, const char *s) { field(c, s, s ? (int)strlen(s) : 0, NULL, 0); }

pinky_status pk_copy_end(pk_copy *c, bool abort)
{
    pinky_db *db = c->db;
    pk_conn *conn = db->conn;
    pinky_status st = PINKY_OK;
    if (!abort) {
        char trailer[2];
        pk_put_be16(trailer, 0xFFFF);
        pk_buf_putn(&c->buf, trailer, 2);
        flush(c, true);
    }
    bool bad = abort || c->failed;
    if (PQputCopyEnd(conn->pg, bad ? "aborted by libpinky" : NULL) != 1) {
        st = pk_conn_error(conn, NULL);
    } else {
        PGresult *r;
        while ((r = PQgetResult(conn->pg)) != NULL) {
            if (st == PINKY_OK && PQresultStatus(r) != PGRES_COMMAND_OK && !bad)
                st = pk_conn_error(conn, r);
            PQclear(r);
        }
        if (PQstatus(conn->pg) == CONNECTION_BAD && st == PINKY_OK)
            st = pk_conn_error(conn, NULL);
    }
    if (st == PINKY_OK && c->failed)
        st = pk_err_nomem();
    if (st != PINKY_OK || bad)
        db->failed = true;
    pk_buf_free(&c->buf);
    pk_free(c);
    return st;
}
