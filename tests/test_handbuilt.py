import itertools
import math

import numpy as np
import torch

from netlab import handbuilt


def test_constructions_equal_their_targets_exactly():
    for c in handbuilt.constructions():
        row = handbuilt.check(c)
        assert row["passed"] and row["max_abs_error"] == 0.0, c.name


def test_or_truth_table():
    (or_net,) = [c for c in handbuilt.constructions() if c.name.startswith("OR")]
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    assert handbuilt.relu_net(or_net, x).tolist() == [0.0, 1.0, 1.0, 1.0]


def test_a_wrong_construction_fails_its_check():
    (absx,) = [c for c in handbuilt.constructions() if c.name == "|x|"]
    broken = handbuilt.Construction(**{**absx.__dict__, "w2": np.array([1.0, 0.5])})
    row = handbuilt.check(broken)
    assert not row["passed"] and row["max_abs_error"] == 1.5


def test_softmax_probability_is_the_homeworks_answer():
    p = handbuilt.softmax(handbuilt.SOFTMAX_LOGITS)
    assert math.isclose(p.sum(), 1.0)
    assert math.isclose(
        p[0], torch.softmax(torch.tensor([1.0, 0.0, 0.0, -1.0], dtype=torch.float64), 0)[0].item()
    )
    assert round(float(p[0]), 3) == 0.534
    assert handbuilt.softmax_row()["passed"]


def test_parameter_count_matches_torch():
    for sizes in ([2, 4, 1], [2, 8, 8, 1], [10, 1000, 1000, 1000, 16], [2048, 1]):
        layers = [torch.nn.Linear(a, b) for a, b in itertools.pairwise(sizes)]
        assert handbuilt.parameter_count(sizes) == sum(
            p.numel() for m in layers for p in m.parameters()
        )
    assert handbuilt.parameter_count([2, 8, 1], bias=False) == 24


def test_table_and_summary():
    rows = handbuilt.table()
    summary = handbuilt.summary(rows)
    assert summary["all_passed"]
    assert summary["parameter_counts"]["toy net, 2 hidden layers, H = 8"] == 105
    assert {"construction", "formula", "check", "max_abs_error", "passed"} <= set(rows[0])
