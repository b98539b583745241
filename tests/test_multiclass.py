"""Any number of classes: the solver rule, N x N confusion matrices, McNemar on N classes, the
too-few-images error before any fitting, and class names that stay legible on the figures' axes."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from helpers import LOGISTIC, SIDECARS, TRAIN, VAL, sidecar

from netlab.images import classify, figures, labels, multiclass
from netlab.images.feature_table import FeatureTable
from netlab.plotting import plt
from netlab.report import images as report_images

LONG = [
    "formica_rufa_red_wood_ant_workers",
    "apis_mellifera_honey_bee_foragers",
    "vespula_vulgaris_common_wasp_nest",
]
AUTO = {**LOGISTIC, "solver": "auto"}
KNN = {"k": [1, 3], "algorithm": "kd_tree"}


def three_class_table(
    points: list[tuple[float, float]], labels_: list[int], split: str
) -> FeatureTable:
    features = np.zeros((len(points), 2048), np.float32)
    features[:, :2] = points
    paths = [f"{split}/{LONG[y]}/{i}.jpg" for i, y in enumerate(labels_)]
    return FeatureTable(paths, np.array(labels_), [LONG[y] for y in labels_], features)


# Three clusters: class 0 at (0, 0), 1 at (10, 0), 2 at (0, 10); four training images each.
CENTRES = [(0, 0), (10, 0), (0, 10)]
JITTER = [(0, 0), (0.5, 0), (0, 0.5), (0.5, 0.5)]
TRAIN3 = three_class_table(
    [(cx + dx, cy + dy) for cx, cy in CENTRES for dx, dy in JITTER],
    [0] * 4 + [1] * 4 + [2] * 4,
    "train",
)
# Validation: two of each class in place, and one class-2 image among class 1: confusion known by hand.
VAL3 = three_class_table(
    [(0, 0.2), (0.2, 0), (10, 0.2), (10.2, 0), (0, 10.2), (10.1, 0.1)], [0, 0, 1, 1, 2, 2], "val"
)
SIDECARS3 = {
    split: sidecar(split, classes=LONG, image_root="my images") for split in ("train", "val")
}


@pytest.mark.parametrize(
    ("solver", "n", "chosen"),
    [
        ("auto", 2, "liblinear"),
        ("auto", 3, "lbfgs"),
        ("auto", 12, "lbfgs"),
        ("lbfgs", 2, "lbfgs"),
        ("saga", 3, "saga"),
        ("liblinear", 2, "liblinear"),
    ],
)
def test_solver_rule(solver, n, chosen):
    classes = [f"c{i}" for i in range(n)]
    assert multiclass.solver_for(solver, classes, "root") == chosen


def test_liblinear_with_three_classes_is_refused_naming_setting_and_folder(monkeypatch):
    def no_fitting(*args, **kwargs):
        raise AssertionError("a classifier was fitted before the check")

    monkeypatch.setattr(classify, "evaluate", no_fitting)
    monkeypatch.setattr(classify.crossval, "select_on_training", no_fitting)
    message = r"classify.logistic.solver: liblinear fits two classes only, but the image folder my images has 3"
    with pytest.raises(multiclass.ClassesError, match=message):
        classify.metrics(TRAIN3, VAL3, SIDECARS3, LOGISTIC, KNN)
    with pytest.raises(multiclass.ClassesError, match=message):
        classify.tuned(
            TRAIN3, VAL3, SIDECARS3, LOGISTIC, "kd_tree", {"folds": 2, "C": [1.0], "k": [1]}, 0
        )


def test_two_classes_give_the_notebooks_liblinear_and_the_same_numbers():
    auto = classify.metrics(TRAIN, VAL, SIDECARS, AUTO, KNN)
    assert auto == classify.metrics(TRAIN, VAL, SIDECARS, LOGISTIC, KNN)
    assert auto["models"][0]["params"]["solver"] == "liblinear"


def test_three_classes_fit_one_multinomial_model_with_n_by_n_confusion():
    result = classify.metrics(TRAIN3, VAL3, SIDECARS3, AUTO, KNN)
    assert result["classes"] == LONG
    for m in result["models"]:
        assert m["confusion"] == [[2, 0, 0], [0, 2, 0], [0, 1, 1]], m["name"]
        assert m["correct"] == 5 and m["ci95"]["low"] < 5 / 6 < m["ci95"]["high"]
    logistic = result["models"][0]
    assert logistic["params"]["solver"] == "lbfgs"
    # McNemar compares which images each model gets right: the same five, so p = 1.
    assert [
        (t["only_a_correct"], t["only_b_correct"], t["p_value"]) for t in result["mcnemar"]
    ] == [
        (0, 0, 1.0),
        (0, 0, 1.0),
    ]
    rows = report_images.confusion_rows(result)
    assert len(rows) == 3 * 9 and set(rows["true_class"]) == set(LONG)
    assert report_images.logistic_text(result) == (
        "solver lbfgs, one multinomial (softmax) model over the 3 classes"
    )


def test_mcnemar_counts_images_only_one_model_gets_right_across_three_classes():
    truth = np.array([0, 1, 2, 2, 1, 0])
    models = [
        {"name": "a", "predicted": [0, 1, 2, 0, 2, 0]},  # right on images 0, 1, 2, 5
        {"name": "b", "predicted": [1, 1, 2, 2, 1, 2]},  # right on images 1, 2, 3, 4
    ]
    (test,) = classify.mcnemar_tests(models, truth)
    assert (test["only_a_correct"], test["only_b_correct"]) == (2, 2)


def test_too_few_images_of_a_class_for_the_folds_names_folder_and_class_before_fitting(monkeypatch):
    def no_fitting(*args, **kwargs):
        raise AssertionError("a classifier was fitted before the check")

    monkeypatch.setattr(classify.crossval, "select_on_training", no_fitting)
    short = three_class_table(
        [(0, 0), (0, 1), (0, 2), (10, 0), (10, 1), (0, 10), (0, 11), (0, 12)],
        [0, 0, 0, 1, 1, 2, 2, 2],
        "train",
    )
    cv = {"folds": 3, "C": [1.0], "k": [1]}
    with pytest.raises(
        multiclass.ClassesError,
        match=r"classify.cv.folds: 3 stratified folds .* class 'apis_mellifera_honey_bee_foragers' has 2 "
        r"in my images/train/apis_mellifera_honey_bee_foragers\. Add images or lower classify.cv.folds",
    ):
        classify.tuned(short, VAL3, SIDECARS3, AUTO, "kd_tree", cv, 0)


def test_enough_images_for_the_folds_pass_and_fit_lbfgs():
    tuned = classify.tuned(
        TRAIN3, VAL3, SIDECARS3, AUTO, "kd_tree", {"folds": 4, "C": [1.0], "k": [1]}, 0
    )
    assert [r["val_accuracy"] for r in tuned["rows"]] == [5 / 6, 5 / 6]


def test_wrap_breaks_after_separators_and_keeps_every_character():
    lines = labels.wrap("formica_rufa_red_wood_ant_workers", 16)
    assert lines == ["formica_rufa_", "red_wood_ant_", "workers"]
    assert labels.wrap("apis mellifera honey bee", 16) == ["apis mellifera", "honey bee"]
    unbroken = "x" * 40
    assert labels.wrap(unbroken, 16) == ["x" * 16, "x" * 16, "x" * 8]
    assert labels.wrap("ants", 16) == ["ants"]


def test_names_too_long_or_too_many_are_numbered_with_a_key():
    assert labels.wrapped_names(["x" * 49]) is None  # four lines of 16
    ticks, key, _ = figures.axis_labels(LONG)
    assert ticks[0] == "formica_rufa_\nred_wood_ant_\nworkers" and key == []
    many = [f"{name}_{i}" for i in range(3) for name in LONG]
    ticks, key, cell = figures.axis_labels(many)
    assert ticks == [str(i) for i in range(1, 10)]
    assert key[0] == f"1 = {many[0]}" and len(key) == 9
    assert cell * len(many) <= figures.MAX_MATRIX_INCHES


def test_the_notebooks_two_classes_keep_their_panels():
    ticks, key, cell = figures.axis_labels(["ants", "bees"])
    assert (ticks, key) == (["ants", "bees"], [])
    assert figures.panel_size(ticks, cell) == figures.PANEL
    fig = figures.confusion_heatmaps([("t", [[1, 2], [3, 4]], ["ants", "bees"])] * 5, "s")
    assert tuple(fig.get_size_inches()) == pytest.approx((4 * 3.3, 2 * 3.2))
    plt.close(fig)


def boxes(labels_) -> list:
    return [t.get_window_extent() for t in labels_ if t.get_text()]


@pytest.mark.parametrize("classes", [LONG, [f"{n}_{i}" for i in range(8) for n in LONG]])
def test_confusion_tick_labels_do_not_overlap(classes):
    n = len(classes)
    matrix = np.arange(n * n).reshape(n, n).tolist()
    fig = figures.confusion_heatmaps([("model", matrix, classes)] * 4, "confusion")
    fig.canvas.draw()
    assert max(fig.get_size_inches()) <= 2 * (figures.MAX_MATRIX_INCHES + 2)
    for ax in fig.axes:
        for ticks in (boxes(ax.get_xticklabels()), boxes(ax.get_yticklabels())):
            assert len(ticks) == n
            for a, b in itertools.pairwise(ticks):
                assert not a.overlaps(b), (a, b)
    if n > 3:
        assert "1 = formica_rufa_red_wood_ant_workers_0" in fig.get_supxlabel()
    plt.close(fig)
