"""The ants-vs-bees part of the report: which images and weights, samples, accuracies, confusion matrices.

Samples are shown as the network sees them before normalisation, through the
notebooks' own Resize(256) and CenterCrop(224) (``netlab.transforms``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from netlab.imagefolder import load_rgb
from netlab.report import figures, notebook
from netlab.report.inputs import ReportInputError, ReportInputs, read_json, require
from netlab.report.render import Heading, Part, embed
from netlab.seeds import derive_seed
from netlab.transforms import notebook_view

SAMPLES_PER_CLASS = 4
SIDECAR_ROWS = tuple(
    [
        "n_images",
        "counts",
        "image_source",
        "image_root",
        "weights",
        "model",
        "transform",
        "batch_size",
        "batchnorm",
        "device",
        "torch",
        "torchvision",
    ]
)
CENSUS_COLUMNS = ["split", "class", "used", "ignored", "skipped"]


def pick_samples(rows: pd.DataFrame, seed: int, per_class: int = SAMPLES_PER_CLASS) -> pd.DataFrame:
    """``per_class`` images of each class, drawn from the config seed (same config, same images)."""
    rng = np.random.default_rng(derive_seed(seed, "report", "samples"))
    picked = []
    for _, group in rows.sort_values("path").groupby("label", sort=True):
        take = rng.choice(len(group), size=min(per_class, len(group)), replace=False)
        picked.append(group.iloc[np.sort(take)])
    return pd.concat(picked, ignore_index=True)


def read_rows(path: Any) -> pd.DataFrame:
    """Path, label and class of every image of a features file."""
    try:
        return pd.read_parquet(path, columns=["path", "label", "class_name"])
    except (OSError, ValueError, KeyError) as exc:
        raise ReportInputError(f"{path}: cannot read path, label and class_name ({exc})") from None


def sample_figure(inputs: ReportInputs, rows: pd.DataFrame) -> tuple[bytes, pd.DataFrame]:
    """The sample grid (PNG) and the list of images shown."""
    picked = pick_samples(rows, inputs.config["seed"])
    view = notebook_view()
    grid: dict[str, list[figures.Sample]] = {}
    for record in picked.itertuples(index=False):
        path = inputs.image_root / record.path
        if not path.is_file():
            raise ReportInputError(
                f"{path}: listed in {inputs.features['train']} but missing under the image root"
            )
        title = path.name if len(path.name) <= 26 else path.name[:23] + "…"
        sample = figures.Sample(np.asarray(view(load_rgb(path))), title)
        grid.setdefault(record.class_name, []).append(sample)
    fig = figures.image_samples(grid, "Training images after Resize(256) and CenterCrop(224)")
    return figures.png_bytes(fig), picked.rename(columns={"class_name": "class"})


def model_label(model: Mapping[str, Any]) -> tuple[str, float | None]:
    """A reader's name for a classifier of the metrics file, and the notebooks' accuracy for it, if any."""
    k = model.get("params", {}).get("n_neighbors")
    if k is not None:
        return f"k-NN, k = {k}", notebook.IMAGES["knn_accuracy"].get(int(k))
    if model["name"] == "logistic_regression":
        return "logistic regression", notebook.IMAGES["logistic_accuracy"]
    return str(model["name"]), None


def classifier_rows(metrics: Mapping[str, Any], source: Any) -> pd.DataFrame:
    """Per classifier: accuracy, correct and validation images, the notebooks' accuracy."""
    rows = []
    for m in metrics["models"]:
        require(m, ["name", "accuracy", "confusion", "classes"], source)
        matrix = np.asarray(m["confusion"])
        label, theirs = model_label(m)
        rows.append(
            [
                m["name"],
                label,
                float(m["accuracy"]),
                int(np.trace(matrix)),
                int(matrix.sum()),
                theirs,
            ]
        )
    columns = ["model", "classifier", "accuracy", "correct", "n_val", "notebook_accuracy"]
    return pd.DataFrame(rows, columns=columns)


def confusion_rows(metrics: Mapping[str, Any]) -> pd.DataFrame:
    """Confusion matrices in long form: model, true class, predicted class, count."""
    rows = [
        [m["name"], m["classes"][i], m["classes"][j], int(count)]
        for m in metrics["models"]
        for i, row in enumerate(m["confusion"])
        for j, count in enumerate(row)
    ]
    return pd.DataFrame(rows, columns=["model", "true_class", "predicted_class", "count"])


def weights_label(weights: Any) -> str:
    """The config's ``features.weights`` in words."""
    if weights is None:
        return "random (seeded)"
    if isinstance(weights, Mapping):
        return f"local file {weights.get('path')}"
    return str(weights)


def read_sidecars(inputs: ReportInputs) -> dict[str, dict[str, Any]]:
    """The features' provenance per split, with the keys the report shows."""
    sidecars = {}
    for split, path in inputs.features_meta.items():
        sidecar = read_json(path)
        require(sidecar, ["n_images", "skipped", "weights", "image_source"], path)
        require(sidecar["weights"], ["description"], path)
        sidecars[split] = sidecar
    return sidecars


def sidecar_table(sidecars: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """The sidecars' settings side by side, one row per key."""
    keys = [k for k in SIDECAR_ROWS if any(k in s for s in sidecars.values())]

    def text(value: Any) -> str:
        if isinstance(value, Mapping):
            return "; ".join(f"{k}: {v}" for k, v in value.items())
        return "–" if value is None else str(value)

    return pd.DataFrame(
        {"": keys, **{split: [text(s.get(k)) for k in keys] for split, s in sidecars.items()}}
    )


def census(sidecars: Mapping[str, Mapping[str, Any]], source: str) -> pd.DataFrame:
    """Images used, files ignored and files skipped per split and class, with a total per split.

    From the sidecar's ``census``; a sidecar without one gives its class
    counts as used and leaves ignored and skipped unknown. With the
    hymenoptera images the notebooks' own totals (244 / 153) stand beside ours.
    """
    rows = []
    for split, s in sidecars.items():
        per_class = s.get("census") or [
            {"class": c, "used": n, "ignored": None, "skipped": None}
            for c, n in s.get("counts", {}).items()
        ]
        mine = [{"split": split, **{k: c.get(k) for k in CENSUS_COLUMNS[1:]}} for c in per_class]
        total = pd.DataFrame(mine, columns=CENSUS_COLUMNS)[CENSUS_COLUMNS[2:]].sum(min_count=1)
        rows += [*mine, {"split": split, "class": "all classes", **total.to_dict()}]
    frame = pd.DataFrame(rows, columns=CENSUS_COLUMNS).astype(
        {c: "Int64" for c in CENSUS_COLUMNS[2:]}
    )
    if source == "hymenoptera":
        notebooks = {"train": notebook.IMAGES["n_train"], "val": notebook.IMAGES["n_val"]}
        frame["notebooks (ImageFolder)"] = [
            notebooks.get(split) if c == "all classes" else None
            for split, c in zip(frame["split"], frame["class"], strict=True)
        ]
        frame = frame.astype({"notebooks (ImageFolder)": "Int64"})
    return frame


def file_rows(sidecars: Mapping[str, Mapping[str, Any]], key: str) -> pd.DataFrame:
    """The files a sidecar lists under ``key`` (``skipped`` or ``ignored``), with why."""
    rows = [
        {"split": split, "file": item.get("path"), "reason": item.get("reason")}
        for split, s in sidecars.items()
        for item in s.get(key, [])
    ]
    return pd.DataFrame(rows, columns=["split", "file", "reason"])


def images_part(inputs: ReportInputs, sidecars: Mapping[str, Mapping[str, Any]]) -> Part:
    """The ants-vs-bees section with its tables and figures."""
    config = inputs.config
    metrics = read_json(inputs.metrics)
    require(metrics, ["models", "n_train", "n_val"], inputs.metrics)
    rows = {split: read_rows(path) for split, path in inputs.features.items()}
    for split, frame in rows.items():
        if len(frame) != sidecars[split]["n_images"]:
            raise ReportInputError(
                f"{inputs.features[split]}: {len(frame)} rows, but its sidecar {inputs.features_meta[split]} "
                f"says {sidecars[split]['n_images']} images"
            )
    comparable = notebook.images_comparable(config)
    sample_png, samples = sample_figure(inputs, rows["train"])
    classifiers = classifier_rows(metrics, inputs.metrics)
    heatmaps = [
        figures.Confusion(
            f"{model_label(m)[0]}: accuracy {float(m['accuracy']):.3f}",
            m["confusion"],
            m["classes"],
        )
        for m in metrics["models"]
    ]
    if comparable:
        heatmaps.append(
            figures.Confusion(
                "notebook, logistic regression: 0.804",
                notebook.IMAGES["logistic_confusion"],
                notebook.IMAGES["classes"],
            )
        )
    confusion_png = figures.png_bytes(
        figures.confusion_heatmaps(heatmaps, "Confusion matrices (validation images)")
    )
    image_census = census(sidecars, config["images"]["source"])
    context = {
        "config": config,
        "n": {split: len(frame) for split, frame in rows.items()},
        "weights": sidecars["train"]["weights"]["description"],
        "weights_label": weights_label(config["features"]["weights"]),
        "provenance": sidecar_table(sidecars),
        "census": image_census,
        "ignored": file_rows(sidecars, "ignored"),
        "skipped": file_rows(sidecars, "skipped"),
        "downloads": download_records(inputs.downloads),
        "samples": embed(sample_png, "image-samples.png"),
        "per_class": SAMPLES_PER_CLASS,
        "classifiers": classifiers,
        "confusion": embed(confusion_png, "confusion.png"),
        "comparable": comparable,
        "ref": notebook.IMAGES,
    }
    tables = {
        "classifiers": classifiers,
        "confusion": confusion_rows(metrics),
        "image_samples": samples,
        "image_census": image_census,
    }
    figs = {"image-samples.png": sample_png, "confusion.png": confusion_png}
    return Part(Heading("images", "Images: ants vs bees"), "images.html.j2", context, tables, figs)


def download_records(paths: Sequence[Any]) -> list[tuple[str, dict[str, Any]]]:
    """Each download record's file name and its entries, sorted by key."""
    out = []
    for path in paths:
        record = read_json(path)
        if not isinstance(record, Mapping):
            raise ReportInputError(f"{path}: expected a JSON object")
        out.append((path.name, {k: record[k] for k in sorted(record)}))
    return out
