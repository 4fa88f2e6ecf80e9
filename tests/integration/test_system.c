/* api_keys (secrets), system_settings (global) and audit_logs (append-only):
   round trips, bad input, tenancy, conflicts, pagination. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testdb.h"

static pinky_time a_time(int y, int mo, int d, int h, int mi, int s, int us)
{
    pinky_time t;
    pt_ok(pinky_time_from_utc(y, mo, d, h, mi, s, us, &t));
    return t;
}

/* The last error mentions s nowhere. */
static void error_hides(const char *s)
{
    const pinky_error *e = pinky_error_last();
    const char *parts[] = {e->message, e->field, e->detail, e->hint, e->constraint_name,
                           e->column_name};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        if (strstr(parts[i], s)) {
            fprintf(stderr, "the error shows a secret: %s\n", parts[i]);
            fail();
        }
    }
}

static long long keys_of(int32_t uid)
{
    return pt_num("SELECT count(*) FROM api_keys WHERE user_id = %d", uid);
}

/* Concatenates "a,b,c" of the ids of a page loop into buf. */
static void add_id(char *buf, const pinky_uuid *id)
{
    char u[PINKY_UUID_STRLEN];
    pinky_uuid_format(id, u);
    if (buf[0])
        strcat(buf, ",");
    strcat(buf, u);
}

/* ---- api_keys ---- */

static void test_api_key_round_trip(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    char *service = pt_repeat("é", 100);
    char *name = pt_repeat("名", 255);
    char *value = pt_repeat("sk-ünïcødé-Zq9", 300);

    pinky_api_key k;
    pinky_api_key_init(&k);
    k.service = service;
    k.key_name = name;
    k.key_value = value;
    pinky_api_key *out = NULL;
    pt_ok(pinky_api_key_create(db, uid, &k, &out));
    assert_int_equal(out->struct_size, sizeof(pinky_api_key));
    assert_false(pinky_uuid_is_nil(&out->id));
    assert_int_equal(out->user_id, uid);
    assert_string_equal(out->service, service);
    assert_string_equal(out->key_name, name);
    assert_null(out->key_value); /* hidden on every read that does not ask */
    assert_true(out->is_active.is_set);
    assert_true(out->is_active.value); /* the column default */
    assert_false(out->last_used.is_set);
    assert_int_equal(out->created_at, out->updated_at);
    char id[PINKY_UUID_STRLEN];
    pinky_uuid_format(&out->id, id);

    /* the value is stored as given */
    char *sql_value = pt_str("SELECT key_value FROM api_keys WHERE id = '%s'", id);
    assert_string_equal(sql_value, value);
    free(sql_value);
    assert_int_equal(pt_num("SELECT char_length(service) FROM api_keys WHERE id = '%s'", id), 100);
    assert_int_equal(pt_num("SELECT char_length(key_name) FROM api_keys WHERE id = '%s'", id), 255);
    assert_int_equal(pt_num("SELECT count(*) FROM api_keys WHERE id = '%s' AND is_active AND last_used IS NULL "
                            "AND user_id = %d", id, uid), 1);

    pinky_api_key *got = NULL;
    pt_ok(pinky_api_key_get(db, uid, &out->id, &got));
    assert_string_equal(got->service, service);
    assert_string_equal(got->key_name, name);
    assert_null(got->key_value);
    assert_true(got->is_active.is_set && got->is_active.value);
    assert_int_equal(got->created_at, out->created_at);
    pinky_api_key_free(got);

    char *revealed = NULL;
    pt_ok(pinky_api_key_reveal(db, uid, &out->id, &revealed));
    assert_string_equal(revealed, value);
    pinky_free(revealed);

    pt_ok(pinky_api_key_find(db, uid, service, name, &got));
    assert_true(pinky_uuid_equal(&got->id, &out->id));
    assert_string_equal(got->key_value, value);
    pinky_api_key_free(got);
    pt_status(pinky_api_key_find(db, uid, service, "other", &got), PINKY_NOT_FOUND);
    assert_null(got);

    pinky_api_key_page *p = NULL;
    pt_ok(pinky_api_key_list(db, uid, NULL, &p));
    assert_int_equal(p->count, 1);
    assert_null(p->items[0]->key_value);
    pinky_api_key_page_free(p);
    pinky_api_key_filter f;
    pinky_api_key_filter_init(&f);
    f.include_key_value = true;
    pt_ok(pinky_api_key_list(db, uid, &f, &p));
    assert_int_equal(p->count, 1);
    assert_string_equal(p->items[0]->key_value, value);
    pinky_api_key_page_free(p);

    /* touch: last_used = the server's now() */
    pinky_time t0 = pinky_time_now();
    pt_ok(pinky_api_key_touch(db, uid, &out->id));
    pt_ok(pinky_api_key_get(db, uid, &out->id, &got));
    assert_true(got->last_used.is_set);
    assert_true(got->last_used.value >= t0 - 5000000 && got->last_used.value <= pinky_time_now() + 5000000);
    assert_int_equal(pt_num("SELECT (extract(epoch FROM last_used) * 1000000)::bigint FROM api_keys WHERE id = '%s'", id),
                     got->last_used.value);
    assert_null(got->key_value);
    pinky_api_key_free(got);

    /* an inactive key with explicit, infinite and negative-infinite last_used */
    pinky_time lus[] = {a_time(2001, 9, 9, 1, 46, 40, 1), PINKY_TIME_INFINITY, PINKY_TIME_NEG_INFINITY};
    const char *sql_lus[] = {"2001-09-09 01:46:40.000001+00", "infinity", "-infinity"};
    for (int i = 0; i < 3; i++) {
        pinky_api_key_init(&k);
        k.service = "svc";
        char kn[32];
        snprintf(kn, sizeof kn, "inactive-%d", i);
        k.key_name = kn;
        k.key_value = "v";
        k.is_active = pinky_bool(false);
        k.last_used = pinky_time_val(lus[i]);
        pinky_api_key *o2 = NULL;
        pt_ok(pinky_api_key_create(db, uid, &k, &o2));
        assert_true(o2->is_active.is_set);
        assert_false(o2->is_active.value);
        assert_int_equal(o2->last_used.value, lus[i]);
        pinky_api_key *g2 = NULL;
        pt_ok(pinky_api_key_get(db, uid, &o2->id, &g2));
        assert_int_equal(g2->last_used.value, lus[i]);
        assert_false(g2->is_active.value);
        char id2[PINKY_UUID_STRLEN];
        pinky_uuid_format(&o2->id, id2);
        assert_int_equal(pt_num("SELECT count(*) FROM api_keys WHERE id = '%s' AND NOT is_active "
                                "AND last_used = '%s'::timestamptz", id2, sql_lus[i]), 1);
        pinky_api_key_free(g2);
        pinky_api_key_free(o2);
    }

    pt_ok(pinky_api_key_delete(db, uid, &out->id));
    pt_status(pinky_api_key_get(db, uid, &out->id, &got), PINKY_NOT_FOUND);
    pt_status(pinky_api_key_delete(db, uid, &out->id), PINKY_NOT_FOUND);
    pt_status(pinky_api_key_touch(db, uid, &out->id), PINKY_NOT_FOUND);
    pt_status(pinky_api_key_reveal(db, uid, &out->id, &revealed), PINKY_NOT_FOUND);
    assert_null(revealed);
    assert_int_equal(pt_num("SELECT count(*) FROM api_keys WHERE id = '%s'", id), 0);
    pinky_api_key_free(out);
    free(service);
    free(name);
    free(value);
}

static void test_api_key_conflict_hides_value(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    const char *secret = "SECRET-d6f1c0ffee-DO-NOT-SHOW";
    pinky_api_key k;
    pinky_api_key_init(&k);
    k.service = "openai";
    k.key_name = "default";
    k.key_value = (char *)secret;
    pinky_api_key *first = NULL;
    pt_ok(pinky_api_key_create(db, uid, &k, &first));
    long long before = keys_of(uid);

    pinky_api_key *out = (pinky_api_key *)0x1;
    pt_status(pinky_api_key_create(db, uid, &k, &out), PINKY_CONFLICT);
    assert_null(out);
    assert_string_equal(pinky_error_last()->constraint_name, "api_keys_user_id_service_key_name_key");
    assert_string_equal(pinky_error_last()->sqlstate, "23505");
    pt_error_names("api_keys_user_id_service_key_name_key");
    error_hides(secret);
    error_hides("DO-NOT-SHOW");
    assert_int_equal(keys_of(uid), before);

    /* renaming another key onto the same (service, key_name) */
    k.key_name = "second";
    pinky_api_key *second = NULL;
    pt_ok(pinky_api_key_create(db, uid, &k, &second));
    pinky_api_key ch;
    pinky_api_key_init(&ch);
    ch.key_name = "default";
    ch.key_value = (char *)secret;
    pt_status(pinky_api_key_update(db, uid, &second->id, &ch,
                                   PINKY_API_KEY_KEY_NAME | PINKY_API_KEY_KEY_VALUE, NULL, NULL),
              PINKY_CONFLICT);
    assert_string_equal(pinky_error_last()->constraint_name, "api_keys_user_id_service_key_name_key");
    error_hides(secret);
    char sid[PINKY_UUID_STRLEN];
    pinky_uuid_format(&second->id, sid);
    assert_int_equal(pt_num("SELECT count(*) FROM api_keys WHERE id = '%s' AND key_name = 'second' "
                            "AND updated_at = created_at", sid), 1);

    /* another user may use the same service and name */
    int32_t other = pt_user();
    k.key_name = "default";
    pt_ok(pinky_api_key_create(db, other, &k, NULL));
    assert_int_equal(keys_of(other), 1);
    pinky_api_key_free(first);
    pinky_api_key_free(second);
}

/* Every message the pool logs, at every level. */
static char g_log[65536];
static void capture_log(pinky_log_level level, const char *message, void *ctx)
{
    (void)level;
    (void)ctx;
    size_t n = strlen(g_log);
    snprintf(g_log + n, sizeof g_log - n, "%s\n", message);
}

static void test_api_key_secret_not_logged(void **state)
{
    (void)state;
    pinky_db_options o;
    pinky_db_options_init(&o);
    o.conninfo = pt_conninfo();
    o.log = capture_log;
    o.leak_threshold_ms = 1;
    pinky_db *db = NULL;
    pt_ok(pinky_db_open(&o, &db));
    int32_t uid = pt_user();
    const char *secret = "SECRET-logged-7f3a9e";
    pinky_api_key k;
    pinky_api_key_init(&k);
    k.service = "svc";
    k.key_name = "logged";
    k.key_value = (char *)secret;
    pinky_api_key *row = NULL;
    pt_ok(pinky_api_key_create(db, uid, &k, &row));
    pt_status(pinky_api_key_create(db, uid, &k, NULL), PINKY_CONFLICT);
    error_hides(secret);
    pinky_api_key *found = NULL;
    pt_ok(pinky_api_key_find(db, uid, "svc", "logged", &found));
    assert_string_equal(found->key_value, secret);
    char *v = NULL;
    pt_ok(pinky_api_key_reveal(db, uid, &row->id, &v));
    assert_string_equal(v, secret);
    pinky_api_key_filter f;
    pinky_api_key_filter_init(&f);
    f.include_key_value = true;
    pinky_api_key_page *p = NULL;
    pt_ok(pinky_api_key_list(db, uid, &f, &p));
    pinky_api_key_page_free(p);
    pinky_db_close(db);
    assert_null(strstr(g_log, secret));
    pinky_free(v);
    pinky_api_key_free(found);
    pinky_api_key_free(row);
}

static void test_api_key_bad_input(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    long long before = pt_num("SELECT count(*) FROM api_keys");
    char *s101 = pt_repeat("é", 101), *s256 = pt_repeat("é", 256);
    /* a distinctive invalid value: it must not be echoed */
    const char *bad_secret = "SECRET-bad-utf8-\xff-VALUE";
    pinky_api_key k;
    pinky_api_key *out = (pinky_api_key *)0x1;
#define RESET()                       \
    do {                              \
        pinky_api_key_init(&k);       \
        k.service = "svc";            \
        k.key_name = "name";          \
        k.key_value = "value";        \
    } while (0)
#define EXPECT_INVALID(FIELD)                                               \
    do {                                                                    \
        out = (pinky_api_key *)0x1;                                         \
        pt_status(pinky_api_key_create(db, uid, &k, &out), PINKY_INVALID);  \
        assert_null(out);                                                   \
        pt_error_names(FIELD);                                              \
    } while (0)
    RESET(); k.service = NULL; EXPECT_INVALID("service");
    RESET(); k.service = ""; EXPECT_INVALID("service");
    RESET(); k.service = s101; EXPECT_INVALID("service"); pt_error_names("101");
    RESET(); k.service = "\xc3"; EXPECT_INVALID("service");
    RESET(); k.key_name = NULL; EXPECT_INVALID("key_name");
    RESET(); k.key_name = ""; EXPECT_INVALID("key_name");
    RESET(); k.key_name = s256; EXPECT_INVALID("key_name");
    RESET(); k.key_value = NULL; EXPECT_INVALID("key_value");
    RESET(); k.key_value = ""; EXPECT_INVALID("key_value");
    RESET(); k.key_value = (char *)bad_secret; EXPECT_INVALID("key_value");
    error_hides("SECRET-bad");
    error_hides("VALUE");
    RESET(); k.struct_size = 7; EXPECT_INVALID("struct_size");
    RESET();
    pt_status(pinky_api_key_create(NULL, uid, &k, &out), PINKY_INVALID);
    pt_error_names("db");
    pt_status(pinky_api_key_create(db, uid, NULL, &out), PINKY_INVALID);
    pt_status(pinky_api_key_create(db, 2000000000, &k, &out), PINKY_NOT_FOUND);
    pt_error_names("user");
    assert_int_equal(pt_num("SELECT count(*) FROM api_keys"), before);

    /* update cannot clear required fields; the value stays hidden in errors */
    pinky_api_key *row = NULL;
    pt_ok(pinky_api_key_create(db, uid, &k, &row));
    char id[PINKY_UUID_STRLEN];
    pinky_uuid_format(&row->id, id);
    pinky_api_key ch;
    pinky_api_key_init(&ch);
    pt_status(pinky_api_key_update(db, uid, &row->id, &ch, PINKY_API_KEY_KEY_VALUE, NULL, NULL), PINKY_INVALID);
    pt_error_names("key_value");
    ch.key_value = (char *)bad_secret;
    pt_status(pinky_api_key_update(db, uid, &row->id, &ch, PINKY_API_KEY_KEY_VALUE, NULL, NULL), PINKY_INVALID);
    pt_error_names("key_value");
    error_hides("SECRET-bad");
    pt_status(pinky_api_key_update(db, uid, &row->id, &ch, PINKY_API_KEY_SERVICE, NULL, NULL), PINKY_INVALID);
    pt_error_names("service");
    pt_status(pinky_api_key_update(db, uid, &row->id, &ch, 0, NULL, NULL), PINKY_INVALID);
    pt_error_names("mask");
    pt_status(pinky_api_key_update(db, uid, NULL, &ch, PINKY_API_KEY_IS_ACTIVE, NULL, NULL), PINKY_INVALID);
    pt_error_names("id");
    assert_int_equal(pt_num("SELECT count(*) FROM api_keys WHERE id = '%s' AND key_value = 'value' "
                            "AND updated_at = created_at", id), 1);

    /* lookups */
    pt_status(pinky_api_key_find(db, uid, NULL, "name", &out), PINKY_INVALID);
    pt_error_names("service");
    pt_status(pinky_api_key_find(db, uid, "svc", NULL, &out), PINKY_INVALID);
    pt_error_names("key_name");
    pt_status(pinky_api_key_find(db, uid, "svc", s256, &out), PINKY_INVALID);
    pt_error_names("key_name");
    pt_status(pinky_api_key_find(db, uid, "svc", "name", NULL), PINKY_INVALID);
    pt_status(pinky_api_key_reveal(db, uid, &row->id, NULL), PINKY_INVALID);
    char *v = (char *)0x1;
    pt_status(pinky_api_key_reveal(db, uid, NULL, &v), PINKY_INVALID);
    assert_null(v);
    pt_status(pinky_api_key_touch(db, uid, NULL), PINKY_INVALID);
    pt_status(pinky_api_key_touch(NULL, uid, &row->id), PINKY_INVALID);
    pinky_api_key_filter f;
    pinky_api_key_filter_init(&f);
    f.struct_size = 9;
    pinky_api_key_page *p = (pinky_api_key_page *)0x1;
    pt_status(pinky_api_key_list(db, uid, &f, &p), PINKY_INVALID);
    pt_error_names("struct_size");
    assert_null(p);
    pinky_api_key_free(row);
    free(s101);
    free(s256);
#undef RESET
#undef EXPECT_INVALID
}

static void test_api_key_update(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    pinky_api_key k;
    pinky_api_key_init(&k);
    k.service = "github";
    k.key_name = "ci";
    k.key_value = "old-value";
    pinky_api_key *row = NULL;
    pt_ok(pinky_api_key_create(db, uid, &k, &row));
    char id[PINKY_UUID_STRLEN];
    pinky_uuid_format(&row->id, id);

    pinky_api_key ch;
    pinky_api_key_init(&ch);
    ch.key_value = "new-value";
    ch.is_active = pinky_bool(false);
    ch.service = "IGNORED";
    ch.key_name = NULL;
    pinky_api_key *upd = NULL;
    pt_ok(pinky_api_key_update(db, uid, &row->id, &ch, PINKY_API_KEY_KEY_VALUE | PINKY_API_KEY_IS_ACTIVE,
                               &row->updated_at, &upd));
    assert_null(upd->key_value);
    assert_false(upd->is_active.value);
    assert_string_equal(upd->service, "github");
    assert_string_equal(upd->key_name, "ci");
    assert_true(upd->updated_at > row->updated_at);
    assert_int_equal(pt_num("SELECT count(*) FROM api_keys WHERE id = '%s' AND key_value = 'new-value' "
                            "AND NOT is_active AND service = 'github' AND key_name = 'ci' AND last_used IS NULL", id), 1);

    /* stale: CONFLICT, nothing written */
    ch.key_value = "stale-value";
    pt_status(pinky_api_key_update(db, uid, &row->id, &ch, PINKY_API_KEY_KEY_VALUE, &row->updated_at, NULL),
              PINKY_CONFLICT);
    pt_error_names("updated_at");
    error_hides("stale-value");
    char *v = pt_str("SELECT key_value FROM api_keys WHERE id = '%s'", id);
    assert_string_equal(v, "new-value");
    free(v);

    /* clear is_active (nullable) and set last_used */
    pinky_api_key_init(&ch);
    ch.last_used = pinky_time_val(a_time(2030, 1, 1, 0, 0, 0, 0));
    pinky_api_key *upd2 = NULL;
    pt_ok(pinky_api_key_update(db, uid, &row->id, &ch, PINKY_API_KEY_IS_ACTIVE | PINKY_API_KEY_LAST_USED,
                               &upd->updated_at, &upd2));
    assert_false(upd2->is_active.is_set);
    assert_int_equal(upd2->last_used.value, ch.last_used.value);
    assert_int_equal(pt_num("SELECT count(*) FROM api_keys WHERE id = '%s' AND is_active IS NULL "
                            "AND last_used = '2030-01-01 00:00:00+00'", id), 1);
    pinky_api_key_free(row);
    pinky_api_key_free(upd);
    pinky_api_key_free(upd2);
}

static void test_api_key_tenancy(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t a = pt_user(), b = pt_user();
    pinky_api_key k;
    pinky_api_key_init(&k);
    k.service = "stripe";
    k.key_name = "live";
    k.key_value = "sk_live_only_for_a";
    pinky_api_key *row = NULL;
    pt_ok(pinky_api_key_create(db, a, &k, &row));
    char id[PINKY_UUID_STRLEN];
    pinky_uuid_format(&row->id, id);

    pinky_api_key *got = (pinky_api_key *)0x1;
    pt_status(pinky_api_key_get(db, b, &row->id, &got), PINKY_NOT_FOUND);
    assert_null(got);
    char *v = (char *)0x1;
    pt_status(pinky_api_key_reveal(db, b, &row->id, &v), PINKY_NOT_FOUND);
    assert_null(v);
    pt_status(pinky_api_key_find(db, b, "stripe", "live", &got), PINKY_NOT_FOUND);
    assert_null(got);
    pinky_api_key ch;
    pinky_api_key_init(&ch);
    ch.key_value = "replaced";
    pt_status(pinky_api_key_update(db, b, &row->id, &ch, PINKY_API_KEY_KEY_VALUE, NULL, NULL), PINKY_NOT_FOUND);
    pt_status(pinky_api_key_touch(db, b, &row->id), PINKY_NOT_FOUND);
    pt_status(pinky_api_key_delete(db, b, &row->id), PINKY_NOT_FOUND);
    pinky_api_key_filter f;
    pinky_api_key_filter_init(&f);
    f.include_key_value = true;
    pinky_api_key_page *p = NULL;
    pt_ok(pinky_api_key_list(db, b, &f, &p));
    assert_int_equal(p->count, 0);
    assert_null(p->next_cursor);
    pinky_api_key_page_free(p);
    assert_int_equal(pt_num("SELECT count(*) FROM api_keys WHERE id = '%s' AND key_value = 'sk_live_only_for_a' "
                            "AND last_used IS NULL AND updated_at = created_at AND user_id = %d", id, a), 1);
    /* deleting the owner removes the keys */
    pt_ok(pinky_user_delete(db, a));
    assert_int_equal(pt_num("SELECT count(*) FROM api_keys WHERE id = '%s'", id), 0);
    pinky_api_key_free(row);
}

static void test_api_key_pagination(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    enum { N = 1000 };
    /* created in a scrambled order; listed in (service, key_name) order */
    for (int j = 0; j < N; j++) {
        int i = (j * 379) % N;
        pinky_api_key k;
        pinky_api_key_init(&k);
        char svc[32], name[32], val[32];
        snprintf(svc, sizeof svc, "svc-%02d", i % 7);
        snprintf(name, sizeof name, "key-%04d", i);
        snprintf(val, sizeof val, "value-%d", i);
        k.service = svc;
        k.key_name = name;
        k.key_value = val;
        k.is_active = pinky_bool(i % 3 != 0);
        pt_ok(pinky_api_key_create(db, uid, &k, NULL));
    }
    char *want = pt_str("SELECT string_agg(id::text, ',' ORDER BY service, key_name) FROM api_keys WHERE user_id = %d", uid);
    char *got = calloc(1, (size_t)N * 37 + 1);
    pinky_api_key_filter f;
    pinky_api_key_filter_init(&f);
    f.limit = 64;
    int pages = 0, n = 0;
    char *cursor = NULL;
    for (;;) {
        f.cursor = cursor;
        pinky_api_key_page *p = NULL;
        pt_ok(pinky_api_key_list(db, uid, &f, &p));
        pages++;
        for (size_t i = 0; i < p->count; i++) {
            assert_null(p->items[i]->key_value);
            add_id(got, &p->items[i]->id);
            n++;
        }
        free(cursor);
        cursor = p->next_cursor ? strdup(p->next_cursor) : NULL;
        pinky_api_key_page_free(p);
        if (cursor == NULL)
            break;
    }
    assert_int_equal(n, N);
    assert_int_equal(pages, (N + 63) / 64);
    assert_string_equal(got, want); /* the order, each row exactly once */
    free(got);
    free(want);

    /* filters with values, paged */
    pinky_api_key_filter_init(&f);
    f.limit = 50;
    f.service = "svc-03";
    f.is_active = pinky_bool(false);
    f.include_key_value = true;
    n = 0;
    cursor = NULL;
    for (;;) {
        f.cursor = cursor;
        pinky_api_key_page *p = NULL;
        pt_ok(pinky_api_key_list(db, uid, &f, &p));
        for (size_t i = 0; i < p->count; i++) {
            pinky_api_key *k = p->items[i];
            assert_string_equal(k->service, "svc-03");
            assert_false(k->is_active.value);
            char val[32];
            snprintf(val, sizeof val, "value-%d", atoi(k->key_name + 4));
            assert_string_equal(k->key_value, val);
            n++;
        }
        free(cursor);
        cursor = p->next_cursor ? strdup(p->next_cursor) : NULL;
        pinky_api_key_page_free(p);
        if (cursor == NULL)
            break;
    }
    assert_true(n > 0);
    assert_int_equal(n, pt_num("SELECT count(*) FROM api_keys WHERE user_id = %d AND service = 'svc-03' AND NOT is_active", uid));
}

/* ---- system_settings ---- */

static void test_system_settings(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    char *long_key = pt_repeat("é", 255);
    pinky_system_setting *s = NULL;
    pt_ok(pinky_system_setting_set(db, "mail.smtp", "{\"host\": \"smtp.example.invalid\", \"port\": 587}", &s));
    assert_int_equal(s->struct_size, sizeof(pinky_system_setting));
    assert_string_equal(s->setting_key, "mail.smtp");
    assert_string_equal(s->setting_value, "{\"host\": \"smtp.example.invalid\", \"port\": 587}");
    assert_int_equal(s->created_at, s->updated_at);
    pinky_time created = s->created_at;
    pinky_system_setting_free(s);
    /* upsert replaces the value, keeps created_at, moves updated_at */
    pt_ok(pinky_system_setting_set(db, "mail.smtp", "[1, \"ü\", null]", &s));
    assert_string_equal(s->setting_value, "[1, \"ü\", null]");
    assert_int_equal(s->created_at, created);
    assert_true(s->updated_at > created);
    pinky_system_setting_free(s);
    assert_int_equal(pt_num("SELECT count(*) FROM system_settings WHERE setting_key = 'mail.smtp'"), 1);
    char *v = pt_str("SELECT setting_value->>1 FROM system_settings WHERE setting_key = 'mail.smtp'");
    assert_string_equal(v, "ü");
    free(v);
    pt_ok(pinky_system_setting_set(db, long_key, "\"x\"", NULL));
    pt_ok(pinky_system_setting_get(db, long_key, &s));
    assert_string_equal(s->setting_key, long_key);
    assert_string_equal(s->setting_value, "\"x\"");
    pinky_system_setting_free(s);
    assert_int_equal(pt_num("SELECT count(*) FROM system_settings WHERE char_length(setting_key) = 255"), 1);
    pt_ok(pinky_system_setting_set(db, "mail.from", "\"noreply@example.invalid\"", NULL));
    pt_ok(pinky_system_setting_set(db, "ui.theme", "null", NULL));

    pinky_system_setting_filter f;
    pinky_system_setting_filter_init(&f);
    f.key_prefix = "mail.";
    pinky_system_setting_page *p = NULL;
    pt_ok(pinky_system_setting_list(db, &f, &p));
    assert_int_equal(p->count, 2);
    assert_string_equal(p->items[0]->setting_key, "mail.from");
    assert_string_equal(p->items[1]->setting_key, "mail.smtp");
    pinky_system_setting_page_free(p);
    pt_ok(pinky_system_setting_get(db, "ui.theme", &s));
    assert_string_equal(s->setting_value, "null");
    pinky_system_setting_free(s);

    /* bad input: nothing written */
    long long before = pt_num("SELECT count(*) FROM system_settings");
    char *too_long = pt_repeat("é", 256);
    const char *bad_json[] = {"", "{", "[1,]", "{'a': 1}", "\"\\ud800\"", "1 2", NULL};
    for (int i = 0; bad_json[i]; i++) {
        pt_status(pinky_system_setting_set(db, "mail.from", bad_json[i], NULL), PINKY_INVALID);
        pt_error_names("setting_value");
    }
    pt_status(pinky_system_setting_set(db, "mail.from", NULL, NULL), PINKY_INVALID);
    pt_error_names("setting_value");
    pt_status(pinky_system_setting_set(db, NULL, "1", NULL), PINKY_INVALID);
    pt_error_names("setting_key");
    pt_status(pinky_system_setting_set(db, "", "1", NULL), PINKY_INVALID);
    pt_error_names("setting_key");
    pt_status(pinky_system_setting_set(db, too_long, "1", NULL), PINKY_INVALID);
    pt_error_names("setting_key");
    pt_status(pinky_system_setting_set(db, "k\xff", "1", NULL), PINKY_INVALID);
    pt_error_names("setting_key");
    pt_status(pinky_system_setting_set(NULL, "k", "1", NULL), PINKY_INVALID);
    pt_status(pinky_system_setting_get(db, NULL, &s), PINKY_INVALID);
    pt_status(pinky_system_setting_get(db, "k", NULL), PINKY_INVALID);
    pt_status(pinky_system_setting_delete(db, NULL), PINKY_INVALID);
    assert_int_equal(pt_num("SELECT count(*) FROM system_settings"), before);
    v = pt_str("SELECT setting_value #>> '{}' FROM system_settings WHERE setting_key = 'mail.from'");
    assert_string_equal(v, "noreply@example.invalid");
    free(v);

    pt_ok(pinky_system_setting_delete(db, "ui.theme"));
    pt_status(pinky_system_setting_delete(db, "ui.theme"), PINKY_NOT_FOUND);
    pt_status(pinky_system_setting_get(db, "ui.theme", &s), PINKY_NOT_FOUND);
    assert_null(s);
    assert_int_equal(pt_num("SELECT count(*) FROM system_settings WHERE setting_key = 'ui.theme'"), 0);
    /* global: the same value whatever user asks (no user argument at all) */
    free(long_key);
    free(too_long);
}

static void test_system_settings_pagination(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    enum { N = 1000 };
    for (int j = 0; j < N; j++) {
        int i = (j * 611) % N;
        char key[64], val[64];
        snprintf(key, sizeof key, "page.%c.%04d", 'a' + i % 5, i);
        snprintf(val, sizeof val, "{\"i\": %d}", i);
        pt_ok(pinky_system_setting_set(db, key, val, NULL));
    }
    pt_ok(pinky_system_setting_set(db, "pagf.outside", "1", NULL));
    char *want = pt_str("SELECT string_agg(setting_key, '|' ORDER BY setting_key) FROM system_settings "
                        "WHERE starts_with(setting_key, 'page.')");
    char *got = calloc(1, (size_t)N * 16 + 1);
    pinky_system_setting_filter f;
    pinky_system_setting_filter_init(&f);
    f.limit = 64;
    f.key_prefix = "page.";
    int pages = 0, n = 0;
    char *cursor = NULL;
    for (;;) {
        f.cursor = cursor;
        pinky_system_setting_page *p = NULL;
        pt_ok(pinky_system_setting_list(db, &f, &p));
        pages++;
        for (size_t i = 0; i < p->count; i++) {
            char val[64];
            snprintf(val, sizeof val, "{\"i\": %d}", atoi(p->items[i]->setting_key + 7));
            assert_string_equal(p->items[i]->setting_value, val);
            if (got[0])
                strcat(got, "|");
            strcat(got, p->items[i]->setting_key);
            n++;
        }
        free(cursor);
        cursor = p->next_cursor ? strdup(p->next_cursor) : NULL;
        pinky_system_setting_page_free(p);
        if (cursor == NULL)
            break;
    }
    assert_int_equal(n, N);
    assert_int_equal(pages, (N + 63) / 64);
    assert_string_equal(got, want);
    free(got);
    free(want);
    /* a cursor of another list is refused */
    pinky_system_setting_page *p = NULL;
    f.cursor = NULL;
    f.limit = 1;
    pt_ok(pinky_system_setting_list(db, &f, &p));
    pinky_audit_log_filter af;
    pinky_audit_log_filter_init(&af);
    af.cursor = p->next_cursor;
    pinky_audit_log_page *ap = NULL;
    pt_status(pinky_audit_log_list(db, &af, &ap), PINKY_INVALID);
    pt_error_names("cursor");
    pinky_system_setting_page_free(p);
}

/* ---- audit_logs ---- */

static long long audit_count(void) { return pt_num("SELECT count(*) FROM audit_logs"); }

static void test_audit_round_trip(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    char *action = pt_repeat("é", 255);
    char *etype = pt_repeat("ü", 100);
    char *ua = pt_repeat("Mozilla/5.0 (X11; Linux) Ünïcode ", 200);
    const char *ips[] = {"192.168.0.1", "2001:db8::1", "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255",
                         "::", "0.0.0.0", "::ffff:10.0.0.1", "FE80::0202:B3FF:FE1E:8329", NULL};
    for (int i = 0; ips[i]; i++) {
        pinky_audit_log a;
        pinky_audit_log_init(&a);
        a.user_id = pinky_i32(uid);
        a.action = action;
        a.entity_type = etype;
        a.entity_id = "9b2f6a0e-8d7c-4b1a-9f3e-2c1d0e9f8a7b";
        a.details = "{\"after\": {\"title\": \"Neu\"}, \"before\": {\"title\": \"Alt\"}}";
        a.ip_address = (char *)ips[i];
        a.user_agent = ua;
        pinky_audit_log *out = NULL;
        pinky_time t0 = pinky_time_now();
        pt_ok(pinky_audit_log_create(db, &a, &out));
        assert_int_equal(out->struct_size, sizeof(pinky_audit_log));
        assert_false(pinky_uuid_is_nil(&out->id));
        assert_true(out->user_id.is_set);
        assert_int_equal(out->user_id.value, uid);
        assert_string_equal(out->action, action);
        assert_string_equal(out->entity_type, etype);
        assert_string_equal(out->entity_id, a.entity_id);
        assert_string_equal(out->details, a.details);
        assert_string_equal(out->ip_address, ips[i]);
        assert_string_equal(out->user_agent, ua);
        assert_true(out->created_at >= t0 - 5000000 && out->created_at <= pinky_time_now() + 5000000);
        char id[PINKY_UUID_STRLEN];
        pinky_uuid_format(&out->id, id);
        char *sip = pt_str("SELECT ip_address FROM audit_logs WHERE id = '%s'", id);
        assert_string_equal(sip, ips[i]);
        free(sip);
        assert_int_equal(pt_num("SELECT count(*) FROM audit_logs WHERE id = '%s' AND user_id = %d "
                                "AND char_length(action) = 255 AND char_length(entity_type) = 100 "
                                "AND details->'after'->>'title' = 'Neu' AND user_agent = '%s'", id, uid, ua), 1);
        /* read back through the list */
        pinky_audit_log_filter f;
        pinky_audit_log_filter_init(&f);
        f.entity_id = a.entity_id;
        f.created_from = pinky_time_val(out->created_at);
        f.created_before = pinky_time_val(out->created_at + 1);
        f.user_id = pinky_i32(uid);
        f.action = action;
        f.entity_type = etype;
        pinky_audit_log_page *p = NULL;
        pt_ok(pinky_audit_log_list(db, &f, &p));
        bool found = false;
        for (size_t j = 0; j < p->count; j++) {
            if (!pinky_uuid_equal(&p->items[j]->id, &out->id))
                continue;
            found = true;
            assert_string_equal(p->items[j]->ip_address, ips[i]);
            assert_string_equal(p->items[j]->details, a.details);
            assert_string_equal(p->items[j]->user_agent, ua);
            assert_int_equal(p->items[j]->created_at, out->created_at);
        }
        assert_true(found);
        pinky_audit_log_page_free(p);
        pinky_audit_log_free(out);
    }

    /* the NULLs */
    pinky_audit_log a;
    pinky_audit_log_init(&a);
    a.action = "system.start";
    a.entity_type = "system";
    pinky_audit_log *out = NULL;
    pt_ok(pinky_audit_log_create(db, &a, &out));
    assert_false(out->user_id.is_set);
    assert_null(out->entity_id);
    assert_null(out->details);
    assert_null(out->ip_address);
    assert_null(out->user_agent);
    char id[PINKY_UUID_STRLEN];
    pinky_uuid_format(&out->id, id);
    assert_int_equal(pt_num("SELECT count(*) FROM audit_logs WHERE id = '%s' AND user_id IS NULL AND entity_id IS NULL "
                            "AND details IS NULL AND ip_address IS NULL AND user_agent IS NULL "
                            "AND action = 'system.start' AND entity_type = 'system'", id), 1);
    pinky_audit_log_free(out);
    free(action);
    free(etype);
    free(ua);
}

static void test_audit_bad_input(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    long long before = audit_count();
    char *s256 = pt_repeat("é", 256), *s101 = pt_repeat("é", 101);
    pinky_audit_log a;
    pinky_audit_log *out = (pinky_audit_log *)0x1;
#define RESET()                         \
    do {                                \
        pinky_audit_log_init(&a);       \
        a.action = "x.y";               \
        a.entity_type = "x";            \
    } while (0)
#define EXPECT_INVALID(FIELD)                                             \
    do {                                                                  \
        out = (pinky_audit_log *)0x1;                                     \
        pt_status(pinky_audit_log_create(db, &a, &out), PINKY_INVALID);   \
        assert_null(out);                                                 \
        pt_error_names(FIELD);                                            \
    } while (0)
    RESET(); a.action = NULL; EXPECT_INVALID("action");
    RESET(); a.action = ""; EXPECT_INVALID("action");
    RESET(); a.action = s256; EXPECT_INVALID("action");
    RESET(); a.entity_type = NULL; EXPECT_INVALID("entity_type");
    RESET(); a.entity_type = s101; EXPECT_INVALID("entity_type");
    RESET(); a.entity_id = "\xff"; EXPECT_INVALID("entity_id");
    RESET(); a.details = "{\"a\":}"; EXPECT_INVALID("details");
    RESET(); a.user_agent = "\xc3\x28"; EXPECT_INVALID("user_agent");
    const char *bad_ips[] = {"", "localhost", "256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4x", " 1.2.3.4",
                             "1.2.3.4 ", "::g", "1:2:3:4:5:6:7:8:9", "fe80::1%eth0", "2001:db8::1/64",
                             "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.2555", NULL};
    for (int i = 0; bad_ips[i]; i++) {
        RESET();
        a.ip_address = (char *)bad_ips[i];
        EXPECT_INVALID("ip_address");
        assert_string_equal(pinky_error_last()->field, "audit_log.ip_address");
    }
    RESET(); a.struct_size = 3; EXPECT_INVALID("struct_size");
    RESET();
    pt_status(pinky_audit_log_create(NULL, &a, &out), PINKY_INVALID);
    pt_error_names("db");
    pt_status(pinky_audit_log_create(db, NULL, &out), PINKY_INVALID);
    /* a user that does not exist */
    a.user_id = pinky_i32(2000000000);
    out = (pinky_audit_log *)0x1;
    pt_status(pinky_audit_log_create(db, &a, &out), PINKY_NOT_FOUND);
    assert_null(out);
    pt_error_names("user_id");
    assert_int_equal(audit_count(), before);

    pinky_audit_log_filter f;
    pinky_audit_log_filter_init(&f);
    pinky_audit_log_page *p = NULL;
    f.action = "\xff";
    pt_status(pinky_audit_log_list(db, &f, &p), PINKY_INVALID);
    pt_error_names("action");
    f.action = NULL;
    f.limit = 5000;
    pt_status(pinky_audit_log_list(db, &f, &p), PINKY_INVALID);
    pt_error_names("limit");
    free(s256);
    free(s101);
#undef RESET
#undef EXPECT_INVALID
}

static void test_audit_user_deleted(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    char entity[64];
    snprintf(entity, sizeof entity, "%s", pt_unique("ent"));
    for (int i = 0; i < 3; i++) {
        pinky_audit_log a;
        pinky_audit_log_init(&a);
        a.user_id = pinky_i32(uid);
        a.action = "document.update";
        a.entity_type = "document";
        a.entity_id = entity;
        pt_ok(pinky_audit_log_create(db, &a, NULL));
    }
    pinky_audit_log_filter f;
    pinky_audit_log_filter_init(&f);
    f.user_id = pinky_i32(uid);
    pinky_audit_log_page *p = NULL;
    pt_ok(pinky_audit_log_list(db, &f, &p));
    assert_int_equal(p->count, 3);
    pinky_audit_log_page_free(p);

    pt_ok(pinky_user_delete(db, uid));
    assert_int_equal(pt_num("SELECT count(*) FROM audit_logs WHERE entity_id = '%s' AND user_id IS NULL", entity), 3);
    assert_int_equal(pt_num("SELECT count(*) FROM audit_logs WHERE user_id = %d", uid), 0);
    pt_ok(pinky_audit_log_list(db, &f, &p));
    assert_int_equal(p->count, 0);
    pinky_audit_log_page_free(p);
    pinky_audit_log_filter_init(&f);
    f.entity_id = entity;
    pt_ok(pinky_audit_log_list(db, &f, &p));
    assert_int_equal(p->count, 3);
    for (size_t i = 0; i < p->count; i++) {
        assert_false(p->items[i]->user_id.is_set);
        assert_string_equal(p->items[i]->action, "document.update");
    }
    pinky_audit_log_page_free(p);
}

static void test_audit_pagination(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    enum { N = 1000, IN_TX = 300 };
    char etype[64];
    snprintf(etype, sizeof etype, "%s", pt_unique("pager"));
    /* the first 300 in one transaction share created_at: the id orders them */
    pinky_db *tx = NULL;
    pt_ok(pinky_db_begin(db, NULL, &tx));
    for (int i = 0; i < N; i++) {
        if (i == IN_TX)
            pt_ok(pinky_db_commit(tx));
        pinky_audit_log a;
        pinky_audit_log_init(&a);
        char action[32], eid[32];
        snprintf(action, sizeof action, "act.%d", i % 4);
        snprintf(eid, sizeof eid, "e-%d", i);
        a.action = action;
        a.entity_type = etype;
        a.entity_id = eid;
        if (i % 2)
            a.user_id = pinky_i32(uid);
        pt_ok(pinky_audit_log_create(i < IN_TX ? tx : db, &a, NULL));
    }
    assert_int_equal(pt_num("SELECT count(DISTINCT created_at) FROM audit_logs WHERE entity_type = '%s' "
                            "AND substr(entity_id, 3)::int < %d", etype, IN_TX), 1);
    char *want = pt_str("SELECT string_agg(id::text, ',' ORDER BY COALESCE(created_at, '-infinity'), id) "
                        "FROM audit_logs WHERE entity_type = '%s'", etype);
    char *got = calloc(1, (size_t)N * 37 + 1);
    pinky_audit_log_filter f;
    pinky_audit_log_filter_init(&f);
    f.limit = 64;
    f.entity_type = etype;
    int pages = 0, n = 0;
    pinky_time prev = PINKY_TIME_NEG_INFINITY;
    char *cursor = NULL;
    for (;;) {
        f.cursor = cursor;
        pinky_audit_log_page *p = NULL;
        pt_ok(pinky_audit_log_list(db, &f, &p));
        pages++;
        for (size_t i = 0; i < p->count; i++) {
            assert_true(p->items[i]->created_at >= prev);
            prev = p->items[i]->created_at;
            add_id(got, &p->items[i]->id);
            n++;
        }
        free(cursor);
        cursor = p->next_cursor ? strdup(p->next_cursor) : NULL;
        pinky_audit_log_page_free(p);
        if (cursor == NULL)
            break;
    }
    assert_int_equal(n, N);
    assert_int_equal(pages, (N + 63) / 64);
    assert_string_equal(got, want);
    free(got);
    free(want);

    /* filters, paged, against SQL counts */
    pinky_time from = pt_num("SELECT (extract(epoch FROM created_at) * 1000000)::bigint FROM audit_logs "
                             "WHERE entity_type = '%s' AND entity_id = 'e-500'", etype);
    pinky_time before = pt_num("SELECT (extract(epoch FROM created_at) * 1000000)::bigint FROM audit_logs "
                               "WHERE entity_type = '%s' AND entity_id = 'e-800'", etype);
    for (int k = 0; k < 3; k++) {
        pinky_audit_log_filter_init(&f);
        f.limit = 64;
        f.entity_type = etype;
        if (k == 0)
            f.action = "act.1";
        if (k == 1)
            f.user_id = pinky_i32(uid);
        if (k == 2) {
            f.created_from = pinky_time_val(from);
            f.created_before = pinky_time_val(before);
            f.action = "act.2";
        }
        long long cnt = 0;
        cursor = NULL;
        for (;;) {
            f.cursor = cursor;
            pinky_audit_log_page *p = NULL;
            pt_ok(pinky_audit_log_list(db, &f, &p));
            for (size_t i = 0; i < p->count; i++) {
                pinky_audit_log *e = p->items[i];
                if (f.action)
                    assert_string_equal(e->action, f.action);
                if (k == 1)
                    assert_int_equal(e->user_id.value, uid);
                if (k == 2)
                    assert_true(e->created_at >= from && e->created_at < before);
                cnt++;
            }
            free(cursor);
            cursor = p->next_cursor ? strdup(p->next_cursor) : NULL;
            pinky_audit_log_page_free(p);
            if (cursor == NULL)
                break;
        }
        char fr[PINKY_TIME_STRLEN], be[PINKY_TIME_STRLEN];
        pinky_time_format(from, fr);
        pinky_time_format(before, be);
        long long want_n =
            k == 0 ? pt_num("SELECT count(*) FROM audit_logs WHERE entity_type = '%s' AND action = 'act.1'", etype)
            : k == 1 ? pt_num("SELECT count(*) FROM audit_logs WHERE entity_type = '%s' AND user_id = %d", etype, uid)
                     : pt_num("SELECT count(*) FROM audit_logs WHERE entity_type = '%s' AND action = 'act.2' "
                              "AND created_at >= '%s' AND created_at < '%s'", etype, fr, be);
        assert_true(want_n > 0);
        assert_int_equal(cnt, want_n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_api_key_round_trip),
        cmocka_unit_test(test_api_key_conflict_hides_value),
        cmocka_unit_test(test_api_key_secret_not_logged),
        cmocka_unit_test(test_api_key_bad_input),
        cmocka_unit_test(test_api_key_update),
        cmocka_unit_test(test_api_key_tenancy),
        cmocka_unit_test(test_api_key_pagination),
        cmocka_unit_test(test_system_settings),
        cmocka_unit_test(test_system_settings_pagination),
        cmocka_unit_test(test_audit_round_trip),
        cmocka_unit_test(test_audit_bad_input),
        cmocka_unit_test(test_audit_user_deleted),
        cmocka_unit_test(test_audit_pagination),
    };
    return cmocka_run_group_tests_name("system", tests, NULL, NULL);
}
