"""The best of a setting's trials: the table of all trials and the winner."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from netlab import atomic
from netlab.toy.paths import trial_number

# The trial table's schema, one definition (the report reads it from here): the fit, then where the time
# went (``netlab.toy.trial``: whole call, set-up, waiting for another job's compile, the loop) and the path.
TRIAL_COLUMNS = [
    "trial", "seed", "iterations", "converged", "final_loss", "errors",
    "wall_time_s", "setup_s", "wait_s", "train_s", "path",
]  # fmt: skip
# Where a trial's wall time went: set-up (kernel load or compile), waiting for another job's compile, the loop.
TIME_PARTS = ("setup_s", "wait_s", "train_s")
# The trial record's measured durations: how long, not what was computed (runs compare without them).
TIMING_COLUMNS = ("wall_time_s", *TIME_PARTS)
OPTIONAL_COLUMNS = {*TIME_PARTS, "path"}  # absent from records made before the split: NA


def trials_table(json_paths: Sequence[str | Path]) -> pd.DataFrame:
    """All trials of one setting, in trial order."""
    rows = []
    for path in sorted(json_paths, key=trial_number):
        record = json.loads(Path(path).read_text())
        fields = {
            k: record.get(k) if k in OPTIONAL_COLUMNS else record[k] for k in TRIAL_COLUMNS[1:]
        }
        rows.append({"trial": trial_number(path), **fields})
    return pd.DataFrame(rows, columns=TRIAL_COLUMNS)


def best_trial(table: pd.DataFrame) -> pd.Series:
    """Fewest training errors; the first such trial wins ties, as in the notebooks."""
    return table.loc[table["errors"].idxmin()]


def summarise_setting(
    json_paths: Sequence[str | Path], table_path: str | Path, best_path: str | Path
) -> dict[str, Any]:
    """Write the setting's trial table and its best trial (its figure is drawn by ``netlab.toy.figures.boundary``,
    in a job of its own, so that plot edits never rewrite what the report's numbers come from)."""
    table = trials_table(json_paths)
    best = best_trial(table)
    summary = {
        "best_trial": int(best["trial"]),
        "errors": int(best["errors"]),
        "iterations": int(best["iterations"]),
        "final_loss": float(best["final_loss"]),
        "seed": int(best["seed"]),
        "trials": len(table),
    }
    atomic.write_csv(table_path, table)
    atomic.write_json(best_path, summary)
    return summary
