"""The generator protocol: chat messages in, n raw completion texts out."""
from __future__ import annotations

from typing import Optional, Protocol, runtime_checkable

from portproof.diagnostics import PortproofError

Messages = list[dict[str, str]]


@runtime_checkable
class Generator(Protocol):
    """A model: `generate(messages, n=, seed=)` returns n completion texts."""

    def generate(self, messages: Messages, *, n: int = 1, seed: Optional[int] = None) -> list[str]: ...


class GenerationError(PortproofError):
    """A model that cannot be reached, loaded or run, or a replay that is exhausted."""
    kind = "generation error"
