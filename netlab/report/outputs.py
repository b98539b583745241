"""The names of the files the report writes next to ``index.html``.

Kept free of heavy imports: the workflow reads them when it parses the rules
(to declare the outputs), the report builder when it writes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# results/report/tables/{name}.csv
TABLES = (
    "stage_times",
    "versions",
    "toy_summary",
    "toy_trials",
    "toy_notebook",
    "noisy_boundary",
    "classifiers",
    "confusion",
    "image_samples",
    "image_census",
    "handbuilt",
    "generalisation",
    "classifier_intervals",
    "classifier_mcnemar",
    "classifier_cv",
)


def figure_names(config: Mapping[str, Any]) -> list[str]:
    """results/report/figures/{name}: loss curves, spread and generalisation per experiment,
    image samples, confusion matrices."""
    per_experiment = [
        f"{name}-{kind}.png"
        for name in config["experiments"]
        for kind in ("loss", "spread", "generalisation")
    ]
    return [*per_experiment, "image-samples.png", "confusion.png"]
