"""Generator backends: replay, shell, an OpenAI-compatible stub server and a tiny local transformers model."""
from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from portproof.translators.generate import GenerationError, Generator, make_generator

MESSAGES = [{"role": "system", "content": "You port C to CUDA."}, {"role": "user", "content": "port saxpy"}]


def test_replay_in_name_order_then_exhausted(tmp_path):
    for name, text in [("002.md", "second"), ("001.cu", "first"), ("003.cu", "third"), (".hidden", "no")]:
        (tmp_path / name).write_text(text)
    g = make_generator(f"replay:{tmp_path}", temperature=0.5)
    assert isinstance(g, Generator)
    assert g.generate(MESSAGES) == ["first"]
    assert g.generate(MESSAGES, n=2, seed=1) == ["second", "third"]
    with pytest.raises(GenerationError, match="exhausted"):
        g.generate(MESSAGES)


def test_replay_of_a_missing_directory(tmp_path):
    with pytest.raises(GenerationError, match="not a directory"):
        make_generator(f"replay:{tmp_path / 'nope'}")


ECHO = """\
import json, sys
prompt = json.load(sys.stdin)
if prompt["messages"][-1]["content"] == "fail":
    print("model crashed", file=sys.stderr)
    sys.exit(3)
print(f"```cuda\\n// {prompt['messages'][-1]['content']} seed={prompt['seed']} t={prompt['temperature']}\\n```")
"""


def test_shell_backend(tmp_path):
    script = tmp_path / "model.py"
    script.write_text(ECHO)
    g = make_generator(f"shell:{sys.executable} {script}", temperature=0.2)
    out = g.generate(MESSAGES, n=2, seed=7)
    assert out == ["```cuda\n// port saxpy seed=7 t=0.2\n```\n", "```cuda\n// port saxpy seed=8 t=0.2\n```\n"]
    with pytest.raises(GenerationError, match=r"status 3: model crashed"):
        g.generate([{"role": "user", "content": "fail"}])


def test_shell_timeout_and_missing_command(tmp_path):
    with pytest.raises(GenerationError, match="did not finish"):
        make_generator(f"shell:{sys.executable} -c 'import time; time.sleep(10)'", timeout=0.5).generate(MESSAGES)
    with pytest.raises(GenerationError, match="cannot run"):
        make_generator("shell:/nonexistent/model --flag").generate(MESSAGES)


def test_unknown_spec():
    with pytest.raises(GenerationError, match="unknown model spec"):
        make_generator("gpt:foo")


class Stub(BaseHTTPRequestHandler):
    """An OpenAI-compatible server: checks the request, fails once with 503, answers at most 2 choices."""
    requests: list[dict] = []
    failures_left = 1

    def log_message(self, *args):
        pass

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        assert self.path == "/v1/models"
        self._send(200, {"object": "list", "data": [{"id": "tiny-coder", "object": "model"}]})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.path != "/v1/chat/completions":
            return self._send(404, {"error": {"message": f"no route {self.path}"}})
        if Stub.failures_left:
            Stub.failures_left -= 1
            return self._send(503, {"error": {"message": "loading model"}})
        assert set(body) >= {"model", "messages", "n", "temperature", "max_tokens"}
        assert body["messages"] == MESSAGES
        Stub.requests.append({**body, "auth": self.headers.get("Authorization")})
        k = min(body["n"], 2)
        self._send(200, {"id": "x", "object": "chat.completion", "model": body["model"], "choices": [
            {"index": i, "finish_reason": "stop",
             "message": {"role": "assistant", "content": f"```cuda\n// {body['model']} {body.get('seed')} {i}\n```"}}
            for i in reversed(range(k))]})


@pytest.fixture
def server():
    Stub.requests, Stub.failures_left = [], 1
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Stub)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()
    httpd.server_close()


def test_openai_backend_retries_and_collects_n(server, monkeypatch):
    monkeypatch.setenv("PORTPROOF_API_KEY", "sk-test")
    g = make_generator(f"openai:{server}#my-model", backoff=0.01, temperature=0.3, max_tokens=64)
    out = g.generate(MESSAGES, n=3, seed=5)
    assert out == ["```cuda\n// my-model 5 0\n```", "```cuda\n// my-model 5 1\n```", "```cuda\n// my-model 7 0\n```"]
    first, second = Stub.requests
    assert (first["n"], second["n"], first["temperature"], first["max_tokens"]) == (3, 1, 0.3, 64)
    assert first["auth"] == "Bearer sk-test"


def test_bare_url_asks_the_server_for_its_model(server, monkeypatch):
    monkeypatch.delenv("PORTPROOF_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    out = make_generator(server, backoff=0.01).generate(MESSAGES)
    assert out == ["```cuda\n// tiny-coder None 0\n```"]
    assert Stub.requests[0]["auth"] is None and "seed" not in Stub.requests[0]


def test_openai_client_errors_are_not_retried(server):
    g = make_generator(f"openai:{server}/wrong#m", backoff=0.01)
    Stub.failures_left = 0
    with pytest.raises(GenerationError, match="HTTP 404: .*no route"):
        g.generate(MESSAGES)


def test_openai_unreachable_server_gives_up():
    g = make_generator("openai:http://127.0.0.1:9/v1#m", retries=2, backoff=0.01, timeout=2)
    with pytest.raises(GenerationError, match="after 3 attempts"):
        g.generate(MESSAGES)


WORDS = ["<unk>", "<pad>", "<eos>", "port", "saxpy", "you", "c", "to", "cuda", "__global__", "void", "(", ")",
         "{", "}", ";", "int", "float", "i", "=", "*", "+", "assistant", "user", "system", ":"]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """A randomly initialised 2-layer GPT-2 and a word-level tokenizer, built here and saved to disk."""
    pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from tokenizers import Tokenizer, models, pre_tokenizers

    path = tmp_path_factory.mktemp("tiny-model")
    core = Tokenizer(models.WordLevel({w: i for i, w in enumerate(WORDS)}, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = transformers.PreTrainedTokenizerFast(tokenizer_object=core, unk_token="<unk>", pad_token="<pad>",
                                                     eos_token="<eos>")
    tokenizer.save_pretrained(path)
    config = transformers.GPT2Config(vocab_size=len(WORDS), n_positions=128, n_embd=32, n_layer=2, n_head=2,
                                     bos_token_id=2, eos_token_id=2)
    transformers.GPT2LMHeadModel(config).save_pretrained(path)
    return path


def test_tiny_local_model(tiny_model):
    g = make_generator(f"hf:{tiny_model}?device=cpu&dtype=float32&max_new_tokens=6&temperature=0.9")
    first = g.generate(MESSAGES, n=3, seed=1)
    assert len(first) == 3 and all(isinstance(t, str) for t in first)
    assert g.generate(MESSAGES, n=3, seed=1) == first
    assert g.prompt(MESSAGES) == "You port C to CUDA.\n\nport saxpy\n\n"
    greedy = make_generator(f"hf:{tiny_model}", max_new_tokens=4, temperature=0).generate(MESSAGES, n=2)
    assert len(greedy) == 2 and greedy[0] == greedy[1]


def test_tiny_local_model_with_chat_template(tiny_model, tmp_path):
    transformers = pytest.importorskip("transformers")
    tokenizer = transformers.AutoTokenizer.from_pretrained(tiny_model)
    tokenizer.chat_template = ("{% for m in messages %}{{ m['role'] }} : {{ m['content'] }} {% endfor %}"
                               "{% if add_generation_prompt %}assistant :{% endif %}")
    tokenizer.save_pretrained(tmp_path)
    transformers.AutoModelForCausalLM.from_pretrained(tiny_model).save_pretrained(tmp_path)
    g = make_generator(f"hf:{tmp_path}?max_new_tokens=3")
    assert g.prompt(MESSAGES) == "system : You port C to CUDA. user : port saxpy assistant :"
    assert len(g.generate(MESSAGES, seed=0)) == 1


def test_hf_without_local_files(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    with pytest.raises(GenerationError, match="local files only"):
        make_generator(f"hf:{tmp_path / 'absent'}")


def test_hf_without_transformers_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "transformers", None)
    with pytest.raises(GenerationError, match=r"install portproof\[llm\]"):
        make_generator("hf:some/model")
