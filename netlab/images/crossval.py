"""Model selection on the training split only: stratified, seeded k-fold cross-validation.

The notebooks fix C = 1 and k in {1, 3, 5}; choosing them by their validation
accuracy would tune on the very images the accuracy is reported on. Here a
grid value is chosen by its cross-validated accuracy on the training images
alone; the validation images only score the choice, once, afterwards. The
functions that choose never receive the validation split. scikit-learn's
GridSearchCV does the fitting and scoring over the seeded StratifiedKFold folds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, make_scorer
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier

Folds = list[
    tuple[np.ndarray, np.ndarray]
]  # (fit indices, held-out indices) into the training split
ModelFactory = Callable[[Any], ClassifierMixin]
PARAMETERS = {"logistic_regression": "C", "knn": "k"}  # the grid each model is tuned over
SKLEARN_NAMES = {"C": "C", "k": "n_neighbors"}  # each grid's name among the estimator's parameters
# Images classified right in a held-out fold: a count, so that the folds pool to the share of all
# training images (GridSearchCV's mean of per-fold accuracies would weigh unequal folds equally).
CORRECT = make_scorer(accuracy_score, normalize=False)


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


def choose(
    make: ModelFactory,
    parameter: str,
    grid: Sequence[Any],
    x: np.ndarray,
    y: np.ndarray,
    folds: Folds,
) -> tuple[Any, dict[Any, float]]:
    """The grid value with the best CV accuracy (the first in grid order on ties), and every value's.

    A value's CV accuracy is the share of training images classified right when held out, pooled over
    the folds. GridSearchCV ranks the candidates by their mean per-fold count, which orders them as the
    pooled share does (the counts are whole numbers), and its best candidate is the first of the best.
    """
    name = SKLEARN_NAMES[parameter]
    values = [
        make(v).get_params()[name] for v in grid
    ]  # as the factory casts them (float C, int k)
    search = GridSearchCV(
        make(grid[0]),
        {name: values},
        scoring=CORRECT,
        cv=folds,
        refit=False,
        n_jobs=1,
        error_score="raise",
    )
    search.fit(x, y)
    correct = sum(search.cv_results_[f"split{i}_test_score"] for i in range(len(folds)))
    scores = {v: int(c) / len(y) for v, c in zip(grid, correct, strict=True)}
    return grid[search.best_index_], scores


def logistic_factory(logistic: Mapping[str, Any]) -> ModelFactory:
    """Logistic regression with the configured solver settings and a given C."""
    return lambda c: LogisticRegression(**logistic, C=float(c))


def knn_factory(algorithm: str) -> ModelFactory:
    """k-NN with the configured neighbour search and a given k."""
    return lambda k: KNeighborsClassifier(n_neighbors=int(k), algorithm=algorithm)


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
        value, scores = choose(make, parameter, cv[parameter], x, y, folds)
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
