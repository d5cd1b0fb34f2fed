"""The contract of a pair: entries, name mapping, launch, extents, float mode, bound (TOML or flags)."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Optional

from portproof.diagnostics import ContractError
from portproof.ir.nodes import SourceLoc

DEFAULT_BOUND = 4
DEFAULT_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Contract:
    original_entry: Optional[str] = None
    port_entry: Optional[str] = None
    arrays: tuple[tuple[str, str], ...] = ()     # original array name -> port parameter name
    launch: Optional[str] = None                 # "<<<grid, block[, shmem]>>>" over the original's names
    extents: tuple[tuple[str, str], ...] = ()    # array -> C expression of its extents, "n, m"
    fixed_macros: tuple[str, ...] = ()           # size macros kept at their values, not generalised
    fp: str = "real"
    bound: int = DEFAULT_BOUND
    timeout_s: float = DEFAULT_TIMEOUT_S
    source: Optional[str] = None
    notes: tuple[str, ...] = field(default=(), compare=False)


_KEYS = {"entry", "arrays", "launch", "extents", "fixed_macros", "fp", "bound", "timeout"}


def load_contract(path: str | Path) -> Contract:
    """Read a TOML contract:

        [entry]   original = "gemm"   port = "gemm_gpu"
        [arrays]  C = "d_C"                      # original name = port parameter
        launch = "<<<dim3((n+15)/16, (n+15)/16), dim3(16, 16)>>>"
        [extents] x = "n"                        # pointer parameters of the original
        fixed_macros = ["N"]
        fp = "real"     bound = 4     timeout = 30
    """
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text())
    except (OSError, UnicodeDecodeError) as e:
        raise ContractError(f"cannot read contract {p}: {e}")
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(e))
        where = SourceLoc(str(p), int(m.group(1)), int(m.group(2))) if m else SourceLoc(str(p), 1)
        raise ContractError(str(e).split(" (at line")[0], where)
    unknown = set(data) - _KEYS
    if unknown:
        raise ContractError(f"{p}: unknown keys {sorted(unknown)} (known: {sorted(_KEYS)})")
    entry = data.get("entry", {})
    try:
        c = Contract(
            original_entry=entry.get("original"), port_entry=entry.get("port"),
            arrays=tuple(sorted((str(k), str(v)) for k, v in data.get("arrays", {}).items())),
            launch=data.get("launch"),
            extents=tuple(sorted((str(k), str(v)) for k, v in data.get("extents", {}).items())),
            fixed_macros=tuple(data.get("fixed_macros", ())),
            fp=str(data.get("fp", "real")), bound=int(data.get("bound", DEFAULT_BOUND)),
            timeout_s=float(data.get("timeout", DEFAULT_TIMEOUT_S)), source=str(p))
    except (TypeError, ValueError, AttributeError) as e:
        raise ContractError(f"{p}: {e}")
    return check(c)


def check(c: Contract) -> Contract:
    where = f"{c.source}: " if c.source else ""
    if c.fp not in ("real", "ieee"):
        raise ContractError(f"{where}fp must be 'real' or 'ieee', not '{c.fp}'")
    if c.bound < 1:
        raise ContractError(f"{where}the bound (--bound) must be at least 1, not {c.bound}")
    if c.timeout_s <= 0:
        raise ContractError(f"{where}the timeout (--timeout) must be positive, not {c.timeout_s:g}")
    return c


def merge(base: Contract, **flags) -> Contract:
    """Command-line flags override the contract file; None means not given."""
    return check(replace(base, **{k: v for k, v in flags.items() if v is not None}))
