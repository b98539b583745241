"""Outputs appear whole or not at all: write to a temporary sibling, then rename.

A reader (a later job, a person, an interrupted run's resumption) never sees
a half-written JSON, Parquet or figure: ``os.replace`` is atomic within a
directory.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def replacing(path: str | Path, shared: bool = False) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success it becomes ``path``, on failure it is removed.

    The temporary name is fixed (``.NAME.tmp.EXT``): a job killed mid-write (SIGKILL, no ``finally``)
    leaves a file that its rerun overwrites and renames, not one that stays behind. ``shared``, for a
    file several processes may write at once (a cache), puts the process id in the name instead.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}{f'.{os.getpid()}' if shared else ''}.tmp{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def replacing_dir(path: str | Path) -> Iterator[Path]:
    """Yield a new empty directory next to ``path``; on success it becomes ``path``, on failure it is removed.

    ``path`` must not exist yet (a directory cannot be swapped atomically for another).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        yield tmp
        os.chmod(tmp, 0o755)
        os.rename(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_text(path: str | Path, text: str, shared: bool = False) -> None:
    """Write ``text`` atomically (``shared``: see ``replacing``)."""
    with replacing(path, shared) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(path: str | Path, data: Any, shared: bool = False) -> None:
    """Write ``data`` as indented, key-sorted JSON, atomically (same data, same bytes)."""
    write_text(path, json.dumps(data, indent=1, sort_keys=True) + "\n", shared)


def write_csv(path: str | Path, frame: Any) -> None:
    """Write a pandas DataFrame as CSV without its index, atomically."""
    with replacing(path) as tmp:
        frame.to_csv(tmp, index=False)
