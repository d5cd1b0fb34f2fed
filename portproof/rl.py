"""A reward function of the shape RL trainers call (TRL's GRPOTrainer): completions in, one reward each out."""
from __future__ import annotations

import atexit
import json
import logging
import os
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence

from portproof.api import OPTION_NAMES, Source, is_text, make_options
from portproof.translators.extract import CODE_LANGUAGES, extract_code
from portproof.validator.contract import DEFAULT_TIMEOUT_S
from portproof.validator.reward import REWARDS
from portproof.workers import Pool

WORST = min(REWARDS.values())
# dataset columns that override an option per completion ("target" is left out: datasets use it for the language)
COLUMNS = ("launch", "entry", "contract", "bound", "timeout", "fp", "include_dirs", "defines")
log = logging.getLogger("portproof.rl")


def reward_function(original: Source, *, workers: Optional[int] = None, grace: float = 3.0,
                    languages: Iterable[str] = CODE_LANGUAGES, **options: Any) -> RewardFunction:
    """`f(prompts, completions, **kwargs) -> list[float]` scoring each completion's code as a port of
    `original` (a path or a source text); options as for `portproof.reward`."""
    return RewardFunction(original, workers=workers, grace=grace, languages=languages, **options)


class RewardFunction:
    """Scores completions in isolated worker processes; a failure or a hang costs one item the worst reward."""

    __name__ = "portproof_reward"  # trainers name their logged metrics after the function

    def __init__(self, original: Source, *, workers: Optional[int], grace: float, languages: Iterable[str],
                 **options: Any) -> None:
        unknown = set(options) - set(OPTION_NAMES)
        if unknown:
            raise TypeError(f"unknown options {sorted(unknown)} (known: {', '.join(OPTION_NAMES)})")
        make_options(**options)  # bad values fail here, not once per completion
        self.original = _resolve(original)
        self.options = options
        self.grace = grace
        self.languages = tuple(languages)
        self.pool = Pool(workers or max(1, (os.cpu_count() or 2) // 2))
        atexit.register(self.pool.close)

    def __call__(self, prompts: Optional[Sequence[Any]] = None, completions: Sequence[Any] = (),
                 **kwargs: Any) -> list[float]:
        """One reward per completion; per-completion columns `original`, `launch`, ... in kwargs override."""
        rewards = [WORST] * len(completions)
        jobs: dict[str, tuple[dict[str, Any], float]] = {}
        items: dict[str, list[int]] = {}
        for i, completion in enumerate(completions):
            request = self._request(i, completion, kwargs)
            if request is None:
                continue
            key = json.dumps(request, sort_keys=True)
            timeout = float(request["options"].get("timeout") or DEFAULT_TIMEOUT_S) + self.grace
            jobs[key] = (request, timeout)
            items.setdefault(key, []).append(i)
        outcomes = self.pool.run(list(jobs.values()))
        for key, outcome in zip(jobs, outcomes):
            if outcome.status != "done":
                log.warning("portproof reward: completion %s gets %s: %s: %s", items[key], WORST, outcome.status,
                            outcome.error)
                continue
            for i in items[key]:
                rewards[i] = float(outcome.result["reward"])
        return rewards

    def _request(self, i: int, completion: Any, columns: dict[str, Any]) -> Optional[dict[str, Any]]:
        """The worker's request for completion `i`, or None when it has no code."""
        try:
            code = extract_code(completion_text(completion), self.languages)
        except (TypeError, AttributeError, KeyError) as e:
            log.warning("portproof reward: completion %d is not text or chat messages: %s", i, e)
            return None
        if not code.strip():
            return None
        options = dict(self.options)
        for name in COLUMNS:
            value = _column(columns, name, i)
            if value is not None:
                options[name] = value
        original = _column(columns, "original", i)
        return {"original": self.original if original is None else str(original), "candidate": code,
                "options": options}

    def close(self) -> None:
        """End the worker processes (they are also ended when the interpreter exits)."""
        self.pool.close()


def completion_text(completion: Any) -> str:
    """The text of a completion: a string, a message dict, or a list of chat messages (the last
    assistant message; content may be a list of text parts)."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, dict):
        content = completion["content"]
    else:
        messages = list(completion)
        replies = [m for m in messages if m.get("role") == "assistant"] or messages
        content = replies[-1]["content"] if replies else ""
    if isinstance(content, str):
        return content
    return "".join(part["text"] for part in content if part.get("type") == "text")


def _column(columns: dict[str, Any], name: str, i: int) -> Any:
    """Item `i` of a per-completion column (a dataset column passed by the trainer), or None."""
    values = columns.get(name)
    if isinstance(values, (list, tuple)) and i < len(values):
        return values[i]
    return None


def _resolve(original: Source) -> str:
    """A source text as is, a file as its absolute path (workers may not share the caller's directory)."""
    if is_text(original):
        return str(original)
    path = Path(original)
    if not path.is_file():
        raise FileNotFoundError(f"{str(original)!r} is neither an existing file nor source text")
    return str(path.resolve())
