"""Assemble the report: every section, its tables and figures, written next to ``index.html``.

A section is a function ``(inputs, config) -> (context, tables)`` and a
partial ``templates/{id}.html.j2``; ``page.html.j2`` gives the sections'
order and titles. The tables and figures are written first and the page last, each
file atomically, so an ``index.html`` that exists belongs to a complete report.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from netlab import atomic
from netlab.report.generalisation import generalisation, uncertainty
from netlab.report.handbuilt import handbuilt
from netlab.report.images import images
from netlab.report.outputs import TABLES, figure_names
from netlab.report.overview import overview
from netlab.report.render import ENV
from netlab.report.toy import toy

SECTIONS = {
    "toy": toy,
    "generalisation": generalisation,
    "images": images,
    "uncertainty": uncertainty,
    "handbuilt": handbuilt,
}


def write_report(
    inputs: Mapping[str, Any],
    config: Mapping[str, Any],
    benchmarks: Sequence[Sequence[str]],
    snakemake_version: str,
    html_path: str | Path,
) -> list[Path]:
    """Write ``html_path``, ``tables/*.csv`` and ``figures/*.png`` beside it; return every path written.
    ``inputs`` are the rule's named inputs (``reads.named_inputs``), ``benchmarks`` the (rule, file) of
    the jobs that made them."""
    page_dir = Path(html_path).parent
    tables = {name: page_dir / "tables" / f"{name}.csv" for name in TABLES}
    figures = {name: page_dir / "figures" / name for name in figure_names(config)}
    contexts, frames = {}, {}
    for name, section in SECTIONS.items():
        contexts[name], made = section(inputs, config)
        frames |= made
    images = contexts["images"]  # weights and image counts as the features' sidecars give them
    run = {
        "benchmarks": benchmarks,
        "snakemake_version": snakemake_version,
        "weights": images["weights"],
        "n_images": sum(images["n"].values()),
    }
    written = [list(tables.values()), list(figures.values())]
    trials = frames["toy_trials"]
    contexts["overview"], made = overview(inputs, config, trials, run, page_dir, written)
    frames |= made
    for name, path in tables.items():
        atomic.write_csv(path, frames[name])
    for name, path in figures.items():
        with atomic.replacing(path) as tmp:
            shutil.copyfile(inputs[f"figure/{name}"], tmp)
    page = ENV.get_template("page.html.j2").render(sections=contexts, config=config)
    atomic.write_text(html_path, page)
    return [*tables.values(), *figures.values(), Path(html_path)]
