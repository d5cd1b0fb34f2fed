"""Pull the code out of an LLM completion: the last fenced block in an accepted language, else the whole text."""
from __future__ import annotations

import re
from typing import Iterable, Optional

# "" is a fence without an info string
CODE_LANGUAGES = ("cuda", "cu", "cpp", "c++", "cxx", "c", "")

_OPEN = re.compile(r"^( {0,3})(`{3,}|~{3,})[ \t]*([^\n]*?)[ \t]*$")


def extract_code(text: str, languages: Iterable[str] = CODE_LANGUAGES) -> str:
    """The body of the last fenced block whose language is in `languages` (CommonMark fences), else the text."""
    accepted = {lang.lower() for lang in languages}
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    found: Optional[list[str]] = None
    i = 0
    while i < len(lines):
        m = _OPEN.match(lines[i])
        if m is None or (m.group(2)[0] == "`" and "`" in m.group(3)):
            i += 1
            continue
        indent, fence, info = len(m.group(1)), m.group(2), m.group(3)
        body, i = _block(lines, i + 1, fence, indent)
        words = info.split()
        if (words[0].lower() if words else "") in accepted:
            found = body
    if found is None:
        return "\n".join(lines)
    return "".join(line + "\n" for line in found)


def _block(lines: list[str], start: int, fence: str, indent: int) -> tuple[list[str], int]:
    """The lines of a block opened by `fence` up to its closing fence (or the end), and the index after it."""
    close = re.compile(r"^ {0,3}" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}[ \t]*$")
    body = []
    for j in range(start, len(lines)):
        if close.match(lines[j]):
            return body, j + 1
        body.append(_dedent(lines[j], indent))
    return body, len(lines)


def _dedent(line: str, indent: int) -> str:
    """Remove up to `indent` leading spaces, as CommonMark does for an indented fence's content."""
    n = len(line) - len(line.lstrip(" "))
    return line[min(n, indent):]
