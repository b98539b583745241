"""The ants-vs-bees part of the report: which images and weights, samples, accuracies, confusion matrices.

Samples are shown as the network sees them before normalisation: Resize(256)
and CenterCrop(224) as torchvision does them on PIL images (same size rule,
bilinear filter, rounding of the crop offset), without importing torchvision.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image

from netlab.imagefolder import load_rgb
from netlab.report import figures, notebook
from netlab.report.html import Html, Section, figure, key_value_table, notice, paragraph, table
from netlab.report.inputs import ReportInputError, ReportInputs, read_json, require
from netlab.report.part import Part
from netlab.seeds import derive_seed

RESIZE, CROP = 256, 224
SAMPLES_PER_CLASS = 4
SIDECAR_ROWS = (
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
)


def resize_shorter(image: Image.Image, size: int = RESIZE) -> Image.Image:
    """torchvision ``Resize(size)`` on a PIL image: the shorter side becomes ``size``, bilinear."""
    w, h = image.size
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size, int(size * long / short)
    new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    if (new_w, new_h) == (w, h):
        return image
    return image.resize((new_w, new_h), Image.BILINEAR)


def center_crop(image: Image.Image, size: int = CROP) -> Image.Image:
    """torchvision ``CenterCrop(size)`` on an image at least ``size`` on each side."""
    w, h = image.size
    if w < size or h < size:
        raise ValueError(f"image of {w}x{h} is smaller than the {size}x{size} crop")
    top, left = round((h - size) / 2.0), round((w - size) / 2.0)
    return image.crop((left, top, left + size, top + size))


def notebook_view(image: Image.Image) -> Image.Image:
    """What the notebooks feed ResNet50, before ToTensor and Normalize."""
    return center_crop(resize_shorter(image))


def pick_samples(rows: pd.DataFrame, seed: int, per_class: int = SAMPLES_PER_CLASS) -> pd.DataFrame:
    """``per_class`` images of each class, drawn from the config seed (same config, same images)."""
    rng = np.random.default_rng(derive_seed(seed, "report", "samples"))
    picked = []
    for _, group in rows.sort_values("path").groupby("label", sort=True):
        take = rng.choice(len(group), size=min(per_class, len(group)), replace=False)
        picked.append(group.iloc[np.sort(take)])
    return pd.concat(picked, ignore_index=True)


def _read_rows(path: Any) -> pd.DataFrame:
    try:
        rows = pd.read_parquet(path, columns=["path", "label", "class_name"])
    except (OSError, ValueError, KeyError) as exc:
        raise ReportInputError(f"{path}: cannot read path, label and class_name ({exc})") from None
    return rows


def sample_figure(inputs: ReportInputs, rows: pd.DataFrame) -> tuple[bytes, pd.DataFrame]:
    """The sample grid (PNG) and the list of images shown."""
    picked = pick_samples(rows, inputs.config["seed"])
    grid: dict[str, list[figures.Sample]] = {}
    for record in picked.itertuples(index=False):
        path = inputs.image_root / record.path
        if not path.is_file():
            raise ReportInputError(
                f"{path}: listed in {inputs.features['train']} but missing under the image root"
            )
        view = notebook_view(load_rgb(path))
        grid.setdefault(record.class_name, []).append(
            figures.Sample(
                np.asarray(view), path.name if len(path.name) <= 26 else path.name[:23] + "…"
            )
        )
    fig = figures.image_samples(grid, "Training images after Resize(256) and CenterCrop(224)")
    return figures.png_bytes(fig), picked.rename(columns={"class_name": "class"})


def model_label(model: Mapping[str, Any]) -> str:
    """A reader's name for a classifier of the metrics file."""
    k = model.get("params", {}).get("n_neighbors")
    if k is not None:
        return f"k-NN, k = {k}"
    return "logistic regression" if model["name"] == "logistic_regression" else str(model["name"])


def notebook_accuracy(model: Mapping[str, Any]) -> float | None:
    """The notebooks' accuracy for the same classifier, if they report one."""
    k = model.get("params", {}).get("n_neighbors")
    if k is not None:
        return notebook.IMAGES["knn_accuracy"].get(int(k))
    return notebook.IMAGES["logistic_accuracy"] if model["name"] == "logistic_regression" else None


def classifier_rows(metrics: Mapping[str, Any], source: Any) -> list[dict[str, Any]]:
    rows = []
    for m in metrics["models"]:
        require(m, ["name", "accuracy", "confusion", "classes"], source)
        matrix = np.asarray(m["confusion"])
        rows.append(
            {
                "model": m["name"],
                "classifier": model_label(m),
                "accuracy": float(m["accuracy"]),
                "correct": int(np.trace(matrix)),
                "n_val": int(matrix.sum()),
                "notebook_accuracy": notebook_accuracy(m),
            }
        )
    return rows


def confusion_rows(metrics: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Confusion matrices in long form: model, true class, predicted class, count."""
    return [
        {
            "model": m["name"],
            "true_class": m["classes"][i],
            "predicted_class": m["classes"][j],
            "count": int(count),
        }
        for m in metrics["models"]
        for i, row in enumerate(m["confusion"])
        for j, count in enumerate(row)
    ]


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


def _sidecar_table(sidecars: Mapping[str, Mapping[str, Any]]) -> Html:
    keys = [k for k in SIDECAR_ROWS if any(k in s for s in sidecars.values())]

    def text(value: Any) -> str:
        if isinstance(value, Mapping):
            return "; ".join(f"{k}: {v}" for k, v in value.items())
        return "–" if value is None else str(value)

    frame = pd.DataFrame(
        {"": keys, **{split: [text(s.get(k)) for k in keys] for split, s in sidecars.items()}}
    )
    return table(
        frame,
        id="features-provenance",
        caption="How the features were made (from the features' sidecars)",
    )


def _skipped(sidecars: Mapping[str, Mapping[str, Any]]) -> Html:
    rows = [
        {"split": split, "file": item.get("path"), "reason": item.get("reason")}
        for split, s in sidecars.items()
        for item in s.get("skipped", [])
    ]
    if not rows:
        return paragraph("No image was skipped: every file of the image folder was used.")
    return table(
        pd.DataFrame(rows),
        id="skipped-images",
        caption=f"{len(rows)} file(s) left out (images.on_bad_image: skip) and why",
    )


def _downloads(inputs: ReportInputs) -> list[Html]:
    out = []
    for i, path in enumerate(inputs.downloads):
        record = read_json(path)
        if not isinstance(record, Mapping):
            raise ReportInputError(f"{path}: expected a JSON object")
        out.append(
            key_value_table(
                {k: record[k] for k in sorted(record)},
                id=f"download-{i}",
                caption=f"Download record {path.name}",
            )
        )
    return out


def images_part(inputs: ReportInputs) -> Part:
    """The ants-vs-bees section with its tables and figures."""
    config = inputs.config
    sidecars = read_sidecars(inputs)
    metrics = read_json(inputs.metrics)
    require(metrics, ["models", "n_train", "n_val"], inputs.metrics)
    rows = {split: _read_rows(path) for split, path in inputs.features.items()}
    for split, frame in rows.items():
        if len(frame) != sidecars[split]["n_images"]:
            raise ReportInputError(
                f"{inputs.features[split]}: {len(frame)} rows, but its sidecar {inputs.features_meta[split]} "
                f"says {sidecars[split]['n_images']} images"
            )
    comparable = notebook.images_comparable(config)
    weights = config["features"]["weights"]
    body: list[Html] = [
        paragraph(
            f"Images from '{config['images']['source']}' ({len(rows['train'])} training and {len(rows['val'])} "
            f"validation images), each resized to 256, centre-cropped to 224 and normalised, then passed through "
            f"ResNet50 without its last layer: a 2048-d feature vector per image. Weights: "
            f"{sidecars['train']['weights']['description']}. Logistic regression and k-NN are trained on the training "
            "features and scored on the validation features."
        )
    ]
    if weights is None:
        body.append(
            notice(
                "The ResNet50 weights are random (seeded), not ImageNet weights: these features are not ImageNet "
                "features, and the accuracies below say nothing about the notebooks' 0.804. Set features.weights to "
                "IMAGENET1K_V1 (and images.source to hymenoptera) to reproduce the notebooks.",
                kind="warning",
            )
        )
    if config["images"]["source"] == "synthetic":
        body.append(
            notice(
                "The images are synthetic stand-ins drawn by netlab (insect-like figures), not the hymenoptera photos.",
                kind="warning",
            )
        )
    body += [_sidecar_table(sidecars), _skipped(sidecars), *_downloads(inputs)]
    sample_png, samples = sample_figure(inputs, rows["train"])
    body.append(
        figure(
            sample_png,
            id="fig-image-samples",
            alt="sample training images per class",
            source="image-samples.png",
            caption=f"Up to {SAMPLES_PER_CLASS} training images per class, drawn with the config seed, "
            "with their label (row) and file name, as the network sees them before normalisation "
            "(Resize 256, CenterCrop 224).",
        )
    )
    classifiers = pd.DataFrame(classifier_rows(metrics, inputs.metrics))
    shown = pd.DataFrame(
        {
            "classifier": classifiers["classifier"],
            "accuracy": [f"{a:.3f}" for a in classifiers["accuracy"]],
            "correct": classifiers["correct"],
            "validation images": classifiers["n_val"],
        }
    )
    if comparable:
        shown["notebook (real data, ImageNet weights)"] = [
            "–" if a is None or pd.isna(a) else f"{a:.3f}" for a in classifiers["notebook_accuracy"]
        ]
    body.append(
        table(
            shown,
            id="classifiers",
            caption="Accuracy on the validation images",
            numeric=("accuracy", "notebook (real data, ImageNet weights)"),
        )
    )
    heatmaps = [
        figures.Confusion(
            f"{model_label(m)}: accuracy {float(m['accuracy']):.3f}", m["confusion"], m["classes"]
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
    body.append(
        figure(
            confusion_png,
            id="fig-confusion",
            alt="confusion matrices",
            source="confusion.png",
            caption="Rows: true class; columns: predicted class; cell: number of validation images."
            + (" The last panel is the notebook's, for comparison." if comparable else ""),
        )
    )
    body.append(_comparison_note(config, comparable))
    tables = {
        "classifiers": classifiers,
        "confusion": pd.DataFrame(confusion_rows(metrics)),
        "image_samples": samples,
    }
    figs = {"image-samples.png": sample_png, "confusion.png": confusion_png}
    return Part(Section("images", "Images: ants vs bees", body), tables, figs)


def _comparison_note(config: Mapping[str, Any], comparable: bool) -> Html:
    ref = notebook.IMAGES
    quoted = (
        f"logistic regression {ref['logistic_accuracy']:.3f} (confusion {ref['logistic_confusion']}), "
        + ", ".join(f"k-NN k = {k}: {a:.3f}" for k, a in ref["knn_accuracy"].items())
    )
    if comparable:
        return paragraph(
            f"The notebooks' numbers on the same {ref['n_train']} + {ref['n_val']} images: {quoted}."
        )
    return paragraph(
        f"The notebooks' numbers ({quoted}) were measured on the real hymenoptera images with "
        f"{ref['weights']} weights and BatchNorm by each image's own statistics. This run used image source "
        f"'{config['images']['source']}', weights '{weights_label(config['features']['weights'])}' and "
        f"batchnorm '{config['features'].get('batchnorm', 'eval')}', so they are not compared here."
    )
