"""Classifiers on features: a hand-computable case, provenance, and refusals."""

from __future__ import annotations

import copy
import json

import pytest
from helpers import CLASSES, LOGISTIC, SIDECARS, TRAIN, VAL, sidecar, table

from netlab.images import classify, feature_table
from netlab.images.classify import ClassifyError

KNN = {"k": [1, 3], "algorithm": "kd_tree"}


def test_hand_computed_accuracy_and_confusion():
    result = classify.metrics(TRAIN, VAL, SIDECARS, LOGISTIC, KNN)
    assert [m["name"] for m in result["models"]] == ["logistic_regression", "knn_k1", "knn_k3"]
    for m in result["models"]:
        assert m["accuracy"] == pytest.approx(5 / 6) and m["correct"] == 5 and m["n_val"] == 6
        assert m["confusion"] == [[3, 0], [1, 2]] and m["classes"] == CLASSES
    assert result["models"][0]["params"] == LOGISTIC
    assert result["models"][2]["params"] == {"n_neighbors": 3, "algorithm": "kd_tree"}
    assert result["n_train"] == 6 and result["n_val"] == 6 and result["classes"] == CLASSES


def test_confusion_rows_are_true_columns_predicted():
    """Relabel val: three 'bees' at the ants' place, two 'ants' at the bees' place, one ant in place.

    True ants: 1 predicted ants, 2 predicted bees; true bees: 3 predicted ants.
    Transposed, the matrix would read [[1, 3], [2, 0]].
    """
    swapped = table([tuple(p[:2]) for p in VAL.features], [1, 1, 1, 0, 0, 0], "val")
    m = classify.metrics(TRAIN, swapped, SIDECARS, LOGISTIC, {"k": [1], "algorithm": "kd_tree"})[
        "models"
    ][1]
    assert (
        m["confusion"] == [[1, 2], [3, 0]]
        and m["correct"] == 1
        and m["accuracy"] == pytest.approx(1 / 6)
    )


def test_provenance_is_copied_from_the_sidecars():
    result = classify.metrics(TRAIN, VAL, SIDECARS, LOGISTIC, KNN)
    assert result["provenance"]["weights"]["description"] == "random (seeded), not ImageNet"
    assert result["provenance"]["image_source"] == "synthetic"
    assert result["device"] == {"train": "cpu", "val": "cpu"}
    assert result["skipped"] == {
        "train": [],
        "val": [{"path": "val/ants/bad.jpg", "reason": "truncated"}],
    }


def test_features_from_different_setups_are_refused():
    other = {"train": SIDECARS["train"], "val": sidecar("val", weights={"kind": "file"})}
    with pytest.raises(ClassifyError, match="train and val differ in 'weights'"):
        classify.metrics(TRAIN, VAL, other, LOGISTIC, KNN)
    other = {"train": SIDECARS["train"], "val": sidecar("val", classes=["bees", "ants"])}
    with pytest.raises(ClassifyError, match="train and val differ in 'classes'"):
        classify.metrics(TRAIN, VAL, other, LOGISTIC, KNN)


def test_labels_that_contradict_the_classes_are_refused():
    bad = copy.deepcopy(VAL)
    bad.class_names[0] = "bees"
    with pytest.raises(ClassifyError, match=r"val features: row val/ants/0.jpg has label 0 'bees'"):
        classify.metrics(TRAIN, bad, SIDECARS, LOGISTIC, KNN)


def test_k_larger_than_the_training_set_is_refused():
    with pytest.raises(ClassifyError, match=r"classify.knn.k: \[7\] exceed the 6 training images"):
        classify.metrics(TRAIN, VAL, SIDECARS, LOGISTIC, {"k": [1, 7], "algorithm": "kd_tree"})


def test_one_class_training_set_is_refused():
    ants_only = table([(0, 0), (1, 1)], [0, 0], "train")
    with pytest.raises(ClassifyError, match="at least two classes"):
        classify.metrics(ants_only, VAL, SIDECARS, LOGISTIC, {"k": [1], "algorithm": "kd_tree"})


def test_from_files_and_csv(tmp_path):
    paths = {}
    for split, t in (("train", TRAIN), ("val", VAL)):
        feature_table.write(tmp_path / f"{split}.parquet", t)
        (tmp_path / f"{split}.json").write_text(json.dumps(SIDECARS[split]))
        paths[split] = tmp_path / f"{split}.parquet"
    sidecars = {s: tmp_path / f"{s}.json" for s in paths}
    result = classify.from_files(paths, sidecars, LOGISTIC, KNN)
    assert result == classify.metrics(TRAIN, VAL, SIDECARS, LOGISTIC, KNN)
    assert classify.metrics_csv(result).splitlines() == [
        "model,accuracy,correct,n_val",
        f"logistic_regression,{5 / 6!r},5,6",
        f"knn_k1,{5 / 6!r},5,6",
        f"knn_k3,{5 / 6!r},5,6",
    ]
    (tmp_path / "val.json").write_text("{not json")
    with pytest.raises(ClassifyError, match="val.json: not readable JSON"):
        classify.from_files(paths, sidecars, LOGISTIC, KNN)
