"""Every figure of one experiment drawn from its summary tables, in one job (rule ``trial_plots``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from netlab.plotting import save_figure
from netlab.toy.figures import across_trials, generalisation
from netlab.toy.summary import Tables


def draw_all(
    experiment: str,
    tables: Tables,
    references: Mapping[str, Sequence[int]],
    paths: Mapping[str, str | Path],
) -> None:
    """The loss curves, the spread across trials and the generalisation figure, to ``paths`` by name.
    ``references``: the notebook's best (errors, iterations) by ``"{dataset}/h{hidden}"``."""
    marks = {}
    for key, (errors, iterations) in references.items():
        dataset, hidden = key.rsplit("/h", 1)
        marks[(dataset, int(hidden))] = (errors, iterations)
    loss = across_trials.loss_curves(tables.curves, f"{experiment}: training loss across trials")
    save_figure(loss, paths["loss"])
    spread = across_trials.spread(
        tables.trials, tables.settings, f"{experiment}: errors and iterations across trials", marks
    )
    save_figure(spread, paths["spread"])
    generalisation.draw(tables.settings, experiment, paths["generalisation"])
