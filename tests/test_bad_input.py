"""Bad input and bad usage through the real `validate` command line: the right exit status, one clear message
naming the file (and line), never a traceback."""
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

LAUNCH = "<<<(n + 255) / 256, 256>>>"

SAXPY_C = """\
void saxpy(int n, float a, const float *x, float *y)
{
    for (int i = 0; i < n; i++)
        y[i] = a * x[i] + y[i];
}
"""

SAXPY_CU = """\
__global__ void saxpy(int n, float a, const float *x, float *y)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    y[i] = a * x[i] + y[i];
}
"""

CXX_ORIGINAL = """\
template <typename T>
class Vec {
public:
    T *data;
    void scale(T a, int n) { for (int i = 0; i < n; i++) data[i] *= a; }
};
void saxpy(int n, float a, const float *x, float *y)
{
    for (int i = 0; i < n; i++)
        y[i] = a * x[i] + y[i];
}
"""

GOTO_ORIGINAL = """\
void saxpy(int n, float a, const float *x, float *y)
{
    int i = 0;
top:
    if (i >= n) return;
    y[i] = a * x[i] + y[i];
    i++;
    goto top;
}
"""

UNDECLARED_ORIGINAL = SAXPY_C.replace("+ y[i];", "+ undeclared_var;")


def port_with(line5: str) -> str:
    """SAXPY_CU with its 5th line (the store) replaced."""
    lines = SAXPY_CU.splitlines()
    lines[4] = line5
    return "\n".join(lines) + "\n"


FILES: dict[str, str | bytes] = {
    "saxpy.c": SAXPY_C,
    "saxpy.cu": SAXPY_CU,
    "garbage.c": bytes(range(256)) * 2,
    "garbage.cu": b"\x96\xff\x00\x13" * 64,
    "empty.c": "",
    "empty.cu": "",
    "template.c": CXX_ORIGINAL,
    "syntax.cu": SAXPY_CU.replace("if (i >= n) return;", "if (i >= n return;"),
    "undeclared_call.cu": port_with("    y[i] = a * helper_not_declared(x[i]) + y[i];"),
    "float_to_int.cu": port_with("    int *p = y; p[i] = a * x[i] + y[i];"),
    "shfl.cu": port_with("    float v = __ballot_sync(0xffffffff, x[i] > 0) ? x[i] : x[i]; y[i] = a * v + y[i];"),
    "goto.c": GOTO_ORIGINAL,
    "goto_port.cu": SAXPY_CU.replace("if (i >= n) return;", "if (i >= n) goto done;")
                            .replace("y[i];\n}", "y[i];\ndone:\n    return;\n}"),
    "undeclared.c": UNDECLARED_ORIGINAL,
    "bad.toml": "this is = not [ toml\n",
    "bad_key.toml": 'launch = "<<<(n+255)/256, 256>>>"\nfrobs = 3\n',
}

L = ["--launch", LAUNCH]


# id -> (arguments, exit status, regex the message line must match, marks)
CASES = {
    "garbage_original": (["garbage.c", "saxpy.cu", *L], 3, r"garbage\.c:\d+\b.*(binary|not a text)", ()),
    "empty_original": (["empty.c", "saxpy.cu", *L], 3, r"empty\.c:1\b.*empty", ()),
    "empty_port": (["saxpy.c", "empty.cu", *L], 3, r"empty\.cu:1\b.*empty", ()),
    "cxx_original": (["template.c", "saxpy.cu", *L], 3, r"template\.c:\d+\b.*C\+\+", ()),
    "syntax_error_port": (["saxpy.c", "syntax.cu", *L], 3, r"syntax\.cu:4\b.*parse error", ()),
    "undeclared_call_port": (["saxpy.c", "undeclared_call.cu", *L], 3,
                             r"undeclared_call\.cu:5\b.*compile error.*helper_not_declared",
                             ()),
    "float_to_int_port": (["saxpy.c", "float_to_int.cu", *L], 3,
                          r"float_to_int\.cu:5\b.*compile error.*(float|int)",
                          ()),
    "undeclared_in_original": (["undeclared.c", "saxpy.cu", *L], 3, r"undeclared\.c:4\b.*undeclared_var",
                               ()),
    "missing_original": (["nope.c", "saxpy.cu", *L], 3, r"nope\.c.*(No such file|cannot read)", ()),
    "missing_port": (["saxpy.c", "nope.cu", *L], 3, r"nope\.cu.*(No such file|cannot read)",
                     ()),
    "binary_port": (["saxpy.c", "garbage.cu", *L], 3, r"garbage\.cu.*(binary|not a text|cannot read)",
                    ()),
    "kernel_only_without_launch": (["saxpy.c", "saxpy.cu"], 3, r"saxpy\.cu:1\b.*--launch", ()),
    "entry_missing_in_original": (["saxpy.c", "saxpy.cu", *L, "--entry", "nothere=saxpy"], 3, r"nothere", ()),
    "entry_missing_in_port": (["saxpy.c", "saxpy.cu", *L, "--entry", "saxpy=nothere"], 3, r"nothere", ()),
    "launch_syntax_error": (["saxpy.c", "saxpy.cu", "--launch", "<<<n,,>>>"], 3, r"launch", ()),
    "launch_not_a_launch": (["saxpy.c", "saxpy.cu", "--launch", "garbage"], 3, r"launch",
                            ()),
    "launch_one_argument": (["saxpy.c", "saxpy.cu", "--launch", "<<<(n + 255) / 256>>>"], 3, r"launch",
                            ()),
    "launch_unknown_name": (["saxpy.c", "saxpy.cu", "--launch", "<<<m, 256>>>"], 3, r"launch.*\bm\b",
                            ()),
    "bad_contract_toml": (["saxpy.c", "saxpy.cu", "--contract", "bad.toml"], 3,
                          r"bad\.toml.*(:1\b|line 1)", ()),
    "contract_unknown_key": (["saxpy.c", "saxpy.cu", "--contract", "bad_key.toml"], 3,
                             r"bad_key\.toml.*unknown key.*frobs", ()),
    "shfl_in_port": (["saxpy.c", "shfl.cu", *L], 2, r"^unknown.*shfl\.cu:5\b.*__ballot_sync", ()),
    "goto_in_original": (["goto.c", "saxpy.cu", *L], 2, r"^unknown.*goto\.c:\d+\b.*(goto|label)", ()),
    "goto_in_port": (["saxpy.c", "goto_port.cu", *L], 2, r"^unknown.*goto_port\.cu:4\b.*goto", ()),
    "bound_zero": (["saxpy.c", "saxpy.cu", *L, "--bound", "0"], 3, r"bound", ()),
    "bound_not_an_integer": (["saxpy.c", "saxpy.cu", *L, "--bound", "x"], 3, r"--bound", ()),
    "timeout_zero": (["saxpy.c", "saxpy.cu", *L, "--timeout", "0"], 3, r"timeout", ()),
    "fp_invalid": (["saxpy.c", "saxpy.cu", *L, "--fp", "double"], 3, r"--fp", ()),
    "unknown_flag": (["saxpy.c", "saxpy.cu", *L, "--frobnicate"], 3, r"--frobnicate", ()),
    "missing_argument": (["saxpy.c"], 3, r"port", ()),
    "json_empty_original": (["empty.c", "saxpy.cu", *L, "--json"], 3, None, ()),
    "json_compile_error": (["saxpy.c", "undeclared_call.cu", *L, "--json"], 3, None, ()),
    "json_shfl": (["saxpy.c", "shfl.cu", *L, "--json"], 2, None, ()),
    "help": (["--help"], 0, None, ()),
}


@dataclass
class Run:
    status: int
    stdout: str
    stderr: str

    @property
    def text(self) -> str:
        return self.stdout + self.stderr

    @property
    def message(self) -> str:
        """The message line: the verdict line on stdout, or argparse's last line on stderr."""
        lines = [s for s in self.stdout.splitlines() if s.strip()]
        if lines:
            return lines[0]
        lines = [s for s in self.stderr.splitlines() if s.strip()]
        return lines[-1] if lines else ""


def validate(args, cwd, timeout=120) -> Run:
    proc = subprocess.run([sys.executable, "-m", "portproof.validator.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)
    return Run(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad_input")
    for name, content in FILES.items():
        (d / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    return d


@pytest.fixture(scope="module")
def runs(workdir):
    """Every case run once, a few at a time (each call costs about a second)."""
    with ThreadPoolExecutor(max_workers=max(2, min(6, os.cpu_count() or 2))) as pool:
        futures = {case: pool.submit(validate, args, workdir) for case, (args, *_) in CASES.items()}
        return {case: f.result() for case, f in futures.items()}


def _params():
    for case, (_, status, pattern, marks) in CASES.items():
        yield pytest.param(case, status, pattern, marks=marks, id=case)


@pytest.mark.parametrize("case, status, pattern", list(_params()))
def test_bad_input(runs, case, status, pattern):
    run = runs[case]
    assert "Traceback" not in run.text, run.text
    assert run.status == status, run.text
    if pattern is not None:
        assert re.search(pattern, run.message), f"message line: {run.message!r}\n{run.text}"


def test_message_is_one_line_with_kind(runs):
    """Bad input in text mode: the first line is `error: [file:line: ]kind: message`."""
    for case in ("garbage_original", "empty_original", "empty_port", "cxx_original", "syntax_error_port",
                 "kernel_only_without_launch", "entry_missing_in_port", "bad_contract_toml", "bound_zero"):
        assert re.match(r"error: (\S+:\d+(:\d+)?: )?[a-z ]+: \S", runs[case].message), (case, runs[case].text)


@pytest.mark.parametrize("case", ["undeclared_call_port", "float_to_int_port"])
def test_compile_error_carries_the_compilers_message(runs, case):
    run = runs[case]
    assert "Traceback" not in run.text
    assert run.status == 3
    assert run.message.startswith("error:") and "compile error" in run.stdout
    wanted = {"undeclared_call_port": "'helper_not_declared' was not declared",
              "float_to_int_port": "cannot convert 'float*' to 'int*'"}[case]
    assert wanted in run.stdout, run.stdout


def test_json_compile_error(runs):
    out = json.loads(runs["json_compile_error"].stdout)
    assert out["verdict"] == "error"
    [reason] = out["reasons"]
    assert reason["reason"] == "compile error"
    assert "helper_not_declared" in reason["detail"]
    assert {"name": "compile port", "status": "failed"}.items() <= out["checks"][-1].items()


def test_json_compile_error_location(runs):
    [reason] = json.loads(runs["json_compile_error"].stdout)["reasons"]
    assert reason["location"] == "undeclared_call.cu:5:16"
    assert reason["detail"].splitlines()[0].endswith("not declared in this scope")


def test_json_error_is_an_object_with_location(runs):
    out = json.loads(runs["json_empty_original"].stdout)
    assert out["schema"] == "portproof.verdict/1" and out["verdict"] == "error"
    assert out["counterexample"] is None and out["scope"] is None
    [reason] = out["reasons"]
    assert reason["reason"] == "input error" and reason["location"] == "empty.c:1"


def test_json_unsupported_names_construct_and_location(runs):
    out = json.loads(runs["json_shfl"].stdout)
    assert out["verdict"] == "unknown"
    [reason] = out["reasons"]
    assert reason["reason"] == "unsupported"
    assert "__ballot_sync" in reason["detail"]
    assert re.fullmatch(r"shfl\.cu:5(:\d+)?", reason["location"])


def test_help(runs):
    run = runs["help"]
    assert run.status == 0 and not run.stderr
    for word in ("--launch", "--json", "--entry", "--contract", "--bound", "--no-confirm"):
        assert word in run.stdout
    assert re.search(r"0 equivalent, 1 not-equivalent, 2 unknown, 3 bad input", run.stdout)


def test_closed_stdout_is_not_a_traceback(workdir):
    proc = subprocess.Popen([sys.executable, "-m", "portproof.validator.cli", "empty.c", "saxpy.cu", "--json"],
                            cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    _, err = proc.communicate(timeout=120)
    assert b"Traceback" not in err, err.decode()
