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
NOISY_HEADERS = {
    "dataset": "data set",
    "hidden": "H",
    "true_boundary_errors": "errors of the generator's own boundary",
    "best_errors": "best net: errors",
    "verdict": "reading",
}


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


def _sd(values: pd.Series) -> float:
    """Sample standard deviation; undefined (NaN) for a single trial."""
    return float(values.std(ddof=1)) if len(values) > 1 else float("nan")


def summary_row(result: SettingResult, hidden_layers: int) -> dict[str, Any]:
    """Best trial and the spread of errors and iterations across trials, as plain numbers."""
    s, t, best = result.files.setting, result.trials, result.best
    return {
        "experiment": s.experiment,
        "dataset": s.dataset,
        "hidden_layers": hidden_layers,
        "hidden": s.hidden,
        "points": result.n_points,
        "trials": len(t),
        "best_trial": int(best["best_trial"]),
        "best_errors": int(best["errors"]),
        "best_iterations": int(best["iterations"]),
        **{
            f"{what}_{stat}": value
            for what in ("errors", "iterations")
            for stat, value in (
                ("mean", float(t[what].mean())),
                ("sd", _sd(t[what])),
                ("min", int(t[what].min())),
                ("max", int(t[what].max())),
            )
        },
        "converged": int(t["converged"].astype(bool).sum()),
    }


def _mean_sd(mean: float, sd: float, digits: int) -> str:
    return f"{mean:,.{digits}f}" + ("" if np.isnan(sd) else f" ± {sd:,.{digits}f}")


def display_summary(rows: pd.DataFrame) -> pd.DataFrame:
    """The summary as a reader wants it: mean ± sd and min–max in one cell each."""
    r = rows.to_dict("list")
    return pd.DataFrame(
        {
            "data set": r["dataset"],
            "H": r["hidden"],
            "points": r["points"],
            "best trial": r["best_trial"],
            "best: errors": r["best_errors"],
            "best: iterations": r["best_iterations"],
            "errors mean ± sd": map(_mean_sd, r["errors_mean"], r["errors_sd"], [2] * len(rows)),
            "errors min–max": [
                f"{a}–{b}" for a, b in zip(r["errors_min"], r["errors_max"], strict=True)
            ],
            "iterations mean ± sd": map(
                _mean_sd, r["iterations_mean"], r["iterations_sd"], [0] * len(rows)
            ),
            "iterations min–max": [
                f"{a:,}–{b:,}"
                for a, b in zip(r["iterations_min"], r["iterations_max"], strict=True)
            ],
            "stopped by tol": [
                f"{c} of {n}" for c, n in zip(r["converged"], r["trials"], strict=True)
            ],
        }
    )


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
    noisy = "noisy (800 points, seed 0)"
    rows.append(
        [
            n["hidden_layers"],
            noisy,
            n["hidden"],
            n["trials"],
            n["errors"],
            n["iterations"],
            compared,
        ]
    )
    columns = ["hidden_layers", "dataset", "hidden", "trials", "best_errors", "best_iterations"]
    return pd.DataFrame(rows, columns=[*columns, "compared"])


def comparison(config: Mapping[str, Any], r: SettingResult) -> dict[str, Any]:
    """One setting on the notebook's noisy set against the notebook's best of 50."""
    n = notebook.NOISY
    frame = pd.DataFrame(
        {
            "": ["this run", "notebook"],
            "trials": [len(r.trials), n["trials"]],
            "best: training errors": [int(r.best["errors"]), n["errors"]],
            "best: iterations": [int(r.best["iterations"]), n["iterations"]],
        }
    )
    experiment = config["experiments"][r.files.setting.experiment]
    differences = notebook.training_differences(experiment, n["trials"])
    return {"setting": r.files.setting, "table": frame, "differences": differences}


def experiment_context(
    name: str, results: Sequence[SettingResult], inputs: ReportInputs
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """One experiment's tables and figures for the partial, and its figure files."""
    config = inputs.config
    e = config["experiments"][name]
    truths = [true_boundary_errors(config["datasets"][r.files.setting.dataset]) for r in results]
    matches = [notebook_match(config, r) for r in results]
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
                notebook=(notebook.NOISY["errors"], notebook.NOISY["iterations"])
                if match
                else None,
            )
            for r, truth, match in zip(results, truths, matches, strict=True)
        ],
        f"{name}: spread across trials",
    )
    made = {
        f"{name}-loss.png": figures.png_bytes(loss),
        f"{name}-spread.png": figures.png_bytes(spread),
    }
    datasets = dict.fromkeys(r.files.setting.dataset for r in results)
    context = {
        "name": name,
        "e": e,
        "summary": display_summary(
            pd.DataFrame([summary_row(r, e["hidden_layers"]) for r in results])
        ),
        "noisy": noisy_rows(results, config)[list(NOISY_HEADERS)].rename(columns=NOISY_HEADERS),
        "comparisons": [comparison(config, r) for r, m in zip(results, matches, strict=True) if m],
        "galleries": [
            {
                "dataset": d,
                "scatter": embed(inputs.plots[d].read_bytes(), str(inputs.plots[d])),
                "boundaries": [
                    (r, embed(r.files.boundary.read_bytes(), str(r.files.boundary)))
                    for r in results
                    if r.files.setting.dataset == d
                ],
            }
            for d in datasets
        ],
        "loss": embed(made[f"{name}-loss.png"], f"{name}-loss.png"),
        "spread": embed(made[f"{name}-spread.png"], f"{name}-spread.png"),
        "has_truth": any(truths),
        "has_notebook": any(matches),
    }
    return context, made


def toy_part(inputs: ReportInputs, results: Sequence[SettingResult]) -> Part:
    """The toy experiments section with its tables and figures."""
    config = inputs.config
    experiments, made = [], {}
    for name in config["experiments"]:
        mine = [r for r in results if r.files.setting.experiment == name]
        context, figs = experiment_context(name, mine, inputs)
        experiments.append(context)
        made |= figs
    reference = notebook_rows(config, results)
    summary = pd.DataFrame(
        [
            summary_row(r, config["experiments"][r.files.setting.experiment]["hidden_layers"])
            for r in results
        ]
    )
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
    shown = reference.rename(
        columns={
            "hidden_layers": "hidden layers",
            "dataset": "notebook data set",
            "hidden": "H",
            "best_errors": "best: errors",
            "best_iterations": "best: iterations",
            "compared": "compared with this run?",
        }
    )
    context = {"reference": shown, "experiments": experiments}
    return Part(heading, "toy.html.j2", context, tables, made)
