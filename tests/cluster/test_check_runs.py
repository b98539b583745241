"""The cluster test's checker (check_runs.py) catches what it is meant to catch; no SLURM needed."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

SPEC = importlib.util.spec_from_file_location(
    "check_runs", Path(__file__).with_name("check_runs.py")
)
check_runs = sys.modules["check_runs"] = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(check_runs)

# Shapes copied from real Snakemake 9 / slurm plugin 2.8 output.
MAIN_LOG = """\
Job 0 has been submitted with SLURM jobid 3 (log: {slurm_logs}/rule_handbuilt/3.log).
[Thu Nov 26 08:41:08 2026] Group job trials (jobs in lexicogr. order):

    [Thu Nov 26 08:41:08 2026]
    rule train_trial:
        input: results/data/noisy.txt
        output: results/mlp/x/noisy/h4/trial1.json, results/mlp/x/noisy/h4/trial1.npz
        log: results/logs/train_trial/x/noisy/h4/trial1.log
        jobid: 13
        benchmark: results/benchmarks/train_trial/x/noisy/h4/trial1.tsv
        wildcards: experiment=x, dataset=noisy, hidden=4, trial=1
        resources: tmpdir=<TBD>, mem_mb=1000, runtime=10, batch_slot=1
Job 65f94fc1 has been submitted with SLURM jobid 6 (log: {slurm_logs}/group_trials_train_trial/6.log).
[Thu Nov 26 08:48:29 2026]
localrule all:
    input: results/report/index.html
    jobid: 0
    resources: tmpdir=/tmp, mem_mb=1000
Shell command: None
"""

HANDBUILT_SLURM_LOG = """\
[Thu Nov 26 08:45:20 2026]
rule handbuilt:
    output: results/handbuilt/handbuilt.csv
    jobid: 0
    threads: 2
srun: cluster configuration lacks support for cpu binding
[Thu Nov 26 08:45:22 2026]
localrule handbuilt:
    output: results/handbuilt/handbuilt.csv
    log: results/logs/handbuilt.log
    jobid: 0
    benchmark: results/benchmarks/handbuilt/handbuilt.tsv
    threads: 2
    resources: tmpdir=/tmp, mem_mb=500
Shell command: None
[Thu Nov 26 08:45:23 2026]
Finished jobid: 0 (Rule: handbuilt)
"""

TRIAL_SLURM_LOG = """\
[Thu Nov 26 08:41:10 2026]
localrule train_trial:
    output: results/mlp/x/noisy/h4/trial1.json, results/mlp/x/noisy/h4/trial1.npz
    log: results/logs/train_trial/x/noisy/h4/trial1.log
    jobid: 0
    benchmark: results/benchmarks/train_trial/x/noisy/h4/trial1.tsv
Shell command: None
"""

CLUSTER_FILES = [
    "results/handbuilt/handbuilt.csv",
    "results/logs/handbuilt.log",
    "results/benchmarks/handbuilt/handbuilt.tsv",
    "results/mlp/x/noisy/h4/trial1.json",
    "results/mlp/x/noisy/h4/trial1.npz",
    "results/logs/train_trial/x/noisy/h4/trial1.log",
    "results/benchmarks/train_trial/x/noisy/h4/trial1.tsv",
]


def write(root: Path, rel: str, text: str = "x") -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_job_blocks_reads_rule_files_and_threads():
    blocks = list(check_runs.job_blocks(HANDBUILT_SLURM_LOG))
    assert [(b.rule, b.local, b.threads) for b in blocks] == [
        ("handbuilt", False, 2),
        ("handbuilt", True, 2),
    ]
    assert blocks[1].files == [
        "results/handbuilt/handbuilt.csv",
        "results/logs/handbuilt.log",
        "results/benchmarks/handbuilt/handbuilt.tsv",
    ]


def test_job_blocks_reads_indented_group_members():
    (trial, everything) = [b for b in check_runs.job_blocks(MAIN_LOG)]
    assert (trial.rule, trial.local, trial.threads) == ("train_trial", False, 1)
    assert len(trial.files) == 4
    assert (everything.rule, everything.local, everything.files) == ("all", True, [])


def test_compare_outputs_ignores_measured_times_only(tmp_path):
    local, cluster = tmp_path / "local", tmp_path / "cluster"
    for root, wall in ((local, 1.5), (cluster, 0.3)):
        write(root, "results/mlp/trial1.json", json.dumps({"errors": 0, "wall_time_s": wall}))
        write(root, "results/mlp/trials.csv", f"trial,errors,wall_time_s\n1,0,{wall}\n")
        write(
            root,
            "results/report/index.html",
            f'<p>a</p><table id="stage-times"><td>{wall}</td></table>'
            f'<p id="features-speed">{wall} images per second</p>',
        )
        write(root, "results/logs/trial1.log", f"took {wall} s")
    assert check_runs.compare_outputs(local, cluster) == ([], 3)

    write(cluster, "results/mlp/trials.csv", "trial,errors,wall_time_s\n1,1,0.3\n")
    write(
        cluster, "results/report/index.html", '<p>b</p><table id="stage-times"><td>0.3</td></table>'
    )
    write(cluster, "results/extra.txt")
    problems, _ = check_runs.compare_outputs(local, cluster)
    assert problems == [
        "only in the SLURM run: results/extra.txt",
        "differs between the local and the SLURM run: results/mlp/trials.csv",
        "differs between the local and the SLURM run: results/report/index.html",
    ]


@pytest.fixture
def cluster_run(tmp_path, monkeypatch):
    """A SLURM run's directory and main log, with squeue answering from a dict."""
    slurm_logs = tmp_path / "slurm_logs"
    write(slurm_logs, "rule_handbuilt/3.log", HANDBUILT_SLURM_LOG)
    write(slurm_logs, "group_trials_train_trial/6.log", TRIAL_SLURM_LOG)
    for rel in CLUSTER_FILES:
        write(tmp_path / "run", rel)
    states = {"3": ("COMPLETED", 2), "6": ("COMPLETED", 1)}
    monkeypatch.setattr(
        check_runs, "squeue", lambda ids: {i: states[i] for i in ids if i in states}
    )
    return tmp_path / "run", MAIN_LOG.format(slurm_logs=slurm_logs), states


def test_placement_accepts_a_run_where_every_file_came_from_slurm(cluster_run):
    run, main_log, _ = cluster_run
    problems, ran_in = check_runs.check_placement(run, main_log, {"all"})
    assert problems == []
    assert {job: [b.rule for b in blocks] for job, blocks in ran_in.items()} == {
        "3": ["handbuilt"],
        "6": ["train_trial"],
    }


def test_placement_flags_local_jobs_stray_files_bad_states_and_cpus(cluster_run):
    run, main_log, states = cluster_run
    main_log += "localrule toy_data:\n    output: results/data/d.txt\n    jobid: 2\n"
    write(run, "results/data/d.txt")
    write(run, "results/stray.txt")
    states["6"] = ("FAILED", 1)
    states["3"] = ("COMPLETED", 1)
    problems, _ = check_runs.check_placement(run, main_log, {"all"})
    assert problems == [
        "SLURM job 6: state FAILED, expected COMPLETED",
        "rule toy_data ran on the submitting host, not under SLURM (results/data/d.txt)",
        "results/data/d.txt was not written by a job that ran under SLURM (or by a local rule)",
        "results/stray.txt was not written by a job that ran under SLURM (or by a local rule)",
        "SLURM job 3 (handbuilt) got 1 CPUs, its rule asks for 2",
    ]


def test_placement_needs_submissions_and_their_logs(cluster_run, tmp_path):
    run, main_log, _ = cluster_run
    problems, _ = check_runs.check_placement(run, "", {"all"})
    assert problems[0] == "the SLURM run submitted no job to SLURM"
    (tmp_path / "slurm_logs" / "rule_handbuilt" / "3.log").unlink()
    problems, _ = check_runs.check_placement(run, main_log, {"all"})
    assert any(p.startswith("SLURM job 3: its log") and "is missing" in p for p in problems)


def test_files_inside_a_directory_output_count_as_declared():
    assert check_runs.declared_by(
        "results/images/synthetic/train/a.jpg", {"results/images/synthetic"}
    )
    assert not check_runs.declared_by("results/images/other/a.jpg", {"results/images/synthetic"})
