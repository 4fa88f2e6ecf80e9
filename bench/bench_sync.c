/*
 * bench_sync -- sync items in bulk: pinky_sync_item_upsert_many next to a
 * loop of pinky_sync_item_upsert, change detection, streaming.
 *
 *   PINKY_DSN=... bench_sync [--quick]
 *
 * Migrates the database PINKY_DSN names, works under a user of its own and
 * deletes that user (and so everything it wrote) at the end.
 *
 *  1. upsert_many: 100,000 new items in one call (binary COPY + one merging
 *     INSERT), then the same 100,000 again (all updates), then 100,000 in
 *     ten calls of 10,000.
 *  2. The alternatives: pinky_sync_item_upsert for each of 10,000 items, on
 *     the pool (a statement and a round trip each, autocommitted), again as
 *     updates, and inside one transaction; and the same INSERT ... ON
 *     CONFLICT statement per row through libpq's pipeline mode (prepared,
 *     text parameters, a sync point every 1,000 rows, one transaction) for
 *     100,000 items, inserted and then updated.
 *  3. detect_changes: a 100,000-item scan of a fresh connection (all new,
 *     applied), the same scan again (nothing changed), then with 1% of the
 *     hashes changed and 1% of the items gone (applied, paths returned).
 *  4. each: every item of the 100,000-item connection, in pages of 1,000.
 *
 * --quick: 20,000 items instead of 100,000 and 2,000 single upserts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libpq-fe.h>
#include "pinky/pinky.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    const pinky_error *e = pinky_error_last();
    fprintf(stderr, "bench_sync: %s: %s %s\n", what, pinky_status_str(e->status), e->message);
    exit(1);
}

#define CHECK(expr)             \
    do {                        \
        if ((expr) != PINKY_OK) \
            die(#expr);         \
    } while (0)

static void report(const char *what, size_t rows, double secs)
{
    printf("%s: %zu rows in %.2f s = %.0f rows/s\n", what, rows, secs, (double)rows / secs);
    fflush(stdout);
}

/* n items of one connection: path "<prefix>/dNNN/fNNNNNNN", size, hash, mtime */
typedef struct items {
    pinky_sync_item *rows;
    const pinky_sync_item **ptrs;
    char *text; /* paths and hashes, 96 bytes per item */
    size_t n;
} items;

static items make_items(const pinky_uuid *conn, size_t n, const char *prefix, int version)
{
    items it = {calloc(n, sizeof(pinky_sync_item)), calloc(n, sizeof(void *)), calloc(n, 96), n};
    if (it.rows == NULL || it.ptrs == NULL || it.text == NULL) {
        fprintf(stderr, "bench_sync: out of memory\n");
        exit(1);
    }
    pinky_time mtime = pinky_time_now() - INT64_C(86400000000);
    for (size_t i = 0; i < n; i++) {
        pinky_sync_item *r = &it.rows[i];
        pinky_sync_item_init(r);
        r->connection_id = *conn;
        char *path = it.text + 96 * i, *hash = path + 48;
        snprintf(path, 48, "%s/d%03zu/f%07zu.dat", prefix, i % 500, i);
        char input[64];
        snprintf(input, sizeof input, "%s-%d", path, version);
        char full[65];
        pinky_sha256_hex(input, strlen(input), full);
        memcpy(hash, full, 40); /* a 40-character digest is enough here */
        hash[40] = '\0';
        r->path = path;
        r->hash = hash;
        r->size = pinky_i64((int64_t)(i * 37 % 100000));
        r->mime_type = "application/octet-stream";
        r->local_modified = pinky_time_val(mtime + (pinky_time)i);
        it.ptrs[i] = r;
    }
    return it;
}

static void free_items(items *it)
{
    free(it->rows);
    free(it->ptrs);
    free(it->text);
}

static pinky_uuid new_connection(pinky_db *db, int32_t user, const char *name)
{
    pinky_platform_connection c;
    pinky_platform_connection_init(&c);
    c.name = (char *)name;
    c.platform = PINKY_PLATFORM_UBUNTU;
    c.root_path = "/srv";
    c.credentials = "{}";
    pinky_platform_connection *out = NULL;
    CHECK(pinky_platform_connection_create(db, user, &c, &out));
    pinky_uuid id = out->id;
    pinky_platform_connection_free(out);
    return id;
}

/* The per-row merging statement of the pipeline alternative: the same
   meaning as upsert_many for the columns these rows set. */
static const char pipe_sql[] =
    "INSERT INTO sync_items AS t (connection_id, path, is_directory, size, mime_type, hash, local_modified) "
    "VALUES ($1::uuid, $2::text, $3::bool, $4::int8, $5::text, $6::text, $7::timestamptz) "
    "ON CONFLICT (connection_id, path) DO UPDATE SET is_directory = EXCLUDED.is_directory, "
    "size = COALESCE(EXCLUDED.size, t.size), mime_type = COALESCE(EXCLUDED.mime_type, t.mime_type), "
    "hash = COALESCE(EXCLUDED.hash, t.hash), local_modified = COALESCE(EXCLUDED.local_modified, t.local_modified)";

static void pg_die(PGconn *pg, const char *what)
{
    fprintf(stderr, "bench_sync: %s: %s", what, PQerrorMessage(pg));
    exit(1);
}

/* Sends every row through libpq's pipeline mode; one transaction. */
static void pipeline_upsert(PGconn *pg, const items *it)
{
    PGresult *r = PQexec(pg, "BEGIN");
    PQclear(r);
    if (!PQenterPipelineMode(pg))
        pg_die(pg, "PQenterPipelineMode");
    if (!PQsendPrepare(pg, "pipe_upsert", pipe_sql, 7, NULL))
        pg_die(pg, "PQsendPrepare");
    size_t pending = 1; /* results owed before the next sync point */
    for (size_t i = 0; i < it->n; i++) {
        const pinky_sync_item *row = it->ptrs[i];
        char conn[PINKY_UUID_STRLEN], size[24], mtime[PINKY_TIME_STRLEN];
        pinky_uuid_format(&row->connection_id, conn);
        snprintf(size, sizeof size, "%lld", (long long)row->size.value);
        pinky_time_format(row->local_modified.value, mtime);
        const char *vals[7] = {conn, row->path, row->is_directory ? "t" : "f", size, row->mime_type,
                               row->hash, mtime};
        if (!PQsendQueryPrepared(pg, "pipe_upsert", 7, vals, NULL, NULL, 0))
            pg_die(pg, "PQsendQueryPrepared");
        pending++;
        if (pending >= 1000 || i + 1 == it->n) {
            if (!PQpipelineSync(pg))
                pg_die(pg, "PQpipelineSync");
            /* each query's result then NULL, then the sync point's result */
            for (;;) {
                PGresult *res = PQgetResult(pg);
                if (res == NULL)
                    continue;
                ExecStatusType st = PQresultStatus(res);
                PQclear(res);
                if (st == PGRES_PIPELINE_SYNC)
                    break;
                if (st != PGRES_COMMAND_OK)
                    pg_die(pg, "pipelined upsert");
            }
            pending = 0;
        }
    }
    if (!PQexitPipelineMode(pg))
        pg_die(pg, "PQexitPipelineMode");
    r = PQexec(pg, "COMMIT");
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        pg_die(pg, "COMMIT");
    PQclear(r);
    r = PQexec(pg, "DEALLOCATE pipe_upsert");
    PQclear(r);
}

static int count_fn(const pinky_sync_item *item, void *ctx)
{
    (void)item;
    ++*(size_t *)ctx;
    return 0;
}

int main(int argc, char **argv)
{
    bool quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    size_t bulk = quick ? 20000 : 100000, single = quick ? 2000 : 10000;
    pinky_db *db;
    CHECK(pinky_db_open(NULL, &db));
    CHECK(pinky_migrate(db));
    pinky_user u;
    pinky_user_init(&u);
    char name[64];
    snprintf(name, sizeof name, "bench-sync-%d-%lld", (int)getpid(), (long long)pinky_time_now());
    u.username = name;
    pinky_user *me;
    CHECK(pinky_user_create(db, &u, &me));
    int32_t uid = me->id;
    pinky_user_free(me);

    /* 1. upsert_many */
    pinky_uuid conn = new_connection(db, uid, "bulk");
    items a = make_items(&conn, bulk, "bulk", 1);
    pinky_sync_upsert_result res;
    pinky_sync_upsert_result_init(&res);
    double t0 = now_s();
    CHECK(pinky_sync_item_upsert_many(db, uid, a.ptrs, a.n, &res));
    report("sync_item upsert_many (insert, one call)", a.n, now_s() - t0);
    if (res.inserted != a.n)
        die("upsert_many inserted count");
    items a2 = make_items(&conn, bulk, "bulk", 2);
    t0 = now_s();
    CHECK(pinky_sync_item_upsert_many(db, uid, a2.ptrs, a2.n, &res));
    report("sync_item upsert_many (update, one call)", a2.n, now_s() - t0);
    if (res.updated != a2.n)
        die("upsert_many updated count");
    pinky_uuid conn_b = new_connection(db, uid, "bulk-batches");
    items b = make_items(&conn_b, bulk, "batches", 1);
    t0 = now_s();
    for (size_t at = 0; at < b.n; at += 10000) {
        size_t k = b.n - at < 10000 ? b.n - at : 10000;
        CHECK(pinky_sync_item_upsert_many(db, uid, b.ptrs + at, k, NULL));
    }
    report("sync_item upsert_many (insert, calls of 10000)", b.n, now_s() - t0);
    free_items(&b);

    /* 2. one pinky_sync_item_upsert per item */
    pinky_uuid conn_s = new_connection(db, uid, "single");
    items s = make_items(&conn_s, single, "single", 1);
    t0 = now_s();
    for (size_t i = 0; i < s.n; i++)
        CHECK(pinky_sync_item_upsert(db, uid, s.ptrs[i], NULL));
    report("sync_item upsert per row (insert, pool)", s.n, now_s() - t0);
    items s2 = make_items(&conn_s, single, "single", 2);
    t0 = now_s();
    for (size_t i = 0; i < s2.n; i++)
        CHECK(pinky_sync_item_upsert(db, uid, s2.ptrs[i], NULL));
    report("sync_item upsert per row (update, pool)", s2.n, now_s() - t0);
    pinky_uuid conn_t = new_connection(db, uid, "single-tx");
    items st = make_items(&conn_t, single, "single-tx", 1);
    t0 = now_s();
    pinky_db *tx;
    CHECK(pinky_db_begin(db, NULL, &tx));
    for (size_t i = 0; i < st.n; i++)
        CHECK(pinky_sync_item_upsert(tx, uid, st.ptrs[i], NULL));
    CHECK(pinky_db_commit(tx));
    report("sync_item upsert per row (insert, one transaction)", st.n, now_s() - t0);
    free_items(&s);
    free_items(&s2);
    free_items(&st);
    /* the pipeline alternative, on as many rows as upsert_many above */
    const char *dsn = getenv("PINKY_DSN");
    PGconn *pg = PQconnectdb(dsn ? dsn : "");
    if (PQstatus(pg) != CONNECTION_OK)
        pg_die(pg, "connect");
    pinky_uuid conn_p = new_connection(db, uid, "pipeline");
    items p1 = make_items(&conn_p, bulk, "pipeline", 1), p2 = make_items(&conn_p, bulk, "pipeline", 2);
    t0 = now_s();
    pipeline_upsert(pg, &p1);
    report("sync_item upsert pipelined (insert, libpq pipeline mode)", p1.n, now_s() - t0);
    t0 = now_s();
    pipeline_upsert(pg, &p2);
    report("sync_item upsert pipelined (update, libpq pipeline mode)", p2.n, now_s() - t0);
    PQfinish(pg);
    free_items(&p1);
    free_items(&p2);
    /* the same number of rows through upsert_many, for a like-for-like figure */
    pinky_uuid conn_m = new_connection(db, uid, "many-small");
    items m = make_items(&conn_m, single, "many-small", 1);
    t0 = now_s();
    CHECK(pinky_sync_item_upsert_many(db, uid, m.ptrs, m.n, NULL));
    report("sync_item upsert_many (insert, same rows as the loop)", m.n, now_s() - t0);
    free_items(&m);

    /* 3. detect_changes */
    pinky_uuid conn_d = new_connection(db, uid, "scan");
    items d = make_items(&conn_d, bulk, "scan", 1);
    pinky_sync_diff *diff = NULL;
    t0 = now_s();
    CHECK(pinky_sync_detect_changes(db, uid, &conn_d, d.ptrs, d.n, PINKY_SYNC_DIFF_APPLY, &diff));
    report("sync detect_changes (all new, applied)", d.n, now_s() - t0);
    if (diff->new_count != d.n)
        die("detect_changes new count");
    pinky_sync_diff_free(diff);
    t0 = now_s();
    CHECK(pinky_sync_detect_changes(db, uid, &conn_d, d.ptrs, d.n, PINKY_SYNC_DIFF_APPLY, &diff));
    report("sync detect_changes (unchanged)", d.n, now_s() - t0);
    if (diff->unchanged_count != d.n)
        die("detect_changes unchanged count");
    pinky_sync_diff_free(diff);
    /* 1% changed hashes, the last 1% gone */
    for (size_t i = 0; i < d.n; i += 100)
        d.rows[i].hash = "0000000000000000000000000000000000000000";
    size_t gone = d.n / 100;
    t0 = now_s();
    CHECK(pinky_sync_detect_changes(db, uid, &conn_d, d.ptrs, d.n - gone,
                                    PINKY_SYNC_DIFF_APPLY | PINKY_SYNC_DIFF_PATHS, &diff));
    double dt = now_s() - t0;
    report("sync detect_changes (1% changed, 1% gone, applied, paths)", d.n - gone, dt);
    printf("  diff: new %llu changed %llu unchanged %llu gone %llu conflict %llu, %zu paths\n",
           (unsigned long long)diff->new_count, (unsigned long long)diff->changed_count,
           (unsigned long long)diff->unchanged_count, (unsigned long long)diff->gone_count,
           (unsigned long long)diff->conflict_count, diff->npaths);
    pinky_sync_diff_free(diff);
    free_items(&d);

    /* 4. each */
    pinky_sync_item_filter f;
    pinky_sync_item_filter_init(&f);
    f.connection_id = pinky_uuid_val(&conn);
    size_t seen = 0;
    t0 = now_s();
    CHECK(pinky_sync_item_each(db, uid, &f, count_fn, &seen));
    report("sync_item each (pages of 1000)", seen, now_s() - t0);
    if (seen != bulk)
        die("each count");

    free_items(&a);
    free_items(&a2);
    CHECK(pinky_user_delete(db, uid));
    pinky_db_close(db);
    return 0;
}
