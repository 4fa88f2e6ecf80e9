"""Prototypes (argtypes / restype) of every libpinky function these bindings use.

tests/test_layout.py checks each one against the headers: the parameter
count, and every parameter and return type mapped to its ctypes type.
"""

from ctypes import (POINTER, c_bool, c_char_p, c_float, c_int, c_int32, c_int64, c_size_t,
                    c_uint, c_uint32, c_uint64, c_void_p)

from . import _structs as S
from ._lib import declare
from .values import OptBool, OptDecimal, OptI32, OptI64, OptTime, OptUuid, Uuid

ST = c_int                  # pinky_status
DB = c_void_p               # pinky_db * (opaque)
PU = POINTER(Uuid)
PT = POINTER(c_int64)       # const pinky_time *
STRV = POINTER(c_char_p)    # const char *const *


def P(t):
    return POINTER(t)


def PP(t):
    return POINTER(POINTER(t))


# ---- common.h ---------------------------------------------------------------------
version = declare("pinky_version", c_char_p)
status_str = declare("pinky_status_str", c_char_p, c_int)
error_last = declare("pinky_error_last", P(S.Error))
error_clear = declare("pinky_error_clear", None)
error_copy = declare("pinky_error_copy", P(S.Error), P(S.Error))
error_free = declare("pinky_error_free", None, P(S.Error))
set_allocator = declare("pinky_set_allocator", c_int, P(S.Allocator))
allocator_init = declare("pinky_allocator_init", None, P(S.Allocator))
free = declare("pinky_free", None, c_void_p)
uuid_parse = declare("pinky_uuid_parse", ST, c_char_p, PU)
uuid_format = declare("pinky_uuid_format", None, PU, c_char_p)
uuid_is_nil = declare("pinky_uuid_is_nil", c_bool, PU)
uuid_equal = declare("pinky_uuid_equal", c_bool, PU, PU)
uuid_generate = declare("pinky_uuid_generate", None, PU)
time_now = declare("pinky_time_now", c_int64)
time_from_utc = declare("pinky_time_from_utc", ST, c_int, c_int, c_int, c_int, c_int, c_int,
                        c_int, P(c_int64))
time_format = declare("pinky_time_format", None, c_int64, c_char_p)
time_parse = declare("pinky_time_parse", ST, c_char_p, P(c_int64))
opt_i32 = declare("pinky_i32", OptI32, c_int32)
opt_i64 = declare("pinky_i64", OptI64, c_int64)
opt_bool = declare("pinky_bool", OptBool, c_bool)
opt_time = declare("pinky_time_val", OptTime, c_int64)
opt_uuid = declare("pinky_uuid_val", OptUuid, PU)
sha256_hex = declare("pinky_sha256_hex", None, c_void_p, c_size_t, c_char_p)
opt_decimal = declare("pinky_decimal", OptDecimal, c_int64)
decimal_parse = declare("pinky_decimal_parse", ST, c_char_p, c_int, c_int, P(c_int64))
decimal_format = declare("pinky_decimal_format", None, c_int64, c_int, c_char_p)

# ---- db.h -------------------------------------------------------------------------
db_options_init = declare("pinky_db_options_init", None, P(S.DbOptions))
db_open = declare("pinky_db_open", ST, P(S.DbOptions), P(DB))
db_close = declare("pinky_db_close", None, DB)
tx_options_init = declare("pinky_tx_options_init", None, P(S.TxOptions))
db_begin = declare("pinky_db_begin", ST, DB, P(S.TxOptions), P(DB))
db_commit = declare("pinky_db_commit", ST, DB)
db_rollback = declare("pinky_db_rollback", ST, DB)
db_in_transaction = declare("pinky_db_in_transaction", c_bool, DB)
db_transact = declare("pinky_db_transact", ST, DB, S.TxFn, c_void_p, P(S.TxOptions))
db_exec = declare("pinky_db_exec", ST, DB, c_char_p)
audit_set_context = declare("pinky_audit_set_context", ST, c_char_p, c_char_p)
db_stats_init = declare("pinky_db_stats_init", None, P(S.DbStats))
db_get_stats = declare("pinky_db_get_stats", ST, DB, P(S.DbStats))
migrate = declare("pinky_migrate", ST, DB)
schema_version = declare("pinky_schema_version", ST, DB, P(c_int32))
migration_count = declare("pinky_migration_count", c_size_t)
migration_at = declare("pinky_migration_at", P(S.MigrationS), c_size_t)


# ---- the tables ---------------------------------------------------------------------
class Fns:
    """The functions of one table, by verb: fns.create, fns.get, ..."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


def _common(prefix, row, filt, init=True):
    d = {
        "free": declare(prefix + "_free", None, P(row.struct)),
        "page_free": declare(prefix + "_page_free", None, P(row.page)),
        "filter_init": declare(prefix + "_filter_init", None, P(filt.struct)),
    }
    if init:
        d["init"] = declare(prefix + "_init", None, P(row.struct))
    return d


def _scoped(prefix, row, filt, **extra):
    """The standard verbs of a table read and written through a user's id."""
    s, pg = row.struct, row.page
    return Fns(
        create=declare(prefix + "_create", ST, DB, c_int32, P(s), PP(s)),
        get=declare(prefix + "_get", ST, DB, c_int32, PU, PP(s)),
        update=declare(prefix + "_update", ST, DB, c_int32, PU, P(s), c_uint64, PT, PP(s)),
        delete=declare(prefix + "_delete", ST, DB, c_int32, PU),
        list=declare(prefix + "_list", ST, DB, c_int32, P(filt.struct), PP(pg)),
        **_common(prefix, row, filt), **extra)


def _tags(prefix, tag, filt):
    return Fns(
        add=declare(prefix + "_add", ST, DB, c_int32, PU, c_char_p),
        remove=declare(prefix + "_remove", ST, DB, c_int32, PU, c_char_p),
        list=declare(prefix + "_list", ST, DB, c_int32, PU, P(filt.struct), PP(tag.page)),
        set=declare(prefix + "_set", ST, DB, c_int32, PU, STRV, c_size_t),
        **_common(prefix, tag, filt, init=False))


def _enum(name):
    return (declare("pinky_%s_str" % name, c_char_p, c_int),
            declare("pinky_%s_parse" % name, ST, c_char_p, P(c_int)))


ENUM_TEXT = {n: _enum(n) for n in (
    "platform", "sync_direction", "sync_status", "sync_item_status", "conflict_resolution",
    "document_category", "execution_status")}

_u, _uf = S.USER, S.USER_FILTER
user = Fns(
    create=declare("pinky_user_create", ST, DB, P(_u.struct), PP(_u.struct)),
    get=declare("pinky_user_get", ST, DB, c_int32, PP(_u.struct)),
    get_by_username=declare("pinky_user_get_by_username", ST, DB, c_char_p, PP(_u.struct)),
    update=declare("pinky_user_update", ST, DB, c_int32, P(_u.struct), c_uint64, PT,
                   PP(_u.struct)),
    delete=declare("pinky_user_delete", ST, DB, c_int32),
    list=declare("pinky_user_list", ST, DB, P(_uf.struct), PP(_u.page)),
    **_common("pinky_user", _u, _uf))

_p, _pf = S.USER_PREFERENCE, S.USER_PREFERENCE_FILTER
user_preference = Fns(
    set=declare("pinky_user_preference_set", ST, DB, c_int32, c_char_p, c_char_p,
                PP(_p.struct)),
    get=declare("pinky_user_preference_get", ST, DB, c_int32, c_char_p, PP(_p.struct)),
    delete=declare("pinky_user_preference_delete", ST, DB, c_int32, c_char_p),
    list=declare("pinky_user_preference_list", ST, DB, c_int32, P(_pf.struct), PP(_p.page)),
    **_common("pinky_user_preference", _p, _pf))

platform_connection = _scoped("pinky_platform_connection", S.PLATFORM_CONNECTION,
                              S.PLATFORM_CONNECTION_FILTER)
DIFF_APPLY = S.CONSTANTS["PINKY_SYNC_DIFF_APPLY"]
DIFF_PATHS = S.CONSTANTS["PINKY_SYNC_DIFF_PATHS"]
_so = S.SYNC_OPERATION.struct
sync_operation = _scoped(
    "pinky_sync_operation", S.SYNC_OPERATION, S.SYNC_OPERATION_FILTER,
    start=declare("pinky_sync_operation_start", ST, DB, c_int32, PU, c_int32, PP(_so)),
    progress=declare("pinky_sync_operation_progress", ST, DB, c_int32, PU, c_int32, c_int64,
                     PP(_so)),
    finish=declare("pinky_sync_operation_finish", ST, DB, c_int32, PU, c_int, c_char_p, c_char_p,
                   PP(_so)))
_si = S.SYNC_ITEM.struct
sync_item = _scoped(
    "pinky_sync_item", S.SYNC_ITEM, S.SYNC_ITEM_FILTER,
    upsert=declare("pinky_sync_item_upsert", ST, DB, c_int32, P(_si), PP(_si)),
    upsert_result_init=declare("pinky_sync_upsert_result_init", None, P(S.SyncUpsertResult)),
    upsert_many=declare("pinky_sync_item_upsert_many", ST, DB, c_int32, PP(_si), c_size_t,
                        P(S.SyncUpsertResult)),
    detect_changes=declare("pinky_sync_detect_changes", ST, DB, c_int32, PU, PP(_si), c_size_t,
                           c_uint, PP(S.SyncDiff)),
    diff_free=declare("pinky_sync_diff_free", None, P(S.SyncDiff)),
    resolve=declare("pinky_sync_item_resolve", ST, DB, c_int32, PU, c_int, PP(_si)),
    each=declare("pinky_sync_item_each", ST, DB, c_int32, P(S.SYNC_ITEM_FILTER.struct),
                 S.SyncItemFn, c_void_p))

document = _scoped(
    "pinky_document", S.DOCUMENT, S.DOCUMENT_FILTER,
    list_by_tags=declare("pinky_document_list_by_tags", ST, DB, c_int32, STRV, c_size_t,
                         P(S.DOCUMENT_FILTER.struct), PP(S.DOCUMENT.page)))
document_version = _scoped(
    "pinky_document_version", S.DOCUMENT_VERSION, S.DOCUMENT_VERSION_FILTER,
    new_version=declare("pinky_document_new_version", ST, DB, c_int32, PU,
                        P(S.DOCUMENT_VERSION.struct), PP(S.DOCUMENT_VERSION.struct)))
document_tag = _tags("pinky_document_tag", S.DOCUMENT_TAG, S.DOCUMENT_TAG_FILTER)

workflow = _scoped("pinky_workflow", S.WORKFLOW, S.WORKFLOW_FILTER)
_we = S.WORKFLOW_EXECUTION.struct
workflow_execution = _scoped(
    "pinky_workflow_execution", S.WORKFLOW_EXECUTION, S.WORKFLOW_EXECUTION_FILTER,
    start=declare("pinky_workflow_execution_start", ST, DB, c_int32, PU, c_char_p, PP(_we)),
    finish=declare("pinky_workflow_execution_finish", ST, DB, c_int32, PU, c_int, c_char_p,
                   c_char_p, PP(_we)))

_c = S.COMM.struct
comm = _scoped(
    "pinky_comm", S.COMM, S.COMM_FILTER,
    ingest=declare("pinky_comm_ingest", ST, DB, c_int32, PP(_c), c_size_t, STRV, P(c_size_t),
                   PU),
    similar_filter_init=declare("pinky_comm_similar_filter_init", None,
                                P(S.COMM_SIMILAR_FILTER.struct)),
    similar=declare("pinky_comm_similar", ST, DB, c_int32, P(c_float), c_uint32, c_uint32,
                    P(S.COMM_SIMILAR_FILTER.struct), PP(S.CommMatches)),
    matches_free=declare("pinky_comm_matches_free", None, P(S.CommMatches)))
comm_tag = _tags("pinky_comm_tag", S.COMM_TAG, S.COMM_TAG_FILTER)

property = _scoped(
    "pinky_property", S.PROPERTY, S.PROPERTY_FILTER,
    set_status=declare("pinky_property_set_status", ST, DB, c_int32, PU, c_char_p, c_char_p,
                       PP(S.PROPERTY.struct)))
property_transaction = _scoped("pinky_property_transaction", S.PROPERTY_TRANSACTION,
                               S.PROPERTY_TRANSACTION_FILTER)

_k = S.API_KEY.struct
api_key = _scoped(
    "pinky_api_key", S.API_KEY, S.API_KEY_FILTER,
    reveal=declare("pinky_api_key_reveal", ST, DB, c_int32, PU, P(c_void_p)),
    find=declare("pinky_api_key_find", ST, DB, c_int32, c_char_p, c_char_p, PP(_k)),
    touch=declare("pinky_api_key_touch", ST, DB, c_int32, PU))

_s, _sf = S.SYSTEM_SETTING, S.SYSTEM_SETTING_FILTER
system_setting = Fns(
    set=declare("pinky_system_setting_set", ST, DB, c_char_p, c_char_p, PP(_s.struct)),
    get=declare("pinky_system_setting_get", ST, DB, c_char_p, PP(_s.struct)),
    delete=declare("pinky_system_setting_delete", ST, DB, c_char_p),
    list=declare("pinky_system_setting_list", ST, DB, P(_sf.struct), PP(_s.page)),
    **_common("pinky_system_setting", _s, _sf))

_a, _af = S.AUDIT_LOG, S.AUDIT_LOG_FILTER
audit_log = Fns(
    create=declare("pinky_audit_log_create", ST, DB, P(_a.struct), PP(_a.struct)),
    list=declare("pinky_audit_log_list", ST, DB, P(_af.struct), PP(_a.page)),
    **_common("pinky_audit_log", _a, _af))

# Functions of the headers these bindings deliberately leave unbound; the
# layout test accepts their absence from FUNCTIONS.
UNBOUND = {}
