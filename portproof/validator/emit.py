"""--emit-tests: a self-contained test suite (inputs, the original's outputs, harnesses, pytest) per pair."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np

from portproof.diagnostics import UsageError
from portproof.ir.nodes import ArrayParam, Function
from portproof.ir.types import BOOL, ScalarType
from portproof.translators.c_openmp import THREADS
from portproof.translators.cuda_emulation import EMU_DIR
from portproof.validator import emit_harness
from portproof.validator.binding import Pair
from portproof.validator.decide import Options, load_pair
from portproof.validator.execute import ConcreteInputs, run_original
from portproof.validator.harness import DTYPES
from portproof.validator.inputs import Inputs, Sizes, make_inputs, size_names
from portproof.validator.launch import concrete_launch, evaluate_int
from portproof.validator.report import render_text
from portproof.validator.search import tolerance
from portproof.validator.verdict import Counterexample, NotEquivalent, Result

SCHEMA = "portproof.suite/1"
HERE = Path(__file__).parent
_INCLUDE = re.compile(r'^(\s*#\s*include\s*)([<"])([^>"]+)[>"]', re.M)


def emit_tests(original: str, port: str, options: Options, result: Result, out_dir: Union[str, Path]) -> Path:
    """Write a runnable test suite for the pair into `out_dir`: one case per counterexample of `result`
    and per boundary size tuple, with the original's outputs as the expected ones; return `out_dir`."""
    pair = load_pair(original, port, options, [])
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("case_*"):
        if (old / "inputs.json").is_file():
            shutil.rmtree(old)
    _copy_sources(original, port, options.include_dirs, out / "src")
    shutil.copytree(EMU_DIR, out / "emu", dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.gch", "__pycache__"))
    shutil.copyfile(HERE / "emit_prepare.py", out / "prepare.py")
    shutil.copyfile(HERE / "emit_pytest.py", out / "test_port.py")
    (out / "harness_original.c").write_text(emit_harness.original_harness(pair, options.defines))
    (out / "harness_emulation.cpp").write_text(emit_harness.emulation_harness(pair, options.defines))
    (out / "harness_cuda.cu").write_text(emit_harness.cuda_harness(pair, options.defines))
    cases, skipped = [], []
    for label, inputs in _cases(pair, options, result):
        case = _write_case(pair, original, options, label, inputs, out / f"case_{len(cases)}")
        if isinstance(case, str):
            skipped.append(f"{label}: {case}")
        else:
            cases.append(case)
    suite = {
        "schema": SCHEMA,
        "original": pair.orig_raw.name,
        "port": pair.port_raw.name,
        "kernel_only": pair.launch is not None,
        "arrays": {p.name: DTYPES[p.type].name for p in _arrays(pair.orig_raw)},
        "return": _return_dtype(pair),
        "tolerance": {t: list(tolerance(np.dtype(t))) for t in ("float32", "float64")},
        "commands": emit_harness.COMMANDS,
        "cases": cases,
    }
    (out / "suite.json").write_text(json.dumps(suite, indent=2) + "\n")
    (out / "README.md").write_text(_readme(pair, result, cases, skipped))
    return out


def _arrays(fn: Function) -> list[ArrayParam]:
    return [p for p in fn.params if isinstance(p, ArrayParam)]


def _return_dtype(pair: Pair) -> Optional[str]:
    """The return value is compared when both the original and the port's host entry return one."""
    if pair.launch is not None or pair.orig_raw.return_type is None or pair.port_raw.return_type is None:
        return None
    return DTYPES[pair.orig_raw.return_type].name


def _copy_sources(original: str, port: str, include_dirs: Sequence[str], src: Path) -> None:
    """src/original.c and src/port.cu, with the headers they include from their own directories or
    from -I directories copied beside them (the #include lines rewritten to the copies' names)."""
    src.mkdir(parents=True, exist_ok=True)
    copied: dict[str, Path] = {}

    def copy(path: Path, name: str) -> None:
        def local(m: re.Match) -> str:
            dirs = ([path.parent] if m[2] == '"' else []) + [Path(d) for d in include_dirs]
            found = next((d / m[3] for d in dirs if (d / m[3]).is_file()), None)
            if found is None:
                return m[0]
            target = found.name
            if copied.setdefault(target, found.resolve()) != found.resolve():
                raise UsageError(f"cannot emit tests: two included headers are both called {target}")
            if not (src / target).exists():
                copy(found, target)
            return f'{m[1]}"{target}"'

        (src / name).write_text(_INCLUDE.sub(local, path.read_text()))

    copy(Path(original), "original.c")
    copy(Path(port), "port.cu")


def _cases(pair: Pair, options: Options, result: Result) -> list[tuple[str, Inputs]]:
    """The counterexample, if any, then every size 0 (macros 1), every size 1, every size at the bound."""
    cases = []
    if isinstance(result.verdict, NotEquivalent):
        cex = result.verdict.counterexample
        cases.append((_describe(cex), _counterexample_inputs(pair, cex)))
    names = size_names(pair.orig_fn, pair.macros)
    bound = options.contract.bound
    seen = set()
    for k, value in enumerate((0, 1, bound)):
        sizes = Sizes(tuple((n, max(value, 1) if n in pair.macros else value) for n in names))
        if sizes in seen:
            continue
        seen.add(sizes)
        inputs = make_inputs(pair.orig_fn, pair.shapes, sizes, np.random.default_rng(k))
        if inputs is not None:
            cases.append((f"boundary: every size {value}" + (" (size macros 1)" if value == 0 and pair.macros else "")
                          + ", random small integers", inputs))
    return cases


def _describe(cex: Counterexample) -> str:
    if cex.array:
        index = "".join(f"[{i}]" for i in cex.index or [])
        return (f"counterexample ({cex.kind}): {cex.array}{index} expected {cex.expected!r}, "
                f"the port gave {cex.actual!r}")
    return f"counterexample ({cex.kind})" + (f": {cex.detail}" if cex.detail else "")


def _counterexample_inputs(pair: Pair, cex: Counterexample) -> Inputs:
    arrays = {p.name: np.asarray(cex.arrays[p.name], dtype=DTYPES[p.type]) for p in _arrays(pair.orig_raw)}
    return Inputs(dict(cex.sizes), dict(cex.scalars), arrays)


def _scalar_bytes(t: ScalarType, value: Union[int, float]) -> bytes:
    return np.array(bool(value) if t == BOOL else value, dtype=DTYPES[t]).tobytes()


def _write_case(pair: Pair, original: str, options: Options, label: str, inputs: Inputs,
                case: Path) -> Union[dict, str]:
    """Write one case directory; a reason instead when the original does not run on these inputs."""
    fn = pair.orig_raw
    values = inputs.all_scalars()
    scalars = [p for p in fn.params if not isinstance(p, ArrayParam)]
    # the OpenMP team size is a size of the IR but no macro of the sources
    macros = {m: int(inputs.sizes[m]) for m in sorted(pair.macros) if m != THREADS}
    ran = run_original(original, fn, ConcreteInputs({p.name: values[p.name] for p in scalars}, inputs.arrays),
                       include_dirs=options.include_dirs, defines=options.defines, macro_values=macros)
    if ran.fault:
        return f"the original does not run on these inputs ({ran.fault}); case left out"
    case.mkdir(parents=True)
    (case / "scalars.bin").write_bytes(b"".join(_scalar_bytes(p.type, values[p.name]) for p in scalars))
    launch = None
    if pair.launch is not None:
        grid, block, shared = concrete_launch(*pair.launch, inputs.sizes)
        launch = {"grid": list(grid), "block": list(block), "shared_bytes": shared}
        (case / "launch.bin").write_bytes(np.array([*grid, *block, shared], dtype=np.uint32).tobytes())
    shapes = {}
    for p in _arrays(fn):
        shapes[p.name] = [evaluate_int(d, inputs.sizes) for d in pair.shapes[p.name]]
        (case / f"in_{p.name}.bin").write_bytes(inputs.arrays[p.name].tobytes())
        (case / f"expected_{p.name}.bin").write_bytes(ran.arrays[p.name].tobytes())
    returned = ran.return_value if _return_dtype(pair) else None
    if returned is not None:
        (case / "expected_return.bin").write_bytes(_scalar_bytes(fn.return_type, returned))
    (case / "inputs.json").write_text(_json_lines({
        "label": label, "sizes": {k: int(v) for k, v in inputs.sizes.items()},
        "scalars": {p.name: values[p.name] for p in scalars}, "macros": macros, "launch": launch,
        "shapes": shapes, "arrays": {k: v.tolist() for k, v in inputs.arrays.items()}}))
    (case / "expected.json").write_text(_json_lines({
        "arrays": {k: v.tolist() for k, v in ran.arrays.items()}, "return": returned}))
    return {"dir": case.name, "label": label, "macros": macros}


def _json_lines(fields: dict) -> str:
    """A JSON object with one field per line, and one line per array."""
    def value(k: str, v) -> str:
        if k != "arrays" or not v:
            return json.dumps(v)
        return "{\n" + ",\n".join(f"    {json.dumps(a)}: {json.dumps(d)}" for a, d in v.items()) + "\n  }"
    return "{\n" + ",\n".join(f"  {json.dumps(k)}: {value(k, v)}" for k, v in fields.items()) + "\n}\n"


def _readme(pair: Pair, result: Result, cases: list[dict], skipped: list[str]) -> str:
    c = emit_harness.COMMANDS
    (r32, a32), (r64, a64) = tolerance(np.dtype("float32")), tolerance(np.dtype("float64"))
    arrays = ", ".join(p.name for p in _arrays(pair.orig_raw))
    entry = (f"kernel `{pair.port_raw.name}` launched with each case's grid and block (launch.bin)"
             if pair.launch is not None else f"host function `{pair.port_raw.name}`")
    lines = [
        f"# Tests of a port of `{pair.orig_raw.name}`, emitted by portproof",
        "",
        f"The port's {entry} is run on each case's inputs and every array ({arrays}) is compared with",
        "what the original C function computed on the same inputs (compiled with gcc when this suite was",
        f"emitted). Floating-point elements are compared with numpy.isclose: relative tolerance {r32:g}",
        f"(absolute {a32:g}) for float32, {r64:g} (absolute {a64:g}) for float64; integers exactly. The suite needs",
        "Python 3 with numpy and pytest, gcc and g++; nvcc and an NVIDIA GPU for the CUDA runs. It does not",
        "need portproof.",
        "",
        "    pytest -q            # from this directory",
        "",
        "For every case, pytest builds (once, in a temporary directory) and runs the original's harness (a",
        "check of the expected outputs on this machine), the port in the CPU emulation of CUDA (g++), and",
        "the port on a real GPU (nvcc) when `nvcc` is on the PATH and `nvidia-smi` works; otherwise that",
        "test is skipped and says why. To test a fixed port, copy it over `src/port.cu` and run pytest again.",
        "",
        "## What portproof said",
        "",
        "```",
        render_text(result),
        "```",
        "",
        "## Files",
        "",
        "| file | what it is |",
        "| --- | --- |",
        "| `src/original.c`, `src/port.cu` | copies of the two programs (and of the headers they include) |",
        "| `harness_original.c` | C main that runs the original on a case's inputs |",
        "| `harness_emulation.cpp` | C++ main that runs the port in portproof's CPU emulation of CUDA |",
        "| `harness_cuda.cu` | CUDA main that runs the port on a GPU"
        + (" (cudaMalloc, cudaMemcpy, the launch, copy back)" if pair.launch is not None else "") + "; "
        "it checks the status of every CUDA call it makes |",
        "| `emu/` | the headers of the CPU emulation of CUDA |",
        "| `prepare.py` | makes a build directory: copies `src/` with a case's size macros set, and "
        "writes `port_emulated.cpp` (the port with its kernel launches rewritten for the emulation) |",
        "| `test_port.py`, `suite.json` | the pytest file and its description of the cases |",
        "| `case_<k>/` | `in_<array>.bin` (raw, the original's element type, row-major), `scalars.bin` (the "
        "original's scalar parameters in order, each in its C type)"
        + (", `launch.bin` (7 uint32: grid x y z, block x y z, dynamic shared bytes)" if pair.launch else "")
        + ", `inputs.json` (the same, readable), `expected_<array>.bin` and `expected.json` "
        "(the original's outputs) |",
        "",
        "## Cases",
        "",
        *(f"- `{k['dir']}`: {k['label']}" + (f"; size macros {k['macros']}" if k["macros"] else "")
          for k in cases),
        *(f"- left out: {s}" for s in skipped),
        "",
        "## By hand",
        "",
        "From this directory (a case with size macros needs its own build: give its directory to prepare.py):",
        "",
        "    python3 prepare.py build            # or: python3 prepare.py build case_0",
        *(f"    {' '.join(c[k]).format(build='build')}" for k in ("original", "emulation", "cuda")),
        "    cd case_0 && ../build/harness_emulation && cd ..",
        "",
        "Each harness reads the inputs from the current directory and writes `out_<array>.bin` there"
        + (" (and `return.bin`, the return value)" if _return_dtype(pair) else "") + "; compare them with",
        "the expected outputs, e.g.",
        "",
        "    python3 -c \"import numpy as np; print(np.fromfile('case_0/out_X.bin', 'DTYPE') - "
        "np.fromfile('case_0/expected_X.bin', 'DTYPE'))\"",
        "",
        "with X an array and DTYPE its type from `suite.json`. A port that reads or writes out of bounds "
        "faults in the original's and the emulation's harnesses (arrays end at a guard page); on a GPU run "
        "it with `compute-sanitizer build/harness_cuda` to see it.",
        "",
    ]
    return "\n".join(lines)
