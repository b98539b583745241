"""The trainer at every size: first call (compile), its memory, and time per iteration on each path.

    python benchmarks/trainer.py                       # the issue's table: 800 points, one core
    python benchmarks/trainer.py --sizes 2-8-8-1 2-64-64-1 --points 100 800 3200

One core (this process and its children pinned to ``--cpu``, torch and BLAS
on one thread), all timings in this process, same data and initial weights:

* ``first call``: a fresh Python with an empty kernel directory imports
  ``netlab`` and runs ``training.train`` for two iterations on the path chosen for a long run
  (``netlab.toy.trainer.choice``): imports and, on the fused path, the compile; its
  peak RSS is the job's memory while compiling;
* ``us/it`` of the chosen path, of each path of ``training.PATHS`` (the fused one
  where ``choice`` allows it), of the notebooks' autograd loop
  (``netlab.toy.reference``) and of a plain batched PyTorch loop (manual forward
  and backward with matmuls, no autograd, float32), each best of ``--repeats``;
* the ratios of the chosen path against autograd and against the plain loop.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from netlab.toy import datasets, nets, training
from netlab.toy.reference import train_reference
from netlab.toy.trainer import choice

SIZES = [
    "2-2-1", "2-4-1", "2-8-8-1", "2-16-16-1", "2-32-32-1", "2-64-64-1", "2-128-1",
    "2-128-128-1", "2-256-256-1", "2-8-8-8-1", "2-32-32-32-1", "2-128-128-128-1",
]  # fmt: skip
FIRST_CALL = """
import time
start = time.perf_counter()
import json, sys
from pathlib import Path
from netlab.toy import datasets, nets, training
x, y = datasets.as_training_arrays(*datasets.noisy(n=int(sys.argv[2])))
sizes = [int(s) for s in sys.argv[1].split("-")]
result = training.train(x, y, nets.init_params(sizes, 0), max_iter=2, path=sys.argv[3])
first_call = time.perf_counter() - start
# VmHWM, not ru_maxrss: the latter keeps the (much bigger) parent's peak across fork and exec
peak_kb = next(int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines()
               if line.startswith("VmHWM:"))
print(json.dumps({"first_call_s": first_call, "peak_rss_mb": peak_kb / 1024}))
"""


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", nargs="+", default=SIZES, help="layer sizes such as 2-8-8-1")
    parser.add_argument(
        "--points", nargs="+", type=int, default=[800], help="data points (noisy set)"
    )
    parser.add_argument(
        "--seconds", type=float, default=0.3, help="about how long each timed run lasts"
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="timed runs of each; the best is reported"
    )
    parser.add_argument("--cpu", type=int, default=0, help="the one CPU everything runs on")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    return parser.parse_args()


def cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def plain_torch(
    x: np.ndarray, y: np.ndarray, params: nets.Params, iterations: int, lr: float = 0.25
) -> None:
    """The notebooks' loop written by hand in batched PyTorch: matmuls forward and backward, no autograd."""
    xt, yt = torch.from_numpy(x), torch.from_numpy(y).reshape(-1, 1)
    ws = [torch.from_numpy(w.copy()) for w, _ in params]
    bs = [torch.from_numpy(b.copy()) for _, b in params]
    n = x.shape[0]
    for t in range(2, iterations + 2):
        acts = [xt]
        for k, (w, b) in enumerate(zip(ws, bs, strict=True)):
            z = torch.addmm(b, acts[-1], w.T)
            acts.append(torch.relu(z) if k < len(ws) - 1 else torch.sigmoid(z))
        delta = (acts[-1] - yt) / n
        eta = lr / np.sqrt(t)
        for k in range(len(ws) - 1, -1, -1):
            grad_w, grad_b = delta.T @ acts[k], delta.sum(0)
            if k:
                delta = (delta @ ws[k]) * (acts[k] > 0)
            ws[k] -= eta * grad_w
            bs[k] -= eta * grad_b


def us_per_iteration(
    run: Callable[[int], object], estimate_us: float, seconds: float, repeats: int
) -> float:
    """Best time per iteration of ``run(iterations)`` over ``repeats`` runs of about ``seconds`` each."""
    iterations = max(20, int(seconds * 1e6 / max(estimate_us, 0.1)))
    run(min(iterations, 20))  # warm-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run(iterations)
        best = min(best, time.perf_counter() - start)
    return best / iterations * 1e6


def first_call(sizes: str, n: int, path: str, cpu: int) -> dict:
    with tempfile.TemporaryDirectory() as kernels:
        env = {
            **os.environ,
            "NETLAB_KERNEL_DIR": kernels,
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
        }
        out = subprocess.run(
            ["taskset", "-c", str(cpu), sys.executable, "-c", FIRST_CALL, sizes, str(n), path],
            capture_output=True, text=True, env=env, check=True,
        )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(label: str, n: int, args: argparse.Namespace) -> dict:
    sizes = [int(s) for s in label.split("-")]
    x, y = datasets.as_training_arrays(*datasets.noisy(n=n))
    initial = nets.init_params(sizes, 0)
    settings = {"check_every": 1000, "tol": 0.0}
    chosen = choice.choose_path(sizes, n, None)
    row = {"sizes": label, "points": n, "path": chosen, **first_call(label, n, chosen, args.cpu)}
    for path in training.PATHS:
        if path == "fused" and not choice.fused_allowed(sizes):
            continue
        row[f"{path}_us"] = us_per_iteration(
            lambda its, path=path: training.train(x, y, initial, max_iter=its + 1, path=path, **settings),
            choice.us_per_iteration(path, sizes, n), args.seconds, args.repeats,
        )  # fmt: skip
    torch_estimate = 100 + choice.us_per_iteration("general", sizes, n)
    row["autograd_us"] = us_per_iteration(
        lambda its: train_reference(x, y, initial, max_iter=its + 1, **settings), 3 * torch_estimate,
        args.seconds, args.repeats,
    )  # fmt: skip
    row["plain_torch_us"] = us_per_iteration(
        lambda its: plain_torch(x, y, initial, its), torch_estimate, args.seconds, args.repeats
    )
    row["us"] = row[f"{chosen}_us"]
    row["vs_autograd"] = row["autograd_us"] / row["us"]
    row["vs_plain_torch"] = row["plain_torch_us"] / row["us"]
    return row


def main() -> None:
    args = arguments()
    os.sched_setaffinity(0, {args.cpu})
    torch.set_num_threads(1)
    print(f"{cpu_model()}, one core (CPU {args.cpu}), torch threads {torch.get_num_threads()}, "
          f"load average {os.getloadavg()[0]:.2f}", flush=True)  # fmt: skip
    header = "| layer sizes | points | path | first call s | peak RSS MB | fused us/it | general us/it | autograd us/it | plain torch us/it | vs autograd | vs plain torch |"
    print(header, flush=True)
    print("|" + "---|" * (header.count("|") - 1), flush=True)
    rows = []
    for n in args.points:
        for label in args.sizes:
            row = measure(label, n, args)
            rows.append(row)
            fused = f"{row['fused_us']:.1f}" if "fused_us" in row else "-"
            print(f"| {label} | {n} | {row['path']} | {row['first_call_s']:.2f} | {row['peak_rss_mb']:.0f} | "
                  f"{fused} | {row['general_us']:.1f} | {row['autograd_us']:.0f} | {row['plain_torch_us']:.1f} | "
                  f"{row['vs_autograd']:.1f}x | {row['vs_plain_torch']:.2f}x |", flush=True)  # fmt: skip
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
