"""`replay:DIR`: pre-written completions, the files of DIR in name order, n per call."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from portproof.translators.generate.base import GenerationError, Messages


class ReplayGenerator:
    """Returns the files of a directory in name order (hidden files skipped), then says it is exhausted."""

    def __init__(self, directory: str, **sampling: Any) -> None:
        del sampling  # temperature and the like mean nothing to a replay
        self.directory = Path(directory)
        if not self.directory.is_dir():
            raise GenerationError(f"replay: {directory} is not a directory")
        self.files = sorted((p for p in self.directory.iterdir() if p.is_file() and not p.name.startswith(".")),
                            key=lambda p: p.name)
        if not self.files:
            raise GenerationError(f"replay: {directory} holds no files")
        self.next = 0

    def generate(self, messages: Messages, *, n: int = 1, seed: Optional[int] = None) -> list[str]:
        """The next n files' texts (messages and seed are ignored)."""
        left = len(self.files) - self.next
        if n > left:
            raise GenerationError(f"replay {self.directory} is exhausted: {n} completions asked for, "
                                  f"{left} of {len(self.files)} left")
        batch = self.files[self.next:self.next + n]
        self.next += n
        return [p.read_text(errors="replace") for p in batch]
