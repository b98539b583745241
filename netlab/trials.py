"""One training trial as a workflow job.

A trial's JSON holds everything needed to compare it (iterations, loss at
each check, errors, seed) and where its time went (``wall_time_s`` the whole
call = ``setup_s`` importing and compiling or loading the trainer's code +
``wait_s`` waiting for another job's compile + ``train_s`` the loop, and the
``path`` that ran); its weights go to an ``.npz`` (arrays only, no
pickles) so the best model can be drawn without re-training. Imports stay
light (no pandas, no torch, numba only in the job that compiles a kernel): a hundred trial
jobs each pay them. The workflow runs a trial as ``python -m netlab.trials``
(``main``), a shell command: a Snakemake ``script:`` would add its preamble
(importing Snakemake's own modules, about 0.1 s) to every trial job.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from netlab import atomic, joblog, mlp, toydata


def run_trial(
    data_path: str | Path,
    json_path: str | Path,
    weights_path: str | Path,
    *,
    hidden_layers: int,
    hidden: int,
    seed: int,
    lr: float,
    tol: float,
    check_every: int,
    max_iter: int | None,
) -> dict[str, Any]:
    """Train one net from seeded initial weights on a data file; write its record and weights."""
    x, labels = toydata.read_points(data_path)
    x, y = toydata.as_training_arrays(x, labels)
    initial = mlp.init_params(mlp.layer_sizes(hidden_layers, hidden, x.shape[1]), seed)
    start = time.perf_counter()
    result = mlp.train(x, y, initial, lr=lr, tol=tol, check_every=check_every, max_iter=max_iter)
    wall = time.perf_counter() - start  # the whole call: set-up, waiting and training
    record = {
        "seed": seed,
        "hidden_layers": hidden_layers,
        "hidden": hidden,
        "n_points": int(x.shape[0]),
        "lr": lr,
        "tol": tol,
        "check_every": check_every,
        "max_iter": max_iter,
        "iterations": result.iterations,
        "converged": result.converged,
        "final_loss": result.final_loss,
        "errors": result.errors,
        "checkpoints": [[t, loss] for t, loss in result.checkpoints],
        "wall_time_s": round(wall, 6),
        "setup_s": round(result.setup_s, 6),
        "wait_s": round(result.wait_s, 6),
        "train_s": round(result.train_s, 6),
        "path": result.path,
    }
    arrays = {
        f"{kind}{i}": a
        for i, (w, b) in enumerate(result.params)
        for kind, a in (("W", w), ("b", b))
    }
    with atomic.replacing(weights_path) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **arrays)
    atomic.write_json(json_path, record)
    return record


def load_weights(path: str | Path) -> mlp.Params:
    """The ``(W, b)`` list saved by ``run_trial``."""
    with np.load(path, allow_pickle=False) as npz:
        n = len(npz.files) // 2
        return [(npz[f"W{i}"], npz[f"b{i}"]) for i in range(n)]


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """``python -m netlab.trials --data ... --record ... --weights ... --log ...`` and the settings: one trial job."""
    parser = argparse.ArgumentParser(
        prog="python -m netlab.trials", description="Train one trial (a workflow job)."
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
