"""The best of a setting's trials: the table of all trials, the winner, its decision boundary."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from netlab import atomic, mlp, toydata
from netlab.paths import trial_number
from netlab.trials import load_weights

TRIAL_COLUMNS = ["trial", "seed", "iterations", "converged", "final_loss", "errors", "wall_time_s"]


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
        "trials": len(table),
    }
    x, labels = toydata.read_points(data_path)
    figure = toyplots.boundary(
        x,
        labels,
        lambda grid: mlp.predict(params, grid),
        f"{title}: trial {summary['best_trial']}, {summary['errors']} errors",
    )
    atomic.write_csv(table_path, table)
    atomic.write_json(best_path, summary)
    atomic.save_figure(figure, figure_path, dpi=110)
    return summary
