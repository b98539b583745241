"""The toy experiments' part of the report: tables across trials, the noisy-set checks, figures.

Numbers come from each experiment's ``trials.csv`` and ``settings.csv`` (the summary job's tables);
nothing is recomputed from weights. The figures are drawn by the plot rules and embedded as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from netlab.report.reads import read_csv
from netlab.report.render import embed
from netlab.toy import notebook
from netlab.toy.selection import TRIAL_COLUMNS
from netlab.toy.settings import Setting

SETTING_COLUMNS = [
    "dataset", "hidden", "trials", "best_trial", "best_iterations", "train_errors", "n_train",
]  # fmt: skip


def read_experiment(inputs: Mapping[str, Any], name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """An experiment's trial table and settings table (the columns the report uses, each required)."""
    trials = read_csv(inputs[f"trials/{name}"], ["dataset", "hidden", *TRIAL_COLUMNS])
    settings = read_csv(inputs[f"settings/{name}"], SETTING_COLUMNS)
    return trials.assign(experiment=name), settings.assign(experiment=name)


def summary_row(
    setting: Mapping[str, Any], trials: pd.DataFrame, hidden_layers: int
) -> dict[str, Any]:
    """Best trial and the spread of errors and iterations across trials (sd undefined for one trial)."""
    spread = {
        f"{c}_{stat}": value
        for c in ("errors", "iterations")
        for stat, value in zip(
            ("mean", "sd", "min", "max"),
            (trials[c].mean(), trials[c].std(), int(trials[c].min()), int(trials[c].max())),
            strict=True,
        )
    }
    return {
        "experiment": setting["experiment"],
        "dataset": setting["dataset"],
        "hidden_layers": hidden_layers,
        "hidden": int(setting["hidden"]),
        "points": int(setting["n_train"]),
        "trials": len(trials),
        "best_trial": int(setting["best_trial"]),
        "best_errors": int(setting["train_errors"]),
        "best_iterations": int(setting["best_iterations"]),
        **spread,
        "converged": int(trials["converged"].astype(bool).sum()),
    }


def _mean_sd(mean: float, sd: float, digits: int) -> str:
    return f"{mean:,.{digits}f}" + ("" if np.isnan(sd) else f" ± {sd:,.{digits}f}")


def display_row(r: Mapping[str, Any]) -> dict[str, Any]:
    """A summary row as a reader wants it: mean ± sd and min–max in one cell each."""
    return {
        "data set": r["dataset"],
        "H": r["hidden"],
        "points": r["points"],
        "best trial": r["best_trial"],
        "best: errors": r["best_errors"],
        "best: iterations": r["best_iterations"],
        "errors mean ± sd": _mean_sd(r["errors_mean"], r["errors_sd"], 2),
        "errors min–max": f"{r['errors_min']}–{r['errors_max']}",
        "iterations mean ± sd": _mean_sd(r["iterations_mean"], r["iterations_sd"], 0),
        "iterations min–max": f"{r['iterations_min']:,}–{r['iterations_max']:,}",
        "stopped by tol": f"{r['converged']} of {r['trials']}",
    }


def noisy_rows(summary: pd.DataFrame, config: Mapping[str, Any]) -> pd.DataFrame:
    """Best errors against the generator's own boundary, for every setting trained on a noisy set."""
    rows = []
    for s in summary.itertuples():
        truth = notebook.true_boundary_errors(config["datasets"][s.dataset])
        if truth is None:
            continue
        errors = int(s.best_errors)
        verdict = (
            "fewer errors than the true boundary: the net fits the flipped labels (noise)"
            if errors < truth
            else "as many errors as the true boundary"
            if errors == truth
            else "more errors than the true boundary: the net misses part of the true shape"
        )
        rows.append([s.experiment, s.dataset, s.hidden, truth, errors, verdict])
    columns = ["experiment", "dataset", "hidden", "true_boundary_errors", "best_errors", "verdict"]
    return pd.DataFrame(rows, columns=columns)


def notebook_rows(config: Mapping[str, Any], matches: Sequence[Any]) -> pd.DataFrame:
    """The notebooks' toy results, each saying whether this run has a setting on the same data."""
    stand_in = "no: different data (stand-in)"
    trials = notebook.ONE_HIDDEN_LAYER_TRIALS
    rows = [
        [1, dataset, hidden, trials, errors, iterations, stand_in]
        for (dataset, hidden), (errors, iterations) in notebook.ONE_HIDDEN_LAYER.items()
    ]
    compared = (
        "yes: " + ", ".join(f"{m.experiment}/{m.dataset}/H={m.hidden}" for m in matches)
        if matches
        else "no: no net with 2 hidden layers of 8 on these 800 points"
    )
    n = notebook.NOISY
    about = [n["hidden_layers"], "noisy (800 points, seed 0)", n["hidden"], n["trials"]]
    rows.append([*about, n["errors"], n["iterations"], compared])
    columns = ["hidden_layers", "dataset", "hidden", "trials", "best_errors", "best_iterations"]
    return pd.DataFrame(rows, columns=[*columns, "compared"])


def comparison(config: Mapping[str, Any], row: Mapping[str, Any]) -> dict[str, Any]:
    """One setting on the notebook's noisy set (a summary row) against the notebook's best of 50."""
    n = notebook.NOISY
    rows = [
        ["this run", row["trials"], row["best_errors"], row["best_iterations"]],
        ["notebook", n["trials"], n["errors"], n["iterations"]],
    ]
    frame = pd.DataFrame(rows, columns=["", "trials", "best: training errors", "best: iterations"])
    experiment = config["experiments"][row["experiment"]]
    differences = notebook.training_differences(experiment, n["trials"])
    setting = Setting(row["experiment"], row["dataset"], row["hidden"])
    return {"setting": setting, "table": frame, "differences": differences}


def toy(
    inputs: Mapping[str, Any], config: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """The toy experiments section's context and tables."""
    experiments, summaries, all_trials = [], [], []
    for name, e in config["experiments"].items():
        trials, settings = read_experiment(inputs, name)
        by_setting = trials.groupby(["dataset", "hidden"], sort=False)
        summary = pd.DataFrame(
            [
                summary_row(
                    s, by_setting.get_group((s["dataset"], s["hidden"])), e["hidden_layers"]
                )
                for s in settings.to_dict("records")
            ]
        )
        matches = [
            row
            for row in summary.to_dict("records")
            if notebook.notebook_best(config, Setting(name, row["dataset"], row["hidden"]))
        ]
        experiments.append(
            {
                "name": name,
                "e": e,
                "summary": pd.DataFrame([display_row(row) for row in summary.to_dict("records")]),
                "noisy": noisy_rows(summary, config),
                "comparisons": [comparison(config, row) for row in matches],
                "galleries": {
                    d: (embed(inputs[f"plot/{d}"]), embed(inputs[f"boundaries/{name}/{d}"]))
                    for d in e["datasets"]
                },
                "loss": embed(inputs[f"figure/{name}-loss.png"]),
                "spread": embed(inputs[f"figure/{name}-spread.png"]),
            }
        )
        summaries.append(summary)
        all_trials.append(trials[["experiment", "dataset", "hidden", *TRIAL_COLUMNS]])
    all_matches = [c["setting"] for x in experiments for c in x["comparisons"]]
    summary = pd.concat(summaries, ignore_index=True)
    reference = notebook_rows(config, all_matches)
    tables = {
        "toy_summary": summary,
        "toy_trials": pd.concat(all_trials, ignore_index=True),
        "toy_notebook": reference,
        "noisy_boundary": noisy_rows(summary, config),
    }
    return {"reference": reference, "experiments": experiments}, tables
