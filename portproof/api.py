"""Python API: validate or score an original and a candidate port given as file paths or source texts."""
from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence, Union

from portproof.validator.cli import options_from
from portproof.validator.decide import Options, validate
from portproof.validator.verdict import Result

OPTION_NAMES = ("launch", "entry", "bound", "timeout", "fp", "include_dirs", "defines", "contract", "target",
                "nvcc", "confirm")


class SourceText(str):
    """A string that is source text, never a path (a completion that names a file must not read that file)."""


Source = Union[str, os.PathLike]


def reward(original: Source, candidate: Source, **options: Any) -> float:
    """The reward in [-1, 1] of `candidate` as a port of `original` (see docs/LLM.md)."""
    return validate_sources(original, candidate, **options).reward


def validate_sources(original: Source, candidate: Source, **options: Any) -> Result:
    """Validate `candidate` against `original`, each a file path or a source text (options as in `make_options`)."""
    with tempfile.TemporaryDirectory(prefix="portproof-") as tmp:
        orig_path = _materialize(original, Path(tmp) / "original.c")
        cand_path = _materialize(candidate, Path(tmp) / "candidate.cu")
        if is_text(original) or is_text(candidate):  # a text may include headers next to the other side's file
            near = [str(Path(p).resolve().parent) for p, s in ((orig_path, original), (cand_path, candidate))
                    if not is_text(s)]
            options = {**options, "include_dirs": [*options.get("include_dirs", ()), *near]}
        return validate(orig_path, cand_path, make_options(**options))


def is_text(source: Source) -> bool:
    """Whether `source` is source text (a SourceText, or a str with a newline or a brace) rather than a path."""
    return isinstance(source, SourceText) or (isinstance(source, str) and ("\n" in source or "{" in source))


def make_options(*, launch: Optional[str] = None, entry: Optional[str] = None, bound: Optional[int] = None,
                 timeout: Optional[float] = None, fp: Optional[str] = None, include_dirs: Sequence[str] = (),
                 defines: Union[Mapping[str, Optional[str]], Sequence[str]] = (), contract: Optional[str] = None,
                 target: str = "sm_90", nvcc: bool = False, confirm: bool = True) -> Options:
    """Validator options from keywords named like the `validate` flags (entry is "ORIG=PORT"; defines a
    mapping or "NAME[=VALUE]" strings)."""
    if isinstance(defines, Mapping):
        defines = [name if value is None else f"{name}={value}" for name, value in defines.items()]
    args = argparse.Namespace(contract=contract, entry=entry, launch=launch, bound=bound, timeout=timeout,
                              fp=fp, include_dirs=list(include_dirs), defines=list(defines), target=target,
                              nvcc=nvcc, no_confirm=not confirm)
    return options_from(args)


def _materialize(source: Source, path: Path) -> str:
    """The path of `source`: itself when it is a file, else `path` with the text written to it."""
    if is_text(source):
        path.write_text(str(source))
        return str(path)
    if not Path(source).is_file():
        raise FileNotFoundError(f"{str(source)!r} is neither an existing file nor source text "
                                f"(source text has a newline or a brace)")
    return str(source)
