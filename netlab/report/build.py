"""Assemble the report: every part's section, tables and figures, written next to ``index.html``.

A part is a function returning a ``render.Part`` (heading, partial, context,
tables, figures); the page lists the parts in the order given here. The
tables and figures are written first and the page last, each file
atomically, so an ``index.html`` that exists belongs to a complete report.
"""

from __future__ import annotations

from pathlib import Path

from netlab import atomic
from netlab.report.generalisation import generalisation_part, uncertainty_part
from netlab.report.handbuilt import handbuilt_part
from netlab.report.images import images_part, read_sidecars, weights_label
from netlab.report.inputs import ReportInputs
from netlab.report.outputs import TABLES, figure_names
from netlab.report.overview import overview_part
from netlab.report.render import render_page
from netlab.report.toy import all_trials, load_setting, toy_part


def write_report(inputs: ReportInputs, html_path: str | Path) -> list[Path]:
    """Write ``html_path``, ``tables/*.csv`` and ``figures/*.png`` beside it; return every path written."""
    html_path = Path(html_path)
    page_dir = html_path.parent
    table_paths = {name: page_dir / "tables" / f"{name}.csv" for name in TABLES}
    figure_paths = {name: page_dir / "figures" / name for name in figure_names(inputs.config)}
    written = (list(table_paths.values()), list(figure_paths.values()))
    sidecars = read_sidecars(inputs)
    results = [load_setting(f) for f in inputs.settings]
    weights = sidecars["train"]["weights"]["description"]
    parts = [
        overview_part(inputs, weights, all_trials(results), page_dir, written),
        toy_part(inputs, results),
        generalisation_part(inputs),
        images_part(inputs, sidecars),
        uncertainty_part(inputs),
        handbuilt_part(inputs),
    ]
    tables = {name: frame for part in parts for name, frame in part.tables.items()}
    figures = {name: data for part in parts for name, data in part.figures.items()}
    if set(tables) != set(table_paths) or set(figures) != set(figure_paths):
        raise RuntimeError(
            f"report parts made tables {sorted(tables)} and figures {sorted(figures)}, "
            f"expected {sorted(table_paths)} and {sorted(figure_paths)}"
        )
    for name, frame in tables.items():
        atomic.write_csv(table_paths[name], frame)
    for name, data in figures.items():
        with atomic.replacing(figure_paths[name]) as tmp:
            tmp.write_bytes(data)
    label = weights_label(inputs.config["features"]["weights"])
    atomic.write_text(html_path, render_page(parts, config=inputs.config, weights=label))
    return [*table_paths.values(), *figure_paths.values(), html_path]
