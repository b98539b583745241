"""Which path trains a net, and what a trial job needs: both from one cost model, measured.

The constants below were measured with ``benchmarks/trainer.py`` and
``benchmarks/trial_startup.py`` on an AMD EPYC (Zen 4) core, 100 and 800
points, those of the general loop and the compile on an Intel Xeon (the table
is in docs/performance.md). A run's cost on each path is its set-up
plus its iterations times the path's cost per iteration; the cheaper wins. The
fused kernel is allowed only where its compile (once per machine) stays well
under the 15 s a first call may take. A run without ``max_iter`` is assumed
long (``ASSUMED_ITERATIONS``): the notebooks' runs to convergence take tens to
hundreds of thousands of iterations.

The choice depends only on the layer sizes, the number of points and
``max_iter``, never on timings taken at run time or on what is cached: the same
run takes the same path (and gives the same numbers) on every machine state
and any ``--cores``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

ASSUMED_ITERATIONS = 100_000  # a run to convergence, for choosing (max_iter None)
RUNTIME_ITERATIONS = 2_000_000  # a run to convergence, for the declared run time (max_iter None)

FUSED_SETUP_S = (
    0.05  # load this machine's library of the kernel (llvmlite names the CPU, then dlopen)
)
FUSED_NS_PER_WEIGHT_POINT = 0.15  # the kernel's time per weight and data point, per iteration
FUSED_US_PER_ITERATION = 0.5  # its fixed cost per iteration (loop, step, check bookkeeping)
COMPILE_S = (1.7, 0.042)  # numba's compile of the kernel: 1.7 s + 0.042 s per weight (Intel Xeon)
COMPILE_BUDGET_S = 8.0  # the fused path only for kernels compiling in about this (the goal is 15 s)

GENERAL_SETUP_S = 0.45  # import numba, load ``layers`` from its cache (3 s the first time)
GENERAL_US_PER_ITERATION = 1.0  # the compiled loop's fixed cost per iteration ...
GENERAL_US_PER_LAYER = 1.0  # ... and per layer
GENERAL_NS_PER_WEIGHT_POINT = 0.15  # its time per weight and data point, per iteration (Intel Xeon)

# peak memory of a trial job (MB): numpy, then numba and LLVM (fused: if this job compiles the kernel)
BASE_MB = 120
GENERAL_MB = 80
FUSED_MB = 190
COMPILE_MB_PER_WEIGHT = 0.25  # numba/LLVM memory while compiling grows with the generated code
BYTES_PER_UNIT_POINT = (
    4 * 4
)  # float32 activation, delta, mask (general) or rows (fused), per unit and point


def weights(sizes: Sequence[int]) -> int:
    """Number of weights and biases of a net with layer ``sizes``."""
    return sum((fan_in + 1) * fan_out for fan_in, fan_out in itertools.pairwise(sizes))


def compile_s(sizes: Sequence[int]) -> float:
    """Estimated seconds numba takes to compile the fused kernel for ``sizes`` (once per machine)."""
    return COMPILE_S[0] + COMPILE_S[1] * weights(sizes)


def fused_allowed(sizes: Sequence[int]) -> bool:
    """Whether the fused kernel compiles quickly enough for this net to be considered."""
    return compile_s(sizes) <= COMPILE_BUDGET_S


def us_per_iteration(path: str, sizes: Sequence[int], n_points: int) -> float:
    """Estimated microseconds per iteration of ``path`` for a net with ``sizes`` on ``n_points`` points."""
    work = weights(sizes) * n_points
    if path == "fused":
        return FUSED_US_PER_ITERATION + FUSED_NS_PER_WEIGHT_POINT * 1e-3 * work
    if path == "general":
        depth = len(sizes) - 1
        return (
            GENERAL_US_PER_ITERATION
            + GENERAL_US_PER_LAYER * depth
            + GENERAL_NS_PER_WEIGHT_POINT * 1e-3 * work
        )
    raise ValueError(f"unknown trainer path {path!r}")


def run_cost_s(path: str, sizes: Sequence[int], n_points: int, iterations: int) -> float:
    """Estimated seconds of a run on ``path``: set-up (a cached kernel) plus its iterations."""
    setup = FUSED_SETUP_S if path == "fused" else GENERAL_SETUP_S
    return setup + iterations * us_per_iteration(path, sizes, n_points) * 1e-6


def choose_path(sizes: Sequence[int], n_points: int, max_iter: int | None) -> str:
    """The cheaper path for this run: ``"fused"`` or ``"general"``."""
    if not fused_allowed(sizes):
        return "general"
    iterations = max_iter or ASSUMED_ITERATIONS
    fused, general = (run_cost_s(p, sizes, n_points, iterations) for p in ("fused", "general"))
    return "fused" if fused < general else "general"


def trial_mem_mb(sizes: Sequence[int], n_points: int, max_iter: int | None) -> int:
    """Memory (MB) to declare for a trial job: its path's libraries, a compile if any, its arrays; 50 % spare."""
    path = choose_path(sizes, n_points, max_iter)
    arrays = BYTES_PER_UNIT_POINT * sum(sizes) * max(n_points, 1024) / 1e6
    mb = BASE_MB + arrays
    mb += FUSED_MB + COMPILE_MB_PER_WEIGHT * weights(sizes) if path == "fused" else GENERAL_MB
    return math.ceil(1.5 * mb)


def trial_runtime_min(sizes: Sequence[int], n_points: int, max_iter: int | None) -> int:
    """Run time (minutes) to declare for a job of one trial (``job_runtime_min``)."""
    return job_runtime_min([(sizes, 1)], n_points, max_iter)


def job_runtime_min(
    nets: Sequence[tuple[Sequence[int], int]], n_points: int, max_iter: int | None
) -> int:
    """Run time (minutes) to declare for a job training ``count`` trials of each net (``sizes``, ``count``):
    each kernel's compile, the trials' set-up and iterations, three times over."""
    seconds = 0.0
    for sizes, count in nets:
        path = choose_path(sizes, n_points, max_iter)
        seconds += count * run_cost_s(path, sizes, n_points, max_iter or RUNTIME_ITERATIONS)
        seconds += compile_s(sizes) if path == "fused" else 0.0
    return max(2, math.ceil(3 * seconds / 60))
