"""An experiment's trials side by side: loss curves and the spread of errors and iterations.

Both figures take the experiment's tables (``trials``, ``settings``, ``curves``), one panel per data
set with the hidden size H on the x axis or as the colour, so that a sweep of 100 settings and 2,000
trials reads as well as the default 10 settings of 5 trials: the figure grows by data sets (three to
a row), never by settings. The page's captions say what to look for.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.cm import ScalarMappable
from matplotlib.colors import ListedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import EngFormatter, FuncFormatter, LogLocator, MaxNLocator, NullFormatter

from netlab.plotting import grid, legend_below, plt

BEST = "#c0392b"
TEST = "#1f5fa8"
OTHERS = "#7f8c9a"
TRUTH = "#2e8b57"
TRIAL_DOT = {"s": 12, "color": OTHERS, "alpha": 0.7, "zorder": 3, "linewidths": 0}
NOTEBOOK_STAR = {
    "marker": "*",
    "markersize": 13,
    "color": "#8e44ad",
    "zorder": 6,
    "linestyle": "none",
}
BOX = {
    "whis": (0, 100),  # whiskers at the extremes: no trial is left out as an outlier
    "showfliers": False,
    "manage_ticks": False,
    "patch_artist": True,
    "boxprops": {"facecolor": "#dfe6ee", "edgecolor": OTHERS},
    "whiskerprops": {"color": OTHERS},
    "capprops": {"color": OTHERS},
    "medianprops": {"color": OTHERS, "linewidth": 1.5},
}
BOX_LABEL = "all trials: quartiles (box), min to max (whiskers)"
BEST_LABEL = "best trial (training errors, iterations)"
# Few hidden sizes: every value named in a legend; more: a colour bar.
MAX_LEGEND_H = 6
# Few hidden sizes per panel: each trial drawn too (the default's 5 trials, the noisy set's 50).
MAX_H_WITH_TRIALS = 4
# viridis without its palest end, which vanishes on white.
H_COLOURS = ListedColormap(plt.get_cmap("viridis")(np.linspace(0.0, 0.85, 256)))
PANEL = (3.6, 2.8)  # inches: three panels a row make a figure about 1,000 px wide at 100 dpi


def datasets(table: pd.DataFrame) -> list[str]:
    """The data sets of ``table`` in the order they first appear (the experiment's order)."""
    return list(dict.fromkeys(table["dataset"]))


def hidden_axis(ax: plt.Axes, hidden: Iterable[int]) -> None:
    """H on the x axis: every value ticked when few, integer ticks chosen by matplotlib when many
    (so that labels never overlap)."""
    values = sorted(set(int(h) for h in hidden))
    if len(values) <= 8:
        ax.set_xticks(values)
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins="auto"))
    ax.set_xlabel("hidden units H")


def floats(values: pd.Series) -> np.ndarray:
    """A nullable column as floats, NA as NaN (what matplotlib leaves out)."""
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _h_colour(h: int, lo: int, hi: int) -> Any:
    return H_COLOURS(0.5 if hi == lo else (h - lo) / (hi - lo))


def loss_quantiles(rows: pd.DataFrame) -> pd.DataFrame:
    """Quartiles of the loss across one setting's trials at each checkpoint t.

    A trial that stopped (converged) keeps its last loss afterwards: it is still one of the trials, and
    leaving it out would make the median climb as the good trials drop away.
    """
    wide = rows.pivot_table(index="t", columns="trial", values="loss", aggfunc="last")
    wide = wide.sort_index().ffill()
    return wide.quantile([0.25, 0.5, 0.75], axis=1).T.set_axis(["q1", "median", "q3"], axis=1)


def loss_curves(curves: pd.DataFrame, title: str) -> Figure:
    """Loss against iteration t, one panel per data set, one colour per H: the median across trials
    with the interquartile range as a band (each trial drawn faintly too where a panel has few H)."""
    names = datasets(curves)
    hidden = sorted(int(h) for h in curves["hidden"].unique())
    lo, hi = hidden[0], hidden[-1]
    fig, axes = grid(len(names), 3, (7.0, 3.6) if len(names) == 1 else PANEL)
    any_trials = False
    for ax, name in zip(axes.flat, names, strict=False):  # the grid may have more panels
        rows = curves[curves["dataset"] == name]
        n_hidden = rows["hidden"].nunique()
        few = n_hidden <= MAX_H_WITH_TRIALS
        any_trials |= few
        band = 0.25 if few else max(0.06, 0.6 / n_hidden)  # many bands stacked stay see-through
        for h, setting in rows.groupby("hidden", sort=True):
            colour = _h_colour(int(h), lo, hi)
            if few:
                for _, points in setting.groupby("trial", sort=True):
                    points = points.sort_values("t")
                    ax.plot(points["t"], points["loss"], color=colour, linewidth=0.7, alpha=0.45)
            q = loss_quantiles(setting)
            ax.fill_between(q.index, q["q1"], q["q3"], color=colour, alpha=band, linewidth=0)
            ax.plot(q.index, q["median"], color=colour, linewidth=1.6, label=f"H={h}")
        log = bool((rows["loss"] > 0).all())
        if log:
            ax.set_yscale("log")
            # 0.02, 0.05, 0.1, ...: not matplotlib's 2x10^-2 on every minor tick of a short range
            ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_title(name, fontsize="medium")
        ax.set_xlabel("iteration t")
        ax.set_ylabel("loss" + (" (log scale)" if log else ""))
        ax.xaxis.set_major_formatter(EngFormatter(sep=""))
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
        ax.grid(True, which="major", alpha=0.3)
    style = [
        Line2D([], [], color="0.3", linewidth=1.6, label="median across trials"),
        Patch(color="0.3", alpha=0.2, label="interquartile range across trials"),
    ]
    if any_trials:
        style.append(Line2D([], [], color="0.3", linewidth=0.7, alpha=0.45, label="one trial"))
    visible = [ax for ax in axes.flat if ax.get_visible()]
    if len(hidden) <= MAX_LEGEND_H:
        h_lines = [
            Line2D([], [], color=_h_colour(h, lo, hi), linewidth=2, label=f"H={h}") for h in hidden
        ]
        handles = h_lines + style
    else:
        handles = style
        bar = fig.colorbar(
            ScalarMappable(Normalize(lo, hi), H_COLOURS), ax=visible, label="hidden units H"
        )
        bar.locator = MaxNLocator(integer=True)
        bar.update_ticks()
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=min(len(handles), 4 if len(names) > 1 else 3),
        fontsize="small",
        title="a stopped trial keeps its last loss",
        title_fontsize="small",
    )
    fig.suptitle(title)
    return fig


def _boxes(
    ax: plt.Axes, hidden: np.ndarray, values: Sequence[np.ndarray], width: float, dots: bool
) -> None:
    present = [(h, v) for h, v in zip(hidden, values, strict=True) if len(v)]
    if not present:
        return
    ax.boxplot([v for _, v in present], positions=[h for h, _ in present], widths=width, **BOX)
    if dots:
        for h, v in present:
            offsets = np.linspace(-0.3, 0.3, len(v)) * width if len(v) > 1 else np.zeros(1)
            ax.scatter(h + offsets, v, label="a trial", **TRIAL_DOT)


def _spread_panels(
    ax_err: plt.Axes,
    ax_it: plt.Axes,
    trials: pd.DataFrame,
    settings: pd.DataFrame,
    references: Mapping[Any, Any],
) -> None:
    """One data set: errors above, iterations below, H across both."""
    rows = settings.sort_values("hidden")
    hidden = rows["hidden"].astype(int).to_numpy()
    step = float(np.diff(hidden).min()) if len(hidden) > 1 else 1.0
    width = 0.6 * step
    by_h = {int(h): t for h, t in trials.groupby("hidden")}
    empty = trials.iloc[:0]
    for ax, column in ((ax_err, "errors"), (ax_it, "iterations")):
        values = [floats(by_h.get(int(h), empty)[column]) for h in hidden]
        _boxes(ax, hidden, values, width, dots=len(hidden) <= MAX_H_WITH_TRIALS)
    best = {"marker": "D", "color": BEST, "markersize": 5, "zorder": 5}
    ax_err.plot(hidden, floats(rows["train_errors"]), label=BEST_LABEL, **best)
    test = floats(rows["test_errors"])
    if not np.isnan(test).all():
        ax_err.plot(
            hidden, test, "s--", color=TEST, markersize=4, zorder=4, label="best trial: test errors"
        )
    floor = floats(rows["train_floor"])
    if not np.isnan(floor).all():
        line = {"color": TRUTH, "linestyle": "--", "label": "generator's own boundary (training)"}
        if np.nanmin(floor) == np.nanmax(floor):
            ax_err.axhline(np.nanmin(floor), **line)
        else:
            ax_err.plot(hidden, floor, marker="_", markersize=12, **line)
    ax_it.plot(hidden, floats(rows["best_iterations"]), label=BEST_LABEL, **best)
    for h in hidden:
        reference = references.get((rows["dataset"].iloc[0], int(h)))
        for ax, value in zip((ax_err, ax_it), reference or (), strict=False):
            ax.plot([h + 0.45 * step], [value], label="notebook's best", **NOTEBOOK_STAR)
    ax_it.set_xlim(hidden.min() - 0.7 * step, hidden.max() + 0.7 * step)
    hidden_axis(ax_it, hidden)
    ax_err.tick_params(labelbottom=False)
    ax_err.set_ylabel("errors")
    ax_err.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    ax_it.set_ylabel("iterations t")
    ax_it.yaxis.set_major_formatter(EngFormatter(sep=""))
    ax_it.yaxis.set_major_locator(MaxNLocator(nbins=4))
    for ax in (ax_err, ax_it):
        ax.margins(y=0.1)
        ax.grid(True, axis="y", alpha=0.3)


def spread(
    trials: pd.DataFrame,
    settings: pd.DataFrame,
    title: str,
    references: Mapping[tuple[str, int], tuple[int, int]] | None = None,
) -> Figure:
    """Errors and iterations across trials against H, one pair of panels per data set (three to a
    row): every trial as a box, the best trial as a line, the generator's own boundary where known.

    ``references``: the notebook's best (errors, iterations) per (dataset, hidden), marked with a star.
    """
    names = datasets(settings)
    ncols = min(3, len(names))
    cell_rows = math.ceil(len(names) / ncols)
    size = (PANEL[0] * ncols if ncols > 1 else 7.0, 2.3 * 2 * cell_rows + 1.0)
    fig, axes = plt.subplots(
        2 * cell_rows, ncols, figsize=size, layout="constrained", squeeze=False
    )
    for i, name in enumerate(names):
        r, c = divmod(i, ncols)
        ax_err, ax_it = axes[2 * r, c], axes[2 * r + 1, c]
        ax_it.sharex(ax_err)
        ax_err.set_title(name, fontsize="medium")
        _spread_panels(
            ax_err,
            ax_it,
            trials[trials["dataset"] == name],
            settings[settings["dataset"] == name],
            references or {},
        )
    for r in range(cell_rows):  # spare cells of the last row
        for c in range(ncols):
            if r * ncols + c >= len(names):
                axes[2 * r, c].set_visible(False)
                axes[2 * r + 1, c].set_visible(False)
    box = {BOX_LABEL: Patch(facecolor="#dfe6ee", edgecolor=OTHERS)}
    legend_below(fig, axes.flat, box, ncols=3 if ncols > 1 else 2)
    fig.suptitle(title)
    return fig
