"""The ants-vs-bees part of the report: which images and weights, samples, accuracies, confusion matrices.

The sample images and the confusion matrices are drawn by the ``image_plots``
rule (``netlab.images.figures``); here come the tables and the words' numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from netlab.images import multiclass, notebook
from netlab.images.labels import SAMPLES_PER_CLASS, model_label
from netlab.report.reads import SPLITS, read_csv, read_json
from netlab.report.render import embed

SIDECAR_ROWS = [
    *("n_images", "counts", "image_source", "image_root", "weights", "model", "transform"),
    *("batch_size", "batchnorm", "device", "precision", "torch", "torchvision"),
    # information: float32 features differ in their last digits by CPU and by GPU
    *("cpu", "instruction_set", "gpu"),
]
CENSUS_COLUMNS = ["split", "class", "used", "ignored", "skipped"]


def classifier_rows(metrics: Mapping[str, Any]) -> pd.DataFrame:
    """Per classifier: accuracy, correct and validation images, the notebooks' accuracy."""
    rows = []
    for m in metrics["models"]:
        matrix = np.asarray(m["confusion"])
        correct, n_val = int(np.trace(matrix)), int(matrix.sum())
        theirs = notebook.model_accuracy(m)
        rows.append([m["name"], model_label(m), float(m["accuracy"]), correct, n_val, theirs])
    columns = ["model", "classifier", "accuracy", "correct", "n_val", "notebook_accuracy"]
    return pd.DataFrame(rows, columns=columns)


def logistic_text(metrics: Mapping[str, Any]) -> str:
    """The logistic regression's solver and how it treats the classes, as the metrics record them."""
    model = next(m for m in metrics["models"] if m["name"] == "logistic_regression")
    return f"solver {model['params']['solver']}, {multiclass.scheme(len(model['classes']))}"


def confusion_rows(metrics: Mapping[str, Any]) -> pd.DataFrame:
    """Confusion matrices in long form, N x N rows a model: model, true class, predicted class, count."""
    rows = [
        [m["name"], m["classes"][i], m["classes"][j], int(count)]
        for m in metrics["models"]
        for i, row in enumerate(m["confusion"])
        for j, count in enumerate(row)
    ]
    return pd.DataFrame(rows, columns=["model", "true_class", "predicted_class", "count"])


def sidecar_table(sidecars: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """The sidecars' settings side by side, one row per key."""
    keys = [k for k in SIDECAR_ROWS if any(k in s for s in sidecars.values())]

    def text(value: Any) -> str:
        if isinstance(value, Mapping):
            return "; ".join(f"{k}: {text(v)}" for k, v in value.items())
        return "–" if value is None else str(value)

    return pd.DataFrame(
        {"": keys, **{split: [text(s.get(k)) for k in keys] for split, s in sidecars.items()}}
    )


def census(sidecars: Mapping[str, Mapping[str, Any]], source: str) -> pd.DataFrame:
    """Images used, files ignored and files skipped per split and class (the sidecars' ``census``), with a
    total per split; with the hymenoptera images the notebooks' own totals (244 / 153) beside ours."""
    rows = []
    for split, s in sidecars.items():
        mine = pd.DataFrame(s["census"], columns=CENSUS_COLUMNS[1:]).assign(split=split)
        total = {"split": split, "class": "all classes", **mine[CENSUS_COLUMNS[2:]].sum()}
        rows += [*mine.to_dict("records"), total]
    frame = pd.DataFrame(rows, columns=CENSUS_COLUMNS).astype(
        {c: "Int64" for c in CENSUS_COLUMNS[2:]}
    )
    if source == "hymenoptera":
        totals = {"train": notebook.IMAGES["n_train"], "val": notebook.IMAGES["n_val"]}
        shown = frame["split"].map(totals).where(frame["class"] == "all classes")
        frame["notebooks (ImageFolder)"] = shown.astype("Int64")
    return frame


def file_rows(sidecars: Mapping[str, Mapping[str, Any]], key: str) -> pd.DataFrame:
    """The files a sidecar lists under ``key`` (``skipped`` or ``ignored``), with why."""
    rows = [
        {"split": split, "file": item["path"], "reason": item["reason"]}
        for split, s in sidecars.items()
        for item in s[key]
    ]
    return pd.DataFrame(rows, columns=["split", "file", "reason"])


def images(
    inputs: Mapping[str, Any], config: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """The images section's context (its classes name it: ants vs bees, or the user's) and tables."""
    used = ("n_images", "weights", "census", "ignored", "skipped")
    sidecars = {split: read_json(inputs[f"features_meta/{split}"], *used) for split in SPLITS}
    metrics = read_json(inputs["metrics"], "models")
    classifiers = classifier_rows(metrics)
    image_census = census(sidecars, config["images"]["source"])
    context = {
        "config": config,
        "classes": list(metrics["models"][0]["classes"]),
        "n": {split: s["n_images"] for split, s in sidecars.items()},
        "weights": sidecars["train"]["weights"]["description"],
        "provenance": sidecar_table(sidecars),
        "census": image_census,
        "ignored": file_rows(sidecars, "ignored"),
        "skipped": file_rows(sidecars, "skipped"),
        "downloads": [
            (Path(p).name, dict(sorted(read_json(p).items()))) for p in inputs.get("downloads", [])
        ],
        "samples": embed(inputs["figure/image-samples.png"]),
        "per_class": SAMPLES_PER_CLASS,
        "classifiers": classifiers,
        "logistic": logistic_text(metrics),
        "confusion": embed(inputs["figure/confusion.png"]),
        "comparable": notebook.images_comparable(config),
        "ref": notebook.IMAGES,
    }
    tables = {
        "classifiers": classifiers,
        "confusion": confusion_rows(metrics),
        "image_samples": read_csv(inputs["image_samples"]),
        "image_census": image_census,
    }
    return context, tables
