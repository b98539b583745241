"""Logging for workflow jobs: everything a job says, and its traceback if it fails, goes to its log."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def logged(path: str | Path) -> Iterator[logging.Logger]:
    """Send ``logging`` and the failure traceback to ``path``; the error also reaches stderr. The log's first
    line names the Python that ran the job (the job's command names it only as ``$NETLAB_PYTHON``)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    log = logging.getLogger("netlab")
    log.info("python: %s", sys.executable)
    try:
        yield log
    except BaseException as exc:
        log.error("job failed: %s\n%s", exc, traceback.format_exc())
        print(f"netlab: {type(exc).__name__}: {exc}", file=sys.stderr)
        raise
    finally:
        root.removeHandler(handler)
        handler.close()
