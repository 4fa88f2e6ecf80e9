/* users and user_preferences: round trips, bad input, conflicts, pagination. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "testdb.h"

static long long users_named(const char *name)
{
    return pt_num("SELECT count(*) FROM users WHERE username = '%s'", name);
}

static void test_user_round_trip(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    pinky_user u;
    pinky_user_init(&u);
    char *name = pt_repeat("é", 255); /* 255 characters, 510 bytes */
    u.username = name;
    u.email = (char *)pt_unique("mail");
    u.profile_image_url = "https://example.invalid/p.png";
    u.first_name = "Zoë";
    u.last_name = NULL;
    pinky_user *out = NULL;
    pinky_time before = pinky_time_now();
    pt_ok(pinky_user_create(db, &u, &out));
    assert_true(out->id > 0);
    assert_int_equal(out->struct_size, sizeof(pinky_user));
    assert_string_equal(out->username, name);
    assert_string_equal(out->email, u.email);
    assert_string_equal(out->first_name, "Zoë");
    assert_null(out->last_name);
    assert_true(out->created_at >= before - 5000000 && out->created_at <= pinky_time_now() + 5000000);
    assert_int_equal(out->created_at, out->updated_at);

    /* read back through the API and through SQL */
    pinky_user *got = NULL;
    pt_ok(pinky_user_get(db, out->id, &got));
    assert_string_equal(got->username, name);
    assert_string_equal(got->profile_image_url, "https://example.invalid/p.png");
    assert_int_equal(got->created_at, out->created_at);
    char *sql_name = pt_str("SELECT username FROM users WHERE id = %d", out->id);
    assert_string_equal(sql_name, name);
    assert_int_equal(pt_num("SELECT char_length(username) FROM users WHERE id = %d", out->id), 255);
    free(sql_name);
    pinky_user_free(got);

    got = NULL;
    pt_ok(pinky_user_get_by_username(db, name, &got));
    assert_int_equal(got->id, out->id);
    pinky_user_free(got);

    /* update two fields; the others stay; updated_at moves */
    pinky_user ch;
    pinky_user_init(&ch);
    ch.last_name = "Ng";
    ch.first_name = NULL;
    pinky_user *upd = NULL;
    pt_ok(pinky_user_update(db, out->id, &ch, PINKY_USER_LAST_NAME | PINKY_USER_FIRST_NAME,
                            &out->updated_at, &upd));
    assert_string_equal(upd->last_name, "Ng");
    assert_null(upd->first_name);
    assert_string_equal(upd->email, u.email);
    assert_true(upd->updated_at > out->updated_at);
    assert_int_equal(upd->created_at, out->created_at);

    /* a stale expected updated_at is CONFLICT and writes nothing */
    ch.last_name = "Stale";
    pt_status(pinky_user_update(db, out->id, &ch, PINKY_USER_LAST_NAME, &out->updated_at, NULL),
              PINKY_CONFLICT);
    pt_error_names("updated_at");
    char *ln = pt_str("SELECT last_name FROM users WHERE id = %d", out->id);
    assert_string_equal(ln, "Ng");
    free(ln);

    pt_ok(pinky_user_delete(db, out->id));
    pt_status(pinky_user_get(db, out->id, &got), PINKY_NOT_FOUND);
    assert_null(got);
    pt_status(pinky_user_delete(db, out->id), PINKY_NOT_FOUND);
    pt_status(pinky_user_update(db, out->id, &ch, PINKY_USER_LAST_NAME, NULL, NULL), PINKY_NOT_FOUND);
    pinky_user_free(upd);
    pinky_user_free(out);
    free(name);
}

static void test_user_bad_input(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    long long before = pt_num("SELECT count(*) FROM users");
    pinky_user u;
    pinky_user_init(&u);
    pinky_user *out = (pinky_user *)0x1;

    pt_status(pinky_user_create(NULL, &u, &out), PINKY_INVALID);
    pt_error_names("db");
    pt_status(pinky_user_create(db, NULL, &out), PINKY_INVALID);

    u.username = NULL;
    pt_status(pinky_user_create(db, &u, &out), PINKY_INVALID);
    pt_error_names("username");
    assert_null(out);
    assert_string_equal(pinky_error_last()->field, "user.username");

    u.username = "";
    pt_status(pinky_user_create(db, &u, &out), PINKY_INVALID);
    pt_error_names("username");

    char *long_name = pt_repeat("é", 256);
    u.username = long_name;
    pt_status(pinky_user_create(db, &u, &out), PINKY_INVALID);
    pt_error_names("username");
    assert_non_null(strstr(pinky_error_last()->message, "256"));

    u.username = "bad\xC3\x28utf8";
    pt_status(pinky_user_create(db, &u, &out), PINKY_INVALID);
    pt_error_names("username");
    assert_non_null(strstr(pinky_error_last()->message, "UTF-8"));

    u.username = (char *)pt_unique("ok");
    char *long_mail = pt_repeat("m", 256);
    u.email = long_mail;
    pt_status(pinky_user_create(db, &u, &out), PINKY_INVALID);
    pt_error_names("email");

    u.email = NULL;
    u.struct_size = 12;
    pt_status(pinky_user_create(db, &u, &out), PINKY_INVALID);
    pt_error_names("struct_size");

    pinky_user_init(&u);
    u.username = "x";
    pt_status(pinky_user_update(db, 1, &u, 0, NULL, NULL), PINKY_INVALID);
    pt_error_names("mask");
    pt_status(pinky_user_update(db, 1, &u, UINT64_C(1) << 40, NULL, NULL), PINKY_INVALID);
    pt_error_names("mask");
    u.username = NULL;
    pt_status(pinky_user_update(db, 1, &u, PINKY_USER_USERNAME, NULL, NULL), PINKY_INVALID);
    pt_error_names("username");
    pt_status(pinky_user_get(db, 1, NULL), PINKY_INVALID);
    pt_status(pinky_user_get_by_username(db, NULL, &out), PINKY_INVALID);

    assert_int_equal(pt_num("SELECT count(*) FROM users"), before);
    free(long_name);
    free(long_mail);
}

static void test_user_conflicts(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    pinky_user u;
    pinky_user_init(&u);
    char name[128], mail[128];
    snprintf(name, sizeof name, "%s", pt_unique("dup"));
    snprintf(mail, sizeof mail, "%s@example.invalid", pt_unique("dup"));
    u.username = name;
    u.email = mail;
    pinky_user *a = NULL;
    pt_ok(pinky_user_create(db, &u, &a));
    pt_status(pinky_user_create(db, &u, NULL), PINKY_CONFLICT);
    assert_string_equal(pinky_error_last()->constraint_name, "users_username_key");
    assert_string_equal(pinky_error_last()->sqlstate, "23505");
    pt_error_names("users_username_key");
    char other[128];
    snprintf(other, sizeof other, "%s", pt_unique("dup"));
    u.username = other;
    pt_status(pinky_user_create(db, &u, NULL), PINKY_CONFLICT);
    assert_string_equal(pinky_error_last()->constraint_name, "users_email_key");
    assert_int_equal(users_named(other), 0);
    assert_int_equal(users_named(name), 1);
    pinky_user_free(a);
}

static void test_user_list_pagination(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    char tag[64];
    snprintf(tag, sizeof tag, "%s", pt_unique("page"));
    enum { N = 1000 };
    int32_t ids[N];
    for (int i = 0; i < N; i++) {
        char name[128];
        snprintf(name, sizeof name, "%s-%03d", tag, i);
        pinky_user u;
        pinky_user_init(&u);
        u.username = name;
        pinky_user *out = NULL;
        pt_ok(pinky_user_create(db, &u, &out));
        ids[i] = out->id;
        pinky_user_free(out);
    }
    pinky_user_filter f;
    pinky_user_filter_init(&f);
    f.limit = 64;
    f.username_contains = tag;
    int seen = 0, pages = 0;
    char *cursor = NULL;
    for (;;) {
        f.cursor = cursor;
        pinky_user_page *p = NULL;
        pt_ok(pinky_user_list(db, &f, &p));
        pages++;
        for (size_t i = 0; i < p->count; i++) {
            assert_true(seen < N);
            assert_int_equal(p->items[i]->id, ids[seen]); /* id order, each exactly once */
            seen++;
        }
        free(cursor);
        cursor = p->next_cursor ? strdup(p->next_cursor) : NULL;
        pinky_user_page_free(p);
        if (cursor == NULL)
            break;
    }
    assert_int_equal(seen, N);
    assert_int_equal(pages, (N + 63) / 64);
    /* case-insensitive filter; bad cursor and limit */
    for (char *c = tag; *c; c++)
        *c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
    f.cursor = NULL;
    f.limit = 1000;
    pinky_user_page *p = NULL;
    pt_ok(pinky_user_list(db, &f, &p));
    assert_int_equal(p->count, N);
    assert_null(p->next_cursor);
    assert_int_equal(p->items[N - 1]->id, ids[N - 1]);
    pinky_user_page_free(p);
    f.cursor = "not-a-cursor!";
    pt_status(pinky_user_list(db, &f, &p), PINKY_INVALID);
    pt_error_names("cursor");
    /* a real cursor altered by hand: refused before anything is sent */
    f.cursor = NULL;
    f.limit = 10;
    pt_ok(pinky_user_list(db, &f, &p));
    assert_non_null(p->next_cursor);
    char *bent = strdup(p->next_cursor);
    pinky_user_page_free(p);
    bent[5] = bent[5] == 'A' ? 'B' : 'A';
    f.cursor = bent;
    pt_status(pinky_user_list(db, &f, &p), PINKY_INVALID);
    pt_error_names("cursor");
    assert_string_equal(pinky_error_last()->sqlstate, "");
    free(bent);
    f.cursor = NULL;
    f.limit = 1001;
    pt_status(pinky_user_list(db, &f, &p), PINKY_INVALID);
    pt_error_names("limit");
}

static void test_preferences(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    pinky_user_preference *p = NULL;
    pt_ok(pinky_user_preference_set(db, uid, "theme", "{\"mode\": \"dark\", \"size\": 12}", &p));
    assert_int_equal(p->user_id, uid);
    assert_string_equal(p->preference_key, "theme");
    assert_string_equal(p->preference_value, "{\"mode\": \"dark\", \"size\": 12}");
    pinky_time created = p->created_at;
    pinky_user_preference_free(p);
    /* upsert replaces the value, keeps created_at */
    pt_ok(pinky_user_preference_set(db, uid, "theme", "[1, 2.5, \"π\"]", &p));
    assert_string_equal(p->preference_value, "[1, 2.5, \"π\"]");
    assert_int_equal(p->created_at, created);
    assert_true(p->updated_at > created);
    pinky_user_preference_free(p);
    pt_ok(pinky_user_preference_set(db, uid, "lang", "\"fr\"", NULL));
    pt_ok(pinky_user_preference_set(db, uid, "zz.last", "null", NULL));
    assert_int_equal(pt_num("SELECT count(*) FROM user_preferences WHERE user_id = %d", uid), 3);
    char *v = pt_str("SELECT preference_value->>2 FROM user_preferences WHERE user_id = %d AND preference_key = 'theme'", uid);
    assert_string_equal(v, "π");
    free(v);

    pt_ok(pinky_user_preference_get(db, uid, "lang", &p));
    assert_string_equal(p->preference_value, "\"fr\"");
    pinky_user_preference_free(p);

    pinky_user_preference_page *pg = NULL;
    pt_ok(pinky_user_preference_list(db, uid, NULL, &pg));
    assert_int_equal(pg->count, 3);
    assert_string_equal(pg->items[0]->preference_key, "lang");
    assert_string_equal(pg->items[1]->preference_key, "theme");
    assert_string_equal(pg->items[2]->preference_key, "zz.last");
    pinky_user_preference_page_free(pg);
    pinky_user_preference_filter f;
    pinky_user_preference_filter_init(&f);
    f.key_prefix = "zz.";
    pt_ok(pinky_user_preference_list(db, uid, &f, &pg));
    assert_int_equal(pg->count, 1);
    assert_string_equal(pg->items[0]->preference_value, "null");
    pinky_user_preference_page_free(pg);

    /* 1,000 preferences page in key order, each exactly once */
    int32_t many = pt_user();
    for (int i = 0; i < 1000; i++) {
        char key[32];
        snprintf(key, sizeof key, "k%04d", 999 - i); /* inserted in reverse key order */
        pt_ok(pinky_user_preference_set(db, many, key, "true", NULL));
    }
    f.key_prefix = NULL;
    f.limit = 64;
    int seen = 0;
    char *cur = NULL;
    do {
        f.cursor = cur;
        pt_ok(pinky_user_preference_list(db, many, &f, &pg));
        for (size_t i = 0; i < pg->count; i++, seen++) {
            char want[32];
            snprintf(want, sizeof want, "k%04d", seen);
            assert_string_equal(pg->items[i]->preference_key, want);
        }
        free(cur);
        cur = pg->next_cursor ? strdup(pg->next_cursor) : NULL;
        pinky_user_preference_page_free(pg);
    } while (cur);
    assert_int_equal(seen, 1000);

    /* another user sees nothing of these */
    int32_t other = pt_user();
    pt_status(pinky_user_preference_get(db, other, "lang", &p), PINKY_NOT_FOUND);
    pt_status(pinky_user_preference_delete(db, other, "lang"), PINKY_NOT_FOUND);
    pt_ok(pinky_user_preference_list(db, other, NULL, &pg));
    assert_int_equal(pg->count, 0);
    pinky_user_preference_page_free(pg);

    /* bad values: nothing written */
    const char *bad[] = {"", "{", "{\"a\":1} x", "{'a':1}", "[1,]", "\"\\u0000\"", "\"\\ud800\"",
                         "\"\\udc00x\"", "\"\xff\"", NULL};
    for (int i = 0; bad[i]; i++) {
        pt_status(pinky_user_preference_set(db, uid, "lang", bad[i], NULL), PINKY_INVALID);
        pt_error_names("preference_value");
    }
    pt_status(pinky_user_preference_set(db, uid, NULL, "1", NULL), PINKY_INVALID);
    pt_error_names("preference_key");
    pt_status(pinky_user_preference_set(db, uid, "lang", NULL, NULL), PINKY_INVALID);
    pt_error_names("preference_value");
    char *lv = pt_str("SELECT preference_value::text FROM user_preferences WHERE user_id = %d AND preference_key = 'lang'", uid);
    assert_string_equal(lv, "\"fr\"");
    free(lv);
    /* a user that does not exist */
    pt_status(pinky_user_preference_set(db, 2000000000, "lang", "1", NULL), PINKY_NOT_FOUND);
    pt_error_names("user");

    pt_ok(pinky_user_preference_delete(db, uid, "lang"));
    pt_status(pinky_user_preference_get(db, uid, "lang", &p), PINKY_NOT_FOUND);
    /* deleting the user cascades */
    pt_ok(pinky_user_delete(db, uid));
    assert_int_equal(pt_num("SELECT count(*) FROM user_preferences WHERE user_id = %d", uid), 0);
}

static void test_delete_user_with_documents(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t owner = pt_user(), author = pt_user();
    pinky_document d;
    pinky_document_init(&d);
    d.title = "Deed";
    d.path = "/deed.pdf";
    d.platform = "UBUNTU";
    pinky_document *doc = NULL;
    pt_ok(pinky_document_create(db, owner, &d, &doc));
    pinky_document_version v;
    pinky_document_version_init(&v);
    v.document_id = doc->id;
    v.version_number = 2;
    v.path = "/deed-2.pdf";
    v.created_by = pinky_i32(author);
    pt_ok(pinky_document_version_create(db, owner, &v, NULL));
    char did[PINKY_UUID_STRLEN];
    pinky_uuid_format(&doc->id, did);
    /* the author of a version in someone else's document can be deleted */
    pt_ok(pinky_user_delete(db, author));
    assert_int_equal(pt_num("SELECT count(*) FROM document_versions WHERE document_id = '%s' AND created_by IS NULL", did), 1);
    /* the owner of documents (and of their first versions) too: cascade */
    pt_ok(pinky_user_delete(db, owner));
    assert_int_equal(pt_num("SELECT count(*) FROM documents WHERE id = '%s'", did), 0);
    assert_int_equal(pt_num("SELECT count(*) FROM document_versions WHERE document_id = '%s'", did), 0);
    pt_status(pinky_user_delete(db, owner), PINKY_NOT_FOUND);
    pinky_document_free(doc);
}

static void test_timestamps_independent_of_tz(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    setenv("TZ", "America/New_York", 1);
    tzset();
    int32_t uid = pt_user();
    pinky_user *u = NULL;
    pt_ok(pinky_user_get(db, uid, &u));
    long long epoch_us = pt_num("SELECT (extract(epoch FROM created_at) * 1000000)::bigint FROM users WHERE id = %d", uid);
    assert_int_equal(u->created_at, epoch_us);
    char buf[PINKY_TIME_STRLEN];
    pinky_time_format(u->created_at, buf);
    char *server = pt_str("SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') FROM users WHERE id = %d", uid);
    assert_memory_equal(buf, server, strlen(server));
    free(server);
    pinky_user_free(u);
    unsetenv("TZ");
    tzset();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_user_round_trip),
        cmocka_unit_test(test_user_bad_input),
        cmocka_unit_test(test_user_conflicts),
        cmocka_unit_test(test_user_list_pagination),
        cmocka_unit_test(test_preferences),
        cmocka_unit_test(test_delete_user_with_documents),
        cmocka_unit_test(test_timestamps_independent_of_tz),
    };
    return cmocka_run_group_tests_name("users", tests, NULL, NULL);
}
