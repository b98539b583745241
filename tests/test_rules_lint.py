"""ruff on the rules: Snakemake's own parser compiles ``rules/*.smk`` and the ``Snakefile`` to the Python they
run, and ruff looks there for what it cannot see in their Snakemake syntax (imports and names left unused)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT

from netlab.workflow.snakemake_internals import compiled_source

# unused imports, redefined names, unused variables: what the rules' own Python can get wrong
CHECKS = "F401,F811,F841"


def lint(source: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", "--select", CHECKS,
         "--stdin-filename", "rules.py", "-"],
        input=source, capture_output=True, text=True,
    )  # fmt: skip


@pytest.fixture(scope="module")
def compiled(parsed_workflow):
    # common.smk first, the Snakefile last: each name is defined before the files that use it
    files = [
        ROOT / "rules/common.smk",
        *sorted((ROOT / "rules").glob("[!c]*.smk")),
        ROOT / "Snakefile",
    ]
    return compiled_source(parsed_workflow, files)


def test_the_rules_import_nothing_they_do_not_use(compiled):
    proc = lint(compiled)
    assert "from netlab.toy import jobs" in compiled.replace(" . ", ".")
    assert proc.returncode == 0, proc.stdout


def test_an_unused_import_in_the_rules_is_found(compiled):
    proc = lint(compiled.replace("import sys\n", "import sys\nimport shutil\n", 1))
    assert proc.returncode == 1 and "`shutil` imported but unused" in proc.stdout
