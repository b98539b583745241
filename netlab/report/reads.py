"""The files the report reads, under names that say what each is, and reading them with errors that name the file.

``named_inputs`` is the rule's input (``unpack``): one name per file or list
of files, e.g. ``settings/one_hidden_layer``; the report looks the same
names up again, so no list is ever paired with settings by position.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from netlab.toy import paths
from netlab.toy.settings import used_datasets

SPLITS = ("train", "val")


class ReportInputError(ValueError):
    """An input of the report is missing or malformed."""


def toy_inputs(
    config: Mapping[str, Any], experiments: Sequence[str] | None = None
) -> dict[str, str | list[str]]:
    """The toy part's files the report reads, by name (of ``experiments``, or all): each data set and its
    plot, and per experiment its summary tables, figures and each data set's boundaries."""
    chosen = list(config["experiments"]) if experiments is None else list(experiments)
    named: dict[str, str | list[str]] = {}
    used = {d for name in chosen for d in config["experiments"][name]["datasets"]}
    for name in used_datasets(config):
        if name in used:
            named[f"data/{name}"] = paths.data_file(name)
            named[f"plot/{name}"] = paths.data_file(name, "png")
    for name in chosen:
        for table in ("trials", "settings"):
            named[f"{table}/{name}"] = paths.summary_table(table, name)
        for kind in ("loss", "spread", "generalisation"):
            named[f"figure/{name}-{kind}.png"] = paths.experiment_file(f"{kind}.png", name)
        for dataset in config["experiments"][name]["datasets"]:
            named[f"boundaries/{name}/{dataset}"] = paths.boundaries_file(name, dataset)
    return named


def handbuilt_inputs() -> dict[str, str]:
    """The hand-built networks' files the report reads, by name."""
    return {
        "handbuilt_table": "results/handbuilt/handbuilt.csv",
        "handbuilt_summary": "results/handbuilt/handbuilt.json",
    }


def image_inputs(image_root: str, downloads: Sequence[str]) -> dict[str, str | list[str]]:
    """The image part's files the report reads, by name: downloads, images, features, classifiers."""
    named: dict[str, str | list[str]] = {"downloads": list(downloads), "images": image_root}
    for split in SPLITS:
        named[f"features/{split}"] = f"results/features/{split}.parquet"
        named[f"features_meta/{split}"] = f"results/features/{split}.json"
    return named | {
        "metrics": "results/classify/metrics.json",
        "metrics_table": "results/classify/metrics.csv",
        "tuned": "results/classify/cv.json",
        "figure/image-samples.png": "results/classify/samples.png",
        "image_samples": "results/classify/samples.csv",
        "figure/confusion.png": "results/classify/confusion.png",
    }


def named_inputs(
    config: Mapping[str, Any], image_root: str, downloads: Sequence[str]
) -> dict[str, str | list[str]]:
    """Every file the report reads, by name (the rule's ``input: unpack(...)``), in the workflow's order
    (the time-per-stage table lists the stages in this order). ``figure/{name}`` is a figure of the page,
    drawn by its own rule. The part targets (``toy``, ``images``) are these, part by part."""
    return toy_inputs(config) | handbuilt_inputs() | image_inputs(image_root, downloads)


@contextmanager
def reading(path: Any) -> Iterator[None]:
    """Any error in reading ``path`` or taking what the report needs from it names the file."""
    try:
        yield
    except KeyError as exc:
        raise ReportInputError(f"{path}: missing {exc}") from None
    except (OSError, ValueError) as exc:  # JSON, CSV and decoding errors are ValueErrors
        raise ReportInputError(f"{path}: {exc}") from None


def read_json(path: Any, *required: str) -> Any:
    """A JSON input that must hold the keys ``required`` (what the report takes from it)."""
    with reading(path):
        record = json.loads(Path(path).read_text(encoding="utf-8"))
        missing = [key for key in required if key not in record]
        if missing:
            raise KeyError(", ".join(missing))
        return record


def read_csv(path: Any, columns: Sequence[str] | None = None, **options: Any) -> pd.DataFrame:
    """A CSV (or TSV: ``sep="\\t"``) input; with ``columns``, only those (each one required)."""
    with reading(path):
        frame = pd.read_csv(path, **options)
        if columns is None:
            return frame
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise KeyError(", ".join(missing))
        return frame[list(columns)]
