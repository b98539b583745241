"""Stable seeds derived from the config seed and a job's wildcards.

Python's ``hash`` is salted per process, so it cannot name a trial's seed; a
SHA-256 digest of the parts gives the same number on every machine and run,
and a new trial never shifts the seeds of the existing ones.
"""

from __future__ import annotations

import hashlib


def derive_seed(base: int, *parts: object) -> int:
    """Return a 63-bit seed determined only by ``base`` and ``parts`` (in order)."""
    text = "/".join([str(int(base)), *(str(p) for p in parts)])
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") >> 1
