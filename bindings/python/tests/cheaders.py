"""A small reader of libpinky's public headers (include/pinky/*.h).

The headers follow a plain style (one declaration per statement, no nested
structs, no macros inside declarations), so a few regular expressions read
them: the structs and their members in order, the enums and their values,
the integer #defines, and the PINKY_API functions with their parameter
counts.  The layout test uses this to find what the Python mirror and
tests/layout.c must cover.

Run as a script with --layout-c to print a layout.c covering the headers as
they are now (for a maintainer updating tests/layout.c after the headers grew).
"""

import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
INCLUDE = os.path.join(REPO, "include", "pinky")


def _strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def _member_name(decl):
    decl = decl.strip()
    m = re.search(r"\(\s*\*\s*(\w+)\s*\)", decl)  # function pointer
    if m:
        return m.group(1)
    decl = re.sub(r"\[[^\]]*\]\s*$", "", decl)      # array suffix
    return re.findall(r"\w+", decl)[-1]


def _split_params(params):
    params = params.strip()
    if params in ("", "void"):
        return []
    out, depth, cur = [], 0, ""
    for ch in params:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    out.append(cur.strip())
    return out


class Headers:
    """What the public headers declare."""

    def __init__(self, include_dir=INCLUDE):
        self.files = sorted(f for f in os.listdir(include_dir) if f.endswith(".h"))
        self.structs = {}    # name -> [member, ...] in declaration order
        self.enums = {}      # name -> [(constant, value), ...]
        self.defines = {}    # integer constants: name -> C expression
        self.functions = {}  # name -> (return type text, [parameter text, ...])
        for f in self.files:
            with open(os.path.join(include_dir, f), encoding="utf-8") as fh:
                self._read(_strip_comments(fh.read()))

    def _read(self, text):
        code_lines = []
        for line in text.splitlines():
            s = line.strip()
            if s.startswith("#"):
                m = re.match(r"#\s*define\s+(PINKY_\w+)\s+(.+)$", s)
                if m and m.group(1) != "PINKY_API" and '"' not in m.group(2):
                    self.defines[m.group(1)] = m.group(2).strip()
                code_lines.append("")
            else:
                code_lines.append(line)
        code = "\n".join(code_lines)
        for m in re.finditer(r"typedef\s+struct\s+(\w+)\s*\{(.*?)\}\s*(\w+)\s*;", code, re.S):
            members = [_member_name(d) for d in m.group(2).split(";") if d.strip()]
            self.structs[m.group(3)] = members
        for m in re.finditer(r"typedef\s+enum\s+(\w+)\s*\{(.*?)\}\s*(\w+)\s*;", code, re.S):
            items = []
            for part in m.group(2).split(","):
                part = part.strip()
                if not part:
                    continue
                name, _, value = part.partition("=")
                items.append((name.strip(), int(value.strip(), 0)))
            self.enums[m.group(3)] = items
        for m in re.finditer(r"PINKY_API\s+([^;{}()]*?)\b(pinky_\w+)\s*\(", code):
            depth, i = 1, m.end()
            while depth:
                depth += {"(": 1, ")": -1}.get(code[i], 0)
                i += 1
            params = _split_params(code[m.end():i - 1])
            self.functions[m.group(2)] = (" ".join(m.group(1).split()), params)

    def enum_constants(self):
        return {c: v for items in self.enums.values() for c, v in items}


def layout_c(headers):
    """A layout.c printing every struct, field, enum and integer constant."""
    out = ["/*",
           " * The layout of libpinky's public API as the C compiler sees it, for the",
           " * Python binding's layout test (test_layout.py compiles and runs this with",
           " * cc -I include and compares every line with the ctypes mirror):",
           " *   struct NAME SIZEOF ALIGNOF",
           " *   field STRUCT MEMBER OFFSETOF SIZEOF",
           " *   enum NAME SIZEOF",
           " *   const NAME VALUE          (enum constants and integer #defines)",
           " * The test fails when a header has a struct, member or constant missing",
           " * here; `python3 bindings/python/tests/cheaders.py --layout-c` prints this",
           " * file for the headers as they are.",
           " */",
           "#include <stddef.h>", "#include <stdio.h>", "#include <pinky/pinky.h>", "",
           "#define S(T) printf(\"struct %s %zu %zu\\n\", #T, sizeof(T), _Alignof(T))",
           "#define F(T, f) printf(\"field %s %s %zu %zu\\n\", #T, #f, offsetof(T, f), \\",
           "                           sizeof(((T *)0)->f))",
           "#define E(T) printf(\"enum %s %zu\\n\", #T, sizeof(T))",
           "#define C(N) printf(\"const %s %lld\\n\", #N, (long long)(N))", "",
           "int main(void)", "{"]
    for name, members in headers.structs.items():
        out.append("    S(%s);" % name)
        for mem in members:
            out.append("    F(%s, %s);" % (name, mem))
    for name, items in headers.enums.items():
        out.append("    E(%s);" % name)
        for c, _ in items:
            out.append("    C(%s);" % c)
    for name in headers.defines:
        out.append("    C(%s);" % name)
    out += ["    return 0;", "}", ""]
    return "\n".join(out)


if __name__ == "__main__":
    h = Headers()
    if sys.argv[1:] == ["--layout-c"]:
        sys.stdout.write(layout_c(h))
    else:
        for n, m in h.structs.items():
            print("struct", n, m)
        for n, i in h.enums.items():
            print("enum", n, i)
        for n, v in h.defines.items():
            print("define", n, v)
        for n, (r, p) in h.functions.items():
            print("function", r, n, len(p))
