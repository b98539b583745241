"""Where the workflow puts the toy experiments' results, defined once for the rules, the report and the tests.

Each function gives a Snakemake pattern when called without fields (``data_file()`` is
``results/data/{dataset}.txt``) and one file when given them (``data_file("data1")``).
Per trial: a record and weights under its setting's folder. Per experiment: the tables the summary
job writes (``trials.csv``, ``settings.csv``, ``curves.csv``) and the figures drawn from them.
``trial_number`` and ``trial_place`` read a trial file's name back, the only place that knows it.
"""

from __future__ import annotations

import re
from pathlib import Path

EXPERIMENT_DIR = "results/mlp/{experiment}"
SETTING_DIR = EXPERIMENT_DIR + "/{dataset}/h{hidden}"
TRIAL_NAME = re.compile(r"trial(\d+)")
TRIAL_PATH = re.compile(
    r"(?:.*/)?results/mlp/(?P<experiment>[^/]+)/(?P<dataset>[^/]+)/h(?P<hidden>\d+)/trial(?P<trial>\d+)\.\w+"
)
#: The trial rules' names start with this: ``train_trial_<experiment>_<dataset>`` (one job per trial)
#: or ``train_trials_<experiment>_<dataset>_<k>``.
TRIAL_RULE = "train_trial"
#: The tables of an experiment's summary job, by what they hold.
SUMMARY_TABLES = ("trials", "settings", "curves")


class _Wildcards(dict):
    """Fields not given stay as ``{name}``: a partly filled pattern is still a Snakemake pattern."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(pattern: str, fields: dict[str, object]) -> str:
    return pattern.format_map(_Wildcards(fields))


def data_file(dataset: object = "{dataset}", kind: str = "txt") -> str:
    """A toy data set (``txt``), its held-out test set (``test.txt``) or its plot (``png``)."""
    return f"results/data/{dataset}.{kind}"


def experiment_file(name: str, experiment: object = "{experiment}") -> str:
    """``results/mlp/{experiment}/name``: a table or figure of a whole experiment."""
    return _fill(f"{EXPERIMENT_DIR}/{name}", {"experiment": experiment})


def summary_table(what: str, experiment: object = "{experiment}") -> str:
    """One of the summary job's tables (``SUMMARY_TABLES``) of an experiment."""
    if what not in SUMMARY_TABLES:
        raise ValueError(f"no summary table {what!r} (tables: {', '.join(SUMMARY_TABLES)})")
    return experiment_file(f"{what}.csv", experiment)


def boundaries_file(experiment: object = "{experiment}", dataset: object = "{dataset}") -> str:
    """The figure of one data set's decision boundaries in an experiment, one panel per H."""
    return _fill(
        f"{EXPERIMENT_DIR}/{{dataset}}/boundaries.png",
        {"experiment": experiment, "dataset": dataset},
    )


def job_list(experiment: object, dataset: object, job: str) -> str:
    """The list of files a trial job made (``netlab.toy.manifest``), named by the trials it trains."""
    return _fill(
        f"{EXPERIMENT_DIR}/{{dataset}}/jobs/{job}.json",
        {"experiment": experiment, "dataset": dataset},
    )


def trial_file(ext: str, trial: object = "{trial}", **fields: object) -> str:
    """One trial's record (``json``) or weights (``npz``) of a setting."""
    return _fill(f"{SETTING_DIR}/trial{trial}.{ext}", fields)


def trial_files(ext: str, trials: int, **fields: object) -> list[str]:
    """Every trial's record or weights of a setting run with ``trials`` trials: trial1 .. trialN."""
    return [trial_file(ext, t, **fields) for t in range(1, trials + 1)]


def trial_number(path: str | Path) -> int:
    """``.../trial7.json`` -> 7; a file not named ``trialN.*`` is refused by name."""
    match = TRIAL_NAME.fullmatch(Path(path).stem)
    if match is None:
        raise ValueError(f"{path}: not a trial file (expected a name like trial7.json)")
    return int(match.group(1))


def trial_place(path: str | Path) -> tuple[str, str, int, int]:
    """``results/mlp/E/D/hH/trialN.json`` -> (E, D, H, N); any other path is refused by name."""
    match = TRIAL_PATH.fullmatch(Path(path).as_posix())
    if match is None:
        raise ValueError(f"{path}: not a trial file (expected results/mlp/E/D/hH/trialN.json)")
    g = match.groupdict()
    return g["experiment"], g["dataset"], int(g["hidden"]), int(g["trial"])
