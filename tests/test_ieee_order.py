"""Thread order: schedules of the IR and of the CUDA emulation, results that depend on them under
`--fp ieee`, order-independent (integer) atomics, and the `--fp real` reassociation note."""
from __future__ import annotations

import numpy as np
import pytest

from portproof.ir.concrete import run_concrete
from portproof.ir.parallel import Schedule
from portproof.translators.cuda_frontend import parse_cuda
from portproof.validator.contract import Contract
from portproof.validator.decide import Options, validate
from portproof.validator.execute import ConcreteInputs, run_port
from portproof.validator.verdict import Equivalent, NotEquivalent, Reason, Unknown

SUM = """\
float sum(int n, const float *x)
{
    float s = 0.0f;
    for (int i = 0; i < n; i++)
        s += x[i];
    return s;
}
"""

# thread i adds x[i]: in index order exactly the original's sum, in others not
ATOMIC_SUM = """\
#include <cuda_runtime.h>
__global__ void sum_kernel(int n, const float *x, float *out)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        atomicAdd(out, x[i]);
}

float sum(int n, const float *x)
{
    float *d_x, *d_s;
    float h = 0.0f;
    cudaMalloc(&d_x, n * sizeof(float));
    cudaMalloc(&d_s, sizeof(float));
    cudaMemcpy(d_x, x, n * sizeof(float), cudaMemcpyHostToDevice);
    cudaMemcpy(d_s, &h, sizeof(float), cudaMemcpyHostToDevice);
    if (n > 0)
        sum_kernel<<<(n + 255) / 256, 256>>>(n, d_x, d_s);
    cudaMemcpy(&h, d_s, sizeof(float), cudaMemcpyDeviceToHost);
    return h;
}
"""

INT_SUM = SUM.replace("float", "int").replace("0.0f", "0")
INT_ATOMIC_SUM = ATOMIC_SUM.replace("float", "int").replace("0.0f", "0")

COUNT = """\
float count(int n, const float *x)
{
    float c = 0.0f;
    for (int i = 0; i < n; i++)
        if (x[i] > 0.0f)
            c += 1.0f;
    return c;
}
"""

# float atomics whose sums are small integers: exact in every order, which no run can prove
ATOMIC_COUNT = ATOMIC_SUM.replace("float sum(", "float count(").replace("atomicAdd(out, x[i])",
                                                                          "if (x[i] > 0.0f) atomicAdd(out, 1.0f)")

# each thread takes a ticket: the output is the order in which the threads of 3 blocks of 4 ran
TICKETS = """\
#include <cuda_runtime.h>
__global__ void k(int *c, int *out)
{
    __shared__ int s[4];
    int t = blockIdx.x * blockDim.x + threadIdx.x;
    int a = atomicAdd(c, 1);
    s[threadIdx.x] = a;
    __syncthreads();
    int b = atomicAdd(&c[1], 1);
    out[t] = s[threadIdx.x] + 100 * b;
}

void order(int n, int *out)
{
    int *d_c, *d_o;
    cudaMalloc(&d_c, 2 * sizeof(int));
    cudaMalloc(&d_o, 12 * sizeof(int));
    cudaMemset(d_c, 0, 2 * sizeof(int));
    k<<<3, 4>>>(d_c, d_o);
    cudaMemcpy(out, d_o, 12 * sizeof(int), cudaMemcpyDeviceToHost);
}
"""


def _validate(tmp_path, original: str, port: str, fp: str):
    (tmp_path / "original.c").write_text(original)
    (tmp_path / "port.cu").write_text(port)
    return validate(str(tmp_path / "original.c"), str(tmp_path / "port.cu"), Options(contract=Contract(fp=fp)))


@pytest.mark.parametrize("schedule", [Schedule(), Schedule("reverse"), Schedule("seeded", 1), Schedule("seeded", 7)])
def test_ir_and_emulation_run_the_same_order(tmp_path, schedule):
    path = tmp_path / "tickets.cu"
    path.write_text(TICKETS)
    program = parse_cuda(str(path)).program
    ir = run_concrete(program, "order", {"n": 12}, {"out": np.zeros(12, np.int32)}, schedule=schedule)
    emulated = run_port(str(path), program.function("order"),
                        ConcreteInputs({"n": 12}, {"out": np.zeros(12, np.int32)}), schedule=schedule.spec)
    assert emulated.fault is None
    assert [int(v) for v in ir.arrays["out"].values] == emulated.arrays["out"].tolist()
    # tickets of the second atomic follow the turns of the blocks; the first, the turns within a block
    if schedule.kind == "reverse":
        assert emulated.arrays["out"].tolist() == [1111, 1010, 909, 808, 707, 606, 505, 404, 303, 202, 101, 0]
    assert len({a.loc.line for a in ir.contended}) == 2


def test_float_atomic_sum_depends_on_thread_order(tmp_path):
    result = _validate(tmp_path, SUM, ATOMIC_SUM, "ieee")
    v = result.verdict
    assert isinstance(v, NotEquivalent), v
    c = v.counterexample
    assert c.kind == "thread order" and c.confirmed
    assert "result depends on thread order" in c.detail
    first, second = c.orders
    assert first["order"] != second["order"] and first["value"] != second["value"]
    assert c.expected in (first["value"], second["value"]) and c.actual != c.expected
    assert "run twice" in c.confirmation
    assert result.to_json()["counterexample"]["orders"] == c.orders


def test_integer_atomics_are_order_independent(tmp_path):
    v = _validate(tmp_path, INT_SUM, INT_ATOMIC_SUM, "ieee").verdict
    assert isinstance(v, Equivalent) and v.scope == "bounded", v


def test_one_order_is_no_equivalence_under_ieee(tmp_path):
    v = _validate(tmp_path, COUNT, ATOMIC_COUNT, "ieee").verdict
    assert isinstance(v, Unknown) and v.reason is Reason.THREAD_ORDER, v
    assert "may depend on thread order under --fp ieee" in v.detail and "8 orders" in v.detail


def test_real_mode_notes_reassociation(tmp_path):
    v = _validate(tmp_path, SUM, ATOMIC_SUM, "real").verdict
    assert isinstance(v, Equivalent), v
    assert any(n.startswith("equivalent up to reassociation: atomic add on out") for n in v.notes)
    v = _validate(tmp_path, INT_SUM, INT_ATOMIC_SUM, "real").verdict
    assert isinstance(v, Equivalent) and not any("reassociation" in n for n in v.notes), v


DOT = """\
double dot(int n, const double *x, const double *y)
{
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += x[i] * y[i];
    return s;
}
"""

OMP_DOT = """\
double dot(int n, const double *x, const double *y)
{
    double s = 0.0;
    int i;
#pragma omp parallel for reduction(+:s)
    for (i = 0; i < n; i++)
        s += x[i] * y[i];
    return s;
}
"""


def test_openmp_reduction_depends_on_the_team(tmp_path):
    (tmp_path / "original.c").write_text(DOT)
    (tmp_path / "port.c").write_text(OMP_DOT)
    options = Options(contract=Contract(fp="ieee"))
    v = validate(str(tmp_path / "original.c"), str(tmp_path / "port.c"), options).verdict
    assert isinstance(v, NotEquivalent), v
    c = v.counterexample
    assert c.kind == "thread order" and c.confirmed and c.orders[0]["order"] == "1 thread"
    assert c.orders[0]["value"] != c.orders[1]["value"]
    v = validate(str(tmp_path / "original.c"), str(tmp_path / "port.c"), Options()).verdict
    assert isinstance(v, Equivalent) and any("equivalent up to reassociation" in n for n in v.notes), v


PACK = """\
void pack(int n, const float *x, float *y)
{
    for (int i = 0; i < n; i++)
        y[i] = x[i];
}
"""

# each thread takes a slot with a ticket: in index order y == x, in any other order a permutation
TICKET_PACK = """\
#include <cuda_runtime.h>
__global__ void pack_kernel(int n, const float *x, float *y, int *count)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        int slot = atomicAdd(count, 1);
        y[slot] = x[i];
    }
}

void pack(int n, const float *x, float *y)
{
    float *d_x, *d_y;
    int *d_count;
    cudaMalloc(&d_x, n * sizeof(float));
    cudaMalloc(&d_y, n * sizeof(float));
    cudaMalloc(&d_count, sizeof(int));
    cudaMemcpy(d_x, x, n * sizeof(float), cudaMemcpyHostToDevice);
    cudaMemset(d_count, 0, sizeof(int));
    if (n > 0)
        pack_kernel<<<(n + 255) / 256, 256>>>(n, d_x, d_y, d_count);
    cudaMemcpy(y, d_y, n * sizeof(float), cudaMemcpyDeviceToHost);
}
"""


def test_a_used_ticket_depends_on_thread_order_in_real_mode_too(tmp_path):
    v = _validate(tmp_path, PACK, TICKET_PACK, "real").verdict
    assert isinstance(v, NotEquivalent), v
    c = v.counterexample
    assert c.kind == "thread order" and c.confirmed and c.array == "y"
    assert c.actual != c.expected
