"""A dependency-free progress line: redrawn with \\r on a terminal, one line per 5% step otherwise."""
from __future__ import annotations

import sys
import time
from typing import Optional, TextIO

WIDTH = 24
STEP_PERCENT = 5


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class Progress:
    """Counts finished items out of `total` and shows done/total, percent, rate and ETA."""

    def __init__(self, total: int, stream: Optional[TextIO] = None, label: str = "validate",
                 clock=time.monotonic) -> None:
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.label = label
        self.clock = clock
        self.start = clock()
        self.done = 0
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_step = -1

    def line(self) -> str:
        """The current state as one line of text."""
        elapsed = max(self.clock() - self.start, 1e-9)
        rate = self.done / elapsed
        percent = 100 * self.done // self.total if self.total else 100
        eta = _duration((self.total - self.done) / rate) if rate > 0 else "?"
        text = f"{self.label} {self.done}/{self.total} {percent:3d}%  {rate:.2f}/s  ETA {eta}"
        if self.tty:
            filled = WIDTH * self.done // self.total if self.total else WIDTH
            text = f"[{'#' * filled}{'.' * (WIDTH - filled)}] {text}"
        return text

    def advance(self, n: int = 1) -> None:
        """Record `n` more finished items and redraw (terminal) or print a line at each 5% step."""
        self.done += n
        if self.tty:
            self.stream.write("\r" + self.line() + "\x1b[K")
        else:
            step = (100 * self.done // self.total if self.total else 100) // STEP_PERCENT
            if step <= self._last_step:
                return
            self._last_step = step
            self.stream.write(self.line() + "\n")
        self.stream.flush()

    def close(self) -> None:
        """End the terminal line."""
        if self.tty and self.total:
            self.stream.write("\n")
            self.stream.flush()
