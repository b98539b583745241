"""The tests' forked Snakemake (``tests/forked_snakemake.py``) answers as ``python -m snakemake`` does."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest
from conftest import TEST_CONFIG, copy_workflow, parse_dry_run, snakemake_arguments
from forked_snakemake import Server

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the server forks")


def planned(proc: subprocess.CompletedProcess) -> list[tuple]:
    """The jobs of a dry run and the files their reasons name, each in an order of their own: Snakemake
    numbers jobs and lists a reason's files in its sets' order, which differs from process to process."""
    jobs = parse_dry_run(proc.stdout + proc.stderr)
    reason = lambda job: sorted(re.split(r"[:;,] ", job.reason))  # noqa: E731
    return sorted((j.rule, j.outputs, reason(j), sorted(j.resources.items())) for j in jobs)


def test_a_dry_run_and_a_refused_config_read_the_same_both_ways(tmp_path):
    server = Server()
    bad = tmp_path / "bad.yaml"
    bad.write_text(TEST_CONFIG.read_text().replace("seed: 7", "seed: seven"))
    for config, status in ((TEST_CONFIG, 0), (bad, 1)):
        args = snakemake_arguments(tmp_path, "--dry-run", "--cores", "1", config=config)
        assert server.usable(dict(os.environ))
        forked = server.run(args, timeout=300)
        plain = subprocess.run(
            [sys.executable, "-m", "snakemake", *args], capture_output=True, text=True
        )
        assert forked.returncode == plain.returncode == status, forked.stderr[-2000:]
        if status == 0:
            jobs = planned(forked)
            assert len(jobs) > 20 and jobs == planned(plain)
        else:
            assert "config key seed" in forked.stderr + forked.stdout
            assert (forked.stdout + forked.stderr).count("seven") == (
                plain.stdout + plain.stderr
            ).count("seven")
    # another environment is not the server's: the caller runs Snakemake itself
    assert not server.usable({**os.environ, "NETLAB_VECTOR_BITS": "256"})


def test_a_command_typed_in_a_workflow_folder_plans_the_same_both_ways(tmp_path):
    """As a user types it: no ``--snakefile`` or ``--configfile``, the folder's own ``config.yaml``."""
    workdir = copy_workflow(tmp_path / "netlab")
    shutil.copy(TEST_CONFIG, workdir / "config.yaml")
    server, args = Server(), ["--dry-run", "--cores", "1"]
    assert server.usable(dict(os.environ))
    forked = server.run(args, timeout=300, cwd=workdir)
    plain = subprocess.run(
        [sys.executable, "-m", "snakemake", *args], capture_output=True, text=True, cwd=workdir
    )
    assert forked.returncode == plain.returncode == 0, forked.stderr[-2000:]
    jobs = planned(forked)
    assert len(jobs) > 20 and jobs == planned(plain)
    outputs = {o for job in jobs for o in job[1]}
    assert (
        "results/data/data4.txt" in outputs and "results/data/data2.txt" not in outputs
    )  # its config
