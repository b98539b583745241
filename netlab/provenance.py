"""Fingerprints of code and settings that decide whether a result is still current."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path


def digest_files(paths: Iterable[str | Path]) -> str:
    """SHA-256 over the contents (not the times) of ``paths``, in the order given.

    Passed to a rule as a param, it makes Snakemake re-run the rule when a
    library module it imports changes, and not when a fresh clone merely
    touches the file.
    """
    h = hashlib.sha256()
    for path in paths:
        data = Path(path).read_bytes()
        h.update(f"{Path(path).name}:{len(data)}:".encode())
        h.update(data)
    return h.hexdigest()[:16]
