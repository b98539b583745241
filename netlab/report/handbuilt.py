"""The hand-built networks' part of the report: each construction, its formula and its check.

The table is shown with whatever columns the hand-built rule writes; the
summary's other entries (scalars and name -> value maps) follow as small
tables, so a new check there appears without a change here.
"""

from __future__ import annotations

from collections.abc import Mapping

from netlab.report.inputs import ReportInputError, ReportInputs, read_json, read_table
from netlab.report.render import Heading, Part


def handbuilt_part(inputs: ReportInputs) -> Part:
    rows = read_table(inputs.handbuilt_table, "the hand-built table")
    summary = read_json(inputs.handbuilt_summary)
    if not isinstance(summary, Mapping):
        raise ReportInputError(f"{inputs.handbuilt_summary}: expected a JSON object")
    passed = rows["passed"].astype(bool) if "passed" in rows.columns else None
    context = {
        "rows": rows,
        "failed": [] if passed is None else rows.loc[~passed].iloc[:, 0].astype(str).tolist(),
        "scalars": {
            k: v for k, v in summary.items() if k != "rows" and not isinstance(v, (Mapping, list))
        },
        "maps": {k: dict(v) for k, v in summary.items() if isinstance(v, Mapping)},
    }
    heading = Heading("handbuilt", "Hand-built networks")
    return Part(heading, "handbuilt.html.j2", context, {"handbuilt": rows})
