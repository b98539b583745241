"""An experiment's trials summed up in three tables, by one job per experiment.

``trials.csv`` (every trial of every setting, with its test errors), ``settings.csv`` (per data set x H:
the best trial, training and test error, the floor, the spread) and ``curves.csv`` (every trial's loss
at each check). One job reads the trials once for the figures and the report: a sweep of 100 settings
pays one interpreter and one import of pandas, not 300. The numbers per setting are those of
``netlab.toy.evaluation.evaluate_setting``, whatever else the experiment holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from netlab import atomic
from netlab.toy import datasets, evaluation, selection

CURVE_COLUMNS = ["dataset", "hidden", "trial", "t", "loss"]
PLACE_COLUMNS = ["dataset", "hidden"]


class Tables(NamedTuple):
    """The summary job's three tables."""

    trials: pd.DataFrame
    settings: pd.DataFrame
    curves: pd.DataFrame


def summarise_experiment(
    experiment: str,
    hidden_layers: int,
    records: Sequence[str | Path],
    weights: Sequence[str | Path],
    data: Mapping[str, tuple[str | Path, str | Path | None]],
    specs: Mapping[str, Mapping[str, Any]],
) -> Tables:
    """The three tables of one experiment. ``data`` maps each data set to its training file and test
    file (None without one); ``specs`` are the data sets' config entries (for the generator's floor)."""
    points = {
        name: (datasets.read_points(train), None if test is None else datasets.read_points(test))
        for name, (train, test) in data.items()
    }
    trial_frames, setting_rows, curve_rows = [], [], []
    for (dataset, hidden), (record_paths, weight_paths) in selection.group_trials(
        records, weights, experiment
    ).items():
        if dataset not in points:
            raise ValueError(
                f"{record_paths[0]}: no data file of data set {dataset} among the inputs"
            )
        by_trial = selection.read_records(record_paths)
        train, test = points[dataset]
        table, summary = evaluation.evaluate_setting(
            by_trial, weight_paths, train, test, specs[dataset]
        )
        trial_frames.append(table.assign(dataset=dataset, hidden=hidden))
        setting_rows.append(
            evaluation.settings_row(experiment, hidden_layers, dataset, hidden, summary)
        )
        curve_rows += [
            (dataset, hidden, number, t, loss)
            for number, record in by_trial.items()
            for t, loss in record["checkpoints"]
        ]
    trial_columns = [*PLACE_COLUMNS, *selection.TRIAL_COLUMNS, *evaluation.TEST_COLUMNS]
    trials = (
        pd.concat(trial_frames, ignore_index=True)[trial_columns]
        if trial_frames
        else pd.DataFrame(columns=trial_columns)
    )
    return Tables(
        trials=trials,
        settings=evaluation.settings_table(setting_rows),
        curves=pd.DataFrame(curve_rows, columns=CURVE_COLUMNS),
    )


def write_tables(tables: Tables, paths: Mapping[str, str | Path]) -> None:
    """Each table to its CSV (``paths`` by table name), atomically."""
    for name, table in tables._asdict().items():
        atomic.write_csv(paths[name], table)


def read_tables(paths: Mapping[str, str | Path]) -> Tables:
    """The three tables back from their CSVs, with nullable integers and booleans as written."""
    trials = pd.read_csv(paths["trials"], dtype={"test_errors": "Int64", "fits_noise": "boolean"})
    settings = pd.read_csv(paths["settings"])
    settings = evaluation.settings_table(settings.to_dict("records"))
    return Tables(trials, settings, pd.read_csv(paths["curves"]))
