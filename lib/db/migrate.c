/*
 * Schema migrations: the embedded sql/NNNN_name.sql files, applied in order, each in
 * its own transaction, under a session advisory lock taken before the
 * applied versions are read.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "db/migrations.h"
#include "db/pool.h"

/* pg_advisory_lock key: an arbitrary constant every libpinky process agrees on. */
#define PK_MIGRATE_LOCK_KEY "7379091425400"

static pinky_migration *g_migrations;
static char (*g_checksums)[65];
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void build_table(void)
{
    size_t n = pk_embedded_migration_count;
    g_migrations = calloc(n ? n : 1, sizeof *g_migrations);
    g_checksums = calloc(n ? n : 1, sizeof *g_checksums);
    if (g_migrations == NULL || g_checksums == NULL) {
        free(g_migrations);
        free(g_checksums);
        g_migrations = NULL;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const pk_embedded_sql *e = &pk_embedded_migrations[i];
        pk_sha256_hex(e->sql, strlen(e->sql), g_checksums[i]);
        g_migrations[i] = (pinky_migration){e->version, e->name, e->sql, g_checksums[i]};
    }
}

static const pinky_migration *table(void)
{
    pthread_once(&g_once, build_table);
    return g_migrations;
}

PINKY_API size_t pinky_migration_count(void) { return table() ? pk_embedded_migration_count : 0; }

PINKY_API const pinky_migration *pinky_migration_at(size_t i)
{
    const pinky_migration *t = table();
    return t && i < pk_embedded_migration_count ? &t[i] : NULL;
}

/* Re-labels the thread's error as MIGRATION, keeping the server's fields. */
static pinky_status as_migration(const char *fmt, const char *name)
{
    pinky_error *e = pinky_error_copy(pinky_error_last());
    if (e == NULL)
        return pk_err_nomem();
    char msg[1200];
    snprintf(msg, sizeof msg, fmt, name, e->message);
    pk_server_error s = {e->sqlstate, msg, e->detail, e->hint, e->constraint_name, e->table_name,
                         e->column_name};
    pk_err_server(PINKY_MIGRATION, &s);
    pinky_error_free(e);
    return PINKY_MIGRATION;
}

static pinky_status ensure_vector(pk_pool *pool, pk_conn *c)
{
    PGresult *r = NULL;
    pinky_status st = pk_conn_simple_res(
        pool, c, "SELECT 1 FROM pg_available_extensions WHERE name = 'vector'", &r);
    if (st != PINKY_OK)
        return st;
    bool available = PQntuples(r) == 1;
    PQclear(r);
    if (!available) {
        char ver[16];
        snprintf(ver, sizeof ver, "%d", PQserverVersion(c->pg) / 10000);
        return pk_err(PINKY_MIGRATION, "vector",
                      "the pgvector extension is not installed on the PostgreSQL %s server: install "
                      "the postgresql-%s-pgvector package (or build pgvector with "
                      "scripts/bootstrap), then run pinky_migrate again",
                      ver, ver);
    }
    st = pk_conn_simple(pool, c, "CREATE EXTENSION IF NOT EXISTS vector");
    if (st != PINKY_OK)
        return as_migration("%s: cannot create the vector extension (a superuser may have to run "
                            "CREATE EXTENSION vector once): %s",
                            "0001");
    return PINKY_OK;
}

static pinky_status apply(pk_pool *pool, pk_conn *c, const pinky_migration *m)
{
    pinky_status st = pk_conn_simple(pool, c, "BEGIN");
    if (st != PINKY_OK)
        return st;
    if (m->version == 1)
        st = ensure_vector(pool, c);
    if (st == PINKY_OK) {
        st = pk_conn_simple(pool, c, m->sql);
        if (st != PINKY_OK)
            st = as_migration("%s failed: %s", m->name);
    }
    if (st == PINKY_OK) {
        pk_params ps;
        pk_params_init(&ps);
        pk_p_i32(&ps, m->version);
        pk_p_text(&ps, m->name);
        pk_p_text(&ps, m->checksum);
        PGresult *r = NULL;
        st = pk_conn_query(pool, c, true,
                           "INSERT INTO pinky_schema_migrations (version, name, checksum) "
                           "VALUES ($1::int4, $2::text, $3::text)",
                           &ps, 1, &r);
        PQclear(r);
        pk_params_free(&ps);
    }
    if (st == PINKY_OK)
        st = pk_conn_simple(pool, c, "COMMIT");
    else if (!c->broken)
        pk_conn_simple(pool, c, "ROLLBACK");
    return st;
}

static pinky_status migrate_locked(pk_pool *pool, pk_conn *c)
{
    pinky_status st = pk_conn_simple(pool, c,
                                     "CREATE TABLE IF NOT EXISTS pinky_schema_migrations ("
                                     " version integer PRIMARY KEY,"
                                     " name text NOT NULL,"
                                     " checksum text NOT NULL,"
                                     " applied_at timestamptz NOT NULL DEFAULT now())");
    if (st != PINKY_OK)
        return st;
    PGresult *r = NULL;
    st = pk_conn_simple_res(pool, c,
                            "SELECT version, name, checksum FROM pinky_schema_migrations ORDER BY version",
                            &r);
    if (st != PINKY_OK)
        return st;
    size_t n = pinky_migration_count();
    int applied_max = 0;
    for (int i = 0; i < PQntuples(r) && st == PINKY_OK; i++) {
        int v = atoi(PQgetvalue(r, i, 0));
        const char *name = PQgetvalue(r, i, 1), *sum = PQgetvalue(r, i, 2);
        applied_max = v > applied_max ? v : applied_max;
        const pinky_migration *m = NULL;
        for (size_t k = 0; k < n; k++)
            if (pinky_migration_at(k)->version == v)
                m = pinky_migration_at(k);
        if (m == NULL) {
            const pinky_migration *last = n ? pinky_migration_at(n - 1) : NULL;
            st = pk_err(PINKY_MIGRATION, "version",
                        "the database has migration %s (version %d), newer than this library "
                        "(which knows up to version %d): use a libpinky at least as new as the "
                        "one that migrated it",
                        name, v, last ? last->version : 0);
        } else if (strcmp(m->checksum, sum) != 0) {
            st = pk_err(PINKY_MIGRATION, m->name,
                        "migration %s was applied with checksum %.12s... but this library's copy "
                        "has %.12s...: the file was edited after it was applied; restore it and "
                        "put the change in a new migration file",
                        m->name, sum, m->checksum);
        }
    }
    PQclear(r);
    for (size_t k = 0; k < n && st == PINKY_OK; k++) {
        const pinky_migration *m = pinky_migration_at(k);
        if (m->version > applied_max) {
            st = apply(pool, c, m);
            if (st == PINKY_OK)
                pk_pool_log(pool, PINKY_LOG_INFO, "applied migration %s", m->name);
        }
    }
    return st;
}

PINKY_API pinky_status pinky_migrate(pinky_db *db)
{
    pinky_status st = pk_check_db(db);
    if (st != PINKY_OK)
        return st;
    if (db->kind != PK_DB_POOL)
        return pk_err(PINKY_STATE, "db", "pinky_migrate needs the pool handle, not a transaction");
    if (table() == NULL)
        return pk_err_nomem();
    pk_pool *pool = db->pool;
    pk_conn *c;
    st = pk_pool_acquire(pool, &c);
    if (st != PINKY_OK)
        return st;
    st = pk_conn_simple(pool, c, "SELECT pg_advisory_lock(" PK_MIGRATE_LOCK_KEY ")");
    if (st == PINKY_OK) {
        st = migrate_locked(pool, c);
        pinky_error *keep = st != PINKY_OK ? pinky_error_copy(pinky_error_last()) : NULL;
        if (!c->broken &&
            pk_conn_simple(pool, c, "SELECT pg_advisory_unlock(" PK_MIGRATE_LOCK_KEY ")") != PINKY_OK)
            c->broken = true;
        if (keep) {
            pk_err_restore(keep);
            pinky_error_free(keep);
        }
    }
    /* whatever ran, cached statements may describe the old schema */
    pk_conn_forget_statements(c);
    if (!c->broken && pk_conn_simple(pool, c, "DEALLOCATE ALL") != PINKY_OK)
        c->broken = true;
    pthread_mutex_lock(&pool->mu);
    pool->epoch++;
    c->epoch = pool->epoch;
    pthread_mutex_unlock(&pool->mu);
    pk_pool_release(pool, c);
    return st;
}

PINKY_API pinky_status pinky_schema_version(pinky_db *db, int32_t *version)
{
    if (version == NULL)
        return pk_err(PINKY_INVALID, "version", "version: NULL pointer");
    *version = 0;
    pk_res *r = NULL;
    pinky_status st = pk_query(db, "SELECT to_regclass('pinky_schema_migrations') IS NOT NULL", NULL, &r);
    if (st != PINKY_OK)
        return st;
    bool exists = pk_res_bool(r, 0, 0);
    pk_res_free(r);
    if (!exists)
        return PINKY_OK;
    st = pk_query(db, "SELECT COALESCE(max(version), 0) FROM pinky_schema_migrations", NULL, &r);
    if (st == PINKY_OK) {
        *version = pk_res_i32(r, 0, 0);
        pk_res_free(r);
    }
    return st;
}
