"""What a reader sees of the image part's results: each classifier's name, how many sample images of
each class the figure shows, and class names wrapped or numbered to fit a figure's axis. Light (no plotting, no torch)
so the report can name things as the figures do.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

SAMPLES_PER_CLASS = 4
TICK_WIDTH = 16  # characters per line of a class name on a confusion matrix's axis
TICK_LINES = 3  # lines a name may take there; longer names are numbered instead
_PIECE = re.compile(r"[^\s_-]*[\s_-]?")  # a word with the one separator after it


def model_label(model: Mapping[str, Any]) -> str:
    """A reader's name for a classifier of the metrics file."""
    k = model.get("params", {}).get("n_neighbors")
    if k is not None:
        return f"k-NN, k = {k}"
    return "logistic regression" if model["name"] == "logistic_regression" else str(model["name"])


def wrap(name: str, width: int) -> list[str]:
    """``name`` in lines of at most ``width`` characters, broken after a space, '_' or '-' where it can
    (class folders are often ``genus_species``, which ``textwrap`` would never break), else mid-word."""
    lines = [""]
    for piece in (p for p in _PIECE.findall(name) if p):
        if lines[-1] and len(lines[-1]) + len(piece.rstrip()) > width:
            lines.append("")
        lines[-1] += piece
        while len(lines[-1].rstrip()) > width:
            lines[-1:] = [lines[-1][:width], lines[-1][width:]]
    return [line.rstrip() for line in lines]


def wrapped_names(classes: Sequence[str]) -> list[list[str]] | None:
    """Each class name wrapped to ``TICK_WIDTH`` characters a line; None if one takes over ``TICK_LINES``."""
    wrapped = [wrap(name, TICK_WIDTH) for name in classes]
    return wrapped if all(len(lines) <= TICK_LINES for lines in wrapped) else None


def numbered(classes: Sequence[str]) -> tuple[list[str], list[str]]:
    """The classes numbered from 1 for an axis, and the key that says which number is which class."""
    return [str(i) for i in range(1, len(classes) + 1)], [
        f"{i} = {name}" for i, name in enumerate(classes, start=1)
    ]
