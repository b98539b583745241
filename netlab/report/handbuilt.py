"""The hand-built networks' part of the report: each construction, its formula and its check.

The table is shown with whatever columns the hand-built rule writes; the
summary's other entries (scalars and name -> value maps) follow as small
tables, so a new check there appears without a change here.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from netlab.report.html import Html, Section, key_value_table, notice, paragraph, table
from netlab.report.inputs import ReportInputError, ReportInputs, read_json
from netlab.report.part import Part


def handbuilt_part(inputs: ReportInputs) -> Part:
    try:
        rows = pd.read_csv(inputs.handbuilt_table)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ReportInputError(
            f"{inputs.handbuilt_table}: cannot read the hand-built table ({exc})"
        ) from None
    summary = read_json(inputs.handbuilt_summary)
    if not isinstance(summary, Mapping):
        raise ReportInputError(f"{inputs.handbuilt_summary}: expected a JSON object")
    body: list[Html] = [
        paragraph(
            "The homework's networks built by hand: each construction's weights are evaluated as a ReLU net and "
            "compared with the function it should compute; the small calculations are checked the same way."
        ),
        table(rows, id="handbuilt-table", caption="Constructions, formulas and checks"),
    ]
    if "passed" in rows.columns and not rows["passed"].astype(bool).all():
        failed = rows.loc[~rows["passed"].astype(bool)].iloc[:, 0].astype(str).tolist()
        body.append(notice("these checks failed: " + ", ".join(failed), kind="warning"))
    scalars = {
        k: v for k, v in summary.items() if k != "rows" and not isinstance(v, (Mapping, list))
    }
    if scalars:
        body.append(key_value_table(scalars, id="handbuilt-values", caption="Headline values"))
    for key, value in summary.items():
        if isinstance(value, Mapping):
            body.append(
                key_value_table(dict(value), id=f"handbuilt-{key}", caption=key.replace("_", " "))
            )
    return Part(Section("handbuilt", "Hand-built networks", body), {"handbuilt": rows})
