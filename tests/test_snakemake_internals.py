"""The Snakemake internals netlab relies on (netlab.workflow.snakemake_internals) exist in the installed
Snakemake; a release that drops one fails here, naming it."""

from __future__ import annotations

import sys
from types import SimpleNamespace

import pytest
from conftest import ROOT

from netlab.workflow import snakemake_internals


def test_every_internal_netlab_relies_on_exists(parsed_workflow):
    assert snakemake_internals.missing_internals(parsed_workflow) == []


def test_a_missing_internal_is_named():
    import snakemake

    bare = SimpleNamespace(rules=[], configfiles=[])  # no config_settings, no deployment_settings
    with pytest.raises(RuntimeError) as err:
        snakemake_internals.check_internals(bare)
    message = str(err.value)
    assert f"Snakemake {snakemake.__version__} lacks internals" in message
    assert "workflow.config_settings.configfiles" in message
    assert "workflow.deployment_settings.deployment_method" in message
    assert "workflow.rules" not in message


def test_every_rule_that_runs_code_is_read_through_the_fence(parsed_workflow):
    runs = {r.name: snakemake_internals.rule_code(r) for r in parsed_workflow.rules}
    assert runs["all"] is None and runs["toy"] is None
    script, command, _ = runs["summarise_trials"]
    assert script.resolve() == ROOT / "scripts" / "summarise_trials.py" and command == ""
    script, command, _ = runs["train_trials_one_hidden_layer_data1_1"]
    assert script is None and "-m netlab.workflow.train_trials" in command


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
