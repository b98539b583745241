"""Held-out error of the toy nets: each trial's test errors, the best trial's, and the generator's floor.

The best trial is still the one with the fewest training errors, as in the
notebooks: the test set only measures the choice, it never makes it. The
floor is what the generator's own boundary gets wrong on the same points
(for ``noisy``: its flipped labels); a net below the floor on its training set
and above it on the test set has learned the noise, not the curve.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from netlab.toy import datasets, nets, paths, selection
from netlab.toy.nets import load_params

TRIAL_COLUMNS = ["trial", "seed", "train_errors", "test_errors", "fits_noise"]
TABLE_COLUMNS = [
    "experiment",
    "dataset",
    "hidden_layers",
    "hidden",
    "trials",
    "best_trial",
    "n_train",
    "train_errors",
    "train_floor",
    "n_test",
    "test_errors",
    "test_floor",
    "train_error_rate",
    "test_error_rate",
    "test_floor_rate",
    "test_errors_min",
    "test_errors_median",
    "test_errors_max",
    "trials_fitting_noise",
    "fits_noise",
    "note",
]


class EvaluationError(ValueError):
    """Trials and weights that do not belong together; the message names the file."""


def count_errors(params: nets.Params, x: np.ndarray, labels: np.ndarray) -> int:
    """The notebooks' error count of a trained net on points with labels -1/+1 (``nets.error_count``)."""
    x32, y = datasets.as_training_arrays(x, labels)
    return nets.error_count(nets.predict(params, x32), y)


def fits_noise(
    train_errors: int, test_errors: int, train_floor: int | None, test_floor: int | None
) -> bool | None:
    """Fewer training errors than the true boundary and more test errors than it; None without a boundary."""
    if train_floor is None or test_floor is None:
        return None
    return train_errors < train_floor and test_errors > test_floor


def _rate(errors: float | None, n: int | None) -> float | None:
    return None if errors is None or not n else errors / n


def trial_test_errors(
    record_paths: Sequence[str | Path],
    weight_paths: Sequence[str | Path],
    test: datasets.Points | None,
) -> list[int | None]:
    """Each trial's errors on the test set (None without one), in the order of ``record_paths``."""
    weights = {paths.trial_number(p): Path(p) for p in weight_paths}
    out: list[int | None] = []
    for record in record_paths:
        number = paths.trial_number(record)
        if number not in weights:
            raise EvaluationError(f"{record}: no weights file trial{number}.npz among the inputs")
        out.append(None if test is None else count_errors(load_params(weights[number]), *test))
    return out


def evaluate_setting(
    record_paths: Sequence[str | Path],
    weight_paths: Sequence[str | Path],
    train: datasets.Points,
    test: datasets.Points | None,
    spec: Mapping[str, Any],
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per-trial training and test errors of one experiment x data set x H, and its summary."""
    trials = selection.trials_table(record_paths)
    ordered = sorted(record_paths, key=paths.trial_number)
    tests = trial_test_errors(ordered, weight_paths, test)
    train_floor = datasets.floor_errors(spec, *train)
    test_floor = None if test is None else datasets.floor_errors(spec, *test)
    table = pd.DataFrame(
        {
            "trial": trials["trial"],
            "seed": trials["seed"],
            "train_errors": trials["errors"],
            "test_errors": pd.array(tests, dtype="Int64"),
            "fits_noise": pd.array(
                [
                    None if t is None else fits_noise(e, t, train_floor, test_floor)
                    for e, t in zip(trials["errors"], tests, strict=True)
                ],
                dtype="boolean",
            ),
        },
        columns=TRIAL_COLUMNS,
    )
    best = selection.best_trial(trials)
    best_row = table.loc[table["trial"] == best["trial"]].iloc[0]
    summary = {
        "trials": len(table),
        "best_trial": int(best["trial"]),
        "n_train": len(train[1]),
        "train_errors": int(best["errors"]),
        "train_floor": train_floor,
        "n_test": None if test is None else len(test[1]),
        "test_errors": None if test is None else int(best_row["test_errors"]),
        "test_floor": test_floor,
        "fits_noise": None if pd.isna(best_row["fits_noise"]) else bool(best_row["fits_noise"]),
        "trials_fitting_noise": None
        if table["fits_noise"].isna().all()
        else int(table["fits_noise"].sum()),
    }
    if test is not None:
        summary |= {
            "test_errors_min": int(min(tests)),
            "test_errors_median": float(np.median(tests)),
            "test_errors_max": int(max(tests)),
        }
    return table, summary


def generalisation_table(
    experiment: str, hidden_layers: int, summaries: Mapping[tuple[str, int], Mapping[str, Any]]
) -> pd.DataFrame:
    """One row per data set x H of an experiment: best trial's training and test error, the floor, the spread."""
    rows = []
    for (dataset, hidden), s in summaries.items():
        has_test = s.get("n_test") is not None
        rows.append(
            {
                "experiment": experiment,
                "dataset": dataset,
                "hidden_layers": hidden_layers,
                "hidden": hidden,
                **{key: s.get(key) for key in TABLE_COLUMNS if key in s},
                "train_error_rate": _rate(s["train_errors"], s["n_train"]),
                "test_error_rate": _rate(s.get("test_errors"), s.get("n_test")),
                "test_floor_rate": _rate(s.get("test_floor"), s.get("n_test")),
                "note": "" if has_test else "no test set (a file data set without test_path)",
            }
        )
    table = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    int_columns = [
        c for c in TABLE_COLUMNS if c.endswith(("errors", "floor", "min", "max", "n_test"))
    ]
    table[int_columns] = table[int_columns].astype("Int64")
    table["fits_noise"] = table["fits_noise"].astype("boolean")
    table["trials_fitting_noise"] = table["trials_fitting_noise"].astype("Int64")
    return table


def evaluate_files(
    record_paths: Sequence[str | Path],
    weight_paths: Sequence[str | Path],
    train_path: str | Path,
    test_paths: Sequence[str | Path],
    spec: Mapping[str, Any],
    setting: Mapping[str, Any],
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """``evaluate_setting`` on the data files (``test_paths``: the test file, or none); ``setting`` names it."""
    if len(test_paths) > 1:
        raise EvaluationError(f"one test set expected, got {list(map(str, test_paths))}")
    test = datasets.read_points(test_paths[0]) if test_paths else None
    table, summary = evaluate_setting(
        record_paths, weight_paths, datasets.read_points(train_path), test, spec
    )
    return table, {**setting, **summary}
