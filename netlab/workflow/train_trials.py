"""The batch job of a sweep on a cluster: several trials of one setting, trained in one process.

    python -m netlab.workflow.train_trials --data ... --log ... --hidden-layers 1 --hidden 4 \\
        --lr 0.25 --tol 1e-4 --check-every 1000 --max-iter 2000 \\
        --trial 1 SEED trial1.json trial1.npz --trial 2 SEED trial2.json trial2.npz ...

Each trial is ``netlab.toy.trial.run_trial`` with the seed and files the one-trial job
(``netlab.workflow.train_trial``) gets, so it writes the same record and weights (timings aside); the
batch pays one interpreter, one import of the trainer and, on a cluster, one Snakemake start-up for all
of them. A trial that fails does not stop the others: the job trains every trial, logs each failure with
its traceback, and then exits non-zero naming every failed trial (Snakemake then deletes the batch's
outputs, and running the workflow again trains the whole batch again, with the same seeds).
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from netlab.toy.trial import run_trial
from netlab.workflow import joblog


class Trial(NamedTuple):
    """One member of a batch: its number (the N of trialN), its seed and its two files."""

    number: int
    seed: int
    record: Path
    weights: Path


class TrialsFailed(RuntimeError):
    """Some trials of a batch failed; the message names each one and its error."""


def parse_trials(values: Sequence[Sequence[str]]) -> list[Trial]:
    """``--trial NUMBER SEED RECORD WEIGHTS``, repeated, as ``Trial``s (numbers must not repeat)."""
    trials = [Trial(int(n), int(s), Path(r), Path(w)) for n, s, r, w in values]
    numbers = [t.number for t in trials]
    if len(set(numbers)) != len(numbers):
        raise ValueError(f"a trial number is given twice: {numbers}")
    return trials


def train_trials(
    data: str | Path, trials: Sequence[Trial], log: logging.Logger, **settings: Any
) -> list[dict[str, Any]]:
    """Train every trial on ``data`` (``settings`` as ``run_trial`` takes them); the records in order.

    Raises ``TrialsFailed`` naming the failed trials after the others have been trained and written.
    """
    records, failed = [], []
    for t in trials:
        try:
            record = run_trial(data, t.record, t.weights, seed=t.seed, **settings)
        except Exception as exc:  # one trial's failure must not lose the batch's other trials
            log.error(
                "trial %d (seed %d) failed: %s\n%s", t.number, t.seed, exc, traceback.format_exc()
            )
            failed.append(f"trial{t.number} ({t.record}): {type(exc).__name__}: {exc}")
            continue
        records.append(record)
        log.info(
            "trial%d: t=%d errors=%d loss=%.5f; %s path: set-up %.3f s, waited %.3f s, training %.3f s",
            t.number, record["iterations"], record["errors"], record["final_loss"], record["path"],
            record["setup_s"], record["wait_s"], record["train_s"],
        )  # fmt: skip
    if failed:
        raise TrialsFailed(f"{len(failed)} of {len(trials)} trials failed: " + "; ".join(failed))
    return records


def main(argv: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """``python -m netlab.workflow.train_trials ...``: one batch job (see the module's docstring)."""
    parser = argparse.ArgumentParser(
        prog="python -m netlab.workflow.train_trials",
        description="Train several trials of one setting in one process (a workflow job).",
    )
    for name in ("data", "log"):
        parser.add_argument(f"--{name}", required=True, type=Path)
    for name in ("hidden-layers", "hidden", "check-every"):
        parser.add_argument(f"--{name}", required=True, type=int)
    parser.add_argument("--max-iter", required=True, type=int, help="0: no cap")
    parser.add_argument("--lr", required=True, type=float)
    parser.add_argument("--tol", required=True, type=float)
    parser.add_argument(
        "--trial",
        nargs=4,
        action="append",
        required=True,
        metavar=("NUMBER", "SEED", "RECORD", "WEIGHTS"),
        help="one trial: its number, seed, record (.json) and weights (.npz); repeat for each",
    )
    args = parser.parse_args(argv)
    trials = parse_trials(args.trial)
    with joblog.logged(args.log) as log:
        return train_trials(
            args.data, trials, log, hidden_layers=args.hidden_layers, hidden=args.hidden,
            lr=args.lr, tol=args.tol, check_every=args.check_every, max_iter=args.max_iter or None,
        )  # fmt: skip


if __name__ == "__main__":
    try:
        main()
    except TrialsFailed:
        sys.exit(1)  # joblog has logged the failure and printed it to stderr
