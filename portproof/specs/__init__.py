"""Hardware targets (specs/hardware/*.toml): what a GPU offers, for the launch check and prompts."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from portproof.diagnostics import UsageError

HARDWARE_DIR = Path(__file__).parent / "hardware"


@dataclass(frozen=True)
class Target:
    name: str
    description: str
    warp_size: int
    max_threads_per_block: int
    max_block_dim: tuple[int, int, int]
    max_grid_dim: tuple[int, int, int]
    max_shared_memory_per_block: int


def targets() -> list[str]:
    return sorted(p.stem for p in HARDWARE_DIR.glob("*.toml"))


def load_target(name: str) -> Target:
    path = HARDWARE_DIR / f"{name}.toml"
    if not path.exists():
        raise UsageError(f"unknown target '{name}' (known: {', '.join(targets())})")
    d = tomllib.loads(path.read_text())
    return Target(d["name"], d["description"], d["warp_size"], d["max_threads_per_block"],
                  tuple(d["max_block_dim"]), tuple(d["max_grid_dim"]), d["max_shared_memory_per_block"])
