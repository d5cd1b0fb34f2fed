"""OpenMP races under ThreadSanitizer: libgomp's own synchronisation (region start and join, barriers,
critical sections) is made visible to it by the harness's wrappers, so a correct port with several
work-shared loops in one region shows no race, every time, and a port with a shared temporary shows
one, every time, whatever the timing of the run."""
from pathlib import Path

import numpy as np
import pytest

from portproof.validator.confirm import _port_inputs
from portproof.validator.decide import Options, load_pair
from portproof.validator.execute_c import run_omp_port_races
from portproof.validator.inputs import Sizes, make_inputs, size_names

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def races(pair_dir: str, port: str, size: int, threads: int):
    original = CORPUS / pair_dir / "original.c"
    pair = load_pair(str(original), str(CORPUS / pair_dir / port), Options(), [])
    sizes = Sizes(tuple((n, size) for n in size_names(pair.orig_fn, pair.macros)))
    inputs = make_inputs(pair.orig_fn, pair.shapes, sizes, np.random.default_rng(size))
    return run_omp_port_races(CORPUS / pair_dir / port, pair.port_raw, _port_inputs(pair, inputs, pair.port_raw),
                              threads=threads)


@pytest.mark.parametrize("size, threads", [(4, 2), (4, 4), (9, 3)])
def test_barriers_between_loops_of_one_region_are_seen(size, threads):
    # atax: tmp = A x in one omp for, y = A^T tmp in the next, an implicit barrier between them
    report = races("atax", "ported_omp.c", size, threads)
    assert report.race is None and report.fault is None, report.report[-2000:]


@pytest.mark.parametrize("port", ["ported_omp.c"])
@pytest.mark.parametrize("pair_dir", ["bicg", "gemm", "jacobi-1d-time", "relu", "gemv"])
def test_correct_ports_show_no_race(pair_dir, port):
    report = races(pair_dir, port, 4, 4)
    assert report.race is None and report.fault is None, report.report[-2000:]


@pytest.mark.parametrize("attempt", range(3))
def test_a_shared_temporary_races_on_every_run(attempt):
    report = races("clamp", "mutants/shared_v_omp.c", 4, 4)
    assert report.race is not None, report.fault
    first, second = report.race
    assert first.file.endswith("shared_v_omp.c") and first.line == 16 and second.line == 16


def test_a_missing_barrier_between_loops_races():
    report = races("atax", "mutants/nowait_tmp_omp.c", 4, 4)
    assert report.race is not None
    assert {a.line for a in report.race} == {12, 19} or len({a.line for a in report.race}) == 2


def test_synchronisation_the_wrappers_do_not_model_is_no_verdict(tmp_path):
    (tmp_path / "scale.c").write_text("void scale(int n, double x[n])\n{\n    for (int i = 0; i < n; i++)\n"
                                      "        x[i] = 2.0 * x[i];\n}\n")
    port = tmp_path / "scale_omp.c"
    port.write_text("#include <omp.h>\nvoid scale(int n, double x[n])\n{\n    omp_lock_t l;\n"
                    "    omp_init_lock(&l);\n#pragma omp parallel for\n    for (int i = 0; i < n; i++) {\n"
                    "        omp_set_lock(&l);\n        x[i] = 2.0 * x[i];\n        omp_unset_lock(&l);\n    }\n"
                    "    omp_destroy_lock(&l);\n}\n")
    plain = tmp_path / "scale_plain_omp.c"
    plain.write_text("void scale(int n, double x[n])\n{\n#pragma omp parallel for\n    for (int i = 0; i < n; i++)\n"
                     "        x[i] = 2.0 * x[i];\n}\n")
    pair = load_pair(str(tmp_path / "scale.c"), str(plain), Options(), [])  # the lock port's signature
    inputs = make_inputs(pair.orig_fn, pair.shapes, Sizes((("n", 4),)), np.random.default_rng(0))
    report = run_omp_port_races(port, pair.port_raw, _port_inputs(pair, inputs, pair.port_raw), threads=2)
    assert report.race is None and "omp_set_lock" in (report.fault or "")
