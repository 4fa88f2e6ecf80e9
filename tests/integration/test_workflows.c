/* workflows and workflow_executions: round trips, bad input, tenancy,
   pagination, field-mask updates, start/finish transitions and their races. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testdb.h"

static long long n_workflows(void) { return pt_num("SELECT count(*) FROM workflows"); }
static long long n_executions(void) { return pt_num("SELECT count(*) FROM workflow_executions"); }

static pinky_uuid make_workflow(int32_t user, const char *name, pinky_workflow **keep)
{
    pinky_workflow w;
    pinky_workflow_init(&w);
    w.name = (char *)name;
    w.steps = "[]";
    pinky_workflow *out = NULL;
    pt_ok(pinky_workflow_create(pt_db(), user, &w, &out));
    pinky_uuid id = out->id;
    if (keep)
        *keep = out;
    else
        pinky_workflow_free(out);
    return id;
}

/* ---- workflows ---- */

static void test_workflow_round_trip(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    pinky_workflow w;
    pinky_workflow_init(&w);
    char *name = pt_repeat("é", 255); /* 255 characters, 510 bytes */
    w.name = name;
    w.description = "Reçoit les factures — trie, résume";
    w.steps = "[{\"id\": 1, \"op\": \"ocr\"}, \"π\", [], null]";
    w.is_active = pinky_bool(false);
    w.triggers = "{\"cron\": \"0 * * * *\", \"on_upload\": true}";
    w.user_id = 424242; /* ignored: the acting user owns it */
    pinky_workflow *out = NULL;
    pinky_time before = pinky_time_now();
    pt_ok(pinky_workflow_create(db, uid, &w, &out));
    assert_int_equal(out->struct_size, sizeof(pinky_workflow));
    assert_false(pinky_uuid_is_nil(&out->id));
    assert_int_equal(out->user_id, uid);
    assert_string_equal(out->name, name);
    assert_string_equal(out->description, w.description);
    assert_string_equal(out->steps, w.steps);
    assert_true(out->is_active.is_set);
    assert_false(out->is_active.value);
    assert_string_equal(out->triggers, w.triggers);
    assert_true(out->created_at >= before - 5000000 && out->created_at <= pinky_time_now() + 5000000);
    assert_int_equal(out->created_at, out->updated_at);

    /* read back through the API and through SQL */
    pinky_workflow *got = NULL;
    pt_ok(pinky_workflow_get(db, uid, &out->id, &got));
    assert_true(pinky_uuid_equal(&got->id, &out->id));
    assert_string_equal(got->name, name);
    assert_string_equal(got->description, w.description);
    assert_string_equal(got->steps, w.steps);
    assert_false(got->is_active.value);
    assert_string_equal(got->triggers, w.triggers);
    assert_int_equal(got->created_at, out->created_at);
    pinky_workflow_free(got);
    const char *id = pt_uuid_str(&out->id);
    assert_int_equal(pt_num("SELECT user_id FROM workflows WHERE id = '%s'", id), uid);
    assert_int_equal(pt_num("SELECT char_length(name) FROM workflows WHERE id = '%s'", id), 255);
    char *s = pt_str("SELECT name FROM workflows WHERE id = '%s'", id);
    assert_string_equal(s, name);
    free(s);
    s = pt_str("SELECT steps->>1 FROM workflows WHERE id = '%s'", id);
    assert_string_equal(s, "π");
    free(s);
    assert_int_equal(pt_num("SELECT jsonb_array_length(steps) FROM workflows WHERE id = '%s'", id), 4);
    s = pt_str("SELECT is_active::text FROM workflows WHERE id = '%s'", id);
    assert_string_equal(s, "false");
    free(s);
    s = pt_str("SELECT triggers->>'cron' FROM workflows WHERE id = '%s'", id);
    assert_string_equal(s, "0 * * * *");
    free(s);
    s = pt_str("SELECT description FROM workflows WHERE id = '%s'", id);
    assert_string_equal(s, w.description);
    free(s);

    /* the minimal workflow: every nullable column NULL, is_active defaults to TRUE */
    pinky_workflow m;
    pinky_workflow_init(&m);
    m.name = "x";
    m.steps = "[]";
    pinky_workflow *mo = NULL;
    pt_ok(pinky_workflow_create(db, uid, &m, &mo));
    assert_null(mo->description);
    assert_null(mo->triggers);
    assert_string_equal(mo->steps, "[]");
    assert_true(mo->is_active.is_set);
    assert_true(mo->is_active.value);
    const char *mid = pt_uuid_str(&mo->id);
    assert_int_equal(pt_num("SELECT count(*) FROM workflows WHERE id = '%s' AND description IS NULL "
                            "AND triggers IS NULL AND is_active", mid), 1);

    /* update two fields by mask: the others stay (checked in SQL); updated_at moves */
    pinky_workflow ch;
    pinky_workflow_init(&ch);
    ch.description = NULL;
    ch.is_active = pinky_bool(true);
    ch.name = "ignored: not in the mask";
    ch.steps = "{\"ignored\": true}";
    pinky_workflow *upd = NULL;
    pt_ok(pinky_workflow_update(db, uid, &out->id, &ch,
                                PINKY_WORKFLOW_DESCRIPTION | PINKY_WORKFLOW_IS_ACTIVE,
                                &out->updated_at, &upd));
    assert_null(upd->description);
    assert_true(upd->is_active.value);
    assert_string_equal(upd->name, name);
    assert_string_equal(upd->steps, w.steps);
    assert_string_equal(upd->triggers, w.triggers);
    assert_true(upd->updated_at > out->updated_at);
    assert_int_equal(upd->created_at, out->created_at);
    assert_int_equal(pt_num("SELECT count(*) FROM workflows WHERE id = '%s' AND description IS NULL "
                            "AND is_active AND char_length(name) = 255 AND jsonb_array_length(steps) = 4 "
                            "AND triggers->>'cron' = '0 * * * *'", id), 1);

    /* a stale expected_updated_at is CONFLICT and writes nothing */
    ch.name = "stale";
    pt_status(pinky_workflow_update(db, uid, &out->id, &ch, PINKY_WORKFLOW_NAME, &out->updated_at, NULL),
              PINKY_CONFLICT);
    pt_error_names("updated_at");
    assert_int_equal(pt_num("SELECT char_length(name) FROM workflows WHERE id = '%s'", id), 255);
    /* the current one works; is_active can be cleared to NULL, triggers too */
    ch.is_active.is_set = false;
    ch.triggers = NULL;
    ch.steps = "[\"a\"]";
    pinky_workflow *upd2 = NULL;
    pt_ok(pinky_workflow_update(db, uid, &out->id, &ch,
                                PINKY_WORKFLOW_NAME | PINKY_WORKFLOW_IS_ACTIVE |
                                    PINKY_WORKFLOW_TRIGGERS | PINKY_WORKFLOW_STEPS,
                                &upd->updated_at, &upd2));
    assert_string_equal(upd2->name, "stale");
    assert_false(upd2->is_active.is_set);
    assert_null(upd2->triggers);
    assert_string_equal(upd2->steps, "[\"a\"]");
    assert_int_equal(pt_num("SELECT count(*) FROM workflows WHERE id = '%s' AND is_active IS NULL "
                            "AND triggers IS NULL AND name = 'stale'", id), 1);

    /* delete; then everything is NOT_FOUND */
    pt_ok(pinky_workflow_delete(db, uid, &out->id));
    pt_status(pinky_workflow_get(db, uid, &out->id, &got), PINKY_NOT_FOUND);
    pt_status(pinky_workflow_delete(db, uid, &out->id), PINKY_NOT_FOUND);
    pt_status(pinky_workflow_update(db, uid, &out->id, &ch, PINKY_WORKFLOW_NAME, NULL, NULL),
              PINKY_NOT_FOUND);
    assert_int_equal(pt_num("SELECT count(*) FROM workflows WHERE id = '%s'", id), 0);
    pinky_workflow_free(upd2);
    pinky_workflow_free(upd);
    pinky_workflow_free(mo);
    pinky_workflow_free(out);
    free(name);
}

static void test_workflow_bad_input(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    pinky_workflow *keep = NULL;
    pinky_uuid wid = make_workflow(uid, "keeper", &keep);
    long long before = n_workflows();
    pinky_workflow w;
    pinky_workflow_init(&w);
    w.name = "ok";
    w.steps = "[]";
    pinky_workflow *out = (pinky_workflow *)0x1;

    pt_status(pinky_workflow_create(NULL, uid, &w, &out), PINKY_INVALID);
    pt_error_names("db");
    pt_status(pinky_workflow_create(db, uid, NULL, &out), PINKY_INVALID);

    struct { const char *name, *steps, *triggers, *description, *field; } bad[] = {
        {NULL, "[]", NULL, NULL, "name"},
        {"", "[]", NULL, NULL, "name"},
        {"bad\xC3\x28utf8", "[]", NULL, NULL, "name"},
        {"ok", NULL, NULL, NULL, "steps"},
        {"ok", "{}", NULL, NULL, "steps"},
        {"ok", "\"step\"", NULL, NULL, "steps"},
        {"ok", "[1,", NULL, NULL, "steps"},
        {"ok", "", NULL, NULL, "steps"},
        {"ok", "[]", "{'a': 1}", NULL, "triggers"},
        {"ok", "[]", "[1] [2]", NULL, "triggers"},
        {"ok", "[]", NULL, "bad\xff", "description"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        w.name = (char *)bad[i].name;
        w.steps = (char *)bad[i].steps;
        w.triggers = (char *)bad[i].triggers;
        w.description = (char *)bad[i].description;
        out = (pinky_workflow *)0x1;
        pt_status(pinky_workflow_create(db, uid, &w, &out), PINKY_INVALID);
        pt_error_names(bad[i].field);
        assert_null(out);
    }
    char *long_name = pt_repeat("é", 256);
    pinky_workflow_init(&w);
    w.name = long_name;
    w.steps = "[]";
    pt_status(pinky_workflow_create(db, uid, &w, &out), PINKY_INVALID);
    pt_error_names("name");
    assert_non_null(strstr(pinky_error_last()->message, "256"));
    assert_string_equal(pinky_error_last()->field, "workflow.name");
    w.name = "ok";
    w.struct_size = 8;
    pt_status(pinky_workflow_create(db, uid, &w, &out), PINKY_INVALID);
    pt_error_names("struct_size");

    /* updates: bad masks and values write nothing */
    pinky_workflow_init(&w);
    w.steps = "{}";
    pt_status(pinky_workflow_update(db, uid, &wid, &w, PINKY_WORKFLOW_STEPS, NULL, NULL), PINKY_INVALID);
    pt_error_names("steps");
    pt_status(pinky_workflow_update(db, uid, &wid, &w, 0, NULL, NULL), PINKY_INVALID);
    pt_error_names("mask");
    pt_status(pinky_workflow_update(db, uid, &wid, &w, UINT64_C(1) << 40, NULL, NULL), PINKY_INVALID);
    pt_error_names("mask");
    w.name = NULL;
    pt_status(pinky_workflow_update(db, uid, &wid, &w, PINKY_WORKFLOW_NAME, NULL, NULL), PINKY_INVALID);
    pt_error_names("name");
    w.steps = NULL;
    pt_status(pinky_workflow_update(db, uid, &wid, &w, PINKY_WORKFLOW_STEPS, NULL, NULL), PINKY_INVALID);
    pt_error_names("steps");
    pt_status(pinky_workflow_update(db, uid, NULL, &w, PINKY_WORKFLOW_STEPS, NULL, NULL), PINKY_INVALID);
    pt_error_names("id");
    pt_status(pinky_workflow_get(db, uid, NULL, &out), PINKY_INVALID);
    pt_status(pinky_workflow_get(db, uid, &wid, NULL), PINKY_INVALID);
    pt_status(pinky_workflow_delete(db, uid, NULL), PINKY_INVALID);

    /* list arguments */
    pinky_workflow_filter f;
    pinky_workflow_filter_init(&f);
    pinky_workflow_page *p = NULL;
    f.limit = PINKY_LIST_MAX_LIMIT + 1;
    pt_status(pinky_workflow_list(db, uid, &f, &p), PINKY_INVALID);
    pt_error_names("limit");
    f.limit = 0;
    f.cursor = "garbage";
    pt_status(pinky_workflow_list(db, uid, &f, &p), PINKY_INVALID);
    pt_error_names("cursor");
    f.cursor = NULL;
    f.name_contains = "\xC3";
    pt_status(pinky_workflow_list(db, uid, &f, &p), PINKY_INVALID);
    pt_error_names("name_contains");
    f.name_contains = NULL;
    f.struct_size = 4;
    pt_status(pinky_workflow_list(db, uid, &f, &p), PINKY_INVALID);
    pt_error_names("struct_size");
    pt_status(pinky_workflow_list(db, uid, NULL, NULL), PINKY_INVALID);

    /* a user that does not exist */
    pinky_workflow_init(&w);
    w.name = "orphan";
    w.steps = "[]";
    pt_status(pinky_workflow_create(db, 2000000000, &w, NULL), PINKY_NOT_FOUND);
    pt_error_names("user");

    assert_int_equal(n_workflows(), before);
    pinky_workflow *now = NULL;
    pt_ok(pinky_workflow_get(db, uid, &wid, &now));
    assert_string_equal(now->name, "keeper");
    assert_string_equal(now->steps, "[]");
    assert_int_equal(now->updated_at, keep->updated_at);
    pinky_workflow_free(now);
    pinky_workflow_free(keep);
    free(long_name);
}

static void test_workflow_tenancy(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t a = pt_user(), b = pt_user();
    pinky_uuid wid = make_workflow(a, "mine", NULL);
    pinky_workflow_execution *ex = NULL;
    pt_ok(pinky_workflow_execution_start(db, a, &wid, "[\"d\"]", &ex));
    long long wf = n_workflows(), exn = n_executions();

    pinky_workflow *w = NULL;
    pt_status(pinky_workflow_get(db, b, &wid, &w), PINKY_NOT_FOUND);
    assert_null(w);
    pinky_workflow ch;
    pinky_workflow_init(&ch);
    ch.name = "stolen";
    pt_status(pinky_workflow_update(db, b, &wid, &ch, PINKY_WORKFLOW_NAME, NULL, NULL), PINKY_NOT_FOUND);
    pt_status(pinky_workflow_delete(db, b, &wid), PINKY_NOT_FOUND);
    pinky_workflow_page *wp = NULL;
    pt_ok(pinky_workflow_list(db, b, NULL, &wp));
    assert_int_equal(wp->count, 0);
    assert_null(wp->next_cursor);
    pinky_workflow_page_free(wp);

    /* executions through their workflow */
    pinky_workflow_execution *e = NULL;
    pt_status(pinky_workflow_execution_get(db, b, &ex->id, &e), PINKY_NOT_FOUND);
    assert_null(e);
    pinky_workflow_execution ech;
    pinky_workflow_execution_init(&ech);
    ech.status = PINKY_EXECUTION_STATUS_FAILED;
    pt_status(pinky_workflow_execution_update(db, b, &ex->id, &ech, PINKY_WORKFLOW_EXECUTION_STATUS,
                                              NULL, NULL),
              PINKY_NOT_FOUND);
    pt_status(pinky_workflow_execution_finish(db, b, &ex->id, PINKY_EXECUTION_STATUS_COMPLETED, "{}",
                                              NULL, &e),
              PINKY_NOT_FOUND);
    assert_null(e);
    pt_status(pinky_workflow_execution_delete(db, b, &ex->id), PINKY_NOT_FOUND);
    pt_status(pinky_workflow_execution_start(db, b, &wid, NULL, &e), PINKY_NOT_FOUND);
    pt_error_names("workflow_id");
    pinky_workflow_execution in;
    pinky_workflow_execution_init(&in);
    in.workflow_id = wid;
    in.status = PINKY_EXECUTION_STATUS_PENDING;
    pt_status(pinky_workflow_execution_create(db, b, &in, &e), PINKY_NOT_FOUND);
    pt_error_names("workflow_id");
    pinky_workflow_execution_page *ep = NULL;
    pt_ok(pinky_workflow_execution_list(db, b, NULL, &ep));
    assert_int_equal(ep->count, 0);
    pinky_workflow_execution_page_free(ep);
    pinky_workflow_execution_filter ef;
    pinky_workflow_execution_filter_init(&ef);
    ef.workflow_id = pinky_uuid_val(&wid);
    pt_ok(pinky_workflow_execution_list(db, b, &ef, &ep));
    assert_int_equal(ep->count, 0);
    pinky_workflow_execution_page_free(ep);
    /* the owner still sees it */
    pt_ok(pinky_workflow_execution_list(db, a, &ef, &ep));
    assert_int_equal(ep->count, 1);
    assert_true(pinky_uuid_equal(&ep->items[0]->id, &ex->id));
    pinky_workflow_execution_page_free(ep);

    /* nothing changed */
    assert_int_equal(n_workflows(), wf);
    assert_int_equal(n_executions(), exn);
    char *s = pt_str("SELECT name FROM workflows WHERE id = '%s'", pt_uuid_str(&wid));
    assert_string_equal(s, "mine");
    free(s);
    s = pt_str("SELECT status FROM workflow_executions WHERE id = '%s'", pt_uuid_str(&ex->id));
    assert_string_equal(s, "IN_PROGRESS");
    free(s);
    assert_int_equal(pt_num("SELECT count(*) FROM workflow_executions WHERE id = '%s' AND end_time IS NULL",
                            pt_uuid_str(&ex->id)), 1);

    /* deleting the workflow cascades to its executions */
    pt_ok(pinky_workflow_delete(db, a, &wid));
    assert_int_equal(pt_num("SELECT count(*) FROM workflow_executions WHERE id = '%s'", pt_uuid_str(&ex->id)), 0);
    pinky_workflow_execution_free(ex);
}

static void test_workflow_pagination(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    int32_t other = pt_user();
    /* 1000 rows with ties and NULLs in created_at; some inactive */
    const char *ins =
        "INSERT INTO workflows (user_id, name, steps, is_active, created_at) "
        "SELECT %d, 'wf-' || g, '[]', g %% 3 <> 0, "
        "CASE WHEN g %% 10 = 0 THEN NULL ELSE timestamptz '2024-01-01 00:00:00+00' + (g %% 37) * interval '1 minute' END "
        "FROM generate_series(1, 1000) g";
    pt_exec(ins, uid);
    pt_exec(ins, other); /* another user's rows never show up */
    char *csv = pt_str("SELECT string_agg(id::text, ',' ORDER BY COALESCE(created_at, '-infinity'), id) "
                       "FROM workflows WHERE user_id = %d", uid);
    static char *want[1000];
    int n = pt_split_csv(csv, want, 1000);
    assert_int_equal(n, 1000);

    pinky_workflow_filter f;
    pinky_workflow_filter_init(&f);
    f.limit = 64;
    int seen = 0, pages = 0, nulls = 0;
    char *cursor = NULL;
    pinky_time last = INT64_MIN;
    for (;;) {
        f.cursor = cursor;
        pinky_workflow_page *p = NULL;
        pt_ok(pinky_workflow_list(db, uid, &f, &p));
        pages++;
        for (size_t i = 0; i < p->count; i++) {
            assert_true(seen < n);
            assert_string_equal(pt_uuid_str(&p->items[i]->id), want[seen]);
            assert_int_equal(p->items[i]->user_id, uid);
            pinky_time c = p->items[i]->created_at; /* NULL reads as 0; NULLs come first */
            if (c == 0)
                nulls++;
            else
                assert_true(c >= last);
            if (c != 0)
                last = c;
            seen++;
        }
        free(cursor);
        cursor = p->next_cursor ? strdup(p->next_cursor) : NULL;
        pinky_workflow_page_free(p);
        if (cursor == NULL)
            break;
    }
    assert_int_equal(seen, 1000);
    assert_int_equal(pages, (1000 + 63) / 64);
    assert_int_equal(nulls, 100);
    free(csv);

    /* filters, compared with SQL counts */
    f.limit = 1000;
    f.cursor = NULL;
    f.is_active = pinky_bool(false);
    pinky_workflow_page *p = NULL;
    pt_ok(pinky_workflow_list(db, uid, &f, &p));
    assert_int_equal(p->count, pt_num("SELECT count(*) FROM workflows WHERE user_id = %d AND NOT is_active", uid));
    assert_int_equal(p->count, 333);
    for (size_t i = 0; i < p->count; i++)
        assert_false(p->items[i]->is_active.value);
    pinky_workflow_page_free(p);

    pinky_workflow_filter_init(&f);
    f.limit = 1000;
    f.name_contains = "WF-99"; /* case-insensitive: wf-99, wf-990..999 */
    pt_ok(pinky_workflow_list(db, uid, &f, &p));
    assert_int_equal(p->count, 11);
    for (size_t i = 0; i < p->count; i++)
        assert_non_null(strstr(p->items[i]->name, "wf-99"));
    pinky_workflow_page_free(p);

    pinky_workflow_filter_init(&f);
    f.limit = 1000;
    pinky_time t0, t1;
    pt_ok(pinky_time_from_utc(2024, 1, 1, 0, 10, 0, 0, &t0));
    pt_ok(pinky_time_from_utc(2024, 1, 1, 0, 20, 0, 0, &t1));
    f.created_from = pinky_time_val(t0);
    f.created_before = pinky_time_val(t1);
    f.is_active = pinky_bool(true);
    pt_ok(pinky_workflow_list(db, uid, &f, &p));
    assert_int_equal(p->count, pt_num("SELECT count(*) FROM workflows WHERE user_id = %d AND is_active "
                                      "AND created_at >= '2024-01-01 00:10:00+00' "
                                      "AND created_at < '2024-01-01 00:20:00+00'", uid));
    assert_true(p->count > 0);
    for (size_t i = 0; i < p->count; i++)
        assert_true(p->items[i]->created_at >= t0 && p->items[i]->created_at < t1);
    pinky_workflow_page_free(p);

    /* a cursor from another table's list is refused */
    pinky_workflow_execution_filter ef;
    pinky_workflow_execution_filter_init(&ef);
    pinky_workflow_filter_init(&f);
    f.limit = 1;
    pt_ok(pinky_workflow_list(db, uid, &f, &p));
    assert_non_null(p->next_cursor);
    ef.cursor = p->next_cursor;
    pinky_workflow_execution_page *ep = NULL;
    pt_status(pinky_workflow_execution_list(db, uid, &ef, &ep), PINKY_INVALID);
    pt_error_names("cursor");
    pinky_workflow_page_free(p);
}

/* ---- workflow_executions ---- */

static void test_execution_status_enum(void **state)
{
    (void)state;
    assert_string_equal(pinky_execution_status_str(PINKY_EXECUTION_STATUS_PENDING), "PENDING");
    assert_string_equal(pinky_execution_status_str(PINKY_EXECUTION_STATUS_IN_PROGRESS), "IN_PROGRESS");
    assert_string_equal(pinky_execution_status_str(PINKY_EXECUTION_STATUS_COMPLETED), "COMPLETED");
    assert_string_equal(pinky_execution_status_str(PINKY_EXECUTION_STATUS_FAILED), "FAILED");
    assert_null(pinky_execution_status_str((pinky_execution_status)0));
    assert_null(pinky_execution_status_str((pinky_execution_status)5));
    pinky_execution_status s = 0;
    pt_ok(pinky_execution_status_parse("FAILED", &s));
    assert_int_equal(s, PINKY_EXECUTION_STATUS_FAILED);
    pt_status(pinky_execution_status_parse("failed", &s), PINKY_INVALID);
    pt_error_names("execution_status");
    pt_status(pinky_execution_status_parse(NULL, &s), PINKY_INVALID);
    pt_status(pinky_execution_status_parse("FAILED", NULL), PINKY_INVALID);
    assert_int_equal(s, PINKY_EXECUTION_STATUS_FAILED);
}

static void test_execution_round_trip(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    pinky_uuid wid = make_workflow(uid, "runs", NULL);

    /* every column set, timestamps at +/- infinity */
    pinky_workflow_execution e;
    pinky_workflow_execution_init(&e);
    e.workflow_id = wid;
    e.status = PINKY_EXECUTION_STATUS_PENDING;
    e.start_time = pinky_time_val(PINKY_TIME_NEG_INFINITY);
    e.end_time = pinky_time_val(PINKY_TIME_INFINITY);
    e.documents = "[\"doc-1\", \"doc-ü\"]";
    e.results = "{\"ok\": true, \"pages\": 12}";
    e.errors = "[]";
    pinky_workflow_execution *out = NULL;
    pt_ok(pinky_workflow_execution_create(db, uid, &e, &out));
    assert_int_equal(out->struct_size, sizeof(pinky_workflow_execution));
    assert_true(pinky_uuid_equal(&out->workflow_id, &wid));
    assert_int_equal(out->status, PINKY_EXECUTION_STATUS_PENDING);
    assert_true(out->start_time.is_set);
    assert_int_equal(out->start_time.value, PINKY_TIME_NEG_INFINITY);
    assert_true(out->end_time.is_set);
    assert_int_equal(out->end_time.value, PINKY_TIME_INFINITY);
    assert_string_equal(out->documents, e.documents);
    assert_string_equal(out->results, e.results);
    assert_string_equal(out->errors, "[]");
    const char *id = pt_uuid_str(&out->id);
    assert_int_equal(pt_num("SELECT count(*) FROM workflow_executions WHERE id = '%s' AND status = 'PENDING' "
                            "AND start_time = '-infinity' AND end_time = 'infinity' "
                            "AND documents->>1 = 'doc-ü' AND (results->>'pages')::int = 12 "
                            "AND errors = '[]'::jsonb AND workflow_id = '%s'", id, pt_uuid_str(&wid)), 1);
    pinky_workflow_execution *got = NULL;
    pt_ok(pinky_workflow_execution_get(db, uid, &out->id, &got));
    assert_int_equal(got->status, PINKY_EXECUTION_STATUS_PENDING);
    assert_int_equal(got->start_time.value, PINKY_TIME_NEG_INFINITY);
    assert_int_equal(got->end_time.value, PINKY_TIME_INFINITY);
    assert_string_equal(got->documents, e.documents);
    pinky_workflow_execution_free(got);

    /* exact microseconds */
    pinky_time t;
    pt_ok(pinky_time_from_utc(2024, 2, 29, 13, 45, 0, 123456, &t));
    pinky_workflow_execution_init(&e);
    e.workflow_id = wid;
    e.status = PINKY_EXECUTION_STATUS_COMPLETED;
    e.start_time = pinky_time_val(t);
    e.end_time = pinky_time_val(t + 1);
    pinky_workflow_execution *ex = NULL;
    pt_ok(pinky_workflow_execution_create(db, uid, &e, &ex));
    assert_int_equal(ex->start_time.value, t);
    assert_int_equal(ex->end_time.value, t + 1);
    char *s = pt_str("SELECT to_char(start_time AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '/' || "
                     "to_char(end_time AT TIME ZONE 'UTC', 'US') FROM workflow_executions WHERE id = '%s'",
                     pt_uuid_str(&ex->id));
    assert_string_equal(s, "2024-02-29 13:45:00.123456/123457");
    free(s);
    pinky_workflow_execution_free(ex);

    /* the minimal one: start_time defaults to the server's now(), the rest NULL */
    pinky_workflow_execution_init(&e);
    e.workflow_id = wid;
    e.status = PINKY_EXECUTION_STATUS_IN_PROGRESS;
    pinky_time before = pinky_time_now();
    pinky_workflow_execution *mo = NULL;
    pt_ok(pinky_workflow_execution_create(db, uid, &e, &mo));
    assert_true(mo->start_time.is_set);
    assert_true(mo->start_time.value >= before - 5000000 && mo->start_time.value <= pinky_time_now() + 5000000);
    assert_false(mo->end_time.is_set);
    assert_null(mo->documents);
    assert_null(mo->results);
    assert_null(mo->errors);
    assert_int_equal(pt_num("SELECT count(*) FROM workflow_executions WHERE id = '%s' AND end_time IS NULL "
                            "AND documents IS NULL AND results IS NULL AND errors IS NULL "
                            "AND start_time > now() - interval '1 minute'", pt_uuid_str(&mo->id)), 1);

    /* update by mask: status and end_time change, documents/results stay */
    pinky_workflow_execution ch;
    pinky_workflow_execution_init(&ch);
    ch.status = PINKY_EXECUTION_STATUS_FAILED;
    ch.end_time = pinky_time_val(t);
    ch.documents = "[\"not in the mask\"]";
    pinky_workflow_execution *upd = NULL;
    pt_ok(pinky_workflow_execution_update(db, uid, &out->id, &ch,
                                          PINKY_WORKFLOW_EXECUTION_STATUS | PINKY_WORKFLOW_EXECUTION_END_TIME,
                                          NULL, &upd));
    assert_int_equal(upd->status, PINKY_EXECUTION_STATUS_FAILED);
    assert_int_equal(upd->end_time.value, t);
    assert_string_equal(upd->documents, "[\"doc-1\", \"doc-ü\"]");
    assert_int_equal(pt_num("SELECT count(*) FROM workflow_executions WHERE id = '%s' AND status = 'FAILED' "
                            "AND start_time = '-infinity' AND documents->>0 = 'doc-1' "
                            "AND results->>'ok' = 'true' AND errors = '[]'::jsonb", id), 1);
    pinky_workflow_execution_free(upd);
    /* clear results (nullable); start_time cannot be cleared */
    ch.results = NULL;
    pt_ok(pinky_workflow_execution_update(db, uid, &out->id, &ch, PINKY_WORKFLOW_EXECUTION_RESULTS, NULL, &upd));
    assert_null(upd->results);
    pinky_workflow_execution_free(upd);
    assert_int_equal(pt_num("SELECT count(*) FROM workflow_executions WHERE id = '%s' AND results IS NULL", id), 1);
    ch.start_time.is_set = false;
    pt_status(pinky_workflow_execution_update(db, uid, &out->id, &ch, PINKY_WORKFLOW_EXECUTION_START_TIME,
                                              NULL, NULL),
              PINKY_INVALID);
    pt_error_names("start_time");
    /* no updated_at on this table: an expected one is refused */
    pinky_time stamp = 1;
    pt_status(pinky_workflow_execution_update(db, uid, &out->id, &ch, PINKY_WORKFLOW_EXECUTION_STATUS,
                                              &stamp, NULL),
              PINKY_INVALID);
    pt_error_names("expected_updated_at");
    assert_int_equal(pt_num("SELECT count(*) FROM workflow_executions WHERE id = '%s' AND status = 'FAILED' "
                            "AND start_time = '-infinity'", id), 1);

    pt_ok(pinky_workflow_execution_delete(db, uid, &out->id));
    pt_status(pinky_workflow_execution_get(db, uid, &out->id, &got), PINKY_NOT_FOUND);
    pt_status(pinky_workflow_execution_delete(db, uid, &out->id), PINKY_NOT_FOUND);
    assert_int_equal(pt_num("SELECT count(*) FROM workflow_executions WHERE id = '%s'", id), 0);
    pinky_workflow_execution_free(mo);
    pinky_workflow_execution_free(out);
}

static void test_execution_bad_input(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    pinky_uuid wid = make_workflow(uid, "bad", NULL);
    pinky_workflow_execution *keep = NULL;
    pt_ok(pinky_workflow_execution_start(db, uid, &wid, "[1]", &keep));
    long long before = n_executions();
    pinky_workflow_execution e, *out = (pinky_workflow_execution *)0x1;

    struct { int status; const char *documents, *results, *errors, *field; } bad[] = {
        {0, NULL, NULL, NULL, "status"},
        {5, NULL, NULL, NULL, "status"},
        {-1, NULL, NULL, NULL, "status"},
        {1, "[", NULL, NULL, "documents"},
        {1, NULL, "{\"a\" 1}", NULL, "results"},
        {1, NULL, NULL, "\"\\ud800\"", "errors"},
        {1, NULL, NULL, "", "errors"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pinky_workflow_execution_init(&e);
        e.workflow_id = wid;
        e.status = (pinky_execution_status)bad[i].status;
        e.documents = (char *)bad[i].documents;
        e.results = (char *)bad[i].results;
        e.errors = (char *)bad[i].errors;
        out = (pinky_workflow_execution *)0x1;
        pt_status(pinky_workflow_execution_create(db, uid, &e, &out), PINKY_INVALID);
        pt_error_names(bad[i].field);
        assert_null(out);
    }
    pinky_workflow_execution_init(&e);
    e.workflow_id = wid;
    e.status = PINKY_EXECUTION_STATUS_PENDING;
    e.struct_size = 3;
    pt_status(pinky_workflow_execution_create(db, uid, &e, &out), PINKY_INVALID);
    pt_error_names("struct_size");
    /* a workflow that does not exist */
    pinky_workflow_execution_init(&e);
    e.status = PINKY_EXECUTION_STATUS_PENDING;
    pinky_uuid_generate(&e.workflow_id);
    pt_status(pinky_workflow_execution_create(db, uid, &e, &out), PINKY_NOT_FOUND);
    pt_error_names("workflow_id");
    /* updates */
    pinky_workflow_execution_init(&e);
    e.status = (pinky_execution_status)9;
    pt_status(pinky_workflow_execution_update(db, uid, &keep->id, &e, PINKY_WORKFLOW_EXECUTION_STATUS, NULL, NULL),
              PINKY_INVALID);
    pt_error_names("status");
    e.status = 0;
    pt_status(pinky_workflow_execution_update(db, uid, &keep->id, &e, PINKY_WORKFLOW_EXECUTION_STATUS, NULL, NULL),
              PINKY_INVALID);
    pt_error_names("status");
    e.documents = "{";
    pt_status(pinky_workflow_execution_update(db, uid, &keep->id, &e, PINKY_WORKFLOW_EXECUTION_DOCUMENTS, NULL, NULL),
              PINKY_INVALID);
    pt_error_names("documents");
    pt_status(pinky_workflow_execution_update(db, uid, &keep->id, &e, PINKY_WORKFLOW_EXECUTION_STATUS << 20, NULL, NULL),
              PINKY_INVALID);
    pt_error_names("mask");
    pt_status(pinky_workflow_execution_get(db, uid, NULL, &out), PINKY_INVALID);
    pt_error_names("id");
    /* start */
    pt_status(pinky_workflow_execution_start(db, uid, &wid, "{\"a\": }", &out), PINKY_INVALID);
    pt_error_names("documents");
    pt_status(pinky_workflow_execution_start(db, uid, NULL, NULL, &out), PINKY_INVALID);
    pt_error_names("workflow_id");
    pt_status(pinky_workflow_execution_start(NULL, uid, &wid, NULL, &out), PINKY_INVALID);
    pt_error_names("db");
    /* list filter */
    pinky_workflow_execution_filter f;
    pinky_workflow_execution_filter_init(&f);
    f.status = (pinky_execution_status)7;
    pinky_workflow_execution_page *p = NULL;
    pt_status(pinky_workflow_execution_list(db, uid, &f, &p), PINKY_INVALID);
    pt_error_names("status");
    assert_null(p);

    assert_int_equal(n_executions(), before);
    assert_int_equal(pt_num("SELECT count(*) FROM workflow_executions WHERE id = '%s' AND status = 'IN_PROGRESS' "
                            "AND documents = '[1]'::jsonb", pt_uuid_str(&keep->id)), 1);
    pinky_workflow_execution_free(keep);
}

static void test_execution_start_finish(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    pinky_uuid wid = make_workflow(uid, "lifecycle", NULL);

    pinky_time before = pinky_time_now();
    pinky_workflow_execution *run = NULL;
    pt_ok(pinky_workflow_execution_start(db, uid, &wid, "[\"a.pdf\"]", &run));
    assert_int_equal(run->status, PINKY_EXECUTION_STATUS_IN_PROGRESS);
    assert_true(pinky_uuid_equal(&run->workflow_id, &wid));
    assert_true(run->start_time.is_set);
    assert_true(run->start_time.value >= before - 5000000 && run->start_time.value <= pinky_time_now() + 5000000);
    assert_false(run->end_time.is_set);
    assert_string_equal(run->documents, "[\"a.pdf\"]");
    assert_null(run->results);
    const char *id = pt_uuid_str(&run->id);
    assert_int_equal(pt_num("SELECT count(*) FROM workflow_executions WHERE id = '%s' AND status = 'IN_PROGRESS' "
                            "AND end_time IS NULL AND documents->>0 = 'a.pdf'", id), 1);

    /* illegal final statuses and bad JSON: INVALID, nothing written */
    pinky_workflow_execution *done = (pinky_workflow_execution *)0x1;
    int bad_final[] = {0, PINKY_EXECUTION_STATUS_PENDING, PINKY_EXECUTION_STATUS_IN_PROGRESS, 5, -3};
    for (size_t i = 0; i < sizeof bad_final / sizeof bad_final[0]; i++) {
        done = (pinky_workflow_execution *)0x1;
        pt_status(pinky_workflow_execution_finish(db, uid, &run->id, (pinky_execution_status)bad_final[i],
                                                  "{}", NULL, &done),
                  PINKY_INVALID);
        pt_error_names("final_status");
        assert_null(done);
    }
    pt_status(pinky_workflow_execution_finish(db, uid, &run->id, PINKY_EXECUTION_STATUS_COMPLETED, "{bad", NULL,
                                              &done),
              PINKY_INVALID);
    pt_error_names("results");
    pt_status(pinky_workflow_execution_finish(db, uid, &run->id, PINKY_EXECUTION_STATUS_FAILED, NULL, "[1,]",
                                              &done),
              PINKY_INVALID);
    pt_error_names("errors");
    pt_status(pinky_workflow_execution_finish(db, uid, NULL, PINKY_EXECUTION_STATUS_FAILED, NULL, NULL, &done),
              PINKY_INVALID);
    pt_error_names("execution_id");
    assert_int_equal(pt_num("SELECT count(*) FROM workflow_executions WHERE id = '%s' AND status = 'IN_PROGRESS' "
                            "AND end_time IS NULL AND results IS NULL AND errors IS NULL", id), 1);

    /* COMPLETED with results; errors stays NULL */
    pt_ok(pinky_workflow_execution_finish(db, uid, &run->id, PINKY_EXECUTION_STATUS_COMPLETED,
                                          "{\"pages\": 3}", NULL, &done));
    assert_int_equal(done->status, PINKY_EXECUTION_STATUS_COMPLETED);
    assert_true(done->end_time.is_set);
    assert_true(done->end_time.value >= done->start_time.value);
    assert_true(done->end_time.value <= pinky_time_now() + 5000000);
    assert_int_equal(done->start_time.value, run->start_time.value);
    assert_string_equal(done->results, "{\"pages\": 3}");
    assert_null(done->errors);
    assert_string_equal(done->documents, "[\"a.pdf\"]");
    long long end_us = pt_num("SELECT (extract(epoch FROM end_time) * 1000000)::bigint FROM workflow_executions "
                              "WHERE id = '%s'", id);
    assert_int_equal(end_us, done->end_time.value);

    /* finishing it again (either way) is INVALID and changes nothing */
    pinky_workflow_execution *again = (pinky_workflow_execution *)0x1;
    pt_status(pinky_workflow_execution_finish(db, uid, &run->id, PINKY_EXECUTION_STATUS_FAILED, NULL,
                                              "[\"late\"]", &again),
              PINKY_INVALID);
    pt_error_names("status");
    assert_non_null(strstr(pinky_error_last()->message, "COMPLETED"));
    assert_null(again);
    pt_status(pinky_workflow_execution_finish(db, uid, &run->id, PINKY_EXECUTION_STATUS_COMPLETED,
                                              "{\"pages\": 4}", NULL, NULL),
              PINKY_INVALID);
    assert_int_equal(pt_num("SELECT count(*) FROM workflow_executions WHERE id = '%s' AND status = 'COMPLETED' "
                            "AND results = '{\"pages\": 3}'::jsonb AND errors IS NULL "
                            "AND (extract(epoch FROM end_time) * 1000000)::bigint = %lld", id, end_us), 1);

    /* a PENDING execution can be finished as FAILED; NULL results keep what is there */
    pinky_workflow_execution e;
    pinky_workflow_execution_init(&e);
    e.workflow_id = wid;
    e.status = PINKY_EXECUTION_STATUS_PENDING;
    e.results = "{\"partial\": 1}";
    pinky_workflow_execution *pend = NULL;
    pt_ok(pinky_workflow_execution_create(db, uid, &e, &pend));
    pinky_workflow_execution *failed = NULL;
    pt_ok(pinky_workflow_execution_finish(db, uid, &pend->id, PINKY_EXECUTION_STATUS_FAILED, NULL,
                                          "[{\"step\": 2, \"msg\": \"timeout\"}]", &failed));
    assert_int_equal(failed->status, PINKY_EXECUTION_STATUS_FAILED);
    assert_string_equal(failed->results, "{\"partial\": 1}");
    assert_string_equal(failed->errors, "[{\"msg\": \"timeout\", \"step\": 2}]");
    assert_true(failed->end_time.is_set);
    assert_int_equal(pt_num("SELECT count(*) FROM workflow_executions WHERE id = '%s' AND status = 'FAILED' "
                            "AND errors->0->>'msg' = 'timeout' AND results->>'partial' = '1' "
                            "AND end_time IS NOT NULL", pt_uuid_str(&pend->id)), 1);
    /* FAILED is final too */
    pt_status(pinky_workflow_execution_finish(db, uid, &pend->id, PINKY_EXECUTION_STATUS_COMPLETED, NULL, NULL,
                                              NULL),
              PINKY_INVALID);
    assert_non_null(strstr(pinky_error_last()->message, "FAILED"));

    /* not found; a workflow that is not there */
    pinky_uuid nobody;
    pinky_uuid_generate(&nobody);
    pt_status(pinky_workflow_execution_finish(db, uid, &nobody, PINKY_EXECUTION_STATUS_COMPLETED, NULL, NULL,
                                              NULL),
              PINKY_NOT_FOUND);
    pt_status(pinky_workflow_execution_start(db, uid, &nobody, NULL, NULL), PINKY_NOT_FOUND);
    pt_error_names("workflow_id");

    /* start and finish inside a caller's transaction: rolled back with it */
    long long count = n_executions();
    pinky_db *tx = NULL;
    pt_ok(pinky_db_begin(db, NULL, &tx));
    pinky_workflow_execution *in_tx = NULL;
    pt_ok(pinky_workflow_execution_start(tx, uid, &wid, NULL, &in_tx));
    pt_ok(pinky_workflow_execution_finish(tx, uid, &in_tx->id, PINKY_EXECUTION_STATUS_COMPLETED, "1", NULL, NULL));
    pt_ok(pinky_db_rollback(tx));
    assert_int_equal(n_executions(), count);
    pinky_workflow_execution_free(in_tx);

    pinky_workflow_execution_free(failed);
    pinky_workflow_execution_free(pend);
    pinky_workflow_execution_free(done);
    pinky_workflow_execution_free(run);
}

/* Two threads finish the same execution at once: exactly one wins. */
typedef struct racer {
    pthread_barrier_t *barrier;
    int32_t user;
    pinky_uuid id;
    pinky_execution_status final;
    pinky_status result;
    pinky_status reported;
} racer;

static void *race_finish(void *arg)
{
    racer *r = arg;
    char results[64];
    snprintf(results, sizeof results, "{\"winner\": \"%s\"}", pinky_execution_status_str(r->final));
    pthread_barrier_wait(r->barrier);
    r->result = pinky_workflow_execution_finish(pt_db(), r->user, &r->id, r->final, results, NULL, NULL);
    r->reported = pinky_error_last()->status;
    return NULL;
}

static void test_execution_finish_race(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    pinky_uuid wid = make_workflow(uid, "race", NULL);
    enum { ROUNDS = 25 };
    int wins[2] = {0, 0};
    for (int round = 0; round < ROUNDS; round++) {
        pinky_workflow_execution *run = NULL;
        pt_ok(pinky_workflow_execution_start(db, uid, &wid, NULL, &run));
        pthread_barrier_t barrier;
        pthread_barrier_init(&barrier, NULL, 2);
        racer rs[2] = {
            {&barrier, uid, run->id, PINKY_EXECUTION_STATUS_COMPLETED, PINKY_INTERNAL, PINKY_INTERNAL},
            {&barrier, uid, run->id, PINKY_EXECUTION_STATUS_FAILED, PINKY_INTERNAL, PINKY_INTERNAL},
        };
        pthread_t th[2];
        for (int i = 0; i < 2; i++)
            assert_int_equal(pthread_create(&th[i], NULL, race_finish, &rs[i]), 0);
        for (int i = 0; i < 2; i++)
            pthread_join(th[i], NULL);
        pthread_barrier_destroy(&barrier);
        int ok = 0, winner = -1;
        for (int i = 0; i < 2; i++) {
            if (rs[i].result == PINKY_OK) {
                ok++;
                winner = i;
            } else {
                assert_int_equal(rs[i].result, PINKY_INVALID);
                assert_int_equal(rs[i].reported, PINKY_INVALID);
            }
        }
        assert_int_equal(ok, 1);
        wins[winner]++;
        const char *want = pinky_execution_status_str(rs[winner].final);
        assert_int_equal(pt_num("SELECT count(*) FROM workflow_executions WHERE id = '%s' AND status = '%s' "
                                "AND results->>'winner' = '%s' AND end_time IS NOT NULL",
                                pt_uuid_str(&run->id), want, want), 1);
        pinky_workflow_execution_free(run);
    }
    assert_int_equal(wins[0] + wins[1], ROUNDS);
}

static void test_execution_pagination(void **state)
{
    (void)state;
    pinky_db *db = pt_db();
    int32_t uid = pt_user();
    pinky_uuid w1 = make_workflow(uid, "p1", NULL);
    pinky_uuid w2 = make_workflow(uid, "p2", NULL);
    pinky_uuid wo = make_workflow(pt_user(), "other", NULL);
    /* 1000 executions over two workflows, start_time with many ties */
    const char *ins =
        "INSERT INTO workflow_executions (workflow_id, status, start_time) "
        "SELECT CASE WHEN g %% 4 = 0 THEN '%s'::uuid ELSE '%s'::uuid END, "
        "(ARRAY['PENDING','IN_PROGRESS','COMPLETED','FAILED'])[1 + g %% 4], "
        "timestamptz '2024-03-01 00:00:00+00' + (g %% 50) * interval '1 second' "
        "FROM generate_series(1, 1000) g";
    pt_exec(ins, pt_uuid_str(&w2), pt_uuid_str(&w1));
    pt_exec("INSERT INTO workflow_executions (workflow_id, status) SELECT '%s', 'PENDING' "
            "FROM generate_series(1, 50)", pt_uuid_str(&wo));

    char *csv = pt_str("SELECT string_agg(e.id::text, ',' ORDER BY e.start_time, e.id) FROM workflow_executions e "
                       "JOIN workflows w ON w.id = e.workflow_id WHERE w.user_id = %d", uid);
    static char *want[1000];
    assert_int_equal(pt_split_csv(csv, want, 1000), 1000);
    pinky_workflow_execution_filter f;
    pinky_workflow_execution_filter_init(&f);
    f.limit = 64;
    int seen = 0, pages = 0;
    char *cursor = NULL;
    pinky_time last = PINKY_TIME_NEG_INFINITY;
    for (;;) {
        f.cursor = cursor;
        pinky_workflow_execution_page *p = NULL;
        pt_ok(pinky_workflow_execution_list(db, uid, &f, &p));
        pages++;
        for (size_t i = 0; i < p->count; i++) {
            assert_true(seen < 1000);
            assert_string_equal(pt_uuid_str(&p->items[i]->id), want[seen]);
            assert_true(p->items[i]->start_time.value >= last);
            last = p->items[i]->start_time.value;
            seen++;
        }
        free(cursor);
        cursor = p->next_cursor ? strdup(p->next_cursor) : NULL;
        pinky_workflow_execution_page_free(p);
        if (cursor == NULL)
            break;
    }
    assert_int_equal(seen, 1000);
    assert_int_equal(pages, 16);
    free(csv);

    /* one workflow's executions, paginated, in the same order */
    csv = pt_str("SELECT string_agg(id::text, ',' ORDER BY start_time, id) FROM workflow_executions "
                 "WHERE workflow_id = '%s'", pt_uuid_str(&w2));
    int n2 = pt_split_csv(csv, want, 1000);
    assert_int_equal(n2, 250);
    f.workflow_id = pinky_uuid_val(&w2);
    f.limit = 64;
    seen = 0;
    cursor = NULL;
    for (;;) {
        f.cursor = cursor;
        pinky_workflow_execution_page *p = NULL;
        pt_ok(pinky_workflow_execution_list(db, uid, &f, &p));
        for (size_t i = 0; i < p->count; i++) {
            assert_true(seen < n2);
            assert_string_equal(pt_uuid_str(&p->items[i]->id), want[seen]);
            assert_true(pinky_uuid_equal(&p->items[i]->workflow_id, &w2));
            seen++;
        }
        free(cursor);
        cursor = p->next_cursor ? strdup(p->next_cursor) : NULL;
        pinky_workflow_execution_page_free(p);
        if (cursor == NULL)
            break;
    }
    assert_int_equal(seen, n2);
    free(csv);

    /* status and start_time range filters, against SQL */
    pinky_workflow_execution_filter_init(&f);
    f.limit = 1000;
    f.status = PINKY_EXECUTION_STATUS_COMPLETED;
    f.workflow_id = pinky_uuid_val(&w1);
    pinky_time t0, t1;
    pt_ok(pinky_time_from_utc(2024, 3, 1, 0, 0, 10, 0, &t0));
    pt_ok(pinky_time_from_utc(2024, 3, 1, 0, 0, 20, 0, &t1));
    f.start_time_from = pinky_time_val(t0);
    f.start_time_before = pinky_time_val(t1);
    pinky_workflow_execution_page *p = NULL;
    pt_ok(pinky_workflow_execution_list(db, uid, &f, &p));
    long long expect = pt_num("SELECT count(*) FROM workflow_executions WHERE workflow_id = '%s' "
                              "AND status = 'COMPLETED' AND start_time >= '2024-03-01 00:00:10+00' "
                              "AND start_time < '2024-03-01 00:00:20+00'", pt_uuid_str(&w1));
    assert_true(expect > 0);
    assert_int_equal(p->count, expect);
    for (size_t i = 0; i < p->count; i++) {
        assert_int_equal(p->items[i]->status, PINKY_EXECUTION_STATUS_COMPLETED);
        assert_true(p->items[i]->start_time.value >= t0 && p->items[i]->start_time.value < t1);
    }
    pinky_workflow_execution_page_free(p);
    pinky_workflow_execution_filter_init(&f);
    f.status = PINKY_EXECUTION_STATUS_FAILED;
    f.limit = 1000;
    pt_ok(pinky_workflow_execution_list(db, uid, &f, &p));
    assert_int_equal(p->count, 250);
    pinky_workflow_execution_page_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_workflow_round_trip),
        cmocka_unit_test(test_workflow_bad_input),
        cmocka_unit_test(test_workflow_tenancy),
        cmocka_unit_test(test_workflow_pagination),
        cmocka_unit_test(test_execution_status_enum),
        cmocka_unit_test(test_execution_round_trip),
        cmocka_unit_test(test_execution_bad_input),
        cmocka_unit_test(test_execution_start_finish),
        cmocka_unit_test(test_execution_finish_race),
        cmocka_unit_test(test_execution_pagination),
    };
    return cmocka_run_group_tests_name("workflows", tests, NULL, NULL);
}
