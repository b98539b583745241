"""One training trial as a workflow job, and the best of a setting's trials.

A trial's JSON holds everything needed to compare it (iterations, loss at
each check, errors, seed); its weights go to an ``.npz`` (arrays only, no
pickles) so the best model can be drawn without re-training.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from netlab import atomic, mlp, toydata

TRIAL_COLUMNS = ["trial", "seed", "iterations", "converged", "final_loss", "errors", "wall_time_s"]


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
    wall = time.perf_counter() - start
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
    }
    arrays = {f"{kind}{i}": a for i, (w, b) in enumerate(result.params) for kind, a in (("W", w), ("b", b))}
    with atomic.replacing(weights_path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)
    atomic.write_json(json_path, record)
    return record


def load_weights(path: str | Path) -> mlp.Params:
    """The ``(W, b)`` list saved by ``run_trial``."""
    with np.load(path, allow_pickle=False) as npz:
        n = len(npz.files) // 2
        return [(npz[f"W{i}"], npz[f"b{i}"]) for i in range(n)]


def trial_number(path: str | Path) -> int:
    """``trial7.json`` -> 7."""
    return int(Path(path).stem.removeprefix("trial"))


def trials_table(json_paths: Sequence[str | Path]) -> pd.DataFrame:
    """All trials of one setting, in trial order."""
    rows = []
    for path in sorted(json_paths, key=trial_number):
        record = json.loads(Path(path).read_text())
        rows.append({"trial": trial_number(path), **{k: record[k] for k in TRIAL_COLUMNS[1:]}})
    return pd.DataFrame(rows, columns=TRIAL_COLUMNS)


def best_trial(table: pd.DataFrame) -> pd.Series:
    """Fewest training errors; the first such trial wins ties, as in the notebooks."""
    return table.loc[table["errors"].idxmin()]


def summarise_setting(
    json_paths: Sequence[str | Path],
    data_path: str | Path,
    table_path: str | Path,
    best_path: str | Path,
    figure_path: str | Path,
    title: str,
) -> dict[str, Any]:
    """Write the setting's trial table, its best trial, and the best model's decision boundary."""
    from netlab import toyplots

    table = trials_table(json_paths)
    best = best_trial(table)
    best_json = Path(json_paths[0]).with_name(f"trial{int(best['trial'])}.json")
    params = load_weights(best_json.with_suffix(".npz"))
    summary = {
        "best_trial": int(best["trial"]),
        "errors": int(best["errors"]),
        "iterations": int(best["iterations"]),
        "final_loss": float(best["final_loss"]),
        "seed": int(best["seed"]),
        "trials": int(len(table)),
    }
    x, labels = toydata.read_points(data_path)
    figure = toyplots.boundary(
        x, labels, lambda grid: mlp.predict(params, grid),
        f"{title}: trial {summary['best_trial']}, {summary['errors']} errors",
    )
    atomic.write_csv(table_path, table)
    atomic.write_json(best_path, summary)
    atomic.save_figure(figure, figure_path, dpi=110)
    return summary
