"""The overview: what ran (config, images, weights, versions, seeds), time per stage, links to every output."""

from __future__ import annotations

import os
import platform
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd
import yaml

from netlab.paths import trial_number
from netlab.report.benchmarks import stage_times, with_trial_times
from netlab.report.inputs import ReportInputs
from netlab.report.render import Heading, Part

# Distributions whose versions decide the numbers; read at report time.
PACKAGES = tuple(
    [
        "numpy",
        "pandas",
        "numba",
        "torch",
        "torchvision",
        "scikit-learn",
        "matplotlib",
        "pillow",
        "pyarrow",
    ]
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
    if times.empty:
        return times
    total = {c: float(times[c].sum()) for c in times.columns if c.endswith("_total")}
    total |= {
        "stage": "all stages",
        "jobs": int(times["jobs"].sum()),
        "benchmarks_read": int(times["benchmarks_read"].sum()),
        "wall_s_mean": float("nan"),
        "wall_s_max": float(times["wall_s_max"].max()),
    }
    return pd.concat([times, pd.DataFrame([total])], ignore_index=True)


@dataclass(frozen=True)
class Link:
    href: str
    label: str


def href(path: Path, page_dir: Path) -> str:
    """A link from the page to ``path``: relative when the path is, so the results tree can move."""
    if path.is_absolute():
        return path.as_uri()
    return quote(Path(os.path.relpath(path, page_dir)).as_posix())


def links(paths: Iterable[Path], page_dir: Path, label=lambda p: p.name) -> list[Link]:
    return [Link(href(p, page_dir), label(p)) for p in paths]


def link_rows(
    inputs: ReportInputs, page_dir: Path, tables: Sequence[Path], figures: Sequence[Path]
) -> list[tuple[str, list[Link]]]:
    """Every file the report was built from, and every file it wrote: (what, links)."""
    rows = [
        (f"data set {name}", links([path, inputs.plots[name]], page_dir))
        for name, path in inputs.data.items()
    ]
    for f in inputs.settings:
        s = f.setting
        name = f"{s.experiment} / {s.dataset} / H={s.hidden}"
        rows.append((name, links([f.table, f.best, f.boundary], page_dir)))
        trials = links(f.trials, page_dir, label=lambda p: str(trial_number(p)))
        rows.append((f"{name}: trial records", trials))
    rows.append(
        ("hand-built networks", links([inputs.handbuilt_table, inputs.handbuilt_summary], page_dir))
    )
    rows.append(("image folder", links([inputs.image_root], page_dir, label=lambda p: f"{p}/")))
    rows += [
        (f"features, {split}", links([path, inputs.features_meta[split]], page_dir))
        for split, path in inputs.features.items()
    ]
    rows.append(("classifiers", links([inputs.metrics, inputs.metrics_table], page_dir)))
    if inputs.downloads:
        rows.append(("download records", links(inputs.downloads, page_dir)))
    rows.append(("this report's tables", links(tables, page_dir)))
    rows.append(("this report's figures", links(figures, page_dir)))
    return rows


def config_yaml(config: Mapping[str, Any]) -> str:
    """The config as YAML, short lists and maps on one line each."""
    return yaml.safe_dump(
        dict(config), sort_keys=False, allow_unicode=True, default_flow_style=None, width=100
    )


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


def overview_part(
    inputs: ReportInputs,
    weights: str,
    trials: pd.DataFrame,
    page_dir: Path,
    written: tuple[Sequence[Path], Sequence[Path]],
) -> Part:
    """The overview; ``trials`` (all trial records) gives the trials' set-up and training times."""
    times, missing = stage_times(inputs.benchmarks)
    times = with_trial_times(times, trials)
    found = versions(inputs.snakemake_version)
    heading = Heading(
        "overview",
        "Overview",
        [
            Heading("overview-run", "What ran"),
            Heading("overview-times", "Time per stage"),
            Heading("overview-outputs", "Outputs"),
            Heading("overview-config", "Configuration"),
        ],
    )
    context = {
        "what_ran": what_ran(inputs.config, weights),
        "versions": found,
        "times": with_total(times),
        "missing": missing,
        "links": link_rows(inputs, page_dir, *written),
        "config_yaml": config_yaml(inputs.config),
    }
    tables = {
        "stage_times": times,
        "versions": pd.DataFrame({"package": list(found), "version": list(found.values())}),
    }
    return Part(heading, "overview.html.j2", context, tables)
