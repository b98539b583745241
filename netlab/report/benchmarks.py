"""Which Snakemake benchmark files belong to a run, and the wall time per stage they add up to.

The report counts only the benchmark files of the jobs that produced its
inputs under the current config (found through the rules that produce those
files), so files left behind by runs of other configs never inflate a stage.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from netlab.report.inputs import read_table

STAGE_COLUMNS = [
    "stage",
    "jobs",
    "benchmarks_read",
    "wall_s_total",
    "wall_s_mean",
    "wall_s_max",
    "cpu_s_total",
]
# What a trial record says of its job's time: set-up (kernel load or compile), waiting, training arithmetic.
TRIAL_TIMES = ("setup_s", "wait_s", "train_s")


def producer_benchmarks(rules: Iterable[Any], paths: Iterable[str]) -> list[list[str]]:
    """``[rule name, benchmark file]`` of the job that makes each of ``paths``, in order, without repeats.

    ``rules`` are Snakemake's rule objects (``workflow.rules``); a path no rule
    makes (a user's file) or whose rule has no benchmark is left out.
    """
    rules = [r for r in rules if r.benchmark]
    found: dict[str, str] = {}
    for path in paths:
        for rule in rules:
            if rule.is_producer(path):
                found.setdefault(str(rule.expand_benchmark(rule.get_wildcards(path))), rule.name)
                break
    return [[name, benchmark] for benchmark, name in found.items()]


def read_benchmark(path: Path) -> dict[str, float]:
    """Wall and CPU seconds of one Snakemake benchmark file (summed over repeats)."""
    frame = read_table(path, "a Snakemake benchmark file", columns=["s"], sep="\t")
    cpu = frame["cpu_time"].sum() if "cpu_time" in frame.columns else float("nan")
    return {"wall_s": float(frame["s"].sum()), "cpu_s": float(cpu)}


def stage_times(benchmarks: Sequence[tuple[str, Path]]) -> tuple[pd.DataFrame, list[Path]]:
    """Per rule, in order of first appearance: jobs, benchmark files read, total/mean/longest wall time and
    total CPU time (seconds); and the benchmark files that are missing."""
    missing = [Path(path) for _, path in benchmarks if not Path(path).is_file()]
    rows = []
    for stage in dict.fromkeys(rule for rule, _ in benchmarks):
        paths = [Path(path) for rule, path in benchmarks if rule == stage]
        times = pd.DataFrame(
            [read_benchmark(p) for p in paths if p.is_file()], columns=["wall_s", "cpu_s"]
        )
        rows.append(
            {
                "stage": stage,
                "jobs": len(paths),
                "benchmarks_read": len(times),
                "wall_s_total": round(float(times["wall_s"].sum(min_count=1)), 3),
                "wall_s_mean": round(float(times["wall_s"].mean()), 3),
                "wall_s_max": round(float(times["wall_s"].max()), 3),
                "cpu_s_total": round(float(times["cpu_s"].sum(min_count=1)), 3),
            }
        )
    return pd.DataFrame(rows, columns=STAGE_COLUMNS), missing


def with_trial_times(times: pd.DataFrame, trials: pd.DataFrame) -> pd.DataFrame:
    """The stage table with the trials' set-up, waiting and training seconds (totals over all trial records)
    on the ``train_trial`` row, when the records carry them; unchanged otherwise."""
    carried = [c for c in TRIAL_TIMES if c in trials.columns]
    if not carried:
        return times
    out = times.copy()
    for c in carried:
        out[f"{c}_total"] = float("nan")
        out.loc[out["stage"] == "train_trial", f"{c}_total"] = round(float(trials[c].sum()), 3)
    return out
