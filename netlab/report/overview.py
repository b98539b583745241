"""The overview: what ran (config, images, weights, versions, seeds), time per stage, links to every output."""

from __future__ import annotations

import os
import platform
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd
import yaml

from netlab.config import settings, used_datasets
from netlab.paths import trial_number
from netlab.report.benchmarks import stage_times
from netlab.report.inputs import SPLITS, setting_name

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


def with_total(times: pd.DataFrame) -> pd.DataFrame:
    """The stage table with a last row adding up all stages."""
    total = times.sum(numeric_only=True).to_dict()
    total |= {"stage": "all stages", "wall_s_mean": float("nan")}
    total |= {"wall_s_max": times["wall_s_max"].max()}
    return pd.concat([times, pd.DataFrame([total])], ignore_index=True)


def what_ran(config: Mapping[str, Any], weights: str) -> dict[str, object]:
    """The run in a few lines, from the config (the seed as text: an identifier, not a quantity)."""
    facts: dict[str, object] = {
        "config seed (every random choice derives from it)": str(config["seed"])
    }
    for name, e in config["experiments"].items():
        n = len(e["datasets"]) * len(e["hidden_sizes"]) * e["trials"]
        facts[f"toy experiment {name}"] = (
            f"{e['hidden_layers']} hidden layer(s); data {', '.join(e['datasets'])}; "
            f"H ∈ {{{', '.join(map(str, e['hidden_sizes']))}}}; {e['trials']} trials each: {n} trainings"
        )
    facts["image source"] = config["images"]["source"]
    facts["ResNet50 weights"] = weights
    knn, logistic = config["classify"]["knn"], config["classify"]["logistic"]
    facts["classifiers"] = (
        f"logistic regression ({', '.join(f'{k}={v}' for k, v in logistic.items())}); "
        f"k-NN with k ∈ {{{', '.join(map(str, knn['k']))}}} ({knn['algorithm']})"
    )
    return facts


def links(files: Any, page_dir: Path, label=lambda p: p.name) -> list[tuple[str, str]]:
    """(href, label) of each file; relative when the path is, so the results tree can move."""
    paths = [Path(f) for f in ([files] if isinstance(files, (str, Path)) else files)]
    return [
        (
            p.as_uri() if p.is_absolute() else quote(Path(os.path.relpath(p, page_dir)).as_posix()),
            label(p),
        )
        for p in paths
    ]


def link_rows(
    inputs: Mapping[str, Any],
    config: Mapping[str, Any],
    page_dir: Path,
    written: Sequence[Sequence[Path]],
) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every file the report was built from, and every file it wrote: (what, links)."""
    rows = [
        (f"data set {d}", links([inputs[f"data/{d}"], inputs[f"plot/{d}"]], page_dir))
        for d in used_datasets(config)
    ]
    for s in settings(config):
        name = f"{s.experiment} / {s.dataset} / H={s.hidden}"
        files = [inputs[setting_name(s, what)] for what in ("table", "best", "boundary")]
        rows.append((name, links(files, page_dir)))
        trials = links(inputs[setting_name(s, "trials")], page_dir, lambda p: str(trial_number(p)))
        rows.append((f"{name}: trial records", trials))
    rows += [
        (
            "hand-built networks",
            links([inputs["handbuilt_table"], inputs["handbuilt_summary"]], page_dir),
        ),
        ("image folder", links(inputs["images"], page_dir, lambda p: f"{p}/")),
    ]
    rows += [
        (
            f"features, {split}",
            links([inputs[f"features/{split}"], inputs[f"features_meta/{split}"]], page_dir),
        )
        for split in SPLITS
    ]
    rows.append(("classifiers", links([inputs["metrics"], inputs["metrics_table"]], page_dir)))
    if inputs.get("downloads"):
        rows.append(("download records", links(inputs["downloads"], page_dir)))
    rows.append(("this report's tables", links(written[0], page_dir)))
    rows.append(("this report's figures", links(written[1], page_dir)))
    return rows


def overview(
    inputs: Mapping[str, Any],
    config: Mapping[str, Any],
    trials: pd.DataFrame,
    run: Mapping[str, Any],
    page_dir: Path,
    written: Sequence[Sequence[Path]],
) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """The overview's context and tables; ``trials`` (all trial records) gives the trials' times, ``run``
    the benchmark files and the Snakemake version."""
    times, missing = stage_times(run["benchmarks"], trials)
    found = versions(run["snakemake_version"])
    context = {
        "what_ran": what_ran(config, run["weights"]),
        "versions": found,
        "times": with_total(times),
        "missing": missing,
        "links": link_rows(inputs, config, page_dir, written),
        # the config as YAML, short lists and maps on one line each
        "config_yaml": yaml.safe_dump(
            dict(config), sort_keys=False, allow_unicode=True, default_flow_style=None, width=100
        ),
    }
    tables = {
        "stage_times": times,
        "versions": pd.DataFrame(found.items(), columns=["package", "version"]),
    }
    return context, tables
