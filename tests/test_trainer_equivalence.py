"""The fast trainer follows the notebooks' PyTorch loop (``netlab.toy.reference``) from the same initial weights.

Loss at every check within 1e-5 over the first 20 000 iterations, final
weights close, and the same iteration count on full runs to convergence, on
every path of ``training.train`` (``training.PATHS``). The reference costs about 0.4 ms
per iteration, so the cases are few but spread: both depths, both hidden
sizes, several seeds, data sets of 100 to 1100 points (1100 spans two blocks
of the fused kernel's buffer). Then every depth from 1 to 4 and hidden sizes
from 2 to 256, on each path where the path is used (the fused kernel only
where its compile is allowed, see ``netlab.toy.trainer.choice``).

The long reference runs (``helpers.GOLDEN_RUNS``) are computed once and stored in
``tests/golden/`` (``python tests/golden/make_golden.py`` refreshes them); the
fast paths are compared with those, and the shortest of them is run again here
in PyTorch, so the stored values stay checked against the oracle. The runs of
every depth and width are short and compared with PyTorch live.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
from helpers import FULL_RUNS, GOLDEN_RUNS, LONG_RUNS, ReferenceRun, assert_follows

from netlab.toy import nets, training
from netlab.toy.trainer import choice


def fast_run(run: ReferenceRun, path: str) -> training.TrainResult:
    x, y = run.data()
    fast = training.train(x, y, run.initial(), path=path, **run.settings)
    assert fast.path == path
    return fast


@functools.cache
def reference(run: ReferenceRun) -> training.TrainResult:
    """The reference run of a case computed now, once for all paths (it is the slow side)."""
    return run.reference()


def test_the_stored_reference_runs_are_pytorchs():
    """The shortest stored run again in PyTorch: the golden files hold what the oracle computes."""
    stored = {run: run.golden() for run in GOLDEN_RUNS}
    run = min(GOLDEN_RUNS, key=lambda run: stored[run].iterations)
    assert_follows(reference(run), stored[run])


def _name(run: ReferenceRun) -> str:
    tol = f"-{run.tol}" if run.max_iter is None else ""
    return f"{run.dataset}-{run.hidden_layers}-{run.hidden}-{run.seed}{tol}"


@pytest.mark.parametrize("path", training.PATHS)
@pytest.mark.parametrize("run", LONG_RUNS, ids=_name)
def test_losses_follow_the_reference_for_20000_iterations(run, path):
    # tol 0: only a rising loss could stop the run, so all 40 checks are compared
    assert run.check_every == 500 and run.max_iter == 20_000 and run.tol == 0.0
    fast, ref = fast_run(run, path), run.golden()
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
@pytest.mark.parametrize("run", FULL_RUNS, ids=_name)
def test_full_runs_stop_at_the_same_iteration(run, path):
    assert run.check_every == 100 and run.max_iter is None
    fast, ref = fast_run(run, path), run.golden()
    tol = run.tol
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
    run = ReferenceRun(
        "noisy200",
        hidden_layers,
        hidden,
        hidden,
        lr=lr,
        check_every=100,
        max_iter=max_iter,
        tol=0.0,
    )
    fast, ref = fast_run(run, path), reference(run)
    fast_losses = np.array([loss for _, loss in fast.checkpoints])
    ref_losses = np.array([loss for _, loss in ref.checkpoints])
    assert len(fast_losses) == len(ref_losses) == max_iter // 100
    assert np.max(np.abs(fast_losses - ref_losses)) <= 1e-5
    for (w_fast, b_fast), (w_ref, b_ref) in zip(fast.params, ref.params, strict=True):
        np.testing.assert_allclose(w_fast, w_ref, rtol=1e-3, atol=1e-4)
        np.testing.assert_allclose(b_fast, b_ref, rtol=1e-3, atol=1e-4)
    assert fast.errors == ref.errors
