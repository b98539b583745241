"""What code a workflow job runs: the ``netlab`` modules a script reaches, and the packages it needs.

Read from the source (``ast``), never by importing it, so the workflow can compute it when it is parsed,
without torch or numba, and a job's fingerprint covers every module it may execute: imports inside
functions count too, and so do the modules that generated source imports, which a module names in a
top-level ``GENERATED_IMPORTS = ("netlab.x", ...)`` (the trainer's kernels: ``codegen.GENERATED_IMPORTS``).
"""

from __future__ import annotations

import ast
import functools
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "netlab"
GENERATED = "GENERATED_IMPORTS"  # a module's list of what its generated source imports
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


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _with_parents(name: str) -> list[str]:
    """``netlab.report.build`` -> netlab, netlab.report, netlab.report.build (importing runs each)."""
    parts = name.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def _imported_names(path: Path, root: Path) -> tuple[str, ...]:
    """Every module name an import statement anywhere in ``path`` may load (absolute, relative resolved)."""
    inside = root / PACKAGE in path.parents
    package = _module_name(path, root) if inside else None
    if package is not None and path.name != "__init__.py":
        package = package.rpartition(".")[0]
    return _names_in_source(path.read_bytes(), str(path), package)


@functools.lru_cache(maxsize=1024)
def _names_in_source(source: bytes, filename: str, package: str | None) -> tuple[str, ...]:
    """``_imported_names`` of one file's content (cached by content: every rule shares the modules)."""
    names: list[str] = []
    tree = ast.parse(source, filename=filename)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if package is None:
                    raise ValueError(f"{filename}: relative import outside the {PACKAGE} package")
                parts = package.split(".")
                base = parts[: len(parts) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            names.append(module)
            # `from netlab import atomic` imports the submodule netlab.atomic
            names.extend(f"{module}.{alias.name}" for alias in node.names if alias.name != "*")
    return tuple(names) + _generated_imports(tree, filename)


def _generated_imports(tree: ast.Module, filename: str) -> tuple[str, ...]:
    """The modules a top-level ``GENERATED_IMPORTS = ("netlab.x", ...)`` names (literal strings only)."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == GENERATED for t in node.targets
        ):
            try:
                names = ast.literal_eval(node.value)
            except ValueError:
                names = _names_of(node.value, tree)
            if not (isinstance(names, tuple) and all(isinstance(n, str) for n in names)):
                raise ValueError(f"{filename}: {GENERATED} must be a tuple of module names")
            return names
    return ()


def _names_of(value: ast.expr, tree: ast.Module) -> object:
    """A tuple of names bound to string constants at the top of ``tree`` (``(HELPERS,)``)."""
    constants = {
        t.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        for t in node.targets
        if isinstance(t, ast.Name)
    }
    if isinstance(value, ast.Tuple) and all(isinstance(e, ast.Name) for e in value.elts):
        return tuple(constants.get(e.id) for e in value.elts)
    return None


def import_closure(roots: Iterable[str | Path], root: Path) -> Imports:
    """The netlab files ``roots`` reach through imports (roots included), and third-party modules used.

    ``roots`` are script files or netlab module names (``netlab.report``); ``root`` is the checkout
    holding the ``netlab`` package.
    """
    root = Path(root).resolve()
    pending: list[Path] = []
    for item in roots:
        if isinstance(item, Path) or str(item).endswith(".py"):
            pending.append(Path(item).resolve())
        else:
            pending.extend(
                f for n in _with_parents(str(item)) if (f := module_file(n, root)) is not None
            )
            if module_file(str(item), root) is None:
                raise ValueError(f"no module {item} under {root}")
    seen: set[Path] = set()
    third_party: set[str] = set()
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in _imported_names(path, root):
            top = name.partition(".")[0]
            if top == PACKAGE:
                pending.extend(f for n in _with_parents(name) if (f := module_file(n, root)))
            elif top and top not in sys.stdlib_module_names and top != "__future__":
                third_party.add(top)
    return Imports(tuple(sorted(seen)), frozenset(third_party))


def shell_modules(command: str) -> list[str]:
    """The netlab modules a shell command runs with ``python -m``."""
    return _MODULE_RUN.findall(command)
