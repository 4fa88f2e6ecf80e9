"""Finding and loading libpinky, and declaring its functions.

The library is looked up, in order:
  1. the PINKY_LIBRARY environment variable (a path to the shared object);
  2. the build tree next to this package: <repo>/build/libpinky.so.0;
  3. the installed library: ctypes.util.find_library("pinky"), then the
     soname "libpinky.so.0" through the dynamic loader's search path.
"""

import ctypes
import ctypes.util
import os

SONAME = "libpinky.so.0"

_HERE = os.path.dirname(os.path.abspath(__file__))
BUILD_TREE_LIBRARY = os.path.normpath(os.path.join(_HERE, "..", "..", "..", "build", SONAME))


def _candidates():
    env = os.environ.get("PINKY_LIBRARY")
    if env:
        # An explicit choice: use it or fail, never fall back silently.
        return [env], True
    out = []
    if os.path.exists(BUILD_TREE_LIBRARY):
        out.append(BUILD_TREE_LIBRARY)
    found = ctypes.util.find_library("pinky")
    if found:
        out.append(found)
    out.append(SONAME)
    return out, False


def _load():
    names, explicit = _candidates()
    errors = []
    for name in names:
        try:
            return ctypes.CDLL(name), name
        except OSError as e:
            errors.append("%s: %s" % (name, e))
            if explicit:
                break
    raise ImportError("pinky: cannot load libpinky (set PINKY_LIBRARY to the path of "
                      "libpinky.so.0): " + "; ".join(errors))


lib, path = _load()

# Every function this package declared, name -> ctypes function (the layout
# test checks them against the headers).
FUNCTIONS = {}


def declare(name, restype, *argtypes):
    """Declares a libpinky function's prototype and returns it."""
    try:
        fn = getattr(lib, name)
    except AttributeError:
        # An older library than these bindings: the function fails when
        # called, everything else keeps working.
        def fn(*args, _name=name):
            raise NotImplementedError("%s: not in the loaded libpinky (%s)" % (_name, path))
        FUNCTIONS[name] = None
        return fn
    fn.restype = restype
    fn.argtypes = list(argtypes)
    FUNCTIONS[name] = fn
    return fn
