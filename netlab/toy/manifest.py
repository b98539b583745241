"""What a trial job made: its trials' records and weights, listed in one small file, the job's first output.

The summary and boundary jobs read the trials through these lists. Their inputs are then a few files per
experiment instead of two per trial, which is what keeps the plan of a 20,000-trial sweep to seconds:
Snakemake matches each input against every output of the rule that may make it. A job writes its list
last, after every trial, so a list that exists names files that do.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from netlab import atomic


def write(path: str | Path, records: Sequence[str | Path], weights: Sequence[str | Path]) -> None:
    """List a job's records and weights (as given: paths relative to the workflow's directory)."""
    atomic.write_json(
        path, {"records": list(map(str, records)), "weights": list(map(str, weights))}
    )


def read(paths: Sequence[str | Path]) -> tuple[list[str], list[str]]:
    """Every record and every weights file the lists at ``paths`` name, in order."""
    records: list[str] = []
    weights: list[str] = []
    for path in paths:
        try:
            listed = json.loads(Path(path).read_text(encoding="utf-8"))
            records += listed["records"]
            weights += listed["weights"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}: not a trial job's list of files ({exc})") from None
    return records, weights
