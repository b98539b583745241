"""One training trial: seeded initial weights, the notebooks' loop, its record and its weights.

A trial's JSON holds everything needed to compare it (iterations, loss at
each check, errors, seed) and where its time went (``wall_time_s`` the whole
call = ``setup_s`` importing and compiling or loading the trainer's code +
``wait_s`` waiting for another job's compile + ``train_s`` the loop, and the
``path`` that ran); its weights go to an ``.npz`` (arrays only, no
pickles) so the best model can be drawn without re-training. Imports stay
light (no pandas, no torch, numba only in the job that compiles a kernel): a hundred trial
jobs each pay them. The workflow's job is ``netlab.toy.train_trials``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from netlab import atomic
from netlab.seeds import derive_seed
from netlab.toy import datasets, nets, training


def trial_seed(base: int, experiment: str, dataset: str, hidden: object, trial: object) -> int:
    """A trial's seed: the config seed and the trial's place, never its order in the run or its job."""
    return derive_seed(base, "trial", experiment, dataset, hidden, trial)


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
    x, labels = datasets.read_points(data_path)
    x, y = datasets.as_training_arrays(x, labels)
    initial = nets.init_params(nets.layer_sizes(hidden_layers, hidden, x.shape[1]), seed)
    start = time.perf_counter()
    result = training.train(
        x, y, initial, lr=lr, tol=tol, check_every=check_every, max_iter=max_iter
    )
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
    nets.save_params(result.params, weights_path)
    atomic.write_json(json_path, record)
    return record
