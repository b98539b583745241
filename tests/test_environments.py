"""Every job imports netlab and all it needs from its own env (``--sdm conda``), nothing else.

No conda channel is reachable here, so this is shown by construction: each rule's import closure maps
onto the packages its env file names; and the workflow runs under ``--sdm conda`` with a stand-in conda
(``offline_conda.py``) whose envs hold only the distributions their files name (and what those require),
with job paths that do not reach the site-packages Snakemake runs from.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conda_envs import env_packages, missing_modules
from conftest import ROOT, copy_workflow, parse_dry_run, snakemake, write_config
from helpers import assert_same_results
from offline_conda import make_conda

from netlab.workflow.codegraph import import_closure, shell_modules
from netlab.workflow.snakemake_internals import rule_code, rule_env_file


def _job_rules(parsed_rules):
    """The rules that run code, with what they run (through the fence: Snakemake keeps it internally)."""
    return [(r, code) for r in parsed_rules if (code := rule_code(r)) is not None]


def test_every_rule_runs_in_a_conda_env_that_covers_its_imports(parsed_rules):
    for rule, (script, command, _) in _job_rules(parsed_rules):
        env_file = rule_env_file(rule)
        assert env_file is not None, f"rule {rule.name} has no conda: env"
        roots = [script.resolve()] if script else shell_modules(command)
        modules = import_closure(roots, ROOT).third_party
        gaps = missing_modules(modules, env_file)
        assert not gaps, f"rule {rule.name}: {env_file.name} lacks {gaps}"


def test_every_env_brings_netlab_and_snakemake(parsed_rules):
    for env_file in {rule_env_file(r).resolve() for r, _ in _job_rules(parsed_rules)}:
        assert "snakemake-minimal" in env_packages(env_file), env_file
        deploy = env_file.with_name(env_file.stem + ".post-deploy.sh")
        assert os.access(deploy, os.X_OK), deploy
        assert "NETLAB_CHECKOUT" in deploy.read_text() and ".pth" in deploy.read_text()


def test_a_gap_is_named(tmp_path):
    env = tmp_path / "small.yaml"
    env.write_text("dependencies:\n  - python =3.11\n  - numpy >=1.26\n  - matplotlib-base\n")
    modules = import_closure([ROOT / "scripts" / "report.py"], ROOT).third_party
    gaps = missing_modules(modules, env)
    assert {"jinja2", "pandas", "yaml"} <= set(gaps)
    assert "PIL" not in gaps  # matplotlib requires pillow, as conda-forge's matplotlib-base does
    assert "numpy" not in gaps and "matplotlib" not in gaps
    assert gaps["yaml"] == {"pyyaml"}


@pytest.fixture(scope="module")
def conda_run(tmp_path_factory):
    """The test config run under --sdm conda with the offline stand-in conda."""
    base = tmp_path_factory.mktemp("sdm")
    workdir = copy_workflow(base / "netlab")
    bin_dir = make_conda(base / "conda")
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME"}}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    args = ("--cores", "2", "--sdm", "conda", "--skip-script-cleanup")
    config = workdir / "tests/config/config.yaml"
    proc = snakemake(workdir, *args, config=config, env=env)
    return workdir, env, args, proc


@pytest.mark.slow
def test_jobs_import_from_their_env_alone(conda_run, workflow_run):
    workdir, _, _, proc = conda_run
    submitting = {p for p in sys.path if "site-packages" in p} | {str(ROOT)}
    scripts = list((workdir / ".snakemake" / "scripts").glob("*.py"))
    ran = {s.name.split(".")[1] for s in scripts}
    assert ran >= {"toy_data", "toy_plot", "summarise_trials", "boundary_plots", "trial_plots"}
    assert ran >= {"handbuilt", "synthetic_images", "features", "classify", "report"}
    # the trial rules run a shell command: its `python` is the env's (conda puts the env first on PATH)
    assert '"$NETLAB_PYTHON" -m netlab.toy.train_trials' in proc.stdout + proc.stderr
    logs = list((workdir / "results/logs/train_trials").rglob("*.log"))
    assert logs
    for log in logs:
        (python,) = re.findall(r"python: (.*)", log.read_text())
        assert Path(python).parent.parent.parent == workdir / ".snakemake" / "conda", (log, python)
    for script in scripts:
        (extended,) = re.findall(r"sys\.path\.extend\((\[.*?\])\)", script.read_text())
        assert not any(p in extended for p in submitting), (script.name, extended)
        assert "site-packages" not in extended, (script.name, extended)
    # the same numbers as the run in the test environment; the versions table differs by design: the
    # report lists the versions importable where it runs (its env, the light envs/netlab.yaml, has no torch)
    versions = "results/report/tables/versions.csv"
    assert "torch,not installed" in (workdir / versions).read_text()
    assert_same_results(workflow_run, workdir, ignore=frozenset({versions}))


def conda_plan(workdir: Path, env: dict[str, str]) -> dict[str, set[str]]:
    """What a dry run under --sdm conda plans in ``workdir``: each job's rule -> the reasons given."""
    proc = snakemake(
        workdir,
        "--dry-run",
        "--cores",
        "1",
        "--sdm",
        "conda",
        config=workdir / "tests/config/config.yaml",
        env=env,
    )
    plan: dict[str, set[str]] = {}
    for job in parse_dry_run(proc.stdout + proc.stderr):
        plan.setdefault(job.rule, set()).add(job.reason)
    return plan


@pytest.mark.slow
def test_a_conda_run_moved_elsewhere_has_nothing_to_do(conda_run, tmp_path):
    """Results and envs copied (`cp -a`) to a folder whose path holds a space: the envs' files are the
    same, only where they lie differs, so nothing re-runs."""
    workdir, env, _, _ = conda_run
    moved = tmp_path / "moved here" / "netlab"
    moved.parent.mkdir()
    subprocess.run(["cp", "-a", str(workdir), str(moved)], check=True)
    assert conda_plan(moved, env) == {}


@pytest.mark.slow
def test_an_edited_env_file_reruns_its_rules_jobs(conda_run, tmp_path):
    workdir, env, _, _ = conda_run
    copy = tmp_path / "netlab"
    subprocess.run(["cp", "-a", str(workdir), str(copy)], check=True)
    torch_env = copy / "envs" / "torch.yaml"
    torch_env.write_text(torch_env.read_text() + "# an edit\n")
    plan = conda_plan(copy, env)
    changed = {
        rule for rule, reasons in plan.items() if any("Params have changed" in r for r in reasons)
    }
    # the test config's first jobs whose env is envs/torch.yaml (image_plots, the third, is named by its
    # updated input), then what consumes their outputs, nothing else
    assert changed == {"handbuilt", "features"}
    assert plan.keys() - changed == {"image_plots", "classify", "classify_cv", "report", "all"}


@pytest.mark.slow
def test_an_env_has_nothing_its_file_does_not_name(conda_run):
    workdir, env, _, _ = conda_run
    envs = {p.name: p for p in (workdir / ".snakemake" / "conda").iterdir() if p.is_dir()}
    assert len(envs) == 2
    imports = "import netlab, numpy, snakemake; print(netlab.__file__)"
    for prefix in envs.values():
        python = prefix / "bin" / "python"
        proc = subprocess.run(
            [python, "-c", imports], capture_output=True, text=True, env=env, cwd=prefix
        )
        assert proc.stdout.strip() == str(workdir / "netlab" / "__init__.py"), proc.stderr
        has_torch = "pytorch" in (prefix.with_suffix(".yaml")).read_text()
        proc = subprocess.run(
            [python, "-c", "import torch"], capture_output=True, env=env, cwd=prefix
        )
        assert (proc.returncode == 0) == has_torch
        proc = subprocess.run(
            [python, "-c", "import pytest"], capture_output=True, env=env, cwd=prefix
        )
        assert proc.returncode != 0  # installed where Snakemake runs, named by no env file


@pytest.mark.slow
def test_download_extract_and_weight_jobs_in_their_env(conda_run, tmp_path):
    """The rules the test config does not reach: a loopback download, its extraction, a weights fetch."""
    from serve_zip import imagefolder_zip, serve

    workdir, env, args, _ = conda_run
    files = {
        "/h.zip": imagefolder_zip({"train": {"ants": 2, "bees": 2}, "val": {"ants": 1, "bees": 1}})
    }
    files["/resnet50.pth"] = b"not the published weights"
    with serve(files) as base:

        def edit(config):
            config["images"]["source"] = "hymenoptera"
            config["images"]["hymenoptera"] = {"url": base + "/h.zip"}
            config["images"]["max_unpacked_bytes"] = 10**7
            config["features"]["weights"] = "IMAGENET1K_V1"
            config["features"]["weights_url"] = base + "/resnet50.pth"

        config = write_config(tmp_path / "real.yaml", edit)
        targets = ("results/images/hymenoptera", "resources/weights/resnet50-IMAGENET1K_V1.pth")
        proc = snakemake(
            workdir, *args, "--keep-going", *targets, config=config, env=env, check=False
        )
    output = proc.stdout + proc.stderr
    assert (workdir / "results/images/hymenoptera/train/ants").is_dir(), output[-3000:]
    assert "published hash prefix: expected 0676ba61" in output  # torchvision imported in the env
    assert "ModuleNotFoundError" not in output
