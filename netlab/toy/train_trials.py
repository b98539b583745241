"""The trial job: trials of one experiment on one data set (of one H or several), trained in one process.

    python -m netlab.toy.train_trials --data results/data/data1.txt --log ... --seed 2025 \\
        --hidden-layers 1 --lr 0.25 --tol 1e-4 --check-every 1000 --max-iter None \\
        --records results/mlp/one_hidden_layer/data1/h4/trial1.json ... --weights ...trial1.npz ...

A shell command, not a Snakemake ``script:`` (whose preamble costs about 0.1 s a job). Each trial is
``netlab.toy.trial.run_trial`` with the H its record's path names and the seed its place gives it
(``trial_seed``: the config seed, experiment, data set, H and the N of ``trialN``), so the files are
the same whichever job trains it and however many trials that job holds. A trial that fails does not stop the others: the job trains
every trial, logs each failure with its traceback, and then exits non-zero naming every failed trial
(Snakemake then deletes the job's outputs, and running the workflow again trains them again).
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from netlab import joblog
from netlab.toy import manifest
from netlab.toy.paths import trial_place
from netlab.toy.trial import run_trial, trial_seed


class Trial(NamedTuple):
    """One trial of a job: its H, its number (the N of trialN), its seed and its two files."""

    hidden: int
    number: int
    seed: int
    record: Path
    weights: Path


class TrialsFailed(RuntimeError):
    """Some trials of a job failed; the message names each one and its error."""


def job_trials(records: Sequence[Path], weights: Sequence[Path], seed: int) -> list[Trial]:
    """The trials a job's output files name (``results/mlp/E/D/hH/trialN``), with their seeds; records and
    weights must pair up, and a trial must not repeat."""
    places = [trial_place(p) for p in records]
    if places != [trial_place(p) for p in weights]:
        raise ValueError(
            f"records {list(map(str, records))} and weights {list(map(str, weights))} differ"
        )
    if len(set(places)) != len(places):
        raise ValueError(f"a trial is given twice: {list(map(str, records))}")
    return [
        Trial(hidden, n, trial_seed(seed, experiment, dataset, hidden, n), Path(r), Path(w))
        for (experiment, dataset, hidden, n), r, w in zip(places, records, weights, strict=True)
    ]


def train_trials(
    data: str | Path, trials: Sequence[Trial], log: logging.Logger, **settings: Any
) -> list[dict[str, Any]]:
    """Train every trial on ``data`` (``settings`` as ``run_trial`` takes them); the records in order.

    Raises ``TrialsFailed`` naming the failed trials after the others have been trained and written.
    """
    records, failed = [], []
    for t in trials:
        try:
            record = run_trial(data, t.record, t.weights, hidden=t.hidden, seed=t.seed, **settings)
        except Exception as exc:  # one trial's failure must not lose the job's other trials
            log.error("%s (seed %d) failed: %s\n%s", t.record, t.seed, exc, traceback.format_exc())
            failed.append(f"{t.record}: {type(exc).__name__}: {exc}")
            continue
        records.append(record)
        log.info(
            "H=%d trial%d: t=%d errors=%d loss=%.5f; %s path: set-up %.3f s, waited %.3f s, training %.3f s",
            t.hidden, t.number, record["iterations"], record["errors"], record["final_loss"], record["path"],
            record["setup_s"], record["wait_s"], record["train_s"],
        )  # fmt: skip
    if failed:
        raise TrialsFailed(f"{len(failed)} of {len(trials)} trials failed: " + "; ".join(failed))
    return records


def optional_int(text: str) -> int | None:
    """``None`` (a null in the config) or an integer."""
    return None if text == "None" else int(text)


def main(argv: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """``python -m netlab.toy.train_trials ...``: one trial job (see the module's docstring)."""
    parser = argparse.ArgumentParser(
        prog="python -m netlab.toy.train_trials",
        description="Train trials of one setting in one process (a workflow job).",
    )
    for name in ("data", "log"):
        parser.add_argument(f"--{name}", required=True, type=Path)
    for name in ("seed", "hidden-layers", "check-every"):
        parser.add_argument(f"--{name}", required=True, type=int)
    parser.add_argument("--max-iter", required=True, type=optional_int, help="None: no cap")
    parser.add_argument("--lr", required=True, type=float)
    parser.add_argument("--tol", required=True, type=float)
    for name in ("records", "weights"):
        parser.add_argument(f"--{name}", required=True, nargs="+", type=Path)
    parser.add_argument("--list", type=Path, help="where to list the files made, once all are")
    args = parser.parse_args(argv)
    trials = job_trials(args.records, args.weights, args.seed)
    with joblog.logged(args.log) as log:
        records = train_trials(
            args.data, trials, log, hidden_layers=args.hidden_layers, lr=args.lr, tol=args.tol,
            check_every=args.check_every, max_iter=args.max_iter,
        )  # fmt: skip
    if args.list:
        manifest.write(args.list, args.records, args.weights)
    return records


if __name__ == "__main__":
    try:
        main()
    except TrialsFailed:
        sys.exit(1)  # joblog has logged the failure and printed it to stderr
