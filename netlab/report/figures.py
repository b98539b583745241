"""Figures drawn only for the report: loss curves, spread across trials, confusion heatmaps, image samples.

Every figure labels its axes and says in its title what a panel holds; the
page's captions say what to look for. Figures are returned as PNG bytes so
the page embeds exactly the file written next to it.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import EngFormatter

DPI = 100
BEST = "#c0392b"
OTHERS = "#7f8c9a"
GRID = {"layout": "constrained", "squeeze": False}
# Line styles of the best trial's loss curve and of the others'.
CURVE = {
    True: {"color": BEST, "linewidth": 1.8, "alpha": 1.0, "zorder": 3},
    False: {"color": OTHERS, "linewidth": 0.8, "alpha": 0.55, "zorder": 2},
}
TRIAL_DOT = {"s": 14, "color": OTHERS, "alpha": 0.8, "zorder": 3}
BEST_DOT = {"s": 46, "color": BEST, "marker": "D", "zorder": 4}
NOTEBOOK_STAR = {
    "marker": "*",
    "s": 120,
    "color": "#8e44ad",
    "zorder": 5,
    "label": "notebook's best",
}
TRUTH_LINE = {"colors": "#2e8b57", "linestyles": "--", "label": "generator's own boundary"}
CELL_TEXT = {"ha": "center", "va": "center", "fontsize": "large"}


def png_bytes(fig: Figure) -> bytes:
    """Render and close ``fig`` (no timestamp in the metadata: same figure, same bytes)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


@dataclass(frozen=True)
class LossPanel:
    """The loss checkpoints of every trial of one setting."""

    title: str
    curves: dict[int, Sequence[Sequence[float]]]  # trial -> [[t, loss], ...]
    best_trial: int


def _grid(n: int, ncols: int, panel: tuple[float, float]) -> tuple[Figure, np.ndarray]:
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(panel[0] * ncols, panel[1] * nrows), **GRID)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, axes


def loss_curves(panels: Sequence[LossPanel], suptitle: str) -> Figure:
    """BCE loss at each check of every trial, one panel per setting; the best trial in colour."""
    fig, axes = _grid(len(panels), 2, (5.2, 3.2))
    for ax, panel in zip(axes.flat[: len(panels)], panels, strict=True):  # the grid may have more
        positive = True
        for trial, points in sorted(panel.curves.items(), key=lambda kv: kv[0] == panel.best_trial):
            if not points:
                continue
            t, loss = np.asarray(points, dtype=float).T
            positive &= bool(np.all(loss > 0))
            best = trial == panel.best_trial
            ax.plot(t, loss, label=f"best: trial {trial}" if best else None, **CURVE[best])
        if positive:
            ax.set_yscale("log")
        ax.plot([], [], color=OTHERS, linewidth=0.8, label="other trials")
        ax.set_title(panel.title, fontsize="medium")
        ax.set_xlabel("iteration t")
        ax.set_ylabel("BCE loss" + (" (log scale)" if positive else ""))
        ax.xaxis.set_major_formatter(EngFormatter(sep=""))
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize="small", loc="upper right")
    fig.suptitle(suptitle)
    return fig


@dataclass(frozen=True)
class Spread:
    """The errors and iterations of all trials of one setting, with optional reference values."""

    label: str
    errors: Sequence[int]
    iterations: Sequence[int]
    best_index: int
    true_boundary_errors: int | None = None
    notebook: tuple[int, int] | None = None  # (errors, iterations) of the notebook's best trial


def _strip(ax: plt.Axes, values: list[np.ndarray], best: list[int]) -> None:
    median = {"color": "#1f5fa8"}
    ax.boxplot(
        values, positions=range(len(values)), widths=0.5, showfliers=False, medianprops=median
    )
    for i, v in enumerate(values):
        offsets = np.linspace(-0.18, 0.18, len(v)) if len(v) > 1 else np.zeros(1)
        ax.scatter(i + offsets, v, label="a trial" if i == 0 else None, **TRIAL_DOT)
        b = best[i]
        ax.scatter([i + offsets[b]], [v[b]], label="best trial" if i == 0 else None, **BEST_DOT)


def spread(items: Sequence[Spread], suptitle: str) -> Figure:
    """Training errors and iterations across trials, per setting (box, every trial as a dot)."""
    width = max(7.5, 1.1 * len(items) * 2 + 2)
    fig, (ax_err, ax_it) = plt.subplots(1, 2, figsize=(min(width, 16), 4.2), layout="constrained")
    best = [s.best_index for s in items]
    _strip(ax_err, [np.asarray(s.errors, dtype=float) for s in items], best)
    _strip(ax_it, [np.asarray(s.iterations, dtype=float) for s in items], best)
    for i, s in enumerate(items):
        if s.true_boundary_errors is not None:
            ax_err.hlines(s.true_boundary_errors, i - 0.35, i + 0.35, **TRUTH_LINE)
        for ax, value in zip((ax_err, ax_it), s.notebook or (), strict=False):
            ax.scatter([i + 0.3], [value], **NOTEBOOK_STAR)
    labels = [s.label for s in items]
    ticks = {"rotation": 30, "ha": "right"} if len(items) > 4 else {"rotation": 0, "ha": "center"}
    for ax, what in ((ax_err, "training errors"), (ax_it, "iterations t at the end")):
        ax.set_xticks(range(len(items)), labels, **ticks)
        ax.set_xlabel("data set, hidden units H")
        ax.set_ylabel(what)
        ax.margins(y=0.08)
        ax.grid(True, axis="y", alpha=0.3)
    ax_it.yaxis.set_major_formatter(EngFormatter(sep=""))
    ax_err.set_title("training errors of each trial", fontsize="medium")
    ax_it.set_title("iterations of each trial", fontsize="medium")
    legend = {}
    for ax in (ax_err, ax_it):
        handles, names = ax.get_legend_handles_labels()
        legend.update(zip(names, handles, strict=True))
    where = {"loc": "outside lower center", "ncols": len(legend), "fontsize": "small"}
    fig.legend(legend.values(), legend.keys(), **where)
    fig.suptitle(suptitle)
    return fig


@dataclass(frozen=True)
class Confusion:
    title: str
    matrix: Sequence[Sequence[int]]  # rows: true class, columns: predicted class
    classes: Sequence[str]


def confusion_heatmaps(items: Sequence[Confusion], suptitle: str) -> Figure:
    """Each model's confusion matrix as a heatmap with the counts written in."""
    fig, axes = _grid(len(items), 4, (3.3, 3.2))
    for ax, item in zip(axes.flat[: len(items)], items, strict=True):  # the grid may have more
        m = np.asarray(item.matrix, dtype=float)
        ax.imshow(m, cmap="Blues", vmin=0, vmax=max(float(m.max()), 1.0))
        for (r, c), value in np.ndenumerate(m):
            dark = value > 0.6 * m.max()
            ax.text(c, r, f"{int(value)}", color="white" if dark else "black", **CELL_TEXT)
        ticks = range(len(item.classes))
        ax.set_xticks(ticks, item.classes)
        ax.set_yticks(ticks, item.classes)
        ax.set_xlabel("predicted class")
        ax.set_ylabel("true class")
        ax.set_title(item.title, fontsize="medium")
    fig.suptitle(suptitle)
    return fig


@dataclass(frozen=True)
class Sample:
    image: np.ndarray  # H x W x 3 uint8
    title: str


def image_samples(rows: dict[str, Sequence[Sample]], suptitle: str) -> Figure:
    """A grid of images, one row per class, each titled with its label and file."""
    ncols = max(len(r) for r in rows.values())
    fig, axes = plt.subplots(len(rows), ncols, figsize=(2.5 * ncols, 2.85 * len(rows)), **GRID)
    for ax_row, (label, samples) in zip(axes, rows.items(), strict=True):
        for ax in ax_row:
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_frame_on(False)
        for ax, sample in zip(
            ax_row[: len(samples)], samples, strict=True
        ):  # a class may have fewer
            ax.imshow(sample.image)
            ax.set_title(sample.title, fontsize="small")
        ax_row[0].set_ylabel(f"label: {label}", fontsize="large")
    fig.suptitle(suptitle)
    return fig
