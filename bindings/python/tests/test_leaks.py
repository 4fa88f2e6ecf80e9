"""Every row, page, string, diff and match set the library hands out is freed.

A child process installs a counting allocator (pinky_set_allocator, which
must come before any other libpinky call, hence the separate process), runs
a round of operations over every module once to warm up (statement caches,
the per-thread error), notes the number of live allocations, runs more
rounds, and reports the number again: the bindings leak nothing when the
two are equal.  Closing the pool must then bring the count back to what it
was before connecting.
"""

import os
import subprocess
import sys
import textwrap
import unittest

import support

CHILD = textwrap.dedent(r'''
    import ctypes, datetime, sys, threading
    sys.path.insert(0, sys.argv[1])
    import pinky
    from pinky import _api, _structs

    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.realloc.restype = ctypes.c_void_p
    libc.realloc.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    libc.free.restype = None
    libc.free.argtypes = [ctypes.c_void_p]
    live = set()
    lock = threading.Lock()

    def m(size, ctx):
        p = libc.malloc(size)
        if p:
            with lock:
                live.add(p)
        return p

    def r(ptr, size, ctx):
        p = libc.realloc(ptr, size)
        if p:
            with lock:
                live.discard(ptr)
                live.add(p)
        return p

    def f(ptr, ctx):
        if ptr:
            with lock:
                live.discard(ptr)
        libc.free(ptr)

    cbs = (_structs.MallocFn(m), _structs.ReallocFn(r), _structs.FreeFn(f))
    alloc = _structs.Allocator(ctypes.sizeof(_structs.Allocator), cbs[0], cbs[1], cbs[2], None)
    _api.set_allocator(ctypes.byref(alloc))

    UTC = datetime.timezone.utc
    DIM = pinky.COMM_VECTOR_DIM
    n = [0]

    def rnd(db):
        n[0] += 1
        u = db.users.create(username="leak-%d" % n[0])
        db.users.get(u.id); db.users.update(u.id, first_name="x")
        list(db.users.list(page_size=2))
        db.user_preferences.set(u.id, "k", {"a": 1}); list(db.user_preferences.list(u.id))
        c = db.platform_connections.create(u.id, name="c", platform="WEB", root_path="/",
                                           credentials={"t": "s"})
        list(db.platform_connections.list(u.id))
        op = db.sync_operations.create(u.id, connection_id=c.id, status="PENDING")
        db.sync_operations.start(u.id, op.id, 1)
        db.sync_operations.progress(u.id, op.id, 1, 10)
        db.sync_operations.finish(u.id, op.id, "COMPLETED")
        list(db.sync_operations.list(u.id))
        t = datetime.datetime(2024, 1, 1, tzinfo=UTC)
        db.sync_items.upsert_many(u.id, [dict(connection_id=c.id, path="/%d" % i,
                                              is_directory=False, local_modified=t)
                                         for i in range(3)])
        db.sync_items.detect_changes(u.id, c.id, [dict(path="/0", is_directory=False,
                                                      local_modified=t, size=5)],
                                     apply=True, paths=True)
        db.sync_items.each(u.id, lambda it: None, page_size=2)
        list(db.sync_items.list(u.id, page_size=2))
        d = db.documents.create(u.id, title="t", path="/p", platform="WEB", metadata={"m": 1})
        db.documents.new_version(u.id, d.id, path="/p2")
        db.documents.tags.set(u.id, d.id, ["a", "b"])
        list(db.documents.tags.list(u.id, d.id)); list(db.documents.list_by_tags(u.id, ["a"]))
        list(db.documents.versions.list(u.id)); list(db.documents.list(u.id, page_size=1))
        w = db.workflows.create(u.id, name="w", steps=[])
        e = db.workflows.executions.start(u.id, w.id)
        db.workflows.executions.finish(u.id, e.id, "FAILED", errors=["x"])
        list(db.workflow_executions.list(u.id))
        v = [0.25] * DIM
        cm = db.communications.create(u.id, source="s", communication_date=t, content_vector=v)
        db.communications.tags.add(u.id, cm.id, "x")
        db.communications.ingest(u.id, [dict(source="s", communication_date=t)], [["y"]])
        db.communications.similar(u.id, v, k=3)
        list(db.communications.list(u.id)); list(db.communications.tags.list(u.id, cm.id))
        p = db.properties.create(u.id, address={}, property_type="h", status="A",
                                 listing_price="1.50")
        db.properties.set_status(u.id, p.id, "B")
        db.properties.transactions.create(u.id, property_id=p.id, transaction_type="x",
                                          status="y", amount=5)
        list(db.properties.list(u.id)); list(db.property_transactions.list(u.id))
        k = db.api_keys.create(u.id, service="s", key_name="k", key_value="v")
        db.api_keys.reveal(u.id, k.id); db.api_keys.find(u.id, "s", "k")
        db.api_keys.touch(u.id, k.id)
        list(db.api_keys.list(u.id, include_key_value=True))
        db.system_settings.set("leak.%d" % n[0], 1); list(db.system_settings.list())
        db.audit_logs.create(action="a", entity_type="b"); list(db.audit_logs.list(page_size=50))
        for bad in (lambda: db.users.create(username=""),
                    lambda: db.documents.get(u.id, c.id),
                    lambda: db.users.create(username=u.username)):
            try:
                bad()
            except pinky.PinkyError:
                pass
        with db.transaction() as tx:
            tx.users.get(u.id)
        db.stats()
        db.documents.delete(u.id, d.id)   # (deleting the user first fails: see the report)
        db.users.delete(u.id)

    before_open = len(live)
    db = pinky.connect(sys.argv[2])
    db.migrate()
    rnd(db)
    warm = len(live)
    for _ in range(3):
        rnd(db)
    after = len(live)
    db.close()
    print(before_open, warm, after, len(live))
''')


class Leaks(unittest.TestCase):
    def test_no_allocation_outlives_its_use(self):
        dsn = support.scratch_dsn()
        support.db()   # migrated
        out = subprocess.run([sys.executable, "-c", CHILD, os.path.dirname(support.HERE), dsn],
                             capture_output=True, text=True, timeout=300)
        self.assertEqual(out.returncode, 0, out.stderr)
        before_open, warm, after, closed = map(int, out.stdout.split())
        self.assertGreater(warm, before_open)          # the pool and its caches
        self.assertEqual(after, warm, "allocations grew over three rounds: %s" % out.stdout)
        self.assertEqual(closed, before_open,
                             "allocations left after close: %s" % out.stdout)


if __name__ == "__main__":
    unittest.main()
