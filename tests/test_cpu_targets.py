"""Same config, same bytes on every CPU: the tiny config's trials trained again for other CPUs.

Each target is a fresh trainer compiled for another CPU on this machine, as numba and numpy let one
emulate it: 256-bit vectors (``NETLAB_VECTOR_BITS``), Haswell's AVX2 with FMA and no AVX-512, and
the x86-64 baseline (SSE2, no FMA: LLVM calls libm's ``fmaf``), each with numpy's SIMD dispatch
narrowed to match (``NPY_DISABLE_CPU_FEATURES``; numpy's own floor is its build baseline). Every
trial of the finished tiny run (this machine's native code) is trained again under each target by
the trial jobs' own entry point, and so is one net big enough for the general path; records
(timings aside) and weights must be the same bytes.
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


def train(
    target: dict[str, str], kernels: Path, data: Path, records: list[Path], **settings
) -> None:
    """The trial job (``netlab.toy.train_trials``) for the trials ``records`` name under ``target``."""
    args = [sys.executable, "-m", "netlab.toy.train_trials", "--data", str(data),
            "--log", str(records[0].parent / "job.log")]  # fmt: skip
    for name, value in settings.items():
        args += [f"--{name.replace('_', '-')}", str(value)]
    args += ["--records", *map(str, records)]
    args += ["--weights", *(str(r.with_suffix(".npz")) for r in records)]
    for record in records:
        record.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "NETLAB_KERNEL_DIR": str(kernels), **target}
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]


def same_trial(made: Path, expected: Path) -> None:
    """Weights byte for byte; the record's every field but the timings."""
    assert made.with_suffix(".npz").read_bytes() == expected.with_suffix(".npz").read_bytes(), made
    mine, theirs = (json.loads(p.read_text()) for p in (made, expected))
    for record in (mine, theirs):
        for key in TIMINGS:
            record.pop(key)
    assert mine == theirs, made


@pytest.fixture(scope="module")
def config():
    return yaml.safe_load(TEST_CONFIG.read_text())


@pytest.mark.parametrize("target", TARGETS, ids=list(TARGETS))
def test_every_trial_has_the_same_bytes_on_another_cpu(target, workflow_run, config, tmp_path):
    kernels = tmp_path / "kernels"
    compared = 0
    for experiment, spec in config["experiments"].items():
        # one job per data set with its every H, as the workflow may cut them
        for dataset in spec["datasets"]:
            places = [
                paths.trial_file("json", n, **setting._asdict())
                for setting in toy_settings(config)
                if (setting.experiment, setting.dataset) == (experiment, dataset)
                for n in range(1, spec["trials"] + 1)
            ]
            train(TARGETS[target], kernels, workflow_run / paths.data_file(dataset),
                  [tmp_path / p for p in places], seed=config["seed"],
                  hidden_layers=spec["hidden_layers"], lr=spec["lr"], tol=spec["tol"],
                  check_every=spec["check_every"], max_iter=spec["max_iter"])  # fmt: skip
            for place in places:
                same_trial(tmp_path / place, workflow_run / place)
                compared += 1
    assert compared == 10  # every trial of the tiny config
    assert any(kernels.glob("fused_*.so")), "the targets' own kernels were compiled"


def test_the_general_path_has_the_same_bytes_on_every_cpu(workflow_run, tmp_path):
    sizes = [2] + [GENERAL_NET["hidden"]] * GENERAL_NET["hidden_layers"] + [1]
    assert choice.choose_path(sizes, 120, GENERAL_NET["max_iter"]) == "general"
    data = workflow_run / paths.data_file("noisy")
    runs = {}
    for name, target in {"this CPU": {}, **TARGETS}.items():
        out = tmp_path / name.split()[0] / f"results/mlp/e/noisy/h{GENERAL_NET['hidden']}"
        # this CPU's loop from the tests' shared kernel cache (tests/conftest.py); each target's its own
        kernels = (
            Path(os.environ["NETLAB_KERNEL_DIR"]) if not target else tmp_path / name.split()[0]
        )
        train(target, kernels, data,
              [out / "trial1.json", out / "trial2.json"], seed=11,
              lr=0.25, tol=0.0, check_every=100, hidden_layers=GENERAL_NET["hidden_layers"],
              max_iter=GENERAL_NET["max_iter"])  # fmt: skip
        runs[name] = out
        assert json.loads((out / "trial1.json").read_text())["path"] == "general"
    for out in runs.values():
        for trial in (1, 2):
            same_trial(out / f"trial{trial}.json", runs["this CPU"] / f"trial{trial}.json")
    # the two seeds trained differently: equal bytes above are not two copies of one constant
    first, second = (np.load(runs["this CPU"] / f"trial{t}.npz") for t in (1, 2))
    assert not np.array_equal(first[first.files[0]], second[second.files[0]])
