"""What a sweep costs, job by job: the issue's sweep (or the default run) in a scratch copy of the workflow.

    python benchmarks/sweep.py                 # data1..data5 x H 2..21 x 20 trials, max_iter 2000, --cores 2
    python benchmarks/sweep.py --default       # the default config.yaml, from an empty results/
    python benchmarks/sweep.py --keep /tmp/sw  # keep the scratch copy (results, logs, benchmarks) there
    python benchmarks/sweep.py --plan --trials 200                # 20,000 trials: dry-run time only
    python benchmarks/sweep.py --keep /tmp/one --trials-per-job 1 # one job per trial, kept; then
    python benchmarks/sweep.py --compare /tmp/one                 # the same trial files, cut by cost?

The sweep config is config.yaml with its experiments replaced by one
experiment, run as a user would (``--configfile sweep.yaml
--replace-workflow-config``). The workflow's sources are copied to a scratch
directory with an empty ``results/``; jobs import the ``netlab`` that this
Python imports (set ``PYTHONPATH`` to measure a checkout), whose kernel cache
is used as it is (run once before to measure "kernels cached"). For the
"before" numbers, run main's workflow and package:
``PYTHONPATH=/work/main python benchmarks/sweep.py --source /work/main``. Prints the
wall time, the jobs and job time per stage, the trials' own training time (``train_s``
summed, divided by the cores: the arithmetic) and the wall time against the issue's goal
(3 x arithmetic + 15 s).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
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
    parser.add_argument("--hidden", type=int, nargs="+", default=list(range(2, 22)))
    parser.add_argument(
        "--trials-per-job",
        default="auto",
        help="cluster.trials_per_job of the sweep config (auto, or a number; 1: one job per trial)",
    )
    parser.add_argument(
        "--compare",
        type=Path,
        help="a kept scratch directory of the same sweep (e.g. --trials-per-job 1): compare every trial file",
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
    """Stage -> (benchmark file, job seconds) for every job that ran (every trial rule is one stage)."""
    jobs: dict[str, list[tuple[Path, float]]] = {}
    for path in sorted((results / "benchmarks").rglob("*.tsv")):
        rule = path.relative_to(results / "benchmarks").parts[0].removesuffix(".tsv")
        with path.open(newline="") as fh:
            seconds = [float(row["s"]) for row in csv.DictReader(fh, delimiter="\t")]
        jobs.setdefault(rule, []).append((path, seconds[-1]))
    return jobs


def trial_tables(results: Path) -> list[dict]:
    """Every trial's row of the experiments' trial tables (``results/mlp/*/trials.csv``)."""
    rows = []
    for table in sorted((results / "mlp").glob("*/trials.csv")):
        with table.open(newline="") as fh:
            rows += list(csv.DictReader(fh))
    return rows


def same_trial_files(results: Path, other: Path) -> tuple[int, list[str]]:
    """How many trial files of ``results`` were compared with ``other``'s, and those that differ (weights
    byte for byte, records but for the timings)."""
    timings = ("wall_time_s", "setup_s", "wait_s", "train_s")
    differ, compared = [], 0
    for mine in sorted(
        p for p in (results / "mlp").rglob("trial*.*") if re.fullmatch(r"trial\d+", p.stem)
    ):
        theirs = other / mine.relative_to(results)
        if mine.suffix == ".npz":
            same = theirs.read_bytes() == mine.read_bytes()
        else:
            a, b = (json.loads(p.read_text()) for p in (mine, theirs))
            same = {k: v for k, v in a.items() if k not in timings} == {
                k: v for k, v in b.items() if k not in timings
            }
        compared += 1
        if not same:
            differ.append(str(mine.relative_to(results)))
    return compared, differ


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


def same_tables(results: Path, other: Path) -> bool:
    """Whether the experiments' summary tables agree, timings aside (a trial's time is not its number)."""
    timings = {"wall_time_s", "setup_s", "wait_s", "train_s"}
    for table in sorted((results / "mlp").glob("*/*.csv")):
        mine, theirs = (
            [{k: v for k, v in row.items() if k not in timings} for row in csv.DictReader(p.open())]
            for p in (table, other / table.relative_to(results))
        )
        if mine != theirs:
            return False
    return True


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
        per_job = args.trials_per_job
        config.setdefault("cluster", {})["trials_per_job"] = (
            per_job if per_job == "auto" else int(per_job)
        )
        config_path.write_text(yaml.safe_dump(config, sort_keys=False))
        cmd += ["--configfile", str(config_path), "--replace-workflow-config"]
        cmd.append("toy")  # the sweep: its toy part only
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
    rows = trial_tables(results)
    if not rows:
        return
    arithmetic = sum(float(r["train_s"]) for r in rows) / args.cores
    trial_jobs = jobs.get("train_trials", [])
    print(f"{len(rows)} trials in {len(trial_jobs)} trial jobs; their training (train_s) "
          f"{arithmetic * args.cores:.1f} core-s = {arithmetic:.1f} s on {args.cores} cores")  # fmt: skip
    print(f"wall / (3 x arithmetic + 15 s) = {wall:.1f} / {3 * arithmetic + 15:.1f} s "
          f"= {wall / (3 * arithmetic + 15):.2f} (the issue's goal: at most 1)")  # fmt: skip
    if args.compare:
        compared, differ = same_trial_files(results, args.compare / "results")
        print(
            f"trial files compared with {args.compare}: {compared}, differing: {len(differ)} {differ[:5]}"
        )
        print(
            f"the summary tables the same (timings aside): {same_tables(results, args.compare / 'results')}"
        )


if __name__ == "__main__":
    main()
