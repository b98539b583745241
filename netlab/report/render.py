"""The page from Jinja2 templates (autoescaped), its tables by pandas' Styler and its figures as data URIs.

Words and layout live in ``templates/``: ``page.html.j2`` and one partial per
section. Python hands them numbers, DataFrames and embedded figures; nothing
here writes markup by hand, and every value inserted is escaped by Jinja2 or
by the Styler.
"""

from __future__ import annotations

import base64
import math
import numbers
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

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


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


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
    right = set(numeric)
    classes = pd.DataFrame(
        {
            c: ["num" if c in right or _is_number(v) else "" for v in frame[c]]
            for c in frame.columns
        },
        index=frame.index,
    )
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


def key_values(items: Mapping[str, object], *, id: str, caption: str) -> markupsafe.Markup:
    """A two-column table of named values, left-aligned (an identifier such as a seed is passed as text)."""
    frame = pd.DataFrame({"item": list(items), "value": [cell_text(v) for v in items.values()]})
    return table(frame, id=id, caption=caption)


@dataclass(frozen=True)
class Figure:
    """A PNG embedded in the page: its data URI and size (so the layout never jumps)."""

    uri: str
    width: int
    height: int


def embed(data: bytes, source: str) -> Figure:
    """``data`` as a figure of the page; refuses anything that is not a PNG, naming ``source``."""
    if not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise ValueError(f"{source}: not a PNG image")
    width, height = struct.unpack(">II", data[16:24])
    return Figure("data:image/png;base64," + base64.b64encode(data).decode("ascii"), width, height)


@dataclass(frozen=True)
class Heading:
    """A numbered section of the page; the contents list is made from these."""

    id: str
    title: str
    children: Sequence[Heading] = ()
    number: str = ""
    depth: int = 2

    def __getitem__(self, id: str) -> Heading:
        """The subsection ``id`` (for the partials: ``heading["overview-run"]``)."""
        for child in self.children:
            if child.id == id:
                return child
        raise KeyError(f"section {self.id} has no subsection {id}")


def numbered(headings: Sequence[Heading], prefix: str = "", depth: int = 2) -> list[Heading]:
    """``1.``, ``1.1.`` ... and the heading level, from the order of the sections."""
    out = []
    for i, h in enumerate(headings, 1):
        number = f"{prefix}{i}."
        children = numbered(h.children, number, depth + 1)
        out.append(replace(h, number=number, depth=depth, children=children))
    return out


@dataclass(frozen=True)
class Part:
    """One section of the page: its heading, its partial and what the partial shows, and the tables (written
    as CSV) and figures (PNG bytes) it makes."""

    heading: Heading
    template: str
    context: Mapping[str, Any]
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    figures: Mapping[str, bytes] = field(default_factory=dict)


ENV.globals.update(table=table, key_values=key_values)
ENV.filters["thousands"] = "{:,}".format


def render_page(parts: Sequence[Part], **context: Any) -> str:
    """The whole document: ``page.html.j2`` around every part's partial (rendered with its own context)."""
    headings = numbered([p.heading for p in parts])
    bodies = [
        markupsafe.Markup(ENV.get_template(p.template).render(heading=h, **p.context))
        for p, h in zip(parts, headings, strict=True)
    ]
    sections = list(zip(headings, bodies, strict=True))
    return ENV.get_template("page.html.j2").render(sections=sections, headings=headings, **context)
