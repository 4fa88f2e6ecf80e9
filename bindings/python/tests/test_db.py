"""connect(), the pool's options, transactions, migrations, callbacks."""

import threading
import unittest

import support
import pinky


class Connect(support.DbTest):
    def test_options_reach_the_server(self):
        name = support.unique("app")[:40]
        with pinky.connect(support.scratch_dsn(), application_name=name, max_connections=2,
                           min_connections=1, acquire_timeout_ms=2000) as db:
            self.assertIsInstance(db, pinky.Db)
            self.assertFalse(db.in_transaction)
            self.assertGreaterEqual(self.sql.num(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", name), 1)
            s = db.stats()
            it = db.users.list()
            self.assertIsInstance(s, pinky.Stats)
            self.assertGreaterEqual(s.total, 1)
            self.assertLessEqual(s.total, 2)
        self.assertTrue(db.closed)
        self.assertRaises(pinky.StateError, db.stats)
        self.assertRaises(pinky.StateError, next, it)   # a list begun before close()
        self.assertRaises(pinky.StateError, db.users.get, 1)
        db.close()   # twice is fine

    def test_statement_timeout(self):
        with pinky.connect(support.scratch_dsn(), statement_timeout_ms=100) as db:
            with self.assertRaises(pinky.Timeout) as cm:
                db.execute("DO $$ BEGIN PERFORM pg_sleep(2); END $$")
            self.assertEqual(cm.exception.sqlstate, "57014")

    def test_bad_options(self):
        self.assertRaises(TypeError, pinky.connect, support.scratch_dsn(), max_conections=2)
        self.assertRaisesField(pinky.Invalid, "max_connections", pinky.connect,
                               support.scratch_dsn(), max_connections=0)
        self.assertRaisesField(pinky.Invalid, "max_connections", pinky.connect,
                               support.scratch_dsn(), max_connections=-1)
        self.assertRaisesField(pinky.Invalid, "audit", pinky.connect, support.scratch_dsn(),
                               audit="yes")
        with self.assertRaises(pinky.PinkyConnectionError) as cm:
            pinky.connect("host=/nonexistent-pinky-dir port=1", connect_timeout_ms=1000)
        self.assertNotIn("password", cm.exception.message.lower().replace("password=", ""))

    def test_busy(self):
        with pinky.connect(support.scratch_dsn(), max_connections=1,
                           acquire_timeout_ms=100) as db:
            with db.transaction():
                self.assertRaises(pinky.Busy, db.users.get, 1)

    def test_migrations(self):
        ms = pinky.migrations()
        self.assertGreaterEqual(len(ms), 1)
        self.assertEqual(ms[0].version, 1)
        self.assertEqual(ms[0].name, "0001_seed.sql")
        self.assertIn("CREATE TABLE", ms[0].sql.upper())
        self.assertEqual(len(ms[0].checksum), 64)
        self.db.migrate()   # again: nothing to do
        self.assertEqual(self.db.schema_version(), ms[-1].version)
        self.assertEqual(self.sql.num("SELECT max(version) FROM pinky_schema_migrations"),
                         ms[-1].version)
        self.assertRegex(pinky.version(), r"^\d+\.\d+\.\d+$")

    def test_log_callback(self):
        seen = []
        with pinky.connect(support.scratch_dsn(), log=lambda lvl, msg: seen.append((lvl, msg))) \
                as db:
            db.execute("DO $$ BEGIN RAISE NOTICE 'hello from plpgsql'; END $$")
        self.assertTrue(any("hello from plpgsql" in m for _, m in seen), seen)
        self.assertTrue(all(isinstance(lvl, pinky.LogLevel) for lvl, _ in seen))

    def test_after_connect_hook(self):
        name = support.unique("hooked")[:40]
        calls = []

        def hook(conn):
            self.assertIsInstance(conn, pinky.Connection)
            conn.execute("SET application_name = '%s'" % name)
            calls.append(conn)

        with pinky.connect(support.scratch_dsn(), after_connect=hook) as db:
            db.users.list()
            self.assertGreaterEqual(self.sql.num(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", name), 1)
        self.assertGreaterEqual(len(calls), 1)
        self.assertTrue(calls[0].closed)   # valid during the hook only

        def failing(conn):
            raise RuntimeError("no")
        self.assertRaises(pinky.PinkyError, pinky.connect, support.scratch_dsn(),
                          after_connect=failing)


class Transactions(support.DbTest):
    def test_commit(self):
        name = support.unique("tx")
        with self.db.transaction() as tx:
            self.assertIsInstance(tx, pinky.Transaction)
            self.assertTrue(tx.in_transaction)
            u = tx.users.create(username=name)
            tx.user_preferences.set(u.id, "k", [1])
            self.assertEqual(tx.users.get(u.id).username, name)
            # not visible outside before the commit
            self.assertEqual(self.sql.num("SELECT count(*) FROM users WHERE username = $1",
                                          name), 0)
        self.assertEqual(self.sql.num("SELECT count(*) FROM users WHERE username = $1", name), 1)
        self.assertEqual(self.db.user_preferences.get(u.id, "k").preference_value, [1])
        self.assertTrue(tx.closed)
        self.assertRaises(pinky.StateError, tx.users.get, u.id)
        self.assertRaises(pinky.StateError, tx.users.list)

    def test_rollback_on_exception(self):
        name = support.unique("rb")

        class Boom(Exception):
            pass
        with self.assertRaises(Boom):
            with self.db.transaction(isolation=pinky.Isolation.SERIALIZABLE) as tx:
                tx.users.create(username=name)
                raise Boom()
        self.assertEqual(self.sql.num("SELECT count(*) FROM users WHERE username = $1", name), 0)
        self.assertRaises(pinky.NotFound, self.db.users.get_by_username, name)

    def test_explicit_begin_commit_rollback(self):
        a, b = support.unique("ea"), support.unique("eb")
        tx = self.db.begin(isolation="repeatable_read")
        tx.users.create(username=a)
        tx.commit()
        tx = self.db.begin()
        tx.users.create(username=b)
        tx.rollback()
        self.assertRaises(pinky.StateError, tx.commit)
        self.assertEqual(self.sql.num("SELECT count(*) FROM users WHERE username IN ($1, $2)",
                                      a, b), 1)

    def test_failed_statement_poisons_the_transaction(self):
        u = support.new_user("poison")
        name = support.unique("poison2")
        with self.assertRaises(pinky.StateError):
            with self.db.transaction() as tx:
                tx.users.create(username=name)
                self.assertRaises(pinky.Conflict, tx.users.create, username=u.username)
                tx.users.get(u.id)       # refused: the transaction failed
        self.assertEqual(self.sql.num("SELECT count(*) FROM users WHERE username = $1", name), 0)

    def test_read_only(self):
        with self.assertRaises(pinky.PinkyError) as cm:
            with self.db.transaction(read_only=True) as tx:
                tx.users.create(username=support.unique("ro"))
        self.assertEqual(cm.exception.sqlstate, "25006")
        self.assertRaisesField(pinky.Invalid, "isolation", self.db.transaction, isolation="FAST")

    def test_transact_retries_serialization_failures(self):
        attempts = []
        name = support.unique("retry")

        def work(tx):
            attempts.append(1)
            tx.users.create(username="%s-%d" % (name, len(attempts)))
            if len(attempts) < 3:
                raise pinky.Serialization("simulated", sqlstate="40001")
            return "done"
        self.assertEqual(self.db.transact(work, isolation=pinky.Isolation.SERIALIZABLE), "done")
        self.assertEqual(len(attempts), 3)
        # only the last attempt's row is there
        self.assertEqual([r[0] for r in self.sql.rows(
            "SELECT username FROM users WHERE username LIKE $1", name + "%")], [name + "-3"])
        self.assertRaises(pinky.Serialization, self.db.transact,
                          lambda tx: (_ for _ in ()).throw(pinky.Serialization("x")),
                          max_attempts=2)

    def test_real_serialization_conflict_is_retried(self):
        """Two serializable transactions that read and write the same
        setting: one fails with 40001 and transact runs it again."""
        key = support.unique("counter")
        self.db.system_settings.set(key, 0)
        barrier = threading.Barrier(2)
        errors = []

        def bump(tx):
            n = tx.system_settings.get(key).setting_value
            try:
                barrier.wait(timeout=2)
            except threading.BrokenBarrierError:
                pass
            tx.system_settings.set(key, n + 1)

        def run():
            try:
                self.db.transact(bump, isolation=pinky.Isolation.SERIALIZABLE, max_attempts=10)
            except Exception as e:   # pragma: no cover - reported below
                errors.append(e)
        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(self.db.system_settings.get(key).setting_value, 2)
        self.db.system_settings.delete(key)


class Threads(support.DbTest):
    def test_errors_are_per_thread(self):
        """Each thread's exception carries its own error, copied at once."""
        results = {}

        def worker(i):
            try:
                if i % 2:
                    self.db.users.create(username="")
                else:
                    self.db.users.get(2**31 - 1 - i)
            except pinky.PinkyError as e:
                results[i] = (type(e), e.field)
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for i in range(16):
            if i % 2:
                self.assertEqual(results[i], (pinky.Invalid, "user.username"))
            else:
                self.assertIs(results[i][0], pinky.NotFound)


if __name__ == "__main__":
    unittest.main()
