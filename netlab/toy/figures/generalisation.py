"""The generalisation figure of an experiment: training vs test error of the best trial against H.

Drawn from the experiment's ``settings`` table (one row per data set x H, rates already computed), one
panel per data set so that five data sets never share one tangle of lines.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from netlab.plotting import grid, legend_below, save_figure
from netlab.toy.figures.across_trials import PANEL, TEST, TRUTH, floats, hidden_axis

TRAIN = "#c0392b"


def generalisation(settings: pd.DataFrame, title: str) -> Figure:
    """Error rate (%) of the best trial against H, one panel per data set (and depth, if several):
    training error, test error and the generator's own boundary on the test set (the floor), one
    y scale for all panels so that data sets compare at a glance. Data sets without a test set show
    their training error only, and say so."""
    groups = list(settings.groupby(["dataset", "hidden_layers"], sort=False))
    several_depths = settings["hidden_layers"].nunique() > 1
    fig, axes = grid(len(groups), 3, (5.6, 3.4) if len(groups) == 1 else PANEL)
    rates = [
        floats(settings[c]) for c in ("train_error_rate", "test_error_rate", "test_floor_rate")
    ]
    top = 100 * max(float(np.nanmax(np.concatenate(rates), initial=0.0)), 0.01) * 1.15
    for ax, ((dataset, depth), rows) in zip(axes.flat, groups, strict=False):
        rows = rows.sort_values("hidden")
        h = rows["hidden"].astype(int).to_numpy()
        ax.plot(h, 100 * floats(rows["train_error_rate"]), "o-", color=TRAIN, label="training")
        test = 100 * floats(rows["test_error_rate"])
        if np.isnan(test).all():
            ax.text(0.5, 0.9, "no test set", transform=ax.transAxes, ha="center", va="top")
        else:
            ax.plot(h, test, "s--", color=TEST, label="test")
        floor = 100 * floats(rows["test_floor_rate"])
        if not np.isnan(floor).all():
            ax.plot(
                h, floor, ":", marker="_", markersize=18, color=TRUTH,
                label="generator's own boundary (test): the floor",
            )  # fmt: skip
        step = float(np.diff(h).min()) if len(h) > 1 else 1.0
        ax.set_xlim(h.min() - 0.5 * step, h.max() + 0.5 * step)
        hidden_axis(ax, h)
        ax.set_ylim(-0.04 * top, top)  # a 0 % marker drawn whole
        ax.yaxis.set_major_formatter(PercentFormatter(decimals=0 if top >= 5 else 1))
        ax.set_ylabel("error of the best trial")
        ax.set_title(
            f"{dataset}, {depth} hidden layers" if several_depths else dataset, fontsize="medium"
        )
        ax.grid(True, alpha=0.3)
    legend_below(fig, axes.flat)
    fig.suptitle(title)
    return fig


def draw(settings: pd.DataFrame, experiment: str, figure_path: str | Path) -> None:
    """The experiment's generalisation figure, saved (its table is the experiment's ``settings``)."""
    depths = ", ".join(str(d) for d in sorted(settings["hidden_layers"].unique()))
    title = f"{experiment}: training vs test error ({depths} hidden layer(s))"
    save_figure(generalisation(settings, title), figure_path, dpi=110)
