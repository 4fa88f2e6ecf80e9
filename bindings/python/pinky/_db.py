"""The Pythonic layer: connect(), Db, Transaction and one accessor per table."""

import ctypes
import dataclasses
import random
import time
import typing
import weakref
from ctypes import POINTER, byref, c_char_p, c_float, c_int32, c_int64, c_size_t, c_void_p

from . import _api as A
from . import _structs as S
from .enums import ConflictResolution, ExecutionStatus, Isolation, LogLevel, Status, SyncStatus
from .errors import PinkyError, Serialization, StateError, error_class, invalid
from .values import (INT32, INT64, UINT32, Uuid, int_to_c, json_to_c, str_to_c, str_to_py,
                     time_to_c, uuid_to_c, uuid_to_py, vector_to_c)


# ---- calling the library ---------------------------------------------------------
def _raise_last(status):
    """Raises the exception of status with a copy of pinky_error_last().
    Call it right after the failing call, before any other libpinky call."""
    e = A.error_last()
    if e:
        e = e.contents

        def s(b):
            return b.decode("utf-8", "replace") if b else ""
        exc = error_class(status)(
            s(e.message) or A.status_str(status).decode(), status,
            field=s(e.field), sqlstate=s(e.sqlstate), detail=s(e.detail), hint=s(e.hint),
            constraint=s(e.constraint_name), table=s(e.table_name), column=s(e.column_name))
    else:  # cannot happen: the library always has an error struct
        exc = error_class(status)("status %d" % status, status)
    raise exc


def _call(fn, *args):
    st = fn(*args)
    if st != 0:
        _raise_last(st)


def _init_struct(init_fn, cls):
    """A struct filled by the library's *_init (its defaults).  The library
    writes its own sizeof, so it gets room to spare; a struct_size other than
    ours means the library and these bindings disagree on the layout."""
    n = ctypes.sizeof(cls)
    buf = ctypes.create_string_buffer(n + 1024)
    init_fn(ctypes.cast(buf, POINTER(cls)))
    s = cls.from_buffer_copy(buf.raw[:n])
    if s.struct_size != n:
        raise StateError("%s: the library's struct_size is %d, these bindings' %d (a libpinky "
                         "of another version?)" % (cls.__name__, s.struct_size, n))
    return s


def _user(user_id):
    return int_to_c(user_id, "user_id", INT32)


def _text(value, field):
    return None if value is None else str_to_c(value, field)


def _expected(value):
    if value is None:
        return None
    return byref(c_int64(time_to_c(value, "expected_updated_at")))


def _enum_arg(cls, value, field):
    try:
        return int(cls.coerce(value))
    except ValueError as e:
        raise invalid(field, str(e)) from None


def _prefix_error(e, where):
    """Names the item of a batch in the message of an Invalid raised on the
    Python side ("items[3]: comm.source: ..."), as the library does."""
    e.message = "%s: %s" % (where, e.message)
    e.args = (e.message,)


def _take(spec, out, free):
    """The dataclass of a library-allocated row, which is then freed."""
    if not out:
        return None
    try:
        return spec.to_py(out.contents)
    finally:
        free(out)


@dataclasses.dataclass
class Page:
    """One page of a list: items, and the cursor of the next page (None on the last)."""
    items: list
    next_cursor: typing.Optional[str] = None

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)


def _take_page(spec, out, page_free):
    if not out:
        return Page([], None)
    try:
        p = out.contents
        items = [spec.to_py(p.items[i].contents) for i in range(p.count)]
        return Page(items, str_to_py(p.next_cursor))
    finally:
        page_free(out)


class _Lister:
    """page() / list() over one list function: fetch(filter_ptr, out_ptr)."""

    def __init__(self, spec, filt, fns, fetch):
        self.spec, self.filt, self.fns, self.fetch = spec, filt, fns, fetch

    def build(self, filters, limit, cursor):
        allowed = set(self.filt.fields) - {"limit", "cursor"}
        s, keep = self.filt.build(filters, allowed, what="filter")
        if limit is not None:
            s.limit = int_to_c(limit, "filter.limit", UINT32)
        if cursor is not None:
            s.cursor = str_to_c(cursor, "filter.cursor")
        return s, keep

    def one(self, s):
        out = POINTER(self.spec.page)()
        _call(self.fetch, byref(s), byref(out))
        return _take_page(self.spec, out, self.fns.page_free)

    def page(self, filters, limit, cursor):
        s, _keep = self.build(filters, limit, cursor)
        return self.one(s)

    def iterate(self, filters, page_size):
        s, keep = self.build(filters, page_size, None)   # bad filters fail here, eagerly

        def gen():
            _hold = keep
            while True:
                page = self.one(s)
                yield from page.items
                if page.next_cursor is None:
                    return
                s.cursor = page.next_cursor.encode("utf-8")
        return gen()


# ---- table accessors ------------------------------------------------------------------
class _Table:
    spec = None
    filt = None
    fns = None

    def __init__(self, owner):
        self._owner = owner

    def _db(self):
        return self._owner._handle()

    def _new(self, fields, allowed=None):
        return self.spec.build(fields, self.spec.writable if allowed is None else allowed)

    def _row_out(self):
        return self.spec.ptr()

    def _take(self, out):
        return _take(self.spec, out, self.fns.free)


class _ScopedTable(_Table):
    """A table read and written through the acting user's id: another user's
    rows are NotFound."""

    def create(self, user_id, **fields):
        """Inserts a row owned by user_id from keyword arguments (the row's
        fields); returns the stored row."""
        s, _keep = self._new(fields)
        out = self._row_out()
        _call(self.fns.create, self._db(), _user(user_id), byref(s), byref(out))
        return self._take(out)

    def get(self, user_id, id):
        """The row with this id; NotFound when absent or another user's."""
        u = uuid_to_c(id, "id")
        out = self._row_out()
        _call(self.fns.get, self._db(), _user(user_id), byref(u), byref(out))
        return self._take(out)

    def update(self, user_id, id, *, expected_updated_at=None, **fields):
        """Changes exactly the fields given as keyword arguments (None clears
        a nullable field); returns the stored row.  expected_updated_at: the
        updated_at you read, for optimistic concurrency (stale: Conflict)."""
        mask = self.spec.mask_of(fields)
        s, _keep = self.spec.build(fields)
        u = uuid_to_c(id, "id")
        out = self._row_out()
        _call(self.fns.update, self._db(), _user(user_id), byref(u), byref(s), mask,
              _expected(expected_updated_at), byref(out))
        return self._take(out)

    def delete(self, user_id, id):
        """Deletes the row; NotFound when absent or another user's."""
        u = uuid_to_c(id, "id")
        _call(self.fns.delete, self._db(), _user(user_id), byref(u))

    def _lister(self, user_id):
        self._db()   # StateError now when closed
        uid, fn = _user(user_id), self.fns.list
        return _Lister(self.spec, self.filt, self.fns, lambda f, o: fn(self._db(), uid, f, o))

    def page(self, user_id, *, limit=None, cursor=None, **filters):
        """One page (Page: items, next_cursor) of user_id's rows; filters are
        the fields of the table's filter struct."""
        return self._lister(user_id).page(filters, limit, cursor)

    def list(self, user_id, *, page_size=None, **filters):
        """An iterator over all of user_id's rows that pass the filters,
        fetching page after page (page_size rows at a time) as it goes."""
        return self._lister(user_id).iterate(filters, page_size)


class Users(_Table):
    spec, filt, fns = S.USER, S.USER_FILTER, A.user

    def create(self, **fields):
        """Inserts a user (username=..., email=..., ...); returns the stored row."""
        s, _keep = self._new(fields)
        out = self._row_out()
        _call(self.fns.create, self._db(), byref(s), byref(out))
        return self._take(out)

    def get(self, id):
        out = self._row_out()
        _call(self.fns.get, self._db(), int_to_c(id, "id", INT32), byref(out))
        return self._take(out)

    def get_by_username(self, username):
        out = self._row_out()
        _call(self.fns.get_by_username, self._db(), str_to_c(username, "username"), byref(out))
        return self._take(out)

    def update(self, id, *, expected_updated_at=None, **fields):
        mask = self.spec.mask_of(fields)
        s, _keep = self.spec.build(fields)
        out = self._row_out()
        _call(self.fns.update, self._db(), int_to_c(id, "id", INT32), byref(s), mask,
              _expected(expected_updated_at), byref(out))
        return self._take(out)

    def delete(self, id):
        """Deletes a user and, by cascade, everything the user owns."""
        _call(self.fns.delete, self._db(), int_to_c(id, "id", INT32))

    def _lister(self):
        self._db()   # StateError now when closed
        fn = self.fns.list
        return _Lister(self.spec, self.filt, self.fns, lambda f, o: fn(self._db(), f, o))

    def page(self, *, limit=None, cursor=None, **filters):
        return self._lister().page(filters, limit, cursor)

    def list(self, *, page_size=None, **filters):
        return self._lister().iterate(filters, page_size)


class _KeyValue(_Table):
    """user_preferences and system_settings: JSON values under a text key."""
    key_field = value_field = None

    def _args(self, user_id):
        return () if user_id is None else (_user(user_id),)

    def _set(self, user_id, key, value):
        out = self._row_out()
        _call(self.fns.set, self._db(), *self._args(user_id), str_to_c(key, self.key_field),
              None if value is None else json_to_c(value, self.value_field), byref(out))
        return self._take(out)

    def _get(self, user_id, key):
        out = self._row_out()
        _call(self.fns.get, self._db(), *self._args(user_id), str_to_c(key, self.key_field),
              byref(out))
        return self._take(out)

    def _delete(self, user_id, key):
        _call(self.fns.delete, self._db(), *self._args(user_id), str_to_c(key, self.key_field))

    def _lister(self, user_id):
        self._db()   # StateError now when closed
        args, fn = self._args(user_id), self.fns.list
        return _Lister(self.spec, self.filt, self.fns,
                       lambda f, o: fn(self._db(), *args, f, o))


class UserPreferences(_KeyValue):
    spec, filt, fns = S.USER_PREFERENCE, S.USER_PREFERENCE_FILTER, A.user_preference
    key_field, value_field = "preference_key", "preference_value"

    def set(self, user_id, key, value):
        """Inserts or replaces a preference with a JSON-able value."""
        return self._set(user_id, key, value)

    def get(self, user_id, key):
        return self._get(user_id, key)

    def delete(self, user_id, key):
        self._delete(user_id, key)

    def page(self, user_id, *, limit=None, cursor=None, **filters):
        return self._lister(user_id).page(filters, limit, cursor)

    def list(self, user_id, *, page_size=None, **filters):
        return self._lister(user_id).iterate(filters, page_size)


class SystemSettings(_KeyValue):
    spec, filt, fns = S.SYSTEM_SETTING, S.SYSTEM_SETTING_FILTER, A.system_setting
    key_field, value_field = "setting_key", "setting_value"

    def set(self, key, value):
        """Inserts or replaces a global setting with a JSON-able value."""
        return self._set(None, key, value)

    def get(self, key):
        return self._get(None, key)

    def delete(self, key):
        self._delete(None, key)

    def page(self, *, limit=None, cursor=None, **filters):
        return self._lister(None).page(filters, limit, cursor)

    def list(self, *, page_size=None, **filters):
        return self._lister(None).iterate(filters, page_size)


class PlatformConnections(_ScopedTable):
    spec, filt, fns = S.PLATFORM_CONNECTION, S.PLATFORM_CONNECTION_FILTER, A.platform_connection


class SyncOperations(_ScopedTable):
    """sync_operations, and their life: PENDING --start--> IN_PROGRESS
    --progress--> IN_PROGRESS --finish--> COMPLETED | FAILED | CONFLICT."""
    spec, filt, fns = S.SYNC_OPERATION, S.SYNC_OPERATION_FILTER, A.sync_operation

    def start(self, user_id, operation_id, items_total):
        """PENDING -> IN_PROGRESS with items_total (items_processed becomes 0)."""
        u = uuid_to_c(operation_id, "operation_id")
        out = self._row_out()
        _call(self.fns.start, self._db(), _user(user_id), byref(u),
              int_to_c(items_total, "items_total", INT32), byref(out))
        return self._take(out)

    def progress(self, user_id, operation_id, items_processed, bytes_transferred):
        """Records the progress of an IN_PROGRESS operation."""
        u = uuid_to_c(operation_id, "operation_id")
        out = self._row_out()
        _call(self.fns.progress, self._db(), _user(user_id), byref(u),
              int_to_c(items_processed, "items_processed", INT32),
              int_to_c(bytes_transferred, "bytes_transferred", INT64), byref(out))
        return self._take(out)

    def finish(self, user_id, operation_id, status, errors=None, conflict_items=None):
        """Ends a PENDING / IN_PROGRESS operation as COMPLETED, FAILED or
        CONFLICT (errors / conflict_items: JSON-able, None leaves the column
        as it is); the connection's last_sync_date and status follow."""
        u = uuid_to_c(operation_id, "operation_id")
        st = _enum_arg(SyncStatus, status, "final_status")
        err = None if errors is None else json_to_c(errors, "errors")
        conf = None if conflict_items is None else json_to_c(conflict_items, "conflict_items")
        out = self._row_out()
        _call(self.fns.finish, self._db(), _user(user_id), byref(u), st, err, conf, byref(out))
        return self._take(out)


class UpsertResult(typing.NamedTuple):
    """What SyncItems.upsert_many did."""
    inserted: int
    updated: int


@dataclasses.dataclass
class SyncDiff:
    """What SyncItems.detect_changes found.  paths (with paths=True): one
    "+path" (new), "~path" (changed), "-path" (gone) or "!path" (conflict)
    per item that differs, sorted by path; else None."""
    new_count: int
    changed_count: int
    unchanged_count: int
    gone_count: int
    conflict_count: int
    paths: typing.Optional[typing.List[str]] = None


class SyncItems(_ScopedTable):
    spec, filt, fns = S.SYNC_ITEM, S.SYNC_ITEM_FILTER, A.sync_item

    def upsert(self, user_id, **fields):
        """Inserts the item, or updates the connection's item with the same
        path in place; fields not given keep their stored values."""
        s, _keep = self._new(fields)
        out = self._row_out()
        _call(self.fns.upsert, self._db(), _user(user_id), byref(s), byref(out))
        return self._take(out)

    def _array(self, items, what):
        """A (sync_item * [n]) array from dicts of fields (or SyncItem rows)."""
        built, keep = [], []
        for i, it in enumerate(items):
            if dataclasses.is_dataclass(it):
                it = {k: v for k, v in dataclasses.asdict(it).items()
                      if k in self.spec.writable and v is not None}
            try:
                s, k = self._new(dict(it))
            except PinkyError as e:
                _prefix_error(e, "%s[%d]" % (what, i))
                raise
            built.append(s)
            keep.append(k)
        arr = (POINTER(self.spec.struct) * len(built))(*[ctypes.pointer(s) for s in built])
        return arr, len(built), (built, keep)

    def upsert_many(self, user_id, items):
        """upsert for many items at once, all or nothing (binary COPY and one
        merge); a path named twice is written once, last wins.  Returns
        UpsertResult(inserted, updated)."""
        arr, n, _keep = self._array(items, "items")
        r = _init_struct(self.fns.upsert_result_init, S.SyncUpsertResult)
        _call(self.fns.upsert_many, self._db(), _user(user_id), arr, n, byref(r))
        return UpsertResult(r.inserted, r.updated)

    def detect_changes(self, user_id, connection_id, scan, *, apply=False, paths=False):
        """Compares a full fresh listing of a connection (scan: dicts with
        path, local_modified, is_directory, size, hash, ...) with the items
        stored for it; apply=True stores the result.  Returns a SyncDiff."""
        u = uuid_to_c(connection_id, "connection_id")
        arr, n, _keep = self._array(scan, "scan")
        flags = (A.DIFF_APPLY if apply else 0) | (A.DIFF_PATHS if paths else 0)
        out = POINTER(S.SyncDiff)()
        _call(self.fns.detect_changes, self._db(), _user(user_id), byref(u), arr, n, flags,
              byref(out))
        try:
            d = out.contents
            return SyncDiff(d.new_count, d.changed_count, d.unchanged_count, d.gone_count,
                            d.conflict_count,
                            [d.paths[i].decode("utf-8") for i in range(d.npaths)]
                            if paths else None)
        finally:
            self.fns.diff_free(out)

    def resolve(self, user_id, item_id, resolution):
        """Resolves an item's conflict (LOCAL, REMOTE, BOTH or SKIP)."""
        u = uuid_to_c(item_id, "item_id")
        r = _enum_arg(ConflictResolution, resolution, "resolution")
        out = self._row_out()
        _call(self.fns.resolve, self._db(), _user(user_id), byref(u), r, byref(out))
        return self._take(out)

    def each(self, user_id, fn, *, page_size=None, **filters):
        """Calls fn(item) for every item of user_id's connections that passes
        the filters, in list order, with the library walking the pages
        (pinky_sync_item_each).  fn returning True stops the walk; an
        exception raised by fn stops it and is raised again here."""
        lister = _Lister(self.spec, self.filt, self.fns, None)
        f, _keep = lister.build(filters, page_size, None)
        raised = []

        def visit(item, _ctx):
            try:
                return 1 if fn(self.spec.to_py(item.contents)) else 0
            except BaseException as e:   # never let it cross into C
                raised.append(e)
                return 1
        cb = S.SyncItemFn(visit)
        _call(self.fns.each, self._db(), _user(user_id), byref(f), cb, None)
        if raised:
            raise raised[0]


def _strings(values, field):
    """A (c_char_p * n) array from a sequence of str."""
    if isinstance(values, (str, bytes)):
        raise invalid(field, "expected a sequence of str, not a single string")
    enc = [str_to_c(v, "%s[%d]" % (field, i)) for i, v in enumerate(values)]
    return (c_char_p * len(enc))(*enc), len(enc)


class _Tags(_Table):
    """The tags of one kind of parent row (documents, communications)."""
    parent_field = None

    def add(self, user_id, parent_id, tag):
        """Adds a tag (adding one the row already has is fine)."""
        u = uuid_to_c(parent_id, self.parent_field)
        _call(self.fns.add, self._db(), _user(user_id), byref(u), str_to_c(tag, "tag"))

    def remove(self, user_id, parent_id, tag):
        """Removes a tag; NotFound when the row does not carry it."""
        u = uuid_to_c(parent_id, self.parent_field)
        _call(self.fns.remove, self._db(), _user(user_id), byref(u), str_to_c(tag, "tag"))

    def set(self, user_id, parent_id, tags):
        """Makes tags exactly the row's tags, atomically."""
        u = uuid_to_c(parent_id, self.parent_field)
        arr, n = _strings(tags, "tags")
        _call(self.fns.set, self._db(), _user(user_id), byref(u), arr, n)

    def _lister(self, user_id, parent_id):
        self._db()   # StateError now when closed
        uid, fn = _user(user_id), self.fns.list
        u = uuid_to_c(parent_id, self.parent_field)
        return _Lister(self.spec, self.filt, self.fns,
                       lambda f, o: fn(self._db(), uid, byref(u), f, o))

    def page(self, user_id, parent_id, *, limit=None, cursor=None, **filters):
        return self._lister(user_id, parent_id).page(filters, limit, cursor)

    def list(self, user_id, parent_id, *, page_size=None, **filters):
        """An iterator over the row's tags (tag rows, in tag order)."""
        return self._lister(user_id, parent_id).iterate(filters, page_size)

    def names(self, user_id, parent_id, **filters):
        """The row's tags as a list of str."""
        return [t.tag for t in self.list(user_id, parent_id, **filters)]


class DocumentTags(_Tags):
    spec, filt, fns = S.DOCUMENT_TAG, S.DOCUMENT_TAG_FILTER, A.document_tag
    parent_field = "document_id"


class DocumentVersions(_ScopedTable):
    spec, filt, fns = S.DOCUMENT_VERSION, S.DOCUMENT_VERSION_FILTER, A.document_version


class Documents(_ScopedTable):
    spec, filt, fns = S.DOCUMENT, S.DOCUMENT_FILTER, A.document

    def __init__(self, owner):
        super().__init__(owner)
        self.versions = DocumentVersions(owner)
        self.tags = DocumentTags(owner)

    def new_version(self, user_id, document_id, **fields):
        """Records the next version (path=..., size=..., hash=..., comment=...)
        and advances the document's version; returns the version row."""
        allowed = {"path", "size", "hash", "comment"}
        s, _keep = S.DOCUMENT_VERSION.build(fields, allowed)
        u = uuid_to_c(document_id, "document_id")
        out = S.DOCUMENT_VERSION.ptr()
        _call(A.document_version.new_version, self._db(), _user(user_id), byref(u), byref(s),
              byref(out))
        return _take(S.DOCUMENT_VERSION, out, A.document_version.free)

    def _tag_lister(self, user_id, tags):
        arr, n = _strings(tags, "tags")
        self._db()   # StateError now when closed
        uid, fn = _user(user_id), self.fns.list_by_tags
        return _Lister(self.spec, self.filt, self.fns,
                       lambda f, o: fn(self._db(), uid, arr, n, f, o))

    def page_by_tags(self, user_id, tags, *, limit=None, cursor=None, **filters):
        return self._tag_lister(user_id, tags).page(filters, limit, cursor)

    def list_by_tags(self, user_id, tags, *, page_size=None, **filters):
        """An iterator over user_id's documents that carry all of tags."""
        return self._tag_lister(user_id, tags).iterate(filters, page_size)


class WorkflowExecutions(_ScopedTable):
    spec, filt, fns = S.WORKFLOW_EXECUTION, S.WORKFLOW_EXECUTION_FILTER, A.workflow_execution

    def start(self, user_id, workflow_id, documents=None):
        """A new IN_PROGRESS execution of workflow_id (documents: JSON-able or None)."""
        u = uuid_to_c(workflow_id, "workflow_id")
        docs = None if documents is None else json_to_c(documents, "documents")
        out = self._row_out()
        _call(self.fns.start, self._db(), _user(user_id), byref(u), docs, byref(out))
        return self._take(out)

    def finish(self, user_id, execution_id, status, results=None, errors=None):
        """Ends a PENDING / IN_PROGRESS execution as COMPLETED or FAILED
        (results / errors: JSON-able, None leaves the column as it is)."""
        u = uuid_to_c(execution_id, "execution_id")
        st = _enum_arg(ExecutionStatus, status, "final_status")
        res = None if results is None else json_to_c(results, "results")
        err = None if errors is None else json_to_c(errors, "errors")
        out = self._row_out()
        _call(self.fns.finish, self._db(), _user(user_id), byref(u), st, res, err, byref(out))
        return self._take(out)


class Workflows(_ScopedTable):
    spec, filt, fns = S.WORKFLOW, S.WORKFLOW_FILTER, A.workflow

    def __init__(self, owner):
        super().__init__(owner)
        self.executions = WorkflowExecutions(owner)


class CommTags(_Tags):
    spec, filt, fns = S.COMM_TAG, S.COMM_TAG_FILTER, A.comm_tag
    parent_field = "communication_id"


class Match(typing.NamedTuple):
    """A similarity search result: the communication and its cosine distance."""
    communication: typing.Any
    distance: float


class Communications(_ScopedTable):
    spec, filt, fns = S.COMM, S.COMM_FILTER, A.comm

    def __init__(self, owner):
        super().__init__(owner)
        self.tags = CommTags(owner)

    def ingest(self, user_id, items, tags=None):
        """Inserts many communications in one transaction (binary COPY).
        items: dicts of fields (or Communication rows); tags: None or one
        sequence of tags per item.  Returns the new ids in item order; on any
        failure nothing is written."""
        items = list(items)
        built, keep = [], []
        for i, it in enumerate(items):
            if dataclasses.is_dataclass(it):
                it = {k: v for k, v in dataclasses.asdict(it).items()
                      if k in self.spec.writable}
            try:
                s, k = self._new(dict(it))
            except PinkyError as e:   # name the item, like the library does
                _prefix_error(e, "items[%d]" % i)
                raise
            built.append(s)
            keep.append(k)
        n = len(built)
        arr = (POINTER(self.spec.struct) * n)(*[ctypes.pointer(s) for s in built])
        tag_arr = counts = None
        if tags is not None:
            tags = list(tags)
            if len(tags) != n:
                raise invalid("tags", "%d tag lists for %d items" % (len(tags), n))
            flat = []
            for per in tags:
                if isinstance(per, (str, bytes)):
                    raise invalid("tags", "expected one sequence of tags per item")
                flat += list(per)
            tag_arr, _ = _strings(flat, "tags")
            counts = (c_size_t * n)(*[len(per) for per in tags])
        ids = (Uuid * n)()
        _call(self.fns.ingest, self._db(), _user(user_id), arr, n, tag_arr, counts, ids)
        return [uuid_to_py(u) for u in ids]

    def similar(self, user_id, query, k=10, **filters):
        """The k communications nearest to the query vector (cosine distance),
        nearest first, as Match(communication, distance) tuples.  filters:
        source, date_from, date_before, tag, ef_search, exact."""
        q = vector_to_c(query, "query")
        f = _init_struct(self.fns.similar_filter_init, S.COMM_SIMILAR_FILTER.struct)
        keep = []
        for name, value in filters.items():
            fld = S.COMM_SIMILAR_FILTER.fields.get(name)
            if fld is None:
                raise TypeError("unexpected filter %r (expected one of %s)"
                                % (name, ", ".join(S.COMM_SIMILAR_FILTER.fields)))
            fld.kind.set(f, name, value, keep)
        out = POINTER(S.CommMatches)()
        _call(self.fns.similar, self._db(), _user(user_id), ctypes.cast(q, POINTER(c_float)),
              len(q), int_to_c(k, "k", UINT32), byref(f), byref(out))
        try:
            m = out.contents
            return [Match(self.spec.to_py(m.items[i].contents), m.distances[i])
                    for i in range(m.count)]
        finally:
            self.fns.matches_free(out)


class PropertyTransactions(_ScopedTable):
    spec, filt, fns = (S.PROPERTY_TRANSACTION, S.PROPERTY_TRANSACTION_FILTER,
                       A.property_transaction)


class Properties(_ScopedTable):
    spec, filt, fns = S.PROPERTY, S.PROPERTY_FILTER, A.property

    def __init__(self, owner):
        super().__init__(owner)
        self.transactions = PropertyTransactions(owner)

    def set_status(self, user_id, property_id, status, note=None):
        """Sets the status and appends the change to the property's timeline."""
        u = uuid_to_c(property_id, "property_id")
        out = self._row_out()
        _call(self.fns.set_status, self._db(), _user(user_id), byref(u),
              str_to_c(status, "status"), _text(note, "note"), byref(out))
        return self._take(out)


class ApiKeys(_ScopedTable):
    """api_keys.  key_value is a secret: rows carry it as None unless read by
    find() or listed with include_key_value=True; reveal() returns it."""
    spec, filt, fns = S.API_KEY, S.API_KEY_FILTER, A.api_key

    def find(self, user_id, service, key_name):
        """The key of (service, key_name), key_value included."""
        out = self._row_out()
        _call(self.fns.find, self._db(), _user(user_id), str_to_c(service, "service"),
              str_to_c(key_name, "key_name"), byref(out))
        return self._take(out)

    def reveal(self, user_id, id):
        """The key's value."""
        u = uuid_to_c(id, "id")
        out = c_void_p()
        _call(self.fns.reveal, self._db(), _user(user_id), byref(u), byref(out))
        try:
            return ctypes.string_at(out.value).decode("utf-8")
        finally:
            A.free(out)

    def touch(self, user_id, id):
        """Records a use: last_used becomes the server's now()."""
        u = uuid_to_c(id, "id")
        _call(self.fns.touch, self._db(), _user(user_id), byref(u))


class AuditLogs(_Table):
    """audit_logs: append-only (create and list)."""
    spec, filt, fns = S.AUDIT_LOG, S.AUDIT_LOG_FILTER, A.audit_log

    def create(self, **fields):
        s, _keep = self._new(fields)
        out = self._row_out()
        _call(self.fns.create, self._db(), byref(s), byref(out))
        return self._take(out)

    def _lister(self):
        self._db()   # StateError now when closed
        fn = self.fns.list
        return _Lister(self.spec, self.filt, self.fns, lambda f, o: fn(self._db(), f, o))

    def page(self, *, limit=None, cursor=None, **filters):
        return self._lister().page(filters, limit, cursor)

    def list(self, *, page_size=None, **filters):
        """An iterator over the entries, oldest first."""
        return self._lister().iterate(filters, page_size)


# ---- handles -------------------------------------------------------------------------------
class Handle:
    """What the pool, a transaction and a hook's connection have in common:
    the table accessors, each with the same methods everywhere.

      users, user_preferences, platform_connections, sync_operations,
      sync_items, documents (.versions, .tags), document_versions,
      document_tags, workflows (.executions), workflow_executions,
      communications (.tags), communication_tags, properties
      (.transactions), property_transactions, api_keys, system_settings,
      audit_logs
    """

    def __init__(self):
        self._h = None
        self.users = Users(self)
        self.user_preferences = UserPreferences(self)
        self.platform_connections = PlatformConnections(self)
        self.sync_operations = SyncOperations(self)
        self.sync_items = SyncItems(self)
        self.documents = Documents(self)
        self.document_versions = self.documents.versions
        self.document_tags = self.documents.tags
        self.workflows = Workflows(self)
        self.workflow_executions = self.workflows.executions
        self.communications = Communications(self)
        self.communication_tags = self.communications.tags
        self.properties = Properties(self)
        self.property_transactions = self.properties.transactions
        self.api_keys = ApiKeys(self)
        self.system_settings = SystemSettings(self)
        self.audit_logs = AuditLogs(self)

    def _handle(self):
        h = self._h
        if h is None:
            raise StateError("%s is closed" % type(self).__name__.lower())
        return h

    @property
    def closed(self):
        return self._h is None

    @property
    def in_transaction(self):
        return bool(A.db_in_transaction(self._handle()))

    def execute(self, sql):
        """Runs one SQL statement without parameters or results (session
        settings, maintenance).  Never put user input into sql."""
        _call(A.db_exec, self._handle(), str_to_c(sql, "sql"))


class Connection(Handle):
    """The connection an after_connect hook gets: valid during the hook only."""


@dataclasses.dataclass
class Stats:
    """A snapshot of the pool (pinky_db_stats)."""
    total: int
    idle: int
    in_use: int
    waiting: int
    acquires: int
    acquire_timeouts: int
    acquire_wait_avg_us: int
    acquire_wait_max_us: int
    created: int
    closed: int
    closed_broken: int
    closed_lifetime: int
    closed_idle: int


class Db(Handle):
    """A pool of connections (pinky_db), shared by threads.  Use it as a
    context manager, or close() it."""

    def __init__(self, handle, keep):
        super().__init__()
        self._h = handle
        self._keep = keep   # the options' strings and callbacks
        self._finalizer = weakref.finalize(self, A.db_close, handle)

    def close(self):
        """Closes the pool (open transactions roll back when they end)."""
        self._h = None
        self._finalizer()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def migrate(self):
        """Applies pending schema migrations."""
        _call(A.migrate, self._handle())

    def schema_version(self):
        v = c_int32()
        _call(A.schema_version, self._handle(), byref(v))
        return v.value

    def stats(self):
        s = _init_struct(A.db_stats_init, S.DbStats)
        _call(A.db_get_stats, self._handle(), byref(s))
        return Stats(**{f.name: getattr(s, f.name) for f in dataclasses.fields(Stats)})

    def transaction(self, isolation=None, read_only=False):
        """A transaction: `with db.transaction() as tx:` commits when the
        block ends normally and rolls back when it raises.  tx has the same
        table accessors as the Db."""
        return Transaction(self, isolation, read_only)

    def begin(self, isolation=None, read_only=False):
        """A started transaction; end it with commit() or rollback()."""
        return Transaction(self, isolation, read_only).begin()

    def transact(self, fn, *, isolation=None, read_only=False, max_attempts=5):
        """Runs fn(tx) in a transaction and commits, retrying the whole
        transaction on Serialization (serialization failure, deadlock) with
        backoff, up to max_attempts; returns what fn returned."""
        for attempt in range(1, max_attempts + 1):
            try:
                with self.transaction(isolation, read_only) as tx:
                    return fn(tx)
            except Serialization:
                if attempt >= max_attempts:
                    raise
                time.sleep(min(0.5, 0.005 * 2 ** attempt) * random.uniform(0.5, 1.0))


class Transaction(Handle):
    """A transaction (pinky_db_begin); one thread at a time may use it."""

    def __init__(self, db, isolation, read_only):
        super().__init__()
        self._pool = db   # keeps the pool and its callbacks alive
        self._opts = _init_struct(A.tx_options_init, S.TxOptions)
        if isolation is not None:
            try:
                self._opts.isolation = int(Isolation.coerce(isolation))
            except ValueError as e:
                raise invalid("isolation", str(e)) from None
        if not isinstance(read_only, bool):
            raise invalid("read_only", "expected a bool")
        self._opts.read_only = read_only
        self._finalizer = None

    def begin(self):
        if self._h is not None or self._finalizer is not None:
            raise StateError("transaction: already begun")
        out = c_void_p()
        _call(A.db_begin, self._pool._handle(), byref(self._opts), byref(out))
        self._h = out.value
        self._finalizer = weakref.finalize(self, A.db_close, out.value)
        return self

    def _end(self, fn):
        h = self._handle()
        self._h = None
        self._finalizer.detach()
        _call(fn, h)

    def commit(self):
        """Commits (a failed transaction rolls back and raises StateError)."""
        self._end(A.db_commit)

    def rollback(self):
        self._end(A.db_rollback)

    def __enter__(self):
        if self._h is None:
            self.begin()
        return self

    def __exit__(self, exc_type, exc, tb):
        if self._h is None:      # ended inside the block
            return False
        if exc_type is None:
            self.commit()
        else:
            try:
                self.rollback()
            except PinkyError:
                pass             # the block's exception matters more
        return False


# ---- connect ----------------------------------------------------------------------------
_OPTION_NAMES = ("min_connections", "max_connections", "acquire_timeout_ms", "max_waiters",
                 "max_idle_ms", "max_lifetime_ms", "health_check_idle_ms",
                 "connect_timeout_ms", "statement_timeout_ms", "leak_threshold_ms")


def connect(dsn=None, **options):
    """Opens a pool and returns a Db.

    dsn: a libpq connection string or URI; None: the PINKY_DSN environment
    variable, else libpq's defaults.  options mirror pinky_db_options:
    min_connections, max_connections, acquire_timeout_ms, max_waiters,
    max_idle_ms, max_lifetime_ms, health_check_idle_ms, connect_timeout_ms,
    statement_timeout_ms, leak_threshold_ms (ints); application_name (str);
    disable_prepared, audit (bool); log (a callable(level: LogLevel,
    message: str), called from any thread); after_connect (a
    callable(conn: Connection) run on every new connection, e.g.
    conn.execute("SET ..."); raising discards the connection).  Omitted
    options keep the library's defaults.
    """
    o = _init_struct(A.db_options_init, S.DbOptions)
    keep = {}
    if dsn is not None:
        o.conninfo = keep.setdefault("dsn", str_to_c(dsn, "dsn"))
    for name, value in options.items():
        if name in _OPTION_NAMES:
            setattr(o, name, int_to_c(value, name, UINT32))
        elif name == "application_name":
            o.application_name = keep.setdefault(name, _text(value, name))
        elif name in ("disable_prepared", "audit"):
            if not isinstance(value, bool):
                raise invalid(name, "expected a bool")
            setattr(o, name, value)
        elif name == "log":
            o.log = keep.setdefault(name, _log_callback(value))
        elif name == "after_connect":
            o.after_connect = keep.setdefault(name, _connect_hook(value))
        else:
            raise TypeError("connect() got an unexpected option %r" % name)
    out = c_void_p()
    _call(A.db_open, byref(o), byref(out))
    return Db(out.value, keep)


def _log_callback(fn):
    if not callable(fn):
        raise invalid("log", "expected a callable")

    def log(level, message, _ctx):
        try:
            try:
                level = LogLevel(level)
            except ValueError:
                pass
            fn(level, message.decode("utf-8", "replace"))
        except Exception:   # never let an exception cross into C
            pass
    return S.LogFn(log)


def _connect_hook(fn):
    if not callable(fn):
        raise invalid("after_connect", "expected a callable")

    def hook(conn, _ctx):
        c = Connection()
        c._h = conn
        try:
            fn(c)
            return int(Status.OK)
        except PinkyError as e:
            return int(e.status) if isinstance(e.status, Status) else int(Status.INTERNAL)
        except Exception:
            return int(Status.INTERNAL)
        finally:
            c._h = None
    return S.ConnectHook(hook)


# ---- module-level helpers ---------------------------------------------------------------
def set_audit_context(ip_address=None, user_agent=None):
    """The calling thread's context for audit rows (with connect(audit=True))."""
    _call(A.audit_set_context, _text(ip_address, "ip_address"), _text(user_agent, "user_agent"))


def version():
    """The loaded library's version, "MAJOR.MINOR.PATCH"."""
    return A.version().decode()


@dataclasses.dataclass(frozen=True)
class MigrationInfo:
    version: int
    name: str
    sql: str
    checksum: str


def migrations():
    """The migrations embedded in the library, in version order."""
    out = []
    for i in range(A.migration_count()):
        m = A.migration_at(i).contents
        out.append(MigrationInfo(m.version, m.name.decode(), m.sql.decode(), m.checksum.decode()))
    return out
