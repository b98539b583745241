"""Start-up cost of one trial job, and the kernel cache under cold, warm, concurrent and read-only starts.

    python benchmarks/trial_startup.py              # noisy set, 2 x 8, 4 concurrent jobs
    python benchmarks/trial_startup.py --hidden-layers 1 --hidden 4 --jobs 8

Each job is a fresh ``python`` training for two iterations on the ``--path``
given (the fused kernel by default), so its time is start-up:
interpreter, imports, and getting the kernel (compiling it, or loading the
kernel's library that an earlier job made). Every scenario uses its own kernel
directory (``NETLAB_KERNEL_DIR``) and numba user cache (``HOME``), never the
package's. A job reports its import time, its first trial's time, whether it
imported numba (it compiled) or only loaded the library, and whether torch got
imported.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from netlab.toy import datasets

CHILD = """
import json, sys, time
start = time.perf_counter()
from netlab.toy import datasets, nets, training
imported = time.perf_counter()
x, y = datasets.as_training_arrays(*datasets.read_points(sys.argv[1]))
result = training.train(x, y, nets.init_params(nets.layer_sizes({layers}, {hidden}), 0), max_iter=2, path="{path}")
done = time.perf_counter()
stats = {{"numba": "numba" in sys.modules}}
print(json.dumps({{"imports": imported - start, "first_trial": done - imported, "torch": "torch" in sys.modules,
                  "setup": result.setup_s, "wait": result.wait_s, "loss": result.final_loss, **stats}}))
"""


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hidden-layers", type=int, default=2)
    parser.add_argument("--hidden", type=int, default=8)
    parser.add_argument(
        "--jobs", type=int, default=4, help="jobs started at once in the concurrent scenarios"
    )
    parser.add_argument("--warm-runs", type=int, default=5)
    parser.add_argument(
        "--path", default="fused", help="trainer path the jobs run (training.PATHS)"
    )
    return parser.parse_args()


class Jobs:
    """Starts trial jobs on one data file, each with a given kernel directory and home."""

    def __init__(self, work: Path, layers: int, hidden: int, path: str) -> None:
        self.work = work
        self.data = work / "noisy.txt"
        self.data.write_text(datasets.format_points(*datasets.noisy()))
        self.code = CHILD.format(layers=layers, hidden=hidden, path=path)
        self.count = 0

    def start(
        self, kernels: Path, home: Path, wrap: list[str] | None = None
    ) -> tuple[subprocess.Popen, float]:
        self.count += 1
        out = self.work / f"job{self.count}"
        env = {
            **os.environ,
            "NETLAB_KERNEL_DIR": str(kernels),
            "HOME": str(home),
            "OMP_NUM_THREADS": "1",
        }
        env.pop("NUMBA_CACHE_DIR", None)
        command = [sys.executable, "-c", self.code, str(self.data), f"{out}.json", f"{out}.npz"]
        started = time.perf_counter()
        process = subprocess.Popen((wrap or []) + command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)  # fmt: skip
        return process, started

    @staticmethod
    def finish(job: tuple[subprocess.Popen, float]) -> dict:
        process, started = job
        stdout, stderr = process.communicate(timeout=600)
        wall = time.perf_counter() - started
        if process.returncode != 0:
            return {
                "failed": stderr.strip().splitlines()[-1]
                if stderr.strip()
                else f"exit {process.returncode}"
            }
        return {"wall": wall, **json.loads(stdout.strip().splitlines()[-1])}

    def run(
        self, kernels: Path, home: Path, n: int = 1, wrap: list[str] | None = None
    ) -> list[dict]:
        started = [self.start(kernels, home, wrap) for _ in range(n)]
        return [self.finish(job) for job in started]


def show(title: str, results: list[dict]) -> None:
    print(f"\n{title}")
    for r in results:
        if "failed" in r:
            print(f"  FAILED: {r['failed']}")
            continue
        how = "compiled (numba imported)" if r["numba"] else "library loaded (no numba)"
        print(f"  wall {r['wall']:6.2f} s = imports {r['imports']:5.2f} s + first trial {r['first_trial']:5.2f} s"
              f" (set-up {r['setup']:5.2f} s, waited {r['wait']:5.2f} s) + interpreter/exit; kernel {how};"
              f" torch imported: {r['torch']}; loss {r['loss']:.6f}")  # fmt: skip


def read_only(path: Path) -> list[str] | None:
    """A command prefix that runs a job with ``path`` mounted read-only (needs root for a private mount)."""
    probe = [
        "unshare",
        "-m",
        "sh",
        "-c",
        f"mount --bind {path} {path} && mount -o remount,ro,bind {path} {path}",
    ]
    if (
        shutil.which("unshare") is None
        or subprocess.run(probe, capture_output=True).returncode != 0
    ):
        return None
    script = (
        f'mount --bind "{path}" "{path}" && mount -o remount,ro,bind "{path}" "{path}" && exec "$@"'
    )
    return ["unshare", "-m", "sh", "-c", script, "sh"]


def main() -> None:
    args = arguments()
    with tempfile.TemporaryDirectory(prefix="trial-startup-") as tmp:
        work = Path(tmp)
        jobs = Jobs(work, args.hidden_layers, args.hidden, args.path)
        print(f"trial job start-up, layer sizes {[2] + [args.hidden] * args.hidden_layers + [1]}, "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")  # fmt: skip

        for command in (
            "pass",
            "import numpy",
            "import numba",
            "import netlab.toy.nets",
            "import netlab.toy.train_trials",
        ):
            times = []
            for _ in range(3):
                started = time.perf_counter()
                subprocess.run([sys.executable, "-c", command], check=True)
                times.append(time.perf_counter() - started)
            print(f"  python -c {command!r:24}: {min(times):.2f} s (best of 3)")

        cold, home = work / "kernels-cold", work / "home-cold"
        show("cold: no kernel yet (generate the source, compile, cache)", jobs.run(cold, home))
        warm = [jobs.run(cold, home)[0] for _ in range(args.warm_runs)]
        show(f"warm: {args.warm_runs} jobs one after another", warm)
        walls = [r["wall"] for r in warm if "wall" in r]
        if walls:
            print(f"  median wall {statistics.median(walls):.2f} s")

        shared, home = work / "kernels-shared", work / "home-shared"
        show(
            f"concurrent cold: {args.jobs} jobs start at once, no kernel yet",
            jobs.run(shared, home, args.jobs),
        )
        show(f"concurrent warm: {args.jobs} more jobs at once", jobs.run(shared, home, args.jobs))
        print(f"  kernel directory: {sorted(p.name for p in shared.glob('*.*'))}")

        wrap = read_only(cold)
        if wrap is None:
            print("\nread-only: skipped (a private read-only mount needs root and unshare)")
        else:
            home = work / "home-readonly"
            show(
                "read-only kernel directory (source and cache present), fresh home",
                jobs.run(cold, home, 1, wrap),
            )
            show("read-only again, same home", jobs.run(cold, home, 1, wrap))


if __name__ == "__main__":
    main()
