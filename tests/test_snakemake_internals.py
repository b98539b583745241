"""The Snakemake internals netlab relies on (netlab.workflow.snakemake_internals) exist in the installed
Snakemake; a release that drops one fails here, naming it."""

from __future__ import annotations

import sys
from types import SimpleNamespace

import pytest
from conftest import ROOT

from netlab.workflow import snakemake_internals

# What netlab.workflow.snakemake_internals reads: (object it is read from, attribute path).
RELIED_ON = (
    ("workflow", "config_settings.configfiles"),
    ("workflow", "config_settings.config"),
    ("workflow", "config_settings.replace_workflow_config"),
    ("workflow", "configfiles"),
    ("workflow", "deployment_settings.deployment_method"),
    ("workflow", "rules"),
    ("workflow", "localrules"),
    ("workflow", "_localrules"),
    ("rule", "group"),
    ("rule", "norun"),
    ("rule", "set_params"),
    ("rule", "script"),
    ("rule", "shellcmd"),
    ("rule", "is_run"),
    ("rule", "run_func_src"),
    ("rule", "conda_env"),
    ("rule", "basedir"),
    ("rule", "benchmark"),
    ("rule", "is_producer"),
    ("rule", "expand_benchmark"),
    ("rule", "get_wildcards"),
    ("snakemake.script", "get_snakemake_searchpaths"),
)


def missing_internals(workflow) -> list[str]:
    """The internals of ``RELIED_ON`` that ``workflow`` (and its first rule) or Snakemake lack."""
    import snakemake.script

    owners = {
        "workflow": workflow,
        "rule": next(iter(workflow.rules)),
        "snakemake.script": snakemake.script,
    }
    missing = []
    for owner, path in RELIED_ON:
        value = owners[owner]
        for part in path.split("."):
            if not hasattr(value, part):
                missing.append(f"{owner}.{path}")
                break
            value = getattr(value, part)
    return missing


def test_every_internal_netlab_relies_on_exists(parsed_workflow):
    assert missing_internals(parsed_workflow) == []


def test_a_missing_internal_is_named(parsed_workflow):
    bare = SimpleNamespace(rules=parsed_workflow.rules, configfiles=[])
    assert missing_internals(bare) == [
        "workflow.config_settings.configfiles",
        "workflow.config_settings.config",
        "workflow.config_settings.replace_workflow_config",
        "workflow.deployment_settings.deployment_method",
        "workflow.localrules",
        "workflow._localrules",
    ]


def test_every_rule_that_runs_code_is_read_through_the_fence(parsed_workflow):
    runs = {r.name: snakemake_internals.rule_code(r) for r in parsed_workflow.rules}
    assert runs["all"] is None and runs["toy"] is None
    script, command, _ = runs["summarise_trials"]
    assert script.resolve() == ROOT / "scripts" / "summarise_trials.py" and command == ""
    script, command, _ = runs["train_trials_one_hidden_layer_data1_1"]
    assert script is None and "-m netlab.toy.train_trials" in command


def test_windows_runs_the_shell_rules_with_bash_or_says_what_to_install(monkeypatch):
    import shutil

    from snakemake.shell import shell

    assert snakemake_internals.use_bash_on_windows() is None  # elsewhere Snakemake's own bash
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="need bash on Windows: install Git for Windows"):
        snakemake_internals.use_bash_on_windows()
    monkeypatch.setattr(shutil, "which", lambda name: r"C:\Windows\System32\bash.exe")
    with pytest.raises(RuntimeError, match="WSL"):
        snakemake_internals.use_bash_on_windows()
    before = shell.get_executable()
    monkeypatch.setattr(shutil, "which", lambda name: r"C:\Program Files\Git\bin\bash.exe")
    try:
        assert snakemake_internals.use_bash_on_windows() == r"C:\Program Files\Git\bin\bash.exe"
        assert shell.get_executable() == r"C:\Program Files\Git\bin\bash.exe"
    finally:
        shell.executable(before)


def test_conda_jobs_get_no_search_paths_and_a_snakemake_without_the_hook_stops(
    monkeypatch, tmp_path
):
    import snakemake.script

    monkeypatch.setenv("NETLAB_CHECKOUT", "")  # set by the call; restored after the test
    conda = SimpleNamespace(deployment_settings=SimpleNamespace(deployment_method=["CONDA"]))
    plain = SimpleNamespace(deployment_settings=SimpleNamespace(deployment_method=[]))
    monkeypatch.setattr(snakemake.script, "get_snakemake_searchpaths", lambda: ["/somewhere"])
    assert not snakemake_internals.isolate_conda_jobs(plain, tmp_path)
    assert snakemake.script.get_snakemake_searchpaths() == ["/somewhere"]
    assert snakemake_internals.isolate_conda_jobs(conda, tmp_path)
    assert snakemake.script.get_snakemake_searchpaths() == []
    monkeypatch.delattr(snakemake.script, "get_snakemake_searchpaths")
    with pytest.raises(RuntimeError, match="lacks snakemake.script.get_snakemake_searchpaths"):
        snakemake_internals.isolate_conda_jobs(conda, tmp_path)
