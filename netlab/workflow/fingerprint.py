"""Fingerprints of code and settings that decide whether a result is still current."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from netlab.workflow.codegraph import import_closure, shell_modules


def digest_files(paths: Iterable[str | Path], root: str | Path | None = None) -> str:
    """SHA-256 over the contents (not the times) of ``paths``, in the order given.

    Each file is named by its path relative to ``root`` (or its bare name), so a module moved to
    another package changes the digest; a fresh clone, which only touches the files, does not.
    """
    h = hashlib.sha256()
    for path in paths:
        path = Path(path)
        data = path.read_bytes()
        inside = root is not None and Path(root) in path.parents
        name = path.relative_to(root).as_posix() if inside else path.name
        h.update(f"{name}:{len(data)}:".encode())
        h.update(data)
    return h.hexdigest()[:16]


def code_files(root: str | Path, script: str | Path | None = None, command: str = "") -> list[Path]:
    """The files a job runs: its script (if any) and every netlab module the script or
    ``python -m netlab.x`` in ``command`` reaches through imports, in a stable order.
    A script in another language counts by its own content only."""
    root = Path(root).resolve()
    script = Path(script).resolve() if script is not None else None
    roots: list[str | Path] = [*shell_modules(command)]
    if script is not None and script.suffix == ".py":
        roots.append(script)
    files = set(import_closure(roots, root).files) if roots else set()
    return sorted(files | ({script} if script is not None else set()))


def code_digest(
    root: str | Path, script: str | Path | None = None, command: str = "", source: str = ""
) -> str:
    """Digest of everything a job executes: script, reached netlab modules, shell command or
    ``run:`` source text. Judged by content alone, so editing any of these re-runs exactly its jobs."""
    root = Path(root).resolve()
    h = hashlib.sha256()
    h.update(digest_files(code_files(root, script, command), root).encode())
    h.update(f"\0{command}\0{source}".encode())
    return h.hexdigest()[:16]
