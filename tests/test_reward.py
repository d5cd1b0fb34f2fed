"""The reward API and the RL reward function on corpus pairs: correct > unknown > wrong > broken, never raising."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

import portproof
import portproof.diagnostics
from portproof.api import SourceText, make_options, validate_sources
from portproof.rl import WORST, completion_text, reward_function
from portproof.validator.reward import REWARDS

SAXPY = Path(__file__).resolve().parent.parent / "corpus" / "saxpy"
ORIGINAL = SAXPY / "original.c"
LAUNCH = "<<<(n + 255) / 256, 256>>>"
CORRECT = (SAXPY / "ported.cu").read_text()
WRONG = (SAXPY / "mutants" / "times_y.cu").read_text()
SHUFFLE = """\
__global__ void saxpy(int n, float a, const float *x, float *y)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    y[i] = a * (__ballot_sync(0xffffffff, x[i] > 0) ? x[i] : x[i]) + y[i];
}
"""
BROKEN = CORRECT.replace("threadIdx.x;", "threadIdx.x")
# an endless-looking loop the validator spends far longer than 2 s on
HANG = """\
__global__ void saxpy(int n, float a, const float *x, float *y)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    while (i >= 0) { i = i + 1; if (i > 5) i = 0; }
    y[i] = a * x[i] + y[i];
}
"""


def test_import_portproof_stays_cheap():
    import subprocess
    import sys
    code = "import portproof, sys; print(any(m.split('.')[0] in ('z3', 'sympy', 'pycparser') for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
    assert portproof.reward is not None and portproof.validate_sources is validate_sources


def test_rewards_rank_correct_unknown_wrong_broken(tmp_path):
    port = tmp_path / "port.cu"
    port.write_text(CORRECT)
    assert portproof.reward(str(ORIGINAL), str(port), launch=LAUNCH) == 1.0
    assert portproof.reward(ORIGINAL, WRONG, launch=LAUNCH) == REWARDS["not-equivalent/value"] < 0
    assert portproof.reward(ORIGINAL.read_text(), SHUFFLE, launch=LAUNCH) == 0.0
    assert portproof.reward(ORIGINAL, BROKEN, launch=LAUNCH) == -1.0


def test_validate_sources_gives_the_result():
    result = validate_sources(ORIGINAL, CORRECT, launch=LAUNCH, bound=3, fp="real", timeout=20)
    assert result.verdict.verdict == "equivalent" and result.to_json()["reward"] == 1.0


def test_a_word_is_a_path_unless_marked_as_text():
    with pytest.raises(FileNotFoundError, match="neither an existing file nor source text"):
        portproof.reward(ORIGINAL, "garbage", launch=LAUNCH)
    assert portproof.reward(ORIGINAL, SourceText("garbage"), launch=LAUNCH) == -1.0


def test_options_map_to_the_contract():
    o = make_options(launch=LAUNCH, entry="saxpy=saxpy_gpu", bound=3, timeout=5, fp="ieee",
                     include_dirs=["inc"], defines={"N": "4", "FAST": None})
    assert (o.contract.launch, o.contract.original_entry, o.contract.port_entry) == (LAUNCH, "saxpy", "saxpy_gpu")
    assert (o.contract.bound, o.contract.timeout_s, o.contract.fp) == (3, 5.0, "ieee")
    assert tuple(o.include_dirs) == ("inc",) and dict(o.defines) == {"N": "4", "FAST": None}
    with pytest.raises(TypeError):
        make_options(lanch=LAUNCH)


def test_completion_text_of_chat_messages():
    assert completion_text("x") == "x"
    assert completion_text([{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]) == "a"
    assert completion_text([{"role": "assistant", "content": [{"type": "text", "text": "a"}, {"type": "text",
                                                                                              "text": "b"}]}]) == "ab"


@pytest.fixture(scope="module")
def score():
    f = reward_function(ORIGINAL, launch=LAUNCH, timeout=2, workers=2)
    yield f
    f.close()


def test_rl_function_orders_completions(score):
    completions = [f"Here is the port:\n```cuda\n{CORRECT}```\nDone.",
                   [{"role": "assistant", "content": f"```cpp\n{WRONG}```"}],
                   "```cuda\nI am not sure how to do this.\n```", "", None]
    rewards = score(["port saxpy"] * 5, completions)
    assert rewards[0] == 1.0 and rewards[1] < 0 and rewards[2:] == [WORST] * 3
    assert rewards[0] > rewards[1] > rewards[2]


def test_rl_function_per_prompt_originals(score):
    other = ("void saxpy(int n, float a, const float *x, float *y)\n"
             "{ for (int i = 0; i < n; i++) y[i] = a * x[i] * y[i]; }\n")
    rewards = score(completions=[CORRECT, CORRECT, WRONG], original=[str(ORIGINAL), other, other],
                    launch=[LAUNCH] * 3)
    assert rewards == [1.0, REWARDS["not-equivalent/value"], 1.0]


def test_a_port_that_never_ends_costs_one_item_and_no_more_than_its_timeout(score):
    """The validator refutes it within its budget (a confirmed non-terminating run), or the worker is
    killed at the time limit: either way a fault-or-worse reward, and the batch goes on."""
    start = time.monotonic()
    rewards = score(completions=[HANG, CORRECT])
    assert rewards[0] <= REWARDS["not-equivalent/fault"] and rewards[1] == 1.0
    assert time.monotonic() - start < 2 + score.grace + 3  # timeout, grace, and a fresh worker's start


def test_rl_function_rejects_bad_options_at_once():
    with pytest.raises(TypeError, match="unknown options"):
        reward_function(ORIGINAL, lanch=LAUNCH)
    with pytest.raises(portproof.diagnostics.ContractError):
        reward_function(ORIGINAL, fp="exact")
    with pytest.raises(FileNotFoundError):
        reward_function("no-such-file.c")
