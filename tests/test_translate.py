"""translate: the prompt builder, the feedback in words, and the generate-validate-retry loop on corpus pairs."""
import json
import re
from pathlib import Path

import pytest

from portproof.ir.nodes import ArrayParam, Function, ScalarParam, SourceLoc, Var
from portproof.ir.types import F64, I32
from portproof.specs import load_target
from portproof.translators import translate as tr
from portproof.translators.prompts import Task, feedback, first_messages, load_templates
from portproof.validator.contract import Contract
from portproof.validator.decide import Options
from portproof.validator.verdict import (Check, Counterexample, Error, NotEquivalent, Reason, Result,
                                         Unknown)

ROOT = Path(__file__).resolve().parents[1]
GEMV = ROOT / "corpus" / "gemv"
SAXPY = ROOT / "corpus" / "saxpy"
CUDA = load_templates("cuda")


def fenced(path: Path, before: str = "Here is the port.") -> str:
    return f"{before}\n\n```cuda\n{path.read_text()}```\n"


def replay_dir(tmp_path: Path, answers: list[str]) -> str:
    d = tmp_path / "replay"
    d.mkdir()
    for i, text in enumerate(answers, 1):
        (d / f"{i:03d}.md").write_text(text)
    return f"replay:{d}"


class Scripted:
    """A Generator that answers from a list and records each conversation it was given."""

    def __init__(self, answers: list[str]):
        self.answers = list(answers)
        self.seen: list[list[dict[str, str]]] = []

    def generate(self, messages, *, n=1, seed=None):
        self.seen.append([dict(m) for m in messages])
        return [self.answers.pop(0) for _ in range(n)]


def gemv_task(**contract) -> Task:
    return tr.load_task(str(GEMV / "original.c"), Options(Contract(**contract)))


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    status = tr.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return status, out, err


# --- the prompt -------------------------------------------------------------------------------------

def test_first_prompt_renders_original_signature_and_target():
    system, user = first_messages(gemv_task(), CUDA)
    assert system["role"] == "system" and user["role"] == "user"
    text = user["content"]
    assert (GEMV / "original.c").read_text().strip() in text
    assert "void gemv(int m, int n, double alpha, double A[m][n], double x[n], double beta, double y[m])" in text
    assert "`void gemv(int m, int n, double alpha, double *A, double *x, double beta, double *y)`" in text
    assert "cudaMalloc" in text and "A[i * m + j]" in text
    assert "A[m][n], row-major; the port takes `double *A` with A[i][j] at A[i * n + j]" in text
    assert "- `x`: double array, n elements\n" in text
    assert "`int m`: an integer size" in text and "`double alpha`: a scalar" in text
    assert "sm_90" in text and "1024 threads per block" in text and "49152 bytes of shared memory" in text
    assert "1024 x 1024 x 64" in text and "2147483647 x 65535 x 65535" in text
    assert "real arithmetic" in text
    assert not re.search(r"\{[a-z_]+\}", text)


def test_kernel_only_prompt_names_the_launch_and_inferred_extents():
    task = tr.load_task(str(SAXPY / "original.c"),
                        Options(Contract(launch="<<<(n + 255) / 256, 256>>>", fp="ieee")))
    text = first_messages(task, CUDA)[1]["content"]
    assert "__global__ void saxpy(int n, float a, const float *x, float *y)" in text
    assert "saxpy<<<(n + 255) / 256, 256>>>" in text
    assert "- `x`: pointer to float, n elements (as the original accesses it), read only" in text
    assert "bit-exact" in text and "cudaMalloc" not in text


def test_load_task_refuses_an_original_that_does_not_parse(tmp_path):
    bad = tmp_path / "bad.c"
    bad.write_text("void f(int n, double *x) { x[0] = ; }\n")
    with pytest.raises(tr.PortproofError, match="syntax error"):
        tr.load_task(str(bad), Options())


# --- feedback in words ------------------------------------------------------------------------------

def matrix_task() -> Task:
    n, m = Var("n"), Var("m")
    fn = Function("scale", "host", (ScalarParam("n", I32), ScalarParam("m", I32), ScalarParam("s", F64),
                                    ArrayParam("C", F64, (n, m), "inout")), (), None, SourceLoc("o.c", 1))
    return Task("o.c", "void scale(...) {}", fn, "void scale(int n, int m, double s, double C[n][m])", {}, {},
                load_target("sm_90"), Contract())


def test_feedback_value_counterexample_in_words():
    port = "line one\nline two\n    C[i * n + j] = s * C[i * n + j];\n"
    c = Counterexample("value", {"n": 2, "m": 3}, {"s": 2.0}, {"C": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]}, None,
                       "C", [1, 2], 12.0, 10.0, "/tmp/w/attempt-1.cu:3:5", "compared with relative tolerance 1e-09",
                       True, "original compiled with gcc; port host function scale in the CPU emulation of CUDA (g++)")
    text = feedback(Result(NotEquivalent(c)), matrix_task(), port, "/tmp/w/attempt-1.cu", CUDA)
    assert "call `scale(n=2, m=3, s=2.0, C)`" in text
    assert "C = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]   (row-major, C[n][m])" in text
    assert "`C[1][2]`: the original computes 12.0, your port gives 10.0" in text
    assert "line 3 of your port: `C[i * n + j] = s * C[i * n + j];`" in text
    assert "CPU emulation" in text and "/tmp/w" not in text


def test_feedback_fault_launch_and_long_arrays():
    c = Counterexample("out-of-bounds", {"n": 100, "m": 1}, {"s": 1.0}, {"C": [0.5] * 100},
                       "<<<(1, 1, 1), (128, 1, 1), 0>>>", statement="/w/a.cu:9:1",
                       detail="/w/a.cu:9:1: out of bounds: C[100] outside extent (100) in block (0, 0, 0) thread "
                              "(100, 0, 0) | executed: the port faults: killed by SIGSEGV", confirmed=True,
                       confirmation="original compiled with gcc; port kernel in the CPU emulation (g++)")
    text = feedback(Result(NotEquivalent(c)), matrix_task(), "x\n", "/w/a.cu", CUDA)
    assert "no defined result on this input: port.cu:9:1: out of bounds: C[100] outside extent (100)" in text
    assert "SIGSEGV" not in text.split("\n")[0]
    assert "Launch: <<<(1, 1, 1), (128, 1, 1), 0>>>" in text
    assert "(64 of 100 elements shown)" in text
    assert "written by port.cu:9:1" in text


def test_feedback_compile_error_unknown_and_no_code():
    compile_failed = Result(Error("parse error", "expected `;`", "/w/a.cu:10:25"),
                            [Check("compile port", "failed", "g++: /w/a.cu:11:9: compile error: expected ';'")])
    text = feedback(compile_failed, matrix_task(), "", "/w/a.cu", CUDA)
    assert text.startswith("Your port does not compile:") and "port.cu:11:9: compile error: expected ';'" in text
    unknown = Result(Unknown(Reason.UNSUPPORTED, "warp shuffle", "/w/a.cu:4:3"))
    assert "(unsupported): port.cu:4:3: warp shuffle" in feedback(unknown, matrix_task(), "", "/w/a.cu", CUDA)
    assert "no code" in feedback(Result(Error(tr.NO_CODE, "empty")), matrix_task(), "", "/w/a.cu", CUDA)


# --- the loop ---------------------------------------------------------------------------------------

def test_loop_keeps_the_conversation_and_feeds_back_the_counterexample(tmp_path):
    wrong = fenced(GEMV / "mutants" / "skip_last_col.cu")
    gen = Scripted([wrong, fenced(GEMV / "ported.cu")])
    outcome = tr.translate(gemv_task(), gen, CUDA, attempts=3, options=Options(), workdir=tmp_path)
    assert outcome.found and outcome.port == (GEMV / "ported.cu").read_text()
    assert [a.verdict for a in outcome.attempts] == ["not-equivalent", "equivalent"]
    second = gen.seen[1]
    assert [m["role"] for m in second] == ["system", "user", "assistant", "user"]
    assert second[2]["content"] == wrong and second[3]["content"] == outcome.attempts[0].feedback
    assert "`y[0]`" in second[3]["content"]


def test_cli_finds_the_correct_candidate_at_attempt_two(tmp_path, capsys):
    model = replay_dir(tmp_path, [fenced(GEMV / "mutants" / "skip_last_col.cu"), fenced(GEMV / "ported.cu")])
    out, log = tmp_path / "ported.cu", tmp_path / "attempts.jsonl"
    status, stdout, stderr = run_cli([GEMV / "original.c", "--to", "cuda", "--model", model, "--attempts", 3,
                                      "-o", out, "--log", log], capsys)
    assert status == 0, stderr
    assert out.read_text() == (GEMV / "ported.cu").read_text()
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["verdict"] for r in lines] == ["not-equivalent", "equivalent"]
    assert [r["attempt"] for r in lines] == [1, 2] and lines[1]["scope"] == "all-sizes"
    assert lines[0]["reward"] == -0.5 and lines[1]["reward"] == 1.0 and lines[1]["feedback"] is None
    m = re.search(r"differs is `y\[(\d+)\]`: the original computes (\S+), your port gives (\S+)\.",
                  lines[0]["feedback"])
    assert m and m.group(2) != m.group(3)
    assert "line 15 of your port: `y[i] = alpha * sum + beta * y[i];`" in lines[0]["feedback"]
    for r in lines:
        saved = Path(r["candidate"])
        assert saved.exists() and len(r["sha256"]) == 64 and r["sha256"][:12] in saved.name
    assert "attempt 2/3: equivalent (all-sizes)" in stderr and "written to" in stdout


def test_cli_only_wrong_candidates_exit_1(tmp_path, capsys):
    wrong = [fenced(GEMV / "mutants" / "skip_last_col.cu"), fenced(GEMV / "mutants" / "transposed_A.cu")]
    out = tmp_path / "ported.cu"
    status, stdout, _ = run_cli([GEMV / "original.c", "--to", "cuda", "--model", replay_dir(tmp_path, wrong),
                                 "--attempts", 2, "-o", out, "--json"], capsys)
    assert status == 1 and not out.exists()
    summary = json.loads(stdout)
    assert summary["schema"] == tr.SCHEMA and summary["found"] is False and summary["output"] is None
    assert summary["attempts"] == 2 and [h["verdict"] for h in summary["history"]] == ["not-equivalent"] * 2


@pytest.mark.parametrize("old, new, message", [
    ("double sum = 0.0;", "double sum = 0.0", "port.cu:11:9: compile error: g++ rejects the port"),
    ("sum += A", "sum += B", "'B' was not declared in this scope"),
], ids=["syntax", "undeclared"])
def test_compiler_message_is_fed_back(tmp_path, old, new, message):
    gen = Scripted([fenced(GEMV / "ported.cu").replace(old, new, 1)])
    outcome = tr.translate(gemv_task(), gen, CUDA, attempts=1, options=Options(), workdir=tmp_path)
    [attempt] = outcome.attempts
    assert not outcome.found and attempt.verdict == "error" and attempt.reward == -1.0
    assert attempt.feedback.startswith("Your port does not compile:")
    assert message in attempt.feedback


def test_cli_bad_input_and_usage_exit_3(tmp_path, capsys):
    bad = tmp_path / "bad.c"
    bad.write_text("void f(int n) { n = ; }\n")
    ok_model = replay_dir(tmp_path, [fenced(GEMV / "ported.cu")])
    base = ["--to", "cuda", "-o", tmp_path / "o.cu"]
    status, _, err = run_cli([bad, *base, "--model", ok_model], capsys)
    assert status == 3 and "parse error" in err and "Traceback" not in err
    status, _, err = run_cli([GEMV / "original.c", *base, "--model", "nosuch:thing"], capsys)
    assert status == 3 and "nosuch" in err
    status, _, err = run_cli([GEMV / "original.c", *base, "--model", ok_model, "--attempts", 0], capsys)
    assert status == 3 and "--attempts" in err
    with pytest.raises(SystemExit) as e:
        tr.main([str(GEMV / "original.c"), "--to", "cuda", "-o", "x.cu"])
    assert e.value.code == 3
