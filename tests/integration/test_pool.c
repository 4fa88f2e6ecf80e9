/*
 * The pool in the real world: server restarts and killed backends under a
 * multi-thread workload, schema changes under cached statements, PgBouncer
 * mode, waiter limits, hooks, leak warnings.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "testdb.h"

static pinky_db *open_with(pinky_db_options *o)
{
    o->conninfo = pt_conninfo();
    pinky_db *db = NULL;
    pt_ok(pinky_db_open(o, &db));
    return db;
}

/* ---- a workload that records what it was told ---- */

enum { W_THREADS = 8, W_MAX_OPS = 100000 };

typedef struct worker {
    pinky_db *db;
    const char *prefix;
    int id;
    int *stop;
    int ok, conn_errors, other_errors;
    pinky_status last_other;
    char last_msg[256];
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    for (int i = 0; !__atomic_load_n(w->stop, __ATOMIC_ACQUIRE) && i < W_MAX_OPS; i++) {
        char name[128];
        snprintf(name, sizeof name, "%s-%d-%d", w->prefix, w->id, i);
        pinky_user u;
        pinky_user_init(&u);
        u.username = name;
        u.email = (i % 2) ? name : NULL;
        pinky_user *out = NULL;
        pinky_status st = pinky_user_create(w->db, &u, &out);
        if (st == PINKY_OK) {
            /* remember it committed: the name carries no flag, the table keeps the proof */
            w->ok++;
            pinky_user_free(out);
        } else if (st == PINKY_CONNECTION) {
            w->conn_errors++;
        } else {
            w->other_errors++;
            w->last_other = st;
            snprintf(w->last_msg, sizeof w->last_msg, "%s", pinky_error_last()->message);
        }
        usleep(1000);
    }
    return NULL;
}

static void run_workload(pinky_db *db, const char *prefix, void (*disrupt)(void *), void *ctx,
                         worker *ws)
{
    int stop = 0;
    pthread_t th[W_THREADS];
    for (int i = 0; i < W_THREADS; i++) {
        ws[i] = (worker){.db = db, .prefix = prefix, .id = i, .stop = &stop};
        pthread_create(&th[i], NULL, work, &ws[i]);
    }
    usleep(300000);
    disrupt(ctx);
    usleep(1500000);
    __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
    for (int i = 0; i < W_THREADS; i++)
        pthread_join(th[i], NULL);
}

static void check_rows(const char *prefix, worker *ws)
{
    long long ok = 0, attempted_failed = 0;
    for (int i = 0; i < W_THREADS; i++) {
        if (ws[i].other_errors)
            fprintf(stderr, "worker %d: %d unexpected errors, last %s: %s\n", i, ws[i].other_errors,
                    pinky_status_str(ws[i].last_other), ws[i].last_msg);
        assert_int_equal(ws[i].other_errors, 0);
        ok += ws[i].ok;
        attempted_failed += ws[i].conn_errors;
    }
    long long rows = pt_num("SELECT count(*) FROM users WHERE username LIKE '%s-%%'", prefix);
    /* every acknowledged insert is there; an insert whose answer was lost may or may not be */
    assert_true(rows >= ok);
    assert_true(rows <= ok + attempted_failed);
    assert_true(ok > 50);
}

/* ---- server restart ---- */

static void restart_server(void *ctx)
{
    (void)ctx;
    int rc = system("scripts/sandbox-ctl restart >/dev/null");
    assert_int_equal(rc, 0);
}

static void test_server_restart_under_load(void **state)
{
    (void)state;
    if (getenv("PINKY_SANDBOX_DIR") == NULL)
        skip(); /* only the throwaway server may be restarted */
    pinky_db_options o;
    pinky_db_options_init(&o);
    o.max_connections = 4;
    o.acquire_timeout_ms = 10000;
    pinky_db *db = open_with(&o);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "%s", pt_unique("restart"));
    worker ws[W_THREADS];
    run_workload(db, prefix, restart_server, NULL, ws);
    /* the raw checking connection died with the server too */
    PQreset(pt_pg());
    check_rows(prefix, ws);
    /* the pool recovered: the next call succeeds */
    pinky_user u;
    pinky_user_init(&u);
    u.username = (char *)pt_unique("after-restart");
    pt_ok(pinky_user_create(db, &u, NULL));
    pinky_db_stats s;
    pinky_db_stats_init(&s);
    pt_ok(pinky_db_get_stats(db, &s));
    assert_true(s.closed_broken >= 1);
    assert_int_equal(s.in_use, 0);
    pinky_db_close(db);
}

/* ---- killed backends ---- */

typedef struct killer {
    int stop;
    int killed;
} killer;

static void *kill_loop(void *arg)
{
    killer *k = arg;
    PGconn *c = PQconnectdb(pt_conninfo());
    while (!__atomic_load_n(&k->stop, __ATOMIC_ACQUIRE)) {
        PGresult *r = PQexec(c, "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                                " WHERE application_name = 'pinky-kill-test' ORDER BY random() LIMIT 1) s");
        if (PQresultStatus(r) == PGRES_TUPLES_OK)
            k->killed += atoi(PQgetvalue(r, 0, 0));
        PQclear(r);
        usleep(50000);
    }
    PQfinish(c);
    return NULL;
}

static killer g_killer;
static pthread_t g_killer_thread;
static void start_killing(void *ctx)
{
    (void)ctx;
    pthread_create(&g_killer_thread, NULL, kill_loop, &g_killer);
}

static void test_killed_backends(void **state)
{
    (void)state;
    pinky_db_options o;
    pinky_db_options_init(&o);
    o.max_connections = 4;
    o.application_name = "pinky-kill-test";
    pinky_db *db = open_with(&o);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "%s", pt_unique("killed"));
    worker ws[W_THREADS];
    g_killer.stop = 0;
    g_killer.killed = 0;
    run_workload(db, prefix, start_killing, NULL, ws);
    __atomic_store_n(&g_killer.stop, 1, __ATOMIC_RELEASE);
    pthread_join(g_killer_thread, NULL);
    assert_true(g_killer.killed >= 5);
    check_rows(prefix, ws);
    pinky_db_stats s;
    pinky_db_stats_init(&s);
    pt_ok(pinky_db_get_stats(db, &s));
    assert_true(s.closed_broken >= 1);
    assert_true(s.total <= 4);
    pinky_db_close(db);
}

/* ---- schema change under a cached statement ---- */

static void test_cached_plan_after_alter(void **state)
{
    (void)state;
    pinky_db_options o;
    pinky_db_options_init(&o);
    o.max_connections = 1;
    pinky_db *db = open_with(&o);
    int32_t id = pt_user();
    pinky_user *u = NULL;
    pt_ok(pinky_user_get(db, id, &u)); /* prepared and cached */
    pinky_user_free(u);
    pt_exec("ALTER TABLE users ALTER COLUMN last_name TYPE varchar(300)");
    u = NULL;
    pt_ok(pinky_user_get(db, id, &u)); /* 0A000, re-prepared, retried */
    assert_int_equal(u->id, id);
    pinky_user_free(u);
    /* inside a transaction it is not retried */
    pt_exec("ALTER TABLE users ALTER COLUMN last_name TYPE varchar(255)");
    pinky_db *tx = NULL;
    pt_ok(pinky_db_begin(db, NULL, &tx));
    u = NULL;
    pt_status(pinky_user_get(tx, id, &u), PINKY_SERVER);
    assert_string_equal(pinky_error_last()->sqlstate, "0A000");
    assert_null(u);
    pt_status(pinky_user_get(tx, id, &u), PINKY_STATE); /* the transaction failed */
    pt_ok(pinky_db_rollback(tx));
    /* outside it, the statement is prepared again and the call succeeds */
    pt_ok(pinky_user_get(db, id, &u));
    assert_int_equal(u->id, id);
    pinky_user_free(u);
    pinky_db_close(db);
}

/* ---- PgBouncer mode ---- */

static void test_unnamed_statements_only(void **state)
{
    (void)state;
    pinky_db_options o;
    pinky_db_options_init(&o);
    o.max_connections = 1;
    o.disable_prepared = true;
    o.application_name = "pinky-noprep";
    pinky_db *db = open_with(&o);
    int32_t id = pt_user();
    for (int i = 0; i < 3; i++) {
        pinky_user *u = NULL;
        pt_ok(pinky_user_get(db, id, &u));
        assert_int_equal(u->id, id);
        pinky_user_free(u);
    }
    /* no named statement exists on that connection: ask the server from it */
    pinky_db *tx = NULL;
    pt_ok(pinky_db_begin(db, NULL, &tx));
    pt_ok(pinky_db_exec(tx, "DO $$ BEGIN IF (SELECT count(*) FROM pg_prepared_statements) <> 0"
                            " THEN RAISE EXCEPTION 'named statements exist'; END IF; END $$"));
    pt_ok(pinky_db_rollback(tx));
    pinky_db_close(db);
    /* and with the cache on, they do */
    pinky_db_options_init(&o);
    o.max_connections = 1;
    db = open_with(&o);
    pinky_user *u = NULL;
    pt_ok(pinky_user_get(db, id, &u));
    pinky_user_free(u);
    pt_ok(pinky_db_begin(db, NULL, &tx));
    pt_status(pinky_db_exec(tx, "DO $$ BEGIN IF (SELECT count(*) FROM pg_prepared_statements) <> 0"
                                " THEN RAISE EXCEPTION 'named statements exist'; END IF; END $$"),
              PINKY_SERVER);
    pinky_db_rollback(tx);
    pinky_db_close(db);
}

/* ---- hooks, logs, waiter limit ---- */

static int g_hook_calls;
static pinky_status hook(pinky_db *conn, void *ctx)
{
    (void)ctx;
    g_hook_calls++;
    return pinky_db_exec(conn, "SET search_path = public; SET work_mem = '8MB'");
}

/* The log callback runs on any thread (the pool's housekeeper too). */
static pthread_mutex_t g_log_mu = PTHREAD_MUTEX_INITIALIZER;
static int g_warnings_;
static char g_last_log_[512];
static void log_fn(pinky_log_level level, const char *msg, void *ctx)
{
    (void)ctx;
    pthread_mutex_lock(&g_log_mu);
    if (level == PINKY_LOG_WARNING)
        g_warnings_++;
    snprintf(g_last_log_, sizeof g_last_log_, "%s", msg);
    pthread_mutex_unlock(&g_log_mu);
}

static int warnings(void)
{
    pthread_mutex_lock(&g_log_mu);
    int n = g_warnings_;
    pthread_mutex_unlock(&g_log_mu);
    return n;
}

static bool last_log_has(const char *needle)
{
    pthread_mutex_lock(&g_log_mu);
    bool yes = strstr(g_last_log_, needle) != NULL;
    pthread_mutex_unlock(&g_log_mu);
    return yes;
}

typedef struct waiter_arg {
    pinky_db *db;
    pinky_status st;
} waiter_arg;

static void *wait_for_user(void *arg)
{
    waiter_arg *w = arg;
    w->st = pinky_db_exec(w->db, "SELECT 1");
    return NULL;
}

static void test_hook_leak_warning_and_waiters(void **state)
{
    (void)state;
    pinky_db_options o;
    pinky_db_options_init(&o);
    o.max_connections = 1;
    o.max_waiters = 1;
    o.acquire_timeout_ms = 2000;
    o.after_connect = hook;
    o.leak_threshold_ms = 100;
    o.log = log_fn;
    pinky_db *db = open_with(&o);
    assert_int_equal(g_hook_calls, 1);
    pinky_db *tx = NULL;
    pt_ok(pinky_db_begin(db, NULL, &tx));
    pt_ok(pinky_db_exec(tx, "DO $$ BEGIN IF current_setting('work_mem') <> '8MB' THEN RAISE EXCEPTION 'hook not applied'; END IF; END $$"));
    usleep(200000);
    pt_ok(pinky_db_rollback(tx));
    assert_int_equal(warnings(), 1);
    assert_true(last_log_has("leak threshold"));
    assert_int_equal(g_hook_calls, 1); /* the connection was reused */

    /* max_waiters = 1: with the only connection held and one caller waiting,
       the next caller is refused at once */
    pt_ok(pinky_db_begin(db, NULL, &tx));
    pthread_t waiter;
    waiter_arg wa = {db, PINKY_INTERNAL};
    pthread_create(&waiter, NULL, wait_for_user, &wa);
    usleep(200000);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pt_status(pinky_db_exec(db, "SELECT 1"), PINKY_BUSY);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_true((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 < 500);
    pt_error_names("waiting");
    pt_ok(pinky_db_rollback(tx)); /* hands the connection to the waiter */
    pthread_join(waiter, NULL);
    assert_int_equal(wa.st, PINKY_OK);
    pinky_db_close(db);

    /* a failing hook: the connection is discarded and open fails */
    pinky_db_options_init(&o);
    o.after_connect = hook;
    o.conninfo = pt_conninfo();
    o.application_name = "bad\xff";
    pinky_db *bad = NULL;
    pt_status(pinky_db_open(&o, &bad), PINKY_INVALID);
    pt_error_names("application_name");
}

/* ---- housekeeping ---- */

static long long backends(const char *app)
{
    return pt_num("SELECT count(*) FROM pg_stat_activity WHERE application_name = '%s'", app);
}

static void test_minimum_kept_and_idle_expiry(void **state)
{
    (void)state;
    pinky_db_options o;
    pinky_db_options_init(&o);
    o.min_connections = 2;
    o.max_connections = 4;
    o.application_name = "pinky-min-test";
    pinky_db *db = open_with(&o);
    pinky_db_stats s;
    pinky_db_stats_init(&s);
    pt_ok(pinky_db_get_stats(db, &s));
    assert_int_equal(s.total, 2);
    assert_int_equal(backends("pinky-min-test"), 2);
    /* the server drops both idle connections: the keeper replaces them */
    pt_exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'pinky-min-test'");
    for (int i = 0; i < 50; i++) {
        pt_ok(pinky_db_get_stats(db, &s));
        if (s.closed_broken == 2 && s.idle == 2)
            break;
        usleep(100000);
    }
    assert_int_equal(s.closed_broken, 2);
    assert_int_equal(s.total, 2);
    assert_int_equal(s.idle, 2);
    assert_int_equal(s.created, 4);
    assert_int_equal(backends("pinky-min-test"), 2);
    pinky_db_close(db);

    /* idle connections above the minimum expire without any call */
    pinky_db_options_init(&o);
    o.max_connections = 4;
    o.max_idle_ms = 200;
    o.application_name = "pinky-idle-test";
    db = open_with(&o);
    pt_ok(pinky_db_exec(db, "SELECT 1"));
    assert_int_equal(backends("pinky-idle-test"), 1);
    usleep(1500000);
    pt_ok(pinky_db_get_stats(db, &s));
    assert_int_equal(s.total, 0);
    assert_int_equal(s.closed_idle, 1);
    assert_int_equal(backends("pinky-idle-test"), 0);
    pinky_db_close(db);
}

static void test_leak_warned_while_held(void **state)
{
    (void)state;
    pinky_db_options o;
    pinky_db_options_init(&o);
    o.leak_threshold_ms = 100;
    o.log = log_fn;
    pinky_db *db = open_with(&o);
    pthread_mutex_lock(&g_log_mu);
    g_warnings_ = 0;
    pthread_mutex_unlock(&g_log_mu);
    pinky_db *tx = NULL;
    pt_ok(pinky_db_begin(db, NULL, &tx));
    usleep(400000);
    assert_int_equal(warnings(), 1); /* while the connection is still held */
    assert_true(last_log_has("not returned"));
    pt_ok(pinky_db_rollback(tx));
    assert_int_equal(warnings(), 1); /* once per hold */
    pinky_db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cached_plan_after_alter),
        cmocka_unit_test(test_unnamed_statements_only),
        cmocka_unit_test(test_hook_leak_warning_and_waiters),
        cmocka_unit_test(test_minimum_kept_and_idle_expiry),
        cmocka_unit_test(test_leak_warned_while_held),
        cmocka_unit_test(test_killed_backends),
        cmocka_unit_test(test_server_restart_under_load),
    };
    return cmocka_run_group_tests_name("pool", tests, NULL, NULL);
}
