"""What code a workflow job runs: the ``netlab`` modules a script reaches, and the packages it needs.

The imports between netlab's modules are grimp's graph (the one import-linter checks the layers on): read
from the source, never by importing it, so the workflow can compute it when it is parsed, without torch or
numba, and imports inside functions count too (the kernel cache imports what generated source imports where
it compiles it, so that edge is in the graph). A script's own imports are read here with ``ast``, because
grimp cannot see them (``scripts/`` is no package).
"""

from __future__ import annotations

import ast
import contextlib
import functools
import hashlib
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import grimp

PACKAGE = "netlab"
# `python -m netlab.x` (or `python3 -m netlab.x.y`) in a shell command, the interpreter named as such or by
# a shell variable that names a Python (`"$NETLAB_PYTHON" -m netlab.x`).
_MODULE_RUN = re.compile(
    r"(?:\bpython[0-9.]*|\"?\$\{?\w*(?i:python)\w*\}?\"?)\s+(?:-\S+\s+)*-m\s+(netlab(?:\.\w+)*)"
)


@dataclass(frozen=True)
class Imports:
    """The import closure of some roots: netlab source files, and the top-level third-party modules."""

    files: tuple[Path, ...]
    third_party: frozenset[str]


def module_file(name: str, root: Path) -> Path | None:
    """The source of ``netlab.x.y`` under the checkout ``root`` (a module or a package), if it exists."""
    base = root.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _with_parents(name: str) -> list[str]:
    """``netlab.report.build`` -> netlab, netlab.report, netlab.report.build (importing runs each)."""
    parts = name.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def _graph(root: Path) -> grimp.ImportGraph:
    """grimp's graph of the netlab package under ``root`` (with third-party and standard modules, by
    top-level name), built once per content of the package's files."""
    sources = hashlib.sha256()
    for path in sorted((root / PACKAGE).rglob("*.py")):
        sources.update(f"{path}\0".encode() + path.read_bytes())
    return _graph_of(root, sources.hexdigest())


@functools.lru_cache(maxsize=8)
def _graph_of(root: Path, sources: str) -> grimp.ImportGraph:
    with _package_at(root):
        return grimp.build_graph(PACKAGE, include_external_packages=True, cache_dir=None)


@contextlib.contextmanager
def _package_at(root: Path) -> Iterator[None]:
    """Let grimp find the netlab package under ``root``: grimp looks a package up with
    ``importlib.util.find_spec``, which answers from ``sys.modules`` first, and the netlab running this
    may be another checkout's (a test's copy of the package)."""
    running = sys.modules.pop(PACKAGE, None)
    sys.path.insert(0, str(root))
    try:
        yield
    finally:
        sys.path.remove(str(root))
        if running is not None:
            sys.modules[PACKAGE] = running


def _script_imports(path: Path) -> set[str]:
    """Every module an import statement anywhere in a script may load (``from a import b``: a and a.b)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_bytes(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names if alias.name != "*")
    return names


def import_closure(roots: Iterable[str | Path], root: Path) -> Imports:
    """The netlab files ``roots`` reach through imports (roots included), and third-party modules used.

    ``roots`` are script files or netlab module names (``netlab.report``); ``root`` is the checkout
    holding the ``netlab`` package.
    """
    root = Path(root).resolve()
    graph = _graph(root)
    files: set[Path] = set()
    third_party: set[str] = set()
    pending: list[str] = []

    def imported(names: Iterable[str]) -> None:
        for name in names:
            top = name.partition(".")[0]
            if top == PACKAGE:
                pending.extend(_with_parents(name))
            elif top not in sys.stdlib_module_names and top != "__future__":
                third_party.add(top)

    for item in roots:
        if isinstance(item, Path) or str(item).endswith(".py"):
            files.add(Path(item).resolve())
            imported(_script_imports(Path(item).resolve()))
        elif module_file(str(item), root) is None:
            raise ValueError(f"no module {item} under {root}")
        else:
            pending.extend(_with_parents(str(item)))
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen or (path := module_file(name, root)) is None:
            continue
        seen.add(name)
        files.add(path)
        imported(graph.find_modules_directly_imported_by(name))
    return Imports(tuple(sorted(files)), frozenset(third_party))


def shell_modules(command: str) -> list[str]:
    """The netlab modules a shell command runs with ``python -m``."""
    return _MODULE_RUN.findall(command)
