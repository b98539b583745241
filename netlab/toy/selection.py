"""The best of a setting's trials: its records read once, the table of all trials and the winner."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from netlab.toy.paths import trial_number, trial_place

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


def read_records(json_paths: Sequence[str | Path]) -> dict[int, dict[str, Any]]:
    """Trial records by trial number, in trial order; a trial given twice is refused by name."""
    records: dict[int, dict[str, Any]] = {}
    for path in json_paths:
        number = trial_number(path)
        if number in records:
            raise ValueError(f"{path}: trial {number} is given twice")
        try:
            records[number] = json.loads(Path(path).read_text(encoding="utf-8"))
        except ValueError as exc:
            raise ValueError(f"{path}: not a trial record: {exc}") from None
    return dict(sorted(records.items()))


def trials_table(records: Mapping[int, Mapping[str, Any]]) -> pd.DataFrame:
    """All trials of one setting, in trial order."""
    rows = [
        {
            "trial": number,
            **{k: r.get(k) if k in OPTIONAL_COLUMNS else r[k] for k in TRIAL_COLUMNS[1:]},
        }
        for number, r in sorted(records.items())
    ]
    return pd.DataFrame(rows, columns=TRIAL_COLUMNS)


def best_trial(table: pd.DataFrame) -> pd.Series:
    """Fewest training errors; the first such trial wins ties, as in the notebooks."""
    return table.loc[table["errors"].idxmin()]


def group_trials(
    records: Sequence[str | Path], weights: Sequence[str | Path], experiment: str
) -> dict[tuple[str, int], tuple[list[Path], dict[int, Path]]]:
    """Records and weights by (data set, H), in the order the records come; each path is checked to
    be one of ``experiment``'s trial files."""
    groups: dict[tuple[str, int], tuple[list[Path], dict[int, Path]]] = {}
    for kind, files in (("record", records), ("weights", weights)):
        for path in files:
            place = trial_place(path)
            if place[0] != experiment:
                raise ValueError(f"{path}: a trial of experiment {place[0]}, not {experiment}")
            recs, ws = groups.setdefault(place[1:3], ([], {}))
            if kind == "record":
                recs.append(Path(path))
            else:
                ws[place[3]] = Path(path)
    return groups


class Best(NamedTuple):
    """A setting's best trial: H, its number, its training errors and its weights file."""

    hidden: int
    trial: int
    errors: int
    weights: Path


def best_per_hidden(
    records: Sequence[str | Path], weights: Sequence[str | Path], experiment: str, dataset: str
) -> list[Best]:
    """The best trial of each H of one data set (the same choice as the settings table's)."""
    best = []
    for (found, hidden), (record_paths, weight_paths) in group_trials(
        records, weights, experiment
    ).items():
        if found != dataset:
            raise ValueError(f"{record_paths[0]}: a trial of data set {found}, not {dataset}")
        row = best_trial(trials_table(read_records(record_paths)))
        number = int(row["trial"])
        if number not in weight_paths:
            raise ValueError(
                f"{record_paths[0]}: no weights file of trial {number} among the inputs"
            )
        best.append(Best(hidden, number, int(row["errors"]), weight_paths[number]))
    return best
