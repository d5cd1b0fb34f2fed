"""`hf:PATH[?device=...&dtype=...&max_new_tokens=...&temperature=...]`: a local transformers model."""
from __future__ import annotations

from typing import Any, Optional

from portproof.translators.generate.base import GenerationError, Messages

INSTALL_HINT = "the hf: backend needs transformers and torch: install portproof[llm] (pip install -e '.[llm]')"


class HFGenerator:
    """AutoModelForCausalLM and AutoTokenizer from local files only (never a download); the tokenizer's chat
    template when it has one, else the messages' contents joined by blank lines."""

    def __init__(self, path: str, *, device: str = "cpu", dtype: str = "float32", max_new_tokens: int = 512,
                 temperature: float = 0.7) -> None:
        try:
            import torch
            import transformers
        except ImportError as e:
            raise GenerationError(f"{INSTALL_HINT} ({e})") from None
        self.torch = torch
        self.device = device
        self.max_new_tokens = max_new_tokens
        self.temperature = temperature
        if not isinstance(getattr(torch, dtype, None), torch.dtype):
            raise GenerationError(f"hf: unknown dtype {dtype!r} (e.g. float32, bfloat16, float16)")
        major, minor = (int(x) for x in transformers.__version__.split(".")[:2])
        dtype_key = "dtype" if (major, minor) >= (4, 56) else "torch_dtype"
        try:
            self.tokenizer = transformers.AutoTokenizer.from_pretrained(path, local_files_only=True)
            self.model = transformers.AutoModelForCausalLM.from_pretrained(
                path, local_files_only=True, **{dtype_key: getattr(torch, dtype)}).to(device)
        except (OSError, ValueError) as e:
            raise GenerationError(f"hf: cannot load a local model from {path!r} (local files only, no "
                                  f"downloads): {e}") from None
        self.model.eval()

    def prompt(self, messages: Messages) -> str:
        """The prompt text: the chat template with a generation prompt, or the plain concatenation."""
        if getattr(self.tokenizer, "chat_template", None):
            return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return "\n\n".join(m["content"] for m in messages) + "\n\n"

    def generate(self, messages: Messages, *, n: int = 1, seed: Optional[int] = None) -> list[str]:
        """n sampled completions (greedy and repeated when the temperature is 0)."""
        inputs = self.tokenizer(self.prompt(messages), return_tensors="pt", add_special_tokens=False).to(self.device)
        if seed is not None:
            self.torch.manual_seed(seed)
        sample = self.temperature > 0
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else self.tokenizer.eos_token_id
        settings: dict[str, Any] = {"do_sample": True, "temperature": self.temperature,
                                    "num_return_sequences": n} if sample else {"do_sample": False}
        with self.torch.inference_mode():
            out = self.model.generate(**inputs, max_new_tokens=self.max_new_tokens, pad_token_id=pad, **settings)
        texts = self.tokenizer.batch_decode(out[:, inputs["input_ids"].shape[1]:], skip_special_tokens=True)
        return list(texts) if sample else list(texts) * n
