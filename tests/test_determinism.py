"""Same numbers everywhere, and interruption or failure loses nothing.

Compares runs of the tiny test config against the shared --cores 2 run: a copy of it without its trials
and one split's features, run again, interrupted twice (SIGINT after trials, while the features job
computes; started again on one core, so the jobs it re-runs run there, then SIGKILL of the whole process
group) and resumed, and a copy of that run with one bad data file added, under --keep-going.
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
from conftest import planned_jobs, snakemake, snakemake_arguments
from helpers import assert_same_results, result_files

pytestmark = pytest.mark.slow


def _start(workdir: Path, cores: int, output: Path) -> subprocess.Popen:
    """Snakemake on ``cores`` in a process group of its own, to be signalled; its output in ``output``.

    Ctrl-C acts as at a terminal however the suite was started: a shell that starts it in the background
    (``nohup ... &``) hands it SIGINT ignored, which a process keeps through exec, and Python then never
    raises KeyboardInterrupt; so Snakemake is exec'd with SIGINT set back to its default."""
    config = workdir / "tests/config/config.yaml"
    as_at_a_terminal = (
        "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
        "os.execv(sys.executable, [sys.executable, '-m', 'snakemake', *sys.argv[1:]])"
    )
    cmd = [
        sys.executable,
        "-c",
        as_at_a_terminal,
        *snakemake_arguments(workdir, "--cores", str(cores), config=config),
    ]
    with open(output, "wb") as out:
        return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _stopping(proc: subprocess.Popen, output: Path, seconds: float = 3.0) -> bool:
    """Whether the run ended, or said it is stopping, within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        said = output.read_text(errors="replace")
        if proc.poll() is not None or "Terminating processes on user request" in said:
            return True
        time.sleep(0.05)
    return False


def _interrupt(
    workdir: Path, cores: int, how: signal.Signals, busy, output: Path
) -> dict[str, int]:
    """Start a run on ``cores`` and send ``how`` to its process group once ``busy()`` holds; every result
    file it left, by modification time. No output is ever half-written: each JSON present parses."""
    proc = _start(workdir, cores, output)
    deadline = time.monotonic() + 300

    def said() -> str:
        """The end of what the run printed."""
        return output.read_text(errors="replace")[-3000:]

    try:
        while not busy():
            assert proc.poll() is None, (
                f"the run finished before it could be interrupted:\n{said()}"
            )
            assert time.monotonic() < deadline, f"the run never got to be interrupted:\n{said()}"
            time.sleep(0.05)
        os.killpg(proc.pid, how)
        # Snakemake (9.27) drops a Ctrl-C that lands while its log handler writes (snakemake/logging.py
        # catches KeyboardInterrupt there): a user who sees the run go on presses it again, and so does this
        while how == signal.SIGINT and not _stopping(proc, output):
            assert time.monotonic() < deadline, f"the run never stopped on SIGINT:\n{said()}"
            os.killpg(proc.pid, how)
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    for path in result_files(workdir).values():
        if path.suffix == ".json":
            json.loads(path.read_text())
    return {rel: p.stat().st_mtime_ns for rel, p in result_files(workdir).items()}


def test_an_interrupted_run_resumes_to_the_same_results(workflow_run, workflow_copy, tmp_path):
    """A copy of the finished run without its trials, one split's features and what reads them (and logs)
    runs them again: stopped by SIGINT once trials have finished while the features job computes (the
    features go first, by priority: with one split missing the other core trains meanwhile), started again
    on one core and killed (SIGKILL of the whole process group) once it has made something more, then
    resumed on two: the same results, and the trials finished before an interruption are not trained again."""
    workdir = workflow_copy
    results = workdir / "results"
    for rel in ("mlp", "classify", "report", "logs"):
        shutil.rmtree(results / rel)
    for split_file in results.glob("features/val.*"):
        split_file.unlink()
    features = results / "features" / "val.parquet"

    def trials_while_features_compute() -> bool:  # the job logs once torch is imported
        trained = bool(list(results.glob("mlp/*/*/*/trial*.json")))
        return trained and (results / "logs" / "features" / "val.log").exists()

    first = _interrupt(
        workdir, 2, signal.SIGINT, trials_while_features_compute, tmp_path / "first.log"
    )
    assert not features.exists(), "the features job had finished before the interruption"
    # the profile sets rerun-incomplete, so the plain command goes on, here on one core (the jobs it runs
    # give the same numbers too); killed once it has made a file the first run had not (on restart,
    # Snakemake deletes the outputs of jobs it never recorded as finished, so some may be gone meanwhile)
    made = lambda: result_files(workdir).keys() - first  # noqa: E731
    second = _interrupt(workdir, 1, signal.SIGKILL, made, tmp_path / "second.log")
    # a killed Snakemake cannot release its lock, which --unlock does (as the README says)
    snakemake(workdir, "--unlock", config=workdir / "tests/config/config.yaml")
    snakemake(workdir, "--cores", "2", config=workdir / "tests/config/config.yaml")
    assert_same_results(workflow_run, workdir)
    # finished trials kept their files (a job killed after writing but before Snakemake recorded it
    # may legitimately run again, so allow a few)
    for finished in (first, second):
        trials = [rel for rel in finished if "/trial" in rel and rel.endswith(".json")]
        rerun = [rel for rel in trials if (workdir / rel).stat().st_mtime_ns != finished[rel]]
        assert trials and len(rerun) <= 2, rerun
    assert planned_jobs(workdir, workdir / "tests/config/config.yaml") == {}


def test_failed_job_loses_nothing_and_names_the_cause(workflow_copy):
    """A finished run, then a data set added whose file is bad and three independent results removed:
    under --keep-going the bad file's job fails naming the line, and the independent jobs still run."""
    workdir = workflow_copy
    independent = [
        "results/mlp/one_hidden_layer/data4",  # trial jobs of the failing data set's experiment
        "results/mlp/two_hidden_layers/trials.csv",  # another experiment's summary
        "results/classify/cv.json",  # the images part (cross-validation: only the report reads it)
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
    assert (workdir / "results/classify/cv.json").exists()
    # what needs the broken data set waits for it (its experiment's summary, the report): not rewritten
    assert {rel: (workdir / rel).stat().st_mtime_ns for rel in waiting} == made
    log = (workdir / "results/logs/toy_data/mine.log").read_text()
    assert "line 3: non-numeric value" in log
