"""The mirror: a ctypes Structure for every public struct of include/pinky/*.h.

Row structs are described once, member by member in C order, with the kind
of each member (values.py); the ctypes Structure, the Python dataclass, the
update mask bits, the filter and the page struct all come from that one
description.  tests/test_layout.py compares every struct, member offset,
size, enum value and integer constant here with what the C compiler says
(tests/layout.c) and with the headers, so the mirror cannot drift silently.
"""

import dataclasses
import datetime
import decimal
import typing
import uuid
from ctypes import (CFUNCTYPE, POINTER, c_bool, c_char_p, c_double, c_int, c_size_t,
                    c_uint32, c_uint64, c_void_p, sizeof)

from . import enums as E
from .errors import Invalid
from .values import (BOOL, I32, JSON, OPT_BOOL, OPT_I32, OPT_I64, OPT_TIME, OPT_UUID, STR, TIME,
                     U32, UUID, VECTOR, DecimalKind, EnumKind, STRUCTS, cstruct)

# Integer constants of the headers (#defines and enum members), by C name.
CONSTANTS = {
    "PINKY_VERSION_MAJOR": 0,
    "PINKY_VERSION_MINOR": 1,
    "PINKY_VERSION_PATCH": 0,
    "PINKY_LIST_DEFAULT_LIMIT": 100,
    "PINKY_LIST_MAX_LIMIT": 1000,
    "PINKY_UUID_STRLEN": 37,
    "PINKY_TIME_INFINITY": 2**63 - 1,
    "PINKY_TIME_NEG_INFINITY": -2**63,
    "PINKY_TIME_STRLEN": 40,
    "PINKY_DECIMAL_STRLEN": 24,
    "PINKY_DOCUMENT_LIST_TAGS_MAX": 32,
    "PINKY_COMM_VECTOR_DIM": 1536,
    "PINKY_COMM_SIMILAR_MAX_K": 1000,
    "PINKY_PROPERTY_LISTING_PRICE_SCALE": 2,
    "PINKY_PROPERTY_SIZE_SQFT_SCALE": 2,
    "PINKY_PROPERTY_BATHROOMS_SCALE": 1,
    "PINKY_PROPERTY_TRANSACTION_AMOUNT_SCALE": 2,
    "PINKY_SYNC_DIFF_APPLY": 0x1,
    "PINKY_SYNC_DIFF_PATHS": 0x2,
}
for _cls, _prefix in E.C_ENUMS.values():
    for _m in _cls:
        CONSTANTS[_prefix + _m.name] = int(_m)

# Python-side rows: every dataclass, by its Python name.
ROW_CLASSES = {}


# ---- core structs ------------------------------------------------------------
Error = cstruct("pinky_error", [
    ("status", c_int),
    ("message", c_char_p),
    ("field", c_char_p),
    ("sqlstate", c_char_p),
    ("detail", c_char_p),
    ("hint", c_char_p),
    ("constraint_name", c_char_p),
    ("table_name", c_char_p),
    ("column_name", c_char_p),
], "Error")

MallocFn = CFUNCTYPE(c_void_p, c_size_t, c_void_p)
ReallocFn = CFUNCTYPE(c_void_p, c_void_p, c_size_t, c_void_p)
FreeFn = CFUNCTYPE(None, c_void_p, c_void_p)
Allocator = cstruct("pinky_allocator", [
    ("struct_size", c_uint32),
    ("malloc_fn", MallocFn),
    ("realloc_fn", ReallocFn),
    ("free_fn", FreeFn),
    ("ctx", c_void_p),
], "Allocator")

LogFn = CFUNCTYPE(None, c_int, c_char_p, c_void_p)
ConnectHook = CFUNCTYPE(c_int, c_void_p, c_void_p)
TxFn = CFUNCTYPE(c_int, c_void_p, c_void_p)

DbOptions = cstruct("pinky_db_options", [
    ("struct_size", c_uint32),
    ("conninfo", c_char_p),
    ("min_connections", c_uint32),
    ("max_connections", c_uint32),
    ("acquire_timeout_ms", c_uint32),
    ("max_waiters", c_uint32),
    ("max_idle_ms", c_uint32),
    ("max_lifetime_ms", c_uint32),
    ("health_check_idle_ms", c_uint32),
    ("connect_timeout_ms", c_uint32),
    ("statement_timeout_ms", c_uint32),
    ("application_name", c_char_p),
    ("after_connect", ConnectHook),
    ("after_connect_ctx", c_void_p),
    ("leak_threshold_ms", c_uint32),
    ("log", LogFn),
    ("log_ctx", c_void_p),
    ("disable_prepared", c_bool),
    ("audit", c_bool),
], "DbOptions")

TxOptions = cstruct("pinky_tx_options", [
    ("struct_size", c_uint32),
    ("isolation", c_int),
    ("read_only", c_bool),
    ("max_attempts", c_uint32),
], "TxOptions")

DbStats = cstruct("pinky_db_stats", [
    ("struct_size", c_uint32),
    ("total", c_uint32),
    ("idle", c_uint32),
    ("in_use", c_uint32),
    ("waiting", c_uint32),
    ("acquires", c_uint64),
    ("acquire_timeouts", c_uint64),
    ("acquire_wait_avg_us", c_uint64),
    ("acquire_wait_max_us", c_uint64),
    ("created", c_uint64),
    ("closed", c_uint64),
    ("closed_broken", c_uint64),
    ("closed_lifetime", c_uint64),
    ("closed_idle", c_uint64),
], "DbStats")

MigrationS = cstruct("pinky_migration", [
    ("version", c_int),
    ("name", c_char_p),
    ("sql", c_char_p),
    ("checksum", c_char_p),
], "MigrationS")


# ---- row, filter and page descriptions ----------------------------------------
_HINTS = {
    id(I32): int, id(U32): int, id(BOOL): bool, id(STR): str, id(TIME): datetime.datetime,
    id(UUID): uuid.UUID, id(OPT_I32): int, id(OPT_I64): int, id(OPT_BOOL): bool,
    id(OPT_TIME): datetime.datetime, id(OPT_UUID): uuid.UUID, id(VECTOR): typing.List[float],
    id(JSON): typing.Any,
}


def _hint(kind):
    if isinstance(kind, EnumKind):
        h = kind.cls
    elif isinstance(kind, DecimalKind):
        h = decimal.Decimal
    else:
        h = _HINTS.get(id(kind), typing.Any)
    return typing.Optional[h]


class F:
    """One member: name (C and Python), kind; ro: set by the server or the
    library, never taken from the caller; secret: kept out of repr()."""

    def __init__(self, name, kind, ro=False, secret=False):
        self.name, self.kind, self.ro, self.secret = name, kind, ro, secret


class Spec:
    """A struct that starts with struct_size, described member by member."""

    def __init__(self, c_name, py_name, fields, err_prefix):
        self.c_name = c_name
        self.err_prefix = err_prefix    # "document." as in the library's messages
        self.fields = {f.name: f for f in fields}
        cfields = [("struct_size", c_uint32)]
        for f in fields:
            cfields += f.kind.cfields(f.name)
        self.struct = cstruct(c_name, cfields, py_name + "Struct")

    def build(self, values, allowed=None, what="field"):
        """A new struct from a dict of Python values, and the objects it
        points into (keep them alive as long as the struct is used)."""
        s = self.struct()
        s.struct_size = sizeof(self.struct)
        keep = []
        for k, v in values.items():
            f = self.fields.get(k)
            if f is None or (allowed is not None and k not in allowed):
                raise TypeError("unexpected %s %r (expected one of %s)"
                                % (what, k, ", ".join(sorted(allowed or self.fields))))
            try:
                f.kind.set(s, k, v, keep)
            except Invalid as e:
                e.field = self.err_prefix + e.field
                e.message = self.err_prefix + e.message
                e.args = (e.message,)
                raise
        return s, keep


class RowSpec(Spec):
    """A table row: its struct, dataclass, mask bits and page struct."""

    def __init__(self, c_name, py_name, fields, mask_prefix=None, mask=(), doc=None):
        super().__init__(c_name, py_name, fields, c_name[len("pinky_"):] + ".")
        self.cls = dataclasses.make_dataclass(
            py_name,
            [(f.name, _hint(f.kind), dataclasses.field(default=None, repr=not f.secret))
             for f in fields],
            namespace={"__doc__": doc or "A row of %s (a %s)." % (c_name[6:], c_name)})
        self.cls.__module__ = "pinky"
        ROW_CLASSES[py_name] = self.cls
        self.writable = frozenset(f.name for f in fields if not f.ro)
        self.masks = {}
        for bit, name in enumerate(mask):
            assert name in self.fields, name
            self.masks[name] = 1 << bit
            CONSTANTS[mask_prefix + name.upper()] = 1 << bit
        self.ptr = POINTER(self.struct)
        self.page = cstruct(c_name + "_page", [
            ("items", POINTER(self.ptr)),
            ("count", c_size_t),
            ("next_cursor", c_char_p),
        ], py_name + "PageStruct")

    def to_py(self, s):
        return self.cls(**{name: f.kind.get(s, name) for name, f in self.fields.items()})

    def mask_of(self, names):
        mask = 0
        for n in names:
            if n not in self.masks:
                raise TypeError("cannot update %r (updatable: %s)"
                                % (n, ", ".join(self.masks)))
            mask |= self.masks[n]
        return mask


def _filter(c_name, py_name, fields, paged=True):
    head = [F("limit", U32), F("cursor", STR)] if paged else []
    return Spec(c_name, py_name, head + fields, "filter.")


def _ts():
    return [F("created_at", TIME, ro=True), F("updated_at", TIME, ro=True)]


def _created():
    return [F("created_from", OPT_TIME), F("created_before", OPT_TIME)]


# users ---------------------------------------------------------------------------
USER = RowSpec("pinky_user", "User", [
    F("id", I32, ro=True),
    F("username", STR),
    F("email", STR),
    F("profile_image_url", STR),
    F("first_name", STR),
    F("last_name", STR),
] + _ts(), "PINKY_USER_", ["username", "email", "profile_image_url", "first_name", "last_name"])
USER_FILTER = _filter("pinky_user_filter", "UserFilter", [
    F("username_contains", STR)] + _created())

USER_PREFERENCE = RowSpec("pinky_user_preference", "UserPreference", [
    F("user_id", I32, ro=True),
    F("preference_key", STR),
    F("preference_value", JSON),
] + _ts())
USER_PREFERENCE_FILTER = _filter("pinky_user_preference_filter", "UserPreferenceFilter", [
    F("key_prefix", STR)])

# sync ------------------------------------------------------------------------------
PLATFORM_CONNECTION = RowSpec("pinky_platform_connection", "PlatformConnection", [
    F("id", UUID, ro=True),
    F("user_id", I32, ro=True),
    F("name", STR),
    F("platform", EnumKind(E.Platform)),
    F("root_path", STR),
    F("credentials", JSON, secret=True),
    F("is_enabled", OPT_BOOL),
    F("sync_on_startup", OPT_BOOL),
    F("sync_on_schedule", OPT_BOOL),
    F("sync_direction", EnumKind(E.SyncDirection)),
    F("sync_interval", OPT_I32),
    F("metadata", JSON),
    F("last_sync_date", OPT_TIME),
    F("status", STR),
] + _ts(), "PINKY_PLATFORM_CONNECTION_",
    ["name", "platform", "root_path", "credentials", "is_enabled", "sync_on_startup",
     "sync_on_schedule", "sync_direction", "sync_interval", "metadata", "last_sync_date",
     "status"])
PLATFORM_CONNECTION_FILTER = _filter("pinky_platform_connection_filter",
                                     "PlatformConnectionFilter", [
    F("platform", EnumKind(E.Platform)),
    F("status", STR),
    F("is_enabled", OPT_BOOL)] + _created())

SYNC_OPERATION = RowSpec("pinky_sync_operation", "SyncOperation", [
    F("id", UUID, ro=True),
    F("connection_id", UUID),
    F("status", EnumKind(E.SyncStatus)),
    F("start_time", OPT_TIME),
    F("end_time", OPT_TIME),
    F("items_processed", OPT_I32),
    F("items_total", OPT_I32),
    F("bytes_transferred", OPT_I64),
    F("errors", JSON),
    F("conflict_items", JSON),
], "PINKY_SYNC_OPERATION_",
    ["status", "start_time", "end_time", "items_processed", "items_total",
     "bytes_transferred", "errors", "conflict_items"])
SYNC_OPERATION_FILTER = _filter("pinky_sync_operation_filter", "SyncOperationFilter", [
    F("connection_id", OPT_UUID),
    F("status", EnumKind(E.SyncStatus)),
    F("start_time_from", OPT_TIME),
    F("start_time_before", OPT_TIME)])

SYNC_ITEM = RowSpec("pinky_sync_item", "SyncItem", [
    F("id", UUID, ro=True),
    F("connection_id", UUID),
    F("path", STR),
    F("is_directory", BOOL),
    F("size", OPT_I64),
    F("mime_type", STR),
    F("hash", STR),
    F("local_modified", OPT_TIME),
    F("remote_modified", OPT_TIME),
    F("sync_status", EnumKind(E.SyncItemStatus)),
    F("last_synced", OPT_TIME),
    F("has_conflict", OPT_BOOL),
    F("conflict_resolution", EnumKind(E.ConflictResolution)),
] + _ts(), "PINKY_SYNC_ITEM_",
    ["path", "is_directory", "size", "mime_type", "hash", "local_modified", "remote_modified",
     "sync_status", "last_synced", "has_conflict", "conflict_resolution"])
SYNC_ITEM_FILTER = _filter("pinky_sync_item_filter", "SyncItemFilter", [
    F("connection_id", OPT_UUID),
    F("sync_status", EnumKind(E.SyncItemStatus)),
    F("has_conflict", OPT_BOOL),
    F("path_prefix", STR),
    F("updated_from", OPT_TIME),
    F("updated_before", OPT_TIME)])

SyncUpsertResult = cstruct("pinky_sync_upsert_result", [
    ("struct_size", c_uint32),
    ("inserted", c_uint64),
    ("updated", c_uint64),
], "SyncUpsertResult")

SyncDiff = cstruct("pinky_sync_diff", [
    ("struct_size", c_uint32),
    ("new_count", c_uint64),
    ("changed_count", c_uint64),
    ("unchanged_count", c_uint64),
    ("gone_count", c_uint64),
    ("conflict_count", c_uint64),
    ("paths", POINTER(c_char_p)),
    ("npaths", c_size_t),
], "SyncDiff")

SyncItemFn = CFUNCTYPE(c_int, POINTER(SYNC_ITEM.struct), c_void_p)

# documents -------------------------------------------------------------------------
DOCUMENT = RowSpec("pinky_document", "Document", [
    F("id", UUID, ro=True),
    F("user_id", I32, ro=True),
    F("title", STR),
    F("category", EnumKind(E.DocumentCategory)),
    F("path", STR),
    F("platform", STR),
    F("connection_id", OPT_UUID),
    F("size", OPT_I64),
    F("mime_type", STR),
    F("version", OPT_I32),
    F("metadata", JSON),
] + _ts(), "PINKY_DOCUMENT_",
    ["title", "category", "path", "platform", "connection_id", "size", "mime_type", "version",
     "metadata"])
DOCUMENT_FILTER = _filter("pinky_document_filter", "DocumentFilter", [
    F("category", EnumKind(E.DocumentCategory)),
    F("connection_id", OPT_UUID),
    F("title_contains", STR),
    F("tag", STR)] + _created() + [
    F("updated_from", OPT_TIME),
    F("updated_before", OPT_TIME)])

DOCUMENT_VERSION = RowSpec("pinky_document_version", "DocumentVersion", [
    F("id", UUID, ro=True),
    F("document_id", UUID),
    F("version_number", I32),
    F("path", STR),
    F("size", OPT_I64),
    F("hash", STR),
    F("created_at", TIME, ro=True),
    F("created_by", OPT_I32),
    F("comment", STR),
], "PINKY_DOCUMENT_VERSION_",
    ["version_number", "path", "size", "hash", "created_by", "comment"])
DOCUMENT_VERSION_FILTER = _filter("pinky_document_version_filter", "DocumentVersionFilter", [
    F("document_id", OPT_UUID),
    F("created_by", OPT_I32)] + _created())

DOCUMENT_TAG = RowSpec("pinky_document_tag", "DocumentTag", [
    F("document_id", UUID, ro=True),
    F("tag", STR, ro=True),
    F("created_at", TIME, ro=True),
])
DOCUMENT_TAG_FILTER = _filter("pinky_document_tag_filter", "DocumentTagFilter", [
    F("tag_prefix", STR)])

# workflows -------------------------------------------------------------------------
WORKFLOW = RowSpec("pinky_workflow", "Workflow", [
    F("id", UUID, ro=True),
    F("user_id", I32, ro=True),
    F("name", STR),
    F("description", STR),
    F("steps", JSON),
    F("is_active", OPT_BOOL),
    F("triggers", JSON),
] + _ts(), "PINKY_WORKFLOW_", ["name", "description", "steps", "is_active", "triggers"])
WORKFLOW_FILTER = _filter("pinky_workflow_filter", "WorkflowFilter", [
    F("is_active", OPT_BOOL),
    F("name_contains", STR)] + _created())

WORKFLOW_EXECUTION = RowSpec("pinky_workflow_execution", "WorkflowExecution", [
    F("id", UUID, ro=True),
    F("workflow_id", UUID),
    F("status", EnumKind(E.ExecutionStatus)),
    F("start_time", OPT_TIME),
    F("end_time", OPT_TIME),
    F("documents", JSON),
    F("results", JSON),
    F("errors", JSON),
], "PINKY_WORKFLOW_EXECUTION_",
    ["status", "start_time", "end_time", "documents", "results", "errors"])
WORKFLOW_EXECUTION_FILTER = _filter("pinky_workflow_execution_filter",
                                    "WorkflowExecutionFilter", [
    F("workflow_id", OPT_UUID),
    F("status", EnumKind(E.ExecutionStatus)),
    F("start_time_from", OPT_TIME),
    F("start_time_before", OPT_TIME)])

# communications --------------------------------------------------------------------
COMM = RowSpec("pinky_comm", "Communication", [
    F("id", UUID, ro=True),
    F("user_id", I32, ro=True),
    F("source", STR),
    F("source_id", STR),
    F("communication_date", OPT_TIME),
    F("sender", STR),
    F("recipients", JSON),
    F("subject", STR),
    F("content", STR),
    F("content_vector", VECTOR),
    F("attachments", JSON),
    F("metadata", JSON),
] + _ts(), "PINKY_COMM_",
    ["source", "source_id", "communication_date", "sender", "recipients", "subject", "content",
     "content_vector", "attachments", "metadata"])
COMM_FILTER = _filter("pinky_comm_filter", "CommFilter", [
    F("source", STR),
    F("communication_date_from", OPT_TIME),
    F("communication_date_before", OPT_TIME),
    F("subject_contains", STR),
    F("tag", STR)])

COMM_TAG = RowSpec("pinky_comm_tag", "CommTag", [
    F("communication_id", UUID, ro=True),
    F("tag", STR, ro=True),
    F("created_at", TIME, ro=True),
])
COMM_TAG_FILTER = _filter("pinky_comm_tag_filter", "CommTagFilter", [F("tag_prefix", STR)])

COMM_SIMILAR_FILTER = _filter("pinky_comm_similar_filter", "CommSimilarFilter", [
    F("source", STR),
    F("date_from", OPT_TIME),
    F("date_before", OPT_TIME),
    F("tag", STR),
    F("ef_search", U32),
    F("exact", BOOL)], paged=False)

CommMatches = cstruct("pinky_comm_matches", [
    ("items", POINTER(COMM.ptr)),
    ("distances", POINTER(c_double)),
    ("count", c_size_t),
], "CommMatches")

# properties ------------------------------------------------------------------------
PROPERTY = RowSpec("pinky_property", "Property", [
    F("id", UUID, ro=True),
    F("user_id", I32, ro=True),
    F("address", JSON),
    F("property_type", STR),
    F("status", STR),
    F("listing_price", DecimalKind(2)),
    F("size_sqft", DecimalKind(2)),
    F("bedrooms", OPT_I32),
    F("bathrooms", DecimalKind(1)),
    F("year_built", OPT_I32),
    F("features", JSON),
    F("documents", JSON),
    F("contacts", JSON),
    F("timeline", JSON),
    F("metadata", JSON),
] + _ts(), "PINKY_PROPERTY_",
    ["address", "property_type", "status", "listing_price", "size_sqft", "bedrooms",
     "bathrooms", "year_built", "features", "documents", "contacts", "timeline", "metadata"])
PROPERTY_FILTER = _filter("pinky_property_filter", "PropertyFilter", [
    F("status", STR),
    F("property_type", STR)] + _created())

PROPERTY_TRANSACTION = RowSpec("pinky_property_transaction", "PropertyTransaction", [
    F("id", UUID, ro=True),
    F("property_id", UUID),
    F("transaction_type", STR),
    F("status", STR),
    F("amount", DecimalKind(2)),
    F("transaction_date", OPT_TIME),
    F("parties", JSON),
    F("documents", JSON),
    F("timeline", JSON),
    F("metadata", JSON),
] + _ts(), "PINKY_PROPERTY_TRANSACTION_",
    ["transaction_type", "status", "amount", "transaction_date", "parties", "documents",
     "timeline", "metadata"])
PROPERTY_TRANSACTION_FILTER = _filter("pinky_property_transaction_filter",
                                      "PropertyTransactionFilter", [
    F("property_id", OPT_UUID),
    F("status", STR),
    F("transaction_type", STR),
    F("transaction_date_from", OPT_TIME),
    F("transaction_date_before", OPT_TIME)])

# system ----------------------------------------------------------------------------
API_KEY = RowSpec("pinky_api_key", "ApiKey", [
    F("id", UUID, ro=True),
    F("user_id", I32, ro=True),
    F("service", STR),
    F("key_name", STR),
    F("key_value", STR, secret=True),
    F("is_active", OPT_BOOL),
    F("last_used", OPT_TIME),
] + _ts(), "PINKY_API_KEY_", ["service", "key_name", "key_value", "is_active", "last_used"])
API_KEY_FILTER = _filter("pinky_api_key_filter", "ApiKeyFilter", [
    F("service", STR),
    F("is_active", OPT_BOOL),
    F("include_key_value", BOOL)])

SYSTEM_SETTING = RowSpec("pinky_system_setting", "SystemSetting", [
    F("setting_key", STR),
    F("setting_value", JSON),
] + _ts())
SYSTEM_SETTING_FILTER = _filter("pinky_system_setting_filter", "SystemSettingFilter", [
    F("key_prefix", STR)])

AUDIT_LOG = RowSpec("pinky_audit_log", "AuditLog", [
    F("id", UUID, ro=True),
    F("user_id", OPT_I32),
    F("action", STR),
    F("entity_type", STR),
    F("entity_id", STR),
    F("details", JSON),
    F("ip_address", STR),
    F("user_agent", STR),
    F("created_at", TIME, ro=True),
])
AUDIT_LOG_FILTER = _filter("pinky_audit_log_filter", "AuditLogFilter", [
    F("user_id", OPT_I32),
    F("action", STR),
    F("entity_type", STR),
    F("entity_id", STR)] + _created())

__all__ = ["CONSTANTS", "STRUCTS", "ROW_CLASSES"]
