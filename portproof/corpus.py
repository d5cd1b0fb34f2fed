"""Corpus cases: a pair directory's port and mutants, each describing itself in header comments."""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

_HEADER = re.compile(r"^\s*//\s*([A-Z-]+):\s*(.*?)\s*$")


@dataclass(frozen=True)
class Case:
    pair: str
    name: str                 # "ported" or the mutant's file stem
    original: Path
    port: Path
    expect: str
    scope: Optional[str]
    bug_class: Optional[str]
    args: tuple[str, ...]

    @property
    def id(self) -> str:
        return f"{self.pair}/{self.name}"


def headers(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in path.read_text(errors="replace").splitlines()[:20]:
        m = _HEADER.match(line)
        if m:
            out.setdefault(m.group(1), m.group(2))
    return out


def cases(root: Path) -> Iterator[Case]:
    for pair in sorted(p for p in root.iterdir() if (p / "original.c").exists()):
        ports = [p for pattern in ("ported*.cu", "ported*.c", "mutants/*.cu", "mutants/*.c")
                 for p in sorted(pair.glob(pattern))]
        for port in ports:
            h = headers(port)
            if "EXPECT" not in h:
                continue
            yield Case(pair.name, port.stem, pair / "original.c", port, h["EXPECT"], h.get("SCOPE"),
                       h.get("BUG-CLASS"), tuple(shlex.split(h.get("ARGS", ""))))
