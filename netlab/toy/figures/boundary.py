"""The decision boundary of a setting's best trial, as a figure (a cheap job apart from the selection)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from netlab.plotting import save_figure
from netlab.toy import datasets, nets
from netlab.toy.figures import plane
from netlab.toy.nets import load_params
from netlab.toy.paths import trial_number


def draw_best_boundary(
    best_path: str | Path,
    data_path: str | Path,
    weights_paths: Sequence[str | Path],
    figure_path: str | Path,
    title: str,
) -> int:
    """Draw the boundary of the trial ``best_path`` names, from its weights among ``weights_paths``;
    return that trial's number."""
    best = json.loads(Path(best_path).read_text())
    by_trial = {trial_number(p): Path(p) for p in weights_paths}
    if best["best_trial"] not in by_trial:
        raise ValueError(
            f"{best_path} names trial {best['best_trial']}, but no weights file of it was given "
            f"(trials: {sorted(by_trial)})"
        )
    params = load_params(by_trial[best["best_trial"]])
    x, labels = datasets.read_points(data_path)
    figure = plane.boundary(
        x,
        labels,
        lambda grid: nets.predict(params, grid),
        f"{title}: trial {best['best_trial']}, {best['errors']} errors",
    )
    save_figure(figure, figure_path, dpi=110)
    return best["best_trial"]
