/*
 * bench_comm -- communications: bulk ingest and similarity search.
 *
 *   PINKY_DSN=... bench_comm [--quick]
 *
 * Works in a scratch database of its own (created on the server PINKY_DSN
 * names, dropped at the end), so it may drop and rebuild the HNSW index.
 *
 *  1. Ingest: the same rows (1536-dim vectors, no HNSW index, so the cost is
 *     moving and parsing the rows) through pinky_comm_ingest (binary COPY,
 *     vectors in pgvector's binary format), through COPY in text format with
 *     '[...]' vectors, and through a prepared INSERT ... VALUES ($5::vector)
 *     loop with text vectors -- each in one transaction.  Then
 *     pinky_comm_ingest with the HNSW index maintained row by row (and the
 *     WAL it writes), next to building the index after loading.
 *  2. Similarity: top-10 latency p50/p95 and recall@10 against the exact
 *     scan at 10,000 and 100,000 clustered vectors (100 centroids, Gaussian
 *     noise, normalised; queries are fresh points), next to the exact scan's
 *     latency; then uniformly random vectors at ef_search 40 and 400.
 *
 * --quick skips the 100,000-vector case.  --toast first sets
 * content_vector's storage back to EXTENDED (moved out of the row into TOAST,
 * the column's default before migration 0004), to compare.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libpq-fe.h>
#include "pinky/pinky.h"

#define DIM PINKY_COMM_VECTOR_DIM
#define NCLUSTERS 100
#define SIGMA 0.02
#define BATCH 10000

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    const pinky_error *e = pinky_error_last();
    fprintf(stderr, "bench_comm: %s: %s %s\n", what, pinky_status_str(e->status), e->message);
    exit(1);
}

#define CHECK(expr)                  \
    do {                             \
        if ((expr) != PINKY_OK)      \
            die(#expr);              \
    } while (0)

/* ---- vectors ---- */

static uint64_t rng = 0x2545f4914f6cdd1dULL;
static uint64_t next64(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static double uniform(void) { return ((next64() >> 11) + 0.5) / 9007199254740992.0; }
static double gauss(void) { return sqrt(-2.0 * log(uniform())) * cos(6.283185307179586 * uniform()); }

static void normalise(float *v)
{
    double s = 0;
    for (int i = 0; i < DIM; i++)
        s += (double)v[i] * v[i];
    double inv = 1.0 / sqrt(s);
    for (int i = 0; i < DIM; i++)
        v[i] = (float)(v[i] * inv);
}

static float *centroids;

/* clustered: a random centroid plus noise; else a uniformly random direction */
static void make_point(float *v, bool clustered)
{
    if (clustered) {
        const float *c = centroids + (size_t)(next64() % NCLUSTERS) * DIM;
        for (int i = 0; i < DIM; i++)
            v[i] = (float)(c[i] + SIGMA * gauss());
    } else {
        for (int i = 0; i < DIM; i++)
            v[i] = (float)gauss();
    }
    normalise(v);
}

static size_t vector_text(const float *v, char *s)
{
    size_t n = 0;
    s[n++] = '[';
    for (int i = 0; i < DIM; i++)
        n += (size_t)sprintf(s + n, "%s%.9g", i ? "," : "", v[i]);
    s[n++] = ']';
    s[n] = '\0';
    return n;
}

/* ---- the scratch database ---- */

static PGconn *admin, *pg;
static char dbname[64];
static pinky_db *db;
static char *indexdef;

static PGresult *sql(PGconn *c, const char *text)
{
    PGresult *r = PQexec(c, text);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "bench_comm: %s: %s", text, PQerrorMessage(c));
        exit(1);
    }
    return r;
}
static void exec(PGconn *c, const char *text) { PQclear(sql(c, text)); }

static char *conninfo_for(const char *name)
{
    PQconninfoOption *opts = PQconninfoParse(getenv("PINKY_DSN"), NULL);
    if (opts == NULL) {
        fprintf(stderr, "bench_comm: cannot parse PINKY_DSN\n");
        exit(1);
    }
    size_t cap = 4096, len = 0;
    char *out = calloc(1, cap);
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        const char *v = strcmp(o->keyword, "dbname") == 0 ? name : o->val;
        if (v == NULL)
            continue;
        len += (size_t)snprintf(out + len, cap - len, "%s%s='", len ? " " : "", o->keyword);
        for (const char *p = v; *p && len + 4 < cap; p++) {
            if (*p == '\'' || *p == '\\')
                out[len++] = '\\';
            out[len++] = *p;
        }
        len += (size_t)snprintf(out + len, cap - len, "'");
    }
    PQconninfoFree(opts);
    return out;
}

static void drop_scratch(void)
{
    if (db)
        pinky_db_close(db);
    if (pg)
        PQfinish(pg);
    if (admin && dbname[0]) {
        char q[128];
        snprintf(q, sizeof q, "DROP DATABASE IF EXISTS %s WITH (FORCE)", dbname);
        PQclear(PQexec(admin, q));
    }
    if (admin)
        PQfinish(admin);
}

static void open_scratch(void)
{
    const char *dsn = getenv("PINKY_DSN");
    if (dsn == NULL || dsn[0] == '\0') {
        fprintf(stderr, "bench_comm: PINKY_DSN is not set (run it through scripts/with-db)\n");
        exit(1);
    }
    admin = PQconnectdb(dsn);
    if (PQstatus(admin) != CONNECTION_OK) {
        fprintf(stderr, "bench_comm: %s", PQerrorMessage(admin));
        exit(1);
    }
    snprintf(dbname, sizeof dbname, "pinky_bench_comm_%d", (int)getpid());
    char q[160];
    snprintf(q, sizeof q, "CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8'", dbname);
    exec(admin, q);
    atexit(drop_scratch);
    char *ci = conninfo_for(dbname);
    pinky_db_options o;
    pinky_db_options_init(&o);
    o.conninfo = ci;
    CHECK(pinky_db_open(&o, &db));
    CHECK(pinky_migrate(db));
    pg = PQconnectdb(ci);
    free(ci);
    if (PQstatus(pg) != CONNECTION_OK) {
        fprintf(stderr, "bench_comm: %s", PQerrorMessage(pg));
        exit(1);
    }
    exec(pg, "SET TimeZone = 'UTC'");
    PGresult *r = sql(pg, "SELECT indexdef FROM pg_indexes WHERE indexname = 'communications_content_vector_hnsw'");
    indexdef = strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
}

static int32_t new_user(void)
{
    static int n;
    char name[64];
    snprintf(name, sizeof name, "bench-%d", ++n);
    pinky_user u;
    pinky_user_init(&u);
    u.username = name;
    pinky_user *out = NULL;
    CHECK(pinky_user_create(db, &u, &out));
    int32_t id = out->id;
    pinky_user_free(out);
    return id;
}

static void drop_index(void) { exec(pg, "DROP INDEX IF EXISTS communications_content_vector_hnsw"); }

static double build_index(void)
{
    exec(pg, "SET maintenance_work_mem = '2GB'");
    double t0 = now_s();
    exec(pg, indexdef);
    double t = now_s() - t0;
    exec(pg, "RESET maintenance_work_mem");
    exec(pg, "ANALYZE communications");
    return t;
}

static void empty_tables(void) { exec(pg, "TRUNCATE communications, communication_tags"); }

static double wal_bytes(const char *from)
{
    char q[128];
    snprintf(q, sizeof q, "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '%s')", from);
    PGresult *r = sql(pg, q);
    double v = atof(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

static char *wal_lsn(void)
{
    PGresult *r = sql(pg, "SELECT pg_current_wal_lsn()");
    char *s = strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    return s;
}

/* ---- rows ---- */

typedef struct rows {
    size_t n;
    float *vecs;
    pinky_comm *comms;
    const pinky_comm **items;
    char (*subjects)[32];
} rows;

static pinky_time base_time;

static void rows_make(rows *r, size_t n, bool clustered)
{
    r->n = n;
    r->vecs = malloc(sizeof(float) * DIM * n);
    r->comms = calloc(n, sizeof *r->comms);
    r->items = calloc(n, sizeof *r->items);
    r->subjects = malloc(32 * n);
    for (size_t i = 0; i < n; i++) {
        make_point(r->vecs + i * DIM, clustered);
        pinky_comm_init(&r->comms[i]);
        r->comms[i].source = "mail";
        r->comms[i].communication_date = pinky_time_val(base_time + (pinky_time)i * 1000000);
        snprintf(r->subjects[i], 32, "message %zu", i);
        r->comms[i].subject = r->subjects[i];
        r->comms[i].content_vector = r->vecs + i * DIM;
        r->comms[i].content_vector_dim = DIM;
        r->items[i] = &r->comms[i];
    }
}

static void rows_free(rows *r)
{
    free(r->vecs);
    free(r->comms);
    free(r->items);
    free(r->subjects);
}

static void report_rate(const char *what, size_t n, double s)
{
    printf("comm ingest (%s): %zu rows in %.2f s = %.0f rows/s\n", what, n, s, n / s);
    fflush(stdout);
}

/* ---- 1. ingest ---- */

static double ingest_text_copy(int32_t user, const rows *r)
{
    char *line = malloc(64 + 40 + 32 + 17 * DIM + 8);
    double t0 = now_s();
    exec(pg, "BEGIN");
    PGresult *start = PQexec(pg, "COPY communications (user_id, source, communication_date, subject, "
                                 "content_vector) FROM STDIN");
    if (PQresultStatus(start) != PGRES_COPY_IN) {
        fprintf(stderr, "bench_comm: COPY: %s", PQerrorMessage(pg));
        exit(1);
    }
    PQclear(start);
    for (size_t i = 0; i < r->n; i++) {
        char date[PINKY_TIME_STRLEN];
        pinky_time_format(r->comms[i].communication_date.value, date);
        size_t n = (size_t)sprintf(line, "%d\tmail\t%s\t%s\t", user, date, r->subjects[i]);
        n += vector_text(r->vecs + i * DIM, line + n);
        line[n++] = '\n';
        if (PQputCopyData(pg, line, (int)n) != 1) {
            fprintf(stderr, "bench_comm: COPY: %s", PQerrorMessage(pg));
            exit(1);
        }
    }
    if (PQputCopyEnd(pg, NULL) != 1) {
        fprintf(stderr, "bench_comm: COPY end: %s", PQerrorMessage(pg));
        exit(1);
    }
    PGresult *res;
    while ((res = PQgetResult(pg)) != NULL) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            fprintf(stderr, "bench_comm: COPY: %s", PQerrorMessage(pg));
            exit(1);
        }
        PQclear(res);
    }
    exec(pg, "COMMIT");
    double t = now_s() - t0;
    free(line);
    return t;
}

static double ingest_text_insert(int32_t user, const rows *r)
{
    char *vec = malloc(17 * DIM + 8);
    char uid[16], date[PINKY_TIME_STRLEN];
    snprintf(uid, sizeof uid, "%d", user);
    double t0 = now_s();
    exec(pg, "BEGIN");
    PGresult *p = PQprepare(pg, "ins",
                            "INSERT INTO communications (user_id, source, communication_date, subject, "
                            "content_vector) VALUES ($1::int4, $2, $3::timestamptz, $4, $5::vector)",
                            5, NULL);
    if (PQresultStatus(p) != PGRES_COMMAND_OK) {
        fprintf(stderr, "bench_comm: prepare: %s", PQerrorMessage(pg));
        exit(1);
    }
    PQclear(p);
    for (size_t i = 0; i < r->n; i++) {
        pinky_time_format(r->comms[i].communication_date.value, date);
        vector_text(r->vecs + i * DIM, vec);
        const char *vals[5] = {uid, "mail", date, r->subjects[i], vec};
        PGresult *res = PQexecPrepared(pg, "ins", 5, vals, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            fprintf(stderr, "bench_comm: insert: %s", PQerrorMessage(pg));
            exit(1);
        }
        PQclear(res);
    }
    exec(pg, "COMMIT");
    double t = now_s() - t0;
    exec(pg, "DEALLOCATE ins");
    free(vec);
    return t;
}

static double ingest_binary(int32_t user, const rows *r)
{
    double t0 = now_s();
    for (size_t at = 0; at < r->n; at += BATCH) {
        size_t n = r->n - at < BATCH ? r->n - at : BATCH;
        CHECK(pinky_comm_ingest(db, user, r->items + at, n, NULL, NULL, NULL));
    }
    return now_s() - t0;
}

static void bench_ingest(size_t n, size_t n_indexed)
{
    rows r;
    rows_make(&r, n, true);
    int32_t user = new_user();
    printf("-- ingest: %zu rows of 1536-dim vectors, no vector index, one transaction each; "
           "the same rows each time\n", n);
    drop_index();
    empty_tables();
    report_rate("binary vectors, pinky_comm_ingest = binary COPY", n, ingest_binary(user, &r));
    empty_tables();
    report_rate("text vectors, COPY text format", n, ingest_text_copy(user, &r));
    empty_tables();
    report_rate("text vectors, prepared INSERT loop", n, ingest_text_insert(user, &r));
    char *buf = malloc(17 * DIM + 8);
    double f0 = now_s();
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += vector_text(r.vecs + i * DIM, buf);
    printf("   of which formatting the '[...]' text on the client: %.2f s (%.1f kB per vector as text, "
           "%.1f kB binary)\n", now_s() - f0, total / (double)n / 1024, (4 + 4.0 * DIM) / 1024);
    free(buf);

    /* with the HNSW index: maintained per row, or built afterwards */
    empty_tables();
    build_index();
    char *lsn = wal_lsn();
    rows part = r;
    part.n = n_indexed;
    double t = ingest_binary(user, &part);
    double wal = wal_bytes(lsn);
    free(lsn);
    report_rate("binary vectors, HNSW index maintained per row", n_indexed, t);
    printf("   WAL written: %.0f kB per row (pgvector logs each changed index page)\n", wal / n_indexed / 1024);
    empty_tables();
    drop_index();
    double t0 = now_s();
    t = ingest_binary(user, &r);
    double b = build_index();
    printf("comm ingest (binary vectors, then CREATE INDEX): %zu rows in %.2f s + index build %.2f s = "
           "%.0f rows/s overall\n", n, t, b, n / (now_s() - t0));
    fflush(stdout);
    empty_tables();
    rows_free(&r);
}

/* ---- 2. similarity ---- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, int n, double p)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    int i = (int)ceil(p * n) - 1;
    return v[i < 0 ? 0 : i];
}

/* Loads n points (clustered or uniform) for a new user, index built after. */
static int32_t load(size_t n, bool clustered)
{
    empty_tables();
    drop_index();
    int32_t user = new_user();
    double t0 = now_s();
    for (size_t at = 0; at < n; at += BATCH) {
        rows r;
        rows_make(&r, n - at < BATCH ? n - at : BATCH, clustered);
        CHECK(pinky_comm_ingest(db, user, r.items, r.n, NULL, NULL, NULL));
        rows_free(&r);
    }
    double t1 = now_s();
    double b = build_index();
    printf("-- %zu %s vectors: loaded in %.1f s, HNSW index built in %.1f s\n", n,
           clustered ? "clustered" : "uniformly random", t1 - t0, b);
    fflush(stdout);
    return user;
}

/* The exact top-10 of every query, and its latency. */
static pinky_uuid *exact_top(int32_t user, const float *queries, int nq, double *ms)
{
    pinky_uuid *ids = calloc((size_t)nq * 10, sizeof *ids);
    pinky_comm_similar_filter f;
    pinky_comm_similar_filter_init(&f);
    f.exact = true;
    for (int q = 0; q < nq; q++) {
        pinky_comm_matches *e = NULL;
        double t0 = now_s();
        CHECK(pinky_comm_similar(db, user, queries + (size_t)q * DIM, DIM, 10, &f, &e));
        ms[q] = (now_s() - t0) * 1000;
        for (size_t i = 0; i < e->count && i < 10; i++)
            ids[(size_t)q * 10 + i] = e->items[i]->id;
        pinky_comm_matches_free(e);
    }
    return ids;
}

static void search_round(int32_t user, const float *queries, int nq, uint32_t ef, const char *label,
                         const pinky_uuid *exact, const double *exact_ms)
{
    double *ann = malloc(sizeof(double) * nq), recall = 0;
    pinky_comm_similar_filter f;
    pinky_comm_similar_filter_init(&f);
    f.ef_search = ef;
    for (int q = 0; q < nq; q++) {
        pinky_comm_matches *a = NULL;
        double t0 = now_s();
        CHECK(pinky_comm_similar(db, user, queries + (size_t)q * DIM, DIM, 10, &f, &a));
        ann[q] = (now_s() - t0) * 1000;
        int hit = 0;
        for (size_t i = 0; i < a->count; i++)
            for (int j = 0; j < 10; j++)
                if (pinky_uuid_equal(&a->items[i]->id, &exact[(size_t)q * 10 + j])) {
                    hit++;
                    break;
                }
        recall += hit / 10.0;
        pinky_comm_matches_free(a);
    }
    printf("comm similar top-10 (%s, ef_search %u): p50 %.2f ms, p95 %.2f ms, recall@10 %.3f",
           label, ef, pct(ann, nq, 0.50), pct(ann, nq, 0.95), recall / nq);
    if (exact_ms) {
        double *ex = malloc(sizeof(double) * nq);
        memcpy(ex, exact_ms, sizeof(double) * nq);
        printf("; exact scan p50 %.1f ms, p95 %.1f ms", pct(ex, nq, 0.50), pct(ex, nq, 0.95));
        free(ex);
    }
    printf(" (%d queries)\n", nq);
    fflush(stdout);
    free(ann);
}

static void bench_similar(size_t n, int nq, bool clustered, const uint32_t *efs, int nefs)
{
    int32_t user = load(n, clustered);
    float *queries = malloc(sizeof(float) * DIM * nq);
    for (int q = 0; q < nq; q++)
        make_point(queries + (size_t)q * DIM, clustered);
    /* warm the caches: the first searches read the index from disk */
    pinky_comm_similar_filter f;
    pinky_comm_similar_filter_init(&f);
    for (int q = 0; q < nq && q < 20; q++) {
        pinky_comm_matches *m = NULL;
        CHECK(pinky_comm_similar(db, user, queries + (size_t)q * DIM, DIM, 10, &f, &m));
        pinky_comm_matches_free(m);
    }
    double *exact_ms = malloc(sizeof(double) * nq);
    pinky_uuid *exact = exact_top(user, queries, nq, exact_ms);
    char label[64];
    snprintf(label, sizeof label, "%zu %s", n, clustered ? "clustered" : "uniform");
    for (int i = 0; i < nefs; i++)
        search_round(user, queries, nq, efs[i], label, exact, i == 0 ? exact_ms : NULL);
    free(exact);
    free(exact_ms);
    free(queries);
}

int main(int argc, char **argv)
{
    bool quick = false, toast = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            quick = true;
        else if (strcmp(argv[i], "--toast") == 0)
            toast = true;
        else {
            fprintf(stderr, "usage: %s [--quick] [--toast]\n", argv[0]);
            return 2;
        }
    }
    double t0 = now_s();
    open_scratch();
    if (toast)
        exec(pg, "ALTER TABLE communications ALTER COLUMN content_vector SET STORAGE EXTENDED");
    pinky_time_from_utc(2024, 1, 1, 0, 0, 0, 0, &base_time);
    centroids = malloc(sizeof(float) * DIM * NCLUSTERS);
    for (int c = 0; c < NCLUSTERS; c++) {
        for (int i = 0; i < DIM; i++)
            centroids[(size_t)c * DIM + i] = (float)gauss();
        normalise(centroids + (size_t)c * DIM);
    }
    printf("bench_comm: clustered = %d random unit centroids + N(0, %.2f^2) per component, normalised; "
           "queries are fresh points; recall@10 = mean |index top-10 & exact top-10| / 10; "
           "content_vector stored %s\n",
           NCLUSTERS, SIGMA, toast ? "out of the row (STORAGE EXTENDED, --toast)" : "in the row (STORAGE MAIN, migration 0004)");

    bench_ingest(10000, 1000);

    const uint32_t clustered_efs[] = {100, 40};
    bench_similar(10000, 100, true, clustered_efs, 2);
    if (!quick)
        bench_similar(100000, 50, true, clustered_efs, 2);
    const uint32_t uniform_efs[] = {40, 400};
    bench_similar(10000, 100, false, uniform_efs, 2);

    printf("bench_comm: total %.0f s%s\n", now_s() - t0, quick ? " (--quick: no 100,000 case)" : "");
    free(centroids);
    free(indexdef);
    return 0;
}
