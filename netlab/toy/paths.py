"""Where the workflow puts the toy experiments' results, defined once for the rules and the report.

``setting_file("trials.csv")`` is the rules' wildcard pattern
(``results/mlp/{experiment}/{dataset}/h{hidden}/trials.csv``); given the
fields it is one setting's file. ``trial_number`` reads a trial file's name
back, the only place that knows how trials are named.
"""

from __future__ import annotations

import re
from pathlib import Path

SETTING_DIR = "results/mlp/{experiment}/{dataset}/h{hidden}"
EVALUATION_DIR = "results/evaluate/{experiment}/{dataset}/h{hidden}"
TRIAL_NAME = re.compile(r"trial(\d+)")


class _Wildcards(dict):
    """Fields not given stay as ``{name}``: a partly filled pattern is still a Snakemake pattern."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def setting_file(name: str, **fields: object) -> str:
    """``results/mlp/{experiment}/{dataset}/h{hidden}/name``, with the given fields filled in."""
    return f"{SETTING_DIR}/{name}".format_map(_Wildcards(fields))


def evaluation_file(name: str, **fields: object) -> str:
    """``results/evaluate/{experiment}/{dataset}/h{hidden}/name``: a setting's held-out evaluation."""
    return f"{EVALUATION_DIR}/{name}".format_map(_Wildcards(fields))


def trial_file(ext: str, trial: object = "{trial}", **fields: object) -> str:
    """One trial's record (``json``) or weights (``npz``) of a setting."""
    return setting_file(f"trial{trial}.{ext}", **fields)


def trial_files(ext: str, trials: int, **fields: object) -> list[str]:
    """Every trial's record or weights of a setting run with ``trials`` trials: trial1 .. trialN."""
    return [trial_file(ext, t, **fields) for t in range(1, trials + 1)]


def trial_number(path: str | Path) -> int:
    """``.../trial7.json`` -> 7; a file not named ``trialN.*`` is refused by name."""
    match = TRIAL_NAME.fullmatch(Path(path).stem)
    if match is None:
        raise ValueError(f"{path}: not a trial file (expected a name like trial7.json)")
    return int(match.group(1))


def generalisation_file(experiment: object = "{experiment}", ext: str = "csv") -> str:
    """An experiment's training-vs-test table (``csv``) or figure (``png``), written by the evaluation rules."""
    return f"results/evaluate/{experiment}/generalisation.{ext}"
