"""Loaded by every Python process of a traced workflow run (PYTHONPATH names this folder): records what
the process loads and opens under NETLAB_TRACE_ROOT, by Python's own records (the ``open`` audit event,
which imports raise too, and ``sys.modules`` at exit), into NETLAB_TRACE_DIR/<pid>.json."""

import atexit
import json
import os
import sys

_ROOT = os.environ.get("NETLAB_TRACE_ROOT")
_OUT = os.environ.get("NETLAB_TRACE_DIR")
_opened: set[str] = set()


def _hook(event, args):
    if event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
        path = os.fsdecode(args[0])
        if not os.path.isabs(path):
            path = os.path.join(os.getcwd(), path)
        _opened.add(os.path.realpath(path))


def _write():
    modules = {getattr(m, "__file__", None) for m in list(sys.modules.values())}
    files = {os.path.realpath(f) for f in modules if isinstance(f, str)} | _opened
    under = sorted(f for f in files if f.startswith(_ROOT + os.sep))
    record = {"argv": sys.argv, "files": under}
    with open(os.path.join(_OUT, f"{os.getpid()}.json"), "w") as fh:
        json.dump(record, fh)


if _ROOT and _OUT:
    _ROOT = os.path.realpath(_ROOT)
    sys.addaudithook(_hook)
    atexit.register(_write)
