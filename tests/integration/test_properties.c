/* properties and property_transactions: round trips with exact decimals,
   bad input, tenancy, pagination, field-mask updates, status changes with
   their timeline under concurrency, transaction order. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testdb.h"

static long long n_properties(void) { return pt_num("SELECT count(*) FROM properties"); }
static long long n_transactions(void) { return pt_num("SELECT count(*) FROM property_transactions"); }

static char *sql_text(const char *col, const pinky_uuid *id)
{
    return pt_str("SELECT %s::text FROM properties WHERE id = '%s'", col, pt_uuid_str(id));
}

static void assert_sql(const char *col, const pinky_uuid *id, const char *want)
{
    char *s = sql_text(col, id);
    if (want == NULL) {
        assert_null(s);
        return;
    }
    assert_non_null(s);
    assert_string_equal(s, want);
    free(s);
}

static pinky_uuid make_property(int32_t user, const char *status, pinky_property **keep)
{
    pinky_property p;
    pinky_property_init(&p);
    p.address = "{\"city\": \"Lyon\"}";
    p.property_type = "HOUSE";
    p.status = (char *)status;
    pinky_property *out = NULL;
    pt_ok(pinky_property_create(pt_db(), user, &p, &out));
    pinky_uuid id = out->id;
    if (keep)
        *keep = out;
    else
        pinky_property_free(out);
    return id;
}

/* ---- properties ---- */

static void test_property_round_trip(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    char *type50 = pt_repeat("é", 50), *status50 = pt_repeat("ß", 50);
    pinky_property p;
    pinky_property_init(&p);
    p.address = "{\"zip\": \"8001\", \"city\": \"Zürich\", \"street\": \"Bahnhofstraße 1\"}";
    p.property_type = type50;
    p.status = status50;
    p.listing_price = pinky_decimal(INT64_C(999999999999999)); /* 9999999999999.99: DECIMAL(15,2)'s max */
    p.size_sqft = pinky_decimal(INT64_C(9999999999));          /* 99999999.99: DECIMAL(10,2)'s max */
    p.bedrooms = pinky_i32(INT32_MAX);
    p.bathrooms = pinky_decimal(25);                          /* 2.5 */
    p.year_built = pinky_i32(INT32_MIN);
    p.features = "[\"pool\", \"garage\", {\"solar\": 9.5}]";
    p.documents = "[]";
    p.contacts = "{\"agent\": {\"name\": \"Zoë\"}}";
    p.timeline = "[{\"at\": \"2020-01-01\"}]";
    p.metadata = "{\"n\": null, \"ok\": false}";
    p.user_id = 31337; /* ignored */
    pinky_property *out = NULL;
    pinky_time before = pinky_time_now();
    pt_ok(pinky_property_create(db, uid, &p, &out));
    assert_int_equal(out->struct_size, sizeof(pinky_property));
    assert_int_equal(out->user_id, uid);
    assert_string_equal(out->address, p.address);
    assert_string_equal(out->property_type, type50);
    assert_string_equal(out->status, status50);
    assert_true(out->listing_price.is_set);
    assert_int_equal(out->listing_price.value, INT64_C(999999999999999));
    assert_int_equal(out->size_sqft.value, INT64_C(9999999999));
    assert_int_equal(out->bedrooms.value, INT32_MAX);
    assert_true(out->bathrooms.is_set);
    assert_int_equal(out->bathrooms.value, 25);
    assert_int_equal(out->year_built.value, INT32_MIN);
    assert_string_equal(out->features, p.features);
    assert_string_equal(out->documents, "[]");
    assert_string_equal(out->contacts, p.contacts);
    assert_string_equal(out->timeline, p.timeline);
    assert_string_equal(out->metadata, p.metadata);
    assert_true(out->created_at >= before - 5000000 && out->created_at <= pinky_time_now() + 5000000);
    assert_int_equal(out->created_at, out->updated_at);

    /* SQL sees the exact decimals */
    assert_sql("listing_price", &out->id, "9999999999999.99");
    assert_sql("size_sqft", &out->id, "99999999.99");
    assert_sql("bathrooms", &out->id, "2.5");
    assert_sql("bedrooms", &out->id, "2147483647");
    assert_sql("year_built", &out->id, "-2147483648");
    assert_sql("address->>'street'", &out->id, "Bahnhofstraße 1");
    assert_sql("contacts->'agent'->>'name'", &out->id, "Zoë");
    assert_sql("char_length(property_type)", &out->id, "50");
    assert_sql("property_type", &out->id, type50);
    assert_sql("status", &out->id, status50);
    assert_int_equal(pt_num("SELECT user_id FROM properties WHERE id = '%s'", pt_uuid_str(&out->id)), uid);

    pinky_property *got = NULL;
    pt_ok(pinky_property_get(db, uid, &out->id, &got));
    assert_int_equal(got->listing_price.value, INT64_C(999999999999999));
    assert_int_equal(got->bathrooms.value, 25);
    assert_string_equal(got->status, status50);
    assert_string_equal(got->metadata, p.metadata);
    pinky_property_free(got);
    char buf[PINKY_DECIMAL_STRLEN];
    pinky_decimal_format(out->listing_price.value, PINKY_PROPERTY_LISTING_PRICE_SCALE, buf);
    assert_string_equal(buf, "9999999999999.99");

    /* negative values at the other end of each range */
    pinky_property_init(&p);
    p.address = "{}";
    p.property_type = "LAND";
    p.status = "x";
    p.listing_price = pinky_decimal(-INT64_C(999999999999999));
    p.size_sqft = pinky_decimal(-1);
    p.bathrooms = pinky_decimal(-999);
    p.bedrooms = pinky_i32(-3);
    p.year_built = pinky_i32(0);
    pinky_property *neg = NULL;
    pt_ok(pinky_property_create(db, uid, &p, &neg));
    assert_int_equal(neg->listing_price.value, -INT64_C(999999999999999));
    assert_int_equal(neg->size_sqft.value, -1);
    assert_int_equal(neg->bathrooms.value, -999);
    assert_int_equal(neg->bedrooms.value, -3);
    assert_true(neg->year_built.is_set);
    assert_int_equal(neg->year_built.value, 0);
    assert_sql("listing_price", &neg->id, "-9999999999999.99");
    assert_sql("size_sqft", &neg->id, "-0.01");
    assert_sql("bathrooms", &neg->id, "-99.9");
    /* zero is set, not NULL */
    pinky_property ch;
    pinky_property_init(&ch);
    ch.listing_price = pinky_decimal(0);
    pinky_property *zero = NULL;
    pt_ok(pinky_property_update(db, uid, &neg->id, &ch, PINKY_PROPERTY_LISTING_PRICE, NULL, &zero));
    assert_true(zero->listing_price.is_set);
    assert_int_equal(zero->listing_price.value, 0);
    assert_sql("listing_price", &neg->id, "0.00");
    pinky_property_free(zero);

    /* every nullable column NULL */
    pinky_property_init(&p);
    p.address = "{\"a\": 1}";
    p.property_type = "CONDO";
    p.status = "ACTIVE";
    pinky_property *min = NULL;
    pt_ok(pinky_property_create(db, uid, &p, &min));
    assert_false(min->listing_price.is_set);
    assert_false(min->size_sqft.is_set);
    assert_false(min->bedrooms.is_set);
    assert_false(min->bathrooms.is_set);
    assert_false(min->year_built.is_set);
    assert_null(min->features);
    assert_null(min->documents);
    assert_null(min->contacts);
    assert_null(min->timeline);
    assert_null(min->metadata);
    assert_int_equal(pt_num("SELECT count(*) FROM properties WHERE id = '%s' AND listing_price IS NULL "
                            "AND size_sqft IS NULL AND bedrooms IS NULL AND bathrooms IS NULL "
                            "AND year_built IS NULL AND features IS NULL AND documents IS NULL "
                            "AND contacts IS NULL AND timeline IS NULL AND metadata IS NULL", pt_uuid_str(&min->id)), 1);

    pt_ok(pinky_property_delete(db, uid, &min->id));
    pt_status(pinky_property_get(db, uid, &min->id, &got), PINKY_NOT_FOUND);
    assert_null(got);
    pt_status(pinky_property_delete(db, uid, &min->id), PINKY_NOT_FOUND);
    assert_int_equal(pt_num("SELECT count(*) FROM properties WHERE id = '%s'", pt_uuid_str(&min->id)), 0);
    pinky_property_free(min);
    pinky_property_free(neg);
    pinky_property_free(out);
    free(type50);
    free(status50);
}

static void test_property_update(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    pinky_property p;
    pinky_property_init(&p);
    p.address = "{\"city\": \"Nice\"}";
    p.property_type = "HOUSE";
    p.status = "DRAFT";
    p.listing_price = pinky_decimal(50000000);
    p.bedrooms = pinky_i32(3);
    p.metadata = "{\"k\": 1}";
    pinky_property *out = NULL;
    pt_ok(pinky_property_create(db, uid, &p, &out));

    pinky_property ch;
    pinky_property_init(&ch);
    ch.listing_price = pinky_decimal(45000050);
    ch.bathrooms = pinky_decimal(15);
    ch.status = "ignored";
    ch.address = "{\"ignored\": true}";
    ch.bedrooms = pinky_i32(99);
    pinky_property *upd = NULL;
    pt_ok(pinky_property_update(db, uid, &out->id, &ch,
                                PINKY_PROPERTY_LISTING_PRICE | PINKY_PROPERTY_BATHROOMS, &out->updated_at, &upd));
    assert_int_equal(upd->listing_price.value, 45000050);
    assert_int_equal(upd->bathrooms.value, 15);
    assert_string_equal(upd->status, "DRAFT");
    assert_int_equal(upd->bedrooms.value, 3);
    assert_true(upd->updated_at > out->updated_at);
    assert_int_equal(upd->created_at, out->created_at);
    assert_int_equal(pt_num("SELECT count(*) FROM properties WHERE id = '%s' AND listing_price = 450000.50 "
                            "AND bathrooms = 1.5 AND status = 'DRAFT' AND bedrooms = 3 "
                            "AND address = '{\"city\": \"Nice\"}'::jsonb AND metadata->>'k' = '1' "
                            "AND property_type = 'HOUSE'", pt_uuid_str(&out->id)), 1);

    /* stale expected_updated_at: CONFLICT, nothing written */
    ch.status = "SOLD";
    pt_status(pinky_property_update(db, uid, &out->id, &ch, PINKY_PROPERTY_STATUS, &out->updated_at, NULL),
              PINKY_CONFLICT);
    pt_error_names("updated_at");
    assert_sql("status", &out->id, "DRAFT");
    assert_sql("listing_price", &out->id, "450000.50");

    /* clearing nullable columns */
    pinky_property_init(&ch);
    ch.metadata = NULL;
    pinky_property *cl = NULL;
    pt_ok(pinky_property_update(db, uid, &out->id, &ch,
                                PINKY_PROPERTY_METADATA | PINKY_PROPERTY_BEDROOMS | PINKY_PROPERTY_LISTING_PRICE,
                                &upd->updated_at, &cl));
    assert_null(cl->metadata);
    assert_false(cl->bedrooms.is_set);
    assert_false(cl->listing_price.is_set);
    assert_int_equal(cl->bathrooms.value, 15);
    assert_int_equal(pt_num("SELECT count(*) FROM properties WHERE id = '%s' AND metadata IS NULL "
                            "AND bedrooms IS NULL AND listing_price IS NULL AND bathrooms = 1.5",
                            pt_uuid_str(&out->id)), 1);
    pinky_property_free(cl);
    pinky_property_free(upd);
    pinky_property_free(out);
}

static void test_property_bad_input(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    pinky_property *keep = NULL;
    pinky_uuid pid = make_property(uid, "KEEP", &keep);
    long long before = n_properties();
    pinky_property p, *out = (pinky_property *)0x1;

    pinky_property_init(&p);
    p.address = "{}";
    p.property_type = "HOUSE";
    p.status = "ACTIVE";
    pt_status(pinky_property_create(NULL, uid, &p, &out), PINKY_INVALID);
    pt_error_names("db");
    pt_status(pinky_property_create(db, uid, NULL, &out), PINKY_INVALID);

    char *long51 = pt_repeat("é", 51);
    struct { const char *address, *type, *status, *field; } bad_text[] = {
        {NULL, "HOUSE", "ACTIVE", "address"},
        {"[]", "HOUSE", "ACTIVE", "address"},
        {"\"Main St\"", "HOUSE", "ACTIVE", "address"},
        {"{\"a\": }", "HOUSE", "ACTIVE", "address"},
        {"{}", NULL, "ACTIVE", "property_type"},
        {"{}", "", "ACTIVE", "property_type"},
        {"{}", long51, "ACTIVE", "property_type"},
        {"{}", "bad\xC3\x28", "ACTIVE", "property_type"},
        {"{}", "HOUSE", NULL, "status"},
        {"{}", "HOUSE", "", "status"},
        {"{}", "HOUSE", long51, "status"},
        {"{}", "HOUSE", "\xed\xa0\x80", "status"},
    };
    for (size_t i = 0; i < sizeof bad_text / sizeof bad_text[0]; i++) {
        pinky_property_init(&p);
        p.address = (char *)bad_text[i].address;
        p.property_type = (char *)bad_text[i].type;
        p.status = (char *)bad_text[i].status;
        out = (pinky_property *)0x1;
        pt_status(pinky_property_create(db, uid, &p, &out), PINKY_INVALID);
        pt_error_names(bad_text[i].field);
        assert_null(out);
    }

    /* decimals that do not fit their column never reach the server */
    struct { int which; int64_t value; const char *field; } bad_dec[] = {
        {0, INT64_C(9999999999999999), "listing_price"},  /* 99999999999999.99 */
        {0, -INT64_C(9999999999999999), "listing_price"},
        {0, INT64_C(1000000000000000), "listing_price"},  /* 10000000000000.00 */
        {0, INT64_MAX, "listing_price"},
        {0, INT64_MIN, "listing_price"},
        {1, INT64_C(10000000000), "size_sqft"},           /* 100000000.00 */
        {1, -INT64_C(10000000000), "size_sqft"},
        {2, 1000, "bathrooms"},                           /* 100.0 */
        {2, -1000, "bathrooms"},
    };
    for (size_t i = 0; i < sizeof bad_dec / sizeof bad_dec[0]; i++) {
        pinky_property_init(&p);
        p.address = "{}";
        p.property_type = "HOUSE";
        p.status = "ACTIVE";
        pinky_opt_decimal *d = bad_dec[i].which == 0 ? &p.listing_price
                               : bad_dec[i].which == 1 ? &p.size_sqft : &p.bathrooms;
        *d = pinky_decimal(bad_dec[i].value);
        pt_status(pinky_property_create(db, uid, &p, &out), PINKY_INVALID);
        pt_error_names(bad_dec[i].field);
        assert_string_equal(pinky_error_last()->sqlstate, "");
        /* and through update */
        pinky_property ch;
        pinky_property_init(&ch);
        *(bad_dec[i].which == 0 ? &ch.listing_price : bad_dec[i].which == 1 ? &ch.size_sqft : &ch.bathrooms) =
            pinky_decimal(bad_dec[i].value);
        uint64_t bit = bad_dec[i].which == 0 ? PINKY_PROPERTY_LISTING_PRICE
                       : bad_dec[i].which == 1 ? PINKY_PROPERTY_SIZE_SQFT : PINKY_PROPERTY_BATHROOMS;
        pt_status(pinky_property_update(db, uid, &pid, &ch, bit, NULL, NULL), PINKY_INVALID);
        pt_error_names(bad_dec[i].field);
    }
    /* the message shows the value in decimal form */
    pinky_property_init(&p);
    p.address = "{}";
    p.property_type = "HOUSE";
    p.status = "ACTIVE";
    p.listing_price = pinky_decimal(INT64_C(9999999999999999));
    pt_status(pinky_property_create(db, uid, &p, &out), PINKY_INVALID);
    assert_non_null(strstr(pinky_error_last()->message, "99999999999999.99"));
    assert_string_equal(pinky_error_last()->field, "property.listing_price");

    /* JSON columns */
    const char *json_fields[] = {"features", "documents", "contacts", "timeline", "metadata"};
    for (int i = 0; i < 5; i++) {
        pinky_property_init(&p);
        p.address = "{}";
        p.property_type = "HOUSE";
        p.status = "ACTIVE";
        char **slot = i == 0 ? &p.features : i == 1 ? &p.documents : i == 2 ? &p.contacts
                      : i == 3 ? &p.timeline : &p.metadata;
        *slot = "[1, 2";
        pt_status(pinky_property_create(db, uid, &p, &out), PINKY_INVALID);
        pt_error_names(json_fields[i]);
        *slot = "{\"a\": NaN}";
        pt_status(pinky_property_create(db, uid, &p, &out), PINKY_INVALID);
        pt_error_names(json_fields[i]);
    }
    pinky_property_init(&p);
    p.address = "{}";
    p.property_type = "HOUSE";
    p.status = "ACTIVE";
    p.struct_size = 1;
    pt_status(pinky_property_create(db, uid, &p, &out), PINKY_INVALID);
    pt_error_names("struct_size");

    /* updates */
    pinky_property ch;
    pinky_property_init(&ch);
    ch.address = "[1]";
    pt_status(pinky_property_update(db, uid, &pid, &ch, PINKY_PROPERTY_ADDRESS, NULL, NULL), PINKY_INVALID);
    pt_error_names("address");
    ch.address = NULL;
    pt_status(pinky_property_update(db, uid, &pid, &ch, PINKY_PROPERTY_ADDRESS, NULL, NULL), PINKY_INVALID);
    pt_error_names("address");
    ch.status = NULL;
    pt_status(pinky_property_update(db, uid, &pid, &ch, PINKY_PROPERTY_STATUS, NULL, NULL), PINKY_INVALID);
    pt_error_names("status");
    ch.property_type = long51;
    pt_status(pinky_property_update(db, uid, &pid, &ch, PINKY_PROPERTY_PROPERTY_TYPE, NULL, NULL), PINKY_INVALID);
    pt_error_names("property_type");
    pt_status(pinky_property_update(db, uid, &pid, &ch, 0, NULL, NULL), PINKY_INVALID);
    pt_error_names("mask");
    pt_status(pinky_property_update(db, uid, &pid, &ch, UINT64_C(1) << 13, NULL, NULL), PINKY_INVALID);
    pt_error_names("mask");
    pt_status(pinky_property_get(db, uid, NULL, &out), PINKY_INVALID);
    pt_error_names("id");

    /* set_status */
    pt_status(pinky_property_set_status(db, uid, &pid, NULL, NULL, NULL), PINKY_INVALID);
    pt_error_names("status");
    pt_status(pinky_property_set_status(db, uid, &pid, "", NULL, NULL), PINKY_INVALID);
    pt_error_names("status");
    pt_status(pinky_property_set_status(db, uid, &pid, long51, NULL, NULL), PINKY_INVALID);
    pt_error_names("status");
    pt_status(pinky_property_set_status(db, uid, &pid, "SOLD", "bad\xff", NULL), PINKY_INVALID);
    pt_error_names("note");
    pt_status(pinky_property_set_status(db, uid, NULL, "SOLD", NULL, NULL), PINKY_INVALID);
    pt_error_names("property_id");
    pt_status(pinky_property_set_status(NULL, uid, &pid, "SOLD", NULL, NULL), PINKY_INVALID);
    pt_error_names("db");

    /* list filters */
    pinky_property_filter f;
    pinky_property_filter_init(&f);
    f.status = "\xC3";
    pinky_property_page *pg = NULL;
    pt_status(pinky_property_list(db, uid, &f, &pg), PINKY_INVALID);
    pt_error_names("status");
    f.status = NULL;
    f.cursor = "AAAAAAAA";
    pt_status(pinky_property_list(db, uid, &f, &pg), PINKY_INVALID);
    pt_error_names("cursor");

    /* a user that does not exist */
    pinky_property_init(&p);
    p.address = "{}";
    p.property_type = "HOUSE";
    p.status = "ACTIVE";
    pt_status(pinky_property_create(db, 2000000000, &p, NULL), PINKY_NOT_FOUND);
    pt_error_names("user");

    assert_int_equal(n_properties(), before);
    pinky_property *now = NULL;
    pt_ok(pinky_property_get(db, uid, &pid, &now));
    assert_string_equal(now->status, "KEEP");
    assert_null(now->timeline);
    assert_false(now->listing_price.is_set);
    assert_int_equal(now->updated_at, keep->updated_at);
    pinky_property_free(now);
    pinky_property_free(keep);
    free(long51);
}

static void test_property_set_status(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    pinky_property *orig = NULL;
    pinky_uuid pid = make_property(uid, "DRAFT", &orig);
    const char *id = pt_uuid_str(&pid);

    pinky_time before = pinky_time_now();
    pinky_property *out = NULL;
    pt_ok(pinky_property_set_status(db, uid, &pid, "LISTED", "price agreed with the owner — ok", &out));
    pinky_time after = pinky_time_now();
    assert_string_equal(out->status, "LISTED");
    assert_true(out->updated_at > orig->updated_at);
    assert_non_null(out->timeline);
    assert_int_equal(pt_num("SELECT jsonb_array_length(timeline) FROM properties WHERE id = '%s'", id), 1);
    assert_sql("timeline->0->>'status'", &pid, "LISTED");
    assert_sql("timeline->0->>'from'", &pid, "DRAFT");
    assert_sql("timeline->0->>'note'", &pid, "price agreed with the owner — ok");
    assert_sql("status", &pid, "LISTED");
    char *at = sql_text("timeline->0->>'at'", &pid);
    pinky_time t;
    pt_ok(pinky_time_parse(at, &t));
    assert_true(t >= before - 5000000 && t <= after + 5000000);
    assert_non_null(strchr(at, 'T'));
    assert_int_equal(at[strlen(at) - 1], 'Z');
    free(at);
    pinky_property_free(out);

    /* a second change appends; a NULL note is JSON null */
    pt_ok(pinky_property_set_status(db, uid, &pid, "SOLD", NULL, &out));
    assert_string_equal(out->status, "SOLD");
    assert_int_equal(pt_num("SELECT jsonb_array_length(timeline) FROM properties WHERE id = '%s'", id), 2);
    assert_sql("timeline->1->>'from'", &pid, "LISTED");
    assert_sql("timeline->1->>'status'", &pid, "SOLD");
    assert_sql("jsonb_typeof(timeline->1->'note')", &pid, "null");
    assert_sql("timeline->0->>'status'", &pid, "LISTED");
    pinky_property_free(out);
    /* out may be NULL */
    pt_ok(pinky_property_set_status(db, uid, &pid, "SOLD", NULL, NULL));
    assert_int_equal(pt_num("SELECT jsonb_array_length(timeline) FROM properties WHERE id = '%s'", id), 3);
    assert_sql("timeline->2->>'from'", &pid, "SOLD");

    /* an existing timeline array is kept; a non-array one is wrapped */
    pinky_property ch;
    pinky_property_init(&ch);
    ch.timeline = "{\"legacy\": true}";
    pt_ok(pinky_property_update(db, uid, &pid, &ch, PINKY_PROPERTY_TIMELINE, NULL, NULL));
    pt_ok(pinky_property_set_status(db, uid, &pid, "RELISTED", NULL, &out));
    assert_int_equal(pt_num("SELECT jsonb_array_length(timeline) FROM properties WHERE id = '%s'", id), 2);
    assert_sql("timeline->0->>'legacy'", &pid, "true");
    assert_sql("timeline->1->>'status'", &pid, "RELISTED");
    pinky_property_free(out);
    ch.timeline = "null"; /* JSON null counts as no timeline */
    pt_ok(pinky_property_update(db, uid, &pid, &ch, PINKY_PROPERTY_TIMELINE, NULL, NULL));
    pt_ok(pinky_property_set_status(db, uid, &pid, "OFF", NULL, NULL));
    assert_int_equal(pt_num("SELECT jsonb_array_length(timeline) FROM properties WHERE id = '%s'", id), 1);
    assert_sql("timeline->0->>'from'", &pid, "RELISTED");

    /* other users and missing rows: NOT_FOUND, nothing written */
    int32_t other = pt_user();
    pt_status(pinky_property_set_status(db, other, &pid, "STOLEN", NULL, &out), PINKY_NOT_FOUND);
    assert_null(out);
    pinky_uuid nobody;
    pinky_uuid_generate(&nobody);
    pt_status(pinky_property_set_status(db, uid, &nobody, "X", NULL, NULL), PINKY_NOT_FOUND);
    assert_sql("status", &pid, "OFF");
    assert_int_equal(pt_num("SELECT jsonb_array_length(timeline) FROM properties WHERE id = '%s'", id), 1);
    pinky_property_free(orig);
}

typedef struct changer {
    int32_t user;
    pinky_uuid id;
    int thread;
    int failures;
    pinky_status last;
} changer;

static void *change_status(void *arg)
{
    changer *c = arg;
    for (int i = 0; i < 10; i++) {
        char status[32], note[32];
        snprintf(status, sizeof status, "T%d-%d", c->thread, i);
        snprintf(note, sizeof note, "thread %d", c->thread);
        pinky_status st = pinky_property_set_status(pt_db(), c->user, &c->id, status, note, NULL);
        if (st != PINKY_OK) {
            c->failures++;
            c->last = st;
        }
    }
    return NULL;
}

static void test_property_set_status_concurrent(void **state)
{
    (void)state;
    int32_t uid = pt_user();
    pinky_uuid pid = make_property(uid, "START", NULL);
    changer cs[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        cs[i] = (changer){uid, pid, i, 0, PINKY_OK};
        assert_int_equal(pthread_create(&th[i], NULL, change_status, &cs[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 4; i++) {
        if (cs[i].failures)
            fprintf(stderr, "thread %d: %d failures, last %s\n", i, cs[i].failures, pinky_status_str(cs[i].last));
        assert_int_equal(cs[i].failures, 0);
    }
    const char *id = pt_uuid_str(&pid);
    assert_int_equal(pt_num("SELECT jsonb_array_length(timeline) FROM properties WHERE id = '%s'", id), 40);
    /* all 40 statuses are there, each once */
    assert_int_equal(pt_num("SELECT count(DISTINCT e->>'status') FROM properties, jsonb_array_elements(timeline) e "
                            "WHERE id = '%s'", id), 40);
    /* each thread's own changes are in its order */
    for (int i = 0; i < 4; i++)
        assert_int_equal(pt_num("SELECT count(*) FROM (SELECT e->>'status' s, n, "
                                "lag(e->>'status') OVER (ORDER BY n) prev FROM properties, "
                                "jsonb_array_elements(timeline) WITH ORDINALITY AS x(e, n) "
                                "WHERE id = '%s' AND e->>'note' = 'thread %d') q "
                                "WHERE prev IS NOT NULL AND split_part(s, '-', 2)::int <= split_part(prev, '-', 2)::int",
                                id, i), 0);
    /* every entry's "from" is the status the entry before it set: no lost update */
    assert_int_equal(pt_num("SELECT count(*) FROM (SELECT e->>'from' f, lag(e->>'status') OVER (ORDER BY n) prev, n "
                            "FROM properties, jsonb_array_elements(timeline) WITH ORDINALITY AS x(e, n) "
                            "WHERE id = '%s') q WHERE (n = 1 AND f <> 'START') OR (n > 1 AND f <> prev)", id), 0);
    /* the row's status is the last entry's */
    char *last = pt_str("SELECT (timeline->-1->>'status') = status FROM properties WHERE id = '%s'", id);
    assert_string_equal(last, "t");
    free(last);
}

static void test_property_tenancy(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t a = pt_user(), b = pt_user();
    pinky_uuid pid = make_property(a, "MINE", NULL);
    pinky_property_transaction tx;
    pinky_property_transaction_init(&tx);
    tx.property_id = pid;
    tx.transaction_type = "SALE";
    tx.status = "OPEN";
    pinky_property_transaction *t = NULL;
    pt_ok(pinky_property_transaction_create(db, a, &tx, &t));
    long long np = n_properties(), nt = n_transactions();

    pinky_property *p = NULL;
    pt_status(pinky_property_get(db, b, &pid, &p), PINKY_NOT_FOUND);
    assert_null(p);
    pinky_property ch;
    pinky_property_init(&ch);
    ch.status = "STOLEN";
    pt_status(pinky_property_update(db, b, &pid, &ch, PINKY_PROPERTY_STATUS, NULL, NULL), PINKY_NOT_FOUND);
    pt_status(pinky_property_delete(db, b, &pid), PINKY_NOT_FOUND);
    pt_status(pinky_property_set_status(db, b, &pid, "STOLEN", NULL, NULL), PINKY_NOT_FOUND);
    pinky_property_page *pp = NULL;
    pt_ok(pinky_property_list(db, b, NULL, &pp));
    assert_int_equal(pp->count, 0);
    pinky_property_page_free(pp);

    pinky_property_transaction *g = NULL;
    pt_status(pinky_property_transaction_get(db, b, &t->id, &g), PINKY_NOT_FOUND);
    assert_null(g);
    pinky_property_transaction tch;
    pinky_property_transaction_init(&tch);
    tch.status = "STOLEN";
    pt_status(pinky_property_transaction_update(db, b, &t->id, &tch, PINKY_PROPERTY_TRANSACTION_STATUS, NULL, NULL),
              PINKY_NOT_FOUND);
    pt_status(pinky_property_transaction_delete(db, b, &t->id), PINKY_NOT_FOUND);
    pt_status(pinky_property_transaction_create(db, b, &tx, &g), PINKY_NOT_FOUND);
    pt_error_names("property_id");
    pinky_property_transaction_page *tp = NULL;
    pt_ok(pinky_property_transaction_list(db, b, NULL, &tp));
    assert_int_equal(tp->count, 0);
    pinky_property_transaction_page_free(tp);
    pinky_property_transaction_filter tf;
    pinky_property_transaction_filter_init(&tf);
    tf.property_id = pinky_uuid_val(&pid);
    pt_ok(pinky_property_transaction_list(db, b, &tf, &tp));
    assert_int_equal(tp->count, 0);
    pinky_property_transaction_page_free(tp);
    pt_ok(pinky_property_transaction_list(db, a, &tf, &tp));
    assert_int_equal(tp->count, 1);
    pinky_property_transaction_page_free(tp);

    assert_int_equal(n_properties(), np);
    assert_int_equal(n_transactions(), nt);
    assert_sql("status", &pid, "MINE");
    assert_sql("timeline", &pid, NULL);
    char *s = pt_str("SELECT status FROM property_transactions WHERE id = '%s'", pt_uuid_str(&t->id));
    assert_string_equal(s, "OPEN");
    free(s);

    /* deleting the property cascades */
    pt_ok(pinky_property_delete(db, a, &pid));
    assert_int_equal(pt_num("SELECT count(*) FROM property_transactions WHERE id = '%s'", pt_uuid_str(&t->id)), 0);
    pinky_property_transaction_free(t);
}

static void test_property_pagination(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user(), other = pt_user();
    const char *ins =
        "INSERT INTO properties (user_id, address, property_type, status, created_at) "
        "SELECT %d, jsonb_build_object('n', g), (ARRAY['HOUSE','CONDO','LAND'])[1 + g %% 3], "
        "(ARRAY['ACTIVE','SOLD'])[1 + g %% 2], "
        "CASE WHEN g %% 7 = 0 THEN NULL ELSE timestamptz '2023-06-01 00:00:00+00' + (g %% 29) * interval '1 hour' END "
        "FROM generate_series(1, 1000) g";
    pt_exec(ins, uid);
    pt_exec(ins, other);
    char *csv = pt_str("SELECT string_agg(id::text, ',' ORDER BY COALESCE(created_at, '-infinity'), id) "
                       "FROM properties WHERE user_id = %d", uid);
    static char *want[1000];
    assert_int_equal(pt_split_csv(csv, want, 1000), 1000);
    pinky_property_filter f;
    pinky_property_filter_init(&f);
    f.limit = 64;
    int seen = 0, pages = 0;
    char *cursor = NULL;
    for (;;) {
        f.cursor = cursor;
        pinky_property_page *p = NULL;
        pt_ok(pinky_property_list(db, uid, &f, &p));
        pages++;
        for (size_t i = 0; i < p->count; i++) {
            assert_true(seen < 1000);
            assert_string_equal(pt_uuid_str(&p->items[i]->id), want[seen]);
            assert_int_equal(p->items[i]->user_id, uid);
            seen++;
        }
        free(cursor);
        cursor = p->next_cursor ? strdup(p->next_cursor) : NULL;
        pinky_property_page_free(p);
        if (cursor == NULL)
            break;
    }
    assert_int_equal(seen, 1000);
    assert_int_equal(pages, 16);
    free(csv);

    /* filters against SQL counts, paginated */
    pinky_property_filter_init(&f);
    f.status = "SOLD";
    f.property_type = "CONDO";
    pinky_time t0, t1;
    pt_ok(pinky_time_from_utc(2023, 6, 1, 5, 0, 0, 0, &t0));
    pt_ok(pinky_time_from_utc(2023, 6, 1, 20, 0, 0, 0, &t1));
    f.created_from = pinky_time_val(t0);
    f.created_before = pinky_time_val(t1);
    f.limit = 10;
    long long expect = pt_num("SELECT count(*) FROM properties WHERE user_id = %d AND status = 'SOLD' "
                              "AND property_type = 'CONDO' AND created_at >= '2023-06-01 05:00:00+00' "
                              "AND created_at < '2023-06-01 20:00:00+00'", uid);
    assert_true(expect > 10);
    long long got = 0;
    cursor = NULL;
    for (;;) {
        f.cursor = cursor;
        pinky_property_page *p = NULL;
        pt_ok(pinky_property_list(db, uid, &f, &p));
        for (size_t i = 0; i < p->count; i++) {
            assert_string_equal(p->items[i]->status, "SOLD");
            assert_string_equal(p->items[i]->property_type, "CONDO");
            assert_true(p->items[i]->created_at >= t0 && p->items[i]->created_at < t1);
            got++;
        }
        free(cursor);
        cursor = p->next_cursor ? strdup(p->next_cursor) : NULL;
        pinky_property_page_free(p);
        if (cursor == NULL)
            break;
    }
    assert_int_equal(got, expect);
}

/* ---- property_transactions ---- */

static void test_transaction_round_trip(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    pinky_uuid pid = make_property(uid, "ACTIVE", NULL);
    char *type50 = pt_repeat("€", 50);
    pinky_property_transaction t;
    pinky_property_transaction_init(&t);
    t.property_id = pid;
    t.transaction_type = type50;
    t.status = "OFFER_MADE";
    t.amount = pinky_decimal(INT64_C(999999999999999));
    t.transaction_date = pinky_time_val(PINKY_TIME_INFINITY);
    t.parties = "[{\"name\": \"Ana\", \"role\": \"buyer\"}]";
    t.documents = "[\"contract.pdf\"]";
    t.timeline = "[]";
    t.metadata = "{\"escrow\": true}";
    pinky_property_transaction *out = NULL;
    pt_ok(pinky_property_transaction_create(db, uid, &t, &out));
    assert_int_equal(out->struct_size, sizeof(pinky_property_transaction));
    assert_true(pinky_uuid_equal(&out->property_id, &pid));
    assert_string_equal(out->transaction_type, type50);
    assert_string_equal(out->status, "OFFER_MADE");
    assert_int_equal(out->amount.value, INT64_C(999999999999999));
    assert_true(out->transaction_date.is_set);
    assert_int_equal(out->transaction_date.value, PINKY_TIME_INFINITY);
    assert_string_equal(out->parties, t.parties);
    assert_string_equal(out->documents, t.documents);
    assert_string_equal(out->timeline, "[]");
    assert_string_equal(out->metadata, t.metadata);
    assert_int_equal(out->created_at, out->updated_at);
    const char *id = pt_uuid_str(&out->id);
    assert_int_equal(pt_num("SELECT count(*) FROM property_transactions WHERE id = '%s' "
                            "AND amount::text = '9999999999999.99' AND transaction_date = 'infinity' "
                            "AND char_length(transaction_type) = 50 AND parties->0->>'role' = 'buyer' "
                            "AND metadata->>'escrow' = 'true' AND property_id = '%s'", id, pt_uuid_str(&pid)), 1);
    pinky_property_transaction *g = NULL;
    pt_ok(pinky_property_transaction_get(db, uid, &out->id, &g));
    assert_string_equal(g->transaction_type, type50);
    assert_int_equal(g->amount.value, INT64_C(999999999999999));
    assert_int_equal(g->transaction_date.value, PINKY_TIME_INFINITY);
    pinky_property_transaction_free(g);

    /* -infinity, a negative amount, exact microseconds */
    pinky_property_transaction_init(&t);
    t.property_id = pid;
    t.transaction_type = "REFUND";
    t.status = "DONE";
    t.amount = pinky_decimal(-1);
    t.transaction_date = pinky_time_val(PINKY_TIME_NEG_INFINITY);
    pinky_property_transaction *neg = NULL;
    pt_ok(pinky_property_transaction_create(db, uid, &t, &neg));
    assert_int_equal(neg->amount.value, -1);
    assert_int_equal(neg->transaction_date.value, PINKY_TIME_NEG_INFINITY);
    assert_int_equal(pt_num("SELECT count(*) FROM property_transactions WHERE id = '%s' AND amount::text = '-0.01' "
                            "AND transaction_date = '-infinity'", pt_uuid_str(&neg->id)), 1);
    pinky_time when;
    pt_ok(pinky_time_from_utc(1999, 12, 31, 23, 59, 59, 999999, &when));

    /* update by mask; others stay; stale updated_at is CONFLICT */
    pinky_property_transaction ch;
    pinky_property_transaction_init(&ch);
    ch.transaction_date = pinky_time_val(when);
    ch.status = "CLOSED";
    ch.metadata = "{\"ignored\": 1}";
    pinky_property_transaction *upd = NULL;
    pt_ok(pinky_property_transaction_update(db, uid, &neg->id, &ch,
                                            PINKY_PROPERTY_TRANSACTION_TRANSACTION_DATE |
                                                PINKY_PROPERTY_TRANSACTION_STATUS,
                                            &neg->updated_at, &upd));
    assert_int_equal(upd->transaction_date.value, when);
    assert_string_equal(upd->status, "CLOSED");
    assert_null(upd->metadata);
    assert_int_equal(upd->amount.value, -1);
    assert_true(upd->updated_at > neg->updated_at);
    char *s = pt_str("SELECT to_char(transaction_date AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || ' ' || "
                     "status || ' ' || amount || ' ' || transaction_type || ' ' || (metadata IS NULL) "
                     "FROM property_transactions WHERE id = '%s'", pt_uuid_str(&neg->id));
    assert_string_equal(s, "1999-12-31 23:59:59.999999 CLOSED -0.01 REFUND true");
    free(s);
    ch.status = "STALE";
    pt_status(pinky_property_transaction_update(db, uid, &neg->id, &ch, PINKY_PROPERTY_TRANSACTION_STATUS,
                                                &neg->updated_at, NULL),
              PINKY_CONFLICT);
    pt_error_names("updated_at");
    s = pt_str("SELECT status FROM property_transactions WHERE id = '%s'", pt_uuid_str(&neg->id));
    assert_string_equal(s, "CLOSED");
    free(s);
    /* clear amount and date */
    pinky_property_transaction_init(&ch);
    pinky_property_transaction *cl = NULL;
    pt_ok(pinky_property_transaction_update(db, uid, &neg->id, &ch,
                                            PINKY_PROPERTY_TRANSACTION_AMOUNT |
                                                PINKY_PROPERTY_TRANSACTION_TRANSACTION_DATE,
                                            &upd->updated_at, &cl));
    assert_false(cl->amount.is_set);
    assert_false(cl->transaction_date.is_set);
    assert_int_equal(pt_num("SELECT count(*) FROM property_transactions WHERE id = '%s' AND amount IS NULL "
                            "AND transaction_date IS NULL AND status = 'CLOSED'", pt_uuid_str(&neg->id)), 1);
    pinky_property_transaction_free(cl);
    pinky_property_transaction_free(upd);

    /* every nullable column NULL */
    pinky_property_transaction_init(&t);
    t.property_id = pid;
    t.transaction_type = "LEASE";
    t.status = "DRAFT";
    pinky_property_transaction *min = NULL;
    pt_ok(pinky_property_transaction_create(db, uid, &t, &min));
    assert_false(min->amount.is_set);
    assert_false(min->transaction_date.is_set);
    assert_null(min->parties);
    assert_null(min->documents);
    assert_null(min->timeline);
    assert_null(min->metadata);
    assert_int_equal(pt_num("SELECT count(*) FROM property_transactions WHERE id = '%s' AND amount IS NULL "
                            "AND transaction_date IS NULL AND parties IS NULL AND documents IS NULL "
                            "AND timeline IS NULL AND metadata IS NULL", pt_uuid_str(&min->id)), 1);
    pt_ok(pinky_property_transaction_delete(db, uid, &min->id));
    pt_status(pinky_property_transaction_get(db, uid, &min->id, &g), PINKY_NOT_FOUND);
    pt_status(pinky_property_transaction_delete(db, uid, &min->id), PINKY_NOT_FOUND);
    pinky_property_transaction_free(min);
    pinky_property_transaction_free(neg);
    pinky_property_transaction_free(out);
    free(type50);
}

static void test_transaction_bad_input(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    pinky_uuid pid = make_property(uid, "ACTIVE", NULL);
    pinky_property_transaction t, *out = NULL;
    pinky_property_transaction_init(&t);
    t.property_id = pid;
    t.transaction_type = "SALE";
    t.status = "OPEN";
    pinky_property_transaction *keep = NULL;
    pt_ok(pinky_property_transaction_create(db, uid, &t, &keep));
    long long before = n_transactions();

    char *long51 = pt_repeat("é", 51);
    struct { const char *type, *status; int64_t amount; bool amount_set; const char *json; int json_slot;
             const char *field; } bad[] = {
        {NULL, "OPEN", 0, false, NULL, 0, "transaction_type"},
        {"", "OPEN", 0, false, NULL, 0, "transaction_type"},
        {long51, "OPEN", 0, false, NULL, 0, "transaction_type"},
        {"bad\xC0\xAF", "OPEN", 0, false, NULL, 0, "transaction_type"},
        {"SALE", NULL, 0, false, NULL, 0, "status"},
        {"SALE", "", 0, false, NULL, 0, "status"},
        {"SALE", long51, 0, false, NULL, 0, "status"},
        {"SALE", "OPEN", INT64_C(1000000000000000), true, NULL, 0, "amount"},
        {"SALE", "OPEN", -INT64_C(1000000000000000), true, NULL, 0, "amount"},
        {"SALE", "OPEN", 0, false, "[", 1, "parties"},
        {"SALE", "OPEN", 0, false, "{\"a\": 1,}", 2, "documents"},
        {"SALE", "OPEN", 0, false, "tru", 3, "timeline"},
        {"SALE", "OPEN", 0, false, "01", 4, "metadata"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pinky_property_transaction_init(&t);
        t.property_id = pid;
        t.transaction_type = (char *)bad[i].type;
        t.status = (char *)bad[i].status;
        if (bad[i].amount_set)
            t.amount = pinky_decimal(bad[i].amount);
        char **slots[] = {NULL, &t.parties, &t.documents, &t.timeline, &t.metadata};
        if (bad[i].json_slot)
            *slots[bad[i].json_slot] = (char *)bad[i].json;
        out = (pinky_property_transaction *)0x1;
        pt_status(pinky_property_transaction_create(db, uid, &t, &out), PINKY_INVALID);
        pt_error_names(bad[i].field);
        assert_null(out);
    }
    pinky_property_transaction_init(&t);
    t.property_id = pid;
    t.transaction_type = "SALE";
    t.status = "OPEN";
    t.struct_size = 2;
    pt_status(pinky_property_transaction_create(db, uid, &t, &out), PINKY_INVALID);
    pt_error_names("struct_size");
    /* a property that does not exist */
    pinky_property_transaction_init(&t);
    pinky_uuid_generate(&t.property_id);
    t.transaction_type = "SALE";
    t.status = "OPEN";
    pt_status(pinky_property_transaction_create(db, uid, &t, &out), PINKY_NOT_FOUND);
    pt_error_names("property_id");
    /* updates */
    pinky_property_transaction ch;
    pinky_property_transaction_init(&ch);
    ch.amount = pinky_decimal(INT64_MAX);
    pt_status(pinky_property_transaction_update(db, uid, &keep->id, &ch, PINKY_PROPERTY_TRANSACTION_AMOUNT, NULL,
                                                NULL),
              PINKY_INVALID);
    pt_error_names("amount");
    pt_status(pinky_property_transaction_update(db, uid, &keep->id, &ch, PINKY_PROPERTY_TRANSACTION_STATUS, NULL,
                                                NULL),
              PINKY_INVALID);
    pt_error_names("status");
    pt_status(pinky_property_transaction_update(db, uid, &keep->id, &ch, UINT64_C(1) << 8, NULL, NULL),
              PINKY_INVALID);
    pt_error_names("mask");
    /* filters */
    pinky_property_transaction_filter f;
    pinky_property_transaction_filter_init(&f);
    f.transaction_type = "\xff";
    pinky_property_transaction_page *p = NULL;
    pt_status(pinky_property_transaction_list(db, uid, &f, &p), PINKY_INVALID);
    pt_error_names("transaction_type");

    assert_int_equal(n_transactions(), before);
    assert_int_equal(pt_num("SELECT count(*) FROM property_transactions WHERE id = '%s' AND status = 'OPEN' "
                            "AND amount IS NULL AND updated_at = created_at", pt_uuid_str(&keep->id)), 1);
    pinky_property_transaction_free(keep);
    free(long51);
}

static void test_transaction_order(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    pinky_uuid p1 = make_property(uid, "A", NULL);
    pinky_uuid p2 = make_property(uid, "B", NULL);
    pinky_uuid p3 = make_property(uid, "C", NULL);
    pinky_uuid po = make_property(pt_user(), "other", NULL);
    /* p1: 300 transactions through the API: dated (with ties) and undated */
    pinky_time base;
    pt_ok(pinky_time_from_utc(2022, 5, 1, 12, 0, 0, 0, &base));
    for (int i = 0; i < 300; i++) {
        pinky_property_transaction t;
        pinky_property_transaction_init(&t);
        t.property_id = p1;
        t.transaction_type = i % 2 ? "SALE" : "LEASE";
        t.status = i % 3 ? "OPEN" : "CLOSED";
        t.amount = pinky_decimal(i * 100);
        if (i % 5 != 0) /* every fifth undated */
            t.transaction_date = pinky_time_val(base - (int64_t)(i % 40) * 86400000000LL);
        pt_ok(pinky_property_transaction_create(db, uid, &t, NULL));
    }
    /* 700 more on p2/p3 by SQL, 50 on another user's property */
    pt_exec("INSERT INTO property_transactions (property_id, transaction_type, status, transaction_date) "
            "SELECT CASE WHEN g %% 2 = 0 THEN '%s'::uuid ELSE '%s'::uuid END, 'SALE', 'OPEN', "
            "CASE WHEN g %% 6 = 0 THEN NULL ELSE timestamptz '2021-01-01 00:00:00+00' + (g %% 13) * interval '1 day' END "
            "FROM generate_series(1, 700) g", pt_uuid_str(&p2), pt_uuid_str(&p3));
    pt_exec("INSERT INTO property_transactions (property_id, transaction_type, status) "
            "SELECT '%s', 'SALE', 'OPEN' FROM generate_series(1, 50)", pt_uuid_str(&po));

    /* one property's transactions: date order, undated last, paginated */
    char *csv = pt_str("SELECT string_agg(id::text, ',' ORDER BY COALESCE(transaction_date, 'infinity'), id) "
                       "FROM property_transactions WHERE property_id = '%s'", pt_uuid_str(&p1));
    static char *want[1000];
    assert_int_equal(pt_split_csv(csv, want, 1000), 300);
    pinky_property_transaction_filter f;
    pinky_property_transaction_filter_init(&f);
    f.property_id = pinky_uuid_val(&p1);
    f.limit = 64;
    int seen = 0, pages = 0, undated = 0;
    char *cursor = NULL;
    pinky_time last = PINKY_TIME_NEG_INFINITY;
    for (;;) {
        f.cursor = cursor;
        pinky_property_transaction_page *p = NULL;
        pt_ok(pinky_property_transaction_list(db, uid, &f, &p));
        pages++;
        for (size_t i = 0; i < p->count; i++) {
            pinky_property_transaction *t = p->items[i];
            assert_true(seen < 300);
            assert_string_equal(pt_uuid_str(&t->id), want[seen]);
            assert_true(pinky_uuid_equal(&t->property_id, &p1));
            if (!t->transaction_date.is_set) {
                undated++;
            } else {
                assert_int_equal(undated, 0); /* no dated one after an undated one */
                assert_true(t->transaction_date.value >= last);
                last = t->transaction_date.value;
            }
            seen++;
        }
        free(cursor);
        cursor = p->next_cursor ? strdup(p->next_cursor) : NULL;
        pinky_property_transaction_page_free(p);
        if (cursor == NULL)
            break;
    }
    assert_int_equal(seen, 300);
    assert_int_equal(undated, 60);
    assert_int_equal(pages, 5);
    free(csv);

    /* all 1000 of the user's: (property_id, date, id) */
    csv = pt_str("SELECT string_agg(t.id::text, ',' ORDER BY t.property_id, COALESCE(t.transaction_date, 'infinity'), t.id) "
                 "FROM property_transactions t JOIN properties p ON p.id = t.property_id WHERE p.user_id = %d", uid);
    assert_int_equal(pt_split_csv(csv, want, 1000), 1000);
    pinky_property_transaction_filter_init(&f);
    f.limit = 64;
    seen = 0;
    pages = 0;
    cursor = NULL;
    for (;;) {
        f.cursor = cursor;
        pinky_property_transaction_page *p = NULL;
        pt_ok(pinky_property_transaction_list(db, uid, &f, &p));
        pages++;
        for (size_t i = 0; i < p->count; i++) {
            assert_true(seen < 1000);
            assert_string_equal(pt_uuid_str(&p->items[i]->id), want[seen]);
            seen++;
        }
        free(cursor);
        cursor = p->next_cursor ? strdup(p->next_cursor) : NULL;
        pinky_property_transaction_page_free(p);
        if (cursor == NULL)
            break;
    }
    assert_int_equal(seen, 1000);
    assert_int_equal(pages, 16);
    free(csv);

    /* filters: status, type and a date range (undated ones never match a range) */
    pinky_property_transaction_filter_init(&f);
    f.property_id = pinky_uuid_val(&p1);
    f.status = "OPEN";
    f.transaction_type = "SALE";
    f.transaction_date_from = pinky_time_val(base - 20 * 86400000000LL);
    f.transaction_date_before = pinky_time_val(base);
    f.limit = 1000;
    pinky_property_transaction_page *p = NULL;
    pt_ok(pinky_property_transaction_list(db, uid, &f, &p));
    long long expect = pt_num("SELECT count(*) FROM property_transactions WHERE property_id = '%s' "
                              "AND status = 'OPEN' AND transaction_type = 'SALE' "
                              "AND transaction_date >= timestamptz '2022-05-01 12:00:00+00' - interval '20 days' "
                              "AND transaction_date < '2022-05-01 12:00:00+00'", pt_uuid_str(&p1));
    assert_true(expect > 0);
    assert_int_equal(p->count, expect);
    for (size_t i = 0; i < p->count; i++) {
        assert_string_equal(p->items[i]->status, "OPEN");
        assert_string_equal(p->items[i]->transaction_type, "SALE");
        assert_true(p->items[i]->transaction_date.is_set);
        assert_true(p->items[i]->transaction_date.value < base);
        if (i)
            assert_true(p->items[i]->transaction_date.value >= p->items[i - 1]->transaction_date.value);
    }
    pinky_property_transaction_page_free(p);
    pinky_property_transaction_filter_init(&f);
    f.status = "CLOSED";
    f.limit = 1000;
    pt_ok(pinky_property_transaction_list(db, uid, &f, &p));
    assert_int_equal(p->count, 100);
    pinky_property_transaction_page_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_property_round_trip),
        cmocka_unit_test(test_property_update),
        cmocka_unit_test(test_property_bad_input),
        cmocka_unit_test(test_property_set_status),
        cmocka_unit_test(test_property_set_status_concurrent),
        cmocka_unit_test(test_property_tenancy),
        cmocka_unit_test(test_property_pagination),
        cmocka_unit_test(test_transaction_round_trip),
        cmocka_unit_test(test_transaction_bad_input),
        cmocka_unit_test(test_transaction_order),
    };
    return cmocka_run_group_tests_name("properties", tests, NULL, NULL);
}
