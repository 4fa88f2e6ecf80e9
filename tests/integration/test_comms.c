/* communications and communication_tags: round trips (vectors bit-exact),
   bad input, tenancy, tags, update masks, pagination. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testdb.h"

#define DIM PINKY_COMM_VECTOR_DIM

static uint32_t rng_state = 0x9e3779b9u;
static uint32_t rnd(void)
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

static float from_bits(uint32_t b)
{
    float f;
    memcpy(&f, &b, 4);
    return f;
}

static uint32_t bits_of(float f)
{
    uint32_t b;
    memcpy(&b, &f, 4);
    return b;
}

/*
 * 1536 finite floats from every exponent range the library accepts, with the
 * edge values first: magnitudes up to just below 2^56, so the squared norm
 * stays within single precision (the library refuses vectors whose cosine
 * distance would be NaN), down to the denormals.
 */
static float *make_vector(void)
{
    float *v = malloc(sizeof(float) * DIM);
    for (int i = 0; i < DIM; i++) {
        uint32_t b;
        do
            b = rnd();
        while (((b >> 23) & 0xff) > 127 + 55); /* no NaN, no infinity, |x| < 2^56 */
        v[i] = from_bits(b);
    }
    v[0] = -0.0f;
    v[1] = from_bits(0x00000001u); /* smallest denormal */
    v[2] = from_bits(0x807fffffu); /* largest negative denormal */
    v[3] = from_bits(0x5b7fffffu); /* the largest accepted exponent, full mantissa */
    v[4] = from_bits(0xdb7fffffu);
    v[5] = FLT_MIN;
    v[6] = 0.0f;
    v[7] = 1.0f / 3.0f;
    v[DIM - 1] = from_bits(0x80000001u);
    return v;
}

/* pgvector's binary form of v as hex: dimension, zero, big-endian floats. */
static char *vector_hex(const float *v)
{
    char *s = malloc(8 + 8 * DIM + 1);
    int n = sprintf(s, "%04x0000", DIM);
    for (int i = 0; i < DIM; i++)
        n += sprintf(s + n, "%08x", bits_of(v[i]));
    return s;
}

static long long comm_count(void) { return pt_num("SELECT count(*) FROM communications"); }

static pinky_time a_time(int y, int mo, int d, int h, int mi, int s, int us)
{
    pinky_time t;
    pt_ok(pinky_time_from_utc(y, mo, d, h, mi, s, us, &t));
    return t;
}

static pinky_comm *new_comm(int32_t uid, const char *source, pinky_time date, const char *subject)
{
    pinky_comm c;
    pinky_comm_init(&c);
    c.source = (char *)source;
    c.communication_date = pinky_time_val(date);
    c.subject = (char *)subject;
    pinky_comm *out = NULL;
    pt_ok(pinky_comm_create(pt_db(), uid, &c, &out));
    return out;
}

static void test_comm_round_trip(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    float *vec = make_vector();
    char *source = pt_repeat("é", 50);
    char *source_id = pt_repeat("é", 255);
    char *sender = pt_repeat("日", 255);
    char *content = pt_repeat("Grüße ✉ ", 5000);
    pinky_time date = a_time(2024, 2, 29, 13, 45, 0, 123457);

    pinky_comm c;
    pinky_comm_init(&c);
    c.source = source;
    c.source_id = source_id;
    c.communication_date = pinky_time_val(date);
    c.sender = sender;
    c.recipients = "[\"zoë@example.invalid\", {\"cc\": \"ann@example.invalid\"}]";
    c.subject = "Re: déjà vu 🐭";
    c.content = content;
    c.content_vector = vec;
    c.content_vector_dim = DIM;
    c.attachments = "[{\"name\": \"a.pdf\", \"size\": 12}]";
    c.metadata = "{\"n\": null, \"labels\": [1, 2.5, true], \"thread\": \"x\"}";
    pinky_comm *out = NULL;
    pinky_time before = pinky_time_now();
    pt_ok(pinky_comm_create(db, uid, &c, &out));
    assert_int_equal(out->struct_size, sizeof(pinky_comm));
    assert_false(pinky_uuid_is_nil(&out->id));
    assert_int_equal(out->user_id, uid);
    assert_string_equal(out->source, source);
    assert_string_equal(out->source_id, source_id);
    assert_true(out->communication_date.is_set);
    assert_int_equal(out->communication_date.value, date);
    assert_string_equal(out->sender, sender);
    assert_string_equal(out->recipients, c.recipients);
    assert_string_equal(out->subject, c.subject);
    assert_string_equal(out->content, content);
    assert_string_equal(out->attachments, c.attachments);
    assert_string_equal(out->metadata, c.metadata);
    assert_int_equal(out->content_vector_dim, DIM);
    assert_memory_equal(out->content_vector, vec, sizeof(float) * DIM);
    assert_true(out->created_at >= before - 5000000 && out->created_at <= pinky_time_now() + 5000000);
    assert_int_equal(out->created_at, out->updated_at);

    pinky_comm *got = NULL;
    pt_ok(pinky_comm_get(db, uid, &out->id, &got));
    assert_true(pinky_uuid_equal(&got->id, &out->id));
    assert_int_equal(got->user_id, uid);
    assert_string_equal(got->source, source);
    assert_string_equal(got->source_id, source_id);
    assert_int_equal(got->communication_date.value, date);
    assert_string_equal(got->sender, sender);
    assert_string_equal(got->recipients, c.recipients);
    assert_string_equal(got->subject, c.subject);
    assert_string_equal(got->content, content);
    assert_string_equal(got->attachments, c.attachments);
    assert_string_equal(got->metadata, c.metadata);
    assert_int_equal(got->content_vector_dim, DIM);
    assert_int_equal(memcmp(got->content_vector, vec, sizeof(float) * DIM), 0);
    assert_int_equal(bits_of(got->content_vector[0]), 0x80000000u);
    assert_int_equal(bits_of(got->content_vector[1]), 0x00000001u);
    assert_int_equal(got->created_at, out->created_at);
    assert_int_equal(got->updated_at, out->updated_at);
    pinky_comm_free(got);

    /* and through SQL */
    char id[PINKY_UUID_STRLEN];
    pinky_uuid_format(&out->id, id);
    assert_int_equal(pt_num("SELECT vector_dims(content_vector) FROM communications WHERE id = '%s'", id), DIM);
    const int probe[] = {1, 2, 3, 4, 5, 6, 7, 8, 777, DIM};
    for (size_t i = 0; i < sizeof probe / sizeof probe[0]; i++) {
        char *hex = pt_str("SELECT encode(float4send((content_vector::real[])[%d]), 'hex') "
                           "FROM communications WHERE id = '%s'", probe[i], id);
        char want[9];
        snprintf(want, sizeof want, "%08x", bits_of(vec[probe[i] - 1]));
        assert_string_equal(hex, want);
        free(hex);
    }
    char *all = pt_str("SELECT encode(vector_send(content_vector), 'hex') FROM communications WHERE id = '%s'", id);
    char *want_all = vector_hex(vec);
    assert_string_equal(all, want_all);
    free(all);
    free(want_all);
    assert_int_equal(pt_num("SELECT ((content_vector::real[])[4] = '72057589742960640'::real)::int"
                            " FROM communications WHERE id = '%s'", id), 1);
    char *s = pt_str("SELECT source FROM communications WHERE id = '%s'", id);
    assert_string_equal(s, source);
    free(s);
    assert_int_equal(pt_num("SELECT char_length(source) FROM communications WHERE id = '%s'", id), 50);
    assert_int_equal(pt_num("SELECT char_length(sender) FROM communications WHERE id = '%s'", id), 255);
    assert_int_equal(pt_num("SELECT (extract(epoch FROM communication_date) * 1000000)::bigint "
                            "FROM communications WHERE id = '%s'", id), date);
    s = pt_str("SELECT metadata->>'thread' FROM communications WHERE id = '%s'", id);
    assert_string_equal(s, "x");
    free(s);
    s = pt_str("SELECT recipients->1->>'cc' FROM communications WHERE id = '%s'", id);
    assert_string_equal(s, "ann@example.invalid");
    free(s);
    assert_int_equal(pt_num("SELECT user_id FROM communications WHERE id = '%s'", id), uid);

    /* NULLs everywhere they are allowed, and the infinite dates */
    pinky_time dates[] = {PINKY_TIME_INFINITY, PINKY_TIME_NEG_INFINITY};
    const char *sql_dates[] = {"infinity", "-infinity"};
    for (int k = 0; k < 2; k++) {
        pinky_comm n;
        pinky_comm_init(&n);
        n.source = "s";
        n.communication_date = pinky_time_val(dates[k]);
        n.content_vector_dim = 0; /* no vector (a dimension without one is INVALID) */
        pinky_comm *no = NULL;
        pt_ok(pinky_comm_create(db, uid, &n, &no));
        assert_int_equal(no->communication_date.value, dates[k]);
        assert_null(no->source_id);
        assert_null(no->sender);
        assert_null(no->recipients);
        assert_null(no->subject);
        assert_null(no->content);
        assert_null(no->content_vector);
        assert_int_equal(no->content_vector_dim, 0);
        assert_null(no->attachments);
        assert_null(no->metadata);
        pinky_comm *g = NULL;
        pt_ok(pinky_comm_get(db, uid, &no->id, &g));
        assert_int_equal(g->communication_date.value, dates[k]);
        assert_null(g->content_vector);
        assert_null(g->metadata);
        pinky_comm_free(g);
        char nid[PINKY_UUID_STRLEN];
        pinky_uuid_format(&no->id, nid);
        assert_int_equal(pt_num("SELECT count(*) FROM communications WHERE id = '%s' AND content_vector IS NULL "
                                "AND source_id IS NULL AND sender IS NULL AND recipients IS NULL AND subject IS NULL "
                                "AND content IS NULL AND attachments IS NULL AND metadata IS NULL "
                                "AND communication_date = '%s'::timestamptz", nid, sql_dates[k]), 1);
        pinky_comm_free(no);
    }

    pt_ok(pinky_comm_delete(db, uid, &out->id));
    pt_status(pinky_comm_get(db, uid, &out->id, &got), PINKY_NOT_FOUND);
    assert_null(got);
    pt_status(pinky_comm_delete(db, uid, &out->id), PINKY_NOT_FOUND);
    assert_int_equal(pt_num("SELECT count(*) FROM communications WHERE id = '%s'", id), 0);
    pinky_comm_free(out);
    free(vec);
    free(source);
    free(source_id);
    free(sender);
    free(content);
}

static void test_comm_vector_invalid(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    long long before = comm_count();
    float *vec = make_vector();
    float *big = malloc(sizeof(float) * (DIM + 1));
    memcpy(big, vec, sizeof(float) * DIM);
    big[DIM] = 1.0f;
    pinky_comm c;
    pinky_comm_init(&c);
    c.source = "mail";
    c.communication_date = pinky_time_val(pinky_time_now());
    pinky_comm *out = (pinky_comm *)0x1;

    /* wrong dimensions: the message names the column, 1536 and the actual dimension */
    float three[3] = {1, 2, 3};
    struct { float *v; uint32_t dim; const char *actual; } dims[] = {
        {three, 3, "3"}, {big, DIM + 1, "1537"}, {vec, DIM - 1, "1535"}, {vec, 0, "0"}};
    for (size_t i = 0; i < sizeof dims / sizeof dims[0]; i++) {
        c.content_vector = dims[i].v;
        c.content_vector_dim = dims[i].dim;
        pt_status(pinky_comm_create(db, uid, &c, &out), PINKY_INVALID);
        assert_null(out);
        pt_error_names("content_vector");
        pt_error_names("1536");
        char want[32];
        snprintf(want, sizeof want, "dimension %s", dims[i].actual);
        pt_error_names(want);
        assert_string_equal(pinky_error_last()->field, "comm.content_vector");
    }

    /* a NaN or an infinity anywhere */
    const float bad[] = {NAN, -NAN, INFINITY, -INFINITY, from_bits(0x7f800001u), from_bits(0xffc00000u)};
    const int where[] = {0, 1, 767, DIM - 1};
    c.content_vector = vec;
    c.content_vector_dim = DIM;
    for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
        for (size_t w = 0; w < sizeof where / sizeof where[0]; w++) {
            float keep = vec[where[w]];
            vec[where[w]] = bad[b];
            pt_status(pinky_comm_create(db, uid, &c, &out), PINKY_INVALID);
            pt_error_names("content_vector");
            char idx[32];
            snprintf(idx, sizeof idx, "element %d", where[w]);
            pt_error_names(idx);
            vec[where[w]] = keep;
        }
    }
    /* no direction, or distances that would be NaN: a zero vector, a norm
       beyond single precision, a NULL pointer with a dimension */
    float *zero = calloc(DIM, sizeof(float));
    c.content_vector = zero;
    pt_status(pinky_comm_create(db, uid, &c, &out), PINKY_INVALID);
    pt_error_names("zero vector");
    float *huge = malloc(sizeof(float) * DIM);
    for (int i = 0; i < DIM; i++)
        huge[i] = 1e20f;
    c.content_vector = huge;
    pt_status(pinky_comm_create(db, uid, &c, &out), PINKY_INVALID);
    pt_error_names("overflows");
    c.content_vector = NULL;
    pt_status(pinky_comm_create(db, uid, &c, &out), PINKY_INVALID);
    pt_error_names("content_vector");
    c.content_vector = vec;
    free(zero);
    free(huge);
    assert_int_equal(comm_count(), before);

    /* the same checks on update; the stored vector stays */
    pinky_comm *ok = NULL;
    pt_ok(pinky_comm_create(db, uid, &c, &ok));
    char id[PINKY_UUID_STRLEN];
    pinky_uuid_format(&ok->id, id);
    char *hex_before = pt_str("SELECT encode(vector_send(content_vector), 'hex') FROM communications WHERE id = '%s'", id);
    pinky_comm ch;
    pinky_comm_init(&ch);
    ch.content_vector = three;
    ch.content_vector_dim = 3;
    pt_status(pinky_comm_update(db, uid, &ok->id, &ch, PINKY_COMM_CONTENT_VECTOR, NULL, NULL), PINKY_INVALID);
    pt_error_names("content_vector");
    pt_error_names("1536");
    vec[100] = NAN;
    ch.content_vector = vec;
    ch.content_vector_dim = DIM;
    pt_status(pinky_comm_update(db, uid, &ok->id, &ch, PINKY_COMM_CONTENT_VECTOR, NULL, NULL), PINKY_INVALID);
    pt_error_names("content_vector");
    char *hex_after = pt_str("SELECT encode(vector_send(content_vector), 'hex') FROM communications WHERE id = '%s'", id);
    assert_string_equal(hex_before, hex_after);
    assert_int_equal(pt_num("SELECT (updated_at = created_at)::int FROM communications WHERE id = '%s'", id), 1);
    free(hex_before);
    free(hex_after);
    pinky_comm_free(ok);
    free(vec);
    free(big);
}

static void test_comm_bad_input(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    long long before = comm_count();
    char *s51 = pt_repeat("é", 51), *s256 = pt_repeat("é", 256);
    pinky_comm *out = (pinky_comm *)0x1;


    pinky_comm c;
#define RESET()                                                         \
    do {                                                                \
        pinky_comm_init(&c);                                            \
        c.source = "mail";                                              \
        c.communication_date = pinky_time_val(pinky_time_now());        \
    } while (0)
#define EXPECT_INVALID(FIELD)                                           \
    do {                                                                \
        out = (pinky_comm *)0x1;                                        \
        pt_status(pinky_comm_create(db, uid, &c, &out), PINKY_INVALID); \
        assert_null(out);                                               \
        pt_error_names(FIELD);                                          \
    } while (0)

    RESET(); c.source = NULL; EXPECT_INVALID("source");
    RESET(); c.source = ""; EXPECT_INVALID("source");
    RESET(); c.source = s51; EXPECT_INVALID("source"); pt_error_names("51");
    RESET(); c.source = "bad\xC3\x28"; EXPECT_INVALID("source"); pt_error_names("UTF-8");
    RESET(); c.communication_date.is_set = false; EXPECT_INVALID("communication_date");
    RESET(); c.source_id = s256; EXPECT_INVALID("source_id");
    RESET(); c.source_id = "\xff"; EXPECT_INVALID("source_id");
    RESET(); c.sender = s256; EXPECT_INVALID("sender");
    RESET(); c.sender = "\xe2\x82"; EXPECT_INVALID("sender");
    RESET(); c.recipients = "[\"a\","; EXPECT_INVALID("recipients");
    RESET(); c.recipients = ""; EXPECT_INVALID("recipients");
    RESET(); c.subject = "x\xc0\xaf"; EXPECT_INVALID("subject");
    RESET(); c.content = "\xed\xa0\x80"; EXPECT_INVALID("content"); /* a UTF-16 surrogate */
    RESET(); c.attachments = "{'a': 1}"; EXPECT_INVALID("attachments");
    RESET(); c.metadata = "{\"a\": 1} trailing"; EXPECT_INVALID("metadata");
    RESET(); c.metadata = "\"\\u0000\""; EXPECT_INVALID("metadata");
    RESET(); c.struct_size = 8; EXPECT_INVALID("struct_size");
    RESET();
    pt_status(pinky_comm_create(NULL, uid, &c, &out), PINKY_INVALID);
    pt_error_names("db");
    pt_status(pinky_comm_create(db, uid, NULL, &out), PINKY_INVALID);
    /* a user that does not exist */
    pt_status(pinky_comm_create(db, 2000000000, &c, &out), PINKY_NOT_FOUND);
    pt_error_names("user");
    assert_int_equal(comm_count(), before);

    /* update: masks and NOT NULL columns */
    pinky_comm *row = NULL;
    pt_ok(pinky_comm_create(db, uid, &c, &row));
    char id[PINKY_UUID_STRLEN];
    pinky_uuid_format(&row->id, id);
    RESET();
    pt_status(pinky_comm_update(db, uid, &row->id, &c, 0, NULL, NULL), PINKY_INVALID);
    pt_error_names("mask");
    pt_status(pinky_comm_update(db, uid, &row->id, &c, UINT64_C(1) << 40, NULL, NULL), PINKY_INVALID);
    pt_error_names("mask");
    c.source = NULL;
    pt_status(pinky_comm_update(db, uid, &row->id, &c, PINKY_COMM_SOURCE, NULL, NULL), PINKY_INVALID);
    pt_error_names("source");
    RESET();
    c.communication_date.is_set = false;
    pt_status(pinky_comm_update(db, uid, &row->id, &c, PINKY_COMM_COMMUNICATION_DATE, NULL, NULL),
              PINKY_INVALID);
    pt_error_names("communication_date");
    RESET();
    c.metadata = "{";
    pt_status(pinky_comm_update(db, uid, &row->id, &c, PINKY_COMM_METADATA, NULL, NULL), PINKY_INVALID);
    pt_error_names("metadata");
    pt_status(pinky_comm_update(db, uid, NULL, &c, PINKY_COMM_METADATA, NULL, NULL), PINKY_INVALID);
    pt_error_names("id");
    pt_status(pinky_comm_get(db, uid, NULL, &out), PINKY_INVALID);
    pt_status(pinky_comm_get(db, uid, &row->id, NULL), PINKY_INVALID);
    pt_status(pinky_comm_delete(db, uid, NULL), PINKY_INVALID);
    assert_int_equal(pt_num("SELECT count(*) FROM communications WHERE id = '%s' AND updated_at = created_at "
                            "AND source = 'mail' AND metadata IS NULL", id), 1);

    /* list arguments */
    pinky_comm_filter f;
    pinky_comm_filter_init(&f);
    pinky_comm_page *p = NULL;
    f.limit = PINKY_LIST_MAX_LIMIT + 1;
    pt_status(pinky_comm_list(db, uid, &f, &p), PINKY_INVALID);
    pt_error_names("limit");
    f.limit = 0;
    f.cursor = "bm9wZQ";
    pt_status(pinky_comm_list(db, uid, &f, &p), PINKY_INVALID);
    pt_error_names("cursor");
    f.cursor = NULL;
    f.subject_contains = "\xff";
    pt_status(pinky_comm_list(db, uid, &f, &p), PINKY_INVALID);
    pt_error_names("subject_contains");
    f.subject_contains = NULL;
    f.tag = s256;
    pt_status(pinky_comm_list(db, uid, &f, &p), PINKY_INVALID);
    pt_error_names("tag");
    f.tag = NULL;
    f.struct_size = 4;
    pt_status(pinky_comm_list(db, uid, &f, &p), PINKY_INVALID);
    pt_error_names("struct_size");
    pt_status(pinky_comm_list(db, uid, NULL, NULL), PINKY_INVALID);
    pinky_comm_free(row);
    free(s51);
    free(s256);
#undef RESET
#undef EXPECT_INVALID
}

static void test_comm_update(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    float *v1 = make_vector(), *v2 = make_vector();
    pinky_comm c;
    pinky_comm_init(&c);
    c.source = "slack";
    c.source_id = "C123/1700000000.000100";
    c.communication_date = pinky_time_val(a_time(2023, 12, 31, 23, 59, 59, 999999));
    c.sender = "ann";
    c.recipients = "[\"bob\"]";
    c.subject = "old subject";
    c.content = "old content";
    c.content_vector = v1;
    c.content_vector_dim = DIM;
    c.attachments = "[]";
    c.metadata = "{\"k\": 1}";
    pinky_comm *row = NULL;
    pt_ok(pinky_comm_create(db, uid, &c, &row));
    char id[PINKY_UUID_STRLEN];
    pinky_uuid_format(&row->id, id);

    /* change the subject and the vector only: the masked-out fields keep their values */
    pinky_comm ch;
    pinky_comm_init(&ch);
    ch.subject = "new subject";
    ch.content_vector = v2;
    ch.content_vector_dim = DIM;
    ch.source = "IGNORED";
    ch.sender = NULL;
    ch.metadata = "{\"ignored\": true}";
    pinky_comm *upd = NULL;
    pt_ok(pinky_comm_update(db, uid, &row->id, &ch, PINKY_COMM_SUBJECT | PINKY_COMM_CONTENT_VECTOR,
                            &row->updated_at, &upd));
    assert_string_equal(upd->subject, "new subject");
    assert_int_equal(memcmp(upd->content_vector, v2, sizeof(float) * DIM), 0);
    assert_string_equal(upd->source, "slack");
    assert_string_equal(upd->sender, "ann");
    assert_string_equal(upd->metadata, "{\"k\": 1}");
    assert_int_equal(upd->communication_date.value, row->communication_date.value);
    assert_true(upd->updated_at > row->updated_at);
    assert_int_equal(upd->created_at, row->created_at);
    assert_int_equal(pt_num("SELECT count(*) FROM communications WHERE id = '%s' AND source = 'slack' "
                            "AND source_id = 'C123/1700000000.000100' AND sender = 'ann' "
                            "AND recipients = '[\"bob\"]'::jsonb AND content = 'old content' "
                            "AND attachments = '[]'::jsonb AND metadata = '{\"k\": 1}'::jsonb "
                            "AND subject = 'new subject'", id), 1);
    char *hex = pt_str("SELECT encode(vector_send(content_vector), 'hex') FROM communications WHERE id = '%s'", id);
    char *want = vector_hex(v2);
    assert_string_equal(hex, want);
    free(hex);
    free(want);

    /* a stale expected updated_at: CONFLICT, nothing written */
    ch.subject = "stale";
    pt_status(pinky_comm_update(db, uid, &row->id, &ch, PINKY_COMM_SUBJECT, &row->updated_at, NULL),
              PINKY_CONFLICT);
    pt_error_names("updated_at");
    char *subj = pt_str("SELECT subject FROM communications WHERE id = '%s'", id);
    assert_string_equal(subj, "new subject");
    free(subj);
    assert_int_equal(pt_num("SELECT (extract(epoch FROM updated_at) * 1000000)::bigint FROM communications WHERE id = '%s'", id),
                     upd->updated_at);

    /* clear nullable fields, move the date to -infinity */
    pinky_comm_init(&ch);
    ch.communication_date = pinky_time_val(PINKY_TIME_NEG_INFINITY);
    pinky_comm *upd2 = NULL;
    pt_ok(pinky_comm_update(db, uid, &row->id, &ch,
                            PINKY_COMM_CONTENT_VECTOR | PINKY_COMM_SENDER | PINKY_COMM_METADATA |
                                PINKY_COMM_COMMUNICATION_DATE,
                            &upd->updated_at, &upd2));
    assert_null(upd2->content_vector);
    assert_null(upd2->sender);
    assert_null(upd2->metadata);
    assert_int_equal(upd2->communication_date.value, PINKY_TIME_NEG_INFINITY);
    assert_string_equal(upd2->subject, "new subject");
    assert_int_equal(pt_num("SELECT count(*) FROM communications WHERE id = '%s' AND content_vector IS NULL "
                            "AND sender IS NULL AND metadata IS NULL AND communication_date = '-infinity' "
                            "AND content = 'old content'", id), 1);
    pinky_comm_free(row);
    pinky_comm_free(upd);
    pinky_comm_free(upd2);
    free(v1);
    free(v2);
}

static void test_comm_tenancy(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t a = pt_user(), b = pt_user();
    pinky_comm *row = new_comm(a, "mail", a_time(2024, 1, 1, 0, 0, 0, 0), "mine");
    char id[PINKY_UUID_STRLEN];
    pinky_uuid_format(&row->id, id);
    pt_ok(pinky_comm_tag_add(db, a, &row->id, "keep"));

    pinky_comm *got = (pinky_comm *)0x1;
    pt_status(pinky_comm_get(db, b, &row->id, &got), PINKY_NOT_FOUND);
    assert_null(got);
    pinky_comm ch;
    pinky_comm_init(&ch);
    ch.subject = "stolen";
    pt_status(pinky_comm_update(db, b, &row->id, &ch, PINKY_COMM_SUBJECT, NULL, NULL), PINKY_NOT_FOUND);
    pt_status(pinky_comm_update(db, b, &row->id, &ch, PINKY_COMM_SUBJECT, &row->updated_at, NULL),
              PINKY_NOT_FOUND);
    pt_status(pinky_comm_delete(db, b, &row->id), PINKY_NOT_FOUND);
    pt_status(pinky_comm_tag_add(db, b, &row->id, "evil"), PINKY_NOT_FOUND);
    pt_status(pinky_comm_tag_remove(db, b, &row->id, "keep"), PINKY_NOT_FOUND);
    pinky_comm_tag_page *tp = (pinky_comm_tag_page *)0x1;
    pt_status(pinky_comm_tag_list(db, b, &row->id, NULL, &tp), PINKY_NOT_FOUND);
    assert_null(tp);
    pinky_comm_page *p = NULL;
    pt_ok(pinky_comm_list(db, b, NULL, &p));
    assert_int_equal(p->count, 0);
    assert_null(p->next_cursor);
    pinky_comm_page_free(p);
    pinky_comm_filter f;
    pinky_comm_filter_init(&f);
    f.tag = "keep";
    pt_ok(pinky_comm_list(db, b, &f, &p));
    assert_int_equal(p->count, 0);
    pinky_comm_page_free(p);
    /* the owner still sees it unchanged, with its one tag */
    pt_ok(pinky_comm_list(db, a, &f, &p));
    assert_int_equal(p->count, 1);
    assert_string_equal(p->items[0]->subject, "mine");
    pinky_comm_page_free(p);
    assert_int_equal(pt_num("SELECT count(*) FROM communications WHERE id = '%s' AND subject = 'mine' "
                            "AND user_id = %d AND updated_at = created_at", id, a), 1);
    assert_int_equal(pt_num("SELECT count(*) FROM communication_tags WHERE communication_id = '%s'", id), 1);
    pinky_comm_free(row);
}

static void test_comm_tags(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    pinky_comm *c1 = new_comm(uid, "mail", a_time(2024, 3, 1, 0, 0, 0, 0), "one");
    pinky_comm *c2 = new_comm(uid, "mail", a_time(2024, 3, 2, 0, 0, 0, 0), "two");
    char id1[PINKY_UUID_STRLEN];
    pinky_uuid_format(&c1->id, id1);
    char *long_tag = pt_repeat("é", 255);

    pt_ok(pinky_comm_tag_add(db, uid, &c1->id, "urgent"));
    char *first = pt_str("SELECT created_at FROM communication_tags WHERE communication_id = '%s' AND tag = 'urgent'", id1);
    assert_non_null(first);
    /* idempotent: the same tag again keeps the first row */
    pt_ok(pinky_comm_tag_add(db, uid, &c1->id, "urgent"));
    char *again = pt_str("SELECT created_at FROM communication_tags WHERE communication_id = '%s' AND tag = 'urgent'", id1);
    assert_string_equal(again, first);
    free(first);
    free(again);
    assert_int_equal(pt_num("SELECT count(*) FROM communication_tags WHERE communication_id = '%s' AND tag = 'urgent'", id1), 1);
    pt_ok(pinky_comm_tag_add(db, uid, &c1->id, long_tag));
    pt_ok(pinky_comm_tag_add(db, uid, &c1->id, "b-tag"));
    pt_ok(pinky_comm_tag_add(db, uid, &c1->id, "a-tag"));
    pt_ok(pinky_comm_tag_add(db, uid, &c2->id, "urgent"));
    char *sql_tag = pt_str("SELECT tag FROM communication_tags WHERE communication_id = '%s' AND char_length(tag) = 255", id1);
    assert_string_equal(sql_tag, long_tag);
    free(sql_tag);

    /* list in tag order, paged */
    char *order = pt_str("SELECT string_agg(tag, '|' ORDER BY tag) FROM communication_tags WHERE communication_id = '%s'", id1);
    pinky_comm_tag_filter tf;
    pinky_comm_tag_filter_init(&tf);
    tf.limit = 3;
    char got[4096] = "";
    char *cursor = NULL;
    int pages = 0;
    for (;;) {
        tf.cursor = cursor;
        pinky_comm_tag_page *tp = NULL;
        pt_ok(pinky_comm_tag_list(db, uid, &c1->id, &tf, &tp));
        pages++;
        for (size_t i = 0; i < tp->count; i++) {
            assert_true(pinky_uuid_equal(&tp->items[i]->communication_id, &c1->id));
            if (got[0])
                strcat(got, "|");
            strcat(got, tp->items[i]->tag);
        }
        free(cursor);
        cursor = tp->next_cursor ? strdup(tp->next_cursor) : NULL;
        pinky_comm_tag_page_free(tp);
        if (cursor == NULL)
            break;
    }
    assert_string_equal(got, order);
    assert_int_equal(pages, 2);
    free(order);
    tf.limit = 0;
    tf.cursor = NULL;
    tf.tag_prefix = "b-";
    pinky_comm_tag_page *tp = NULL;
    pt_ok(pinky_comm_tag_list(db, uid, &c1->id, &tf, &tp));
    assert_int_equal(tp->count, 1);
    assert_string_equal(tp->items[0]->tag, "b-tag");
    pinky_comm_tag_page_free(tp);
    pt_ok(pinky_comm_tag_list(db, uid, &c2->id, NULL, &tp));
    assert_int_equal(tp->count, 1);
    pinky_comm_tag_page_free(tp);

    /* comms by tag */
    pinky_comm_filter f;
    pinky_comm_filter_init(&f);
    f.tag = "urgent";
    pinky_comm_page *p = NULL;
    pt_ok(pinky_comm_list(db, uid, &f, &p));
    assert_int_equal(p->count, 2);
    assert_true(pinky_uuid_equal(&p->items[0]->id, &c2->id)); /* most recent first */
    assert_true(pinky_uuid_equal(&p->items[1]->id, &c1->id));
    pinky_comm_page_free(p);
    f.tag = long_tag;
    pt_ok(pinky_comm_list(db, uid, &f, &p));
    assert_int_equal(p->count, 1);
    assert_true(pinky_uuid_equal(&p->items[0]->id, &c1->id));
    pinky_comm_page_free(p);

    /* bad tags: nothing written */
    long long tags_before = pt_num("SELECT count(*) FROM communication_tags");
    char *too_long = pt_repeat("é", 256);
    const char *bad[] = {"", too_long, "x\xff", NULL};
    for (int i = 0; bad[i]; i++) {
        pt_status(pinky_comm_tag_add(db, uid, &c1->id, bad[i]), PINKY_INVALID);
        pt_error_names("tag");
    }
    pt_status(pinky_comm_tag_add(db, uid, &c1->id, NULL), PINKY_INVALID);
    pt_error_names("tag");
    pt_status(pinky_comm_tag_add(db, uid, NULL, "x"), PINKY_INVALID);
    pt_error_names("communication_id");
    pt_status(pinky_comm_tag_remove(db, uid, &c1->id, ""), PINKY_INVALID);
    pt_error_names("tag");
    pt_status(pinky_comm_tag_list(db, uid, &c1->id, NULL, NULL), PINKY_INVALID);
    tf.struct_size = 3;
    pt_status(pinky_comm_tag_list(db, uid, &c1->id, &tf, &tp), PINKY_INVALID);
    pt_error_names("struct_size");
    assert_int_equal(pt_num("SELECT count(*) FROM communication_tags"), tags_before);

    /* a communication that does not exist */
    pinky_uuid nobody;
    pinky_uuid_generate(&nobody);
    pt_status(pinky_comm_tag_add(db, uid, &nobody, "x"), PINKY_NOT_FOUND);
    pt_error_names("communication_id");
    pt_status(pinky_comm_tag_list(db, uid, &nobody, NULL, &tp), PINKY_NOT_FOUND);

    /* remove */
    pt_ok(pinky_comm_tag_remove(db, uid, &c1->id, "b-tag"));
    pt_status(pinky_comm_tag_remove(db, uid, &c1->id, "b-tag"), PINKY_NOT_FOUND);
    assert_int_equal(pt_num("SELECT count(*) FROM communication_tags WHERE communication_id = '%s' AND tag = 'b-tag'", id1), 0);
    /* a communication without tags lists empty, not NOT_FOUND */
    pinky_comm *c3 = new_comm(uid, "mail", a_time(2024, 3, 3, 0, 0, 0, 0), "three");
    pt_ok(pinky_comm_tag_list(db, uid, &c3->id, NULL, &tp));
    assert_int_equal(tp->count, 0);
    pinky_comm_tag_page_free(tp);
    /* deleting the communication removes its tags */
    pt_ok(pinky_comm_delete(db, uid, &c1->id));
    assert_int_equal(pt_num("SELECT count(*) FROM communication_tags WHERE communication_id = '%s'", id1), 0);
    pt_status(pinky_comm_tag_list(db, uid, &c1->id, NULL, &tp), PINKY_NOT_FOUND);
    pinky_comm_free(c1);
    pinky_comm_free(c2);
    pinky_comm_free(c3);
    free(long_tag);
    free(too_long);
}

/* (date desc, id desc): is a strictly before b in the list order? */
static bool list_before(const pinky_comm *a, const pinky_comm *b)
{
    if (a->communication_date.value != b->communication_date.value)
        return a->communication_date.value > b->communication_date.value;
    return memcmp(a->id.bytes, b->id.bytes, 16) > 0;
}

static int cmp_uuid(const void *a, const void *b) { return memcmp(a, b, 16); }

static void test_comm_pagination(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    enum { N = 1000 };
    pinky_uuid *ids = malloc(sizeof(pinky_uuid) * N);
    float *vec = make_vector();
    pinky_time base = a_time(2022, 6, 1, 12, 0, 0, 0);
    for (int i = 0; i < N; i++) {
        pinky_comm c;
        pinky_comm_init(&c);
        c.source = i % 2 ? "mail" : "chat";
        /* four rows share each date, so the id decides between them */
        c.communication_date = pinky_time_val(i == 0 ? PINKY_TIME_INFINITY
                                              : i == 1 ? PINKY_TIME_NEG_INFINITY
                                                       : base + (int64_t)(i / 4) * 1000003);
        char subject[64];
        snprintf(subject, sizeof subject, "Subject %s %d", i % 10 == 0 ? "QUARTERLY" : "weekly", i);
        c.subject = subject;
        if (i % 100 == 0) {
            c.content_vector = vec;
            c.content_vector_dim = DIM;
        }
        pinky_comm *out = NULL;
        pt_ok(pinky_comm_create(db, uid, &c, &out));
        ids[i] = out->id;
        pinky_comm_free(out);
    }
    pinky_comm_filter f;
    pinky_comm_filter_init(&f);
    f.limit = 64;
    pinky_uuid *seen = malloc(sizeof(pinky_uuid) * N);
    int nseen = 0, pages = 0, vectors = 0;
    pinky_comm *prev = NULL;
    char *cursor = NULL;
    for (;;) {
        f.cursor = cursor;
        pinky_comm_page *p = NULL;
        pt_ok(pinky_comm_list(db, uid, &f, &p));
        pages++;
        assert_true(p->count <= 64);
        for (size_t i = 0; i < p->count; i++) {
            pinky_comm *c = p->items[i];
            assert_true(nseen < N);
            if (prev)
                assert_true(list_before(prev, c));
            pinky_comm_free(prev);
            /* keep a copy of the ordering fields only */
            prev = calloc(1, sizeof *prev);
            prev->id = c->id;
            prev->communication_date = c->communication_date;
            if (c->content_vector) {
                assert_int_equal(memcmp(c->content_vector, vec, sizeof(float) * DIM), 0);
                vectors++;
            }
            seen[nseen++] = c->id;
        }
        if (pages == 1)
            assert_int_equal(p->items[0]->communication_date.value, PINKY_TIME_INFINITY);
        free(cursor);
        cursor = p->next_cursor ? strdup(p->next_cursor) : NULL;
        if (cursor == NULL)
            assert_int_equal(p->items[p->count - 1]->communication_date.value, PINKY_TIME_NEG_INFINITY);
        pinky_comm_page_free(p);
        if (cursor == NULL)
            break;
    }
    free(prev);
    assert_int_equal(nseen, N);
    assert_int_equal(pages, (N + 63) / 64);
    assert_int_equal(vectors, N / 100);
    qsort(ids, N, sizeof(pinky_uuid), cmp_uuid);
    qsort(seen, N, sizeof(pinky_uuid), cmp_uuid);
    assert_memory_equal(ids, seen, sizeof(pinky_uuid) * N); /* each row exactly once */

    /* the SQL order agrees with the first page */
    char *first_ids = pt_str("SELECT string_agg(id::text, ',' ORDER BY communication_date DESC, id DESC) "
                             "FROM (SELECT * FROM communications WHERE user_id = %d "
                             "ORDER BY communication_date DESC, id DESC LIMIT 5) s", uid);
    pinky_comm_page *p = NULL;
    f.cursor = NULL;
    f.limit = 5;
    pt_ok(pinky_comm_list(db, uid, &f, &p));
    char buf[5 * 37 + 8] = "";
    for (size_t i = 0; i < p->count; i++) {
        char u[PINKY_UUID_STRLEN];
        pinky_uuid_format(&p->items[i]->id, u);
        if (i)
            strcat(buf, ",");
        strcat(buf, u);
    }
    assert_string_equal(buf, first_ids);
    free(first_ids);
    pinky_comm_page_free(p);

    /* filters, each paged through and counted against SQL */
    struct {
        const char *source, *contains;
        bool range;
    } fs[] = {{"mail", NULL, false}, {NULL, "quarterly", false}, {NULL, NULL, true},
              {"chat", "QUARTERLY", true}};
    pinky_time from = base + 50 * 1000003, before = base + 120 * 1000003;
    for (size_t k = 0; k < sizeof fs / sizeof fs[0]; k++) {
        pinky_comm_filter_init(&f);
        f.limit = 64;
        f.source = fs[k].source;
        f.subject_contains = fs[k].contains;
        if (fs[k].range) {
            f.communication_date_from = pinky_time_val(from);
            f.communication_date_before = pinky_time_val(before);
        }
        long long n = 0;
        cursor = NULL;
        for (;;) {
            f.cursor = cursor;
            pt_ok(pinky_comm_list(db, uid, &f, &p));
            for (size_t i = 0; i < p->count; i++) {
                pinky_comm *c = p->items[i];
                if (fs[k].source)
                    assert_string_equal(c->source, fs[k].source);
                if (fs[k].contains)
                    assert_non_null(strstr(c->subject, "QUARTERLY"));
                if (fs[k].range)
                    assert_true(c->communication_date.value >= from &&
                                c->communication_date.value < before);
                n++;
            }
            free(cursor);
            cursor = p->next_cursor ? strdup(p->next_cursor) : NULL;
            pinky_comm_page_free(p);
            if (cursor == NULL)
                break;
        }
        char fr[PINKY_TIME_STRLEN], be[PINKY_TIME_STRLEN];
        pinky_time_format(from, fr);
        pinky_time_format(before, be);
        long long want = pt_num(
            "SELECT count(*) FROM communications WHERE user_id = %d AND (%d = 0 OR source = '%s') "
            "AND (%d = 0 OR subject ILIKE '%%quarterly%%') "
            "AND (%d = 0 OR (communication_date >= '%s' AND communication_date < '%s'))",
            uid, fs[k].source != NULL, fs[k].source ? fs[k].source : "", fs[k].contains != NULL,
            fs[k].range, fr, be);
        assert_true(want > 0);
        assert_int_equal(n, want);
    }
    free(ids);
    free(seen);
    free(vec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_comm_round_trip),
        cmocka_unit_test(test_comm_vector_invalid),
        cmocka_unit_test(test_comm_bad_input),
        cmocka_unit_test(test_comm_update),
        cmocka_unit_test(test_comm_tenancy),
        cmocka_unit_test(test_comm_tags),
        cmocka_unit_test(test_comm_pagination),
    };
    return cmocka_run_group_tests_name("comms", tests, NULL, NULL);
}
