"""Model selection on the training split only: stratified, seeded k-fold cross-validation.

The notebooks fix C = 1 and k in {1, 3, 5}; choosing them by their validation
accuracy would tune on the very images the accuracy is reported on. Here a
grid value is chosen by its cross-validated accuracy on the training images
alone; the validation images only score the choice, once, afterwards. The
functions that choose never receive the validation split.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier

Folds = list[
    tuple[np.ndarray, np.ndarray]
]  # (fit indices, held-out indices) into the training split
ModelFactory = Callable[[Any], ClassifierMixin]


class CrossValidationError(ValueError):
    """A grid or fold count the training split cannot support; the message names the config key."""


def stratified_folds(labels: np.ndarray, folds: int, seed: int) -> Folds:
    """Seeded stratified folds over the training labels (each image held out exactly once).

    Every class needs ``folds`` images; ``multiclass.check_fold_sizes`` says so, naming the class
    folder, before anything is fitted.
    """
    labels = np.asarray(labels)
    if folds < 2:
        raise CrossValidationError(f"classify.cv.folds: need at least 2 folds, got {folds}")
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed % 2**32)
    return list(splitter.split(np.zeros(len(labels)), labels))


def cv_accuracy(
    make: ModelFactory, value: Any, x: np.ndarray, y: np.ndarray, folds: Folds
) -> float:
    """Share of training images classified right when held out (pooled over the folds)."""
    correct = 0
    for fit, held_out in folds:
        model = make(value).fit(x[fit], y[fit])
        correct += int(np.count_nonzero(model.predict(x[held_out]) == y[held_out]))
    return correct / len(y)


def choose(
    make: ModelFactory, grid: Sequence[Any], x: np.ndarray, y: np.ndarray, folds: Folds
) -> tuple[Any, dict[Any, float]]:
    """The grid value with the best CV accuracy (the first in grid order on ties), and every value's."""
    scores = {value: cv_accuracy(make, value, x, y, folds) for value in grid}
    best = max(scores.values())
    return next(v for v in grid if scores[v] == best), scores


def logistic_factory(logistic: Mapping[str, Any]) -> ModelFactory:
    """Logistic regression with the configured solver settings and a given C."""
    return lambda c: LogisticRegression(**logistic, C=float(c))


def knn_factory(algorithm: str) -> ModelFactory:
    """k-NN with the configured neighbour search and a given k."""
    return lambda k: KNeighborsClassifier(n_neighbors=int(k), algorithm=algorithm)


PARAMETERS = {"logistic_regression": "C", "knn": "k"}  # the grid each model is tuned over


def factory(model: str, logistic: Mapping[str, Any], knn_algorithm: str) -> ModelFactory:
    """The model (a key of ``PARAMETERS``) as a function of its tuned value."""
    return (
        logistic_factory(logistic) if model == "logistic_regression" else knn_factory(knn_algorithm)
    )


def check_k_grid(grid: Sequence[int], folds: Folds) -> None:
    """Every k must fit in the smallest fold's fitting set."""
    smallest = min(len(fit) for fit, _ in folds)
    too_large = [k for k in grid if k > smallest]
    if too_large:
        raise CrossValidationError(
            f"classify.cv.k: {too_large} exceed the {smallest} training images a fold fits on"
        )


def select_on_training(
    x: np.ndarray,
    y: np.ndarray,
    logistic: Mapping[str, Any],
    knn_algorithm: str,
    cv: Mapping[str, Any],
    seed: int,
) -> list[dict[str, Any]]:
    """Choose C and k by cross-validation on the training split (``x``, ``y``) alone."""
    folds = stratified_folds(y, cv["folds"], seed)
    check_k_grid(cv["k"], folds)
    chosen = []
    for model, parameter in PARAMETERS.items():
        make = factory(model, logistic, knn_algorithm)
        value, scores = choose(make, cv[parameter], x, y, folds)
        chosen.append(
            {
                "model": model,
                "parameter": parameter,
                "chosen": value,
                "cv_accuracy": scores[value],
                "cv_scores": [[v, s] for v, s in scores.items()],
                "folds": cv["folds"],
            }
        )
    return chosen
