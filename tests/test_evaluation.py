"""Evaluation of trained toy nets on their test sets: hand-built nets with known errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from netlab.toy import datasets, evaluation, paths, selection, summary

# The generator's boundary: linear at angle 0, so +1 exactly where x2 > 0.
SPEC = {"generator": "linear", "n": 4, "angle": 0.0, "margin": 0.1}
# One label of each set disagrees with the boundary (the floor is 1 on both).
TRAIN = (
    np.array([[0, 1], [1, 2], [0, -1], [2, -3]], np.float32),
    np.array([1, 1, -1, 1], np.int8),
)
TEST = (
    np.array([[1, 1], [-1, 3], [0, -2], [-3, -1], [2, 2]], np.float32),
    np.array([1, -1, -1, -1, 1], np.int8),
)


def boundary_net():
    """Sigmoid of 10 (relu(x2) - relu(-x2)): +1 exactly where x2 > 0."""
    w0 = np.array([[0, 1], [0, -1]], np.float32)
    return [
        (w0, np.zeros(2, np.float32)),
        (np.array([[10, -10]], np.float32), np.zeros(1, np.float32)),
    ]


def constant_net():
    """Always +1 (a large output bias)."""
    w0 = np.zeros((2, 2), np.float32)
    return [
        (w0, np.zeros(2, np.float32)),
        (np.zeros((1, 2), np.float32), np.full(1, 5, np.float32)),
    ]


def write_trial(directory, number, params, train_errors):
    directory.mkdir(parents=True, exist_ok=True)
    record = {
        "seed": 100 + number, "iterations": 1000, "converged": True, "final_loss": 0.1,
        "errors": train_errors, "wall_time_s": 0.01, "checkpoints": [[500, 0.3], [1000, 0.1]],
    }  # fmt: skip
    (directory / f"trial{number}.json").write_text(json.dumps(record))
    arrays = {f"{k}{i}": a for i, (w, b) in enumerate(params) for k, a in (("W", w), ("b", b))}
    np.savez(directory / f"trial{number}.npz", **arrays)
    return directory / f"trial{number}.json", directory / f"trial{number}.npz"


def write_setting(root, hidden):
    """Trial 1 claims 0 training errors (below the floor of 1): it memorised the flipped point,
    yet on the test set it is the constant net. Trial 2 is the boundary itself."""
    directory = root / "results/mlp/e/d" / f"h{hidden}"
    made = [
        write_trial(directory, 2, boundary_net(), 1),
        write_trial(directory, 1, constant_net(), 0),
    ]
    return [r for r, _ in made], [w for _, w in made]


@pytest.fixture
def trials(tmp_path):
    """One setting's records (trial 2 first) and weights, as ``evaluate_setting`` takes them."""
    records, weights = write_setting(tmp_path, 4)
    return selection.read_records(records), {paths.trial_number(w): w for w in weights}


def test_count_errors_of_hand_built_nets():
    assert evaluation.count_errors(boundary_net(), *TEST) == 1
    assert evaluation.count_errors(constant_net(), *TEST) == 3
    assert datasets.floor_errors(SPEC, *TEST) == 1 and datasets.floor_errors(SPEC, *TRAIN) == 1


def test_best_trial_is_chosen_by_training_errors_and_marked_as_fitting_noise(trials):
    records, weights = trials
    table, summary = evaluation.evaluate_setting(records, weights, TRAIN, TEST, SPEC)
    assert table["trial"].tolist() == [1, 2]
    assert table["errors"].tolist() == [0, 1]
    assert table["test_errors"].tolist() == [3, 1]
    assert table["fits_noise"].tolist() == [True, False]
    assert (
        summary["best_trial"] == 1
    )  # fewest training errors, although its test errors are the most
    assert summary["train_errors"] == 0 and summary["test_errors"] == 3
    assert summary["train_floor"] == 1 and summary["test_floor"] == 1
    assert summary["fits_noise"] is True and summary["trials_fitting_noise"] == 1
    assert (
        summary["test_errors_min"],
        summary["test_errors_median"],
        summary["test_errors_max"],
    ) == (
        1,
        2.0,
        3,
    )
    assert summary["n_train"] == 4 and summary["n_test"] == 5


def test_without_a_test_set_only_training_errors_are_reported(trials):
    records, weights = trials
    table, summary = evaluation.evaluate_setting(records, weights, TRAIN, None, {"path": "x.txt"})
    assert table["test_errors"].isna().all() and table["fits_noise"].isna().all()
    assert summary["test_errors"] is None and summary["n_test"] is None
    assert summary["train_floor"] is None and summary["fits_noise"] is None
    row = evaluation.settings_table([evaluation.settings_row("e", 1, "mine", 4, summary)]).iloc[0]
    assert "no test set" in row["note"] and pd.isna(row["test_error_rate"])
    assert row["train_error_rate"] == 0.0


def test_a_missing_weights_file_is_named(trials):
    records, weights = trials
    with pytest.raises(
        evaluation.EvaluationError, match=r"no weights file among the inputs for trial\(s\) \[1\]"
    ):
        evaluation.evaluate_setting(records, {2: weights[2]}, TRAIN, TEST, SPEC)


@pytest.mark.parametrize(
    ("train", "test", "expected"),
    [(0, 3, True), (1, 3, False), (0, 1, False), (2, 0, False)],
)
def test_fits_noise_needs_both_below_on_training_and_above_on_test(train, test, expected):
    assert evaluation.fits_noise(train, test, 1, 1) is expected
    assert evaluation.fits_noise(train, test, None, 1) is None


def test_an_experiments_tables_from_its_files(tmp_path):
    records, weights = [], []
    for hidden in (2, 4):
        r, w = write_setting(tmp_path, hidden)
        records += r
        weights += w
    train_file, test_file = tmp_path / "train.txt", tmp_path / "test.txt"
    train_file.write_text(datasets.format_points(*TRAIN))
    test_file.write_text(datasets.format_points(*TEST))
    tables = summary.summarise_experiment(
        "e", 1, records, weights, {"d": (train_file, test_file)}, {"d": SPEC}
    )
    out = {t: tmp_path / f"{t}.csv" for t in paths.SUMMARY_TABLES}
    summary.write_tables(tables, out)
    trials, settings, curves = summary.read_tables(out)
    assert settings["hidden"].tolist() == [2, 4]
    assert settings["best_trial"].tolist() == [1, 1] and settings["best_seed"].tolist() == [
        101,
        101,
    ]
    assert settings["test_error_rate"].tolist() == [0.6, 0.6]
    assert settings["test_floor_rate"].tolist() == [0.2, 0.2]
    assert list(settings.columns) == evaluation.SETTINGS_COLUMNS
    assert settings["fits_noise"].tolist() == [True, True]
    # every trial once, in trial order per setting, with its test errors
    assert trials[["hidden", "trial", "errors", "test_errors"]].values.tolist() == [
        [2, 1, 0, 3], [2, 2, 1, 1], [4, 1, 0, 3], [4, 2, 1, 1],
    ]  # fmt: skip
    assert trials.equals(tables.trials.astype(trials.dtypes.to_dict()))
    assert len(curves) == 8 and curves["t"].tolist()[:2] == [500, 1000]


def test_trials_of_another_experiment_or_without_data_are_refused(tmp_path):
    records, weights = write_setting(tmp_path, 4)
    data = {"d": (tmp_path / "train.txt", None)}
    (tmp_path / "train.txt").write_text(datasets.format_points(*TRAIN))
    with pytest.raises(ValueError, match="a trial of experiment e, not other"):
        summary.summarise_experiment("other", 1, records, weights, data, {"d": SPEC})
    with pytest.raises(ValueError, match="no data file of data set d"):
        summary.summarise_experiment("e", 1, records, weights, {}, {})
    best = selection.best_per_hidden(records, weights, "e", "d")
    assert [(b.hidden, b.trial, b.errors) for b in best] == [(4, 1, 0)]
    with pytest.raises(ValueError, match="no weights file of trial 1"):
        selection.best_per_hidden(records, weights[:1], "e", "d")
