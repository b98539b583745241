"""Each rule's code fingerprint is derived from what its script imports, and covers all of it."""

from __future__ import annotations

import ast
import importlib.metadata as metadata
import json
import os
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest
from conftest import ROOT

from netlab.workflow.codegraph import import_closure, shell_modules
from netlab.workflow.fingerprint import code_digest, job_imports
from netlab.workflow.snakemake_internals import rule_code


def _import_lines(script: Path | None, modules: Sequence[str] = ()) -> str:
    """The script's import statements, or ``import m`` for ``modules`` run with ``python -m``."""
    imports = [f"import {m}" for m in modules]
    if script is not None:
        tree = ast.parse(script.read_text())
        nodes = [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
        imports += [ast.unparse(n) for n in nodes]
    return "\n".join(imports)


# One interpreter imports the third-party packages, then forks a child per job that runs the job's
# imports and reports the netlab files loaded: what a fresh interpreter loads, without importing torch
# for each job again (third-party packages never import netlab).
_PROBE = """
import json, os, sys
for name in json.loads(sys.argv[2]):
    try:
        __import__(name)
    except ImportError:
        pass
assert not [n for n in sys.modules if n.split(".")[0] == "netlab"]
found = []
for code in json.loads(sys.argv[1]):
    read, write = os.pipe()
    if os.fork() == 0:
        exec(code, {})
        files = [m.__file__ for n, m in list(sys.modules.items())
                 if n.split(".")[0] == "netlab" and getattr(m, "__file__", None)]
        os.write(write, json.dumps(files).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        found.append(json.loads(pipe.read()))
    assert os.wait()[1] == 0
print(json.dumps(found))
"""


def _imported_at_runtime(probes: Sequence[str], third_party: Iterable[str]) -> list[set[Path]]:
    """The netlab files Python really loads for each of ``probes`` (import statements), each in an
    interpreter of its own (a fork of one that imported ``third_party`` first)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [json.dumps(list(probes)), json.dumps(sorted(third_party))]
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return [{Path(f).resolve() for f in files} for files in json.loads(out.stdout)]


def test_every_rule_that_runs_code_has_a_derived_fingerprint(parsed_rules):
    runs_code = [r for r in parsed_rules if rule_code(r) is not None]
    assert {r.name for r in runs_code} >= {
        "toy_data",
        "train_trials_one_hidden_layer_data1_1",
        "features",
        "report",
    }
    for rule in runs_code:
        assert rule.params.code == code_digest(ROOT, *rule_code(rule)), rule.name


def test_no_rule_names_the_checkout_the_environment_or_the_interpreter(parsed_rules):
    """What decides a job holds no path of this machine: results moved to another checkout, or read with
    a Python at another path, re-run nothing (the params' callables: tests/test_incremental.py)."""
    local = {str(ROOT), sys.prefix, sys.executable}  # the checkout is the parse's working directory
    for rule in parsed_rules:
        code = rule_code(rule)
        values = [v for v in rule.params if not callable(v)]
        text = repr([code[1:] if code else None, values])
        assert not [p for p in local if p in text], (rule.name, text[:2000])


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the probe forks a fresh interpreter per job")
def test_fingerprint_covers_every_netlab_module_a_script_loads(parsed_rules):
    jobs = {}
    for rule in parsed_rules:
        script, command, _ = rule_code(rule) or (None, "", "")
        script, modules = script and script.resolve(), shell_modules(command)
        # the trial rules all run one command: one probe checks it
        if script is not None or modules:
            jobs.setdefault((script, *modules), (rule.name, job_imports(ROOT, script, command)))
    assert len(jobs) >= 8
    third_party = set().union(*(found.third_party for _, found in jobs.values()))
    loaded = _imported_at_runtime([_import_lines(k[0], k[1:]) for k in jobs], third_party)
    for ((script, *_), (name, found)), really in zip(jobs.items(), loaded, strict=True):
        missing = really - set(found.files)
        assert really and not missing, (
            f"rule {name}: {sorted(map(str, missing))} not in its fingerprint"
        )
        assert script is None or script in found.files


def test_any_covered_file_changes_the_fingerprint(tmp_path):
    """Editing any file of a closure (here: a copy of the repository's netlab) changes the digest."""
    import shutil

    shutil.copytree(ROOT / "netlab", tmp_path / "netlab")
    shutil.copytree(ROOT / "scripts", tmp_path / "scripts")
    script = tmp_path / "scripts" / "summarise_trials.py"
    before = code_digest(tmp_path, script)
    for path in job_imports(tmp_path, script).files:
        original = path.read_bytes()
        path.write_bytes(original + b"\n# an edit\n")
        assert code_digest(tmp_path, script) != before, path
        path.write_bytes(original)
        os.utime(path, (1, 1))  # times alone never matter
        assert code_digest(tmp_path, script) == before, path


@pytest.fixture
def package(tmp_path):
    """A messy package: relative imports, imports inside functions, a star import, a subpackage."""
    pkg = tmp_path / "netlab"
    (pkg / "sub").mkdir(parents=True)
    files = {
        "__init__.py": "",
        "a.py": "import numpy as np\nfrom . import b\n",
        "b.py": "def f():\n    from .sub import deep\n    import torch.nn\n",
        "c.py": "from netlab.sub.deep import *\n",
        "unused.py": "import pandas\n",
        "sub/__init__.py": "from .. import c  # noqa\n",
        "sub/deep.py": "import os, json\nfrom PIL import Image\n",
        "cli.py": "from netlab import a\n",
    }
    for name, text in files.items():
        (pkg / name).write_text(text)
    script = tmp_path / "scripts" / "job.py"
    script.parent.mkdir()
    script.write_text("import netlab.a as a\nfrom netlab import sub\nimport yaml\n")
    return tmp_path


def test_closure_follows_relative_lazy_and_package_imports(package):
    closure = import_closure([package / "scripts" / "job.py"], package)
    names = {p.relative_to(package).as_posix() for p in closure.files}
    assert names == {
        "scripts/job.py",
        "netlab/__init__.py",
        "netlab/a.py",
        "netlab/b.py",
        "netlab/c.py",
        "netlab/sub/__init__.py",
        "netlab/sub/deep.py",
    }
    assert closure.third_party == {"numpy", "torch", "PIL", "yaml"}


def test_a_module_run_by_a_shell_command_is_a_root(package):
    command = "python -u -m netlab.cli --out {output} 2> {log}"
    assert shell_modules(command) == ["netlab.cli"]
    # the interpreter named by a shell variable (the job's environment holds its path)
    assert shell_modules('"$NETLAB_PYTHON" -u -m netlab.cli {output}') == ["netlab.cli"]
    assert shell_modules("${MY_PYTHON} -m netlab.cli") == ["netlab.cli"]
    assert shell_modules('"$OUT" -m netlab.cli') == []
    files = {p.relative_to(package).as_posix() for p in job_imports(package, command=command).files}
    assert {"netlab/cli.py", "netlab/a.py", "netlab/sub/deep.py"} <= files
    assert "netlab/unused.py" not in files
    with pytest.raises(ValueError, match=r"no module netlab\.nowhere"):
        job_imports(package, command="python -m netlab.nowhere")


def test_software_is_part_of_a_rules_fingerprint(parsed_rules):
    """The installed versions of what a rule's code imports, derived from the same closure: torch
    for the features, numba for the trials, neither for the report."""
    software = {r.name: dict(r.params.items()).get("software") for r in parsed_rules}
    assert "torch==" in software["features"] and "numba==" not in software["features"]
    assert (
        "numba==" in software["train_trials_one_hidden_layer_data1_1"]
        and "torch==" not in software["train_trials_one_hidden_layer_data1_1"]
    )
    assert "scikit-learn==" in software["classify"]
    assert "Jinja2==" in software["report"]
    assert not any(f"{name}==" in software["report"] for name in ("torch", "matplotlib", "numba"))
    assert (
        f"numpy=={metadata.version('numpy')}" in software["train_trials_one_hidden_layer_data1_1"]
    )
    assert software["all"] is None  # a target runs no code
