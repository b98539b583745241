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

from netlab.toy import datasets, nets, selection
from netlab.toy.nets import load_params

# What the evaluation adds to each trial's row of the trial table.
TEST_COLUMNS = ["test_errors", "fits_noise"]
# One row per data set x H of an experiment: the best trial's training and test error, the floor, the spread.
SETTINGS_COLUMNS = [
    "experiment",
    "dataset",
    "hidden_layers",
    "hidden",
    "trials",
    "best_trial",
    "best_seed",
    "best_iterations",
    "best_final_loss",
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
    records: Mapping[int, Any], weights: Mapping[int, Path], test: datasets.Points | None
) -> list[int | None]:
    """Each trial's errors on the test set (None without one), in the order of ``records``."""
    missing = sorted(set(records) - set(weights))
    if missing:
        raise EvaluationError(
            f"no weights file among the inputs for trial(s) {missing} (weights: {sorted(weights.values())})"
        )
    if test is None:
        return [None] * len(records)
    return [count_errors(load_params(weights[n]), *test) for n in records]


def evaluate_setting(
    records: Mapping[int, Mapping[str, Any]],
    weights: Mapping[int, Path],
    train: datasets.Points,
    test: datasets.Points | None,
    spec: Mapping[str, Any],
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """One experiment x data set x H: its trial table with each trial's test errors, and its summary."""
    trials = selection.trials_table(records)
    tests = trial_test_errors(dict(sorted(records.items())), weights, test)
    train_floor = datasets.floor_errors(spec, *train)
    test_floor = None if test is None else datasets.floor_errors(spec, *test)
    trials["test_errors"] = pd.array(tests, dtype="Int64")
    trials["fits_noise"] = pd.array(
        [
            None if t is None else fits_noise(e, t, train_floor, test_floor)
            for e, t in zip(trials["errors"], tests, strict=True)
        ],
        dtype="boolean",
    )
    best = selection.best_trial(trials)
    summary = {
        "trials": len(trials),
        "best_trial": int(best["trial"]),
        "best_seed": int(best["seed"]),
        "best_iterations": int(best["iterations"]),
        "best_final_loss": float(best["final_loss"]),
        "n_train": len(train[1]),
        "train_errors": int(best["errors"]),
        "train_floor": train_floor,
        "n_test": None if test is None else len(test[1]),
        "test_errors": None if test is None else int(best["test_errors"]),
        "test_floor": test_floor,
        "fits_noise": None if pd.isna(best["fits_noise"]) else bool(best["fits_noise"]),
        "trials_fitting_noise": None
        if trials["fits_noise"].isna().all()
        else int(trials["fits_noise"].sum()),
    }
    if test is not None:
        summary |= {
            "test_errors_min": int(min(tests)),
            "test_errors_median": float(np.median(tests)),
            "test_errors_max": int(max(tests)),
        }
    return trials, summary


def settings_row(
    experiment: str, hidden_layers: int, dataset: str, hidden: int, summary: Mapping[str, Any]
) -> dict[str, Any]:
    """A setting's row of the settings table, rates and a note added to its summary."""
    has_test = summary.get("n_test") is not None
    return {
        "experiment": experiment,
        "dataset": dataset,
        "hidden_layers": hidden_layers,
        "hidden": hidden,
        **{key: summary.get(key) for key in SETTINGS_COLUMNS if key in summary},
        "train_error_rate": _rate(summary["train_errors"], summary["n_train"]),
        "test_error_rate": _rate(summary.get("test_errors"), summary.get("n_test")),
        "test_floor_rate": _rate(summary.get("test_floor"), summary.get("n_test")),
        "note": "" if has_test else "no test set (a file data set without test_path)",
    }


def settings_table(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The settings rows as a table with nullable integer and boolean columns (NA where absent)."""
    table = pd.DataFrame(list(rows), columns=SETTINGS_COLUMNS)
    int_columns = [
        c for c in SETTINGS_COLUMNS if c.endswith(("errors", "floor", "min", "max", "n_test"))
    ]
    table[int_columns] = table[int_columns].astype("Int64")
    table["fits_noise"] = table["fits_noise"].astype("boolean")
    table["trials_fitting_noise"] = table["trials_fitting_noise"].astype("Int64")
    return table
