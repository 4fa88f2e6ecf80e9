/*
 * platform_connections, sync_operations and sync_items: round trips of every
 * column, bad input, tenancy, pagination, masked updates, upsert, cascades.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testdb.h"

/* ---- helpers ---- */

static void assert_no_secret(const char *secret)
{
    const pinky_error *e = pinky_error_last();
    const char *parts[] = {e->message, e->field, e->detail, e->hint, e->constraint_name,
                           e->column_name};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        if (strstr(parts[i], secret)) {
            fprintf(stderr, "secret leaked into the error: %s\n", parts[i]);
            fail();
        }
    }
}

/* The ids a SQL query returns (first column, text), in its order. */
static char **sql_ids(size_t *n, const char *fmt, ...)
{
    char *sql = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&sql, fmt, ap) < 0)
        abort();
    va_end(ap);
    PGresult *r = PQexec(pt_pg(), sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "SQL failed: %s\n  %s", sql, PQerrorMessage(pt_pg()));
        fail();
    }
    *n = (size_t)PQntuples(r);
    char **ids = calloc(*n + 1, sizeof *ids);
    for (size_t i = 0; i < *n; i++)
        ids[i] = strdup(PQgetvalue(r, (int)i, 0));
    PQclear(r);
    free(sql);
    return ids;
}

static void free_ids(char **ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
}

/* Every public page struct has this layout. */
typedef struct any_page {
    void **items;
    size_t count;
    char *next_cursor;
} any_page;

typedef struct lister {
    pinky_status (*list)(int32_t user, const void *filter, any_page **page);
    void (*free_page)(any_page *page);
    size_t id_offset;
} lister;

static pinky_status list_conns(int32_t user, const void *f, any_page **p)
{
    return pinky_platform_connection_list(pt_db(), user, f, (pinky_platform_connection_page **)p);
}
static void free_conns(any_page *p) { pinky_platform_connection_page_free((pinky_platform_connection_page *)p); }
static pinky_status list_ops(int32_t user, const void *f, any_page **p)
{
    return pinky_sync_operation_list(pt_db(), user, f, (pinky_sync_operation_page **)p);
}
static void free_ops(any_page *p) { pinky_sync_operation_page_free((pinky_sync_operation_page *)p); }
static pinky_status list_items(int32_t user, const void *f, any_page **p)
{
    return pinky_sync_item_list(pt_db(), user, f, (pinky_sync_item_page **)p);
}
static void free_items(any_page *p) { pinky_sync_item_page_free((pinky_sync_item_page *)p); }

static const lister CONNS = {list_conns, free_conns, offsetof(pinky_platform_connection, id)};
static const lister OPS = {list_ops, free_ops, offsetof(pinky_sync_operation, id)};
static const lister ITEMS = {list_items, free_items, offsetof(pinky_sync_item, id)};

/*
 * Walks every page of a list (the filter's cursor member is cursor_slot)
 * and asserts it yields exactly the ids `want`, in that order, each page
 * holding at most limit rows.  Returns the number of pages.
 */
static int walk_pages(const lister *l, int32_t user, const void *filter, const char **cursor_slot,
                      uint32_t limit, char **want, size_t nwant)
{
    size_t seen = 0;
    int pages = 0;
    char *cursor = NULL;
    for (;;) {
        *cursor_slot = cursor;
        any_page *p = NULL;
        pt_ok(l->list(user, filter, &p));
        pages++;
        assert_true(p->count <= limit);
        for (size_t i = 0; i < p->count; i++) {
            assert_true(seen < nwant);
            const pinky_uuid *id = (const pinky_uuid *)((const char *)p->items[i] + l->id_offset);
            assert_string_equal(pt_uuid_str(id), want[seen]);
            seen++;
        }
        free(cursor);
        cursor = p->next_cursor ? strdup(p->next_cursor) : NULL;
        if (cursor == NULL)
            assert_true(p->count > 0 || seen == 0);
        l->free_page(p);
        if (cursor == NULL)
            break;
        assert_true(pages < 10000);
    }
    *cursor_slot = NULL;
    assert_int_equal(seen, nwant);
    return pages;
}

static pinky_uuid new_connection(int32_t user, const char *name)
{
    pinky_platform_connection c;
    pinky_platform_connection_init(&c);
    c.name = (char *)name;
    c.platform = PINKY_PLATFORM_DROPBOX;
    c.root_path = "/";
    c.credentials = "{}";
    pinky_platform_connection *out = NULL;
    pt_ok(pinky_platform_connection_create(pt_db(), user, &c, &out));
    pinky_uuid id = out->id;
    pinky_platform_connection_free(out);
    return id;
}

static long long count_where(const char *table, const char *col, const pinky_uuid *id)
{
    return pt_num("SELECT count(*) FROM %s WHERE %s = '%s'", table, col, pt_uuid_str(id));
}

/* ---- enums ---- */

static void test_enums(void **state)
{
    (void)state;
    assert_string_equal(pinky_platform_str(PINKY_PLATFORM_UBUNTU), "UBUNTU");
    assert_string_equal(pinky_platform_str(PINKY_PLATFORM_WEB), "WEB");
    assert_null(pinky_platform_str(0));
    assert_null(pinky_platform_str((pinky_platform)6));
    assert_string_equal(pinky_sync_direction_str(PINKY_SYNC_DIRECTION_BIDIRECTIONAL), "BIDIRECTIONAL");
    assert_null(pinky_sync_direction_str((pinky_sync_direction)4));
    assert_string_equal(pinky_sync_status_str(PINKY_SYNC_STATUS_IN_PROGRESS), "IN_PROGRESS");
    assert_null(pinky_sync_status_str((pinky_sync_status)-1));
    assert_string_equal(pinky_sync_item_status_str(PINKY_SYNC_ITEM_STATUS_SYNCING), "SYNCING");
    assert_string_equal(pinky_conflict_resolution_str(PINKY_CONFLICT_RESOLUTION_SKIP), "SKIP");
    assert_null(pinky_conflict_resolution_str((pinky_conflict_resolution)5));

    pinky_platform p = 0;
    pt_ok(pinky_platform_parse("IOS", &p));
    assert_int_equal(p, PINKY_PLATFORM_IOS);
    pt_status(pinky_platform_parse("ios", &p), PINKY_INVALID);
    pt_error_names("platform");
    assert_int_equal(p, PINKY_PLATFORM_IOS);
    pt_status(pinky_platform_parse(NULL, &p), PINKY_INVALID);
    pt_status(pinky_platform_parse("WEB", NULL), PINKY_INVALID);
    pinky_sync_direction d = 0;
    pt_ok(pinky_sync_direction_parse("DOWNLOAD", &d));
    assert_int_equal(d, PINKY_SYNC_DIRECTION_DOWNLOAD);
    pinky_sync_status s = 0;
    pt_ok(pinky_sync_status_parse("CONFLICT", &s));
    assert_int_equal(s, PINKY_SYNC_STATUS_CONFLICT);
    pt_status(pinky_sync_status_parse("SYNCING", &s), PINKY_INVALID);
    pt_error_names("sync_status");
    pinky_sync_item_status is = 0;
    pt_ok(pinky_sync_item_status_parse("SYNCED", &is));
    assert_int_equal(is, PINKY_SYNC_ITEM_STATUS_SYNCED);
    pt_status(pinky_sync_item_status_parse("IN_PROGRESS", &is), PINKY_INVALID);
    pinky_conflict_resolution cr = 0;
    pt_ok(pinky_conflict_resolution_parse("BOTH", &cr));
    assert_int_equal(cr, PINKY_CONFLICT_RESOLUTION_BOTH);
    pt_status(pinky_conflict_resolution_parse("", &cr), PINKY_INVALID);
    pt_error_names("conflict_resolution");
    /* every value maps back */
    for (int v = 1; v <= 5; v++) {
        pinky_platform q;
        pt_ok(pinky_platform_parse(pinky_platform_str((pinky_platform)v), &q));
        assert_int_equal(q, v);
        pinky_sync_item_status r;
        pt_ok(pinky_sync_item_status_parse(pinky_sync_item_status_str((pinky_sync_item_status)v), &r));
        assert_int_equal(r, v);
    }
}

/* ---- platform_connections ---- */

static void test_connection_round_trip(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    char *name = pt_repeat("é", 255);
    char *status = pt_repeat("ß", 50);
    pinky_platform_connection c;
    pinky_platform_connection_init(&c);
    c.id.bytes[0] = 0xAA;  /* ignored */
    c.user_id = 999999;    /* ignored: the acting user owns it */
    c.name = name;
    c.platform = PINKY_PLATFORM_WINDOWS;
    c.root_path = "C:\\Users\\Zoë\\Dropbox — 文件";
    c.credentials = "{\"user\": \"zoë\", \"token\": \"t0k3n\", \"scopes\": [\"r\", \"w\"]}";
    c.is_enabled = pinky_bool(false);
    c.sync_on_startup = pinky_bool(true);
    c.sync_on_schedule = pinky_bool(true);
    c.sync_direction = PINKY_SYNC_DIRECTION_BIDIRECTIONAL;
    c.sync_interval = pinky_i32(INT32_MAX);
    c.metadata = "[1, 2.5, null, {\"π\": true}]";
    c.last_sync_date = pinky_time_val(PINKY_TIME_INFINITY);
    c.status = status;
    pinky_platform_connection *out = NULL;
    pinky_time before = pinky_time_now();
    pt_ok(pinky_platform_connection_create(db, uid, &c, &out));
    assert_int_equal(out->struct_size, sizeof(pinky_platform_connection));
    assert_false(pinky_uuid_is_nil(&out->id));
    assert_false(pinky_uuid_equal(&out->id, &c.id));
    assert_int_equal(out->user_id, uid);
    assert_string_equal(out->name, name);
    assert_int_equal(out->platform, PINKY_PLATFORM_WINDOWS);
    assert_string_equal(out->root_path, c.root_path);
    assert_string_equal(out->credentials, c.credentials);
    assert_true(out->is_enabled.is_set && !out->is_enabled.value);
    assert_true(out->sync_on_startup.is_set && out->sync_on_startup.value);
    assert_true(out->sync_on_schedule.is_set && out->sync_on_schedule.value);
    assert_int_equal(out->sync_direction, PINKY_SYNC_DIRECTION_BIDIRECTIONAL);
    assert_true(out->sync_interval.is_set);
    assert_int_equal(out->sync_interval.value, INT32_MAX);
    assert_string_equal(out->metadata, c.metadata);
    assert_true(out->last_sync_date.is_set);
    assert_true(out->last_sync_date.value == PINKY_TIME_INFINITY);
    assert_string_equal(out->status, status);
    assert_true(out->created_at >= before - 5000000 && out->created_at <= pinky_time_now() + 5000000);
    assert_int_equal(out->created_at, out->updated_at);

    /* through the API */
    pinky_platform_connection *got = NULL;
    pt_ok(pinky_platform_connection_get(db, uid, &out->id, &got));
    assert_string_equal(got->name, name);
    assert_string_equal(got->credentials, c.credentials);
    assert_string_equal(got->metadata, c.metadata);
    assert_string_equal(got->status, status);
    assert_int_equal(got->platform, PINKY_PLATFORM_WINDOWS);
    assert_int_equal(got->sync_interval.value, INT32_MAX);
    assert_true(got->last_sync_date.value == PINKY_TIME_INFINITY);
    assert_int_equal(got->created_at, out->created_at);
    assert_int_equal(got->updated_at, out->updated_at);
    pinky_platform_connection_free(got);

    /* through SQL */
    const char *id = pt_uuid_str(&out->id);
    char *s = pt_str("SELECT name FROM platform_connections WHERE id = '%s'", id);
    assert_string_equal(s, name);
    free(s);
    assert_int_equal(pt_num("SELECT char_length(name) FROM platform_connections WHERE id = '%s'", id), 255);
    assert_int_equal(pt_num("SELECT char_length(status) FROM platform_connections WHERE id = '%s'", id), 50);
    s = pt_str("SELECT platform || '|' || sync_direction || '|' || root_path FROM platform_connections WHERE id = '%s'", id);
    assert_string_equal(s, "WINDOWS|BIDIRECTIONAL|C:\\Users\\Zoë\\Dropbox — 文件");
    free(s);
    s = pt_str("SELECT credentials->>'token' FROM platform_connections WHERE id = '%s'", id);
    assert_string_equal(s, "t0k3n");
    free(s);
    s = pt_str("SELECT metadata->3->>'π' FROM platform_connections WHERE id = '%s'", id);
    assert_string_equal(s, "true");
    free(s);
    assert_int_equal(pt_num("SELECT user_id FROM platform_connections WHERE id = '%s'", id), uid);
    assert_int_equal(pt_num("SELECT (NOT is_enabled AND sync_on_startup AND sync_on_schedule)::int FROM platform_connections WHERE id = '%s'", id), 1);
    assert_int_equal(pt_num("SELECT sync_interval FROM platform_connections WHERE id = '%s'", id), INT32_MAX);
    assert_int_equal(pt_num("SELECT (last_sync_date = 'infinity')::int FROM platform_connections WHERE id = '%s'", id), 1);

    /* defaults: everything optional unset */
    pinky_platform_connection m;
    pinky_platform_connection_init(&m);
    m.name = "x";
    m.platform = PINKY_PLATFORM_UBUNTU;
    m.root_path = "/";
    m.credentials = "null";
    pinky_platform_connection *d = NULL;
    pt_ok(pinky_platform_connection_create(db, uid, &m, &d));
    assert_true(d->is_enabled.is_set && d->is_enabled.value);
    assert_true(d->sync_on_startup.is_set && !d->sync_on_startup.value);
    assert_true(d->sync_on_schedule.is_set && !d->sync_on_schedule.value);
    assert_string_equal(d->status, "DISCONNECTED");
    assert_int_equal(d->sync_direction, 0);
    assert_false(d->sync_interval.is_set);
    assert_null(d->metadata);
    assert_false(d->last_sync_date.is_set);
    assert_string_equal(d->credentials, "null");
    const char *did = pt_uuid_str(&d->id);
    assert_int_equal(pt_num("SELECT (is_enabled AND NOT sync_on_startup AND NOT sync_on_schedule AND sync_direction IS NULL AND sync_interval IS NULL AND metadata IS NULL AND last_sync_date IS NULL AND status = 'DISCONNECTED')::int FROM platform_connections WHERE id = '%s'", did), 1);

    /* edge values the other way */
    pinky_platform_connection e;
    pinky_platform_connection_init(&e);
    e.name = "edge";
    e.platform = PINKY_PLATFORM_IOS;
    e.root_path = "/";
    e.credentials = "\"\"";
    e.sync_interval = pinky_i32(INT32_MIN);
    e.last_sync_date = pinky_time_val(PINKY_TIME_NEG_INFINITY);
    e.status = "";
    e.is_enabled = pinky_bool(true);
    pinky_platform_connection *eo = NULL;
    pt_ok(pinky_platform_connection_create(db, uid, &e, &eo));
    assert_int_equal(eo->sync_interval.value, INT32_MIN);
    assert_true(eo->last_sync_date.value == PINKY_TIME_NEG_INFINITY);
    assert_string_equal(eo->status, "");
    assert_int_equal(pt_num("SELECT (last_sync_date = '-infinity' AND status = '')::int FROM platform_connections WHERE id = '%s'", pt_uuid_str(&eo->id)), 1);

    /* update two fields and clear two; the rest stay; updated_at moves */
    pinky_platform_connection ch;
    pinky_platform_connection_init(&ch);
    ch.status = "CONNECTED";
    ch.sync_interval = pinky_i32(300);
    ch.metadata = NULL;
    ch.sync_direction = 0;
    ch.name = "not written: not in the mask";
    pinky_platform_connection *upd = NULL;
    pt_ok(pinky_platform_connection_update(db, uid, &out->id, &ch,
                                           PINKY_PLATFORM_CONNECTION_STATUS |
                                               PINKY_PLATFORM_CONNECTION_SYNC_INTERVAL |
                                               PINKY_PLATFORM_CONNECTION_METADATA |
                                               PINKY_PLATFORM_CONNECTION_SYNC_DIRECTION,
                                           &out->updated_at, &upd));
    assert_string_equal(upd->status, "CONNECTED");
    assert_int_equal(upd->sync_interval.value, 300);
    assert_null(upd->metadata);
    assert_int_equal(upd->sync_direction, 0);
    assert_string_equal(upd->name, name);
    assert_string_equal(upd->credentials, c.credentials);
    assert_true(upd->updated_at > out->updated_at);
    assert_int_equal(upd->created_at, out->created_at);
    assert_int_equal(pt_num("SELECT (name = '%s' AND platform = 'WINDOWS' AND credentials->>'token' = 't0k3n' AND NOT is_enabled AND sync_on_startup AND sync_on_schedule AND last_sync_date = 'infinity' AND metadata IS NULL AND sync_direction IS NULL AND sync_interval = 300 AND status = 'CONNECTED')::int FROM platform_connections WHERE id = '%s'", name, id), 1);

    /* every remaining field through update */
    pinky_platform_connection all;
    pinky_platform_connection_init(&all);
    all.name = "renamed";
    all.platform = PINKY_PLATFORM_WEB;
    all.root_path = "https://example.invalid/root";
    all.credentials = "{\"k\": 1}";
    all.is_enabled = pinky_bool(true);
    all.sync_on_startup = (pinky_opt_bool){0};
    all.sync_on_schedule = pinky_bool(false);
    all.last_sync_date = pinky_time_val(1700000000123456);
    pinky_platform_connection *upd2 = NULL;
    pt_ok(pinky_platform_connection_update(
        db, uid, &out->id, &all,
        PINKY_PLATFORM_CONNECTION_NAME | PINKY_PLATFORM_CONNECTION_PLATFORM |
            PINKY_PLATFORM_CONNECTION_ROOT_PATH | PINKY_PLATFORM_CONNECTION_CREDENTIALS |
            PINKY_PLATFORM_CONNECTION_IS_ENABLED | PINKY_PLATFORM_CONNECTION_SYNC_ON_STARTUP |
            PINKY_PLATFORM_CONNECTION_SYNC_ON_SCHEDULE | PINKY_PLATFORM_CONNECTION_LAST_SYNC_DATE,
        NULL, &upd2));
    assert_string_equal(upd2->name, "renamed");
    assert_int_equal(upd2->platform, PINKY_PLATFORM_WEB);
    assert_string_equal(upd2->root_path, "https://example.invalid/root");
    assert_string_equal(upd2->credentials, "{\"k\": 1}");
    assert_true(upd2->is_enabled.is_set && upd2->is_enabled.value);
    assert_false(upd2->sync_on_startup.is_set);
    assert_true(upd2->sync_on_schedule.is_set && !upd2->sync_on_schedule.value);
    assert_int_equal(upd2->last_sync_date.value, 1700000000123456);
    assert_string_equal(upd2->status, "CONNECTED");
    assert_int_equal(pt_num("SELECT (sync_on_startup IS NULL)::int FROM platform_connections WHERE id = '%s'", id), 1);
    assert_int_equal(pt_num("SELECT (extract(epoch FROM last_sync_date) * 1000000)::bigint FROM platform_connections WHERE id = '%s'", id), 1700000000123456LL);

    /* a stale expected updated_at is CONFLICT and writes nothing */
    ch.status = "STALE";
    pt_status(pinky_platform_connection_update(db, uid, &out->id, &ch, PINKY_PLATFORM_CONNECTION_STATUS,
                                               &upd->updated_at, &got),
              PINKY_CONFLICT);
    pt_error_names("updated_at");
    assert_null(got);
    s = pt_str("SELECT status FROM platform_connections WHERE id = '%s'", id);
    assert_string_equal(s, "CONNECTED");
    free(s);
    assert_int_equal(pt_num("SELECT (extract(epoch FROM updated_at) * 1000000)::bigint FROM platform_connections WHERE id = '%s'", id),
                     upd2->updated_at);

    /* delete */
    pt_ok(pinky_platform_connection_delete(db, uid, &out->id));
    pt_status(pinky_platform_connection_get(db, uid, &out->id, &got), PINKY_NOT_FOUND);
    assert_null(got);
    pt_status(pinky_platform_connection_delete(db, uid, &out->id), PINKY_NOT_FOUND);
    pt_status(pinky_platform_connection_update(db, uid, &out->id, &ch, PINKY_PLATFORM_CONNECTION_STATUS, NULL, NULL),
              PINKY_NOT_FOUND);
    assert_int_equal(count_where("platform_connections", "id", &out->id), 0);

    pinky_platform_connection_free(out);
    pinky_platform_connection_free(d);
    pinky_platform_connection_free(eo);
    pinky_platform_connection_free(upd);
    pinky_platform_connection_free(upd2);
    free(name);
    free(status);
}

static void test_connection_bad_input(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    pinky_uuid existing = new_connection(uid, "keep");
    pinky_uuid scratch = new_connection(uid, "scratch");
    long long before = pt_num("SELECT count(*) FROM platform_connections");
    char *snap = pt_str("SELECT row_to_json(p)::text FROM platform_connections p WHERE id = '%s'", pt_uuid_str(&existing));
    char *long255 = pt_repeat("é", 256);
    char *long51 = pt_repeat("é", 51);

    pinky_platform_connection ok;
    pinky_platform_connection_init(&ok);
    ok.name = "ok";
    ok.platform = PINKY_PLATFORM_UBUNTU;
    ok.root_path = "/home";
    ok.credentials = "{}";
    pinky_platform_connection c;
    pinky_platform_connection *out = (pinky_platform_connection *)0x1;

#define BAD(SETUP, FIELD)                                                          \
    do {                                                                           \
        c = ok;                                                                    \
        SETUP;                                                                     \
        out = (pinky_platform_connection *)0x1;                                    \
        pt_status(pinky_platform_connection_create(db, uid, &c, &out), PINKY_INVALID); \
        pt_error_names(FIELD);                                                     \
        assert_null(out);                                                          \
    } while (0)

    BAD(c.name = NULL, "name");
    assert_string_equal(pinky_error_last()->field, "platform_connection.name");
    BAD(c.name = "", "name");
    BAD(c.name = long255, "name");
    assert_non_null(strstr(pinky_error_last()->message, "256"));
    BAD(c.name = "bad\xC3\x28utf8", "name");
    BAD(c.platform = 0, "platform");
    BAD(c.platform = (pinky_platform)6, "platform");
    BAD(c.platform = (pinky_platform)-1, "platform");
    BAD(c.root_path = NULL, "root_path");
    BAD(c.root_path = "", "root_path");
    BAD(c.root_path = "\xff", "root_path");
    BAD(c.credentials = NULL, "credentials");
    BAD(c.credentials = "", "credentials");
    BAD(c.sync_direction = (pinky_sync_direction)4, "sync_direction");
    BAD(c.metadata = "{\"a\": }", "metadata");
    BAD(c.metadata = "[1,]", "metadata");
    BAD(c.status = long51, "status");
    assert_non_null(strstr(pinky_error_last()->message, "51"));
    BAD(c.status = "\xC3", "status");

    /* credentials are secret: the error never shows them */
    const char *secret = "sk_live_9f8e7d6c5b4a3210SECRET";
    char bad_creds[256];
    snprintf(bad_creds, sizeof bad_creds, "{\"token\": \"%s\"", secret); /* unterminated */
    BAD(c.credentials = bad_creds, "credentials");
    assert_no_secret(secret);
    assert_no_secret("9f8e7d6c");
    snprintf(bad_creds, sizeof bad_creds, "{\"token\": \"%s\"} trailing", secret);
    BAD(c.credentials = bad_creds, "credentials");
    assert_no_secret(secret);
    snprintf(bad_creds, sizeof bad_creds, "{\"token\": '%s'}", secret);
    BAD(c.credentials = bad_creds, "credentials");
    assert_no_secret(secret);
    snprintf(bad_creds, sizeof bad_creds, "{\"token\": \"%s\xff\"}", secret);
    BAD(c.credentials = bad_creds, "credentials");
    assert_no_secret(secret);
    snprintf(bad_creds, sizeof bad_creds, "{\"token\": \"%s\\u0000\"}", secret);
    BAD(c.credentials = bad_creds, "credentials");
    assert_no_secret(secret);
#undef BAD

    /* struct size, NULL arguments */
    c = ok;
    c.struct_size = 8;
    pt_status(pinky_platform_connection_create(db, uid, &c, &out), PINKY_INVALID);
    pt_error_names("struct_size");
    pt_status(pinky_platform_connection_create(db, uid, NULL, &out), PINKY_INVALID);
    pt_status(pinky_platform_connection_create(NULL, uid, &ok, &out), PINKY_INVALID);
    pt_error_names("db");
    pt_status(pinky_platform_connection_get(db, uid, NULL, &out), PINKY_INVALID);
    pt_error_names("id");
    pt_status(pinky_platform_connection_get(db, uid, &existing, NULL), PINKY_INVALID);
    pt_status(pinky_platform_connection_delete(db, uid, NULL), PINKY_INVALID);

    /* a user that does not exist */
    pt_status(pinky_platform_connection_create(db, 2000000000, &ok, &out), PINKY_NOT_FOUND);
    pt_error_names("user");

    /* updates: masks, required fields cannot be cleared, same validation */
    c = ok;
    pt_status(pinky_platform_connection_update(db, uid, &existing, &c, 0, NULL, NULL), PINKY_INVALID);
    pt_error_names("mask");
    pt_status(pinky_platform_connection_update(db, uid, &existing, &c, UINT64_C(1) << 12, NULL, NULL),
              PINKY_INVALID);
    pt_error_names("mask");
    c.name = NULL;
    pt_status(pinky_platform_connection_update(db, uid, &existing, &c, PINKY_PLATFORM_CONNECTION_NAME, NULL, NULL),
              PINKY_INVALID);
    pt_error_names("name");
    c.platform = 0;
    pt_status(pinky_platform_connection_update(db, uid, &existing, &c, PINKY_PLATFORM_CONNECTION_PLATFORM, NULL, NULL),
              PINKY_INVALID);
    pt_error_names("platform");
    c.root_path = NULL;
    pt_status(pinky_platform_connection_update(db, uid, &existing, &c, PINKY_PLATFORM_CONNECTION_ROOT_PATH, NULL, NULL),
              PINKY_INVALID);
    pt_error_names("root_path");
    c.credentials = NULL;
    pt_status(pinky_platform_connection_update(db, uid, &existing, &c, PINKY_PLATFORM_CONNECTION_CREDENTIALS, NULL, NULL),
              PINKY_INVALID);
    pt_error_names("credentials");
    snprintf(bad_creds, sizeof bad_creds, "[\"%s\"", secret);
    c.credentials = bad_creds;
    pt_status(pinky_platform_connection_update(db, uid, &existing, &c, PINKY_PLATFORM_CONNECTION_CREDENTIALS, NULL, NULL),
              PINKY_INVALID);
    pt_error_names("credentials");
    assert_no_secret(secret);
    c = ok;
    c.status = long51;
    pt_status(pinky_platform_connection_update(db, uid, &existing, &c,
                                               PINKY_PLATFORM_CONNECTION_STATUS | PINKY_PLATFORM_CONNECTION_NAME,
                                               NULL, NULL),
              PINKY_INVALID);
    pt_error_names("status");
    c = ok;
    c.metadata = "nope";
    pt_status(pinky_platform_connection_update(db, uid, &existing, &c, PINKY_PLATFORM_CONNECTION_METADATA, NULL, NULL),
              PINKY_INVALID);
    pt_error_names("metadata");
    c = ok;
    c.sync_direction = (pinky_sync_direction)9;
    pt_status(pinky_platform_connection_update(db, uid, &existing, &c, PINKY_PLATFORM_CONNECTION_SYNC_DIRECTION, NULL, NULL),
              PINKY_INVALID);
    pt_error_names("sync_direction");
    /* a bad field outside the mask is not looked at */
    c = ok;
    c.name = NULL;
    c.status = "CONNECTED";
    pinky_platform_connection *u = NULL;
    pt_ok(pinky_platform_connection_update(db, uid, &scratch, &c, PINKY_PLATFORM_CONNECTION_STATUS, NULL, &u));
    assert_string_equal(u->name, "scratch");
    assert_string_equal(u->status, "CONNECTED");
    pinky_platform_connection_free(u);
    c.status = NULL;
    pt_ok(pinky_platform_connection_update(db, uid, &scratch, &c, PINKY_PLATFORM_CONNECTION_STATUS, NULL, &u));
    assert_null(u->status); /* nullable: cleared */
    pinky_platform_connection_free(u);
    assert_int_equal(pt_num("SELECT (status IS NULL AND name = 'scratch')::int FROM platform_connections WHERE id = '%s'", pt_uuid_str(&scratch)), 1);

    /* filters and cursors */
    pinky_platform_connection_filter f;
    pinky_platform_connection_filter_init(&f);
    pinky_platform_connection_page *pg = (pinky_platform_connection_page *)0x1;
    f.platform = (pinky_platform)7;
    pt_status(pinky_platform_connection_list(db, uid, &f, &pg), PINKY_INVALID);
    pt_error_names("platform");
    assert_null(pg);
    pinky_platform_connection_filter_init(&f);
    f.status = "\xff";
    pt_status(pinky_platform_connection_list(db, uid, &f, &pg), PINKY_INVALID);
    pt_error_names("status");
    pinky_platform_connection_filter_init(&f);
    f.cursor = "AAAA";
    pt_status(pinky_platform_connection_list(db, uid, &f, &pg), PINKY_INVALID);
    pt_error_names("cursor");
    pinky_platform_connection_filter_init(&f);
    f.limit = PINKY_LIST_MAX_LIMIT + 1;
    pt_status(pinky_platform_connection_list(db, uid, &f, &pg), PINKY_INVALID);
    pt_error_names("limit");
    pinky_platform_connection_filter_init(&f);
    f.struct_size = 4;
    pt_status(pinky_platform_connection_list(db, uid, &f, &pg), PINKY_INVALID);
    pt_error_names("struct_size");
    pt_status(pinky_platform_connection_list(db, uid, NULL, NULL), PINKY_INVALID);

    /* nothing changed */
    assert_int_equal(pt_num("SELECT count(*) FROM platform_connections"), before);
    char *snap2 = pt_str("SELECT row_to_json(p)::text FROM platform_connections p WHERE id = '%s'", pt_uuid_str(&existing));
    assert_string_equal(snap2, snap);
    free(snap);
    free(snap2);
    free(long255);
    free(long51);
}

static void test_connection_tenancy(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t alice = pt_user(), mallory = pt_user();
    pinky_uuid id = new_connection(alice, "alice's");
    pinky_platform_connection *got = NULL;
    pt_status(pinky_platform_connection_get(db, mallory, &id, &got), PINKY_NOT_FOUND);
    assert_null(got);
    pinky_platform_connection ch;
    pinky_platform_connection_init(&ch);
    ch.name = "stolen";
    ch.credentials = "{\"evil\": true}";
    pt_status(pinky_platform_connection_update(db, mallory, &id, &ch,
                                               PINKY_PLATFORM_CONNECTION_NAME | PINKY_PLATFORM_CONNECTION_CREDENTIALS,
                                               NULL, &got),
              PINKY_NOT_FOUND);
    assert_null(got);
    pt_status(pinky_platform_connection_delete(db, mallory, &id), PINKY_NOT_FOUND);
    pinky_platform_connection_page *pg = NULL;
    pt_ok(pinky_platform_connection_list(db, mallory, NULL, &pg));
    assert_int_equal(pg->count, 0);
    assert_null(pg->next_cursor);
    pinky_platform_connection_page_free(pg);
    /* alice's row is untouched and still hers */
    char *s = pt_str("SELECT name || '|' || credentials::text || '|' || user_id FROM platform_connections WHERE id = '%s'", pt_uuid_str(&id));
    char want[128];
    snprintf(want, sizeof want, "alice's|{}|%d", alice);
    assert_string_equal(s, want);
    free(s);
    pt_ok(pinky_platform_connection_list(db, alice, NULL, &pg));
    assert_int_equal(pg->count, 1);
    assert_true(pinky_uuid_equal(&pg->items[0]->id, &id));
    pinky_platform_connection_page_free(pg);
}

static void test_connection_pagination(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user(), other = pt_user();
    new_connection(other, "someone else's");
    /* 1,000 rows: created_at ties in groups of 7, every tenth NULL */
    pt_exec("INSERT INTO platform_connections (user_id, name, platform, root_path, credentials, status, is_enabled, created_at) "
            "SELECT %d, 'c' || g, (ARRAY['UBUNTU','WINDOWS','IOS','DROPBOX','WEB'])[1 + g %% 5], '/', '{}', "
            "CASE WHEN g %% 3 = 0 THEN 'CONNECTED' ELSE 'DISCONNECTED' END, g %% 4 <> 0, "
            "CASE WHEN g %% 10 = 0 THEN NULL ELSE '2024-01-01 00:00:00+00'::timestamptz + (g / 7) * interval '1 second' END "
            "FROM generate_series(1, 1000) g",
            uid);
    size_t n = 0;
    char **want = sql_ids(&n, "SELECT id FROM platform_connections WHERE user_id = %d "
                              "ORDER BY COALESCE(created_at, '-infinity'), id", uid);
    assert_int_equal(n, 1000);
    pinky_platform_connection_filter f;
    pinky_platform_connection_filter_init(&f);
    f.limit = 64;
    assert_int_equal(walk_pages(&CONNS, uid, &f, &f.cursor, 64, want, n), 16);
    free_ids(want, n);

    /* order check independent of SQL: (created_at, id) ascending, NULL first */
    pinky_platform_connection_page *pg = NULL;
    f.limit = 1000;
    pt_ok(pinky_platform_connection_list(db, uid, &f, &pg));
    assert_int_equal(pg->count, 1000);
    assert_null(pg->next_cursor);
    for (size_t i = 1; i < pg->count; i++) {
        const pinky_platform_connection *a = pg->items[i - 1], *b = pg->items[i];
        assert_true(a->created_at < b->created_at ||
                    (a->created_at == b->created_at && memcmp(a->id.bytes, b->id.bytes, 16) < 0));
    }
    assert_int_equal(pg->items[0]->created_at, 0); /* a NULL created_at reads as 0, first */
    pinky_platform_connection_page_free(pg);

    /* filters, each paged */
    struct {
        pinky_platform platform;
        const char *status;
        pinky_opt_bool enabled;
        const char *where;
    } cases[] = {
        {PINKY_PLATFORM_IOS, NULL, {0}, "platform = 'IOS'"},
        {0, "CONNECTED", {0}, "status = 'CONNECTED'"},
        {0, NULL, {false, true}, "is_enabled = false"},
        {PINKY_PLATFORM_WEB, "DISCONNECTED", {true, true}, "platform = 'WEB' AND status = 'DISCONNECTED' AND is_enabled"},
        {0, "nothing-has-this", {0}, "status = 'nothing-has-this'"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        pinky_platform_connection_filter_init(&f);
        f.limit = 50;
        f.platform = cases[k].platform;
        f.status = cases[k].status;
        f.is_enabled = cases[k].enabled;
        want = sql_ids(&n, "SELECT id FROM platform_connections WHERE user_id = %d AND %s "
                           "ORDER BY COALESCE(created_at, '-infinity'), id", uid, cases[k].where);
        walk_pages(&CONNS, uid, &f, &f.cursor, 50, want, n);
        free_ids(want, n);
    }
    pinky_platform_connection_filter_init(&f);
    f.limit = 33;
    pt_ok(pinky_time_parse("2024-01-01T00:00:10Z", &f.created_from.value));
    f.created_from.is_set = true;
    pt_ok(pinky_time_parse("2024-01-01T00:01:00Z", &f.created_before.value));
    f.created_before.is_set = true;
    want = sql_ids(&n, "SELECT id FROM platform_connections WHERE user_id = %d AND created_at >= '2024-01-01T00:00:10Z' "
                       "AND created_at < '2024-01-01T00:01:00Z' ORDER BY created_at, id", uid);
    assert_true(n > 300);
    walk_pages(&CONNS, uid, &f, &f.cursor, 33, want, n);
    free_ids(want, n);

    /* a cursor of another list is refused */
    pinky_sync_item_filter itf;
    pinky_sync_item_filter_init(&itf);
    pinky_platform_connection_filter_init(&f);
    f.limit = 1;
    pt_ok(pinky_platform_connection_list(db, uid, &f, &pg));
    assert_non_null(pg->next_cursor);
    itf.cursor = pg->next_cursor;
    pinky_sync_item_page *ip = NULL;
    pt_status(pinky_sync_item_list(db, uid, &itf, &ip), PINKY_INVALID);
    pt_error_names("cursor");
    pinky_platform_connection_page_free(pg);
}

/* ---- sync_operations ---- */

static void test_operation_round_trip(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    pinky_uuid conn = new_connection(uid, "ops");
    pinky_sync_operation o;
    pinky_sync_operation_init(&o);
    o.id.bytes[3] = 7; /* ignored */
    o.connection_id = conn;
    o.status = PINKY_SYNC_STATUS_CONFLICT;
    o.start_time = pinky_time_val(PINKY_TIME_NEG_INFINITY);
    o.end_time = pinky_time_val(PINKY_TIME_INFINITY);
    o.items_processed = pinky_i32(INT32_MAX);
    o.items_total = pinky_i32(INT32_MIN);
    o.bytes_transferred = pinky_i64(INT64_MAX);
    o.errors = "[{\"code\": \"EACCES\", \"path\": \"/a\", \"message\": \"Zugriff verweigert ✗\"}]";
    o.conflict_items = "{\"/b\": {\"local\": 1, \"remote\": 2}}";
    pinky_sync_operation *out = NULL;
    pt_ok(pinky_sync_operation_create(db, uid, &o, &out));
    assert_int_equal(out->struct_size, sizeof(pinky_sync_operation));
    assert_false(pinky_uuid_is_nil(&out->id));
    assert_true(pinky_uuid_equal(&out->connection_id, &conn));
    assert_int_equal(out->status, PINKY_SYNC_STATUS_CONFLICT);
    assert_true(out->start_time.is_set && out->start_time.value == PINKY_TIME_NEG_INFINITY);
    assert_true(out->end_time.is_set && out->end_time.value == PINKY_TIME_INFINITY);
    assert_int_equal(out->items_processed.value, INT32_MAX);
    assert_true(out->items_total.is_set);
    assert_int_equal(out->items_total.value, INT32_MIN);
    assert_true(out->bytes_transferred.value == INT64_MAX);
    assert_string_equal(out->errors, o.errors);
    assert_string_equal(out->conflict_items, o.conflict_items);

    pinky_sync_operation *got = NULL;
    pt_ok(pinky_sync_operation_get(db, uid, &out->id, &got));
    assert_true(pinky_uuid_equal(&got->connection_id, &conn));
    assert_int_equal(got->status, PINKY_SYNC_STATUS_CONFLICT);
    assert_true(got->bytes_transferred.value == INT64_MAX);
    assert_string_equal(got->errors, o.errors);
    assert_string_equal(got->conflict_items, o.conflict_items);
    pinky_sync_operation_free(got);

    const char *id = pt_uuid_str(&out->id);
    assert_int_equal(pt_num("SELECT (connection_id = '%s' AND status = 'CONFLICT' AND start_time = '-infinity' "
                            "AND end_time = 'infinity' AND items_processed = 2147483647 AND items_total = -2147483648 "
                            "AND bytes_transferred = 9223372036854775807)::int FROM sync_operations WHERE id = '%s'",
                            pt_uuid_str(&conn), id), 1);
    char *s = pt_str("SELECT errors->0->>'message' FROM sync_operations WHERE id = '%s'", id);
    assert_string_equal(s, "Zugriff verweigert ✗");
    free(s);
    s = pt_str("SELECT conflict_items->'/b'->>'remote' FROM sync_operations WHERE id = '%s'", id);
    assert_string_equal(s, "2");
    free(s);

    /* defaults: start_time = the server's now(), counters 0, the rest NULL */
    pinky_sync_operation m;
    pinky_sync_operation_init(&m);
    m.connection_id = conn;
    m.status = PINKY_SYNC_STATUS_PENDING;
    pinky_time t0 = pinky_time_now();
    pinky_sync_operation *d = NULL;
    pt_ok(pinky_sync_operation_create(db, uid, &m, &d));
    assert_true(d->start_time.is_set);
    assert_true(d->start_time.value >= t0 - 5000000 && d->start_time.value <= pinky_time_now() + 5000000);
    assert_false(d->end_time.is_set);
    assert_true(d->items_processed.is_set);
    assert_int_equal(d->items_processed.value, 0);
    assert_false(d->items_total.is_set);
    assert_true(d->bytes_transferred.is_set);
    assert_int_equal(d->bytes_transferred.value, 0);
    assert_null(d->errors);
    assert_null(d->conflict_items);
    const char *did = pt_uuid_str(&d->id);
    assert_int_equal(pt_num("SELECT (extract(epoch FROM start_time) * 1000000)::bigint FROM sync_operations WHERE id = '%s'", did),
                     d->start_time.value);
    assert_int_equal(pt_num("SELECT (end_time IS NULL AND items_processed = 0 AND items_total IS NULL AND bytes_transferred = 0 "
                            "AND errors IS NULL AND conflict_items IS NULL AND status = 'PENDING')::int FROM sync_operations WHERE id = '%s'", did), 1);

    /* masked update: finish the operation; other fields stay */
    pinky_sync_operation ch;
    pinky_sync_operation_init(&ch);
    ch.status = PINKY_SYNC_STATUS_COMPLETED;
    ch.end_time = pinky_time_val(d->start_time.value + 1500000);
    ch.items_processed = pinky_i32(42);
    ch.items_total = pinky_i32(42);
    ch.bytes_transferred = pinky_i64(INT64_C(5000000000));
    ch.errors = "[]";
    ch.conflict_items = "{\"not\": \"written\"}";
    ch.connection_id = new_connection(uid, "not the parent"); /* the parent cannot change */
    pinky_sync_operation *upd = NULL;
    pt_ok(pinky_sync_operation_update(db, uid, &d->id, &ch,
                                      PINKY_SYNC_OPERATION_STATUS | PINKY_SYNC_OPERATION_END_TIME |
                                          PINKY_SYNC_OPERATION_ITEMS_PROCESSED | PINKY_SYNC_OPERATION_ITEMS_TOTAL |
                                          PINKY_SYNC_OPERATION_BYTES_TRANSFERRED | PINKY_SYNC_OPERATION_ERRORS,
                                      NULL, &upd));
    assert_int_equal(upd->status, PINKY_SYNC_STATUS_COMPLETED);
    assert_int_equal(upd->end_time.value, d->start_time.value + 1500000);
    assert_int_equal(upd->items_processed.value, 42);
    assert_int_equal(upd->items_total.value, 42);
    assert_true(upd->bytes_transferred.value == INT64_C(5000000000));
    assert_string_equal(upd->errors, "[]");
    assert_null(upd->conflict_items);
    assert_int_equal(upd->start_time.value, d->start_time.value);
    assert_true(pinky_uuid_equal(&upd->connection_id, &conn));
    assert_int_equal(pt_num("SELECT (connection_id = '%s' AND conflict_items IS NULL AND status = 'COMPLETED' "
                            "AND bytes_transferred = 5000000000 AND end_time - start_time = interval '1.5 seconds')::int "
                            "FROM sync_operations WHERE id = '%s'", pt_uuid_str(&conn), did), 1);

    /* start_time can be moved, not cleared; nullable fields clear */
    pinky_sync_operation_init(&ch);
    ch.start_time = pinky_time_val(1600000000000001);
    pt_ok(pinky_sync_operation_update(db, uid, &d->id, &ch, PINKY_SYNC_OPERATION_START_TIME |
                                      PINKY_SYNC_OPERATION_END_TIME | PINKY_SYNC_OPERATION_ITEMS_TOTAL |
                                      PINKY_SYNC_OPERATION_ERRORS | PINKY_SYNC_OPERATION_ITEMS_PROCESSED,
                                      NULL, &got));
    assert_int_equal(got->start_time.value, 1600000000000001);
    assert_false(got->end_time.is_set);
    assert_false(got->items_total.is_set);
    assert_false(got->items_processed.is_set);
    assert_null(got->errors);
    assert_int_equal(got->status, PINKY_SYNC_STATUS_COMPLETED);
    pinky_sync_operation_free(got);
    assert_int_equal(pt_num("SELECT (items_processed IS NULL AND end_time IS NULL AND bytes_transferred = 5000000000)::int FROM sync_operations WHERE id = '%s'", did), 1);

    pinky_sync_operation_init(&ch);
    got = (pinky_sync_operation *)0x1;
    pt_status(pinky_sync_operation_update(db, uid, &d->id, &ch, PINKY_SYNC_OPERATION_START_TIME, NULL, &got),
              PINKY_INVALID);
    pt_error_names("start_time");
    assert_null(got);
    pt_status(pinky_sync_operation_update(db, uid, &d->id, &ch, PINKY_SYNC_OPERATION_STATUS, NULL, NULL),
              PINKY_INVALID);
    pt_error_names("status");
    /* no updated_at column: an expected updated_at is refused */
    ch.status = PINKY_SYNC_STATUS_FAILED;
    pinky_time when = pinky_time_now();
    pt_status(pinky_sync_operation_update(db, uid, &d->id, &ch, PINKY_SYNC_OPERATION_STATUS, &when, NULL),
              PINKY_INVALID);
    pt_error_names("expected_updated_at");
    assert_int_equal(pt_num("SELECT (start_time = '2020-09-13 12:26:40.000001+00' AND status = 'COMPLETED')::int FROM sync_operations WHERE id = '%s'", did), 1);

    pt_ok(pinky_sync_operation_delete(db, uid, &d->id));
    pt_status(pinky_sync_operation_get(db, uid, &d->id, &got), PINKY_NOT_FOUND);
    pt_status(pinky_sync_operation_delete(db, uid, &d->id), PINKY_NOT_FOUND);
    assert_int_equal(count_where("sync_operations", "id", &d->id), 0);
    assert_int_equal(count_where("sync_operations", "id", &out->id), 1);

    pinky_sync_operation_free(out);
    pinky_sync_operation_free(d);
    pinky_sync_operation_free(upd);
}

static void test_operation_bad_input(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    pinky_uuid conn = new_connection(uid, "ops-bad");
    pinky_sync_operation ok;
    pinky_sync_operation_init(&ok);
    ok.connection_id = conn;
    ok.status = PINKY_SYNC_STATUS_IN_PROGRESS;
    pinky_sync_operation *keep = NULL;
    pt_ok(pinky_sync_operation_create(db, uid, &ok, &keep));
    long long before = pt_num("SELECT count(*) FROM sync_operations");
    char *snap = pt_str("SELECT row_to_json(o)::text FROM sync_operations o WHERE id = '%s'", pt_uuid_str(&keep->id));

    pinky_sync_operation o;
    pinky_sync_operation *out = NULL;
#define BAD(SETUP, FIELD, WANT)                                                    \
    do {                                                                           \
        o = ok;                                                                    \
        SETUP;                                                                     \
        out = (pinky_sync_operation *)0x1;                                         \
        pt_status(pinky_sync_operation_create(db, uid, &o, &out), WANT);           \
        pt_error_names(FIELD);                                                     \
        assert_null(out);                                                          \
    } while (0)
    BAD(o.status = 0, "status", PINKY_INVALID);
    assert_string_equal(pinky_error_last()->field, "sync_operation.status");
    BAD(o.status = (pinky_sync_status)6, "status", PINKY_INVALID);
    BAD(o.errors = "{", "errors", PINKY_INVALID);
    BAD(o.errors = "\"\\ud800\"", "errors", PINKY_INVALID);
    BAD(o.conflict_items = "[1] [2]", "conflict_items", PINKY_INVALID);
    BAD(o.conflict_items = "", "conflict_items", PINKY_INVALID);
    BAD(o.struct_size = 3, "struct_size", PINKY_INVALID);
    /* the parent must exist and be the acting user's */
    BAD(memset(&o.connection_id, 0, sizeof o.connection_id), "connection_id", PINKY_NOT_FOUND);
    BAD(pinky_uuid_generate(&o.connection_id), "connection_id", PINKY_NOT_FOUND);
#undef BAD

    pinky_sync_operation_init(&o);
    pt_status(pinky_sync_operation_update(db, uid, &keep->id, &o, 0, NULL, NULL), PINKY_INVALID);
    pt_error_names("mask");
    pt_status(pinky_sync_operation_update(db, uid, &keep->id, &o, UINT64_C(1) << 8, NULL, NULL), PINKY_INVALID);
    pt_error_names("mask");
    o.status = (pinky_sync_status)99;
    pt_status(pinky_sync_operation_update(db, uid, &keep->id, &o, PINKY_SYNC_OPERATION_STATUS, NULL, NULL), PINKY_INVALID);
    pt_error_names("status");
    o.errors = "nul";
    pt_status(pinky_sync_operation_update(db, uid, &keep->id, &o, PINKY_SYNC_OPERATION_ERRORS, NULL, NULL), PINKY_INVALID);
    pt_error_names("errors");
    o.conflict_items = "{\"a\" 1}";
    pt_status(pinky_sync_operation_update(db, uid, &keep->id, &o, PINKY_SYNC_OPERATION_CONFLICT_ITEMS, NULL, NULL), PINKY_INVALID);
    pt_error_names("conflict_items");
    pt_status(pinky_sync_operation_get(db, uid, NULL, &out), PINKY_INVALID);
    pt_status(pinky_sync_operation_update(db, uid, NULL, &o, PINKY_SYNC_OPERATION_ERRORS, NULL, NULL), PINKY_INVALID);

    pinky_sync_operation_filter f;
    pinky_sync_operation_filter_init(&f);
    f.status = (pinky_sync_status)6;
    pinky_sync_operation_page *pg = NULL;
    pt_status(pinky_sync_operation_list(db, uid, &f, &pg), PINKY_INVALID);
    pt_error_names("status");
    pinky_sync_operation_filter_init(&f);
    f.cursor = "";
    pt_status(pinky_sync_operation_list(db, uid, &f, &pg), PINKY_INVALID);
    pt_error_names("cursor");

    assert_int_equal(pt_num("SELECT count(*) FROM sync_operations"), before);
    char *snap2 = pt_str("SELECT row_to_json(o)::text FROM sync_operations o WHERE id = '%s'", pt_uuid_str(&keep->id));
    assert_string_equal(snap2, snap);
    free(snap);
    free(snap2);
    pinky_sync_operation_free(keep);
}

static void test_operation_tenancy(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t alice = pt_user(), mallory = pt_user();
    pinky_uuid conn = new_connection(alice, "alice ops");
    pinky_uuid mconn = new_connection(mallory, "mallory ops");
    pinky_sync_operation o;
    pinky_sync_operation_init(&o);
    o.connection_id = conn;
    o.status = PINKY_SYNC_STATUS_PENDING;
    pinky_sync_operation *op = NULL;
    pt_ok(pinky_sync_operation_create(db, alice, &o, &op));

    pinky_sync_operation *got = NULL;
    pt_status(pinky_sync_operation_get(db, mallory, &op->id, &got), PINKY_NOT_FOUND);
    assert_null(got);
    o.status = PINKY_SYNC_STATUS_FAILED;
    pt_status(pinky_sync_operation_update(db, mallory, &op->id, &o, PINKY_SYNC_OPERATION_STATUS, NULL, &got),
              PINKY_NOT_FOUND);
    pt_status(pinky_sync_operation_delete(db, mallory, &op->id), PINKY_NOT_FOUND);
    /* creating under alice's connection as mallory */
    long long n = pt_num("SELECT count(*) FROM sync_operations");
    o.connection_id = conn;
    pt_status(pinky_sync_operation_create(db, mallory, &o, &got), PINKY_NOT_FOUND);
    pt_error_names("connection_id");
    assert_null(got);
    assert_int_equal(pt_num("SELECT count(*) FROM sync_operations"), n);
    /* alice cannot create under mallory's connection either */
    o.connection_id = mconn;
    pt_status(pinky_sync_operation_create(db, alice, &o, NULL), PINKY_NOT_FOUND);
    assert_int_equal(count_where("sync_operations", "connection_id", &mconn), 0);

    pinky_sync_operation_page *pg = NULL;
    pt_ok(pinky_sync_operation_list(db, mallory, NULL, &pg));
    assert_int_equal(pg->count, 0);
    pinky_sync_operation_page_free(pg);
    pinky_sync_operation_filter f;
    pinky_sync_operation_filter_init(&f);
    f.connection_id = pinky_uuid_val(&conn);
    pt_ok(pinky_sync_operation_list(db, mallory, &f, &pg));
    assert_int_equal(pg->count, 0);
    pinky_sync_operation_page_free(pg);
    pt_ok(pinky_sync_operation_list(db, alice, &f, &pg));
    assert_int_equal(pg->count, 1);
    pinky_sync_operation_page_free(pg);

    assert_int_equal(pt_num("SELECT (status = 'PENDING')::int FROM sync_operations WHERE id = '%s'", pt_uuid_str(&op->id)), 1);
    pinky_sync_operation_free(op);
}

static void test_operation_pagination(void **state)
{
    (void)state;
    int32_t uid = pt_user(), other = pt_user();
    pinky_uuid a = new_connection(uid, "a"), b = new_connection(uid, "b"), x = new_connection(other, "x");
    /* 700 in a, 300 in b, start_time ties in groups of 5; 50 of someone else's */
    pt_exec("INSERT INTO sync_operations (connection_id, status, start_time) "
            "SELECT CASE WHEN g %% 10 < 7 THEN '%s'::uuid ELSE '%s'::uuid END, "
            "(ARRAY['PENDING','IN_PROGRESS','COMPLETED','FAILED','CONFLICT'])[1 + g %% 5], "
            "'2024-03-01 00:00:00+00'::timestamptz + (g / 5) * interval '1 minute' "
            "FROM generate_series(1, 1000) g",
            pt_uuid_str(&a), pt_uuid_str(&b));
    pt_exec("INSERT INTO sync_operations (connection_id, status) SELECT '%s', 'PENDING' FROM generate_series(1, 50)", pt_uuid_str(&x));
    size_t n = 0;
    char **want = sql_ids(&n, "SELECT o.id FROM sync_operations o JOIN platform_connections c ON c.id = o.connection_id "
                              "WHERE c.user_id = %d ORDER BY o.start_time, o.id", uid);
    assert_int_equal(n, 1000);
    pinky_sync_operation_filter f;
    pinky_sync_operation_filter_init(&f);
    f.limit = 64;
    assert_int_equal(walk_pages(&OPS, uid, &f, &f.cursor, 64, want, n), 16);
    free_ids(want, n);

    /* by connection (the index's leading column) */
    f.connection_id = pinky_uuid_val(&a);
    want = sql_ids(&n, "SELECT id FROM sync_operations WHERE connection_id = '%s' ORDER BY start_time, id", pt_uuid_str(&a));
    assert_int_equal(n, 700);
    assert_int_equal(walk_pages(&OPS, uid, &f, &f.cursor, 64, want, n), 11);
    free_ids(want, n);

    /* by status and start_time range */
    pinky_sync_operation_filter_init(&f);
    f.limit = 25;
    f.connection_id = pinky_uuid_val(&b);
    f.status = PINKY_SYNC_STATUS_FAILED;
    want = sql_ids(&n, "SELECT id FROM sync_operations WHERE connection_id = '%s' AND status = 'FAILED' ORDER BY start_time, id", pt_uuid_str(&b));
    assert_true(n > 0);
    walk_pages(&OPS, uid, &f, &f.cursor, 25, want, n);
    free_ids(want, n);
    pinky_sync_operation_filter_init(&f);
    f.limit = 25;
    pt_ok(pinky_time_parse("2024-03-01T00:10:00Z", &f.start_time_from.value));
    f.start_time_from.is_set = true;
    pt_ok(pinky_time_parse("2024-03-01T01:00:00Z", &f.start_time_before.value));
    f.start_time_before.is_set = true;
    want = sql_ids(&n, "SELECT o.id FROM sync_operations o JOIN platform_connections c ON c.id = o.connection_id "
                       "WHERE c.user_id = %d AND start_time >= '2024-03-01T00:10:00Z' AND start_time < '2024-03-01T01:00:00Z' "
                       "ORDER BY start_time, o.id", uid);
    assert_int_equal(n, 250);
    walk_pages(&OPS, uid, &f, &f.cursor, 25, want, n);
    free_ids(want, n);
    /* someone else's connection as a filter: nothing */
    pinky_sync_operation_filter_init(&f);
    f.connection_id = pinky_uuid_val(&x);
    walk_pages(&OPS, uid, &f, &f.cursor, 100, NULL, 0);
}

/* ---- sync_items ---- */

static void test_item_round_trip(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    pinky_uuid conn = new_connection(uid, "items");
    char *mime = pt_repeat("é", 255);
    char *hash = pt_repeat("f", 255);
    pinky_sync_item it;
    pinky_sync_item_init(&it);
    it.connection_id = conn;
    it.path = "Fotos/Été 2024/Ünïcødé ✓ — 写真.jpg";
    it.is_directory = false;
    it.size = pinky_i64(INT64_MAX);
    it.mime_type = mime;
    it.hash = hash;
    it.local_modified = pinky_time_val(PINKY_TIME_NEG_INFINITY);
    it.remote_modified = pinky_time_val(PINKY_TIME_INFINITY);
    it.sync_status = PINKY_SYNC_ITEM_STATUS_CONFLICT;
    it.last_synced = pinky_time_val(-1); /* one microsecond before the epoch */
    it.has_conflict = pinky_bool(true);
    it.conflict_resolution = PINKY_CONFLICT_RESOLUTION_REMOTE;
    pinky_sync_item *out = NULL;
    pt_ok(pinky_sync_item_create(db, uid, &it, &out));
    assert_int_equal(out->struct_size, sizeof(pinky_sync_item));
    assert_true(pinky_uuid_equal(&out->connection_id, &conn));
    assert_string_equal(out->path, it.path);
    assert_false(out->is_directory);
    assert_true(out->size.is_set && out->size.value == INT64_MAX);
    assert_string_equal(out->mime_type, mime);
    assert_string_equal(out->hash, hash);
    assert_true(out->local_modified.value == PINKY_TIME_NEG_INFINITY);
    assert_true(out->remote_modified.value == PINKY_TIME_INFINITY);
    assert_int_equal(out->sync_status, PINKY_SYNC_ITEM_STATUS_CONFLICT);
    assert_true(out->last_synced.is_set);
    assert_int_equal(out->last_synced.value, -1);
    assert_true(out->has_conflict.is_set && out->has_conflict.value);
    assert_int_equal(out->conflict_resolution, PINKY_CONFLICT_RESOLUTION_REMOTE);
    assert_int_equal(out->created_at, out->updated_at);

    pinky_sync_item *got = NULL;
    pt_ok(pinky_sync_item_get(db, uid, &out->id, &got));
    assert_string_equal(got->path, it.path);
    assert_string_equal(got->mime_type, mime);
    assert_int_equal(got->last_synced.value, -1);
    assert_int_equal(got->conflict_resolution, PINKY_CONFLICT_RESOLUTION_REMOTE);
    assert_int_equal(got->updated_at, out->updated_at);
    pinky_sync_item_free(got);

    const char *id = pt_uuid_str(&out->id);
    char *s = pt_str("SELECT path FROM sync_items WHERE id = '%s'", id);
    assert_string_equal(s, it.path);
    free(s);
    assert_int_equal(pt_num("SELECT char_length(mime_type) + char_length(hash) FROM sync_items WHERE id = '%s'", id), 510);
    assert_int_equal(pt_num("SELECT (NOT is_directory AND size = 9223372036854775807 AND local_modified = '-infinity' "
                            "AND remote_modified = 'infinity' AND sync_status = 'CONFLICT' AND has_conflict "
                            "AND conflict_resolution = 'REMOTE' AND last_synced = '1969-12-31 23:59:59.999999+00')::int "
                            "FROM sync_items WHERE id = '%s'", id), 1);

    /* defaults: sync_status PENDING, has_conflict FALSE, the rest NULL */
    pinky_sync_item m;
    pinky_sync_item_init(&m);
    m.connection_id = conn;
    m.path = "docs";
    m.is_directory = true;
    pinky_sync_item *d = NULL;
    pt_ok(pinky_sync_item_create(db, uid, &m, &d));
    assert_true(d->is_directory);
    assert_int_equal(d->sync_status, PINKY_SYNC_ITEM_STATUS_PENDING);
    assert_true(d->has_conflict.is_set && !d->has_conflict.value);
    assert_false(d->size.is_set);
    assert_null(d->mime_type);
    assert_null(d->hash);
    assert_false(d->local_modified.is_set);
    assert_false(d->remote_modified.is_set);
    assert_false(d->last_synced.is_set);
    assert_int_equal(d->conflict_resolution, 0);
    const char *did = pt_uuid_str(&d->id);
    assert_int_equal(pt_num("SELECT (is_directory AND sync_status = 'PENDING' AND NOT has_conflict AND size IS NULL "
                            "AND mime_type IS NULL AND hash IS NULL AND local_modified IS NULL AND remote_modified IS NULL "
                            "AND last_synced IS NULL AND conflict_resolution IS NULL)::int FROM sync_items WHERE id = '%s'", did), 1);

    /* the same path twice in a connection: CONFLICT, nothing written */
    long long n = pt_num("SELECT count(*) FROM sync_items");
    pt_status(pinky_sync_item_create(db, uid, &m, &got), PINKY_CONFLICT);
    assert_string_equal(pinky_error_last()->constraint_name, "sync_items_connection_id_path_key");
    assert_null(got);
    assert_int_equal(pt_num("SELECT count(*) FROM sync_items"), n);
    /* ... but fine in another connection */
    pinky_uuid conn2 = new_connection(uid, "items 2");
    m.connection_id = conn2;
    pt_ok(pinky_sync_item_create(db, uid, &m, NULL));
    assert_int_equal(count_where("sync_items", "connection_id", &conn2), 1);

    /* masked update: the others stay (checked by SQL) */
    pinky_sync_item ch;
    pinky_sync_item_init(&ch);
    ch.sync_status = PINKY_SYNC_ITEM_STATUS_SYNCED;
    ch.last_synced = pinky_time_val(1710000000000000);
    ch.has_conflict = pinky_bool(false);
    ch.conflict_resolution = 0;
    ch.size = pinky_i64(1); /* not in the mask */
    ch.path = "not written";
    pinky_sync_item *upd = NULL;
    pt_ok(pinky_sync_item_update(db, uid, &out->id, &ch,
                                 PINKY_SYNC_ITEM_SYNC_STATUS | PINKY_SYNC_ITEM_LAST_SYNCED |
                                     PINKY_SYNC_ITEM_HAS_CONFLICT | PINKY_SYNC_ITEM_CONFLICT_RESOLUTION,
                                 &out->updated_at, &upd));
    assert_int_equal(upd->sync_status, PINKY_SYNC_ITEM_STATUS_SYNCED);
    assert_int_equal(upd->last_synced.value, 1710000000000000);
    assert_false(upd->has_conflict.value);
    assert_int_equal(upd->conflict_resolution, 0);
    assert_true(upd->size.value == INT64_MAX);
    assert_string_equal(upd->path, it.path);
    assert_true(upd->updated_at > out->updated_at);
    assert_int_equal(upd->created_at, out->created_at);
    assert_int_equal(pt_num("SELECT (NOT is_directory AND size = 9223372036854775807 AND local_modified = '-infinity' "
                            "AND remote_modified = 'infinity' AND sync_status = 'SYNCED' AND NOT has_conflict "
                            "AND conflict_resolution IS NULL AND char_length(mime_type) = 255 AND path = '%s')::int "
                            "FROM sync_items WHERE id = '%s'", it.path, id), 1);

    /* the remaining fields */
    pinky_sync_item_init(&ch);
    ch.path = "Fotos/renamed.jpg";
    ch.is_directory = true;
    ch.size = pinky_i64(INT64_MIN);
    ch.mime_type = NULL;
    ch.hash = "sha256:00";
    ch.local_modified = pinky_time_val(0);
    pinky_sync_item *upd2 = NULL;
    pt_ok(pinky_sync_item_update(db, uid, &out->id, &ch,
                                 PINKY_SYNC_ITEM_PATH | PINKY_SYNC_ITEM_IS_DIRECTORY | PINKY_SYNC_ITEM_SIZE |
                                     PINKY_SYNC_ITEM_MIME_TYPE | PINKY_SYNC_ITEM_HASH |
                                     PINKY_SYNC_ITEM_LOCAL_MODIFIED | PINKY_SYNC_ITEM_REMOTE_MODIFIED,
                                 &upd->updated_at, &upd2));
    assert_string_equal(upd2->path, "Fotos/renamed.jpg");
    assert_true(upd2->is_directory);
    assert_true(upd2->size.value == INT64_MIN);
    assert_null(upd2->mime_type);
    assert_string_equal(upd2->hash, "sha256:00");
    assert_true(upd2->local_modified.is_set);
    assert_int_equal(upd2->local_modified.value, 0);
    assert_false(upd2->remote_modified.is_set);
    assert_int_equal(upd2->sync_status, PINKY_SYNC_ITEM_STATUS_SYNCED);
    assert_int_equal(pt_num("SELECT (local_modified = 'epoch' AND remote_modified IS NULL AND mime_type IS NULL AND size = -9223372036854775808)::int FROM sync_items WHERE id = '%s'", id), 1);

    /* stale expected updated_at: CONFLICT, nothing written */
    pinky_sync_item_init(&ch);
    ch.hash = "stale";
    pt_status(pinky_sync_item_update(db, uid, &out->id, &ch, PINKY_SYNC_ITEM_HASH, &upd->updated_at, &got),
              PINKY_CONFLICT);
    pt_error_names("updated_at");
    assert_null(got);
    s = pt_str("SELECT hash FROM sync_items WHERE id = '%s'", id);
    assert_string_equal(s, "sha256:00");
    free(s);
    /* renaming onto another item's path: CONFLICT */
    ch.path = "docs";
    pt_status(pinky_sync_item_update(db, uid, &out->id, &ch, PINKY_SYNC_ITEM_PATH, NULL, NULL), PINKY_CONFLICT);
    s = pt_str("SELECT path FROM sync_items WHERE id = '%s'", id);
    assert_string_equal(s, "Fotos/renamed.jpg");
    free(s);
    /* path and sync_status cannot be cleared */
    pinky_sync_item_init(&ch);
    pt_status(pinky_sync_item_update(db, uid, &out->id, &ch, PINKY_SYNC_ITEM_PATH, NULL, NULL), PINKY_INVALID);
    pt_error_names("path");
    pt_status(pinky_sync_item_update(db, uid, &out->id, &ch, PINKY_SYNC_ITEM_SYNC_STATUS, NULL, NULL), PINKY_INVALID);
    pt_error_names("sync_status");
    assert_int_equal(pt_num("SELECT (sync_status = 'SYNCED')::int FROM sync_items WHERE id = '%s'", id), 1);

    pt_ok(pinky_sync_item_delete(db, uid, &d->id));
    pt_status(pinky_sync_item_get(db, uid, &d->id, &got), PINKY_NOT_FOUND);
    pt_status(pinky_sync_item_delete(db, uid, &d->id), PINKY_NOT_FOUND);
    assert_int_equal(count_where("sync_items", "id", &d->id), 0);

    pinky_sync_item_free(out);
    pinky_sync_item_free(d);
    pinky_sync_item_free(upd);
    pinky_sync_item_free(upd2);
    free(mime);
    free(hash);
}

static void test_item_upsert(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user(), mallory = pt_user();
    pinky_uuid conn = new_connection(uid, "upsert");
    pinky_sync_item it;
    pinky_sync_item_init(&it);
    it.connection_id = conn;
    it.path = "notes/todo.md";
    it.size = pinky_i64(10);
    it.mime_type = "text/markdown";
    it.hash = "h1";
    it.remote_modified = pinky_time_val(1700000000000000);
    pinky_sync_item *first = NULL;
    pt_ok(pinky_sync_item_upsert(db, uid, &it, &first));  /* inserts */
    assert_int_equal(first->sync_status, PINKY_SYNC_ITEM_STATUS_PENDING);
    assert_true(first->has_conflict.is_set && !first->has_conflict.value);
    assert_int_equal(first->size.value, 10);
    assert_int_equal(first->created_at, first->updated_at);
    assert_int_equal(count_where("sync_items", "connection_id", &conn), 1);

    /* the same path again: updated in place */
    pinky_sync_item again;
    pinky_sync_item_init(&again);
    again.connection_id = conn;
    again.path = "notes/todo.md";
    again.size = pinky_i64(2048);
    again.hash = "h2";
    again.sync_status = PINKY_SYNC_ITEM_STATUS_SYNCED;
    again.last_synced = pinky_time_val(1700000000500000);
    again.id.bytes[0] = 1; /* ignored */
    pinky_sync_item *second = NULL;
    pt_ok(pinky_sync_item_upsert(db, uid, &again, &second));
    assert_true(pinky_uuid_equal(&second->id, &first->id));
    assert_int_equal(second->created_at, first->created_at);
    assert_true(second->updated_at > first->updated_at);
    assert_int_equal(second->size.value, 2048);
    assert_string_equal(second->hash, "h2");
    assert_int_equal(second->sync_status, PINKY_SYNC_ITEM_STATUS_SYNCED);
    assert_int_equal(second->last_synced.value, 1700000000500000);
    /* unset fields keep their stored values */
    assert_string_equal(second->mime_type, "text/markdown");
    assert_int_equal(second->remote_modified.value, 1700000000000000);
    assert_false(second->has_conflict.value);
    assert_int_equal(count_where("sync_items", "connection_id", &conn), 1);
    const char *id = pt_uuid_str(&first->id);
    assert_int_equal(pt_num("SELECT (size = 2048 AND hash = 'h2' AND mime_type = 'text/markdown' AND sync_status = 'SYNCED' "
                            "AND remote_modified = to_timestamp(1700000000) AND last_synced = to_timestamp(1700000000.5) "
                            "AND created_at < updated_at)::int FROM sync_items WHERE id = '%s'", id), 1);

    /* is_directory is always written */
    again.is_directory = true;
    again.size = (pinky_opt_i64){0};
    again.hash = NULL;
    again.sync_status = 0;
    pinky_sync_item *third = NULL;
    pt_ok(pinky_sync_item_upsert(db, uid, &again, &third));
    assert_true(pinky_uuid_equal(&third->id, &first->id));
    assert_true(third->is_directory);
    assert_int_equal(third->size.value, 2048);
    assert_string_equal(third->hash, "h2");
    assert_int_equal(third->sync_status, PINKY_SYNC_ITEM_STATUS_SYNCED);

    /* a different path is a new item */
    again.path = "notes/TODO.md";
    pinky_sync_item *other = NULL;
    pt_ok(pinky_sync_item_upsert(db, uid, &again, &other));
    assert_false(pinky_uuid_equal(&other->id, &first->id));
    assert_int_equal(count_where("sync_items", "connection_id", &conn), 2);

    /* another user cannot upsert into this connection, new path or existing */
    long long n = pt_num("SELECT count(*) FROM sync_items");
    char *snap = pt_str("SELECT row_to_json(s)::text FROM sync_items s WHERE id = '%s'", id);
    again.path = "notes/todo.md";
    again.hash = "mallory";
    pinky_sync_item *bad = NULL;
    pt_status(pinky_sync_item_upsert(db, mallory, &again, &bad), PINKY_NOT_FOUND);
    pt_error_names("connection_id");
    assert_null(bad);
    again.path = "mallory.txt";
    pt_status(pinky_sync_item_upsert(db, mallory, &again, &bad), PINKY_NOT_FOUND);
    /* bad input is refused before anything is written */
    again.path = "";
    pt_status(pinky_sync_item_upsert(db, uid, &again, &bad), PINKY_INVALID);
    pt_error_names("path");
    again.path = "notes/todo.md";
    again.sync_status = (pinky_sync_item_status)6;
    pt_status(pinky_sync_item_upsert(db, uid, &again, &bad), PINKY_INVALID);
    pt_error_names("sync_status");
    assert_int_equal(pt_num("SELECT count(*) FROM sync_items"), n);
    char *snap2 = pt_str("SELECT row_to_json(s)::text FROM sync_items s WHERE id = '%s'", id);
    assert_string_equal(snap2, snap);
    free(snap);
    free(snap2);

    pinky_sync_item_free(first);
    pinky_sync_item_free(second);
    pinky_sync_item_free(third);
    pinky_sync_item_free(other);
}

static void test_item_bad_input(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    pinky_uuid conn = new_connection(uid, "items-bad");
    pinky_sync_item ok;
    pinky_sync_item_init(&ok);
    ok.connection_id = conn;
    ok.path = "a/b";
    pinky_sync_item *keep = NULL;
    pt_ok(pinky_sync_item_create(db, uid, &ok, &keep));
    ok.path = "a/c";
    long long before = pt_num("SELECT count(*) FROM sync_items");
    char *snap = pt_str("SELECT row_to_json(s)::text FROM sync_items s WHERE id = '%s'", pt_uuid_str(&keep->id));
    char *long256 = pt_repeat("ü", 256);

    pinky_sync_item it;
    pinky_sync_item *out = NULL;
#define BAD(SETUP, FIELD, WANT)                                                    \
    do {                                                                           \
        it = ok;                                                                   \
        SETUP;                                                                     \
        out = (pinky_sync_item *)0x1;                                              \
        pt_status(pinky_sync_item_create(db, uid, &it, &out), WANT);               \
        pt_error_names(FIELD);                                                     \
        assert_null(out);                                                          \
    } while (0)
    BAD(it.path = NULL, "path", PINKY_INVALID);
    assert_string_equal(pinky_error_last()->field, "sync_item.path");
    BAD(it.path = "", "path", PINKY_INVALID);
    BAD(it.path = "a/\xE2\x82", "path", PINKY_INVALID);
    BAD(it.mime_type = long256, "mime_type", PINKY_INVALID);
    BAD(it.mime_type = "\x80", "mime_type", PINKY_INVALID);
    BAD(it.hash = long256, "hash", PINKY_INVALID);
    BAD(it.sync_status = (pinky_sync_item_status)6, "sync_status", PINKY_INVALID);
    BAD(it.sync_status = (pinky_sync_item_status)-2, "sync_status", PINKY_INVALID);
    BAD(it.conflict_resolution = (pinky_conflict_resolution)5, "conflict_resolution", PINKY_INVALID);
    BAD(it.struct_size = 0, "struct_size", PINKY_INVALID);
    BAD(memset(&it.connection_id, 0, sizeof it.connection_id), "connection_id", PINKY_NOT_FOUND);
    BAD(pinky_uuid_generate(&it.connection_id), "connection_id", PINKY_NOT_FOUND);
#undef BAD

    pinky_sync_item_init(&it);
    pt_status(pinky_sync_item_update(db, uid, &keep->id, &it, 0, NULL, NULL), PINKY_INVALID);
    pt_error_names("mask");
    pt_status(pinky_sync_item_update(db, uid, &keep->id, &it, UINT64_C(1) << 11, NULL, NULL), PINKY_INVALID);
    pt_error_names("mask");
    it.hash = long256;
    pt_status(pinky_sync_item_update(db, uid, &keep->id, &it, PINKY_SYNC_ITEM_HASH, NULL, NULL), PINKY_INVALID);
    pt_error_names("hash");
    it.mime_type = long256;
    pt_status(pinky_sync_item_update(db, uid, &keep->id, &it, PINKY_SYNC_ITEM_MIME_TYPE, NULL, NULL), PINKY_INVALID);
    pt_error_names("mime_type");
    it.path = "\xff";
    pt_status(pinky_sync_item_update(db, uid, &keep->id, &it, PINKY_SYNC_ITEM_PATH, NULL, NULL), PINKY_INVALID);
    pt_error_names("path");
    it.conflict_resolution = (pinky_conflict_resolution)8;
    pt_status(pinky_sync_item_update(db, uid, &keep->id, &it, PINKY_SYNC_ITEM_CONFLICT_RESOLUTION, NULL, NULL), PINKY_INVALID);
    pt_error_names("conflict_resolution");
    pt_status(pinky_sync_item_get(db, uid, NULL, &out), PINKY_INVALID);
    pt_status(pinky_sync_item_delete(db, uid, NULL), PINKY_INVALID);
    pt_status(pinky_sync_item_upsert(db, uid, NULL, &out), PINKY_INVALID);
    pt_status(pinky_sync_item_upsert(NULL, uid, &ok, &out), PINKY_INVALID);

    pinky_sync_item_filter f;
    pinky_sync_item_filter_init(&f);
    pinky_sync_item_page *pg = NULL;
    f.sync_status = (pinky_sync_item_status)6;
    pt_status(pinky_sync_item_list(db, uid, &f, &pg), PINKY_INVALID);
    pt_error_names("sync_status");
    pinky_sync_item_filter_init(&f);
    f.path_prefix = "\xC0\x80";
    pt_status(pinky_sync_item_list(db, uid, &f, &pg), PINKY_INVALID);
    pt_error_names("path_prefix");
    pinky_sync_item_filter_init(&f);
    f.cursor = "Zm9vYmFy";
    pt_status(pinky_sync_item_list(db, uid, &f, &pg), PINKY_INVALID);
    pt_error_names("cursor");

    assert_int_equal(pt_num("SELECT count(*) FROM sync_items"), before);
    char *snap2 = pt_str("SELECT row_to_json(s)::text FROM sync_items s WHERE id = '%s'", pt_uuid_str(&keep->id));
    assert_string_equal(snap2, snap);
    free(snap);
    free(snap2);
    free(long256);
    pinky_sync_item_free(keep);
}

static void test_item_tenancy(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t alice = pt_user(), mallory = pt_user();
    pinky_uuid conn = new_connection(alice, "alice items");
    pinky_sync_item it;
    pinky_sync_item_init(&it);
    it.connection_id = conn;
    it.path = "secret-plans.txt";
    it.hash = "abc";
    pinky_sync_item *item = NULL;
    pt_ok(pinky_sync_item_create(db, alice, &it, &item));

    pinky_sync_item *got = NULL;
    pt_status(pinky_sync_item_get(db, mallory, &item->id, &got), PINKY_NOT_FOUND);
    assert_null(got);
    it.hash = "overwritten";
    pt_status(pinky_sync_item_update(db, mallory, &item->id, &it, PINKY_SYNC_ITEM_HASH, NULL, &got), PINKY_NOT_FOUND);
    pt_status(pinky_sync_item_update(db, mallory, &item->id, &it, PINKY_SYNC_ITEM_HASH, &item->updated_at, &got),
              PINKY_NOT_FOUND);
    pt_status(pinky_sync_item_delete(db, mallory, &item->id), PINKY_NOT_FOUND);
    it.path = "planted.txt";
    pt_status(pinky_sync_item_create(db, mallory, &it, &got), PINKY_NOT_FOUND);
    pt_error_names("connection_id");
    assert_null(got);
    assert_int_equal(count_where("sync_items", "connection_id", &conn), 1);

    pinky_sync_item_page *pg = NULL;
    pt_ok(pinky_sync_item_list(db, mallory, NULL, &pg));
    assert_int_equal(pg->count, 0);
    pinky_sync_item_page_free(pg);
    pinky_sync_item_filter f;
    pinky_sync_item_filter_init(&f);
    f.connection_id = pinky_uuid_val(&conn);
    f.path_prefix = "secret";
    pt_ok(pinky_sync_item_list(db, mallory, &f, &pg));
    assert_int_equal(pg->count, 0);
    pinky_sync_item_page_free(pg);
    pt_ok(pinky_sync_item_list(db, alice, &f, &pg));
    assert_int_equal(pg->count, 1);
    assert_string_equal(pg->items[0]->hash, "abc");
    pinky_sync_item_page_free(pg);
    assert_int_equal(pt_num("SELECT (hash = 'abc')::int FROM sync_items WHERE id = '%s'", pt_uuid_str(&item->id)), 1);
    pinky_sync_item_free(item);
}

static void test_item_pagination(void **state)
{
    (void)state;
    int32_t uid = pt_user(), other = pt_user();
    pinky_uuid a = new_connection(uid, "a"), b = new_connection(uid, "b"), x = new_connection(other, "x");
    /* 1,000 items over two connections; paths with upper/lower case and multibyte prefixes */
    pt_exec("INSERT INTO sync_items (connection_id, path, is_directory, sync_status, has_conflict, updated_at) "
            "SELECT CASE WHEN g %% 5 < 3 THEN '%s'::uuid ELSE '%s'::uuid END, "
            "(ARRAY['docs/', 'Docs/', 'Ünïcode/', 'docs/sub/'])[1 + g %% 4] || 'f-' || lpad(g::text, 4, '0') || '.txt', "
            "g %% 7 = 0, (ARRAY['PENDING','SYNCING','SYNCED','FAILED','CONFLICT'])[1 + g %% 5], "
            "CASE WHEN g %% 11 = 0 THEN NULL ELSE g %% 3 = 0 END, "
            "'2024-05-01 00:00:00+00'::timestamptz + g * interval '1 second' "
            "FROM generate_series(1, 1000) g",
            pt_uuid_str(&a), pt_uuid_str(&b));
    pt_exec("INSERT INTO sync_items (connection_id, path, is_directory) SELECT '%s', 'docs/' || g, false FROM generate_series(1, 30) g", pt_uuid_str(&x));
    size_t n = 0;
    char **want = sql_ids(&n, "SELECT s.id FROM sync_items s JOIN platform_connections c ON c.id = s.connection_id "
                              "WHERE c.user_id = %d ORDER BY s.connection_id, s.path", uid);
    assert_int_equal(n, 1000);
    pinky_sync_item_filter f;
    pinky_sync_item_filter_init(&f);
    f.limit = 64;
    assert_int_equal(walk_pages(&ITEMS, uid, &f, &f.cursor, 64, want, n), 16);
    free_ids(want, n);

    /* filters */
    struct {
        const pinky_uuid *conn;
        pinky_sync_item_status status;
        pinky_opt_bool conflict;
        const char *prefix;
        const char *where;
    } cases[] = {
        {&a, 0, {0}, NULL, "connection_id = '%s'"},
        {&b, 0, {0}, "docs/", "connection_id = '%s' AND starts_with(path, 'docs/')"},
        {NULL, PINKY_SYNC_ITEM_STATUS_FAILED, {0}, NULL, "sync_status = 'FAILED'"},
        {NULL, 0, {true, true}, NULL, "has_conflict"},
        {NULL, 0, {false, true}, "Ünïcode/", "has_conflict = false AND starts_with(path, 'Ünïcode/')"},
        {&a, PINKY_SYNC_ITEM_STATUS_SYNCED, {0}, "docs/sub/", "connection_id = '%s' AND sync_status = 'SYNCED' AND starts_with(path, 'docs/sub/')"},
        {NULL, 0, {0}, "docs/su_", "path LIKE 'docs/su\\_%%'"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        pinky_sync_item_filter_init(&f);
        f.limit = 40;
        if (cases[k].conn)
            f.connection_id = pinky_uuid_val(cases[k].conn);
        f.sync_status = cases[k].status;
        f.has_conflict = cases[k].conflict;
        f.path_prefix = cases[k].prefix;
        char where[512];
        snprintf(where, sizeof where, cases[k].where, cases[k].conn ? pt_uuid_str(cases[k].conn) : "");
        want = sql_ids(&n, "SELECT s.id FROM sync_items s JOIN platform_connections c ON c.id = s.connection_id "
                           "WHERE c.user_id = %d AND %s ORDER BY s.connection_id, s.path", uid, where);
        if (k < 6)
            assert_true(n > 0);
        else
            assert_int_equal(n, 0);
        walk_pages(&ITEMS, uid, &f, &f.cursor, 40, want, n);
        free_ids(want, n);
    }
    pinky_sync_item_filter_init(&f);
    f.limit = 64;
    pt_ok(pinky_time_parse("2024-05-01T00:01:40Z", &f.updated_from.value));
    f.updated_from.is_set = true;
    pt_ok(pinky_time_parse("2024-05-01T00:10:00Z", &f.updated_before.value));
    f.updated_before.is_set = true;
    want = sql_ids(&n, "SELECT s.id FROM sync_items s JOIN platform_connections c ON c.id = s.connection_id "
                       "WHERE c.user_id = %d AND s.updated_at >= '2024-05-01T00:01:40Z' AND s.updated_at < '2024-05-01T00:10:00Z' "
                       "ORDER BY s.connection_id, s.path", uid);
    assert_int_equal(n, 500);
    walk_pages(&ITEMS, uid, &f, &f.cursor, 64, want, n);
    free_ids(want, n);
}

/* ---- cascades ---- */

static void test_cascade(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    pinky_uuid gone = new_connection(uid, "gone"), stays = new_connection(uid, "stays");
    const pinky_uuid *conns[] = {&gone, &stays};
    for (int k = 0; k < 2; k++) {
        for (int i = 0; i < 3; i++) {
            pinky_sync_operation o;
            pinky_sync_operation_init(&o);
            o.connection_id = *conns[k];
            o.status = PINKY_SYNC_STATUS_COMPLETED;
            pt_ok(pinky_sync_operation_create(db, uid, &o, NULL));
            pinky_sync_item it;
            pinky_sync_item_init(&it);
            it.connection_id = *conns[k];
            char path[32];
            snprintf(path, sizeof path, "f%d", i);
            it.path = path;
            pt_ok(pinky_sync_item_upsert(db, uid, &it, NULL));
        }
    }
    assert_int_equal(count_where("sync_operations", "connection_id", &gone), 3);
    assert_int_equal(count_where("sync_items", "connection_id", &gone), 3);
    pinky_sync_item_filter f;
    pinky_sync_item_filter_init(&f);
    f.connection_id = pinky_uuid_val(&gone);
    pinky_sync_item_page *pg = NULL;
    pt_ok(pinky_sync_item_list(db, uid, &f, &pg));
    assert_int_equal(pg->count, 3);
    pinky_uuid an_item = pg->items[0]->id;
    pinky_sync_item_page_free(pg);

    pt_ok(pinky_platform_connection_delete(db, uid, &gone));
    assert_int_equal(count_where("platform_connections", "id", &gone), 0);
    assert_int_equal(count_where("sync_operations", "connection_id", &gone), 0);
    assert_int_equal(count_where("sync_items", "connection_id", &gone), 0);
    assert_int_equal(count_where("sync_operations", "connection_id", &stays), 3);
    assert_int_equal(count_where("sync_items", "connection_id", &stays), 3);
    pinky_sync_item *got = NULL;
    pt_status(pinky_sync_item_get(db, uid, &an_item, &got), PINKY_NOT_FOUND);
    pt_ok(pinky_sync_item_list(db, uid, &f, &pg));
    assert_int_equal(pg->count, 0);
    pinky_sync_item_page_free(pg);

    /* deleting the user takes its connections and everything under them */
    pt_ok(pinky_user_delete(db, uid));
    assert_int_equal(pt_num("SELECT count(*) FROM platform_connections WHERE user_id = %d", uid), 0);
    assert_int_equal(count_where("sync_operations", "connection_id", &stays), 0);
    assert_int_equal(count_where("sync_items", "connection_id", &stays), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enums),
        cmocka_unit_test(test_connection_round_trip),
        cmocka_unit_test(test_connection_bad_input),
        cmocka_unit_test(test_connection_tenancy),
        cmocka_unit_test(test_connection_pagination),
        cmocka_unit_test(test_operation_round_trip),
        cmocka_unit_test(test_operation_bad_input),
        cmocka_unit_test(test_operation_tenancy),
        cmocka_unit_test(test_operation_pagination),
        cmocka_unit_test(test_item_round_trip),
        cmocka_unit_test(test_item_upsert),
        cmocka_unit_test(test_item_bad_input),
        cmocka_unit_test(test_item_tenancy),
        cmocka_unit_test(test_item_pagination),
        cmocka_unit_test(test_cascade),
    };
    return cmocka_run_group_tests_name("sync", tests, NULL, NULL);
}
