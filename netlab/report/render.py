"""The page from Jinja2 templates (autoescaped), its tables by pandas' Styler and its figures as data URIs.

Words and layout live in ``templates/``: ``page.html.j2`` and one partial per
section. Python hands them numbers, DataFrames and PNG files; nothing here
writes markup by hand, and every value inserted is escaped by Jinja2 or by the
Styler.
"""

from __future__ import annotations

import base64
import math
import numbers
import os
import struct
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
import markupsafe
import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from netlab.report.reads import ReportInputError

TEMPLATES = Path(__file__).with_name("templates")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
TableStyler = Styler.from_custom_template(
    TEMPLATES, html_table="table.tpl", html_style="no_style.tpl"
)
TableStyler.env.trim_blocks = TableStyler.env.lstrip_blocks = True


def cell_text(value: object) -> str:
    """A table cell's text: integers with thousands separators, floats to 4 significant digits."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        return f"{float(value):.4g}"
    return str(value)


def table(
    frame: pd.DataFrame,
    *,
    id: str,
    caption: str,
    numeric: Iterable[str] = (),
    formats: Mapping[str, str] | None = None,
) -> markupsafe.Markup:
    """``frame`` as an HTML table (no index); numbers, and the columns named in ``numeric``, right-aligned.
    ``formats`` gives a column's format (``{:.3f}``) in place of ``cell_text``."""
    frame = frame.reset_index(drop=True)
    classes = frame.map(
        lambda v: (
            "num" if isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_)) else ""
        )
    )
    classes[[c for c in numeric if c in frame.columns]] = "num"
    styler = (
        TableStyler(frame, uuid=id, cell_ids=False)
        .hide(axis="index")
        .format(cell_text, escape="html", na_rep="–")
        .format_index(escape="html", axis=1)
        .set_td_classes(classes)
        .set_caption(markupsafe.escape(caption))
        .set_table_attributes(f'id="{markupsafe.escape(id)}"')
    )
    own = {c: f for c, f in (formats or {}).items() if c in frame.columns}
    if own:
        styler.format(own, subset=list(own), escape="html", na_rep="–")
    return markupsafe.Markup(styler.to_html())


def key_values(items: Any, *, id: str, caption: str) -> markupsafe.Markup:
    """A two-column table of named values (a mapping or pairs), left-aligned (an identifier such as a seed
    is passed as text)."""
    items = dict(items)
    frame = pd.DataFrame({"item": list(items), "value": [cell_text(v) for v in items.values()]})
    return table(frame, id=id, caption=caption)


def embed(path: Any) -> dict[str, Any]:
    """A PNG file as a figure of the page: its data URI and size (so the layout never jumps)."""
    data = Path(path).read_bytes()
    if not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise ReportInputError(f"{path}: not a PNG image")
    width, height = struct.unpack(">II", data[16:24])
    uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
    return {"uri": uri, "width": width, "height": height}


def weights_label(weights: Any) -> str:
    """The config's ``features.weights`` in words (the filter ``weights_label``)."""
    if weights is None:
        return "random (seeded)"
    if isinstance(weights, Mapping):
        return f"local file {weights.get('path')}"
    return str(weights)


def href(path: Any, page_dir: Path) -> str:
    """A link from the page to ``path``: relative when the path is, so the results tree can move."""
    path = Path(path)
    return (
        path.as_uri()
        if path.is_absolute()
        else quote(Path(os.path.relpath(path, page_dir)).as_posix())
    )


def render(template: str, **context: Any) -> markupsafe.Markup:
    """A template rendered with ``context`` alone (a section's partial, from the page)."""
    return markupsafe.Markup(ENV.get_template(template).render(**context))


ENV.globals.update(table=table, key_values=key_values, render=render)
ENV.filters.update(
    thousands="{:,}".format,
    weights_label=weights_label,
    href=href,
    basename=lambda path: Path(path).name,
)
