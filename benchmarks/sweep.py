"""What a sweep costs, job by job: the issue's sweep (or the default run) in a scratch copy of the workflow.

    python benchmarks/sweep.py                 # data1..data5 x H 2..8 x 20 trials, max_iter 2000, --cores 2
    python benchmarks/sweep.py --default       # the default config.yaml, from an empty results/
    python benchmarks/sweep.py --keep /tmp/sw  # keep the scratch copy (results, logs, benchmarks) there
    python benchmarks/sweep.py --plan --hidden $(seq 2 21) --trials 100   # 10,000 trials: dry-run time only
    python benchmarks/sweep.py --plan --hidden $(seq 2 21) --trials 100 --trials-per-job 25   # as on SLURM

The sweep config is config.yaml with its experiments replaced by one
experiment, run as a user would (``--configfile sweep.yaml
--replace-workflow-config``). The workflow's sources are copied to a scratch
directory with an empty ``results/``; jobs import the ``netlab`` that this
Python imports (set ``PYTHONPATH`` to measure a checkout), whose kernel cache
is used as it is (run once before to measure "kernels cached"). For the
"before" numbers, run main's workflow and package:
``PYTHONPATH=/work/main python benchmarks/sweep.py --source /work/main``. Prints the
wall time, the number of jobs, and for the trial jobs: job time per job
(Snakemake's benchmark ``s``), training time (the trial JSON's ``train_s``),
the overhead (the difference) and its parts: set-up (imports and kernel
compile/load), waiting for another job's compile, the rest of ``training.train``,
and outside it (interpreter, Snakemake's script preamble, imports, reading
the data, writing the results).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from conftest import copy_sources  # noqa: E402  (what a clone of the workflow holds, one definition)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--default", action="store_true", help="run config.yaml as it is, not the sweep"
    )
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--max-iter", type=int, default=2000)
    parser.add_argument("--hidden", type=int, nargs="+", default=list(range(2, 9)))
    parser.add_argument(
        "--trials-per-job",
        type=int,
        default=0,
        help="cluster.trials_per_job of the sweep config (the SLURM profile sets 25)",
    )
    parser.add_argument(
        "--plan",
        action="store_true",
        help="only plan: time Snakemake's dry run of the whole sweep (parse, DAG, fingerprints)",
    )
    parser.add_argument(
        "--keep", type=Path, help="scratch directory to use and keep (must not exist)"
    )
    parser.add_argument(
        "--source",
        type=Path,
        default=ROOT,
        help="checkout whose workflow runs (e.g. main's, for 'before')",
    )
    return parser.parse_args()


def sweep_config(source: Path, hidden: list[int], trials: int, max_iter: int) -> dict:
    """``source``'s config.yaml with one experiment: data1..data5 x ``hidden`` x ``trials``, ``max_iter`` capped."""
    config = yaml.safe_load((source / "config.yaml").read_text())
    config["experiments"] = {
        "sweep": {
            "datasets": ["data1", "data2", "data3", "data4", "data5"],
            "hidden_layers": 1,
            "hidden_sizes": hidden,
            "trials": trials,
            "lr": 0.25,
            "tol": 1.0e-4,
            "check_every": 1000,
            "max_iter": max_iter,
        }
    }
    return config


def read_benchmarks(results: Path) -> dict[str, list[tuple[Path, float]]]:
    """Rule -> (benchmark file, job seconds) for every job that ran."""
    jobs: dict[str, list[tuple[Path, float]]] = {}
    for path in sorted((results / "benchmarks").rglob("*.tsv")):
        rule = path.relative_to(results / "benchmarks").parts[0].removesuffix(".tsv")
        with path.open(newline="") as fh:
            seconds = [float(row["s"]) for row in csv.DictReader(fh, delimiter="\t")]
        jobs.setdefault(rule, []).append((path, seconds[-1]))
    return jobs


def trial_record(results: Path, benchmark: Path) -> dict:
    """The trial JSON that a train_trial benchmark file belongs to."""
    relative = benchmark.relative_to(results / "benchmarks" / "train_trial").with_suffix(".json")
    return json.loads((results / "mlp" / relative).read_text())


def plan(cmd: list[str]) -> None:
    """Time the dry run of ``cmd`` twice: the first one fills the fingerprint cache, the second reads it."""
    for attempt in ("first (fingerprints computed)", "second (fingerprints cached)"):
        start = time.perf_counter()
        proc = subprocess.run(
            [*cmd, "--dry-run", "--quiet", "rules"], capture_output=True, text=True
        )
        wall = time.perf_counter() - start
        if proc.returncode:
            sys.exit(f"the dry run failed:\n{proc.stderr[-3000:]}")
        planned = re.findall(r"^total\s+(\d+)$", proc.stdout, re.MULTILINE)[-1]
        print(f"dry run, {attempt}: {wall:.1f} s for {planned} planned jobs")


def main() -> None:
    args = arguments()
    # The scratch copy's jobs import its own netlab (``python -m`` puts the working directory first), whose
    # kernel directory is new: keep kernels in one place across runs, so "kernels cached" holds.
    os.environ.setdefault(
        "NETLAB_KERNEL_DIR", str(Path.home() / ".cache" / "netlab" / "sweep-kernels")
    )
    scratch = args.keep or Path(tempfile.mkdtemp(prefix="netlab-sweep-"))
    workdir = copy_sources(args.source.resolve(), scratch)
    cmd = [sys.executable, "-m", "snakemake", "--cores", str(args.cores), "--directory", str(workdir),
           "--snakefile", str(workdir / "Snakefile")]  # fmt: skip
    if not args.default:
        config_path = workdir / "sweep.yaml"
        config = sweep_config(args.source, args.hidden, args.trials, args.max_iter)
        config.setdefault("cluster", {})["trials_per_job"] = args.trials_per_job
        config_path.write_text(yaml.safe_dump(config, sort_keys=False))
        cmd += ["--configfile", str(config_path), "--replace-workflow-config"]
    if args.plan:
        plan(cmd)
        return
    load_before = os.getloadavg()
    start = time.perf_counter()
    proc = subprocess.run([*cmd, "--keep-going"], capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode:  # still worth reading what ran (e.g. a report that cannot draw a sweep)
        failed = sorted(set(re.findall(r"^Error in rule (\w+):", proc.stderr, re.MULTILINE)))
        print(
            f"WARNING: snakemake failed ({proc.returncode}), rules {failed}; jobs that ran are read below"
        )
    results = workdir / "results"
    jobs = read_benchmarks(results)
    compiles = proc.stderr.count("compiling the trainer for")
    print(f"{'default run' if args.default else 'sweep'} in {workdir}: {wall:.1f} s wall, "
          f"{sum(map(len, jobs.values()))} jobs with a benchmark, --cores {args.cores}, "
          f"{compiles} kernel compiles; load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}")  # fmt: skip
    for rule, done in sorted(jobs.items(), key=lambda kv: -sum(s for _, s in kv[1])):
        print(f"  {rule:16s} {len(done):4d} jobs {sum(s for _, s in done):8.1f} s job time")
    trials = jobs.get("train_trial", [])
    if not trials:
        return
    records = [trial_record(results, path) for path, _ in trials]
    job_s = [s for _, s in trials]
    mean = statistics.fmean
    print(f"train_trial, per job (mean of {len(trials)}):")
    print(f"  job time (benchmark s)        {mean(job_s):.3f} s")
    if "train_s" not in records[0]:  # a record from before the timings were split
        wall_call = [r["wall_time_s"] for r in records]
        print(
            f"  trial call (wall_time_s)      {mean(wall_call):.3f} s  (training, set-up and waits together)"
        )
        print(f"  outside the trial call        {mean(job_s) - mean(wall_call):.3f} s")
        return
    parts = {k: [r[k] for r in records] for k in ("wall_time_s", "setup_s", "wait_s", "train_s")}
    paths = {p: sum(r["path"] == p for r in records) for p in sorted({r["path"] for r in records})}
    print(
        f"  training (train_s)            {mean(parts['train_s']):.3f} s  (total {sum(parts['train_s']):.1f} s)"
    )
    print(f"  overhead (s - train_s)        {mean(job_s) - mean(parts['train_s']):.3f} s")
    print(f"    set-up (imports, kernel)    {mean(parts['setup_s']):.3f} s")
    print(f"    waiting for a compile       {mean(parts['wait_s']):.3f} s")
    rest = [w - s - a - t for w, s, a, t in zip(*parts.values(), strict=True)]
    print(f"    rest of the trial call      {mean(rest):.3f} s  (checks bookkeeping, final loss)")
    print(
        f"    outside the trial call      {mean(job_s) - mean(parts['wall_time_s']):.3f} s  (interpreter, Snakemake, imports)"
    )
    print(f"  paths: {paths}")


if __name__ == "__main__":
    main()
