/* communications and communication_tags; bulk ingest and similarity search. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/tags.h"

/* ---- communications ---- */

/*
 * communication_date is NOT NULL without a default: a pinky_opt_time flagged
 * PK_REQUIRED | PK_NOTNULL, so a caller who forgets it gets INVALID naming it
 * instead of a silent 1970-01-01 (what a plain pinky_time of 0 would store),
 * and an update cannot clear it.  PK_NOTNULL also makes the list order key
 * the bare column, as communications_user_idx (sql/0002) indexes it.
 */
static const pk_column comm_cols[] = {
    {PK_COL(pinky_comm, id, PK_UUID, PK_KEY | PK_SERVER | PK_NOTNULL)},
    {PK_COL(pinky_comm, user_id, PK_I32, PK_OWNER | PK_NOTNULL)},
    {PK_COL(pinky_comm, source, PK_TEXT, PK_REQUIRED | PK_NOTNULL), .limit = 50,
     .mask = PINKY_COMM_SOURCE},
    {PK_COL(pinky_comm, source_id, PK_TEXT, 0), .limit = 255, .mask = PINKY_COMM_SOURCE_ID},
    {PK_COL(pinky_comm, communication_date, PK_OPT_TIME, PK_REQUIRED | PK_NOTNULL),
     .mask = PINKY_COMM_COMMUNICATION_DATE},
    {PK_COL(pinky_comm, sender, PK_TEXT, 0), .limit = 255, .mask = PINKY_COMM_SENDER},
    {PK_COL(pinky_comm, recipients, PK_JSON, 0), .mask = PINKY_COMM_RECIPIENTS},
    {PK_COL(pinky_comm, subject, PK_TEXT, 0), .mask = PINKY_COMM_SUBJECT},
    {PK_COL(pinky_comm, content, PK_TEXT, 0), .mask = PINKY_COMM_CONTENT},
    {PK_COL(pinky_comm, content_vector, PK_VECTOR, 0), .aux = offsetof(pinky_comm, content_vector_dim),
     .limit = PINKY_COMM_VECTOR_DIM, .mask = PINKY_COMM_CONTENT_VECTOR},
    {PK_COL(pinky_comm, attachments, PK_JSON, 0), .mask = PINKY_COMM_ATTACHMENTS},
    {PK_COL(pinky_comm, metadata, PK_JSON, 0), .mask = PINKY_COMM_METADATA},
    {PK_COL(pinky_comm, created_at, PK_TIME, PK_SERVER)},
    {PK_COL(pinky_comm, updated_at, PK_TIME, PK_SERVER | PK_UPDATED)},
};

static const pk_filter_field comm_filters[] = {
    PK_EQ_FILTER(pinky_comm_filter, source),
    PK_TIME_RANGE(pinky_comm_filter, communication_date, "communication_date"),
    {"subject_contains", offsetof(pinky_comm_filter, subject_contains), PK_CONTAINS, "subject",
     NULL, NULL},
    {"tag", offsetof(pinky_comm_filter, tag), PK_TAGGED, "id", "communication_tags",
     "communication_id"},
};

static const pk_table communications = {
    .name = "communications",
    .entity = "comm",
    .row_size = sizeof(pinky_comm),
    .cols = comm_cols,
    .ncols = PK_NCOLS(comm_cols),
    /* most recent first: a backward scan of communications_user_idx */
    .order = {"communication_date", "id"},
    .order_desc = true,
    .filters = comm_filters,
    .nfilters = PK_NCOLS(comm_filters),
    .filter_size = sizeof(pinky_comm_filter),
};

PK_DEFINE_BASICS(comm, communications)
PK_DEFINE_UUID_CRUD(comm, communications)

/* ---- communication_tags ---- */

static const pk_column comm_tag_cols[] = {
    {PK_COL(pinky_comm_tag, communication_id, PK_UUID, PK_KEY | PK_PARENT | PK_NATURAL | PK_NOTNULL)},
    {PK_COL(pinky_comm_tag, tag, PK_TEXT, PK_KEY | PK_NATURAL | PK_REQUIRED | PK_NOTNULL),
     .limit = 255},
    {PK_COL(pinky_comm_tag, created_at, PK_TIME, PK_SERVER)},
};

static const pk_filter_field comm_tag_filters[] = {
    {"tag_prefix", offsetof(pinky_comm_tag_filter, tag_prefix), PK_PREFIX, "tag", NULL, NULL},
};

/* Order (communication_id, tag): the primary key. */
static const pk_table communication_tags = {
    .name = "communication_tags",
    .entity = "comm_tag",
    .row_size = sizeof(pinky_comm_tag),
    .cols = comm_tag_cols,
    .ncols = PK_NCOLS(comm_tag_cols),
    .parent = &communications,
    .order = {"communication_id", "tag"},
    .filters = comm_tag_filters,
    .nfilters = PK_NCOLS(comm_tag_filters),
    .filter_size = sizeof(pinky_comm_tag_filter),
};

PK_DEFINE_TAGS(comm_tag, communication_tags)

/* ---- bulk ingest ---- */

/*
 * The rows go in with binary COPY: ids are generated here, so the tags'
 * rows can name their communication without a round trip, and every
 * insertable column is sent (none but id has a default, so NULL is what an
 * omitted column would get anyway).  created_at / updated_at are left out
 * and take their default.
 */
typedef struct ingest_ctx {
    int32_t user;
    const pinky_comm *const *items;
    size_t n;
    const char **tags;         /* per item sorted, so duplicates are neighbours */
    const size_t *tag_counts;
    const pinky_uuid *ids;
} ingest_ctx;

static bool copied_column(const pk_column *c)
{
    return !(c->flags & PK_SERVER) || (c->flags & PK_KEY);
}

static int cmp_tag(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A missing owner is NOT_FOUND naming user_id, as pinky_comm_create says. */
static pinky_status owner_missing(pinky_status st)
{
    const pinky_error *e = pinky_error_last();
    if (st == PINKY_CONSTRAINT && strcmp(e->sqlstate, "23503") == 0 &&
        strcmp(e->constraint_name, "communications_user_id_fkey") == 0)
        return pk_err(PINKY_NOT_FOUND, "user_id", "comm.user_id: no such user; nothing written");
    return st;
}

static pinky_status ingest_body(pinky_db *tx, void *p)
{
    ingest_ctx *c = p;
    pk_buf sql;
    pk_buf_init(&sql);
    pk_buf_put(&sql, "COPY communications (");
    int nfields = 0;
    for (int i = 0; i < communications.ncols; i++) {
        if (copied_column(&comm_cols[i]))
            pk_buf_printf(&sql, "%s%s", nfields++ ? ", " : "", comm_cols[i].name);
    }
    pk_buf_put(&sql, ") FROM STDIN (FORMAT binary)");
    char *text = pk_buf_take(&sql);
    if (text == NULL)
        return pk_err_nomem();
    pk_copy *cp = NULL;
    pinky_status st = pk_copy_begin(tx, text, &cp);
    pk_free(text);
    if (st != PINKY_OK)
        return st;
    for (size_t r = 0; r < c->n; r++) {
        pk_copy_tuple(cp, nfields);
        for (int i = 0; i < communications.ncols; i++) {
            const pk_column *col = &comm_cols[i];
            if (!copied_column(col))
                continue;
            if (col->flags & PK_KEY)
                pk_copy_uuid(cp, &c->ids[r]);
            else if (col->flags & PK_OWNER)
                pk_copy_i32(cp, c->user);
            else
                pk_copy_column(cp, col, c->items[r]);
        }
    }
    if ((st = owner_missing(pk_copy_end(cp, false))) != PINKY_OK)
        return st;
    size_t ntags = 0;
    if (c->tags) {
        st = pk_copy_begin(tx, "COPY communication_tags (communication_id, tag) FROM STDIN (FORMAT binary)",
                           &cp);
        if (st != PINKY_OK)
            return st;
        size_t at = 0;
        for (size_t r = 0; r < c->n; r++) {
            for (size_t j = 0; j < c->tag_counts[r]; j++, at++) {
                if (j > 0 && strcmp(c->tags[at], c->tags[at - 1]) == 0)
                    continue; /* the same tag twice for one item: once */
                pk_copy_tuple(cp, 2);
                pk_copy_uuid(cp, &c->ids[r]);
                pk_copy_text(cp, c->tags[at]);
                ntags++;
            }
        }
        if ((st = pk_copy_end(cp, false)) != PINKY_OK)
            return st;
    }
    /* one audit row for the batch (with auditing on): how many rows and tags */
    char details[96];
    snprintf(details, sizeof details, "{\"count\": %zu, \"tags\": %zu}", c->n, ntags);
    return pk_audit_record(tx, "comm", c->user, "ingest", NULL, details);
}

/* Checks the arguments and every row and tag; *total gets the number of tags. */
static pinky_status ingest_check(const pinky_comm *const *items, size_t n, const char *const *tags,
                                 const size_t *tag_counts, size_t *total)
{
    *total = 0;
    if (n > 0 && items == NULL)
        return pk_err(PINKY_INVALID, "items", "items: NULL pointer with n = %zu", n);
    if (tags != NULL && tag_counts == NULL)
        return pk_err(PINKY_INVALID, "tag_counts", "tag_counts: NULL while tags is not");
    for (size_t i = 0; tag_counts && i < n; i++) {
        if (tag_counts[i] > SIZE_MAX / sizeof(char *) - *total)
            return pk_err(PINKY_INVALID, "tag_counts", "tag_counts[%zu]: %zu tags is too many", i,
                          tag_counts[i]);
        *total += tag_counts[i];
    }
    if (*total > 0 && tags == NULL)
        return pk_err(PINKY_INVALID, "tags", "tags: NULL pointer with %zu tags counted", *total);
    for (size_t i = 0; i < n; i++) {
        pinky_status st = items[i] == NULL
                              ? pk_err(PINKY_INVALID, "comm", "NULL pointer")
                              : pk_row_validate(&communications, items[i], true, 0);
        if (st != PINKY_OK) {
            pk_err_prefix("items[%zu]", i);
            return st;
        }
    }
    for (size_t j = 0; j < *total; j++) {
        char field[48];
        snprintf(field, sizeof field, "tags[%zu]", j);
        if (tags[j] == NULL)
            return pk_err(PINKY_INVALID, field, "%s: NULL pointer", field);
        if (tags[j][0] == '\0')
            return pk_err(PINKY_INVALID, field, "%s: must not be empty", field);
        pinky_status st = pk_check_text(field, tags[j], 255);
        if (st != PINKY_OK)
            return st;
    }
    return PINKY_OK;
}

PINKY_API pinky_status pinky_comm_ingest(pinky_db *db, int32_t user_id,
                                         const pinky_comm *const *items, size_t n,
                                         const char *const *tags, const size_t *tag_counts,
                                         pinky_uuid *ids_out)
{
    pinky_status st = pk_check_db(db);
    size_t total = 0;
    if (st != PINKY_OK || (st = ingest_check(items, n, tags, tag_counts, &total)) != PINKY_OK)
        return st;
    if (n == 0)
        return PINKY_OK;
    if (n > SIZE_MAX / sizeof(pinky_uuid))
        return pk_err(PINKY_INVALID, "n", "n: %zu items is too many", n);
    pinky_uuid *ids = pk_malloc(n * sizeof *ids);
    const char **sorted = total ? pk_malloc(total * sizeof *sorted) : NULL;
    if (ids == NULL || (total && sorted == NULL)) {
        pk_free(ids);
        pk_free(sorted);
        return pk_err_nomem();
    }
    for (size_t i = 0; i < n; i++)
        pinky_uuid_generate(&ids[i]);
    if (total) {
        memcpy(sorted, tags, total * sizeof *sorted);
        for (size_t i = 0, at = 0; i < n; at += tag_counts[i], i++)
            if (tag_counts[i] > 1)
                qsort(sorted + at, tag_counts[i], sizeof *sorted, cmp_tag);
    }
    ingest_ctx c = {user_id, items, n, sorted, tag_counts, ids};
    st = pk_atomic(db, ingest_body, &c);
    if (st == PINKY_OK && ids_out)
        memcpy(ids_out, ids, n * sizeof *ids);
    pk_free(ids);
    pk_free(sorted);
    return st;
}

/* ---- similarity search ---- */

PINKY_API void pinky_comm_similar_filter_init(pinky_comm_similar_filter *f)
{
    if (f) {
        memset(f, 0, sizeof *f);
        f->struct_size = sizeof *f;
    }
}

PINKY_API void pinky_comm_matches_free(pinky_comm_matches *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->count; i++)
        pk_row_free(&communications, m->items[i]);
    pk_free(m->items);
    pk_free(m->distances);
    pk_free(m);
}

/*
 * Two statements over the same parameters ($ query vector, $ user, filters):
 *
 * index: the k nearest by the HNSW index with pgvector's iterative scan in
 *   relaxed order -- the index keeps producing candidates until the filters
 *   have let k rows through (strict_order would stop earlier and so return
 *   fewer rows under a selective filter), at the price of slightly
 *   unordered results, which the materialized CTE's outer ORDER BY puts
 *   right.  The planner may still prefer a btree (a small user, a rare tag)
 *   and sort exactly; either way the rows are right.
 * exact: the distance of every qualifying row, top k by a sort.  The
 *   subquery has no ORDER BY (OFFSET 0 keeps it apart), so the HNSW index
 *   cannot serve it, whatever the plan cache holds -- planner settings such
 *   as enable_indexscan do not invalidate a prepared statement's cached
 *   generic plan, so they cannot be what makes a scan exact.  The btree
 *   indexes still find the user's rows and tagged rows.
 *
 * k is written into both (a validated integer, 1..1000), not bound: with a
 * LIMIT parameter the generic plan a prepared statement may switch to after
 * five executions assumes 10% of the rows are wanted and sorts them all
 * instead of walking the index.
 */
typedef struct similar_ctx {
    const char *index_sql, *exact_sql;
    pk_params *ps;
    uint32_t k, ef_search;
    bool exact;
    bool savepoint;            /* inside the caller's transaction: undo the settings after */
    pk_res *res;
} similar_ctx;

/*
 * set_config(..., true) is the function form of SET LOCAL: the values last
 * until the transaction ends and travel as parameters (the text of an
 * integer validated here), so one prepared statement serves every value.
 * pgvector reads hnsw.* when the scan runs, not when it is planned.
 *
 * enable_seqscan = off (pgvector's own advice when the planner will not
 * take the index): a 1536-dim vector is stored out of line (TOAST), so a
 * sequential scan looks cheap to the planner -- it never counts fetching
 * and comparing every vector -- and at ef_search 100 over 100,000 rows it
 * chose one (450 ms) over the index (3 ms).  Index and bitmap scans stay
 * allowed, so selective filters still go through their btree indexes.
 * The index statement always runs with this setting, so whatever plan the
 * statement cache keeps for it was made under it.
 */
static const char index_settings_sql[] =
    "SELECT set_config('hnsw.ef_search', $1::text, true), "
    "set_config('hnsw.iterative_scan', 'relaxed_order', true), "
    "set_config('enable_seqscan', 'off', true)";

static pinky_status similar_body(pinky_db *tx, void *p)
{
    similar_ctx *c = p;
    pinky_status st = PINKY_OK;
    if (c->exact)
        return pk_query(tx, c->exact_sql, c->ps, &c->res);
    if (c->savepoint && (st = pk_query(tx, "SAVEPOINT pinky_comm_similar", NULL, NULL)) != PINKY_OK)
        return st;
    pk_params set;
    pk_params_init(&set);
    char ef[16];
    snprintf(ef, sizeof ef, "%u", c->ef_search);
    pk_p_text(&set, ef);
    st = pk_query(tx, index_settings_sql, &set, NULL);
    pk_params_free(&set);
    if (st == PINKY_OK)
        st = pk_query(tx, c->index_sql, c->ps, &c->res);
    if (st == PINKY_OK && c->savepoint) {
        st = pk_query(tx, "ROLLBACK TO SAVEPOINT pinky_comm_similar", NULL, NULL);
        if (st == PINKY_OK)
            st = pk_query(tx, "RELEASE SAVEPOINT pinky_comm_similar", NULL, NULL);
    }
    /* short: fewer rows qualify, or the index scan gave up (it visits at
       most hnsw.max_scan_tuples entries) -- the exact scan settles it */
    if (st == PINKY_OK && (uint32_t)pk_res_rows(c->res) < c->k) {
        pk_res_free(c->res);
        c->res = NULL;
        st = pk_query(tx, c->exact_sql, c->ps, &c->res);
    }
    return st;
}

static pinky_status check_query(const float *query, uint32_t dim)
{
    if (query == NULL)
        return pk_err(PINKY_INVALID, "query", "query: NULL pointer");
    return pk_check_vector("query", query, dim, PINKY_COMM_VECTOR_DIM);
}

/*
 * "SELECT <columns>, distance FROM communications AS t WHERE <user, filters>"
 * into sel, binding the parameters; *qv gets the query vector's number.
 */
static pinky_status similar_select(pk_buf *sel, pk_params *ps, int32_t user, const float *query,
                                   const pinky_comm_similar_filter *f, int *qv)
{
    pinky_comm q;
    pk_row_init(&communications, &q);
    q.content_vector = (float *)query;
    q.content_vector_dim = PINKY_COMM_VECTOR_DIM;
    *qv = pk_bind_column(ps, pk_column_named(&communications, "content_vector"), &q);
    pk_buf_put(sel, "SELECT ");
    pk_sql_select_list(sel, &communications, 0);
    pk_buf_printf(sel, ", t.content_vector <=> $%d::vector AS distance FROM communications AS t"
                       " WHERE t.user_id = $%d::int4 AND t.content_vector IS NOT NULL",
                  *qv, pk_p_i32(ps, user));
    if (f->source) {
        pinky_status st = pk_check_text("filter.source", f->source, 0);
        if (st != PINKY_OK)
            return st;
        pk_buf_printf(sel, " AND t.source = $%d::text", pk_p_text(ps, f->source));
    }
    if (f->date_from.is_set)
        pk_buf_printf(sel, " AND t.communication_date >= $%d::timestamptz",
                      pk_p_time(ps, f->date_from.value));
    if (f->date_before.is_set)
        pk_buf_printf(sel, " AND t.communication_date < $%d::timestamptz",
                      pk_p_time(ps, f->date_before.value));
    if (f->tag) {
        pinky_status st = pk_check_text("filter.tag", f->tag, 255);
        if (st != PINKY_OK)
            return st;
        pk_buf_printf(sel, " AND EXISTS (SELECT 1 FROM communication_tags g"
                           " WHERE g.communication_id = t.id AND g.tag = $%d::text)",
                      pk_p_text(ps, f->tag));
    }
    if (ps->overflow || sel->failed)
        return pk_err_nomem();
    return PINKY_OK;
}

static pinky_status decode_matches(const pk_res *r, pinky_comm_matches **out)
{
    int rows = pk_res_rows(r);
    pinky_comm_matches *m = pk_calloc(1, sizeof *m);
    if (m) {
        m->items = pk_calloc(rows ? (size_t)rows : 1, sizeof *m->items);
        m->distances = pk_calloc(rows ? (size_t)rows : 1, sizeof *m->distances);
    }
    if (m == NULL || m->items == NULL || m->distances == NULL) {
        pinky_comm_matches_free(m);
        return pk_err_nomem();
    }
    for (int i = 0; i < rows; i++) {
        pinky_status st = pk_row_decode(&communications, r, i, 0, (void **)&m->items[i]);
        if (st != PINKY_OK) {
            pinky_comm_matches_free(m);
            return st;
        }
        uint64_t bits = (uint64_t)pk_res_i64(r, i, communications.ncols); /* float8 */
        memcpy(&m->distances[i], &bits, sizeof bits);
        m->count++;
    }
    *out = m;
    return PINKY_OK;
}

PINKY_API pinky_status pinky_comm_similar(pinky_db *db, int32_t user_id, const float *query,
                                          uint32_t dim, uint32_t k,
                                          const pinky_comm_similar_filter *filter,
                                          pinky_comm_matches **out)
{
    if (out == NULL)
        return pk_err(PINKY_INVALID, "out", "out: NULL pointer");
    *out = NULL;
    pinky_status st = pk_check_db(db);
    if (st != PINKY_OK || (st = check_query(query, dim)) != PINKY_OK)
        return st;
    if (k < 1 || k > PINKY_COMM_SIMILAR_MAX_K)
        return pk_err(PINKY_INVALID, "k", "k: %u, expected 1..%d", k, PINKY_COMM_SIMILAR_MAX_K);
    pinky_comm_similar_filter f;
    pinky_comm_similar_filter_init(&f);
    if (filter) {
        if ((st = pk_check_size("filter", filter, sizeof *filter)) != PINKY_OK)
            return st;
        f = *filter;
    }
    if (f.ef_search > 1000)
        return pk_err(PINKY_INVALID, "filter.ef_search", "filter.ef_search: %u, expected 1..1000 (0: 100)",
                      f.ef_search);
    uint32_t ef = f.ef_search ? f.ef_search : 100;
    pk_params ps;
    pk_params_init(&ps);
    pk_buf sel, isql, esql;
    pk_buf_init(&sel);
    pk_buf_init(&isql);
    pk_buf_init(&esql);
    int qv = 0;
    st = similar_select(&sel, &ps, user_id, query, &f, &qv);
    char *index_text = NULL, *exact_text = NULL;
    if (st == PINKY_OK) {
        pk_buf_printf(&isql, "WITH hits AS MATERIALIZED (%s ORDER BY t.content_vector <=> $%d::vector "
                             "LIMIT %u) SELECT * FROM hits ORDER BY distance, id", sel.data, qv, k);
        pk_buf_printf(&esql, "SELECT * FROM (%s OFFSET 0) AS hits ORDER BY distance, id LIMIT %u",
                      sel.data, k);
        index_text = pk_buf_take(&isql);
        exact_text = pk_buf_take(&esql);
        if (index_text == NULL || exact_text == NULL)
            st = pk_err_nomem();
    }
    if (st == PINKY_OK) {
        similar_ctx c = {index_text, exact_text, &ps, k, ef < k ? k : ef, f.exact,
                         pinky_db_in_transaction(db), NULL};
        st = pk_atomic(db, similar_body, &c);
        if (st == PINKY_OK)
            st = decode_matches(c.res, out);
        pk_res_free(c.res);
    }
    pk_free(index_text);
    pk_free(exact_text);
    pk_buf_free(&sel);
    pk_buf_free(&isql);
    pk_buf_free(&esql);
    pk_params_free(&ps);
    return st;
}
