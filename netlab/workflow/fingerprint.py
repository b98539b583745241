"""Fingerprints of code and settings that decide whether a result is still current."""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata as metadata
import json
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from netlab import atomic
from netlab.workflow.codegraph import Imports, import_closure, shell_modules


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


def job_imports(root: str | Path, script: str | Path | None = None, command: str = "") -> Imports:
    """What a job runs (``files``): its script, if any, and every netlab module the script (a Python one) or
    ``python -m netlab.x`` in ``command`` reaches through imports, in a stable order; and the third-party
    modules they import. A script in another language counts by its own content only."""
    root = Path(root).resolve()
    script = Path(script).resolve() if script is not None else None
    roots: list[str | Path] = [*shell_modules(command)]
    roots += [script] if script is not None and script.suffix == ".py" else []
    found = import_closure(roots, root) if roots else Imports((), frozenset())
    files = set(found.files) | ({script} if script is not None else set())
    return Imports(tuple(sorted(files)), found.third_party)


_distributions = functools.cache(metadata.packages_distributions)  # one scan of the environment


def providers(modules: Iterable[str]) -> dict[str, set[str]]:
    """Top-level module -> the installed distributions that provide it (named as their metadata has it)."""
    return {m: set(_distributions().get(m, [])) for m in modules}


def software_versions(modules: Iterable[str]) -> str:
    """``name==version`` of the installed distributions that provide ``modules`` (top-level names),
    sorted: what a job computed with besides its code. A module no distribution provides is left out."""
    found = providers(modules).values()
    return " ".join(sorted({f"{d}=={metadata.version(d)}" for names in found for d in names}))


def code_digest(
    root: str | Path, script: str | Path | None = None, command: str = "", source: str = ""
) -> str:
    """Digest of everything a job executes: script, reached netlab modules, shell command or
    ``run:`` source text. Judged by content alone, so editing any of these re-runs exactly its jobs."""
    root = Path(root).resolve()
    h = hashlib.sha256()
    h.update(digest_files(job_imports(root, script, command).files, root).encode())
    h.update(f"\0{command}\0{source}".encode())
    return h.hexdigest()[:16]


def env_digest(env_file: str | Path, root: str | Path) -> str:
    """Digest of a conda env's files by content: its file (``envs/NAME.yaml``) and the files Snakemake
    deploys with it (``NAME.post-deploy.sh``, ``NAME.PLATFORM.pin.txt``), named inside ``root``. Not where the
    env is created, which Snakemake's own ``software-env`` trigger hashes too (results moved to another folder
    would re-run every job), so the profiles leave that trigger out."""
    env_file = Path(env_file).resolve()
    return digest_files(sorted(env_file.parent.glob(f"{env_file.stem}.*")), Path(root).resolve())


def tree_stamp(folders: Iterable[str | Path], extra: Iterable[object] = ()) -> str:
    """A digest of the path, size, modification and change times of every file under ``folders``
    (``__pycache__`` aside) and of ``extra``: it changes whenever any of those files is edited, added,
    removed, moved or replaced (a change time cannot be set back), so what was derived from their
    contents while it held is still right."""
    h = hashlib.sha256()
    for value in extra:
        h.update(f"{value!r}\0".encode())
    for folder in folders:
        folder = Path(folder)
        h.update(f"{folder}\0".encode())
        if not folder.exists():
            continue
        for path in sorted(folder.rglob("*")):
            if "__pycache__" not in path.parts and not path.is_dir():  # files name their folders
                h.update(stat_line(path).encode())
    return h.hexdigest()


def stat_line(path: str | Path) -> str:
    """``path size mtime ctime`` (nanoseconds), or ``path -`` when there is no such file."""
    try:
        st = Path(path).stat()
    except OSError:
        return f"{path} -\n"
    return f"{path} {st.st_size} {st.st_mtime_ns} {st.st_ctime_ns}\n"


def environment_stamp(checkout: str | Path | None = None) -> tuple[str, ...]:
    """What ``software_versions`` reads, by stat: the interpreter and each ``sys.path`` directory holding
    installed distributions (an install or removal changes its times). ``checkout`` is left out: the
    workflow puts it on the path, and its ``netlab.egg-info`` (``pip install -e .``) is no installed software."""
    skip = Path(checkout).resolve() if checkout is not None else None
    folders = []
    for entry in sys.path:
        folder = Path(entry or ".").resolve()
        if folder == skip:
            continue
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        if any(n.endswith((".dist-info", ".egg-info", ".egg-link", ".pth")) for n in names):
            folders.append(folder)
    return (stat_line(sys.executable), *map(stat_line, sorted(set(folders))))


class DigestCache:
    """Digests kept in a JSON file while a stamp (``tree_stamp``) of the files they were computed from
    holds, so each cluster job's parse reads what the submitting process computed. Entries are keyed by
    their inputs; another stamp empties the cache. Saved atomically for concurrent jobs."""

    def __init__(self, path: str | Path, stamp: str) -> None:
        self.path = Path(path)
        self.stamp = stamp
        self.entries: dict[str, object] = {}
        self.changed = False
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            saved = {}
        if isinstance(saved, dict) and saved.get("stamp") == stamp:
            self.entries = dict(saved.get("entries", {}))

    def get(self, key: object, compute: Callable[[], object]) -> object:
        """The entry for ``key`` (anything ``json.dumps`` takes), computed and stored when missing."""
        text = json.dumps(key, sort_keys=True, default=str)
        if text not in self.entries:
            self.entries[text] = compute()
            self.changed = True
        return self.entries[text]

    def save(self) -> None:
        """Write the cache if an entry was added (best effort: a read-only directory only costs time)."""
        if not self.changed:
            return
        try:
            atomic.write_json(
                self.path, {"stamp": self.stamp, "entries": self.entries}, shared=True
            )
        except OSError:
            return
        self.changed = False


class RuleDigests:
    """Each code-running rule's params: ``code``, the digest of what its job executes, and ``software``, the
    versions of the distributions that code imports (under ``--sdm conda``, its env files' digest). Contents
    and versions only, never where the checkout or an environment lies. Kept in ``folder`` for every cluster
    job's parse: the digests while nothing under ``netlab/``, ``scripts/``, ``envs/`` and no installed
    distribution has changed; the versions while the environment has not (0.15 s of each parse)."""

    def __init__(self, root: str | Path, folder: str | Path, env_files_decide: bool) -> None:
        self.root = Path(root).resolve()
        self.env_files_decide = env_files_decide
        environment = environment_stamp(self.root)
        code = [self.root / "netlab", self.root / "scripts", self.root / "envs"]
        extra = [str(self.root), env_files_decide, *(() if env_files_decide else environment)]
        self.digests = DigestCache(Path(folder) / "fingerprints.json", tree_stamp(code, extra))
        # the versions are this environment's whatever the mode (under conda: of rules without an env file)
        self.versions = DigestCache(Path(folder) / "software.json", tree_stamp([], environment))

    def __call__(
        self, script: Path | None, command: str, source: str, env_file: Path | None
    ) -> dict[str, str]:
        key = [stat_line(script) if script else "", command, source, str(env_file)]
        return self.digests.get(key, lambda: self._compute(script, command, source, env_file))

    def _compute(
        self, script: Path | None, command: str, source: str, env_file: Path | None
    ) -> dict[str, str]:
        found = {"code": code_digest(self.root, script, command, source)}
        if self.env_files_decide and env_file is not None:
            found["software"] = env_digest(env_file, self.root)
        else:
            modules = sorted(job_imports(self.root, script, command).third_party)
            found["software"] = self.versions.get(modules, lambda: software_versions(modules))
        return found

    def save(self) -> None:
        """Write both caches where an entry was added."""
        self.digests.save()
        self.versions.save()
