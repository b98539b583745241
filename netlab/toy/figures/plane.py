"""Figures of the toy experiments, drawn as the notebooks draw them (red circles +1, black triangles -1)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from matplotlib.figure import Figure

from netlab.plotting import plt

GRID_STEP = 0.05  # the notebooks' plot_boundary delta


def limits(x: np.ndarray) -> tuple[float, float, float, float]:
    """The notebooks' plot window: the data's range plus 1 on every side."""
    return (
        float(x[:, 0].min()) - 1,
        float(x[:, 0].max()) + 1,
        float(x[:, 1].min()) - 1,
        float(x[:, 1].max()) + 1,
    )


def _points(ax: plt.Axes, x: np.ndarray, labels: np.ndarray, *, legend: bool = True) -> None:
    pos = labels > 0
    ax.plot(x[pos, 0], x[pos, 1], "ro", markersize=4, label="+1")
    ax.plot(x[~pos, 0], x[~pos, 1], "k^", markersize=4, label="-1")
    x_min, x_max, y_min, y_max = limits(x)
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    if legend:
        ax.legend(loc="upper right", fontsize="small", framealpha=0.8)


def scatter(x: np.ndarray, labels: np.ndarray, title: str) -> Figure:
    """The notebooks' ``plot_data``."""
    fig, ax = plt.subplots(figsize=(4.5, 4.5), layout="constrained")
    _points(ax, x, labels)
    ax.set_title(title)
    return fig


def boundary_grid(x: np.ndarray, step: float = GRID_STEP) -> tuple[np.ndarray, np.ndarray]:
    """The notebooks' mesh over the plot window."""
    x_min, x_max, y_min, y_max = limits(x)
    return np.meshgrid(np.arange(x_min, x_max, step), np.arange(y_min, y_max, step))


def draw_boundary(
    ax: plt.Axes,
    x: np.ndarray,
    labels: np.ndarray,
    predict: Callable[[np.ndarray], np.ndarray],
    *,
    legend: bool = True,
) -> None:
    """The notebooks' ``plot_boundary`` onto ``ax`` (so a grid of nets shares one figure), the whole
    grid classified in one call."""
    xx, yy = boundary_grid(x)
    grid = np.c_[xx.ravel(), yy.ravel()].astype(np.float32)
    z = (predict(grid) > 0.5).astype(float).reshape(xx.shape)
    # the mesh's cells as one image (what pcolormesh draws, at a fraction of the cost: a sweep draws
    # a panel per H), each cell centred on its grid point
    half = GRID_STEP / 2
    extent = (xx[0, 0] - half, xx[0, -1] + half, yy[0, 0] - half, yy[-1, 0] + half)
    ax.imshow(
        z, origin="lower", extent=extent, cmap=plt.cm.PRGn, vmin=-3, vmax=3,
        interpolation="nearest", aspect="auto",
    )  # fmt: skip
    _points(ax, x, labels, legend=legend)


def boundary(
    x: np.ndarray, labels: np.ndarray, predict: Callable[[np.ndarray], np.ndarray], title: str
) -> Figure:
    """The notebooks' ``plot_boundary``: one net, one figure."""
    fig, ax = plt.subplots(figsize=(4.5, 4.5), layout="constrained")
    draw_boundary(ax, x, labels, predict)
    ax.set_title(title)
    return fig
