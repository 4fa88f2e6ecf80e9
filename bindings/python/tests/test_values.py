"""Value conversions, enums, exceptions and struct building (no database)."""

import array
import ctypes
import datetime
import decimal
import unittest
import uuid

import support  # noqa: F401
import pinky
from pinky import _structs as S
from pinky import values as V

UTC = datetime.timezone.utc


class Times(unittest.TestCase):
    def test_round_trip(self):
        for dt in (datetime.datetime(1970, 1, 1, tzinfo=UTC),
                   datetime.datetime(2024, 2, 29, 13, 45, 0, 123456, tzinfo=UTC),
                   datetime.datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
                   datetime.datetime(1, 1, 1, 0, 0, 1, tzinfo=UTC),
                   datetime.datetime(9999, 12, 31, 23, 59, 58, tzinfo=UTC)):
            us = V.time_to_c(dt)
            self.assertEqual(V.time_to_py(us), dt)
            self.assertIs(V.time_to_py(us).tzinfo, UTC)
        self.assertEqual(V.time_to_c(datetime.datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC)), 10**6)
        self.assertEqual(V.time_to_c(datetime.datetime(1969, 12, 31, 23, 59, 59, 999999,
                                                       tzinfo=UTC)), -1)

    def test_other_time_zones_become_utc(self):
        cest = datetime.timezone(datetime.timedelta(hours=2))
        dt = datetime.datetime(2024, 6, 1, 12, 0, tzinfo=cest)
        back = V.time_to_py(V.time_to_c(dt))
        self.assertEqual(back, dt)
        self.assertEqual(back.hour, 10)
        self.assertIs(back.tzinfo, UTC)

    def test_infinity(self):
        self.assertEqual(V.time_to_c(pinky.INFINITY), 2**63 - 1)
        self.assertEqual(V.time_to_c(pinky.NEG_INFINITY), -2**63)
        self.assertIs(V.time_to_py(2**63 - 1), pinky.INFINITY)
        self.assertIs(V.time_to_py(-2**63), pinky.NEG_INFINITY)
        self.assertEqual(pinky.INFINITY, datetime.datetime.max.replace(tzinfo=UTC))
        # finite times a datetime cannot hold saturate
        self.assertIs(V.time_to_py(400000 * 365 * 86400 * 10**6), pinky.INFINITY)
        self.assertIs(V.time_to_py(-400000 * 365 * 86400 * 10**6), pinky.NEG_INFINITY)
        self.assertLess(datetime.datetime.now(UTC), pinky.INFINITY)

    def test_naive_and_wrong_types_are_invalid(self):
        with self.assertRaises(pinky.Invalid) as cm:
            V.time_to_c(datetime.datetime(2024, 1, 1), "created_from")
        self.assertEqual(cm.exception.field, "created_from")
        self.assertIn("naive", cm.exception.message)
        self.assertEqual(cm.exception.status, pinky.Status.INVALID)
        for bad in ("2024-01-01", 0, datetime.date(2024, 1, 1)):
            self.assertRaises(pinky.Invalid, V.time_to_c, bad)


class Decimals(unittest.TestCase):
    def test_exact(self):
        self.assertEqual(V.decimal_to_c(decimal.Decimal("12.34"), "p", 2), 1234)
        self.assertEqual(V.decimal_to_c("-0.05", "p", 2), -5)
        self.assertEqual(V.decimal_to_c(7, "p", 2), 700)
        self.assertEqual(V.decimal_to_c(decimal.Decimal("2.50"), "p", 1), 25)
        self.assertEqual(V.decimal_to_c("9999999999999.99", "p", 2), 999999999999999)
        self.assertEqual(V.decimal_to_py(1234, 2), decimal.Decimal("12.34"))
        self.assertEqual(str(V.decimal_to_py(-5, 2)), "-0.05")
        self.assertEqual(str(V.decimal_to_py(25, 1)), "2.5")

    def test_no_rounding_no_floats(self):
        for bad in ("1.234", decimal.Decimal("0.001"), 1.5, "abc", "NaN", True, None,
                    decimal.Decimal("Infinity")):
            with self.assertRaises(pinky.Invalid, msg=repr(bad)) as cm:
                V.decimal_to_c(bad, "listing_price", 2)
            self.assertEqual(cm.exception.field, "listing_price")
        self.assertRaises(pinky.Invalid, V.decimal_to_c, "1e30", "p", 2)  # beyond int64


class Json(unittest.TestCase):
    def test_values(self):
        self.assertEqual(V.json_to_c({"a": [1, "é"]}, "m"), '{"a": [1, "é"]}'.encode())
        self.assertEqual(V.json_to_py(b'{"a": [1, 2.5, null]}'), {"a": [1, 2.5, None]})
        self.assertEqual(V.json_to_c(pinky.RawJson('{"x":1}'), "m"), b'{"x":1}')
        self.assertEqual(V.json_to_c("text", "m"), b'"text"')
        self.assertRaises(pinky.Invalid, V.json_to_c, float("nan"), "m")
        self.assertRaises(pinky.Invalid, V.json_to_c, {"d": decimal.Decimal(1)}, "m")
        self.assertRaises(pinky.Invalid, V.json_to_c, {1, 2}, "m")


class Strings(unittest.TestCase):
    def test_checks(self):
        self.assertEqual(V.str_to_c("Zoë", "f"), "Zoë".encode())
        with self.assertRaises(pinky.Invalid) as cm:
            V.str_to_c("a\0b", "title")
        self.assertEqual(cm.exception.field, "title")
        self.assertRaises(pinky.Invalid, V.str_to_c, "\udc80", "t")
        self.assertRaises(pinky.Invalid, V.str_to_c, b"bytes", "t")


class Vectors(unittest.TestCase):
    def test_inputs(self):
        a = array.array("f", [0.5, -1.25, 3.0])
        self.assertEqual(list(V.vector_to_c(a, "v")), [0.5, -1.25, 3.0])
        self.assertEqual(list(V.vector_to_c([1, 2.5], "v")), [1.0, 2.5])
        self.assertEqual(list(V.vector_to_c((0.1,), "v")), [ctypes.c_float(0.1).value])
        self.assertEqual(list(V.vector_to_c(memoryview(a), "v")), [0.5, -1.25, 3.0])
        for bad in ("abc", 5, ["x"], None):
            self.assertRaises(pinky.Invalid, V.vector_to_c, bad, "v")


class Uuids(unittest.TestCase):
    def test_inputs(self):
        u = uuid.uuid4()
        self.assertEqual(V.uuid_to_py(V.uuid_to_c(u)), u)
        self.assertEqual(V.uuid_to_py(V.uuid_to_c(str(u))), u)
        with self.assertRaises(pinky.Invalid) as cm:
            V.uuid_to_c("not-a-uuid", "document_id")
        self.assertEqual(cm.exception.field, "document_id")
        self.assertRaises(pinky.Invalid, V.uuid_to_c, 12, "id")


class Enums(unittest.TestCase):
    def test_values_and_text(self):
        self.assertEqual(pinky.Platform.DROPBOX, 4)
        self.assertEqual(str(pinky.Platform.DROPBOX), "DROPBOX")
        self.assertIs(pinky.DocumentCategory.coerce("tax"), pinky.DocumentCategory.TAX)
        self.assertIs(pinky.DocumentCategory.coerce(3), pinky.DocumentCategory.TAX)
        self.assertRaises(ValueError, pinky.DocumentCategory.coerce, "TAXES")
        self.assertRaises(ValueError, pinky.DocumentCategory.coerce, 0)
        self.assertRaises(ValueError, pinky.DocumentCategory.coerce, True)
        k = V.EnumKind(pinky.SyncStatus)
        self.assertEqual(k.to_c(None, "status"), 0)
        self.assertIsNone(k.to_py(0))
        self.assertEqual(k.to_py(99), 99)      # a value newer than the bindings
        with self.assertRaises(pinky.Invalid) as cm:
            k.to_c("DONE", "status")
        self.assertIn("PENDING", cm.exception.message)

    def test_enum_text_matches_the_library(self):
        from pinky import _api
        for name, cls in (("platform", pinky.Platform), ("sync_direction", pinky.SyncDirection),
                          ("sync_status", pinky.SyncStatus),
                          ("sync_item_status", pinky.SyncItemStatus),
                          ("conflict_resolution", pinky.ConflictResolution),
                          ("document_category", pinky.DocumentCategory),
                          ("execution_status", pinky.ExecutionStatus)):
            to_str, parse = _api.ENUM_TEXT[name]
            for m in cls:
                self.assertEqual(to_str(int(m)).decode(), str(m))
                out = ctypes.c_int()
                self.assertEqual(parse(str(m).encode(), ctypes.byref(out)), 0)
                self.assertEqual(out.value, int(m))
        for m in pinky.Status:
            self.assertEqual(_api.status_str(int(m)).decode(), m.name)


class Errors(unittest.TestCase):
    def test_one_class_per_status(self):
        from pinky.errors import error_class
        want = {1: pinky.NotFound, 2: pinky.Invalid, 3: pinky.Conflict, 4: pinky.Constraint,
                5: pinky.PinkyConnectionError, 6: pinky.Timeout, 7: pinky.Busy,
                8: pinky.NoMemory, 9: pinky.Serialization, 10: pinky.Migration,
                11: pinky.ServerError, 12: pinky.StateError, 13: pinky.InternalError}
        for status, cls in want.items():
            self.assertIs(error_class(status), cls)
            self.assertTrue(issubclass(cls, pinky.PinkyError))
            self.assertEqual(cls.status, status)
        self.assertIs(error_class(99), pinky.PinkyError)
        self.assertEqual(pinky.PinkyError("x", 99).status, 99)
        self.assertTrue(issubclass(pinky.Invalid, ValueError))
        self.assertTrue(issubclass(pinky.NotFound, LookupError))
        e = pinky.Conflict("dup", constraint="users_username_key", sqlstate="23505")
        self.assertEqual((e.status, e.constraint, e.sqlstate, e.field), (3, "users_username_key",
                                                                         "23505", ""))
        self.assertEqual(str(e), "CONFLICT: dup")


class Building(unittest.TestCase):
    def test_struct_size_and_fields(self):
        s, keep = S.DOCUMENT.build({"title": "T", "category": "TAX", "size": 5,
                                    "metadata": {"a": 1}}, S.DOCUMENT.writable)
        self.assertEqual(s.struct_size, ctypes.sizeof(S.DOCUMENT.struct))
        self.assertEqual((s.title, s.category, s.size.value, s.size.is_set, s.version.is_set),
                         (b"T", 3, 5, True, False))
        self.assertEqual(s.metadata, b'{"a": 1}')

    def test_unknown_and_read_only_fields(self):
        self.assertRaises(TypeError, S.DOCUMENT.build, {"titel": "T"}, S.DOCUMENT.writable)
        self.assertRaises(TypeError, S.DOCUMENT.build, {"id": uuid.uuid4()}, S.DOCUMENT.writable)
        self.assertRaises(TypeError, S.DOCUMENT.mask_of, ["created_at"])
        self.assertEqual(S.DOCUMENT.mask_of(["title", "metadata"]),
                         S.CONSTANTS["PINKY_DOCUMENT_TITLE"]
                         | S.CONSTANTS["PINKY_DOCUMENT_METADATA"])

    def test_field_errors_name_the_entity(self):
        with self.assertRaises(pinky.Invalid) as cm:
            S.DOCUMENT.build({"size": 2**63}, S.DOCUMENT.writable)
        self.assertEqual(cm.exception.field, "document.size")
        with self.assertRaises(pinky.Invalid) as cm:
            S.USER.build({"username": 5}, S.USER.writable)
        self.assertEqual(cm.exception.field, "user.username")
        self.assertTrue(str(cm.exception).startswith("INVALID: user.username"))

    def test_secrets_stay_out_of_repr(self):
        k = pinky.ApiKey(service="s", key_name="n", key_value="sk-secret")
        self.assertNotIn("sk-secret", repr(k))
        c = pinky.PlatformConnection(name="n", credentials={"token": "tok-secret"})
        self.assertNotIn("tok-secret", repr(c))


if __name__ == "__main__":
    unittest.main()
