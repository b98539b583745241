"""The toy experiments' part of the report: tables across trials, the noisy-set checks, figures.

Numbers come from each setting's ``trials.csv`` and ``best.json`` (the
best-of-trials rule's outputs) and the loss checkpoints from the trial
records; nothing is recomputed from weights.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from netlab import toydata
from netlab.report import figures, notebook
from netlab.report.html import Html, Section, figure, gallery, notice, paragraph, table, tag
from netlab.report.inputs import ReportInputError, ReportInputs, SettingFiles, read_json, require
from netlab.report.part import Part

TABLE_COLUMNS = ["trial", "seed", "iterations", "converged", "final_loss", "errors"]
BEST_KEYS = ["best_trial", "errors", "iterations", "trials"]


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
    """Read a setting's table, best trial and trial records, checking that they agree."""
    try:
        trials = pd.read_csv(files.table)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ReportInputError(f"{files.table}: cannot read the trial table ({exc})") from None
    missing = [c for c in TABLE_COLUMNS if c not in trials.columns]
    if missing:
        raise ReportInputError(f"{files.table}: missing column(s) {', '.join(missing)}")
    best = read_json(files.best)
    require(best, BEST_KEYS, files.best)
    curves, n_points = {}, set()
    for path in files.trials:
        record = read_json(path)
        require(record, ["checkpoints", "n_points", "errors"], path)
        curves[int(path.stem.removeprefix("trial"))] = record["checkpoints"]
        n_points.add(int(record["n_points"]))
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
    return SettingResult(files, trials, best, curves, n_points.pop())


def _sd(values: pd.Series) -> float:
    """Sample standard deviation; undefined (NaN) for a single trial."""
    return float(values.std(ddof=1)) if len(values) > 1 else float("nan")


def summary_row(result: SettingResult, hidden_layers: int) -> dict[str, Any]:
    """Best trial and the spread of errors and iterations across trials, as plain numbers."""
    s, t = result.files.setting, result.trials
    return {
        "experiment": s.experiment,
        "dataset": s.dataset,
        "hidden_layers": hidden_layers,
        "hidden": s.hidden,
        "points": result.n_points,
        "trials": len(t),
        "best_trial": int(result.best["best_trial"]),
        "best_errors": int(result.best["errors"]),
        "best_iterations": int(result.best["iterations"]),
        "errors_mean": float(t["errors"].mean()),
        "errors_sd": _sd(t["errors"]),
        "errors_min": int(t["errors"].min()),
        "errors_max": int(t["errors"].max()),
        "iterations_mean": float(t["iterations"].mean()),
        "iterations_sd": _sd(t["iterations"]),
        "iterations_min": int(t["iterations"].min()),
        "iterations_max": int(t["iterations"].max()),
        "converged": int(t["converged"].astype(bool).sum()),
    }


def _mean_sd(mean: float, sd: float, digits: int) -> str:
    return f"{mean:,.{digits}f}" + ("" if np.isnan(sd) else f" ± {sd:,.{digits}f}")


def display_summary(rows: pd.DataFrame) -> pd.DataFrame:
    """The summary as a reader wants it: mean ± sd and min–max in one cell each."""
    return pd.DataFrame(
        {
            "data set": rows["dataset"],
            "H": rows["hidden"],
            "points": rows["points"],
            "best trial": rows["best_trial"],
            "best: errors": rows["best_errors"],
            "best: iterations": rows["best_iterations"],
            "errors mean ± sd": [
                _mean_sd(m, s, 2)
                for m, s in zip(rows["errors_mean"], rows["errors_sd"], strict=True)
            ],
            "errors min–max": [
                f"{a}–{b}" for a, b in zip(rows["errors_min"], rows["errors_max"], strict=True)
            ],
            "iterations mean ± sd": [
                _mean_sd(m, s, 0)
                for m, s in zip(rows["iterations_mean"], rows["iterations_sd"], strict=True)
            ],
            "iterations min–max": [
                f"{a:,}–{b:,}"
                for a, b in zip(rows["iterations_min"], rows["iterations_max"], strict=True)
            ],
            "stopped by tol": [
                f"{c} of {n}" for c, n in zip(rows["converged"], rows["trials"], strict=True)
            ],
        }
    )


def true_boundary_errors(spec: Mapping[str, Any]) -> int | None:
    """Training errors of the noisy set's generating rule (its flipped labels); None for other data."""
    if spec.get("generator") != "noisy":
        return None
    return toydata.noisy_flipped(**{k: spec[k] for k in ("n", "seed", "flip") if k in spec})


def noisy_rows(results: list[SettingResult], config: Mapping[str, Any]) -> list[dict[str, Any]]:
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
        rows.append(
            {
                "experiment": s.experiment,
                "dataset": s.dataset,
                "hidden": s.hidden,
                "true_boundary_errors": truth,
                "best_errors": errors,
                "verdict": verdict,
            }
        )
    return rows


def _notebook_match(config: Mapping[str, Any], r: SettingResult) -> bool:
    s = r.files.setting
    experiment = config["experiments"][s.experiment]
    return (
        notebook.is_notebook_noisy_set(config["datasets"][s.dataset])
        and experiment["hidden_layers"] == notebook.NOISY["hidden_layers"]
        and s.hidden == notebook.NOISY["hidden"]
    )


def notebook_rows(config: Mapping[str, Any], results: list[SettingResult]) -> list[dict[str, Any]]:
    """The notebooks' toy results, each saying whether this run has a setting on the same data."""
    stand_in = "no: different data (stand-in)"
    rows = [
        {
            "hidden_layers": 1,
            "dataset": dataset,
            "hidden": hidden,
            "trials": notebook.ONE_HIDDEN_LAYER_TRIALS,
            "best_errors": errors,
            "best_iterations": iterations,
            "compared": stand_in,
        }
        for (dataset, hidden), (errors, iterations) in notebook.ONE_HIDDEN_LAYER.items()
    ]
    matches = [r.files.setting for r in results if _notebook_match(config, r)]
    rows.append(
        {
            "hidden_layers": notebook.NOISY["hidden_layers"],
            "dataset": "noisy (800 points, seed 0)",
            "hidden": notebook.NOISY["hidden"],
            "trials": notebook.NOISY["trials"],
            "best_errors": notebook.NOISY["errors"],
            "best_iterations": notebook.NOISY["iterations"],
            "compared": "yes: "
            + ", ".join(f"{m.experiment}/{m.dataset}/H={m.hidden}" for m in matches)
            if matches
            else "no: no net with 2 hidden layers of 8 on these 800 points",
        }
    )
    return rows


def _comparison(config: Mapping[str, Any], r: SettingResult) -> Html:
    s = r.files.setting
    frame = pd.DataFrame(
        {
            "": ["this run", "notebook"],
            "trials": [len(r.trials), notebook.NOISY["trials"]],
            "best: training errors": [int(r.best["errors"]), notebook.NOISY["errors"]],
            "best: iterations": [int(r.best["iterations"]), notebook.NOISY["iterations"]],
        }
    )
    differences = notebook.training_differences(
        config["experiments"][s.experiment], notebook.NOISY["trials"]
    )
    caveat = (
        paragraph(
            "Training settings that differ from the notebook's: ", ", ".join(differences), "."
        )
        if differences
        else paragraph(
            "Same data, same net and same training settings; only the random initial weights differ."
        )
    )
    return Html(
        table(
            frame,
            id=f"notebook-{s.experiment}-{s.dataset}-h{s.hidden}",
            caption=f"{s.dataset}, H={s.hidden}: this run against the notebook (same 800 points)",
        )
        + caveat
    )


def _settings_text(name: str, e: Mapping[str, Any]) -> Html:
    max_iter = "none" if e.get("max_iter") is None else f"{e['max_iter']:,}"
    return paragraph(
        f"{e['hidden_layers']} hidden layer(s) of H ∈ {{{', '.join(str(h) for h in e['hidden_sizes'])}}} ReLU units, "
        f"sigmoid output, BCE loss, full-batch gradient descent with step {e.get('lr', 0.25)}/√t; "
        f"a trial stops when the loss fell by less than {e.get('tol', 1e-4)} over {e.get('check_every', 1000):,} "
        f"iterations (max_iter: {max_iter}). Best of {e['trials']} trials per data set and H: "
        "fewest training errors, the first such trial on ties."
    )


def experiment_section(
    name: str, results: list[SettingResult], inputs: ReportInputs, scatter: dict[str, bytes]
) -> tuple[Section, dict[str, bytes]]:
    """One experiment: settings, summary table, noisy-set checks, gallery, loss curves, spread."""
    config = inputs.config
    e = config["experiments"][name]
    summary = pd.DataFrame([summary_row(r, e["hidden_layers"]) for r in results])
    body: list[Html] = [
        _settings_text(name, e),
        table(
            display_summary(summary),
            id=f"toy-summary-{name}",
            caption=f"{name}: best trial and spread across trials, per data set and hidden size",
            numeric=(
                "errors mean ± sd",
                "errors min–max",
                "iterations mean ± sd",
                "iterations min–max",
                "stopped by tol",
            ),
        ),
    ]
    noisy = noisy_rows(results, config)
    if noisy:
        frame = pd.DataFrame(noisy)[
            ["dataset", "hidden", "true_boundary_errors", "best_errors", "verdict"]
        ]
        frame.columns = [
            "data set",
            "H",
            "errors of the generator's own boundary",
            "best net: errors",
            "reading",
        ]
        body += [
            paragraph(
                "The noisy set's labels come from a known curve, then a few labels are flipped. The curve itself "
                "therefore makes exactly as many training errors as there are flipped labels; a net with fewer "
                "errors has bent its boundary around noise."
            ),
            table(
                frame,
                id=f"noisy-check-{name}",
                caption=f"{name}: best net against the true boundary",
            ),
        ]
    for r in results:
        if _notebook_match(config, r):
            body.append(_comparison(config, r))
    figures_out: dict[str, bytes] = {}
    gallery_items = []
    for dataset in dict.fromkeys(r.files.setting.dataset for r in results):
        items = [
            figure(
                scatter[dataset],
                id=f"fig-{name}-{dataset}-data",
                alt=f"scatter plot of {dataset}",
                source=str(inputs.datasets[dataset].plot),
                caption=f"{dataset}: the training points (red circles +1, black triangles −1).",
            )
        ]
        for r in results:
            if r.files.setting.dataset != dataset:
                continue
            b = r.best
            items.append(
                figure(
                    r.files.boundary.read_bytes(),
                    id=f"fig-{name}-{dataset}-h{r.files.setting.hidden}-boundary",
                    alt=f"decision boundary, {r.label}",
                    source=str(r.files.boundary),
                    caption=f"{r.label}: decision boundary of the best of {len(r.trials)} trials "
                    f"(trial {b['best_trial']}: {b['errors']} training errors after {int(b['iterations']):,} "
                    "iterations; shaded green: predicted +1, pale grey: predicted −1).",
                )
            )
        gallery_items.append(tag("h4", f"Data set {dataset}"))
        gallery_items.append(gallery(items))
    loss_name, spread_name = f"{name}-loss.png", f"{name}-spread.png"
    figures_out[loss_name] = figures.png_bytes(
        figures.loss_curves(
            [figures.LossPanel(r.label, r.curves, int(r.best["best_trial"])) for r in results],
            f"{name}: training loss of every trial",
        )
    )
    truths = {
        r.files.setting: true_boundary_errors(config["datasets"][r.files.setting.dataset])
        for r in results
    }
    figures_out[spread_name] = figures.png_bytes(
        figures.spread(
            [
                figures.Spread(
                    label=r.label,
                    errors=r.trials["errors"].tolist(),
                    iterations=r.trials["iterations"].tolist(),
                    best_index=r.trials["trial"].tolist().index(int(r.best["best_trial"])),
                    true_boundary_errors=truths[r.files.setting],
                    notebook=(notebook.NOISY["errors"], notebook.NOISY["iterations"])
                    if _notebook_match(config, r)
                    else None,
                )
                for r in results
            ],
            f"{name}: spread across trials",
        )
    )
    body += [
        tag("h4", "Data and decision boundaries"),
        *gallery_items,
        tag("h4", "Training across trials"),
        figure(
            figures_out[loss_name],
            id=f"fig-{name}-loss",
            alt=f"loss curves of {name}",
            source=loss_name,
            caption="BCE training loss at every check (every check_every iterations) of every trial, one panel "
            "per data set and H; the best trial in red. A curve ends where the trial stopped.",
        ),
        figure(
            figures_out[spread_name],
            id=f"fig-{name}-spread",
            alt=f"errors and iterations of {name}",
            source=spread_name,
            caption="Training errors (left) and iterations at the end (right) of every trial: a box over the "
            "trials, a grey dot per trial, the best trial as a red diamond"
            + (
                "; dashed green: errors of the noisy set's own generating boundary"
                if any(truths.values())
                else ""
            )
            + (
                "; purple star: the notebook's best trial (same data)"
                if any(_notebook_match(config, r) for r in results)
                else ""
            )
            + ".",
        ),
    ]
    return Section(f"toy-{name}", f"Experiment {name}", body), figures_out


def toy_part(inputs: ReportInputs) -> Part:
    """The toy experiments section with its tables and figures."""
    results = [load_setting(f) for f in inputs.settings]
    scatter = {name: files.plot.read_bytes() for name, files in inputs.datasets.items()}
    config = inputs.config
    children, figs = [], {}
    for name in config["experiments"]:
        mine = [r for r in results if r.files.setting.experiment == name]
        section, made = experiment_section(name, mine, inputs, scatter)
        children.append(section)
        figs.update(made)
    summary = pd.DataFrame(
        [
            summary_row(r, config["experiments"][r.files.setting.experiment]["hidden_layers"])
            for r in results
        ]
    )
    trials = pd.concat(
        [
            r.trials.assign(
                experiment=r.files.setting.experiment,
                dataset=r.files.setting.dataset,
                hidden=r.files.setting.hidden,
            )
            for r in results
        ],
        ignore_index=True,
    )
    trials = trials[
        [
            "experiment",
            "dataset",
            "hidden",
            *[c for c in trials.columns if c not in ("experiment", "dataset", "hidden")],
        ]
    ]
    reference = pd.DataFrame(notebook_rows(config, results))
    noisy = pd.DataFrame(
        noisy_rows(results, config),
        columns=[
            "experiment",
            "dataset",
            "hidden",
            "true_boundary_errors",
            "best_errors",
            "verdict",
        ],
    )
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
    intro = [
        paragraph(
            "Small feed-forward nets trained on 2-D points by full-batch gradient descent, as in the notebooks: "
            "several trials from different seeded initial weights, keeping the trial with the fewest training errors."
        ),
        notice(
            "The notebooks' data1.txt … data5.txt are not available. This run's data sets of those names are "
            "seeded stand-ins of similar character (linear, two blobs, overlapping blobs, a circle, XOR), so the "
            "notebooks' numbers for them are listed for reference only and are never compared. The noisy set is the "
            "notebook's own (same generator, same seed): only there are numbers compared, and only when this run "
            "uses the notebook's 800 points."
        ),
        table(
            shown,
            id="toy-notebook",
            caption="The notebooks' printed results (not results of this run)",
        ),
    ]
    section = Section("toy", "Toy experiments", intro, children)
    tables = {
        "toy_summary": summary,
        "toy_trials": trials,
        "toy_notebook": reference,
        "noisy_boundary": noisy,
    }
    return Part(section, tables, figs)
