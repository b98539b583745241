"""Toy 2-D classification data: the notebooks' noisy set, seeded stand-ins, the file format.

Files hold one point per line, ``x1 x2 label`` with label -1 or +1, read as
the notebooks' ``load_data`` reads them (``np.loadtxt``: ``#`` comments and
blank lines skipped). Coordinates are written with nine
significant digits, so a float32 value read back is the very value written.
"""

from __future__ import annotations

import functools
import inspect
import io
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

Points = tuple[np.ndarray, np.ndarray]  # x float32 (n, 2), labels int8 (n,) in {-1, +1}


class DataFileError(ValueError):
    """A toy data file that does not follow the ``x1 x2 label`` format."""


def noisy(n: int = 800, seed: int = 0, flip: float = 0.03, scale: float = 10.0) -> Points:
    """The notebooks' noisy set, point for point.

    Same legacy ``np.random.seed`` and call order as the notebook; labels are
    flipped at ``int(n * flip)`` indices drawn with replacement, and x is
    scaled in float32 exactly as ``torch.tensor(X, dtype=torch.float) * 10``.
    """
    np.random.seed(seed)
    x_raw = np.random.rand(n, 2)
    positive = noisy_boundary(x_raw)
    idx = np.random.choice(range(n), size=(int(n * flip),))
    positive[idx] = ~positive[idx]
    x = x_raw.astype(np.float32) * np.float32(scale)
    return x, np.where(positive, 1, -1).astype(np.int8)


def noisy_boundary(x_unit: np.ndarray) -> np.ndarray:
    """The noisy set's generating rule on the unit square (True is the positive class)."""
    u = (x_unit[:, 0] - 0.5) * 6
    return ((np.exp(-(u**2)) * 2 * u + 1) / 2 - x_unit[:, 1]) > 0


def noisy_flipped(n: int = 800, seed: int = 0, flip: float = 0.03) -> int:
    """How many labels of the noisy set disagree with the generating rule.

    Indices are drawn with replacement, so an index drawn twice flips back:
    this is the error count of the true boundary on the noisy labels.
    """
    x, labels = noisy(n=n, seed=seed, flip=flip)
    truth = noisy_boundary(x.astype(np.float64) / 10.0)
    return int(np.count_nonzero(truth != (labels > 0)))


def _uniform_with_margin(
    rng: np.random.Generator, n: int, half_width: float, keep: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """Draw ``n`` points uniformly in a square, keeping only those ``keep`` accepts."""
    out = np.empty((0, 2))
    while len(out) < n:
        batch = rng.uniform(-half_width, half_width, size=(2 * n, 2))
        out = np.concatenate([out, batch[keep(batch)]])
    return out[:n]


def linear(rng: np.random.Generator, n: int, angle: float, margin: float) -> Points:
    """Linearly separable: a line through the origin at ``angle`` degrees, an empty band of ``margin`` each side."""
    normal = _line_normal(angle)
    x = _uniform_with_margin(rng, n, 5.0, lambda p: np.abs(p @ normal) >= margin)
    return x, np.where(x @ normal > 0, 1, -1)


def _line_normal(angle: float) -> np.ndarray:
    """Unit normal of the line through the origin at ``angle`` degrees (positive side: the +1 class)."""
    return np.array([-math.sin(math.radians(angle)), math.cos(math.radians(angle))])


def _blob_centre(separation: float) -> np.ndarray:
    """Centre of the +1 blob; the -1 blob sits at its mirror image through the origin."""
    return np.array([separation / 2, separation / 4])


def blobs(rng: np.random.Generator, n: int, separation: float, spread: float) -> Points:
    """Two round Gaussian classes ``separation`` apart; they overlap when ``separation`` is a few ``spread``."""
    labels = np.where(np.arange(n) % 2 == 0, 1, -1)
    centre = _blob_centre(separation)
    x = labels[:, None] * centre + rng.normal(0.0, spread, size=(n, 2))
    return x, labels


def circle(rng: np.random.Generator, n: int, radius: float, margin: float) -> Points:
    """A disc of one class inside a ring of the other: needs a curved boundary."""
    x = _uniform_with_margin(
        rng, n, 5.0, lambda p: np.abs(np.hypot(p[:, 0], p[:, 1]) - radius) >= margin
    )
    return x, np.where(np.hypot(x[:, 0], x[:, 1]) < radius, 1, -1)


def xor(rng: np.random.Generator, n: int, margin: float) -> Points:
    """Opposite quadrants share a class (XOR): no single line separates it."""
    x = _uniform_with_margin(rng, n, 5.0, lambda p: np.min(np.abs(p), axis=1) >= margin)
    return x, np.where(x[:, 0] * x[:, 1] > 0, 1, -1)


GENERATORS: dict[str, Callable[..., Points]] = {
    "linear": linear,
    "blobs": blobs,
    "circle": circle,
    "xor": xor,
}


def generate(spec: Mapping[str, Any], seed: int) -> Points:
    """Make the data set a config entry describes (``generator`` plus its parameters)."""
    params = dict(spec)
    name = params.pop("generator")
    if name == "noisy":
        return noisy(**params)
    x, labels = GENERATORS[name](np.random.default_rng(seed), **params)
    return x.astype(np.float32), labels.astype(np.int8)


def obtain(spec: Mapping[str, Any], seed: int, source: Sequence[str]) -> Points:
    """The data set of a config entry: read and checked from the user's file, or generated."""
    return read_points(source[0]) if "path" in spec else generate(spec, seed)


# --- held-out test sets and the generators' own boundaries ------------------------

TEST_KEYS = ("test_n", "test_path")  # settings of a data set's test set, never of its training set


def training_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The settings that make the training set: a test-set setting must never re-make (and re-train) it."""
    return {key: value for key, value in spec.items() if key not in TEST_KEYS}


def has_test_set(spec: Mapping[str, Any]) -> bool:
    """Generated data sets always get one; a file data set only when it names a ``test_path``."""
    return "path" not in spec or "test_path" in spec


def noisy_test(n: int, seed: int, flip: float = 0.03, scale: float = 10.0) -> Points:
    """Fresh points from the noisy set's curve with its flipping process, from a seeded Generator.

    Same recipe as ``noisy`` (uniform in the unit square, ``int(n * flip)``
    indices drawn with replacement and flipped, x scaled in float32), but
    its own random stream, so no test point repeats a training draw.
    """
    rng = np.random.default_rng(seed)
    x_raw = rng.random((n, 2))
    positive = noisy_boundary(x_raw)
    idx = rng.choice(n, size=int(n * flip))
    positive[idx] = ~positive[idx]
    x = x_raw.astype(np.float32) * np.float32(scale)
    return x, np.where(positive, 1, -1).astype(np.int8)


def _default_n(generator: Callable[..., Points]) -> int:
    return int(inspect.signature(generator).parameters["n"].default)


def generate_test(spec: Mapping[str, Any], seed: int) -> Points:
    """A generated data set's test set: same generator and settings, ``test_n`` points (default: as many
    as the training set), drawn from ``seed`` (derive it apart from the training set's)."""
    params = training_spec(spec)
    name = params.pop("generator")
    n = spec.get("test_n", params.pop("n", _default_n(noisy)))  # only noisy may leave n out
    params.pop("n", None)
    if name == "noisy":
        params.pop("seed", None)  # the legacy seed of the notebooks' draw: not the test set's
        return noisy_test(n=n, seed=seed, **params)
    x, labels = GENERATORS[name](np.random.default_rng(seed), n=n, **params)
    return x.astype(np.float32), labels.astype(np.int8)


def obtain_test(spec: Mapping[str, Any], seed: int, source: Sequence[str]) -> Points:
    """The test set of a config entry: the user's ``test_path`` file, checked, or freshly generated."""
    if "path" in spec:
        if "test_path" not in spec:
            raise ValueError(f"data set given by path {spec['path']!r} names no test_path")
        return read_points(source[0])
    return generate_test(spec, seed)


def true_positive(spec: Mapping[str, Any], x: np.ndarray) -> np.ndarray | None:
    """The generator's own boundary at points ``x`` (True: the +1 side); None for a file data set.

    For ``blobs`` it is the Bayes boundary (equal round classes, equal shares):
    the perpendicular bisector of the two centres. For ``noisy`` it is the
    curve before labels were flipped.
    """
    x64 = np.asarray(x, dtype=np.float64)
    name = spec.get("generator")
    if name == "noisy":
        return noisy_boundary(x64 / spec.get("scale", 10.0))
    if name == "linear":
        return x64 @ _line_normal(spec["angle"]) > 0
    if name == "blobs":
        return x64 @ _blob_centre(spec["separation"]) > 0
    if name == "circle":
        return np.hypot(x64[:, 0], x64[:, 1]) < spec["radius"]
    if name == "xor":
        return x64[:, 0] * x64[:, 1] > 0
    return None


def floor_errors(spec: Mapping[str, Any], x: np.ndarray, labels: np.ndarray) -> int | None:
    """Errors of the generator's own boundary on these points (noisy: its flipped labels); None without one."""
    truth = true_positive(spec, x)
    return None if truth is None else int(np.count_nonzero(truth != (np.asarray(labels) > 0)))


def format_points(x: np.ndarray, labels: np.ndarray) -> str:
    """The file text of a data set; float32 values survive the round trip exactly."""
    x32 = np.asarray(x, dtype=np.float32)
    return "".join(
        f"{a:.9g} {b:.9g} {int(c):d}\n" for (a, b), c in zip(x32.tolist(), labels, strict=True)
    )


def data_lines(text: str) -> list[tuple[int, str]]:
    """(line number, text before any ``#``) of each line holding data, as ``np.loadtxt`` finds them.

    ``np.loadtxt`` (the notebooks' reader) drops everything from a ``#`` to
    the end of its line and skips lines left blank; ``\\r\\n`` and ``\\r`` end
    lines as ``\\n`` does.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept = ((number, line.split("#", 1)[0]) for number, line in enumerate(lines, start=1))
    return [(number, data) for number, data in kept if data.split()]


def size(spec: Mapping[str, Any]) -> int:
    """Points in a config data set, for the trainer's cost model: a generator's ``n`` (noisy: 800 by
    default) or the data lines of the user's file, read without checking them (its job checks)."""
    if "path" in spec:
        stat = Path(spec["path"]).stat()
        stamp = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
        return _file_size(str(Path(spec["path"]).resolve()), stamp)
    return int(spec.get("n", _default_n(noisy)))


@functools.lru_cache(maxsize=64)
def _file_size(path: str, _stamp: tuple[int, int, int]) -> int:
    """A file's data lines, read once per content stamp: the cost model asks for a data set's size for
    every H and every job of a sweep while the workflow is parsed."""
    return len(data_lines(Path(path).read_text(encoding="utf-8", errors="replace")))


def _numbers(lines: Sequence[tuple[int, str]], source: str) -> np.ndarray:
    """The values of ``lines`` as ``np.loadtxt`` parses them (float64, one row per line).

    The whole file is parsed in one call; only when it fails is each line
    parsed alone, to name the first one numpy refuses.
    """
    try:
        return np.loadtxt(io.StringIO("\n".join(data for _, data in lines)), ndmin=2)
    except ValueError:
        pass
    for number, data in lines:
        try:
            np.loadtxt(io.StringIO(data), ndmin=2)
        except ValueError:
            hint = " (a header line? start it with '#')" if number == lines[0][0] else ""
            raise DataFileError(
                f"{source}, line {number}: non-numeric value in {data.strip()!r}{hint}"
            ) from None
    raise DataFileError(f"{source}: numpy's loadtxt cannot read it as one table of numbers")


def parse_points(text: str, source: str) -> Points:
    """Read ``x1 x2 label`` lines exactly as ``np.loadtxt`` does, refusing what it would misread.

    Comments (``#``, whole lines or the rest of a line), blank lines, tabs,
    CRLF and any number syntax numpy reads are accepted. Every problem names
    ``source`` and the line, before any training starts.
    """
    lines = data_lines(text)
    if not lines:
        raise DataFileError(f"{source}: no data points (only blank lines and comments)")
    for number, data in lines:
        if len(fields := data.split()) != 3:
            hint = "; values are separated by spaces or tabs, not commas" if "," in data else ""
            raise DataFileError(
                f"{source}, line {number}: expected 3 columns 'x1 x2 label', "
                f"found {len(fields)}: {data.strip()!r}{hint}"
            )
    values = _numbers(lines, source)
    if values.shape != (len(lines), 3):
        raise DataFileError(
            f"{source}: numpy's loadtxt reads {values.shape} values, not {len(lines)} x 3"
        )
    for (number, data), row in zip(lines, values, strict=True):
        where = f"{source}, line {number}"
        if not np.isfinite(row).all():
            raise DataFileError(f"{where}: NaN or infinite value in {data.strip()!r}")
        if row[2] not in (-1.0, 1.0):
            raise DataFileError(f"{where}: label must be -1 or +1, found {data.split()[2]!r}")
    labels = values[:, 2].astype(np.int8)
    if len(set(labels.tolist())) < 2:
        raise DataFileError(
            f"{source}: all {len(labels)} points have label {labels[0]:+d}; two classes are needed"
        )
    return values[:, :2].astype(np.float32), labels


def read_points(path: str | Path) -> Points:
    """Load and check a data file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DataFileError(f"{path}: not a text file") from None
    return parse_points(text, str(path))


def as_training_arrays(x: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The notebooks' training targets: float32 x and y = (label + 1) / 2 in {0, 1}."""
    return np.asarray(x, dtype=np.float32), ((labels.astype(np.float32) + 1) / 2).astype(np.float32)
