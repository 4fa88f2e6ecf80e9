"""users and user_preferences through the bindings."""

import datetime
import unittest

import support
import pinky


class Users(support.DbTest):
    def test_round_trip(self):
        name = "é" * 255   # 255 characters, 510 bytes
        before = datetime.datetime.now(datetime.timezone.utc)
        u = self.db.users.create(username=name, email=support.unique("m") + "@example.org",
                                 first_name="Zoë")
        self.assertIsInstance(u, pinky.User)
        self.assertGreater(u.id, 0)
        self.assertEqual((u.username, u.first_name, u.last_name), (name, "Zoë", None))
        self.assertIs(u.created_at.tzinfo, datetime.timezone.utc)
        self.assertLess(abs((u.created_at - before).total_seconds()), 60)
        self.assertEqual(u.created_at, u.updated_at)
        self.assertEqual(self.db.users.get(u.id), u)
        self.assertEqual(self.db.users.get_by_username(name), u)
        self.assertEqual(self.sql.value("SELECT username FROM users WHERE id = $1", u.id), name)
        self.assertEqual(self.sql.num("SELECT char_length(username) FROM users WHERE id = $1",
                                      u.id), 255)
        # the times are the server's, to the microsecond
        self.assertEqual(self.sql.num("SELECT (extract(epoch FROM created_at) * 1000000)::int8 "
                                      "FROM users WHERE id = $1", u.id),
                         pinky.values.time_to_c(u.created_at))

    def test_update_changes_only_the_given_fields(self):
        u = self.db.users.create(username=support.unique("upd"), first_name="A", last_name="B",
                                 email=support.unique("e") + "@example.org")
        v = self.db.users.update(u.id, last_name="Ng", first_name=None,
                                 expected_updated_at=u.updated_at)
        self.assertEqual((v.last_name, v.first_name, v.email), ("Ng", None, u.email))
        self.assertGreater(v.updated_at, u.updated_at)
        self.assertEqual(v.created_at, u.created_at)
        self.assertIsNone(self.sql.value("SELECT first_name FROM users WHERE id = $1", u.id))
        # stale expected_updated_at: Conflict, nothing written
        e = self.assertRaisesField(pinky.Conflict, "expected_updated_at", self.db.users.update,
                                   u.id, last_name="Stale", expected_updated_at=u.updated_at)
        self.assertIn("nothing written", e.message)
        self.assertEqual(self.sql.value("SELECT last_name FROM users WHERE id = $1", u.id), "Ng")
        # fields that are not updatable are a TypeError, before anything is sent
        self.assertRaises(TypeError, self.db.users.update, u.id, id=5)
        self.assertRaises(TypeError, self.db.users.update, u.id, created_at=u.created_at)
        self.assertRaises(TypeError, self.db.users.update, u.id, nickname="x")

    def test_bad_input(self):
        n = self.sql.num("SELECT count(*) FROM users")
        self.assertRaisesField(pinky.Invalid, "user.username", self.db.users.create,
                               username="x" * 256)
        self.assertRaisesField(pinky.Invalid, "user.username", self.db.users.create, username="")
        self.assertRaisesField(pinky.Invalid, "user.username", self.db.users.create)
        self.assertRaisesField(pinky.Invalid, "user.email", self.db.users.create,
                               username=support.unique("u"), email="e" * 256)
        self.assertRaisesField(pinky.Invalid, "user.username", self.db.users.create,
                               username="nul\0inside")
        self.assertRaisesField(pinky.Invalid, "user.first_name", self.db.users.create,
                               username=support.unique("u"), first_name=42)
        self.assertRaisesField(pinky.Invalid, "id", self.db.users.get, 2**31)
        self.assertRaises(TypeError, self.db.users.create, username="u", id=7)
        self.assertEqual(self.sql.num("SELECT count(*) FROM users"), n)

    def test_duplicates_are_conflicts(self):
        u = support.new_user("dup")
        with self.assertRaises(pinky.Conflict) as cm:
            self.db.users.create(username=u.username)
        e = cm.exception
        self.assertEqual((e.constraint, e.sqlstate, e.status), ("users_username_key", "23505",
                                                                pinky.Status.CONFLICT))
        self.assertEqual(self.sql.num("SELECT count(*) FROM users WHERE username = $1",
                                      u.username), 1)

    def test_not_found(self):
        u = support.new_user("gone")
        self.db.users.delete(u.id)
        self.assertRaises(pinky.NotFound, self.db.users.get, u.id)
        self.assertRaises(pinky.NotFound, self.db.users.delete, u.id)
        self.assertRaises(pinky.NotFound, self.db.users.update, u.id, first_name="x")
        self.assertRaises(LookupError, self.db.users.get_by_username, u.username)
        self.assertEqual(self.sql.num("SELECT count(*) FROM users WHERE id = $1", u.id), 0)

    def test_pages_and_generator(self):
        tag = support.unique("pg")
        made = [self.db.users.create(username="%s-%02d" % (tag, i)).id for i in range(7)]
        got = [u.id for u in self.db.users.list(username_contains=tag.upper(), page_size=3)]
        self.assertEqual(got, made)   # id order, across three pages
        p1 = self.db.users.page(username_contains=tag, limit=4)
        self.assertEqual(([u.id for u in p1], len(p1)), (made[:4], 4))
        self.assertIsNotNone(p1.next_cursor)
        p2 = self.db.users.page(username_contains=tag, limit=4, cursor=p1.next_cursor)
        self.assertEqual([u.id for u in p2.items], made[4:])
        self.assertIsNone(p2.next_cursor)
        # time filters
        first = self.db.users.get(made[0])
        later = [u.id for u in self.db.users.list(username_contains=tag,
                                                  created_from=first.created_at)]
        self.assertEqual(later, made)
        self.assertEqual(list(self.db.users.list(username_contains=tag,
                                                 created_before=first.created_at)), [])
        # bad filters fail when list() is called, not on first iteration
        self.assertRaisesField(pinky.Invalid, "filter.created_from", self.db.users.list,
                               created_from=datetime.datetime(2024, 1, 1))
        self.assertRaises(TypeError, self.db.users.list, username_like="x")
        self.assertRaisesField(pinky.Invalid, "filter.limit", self.db.users.page, limit=5000)
        self.assertRaisesField(pinky.Invalid, "cursor", self.db.users.page, cursor="nonsense")


class Preferences(support.DbTest):
    def test_set_get_list_delete(self):
        u = support.new_user("prefs")
        p = self.db.user_preferences.set(u.id, "theme", {"mode": "dark", "size": [1, 2.5]})
        self.assertEqual((p.user_id, p.preference_key, p.preference_value),
                         (u.id, "theme", {"mode": "dark", "size": [1, 2.5]}))
        self.assertEqual(self.sql.value("SELECT preference_value->>'mode' FROM user_preferences "
                                        "WHERE user_id = $1 AND preference_key = 'theme'", u.id),
                         "dark")
        q = self.db.user_preferences.set(u.id, "theme", "light")   # a JSON string replaces it
        self.assertEqual(q.preference_value, "light")
        self.assertEqual(q.created_at, p.created_at)
        self.db.user_preferences.set(u.id, "tz", pinky.RawJson('"Europe/Paris"'))
        self.db.user_preferences.set(u.id, "zz.other", 3)
        self.assertEqual(self.db.user_preferences.get(u.id, "tz").preference_value,
                         "Europe/Paris")
        self.assertEqual([x.preference_key for x in self.db.user_preferences.list(u.id)],
                         ["theme", "tz", "zz.other"])
        self.assertEqual([x.preference_key for x in
                          self.db.user_preferences.list(u.id, key_prefix="t", page_size=1)],
                         ["theme", "tz"])
        self.db.user_preferences.delete(u.id, "tz")
        self.assertRaises(pinky.NotFound, self.db.user_preferences.get, u.id, "tz")
        # another user sees none of them
        other = support.new_user("prefs-other")
        self.assertRaises(pinky.NotFound, self.db.user_preferences.get, other.id, "theme")
        self.assertEqual(list(self.db.user_preferences.list(other.id)), [])

    def test_bad_input(self):
        u = support.new_user("prefs-bad")
        self.assertRaisesField(pinky.Invalid, "preference_value", self.db.user_preferences.set,
                               u.id, "k", pinky.RawJson("{nope"))
        self.assertRaisesField(pinky.Invalid, "preference_value", self.db.user_preferences.set,
                               u.id, "k", float("inf"))
        self.assertRaisesField(pinky.Invalid, "preference_key", self.db.user_preferences.set,
                               u.id, "", 1)
        self.assertRaises(pinky.NotFound, self.db.user_preferences.set, 2**31 - 1, "k", 1)
        self.assertEqual(self.sql.num("SELECT count(*) FROM user_preferences WHERE user_id = $1",
                                      u.id), 0)


if __name__ == "__main__":
    unittest.main()
