/* Migrations: the seed schema exactly, idempotence, checksums, versions, races. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "testdb.h"

static PGconn *connect_to(const char *conninfo)
{
    PGconn *c = PQconnectdb(conninfo);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    return c;
}

static char *scalar(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
        fail();
    }
    char *v = strdup(PQgetisnull(r, 0, 0) ? "" : PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

/* Every column (type, default, NOT NULL) and constraint of the public tables. */
static char *catalog(PGconn *c)
{
    return scalar(c,
                  "SELECT string_agg(x, E'\\n' ORDER BY x) FROM ("
                  " SELECT format('%s.%s %s notnull=%s default=%s', cl.relname, a.attname,"
                  "   format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid)) AS x"
                  " FROM pg_attribute a JOIN pg_class cl ON cl.oid = a.attrelid"
                  " JOIN pg_namespace n ON n.oid = cl.relnamespace"
                  " LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
                  " WHERE n.nspname = 'public' AND cl.relkind = 'r' AND a.attnum > 0"
                  "   AND NOT a.attisdropped AND cl.relname <> 'pinky_schema_migrations'"
                  " UNION ALL"
                  " SELECT format('%s constraint %s %s', conrelid::regclass, conname, pg_get_constraintdef(oid))"
                  " FROM pg_constraint WHERE connamespace = 'public'::regnamespace"
                  "   AND conrelid <> 'pinky_schema_migrations'::regclass) s");
}

/* The seed SQL as the specification writes it (shared/seed/schema.md), or
   the repository's sql/0001 file when the specification is not beside it. */
static char *reference_seed(void)
{
    FILE *f = fopen("../shared/seed/schema.md", "r");
    char line[4096];
    size_t cap = 1 << 16, len = 0;
    char *out = calloc(1, cap);
    if (f) {
        int in = 0;
        while (fgets(line, sizeof line, f)) {
            if (strncmp(line, "```sql", 6) == 0) {
                in = 1;
                continue;
            }
            if (strncmp(line, "```", 3) == 0) {
                in = 0;
                continue;
            }
            if (in)
                len += (size_t)snprintf(out + len, cap - len, "%s", line);
        }
        fclose(f);
        return out;
    }
    fprintf(stderr, "note: ../shared/seed/schema.md not found; comparing with sql/0001_seed.sql\n");
    f = fopen("sql/0001_seed.sql", "r");
    assert_non_null(f);
    len = fread(out, 1, cap - 1, f);
    out[len] = '\0';
    fclose(f);
    return out;
}

static void test_seed_schema_exact(void **state)
{
    (void)state;
    /* reference: the seed applied by hand */
    PGconn *ref = connect_to(pt_new_database());
    PQclear(PQexec(ref, "CREATE EXTENSION vector"));
    PQclear(PQexec(ref, "CREATE TABLE pinky_schema_migrations (version int)"));
    char *seed = reference_seed();
    PGresult *r = PQexec(ref, seed);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        fprintf(stderr, "seed: %s", PQerrorMessage(ref));
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    free(seed);
    /* the library's migrations */
    pt_db();
    char *want = catalog(ref);
    char *got = catalog(pt_pg());
    /* later migrations add indexes and triggers, never columns or constraints */
    if (strcmp(want, got) != 0)
        fprintf(stderr, "reference:\n%s\n\nmigrated:\n%s\n", want, got);
    assert_string_equal(want, got);
    assert_true(strstr(got, "users.username character varying(255) notnull=t") != NULL);
    assert_int_equal(pt_num("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
                            " AND tablename <> 'pinky_schema_migrations'"), 17);
    free(want);
    free(got);
    PQfinish(ref);
}

static void test_migrate_records_and_is_idempotent(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    size_t n = pinky_migration_count();
    assert_true(n >= 3);
    assert_int_equal(pt_num("SELECT count(*) FROM pinky_schema_migrations"), (long long)n);
    for (size_t i = 0; i < n; i++) {
        const pinky_migration *m = pinky_migration_at(i);
        assert_int_equal(m->version, (int)i + 1);
        char *sum = pt_str("SELECT checksum FROM pinky_schema_migrations WHERE version = %d AND name = '%s'",
                           m->version, m->name);
        assert_string_equal(sum, m->checksum);
        assert_int_equal(strlen(m->checksum), 64);
        free(sum);
    }
    assert_null(pinky_migration_at(n));
    assert_string_equal(pinky_migration_at(0)->name, "0001_seed.sql");
    assert_non_null(strstr(pinky_migration_at(0)->sql, "CREATE TABLE audit_logs"));
    pt_ok(pinky_migrate(db));
    assert_int_equal(pt_num("SELECT count(*) FROM pinky_schema_migrations"), (long long)n);
    int32_t v = 0;
    pt_ok(pinky_schema_version(db, &v));
    assert_int_equal(v, pinky_migration_at(n - 1)->version);
    /* the index and trigger migrations did their work */
    assert_int_equal(pt_num("SELECT count(*) FROM pg_indexes WHERE indexname = 'communications_content_vector_hnsw'"
                            " AND indexdef LIKE '%%hnsw%%vector_cosine_ops%%'"), 1);
    assert_int_equal(pt_num("SELECT count(*) FROM pg_trigger WHERE tgname LIKE '%%_touch'"), 11);
}

static pinky_db *open_on(const char *conninfo)
{
    pinky_db_options o;
    pinky_db_options_init(&o);
    o.conninfo = conninfo;
    pinky_db *db = NULL;
    pt_ok(pinky_db_open(&o, &db));
    return db;
}

static void test_checksum_mismatch_and_newer_database(void **state)
{
    (void)state;
    const char *ci = pt_new_database();
    pinky_db *db = open_on(ci);
    int32_t v = -1;
    pt_ok(pinky_schema_version(db, &v));
    assert_int_equal(v, 0);
    pt_ok(pinky_migrate(db));
    PGconn *c = connect_to(ci);
    PQclear(PQexec(c, "UPDATE pinky_schema_migrations SET checksum = 'edited' WHERE version = 2"));
    pt_status(pinky_migrate(db), PINKY_MIGRATION);
    pt_error_names("0002_indexes.sql");
    assert_non_null(strstr(pinky_error_last()->message, "new migration"));
    /* restore, then pretend a newer library migrated it */
    char sql[256];
    snprintf(sql, sizeof sql, "UPDATE pinky_schema_migrations SET checksum = '%s' WHERE version = 2",
             pinky_migration_at(1)->checksum);
    PQclear(PQexec(c, sql));
    pt_ok(pinky_migrate(db));
    PQclear(PQexec(c, "INSERT INTO pinky_schema_migrations VALUES (9999, '9999_future.sql', 'x')"));
    pt_status(pinky_migrate(db), PINKY_MIGRATION);
    pt_error_names("9999_future.sql");
    assert_non_null(strstr(pinky_error_last()->message, "newer than this library"));
    PQfinish(c);
    pinky_db_close(db);
}

/* Two processes migrate one empty database at the same moment. */
static void test_concurrent_migrate(void **state)
{
    (void)state;
    const char *ci = pt_new_database();
    int go[2];
    assert_int_equal(pipe(go), 0);
    pid_t kids[2];
    for (int i = 0; i < 2; i++) {
        kids[i] = fork();
        assert_true(kids[i] >= 0);
        if (kids[i] == 0) {
            char b;
            close(go[1]);
            pinky_db_options o;
            pinky_db_options_init(&o);
            o.conninfo = ci;
            pinky_db *db = NULL;
            if (pinky_db_open(&o, &db) != PINKY_OK)
                _exit(2);
            if (read(go[0], &b, 1) != 0) /* wait until the parent closes the pipe */
                _exit(3);
            pinky_status st = pinky_migrate(db);
            if (st != PINKY_OK)
                fprintf(stderr, "child %d: %s\n", i, pinky_error_last()->message);
            pinky_db_close(db);
            _exit(st == PINKY_OK ? 0 : 1);
        }
    }
    close(go[0]);
    usleep(200000); /* both children connected and blocked on the pipe */
    close(go[1]);
    for (int i = 0; i < 2; i++) {
        int status = 0;
        assert_int_equal(waitpid(kids[i], &status, 0), kids[i]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    PGconn *c = connect_to(ci);
    char *n = scalar(c, "SELECT count(*) || '/' || count(DISTINCT version) FROM pinky_schema_migrations");
    char want[32];
    snprintf(want, sizeof want, "%zu/%zu", pinky_migration_count(), pinky_migration_count());
    assert_string_equal(n, want);
    free(n);
    char *tables = scalar(c, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'");
    assert_string_equal(tables, "18");
    free(tables);
    PQfinish(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_schema_exact),
        cmocka_unit_test(test_migrate_records_and_is_idempotent),
        cmocka_unit_test(test_checksum_mismatch_and_newer_database),
        cmocka_unit_test(test_concurrent_migrate),
    };
    return cmocka_run_group_tests_name("migrate", tests, NULL, NULL);
}
