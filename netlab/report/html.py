"""Building blocks of a self-contained HTML page: escaping, tables, embedded figures, sections, contents.

The page must open offline from a single file and print well, so figures are
embedded as ``data:`` URIs, the style sheet is inline and there is no script.
Everything inserted is escaped unless it is already ``Html``: a file name or a
config value can never break the markup.
"""

from __future__ import annotations

import base64
import html as _html
import math
import numbers
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class Html(str):
    """Text that already is HTML: inserted as it is, never escaped again."""


def escape(value: object) -> Html:
    """``value`` as HTML text (``Html`` passes through unchanged)."""
    if isinstance(value, Html):
        return value
    return Html(_html.escape(str(value), quote=True))


def join(parts: Iterable[object], sep: str = "") -> Html:
    """Concatenate escaped ``parts``."""
    return Html(sep.join(escape(p) for p in parts))


def tag(name: str, *children: object, **attrs: object) -> Html:
    """``<name attrs>children</name>``; ``class_`` stands for ``class``, ``None`` attributes are left out."""
    rendered = "".join(
        f' {key.rstrip("_").replace("_", "-")}="{escape(value)}"'
        for key, value in attrs.items()
        if value is not None
    )
    return Html(f"<{name}{rendered}>{join(children)}</{name}>")


def link(href: str, text: object) -> Html:
    return tag("a", text, href=href)


def paragraph(*children: object, class_: str | None = None) -> Html:
    return tag("p", *children, class_=class_)


def notice(*children: object, kind: str = "note") -> Html:
    """A boxed remark; ``kind`` is ``note`` or ``warning`` (styled, and labelled for print)."""
    label = "Warning" if kind == "warning" else "Note"
    return tag("div", tag("strong", f"{label}: "), *children, class_=f"notice {kind}", role="note")


def preformatted(text: str) -> Html:
    return tag("pre", text)


def format_cell(value: object) -> Html:
    """A table cell's text: integers with thousands separators, floats to 4 significant digits."""
    if isinstance(value, Html):
        return value
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return escape("–")
    if isinstance(value, (bool, np.bool_)):
        return escape("yes" if value else "no")
    if isinstance(value, numbers.Integral):
        return escape(f"{int(value):,}")
    if isinstance(value, numbers.Real):
        return escape(f"{float(value):.4g}")
    return escape(value)


def table(frame: pd.DataFrame, *, id: str, caption: str, numeric: Iterable[str] = ()) -> Html:
    """A real HTML table of ``frame``; numbers, and the text columns named in ``numeric``, right-aligned.

    A column holding ``Html`` (links) must have object dtype: pandas would
    otherwise turn it into plain strings, which are escaped.
    """
    right = set(numeric)
    head = tag("tr", *(tag("th", str(c), scope="col") for c in frame.columns))
    rows = []
    for record in frame.itertuples(index=False):
        cells = [
            tag("td", format_cell(v), class_="num" if _is_number(v) or column in right else None)
            for column, v in zip(frame.columns, record, strict=True)
        ]
        rows.append(tag("tr", *cells))
    return tag(
        "div",
        tag("table", tag("caption", caption), tag("thead", head), tag("tbody", *rows), id=id),
        class_="table-wrap",
    )


def key_value_table(items: Mapping[str, object], *, id: str, caption: str) -> Html:
    """A two-column table of named values (values as text, left-aligned)."""
    frame = pd.DataFrame(
        {"item": list(items), "value": [format_cell(v) for v in items.values()]}, dtype=object
    )
    return table(frame, id=id, caption=caption)


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def png_size(data: bytes, source: str) -> tuple[int, int]:
    """Width and height from a PNG header; refuses anything that is not a PNG, naming ``source``."""
    if not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise ValueError(f"{source}: not a PNG image")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def figure(data: bytes, *, id: str, caption: object, alt: str, source: str) -> Html:
    """An embedded PNG with its caption; width and height are set so the layout never jumps."""
    width, height = png_size(data, source)
    uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
    return tag(
        "figure",
        Html(f'<img src="{uri}" alt="{escape(alt)}" width="{width}" height="{height}">'),
        tag("figcaption", caption),
        id=id,
    )


def gallery(figures: Iterable[Html]) -> Html:
    """Figures side by side, wrapping to the page width."""
    return tag("div", *figures, class_="gallery")


@dataclass
class Section:
    """A numbered part of the page; its title goes into the table of contents."""

    id: str
    title: str
    body: list[Html] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)


def _render(section: Section, number: str, depth: int) -> Html:
    heading = tag(f"h{depth}", f"{number} {section.title}")
    inner = [_render(c, f"{number}{i}.", depth + 1) for i, c in enumerate(section.children, 1)]
    return tag("section", heading, *section.body, *inner, id=section.id)


def _contents(sections: list[Section], prefix: str = "") -> Html:
    items = []
    for i, s in enumerate(sections, 1):
        number = f"{prefix}{i}."
        sub = _contents(s.children, number) if s.children else Html("")
        items.append(tag("li", link(f"#{s.id}", f"{number} {s.title}"), sub))
    return tag("ol", *items)


def page(title: str, intro: Html, sections: list[Section]) -> str:
    """The whole document: header, table of contents, numbered sections."""
    body = tag(
        "body",
        tag("header", tag("h1", title), intro),
        tag(
            "nav", tag("h2", "Contents"), _contents(sections), id="contents", aria_label="Contents"
        ),
        tag("main", *(_render(s, f"{i}.", 2) for i, s in enumerate(sections, 1))),
    )
    head = tag(
        "head",
        Html('<meta charset="utf-8">'),
        Html('<meta name="viewport" content="width=device-width, initial-scale=1">'),
        tag("title", title),
        tag("style", Html(STYLE)),
    )
    return "<!DOCTYPE html>\n" + tag("html", head, body, lang="en") + "\n"


STYLE = """
:root { --ink: #1d2430; --muted: #5a6372; --rule: #d5dae1; --band: #f3f5f8; --accent: #1f5fa8; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: var(--ink); max-width: 1180px; margin: 0 auto; padding: 1.5rem 2rem 4rem; }
h1 { font-size: 1.9rem; margin: 0 0 .3rem; }
h2 { font-size: 1.45rem; border-bottom: 2px solid var(--rule); padding-bottom: .2rem; margin-top: 2.6rem; }
h3 { font-size: 1.2rem; margin-top: 2rem; }
h4 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
a { color: var(--accent); }
header p { color: var(--muted); margin: .2rem 0; }
nav#contents { background: var(--band); border: 1px solid var(--rule); border-radius: 6px;
               padding: .6rem 1.2rem; margin: 1.2rem 0; }
nav#contents h2 { font-size: 1.1rem; border: 0; margin: .3rem 0; }
nav#contents ol { list-style: none; padding-left: 1.1rem; margin: .1rem 0; }
nav#contents > ol { padding-left: 0; }
.table-wrap { overflow-x: auto; margin: .8rem 0 1.2rem; }
table { border-collapse: collapse; font-size: .9rem; min-width: 22rem; }
caption { caption-side: top; text-align: left; font-weight: 600; padding: .3rem 0; color: var(--ink); }
th, td { border: 1px solid var(--rule); padding: .25rem .55rem; vertical-align: top; }
th { background: var(--band); text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:nth-child(even) { background: #fafbfc; }
figure { margin: .6rem 0 1.2rem; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid var(--rule); }
figcaption { font-size: .88rem; color: var(--muted); margin-top: .3rem; max-width: 60rem; }
.gallery { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
.gallery figure { flex: 0 1 340px; margin: 0; }
.notice { border-left: 4px solid var(--accent); background: #eef4fb; padding: .55rem .9rem; margin: .8rem 0; }
.notice.warning { border-left-color: #c26a00; background: #fff5e6; }
pre { background: var(--band); border: 1px solid var(--rule); padding: .7rem; font-size: .82rem;
      overflow-x: auto; white-space: pre-wrap; }
.links td { font-size: .85rem; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  nav#contents { break-after: page; }
  h2, h3, h4 { break-after: avoid; }
  figure, tr, .notice { break-inside: avoid; }
  .table-wrap { overflow: visible; }
  table { font-size: 8pt; min-width: 0; }
  th, td { padding: .15rem .3rem; }
  td.num { white-space: normal; }
  pre { font-size: 7.5pt; }
  a { color: inherit; text-decoration: none; }
}
"""
