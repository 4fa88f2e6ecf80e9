/* The audit trail: one audit_logs row per mutation, in the same transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testdb.h"

static pinky_db *audited_pool(void)
{
    pinky_db_options o;
    pinky_db_options_init(&o);
    o.conninfo = pt_conninfo();
    o.audit = true;
    pinky_db *db = NULL;
    pt_ok(pinky_db_open(&o, &db));
    pt_ok(pinky_migrate(db));
    return db;
}

static long long audits(const char *action, const char *entity_id)
{
    return pt_num("SELECT count(*) FROM audit_logs WHERE action = '%s' AND entity_id = '%s'", action,
                  entity_id);
}

static void test_mutations_are_audited(void **state)
{
    (void)state;
    pinky_db *db = audited_pool();
    pt_ok(pinky_audit_set_context("203.0.113.7", "pinky-test/1.0"));

    pinky_user u;
    pinky_user_init(&u);
    u.username = (char *)pt_unique("audited");
    pinky_user *me = NULL;
    pt_ok(pinky_user_create(db, &u, &me));
    char uid[16];
    snprintf(uid, sizeof uid, "%d", me->id);
    assert_int_equal(audits("user.create", uid), 1);
    char *row = pt_str("SELECT concat_ws('|', coalesce(user_id::text, 'null'), entity_type, details->'fields', ip_address, user_agent)"
                       " FROM audit_logs WHERE action = 'user.create' AND entity_id = '%s'", uid);
    assert_string_equal(row, "null|user|[\"username\"]|203.0.113.7|pinky-test/1.0");
    free(row);

    /* a document: create (two rows: the document and its first version), update, delete */
    pinky_document d;
    pinky_document_init(&d);
    d.title = "Lease";
    d.path = "/docs/lease.pdf";
    d.platform = "UBUNTU";
    pinky_document *doc = NULL;
    pt_ok(pinky_document_create(db, me->id, &d, &doc));
    char did[PINKY_UUID_STRLEN];
    pinky_uuid_format(&doc->id, did);
    assert_int_equal(audits("document.create", did), 1);
    assert_int_equal(pt_num("SELECT count(*) FROM audit_logs WHERE action = 'document_version.create' AND user_id = %d", me->id), 1);
    assert_int_equal(pt_num("SELECT count(*) FROM audit_logs WHERE action = 'document.create' AND user_id = %d", me->id), 1);
    pinky_document ch;
    pinky_document_init(&ch);
    ch.title = "Lease (signed)";
    pt_ok(pinky_document_update(db, me->id, &doc->id, &ch, PINKY_DOCUMENT_TITLE, NULL, NULL));
    char *fields = pt_str("SELECT details->>'fields' FROM audit_logs WHERE action = 'document.update' AND entity_id = '%s'", did);
    assert_string_equal(fields, "[\"title\"]");
    free(fields);
    pinky_document_version v;
    pinky_document_version_init(&v);
    v.path = "/docs/lease-v2.pdf";
    pt_ok(pinky_document_new_version(db, me->id, &doc->id, &v, NULL));
    assert_int_equal(audits("document.new_version", did), 1);
    const char *tags[] = {"legal", "home"};
    pt_ok(pinky_document_tag_set(db, me->id, &doc->id, tags, 2));
    assert_int_equal(audits("document_tag.set", did), 1);
    pt_ok(pinky_document_delete(db, me->id, &doc->id));
    assert_int_equal(audits("document.delete", did), 1);

    /* secrets: the key's value appears nowhere in the trail */
    pinky_api_key k;
    pinky_api_key_init(&k);
    k.service = "mail";
    k.key_name = "imap";
    k.key_value = "sk-AUDIT-SECRET-9f8e7d";
    pinky_api_key *key = NULL;
    pt_ok(pinky_api_key_create(db, me->id, &k, &key));
    pt_ok(pinky_api_key_touch(db, me->id, &key->id));
    assert_int_equal(pt_num("SELECT count(*) FROM audit_logs WHERE action IN ('api_key.create', 'api_key.touch') AND user_id = %d", me->id), 2);
    assert_int_equal(pt_num("SELECT count(*) FROM audit_logs WHERE details::text LIKE '%%AUDIT-SECRET%%'"), 0);
    pinky_api_key_free(key);

    /* a failed mutation leaves no audit row */
    long long before = pt_num("SELECT count(*) FROM audit_logs");
    pt_status(pinky_user_create(db, &u, NULL), PINKY_CONFLICT);
    pinky_user bad;
    pinky_user_init(&bad);
    pt_status(pinky_user_create(db, &bad, NULL), PINKY_INVALID);
    assert_int_equal(pt_num("SELECT count(*) FROM audit_logs"), before);

    /* the trail shares the transaction: a rollback takes it back too */
    pinky_db *tx = NULL;
    pt_ok(pinky_db_begin(db, NULL, &tx));
    pt_ok(pinky_user_preference_set(tx, me->id, "theme", "\"dark\"", NULL));
    pt_ok(pinky_db_rollback(tx));
    assert_int_equal(pt_num("SELECT count(*) FROM audit_logs"), before);
    pt_ok(pinky_user_preference_set(db, me->id, "theme", "\"dark\"", NULL));
    assert_int_equal(audits("user_preference.upsert", "theme"), 1);

    /* clearing the context */
    pt_ok(pinky_audit_set_context(NULL, NULL));
    pt_ok(pinky_user_preference_delete(db, me->id, "theme"));
    char *ctx = pt_str("SELECT coalesce(ip_address, 'none') || coalesce(user_agent, 'none') FROM audit_logs"
                       " WHERE action = 'user_preference.delete' AND user_id = %d", me->id);
    assert_string_equal(ctx, "nonenone");
    free(ctx);

    pinky_document_free(doc);
    pinky_user_free(me);
    pinky_db_close(db);
}

static void test_not_audited_by_default_and_bad_context(void **state)
{
    (void)state;
    long long before = pt_num("SELECT count(*) FROM audit_logs");
    pt_user(); /* pt_db() has auditing off */
    assert_int_equal(pt_num("SELECT count(*) FROM audit_logs"), before);
    pt_status(pinky_audit_set_context("999.1.1.1", NULL), PINKY_INVALID);
    pt_error_names("ip_address");
    pt_status(pinky_audit_set_context(NULL, "bad\xff"), PINKY_INVALID);
    pt_error_names("user_agent");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mutations_are_audited),
        cmocka_unit_test(test_not_audited_by_default_and_bad_context),
    };
    return cmocka_run_group_tests_name("audit", tests, NULL, NULL);
}
