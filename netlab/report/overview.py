"""The overview: what ran (config, images, weights, versions, seeds), time per stage, links to every output."""

from __future__ import annotations

import platform
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from netlab.report.benchmarks import images_per_second, stage_times
from netlab.report.reads import SPLITS
from netlab.toy import paths
from netlab.toy.settings import used_datasets

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


def overview(
    inputs: Mapping[str, Any],
    config: Mapping[str, Any],
    trials: pd.DataFrame,
    run: Mapping[str, Any],
    page_dir: Path,
    written: Sequence[Sequence[Path]],
) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """The overview's context and tables; ``trials`` (all trial records) gives the trials' times, ``run``
    the benchmark files, the Snakemake version, the features' weights and number of images."""
    times, missing = stage_times(run["benchmarks"], trials)
    found = versions(run["snakemake_version"])
    context = {
        "config": config,
        "weights": run["weights"],
        "versions": found,
        "times": with_total(times),
        "missing": missing,
        "n_images": run["n_images"],
        "images_per_s": images_per_second(times, run["n_images"]),
        # the outputs table: every file the report was built from and every file it wrote
        "inputs": inputs,
        "datasets": used_datasets(config),
        "experiments": [
            (
                name,
                [inputs[f"{t}/{name}"] for t in ("trials", "settings")]
                + [inputs[f"figure/{name}-{k}.png"] for k in ("loss", "spread", "generalisation")]
                + [inputs[f"boundaries/{name}/{d}"] for d in e["datasets"]],
            )
            for name, e in config["experiments"].items()
        ],
        # a folder per experiment and data set, not a link per trial: a sweep has thousands
        "trial_folders": [
            (name, d, paths.experiment_file(d, name))
            for name, e in config["experiments"].items()
            for d in e["datasets"]
        ],
        "splits": SPLITS,
        "page_dir": page_dir,
        "written": written,
        # the config as YAML, short lists and maps on one line each
        "config_yaml": yaml.safe_dump(
            dict(config),
            sort_keys=False,
            allow_unicode=True,
            default_flow_style=None,
            width=100,
        ),
    }
    tables = {
        "stage_times": times,
        "versions": pd.DataFrame(found.items(), columns=["package", "version"]),
    }
    return context, tables
