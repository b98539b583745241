"""The decision boundaries of one data set's best trials, one panel per H (a cheap job apart from the
selection), so that a sweep over H is one figure per data set instead of one per setting."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from netlab.plotting import grid, save_figure
from netlab.toy import datasets
from netlab.toy.figures import plane
from netlab.toy.nets import load_params, predict
from netlab.toy.selection import Best

# (hidden, best trial, its training errors, its predict function on (m, 2) points)
Net = tuple[int, int, int, Callable[[np.ndarray], np.ndarray]]


def boundaries(x: np.ndarray, labels: np.ndarray, nets: Sequence[Net], title: str) -> Figure:
    """The notebook-style boundary of each H's best trial on the data set's points, one panel per H
    (at most five to a row); all panels share the plot window, so only the outer ones carry axis labels."""
    fig, axes = grid(len(nets), 5, (4.2, 4.2) if len(nets) <= 2 else (2.6, 2.6))
    ncols = axes.shape[1]
    last_row = math.ceil(len(nets) / ncols) - 1
    for i, (ax, (hidden, trial, errors, net)) in enumerate(zip(axes.flat, nets, strict=False)):
        plane.draw_boundary(ax, x, labels, net, legend=False)
        errs = "error" if errors == 1 else "errors"
        ax.set_title(f"H={hidden}: trial {trial}, {errors} {errs}", fontsize="medium")
        row, col = divmod(i, ncols)
        below_empty = row == last_row - 1 and i + ncols >= len(nets)
        if row != last_row and not below_empty:
            ax.set_xlabel("")
            ax.tick_params(labelbottom=False)
        if col:
            ax.set_ylabel("")
            ax.tick_params(labelleft=False)
    handles, names = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside lower center", ncols=len(names), fontsize="small")
    fig.suptitle(title)
    return fig


def draw_boundaries(
    data_path: str | Path, best: Sequence[Best], figure_path: str | Path, title: str
) -> None:
    """One data set's boundaries figure from its points file and the best trial of each H
    (``netlab.toy.selection.best_per_hidden``)."""
    x, labels = datasets.read_points(data_path)
    nets = [
        (b.hidden, b.trial, b.errors, functools.partial(predict, load_params(b.weights)))
        for b in sorted(best)
    ]
    save_figure(boundaries(x, labels, nets, title), figure_path, dpi=110)
