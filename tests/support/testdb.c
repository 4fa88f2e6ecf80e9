/* Scratch databases for integration tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "testdb.h"

#define MAX_DBS 16
static char *g_dbs[MAX_DBS];
static int g_ndbs;
static char *g_shared;
static pinky_db *g_db;
static PGconn *g_pg;
static char *g_admin;

static const char *admin_dsn(void)
{
    if (g_admin == NULL) {
        const char *dsn = getenv("PINKY_DSN");
        if (dsn == NULL || dsn[0] == '\0') {
            fprintf(stderr, "PINKY_DSN is not set: run integration tests through scripts/with-db\n");
            exit(1);
        }
        g_admin = strdup(dsn);
    }
    return g_admin;
}

/* conninfo of admin_dsn() with dbname replaced */
static char *with_dbname(const char *dbname)
{
    char *err = NULL;
    PQconninfoOption *opts = PQconninfoParse(admin_dsn(), &err);
    if (opts == NULL) {
        fprintf(stderr, "cannot parse PINKY_DSN: %s\n", err ? err : "?");
        exit(1);
    }
    size_t cap = 4096, len = 0;
    char *out = calloc(1, cap);
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        const char *v = strcmp(o->keyword, "dbname") == 0 ? dbname : o->val;
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

static void drop_all(void)
{
    if (g_db)
        pinky_db_close(g_db);
    if (g_pg)
        PQfinish(g_pg);
    PGconn *c = PQconnectdb(admin_dsn());
    for (int i = 0; i < g_ndbs; i++) {
        char sql[256];
        snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", g_dbs[i]);
        PQclear(PQexec(c, sql));
        free(g_dbs[i]);
    }
    PQfinish(c);
}

const char *pt_new_database(void)
{
    static int registered;
    static pid_t owner;
    if (!registered) {
        owner = getpid();
        atexit(drop_all);
        registered = 1;
    }
    if (getpid() != owner || g_ndbs >= MAX_DBS) {
        fprintf(stderr, "pt_new_database: not from a child / too many\n");
        exit(1);
    }
    char name[64];
    snprintf(name, sizeof name, "pinky_t_%d_%d", (int)getpid(), g_ndbs);
    PGconn *c = PQconnectdb(admin_dsn());
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "cannot connect with PINKY_DSN: %s", PQerrorMessage(c));
        exit(1);
    }
    char sql[256];
    snprintf(sql, sizeof sql, "CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8'", name);
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "cannot create a scratch database (PINKY_DSN must allow CREATE DATABASE): %s",
                PQerrorMessage(c));
        exit(1);
    }
    PQclear(r);
    PQfinish(c);
    g_dbs[g_ndbs++] = strdup(name);
    static char *last[MAX_DBS];
    last[g_ndbs - 1] = with_dbname(name);
    return last[g_ndbs - 1];
}

const char *pt_conninfo(void)
{
    if (g_shared == NULL)
        g_shared = (char *)pt_new_database();
    return g_shared;
}

pinky_db *pt_db(void)
{
    if (g_db == NULL) {
        pinky_db_options o;
        pinky_db_options_init(&o);
        o.conninfo = pt_conninfo();
        o.max_connections = 8;
        if (pinky_db_open(&o, &g_db) != PINKY_OK) {
            fprintf(stderr, "pinky_db_open: %s\n", pinky_error_last()->message);
            exit(1);
        }
        if (pinky_migrate(g_db) != PINKY_OK) {
            fprintf(stderr, "pinky_migrate: %s\n", pinky_error_last()->message);
            exit(1);
        }
    }
    return g_db;
}

PGconn *pt_pg(void)
{
    if (g_pg == NULL) {
        pt_db();
        g_pg = PQconnectdb(pt_conninfo());
        if (PQstatus(g_pg) != CONNECTION_OK) {
            fprintf(stderr, "libpq connect: %s", PQerrorMessage(g_pg));
            exit(1);
        }
        PQclear(PQexec(g_pg, "SET TimeZone = 'UTC'"));
    }
    return g_pg;
}

static PGresult *run(const char *fmt, va_list ap)
{
    char *sql = NULL;
    if (vasprintf(&sql, fmt, ap) < 0)
        abort();
    PGresult *r = PQexec(pt_pg(), sql);
    ExecStatusType s = PQresultStatus(r);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        fprintf(stderr, "SQL failed: %s\n  %s", sql, PQerrorMessage(pt_pg()));
        free(sql);
        fail();
    }
    free(sql);
    return r;
}

void pt_exec(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    PQclear(run(fmt, ap));
    va_end(ap);
}

long long pt_num(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    PGresult *r = run(fmt, ap);
    va_end(ap);
    assert_int_equal(PQntuples(r), 1);
    long long v = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

char *pt_str(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    PGresult *r = run(fmt, ap);
    va_end(ap);
    assert_int_equal(PQntuples(r), 1);
    char *v = PQgetisnull(r, 0, 0) ? NULL : strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

const char *pt_unique(const char *prefix)
{
    static __thread char buf[128];
    static int counter;
    snprintf(buf, sizeof buf, "%s-%d-%d", prefix, (int)getpid(), __atomic_add_fetch(&counter, 1, __ATOMIC_SEQ_CST));
    return buf;
}

char *pt_repeat(const char *unit, int n)
{
    size_t u = strlen(unit);
    char *s = malloc(u * (size_t)n + 1);
    for (int i = 0; i < n; i++)
        memcpy(s + u * (size_t)i, unit, u);
    s[u * (size_t)n] = '\0';
    return s;
}

const char *pt_uuid_str(const pinky_uuid *u)
{
    static __thread char bufs[8][PINKY_UUID_STRLEN];
    static __thread int next;
    char *b = bufs[next++ % 8];
    pinky_uuid_format(u, b);
    return b;
}

int pt_split_csv(char *s, char **parts, int cap)
{
    int n = 0;
    if (s == NULL || *s == '\0')
        return 0;
    for (char *p = s;;) {
        assert_true(n < cap);
        parts[n++] = p;
        char *c = strchr(p, ',');
        if (c == NULL)
            break;
        *c = '\0';
        p = c + 1;
    }
    return n;
}

int32_t pt_user(void)
{
    pinky_user u;
    pinky_user_init(&u);
    u.username = (char *)pt_unique("owner");
    pinky_user *out = NULL;
    pt_ok(pinky_user_create(pt_db(), &u, &out));
    int32_t id = out->id;
    pinky_user_free(out);
    return id;
}

void pt_expect_status(pinky_status got, pinky_status want, const char *expr, const char *file,
                      int line)
{
    if (got != want) {
        const pinky_error *e = pinky_error_last();
        fprintf(stderr, "%s:%d: %s returned %s, expected %s\n  error: %s [%s] %s\n", file, line,
                expr, pinky_status_str(got), pinky_status_str(want), e->message, e->sqlstate,
                e->detail);
        fail();
    }
}

void pt_error_names(const char *field)
{
    const pinky_error *e = pinky_error_last();
    if (strstr(e->message, field) == NULL) {
        fprintf(stderr, "error message does not name %s: %s\n", field, e->message);
        fail();
    }
}
