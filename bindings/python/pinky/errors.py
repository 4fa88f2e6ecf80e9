"""Exceptions: one class per pinky_status.

Every failing libpinky call raises the class of its status with a copy of
the thread's pinky_error taken right after the call.  Bad arguments caught on
the Python side (a wrong type, a naive datetime, a decimal with too many
digits, ...) raise Invalid the same way, naming the field.
"""

from .enums import Status


class PinkyError(Exception):
    """A libpinky failure.

    status      the pinky_status (a Status member)
    message     readable; names the field or constraint at fault
    field       the argument or column at fault, "" if none
    sqlstate    five characters for server errors, else ""
    detail, hint, constraint, table, column   from the server, else ""
    """

    status = None  # the class's status; instances carry their own

    def __init__(self, message, status=None, *, field="", sqlstate="", detail="", hint="",
                 constraint="", table="", column=""):
        super().__init__(message)
        if status is None:
            status = type(self).status
        try:
            self.status = Status(status)
        except ValueError:      # a status newer than these bindings
            self.status = status
        self.message = message
        self.field = field
        self.sqlstate = sqlstate
        self.detail = detail
        self.hint = hint
        self.constraint = constraint
        self.table = table
        self.column = column

    def __str__(self):
        name = getattr(self.status, "name", "STATUS %s" % (self.status,))
        return "%s: %s" % (name, self.message)


class NotFound(PinkyError, LookupError):
    """No such row, or it belongs to another user."""
    status = Status.NOT_FOUND


class Invalid(PinkyError, ValueError):
    """A bad argument; nothing was sent or written.  .field names it."""
    status = Status.INVALID


class Conflict(PinkyError):
    """A unique violation (.constraint names it) or a stale expected_updated_at."""
    status = Status.CONFLICT


class Constraint(PinkyError):
    """A foreign key, check or not-null violation."""
    status = Status.CONSTRAINT


class PinkyConnectionError(PinkyError):
    """The connection failed or was lost."""
    status = Status.CONNECTION


class Timeout(PinkyError):
    """A statement timeout, or the statement was cancelled."""
    status = Status.TIMEOUT


class Busy(PinkyError):
    """No connection could be had from the pool in time."""
    status = Status.BUSY


class NoMemory(PinkyError):
    status = Status.NO_MEMORY


class Serialization(PinkyError):
    """A serialization failure or deadlock: retry the transaction."""
    status = Status.SERIALIZATION


class Migration(PinkyError):
    """The database's migrations disagree with this library."""
    status = Status.MIGRATION


class ServerError(PinkyError):
    """Any other error the server reported (see .sqlstate)."""
    status = Status.SERVER


class StateError(PinkyError):
    """A call not allowed in this state (a failed transaction, a closed handle)."""
    status = Status.STATE


class InternalError(PinkyError):
    """A bug in libpinky, or a protocol surprise."""
    status = Status.INTERNAL


BY_STATUS = {cls.status: cls for cls in (
    NotFound, Invalid, Conflict, Constraint, PinkyConnectionError, Timeout, Busy, NoMemory,
    Serialization, Migration, ServerError, StateError, InternalError)}


def error_class(status):
    """The exception class of a status (PinkyError for one this module does not know)."""
    try:
        return BY_STATUS[Status(status)]
    except ValueError:
        return PinkyError


def invalid(field, message):
    """An Invalid for a bad argument found on the Python side."""
    return Invalid("%s: %s" % (field, message), field=field)
