"""Shared fixtures: the real workflow, copied out of the repository and run once on the tiny test config."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import filelock
import forked_snakemake
import pytest
import yaml

# the shared helpers' asserts explain themselves as the tests' own do
pytest.register_assert_rewrite("helpers")

ROOT = Path(__file__).resolve().parents[1]
TEST_CONFIG = ROOT / "tests" / "config" / "config.yaml"
# Every process the tests start, a copy of the workflow included, finds its compiled kernels in the checkout's
# kernel cache, as every job of one install does (its files are named by the kernel's source and CPU target,
# never by where the package lies); each copy would otherwise compile the same kernels again. A test that
# needs a cache of its own sets NETLAB_KERNEL_DIR itself.
os.environ.setdefault("NETLAB_KERNEL_DIR", str(ROOT / "netlab" / "toy" / "__pycache__" / "fused"))
# What a clone holds that the workflow needs; tests edit these copies, never the repository.
WORKFLOW_FILES = [
    "Snakefile",
    "config.yaml",
    "rules",
    "scripts",
    "netlab",
    "schemas",
    "envs",
    "profiles",
    "report",
]


def copy_sources(source: Path, dest: Path) -> Path:
    """``source``'s workflow files (``WORKFLOW_FILES``, no caches) copied to ``dest``, new timestamps
    as in a clone; the benchmarks use it too."""
    dest.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in WORKFLOW_FILES:
        if (source / name).is_dir():
            shutil.copytree(source / name, dest / name, ignore=ignore)
        elif (source / name).exists():
            shutil.copy(source / name, dest / name)
    return dest


def copy_workflow(dest: Path) -> Path:
    """A fresh copy of the workflow's sources and the test config in ``dest``."""
    copy_sources(ROOT, dest)
    (dest / "tests" / "config").mkdir(parents=True)
    shutil.copy(TEST_CONFIG, dest / "tests" / "config" / "config.yaml")
    return dest


_SNAKEMAKE = forked_snakemake.Server()


def snakemake_arguments(workdir: Path, *args: str, config: Path | None = None) -> list[str]:
    """Snakemake's arguments for a run in ``workdir`` with the workflow copied there (or the repository's, if
    none was) and ``config`` (the test config) alone, then ``args``."""
    snakefile = workdir / "Snakefile" if (workdir / "Snakefile").exists() else ROOT / "Snakefile"
    return [
        "--snakefile",
        str(snakefile),
        "--directory",
        str(workdir),
        "--configfile",
        str(config or TEST_CONFIG),
        "--replace-workflow-config",  # the test config alone, not merged into config.yaml
        *args,
    ]


def snakemake(
    workdir: Path,
    *args: str,
    config: Path | None = None,
    check: bool = True,
    timeout: float = 900,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """Run Snakemake in ``workdir`` (``snakemake_arguments``)."""
    arguments = snakemake_arguments(workdir, *args, config=config)
    return typed(Path.cwd(), *arguments, check=check, timeout=timeout, env=env)


def typed(
    cwd: Path,
    *arguments: str,
    check: bool = True,
    timeout: float = 900,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """``snakemake ARGUMENTS`` typed at a shell in ``cwd`` (``python -m snakemake``; in a fork of the tests'
    server while the environment is the one it started with, ``tests/forked_snakemake.py``)."""
    env = env or dict(os.environ)
    if _SNAKEMAKE.usable(env):
        proc = _SNAKEMAKE.run(list(arguments), timeout, cwd)
    else:
        cmd = [sys.executable, "-m", "snakemake", *arguments]
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd
        )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"snakemake {' '.join(arguments)} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}"
        )
    return proc


def write_config(path: Path, edit: Callable[[dict], object] | None = None) -> Path:
    """A copy of the test config, optionally changed by ``edit(config)``."""
    config = yaml.safe_load(TEST_CONFIG.read_text())
    if edit:
        edit(config)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


@dataclass
class PlannedJob:
    """One job of a dry run's plan, as Snakemake prints it (``rule NAME:`` and its indented fields)."""

    rule: str
    local: bool = False  # ``localrule``/``localcheckpoint``
    checkpoint: bool = False
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    benchmark: str | None = None
    reason: str = ""
    wildcards: dict[str, str] = field(default_factory=dict)
    resources: dict[str, str] = field(default_factory=dict)
    jobid: int | None = None
    fields: dict[str, str] = field(default_factory=dict)  # every field as printed, by name


_JOB_HEADER = re.compile(r"^(local)?(rule|checkpoint) (\w+):$")
_JOB_FIELD = re.compile(r"^    (\w+):(.*)$")
_ASSIGNMENT = re.compile(r", (?=\w+=)")  # between ``name=value`` items (values may hold ", ")


def _files(value: str | None) -> list[str]:
    return value.split(", ") if value else []


def _assignments(value: str | None) -> dict[str, str]:
    return dict(item.split("=", 1) for item in _ASSIGNMENT.split(value)) if value else {}


def parse_dry_run(text: str) -> list[PlannedJob]:
    """The jobs of a dry run's printed plan (Snakemake 9: a header line, then four-space indented fields).

    The tests' one reader of Snakemake's plan: every test that looks at a plan looks through this.
    """
    jobs = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        header = _JOB_HEADER.match(line)
        if not header:
            continue
        fields = {}
        for field_line in itertools.takewhile(lambda s: s.startswith("    "), lines[i + 1 :]):
            match = _JOB_FIELD.match(field_line)
            assert match, f"a line of a planned job that is no field: {field_line!r}\n{text}"
            fields[match[1]] = match[2].strip()
        jobs.append(
            PlannedJob(
                rule=header[3],
                local=bool(header[1]),
                checkpoint=header[2] == "checkpoint",
                inputs=_files(fields.get("input")),
                outputs=_files(fields.get("output")),
                log=_files(fields.get("log")),
                benchmark=fields.get("benchmark"),
                reason=fields.get("reason", ""),
                wildcards=_assignments(fields.get("wildcards")),
                resources=_assignments(fields.get("resources")),
                jobid=int(fields["jobid"]) if "jobid" in fields else None,
                fields=fields,
            )
        )
    return jobs


def dry_run(
    workdir: Path, *args: str, config: Path | None = None, cores: int = 1
) -> list[PlannedJob]:
    """The jobs ``snakemake --dry-run --cores CORES ARGS`` plans in ``workdir`` (see ``snakemake``)."""
    proc = snakemake(workdir, "--dry-run", "--cores", str(cores), *args, config=config)
    return parse_dry_run(proc.stdout + proc.stderr)


def planned_jobs(workdir: Path, config: Path | None = None) -> dict[str, set[str]]:
    """What a dry run would execute: rule name -> the first output of each of its jobs."""
    return first_outputs(dry_run(workdir, config=config))


def first_outputs(plan: list[PlannedJob]) -> dict[str, set[str]]:
    """Rule name -> the first output of each of its jobs in ``plan``; jobs without outputs (``all`` and
    the other target rules) are left out."""
    jobs: dict[str, set[str]] = {}
    for job in plan:
        if job.rule != "all" and job.outputs:
            jobs.setdefault(job.rule, set()).add(job.outputs[0])
    return jobs


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The heavy files first, the many quick ones last, so that pytest-xdist (whole files, in this order:
    ``--no-loadscope-reorder``) ends with small pieces on every worker instead of one worker still in a long
    file while the other idles. First the files that need the shared workflow run (the first worker to ask
    makes it on both cores), then the other files with slow tests."""
    needing = {item.path for item in items if "workflow_run" in item.fixturenames}
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: (item.path not in needing, item.path not in slow))


@pytest.fixture(scope="session")
def workflow_run(tmp_path_factory) -> Path:
    """A complete run of the default target on the test config, in a copy of the workflow: one run for
    the whole session, shared by pytest-xdist's workers (the first to ask makes it, the others wait)."""
    if "PYTEST_XDIST_WORKER" not in os.environ:  # no workers: this session's own folder
        shared = tmp_path_factory.mktemp("workflow")
    else:  # the workers' folders share a parent, new for each session
        shared = tmp_path_factory.getbasetemp().parent / "workflow"
        shared.mkdir(exist_ok=True)
    workdir, done = shared / "clone", shared / "finished"
    with filelock.FileLock(shared / "run.lock"):
        if not done.is_file():
            shutil.rmtree(workdir, ignore_errors=True)  # a run that failed in another worker
            copy_workflow(workdir)
            snakemake(workdir, "--cores", "2", config=workdir / "tests" / "config" / "config.yaml")
            done.touch()
    return workdir


@pytest.fixture
def workflow_copy(workflow_run, tmp_path) -> Path:
    """A private copy of the finished run (timestamps and Snakemake's metadata kept) to change."""
    dest = tmp_path / "clone"
    shutil.copytree(workflow_run, dest, symlinks=True)
    return dest


@pytest.fixture
def data_file(tmp_path):
    """A small seeded data file (40 XOR points) as ``toy_data`` writes it, for trial jobs to train on."""
    from netlab.toy import datasets

    x, labels = datasets.generate({"generator": "xor", "n": 40, "margin": 0.5}, seed=3)
    path = tmp_path / "data.txt"
    path.write_text(datasets.format_points(x, labels))
    return path


@pytest.fixture(scope="session")
def parsed_workflow():
    """The workflow as Snakemake parses it (test config), without running anything: the object a
    Snakefile calls ``workflow``."""
    from netlab.workflow.snakemake_internals import parsed

    with parsed(ROOT / "Snakefile", ROOT, [TEST_CONFIG]) as workflow:
        yield workflow


@pytest.fixture(scope="session")
def parsed_rules(parsed_workflow):
    """The parsed workflow's rules."""
    return list(parsed_workflow.rules)
