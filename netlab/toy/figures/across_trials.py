"""An experiment's trials side by side: loss curves of every trial and the spread of errors and iterations.

Drawn in a job of its own (rule ``trial_plots``) from the trial records and
each setting's ``best.json``, so restyling a figure re-runs only this job and
the report. The page's captions say what to look for.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import EngFormatter

from netlab.plotting import grid, plt, save_figure
from netlab.toy.paths import trial_number

BEST = "#c0392b"
OTHERS = "#7f8c9a"
# Line styles of the best trial's loss curve and of the others'.
CURVE = {
    True: {"color": BEST, "linewidth": 1.8, "alpha": 1.0, "zorder": 3},
    False: {"color": OTHERS, "linewidth": 0.8, "alpha": 0.55, "zorder": 2},
}
TRIAL_DOT = {"s": 14, "color": OTHERS, "alpha": 0.8, "zorder": 3}
BEST_DOT = {"s": 46, "color": BEST, "marker": "D", "zorder": 4}
NOTEBOOK_STAR = {"marker": "*", "s": 120, "color": "#8e44ad", "zorder": 5}
TRUTH_LINE = {"colors": "#2e8b57", "linestyles": "--", "label": "generator's own boundary"}


def loss_curves(settings: Sequence[Mapping[str, Any]], suptitle: str) -> Figure:
    """BCE loss at each check of every trial, one panel per setting; the best trial in colour."""
    fig, axes = grid(len(settings), 2, (5.2, 3.2))
    for ax, s in zip(axes.flat, settings, strict=False):  # the grid may have more panels
        positive = True
        for trial, points in sorted(s["curves"].items(), key=lambda kv: kv[0] == s["best"]):
            if not points:
                continue
            t, loss = np.asarray(points, dtype=float).T
            positive &= bool(np.all(loss > 0))
            best = trial == s["best"]
            ax.plot(t, loss, label=f"best: trial {trial}" if best else None, **CURVE[best])
        if positive:
            ax.set_yscale("log")
        ax.plot([], [], color=OTHERS, linewidth=0.8, label="other trials")
        ax.set_title(s["label"], fontsize="medium")
        ax.set_xlabel("iteration t")
        ax.set_ylabel("BCE loss" + (" (log scale)" if positive else ""))
        ax.xaxis.set_major_formatter(EngFormatter(sep=""))
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize="small", loc="upper right")
    fig.suptitle(suptitle)
    return fig


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


def spread(settings: Sequence[Mapping[str, Any]], suptitle: str) -> Figure:
    """Training errors and iterations across trials, per setting (box, every trial as a dot), with the
    noisy set's true-boundary errors and the notebook's best trial where they apply."""
    width = max(7.5, 1.1 * len(settings) * 2 + 2)
    fig, (ax_err, ax_it) = plt.subplots(1, 2, figsize=(min(width, 16), 4.2), layout="constrained")
    best = [sorted(s["curves"]).index(s["best"]) for s in settings]
    _strip(ax_err, [np.asarray(s["errors"], dtype=float) for s in settings], best)
    _strip(ax_it, [np.asarray(s["iterations"], dtype=float) for s in settings], best)
    for i, s in enumerate(settings):
        if s["truth"] is not None:
            ax_err.hlines(s["truth"], i - 0.35, i + 0.35, **TRUTH_LINE)
        for ax, value in zip((ax_err, ax_it), s["notebook"] or (), strict=False):
            ax.scatter([i + 0.3], [value], label="notebook's best", **NOTEBOOK_STAR)
    labels = [s["label"] for s in settings]
    ticks = (
        {"rotation": 30, "ha": "right"} if len(settings) > 4 else {"rotation": 0, "ha": "center"}
    )
    for ax, what in ((ax_err, "training errors"), (ax_it, "iterations t at the end")):
        ax.set_xticks(range(len(settings)), labels, **ticks)
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


def read_setting(best: str | Path, records: Sequence[str | Path]) -> dict[str, Any]:
    """A setting's best trial and, per trial in trial order, its loss checkpoints, errors and iterations."""
    trials = {trial_number(p): json.loads(Path(p).read_text()) for p in records}
    trials = dict(sorted(trials.items()))
    return {
        "best": json.loads(Path(best).read_text())["best_trial"],
        "curves": {t: r["checkpoints"] for t, r in trials.items()},
        "errors": [r["errors"] for r in trials.values()],
        "iterations": [r["iterations"] for r in trials.values()],
    }


def draw(
    experiment: str,
    settings: Sequence[Mapping[str, Any]],
    inputs: Mapping[str, Any],
    loss_path: str | Path,
    spread_path: str | Path,
) -> None:
    """Both figures of ``experiment``. Each setting names its inputs (``{name}/best``, ``{name}/trials``)
    and gives its panel's label, the true boundary's errors and the notebook's (errors, iterations)."""
    panels = [
        {**s, **read_setting(inputs[f"{s['name']}/best"], inputs[f"{s['name']}/trials"])}
        for s in settings
    ]
    loss = loss_curves(panels, f"{experiment}: training loss of every trial")
    save_figure(loss, loss_path)
    save_figure(spread(panels, f"{experiment}: spread across trials"), spread_path)
