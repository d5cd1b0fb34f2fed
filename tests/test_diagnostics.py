"""One `pytest.raises` test per error class in portproof.diagnostics, each raised through the real code path."""
import inspect
import re

import numpy as np
import pytest

from portproof import diagnostics
from portproof.diagnostics import (CompileError, ContractError, InputFileError, MissingLaunchConfig, ParseError,
                                   PortproofError, Unsupported, UsageError)
from portproof.ir.nodes import SourceLoc, Var
from portproof.translators.c_frontend import parse_c
from portproof.translators.cuda_frontend import parse_cuda
from portproof.translators.preprocess import preprocess

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

TESTED = {PortproofError, UsageError, InputFileError, ParseError, CompileError, MissingLaunchConfig, ContractError,
          Unsupported}


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return str(path)


def starts_with_loc(error, path, line):
    return re.match(rf"{re.escape(path)}:{line}(:\d+)?: ", str(error))


def test_every_error_class_has_a_test():
    classes = {c for _, c in inspect.getmembers(diagnostics, inspect.isclass)
               if issubclass(c, PortproofError) and c.__module__ == diagnostics.__name__}
    assert classes == TESTED


def test_exit_statuses_and_kinds():
    assert {c: c.exit_status for c in TESTED} == {c: 2 if c is Unsupported else 3 for c in TESTED}
    kinds = [c.kind for c in TESTED]
    assert len(set(kinds)) == len(kinds)


def test_format_of_an_error():
    e = ParseError("syntax error at `n`", SourceLoc("k.cu", 4, 14), "    if (i >= n return;\n")
    assert str(e) == "k.cu:4:14: parse error: syntax error at `n`\n    if (i >= n return;"
    assert str(PortproofError("no location")) == "error: no location"
    assert str(Unsupported("goto", SourceLoc("k.c", 3))) == "k.c:3: unsupported: goto"


def test_portproof_error_unknown_language(tmp_path):
    path = write(tmp_path, "k.c", SAXPY_C)
    with pytest.raises(PortproofError) as info:
        preprocess(path, language="fortran")
    assert type(info.value) is PortproofError
    assert "fortran" in str(info.value) and info.value.exit_status == 3


def test_usage_error_missing_function(tmp_path):
    path = write(tmp_path, "k.c", SAXPY_C)
    with pytest.raises(UsageError) as info:
        parse_c(path, functions=["nothere"])
    assert "nothere" in str(info.value) and path in str(info.value)


def test_usage_error_missing_entry(tmp_path):
    from portproof.validator.binding import bind
    from portproof.validator.contract import Contract

    original = parse_c(write(tmp_path, "k.c", SAXPY_C))
    port = parse_cuda(write(tmp_path, "k.cu", SAXPY_CU))
    with pytest.raises(UsageError, match="nothere"):
        bind(original, port, Contract(original_entry="nothere", launch="<<<n, 1>>>"), frozenset(), {})


def test_usage_error_unknown_target():
    from portproof.specs import load_target

    with pytest.raises(UsageError, match="sm_1"):
        load_target("sm_1")


def test_input_file_error_empty(tmp_path):
    path = write(tmp_path, "empty.c", "")
    with pytest.raises(InputFileError) as info:
        parse_c(path)
    assert info.value.loc == SourceLoc(path, 1)
    assert starts_with_loc(info.value, path, 1) and "empty" in str(info.value)


def test_input_file_error_blank_port(tmp_path):
    path = write(tmp_path, "blank.cu", "\n   \n")
    with pytest.raises(InputFileError) as info:
        parse_cuda(path)
    assert starts_with_loc(info.value, path, 1)


def test_input_file_error_binary(tmp_path):
    path = write(tmp_path, "garbage.c", b"int x;\n\x00\x96\xff")
    with pytest.raises(InputFileError) as info:
        parse_c(path)
    assert starts_with_loc(info.value, path, 2) and "binary" in str(info.value)


def test_input_file_error_missing(tmp_path):
    path = str(tmp_path / "nope.c")
    with pytest.raises(InputFileError) as info:
        parse_c(path)
    assert path in str(info.value) and "No such file" in str(info.value)


def test_parse_error_in_port(tmp_path):
    path = write(tmp_path, "syntax.cu", SAXPY_CU.replace("if (i >= n)", "if (i >= n"))
    with pytest.raises(ParseError) as info:
        parse_cuda(path)
    assert info.value.loc.file == path and info.value.loc.line == 4
    assert starts_with_loc(info.value, path, 4)
    assert "if (i >= n return;" in info.value.snippet


def test_parse_error_in_original(tmp_path):
    path = write(tmp_path, "syntax.c", SAXPY_C.replace("a * x[i]", "a * * x[i] )"))
    with pytest.raises(ParseError) as info:
        parse_c(path)
    assert info.value.loc.line == 4 and starts_with_loc(info.value, path, 4)


def test_parse_error_in_launch():
    from portproof.translators.cuda_frontend import parse_launch

    with pytest.raises(ParseError) as info:
        parse_launch("<<<n,,>>>")
    assert str(info.value).startswith("<launch>:1")


def test_compile_error_from_gcc(tmp_path):
    """pycparser accepts the original's text; gcc rejects it (undeclared identifier) when it is run."""
    from portproof.validator.execute import run_original

    function = parse_c(write(tmp_path, "saxpy.c", SAXPY_C)).functions[0]
    path = write(tmp_path, "undeclared.c", SAXPY_C.replace("+ y[i];", "+ undeclared_var;"))
    inputs = {"n": 1, "a": 1.0, "x": np.zeros(1, np.float32), "y": np.zeros(1, np.float32)}
    with pytest.raises(CompileError) as info:
        run_original(path, function, inputs)
    e = info.value
    assert e.loc is not None and e.loc.line == 4
    assert starts_with_loc(e, path, 4) and "undeclared_var" in str(e)
    assert any("error:" in note for note in getattr(e, "__notes__", ()))


def test_compile_error_of_the_port_in_the_compile_check(tmp_path):
    """The compile check reports (does not raise) the CompileError's text: file:line first."""
    from portproof.validator.execute import compile_check_port

    path = write(tmp_path, "undeclared.cu", SAXPY_CU.replace("a * x[i]", "a * helper_not_declared(x[i])"))
    report = compile_check_port(path)
    assert not report.ok
    assert report.message.startswith(f"{path}:5:") and "compile error" in report.message
    assert "helper_not_declared" in report.message


def test_missing_launch_config_from_binding(tmp_path):
    from portproof.validator.binding import bind
    from portproof.validator.contract import Contract

    original = parse_c(write(tmp_path, "saxpy.c", SAXPY_C))
    path = write(tmp_path, "saxpy.cu", SAXPY_CU)
    with pytest.raises(MissingLaunchConfig) as info:
        bind(original, parse_cuda(path), Contract(), frozenset(), {"x": (Var("n"),), "y": (Var("n"),)})
    assert starts_with_loc(info.value, path, 1)
    assert "--launch" in str(info.value) and info.value.exit_status == 3


def test_missing_launch_config_when_running_a_kernel(tmp_path):
    from portproof.validator.execute import run_port

    path = write(tmp_path, "saxpy.cu", SAXPY_CU)
    kernel = parse_cuda(path).program.functions[0]
    assert kernel.kind == "kernel"
    with pytest.raises(MissingLaunchConfig) as info:
        run_port(path, kernel, {})
    assert starts_with_loc(info.value, path, 1)


def test_contract_error_bad_toml(tmp_path):
    from portproof.validator.contract import load_contract

    path = write(tmp_path, "bad.toml", "this is = not [ toml\n")
    with pytest.raises(ContractError) as info:
        load_contract(path)
    assert path in str(info.value)


def test_contract_error_bad_toml_starts_with_file_line(tmp_path):
    from portproof.validator.contract import load_contract

    path = write(tmp_path, "bad.toml", "this is = not [ toml\n")
    with pytest.raises(ContractError) as info:
        load_contract(path)
    assert starts_with_loc(info.value, path, 1)


@pytest.mark.parametrize("text, match", [
    ("frobs = 1\n", "unknown keys"),
    ("bound = 0\n", "bound"),
    ("bound = 'many'\n", "many"),
    ("fp = 'half'\n", "half"),
    ("timeout = -1\n", "timeout"),
])
def test_contract_error_bad_values(tmp_path, text, match):
    from portproof.validator.contract import load_contract

    with pytest.raises(ContractError, match=match):
        load_contract(write(tmp_path, "c.toml", text))


def test_contract_error_from_flags():
    from portproof.validator.contract import Contract, merge

    with pytest.raises(ContractError, match="bound"):
        merge(Contract(), bound=0)


def test_unsupported_goto_in_original(tmp_path):
    path = write(tmp_path, "goto.c", SAXPY_C.replace("    for", "top:\n    for").replace(
        "+ y[i];", "+ y[i];\n    goto top;"))
    with pytest.raises(Unsupported) as info:
        parse_c(path)
    e = info.value
    assert e.exit_status == 2 and e.loc.file == path
    assert re.search("goto|label", e.construct)
    assert starts_with_loc(e, path, e.loc.line) and e.loc.line in (3, 6)


def test_unsupported_shuffle_in_port(tmp_path):
    path = write(tmp_path, "shfl.cu", SAXPY_CU.replace("x[i] +", "(__ballot_sync(0xffffffff, x[i] > 0) ? x[i] : x[i]) +"))
    unit = parse_cuda(path)
    [e] = unit.failures.values()
    assert isinstance(e, Unsupported)
    assert "__ballot_sync" in e.construct and starts_with_loc(e, path, 5)
