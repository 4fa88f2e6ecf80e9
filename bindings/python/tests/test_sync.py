"""platform_connections, sync_operations and sync_items through the bindings."""

import datetime
import unittest
import uuid

import support
import pinky

UTC = datetime.timezone.utc


def connection(db, user_id, **kw):
    fields = dict(name=support.unique("conn"), platform=pinky.Platform.DROPBOX,
                  root_path="/Dropbox", credentials={"token": "tok-secret"})
    fields.update(kw)
    return db.platform_connections.create(user_id, **fields)


class PlatformConnections(support.DbTest):
    def test_round_trip_and_update(self):
        u = support.new_user("pc")
        when = datetime.datetime(2024, 5, 1, 8, 30, tzinfo=UTC)
        c = connection(self.db, u.id, sync_direction="BIDIRECTIONAL", sync_interval=15,
                       metadata={"region": "eu"}, last_sync_date=when)
        self.assertIsInstance(c.id, uuid.UUID)
        self.assertEqual((c.user_id, c.platform, c.sync_direction, c.sync_interval),
                         (u.id, pinky.Platform.DROPBOX, pinky.SyncDirection.BIDIRECTIONAL, 15))
        self.assertEqual((c.is_enabled, c.sync_on_startup, c.status), (True, False,
                                                                       "DISCONNECTED"))
        self.assertEqual(c.credentials, {"token": "tok-secret"})
        self.assertNotIn("tok-secret", repr(c))
        self.assertEqual(c.last_sync_date, when)
        self.assertEqual(self.sql.value("SELECT platform FROM platform_connections WHERE id = $1",
                                        c.id), "DROPBOX")
        self.assertEqual(self.db.platform_connections.get(u.id, c.id), c)
        d = self.db.platform_connections.update(u.id, c.id, is_enabled=False, sync_interval=None,
                                                sync_direction=None, status="CONNECTED",
                                                expected_updated_at=c.updated_at)
        self.assertEqual((d.is_enabled, d.sync_interval, d.sync_direction, d.status, d.name),
                         (False, None, None, "CONNECTED", c.name))
        self.assertEqual(self.sql.rows("SELECT is_enabled, sync_interval, sync_direction "
                                       "FROM platform_connections WHERE id = $1", c.id),
                         [["f", None, None]])
        self.assertRaisesField(pinky.Invalid, "name", self.db.platform_connections.update, u.id,
                               c.id, name=None)
        self.assertRaisesField(pinky.Invalid, "platform", self.db.platform_connections.update,
                               u.id, c.id, platform="BEOS")

    def test_tenancy(self):
        u, other = support.new_user("pc-own"), support.new_user("pc-other")
        c = connection(self.db, u.id)
        self.assertRaises(pinky.NotFound, self.db.platform_connections.get, other.id, c.id)
        self.assertRaises(pinky.NotFound, self.db.platform_connections.update, other.id, c.id,
                          name="stolen")
        self.assertRaises(pinky.NotFound, self.db.platform_connections.delete, other.id, c.id)
        self.assertEqual(list(self.db.platform_connections.list(other.id)), [])
        self.assertEqual(self.sql.value("SELECT name FROM platform_connections WHERE id = $1",
                                        c.id), c.name)
        self.assertRaises(pinky.NotFound, self.db.platform_connections.create, 2**31 - 1,
                          name="n", platform="WEB", root_path="/", credentials={})

    def test_list_filters(self):
        u = support.new_user("pc-list")
        a = connection(self.db, u.id, platform="WEB")
        b = connection(self.db, u.id, platform="IOS", is_enabled=False)
        c = connection(self.db, u.id, platform="WEB")
        self.assertEqual([x.id for x in self.db.platform_connections.list(u.id, page_size=1)],
                         [a.id, b.id, c.id])
        self.assertEqual([x.id for x in self.db.platform_connections.list(
            u.id, platform=pinky.Platform.WEB)], [a.id, c.id])
        self.assertEqual([x.id for x in self.db.platform_connections.list(u.id, is_enabled=False)],
                         [b.id])

    def test_bad_input(self):
        u = support.new_user("pc-bad")
        n = self.sql.num("SELECT count(*) FROM platform_connections")
        base = dict(name="n", platform="WEB", root_path="/", credentials={})
        for field, value in (("name", ""), ("name", "x" * 256), ("platform", None),
                             ("credentials", None), ("credentials", pinky.RawJson("[")),
                             ("sync_interval", 2**31), ("status", "s" * 51),
                             ("is_enabled", "yes")):
            with self.subTest(field=field, value=value):
                self.assertRaisesField(pinky.Invalid, "platform_connection." + field,
                                       self.db.platform_connections.create, u.id,
                                       **dict(base, **{field: value}))
        self.assertEqual(self.sql.num("SELECT count(*) FROM platform_connections"), n)


class SyncOperations(support.DbTest):
    def test_crud(self):
        u = support.new_user("op")
        c = connection(self.db, u.id)
        op = self.db.sync_operations.create(u.id, connection_id=c.id, status="PENDING",
                                            items_total=10, errors=[])
        self.assertEqual((op.connection_id, op.status, op.items_processed, op.items_total,
                          op.bytes_transferred, op.errors, op.end_time),
                         (c.id, pinky.SyncStatus.PENDING, 0, 10, 0, [], None))
        self.assertIsNotNone(op.start_time)
        op2 = self.db.sync_operations.update(u.id, op.id, items_processed=4,
                                             bytes_transferred=2**40)
        self.assertEqual((op2.items_processed, op2.bytes_transferred, op2.items_total),
                         (4, 2**40, 10))
        self.assertEqual(self.sql.num("SELECT bytes_transferred FROM sync_operations "
                                      "WHERE id = $1", op.id), 2**40)
        self.assertRaisesField(pinky.Invalid, "status", self.db.sync_operations.update, u.id,
                               op.id, status=None)
        self.assertEqual([o.id for o in self.db.sync_operations.list(u.id, connection_id=c.id)],
                         [op.id])
        other = support.new_user("op-other")
        self.assertRaises(pinky.NotFound, self.db.sync_operations.get, other.id, op.id)
        self.assertRaisesField(pinky.NotFound, "connection_id", self.db.sync_operations.create,
                               other.id, connection_id=c.id, status="PENDING")
        self.db.sync_operations.delete(u.id, op.id)
        self.assertRaises(pinky.NotFound, self.db.sync_operations.get, u.id, op.id)

    def test_life_cycle(self):
        u = support.new_user("life")
        c = connection(self.db, u.id)
        op = self.db.sync_operations.create(u.id, connection_id=c.id, status="PENDING")
        op = self.db.sync_operations.start(u.id, op.id, 3)
        self.assertEqual((op.status, op.items_total, op.items_processed),
                         (pinky.SyncStatus.IN_PROGRESS, 3, 0))
        op = self.db.sync_operations.progress(u.id, op.id, 2, 4096)
        self.assertEqual((op.items_processed, op.bytes_transferred), (2, 4096))
        op = self.db.sync_operations.finish(u.id, op.id, pinky.SyncStatus.COMPLETED,
                                            errors=[{"path": "/x", "error": "skipped"}])
        self.assertEqual(op.status, pinky.SyncStatus.COMPLETED)
        self.assertEqual(op.errors, [{"path": "/x", "error": "skipped"}])
        self.assertIsNotNone(op.end_time)
        conn = self.db.platform_connections.get(u.id, c.id)
        self.assertEqual((conn.status, conn.last_sync_date), ("CONNECTED", op.end_time))
        # finishing twice: Invalid naming status, nothing written
        self.assertRaisesField(pinky.Invalid, "status", self.db.sync_operations.finish, u.id,
                               op.id, "FAILED")
        self.assertEqual(self.sql.value("SELECT status FROM sync_operations WHERE id = $1",
                                        op.id), "COMPLETED")
        self.assertRaisesField(pinky.Invalid, "final_status", self.db.sync_operations.finish,
                               u.id, op.id, "DONE")
        self.assertRaisesField(pinky.Invalid, "items_total", self.db.sync_operations.start,
                               u.id, op.id, -1)


class SyncItems(support.DbTest):
    def setUp(self):
        super().setUp()
        self.u = support.new_user("items")
        self.c = connection(self.db, self.u.id)

    def test_create_upsert_update(self):
        t = datetime.datetime(2024, 3, 1, tzinfo=UTC)
        it = self.db.sync_items.create(self.u.id, connection_id=self.c.id, path="/a.txt",
                                       is_directory=False, size=10, hash="h1", local_modified=t)
        self.assertEqual((it.sync_status, it.has_conflict, it.size, it.local_modified),
                         (pinky.SyncItemStatus.PENDING, False, 10, t))
        with self.assertRaises(pinky.Conflict) as cm:
            self.db.sync_items.create(self.u.id, connection_id=self.c.id, path="/a.txt",
                                      is_directory=False)
        self.assertEqual(cm.exception.constraint, "sync_items_connection_id_path_key")
        up = self.db.sync_items.upsert(self.u.id, connection_id=self.c.id, path="/a.txt",
                                       is_directory=False, size=11)
        self.assertEqual((up.id, up.size, up.hash, up.created_at), (it.id, 11, "h1",
                                                                    it.created_at))
        ch = self.db.sync_items.update(self.u.id, it.id, hash=None, sync_status="SYNCED",
                                       conflict_resolution=pinky.ConflictResolution.LOCAL)
        self.assertEqual((ch.hash, ch.sync_status, ch.conflict_resolution, ch.size),
                         (None, pinky.SyncItemStatus.SYNCED, pinky.ConflictResolution.LOCAL, 11))
        self.assertEqual(self.sql.rows("SELECT hash, sync_status, conflict_resolution FROM "
                                       "sync_items WHERE id = $1", it.id),
                         [[None, "SYNCED", "LOCAL"]])

    def test_upsert_many_and_each(self):
        items = [dict(connection_id=self.c.id, path="/d/%03d" % i, is_directory=False, size=i)
                 for i in range(25)]
        items.append(dict(connection_id=self.c.id, path="/d/000", is_directory=False, size=99))
        r = self.db.sync_items.upsert_many(self.u.id, items)
        self.assertEqual(r, pinky.UpsertResult(inserted=25, updated=0))
        self.assertEqual(self.sql.num("SELECT size FROM sync_items WHERE path = '/d/000' AND "
                                      "connection_id = $1", self.c.id), 99)   # last wins
        r = self.db.sync_items.upsert_many(self.u.id, items[:3] + [
            dict(connection_id=self.c.id, path="/d/new", is_directory=True)])
        self.assertEqual((r.inserted, r.updated), (1, 3))
        paths = []
        self.db.sync_items.each(self.u.id, lambda it: paths.append(it.path), page_size=7,
                                connection_id=self.c.id)
        self.assertEqual(paths, sorted("/d/%03d" % i for i in range(25)) + ["/d/new"])
        self.assertEqual(paths, [it.path for it in self.db.sync_items.list(
            self.u.id, connection_id=self.c.id, page_size=7)])
        # stopping early, and an exception from the callback
        seen = []
        self.db.sync_items.each(self.u.id, lambda it: seen.append(it) or len(seen) == 5)
        self.assertEqual(len(seen), 5)

        def boom(it):
            raise KeyError("stop")
        self.assertRaises(KeyError, self.db.sync_items.each, self.u.id, boom)
        # a bad item rejects the batch, naming it; nothing written
        n = self.sql.num("SELECT count(*) FROM sync_items")
        e = self.assertRaisesField(pinky.Invalid, "path", self.db.sync_items.upsert_many,
                                   self.u.id, [dict(connection_id=self.c.id, path="/ok",
                                                    is_directory=False),
                                               dict(connection_id=self.c.id, path="",
                                                    is_directory=False)])
        self.assertIn("items[1]", e.message)
        e = self.assertRaisesField(pinky.Invalid, "size", self.db.sync_items.upsert_many,
                                   self.u.id, [dict(connection_id=self.c.id, path="/ok",
                                                    is_directory=False, size="big")])
        self.assertIn("items[0]", e.message)
        other = support.new_user("items-other")
        self.assertRaises(pinky.NotFound, self.db.sync_items.upsert_many, other.id, items[:1])
        self.assertEqual(self.sql.num("SELECT count(*) FROM sync_items"), n)
        self.assertEqual(self.db.sync_items.upsert_many(self.u.id, []), (0, 0))

    def test_detect_changes_and_resolve(self):
        t1 = datetime.datetime(2024, 1, 1, tzinfo=UTC)
        t2 = datetime.datetime(2024, 2, 1, tzinfo=UTC)
        scan = [dict(path="/a", is_directory=False, size=1, local_modified=t1),
                dict(path="/b", is_directory=False, size=2, local_modified=t1)]
        d = self.db.sync_items.detect_changes(self.u.id, self.c.id, scan, paths=True)
        self.assertEqual((d.new_count, d.changed_count, d.gone_count), (2, 0, 0))
        self.assertEqual(d.paths, ["+/a", "+/b"])
        self.assertEqual(self.sql.num("SELECT count(*) FROM sync_items WHERE connection_id = $1",
                                      self.c.id), 0)   # not applied
        d = self.db.sync_items.detect_changes(self.u.id, self.c.id, scan, apply=True)
        self.assertEqual((d.new_count, d.paths), (2, None))
        scan2 = [dict(path="/a", is_directory=False, size=5, local_modified=t2),
                 dict(path="/c", is_directory=False, size=3, local_modified=t2)]
        d = self.db.sync_items.detect_changes(self.u.id, self.c.id, scan2, apply=True,
                                              paths=True)
        self.assertEqual((d.new_count, d.changed_count, d.unchanged_count, d.gone_count),
                         (1, 1, 0, 1))
        self.assertEqual(d.paths, ["~/a", "-/b", "+/c"])
        self.assertEqual(self.sql.num("SELECT size FROM sync_items WHERE connection_id = $1 "
                                      "AND path = '/a'", self.c.id), 5)
        self.assertRaisesField(pinky.Invalid, "local_modified",
                               self.db.sync_items.detect_changes, self.u.id, self.c.id,
                               [dict(path="/x", is_directory=False)])
        other = support.new_user("dc-other")
        self.assertRaises(pinky.NotFound, self.db.sync_items.detect_changes, other.id, self.c.id,
                          scan)
        # resolve a conflict
        a = next(self.db.sync_items.list(self.u.id, path_prefix="/a"))
        self.db.sync_items.update(self.u.id, a.id, has_conflict=True, sync_status="CONFLICT")
        r = self.db.sync_items.resolve(self.u.id, a.id, "REMOTE")
        self.assertEqual((r.has_conflict, r.conflict_resolution, r.sync_status),
                         (False, pinky.ConflictResolution.REMOTE, pinky.SyncItemStatus.SYNCED))
        self.assertIsNotNone(r.last_synced)
        self.assertRaisesField(pinky.Invalid, "has_conflict", self.db.sync_items.resolve,
                               self.u.id, a.id, "LOCAL")
        self.assertRaisesField(pinky.Invalid, "resolution", self.db.sync_items.resolve,
                               self.u.id, a.id, "MERGE")

    def test_filters_and_tenancy(self):
        for p in ("/x/1", "/x/2", "/y/1"):
            self.db.sync_items.create(self.u.id, connection_id=self.c.id, path=p,
                                      is_directory=False)
        self.assertEqual([i.path for i in self.db.sync_items.list(self.u.id, path_prefix="/x/")],
                         ["/x/1", "/x/2"])
        other = support.new_user("si-other")
        self.assertEqual(list(self.db.sync_items.list(other.id)), [])
        first = next(self.db.sync_items.list(self.u.id))
        self.assertRaises(pinky.NotFound, self.db.sync_items.get, other.id, first.id)
        self.assertRaises(pinky.NotFound, self.db.sync_items.delete, other.id, first.id)
        self.assertRaisesField(pinky.NotFound, "connection_id", self.db.sync_items.create,
                               other.id, connection_id=self.c.id, path="/z", is_directory=False)
        self.assertEqual(self.sql.num("SELECT count(*) FROM sync_items WHERE path = '/z'"), 0)


if __name__ == "__main__":
    unittest.main()
