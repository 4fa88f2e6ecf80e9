"""The mirror against the compiler and the headers.

tests/layout.c, compiled here with cc -I include, prints sizeof / _Alignof
and offsetof / sizeof of every struct and member, the size of every enum,
and the value of every enum constant and integer #define.  The headers are
read too (cheaders.py).  Then:

  * every struct of the headers is in layout.c and in the Python mirror,
    and neither knows one the headers do not (no drift either way);
  * every struct has the same members in the same order in all three, with
    the same offsets and sizes, and the same total size and alignment;
  * every enum is int-sized, every constant has the same value;
  * every function of the headers has a ctypes prototype (or is listed as
    deliberately unbound), with the header's parameter and return types;
  * every *_init function sets struct_size to the mirror's sizeof.

No database is needed.  CC overrides the compiler (default cc).
"""

import ctypes
import os
import re
import shlex
import subprocess
import tempfile
import unittest

import support  # noqa: F401  (puts the package on sys.path)
import cheaders
from pinky import _api, _lib, _structs
from pinky.values import STRUCTS

INCLUDE_ROOT = os.path.join(cheaders.REPO, "include")
LAYOUT_C = os.path.join(support.HERE, "layout.c")


def run_layout():
    """Compiles and runs layout.c; returns its parsed output."""
    cc = shlex.split(os.environ.get("CC", "cc"))
    with tempfile.TemporaryDirectory() as tmp:
        exe = os.path.join(tmp, "layout")
        subprocess.run(cc + ["-std=c11", "-Wall", "-Wextra", "-Werror", "-I", INCLUDE_ROOT,
                             LAYOUT_C, "-o", exe], check=True)
        text = subprocess.run([exe], check=True, capture_output=True, text=True).stdout
    structs, fields, enums, consts = {}, {}, {}, {}
    for line in text.splitlines():
        p = line.split()
        if p[0] == "struct":
            structs[p[1]] = (int(p[2]), int(p[3]))
            fields[p[1]] = []
        elif p[0] == "field":
            fields[p[1]].append((p[2], int(p[3]), int(p[4])))
        elif p[0] == "enum":
            enums[p[1]] = int(p[2])
        elif p[0] == "const":
            consts[p[1]] = int(p[2])
    return structs, fields, enums, consts


class Layout(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.h = cheaders.Headers()
        cls.c_structs, cls.c_fields, cls.c_enums, cls.c_consts = run_layout()

    def test_every_struct_is_mirrored_and_known_to_layout_c(self):
        headers, c_prog, py = set(self.h.structs), set(self.c_structs), set(STRUCTS)
        self.assertEqual(headers - c_prog, set(), "structs of the headers missing from layout.c")
        self.assertEqual(c_prog - headers, set(), "structs of layout.c not in the headers")
        self.assertEqual(headers - py, set(), "structs of the headers missing from the mirror")
        self.assertEqual(py - headers, set(), "structs of the mirror not in the headers")
        self.assertGreaterEqual(len(headers), 60)

    def test_sizes_alignments_offsets(self):
        checked = 0
        for name, cls in sorted(STRUCTS.items()):
            with self.subTest(struct=name):
                size, align = self.c_structs[name]
                self.assertEqual(ctypes.sizeof(cls), size, "sizeof(%s)" % name)
                self.assertEqual(ctypes.alignment(cls), align, "_Alignof(%s)" % name)
                py_fields = [f[0] for f in cls._fields_]
                self.assertEqual(py_fields, self.h.structs[name], "members of %s vs header" % name)
                self.assertEqual([f[0] for f in self.c_fields[name]], self.h.structs[name],
                                 "members of %s in layout.c vs header" % name)
                for fname, offset, fsize in self.c_fields[name]:
                    d = getattr(cls, fname)
                    self.assertEqual((d.offset, d.size), (offset, fsize), "%s.%s" % (name, fname))
                    checked += 1
        self.assertGreater(checked, 400)

    def test_enums_and_constants(self):
        for name, size in self.c_enums.items():
            self.assertEqual(size, ctypes.sizeof(ctypes.c_int), "sizeof(%s)" % name)
        from pinky.enums import C_ENUMS
        self.assertEqual(set(C_ENUMS), set(self.h.enums), "enums mirrored vs headers")
        for cname, (cls, prefix) in C_ENUMS.items():
            self.assertEqual(sorted(prefix + m.name for m in cls),
                             sorted(c for c, _ in self.h.enums[cname]), cname)
        headers = set(self.h.defines) | set(self.h.enum_constants())
        self.assertEqual(headers - set(self.c_consts), set(), "constants missing from layout.c")
        self.assertEqual(set(self.c_consts) - headers, set(), "layout.c constants not in headers")
        py = _structs.CONSTANTS
        self.assertEqual(headers - set(py), set(), "constants missing from the mirror")
        self.assertEqual(set(py) - headers, set(), "mirror constants not in the headers")
        for name, value in self.c_consts.items():
            self.assertEqual(py[name], value, name)

    # ---- functions -----------------------------------------------------------
    def _ctype(self, text, is_param):
        """The ctypes type of a C type (with a parameter name when is_param)."""
        fp = {"pinky_tx_fn": _structs.TxFn, "pinky_log_fn": _structs.LogFn,
              "pinky_connect_hook": _structs.ConnectHook, "pinky_sync_item_fn": _structs.SyncItemFn}
        toks = [t for t in re.findall(r"\w+|\*|\[\w*\]", text) if t != "const"]
        stars = toks.count("*")
        if toks and toks[-1].startswith("["):
            stars += 1
            toks = toks[:-1]
        words = [t for t in toks if t not in ("*",) and not t.startswith("[")]
        if is_param and len(words) >= 2:
            words = words[:-1]
        base = words[0]
        scalars = {"int32_t": ctypes.c_int32, "uint32_t": ctypes.c_uint32,
                   "int64_t": ctypes.c_int64, "uint64_t": ctypes.c_uint64,
                   "pinky_time": ctypes.c_int64, "size_t": ctypes.c_size_t, "int": ctypes.c_int,
                   "bool": ctypes.c_bool, "float": ctypes.c_float, "double": ctypes.c_double,
                   "unsigned": ctypes.c_uint}
        if base == "void":
            t, stars = (None, 0) if stars == 0 else (ctypes.c_void_p, stars - 1)
        elif base == "char":
            t, stars = ctypes.c_char_p, stars - 1
        elif base == "pinky_db":
            t, stars = ctypes.c_void_p, stars - 1
        elif base in scalars:
            t = scalars[base]
        elif base in self.h.enums:
            t = ctypes.c_int
        elif base in fp:
            t = fp[base]
        elif base in STRUCTS:
            t = STRUCTS[base]
        else:
            self.fail("unknown C type %r" % text)
        for _ in range(stars):
            t = ctypes.POINTER(t)
        return t

    def _same(self, got, want):
        if got is want:
            return True
        if want is None or got is None:
            return False
        # an out-string (char **) may be taken as void ** to free it afterwards
        if want is ctypes.POINTER(ctypes.c_char_p) and got is ctypes.POINTER(ctypes.c_void_p):
            return True
        return ctypes.sizeof(got) == ctypes.sizeof(want) and \
            getattr(got, "_type_", None) == getattr(want, "_type_", None) and \
            not hasattr(want, "_fields_") and not hasattr(want, "contents") and \
            not issubclass(want, ctypes._CFuncPtr)

    def test_every_function_is_declared_with_the_header_types(self):
        missing = set(self.h.functions) - set(_lib.FUNCTIONS) - set(_api.UNBOUND)
        self.assertEqual(missing, set(), "functions of the headers without a prototype")
        self.assertEqual(set(_lib.FUNCTIONS) - set(self.h.functions), set(),
                         "prototypes of functions the headers do not have")
        absent = sorted(n for n, f in _lib.FUNCTIONS.items() if f is None)
        self.assertEqual(absent, [], "declared functions missing from the loaded library")
        for name, fn in sorted(_lib.FUNCTIONS.items()):
            with self.subTest(function=name):
                ret, params = self.h.functions[name]
                self.assertEqual(len(fn.argtypes), len(params), "parameter count")
                self.assertTrue(self._same(fn.restype, self._ctype(ret, False)),
                                "return type %s vs %r" % (ret, fn.restype))
                for i, (p, got) in enumerate(zip(params, fn.argtypes)):
                    want = self._ctype(p, True)
                    self.assertTrue(self._same(got, want),
                                    "parameter %d (%s): %r vs %r" % (i, p, got, want))

    def test_init_functions_set_the_mirrors_size(self):
        inits = [n for n in self.h.functions if n.endswith("_init")]
        self.assertGreater(len(inits), 30)
        for name in inits:
            fn = _lib.FUNCTIONS.get(name)
            if fn is None:
                continue    # reported by the test of the functions
            cls = fn.argtypes[0]._type_
            with self.subTest(init=name):
                buf = ctypes.create_string_buffer(ctypes.sizeof(cls) + 1024)
                fn(ctypes.cast(buf, fn.argtypes[0]))
                self.assertEqual(cls.from_buffer(buf).struct_size, ctypes.sizeof(cls))
                self.assertEqual(buf.raw[ctypes.sizeof(cls):], b"\0" * 1024,
                                 "%s wrote past the mirror's size" % name)


if __name__ == "__main__":
    unittest.main()
