"""Classifiers on the ResNet50 features: the notebooks' logistic regression and k-NN.

Trained on the train split's features and scored on the val split's, with
the notebooks' settings by default (liblinear for two classes, lbfgs for more:
``netlab.images.multiclass``; random_state 0, max_iter 1000; k-NN with a
kd-tree for k = 1, 3, 5). Each model reports its accuracy and N x N
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

from netlab.images import crossval, feature_table, intervals, mcnemar, multiclass
from netlab.images.feature_table import FeatureTable

CSV_COLUMNS = ("model", "accuracy", "correct", "n_val")
INTERVAL_COLUMNS = ("model", "accuracy", "correct", "n_val", "ci95_low", "ci95_high", "interval")
MCNEMAR_COLUMNS = (
    "model_a",
    "model_b",
    "only_a_correct",
    "only_b_correct",
    "p_value",
    "larger_than_chance_at_5pct",
    "reading",
)
CV_COLUMNS = (
    "model",
    "parameter",
    "chosen",
    "folds",
    "cv_accuracy",
    "val_accuracy",
    "correct",
    "n_val",
    "ci95_low",
    "ci95_high",
    "interval",
    "cv_scores",
)
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
    low, high = intervals.wilson(correct, len(y_true))
    return {
        "name": name,
        "params": dict(params),
        "accuracy": correct / len(y_true),
        "correct": correct,
        "n_val": len(y_true),
        "ci95": {"method": "wilson", "low": low, "high": high},
        "classes": list(classes),
        "confusion": confusion_matrix(y_true, y_pred, labels=range(len(classes))).tolist(),
        "predicted": [int(v) for v in y_pred],
    }


def mcnemar_tests(models: Sequence[Mapping[str, Any]], y_true: np.ndarray) -> list[dict[str, Any]]:
    """Exact McNemar test of the first model (logistic regression) against each other, on the same images."""
    first, *others = models
    right_first = np.asarray(first["predicted"]) == y_true
    tests = []
    for other in others:
        only_a, only_b = mcnemar.discordant(right_first, np.asarray(other["predicted"]) == y_true)
        p_value = mcnemar.exact_p_value(only_a, only_b)
        tests.append(
            {
                "model_a": first["name"],
                "model_b": other["name"],
                "only_a_correct": only_a,
                "only_b_correct": only_b,
                "p_value": p_value,
                "larger_than_chance_at_5pct": p_value < 0.05,
                "reading": mcnemar.reading(p_value, first["name"], other["name"]),
            }
        )
    return tests


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


def checked_classes(
    train: FeatureTable, val: FeatureTable, sidecars: Mapping[str, Mapping[str, Any]]
) -> list[str]:
    """The class names, once both splits are shown to come from the same setup with consistent labels.

    Both splits' features must come from the same images, weights and
    software; otherwise the accuracy would describe no single setup.
    """
    for key in ("classes", *_PROVENANCE_KEYS):
        in_train, in_val = sidecars["train"].get(key), sidecars["val"].get(key)
        if in_train != in_val:
            raise ClassifyError(
                f"features: train and val differ in '{key}': {in_train!r} vs {in_val!r}"
            )
    classes = list(sidecars["train"]["classes"])
    check_classes(train, classes, "train features")
    check_classes(val, classes, "val features")
    return classes


def metrics(
    train: FeatureTable,
    val: FeatureTable,
    sidecars: Mapping[str, Mapping[str, Any]],
    logistic: Mapping[str, Any],
    knn: Mapping[str, Any],
) -> dict[str, Any]:
    """All models' results with the sizes and the features' provenance (from the ``train``/``val`` sidecars),
    each accuracy's Wilson interval and the exact McNemar tests of logistic regression against each k-NN."""
    classes = checked_classes(train, val, sidecars)
    settings = multiclass.logistic_settings(logistic, classes, sidecars["train"]["image_root"])
    models = evaluate(train, val, classes, settings, knn)
    return {
        "classes": list(classes),
        "n_train": len(train.labels),
        "n_val": len(val.labels),
        "models": models,
        "mcnemar": mcnemar_tests(models, val.labels),
        "provenance": {key: sidecars["train"][key] for key in _PROVENANCE_KEYS},
        "device": {split: sidecar["device"] for split, sidecar in sidecars.items()},
        "skipped": {split: list(sidecar["skipped"]) for split, sidecar in sidecars.items()},
    }


def load(
    tables: Mapping[str, str | Path], sidecars: Mapping[str, str | Path]
) -> tuple[FeatureTable, FeatureTable, dict[str, Any]]:
    """The ``train`` and ``val`` feature tables and their sidecars."""
    loaded = {}
    for split, path in sidecars.items():
        try:
            loaded[split] = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ClassifyError(f"features sidecar {path}: not readable JSON: {exc}") from exc
    return feature_table.read(tables["train"]), feature_table.read(tables["val"]), loaded


def from_files(
    tables: Mapping[str, str | Path],
    sidecars: Mapping[str, str | Path],
    logistic: Mapping[str, Any],
    knn: Mapping[str, Any],
) -> dict[str, Any]:
    """``metrics`` from the features files and sidecars of the ``train`` and ``val`` splits."""
    return metrics(*load(tables, sidecars), logistic, knn)


def tuned(
    train: FeatureTable,
    val: FeatureTable,
    sidecars: Mapping[str, Mapping[str, Any]],
    logistic: Mapping[str, Any],
    knn_algorithm: str,
    cv: Mapping[str, Any],
    seed: int,
) -> dict[str, Any]:
    """C and k chosen by cross-validation on ``train`` alone, then refit on all of it and scored once on ``val``;
    every class must have an image per fold, checked before anything is fitted."""
    classes = checked_classes(train, val, sidecars)
    root = Path(sidecars["train"]["image_root"])
    counts = {name: train.class_names.count(name) for name in classes}
    multiclass.check_fold_sizes(counts, cv["folds"], root / "train")
    settings = multiclass.logistic_settings(logistic, classes, root)
    rows = crossval.select_on_training(
        train.features, train.labels, settings, knn_algorithm, cv, seed
    )
    for row in rows:
        make = crossval.factory(row["model"], settings, knn_algorithm)
        clf = make(row["chosen"]).fit(train.features, train.labels)
        result = score(row["model"], {}, val.labels, clf.predict(val.features), classes)
        row |= {
            "val_accuracy": result["accuracy"],
            "correct": result["correct"],
            "n_val": result["n_val"],
            "ci95": result["ci95"],
        }
    return {"seed": seed, "folds": cv["folds"], "grids": {"C": cv["C"], "k": cv["k"]}, "rows": rows}


def tuned_from_files(
    tables: Mapping[str, str | Path],
    sidecars: Mapping[str, str | Path],
    logistic: Mapping[str, Any],
    knn_algorithm: str,
    cv: Mapping[str, Any],
    seed: int,
) -> dict[str, Any]:
    """``tuned`` from the features files and sidecars of the ``train`` and ``val`` splits."""
    return tuned(*load(tables, sidecars), logistic, knn_algorithm, cv, seed)


def metrics_csv(result: Mapping[str, Any]) -> str:
    """One line per model: model, accuracy, correct, n_val."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for m in result["models"]:
        writer.writerow([m["name"], repr(m["accuracy"]), m["correct"], m["n_val"]])
    return out.getvalue()


def _csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue()


def intervals_csv(result: Mapping[str, Any]) -> str:
    """One line per model: its accuracy with the 95% Wilson interval."""
    rows = [
        [m["name"], repr(m["accuracy"]), m["correct"], m["n_val"], *_interval(m["ci95"])]
        for m in result["models"]
    ]
    return _csv(INTERVAL_COLUMNS, rows)


def _interval(ci: Mapping[str, Any]) -> list[str]:
    return [repr(ci["low"]), repr(ci["high"]), ci["method"]]


def mcnemar_csv(result: Mapping[str, Any]) -> str:
    """One line per pair compared: discordant counts, exact p-value and the reading."""
    rows = [
        [repr(t[c]) if c == "p_value" else t[c] for c in MCNEMAR_COLUMNS] for t in result["mcnemar"]
    ]
    return _csv(MCNEMAR_COLUMNS, rows)


def tuned_csv(result: Mapping[str, Any]) -> str:
    """One line per tuned model: chosen value, its CV accuracy, its validation accuracy and interval."""
    rows = [
        [
            r["model"],
            r["parameter"],
            r["chosen"],
            r["folds"],
            repr(r["cv_accuracy"]),
            repr(r["val_accuracy"]),
            r["correct"],
            r["n_val"],
            *_interval(r["ci95"]),
            " ".join(f"{v}:{a:.4f}" for v, a in r["cv_scores"]),
        ]
        for r in result["rows"]
    ]
    return _csv(CV_COLUMNS, rows)
