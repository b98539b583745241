"""Evaluation of trained toy nets on their test sets: hand-built nets with known errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from netlab import atomic
from netlab.toy import datasets, evaluation
from netlab.toy.figures import generalisation as generalisation_figure

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
    record = {
        "seed": 100 + number, "iterations": 1000, "converged": True, "final_loss": 0.1,
        "errors": train_errors, "wall_time_s": 0.01,
    }  # fmt: skip
    (directory / f"trial{number}.json").write_text(json.dumps(record))
    arrays = {f"{k}{i}": a for i, (w, b) in enumerate(params) for k, a in (("W", w), ("b", b))}
    np.savez(directory / f"trial{number}.npz", **arrays)
    return directory / f"trial{number}.json", directory / f"trial{number}.npz"


@pytest.fixture
def trials(tmp_path):
    # Trial 1 claims 0 training errors (below the floor of 1): it memorised the flipped point,
    # yet on the test set it is the constant net. Trial 2 is the boundary itself.
    made = [
        write_trial(tmp_path, 2, boundary_net(), 1),
        write_trial(tmp_path, 1, constant_net(), 0),
    ]
    return [r for r, _ in made], [w for _, w in made]


def test_count_errors_of_hand_built_nets():
    assert evaluation.count_errors(boundary_net(), *TEST) == 1
    assert evaluation.count_errors(constant_net(), *TEST) == 3
    assert datasets.floor_errors(SPEC, *TEST) == 1 and datasets.floor_errors(SPEC, *TRAIN) == 1


def test_best_trial_is_chosen_by_training_errors_and_marked_as_fitting_noise(trials):
    records, weights = trials
    table, summary = evaluation.evaluate_setting(records, weights, TRAIN, TEST, SPEC)
    assert table["trial"].tolist() == [1, 2]
    assert table["train_errors"].tolist() == [0, 1]
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
    generalisation = evaluation.generalisation_table("e", 1, {("mine", 4): {**summary}})
    row = generalisation.iloc[0]
    assert "no test set" in row["note"] and pd.isna(row["test_error_rate"])
    assert row["train_error_rate"] == 0.0


def test_a_missing_weights_file_is_named(trials):
    records, weights = trials
    with pytest.raises(
        evaluation.EvaluationError, match=r"trial1\.json: no weights file trial1\.npz"
    ):
        evaluation.evaluate_setting(records, weights[:1], TRAIN, TEST, SPEC)


@pytest.mark.parametrize(
    ("train", "test", "expected"),
    [(0, 3, True), (1, 3, False), (0, 1, False), (2, 0, False)],
)
def test_fits_noise_needs_both_below_on_training_and_above_on_test(train, test, expected):
    assert evaluation.fits_noise(train, test, 1, 1) is expected
    assert evaluation.fits_noise(train, test, None, 1) is None


def test_generalisation_table_and_figure_from_files(trials, tmp_path):
    records, weights = trials
    train_file, test_file = tmp_path / "train.txt", tmp_path / "test.txt"
    train_file.write_text(datasets.format_points(*TRAIN))
    test_file.write_text(datasets.format_points(*TEST))
    summaries = []
    for hidden in (2, 4):
        setting = {"experiment": "e", "dataset": "d", "hidden": hidden}
        _, summary = evaluation.evaluate_files(
            records, weights, train_file, [test_file], SPEC, setting
        )
        summaries.append(summary)
    table = evaluation.generalisation_table("e", 1, {("d", s["hidden"]): s for s in summaries})
    generalisation_figure.draw(table, "e", tmp_path / "g.png")
    atomic.write_csv(tmp_path / "g.csv", table)
    assert table["hidden"].tolist() == [2, 4]
    assert table["test_error_rate"].tolist() == [0.6, 0.6]
    assert table["test_floor_rate"].tolist() == [0.2, 0.2]
    assert (tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"
    read_back = pd.read_csv(tmp_path / "g.csv")
    assert list(read_back.columns) == evaluation.TABLE_COLUMNS
    assert read_back["fits_noise"].tolist() == [True, True]
