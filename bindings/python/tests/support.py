"""Test support: the package on sys.path, a scratch database, SQL checks.

Every test run works in its own scratch database, created from PINKY_DSN's
server and dropped at exit, the way tests/support/testdb.c does for the C
suites: the schema is migrated from scratch (so the tests also cover
pinky_migrate through the bindings), nothing is left behind in the database
PINKY_DSN names, and two runs never see each other's rows (audit_logs and
system_settings are global tables, so "unique names" alone would not
isolate them).  libpinky has no CREATE DATABASE, and psql is not guaranteed,
so the scratch database is made through libpq itself, loaded with ctypes
(libpq.so.5 is a dependency of libpinky, so it is present wherever the
library runs).  The same libpq connection answers the tests' SQL checks.
"""

import atexit
import ctypes
import ctypes.util
import os
import re
import sys
import unittest
import uuid
from ctypes import POINTER, c_char_p, c_int, c_void_p

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import pinky  # noqa: E402  (after the sys.path change)


def _libpq():
    for name in ("libpq.so.5", ctypes.util.find_library("pq")):
        if name:
            try:
                return ctypes.CDLL(name)
            except OSError:
                pass
    raise RuntimeError("libpq (libpq.so.5) not found")


pq = _libpq()
pq.PQconnectdb.restype = c_void_p
pq.PQconnectdb.argtypes = [c_char_p]
pq.PQstatus.restype = c_int
pq.PQstatus.argtypes = [c_void_p]
pq.PQerrorMessage.restype = c_char_p
pq.PQerrorMessage.argtypes = [c_void_p]
pq.PQfinish.restype = None
pq.PQfinish.argtypes = [c_void_p]
pq.PQexecParams.restype = c_void_p
pq.PQexecParams.argtypes = [c_void_p, c_char_p, c_int, c_void_p, POINTER(c_char_p), c_void_p,
                            c_void_p, c_int]
pq.PQresultStatus.restype = c_int
pq.PQresultStatus.argtypes = [c_void_p]
pq.PQresultErrorMessage.restype = c_char_p
pq.PQresultErrorMessage.argtypes = [c_void_p]
pq.PQntuples.restype = c_int
pq.PQntuples.argtypes = [c_void_p]
pq.PQnfields.restype = c_int
pq.PQnfields.argtypes = [c_void_p]
pq.PQgetvalue.restype = c_char_p
pq.PQgetvalue.argtypes = [c_void_p, c_int, c_int]
pq.PQgetisnull.restype = c_int
pq.PQgetisnull.argtypes = [c_void_p, c_int, c_int]
pq.PQclear.restype = None
pq.PQclear.argtypes = [c_void_p]


class _ConninfoOption(ctypes.Structure):
    _fields_ = [("keyword", c_char_p), ("envvar", c_char_p), ("compiled", c_char_p),
                ("val", c_char_p), ("label", c_char_p), ("dispchar", c_char_p),
                ("dispsize", c_int)]


pq.PQconninfoParse.restype = POINTER(_ConninfoOption)
pq.PQconninfoParse.argtypes = [c_char_p, POINTER(c_void_p)]
pq.PQconninfoFree.restype = None
pq.PQconninfoFree.argtypes = [POINTER(_ConninfoOption)]

CONNECTION_OK = 0
PGRES_COMMAND_OK, PGRES_TUPLES_OK = 1, 2


def admin_dsn():
    dsn = os.environ.get("PINKY_DSN")
    if not dsn:
        raise RuntimeError("PINKY_DSN is not set: run the tests through scripts/with-db "
                           "(scripts/with-db scripts/check-python)")
    return dsn


def with_dbname(dsn, dbname):
    """dsn with its dbname replaced (every other setting kept)."""
    err = c_void_p()
    opts = pq.PQconninfoParse(dsn.encode(), ctypes.byref(err))
    if not opts:
        raise RuntimeError("cannot parse PINKY_DSN")
    parts = []
    try:
        i = 0
        while opts[i].keyword:
            o = opts[i]
            key = o.keyword.decode()
            val = dbname if key == "dbname" else (o.val.decode() if o.val else None)
            if val is not None:
                parts.append("%s='%s'" % (key, val.replace("\\", "\\\\").replace("'", "\\'")))
            i += 1
    finally:
        pq.PQconninfoFree(opts)
    return " ".join(parts)


class Sql:
    """A libpq connection for SQL checks (parameters travel separately)."""

    def __init__(self, dsn):
        self.conn = pq.PQconnectdb(dsn.encode())
        if pq.PQstatus(self.conn) != CONNECTION_OK:
            msg = pq.PQerrorMessage(self.conn).decode(errors="replace")
            pq.PQfinish(self.conn)
            raise RuntimeError("cannot connect with PINKY_DSN: " + msg)

    def rows(self, query, *params):
        """All rows as lists of str (None for NULL)."""
        vals = [None if p is None else str(p).encode() for p in params]
        arr = (c_char_p * max(1, len(vals)))(*vals)
        r = pq.PQexecParams(self.conn, query.encode(), len(vals), None, arr, None, None, 0)
        try:
            st = pq.PQresultStatus(r)
            if st not in (PGRES_COMMAND_OK, PGRES_TUPLES_OK):
                raise RuntimeError("SQL failed: %s: %s"
                                   % (query, pq.PQresultErrorMessage(r).decode(errors="replace")))
            out = []
            for i in range(pq.PQntuples(r)):
                out.append([None if pq.PQgetisnull(r, i, j) else pq.PQgetvalue(r, i, j).decode()
                            for j in range(pq.PQnfields(r))])
            return out
        finally:
            pq.PQclear(r)

    def value(self, query, *params):
        """The first column of the first row (None for NULL or no row)."""
        rows = self.rows(query, *params)
        return rows[0][0] if rows else None

    def num(self, query, *params):
        v = self.value(query, *params)
        return None if v is None else int(v)

    def close(self):
        if self.conn:
            pq.PQfinish(self.conn)
            self.conn = None


_state = {}


def _drop():
    db = _state.pop("db", None)
    if db is not None:
        db.close()
    sql = _state.pop("sql", None)
    if sql is not None:
        sql.close()
    name = _state.pop("name", None)
    if name is not None:
        admin = Sql(admin_dsn())
        try:
            admin.rows('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
        finally:
            admin.close()


def scratch_dsn():
    """The conninfo of this run's scratch database (created on first use)."""
    if "dsn" not in _state:
        name = "pinky_py_%d_%s" % (os.getpid(), uuid.uuid4().hex[:8])
        admin = Sql(admin_dsn())
        try:
            admin.rows('CREATE DATABASE "%s" TEMPLATE template0 ENCODING \'UTF8\'' % name)
        finally:
            admin.close()
        _state["name"] = name
        atexit.register(_drop)
        _state["dsn"] = with_dbname(admin_dsn(), name)
    return _state["dsn"]


def db():
    """A migrated pinky.Db on the scratch database, shared by the tests."""
    if "db" not in _state:
        d = pinky.connect(scratch_dsn(), application_name="pinky-python-tests")
        d.migrate()
        _state["db"] = d
    return _state["db"]


def sql():
    """The SQL-check connection to the scratch database."""
    if "sql" not in _state:
        _state["sql"] = Sql(scratch_dsn())
    return _state["sql"]


def unique(prefix="x"):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:12])


def new_user(prefix="user"):
    return db().users.create(username=unique(prefix))


class DbTest(unittest.TestCase):
    """A test case with the shared Db (self.db) and SQL checks (self.sql)."""

    def setUp(self):
        self.db = db()
        self.sql = sql()

    def assertRaisesField(self, exc_class, field, fn, *args, **kwargs):
        """fn(*args, **kwargs) raises exc_class whose .field names field:
        equal, or as the library writes it ("document.title",
        "items[3]: sync_item.path", "connection_id (platform_connection)")."""
        with self.assertRaises(exc_class) as cm:
            fn(*args, **kwargs)
        e = cm.exception
        self.assertRegex(e.field, r"(^|[.: ])%s($|[ \[])" % re.escape(field),
                         "field %r, expected %r (%s)" % (e.field, field, e))
        self.assertTrue(e.message)
        return e
