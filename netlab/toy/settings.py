"""The toy experiments a config asks for: every experiment x dataset x hidden size, in config order."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple


class Setting(NamedTuple):
    """One experiment x dataset x hidden size: the unit that 'best of trials' aggregates."""

    experiment: str
    dataset: str
    hidden: int


def settings(config: Mapping[str, Any]) -> Iterator[Setting]:
    """Every experiment x dataset x hidden size, in config order."""
    for name, experiment in config["experiments"].items():
        for dataset in experiment["datasets"]:
            for hidden in experiment["hidden_sizes"]:
                yield Setting(name, dataset, int(hidden))


def used_datasets(config: Mapping[str, Any]) -> list[str]:
    """Data sets some experiment trains on, in config order."""
    used = {d for e in config["experiments"].values() for d in e["datasets"]}
    return [name for name in config["datasets"] if name in used]
