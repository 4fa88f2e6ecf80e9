"""pinky: Python bindings of libpinky (ctypes, standard library only).

    import pinky
    with pinky.connect() as db:          # PINKY_DSN, or a dsn argument
        db.migrate()
        me = db.users.create(username="ada")
        doc = db.documents.create(me.id, title="Lease", path="/lease.pdf",
                                  platform="UBUNTU", category="LEGAL")
        for d in db.documents.list(me.id, category=pinky.DocumentCategory.LEGAL):
            print(d.title, d.created_at)

See README.md next to this package for the conventions (types, errors,
transactions, pages).
"""

from ._lib import path as library_path
from ._db import (Connection, Db, Handle, Match, MigrationInfo, Page, Stats, SyncDiff,
                  Transaction, UpsertResult, connect, migrations, set_audit_context, version)
from ._structs import CONSTANTS, ROW_CLASSES
from .enums import (ConflictResolution, DocumentCategory, ExecutionStatus, Isolation, LogLevel,
                    Platform, Status, SyncDirection, SyncItemStatus, SyncStatus)
from .errors import (Busy, Conflict, Constraint, InternalError, Invalid, Migration, NoMemory,
                     NotFound, PinkyConnectionError, PinkyError, Serialization, ServerError,
                     StateError, Timeout)
from .values import INFINITY, NEG_INFINITY, RawJson

# The row dataclasses: pinky.User, pinky.Document, pinky.Communication, ...
globals().update(ROW_CLASSES)

COMM_VECTOR_DIM = CONSTANTS["PINKY_COMM_VECTOR_DIM"]
LIST_MAX_LIMIT = CONSTANTS["PINKY_LIST_MAX_LIMIT"]

__all__ = [
    "connect", "Db", "Transaction", "Handle", "Connection", "Page", "Match", "Stats",
    "SyncDiff", "UpsertResult",
    "MigrationInfo", "migrations", "version", "set_audit_context", "library_path",
    "Status", "LogLevel", "Isolation", "Platform", "SyncDirection", "SyncStatus",
    "SyncItemStatus", "ConflictResolution", "DocumentCategory", "ExecutionStatus",
    "PinkyError", "NotFound", "Invalid", "Conflict", "Constraint", "PinkyConnectionError",
    "Timeout", "Busy", "NoMemory", "Serialization", "Migration", "ServerError",
    "StateError", "InternalError", "INFINITY", "NEG_INFINITY", "RawJson",
    "COMM_VECTOR_DIM", "LIST_MAX_LIMIT",
] + sorted(ROW_CLASSES)
