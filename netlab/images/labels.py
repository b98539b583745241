"""What a reader sees of the image part's results: each classifier's name, and how many sample images
of each class the figure shows. Light (no plotting, no torch) so the report can name things as the
figures do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SAMPLES_PER_CLASS = 4


def model_label(model: Mapping[str, Any]) -> str:
    """A reader's name for a classifier of the metrics file."""
    k = model.get("params", {}).get("n_neighbors")
    if k is not None:
        return f"k-NN, k = {k}"
    return "logistic regression" if model["name"] == "logistic_regression" else str(model["name"])
