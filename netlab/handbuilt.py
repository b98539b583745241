"""The homework's hand-built ReLU networks and small calculations, each checked by evaluation.

Each construction is written as weights of a one-hidden-layer ReLU net with a
linear output, so the check exercises the same arithmetic a trained net uses.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Construction:
    """A ReLU net ``y = w2 . relu(W1 x + b1) + b2`` meant to equal ``target`` on ``grid``."""

    name: str
    formula: str
    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: float
    target: Callable[[np.ndarray], np.ndarray]
    grid: np.ndarray
    grid_text: str


def relu_net(c: Construction, x: np.ndarray) -> np.ndarray:
    """Evaluate the construction at points ``x`` (m, inputs)."""
    hidden = np.maximum(x @ c.w1.T + c.b1, 0.0)
    return hidden @ c.w2 + c.b2


def _square_grid(values: np.ndarray) -> np.ndarray:
    return np.array(list(itertools.product(values, values)), dtype=np.float64)


def constructions() -> list[Construction]:
    """The homework's answers 3, 4a and 4b."""
    steps = np.linspace(-3.0, 3.0, 121)
    return [
        Construction(
            name="|x1 - x2|",
            formula="h1 = ReLU(x1 - x2), h2 = ReLU(x2 - x1), y = h1 + h2",
            w1=np.array([[1.0, -1.0], [-1.0, 1.0]]),
            b1=np.zeros(2),
            w2=np.array([1.0, 1.0]),
            b2=0.0,
            target=lambda x: np.abs(x[:, 0] - x[:, 1]),
            grid=_square_grid(steps),
            grid_text="121 x 121 grid on [-3, 3]^2",
        ),
        Construction(
            name="OR(x1, x2)",
            formula="h1 = ReLU(x1 + x2), h2 = ReLU(x1 + x2 - 1), y = h1 - h2",
            w1=np.array([[1.0, 1.0], [1.0, 1.0]]),
            b1=np.array([0.0, -1.0]),
            w2=np.array([1.0, -1.0]),
            b2=0.0,
            target=lambda x: np.logical_or(x[:, 0] > 0, x[:, 1] > 0).astype(float),
            grid=_square_grid(np.array([0.0, 1.0])),
            grid_text="{0, 1}^2",
        ),
        Construction(
            name="|x|",
            formula="h1 = ReLU(x), h2 = ReLU(-x), y = h1 + h2",
            w1=np.array([[1.0], [-1.0]]),
            b1=np.zeros(2),
            w2=np.array([1.0, 1.0]),
            b2=0.0,
            target=lambda x: np.abs(x[:, 0]),
            grid=steps.reshape(-1, 1),
            grid_text="121 points on [-3, 3]",
        ),
    ]


def check(c: Construction) -> dict[str, object]:
    """Largest deviation of the net from its target on the grid; exact constructions give 0."""
    error = float(np.max(np.abs(relu_net(c, c.grid) - c.target(c.grid))))
    return {
        "construction": c.name,
        "formula": c.formula,
        "check": f"equals the target on {c.grid_text}",
        "max_abs_error": error,
        "passed": error == 0.0,
    }


def softmax(logits: Sequence[float]) -> np.ndarray:
    """Numerically stable softmax."""
    z = np.asarray(logits, dtype=np.float64)
    e = np.exp(z - z.max())
    return e / e.sum()


# The homework's question 2: logits (1, 0, 0, -1), so P(y1) = e / (e + 2 + 1/e).
SOFTMAX_LOGITS = (1.0, 0.0, 0.0, -1.0)
SOFTMAX_ANSWER = 0.534


def softmax_row() -> dict[str, object]:
    """The softmax probability of the first class, checked against the closed form and the answer 0.534."""
    p = float(softmax(SOFTMAX_LOGITS)[0])
    closed_form = math.e / (math.e + 2 + 1 / math.e)
    error = abs(p - closed_form)
    return {
        "construction": "softmax P(y1)",
        "formula": "P(y1) = e / (e + 2 + 1/e) for logits (1, 0, 0, -1)",
        "check": f"= {p:.6f}, rounds to {SOFTMAX_ANSWER}",
        "max_abs_error": error,
        "passed": error < 1e-12 and round(p, 3) == SOFTMAX_ANSWER,
    }


def parameter_count(sizes: Sequence[int], bias: bool = True) -> int:
    """Weights (and biases) of a stack of fully connected layers with the given widths, input first."""
    return sum(a * b + (b if bias else 0) for a, b in itertools.pairwise(sizes))


# Nets whose size a reader meets in the notebooks (widths input first).
COUNTED_NETS = {
    "toy net, 1 hidden layer, H = 4": [2, 4, 1],
    "toy net, 1 hidden layer, H = 8": [2, 8, 1],
    "toy net, 2 hidden layers, H = 8": [2, 8, 8, 1],
    "logistic regression on ResNet50 features": [2048, 1],
}


def parameter_rows() -> list[dict[str, object]]:
    """Parameter counts of the notebooks' nets, each checked against a stack of ``torch.nn.Linear``."""
    import torch

    rows = []
    for name, sizes in COUNTED_NETS.items():
        n = parameter_count(sizes)
        layers = [torch.nn.Linear(a, b) for a, b in itertools.pairwise(sizes)]
        allocated = sum(p.numel() for layer in layers for p in layer.parameters())
        rows.append(
            {
                "construction": f"parameters: {name}",
                "formula": " + ".join(f"{a}*{b} + {b}" for a, b in itertools.pairwise(sizes))
                + f" = {n}",
                "check": f"torch.nn.Linear stack has {allocated}",
                "max_abs_error": float(abs(allocated - n)),
                "passed": allocated == n,
            }
        )
    return rows


def table() -> list[dict[str, object]]:
    """Every row of the hand-built networks table."""
    return [check(c) for c in constructions()] + [softmax_row()] + parameter_rows()


def summary(rows: list[dict[str, object]]) -> dict[str, object]:
    """The table plus the headline numbers, for JSON."""
    return {
        "rows": rows,
        "softmax_probability": float(softmax(SOFTMAX_LOGITS)[0]),
        "parameter_counts": {name: parameter_count(sizes) for name, sizes in COUNTED_NETS.items()},
        "all_passed": all(bool(r["passed"]) for r in rows),
    }
