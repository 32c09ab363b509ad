"""fontconfig's font matching in this process (what `fc-match` prints), without starting `fc-match` each time.

A build worker asked fontconfig for 24 patterns (4 styles of each language's families) by starting one
`fc-match` process per pattern; libfontconfig answers the same question in about a millisecond once its
configuration is loaded. Where the library cannot be loaded, the `fc-match` command is used as before.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess
import threading

_MATCH_PATTERN = 0   # FcMatchPattern
_RESULT_MATCH = 0    # FcResultMatch
_lock = threading.Lock()
_state: dict[str, object] = {}


def _library():
    """(libfontconfig, its loaded configuration), or None where it is not available."""
    if "lib" not in _state:
        _state["lib"] = None
        try:
            lib = ctypes.CDLL("libfontconfig.so.1")
            lib.FcInitLoadConfigAndFonts.restype = ctypes.c_void_p
            lib.FcNameParse.restype = ctypes.c_void_p
            lib.FcNameParse.argtypes = [ctypes.c_char_p]
            lib.FcConfigSubstitute.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
            lib.FcDefaultSubstitute.argtypes = [ctypes.c_void_p]
            lib.FcFontMatch.restype = ctypes.c_void_p
            lib.FcFontMatch.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_int)]
            lib.FcPatternGetString.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int,
                                               ctypes.POINTER(ctypes.c_char_p)]
            lib.FcPatternDestroy.argtypes = [ctypes.c_void_p]
            config = lib.FcInitLoadConfigAndFonts()
            if config:
                _state["lib"] = (lib, config)
        except (OSError, AttributeError):
            pass
    return _state["lib"]


def match(pattern: str) -> tuple[list[str], str]:
    """(the family names, the file) of the font fontconfig picks for a pattern, as `fc-match -f
    '%{family}\\n%{file}' PATTERN` prints them; ([], "") when nothing matches."""
    loaded = _library()
    if loaded is None:
        return _command(pattern)
    lib, config = loaded
    with _lock:
        pat = lib.FcNameParse(pattern.encode("utf-8"))
        if not pat:
            return [], ""
        try:
            lib.FcConfigSubstitute(config, pat, _MATCH_PATTERN)
            lib.FcDefaultSubstitute(pat)
            result = ctypes.c_int(0)
            font = lib.FcFontMatch(config, pat, ctypes.byref(result))
        finally:
            lib.FcPatternDestroy(pat)
        if not font:
            return [], ""
        try:
            return _strings(lib, font, b"family"), next(iter(_strings(lib, font, b"file")), "")
        finally:
            lib.FcPatternDestroy(font)


def _strings(lib, font, name: bytes) -> list[str]:
    values, value, n = [], ctypes.c_char_p(), 0
    while lib.FcPatternGetString(font, name, n, ctypes.byref(value)) == _RESULT_MATCH:
        values.append(value.value.decode("utf-8", "replace"))
        n += 1
    return values


def _command(pattern: str) -> tuple[list[str], str]:
    tool = shutil.which("fc-match")
    if tool is None:
        return [], ""
    out = subprocess.run([tool, "-f", "%{family}\n%{file}", pattern], capture_output=True, text=True,
                         check=False).stdout
    names, _, file = out.partition("\n")
    return [name.strip() for name in names.split(",") if name.strip()], file
