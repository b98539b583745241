"""Classifiers on the ResNet50 features: the notebooks' logistic regression and k-NN.

Trained on the train split's features and scored on the val split's, with
the notebooks' settings by default (liblinear, random_state 0, max_iter 1000;
k-NN with a kd-tree for k = 1, 3, 5). Each model reports its accuracy and
confusion matrix (rows true, columns predicted, ImageFolder class order), and
the metrics carry the features' provenance so a number is never shown
without saying which images and weights produced it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix
from sklearn.neighbors import KNeighborsClassifier

from netlab import feature_table
from netlab.feature_table import FeatureTable

CSV_COLUMNS = ("model", "accuracy", "correct", "n_val")
# What both splits' features must share (the device may differ: the results agree to rounding).
_PROVENANCE_KEYS = (
    "image_source",
    "weights",
    "batchnorm",
    "torch",
    "torchvision",
    "transform",
    "model",
)


class ClassifyError(ValueError):
    """Features or settings the classifiers cannot use; the message names the key or file."""


def score(
    name: str,
    params: Mapping[str, Any],
    y_true: np.ndarray,
    y_pred: np.ndarray,
    classes: Sequence[str],
) -> dict:
    """One model's result: accuracy, correct count and confusion matrix (rows true, columns predicted)."""
    correct = int(np.count_nonzero(y_true == y_pred))
    return {
        "name": name,
        "params": dict(params),
        "accuracy": correct / len(y_true),
        "correct": correct,
        "n_val": len(y_true),
        "classes": list(classes),
        "confusion": confusion_matrix(y_true, y_pred, labels=range(len(classes))).tolist(),
    }


def check_classes(table: FeatureTable, classes: Sequence[str], what: str) -> None:
    """Every row's label must name its class in ``classes`` (the ImageFolder order)."""
    for label, name, path in zip(table.labels, table.class_names, table.paths, strict=True):
        if not 0 <= label < len(classes) or classes[label] != name:
            raise ClassifyError(
                f"{what}: row {path} has label {label} '{name}', but the classes are {list(classes)}"
            )


def evaluate(
    train: FeatureTable,
    val: FeatureTable,
    classes: Sequence[str],
    logistic: Mapping[str, Any],
    knn: Mapping[str, Any],
) -> list[dict]:
    """Logistic regression, then k-NN for each ``knn['k']``: fit on ``train``, score on ``val``."""
    if len(set(train.labels.tolist())) < 2:
        raise ClassifyError(
            f"train features: need images of at least two classes, found {sorted(set(train.class_names))}"
        )
    if len(val.labels) == 0:
        raise ClassifyError("val features: no images")
    too_large = [k for k in knn["k"] if k > len(train.labels)]
    if too_large:
        raise ClassifyError(
            f"classify.knn.k: {too_large} exceed the {len(train.labels)} training images"
        )
    results = []
    clf = LogisticRegression(**logistic).fit(train.features, train.labels)
    results.append(
        score("logistic_regression", logistic, val.labels, clf.predict(val.features), classes)
    )
    for k in knn["k"]:
        params = {"n_neighbors": k, "algorithm": knn["algorithm"]}
        clf = KNeighborsClassifier(**params).fit(train.features, train.labels)
        results.append(score(f"knn_k{k}", params, val.labels, clf.predict(val.features), classes))
    return results


def metrics(
    train: FeatureTable,
    val: FeatureTable,
    sidecars: Mapping[str, Mapping[str, Any]],
    logistic: Mapping[str, Any],
    knn: Mapping[str, Any],
) -> dict[str, Any]:
    """All models' results with the sizes and the features' provenance (from the ``train``/``val`` sidecars).

    Both splits' features must come from the same images, weights and
    software; otherwise the accuracy would describe no single setup.
    """
    for key in ("classes", *_PROVENANCE_KEYS):
        in_train, in_val = sidecars["train"].get(key), sidecars["val"].get(key)
        if in_train != in_val:
            raise ClassifyError(
                f"features: train and val differ in '{key}': {in_train!r} vs {in_val!r}"
            )
    classes = sidecars["train"]["classes"]
    check_classes(train, classes, "train features")
    check_classes(val, classes, "val features")
    return {
        "classes": list(classes),
        "n_train": len(train.labels),
        "n_val": len(val.labels),
        "models": evaluate(train, val, classes, logistic, knn),
        "provenance": {key: sidecars["train"][key] for key in _PROVENANCE_KEYS},
        "device": {split: sidecar["device"] for split, sidecar in sidecars.items()},
        "skipped": {split: list(sidecar["skipped"]) for split, sidecar in sidecars.items()},
    }


def from_files(
    tables: Mapping[str, str | Path],
    sidecars: Mapping[str, str | Path],
    logistic: Mapping[str, Any],
    knn: Mapping[str, Any],
) -> dict[str, Any]:
    """``metrics`` from the features files and sidecars of the ``train`` and ``val`` splits."""
    loaded = {}
    for split, path in sidecars.items():
        try:
            loaded[split] = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ClassifyError(f"features sidecar {path}: not readable JSON: {exc}") from exc
    return metrics(
        feature_table.read(tables["train"]),
        feature_table.read(tables["val"]),
        loaded,
        logistic,
        knn,
    )


def metrics_csv(result: Mapping[str, Any]) -> str:
    """One line per model: model, accuracy, correct, n_val."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for m in result["models"]:
        writer.writerow([m["name"], repr(m["accuracy"]), m["correct"], m["n_val"]])
    return out.getvalue()
