"""The ants-vs-bees notebook's own printed results, and when a run of ours is comparable with them.

Quoted for comparison only; they apply only to the hymenoptera images with the
ImageNet weights, run as the notebook ran them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Ants vs bees with the real hymenoptera images and ImageNet (IMAGENET1K_V1, pretrained=True) weights.
IMAGES = {
    "n_train": 244,
    "n_val": 153,
    "classes": ["ants", "bees"],
    "weights": "IMAGENET1K_V1",
    "logistic_accuracy": 0.803921568627451,
    "logistic_confusion": [[60, 10], [20, 63]],
    "knn_accuracy": {1: 0.6928, 3: 0.7124, 5: 0.6928},
}


def model_accuracy(model: Mapping[str, Any]) -> float | None:
    """The notebooks' accuracy for a classifier of the metrics file, if they ran it."""
    k = model.get("params", {}).get("n_neighbors")
    if k is not None:
        return IMAGES["knn_accuracy"].get(int(k))
    return IMAGES["logistic_accuracy"] if model["name"] == "logistic_regression" else None


def images_comparable(config: Mapping[str, Any]) -> bool:
    """The notebooks' image numbers apply only to the hymenoptera images with their ImageNet weights,
    run as they ran them (BatchNorm by each image's own statistics: ``features.batchnorm: notebook``)."""
    features = config["features"]
    return (
        config["images"]["source"] == "hymenoptera"
        and features["weights"] == IMAGES["weights"]
        and features.get("batchnorm", "eval") == "notebook"
    )


def notebook_confusion(config: Mapping[str, Any]) -> list[Any] | None:
    """The notebook's confusion matrix as a figure's panel (title, matrix, classes), where its numbers
    apply to this run; None elsewhere."""
    if not images_comparable(config):
        return None
    title = f"notebook, logistic regression: {IMAGES['logistic_accuracy']:.3f}"
    return [title, IMAGES["logistic_confusion"], IMAGES["classes"]]
