/*
 * Unit tests for lib/core: status names, the per-thread error, UTF-8 and
 * JSON validation, UUIDs, times, decimals, SHA-256, base64url, the string
 * builder and the swappable allocator.  No database.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/core.h"

/* ---- helpers ------------------------------------------------------------ */

/* A string of n copies of unit. */
static char *repeat(const char *unit, size_t n)
{
    size_t u = strlen(unit);
    char *s = malloc(u * n + 1);
    assert_non_null(s);
    for (size_t i = 0; i < n; i++)
        memcpy(s + i * u, unit, u);
    s[u * n] = '\0';
    return s;
}

/* A small deterministic PRNG (xorshift64*), so failures are reproducible. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

static void assert_error(pinky_status status, const char *field)
{
    const pinky_error *e = pinky_error_last();
    assert_int_equal(e->status, status);
    assert_string_equal(e->field, field);
}

static void assert_all_strings_empty_but_message(const pinky_error *e)
{
    assert_non_null(e->message);
    assert_string_equal(e->sqlstate, "");
    assert_string_equal(e->detail, "");
    assert_string_equal(e->hint, "");
    assert_string_equal(e->constraint_name, "");
    assert_string_equal(e->table_name, "");
    assert_string_equal(e->column_name, "");
}

/* ---- status names and errors --------------------------------------------- */

static void test_status_str(void **state)
{
    (void)state;
    static const struct {
        pinky_status st;
        const char *name;
    } names[] = {
        {PINKY_OK, "OK"},
        {PINKY_NOT_FOUND, "NOT_FOUND"},
        {PINKY_INVALID, "INVALID"},
        {PINKY_CONFLICT, "CONFLICT"},
        {PINKY_CONSTRAINT, "CONSTRAINT"},
        {PINKY_CONNECTION, "CONNECTION"},
        {PINKY_TIMEOUT, "TIMEOUT"},
        {PINKY_BUSY, "BUSY"},
        {PINKY_NO_MEMORY, "NO_MEMORY"},
        {PINKY_SERIALIZATION, "SERIALIZATION"},
        {PINKY_MIGRATION, "MIGRATION"},
        {PINKY_SERVER, "SERVER"},
        {PINKY_STATE, "STATE"},
        {PINKY_INTERNAL, "INTERNAL"},
    };
    for (size_t i = 0; i < PK_ARRAY_LEN(names); i++)
        assert_string_equal(pinky_status_str(names[i].st), names[i].name);
    /* The fixed numeric values never change. */
    assert_int_equal(PINKY_OK, 0);
    assert_int_equal(PINKY_INTERNAL, 13);
    assert_string_equal(pinky_status_str((pinky_status)14), "UNKNOWN");
    assert_string_equal(pinky_status_str((pinky_status)1000), "UNKNOWN");
    assert_string_equal(pinky_status_str((pinky_status)-1), "UNKNOWN");
    assert_string_equal(pinky_version(), PINKY_VERSION_STRING);
}

static void test_error_initial_and_clear(void **state)
{
    (void)state;
    pinky_error_clear();
    const pinky_error *e = pinky_error_last();
    assert_non_null(e);
    assert_int_equal(e->status, PINKY_OK);
    assert_string_equal(e->message, "");
    assert_string_equal(e->field, "");
    assert_all_strings_empty_but_message(e);

    assert_int_equal(pk_err(PINKY_INVALID, "name", "name: too long (%d > %d)", 300, 255),
                     PINKY_INVALID);
    e = pinky_error_last();
    assert_int_equal(e->status, PINKY_INVALID);
    assert_string_equal(e->field, "name");
    assert_string_equal(e->message, "name: too long (300 > 255)");
    assert_all_strings_empty_but_message(e);
    assert_int_equal(pk_err_status(), PINKY_INVALID);

    /* NULL field: "" never NULL */
    assert_int_equal(pk_err(PINKY_BUSY, NULL, "no connection"), PINKY_BUSY);
    e = pinky_error_last();
    assert_int_equal(e->status, PINKY_BUSY);
    assert_string_equal(e->field, "");
    assert_string_equal(e->message, "no connection");

    assert_int_equal(pk_err_nomem(), PINKY_NO_MEMORY);
    assert_error(PINKY_NO_MEMORY, "");
    assert_string_equal(pinky_error_last()->message, "out of memory");

    pk_err_prefix("users.create");
    assert_string_equal(pinky_error_last()->message, "users.create: out of memory");
    assert_int_equal(pinky_error_last()->status, PINKY_NO_MEMORY);

    pinky_error_clear();
    e = pinky_error_last();
    assert_int_equal(e->status, PINKY_OK);
    assert_string_equal(e->message, "");
    assert_string_equal(e->field, "");
    assert_all_strings_empty_but_message(e);
}

static void test_error_server_fields(void **state)
{
    (void)state;
    pk_server_error se = {"23505", "duplicate key value", "Key (email)=(a@b) exists.",
                          "use another", "users_email_key", "users", "email"};
    assert_int_equal(pk_err_server(PINKY_CONFLICT, &se), PINKY_CONFLICT);
    const pinky_error *e = pinky_error_last();
    assert_int_equal(e->status, PINKY_CONFLICT);
    assert_string_equal(e->sqlstate, "23505");
    assert_string_equal(e->message, "duplicate key value");
    assert_string_equal(e->detail, "Key (email)=(a@b) exists.");
    assert_string_equal(e->hint, "use another");
    assert_string_equal(e->constraint_name, "users_email_key");
    assert_string_equal(e->table_name, "users");
    assert_string_equal(e->column_name, "email");
    assert_string_equal(e->field, "email");

    pinky_error *c = pinky_error_copy(e);
    assert_non_null(c);
    pinky_error_clear();
    assert_int_equal(c->status, PINKY_CONFLICT);
    assert_string_equal(c->sqlstate, "23505");
    assert_string_equal(c->message, "duplicate key value");
    assert_string_equal(c->detail, "Key (email)=(a@b) exists.");
    assert_string_equal(c->hint, "use another");
    assert_string_equal(c->constraint_name, "users_email_key");
    assert_string_equal(c->table_name, "users");
    assert_string_equal(c->column_name, "email");
    assert_string_equal(c->field, "email");
    pinky_error_free(c);

    /* all-NULL server error: a default message, every string "" */
    pk_server_error none = {0};
    assert_int_equal(pk_err_server(PINKY_SERVER, &none), PINKY_SERVER);
    e = pinky_error_last();
    assert_string_equal(e->message, "server error");
    assert_string_equal(e->field, "");
    assert_all_strings_empty_but_message(e);

    /* an over-long sqlstate is cut to five characters */
    pk_server_error longstate = {"XX0001234", "m", NULL, NULL, NULL, NULL, NULL};
    pk_err_server(PINKY_SERVER, &longstate);
    assert_string_equal(pinky_error_last()->sqlstate, "XX000");
}

static void test_error_copy(void **state)
{
    (void)state;
    pk_err(PINKY_INVALID, "email", "email: \"%s\" is not an address", "nope");
    pinky_error *c = pinky_error_copy(pinky_error_last());
    assert_non_null(c);
    /* a later error does not touch the copy */
    pk_err(PINKY_NOT_FOUND, "id", "no such user");
    assert_int_equal(c->status, PINKY_INVALID);
    assert_string_equal(c->field, "email");
    assert_string_equal(c->message, "email: \"nope\" is not an address");
    assert_all_strings_empty_but_message(c);
    /* and the copy does not alias the thread's error */
    assert_ptr_not_equal(c->message, pinky_error_last()->message);
    assert_error(PINKY_NOT_FOUND, "id");
    assert_string_equal(pinky_error_last()->message, "no such user");
    pinky_error_free(c);

    /* a struct with NULL strings copies as "" */
    pinky_error raw = {PINKY_STATE, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    c = pinky_error_copy(&raw);
    assert_non_null(c);
    assert_int_equal(c->status, PINKY_STATE);
    assert_string_equal(c->message, "");
    assert_string_equal(c->field, "");
    assert_all_strings_empty_but_message(c);
    pinky_error_free(c);

    assert_null(pinky_error_copy(NULL));
    pinky_error_free(NULL); /* harmless */
}

static void test_error_long_message_truncated(void **state)
{
    (void)state;
    char *big = repeat("x", 5000);
    pk_err(PINKY_INVALID, "f", "%s", big);
    assert_int_equal(strlen(pinky_error_last()->message), 1023);
    /* an over-long field is cut at 127 bytes, never inside a UTF-8 sequence */
    char *field = repeat("\xc3\xa9", 100); /* 200 bytes */
    pk_err(PINKY_INVALID, field, "m");
    const char *f = pinky_error_last()->field;
    assert_int_equal(strlen(f), 126);
    assert_int_equal(pk_utf8_count(f, strlen(f)), 63);
    free(field);
    free(big);
}

/* Each thread sets its own error, waits until the other has set its own,
   then reads it back. */
typedef struct thread_case {
    pthread_barrier_t *barrier;
    pinky_status status;
    const char *field;
    const char *message;
    bool ok;
    const pinky_error *seen;
} thread_case;

static void *error_thread(void *arg)
{
    thread_case *tc = arg;
    bool ok = pinky_error_last()->status == PINKY_OK; /* starts clear */
    pk_err(tc->status, tc->field, "%s", tc->message);
    pthread_barrier_wait(tc->barrier); /* both have set their error */
    const pinky_error *e = pinky_error_last();
    ok = ok && e->status == tc->status && strcmp(e->field, tc->field) == 0 &&
         strcmp(e->message, tc->message) == 0;
    pthread_barrier_wait(tc->barrier); /* both have checked */
    pk_err(PINKY_INTERNAL, tc->field, "%s again", tc->field);
    pthread_barrier_wait(tc->barrier); /* both have set a second error */
    char want[64];
    snprintf(want, sizeof want, "%s again", tc->field);
    e = pinky_error_last();
    ok = ok && e->status == PINKY_INTERNAL && strcmp(e->field, tc->field) == 0 &&
         strcmp(e->message, want) == 0;
    tc->ok = ok;
    tc->seen = e;
    return NULL;
}

static void test_error_per_thread(void **state)
{
    (void)state;
    pk_err(PINKY_TIMEOUT, "main", "main thread error");
    pthread_barrier_t barrier;
    assert_int_equal(pthread_barrier_init(&barrier, NULL, 2), 0);
    thread_case a = {&barrier, PINKY_INVALID, "alpha", "alpha failed", false, NULL};
    thread_case b = {&barrier, PINKY_CONFLICT, "beta", "beta failed", false, NULL};
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, error_thread, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, error_thread, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    pthread_barrier_destroy(&barrier);
    assert_true(a.ok);
    assert_true(b.ok);
    assert_ptr_not_equal(a.seen, b.seen);
    assert_error(PINKY_TIMEOUT, "main");
    assert_string_equal(pinky_error_last()->message, "main thread error");
}

/* ---- UTF-8 and text ------------------------------------------------------ */

static void test_utf8_count(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        long n;
    } ok[] = {
        {"", 0},
        {"abc", 3},
        {"\x7f", 1},
        {"\xc2\x80", 1},           /* U+0080 */
        {"\xc3\xa9", 1},           /* é */
        {"\xdf\xbf", 1},           /* U+07FF */
        {"\xe0\xa0\x80", 1},       /* U+0800 */
        {"\xe2\x82\xac", 1},       /* € */
        {"\xed\x9f\xbf", 1},       /* U+D7FF */
        {"\xee\x80\x80", 1},       /* U+E000 */
        {"\xef\xbf\xbf", 1},       /* U+FFFF */
        {"\xf0\x90\x80\x80", 1},   /* U+10000 */
        {"\xf0\x9f\x98\x80", 1},   /* 😀 */
        {"\xf4\x8f\xbf\xbf", 1},   /* U+10FFFF */
        {"a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z", 5},
    };
    for (size_t i = 0; i < PK_ARRAY_LEN(ok); i++)
        assert_int_equal(pk_utf8_count(ok[i].s, strlen(ok[i].s)), ok[i].n);

    static const char *const bad[] = {
        "\x80",                 /* bare continuation byte */
        "a\xbf",                /* bare continuation byte after ASCII */
        "\xc3",                 /* truncated 2-byte sequence */
        "\xc3z",                /* lead byte followed by ASCII */
        "\xe2\x82",             /* truncated 3-byte sequence */
        "\xf0\x9f\x98",         /* truncated 4-byte sequence */
        "\xc0\xaf",             /* overlong '/' */
        "\xc1\xbf",             /* overlong */
        "\xe0\x80\xaf",         /* overlong 3-byte */
        "\xe0\x9f\xbf",         /* overlong 3-byte (U+07FF) */
        "\xf0\x80\x80\xaf",     /* overlong 4-byte */
        "\xf0\x8f\xbf\xbf",     /* overlong 4-byte (U+FFFF) */
        "\xed\xa0\x80",         /* surrogate U+D800 */
        "\xed\xbf\xbf",         /* surrogate U+DFFF */
        "\xf4\x90\x80\x80",     /* U+110000 */
        "\xf5\x80\x80\x80",     /* beyond U+10FFFF */
        "\xf8\x88\x80\x80\x80", /* 5-byte form */
        "\xfe",
        "\xff",
    };
    for (size_t i = 0; i < PK_ARRAY_LEN(bad); i++)
        assert_int_equal(pk_utf8_count(bad[i], strlen(bad[i])), -1);

    /* the length bounds the scan: a sequence cut by len is truncated */
    assert_int_equal(pk_utf8_count("\xc3\xa9", 1), -1);
    assert_int_equal(pk_utf8_count("ab\xc3\xa9", 2), 2);
    /* a NUL inside the length is refused */
    assert_int_equal(pk_utf8_count("a\0b", 3), -1);
}

static void test_check_text(void **state)
{
    (void)state;
    assert_int_equal(pk_check_text("name", "hello", 5), PINKY_OK);
    assert_int_equal(pk_check_text("name", "", 5), PINKY_OK);
    assert_int_equal(pk_check_text("name", "anything at all, unlimited", 0), PINKY_OK);

    assert_int_equal(pk_check_text("name", "hello!", 5), PINKY_INVALID);
    assert_error(PINKY_INVALID, "name");
    assert_string_equal(pinky_error_last()->message, "name: 6 characters, at most 5 allowed");

    /* characters, not bytes */
    char *s255 = repeat("\xc3\xa9", 255);
    char *s256 = repeat("\xc3\xa9", 256);
    assert_int_equal(strlen(s255), 510);
    pinky_error_clear();
    assert_int_equal(pk_check_text("title", s255, 255), PINKY_OK);
    assert_int_equal(pinky_error_last()->status, PINKY_OK); /* success leaves it alone */
    assert_int_equal(pk_check_text("title", s256, 255), PINKY_INVALID);
    assert_error(PINKY_INVALID, "title");
    const char *msg = pinky_error_last()->message;
    assert_string_equal(msg, "title: 256 characters, at most 255 allowed");
    assert_non_null(strstr(msg, "title"));
    assert_non_null(strstr(msg, "256"));
    free(s255);
    free(s256);

    char *e255 = repeat("\xf0\x9f\x98\x80", 255); /* 4-byte characters */
    assert_int_equal(pk_check_text("title", e255, 255), PINKY_OK);
    free(e255);

    static const char *const bad[] = {
        "\x80", "ok\xc3", "\xe2\x82", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xff",
    };
    for (size_t i = 0; i < PK_ARRAY_LEN(bad); i++) {
        assert_int_equal(pk_check_text("bio", bad[i], 0), PINKY_INVALID);
        assert_error(PINKY_INVALID, "bio");
        assert_string_equal(pinky_error_last()->message, "bio: not valid UTF-8");
    }
}

/* ---- JSON ---------------------------------------------------------------- */

static void test_json_valid(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "{}",
        "[]",
        "{\"a\":[1,2,{\"b\":null}],\"c\":\"d\",\"e\":true,\"f\":false}",
        "[1, -2, 3.5, \"x\", [], {}]",
        "42",
        "-1.5e3",
        "0",
        "-0",
        "0.5",
        "1E+2",
        "1e-2",
        "-0.0e-0",
        "123456789012345678901234567890", /* JSONB keeps it as numeric */
        "1e400",
        "true",
        "false",
        "null",
        "\"s\"",
        "\"\"",
        " \t\r\n{}\r\n\t ",
        "  42  ",
        "\n\"s\"\n",
        "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
        "\"\\u00e9\\u20AC\"",
        "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"", /* raw UTF-8 */
        "\"\\\\u0000\"",                            /* an escaped backslash, then text */
        "{\"a\":1,\"a\":2}",                        /* duplicate keys: JSONB keeps the last */
        "{ \"k\" : [ 1 , 2 ] }",
    };
    for (size_t i = 0; i < PK_ARRAY_LEN(ok); i++) {
        pinky_status st = pk_check_json("doc", ok[i]);
        if (st != PINKY_OK)
            fail_msg("rejected %s: %s", ok[i], pinky_error_last()->message);
    }
}

static void test_json_invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        " ",
        "{} x",
        "{}x",
        "[1] [2]",
        "{\"a\":1}{}",
        "1 2",
        "{a:1}",            /* unquoted key */
        "'a'",              /* single quotes */
        "['a']",
        "{'a':1}",          /* json-c accepts this one even in strict mode */
        "[1,]",             /* trailing commas */
        "{\"a\":1,}",
        "[1,,2]",
        "[,1]",
        "{\"a\" 1}",
        "[\"a\" \"b\"]",
        "[1}",
        "{\"a\":1]",
        "[",
        "{",
        "\"abc",
        "NaN",              /* json-c accepts NaN and Infinity */
        "Infinity",
        "-Infinity",
        "nan",
        "TRUE",
        "True",
        "nul",
        "nulll",
        "tru",
        "01",               /* leading zeros */
        "-01",              /* json-c accepts this one */
        "1.",               /* json-c accepts this one */
        "1.e5",             /* json-c accepts this one */
        ".5",
        "+1",
        "-",
        "1e",
        "1e+",
        "0x10",
        "\"a\nb\"",         /* raw control characters: json-c accepts them */
        "\"a\tb\"",
        "\"\x01\"",
        "\"\\x\"",          /* bad escapes */
        "\"\\U0041\"",
        "\"\\u12\"",
        "\"\\u12G4\"",
        "\f1",              /* form feed is not JSON whitespace */
        "1\f",
        "\v1",
        "[1]/*c*/",         /* no comments */
        "//c\n1",
    };
    for (size_t i = 0; i < PK_ARRAY_LEN(bad); i++) {
        pinky_status st = pk_check_json("doc", bad[i]);
        if (st != PINKY_INVALID)
            fail_msg("accepted %s", bad[i]);
        assert_error(PINKY_INVALID, "doc");
        assert_non_null(strstr(pinky_error_last()->message, "doc"));
    }
    assert_int_equal(pk_check_json("doc", NULL), PINKY_INVALID);
    assert_error(PINKY_INVALID, "doc");
}

static void test_json_escapes_and_surrogates(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "\"\\u0000\"",
        "\"a\\u0000b\"",
        "{\"\\u0000\":1}",
        "[\"ok\", \"\\u0000\"]",
        "\"\\ud800\"",            /* lone high surrogate */
        "\"\\uDBFF\"",
        "\"\\udc00\"",            /* lone low surrogate */
        "\"\\uDFFF\"",
        "\"\\ud800\\u0041\"",     /* high surrogate followed by a non-low escape */
        "\"\\ud800\\ud800\"",     /* high followed by high */
        "\"\\ud800x\"",           /* high followed by text */
        "\"\\ud800\\n\"",
        "\"\\ude00\\ud83d\"",     /* the pair reversed */
        "{\"\\ud800\":1}",
    };
    for (size_t i = 0; i < PK_ARRAY_LEN(bad); i++) {
        pinky_status st = pk_check_json("payload", bad[i]);
        if (st != PINKY_INVALID)
            fail_msg("accepted %s", bad[i]);
        assert_error(PINKY_INVALID, "payload");
        assert_non_null(strstr(pinky_error_last()->message, "payload"));
    }
    static const char *const ok[] = {
        "\"\\ud83d\\ude00\"", /* a valid pair: U+1F600 */
        "\"\\uD83D\\uDE00\"",
        "\"\\udbff\\udfff\"", /* U+10FFFF */
        "\"\\ud800\\udc00\"", /* U+10000 */
        "\"\\u0001\"",
        "\"\\uffff\"",
        "{\"\\ud83d\\ude00\":\"\\ud83d\\ude00\"}",
    };
    for (size_t i = 0; i < PK_ARRAY_LEN(ok); i++) {
        pinky_status st = pk_check_json("payload", ok[i]);
        if (st != PINKY_OK)
            fail_msg("rejected %s: %s", ok[i], pinky_error_last()->message);
    }
}

static void test_json_invalid_utf8(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "\"\xff\"", "\"\xc3\"", "\"\x80\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "{\"\xff\":1}",
        "[\"a\", \"\xf4\x90\x80\x80\"]",
    };
    for (size_t i = 0; i < PK_ARRAY_LEN(bad); i++) {
        assert_int_equal(pk_check_json("doc", bad[i]), PINKY_INVALID);
        assert_error(PINKY_INVALID, "doc");
        assert_string_equal(pinky_error_last()->message, "doc: JSON is not valid UTF-8");
    }
}

static char *nested(const char *open, const char *inner, const char *close, size_t depth)
{
    size_t lo = strlen(open), li = strlen(inner), lc = strlen(close);
    char *s = malloc(depth * (lo + lc) + li + 1);
    assert_non_null(s);
    char *p = s;
    for (size_t i = 0; i < depth; i++, p += lo)
        memcpy(p, open, lo);
    memcpy(p, inner, li);
    p += li;
    for (size_t i = 0; i < depth; i++, p += lc)
        memcpy(p, close, lc);
    *p = '\0';
    return s;
}

static void test_json_nesting(void **state)
{
    (void)state;
    char *s = nested("[", "1", "]", 500);
    assert_int_equal(pk_check_json("doc", s), PINKY_OK);
    assert_int_equal(pk_check_json_array("doc", s), PINKY_OK);
    free(s);
    s = nested("{\"a\":", "null", "}", 500);
    assert_int_equal(pk_check_json("doc", s), PINKY_OK);
    assert_int_equal(pk_check_json_object("doc", s), PINKY_OK);
    free(s);
    s = nested("[{\"k\":", "[]", "}]", 250); /* 500 levels, mixed */
    assert_int_equal(pk_check_json("doc", s), PINKY_OK);
    free(s);
    /* absurd depth is refused cleanly, without exhausting the stack */
    s = nested("[", "", "]", 100000);
    assert_int_equal(pk_check_json("doc", s), PINKY_INVALID);
    assert_error(PINKY_INVALID, "doc");
    free(s);
    /* an unbalanced deep document */
    s = nested("[", "", "", 400);
    assert_int_equal(pk_check_json("doc", s), PINKY_INVALID);
    free(s);
}

static void test_json_array_object(void **state)
{
    (void)state;
    assert_int_equal(pk_check_json_array("tags", "[]"), PINKY_OK);
    assert_int_equal(pk_check_json_array("tags", " [1, \"a\", {}] "), PINKY_OK);
    assert_int_equal(pk_check_json_object("meta", "{}"), PINKY_OK);
    assert_int_equal(pk_check_json_object("meta", " {\"a\": [1]} "), PINKY_OK);

    static const char *const not_array[] = {"{}", "1", "\"[]\"", "null", "true"};
    for (size_t i = 0; i < PK_ARRAY_LEN(not_array); i++) {
        assert_int_equal(pk_check_json_array("tags", not_array[i]), PINKY_INVALID);
        assert_error(PINKY_INVALID, "tags");
        assert_string_equal(pinky_error_last()->message, "tags: must be a JSON array");
    }
    static const char *const not_object[] = {"[]", "1", "\"{}\"", "null", "false"};
    for (size_t i = 0; i < PK_ARRAY_LEN(not_object); i++) {
        assert_int_equal(pk_check_json_object("meta", not_object[i]), PINKY_INVALID);
        assert_error(PINKY_INVALID, "meta");
        assert_string_equal(pinky_error_last()->message, "meta: must be a JSON object");
    }
    /* syntax errors are reported as such, naming the field */
    assert_int_equal(pk_check_json_array("tags", "[1,]"), PINKY_INVALID);
    assert_error(PINKY_INVALID, "tags");
    assert_non_null(strstr(pinky_error_last()->message, "tags"));
    assert_int_equal(pk_check_json_object("meta", "{\"a\":\"\\u0000\"}"), PINKY_INVALID);
    assert_error(PINKY_INVALID, "meta");
    assert_non_null(strstr(pinky_error_last()->message, "meta"));
    assert_int_equal(pk_check_json_object("meta", NULL), PINKY_INVALID);
    assert_error(PINKY_INVALID, "meta");
}

/* ---- UUID ---------------------------------------------------------------- */

static const uint8_t UUID_BYTES[16] = {0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8,
                                       0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38, 0x0a, 0x11};
#define UUID_CANON "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"

static void test_uuid_parse_forms(void **state)
{
    (void)state;
    static const char *const forms[] = {
        UUID_CANON,
        "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
        "A0eeBC99-9c0B-4Ef8-bB6d-6bb9BD380a11",
        "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
        "{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}",
        "a0eebc999c0b4ef8bb6d6bb9bd380a11",
        "{a0eebc999c0b4ef8bb6d6bb9bd380a11}",
        "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11",
        "{a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11}",
        "a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11",
        "a0eebc999c0b4ef8bb6d6bb9bd38-0a11",
    };
    for (size_t i = 0; i < PK_ARRAY_LEN(forms); i++) {
        pinky_uuid u;
        memset(&u, 0x55, sizeof u);
        pinky_status st = pinky_uuid_parse(forms[i], &u);
        if (st != PINKY_OK)
            fail_msg("rejected %s", forms[i]);
        assert_memory_equal(u.bytes, UUID_BYTES, 16);
        char buf[PINKY_UUID_STRLEN];
        memset(buf, 'X', sizeof buf);
        pinky_uuid_format(&u, buf);
        assert_string_equal(buf, UUID_CANON);
    }
    assert_int_equal(strlen(UUID_CANON) + 1, PINKY_UUID_STRLEN);

    pinky_uuid nil, maxu;
    assert_int_equal(pinky_uuid_parse("00000000-0000-0000-0000-000000000000", &nil), PINKY_OK);
    assert_true(pinky_uuid_is_nil(&nil));
    assert_int_equal(pinky_uuid_parse("FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", &maxu), PINKY_OK);
    char buf[PINKY_UUID_STRLEN];
    pinky_uuid_format(&maxu, buf);
    assert_string_equal(buf, "ffffffff-ffff-ffff-ffff-ffffffffffff");
}

static void test_uuid_parse_invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "{}",
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1",     /* short */
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a",
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a111",   /* long */
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1100",
        "a0eebc999c0b4ef8bb6d6bb9bd380a1",
        "g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",    /* bad characters */
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1z",
        "a0eebc99_9c0b-4ef8-bb6d-6bb9bd380a11",
        "a0eebc99 9c0b-4ef8-bb6d-6bb9bd380a11",
        "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",   /* unbalanced braces */
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
        "{{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}}",
        "(a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11)",
        "a0e-ebc99-9c0b-4ef8-bb6d-6bb9bd380a11",   /* hyphen after 3 digits */
        "a0eebc9-9-9c0b-4ef8-bb6d-6bb9bd380a11",
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a-11",
        "a0eebc99--9c0b-4ef8-bb6d-6bb9bd380a11",   /* doubled hyphen */
        "-a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",   /* leading/trailing hyphen */
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11-",
        "{-a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
        " a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",   /* spaces */
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11 ",
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\n",
        "0xa0eebc999c0b4ef8bb6d6bb9bd380a11",
    };
    for (size_t i = 0; i < PK_ARRAY_LEN(bad); i++) {
        pinky_uuid u;
        memset(&u, 0x55, sizeof u);
        pinky_status st = pinky_uuid_parse(bad[i], &u);
        if (st != PINKY_INVALID)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_error(PINKY_INVALID, "uuid");
        for (int k = 0; k < 16; k++) /* out untouched on failure */
            assert_int_equal(u.bytes[k], 0x55);
    }
    pinky_uuid u;
    assert_int_equal(pinky_uuid_parse(NULL, &u), PINKY_INVALID);
    assert_error(PINKY_INVALID, "uuid");
    assert_int_equal(pinky_uuid_parse(UUID_CANON, NULL), PINKY_INVALID);
}

static void test_uuid_generate_and_compare(void **state)
{
    (void)state;
    enum { N = 256 };
    pinky_uuid *u = calloc(N, sizeof *u);
    assert_non_null(u);
    for (int i = 0; i < N; i++) {
        pinky_uuid_generate(&u[i]);
        assert_int_equal(u[i].bytes[6] >> 4, 4);       /* version 4 */
        assert_int_equal(u[i].bytes[8] & 0xC0, 0x80);  /* RFC 4122 variant */
        assert_false(pinky_uuid_is_nil(&u[i]));
        char buf[PINKY_UUID_STRLEN];
        pinky_uuid_format(&u[i], buf);
        assert_int_equal(strlen(buf), 36);
        assert_int_equal(buf[14], '4');
        pinky_uuid back;
        assert_int_equal(pinky_uuid_parse(buf, &back), PINKY_OK);
        assert_true(pinky_uuid_equal(&u[i], &back));
    }
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++)
            assert_false(pinky_uuid_equal(&u[i], &u[j]));
    free(u);

    pinky_uuid nil;
    memset(&nil, 0, sizeof nil);
    assert_true(pinky_uuid_is_nil(&nil));
    assert_true(pinky_uuid_is_nil(NULL));
    pinky_uuid a, b;
    memcpy(a.bytes, UUID_BYTES, 16);
    memcpy(b.bytes, UUID_BYTES, 16);
    assert_true(pinky_uuid_equal(&a, &b));
    assert_true(pinky_uuid_equal(&a, &a));
    b.bytes[15] ^= 1;
    assert_false(pinky_uuid_equal(&a, &b));
    assert_false(pinky_uuid_equal(&a, NULL));
    assert_false(pinky_uuid_equal(NULL, &a));
    assert_false(pinky_uuid_equal(NULL, NULL));
    assert_false(pinky_uuid_is_nil(&a));

    pinky_opt_uuid o = pinky_uuid_val(&a);
    assert_true(o.is_set);
    assert_memory_equal(o.value.bytes, UUID_BYTES, 16);
    o = pinky_uuid_val(NULL);
    assert_false(o.is_set);
    assert_true(pinky_uuid_is_nil(&o.value));
}

/* ---- time ---------------------------------------------------------------- */

#define SEC INT64_C(1000000)

static pinky_time utc(int y, int mo, int d, int h, int mi, int s, int us)
{
    pinky_time t = 0;
    pinky_status st = pinky_time_from_utc(y, mo, d, h, mi, s, us, &t);
    if (st != PINKY_OK)
        fail_msg("from_utc %d-%d-%d %d:%d:%d.%d: %s", y, mo, d, h, mi, s, us,
                 pinky_error_last()->message);
    return t;
}

static void test_time_from_utc(void **state)
{
    (void)state;
    assert_int_equal(utc(1970, 1, 1, 0, 0, 0, 0), 0);
    assert_int_equal(utc(1970, 1, 1, 0, 0, 0, 1), 1);
    assert_int_equal(utc(1970, 1, 2, 0, 0, 0, 0), 86400 * SEC);
    assert_int_equal(utc(1969, 12, 31, 23, 59, 59, 999999), -1);
    assert_int_equal(utc(2000, 1, 1, 0, 0, 0, 0), 946684800 * SEC);
    assert_int_equal(utc(2024, 2, 29, 0, 0, 0, 0), 1709164800 * SEC);
    assert_int_equal(utc(2024, 2, 29, 13, 45, 0, 123456), 1709214300 * SEC + 123456);
    assert_int_equal(utc(2023, 3, 1, 0, 0, 0, 0), 1677628800 * SEC);
    assert_int_equal(utc(2000, 2, 29, 0, 0, 0, 0), (946684800 + 59 * 86400) * SEC);
    assert_int_equal(utc(1900, 3, 1, 0, 0, 0, 0), INT64_C(-2203891200) * SEC);
    assert_int_equal(utc(1900, 2, 28, 0, 0, 0, 0), INT64_C(-2203977600) * SEC);
    assert_int_equal(utc(1, 1, 1, 0, 0, 0, 0), INT64_C(-62135596800) * SEC);
    assert_int_equal(utc(9999, 12, 31, 23, 59, 59, 999999), INT64_C(253402300799999999));
    /* proleptic Gregorian before year 1: year 0 is a leap year (1 BC) */
    assert_int_equal(utc(0, 2, 29, 0, 0, 0, 0), (INT64_C(-62135596800) - 307 * 86400) * SEC);
    assert_int_equal(utc(0, 12, 31, 0, 0, 0, 0), (INT64_C(-62135596800) - 86400) * SEC);
    /* the largest instant a pinky_time can hold (INT64_MAX is infinity) */
    assert_int_equal(utc(294247, 1, 10, 4, 0, 54, 775806), INT64_MAX - 1);
}

static void test_time_from_utc_invalid(void **state)
{
    (void)state;
    static const int bad[][7] = {
        {2023, 2, 29, 0, 0, 0, 0},   /* not a leap year */
        {1900, 2, 29, 0, 0, 0, 0},   /* divisible by 100 */
        {2024, 2, 30, 0, 0, 0, 0},
        {2024, 4, 31, 0, 0, 0, 0},
        {2024, 13, 1, 0, 0, 0, 0},
        {2024, 0, 1, 0, 0, 0, 0},
        {2024, 1, 0, 0, 0, 0, 0},
        {2024, 1, 32, 0, 0, 0, 0},
        {2024, 1, 1, 24, 0, 0, 0},
        {2024, 1, 1, -1, 0, 0, 0},
        {2024, 1, 1, 0, 60, 0, 0},
        {2024, 1, 1, 0, 0, 60, 0},   /* no leap seconds */
        {2024, 1, 1, 0, 0, 0, 1000000},
        {2024, 1, 1, 0, 0, 0, -1},
        {-4713, 1, 1, 0, 0, 0, 0},   /* before the supported range */
        {294247, 1, 10, 4, 0, 54, 775807}, /* would be INT64_MAX (infinity) */
        {294247, 1, 10, 4, 0, 55, 0},
        {294275, 12, 31, 23, 59, 59, 999999}, /* beyond int64 microseconds */
        {294276, 1, 1, 0, 0, 0, 0},
    };
    for (size_t i = 0; i < PK_ARRAY_LEN(bad); i++) {
        pinky_time t = 77;
        pinky_status st = pinky_time_from_utc(bad[i][0], bad[i][1], bad[i][2], bad[i][3],
                                              bad[i][4], bad[i][5], bad[i][6], &t);
        if (st != PINKY_INVALID)
            fail_msg("accepted row %zu (%d-%d-%d ...), got %lld", i, bad[i][0], bad[i][1],
                     bad[i][2], (long long)t);
        assert_error(PINKY_INVALID, "time");
        assert_int_equal(t, 77);
    }
    assert_int_equal(pinky_time_from_utc(2024, 1, 1, 0, 0, 0, 0, NULL), PINKY_INVALID);
    /* the message shows the rejected value */
    pinky_time t;
    pinky_time_from_utc(2023, 2, 29, 1, 2, 3, 4, &t);
    assert_string_equal(pinky_error_last()->message,
                        "time: 2023-02-29 01:02:03.000004 is not a valid UTC time");
}

static void fmt(pinky_time t, const char *want)
{
    char buf[PINKY_TIME_STRLEN];
    memset(buf, 'X', sizeof buf);
    pinky_time_format(t, buf);
    assert_string_equal(buf, want);
}

static void test_time_format(void **state)
{
    (void)state;
    fmt(0, "1970-01-01T00:00:00Z");
    fmt(1, "1970-01-01T00:00:00.000001Z");
    fmt(SEC / 2, "1970-01-01T00:00:00.500000Z");
    fmt(-1, "1969-12-31T23:59:59.999999Z");
    fmt(-SEC, "1969-12-31T23:59:59Z");
    fmt(-SEC - 1, "1969-12-31T23:59:58.999999Z");
    fmt(-86400 * SEC, "1969-12-31T00:00:00Z");
    fmt(-86400 * SEC - 1, "1969-12-30T23:59:59.999999Z");
    fmt(946684800 * SEC, "2000-01-01T00:00:00Z");
    fmt(1709214300 * SEC + 123456, "2024-02-29T13:45:00.123456Z");
    fmt(1709164800 * SEC, "2024-02-29T00:00:00Z");
    fmt(INT64_C(-2203891200) * SEC, "1900-03-01T00:00:00Z");
    fmt(INT64_C(-2203891200) * SEC - 1, "1900-02-28T23:59:59.999999Z");
    fmt(INT64_C(-62135596800) * SEC, "0001-01-01T00:00:00Z");
    fmt(INT64_C(253402300799999999), "9999-12-31T23:59:59.999999Z");
    fmt(utc(2024, 12, 31, 23, 59, 59, 10), "2024-12-31T23:59:59.000010Z");
    /* years outside 0..9999: a sign, at least four digits */
    fmt(INT64_C(-62135596800) * SEC - 1, "0000-12-31T23:59:59.999999Z");
    fmt(utc(-1, 12, 31, 23, 59, 59, 0), "-0001-12-31T23:59:59Z");
    fmt(utc(-4712, 1, 1, 0, 0, 0, 0), "-4712-01-01T00:00:00Z");
    fmt(utc(10000, 1, 1, 0, 0, 0, 0), "10000-01-01T00:00:00Z");
    fmt(INT64_MAX - 1, "294247-01-10T04:00:54.775806Z");
    fmt(PINKY_TIME_INFINITY, "infinity");
    fmt(PINKY_TIME_NEG_INFINITY, "-infinity");
    assert_int_equal(PINKY_TIME_INFINITY, INT64_MAX);
    assert_int_equal(PINKY_TIME_NEG_INFINITY, INT64_MIN);

    /* any value fits the buffer */
    const pinky_time extremes[] = {INT64_MIN + 1, INT64_MAX - 1, INT64_MIN / 2, -1, 0};
    for (size_t i = 0; i < PK_ARRAY_LEN(extremes); i++) {
        char big[PINKY_TIME_STRLEN + 16];
        memset(big, 'X', sizeof big);
        pinky_time_format(extremes[i], big);
        assert_true(strlen(big) < PINKY_TIME_STRLEN);
        for (size_t k = PINKY_TIME_STRLEN; k < sizeof big; k++)
            assert_int_equal(big[k], 'X');
    }
}

static void test_time_now(void **state)
{
    (void)state;
    pinky_time a = pinky_time_now();
    pinky_time b = pinky_time_now();
    assert_true(b >= a);
    assert_true(a > utc(2020, 1, 1, 0, 0, 0, 0));
    assert_true(a < utc(2200, 1, 1, 0, 0, 0, 0));
    int64_t m1 = pk_mono_us(), m2 = pk_mono_us();
    assert_true(m2 >= m1);
    pinky_opt_time o = pinky_time_val(a);
    assert_true(o.is_set);
    assert_int_equal(o.value, a);
}

static void parse_ok(const char *text, pinky_time want)
{
    pinky_time t = 12345;
    pinky_status st = pinky_time_parse(text, &t);
    if (st != PINKY_OK)
        fail_msg("rejected \"%s\": %s", text, pinky_error_last()->message);
    if (t != want)
        fail_msg("\"%s\" parsed as %lld, want %lld", text, (long long)t, (long long)want);
}

static void test_time_parse(void **state)
{
    (void)state;
    const pinky_time t0 = 1709214300 * SEC; /* 2024-02-29T13:45:00Z */
    parse_ok("2024-02-29T13:45:00Z", t0);
    parse_ok("2024-02-29T13:45:00.123456Z", t0 + 123456);
    parse_ok("2024-02-29T13:45:00.5Z", t0 + 500000);
    parse_ok("2024-02-29T13:45:00.000001Z", t0 + 1);
    parse_ok("2024-02-29 13:45:00Z", t0);
    parse_ok("2024-02-29 13:45:00.123456Z", t0 + 123456);
    parse_ok("2024-02-29T15:45:00+02:00", t0);
    parse_ok("2024-02-29T08:15:00-05:30", t0);
    parse_ok("2024-02-29 08:15:00.123456-05:30", t0 + 123456);
    parse_ok("2024-03-01T01:45:00+12:00", t0);
    parse_ok("2024-02-29T15:45:00+0200", t0);
    parse_ok("2024-02-29T15:45:00+02", t0);
    parse_ok("2024-02-29T13:45:00+00:00", t0);
    parse_ok("2024-02-29T13:45:00-00:00", t0);
    parse_ok("2024-02-29T13:45:00", t0);  /* no zone: UTC */
    parse_ok("2024-02-29", 1709164800 * SEC);
    parse_ok("1970-01-01T00:00:00Z", 0);
    parse_ok("1969-12-31T23:59:59.999999Z", -1);
    parse_ok("0001-01-01T00:00:00Z", INT64_C(-62135596800) * SEC);
    parse_ok("infinity", PINKY_TIME_INFINITY);
    parse_ok("-infinity", PINKY_TIME_NEG_INFINITY);

    static const char *const bad[] = {
        "",
        "garbage",
        "now",
        "Infinity",
        "+infinity",
        "2024-02-29T13:45:00.1234567Z",  /* more than six fractional digits */
        "2024-02-29T13:45:00.1234560Z",
        "2024-02-29T13:45:00.Z",
        "2024-02-29T13:45:00,5Z",
        "2024-02-29T13:45Z",
        "2024-02-29T13Z",
        "2024-02-29T",
        "2024-02-29X13:45:00Z",
        "2024-02-29t13:45:00z",
        "2024-2-29T13:45:00Z",
        "24-02-29T13:45:00Z",
        "2024/02/29T13:45:00Z",
        "2023-02-29T00:00:00Z",          /* invalid calendar dates and times */
        "2024-02-30T00:00:00Z",
        "2024-13-01T00:00:00Z",
        "2024-00-01T00:00:00Z",
        "2024-02-29T24:00:00Z",
        "2024-02-29T13:60:00Z",
        "2024-02-29T13:45:60Z",
        "2024-02-29T13:45:00ZZ",
        "2024-02-29T13:45:00Z ",
        " 2024-02-29T13:45:00Z",
        "2024-02-29T13:45:00 Z",
        "2024-02-29T13:45:00+2:00",
        "2024-02-29T13:45:00+02:0",
        "2024-02-29T13:45:00+02:",       /* dangling colon */
        "2024-02-29T13:45:00+02:60",     /* minutes out of range */
        "2024-02-29T13:45:00+16:00",     /* beyond PostgreSQL's +-15:59 */
        "2024-02-29T13:45:00+99:99",
        "2024-02-29T13:45:00+02:00Z",
        "2024-02-29T13:45:00+02:00:00",
        "2024-02-29T13:45:00Z+02:00",
        "-4713-01-01T00:00:00Z",         /* before the supported range */
        "294247-01-10T04:00:54.775807Z", /* would be infinity */
        "294247-01-10T04:00:54.775806-00:01", /* shifted beyond the range */
        "1234567-01-01T00:00:00Z",
        "--2024-01-01",
    };
    for (size_t i = 0; i < PK_ARRAY_LEN(bad); i++) {
        pinky_time t = 77;
        pinky_status st = pinky_time_parse(bad[i], &t);
        if (st != PINKY_INVALID)
            fail_msg("accepted \"%s\" as %lld", bad[i], (long long)t);
        assert_error(PINKY_INVALID, "time");
        assert_int_equal(t, 77);
    }
    pinky_time t;
    assert_int_equal(pinky_time_parse(NULL, &t), PINKY_INVALID);
    assert_int_equal(pinky_time_parse("2024-02-29T13:45:00Z", NULL), PINKY_INVALID);
    pinky_time_parse("nope", &t);
    assert_string_equal(pinky_error_last()->message,
                        "time: \"nope\" is not an ISO 8601 timestamp");
}

static void roundtrip_time(pinky_time t)
{
    char buf[PINKY_TIME_STRLEN], again[PINKY_TIME_STRLEN];
    pinky_time_format(t, buf);
    pinky_time back = 0;
    if (pinky_time_parse(buf, &back) != PINKY_OK)
        fail_msg("%lld formats as \"%s\", which does not parse: %s", (long long)t, buf,
                 pinky_error_last()->message);
    if (back != t)
        fail_msg("%lld -> \"%s\" -> %lld", (long long)t, buf, (long long)back);
    pinky_time_format(back, again);
    assert_string_equal(buf, again);
}

static void test_time_roundtrip(void **state)
{
    (void)state;
    const pinky_time lo = utc(-4712, 1, 1, 0, 0, 0, 0);
    const pinky_time hi = INT64_MAX - 1;
    const pinky_time fixed[] = {
        0, 1, -1, SEC, -SEC, SEC - 1, -SEC + 1, 946684800 * SEC, 1709214300 * SEC + 123456,
        INT64_C(-2203891200) * SEC, INT64_C(-62135596800) * SEC, INT64_C(-62135596800) * SEC - 1,
        INT64_C(253402300799999999), INT64_C(253402300800000000), utc(-1, 1, 1, 0, 0, 0, 0),
        utc(0, 2, 29, 12, 0, 0, 1), utc(-4712, 12, 31, 23, 59, 59, 999999), lo, hi,
        PINKY_TIME_INFINITY, PINKY_TIME_NEG_INFINITY,
    };
    for (size_t i = 0; i < PK_ARRAY_LEN(fixed); i++)
        roundtrip_time(fixed[i]);
    /* random instants over the whole supported range, and over years 1..9999 */
    const pinky_time y1 = utc(1, 1, 1, 0, 0, 0, 0), y9999 = utc(9999, 12, 31, 23, 59, 59, 999999);
    for (int i = 0; i < 5000; i++) {
        uint64_t span = (uint64_t)hi - (uint64_t)lo; /* does not fit int64 */
        roundtrip_time((pinky_time)((uint64_t)lo + rng() % span));
        roundtrip_time(y1 + (pinky_time)(rng() % (uint64_t)(y9999 - y1)));
        roundtrip_time((pinky_time)(rng() % 86400000000ull) - 43200 * SEC); /* around 1970 */
        roundtrip_time((pinky_time)(rng() % (4000000ull * 86400)) * SEC); /* whole seconds */
    }
    /* every field combination of one day per month in a leap and a common year */
    for (int y = 1999; y <= 2000; y++)
        for (int m = 1; m <= 12; m++)
            for (int d = 27; d <= 31; d++) {
                pinky_time t;
                if (pinky_time_from_utc(y, m, d, 23, 59, 59, 999999, &t) == PINKY_OK)
                    roundtrip_time(t);
            }
}

/* Everything the time functions compute, as text, for comparison across zones. */
static void time_snapshot(char *out, size_t cap)
{
    pk_buf b;
    pk_buf_init(&b);
    const int dates[][7] = {{1970, 1, 1, 0, 0, 0, 0},       {2000, 1, 1, 0, 0, 0, 0},
                            {2024, 2, 29, 13, 45, 0, 1},    {2024, 3, 10, 7, 30, 0, 0},
                            {2024, 11, 3, 6, 30, 0, 0},     {1900, 3, 1, 0, 0, 0, 0},
                            {1, 1, 1, 0, 0, 0, 0},          {9999, 12, 31, 23, 59, 59, 999999}};
    for (size_t i = 0; i < PK_ARRAY_LEN(dates); i++) {
        pinky_time t = 0;
        pinky_status st = pinky_time_from_utc(dates[i][0], dates[i][1], dates[i][2], dates[i][3],
                                              dates[i][4], dates[i][5], dates[i][6], &t);
        char s[PINKY_TIME_STRLEN];
        pinky_time_format(t, s);
        pk_buf_printf(&b, "%d %lld %s;", (int)st, (long long)t, s);
    }
    const char *texts[] = {"2024-03-10T02:30:00Z", "2024-03-10 02:30:00", "2024-11-03T01:30:00",
                           "2024-07-01T12:00:00-04:00", "1969-12-31T23:59:59.999999Z"};
    for (size_t i = 0; i < PK_ARRAY_LEN(texts); i++) {
        pinky_time t = 0;
        pinky_status st = pinky_time_parse(texts[i], &t);
        pk_buf_printf(&b, "%d %lld;", (int)st, (long long)t);
    }
    char *s = pk_buf_take(&b);
    assert_non_null(s);
    assert_true(strlen(s) < cap);
    strcpy(out, s);
    pk_free(s);
}

static void test_time_tz_independent(void **state)
{
    (void)state;
    const char *old = getenv("TZ");
    char *saved = old ? strdup(old) : NULL;
    char base[2048], other[2048];
    setenv("TZ", "UTC", 1);
    tzset();
    time_snapshot(base, sizeof base);
    static const char *const zones[] = {"America/New_York", "Asia/Kolkata", "Pacific/Chatham",
                                        "EST5EDT,M3.2.0,M11.1.0", "XYZ-13:45"};
    for (size_t i = 0; i < PK_ARRAY_LEN(zones); i++) {
        setenv("TZ", zones[i], 1);
        tzset();
        time_snapshot(other, sizeof other);
        assert_string_equal(other, base);
    }
    if (saved) {
        setenv("TZ", saved, 1);
        free(saved);
    } else {
        unsetenv("TZ");
    }
    tzset();
}

/* ---- decimals ------------------------------------------------------------ */

static void dec_ok(const char *text, int p, int s, int64_t want)
{
    int64_t v = 77;
    pinky_status st = pinky_decimal_parse(text, p, s, &v);
    if (st != PINKY_OK)
        fail_msg("DECIMAL(%d,%d) rejected \"%s\": %s", p, s, text, pinky_error_last()->message);
    if (v != want)
        fail_msg("DECIMAL(%d,%d) \"%s\" -> %lld, want %lld", p, s, text, (long long)v,
                 (long long)want);
}

static void dec_bad(const char *text, int p, int s)
{
    int64_t v = 77;
    pinky_status st = pinky_decimal_parse(text, p, s, &v);
    if (st != PINKY_INVALID)
        fail_msg("DECIMAL(%d,%d) accepted \"%s\" as %lld", p, s, text, (long long)v);
    assert_int_equal(v, 77);
    assert_int_equal(pinky_error_last()->status, PINKY_INVALID);
}

static void test_decimal_parse(void **state)
{
    (void)state;
    /* DECIMAL(15,2) */
    dec_ok("9999999999999.99", 15, 2, INT64_C(999999999999999));
    dec_ok("-9999999999999.99", 15, 2, INT64_C(-999999999999999));
    dec_bad("99999999999999.99", 15, 2);
    dec_bad("10000000000000", 15, 2);
    dec_ok("0.5", 15, 2, 50);
    dec_ok("-12.3", 15, 2, -1230);
    dec_ok("12.34", 15, 2, 1234);
    dec_ok("1.230", 15, 2, 123);
    dec_ok("1.23000000000000000000000", 15, 2, 123);
    dec_ok("0", 15, 2, 0);
    dec_ok("-0", 15, 2, 0);
    dec_ok("0.00", 15, 2, 0);
    dec_ok("0.01", 15, 2, 1);
    dec_ok("-0.01", 15, 2, -1);
    dec_ok("+7", 15, 2, 700);
    dec_ok("007.50", 15, 2, 750);     /* leading zeros do not count */
    dec_ok("00000000000000000000001", 15, 2, 100);
    dec_ok(".5", 15, 2, 50);          /* as PostgreSQL accepts */
    dec_ok("5.", 15, 2, 500);
    dec_bad("1.234", 15, 2);          /* no rounding */
    dec_bad("1.2301", 15, 2);
    dec_bad("0.001", 15, 2);
    dec_bad("1.230x", 15, 2);
    static const char *const junk[] = {
        "", ".", "-", "+", "-.", "1e5", "1E5", " 1", "1 ", "1.2.3", "--1", "+-1", "1,5",
        "0x10", "abc", "1-", "NaN", "Infinity", "\xc3\xa9",
    };
    for (size_t i = 0; i < PK_ARRAY_LEN(junk); i++) {
        dec_bad(junk[i], 15, 2);
        assert_string_equal(pinky_error_last()->field, "decimal");
    }
    dec_bad("1e5", 15, 2);
    assert_string_equal(pinky_error_last()->message, "decimal: \"1e5\" is not a decimal number");
    dec_bad("1.234", 15, 2);
    assert_string_equal(pinky_error_last()->message,
                        "decimal: \"1.234\" has more than 2 decimal places");
    dec_bad("99999999999999.99", 15, 2);
    assert_string_equal(pinky_error_last()->message,
                        "decimal: \"99999999999999.99\" does not fit DECIMAL(15,2)");

    /* DECIMAL(3,1) */
    dec_ok("2.5", 3, 1, 25);
    dec_ok("99.9", 3, 1, 999);
    dec_ok("-99.9", 3, 1, -999);
    dec_ok("99.90", 3, 1, 999);
    dec_ok("0", 3, 1, 0);
    dec_bad("100", 3, 1);
    dec_bad("100.0", 3, 1);
    dec_bad("99.99", 3, 1);

    /* DECIMAL(10,2) bounds */
    dec_ok("99999999.99", 10, 2, INT64_C(9999999999));
    dec_ok("-99999999.99", 10, 2, INT64_C(-9999999999));
    dec_ok("99999999", 10, 2, INT64_C(9999999900));
    dec_bad("100000000", 10, 2);
    dec_bad("100000000.00", 10, 2);
    dec_bad("-100000000", 10, 2);
    dec_bad("99999999.999", 10, 2);

    /* the extremes of what an int64 can carry */
    dec_ok("999999999999999999", 18, 0, INT64_C(999999999999999999));
    dec_ok("-999999999999999999", 18, 0, INT64_C(-999999999999999999));
    dec_bad("1000000000000000000", 18, 0);
    dec_ok("5.0", 18, 0, 5);
    dec_bad("5.1", 18, 0);
    dec_ok("0.999999999999999999", 18, 18, INT64_C(999999999999999999));
    dec_bad("1", 18, 18);
    dec_ok("0.99", 2, 2, 99);
    dec_bad("1.00", 2, 2);

    /* unsupported precision/scale and NULLs */
    int64_t v = 77;
    assert_int_equal(pinky_decimal_parse("1", 0, 0, &v), PINKY_INVALID);
    assert_error(PINKY_INVALID, "precision");
    assert_int_equal(pinky_decimal_parse("1", 19, 2, &v), PINKY_INVALID);
    assert_int_equal(pinky_decimal_parse("1", 5, 6, &v), PINKY_INVALID);
    assert_int_equal(pinky_decimal_parse("1", 5, -1, &v), PINKY_INVALID);
    assert_int_equal(pinky_decimal_parse(NULL, 5, 2, &v), PINKY_INVALID);
    assert_error(PINKY_INVALID, "decimal");
    assert_int_equal(pinky_decimal_parse("1", 5, 2, NULL), PINKY_INVALID);
    assert_int_equal(v, 77);

    pinky_opt_decimal o = pinky_decimal(1234);
    assert_true(o.is_set);
    assert_int_equal(o.value, 1234);
}

static void dfmt(int64_t v, int scale, const char *want)
{
    char big[PINKY_DECIMAL_STRLEN + 16];
    memset(big, 'X', sizeof big);
    pinky_decimal_format(v, scale, big);
    assert_string_equal(big, want);
    assert_true(strlen(big) < PINKY_DECIMAL_STRLEN);
    for (size_t k = PINKY_DECIMAL_STRLEN; k < sizeof big; k++)
        assert_int_equal(big[k], 'X');
}

static void test_decimal_format(void **state)
{
    (void)state;
    dfmt(INT64_C(999999999999999), 2, "9999999999999.99");
    dfmt(INT64_C(-999999999999999), 2, "-9999999999999.99");
    dfmt(-5, 2, "-0.05");
    dfmt(5, 2, "0.05");
    dfmt(0, 2, "0.00");
    dfmt(25, 1, "2.5");
    dfmt(-25, 1, "-2.5");
    dfmt(100, 2, "1.00");
    dfmt(1234, 2, "12.34");
    dfmt(-1230, 2, "-12.30");
    dfmt(5, 3, "0.005");
    dfmt(-50, 3, "-0.050");
    dfmt(1000, 3, "1.000");
    dfmt(0, 0, "0");
    dfmt(123, 0, "123");
    dfmt(-123, 0, "-123");
    dfmt(INT64_MIN, 2, "-92233720368547758.08");
    dfmt(INT64_MAX, 2, "92233720368547758.07");
    dfmt(INT64_MIN, 0, "-9223372036854775808");
    dfmt(INT64_MIN, 18, "-9.223372036854775808");
    dfmt(INT64_MIN + 1, 18, "-9.223372036854775807");
    dfmt(INT64_C(999999999999999999), 18, "0.999999999999999999");
    dfmt(-1, 18, "-0.000000000000000001");
}

static void test_decimal_roundtrip(void **state)
{
    (void)state;
    static const int64_t fixed[] = {0, 1, -1, 9, 10, 99, 100, 101, -100, 12345, -12345,
                                    INT64_C(999999999999999), INT64_C(-999999999999999),
                                    INT64_C(999999999999999999), INT64_C(-999999999999999999)};
    for (int scale = 0; scale <= 18; scale++) {
        for (size_t i = 0; i < PK_ARRAY_LEN(fixed); i++) {
            char buf[PINKY_DECIMAL_STRLEN];
            pinky_decimal_format(fixed[i], scale, buf);
            int64_t back = 77;
            if (pinky_decimal_parse(buf, 18, scale, &back) != PINKY_OK || back != fixed[i])
                fail_msg("%lld scale %d -> \"%s\" -> %lld", (long long)fixed[i], scale, buf,
                         (long long)back);
        }
    }
    const int64_t max18 = INT64_C(999999999999999999);
    for (int i = 0; i < 20000; i++) {
        int scale = (int)(rng() % 19);
        int64_t v = (int64_t)(rng() % (uint64_t)max18);
        if (rng() & 1)
            v = -v;
        if (i % 4 == 0)
            v %= 100000; /* small values too */
        char buf[PINKY_DECIMAL_STRLEN];
        pinky_decimal_format(v, scale, buf);
        int64_t back = 77;
        if (pinky_decimal_parse(buf, 18, scale, &back) != PINKY_OK || back != v)
            fail_msg("%lld scale %d -> \"%s\" -> %lld", (long long)v, scale, buf,
                     (long long)back);
    }
    /* DECIMAL(15,2) all the way through */
    for (int i = 0; i < 5000; i++) {
        int64_t v = (int64_t)(rng() % INT64_C(1000000000000000));
        if (i & 1)
            v = -v;
        char buf[PINKY_DECIMAL_STRLEN];
        pinky_decimal_format(v, 2, buf);
        int64_t back = 77;
        assert_int_equal(pinky_decimal_parse(buf, 15, 2, &back), PINKY_OK);
        assert_int_equal(back, v);
    }
}

/* ---- SHA-256 and base64url ------------------------------------------------ */

static void sha(const void *data, size_t len, const char *want)
{
    char out[65];
    memset(out, 'X', sizeof out);
    pk_sha256_hex(data, len, out);
    assert_int_equal(out[64], '\0');
    assert_string_equal(out, want);
}

static void test_sha256(void **state)
{
    (void)state;
    sha("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *v56 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    assert_int_equal(strlen(v56), 56);
    sha(v56, 56, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const char *v112 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                       "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    assert_int_equal(strlen(v112), 112);
    sha(v112, 112, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");

    /* padding boundaries */
    char *a = repeat("a", 1000000);
    sha(a, 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
    sha(a, 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
    sha(a, 63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34");
    sha(a, 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
    sha(a, 65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0");
    sha(a, 119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb");
    sha(a, 120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c");
    sha(a, 128, "6836cf13bac400e9105071cd6af47084dfacad4e5e302c94bfed24e013afb73e");
    sha(a, 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);
}

static void test_b64_vectors(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } v[] = {
        {"", ""},         {"f", "Zg"},         {"fo", "Zm8"},         {"foo", "Zm9v"},
        {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
        {"\xfb\xff", "-_8"}, {"\xff\xff\xff", "____"}, {"\xfb\xef\xbe", "----"},
    };
    for (size_t i = 0; i < PK_ARRAY_LEN(v); i++) {
        size_t n = strlen(v[i].in);
        char *e = pk_b64_encode(v[i].in, n);
        assert_non_null(e);
        assert_string_equal(e, v[i].out);
        pk_free(e);
        unsigned char out[16];
        assert_int_equal(pk_b64_decode(v[i].out, out, sizeof out), (long)n);
        assert_memory_equal(out, v[i].in, n);
    }
}

static void test_b64_roundtrip(void **state)
{
    (void)state;
    for (size_t len = 0; len <= 40; len++) {
        for (int rep = 0; rep < 20; rep++) {
            unsigned char in[40], out[64];
            for (size_t i = 0; i < len; i++)
                in[i] = (unsigned char)rng();
            char *e = pk_b64_encode(in, len);
            assert_non_null(e);
            assert_int_equal(strlen(e), (len * 4 + 2) / 3); /* no padding */
            for (const char *p = e; *p; p++)
                assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                       "0123456789-_", *p));
            memset(out, 0xAA, sizeof out);
            assert_int_equal(pk_b64_decode(e, out, sizeof out), (long)len);
            assert_memory_equal(out, in, len);
            /* exactly enough room */
            assert_int_equal(pk_b64_decode(e, out, len), (long)len);
            assert_memory_equal(out, in, len);
            /* one byte short */
            if (len > 0)
                assert_int_equal(pk_b64_decode(e, out, len - 1), -1);
            pk_free(e);
        }
    }
}

static void test_b64_invalid(void **state)
{
    (void)state;
    unsigned char out[64];
    static const char *const bad[] = {
        "Zg==",    /* padding is not base64url-without-padding */
        "Zg=",
        "Zm9v+",   /* the standard alphabet's + and / */
        "Zm/v",
        "Zm9 v",
        "Zm9v\n",
        "Zm.v",
        "Z\xc3\xa9",
        "Z",       /* impossible lengths: 1 mod 4 */
        "Zm9vY",
        "Zm9vYmFyZ",
    };
    for (size_t i = 0; i < PK_ARRAY_LEN(bad); i++) {
        if (pk_b64_decode(bad[i], out, sizeof out) != -1)
            fail_msg("decoded \"%s\"", bad[i]);
    }
    assert_int_equal(pk_b64_decode("", out, 0), 0);
    assert_int_equal(pk_b64_decode("Zm9vYmFy", out, 5), -1); /* capacity */
}

/* ---- enums ----------------------------------------------------------------- */

static void test_enum(void **state)
{
    (void)state;
    static const char *const colours[] = {"red", "green", "blue", NULL};
    assert_string_equal(pk_enum_name(colours, 1), "red");
    assert_string_equal(pk_enum_name(colours, 3), "blue");
    assert_null(pk_enum_name(colours, 0));
    assert_null(pk_enum_name(colours, 4));
    assert_null(pk_enum_name(colours, -1));
    int v = 77;
    assert_int_equal(pk_enum_parse("colour", colours, "green", &v), PINKY_OK);
    assert_int_equal(v, 2);
    v = 77;
    assert_int_equal(pk_enum_parse("colour", colours, "GREEN", &v), PINKY_INVALID);
    assert_error(PINKY_INVALID, "colour");
    assert_string_equal(pinky_error_last()->message,
                        "colour: \"GREEN\" is not one of its values");
    assert_int_equal(pk_enum_parse("colour", colours, "", &v), PINKY_INVALID);
    assert_int_equal(pk_enum_parse("colour", colours, NULL, &v), PINKY_INVALID);
    assert_error(PINKY_INVALID, "colour");
    assert_int_equal(v, 77);
    assert_int_equal(pk_enum_parse("colour", colours, "red", NULL), PINKY_INVALID);
}

/* ---- the string builder ---------------------------------------------------- */

static void test_buf(void **state)
{
    (void)state;
    pk_buf b;
    pk_buf_init(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_false(b.failed);

    char *expect = malloc(1 << 20);
    assert_non_null(expect);
    size_t n = 0;
    for (int i = 0; i < 5000; i++) {
        pk_buf_put(&b, "abc");
        memcpy(expect + n, "abc", 3);
        n += 3;
        pk_buf_putc(&b, (char)('0' + i % 10));
        expect[n++] = (char)('0' + i % 10);
        pk_buf_printf(&b, "[%d:%s]", i, i % 2 ? "odd" : "even");
        n += (size_t)sprintf(expect + n, "[%d:%s]", i, i % 2 ? "odd" : "even");
        pk_buf_putn(&b, "xyz\0hidden", 2);
        memcpy(expect + n, "xy", 2);
        n += 2;
        pk_buf_put(&b, "");
        pk_buf_printf(&b, "%s", "");
    }
    expect[n] = '\0';
    assert_int_equal(b.len, n);
    assert_true(b.cap > b.len);
    assert_int_equal(strlen(b.data), n);
    assert_string_equal(b.data, expect);

    /* a printf longer than the buffer's current room */
    char *long_arg = repeat("L", 3000);
    pk_buf_printf(&b, "<%s>%d", long_arg, 42);
    n += (size_t)sprintf(expect + n, "<%s>%d", long_arg, 42);
    free(long_arg);
    assert_int_equal(b.len, n);

    char *s = pk_buf_take(&b);
    assert_non_null(s);
    assert_string_equal(s, expect);
    pk_free(s);
    /* take leaves the builder empty and reusable */
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    pk_buf_printf(&b, "%05d|%-3s|%x", 42, "a", 255);
    s = pk_buf_take(&b);
    assert_string_equal(s, "00042|a  |ff");
    pk_free(s);

    /* taking an empty builder gives "" */
    s = pk_buf_take(&b);
    assert_non_null(s);
    assert_string_equal(s, "");
    pk_free(s);
    pk_buf_printf(&b, "%s", "");
    s = pk_buf_take(&b);
    assert_non_null(s);
    assert_string_equal(s, "");
    pk_free(s);

    /* free after use, and free of an empty builder */
    pk_buf_put(&b, "discarded");
    pk_buf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    pk_buf_free(&b);
    free(expect);
}

static void test_strdup(void **state)
{
    (void)state;
    char *s = pk_strdup("hello");
    assert_string_equal(s, "hello");
    pk_free(s);
    s = pk_strndup("hello", 3);
    assert_string_equal(s, "hel");
    pk_free(s);
    s = pk_strdup("");
    assert_string_equal(s, "");
    pk_free(s);
    assert_null(pk_strdup(NULL));
    unsigned char *z = pk_calloc(10, 4);
    assert_non_null(z);
    for (int i = 0; i < 40; i++)
        assert_int_equal(z[i], 0);
    pk_free(z);
    assert_null(pk_calloc(SIZE_MAX / 2, 4)); /* overflow */
    pk_free(NULL);
    pinky_free(NULL);
}

/* ---- the allocator ---------------------------------------------------------- */

typedef struct counting {
    size_t mallocs, reallocs, frees;
    long live;
    long fail_after; /* < 0: never fail */
} counting;

static bool may_allocate(counting *c)
{
    if (c->fail_after < 0)
        return true;
    if (c->fail_after == 0)
        return false;
    c->fail_after--;
    return true;
}

static void *count_malloc(size_t size, void *ctx)
{
    counting *c = ctx;
    if (!may_allocate(c))
        return NULL;
    void *p = malloc(size);
    if (p) {
        c->mallocs++;
        c->live++;
    }
    return p;
}

static void *count_realloc(void *ptr, size_t size, void *ctx)
{
    counting *c = ctx;
    if (!may_allocate(c))
        return NULL;
    void *p = realloc(ptr, size);
    if (p) {
        c->reallocs++;
        if (ptr == NULL)
            c->live++;
    }
    return p;
}

static void count_free(void *ptr, void *ctx)
{
    counting *c = ctx;
    c->frees++;
    c->live--;
    free(ptr);
}

static void test_allocator_counting(void **state)
{
    (void)state;
    counting c = {0, 0, 0, 0, -1};
    pinky_allocator a = {sizeof(pinky_allocator), count_malloc, count_realloc, count_free, &c};
    pinky_set_allocator(&a);

    pk_err(PINKY_INVALID, "f", "counted");
    pinky_error *e = pinky_error_copy(pinky_error_last());
    assert_non_null(e);
    assert_string_equal(e->message, "counted");
    char *s = pk_strdup("hello");
    char *s2 = pk_strndup("hello", 2);
    char *z = pk_calloc(3, 3);
    char *enc = pk_b64_encode("abc", 3);
    pk_buf b;
    pk_buf_init(&b);
    for (int i = 0; i < 1000; i++)
        pk_buf_printf(&b, "%d,", i);
    char *t = pk_buf_take(&b);
    pk_buf_put(&b, "dropped");
    void *m = pk_malloc(0);
    void *r = pk_realloc(NULL, 10);
    r = pk_realloc(r, 1000);
    assert_non_null(s);
    assert_non_null(s2);
    assert_non_null(z);
    assert_non_null(enc);
    assert_non_null(t);
    assert_non_null(m);
    assert_non_null(r);
    assert_int_equal(strncmp(t, "0,1,2,", 6), 0);
    assert_true(c.mallocs >= 6);
    assert_true(c.reallocs >= 3);
    assert_int_equal(c.live, 9);
    assert_int_equal(c.frees, 0);

    pinky_error_free(e);
    pk_free(s);
    pk_free(s2);
    pinky_free(z);
    pk_free(enc);
    pk_free(t);
    pk_buf_free(&b);
    pk_free(m);
    pk_free(r);
    assert_int_equal(c.live, 0);
    assert_int_equal(c.frees, 9);

    /* restoring the default: nothing more reaches the counters */
    pinky_set_allocator(NULL);
    size_t before = c.mallocs + c.reallocs + c.frees;
    s = pk_strdup("default");
    assert_string_equal(s, "default");
    pk_free(s);
    assert_int_equal(c.mallocs + c.reallocs + c.frees, before);

    /* an allocator with a NULL function or an unknown size is refused; the
       one in use stays */
    pinky_allocator partial = {sizeof(pinky_allocator), count_malloc, NULL, count_free, &c};
    assert_int_equal(pinky_set_allocator(&partial), PINKY_INVALID);
    assert_non_null(strstr(pinky_error_last()->message, "allocator"));
    pinky_allocator sized;
    pinky_allocator_init(&sized);
    assert_int_equal(sized.struct_size, sizeof sized);
    sized.malloc_fn = count_malloc;
    sized.realloc_fn = count_realloc;
    sized.free_fn = count_free;
    sized.ctx = &c;
    sized.struct_size = 8;
    assert_int_equal(pinky_set_allocator(&sized), PINKY_INVALID);
    assert_non_null(strstr(pinky_error_last()->message, "struct_size"));
    s = pk_strdup("default again");
    pk_free(s);
    assert_int_equal(c.mallocs + c.reallocs + c.frees, before);
}

static void test_allocator_failing(void **state)
{
    (void)state;
    counting c = {0, 0, 0, 0, 0}; /* every allocation fails */
    pinky_allocator a = {sizeof(pinky_allocator), count_malloc, count_realloc, count_free, &c};
    pinky_set_allocator(&a);

    pk_err(PINKY_CONFLICT, "email", "taken");
    assert_null(pinky_error_copy(pinky_error_last()));
    /* the thread's error is intact */
    assert_error(PINKY_CONFLICT, "email");
    assert_string_equal(pinky_error_last()->message, "taken");

    assert_null(pk_strdup("x"));
    assert_null(pk_strndup("x", 1));
    assert_null(pk_malloc(8));
    assert_null(pk_calloc(2, 8));
    assert_null(pk_b64_encode("abc", 3));

    pk_buf b;
    pk_buf_init(&b);
    pk_buf_put(&b, "abc");
    assert_true(b.failed);
    pk_buf_printf(&b, "%d", 1);
    pk_buf_putc(&b, 'x');
    assert_null(pk_buf_take(&b));
    assert_false(b.failed); /* take resets the builder */
    assert_null(b.data);
    pk_buf_init(&b);
    assert_null(pk_buf_take(&b)); /* empty: still needs an allocation */
    pk_buf_init(&b);
    pk_buf_printf(&b, "%s", "x");
    assert_null(pk_buf_take(&b));
    assert_int_equal(c.live, 0);

    /* growth that fails part way: take returns NULL and frees what it had */
    counting c2 = {0, 0, 0, 0, 3};
    pinky_allocator a2 = {sizeof(pinky_allocator), count_malloc, count_realloc, count_free, &c2};
    pinky_set_allocator(&a2);
    pk_buf_init(&b);
    for (int i = 0; i < 10000; i++)
        pk_buf_printf(&b, "%08d", i);
    assert_true(b.failed);
    assert_int_equal(c2.live, 1); /* the block it had before failing */
    assert_null(pk_buf_take(&b));
    assert_int_equal(c2.live, 0);
    assert_int_equal(c2.reallocs, 3);
    assert_int_equal(c2.frees, 1);

    pinky_set_allocator(NULL);
    /* and allocation works again */
    char *s = pk_strdup("back");
    assert_string_equal(s, "back");
    pk_free(s);
}

static void test_time_earliest_timestamptz(void **state)
{
    (void)state;
    pinky_time t;
    /* TIMESTAMPTZ starts at 4714-11-24 BC: astronomical year -4713 */
    assert_int_equal(pinky_time_from_utc(-4713, 11, 24, 0, 0, 0, 0, &t), PINKY_OK);
    assert_int_equal(t, INT64_C(-210866803200000000));
    assert_int_equal(pinky_time_from_utc(-4713, 11, 23, 23, 59, 59, 999999, &t), PINKY_INVALID);
    assert_int_equal(pinky_time_from_utc(-4714, 12, 31, 0, 0, 0, 0, &t), PINKY_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_earliest_timestamptz),
        cmocka_unit_test(test_status_str),
        cmocka_unit_test(test_error_initial_and_clear),
        cmocka_unit_test(test_error_server_fields),
        cmocka_unit_test(test_error_copy),
        cmocka_unit_test(test_error_long_message_truncated),
        cmocka_unit_test(test_error_per_thread),
        cmocka_unit_test(test_utf8_count),
        cmocka_unit_test(test_check_text),
        cmocka_unit_test(test_json_valid),
        cmocka_unit_test(test_json_invalid),
        cmocka_unit_test(test_json_escapes_and_surrogates),
        cmocka_unit_test(test_json_invalid_utf8),
        cmocka_unit_test(test_json_nesting),
        cmocka_unit_test(test_json_array_object),
        cmocka_unit_test(test_uuid_parse_forms),
        cmocka_unit_test(test_uuid_parse_invalid),
        cmocka_unit_test(test_uuid_generate_and_compare),
        cmocka_unit_test(test_time_from_utc),
        cmocka_unit_test(test_time_from_utc_invalid),
        cmocka_unit_test(test_time_format),
        cmocka_unit_test(test_time_now),
        cmocka_unit_test(test_time_parse),
        cmocka_unit_test(test_time_roundtrip),
        cmocka_unit_test(test_time_tz_independent),
        cmocka_unit_test(test_decimal_parse),
        cmocka_unit_test(test_decimal_format),
        cmocka_unit_test(test_decimal_roundtrip),
        cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_b64_vectors),
        cmocka_unit_test(test_b64_roundtrip),
        cmocka_unit_test(test_b64_invalid),
        cmocka_unit_test(test_enum),
        cmocka_unit_test(test_buf),
        cmocka_unit_test(test_strdup),
        cmocka_unit_test(test_allocator_counting),
        cmocka_unit_test(test_allocator_failing),
    };
    return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
