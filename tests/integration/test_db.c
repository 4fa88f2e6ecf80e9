/* The handle: pool, transactions, retries, timeouts, statistics. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "testdb.h"

static pinky_db *open_pool(uint32_t max, uint32_t acquire_ms, uint32_t stmt_ms)
{
    pinky_db_options o;
    pinky_db_options_init(&o);
    o.conninfo = pt_conninfo();
    o.max_connections = max;
    o.acquire_timeout_ms = acquire_ms;
    o.statement_timeout_ms = stmt_ms;
    pinky_db *db = NULL;
    pt_ok(pinky_db_open(&o, &db));
    return db;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static pinky_status make_user(pinky_db *db, const char *name, int32_t *id)
{
    pinky_user u;
    pinky_user_init(&u);
    u.username = (char *)name;
    pinky_user *out = NULL;
    pinky_status st = pinky_user_create(db, &u, &out);
    if (st == PINKY_OK && id)
        *id = out->id;
    pinky_user_free(out);
    return st;
}

static void test_open_errors(void **state)
{
    (void)state;
    pinky_db *db = (pinky_db *)0x1;
    pinky_db_options o;
    pinky_db_options_init(&o);
    o.struct_size = 3;
    pt_status(pinky_db_open(&o, &db), PINKY_INVALID);
    assert_null(db);
    pt_error_names("struct_size");
    pinky_db_options_init(&o);
    o.max_connections = 0;
    pt_status(pinky_db_open(&o, &db), PINKY_INVALID);
    pt_error_names("max_connections");
    pinky_db_options_init(&o);
    o.conninfo = "host=/nonexistent-pinky-dir port=1 connect_timeout=2 password=hunter2-secret";
    pt_status(pinky_db_open(&o, &db), PINKY_CONNECTION);
    assert_null(strstr(pinky_error_last()->message, "hunter2-secret"));
    pt_status(pinky_db_open(NULL, NULL), PINKY_INVALID);
    pt_status(pinky_db_exec(NULL, "SELECT 1"), PINKY_INVALID);
    pinky_db_close(NULL);
}

static void test_commit_and_rollback(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    char a[64], b[64], c[64];
    snprintf(a, sizeof a, "%s", pt_unique("tx-commit"));
    snprintf(b, sizeof b, "%s", pt_unique("tx-rollback"));
    snprintf(c, sizeof c, "%s", pt_unique("tx-close"));
    pinky_db *tx = NULL;
    pt_ok(pinky_db_begin(db, NULL, &tx));
    assert_true(pinky_db_in_transaction(tx));
    assert_false(pinky_db_in_transaction(db));
    pt_ok(make_user(tx, a, NULL));
    /* not visible outside before commit */
    assert_int_equal(pt_num("SELECT count(*) FROM users WHERE username = '%s'", a), 0);
    pt_ok(pinky_db_commit(tx));
    assert_int_equal(pt_num("SELECT count(*) FROM users WHERE username = '%s'", a), 1);

    pt_ok(pinky_db_begin(db, NULL, &tx));
    pt_ok(make_user(tx, b, NULL));
    pt_ok(pinky_db_rollback(tx));
    assert_int_equal(pt_num("SELECT count(*) FROM users WHERE username = '%s'", b), 0);

    pt_ok(pinky_db_begin(db, NULL, &tx));
    pt_ok(make_user(tx, c, NULL));
    pinky_db_close(tx); /* closing without commit rolls back */
    assert_int_equal(pt_num("SELECT count(*) FROM users WHERE username = '%s'", c), 0);

    /* COMMIT sent as SQL would leave the handle outside a transaction: refused */
    char d[64];
    snprintf(d, sizeof d, "%s", pt_unique("tx-raw"));
    pt_ok(pinky_db_begin(db, NULL, &tx));
    pt_status(pinky_db_exec(tx, "COMMIT"), PINKY_STATE);
    pt_error_names("ended the transaction");
    pt_status(make_user(tx, d, NULL), PINKY_STATE);
    pt_ok(pinky_db_rollback(tx));
    assert_int_equal(pt_num("SELECT count(*) FROM users WHERE username = '%s'", d), 0);

    /* nested begin is refused */
    pt_ok(pinky_db_begin(db, NULL, &tx));
    pinky_db *inner = NULL;
    pt_status(pinky_db_begin(tx, NULL, &inner), PINKY_STATE);
    pt_ok(pinky_db_rollback(tx));
}

static void test_failed_transaction_refuses(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    char a[64], b[64];
    snprintf(a, sizeof a, "%s", pt_unique("tx-fail"));
    snprintf(b, sizeof b, "%s", pt_unique("tx-after"));
    pt_ok(make_user(db, a, NULL));
    pinky_db *tx = NULL;
    pt_ok(pinky_db_begin(db, NULL, &tx));
    pt_ok(make_user(tx, b, NULL));
    pt_status(make_user(tx, a, NULL), PINKY_CONFLICT);
    /* further statements are refused until rollback */
    pt_status(make_user(tx, "anything-else", NULL), PINKY_STATE);
    pt_status(pinky_db_exec(tx, "SELECT 1"), PINKY_STATE);
    pt_status(pinky_db_commit(tx), PINKY_STATE); /* rolls back and frees */
    assert_int_equal(pt_num("SELECT count(*) FROM users WHERE username = '%s'", b), 0);
    /* client-side validation failures do not poison the transaction */
    pt_ok(pinky_db_begin(db, NULL, &tx));
    pt_status(make_user(tx, "", NULL), PINKY_INVALID);
    pt_ok(make_user(tx, b, NULL));
    pt_ok(pinky_db_commit(tx));
    assert_int_equal(pt_num("SELECT count(*) FROM users WHERE username = '%s'", b), 1);
}

typedef struct serial_ctx {
    const char *prefix;
    pthread_barrier_t *barrier;
    int attempts;
    int thread;
} serial_ctx;

static pinky_status serial_body(pinky_db *tx, void *arg)
{
    serial_ctx *c = arg;
    c->attempts++;
    pinky_user_filter f;
    pinky_user_filter_init(&f);
    f.username_contains = c->prefix;
    pinky_user_page *p = NULL;
    pinky_status st = pinky_user_list(tx, &f, &p);
    if (st != PINKY_OK)
        return st;
    size_t seen = p->count;
    pinky_user_page_free(p);
    if (c->attempts == 1)
        pthread_barrier_wait(c->barrier); /* both have read before either writes */
    char name[128];
    snprintf(name, sizeof name, "%s-t%d-saw%zu", c->prefix, c->thread, seen);
    return make_user(tx, name, NULL);
}

static void *serial_thread(void *arg)
{
    pinky_tx_options o;
    pinky_tx_options_init(&o);
    o.isolation = PINKY_ISOLATION_SERIALIZABLE;
    o.max_attempts = 10;
    pinky_status st = pinky_db_transact(pt_db(), serial_body, arg, &o);
    return (void *)(intptr_t)st;
}

static void test_transact_retries_serialization(void **state)
{
    (void)state;
    char prefix[64];
    snprintf(prefix, sizeof prefix, "%s", pt_unique("serial"));
    pthread_barrier_t barrier;
    pthread_barrier_init(&barrier, NULL, 2);
    serial_ctx ctx[2] = {{prefix, &barrier, 0, 0}, {prefix, &barrier, 0, 1}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, serial_thread, &ctx[i]);
    for (int i = 0; i < 2; i++) {
        void *rv;
        pthread_join(th[i], &rv);
        assert_int_equal((intptr_t)rv, PINKY_OK);
    }
    pthread_barrier_destroy(&barrier);
    /* both effects landed; one of them was retried and saw the other's row */
    assert_int_equal(pt_num("SELECT count(*) FROM users WHERE username LIKE '%s-t%%'", prefix), 2);
    assert_int_equal(ctx[0].attempts + ctx[1].attempts, 3);
    assert_int_equal(pt_num("SELECT count(*) FROM users WHERE username LIKE '%s-t%%-saw1'", prefix), 1);
}

static void test_pool_exhaustion_is_busy(void **state)
{
    (void)state;
    pinky_db *db = open_pool(2, 300, 0);
    pinky_db *t1 = NULL, *t2 = NULL, *t3 = NULL;
    pt_ok(pinky_db_begin(db, NULL, &t1));
    pt_ok(pinky_db_begin(db, NULL, &t2));
    int64_t start = mono_ms();
    pt_status(pinky_db_begin(db, NULL, &t3), PINKY_BUSY);
    int64_t waited = mono_ms() - start;
    assert_true(waited >= 250 && waited < 3000);
    pt_error_names("300 ms");
    /* the thread holding t1 asks the exhausted pool for more: BUSY, not a deadlock */
    pt_status(make_user(db, pt_unique("nested"), NULL), PINKY_BUSY);
    pinky_db_stats s;
    pinky_db_stats_init(&s);
    pt_ok(pinky_db_get_stats(db, &s));
    assert_int_equal(s.total, 2);
    assert_int_equal(s.in_use, 2);
    assert_int_equal(s.acquire_timeouts, 2);
    pt_ok(pinky_db_rollback(t1));
    pt_ok(make_user(db, pt_unique("after-busy"), NULL));
    pt_ok(pinky_db_rollback(t2));
    pt_ok(pinky_db_get_stats(db, &s));
    assert_int_equal(s.in_use, 0);
    assert_int_equal(s.idle, 2);
    pinky_db_close(db);
}

static void test_statement_timeout(void **state)
{
    (void)state;
    pinky_db *db = open_pool(1, 2000, 300);
    int64_t start = mono_ms();
    pt_status(pinky_db_exec(db, "SELECT pg_sleep(3)"), PINKY_TIMEOUT);
    assert_true(mono_ms() - start < 2500);
    assert_string_equal(pinky_error_last()->sqlstate, "57014");
    /* the same connection serves the next call */
    pt_ok(pinky_db_exec(db, "SELECT 1"));
    pinky_db_stats s;
    pinky_db_stats_init(&s);
    pt_ok(pinky_db_get_stats(db, &s));
    assert_int_equal(s.created, 1);
    assert_int_equal(s.closed_broken, 0);
    /* with the server's timeout off, the client's deadline cancels the statement */
    pinky_db *tx = NULL;
    pt_ok(pinky_db_begin(db, NULL, &tx));
    pt_ok(pinky_db_exec(tx, "SET LOCAL statement_timeout = 0"));
    start = mono_ms();
    pt_status(pinky_db_exec(tx, "SELECT pg_sleep(5)"), PINKY_TIMEOUT);
    int64_t took = mono_ms() - start;
    assert_true(took >= 700 && took < 3000);
    assert_string_equal(pinky_error_last()->sqlstate, "57014");
    pt_error_names("cancelled");
    pt_status(pinky_db_commit(tx), PINKY_STATE);
    pt_ok(pinky_db_exec(db, "SELECT 1"));
    pt_ok(pinky_db_get_stats(db, &s));
    assert_int_equal(s.created, 1);
    assert_int_equal(s.closed_broken, 0);
    pinky_db_close(db);
}

typedef struct hammer {
    pinky_db *db;
    const char *prefix;
    int thread;
    int ops;
    int failures;
} hammer;

static void *hammer_thread(void *arg)
{
    hammer *h = arg;
    for (int i = 0; i < h->ops; i++) {
        char name[128];
        snprintf(name, sizeof name, "%s-%d-%d", h->prefix, h->thread, i);
        int32_t id = 0;
        if (make_user(h->db, name, &id) != PINKY_OK) {
            h->failures++;
            continue;
        }
        pinky_user *u = NULL;
        if (pinky_user_get(h->db, id, &u) != PINKY_OK || strcmp(u->username, name) != 0)
            h->failures++;
        pinky_user_free(u);
        if (i % 2 == 0 && pinky_user_delete(h->db, id) != PINKY_OK)
            h->failures++;
    }
    return NULL;
}

static void test_many_threads_small_pool(void **state)
{
    (void)state;
    pinky_db *db = open_pool(4, 30000, 0);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "%s", pt_unique("hammer"));
    enum { T = 32, OPS = 400 }; /* 2.5 calls per op: 1,000 calls per thread */
    pthread_t th[T];
    hammer h[T];
    for (int i = 0; i < T; i++) {
        h[i] = (hammer){db, prefix, i, OPS, 0};
        pthread_create(&th[i], NULL, hammer_thread, &h[i]);
    }
    for (int i = 0; i < T; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(h[i].failures, 0);
    }
    assert_int_equal(pt_num("SELECT count(*) FROM users WHERE username LIKE '%s-%%'", prefix), T * OPS / 2);
    pinky_db_stats s;
    pinky_db_stats_init(&s);
    pt_ok(pinky_db_get_stats(db, &s));
    assert_true(s.total <= 4);
    assert_int_equal(s.acquires, (uint64_t)T * OPS * 2 + (uint64_t)T * OPS / 2);
    assert_int_equal(s.waiting, 0);
    assert_int_equal(s.acquire_timeouts, 0);
    pinky_db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_commit_and_rollback),
        cmocka_unit_test(test_failed_transaction_refuses),
        cmocka_unit_test(test_transact_retries_serialization),
        cmocka_unit_test(test_pool_exhaustion_is_busy),
        cmocka_unit_test(test_statement_timeout),
        cmocka_unit_test(test_many_threads_small_pool),
    };
    return cmocka_run_group_tests_name("db", tests, NULL, NULL);
}
