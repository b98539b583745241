"""The report's answers beyond the notebooks: held-out error of the toy nets, uncertainty of the classifiers.

The numbers come from the evaluation and classifier rules; what each section
shows is ``netlab.generalisation_sections``; here they become parts of the
page (partials ``generalisation.html.j2`` and ``uncertainty.html.j2``).
"""

from __future__ import annotations

from netlab.evaluation import TABLE_COLUMNS
from netlab.generalisation_sections import classifier_section, toy_section
from netlab.report.inputs import ReportInputs, read_json, read_table, require
from netlab.report.render import Heading, Part, embed

# Column headings on the page; the CSV keeps the evaluation's names.
SHOWN = {
    "dataset": "data set",
    "hidden": "H",
    "best_trial": "best trial",
    "train_errors": "training errors",
    "train_floor": "floor (training)",
    "test_errors": "test errors",
    "test_floor": "floor (test)",
    "test_errors_min": "test errors: min over trials",
    "test_errors_max": "test errors: max over trials",
    "trials_fitting_noise": "trials fitting the noise",
}


def generalisation_part(inputs: ReportInputs) -> Part:
    """Training vs test error per experiment: table, figure and the settings that fit the noise."""
    config = inputs.config
    tables = {
        name: read_table(path, "the generalisation table", TABLE_COLUMNS)
        for name, path in inputs.generalisation.items()
    }
    section = toy_section(list(tables.values()), config["datasets"])
    figures = {
        f"{name}-generalisation.png": path.read_bytes()
        for name, path in inputs.generalisation_figures.items()
    }
    experiments = [
        {
            "name": name,
            "hidden_layers": config["experiments"][name]["hidden_layers"],
            "table": section["table"]
            .loc[section["table"]["experiment"] == name]
            .drop(columns="experiment")
            .rename(columns=SHOWN),
            "figure": embed(figures[f"{name}-generalisation.png"], str(path)),
        }
        for name, path in inputs.generalisation_figures.items()
    ]
    context = {
        "experiments": experiments,
        "no_test_set": section["no_test_set"],
        "fitting_noise": section["fitting_noise"],
    }
    heading = Heading("generalisation", "Toy nets on held-out data")
    return Part(
        heading, "generalisation.html.j2", context, {"generalisation": section["table"]}, figures
    )


def uncertainty_part(inputs: ReportInputs) -> Part:
    """Each accuracy's interval, the McNemar tests and the C and k chosen on the training split alone."""
    metrics = read_json(inputs.metrics)
    require(metrics, ["models", "mcnemar"], inputs.metrics)
    tuned = read_json(inputs.tuned)
    require(tuned, ["rows", "seed", "folds", "grids"], inputs.tuned)
    section = classifier_section(metrics, tuned)
    shown = {"n_val": "images", "ci95_low": "95% interval: low", "ci95_high": "95% interval: high"}
    context = {
        **section,
        "intervals": section["intervals"].rename(columns=shown),
        "cv": section["cv"].rename(columns=shown),
        "folds": tuned["folds"],
        "grids": tuned["grids"],
    }
    tables = {
        "classifier_intervals": section["intervals"],
        "classifier_mcnemar": section["mcnemar"],
        "classifier_cv": section["cv"],
    }
    heading = Heading("uncertainty", "Ants vs bees: uncertainty and model selection")
    return Part(heading, "uncertainty.html.j2", context, tables)
