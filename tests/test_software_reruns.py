"""Software versions are part of what a job computed with: another scikit-learn re-runs exactly the jobs whose
code imports it, the dry run names both versions, and the lock's version again plans nothing.

The other version is a distribution record put first on the path (what `pip install scikit-learn==X`
changes for `importlib.metadata`), so the test needs no network and changes no installed package.
"""

from __future__ import annotations

import importlib.metadata as metadata
import os

import pytest
from conftest import snakemake

pytestmark = pytest.mark.slow


def dry_run(workdir, env=None) -> str:
    proc = snakemake(
        workdir,
        "--dry-run",
        "--cores",
        "1",
        config=workdir / "tests/config/config.yaml",
        env=env,
    )
    return proc.stdout + proc.stderr


def test_another_scikit_learn_reruns_the_classifiers_only(workflow_copy, tmp_path):
    installed = metadata.version("scikit-learn")
    other = "0.0.1"
    record = tmp_path / "site" / f"scikit_learn-{other}.dist-info"
    record.mkdir(parents=True)
    (record / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: scikit-learn\nVersion: {other}\n"
    )
    (record / "top_level.txt").write_text("sklearn\n")
    path = os.pathsep.join(filter(None, [str(tmp_path / "site"), os.environ.get("PYTHONPATH")]))
    text = dry_run(workflow_copy, env={**os.environ, "PYTHONPATH": path})
    changed = [line for line in text.splitlines() if "Params have changed" in line]
    assert len(changed) == 2, text[
        -3000:
    ]  # classify and classify_cv, the rules whose code imports sklearn
    for line in changed:
        assert "before: 'numpy" in line and f"scikit-learn=={installed}" in line
        assert "now: 'numpy" in line and f"scikit-learn=={other}" in line
    heads = [line for line in text.splitlines() if line.startswith(("rule ", "localrule "))]
    jobs = {line.split()[1].rstrip(":") for line in heads} - {"all"}
    assert jobs == {"classify", "classify_cv", "image_plots", "report"}, jobs
    assert "Nothing to be done" in dry_run(workflow_copy)
