"""The fused kernel's source, generated for one net's layer sizes.

Why generated code: a net this small is all overhead unless every unit's value
stays in a register. The kernel for sizes such as (2, 8, 8, 1) names each
unit, weight and gradient as a scalar local, so LLVM vectorises the loop over
the data points with nothing else in memory. Per block of points, three loops
compute the forward values, the output and its delta, and the back-propagated
deltas of each point (rows stored for the next loops), then a few passes sum the
weight gradients, at most ``GROUP`` accumulators each so they fit the registers.
Rows lie at a compile-time stride in one buffer that starts on a cache line, so
LLVM needs no run-time alias checks and no vector straddles two lines. numba's
compile time grows faster than the number of weights
(about 4 s for (2, 8, 8, 1), 14 s for (2, 16, 16, 1)), which is why
``netlab.toy.trainer.choice`` sends bigger nets to the general path. Every
sum's order is written in the source (``LANES`` partial sums, ``fma32``), so
the kernel gives the same bytes whatever CPU it is compiled for.
"""

from __future__ import annotations

import math

import numpy as np

ALIGN = 64  # bytes: the buffer starts on a cache line, so with STRIDE every row does too
BLOCK = 1024  # data points per block of the kernel's buffer (the notebooks' sets fit in one; 512 measures the same)
STRIDE = 1040  # floats between rows of a block: not a power of two, so rows do not share L1 sets
GROUP = 24  # gradient sums per summing pass (a core has 32 vector registers)
LANES = 16  # partial sums per gradient, point j in lane j mod 16, whatever the CPU's vectors
CONVERGED, CAPPED, CHECKS_FULL = 0, 1, 2  # why the kernel returned


class Layout:
    """Where everything of a net with ``sizes`` lives: rows of a block, names of scalars, offsets in ``flat``.

    Layer 0 is the input; layer L = 1..depth has ``sizes[L]`` units, weights
    ``wL_o_i`` and biases ``bL_o`` (at their ``flatten`` offsets),
    post-activations ``aL_o`` (``a0_i`` are the inputs) and deltas ``dL_o``
    (dLoss/dz). Rows of a block: the inputs, ``y``, ``p``, the hidden layers'
    post-activations, then every layer's deltas.
    """

    def __init__(self, sizes: tuple[int, ...]) -> None:
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"layer sizes must be at least 2 positive numbers, got {sizes}")
        self.sizes = sizes
        self.depth = len(sizes) - 1
        names = [f"a0_{i}" for i in range(sizes[0])] + ["y", "p"]
        names += [f"a{layer}_{o}" for layer in range(1, self.depth) for o in range(sizes[layer])]
        names += [
            f"d{layer}_{o}" for layer in range(1, self.depth + 1) for o in range(sizes[layer])
        ]
        self.row = {name: r for r, name in enumerate(names)}
        self.offset: dict[str, int] = {}
        for layer in range(1, self.depth + 1):
            for o in range(sizes[layer]):
                for i in range(sizes[layer - 1]):
                    self.offset[f"w{layer}_{o}_{i}"] = len(self.offset)
            for o in range(sizes[layer]):
                self.offset[f"b{layer}_{o}"] = len(self.offset)

    def at(self, name: str) -> str:
        """The kernel's expression for point ``j`` of row ``name`` in the current block."""
        return f"block[{self.row[name] * STRIDE} + j]"


def aligned_zeros(shape: tuple[int, ...]) -> np.ndarray:
    """float32 zeros starting on an ``ALIGN``-byte boundary (numpy promises 16 bytes).

    A 512-bit vector is one cache line; at 16 or 48 bytes past one, every load and store of a
    row straddles two lines, and the 2-8-8-1 kernel ran 15-25 % slower (benchmarks/trainer.py,
    docs/performance.md): numpy's address, not the code, decided the speed from run to run.
    """
    count = math.prod(shape)
    raw = np.zeros(count + ALIGN // 4, np.float32)
    skip = (-raw.ctypes.data % ALIGN) // 4
    return raw[skip : skip + count].reshape(shape)


def blocks(x: np.ndarray, y: np.ndarray, layout: Layout) -> np.ndarray:
    """The kernel's buffer: blocks of ``BLOCK`` points, each all rows at stride ``STRIDE``, x and y filled in."""
    n, d = x.shape
    buf = aligned_zeros((-(-n // BLOCK), len(layout.row) * STRIDE))
    for c in range(buf.shape[0]):
        points = slice(c * BLOCK, min(n, (c + 1) * BLOCK))
        m = points.stop - points.start
        for i in range(d):
            at = layout.row[f"a0_{i}"] * STRIDE
            buf[c, at : at + m] = x[points, i]
        at = layout.row["y"] * STRIDE
        buf[c, at : at + m] = y[points]
    return buf


def _dot(terms: list[tuple[str, str]], start: str | None = None) -> str:
    """``start + w1 * a1 + w2 * a2 + ...`` for ``[(w1, a1), (w2, a2), ...]``, added in that order, each
    product fused with its addition (``fma32``); without ``start``, the first product rounds alone."""
    (w, a), rest = terms[0], terms[1:]
    total = f"{w} * {a}" if start is None else f"fma32({w}, {a}, {start})"
    for w, a in rest:
        total = f"fma32({w}, {a}, {total})"
    return total


def _forward_backward(layout: Layout) -> list[list[str]]:
    """Per point: forward values, p, and every delta, as torch's autograd computes them; rows stored.

    Three loops, each point's arithmetic the same as in one: the hidden layers' forward values; the
    output, p and its delta; the deltas back to the first layer. In one loop a point's chain of
    dependent operations (about 8 + 32 + 32 cycles of fused multiply-adds, the exp, two divisions,
    32 more) is longer than the core can look ahead over the loop's 250 operations, so points did
    not overlap; in three the chains are short or the loops small.
    """
    sizes, depth, at = layout.sizes, layout.depth, layout.at
    hidden = [f"a0_{i} = {at(f'a0_{i}')}" for i in range(sizes[0])]
    for layer in range(1, depth):
        for o in range(sizes[layer]):
            inputs = [(f"w{layer}_{o}_{i}", f"a{layer - 1}_{i}") for i in range(sizes[layer - 1])]
            z = _dot(inputs, start=f"b{layer}_{o}")
            hidden += [f"a{layer}_{o} = max({z}, zero)", f"{at(f'a{layer}_{o}')} = a{layer}_{o}"]
    last = depth - 1
    output = [f"a{last}_{i} = {at(f'a{last}_{i}')}" for i in range(sizes[last])]
    z = _dot([(f"w{depth}_0_{i}", f"a{last}_{i}") for i in range(sizes[last])], start=f"b{depth}_0")
    # BCE backward (mean: grad 1/n) then sigmoid backward, each in torch's formula
    output += [
        f"p = one / (one + exp32(-({z})))",
        f"{at('p')} = p",
        "pq = (one - p) * p",
        f"d{depth}_0 = inv_n * (p - {at('y')}) / max(pq, eps) * pq",
        f"{at(f'd{depth}_0')} = d{depth}_0",
    ]
    backward = [f"d{depth}_0 = {at(f'd{depth}_0')}"]
    for layer in range(depth - 1, 0, -1):
        for i in range(sizes[layer]):
            back = _dot(
                [(f"w{layer + 1}_{o}_{i}", f"d{layer + 1}_{o}") for o in range(sizes[layer + 1])]
            )
            backward += [
                f"d{layer}_{i} = ({back}) if {at(f'a{layer}_{i}')} > zero else zero",  # ReLU backward
                f"{at(f'd{layer}_{i}')} = d{layer}_{i}",
            ]
    return [hidden, output, backward] if depth > 1 else [output]


def _gradient_passes(layout: Layout) -> list[list[str]]:
    """Loops summing dW = delta a^T and db = sum delta over a block, at most ``GROUP`` gradients each.

    Each gradient is summed in ``LANES`` partial sums, then added up by ``lane_total``: the order
    of every addition is written here, so no CPU's vector width can change it. Points from ``m`` to
    the next multiple of ``LANES`` are rows never written (zeros), which add exactly nothing.
    """
    sizes, at, offset = layout.sizes, layout.at, layout.offset
    passes = []
    for layer in range(1, layout.depth + 1):
        fan_in, fan_out = sizes[layer - 1], sizes[layer]
        for i0 in range(0, fan_in, GROUP - 1):
            inputs = range(i0, min(fan_in, i0 + GROUP - 1))
            with_bias = i0 == 0
            per_loop = max(1, GROUP // (len(inputs) + with_bias))
            for o0 in range(0, fan_out, per_loop):
                units = range(o0, min(fan_out, o0 + per_loop))
                sums = [(f"g{layer}_{o}_{i}", f"w{layer}_{o}_{i}") for o in units for i in inputs]
                sums += [(f"g{layer}_{o}", f"b{layer}_{o}") for o in units if with_bias]
                count = len(sums) * LANES
                lines = [f"sums = carray(stack_floats({count}), ({count},))"]
                lines += [f"for k in range({count}):", "    sums[k] = zero"]
                lines.append(f"for q in range((m + {LANES - 1}) // {LANES}):")
                lines.append(f"    for lane in range({LANES}):")
                lines.append(f"        j = uint64(q * {LANES} + lane)")
                lines += [f"        s{i} = {at(f'a{layer - 1}_{i}')}" for i in inputs]
                slot = {g: k * LANES for k, (g, _) in enumerate(sums)}
                for o in units:
                    lines.append(f"        e = {at(f'd{layer}_{o}')}")
                    for i in inputs:
                        at_sum = f"sums[{slot[f'g{layer}_{o}_{i}']} + lane]"
                        lines.append(f"        {at_sum} = fma32(e, s{i}, {at_sum})")
                    if with_bias:
                        at_sum = f"sums[{slot[f'g{layer}_{o}']} + lane]"
                        lines.append(f"        {at_sum} = {at_sum} + e")
                lines += [
                    f"grad[{offset[param]}] += lane_total(sums, {slot[g]})" for g, param in sums
                ]
                passes.append(lines)
    return passes


# The module of helpers the generated kernel source imports, named once: the kernel's text imports it from
# here and the kernel cache hashes its file (and imports it where it compiles, so the import graph behind
# the code fingerprints has the edge: an edit to a helper re-runs every trial that runs a kernel).
HELPERS = "netlab.toy.trainer.numerics"

_KERNEL_HEAD = (
    '''\
"""Generated by netlab.toy.trainer.codegen for layer sizes {sizes}; do not edit (a new digest means a new file)."""

import numpy as np
from numba import carray, njit, uint64

'''
    + f"from {HELPERS} import OPTIONS, exp32, fma32, lane_total, mean_bce, stack_floats, step\n"
    + """

ZERO = np.float32(0.0)
ONE = np.float32(1.0)
EPS = np.float32(1e-12)
"""
)

_PASS_TEMPLATE = '''

@njit(**OPTIONS)
def {name}({arguments}):
    """{doc}"""
    zero, one, eps = ZERO, ONE, EPS
{body}
'''

_DESCEND_TEMPLATE = '''

@njit(cache=True, **OPTIONS)
def descend(buf, n, flat, grad, lr, tol, check_every, max_iter, t, prev_loss, check_t, check_loss):
    """The notebooks' loop from iteration ``t`` on the blocks of ``buf``, updating ``flat`` in place.

    Returns ``(t, prev_loss, checks recorded, status)`` at convergence, at
    ``max_iter``, or when ``check_t`` is full (then call again to go on).
    """
    inv_n = np.float32(1.0 / n)
    n_checks = 0
    while True:
        for k in range(grad.shape[0]):
            grad[k] = ZERO
        for c in range(buf.shape[0]):
            block = buf[c]
            m = min({block}, n - c * {block})
            forward_backward(block, m, flat, inv_n)
{gradient_calls}
        t += 1
        done = False
        if t % check_every == 0:
            loss = mean_bce(buf, n, {p_at}, {y_at})
            check_t[n_checks] = t
            check_loss[n_checks] = loss
            n_checks += 1
            done = prev_loss - loss < tol
            prev_loss = loss
        step(flat, grad, lr, t)
        if done:
            return t, prev_loss, n_checks, {converged}
        if max_iter > 0 and t >= max_iter:
            return t, prev_loss, n_checks, {capped}
        if n_checks == check_t.shape[0]:
            return t, prev_loss, n_checks, {checks_full}
'''


def kernel_source(sizes: tuple[int, ...]) -> str:
    """The Python source of the fused kernel for a net with layer ``sizes`` (inputs first, 1 output).

    Each pass is its own small function: numba's compile time grows faster
    than linearly with a function's length.
    """
    layout = Layout(sizes)

    def indent(lines: list[str], depth: int) -> str:
        return "\n".join("    " * depth + line for line in lines)

    passes = _gradient_passes(layout)
    forward = [f"{name} = flat[{k}]" for name, k in layout.offset.items()]
    for loop in _forward_backward(layout):
        forward += ["for j in range(m):"] + ["    " + line for line in loop]
    source = _KERNEL_HEAD.format(sizes=sizes)
    source += _PASS_TEMPLATE.format(
        name="forward_backward", arguments="block, m, flat, inv_n", body=indent(forward, 1),
        doc="Per point of the block: forward values, p and the deltas; rows stored for the gradient passes.",
    )  # fmt: skip
    for k, lines in enumerate(passes):
        source += _PASS_TEMPLATE.format(
            name=f"gradient_{k}", arguments="block, m, grad", body=indent(lines, 1),
            doc="Add one group of weight and bias gradients of the block to ``grad``.",
        )  # fmt: skip
    return source + _DESCEND_TEMPLATE.format(
        block=BLOCK,
        gradient_calls=indent([f"gradient_{k}(block, m, grad)" for k in range(len(passes))], 3),
        p_at=layout.row["p"] * STRIDE,
        y_at=layout.row["y"] * STRIDE,
        converged=CONVERGED,
        capped=CAPPED,
        checks_full=CHECKS_FULL,
    )
