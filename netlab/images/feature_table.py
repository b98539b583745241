"""The features file: one Parquet row per image (path, label, class_name, features[2048] float32).

Kept apart from the extraction code so that the classifiers and the report
read features without importing torch. A reader checks the columns and the
vector size and names the file when they are wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from netlab import atomic

FEATURE_DIM = 2048  # ResNet50's pooled output


class FeatureTableError(ValueError):
    """A features file that does not hold what the writer writes; the message names the file."""


@dataclass(frozen=True)
class FeatureTable:
    """Features and labels of one split, rows in ImageFolder order."""

    paths: list[str]
    labels: np.ndarray  # int64 (n,)
    class_names: list[str]
    features: np.ndarray  # float32 (n, dim)


def write(path: str | Path, table: FeatureTable) -> None:
    """Write ``table`` to Parquet atomically (``features`` as a fixed-size list of float32)."""
    n, dim = table.features.shape
    if not len(table.paths) == len(table.labels) == len(table.class_names) == n:
        raise ValueError(
            f"{path}: {n} feature rows but {len(table.paths)} paths, {len(table.labels)} labels"
        )
    flat = pa.array(np.ascontiguousarray(table.features, np.float32).reshape(-1), pa.float32())
    arrow = pa.table(
        {
            "path": pa.array(table.paths, pa.string()),
            "label": pa.array(np.asarray(table.labels, np.int64)),
            "class_name": pa.array(table.class_names, pa.string()),
            "features": pa.FixedSizeListArray.from_arrays(flat, dim),
        }
    )
    with atomic.replacing(path) as tmp:
        pq.write_table(arrow, tmp)


def read(path: str | Path, dim: int = FEATURE_DIM) -> FeatureTable:
    """Read a features file, checking its columns, types and vector size."""
    try:
        arrow = pq.read_table(path)
    except (OSError, pa.ArrowException) as exc:
        raise FeatureTableError(f"features file {path}: not readable as Parquet: {exc}") from exc
    need: Sequence[str] = ("path", "label", "class_name", "features")
    missing = [c for c in need if c not in arrow.column_names]
    if missing:
        raise FeatureTableError(
            f"features file {path}: missing column(s) {missing} (has {arrow.column_names})"
        )
    column = arrow.column("features").combine_chunks()
    if not (pa.types.is_fixed_size_list(column.type) and column.type.list_size == dim):
        raise FeatureTableError(
            f"features file {path}: 'features' is {column.type}, expected {dim} float32 per row"
        )
    features = column.flatten().to_numpy(zero_copy_only=False).astype(np.float32, copy=False)
    return FeatureTable(
        paths=arrow.column("path").to_pylist(),
        labels=arrow.column("label").to_numpy().astype(np.int64),
        class_names=arrow.column("class_name").to_pylist(),
        features=features.reshape(len(arrow), dim),
    )
