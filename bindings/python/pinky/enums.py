"""The C enums as Python IntEnums.

Each member has the C value (Platform.DROPBOX == 4 == PINKY_PLATFORM_DROPBOX)
and the database text as its name (str(Platform.DROPBOX) == "DROPBOX").
The C value 0 ("unset", SQL NULL) is None on the Python side.  Wherever a
value of an enum is accepted, a member, its int value or its name (any case)
will do.
"""

import enum

# C enum name -> (Python class, prefix of its constants); the layout test
# compares every member with the C constant PREFIX + NAME.
C_ENUMS = {}


class CEnum(enum.IntEnum):
    """An enum mirrored from C; str() gives the database text."""

    def __str__(self):
        return self.name

    @classmethod
    def coerce(cls, value):
        """A member from a member, an int value or a name; ValueError otherwise."""
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            try:
                return cls[value.upper()]
            except KeyError:
                pass
        elif isinstance(value, int) and not isinstance(value, bool):
            try:
                return cls(value)
            except ValueError:
                pass
        raise ValueError("%r is not a %s (one of %s)"
                         % (value, cls.__name__, ", ".join(m.name for m in cls)))


def _mirror(c_name, prefix):
    def wrap(cls):
        C_ENUMS[c_name] = (cls, prefix)
        return cls
    return wrap


@_mirror("pinky_status", "PINKY_")
class Status(CEnum):
    OK = 0
    NOT_FOUND = 1
    INVALID = 2
    CONFLICT = 3
    CONSTRAINT = 4
    CONNECTION = 5
    TIMEOUT = 6
    BUSY = 7
    NO_MEMORY = 8
    SERIALIZATION = 9
    MIGRATION = 10
    SERVER = 11
    STATE = 12
    INTERNAL = 13


@_mirror("pinky_log_level", "PINKY_LOG_")
class LogLevel(CEnum):
    DEBUG = 1
    INFO = 2
    WARNING = 3
    ERROR = 4


@_mirror("pinky_isolation", "PINKY_ISOLATION_")
class Isolation(CEnum):
    DEFAULT = 0
    READ_COMMITTED = 1
    REPEATABLE_READ = 2
    SERIALIZABLE = 3


@_mirror("pinky_platform", "PINKY_PLATFORM_")
class Platform(CEnum):
    UBUNTU = 1
    WINDOWS = 2
    IOS = 3
    DROPBOX = 4
    WEB = 5


@_mirror("pinky_sync_direction", "PINKY_SYNC_DIRECTION_")
class SyncDirection(CEnum):
    UPLOAD = 1
    DOWNLOAD = 2
    BIDIRECTIONAL = 3


@_mirror("pinky_sync_status", "PINKY_SYNC_STATUS_")
class SyncStatus(CEnum):
    """sync_operations.status"""
    PENDING = 1
    IN_PROGRESS = 2
    COMPLETED = 3
    FAILED = 4
    CONFLICT = 5


@_mirror("pinky_sync_item_status", "PINKY_SYNC_ITEM_STATUS_")
class SyncItemStatus(CEnum):
    """sync_items.sync_status"""
    PENDING = 1
    SYNCING = 2
    SYNCED = 3
    FAILED = 4
    CONFLICT = 5


@_mirror("pinky_conflict_resolution", "PINKY_CONFLICT_RESOLUTION_")
class ConflictResolution(CEnum):
    LOCAL = 1
    REMOTE = 2
    BOTH = 3
    SKIP = 4


@_mirror("pinky_document_category", "PINKY_DOCUMENT_CATEGORY_")
class DocumentCategory(CEnum):
    PERSONAL = 1
    LEGAL = 2
    TAX = 3
    INSURANCE = 4
    BUSINESS = 5
    OTHER = 6


@_mirror("pinky_execution_status", "PINKY_EXECUTION_STATUS_")
class ExecutionStatus(CEnum):
    PENDING = 1
    IN_PROGRESS = 2
    COMPLETED = 3
    FAILED = 4
