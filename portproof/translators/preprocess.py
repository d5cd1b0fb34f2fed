"""Run the real C/C++ preprocessor on a user's file with system headers removed, mapping output lines back to the source."""
from __future__ import annotations

import os
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence, Union

from portproof.diagnostics import InputFileError, ParseError, PortproofError
from portproof.ir.nodes import SourceLoc
from portproof.translators.c_constants import eval_int_expr, expand_object_macros, tokenize

MacroValue = Union[str, int, None]  # None: defined with an empty value

_HERE = os.path.dirname(os.path.abspath(__file__))
PRELUDE_NAME = "<portproof prelude>"
_PRELUDES = {"c": os.path.join(_HERE, "prelude.h"), "c++": os.path.join(_HERE, "prelude_macros.h")}
_PRELUDE_FILES = {os.path.join(_HERE, "prelude.h"), os.path.join(_HERE, "prelude_macros.h")}
_LANGUAGES = {"c": ("gcc", "c"), "c++": ("g++", "c++"), "cuda": ("g++", "c++")}
TIMEOUT_S = 30

_INCLUDE = re.compile(r'\s*#\s*include\s*([<"])([^>"]+)[>"]')
_DEFINE = re.compile(r"\s*#\s*(define|undef)\s+([A-Za-z_]\w*)(\(?)")
_MARKER = re.compile(r'# (\d+) "((?:[^"\\]|\\.)*)"(.*)\Z')
_GCC_ERROR = re.compile(r"(.*?):(\d+):(?:(\d+):)? (?:fatal )?error: (.*)")
_DUMPED_DEFINE = re.compile(r"#(define|undef) ([A-Za-z_]\w*)(\(?)(?: (.*))?\Z")


@dataclass(frozen=True)
class Preprocessed:
    """Preprocessor output with gcc linemarkers (rewritten to the user's paths) and the map back to the sources."""
    text: str
    line_map: dict[int, tuple[str, int]] = field(compare=False)  # 1-based output line -> (file, line)

    @property
    def text_without_markers(self) -> str:
        """The text with linemarker lines blanked; line numbers unchanged (for parsers that reject markers)."""
        return "\n".join("" if _MARKER.match(line) else line for line in self.text.split("\n"))

    def loc(self, line: int, col: int = 0) -> Optional[SourceLoc]:
        """The source location of 1-based output line `line`, or None for a marker line."""
        where = self.line_map.get(line)
        return SourceLoc(where[0], where[1], col) if where else None


def preprocess(path: str, *, include_dirs: Sequence[str] = (), defines: Mapping[str, MacroValue] = {},
               symbolic_macros: frozenset[str] = frozenset(), language: str = "c") -> Preprocessed:
    """Preprocess `path`; names in `symbolic_macros` keep their identifier (their `#define`s in user files are dropped)."""
    with tempfile.TemporaryDirectory(prefix="portproof-pp-") as tmp:
        stage = _Stage(tmp, include_dirs, symbolic_macros)
        main = stage.add(path, main=True)
        args = [f"-D{name}={name}" for name in sorted(symbolic_macros)]
        out = _run_gcc(stage, main, language, defines, args)
    return _map_lines(out, stage.display)


def integer_macros(path: str, *, include_dirs: Sequence[str] = (), defines: Mapping[str, MacroValue] = {},
                   language: str = "c") -> dict[str, int]:
    """Object-like macros set in the user's files or by `defines` whose value is an integer constant expression."""
    with tempfile.TemporaryDirectory(prefix="portproof-pp-") as tmp:
        stage = _Stage(tmp, include_dirs, frozenset())
        main = stage.add(path, main=True)
        out = _run_gcc(stage, main, language, defines, ["-dD"])
    user_files = set(stage.display.values()) | {"<command-line>"}
    all_values: dict[str, str] = {}
    user_names: dict[str, None] = {}  # insertion-ordered set
    current = ""
    for line in out.split("\n"):
        marker = _MARKER.match(line)
        if marker:
            current = stage.display.get(_unescape(marker.group(2)), _unescape(marker.group(2)))
            continue
        m = _DUMPED_DEFINE.match(line)
        if not m:
            continue
        kind, name, function_like, value = m.groups()
        all_values.pop(name, None)
        user_names.pop(name, None)
        if kind == "define" and not function_like:
            all_values[name] = value or ""
            if current in user_files:
                user_names[name] = None
    result = {}
    for name in user_names:
        tokens = expand_object_macros(tokenize(all_values[name]) or [], all_values, frozenset({name}))
        value = eval_int_expr(tokens) if tokens else None
        if value is not None:
            result[name] = value
    return result


class _Stage:
    """Copies of the user's files in a temp dir: system includes removed, local includes pointing at the copies."""

    def __init__(self, tmp: str, include_dirs: Sequence[str], symbolic: frozenset[str]):
        self.tmp = tmp
        self.include_dirs = tuple(include_dirs)
        self.symbolic = symbolic
        self.staged: dict[str, str] = {}   # real path of a user file -> its copy
        self.display: dict[str, str] = {}  # copy -> the user's path, as given or as resolved

    def add(self, path: str, *, main: bool = False, loc: Optional[SourceLoc] = None) -> str:
        real = os.path.realpath(path)
        if real in self.staged:
            return self.staged[real]
        copy = os.path.join(self.tmp, f"u{len(self.staged)}")
        self.staged[real] = copy
        self.display[copy] = path
        text = read_source(path, loc)
        if main and not text.strip():
            raise InputFileError("empty file", SourceLoc(path, 1))
        lines = text.split("\n")
        continued = dropping = False
        for i, line in enumerate(lines):
            if not continued:
                new = self._rewrite(line, path, i + 1)
                dropping = new is None
            if dropping:
                lines[i] = ""
            elif not continued:
                lines[i] = new
            continued = line.rstrip("\r").endswith("\\")
        with open(copy, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
        return copy

    def _rewrite(self, line: str, path: str, lineno: int) -> Optional[str]:
        """The line to stage in place of `line`; None drops the directive (with its continuation lines)."""
        m = _INCLUDE.match(line)
        if m:
            bracket, name = m.groups()
            here = [os.path.dirname(path)] if bracket == '"' else []
            found = next((os.path.join(d, name) for d in (*here, *self.include_dirs)
                          if os.path.isfile(os.path.join(d, name))), None)
            if found is not None:
                return f'#include "{self.add(found, loc=SourceLoc(path, lineno))}"'
            # an unresolved "..." include is left for gcc to report; <...> is a system header
            return line if bracket == '"' else None
        m = _DEFINE.match(line)
        if m and m.group(2) in self.symbolic and not m.group(3):
            return None
        return line


def read_source(path: str, loc: Optional[SourceLoc] = None) -> str:
    """The text of a user's source file; InputFileError if it cannot be read or is not text."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise InputFileError(f"cannot read {path}: {e.strerror or e}", loc) from None
    bad = data.find(b"\0")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        text, bad = "", e.start if bad < 0 else min(bad, e.start)
    if bad >= 0:
        line = data[:bad].count(b"\n") + 1
        raise InputFileError(f"{path} is not a text file (binary data)", loc or SourceLoc(path, line))
    return text


def _run_gcc(stage: _Stage, main: str, language: str, defines: Mapping[str, MacroValue],
             extra: list[str]) -> str:
    if language not in _LANGUAGES:
        raise PortproofError(f"unknown source language {language!r} (c, c++ or cuda)")
    compiler, lang = _LANGUAGES[language]
    prelude = _PRELUDES["c" if lang == "c" else "c++"]
    cmd = [compiler, "-E", "-nostdinc", "-x", lang, "-include", prelude]
    cmd += [f"-D{k}=" if v is None else f"-D{k}={v}" for k, v in defines.items()]
    cmd += extra + [main]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise ParseError(f"the preprocessor took longer than {TIMEOUT_S} s",
                         SourceLoc(stage.display[main], 1)) from None
    except OSError as e:
        raise PortproofError(f"cannot run {compiler}: {e.strerror or e}") from None
    if proc.returncode != 0:
        raise _preprocessor_error(proc.stderr, stage.display)
    return proc.stdout


def _preprocessor_error(stderr: str, display: dict[str, str]) -> PortproofError:
    for line in stderr.splitlines():
        m = _GCC_ERROR.match(line)
        if m:
            file = display.get(m.group(1), m.group(1))
            loc = SourceLoc(file, int(m.group(2)), int(m.group(3) or 0))
            snippet = source_line(file, loc.line)
            message = m.group(4)
            if "No such file or directory" in message:
                return InputFileError(f"include file not found: {message.split(':')[0]}", loc, snippet)
            return ParseError(f"preprocessor: {message}", loc, snippet)
    first = stderr.strip().splitlines()[0] if stderr.strip() else "preprocessor failed"
    return ParseError(first)


def _map_lines(out: str, display: dict[str, str]) -> Preprocessed:
    lines = out.split("\n")
    line_map: dict[int, tuple[str, int]] = {}
    file, lineno = "", 1
    for i, line in enumerate(lines):
        m = _MARKER.match(line)
        if m:
            name = _unescape(m.group(2))
            file = PRELUDE_NAME if name in _PRELUDE_FILES else display.get(name, name)
            lineno = int(m.group(1))
            lines[i] = f'# {lineno} "{_escape(file)}"{m.group(3)}'
            continue
        line_map[i + 1] = (file, lineno)
        lineno += 1
    return Preprocessed("\n".join(lines), line_map)


def source_line(path: str, line: int) -> str:
    """Line `line` (1-based) of a source file, or "" when it cannot be read."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for i, text in enumerate(f, 1):
                if i == line:
                    return text.rstrip("\n")
    except OSError:
        pass
    return ""


def _unescape(name: str) -> str:
    return re.sub(r"\\(.)", r"\1", name)


def _escape(name: str) -> str:
    return name.replace("\\", "\\\\").replace('"', '\\"')
