"""LLM generators behind one narrow protocol, made from a model spec (see docs/LLM.md)."""
from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from portproof.translators.generate.base import GenerationError, Generator, Messages

SPECS = ("replay:DIR", "shell:COMMAND", "openai:BASE_URL[#MODEL]", "http(s)://BASE_URL[#MODEL]",
         "hf:PATH[?device=cpu&dtype=float32&max_new_tokens=512&temperature=0.7]")

__all__ = ["GenerationError", "Generator", "Messages", "make_generator", "SPECS"]


def make_generator(spec: str, **options: Any) -> Generator:
    """The generator a model spec names; `options` are the backend's keyword arguments."""
    scheme, _, rest = spec.partition(":")
    if spec.startswith(("http://", "https://")):
        scheme, rest = "openai", spec
    if not rest and scheme != spec:
        raise GenerationError(f"model spec {spec!r}: nothing after '{scheme}:'")
    if scheme == "replay":
        from portproof.translators.generate.replay import ReplayGenerator
        return ReplayGenerator(rest, **options)
    if scheme == "shell":
        from portproof.translators.generate.shell import ShellGenerator
        return ShellGenerator(rest, **options)
    if scheme == "openai":
        from portproof.translators.generate.openai_compat import OpenAIGenerator
        base, _, model = rest.partition("#")
        return OpenAIGenerator(base, **({"model": model} if model else {}), **options)
    if scheme == "hf":
        from portproof.translators.generate.hf import HFGenerator
        path, _, query = rest.partition("?")
        settings = {k: _value(v) for k, v in parse_qsl(query, strict_parsing=bool(query))}
        return HFGenerator(path, **{**options, **settings})
    raise GenerationError(f"unknown model spec {spec!r}; expected one of: {', '.join(SPECS)}")


def _value(text: str) -> Any:
    """A query value as an int or a float when it reads as one, else the string."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text
