"""api_keys, system_settings and audit_logs through the bindings."""

import datetime
import unittest

import support
import pinky


class ApiKeys(support.DbTest):
    def setUp(self):
        super().setUp()
        self.u = support.new_user("keys")

    def test_secret_handling(self):
        k = self.db.api_keys.create(self.u.id, service="openai", key_name="default",
                                    key_value="sk-very-secret")
        self.assertIsInstance(k, pinky.ApiKey)
        self.assertIsNone(k.key_value)           # rows read back carry no value
        self.assertTrue(k.is_active)
        self.assertIsNone(k.last_used)
        self.assertIsNone(self.db.api_keys.get(self.u.id, k.id).key_value)
        self.assertEqual(self.db.api_keys.reveal(self.u.id, k.id), "sk-very-secret")
        found = self.db.api_keys.find(self.u.id, "openai", "default")
        self.assertEqual((found.id, found.key_value), (k.id, "sk-very-secret"))
        self.assertNotIn("sk-very-secret", repr(found))
        self.assertEqual([x.key_value for x in self.db.api_keys.list(self.u.id)], [None])
        self.assertEqual([x.key_value for x in self.db.api_keys.list(self.u.id,
                                                                     include_key_value=True)],
                         ["sk-very-secret"])
        self.assertEqual(self.sql.value("SELECT key_value FROM api_keys WHERE id = $1", k.id),
                         "sk-very-secret")
        # a duplicate is a Conflict naming the constraint, never the value
        with self.assertRaises(pinky.Conflict) as cm:
            self.db.api_keys.create(self.u.id, service="openai", key_name="default",
                                    key_value="sk-other-secret")
        self.assertEqual(cm.exception.constraint, "api_keys_user_id_service_key_name_key")
        for text in (cm.exception.message, cm.exception.detail, str(cm.exception)):
            self.assertNotIn("secret", text)
        # bad input
        self.assertRaisesField(pinky.Invalid, "api_key.key_value", self.db.api_keys.create,
                               self.u.id, service="s", key_name="n")
        self.assertRaisesField(pinky.Invalid, "api_key.service", self.db.api_keys.create,
                               self.u.id, service="s" * 101, key_name="n", key_value="v")

    def test_touch_update_delete_tenancy(self):
        k = self.db.api_keys.create(self.u.id, service="github", key_name="ci", key_value="ghp")
        self.db.api_keys.touch(self.u.id, k.id)
        t = self.db.api_keys.get(self.u.id, k.id)
        self.assertIsNotNone(t.last_used)
        self.assertLess(abs((t.last_used - t.updated_at).total_seconds()), 5)
        self.assertIsNotNone(self.sql.value("SELECT last_used FROM api_keys WHERE id = $1", k.id))
        v = self.db.api_keys.update(self.u.id, k.id, is_active=False, key_value="ghp-2")
        self.assertEqual((v.is_active, v.key_value), (False, None))
        self.assertEqual(self.db.api_keys.reveal(self.u.id, k.id), "ghp-2")
        self.assertEqual([x.id for x in self.db.api_keys.list(self.u.id, is_active=False)],
                         [k.id])
        other = support.new_user("keys-other")
        self.assertRaises(pinky.NotFound, self.db.api_keys.reveal, other.id, k.id)
        self.assertRaises(pinky.NotFound, self.db.api_keys.find, other.id, "github", "ci")
        self.assertRaises(pinky.NotFound, self.db.api_keys.touch, other.id, k.id)
        self.assertRaises(pinky.NotFound, self.db.api_keys.delete, other.id, k.id)
        self.db.api_keys.delete(self.u.id, k.id)
        self.assertRaises(pinky.NotFound, self.db.api_keys.get, self.u.id, k.id)
        self.assertEqual(self.sql.num("SELECT count(*) FROM api_keys WHERE id = $1", k.id), 0)


class SystemSettings(support.DbTest):
    def test_set_get_list_delete(self):
        prefix = support.unique("set") + "."
        s = self.db.system_settings.set(prefix + "a", {"enabled": True, "n": 3})
        self.assertIsInstance(s, pinky.SystemSetting)
        self.assertEqual(s.setting_value, {"enabled": True, "n": 3})
        s2 = self.db.system_settings.set(prefix + "a", [1, 2])
        self.assertEqual((s2.setting_value, s2.created_at), ([1, 2], s.created_at))
        self.db.system_settings.set(prefix + "b", "text")
        self.assertEqual(self.db.system_settings.get(prefix + "b").setting_value, "text")
        self.assertEqual([x.setting_key for x in self.db.system_settings.list(key_prefix=prefix,
                                                                              page_size=1)],
                         [prefix + "a", prefix + "b"])
        self.assertEqual(self.sql.value("SELECT setting_value::text FROM system_settings "
                                        "WHERE setting_key = $1", prefix + "a"), "[1, 2]")
        self.db.system_settings.delete(prefix + "a")
        self.assertRaises(pinky.NotFound, self.db.system_settings.get, prefix + "a")
        self.assertRaises(pinky.NotFound, self.db.system_settings.delete, prefix + "a")
        self.assertRaisesField(pinky.Invalid, "setting_value", self.db.system_settings.set,
                               prefix + "c", pinky.RawJson("nope"))
        self.assertRaisesField(pinky.Invalid, "setting_value", self.db.system_settings.set,
                               prefix + "c", None)
        self.assertEqual(self.sql.num("SELECT count(*) FROM system_settings "
                                      "WHERE setting_key = $1", prefix + "c"), 0)


class AuditLogs(support.DbTest):
    def test_create_and_list(self):
        u = support.new_user("audit")
        action = support.unique("doc.export")
        e = self.db.audit_logs.create(user_id=u.id, action=action, entity_type="document",
                                      entity_id="42", details={"format": "pdf"},
                                      ip_address="2001:db8::1", user_agent="tests")
        self.assertIsInstance(e, pinky.AuditLog)
        self.assertEqual((e.user_id, e.details, e.ip_address), (u.id, {"format": "pdf"},
                                                                "2001:db8::1"))
        f = self.db.audit_logs.create(action=action, entity_type="document")
        self.assertIsNone(f.user_id)
        self.assertEqual([x.id for x in self.db.audit_logs.list(action=action, page_size=1)],
                         [e.id, f.id])
        self.assertEqual([x.id for x in self.db.audit_logs.list(action=action, user_id=u.id)],
                         [e.id])
        self.assertRaisesField(pinky.Invalid, "audit_log.ip_address", self.db.audit_logs.create,
                               action="a", entity_type="b", ip_address="999.1.1.1")
        self.assertRaisesField(pinky.NotFound, "user_id", self.db.audit_logs.create,
                               user_id=2**31 - 1, action="a", entity_type="b")
        self.assertRaises(TypeError, self.db.audit_logs.create, action="a", entity_type="b",
                          created_at=datetime.datetime.now(datetime.timezone.utc))
        self.assertEqual(self.sql.num("SELECT count(*) FROM audit_logs WHERE action = $1",
                                      action), 2)

    def test_audit_option_and_context(self):
        with pinky.connect(support.scratch_dsn(), audit=True) as db:
            pinky.set_audit_context("192.0.2.7", "pinky-python-tests/1.0")
            try:
                u = db.users.create(username=support.unique("audited"))
                d = db.documents.create(u.id, title="T", path="/p", platform="WEB")
            finally:
                pinky.set_audit_context(None, None)
        rows = self.sql.rows("SELECT action, entity_id, ip_address, user_agent FROM audit_logs "
                             "WHERE entity_id IN ($1, $2) ORDER BY created_at, id",
                             str(u.id), str(d.id))
        self.assertEqual(rows, [["user.create", str(u.id), "192.0.2.7", "pinky-python-tests/1.0"],
                                ["document.create", str(d.id), "192.0.2.7",
                                 "pinky-python-tests/1.0"]])
        self.assertRaisesField(pinky.Invalid, "ip_address", pinky.set_audit_context, "nope", None)


if __name__ == "__main__":
    unittest.main()
