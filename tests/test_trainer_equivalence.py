"""The fast trainer follows the notebooks' PyTorch loop (``netlab.toy.reference``) from the same initial weights.

Loss at every check within 1e-5 over the first 20 000 iterations, final
weights close, and the same iteration count on full runs to convergence, on
every path of ``training.train`` (``training.PATHS``). The reference costs about 0.4 ms
per iteration, so the cases are few but spread: both depths, both hidden
sizes, several seeds, data sets of 100 to 1100 points (1100 spans two blocks
of the fused kernel's buffer). Then every depth from 1 to 4 and hidden sizes
from 2 to 256, on each path where the path is used (the fused kernel only
where its compile is allowed, see ``netlab.toy.trainer.choice``).
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from netlab.toy import datasets, nets, training
from netlab.toy.reference import train_reference
from netlab.toy.trainer import choice

DATASETS = {
    "noisy800": None,
    "noisy200": {"generator": "noisy", "n": 200},
    "circle100": {"generator": "circle", "n": 100, "radius": 2.4, "margin": 0.4},
    "xor100": {"generator": "xor", "n": 100, "margin": 0.5},
    "blobs300": {"generator": "blobs", "n": 300, "separation": 2.4, "spread": 1.0},
    "blobs1100": {"generator": "blobs", "n": 1100, "separation": 2.4, "spread": 1.0},
    "linear100": {"generator": "linear", "n": 100, "angle": 35.0, "margin": 0.6},
}


def training_data(name: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    spec = DATASETS[name]
    points = datasets.noisy() if spec is None else datasets.generate(spec, seed)
    return datasets.as_training_arrays(*points)


def both(name: str, hidden_layers: int, hidden: int, seed: int, path: str, **settings):
    x, y = training_data(name, seed)
    initial = nets.init_params(nets.layer_sizes(hidden_layers, hidden), seed)
    fast = training.train(x, y, initial, path=path, **settings)
    assert fast.path == path
    return fast, reference(name, hidden_layers, hidden, seed, **settings)


@functools.cache
def reference(
    name: str, hidden_layers: int, hidden: int, seed: int, **settings
) -> training.TrainResult:
    """The reference run of a case, once for all paths (it is the slow side)."""
    x, y = training_data(name, seed)
    return train_reference(
        x, y, nets.init_params(nets.layer_sizes(hidden_layers, hidden), seed), **settings
    )


@pytest.mark.parametrize("path", training.PATHS)
@pytest.mark.parametrize(
    ("dataset", "hidden_layers", "hidden", "seed"),
    [
        ("noisy800", 2, 8, 0),
        ("noisy800", 2, 8, 1),
        ("noisy800", 1, 4, 2),
        ("circle100", 1, 8, 3),
        ("xor100", 2, 4, 4),
        ("blobs1100", 2, 4, 5),
    ],
)
def test_losses_follow_the_reference_for_20000_iterations(
    dataset, hidden_layers, hidden, seed, path
):
    # tol 0: only a rising loss could stop the run, so all 40 checks are compared
    fast, ref = both(
        dataset, hidden_layers, hidden, seed, path, check_every=500, max_iter=20_000, tol=0.0
    )
    assert (
        [t for t, _ in fast.checkpoints]
        == [t for t, _ in ref.checkpoints]
        == list(range(500, 20_001, 500))
    )
    fast_losses = np.array([loss for _, loss in fast.checkpoints])
    ref_losses = np.array([loss for _, loss in ref.checkpoints])
    assert np.max(np.abs(fast_losses - ref_losses)) <= 1e-5
    assert fast.iterations == ref.iterations == 20_000
    assert not fast.converged and not ref.converged
    for (w_fast, b_fast), (w_ref, b_ref) in zip(fast.params, ref.params, strict=True):
        np.testing.assert_allclose(w_fast, w_ref, rtol=1e-3, atol=1e-4)
        np.testing.assert_allclose(b_fast, b_ref, rtol=1e-3, atol=1e-4)
    assert fast.final_loss == pytest.approx(ref.final_loss, abs=1e-5)
    assert fast.errors == ref.errors


@pytest.mark.parametrize("path", training.PATHS)
@pytest.mark.parametrize(
    ("dataset", "hidden_layers", "hidden", "seed", "tol"),
    [
        ("noisy200", 2, 8, 1, 3e-4),
        ("xor100", 1, 4, 0, 1e-3),
        ("blobs300", 2, 8, 1, 1e-3),
        ("linear100", 2, 4, 0, 3e-4),
    ],
)
def test_full_runs_stop_at_the_same_iteration(dataset, hidden_layers, hidden, seed, tol, path):
    fast, ref = both(dataset, hidden_layers, hidden, seed, path, check_every=100, tol=tol)
    assert fast.converged and ref.converged
    # the case must not hinge on rounding: every check's decrease is clear of tol
    losses = np.array([1.0] + [loss for _, loss in ref.checkpoints])
    assert np.min(np.abs(losses[:-1] - losses[1:] - tol)) > 1e-5
    assert fast.iterations == ref.iterations
    assert 1000 <= fast.iterations <= 6000
    assert fast.errors == ref.errors
    assert fast.final_loss == pytest.approx(ref.final_loss, abs=1e-5)


SMALL = [(1, 2), (2, 2), (3, 3), (4, 2), (1, 16), (2, 8), (4, 4)]  # every path
WIDE = [
    (1, 256),
    (2, 64),
    (2, 256),
    (3, 32),
    (4, 64),
]  # the general path: the kernel would compile too long
CASES = [(*shape, path) for shape in SMALL for path in training.PATHS] + [
    (*shape, "general") for shape in WIDE
]


@pytest.mark.parametrize(("hidden_layers", "hidden", "path"), CASES)
def test_every_depth_and_width_follows_the_reference(hidden_layers, hidden, path):
    sizes = nets.layer_sizes(hidden_layers, hidden)
    assert path == "general" or choice.fused_allowed(sizes)
    # the wide nets learn fast: a smaller lr keeps the run away from saturation, where rounding decides;
    # fewer iterations keep the reference (milliseconds per iteration at 2-256-256-1) affordable
    lr, max_iter = (0.25, 1500) if hidden <= 16 else (0.05, 600)
    fast, ref = both(
        "noisy200",
        hidden_layers,
        hidden,
        hidden,
        path,
        lr=lr,
        check_every=100,
        max_iter=max_iter,
        tol=0.0,
    )
    fast_losses = np.array([loss for _, loss in fast.checkpoints])
    ref_losses = np.array([loss for _, loss in ref.checkpoints])
    assert len(fast_losses) == len(ref_losses) == max_iter // 100
    assert np.max(np.abs(fast_losses - ref_losses)) <= 1e-5
    for (w_fast, b_fast), (w_ref, b_ref) in zip(fast.params, ref.params, strict=True):
        np.testing.assert_allclose(w_fast, w_ref, rtol=1e-3, atol=1e-4)
        np.testing.assert_allclose(b_fast, b_ref, rtol=1e-3, atol=1e-4)
    assert fast.errors == ref.errors
