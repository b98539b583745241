"""A 1,000-trial sweep through the SLURM profile against the same sweep run locally, on this machine.

    sudo python benchmarks/cluster_sweep.py              # data1..data5 x H 2..21 x 10 trials, max_iter 2000
    sudo python benchmarks/cluster_sweep.py --keep /tmp/cs --trials 4 --hidden 2 3   # smaller; keep the files

Starts a one-node SLURM on this machine with the cluster test's helpers (``tests/cluster/slurm.sh``:
installs munge/SLURM and the executor plugin if missing, needs root, stops the daemons it started),
then runs the target ``toy`` of the sweep config (``config.yaml`` with its experiments replaced by the
sweep, ``--replace-workflow-config``) twice from an empty working directory, one after the other:

1. locally: ``snakemake --cores N toy`` (the default profile: one job per trial);
2. through the profile: ``snakemake --workflow-profile profiles/slurm --cores N toy`` with the cluster
   test's overrides (this node's CPU count, ``--slurm-init-seconds-before-status-checks``).

Both run a snapshot of this checkout's workflow and ``netlab`` (copied to the scratch directory, imported
through ``PYTHONPATH``), so edits made to the checkout meanwhile cannot reach one run and not the other.
Before both, every hidden size's trainer kernel is compiled once (into the kernel cache the jobs use),
so neither run pays a compile the other does not. Then it checks that the two runs' results are equal
(``tests/cluster/check_runs.py``: every file, measured times aside) and prints both walls, the SLURM
jobs, and the overhead per trial. Exits 1 if the results differ or a run fails.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path[:0] = [
    str(Path(__file__).resolve().parent),
    str(Path(__file__).resolve().parents[1] / "tests"),
]
from conftest import copy_sources  # noqa: E402  (what a copy of the workflow holds)
from sweep import sweep_config  # noqa: E402  (the same sweep as benchmarks/sweep.py)

CHECKOUT = Path(__file__).resolve().parents[1]
CLUSTER_TEST = CHECKOUT / "tests" / "cluster"
ROOT = CHECKOUT  # the workflow that runs: the snapshot, once taken (``snapshot``)


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--max-iter", type=int, default=2000)
    parser.add_argument("--hidden", type=int, nargs="+", default=list(range(2, 22)))
    parser.add_argument(
        "--init-seconds",
        type=int,
        default=1,
        help="the SLURM plugin's --slurm-init-seconds-before-status-checks (its default: 40)",
    )
    parser.add_argument(
        "--timeout", type=int, default=3600, help="seconds allowed for each Snakemake run"
    )
    parser.add_argument(
        "--keep", type=Path, help="scratch directory to use and keep (must not exist)"
    )
    parser.add_argument(
        "--slurm-extra",
        default="",
        help="more options for the SLURM run (e.g. '--config cluster={trials_per_job: 1}')",
    )
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def snapshot(work: Path) -> Path:
    """Copy the checkout's workflow to ``work/src``; jobs import its ``netlab`` (``PYTHONPATH``)."""
    src = copy_sources(CHECKOUT, work / "src")
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(src), os.environ.get("PYTHONPATH")])
    )
    return src


def with_slurm(argv: list[str], work: Path) -> int:
    """Run this script again (``--inside``) while a one-node SLURM started by tests/cluster/slurm.sh runs."""
    script = f"""
set -euo pipefail
source {shlex.quote(str(CLUSTER_TEST / "slurm.sh"))}
trap slurm_stop EXIT
slurm_install {shlex.quote(sys.executable)}
slurm_configure {shlex.quote(str(work / "slurm"))}
slurm_start {shlex.quote(str(work / "slurm"))}
{shlex.quote(sys.executable)} {shlex.quote(str(Path(__file__).resolve()))} --inside "$@"
"""
    return subprocess.run(["bash", "-c", script, "bash", *argv]).returncode


def warm_kernels(config: dict, work: Path) -> None:
    """Train one trial per hidden size, so the trainer's kernels are compiled before either run."""
    from netlab.toy import datasets

    spec = config["datasets"]["data1"]
    x, labels = datasets.generate(datasets.training_spec(spec), seed=1)
    data = work / "warm" / "data.txt"
    data.parent.mkdir(parents=True, exist_ok=True)
    data.write_text(datasets.format_points(x, labels))
    experiment = config["experiments"]["sweep"]
    for hidden in experiment["hidden_sizes"]:
        out = work / "warm" / f"h{hidden}"
        subprocess.run(
            [sys.executable, "-m", "netlab.toy.train_trials", "--data", str(data),
             "--log", str(out / "log"), "--seed", "1", "--experiment", "warm", "--dataset", "data1",
             "--hidden-layers", str(experiment["hidden_layers"]),
             "--hidden", str(hidden), "--lr", "0.25", "--tol", "1e-4", "--check-every", "1000",
             "--max-iter", str(experiment["max_iter"]),
             "--records", str(out / "trial1.json"), "--weights", str(out / "trial1.npz")],
            check=True,
        )  # fmt: skip


def run(name: str, work: Path, options: list[str], timeout: int) -> float:
    """One Snakemake run of the sweep's ``toy`` target in ``work/name``; its wall time (s)."""
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"),
           "--directory", str(work / name), "--configfile", str(work / "sweep.yaml"),
           "--replace-workflow-config", *options, "toy"]  # fmt: skip
    print(f"[{time.strftime('%H:%M:%S')}] {name} run: {shlex.join(cmd)}", flush=True)
    start = time.perf_counter()
    with (work / f"{name}.log").open("w") as log:
        proc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, timeout=timeout)
    wall = time.perf_counter() - start
    if proc.returncode:
        tail = (work / f"{name}.log").read_text().splitlines()[-30:]
        raise SystemExit(f"the {name} run failed ({proc.returncode}):\n" + "\n".join(tail))
    print(f"[{time.strftime('%H:%M:%S')}] {name} run: {wall:.1f} s", flush=True)
    return wall


def cpu_model() -> str:
    out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    found = re.search(r"^Model name:\s*(.+)$", out, re.MULTILINE)
    return found.group(1).strip() if found else "unknown CPU"


def inside(args: argparse.Namespace, work: Path) -> int:
    sys.path.insert(0, str(CLUSTER_TEST))
    import check_runs

    global ROOT
    ROOT = snapshot(work)
    config = sweep_config(ROOT, args.hidden, args.trials, args.max_iter)
    (work / "sweep.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    n_trials = len(config["experiments"]["sweep"]["hidden_sizes"]) * 5 * args.trials
    warm_kernels(config, work)
    load = os.getloadavg()
    local = run("local", work, ["--cores", str(args.cores)], args.timeout)
    slurm = run(
        "slurm",
        work,
        ["--workflow-profile", str(ROOT / "profiles" / "slurm"), "--cores", str(args.cores),
         "--slurm-init-seconds-before-status-checks", str(args.init_seconds),
         *shlex.split(args.slurm_extra)],
        args.timeout,
    )  # fmt: skip
    problems, compared = check_runs.compare_outputs(work / "local", work / "slurm")
    slurm_log = (work / "slurm.log").read_text()
    slurm_jobs = len(
        {m.group(1) for m in map(check_runs.SUBMITTED.search, slurm_log.splitlines()) if m}
    )
    steps = re.findall(r"(\d+) of (\d+) steps \(100%\) done", slurm_log)
    print(f"\nCPU: {cpu_model()}, {os.cpu_count()} CPUs; load average before: {load[0]:.2f}")
    print(f"sweep: {n_trials} trials (5 data sets x H {args.hidden[0]}..{args.hidden[-1]} x {args.trials}),"
          f" max_iter {args.max_iter}, target toy, --cores {args.cores}")  # fmt: skip
    print("| run | wall | per trial | vs local |")
    print("|---|---|---|---|")
    print(
        f"| local, `--cores {args.cores}` | {local:.0f} s | {local / n_trials * 1000:.0f} ms | 1.00x |"
    )
    print(
        f"| SLURM profile ({slurm_jobs} SLURM jobs, {steps[-1][1] if steps else '?'} steps) | {slurm:.0f} s"
        f" | {slurm / n_trials * 1000:.0f} ms | {slurm / local:.2f}x |"
    )
    print(f"overhead of SLURM per trial: {(slurm - local) / n_trials * 1000:.0f} ms")
    for problem in problems:
        print(f"FAIL: {problem}")
    print(f"{compared} result files compared; {len(problems)} difference(s)")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = arguments(argv)
    if args.keep and not args.inside:
        args.keep.mkdir(parents=True)
    work = args.keep or Path(
        os.environ.get("NETLAB_BENCH_WORK") or tempfile.mkdtemp(prefix="netlab-cluster-sweep.")
    )
    if not args.inside:
        os.environ["NETLAB_BENCH_WORK"] = str(work)
        print(f"scratch directory: {work}", flush=True)
        return with_slurm([a for a in argv if a != "--inside"], work)
    return inside(args, work)


if __name__ == "__main__":
    sys.exit(main())
