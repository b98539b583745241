"""What every figure of netlab shares: headless drawing, panel grids, and one way of saving a PNG.

Figures are saved atomically and without the ``Software`` text chunk matplotlib writes by default,
so the same figure gives the same bytes whatever matplotlib drew it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # after use("Agg"): figure modules take plt from here
import numpy as np
from matplotlib.figure import Figure

from netlab import atomic

PNG_METADATA = {"Software": None}  # no matplotlib version: same figure, same bytes


def save_figure(fig: Figure, path: str | Path, *, dpi: int = 100) -> None:
    """Save ``fig`` to ``path`` atomically (its suffix names the format) and close it."""
    with atomic.replacing(path) as tmp:
        fig.savefig(
            tmp, format=Path(path).suffix.lstrip(".") or "png", dpi=dpi, metadata=PNG_METADATA
        )
    plt.close(fig)


def grid(n: int, ncols: int, panel: tuple[float, float]) -> tuple[Figure, np.ndarray]:
    """``n`` panels on ``ncols`` columns; the grid's spare panels hidden."""
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    size = (panel[0] * ncols, panel[1] * nrows)
    fig, axes = plt.subplots(nrows, ncols, figsize=size, layout="constrained", squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, axes


def legend_below(
    fig: Figure,
    axes: Iterable[plt.Axes],
    first: Mapping[str, Any] | None = None,
    *,
    ncols: int | None = None,
) -> None:
    """One legend for the whole figure, under its panels: each label once however many panels draw
    it (``first``: entries no panel carries, put first), so that no panel's data hides behind one."""
    entries = dict(first or {})
    for ax in axes:
        handles, labels = ax.get_legend_handles_labels()
        entries.update(zip(labels, handles, strict=True))
    fig.legend(
        entries.values(),
        entries.keys(),
        loc="outside lower center",
        ncols=min(len(entries), ncols or len(entries)),
        fontsize="small",
    )
