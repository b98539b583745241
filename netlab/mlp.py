"""Feed-forward nets of the notebooks: ReLU hidden layers, sigmoid output, BCE, plain gradient descent.

``train`` runs the notebooks' loop as one compiled numba kernel generated for
the net's layer sizes. It follows ``netlab.reference.train_reference`` (the
notebooks' PyTorch autograd loop) from the same initial weights; the
notebook's semantics kept exactly:

* ``t`` starts at 1 and is incremented after the forward pass, before the
  loss; the step is ``lr / sqrt(t)``;
* every ``check_every`` values of ``t`` the loss is compared with the previous
  check (starting from 1.0) and training stops once it fell by less than
  ``tol`` -- after taking that iteration's step;
* BCE as ``torch.nn.BCELoss`` computes it (logs clamped at -100, gradient
  through ``max(p (1 - p), 1e-12)``), so saturated outputs behave the same.

Why generated code: a net this small is all overhead unless every unit's value
stays in a register. The kernel for sizes such as (2, 8, 8, 1) names each
unit, weight and gradient as a scalar local, so LLVM vectorises the loop over
the data points with nothing else in memory. Per block of points, one pass
computes the forward values and the back-propagated deltas of each point (ReLU
rows and deltas stored for the next passes), then a few passes sum the weight
gradients, at most ``_GROUP`` accumulators each so they fit the registers.
Rows lie at a compile-time stride in one buffer, so LLVM needs no run-time
alias checks. The source is written once per layer-size tuple to a kernel
directory (``kernel_dirs``) and compiled with ``cache=True``: later jobs load
the machine code. Compiling takes about 4 s for (2, 8, 8, 1), 11 s for
(2, 16, 16, 1), 40 s for (2, 32, 32, 1), once per layer sizes and version of
this module. To read the machine code, compile afresh in this process (numba
cannot show cached code): set ``NETLAB_KERNEL_DIR`` to an empty directory, then
``fused_kernel(sizes).inspect_asm()``.

No torch import here: a trial job pays only for numpy, numba and the cached kernel.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import importlib.util
import itertools
import math
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

Params = list[tuple[np.ndarray, np.ndarray]]

# fastmath without 'nnan'/'ninf': the loss relies on log(0) = -inf being clamped.
_FASTMATH = {"nsz", "arcp", "contract", "reassoc"}

_BLOCK = 1024  # data points per block of the kernel's buffer (the notebooks' sets fit in one; 512 measures the same)
_STRIDE = 1040  # floats between rows of a block: not a power of two, so rows do not share L1 sets
_GROUP = 24  # gradient accumulators per summing pass (a core has 32 vector registers)
_CHECKS = 1024  # checks the kernel records before it returns to have them collected (then resumes)
_CONVERGED, _CAPPED, _CHECKS_FULL = 0, 1, 2  # why the kernel returned
KERNEL_DIR_ENV = "NETLAB_KERNEL_DIR"
# the kernel's argument types: buf, n, flat, grad, lr, tol, check_every, max_iter, t, prev_loss, check_t, check_loss
_SIGNATURE = (
    types.float32[:, ::1], types.int64, types.float32[::1], types.float32[::1], types.float64, types.float64,
    types.int64, types.int64, types.int64, types.float64, types.int64[::1], types.float64[::1],
)  # fmt: skip


@dataclass(frozen=True)
class TrainResult:
    """What one training run gives: iteration count ``t`` at the end, final fit, loss at each check."""

    iterations: int
    final_loss: float
    errors: int
    params: Params
    checkpoints: list[tuple[int, float]]
    converged: bool


def layer_sizes(hidden_layers: int, hidden: int, inputs: int = 2) -> list[int]:
    """Units per layer, input to output, for ``hidden_layers`` layers of ``hidden`` units."""
    return [inputs, *([hidden] * hidden_layers), 1]


def init_params(sizes: Sequence[int], seed: int) -> Params:
    """PyTorch's default ``nn.Linear`` initialisation, drawn from numpy.

    ``kaiming_uniform_(a=sqrt(5))`` and the bias rule both give
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)); drawing them with numpy keeps torch out
    of trial jobs. Weights are in PyTorch layout (out x in).
    """
    rng = np.random.default_rng(seed)
    params: Params = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        bound = 1.0 / math.sqrt(fan_in)
        w = rng.uniform(-bound, bound, size=(fan_out, fan_in)).astype(np.float32)
        b = rng.uniform(-bound, bound, size=fan_out).astype(np.float32)
        params.append((w, b))
    return params


def predict(params: Params, x: np.ndarray) -> np.ndarray:
    """Output probabilities for points ``x`` (m, 2), all at once (float32, as the nets compute)."""
    a = np.asarray(x, dtype=np.float32)
    for i, (w, b) in enumerate(params):
        z = a @ w.T + b
        a = np.maximum(z, np.float32(0)) if i < len(params) - 1 else _sigmoid(z)
    return a.reshape(-1)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    one = np.float32(1)
    with np.errstate(over="ignore"):  # exp(-z) = inf gives p = 0, as in torch
        return one / (one + np.exp(-z))


def bce_loss(p: np.ndarray, y: np.ndarray) -> float:
    """``torch.nn.BCELoss`` (mean, logs clamped at -100), rounded to float32 like ``loss.item()``."""
    p32 = np.asarray(p, dtype=np.float32)
    y32 = np.asarray(y, dtype=np.float32).reshape(p32.shape)
    with np.errstate(divide="ignore"):  # log(0) = -inf, clamped below
        log_p = np.maximum(np.log(p32), np.float32(-100))
        log_q = np.maximum(np.log(np.float32(1) - p32), np.float32(-100))
    terms = -(y32 * log_p + (np.float32(1) - y32) * log_q)
    return float(np.float32(terms.astype(np.float64).mean()))


def error_rate(pred: np.ndarray, y: np.ndarray) -> int:
    """The notebooks' error count: a point is wrong when (pred - 0.5)(y - 0.5) <= 0 (0.5 itself is wrong)."""
    half = np.float32(0.5)
    p = np.asarray(pred, dtype=np.float32).reshape(-1)
    t = np.asarray(y, dtype=np.float32).reshape(-1)
    return int(np.count_nonzero((p - half) * (t - half) <= 0))


def flatten(params: Params) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate ``(W, b)`` per layer into one float32 vector, plus the layer sizes."""
    sizes = [params[0][0].shape[1]] + [w.shape[0] for w, _ in params]
    for (w, b), fan_in, fan_out in zip(params, sizes[:-1], sizes[1:], strict=True):
        if w.shape != (fan_out, fan_in) or b.shape != (fan_out,):
            raise ValueError(
                f"layer shapes do not chain: W {w.shape}, b {b.shape} after {fan_in} inputs"
            )
    flat = np.concatenate([np.concatenate([w.ravel(), b]) for w, b in params]).astype(np.float32)
    return flat, np.array(sizes, dtype=np.int64)


def unflatten(flat: np.ndarray, sizes: Sequence[int]) -> Params:
    """Inverse of ``flatten``."""
    params: Params = []
    pos = 0
    for fan_in, fan_out in itertools.pairwise(sizes):
        w = flat[pos : pos + fan_in * fan_out].reshape(fan_out, fan_in).copy()
        pos += fan_in * fan_out
        b = flat[pos : pos + fan_out].copy()
        pos += fan_out
        params.append((w, b))
    return params


def train(
    x: np.ndarray,
    y: np.ndarray,
    params: Params,
    *,
    lr: float = 0.25,
    tol: float = 1e-4,
    check_every: int = 1000,
    max_iter: int | None = None,
) -> TrainResult:
    """Train from ``params`` (not modified) with the notebooks' loop; see the module docstring.

    ``x`` float32 (n, d), ``y`` float32 (n,) in {0, 1}; ``max_iter`` caps ``t``
    (the run then reports ``converged=False``).
    """
    x32, y32 = _checked_data(x, y)
    if not (check_every >= 1 and float(check_every).is_integer()):
        raise ValueError(f"check_every must be a whole number >= 1, got {check_every!r}")
    if max_iter is not None and not (max_iter >= 2 and float(max_iter).is_integer()):
        raise ValueError(
            f"max_iter must be None or a whole number >= 2 (t starts at 2), got {max_iter!r}"
        )
    if not (math.isfinite(lr) and lr > 0) or not (math.isfinite(tol) and tol >= 0):
        raise ValueError(
            f"lr must be finite and > 0 and tol finite and >= 0, got lr={lr!r}, tol={tol!r}"
        )
    flat, sizes = flatten(params)
    if sizes[0] != x32.shape[1] or sizes[-1] != 1:
        raise ValueError(
            f"layer sizes {sizes.tolist()} do not fit {x32.shape[1]} inputs and 1 output"
        )
    if not np.all(np.isfinite(flat)):
        raise ValueError("initial parameters contain NaN or infinite values")
    layout = _Layout(tuple(int(s) for s in sizes))
    kernel = fused_kernel(layout.sizes)
    buf, grad = _blocks(x32, y32, layout), np.empty_like(flat)
    check_t, check_loss = np.empty(_CHECKS, np.int64), np.empty(_CHECKS, np.float64)
    t, prev_loss, status = 1, 1.0, _CHECKS_FULL
    checkpoints: list[tuple[int, float]] = []
    while status == _CHECKS_FULL:
        t, prev_loss, count, status = kernel(
            buf, x32.shape[0], flat, grad, float(lr), float(tol), int(check_every), int(max_iter or 0),
            t, prev_loss, check_t, check_loss,
        )  # fmt: skip
        checkpoints += zip(check_t[:count].tolist(), check_loss[:count].tolist(), strict=True)
    final = unflatten(flat, layout.sizes)
    p = predict(final, x32)
    return TrainResult(
        iterations=int(t),
        final_loss=bce_loss(p, y32),
        errors=error_rate(p, y32),
        params=final,
        checkpoints=checkpoints,
        converged=status == _CONVERGED,
    )


def _checked_data(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``x`` as float32 (n, d) and ``y`` as float32 (n,), refusing shapes, values and labels the loop cannot use."""
    x32 = np.asarray(x, dtype=np.float32)
    y32 = np.asarray(y, dtype=np.float32).reshape(-1)
    if x32.ndim != 2 or x32.shape[0] != y32.shape[0] or x32.shape[0] == 0:
        raise ValueError(
            f"x must be (n, d) with n = len(y) >= 1; got x {x32.shape}, y {np.shape(y)}"
        )
    if not np.all(np.isfinite(x32)):
        raise ValueError("x contains NaN or infinite values")
    if not np.all((y32 == 0) | (y32 == 1)):
        raise ValueError(
            f"y must hold 0/1 targets, found {sorted(set(np.unique(y32).tolist()) - {0.0, 1.0})[:5]}"
        )
    return x32, y32


# --- the compiled kernel ------------------------------------------------------------------------------------------


@intrinsic
def _bits_to_float32(typingctx, bits):  # pragma: no cover - compiled
    """Reinterpret the low 32 bits of an integer as a float32 (how 2**k is built without a libm call)."""
    if not isinstance(bits, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        word = args[0] if bits.bitwidth == 32 else builder.trunc(args[0], ir.IntType(32))
        return builder.bitcast(word, ir.FloatType())

    return types.float32(bits), codegen


@njit(fastmath={"nsz", "arcp", "contract"}, error_model="numpy", boundscheck=False)
def _exp(x):  # pragma: no cover - compiled
    """float32 exp within 1 ulp that LLVM can vectorise (numba has no vector libm here).

    Cephes' expf: x = k ln2 + r, a degree-6 polynomial for exp(r), then 2**k
    applied as two halves so that k = 128 overflows to inf and k < -126 gives
    the subnormals, as float32 exp does. No 'reassoc' here: it would merge the
    two halves into an infinite 2**128.
    """
    x = min(max(x, np.float32(-104.0)), np.float32(89.0))
    k = np.floor(x * np.float32(1.44269504088896341) + np.float32(0.5))
    r = x - k * np.float32(0.693359375)
    r = r + k * np.float32(2.12194440e-4)
    poly = np.float32(1.9875691500e-4)
    poly = poly * r + np.float32(1.3981999507e-3)
    poly = poly * r + np.float32(8.3334519073e-3)
    poly = poly * r + np.float32(4.1665795894e-2)
    poly = poly * r + np.float32(1.6666665459e-1)
    poly = poly * r + np.float32(5.0000001201e-1)
    e = poly * (r * r) + r + np.float32(1.0)
    ki = np.int32(k)
    low = ki >> np.int32(1)
    return (e * _bits_to_float32((low + np.int32(127)) << np.int32(23))) * _bits_to_float32(
        (ki - low + np.int32(127)) << np.int32(23)
    )


@njit(fastmath=_FASTMATH, error_model="numpy", boundscheck=False)
def _mean_bce(buf, n, p_at, y_at):  # pragma: no cover - compiled
    """BCE of the probabilities in row offset ``p_at`` against the targets at ``y_at`` (as ``bce_loss``)."""
    one = np.float32(1.0)
    total = 0.0
    for c in range(buf.shape[0]):
        block = buf[c]
        for j in range(min(_BLOCK, n - c * _BLOCK)):
            p = block[p_at + j]
            target = block[y_at + j]
            log_p = max(np.log(p), np.float32(-100.0))
            log_q = max(np.log(one - p), np.float32(-100.0))
            total += -(target * log_p + (one - target) * log_q)
    return float(np.float32(total / n))


@njit(fastmath=_FASTMATH, error_model="numpy", boundscheck=False)
def _step(flat, grad, eta):  # pragma: no cover - compiled
    """The update ``param -= eta * grad`` of every parameter."""
    for k in range(flat.shape[0]):
        flat[k] -= eta * grad[k]


class _Layout:
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
        return f"block[{self.row[name] * _STRIDE} + j]"


def _blocks(x: np.ndarray, y: np.ndarray, layout: _Layout) -> np.ndarray:
    """The kernel's buffer: blocks of ``_BLOCK`` points, each all rows at stride ``_STRIDE``, x and y filled in."""
    n, d = x.shape
    buf = np.zeros((-(-n // _BLOCK), len(layout.row) * _STRIDE), np.float32)
    for c in range(buf.shape[0]):
        points = slice(c * _BLOCK, min(n, (c + 1) * _BLOCK))
        m = points.stop - points.start
        for i in range(d):
            at = layout.row[f"a0_{i}"] * _STRIDE
            buf[c, at : at + m] = x[points, i]
        at = layout.row["y"] * _STRIDE
        buf[c, at : at + m] = y[points]
    return buf


def _dot(terms: list[tuple[str, str]]) -> str:
    """``w1 * a1 + w2 * a2 + ...`` for ``[(w1, a1), (w2, a2), ...]``."""
    return " + ".join(f"{w} * {a}" for w, a in terms)


def _forward_backward(layout: _Layout) -> list[str]:
    """Per point: forward values, p, and every delta, as torch's autograd computes them; rows stored."""
    sizes, depth, at = layout.sizes, layout.depth, layout.at
    lines = [f"a0_{i} = {at(f'a0_{i}')}" for i in range(sizes[0])]
    for layer in range(1, depth + 1):
        for o in range(sizes[layer]):
            inputs = [(f"w{layer}_{o}_{i}", f"a{layer - 1}_{i}") for i in range(sizes[layer - 1])]
            z = f"b{layer}_{o} + {_dot(inputs)}"
            if layer < depth:
                lines += [f"a{layer}_{o} = max({z}, zero)", f"{at(f'a{layer}_{o}')} = a{layer}_{o}"]
            else:
                lines += [f"p = one / (one + _exp(-({z})))", f"{at('p')} = p"]
    # BCE backward (mean: grad 1/n) then sigmoid backward, each in torch's formula
    lines += [
        "pq = (one - p) * p",
        f"d{depth}_0 = inv_n * (p - {at('y')}) / max(pq, eps) * pq",
        f"{at(f'd{depth}_0')} = d{depth}_0",
    ]
    for layer in range(depth - 1, 0, -1):
        for i in range(sizes[layer]):
            back = _dot(
                [(f"w{layer + 1}_{o}_{i}", f"d{layer + 1}_{o}") for o in range(sizes[layer + 1])]
            )
            lines.append(
                f"d{layer}_{i} = ({back}) if a{layer}_{i} > zero else zero"
            )  # ReLU backward
            lines.append(f"{at(f'd{layer}_{i}')} = d{layer}_{i}")
    return lines


def _gradient_passes(layout: _Layout) -> list[list[str]]:
    """Loops summing dW = delta a^T and db = sum delta over a block, at most ``_GROUP`` accumulators each."""
    sizes, at, offset = layout.sizes, layout.at, layout.offset
    passes = []
    for layer in range(1, layout.depth + 1):
        fan_in, fan_out = sizes[layer - 1], sizes[layer]
        for i0 in range(0, fan_in, _GROUP - 1):
            inputs = range(i0, min(fan_in, i0 + _GROUP - 1))
            with_bias = i0 == 0
            per_loop = max(1, _GROUP // (len(inputs) + with_bias))
            for o0 in range(0, fan_out, per_loop):
                units = range(o0, min(fan_out, o0 + per_loop))
                sums = [(f"g{layer}_{o}_{i}", f"w{layer}_{o}_{i}") for o in units for i in inputs]
                sums += [(f"g{layer}_{o}", f"b{layer}_{o}") for o in units if with_bias]
                lines = [f"{g} = zero" for g, _ in sums]
                lines.append("for j in range(m):")
                lines += [f"    s{i} = {at(f'a{layer - 1}_{i}')}" for i in inputs]
                for o in units:
                    lines.append(f"    e = {at(f'd{layer}_{o}')}")
                    lines += [f"    g{layer}_{o}_{i} += e * s{i}" for i in inputs]
                    lines += [f"    g{layer}_{o} += e"] if with_bias else []
                lines += [f"grad[{offset[param]}] += {g}" for g, param in sums]
                passes.append(lines)
    return passes


_KERNEL_HEAD = '''\
"""Generated by netlab.mlp for layer sizes {sizes}; do not edit (a new digest means a new file)."""

import math

import numpy as np
from numba import njit

from netlab.mlp import _FASTMATH, _exp, _mean_bce, _step

ZERO = np.float32(0.0)
ONE = np.float32(1.0)
EPS = np.float32(1e-12)
'''

_PASS_TEMPLATE = '''

@njit(fastmath=_FASTMATH, error_model="numpy", boundscheck=False)
def {name}({arguments}):
    """{doc}"""
    zero, one, eps = ZERO, ONE, EPS
{body}
'''

_DESCEND_TEMPLATE = '''

@njit(cache=True, fastmath=_FASTMATH, error_model="numpy", boundscheck=False)
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
            loss = _mean_bce(buf, n, {p_at}, {y_at})
            check_t[n_checks] = t
            check_loss[n_checks] = loss
            n_checks += 1
            done = prev_loss - loss < tol
            prev_loss = loss
        _step(flat, grad, np.float32(lr * (1.0 / math.sqrt(t))))
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
    layout = _Layout(sizes)

    def indent(lines: list[str], depth: int) -> str:
        return "\n".join("    " * depth + line for line in lines)

    passes = _gradient_passes(layout)
    forward = [f"{name} = flat[{k}]" for name, k in layout.offset.items()]
    forward += ["for j in range(m):"] + ["    " + line for line in _forward_backward(layout)]
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
        block=_BLOCK,
        gradient_calls=indent([f"gradient_{k}(block, m, grad)" for k in range(len(passes))], 3),
        p_at=layout.row["p"] * _STRIDE,
        y_at=layout.row["y"] * _STRIDE,
        converged=_CONVERGED,
        capped=_CAPPED,
        checks_full=_CHECKS_FULL,
    )


def kernel_dirs() -> list[Path]:
    """Where generated kernels are looked for, and written to the first writable one.

    ``$NETLAB_KERNEL_DIR`` if set; otherwise the package's ``__pycache__`` (shared
    by every job of an install) then the user's cache directory.
    """
    configured = os.environ.get(KERNEL_DIR_ENV)
    if configured:
        return [Path(configured)]
    user_cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return [
        Path(__file__).resolve().parent / "__pycache__" / "fused",
        user_cache / "netlab" / "fused",
    ]


@functools.cache
def fused_kernel(sizes: tuple[int, ...]) -> Callable[..., tuple[int, float, int, int]]:
    """The compiled kernel for ``sizes``: its generated module is imported, numba loads the cached machine code.

    The file name carries a digest of the generated source and of this module
    (whose helpers are compiled into the kernel), so an edit to either gives a
    new file and a fresh compile, never a stale cache. Files are created by a
    hard link from a finished temporary file: jobs starting together see no
    file or the whole one, and an existing file is never rewritten.
    """
    source = kernel_source(sizes)
    digest = hashlib.sha256(source.encode() + Path(__file__).read_bytes()).hexdigest()[:16]
    stem = "fused_" + "_".join(map(str, sizes)) + "_" + digest
    dirs = kernel_dirs()
    path = next(
        (d / f"{stem}.py" for d in dirs if (d / f"{stem}.py").is_file()), None
    ) or _write_new(dirs, f"{stem}.py", source)
    descend = _import_file(path, f"netlab_{stem}").descend
    with _exclusive(
        path.with_suffix(".lock")
    ):  # jobs starting together: one compiles, the others load its cache
        descend.compile(_SIGNATURE)
    descend.disable_compile()  # a call with other types is a bug here, not a reason to compile again
    return descend


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_path`` (none where it cannot be created, e.g. a read-only directory)."""
    try:
        handle = open(lock_path, "a")
    except OSError:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _write_new(dirs: list[Path], name: str, source: str) -> Path:
    """Create ``name`` holding ``source`` in the first writable directory of ``dirs``."""
    problems = []
    for directory in dirs:
        target = directory / name
        tmp = directory / f".{name}.{os.getpid()}.tmp"
        try:
            directory.mkdir(parents=True, exist_ok=True)
            tmp.write_text(source, encoding="utf-8")
        except OSError as exc:
            problems.append(f"{directory}: {exc.strerror or exc}")
            with contextlib.suppress(OSError):
                tmp.unlink()  # a partial temporary file, if any
            continue
        try:
            os.link(tmp, target)
        except FileExistsError:
            pass  # another job made the same file (same digest, same text)
        except OSError:
            os.replace(tmp, target)  # a file system without hard links: still atomic
        finally:
            tmp.unlink(missing_ok=True)
        return target
    raise OSError(
        f"cannot write the compiled trainer's source anywhere ({'; '.join(problems)}); set {KERNEL_DIR_ENV}"
    )


def _import_file(path: Path, name: str) -> ModuleType:
    """Import ``path`` as module ``name``, registered so numba can find it again when it loads the cache."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
