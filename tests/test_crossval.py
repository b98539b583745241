"""Cross-validated C and k: seeded stratified folds on the training split, never the validation images;
intervals and McNemar tests in the classifier metrics."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import CLASSES, LOGISTIC, SIDECARS, TRAIN, VAL
from sklearn.neighbors import KNeighborsClassifier

from netlab.images import classify, crossval
from netlab.images.feature_table import FeatureTable

CV = {"folds": 3, "C": [0.01, 1.0, 100.0], "k": [1, 3]}


def blob_table(n_per_class: int, seed: int, split: str, offset: float = 0.0) -> FeatureTable:
    """Two noisy Gaussian classes in the first two of 2048 dimensions."""
    rng = np.random.default_rng(seed)
    labels = np.repeat([0, 1], n_per_class)
    features = np.zeros((2 * n_per_class, 2048), np.float32)
    features[:, :2] = rng.normal(0, 1.5, (2 * n_per_class, 2)) + labels[:, None] * 2 + offset
    paths = [f"{split}/{CLASSES[y]}/{i}.jpg" for i, y in enumerate(labels)]
    return FeatureTable(paths, labels, [CLASSES[y] for y in labels], features)


BIG_TRAIN = blob_table(30, 1, "train")
BIG_VAL = blob_table(20, 2, "val")


def test_folds_are_stratified_seeded_and_cover_each_image_once():
    labels = np.array([0] * 9 + [1] * 6)
    folds = crossval.stratified_folds(labels, 3, seed=12345678901234)
    held = np.concatenate([h for _, h in folds])
    assert sorted(held.tolist()) == list(range(15))
    for fit, held_out in folds:
        assert set(fit).isdisjoint(held_out)
        assert np.bincount(labels[held_out]).tolist() == [3, 2]
    again = crossval.stratified_folds(labels, 3, seed=12345678901234)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(folds, again, strict=True))
    other = crossval.stratified_folds(labels, 3, seed=5)
    assert any(not np.array_equal(a[1], b[1]) for a, b in zip(folds, other, strict=True))


def test_k_larger_than_a_folds_fitting_set_is_named():
    with pytest.raises(crossval.CrossValidationError, match=r"classify.cv.k: \[5\] exceed the 4"):
        classify.tuned(TRAIN, VAL, SIDECARS, LOGISTIC, "kd_tree", {**CV, "k": [1, 5]}, 0)


def test_cv_accuracy_by_hand():
    # 1-NN on four points: each held-out point's nearest neighbour is in its own class except the last.
    x = np.array([[0.0], [0.1], [1.0], [1.1], [0.05]])
    y = np.array([0, 0, 1, 1, 1])
    folds = [(np.delete(np.arange(5), i), np.array([i])) for i in range(5)]
    make = crossval.knn_factory("brute")
    assert crossval.choose(make, "k", [1], x, y, folds) == (1, {1: pytest.approx(2 / 5)})


def pooled_by_hand(make, value, x, y, folds) -> float:
    """The loop GridSearchCV replaced: images right when held out, pooled over the folds."""
    correct = 0
    for fit, held_out in folds:
        model = make(value).fit(x[fit], y[fit])
        correct += int(np.count_nonzero(model.predict(x[held_out]) == y[held_out]))
    return correct / len(y)


def test_grid_search_pools_the_folds_as_the_hand_loop_did():
    # 60 images in 7 folds: unequal folds, where a mean of per-fold accuracies would differ.
    x, y = BIG_TRAIN.features, BIG_TRAIN.labels
    folds = crossval.stratified_folds(y, 7, seed=11)
    assert len({len(held_out) for _, held_out in folds}) > 1
    for parameter, make, grid in [
        ("C", crossval.logistic_factory(LOGISTIC), CV["C"]),
        ("k", crossval.knn_factory("kd_tree"), [1, 3, 5, 9]),
    ]:
        chosen, scores = crossval.choose(make, parameter, grid, x, y, folds)
        assert scores == {v: pooled_by_hand(make, v, x, y, folds) for v in grid}  # to the last bit
        best = max(scores.values())
        assert chosen == next(v for v in grid if scores[v] == best)


@pytest.mark.parametrize("grid", [[3, 1, 5], [5, 3, 1]])
def test_ties_go_to_the_first_value_in_grid_order(grid):
    # Two clusters far apart: every k classifies every held-out image right.
    x = np.concatenate([np.zeros((6, 1)), np.full((6, 1), 100.0)]) + np.arange(12)[:, None] * 0.01
    y = np.repeat([0, 1], 6)
    folds = crossval.stratified_folds(y, 2, seed=0)
    chosen, scores = crossval.choose(crossval.knn_factory("brute"), "k", grid, x, y, folds)
    assert set(scores.values()) == {1.0}
    assert chosen == grid[0]
    chosen, _ = crossval.choose(
        crossval.logistic_factory(LOGISTIC), "C", [100.0, 10.0], x, y, folds
    )
    assert chosen == 100.0


def test_choice_ignores_the_validation_split_entirely():
    result = classify.tuned(BIG_TRAIN, BIG_VAL, SIDECARS, LOGISTIC, "kd_tree", CV, 99)
    # Any validation split at all, even one with its labels reversed: same choices, same CV scores.
    flipped = FeatureTable(
        BIG_VAL.paths,
        1 - BIG_VAL.labels,
        [CLASSES[1 - y] for y in BIG_VAL.labels],
        BIG_VAL.features,
    )
    other = classify.tuned(BIG_TRAIN, flipped, SIDECARS, LOGISTIC, "kd_tree", CV, 99)
    for a, b in zip(result["rows"], other["rows"], strict=True):
        assert (a["chosen"], a["cv_accuracy"], a["cv_scores"]) == (
            b["chosen"],
            b["cv_accuracy"],
            b["cv_scores"],
        )
        assert a["val_accuracy"] + b["val_accuracy"] == pytest.approx(
            1.0
        )  # val only scores the choice


def test_cross_validation_never_fits_or_predicts_a_validation_image(monkeypatch):
    seen: list[tuple[str, bool, np.ndarray]] = []
    phase = {"cv": True}

    class Spy(KNeighborsClassifier):
        def fit(self, x, y):
            seen.append(("fit", phase["cv"], x))
            return super().fit(x, y)

        def predict(self, x):
            seen.append(("predict", phase["cv"], x))
            return super().predict(x)

    real_choose = crossval.choose

    def choose_then_mark(*args, **kwargs):
        phase["cv"] = True
        out = real_choose(*args, **kwargs)
        phase["cv"] = False
        return out

    monkeypatch.setattr(crossval, "choose", choose_then_mark)
    monkeypatch.setattr(
        crossval,
        "knn_factory",
        lambda algorithm: lambda k: Spy(n_neighbors=int(k), algorithm=algorithm),
    )
    classify.tuned(BIG_TRAIN, BIG_VAL, SIDECARS, LOGISTIC, "kd_tree", CV, 3)
    val_rows = {row.tobytes() for row in BIG_VAL.features}
    train_rows = {row.tobytes() for row in BIG_TRAIN.features}
    assert val_rows.isdisjoint(train_rows)
    cv_calls = [x for _, in_cv, x in seen if in_cv]
    assert len(cv_calls) == 2 * CV["folds"] * len(CV["k"])
    for x in cv_calls:
        assert {row.tobytes() for row in x} <= train_rows
    final = [(kind, x) for kind, in_cv, x in seen if not in_cv]
    assert [kind for kind, _ in final] == [
        "fit",
        "predict",
    ]  # refit on all training images, score val once
    assert len(final[0][1]) == len(BIG_TRAIN.labels)
    assert {row.tobytes() for row in final[1][1]} == val_rows


def test_tuned_rows_are_seeded_and_reported(tmp_path):
    a = classify.tuned(BIG_TRAIN, BIG_VAL, SIDECARS, LOGISTIC, "kd_tree", CV, 42)
    b = classify.tuned(BIG_TRAIN, BIG_VAL, SIDECARS, LOGISTIC, "kd_tree", CV, 42)
    assert a == b
    assert [r["model"] for r in a["rows"]] == ["logistic_regression", "knn"]
    for row in a["rows"]:
        assert row["chosen"] in CV[row["parameter"]]
        assert row["cv_accuracy"] == max(s for _, s in row["cv_scores"])
        assert row["ci95"]["low"] <= row["val_accuracy"] <= row["ci95"]["high"]
    lines = classify.tuned_csv(a).splitlines()
    assert lines[0].split(",") == list(classify.CV_COLUMNS) and len(lines) == 3


def test_metrics_carry_wilson_intervals_and_mcnemar_tests():
    # Every model gets 5 of 6 right, on the same images: no discordant pair, p = 1.
    result = classify.metrics(TRAIN, VAL, SIDECARS, LOGISTIC, {"k": [1, 3], "algorithm": "kd_tree"})
    for m in result["models"]:
        assert m["ci95"]["method"] == "wilson"
        assert (m["ci95"]["low"], m["ci95"]["high"]) == pytest.approx((0.4365, 0.9699), abs=1e-4)
    assert [t["model_b"] for t in result["mcnemar"]] == ["knn_k1", "knn_k3"]
    assert all(
        t["p_value"] == 1.0 and not t["larger_than_chance_at_5pct"] for t in result["mcnemar"]
    )
    assert "is not larger than chance at 5%" in result["mcnemar"][0]["reading"]
    assert classify.mcnemar_csv(result).splitlines()[0].split(",") == list(classify.MCNEMAR_COLUMNS)
    assert classify.intervals_csv(result).splitlines()[1].startswith("logistic_regression,0.833")


def test_mcnemar_counts_images_only_one_model_gets_right():
    y = np.array([0, 0, 1, 1, 1, 0])
    models = [
        {"name": "a", "predicted": [0, 0, 1, 1, 1, 1]},  # wrong on image 6
        {"name": "b", "predicted": [1, 1, 1, 0, 1, 0]},  # wrong on images 1, 2, 4
    ]
    (test,) = classify.mcnemar_tests(models, y)
    assert (test["only_a_correct"], test["only_b_correct"]) == (3, 1)
    assert test["p_value"] == pytest.approx(2 * (1 + 4) / 16)
