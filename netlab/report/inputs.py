"""The files the report reads, under names that say what each is, and reading them with errors that name the file.

``named_inputs`` is the rule's input (``unpack``): one name per file or list
of files, e.g. ``one_hidden_layer/data1/h4/best``. ``read_inputs`` looks the
same names up again, so no list is ever paired with settings by position.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from netlab import paths
from netlab.config import Setting, settings, used_datasets

SPLITS = ("train", "val")


class ReportInputError(ValueError):
    """An input of the report is missing, malformed or does not match the config."""


@dataclass(frozen=True)
class SettingFiles:
    """One experiment x dataset x hidden size: its trial table, best trial, boundary figure and trial records."""

    setting: Setting
    table: Path
    best: Path
    boundary: Path
    trials: tuple[Path, ...]


@dataclass(frozen=True)
class ReportInputs:
    """Everything the report shows, by meaning."""

    config: Mapping[str, Any]
    data: dict[str, Path]
    plots: dict[str, Path]
    settings: list[SettingFiles]
    handbuilt_table: Path
    handbuilt_summary: Path
    features: dict[str, Path]
    features_meta: dict[str, Path]
    metrics: Path
    metrics_table: Path
    tuned: Path
    generalisation: dict[str, Path]
    generalisation_figures: dict[str, Path]
    image_root: Path
    downloads: tuple[Path, ...]
    benchmarks: tuple[tuple[str, Path], ...]
    snakemake_version: str


def setting_name(s: Setting, what: str) -> str:
    return f"{s.experiment}/{s.dataset}/h{s.hidden}/{what}"


def named_inputs(
    config: Mapping[str, Any], image_root: str, downloads: Sequence[str]
) -> dict[str, str | list[str]]:
    """Every file the report reads, by name (the rule's ``input: unpack(...)``), in the workflow's order
    (the time-per-stage table lists the stages in this order)."""
    named: dict[str, str | list[str]] = {}
    for name in used_datasets(config):
        named[f"data/{name}"] = f"results/data/{name}.txt"
        named[f"plot/{name}"] = f"results/data/{name}.png"
    for s in settings(config):
        named[setting_name(s, "trials")] = [
            paths.trial_file("json", t, **s._asdict())
            for t in range(1, config["experiments"][s.experiment]["trials"] + 1)
        ]
    for s in settings(config):
        for what, name in (
            ("table", "trials.csv"),
            ("best", "best.json"),
            ("boundary", "boundary.png"),
        ):
            named[setting_name(s, what)] = paths.setting_file(name, **s._asdict())
    for name in config["experiments"]:
        named[f"generalisation/{name}"] = paths.generalisation_file(name, "csv")
        named[f"generalisation_figure/{name}"] = paths.generalisation_file(name, "png")
    named |= {
        "handbuilt_table": "results/handbuilt/handbuilt.csv",
        "handbuilt_summary": "results/handbuilt/handbuilt.json",
        "downloads": list(downloads),
        "images": image_root,
    }
    for split in SPLITS:
        named[f"features/{split}"] = f"results/features/{split}.parquet"
        named[f"features_meta/{split}"] = f"results/features/{split}.json"
    return named | {
        "metrics": "results/classify/metrics.json",
        "metrics_table": "results/classify/metrics.csv",
        "tuned": "results/classify/cv.json",
    }


def read_inputs(
    named: Mapping[str, Any],
    config: Mapping[str, Any],
    benchmarks: Sequence[Sequence[str]],
    snakemake_version: str,
) -> ReportInputs:
    """The named inputs as the report uses them; a name the config needs but the rule lacks is an error."""

    def path(name: str) -> Any:
        """One file, or a tuple of files for a name that holds a list."""
        if name not in named:
            raise ReportInputError(f"report input '{name}' is missing (the rule must name it)")
        value = named[name]
        return Path(value) if isinstance(value, (str, Path)) else tuple(map(Path, value))

    datasets = used_datasets(config)
    return ReportInputs(
        config=config,
        data={d: path(f"data/{d}") for d in datasets},
        plots={d: path(f"plot/{d}") for d in datasets},
        settings=[
            SettingFiles(
                s,
                *(path(setting_name(s, what)) for what in ("table", "best", "boundary")),
                path(setting_name(s, "trials")),
            )
            for s in settings(config)
        ],
        handbuilt_table=path("handbuilt_table"),
        handbuilt_summary=path("handbuilt_summary"),
        features={split: path(f"features/{split}") for split in SPLITS},
        features_meta={split: path(f"features_meta/{split}") for split in SPLITS},
        metrics=path("metrics"),
        metrics_table=path("metrics_table"),
        tuned=path("tuned"),
        generalisation={e: path(f"generalisation/{e}") for e in config["experiments"]},
        generalisation_figures={
            e: path(f"generalisation_figure/{e}") for e in config["experiments"]
        },
        image_root=path("images"),
        downloads=path("downloads") if "downloads" in named else (),
        benchmarks=tuple((str(rule), Path(p)) for rule, p in benchmarks),
        snakemake_version=snakemake_version,
    )


def read_json(path: Path) -> Any:
    """Parse a JSON input; a broken file is named in the error."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReportInputError(f"{path}: missing") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ReportInputError(f"{path}: not valid JSON ({exc})") from None


def read_table(path: Path, what: str, columns: Sequence[str] = (), **options: Any) -> pd.DataFrame:
    """Read a CSV (or TSV: ``sep="\\t"``) input that must hold ``columns``; errors name the file and what it is."""
    try:
        frame = pd.read_csv(path, **options)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ReportInputError(f"{path}: cannot read {what} ({exc})") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ReportInputError(f"{path}: {what} without the column(s) {', '.join(missing)}")
    return frame


def require(record: Any, keys: Sequence[str], source: Path) -> None:
    """Refuse a record that lacks any of ``keys``, naming the file and the keys."""
    if not isinstance(record, Mapping):
        raise ReportInputError(f"{source}: expected a JSON object, found {type(record).__name__}")
    missing = [k for k in keys if k not in record]
    if missing:
        raise ReportInputError(f"{source}: missing key(s) {', '.join(missing)}")
