"""What several test modules share: test data, comparisons and stored reference results.

Test modules import these from here, never from one another. Running Snakemake (and reading its
dry-run plan) is in ``conftest.py`` beside the fixtures.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

from netlab.images.feature_table import FeatureTable
from netlab.toy.selection import TIMING_COLUMNS
from netlab.toy.training import TrainResult

# ---------------------------------------------------------------------------------------------------
# Classifier inputs small enough to compute by hand (test_classify, test_crossval, test_report)

LOGISTIC = {"solver": "liblinear", "random_state": 0, "max_iter": 1000}
CLASSES = ["ants", "bees"]


def table(points: list[tuple[float, float]], labels: list[int], split: str) -> FeatureTable:
    """2-D points placed in the first two of 2048 feature dimensions."""
    features = np.zeros((len(points), 2048), np.float32)
    features[:, :2] = points
    paths = [f"{split}/{CLASSES[y]}/{i}.jpg" for i, y in enumerate(labels)]
    return FeatureTable(paths, np.array(labels), [CLASSES[y] for y in labels], features)


# Ants cluster at (0, 0), bees at (10, 10). In val one bee sits among the ants,
# so every model gets 5 of 6 right: confusion [[3, 0], [1, 2]].
TRAIN = table([(0, 0), (0, 1), (1, 0), (10, 10), (10, 11), (11, 10)], [0, 0, 0, 1, 1, 1], "train")
VAL = table(
    [(0.5, 0.5), (1, 1), (0, 0.5), (10, 10.5), (10.5, 10), (0.5, 0)], [0, 0, 0, 1, 1, 1], "val"
)


def sidecar(split: str, **changes) -> dict:
    base = {
        "classes": CLASSES, "image_source": "synthetic", "device": "cpu", "torch": "t", "torchvision": "tv",
        "transform": "notebook", "model": "resnet50", "batchnorm": "eval", "n_images": 6, "image_root": "images",
        "weights": {"kind": "random", "description": "random (seeded), not ImageNet"},
        "skipped": [{"path": f"{split}/ants/bad.jpg", "reason": "truncated"}] if split == "val" else [],
    }  # fmt: skip
    return {**base, **changes}


SIDECARS = {"train": sidecar("train"), "val": sidecar("val")}

# ---------------------------------------------------------------------------------------------------
# Two runs of the workflow give the same results (test_determinism, test_environments)

# a trial's timings (whole call, set-up, waiting, training): wall times, not results
WALL_TIME_KEYS = set(TIMING_COLUMNS)
# the report's stage timings are wall times by definition
TIMING_TABLES = {"stage_times.csv"}


def _without_wall_times(data):
    if isinstance(data, dict):
        return {k: _without_wall_times(v) for k, v in data.items() if k not in WALL_TIME_KEYS}
    if isinstance(data, list):
        return [_without_wall_times(v) for v in data]
    return data


def result_files(workdir: Path) -> dict[str, Path]:
    """Every result table and record: JSON, CSV, Parquet and data files under results/ (no logs, no timings)."""
    out = {}
    for path in sorted((workdir / "results").rglob("*")):
        rel = path.relative_to(workdir).as_posix()
        if rel.startswith(("results/logs/", "results/benchmarks/")) or path.name in TIMING_TABLES:
            continue
        if path.suffix in {".json", ".csv", ".parquet", ".txt", ".npz"}:
            out[rel] = path
    return out


def assert_same_results(a: Path, b: Path, ignore: frozenset[str] = frozenset()) -> None:
    import pandas as pd

    files_a, files_b = result_files(a), result_files(b)
    files_a = {rel: p for rel, p in files_a.items() if rel not in ignore}
    files_b = {rel: p for rel, p in files_b.items() if rel not in ignore}
    assert sorted(files_a) == sorted(files_b)
    assert len(files_a) > 20
    for rel, path in files_a.items():
        other = files_b[rel]
        if path.suffix == ".json":
            assert _without_wall_times(json.loads(path.read_text())) == _without_wall_times(
                json.loads(other.read_text())
            ), rel
        elif path.suffix == ".csv" and "wall_time_s" in path.read_text().splitlines()[0]:
            left, right = (
                pd.read_csv(p).drop(columns=list(WALL_TIME_KEYS), errors="ignore")
                for p in (path, other)
            )
            pd.testing.assert_frame_equal(left, right, check_exact=True, obj=rel)
        else:
            assert path.read_bytes() == other.read_bytes(), rel  # byte for byte


# ---------------------------------------------------------------------------------------------------
# Runs of the notebooks' PyTorch loop (netlab.toy.reference), the oracle of the fast trainer
# (test_trainer_equivalence). The long ones are stored once in tests/golden/ (make_golden.py).

GOLDEN = Path(__file__).resolve().parent / "golden"
MAKE_GOLDEN = "python tests/golden/make_golden.py"

REFERENCE_DATASETS = {
    "noisy800": None,
    "noisy200": {"generator": "noisy", "n": 200},
    "circle100": {"generator": "circle", "n": 100, "radius": 2.4, "margin": 0.4},
    "xor100": {"generator": "xor", "n": 100, "margin": 0.5},
    "blobs300": {"generator": "blobs", "n": 300, "separation": 2.4, "spread": 1.0},
    "blobs1100": {"generator": "blobs", "n": 1100, "separation": 2.4, "spread": 1.0},
    "linear100": {"generator": "linear", "n": 100, "angle": 35.0, "margin": 0.6},
}


def training_data(name: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from netlab.toy import datasets

    spec = REFERENCE_DATASETS[name]
    points = datasets.noisy() if spec is None else datasets.generate(spec, seed)
    return datasets.as_training_arrays(*points)


@dataclass(frozen=True)
class ReferenceRun:
    """One training run: data set, net, seed (of the data and of the initial weights) and settings."""

    dataset: str
    hidden_layers: int
    hidden: int
    seed: int
    check_every: int
    tol: float
    max_iter: int | None = None
    lr: float = 0.25

    @property
    def settings(self) -> dict:
        """The keyword arguments of ``training.train`` and ``train_reference``."""
        return {
            "lr": self.lr,
            "tol": self.tol,
            "check_every": self.check_every,
            "max_iter": self.max_iter,
        }

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        return training_data(self.dataset, self.seed)

    def initial(self):
        from netlab.toy import nets

        return nets.init_params(nets.layer_sizes(self.hidden_layers, self.hidden), self.seed)

    def reference(self) -> TrainResult:
        """The run of the notebooks' PyTorch loop, computed now (CPU torch, float32).

        On one torch thread: the nets are small, so it computes the same numbers, and on a busy machine
        many times faster than on threads that wait for one another.
        """
        import torch

        from netlab.toy.reference import train_reference

        x, y = self.data()
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return train_reference(x, y, self.initial(), **self.settings)
        finally:
            torch.set_num_threads(threads)

    @property
    def golden_file(self) -> Path:
        max_iter = f"-max{self.max_iter}" if self.max_iter else ""
        return GOLDEN / (
            f"{self.dataset}-{self.hidden_layers}x{self.hidden}-seed{self.seed}"
            f"-check{self.check_every}-tol{self.tol:g}{max_iter}-lr{self.lr:g}.json"
        )

    def golden(self) -> TrainResult:
        """The reference run as stored in its golden file (written by ``tests/golden/make_golden.py``)."""
        path = self.golden_file
        if not path.is_file():
            raise FileNotFoundError(
                f"golden file {path.relative_to(ROOT)} is missing (the PyTorch reference of {self}): "
                f"write it with `{MAKE_GOLDEN}`"
            )
        stored = json.loads(path.read_text())
        if stored.get("run") != asdict(self):
            raise ValueError(
                f"golden file {path.relative_to(ROOT)} holds the run {stored.get('run')}, not {asdict(self)}: "
                f"rewrite it with `{MAKE_GOLDEN}`"
            )
        return golden_result(stored)

    def golden_record(self, result: TrainResult) -> dict:
        """What the golden file of this run holds: the run, the reference's result, and how to refresh it."""
        import torch

        return {
            "written_by": f"{MAKE_GOLDEN} (netlab.toy.reference.train_reference, CPU, float32)",
            "torch": torch.__version__,
            "run": asdict(self),
            "iterations": result.iterations,
            "converged": result.converged,
            "final_loss": result.final_loss,
            "errors": result.errors,
            "checkpoints": [[t, loss] for t, loss in result.checkpoints],
            # float32 values written as the float64 numbers they are: they read back exactly
            "params": [
                {"weight": np.asarray(w).tolist(), "bias": np.asarray(b).tolist()}
                for w, b in result.params
            ],
        }


def golden_result(record: dict) -> TrainResult:
    """The reference result a golden record holds (``ReferenceRun.golden_record``)."""
    return TrainResult(
        iterations=record["iterations"],
        final_loss=record["final_loss"],
        errors=record["errors"],
        params=[
            (np.array(layer["weight"], np.float32), np.array(layer["bias"], np.float32))
            for layer in record["params"]
        ],
        checkpoints=[(t, loss) for t, loss in record["checkpoints"]],
        converged=record["converged"],
    )


# The long runs: 20 000 iterations without stopping, and full runs to convergence (1000 to 6000).
LONG_RUNS = [
    ReferenceRun(dataset, hidden_layers, hidden, seed, check_every=500, tol=0.0, max_iter=20_000)
    for dataset, hidden_layers, hidden, seed in [
        ("noisy800", 2, 8, 0),
        ("noisy800", 2, 8, 1),
        ("noisy800", 1, 4, 2),
        ("circle100", 1, 8, 3),
        ("xor100", 2, 4, 4),
        ("blobs1100", 2, 4, 5),
    ]
]
FULL_RUNS = [
    ReferenceRun(dataset, hidden_layers, hidden, seed, check_every=100, tol=tol)
    for dataset, hidden_layers, hidden, seed, tol in [
        ("noisy200", 2, 8, 1, 3e-4),
        ("xor100", 1, 4, 0, 1e-3),
        ("blobs300", 2, 8, 1, 1e-3),
        ("linear100", 2, 4, 0, 3e-4),
    ]
]
GOLDEN_RUNS = [*LONG_RUNS, *FULL_RUNS]  # the runs stored in tests/golden/


def assert_follows(fast: TrainResult, ref: TrainResult) -> None:
    """``fast`` follows ``ref`` within the equivalence tests' tolerances (never bit for bit)."""
    assert [t for t, _ in fast.checkpoints] == [t for t, _ in ref.checkpoints]
    fast_losses = np.array([loss for _, loss in fast.checkpoints])
    ref_losses = np.array([loss for _, loss in ref.checkpoints])
    assert np.max(np.abs(fast_losses - ref_losses)) <= 1e-5
    assert fast.iterations == ref.iterations
    assert fast.converged == ref.converged
    for (w_fast, b_fast), (w_ref, b_ref) in zip(fast.params, ref.params, strict=True):
        np.testing.assert_allclose(w_fast, w_ref, rtol=1e-3, atol=1e-4)
        np.testing.assert_allclose(b_fast, b_ref, rtol=1e-3, atol=1e-4)
    assert fast.final_loss == pytest.approx(ref.final_loss, abs=1e-5)
    assert fast.errors == ref.errors


# ---------------------------------------------------------------------------------------------------
# Downloads and archives (test_download, test_archive)

TINY_IMAGEFOLDER = {
    "train": {"ants": 2, "bees": 2},
    "val": {"ants": 1, "bees": 1},
}  # images per class


def listing(directory: Path) -> list[str]:
    """Everything under ``directory``, hidden temporary files included."""
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*"))
