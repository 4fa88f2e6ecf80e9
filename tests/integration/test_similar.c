/* communications: bulk ingest (binary COPY) and similarity search (HNSW with
   iterative scans) -- recall against the exact scan on clustered vectors,
   selective filters, distances, tenancy, settings that stay local, bad input. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "testdb.h"

#define DIM PINKY_COMM_VECTOR_DIM
#define NROWS 10000   /* the clustered table */
#define NCLUSTERS 100
#define NQUERIES 50
#define SIGMA 0.02    /* per-component noise: |noise| ~ 0.78, so cos(point, own centroid) ~ 0.79
                         while cos(point, another centroid) ~ 0 */
#define RARE_TAG "rare"
#define RARE_SOURCE "slack"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- deterministic random vectors ---- */

static uint64_t rng = 0x853c49e6748fea9bULL;
static uint64_t next64(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static double uniform(void) { return ((next64() >> 11) + 0.5) / 9007199254740992.0; }
static double gauss(void)
{
    return sqrt(-2.0 * log(uniform())) * cos(6.283185307179586 * uniform());
}

static void normalise(float *v)
{
    double s = 0;
    for (int i = 0; i < DIM; i++)
        s += (double)v[i] * v[i];
    double inv = 1.0 / sqrt(s);
    for (int i = 0; i < DIM; i++)
        v[i] = (float)(v[i] * inv);
}

static void random_unit(float *v)
{
    for (int i = 0; i < DIM; i++)
        v[i] = (float)gauss();
    normalise(v);
}

/* A point of cluster c: its centroid plus Gaussian noise, normalised. */
static void cluster_point(const float *centroids, int c, float *v)
{
    for (int i = 0; i < DIM; i++)
        v[i] = (float)(centroids[(size_t)c * DIM + i] + SIGMA * gauss());
    normalise(v);
}

/* pgvector's text form, exact for every float ("%.9g" round-trips). */
static char *vector_text(const float *v)
{
    char *s = malloc(2 + 17 * DIM);
    size_t n = 0;
    s[n++] = '[';
    for (int i = 0; i < DIM; i++)
        n += (size_t)sprintf(s + n, "%s%.9g", i ? "," : "", v[i]);
    s[n++] = ']';
    s[n] = '\0';
    return s;
}

/* ---- the shared fixture: 10,000 clustered rows of user A ---- */

static struct {
    int32_t a, b;                 /* A owns the table; B owns one row per query */
    float *centroids;
    float *vecs;                  /* NROWS x DIM */
    pinky_uuid *ids;
    float *queries;               /* NQUERIES fresh points */
    pinky_uuid b_ids[NQUERIES];   /* B's rows: the query vectors themselves */
    pinky_time base;
} fx;

static bool is_rare(int i) { return i % 100 == 0; }        /* 100 rows, random clusters */
static bool is_rare_source(int i) { return i % 100 == 50; } /* another 100 */
static pinky_time row_date(int i) { return fx.base + (pinky_time)i * 60000000; }

static int fixture_setup(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    fx.a = pt_user();
    fx.b = pt_user();
    pt_ok(pinky_time_from_utc(2024, 1, 1, 0, 0, 0, 0, &fx.base));
    fx.centroids = malloc(sizeof(float) * DIM * NCLUSTERS);
    fx.vecs = malloc(sizeof(float) * DIM * NROWS);
    fx.queries = malloc(sizeof(float) * DIM * NQUERIES);
    fx.ids = malloc(sizeof(pinky_uuid) * NROWS);
    for (int c = 0; c < NCLUSTERS; c++)
        random_unit(fx.centroids + (size_t)c * DIM);
    for (int i = 0; i < NROWS; i++)
        cluster_point(fx.centroids, (int)(next64() % NCLUSTERS), fx.vecs + (size_t)i * DIM);
    for (int q = 0; q < NQUERIES; q++)
        cluster_point(fx.centroids, (int)(next64() % NCLUSTERS), fx.queries + (size_t)q * DIM);

    pinky_comm *rows = calloc(NROWS, sizeof *rows);
    const pinky_comm **items = calloc(NROWS, sizeof *items);
    size_t *counts = calloc(NROWS, sizeof *counts);
    const char **tags = calloc(NROWS, sizeof *tags);
    size_t ntags = 0;
    char (*subjects)[32] = malloc(32 * (size_t)NROWS);
    for (int i = 0; i < NROWS; i++) {
        pinky_comm_init(&rows[i]);
        rows[i].source = is_rare_source(i) ? RARE_SOURCE : "mail";
        rows[i].communication_date = pinky_time_val(row_date(i));
        snprintf(subjects[i], 32, "message %d", i);
        rows[i].subject = subjects[i];
        rows[i].content_vector = fx.vecs + (size_t)i * DIM;
        rows[i].content_vector_dim = DIM;
        items[i] = &rows[i];
        if (is_rare(i)) {
            tags[ntags++] = RARE_TAG;
            counts[i] = 1;
        }
    }
    /*
     * The first rows go in with the HNSW index maintained row by row (what
     * every ingest does); that costs milliseconds per row, so the rest go in
     * without the index, which is then built again from its own definition
     * (faster in bulk, and the same index).
     */
    enum { WITH_INDEX = 1000 };
    double t0 = now_s();
    pt_ok(pinky_comm_ingest(db, fx.a, items, WITH_INDEX, tags, counts, fx.ids));
    double t1 = now_s();
    char *indexdef = pt_str("SELECT indexdef FROM pg_indexes WHERE indexname = "
                            "'communications_content_vector_hnsw'");
    assert_non_null(strstr(indexdef, "USING hnsw (content_vector vector_cosine_ops)"));
    pt_exec("DROP INDEX communications_content_vector_hnsw");
    size_t first_tags = 0;
    for (int i = 0; i < WITH_INDEX; i++)
        first_tags += counts[i];
    double t2 = now_s();
    pt_ok(pinky_comm_ingest(db, fx.a, items + WITH_INDEX, NROWS - WITH_INDEX, tags + first_tags,
                            counts + WITH_INDEX, fx.ids + WITH_INDEX));
    double t3 = now_s();
    pt_exec("SET maintenance_work_mem = '512MB'");
    pt_exec("%s", indexdef);
    pt_exec("RESET maintenance_work_mem");
    double t4 = now_s();
    free(indexdef);
    printf("# ingest (binary COPY): %d rows with the HNSW index maintained in %.2f s = %.0f rows/s; "
           "%d rows without it in %.2f s = %.0f rows/s; index build over %d rows %.2f s\n",
           WITH_INDEX, t1 - t0, WITH_INDEX / (t1 - t0), NROWS - WITH_INDEX, t3 - t2,
           (NROWS - WITH_INDEX) / (t3 - t2), NROWS, t4 - t3);

    /* B: one row per query, holding exactly the query vector */
    for (int q = 0; q < NQUERIES; q++) {
        rows[q].source = RARE_SOURCE;
        rows[q].content_vector = fx.queries + (size_t)q * DIM;
        counts[q] = 1;
        tags[q] = RARE_TAG;
    }
    pt_ok(pinky_comm_ingest(db, fx.b, items, NQUERIES, tags, counts, fx.b_ids));
    pt_exec("ANALYZE communications");
    pt_exec("ANALYZE communication_tags");
    free(rows);
    free(items);
    free(counts);
    free(tags);
    free(subjects);
    return 0;
}

static int fixture_teardown(void **state)
{
    (void)state;
    free(fx.centroids);
    free(fx.vecs);
    free(fx.queries);
    free(fx.ids);
    return 0;
}

static const float *query(int q) { return fx.queries + (size_t)q * DIM; }

static int row_index(const pinky_uuid *id)
{
    for (int i = 0; i < NROWS; i++)
        if (pinky_uuid_equal(&fx.ids[i], id))
            return i;
    return -1;
}

static int overlap(const pinky_comm_matches *a, const pinky_comm_matches *b)
{
    int n = 0;
    for (size_t i = 0; i < a->count; i++)
        for (size_t j = 0; j < b->count; j++)
            if (pinky_uuid_equal(&a->items[i]->id, &b->items[j]->id)) {
                n++;
                break;
            }
    return n;
}

/* Nearest first, user A's rows (from the fixture), distances consistent. */
static void check_matches(const pinky_comm_matches *m, int32_t user)
{
    for (size_t i = 0; i < m->count; i++) {
        const pinky_comm *c = m->items[i];
        assert_int_equal(c->user_id, user);
        assert_non_null(c->content_vector);
        assert_int_equal(c->content_vector_dim, DIM);
        assert_true(m->distances[i] >= -1e-6 && m->distances[i] <= 2.0 + 1e-6);
        if (i)
            assert_true(m->distances[i - 1] <= m->distances[i]);
        if (user == fx.a) {
            int r = row_index(&c->id);
            assert_true(r >= 0);
            /* the row read back is the row ingested */
            assert_memory_equal(c->content_vector, fx.vecs + (size_t)r * DIM, sizeof(float) * DIM);
            assert_int_equal(c->communication_date.value, row_date(r));
        }
    }
}

typedef pinky_status (*search_fn)(int q, bool exact, pinky_comm_matches **out, void *ctx);

/* Mean recall@k of the index search against the exact search over every query. */
static double recall_n(int nq, search_fn fn, void *ctx, uint32_t k, double *ann_ms, double *exact_ms)
{
    double sum = 0, ta = 0, te = 0;
    for (int q = 0; q < nq; q++) {
        pinky_comm_matches *ann = NULL, *ex = NULL;
        double t0 = now_s();
        pt_ok(fn(q, false, &ann, ctx));
        double t1 = now_s();
        pt_ok(fn(q, true, &ex, ctx));
        double t2 = now_s();
        ta += t1 - t0;
        te += t2 - t1;
        check_matches(ann, fx.a);
        check_matches(ex, fx.a);
        assert_int_equal(ex->count, k);
        assert_int_equal(ann->count, k);
        sum += (double)overlap(ann, ex) / k;
        pinky_comm_matches_free(ann);
        pinky_comm_matches_free(ex);
    }
    *ann_ms = ta * 1000 / nq;
    *exact_ms = te * 1000 / nq;
    return sum / nq;
}

static double recall(search_fn fn, void *ctx, uint32_t k, double *ann_ms, double *exact_ms)
{
    return recall_n(NQUERIES, fn, ctx, k, ann_ms, exact_ms);
}

static pinky_status plain_search(int q, bool exact, pinky_comm_matches **out, void *ctx)
{
    pinky_comm_similar_filter f = *(const pinky_comm_similar_filter *)ctx;
    f.exact = exact;
    return pinky_comm_similar(pt_db(), fx.a, query(q), DIM, 10, &f, out);
}

static void test_similar_recall(void **state)
{
    (void)state;
    pinky_comm_similar_filter f;
    pinky_comm_similar_filter_init(&f);
    double ann_ms, exact_ms;
    double r = recall(plain_search, &f, 10, &ann_ms, &exact_ms);
    printf("# recall@10 = %.3f at ef_search 100 (%d rows, %d clusters, sigma %.2f, %d fresh queries); "
           "index %.2f ms, exact %.2f ms per query\n",
           r, NROWS, NCLUSTERS, SIGMA, NQUERIES, ann_ms, exact_ms);
    assert_true(r >= 0.95);

    /* the exact path agrees with SQL's own ordering, distances to 1e-5 */
    for (int q = 0; q < 5; q++) {
        pinky_comm_matches *m = NULL;
        f.exact = true;
        pt_ok(pinky_comm_similar(pt_db(), fx.a, query(q), DIM, 10, &f, &m));
        char bq[PINKY_UUID_STRLEN];
        pinky_uuid_format(&fx.b_ids[q], bq);
        pt_exec("SET enable_indexscan = off");
        char *want = pt_str(
            "SELECT string_agg(id::text, ',' ORDER BY d, id) FROM (SELECT t.id, t.content_vector <=> "
            "(SELECT content_vector FROM communications WHERE id = '%s') AS d FROM communications t "
            "WHERE t.user_id = %d ORDER BY d LIMIT 10) s", bq, fx.a);
        pt_exec("RESET enable_indexscan");
        char got[10 * PINKY_UUID_STRLEN + 16] = "";
        for (size_t i = 0; i < m->count; i++) {
            char id[PINKY_UUID_STRLEN];
            pinky_uuid_format(&m->items[i]->id, id);
            if (i)
                strcat(got, ",");
            strcat(got, id);
            /* B's row holds the query vector: SQL's <=> between the two rows */
            char *d = pt_str("SELECT a.content_vector <=> b.content_vector FROM communications a, "
                             "communications b WHERE a.id = '%s' AND b.id = '%s'", id, bq);
            assert_true(fabs(strtod(d, NULL) - m->distances[i]) <= 1e-5);
            free(d);
        }
        assert_string_equal(got, want);
        free(want);
        pinky_comm_matches_free(m);
    }

    /* the index path's distances are SQL's too */
    f.exact = false;
    pinky_comm_matches *m = NULL;
    pt_ok(pinky_comm_similar(pt_db(), fx.a, query(7), DIM, 10, &f, &m));
    char *qt = vector_text(query(7));
    for (size_t i = 0; i < m->count; i++) {
        char id[PINKY_UUID_STRLEN];
        pinky_uuid_format(&m->items[i]->id, id);
        char *d = pt_str("SELECT content_vector <=> '%s'::vector FROM communications WHERE id = '%s'",
                         qt, id);
        assert_true(fabs(strtod(d, NULL) - m->distances[i]) <= 1e-5);
        free(d);
    }
    free(qt);
    pinky_comm_matches_free(m);

    /* a larger k: k rows, ascending */
    pt_ok(pinky_comm_similar(pt_db(), fx.a, query(0), DIM, 1000, NULL, &m));
    assert_int_equal(m->count, 1000);
    check_matches(m, fx.a);
    pinky_comm_matches_free(m);
}

/* Every returned row carries the tag (SQL). */
static void assert_all_tagged(const pinky_comm_matches *m, const char *tag)
{
    for (size_t i = 0; i < m->count; i++) {
        char id[PINKY_UUID_STRLEN];
        pinky_uuid_format(&m->items[i]->id, id);
        assert_int_equal(pt_num("SELECT count(*) FROM communication_tags WHERE communication_id = '%s' "
                                "AND tag = '%s'", id, tag), 1);
    }
}

/* The handle filtered searches use (pt_db() unless a test swaps it). */
static pinky_db *g_search_db;

static pinky_status no_sort(pinky_db *conn, void *ctx)
{
    (void)ctx;
    return pinky_db_exec(conn, "SET enable_sort = off");
}

static pinky_status filtered_search(int q, bool exact, pinky_comm_matches **out, void *ctx)
{
    pinky_comm_similar_filter f = *(const pinky_comm_similar_filter *)ctx;
    f.exact = exact;
    pinky_status st = pinky_comm_similar(g_search_db ? g_search_db : pt_db(), fx.a, query(q), DIM, 10,
                                         &f, out);
    if (st != PINKY_OK)
        return st;
    for (size_t i = 0; i < (*out)->count; i++) {
        const pinky_comm *c = (*out)->items[i];
        int r = row_index(&c->id);
        if (f.tag)
            assert_true(is_rare(r));
        if (f.source) {
            assert_string_equal(c->source, f.source);
            assert_true(is_rare_source(r));
        }
        if (f.date_from.is_set)
            assert_true(c->communication_date.value >= f.date_from.value);
        if (f.date_before.is_set)
            assert_true(c->communication_date.value < f.date_before.value);
    }
    if (f.tag && (*out)->count)
        assert_all_tagged(*out, f.tag);
    return st;
}

static void test_similar_filters(void **state)
{
    (void)state;
    pinky_comm_similar_filter f;
    double ann_ms, exact_ms, r;

    /* 1% of the rows carry the tag, spread over the clusters */
    assert_int_equal(pt_num("SELECT count(*) FROM communication_tags g JOIN communications c ON c.id = "
                            "g.communication_id WHERE c.user_id = %d AND g.tag = '%s'", fx.a, RARE_TAG),
                     NROWS / 100);
    pinky_comm_similar_filter_init(&f);
    f.tag = RARE_TAG;
    r = recall(filtered_search, &f, 10, &ann_ms, &exact_ms);
    printf("# tag filter (1%% of rows): recall@10 = %.3f; index %.2f ms, exact %.2f ms per query\n", r,
           ann_ms, exact_ms);
    assert_true(r >= 0.95);

    pinky_comm_similar_filter_init(&f);
    f.source = RARE_SOURCE;
    r = recall(filtered_search, &f, 10, &ann_ms, &exact_ms);
    printf("# source filter (1%% of rows): recall@10 = %.3f; index %.2f ms, exact %.2f ms per query\n", r,
           ann_ms, exact_ms);
    assert_true(r >= 0.95);

    /* a date range holding 1% of the rows */
    pinky_comm_similar_filter_init(&f);
    f.date_from = pinky_time_val(row_date(4000));
    f.date_before = pinky_time_val(row_date(4100));
    r = recall(filtered_search, &f, 10, &ann_ms, &exact_ms);
    printf("# date filter (1%% of rows): recall@10 = %.3f; index %.2f ms, exact %.2f ms per query\n", r,
           ann_ms, exact_ms);
    assert_true(r >= 0.95);

    /*
     * The tag filter through the HNSW index: a pool whose sessions cannot
     * sort cheaply, so the planner takes the index (with the btree indexes
     * it sorts the few tagged rows exactly, as above) and the iterative scan
     * must find the 1% itself.  It walks most of the graph to do so, hence
     * ten queries only, and relaxed order costs a little recall.
     */
    pinky_db_options o;
    pinky_db_options_init(&o);
    o.conninfo = pt_conninfo();
    o.after_connect = no_sort;
    pinky_db *saved = g_search_db;
    pt_ok(pinky_db_open(&o, &g_search_db));
    pinky_comm_similar_filter_init(&f);
    f.tag = RARE_TAG;
    r = recall_n(10, filtered_search, &f, 10, &ann_ms, &exact_ms);
    printf("# tag filter (1%% of rows) forced through the HNSW index: recall@10 = %.3f (10 queries); "
           "index %.2f ms per query\n", r, ann_ms);
    assert_true(r >= 0.9);
    pinky_db_close(g_search_db);
    g_search_db = saved;

    /* fewer rows qualify than asked for: all of them, once */
    pinky_comm_similar_filter_init(&f);
    f.tag = RARE_TAG;
    pinky_comm_matches *m = NULL;
    pt_ok(pinky_comm_similar(pt_db(), fx.a, query(3), DIM, 150, &f, &m));
    assert_int_equal(m->count, NROWS / 100);
    check_matches(m, fx.a);
    assert_all_tagged(m, RARE_TAG);
    for (size_t i = 0; i < m->count; i++)
        for (size_t j = 0; j < i; j++)
            assert_false(pinky_uuid_equal(&m->items[i]->id, &m->items[j]->id));
    pinky_comm_matches_free(m);

    /* filters combined: tag and source select disjoint rows */
    f.source = RARE_SOURCE;
    pt_ok(pinky_comm_similar(pt_db(), fx.a, query(3), DIM, 10, &f, &m));
    assert_int_equal(m->count, 0);
    pinky_comm_matches_free(m);
    /* source and dates: rows 4050, 4150, ... 9950 (every 100th from 4050) */
    pinky_comm_similar_filter_init(&f);
    f.source = RARE_SOURCE;
    f.date_from = pinky_time_val(row_date(4000));
    pt_ok(pinky_comm_similar(pt_db(), fx.a, query(3), DIM, 100, &f, &m));
    assert_int_equal(m->count, 60);
    check_matches(m, fx.a);
    for (size_t i = 0; i < m->count; i++) {
        int r2 = row_index(&m->items[i]->id);
        assert_true(r2 >= 4000 && is_rare_source(r2));
    }
    pinky_comm_matches_free(m);
}

/* ---- plans: the index answers, and the iterative scan is what fills k ---- */

static PGresult *plan(const char *sql)
{
    PGresult *r = PQexec(pt_pg(), sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "SQL failed: %s\n", PQerrorMessage(pt_pg()));
        fail();
    }
    return r;
}

static char *plan_text(const char *sql)
{
    PGresult *r = plan(sql);
    size_t n = 1;
    for (int i = 0; i < PQntuples(r); i++)
        n += strlen(PQgetvalue(r, i, 0)) + 1;
    char *s = calloc(1, n);
    for (int i = 0; i < PQntuples(r); i++) {
        strcat(s, PQgetvalue(r, i, 0));
        strcat(s, "\n");
    }
    PQclear(r);
    return s;
}

static void test_similar_plans(void **state)
{
    (void)state;
    char *qt = vector_text(query(0));
    /* the library's statement shape, with its settings (sql in lib/model/comm.c) */
    const char *shape =
        "WITH hits AS MATERIALIZED (SELECT t.id, t.content_vector <=> %s AS distance "
        "FROM communications AS t WHERE t.user_id = %s AND t.content_vector IS NOT NULL%s "
        "ORDER BY t.content_vector <=> %s LIMIT %s) SELECT * FROM hits ORDER BY distance, id";
    char *sql = NULL, *lit = NULL;
    assert_true(asprintf(&lit, "'%s'::vector", qt) > 0);
    char uid[16];
    snprintf(uid, sizeof uid, "%d", fx.a);

    pt_exec("BEGIN");
    pt_exec("SET LOCAL hnsw.ef_search = 100");
    pt_exec("SET LOCAL hnsw.iterative_scan = relaxed_order");
    pt_exec("SET LOCAL enable_seqscan = off");
    assert_true(asprintf(&sql, shape, lit, uid, "", lit, "10") > 0);
    char *sql_explain = NULL;
    assert_true(asprintf(&sql_explain, "EXPLAIN %s", sql) > 0);
    char *p = plan_text(sql_explain);
    assert_non_null(strstr(p, "communications_content_vector_hnsw"));
    free(p);
    free(sql_explain);
    free(sql);
    /* a prepared statement's generic plan (the library prepares and caches) */
    assert_true(asprintf(&sql, shape, "$1::vector", "$2::int4", "", "$1::vector", "10") > 0);
    char *prep = NULL;
    assert_true(asprintf(&prep, "PREPARE sim(vector, int4) AS %s", sql) > 0);
    PQclear(plan(prep));
    free(prep);
    free(sql);
    pt_exec("SET LOCAL plan_cache_mode = force_generic_plan");
    assert_true(asprintf(&sql, "EXPLAIN EXECUTE sim(%s, %s)", lit, uid) > 0);
    p = plan_text(sql);
    assert_non_null(strstr(p, "communications_content_vector_hnsw"));
    free(p);
    free(sql);
    pt_exec("DEALLOCATE sim");
    /* the exact statement never touches the HNSW index, generic plan or not
       (no planner setting needed: a cached plan would ignore it) */
    const char *exact_shape =
        "SELECT * FROM (SELECT t.id, t.content_vector <=> %s AS distance FROM communications AS t "
        "WHERE t.user_id = %s AND t.content_vector IS NOT NULL OFFSET 0) AS hits "
        "ORDER BY distance, id LIMIT 10";
    assert_true(asprintf(&sql, exact_shape, "$1::vector", "$2::int4") > 0);
    assert_true(asprintf(&prep, "PREPARE ex(vector, int4) AS %s", sql) > 0);
    PQclear(plan(prep));
    free(prep);
    free(sql);
    assert_true(asprintf(&sql, "EXPLAIN EXECUTE ex(%s, %s)", lit, uid) > 0);
    p = plan_text(sql);
    assert_null(strstr(p, "hnsw"));
    free(p);
    free(sql);
    pt_exec("RESET plan_cache_mode");
    assert_true(asprintf(&sql, "EXPLAIN EXECUTE ex(%s, %s)", lit, uid) > 0);
    p = plan_text(sql);
    assert_null(strstr(p, "hnsw"));
    free(p);
    free(sql);
    pt_exec("DEALLOCATE ex");
    pt_exec("ROLLBACK");

    /*
     * A 1% tag filter on the HNSW path (sorting disabled so the planner must
     * take the index): without iterative scans the index hands over its
     * ef_search candidates only, and the filter leaves almost none; with
     * relaxed_order iterative scans it keeps going until k rows pass.
     */
    char filt[160];
    snprintf(filt, sizeof filt,
             " AND EXISTS (SELECT 1 FROM communication_tags g WHERE g.communication_id = t.id "
             "AND g.tag = '%s')", RARE_TAG);
    assert_true(asprintf(&sql, shape, lit, uid, filt, lit, "10") > 0);
    int got[2];
    for (int iterative = 0; iterative < 2; iterative++) {
        pt_exec("BEGIN");
        pt_exec("SET LOCAL enable_sort = off");
        pt_exec("SET LOCAL hnsw.ef_search = 40");
        pt_exec("SET LOCAL hnsw.iterative_scan = %s", iterative ? "relaxed_order" : "off");
        assert_true(asprintf(&sql_explain, "EXPLAIN %s", sql) > 0);
        p = plan_text(sql_explain);
        assert_non_null(strstr(p, "communications_content_vector_hnsw"));
        free(p);
        free(sql_explain);
        PGresult *r = plan(sql);
        got[iterative] = PQntuples(r);
        PQclear(r);
        pt_exec("ROLLBACK");
    }
    printf("# 1%% tag filter through the HNSW index at ef_search 40: %d rows without iterative scan, "
           "%d with relaxed_order\n", got[0], got[1]);
    assert_true(got[0] < 10);
    assert_int_equal(got[1], 10);
    free(sql);
    free(lit);
    free(qt);
}

/* ---- tenancy ---- */

static void test_similar_tenancy(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    for (int q = 0; q < NQUERIES; q++) {
        for (int exact = 0; exact < 2; exact++) {
            pinky_comm_similar_filter f;
            pinky_comm_similar_filter_init(&f);
            f.exact = exact;
            /* B's rows sit at distance 0 from the query: never shown to A */
            pinky_comm_matches *m = NULL;
            pt_ok(pinky_comm_similar(db, fx.a, query(q), DIM, 10, &f, &m));
            assert_int_equal(m->count, 10);
            for (size_t i = 0; i < m->count; i++) {
                assert_int_equal(m->items[i]->user_id, fx.a);
                for (int j = 0; j < NQUERIES; j++)
                    assert_false(pinky_uuid_equal(&m->items[i]->id, &fx.b_ids[j]));
            }
            assert_true(m->distances[0] > 0.01);
            pinky_comm_matches_free(m);
            /* B sees its own rows only: its copy of the query first */
            f.tag = RARE_TAG;
            pt_ok(pinky_comm_similar(db, fx.b, query(q), DIM, 10, &f, &m));
            assert_int_equal(m->count, 10);
            assert_true(pinky_uuid_equal(&m->items[0]->id, &fx.b_ids[q]));
            assert_true(fabs(m->distances[0]) < 1e-6);
            check_matches(m, fx.b);
            pinky_comm_matches_free(m);
        }
    }
    /* a user without communications, and one that does not exist */
    int32_t c = pt_user();
    pinky_comm_matches *m = NULL;
    pt_ok(pinky_comm_similar(db, c, query(0), DIM, 10, NULL, &m));
    assert_int_equal(m->count, 0);
    pinky_comm_matches_free(m);
    pt_ok(pinky_comm_similar(db, 2147480000, query(0), DIM, 10, NULL, &m));
    assert_int_equal(m->count, 0);
    pinky_comm_matches_free(m);
}

/* ---- inside a caller's transaction ---- */

static void test_similar_in_transaction(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t d = pt_user();
    pinky_db *tx = NULL;
    pt_ok(pinky_db_begin(db, NULL, &tx));
    pinky_comm row;
    pinky_comm_init(&row);
    row.source = "mail";
    row.communication_date = pinky_time_val(fx.base);
    row.content_vector = (float *)query(1);
    row.content_vector_dim = DIM;
    const pinky_comm *items[] = {&row};
    pinky_uuid id;
    pt_ok(pinky_comm_ingest(tx, d, items, 1, NULL, NULL, &id));
    for (int exact = 0; exact < 2; exact++) {
        pinky_comm_similar_filter f;
        pinky_comm_similar_filter_init(&f);
        f.exact = exact;
        f.ef_search = 37;
        pinky_comm_matches *m = NULL;
        pt_ok(pinky_comm_similar(tx, d, query(1), DIM, 5, &f, &m));
        assert_int_equal(m->count, 1); /* its own uncommitted row */
        assert_true(pinky_uuid_equal(&m->items[0]->id, &id));
        pinky_comm_matches_free(m);
    }
    /* the search settings ended with the search, not with the caller's transaction */
    pt_ok(pinky_db_exec(tx, "DO $$ BEGIN IF current_setting('enable_indexscan') <> 'on' OR "
                            "current_setting('hnsw.iterative_scan') <> 'off' OR "
                            "current_setting('hnsw.ef_search') <> '40' THEN "
                            "RAISE EXCEPTION 'search settings leaked into the transaction'; END IF; END $$"));
    pt_ok(pinky_db_rollback(tx));
    assert_int_equal(pt_num("SELECT count(*) FROM communications WHERE user_id = %d", d), 0);

    /* on the pool: one connection, settings never carried to the next call */
    pinky_db_options o;
    pinky_db_options_init(&o);
    o.conninfo = pt_conninfo();
    o.max_connections = 1;
    pinky_db *one = NULL;
    pt_ok(pinky_db_open(&o, &one));
    pinky_comm_similar_filter f;
    pinky_comm_similar_filter_init(&f);
    f.exact = true;
    pinky_comm_matches *m = NULL;
    pt_ok(pinky_comm_similar(one, fx.a, query(2), DIM, 10, &f, &m));
    pinky_comm_matches_free(m);
    pt_ok(pinky_db_exec(one, "DO $$ BEGIN IF current_setting('enable_indexscan') <> 'on' THEN "
                             "RAISE EXCEPTION 'leaked'; END IF; END $$"));
    pinky_db_close(one);
}

/* ---- bad input ---- */

static void test_similar_bad_input(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    float *v = malloc(sizeof(float) * (DIM + 1));
    memcpy(v, query(0), sizeof(float) * DIM);
    v[DIM] = 0.5f;
    pinky_comm_matches *m = (pinky_comm_matches *)0x1;

    pt_status(pinky_comm_similar(db, fx.a, v, DIM - 1, 10, NULL, &m), PINKY_INVALID);
    pt_error_names("query");
    assert_non_null(strstr(pinky_error_last()->message, "1535"));
    assert_non_null(strstr(pinky_error_last()->message, "1536"));
    assert_null(m);
    pt_status(pinky_comm_similar(db, fx.a, v, DIM + 1, 10, NULL, &m), PINKY_INVALID);
    pt_error_names("query");
    pt_status(pinky_comm_similar(db, fx.a, v, 0, 10, NULL, &m), PINKY_INVALID);
    pt_error_names("query");
    pt_status(pinky_comm_similar(db, fx.a, NULL, DIM, 10, NULL, &m), PINKY_INVALID);
    pt_error_names("query");
    v[100] = NAN;
    pt_status(pinky_comm_similar(db, fx.a, v, DIM, 10, NULL, &m), PINKY_INVALID);
    pt_error_names("query");
    assert_non_null(strstr(pinky_error_last()->message, "NaN"));
    v[100] = INFINITY;
    pt_status(pinky_comm_similar(db, fx.a, v, DIM, 10, NULL, &m), PINKY_INVALID);
    pt_error_names("query");
    /* a zero query has no direction: its distances would all be NaN */
    float *zero = calloc(DIM, sizeof(float));
    pt_status(pinky_comm_similar(db, fx.a, zero, DIM, 10, NULL, &m), PINKY_INVALID);
    pt_error_names("query");
    pt_error_names("zero vector");
    free(zero);
    v[100] = 0.0f;
    pt_status(pinky_comm_similar(db, fx.a, v, DIM, 0, NULL, &m), PINKY_INVALID);
    pt_error_names("k");
    pt_status(pinky_comm_similar(db, fx.a, v, DIM, 1001, NULL, &m), PINKY_INVALID);
    pt_error_names("k");
    assert_null(m);
    pt_status(pinky_comm_similar(db, fx.a, v, DIM, 10, NULL, NULL), PINKY_INVALID);
    pt_error_names("out");
    pt_status(pinky_comm_similar(NULL, fx.a, v, DIM, 10, NULL, &m), PINKY_INVALID);

    pinky_comm_similar_filter f;
    pinky_comm_similar_filter_init(&f);
    f.ef_search = 1001;
    pt_status(pinky_comm_similar(db, fx.a, v, DIM, 10, &f, &m), PINKY_INVALID);
    pt_error_names("filter.ef_search");
    pinky_comm_similar_filter_init(&f);
    f.tag = "bad\xff";
    pt_status(pinky_comm_similar(db, fx.a, v, DIM, 10, &f, &m), PINKY_INVALID);
    pt_error_names("filter.tag");
    pinky_comm_similar_filter_init(&f);
    f.source = "\xc3";
    pt_status(pinky_comm_similar(db, fx.a, v, DIM, 10, &f, &m), PINKY_INVALID);
    pt_error_names("filter.source");
    pinky_comm_similar_filter_init(&f);
    f.struct_size = 8;
    pt_status(pinky_comm_similar(db, fx.a, v, DIM, 10, &f, &m), PINKY_INVALID);
    pt_error_names("struct_size");
    assert_null(m);

    /* the edges that are fine: k = 1 and 1000, ef_search 1 and 1000 */
    pinky_comm_similar_filter_init(&f);
    f.ef_search = 1;
    pt_ok(pinky_comm_similar(db, fx.a, v, DIM, 1, &f, &m));
    assert_int_equal(m->count, 1);
    pinky_comm_matches_free(m);
    f.ef_search = 1000;
    pt_ok(pinky_comm_similar(db, fx.a, v, DIM, 1000, &f, &m));
    assert_int_equal(m->count, 1000);
    pinky_comm_matches_free(m);
    pinky_comm_matches_free(NULL);
    free(v);
}

/* ---- ingest ---- */

static long long comm_count(void) { return pt_num("SELECT count(*) FROM communications"); }
static long long tag_count(void) { return pt_num("SELECT count(*) FROM communication_tags"); }

static void test_ingest_round_trip(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    float *vec = malloc(sizeof(float) * DIM);
    random_unit(vec);
    vec[0] = -0.0f;
    vec[1] = 1.17549435e-38f;
    vec[2] = 1e-45f; /* denormal: bit-exact through the binary format */
    pinky_time date;
    pt_ok(pinky_time_from_utc(2024, 2, 29, 13, 45, 0, 123457, &date));

    pinky_comm rows[3];
    for (int i = 0; i < 3; i++) {
        pinky_comm_init(&rows[i]);
        rows[i].source = "gmail";
        rows[i].communication_date = pinky_time_val(date + i);
    }
    rows[0].source_id = "msg-1";
    rows[0].sender = "Zoë <zoe@example.org>";
    rows[0].recipients = "[\"a@example.org\", \"b@example.org\"]";
    rows[0].subject = "Grüße";
    rows[0].content = "hello ✉";
    rows[0].content_vector = vec;
    rows[0].content_vector_dim = DIM;
    rows[0].attachments = "[]";
    rows[0].metadata = "{\"thread\": 7, \"labels\": [\"x\"]}";
    rows[1].communication_date = pinky_time_val(PINKY_TIME_NEG_INFINITY);
    rows[2].content_vector = vec;
    rows[2].content_vector_dim = DIM;
    rows[2].metadata = "null";
    const pinky_comm *items[] = {&rows[0], &rows[1], &rows[2]};
    const char *tags[] = {"work", "urgent", "work", "urgent", "solo"};
    size_t counts[] = {4, 0, 1};
    pinky_uuid ids[3];
    long long tags_before = tag_count();
    pt_ok(pinky_comm_ingest(db, uid, items, 3, tags, counts, ids));

    assert_int_equal(pt_num("SELECT count(*) FROM communications WHERE user_id = %d", uid), 3);
    assert_int_equal(tag_count() - tags_before, 3); /* the duplicates collapsed */
    char id[3][PINKY_UUID_STRLEN];
    for (int i = 0; i < 3; i++)
        pinky_uuid_format(&ids[i], id[i]);
    char *t0 = pt_str("SELECT string_agg(tag, '|' ORDER BY tag) FROM communication_tags "
                      "WHERE communication_id = '%s'", id[0]);
    assert_string_equal(t0, "urgent|work");
    free(t0);
    assert_int_equal(pt_num("SELECT count(*) FROM communication_tags WHERE communication_id = '%s'", id[1]), 0);
    char *t2 = pt_str("SELECT string_agg(tag, '|') FROM communication_tags WHERE communication_id = '%s'",
                      id[2]);
    assert_string_equal(t2, "solo");
    free(t2);
    /* every row: server timestamps set, NULLs where nothing was given */
    assert_int_equal(pt_num("SELECT count(*) FROM communications WHERE user_id = %d AND created_at IS NOT NULL "
                            "AND updated_at = created_at", uid), 3);
    assert_int_equal(pt_num("SELECT count(*) FROM communications WHERE id = '%s' AND source_id IS NULL AND "
                            "sender IS NULL AND recipients IS NULL AND content_vector IS NULL AND metadata IS NULL "
                            "AND communication_date = '-infinity'", id[1]), 1);
    assert_int_equal(pt_num("SELECT count(*) FROM communications WHERE id = '%s' AND metadata = 'null'::jsonb "
                            "AND vector_dims(content_vector) = %d", id[2], DIM), 1);
    assert_int_equal(pt_num("SELECT count(*) FROM communications WHERE id = '%s' AND "
                            "metadata = '{\"thread\": 7, \"labels\": [\"x\"]}'::jsonb AND attachments = '[]' "
                            "AND recipients->>1 = 'b@example.org' AND sender = 'Zoë <zoe@example.org>'", id[0]), 1);

    /* read back through the API: the ids are the rows, the vector bit-exact */
    pinky_comm *got = NULL;
    pt_ok(pinky_comm_get(db, uid, &ids[0], &got));
    assert_true(pinky_uuid_equal(&got->id, &ids[0]));
    assert_string_equal(got->source_id, "msg-1");
    assert_string_equal(got->subject, "Grüße");
    assert_string_equal(got->content, "hello ✉");
    assert_int_equal(got->communication_date.value, date);
    assert_int_equal(got->content_vector_dim, DIM);
    assert_memory_equal(got->content_vector, vec, sizeof(float) * DIM);
    pinky_comm_free(got);
    pt_ok(pinky_comm_get(db, uid, &ids[1], &got));
    assert_int_equal(got->communication_date.value, PINKY_TIME_NEG_INFINITY);
    assert_null(got->content_vector);
    pinky_comm_free(got);
    pinky_comm_tag_page *tp = NULL;
    pt_ok(pinky_comm_tag_list(db, uid, &ids[0], NULL, &tp));
    assert_int_equal(tp->count, 2);
    assert_string_equal(tp->items[0]->tag, "urgent");
    assert_string_equal(tp->items[1]->tag, "work");
    pinky_comm_tag_page_free(tp);

    /* the ingested vectors are searchable */
    pinky_comm_matches *m = NULL;
    pt_ok(pinky_comm_similar(db, uid, vec, DIM, 10, NULL, &m));
    assert_int_equal(m->count, 2);
    assert_true(m->distances[0] < 1e-6 && m->distances[1] < 1e-6);
    pinky_comm_matches_free(m);

    /* no tags at all, ids not wanted, and an empty batch */
    long long before = comm_count();
    pt_ok(pinky_comm_ingest(db, uid, items, 2, NULL, NULL, NULL));
    assert_int_equal(comm_count(), before + 2);
    size_t zero[] = {0, 0};
    pt_ok(pinky_comm_ingest(db, uid, items, 2, NULL, zero, NULL));
    assert_int_equal(comm_count(), before + 4);
    pt_ok(pinky_comm_ingest(db, uid, NULL, 0, NULL, NULL, NULL));
    assert_int_equal(comm_count(), before + 4);

    /* in a transaction that is rolled back: nothing stays */
    pinky_db *tx = NULL;
    pt_ok(pinky_db_begin(db, NULL, &tx));
    pt_ok(pinky_comm_ingest(tx, uid, items, 3, tags, counts, NULL));
    pt_ok(pinky_db_rollback(tx));
    assert_int_equal(comm_count(), before + 4);

    /* with auditing on: one audit row for the batch, in its transaction */
    pinky_db_options o;
    pinky_db_options_init(&o);
    o.conninfo = pt_conninfo();
    o.audit = true;
    pinky_db *audited = NULL;
    pt_ok(pinky_db_open(&o, &audited));
    pt_ok(pinky_comm_ingest(audited, uid, items, 3, tags, counts, NULL));
    pinky_db_close(audited);
    assert_int_equal(pt_num("SELECT count(*) FROM audit_logs WHERE user_id = %d AND action = 'comm.ingest' "
                            "AND details = '{\"count\": 3, \"tags\": 3}'::jsonb", uid), 1);
    free(vec);
}

static void test_ingest_invalid(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    float *vec = malloc(sizeof(float) * DIM);
    random_unit(vec);
    pinky_comm rows[5];
    const pinky_comm *items[5];
    for (int i = 0; i < 5; i++) {
        pinky_comm_init(&rows[i]);
        rows[i].source = "mail";
        rows[i].communication_date = pinky_time_val(fx.base);
        rows[i].content_vector = vec;
        rows[i].content_vector_dim = DIM;
        items[i] = &rows[i];
    }
    const char *tags[10] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"};
    size_t counts[5] = {2, 2, 2, 2, 2};
    pinky_uuid ids[5];
    memset(ids, 0xab, sizeof ids);
    long long comms = comm_count(), ntags = tag_count();

    rows[3].source = NULL;
    pt_status(pinky_comm_ingest(db, uid, items, 5, tags, counts, ids), PINKY_INVALID);
    pt_error_names("items[3]: comm.source");
    rows[3].source = "mail";
    rows[2].content_vector_dim = DIM - 1;
    pt_status(pinky_comm_ingest(db, uid, items, 5, tags, counts, ids), PINKY_INVALID);
    pt_error_names("items[2]: comm.content_vector");
    rows[2].content_vector_dim = DIM;
    rows[4].communication_date.is_set = false;
    pt_status(pinky_comm_ingest(db, uid, items, 5, tags, counts, ids), PINKY_INVALID);
    pt_error_names("items[4]: comm.communication_date");
    rows[4].communication_date.is_set = true;
    rows[0].metadata = "{not json";
    pt_status(pinky_comm_ingest(db, uid, items, 5, tags, counts, ids), PINKY_INVALID);
    pt_error_names("items[0]: comm.metadata");
    rows[0].metadata = NULL;
    items[1] = NULL;
    pt_status(pinky_comm_ingest(db, uid, items, 5, tags, counts, ids), PINKY_INVALID);
    pt_error_names("items[1]");
    items[1] = &rows[1];
    rows[1].struct_size = 12;
    pt_status(pinky_comm_ingest(db, uid, items, 5, tags, counts, ids), PINKY_INVALID);
    pt_error_names("items[1]");
    rows[1].struct_size = sizeof rows[1];

    char long_tag[257];
    memset(long_tag, 'x', 256);
    long_tag[256] = '\0';
    const char *bad_tags[] = {"", long_tag, "bad\xff", NULL};
    for (int i = 0; i < 4; i++) {
        tags[7] = bad_tags[i];
        pt_status(pinky_comm_ingest(db, uid, items, 5, tags, counts, ids), PINKY_INVALID);
        pt_error_names("tags[7]");
    }
    tags[7] = "h";
    pt_status(pinky_comm_ingest(db, uid, items, 5, NULL, counts, ids), PINKY_INVALID);
    pt_error_names("tags");
    pt_status(pinky_comm_ingest(db, uid, items, 5, tags, NULL, ids), PINKY_INVALID);
    pt_error_names("tag_counts");
    pt_status(pinky_comm_ingest(db, uid, NULL, 5, tags, counts, ids), PINKY_INVALID);
    pt_error_names("items");
    pt_status(pinky_comm_ingest(NULL, uid, items, 5, tags, counts, ids), PINKY_INVALID);

    /* a user that does not exist: NOT_FOUND, nothing written */
    pt_status(pinky_comm_ingest(db, 2147480000, items, 5, tags, counts, ids), PINKY_NOT_FOUND);
    pt_error_names("user_id");

    assert_int_equal(comm_count(), comms);
    assert_int_equal(tag_count(), ntags);
    for (int i = 0; i < 5; i++) /* ids_out untouched on failure */
        assert_int_equal(ids[i].bytes[0], 0xab);

    /* and the same batch, repaired, goes in whole */
    pt_ok(pinky_comm_ingest(db, uid, items, 5, tags, counts, ids));
    assert_int_equal(comm_count(), comms + 5);
    assert_int_equal(tag_count(), ntags + 10);
    for (int i = 0; i < 5; i++) {
        char id[PINKY_UUID_STRLEN];
        pinky_uuid_format(&ids[i], id);
        char *t = pt_str("SELECT string_agg(tag, '' ORDER BY tag) FROM communication_tags "
                         "WHERE communication_id = '%s'", id);
        char want[3] = {(char)('a' + 2 * i), (char)('b' + 2 * i), '\0'};
        assert_string_equal(t, want);
        free(t);
        assert_int_equal(pt_num("SELECT count(*) FROM communications WHERE id = '%s' AND user_id = %d", id,
                                uid), 1);
    }
    free(vec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ingest_round_trip),
        cmocka_unit_test(test_ingest_invalid),
        cmocka_unit_test(test_similar_recall),
        cmocka_unit_test(test_similar_filters),
        cmocka_unit_test(test_similar_plans),
        cmocka_unit_test(test_similar_tenancy),
        cmocka_unit_test(test_similar_in_transaction),
        cmocka_unit_test(test_similar_bad_input),
    };
    double t0 = now_s();
    int rc = cmocka_run_group_tests_name("similar", tests, fixture_setup, fixture_teardown);
    printf("# test_similar: %.1f s\n", now_s() - t0);
    return rc;
}
