"""Same config, same bytes on every CPU: the tiny config's trials trained again for other CPUs.

Each target is a fresh trainer compiled for another CPU on this machine, as numba and numpy let one
emulate it: 256-bit vectors (``NETLAB_VECTOR_BITS``), Haswell's AVX2 with FMA and no AVX-512, and
the x86-64 baseline (SSE2, no FMA: LLVM calls libm's ``fmaf``), each with numpy's SIMD dispatch
narrowed to match (``NPY_DISABLE_CPU_FEATURES``; numpy's own floor is its build baseline). Every
trial of the finished tiny run (this machine's native code) is trained again under each target by
the trial jobs' own entry point, and so is one net big enough for the general path (against this
CPU's); records (timings aside) and weights must be the same bytes.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import ROOT, TEST_CONFIG

from netlab.toy import paths
from netlab.toy.settings import settings as toy_settings
from netlab.toy.trainer import choice

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"), reason="x86 CPU targets"),
]
TIMINGS = ("wall_time_s", "setup_s", "wait_s", "train_s")


def numpy_dispatch_off(keep: set[str]) -> str:
    """``NPY_DISABLE_CPU_FEATURES`` for a CPU with only ``keep`` of numpy's dispatched targets."""
    from numpy._core._multiarray_umath import __cpu_dispatch__

    return " ".join(f for f in __cpu_dispatch__ if f not in keep)


TARGETS = {
    "256-bit vectors": {"NETLAB_VECTOR_BITS": "256"},
    "Haswell (AVX2, FMA)": {
        "NUMBA_CPU_NAME": "haswell",
        "NPY_DISABLE_CPU_FEATURES": numpy_dispatch_off({"X86_V3", "AVX2", "FMA3", "AVX", "F16C"}),
    },
    "x86-64 baseline (SSE2, no FMA)": {
        "NUMBA_CPU_NAME": "x86-64",
        "NPY_DISABLE_CPU_FEATURES": numpy_dispatch_off(set()),
    },
}
GENERAL_NET = {"hidden_layers": 2, "hidden": 40, "max_iter": 300}  # beyond the fused kernel
JOBS = """
import json, sys
from netlab.toy import train_trials
for job in json.loads(sys.argv[1]):
    train_trials.main(job)
"""


def trial_job(data: Path, records: list[Path], **settings) -> list[str]:
    """The arguments of a trial job (``python -m netlab.toy.train_trials``) for the trials ``records`` name;
    their folders made, as Snakemake makes a job's output folders before it starts."""
    args = ["--data", str(data), "--log", str(records[0].parent / "job.log")]
    for name, value in settings.items():
        args += [f"--{name.replace('_', '-')}", str(value)]
    args += ["--records", *map(str, records)]
    args += ["--weights", *(str(r.with_suffix(".npz")) for r in records)]
    for record in records:
        record.parent.mkdir(parents=True, exist_ok=True)
    return args


def train(target: dict[str, str], kernels: Path, jobs: list[list[str]]) -> None:
    """The trial jobs' entry point (``netlab.toy.train_trials.main``) for each of ``jobs``, one after another
    in one interpreter for ``target`` (as one job of several trials runs them), its kernels in ``kernels``."""
    env = {**os.environ, "NETLAB_KERNEL_DIR": str(kernels), **target}
    done = subprocess.run([sys.executable, "-c", JOBS, json.dumps(jobs)], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=900)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]


def same_trial(made: Path, expected: Path) -> None:
    """Weights byte for byte; the record's every field but the timings."""
    assert made.with_suffix(".npz").read_bytes() == expected.with_suffix(".npz").read_bytes(), made
    mine, theirs = (json.loads(p.read_text()) for p in (made, expected))
    for record in (mine, theirs):
        for key in TIMINGS:
            record.pop(key)
    assert mine == theirs, made


def general_job(data: Path, out: Path) -> list[str]:
    """Two trials of a net for the general path (``GENERAL_NET``) on ``data``, written under ``out``."""
    out = out / f"results/mlp/e/noisy/h{GENERAL_NET['hidden']}"
    return trial_job(data, [out / "trial1.json", out / "trial2.json"], seed=11, lr=0.25, tol=0.0,
                     check_every=100, hidden_layers=GENERAL_NET["hidden_layers"],
                     max_iter=GENERAL_NET["max_iter"])  # fmt: skip


@pytest.fixture(scope="module")
def config():
    return yaml.safe_load(TEST_CONFIG.read_text())


@pytest.fixture(scope="module")
def general_here(workflow_run, tmp_path_factory) -> Path:
    """The general path's trials on this CPU, its loop from the tests' shared kernel cache (conftest.py)."""
    sizes = [2] + [GENERAL_NET["hidden"]] * GENERAL_NET["hidden_layers"] + [1]
    assert choice.choose_path(sizes, 120, GENERAL_NET["max_iter"]) == "general"
    out = tmp_path_factory.mktemp("this-cpu")
    train(
        {},
        Path(os.environ["NETLAB_KERNEL_DIR"]),
        [general_job(workflow_run / paths.data_file("noisy"), out)],
    )
    trials = sorted(out.rglob("trial*.json"))
    assert [json.loads(t.read_text())["path"] for t in trials] == ["general", "general"]
    # the two seeds trained differently: equal bytes below are not two copies of one constant
    first, second = (np.load(t.with_suffix(".npz")) for t in trials)
    assert not np.array_equal(first[first.files[0]], second[second.files[0]])
    return out


@pytest.mark.parametrize("target", TARGETS, ids=list(TARGETS))
def test_every_trial_has_the_same_bytes_on_another_cpu(
    target, workflow_run, general_here, config, tmp_path
):
    """Every trial of the tiny run (one job per data set with its every H, as the workflow may cut them),
    and the general path's trials, trained for ``target`` in one interpreter with kernels of its own."""
    jobs, places = [], []
    for experiment, spec in config["experiments"].items():
        for dataset in spec["datasets"]:
            job = [
                paths.trial_file("json", n, **setting._asdict())
                for setting in toy_settings(config)
                if (setting.experiment, setting.dataset) == (experiment, dataset)
                for n in range(1, spec["trials"] + 1)
            ]
            jobs.append(trial_job(workflow_run / paths.data_file(dataset),
                                  [tmp_path / p for p in job], seed=config["seed"],
                                  hidden_layers=spec["hidden_layers"], lr=spec["lr"], tol=spec["tol"],
                                  check_every=spec["check_every"], max_iter=spec["max_iter"]))  # fmt: skip
            places += job
    jobs.append(general_job(workflow_run / paths.data_file("noisy"), tmp_path / "general"))
    kernels = tmp_path / "kernels"
    train(TARGETS[target], kernels, jobs)
    for place in places:
        same_trial(tmp_path / place, workflow_run / place)
    assert len(places) == 10  # every trial of the tiny config
    for here in sorted(general_here.rglob("trial*.json")):
        same_trial(tmp_path / "general" / here.relative_to(general_here), here)
    assert any(kernels.glob("fused_*.so")), "the targets' own kernels were compiled"
    assert any((kernels / "numba").rglob("layers.descend-*.nbi")), "and its own general loop"
