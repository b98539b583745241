"""The import contracts (pyproject.toml, `lint-imports`) hold, and a module that breaks one is named.

A rule's code fingerprint is its script's import closure, so a wrong-way import is a wrong re-run:
the contracts are what keeps the rerun graph as the docs describe it (docs/layout.md).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def lint_imports(checkout: Path) -> subprocess.CompletedProcess:
    """``lint-imports`` on ``checkout`` (its netlab and its pyproject.toml), as .ci/run runs it."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    lint = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(lint), "--no-cache"],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def checkout(tmp_path) -> Path:
    shutil.copytree(
        ROOT / "netlab", tmp_path / "netlab", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_contracts_hold(checkout):
    proc = lint_imports(checkout)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


@pytest.mark.parametrize(
    "module, line, contract",
    [
        # the old wrong-way imports: a figure reaching the trial job, the image figures the loss curves,
        # the report the image transforms (and so torchvision)
        (
            "netlab/toy/figures/boundary.py",
            "from netlab.toy.trial import run_trial",
            "figures load results",
        ),
        ("netlab/images/figures.py", "from netlab.toy.figures import across_trials", "layers:"),
        (
            "netlab/report/images.py",
            "from netlab.images import transforms",
            "the report draws nothing",
        ),
        ("netlab/toy/trainer/general.py", "from netlab.toy import training", "trainer's paths"),
        ("netlab/toy/selection.py", "from netlab.workflow import config", "layers:"),
        ("netlab/toy/paths.py", "from netlab.toy import selection", "no import cycles"),
    ],
)
def test_a_wrong_way_import_fails_naming_the_contract(checkout, module, line, contract):
    path = checkout / module
    path.write_text(path.read_text() + f"\n{line}  # noqa\n")
    proc = lint_imports(checkout)
    assert proc.returncode != 0
    assert "Broken contracts" in proc.stdout, proc.stdout + proc.stderr
    assert contract in proc.stdout.split("Broken contracts", 1)[1], proc.stdout
