"""The trial job: ``python -m netlab.workflow.train_trial --data ... --record ... --weights ... --log ...``.

A shell command, not a Snakemake ``script:``: the script preamble (importing Snakemake's own modules,
about 0.1 s) would be paid by every one of a sweep's trial jobs. The training itself is
``netlab.toy.trial.run_trial``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from netlab.toy.trial import run_trial
from netlab.workflow import joblog


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """``python -m netlab.workflow.train_trial --data ... --record ... --weights ... --log ...`` and the settings: one trial job."""
    parser = argparse.ArgumentParser(
        prog="python -m netlab.workflow.train_trial",
        description="Train one trial (a workflow job).",
    )
    for name in ("data", "record", "weights", "log"):
        parser.add_argument(f"--{name}", required=True, type=Path)
    for name in ("hidden-layers", "hidden", "seed", "check-every"):
        parser.add_argument(f"--{name}", required=True, type=int)
    parser.add_argument("--max-iter", required=True, type=int, help="0: no cap")
    parser.add_argument("--lr", required=True, type=float)
    parser.add_argument("--tol", required=True, type=float)
    args = parser.parse_args(argv)
    with joblog.logged(args.log) as log:
        record = run_trial(
            args.data, args.record, args.weights, hidden_layers=args.hidden_layers, hidden=args.hidden,
            seed=args.seed, lr=args.lr, tol=args.tol, check_every=args.check_every, max_iter=args.max_iter or None,
        )  # fmt: skip
        log.info(
            "t=%d errors=%d loss=%.5f; %s path: set-up %.3f s, waited %.3f s, training %.3f s",
            record["iterations"], record["errors"], record["final_loss"], record["path"],
            record["setup_s"], record["wait_s"], record["train_s"],
        )  # fmt: skip
    return record


if __name__ == "__main__":
    main()
