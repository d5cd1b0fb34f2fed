"""Copied into an emitted test suite as prepare.py (standard library only): set up a build directory."""
from __future__ import annotations

import argparse
import json
import re
import shutil
from pathlib import Path

SOURCES = ("original.c", "port.cu")
_SKIPPED = re.compile(r"//[^\n]*|/\*.*?\*/|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'", re.S)
_PAIRS = {"(": ")", "[": "]", "{": "}"}


def bake(text: str, macros: dict[str, int], filename: str) -> str:
    """Give each size macro its value where `filename` #defines it (line numbers kept)."""
    lines = text.split("\n")
    for name, value in macros.items():
        directive = re.compile(rf"^\s*#\s*define\s+{re.escape(name)}(?=\s|$)")
        hits = [i for i, line in enumerate(lines) if directive.match(line)]
        if not hits:
            raise ValueError(f"size macro {name} has no #define in {filename}")
        for i in hits:
            j = i
            while lines[j].rstrip().endswith("\\") and j + 1 < len(lines):
                j += 1
                lines[j] = ""
            lines[i] = f"#define {name} {int(value)}" if value >= 0 else f"#define {name} ({int(value)})"
    return "\n".join(lines)


def _blanked(text: str) -> str:
    """`text` with comments and string literals turned into spaces (same length, same line breaks)."""
    return _SKIPPED.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)


def _close(masked: str, start: int) -> int:
    """Index just past the bracket that closes the one at `start`."""
    depth = 0
    for i in range(start, len(masked)):
        if masked[i] in _PAIRS:
            depth += 1
        elif masked[i] in _PAIRS.values():
            depth -= 1
            if depth == 0:
                return i + 1
    raise ValueError(f"unbalanced bracket at offset {start}")


def _split(masked: str, text: str, start: int, end: int) -> list[str]:
    """`text[start:end]` split at the commas outside brackets."""
    parts, depth, last = [], 0, start
    for i in range(start, end):
        c = masked[i]
        depth += (c in _PAIRS) - (c in _PAIRS.values())
        if c == "," and depth == 0:
            parts.append(text[last:i].strip())
            last = i + 1
    return parts + [text[last:end].strip()]


def _kernel_start(masked: str, at: int) -> int:
    """Start of the kernel name (`k`, `ns::k`, `k<T>`) that ends before `<<<` at `at`."""
    i = at
    while i > 0 and masked[i - 1].isspace():
        i -= 1
    if masked[i - 1] == ">":
        depth = 0
        while i > 0:
            i -= 1
            depth += (masked[i] == ">") - (masked[i] == "<")
            if depth == 0:
                break
    while i > 0 and (masked[i - 1].isalnum() or masked[i - 1] in "_:"):
        i -= 1
    return i


def emulate(cuda: str) -> str:
    """The port with its `k<<<grid, block[, shared]>>>(args)` launches turned into calls of the
    emulation's launcher and `__shared__` declarations adapted, line numbers kept."""
    masked = _blanked(cuda)
    edits = []
    for m in re.finditer(r"<<<", masked):
        name_at = _kernel_start(masked, m.start())
        close = masked.index(">>>", m.end())
        config = _split(masked, cuda, m.end(), close)
        paren = close + 3
        while masked[paren].isspace():
            paren += 1
        if masked[paren] != "(":
            raise ValueError(f"kernel launch without arguments at offset {m.start()}")
        end = _close(masked, paren)
        kernel = cuda[name_at:m.start()].strip()
        args = cuda[paren + 1:end - 1].strip()
        call = (f'portproof_launch("{kernel}", dim3({config[0]}), dim3({config[1]}), '
                f"(size_t)({config[2] if len(config) > 2 else 0}), "
                f"[&](auto &&...portproof_a) {{ {kernel}(portproof_a...); }}" + (f", {args}" if args else "") + ")")
        old = cuda[name_at:end]
        pad = "\\\n" if "\\\n" in old else "\n"
        edits.append((name_at, end, call + pad * (old.count("\n") - call.count("\n"))))
    for m in re.finditer(r"\bextern\s+__shared__\s+([^;{}]*?)\b(\w+)\s*\[\s*\]\s*;", masked):
        name = m.group(2)
        edits.append((m.start(), m.end(), f"{m.group(1).strip()} *const {name} = "
                                          f"(decltype({name}))portproof_dynamic_shared;"))
    for m in re.finditer(r"\bstatic\s+__shared__\b|\b__shared__\s+static\b", masked):
        edits.append((m.start(), m.end(), "static"))  # the header defines __shared__ as static
    out, last = [], 0
    for start, end, text in sorted(edits):
        out += [cuda[last:start], text]
        last = end
    return "".join(out + [cuda[last:]])


def prepare(suite: Path, build: Path, macros: dict[str, int]) -> None:
    """Copy suite/src into `build` with the size macros set; write the emulated port as port_emulated.cpp."""
    build.mkdir(parents=True, exist_ok=True)
    for f in (suite / "src").iterdir():
        if f.is_file():
            shutil.copyfile(f, build / f.name)
    for name in SOURCES:
        text = bake((build / name).read_text(), macros, f"src/{name}")
        (build / name).write_text(text)
    (build / "port_emulated.cpp").write_text(emulate((build / "port.cu").read_text()))


def main() -> None:
    cli = argparse.ArgumentParser(description="Copy src/ into BUILD with CASE's size macros set, and write "
                                              "BUILD/port_emulated.cpp (the port for the CPU emulation).")
    cli.add_argument("build", type=Path)
    cli.add_argument("case", type=Path, nargs="?", help="a case directory (its inputs.json gives the macros)")
    args = cli.parse_args()
    macros = json.loads((args.case / "inputs.json").read_text())["macros"] if args.case else {}
    prepare(Path(__file__).resolve().parent, args.build, macros)


if __name__ == "__main__":
    main()
