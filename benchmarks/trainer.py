"""Time the notebooks' PyTorch loop against the fused trainer: same process, data and initial weights.

    OMP_NUM_THREADS=1 taskset -c 0 python benchmarks/trainer.py            # noisy set, 2 x 8
    python benchmarks/trainer.py --dataset data3 --hidden-layers 1 --hidden 4 --cpu 0

Prints microseconds per iteration for both (best of ``--repeats`` timed runs,
wall clock and this process's CPU time, after a warm-up), their ratio, the
first call's cost (compiling the kernel, or loading it from the cache) and
the largest difference between the two runs' losses at their common checks.
Runs use ``tol=0`` and ``max_iter`` so both do exactly the iterations asked for.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import yaml

from netlab import mlp, toydata
from netlab.reference import train_reference

ROOT = Path(__file__).resolve().parents[1]


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--dataset", default="noisy", help="a data set of config.yaml (default: noisy, 800 points)"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the initial weights and of generated data"
    )
    parser.add_argument("--hidden-layers", type=int, default=2)
    parser.add_argument("--hidden", type=int, default=8)
    parser.add_argument("--reference-iterations", type=int, default=2000)
    parser.add_argument("--fast-iterations", type=int, default=50_000)
    parser.add_argument("--check-every", type=int, default=1000)
    parser.add_argument(
        "--repeats", type=int, default=5, help="timed runs of each; the best is reported"
    )
    parser.add_argument(
        "--cpu", type=int, help="pin this process to one CPU (else: as started, e.g. by taskset)"
    )
    return parser.parse_args()


def dataset(name: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    specs = yaml.safe_load((ROOT / "config.yaml").read_text())["datasets"]
    if name not in specs:
        sys.exit(f"unknown data set {name!r}; config.yaml has {sorted(specs)}")
    points = toydata.obtain(specs[name], seed, [specs[name].get("path", "")])
    return toydata.as_training_arrays(*points)


def cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def best_time(run: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Least wall-clock and least CPU seconds of ``repeats`` calls (the least disturbed run)."""
    wall, cpu = [], []
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        run()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return min(wall), min(cpu)


def main() -> None:
    args = arguments()
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    torch.set_num_threads(1)
    x, y = dataset(args.dataset, args.seed)
    sizes = mlp.layer_sizes(args.hidden_layers, args.hidden, x.shape[1])
    initial = mlp.init_params(sizes, args.seed)
    settings = {"check_every": args.check_every, "tol": 0.0}

    print(f"{args.dataset}: {len(y)} points, layer sizes {sizes}, seed {args.seed}")
    print(f"{cpu_model()}, CPUs allowed {sorted(os.sched_getaffinity(0))}, "
          f"torch threads {torch.get_num_threads()}, load average {os.getloadavg()[0]:.2f}")  # fmt: skip

    start = time.perf_counter()
    mlp.train(x, y, initial, max_iter=2, **settings)
    first_call = time.perf_counter() - start
    train_reference(x, y, initial, max_iter=50, **settings)  # warm-up

    n_ref, n_fast = args.reference_iterations, args.fast_iterations
    ref_wall, ref_cpu = best_time(
        lambda: train_reference(x, y, initial, max_iter=n_ref, **settings), args.repeats
    )
    fast_wall, fast_cpu = best_time(
        lambda: mlp.train(x, y, initial, max_iter=n_fast, **settings), args.repeats
    )

    fast = mlp.train(x, y, initial, max_iter=n_ref, **settings)
    ref = train_reference(x, y, initial, max_iter=n_ref, **settings)
    gap = max(
        (abs(a - b) for (_, a), (_, b) in zip(fast.checkpoints, ref.checkpoints, strict=True)),
        default=float("nan"),
    )

    us = 1e6
    print(f"first call of the fast trainer (compile, or load from cache): {first_call:.2f} s")
    print(f"reference (PyTorch autograd): {ref_wall / n_ref * us:8.2f} us/it wall, {ref_cpu / n_ref * us:8.2f} CPU"
          f"   ({n_ref} iterations, best of {args.repeats})")  # fmt: skip
    print(f"fast (fused kernel):          {fast_wall / n_fast * us:8.2f} us/it wall, {fast_cpu / n_fast * us:8.2f} CPU"
          f"   ({n_fast} iterations, best of {args.repeats})")  # fmt: skip
    wall_ratio, cpu_ratio = (
        (ref_wall / n_ref) / (fast_wall / n_fast),
        (ref_cpu / n_ref) / (fast_cpu / n_fast),
    )
    print(f"speed-up: {wall_ratio:.1f}x wall, {cpu_ratio:.1f}x CPU")
    print(f"largest loss difference at the {len(ref.checkpoints)} common checks: {gap:.2e}")


if __name__ == "__main__":
    main()
