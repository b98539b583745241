"""The report sections' data: readings per toy setting, and the classifier uncertainty tables."""

from __future__ import annotations

import pytest
from test_classify import LOGISTIC, SIDECARS, TRAIN, VAL

from netlab import classify, evaluation, generalisation_sections

BASE = {"trials": 5, "best_trial": 2, "n_train": 100, "n_test": 100, "trials_fitting_noise": 0}
SUMMARIES = {
    ("noisy", 8): {
        **BASE, "train_errors": 20, "train_floor": 23, "test_errors": 30, "test_floor": 24,
        "test_errors_min": 28, "test_errors_median": 30.0, "test_errors_max": 35, "fits_noise": True,
        "trials_fitting_noise": 3,
    },
    ("noisy", 4): {
        **BASE, "train_errors": 25, "train_floor": 23, "test_errors": 26, "test_floor": 24,
        "test_errors_min": 26, "test_errors_median": 27.0, "test_errors_max": 29, "fits_noise": False,
    },
    ("mine", 4): {
        **BASE, "n_test": None, "train_errors": 3, "train_floor": None, "test_errors": None,
        "test_floor": None, "fits_noise": None, "trials_fitting_noise": None,
    },
}  # fmt: skip
DATASETS = {"noisy": {"generator": "noisy"}, "mine": {"path": "mine.txt"}}


def test_toy_section_reads_each_setting():
    table = evaluation.generalisation_table("two", 2, SUMMARIES)
    section = generalisation_sections.toy_section([table], DATASETS)
    readings = section["table"]["reading"].tolist()
    assert readings[0].startswith(
        "fits the noise: 20 training errors, below the true boundary's 23"
    )
    assert "6 test errors more" in readings[0]
    assert readings[1] == "+2 test errors against the true boundary"
    assert readings[2] == "no test set"
    assert section["no_test_set"] == ["mine"]
    assert section["fitting_noise"] == ["two, noisy, H = 8"]


def test_toy_section_without_tables_is_empty():
    section = generalisation_sections.toy_section([], DATASETS)
    assert section["table"].empty and section["fitting_noise"] == []


def test_classifier_section_from_metrics_and_cv():
    metrics = classify.metrics(
        TRAIN, VAL, SIDECARS, LOGISTIC, {"k": [1, 3], "algorithm": "kd_tree"}
    )
    cv = {"folds": 3, "C": [0.1, 1.0], "k": [1]}
    tuned = classify.tuned(TRAIN, VAL, SIDECARS, LOGISTIC, "kd_tree", cv, 5)
    section = generalisation_sections.classifier_section(metrics, tuned)
    assert section["interval_method"] == "wilson"
    assert section["intervals"]["ci95_low"].tolist() == pytest.approx([0.4365] * 3, abs=1e-4)
    assert section["mcnemar"]["p_value"].tolist() == [1.0, 1.0]
    assert len(section["readings"]) == 2
    assert section["cv"]["model"].tolist()[1] == "knn (k = 1, by 3-fold CV)"
    assert section["cv_seed"] == 5
