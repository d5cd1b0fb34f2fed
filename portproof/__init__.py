"""portproof: translation validation for HPC code ports."""
from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_LAZY = {"reward": "portproof.api", "validate_sources": "portproof.api"}


def __getattr__(name: str) -> Any:
    """Import the API on first use, so that `import portproof` loads no solver or parser."""
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'portproof' has no attribute {name!r}")
