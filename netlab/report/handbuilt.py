"""The hand-built networks' part of the report: each construction, its formula and its check.

The table is shown with whatever columns the hand-built rule writes; the
summary's other entries (scalars and name -> value maps) follow as small
tables, so a new check there appears without a change here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from netlab.report.reads import read_csv, read_json


def handbuilt(
    inputs: Mapping[str, Any], config: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    rows = read_csv(inputs["handbuilt_table"])
    summary = read_json(inputs["handbuilt_summary"])
    context = {
        "rows": rows,
        "failed": rows.loc[~rows["passed"].astype(bool)].iloc[:, 0].astype(str).tolist(),
        "scalars": {k: v for k, v in summary.items() if not isinstance(v, (Mapping, list))},
        "maps": {k: v for k, v in summary.items() if isinstance(v, Mapping)},
    }
    return context, {"handbuilt": rows}
