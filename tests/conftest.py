"""Shared fixtures: the real workflow, copied out of the repository and run once on the tiny test config."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
TEST_CONFIG = ROOT / "tests" / "config" / "config.yaml"
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


def copy_workflow(dest: Path) -> Path:
    """A fresh copy of the workflow's sources (new timestamps, like a clone) in ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in WORKFLOW_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=ignore)
        elif src.exists():
            shutil.copy(src, dest / name)
    (dest / "tests" / "config").mkdir(parents=True)
    shutil.copy(TEST_CONFIG, dest / "tests" / "config" / "config.yaml")
    return dest


def snakemake(
    workdir: Path,
    *args: str,
    config: Path | None = None,
    check: bool = True,
    timeout: float = 900,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """Run Snakemake in ``workdir`` with the workflow copied there (or the repository's, if none was)."""
    snakefile = workdir / "Snakefile" if (workdir / "Snakefile").exists() else ROOT / "Snakefile"
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(snakefile),
        "--directory",
        str(workdir),
        "--configfile",
        str(config or TEST_CONFIG),
        "--replace-workflow-config",  # the test config alone, not merged into config.yaml
        *args,
    ]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=timeout, env=env or dict(os.environ)
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"snakemake {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}"
        )
    return proc


def write_config(path: Path, edit: Callable[[dict], object] | None = None) -> Path:
    """A copy of the test config, optionally changed by ``edit(config)``."""
    config = yaml.safe_load(TEST_CONFIG.read_text())
    if edit:
        edit(config)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


_JOB = re.compile(r"^(?:local)?rule (\w+):\n(?:    .*\n)*?    output: (.*)$", re.MULTILINE)


def planned_jobs(workdir: Path, config: Path | None = None) -> dict[str, set[str]]:
    """What a dry run would execute: rule name -> the first output of each of its jobs."""
    proc = snakemake(workdir, "--dry-run", "--cores", "1", config=config)
    jobs: dict[str, set[str]] = {}
    for rule, outputs in _JOB.findall(proc.stdout + proc.stderr):
        jobs.setdefault(rule, set()).add(outputs.split(", ")[0])
    jobs.pop("all", None)
    return jobs


@pytest.fixture(scope="session")
def workflow_run(tmp_path_factory) -> Path:
    """A complete run of the default target on the test config, in a copy of the workflow."""
    workdir = copy_workflow(tmp_path_factory.mktemp("workflow") / "clone")
    snakemake(workdir, "--cores", "2", config=workdir / "tests" / "config" / "config.yaml")
    return workdir


@pytest.fixture
def workflow_copy(workflow_run, tmp_path) -> Path:
    """A private copy of the finished run (timestamps and Snakemake's metadata kept) to change."""
    dest = tmp_path / "clone"
    shutil.copytree(workflow_run, dest, symlinks=True)
    return dest


@pytest.fixture(scope="session")
def parsed_rules():
    """The workflow's rules as Snakemake parses them (test config), without running anything."""
    from snakemake.api import SnakemakeApi
    from snakemake.settings.enums import Quietness
    from snakemake.settings.types import ConfigSettings, OutputSettings, ResourceSettings

    with SnakemakeApi(OutputSettings(quiet={Quietness.ALL})) as api:
        workflow = api.workflow(
            snakefile=ROOT / "Snakefile",
            workdir=ROOT,
            resource_settings=ResourceSettings(),
            config_settings=ConfigSettings(configfiles=[TEST_CONFIG]),
        )
        yield list(workflow._workflow.rules)
