"""Shared fixtures: the real workflow run once on the tiny test config."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
TEST_CONFIG = ROOT / "tests" / "config" / "config.yaml"


def snakemake(workdir: Path, *args: str, config: Path | None = None, check: bool = True,
              timeout: float = 900) -> subprocess.CompletedProcess:
    """Run the project's Snakefile in ``workdir`` (outputs land there, not in the repository)."""
    cmd = [
        sys.executable, "-m", "snakemake",
        "--snakefile", str(ROOT / "Snakefile"),
        "--directory", str(workdir),
        "--configfile", str(config or TEST_CONFIG),
        *args,
    ]
    env = {**os.environ, "PYTHONHASHSEED": "random"}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}")
    return proc


def write_config(path: Path, edit=None) -> Path:
    """A copy of the test config, optionally edited by ``edit(config)``."""
    config = yaml.safe_load(TEST_CONFIG.read_text())
    if edit:
        edit(config)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


@pytest.fixture(scope="session")
def workflow_run(tmp_path_factory) -> Path:
    """A complete run of the default target on the test config."""
    workdir = tmp_path_factory.mktemp("workflow")
    snakemake(workdir, "--cores", "2")
    return workdir


@pytest.fixture
def workflow_copy(workflow_run, tmp_path) -> Path:
    """A private copy of the finished run (timestamps and Snakemake's metadata kept) to modify."""
    dest = tmp_path / "run"
    shutil.copytree(workflow_run, dest, symlinks=True)
    return dest
