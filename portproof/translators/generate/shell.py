"""`shell:COMMAND`: a command that reads the prompt as JSON on stdin and writes one completion on stdout."""
from __future__ import annotations

import json
import shlex
import subprocess
from typing import Any, Optional

from portproof.translators.generate.base import GenerationError, Messages


class ShellGenerator:
    """Runs COMMAND (split with shlex, no shell) once per completion; stdin gets
    {"messages", "seed", "index", **sampling}, e.g. sampling = {"temperature": 0.7}."""

    def __init__(self, command: str, *, timeout: float = 600.0, **sampling: Any) -> None:
        self.argv = shlex.split(command)
        if not self.argv:
            raise GenerationError("shell: empty command")
        self.timeout = timeout
        self.sampling = sampling

    def generate(self, messages: Messages, *, n: int = 1, seed: Optional[int] = None) -> list[str]:
        """n completions, each from one run of the command (seed, seed + 1, ... when a seed is given)."""
        return [self._run(messages, k, None if seed is None else seed + k) for k in range(n)]

    def _run(self, messages: Messages, index: int, seed: Optional[int]) -> str:
        prompt = json.dumps({"messages": messages, "seed": seed, "index": index, **self.sampling})
        try:
            done = subprocess.run(self.argv, input=prompt, capture_output=True, text=True, timeout=self.timeout)
        except OSError as e:
            raise GenerationError(f"shell: cannot run {self.argv[0]}: {e}") from None
        except subprocess.TimeoutExpired:
            raise GenerationError(f"shell: {shlex.join(self.argv)} did not finish in {self.timeout:g} s") from None
        if done.returncode != 0:
            raise GenerationError(f"shell: {shlex.join(self.argv)} exited with status {done.returncode}: "
                                  f"{done.stderr.strip()[-2000:]}")
        return done.stdout
