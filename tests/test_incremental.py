"""After an edit, exactly the affected jobs re-run (issue: incremental recomputation you can trust).

Each case copies a finished run of the test config (sources, results and Snakemake's metadata), applies
one edit, and reads what a dry run plans.
"""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import (
    TEST_CONFIG,
    WORKFLOW_FILES,
    copy_workflow,
    dry_run,
    first_outputs,
    parse_dry_run,
    planned_jobs,
    write_config,
)

from netlab.toy import paths

pytestmark = pytest.mark.slow

CONFIG = yaml.safe_load(TEST_CONFIG.read_text())
ONE, TWO = "one_hidden_layer", "two_hidden_layers"
TRIALS = "trial jobs"  # the jobs of every rule that trains trials


def trial_jsons(experiment, datasets=None, hiddens=None, trials=None):
    exp = CONFIG["experiments"][experiment]
    return {
        paths.trial_file("json", t, experiment=experiment, dataset=d, hidden=h)
        for d in datasets or exp["datasets"]
        for h in hiddens or exp["hidden_sizes"]
        for t in trials or range(1, exp["trials"] + 1)
    }


def boundaries(experiment, datasets=None):
    return {
        paths.boundaries_file(experiment, d)
        for d in datasets or CONFIG["experiments"][experiment]["datasets"]
    }


def summaries(*experiments):
    return {paths.summary_table("trials", e) for e in experiments}


def trial_plots(*experiments):
    return {paths.experiment_file("loss.png", e) for e in experiments}


def selections(experiment, datasets=None):
    """What follows any change to trials of ``datasets``: the experiment's summary and trial plots, and
    those data sets' boundary plots."""
    return {
        "summarise_trials": summaries(experiment),
        "boundary_plots": boundaries(experiment, datasets),
        "trial_plots": trial_plots(experiment),
    }


def retrained(*experiments):
    """Every trial of ``experiments`` re-runs, and all that follows from them (``selections``)."""
    follows = [selections(e) for e in experiments]
    return {
        TRIALS: set().union(*map(trial_jsons, experiments)),
        **{rule: set().union(*(f[rule] for f in follows)) for rule in follows[0]},
    }


def planned(workdir, config):
    """``planned_jobs``, with the jobs of every trial rule as one entry: all the trial records they make."""
    plan = dry_run(workdir, config=config)
    jobs = first_outputs(plan)
    trials = {r for r in jobs if r.startswith("train_trial")}
    for rule in trials:
        jobs.pop(rule)
    made = {f for job in plan if job.rule in trials for f in job.outputs}
    records = {f for f in made if re.search(r"/trial\d+\.json$", f)}
    return jobs | ({TRIALS: records} if made else {})


REPORT = {"report": {"results/report/index.html"}}
IMAGE_PLOTS = {"image_plots": {"results/classify/samples.png"}}
CLASSIFIERS = {
    "classify": {"results/classify/metrics.json"},
    "classify_cv": {"results/classify/cv.json"},
    **IMAGE_PLOTS,
}
FEATURES = {f"results/features/{s}.parquet" for s in ("train", "val")}


def edit_config(edit):
    def apply(workdir):
        return write_config(workdir / "edited.yaml", edit)

    return apply


def edit_source(relative):
    def apply(workdir):
        path = workdir / relative
        path.write_text(path.read_text() + "\n# an edit\n")
        return None

    return apply


SOURCES = [*WORKFLOW_FILES, "tests"]


def edit_comment_in_config(workdir):
    config = workdir / "tests" / "config" / "config.yaml"
    config.write_text(config.read_text() + "# a comment the user added\n")
    return config


def touch_sources(workdir):
    """New modification times on every source file (as a branch switch or checkout gives)."""
    for name in SOURCES:
        for path in [workdir / name, *(workdir / name).rglob("*")]:
            if path.is_file():
                path.touch()


CASES = {
    # A trial job trains runs of trials across H of one data set, up to cluster.job_seconds (here all of
    # them): the new trials join their job, which trains its other trials again (the same bytes).
    "add a hidden size": (
        edit_config(lambda c: c["experiments"][ONE]["hidden_sizes"].append(6)),
        {TRIALS: trial_jsons(ONE, hiddens=[4, 6, 8]), **selections(ONE), **REPORT},
    ),
    "raise the number of trials": (
        edit_config(lambda c: c["experiments"][ONE].__setitem__("trials", 3)),
        {TRIALS: trial_jsons(ONE, trials=[1, 2, 3]), **selections(ONE), **REPORT},
    ),
    "change tol of one experiment": (
        edit_config(lambda c: c["experiments"][TWO].__setitem__("tol", 2e-4)),
        {**retrained(TWO), **REPORT},
    ),
    "change lr of one experiment": (
        edit_config(lambda c: c["experiments"][ONE].__setitem__("lr", 0.2)),
        {**retrained(ONE), **REPORT},
    ),
    "change one dataset's generator": (
        edit_config(lambda c: c["datasets"]["data4"].__setitem__("radius", 2.2)),
        {
            "toy_data": {"results/data/data4.txt"},
            "toy_test_data": {"results/data/data4.test.txt"},
            "toy_plot": {"results/data/data4.png"},
            TRIALS: trial_jsons(ONE, datasets=["data4"]),
            **selections(ONE, datasets=["data4"]),
            **REPORT,
        },
    ),
    # Cutting trials otherwise trains every job whose trials changed again, to the same bytes (the
    # summaries then re-run, as their inputs are new files); a budget that cuts as before re-runs nothing.
    "one trial per job": (
        edit_config(lambda c: c.setdefault("cluster", {}).__setitem__("trials_per_job", 1)),
        {**retrained(ONE, TWO), **REPORT},
    ),
    "a longer time per job that cuts trials as before": (
        edit_config(lambda c: c.setdefault("cluster", {}).__setitem__("job_seconds", 11)),
        {},
    ),
    "change the k of k-NN": (
        edit_config(lambda c: c["classify"]["knn"].__setitem__("k", [1, 3, 5])),
        {"classify": {"results/classify/metrics.json"}, **IMAGE_PLOTS, **REPORT},
    ),
    "edit the trainer's code": (
        edit_source("netlab/toy/nets.py"),
        {
            **retrained(ONE, TWO),
            **REPORT,
        },
    ),
    "edit the helpers every generated kernel imports (netlab/toy/trainer/numerics.py)": (
        edit_source("netlab/toy/trainer/numerics.py"),
        {**retrained(ONE, TWO), **REPORT},
    ),
    "edit the feature extractor's code": (
        edit_source("netlab/images/features.py"),
        {"features": FEATURES, **CLASSIFIERS, **REPORT},
    ),
    "edit only the report code": (edit_source("netlab/report/__init__.py"), REPORT),
    "edit the plot code": (
        edit_source("netlab/toy/figures/plane.py"),
        {
            "toy_plot": {f"results/data/{d}.png" for d in CONFIG["datasets"]},
            "boundary_plots": boundaries(ONE) | boundaries(TWO),
            **REPORT,
        },
    ),
    "edit the trial plots' code": (
        edit_source("netlab/toy/figures/across_trials.py"),
        {"trial_plots": trial_plots(ONE, TWO), **REPORT},
    ),
    "edit the boundary plot's code": (
        edit_source("netlab/toy/figures/boundary.py"),
        {"boundary_plots": boundaries(ONE) | boundaries(TWO), **REPORT},
    ),
    "edit a report template": (edit_source("netlab/report/templates/page.html.j2"), REPORT),
    "edit the writer every job uses (netlab/atomic.py)": (
        edit_source("netlab/atomic.py"),
        {
            "toy_data": {f"results/data/{d}.txt" for d in CONFIG["datasets"]},
            "toy_test_data": {f"results/data/{d}.test.txt" for d in CONFIG["datasets"]},
            "toy_plot": {f"results/data/{d}.png" for d in CONFIG["datasets"]},
            **retrained(ONE, TWO),
            "handbuilt": {"results/handbuilt/handbuilt.csv"},
            "synthetic_images": {"results/images/synthetic"},
            "features": FEATURES,
            **CLASSIFIERS,
            **REPORT,
        },
    ),
    "edit a script": (
        edit_source("scripts/classify.py"),
        {"classify": {"results/classify/metrics.json"}, **IMAGE_PLOTS, **REPORT},
    ),
    # test sets and the CV grid re-run only what evaluates on them, and the report
    "give a data set a larger test set": (
        edit_config(lambda c: c["datasets"]["data1"].__setitem__("test_n", 80)),
        {
            "toy_test_data": {"results/data/data1.test.txt"},
            "summarise_trials": summaries(ONE),
            "trial_plots": trial_plots(ONE),
            **REPORT,
        },
    ),
    "change the noisy test set's size": (
        edit_config(lambda c: c["datasets"]["noisy"].__setitem__("test_n", 300)),
        {
            "toy_test_data": {"results/data/noisy.test.txt"},
            "summarise_trials": summaries(TWO),
            "trial_plots": trial_plots(TWO),
            **REPORT,
        },
    ),
    "change the cross-validation grid": (
        edit_config(lambda c: c["classify"]["cv"].__setitem__("k", [1, 2, 3])),
        {"classify_cv": {"results/classify/cv.json"}, **REPORT},
    ),
    "edit the evaluation code": (
        edit_source("netlab/toy/evaluation.py"),
        {
            "summarise_trials": summaries(ONE, TWO),
            "trial_plots": trial_plots(ONE, TWO),
            **REPORT,
        },
    ),
    "a comment in the config": (edit_comment_in_config, {}),
    "touch every source file": (touch_sources, {}),
    "nothing": (lambda workdir: None, {}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_exactly_the_affected_jobs_rerun(workflow_copy, case):
    edit, expected = CASES[case]
    config = edit(workflow_copy) or workflow_copy / "tests" / "config" / "config.yaml"
    assert planned(workflow_copy, config) == expected


def _git(*args, cwd):
    subprocess.run(
        ["git", "-c", "user.name=netlab", "-c", "user.email=netlab@example.org", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def test_fresh_clone_with_results_copied_in_has_nothing_to_do(workflow_run, tmp_path):
    """A `git clone` (every source file gets a new time) with results/ and .snakemake/ copied in."""
    origin = copy_workflow(tmp_path / "origin")
    _git("init", "-q", cwd=origin)
    _git("add", "-A", cwd=origin)
    _git("commit", "-q", "-m", "sources", cwd=origin)
    _git("clone", "-q", str(origin), str(tmp_path / "clone"), cwd=tmp_path)
    clone = tmp_path / "clone"
    newest_result = max(p.stat().st_mtime for p in (workflow_run / "results").rglob("*"))
    assert (clone / "scripts" / "toy_data.py").stat().st_mtime > newest_result
    for name in ("results", ".snakemake"):
        subprocess.run(["cp", "-a", str(workflow_run / name), str(clone / name)], check=True)
    assert planned_jobs(clone, clone / "tests" / "config" / "config.yaml") == {}


def another_python(prefix: Path) -> Path:
    """A virtual environment made at ``prefix`` holding the distributions this Python holds (a ``.pth`` file
    naming every directory of this Python's path that the new one lacks): the same versions, another path."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(prefix)], check=True)
    python = prefix / "bin" / "python"
    own = subprocess.run(
        [python, "-c", "import sys; print(repr(sys.path))"],
        capture_output=True,
        text=True,
        check=True,
    )
    missing = [p for p in sys.path if p and p not in ast.literal_eval(own.stdout)]
    site = subprocess.run(
        [python, "-c", "import site; print(site.getsitepackages()[0])"],
        capture_output=True,
        text=True,
        check=True,
    )
    Path(site.stdout.strip(), "netlab_test_paths.pth").write_text("\n".join(missing) + "\n")
    return python


def test_results_moved_and_opened_with_another_python_have_nothing_to_do(workflow_run, tmp_path):
    """A finished run copied (`cp -a`) to a folder whose path holds a space, and a dry run there from a
    virtual environment made elsewhere: neither the checkout's, the environment's nor the interpreter's path
    is part of what decides a job, so Snakemake plans nothing."""
    moved = tmp_path / "results moved here" / "netlab"
    moved.parent.mkdir()
    subprocess.run(["cp", "-a", str(workflow_run), str(moved)], check=True)
    python = another_python(tmp_path / "another env")
    proc = subprocess.run(
        [
            python,
            "-m",
            "snakemake",
            "-n",
            "--cores",
            "1",
            "--configfile",
            "tests/config/config.yaml",
            "--replace-workflow-config",
        ],
        cwd=moved,
        capture_output=True,
        text=True,
    )
    text = proc.stdout + proc.stderr
    assert proc.returncode == 0, text[-4000:]
    planned = [f"{job.rule}: {job.reason}" for job in parse_dry_run(text)]
    assert planned == [], "\n".join(planned[:5])
    assert "Nothing to be done" in text


def test_a_local_run_planned_with_the_slurm_profile_has_nothing_to_do(workflow_copy):
    """Trials are cut into jobs the same way locally and on the cluster: results made on a laptop and
    opened with the SLURM profile (a dry run: no SLURM needed to plan) re-run nothing."""
    from conftest import ROOT, snakemake

    proc = snakemake(
        workflow_copy, "--dry-run", "--workflow-profile", str(ROOT / "profiles" / "slurm"),
        config=workflow_copy / "tests" / "config" / "config.yaml",
    )  # fmt: skip
    planned = [f"{job.rule}: {job.reason}" for job in parse_dry_run(proc.stdout + proc.stderr)]
    assert planned == [], "\n".join(planned[:5])
