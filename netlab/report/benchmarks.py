"""The wall time per stage that a run's Snakemake benchmark files add up to.

The report counts only the benchmark files of the jobs that produced its
inputs under the current config (``netlab.workflow.snakemake_internals.producer_benchmarks``
finds them), so files left behind by runs of other configs never inflate a stage.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from netlab.report.reads import reading
from netlab.toy.paths import TRIAL_RULE
from netlab.toy.selection import TIME_PARTS

#: The stage of every job that trains trials (every rule named ``TRIAL_RULE...``).
TRIAL_STAGE = "train_trials"


def stage_of(rule: str) -> str:
    """The stage a rule's jobs count under: its name, or ``train_trials`` for every rule of trial jobs."""
    return TRIAL_STAGE if rule.startswith(TRIAL_RULE) else rule


def job_seconds(path: str | Path) -> tuple[float, float]:
    """Wall and CPU seconds in one Snakemake benchmark file, its repeats added up. Read with the csv
    module: a sweep's report reads one file per trial, and pandas takes 2.6 ms a file (26 of the 33 s
    of a 10,000-trial report)."""
    with reading(path), open(path, newline="", encoding="utf-8") as fh:
        table = csv.DictReader(fh, delimiter="\t")
        missing = [c for c in ("s", "cpu_time") if c not in (table.fieldnames or [])]
        if missing:
            raise ValueError("missing columns " + ", ".join(map(repr, missing)))
        rows = [(_seconds(row["s"]), _seconds(row["cpu_time"])) for row in table]
    return sum(w for w, _ in rows if w is not None), sum(c for _, c in rows if c is not None)


def _seconds(text: str) -> float | None:
    """A benchmark cell: a number, or None for Snakemake's ``NA`` (a job too short to sample)."""
    return None if text.strip() in ("", "NA") else float(text)


def stage_times(
    benchmarks: Sequence[Sequence[str]], trials: pd.DataFrame
) -> tuple[pd.DataFrame, list[Path]]:
    """Per rule, in order of first appearance: jobs, benchmark files read, total/mean/longest wall time,
    total CPU time (seconds) and, on the ``train_trials`` row, the trials' set-up, waiting and training
    seconds (totals over ``trials``); and the benchmark files that are missing."""
    rows, missing = [], []
    for rule, path in benchmarks:
        stage = stage_of(rule)
        if Path(path).is_file():
            wall, cpu = job_seconds(path)
            rows.append({"stage": stage, "wall": wall, "cpu": cpu})
        else:
            missing.append(Path(path))
            rows.append({"stage": stage, "wall": float("nan"), "cpu": float("nan")})
    table = (
        pd.DataFrame(rows, columns=["stage", "wall", "cpu"])
        .groupby("stage", sort=False)
        .agg(
            jobs=("wall", "size"),
            benchmarks_read=("wall", "count"),
            wall_s_total=("wall", lambda w: w.sum(min_count=1)),
            wall_s_mean=("wall", lambda w: w.mean()),
            wall_s_max=("wall", lambda w: w.max()),
            cpu_s_total=("cpu", lambda c: c.sum(min_count=1)),
        )
        .map(lambda v: round(float(v), 3) if isinstance(v, float) else v)
        .reset_index()
    )
    for c in TIME_PARTS:
        table[f"{c}_total"] = float("nan")
        table.loc[table["stage"] == TRIAL_STAGE, f"{c}_total"] = round(float(trials[c].sum()), 3)
    return table, missing


def images_per_second(times: pd.DataFrame, n_images: int) -> float | None:
    """The ``features`` stage's images per second of job time (start-up included), what a reader compares
    between float32 and bfloat16; None unless every ``features`` job's benchmark was read."""
    rows = times[times["stage"] == "features"]
    if rows.empty or rows["benchmarks_read"].iloc[0] < rows["jobs"].iloc[0]:
        return None
    seconds = float(rows["wall_s_total"].iloc[0])
    return n_images / seconds if seconds > 0 else None
