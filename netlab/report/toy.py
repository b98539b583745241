"""The toy experiments' part of the report: tables across trials, the noisy-set checks, figures.

Numbers come from each setting's ``trials.csv`` and ``best.json`` (the
best-of-trials rule's outputs) and the loss checkpoints and times from the
trial records; nothing is recomputed from weights.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from netlab import toydata
from netlab.paths import trial_number
from netlab.report import figures, notebook
from netlab.report.benchmarks import TRIAL_TIMES
from netlab.report.inputs import (
    ReportInputError,
    ReportInputs,
    SettingFiles,
    read_json,
    read_table,
    require,
)
from netlab.report.render import Heading, Part, embed
from netlab.selection import TRIAL_COLUMNS

BEST_KEYS = ["best_trial", "errors", "iterations", "trials"]
NOISY_COLUMNS = [
    "experiment",
    "dataset",
    "hidden",
    "true_boundary_errors",
    "best_errors",
    "verdict",
]


@dataclass(frozen=True)
class SettingResult:
    """What the report knows about one setting after reading its files."""

    files: SettingFiles
    trials: pd.DataFrame
    best: dict[str, Any]
    curves: dict[int, list[list[float]]]
    n_points: int

    @property
    def label(self) -> str:
        return f"{self.files.setting.dataset}, H={self.files.setting.hidden}"


def load_setting(files: SettingFiles) -> SettingResult:
    """Read a setting's table, best trial and trial records, checking that they agree.

    The trials' set-up, waiting and training seconds are taken from the records
    when the table does not carry them.
    """
    trials = read_table(files.table, "the trial table", columns=TRIAL_COLUMNS)
    best = read_json(files.best)
    require(best, BEST_KEYS, files.best)
    curves, n_points, times = {}, set(), {}
    for path in files.trials:
        record = read_json(path)
        require(record, ["checkpoints", "n_points", "errors"], path)
        curves[trial_number(path)] = record["checkpoints"]
        n_points.add(int(record["n_points"]))
        times[trial_number(path)] = {k: record[k] for k in TRIAL_TIMES if k in record}
    if sorted(curves) != sorted(trials["trial"].tolist()):
        raise ReportInputError(
            f"{files.table}: lists trials {sorted(trials['trial'].tolist())}, "
            f"but the trial records are {sorted(curves)}"
        )
    if int(best["best_trial"]) not in curves:
        raise ReportInputError(
            f"{files.best}: best_trial {best['best_trial']} is not one of the trials {sorted(curves)}"
        )
    if len(n_points) != 1:
        raise ReportInputError(
            f"{files.table}: the trial records disagree on the number of points ({sorted(n_points)})"
        )
    extra = pd.DataFrame.from_dict(times, orient="index")
    extra = extra[[c for c in extra.columns if c not in trials.columns]]
    trials = trials.join(extra, on="trial") if not extra.empty else trials
    return SettingResult(files, trials, best, curves, n_points.pop())


def all_trials(results: Sequence[SettingResult]) -> pd.DataFrame:
    """Every trial of every setting, one row each (tables/toy_trials.csv)."""
    frames = [
        r.trials.assign(**r.files.setting._asdict())[
            ["experiment", "dataset", "hidden", *r.trials.columns]
        ]
        for r in results
    ]
    return pd.concat(frames, ignore_index=True)


def summary_row(r: SettingResult, hidden_layers: int) -> dict[str, Any]:
    """Best trial and the spread of errors and iterations across trials (sd undefined for one trial)."""
    t, best = r.trials, r.best
    spread = {
        f"{c}_{stat}": value
        for c in ("errors", "iterations")
        for stat, value in zip(
            ("mean", "sd", "min", "max"),
            (t[c].mean(), t[c].std(), int(t[c].min()), int(t[c].max())),
            strict=True,
        )
    }
    s = r.files.setting
    return {
        "experiment": s.experiment,
        "dataset": s.dataset,
        "hidden_layers": hidden_layers,
        "hidden": s.hidden,
        "points": r.n_points,
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


def true_boundary_errors(spec: Mapping[str, Any]) -> int | None:
    """Training errors of the noisy set's generating rule (its flipped labels); None for other data."""
    if spec.get("generator") != "noisy":
        return None
    return toydata.noisy_flipped(**{k: spec[k] for k in ("n", "seed", "flip") if k in spec})


def noisy_rows(results: Sequence[SettingResult], config: Mapping[str, Any]) -> pd.DataFrame:
    """Best errors against the generator's own boundary, for every setting trained on a noisy set."""
    rows = []
    for r in results:
        s = r.files.setting
        truth = true_boundary_errors(config["datasets"][s.dataset])
        if truth is None:
            continue
        errors = int(r.best["errors"])
        verdict = (
            "fewer errors than the true boundary: the net fits the flipped labels (noise)"
            if errors < truth
            else "as many errors as the true boundary"
            if errors == truth
            else "more errors than the true boundary: the net misses part of the true shape"
        )
        rows.append([s.experiment, s.dataset, s.hidden, truth, errors, verdict])
    return pd.DataFrame(rows, columns=NOISY_COLUMNS)


def notebook_match(config: Mapping[str, Any], r: SettingResult) -> bool:
    """Whether a setting trains the notebook's own net on the notebook's own noisy points."""
    s = r.files.setting
    return (
        notebook.is_notebook_noisy_set(config["datasets"][s.dataset])
        and config["experiments"][s.experiment]["hidden_layers"] == notebook.NOISY["hidden_layers"]
        and s.hidden == notebook.NOISY["hidden"]
    )


def notebook_rows(config: Mapping[str, Any], results: Sequence[SettingResult]) -> pd.DataFrame:
    """The notebooks' toy results, each saying whether this run has a setting on the same data."""
    stand_in = "no: different data (stand-in)"
    trials = notebook.ONE_HIDDEN_LAYER_TRIALS
    rows = [
        [1, dataset, hidden, trials, errors, iterations, stand_in]
        for (dataset, hidden), (errors, iterations) in notebook.ONE_HIDDEN_LAYER.items()
    ]
    matches = [r.files.setting for r in results if notebook_match(config, r)]
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


def comparison(config: Mapping[str, Any], r: SettingResult) -> dict[str, Any]:
    """One setting on the notebook's noisy set against the notebook's best of 50."""
    n = notebook.NOISY
    rows = [
        ["this run", len(r.trials), int(r.best["errors"]), int(r.best["iterations"])],
        ["notebook", n["trials"], n["errors"], n["iterations"]],
    ]
    frame = pd.DataFrame(rows, columns=["", "trials", "best: training errors", "best: iterations"])
    experiment = config["experiments"][r.files.setting.experiment]
    differences = notebook.training_differences(experiment, n["trials"])
    return {"setting": r.files.setting, "table": frame, "differences": differences}


def experiment_context(
    name: str, results: Sequence[SettingResult], summary: pd.DataFrame, inputs: ReportInputs
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """One experiment's tables and figures for the partial, and its figure files."""
    config = inputs.config
    truths = [true_boundary_errors(config["datasets"][r.files.setting.dataset]) for r in results]
    matches = [notebook_match(config, r) for r in results]
    noted = (notebook.NOISY["errors"], notebook.NOISY["iterations"])
    loss = figures.loss_curves(
        [figures.LossPanel(r.label, r.curves, int(r.best["best_trial"])) for r in results],
        f"{name}: training loss of every trial",
    )
    spread = figures.spread(
        [
            figures.Spread(
                label=r.label,
                errors=r.trials["errors"].tolist(),
                iterations=r.trials["iterations"].tolist(),
                best_index=r.trials["trial"].tolist().index(int(r.best["best_trial"])),
                true_boundary_errors=truth,
                notebook=noted if match else None,
            )
            for r, truth, match in zip(results, truths, matches, strict=True)
        ],
        f"{name}: spread across trials",
    )
    made = {
        f"{name}-{k}.png": figures.png_bytes(f) for k, f in (("loss", loss), ("spread", spread))
    }
    galleries = {r.files.setting.dataset: [] for r in results}
    for r in results:
        galleries[r.files.setting.dataset].append(
            (r, embed(r.files.boundary.read_bytes(), str(r.files.boundary)))
        )
    context = {
        "name": name,
        "e": config["experiments"][name],
        "summary": pd.DataFrame([display_row(row) for row in summary.to_dict("records")]),
        "noisy": noisy_rows(results, config),
        "comparisons": [comparison(config, r) for r, m in zip(results, matches, strict=True) if m],
        "galleries": {
            d: (embed(inputs.plots[d].read_bytes(), str(inputs.plots[d])), boundaries)
            for d, boundaries in galleries.items()
        },
        "figures": {k: embed(data, k) for k, data in made.items()},
        "has_truth": any(truths),
        "has_notebook": any(matches),
    }
    return context, made


def toy_part(inputs: ReportInputs, results: Sequence[SettingResult]) -> Part:
    """The toy experiments section with its tables and figures."""
    config = inputs.config
    layers = {name: e["hidden_layers"] for name, e in config["experiments"].items()}
    summary = pd.DataFrame([summary_row(r, layers[r.files.setting.experiment]) for r in results])
    experiments, made = [], {}
    for name in config["experiments"]:
        mine = [r for r in results if r.files.setting.experiment == name]
        rows = summary[summary["experiment"] == name]
        context, figs = experiment_context(name, mine, rows, inputs)
        experiments.append(context)
        made |= figs
    reference = notebook_rows(config, results)
    heading = Heading(
        "toy",
        "Toy experiments",
        [Heading(f"toy-{name}", f"Experiment {name}") for name in config["experiments"]],
    )
    tables = {
        "toy_summary": summary,
        "toy_trials": all_trials(results),
        "toy_notebook": reference,
        "noisy_boundary": noisy_rows(results, config),
    }
    context = {"reference": reference, "experiments": experiments}
    return Part(heading, "toy.html.j2", context, tables, made)
