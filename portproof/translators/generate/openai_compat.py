"""`openai:BASE_URL[#MODEL]`: an OpenAI-compatible chat-completions server (vLLM, llama.cpp, Ollama)."""
from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from typing import Any, Optional

from portproof.translators.generate.base import GenerationError, Messages

KEY_VARIABLES = ("PORTPROOF_API_KEY", "OPENAI_API_KEY")


class OpenAIGenerator:
    """POSTs to {base_url}/chat/completions; retries 5xx, 429 and connection errors with exponential backoff.
    Without a model name, the first one {base_url}/models lists is used."""

    def __init__(self, base_url: str, *, model: Optional[str] = None, temperature: float = 0.7,
                 max_tokens: int = 2048, timeout: float = 300.0, retries: int = 3, backoff: float = 1.0,
                 api_key: Optional[str] = None) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise GenerationError(f"openai: {base_url!r} is not an http(s) URL")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.api_key = api_key or next((os.environ[v] for v in KEY_VARIABLES if os.environ.get(v)), None)

    def generate(self, messages: Messages, *, n: int = 1, seed: Optional[int] = None) -> list[str]:
        """n completions; servers that return fewer choices than asked are asked again for the rest."""
        if self.model is None:
            listed = self._call("GET", "/models", None).get("data") or []
            if not listed:
                raise GenerationError(f"openai: {self.base_url}/models lists no model; "
                                      f"name one: {self.base_url}#MODEL")
            self.model = str(listed[0]["id"])
        texts: list[str] = []
        while len(texts) < n:
            body = {"model": self.model, "messages": messages, "n": n - len(texts),
                    "temperature": self.temperature, "max_tokens": self.max_tokens}
            if seed is not None:
                body["seed"] = seed + len(texts)
            choices = self._call("POST", "/chat/completions", body).get("choices") or []
            if not choices:
                raise GenerationError(f"openai: {self.base_url}/chat/completions returned no choices")
            ordered = sorted(choices, key=lambda c: c.get("index", 0))
            texts.extend(c["message"].get("content") or "" for c in ordered[:n - len(texts)])
        return texts

    def _call(self, method: str, path: str, body: Optional[dict[str, Any]]) -> dict[str, Any]:
        """One JSON request, retried on server errors and unreachable servers."""
        url = self.base_url + path
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        data = None if body is None else json.dumps(body).encode()
        last = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            request = urllib.request.Request(url, data=data, headers=headers, method=method)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return json.loads(response.read())
            except urllib.error.HTTPError as e:
                detail = e.read().decode(errors="replace")[:1000]
                if e.code < 500 and e.code != 429:
                    raise GenerationError(f"openai: {method} {url}: HTTP {e.code}: {detail}") from None
                last = f"HTTP {e.code}: {detail}"
            except (urllib.error.URLError, OSError) as e:  # refused, reset, timed out
                last = str(getattr(e, "reason", e))
            except json.JSONDecodeError as e:
                raise GenerationError(f"openai: {method} {url}: the answer is not JSON: {e}") from None
        raise GenerationError(f"openai: {method} {url} failed after {self.retries + 1} attempts: {last}")
