"""Every use of Snakemake's internals, in one place, each with why no public API does it.

Snakemake's public surface for a workflow is the Snakefile's ``config``, ``workflow.basedir`` and
the rule directives. netlab needs a little more (see each function), and only here: a Snakemake
release that changes one of these fails ``tests/test_snakemake_internals.py``, which lists them, with the
internal's name. ``pyproject.toml`` pins the Snakemake range the tests pass with.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path, PureWindowsPath
from typing import Any


def config_layers(workflow: Any) -> tuple[list[str], list[str], dict[str, Any]]:
    """The config's layers as the user gave them: default config files, ``--configfile`` files and
    ``--config`` values. Snakemake exposes only their recursive merge (``config``), which cannot say
    that a data set given by the user replaces the default's entry, nor where a bad value came from."""
    settings = workflow.config_settings
    defaults = (
        []
        if settings.replace_workflow_config
        else list(workflow.configfiles[len(settings.configfiles) :])
    )
    return defaults, list(settings.configfiles), dict(settings.config)


def uses_conda(workflow: Any) -> bool:
    """Whether jobs run in conda envs (``--sdm conda``): no public flag says so to the Snakefile."""
    methods = workflow.deployment_settings.deployment_method
    return any(str(getattr(m, "name", m)).lower() == "conda" for m in methods)


def isolate_conda_jobs(workflow: Any, checkout: str | Path) -> bool:
    """Jobs in a conda env import from that env alone; True when script jobs run in conda envs.

    Snakemake's script preamble appends the submitting process's ``sys.path`` to every job's path, so
    under ``--sdm conda`` a job could take what its env file leaves out from where Snakemake is installed.
    The envs carry Snakemake and netlab, so there the preamble appends nothing; no setting does this.
    """
    os.environ["NETLAB_CHECKOUT"] = str(Path(checkout).resolve())  # read by envs/*.post-deploy.sh
    if not uses_conda(workflow):
        return False
    import snakemake.script

    if not hasattr(snakemake.script, "get_snakemake_searchpaths"):  # the patch would do nothing
        raise RuntimeError("this Snakemake lacks snakemake.script.get_snakemake_searchpaths")
    snakemake.script.get_snakemake_searchpaths = list  # called bare: no paths
    return True


def export_job_python(workflow: Any) -> None:
    """Name the Python of shell jobs (``"$NETLAB_PYTHON" -m netlab.x``): the conda env's under ``--sdm conda``,
    else the one running Snakemake, as a ``script:`` job gets. In the environment the jobs inherit, not in the
    command, whose text is part of the code fingerprint and so holds no interpreter path."""
    os.environ["NETLAB_PYTHON"] = "python" if uses_conda(workflow) else sys.executable


def use_bash_on_windows() -> str | None:
    """On Windows, run shell rules with bash (Git for Windows'), as Snakemake does elsewhere; its default
    there is ``cmd.exe``, which cannot read the rules' POSIX commands (``"$NETLAB_PYTHON"``, quoting). Stops
    with what to install when no usable bash is on the PATH; returns the bash used (None off Windows)."""
    if sys.platform != "win32":
        return None
    import shutil

    from snakemake.shell import shell

    found = shutil.which("bash")
    if found is None or PureWindowsPath(found).parent.name.lower() == "system32":  # WSL's cannot
        raise RuntimeError(
            "netlab's shell rules need bash on Windows: install Git for Windows and put its bash on the "
            "PATH (WSL's C:\\Windows\\System32\\bash.exe cannot run them), or run netlab inside WSL"
        )
    shell.executable(found)
    return found


def add_local_rules(workflow: Any, names: Iterable[str], setting: str) -> None:
    """Make the rules ``names`` local (run where Snakemake runs, never submitted), as ``localrules:`` does;
    a name that is no rule stops the parse naming ``setting`` (a typo must not submit the jobs). The
    directive takes rule names written in the Snakefile only, not names read from the config."""
    unknown = sorted(set(names) - {r.name for r in workflow.rules})
    if unknown:
        raise ValueError(f"config key {setting}: no such rule: {', '.join(unknown)}")
    workflow.localrules(*names)


def local_rules(workflow: Any) -> set[str]:
    """The rules whose jobs run where Snakemake runs in a cluster run: what a cluster run may do off the
    cluster. As ``Workflow.is_local`` decides (``localrules:`` and rules that run nothing, unless grouped),
    less its ``local_exec``, which is true in any run without an executor plugin, a parse included."""
    return {
        r.name
        for r in workflow.rules
        if r.group is None and (r.name in workflow._localrules or r.norun)
    }


@contextmanager
def parsed(
    snakefile: Path,
    workdir: Path,
    configfiles: list[Path],
    config: Mapping[str, Any] | None = None,
) -> Iterator[Any]:
    """The workflow as Snakemake parses it, without running anything: the object a Snakefile calls
    ``workflow`` (for the tests and the oracle; the API offers no public handle on it). ``config``: the
    ``--config`` values (a profile's ``config:``)."""
    from snakemake.api import SnakemakeApi
    from snakemake.settings.enums import Quietness
    from snakemake.settings.types import ConfigSettings, OutputSettings, ResourceSettings

    with SnakemakeApi(OutputSettings(quiet={Quietness.ALL})) as api:
        workflow = api.workflow(
            snakefile=snakefile,
            workdir=workdir,
            resource_settings=ResourceSettings(),
            config_settings=ConfigSettings(configfiles=configfiles, config=dict(config or {})),
        )
        yield workflow._workflow


def rule_code(rule: Any) -> tuple[Path | None, str, str] | None:
    """What a rule runs: its script file, shell command and ``run:`` source; None for a rule that runs
    nothing (a target). Snakemake keeps these on the rule object only."""
    if rule.script is None and rule.shellcmd is None and not rule.is_run:
        return None
    script = None
    if rule.script is not None:
        script = Path(rule.basedir.get_path_or_uri(secret_free=True)) / rule.script
    return script, rule.shellcmd or "", rule.run_func_src if rule.is_run else ""


def rule_env_file(rule: Any) -> Path | None:
    """The conda env file of a rule's ``conda:`` directive; None without one. Snakemake keeps it on the rule
    object only, as written (relative to the rule's file)."""
    if rule.conda_env is None:
        return None
    return Path(rule.basedir.get_path_or_uri(secret_free=True)) / rule.conda_env


def add_code_params(
    workflow: Any, digests: Callable[[Path | None, str, str, Path | None], Mapping[str, str]]
) -> None:
    """Give every rule that runs code the params ``digests(script, command, source, env_file)`` returns, for
    the ``params`` trigger to compare by content (the ``code`` trigger compares a script's time, the
    ``software-env`` trigger where an env lies); only ``Rule.set_params`` adds them after the rule is defined."""
    for rule in workflow.rules:
        code = rule_code(rule)
        if code is not None:
            rule.set_params(**digests(*code, rule_env_file(rule)))


def producer_benchmarks(workflow: Any, paths: Iterable[str]) -> list[list[str]]:
    """``[rule name, benchmark file]`` of the job that makes each of ``paths``, in order, without repeats (a
    user's file, or a rule without benchmark, left out): Snakemake resolves producers only inside its DAG."""
    rules = [r for r in workflow.rules if r.benchmark]
    found: dict[str, str] = {}
    for path in paths:
        for rule in rules:
            if rule.is_producer(path):
                found.setdefault(str(rule.expand_benchmark(rule.get_wildcards(path))), rule.name)
                break
    return [[name, benchmark] for benchmark, name in found.items()]


def compiled_source(workflow: Any, snakefiles: Iterable[Path]) -> str:
    """The Python Snakemake compiles ``snakefiles`` to, in order (for ruff, which cannot read the rules'
    syntax: the tests lint what the rules import and define). Snakemake's parser is internal."""
    from snakemake.parser import parse
    from snakemake.sourcecache import LocalSourceFile

    return "\n".join(parse(LocalSourceFile(str(f)), workflow, {})[0] for f in snakefiles)
