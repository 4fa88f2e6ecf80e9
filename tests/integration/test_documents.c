/*
 * documents, document_versions, document_tags: round trips of every column,
 * bad input, tenancy, pagination, masked updates, the atomic create with its
 * first version, concurrent new versions, tag sets and lists by tags.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testdb.h"

/* ---- helpers ---- */

static pinky_uuid uuid_of(const char *text)
{
    pinky_uuid u;
    assert_int_equal(pinky_uuid_parse(text, &u), PINKY_OK);
    return u;
}

/* A platform connection of user, inserted with plain SQL. */
static pinky_uuid new_connection(int32_t user)
{
    char *id = pt_str("INSERT INTO platform_connections (user_id, name, platform, root_path, credentials) "
                      "VALUES (%d, 'conn', 'WEB', '/', '{}') RETURNING id",
                      user);
    pinky_uuid u = uuid_of(id);
    free(id);
    return u;
}

/* Creates a minimal document and returns its id. */
static pinky_uuid new_document(int32_t user, const char *title)
{
    pinky_document d;
    pinky_document_init(&d);
    d.title = (char *)title;
    d.path = "/docs/file.pdf";
    d.platform = "UBUNTU";
    pinky_document *out = NULL;
    pt_ok(pinky_document_create(pt_db(), user, &d, &out));
    pinky_uuid id = out->id;
    pinky_document_free(out);
    return id;
}

/* Column 0 of every row of a query, as strings (NULL for SQL NULL). */
typedef struct strlist {
    char **v;
    size_t n;
} strlist;

static strlist sql_col(const char *fmt, ...)
{
    va_list ap;
    char *sql = NULL;
    va_start(ap, fmt);
    if (vasprintf(&sql, fmt, ap) < 0)
        abort();
    va_end(ap);
    PGresult *r = PQexec(pt_pg(), sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "SQL failed: %s\n  %s", sql, PQerrorMessage(pt_pg()));
        free(sql);
        fail();
    }
    free(sql);
    strlist l = {calloc((size_t)PQntuples(r) + 1, sizeof(char *)), (size_t)PQntuples(r)};
    for (size_t i = 0; i < l.n; i++)
        l.v[i] = PQgetisnull(r, (int)i, 0) ? NULL : strdup(PQgetvalue(r, (int)i, 0));
    PQclear(r);
    return l;
}

static void strlist_free(strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

static long long count_docs(void) { return pt_num("SELECT count(*) FROM documents"); }
static long long count_versions(void) { return pt_num("SELECT count(*) FROM document_versions"); }
static long long count_tags(void) { return pt_num("SELECT count(*) FROM document_tags"); }

static void assert_str_sql(const char *want, const char *fmt, const char *id)
{
    char *got = pt_str(fmt, id);
    if (want == NULL) {
        assert_null(got);
    } else {
        assert_non_null(got);
        assert_string_equal(got, want);
    }
    free(got);
}

/* ---- category enum ---- */

static void test_category_enum(void **state)
{
    (void)state;
    const char *names[] = {"PERSONAL", "LEGAL", "TAX", "INSURANCE", "BUSINESS", "OTHER"};
    for (int i = 0; i < 6; i++) {
        assert_string_equal(pinky_document_category_str((pinky_document_category)(i + 1)), names[i]);
        pinky_document_category c = 0;
        pt_ok(pinky_document_category_parse(names[i], &c));
        assert_int_equal(c, i + 1);
    }
    assert_null(pinky_document_category_str(0));
    assert_null(pinky_document_category_str((pinky_document_category)7));
    assert_null(pinky_document_category_str((pinky_document_category)-1));
    pinky_document_category c = PINKY_DOCUMENT_CATEGORY_TAX;
    pt_status(pinky_document_category_parse("tax", &c), PINKY_INVALID);
    pt_error_names("category");
    pt_status(pinky_document_category_parse(NULL, &c), PINKY_INVALID);
    pt_status(pinky_document_category_parse("TAX", NULL), PINKY_INVALID);
    assert_int_equal(c, PINKY_DOCUMENT_CATEGORY_TAX);
}

/* ---- documents ---- */

static void test_document_round_trip(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    pinky_uuid conn = new_connection(uid);
    char *title = pt_repeat("é", 255);
    char *path = pt_repeat("dossier/😀/é", 700);
    char *platform = pt_repeat("é", 50);
    char *mime = pt_repeat("é", 255);
    const char *meta = "{\"k\": \"π\", \"n\": [1, 2.5, null, true], \"o\": {}}";

    pinky_document d;
    pinky_document_init(&d);
    assert_int_equal(d.struct_size, sizeof(pinky_document));
    d.title = title;
    d.category = PINKY_DOCUMENT_CATEGORY_INSURANCE;
    d.path = path;
    d.platform = platform;
    d.connection_id = pinky_uuid_val(&conn);
    d.size = pinky_i64(INT64_MAX);
    d.mime_type = mime;
    d.version = pinky_i32(7);
    d.metadata = (char *)meta;
    d.user_id = 999999; /* ignored: the acting user owns the row */
    pinky_document *out = NULL;
    long long versions_before = count_versions();
    pt_ok(pinky_document_create(db, uid, &d, &out));
    assert_int_equal(out->struct_size, sizeof(pinky_document));
    assert_false(pinky_uuid_is_nil(&out->id));
    assert_int_equal(out->user_id, uid);
    assert_string_equal(out->title, title);
    assert_int_equal(out->category, PINKY_DOCUMENT_CATEGORY_INSURANCE);
    assert_string_equal(out->path, path);
    assert_string_equal(out->platform, platform);
    assert_true(out->connection_id.is_set);
    assert_true(pinky_uuid_equal(&out->connection_id.value, &conn));
    assert_true(out->size.is_set);
    assert_true(out->size.value == INT64_MAX);
    assert_string_equal(out->mime_type, mime);
    assert_true(out->version.is_set);
    assert_int_equal(out->version.value, 7);
    assert_string_equal(out->metadata, meta);
    assert_true(out->created_at > 0);
    assert_int_equal(out->created_at, out->updated_at);

    /* through the API */
    pinky_document *got = NULL;
    pt_ok(pinky_document_get(db, uid, &out->id, &got));
    assert_true(pinky_uuid_equal(&got->id, &out->id));
    assert_string_equal(got->title, title);
    assert_string_equal(got->path, path);
    assert_string_equal(got->platform, platform);
    assert_string_equal(got->mime_type, mime);
    assert_string_equal(got->metadata, meta);
    assert_int_equal(got->category, PINKY_DOCUMENT_CATEGORY_INSURANCE);
    assert_true(got->size.value == INT64_MAX);
    assert_int_equal(got->version.value, 7);
    assert_int_equal(got->created_at, out->created_at);
    assert_int_equal(got->updated_at, out->updated_at);
    pinky_document_free(got);

    /* through SQL */
    char id[PINKY_UUID_STRLEN];
    pinky_uuid_format(&out->id, id);
    assert_str_sql(title, "SELECT title FROM documents WHERE id = '%s'", id);
    assert_int_equal(pt_num("SELECT char_length(title) FROM documents WHERE id = '%s'", id), 255);
    assert_int_equal(pt_num("SELECT char_length(platform) FROM documents WHERE id = '%s'", id), 50);
    assert_str_sql("INSURANCE", "SELECT category FROM documents WHERE id = '%s'", id);
    assert_str_sql(path, "SELECT path FROM documents WHERE id = '%s'", id);
    assert_str_sql(pt_uuid_str(&conn), "SELECT connection_id::text FROM documents WHERE id = '%s'", id);
    assert_str_sql("9223372036854775807", "SELECT size::text FROM documents WHERE id = '%s'", id);
    assert_str_sql(mime, "SELECT mime_type FROM documents WHERE id = '%s'", id);
    assert_int_equal(pt_num("SELECT version FROM documents WHERE id = '%s'", id), 7);
    assert_str_sql("π", "SELECT metadata->>'k' FROM documents WHERE id = '%s'", id);
    assert_int_equal(pt_num("SELECT user_id FROM documents WHERE id = '%s'", id), uid);
    assert_int_equal(pt_num("SELECT (extract(epoch FROM created_at) * 1000000)::bigint FROM documents WHERE id = '%s'", id),
                     out->created_at);

    /* its first version, written in the same transaction */
    assert_int_equal(count_versions(), versions_before + 1);
    assert_int_equal(pt_num("SELECT count(*) FROM document_versions WHERE document_id = '%s'", id), 1);
    assert_int_equal(pt_num("SELECT version_number FROM document_versions WHERE document_id = '%s'", id), 7);
    assert_str_sql(path, "SELECT path FROM document_versions WHERE document_id = '%s'", id);
    assert_str_sql("9223372036854775807", "SELECT size::text FROM document_versions WHERE document_id = '%s'", id);
    assert_int_equal(pt_num("SELECT created_by FROM document_versions WHERE document_id = '%s'", id), uid);
    assert_int_equal(pt_num("SELECT count(*) FROM document_versions WHERE document_id = '%s' "
                            "AND hash IS NULL AND comment IS NULL AND created_at IS NOT NULL", id), 1);

    /* every NULL, the smallest size, every category */
    for (int cat = 0; cat <= 6; cat++) {
        pinky_document n;
        pinky_document_init(&n);
        n.title = "t";
        n.path = "p";
        n.platform = "x";
        n.category = (pinky_document_category)cat;
        if (cat == 1)
            n.size = pinky_i64(INT64_MIN);
        if (cat == 2)
            n.metadata = "null"; /* JSON null, not SQL NULL */
        pinky_document *o = NULL;
        pt_ok(pinky_document_create(db, uid, &n, &o));
        char nid[PINKY_UUID_STRLEN];
    pinky_uuid_format(&o->id, nid);
        assert_int_equal(o->category, cat);
        assert_false(o->connection_id.is_set);
        assert_null(o->mime_type);
        /* version: the column default 1 */
        assert_true(o->version.is_set);
        assert_int_equal(o->version.value, 1);
        pinky_document *g = NULL;
        pt_ok(pinky_document_get(db, uid, &o->id, &g));
        assert_int_equal(g->category, cat);
        if (cat == 0) {
            assert_false(g->size.is_set);
            assert_null(g->metadata);
            assert_int_equal(pt_num("SELECT count(*) FROM documents WHERE id = '%s' AND category IS NULL "
                                    "AND connection_id IS NULL AND size IS NULL AND mime_type IS NULL "
                                    "AND metadata IS NULL", nid), 1);
            assert_int_equal(pt_num("SELECT count(*) FROM document_versions WHERE document_id = '%s' "
                                    "AND version_number = 1 AND size IS NULL AND path = 'p'", nid), 1);
        } else {
            assert_str_sql(pinky_document_category_str((pinky_document_category)cat),
                           "SELECT category FROM documents WHERE id = '%s'", nid);
        }
        if (cat == 1) {
            assert_true(g->size.is_set && g->size.value == INT64_MIN);
            assert_str_sql("-9223372036854775808", "SELECT size::text FROM document_versions WHERE document_id = '%s'", nid);
        }
        if (cat == 2) {
            assert_string_equal(g->metadata, "null");
            assert_str_sql("null", "SELECT jsonb_typeof(metadata) FROM documents WHERE id = '%s'", nid);
        }
        pinky_document_free(g);
        pinky_document_free(o);
    }

    /* the largest version number */
    d.version = pinky_i32(INT32_MAX);
    d.connection_id.is_set = false;
    pinky_document *big = NULL;
    pt_ok(pinky_document_create(db, uid, &d, &big));
    assert_int_equal(big->version.value, INT32_MAX);
    assert_int_equal(pt_num("SELECT version_number FROM document_versions WHERE document_id = '%s'", pt_uuid_str(&big->id)),
                     INT32_MAX);
    pinky_document_free(big);

    /* *out may be NULL */
    d.version.is_set = false;
    long long n = count_docs();
    pt_ok(pinky_document_create(db, uid, &d, NULL));
    assert_int_equal(count_docs(), n + 1);

    /* delete cascades to versions and tags */
    pt_ok(pinky_document_tag_add(db, uid, &out->id, "gone"));
    pt_ok(pinky_document_delete(db, uid, &out->id));
    assert_int_equal(pt_num("SELECT count(*) FROM documents WHERE id = '%s'", id), 0);
    assert_int_equal(pt_num("SELECT count(*) FROM document_versions WHERE document_id = '%s'", id), 0);
    assert_int_equal(pt_num("SELECT count(*) FROM document_tags WHERE document_id = '%s'", id), 0);
    pt_status(pinky_document_get(db, uid, &out->id, &got), PINKY_NOT_FOUND);
    assert_null(got);
    pt_status(pinky_document_delete(db, uid, &out->id), PINKY_NOT_FOUND);

    /* an acting user that does not exist */
    pt_status(pinky_document_create(db, 2000000000, &d, &got), PINKY_NOT_FOUND);
    pt_error_names("user");
    assert_int_equal(count_docs(), n); /* n + 1 created, one deleted */

    pinky_document_free(out);
    free(title);
    free(path);
    free(platform);
    free(mime);
}

static void test_document_create_atomic(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    long long docs = count_docs(), versions = count_versions();

    /* the second insert (the version row) fails: neither row stays */
    pt_exec("ALTER TABLE document_versions ADD CONSTRAINT pt_fail_second CHECK (path <> '/fail/second')");
    pinky_document d;
    pinky_document_init(&d);
    d.title = "atomic";
    d.path = "/fail/second";
    d.platform = "WEB";
    pinky_document *out = (pinky_document *)0x1;
    pt_status(pinky_document_create(db, uid, &d, &out), PINKY_CONSTRAINT);
    assert_null(out);
    assert_string_equal(pinky_error_last()->constraint_name, "pt_fail_second");
    assert_string_equal(pinky_error_last()->sqlstate, "23514");
    pt_error_names("pt_fail_second");
    pt_exec("ALTER TABLE document_versions DROP CONSTRAINT pt_fail_second");
    assert_int_equal(count_docs(), docs);
    assert_int_equal(count_versions(), versions);
    assert_int_equal(pt_num("SELECT count(*) FROM documents WHERE path = '/fail/second'"), 0);

    /* the same path works once the constraint is gone: both rows */
    pt_ok(pinky_document_create(db, uid, &d, &out));
    assert_int_equal(count_docs(), docs + 1);
    assert_int_equal(count_versions(), versions + 1);
    assert_int_equal(pt_num("SELECT count(*) FROM document_versions v JOIN documents d ON d.id = v.document_id "
                            "WHERE d.id = '%s' AND v.version_number = 1 AND v.path = d.path AND v.created_by = %d",
                            pt_uuid_str(&out->id), uid), 1);
    pinky_document_free(out);

    /* inside the caller's transaction: both rows go with its rollback */
    pinky_db *tx = NULL;
    pt_ok(pinky_db_begin(db, NULL, &tx));
    d.path = "/in/tx";
    pt_ok(pinky_document_create(tx, uid, &d, &out));
    pinky_uuid in_tx = out->id;
    pinky_document_free(out);
    pinky_document_version_filter vf;
    pinky_document_version_filter_init(&vf);
    vf.document_id = pinky_uuid_val(&in_tx);
    pinky_document_version_page *vp = NULL;
    pt_ok(pinky_document_version_list(tx, uid, &vf, &vp));
    assert_int_equal(vp->count, 1);
    assert_int_equal(vp->items[0]->version_number, 1);
    pinky_document_version_page_free(vp);
    pt_ok(pinky_db_rollback(tx));
    assert_int_equal(pt_num("SELECT count(*) FROM documents WHERE id = '%s'", pt_uuid_str(&in_tx)), 0);
    assert_int_equal(pt_num("SELECT count(*) FROM document_versions WHERE document_id = '%s'", pt_uuid_str(&in_tx)), 0);
    /* and with its commit */
    pt_ok(pinky_db_begin(db, NULL, &tx));
    pt_ok(pinky_document_create(tx, uid, &d, &out));
    pt_ok(pinky_db_commit(tx));
    assert_int_equal(pt_num("SELECT count(*) FROM document_versions WHERE document_id = '%s'", pt_uuid_str(&out->id)), 1);
    pinky_document_free(out);
}

static void test_document_bad_input(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    pinky_uuid doc = new_document(uid, "bad-input target");
    long long docs = count_docs(), versions = count_versions();
    char *title256 = pt_repeat("é", 256), *plat51 = pt_repeat("é", 51), *mime256 = pt_repeat("é", 256);

    pinky_document d;
    pinky_document *out = (pinky_document *)0x1;
#define FRESH()                       \
    do {                              \
        pinky_document_init(&d);      \
        d.title = "ok";               \
        d.path = "/ok";               \
        d.platform = "WEB";           \
    } while (0)
#define BAD(field)                                                       \
    do {                                                                 \
        pt_status(pinky_document_create(db, uid, &d, &out), PINKY_INVALID); \
        pt_error_names(field);                                           \
        assert_null(out);                                                \
        out = (pinky_document *)0x1;                                     \
    } while (0)

    FRESH();
    pt_status(pinky_document_create(NULL, uid, &d, &out), PINKY_INVALID);
    pt_error_names("db");
    pt_status(pinky_document_create(db, uid, NULL, &out), PINKY_INVALID);
    FRESH(); d.struct_size = 8; BAD("struct_size");
    FRESH(); d.title = NULL; BAD("title");
    assert_string_equal(pinky_error_last()->field, "document.title");
    FRESH(); d.title = ""; BAD("title");
    FRESH(); d.title = title256; BAD("title");
    assert_non_null(strstr(pinky_error_last()->message, "256"));
    FRESH(); d.title = "bad\xC3\x28utf8"; BAD("title");
    assert_non_null(strstr(pinky_error_last()->message, "UTF-8"));
    FRESH(); d.path = NULL; BAD("path");
    FRESH(); d.path = ""; BAD("path");
    FRESH(); d.path = "\xff"; BAD("path");
    FRESH(); d.platform = NULL; BAD("platform");
    FRESH(); d.platform = ""; BAD("platform");
    FRESH(); d.platform = plat51; BAD("platform");
    FRESH(); d.mime_type = mime256; BAD("mime_type");
    FRESH(); d.mime_type = "\xe2\x82"; BAD("mime_type");
    FRESH(); d.category = (pinky_document_category)7; BAD("category");
    FRESH(); d.category = (pinky_document_category)-1; BAD("category");
    FRESH(); d.metadata = "{"; BAD("metadata");
    FRESH(); d.metadata = "[1,]"; BAD("metadata");
    FRESH(); d.metadata = ""; BAD("metadata");
    FRESH(); d.version = pinky_i32(0); BAD("version");
    FRESH(); d.version = pinky_i32(-3); BAD("version");

    /* update */
    pinky_document *upd = (pinky_document *)0x1;
    FRESH();
    pt_status(pinky_document_update(db, uid, &doc, &d, 0, NULL, &upd), PINKY_INVALID);
    pt_error_names("mask");
    assert_null(upd);
    pt_status(pinky_document_update(db, uid, &doc, &d, UINT64_C(1) << 40, NULL, NULL), PINKY_INVALID);
    pt_error_names("mask");
    pt_status(pinky_document_update(db, uid, NULL, &d, PINKY_DOCUMENT_TITLE, NULL, NULL), PINKY_INVALID);
    pt_error_names("id");
    pt_status(pinky_document_update(db, uid, &doc, NULL, PINKY_DOCUMENT_TITLE, NULL, NULL), PINKY_INVALID);
    d.title = NULL;
    pt_status(pinky_document_update(db, uid, &doc, &d, PINKY_DOCUMENT_TITLE, NULL, NULL), PINKY_INVALID);
    pt_error_names("title");
    FRESH(); d.path = NULL;
    pt_status(pinky_document_update(db, uid, &doc, &d, PINKY_DOCUMENT_PATH, NULL, NULL), PINKY_INVALID);
    pt_error_names("path");
    FRESH(); d.platform = plat51;
    pt_status(pinky_document_update(db, uid, &doc, &d, PINKY_DOCUMENT_PLATFORM, NULL, NULL), PINKY_INVALID);
    pt_error_names("platform");
    FRESH(); d.version = pinky_i32(0);
    pt_status(pinky_document_update(db, uid, &doc, &d, PINKY_DOCUMENT_VERSION, NULL, NULL), PINKY_INVALID);
    pt_error_names("version");
    FRESH(); d.category = (pinky_document_category)99;
    pt_status(pinky_document_update(db, uid, &doc, &d, PINKY_DOCUMENT_CATEGORY, NULL, NULL), PINKY_INVALID);
    pt_error_names("category");
    FRESH(); d.metadata = "{'a': 1}";
    pt_status(pinky_document_update(db, uid, &doc, &d, PINKY_DOCUMENT_METADATA, NULL, NULL), PINKY_INVALID);
    pt_error_names("metadata");
    /* a bad unmasked field is not looked at */
    FRESH(); d.title = "renamed"; d.platform = plat51;
    pinky_document *ok = NULL;
    pt_ok(pinky_document_update(db, uid, &doc, &d, PINKY_DOCUMENT_TITLE, NULL, &ok));
    assert_string_equal(ok->title, "renamed");
    assert_string_equal(ok->platform, "UBUNTU");
    pinky_document_free(ok);

    /* get / delete */
    pinky_document *g = (pinky_document *)0x1;
    pt_status(pinky_document_get(db, uid, NULL, &g), PINKY_INVALID);
    pt_error_names("id");
    pt_status(pinky_document_get(db, uid, &doc, NULL), PINKY_INVALID);
    pt_status(pinky_document_get(NULL, uid, &doc, &g), PINKY_INVALID);
    pt_status(pinky_document_delete(db, uid, NULL), PINKY_INVALID);

    /* list filters */
    pinky_document_filter f;
    pinky_document_filter_init(&f);
    pinky_document_page *p = (pinky_document_page *)0x1;
    f.category = (pinky_document_category)9;
    pt_status(pinky_document_list(db, uid, &f, &p), PINKY_INVALID);
    pt_error_names("category");
    assert_null(p);
    pinky_document_filter_init(&f);
    f.limit = 1001;
    pt_status(pinky_document_list(db, uid, &f, &p), PINKY_INVALID);
    pt_error_names("limit");
    pinky_document_filter_init(&f);
    f.cursor = "bm90IGEgY3Vyc29y";
    pt_status(pinky_document_list(db, uid, &f, &p), PINKY_INVALID);
    pt_error_names("cursor");
    pinky_document_filter_init(&f);
    f.title_contains = "\xc3";
    pt_status(pinky_document_list(db, uid, &f, &p), PINKY_INVALID);
    pt_error_names("title_contains");
    pinky_document_filter_init(&f);
    f.tag = title256;
    pt_status(pinky_document_list(db, uid, &f, &p), PINKY_INVALID);
    pt_error_names("tag");
    pinky_document_filter_init(&f);
    f.struct_size = 4;
    pt_status(pinky_document_list(db, uid, &f, &p), PINKY_INVALID);
    pt_error_names("struct_size");
    pt_status(pinky_document_list(db, uid, NULL, NULL), PINKY_INVALID);
    /* a cursor of another table's list */
    pinky_document_version_filter vf;
    pinky_document_version_filter_init(&vf);
    vf.limit = 1;
    pinky_uuid doc2 = new_document(uid, "second");
    (void)doc2;
    pinky_document_version_page *vp = NULL;
    pt_ok(pinky_document_version_list(db, uid, &vf, &vp));
    assert_non_null(vp->next_cursor);
    pinky_document_filter_init(&f);
    f.cursor = vp->next_cursor;
    pt_status(pinky_document_list(db, uid, &f, &p), PINKY_INVALID);
    pt_error_names("cursor");
    pinky_document_version_page_free(vp);

    /* list_by_tags arguments */
    const char *tags[PINKY_DOCUMENT_LIST_TAGS_MAX + 1];
    for (int i = 0; i <= PINKY_DOCUMENT_LIST_TAGS_MAX; i++)
        tags[i] = "t";
    pt_status(pinky_document_list_by_tags(db, uid, tags, PINKY_DOCUMENT_LIST_TAGS_MAX + 1, NULL, &p), PINKY_INVALID);
    pt_error_names("tags");
    pt_status(pinky_document_list_by_tags(db, uid, NULL, 2, NULL, &p), PINKY_INVALID);
    pt_error_names("tags");
    tags[1] = "";
    pt_status(pinky_document_list_by_tags(db, uid, tags, 2, NULL, &p), PINKY_INVALID);
    pt_error_names("tags[1]");
    tags[1] = NULL;
    pt_status(pinky_document_list_by_tags(db, uid, tags, 2, NULL, &p), PINKY_INVALID);
    pt_error_names("tags[1]");
    tags[1] = title256;
    pt_status(pinky_document_list_by_tags(db, uid, tags, 2, NULL, &p), PINKY_INVALID);
    pt_error_names("tags[1]");
    tags[1] = "t";
    pinky_document_filter_init(&f);
    f.limit = 5000;
    pt_status(pinky_document_list_by_tags(db, uid, tags, 2, &f, &p), PINKY_INVALID);
    pt_error_names("limit");
    f.struct_size = 3;
    pt_status(pinky_document_list_by_tags(db, uid, tags, 2, &f, &p), PINKY_INVALID);
    pt_error_names("struct_size");

    assert_int_equal(count_docs(), docs + 1); /* only "second" */
    assert_int_equal(count_versions(), versions + 1);
    assert_int_equal(pt_num("SELECT count(*) FROM documents WHERE user_id = %d AND title = 'ok'", uid), 0);
    free(title256);
    free(plat51);
    free(mime256);
#undef FRESH
#undef BAD
}

static void test_document_connection_tenancy(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t alice = pt_user(), bob = pt_user();
    pinky_uuid alice_conn = new_connection(alice), bob_conn = new_connection(bob);
    long long docs = count_docs(), versions = count_versions();

    pinky_document d;
    pinky_document_init(&d);
    d.title = "bob's";
    d.path = "/b";
    d.platform = "WEB";
    d.connection_id = pinky_uuid_val(&alice_conn);
    pinky_document *out = (pinky_document *)0x1;
    pt_status(pinky_document_create(db, bob, &d, &out), PINKY_NOT_FOUND);
    pt_error_names("connection_id");
    assert_non_null(strstr(pinky_error_last()->field, "connection_id"));
    assert_null(out);
    /* a connection that does not exist at all */
    pinky_uuid nowhere;
    pinky_uuid_generate(&nowhere);
    d.connection_id = pinky_uuid_val(&nowhere);
    pt_status(pinky_document_create(db, bob, &d, &out), PINKY_NOT_FOUND);
    pt_error_names("connection_id");
    assert_int_equal(count_docs(), docs);
    assert_int_equal(count_versions(), versions);

    /* bob's own connection is fine */
    d.connection_id = pinky_uuid_val(&bob_conn);
    pt_ok(pinky_document_create(db, bob, &d, &out));
    assert_true(pinky_uuid_equal(&out->connection_id.value, &bob_conn));
    /* and an update cannot point it at alice's */
    pinky_document ch;
    pinky_document_init(&ch);
    ch.connection_id = pinky_uuid_val(&alice_conn);
    ch.title = "moved";
    pt_status(pinky_document_update(db, bob, &out->id, &ch, PINKY_DOCUMENT_CONNECTION_ID | PINKY_DOCUMENT_TITLE,
                                    NULL, NULL),
              PINKY_NOT_FOUND);
    pt_error_names("connection_id");
    assert_str_sql(pt_uuid_str(&bob_conn), "SELECT connection_id::text FROM documents WHERE id = '%s'", pt_uuid_str(&out->id));
    assert_str_sql("bob's", "SELECT title FROM documents WHERE id = '%s'", pt_uuid_str(&out->id));
    /* the filter by connection */
    pinky_document_filter f;
    pinky_document_filter_init(&f);
    f.connection_id = pinky_uuid_val(&bob_conn);
    pinky_document_page *p = NULL;
    pt_ok(pinky_document_list(db, bob, &f, &p));
    assert_int_equal(p->count, 1);
    assert_true(pinky_uuid_equal(&p->items[0]->id, &out->id));
    pinky_document_page_free(p);
    f.connection_id = pinky_uuid_val(&alice_conn);
    pt_ok(pinky_document_list(db, bob, &f, &p));
    assert_int_equal(p->count, 0);
    pinky_document_page_free(p);
    /* clearing the connection */
    ch.connection_id.is_set = false;
    pinky_document *upd = NULL;
    pt_ok(pinky_document_update(db, bob, &out->id, &ch, PINKY_DOCUMENT_CONNECTION_ID, NULL, &upd));
    assert_false(upd->connection_id.is_set);
    assert_int_equal(pt_num("SELECT count(*) FROM documents WHERE id = '%s' AND connection_id IS NULL", pt_uuid_str(&out->id)), 1);
    pinky_document_free(upd);
    /* deleting the connection cascades to its documents */
    pt_ok(pinky_document_update(db, bob, &out->id, &d, PINKY_DOCUMENT_CONNECTION_ID, NULL, NULL));
    pt_exec("DELETE FROM platform_connections WHERE id = '%s'", pt_uuid_str(&bob_conn));
    pt_status(pinky_document_get(db, bob, &out->id, &upd), PINKY_NOT_FOUND);
    pinky_document_free(out);
}

static void test_document_tenancy(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t alice = pt_user(), bob = pt_user();
    pinky_uuid doc = new_document(alice, "alice's secret");
    pt_ok(pinky_document_tag_add(db, alice, &doc, "private"));
    char id[PINKY_UUID_STRLEN];
    pinky_uuid_format(&doc, id);
    char *before = pt_str("SELECT row(d.*)::text FROM documents d WHERE id = '%s'", id);
    long long versions = count_versions(), tags = count_tags();

    pinky_document *got = (pinky_document *)0x1;
    pt_status(pinky_document_get(db, bob, &doc, &got), PINKY_NOT_FOUND);
    assert_null(got);
    pinky_document ch;
    pinky_document_init(&ch);
    ch.title = "stolen";
    pt_status(pinky_document_update(db, bob, &doc, &ch, PINKY_DOCUMENT_TITLE, NULL, NULL), PINKY_NOT_FOUND);
    pt_status(pinky_document_delete(db, bob, &doc), PINKY_NOT_FOUND);
    pinky_document_page *p = NULL;
    pt_ok(pinky_document_list(db, bob, NULL, &p));
    assert_int_equal(p->count, 0);
    assert_null(p->next_cursor);
    pinky_document_page_free(p);
    const char *t1[] = {"private"};
    pt_ok(pinky_document_list_by_tags(db, bob, t1, 1, NULL, &p));
    assert_int_equal(p->count, 0);
    pinky_document_page_free(p);
    pt_ok(pinky_document_list_by_tags(db, alice, t1, 1, NULL, &p));
    assert_int_equal(p->count, 1);
    pinky_document_page_free(p);

    /* tags */
    pt_status(pinky_document_tag_add(db, bob, &doc, "mine"), PINKY_NOT_FOUND);
    pt_error_names("document_id");
    pt_status(pinky_document_tag_remove(db, bob, &doc, "private"), PINKY_NOT_FOUND);
    pinky_document_tag_page *tp = (pinky_document_tag_page *)0x1;
    pt_status(pinky_document_tag_list(db, bob, &doc, NULL, &tp), PINKY_NOT_FOUND);
    assert_null(tp);
    const char *repl[] = {"a", "b"};
    pt_status(pinky_document_tag_set(db, bob, &doc, repl, 2), PINKY_NOT_FOUND);
    pt_error_names("document_id");
    pt_status(pinky_document_tag_set(db, bob, &doc, NULL, 0), PINKY_NOT_FOUND);

    /* versions */
    pinky_document_version v;
    pinky_document_version_init(&v);
    v.document_id = doc;
    v.version_number = 50;
    v.path = "/x";
    pinky_document_version *vo = (pinky_document_version *)0x1;
    pt_status(pinky_document_version_create(db, bob, &v, &vo), PINKY_NOT_FOUND);
    pt_error_names("document_id");
    assert_null(vo);
    pt_status(pinky_document_new_version(db, bob, &doc, &v, &vo), PINKY_NOT_FOUND);
    pt_error_names("document_id");
    assert_null(vo);
    char *vid = pt_str("SELECT id FROM document_versions WHERE document_id = '%s'", id);
    pinky_uuid version_id = uuid_of(vid);
    free(vid);
    pt_status(pinky_document_version_get(db, bob, &version_id, &vo), PINKY_NOT_FOUND);
    pt_status(pinky_document_version_update(db, bob, &version_id, &v, PINKY_DOCUMENT_VERSION_PATH, NULL, NULL),
              PINKY_NOT_FOUND);
    pt_status(pinky_document_version_delete(db, bob, &version_id), PINKY_NOT_FOUND);
    pinky_document_version_filter vf;
    pinky_document_version_filter_init(&vf);
    pinky_document_version_page *vp = NULL;
    pt_ok(pinky_document_version_list(db, bob, &vf, &vp));
    assert_int_equal(vp->count, 0);
    pinky_document_version_page_free(vp);
    vf.document_id = pinky_uuid_val(&doc);
    pt_ok(pinky_document_version_list(db, bob, &vf, &vp));
    assert_int_equal(vp->count, 0);
    pinky_document_version_page_free(vp);
    pt_ok(pinky_document_version_list(db, alice, &vf, &vp));
    assert_int_equal(vp->count, 1);
    pinky_document_version_page_free(vp);

    /* nothing changed */
    char *after = pt_str("SELECT row(d.*)::text FROM documents d WHERE id = '%s'", id);
    assert_string_equal(before, after);
    assert_int_equal(count_versions(), versions);
    assert_int_equal(count_tags(), tags);
    assert_int_equal(pt_num("SELECT count(*) FROM document_tags WHERE document_id = '%s' AND tag = 'private'", id), 1);
    free(before);
    free(after);
}

static void test_document_update_mask(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    pinky_uuid conn = new_connection(uid);
    pinky_document d;
    pinky_document_init(&d);
    d.title = "before";
    d.category = PINKY_DOCUMENT_CATEGORY_TAX;
    d.path = "/before";
    d.platform = "IOS";
    d.connection_id = pinky_uuid_val(&conn);
    d.size = pinky_i64(42);
    d.mime_type = "application/pdf";
    d.metadata = "{\"a\": 1}";
    pinky_document *orig = NULL;
    pt_ok(pinky_document_create(db, uid, &d, &orig));
    char id[PINKY_UUID_STRLEN];
    pinky_uuid_format(&orig->id, id);

    /* change title and metadata only; everything else stays, whatever *in says */
    pinky_document ch;
    pinky_document_init(&ch);
    ch.title = "after";
    ch.metadata = "[\"x\"]";
    ch.path = "/ignored";
    ch.platform = "ignored";
    ch.size = pinky_i64(1);
    pinky_document *upd = NULL;
    pt_ok(pinky_document_update(db, uid, &orig->id, &ch, PINKY_DOCUMENT_TITLE | PINKY_DOCUMENT_METADATA,
                                &orig->updated_at, &upd));
    assert_string_equal(upd->title, "after");
    assert_string_equal(upd->metadata, "[\"x\"]");
    assert_string_equal(upd->path, "/before");
    assert_true(upd->updated_at > orig->updated_at);
    assert_int_equal(upd->created_at, orig->created_at);
    assert_int_equal(pt_num("SELECT count(*) FROM documents WHERE id = '%s' AND title = 'after' "
                            "AND metadata = '[\"x\"]' AND category = 'TAX' AND path = '/before' "
                            "AND platform = 'IOS' AND connection_id = '%s' AND size = 42 "
                            "AND mime_type = 'application/pdf' AND version = 1", id, pt_uuid_str(&conn)), 1);

    /* a stale expected updated_at: CONFLICT, nothing written */
    ch.title = "stale";
    pinky_document *none = (pinky_document *)0x1;
    pt_status(pinky_document_update(db, uid, &orig->id, &ch, PINKY_DOCUMENT_TITLE, &orig->updated_at, &none),
              PINKY_CONFLICT);
    pt_error_names("updated_at");
    assert_null(none);
    assert_str_sql("after", "SELECT title FROM documents WHERE id = '%s'", id);
    assert_int_equal(pt_num("SELECT (extract(epoch FROM updated_at) * 1000000)::bigint FROM documents WHERE id = '%s'", id),
                     upd->updated_at);

    /* clear every nullable field; set the others */
    pinky_document cl;
    pinky_document_init(&cl);
    cl.path = "/new";
    cl.platform = "DROPBOX";
    cl.version = pinky_i32(3);
    pinky_document *cleared = NULL;
    uint64_t all = PINKY_DOCUMENT_CATEGORY | PINKY_DOCUMENT_CONNECTION_ID | PINKY_DOCUMENT_SIZE |
                   PINKY_DOCUMENT_MIME_TYPE | PINKY_DOCUMENT_METADATA | PINKY_DOCUMENT_PATH |
                   PINKY_DOCUMENT_PLATFORM | PINKY_DOCUMENT_VERSION;
    pt_ok(pinky_document_update(db, uid, &orig->id, &cl, all, &upd->updated_at, &cleared));
    assert_int_equal(cleared->category, 0);
    assert_false(cleared->connection_id.is_set);
    assert_false(cleared->size.is_set);
    assert_null(cleared->mime_type);
    assert_null(cleared->metadata);
    assert_string_equal(cleared->title, "after");
    assert_int_equal(cleared->version.value, 3);
    assert_int_equal(pt_num("SELECT count(*) FROM documents WHERE id = '%s' AND title = 'after' "
                            "AND category IS NULL AND connection_id IS NULL AND size IS NULL "
                            "AND mime_type IS NULL AND metadata IS NULL AND path = '/new' "
                            "AND platform = 'DROPBOX' AND version = 3", id), 1);
    /* the version can be cleared too (NULL counts as 1 for new versions) */
    cl.version.is_set = false;
    pt_ok(pinky_document_update(db, uid, &orig->id, &cl, PINKY_DOCUMENT_VERSION, NULL, NULL));
    assert_int_equal(pt_num("SELECT count(*) FROM documents WHERE id = '%s' AND version IS NULL", id), 1);
    /* the update of a document that does not exist */
    pinky_uuid nowhere;
    pinky_uuid_generate(&nowhere);
    pt_status(pinky_document_update(db, uid, &nowhere, &cl, PINKY_DOCUMENT_PATH, NULL, NULL), PINKY_NOT_FOUND);
    pt_status(pinky_document_update(db, uid, &nowhere, &cl, PINKY_DOCUMENT_PATH, &orig->updated_at, NULL),
              PINKY_NOT_FOUND);
    pinky_document_free(orig);
    pinky_document_free(upd);
    pinky_document_free(cleared);
}

static void test_document_pagination(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user(), other = pt_user();
    /* 1,000 rows with ties, NULL created_at (sorted first) and distinct times */
    pt_exec("INSERT INTO documents (user_id, title, path, platform, created_at) "
            "SELECT %d, 'page ' || i, '/p/' || i, 'WEB', "
            "CASE i %% 3 WHEN 0 THEN NULL WHEN 1 THEN '2024-01-01T00:00:00Z'::timestamptz "
            "ELSE '2023-06-01T00:00:00Z'::timestamptz + i * interval '1 second' END "
            "FROM generate_series(1, 1000) AS i",
            uid);
    pt_exec("INSERT INTO documents (user_id, title, path, platform) VALUES (%d, 'not mine', '/', 'WEB')", other);
    strlist want = sql_col("SELECT id FROM documents WHERE user_id = %d "
                           "ORDER BY COALESCE(created_at, '-infinity'::timestamptz), id", uid);
    assert_int_equal(want.n, 1000);
    pinky_document_filter f;
    pinky_document_filter_init(&f);
    f.limit = 64;
    size_t seen = 0;
    int pages = 0;
    char *cursor = NULL;
    for (;;) {
        f.cursor = cursor;
        pinky_document_page *p = NULL;
        pt_ok(pinky_document_list(db, uid, &f, &p));
        pages++;
        for (size_t i = 0; i < p->count; i++) {
            assert_true(seen < want.n);
            assert_string_equal(pt_uuid_str(&p->items[i]->id), want.v[seen]);
            assert_int_equal(p->items[i]->user_id, uid);
            seen++;
        }
        if (p->next_cursor)
            assert_int_equal(p->count, 64);
        free(cursor);
        cursor = p->next_cursor ? strdup(p->next_cursor) : NULL;
        pinky_document_page_free(p);
        if (cursor == NULL)
            break;
    }
    assert_int_equal(seen, 1000);
    assert_int_equal(pages, (1000 + 63) / 64);
    /* the default limit and the maximum */
    pinky_document_page *p = NULL;
    pt_ok(pinky_document_list(db, uid, NULL, &p));
    assert_int_equal(p->count, PINKY_LIST_DEFAULT_LIMIT);
    assert_non_null(p->next_cursor);
    assert_int_equal(p->items[0]->created_at, 0); /* NULL created_at reads as 0 */
    pinky_document_page_free(p);
    f.cursor = NULL;
    f.limit = 1000;
    pt_ok(pinky_document_list(db, uid, &f, &p));
    assert_int_equal(p->count, 1000);
    assert_null(p->next_cursor);
    pinky_document_page_free(p);
    /* list_by_tags with no tags pages the same way, cursors interchangeable */
    f.limit = 300;
    pt_ok(pinky_document_list_by_tags(db, uid, NULL, 0, &f, &p));
    assert_int_equal(p->count, 300);
    assert_string_equal(pt_uuid_str(&p->items[299]->id), want.v[299]);
    f.cursor = p->next_cursor;
    pinky_document_page *q = NULL;
    pt_ok(pinky_document_list(db, uid, &f, &q));
    assert_string_equal(pt_uuid_str(&q->items[0]->id), want.v[300]);
    pinky_document_page_free(q);
    pinky_document_page_free(p);
    strlist_free(&want);
}

static void test_document_filters(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    pinky_uuid conn = new_connection(uid);
    pinky_uuid ids[6];
    const char *titles[] = {"Tax return 2023", "Insurance POLICY", "tax receipt", "Lease",
                            "Ünïcode Tåx", "Other"};
    pinky_document_category cats[] = {PINKY_DOCUMENT_CATEGORY_TAX, PINKY_DOCUMENT_CATEGORY_INSURANCE,
                                      PINKY_DOCUMENT_CATEGORY_TAX, PINKY_DOCUMENT_CATEGORY_LEGAL, 0,
                                      PINKY_DOCUMENT_CATEGORY_OTHER};
    for (int i = 0; i < 6; i++) {
        pinky_document d;
        pinky_document_init(&d);
        d.title = (char *)titles[i];
        d.category = cats[i];
        d.path = "/f";
        d.platform = "WEB";
        if (i % 2 == 0)
            d.connection_id = pinky_uuid_val(&conn);
        pinky_document *o = NULL;
        pt_ok(pinky_document_create(db, uid, &d, &o));
        ids[i] = o->id;
        pinky_document_free(o);
        /* distinct creation times, one day apart */
        pt_exec("UPDATE documents SET created_at = '2024-03-0%dT12:00:00Z' WHERE id = '%s'", i + 1, pt_uuid_str(&ids[i]));
    }
    pinky_document_filter f;
    pinky_document_page *p = NULL;
#define EXPECT(...)                                                          \
    do {                                                                     \
        int want_[] = {__VA_ARGS__};                                         \
        size_t n_ = sizeof want_ / sizeof want_[0];                          \
        pt_ok(pinky_document_list(db, uid, &f, &p));                         \
        assert_int_equal(p->count, n_);                                      \
        for (size_t k = 0; k < n_; k++)                                      \
            assert_true(pinky_uuid_equal(&p->items[k]->id, &ids[want_[k]])); \
        pinky_document_page_free(p);                                         \
    } while (0)
    pinky_document_filter_init(&f);
    f.category = PINKY_DOCUMENT_CATEGORY_TAX;
    EXPECT(0, 2);
    pinky_document_filter_init(&f);
    f.title_contains = "TAX";
    EXPECT(0, 2);
    f.title_contains = "tåx"; /* case-insensitive beyond ASCII */
    EXPECT(4);
    f.title_contains = "policy";
    EXPECT(1);
    pinky_document_filter_init(&f);
    f.connection_id = pinky_uuid_val(&conn);
    EXPECT(0, 2, 4);
    f.category = PINKY_DOCUMENT_CATEGORY_TAX;
    f.title_contains = "receipt";
    EXPECT(2);
    pinky_document_filter_init(&f);
    pinky_time t;
    pt_ok(pinky_time_from_utc(2024, 3, 2, 12, 0, 0, 0, &t));
    f.created_from = pinky_time_val(t);
    pt_ok(pinky_time_from_utc(2024, 3, 5, 12, 0, 0, 0, &t));
    f.created_before = pinky_time_val(t);
    EXPECT(1, 2, 3);
    /* updated range: only the document touched after `mark` */
    pinky_document_filter_init(&f);
    pinky_time mark = (pinky_time)pt_num("SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint");
    pinky_document ch;
    pinky_document_init(&ch);
    ch.mime_type = "text/plain";
    pt_ok(pinky_document_update(db, uid, &ids[3], &ch, PINKY_DOCUMENT_MIME_TYPE, NULL, NULL));
    f.updated_from = pinky_time_val(mark);
    EXPECT(3);
    f.updated_from.is_set = false;
    f.updated_before = pinky_time_val(mark);
    EXPECT(0, 1, 2, 4, 5);
    /* tag */
    pinky_document_filter_init(&f);
    pt_ok(pinky_document_tag_add(db, uid, &ids[5], "urgent"));
    pt_ok(pinky_document_tag_add(db, uid, &ids[1], "urgent"));
    f.tag = "urgent";
    EXPECT(1, 5);
    f.tag = "URGENT"; /* tags are case-sensitive */
    pt_ok(pinky_document_list(db, uid, &f, &p));
    assert_int_equal(p->count, 0);
    pinky_document_page_free(p);
#undef EXPECT
}

/* ---- document_versions ---- */

static void test_version_crud(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user(), author = pt_user();
    pinky_uuid doc = new_document(uid, "versioned");
    char *path = pt_repeat("versions/😀/é", 500);
    char *hash = pt_repeat("é", 255);
    char *hash256 = pt_repeat("é", 256);

    pinky_document_version v;
    pinky_document_version_init(&v);
    assert_int_equal(v.struct_size, sizeof(pinky_document_version));
    v.document_id = doc;
    v.version_number = 2;
    v.path = path;
    v.size = pinky_i64(INT64_MAX);
    v.hash = hash;
    v.created_by = pinky_i32(author);
    v.comment = "première révision\nwith a newline";
    pinky_document_version *out = NULL;
    pt_ok(pinky_document_version_create(db, uid, &v, &out));
    assert_int_equal(out->struct_size, sizeof(pinky_document_version));
    assert_true(pinky_uuid_equal(&out->document_id, &doc));
    assert_int_equal(out->version_number, 2);
    assert_string_equal(out->path, path);
    assert_true(out->size.is_set && out->size.value == INT64_MAX);
    assert_string_equal(out->hash, hash);
    assert_true(out->created_by.is_set);
    assert_int_equal(out->created_by.value, author);
    assert_string_equal(out->comment, v.comment);
    assert_true(out->created_at > 0);
    /* explicit versions do not move the document's own number */
    assert_int_equal(pt_num("SELECT version FROM documents WHERE id = '%s'", pt_uuid_str(&doc)), 1);

    pinky_document_version *got = NULL;
    pt_ok(pinky_document_version_get(db, uid, &out->id, &got));
    assert_true(pinky_uuid_equal(&got->id, &out->id));
    assert_string_equal(got->path, path);
    assert_string_equal(got->hash, hash);
    assert_string_equal(got->comment, v.comment);
    assert_int_equal(got->created_at, out->created_at);
    pinky_document_version_free(got);
    char vid[PINKY_UUID_STRLEN];
    pinky_uuid_format(&out->id, vid);
    assert_str_sql(path, "SELECT path FROM document_versions WHERE id = '%s'", vid);
    assert_str_sql(hash, "SELECT hash FROM document_versions WHERE id = '%s'", vid);
    assert_int_equal(pt_num("SELECT char_length(hash) FROM document_versions WHERE id = '%s'", vid), 255);
    assert_str_sql(v.comment, "SELECT comment FROM document_versions WHERE id = '%s'", vid);
    assert_int_equal(pt_num("SELECT created_by FROM document_versions WHERE id = '%s'", vid), author);
    assert_int_equal(pt_num("SELECT version_number FROM document_versions WHERE id = '%s'", vid), 2);
    assert_str_sql("9223372036854775807", "SELECT size::text FROM document_versions WHERE id = '%s'", vid);
    assert_str_sql(pt_uuid_str(&doc), "SELECT document_id::text FROM document_versions WHERE id = '%s'", vid);

    /* all NULLs, the largest number */
    pinky_document_version n;
    pinky_document_version_init(&n);
    n.document_id = doc;
    n.version_number = INT32_MAX;
    n.path = "p";
    pinky_document_version *nout = NULL;
    pt_ok(pinky_document_version_create(db, uid, &n, &nout));
    assert_false(nout->size.is_set);
    assert_null(nout->hash);
    assert_false(nout->created_by.is_set);
    assert_null(nout->comment);
    assert_int_equal(pt_num("SELECT count(*) FROM document_versions WHERE id = '%s' AND size IS NULL "
                            "AND hash IS NULL AND created_by IS NULL AND comment IS NULL "
                            "AND version_number = 2147483647", pt_uuid_str(&nout->id)), 1);

    /* duplicates and foreign keys */
    long long before = count_versions();
    pinky_document_version *dup = (pinky_document_version *)0x1;
    pt_status(pinky_document_version_create(db, uid, &v, &dup), PINKY_CONFLICT);
    assert_string_equal(pinky_error_last()->constraint_name, "document_versions_document_id_version_number_key");
    pt_error_names("document_versions_document_id_version_number_key");
    assert_null(dup);
    v.version_number = 3;
    v.created_by = pinky_i32(2000000000);
    /* a user that does not exist is NOT_FOUND naming the column */
    pt_status(pinky_document_version_create(db, uid, &v, NULL), PINKY_NOT_FOUND);
    assert_string_equal(pinky_error_last()->field, "created_by");
    pt_error_names("created_by");
    pinky_uuid nowhere;
    pinky_uuid_generate(&nowhere);
    v.created_by = pinky_i32(author);
    v.document_id = nowhere;
    pt_status(pinky_document_version_create(db, uid, &v, NULL), PINKY_NOT_FOUND);
    pt_error_names("document_id");
    v.document_id = doc;

    /* bad input */
#define VBAD(field)                                                             \
    do {                                                                        \
        pt_status(pinky_document_version_create(db, uid, &v, &dup), PINKY_INVALID); \
        pt_error_names(field);                                                  \
        assert_null(dup);                                                       \
        dup = (pinky_document_version *)0x1;                                    \
    } while (0)
    v.path = NULL; VBAD("path");
    v.path = ""; VBAD("path");
    v.path = "\xed\xa0\x80"; VBAD("path"); /* a UTF-8 encoded surrogate */
    v.path = "/ok";
    v.hash = hash256; VBAD("hash");
    v.hash = NULL;
    v.comment = "\xc0\xaf"; VBAD("comment"); /* overlong */
    v.comment = NULL;
    v.version_number = 0; VBAD("version_number");
    v.version_number = -1; VBAD("version_number");
    v.version_number = 3;
    v.struct_size = 1; VBAD("struct_size");
    pinky_document_version_init(&v);
    v.document_id = doc;
    v.path = "/ok";
    v.version_number = 3;
    pt_status(pinky_document_version_create(db, uid, NULL, NULL), PINKY_INVALID);
    pt_status(pinky_document_version_create(NULL, uid, &v, NULL), PINKY_INVALID);
    assert_int_equal(count_versions(), before);
#undef VBAD

    /* masked update; the table has no updated_at */
    pinky_document_version ch;
    pinky_document_version_init(&ch);
    ch.comment = "edited";
    ch.hash = "ignored";
    ch.path = "/ignored";
    pinky_document_version *upd = NULL;
    pt_ok(pinky_document_version_update(db, uid, &out->id, &ch, PINKY_DOCUMENT_VERSION_COMMENT, NULL, &upd));
    assert_string_equal(upd->comment, "edited");
    assert_string_equal(upd->hash, hash);
    assert_int_equal(pt_num("SELECT count(*) FROM document_versions WHERE id = '%s' AND comment = 'edited' "
                            "AND hash = '%s' AND path = '%s' AND version_number = 2 AND created_by = %d "
                            "AND size = 9223372036854775807", vid, hash, path, author), 1);
    pinky_document_version_free(upd);
    ch.created_by.is_set = false;
    ch.size.is_set = false;
    ch.hash = NULL;
    ch.version_number = 4;
    pt_ok(pinky_document_version_update(db, uid, &out->id, &ch,
                                        PINKY_DOCUMENT_VERSION_CREATED_BY | PINKY_DOCUMENT_VERSION_SIZE |
                                            PINKY_DOCUMENT_VERSION_HASH | PINKY_DOCUMENT_VERSION_VERSION_NUMBER,
                                        NULL, &upd));
    assert_false(upd->created_by.is_set);
    assert_false(upd->size.is_set);
    assert_null(upd->hash);
    assert_int_equal(upd->version_number, 4);
    assert_string_equal(upd->comment, "edited");
    assert_int_equal(pt_num("SELECT count(*) FROM document_versions WHERE id = '%s' AND created_by IS NULL "
                            "AND size IS NULL AND hash IS NULL AND version_number = 4 AND comment = 'edited'", vid), 1);
    pinky_document_version_free(upd);
    pinky_time when = out->created_at;
    pt_status(pinky_document_version_update(db, uid, &out->id, &ch, PINKY_DOCUMENT_VERSION_COMMENT, &when, NULL),
              PINKY_INVALID);
    pt_error_names("expected_updated_at");
    ch.version_number = 1; /* taken by the document's first version */
    pt_status(pinky_document_version_update(db, uid, &out->id, &ch, PINKY_DOCUMENT_VERSION_VERSION_NUMBER, NULL, NULL),
              PINKY_CONFLICT);
    pt_error_names("document_versions_document_id_version_number_key");
    ch.version_number = 0;
    pt_status(pinky_document_version_update(db, uid, &out->id, &ch, PINKY_DOCUMENT_VERSION_VERSION_NUMBER, NULL, NULL),
              PINKY_INVALID);
    pt_error_names("version_number");
    ch.path = NULL;
    pt_status(pinky_document_version_update(db, uid, &out->id, &ch, PINKY_DOCUMENT_VERSION_PATH, NULL, NULL),
              PINKY_INVALID);
    pt_error_names("path");
    ch.path = "/x";
    ch.created_by = pinky_i32(2000000000);
    pt_status(pinky_document_version_update(db, uid, &out->id, &ch, PINKY_DOCUMENT_VERSION_CREATED_BY, NULL, NULL),
              PINKY_NOT_FOUND);
    pt_error_names("created_by");
    pt_status(pinky_document_version_update(db, uid, &out->id, &ch, 0, NULL, NULL), PINKY_INVALID);
    pt_error_names("mask");
    assert_int_equal(pt_num("SELECT count(*) FROM document_versions WHERE id = '%s' AND version_number = 4 "
                            "AND path = '%s' AND created_by IS NULL", vid, path), 1);

    /* list of one document in version order */
    pinky_document_version_filter f;
    pinky_document_version_filter_init(&f);
    f.document_id = pinky_uuid_val(&doc);
    pinky_document_version_page *p = NULL;
    pt_ok(pinky_document_version_list(db, uid, &f, &p));
    assert_int_equal(p->count, 3);
    assert_int_equal(p->items[0]->version_number, 1);
    assert_int_equal(p->items[1]->version_number, 4);
    assert_int_equal(p->items[2]->version_number, INT32_MAX);
    pinky_document_version_page_free(p);
    f.created_by = pinky_i32(uid);
    pt_ok(pinky_document_version_list(db, uid, &f, &p));
    assert_int_equal(p->count, 1);
    assert_int_equal(p->items[0]->version_number, 1);
    pinky_document_version_page_free(p);

    /* delete */
    pt_ok(pinky_document_version_delete(db, uid, &out->id));
    assert_int_equal(pt_num("SELECT count(*) FROM document_versions WHERE id = '%s'", vid), 0);
    pt_status(pinky_document_version_delete(db, uid, &out->id), PINKY_NOT_FOUND);
    pt_status(pinky_document_version_get(db, uid, &out->id, &got), PINKY_NOT_FOUND);
    pt_status(pinky_document_version_update(db, uid, &out->id, &ch, PINKY_DOCUMENT_VERSION_COMMENT, NULL, NULL),
              PINKY_NOT_FOUND);
    pt_status(pinky_document_version_get(db, uid, NULL, &got), PINKY_INVALID);
    pt_error_names("id");

    pinky_document_version_free(out);
    pinky_document_version_free(nout);
    free(path);
    free(hash);
    free(hash256);
}

static void test_version_pagination(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    pinky_uuid a = new_document(uid, "a"), b = new_document(uid, "b");
    /* 999 more rows over the two documents: 1,001 in all with their first versions */
    pt_exec("INSERT INTO document_versions (document_id, version_number, path) "
            "SELECT CASE WHEN i %% 2 = 0 THEN '%s'::uuid ELSE '%s'::uuid END, 1 + (i + 1) / 2, '/v/' || i "
            "FROM generate_series(1, 999) AS i",
            pt_uuid_str(&a), pt_uuid_str(&b));
    strlist want = sql_col("SELECT v.id FROM document_versions v JOIN documents d ON d.id = v.document_id "
                           "WHERE d.user_id = %d ORDER BY v.document_id, v.version_number", uid);
    assert_int_equal(want.n, 1001);
    pinky_document_version_filter f;
    pinky_document_version_filter_init(&f);
    f.limit = 64;
    size_t seen = 0;
    char *cursor = NULL;
    for (;;) {
        f.cursor = cursor;
        pinky_document_version_page *p = NULL;
        pt_ok(pinky_document_version_list(db, uid, &f, &p));
        for (size_t i = 0; i < p->count; i++) {
            assert_true(seen < want.n);
            assert_string_equal(pt_uuid_str(&p->items[i]->id), want.v[seen]);
            seen++;
        }
        free(cursor);
        cursor = p->next_cursor ? strdup(p->next_cursor) : NULL;
        pinky_document_version_page_free(p);
        if (cursor == NULL)
            break;
    }
    assert_int_equal(seen, 1001);
    strlist_free(&want);

    /* one document: its numbers in order, each once */
    f.document_id = pinky_uuid_val(&b);
    f.limit = 64;
    int32_t expect = 1;
    for (;;) {
        f.cursor = cursor;
        pinky_document_version_page *p = NULL;
        pt_ok(pinky_document_version_list(db, uid, &f, &p));
        for (size_t i = 0; i < p->count; i++) {
            assert_true(pinky_uuid_equal(&p->items[i]->document_id, &b));
            assert_int_equal(p->items[i]->version_number, expect);
            expect++;
        }
        free(cursor);
        cursor = p->next_cursor ? strdup(p->next_cursor) : NULL;
        pinky_document_version_page_free(p);
        if (cursor == NULL)
            break;
    }
    assert_int_equal(expect - 1, pt_num("SELECT count(*) FROM document_versions WHERE document_id = '%s'", pt_uuid_str(&b)));
}

static void test_new_version(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    pinky_uuid doc = new_document(uid, "evolving");
    char id[PINKY_UUID_STRLEN];
    pinky_uuid_format(&doc, id);
    char *before_doc = pt_str("SELECT concat_ws('|', title, path, platform, size, mime_type, metadata) "
                              "FROM documents WHERE id = '%s'", id);

    pinky_document_version in;
    pinky_document_version_init(&in);
    in.path = "/docs/file-v2.pdf";
    in.size = pinky_i64(2048);
    in.hash = "sha256:abc";
    in.comment = "second draft";
    in.version_number = 99;             /* ignored */
    in.created_by = pinky_i32(424242);  /* ignored: the acting user */
    pinky_uuid_generate(&in.document_id); /* ignored */
    pinky_document_version *v = NULL;
    pt_ok(pinky_document_new_version(db, uid, &doc, &in, &v));
    assert_int_equal(v->version_number, 2);
    assert_true(pinky_uuid_equal(&v->document_id, &doc));
    assert_string_equal(v->path, "/docs/file-v2.pdf");
    assert_true(v->size.is_set && v->size.value == 2048);
    assert_string_equal(v->hash, "sha256:abc");
    assert_string_equal(v->comment, "second draft");
    assert_int_equal(v->created_by.value, uid);
    assert_int_equal(pt_num("SELECT version FROM documents WHERE id = '%s'", id), 2);
    assert_int_equal(pt_num("SELECT count(*) FROM document_versions WHERE document_id = '%s' AND version_number = 2 "
                            "AND path = '/docs/file-v2.pdf' AND size = 2048 AND hash = 'sha256:abc' "
                            "AND comment = 'second draft' AND created_by = %d", id, uid), 1);
    char *after_doc = pt_str("SELECT concat_ws('|', title, path, platform, size, mime_type, metadata) "
                             "FROM documents WHERE id = '%s'", id);
    assert_string_equal(before_doc, after_doc); /* only the version moved */
    pinky_document_version_free(v);
    free(before_doc);
    free(after_doc);

    /* *out may be NULL; minimal fields */
    pinky_document_version_init(&in);
    in.path = "/v3";
    pt_ok(pinky_document_new_version(db, uid, &doc, &in, NULL));
    assert_int_equal(pt_num("SELECT version FROM documents WHERE id = '%s'", id), 3);
    assert_int_equal(pt_num("SELECT count(*) FROM document_versions WHERE document_id = '%s' AND version_number = 3 "
                            "AND size IS NULL AND hash IS NULL AND comment IS NULL", id), 1);

    /* a version set back (or cleared) by an update never collides with recorded numbers */
    pinky_document ch;
    pinky_document_init(&ch);
    pt_ok(pinky_document_update(db, uid, &doc, &ch, PINKY_DOCUMENT_VERSION, NULL, NULL));
    pt_ok(pinky_document_new_version(db, uid, &doc, &in, &v));
    assert_int_equal(v->version_number, 4);
    pinky_document_version_free(v);
    ch.version = pinky_i32(10);
    pt_ok(pinky_document_update(db, uid, &doc, &ch, PINKY_DOCUMENT_VERSION, NULL, NULL));
    pt_ok(pinky_document_new_version(db, uid, &doc, &in, &v));
    assert_int_equal(v->version_number, 11);
    pinky_document_version_free(v);
    assert_int_equal(pt_num("SELECT version FROM documents WHERE id = '%s'", id), 11);

    /* bad input and a document that is not there: nothing written */
    long long versions = count_versions();
    pinky_document_version *none = (pinky_document_version *)0x1;
    in.path = NULL;
    pt_status(pinky_document_new_version(db, uid, &doc, &in, &none), PINKY_INVALID);
    pt_error_names("path");
    assert_null(none);
    in.path = "";
    pt_status(pinky_document_new_version(db, uid, &doc, &in, &none), PINKY_INVALID);
    pt_error_names("path");
    in.path = "/ok";
    char *hash256 = pt_repeat("h", 256);
    in.hash = hash256;
    pt_status(pinky_document_new_version(db, uid, &doc, &in, &none), PINKY_INVALID);
    pt_error_names("hash");
    in.hash = NULL;
    in.struct_size = 0;
    pt_status(pinky_document_new_version(db, uid, &doc, &in, &none), PINKY_INVALID);
    pt_error_names("struct_size");
    pinky_document_version_init(&in);
    in.path = "/ok";
    pt_status(pinky_document_new_version(db, uid, NULL, &in, &none), PINKY_INVALID);
    pt_error_names("document_id");
    pt_status(pinky_document_new_version(db, uid, &doc, NULL, &none), PINKY_INVALID);
    pt_status(pinky_document_new_version(NULL, uid, &doc, &in, &none), PINKY_INVALID);
    pinky_uuid nowhere;
    pinky_uuid_generate(&nowhere);
    pt_status(pinky_document_new_version(db, uid, &nowhere, &in, &none), PINKY_NOT_FOUND);
    pt_error_names("document_id");
    assert_string_equal(pinky_error_last()->field, "document_id");
    assert_null(none);
    assert_int_equal(count_versions(), versions);
    assert_int_equal(pt_num("SELECT version FROM documents WHERE id = '%s'", id), 11);

    /* the number would overflow int4: INVALID, nothing written */
    ch.version = pinky_i32(INT32_MAX);
    pt_ok(pinky_document_update(db, uid, &doc, &ch, PINKY_DOCUMENT_VERSION, NULL, NULL));
    pt_status(pinky_document_new_version(db, uid, &doc, &in, &none), PINKY_INVALID);
    pt_error_names("version");
    assert_null(none);
    assert_int_equal(count_versions(), versions);
    assert_int_equal(pt_num("SELECT version FROM documents WHERE id = '%s'", id), INT32_MAX);

    /* inside the caller's transaction */
    pinky_uuid doc2 = new_document(uid, "tx");
    pinky_db *tx = NULL;
    pt_ok(pinky_db_begin(db, NULL, &tx));
    pt_ok(pinky_document_new_version(tx, uid, &doc2, &in, NULL));
    pt_ok(pinky_document_new_version(tx, uid, &doc2, &in, &v));
    assert_int_equal(v->version_number, 3);
    pinky_document_version_free(v);
    pt_ok(pinky_db_rollback(tx));
    assert_int_equal(pt_num("SELECT version FROM documents WHERE id = '%s'", pt_uuid_str(&doc2)), 1);
    assert_int_equal(pt_num("SELECT count(*) FROM document_versions WHERE document_id = '%s'", pt_uuid_str(&doc2)), 1);
    free(hash256);
}

enum { THREADS = 8, CALLS = 25 };

typedef struct worker {
    pthread_t thread;
    pinky_uuid doc;
    int32_t user;
    int index;
    int errors;
    int32_t numbers[CALLS];
} worker;

static void *new_version_worker(void *p)
{
    worker *w = p;
    for (int i = 0; i < CALLS; i++) {
        char path[64], comment[64];
        snprintf(path, sizeof path, "/concurrent/%d/%d", w->index, i);
        snprintf(comment, sizeof comment, "thread %d call %d", w->index, i);
        pinky_document_version in;
        pinky_document_version_init(&in);
        in.path = path;
        in.comment = comment;
        in.size = pinky_i64(i);
        pinky_document_version *out = NULL;
        pinky_status st = pinky_document_new_version(pt_db(), w->user, &w->doc, &in, &out);
        if (st != PINKY_OK) {
            w->errors++;
            fprintf(stderr, "thread %d: %s: %s [%s]\n", w->index, pinky_status_str(st),
                    pinky_error_last()->message, pinky_error_last()->sqlstate);
            continue;
        }
        w->numbers[i] = out->version_number;
        pinky_document_version_free(out);
    }
    return NULL;
}

static void test_new_version_concurrent(void **state)
{
    (void)state;
    pinky_db *db = pt_db(); /* opened before the threads start */
    (void)db;
    int32_t uid = pt_user();
    pinky_uuid doc = new_document(uid, "contended");
    worker w[THREADS];
    memset(w, 0, sizeof w);
    for (int i = 0; i < THREADS; i++) {
        w[i].doc = doc;
        w[i].user = uid;
        w[i].index = i;
        assert_int_equal(pthread_create(&w[i].thread, NULL, new_version_worker, &w[i]), 0);
    }
    int errors = 0;
    bool seen[THREADS * CALLS + 2] = {false};
    for (int i = 0; i < THREADS; i++) {
        pthread_join(w[i].thread, NULL);
        errors += w[i].errors;
        for (int k = 0; k < CALLS; k++) {
            int32_t n = w[i].numbers[k];
            assert_true(n >= 2 && n <= THREADS * CALLS + 1);
            assert_false(seen[n]); /* every call got its own number */
            seen[n] = true;
        }
    }
    assert_int_equal(errors, 0);
    char id[PINKY_UUID_STRLEN];
    pinky_uuid_format(&doc, id);
    assert_int_equal(pt_num("SELECT version FROM documents WHERE id = '%s'", id), THREADS * CALLS + 1);
    assert_int_equal(pt_num("SELECT count(*) FROM document_versions WHERE document_id = '%s'", id), THREADS * CALLS + 1);
    /* numbered 1..201 without gaps or duplicates */
    assert_int_equal(pt_num("SELECT count(*) FROM document_versions v "
                            "RIGHT JOIN generate_series(1, %d) AS g(n) ON v.version_number = g.n "
                            "AND v.document_id = '%s' WHERE v.id IS NULL", THREADS * CALLS + 1, id), 0);
    assert_int_equal(pt_num("SELECT count(DISTINCT version_number) FROM document_versions WHERE document_id = '%s'", id),
                     THREADS * CALLS + 1);
    assert_int_equal(pt_num("SELECT min(version_number) * 1000 + max(version_number) FROM document_versions "
                            "WHERE document_id = '%s'", id), 1 * 1000 + THREADS * CALLS + 1);
    /* each thread's calls, each with its own row */
    assert_int_equal(pt_num("SELECT count(DISTINCT path) FROM document_versions WHERE document_id = '%s' "
                            "AND path LIKE '/concurrent/%%'", id), THREADS * CALLS);
    assert_int_equal(pt_num("SELECT count(*) FROM document_versions WHERE document_id = '%s' AND created_by = %d", id, uid),
                     THREADS * CALLS + 1);
}

/* ---- document_tags ---- */

static void test_tags(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    pinky_uuid doc = new_document(uid, "tagged");
    char id[PINKY_UUID_STRLEN];
    pinky_uuid_format(&doc, id);
    char *long_tag = pt_repeat("é", 255), *too_long = pt_repeat("é", 256);

    pt_ok(pinky_document_tag_add(db, uid, &doc, "beta"));
    pt_ok(pinky_document_tag_add(db, uid, &doc, "alpha"));
    pt_ok(pinky_document_tag_add(db, uid, &doc, long_tag));
    char *created = pt_str("SELECT created_at::text FROM document_tags WHERE document_id = '%s' AND tag = 'beta'", id);
    /* adding again is fine and keeps the row */
    pt_ok(pinky_document_tag_add(db, uid, &doc, "beta"));
    assert_int_equal(pt_num("SELECT count(*) FROM document_tags WHERE document_id = '%s'", id), 3);
    assert_str_sql(created, "SELECT created_at::text FROM document_tags WHERE document_id = '%s' AND tag = 'beta'", id);
    free(created);
    assert_int_equal(pt_num("SELECT char_length(tag) FROM document_tags WHERE document_id = '%s' AND tag LIKE 'é%%'", id), 255);

    pinky_document_tag_page *p = NULL;
    pt_ok(pinky_document_tag_list(db, uid, &doc, NULL, &p));
    assert_int_equal(p->count, 3);
    assert_null(p->next_cursor);
    strlist want = sql_col("SELECT tag FROM document_tags WHERE document_id = '%s' ORDER BY tag", id);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(p->items[i]->struct_size, sizeof(pinky_document_tag));
        assert_true(pinky_uuid_equal(&p->items[i]->document_id, &doc));
        assert_string_equal(p->items[i]->tag, want.v[i]);
        assert_true(p->items[i]->created_at > 0);
    }
    assert_string_equal(p->items[0]->tag, "alpha");
    assert_string_equal(p->items[1]->tag, "beta");
    strlist_free(&want);
    pinky_document_tag_page_free(p);
    pinky_document_tag_filter f;
    pinky_document_tag_filter_init(&f);
    assert_int_equal(f.struct_size, sizeof(pinky_document_tag_filter));
    f.tag_prefix = "al";
    pt_ok(pinky_document_tag_list(db, uid, &doc, &f, &p));
    assert_int_equal(p->count, 1);
    assert_string_equal(p->items[0]->tag, "alpha");
    pinky_document_tag_page_free(p);

    /* bad tags: nothing written */
    long long tags = count_tags();
    pt_status(pinky_document_tag_add(db, uid, &doc, ""), PINKY_INVALID);
    pt_error_names("tag");
    pt_status(pinky_document_tag_add(db, uid, &doc, NULL), PINKY_INVALID);
    pt_error_names("tag");
    pt_status(pinky_document_tag_add(db, uid, &doc, too_long), PINKY_INVALID);
    pt_error_names("tag");
    pt_status(pinky_document_tag_add(db, uid, &doc, "\xf8\x88\x80\x80\x80"), PINKY_INVALID);
    pt_error_names("tag");
    pt_status(pinky_document_tag_add(db, uid, NULL, "x"), PINKY_INVALID);
    pt_error_names("document_id");
    pt_status(pinky_document_tag_add(NULL, uid, &doc, "x"), PINKY_INVALID);
    pt_status(pinky_document_tag_remove(db, uid, &doc, ""), PINKY_INVALID);
    pt_error_names("tag");
    pt_status(pinky_document_tag_list(db, uid, &doc, NULL, NULL), PINKY_INVALID);
    f.struct_size = 2;
    pt_status(pinky_document_tag_list(db, uid, &doc, &f, &p), PINKY_INVALID);
    pt_error_names("struct_size");
    pinky_document_tag_filter_init(&f);
    f.limit = 1001;
    pt_status(pinky_document_tag_list(db, uid, &doc, &f, &p), PINKY_INVALID);
    pt_error_names("limit");
    pinky_uuid nowhere;
    pinky_uuid_generate(&nowhere);
    pt_status(pinky_document_tag_add(db, uid, &nowhere, "x"), PINKY_NOT_FOUND);
    pt_error_names("document_id");
    pt_status(pinky_document_tag_list(db, uid, &nowhere, NULL, &p), PINKY_NOT_FOUND);
    assert_int_equal(count_tags(), tags);

    /* remove */
    pt_ok(pinky_document_tag_remove(db, uid, &doc, "beta"));
    assert_int_equal(pt_num("SELECT count(*) FROM document_tags WHERE document_id = '%s' AND tag = 'beta'", id), 0);
    pt_status(pinky_document_tag_remove(db, uid, &doc, "beta"), PINKY_NOT_FOUND);
    pt_status(pinky_document_tag_remove(db, uid, &doc, "never"), PINKY_NOT_FOUND);

    /* set: replace atomically, keep the kept ones' created_at */
    char *alpha_created = pt_str("SELECT created_at::text FROM document_tags WHERE document_id = '%s' AND tag = 'alpha'", id);
    const char *set1[] = {"alpha", "quote\"d", "back\\slash", "comma,brace}{", "NULL", "  spaced ", "alpha", "ünï"};
    pt_ok(pinky_document_tag_set(db, uid, &doc, set1, 8));
    strlist got = sql_col("SELECT tag FROM document_tags WHERE document_id = '%s' ORDER BY tag COLLATE \"C\"", id);
    assert_int_equal(got.n, 7);
    const char *sorted[] = {"  spaced ", "NULL", "alpha", "back\\slash", "comma,brace}{", "quote\"d", "ünï"};
    for (size_t i = 0; i < got.n; i++)
        assert_string_equal(got.v[i], sorted[i]);
    strlist_free(&got);
    assert_int_equal(pt_num("SELECT count(*) FROM document_tags WHERE document_id = '%s' AND tag IS NULL", id), 0);
    assert_str_sql(alpha_created, "SELECT created_at::text FROM document_tags WHERE document_id = '%s' AND tag = 'alpha'", id);
    free(alpha_created);
    /* the list reads them back */
    pt_ok(pinky_document_tag_list(db, uid, &doc, NULL, &p));
    assert_int_equal(p->count, 7);
    want = sql_col("SELECT tag FROM document_tags WHERE document_id = '%s' ORDER BY tag", id);
    for (size_t i = 0; i < p->count; i++)
        assert_string_equal(p->items[i]->tag, want.v[i]);
    strlist_free(&want);
    pinky_document_tag_page_free(p);

    /* a bad tag anywhere in the set: INVALID naming it, nothing changed */
    const char *bad_set[] = {"new", "", "other"};
    pt_status(pinky_document_tag_set(db, uid, &doc, bad_set, 3), PINKY_INVALID);
    pt_error_names("tags[1]");
    bad_set[1] = too_long;
    pt_status(pinky_document_tag_set(db, uid, &doc, bad_set, 3), PINKY_INVALID);
    pt_error_names("tags[1]");
    bad_set[1] = NULL;
    pt_status(pinky_document_tag_set(db, uid, &doc, bad_set, 3), PINKY_INVALID);
    pt_error_names("tags[1]");
    pt_status(pinky_document_tag_set(db, uid, &doc, NULL, 1), PINKY_INVALID);
    pt_error_names("tags");
    pt_status(pinky_document_tag_set(db, uid, NULL, set1, 1), PINKY_INVALID);
    pt_error_names("document_id");
    pt_status(pinky_document_tag_set(db, uid, &nowhere, set1, 1), PINKY_NOT_FOUND);
    assert_int_equal(pt_num("SELECT count(*) FROM document_tags WHERE document_id = '%s'", id), 7);
    assert_int_equal(pt_num("SELECT count(*) FROM document_tags WHERE tag = 'new'"), 0);

    /* set to one, then to none */
    const char *one[] = {"only"};
    pt_ok(pinky_document_tag_set(db, uid, &doc, one, 1));
    assert_str_sql("only", "SELECT string_agg(tag, ',') FROM document_tags WHERE document_id = '%s'", id);
    pt_ok(pinky_document_tag_set(db, uid, &doc, NULL, 0));
    assert_int_equal(pt_num("SELECT count(*) FROM document_tags WHERE document_id = '%s'", id), 0);
    pt_ok(pinky_document_tag_list(db, uid, &doc, NULL, &p)); /* the document exists: an empty page */
    assert_int_equal(p->count, 0);
    pinky_document_tag_page_free(p);

    /* inside a transaction that rolls back */
    pinky_db *tx = NULL;
    pt_ok(pinky_db_begin(db, NULL, &tx));
    pt_ok(pinky_document_tag_set(tx, uid, &doc, set1, 3));
    pt_ok(pinky_document_tag_add(tx, uid, &doc, "more"));
    pt_ok(pinky_db_rollback(tx));
    assert_int_equal(pt_num("SELECT count(*) FROM document_tags WHERE document_id = '%s'", id), 0);

    free(long_tag);
    free(too_long);
}

static void test_tag_pagination(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    pinky_uuid doc = new_document(uid, "many tags"), other = new_document(uid, "other");
    pt_exec("INSERT INTO document_tags (document_id, tag) SELECT '%s', 'tag ' || md5(i::text) "
            "FROM generate_series(1, 1000) AS i", pt_uuid_str(&doc));
    pt_exec("INSERT INTO document_tags (document_id, tag) VALUES ('%s', 'tag 0')", pt_uuid_str(&other));
    strlist want = sql_col("SELECT tag FROM document_tags WHERE document_id = '%s' ORDER BY tag", pt_uuid_str(&doc));
    assert_int_equal(want.n, 1000);
    pinky_document_tag_filter f;
    pinky_document_tag_filter_init(&f);
    f.limit = 64;
    size_t seen = 0;
    int pages = 0;
    char *cursor = NULL;
    for (;;) {
        f.cursor = cursor;
        pinky_document_tag_page *p = NULL;
        pt_ok(pinky_document_tag_list(db, uid, &doc, &f, &p));
        pages++;
        for (size_t i = 0; i < p->count; i++) {
            assert_true(seen < want.n);
            assert_string_equal(p->items[i]->tag, want.v[seen]);
            assert_true(pinky_uuid_equal(&p->items[i]->document_id, &doc));
            seen++;
        }
        free(cursor);
        cursor = p->next_cursor ? strdup(p->next_cursor) : NULL;
        pinky_document_tag_page_free(p);
        if (cursor == NULL)
            break;
    }
    assert_int_equal(seen, 1000);
    assert_int_equal(pages, 16);
    strlist_free(&want);
    /* the other document's single tag */
    pinky_document_tag_page *p = NULL;
    pt_ok(pinky_document_tag_list(db, uid, &other, NULL, &p));
    assert_int_equal(p->count, 1);
    assert_string_equal(p->items[0]->tag, "tag 0");
    pinky_document_tag_page_free(p);
}

static void test_list_by_tags(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user(), other = pt_user();
    /* d0: a b c   d1: a b   d2: a   d3: b c   d4: (none)   d5: a b c d (category TAX) */
    pinky_uuid d[6];
    const char *const tags_of[6][4] = {{"a", "b", "c"}, {"a", "b"}, {"a"}, {"b", "c"}, {0}, {"a", "b", "c", "d"}};
    for (int i = 0; i < 6; i++) {
        char title[16];
        snprintf(title, sizeof title, "doc %d", i);
        d[i] = new_document(uid, title);
        size_t n = 0;
        while (n < 4 && tags_of[i][n])
            n++;
        pt_ok(pinky_document_tag_set(db, uid, &d[i], tags_of[i], n));
    }
    pinky_document ch;
    pinky_document_init(&ch);
    ch.category = PINKY_DOCUMENT_CATEGORY_TAX;
    pt_ok(pinky_document_update(db, uid, &d[5], &ch, PINKY_DOCUMENT_CATEGORY, NULL, NULL));
    /* another user's document with the same tags is never listed */
    pinky_uuid foreign = new_document(other, "foreign");
    const char *abc[] = {"a", "b", "c", "d"};
    pt_ok(pinky_document_tag_set(db, other, &foreign, abc, 4));

    pinky_document_page *p = NULL;
#define EXPECT_TAGS(tags, n, filter, ...)                                    \
    do {                                                                     \
        int want_[] = {__VA_ARGS__};                                         \
        size_t n_ = sizeof want_ / sizeof want_[0];                          \
        pt_ok(pinky_document_list_by_tags(db, uid, tags, n, filter, &p));    \
        assert_int_equal(p->count, n_);                                      \
        for (size_t k = 0; k < n_; k++)                                      \
            assert_true(pinky_uuid_equal(&p->items[k]->id, &d[want_[k]]));   \
        pinky_document_page_free(p);                                         \
    } while (0)
    const char *q1[] = {"a"};
    EXPECT_TAGS(q1, 1, NULL, 0, 1, 2, 5);
    const char *q2[] = {"a", "b"};
    EXPECT_TAGS(q2, 2, NULL, 0, 1, 5);
    const char *q3[] = {"c", "b", "a"};
    EXPECT_TAGS(q3, 3, NULL, 0, 5);
    const char *q4[] = {"b", "c"};
    EXPECT_TAGS(q4, 2, NULL, 0, 3, 5);
    const char *q5[] = {"a", "a", "b"}; /* duplicates do not matter */
    EXPECT_TAGS(q5, 3, NULL, 0, 1, 5);
    const char *q6[] = {"a", "d"};
    EXPECT_TAGS(q6, 2, NULL, 5);
    /* combined with the other filters */
    pinky_document_filter f;
    pinky_document_filter_init(&f);
    f.category = PINKY_DOCUMENT_CATEGORY_TAX;
    EXPECT_TAGS(q2, 2, &f, 5);
    pinky_document_filter_init(&f);
    f.title_contains = "DOC 1";
    EXPECT_TAGS(q2, 2, &f, 1);
    pinky_document_filter_init(&f);
    f.tag = "c";
    EXPECT_TAGS(q1, 1, &f, 0, 5);
    /* none matches */
    const char *q7[] = {"a", "zzz"};
    pt_ok(pinky_document_list_by_tags(db, uid, q7, 2, NULL, &p));
    assert_int_equal(p->count, 0);
    assert_null(p->next_cursor);
    pinky_document_page_free(p);
    /* all slots in use */
    const char *full[PINKY_DOCUMENT_LIST_TAGS_MAX];
    for (int i = 0; i < PINKY_DOCUMENT_LIST_TAGS_MAX; i++)
        full[i] = (i % 2) ? "a" : "b";
    EXPECT_TAGS(full, PINKY_DOCUMENT_LIST_TAGS_MAX, NULL, 0, 1, 5);
    /* pagination: one at a time over {0, 1, 2, 5} */
    pinky_document_filter_init(&f);
    f.limit = 1;
    int order[] = {0, 1, 2, 5}, seen = 0;
    char *cursor = NULL;
    for (;;) {
        f.cursor = cursor;
        pt_ok(pinky_document_list_by_tags(db, uid, q1, 1, &f, &p));
        for (size_t i = 0; i < p->count; i++) {
            assert_true(seen < 4);
            assert_true(pinky_uuid_equal(&p->items[i]->id, &d[order[seen]]));
            seen++;
        }
        free(cursor);
        cursor = p->next_cursor ? strdup(p->next_cursor) : NULL;
        pinky_document_page_free(p);
        if (cursor == NULL)
            break;
    }
    assert_int_equal(seen, 4);
    /* the other user sees only their own */
    pt_ok(pinky_document_list_by_tags(db, other, q3, 3, NULL, &p));
    assert_int_equal(p->count, 1);
    assert_true(pinky_uuid_equal(&p->items[0]->id, &foreign));
    pinky_document_page_free(p);
#undef EXPECT_TAGS
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_category_enum),
        cmocka_unit_test(test_document_round_trip),
        cmocka_unit_test(test_document_create_atomic),
        cmocka_unit_test(test_document_bad_input),
        cmocka_unit_test(test_document_connection_tenancy),
        cmocka_unit_test(test_document_tenancy),
        cmocka_unit_test(test_document_update_mask),
        cmocka_unit_test(test_document_pagination),
        cmocka_unit_test(test_document_filters),
        cmocka_unit_test(test_version_crud),
        cmocka_unit_test(test_version_pagination),
        cmocka_unit_test(test_new_version),
        cmocka_unit_test(test_new_version_concurrent),
        cmocka_unit_test(test_tags),
        cmocka_unit_test(test_tag_pagination),
        cmocka_unit_test(test_list_by_tags),
    };
    return cmocka_run_group_tests_name("documents", tests, NULL, NULL);
}
