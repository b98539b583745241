"""The ants-vs-bees figures: sample training images as the network sees them, the confusion matrices.

Drawn in a job of their own (rule ``image_plots``), so restyling them re-runs
only this job and the report. Samples go through the notebooks' own
Resize(256) and CenterCrop(224) (``netlab.images.transforms``), before normalisation.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from netlab import atomic
from netlab.images.imagefolder import load_rgb
from netlab.images.labels import SAMPLES_PER_CLASS, model_label
from netlab.images.transforms import notebook_view
from netlab.plotting import grid, plt, save_figure
from netlab.seeds import derive_seed

CELL_TEXT = {"ha": "center", "va": "center", "fontsize": "large"}


def pick_samples(rows: pd.DataFrame, seed: int, per_class: int = SAMPLES_PER_CLASS) -> pd.DataFrame:
    """``per_class`` images of each class, drawn from the config seed (same config, same images)."""
    rng = np.random.default_rng(derive_seed(seed, "report", "samples"))
    picked = []
    for _, group in rows.sort_values("path").groupby("label", sort=True):
        take = rng.choice(len(group), size=min(per_class, len(group)), replace=False)
        picked.append(group.iloc[np.sort(take)])
    return pd.concat(picked, ignore_index=True)


def image_samples(rows: dict[str, Sequence[tuple[np.ndarray, str]]], suptitle: str) -> Figure:
    """A grid of (image, title), one row per class, each titled with its file; the class on the left."""
    ncols = max(len(r) for r in rows.values())
    fig, axes = plt.subplots(
        len(rows),
        ncols,
        figsize=(2.5 * ncols, 2.85 * len(rows)),
        layout="constrained",
        squeeze=False,
    )
    for ax_row, (label, samples) in zip(axes, rows.items(), strict=True):
        for ax in ax_row:
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_frame_on(False)
        for ax, (image, title) in zip(ax_row, samples, strict=False):  # a class may have fewer
            ax.imshow(image)
            ax.set_title(title, fontsize="small")
        ax_row[0].set_ylabel(f"label: {label}", fontsize="large")
    fig.suptitle(suptitle)
    return fig


def confusion_heatmaps(items: Sequence[tuple[str, Any, Sequence[str]]], suptitle: str) -> Figure:
    """Each (title, matrix, classes) as a heatmap with the counts written in (rows: true class)."""
    fig, axes = grid(len(items), 4, (3.3, 3.2))
    for ax, (title, matrix, classes) in zip(axes.flat, items, strict=False):
        m = np.asarray(matrix, dtype=float)
        ax.imshow(m, cmap="Blues", vmin=0, vmax=max(float(m.max()), 1.0))
        for (r, c), value in np.ndenumerate(m):
            dark = value > 0.6 * m.max()
            ax.text(c, r, f"{int(value)}", color="white" if dark else "black", **CELL_TEXT)
        ax.set_xticks(range(len(classes)), classes)
        ax.set_yticks(range(len(classes)), classes)
        ax.set_xlabel("predicted class")
        ax.set_ylabel("true class")
        ax.set_title(title, fontsize="medium")
    fig.suptitle(suptitle)
    return fig


def draw_samples(
    features: str | Path, image_root: str | Path, seed: int, figure: str | Path, table: str | Path
) -> int:
    """The sample grid of the training images a features file lists, and the list of those shown."""
    picked = pick_samples(pd.read_parquet(features, columns=["path", "label", "class_name"]), seed)
    view = notebook_view()
    rows: dict[str, list[tuple[np.ndarray, str]]] = {}
    for record in picked.itertuples(index=False):
        path = Path(image_root) / record.path
        title = path.name if len(path.name) <= 26 else path.name[:23] + "…"
        rows.setdefault(record.class_name, []).append((np.asarray(view(load_rgb(path))), title))
    fig = image_samples(rows, "Training images after Resize(256) and CenterCrop(224)")
    save_figure(fig, figure)
    atomic.write_csv(table, picked.rename(columns={"class_name": "class"}))
    return len(picked)


def draw_confusion(metrics: str | Path, notebook: Sequence[Any] | None, figure: str | Path) -> None:
    """Every model's confusion matrix; ``notebook`` (its title, matrix and classes) as the last panel."""
    models = json.loads(Path(metrics).read_text())["models"]
    items = [
        (f"{model_label(m)}: accuracy {float(m['accuracy']):.3f}", m["confusion"], m["classes"])
        for m in models
    ]
    fig = confusion_heatmaps(
        [*items, *([notebook] if notebook else [])], "Confusion matrices (validation images)"
    )
    save_figure(fig, figure)
