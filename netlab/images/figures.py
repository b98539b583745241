"""The image part's figures: sample training images as the network sees them, the confusion matrices.

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
from netlab.images.labels import SAMPLES_PER_CLASS, model_label, numbered, wrap, wrapped_names
from netlab.images.transforms import notebook_view
from netlab.plotting import grid, plt, save_figure
from netlab.seeds import derive_seed

CELL_TEXT = {"ha": "center", "va": "center"}
PANEL = (3.3, 3.2)  # inches: a confusion panel of the notebooks' two classes, and the smallest
CELL_INCHES = 0.6  # the smallest cell that holds a count in the notebooks' large font
CHAR_INCHES = 0.07  # a tick label's character at the default 10 pt (DejaVu Sans, on average)
KEY_CHAR_INCHES = 0.075  # a character of the key, in the small font
LINE_INCHES = 0.17  # a tick label's line
MAX_MATRIX_INCHES = 6.0  # many classes get smaller cells, not a taller page
FIGURE_WIDTH = 14.0  # inches: panels side by side while they fit, at most 4
SAMPLE_LABEL_WIDTH = 24  # characters a line of a sample row's label: a row is 2.85 inches tall


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
        ax_row[0].set_ylabel(
            "\n".join(wrap(f"label: {label}", SAMPLE_LABEL_WIDTH)), fontsize="large"
        )
    fig.suptitle(suptitle)
    return fig


def axis_labels(classes: Sequence[str]) -> tuple[list[str], list[str], float]:
    """The classes' tick labels, the key beneath the figure (empty when the names are written out) and
    the side of a matrix cell in inches: wide enough for its label, small enough that the matrix
    stays within ``MAX_MATRIX_INCHES``; names that do not fit so are numbered."""
    named = wrapped_names(classes)
    if named is not None:
        longest = max(len(line) for lines in named for line in lines)
        cell = max(CELL_INCHES, CHAR_INCHES * longest + 0.15)
        if cell * len(classes) <= MAX_MATRIX_INCHES:
            return ["\n".join(lines) for lines in named], [], cell
    ticks, key = numbered(classes)
    return ticks, key, min(CELL_INCHES, MAX_MATRIX_INCHES / len(classes))


def panel_size(ticks: Sequence[str], cell: float) -> tuple[float, float]:
    """A confusion panel that holds its cells, tick labels, title and axis labels: the notebooks' two
    classes keep ``PANEL``, more classes and longer names make it grow."""
    lines = [line for tick in ticks for line in tick.split("\n")]
    side = cell * len(ticks)
    width = side + 0.8 + CHAR_INCHES * max(len(line) for line in lines)
    height = side + 1.0 + LINE_INCHES * max(tick.count("\n") + 1 for tick in ticks)
    return max(PANEL[0], width), max(PANEL[1], height)


def cell_font(cell: float) -> str | None:
    """The counts' font size for cells of ``cell`` inches; None where no count fits."""
    sizes = ((CELL_INCHES, "large"), (0.4, "medium"), (0.2, "x-small"))
    return next((size for least, size in sizes if cell >= least), None)


def key_text(key: Sequence[str], width_inches: float) -> str:
    """The key's entries on as few lines as the figure's width allows."""
    per_line = max(1, int(width_inches / KEY_CHAR_INCHES))
    lines = [""]
    for entry in key:
        if lines[-1] and len(lines[-1]) + 3 + len(entry) > per_line:
            lines.append("")
        lines[-1] += ("   " if lines[-1] else "") + entry
    return "\n".join(lines)


def confusion_heatmaps(items: Sequence[tuple[str, Any, Sequence[str]]], suptitle: str) -> Figure:
    """Each (title, matrix, classes) as a heatmap with the counts written in (rows: true class).

    Long class names are wrapped; names too long or too many for the axis are numbered, with a key
    beneath the panels. Panels grow with the number of classes, up to ``MAX_MATRIX_INCHES`` a matrix.
    """
    axes_of = [axis_labels(classes) for _, _, classes in items]
    sizes = [panel_size(ticks, cell) for ticks, _, cell in axes_of]
    panel = (max(w for w, _ in sizes), max(h for _, h in sizes))
    fig, axes = grid(len(items), max(1, min(4, int(FIGURE_WIDTH // panel[0]))), panel)
    for ax, (title, matrix, _), (ticks, _, cell) in zip(axes.flat, items, axes_of, strict=False):
        m = np.asarray(matrix, dtype=float)
        ax.imshow(m, cmap="Blues", vmin=0, vmax=max(float(m.max()), 1.0))
        if (fontsize := cell_font(cell)) is not None:
            for (r, c), value in np.ndenumerate(m):
                dark = value > 0.6 * m.max()
                ax.text(
                    c,
                    r,
                    f"{int(value)}",
                    color="white" if dark else "black",
                    **CELL_TEXT,
                    fontsize=fontsize,
                )
        tick_size = "medium" if cell >= 0.25 else "xx-small"
        ax.set_xticks(range(len(ticks)), ticks, fontsize=tick_size)
        ax.set_yticks(range(len(ticks)), ticks, fontsize=tick_size)
        ax.set_xlabel("predicted class")
        ax.set_ylabel("true class")
        ax.set_title(title, fontsize="medium")
    fig.suptitle(suptitle)
    keys = dict.fromkeys(tuple(key) for _, key, _ in axes_of if key)
    if keys:
        width = fig.get_figwidth()
        fig.supxlabel("\n".join(key_text(key, width) for key in keys), fontsize="small")
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
