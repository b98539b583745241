"""Honest resources: no job of the default run uses more memory than its rule declares to the scheduler."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from conftest import dry_run

pytestmark = pytest.mark.slow


def declared_memory(workdir: Path) -> dict[str, int]:
    """Benchmark file -> ``mem_mb`` of its job, as Snakemake itself evaluates the rules (a forced dry run)."""
    jobs = dry_run(
        workdir, "--forceall", cores=2, config=workdir / "tests" / "config" / "config.yaml"
    )
    declared = {}
    for job in jobs:
        if job.benchmark:
            assert job.resources.get("mem_mb", "").isdigit(), f"a job without mem_mb:\n{job}"
            declared[job.benchmark] = int(job.resources["mem_mb"])
    return declared


def measured_memory(workdir: Path) -> dict[str, float]:
    """Benchmark file -> its ``max_rss`` (MB), for every job of the run that recorded one."""
    measured = {}
    for path in sorted((workdir / "results" / "benchmarks").rglob("*.tsv")):
        with path.open(newline="") as fh:
            rows = list(csv.DictReader(fh, delimiter="\t"))
        values = [float(row["max_rss"]) for row in rows if row["max_rss"] not in ("", "NA", "-")]
        if values:
            measured[str(path.relative_to(workdir))] = max(values)
    return measured


def test_every_job_stays_under_the_memory_it_declares(workflow_run):
    declared = declared_memory(workflow_run)
    measured = measured_memory(workflow_run)
    assert any(name.startswith("results/benchmarks/train_trials/") for name in measured)
    assert set(measured) <= set(declared), (
        f"benchmarks of jobs Snakemake does not plan: {set(measured) - set(declared)}"
    )
    over = {name: (rss, declared[name]) for name, rss in measured.items() if rss >= declared[name]}
    assert not over, f"jobs over their declared mem_mb (max_rss MB, mem_mb): {over}"
