/*
 * The sync domain operations: the life of a sync operation (start,
 * progress, finish and its connection bookkeeping), bulk upsert, change
 * detection, conflict resolution and streaming.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include "testdb.h"

/* ---- helpers ---- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static pinky_time T(int hour)
{
    pinky_time t;
    pt_ok(pinky_time_from_utc(2024, 3, 1, hour, 0, 0, 0, &t));
    return t;
}

static pinky_uuid new_connection(int32_t user, const char *name)
{
    pinky_platform_connection c;
    pinky_platform_connection_init(&c);
    c.name = (char *)name;
    c.platform = PINKY_PLATFORM_UBUNTU;
    c.root_path = "/home/ada";
    c.credentials = "{}";
    pinky_platform_connection *out = NULL;
    pt_ok(pinky_platform_connection_create(pt_db(), user, &c, &out));
    pinky_uuid id = out->id;
    pinky_platform_connection_free(out);
    return id;
}

static pinky_uuid new_operation(int32_t user, const pinky_uuid *conn, pinky_sync_status status)
{
    pinky_sync_operation o;
    pinky_sync_operation_init(&o);
    o.connection_id = *conn;
    o.status = status;
    pinky_sync_operation *out = NULL;
    pt_ok(pinky_sync_operation_create(pt_db(), user, &o, &out));
    pinky_uuid id = out->id;
    pinky_sync_operation_free(out);
    return id;
}

static char *op_col(const pinky_uuid *op, const char *col)
{
    return pt_str("SELECT %s::text FROM sync_operations WHERE id = '%s'", col, pt_uuid_str(op));
}

static char *item_col(const pinky_uuid *conn, const char *path, const char *col)
{
    return pt_str("SELECT %s::text FROM sync_items WHERE connection_id = '%s' AND path = '%s'", col,
                  pt_uuid_str(conn), path);
}

static void assert_col(char *got, const char *want)
{
    if (want == NULL) {
        assert_null(got);
        return;
    }
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static long long items_of(const pinky_uuid *conn)
{
    return pt_num("SELECT count(*) FROM sync_items WHERE connection_id = '%s'", pt_uuid_str(conn));
}

/* n rows for one connection, path i = printf(fmt, i); local_modified T(1),
   size i, hash "h<i>". */
typedef struct batch {
    pinky_sync_item *rows;
    const pinky_sync_item **ptrs;
    char **paths;
    size_t n;
} batch;

static batch batch_new(const pinky_uuid *conn, size_t n, const char *fmt)
{
    batch b = {calloc(n ? n : 1, sizeof(pinky_sync_item)), calloc(n ? n : 1, sizeof(void *)),
               calloc(n ? n : 1, sizeof(char *)), n};
    for (size_t i = 0; i < n; i++) {
        pinky_sync_item *it = &b.rows[i];
        pinky_sync_item_init(it);
        it->connection_id = *conn;
        char path[128], hash[32];
        snprintf(path, sizeof path, fmt, i);
        snprintf(hash, sizeof hash, "h%zu", i);
        /* the path, and the hash at +128; tests may rewrite both */
        b.paths[i] = malloc(160);
        strcpy(b.paths[i], path);
        it->path = b.paths[i];
        it->hash = b.paths[i] + 128;
        strcpy(it->hash, hash);
        it->size = pinky_i64((int64_t)i);
        it->local_modified = pinky_time_val(T(1));
        b.ptrs[i] = it;
    }
    return b;
}

static void batch_free(batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->paths[i]);
    free(b->paths);
    free(b->ptrs);
    free(b->rows);
}

/* ---- sync_operations: start / progress / finish ---- */

static void test_operation_lifecycle(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user(), mallory = pt_user();
    pinky_uuid conn = new_connection(uid, "life");
    pinky_uuid op = new_operation(uid, &conn, PINKY_SYNC_STATUS_PENDING);
    pinky_sync_operation *out = NULL;

    /* bad arguments: nothing written */
    pt_status(pinky_sync_operation_start(db, uid, NULL, 1, &out), PINKY_INVALID);
    pt_error_names("operation_id");
    pt_status(pinky_sync_operation_start(db, uid, &op, -1, &out), PINKY_INVALID);
    pt_error_names("items_total");
    assert_null(out);
    assert_col(op_col(&op, "status"), "PENDING");
    /* progress before start */
    pt_status(pinky_sync_operation_progress(db, uid, &op, 1, 1, &out), PINKY_INVALID);
    pt_error_names("status");
    assert_non_null(strstr(pinky_error_last()->message, "PENDING"));
    assert_col(op_col(&op, "items_processed"), "0");
    /* another user's operation */
    pt_status(pinky_sync_operation_start(db, mallory, &op, 5, &out), PINKY_NOT_FOUND);
    assert_col(op_col(&op, "status"), "PENDING");

    pt_ok(pinky_sync_operation_start(db, uid, &op, 40, &out));
    assert_int_equal(out->status, PINKY_SYNC_STATUS_IN_PROGRESS);
    assert_true(out->items_total.is_set && out->items_total.value == 40);
    assert_true(out->items_processed.is_set && out->items_processed.value == 0);
    assert_false(out->end_time.is_set);
    pinky_sync_operation_free(out);
    assert_col(op_col(&op, "status"), "IN_PROGRESS");
    assert_col(op_col(&op, "items_total"), "40");
    assert_col(op_col(&op, "items_processed"), "0");

    /* starting twice */
    pt_status(pinky_sync_operation_start(db, uid, &op, 7, &out), PINKY_INVALID);
    pt_error_names("status");
    assert_non_null(strstr(pinky_error_last()->message, "IN_PROGRESS"));
    assert_col(op_col(&op, "items_total"), "40");

    pt_ok(pinky_sync_operation_progress(db, uid, &op, 12, INT64_C(5000000000), &out));
    assert_int_equal(out->items_processed.value, 12);
    assert_int_equal(out->bytes_transferred.value, INT64_C(5000000000));
    assert_int_equal(out->status, PINKY_SYNC_STATUS_IN_PROGRESS);
    pinky_sync_operation_free(out);
    pt_ok(pinky_sync_operation_progress(db, uid, &op, 20, 6000, NULL));
    assert_col(op_col(&op, "items_processed"), "20");
    assert_col(op_col(&op, "bytes_transferred"), "6000");
    pt_status(pinky_sync_operation_progress(db, uid, &op, -1, 0, &out), PINKY_INVALID);
    pt_error_names("items_processed");
    pt_status(pinky_sync_operation_progress(db, uid, &op, 1, -5, &out), PINKY_INVALID);
    pt_error_names("bytes_transferred");
    pt_status(pinky_sync_operation_progress(db, mallory, &op, 30, 1, &out), PINKY_NOT_FOUND);
    assert_col(op_col(&op, "items_processed"), "20");

    assert_col(pt_str("SELECT status FROM platform_connections WHERE id = '%s'", pt_uuid_str(&conn)),
               "DISCONNECTED");
    pt_ok(pinky_sync_operation_finish(db, uid, &op, PINKY_SYNC_STATUS_COMPLETED,
                                      "[{\"path\": \"a\", \"error\": \"EACCES\"}]", "[]", &out));
    assert_int_equal(out->status, PINKY_SYNC_STATUS_COMPLETED);
    assert_true(out->end_time.is_set);
    assert_string_equal(out->errors, "[{\"path\": \"a\", \"error\": \"EACCES\"}]");
    assert_string_equal(out->conflict_items, "[]");
    pinky_time end = out->end_time.value;
    assert_true(end >= out->start_time.value);
    pinky_sync_operation_free(out);
    /* the connection: last_sync_date is the operation's end_time, status CONNECTED */
    assert_int_equal(pt_num("SELECT count(*) FROM platform_connections c JOIN sync_operations o "
                            "ON o.connection_id = c.id WHERE o.id = '%s' AND c.last_sync_date = o.end_time "
                            "AND c.status = 'CONNECTED'", pt_uuid_str(&op)), 1);
    pinky_platform_connection *pc = NULL;
    pt_ok(pinky_platform_connection_get(db, uid, &conn, &pc));
    assert_true(pc->last_sync_date.is_set);
    assert_int_equal(pc->last_sync_date.value, end);
    assert_string_equal(pc->status, "CONNECTED");
    pinky_time conn_updated = pc->updated_at;
    pinky_platform_connection_free(pc);

    /* finished: nothing more, nothing written */
    char *end_before = op_col(&op, "end_time");
    pt_status(pinky_sync_operation_finish(db, uid, &op, PINKY_SYNC_STATUS_FAILED, NULL, NULL, &out),
              PINKY_INVALID);
    pt_error_names("status");
    assert_non_null(strstr(pinky_error_last()->message, "COMPLETED"));
    assert_null(out);
    pt_status(pinky_sync_operation_progress(db, uid, &op, 1, 1, NULL), PINKY_INVALID);
    pt_status(pinky_sync_operation_start(db, uid, &op, 1, NULL), PINKY_INVALID);
    assert_col(op_col(&op, "status"), "COMPLETED");
    assert_col(op_col(&op, "end_time"), end_before);
    free(end_before);
    pt_ok(pinky_platform_connection_get(db, uid, &conn, &pc));
    assert_string_equal(pc->status, "CONNECTED");
    assert_int_equal(pc->updated_at, conn_updated);
    pinky_platform_connection_free(pc);
}

static void test_operation_finish_statuses(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user(), mallory = pt_user();
    pinky_uuid conn = new_connection(uid, "statuses");
    static const struct {
        pinky_sync_status final;
        const char *conn_status;
    } cases[] = {{PINKY_SYNC_STATUS_FAILED, "ERROR"},
                 {PINKY_SYNC_STATUS_CONFLICT, "CONFLICT"},
                 {PINKY_SYNC_STATUS_COMPLETED, "CONNECTED"}};
    for (size_t k = 0; k < 3; k++) {
        /* straight from PENDING */
        pinky_uuid op = new_operation(uid, &conn, PINKY_SYNC_STATUS_PENDING);
        pinky_sync_operation *out = NULL;
        pt_ok(pinky_sync_operation_finish(db, uid, &op, cases[k].final, NULL, NULL, &out));
        assert_int_equal(out->status, cases[k].final);
        assert_null(out->errors);
        pinky_sync_operation_free(out);
        assert_col(pt_str("SELECT status FROM platform_connections WHERE id = '%s'", pt_uuid_str(&conn)),
                   cases[k].conn_status);
        assert_int_equal(pt_num("SELECT count(*) FROM platform_connections c, sync_operations o "
                                "WHERE c.id = '%s' AND o.id = '%s' AND c.last_sync_date = o.end_time",
                                pt_uuid_str(&conn), pt_uuid_str(&op)), 1);
    }

    pinky_uuid op = new_operation(uid, &conn, PINKY_SYNC_STATUS_PENDING);
    pt_ok(pinky_sync_operation_start(db, uid, &op, 3, NULL));
    pt_ok(pinky_sync_operation_update(db, uid, &op,
                                      &(pinky_sync_operation){.struct_size = sizeof(pinky_sync_operation),
                                                              .errors = "[\"kept\"]"},
                                      PINKY_SYNC_OPERATION_ERRORS, NULL, NULL));
    char *conn_before = pt_str("SELECT concat(status, last_sync_date, updated_at) FROM platform_connections WHERE id = '%s'", pt_uuid_str(&conn));
    pinky_sync_operation *out = NULL;
    /* not a final status, or not a status at all */
    const pinky_sync_status bad[] = {PINKY_SYNC_STATUS_PENDING, PINKY_SYNC_STATUS_IN_PROGRESS, 0, 6,
                                     (pinky_sync_status)-3};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pt_status(pinky_sync_operation_finish(db, uid, &op, bad[i], NULL, NULL, &out), PINKY_INVALID);
        pt_error_names("final_status");
        assert_null(out);
    }
    /* bad JSON */
    pt_status(pinky_sync_operation_finish(db, uid, &op, PINKY_SYNC_STATUS_FAILED, "{oops", NULL, &out),
              PINKY_INVALID);
    pt_error_names("errors");
    pt_status(pinky_sync_operation_finish(db, uid, &op, PINKY_SYNC_STATUS_FAILED, NULL, "[1,", &out),
              PINKY_INVALID);
    pt_error_names("conflict_items");
    pt_status(pinky_sync_operation_finish(db, uid, NULL, PINKY_SYNC_STATUS_FAILED, NULL, NULL, &out),
              PINKY_INVALID);
    pt_error_names("operation_id");
    /* another user's */
    pt_status(pinky_sync_operation_finish(db, mallory, &op, PINKY_SYNC_STATUS_FAILED, NULL, NULL, &out),
              PINKY_NOT_FOUND);
    assert_col(op_col(&op, "status"), "IN_PROGRESS");
    assert_col(op_col(&op, "end_time"), NULL);
    assert_col(pt_str("SELECT concat(status, last_sync_date, updated_at) FROM platform_connections WHERE id = '%s'", pt_uuid_str(&conn)),
               conn_before);
    free(conn_before);

    /* inside the caller's transaction: rolled back, nothing stays */
    pinky_db *tx = NULL;
    pt_ok(pinky_db_begin(db, NULL, &tx));
    pt_ok(pinky_sync_operation_finish(tx, uid, &op, PINKY_SYNC_STATUS_FAILED, NULL, "[\"x\"]", NULL));
    pt_ok(pinky_db_rollback(tx));
    assert_col(op_col(&op, "status"), "IN_PROGRESS");
    assert_col(pt_str("SELECT status FROM platform_connections WHERE id = '%s'", pt_uuid_str(&conn)), "CONNECTED");

    /* NULL errors keeps what was recorded */
    pt_ok(pinky_sync_operation_finish(db, uid, &op, PINKY_SYNC_STATUS_FAILED, NULL, "[\"b.txt\"]", &out));
    assert_string_equal(out->errors, "[\"kept\"]");
    assert_string_equal(out->conflict_items, "[\"b.txt\"]");
    pinky_sync_operation_free(out);
    assert_col(pt_str("SELECT status FROM platform_connections WHERE id = '%s'", pt_uuid_str(&conn)), "ERROR");
}

typedef struct race {
    pthread_barrier_t *barrier;
    int32_t user;
    pinky_uuid op;
    pinky_sync_status final;
    pinky_status got;
    char message[256];
} race;

static void *finisher(void *p)
{
    race *r = p;
    pthread_barrier_wait(r->barrier);
    r->got = pinky_sync_operation_finish(pt_db(), r->user, &r->op, r->final, NULL, NULL, NULL);
    snprintf(r->message, sizeof r->message, "%s", pinky_error_last()->message);
    return NULL;
}

static void test_operation_finish_race(void **state)
{
    (void)state;
    int32_t uid = pt_user();
    pinky_uuid conn = new_connection(uid, "race");
    pthread_barrier_t barrier;
    pthread_barrier_init(&barrier, NULL, 2);
    for (int round = 0; round < 25; round++) {
        pinky_uuid op = new_operation(uid, &conn, PINKY_SYNC_STATUS_PENDING);
        if (round % 2)
            pt_ok(pinky_sync_operation_start(pt_db(), uid, &op, 1, NULL));
        race r[2] = {{&barrier, uid, op, PINKY_SYNC_STATUS_COMPLETED, 0, ""},
                     {&barrier, uid, op, PINKY_SYNC_STATUS_FAILED, 0, ""}};
        pthread_t th[2];
        for (int i = 0; i < 2; i++)
            pthread_create(&th[i], NULL, finisher, &r[i]);
        for (int i = 0; i < 2; i++)
            pthread_join(th[i], NULL);
        int ok = (r[0].got == PINKY_OK) + (r[1].got == PINKY_OK);
        if (ok != 1)
            fprintf(stderr, "round %d: %s (%s) / %s (%s)\n", round, pinky_status_str(r[0].got),
                    r[0].message, pinky_status_str(r[1].got), r[1].message);
        assert_int_equal(ok, 1);
        race *winner = r[0].got == PINKY_OK ? &r[0] : &r[1];
        race *loser = winner == &r[0] ? &r[1] : &r[0];
        assert_int_equal(loser->got, PINKY_INVALID);
        assert_non_null(strstr(loser->message, "status"));
        assert_col(op_col(&op, "status"), pinky_sync_status_str(winner->final));
        assert_col(pt_str("SELECT status FROM platform_connections WHERE id = '%s'", pt_uuid_str(&conn)),
                   winner->final == PINKY_SYNC_STATUS_COMPLETED ? "CONNECTED" : "ERROR");
        assert_int_equal(pt_num("SELECT count(*) FROM platform_connections c, sync_operations o "
                                "WHERE c.id = '%s' AND o.id = '%s' AND c.last_sync_date = o.end_time",
                                pt_uuid_str(&conn), pt_uuid_str(&op)), 1);
    }
    pthread_barrier_destroy(&barrier);
}

/* ---- sync_items: upsert_many ---- */

static void test_upsert_many_basic(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    pinky_uuid conn = new_connection(uid, "bulk"), conn2 = new_connection(uid, "bulk2");
    batch b = batch_new(&conn, 300, "docs/file-%04zu.txt");
    /* the last 100 go to the user's second connection */
    for (size_t i = 200; i < 300; i++)
        b.rows[i].connection_id = conn2;
    b.rows[0].is_directory = true;
    b.rows[1].mime_type = "text/plain";
    b.rows[1].remote_modified = pinky_time_val(T(2));
    b.rows[1].sync_status = PINKY_SYNC_ITEM_STATUS_SYNCED;
    b.rows[1].last_synced = pinky_time_val(T(3));
    b.rows[1].has_conflict = pinky_bool(true);
    b.rows[1].conflict_resolution = PINKY_CONFLICT_RESOLUTION_BOTH;
    b.rows[2].hash = NULL;
    b.rows[2].size.is_set = false;
    pinky_sync_upsert_result res;
    pinky_sync_upsert_result_init(&res);
    assert_int_equal(res.struct_size, sizeof res);
    pt_ok(pinky_sync_item_upsert_many(db, uid, b.ptrs, b.n, &res));
    assert_int_equal(res.inserted, 300);
    assert_int_equal(res.updated, 0);
    assert_int_equal(items_of(&conn), 200);
    assert_int_equal(items_of(&conn2), 100);
    /* every column as given, defaults where unset */
    assert_col(item_col(&conn, "docs/file-0000.txt", "concat_ws('|', is_directory, size, mime_type, hash, local_modified = '2024-03-01T01:00Z', remote_modified, sync_status, last_synced, has_conflict, conflict_resolution)"),
               "t|0|h0|t|PENDING|f");
    assert_col(item_col(&conn, "docs/file-0001.txt", "concat_ws('|', is_directory, size, mime_type, hash, remote_modified = '2024-03-01T02:00Z', sync_status, last_synced = '2024-03-01T03:00Z', has_conflict, conflict_resolution)"),
               "f|1|text/plain|h1|t|SYNCED|t|t|BOTH");
    assert_col(item_col(&conn, "docs/file-0002.txt", "concat_ws('|', size, hash, sync_status)"), "PENDING");
    assert_col(item_col(&conn2, "docs/file-0250.txt", "concat_ws('|', size, hash)"), "250|h250");
    /* through the API too */
    pinky_sync_item_filter f;
    pinky_sync_item_filter_init(&f);
    f.connection_id = pinky_uuid_val(&conn);
    f.limit = 2;
    pinky_sync_item_page *pg = NULL;
    pt_ok(pinky_sync_item_list(db, uid, &f, &pg));
    assert_int_equal(pg->count, 2);
    assert_string_equal(pg->items[1]->path, "docs/file-0001.txt");
    assert_int_equal(pg->items[1]->sync_status, PINKY_SYNC_ITEM_STATUS_SYNCED);
    assert_int_equal(pg->items[1]->conflict_resolution, PINKY_CONFLICT_RESOLUTION_BOTH);
    assert_true(pg->items[0]->is_directory);
    assert_int_equal(pg->items[0]->sync_status, PINKY_SYNC_ITEM_STATUS_PENDING);
    assert_true(pg->items[0]->has_conflict.is_set && !pg->items[0]->has_conflict.value);
    pinky_sync_item_page_free(pg);
    char *id1 = item_col(&conn, "docs/file-0001.txt", "id");
    char *created1 = item_col(&conn, "docs/file-0001.txt", "created_at");

    /* again, changing a few fields and leaving the rest unset: unset keeps */
    batch u = batch_new(&conn, 300, "docs/file-%04zu.txt");
    for (size_t i = 0; i < u.n; i++) {
        if (i >= 200)
            u.rows[i].connection_id = conn2;
        u.rows[i].hash = NULL;                 /* keep */
        u.rows[i].local_modified.is_set = false; /* keep */
        u.rows[i].size = pinky_i64((int64_t)i * 10);
    }
    u.rows[0].is_directory = false; /* is_directory is always written */
    u.rows[1].mime_type = "text/markdown";
    pinky_sync_upsert_result_init(&res);
    pt_ok(pinky_sync_item_upsert_many(db, uid, u.ptrs, u.n, &res));
    assert_int_equal(res.inserted, 0);
    assert_int_equal(res.updated, 300);
    assert_col(item_col(&conn, "docs/file-0000.txt", "concat_ws('|', is_directory, size, hash, local_modified = '2024-03-01T01:00Z', sync_status, has_conflict)"),
               "f|0|h0|t|PENDING|f");
    assert_col(item_col(&conn, "docs/file-0001.txt", "concat_ws('|', size, mime_type, hash, remote_modified = '2024-03-01T02:00Z', sync_status, has_conflict, conflict_resolution)"),
               "10|text/markdown|h1|t|SYNCED|t|BOTH");
    assert_col(item_col(&conn2, "docs/file-0299.txt", "concat_ws('|', size, hash)"), "2990|h299");
    assert_col(item_col(&conn, "docs/file-0001.txt", "id"), id1);
    assert_col(item_col(&conn, "docs/file-0001.txt", "created_at"), created1);
    assert_int_equal(pt_num("SELECT count(*) FROM sync_items WHERE connection_id = '%s' AND updated_at > created_at",
                            pt_uuid_str(&conn)), 200);
    free(id1);
    free(created1);
    batch_free(&u);

    /* half old, half new */
    batch m = batch_new(&conn, 400, "docs/file-%04zu.txt");
    pinky_sync_upsert_result_init(&res);
    pt_ok(pinky_sync_item_upsert_many(db, uid, m.ptrs, m.n, &res));
    assert_int_equal(res.inserted, 200);
    assert_int_equal(res.updated, 200);
    assert_int_equal(items_of(&conn), 400);
    batch_free(&m);

    /* nothing to do; the result may be NULL */
    pinky_sync_upsert_result_init(&res);
    res.inserted = 77;
    pt_ok(pinky_sync_item_upsert_many(db, uid, NULL, 0, &res));
    assert_int_equal(res.inserted, 0);
    pt_ok(pinky_sync_item_upsert_many(db, uid, b.ptrs, 3, NULL));
    batch_free(&b);
}

/* A path named twice in one batch: once, with the last occurrence's values. */
static void test_upsert_many_duplicates(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    pinky_uuid conn = new_connection(uid, "dups");
    batch b = batch_new(&conn, 6, "same-%zu");
    b.rows[3].path = "same-0"; /* repeats rows 0 */
    b.rows[5].path = "same-0"; /* and again: this one wins */
    b.rows[4].path = "same-1"; /* repeats row 1: wins over it */
    b.rows[5].sync_status = PINKY_SYNC_ITEM_STATUS_FAILED;
    pinky_sync_upsert_result res;
    pinky_sync_upsert_result_init(&res);
    pt_ok(pinky_sync_item_upsert_many(db, uid, b.ptrs, b.n, &res));
    assert_int_equal(res.inserted, 3);
    assert_int_equal(res.updated, 0);
    assert_int_equal(items_of(&conn), 3);
    assert_col(item_col(&conn, "same-0", "concat_ws('|', size, hash, sync_status)"), "5|h5|FAILED");
    assert_col(item_col(&conn, "same-1", "concat_ws('|', size, hash, sync_status)"), "4|h4|PENDING");
    assert_col(item_col(&conn, "same-2", "concat_ws('|', size, hash)"), "2|h2");
    /* and over existing rows */
    b.rows[5].sync_status = 0;
    b.rows[5].hash = NULL;
    b.rows[3].hash = "ignored";
    pinky_sync_upsert_result_init(&res);
    pt_ok(pinky_sync_item_upsert_many(db, uid, b.ptrs, b.n, &res));
    assert_int_equal(res.inserted, 0);
    assert_int_equal(res.updated, 3);
    /* last wins as a whole row: its unset hash and status keep the stored ones */
    assert_col(item_col(&conn, "same-0", "concat_ws('|', size, hash, sync_status)"), "5|h5|FAILED");
    batch_free(&b);
}

/* Same meaning per row as pinky_sync_item_upsert: two connections with the
   same stored rows, one batch applied by each path, identical results. */
static void test_upsert_many_same_as_upsert(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    pinky_uuid a = new_connection(uid, "many"), b = new_connection(uid, "one");
    const pinky_uuid *conns[] = {&a, &b};
    enum { N = 64 };
    /* stored: every other row, with every field set */
    for (int k = 0; k < 2; k++) {
        for (int i = 0; i < N; i += 2) {
            pinky_sync_item it;
            pinky_sync_item_init(&it);
            it.connection_id = *conns[k];
            char path[32];
            snprintf(path, sizeof path, "p%02d", i);
            it.path = path;
            it.is_directory = true;
            it.size = pinky_i64(1000 + i);
            it.mime_type = "old/mime";
            it.hash = "oldhash";
            it.local_modified = pinky_time_val(T(1));
            it.remote_modified = pinky_time_val(T(2));
            it.sync_status = PINKY_SYNC_ITEM_STATUS_SYNCED;
            it.last_synced = pinky_time_val(T(3));
            it.has_conflict = pinky_bool(true);
            it.conflict_resolution = PINKY_CONFLICT_RESOLUTION_REMOTE;
            pt_ok(pinky_sync_item_upsert(db, uid, &it, NULL));
        }
    }
    /* the batch: each row sets a different subset of fields (bit j of i sets field j) */
    pinky_sync_item rows[N];
    const pinky_sync_item *ptrs[N];
    char paths[N][16];
    for (int i = 0; i < N; i++) {
        pinky_sync_item *it = &rows[i];
        pinky_sync_item_init(it);
        snprintf(paths[i], sizeof paths[i], "p%02d", i);
        it->path = paths[i];
        it->is_directory = (i % 3) == 0;
        unsigned bits = (unsigned)(i * 37u + 11u);
        if (bits & 1) it->size = pinky_i64(i);
        if (bits & 2) it->mime_type = "new/mime";
        if (bits & 4) it->hash = "newhash";
        if (bits & 8) it->local_modified = pinky_time_val(T(11));
        if (bits & 16) it->remote_modified = pinky_time_val(T(12));
        if (bits & 32) it->sync_status = PINKY_SYNC_ITEM_STATUS_FAILED;
        if (bits & 64) it->last_synced = pinky_time_val(T(13));
        if (bits & 128) it->has_conflict = pinky_bool(false);
        if (bits & 256) it->conflict_resolution = PINKY_CONFLICT_RESOLUTION_SKIP;
        ptrs[i] = it;
    }
    for (int i = 0; i < N; i++)
        rows[i].connection_id = a;
    pinky_sync_upsert_result res;
    pinky_sync_upsert_result_init(&res);
    pt_ok(pinky_sync_item_upsert_many(db, uid, ptrs, N, &res));
    assert_int_equal(res.inserted, N / 2);
    assert_int_equal(res.updated, N / 2);
    for (int i = 0; i < N; i++) {
        rows[i].connection_id = b;
        pt_ok(pinky_sync_item_upsert(db, uid, &rows[i], NULL));
    }
    const char *cols = "path, is_directory, size, mime_type, hash, local_modified, remote_modified, "
                       "sync_status, last_synced, has_conflict, conflict_resolution";
    assert_int_equal(pt_num("SELECT count(*) FROM (SELECT %s FROM sync_items WHERE connection_id = '%s' "
                            "EXCEPT SELECT %s FROM sync_items WHERE connection_id = '%s') d",
                            cols, pt_uuid_str(&a), cols, pt_uuid_str(&b)), 0);
    assert_int_equal(pt_num("SELECT count(*) FROM (SELECT %s FROM sync_items WHERE connection_id = '%s' "
                            "EXCEPT SELECT %s FROM sync_items WHERE connection_id = '%s') d",
                            cols, pt_uuid_str(&b), cols, pt_uuid_str(&a)), 0);
    assert_int_equal(items_of(&a), N);
    /* the mixed batch really mixed: some statuses kept, some written */
    assert_true(pt_num("SELECT count(*) FROM sync_items WHERE connection_id = '%s' AND sync_status = 'SYNCED'", pt_uuid_str(&a)) > 0);
    assert_true(pt_num("SELECT count(*) FROM sync_items WHERE connection_id = '%s' AND sync_status = 'FAILED'", pt_uuid_str(&a)) > 0);
    assert_true(pt_num("SELECT count(*) FROM sync_items WHERE connection_id = '%s' AND has_conflict", pt_uuid_str(&a)) > 0);

    /* batches where every row, or no row, sets sync_status and has_conflict */
    for (int all = 0; all < 2; all++) {
        for (int i = 0; i < N; i++) {
            rows[i].sync_status = all ? PINKY_SYNC_ITEM_STATUS_SYNCING : 0;
            rows[i].has_conflict = all ? pinky_bool(i % 2 == 0) : (pinky_opt_bool){false, false};
            rows[i].connection_id = a;
        }
        pt_ok(pinky_sync_item_upsert_many(db, uid, ptrs, N, NULL));
        for (int i = 0; i < N; i++) {
            rows[i].connection_id = b;
            pt_ok(pinky_sync_item_upsert(db, uid, &rows[i], NULL));
        }
        assert_int_equal(pt_num("SELECT count(*) FROM (SELECT %s FROM sync_items WHERE connection_id = '%s' "
                                "EXCEPT SELECT %s FROM sync_items WHERE connection_id = '%s') d",
                                cols, pt_uuid_str(&a), cols, pt_uuid_str(&b)), 0);
        assert_int_equal(pt_num("SELECT count(*) FROM sync_items WHERE connection_id = '%s' AND sync_status = 'SYNCING'",
                                pt_uuid_str(&a)), all ? N : 0);
    }
}

/* The defaults the bulk insert spells out are the schema's. */
static void test_upsert_many_defaults(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    pinky_uuid conn = new_connection(uid, "defaults");
    /* the columns with defaults: a new one must be added to sync_bulk.c's item_defaults */
    assert_col(pt_str("SELECT string_agg(column_name::text, ',' ORDER BY column_name) FROM information_schema.columns "
                      "WHERE table_schema = current_schema() AND table_name = 'sync_items' AND column_default IS NOT NULL"),
               "created_at,has_conflict,id,sync_status,updated_at");
    pinky_sync_item it;
    pinky_sync_item_init(&it);
    it.connection_id = conn;
    it.path = "bare";
    const pinky_sync_item *one[] = {&it};
    pt_ok(pinky_sync_item_upsert_many(db, uid, one, 1, NULL));
    const char *cols[] = {"sync_status", "has_conflict"};
    for (size_t i = 0; i < 2; i++) {
        char *def = pt_str("SELECT column_default FROM information_schema.columns WHERE table_schema = current_schema() "
                           "AND table_name = 'sync_items' AND column_name = '%s'", cols[i]);
        char *want = pt_str("SELECT (%s)::text", def);
        char *got = item_col(&conn, "bare", cols[i]);
        if (strcmp(want, got) != 0)
            fprintf(stderr, "%s: catalog default %s = %s, upsert_many stored %s\n", cols[i], def, want, got);
        assert_string_equal(want, got);
        free(def);
        free(want);
        free(got);
    }
    /* the same as the single-row path, which leaves them to the column defaults */
    it.path = "bare-single";
    pt_ok(pinky_sync_item_upsert(db, uid, &it, NULL));
    assert_int_equal(pt_num("SELECT count(DISTINCT (sync_status, has_conflict)) FROM sync_items WHERE connection_id = '%s'",
                            pt_uuid_str(&conn)), 1);
}

static void test_upsert_many_bad_input(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user(), mallory = pt_user();
    pinky_uuid conn = new_connection(uid, "bad"), theirs = new_connection(mallory, "theirs");
    batch b = batch_new(&conn, 20, "ok-%zu");
    pinky_sync_upsert_result res;
    pinky_sync_upsert_result_init(&res);

    b.rows[17].path = "";
    pt_status(pinky_sync_item_upsert_many(db, uid, b.ptrs, b.n, &res), PINKY_INVALID);
    assert_string_equal(pinky_error_last()->message, "items[17]: sync_item.path: must not be empty");
    b.rows[17].path = b.paths[17];

    char *long_mime = malloc(257);
    memset(long_mime, 'm', 256);
    long_mime[256] = '\0';
    b.rows[3].mime_type = long_mime;
    pt_status(pinky_sync_item_upsert_many(db, uid, b.ptrs, b.n, &res), PINKY_INVALID);
    pt_error_names("items[3]: sync_item.mime_type");
    b.rows[3].mime_type = NULL;
    free(long_mime);

    b.rows[19].sync_status = (pinky_sync_item_status)9;
    pt_status(pinky_sync_item_upsert_many(db, uid, b.ptrs, b.n, &res), PINKY_INVALID);
    pt_error_names("items[19]: sync_item.sync_status");
    b.rows[19].sync_status = 0;

    b.rows[5].path = "bad\xff utf8";
    pt_status(pinky_sync_item_upsert_many(db, uid, b.ptrs, b.n, &res), PINKY_INVALID);
    pt_error_names("items[5]: sync_item.path");
    b.rows[5].path = b.paths[5];

    b.rows[8].struct_size = 12;
    pt_status(pinky_sync_item_upsert_many(db, uid, b.ptrs, b.n, &res), PINKY_INVALID);
    pt_error_names("items[8]");
    b.rows[8].struct_size = sizeof(pinky_sync_item);

    b.ptrs[11] = NULL;
    pt_status(pinky_sync_item_upsert_many(db, uid, b.ptrs, b.n, &res), PINKY_INVALID);
    pt_error_names("items[11]");
    b.ptrs[11] = &b.rows[11];

    pt_status(pinky_sync_item_upsert_many(db, uid, NULL, 2, &res), PINKY_INVALID);
    pt_error_names("items");
    pinky_sync_upsert_result bad_res = {.struct_size = 4};
    pt_status(pinky_sync_item_upsert_many(db, uid, b.ptrs, b.n, &bad_res), PINKY_INVALID);
    pt_error_names("result");
    pt_status(pinky_sync_item_upsert_many(NULL, uid, b.ptrs, b.n, &res), PINKY_INVALID);

    /* a connection of another user, or none at all: NOT_FOUND naming the item */
    b.rows[12].connection_id = theirs;
    pt_status(pinky_sync_item_upsert_many(db, uid, b.ptrs, b.n, &res), PINKY_NOT_FOUND);
    pt_error_names("items[12].connection_id");
    pinky_uuid nowhere;
    pinky_uuid_generate(&nowhere);
    b.rows[12].connection_id = conn;
    b.rows[4].connection_id = nowhere;
    pt_status(pinky_sync_item_upsert_many(db, uid, b.ptrs, b.n, &res), PINKY_NOT_FOUND);
    pt_error_names("items[4].connection_id");
    b.rows[4].connection_id = conn;
    /* mallory cannot write into ours either */
    pt_status(pinky_sync_item_upsert_many(db, mallory, b.ptrs, b.n, &res), PINKY_NOT_FOUND);
    pt_error_names("items[0].connection_id");

    /* nothing of any rejected batch was written */
    assert_int_equal(items_of(&conn), 0);
    assert_int_equal(items_of(&theirs), 0);
    assert_int_equal(res.inserted + res.updated, 0);

    /* and the batch as it is now is fine */
    pt_ok(pinky_sync_item_upsert_many(db, uid, b.ptrs, b.n, &res));
    assert_int_equal(res.inserted, 20);
    assert_int_equal(items_of(&conn), 20);
    batch_free(&b);
}

/* Twice in the caller's transaction (the temporary table is made again),
   then a rollback leaves nothing; a commit keeps both. */
static void test_upsert_many_in_transaction(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    pinky_uuid conn = new_connection(uid, "tx");
    batch b1 = batch_new(&conn, 50, "one-%zu"), b2 = batch_new(&conn, 70, "two-%zu");
    for (int commit = 0; commit < 2; commit++) {
        pinky_db *tx = NULL;
        pt_ok(pinky_db_begin(db, NULL, &tx));
        pinky_sync_upsert_result res;
        pinky_sync_upsert_result_init(&res);
        pt_ok(pinky_sync_item_upsert_many(tx, uid, b1.ptrs, b1.n, &res));
        assert_int_equal(res.inserted, 50);
        pt_ok(pinky_sync_item_upsert_many(tx, uid, b2.ptrs, b2.n, &res));
        assert_int_equal(res.inserted, 70);
        pt_ok(pinky_sync_item_upsert_many(tx, uid, b1.ptrs, b1.n, &res));
        assert_int_equal(res.updated, 50);
        if (commit)
            pt_ok(pinky_db_commit(tx));
        else
            pt_ok(pinky_db_rollback(tx));
        assert_int_equal(items_of(&conn), commit ? 120 : 0);
    }
    /* a failure inside the caller's transaction fails that transaction */
    pinky_db *tx = NULL;
    pt_ok(pinky_db_begin(db, NULL, &tx));
    pinky_uuid nowhere;
    pinky_uuid_generate(&nowhere);
    b2.rows[9].connection_id = nowhere;
    pt_status(pinky_sync_item_upsert_many(tx, uid, b2.ptrs, b2.n, NULL), PINKY_NOT_FOUND);
    pt_ok(pinky_db_rollback(tx));
    batch_free(&b1);
    batch_free(&b2);
}

static void test_upsert_many_large(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    pinky_uuid conn = new_connection(uid, "large");
    batch b = batch_new(&conn, 20000, "big/%06zu");
    pinky_sync_upsert_result res;
    pinky_sync_upsert_result_init(&res);
    double t0 = now_s();
    pt_ok(pinky_sync_item_upsert_many(db, uid, b.ptrs, b.n, &res));
    double t1 = now_s();
    pt_ok(pinky_sync_item_upsert_many(db, uid, b.ptrs, b.n, &res));
    double t2 = now_s();
    printf("  upsert_many 20000 rows: insert %.3f s, re-upsert %.3f s\n", t1 - t0, t2 - t1);
    assert_int_equal(res.updated, 20000);
    assert_int_equal(items_of(&conn), 20000);
    assert_int_equal(pt_num("SELECT sum(size) FROM sync_items WHERE connection_id = '%s'", pt_uuid_str(&conn)),
                     20000LL * 19999 / 2);
    assert_int_equal(pt_num("SELECT count(*) FROM sync_items WHERE connection_id = '%s' AND hash = 'h' || size",
                            pt_uuid_str(&conn)), 20000);
    batch_free(&b);
}

/* ---- detect_changes ---- */

static pinky_sync_diff *detect(int32_t uid, const pinky_uuid *conn, const batch *b, unsigned flags)
{
    pinky_sync_diff *d = NULL;
    pt_ok(pinky_sync_detect_changes(pt_db(), uid, conn, b->ptrs, b->n, flags, &d));
    assert_non_null(d);
    assert_int_equal(d->struct_size, sizeof *d);
    return d;
}

static void assert_counts(const pinky_sync_diff *d, uint64_t nw, uint64_t ch, uint64_t un,
                          uint64_t gone, uint64_t conf)
{
    if (d->new_count != nw || d->changed_count != ch || d->unchanged_count != un ||
        d->gone_count != gone || d->conflict_count != conf)
        fprintf(stderr, "diff: new %llu changed %llu unchanged %llu gone %llu conflict %llu\n",
                (unsigned long long)d->new_count, (unsigned long long)d->changed_count,
                (unsigned long long)d->unchanged_count, (unsigned long long)d->gone_count,
                (unsigned long long)d->conflict_count);
    assert_int_equal(d->new_count, nw);
    assert_int_equal(d->changed_count, ch);
    assert_int_equal(d->unchanged_count, un);
    assert_int_equal(d->gone_count, gone);
    assert_int_equal(d->conflict_count, conf);
}

static void test_detect_changes(void **state)
{
    (void)state;
    int32_t uid = pt_user();
    pinky_uuid conn = new_connection(uid, "scan"), other = new_connection(uid, "other");
    enum { N = 5000 };
    batch b = batch_new(&other, N, "home/dir%02zu/file.bin"); /* connection_id is overwritten */
    for (size_t i = 0; i < N; i++) {
        snprintf(b.paths[i], 128, "home/d%03zu/f%04zu", i % 97, i);
        snprintf(b.rows[i].hash, 32, "h%zu", i % 1000);
        b.rows[i].mime_type = "application/octet-stream";
    }
    b.rows[7].is_directory = true;
    b.rows[7].hash = NULL;
    b.rows[7].size.is_set = false;
    /* an item of the other connection is not part of this one */
    pinky_sync_item o;
    pinky_sync_item_init(&o);
    o.connection_id = other;
    o.path = "elsewhere";
    o.local_modified = pinky_time_val(T(1));
    pt_ok(pinky_sync_item_upsert(pt_db(), uid, &o, NULL));

    /* classification alone writes nothing */
    pinky_sync_diff *d = detect(uid, &conn, &b, PINKY_SYNC_DIFF_PATHS);
    assert_counts(d, N, 0, 0, 0, 0);
    assert_int_equal(d->npaths, N);
    pinky_sync_diff_free(d);
    assert_int_equal(items_of(&conn), 0);

    /* first run: all new */
    double t0 = now_s();
    d = detect(uid, &conn, &b, PINKY_SYNC_DIFF_APPLY | PINKY_SYNC_DIFF_PATHS);
    double t1 = now_s();
    printf("  detect_changes %d items, first run (all new, applied): %.3f s\n", N, t1 - t0);
    assert_true(t1 - t0 < 1.0);
    assert_counts(d, N, 0, 0, 0, 0);
    assert_int_equal(d->npaths, N);
    for (size_t i = 0; i < d->npaths; i++) {
        assert_int_equal(d->paths[i][0], '+');
        if (i)
            assert_true(strcmp(d->paths[i - 1], d->paths[i]) < 0); /* sorted (C collation here) */
    }
    pinky_sync_diff_free(d);
    assert_int_equal(items_of(&conn), N);
    assert_int_equal(items_of(&other), 1);
    assert_int_equal(pt_num("SELECT count(*) FROM sync_items WHERE connection_id = '%s' AND sync_status = 'PENDING' "
                            "AND NOT has_conflict AND local_modified = '2024-03-01T01:00Z' AND mime_type IS NOT NULL",
                            pt_uuid_str(&conn)), N);
    assert_col(item_col(&conn, b.rows[7].path, "concat_ws('|', is_directory, size, hash)"), "t");
    assert_col(item_col(&conn, b.rows[42].path, "concat_ws('|', is_directory, size, hash)"), "f|42|h42");

    /* second identical run: nothing changed, nothing written */
    char *stamp = pt_str("SELECT max(updated_at)::text FROM sync_items WHERE connection_id = '%s'", pt_uuid_str(&conn));
    t0 = now_s();
    d = detect(uid, &conn, &b, PINKY_SYNC_DIFF_APPLY | PINKY_SYNC_DIFF_PATHS);
    t1 = now_s();
    printf("  detect_changes %d items, second run (unchanged): %.3f s\n", N, t1 - t0);
    assert_true(t1 - t0 < 1.0);
    assert_counts(d, 0, 0, N, 0, 0);
    assert_int_equal(d->npaths, 0);
    assert_null(d->paths);
    pinky_sync_diff_free(d);
    assert_col(pt_str("SELECT max(updated_at)::text FROM sync_items WHERE connection_id = '%s'", pt_uuid_str(&conn)), stamp);
    free(stamp);

    /* one hash changes */
    b.rows[1234].hash = "changed";
    d = detect(uid, &conn, &b, PINKY_SYNC_DIFF_APPLY | PINKY_SYNC_DIFF_PATHS);
    assert_counts(d, 0, 1, N - 1, 0, 0);
    assert_int_equal(d->npaths, 1);
    char want[64];
    snprintf(want, sizeof want, "~%s", b.rows[1234].path);
    assert_string_equal(d->paths[0], want);
    pinky_sync_diff_free(d);
    assert_col(item_col(&conn, b.rows[1234].path, "hash"), "changed");

    /* one disappears: gone, and marked as a tombstone */
    const char *gone_path = b.rows[N - 1].path;
    b.n = N - 1;
    d = detect(uid, &conn, &b, PINKY_SYNC_DIFF_APPLY | PINKY_SYNC_DIFF_PATHS);
    assert_counts(d, 0, 0, N - 1, 1, 0);
    assert_int_equal(d->npaths, 1);
    snprintf(want, sizeof want, "-%s", gone_path);
    assert_string_equal(d->paths[0], want);
    pinky_sync_diff_free(d);
    assert_col(item_col(&conn, gone_path, "concat_ws('|', local_modified IS NULL, sync_status, size, hash)"),
               "t|PENDING|4999|h999");
    assert_int_equal(items_of(&conn), N);
    /* a tombstone is not gone again */
    d = detect(uid, &conn, &b, PINKY_SYNC_DIFF_APPLY);
    assert_counts(d, 0, 0, N - 1, 0, 0);
    pinky_sync_diff_free(d);
    /* several kinds at once, sorted by path; is_directory and size changes count */
    b.n = N;
    b.rows[7].is_directory = false;
    b.rows[100].size = pinky_i64(1);
    b.rows[200].local_modified = pinky_time_val(T(5));
    d = detect(uid, &conn, &b, PINKY_SYNC_DIFF_PATHS);
    assert_counts(d, 1, 3, N - 4, 0, 0);
    assert_int_equal(d->npaths, 4);
    for (size_t i = 1; i < d->npaths; i++)
        assert_true(strcmp(d->paths[i - 1] + 1, d->paths[i] + 1) < 0);
    int plus = 0, tilde = 0;
    for (size_t i = 0; i < d->npaths; i++) {
        plus += d->paths[i][0] == '+' && strcmp(d->paths[i] + 1, gone_path) == 0;
        tilde += d->paths[i][0] == '~';
    }
    assert_int_equal(plus, 1);
    assert_int_equal(tilde, 3);
    pinky_sync_diff_free(d);
    /* without PATHS: counts only; without out: just applied */
    d = detect(uid, &conn, &b, 0);
    assert_null(d->paths);
    assert_int_equal(d->npaths, 0);
    pinky_sync_diff_free(d);
    pt_ok(pinky_sync_detect_changes(pt_db(), uid, &conn, b.ptrs, b.n, PINKY_SYNC_DIFF_APPLY, NULL));
    /* the tombstone that reappeared is live again */
    assert_col(item_col(&conn, gone_path, "concat_ws('|', local_modified = '2024-03-01T01:00Z', sync_status)"),
               "t|PENDING");
    assert_col(item_col(&conn, b.rows[100].path, "size"), "1");
    d = detect(uid, &conn, &b, 0);
    assert_counts(d, 0, 0, N, 0, 0);
    pinky_sync_diff_free(d);

    /* an empty scan: everything is gone */
    d = NULL;
    pt_ok(pinky_sync_detect_changes(pt_db(), uid, &conn, NULL, 0, PINKY_SYNC_DIFF_APPLY, &d));
    assert_counts(d, 0, 0, 0, N, 0);
    pinky_sync_diff_free(d);
    assert_int_equal(pt_num("SELECT count(*) FROM sync_items WHERE connection_id = '%s' AND local_modified IS NULL "
                            "AND sync_status = 'PENDING'", pt_uuid_str(&conn)), N);
    assert_int_equal(items_of(&other), 1);
    assert_col(pt_str("SELECT concat_ws('|', local_modified IS NULL, sync_status) FROM sync_items "
                      "WHERE connection_id = '%s'", pt_uuid_str(&other)), "f|PENDING");
    batch_free(&b);
}

static void test_detect_conflicts(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    pinky_uuid conn = new_connection(uid, "conflicts");
    /* stored: synced at T(3); "remote" changed at T(4) after that sync,
       "local" before; "never" was never synced */
    const char *names[] = {"both", "local-only", "remote-only", "never"};
    for (int i = 0; i < 4; i++) {
        pinky_sync_item it;
        pinky_sync_item_init(&it);
        it.connection_id = conn;
        it.path = (char *)names[i];
        it.hash = "v1";
        it.size = pinky_i64(10);
        it.local_modified = pinky_time_val(T(2));
        if (i != 3) {
            it.last_synced = pinky_time_val(T(3));
            it.sync_status = PINKY_SYNC_ITEM_STATUS_SYNCED;
        }
        it.remote_modified = pinky_time_val(i == 0 || i == 2 || i == 3 ? T(4) : T(1));
        pt_ok(pinky_sync_item_upsert(db, uid, &it, NULL));
    }
    /* the scan: "both" and "local-only" and "never" changed locally at T(5) */
    batch b = batch_new(&conn, 4, "x%zu");
    for (int i = 0; i < 4; i++) {
        b.rows[i].path = (char *)names[i];
        b.rows[i].size = pinky_i64(10);
        b.rows[i].hash = i == 2 ? "v1" : "v2";
        b.rows[i].local_modified = pinky_time_val(i == 2 ? T(2) : T(5));
        /* bookkeeping in a scan is ignored */
        b.rows[i].sync_status = PINKY_SYNC_ITEM_STATUS_FAILED;
        b.rows[i].has_conflict = pinky_bool(false);
    }
    pinky_sync_diff *d = detect(uid, &conn, &b, PINKY_SYNC_DIFF_APPLY | PINKY_SYNC_DIFF_PATHS);
    assert_counts(d, 0, 2, 1, 0, 1);
    assert_int_equal(d->npaths, 3);
    assert_string_equal(d->paths[0], "!both");
    assert_string_equal(d->paths[1], "~local-only");
    assert_string_equal(d->paths[2], "~never");
    pinky_sync_diff_free(d);
    assert_col(item_col(&conn, "both", "concat_ws('|', has_conflict, sync_status, hash, local_modified = '2024-03-01T05:00Z')"),
               "t|CONFLICT|v2|t");
    assert_col(item_col(&conn, "local-only", "concat_ws('|', has_conflict, sync_status, hash)"), "f|PENDING|v2");
    assert_col(item_col(&conn, "never", "concat_ws('|', has_conflict, sync_status, hash)"), "f|PENDING|v2");
    assert_col(item_col(&conn, "remote-only", "concat_ws('|', has_conflict, sync_status, hash)"), "f|SYNCED|v1");

    /* the same scan again: the conflict stays marked, nothing new */
    d = detect(uid, &conn, &b, PINKY_SYNC_DIFF_APPLY);
    assert_counts(d, 0, 0, 4, 0, 0);
    pinky_sync_diff_free(d);
    assert_col(item_col(&conn, "both", "concat_ws('|', has_conflict, sync_status)"), "t|CONFLICT");
    /* changing again while unresolved is still a conflict */
    b.rows[0].hash = "v3";
    d = detect(uid, &conn, &b, PINKY_SYNC_DIFF_APPLY | PINKY_SYNC_DIFF_PATHS);
    assert_counts(d, 0, 0, 3, 0, 1);
    assert_string_equal(d->paths[0], "!both");
    pinky_sync_diff_free(d);

    /* resolve it */
    pinky_sync_item_filter f;
    pinky_sync_item_filter_init(&f);
    f.connection_id = pinky_uuid_val(&conn);
    f.has_conflict = pinky_bool(true);
    pinky_sync_item_page *pg = NULL;
    pt_ok(pinky_sync_item_list(db, uid, &f, &pg));
    assert_int_equal(pg->count, 1);
    pinky_uuid id = pg->items[0]->id;
    pinky_sync_item_page_free(pg);
    pinky_sync_item *out = NULL;
    pinky_time before = pinky_time_now();
    pt_ok(pinky_sync_item_resolve(db, uid, &id, PINKY_CONFLICT_RESOLUTION_LOCAL, &out));
    assert_false(out->has_conflict.value);
    assert_int_equal(out->sync_status, PINKY_SYNC_ITEM_STATUS_SYNCED);
    assert_int_equal(out->conflict_resolution, PINKY_CONFLICT_RESOLUTION_LOCAL);
    assert_true(out->last_synced.is_set && out->last_synced.value >= before - 1000000);
    pinky_sync_item_free(out);
    /* resolved, and after last_synced nothing is a conflict any more */
    b.rows[0].hash = "v4";
    b.rows[0].local_modified = pinky_time_val(pinky_time_now() + 60000000);
    d = detect(uid, &conn, &b, PINKY_SYNC_DIFF_PATHS);
    assert_counts(d, 0, 1, 3, 0, 0);
    assert_string_equal(d->paths[0], "~both");
    pinky_sync_diff_free(d);
    batch_free(&b);
}

static void test_detect_bad_input(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user(), mallory = pt_user();
    pinky_uuid conn = new_connection(uid, "detect-bad"), theirs = new_connection(mallory, "theirs");
    batch b = batch_new(&conn, 10, "f%zu");
    pinky_sync_diff *d = NULL;

    pt_status(pinky_sync_detect_changes(db, uid, &theirs, b.ptrs, b.n, PINKY_SYNC_DIFF_APPLY, &d),
              PINKY_NOT_FOUND);
    pt_error_names("connection_id");
    assert_null(d);
    pt_status(pinky_sync_detect_changes(db, mallory, &conn, b.ptrs, b.n, PINKY_SYNC_DIFF_APPLY, &d),
              PINKY_NOT_FOUND);
    pt_status(pinky_sync_detect_changes(db, uid, NULL, b.ptrs, b.n, 0, &d), PINKY_INVALID);
    pt_error_names("connection_id");
    pt_status(pinky_sync_detect_changes(db, uid, &conn, b.ptrs, b.n, 0x4u, &d), PINKY_INVALID);
    pt_error_names("flags");
    pt_status(pinky_sync_detect_changes(db, uid, &conn, NULL, 3, 0, &d), PINKY_INVALID);
    pt_error_names("scan");

    b.rows[3].path = "";
    pt_status(pinky_sync_detect_changes(db, uid, &conn, b.ptrs, b.n, PINKY_SYNC_DIFF_APPLY, &d),
              PINKY_INVALID);
    assert_string_equal(pinky_error_last()->message, "scan[3]: sync_item.path: must not be empty");
    b.rows[3].path = b.paths[3];
    b.rows[6].local_modified.is_set = false;
    pt_status(pinky_sync_detect_changes(db, uid, &conn, b.ptrs, b.n, PINKY_SYNC_DIFF_APPLY, &d),
              PINKY_INVALID);
    pt_error_names("scan[6]: sync_item.local_modified");
    b.rows[6].local_modified = pinky_time_val(T(1));
    b.ptrs[9] = NULL;
    pt_status(pinky_sync_detect_changes(db, uid, &conn, b.ptrs, b.n, PINKY_SYNC_DIFF_APPLY, &d),
              PINKY_INVALID);
    pt_error_names("scan[9]");
    assert_null(d);
    assert_int_equal(items_of(&conn), 0);
    assert_int_equal(items_of(&theirs), 0);
    b.ptrs[9] = &b.rows[9];
    pt_ok(pinky_sync_detect_changes(db, uid, &conn, b.ptrs, b.n, PINKY_SYNC_DIFF_APPLY, NULL));
    assert_int_equal(items_of(&conn), 10);
    batch_free(&b);
}

/* ---- resolve ---- */

static pinky_uuid conflicted(int32_t uid, const pinky_uuid *conn, const char *path)
{
    pinky_sync_item it;
    pinky_sync_item_init(&it);
    it.connection_id = *conn;
    it.path = (char *)path;
    it.has_conflict = pinky_bool(true);
    it.sync_status = PINKY_SYNC_ITEM_STATUS_CONFLICT;
    it.last_synced = pinky_time_val(T(3));
    pinky_sync_item *out = NULL;
    pt_ok(pinky_sync_item_upsert(pt_db(), uid, &it, &out));
    pinky_uuid id = out->id;
    pinky_sync_item_free(out);
    return id;
}

typedef struct resolver {
    pthread_barrier_t *barrier;
    int32_t user;
    pinky_uuid id;
    pinky_conflict_resolution r;
    pinky_status got;
} resolver;

static void *resolve_thread(void *p)
{
    resolver *r = p;
    pthread_barrier_wait(r->barrier);
    r->got = pinky_sync_item_resolve(pt_db(), r->user, &r->id, r->r, NULL);
    return NULL;
}

static void test_resolve(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user(), mallory = pt_user();
    pinky_uuid conn = new_connection(uid, "resolve");
    static const struct {
        pinky_conflict_resolution r;
        const char *name, *status;
    } cases[] = {{PINKY_CONFLICT_RESOLUTION_LOCAL, "LOCAL", "SYNCED"},
                 {PINKY_CONFLICT_RESOLUTION_REMOTE, "REMOTE", "SYNCED"},
                 {PINKY_CONFLICT_RESOLUTION_BOTH, "BOTH", "SYNCED"},
                 {PINKY_CONFLICT_RESOLUTION_SKIP, "SKIP", "PENDING"}};
    for (size_t k = 0; k < 4; k++) {
        pinky_uuid id = conflicted(uid, &conn, cases[k].name);
        pinky_sync_item *out = NULL;
        pt_status(pinky_sync_item_resolve(db, mallory, &id, cases[k].r, &out), PINKY_NOT_FOUND);
        assert_null(out);
        pt_ok(pinky_sync_item_resolve(db, uid, &id, cases[k].r, &out));
        assert_int_equal(out->conflict_resolution, cases[k].r);
        assert_true(out->has_conflict.is_set && !out->has_conflict.value);
        assert_string_equal(pinky_sync_item_status_str(out->sync_status), cases[k].status);
        bool skip = cases[k].r == PINKY_CONFLICT_RESOLUTION_SKIP;
        assert_true(out->last_synced.is_set);
        if (skip)
            assert_int_equal(out->last_synced.value, T(3));
        else
            assert_true(out->last_synced.value > T(3));
        pinky_sync_item_free(out);
        char want[96];
        snprintf(want, sizeof want, "%s|f|%s|%s", cases[k].name, cases[k].status, skip ? "t" : "f");
        assert_col(item_col(&conn, cases[k].name,
                            "concat_ws('|', conflict_resolution, has_conflict, sync_status, last_synced = '2024-03-01T03:00Z')"),
                   want);
        /* no conflict any more: INVALID, nothing written */
        char *stamp = item_col(&conn, cases[k].name, "updated_at");
        pt_status(pinky_sync_item_resolve(db, uid, &id, PINKY_CONFLICT_RESOLUTION_REMOTE, &out),
                  PINKY_INVALID);
        pt_error_names("has_conflict");
        assert_null(out);
        assert_col(item_col(&conn, cases[k].name, "updated_at"), stamp);
        free(stamp);
    }
    pinky_uuid id = conflicted(uid, &conn, "bad");
    pt_status(pinky_sync_item_resolve(db, uid, &id, 0, NULL), PINKY_INVALID);
    pt_error_names("resolution");
    pt_status(pinky_sync_item_resolve(db, uid, &id, (pinky_conflict_resolution)5, NULL), PINKY_INVALID);
    pt_error_names("resolution");
    pt_status(pinky_sync_item_resolve(db, uid, NULL, PINKY_CONFLICT_RESOLUTION_LOCAL, NULL), PINKY_INVALID);
    pt_error_names("item_id");
    pinky_uuid nowhere;
    pinky_uuid_generate(&nowhere);
    pt_status(pinky_sync_item_resolve(db, uid, &nowhere, PINKY_CONFLICT_RESOLUTION_LOCAL, NULL),
              PINKY_NOT_FOUND);
    assert_col(item_col(&conn, "bad", "concat_ws('|', has_conflict, sync_status)"), "t|CONFLICT");

    /* concurrent resolvers: exactly one wins */
    pthread_barrier_t barrier;
    pthread_barrier_init(&barrier, NULL, 2);
    for (int round = 0; round < 10; round++) {
        char path[32];
        snprintf(path, sizeof path, "race-%d", round);
        pinky_uuid rid = conflicted(uid, &conn, path);
        resolver r[2] = {{&barrier, uid, rid, PINKY_CONFLICT_RESOLUTION_LOCAL, 0},
                         {&barrier, uid, rid, PINKY_CONFLICT_RESOLUTION_SKIP, 0}};
        pthread_t th[2];
        for (int i = 0; i < 2; i++)
            pthread_create(&th[i], NULL, resolve_thread, &r[i]);
        for (int i = 0; i < 2; i++)
            pthread_join(th[i], NULL);
        assert_int_equal((r[0].got == PINKY_OK) + (r[1].got == PINKY_OK), 1);
        assert_int_equal((r[0].got == PINKY_INVALID) + (r[1].got == PINKY_INVALID), 1);
        const resolver *w = r[0].got == PINKY_OK ? &r[0] : &r[1];
        assert_col(item_col(&conn, path, "conflict_resolution"), pinky_conflict_resolution_str(w->r));
    }
    pthread_barrier_destroy(&barrier);
}

/* ---- each ---- */

typedef struct walk {
    size_t count, stop_at;
    char last[256];
    bool ordered;
    uint64_t size_sum;
} walk;

static int walker(const pinky_sync_item *item, void *ctx)
{
    walk *w = ctx;
    if (w->count && strcmp(w->last, item->path) >= 0 && w->ordered)
        w->ordered = false;
    snprintf(w->last, sizeof w->last, "%s", item->path);
    w->size_sum += item->size.is_set ? (uint64_t)item->size.value : 0;
    w->count++;
    return w->stop_at && w->count >= w->stop_at;
}

static void test_each_small(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user(), mallory = pt_user();
    pinky_uuid conn = new_connection(uid, "each"), conn2 = new_connection(uid, "each2"),
               theirs = new_connection(mallory, "each-theirs");
    batch a = batch_new(&conn, 2345, "e/%05zu"), b = batch_new(&conn2, 10, "z/%05zu"),
          c = batch_new(&theirs, 7, "t/%05zu");
    pt_ok(pinky_sync_item_upsert_many(db, uid, a.ptrs, a.n, NULL));
    pt_ok(pinky_sync_item_upsert_many(db, uid, b.ptrs, b.n, NULL));
    pt_ok(pinky_sync_item_upsert_many(db, mallory, c.ptrs, c.n, NULL));

    pinky_sync_item_filter f;
    pinky_sync_item_filter_init(&f);
    f.connection_id = pinky_uuid_val(&conn);
    uint32_t limits[] = {0, 1, 100, 1000};
    for (size_t k = 0; k < 4; k++) {
        f.limit = limits[k];
        walk w = {.ordered = true};
        pt_ok(pinky_sync_item_each(db, uid, &f, walker, &w));
        assert_int_equal(w.count, 2345);
        assert_true(w.ordered);
        assert_int_equal(w.size_sum, 2345ULL * 2344 / 2);
        assert_string_equal(w.last, "e/02344");
    }
    /* every item of the user, in list order (connection_id, path) */
    walk w = {.ordered = false};
    pt_ok(pinky_sync_item_each(db, uid, NULL, walker, &w));
    assert_int_equal(w.count, 2355);
    assert_int_equal(w.count, pt_num("SELECT count(*) FROM sync_items s JOIN platform_connections p ON p.id = s.connection_id "
                                     "WHERE p.user_id = %d", uid));
    char *last = pt_str("SELECT s.path FROM sync_items s JOIN platform_connections p ON p.id = s.connection_id "
                        "WHERE p.user_id = %d ORDER BY s.connection_id DESC, s.path DESC LIMIT 1", uid);
    assert_string_equal(w.last, last);
    free(last);
    w = (walk){.ordered = true};
    pt_ok(pinky_sync_item_each(db, mallory, NULL, walker, &w));
    assert_int_equal(w.count, 7);
    /* stopping early is OK */
    f.limit = 100;
    w = (walk){.ordered = true, .stop_at = 150};
    pt_ok(pinky_sync_item_each(db, uid, &f, walker, &w));
    assert_int_equal(w.count, 150);
    assert_string_equal(w.last, "e/00149");
    /* starting at a cursor */
    f.limit = 5;
    pinky_sync_item_page *pg = NULL;
    pt_ok(pinky_sync_item_list(db, uid, &f, &pg));
    f.cursor = pg->next_cursor;
    f.limit = 0;
    w = (walk){.ordered = true};
    pt_ok(pinky_sync_item_each(db, uid, &f, walker, &w));
    assert_int_equal(w.count, 2340);
    pinky_sync_item_page_free(pg);
    f.cursor = NULL;
    /* filters apply */
    f.path_prefix = "e/001";
    w = (walk){.ordered = true};
    pt_ok(pinky_sync_item_each(db, uid, &f, walker, &w));
    assert_int_equal(w.count, 100);
    f.path_prefix = NULL;

    pt_status(pinky_sync_item_each(db, uid, &f, NULL, &w), PINKY_INVALID);
    pt_error_names("fn");
    f.struct_size = 8;
    pt_status(pinky_sync_item_each(db, uid, &f, walker, &w), PINKY_INVALID);
    pt_error_names("filter");
    pinky_sync_item_filter_init(&f);
    f.limit = PINKY_LIST_MAX_LIMIT + 1;
    pt_status(pinky_sync_item_each(db, uid, &f, walker, &w), PINKY_INVALID);
    pt_error_names("limit");
    f.limit = 0;
    f.cursor = "not-a-cursor";
    pt_status(pinky_sync_item_each(db, uid, &f, walker, &w), PINKY_INVALID);
    pt_error_names("cursor");
    batch_free(&a);
    batch_free(&b);
    batch_free(&c);
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static long maxrss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

typedef struct million {
    size_t count;
    bool in_order;
    uint64_t checksum;
    long rss_start, rss_peak;
} million;

static uint64_t fnv(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return (h ^ 0xff) * 1099511628211ULL;
}

static int million_fn(const pinky_sync_item *item, void *ctx)
{
    million *m = ctx;
    char want[16];
    snprintf(want, sizeof want, "f%07zu", m->count + 1);
    if (strcmp(item->path, want) != 0 || item->size.value != (int64_t)m->count + 1)
        m->in_order = false;
    m->checksum = fnv(m->checksum, item->path);
    m->count++;
    if (m->count % 20000 == 0) {
        long r = rss_kb();
        if (r > m->rss_peak)
            m->rss_peak = r;
    }
    return 0;
}

static size_t million_rows(void)
{
    const char *e = getenv("PINKY_TEST_EACH_ROWS"); /* smaller under valgrind */
    return e && atol(e) > 0 ? (size_t)atol(e) : 1000000;
}

static void test_each_million(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    pinky_uuid conn = new_connection(uid, "million");
    size_t rows = million_rows();
    double t0 = now_s();
    /* ascending ids (the connection's id with a counter) keep the primary key's
       inserts at its end: faster than random ones */
    pt_exec("INSERT INTO sync_items (id, connection_id, path, is_directory, size, local_modified) "
            "SELECT (left(replace('%s', '-', ''), 20) || lpad(to_hex(g), 12, '0'))::uuid, '%s', "
            "'f' || lpad(g::text, 7, '0'), false, g, now() FROM generate_series(1, %zu) g",
            pt_uuid_str(&conn), pt_uuid_str(&conn), rows);
    /* what autovacuum does soon after a bulk load: without statistics the
       planner may sort the rest of the connection for every page */
    pt_exec("ANALYZE sync_items");
    double t1 = now_s();
    /* the expected checksum, in the same order */
    uint64_t want = 14695981039346656037ULL;
    for (size_t i = 1; i <= rows; i++) {
        char p[16];
        snprintf(p, sizeof p, "f%07zu", i);
        want = fnv(want, p);
    }
    pinky_sync_item_filter f;
    pinky_sync_item_filter_init(&f);
    f.connection_id = pinky_uuid_val(&conn);
    million m = {.in_order = true, .checksum = 14695981039346656037ULL};
    long max_before = maxrss_kb();
    m.rss_start = m.rss_peak = rss_kb();
    pt_ok(pinky_sync_item_each(db, uid, &f, million_fn, &m));
    double t2 = now_s();
    long max_after = maxrss_kb();
    printf("  each: %zu items inserted by SQL in %.2f s, visited in %.2f s (%.0f items/s); "
           "RSS %ld -> peak %ld kB, ru_maxrss %ld -> %ld kB\n",
           rows, t1 - t0, t2 - t1, (double)rows / (t2 - t1), m.rss_start, m.rss_peak, max_before,
           max_after);
    assert_int_equal(m.count, rows);
    assert_true(m.in_order);
    assert_true(m.checksum == want);
    assert_int_equal(pt_num("SELECT sum(size) FROM sync_items WHERE connection_id = '%s'", pt_uuid_str(&conn)),
                     (long long)rows * ((long long)rows + 1) / 2);
#ifndef __SANITIZE_ADDRESS__ /* ASan's quarantine keeps freed memory resident on purpose */
    assert_true(max_after - max_before < 50 * 1024);
    assert_true(m.rss_peak - m.rss_start < 50 * 1024);
#endif
    pt_exec("DELETE FROM sync_items WHERE connection_id = '%s'", pt_uuid_str(&conn));
}

/* ---- each: the connection dies in the middle ---- */

#define KILL_APP "syncops-each-kill"

static pinky_db *app_pool(void)
{
    pinky_db_options o;
    pinky_db_options_init(&o);
    o.conninfo = pt_conninfo();
    o.application_name = KILL_APP;
    o.max_connections = 2;
    pinky_db *db = NULL;
    pt_ok(pinky_db_open(&o, &db));
    return db;
}

typedef struct killer {
    size_t count, kill_at;
    bool lock_first;          /* make the next page wait on a lock, kill it there */
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool locked;
    int killed;
} killer;

static void *kill_waiting(void *p)
{
    killer *k = p;
    PGconn *locker = PQconnectdb(pt_conninfo());
    PGconn *admin = PQconnectdb(pt_conninfo());
    PQclear(PQexec(locker, "BEGIN"));
    PQclear(PQexec(locker, "LOCK TABLE sync_items IN ACCESS EXCLUSIVE MODE"));
    pthread_mutex_lock(&k->mu);
    k->locked = true;
    pthread_cond_signal(&k->cv);
    pthread_mutex_unlock(&k->mu);
    /* the iteration's next page now waits for the lock: kill its backend there */
    for (int i = 0; i < 1000 && k->killed == 0; i++) {
        PGresult *r = PQexec(admin, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                    "WHERE application_name = '" KILL_APP "' AND wait_event_type = 'Lock'");
        k->killed = atoi(PQgetvalue(r, 0, 0));
        PQclear(r);
        if (k->killed == 0)
            usleep(10000);
    }
    PQclear(PQexec(locker, "ROLLBACK"));
    PQfinish(locker);
    PQfinish(admin);
    return NULL;
}

static int kill_fn(const pinky_sync_item *item, void *ctx)
{
    (void)item;
    killer *k = ctx;
    if (++k->count != k->kill_at)
        return 0;
    if (k->lock_first) {
        pthread_mutex_lock(&k->mu);
        pthread_create(&k->thread, NULL, kill_waiting, k);
        k->started = true;
        while (!k->locked)
            pthread_cond_wait(&k->cv, &k->mu);
        pthread_mutex_unlock(&k->mu);
    } else {
        k->killed = (int)pt_num("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                "WHERE application_name = '" KILL_APP "'");
        /* wait until the backend is gone */
        for (int i = 0; i < 500; i++) {
            if (pt_num("SELECT count(*) FROM pg_stat_activity WHERE application_name = '" KILL_APP "'") == 0)
                break;
            usleep(10000);
        }
    }
    return 0;
}

static void test_each_connection_killed(void **state)
{
    (void)state;
    int32_t uid = pt_user();
    pinky_uuid conn = new_connection(uid, "killed");
    pt_exec("INSERT INTO sync_items (connection_id, path, is_directory) "
            "SELECT '%s', 'k' || lpad(g::text, 6, '0'), false FROM generate_series(1, 5000) g", pt_uuid_str(&conn));
    pinky_sync_item_filter f;
    pinky_sync_item_filter_init(&f);
    f.connection_id = pinky_uuid_val(&conn);

    /* on a transaction: its connection is killed between two pages */
    pinky_db *db = app_pool();
    pinky_db *tx = NULL;
    pt_ok(pinky_db_begin(db, NULL, &tx));
    killer k = {.kill_at = 1500};
    pthread_mutex_init(&k.mu, NULL);
    pthread_cond_init(&k.cv, NULL);
    pt_status(pinky_sync_item_each(tx, uid, &f, kill_fn, &k), PINKY_CONNECTION);
    assert_true(k.killed >= 1);
    assert_int_equal(k.count, 2000); /* two pages visited, the third failed */
    pinky_db_rollback(tx);
    pinky_db_close(db);

    /* on the pool: a page query is killed while it runs (waiting on a lock) */
    db = app_pool();
    k = (killer){.kill_at = 2500, .lock_first = true};
    pthread_mutex_init(&k.mu, NULL);
    pthread_cond_init(&k.cv, NULL);
    double t0 = now_s();
    pinky_status st = pinky_sync_item_each(db, uid, &f, kill_fn, &k);
    double t1 = now_s();
    if (k.started)
        pthread_join(k.thread, NULL);
    pt_status(st, PINKY_CONNECTION);
    assert_int_equal(k.killed, 1);
    assert_int_equal(k.count, 3000);
    assert_true(t1 - t0 < 10.0);
    /* the pool recovers: the next walk sees everything */
    walk w = {.ordered = true};
    pt_ok(pinky_sync_item_each(db, uid, &f, walker, &w));
    assert_int_equal(w.count, 5000);
    pinky_db_close(db);
    pthread_mutex_destroy(&k.mu);
    pthread_cond_destroy(&k.cv);
}

/* ---- with the audit trail on ---- */

static void test_audited(void **state)
{
    (void)state;
    pinky_db_options o;
    pinky_db_options_init(&o);
    o.conninfo = pt_conninfo();
    o.audit = true;
    pinky_db *db = NULL;
    pt_ok(pinky_db_open(&o, &db));
    int32_t uid = pt_user();
    pinky_uuid conn = new_connection(uid, "audited");
    pinky_uuid op = new_operation(uid, &conn, PINKY_SYNC_STATUS_PENDING);
    pt_ok(pinky_sync_operation_start(db, uid, &op, 3, NULL));
    pinky_sync_operation *out = NULL;
    pt_ok(pinky_sync_operation_finish(db, uid, &op, PINKY_SYNC_STATUS_CONFLICT, NULL, NULL, &out));
    assert_int_equal(out->status, PINKY_SYNC_STATUS_CONFLICT);
    pinky_sync_operation_free(out);
    assert_int_equal(pt_num("SELECT count(*) FROM audit_logs WHERE action = 'platform_connection.sync_finished' "
                            "AND entity_id = '%s' AND user_id = %d", pt_uuid_str(&conn), uid), 1);
    assert_col(pt_str("SELECT status FROM platform_connections WHERE id = '%s'", pt_uuid_str(&conn)), "CONFLICT");

    batch b = batch_new(&conn, 30, "a/%02zu");
    pinky_sync_upsert_result res;
    pinky_sync_upsert_result_init(&res);
    pt_ok(pinky_sync_item_upsert_many(db, uid, b.ptrs, b.n, &res));
    assert_int_equal(res.inserted, 30);
    assert_col(pt_str("SELECT details::text FROM audit_logs WHERE action = 'sync_item.upsert_many' AND user_id = %d", uid),
               "{\"updated\": 0, \"inserted\": 30}");
    b.n = 20;
    pinky_sync_diff *d = NULL;
    pt_ok(pinky_sync_detect_changes(db, uid, &conn, b.ptrs, b.n, PINKY_SYNC_DIFF_APPLY, &d));
    assert_int_equal(d->gone_count, 10);
    pinky_sync_diff_free(d);
    assert_col(pt_str("SELECT details->>'gone' FROM audit_logs WHERE action = 'platform_connection.detect_changes' "
                      "AND entity_id = '%s'", pt_uuid_str(&conn)), "10");
    b.n = 30;

    pinky_uuid id = conflicted(uid, &conn, "c");
    pinky_sync_item *item = NULL;
    pt_ok(pinky_sync_item_resolve(db, uid, &id, PINKY_CONFLICT_RESOLUTION_BOTH, &item));
    assert_int_equal(item->conflict_resolution, PINKY_CONFLICT_RESOLUTION_BOTH);
    assert_string_equal(item->path, "c");
    pinky_sync_item_free(item);
    assert_int_equal(pt_num("SELECT count(*) FROM audit_logs WHERE action = 'sync_item.resolve' AND entity_id = '%s'",
                            pt_uuid_str(&id)), 1);
    /* a refused resolve writes no audit row */
    pt_status(pinky_sync_item_resolve(db, uid, &id, PINKY_CONFLICT_RESOLUTION_BOTH, NULL), PINKY_INVALID);
    assert_int_equal(pt_num("SELECT count(*) FROM audit_logs WHERE action = 'sync_item.resolve' AND entity_id = '%s'",
                            pt_uuid_str(&id)), 1);
    batch_free(&b);
    pinky_db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_operation_lifecycle),
        cmocka_unit_test(test_operation_finish_statuses),
        cmocka_unit_test(test_operation_finish_race),
        cmocka_unit_test(test_upsert_many_basic),
        cmocka_unit_test(test_upsert_many_duplicates),
        cmocka_unit_test(test_upsert_many_same_as_upsert),
        cmocka_unit_test(test_upsert_many_defaults),
        cmocka_unit_test(test_upsert_many_bad_input),
        cmocka_unit_test(test_upsert_many_in_transaction),
        cmocka_unit_test(test_upsert_many_large),
        cmocka_unit_test(test_detect_changes),
        cmocka_unit_test(test_detect_conflicts),
        cmocka_unit_test(test_detect_bad_input),
        cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_each_small),
        cmocka_unit_test(test_each_million),
        cmocka_unit_test(test_each_connection_killed),
        cmocka_unit_test(test_audited),
    };
    return cmocka_run_group_tests_name("sync_ops", tests, NULL, NULL);
}
