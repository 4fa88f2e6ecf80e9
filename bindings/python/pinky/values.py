"""Value types: how C values become Python values and back.

  pinky_time         datetime.datetime, timezone-aware, UTC.  PostgreSQL's
                     +infinity / -infinity are INFINITY / NEG_INFINITY, i.e.
                     datetime.max / datetime.min with tzinfo=UTC, so they
                     still compare with ordinary times.  Finite times that a
                     datetime cannot hold (after 9999-12-31 or before year 1,
                     which PostgreSQL allows) saturate to those two values.
                     On input any aware datetime is accepted (converted to
                     UTC); a naive one is Invalid.
  pinky_uuid         uuid.UUID (a UUID's text is accepted on input)
  decimals           decimal.Decimal with the column's scale, exact; input
                     takes Decimal, int or str, never float, and more
                     fractional digits than the column's scale is Invalid
                     (no silent rounding)
  JSON text          the json.loads value (dict, list, str, number, bool);
                     input is json.dumps'ed, or passed as is when wrapped in
                     RawJson("...").  None is SQL NULL (use RawJson("null")
                     for a JSON null).
  vectors            list[float]; input takes any sequence of numbers,
                     array.array('f') and float32 buffers included
  enums              the members of pinky.enums; 0 (unset) is None
  nullable columns   None
"""

import ctypes
import datetime
import decimal
import json
import uuid
from ctypes import POINTER, c_bool, c_char_p, c_float, c_int, c_int32, c_int64, c_uint8, c_uint32

from .errors import invalid

UTC = datetime.timezone.utc
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=UTC)
INFINITY = datetime.datetime.max.replace(tzinfo=UTC)
NEG_INFINITY = datetime.datetime.min.replace(tzinfo=UTC)
TIME_INFINITY = 2**63 - 1           # PINKY_TIME_INFINITY
TIME_NEG_INFINITY = -2**63          # PINKY_TIME_NEG_INFINITY

INT32 = (-2**31, 2**31 - 1)
INT64 = (-2**63, 2**63 - 1)
UINT32 = (0, 2**32 - 1)


class RawJson(str):
    """JSON text passed to the library as it is (validated there)."""


# ---- the mirror's registry --------------------------------------------------
# Every ctypes Structure mirroring a public C struct, by its C name.
STRUCTS = {}


def cstruct(c_name, fields, py_name=None):
    """Defines and registers a ctypes Structure mirroring C struct c_name."""
    cls = type(py_name or c_name, (ctypes.Structure,), {"_fields_": fields})
    STRUCTS[c_name] = cls
    return cls


Uuid = cstruct("pinky_uuid", [("bytes", c_uint8 * 16)], "Uuid")
OptI32 = cstruct("pinky_opt_i32", [("value", c_int32), ("is_set", c_bool)], "OptI32")
OptI64 = cstruct("pinky_opt_i64", [("value", c_int64), ("is_set", c_bool)], "OptI64")
OptBool = cstruct("pinky_opt_bool", [("value", c_bool), ("is_set", c_bool)], "OptBool")
OptTime = cstruct("pinky_opt_time", [("value", c_int64), ("is_set", c_bool)], "OptTime")
OptUuid = cstruct("pinky_opt_uuid", [("value", Uuid), ("is_set", c_bool)], "OptUuid")
OptDecimal = cstruct("pinky_opt_decimal", [("value", c_int64), ("is_set", c_bool)], "OptDecimal")


# ---- conversions -------------------------------------------------------------
def time_to_py(us):
    if us == TIME_INFINITY:
        return INFINITY
    if us == TIME_NEG_INFINITY:
        return NEG_INFINITY
    try:
        return EPOCH + datetime.timedelta(microseconds=us)
    except OverflowError:
        return INFINITY if us > 0 else NEG_INFINITY


def time_to_c(value, field="time"):
    if not isinstance(value, datetime.datetime):
        raise invalid(field, "expected a timezone-aware datetime, got %s" % type(value).__name__)
    if value.tzinfo is None or value.utcoffset() is None:
        raise invalid(field, "a naive datetime (give it a tzinfo, e.g. datetime.timezone.utc)")
    if value == INFINITY:
        return TIME_INFINITY
    if value == NEG_INFINITY:
        return TIME_NEG_INFINITY
    d = value - EPOCH
    return (d.days * 86400 + d.seconds) * 1000000 + d.microseconds


def uuid_to_py(u):
    return uuid.UUID(bytes=bytes(u.bytes))


def uuid_to_c(value, field="id"):
    if isinstance(value, str):
        try:
            value = uuid.UUID(value)
        except ValueError:
            raise invalid(field, "not a UUID") from None
    if not isinstance(value, uuid.UUID):
        raise invalid(field, "expected a uuid.UUID, got %s" % type(value).__name__)
    u = Uuid()
    ctypes.memmove(u.bytes, value.bytes, 16)
    return u


def int_to_c(value, field, bounds):
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(field, "expected an int, got %s" % type(value).__name__)
    if not bounds[0] <= value <= bounds[1]:
        raise invalid(field, "%d is out of range" % value)
    return value


def str_to_c(value, field):
    if not isinstance(value, str):
        raise invalid(field, "expected a str, got %s" % type(value).__name__)
    if "\0" in value:
        raise invalid(field, "contains a NUL character")
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError:
        raise invalid(field, "not valid UTF-8 (lone surrogate)") from None


def str_to_py(b):
    return None if b is None else b.decode("utf-8")


def json_to_c(value, field):
    if isinstance(value, RawJson):
        return str_to_c(str(value), field)
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise invalid(field, "cannot be written as JSON: %s" % e) from None
    return str_to_c(text, field)


def json_to_py(b):
    return None if b is None else json.loads(b.decode("utf-8"))


def decimal_to_py(scaled, scale):
    return decimal.Decimal(scaled).scaleb(-scale)


def decimal_to_c(value, field, scale):
    if isinstance(value, bool) or isinstance(value, float) or \
            not isinstance(value, (decimal.Decimal, int, str)):
        raise invalid(field, "expected a Decimal, int or str, got %s (floats are not exact)"
                      % type(value).__name__)
    try:
        d = decimal.Decimal(value.strip() if isinstance(value, str) else value)
    except decimal.InvalidOperation:
        raise invalid(field, "not a decimal number") from None
    if not d.is_finite():
        raise invalid(field, "not a finite number")
    with decimal.localcontext() as ctx:
        ctx.prec = 60
        scaled = d.scaleb(scale)
        if scaled != scaled.to_integral_value():
            raise invalid(field, "has more than %d fractional digits" % scale)
    return int_to_c(int(scaled), field, INT64)


def vector_to_c(value, field):
    """A (c_float * n) array from a sequence of numbers or a float32 buffer."""
    try:
        mv = memoryview(value)
    except TypeError:
        mv = None
    if mv is not None and mv.format == "f" and mv.ndim == 1 and mv.c_contiguous:
        return (c_float * len(mv)).from_buffer_copy(mv)
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
        raise invalid(field, "expected a sequence of floats, got %s" % type(value).__name__)
    try:
        return (c_float * len(value))(*value)
    except TypeError:
        raise invalid(field, "expected a sequence of floats") from None


# ---- kinds: how one struct member is read and written ------------------------
class Kind:
    ctype = None

    def cfields(self, name):
        return [(name, self.ctype)]

    def get(self, s, name):
        return self.to_py(getattr(s, name))

    def set(self, s, name, value, keep):
        setattr(s, name, self.to_c(value, name))

    def to_py(self, c):
        return c

    def to_c(self, value, field):
        raise NotImplementedError


class _U32(Kind):
    ctype = c_uint32

    def to_c(self, value, field):
        return int_to_c(value, field, UINT32)


class _I32(Kind):
    ctype = c_int32

    def to_c(self, value, field):
        return int_to_c(value, field, INT32)


class _Bool(Kind):
    ctype = c_bool

    def to_c(self, value, field):
        if not isinstance(value, bool):
            raise invalid(field, "expected a bool, got %s" % type(value).__name__)
        return value


class _Str(Kind):
    ctype = c_char_p

    def to_py(self, c):
        return str_to_py(c)

    def to_c(self, value, field):
        return None if value is None else str_to_c(value, field)


class _Json(Kind):
    ctype = c_char_p

    def to_py(self, c):
        return json_to_py(c)

    def to_c(self, value, field):
        return None if value is None else json_to_c(value, field)


class _Time(Kind):
    ctype = c_int64

    def to_py(self, c):
        return time_to_py(c)

    def to_c(self, value, field):
        return time_to_c(value, field)


class _Uuid(Kind):
    ctype = Uuid

    def to_py(self, c):
        return uuid_to_py(c)

    def to_c(self, value, field):
        return uuid_to_c(value, field)


class _Opt(Kind):
    """pinky_opt_*: None is unset."""

    def __init__(self, ctype, to_py, to_c):
        self.ctype = ctype
        self._to_py = to_py
        self._to_c = to_c

    def to_py(self, c):
        return self._to_py(c.value) if c.is_set else None

    def to_c(self, value, field):
        o = self.ctype()
        if value is not None:
            o.value = self._to_c(value, field)
            o.is_set = True
        return o


class EnumKind(Kind):
    """A C enum member (int-sized); 0 is None."""
    ctype = c_int

    def __init__(self, cls):
        self.cls = cls

    def to_py(self, c):
        if c == 0:
            return None
        try:
            return self.cls(c)
        except ValueError:      # a value newer than these bindings
            return c

    def to_c(self, value, field):
        if value is None:
            return 0
        try:
            return int(self.cls.coerce(value))
        except ValueError as e:
            raise invalid(field, str(e)) from None


class DecimalKind(Kind):
    """pinky_opt_decimal of a DECIMAL(p, scale) column."""
    ctype = OptDecimal

    def __init__(self, scale):
        self.scale = scale

    def to_py(self, c):
        return decimal_to_py(c.value, self.scale) if c.is_set else None

    def to_c(self, value, field):
        o = OptDecimal()
        if value is not None:
            o.value = decimal_to_c(value, field, self.scale)
            o.is_set = True
        return o


class _Vector(Kind):
    """float *name + uint32_t name_dim: two C members, one Python field."""

    def cfields(self, name):
        return [(name, POINTER(c_float)), (name + "_dim", c_uint32)]

    def get(self, s, name):
        p = getattr(s, name)
        if not p:
            return None
        return p[:getattr(s, name + "_dim")]

    def set(self, s, name, value, keep):
        if value is None:
            setattr(s, name, None)
            setattr(s, name + "_dim", 0)
            return
        arr = vector_to_c(value, name)
        keep.append(arr)
        setattr(s, name, ctypes.cast(arr, POINTER(c_float)))
        setattr(s, name + "_dim", len(arr))


U32 = _U32()
I32 = _I32()
BOOL = _Bool()
STR = _Str()
JSON = _Json()
TIME = _Time()
UUID = _Uuid()
VECTOR = _Vector()
OPT_I32 = _Opt(OptI32, lambda v: v, lambda v, f: int_to_c(v, f, INT32))
OPT_I64 = _Opt(OptI64, lambda v: v, lambda v, f: int_to_c(v, f, INT64))
OPT_BOOL = _Opt(OptBool, lambda v: v, BOOL.to_c)
OPT_TIME = _Opt(OptTime, time_to_py, time_to_c)
OPT_UUID = _Opt(OptUuid, uuid_to_py, uuid_to_c)
