/*
 * The audit trail: with options.audit, each mutation writes an audit_logs
 * row in the same statement (a data-modifying CTE around the mutation) or,
 * for multi-statement operations, in the same transaction.  Details name
 * the fields written, never their values.
 */
#include <stdio.h>
#include <string.h>
#include "db/mapper.h"

/* Binds the audit row's values and writes them, with the entity id
   expression id_expr, into sql. */
static void audit_values(pk_buf *sql, pk_params *ps, int32_t user, const char *entity,
                         const char *verb, const char *details, const char *id_expr)
{
    char action[160];
    snprintf(action, sizeof action, "%s.%s", entity, verb);
    int u = user ? pk_p_i32(ps, user) : pk_p_null(ps);
    int a = pk_p_text_owned(ps, pk_strdup(action));
    int e = pk_p_text(ps, entity);
    int d = pk_p_text_owned(ps, pk_strdup(details ? details : "{}"));
    int ip = pk_p_text(ps, pk_audit_ip()), ua = pk_p_text(ps, pk_audit_user_agent());
    pk_buf_printf(sql, "$%d::int4, $%d::text, $%d::text, %s, $%d::jsonb, $%d::text, $%d::text", u,
                  a, e, id_expr ? id_expr : "NULL", d, ip, ua);
}

static const char audit_cols[] =
    "audit_logs (user_id, action, entity_type, entity_id, details, ip_address, user_agent)";

static char *audit_wrap(pinky_db *db, const pk_table *t, int32_t user, const char *verb,
                    const char *details, char *stmt, pk_params *ps)
{
    if (stmt == NULL || !pk_db_audit(db) || strcmp(t->name, "audit_logs") == 0)
        return stmt;
    pk_buf id, sql;
    pk_buf_init(&id);
    pk_buf_init(&sql);
    /* the entity id: the row's key columns (not the owner), '/'-joined */
    pk_buf_put(&id, "concat_ws('/'");
    for (int i = 0; i < t->ncols; i++)
        if ((t->cols[i].flags & PK_KEY) && !(t->cols[i].flags & PK_OWNER))
            pk_buf_printf(&id, ", pk_row.%s::text", t->cols[i].name);
    pk_buf_put(&id, ")");
    pk_buf_printf(&sql, "WITH pk_row AS (%s), pk_audit AS (INSERT INTO %s SELECT ", stmt, audit_cols);
    audit_values(&sql, ps, user, t->entity, verb, details, id.data);
    pk_buf_put(&sql, " FROM pk_row) SELECT * FROM pk_row");
    pk_buf_free(&id);
    pk_free(stmt);
    return pk_buf_take(&sql);
}

pinky_status pk_query_audited(pinky_db *db, const pk_table *t, int32_t user, const char *verb,
                              const char *details, char *stmt, pk_params *ps, pk_res **out)
{
    /* the audit row's values go after the statement's own parameters */
    char *text = audit_wrap(db, t, user, verb, details, stmt, ps);
    pinky_status st = pk_query(db, text, ps, out);
    pk_free(text);
    return st;
}

pinky_status pk_audit_record(pinky_db *db, const char *entity, int32_t user, const char *verb,
                             const char *entity_id, const char *details)
{
    if (!pk_db_audit(db))
        return PINKY_OK;
    pk_params ps;
    pk_params_init(&ps);
    pk_buf sql;
    pk_buf_init(&sql);
    char idp[24];
    snprintf(idp, sizeof idp, "$%d::text", pk_p_text(&ps, entity_id));
    pk_buf_printf(&sql, "INSERT INTO %s VALUES (", audit_cols);
    audit_values(&sql, &ps, user, entity, verb, details, idp);
    pk_buf_put(&sql, ")");
    char *text = pk_buf_take(&sql);
    pinky_status st = pk_query(db, text, &ps, NULL);
    pk_free(text);
    pk_params_free(&ps);
    return st;
}

char *pk_audit_fields(const pk_table *t, const int *params, uint64_t mask, const char *state)
{
    pk_buf b;
    pk_buf_init(&b);
    pk_buf_put(&b, "{\"fields\": [");
    bool first = true;
    for (int i = 0; i < t->ncols; i++) {
        const pk_column *c = &t->cols[i];
        bool written = mask ? (c->mask & mask) != 0 : (params && params[i] != 0);
        if (!written || (c->flags & PK_OWNER))
            continue;
        pk_buf_printf(&b, "%s\"%s\"", first ? "" : ", ", c->name);
        first = false;
    }
    pk_buf_put(&b, "]");
    if (state)
        pk_buf_printf(&b, ", \"state\": \"%s\"", state);
    pk_buf_put(&b, "}");
    return pk_buf_take(&b);
}
