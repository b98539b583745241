"""Same numbers everywhere, and interruption or failure loses nothing.

Compares runs of the tiny test config against the shared --cores 2 run: copies of it without their trials
and features, run again and killed (SIGINT, SIGKILL of
the whole process group) while trials and features run and then resumed, one of them with --cores 1 (so
the jobs it re-runs, the features among them, run on one core: the same numbers), and a copy of that run
with one bad data file added, under --keep-going.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import planned_jobs, snakemake
from helpers import assert_same_results, result_files

pytestmark = pytest.mark.slow


def _start(workdir: Path) -> subprocess.Popen:
    cmd = [
        sys.executable, "-m", "snakemake", "--snakefile", str(workdir / "Snakefile"), "--directory", str(workdir),
        "--configfile", str(workdir / "tests/config/config.yaml"), "--replace-workflow-config", "--cores", "2",
    ]  # fmt: skip
    return subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )


def _wait_until_busy(workdir: Path, proc: subprocess.Popen, timeout: float = 300) -> None:
    """Wait until some trials are done and a feature extraction is under way."""
    deadline = time.monotonic() + timeout
    results = workdir / "results"
    while time.monotonic() < deadline:
        trials_done = list(results.glob("mlp/*/*/*/trial*.json"))
        features_started = (
            list((results / "logs" / "features").glob("*.log")) if results.exists() else []
        )
        if trials_done and features_started:
            return
        assert proc.poll() is None, "the run finished before it could be interrupted"
        time.sleep(0.05)
    raise AssertionError("the run never reached trials and features together")


@pytest.mark.parametrize("how", ["SIGINT", "SIGKILL"])
def test_interrupted_run_resumes_to_the_same_results(workflow_run, workflow_copy, how):
    """A copy of the finished run without its trials, features and what reads them (and logs) runs them
    again, is killed while trials and features are both under way, and resumes to the same results."""
    workdir = workflow_copy
    for rel in ("mlp", "features", "classify", "report", "logs"):
        shutil.rmtree(workdir / "results" / rel)
    proc = _start(workdir)
    try:
        _wait_until_busy(workdir, proc)
        os.killpg(proc.pid, getattr(signal, how))
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    finished = {rel: p.stat().st_mtime_ns for rel, p in result_files(workdir).items()}
    # no output is ever half-written: every JSON present parses, no temporary files are left visible
    for _rel, path in result_files(workdir).items():
        if path.suffix == ".json":
            json.loads(path.read_text())
    # resume: the profile sets rerun-incomplete, so the plain command finishes the run; a killed
    # Snakemake could not release its lock, which --unlock does (as the README says)
    if how == "SIGKILL":
        snakemake(workdir, "--unlock", config=workdir / "tests/config/config.yaml")
    cores = (
        "1" if how == "SIGINT" else "2"
    )  # the resumed jobs on one core give the same numbers too
    snakemake(workdir, "--cores", cores, config=workdir / "tests/config/config.yaml")
    assert_same_results(workflow_run, workdir)
    rerun = [rel for rel, mtime in finished.items() if (workdir / rel).stat().st_mtime_ns != mtime]
    # only unfinished jobs ran again: finished trials kept their files (a job killed after writing but
    # before Snakemake recorded it may legitimately run again, so allow a few)
    trials_before = [rel for rel in finished if "/trial" in rel and rel.endswith(".json")]
    assert trials_before and len([r for r in rerun if r in trials_before]) <= 2, rerun
    assert planned_jobs(workdir, workdir / "tests/config/config.yaml") == {}


def test_failed_job_loses_nothing_and_names_the_cause(workflow_copy):
    """A finished run, then a data set added whose file is bad and three independent results removed:
    under --keep-going the bad file's job fails naming the line, and the independent jobs still run."""
    workdir = workflow_copy
    independent = [
        "results/mlp/one_hidden_layer/data4",  # trial jobs of the failing data set's experiment
        "results/mlp/two_hidden_layers/trials.csv",  # another experiment's summary
        "results/classify/metrics.json",  # the images part
    ]
    for rel in independent:
        if (workdir / rel).is_dir():
            shutil.rmtree(workdir / rel)
        else:
            (workdir / rel).unlink()
    (workdir / "mine.txt").write_text("1.0 2.0 1\n3.0 4.0 -1\n5.0 six 1\n")
    config = workdir / "failing.yaml"
    text = (workdir / "tests/config/config.yaml").read_text()
    text = text.replace(
        "  noisy: {generator: noisy, n: 120}",
        "  noisy: {generator: noisy, n: 120}\n  mine: {path: mine.txt}",
    )
    text = text.replace("datasets: [data1, data4]", "datasets: [data1, data4, mine]")
    config.write_text(text)
    waiting = ["results/mlp/one_hidden_layer/trials.csv", "results/report/index.html"]
    made = {rel: (workdir / rel).stat().st_mtime_ns for rel in waiting}
    proc = snakemake(workdir, "--cores", "2", "--keep-going", config=config, check=False)
    assert proc.returncode != 0
    output = proc.stdout + proc.stderr
    assert "mine.txt, line 3: non-numeric value" in output
    assert not (workdir / "results/data/mine.txt").exists()
    assert not list((workdir / "results/data").glob(".*tmp*"))
    # the independent jobs all finished
    assert (workdir / "results/mlp/one_hidden_layer/data4/h8/trial2.npz").exists()
    assert (workdir / "results/mlp/two_hidden_layers/trials.csv").exists()
    assert (workdir / "results/classify/metrics.json").exists()
    # what needs the broken data set waits for it (its experiment's summary, the report): not rewritten
    assert {rel: (workdir / rel).stat().st_mtime_ns for rel in waiting} == made
    log = (workdir / "results/logs/toy_data/mine.log").read_text()
    assert "line 3: non-numeric value" in log
