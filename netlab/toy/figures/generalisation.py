"""The generalisation figure of an experiment: training vs test error of the best trial against H."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from netlab import atomic
from netlab.plotting import plt, save_figure
from netlab.toy.evaluation import generalisation_table


def generalisation(table: pd.DataFrame, title: str) -> Figure:
    """Error rate (%) against hidden size, one colour per data set (and depth).

    Solid: training error of the best trial; dashed: its test error; dotted:
    the generator's own boundary on the test set (the floor). Data sets
    without a test set show their training error only.
    """
    fig, ax = plt.subplots(figsize=(8.0, 4.2), layout="constrained")
    groups = table.groupby(["dataset", "hidden_layers"], sort=False)
    several_depths = table["hidden_layers"].nunique() > 1
    for colour, ((dataset, depth), rows) in zip(plt.cm.tab10.colors, groups, strict=False):
        rows = rows.sort_values("hidden")
        name = f"{dataset}, {depth} layers" if several_depths else dataset
        h = rows["hidden"].astype(int)
        ax.plot(h, 100 * rows["train_error_rate"], "o-", color=colour, label=f"{name}: train")
        if rows["test_error_rate"].notna().any():
            test = 100 * rows["test_error_rate"].astype(float)
            ax.plot(h, test, "s--", color=colour, label=f"{name}: test")
        if rows["test_floor_rate"].notna().any():
            floor = 100 * rows["test_floor_rate"].astype(float)
            ax.plot(h, floor, ":", color=colour, label=f"{name}: floor (test)")
    ax.set_xticks(sorted(table["hidden"].astype(int).unique()))
    ax.set_xlabel("hidden units per layer (H)")
    ax.set_ylabel("error of the best trial (%)")
    ax.set_ylim(bottom=0)
    ax.set_title(title)
    ax.legend(fontsize="x-small", loc="upper left", bbox_to_anchor=(1.01, 1.0), framealpha=0.8)
    return fig


def write_experiment(
    experiment: str,
    hidden_layers: int,
    summaries: Sequence[Mapping[str, Any]],
    table_path: str | Path,
    figure_path: str | Path,
) -> pd.DataFrame:
    """The experiment's generalisation table (CSV) and figure from its settings' summaries."""
    by_setting = {(s["dataset"], int(s["hidden"])): s for s in summaries}
    table = generalisation_table(experiment, hidden_layers, by_setting)
    figure = generalisation(
        table, f"{experiment}: training vs test error ({hidden_layers} hidden layer(s))"
    )
    atomic.write_csv(table_path, table)
    save_figure(figure, figure_path, dpi=110)
    return table
