/*
 * The bulk paths of sync_items: pinky_sync_item_upsert_many and
 * pinky_sync_detect_changes.  Both load their rows by binary COPY into a
 * temporary table (dropped at commit) with an ordinal column, then work
 * set-based: a fixed number of statements whatever the number of rows.
 */
#include <stdio.h>
#include <string.h>
#include "model/tables.h"

/*
 * The schema defaults of sync_items columns an INSERT ... SELECT must spell
 * out (a SELECT cannot say DEFAULT per row).  tests/integration/test_sync_ops.c
 * compares them with the catalog's information_schema.columns.column_default.
 */
static const struct {
    const char *col, *def;
} item_defaults[] = {
    {"sync_status", "'PENDING'"},
    {"has_conflict", "false"},
};

static const char *item_default(const char *col)
{
    for (size_t i = 0; i < PK_ARRAY_LEN(item_defaults); i++)
        if (strcmp(item_defaults[i].col, col) == 0)
            return item_defaults[i].def;
    return NULL;
}

/* The columns a caller's row provides: all but the server-assigned ones. */
static bool loaded(const pk_column *c) { return !(c->flags & PK_SERVER); }

/*
 * Creates the temporary table pk_sync_in (ord, <loaded columns>) and COPYs
 * items into it, row i with ord i.  conn, when not NULL, replaces every
 * item's connection_id.
 */
static pinky_status load_items(pinky_db *tx, const pinky_sync_item *const *items, size_t n,
                               const pinky_uuid *conn)
{
    const pk_table *t = &pk_sync_items;
    pk_buf ddl, copy;
    pk_buf_init(&ddl);
    pk_buf_init(&copy);
    /* a second call in the caller's transaction finds the first one's table */
    pk_buf_put(&ddl, "DROP TABLE IF EXISTS pg_temp.pk_sync_in; "
                     "CREATE TEMP TABLE pk_sync_in (ord int8");
    pk_buf_put(&copy, "COPY pk_sync_in (ord");
    int nf = 1;
    for (int i = 0; i < t->ncols; i++) {
        const pk_column *c = &t->cols[i];
        if (!loaded(c))
            continue;
        pk_buf_printf(&ddl, ", %s %s", c->name, pk_sql_type(c->type));
        pk_buf_printf(&copy, ", %s", c->name);
        nf++;
    }
    pk_buf_put(&ddl, ") ON COMMIT DROP");
    pk_buf_put(&copy, ") FROM STDIN (FORMAT binary)");
    char *ddl_sql = pk_buf_take(&ddl), *copy_sql = pk_buf_take(&copy);
    pinky_status st = ddl_sql && copy_sql ? pinky_db_exec(tx, ddl_sql) : pk_err_nomem();
    pk_copy *cp = NULL;
    if (st == PINKY_OK)
        st = pk_copy_begin(tx, copy_sql, &cp);
    pk_free(ddl_sql);
    pk_free(copy_sql);
    if (st != PINKY_OK)
        return st;
    for (size_t k = 0; k < n; k++) {
        pk_copy_tuple(cp, nf);
        pk_copy_i64(cp, (int64_t)k);
        for (int i = 0; i < t->ncols; i++) {
            const pk_column *c = &t->cols[i];
            if (!loaded(c))
                continue;
            if (conn && (c->flags & PK_PARENT))
                pk_copy_uuid(cp, conn);
            else
                pk_copy_column(cp, c, items[k]);
        }
    }
    return pk_copy_end(cp, false);
}

/* INVALID naming what[i] for a NULL or invalid row; nothing is sent. */
static pinky_status validate_rows(const char *what, const pinky_sync_item *const *items, size_t n)
{
    if (n > 0 && items == NULL)
        return pk_err(PINKY_INVALID, what, "%s: NULL pointer with n = %zu", what, n);
    for (size_t i = 0; i < n; i++) {
        if (items[i] == NULL)
            return pk_err(PINKY_INVALID, what, "%s[%zu]: NULL pointer", what, i);
        pinky_status st = pk_row_validate(&pk_sync_items, items[i], true, 0);
        if (st != PINKY_OK) {
            pk_err_prefix("%s[%zu]", what, i);
            return st;
        }
    }
    return PINKY_OK;
}

/* A connection deleted between the ownership check and the insert. */
static pinky_status connection_gone(pinky_status st)
{
    if (st == PINKY_CONSTRAINT &&
        strcmp(pinky_error_last()->constraint_name, "sync_items_connection_id_fkey") == 0)
        return pk_err(PINKY_NOT_FOUND, "connection_id",
                      "connection_id: platform_connection not found (deleted meanwhile)");
    return st;
}

/* ---- upsert_many ---- */

PINKY_API void pinky_sync_upsert_result_init(pinky_sync_upsert_result *result)
{
    if (result) {
        memset(result, 0, sizeof *result);
        result->struct_size = sizeof *result;
    }
}

/* How the rows of a batch set a column that has a default. */
enum { SET_NONE = 0, SET_ALL = 1, SET_MIXED = 2 };

typedef struct upsert_ctx {
    int32_t user;
    const pinky_sync_item *const *items;
    size_t n;
    int status_mode, conflict_mode; /* sync_status, has_conflict */
    uint64_t inserted, updated;
} upsert_ctx;

static int column_mode(const upsert_ctx *c, const char *col)
{
    return strcmp(col, "sync_status") == 0 ? c->status_mode : c->conflict_mode;
}

static const char owner_check_sql[] =
    "SELECT s.ord FROM pk_sync_in s WHERE NOT EXISTS (SELECT 1 FROM platform_connections p "
    "WHERE p.id = s.connection_id AND p.user_id = $1::int4) ORDER BY s.ord LIMIT 1";

/*
 * The merge: one INSERT ... SELECT DISTINCT ON ... ON CONFLICT DO UPDATE.
 * DISTINCT ON keeps the last occurrence of a key (highest ord), so a batch
 * naming a path twice never makes the statement affect a row twice.
 *   insert:  unset columns with a default take COALESCE(new, default);
 *   update:  COALESCE(new, stored), except
 *            - NOT NULL columns without a default (is_directory): always new;
 *            - columns with a default: their inserted value is never NULL,
 *              so EXCLUDED cannot tell "unset" from the default.  When every
 *              row of the batch sets the column it is EXCLUDED's; when none
 *              does it is left alone; when the batch mixes both, the winning
 *              row's own value is read back from pk_sync_in (indexed then).
 */
static char *merge_sql(const upsert_ctx *ctx)
{
    const pk_table *t = &pk_sync_items;
    pk_buf b, sel, set, mixed_cols, mixed_vals;
    pk_buf_init(&b);
    pk_buf_init(&sel);
    pk_buf_init(&set);
    pk_buf_init(&mixed_cols);
    pk_buf_init(&mixed_vals);
    pk_buf_put(&b, "WITH m AS (INSERT INTO sync_items AS t (");
    bool first = true;
    for (int i = 0; i < t->ncols; i++) {
        const pk_column *c = &t->cols[i];
        if (!loaded(c))
            continue;
        const char *def = item_default(c->name);
        pk_buf_printf(&b, "%s%s", first ? "" : ", ", c->name);
        if (def)
            pk_buf_printf(&sel, "%sCOALESCE(s.%s, %s)", first ? "" : ", ", c->name, def);
        else
            pk_buf_printf(&sel, "%ss.%s", first ? "" : ", ", c->name);
        first = false;
        if (c->flags & (PK_NATURAL | PK_PARENT))
            continue;
        if (def) {
            int mode = column_mode(ctx, c->name);
            if (mode == SET_ALL)
                pk_buf_printf(&set, "%s%s = EXCLUDED.%s", set.len ? ", " : "", c->name, c->name);
            else if (mode == SET_MIXED) {
                pk_buf_printf(&mixed_cols, "%s%s", mixed_cols.len ? ", " : "", c->name);
                pk_buf_printf(&mixed_vals, "%sCOALESCE(d.%s, t.%s)", mixed_vals.len ? ", " : "",
                              c->name, c->name);
            }
        } else if (c->flags & PK_NOTNULL) {
            pk_buf_printf(&set, "%s%s = EXCLUDED.%s", set.len ? ", " : "", c->name, c->name);
        } else {
            pk_buf_printf(&set, "%s%s = COALESCE(EXCLUDED.%s, t.%s)", set.len ? ", " : "", c->name,
                          c->name, c->name);
        }
    }
    if (mixed_cols.len)
        pk_buf_printf(&set,
                      "%s(%s) = (SELECT %s FROM pk_sync_in d WHERE d.connection_id = EXCLUDED.connection_id "
                      "AND d.path = EXCLUDED.path ORDER BY d.ord DESC LIMIT 1)",
                      set.len ? ", " : "", mixed_cols.data, mixed_vals.data);
    pk_buf_printf(&b,
                  ") SELECT DISTINCT ON (s.connection_id, s.path) %s FROM pk_sync_in s "
                  "ORDER BY s.connection_id, s.path, s.ord DESC "
                  "ON CONFLICT (connection_id, path) DO UPDATE SET %s "
                  /* a freshly inserted tuple has no xmax; one updated in place has ours */
                  "RETURNING t.xmax = 0 AS inserted) "
                  "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM m",
                  sel.data ? sel.data : "", set.data ? set.data : "");
    bool failed = sel.failed || set.failed || mixed_cols.failed || mixed_vals.failed;
    pk_buf_free(&sel);
    pk_buf_free(&set);
    pk_buf_free(&mixed_cols);
    pk_buf_free(&mixed_vals);
    if (failed) {
        pk_buf_free(&b);
        return NULL;
    }
    return pk_buf_take(&b);
}

static pinky_status upsert_body(pinky_db *tx, void *p)
{
    upsert_ctx *c = p;
    pinky_status st = load_items(tx, c->items, c->n, NULL);
    if (st != PINKY_OK)
        return st;
    /* every connection named must be the user's: report the first item that is not */
    pk_params ps;
    pk_params_init(&ps);
    pk_p_i32(&ps, c->user);
    pk_res *r = NULL;
    st = pk_query(tx, owner_check_sql, &ps, &r);
    pk_params_free(&ps);
    if (st != PINKY_OK)
        return st;
    if (pk_res_rows(r) > 0) {
        long long i = (long long)pk_res_i64(r, 0, 0);
        pk_res_free(r);
        char field[64];
        snprintf(field, sizeof field, "items[%lld].connection_id", i);
        return pk_err(PINKY_NOT_FOUND, field, "%s: platform_connection not found", field);
    }
    pk_res_free(r);
    if (c->status_mode == SET_MIXED || c->conflict_mode == SET_MIXED) {
        if ((st = pinky_db_exec(tx, "CREATE INDEX ON pk_sync_in (connection_id, path, ord)")) != PINKY_OK)
            return st;
    }
    char *sql = merge_sql(c);
    st = pk_query(tx, sql, NULL, &r);
    pk_free(sql);
    if (st != PINKY_OK)
        return connection_gone(st);
    c->inserted = (uint64_t)pk_res_i64(r, 0, 0);
    c->updated = (uint64_t)pk_res_i64(r, 0, 1);
    pk_res_free(r);
    /* one audit row for the batch (with auditing on): how many rows */
    char details[96];
    snprintf(details, sizeof details, "{\"inserted\": %llu, \"updated\": %llu}",
             (unsigned long long)c->inserted, (unsigned long long)c->updated);
    return pk_audit_record(tx, "sync_item", c->user, "upsert_many", NULL, details);
}

static int mode_of(size_t set, size_t n)
{
    return set == 0 ? SET_NONE : set == n ? SET_ALL : SET_MIXED;
}

PINKY_API pinky_status pinky_sync_item_upsert_many(pinky_db *db, int32_t user_id,
                                                   const pinky_sync_item *const *items, size_t n,
                                                   pinky_sync_upsert_result *result)
{
    pinky_status st = pk_check_db(db);
    if (st != PINKY_OK)
        return st;
    if (result) {
        if ((st = pk_check_size("result", result, sizeof *result)) != PINKY_OK)
            return st;
        result->inserted = result->updated = 0;
    }
    if ((st = validate_rows("items", items, n)) != PINKY_OK)
        return st;
    if (n == 0)
        return PINKY_OK;
    size_t status_set = 0, conflict_set = 0;
    for (size_t i = 0; i < n; i++) {
        status_set += items[i]->sync_status != 0;
        conflict_set += items[i]->has_conflict.is_set;
    }
    upsert_ctx c = {.user = user_id, .items = items, .n = n,
                    .status_mode = mode_of(status_set, n), .conflict_mode = mode_of(conflict_set, n)};
    st = pk_atomic(db, upsert_body, &c);
    if (st == PINKY_OK && result) {
        result->inserted = c.inserted;
        result->updated = c.updated;
    }
    return st;
}

/* ---- detect_changes ---- */

/*
 * Kinds: '+' new, '~' changed, '!' conflict, '=' unchanged, '-' gone.  A
 * tombstone is a stored item with local_modified NULL and sync_status
 * PENDING; it counts as absent.
 */
#define TOMBSTONE(a) "(" a ".local_modified IS NULL AND " a ".sync_status = 'PENDING')"

static const char diff_table_sql[] =
    "DROP TABLE IF EXISTS pg_temp.pk_sync_diff; "
    "CREATE TEMP TABLE pk_sync_diff (kind \"char\" NOT NULL, path text NOT NULL, is_directory bool, "
    "size int8, mime_type text, hash text, local_modified timestamptz, remote_modified timestamptz) "
    "ON COMMIT DROP";

/* Classifies the scan, keeps what differs in pk_sync_diff (unchanged items
   are only counted) and returns the counts: new, changed, unchanged, gone,
   conflict. */
static const char classify_sql[] =
    "WITH c AS MATERIALIZED (SELECT CASE"
    " WHEN e.id IS NULL OR " TOMBSTONE("e") " THEN '+'"
    " WHEN e.is_directory IS DISTINCT FROM s.is_directory OR e.size IS DISTINCT FROM s.size"
    "  OR e.hash IS DISTINCT FROM s.hash OR e.local_modified IS DISTINCT FROM s.local_modified THEN"
    "  CASE WHEN e.has_conflict"
    "   OR (e.remote_modified > e.last_synced AND s.local_modified > e.last_synced) THEN '!' ELSE '~' END"
    " ELSE '=' END::\"char\" AS kind,"
    " s.path, s.is_directory, s.size, s.mime_type, s.hash, s.local_modified, s.remote_modified"
    " FROM (SELECT DISTINCT ON (path) * FROM pk_sync_in ORDER BY path, ord DESC) s"
    " LEFT JOIN sync_items e ON e.connection_id = $1::uuid AND e.path = s.path"
    " UNION ALL"
    " SELECT '-', e.path, NULL, NULL, NULL, NULL, NULL, NULL FROM sync_items e"
    " WHERE e.connection_id = $1::uuid AND NOT " TOMBSTONE("e")
    " AND NOT EXISTS (SELECT 1 FROM pk_sync_in s WHERE s.path = e.path)),"
    " d AS (INSERT INTO pk_sync_diff SELECT * FROM c WHERE kind <> '=')"
    " SELECT count(*) FILTER (WHERE kind = '+'), count(*) FILTER (WHERE kind = '~'),"
    " count(*) FILTER (WHERE kind = '='), count(*) FILTER (WHERE kind = '-'),"
    " count(*) FILTER (WHERE kind = '!') FROM c";

static const char apply_upsert_sql[] =
    "INSERT INTO sync_items AS t (connection_id, path, is_directory, size, mime_type, hash,"
    " local_modified, remote_modified, sync_status, has_conflict)"
    " SELECT $1::uuid, d.path, d.is_directory, d.size, d.mime_type, d.hash, d.local_modified,"
    " d.remote_modified, CASE WHEN d.kind = '!' THEN 'CONFLICT' ELSE 'PENDING' END, d.kind = '!'"
    " FROM pk_sync_diff d WHERE d.kind IN ('+', '~', '!')"
    " ON CONFLICT (connection_id, path) DO UPDATE SET is_directory = EXCLUDED.is_directory,"
    " size = EXCLUDED.size, hash = EXCLUDED.hash, local_modified = EXCLUDED.local_modified,"
    " mime_type = COALESCE(EXCLUDED.mime_type, t.mime_type),"
    " remote_modified = COALESCE(EXCLUDED.remote_modified, t.remote_modified),"
    " sync_status = EXCLUDED.sync_status,"
    " has_conflict = CASE WHEN EXCLUDED.has_conflict THEN true ELSE t.has_conflict END";

static const char apply_gone_sql[] =
    "UPDATE sync_items AS t SET local_modified = NULL, sync_status = 'PENDING'"
    " FROM pk_sync_diff d WHERE d.kind = '-' AND t.connection_id = $1::uuid AND t.path = d.path";

static const char paths_sql[] =
    "SELECT kind::text || path FROM pk_sync_diff ORDER BY path";

typedef struct detect_ctx {
    int32_t user;
    const pinky_uuid *conn;
    const pinky_sync_item *const *scan;
    size_t n;
    unsigned flags;
    bool want_diff;
    pinky_sync_diff *diff;
} detect_ctx;

static pinky_status conn_query(pinky_db *tx, const char *sql, const pinky_uuid *conn, pk_res **r)
{
    pk_params ps;
    pk_params_init(&ps);
    pk_p_uuid(&ps, conn);
    pinky_status st = pk_query(tx, sql, &ps, r);
    pk_params_free(&ps);
    return st;
}

/* The diff as one allocation: the struct, the path pointers, the strings. */
static pinky_status build_diff(const pk_res *counts, const pk_res *paths, pinky_sync_diff **out)
{
    size_t np = paths ? (size_t)pk_res_rows(paths) : 0;
    size_t head = (sizeof(pinky_sync_diff) + 7) & ~(size_t)7, total = head + np * sizeof(char *);
    for (size_t i = 0; i < np; i++)
        total += (size_t)pk_res_len(paths, (int)i, 0) + 1;
    char *mem = pk_calloc(1, total);
    if (mem == NULL)
        return pk_err_nomem();
    pinky_sync_diff *d = (pinky_sync_diff *)mem;
    d->struct_size = sizeof *d;
    d->new_count = (uint64_t)pk_res_i64(counts, 0, 0);
    d->changed_count = (uint64_t)pk_res_i64(counts, 0, 1);
    d->unchanged_count = (uint64_t)pk_res_i64(counts, 0, 2);
    d->gone_count = (uint64_t)pk_res_i64(counts, 0, 3);
    d->conflict_count = (uint64_t)pk_res_i64(counts, 0, 4);
    if (np > 0) {
        d->paths = (char **)(mem + head);
        char *s = mem + head + np * sizeof(char *);
        for (size_t i = 0; i < np; i++) {
            size_t len = (size_t)pk_res_len(paths, (int)i, 0);
            memcpy(s, pk_res_val(paths, (int)i, 0), len);
            s[len] = '\0';
            d->paths[i] = s;
            s += len + 1;
        }
        d->npaths = np;
    }
    *out = d;
    return PINKY_OK;
}

static pinky_status detect_body(pinky_db *tx, void *p)
{
    detect_ctx *c = p;
    bool apply = (c->flags & PINKY_SYNC_DIFF_APPLY) != 0;
    pinky_platform_connection key;
    pinky_platform_connection_init(&key);
    key.id = *c->conn;
    /* applying locks the connection: concurrent applies to it queue here */
    pinky_status st = pk_row_exists(tx, &pk_platform_connections, c->user, &key, apply,
                                    "connection_id");
    if (st != PINKY_OK)
        return st;
    pk_res *counts = NULL, *paths = NULL;
    if ((st = load_items(tx, c->scan, c->n, c->conn)) != PINKY_OK ||
        (st = pinky_db_exec(tx, diff_table_sql)) != PINKY_OK ||
        (st = conn_query(tx, classify_sql, c->conn, &counts)) != PINKY_OK)
        return st;
    if (apply) {
        if ((st = conn_query(tx, apply_upsert_sql, c->conn, NULL)) != PINKY_OK)
            st = connection_gone(st);
        else
            st = conn_query(tx, apply_gone_sql, c->conn, NULL);
    }
    if (st == PINKY_OK && apply) {
        /* one audit row for the scan (with auditing on): what it changed */
        char id[PINKY_UUID_STRLEN], details[160];
        pinky_uuid_format(c->conn, id);
        snprintf(details, sizeof details,
                 "{\"new\": %lld, \"changed\": %lld, \"gone\": %lld, \"conflict\": %lld}",
                 (long long)pk_res_i64(counts, 0, 0), (long long)pk_res_i64(counts, 0, 1),
                 (long long)pk_res_i64(counts, 0, 3), (long long)pk_res_i64(counts, 0, 4));
        st = pk_audit_record(tx, "platform_connection", c->user, "detect_changes", id, details);
    }
    if (st == PINKY_OK && c->want_diff && (c->flags & PINKY_SYNC_DIFF_PATHS))
        st = pk_query(tx, paths_sql, NULL, &paths);
    if (st == PINKY_OK && c->want_diff)
        st = build_diff(counts, paths, &c->diff);
    pk_res_free(counts);
    pk_res_free(paths);
    return st;
}

PINKY_API pinky_status pinky_sync_detect_changes(pinky_db *db, int32_t user_id,
                                                 const pinky_uuid *connection_id,
                                                 const pinky_sync_item *const *scan, size_t n,
                                                 unsigned flags, pinky_sync_diff **out)
{
    if (out)
        *out = NULL;
    pinky_status st = pk_check_db(db);
    if (st != PINKY_OK)
        return st;
    if (connection_id == NULL)
        return pk_err(PINKY_INVALID, "connection_id", "connection_id: NULL pointer");
    if (flags & ~(PINKY_SYNC_DIFF_APPLY | PINKY_SYNC_DIFF_PATHS))
        return pk_err(PINKY_INVALID, "flags", "flags: unknown bits 0x%x", flags);
    if ((st = validate_rows("scan", scan, n)) != PINKY_OK)
        return st;
    for (size_t i = 0; i < n; i++)
        if (!scan[i]->local_modified.is_set)
            return pk_err(PINKY_INVALID, "sync_item.local_modified",
                          "scan[%zu]: sync_item.local_modified: is required in a scan (a stored item "
                          "without local_modified is a tombstone)",
                          i);
    detect_ctx c = {.user = user_id, .conn = connection_id, .scan = scan, .n = n,
                    .flags = flags, .want_diff = out != NULL};
    st = pk_atomic(db, detect_body, &c);
    if (st == PINKY_OK && out)
        *out = c.diff;
    else
        pinky_sync_diff_free(c.diff);
    return st;
}

PINKY_API void pinky_sync_diff_free(pinky_sync_diff *diff) { pk_free(diff); }
