"""What a rule's conda env file provides, checked against what the rule's code imports (the tests' check
of ``envs/*.yaml`` and of the lock, and the offline stand-in for conda that ``offline_conda.py`` is).

No conda channel is reachable where the tests run, so the check is by construction: each package an env
file names is mapped to the Python distribution of the same software (``pytorch`` is ``torch``), its
requirements are followed through the installed distributions' metadata (as conda follows a package's
dependencies), and every top-level module the rule's code may import must come from that set. The same
set can be laid out as a site-packages directory holding nothing else, to run a job against it.
"""

from __future__ import annotations

import importlib.metadata as metadata
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import yaml
from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from netlab.workflow.fingerprint import providers

# conda-forge package -> the Python distribution it installs, where the names differ (besides case, -/_).
CONDA_TO_DISTRIBUTION = {
    "pytorch": "torch",
    "pytorch-gpu": "torch",
    "pytorch-cpu": "torch",
    "matplotlib-base": "matplotlib",
    "snakemake-minimal": "snakemake",
}
# conda packages that are no Python distribution of their own
NOT_DISTRIBUTIONS = {"python", "pip"}


def env_packages(env_file: str | Path) -> list[str]:
    """The conda package names an env file lists (versions dropped); pip entries are not packages."""
    spec = yaml.safe_load(Path(env_file).read_text())
    names = []
    for entry in spec.get("dependencies") or []:
        if isinstance(entry, str):
            names.append(re.split(r"[\s=<>!~]", entry.strip(), maxsplit=1)[0])
    return names


def env_pins(env_file: str | Path) -> dict[str, str | None]:
    """Distribution (canonical name) -> the exact version an env file pins (``numpy =2.4.6``), or None
    where it gives a range or no version; ``python`` and ``pip`` are left out."""
    spec = yaml.safe_load(Path(env_file).read_text())
    pins: dict[str, str | None] = {}
    for entry in spec.get("dependencies") or []:
        if not isinstance(entry, str):
            continue
        match = re.fullmatch(
            r"([A-Za-z0-9_.-]+)\s*(?:==?\s*([0-9][^\s,*|<>=!]*))?(.*)", entry.strip()
        )
        if match is None or match.group(1) in NOT_DISTRIBUTIONS:
            continue
        name, version, rest = match.groups()
        pins[canonicalize_name(CONDA_TO_DISTRIBUTION.get(name, name))] = (
            version if not rest.strip() else None
        )
    return pins


def lock_pins(lock_file: str | Path) -> dict[str, str]:
    """Distribution (canonical name) -> version, from a hashed requirements lock (``name==version``)."""
    found = re.findall(r"^([A-Za-z0-9_.-]+)==([^\s\\;]+)", Path(lock_file).read_text(), re.M)
    return {canonicalize_name(name): version for name, version in found}


def env_distributions(env_file: str | Path) -> set[str]:
    """The Python distributions an env file names, canonical names."""
    return set(env_pins(env_file))


def _installed() -> dict[str, metadata.Distribution]:
    return {canonicalize_name(d.metadata["Name"]): d for d in metadata.distributions()}


def requirement_closure(
    names: Iterable[str], installed: Mapping[str, metadata.Distribution] | None = None
) -> set[str]:
    """``names`` and everything they require (no extras, markers for this platform), as installed here.

    A requirement that is not installed here (a CUDA library the CPU build does without) is left out.
    """
    installed = _installed() if installed is None else installed
    environment = {**default_environment(), "extra": ""}
    seen: set[str] = set()
    pending = [canonicalize_name(n) for n in names]
    while pending:
        name = pending.pop()
        if name in seen or name not in installed:
            continue
        seen.add(name)
        for text in installed[name].requires or []:
            try:
                requirement = Requirement(text)
            except InvalidRequirement:
                continue
            if requirement.marker is None or requirement.marker.evaluate(environment):
                pending.append(canonicalize_name(requirement.name))
    return seen


def missing_modules(modules: Iterable[str], env_file: str | Path) -> dict[str, set[str]]:
    """The modules among ``modules`` that no distribution of the env provides -> their providers here,
    canonical names (an empty set: not installed anywhere here)."""
    available = requirement_closure(env_distributions(env_file))
    found = {m: set(map(canonicalize_name, names)) for m, names in providers(modules).items()}
    return {m: names for m, names in found.items() if not names & available}


def link_site_packages(distributions: Iterable[str], site: Path) -> list[str]:
    """Fill ``site`` with links to the installed files of ``distributions`` only; return what was linked."""
    installed = _installed()
    site.mkdir(parents=True, exist_ok=True)
    linked = []
    for name in sorted(distributions):
        dist = installed[name]
        for top in sorted(
            {Path(f).parts[0] for f in dist.files or [] if not str(f).startswith("..")}
        ):
            source = Path(dist.locate_file(top))
            if source.exists() and not (site / top).exists():
                os.symlink(source, site / top)
                linked.append(top)
    return linked
