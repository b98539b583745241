"""ImageFolder trees (``root/{split}/{class}/*.jpg``) read like torchvision, but checked first.

The samples are the files torchvision's ``ImageFolder`` takes (an image
extension, any case), in its order and with its labels (sorted class folders),
so counts and labels match the notebooks'. What it passes over silently (a
``.gif`` placeholder, a stray file beside the class folders) and macOS
metadata (``__MACOSX/``, ``._x.jpg``) are *ignored* and listed. torchvision
fails mid-run (after minutes of feature extraction) on a truncated JPEG; here
every sample is decoded before any work, and a bad one either stops the run
with its name and reason or, when asked (``on_bad_image: skip``), is left out
and listed so the report can show it.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from PIL import Image

# torchvision.datasets.folder.IMG_EXTENSIONS (a test checks they are the same), compared case-insensitively
IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")
ON_BAD_IMAGE = ("error", "skip")
OUTSIDE_CLASSES = ""  # the census row of files that lie in no class folder
MACOS_FOLDER = "__MACOSX"  # where macOS archives keep resource forks: never data
APPLEDOUBLE_PREFIX = "._"  # AppleDouble files (``._x.jpg``): macOS metadata, not images


class ImageFolderError(ValueError):
    """An image tree that cannot be used as it is; the message names the file or folder."""


@dataclass(frozen=True)
class Sample:
    """One image: where it is, its path relative to the image root (``train/ants/x.jpg``), its label."""

    path: Path
    relpath: str
    label: int
    class_name: str


@dataclass(frozen=True)
class Split:
    """The files of one split, sorted into three kinds.

    ``samples``: the images, in ImageFolder order. ``ignored``: files that are
    not samples, as torchvision's ImageFolder does not see them either (other
    extensions, files outside class folders) or as they are macOS metadata.
    ``skipped``: files with an image extension that do not decode (only with
    ``on_bad_image: skip``). Each left-out file is ``{"path", "reason"}``, the
    path relative to the image root.
    """

    split: str
    classes: list[str]
    samples: list[Sample]
    skipped: list[dict[str, str]] = field(default_factory=list)
    ignored: list[dict[str, str]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Images per class."""
        return {c: sum(s.class_name == c for s in self.samples) for c in self.classes}

    def census(self) -> list[dict[str, Any]]:
        """Per class (class order): images used, files ignored, files skipped.

        A file counts for the class folder it lies in (macOS metadata
        ``__MACOSX/split/class/...`` for ``class``); a last row with class
        ``""`` counts the others (loose in the split, ``split/__MACOSX/...``),
        present only when there are any.
        """
        rows = {c: {"class": c, "used": 0, "ignored": 0, "skipped": 0} for c in self.classes}
        for sample in self.samples:
            rows[sample.class_name]["used"] += 1
        for kind in ("ignored", "skipped"):
            for item in getattr(self, kind):
                name = _class_of(item["path"], self.split, self.classes)
                row = rows.setdefault(name, {"class": name, "used": 0, "ignored": 0, "skipped": 0})
                row[kind] += 1
        return list(rows.values())


def _class_of(relpath: str, split: str, classes: Sequence[str]) -> str:
    """The class a left-out file belongs to, or ``OUTSIDE_CLASSES``.

    ``split/class/...`` and its macOS metadata ``__MACOSX/split/class/...``
    belong to ``class``; anything else (``split/README``, ``split/__MACOSX/...``) to none.
    """
    parts = relpath.split("/")
    if parts[0] == MACOS_FOLDER:
        parts = parts[1:]
    if len(parts) > 2 and parts[0] == split and parts[1] in classes:
        return parts[1]
    return OUTSIDE_CLASSES


def find_classes(root: Path, split: str) -> list[str]:
    """The class folders of ``root/split``, sorted (torchvision's order), ``__MACOSX`` left out."""
    folder = root / split
    if not folder.is_dir():
        what = "is not a directory" if folder.exists() else "is missing"
        raise ImageFolderError(
            f"image folder {root}: split directory {folder} {what} (expected {root}/{split}/<class>/)"
        )
    classes = sorted(
        entry.name for entry in os.scandir(folder) if entry.is_dir() and entry.name != MACOS_FOLDER
    )
    if not classes:
        raise ImageFolderError(f"image folder {root}: {folder} has no class sub-directories")
    return classes


def check_same_classes(root: Path, splits: Sequence[str]) -> list[str]:
    """The classes shared by all ``splits``; an error names the classes missing from a split."""
    found = {split: find_classes(root, split) for split in splits}
    first = splits[0]
    for split in splits[1:]:
        if found[split] != found[first]:
            only_first = sorted(set(found[first]) - set(found[split]))
            only_this = sorted(set(found[split]) - set(found[first]))
            raise ImageFolderError(
                f"image folder {root}: class folders differ between '{first}' {found[first]} and "
                f"'{split}' {found[split]} (only in {first}: {only_first}; only in {split}: {only_this})"
            )
    return found[first]


def ignore_reason(relpath: str) -> str | None:
    """Why the file at ``relpath`` (inside a class folder) is not a sample; None if it is one.

    torchvision's ImageFolder takes exactly the files whose lower-cased name
    ends with one of its extensions; macOS metadata is left out as well,
    although ``._x.jpg`` has an image extension, because it is not an image.
    """
    parts = relpath.split("/")
    if MACOS_FOLDER in parts[:-1]:
        return f"macOS metadata ({MACOS_FOLDER})"
    if parts[-1].startswith(APPLEDOUBLE_PREFIX):
        return f"macOS metadata (AppleDouble {APPLEDOUBLE_PREFIX} file)"
    if not parts[-1].lower().endswith(IMG_EXTENSIONS):
        suffix = PurePosixPath(parts[-1]).suffix or "none"
        return f"not an image extension ({suffix})"
    return None


def image_problem(path: Path) -> str | None:
    """Why the image file ``path`` cannot be used (None if it decodes completely)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                image.load()
    except Image.UnidentifiedImageError:
        return "not a readable image (unknown or corrupt format)"
    except (
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombWarning,
        Image.DecompressionBombError,
    ) as exc:
        # PIL reports a truncated file as OSError "image file is truncated"
        return f"cannot decode: {exc}"
    return None


def _files_under(folder: Path) -> list[Path]:
    """Files under ``folder`` in torchvision's order (walk sorted, names sorted, links followed)."""
    return [
        Path(top) / name
        for top, _, names in sorted(os.walk(folder, followlinks=True))
        for name in sorted(names)
    ]


def _outside_classes(root: Path, split: str) -> list[dict[str, str]]:
    """Files of ``split`` in no class folder: loose in the split, or macOS metadata."""
    found = []
    for entry in sorted(os.scandir(root / split), key=lambda e: e.name):
        if not entry.is_dir():
            found.append({"path": f"{split}/{entry.name}", "reason": "not inside a class folder"})
    # A Mac archive's metadata: root/split/__MACOSX/..., or root/__MACOSX/split/... once its top folder is stripped.
    for folder in (root / split / MACOS_FOLDER, root / MACOS_FOLDER / split):
        reason = f"macOS metadata ({MACOS_FOLDER})"
        found += [
            {"path": p.relative_to(root).as_posix(), "reason": reason}
            for p in (_files_under(folder) if folder.is_dir() else [])
        ]
    return found


def scan_split(
    root: str | Path,
    split: str,
    *,
    on_bad_image: str = "error",
    splits: Sequence[str] = ("train", "val"),
) -> Split:
    """List and check every file of ``root/split`` before any work.

    ``splits`` are the splits that must have the same classes (the labels of
    train and val must mean the same). Samples are the files torchvision's
    ImageFolder would take (macOS metadata aside); every other file is
    ignored and listed. A sample that does not decode completely stops the
    run (``on_bad_image='error'``, every bad file named) or is skipped and
    listed (``'skip'``).
    """
    if on_bad_image not in ON_BAD_IMAGE:
        raise ValueError(f"on_bad_image must be one of {ON_BAD_IMAGE}, got {on_bad_image!r}")
    root = Path(root)
    classes = check_same_classes(root, list(dict.fromkeys([split, *splits])))
    ignored = _outside_classes(root, split)
    bad: list[dict[str, str]] = []
    samples: list[Sample] = []
    for label, class_name in enumerate(classes):
        for path in _files_under(root / split / class_name):
            relpath = path.relative_to(root).as_posix()
            if (reason := ignore_reason(relpath)) is not None:
                ignored.append({"path": relpath, "reason": reason})
            elif (problem := image_problem(path)) is not None:
                bad.append({"path": relpath, "reason": problem})
            else:
                samples.append(Sample(path, relpath, label, class_name))
    if bad and on_bad_image == "error":
        listing = "\n".join(f"  {root / b['path']}: {b['reason']}" for b in bad)
        raise ImageFolderError(
            f"image folder {root}: {len(bad)} unreadable image(s) in split '{split}' "
            f"(set images.on_bad_image: skip to leave them out):\n{listing}"
        )
    result = Split(split, classes, samples, bad, ignored)
    for class_name, n in result.counts().items():
        if n == 0:
            raise ImageFolderError(
                f"image folder {root}: class folder {root / split / class_name} has no usable images"
            )
    return result


def load_rgb(path: str | Path) -> Image.Image:
    """Open an image as RGB, like torchvision's default loader (grey, palette, RGBA, CMYK all become RGB)."""
    with open(path, "rb") as f:
        image = Image.open(f)
        return image.convert("RGB")
