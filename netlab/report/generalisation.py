"""The report's answers beyond the notebooks: held-out error of the toy nets, uncertainty of the classifiers.

The numbers come from the evaluation and classifier rules. What each section
shows is plain data, one pure function per section (``toy_section``,
``classifier_section``); ``generalisation`` and ``uncertainty`` make them the
contexts of the partials ``generalisation.html.j2`` and ``uncertainty.html.j2``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from netlab.report.reads import read_csv, read_json
from netlab.report.render import embed
from netlab.toy.datasets import has_test_set

TOY_COLUMNS = [
    "experiment",
    "dataset",
    "hidden",
    "best_trial",
    "train_errors",
    "train_floor",
    "test_errors",
    "test_floor",
    "test_errors_min",
    "test_errors_max",
    "trials_fitting_noise",
    "trials",
    "reading",
]


def toy_reading(row: Mapping[str, Any]) -> str:
    """One phrase per setting: learned the curve, fits the noise, or cannot tell."""
    if pd.isna(row["test_errors"]):
        return "no test set"
    if pd.isna(row["test_floor"]):
        return f"{row['test_errors']} test errors (no known boundary to compare with)"
    excess = int(row["test_errors"]) - int(row["test_floor"])
    if pd.notna(row["fits_noise"]) and bool(row["fits_noise"]):
        return (
            f"fits the noise: {row['train_errors']} training errors, below the true boundary's "
            f"{row['train_floor']}, but {excess} test errors more than it"
        )
    return f"{excess:+d} test errors against the true boundary"


def toy_section(
    tables: Sequence[pd.DataFrame], datasets: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """The generalisation tables of all experiments as one table, the data sets without a test set,
    and the settings whose best trial fits the noise."""
    table = pd.concat(list(tables), ignore_index=True) if tables else pd.DataFrame()
    if table.empty:
        return {"table": pd.DataFrame(columns=TOY_COLUMNS), "no_test_set": [], "fitting_noise": []}
    table = table.assign(reading=[toy_reading(row) for _, row in table.iterrows()])
    used = list(dict.fromkeys(table["dataset"]))
    fitting = table[table["fits_noise"].fillna(False).astype(bool)]
    return {
        "table": table[TOY_COLUMNS],
        "no_test_set": [name for name in used if not has_test_set(datasets[name])],
        "fitting_noise": [
            f"{r.experiment}, {r.dataset}, H = {r.hidden}" for r in fitting.itertuples()
        ],
    }


def classifier_section(metrics: Mapping[str, Any], tuned: Mapping[str, Any]) -> dict[str, Any]:
    """Accuracies with their intervals, the McNemar tests with their readings, and the CV-chosen rows."""
    intervals = pd.DataFrame(
        [
            {
                "model": m["name"],
                "accuracy": m["accuracy"],
                "correct": m["correct"],
                "n_val": m["n_val"],
                "ci95_low": m["ci95"]["low"],
                "ci95_high": m["ci95"]["high"],
            }
            for m in metrics["models"]
        ]
    )
    mcnemar = pd.DataFrame(
        [
            {k: t[k] for k in ("model_a", "model_b", "only_a_correct", "only_b_correct", "p_value")}
            for t in metrics["mcnemar"]
        ]
    )
    cv = pd.DataFrame(
        [
            {
                "model": f"{r['model']} ({r['parameter']} = {r['chosen']}, by {r['folds']}-fold CV)",
                "cv_accuracy": r["cv_accuracy"],
                "val_accuracy": r["val_accuracy"],
                "ci95_low": r["ci95"]["low"],
                "ci95_high": r["ci95"]["high"],
            }
            for r in tuned["rows"]
        ]
    )
    methods = {m["ci95"]["method"] for m in metrics["models"]}
    return {
        "interval_method": ", ".join(sorted(methods)),
        "intervals": intervals,
        "mcnemar": mcnemar,
        "readings": [t["reading"] for t in metrics["mcnemar"]],
        "cv": cv,
        "cv_seed": tuned["seed"],
    }


def generalisation(
    inputs: Mapping[str, Any], config: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """Training vs test error per experiment: table, figure and the settings that fit the noise."""
    names = list(config["experiments"])
    tables = [read_csv(inputs[f"settings/{name}"]) for name in names]
    section = toy_section(tables, config["datasets"])
    experiments = [
        {
            "name": name,
            "hidden_layers": config["experiments"][name]["hidden_layers"],
            "table": section["table"].loc[section["table"]["experiment"] == name],
            "figure": embed(inputs[f"figure/{name}-generalisation.png"]),
        }
        for name in names
    ]
    context = {k: section[k] for k in ("no_test_set", "fitting_noise")}
    return context | {"experiments": experiments}, {"generalisation": section["table"]}


def uncertainty(
    inputs: Mapping[str, Any], config: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """Each accuracy's interval, the McNemar tests and the C and k chosen on the training split alone."""
    tuned = read_json(inputs["tuned"], "rows", "seed", "folds", "grids")
    section = classifier_section(read_json(inputs["metrics"], "models", "mcnemar"), tuned)
    context = {**section, "folds": tuned["folds"], "grids": tuned["grids"]}
    tables = {
        "classifier_intervals": section["intervals"],
        "classifier_mcnemar": section["mcnemar"],
        "classifier_cv": section["cv"],
    }
    return context, tables
