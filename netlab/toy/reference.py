"""The notebooks' training loop in PyTorch autograd: the reference the fast trainer must follow.

Kept line for line as the notebooks' ``train_best_model`` (``nn.Sequential``,
``BCELoss``, ``loss.backward()`` and an in-place update per iteration), with
``check_every`` and ``max_iter`` as parameters. Used by the tests and the
benchmarks, never by the workflow.
"""

from __future__ import annotations

import numpy as np
import torch

from netlab.toy.nets import Params, error_count
from netlab.toy.training import TrainResult


def sequential(params: Params) -> torch.nn.Sequential:
    """An ``nn.Sequential`` of Linear/ReLU ... Linear/Sigmoid holding copies of ``params``."""
    layers: list[torch.nn.Module] = []
    for i, (w, b) in enumerate(params):
        linear = torch.nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(np.asarray(w, dtype=np.float32)))
            linear.bias.copy_(torch.from_numpy(np.asarray(b, dtype=np.float32)))
        layers += [linear, torch.nn.ReLU() if i < len(params) - 1 else torch.nn.Sigmoid()]
    return torch.nn.Sequential(*layers)


def train_reference(
    x: np.ndarray,
    y: np.ndarray,
    params: Params,
    *,
    lr: float = 0.25,
    tol: float = 1e-4,
    check_every: int = 1000,
    max_iter: int | None = None,
) -> TrainResult:
    """The notebook's loop; same arguments and result as ``netlab.toy.training.train``."""
    model = sequential(params)
    xt = torch.from_numpy(np.asarray(x, dtype=np.float32))
    yt = torch.from_numpy(np.asarray(y, dtype=np.float32)).reshape(-1, 1)
    loss_fn = torch.nn.BCELoss()
    prev_loss = 1.0
    t = 1
    done = False
    converged = False
    checkpoints: list[tuple[int, float]] = []
    while not done:
        y_pred = model(xt)
        t += 1
        loss = loss_fn(y_pred, yt)
        if t % check_every == 0:
            checkpoints.append((t, loss.item()))
            if prev_loss - loss.item() < tol:
                done = converged = True
            prev_loss = loss.item()
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= lr * (1.0 / np.sqrt(t)) * param.grad
        if max_iter and t >= max_iter:
            done = True
    with torch.no_grad():
        final_pred = model(xt)
        final_loss = loss_fn(final_pred, yt).item()
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    final = [(m.weight.detach().numpy().copy(), m.bias.detach().numpy().copy()) for m in linears]
    return TrainResult(
        iterations=t,
        final_loss=final_loss,
        errors=error_count(final_pred.numpy(), y),
        params=final,
        checkpoints=checkpoints,
        converged=converged,
    )
