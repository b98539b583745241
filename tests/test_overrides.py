"""The README's configuration examples, typed as a user types them in a copy of the workflow.

Each runs ``snakemake -n`` in the workflow directory with the default ``config.yaml`` and reads the plan.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, PlannedJob, copy_workflow, parse_dry_run, typed

DEFAULT = yaml.safe_load((ROOT / "config.yaml").read_text())


def user_types(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """``snakemake --cores 8 -n ARGS`` in ``workdir``, as typed at a shell."""
    return typed(workdir, "--cores", "8", "-n", *args, check=check, timeout=300)


def jobs(proc: subprocess.CompletedProcess) -> dict[str, list[PlannedJob]]:
    """Rule name -> each of its planned jobs."""
    planned: dict[str, list[PlannedJob]] = {}
    for job in parse_dry_run(proc.stdout + proc.stderr):
        planned.setdefault(job.rule, []).append(job)
    return planned


TRIAL = re.compile(r"/trial\d+\.json$")  # a trial's record (not a job's list of its files)


def trial_jobs_of(planned: dict[str, list[PlannedJob]]) -> list[PlannedJob]:
    """Every planned job of the rules that train trials (``train_trial_*``, ``train_trials_*``)."""
    return [j for rule, js in planned.items() if rule.startswith("train_trial") for j in js]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    workdir = copy_workflow(tmp_path_factory.mktemp("overrides") / "netlab")
    (workdir / "mydata.txt").write_text("0.5 1.5 1\n-1 2 -1\n2 -0.5 1\n")
    return workdir


def _data1_reads_my_file(proc) -> None:
    (data1,) = [j for j in jobs(proc)["toy_data"] if j.wildcards["dataset"] == "data1"]
    assert data1.inputs == ["mydata.txt"]
    others = [j for j in jobs(proc)["toy_data"] if j.wildcards["dataset"] != "data1"]
    assert len(others) == len(DEFAULT["datasets"]) - 1 and all(not j.inputs for j in others)


def test_a_dataset_switched_to_a_file_with_configfile(workdir):
    (workdir / "my.yaml").write_text("datasets:\n  data1: {path: mydata.txt}\n")
    _data1_reads_my_file(user_types(workdir, "--configfile", "my.yaml"))


def test_a_dataset_switched_to_a_file_with_config(workdir):
    _data1_reads_my_file(user_types(workdir, "--config", "datasets={data1: {path: mydata.txt}}"))


def test_nested_numbers_from_the_command_line(workdir):
    proc = user_types(workdir, "--config", "experiments={one_hidden_layer: {trials: 3}}")
    one = DEFAULT["experiments"]["one_hidden_layer"]
    two = DEFAULT["experiments"]["two_hidden_layers"]
    expected = len(one["datasets"]) * len(one["hidden_sizes"]) * 3 + two["trials"]
    trials = trial_jobs_of(jobs(proc))
    made = [out for j in trials for out in j.outputs if TRIAL.search(out)]
    assert len(made) == len(set(made)) == expected
    one_hidden = [j for j in trials if "/one_hidden_layer/" in j.outputs[0]]
    names = {Path(out).name for j in one_hidden for out in j.outputs}
    assert "trial3.json" in names and "trial4.json" not in names


def test_a_bad_nested_value_says_where_it_came_from(workdir):
    proc = user_types(
        workdir, "--config", "experiments={one_hidden_layer: {trials: lots}}", check=False
    )
    assert proc.returncode != 0
    assert (
        "config key experiments.one_hidden_layer.trials (set in --config): 'lots' is not of type 'integer'"
        in proc.stdout + proc.stderr
    )
    (workdir / "bad.yaml").write_text("experiments:\n  two_hidden_layers: {lr: fast}\n")
    proc = user_types(workdir, "--configfile", "bad.yaml", check=False)
    assert proc.returncode != 0
    assert "experiments.two_hidden_layers.lr (set in " in proc.stdout + proc.stderr
    assert "bad.yaml): 'fast' is not of type 'number'" in proc.stdout + proc.stderr


@pytest.mark.parametrize(
    "value, key, message",
    [("{trials: 2.0}", "trials", "2.0 is not of type 'integer'"),
     ("{lr: .nan}", "lr", "nan is not of type 'number'")],
)  # fmt: skip
def test_a_count_with_a_decimal_point_or_a_rate_that_is_no_number_is_named(
    workdir, value, key, message
):
    """JSON Schema counts 2.0 as an integer, and YAML's .nan passes every bound; but the trials are counted
    with Python ints and a nan rate makes every weight nan, so both are named at the check, not met later."""
    (workdir / "point.yaml").write_text(f"experiments:\n  two_hidden_layers: {value}\n")
    proc = user_types(workdir, "--configfile", "point.yaml", check=False)
    assert proc.returncode != 0
    assert f"config key experiments.two_hidden_layers.{key} (set in " in proc.stdout + proc.stderr
    assert f"point.yaml): {message}" in proc.stdout + proc.stderr


@pytest.mark.parametrize("how", ["--configfile", "--config"])
def test_a_rate_in_scientific_notation_as_the_docs_write_it(workdir, how):
    """``tol: 1e-4`` (docs/configuration.md's notation): PyYAML (YAML 1.1) reads it as text, JSON and YAML
    1.2 as a number; every trial job of the experiment gets it as one, the other experiment keeps its own."""
    (workdir / "tol.yaml").write_text("experiments:\n  one_hidden_layer: {tol: 1e-5, lr: 2E-1}\n")
    given = (
        "tol.yaml"
        if how == "--configfile"
        else "experiments={one_hidden_layer: {tol: 1e-5, lr: 2E-1}}"
    )
    proc = user_types(workdir, how, given)
    said = proc.stdout + proc.stderr
    commands = re.findall(r"^Shell command: (.*netlab\.toy\.train_trials.*)$", said, re.MULTILINE)
    ours = [c for c in commands if "--records results/mlp/one_hidden_layer/" in c]
    assert ours and all(" --lr 0.2 --tol 1e-05 " in c for c in ours)
    others = [c for c in commands if c not in ours]
    assert others and all(" --tol 0.0001 " in c for c in others)


def test_a_size_with_a_decimal_point_on_the_command_line_is_named(workdir):
    proc = user_types(workdir, "--config", "experiments={one_hidden_layer: {hidden_sizes: [4, 8.0]}}",
                      check=False)  # fmt: skip
    assert proc.returncode != 0
    assert (
        "config key experiments.one_hidden_layer.hidden_sizes[1] (set in --config): "
        "'8.0' is not of type 'integer'" in proc.stdout + proc.stderr
    )


# A part target is what the report reads of that part (netlab.report.reads), so it never drifts.
TOY_RULES = {
    "toy_data",
    "toy_plot",
    "toy_test_data",
    "summarise_trials",
    "boundary_plots",
    "trial_plots",
}
IMAGE_RULES = {"synthetic_images", "features", "classify", "classify_cv", "image_plots"}


def rules_of(planned: dict[str, list[PlannedJob]]) -> set[str]:
    """The planned rules, every rule of trial jobs as ``trial jobs``."""
    return {"trial jobs" if r.startswith("train_trial") else r for r in planned}


def test_one_experiment_from_the_command_line(workdir):
    planned = jobs(user_types(workdir, "experiment_two_hidden_layers"))
    # the experiment's part of the report: data, trials, summary and plots
    assert rules_of(planned) == {*TOY_RULES, "trial jobs", "experiment_two_hidden_layers"}
    made = [f for j in trial_jobs_of(planned) for f in j.outputs if TRIAL.search(f)]
    assert len(made) == DEFAULT["experiments"]["two_hidden_layers"]["trials"]
    assert all(f.startswith("results/mlp/two_hidden_layers/") for f in made)
    assert len(planned["boundary_plots"]) == len(planned["summarise_trials"]) == 1


@pytest.mark.parametrize(
    "target, rules",
    [
        ("images", {*IMAGE_RULES, "images"}),
        ("handbuilt", {"handbuilt"}),
        ("toy", {*TOY_RULES, "trial jobs", "toy"}),
    ],
)
def test_one_part_from_the_command_line(workdir, target, rules):
    assert rules_of(jobs(user_types(workdir, target))) == rules


def test_bfloat16_features_from_the_command_line(workdir):
    """docs/performance.md's quicker look: the override plans, and a precision that is not offered is named."""
    planned = jobs(user_types(workdir, "--config", "features={precision: bfloat16}"))
    assert len(planned["features"]) == 2
    proc = user_types(workdir, "--config", "features={precision: float16}", check=False)
    assert proc.returncode != 0
    assert (
        "features.precision (set in --config): 'float16' is not one of" in proc.stdout + proc.stderr
    )


def test_batches_of_trials_from_the_command_line(workdir):
    """docs/cluster.md's way to cut trials into jobs by hand: ``--config cluster='{trials_per_job: 25}'``."""
    proc = user_types(workdir, "--config", "cluster={trials_per_job: 25}")
    # trial jobs are group jobs, printed indented: read the plan's job counts
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", proc.stdout + proc.stderr, re.MULTILINE))
    assert not any(rule.startswith("train_trial_") for rule in counts)  # no one-trial jobs
    batches = {rule: int(n) for rule, n in counts.items() if rule.startswith("train_trials_")}
    one = DEFAULT["experiments"]["one_hidden_layer"]
    # one job per H and data set (5 trials each: runs of 25 never span H); the noisy set's 50 in two
    assert sum(batches.values()) == len(one["datasets"]) * len(one["hidden_sizes"]) + 2
    assert set(batches.values()) == {
        1
    }  # each rule one job: its data set and trials are in its outputs


def test_a_local_rule_that_is_no_rule_is_named(workdir):
    """A typo in cluster.local_rules stops the parse: the jobs it meant would otherwise be submitted."""
    proc = user_types(workdir, "--config", "cluster={local_rules: [toy_dat]}", check=False)
    assert proc.returncode != 0
    assert "config key cluster.local_rules: no such rule: toy_dat" in proc.stdout + proc.stderr
