"""The toy experiments' part of the report: tables across trials, the noisy-set checks, figures.

Numbers come from each setting's ``trials.csv`` and ``best.json`` (the
best-of-trials rule's outputs); nothing is recomputed from weights. The
figures are drawn by the plot rules and embedded as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from netlab.report.inputs import read_csv, read_json, setting_name
from netlab.report.render import embed
from netlab.toy import notebook
from netlab.toy.selection import TRIAL_COLUMNS
from netlab.toy.settings import settings


def read_setting(inputs: Mapping[str, Any], s: Any) -> dict[str, Any]:
    """One setting's trial table, best trial, number of training points and boundary figure."""
    best = read_json(inputs[setting_name(s, "best")], "best_trial", "errors", "iterations")
    first_trial = inputs[setting_name(s, "trials")][0]
    return {
        "setting": s,
        "label": f"{s.dataset}, H={s.hidden}",
        "trials": read_csv(inputs[setting_name(s, "table")], TRIAL_COLUMNS),
        "best": best,
        "points": read_json(first_trial, "n_points")["n_points"],
        "boundary": embed(inputs[setting_name(s, "boundary")]),
    }


def all_trials(results: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Every trial of every setting, one row each (tables/toy_trials.csv)."""
    frames = [
        r["trials"].assign(**r["setting"]._asdict())[
            ["experiment", "dataset", "hidden", *TRIAL_COLUMNS]
        ]
        for r in results
    ]
    return pd.concat(frames, ignore_index=True)


def summary_row(r: Mapping[str, Any], hidden_layers: int) -> dict[str, Any]:
    """Best trial and the spread of errors and iterations across trials (sd undefined for one trial)."""
    t, best, s = r["trials"], r["best"], r["setting"]
    spread = {
        f"{c}_{stat}": value
        for c in ("errors", "iterations")
        for stat, value in zip(
            ("mean", "sd", "min", "max"),
            (t[c].mean(), t[c].std(), int(t[c].min()), int(t[c].max())),
            strict=True,
        )
    }
    return {
        "experiment": s.experiment,
        "dataset": s.dataset,
        "hidden_layers": hidden_layers,
        "hidden": s.hidden,
        "points": r["points"],
        "trials": len(t),
        "best_trial": int(best["best_trial"]),
        "best_errors": int(best["errors"]),
        "best_iterations": int(best["iterations"]),
        **spread,
        "converged": int(t["converged"].astype(bool).sum()),
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


def noisy_rows(results: Sequence[Mapping[str, Any]], config: Mapping[str, Any]) -> pd.DataFrame:
    """Best errors against the generator's own boundary, for every setting trained on a noisy set."""
    rows = []
    for r in results:
        s = r["setting"]
        truth = notebook.true_boundary_errors(config["datasets"][s.dataset])
        if truth is None:
            continue
        errors = int(r["best"]["errors"])
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


def comparison(config: Mapping[str, Any], r: Mapping[str, Any]) -> dict[str, Any]:
    """One setting on the notebook's noisy set against the notebook's best of 50."""
    n = notebook.NOISY
    best = r["best"]
    rows = [
        ["this run", len(r["trials"]), int(best["errors"]), int(best["iterations"])],
        ["notebook", n["trials"], n["errors"], n["iterations"]],
    ]
    frame = pd.DataFrame(rows, columns=["", "trials", "best: training errors", "best: iterations"])
    experiment = config["experiments"][r["setting"].experiment]
    differences = notebook.training_differences(experiment, n["trials"])
    return {"setting": r["setting"], "table": frame, "differences": differences}


def toy(
    inputs: Mapping[str, Any], config: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """The toy experiments section's context and tables."""
    results = [read_setting(inputs, s) for s in settings(config)]
    summary = pd.DataFrame(
        [
            summary_row(r, config["experiments"][r["setting"].experiment]["hidden_layers"])
            for r in results
        ]
    )
    matches = [r["setting"] for r in results if notebook.notebook_best(config, r["setting"])]
    experiments = []
    for name, e in config["experiments"].items():
        mine = [r for r in results if r["setting"].experiment == name]
        rows = summary[summary["experiment"] == name].to_dict("records")
        galleries = {
            d: (embed(inputs[f"plot/{d}"]), [r for r in mine if r["setting"].dataset == d])
            for d in e["datasets"]
        }
        experiments.append(
            {
                "name": name,
                "e": e,
                "summary": pd.DataFrame([display_row(row) for row in rows]),
                "noisy": noisy_rows(mine, config),
                "comparisons": [comparison(config, r) for r in mine if r["setting"] in matches],
                "galleries": galleries,
                "loss": embed(inputs[f"figure/{name}-loss.png"]),
                "spread": embed(inputs[f"figure/{name}-spread.png"]),
            }
        )
    reference = notebook_rows(config, matches)
    tables = {
        "toy_summary": summary,
        "toy_trials": all_trials(results),
        "toy_notebook": reference,
        "noisy_boundary": noisy_rows(results, config),
    }
    return {"reference": reference, "experiments": experiments}, tables
