"""What each part of the report contributes: its section of the page, its tables and its figures."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from netlab.report.html import Section


@dataclass(frozen=True)
class Part:
    """A section plus the tables (written as CSV) and figures (PNG bytes) it shows."""

    section: Section
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: dict[str, bytes] = field(default_factory=dict)
