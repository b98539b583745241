"""The files the report reads, matched to the config's settings, with checks that name the file at fault.

The workflow passes flat lists in ``settings(config)`` order; ``collect``
pairs them with the settings and refuses a list whose length or directories
do not match, so a wiring mistake cannot put one setting's numbers under
another's name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netlab.config import Setting, settings, used_datasets


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
class DatasetFiles:
    data: Path
    plot: Path


@dataclass(frozen=True)
class ReportInputs:
    """Everything the report shows, by meaning rather than by position."""

    config: Mapping[str, Any]
    datasets: dict[str, DatasetFiles]
    settings: list[SettingFiles]
    handbuilt_table: Path
    handbuilt_summary: Path
    features: dict[str, Path]
    features_meta: dict[str, Path]
    metrics: Path
    metrics_table: Path
    image_root: Path
    downloads: tuple[Path, ...]
    benchmarks: tuple[tuple[str, Path], ...]
    snakemake_version: str


SPLITS = ("train", "val")


def _paths(values: Sequence[str | Path]) -> list[Path]:
    return [Path(v) for v in values]


def _by_split(paths: Sequence[str | Path], what: str) -> dict[str, Path]:
    found = {}
    for path in _paths(paths):
        if path.stem not in SPLITS:
            raise ReportInputError(
                f"{what}: {path} is not named after a split ({', '.join(SPLITS)})"
            )
        found[path.stem] = path
    if set(found) != set(SPLITS):
        raise ReportInputError(
            f"{what}: expected one file per split {SPLITS}, got {[str(p) for p in paths]}"
        )
    return found


def _datasets(
    config: Mapping[str, Any], data: Sequence[str], plots: Sequence[str]
) -> dict[str, DatasetFiles]:
    names = used_datasets(config)
    data_paths, plot_paths = _paths(data), _paths(plots)
    if len(data_paths) != len(names) or len(plot_paths) != len(names):
        raise ReportInputError(
            f"data files: the config uses {len(names)} data sets ({', '.join(names)}), "
            f"got {len(data_paths)} data files and {len(plot_paths)} plots"
        )
    for name, d, p in zip(names, data_paths, plot_paths, strict=True):
        if d.stem != name or p.stem != name:
            raise ReportInputError(
                f"data files: expected files of data set '{name}', got {d} and {p}"
            )
    return {
        name: DatasetFiles(d, p) for name, d, p in zip(names, data_paths, plot_paths, strict=True)
    }


def _settings(
    config: Mapping[str, Any],
    tables: Sequence[str],
    best: Sequence[str],
    boundaries: Sequence[str],
    trials: Sequence[str],
) -> list[SettingFiles]:
    wanted = list(settings(config))
    lists = {"trial tables": tables, "best-trial files": best, "boundary figures": boundaries}
    for what, values in lists.items():
        if len(values) != len(wanted):
            raise ReportInputError(
                f"{what}: the config has {len(wanted)} settings, got {len(values)} files"
            )
    counts = [config["experiments"][s.experiment]["trials"] for s in wanted]
    if len(trials) != sum(counts):
        raise ReportInputError(
            f"trial records: the config asks for {sum(counts)} trials, got {len(trials)} files"
        )
    out, start = [], 0
    for s, n, table, b, boundary in zip(
        wanted, counts, _paths(tables), _paths(best), _paths(boundaries), strict=True
    ):
        records = tuple(_paths(trials[start : start + n]))
        start += n
        folder = table.parent
        strays = [p for p in (b, boundary, *records) if p.parent != folder]
        if strays:
            raise ReportInputError(
                f"setting {s.experiment}/{s.dataset}/h{s.hidden}: files outside {folder}: {[str(p) for p in strays]}"
            )
        if folder.parts[-3:] != (s.experiment, s.dataset, f"h{s.hidden}"):
            raise ReportInputError(
                f"setting {s.experiment}/{s.dataset}/h{s.hidden}: its files are in {folder}, "
                "which names another setting"
            )
        out.append(SettingFiles(s, table, b, boundary, records))
    return out


def collect(
    config: Mapping[str, Any],
    *,
    data: Sequence[str],
    plots: Sequence[str],
    tables: Sequence[str],
    best: Sequence[str],
    boundaries: Sequence[str],
    trials: Sequence[str],
    handbuilt_table: str,
    handbuilt_summary: str,
    features: Sequence[str],
    features_meta: Sequence[str],
    metrics: str,
    metrics_table: str,
    image_root: str,
    downloads: Sequence[str],
    benchmarks: Sequence[Sequence[str]],
    snakemake_version: str,
) -> ReportInputs:
    """Match the workflow's file lists to the config (lists in ``settings(config)`` order)."""
    return ReportInputs(
        config=config,
        datasets=_datasets(config, data, plots),
        settings=_settings(config, tables, best, boundaries, trials),
        handbuilt_table=Path(handbuilt_table),
        handbuilt_summary=Path(handbuilt_summary),
        features=_by_split(features, "features"),
        features_meta=_by_split(features_meta, "feature sidecars"),
        metrics=Path(metrics),
        metrics_table=Path(metrics_table),
        image_root=Path(image_root),
        downloads=tuple(_paths(downloads)),
        benchmarks=tuple((str(rule), Path(path)) for rule, path in benchmarks),
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


def require(record: Mapping[str, Any], keys: Sequence[str], source: Path) -> None:
    """Refuse a record that lacks any of ``keys``, naming the file and the keys."""
    if not isinstance(record, Mapping):
        raise ReportInputError(f"{source}: expected a JSON object, found {type(record).__name__}")
    missing = [k for k in keys if k not in record]
    if missing:
        raise ReportInputError(f"{source}: missing key(s) {', '.join(missing)}")
