"""The report's answers beyond the notebooks: held-out error of the toy nets, uncertainty of the classifiers.

The numbers come from the evaluation and classifier rules; what each section
shows is ``netlab.generalisation_sections``; here they become the contexts of
the partials ``generalisation.html.j2`` and ``uncertainty.html.j2``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from netlab.generalisation_sections import classifier_section, toy_section
from netlab.report.inputs import read_csv, read_json
from netlab.report.render import embed


def generalisation(
    inputs: Mapping[str, Any], config: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """Training vs test error per experiment: table, figure and the settings that fit the noise."""
    names = list(config["experiments"])
    tables = [read_csv(inputs[f"generalisation/{name}"]) for name in names]
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
