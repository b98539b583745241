"""The rerun oracle: what every job really loads, against what each edit re-runs.

The code fingerprints are read from the source (``netlab.workflow.codegraph``); this test does not
trust that reading. It runs the tiny config for real, the kernel-compiling path included (an empty
kernel directory), with every Python process recording what it loads and opens under the workflow
(``tests/oracle/sitecustomize.py``: the ``open`` audit event and ``sys.modules``). Then, for every file
of ``netlab/`` and ``scripts/`` (templates included), it edits the file and asks Snakemake
(``--detailed-summary``) which jobs would re-run and why: the rules whose params changed must be
exactly the rules whose jobs loaded the file, and every other job planned must consume their outputs.
It prints the table it checked. Run: ``python -m pytest -m oracle`` (``.ci/run`` does).
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import ROOT, copy_workflow, snakemake, write_config

pytestmark = [pytest.mark.oracle, pytest.mark.slow]

TRACER = ROOT / "tests" / "oracle"
CONFIG = "tests/config/oracle.yaml"
EDITS = {".py": "\n# an edit the oracle made\n", ".j2": "\n{# an edit the oracle made #}\n"}


def job_rules(argv: list[str], scripts: dict[str, str], modules: dict[str, set[str]]) -> set[str]:
    """The rules a traced process ran for: a script job (Snakemake's copy ``tmpXXXX.<script>.py``), or a
    shell job running ``python -m netlab.x``: every rule whose command runs that module (the trial rules,
    one per job's set of trials, run the same command and so the same code); none for Snakemake itself
    and anything else."""
    first = argv[0] if argv else ""
    copied = re.fullmatch(r"tmp\w+\.(\w+\.py)", Path(first).name)
    if copied and ".snakemake/scripts" in first:
        return {scripts[copied.group(1)]} if copied.group(1) in scripts else set()
    for module, rules in modules.items():
        if first.endswith(module.replace(".", "/") + ".py"):
            return rules
    return set()


def rule_programs(workdir: Path) -> tuple[dict[str, str], dict[str, set[str]]]:
    """Script file name -> rule, and ``python -m`` module -> its rules, as Snakemake parses the rules."""

    from netlab.workflow.codegraph import shell_modules
    from netlab.workflow.snakemake_internals import parsed, rule_code

    scripts: dict[str, str] = {}
    modules: dict[str, set[str]] = defaultdict(set)
    with parsed(workdir / "Snakefile", workdir, [workdir / CONFIG]) as workflow:
        for rule in workflow.rules:
            code = rule_code(rule)
            if code is None:
                continue
            script, command, _ = code
            if script is not None:
                scripts[script.name] = rule.name
            for module in shell_modules(command):
                modules[module].add(rule.name)
    return scripts, modules


@pytest.fixture(scope="module")
def traced(tmp_path_factory, request):
    if "oracle" not in request.config.getoption("markexpr"):
        pytest.skip("the rerun oracle edits every file (minutes): python -m pytest -m oracle")
    base = tmp_path_factory.mktemp("oracle")
    workdir = copy_workflow(base / "netlab")
    traces, kernels = base / "traces", base / "kernels"
    traces.mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(TRACER), os.environ.get("PYTHONPATH")])),
        "NETLAB_TRACE_ROOT": str(workdir),
        "NETLAB_TRACE_DIR": str(traces),
        "NETLAB_KERNEL_DIR": str(kernels),
    }
    # the tiny config, and one net large enough for the trainer's general path (2-16-16-1): a trial job
    # loads the fused kernel's code or the general path's, never both
    config = write_config(
        workdir / CONFIG, lambda c: c["experiments"]["two_hidden_layers"]["hidden_sizes"].append(16)
    )
    snakemake(workdir, "--cores", "2", config=config, env=env)
    scripts, modules = rule_programs(workdir)
    loaders: dict[str, set[str]] = defaultdict(set)
    for trace in traces.glob("*.json"):
        record = json.loads(trace.read_text())
        rules = job_rules(record["argv"], scripts, modules)
        for path in record["files"]:
            loaders[Path(path).relative_to(workdir.resolve()).as_posix()].update(rules)
        for script, rule in scripts.items():  # a script job runs Snakemake's copy of its script
            if rule in rules:
                loaders[f"scripts/{script}"].add(rule)
    assert any(kernels.glob("*.so")) or any(kernels.glob("*.py")), "no kernel was compiled"
    return workdir, dict(loaders)


def summary(workdir: Path) -> list[dict[str, str]]:
    """Snakemake's own account of every output: its rule, inputs, status and plan."""
    proc = snakemake(workdir, "--detailed-summary", "--cores", "1", config=workdir / CONFIG)
    lines = [line for line in proc.stdout.splitlines() if "\t" in line]
    return list(csv.DictReader(lines, delimiter="\t"))


def downstream(rows: list[dict[str, str]], rules: set[str]) -> set[str]:
    """The rules whose jobs consume, directly or not, outputs of ``rules``."""
    made = {r["output_file"] for r in rows if r["rule"] in rules}
    found: set[str] = set()
    while True:
        more = {
            r["output_file"]
            for r in rows
            if r["output_file"] not in made and set(r["input-file(s)"].split(",")) & made
        }
        if not more:
            return found | set()
        made |= more
        found |= {r["rule"] for r in rows if r["output_file"] in more}


def project_files(workdir: Path) -> list[str]:
    files = [
        *workdir.glob("netlab/**/*.py"),
        *workdir.glob("netlab/**/*.j2"),
        *workdir.glob("scripts/*.py"),
    ]
    return sorted(p.relative_to(workdir).as_posix() for p in files if "__pycache__" not in p.parts)


def check_edit(workdir: Path, relative: str, loaded: set[str]) -> tuple[list[str], str | None]:
    """Edit one file in ``workdir``, ask Snakemake what would re-run, undo the edit."""
    path = workdir / relative
    original = path.read_bytes()
    path.write_bytes(original + EDITS[path.suffix].encode())
    try:
        rows = summary(workdir)
    finally:
        path.write_bytes(original)
    own = {r["rule"] for r in rows if r["status"] == "params changed"}
    planned = {r["rule"] for r in rows if r["plan"] == "update pending"}
    extra = planned - own - downstream(rows, own)
    problem = None
    if own != loaded or extra:
        problem = (
            f"{relative}: loaded by {sorted(loaded) or 'no job'}, fingerprint re-runs "
            f"{sorted(own) or 'nothing'}" + (f", and also plans {sorted(extra)}" if extra else "")
        )
    return sorted(planned), problem


def test_every_edit_reruns_exactly_the_jobs_that_loaded_the_file(traced, tmp_path):
    workdir, loaders = traced
    assert not {r["rule"] for r in summary(workdir) if r["plan"] != "no update"}
    # two copies of the finished run (metadata and times kept), one edit at a time in each
    copies = [workdir, tmp_path / "second"]
    shutil.copytree(workdir, copies[1], symlinks=True)
    files = project_files(workdir)
    shares = [files[k :: len(copies)] for k in range(len(copies))]

    def check_share(k: int) -> dict[str, tuple[list[str], str | None]]:
        return {f: check_edit(copies[k], f, loaders.get(f, set())) for f in shares[k]}

    with ThreadPoolExecutor(max_workers=len(copies)) as pool:
        done = {
            f: r for share in pool.map(check_share, range(len(copies))) for f, r in share.items()
        }
    results = [done[f] for f in files]
    rows_seen = [
        (f, sorted(loaders.get(f, set())), planned)
        for f, (planned, _) in zip(files, results, strict=True)
    ]
    problems = [problem for _, problem in results if problem]
    width = max(len(r[0]) for r in rows_seen)
    print(f"\n{'file':{width}}  loaded by (= re-runs)  | planned in all")
    for relative, loaded, planned in rows_seen:
        print(f"{relative:{width}}  {', '.join(loaded) or '-'}  | {', '.join(planned) or '-'}")
    assert not problems, "\n".join(problems)
