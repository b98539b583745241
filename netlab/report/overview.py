"""The overview: what ran (config, images, weights, versions, seeds), time per stage, links to every output."""

from __future__ import annotations

import os
import platform
from collections.abc import Iterable, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd
import yaml

from netlab.report.benchmarks import stage_times
from netlab.report.html import (
    Html,
    Section,
    join,
    key_value_table,
    link,
    notice,
    paragraph,
    preformatted,
    table,
    tag,
)
from netlab.report.images import read_sidecars
from netlab.report.inputs import ReportInputs
from netlab.report.part import Part

# Distributions whose versions decide the numbers; read at report time.
PACKAGES = (
    "numpy",
    "pandas",
    "numba",
    "torch",
    "torchvision",
    "scikit-learn",
    "matplotlib",
    "pillow",
    "pyarrow",
)


def versions(snakemake_version: str) -> dict[str, str]:
    """Python, the workflow's Snakemake and the installed packages (``not installed`` when absent)."""
    found = {"python": platform.python_version(), "snakemake": snakemake_version}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def _with_total(times: pd.DataFrame) -> pd.DataFrame:
    """The stage table with a last row adding up all stages."""
    if times.empty:
        return times
    total = {
        "stage": "all stages",
        "jobs": int(times["jobs"].sum()),
        "benchmarks_read": int(times["benchmarks_read"].sum()),
        "wall_s_total": float(times["wall_s_total"].sum()),
        "wall_s_mean": float("nan"),
        "wall_s_max": float(times["wall_s_max"].max()),
        "cpu_s_total": float(times["cpu_s_total"].sum()),
    }
    return pd.concat([times, pd.DataFrame([total])], ignore_index=True)


def href(path: Path, page_dir: Path) -> str:
    """A link from the page to ``path``: relative when the path is, so the results tree can move."""
    if path.is_absolute():
        return path.as_uri()
    return quote(Path(os.path.relpath(path, page_dir)).as_posix())


def _links(paths: Iterable[Path], page_dir: Path, label=lambda p: p.name) -> Html:
    return join((link(href(p, page_dir), label(p)) for p in paths), sep=" ")


def links_table(
    inputs: ReportInputs, page_dir: Path, tables: Sequence[Path], figures: Sequence[Path]
) -> Html:
    """Every file the report was built from, and every file it wrote, as links."""
    rows: list[tuple[str, Html]] = []
    for name, files in inputs.datasets.items():
        rows.append((f"data set {name}", _links([files.data, files.plot], page_dir)))
    for f in inputs.settings:
        s = f.setting
        rows.append(
            (
                f"{s.experiment} / {s.dataset} / H={s.hidden}",
                _links([f.table, f.best, f.boundary], page_dir),
            )
        )
        rows.append(
            (
                f"{s.experiment} / {s.dataset} / H={s.hidden}: trial records",
                _links(f.trials, page_dir, label=lambda p: p.stem.removeprefix("trial")),
            )
        )
    rows.append(
        (
            "hand-built networks",
            _links([inputs.handbuilt_table, inputs.handbuilt_summary], page_dir),
        )
    )
    rows.append(("image folder", _links([inputs.image_root], page_dir, label=lambda p: f"{p}/")))
    for split in inputs.features:
        rows.append(
            (
                f"features, {split}",
                _links([inputs.features[split], inputs.features_meta[split]], page_dir),
            )
        )
    rows.append(("classifiers", _links([inputs.metrics, inputs.metrics_table], page_dir)))
    if inputs.downloads:
        rows.append(("download records", _links(inputs.downloads, page_dir)))
    rows.append(("this report's tables", _links(tables, page_dir)))
    rows.append(("this report's figures", _links(figures, page_dir)))
    frame = pd.DataFrame(rows, columns=["output", "files"], dtype=object)
    return tag(
        "div",
        table(frame, id="links", caption="Links to every output (relative to this page)"),
        class_="links",
    )


def config_yaml(config: Mapping[str, Any]) -> str:
    """The config as YAML, short lists and maps on one line each."""
    return yaml.safe_dump(
        dict(config), sort_keys=False, allow_unicode=True, default_flow_style=None, width=100
    )


def what_ran(config: Mapping[str, Any], weights: str) -> dict[str, object]:
    """The run in a few lines, from the config."""
    facts: dict[str, object] = {"config seed (every random choice derives from it)": config["seed"]}
    for name, e in config["experiments"].items():
        n = len(e["datasets"]) * len(e["hidden_sizes"]) * e["trials"]
        facts[f"toy experiment {name}"] = (
            f"{e['hidden_layers']} hidden layer(s); data {', '.join(e['datasets'])}; "
            f"H ∈ {{{', '.join(map(str, e['hidden_sizes']))}}}; {e['trials']} trials each: {n} trainings"
        )
    facts["image source"] = config["images"]["source"]
    facts["ResNet50 weights"] = weights
    knn = config["classify"]["knn"]
    facts["classifiers"] = (
        f"logistic regression ({', '.join(f'{k}={v}' for k, v in config['classify']['logistic'].items())}); "
        f"k-NN with k ∈ {{{', '.join(map(str, knn['k']))}}} ({knn['algorithm']})"
    )
    return facts


def overview_part(
    inputs: ReportInputs, page_dir: Path, tables: Sequence[Path], figures: Sequence[Path]
) -> Part:
    config = inputs.config
    weights = read_sidecars(inputs)["train"]["weights"]["description"]
    times, missing = stage_times(inputs.benchmarks)
    found = versions(inputs.snakemake_version)
    intro = paragraph(
        "This page re-runs the experiments of three notebooks: hand-built ReLU networks, small MLPs on toy 2-D "
        "data, and ants vs bees with ResNet50 features. Every number on it was produced by this run unless a "
        "table or note says it is the notebooks'."
    )
    ran = [
        key_value_table(what_ran(config, weights), id="what-ran", caption="What ran"),
        paragraph(
            "Seeds: data sets, initial weights of every trial, synthetic images, random ResNet50 weights and the "
            "images shown as samples are all derived from the config seed and the job's name (SHA-256), so the same "
            "config gives the same numbers. Each trial's own seed is listed in tables/toy_trials.csv."
        ),
        key_value_table(
            found, id="versions", caption="Software versions (read when this report was built)"
        ),
    ]
    timing = [
        paragraph(
            "From the Snakemake benchmark files of the jobs that produced this report's inputs (the list is "
            "computed from the current config, so files of earlier configs are not counted). Totals add up the "
            "jobs' own times; jobs running in parallel overlap in real time."
        ),
        table(
            _with_total(times).rename(
                columns={
                    "benchmarks_read": "benchmark files read",
                    "wall_s_total": "wall time, total (s)",
                    "wall_s_mean": "per job, mean (s)",
                    "wall_s_max": "longest job (s)",
                    "cpu_s_total": "CPU time, total (s)",
                }
            ),
            id="stage-times",
            caption="Wall time per stage (rule)",
        ),
    ]
    if missing:
        shown = ", ".join(str(p) for p in missing[:5]) + (" …" if len(missing) > 5 else "")
        timing.append(
            notice(
                f"{len(missing)} benchmark file(s) of this config's jobs are missing and not counted: "
                f"{shown}",
                kind="warning",
            )
        )
    children = [
        Section("overview-run", "What ran", ran),
        Section("overview-times", "Time per stage", timing),
        Section("overview-outputs", "Outputs", [links_table(inputs, page_dir, tables, figures)]),
        Section("overview-config", "Configuration", [preformatted(config_yaml(config))]),
    ]
    tables_out = {
        "stage_times": times,
        "versions": pd.DataFrame({"package": list(found), "version": list(found.values())}),
    }
    return Part(Section("overview", "Overview", [intro], children), tables_out)
