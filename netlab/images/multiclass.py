"""What the number and the sizes of the classes decide, checked before any classifier is fitted.

The notebooks' liblinear fits two classes only: scikit-learn refuses three or
more mid-job with its own message. ``solver: auto`` (the default) keeps
liblinear for two classes, so two-class numbers stay the notebooks', and
takes lbfgs, one multinomial (softmax) model over all classes, for three or
more. Stratified folds need every class in every fold. Both are checked here,
with messages that name the setting and the image folder. Light (no
scikit-learn) so the report can describe the scheme in the same words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

AUTO = "auto"
TWO_CLASS_SOLVER = "liblinear"  # the notebooks'
MULTICLASS_SOLVER = "lbfgs"  # scikit-learn's default: multinomial for three or more classes


class ClassesError(ValueError):
    """Classes the configured classifiers cannot handle; the message names the setting and the folder."""


def solver_for(solver: str, classes: Sequence[str], folder: str | Path) -> str:
    """The solver to fit with: ``auto`` resolved by the number of classes, an explicit one checked."""
    if solver == AUTO:
        return TWO_CLASS_SOLVER if len(classes) == 2 else MULTICLASS_SOLVER
    if solver == TWO_CLASS_SOLVER and len(classes) > 2:
        raise ClassesError(
            f"classify.logistic.solver: {solver} fits two classes only, but the image folder {folder} "
            f"has {len(classes)}: {list(classes)}. Set it to {AUTO} ({MULTICLASS_SOLVER}, one multinomial "
            "model, for three or more classes) or to lbfgs, newton-cg, sag or saga."
        )
    return solver


def logistic_settings(
    logistic: Mapping[str, Any], classes: Sequence[str], folder: str | Path
) -> dict[str, Any]:
    """The logistic regression's settings as scikit-learn takes them, the solver resolved."""
    return {**logistic, "solver": solver_for(logistic["solver"], classes, folder)}


def scheme(n_classes: int) -> str:
    """How logistic regression treats ``n_classes`` classes (liblinear never gets more than two)."""
    if n_classes == 2:
        return "one binary model"
    return f"one multinomial (softmax) model over the {n_classes} classes"


def check_fold_sizes(counts: Mapping[str, int], folds: int, split_folder: str | Path) -> None:
    """Every class of the training split needs at least ``folds`` images, one per stratified fold."""
    short = {name: n for name, n in counts.items() if n < folds}
    if short:
        listing = "; ".join(
            f"class '{name}' has {n} in {Path(split_folder) / name}" for name, n in short.items()
        )
        raise ClassesError(
            f"classify.cv.folds: {folds} stratified folds need at least {folds} training images of "
            f"every class, but in {split_folder}: {listing}. Add images or lower classify.cv.folds."
        )
